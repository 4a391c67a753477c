//! The embedded file backend.
//!
//! Layout of a log directory:
//! ```text
//! LOCK                         held (flock) by the one process that owns the log
//! segments/<first-position>.seg  CRC32C-framed records, 20-digit zero-padded names
//! groups/<name>.cursor         consumer group cursors
//! ```
//! One writer thread batches concurrent appends (group commit): one `write` and one
//! `fdatasync` per batch; each append is acknowledged only after its bytes are durable, and
//! readers see a record only from then on. The queue in front of the writer is bounded
//! ([`FileLogOptions::max_queued_appends`]): when it is full an append waits for room, so a
//! burst is slowed to the disk's pace instead of growing memory without limit, and a caller's
//! deadline (a dropped future) gives up the wait.
//!
//! Indexes (stream → positions, record id → position, position → file offset) live in
//! memory and are rebuilt from the segments on every open; consumer cursors are small files
//! of their own. We chose this over an embedded KV store (fjall, redb): there is a single
//! write path, so an index can never disagree with the segments after a crash, and a
//! rebuild costs about one second per GB of log (measured by the benchmark). The price is
//! memory, roughly 60 bytes per record; a log of hundreds of millions of records would want
//! persisted index snapshots.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use async_trait::async_trait;
use tokio::sync::{mpsc, oneshot, watch};

use crate::EventLog;
use crate::error::{Error, Result};
use crate::frame::decode_frame;
use crate::group::{Consumer, GroupConfig, GroupRegistry, RecordSource};
use crate::index::Index;
use crate::record::{Appended, ExpectedVersion, NewRecord, Position, Record};

mod recover;
mod writer;

use recover::recover;
use writer::Writer;

/// Options of the file backend.
#[derive(Debug, Clone)]
pub struct FileLogOptions {
    /// A new segment starts once the active one reaches this size.
    pub segment_bytes: u64,
    /// Largest number of appends committed with one fdatasync.
    pub max_batch: usize,
    /// Appends that may wait for the writer; further appends wait for room (back-pressure).
    pub max_queued_appends: usize,
    /// Fault injection for tests; `None` in production.
    pub faults: Option<FaultInjector>,
}

impl Default for FileLogOptions {
    fn default() -> Self {
        Self {
            segment_bytes: 128 * 1024 * 1024,
            max_batch: 4096,
            max_queued_appends: 8192,
            faults: None,
        }
    }
}

/// A step of the writer thread at which a [`FaultInjector`] is consulted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WritePoint {
    /// Before a batch's bytes are written to the active segment.
    Write {
        /// Records in the batch.
        records: usize,
        /// Bytes of the batch.
        bytes: usize,
    },
    /// After the bytes were written, before the fdatasync.
    Sync,
    /// Before a failed batch is truncated away again.
    Rollback,
}

/// Fault injection for tests: the writer thread calls it at each [`WritePoint`], and an error
/// it returns is handled exactly as if the operating system had returned it there. It may
/// also block, to hold the writer while a test lines up appends.
#[derive(Clone)]
pub struct FaultInjector(Arc<dyn Fn(WritePoint) -> std::io::Result<()> + Send + Sync>);

impl FaultInjector {
    /// An injector calling `check` at every write point.
    pub fn new(check: impl Fn(WritePoint) -> std::io::Result<()> + Send + Sync + 'static) -> Self {
        Self(Arc::new(check))
    }

    pub(crate) fn check(&self, point: WritePoint) -> std::io::Result<()> {
        (self.0)(point)
    }
}

impl std::fmt::Debug for FaultInjector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FaultInjector")
    }
}

/// The embedded, durable log. One process owns a log directory at a time.
pub struct FileLog {
    inner: Arc<Inner>,
}

struct Inner {
    dir: PathBuf,
    shared: Arc<Mutex<Shared>>,
    head: Arc<watch::Sender<Position>>,
    writer: Mutex<Option<mpsc::Sender<Command>>>,
    writer_thread: Mutex<Option<JoinHandle<()>>>,
    groups: GroupRegistry,
    _lock: File,
}

struct Segment {
    path: PathBuf,
    reader: Arc<File>,
}

#[derive(Clone, Copy)]
struct Location {
    segment: u32,
    offset: u64,
    len: u32,
}

