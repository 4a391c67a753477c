//! Feed benchmark: real-size news documents through the all-in-one server (the cluster
//! `statecraft serve` runs: ingest, extraction and query over one file log), submitted the
//! way `statecraft ingest` submits a feed.
//!
//! The feed is a JSON-lines file of real articles (`STATECRAFT_FEED_FILE`, default
//! `../shared/data/corpus/news-unlabelled.jsonl` beside the workspace), read with the
//! ingest command's feed reader and repeated until there are at least 20,000 documents, each
//! copy made distinct by a numbered line. Printed: docs/s and MB/s of text from the first
//! submission until every document is extracted and queryable, the same for generated
//! 300-byte articles (the synthetic figure of `cargo bench -p statecraft-query`), and the
//! p50/p99 latency from submitting one real document to seeing it extracted in a query.
//! Without the feed file it says so and exits 0.
//!
//! Run: `cargo bench -p statecraft-cli --bench feed`. The last lines are
//! `bench: <name> <value> <unit>`.
#![allow(clippy::print_stdout)]

/// The allocator the `statecraft` binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use statecraft_cli::client::{submit_in_streams, wait_extracted};
use statecraft_cli::feed::{FeedFormat, FieldMap, read_feed};
use statecraft_cli::{Cluster, ClusterConfig};
use statecraft_eventlog::{EventLog, FileLog};
use statecraft_proto::pb::ingest::v1 as ingest_pb;
use statecraft_proto::pb::query::v1 as query_pb;

/// At least this many documents go through.
const MIN_DOCUMENTS: usize = 20_000;
/// Synthetic documents for the figure beside the real one.
const SYNTHETIC_DOCUMENTS: usize = 5_000;
/// Single documents timed from submission to queryable.
const LATENCY_SAMPLES: usize = 200;
/// Longest wait for a load to be extracted.
const LOAD_DEADLINE: Duration = Duration::from_secs(600);

fn feed_path() -> PathBuf {
    std::env::var_os("STATECRAFT_FEED_FILE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/data/corpus/news-unlabelled.jsonl")
        })
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

/// A generated article of about 300 bytes.
fn synthetic_article(n: usize) -> ingest_pb::SubmitDocumentRequest {
    let sides = ["Canada", "Japan", "Norway", "Australia"];
    let targets = ["Belarus", "Myanmar", "Syria", "Venezuela", "Iran"];
    let (side, target) = (sides[n % sides.len()], targets[(n / 4) % targets.len()]);
    ingest_pb::SubmitDocumentRequest {
        text: format!(
            "Notice {n}\n\nMon Feb 8, 2021 09:00AM\n\n{side} imposed sanctions on {target} on Monday, \
             its ministry said in notice {n}. {side} also accused {target} of evading an arms \
             embargo, and {target} condemned the step.\n"
        ),
        ..Default::default()
    }
}

