//! The subcommands. Each returns the process exit code.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use statecraft_cli::client::{ChunkOutcome, submit_in_streams, wait_extracted};
use statecraft_cli::cluster::{Cluster, ClusterConfig, health_status};
use statecraft_cli::feed::{self, FeedFormat, FieldMap};
use statecraft_cli::{eval, output, samples};
use statecraft_proto::pb::ingest::v1 as ingest_pb;
use statecraft_proto::pb::query::v1 as query_pb;
use statecraft_runtime::config::{self, ConfigSources};
use statecraft_types::{Event, EventType};

use crate::exit;

mod analysis;
mod connect;
mod export;
pub(crate) use analysis::{incidents, relations, sanctions, timeline};
pub(crate) use connect::{connect, dev_cert, set_client_options};
pub(crate) use export::{export, reprocess};

/// Filter flags shared by `events` and `tail`.
pub(crate) struct Filter {
    pub(crate) types: Vec<String>,
    pub(crate) actor: Option<String>,
    pub(crate) country: Option<String>,
    pub(crate) target: Option<String>,
    pub(crate) from: Option<String>,
    pub(crate) to: Option<String>,
    pub(crate) text: Option<String>,
}

impl Filter {
    pub(crate) fn to_wire(&self) -> anyhow::Result<query_pb::EventFilter> {
        let types = self
            .types
            .iter()
            .map(|t| {
                t.parse::<EventType>()
                    .map(|t| statecraft_proto::pb::events::v1::EventType::from(t) as i32)
                    .map_err(|e| anyhow::anyhow!("{}", e.reason))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(query_pb::EventFilter {
            types,
            actor: self.actor.clone().unwrap_or_default(),
            country: self.country.clone().unwrap_or_default(),
            target: self.target.clone().unwrap_or_default(),
            date_from: self.from.clone().unwrap_or_default(),
            date_to: self.to.clone().unwrap_or_default(),
            text: self.text.clone().unwrap_or_default(),
            ..Default::default()
        })
    }
}

fn decode_events(
    events: Vec<statecraft_proto::pb::events::v1::Event>,
) -> anyhow::Result<Vec<Event>> {
    events
        .into_iter()
        .map(|e| {
            Event::try_from(e).map_err(|e| anyhow::anyhow!("server sent an invalid event: {e}"))
        })
        .collect()
}

fn print_events(events: &[Event], json: bool) {
    if json {
        for event in events {
            out!("{}", output::event_json(event));
        }
    } else if !events.is_empty() {
        out!("{}", output::events_table(events));
    }
}

pub(crate) async fn demo(json: bool) -> anyhow::Result<i32> {
    let started = Instant::now();
    let dir = tempfile::tempdir().context("failed to create a temporary directory")?;
    let log =
        statecraft_eventlog::open_local(&format!("file:{}", dir.path().join("log").display()))?;
    let mut config = ClusterConfig::for_test();
    config.extraction.workers = 2;
    let cluster = Cluster::start(config, log).await?;
    cluster.wait_serving(Duration::from_secs(10)).await?;
    let mut ingest = statecraft_proto::ingest_client(
        statecraft_proto::connect_channel(&cluster.ingest_addr.to_string()).await?,
    );
    let mut query = query_at(&cluster.query_addr.to_string()).await?;

    let mut submitted = Vec::new();
    for sample in samples::SAMPLES {
        let response = ingest
            .submit_document(ingest_pb::SubmitDocumentRequest {
                text: sample.text.to_owned(),
                source: "statecraft demo".into(),
                ..Default::default()
            })
            .await?
            .into_inner();
        submitted.push((sample.name, response));
    }
    let mut all_events = Vec::new();
    for (name, response) in &submitted {
        let document = wait_extracted(
            &mut query,
            &response.doc_id,
            response.position,
            Duration::from_secs(30),
        )
        .await?;
        let events = decode_events(document.events)?;
        if !json {
            let title = document.document.map(|d| d.title).unwrap_or_default();
            out!(
                "\n{name}: {title}  (doc {}, position {})",
                response.doc_id,
                response.position
            );
            out!("{}", output::events_table(&events));
        }
        all_events.extend(events);
    }
    if json {
        print_events(&all_events, true);
    } else {
        out!(
            "\n{} documents, {} events, coded by {} in {:.2?} (log in a temporary directory, removed on exit)",
            submitted.len(),
            all_events.len(),
            statecraft_coder::CODER_VERSION,
            started.elapsed()
        );
    }
    cluster.shutdown().await?;
    Ok(exit::OK)
}

pub(crate) async fn serve(
    config_file: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    dump: bool,
) -> anyhow::Result<i32> {
    // STATECRAFT_INGEST__…, STATECRAFT_EXTRACTION__…, STATECRAFT_QUERY__… set the sections.
    let sources = ConfigSources {
        file: config_file.as_deref(),
        env_section: Some(""),
        env: config::process_env(),
    };
    let mut config: ClusterConfig = match config::load(sources, &toml::Table::new()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("statecraft serve: {error}");
            return Ok(config::EXIT_USAGE);
        }
    };
    if let Some(dir) = data_dir {
        let url = format!("file:{}", dir.display());
        config.ingest.log = url.clone();
        config.extraction.log = url.clone();
        config.query.log = url;
    }
    if dump {
        out!("{}", config::dump(&config)?.trim_end());
        return Ok(exit::OK);
    }
    if config.ingest.log != config.extraction.log || config.ingest.log != config.query.log {
        eprintln!(
            "statecraft serve: the three services share one log; set the same `log` in every section"
        );
        return Ok(config::EXIT_USAGE);
    }
    let log = statecraft_eventlog::open(&config.ingest.log).await?;
    let cluster = Cluster::start(config, log).await?;
    let shutdown = statecraft_runtime::shutdown::on_signal();
    eprintln!(
        "statecraft serving: ingest {}  extraction {}  query {}  (Ctrl-C to stop)",
        cluster.ingest_addr, cluster.extraction_addr, cluster.query_addr
    );
    shutdown.cancelled().await;
    cluster.shutdown().await?;
    Ok(exit::OK)
}

fn collect_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending: Vec<PathBuf> = paths.to_vec();
    while let Some(path) = pending.pop() {
        let meta =
            std::fs::metadata(&path).with_context(|| format!("cannot read {}", path.display()))?;
        if meta.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(&path)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    !p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                })
                .collect();
            entries.sort();
            pending.extend(entries.into_iter().rev());
        } else if meta.is_file() {
            files.push(path);
        }
    }
    Ok(files)
}

