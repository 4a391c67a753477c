//! On-disk framing of records in segment files.
//!
//! A frame is `magic u32 | body_len u32 | crc32c(body) u32 | body`, all little-endian. The body
//! holds the record envelope and `batch_remaining`: how many records of the same append follow
//! this one, so recovery can drop an append that was only partly written.

use bytes::Bytes;

use crate::record::{Record, RecordId};

pub(crate) const MAGIC: u32 = 0x4743_4c53; // "SLCG"
pub(crate) const HEADER_LEN: usize = 12;

/// Why a frame could not be decoded.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FrameError {
    /// The bytes end inside the frame.
    Truncated,
    /// The frame is malformed or its checksum does not match.
    Invalid(&'static str),
}

/// Appends the frame of `record` to `out`.
pub(crate) fn encode_frame(out: &mut Vec<u8>, record: &Record, batch_remaining: u32) {
    let header_at = out.len();
    out.extend_from_slice(&[0u8; HEADER_LEN]);
    let body_at = out.len();
    out.extend_from_slice(&record.position.to_le_bytes());
    out.extend_from_slice(&record.id.0.to_le_bytes());
    out.extend_from_slice(&record.stream_version.to_le_bytes());
    out.extend_from_slice(&record.recorded_at_micros.to_le_bytes());
    out.extend_from_slice(&batch_remaining.to_le_bytes());
    put_short(out, record.stream.as_bytes());
    put_short(out, record.record_type.as_bytes());
    out.extend_from_slice(&(record.metadata.len() as u16).to_le_bytes());
    for (key, value) in &record.metadata {
        put_short(out, key.as_bytes());
        put_long(out, value.as_bytes());
    }
    put_long(out, &record.payload);
    let body_len = (out.len() - body_at) as u32;
    let crc = crc32c::crc32c(&out[body_at..]);
    out[header_at..header_at + 4].copy_from_slice(&MAGIC.to_le_bytes());
    out[header_at + 4..header_at + 8].copy_from_slice(&body_len.to_le_bytes());
    out[header_at + 8..header_at + 12].copy_from_slice(&crc.to_le_bytes());
}

fn put_short(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
    out.extend_from_slice(bytes);
}

fn put_long(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

/// Decodes the frame at the start of `bytes`: the record, its `batch_remaining`, and the frame
/// length.
/// Checks the frame header (magic, length, checksum) at the start of `bytes` and returns the
/// body and the whole frame's length.
fn verified_body(bytes: &[u8]) -> Result<(&[u8], usize), FrameError> {
    if bytes.len() < HEADER_LEN {
        return Err(FrameError::Truncated);
    }
    let magic = u32::from_le_bytes(bytes[0..4].try_into().expect("4 bytes"));
    if magic != MAGIC {
        return Err(FrameError::Invalid("bad frame magic"));
    }
    let body_len = u32::from_le_bytes(bytes[4..8].try_into().expect("4 bytes")) as usize;
    let crc = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    let Some(body) = bytes.get(HEADER_LEN..HEADER_LEN + body_len) else {
        return Err(FrameError::Truncated);
    };
    if crc32c::crc32c(body) != crc {
        return Err(FrameError::Invalid("checksum mismatch"));
    }
    Ok((body, HEADER_LEN + body_len))
}

pub(crate) fn decode_frame(bytes: &[u8]) -> Result<(Record, u32, usize), FrameError> {
    let (body, frame_len) = verified_body(bytes)?;
    let mut reader = Reader { bytes: body };
    let position = reader.u64()?;
    let id = RecordId(u128::from_le_bytes(
        reader.take(16)?.try_into().expect("16 bytes"),
    ));
    let stream_version = reader.u64()?;
    let recorded_at_micros = reader.u64()? as i64;
    let batch_remaining = reader.u32()?;
    let stream = reader.short_string()?;
    let record_type = reader.short_string()?;
    let metadata_len = reader.u16()? as usize;
    let mut metadata = Vec::with_capacity(metadata_len.min(64));
    for _ in 0..metadata_len {
        let key = reader.short_string()?;
        let value_len = reader.u32()? as usize;
        let value = String::from_utf8(reader.take(value_len)?.to_vec())
            .map_err(|_| FrameError::Invalid("metadata value is not UTF-8"))?;
        metadata.push((key, value));
    }
    let payload_len = reader.u32()? as usize;
    let payload = Bytes::copy_from_slice(reader.take(payload_len)?);
    if !reader.bytes.is_empty() {
        return Err(FrameError::Invalid("trailing bytes in frame body"));
    }
    let record = Record {
        position,
        id,
        stream,
        stream_version,
        record_type,
        recorded_at_micros,
        metadata,
        payload,
    };
    Ok((record, batch_remaining, frame_len))
}

/// The parts of a frame recovery needs, borrowed from the segment bytes.
pub(crate) struct FrameHead<'a> {
    pub(crate) position: u64,
    pub(crate) id: RecordId,
    pub(crate) batch_remaining: u32,
    pub(crate) stream: &'a str,
    pub(crate) len: usize,
}

