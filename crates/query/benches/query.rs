//! Query benchmark, in one run:
//! - projection rebuild of 1M generated events from a file log, and the read model's memory
//!   per event (growth of the process's resident memory while the model is built);
//! - p50/p99 of typical queries over those events (in-process service calls), among them a
//!   text-filter search (one word, and a phrase) and a filter no posting list answers
//!   (confidence and polarity);
//! - end-to-end throughput of the all-in-one server (`statecraft serve`: ingest, extraction
//!   and query over one file log) from `SubmitDocuments` to queryable, and the p50/p99
//!   latency from submitting one document to seeing its events in a query, measured while
//!   another client runs text searches back to back.
//!
//! Baseline printed beside the rebuild: reading the same records from the log without
//! applying them.
//!
//! Run: `cargo bench -p statecraft-query`. The last lines are `bench: <name> <value> <unit>`.
#![allow(clippy::print_stdout)]

/// The allocator the service binaries use.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::time::{Duration, Instant};

use statecraft_eventlog::{EventLog, ExpectedVersion, FileLog};
use statecraft_proto::pb::ingest::v1 as ingest_pb;
use statecraft_proto::pb::query::v1 as query_pb;
use statecraft_query::{Config, EventFilter, QueryService, TimelineQuery};
use statecraft_runtime::CancellationToken;
use statecraft_testkit::synthetic::{Rng, document};
use statecraft_types::{EventDate, EventType};

/// Resident memory of this process, from /proc (Linux).
fn resident_bytes() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
            let kb: i64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kb * 1024)
        })
        .unwrap_or(0)
}

const EVENTS: u64 = 1_000_000;
const EVENTS_PER_DOC: usize = 4;
const QUERY_RUNS: usize = 300;
const E2E_DOCS: usize = 5_000;
const LATENCY_SAMPLES: usize = 50;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1e3
}