/// How `ingest` reads its files.
pub(crate) struct FeedOptions {
    /// Forced format; by extension when absent.
    pub(crate) format: Option<FeedFormat>,
    /// Which record keys fill which fields.
    pub(crate) fields: FieldMap,
    /// Outlet for records that name none.
    pub(crate) source: Option<String>,
    /// Largest document sent: a larger text file or record is reported, not sent.
    pub(crate) max_document_bytes: usize,
}

/// The line for a document over the limit, naming where it came from and the limit, as the
/// server's INVALID_ARGUMENT would.
fn too_large(location: &str, size: u64, max_document_bytes: usize) -> String {
    format!(
        "{location}: document of {size} bytes exceeds the limit of {max_document_bytes} bytes (ingest.max_document_bytes) (INVALID_ARGUMENT)"
    )
}

/// Runs shorter than this get no progress bar.
const PROGRESS_MIN_DOCUMENTS: usize = 200;
/// Rejections printed one per line; the rest are counted (all are in `--json`).
const REJECTIONS_SHOWN: usize = 50;

pub(crate) async fn ingest(
    addr: &str,
    paths: &[PathBuf],
    feed: FeedOptions,
    json: bool,
) -> anyhow::Result<i32> {
    let files = collect_files(paths)?;
    if files.is_empty() {
        bail!("no files to ingest");
    }
    let client = statecraft_proto::ingest_client(connect(addr, "ingest").await?);
    let started = Instant::now();
    let mut rejected: Vec<String> = Vec::new();
    let mut requests = Vec::new();
    let mut locations = Vec::new();
    for file in &files {
        let format = feed.format.unwrap_or_else(|| FeedFormat::for_path(file));
        // A text file over the limit is refused before it is read.
        let size = std::fs::metadata(file).map_or(0, |meta| meta.len());
        if format == FeedFormat::Text && size > feed.max_document_bytes as u64 {
            let location = file.display().to_string();
            rejected.push(too_large(&location, size, feed.max_document_bytes));
            continue;
        }
        for outcome in feed::read_feed(file, format, &feed.fields) {
            match outcome {
                Ok(located) if located.record.text.len() > feed.max_document_bytes => {
                    let size = located.record.text.len() as u64;
                    rejected.push(too_large(&located.location, size, feed.max_document_bytes));
                }
                Ok(located) => {
                    let record = located.record;
                    requests.push(ingest_pb::SubmitDocumentRequest {
                        text: record.text,
                        url: record.url.unwrap_or_default(),
                        title: record.title.unwrap_or_default(),
                        source: record
                            .source
                            .or_else(|| feed.source.clone())
                            .unwrap_or_default(),
                        published_at: record.published.map(|time| prost_types::Timestamp {
                            seconds: time.timestamp(),
                            nanos: 0,
                        }),
                        ..Default::default()
                    });
                    locations.push(located.location);
                }
                Err(bad) => rejected.push(format!("{}: {}", bad.location, bad.reason)),
            }
        }
    }
    let text_bytes: usize = requests.iter().map(|r| r.text.len()).sum();
    let requests_total = requests.len();
    let progress = if requests_total >= PROGRESS_MIN_DOCUMENTS {
        ProgressBar::new(requests_total as u64)
    } else {
        ProgressBar::hidden()
    };
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} documents  {per_sec}  eta {eta}")
            .expect("valid progress template"),
    );
    let counter = progress.clone();
    let outcomes = submit_in_streams(&client, requests, move || counter.inc(1)).await;
    progress.finish_and_clear();
    let elapsed = started.elapsed();
    let (mut accepted, mut duplicates, mut not_submitted, mut last_position) =
        (0u64, 0u64, 0usize, 0u64);
    let mut stopped = Vec::new();
    for ChunkOutcome {
        first,
        len,
        summary,
    } in outcomes
    {
        let summary = match summary {
            Ok(summary) => summary,
            Err(error) => {
                not_submitted += len;
                stopped.push(format!("{}: {error:#}", locations[first]));
                continue;
            }
        };
        accepted += summary.accepted;
        duplicates += summary.duplicates;
        last_position = last_position.max(summary.last_position);
        not_submitted += len.saturating_sub(summary.results.len());
        if !summary.stopped_reason.is_empty() {
            stopped.push(summary.stopped_reason.clone());
        }
        for result in summary.results.iter().filter(|r| r.accepted.is_none()) {
            let location = locations
                .get(first + result.index as usize)
                .map_or("?", String::as_str);
            rejected.push(format!(
                "{location}: {} ({})",
                result.error_message, result.error_code
            ));
        }
    }
    let seconds = elapsed.as_secs_f64().max(1e-9);
    let docs_per_second = (accepted + duplicates) as f64 / seconds;
    let megabytes_per_second = text_bytes as f64 / 1e6 / seconds;
    if json {
        out!(
            "{}",
            serde_json::json!({
                "accepted": accepted,
                "duplicates": duplicates,
                "rejected": rejected.len(),
                "not_submitted": not_submitted,
                "last_position": last_position,
                "stopped_reason": stopped.join("; "),
                "seconds": seconds,
                "docs_per_second": docs_per_second,
                "text_mb_per_second": megabytes_per_second,
                "errors": rejected,
            })
        );
    } else {
        out!(
            "accepted {accepted}  duplicates {duplicates}  rejected {}  not submitted {not_submitted}  last position {last_position}  in {seconds:.2} s ({docs_per_second:.0} docs/s, {megabytes_per_second:.2} MB/s of text)",
            rejected.len(),
        );
        for reason in &stopped {
            eprintln!("ingest stopped early: {reason}");
        }
        for line in rejected.iter().take(REJECTIONS_SHOWN) {
            eprintln!("rejected: {line}");
        }
        if rejected.len() > REJECTIONS_SHOWN {
            eprintln!(
                "... and {} more rejected (--json lists them all)",
                rejected.len() - REJECTIONS_SHOWN
            );
        }
    }
    Ok(if rejected.is_empty() && not_submitted == 0 {
        exit::OK
    } else {
        exit::PARTIAL
    })
}

