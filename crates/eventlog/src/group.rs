//! Competing-consumer groups over any local backend: at-least-once delivery, redelivery after
//! the ack timeout, parking after `max_deliver`, and a cursor that advances only over a
//! gap-free run of finished positions.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::{Mutex, watch};
use tokio::time::Instant;

use crate::error::{Error, Result};
use crate::record::{Position, Record};

/// Configuration of a consumer group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupConfig {
    /// Durable group name: 1..=64 of `[A-Za-z0-9_.-]`.
    pub name: String,
    /// Record types delivered; every type when empty. Others count as finished.
    pub record_types: Vec<String>,
    /// How long a delivery may stay unacknowledged before it is redelivered.
    pub ack_wait: Duration,
    /// Deliveries after which an unacknowledged record is parked (never delivered again).
    pub max_deliver: u32,
}

impl GroupConfig {
    /// A group delivering `record_types` with a 30 s ack wait and 5 deliveries.
    pub fn new(name: impl Into<String>, record_types: &[&str]) -> Self {
        Self {
            name: name.into(),
            record_types: record_types.iter().map(|t| (*t).to_owned()).collect(),
            ack_wait: Duration::from_secs(30),
            max_deliver: 5,
        }
    }

    fn validate(&self) -> Result<()> {
        let valid_name = !self.name.is_empty()
            && self.name.len() <= 64
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        if !valid_name {
            return Err(Error::InvalidAppend {
                reason: format!("invalid consumer group name {:?}", self.name),
            });
        }
        if self.max_deliver == 0 || self.ack_wait.is_zero() {
            return Err(Error::InvalidAppend {
                reason: "max_deliver and ack_wait must be positive".into(),
            });
        }
        Ok(())
    }
}

/// One delivery of a record to a consumer.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The record.
    pub record: Record,
    /// Which delivery this is, from 1.
    pub attempt: u32,
}

/// Progress of a consumer group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupStatus {
    /// Every position up to here is finished.
    pub cursor: Position,
    /// The log head.
    pub head: Position,
    /// Deliveries awaiting an ack.
    pub in_flight: u64,
    /// Records parked since this process opened the group.
    pub parked: u64,
}

/// A member of a consumer group.
#[async_trait]
pub trait Consumer: Send + Sync {
    /// Waits up to `wait` for deliveries and returns at most `max` (possibly none).
    async fn fetch(&self, max: usize, wait: Duration) -> Result<Vec<Delivery>>;
    /// Marks a delivered position as finished.
    async fn ack(&self, position: Position) -> Result<()>;
    /// Asks for a delivered position to be redelivered as soon as possible.
    async fn nak(&self, position: Position) -> Result<()>;
    /// The group's progress.
    async fn status(&self) -> Result<GroupStatus>;
}

/// What a local backend offers the group machinery.
#[async_trait]
pub(crate) trait RecordSource: Send + Sync + 'static {
    async fn read_after(&self, after: Position, max: usize) -> Result<Vec<Record>>;
    fn head_receiver(&self) -> watch::Receiver<Position>;
}

struct InFlight {
    record: Record,
    attempts: u32,
    deadline: Instant,
}

struct GroupState {
    config: GroupConfig,
    cursor: Position,
    fetched: Position,
    in_flight: BTreeMap<Position, InFlight>,
    finished: BTreeSet<Position>,
    parked: u64,
    cursor_file: Option<PathBuf>,
    persisted_cursor: Position,
}

impl GroupState {
    fn finish(&mut self, position: Position) {
        if position > self.cursor {
            self.finished.insert(position);
        }
        while self.finished.remove(&(self.cursor + 1)) {
            self.cursor += 1;
        }
    }

    fn persist_cursor(&mut self) -> Result<()> {
        let Some(path) = &self.cursor_file else {
            return Ok(());
        };
        if self.cursor == self.persisted_cursor {
            return Ok(());
        }
        let tmp = path.with_extension("tmp");
        let io = |op, source| Error::Io {
            op,
            path: path.clone(),
            source,
        };
        std::fs::write(&tmp, format!("{}\n", self.cursor)).map_err(|e| io("write cursor", e))?;
        std::fs::rename(&tmp, path).map_err(|e| io("rename cursor", e))?;
        self.persisted_cursor = self.cursor;
        Ok(())
    }
}

/// The groups of one open log.
#[derive(Default)]
pub(crate) struct GroupRegistry {
    groups: std::sync::Mutex<HashMap<String, Arc<Mutex<GroupState>>>>,
    cursor_dir: Option<PathBuf>,
}

impl GroupRegistry {
    pub(crate) fn persistent(cursor_dir: PathBuf) -> Self {
        Self {
            groups: Default::default(),
            cursor_dir: Some(cursor_dir),
        }
    }

