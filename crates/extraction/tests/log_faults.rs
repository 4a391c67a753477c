//! The extraction group through log faults (issue 12): a transient outage spends no
//! deliveries and parks nothing, and a torn consumer cursor costs redelivery, never a refusal
//! to start. Every document ends with exactly one `EventsExtracted` and no `ExtractionFailed`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use statecraft_eventlog::{
    EventLog, FaultInjector, FileLog, FileLogOptions, GroupConfig, GroupStatus, MemoryLog,
    WritePoint,
};
use statecraft_extraction::Config;
use statecraft_ingest::{IngestService, Submission};
use statecraft_proto::pb::events::v1::{
    DocumentIngested, EventsExtracted, ExtractionFailed, RecordType,
};
use statecraft_runtime::CancellationToken;
use statecraft_testkit::faults::FlakyLog;
use statecraft_testkit::{ephemeral_listener, news_document};
use tokio::task::JoinHandle;

/// A running extraction service over a log.
struct Extraction {
    shutdown: CancellationToken,
    task: JoinHandle<()>,
    config: Config,
}

fn config(max_deliver: u32) -> Config {
    Config {
        workers: 2,
        max_deliver,
        ack_wait_secs: 5,
        ..Config::for_test()
    }
}

async fn start(config: Config, log: Arc<dyn EventLog>) -> Extraction {
    let (listener, _) = ephemeral_listener().await.unwrap();
    let shutdown = CancellationToken::new();
    let task = tokio::spawn({
        let (config, shutdown) = (config.clone(), shutdown.clone());
        async move {
            statecraft_extraction::serve(config, log, listener, shutdown)
                .await
                .unwrap()
        }
    });
    Extraction {
        shutdown,
        task,
        config,
    }
}

impl Extraction {
    async fn stop(self) {
        self.shutdown.cancel();
        self.task.await.unwrap();
    }

    async fn status(&self, log: &Arc<dyn EventLog>) -> GroupStatus {
        let group = GroupConfig {
            max_deliver: GroupConfig::UNLIMITED_DELIVERIES,
            ack_wait: Duration::from_secs(self.config.ack_wait_secs),
            ..GroupConfig::new(self.config.group.clone(), &[DocumentIngested::TYPE])
        };
        log.consumer(group).await.unwrap().status().await.unwrap()
    }

