//! Competing-consumer groups over any local backend: at-least-once delivery, redelivery after
//! the ack timeout, parking after `max_deliver`, and a cursor that advances only over a
//! gap-free run of finished positions.
//!
//! The group's state sits behind a short, synchronous lock that is never held across an
//! await or I/O: acks, naks and status never wait for another member's read. Reading new
//! records from the log is serialised among the members by a separate async lock. The
//! durable cursor is written by a background task (at most every
//! [`CURSOR_FLUSH_INTERVAL`]) on a blocking thread and on close, not on every fetch and ack:
//! a crash loses at most that much progress, which only means redelivery.

mod cursor;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::error::{Error, Result};
use crate::record::{Position, Record};
use cursor::CursorFile;

/// How often a group's cursor is made durable while it moves.
pub(crate) const CURSOR_FLUSH_INTERVAL: Duration = Duration::from_millis(200);

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
    /// [`GroupConfig::UNLIMITED_DELIVERIES`] never parks: the consumer decides when to give
    /// up on a record (for instance by recording a failure and acking it).
    pub max_deliver: u32,
}

impl GroupConfig {
    /// A `max_deliver` under which the group never parks a record on its own.
    pub const UNLIMITED_DELIVERIES: u32 = u32::MAX;

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
    /// Asks for a delivered position to be redelivered after `delay` (at once when zero).
    async fn nak(&self, position: Position, delay: Duration) -> Result<()>;
    /// Says a delivered position is still being worked on: its ack wait starts again, so it
    /// is not redelivered (and no delivery is spent) while a consumer waits out a transient
    /// failure.
    async fn touch(&self, position: Position) -> Result<()>;
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

    /// Takes the deliveries whose ack wait ran out (parking those out of deliveries), at
    /// most `max`.
    fn redeliver(&mut self, max: usize, now: Instant) -> Vec<Delivery> {
        let ack_wait = self.config.ack_wait;
        let max_deliver = self.config.max_deliver;
        let mut out = Vec::new();
        let mut to_park = Vec::new();
        for (position, entry) in self.in_flight.iter_mut() {
            if out.len() >= max {
                break;
            }
            if entry.deadline > now {
                continue;
            }
            if max_deliver != GroupConfig::UNLIMITED_DELIVERIES && entry.attempts >= max_deliver {
                to_park.push(*position);
                continue;
            }
            entry.attempts = entry.attempts.saturating_add(1);
            entry.deadline = now + ack_wait;
            out.push(Delivery {
                record: entry.record.clone(),
                attempt: entry.attempts,
            });
        }
        for position in to_park {
            self.in_flight.remove(&position);
            self.parked += 1;
            tracing::warn!(group = %self.config.name, position, max_deliver, "parked record after max deliveries");
            self.finish(position);
        }
        out
    }

    /// Registers records read after `fetched` as first deliveries (other types finish at
    /// once).
    fn deliver_new(&mut self, records: Vec<Record>, now: Instant, out: &mut Vec<Delivery>) {
        let ack_wait = self.config.ack_wait;
        for record in records {
            let position = record.position;
            self.fetched = position;
            let wanted_type = self.config.record_types.is_empty()
                || self.config.record_types.contains(&record.record_type);
            if !wanted_type {
                self.finish(position);
                continue;
            }
            out.push(Delivery {
                record: record.clone(),
                attempt: 1,
            });
            self.in_flight.insert(
                position,
                InFlight {
                    record,
                    attempts: 1,
                    deadline: now + ack_wait,
                },
            );
        }
    }
}

/// One group of one open log, shared by its members.
struct Group {
    state: std::sync::Mutex<GroupState>,
    /// Held while a member reads new records from the log, so that two members never read
    /// (and deliver) the same range.
    reader: tokio::sync::Mutex<()>,
    cursor_file: Option<CursorFile>,
}

impl Group {
    fn state(&self) -> std::sync::MutexGuard<'_, GroupState> {
        self.state.lock().expect("consumer group lock poisoned")
    }

    /// Writes the cursor if it moved since the last write. Blocking I/O.
    fn flush_blocking(&self) -> Result<()> {
        let Some(file) = &self.cursor_file else {
            return Ok(());
        };
        let cursor = self.state().cursor;
        file.store(cursor)
    }

    fn cursor_moved(&self) -> bool {
        self.cursor_file
            .as_ref()
            .is_some_and(|file| self.state().cursor > file.persisted())
    }
}

/// Writes a group's cursor in the background while the group lives.
async fn flush_cursor(group: Weak<Group>) {
    let mut every = tokio::time::interval(CURSOR_FLUSH_INTERVAL);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let Some(strong) = group.upgrade() else {
            return;
        };
        if !strong.cursor_moved() {
            continue;
        }
        let written = tokio::task::spawn_blocking(move || strong.flush_blocking()).await;
        match written {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                tracing::warn!(%error, "failed to write consumer group cursor; will retry")
            }
            Err(error) => tracing::warn!(%error, "consumer group cursor writer failed"),
        }
    }
}

