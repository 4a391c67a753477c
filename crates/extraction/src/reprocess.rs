//! Re-extraction with the current coder version: of named documents, or of every stored
//! document, as a job that reads the log twice and streams its progress.
//!
//! Reprocessing everything reads the log from a position to the head once to find the
//! documents that already have an extraction by this version, then once more to re-code the
//! others from the `DocumentIngested` records in hand: O(N) reads, never one stream read per
//! document (on NATS each of those scanned from sequence 1). Documents are re-coded
//! `workers` at a time, in log order, so the reported position only passes a document once
//! its record is stored. The job stops when its progress stream is dropped; since
//! extraction record ids are derived from the document and version, calling it again with
//! the last reported position resumes with nothing redone and nothing duplicated.

use std::collections::HashSet;

use futures::StreamExt;
use prost::Message;
use statecraft_eventlog::{ExpectedVersion, Record};
use statecraft_proto::pb::events::v1 as events;
use statecraft_proto::pb::events::v1::RecordType;
use statecraft_types::{DocId, quote_prefix};
use tokio::sync::mpsc;

use crate::error::{Error, Result};
use crate::service::{ExtractionService, causal_metadata, extraction_id};

/// What a reprocess did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reprocessed {
    /// Documents extracted again.
    pub reprocessed: u32,
    /// Documents already extracted by this coder version.
    pub already_current: u32,
    /// Ids with no stored document.
    pub not_found: Vec<String>,
    /// Position of the last record written (0 when none).
    pub position: u64,
}

/// How far a reprocess-everything job has come.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReprocessProgress {
    /// Every document ingested up to this position is handled: pass it as the next run's
    /// `after` to resume.
    pub scanned: u64,
    /// The log head the job runs to.
    pub head: u64,
    /// Documents extracted again so far.
    pub reprocessed: u32,
    /// Documents found already extracted by this coder version.
    pub already_current: u32,
    /// Stored documents that do not decode, skipped.
    pub undecodable: u32,
    /// Position of the last record written (0 when none).
    pub position: u64,
    /// Whether the job reached the head.
    pub done: bool,
}

/// Most document ids one reprocess call takes.
const MAX_REPROCESS_IDS: usize = 1_000;
/// Records read per log call, and so the granularity of progress reports.
const SCAN_BATCH: usize = 512;

impl ExtractionService {
    /// Re-extracts stored documents with this coder version (see the `Reprocess` RPC):
    /// the named ones, or with `all` every document not yet extracted by it.
    pub async fn reprocess(&self, doc_ids: Vec<String>, all: bool) -> Result<Reprocessed> {
        if all && !doc_ids.is_empty() {
            return Err(Error::InvalidField {
                field: "doc_ids",
                reason: "give document ids or `all`, not both".into(),
            });
        }
        if all {
            let mut last = ReprocessProgress::default();
            self.reprocess_from(0, |progress| {
                last = progress;
                true
            })
            .await?;
            return Ok(Reprocessed {
                reprocessed: last.reprocessed,
                already_current: last.already_current,
                not_found: Vec::new(),
                position: last.position,
            });
        }
        if doc_ids.is_empty() {
            return Err(Error::InvalidField {
                field: "doc_ids",
                reason: "name at least one document, or set `all`".into(),
            });
        }
        if doc_ids.len() > MAX_REPROCESS_IDS {
            return Err(Error::InvalidField {
                field: "doc_ids",
                reason: format!(
                    "at most {MAX_REPROCESS_IDS} ids per call; use `all` for everything"
                ),
            });
        }
        for (at, id) in doc_ids.iter().enumerate() {
            DocId::parse(id).map_err(|e| Error::InvalidField {
                field: "doc_ids",
                reason: format!("doc_ids[{at}] = {}: {}", quote_prefix(id), e.reason),
            })?;
        }
        let mut outcome = Reprocessed::default();
        for doc_id in doc_ids {
            let stream = format!("doc-{doc_id}");
            let records = self.log.read_stream(&stream, 0, 1_000).await?;
            let Some(ingested) = records
                .iter()
                .find(|r| r.record_type == events::DocumentIngested::TYPE)
            else {
                outcome.not_found.push(doc_id);
                continue;
            };
            if records.iter().any(|r| r.id == extraction_id(&doc_id)) {
                outcome.already_current += 1;
                continue;
            }
            let position = self
                .recode(ingested)
                .await?
                .ok_or_else(|| Error::Coder(format!("stored document {doc_id} does not decode")))?;
            outcome.reprocessed += 1;
            outcome.position = outcome.position.max(position);
        }
        Ok(outcome)
    }

