//! Recovery of the file backend: what survives a reopen, what a torn tail loses, and what is
//! refused loudly.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use statecraft_eventlog::{
    Error, EventLog, ExpectedVersion, FileLog, FileLogOptions, GroupConfig, NewRecord, RecordId,
};

fn record(id: u128, payload_len: usize) -> NewRecord {
    NewRecord {
        id: RecordId(id),
        record_type: "t".into(),
        metadata: vec![],
        payload: Bytes::from(vec![id as u8; payload_len]),
    }
}

fn segments(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<_> = std::fs::read_dir(dir.join("segments"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths
}

async fn write_records(dir: &Path, count: u128) {
    let log = FileLog::open(dir).unwrap();
    for i in 1..=count {
        log.append("s", ExpectedVersion::Any, vec![record(i, 100)])
            .await
            .unwrap();
    }
    log.close().await.unwrap();
}

#[tokio::test]
async fn records_and_group_cursors_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let log = FileLog::open(dir.path()).unwrap();
        log.append(
            "a",
            ExpectedVersion::NoStream,
            vec![record(1, 10), record(2, 10)],
        )
        .await
        .unwrap();
        log.append("b", ExpectedVersion::NoStream, vec![record(3, 10)])
            .await
            .unwrap();
        let consumer = log.consumer(GroupConfig::new("g", &[])).await.unwrap();
        let got = consumer.fetch(2, Duration::from_secs(1)).await.unwrap();
        consumer.ack(got[0].record.position).await.unwrap();
        consumer.ack(got[1].record.position).await.unwrap();
        log.close().await.unwrap();
        let err = log
            .append("a", ExpectedVersion::Any, vec![record(9, 1)])
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Closed));
    }
    let log = FileLog::open(dir.path()).unwrap();
    assert_eq!(log.head(), 3);
    let stream = log.read_stream("a", 0, 10).await.unwrap();
    assert_eq!(stream.len(), 2);
    assert_eq!(stream[1].payload, Bytes::from(vec![2u8; 10]));
    // Versions and dedup state are rebuilt from the segments.
    let again = log
        .append(
            "a",
            ExpectedVersion::Exact(1),
            vec![record(1, 10), record(2, 10)],
        )
        .await
        .unwrap();
    assert!(again.deduplicated);
    log.append("a", ExpectedVersion::Exact(1), vec![record(4, 10)])
        .await
        .unwrap();
    let consumer = log.consumer(GroupConfig::new("g", &[])).await.unwrap();
    let next = consumer.fetch(10, Duration::from_secs(1)).await.unwrap();
    let positions: Vec<u64> = next.iter().map(|d| d.record.position).collect();
    assert_eq!(
        positions,
        vec![3, 4],
        "the cursor resumed after the acked records"
    );
}

#[tokio::test]
async fn a_second_opener_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let _owner = FileLog::open(dir.path()).unwrap();
    let err = FileLog::open(dir.path())
        .err()
        .expect("second open must fail");
    assert!(matches!(err, Error::Locked { .. }), "{err}");
    assert!(err.to_string().contains("locked by another process"));
}

#[tokio::test]
async fn a_torn_final_write_is_truncated_and_the_log_stays_writable() {
    let dir = tempfile::tempdir().unwrap();
    write_records(dir.path(), 3).await;
    let segment = segments(dir.path()).pop().unwrap();
    let len = std::fs::metadata(&segment).unwrap().len();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&segment)
        .unwrap();
    file.set_len(len - 7).unwrap();
    drop(file);

    let log = FileLog::open(dir.path()).unwrap();
    assert_eq!(log.head(), 2, "the torn record is dropped, the others kept");
    let appended = log
        .append("s", ExpectedVersion::Any, vec![record(3, 100)])
        .await
        .unwrap();
    assert_eq!(appended.first_position, 3);
    let all = log.read(0, 10).await.unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[2].payload, Bytes::from(vec![3u8; 100]));
}