/// Submits `requests` in bulk and waits until all are extracted; (seconds, text bytes).
async fn load(
    cluster: &Cluster,
    query: &mut statecraft_proto::QueryClient,
    requests: Vec<ingest_pb::SubmitDocumentRequest>,
) -> (f64, f64, usize) {
    let count = requests.len();
    let bytes: usize = requests.iter().map(|r| r.text.len()).sum();
    let before = query
        .get_stats(query_pb::GetStatsRequest { min_position: 0 })
        .await
        .expect("stats")
        .into_inner()
        .documents as usize;
    let ingest = statecraft_proto::ingest_client(
        statecraft_testkit::channel(cluster.ingest_addr)
            .await
            .expect("ingest channel"),
    );
    let started = Instant::now();
    let outcomes = submit_in_streams(&ingest, requests, || {}).await;
    let submitted = started.elapsed();
    let mut accepted = 0usize;
    for outcome in outcomes {
        let summary = outcome.summary.expect("a chunk is answered");
        accepted += summary.accepted as usize;
    }
    assert_eq!(accepted, count, "every document is new and accepted");
    let deadline = Instant::now() + LOAD_DEADLINE;
    loop {
        let stats = query
            .get_stats(query_pb::GetStatsRequest { min_position: 0 })
            .await
            .expect("stats")
            .into_inner();
        if stats.documents as usize >= before + count && stats.pending_documents == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "documents not extracted within {LOAD_DEADLINE:?}: {stats:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{count} documents ({:.1} MB of text): submitted in {:.2} s, all queryable after {seconds:.2} s",
        bytes as f64 / 1e6,
        submitted.as_secs_f64()
    );
    (seconds, bytes as f64, count)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let path = feed_path();
    if !path.is_file() {
        println!(
            "feed bench skipped: no feed file at {} (set STATECRAFT_FEED_FILE)",
            path.display()
        );
        return;
    }
    let articles: Vec<ingest_pb::SubmitDocumentRequest> =
        read_feed(&path, FeedFormat::Jsonl, &FieldMap::default())
            .into_iter()
            .filter_map(Result::ok)
            .map(|located| ingest_pb::SubmitDocumentRequest {
                text: located.record.text,
                url: located.record.url.unwrap_or_default(),
                title: located.record.title.unwrap_or_default(),
                source: located.record.source.unwrap_or_default(),
                ..Default::default()
            })
            .collect();
    if articles.is_empty() {
        println!(
            "feed bench skipped: {} has no readable records",
            path.display()
        );
        return;
    }
    let copies = MIN_DOCUMENTS.div_ceil(articles.len());
    // Copy k of every article, told apart by a numbered closing line.
    let copy = |k: usize, article: &ingest_pb::SubmitDocumentRequest| {
        let mut distinct = article.clone();
        distinct.text = format!("{}\n\nFeed copy {k}.", article.text);
        distinct
    };
    let real: Vec<_> = (0..copies)
        .flat_map(|k| articles.iter().map(move |a| (k, a)))
        .map(|(k, a)| copy(k, a))
        .collect();
    println!(
        "feed: {} records from {}, {copies} copies each",
        articles.len(),
        path.display()
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let log: Arc<dyn EventLog> = Arc::new(FileLog::open(dir.path()).expect("file log"));
    let mut listeners = Vec::new();
    for _ in 0..3 {
        listeners.push(
            statecraft_testkit::ephemeral_listener()
                .await
                .expect("listener")
                .0,
        );
    }
    let [ingest, extraction, query] = <[_; 3]>::try_from(listeners).expect("three listeners");
    let mut config = ClusterConfig::for_test();
    config.extraction.workers = 2;
    let cluster = Cluster::start_on(config, log, [ingest, extraction, query]).expect("cluster");
    cluster
        .wait_serving(Duration::from_secs(10))
        .await
        .expect("serving");
    let mut query = statecraft_proto::query_client(
        statecraft_testkit::channel(cluster.query_addr)
            .await
            .expect("query channel"),
    );

    let (real_seconds, real_bytes, real_count) = load(&cluster, &mut query, real).await;
    let synthetic: Vec<_> = (0..SYNTHETIC_DOCUMENTS).map(synthetic_article).collect();
    let (synthetic_seconds, synthetic_bytes, synthetic_count) =
        load(&cluster, &mut query, synthetic).await;

    let mut ingest = statecraft_proto::ingest_client(
        statecraft_testkit::channel(cluster.ingest_addr)
            .await
            .expect("ingest channel"),
    );
    let mut latencies = Vec::with_capacity(LATENCY_SAMPLES);
    for n in 0..LATENCY_SAMPLES {
        let document = copy(copies + n, &articles[n % articles.len()]);
        let started = Instant::now();
        let accepted = ingest
            .submit_document(document)
            .await
            .expect("submitted")
            .into_inner();
        wait_extracted(
            &mut query,
            &accepted.doc_id,
            accepted.position,
            Duration::from_secs(10),
        )
        .await
        .expect("extracted");
        latencies.push(started.elapsed());
    }
    latencies.sort();
    let (p50, p99) = (percentile(&latencies, 0.5), percentile(&latencies, 0.99));
    cluster.shutdown().await.expect("shutdown");

    let real_docs = real_count as f64 / real_seconds;
    let real_mb = real_bytes / 1e6 / real_seconds;
    let synthetic_docs = synthetic_count as f64 / synthetic_seconds;
    let synthetic_mb = synthetic_bytes / 1e6 / synthetic_seconds;
    println!(
        "real feed: {real_docs:.0} docs/s, {real_mb:.2} MB/s of text; synthetic {:.0}-byte articles: {synthetic_docs:.0} docs/s, {synthetic_mb:.2} MB/s",
        synthetic_bytes / synthetic_count as f64
    );
    println!(
        "ingest -> queryable, one real document at a time over {LATENCY_SAMPLES}: p50 {p50:.2} ms, p99 {p99:.2} ms"
    );
    println!("bench: feed.documents {real_count} docs");
    println!("bench: feed.docs_per_sec {real_docs:.0} docs/s");
    println!("bench: feed.text_mb_per_sec {real_mb:.2} MB/s");
    println!("bench: feed.synthetic_docs_per_sec {synthetic_docs:.0} docs/s");
    println!("bench: feed.synthetic_text_mb_per_sec {synthetic_mb:.2} MB/s");
    println!("bench: feed.latency_p50 {p50:.2} ms");
    println!("bench: feed.latency_p99 {p99:.2} ms");
}
