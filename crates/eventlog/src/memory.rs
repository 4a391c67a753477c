use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tokio::sync::watch;

use crate::EventLog;
use crate::error::{Error, Result};
use crate::group::{Consumer, GroupConfig, GroupRegistry, RecordSource};
use crate::index::{Index, Plan};
use crate::record::{Appended, ExpectedVersion, NewRecord, Position, Record, now_micros};

/// The in-memory backend: the same semantics as the file backend, without durability.
/// For tests and the in-process e2e harness.
#[derive(Clone)]
pub struct MemoryLog {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    head: watch::Sender<Position>,
    groups: GroupRegistry,
    closed: AtomicBool,
}

#[derive(Default)]
struct State {
    records: Vec<Record>,
    index: Index,
}

impl MemoryLog {
    /// An empty log.
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Inner {
                state: Mutex::new(State::default()),
                head: watch::Sender::new(0),
                groups: GroupRegistry::default(),
                closed: AtomicBool::new(false),
            }),
        }
    }
}

impl Default for MemoryLog {
    fn default() -> Self {
        Self::new()
    }
}

impl Inner {
    fn read_after(&self, after: Position, max: usize) -> Vec<Record> {
        let state = self.state.lock().expect("memory log lock poisoned");
        state
            .records
            .iter()
            .skip(after as usize)
            .take(max)
            .cloned()
            .collect()
    }
}

#[async_trait]
impl RecordSource for Inner {
    async fn read_after(&self, after: Position, max: usize) -> Result<Vec<Record>> {
        Ok(Inner::read_after(self, after, max))
    }

    fn head_receiver(&self) -> watch::Receiver<Position> {
        self.head.subscribe()
    }
}

impl MemoryLog {
    async fn append_records(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        records: Vec<NewRecord>,
    ) -> Result<Appended> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(Error::Closed);
        }
        let mut state = self.inner.state.lock().expect("memory log lock poisoned");
        let (first_position, first_version) = match state.index.plan(stream, expected, &records)? {
            Plan::Duplicate(appended) => return Ok(appended),
            Plan::Write {
                first_position,
                first_version,
            } => (first_position, first_version),
        };
        let recorded_at_micros = now_micros();
        let mut stream_version = first_version;
        for (offset, new) in records.into_iter().enumerate() {
            let position = first_position + offset as u64;
            stream_version = state.index.insert(stream, new.id, position);
            state.records.push(Record {
                position,
                id: new.id,
                stream: stream.to_owned(),
                stream_version,
                record_type: new.record_type,
                recorded_at_micros,
                metadata: new.metadata,
                payload: new.payload,
            });
        }
        let last_position = state.index.last();
        drop(state);
        self.inner.head.send_replace(last_position);
        Ok(Appended {
            first_position,
            last_position,
            stream_version,
            deduplicated: false,
        })
    }
}

#[async_trait]
impl EventLog for MemoryLog {
    async fn append(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        records: Vec<NewRecord>,
    ) -> Result<Appended> {
        crate::metered_append("memory", self.append_records(stream, expected, records)).await
    }

    async fn read(&self, after: Position, max: usize) -> Result<Vec<Record>> {
        Ok(self.inner.read_after(after, max))
    }

    async fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
        max: usize,
    ) -> Result<Vec<Record>> {
        let state = self.inner.state.lock().expect("memory log lock poisoned");
        Ok(state
            .index
            .stream_positions(stream, from_version, max)
            .into_iter()
            .map(|p| state.records[(p - 1) as usize].clone())
            .collect())
    }

    fn head(&self) -> Position {
        *self.inner.head.borrow()
    }

    fn watch_head(&self) -> watch::Receiver<Position> {
        self.inner.head.subscribe()
    }

    async fn consumer(&self, config: GroupConfig) -> Result<Box<dyn Consumer>> {
        let source: Arc<dyn RecordSource> = self.inner.clone();
        self.inner.groups.join(source, config)
    }

    async fn close(&self) -> Result<()> {
        self.inner.closed.store(true, Ordering::Release);
        Ok(())
    }
}