#[tokio::test]
async fn a_partly_written_multi_record_append_is_dropped_whole() {
    let dir = tempfile::tempdir().unwrap();
    {
        let log = FileLog::open(dir.path()).unwrap();
        log.append("s", ExpectedVersion::Any, vec![record(1, 50)])
            .await
            .unwrap();
        log.append(
            "s",
            ExpectedVersion::Any,
            vec![record(2, 50), record(3, 50), record(4, 50)],
        )
        .await
        .unwrap();
        log.close().await.unwrap();
    }
    let segment = segments(dir.path()).pop().unwrap();
    let len = std::fs::metadata(&segment).unwrap().len();
    // Cut inside the third record of the batch: the two complete ones must go too.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&segment)
        .unwrap()
        .set_len(len - 20)
        .unwrap();
    let log = FileLog::open(dir.path()).unwrap();
    assert_eq!(log.head(), 1);
    assert!(log.read_stream("s", 1, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_zeroed_tail_is_truncated() {
    let dir = tempfile::tempdir().unwrap();
    write_records(dir.path(), 4).await;
    let segment = segments(dir.path()).pop().unwrap();
    let mut bytes = std::fs::read(&segment).unwrap();
    let original = bytes.len();
    bytes.extend(std::iter::repeat_n(0u8, 4096));
    std::fs::write(&segment, bytes).unwrap();
    let log = FileLog::open(dir.path()).unwrap();
    assert_eq!(log.head(), 4);
    assert_eq!(std::fs::metadata(&segment).unwrap().len(), original as u64);
}

#[tokio::test]
async fn a_flipped_byte_mid_log_is_refused_loudly() {
    let dir = tempfile::tempdir().unwrap();
    write_records(dir.path(), 5).await;
    let segment = segments(dir.path()).pop().unwrap();
    let mut bytes = std::fs::read(&segment).unwrap();
    let frame_len = bytes.len() / 5;
    let target = frame_len + 40; // inside the second record's body
    bytes[target] ^= 0x01;
    std::fs::write(&segment, &bytes).unwrap();

    let err = FileLog::open(dir.path())
        .err()
        .expect("corruption must be refused");
    match &err {
        Error::Corrupt {
            path,
            offset,
            reason,
        } => {
            assert_eq!(path, &segment);
            assert_eq!(
                *offset, frame_len as u64,
                "names the offset of the bad frame"
            );
            assert!(reason.contains("checksum"), "{reason}");
        }
        other => panic!("expected Corrupt, got {other}"),
    }
    assert!(err.to_string().contains(&segment.display().to_string()));
    // The file is left untouched for an operator to inspect.
    assert_eq!(std::fs::read(&segment).unwrap(), bytes);
}

#[tokio::test]
async fn segments_roll_over_and_a_missing_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let options = FileLogOptions {
        segment_bytes: 1024,
        ..FileLogOptions::default()
    };
    {
        let log = FileLog::open_with(dir.path(), options.clone()).unwrap();
        for i in 1..=40u128 {
            log.append("s", ExpectedVersion::Any, vec![record(i, 200)])
                .await
                .unwrap();
        }
        let all = log.read(0, 100).await.unwrap();
        assert_eq!(all.len(), 40, "reads span segments");
        log.close().await.unwrap();
    }
    let paths = segments(dir.path());
    assert!(
        paths.len() >= 5,
        "expected several segments, got {}",
        paths.len()
    );
    {
        let log = FileLog::open_with(dir.path(), options.clone()).unwrap();
        assert_eq!(log.head(), 40);
        assert_eq!(log.read(35, 100).await.unwrap().len(), 5);
    }
    std::fs::remove_file(&paths[2]).unwrap();
    let err = FileLog::open_with(dir.path(), options)
        .err()
        .expect("gap must be refused");
    assert!(
        matches!(err, Error::Corrupt { ref reason, .. } if reason.contains("missing segment")),
        "{err}"
    );
}