pub(crate) async fn events(
    addr: &str,
    filter: Filter,
    limit: i32,
    all: bool,
    min_position: u64,
    json: bool,
) -> anyhow::Result<i32> {
    let mut client = query_at(addr).await?;
    let wire = filter.to_wire()?;
    let mut page_token = String::new();
    let mut shown = 0u64;
    loop {
        let page = client
            .search_events(query_pb::SearchEventsRequest {
                filter: Some(wire.clone()),
                page_size: limit,
                page_token: page_token.clone(),
                min_position,
            })
            .await?
            .into_inner();
        let events = decode_events(page.events)?;
        shown += events.len() as u64;
        print_events(&events, json);
        if !json {
            eprintln!(
                "{shown} of {} matching events (log position {})",
                page.total_size, page.position
            );
        }
        if !all || page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    Ok(exit::OK)
}

pub(crate) async fn tail(
    addr: &str,
    filter: Filter,
    after: u64,
    count: Option<u64>,
    json: bool,
) -> anyhow::Result<i32> {
    let mut client = query_at(addr).await?;
    let mut stream = client
        .subscribe(query_pb::SubscribeRequest {
            filter: Some(filter.to_wire()?),
            after_position: after,
        })
        .await?
        .into_inner();
    let mut seen = 0u64;
    let shutdown = statecraft_runtime::shutdown::on_signal();
    loop {
        let next = tokio::select! {
            _ = shutdown.cancelled() => break,
            next = stream.next() => next,
        };
        let Some(item) = next else { break };
        let item = item?;
        if item.heartbeat {
            continue;
        }
        let event = Event::try_from(item.event.unwrap_or_default())
            .map_err(|e| anyhow::anyhow!("invalid event: {e}"))?;
        if json {
            out!("{}", output::event_json(&event));
        } else {
            let targets: Vec<&str> = event.targets.iter().map(|t| t.name.as_str()).collect();
            out!(
                "@{} {} {} -> {} {} | {}",
                item.position,
                event.event_type,
                event.source.name,
                targets.join(", "),
                event
                    .date
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "-".into()),
                event.evidence.sentence
            );
        }
        seen += 1;
        if count.is_some_and(|c| seen >= c) {
            break;
        }
    }
    Ok(exit::OK)
}

