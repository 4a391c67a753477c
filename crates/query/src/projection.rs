//! The read model and the projection that feeds it from the log.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use futures::StreamExt;

use prost::Message;
use statecraft_eventlog::{EventLog, Record, RecordId, subscribe};
use statecraft_proto::pb::events::v1 as events;
use statecraft_proto::pb::events::v1::RecordType;
use statecraft_runtime::CancellationToken;
use statecraft_types::{Document, Event, EventType};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::incidents::Incidents;
use crate::index::EventIndex;
use crate::snapshot::{Rejected, SnapshotStore};
use crate::store::{EventKey, EventStore, Slot};
use crate::text::TextIndex;

/// Where a document is in the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DocumentState {
    Pending,
    Extracted,
    Failed,
}

#[derive(Debug, Clone)]
pub(crate) struct DocumentEntry {
    pub(crate) document: Document,
    pub(crate) state: DocumentState,
    pub(crate) coder_version: Option<String>,
    pub(crate) failure: Option<String>,
    pub(crate) events: Vec<Slot>,
}

/// The in-memory read model of one query replica.
#[derive(Debug, Default)]
pub(crate) struct ReadModel {
    pub(crate) position: u64,
    pub(crate) documents: HashMap<String, DocumentEntry>,
    pub(crate) events: EventStore,
    pub(crate) index: EventIndex,
    pub(crate) text: TextIndex,
    pub(crate) incidents: Incidents,
    pub(crate) unknown_records: u64,
    pub(crate) invalid_records: u64,
}

/// Compares coder versions ("statecraft-coder/0.2.0") by their numeric parts.
pub(crate) fn compare_versions(a: &str, b: &str) -> Ordering {
    let numbers = |v: &str| -> Vec<u64> {
        v.rsplit('/')
            .next()
            .unwrap_or(v)
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|p| p.parse().ok())
            .collect()
    };
    numbers(a).cmp(&numbers(b)).then_with(|| a.cmp(b))
}

/// A log record decoded into what it changes in the read model. Decoding (protobuf and
/// validation) is the larger part of applying a record and needs no access to the model, so
/// the projection decodes on another thread while it applies the previous batch.
#[derive(Debug)]
pub(crate) struct Decoded {
    pub(crate) position: u64,
    pub(crate) id: RecordId,
    change: Change,
}

#[derive(Debug)]
enum Change {
    Ingested(Box<Document>),
    Extracted {
        doc_id: String,
        coder_version: String,
        /// Valid events with their ordinal in the record.
        events: Vec<(u32, Event)>,
        /// Why the other events are invalid.
        invalid: Vec<String>,
    },
    Failed(events::ExtractionFailed),
    Invalid(&'static str),
    Unknown,
}

impl Decoded {
    pub(crate) fn of(record: &Record) -> Self {
        let payload = || record.payload.clone();
        let change = match record.record_type.as_str() {
            events::DocumentIngested::TYPE => events::DocumentIngested::decode(payload())
                .ok()
                .and_then(|d| d.document)
                .and_then(|d| Document::try_from(d).ok())
                .map_or(Change::Invalid("DocumentIngested"), |d| {
                    Change::Ingested(Box::new(d))
                }),
            events::EventsExtracted::TYPE => match events::EventsExtracted::decode(payload()) {
                Ok(extracted) => {
                    let mut events = Vec::with_capacity(extracted.events.len());
                    let mut invalid = Vec::new();
                    for (ordinal, wire) in extracted.events.into_iter().enumerate() {
                        match Event::try_from(wire) {
                            Ok(event) => events.push((ordinal as u32, event)),
                            Err(error) => invalid.push(error.to_string()),
                        }
                    }
                    Change::Extracted {
                        doc_id: extracted.doc_id,
                        coder_version: extracted.coder_version,
                        events,
                        invalid,
                    }
                }
                Err(_) => Change::Invalid("EventsExtracted"),
            },
            events::ExtractionFailed::TYPE => events::ExtractionFailed::decode(payload())
                .map_or(Change::Invalid("ExtractionFailed"), Change::Failed),
            _ => Change::Unknown,
        };
        Self {
            position: record.position,
            id: record.id,
            change,
        }
    }
}

impl ReadModel {
    /// An empty model that groups reports within `incident_window_days` into one incident.
    pub(crate) fn new(incident_window_days: u32) -> Self {
        Self {
            incidents: Incidents::new(incident_window_days),
            ..Self::default()
        }
    }

