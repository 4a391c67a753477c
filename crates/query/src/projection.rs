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
    pub(crate) events: Vec<EventKey>,
}

/// Orders events by the log position of the record that carried them, then by ordinal.
pub(crate) type EventKey = (u64, u32);

/// The in-memory read model of one query replica.
#[derive(Debug, Default)]
pub(crate) struct ReadModel {
    pub(crate) position: u64,
    pub(crate) documents: HashMap<String, DocumentEntry>,
    pub(crate) events: BTreeMap<EventKey, Event>,
    pub(crate) event_keys: HashMap<String, EventKey>,
    pub(crate) index: EventIndex,
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

impl ReadModel {
    /// An empty model that groups reports within `incident_window_days` into one incident.
    pub(crate) fn new(incident_window_days: u32) -> Self {
        Self {
            incidents: Incidents::new(incident_window_days),
            ..Self::default()
        }
    }

    pub(crate) fn insert_event(&mut self, key: EventKey, event: Event) {
        self.index.insert(key, &event);
        self.incidents.insert(key, &event);
        self.event_keys.insert(event.event_id.clone(), key);
        self.events.insert(key, event);
    }

    fn remove_event(&mut self, key: EventKey) {
        if let Some(old) = self.events.remove(&key) {
            self.event_keys.remove(&old.event_id);
            self.index.remove(key, &old);
            self.incidents.remove(key);
        }
    }

    /// Applies one log record. Unknown record types are counted and skipped; records that do
    /// not decode are counted and skipped, never fatal.
    pub(crate) fn apply(&mut self, record: &Record) {
        debug_assert!(
            record.position > self.position,
            "records apply in position order"
        );
        self.position = record.position;
        match record.record_type.as_str() {
            events::DocumentIngested::TYPE => self.apply_ingested(record),
            events::EventsExtracted::TYPE => self.apply_extracted(record),
            events::ExtractionFailed::TYPE => self.apply_failed(record),
            _ => self.unknown_records += 1,
        }
    }

    fn apply_ingested(&mut self, record: &Record) {
        let document = events::DocumentIngested::decode(record.payload.clone())
            .ok()
            .and_then(|d| d.document)
            .and_then(|d| Document::try_from(d).ok());
        let Some(document) = document else {
            self.invalid_records += 1;
            tracing::warn!(
                position = record.position,
                "skipping undecodable DocumentIngested"
            );
            return;
        };
        self.documents
            .entry(document.doc_id.to_string())
            .or_insert(DocumentEntry {
                document,
                state: DocumentState::Pending,
                coder_version: None,
                failure: None,
                events: Vec::new(),
            });
    }

    fn apply_extracted(&mut self, record: &Record) {
        let Ok(extracted) = events::EventsExtracted::decode(record.payload.clone()) else {
            self.invalid_records += 1;
            tracing::warn!(
                position = record.position,
                "skipping undecodable EventsExtracted"
            );
            return;
        };
        let Some(entry) = self.documents.get_mut(&extracted.doc_id) else {
            self.invalid_records += 1;
            tracing::warn!(position = record.position, doc_id = %extracted.doc_id, "events for an unknown document");
            return;
        };
        if entry.state == DocumentState::Extracted
            && entry.coder_version.as_deref().is_some_and(|current| {
                compare_versions(&extracted.coder_version, current) != Ordering::Greater
            })
        {
            // Same or older coder: a redelivery or a late replay; the newest version wins.
            return;
        }
        let old = std::mem::take(&mut entry.events);
        entry.state = DocumentState::Extracted;
        entry.coder_version = Some(extracted.coder_version);
        entry.failure = None;
        let doc_id = extracted.doc_id;
        for key in old {
            self.remove_event(key);
        }
        let mut keys = Vec::with_capacity(extracted.events.len());
        for (ordinal, wire) in extracted.events.into_iter().enumerate() {
            match Event::try_from(wire) {
                Ok(event) => {
                    let key = (record.position, ordinal as u32);
                    self.insert_event(key, event);
                    keys.push(key);
                }
                Err(error) => {
                    self.invalid_records += 1;
                    tracing::warn!(position = record.position, %error, "skipping invalid event");
                }
            }
        }
        if let Some(entry) = self.documents.get_mut(&doc_id) {
            entry.events = keys;
        }
    }

    fn apply_failed(&mut self, record: &Record) {
        let Ok(failed) = events::ExtractionFailed::decode(record.payload.clone()) else {
            self.invalid_records += 1;
            return;
        };
        if let Some(entry) = self.documents.get_mut(&failed.doc_id)
            && entry.state != DocumentState::Extracted
        {
            entry.state = DocumentState::Failed;
            entry.coder_version = Some(failed.coder_version);
            entry.failure = Some(failed.reason);
        }
    }

    /// Current events per type.
    pub(crate) fn events_by_type(&self) -> BTreeMap<EventType, u64> {
        self.index.type_counts()
    }

    /// The events at `keys` (skipping keys no longer current), in the order given.
    pub(crate) fn events_at<'a, 'k>(
        &'a self,
        keys: &'k [EventKey],
    ) -> impl DoubleEndedIterator<Item = (EventKey, &'a Event)> + use<'a, 'k> {
        keys.iter()
            .filter_map(|key| Some((*key, self.events.get(key)?)))
    }
}

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
            let mut records = subscribe(self.log.clone(), from);
            loop {
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
                    next = records.next() => next,
                };
                match next {
                    Some(Ok(record)) => {
                        let position = record.position;
                        self.model
                            .write()
                            .expect("read model lock poisoned")
                            .apply(&record);
                        self.applied.send_replace(position);
                        last_id = Some(record.id);
                        if position >= start_head {
                            self.caught_up
                                .send_if_modified(|ready| !std::mem::replace(ready, true));
                        }
                        let idle = writing.as_ref().is_none_or(JoinHandle::is_finished);
                        if idle && position - last_snapshot >= self.snapshot_every {
                            writing = self.snapshot(record.id);
                            last_snapshot = position;
                        }
                    }
                    Some(Err(error)) => {
                        tracing::warn!(%error, "projection read failed; resubscribing");
                        break;
                    }
                    None => return,
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
