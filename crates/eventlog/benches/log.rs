//! Event-log benchmark: appends with fsync before ack at 1 and 64 concurrent appenders,
//! single-append latency, catch-up reads, recovery time per GB, and the baseline of a plain
//! `write + fdatasync` loop on the same disk, all in one run. Each phase is bounded in time.
//!
//! Run: `cargo bench -p statecraft-eventlog`. The last lines are `bench: <name> <value> <unit>`.
#![allow(clippy::print_stdout)]

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use statecraft_eventlog::{EventLog, ExpectedVersion, FileLog, NewRecord, RecordId};

const RECORD_BYTES: usize = 256;
const PHASE: Duration = Duration::from_secs(3);
const READ_RECORDS: u64 = 1_000_000;

fn record(id: u64) -> NewRecord {
    NewRecord {
        id: RecordId(u128::from(id)),
        record_type: "bench.Record".into(),
        metadata: vec![],
        payload: Bytes::from(vec![(id % 251) as u8; RECORD_BYTES]),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1e3
}

fn baseline_fdatasync(dir: &std::path::Path) -> f64 {
    let mut file = std::fs::File::create(dir.join("baseline")).unwrap();
    let buffer = vec![7u8; RECORD_BYTES];
    let started = Instant::now();
    let mut count = 0u64;
    while started.elapsed() < PHASE {
        file.write_all(&buffer).unwrap();
        file.sync_data().unwrap();
        count += 1;
    }
    count as f64 / started.elapsed().as_secs_f64()
}

async fn appends(
    log: Arc<dyn EventLog>,
    appenders: u64,
    next_id: Arc<AtomicU64>,
) -> (f64, Vec<Duration>) {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for task in 0..appenders {
        let log = log.clone();
        let next_id = next_id.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while started.elapsed() < PHASE {
                let id = next_id.fetch_add(1, Ordering::Relaxed);
                let begun = Instant::now();
                log.append(
                    &format!("stream-{task}"),
                    ExpectedVersion::Any,
                    vec![record(id)],
                )
                .await
                .unwrap();
                latencies.push(begun.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    (
        latencies.len() as f64 / started.elapsed().as_secs_f64(),
        latencies,
    )
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    println!(
        "event-log benchmark: {RECORD_BYTES}-byte records, fsync before every ack, {} per append phase",
        humantime(PHASE)
    );

    let baseline = baseline_fdatasync(dir.path());
    println!("baseline   write+fdatasync loop          {baseline:>12.0} records/s");

    let log_dir = dir.path().join("log");
    let (c1, c64, p50, p99, read_rate, recovery_per_gb) = runtime.block_on(async {
        let log: Arc<dyn EventLog> = Arc::new(FileLog::open(&log_dir).unwrap());
        let next_id = Arc::new(AtomicU64::new(1));
        let (c1, mut latencies) = appends(log.clone(), 1, next_id.clone()).await;
        latencies.sort();
        let (p50, p99) = (percentile(&latencies, 0.50), percentile(&latencies, 0.99));
        println!("append     1 appender                     {c1:>12.0} records/s   p50 {p50:.3} ms  p99 {p99:.3} ms");
        let (c64, _) = appends(log.clone(), 64, next_id.clone()).await;
        println!("append     64 appenders                   {c64:>12.0} records/s");

        // Fill up to a million records with batched appends for the read and recovery phases.
        let mut id = next_id.load(Ordering::Relaxed);
        while log.head() < READ_RECORDS {
            let batch: Vec<NewRecord> = (0..1000).map(|i| record(id + i)).collect();
            id += 1000;
            log.append("bulk", ExpectedVersion::Any, batch).await.unwrap();
        }
        let head = log.head();
        let started = Instant::now();
        let mut position = 0;
        let mut bytes = 0u64;
        while position < head {
            let records = log.read(position, 4096).await.unwrap();
            bytes += records.iter().map(|r| r.payload.len() as u64).sum::<u64>();
            position = records.last().unwrap().position;
        }
        let read_rate = head as f64 / started.elapsed().as_secs_f64();
        println!("read       catch-up of {head} records       {read_rate:>12.0} records/s ({} MB payload)", bytes / 1_000_000);
        log.close().await.unwrap();
        drop(log);

        let on_disk: u64 = std::fs::read_dir(log_dir.join("segments"))
            .unwrap()
            .map(|e| e.unwrap().metadata().unwrap().len())
            .sum();
        let started = Instant::now();
        let reopened = FileLog::open(&log_dir).unwrap();
        let recovery = started.elapsed().as_secs_f64();
        assert_eq!(reopened.head(), head);
        let per_gb = recovery / (on_disk as f64 / 1e9);
        println!("recovery   reopen {} MB of segments        {recovery:>12.3} s ({per_gb:.2} s/GB)", on_disk / 1_000_000);
        (c1, c64, p50, p99, read_rate, per_gb)
    });

    println!("bench: log.append.c1 {c1:.0} records/s");
    println!("bench: log.append.c64 {c64:.0} records/s");
    println!("bench: log.append.p50 {p50:.3} ms");
    println!("bench: log.append.p99 {p99:.3} ms");
    println!("bench: log.read {read_rate:.0} records/s");
    println!("bench: log.recovery {recovery_per_gb:.3} s/GB");
    println!("bench: log.baseline.fdatasync {baseline:.0} records/s");
}

fn humantime(duration: Duration) -> String {
    format!("{:.0} s", duration.as_secs_f64())
}
