//! Fault injection around any [`EventLog`]: a log that refuses appends with a transient
//! error for the next N calls or for a while, as a disk or NATS outage would, and counts
//! the reads made through it.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use statecraft_eventlog::{
    Appended, Consumer, Error, EventLog, ExpectedVersion, GroupConfig, NewRecord, Position, Record,
    Result,
};
use tokio::sync::watch;

/// Wraps a log; appends fail with [`Error::Unavailable`] while a fault is armed. Reads,
/// consumer groups and everything else pass through.
pub struct FlakyLog {
    inner: Arc<dyn EventLog>,
    /// Appends still to refuse.
    refuse_next: AtomicU64,
    /// Appends are refused until then.
    refuse_until: Mutex<Option<Instant>>,
    /// Only appends of this record type are refused, when set.
    only_type: Option<String>,
    refused: AtomicU64,
    reads: AtomicU64,
    stream_reads: AtomicU64,
}

impl FlakyLog {
    /// Wraps `inner`, with no fault armed.
    pub fn new(inner: Arc<dyn EventLog>) -> Self {
        Self {
            inner,
            refuse_next: AtomicU64::new(0),
            refuse_until: Mutex::new(None),
            only_type: None,
            refused: AtomicU64::new(0),
            reads: AtomicU64::new(0),
            stream_reads: AtomicU64::new(0),
        }
    }

    /// Refuses only appends whose first record has `record_type`.
    pub fn only_type(mut self, record_type: &str) -> Self {
        self.only_type = Some(record_type.to_owned());
        self
    }

    /// Refuses the next `count` appends.
    pub fn refuse_next(&self, count: u64) {
        self.refuse_next.store(count, Ordering::SeqCst);
    }

    /// Refuses every append for `duration` from now.
    pub fn refuse_for(&self, duration: Duration) {
        *self.refuse_until.lock().unwrap() = Some(Instant::now() + duration);
    }

    /// `read` calls so far.
    pub fn reads(&self) -> u64 {
        self.reads.load(Ordering::SeqCst)
    }

    /// `read_stream` calls so far.
    pub fn stream_reads(&self) -> u64 {
        self.stream_reads.load(Ordering::SeqCst)
    }

    /// Appends refused so far.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::SeqCst)
    }

    fn should_refuse(&self, records: &[NewRecord]) -> bool {
        if let Some(only) = &self.only_type
            && records.first().is_none_or(|r| &r.record_type != only)
        {
            return false;
        }
        let window = self
            .refuse_until
            .lock()
            .unwrap()
            .is_some_and(|until| Instant::now() < until);
        let counted = self
            .refuse_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        window || counted
    }
}

#[async_trait]
impl EventLog for FlakyLog {
    async fn append(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        records: Vec<NewRecord>,
    ) -> Result<Appended> {
        if self.should_refuse(&records) {
            self.refused.fetch_add(1, Ordering::SeqCst);
            return Err(Error::Unavailable {
                reason: "injected outage".into(),
            });
        }
        self.inner.append(stream, expected, records).await
    }

    async fn read(&self, after: Position, max: usize) -> Result<Vec<Record>> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.inner.read(after, max).await
    }

    async fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
        max: usize,
    ) -> Result<Vec<Record>> {
        self.stream_reads.fetch_add(1, Ordering::SeqCst);
        self.inner.read_stream(stream, from_version, max).await
    }

    fn head(&self) -> Position {
        self.inner.head()
    }

    fn watch_head(&self) -> watch::Receiver<Position> {
        self.inner.watch_head()
    }

    async fn consumer(&self, config: GroupConfig) -> Result<Box<dyn Consumer>> {
        self.inner.consumer(config).await
    }

    async fn close(&self) -> Result<()> {
        self.inner.close().await
    }
}