    /// Starts re-extracting every document ingested after `after` that has no extraction
    /// by this coder version, and streams the job's progress (one item per batch of the
    /// log, the last with `done`). Dropping the stream stops the job.
    pub fn reprocess_all(
        self: &std::sync::Arc<Self>,
        after: u64,
    ) -> futures::stream::BoxStream<'static, Result<ReprocessProgress>> {
        let (tx, rx) = mpsc::channel(4);
        let service = self.clone();
        tokio::spawn(async move {
            let sent = tx.clone();
            let run = service.reprocess_from(after, move |progress| {
                // A full buffer or a dropped stream: report nothing more, and stop once the
                // stream is gone.
                match sent.try_send(Ok(progress)) {
                    Ok(()) => true,
                    Err(mpsc::error::TrySendError::Full(_)) => true,
                    Err(mpsc::error::TrySendError::Closed(_)) => false,
                }
            });
            match run.await {
                Ok(last) if last.done => {
                    // The final report must arrive even if the buffer was full.
                    let _ = tx.send(Ok(last)).await;
                }
                Ok(_) => tracing::info!(after, "reprocess stopped: its caller went away"),
                Err(error) => {
                    let _ = tx.send(Err(error)).await;
                }
            }
        });
        futures::stream::unfold(rx, |mut rx| async move {
            let item = rx.recv().await?;
            Some((item, rx))
        })
        .boxed()
    }

    /// The two passes over `(after, head]`. `report` gets the progress after each batch and
    /// the final one; when it returns false the job stops. Returns the last progress.
    async fn reprocess_from(
        &self,
        after: u64,
        mut report: impl FnMut(ReprocessProgress) -> bool,
    ) -> Result<ReprocessProgress> {
        let head = self.log.head();
        let mut progress = ReprocessProgress {
            scanned: after,
            head,
            ..ReprocessProgress::default()
        };
        // Pass 1: which documents already have an extraction by this version.
        let mut current = HashSet::new();
        let mut cursor = after;
        while cursor < head {
            let records = self.log.read(cursor, SCAN_BATCH).await?;
            let Some(last) = records.last() else { break };
            cursor = last.position;
            for record in &records {
                if let Some(doc_id) = record.stream.strip_prefix("doc-")
                    && record.id == extraction_id(doc_id)
                {
                    current.insert(doc_id.to_owned());
                }
            }
        }
        // Pass 2: re-code the others from the records in hand.
        let concurrency = self.config.workers.max(1);
        let mut cursor = after;
        while cursor < head {
            let records = self.log.read(cursor, SCAN_BATCH).await?;
            let Some(last) = records.last() else { break };
            cursor = last.position.min(head);
            let stale: Vec<Record> = records
                .into_iter()
                .filter(|r| r.position <= head && r.record_type == events::DocumentIngested::TYPE)
                .filter(|r| {
                    let doc_id = r.stream.strip_prefix("doc-").unwrap_or(&r.stream);
                    if current.contains(doc_id) {
                        progress.already_current += 1;
                        false
                    } else {
                        true
                    }
                })
                .collect();
            let mut recoded = futures::stream::iter(stale)
                .map(|record| async move { self.recode(&record).await })
                .buffered(concurrency);
            while let Some(outcome) = recoded.next().await {
                match outcome? {
                    Some(position) => {
                        progress.reprocessed += 1;
                        progress.position = progress.position.max(position);
                    }
                    None => progress.undecodable += 1,
                }
            }
            progress.scanned = cursor;
            metrics::gauge!("statecraft_reprocess_scanned_position").set(cursor as f64);
            if cursor < head && !report(progress) {
                return Ok(progress);
            }
        }
        progress.scanned = head;
        progress.done = true;
        report(progress);
        Ok(progress)
    }

    /// Codes one stored document again and appends its extraction; the position written, or
    /// `None` when the stored document does not decode.
    async fn recode(&self, ingested: &Record) -> Result<Option<u64>> {
        let Some(document) = events::DocumentIngested::decode(ingested.payload.clone())
            .ok()
            .and_then(|d| d.document)
        else {
            tracing::warn!(
                position = ingested.position,
                "stored document does not decode; skipped"
            );
            return Ok(None);
        };
        let doc_id = document.doc_id.clone();
        let mut metadata = causal_metadata(ingested, &doc_id, None);
        metadata.push(("reprocess".to_owned(), "true".to_owned()));
        let (record, events) = self.extraction_record(document, metadata).await?;
        let appended = self
            .log
            .append(&ingested.stream, ExpectedVersion::Any, vec![record])
            .await?;
        if !appended.deduplicated {
            self.record_processed(events);
        }
        Ok(Some(appended.last_position))
    }
}
