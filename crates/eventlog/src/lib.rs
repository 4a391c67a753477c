//! The append-only event log: the only source of truth of statecraft (DESIGN.md §2).
//!
//! One trait, [`EventLog`], with an in-memory backend for tests ([`MemoryLog`]) and the
//! embedded file backend that is the default store ([`FileLog`]: segmented files,
//! CRC32C-framed records, group commit with fdatasync before acknowledgement, torn tails
//! truncated on open, mid-log corruption refused). On top of any backend: catch-up-then-live
//! [`subscribe`] and competing-consumer groups ([`Consumer`]). With the `nats` feature,
//! [`NatsLog`] keeps the log in NATS JetStream for deployments across machines.
//!
//! This crate knows nothing of documents or events: payloads are opaque bytes. It depends on
//! no other statecraft crate.

mod error;
mod file;
mod frame;
mod group;
mod index;
mod memory;
#[cfg(feature = "nats")]
mod nats;
mod record;
mod subscription;

pub use error::{Error, Result};
pub use file::{FaultInjector, FileLog, FileLogOptions, WritePoint};
pub use group::{Consumer, Delivery, GroupConfig, GroupStatus};
pub use index::MAX_RECORD_BYTES;
pub use memory::MemoryLog;
#[cfg(feature = "nats")]
pub use nats::{NatsLog, NatsOptions};
pub use record::{Appended, ExpectedVersion, NewRecord, Position, Record, RecordId};
pub use subscription::subscribe;

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::watch;

/// Opens the log a URL names: `memory:` (in-process, not durable), `file:<dir>` or a bare
/// directory path (the embedded file log), or `nats://host:port` (NATS JetStream, with the
/// `nats` feature).
pub async fn open(url: &str) -> Result<Arc<dyn EventLog>> {
    #[cfg(feature = "nats")]
    if url.starts_with("nats://") {
        return Ok(Arc::new(NatsLog::connect(NatsOptions::new(url)).await?));
    }
    open_local(url)
}

/// Opens a local log: `memory:`, `file:<dir>` or a directory path.
pub fn open_local(url: &str) -> Result<Arc<dyn EventLog>> {
    if url == "memory:" {
        return Ok(Arc::new(MemoryLog::new()));
    }
    if let Some(path) = url.strip_prefix("file:") {
        return Ok(Arc::new(FileLog::open(path)?));
    }
    if url.contains("://") {
        return Err(Error::InvalidAppend {
            reason: format!(
                "unsupported log URL {url:?}: expected memory:, file:<dir> or nats://host:port"
            ),
        });
    }
    Ok(Arc::new(FileLog::open(url)?))
}

/// An append-only, totally ordered log of records grouped into streams.
///
/// Positions are gap-free and start at 1; position 0 means "before the first record".
/// Runs an append, counting and timing it for the metrics endpoint:
/// `statecraft_log_appends_total{backend, outcome}`, `statecraft_log_append_seconds{backend}`.
pub(crate) async fn metered_append(
    backend: &'static str,
    append: impl std::future::Future<Output = Result<Appended>>,
) -> Result<Appended> {
    let started = std::time::Instant::now();
    let result = append.await;
    let outcome = match &result {
        Ok(appended) if appended.deduplicated => "deduplicated",
        Ok(_) => "appended",
        Err(_) => "failed",
    };
    metrics::counter!("statecraft_log_appends_total", "backend" => backend, "outcome" => outcome)
        .increment(1);
    metrics::histogram!("statecraft_log_append_seconds", "backend" => backend)
        .record(started.elapsed().as_secs_f64());
    result
}

/// Only durable records are visible to readers.
#[async_trait]
pub trait EventLog: Send + Sync + 'static {
    /// Appends `records` to `stream` atomically if the stream is at `expected`.
    ///
    /// Re-appending records whose ids are already in the log returns their original positions
    /// with `deduplicated: true` and writes nothing. Returns once the records are durable.
    async fn append(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        records: Vec<NewRecord>,
    ) -> Result<Appended>;

    /// Reads up to `max` records with positions greater than `after`, in position order.
    async fn read(&self, after: Position, max: usize) -> Result<Vec<Record>>;

    /// Reads up to `max` records of `stream` from stream version `from_version` on.
    async fn read_stream(&self, stream: &str, from_version: u64, max: usize)
    -> Result<Vec<Record>>;

    /// Position of the last durable record (0 when empty).
    fn head(&self) -> Position;

    /// A watch that changes whenever the durable head moves.
    fn watch_head(&self) -> watch::Receiver<Position>;

    /// Joins (or creates) the consumer group `config.name`. Consumers of the same group
    /// compete: each record is delivered to one consumer at a time.
    async fn consumer(&self, config: GroupConfig) -> Result<Box<dyn Consumer>>;

    /// Flushes and syncs everything; later appends fail with [`Error::Closed`].
    async fn close(&self) -> Result<()>;
}