struct Shared {
    index: Index,
    locations: Vec<Location>,
    segments: Vec<Segment>,
    failed: Option<String>,
}

enum Command {
    Append {
        stream: String,
        expected: ExpectedVersion,
        records: Vec<NewRecord>,
        reply: oneshot::Sender<Result<Appended>>,
    },
    Close {
        reply: oneshot::Sender<Result<()>>,
    },
}

fn io_error<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> Error + 'a {
    move |source| Error::Io {
        op,
        path: path.to_owned(),
        source,
    }
}

fn segment_path(dir: &Path, first_position: Position) -> PathBuf {
    dir.join("segments")
        .join(format!("{first_position:020}.seg"))
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error("sync directory", dir))
}

impl FileLog {
    /// Opens (or creates) the log in `dir` with default options.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(dir, FileLogOptions::default())
    }

    /// Opens (or creates) the log in `dir`: takes the directory lock, verifies every segment,
    /// truncates a torn tail, and refuses to open on corruption before the tail.
    pub fn open_with(dir: impl AsRef<Path>, options: FileLogOptions) -> Result<Self> {
        let dir = dir.as_ref().to_owned();
        for sub in ["segments", "groups"] {
            let path = dir.join(sub);
            std::fs::create_dir_all(&path).map_err(io_error("create directory", &path))?;
        }
        let lock_path = dir.join("LOCK");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_error("open lock file", &lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(Error::Locked { path: dir }),
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(Error::Io {
                    op: "lock",
                    path: lock_path,
                    source,
                });
            }
        }

        let mut shared = recover(&dir)?;
        if shared.segments.is_empty() {
            let first = shared.index.last() + 1;
            shared.segments.push(create_segment(&dir, first)?);
        }
        let active = shared.segments.last().expect("at least one segment");
        let active_path = active.path.clone();
        let active_file = OpenOptions::new()
            .append(true)
            .open(&active_path)
            .map_err(io_error("open segment", &active_path))?;
        let active_len = active_file
            .metadata()
            .map_err(io_error("stat segment", &active_path))?
            .len();
        let head = Arc::new(watch::Sender::new(shared.index.last()));
        tracing::info!(dir = %dir.display(), head = shared.index.last(), segments = shared.segments.len(), "opened file log");

        let shared = Arc::new(Mutex::new(shared));
        let (tx, rx) = mpsc::channel(options.max_queued_appends.max(1));
        let writer = Writer {
            dir: dir.clone(),
            options,
            shared: shared.clone(),
            head: head.clone(),
            active: active_file,
            active_path,
            active_len,
        };
        let thread = std::thread::Builder::new()
            .name("eventlog-writer".into())
            .spawn(move || writer.run(rx))
            .map_err(io_error("spawn writer thread", &dir))?;
        Ok(Self {
            inner: Arc::new(Inner {
                groups: GroupRegistry::persistent(dir.join("groups")),
                dir,
                shared,
                head,
                writer: Mutex::new(Some(tx)),
                writer_thread: Mutex::new(Some(thread)),
                _lock: lock,
            }),
        })
    }

    /// The log directory.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }
}

fn create_segment(dir: &Path, first_position: Position) -> Result<Segment> {
    let path = segment_path(dir, first_position);
    File::create(&path)
        .and_then(|f| f.sync_all())
        .map_err(io_error("create segment", &path))?;
    sync_dir(&dir.join("segments"))?;
    let reader = Arc::new(File::open(&path).map_err(io_error("open segment", &path))?);
    Ok(Segment { path, reader })
}

impl Inner {
    /// Queues a command for the writer, waiting while the queue is full.
    async fn send(&self, command: Command) -> Result<()> {
        let writer = self
            .writer
            .lock()
            .expect("writer handle lock poisoned")
            .clone()
            .ok_or(Error::Closed)?;
        writer.send(command).await.map_err(|_| Error::Closed)
    }

