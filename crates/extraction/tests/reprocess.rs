//! Reprocessing everything (issue 12, item 9): two reads of the log, not one per document;
//! progress streamed; a stopped job resumes from its last reported position.

use std::collections::HashMap;
use std::sync::Arc;

use futures::StreamExt;
use statecraft_eventlog::{EventLog, MemoryLog};
use statecraft_extraction::{Config, ExtractionService};
use statecraft_ingest::{IngestService, Submission};
use statecraft_proto::pb::events::v1::{EventsExtracted, RecordType};
use statecraft_testkit::faults::FlakyLog;
use statecraft_testkit::news_document;

/// A log with `documents` ingested and none extracted (no workers ran).
async fn ingested(documents: usize) -> Arc<FlakyLog> {
    let log = Arc::new(FlakyLog::new(Arc::new(MemoryLog::new())));
    let ingest = IngestService::new(statecraft_ingest::Config::for_test(), log.clone());
    for n in 0..documents {
        ingest
            .submit(Submission {
                text: news_document(n),
                ..Submission::default()
            })
            .await
            .unwrap();
    }
    log
}

/// EventsExtracted records per document stream.
async fn extractions(log: &dyn EventLog) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    let mut after = 0;
    loop {
        let records = log.read(after, 1_000).await.unwrap();
        let Some(last) = records.last() else { break };
        after = last.position;
        for record in records {
            let count = counts.entry(record.stream.clone()).or_insert(0);
            if record.record_type == EventsExtracted::TYPE {
                *count += 1;
            }
        }
    }
    counts
}

/// The old `all` read the whole log to list documents, then called `read_stream` once per
/// document (on NATS each of those scanned the stream from sequence 1: O(N²)).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reprocess_all_reads_the_log_twice_and_never_per_document() {
    let log = ingested(600).await;
    let service = ExtractionService::new(Config::for_test(), log.clone());
    let (reads, stream_reads) = (log.reads(), log.stream_reads());
    let done = service.reprocess(Vec::new(), true).await.unwrap();
    assert_eq!((done.reprocessed, done.already_current), (600, 0));
    assert_eq!(log.stream_reads() - stream_reads, 0, "no read per document");
    // 600 records, 512 per read, twice.
    assert!(log.reads() - reads <= 4, "{} reads", log.reads() - reads);
    assert!(extractions(log.as_ref()).await.values().all(|n| *n == 1));

    let again = service.reprocess(Vec::new(), true).await.unwrap();
    assert_eq!((again.reprocessed, again.already_current), (0, 600));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reprocess_all_streams_progress_and_resumes_where_it_stopped() {
    let log = ingested(1_300).await;
    let head = log.head();
    let service = Arc::new(ExtractionService::new(Config::for_test(), log.clone()));

    // Take the first report, then hang up: the job stops.
    let mut progress = service.reprocess_all(0);
    let first = progress.next().await.unwrap().unwrap();
    drop(progress);
    assert!(
        !first.done && first.scanned > 0 && first.scanned < head,
        "{first:?}"
    );
    assert_eq!(first.head, head);
    assert!(first.reprocessed > 0);

    // Resume from the reported position and run to the end.
    let reports: Vec<_> = service
        .reprocess_all(first.scanned)
        .map(|item| item.unwrap())
        .collect()
        .await;
    let last = *reports.last().unwrap();
    // The resumed job runs to the head it saw at its start (beyond `head` by now: the first
    // job's extractions).
    assert!(
        last.done && last.scanned == last.head && last.head >= head,
        "{last:?}"
    );
    assert!(
        reports.windows(2).all(|w| w[0].scanned <= w[1].scanned),
        "progress only moves forward"
    );
    assert_eq!(
        first.reprocessed + first.already_current + last.reprocessed + last.already_current,
        1_300,
        "every document is accounted for once: {first:?} then {last:?}"
    );
    let counts = extractions(log.as_ref()).await;
    assert_eq!(counts.len(), 1_300);
    assert!(
        counts.values().all(|n| *n == 1),
        "every document extracted exactly once"
    );
}