    pub(crate) fn join(
        &self,
        source: Arc<dyn RecordSource>,
        config: GroupConfig,
    ) -> Result<Box<dyn Consumer>> {
        config.validate()?;
        let mut groups = self.groups.lock().expect("group registry lock poisoned");
        let state = match groups.get(&config.name) {
            Some(state) => state.clone(),
            None => {
                let cursor_file = self
                    .cursor_dir
                    .as_ref()
                    .map(|dir| dir.join(format!("{}.cursor", config.name)));
                let cursor = match &cursor_file {
                    Some(path) => load_cursor(path)?,
                    None => 0,
                };
                let state = Arc::new(Mutex::new(GroupState {
                    config: config.clone(),
                    cursor,
                    fetched: cursor,
                    in_flight: BTreeMap::new(),
                    finished: BTreeSet::new(),
                    parked: 0,
                    cursor_file,
                    persisted_cursor: cursor,
                }));
                groups.insert(config.name.clone(), state.clone());
                state
            }
        };
        Ok(Box::new(LocalConsumer { source, state }))
    }

    /// Writes every group's cursor (on close).
    pub(crate) async fn persist_all(&self) -> Result<()> {
        let states: Vec<_> = self
            .groups
            .lock()
            .expect("group registry lock poisoned")
            .values()
            .cloned()
            .collect();
        for state in states {
            state.lock().await.persist_cursor()?;
        }
        Ok(())
    }
}

fn load_cursor(path: &std::path::Path) -> Result<Position> {
    match std::fs::read_to_string(path) {
        Ok(text) => text.trim().parse().map_err(|_| Error::Corrupt {
            path: path.to_owned(),
            offset: 0,
            reason: "cursor file does not hold a position".into(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(source) => Err(Error::Io {
            op: "read cursor",
            path: path.to_owned(),
            source,
        }),
    }
}

struct LocalConsumer {
    source: Arc<dyn RecordSource>,
    state: Arc<Mutex<GroupState>>,
}

const READ_BATCH: usize = 256;

#[async_trait]
impl Consumer for LocalConsumer {
    async fn fetch(&self, max: usize, wait: Duration) -> Result<Vec<Delivery>> {
        let deadline = Instant::now() + wait;
        let mut head = self.source.head_receiver();
        loop {
            let observed_head = *head.borrow_and_update();
            let next_wake;
            {
                let mut state = self.state.lock().await;
                let now = Instant::now();
                let ack_wait = state.config.ack_wait;
                let max_deliver = state.config.max_deliver;
                let mut out = Vec::new();
                let mut to_park = Vec::new();
                for (position, entry) in state.in_flight.iter_mut() {
                    if out.len() >= max {
                        break;
                    }
                    if entry.deadline > now {
                        continue;
                    }
                    if entry.attempts >= max_deliver {
                        to_park.push(*position);
                        continue;
                    }
                    entry.attempts += 1;
                    entry.deadline = now + ack_wait;
                    out.push(Delivery {
                        record: entry.record.clone(),
                        attempt: entry.attempts,
                    });
                }
                for position in to_park {
                    state.in_flight.remove(&position);
                    state.parked += 1;
                    tracing::warn!(group = %state.config.name, position, max_deliver, "parked record after max deliveries");
                    state.finish(position);
                }
                while out.len() < max && state.fetched < observed_head {
                    let wanted = (max - out.len()).clamp(1, READ_BATCH);
                    let records = self.source.read_after(state.fetched, wanted).await?;
                    if records.is_empty() {
                        break;
                    }
                    for record in records {
                        let position = record.position;
                        state.fetched = position;
                        let wanted_type = state.config.record_types.is_empty()
                            || state.config.record_types.contains(&record.record_type);
                        if !wanted_type {
                            state.finish(position);
                            continue;
                        }
                        out.push(Delivery {
                            record: record.clone(),
                            attempt: 1,
                        });
                        state.in_flight.insert(
                            position,
                            InFlight {
                                record,
                                attempts: 1,
                                deadline: now + ack_wait,
                            },
                        );
                    }
                }
                state.persist_cursor()?;
                if !out.is_empty() {
                    return Ok(out);
                }
                next_wake = state
                    .in_flight
                    .values()
                    .map(|e| e.deadline)
                    .min()
                    .map_or(deadline, |d| d.min(deadline));
            }
            if Instant::now() >= deadline {
                return Ok(Vec::new());
            }
            tokio::select! {
                changed = head.changed() => {
                    if changed.is_err() {
                        return Err(Error::Closed);
                    }
                }
                _ = tokio::time::sleep_until(next_wake) => {}
            }
        }
    }

    async fn ack(&self, position: Position) -> Result<()> {
        let mut state = self.state.lock().await;
        if state.in_flight.remove(&position).is_some() {
            state.finish(position);
            state.persist_cursor()?;
        }
        Ok(())
    }

    async fn nak(&self, position: Position) -> Result<()> {
        let mut state = self.state.lock().await;
        if let Some(entry) = state.in_flight.get_mut(&position) {
            entry.deadline = Instant::now();
        }
        Ok(())
    }

    async fn status(&self) -> Result<GroupStatus> {
        let state = self.state.lock().await;
        Ok(GroupStatus {
            cursor: state.cursor,
            head: *self.source.head_receiver().borrow(),
            in_flight: state.in_flight.len() as u64,
            parked: state.parked,
        })
    }
}