    /// Adds a document (its text goes into the text index), unless it is known already.
    pub(crate) fn insert_document(&mut self, entry: DocumentEntry) {
        let doc_id = entry.document.doc_id.to_string();
        if self.documents.contains_key(&doc_id) {
            return;
        }
        self.text.add(&doc_id, &entry.document.text);
        self.documents.insert(doc_id, entry);
    }

    /// Adds an event of a known document after every current one (`key` above theirs).
    pub(crate) fn insert_event(&mut self, key: EventKey, event: Event) -> Slot {
        let slot = self.events.next_slot();
        let doc = match self.text.number(&event.doc_id) {
            Some(doc) => doc,
            // Not reached through apply (events come for known documents only); a snapshot
            // is validated the same way.
            None => self.text.add(&event.doc_id, ""),
        };
        self.index.insert(slot, &event);
        self.incidents.insert(slot, &event);
        self.events.push(key, event, doc)
    }

    fn remove_event(&mut self, slot: Slot) {
        if let Some(old) = self.events.take(slot) {
            self.index.remove(slot, &old);
            self.incidents.remove(slot);
        }
    }

    /// Applies one decoded log record. Unknown record types are counted and skipped; records
    /// that do not decode are counted and skipped, never fatal.
    pub(crate) fn apply(&mut self, record: Decoded) {
        debug_assert!(
            record.position > self.position,
            "records apply in position order"
        );
        let position = record.position;
        self.position = position;
        match record.change {
            Change::Ingested(document) => self.insert_document(DocumentEntry {
                document: *document,
                state: DocumentState::Pending,
                coder_version: None,
                failure: None,
                events: Vec::new(),
            }),
            Change::Extracted {
                doc_id,
                coder_version,
                events,
                invalid,
            } => self.apply_extracted(position, doc_id, coder_version, events, invalid),
            Change::Failed(failed) => {
                if let Some(entry) = self.documents.get_mut(&failed.doc_id)
                    && entry.state != DocumentState::Extracted
                {
                    entry.state = DocumentState::Failed;
                    entry.coder_version = Some(failed.coder_version);
                    entry.failure = Some(failed.reason);
                }
            }
            Change::Invalid(what) => {
                self.invalid_records += 1;
                tracing::warn!(position, "skipping undecodable {what}");
            }
            Change::Unknown => self.unknown_records += 1,
        }
    }

    fn apply_extracted(
        &mut self,
        position: u64,
        doc_id: String,
        coder_version: String,
        events: Vec<(u32, Event)>,
        invalid: Vec<String>,
    ) {
        let Some(entry) = self.documents.get_mut(&doc_id) else {
            self.invalid_records += 1;
            tracing::warn!(position, %doc_id, "events for an unknown document");
            return;
        };
        if entry.state == DocumentState::Extracted
            && entry.coder_version.as_deref().is_some_and(|current| {
                compare_versions(&coder_version, current) != Ordering::Greater
            })
        {
            // Same or older coder: a redelivery or a late replay; the newest version wins.
            return;
        }
        let old = std::mem::take(&mut entry.events);
        entry.state = DocumentState::Extracted;
        entry.coder_version = Some(coder_version);
        entry.failure = None;
        for slot in old {
            self.remove_event(slot);
        }
        for error in invalid {
            self.invalid_records += 1;
            tracing::warn!(position, %error, "skipping invalid event");
        }
        let slots = events
            .into_iter()
            .map(|(ordinal, event)| self.insert_event((position, ordinal), event))
            .collect();
        if let Some(entry) = self.documents.get_mut(&doc_id) {
            entry.events = slots;
        }
    }

