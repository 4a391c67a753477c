//! The in-memory indexes every local backend keeps (stream → positions, record id → position)
//! and the append checks that run against them. Rebuilt from the records on open.

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::record::{Appended, ExpectedVersion, NewRecord, Position, RecordId};

/// Largest stream name accepted.
pub(crate) const MAX_STREAM_NAME: usize = 256;
/// Largest single record (payload plus envelope) accepted.
pub const MAX_RECORD_BYTES: usize = 32 * 1024 * 1024;

#[derive(Debug, Default)]
pub(crate) struct Index {
    /// Stream name → positions of its records, in version order. (FxHash: these maps are
    /// rebuilt on every open, and SipHash dominated recovery time.)
    streams: FxHashMap<String, Vec<Position>>,
    /// Record id → position.
    ids: FxHashMap<RecordId, Position>,
    /// Highest position indexed (possibly not yet durable, for the file writer).
    last: Position,
}

/// What an accepted append will write.
pub(crate) enum Plan {
    /// Write the records at these consecutive positions, from this first stream version.
    Write {
        first_position: Position,
        first_version: u64,
    },
    /// Everything is already in the log.
    Duplicate(Appended),
}

impl Index {
    pub(crate) fn last(&self) -> Position {
        self.last
    }

    /// Checks an append against the index without changing it.
    pub(crate) fn plan(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        records: &[NewRecord],
    ) -> Result<Plan> {
        validate_request(stream, records)?;
        let known: Vec<Position> = records
            .iter()
            .filter_map(|r| self.ids.get(&r.id).copied())
            .collect();
        if known.len() == records.len() {
            let first_position = *known.iter().min().expect("non-empty batch");
            let last_position = *known.iter().max().expect("non-empty batch");
            let stream_version = self
                .streams
                .get(stream)
                .and_then(|positions| positions.iter().position(|p| *p == last_position))
                .unwrap_or(0) as u64;
            return Ok(Plan::Duplicate(Appended {
                first_position,
                last_position,
                stream_version,
                deduplicated: true,
            }));
        }
        if !known.is_empty() {
            return Err(Error::PartialDuplicate {
                stream: stream.to_owned(),
            });
        }
        let current_len = self.streams.get(stream).map_or(0, Vec::len) as u64;
        let actual = current_len.checked_sub(1);
        let ok = match expected {
            ExpectedVersion::Any => true,
            ExpectedVersion::NoStream => actual.is_none(),
            ExpectedVersion::StreamExists => actual.is_some(),
            ExpectedVersion::Exact(version) => actual == Some(version),
        };
        if !ok {
            return Err(Error::WrongExpectedVersion {
                stream: stream.to_owned(),
                expected: expected.to_string(),
                actual: actual.map_or_else(|| "no stream".to_owned(), |v| v.to_string()),
            });
        }
        Ok(Plan::Write {
            first_position: self.last + 1,
            first_version: current_len,
        })
    }

    /// Records a written (or recovered) record.
    pub(crate) fn insert(&mut self, stream: &str, id: RecordId, position: Position) -> u64 {
        debug_assert_eq!(position, self.last + 1, "positions are gap-free");
        self.last = position;
        self.ids.insert(id, position);
        let positions = self.streams.entry_ref_or_default(stream);
        positions.push(position);
        positions.len() as u64 - 1
    }

    /// Forgets the last records of `stream`, `ids` in append order, which must be the last
    /// records indexed (a batch whose write failed, undone in reverse order).
    pub(crate) fn roll_back(&mut self, stream: &str, ids: &[RecordId]) {
        for id in ids.iter().rev() {
            let removed = self.ids.remove(id);
            debug_assert_eq!(removed, Some(self.last), "rolled back out of order");
            let emptied = match self.streams.get_mut(stream) {
                Some(positions) => {
                    let popped = positions.pop();
                    debug_assert_eq!(popped, Some(self.last));
                    positions.is_empty()
                }
                None => false,
            };
            if emptied {
                self.streams.remove(stream);
            }
            self.last -= 1;
        }
    }

    /// Positions of `stream` from `from_version`, at most `max`.
    pub(crate) fn stream_positions(
        &self,
        stream: &str,
        from_version: u64,
        max: usize,
    ) -> Vec<Position> {
        self.streams
            .get(stream)
            .map(|positions| {
                positions
                    .iter()
                    .skip(from_version as usize)
                    .take(max)
                    .copied()
                    .collect()
            })
            .unwrap_or_default()
    }
}

trait EntryRefOrDefault {
    fn entry_ref_or_default(&mut self, key: &str) -> &mut Vec<Position>;
}

impl EntryRefOrDefault for FxHashMap<String, Vec<Position>> {
    fn entry_ref_or_default(&mut self, key: &str) -> &mut Vec<Position> {
        if !self.contains_key(key) {
            self.insert(key.to_owned(), Vec::new());
        }
        self.get_mut(key).expect("inserted above")
    }
}

pub(crate) fn validate_request(stream: &str, records: &[NewRecord]) -> Result<()> {
    let invalid = |reason: String| Err(Error::InvalidAppend { reason });
    if records.is_empty() {
        return invalid("no records".into());
    }
    if stream.is_empty() || stream.len() > MAX_STREAM_NAME {
        return invalid(format!("stream name must be 1..={MAX_STREAM_NAME} bytes"));
    }
    if stream.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return invalid("stream name contains whitespace or control characters".into());
    }
    for record in records {
        let size = record.payload.len()
            + record.record_type.len()
            + record
                .metadata
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>();
        if size > MAX_RECORD_BYTES {
            return invalid(format!("record of {size} bytes exceeds {MAX_RECORD_BYTES}"));
        }
        if record.record_type.is_empty() || record.record_type.len() > u16::MAX as usize {
            return invalid("record type must be 1..=65535 bytes".into());
        }
        if record.metadata.len() > u16::MAX as usize
            || record
                .metadata
                .iter()
                .any(|(k, _)| k.len() > u16::MAX as usize)
        {
            return invalid("too many or too long metadata keys".into());
        }
    }
    let mut ids: Vec<RecordId> = records.iter().map(|r| r.id).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() != records.len() {
        return invalid("the same record id appears twice in one append".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn new(id: u128) -> NewRecord {
        NewRecord {
            id: RecordId(id),
            record_type: "t".into(),
            metadata: vec![],
            payload: Bytes::new(),
        }
    }

    #[test]
    fn roll_back_forgets_a_batch_as_if_it_was_never_planned() {
        let mut index = Index::default();
        index.insert("a", RecordId(1), 1);
        index.insert("a", RecordId(2), 2);
        index.insert("b", RecordId(3), 3);
        index.roll_back("b", &[RecordId(3)]);
        index.roll_back("a", &[RecordId(2)]);
        assert_eq!(index.last(), 1);
        assert_eq!(index.stream_positions("a", 0, 10), vec![1]);
        assert!(index.stream_positions("b", 0, 10).is_empty());
        assert!(matches!(
            index.plan("b", ExpectedVersion::NoStream, &[new(3)]),
            Ok(Plan::Write {
                first_position: 2,
                first_version: 0
            })
        ));
        assert!(matches!(
            index.plan("a", ExpectedVersion::Exact(0), &[new(2)]),
            Ok(Plan::Write {
                first_position: 2,
                first_version: 1
            })
        ));
    }
}
