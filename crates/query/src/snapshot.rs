//! Snapshots of the read model, so that a restarted replica replays only the log tail.
//!
//! File layout: the magic `SCQSNAP1`, a little-endian CRC32C of the body, then the body, a
//! protobuf `statecraft.query.v1.Snapshot`. It is written to a temporary file, synced and
//! renamed over the previous one, so a crash leaves the old or the new snapshot, never half of
//! one. On load, a snapshot is ignored (and the model rebuilt from the log) when its magic,
//! checksum, format or decoding is off, or when the log does not hold the same record at the
//! snapshot's position (a different or truncated log).

use std::io::Write;
use std::path::PathBuf;

use prost::Message;
use statecraft_eventlog::{EventLog, RecordId};
use statecraft_proto::pb::query::v1 as pb;
use statecraft_types::{Document, Event};

use crate::projection::{DocumentEntry, DocumentState, ReadModel};
use crate::store::EventKey;

const MAGIC: &[u8; 8] = b"SCQSNAP1";
const FORMAT: u32 = 1;
const FILE_NAME: &str = "query.snapshot";

/// Where a replica keeps its snapshot.
#[derive(Debug, Clone)]
pub(crate) struct SnapshotStore {
    dir: PathBuf,
}

/// Why a snapshot was not used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Rejected {
    #[error("no snapshot")]
    Missing,
    #[error("cannot read {path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

impl SnapshotStore {
    pub(crate) fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub(crate) fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    /// Encodes the model; cheap enough to run under the read lock, the write happens later.
    pub(crate) fn encode(model: &ReadModel, record_id: RecordId) -> Vec<u8> {
        let documents = model
            .documents
            .values()
            .map(|entry| {
                let (ordinals, events): (Vec<u32>, Vec<statecraft_proto::pb::events::v1::Event>) =
                    entry
                        .events
                        .iter()
                        .filter_map(|slot| {
                            let event = model.events.get(*slot)?.clone().into();
                            Some((model.events.key(*slot).1, event))
                        })
                        .unzip();
                pb::SnapshotDocument {
                    document: Some(entry.document.clone().into()),
                    state: match entry.state {
                        DocumentState::Pending => pb::ExtractionState::Pending,
                        DocumentState::Extracted => pb::ExtractionState::Extracted,
                        DocumentState::Failed => pb::ExtractionState::Failed,
                    } as i32,
                    coder_version: entry.coder_version.clone().unwrap_or_default(),
                    failure_reason: entry.failure.clone().unwrap_or_default(),
                    events_position: entry
                        .events
                        .first()
                        .map_or(0, |slot| model.events.key(*slot).0),
                    ordinals,
                    events,
                }
            })
            .collect();
        let body = pb::Snapshot {
            format: FORMAT,
            position: model.position,
            record_id: record_id.0.to_le_bytes().to_vec(),
            unknown_records: model.unknown_records,
            invalid_records: model.invalid_records,
            documents,
        }
        .encode_to_vec();
        let mut bytes = Vec::with_capacity(body.len() + 12);
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&crc32c::crc32c(&body).to_le_bytes());
        bytes.extend_from_slice(&body);
        bytes
    }

    /// Writes encoded snapshot bytes atomically (temporary file, fsync, rename, directory fsync).
    pub(crate) fn write(&self, bytes: &[u8]) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let temporary = self.dir.join(format!("{FILE_NAME}.tmp"));
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temporary, self.path())?;
        std::fs::File::open(&self.dir)?.sync_all()
    }

    /// Loads the snapshot into a model, or says why it cannot be used.
    pub(crate) async fn load(
        &self,
        log: &dyn EventLog,
        incident_window_days: u32,
    ) -> Result<ReadModel, Rejected> {
        let path = self.path();
        let bytes = match tokio::fs::read(&path).await {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Err(Rejected::Missing);
            }
            Err(error) => return Err(Rejected::Io { path, error }),
        };
        let snapshot = decode(&bytes)?;
        verify_log(log, &snapshot).await?;
        tokio::task::spawn_blocking(move || restore(snapshot, incident_window_days))
            .await
            .map_err(|e| Rejected::Invalid(e.to_string()))?
    }
}