    /// Current events per type.
    pub(crate) fn events_by_type(&self) -> BTreeMap<EventType, u64> {
        self.index.type_counts()
    }
}

/// Records decoded per blocking task: large enough to amortise the hand-off, small enough
/// that a live record is applied promptly (a batch holds only the records already read).
const DECODE_BATCH: usize = 256;

/// Applies the log to the read model, forever (until shutdown), starting from a snapshot
/// when one is usable and writing new ones as it goes.
pub(crate) struct Projection {
    pub(crate) log: Arc<dyn EventLog>,
    pub(crate) model: Arc<RwLock<ReadModel>>,
    pub(crate) applied: watch::Sender<u64>,
    pub(crate) caught_up: watch::Sender<bool>,
    pub(crate) restored_from: watch::Sender<u64>,
    pub(crate) snapshots: Option<SnapshotStore>,
    pub(crate) snapshot_every: u64,
    pub(crate) incident_window_days: u32,
}

impl Projection {
    pub(crate) async fn run(self, shutdown: CancellationToken) {
        let start_head = self.log.head();
        self.restore().await;
        let mut last_snapshot = *self.applied.borrow();
        let mut last_id = None;
        if start_head <= last_snapshot {
            self.caught_up.send_replace(true);
        }
        let mut writing: Option<JoinHandle<()>> = None;
        loop {
            let from = *self.applied.borrow();
            // Decode the next batch on a blocking thread while this one applies.
            let mut batches = subscribe(self.log.clone(), from)
                .ready_chunks(DECODE_BATCH)
                .map(|batch| {
                    tokio::task::spawn_blocking(move || {
                        batch
                            .into_iter()
                            .map(|record| record.map(|r| Decoded::of(&r)))
                            .collect::<Vec<_>>()
                    })
                })
                .buffered(2);
            'batches: loop {
                let next = tokio::select! {
                    _ = shutdown.cancelled() => {
                        if let Some(write) = writing.take() {
                            let _ = write.await;
                        }
                        if let Some(write) = last_id.and_then(|id| self.snapshot(id)) {
                            let _ = write.await;
                        }
                        return;
                    }
                    next = batches.next() => next,
                };
                let batch = match next {
                    Some(Ok(batch)) => batch,
                    Some(Err(error)) => {
                        tracing::error!(%error, "decoding log records failed; resubscribing");
                        break;
                    }
                    None => return,
                };
                let applied_before = *self.applied.borrow();
                for decoded in batch {
                    let decoded = match decoded {
                        Ok(decoded) => decoded,
                        Err(error) => {
                            tracing::warn!(%error, "projection read failed; resubscribing");
                            break 'batches;
                        }
                    };
                    let (position, id) = (decoded.position, decoded.id);
                    self.model
                        .write()
                        .expect("read model lock poisoned")
                        .apply(decoded);
                    self.applied.send_replace(position);
                    last_id = Some(id);
                    if position >= start_head {
                        self.caught_up
                            .send_if_modified(|ready| !std::mem::replace(ready, true));
                    }
                    let idle = writing.as_ref().is_none_or(JoinHandle::is_finished);
                    if idle && position - last_snapshot >= self.snapshot_every {
                        writing = self.snapshot(id);
                        last_snapshot = position;
                    }
                }
                let applied = *self.applied.borrow();
                if applied != applied_before {
                    metrics::gauge!("statecraft_projection_position").set(applied as f64);
                    metrics::gauge!("statecraft_log_head").set(self.log.head() as f64);
                }
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            }
        }
    }

    /// Replaces the empty model with the snapshot, when there is a usable one.
    async fn restore(&self) {
        let Some(store) = &self.snapshots else {
            return;
        };
        match store
            .load(self.log.as_ref(), self.incident_window_days)
            .await
        {
            Ok(model) => {
                let position = model.position;
                tracing::info!(position, events = model.events.len(), path = %store.path().display(), "restored the read model from a snapshot");
                *self.model.write().expect("read model lock poisoned") = model;
                self.applied.send_replace(position);
                self.restored_from.send_replace(position);
            }
            Err(Rejected::Missing) => {
                tracing::info!(path = %store.path().display(), "no snapshot; building the read model from the log");
            }
            Err(reason) => {
                tracing::warn!(path = %store.path().display(), %reason, "ignoring the snapshot; rebuilding the read model from the log");
            }
        }
    }

    /// Encodes the model now and writes it on a blocking thread.
    fn snapshot(&self, record_id: RecordId) -> Option<JoinHandle<()>> {
        let store = self.snapshots.clone()?;
        let (bytes, position) = {
            let model = self.model.read().expect("read model lock poisoned");
            (SnapshotStore::encode(&model, record_id), model.position)
        };
        Some(tokio::task::spawn_blocking(move || {
            match store.write(&bytes) {
                Ok(()) => tracing::debug!(position, bytes = bytes.len(), "wrote a snapshot"),
                Err(error) => {
                    tracing::warn!(%error, path = %store.path().display(), "failed to write a snapshot")
                }
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coder_versions_compare_numerically() {
        assert_eq!(
            compare_versions("statecraft-coder/0.10.0", "statecraft-coder/0.9.1"),
            Ordering::Greater
        );
        assert_eq!(
            compare_versions("statecraft-coder/0.1.0", "statecraft-coder/0.1.0"),
            Ordering::Equal
        );
        assert_eq!(
            compare_versions("statecraft-coder/0.1.0", "statecraft-coder/1.0.0"),
            Ordering::Less
        );
    }
}