    /// The group's status once its cursor has reached the head.
    async fn settled(&self, log: &Arc<dyn EventLog>) -> GroupStatus {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let status = self.status(log).await;
            if status.cursor >= log.head() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the group did not finish: {status:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Submits documents `range` through the ingest service, retrying each while the log is
/// unavailable, as a client honouring UNAVAILABLE would.
async fn submit(log: Arc<dyn EventLog>, range: std::ops::Range<usize>) {
    let ingest = IngestService::new(statecraft_ingest::Config::for_test(), log);
    for n in range {
        loop {
            let submitted = ingest
                .submit(Submission {
                    text: news_document(n),
                    ..Submission::default()
                })
                .await;
            match submitted {
                Ok(_) => break,
                Err(statecraft_ingest::Error::Log(e)) if e.is_retryable() => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(other) => panic!("document {n} refused: {other}"),
            }
        }
    }
}

/// Per document stream: (DocumentIngested, EventsExtracted, ExtractionFailed) counts.
async fn outcomes(log: &Arc<dyn EventLog>) -> HashMap<String, (usize, usize, usize)> {
    let mut counts: HashMap<String, (usize, usize, usize)> = HashMap::new();
    let mut after = 0;
    loop {
        let records = log.read(after, 1_000).await.unwrap();
        let Some(last) = records.last() else { break };
        after = last.position;
        for record in records {
            let entry = counts.entry(record.stream.clone()).or_default();
            match record.record_type.as_str() {
                t if t == DocumentIngested::TYPE => entry.0 += 1,
                t if t == EventsExtracted::TYPE => entry.1 += 1,
                t if t == ExtractionFailed::TYPE => entry.2 += 1,
                _ => {}
            }
        }
    }
    counts
}

/// Waits until `documents` documents are in the log and each has an outcome, then checks
/// that each was extracted exactly once and none failed.
async fn assert_all_extracted_once(log: &Arc<dyn EventLog>, documents: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let counts = outcomes(log).await;
        let settled = counts.values().filter(|c| c.1 + c.2 > 0).count();
        if counts.len() == documents && settled == documents {
            let failed: Vec<_> = counts.iter().filter(|(_, c)| c.2 > 0).collect();
            assert!(failed.is_empty(), "documents parked as failed: {failed:?}");
            let twice: Vec<_> = counts
                .iter()
                .filter(|(_, c)| c.0 != 1 || c.1 != 1)
                .collect();
            assert!(twice.is_empty(), "not exactly once: {twice:?}");
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{settled} of {documents} documents extracted ({} in the log)",
            counts.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Issue 12, item 1: with max_deliver = 2, six refused appends used to be naked twice per
/// document and then parked by the group without any `ExtractionFailed`: the documents were
/// lost. Now the worker waits the outage out in place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_appends_spend_no_deliveries_and_park_nothing() {
    let flaky =
        Arc::new(FlakyLog::new(Arc::new(MemoryLog::new())).only_type(EventsExtracted::TYPE));
    let log: Arc<dyn EventLog> = flaky.clone();
    flaky.refuse_next(6);
    let extraction = start(config(2), log.clone()).await;
    submit(log.clone(), 0..3).await;
    assert_all_extracted_once(&log, 3).await;
    assert_eq!(flaky.refused(), 6, "the fault was exercised");
    let status = extraction.settled(&log).await;
    assert_eq!((status.parked, status.in_flight), (0, 0));
    extraction.stop().await;
}

/// The fault test of issue 12: the log refuses appends for 2 s while 1,000 documents flow;
/// every document ends extracted exactly once, none parked, none lost.
async fn outage_while_documents_flow(log: Arc<dyn EventLog>, outage: impl FnOnce()) {
    const DOCUMENTS: usize = 1_000;
    let extraction = start(config(2), log.clone()).await;
    submit(log.clone(), 0..200).await;
    outage();
    submit(log.clone(), 200..DOCUMENTS).await;
    assert_all_extracted_once(&log, DOCUMENTS).await;
    let status = extraction.settled(&log).await;
    assert_eq!((status.parked, status.in_flight), (0, 0));
    extraction.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_log_outage_of_two_seconds_loses_and_parks_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let until: Arc<Mutex<Option<Instant>>> = Arc::default();
    let refused = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let faults = FaultInjector::new({
        let (until, refused) = (until.clone(), refused.clone());
        move |point| {
            let down = until.lock().unwrap().is_some_and(|t| Instant::now() < t);
            if down && point == WritePoint::Sync {
                refused.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                return Err(std::io::Error::other("injected fsync failure"));
            }
            Ok(())
        }
    });
    let options = FileLogOptions {
        faults: Some(faults),
        ..FileLogOptions::default()
    };
    let log: Arc<dyn EventLog> = Arc::new(FileLog::open_with(dir.path(), options).unwrap());
    outage_while_documents_flow(log.clone(), || {
        *until.lock().unwrap() = Some(Instant::now() + Duration::from_secs(2));
    })
    .await;
    assert!(refused.load(std::sync::atomic::Ordering::SeqCst) > 0);
    log.close().await.unwrap();
    drop(log);
    // What was acknowledged is what survives a reopen; failed batches left nothing behind.
    let reopened: Arc<dyn EventLog> = Arc::new(FileLog::open(dir.path()).unwrap());
    assert_all_extracted_once(&reopened, 1_000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_log_outage_of_two_seconds_loses_and_parks_nothing() {
    let Some(server) = statecraft_testkit::nats::NatsServer::start_or_skip() else {
        return;
    };
    let nats =
        statecraft_eventlog::NatsLog::connect(statecraft_eventlog::NatsOptions::new(server.url()))
            .await
            .unwrap();
    let flaky = Arc::new(FlakyLog::new(Arc::new(nats)));
    let log: Arc<dyn EventLog> = flaky.clone();
    outage_while_documents_flow(log.clone(), || flaky.refuse_for(Duration::from_secs(2))).await;
    assert!(flaky.refused() > 0);
    log.close().await.unwrap();
}

/// Issue 12, item 2: a cursor emptied by power loss used to make the group refuse to start
/// ("cursor file does not hold a position"). Now extraction restarts, re-delivers, and the
/// record ids keep every document extracted exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emptied_cursor_restarts_extraction_with_redelivery() {
    let dir = tempfile::tempdir().unwrap();
    {
        let log: Arc<dyn EventLog> = Arc::new(FileLog::open(dir.path()).unwrap());
        let extraction = start(config(2), log.clone()).await;
        submit(log.clone(), 0..20).await;
        assert_all_extracted_once(&log, 20).await;
        extraction.stop().await;
        log.close().await.unwrap();
    }
    let cursor = dir.path().join("groups").join("extraction.cursor");
    assert!(cursor.exists());
    for file in std::fs::read_dir(dir.path().join("groups")).unwrap() {
        // Power loss before the data reached the disk: every cursor file is empty.
        std::fs::File::create(file.unwrap().path()).unwrap();
    }
    let log: Arc<dyn EventLog> = Arc::new(FileLog::open(dir.path()).unwrap());
    let extraction = start(config(2), log.clone()).await;
    submit(log.clone(), 20..25).await;
    assert_all_extracted_once(&log, 25).await;
    let status = extraction.settled(&log).await;
    assert_eq!((status.parked, status.in_flight), (0, 0));
    extraction.stop().await;
    log.close().await.unwrap();
}