/// The groups of one open log.
#[derive(Default)]
pub(crate) struct GroupRegistry {
    groups: std::sync::Mutex<HashMap<String, Arc<Group>>>,
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
        let group = match groups.get(&config.name) {
            Some(group) => group.clone(),
            None => {
                let (cursor_file, cursor) = match &self.cursor_dir {
                    Some(dir) => {
                        let (file, cursor) =
                            CursorFile::open(dir.join(format!("{}.cursor", config.name)));
                        (Some(file), cursor)
                    }
                    None => (None, 0),
                };
                let persistent = cursor_file.is_some();
                let group = Arc::new(Group {
                    state: std::sync::Mutex::new(GroupState {
                        config: config.clone(),
                        cursor,
                        fetched: cursor,
                        in_flight: BTreeMap::new(),
                        finished: BTreeSet::new(),
                        parked: 0,
                    }),
                    reader: tokio::sync::Mutex::new(()),
                    cursor_file,
                });
                if persistent && let Ok(runtime) = tokio::runtime::Handle::try_current() {
                    runtime.spawn(flush_cursor(Arc::downgrade(&group)));
                }
                groups.insert(config.name.clone(), group.clone());
                group
            }
        };
        Ok(Box::new(LocalConsumer { source, group }))
    }

    fn all(&self) -> Vec<Arc<Group>> {
        self.groups
            .lock()
            .expect("group registry lock poisoned")
            .values()
            .cloned()
            .collect()
    }

    /// Writes every group's cursor (on close).
    pub(crate) async fn persist_all(&self) -> Result<()> {
        for group in self.all() {
            tokio::task::spawn_blocking(move || group.flush_blocking())
                .await
                .map_err(|e| Error::Remote {
                    op: "write consumer group cursor",
                    reason: e.to_string(),
                })??;
        }
        Ok(())
    }

    /// Writes every group's cursor from a synchronous context (when the log is dropped
    /// without being closed); failures are logged.
    pub(crate) fn persist_all_blocking(&self) {
        for group in self.all() {
            if let Err(error) = group.flush_blocking() {
                tracing::warn!(%error, "failed to write consumer group cursor");
            }
        }
    }
}

struct LocalConsumer {
    source: Arc<dyn RecordSource>,
    group: Arc<Group>,
}

const READ_BATCH: usize = 256;

impl LocalConsumer {
    /// Reads new records below `observed_head` and delivers them, up to `max` in `out`. The
    /// state lock is not held while reading.
    async fn deliver_new(
        &self,
        observed_head: Position,
        max: usize,
        out: &mut Vec<Delivery>,
    ) -> Result<()> {
        if out.len() >= max || self.group.state().fetched >= observed_head {
            return Ok(());
        }
        let _reading = self.group.reader.lock().await;
        while out.len() < max {
            // Only a holder of the reader lock moves `fetched`.
            let fetched = self.group.state().fetched;
            if fetched >= observed_head {
                break;
            }
            let wanted = (max - out.len()).clamp(1, READ_BATCH);
            let records = match self.source.read_after(fetched, wanted).await {
                Ok(records) => records,
                // Deliveries already taken go out; the error comes back on the next fetch.
                Err(_) if !out.is_empty() => break,
                Err(error) => return Err(error),
            };
            if records.is_empty() {
                break;
            }
            self.group.state().deliver_new(records, Instant::now(), out);
        }
        Ok(())
    }
}

