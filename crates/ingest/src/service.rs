//! Ingest logic, free of tonic types.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use prost::Message;
use statecraft_coder::Coder;
use statecraft_eventlog::{Error as LogError, EventLog, ExpectedVersion, NewRecord, RecordId};
use statecraft_proto::pb::events::v1 as events;
use statecraft_proto::pb::events::v1::RecordType;
use statecraft_types::{
    DateOrigin, DocId, Document, DocumentFields, legacy_normalize_text, normalize_text,
    validate_document,
};

use crate::config::Config;
use crate::error::{Error, Result};

/// A document as submitted.
#[derive(Debug, Clone, Default)]
pub struct Submission {
    /// The raw text.
    pub text: String,
    /// Source URL.
    pub url: Option<String>,
    /// Headline.
    pub title: Option<String>,
    /// Outlet.
    pub source: Option<String>,
    /// Publication time.
    pub published_at: Option<DateTime<Utc>>,
    /// Language tag.
    pub language: Option<String>,
    /// W3C traceparent of the caller, copied into the record metadata.
    pub traceparent: Option<String>,
}

/// A date read from a URL or a text can stand as a publication date: from 1900 to tomorrow
/// (what ingest accepts from callers).
fn plausible_publication(day: chrono::NaiveDate) -> bool {
    let earliest = chrono::NaiveDate::from_ymd_opt(1900, 1, 1).expect("a valid date");
    day >= earliest && day <= (Utc::now() + chrono::Duration::days(1)).date_naive()
}

/// The outcome of a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    /// The document id.
    pub doc_id: DocId,
    /// Log position of its `DocumentIngested` record.
    pub position: u64,
    /// Whether it was already in the log.
    pub duplicate: bool,
}

/// The ingest service.
pub struct IngestService {
    config: Config,
    log: Arc<dyn EventLog>,
    coder: Arc<Coder>,
}

impl IngestService {
    /// A service appending to `log`.
    pub fn new(config: Config, log: Arc<dyn EventLog>) -> Self {
        Self {
            config,
            log,
            coder: Arc::new(Coder::new()),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Validates, normalises and appends one document.
    pub async fn submit(&self, submission: Submission) -> Result<Submitted> {
        self.validate(&submission)?;
        let text = normalize_text(&submission.text);
        let doc_id = DocId::for_text(&text);
        if let Some(stored) = self
            .stored_under_legacy_id(&submission.text, &doc_id)
            .await?
        {
            return Ok(stored);
        }
        // The publication date: the caller's field, else a date in the URL's path, else a
        // dateline in the text.
        let url_date = match submission.published_at {
            Some(_) => None,
            None => submission
                .url
                .as_deref()
                .and_then(statecraft_coder::date_in_url)
                .filter(|day| plausible_publication(*day))
                .and_then(|day| day.and_hms_opt(0, 0, 0))
                .map(|time| time.and_utc()),
        };
        let given = submission
            .published_at
            .map(|time| (time, DateOrigin::Field))
            .or(url_date.map(|time| (time, DateOrigin::Url)));
        let needs_metadata = submission.title.is_none() || given.is_none();
        let (title, dated, text) = if needs_metadata {
            let coder = self.coder.clone();
            let (recovered, text) =
                tokio::task::spawn_blocking(move || (coder.read_metadata(&text), text))
                    .await
                    .map_err(|e| Error::InvalidField {
                        field: "text",
                        reason: format!("metadata recovery failed: {e}"),
                    })?;
            let from_dateline = recovered
                .1
                .filter(|day| plausible_publication(*day))
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| (d.and_utc(), DateOrigin::Dateline));
            (
                submission.title.or(recovered.0),
                given.or(from_dateline),
                text,
            )
        } else {
            (submission.title, given, text)
        };
        let (published_at, date_origin) = match dated {
            Some((time, origin)) => (Some(time), origin),
            None => (None, DateOrigin::None),
        };
        let document = Document {
            doc_id: doc_id.clone(),
            url: submission.url,
            title,
            source: submission.source,
            published_at,
            language: submission.language.unwrap_or_else(|| "en".to_owned()),
            text,
            ingested_at: Utc::now(),
            date_origin,
        };
        let payload = events::DocumentIngested {
            document: Some(document.into()),
        }
        .encode_to_vec();
        let mut metadata = vec![("correlation-id".to_owned(), doc_id.to_string())];
        if let Some(traceparent) = submission.traceparent {
            metadata.push(("traceparent".to_owned(), traceparent));
        }
        let record = NewRecord {
            id: document_record_id(doc_id.as_str()),
            record_type: events::DocumentIngested::TYPE.to_owned(),
            metadata,
            payload: Bytes::from(payload),
        };
        let stream = doc_id.stream();
        match self
            .log
            .append(&stream, ExpectedVersion::NoStream, vec![record])
            .await
        {
            Ok(appended) => {
                tracing::debug!(%doc_id, position = appended.first_position, duplicate = appended.deduplicated, "document ingested");
                Ok(Submitted {
                    doc_id,
                    position: appended.first_position,
                    duplicate: appended.deduplicated,
                })
            }
            Err(LogError::WrongExpectedVersion { .. }) => {
                // The stream exists under another record id: still the same text.
                let first = self.log.read_stream(&stream, 0, 1).await?;
                let position = first.first().map_or(0, |r| r.position);
                Ok(Submitted {
                    doc_id,
                    position,
                    duplicate: true,
                })
            }
            Err(error) => Err(error.into()),
        }
    }

    fn validate(&self, submission: &Submission) -> Result<()> {
        let fields = DocumentFields {
            text: &submission.text,
            url: submission.url.as_deref(),
            title: submission.title.as_deref(),
            source: submission.source.as_deref(),
            language: submission.language.as_deref(),
            published_at: submission.published_at,
            doc_id: None,
        };
        validate_document(&fields, self.config.max_document_bytes)?;
        Ok(())
    }

    /// A document stored before "the same text" meant [`normalize_text`] has the id its
    /// older normalisation gave; the same text sent now is that document.
    async fn stored_under_legacy_id(&self, raw: &str, doc_id: &DocId) -> Result<Option<Submitted>> {
        let legacy = DocId::for_text(&legacy_normalize_text(raw));
        if &legacy == doc_id {
            return Ok(None);
        }
        let first = self.log.read_stream(&legacy.stream(), 0, 1).await?;
        Ok(first.first().map(|record| Submitted {
            doc_id: legacy.clone(),
            position: record.position,
            duplicate: true,
        }))
    }
}

/// The id of a document's `DocumentIngested` record: the same text (same `doc_id`) is the same
/// record, so submitting it again appends nothing.
pub fn document_record_id(doc_id: &str) -> RecordId {
    RecordId::derive(&[events::DocumentIngested::TYPE.as_bytes(), doc_id.as_bytes()])
}