/// Verifies the frame at the start of `bytes` (magic, length, checksum) and reads only its
/// envelope, without copying the payload: what recovery needs to rebuild the indexes.
pub(crate) fn scan_frame(bytes: &[u8]) -> Result<FrameHead<'_>, FrameError> {
    let (body, frame_len) = verified_body(bytes)?;
    let mut reader = Reader { bytes: body };
    let position = reader.u64()?;
    let id = RecordId(u128::from_le_bytes(
        reader.take(16)?.try_into().expect("16 bytes"),
    ));
    let _stream_version = reader.u64()?;
    let _recorded_at = reader.u64()?;
    let batch_remaining = reader.u32()?;
    let stream_len = reader.u16()? as usize;
    let stream = std::str::from_utf8(reader.take(stream_len)?)
        .map_err(|_| FrameError::Invalid("string is not UTF-8"))?;
    Ok(FrameHead {
        position,
        id,
        batch_remaining,
        stream,
        len: frame_len,
    })
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], FrameError> {
        if self.bytes.len() < n {
            return Err(FrameError::Invalid("field runs past the frame body"));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }
    fn u16(&mut self) -> Result<u16, FrameError> {
        Ok(u16::from_le_bytes(
            self.take(2)?.try_into().expect("2 bytes"),
        ))
    }
    fn u32(&mut self) -> Result<u32, FrameError> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn u64(&mut self) -> Result<u64, FrameError> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    fn short_string(&mut self) -> Result<String, FrameError> {
        let len = self.u16()? as usize;
        String::from_utf8(self.take(len)?.to_vec())
            .map_err(|_| FrameError::Invalid("string is not UTF-8"))
    }
}

/// Whether any valid frame starts after `offset` in `bytes`: if one does, the bad frame at
/// `offset` is corruption in the middle of the log, not a torn tail.
pub(crate) fn valid_frame_after(bytes: &[u8], offset: usize) -> bool {
    let magic = MAGIC.to_le_bytes();
    let mut at = offset + 1;
    while at + HEADER_LEN <= bytes.len() {
        match bytes[at..].windows(4).position(|w| w == magic) {
            None => return false,
            Some(found) => {
                let start = at + found;
                if decode_frame(&bytes[start..]).is_ok() {
                    return true;
                }
                at = start + 1;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(position: u64, payload: &[u8]) -> Record {
        Record {
            position,
            id: RecordId(position as u128 * 7),
            stream: "doc-1".into(),
            stream_version: 0,
            record_type: "t".into(),
            recorded_at_micros: 42,
            metadata: vec![("traceparent".into(), "00-abc".into())],
            payload: Bytes::copy_from_slice(payload),
        }
    }

    #[test]
    fn frames_round_trip_and_detect_damage() {
        let mut buf = Vec::new();
        encode_frame(&mut buf, &record(1, b"hello"), 1);
        let first_len = buf.len();
        encode_frame(&mut buf, &record(2, b""), 0);
        let (decoded, remaining, len) = decode_frame(&buf).unwrap();
        assert_eq!(
            (decoded, remaining, len),
            (record(1, b"hello"), 1, first_len)
        );
        let (second, remaining, _) = decode_frame(&buf[first_len..]).unwrap();
        assert_eq!((second.position, remaining), (2, 0));

        assert_eq!(
            decode_frame(&buf[..first_len - 1]),
            Err(FrameError::Truncated)
        );
        let mut flipped = buf.clone();
        flipped[HEADER_LEN + 3] ^= 0x10;
        assert_eq!(
            decode_frame(&flipped),
            Err(FrameError::Invalid("checksum mismatch"))
        );
        assert!(valid_frame_after(&flipped, 0), "second frame is intact");
        assert!(!valid_frame_after(&buf[..first_len + 5], 0));
    }
}
