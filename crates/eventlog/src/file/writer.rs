//! The one writer thread: batches concurrent appends (group commit), writes and fsyncs each
//! batch once, then acknowledges its appends and moves the head.
//!
//! Every answer of a batch follows the batch's fsync, including an append answered as a
//! duplicate of a record written earlier in the same batch. When the write or the sync
//! fails, the batch is rolled back (the segment is truncated to its last durable length and
//! synced, the index forgets the batch) and its appends fail with [`Error::Unavailable`]:
//! nothing of them is stored and a retry can succeed. Only when the rollback itself fails
//! does the log enter the permanent [`Error::Failed`] state (reopening truncates the tail).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot, watch};

use super::{Command, FileLogOptions, Location, Shared, WritePoint, create_segment, io_error};
use crate::error::{Error, Result};
use crate::frame::encode_frame;
use crate::index::Plan;
use crate::record::{Appended, ExpectedVersion, NewRecord, Position, Record, RecordId, now_micros};

pub(super) struct Writer {
    pub(super) dir: PathBuf,
    pub(super) options: FileLogOptions,
    pub(super) shared: Arc<Mutex<Shared>>,
    pub(super) head: Arc<watch::Sender<Position>>,
    pub(super) active: File,
    pub(super) active_path: PathBuf,
    pub(super) active_len: u64,
}

/// An answer held until the batch is durable; `depends_on_batch` when it is only true if the
/// batch becomes durable (its own records, a duplicate of a record written earlier in the
/// batch, or a check made against such records).
struct Reply {
    sender: oneshot::Sender<Result<Appended>>,
    result: Result<Appended>,
    depends_on_batch: bool,
}

type PendingAppend = (
    String,
    ExpectedVersion,
    Vec<NewRecord>,
    oneshot::Sender<Result<Appended>>,
);

impl Writer {
    pub(super) fn run(mut self, mut rx: mpsc::Receiver<Command>) {
        while let Some(first) = rx.blocking_recv() {
            let mut commands = vec![first];
            while commands.len() < self.options.max_batch {
                match rx.try_recv() {
                    Ok(command) => commands.push(command),
                    Err(_) => break,
                }
            }
            let mut close = None;
            let mut appends = Vec::with_capacity(commands.len());
            for command in commands {
                match command {
                    Command::Append {
                        stream,
                        expected,
                        records,
                        reply,
                    } => appends.push((stream, expected, records, reply)),
                    Command::Close { reply } => close = Some(reply),
                }
            }
            self.commit(appends);
            if let Some(reply) = close {
                let result = self.active.sync_all().map_err(|source| Error::Io {
                    op: "sync segment",
                    path: self.active_path.clone(),
                    source,
                });
                let _ = reply.send(result);
                return;
            }
        }
    }

    fn fault(&self, point: WritePoint) -> std::io::Result<()> {
        match &self.options.faults {
            Some(faults) => faults.check(point),
            None => Ok(()),
        }
    }