    fn read_blocking(&self, positions: std::ops::RangeInclusive<Position>) -> Result<Vec<Record>> {
        let (locations, files) = {
            let shared = self.shared.lock().expect("log state lock poisoned");
            let start = (*positions.start() - 1) as usize;
            let end = *positions.end() as usize;
            let locations = shared.locations[start..end].to_vec();
            let files: Vec<(Arc<File>, PathBuf)> = shared
                .segments
                .iter()
                .map(|s| (s.reader.clone(), s.path.clone()))
                .collect();
            (locations, files)
        };
        let mut records = Vec::with_capacity(locations.len());
        let mut run_start = 0;
        while run_start < locations.len() {
            let segment = locations[run_start].segment;
            let mut run_end = run_start + 1;
            while run_end < locations.len() && locations[run_end].segment == segment {
                run_end += 1;
            }
            let first = locations[run_start];
            let last = locations[run_end - 1];
            let span = (last.offset + u64::from(last.len) - first.offset) as usize;
            let (file, path) = &files[segment as usize];
            let mut buf = vec![0u8; span];
            file.read_exact_at(&mut buf, first.offset)
                .map_err(io_error("read segment", path))?;
            for location in &locations[run_start..run_end] {
                let at = (location.offset - first.offset) as usize;
                let (record, _, _) = decode_frame(&buf[at..]).map_err(|e| Error::Corrupt {
                    path: path.clone(),
                    offset: location.offset,
                    reason: format!("{e:?}"),
                })?;
                records.push(record);
            }
            run_start = run_end;
        }
        Ok(records)
    }
}

#[async_trait]
impl RecordSource for Inner {
    async fn read_after(&self, after: Position, max: usize) -> Result<Vec<Record>> {
        read_after(self, after, max).await
    }

    fn head_receiver(&self) -> watch::Receiver<Position> {
        self.head.subscribe()
    }
}

async fn read_after(inner: &Inner, after: Position, max: usize) -> Result<Vec<Record>> {
    let head = *inner.head.borrow();
    if after >= head || max == 0 {
        return Ok(Vec::new());
    }
    let last = head.min(after.saturating_add(max as u64));
    let range = (after + 1)..=last;
    // Reads one bounded batch (at most `max` records) inline: page-cache reads of a batch take
    // microseconds, and a spawn_blocking hop would cost more than the read itself.
    inner.read_blocking(range)
}

impl FileLog {
    async fn append_records(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        records: Vec<NewRecord>,
    ) -> Result<Appended> {
        let (reply, response) = oneshot::channel();
        self.inner
            .send(Command::Append {
                stream: stream.to_owned(),
                expected,
                records,
                reply,
            })
            .await?;
        response.await.map_err(|_| Error::Closed)?
    }
}

#[async_trait]
impl EventLog for FileLog {
    async fn append(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        records: Vec<NewRecord>,
    ) -> Result<Appended> {
        crate::metered_append("file", self.append_records(stream, expected, records)).await
    }

    async fn read(&self, after: Position, max: usize) -> Result<Vec<Record>> {
        read_after(&self.inner, after, max).await
    }

    async fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
        max: usize,
    ) -> Result<Vec<Record>> {
        let head = self.head();
        let positions: Vec<Position> = {
            let shared = self.inner.shared.lock().expect("log state lock poisoned");
            shared.index.stream_positions(stream, from_version, max)
        };
        let mut records = Vec::with_capacity(positions.len());
        for position in positions.into_iter().filter(|p| *p <= head) {
            records.extend(self.inner.read_blocking(position..=position)?);
        }
        Ok(records)
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
        let (reply, response) = oneshot::channel();
        match self.inner.send(Command::Close { reply }).await {
            Ok(()) => response.await.map_err(|_| Error::Closed)??,
            Err(Error::Closed) => return Ok(()),
            Err(other) => return Err(other),
        }
        self.inner
            .writer
            .lock()
            .expect("writer handle lock poisoned")
            .take();
        if let Some(thread) = self
            .inner
            .writer_thread
            .lock()
            .expect("writer thread lock poisoned")
            .take()
        {
            let _ = thread.join();
        }
        self.inner.groups.persist_all().await?;
        tracing::info!(dir = %self.inner.dir.display(), head = self.head(), "closed file log");
        Ok(())
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.groups.persist_all_blocking();
        self.writer
            .lock()
            .expect("writer handle lock poisoned")
            .take();
        if let Some(thread) = self
            .writer_thread
            .lock()
            .expect("writer thread lock poisoned")
            .take()
        {
            let _ = thread.join();
        }
    }
}
