//! Model-based property test: random sequences of appends, reads and reopens against the file
//! log must behave exactly like a plain in-memory model of the log's rules.

use std::collections::HashMap;

use bytes::Bytes;
use proptest::prelude::*;
use statecraft_eventlog::{
    Error, EventLog, ExpectedVersion, FileLog, FileLogOptions, NewRecord, RecordId,
};

#[derive(Debug, Clone)]
enum Op {
    /// Append `count` records to stream `stream`; `expected` picks the expectation; `reuse`
    /// re-sends an earlier append's ids.
    Append {
        stream: u8,
        expected: u8,
        count: u8,
        reuse: Option<u8>,
    },
    Read {
        after: u8,
        max: u8,
    },
    ReadStream {
        stream: u8,
        from: u8,
        max: u8,
    },
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..4u8, 0..5u8, 1..4u8, proptest::option::weighted(0.2, any::<u8>()))
            .prop_map(|(stream, expected, count, reuse)| Op::Append { stream, expected, count, reuse }),
        2 => (any::<u8>(), 1..20u8).prop_map(|(after, max)| Op::Read { after, max }),
        2 => (0..4u8, 0..6u8, 1..10u8).prop_map(|(stream, from, max)| Op::ReadStream { stream, from, max }),
        1 => Just(Op::Reopen),
    ]
}

#[derive(Debug, Clone, PartialEq)]
struct Stored {
    id: u128,
    stream: String,
    version: u64,
    payload: Bytes,
}

#[derive(Default)]
struct Model {
    records: Vec<Stored>,
    ids: HashMap<u128, usize>,
    appends: Vec<Vec<u128>>,
}

impl Model {
    fn stream_len(&self, stream: &str) -> u64 {
        self.records.iter().filter(|r| r.stream == stream).count() as u64
    }
}

fn payload(id: u128) -> Bytes {
    Bytes::from(format!("payload-{id}").into_bytes())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn file_log_matches_the_model(ops in proptest::collection::vec(op(), 1..40)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let options = FileLogOptions { segment_bytes: 512, ..FileLogOptions::default() };
        runtime.block_on(async {
            let mut log = FileLog::open_with(dir.path(), options.clone()).unwrap();
            let mut model = Model::default();
            let mut next_id = 1u128;
            for op in ops {
                match op {
                    Op::Append { stream, expected, count, reuse } => {
                        let stream = format!("s{stream}");
                        let ids: Vec<u128> = match reuse.filter(|_| !model.appends.is_empty()) {
                            Some(pick) => model.appends[pick as usize % model.appends.len()].clone(),
                            None => (0..count).map(|_| { next_id += 1; next_id }).collect(),
                        };
                        let len = model.stream_len(&stream);
                        let expectation = match expected {
                            0 => ExpectedVersion::Any,
                            1 => ExpectedVersion::NoStream,
                            2 => ExpectedVersion::StreamExists,
                            3 => len.checked_sub(1).map_or(ExpectedVersion::NoStream, ExpectedVersion::Exact),
                            _ => ExpectedVersion::Exact(len + 3),
                        };
                        let records = ids.iter().map(|id| NewRecord {
                            id: RecordId(*id),
                            record_type: "t".into(),
                            metadata: vec![],
                            payload: payload(*id),
                        }).collect();
                        let result = log.append(&stream, expectation, records).await;
                        let known = ids.iter().filter(|id| model.ids.contains_key(id)).count();
                        if known == ids.len() {
                            let appended = result.unwrap();
                            prop_assert!(appended.deduplicated);
                            prop_assert_eq!(appended.first_position, model.ids[&ids[0]] as u64 + 1);
                            continue;
                        }
                        prop_assert_eq!(known, 0, "generated appends never mix old and new ids");
                        let allowed = match expectation {
                            ExpectedVersion::Any => true,
                            ExpectedVersion::NoStream => len == 0,
                            ExpectedVersion::StreamExists => len > 0,
                            ExpectedVersion::Exact(v) => len > 0 && v == len - 1,
                        };
                        if !allowed {
                            let error = result.unwrap_err();
                            prop_assert!(matches!(error, Error::WrongExpectedVersion { .. }), "{}", error);
                            continue;
                        }
                        let appended = result.unwrap();
                        prop_assert_eq!(appended.first_position, model.records.len() as u64 + 1);
                        for (i, id) in ids.iter().enumerate() {
                            model.ids.insert(*id, model.records.len());
                            model.records.push(Stored { id: *id, stream: stream.clone(), version: len + i as u64, payload: payload(*id) });
                        }
                        prop_assert_eq!(appended.stream_version, len + ids.len() as u64 - 1);
                        model.appends.push(ids);
                    }
                    Op::Read { after, max } => {
                        let after = u64::from(after) % (model.records.len() as u64 + 2);
                        let got = log.read(after, max as usize).await.unwrap();
                        let want: Vec<&Stored> = model.records.iter().skip(after as usize).take(max as usize).collect();
                        prop_assert_eq!(got.len(), want.len());
                        for (offset, (record, stored)) in got.iter().zip(want).enumerate() {
                            prop_assert_eq!(record.position, after + offset as u64 + 1);
                            prop_assert_eq!(record.id, RecordId(stored.id));
                            prop_assert_eq!(&record.stream, &stored.stream);
                            prop_assert_eq!(record.stream_version, stored.version);
                            prop_assert_eq!(&record.payload, &stored.payload);
                        }
                    }
                    Op::ReadStream { stream, from, max } => {
                        let stream = format!("s{stream}");
                        let got = log.read_stream(&stream, u64::from(from), max as usize).await.unwrap();
                        let want: Vec<&Stored> = model.records.iter().filter(|r| r.stream == stream).skip(from as usize).take(max as usize).collect();
                        let got_ids: Vec<u128> = got.iter().map(|r| r.id.0).collect();
                        let want_ids: Vec<u128> = want.iter().map(|r| r.id).collect();
                        prop_assert_eq!(got_ids, want_ids);
                    }
                    Op::Reopen => {
                        log.close().await.unwrap();
                        drop(log);
                        log = FileLog::open_with(dir.path(), options.clone()).unwrap();
                        prop_assert_eq!(log.head(), model.records.len() as u64);
                    }
                }
                prop_assert_eq!(log.head(), model.records.len() as u64);
            }
            Ok(())
        })?;
    }
}