fn decode(bytes: &[u8]) -> Result<pb::Snapshot, Rejected> {
    let invalid = |why: &str| Rejected::Invalid(why.to_owned());
    if bytes.len() < 12 || &bytes[..8] != MAGIC {
        return Err(invalid("not a snapshot of this format (bad magic)"));
    }
    let stored = u32::from_le_bytes(bytes[8..12].try_into().expect("four bytes"));
    let body = &bytes[12..];
    if crc32c::crc32c(body) != stored {
        return Err(invalid("checksum mismatch"));
    }
    let snapshot =
        pb::Snapshot::decode(body).map_err(|e| Rejected::Invalid(format!("undecodable: {e}")))?;
    if snapshot.format != FORMAT {
        return Err(Rejected::Invalid(format!(
            "format {} is not {FORMAT}",
            snapshot.format
        )));
    }
    Ok(snapshot)
}

/// The log must hold the record the snapshot ended at.
async fn verify_log(log: &dyn EventLog, snapshot: &pb::Snapshot) -> Result<(), Rejected> {
    if snapshot.position == 0 {
        return Ok(());
    }
    let expected = <[u8; 16]>::try_from(snapshot.record_id.as_slice())
        .map(u128::from_le_bytes)
        .map_err(|_| Rejected::Invalid("record id is not 16 bytes".into()))?;
    let records = log
        .read(snapshot.position - 1, 1)
        .await
        .map_err(|e| Rejected::Invalid(format!("cannot check the log: {e}")))?;
    match records.first() {
        Some(record) if record.position == snapshot.position && record.id.0 == expected => Ok(()),
        Some(_) => Err(Rejected::Invalid(format!(
            "the log holds a different record at position {}",
            snapshot.position
        ))),
        None => Err(Rejected::Invalid(format!(
            "the log ends before position {}",
            snapshot.position
        ))),
    }
}

fn restore(snapshot: pb::Snapshot, incident_window_days: u32) -> Result<ReadModel, Rejected> {
    let invalid = |what: String| Rejected::Invalid(what);
    let mut model = ReadModel::new(incident_window_days);
    model.position = snapshot.position;
    model.unknown_records = snapshot.unknown_records;
    model.invalid_records = snapshot.invalid_records;
    let mut events: Vec<(EventKey, Event)> = Vec::new();
    let mut document_keys: Vec<(String, Vec<EventKey>)> = Vec::new();
    for stored in snapshot.documents {
        let document = stored
            .document
            .ok_or_else(|| invalid("a document entry without its document".into()))
            .and_then(|d| Document::try_from(d).map_err(|e| invalid(e.to_string())))?;
        if stored.ordinals.len() != stored.events.len() {
            return Err(invalid("event ordinals do not match events".into()));
        }
        let state = match pb::ExtractionState::try_from(stored.state) {
            Ok(pb::ExtractionState::Pending) => DocumentState::Pending,
            Ok(pb::ExtractionState::Extracted) => DocumentState::Extracted,
            Ok(pb::ExtractionState::Failed) => DocumentState::Failed,
            _ => {
                return Err(invalid(format!(
                    "unknown extraction state {}",
                    stored.state
                )));
            }
        };
        let mut keys = Vec::with_capacity(stored.events.len());
        for (ordinal, wire) in stored.ordinals.into_iter().zip(stored.events) {
            let key = (stored.events_position, ordinal);
            keys.push(key);
            events.push((
                key,
                Event::try_from(wire).map_err(|e| invalid(e.to_string()))?,
            ));
        }
        let doc_id = document.doc_id.to_string();
        model.insert_document(DocumentEntry {
            document,
            state,
            coder_version: (!stored.coder_version.is_empty()).then_some(stored.coder_version),
            failure: (!stored.failure_reason.is_empty()).then_some(stored.failure_reason),
            events: Vec::new(),
        });
        document_keys.push((doc_id, keys));
    }
    // Insert in log order, as the projection did, so slots, indexes and incidents agree.
    events.sort_unstable_by_key(|(key, _)| *key);
    if events.windows(2).any(|pair| pair[0].0 == pair[1].0) {
        return Err(invalid(
            "two events share one log position and ordinal".into(),
        ));
    }
    for (key, event) in events {
        model.insert_event(key, event);
    }
    for (doc_id, keys) in document_keys {
        let slots = keys
            .into_iter()
            .map(|key| model.events.first_at_or_after(key))
            .collect();
        if let Some(entry) = model.documents.get_mut(&doc_id) {
            entry.events = slots;
        }
    }
    Ok(model)
}
