//! The one writer thread: batches concurrent appends (group commit), writes and fsyncs each
//! batch once, then acknowledges its appends and moves the head.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, mpsc};

use tokio::sync::{oneshot, watch};

use super::{Command, FileLogOptions, Location, Shared, create_segment, io_error};
use crate::error::{Error, Result};
use crate::frame::encode_frame;
use crate::index::Plan;
use crate::record::{Appended, ExpectedVersion, NewRecord, Position, Record, now_micros};

pub(super) struct Writer {
    pub(super) dir: PathBuf,
    pub(super) options: FileLogOptions,
    pub(super) shared: Arc<Mutex<Shared>>,
    pub(super) head: Arc<watch::Sender<Position>>,
    pub(super) active: File,
    pub(super) active_path: PathBuf,
    pub(super) active_len: u64,
}

type Reply = (oneshot::Sender<Result<Appended>>, Result<Appended>);
type PendingAppend = (
    String,
    ExpectedVersion,
    Vec<NewRecord>,
    oneshot::Sender<Result<Appended>>,
);

impl Writer {
    pub(super) fn run(mut self, rx: mpsc::Receiver<Command>) {
        while let Ok(first) = rx.recv() {
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
            let reason = error.to_string();
            shared.failed = Some(reason.clone());
            for (_, _, _, reply) in appends {
                let _ = reply.send(Err(Error::Failed {
                    reason: reason.clone(),
                }));
            }
            return;
        }
        let segment_no = (shared.segments.len() - 1) as u32;
        let mut buffer = Vec::new();
        let mut replies: Vec<Reply> = Vec::with_capacity(appends.len());
        let recorded_at_micros = now_micros();
        for (stream, expected, records, reply) in appends {
            let (first_position, first_version) =
                match shared.index.plan(&stream, expected, &records) {
                    Err(error) => {
                        replies.push((reply, Err(error)));
                        continue;
                    }
                    Ok(Plan::Duplicate(appended)) => {
                        replies.push((reply, Ok(appended)));
                        continue;
                    }
                    Ok(Plan::Write {
                        first_position,
                        first_version,
                    }) => (first_position, first_version),
                };
            let count = records.len();
            let mut stream_version = first_version;
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
            }
            replies.push((
                reply,
                Ok(Appended {
                    first_position,
                    last_position: first_position + count as u64 - 1,
                    stream_version,
                    deduplicated: false,
                }),
            ));
        }
        let last = shared.index.last();
        drop(shared);

        let durable = if buffer.is_empty() {
            Ok(())
        } else {
            let started = std::time::Instant::now();
            let written = self
                .active
                .write_all(&buffer)
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
                for (reply, result) in replies {
                    let _ = reply.send(result);
                }
            }
            Err(reason) => {
                tracing::error!(%reason, "event log write failed; refusing further appends");
                self.shared.lock().expect("log state lock poisoned").failed = Some(reason.clone());
                for (reply, result) in replies {
                    let outcome = match result {
                        Ok(appended) if !appended.deduplicated => Err(Error::Failed {
                            reason: reason.clone(),
                        }),
                        other => other,
                    };
                    let _ = reply.send(outcome);
                }
            }
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
