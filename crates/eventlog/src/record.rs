use std::fmt;

use bytes::Bytes;

/// Global log position: gap-free, from 1. Position 0 means "before the first record".
pub type Position = u64;

/// Caller-chosen 128-bit record id; the idempotency key of an append.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordId(pub u128);

impl RecordId {
    /// Derives a stable id from parts (128-bit FNV-1a, each part terminated by 0xff), so the
    /// same logical record always gets the same idempotency key.
    pub fn derive(parts: &[&[u8]]) -> Self {
        // 128-bit FNV-1a: stable across platforms and releases, no dependency.
        const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
        const PRIME: u128 = 0x0000000001000000000000000000013B;
        let mut hash = OFFSET;
        for part in parts {
            for byte in part.iter().chain(std::iter::once(&0xffu8)) {
                hash ^= u128::from(*byte);
                hash = hash.wrapping_mul(PRIME);
            }
        }
        RecordId(hash)
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

/// What a stream must look like for an append to proceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedVersion {
    /// No check.
    Any,
    /// The stream must not exist.
    NoStream,
    /// The stream must exist.
    StreamExists,
    /// The stream's last record must have this version (versions start at 0).
    Exact(u64),
}

impl fmt::Display for ExpectedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectedVersion::Any => f.write_str("any"),
            ExpectedVersion::NoStream => f.write_str("no stream"),
            ExpectedVersion::StreamExists => f.write_str("stream exists"),
            ExpectedVersion::Exact(v) => write!(f, "{v}"),
        }
    }
}

/// A record to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    /// Idempotency key.
    pub id: RecordId,
    /// Record type, e.g. `statecraft.events.v1.DocumentIngested`.
    pub record_type: String,
    /// Metadata pairs (correlation id, causation id, traceparent).
    pub metadata: Vec<(String, String)>,
    /// Opaque payload (protobuf bytes).
    pub payload: Bytes,
}

/// A stored record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Global position.
    pub position: Position,
    /// Idempotency key.
    pub id: RecordId,
    /// Stream name.
    pub stream: String,
    /// Version within the stream, from 0.
    pub stream_version: u64,
    /// Record type.
    pub record_type: String,
    /// When the log accepted it, microseconds since the Unix epoch.
    pub recorded_at_micros: i64,
    /// Metadata pairs.
    pub metadata: Vec<(String, String)>,
    /// Payload.
    pub payload: Bytes,
}

impl Record {
    /// Looks up a metadata value.
    pub fn metadata_value(&self, key: &str) -> Option<&str> {
        self.metadata
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The outcome of an append.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    /// Position of the first record.
    pub first_position: Position,
    /// Position of the last record.
    pub last_position: Position,
    /// Stream version of the last record.
    pub stream_version: u64,
    /// True when every record was already in the log; nothing was written.
    pub deduplicated: bool,
}

pub(crate) fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_are_stable_and_separate_parts() {
        let a = RecordId::derive(&[b"doc", b"v1"]);
        assert_eq!(a, RecordId::derive(&[b"doc", b"v1"]));
        assert_ne!(a, RecordId::derive(&[b"docv", b"1"]));
        assert_ne!(a, RecordId::derive(&[b"doc", b"v2"]));
        assert_eq!(a.to_string().len(), 32);
    }
}