#[async_trait]
impl Consumer for LocalConsumer {
    async fn fetch(&self, max: usize, wait: Duration) -> Result<Vec<Delivery>> {
        let deadline = Instant::now() + wait;
        let mut head = self.source.head_receiver();
        loop {
            let observed_head = *head.borrow_and_update();
            let mut out = self.group.state().redeliver(max, Instant::now());
            self.deliver_new(observed_head, max, &mut out).await?;
            if !out.is_empty() {
                return Ok(out);
            }
            let next_wake = self
                .group
                .state()
                .in_flight
                .values()
                .map(|e| e.deadline)
                .min()
                .map_or(deadline, |d| d.min(deadline));
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
        let mut state = self.group.state();
        if state.in_flight.remove(&position).is_some() {
            state.finish(position);
        }
        Ok(())
    }

    async fn nak(&self, position: Position, delay: Duration) -> Result<()> {
        let mut state = self.group.state();
        if let Some(entry) = state.in_flight.get_mut(&position) {
            entry.deadline = Instant::now() + delay;
        }
        Ok(())
    }

    async fn touch(&self, position: Position) -> Result<()> {
        let mut state = self.group.state();
        let ack_wait = state.config.ack_wait;
        if let Some(entry) = state.in_flight.get_mut(&position) {
            entry.deadline = Instant::now() + ack_wait;
        }
        Ok(())
    }

    async fn status(&self) -> Result<GroupStatus> {
        let state = self.group.state();
        Ok(GroupStatus {
            cursor: state.cursor,
            head: *self.source.head_receiver().borrow(),
            in_flight: state.in_flight.len() as u64,
            parked: state.parked,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    use bytes::Bytes;
    use tokio::sync::Notify;

    use crate::record::RecordId;

    /// A source whose reads can be held, to stand for a slow disk or server.
    struct HeldSource {
        records: Vec<Record>,
        head: watch::Sender<Position>,
        hold: AtomicBool,
        entered: Notify,
        release: Notify,
    }

    #[async_trait]
    impl RecordSource for HeldSource {
        async fn read_after(&self, after: Position, max: usize) -> Result<Vec<Record>> {
            if self.hold.load(Ordering::Acquire) {
                self.entered.notify_one();
                self.release.notified().await;
            }
            Ok(self
                .records
                .iter()
                .skip(after as usize)
                .take(max)
                .cloned()
                .collect())
        }

        fn head_receiver(&self) -> watch::Receiver<Position> {
            self.head.subscribe()
        }
    }

    fn records(count: u64) -> Vec<Record> {
        (1..=count)
            .map(|position| Record {
                position,
                id: RecordId(u128::from(position)),
                stream: "s".into(),
                stream_version: position - 1,
                record_type: "t".into(),
                recorded_at_micros: 1,
                metadata: vec![],
                payload: Bytes::new(),
            })
            .collect()
    }

    /// Issue 12, item 8: one member waiting on a slow read must not stall the others' acks,
    /// naks and status (the group lock was held across `read_after().await`).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_slow_read_does_not_block_other_members() {
        let source = Arc::new(HeldSource {
            records: records(2),
            head: watch::Sender::new(1),
            hold: AtomicBool::new(false),
            entered: Notify::new(),
            release: Notify::new(),
        });
        let registry = GroupRegistry::default();
        let config = GroupConfig::new("g", &[]);
        let a = registry.join(source.clone(), config.clone()).unwrap();
        let b = registry.join(source.clone(), config).unwrap();
        let first = b.fetch(1, Duration::from_secs(1)).await.unwrap();
        assert_eq!(first[0].record.position, 1);

        source.hold.store(true, Ordering::Release);
        source.head.send_replace(2);
        let entered = source.entered.notified();
        let slow = tokio::spawn(async move { a.fetch(10, Duration::from_secs(10)).await });
        entered.await;

        let quick = Duration::from_secs(1);
        let status = tokio::time::timeout(quick, b.status()).await;
        assert_eq!(
            status.expect("status waited for a read").unwrap().in_flight,
            1
        );
        tokio::time::timeout(quick, b.touch(1))
            .await
            .expect("touch waited for a read")
            .unwrap();
        tokio::time::timeout(quick, b.ack(1))
            .await
            .expect("ack waited for a read")
            .unwrap();
        assert_eq!(b.status().await.unwrap().cursor, 1);

        source.release.notify_one();
        let got = slow.await.unwrap().unwrap();
        assert_eq!(
            got.iter().map(|d| d.record.position).collect::<Vec<_>>(),
            vec![2],
            "the held read delivers once released, to that member only"
        );
        assert!(
            b.fetch(10, Duration::from_millis(50))
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn unlimited_deliveries_never_park_and_nak_waits_its_delay() {
        let source = Arc::new(HeldSource {
            records: records(1),
            head: watch::Sender::new(1),
            hold: AtomicBool::new(false),
            entered: Notify::new(),
            release: Notify::new(),
        });
        let registry = GroupRegistry::default();
        let mut config = GroupConfig::new("g", &[]);
        config.max_deliver = GroupConfig::UNLIMITED_DELIVERIES;
        config.ack_wait = Duration::from_millis(10);
        let consumer = registry.join(source, config).unwrap();
        for attempt in 1..=8 {
            let got = consumer.fetch(1, Duration::from_secs(1)).await.unwrap();
            assert_eq!((got[0].record.position, got[0].attempt), (1, attempt));
        }
        consumer.nak(1, Duration::from_millis(300)).await.unwrap();
        assert!(
            consumer
                .fetch(1, Duration::from_millis(100))
                .await
                .unwrap()
                .is_empty(),
            "a nak with a delay is not redelivered at once"
        );
        let again = consumer.fetch(1, Duration::from_secs(2)).await.unwrap();
        assert_eq!(again[0].attempt, 9);
        assert_eq!(consumer.status().await.unwrap().parked, 0);
    }
}
