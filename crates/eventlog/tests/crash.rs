//! Crash safety of the file log (DESIGN.md §2, guarantee 1): a child process appends
//! continuously from several tasks and reports every acknowledged record; the parent kills it
//! with SIGKILL at random moments, reopens the log and checks that every acknowledged record
//! is present and intact. The child is this test binary itself, re-run in "child mode".

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use statecraft_eventlog::{
    EventLog, ExpectedVersion, FileLog, FileLogOptions, NewRecord, RecordId,
};

const CHILD_DIR_VAR: &str = "STATECRAFT_CRASH_CHILD_DIR";
const CHILD_BASE_VAR: &str = "STATECRAFT_CRASH_CHILD_BASE";
const KILLS: usize = 100;
const APPENDERS: u64 = 8;

fn payload(id: u64) -> Bytes {
    // Distinct, checkable content of varying length per record.
    let len = 64 + (id % 200) as usize;
    Bytes::from(
        (0..len)
            .map(|i| (id as usize * 31 + i) as u8)
            .collect::<Vec<u8>>(),
    )
}

fn options() -> FileLogOptions {
    // Small segments, so kills also land around segment rollovers.
    FileLogOptions {
        segment_bytes: 256 * 1024,
        ..FileLogOptions::default()
    }
}

/// Child mode: append until killed, printing `ACK <position> <id>` after each acknowledgement.
#[test]
#[ignore = "run by the crash test as a child process"]
fn crash_child_process() {
    let Ok(dir) = std::env::var(CHILD_DIR_VAR) else {
        return;
    };
    let base: u64 = std::env::var(CHILD_BASE_VAR).unwrap().parse().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let log: Arc<dyn EventLog> = Arc::new(FileLog::open_with(&dir, options()).unwrap());
        for task in 0..APPENDERS {
            let log = log.clone();
            tokio::spawn(async move {
                let mut n = 0u64;
                loop {
                    let id = base + n * APPENDERS + task;
                    n += 1;
                    let records = vec![NewRecord {
                        id: RecordId(u128::from(id)),
                        record_type: "crash.test".into(),
                        metadata: vec![],
                        payload: payload(id),
                    }];
                    let appended = log
                        .append(&format!("s-{}", id % 5), ExpectedVersion::Any, records)
                        .await
                        .unwrap();
                    // The report is the child's protocol with the parent.
                    #[allow(clippy::print_stdout)]
                    {
                        println!("ACK {} {id}", appended.first_position);
                    }
                }
            });
        }
        // Append until killed.
        std::future::pending::<()>().await;
    });
}

fn verify(dir: &Path, acked: &BTreeMap<u64, u64>) -> u64 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let log = FileLog::open_with(dir, options()).expect("the log opens after a crash");
        let head = log.head();
        let max_acked = acked.keys().next_back().copied().unwrap_or(0);
        assert!(
            head >= max_acked,
            "head {head} is behind acknowledged position {max_acked}"
        );
        let mut position = 0;
        while position < head {
            let records = log.read(position, 4096).await.unwrap();
            for record in &records {
                if let Some(id) = acked.get(&record.position) {
                    assert_eq!(
                        record.id,
                        RecordId(u128::from(*id)),
                        "record at {} changed",
                        record.position
                    );
                    assert_eq!(
                        record.payload,
                        payload(*id),
                        "payload at {} corrupted",
                        record.position
                    );
                }
            }
            position = records.last().map_or(head, |r| r.position);
        }
        log.close().await.unwrap();
        head
    })
}

#[test]
fn acknowledged_appends_survive_repeated_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut acked: BTreeMap<u64, u64> = BTreeMap::new();
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let started = Instant::now();
    for round in 0..KILLS {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "crash_child_process",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DIR_VAR, dir.path())
            .env(
                CHILD_BASE_VAR,
                ((round as u64 + 1) * 1_000_000_000).to_string(),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // xorshift: a kill after 1..=400 acknowledgements, deterministic per run.
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let kill_after = 1 + (rng % 400) as usize;
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let mut seen = 0;
        let deadline = Instant::now() + Duration::from_secs(10);
        while seen < kill_after && Instant::now() < deadline {
            line.clear();
            if reader.read_line(&mut line).unwrap() == 0 {
                break;
            }
            if let Some(rest) = line.trim().strip_prefix("ACK ") {
                let mut parts = rest.split(' ');
                let position: u64 = parts.next().unwrap().parse().unwrap();
                let id: u64 = parts.next().unwrap().parse().unwrap();
                acked.insert(position, id);
                seen += 1;
            }
        }
        child.kill().unwrap(); // SIGKILL
        // Lines already written before the kill are acknowledgements too.
        for rest in reader.lines().map_while(Result::ok) {
            if let Some(rest) = rest.strip_prefix("ACK ") {
                let mut parts = rest.split(' ');
                if let (Some(Ok(position)), Some(Ok(id))) =
                    (parts.next().map(str::parse), parts.next().map(str::parse))
                {
                    acked.insert(position, id);
                }
            }
        }
        let status = child.wait().unwrap();
        assert!(!status.success(), "child ended on its own in round {round}");
        let head = verify(dir.path(), &acked);
        assert!(head >= acked.len() as u64);
    }
    assert!(
        acked.len() > KILLS,
        "the child acknowledged appends before being killed"
    );
    eprintln!(
        "crash test: {KILLS} kills, {} acknowledged records verified in {:.1?}",
        acked.len(),
        started.elapsed()
    );
}