pub(crate) async fn health(addr: &str) -> anyhow::Result<i32> {
    match health_status(addr, connect::client_options()).await {
        Ok(true) => {
            out!("{addr}: SERVING");
            Ok(exit::OK)
        }
        Ok(false) => {
            out!("{addr}: NOT_SERVING");
            Ok(exit::NOT_SERVING)
        }
        Err(error) => Err(error.context(format!("health check of {addr} failed"))),
    }
}

pub(crate) async fn query_at(addr: &str) -> anyhow::Result<statecraft_proto::QueryClient> {
    Ok(statecraft_proto::query_client(
        connect(addr, "query").await?,
    ))
}

pub(crate) async fn stats(addr: &str) -> anyhow::Result<i32> {
    let mut client = query_at(addr).await?;
    let stats = client
        .get_stats(query_pb::GetStatsRequest { min_position: 0 })
        .await?
        .into_inner();
    out!(
        "{}",
        serde_json::json!({
            "position": stats.position,
            "documents": stats.documents,
            "events": stats.events,
            "failed_documents": stats.failed_documents,
            "pending_documents": stats.pending_documents,
            "events_by_type": stats.events_by_type,
            "unknown_records": stats.unknown_records,
            "incidents": stats.incidents,
        })
    );
    Ok(exit::OK)
}

pub(crate) async fn status(addr: &str) -> anyhow::Result<i32> {
    let mut client = statecraft_proto::extraction_client(connect(addr, "extraction").await?);
    let status = client
        .get_status(statecraft_proto::pb::extraction::v1::GetStatusRequest {})
        .await?
        .into_inner();
    out!(
        "{}",
        serde_json::json!({
            "coder_version": status.coder_version,
            "group": status.group,
            "head_position": status.head_position,
            "group_cursor": status.group_cursor,
            "lag": status.lag,
            "processed": status.processed,
            "failed": status.failed,
            "events": status.events,
        })
    );
    Ok(exit::OK)
}