    fn commit(&mut self, appends: Vec<PendingAppend>) {
        if appends.is_empty() {
            return;
        }
        let shared_state = self.shared.clone();
        let mut shared = shared_state.lock().expect("log state lock poisoned");
        if let Some(reason) = &shared.failed {
            for (_, _, _, reply) in appends {
                let _ = reply.send(Err(Error::Failed {
                    reason: reason.clone(),
                }));
            }
            return;
        }
        if self.active_len >= self.options.segment_bytes
            && let Err(error) = self.roll_segment(&mut shared)
        {
            // Nothing of this batch was written, and the next batch tries the roll again.
            let reason = error.to_string();
            tracing::warn!(%reason, "event log failed to start a new segment");
            for (_, _, _, reply) in appends {
                let _ = reply.send(Err(Error::Unavailable {
                    reason: reason.clone(),
                }));
            }
            return;
        }
        let durable_head = shared.index.last();
        let segment_no = (shared.segments.len() - 1) as u32;
        let mut buffer = Vec::new();
        let mut replies: Vec<Reply> = Vec::with_capacity(appends.len());
        let mut written: Vec<(String, Vec<RecordId>)> = Vec::new();
        let recorded_at_micros = now_micros();
        for (stream, expected, records, sender) in appends {
            let after_write = !written.is_empty();
            let (first_position, first_version) =
                match shared.index.plan(&stream, expected, &records) {
                    Err(error) => {
                        replies.push(Reply {
                            sender,
                            result: Err(error),
                            depends_on_batch: after_write,
                        });
                        continue;
                    }
                    Ok(Plan::Duplicate(appended)) => {
                        replies.push(Reply {
                            sender,
                            depends_on_batch: appended.last_position > durable_head,
                            result: Ok(appended),
                        });
                        continue;
                    }
                    Ok(Plan::Write {
                        first_position,
                        first_version,
                    }) => (first_position, first_version),
                };
            let count = records.len();
            let mut stream_version = first_version;
            let mut ids = Vec::with_capacity(count);
            for (i, new) in records.into_iter().enumerate() {
                let position = first_position + i as u64;
                stream_version = first_version + i as u64;
                let record = Record {
                    position,
                    id: new.id,
                    stream: stream.clone(),
                    stream_version,
                    record_type: new.record_type,
                    recorded_at_micros,
                    metadata: new.metadata,
                    payload: new.payload,
                };
                let offset = self.active_len + buffer.len() as u64;
                encode_frame(&mut buffer, &record, (count - i - 1) as u32);
                let len = (self.active_len + buffer.len() as u64 - offset) as u32;
                shared.index.insert(&stream, record.id, position);
                shared.locations.push(Location {
                    segment: segment_no,
                    offset,
                    len,
                });
                ids.push(record.id);
            }
            written.push((stream, ids));
            replies.push(Reply {
                sender,
                result: Ok(Appended {
                    first_position,
                    last_position: first_position + count as u64 - 1,
                    stream_version,
                    deduplicated: false,
                }),
                depends_on_batch: true,
            });
        }
        let last = shared.index.last();
        drop(shared);

        let records = (last - durable_head) as usize;
        let durable = if buffer.is_empty() {
            Ok(())
        } else {
            let started = std::time::Instant::now();
            let written = self
                .fault(WritePoint::Write {
                    records,
                    bytes: buffer.len(),
                })
                .and_then(|()| self.active.write_all(&buffer))
                .and_then(|()| self.fault(WritePoint::Sync))
                .and_then(|()| self.active.sync_data())
                .map_err(|e| format!("failed to write {}: {e}", self.active_path.display()));
            metrics::histogram!("statecraft_log_fsync_seconds")
                .record(started.elapsed().as_secs_f64());
            metrics::counter!("statecraft_log_commits_total").increment(1);
            written
        };
        match durable {
            Ok(()) => {
                self.active_len += buffer.len() as u64;
                self.head.send_if_modified(|head| {
                    let moved = *head != last;
                    *head = last;
                    moved
                });
                for reply in replies {
                    let _ = reply.sender.send(reply.result);
                }
            }
            Err(reason) => self.roll_back(durable_head, &written, replies, reason),
        }
    }

    /// Undoes a batch whose write or sync failed: truncates the segment to its last durable
    /// length, makes the index forget the batch, and fails every answer that depended on it.
    fn roll_back(
        &mut self,
        durable_head: Position,
        written: &[(String, Vec<RecordId>)],
        replies: Vec<Reply>,
        reason: String,
    ) {
        let truncated = self
            .fault(WritePoint::Rollback)
            .and_then(|()| self.active.set_len(self.active_len))
            .and_then(|()| self.active.sync_all());
        let mut shared = self.shared.lock().expect("log state lock poisoned");
        for (stream, ids) in written.iter().rev() {
            shared.index.roll_back(stream, ids);
        }
        shared.locations.truncate(durable_head as usize);
        debug_assert_eq!(shared.index.last(), durable_head);
        let error: Box<dyn Fn() -> Error> = match truncated {
            Ok(()) => {
                tracing::warn!(%reason, "event log write failed; the batch was rolled back");
                metrics::counter!("statecraft_log_rolled_back_batches_total").increment(1);
                Box::new(move || Error::Unavailable {
                    reason: reason.clone(),
                })
            }
            Err(rollback) => {
                let reason = format!(
                    "{reason}; rolling back {} failed: {rollback}",
                    self.active_path.display()
                );
                tracing::error!(%reason, "event log write failed and could not be rolled back; refusing further appends");
                shared.failed = Some(reason.clone());
                Box::new(move || Error::Failed {
                    reason: reason.clone(),
                })
            }
        };
        drop(shared);
        for reply in replies {
            let outcome = if reply.depends_on_batch {
                Err(error())
            } else {
                reply.result
            };
            let _ = reply.sender.send(outcome);
        }
    }

    fn roll_segment(&mut self, shared: &mut Shared) -> Result<()> {
        let active_path = self.active_path.clone();
        self.active
            .sync_all()
            .map_err(io_error("sync segment", &active_path))?;
        let segment = create_segment(&self.dir, shared.index.last() + 1)?;
        self.active = OpenOptions::new()
            .append(true)
            .open(&segment.path)
            .map_err(io_error("open segment", &segment.path))?;
        self.active_path = segment.path.clone();
        self.active_len = 0;
        shared.segments.push(segment);
        Ok(())
    }
}
