//! Extraction logic, free of tonic types: running the coder safely and reporting progress.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use chrono::NaiveDate;
use prost::Message;
use statecraft_coder::{CODER_VERSION, Coded, Coder};
use statecraft_eventlog::{EventLog, GroupStatus, NewRecord, Record, RecordId};
use statecraft_proto::pb::events::v1 as events;
use statecraft_proto::pb::events::v1::RecordType;
use statecraft_runtime::trace::{TRACEPARENT, TraceParent};
use statecraft_types::{
    DocId, DocumentFields, normalize_text, parse_publication_date, validate_document,
};
use tokio::sync::OnceCell;

use crate::config::Config;
use crate::error::{Error, Result};

/// What this replica has done since it started.
#[derive(Debug, Default)]
pub struct Counters {
    /// Documents extracted.
    pub processed: AtomicU64,
    /// Documents parked as failed.
    pub failed: AtomicU64,
    /// Events appended.
    pub events: AtomicU64,
}

/// The extraction service.
pub struct ExtractionService {
    pub(crate) config: Config,
    pub(crate) log: Arc<dyn EventLog>,
    coder: Arc<Coder>,
    pub(crate) counters: Counters,
    status_consumer: OnceCell<Box<dyn statecraft_eventlog::Consumer>>,
}

impl ExtractionService {
    /// A service over `log`.
    pub fn new(config: Config, log: Arc<dyn EventLog>) -> Self {
        Self {
            config,
            log,
            coder: Arc::new(Coder::new()),
            counters: Counters::default(),
            status_consumer: OnceCell::new(),
        }
    }

    /// The counters of this replica.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Runs the coder on a blocking thread; a coder panic becomes an error, never a crash.
    pub async fn code(
        &self,
        doc_id: String,
        text: String,
        published: Option<NaiveDate>,
    ) -> Result<Coded> {
        let coder = self.coder.clone();
        tokio::task::spawn_blocking(move || {
            std::panic::catch_unwind(AssertUnwindSafe(|| coder.code(&doc_id, &text, published)))
                .map_err(|panic| {
                    let what = panic
                        .downcast_ref::<&str>()
                        .map(|s| (*s).to_owned())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "unknown panic".to_owned());
                    Error::Coder(what)
                })
        })
        .await
        .map_err(|e| Error::Coder(e.to_string()))?
    }

    /// Previews the coder on a text; nothing is stored.
    pub async fn extract(
        &self,
        text: String,
        published: Option<String>,
        doc_id: Option<String>,
    ) -> Result<Coded> {
        let fields = DocumentFields {
            text: &text,
            doc_id: doc_id.as_deref(),
            ..Default::default()
        };
        validate_document(&fields, self.config.max_extract_bytes)?;
        let published = published
            .map(|raw| parse_publication_date(&raw))
            .transpose()?;
        let normalized = normalize_text(&text);
        let doc_id = doc_id.unwrap_or_else(|| DocId::for_text(&normalized).to_string());
        self.code(doc_id, normalized, published).await
    }

    /// Codes a stored document and builds its `EventsExtracted` record, whose id is derived
    /// from the document and the coder version: appending it twice stores it once.
    pub(crate) async fn extraction_record(
        &self,
        document: events::Document,
        metadata: Vec<(String, String)>,
    ) -> Result<(NewRecord, usize)> {
        let published = document
            .published_at
            .and_then(|ts| chrono::DateTime::from_timestamp(ts.seconds, 0))
            .map(|t| t.date_naive());
        let doc_id = document.doc_id.clone();
        let coded = self.code(doc_id.clone(), document.text, published).await?;
        let event_count = coded.events.len();
        let extracted = events::EventsExtracted {
            doc_id: doc_id.clone(),
            coder_version: VERSION.to_owned(),
            events: coded.events.into_iter().map(Into::into).collect(),
        };
        let record = NewRecord {
            id: extraction_id(&doc_id),
            record_type: events::EventsExtracted::TYPE.to_owned(),
            metadata,
            payload: Bytes::from(extracted.encode_to_vec()),
        };
        Ok((record, event_count))
    }

    /// The group's progress and this replica's counters.
    pub async fn status(&self) -> Result<(GroupStatus, &Counters)> {
        let consumer = self
            .status_consumer
            .get_or_try_init(|| async { self.log.consumer(self.group_config()).await })
            .await?;
        Ok((consumer.status().await?, &self.counters))
    }

    pub(crate) fn group_config(&self) -> statecraft_eventlog::GroupConfig {
        use statecraft_proto::pb::events::v1::{DocumentIngested, RecordType};
        let mut group = statecraft_eventlog::GroupConfig::new(
            self.config.group.clone(),
            &[DocumentIngested::TYPE],
        );
        group.ack_wait = std::time::Duration::from_secs(self.config.ack_wait_secs.max(1));
        // The group never parks on its own: a record it parked would have no
        // `ExtractionFailed`. The worker parks (and records why) a document the coder failed
        // on in its `max_deliver`-th delivery or later.
        group.max_deliver = statecraft_eventlog::GroupConfig::UNLIMITED_DELIVERIES;
        group
    }

    pub(crate) fn record_processed(&self, events: usize) {
        self.counters.processed.fetch_add(1, Ordering::Relaxed);
        self.counters
            .events
            .fetch_add(events as u64, Ordering::Relaxed);
    }

    pub(crate) fn record_failed(&self) {
        self.counters.failed.fetch_add(1, Ordering::Relaxed);
    }
}

/// Correlation (the document), causation (the record that caused this one) and the trace
/// context: `trace` when the caller continued the trace in a span, else the next hop of the
/// cause's trace.
pub(crate) fn causal_metadata(
    cause: &Record,
    doc_id: &str,
    trace: Option<TraceParent>,
) -> Vec<(String, String)> {
    let mut metadata = vec![
        ("correlation-id".to_owned(), doc_id.to_owned()),
        ("causation-id".to_owned(), cause.id.to_string()),
    ];
    let trace = trace.or_else(|| {
        cause
            .metadata_value(TRACEPARENT)
            .and_then(|t| t.parse::<TraceParent>().ok())
            .map(|t| t.child())
    });
    if let Some(trace) = trace {
        metadata.push((TRACEPARENT.to_owned(), trace.to_string()));
    }
    metadata
}

/// The id of a document's `EventsExtracted` record by a coder version: one extraction per
/// document and version, however often it is delivered or reprocessed.
pub fn extraction_record_id(doc_id: &str, coder_version: &str) -> RecordId {
    RecordId::derive(&[
        events::EventsExtracted::TYPE.as_bytes(),
        doc_id.as_bytes(),
        coder_version.as_bytes(),
    ])
}

/// The id of a document's `ExtractionFailed` record by a coder version.
pub fn failure_record_id(doc_id: &str, coder_version: &str) -> RecordId {
    RecordId::derive(&[
        events::ExtractionFailed::TYPE.as_bytes(),
        doc_id.as_bytes(),
        coder_version.as_bytes(),
    ])
}

/// The id of a document's `EventsExtracted` record for this coder version.
pub(crate) fn extraction_id(doc_id: &str) -> RecordId {
    extraction_record_id(doc_id, VERSION)
}

/// The coder version this service stamps.
pub(crate) const VERSION: &str = CODER_VERSION;
