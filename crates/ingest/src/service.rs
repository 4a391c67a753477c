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
    DocId, Document, DocumentFields, legacy_normalize_text, normalize_text, validate_document,
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
        let needs_metadata = submission.title.is_none() || submission.published_at.is_none();
        let (title, published_at, text) = if needs_metadata {
            let coder = self.coder.clone();
            let (recovered, text) =
                tokio::task::spawn_blocking(move || (coder.read_metadata(&text), text))
                    .await
                    .map_err(|e| Error::InvalidField {
                        field: "text",
                        reason: format!("metadata recovery failed: {e}"),
                    })?;
            let published = recovered
                .1
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc());
            (
                submission.title.or(recovered.0),
                submission.published_at.or(published),
                text,
            )
        } else {
            (submission.title, submission.published_at, text)
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