pub(crate) async fn audit(url: &str) -> anyhow::Result<i32> {
    use statecraft_proto::pb::events::v1::{
        DocumentIngested, EventsExtracted, ExtractionFailed, RecordType,
    };
    let log = statecraft_eventlog::open(url).await?;
    let head = log.head();
    let mut documents = 0u64;
    let mut extractions: std::collections::HashMap<(String, String), u64> =
        std::collections::HashMap::new();
    let mut failed = 0u64;
    let mut other = 0u64;
    let mut streams = std::collections::HashSet::new();
    let mut position = 0;
    while position < head {
        let records = log.read(position, 1024).await?;
        let Some(last) = records.last() else { break };
        position = last.position;
        for record in records {
            match record.record_type.as_str() {
                DocumentIngested::TYPE => {
                    documents += 1;
                    streams.insert(record.stream.clone());
                }
                EventsExtracted::TYPE => {
                    let extracted =
                        <EventsExtracted as prost::Message>::decode(record.payload.clone())?;
                    *extractions
                        .entry((extracted.doc_id, extracted.coder_version))
                        .or_default() += 1;
                }
                ExtractionFailed::TYPE => failed += 1,
                _ => other += 1,
            }
        }
    }
    let extracted_documents = extractions
        .keys()
        .map(|(doc, _)| doc)
        .collect::<std::collections::HashSet<_>>()
        .len() as u64;
    let duplicates = extractions.values().filter(|n| **n > 1).count() as u64;
    let missing = documents.saturating_sub(extracted_documents + failed);
    out!(
        "{}",
        serde_json::json!({
            "head": head,
            "documents": documents,
            "extracted_documents": extracted_documents,
            "duplicate_extractions": duplicates,
            "failed_documents": failed,
            "missing_extractions": missing,
            "other_records": other,
        })
    );
    log.close().await?;
    Ok(if duplicates == 0 && missing == 0 {
        exit::OK
    } else {
        exit::PARTIAL
    })
}

pub(crate) async fn extract(
    file: &str,
    published: Option<String>,
    doc_id: Option<String>,
    jsonl: bool,
) -> anyhow::Result<i32> {
    let raw = if file == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("failed to read stdin")?;
        bytes
    } else {
        std::fs::read(file).with_context(|| format!("failed to read {file}"))?
    };
    let text = String::from_utf8(raw).map_err(|_| anyhow::anyhow!("{file} is not UTF-8 text"))?;
    let published = published
        .map(|p| {
            chrono::NaiveDate::parse_from_str(&p, "%Y-%m-%d")
                .map_err(|_| anyhow::anyhow!("--published must be YYYY-MM-DD, got {p:?}"))
        })
        .transpose()?;
    let normalized = statecraft_types::normalize_text(&text);
    let doc_id =
        doc_id.unwrap_or_else(|| statecraft_types::DocId::for_text(&normalized).to_string());
    let coder = Arc::new(statecraft_coder::Coder::new());
    let coded =
        tokio::task::spawn_blocking(move || coder.code(&doc_id, &normalized, published)).await?;
    if jsonl {
        print_events(&coded.events, true);
    } else {
        if let Some(title) = &coded.title {
            out!("{title}");
        }
        out!(
            "{} events (published {})",
            coded.events.len(),
            coded
                .published
                .map(|d| d.to_string())
                .unwrap_or_else(|| "unknown".into())
        );
        print_events(&coded.events, false);
    }
    Ok(exit::OK)
}

pub(crate) fn date_recovery(gold_files: &[PathBuf], json: bool) -> anyhow::Result<i32> {
    let coder = statecraft_coder::Coder::new();
    for path in gold_files {
        let recovery = statecraft_cli::date_recovery::score_file(&coder, path)?;
        if json {
            out!(
                "{}",
                serde_json::json!({ "file": path.display().to_string(), "recovery": recovery })
            );
            continue;
        }
        let (text, chain) = (recovery.text, recovery.url_then_text);
        out!(
            "{}: {} documents, {} with a gold date\n  text alone:      right {}  wrong {}  none {}\n  URL, then text:  right {}  wrong {}  none {}",
            path.display(),
            recovery.documents,
            recovery.dated,
            text.right,
            text.wrong,
            text.none,
            chain.right,
            chain.wrong,
            chain.none
        );
        for (doc_id, recovered, gold) in &recovery.wrong_from_text {
            out!("  wrong from text: {doc_id} read {recovered}, gold {gold}");
        }
    }
    Ok(exit::OK)
}

pub(crate) fn eval(gold: &Path, json: bool, verbose: bool) -> anyhow::Result<i32> {
    let coder = statecraft_coder::Coder::new();
    let report = match eval::read_gold(gold)? {
        eval::GoldFile::Sentences(records) => eval::evaluate_sentences(&coder, &records),
        eval::GoldFile::Documents(documents) => eval::evaluate(&coder, &documents),
    };
    if json {
        out!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        out!("{}", output::report_table(&report));
        if verbose {
            for d in &report.discrepancies {
                out!("{} {:11} {:17} {}", d.doc_id, d.kind, d.event_type, d.dyad);
            }
        }
    }
    Ok(exit::OK)
}