/// Writes the corpus with 64 concurrent appenders (group commit makes that fast).
async fn write_corpus(log: Arc<dyn EventLog>) {
    let docs = EVENTS / EVENTS_PER_DOC as u64;
    let tasks: Vec<_> = (0..64u64)
        .map(|task| {
            let log = log.clone();
            tokio::spawn(async move {
                let mut rng = Rng::new(task);
                let mut n = task;
                while n < docs {
                    let (doc_id, ingested, extracted) = document(n, EVENTS_PER_DOC, &mut rng);
                    let stream = format!("doc-{doc_id}");
                    log.append(&stream, ExpectedVersion::NoStream, vec![ingested])
                        .await
                        .unwrap();
                    log.append(&stream, ExpectedVersion::Any, vec![extracted])
                        .await
                        .unwrap();
                    n += 64;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
}

async fn time_query<F, Fut>(name: &str, mut query: F) -> (String, f64, f64)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    let mut samples = Vec::with_capacity(QUERY_RUNS);
    let mut results = 0;
    for _ in 0..QUERY_RUNS {
        let started = Instant::now();
        results = query().await;
        samples.push(started.elapsed());
    }
    samples.sort();
    let (p50, p99) = (percentile(&samples, 0.5), percentile(&samples, 0.99));
    println!("  {name:<22} p50 {p50:7.3} ms  p99 {p99:7.3} ms  ({results} results)");
    (name.to_owned(), p50, p99)
}

async fn read_model(dir: &std::path::Path) -> (f64, f64, f64, Vec<(String, f64, f64)>) {
    let log: Arc<dyn EventLog> = Arc::new(FileLog::open(dir).unwrap());
    println!(
        "writing {EVENTS} events in {} documents",
        EVENTS / EVENTS_PER_DOC as u64
    );
    write_corpus(log.clone()).await;
    drop(log);

    let log: Arc<dyn EventLog> = Arc::new(FileLog::open(dir).unwrap());
    let head = log.head();
    let started = Instant::now();
    let mut after = 0;
    let mut records = 0usize;
    while after < head {
        let batch = log.read(after, 10_000).await.unwrap();
        records += batch.len();
        after = batch.last().unwrap().position;
    }
    let baseline = started.elapsed().as_secs_f64();
    println!("baseline: read {records} records without applying them in {baseline:.2} s");

    let resident_before = resident_bytes();
    let started = Instant::now();
    let shutdown = CancellationToken::new();
    let (service, task) = QueryService::start(Config::for_test(), log.clone(), shutdown.clone());
    service.wait_caught_up().await;
    let rebuild = started.elapsed().as_secs_f64();
    let stats = service.stats(head).await.unwrap();
    assert_eq!(stats.events, EVENTS);
    let bytes_per_event = (resident_bytes() - resident_before) as f64 / EVENTS as f64;
    println!(
        "rebuild: {} events, {} incidents in {rebuild:.2} s; {bytes_per_event:.0} B per event",
        stats.events, stats.incidents
    );

    let date = |s: &str| s.parse::<EventDate>().unwrap();
    let mut figures = Vec::new();
    println!("queries ({QUERY_RUNS} runs each):");
    let searches = [
        (
            "search_sanctions",
            EventFilter {
                types: vec![EventType::SanctionImpose],
                ..Default::default()
            },
        ),
        (
            "search_country_dates",
            EventFilter {
                country: Some("PRK".into()),
                types: vec![EventType::Accuse],
                date_from: Some(date("2019-01")),
                date_to: Some(date("2019-06")),
                ..Default::default()
            },
        ),
        (
            "search_text_word",
            EventFilter {
                text: Some("korea".into()),
                ..Default::default()
            },
        ),
        (
            "search_text_phrase",
            EventFilter {
                text: Some("against north korea".into()),
                ..Default::default()
            },
        ),
        (
            "search_non_indexed",
            EventFilter {
                min_confidence: 0.9,
                polarities: vec![statecraft_types::Polarity::Asserted],
                ..Default::default()
            },
        ),
    ];
    let service = &service;
    for (name, filter) in searches {
        let run = || {
            let filter = filter.clone();
            async move { service.search(filter, 50, "", 0).await.unwrap().items.len() }
        };
        figures.push(time_query(name, run).await);
    }
    figures.push(
        time_query("timeline", || async {
            let query = TimelineQuery {
                actor: "Company 42 Ltd".into(),
                date_from: "2016".into(),
                date_to: "2022".into(),
                types: Vec::new(),
            };
            service
                .timeline(query, 50, "", 0)
                .await
                .unwrap()
                .items
                .len()
        })
        .await,
    );
    figures.push(
        time_query("sanctions_status", || async {
            let page = service
                .sanctions_status(
                    "Company 742 Ltd".into(),
                    String::new(),
                    String::new(),
                    "2020-01-01".into(),
                    (50, ""),
                    0,
                )
                .await
                .unwrap();
            page.items.len()
        })
        .await,
    );
    figures.push(
        time_query("incidents", || async {
            let filter = EventFilter {
                actor: Some("Company 99 Ltd".into()),
                ..Default::default()
            };
            service
                .incidents(filter, 50, "", 0)
                .await
                .unwrap()
                .items
                .len()
        })
        .await,
    );
    shutdown.cancel();
    task.await.unwrap();
    (rebuild, baseline, bytes_per_event, figures)
}

fn article(n: usize) -> String {
    let (sources, targets) = (
        [
            "The European Union",
            "Japan",
            "Canada",
            "Australia",
            "Switzerland",
        ],
        ["Belarus", "Iran", "Syria", "Venezuela", "Myanmar", "Russia"],
    );
    let (s, t) = (sources[n % sources.len()], targets[(n / 5) % targets.len()]);
    format!(
        "Measures number {n}\n\nFri Mar 12, 2021 10:00AM\n\n{s} imposed sanctions on {t} on Monday, \
         officials said in statement number {n}. {s} also accused {t} of breaking an arms embargo. \
         {t} has denied it and condemned {s} for the move.\n"
    )
}

async fn end_to_end(dir: &std::path::Path) -> (f64, f64, f64) {
    let log: Arc<dyn EventLog> = Arc::new(FileLog::open(dir).unwrap());
    let mut listeners = Vec::new();
    for _ in 0..3 {
        listeners.push(statecraft_testkit::ephemeral_listener().await.unwrap().0);
    }
    let [ingest, extraction, query] = <[_; 3]>::try_from(listeners).unwrap();
    let mut config = statecraft_cli::ClusterConfig::for_test();
    config.extraction.workers = 2;
    let cluster =
        statecraft_cli::Cluster::start_on(config, log, [ingest, extraction, query]).unwrap();
    cluster.wait_serving(Duration::from_secs(10)).await.unwrap();
    let channel = |addr| async move { statecraft_testkit::channel(addr).await.unwrap() };
    let mut ingest = statecraft_proto::ingest_client(channel(cluster.ingest_addr).await);
    let mut query = statecraft_proto::query_client(channel(cluster.query_addr).await);

    let requests: Vec<_> = (0..E2E_DOCS)
        .map(|n| ingest_pb::SubmitDocumentRequest {
            text: article(n),
            ..Default::default()
        })
        .collect();
    let started = Instant::now();
    let response = ingest
        .submit_documents(futures::stream::iter(requests))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.accepted as usize, E2E_DOCS);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let stats = query
            .get_stats(query_pb::GetStatsRequest { min_position: 0 })
            .await
            .unwrap()
            .into_inner();
        if stats.documents as usize == E2E_DOCS && stats.pending_documents == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "documents not extracted in time: {stats:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let docs_per_sec = E2E_DOCS as f64 / started.elapsed().as_secs_f64();
    println!(
        "end to end: {E2E_DOCS} documents submitted, extracted and queryable at {docs_per_sec:.0} docs/s"
    );

    // Text searches back to back on their own connection while latency is measured.
    let searching = CancellationToken::new();
    let searches = tokio::spawn({
        let searching = searching.clone();
        let mut client = statecraft_proto::query_client(channel(cluster.query_addr).await);
        async move {
            let mut done = 0u64;
            while !searching.is_cancelled() {
                let words = [
                    "embargo",
                    "accused iran",
                    "sanctions on syria",
                    "statement number 1",
                ];
                let text = words[done as usize % words.len()].to_owned();
                client
                    .search_events(query_pb::SearchEventsRequest {
                        filter: Some(query_pb::EventFilter {
                            text,
                            ..Default::default()
                        }),
                        page_size: 50,
                        ..Default::default()
                    })
                    .await
                    .unwrap();
                done += 1;
            }
            done
        }
    });
    let load_started = Instant::now();
    let mut latencies = Vec::with_capacity(LATENCY_SAMPLES);
    for n in 0..LATENCY_SAMPLES {
        let started = Instant::now();
        let accepted = ingest
            .submit_document(ingest_pb::SubmitDocumentRequest {
                text: article(E2E_DOCS + n),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        statecraft_cli::client::wait_extracted(
            &mut query,
            &accepted.doc_id,
            accepted.position,
            Duration::from_secs(10),
        )
        .await
        .unwrap();
        latencies.push(started.elapsed());
    }
    let measured = load_started.elapsed();
    searching.cancel();
    let searched = searches.await.unwrap();
    latencies.sort();
    let (p50, p99) = (percentile(&latencies, 0.5), percentile(&latencies, 0.99));
    println!(
        "ingest -> queryable latency over {LATENCY_SAMPLES} documents: p50 {p50:.2} ms, p99 {p99:.2} ms, \
         under {searched} concurrent text searches ({:.0}/s)",
        searched as f64 / measured.as_secs_f64()
    );
    cluster.shutdown().await.unwrap();
    (docs_per_sec, p50, p99)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let (rebuild, baseline, bytes_per_event, figures) =
        read_model(&dir.path().join("corpus")).await;
    let (docs_per_sec, latency_p50, latency_p99) = end_to_end(&dir.path().join("serve")).await;
    println!("bench: query.rebuild_1m {rebuild:.2} s");
    println!("bench: query.read_1m_baseline {baseline:.2} s");
    println!("bench: query.bytes_per_event {bytes_per_event:.0} B");
    for (name, _, p99) in figures {
        println!("bench: query.p99.{name} {p99:.3} ms");
    }
    println!("bench: e2e.docs_per_sec {docs_per_sec:.0} docs/s");
    println!("bench: e2e.latency_p50 {latency_p50:.2} ms");
    println!("bench: e2e.latency_p99_under_text_search {latency_p99:.2} ms");
}
