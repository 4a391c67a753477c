use std::path::PathBuf;

use thiserror::Error;

/// Errors of the event log.
#[derive(Debug, Error)]
pub enum Error {
    /// The stream was not at the expected version; nothing was appended.
    #[error("wrong expected version for stream {stream}: expected {expected}, actual {actual}")]
    WrongExpectedVersion {
        /// The stream.
        stream: String,
        /// What the caller expected.
        expected: String,
        /// The stream's actual last version, or "no stream".
        actual: String,
    },
    /// Some records of an append were already in the log and others were not.
    #[error("append to stream {stream} mixes new records with already appended ids")]
    PartialDuplicate {
        /// The stream.
        stream: String,
    },
    /// The request itself is invalid (empty batch, oversized record, bad stream name).
    #[error("invalid append: {reason}")]
    InvalidAppend {
        /// Why.
        reason: String,
    },
    /// A file operation failed.
    #[error("failed to {op} {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The log files are corrupt before the tail; the log refuses to open.
    #[error("corrupt log file {path} at offset {offset}: {reason}")]
    Corrupt {
        /// The segment file.
        path: PathBuf,
        /// Byte offset of the bad frame.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// Another process holds the log directory.
    #[error("log directory {path} is locked by another process")]
    Locked {
        /// The directory.
        path: PathBuf,
    },
    /// The remote log server failed or could not be reached.
    #[error("event log server failed to {op}: {reason}")]
    Remote {
        /// What was being done.
        op: &'static str,
        /// What went wrong.
        reason: String,
    },
    /// The log was closed.
    #[error("the event log is closed")]
    Closed,
    /// A write or sync of this append failed and was rolled back: nothing of it is stored,
    /// and the log goes on accepting appends. Retrying can succeed.
    #[error("the event log could not make the append durable (nothing was stored): {reason}")]
    Unavailable {
        /// The original failure.
        reason: String,
    },
    /// A write failed and could not be rolled back; the log refuses every append until it
    /// is reopened (which truncates the unsynced tail). Retrying the same call cannot succeed.
    #[error("the event log failed a write it could not roll back and must be reopened: {reason}")]
    Failed {
        /// The original failure.
        reason: String,
    },
}

impl Error {
    /// Whether retrying the same call later can succeed: true for transient conditions (an
    /// I/O error, an unreachable server, a rolled-back write, a log closed for shutdown whose
    /// work another replica can take), false for a bad request and for a log in the
    /// permanent [`Error::Failed`] state.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::Io { .. } | Error::Remote { .. } | Error::Closed | Error::Unavailable { .. }
        )
    }

    /// A message that can go to a client: it names what the client can act on (its own
    /// request, the stream it wrote to) and never server internals such as file paths, OS
    /// errors or server addresses, which go to the server's log instead.
    pub fn public_message(&self) -> String {
        match self {
            Error::WrongExpectedVersion { .. }
            | Error::PartialDuplicate { .. }
            | Error::InvalidAppend { .. } => self.to_string(),
            Error::Closed => "the event log is closed; retry against another replica".into(),
            Error::Failed { .. } | Error::Corrupt { .. } | Error::Locked { .. } => {
                "the event log failed and needs an operator; see the server log".into()
            }
            Error::Io { .. } | Error::Remote { .. } | Error::Unavailable { .. } => {
                "the event log is unavailable; retry later".into()
            }
        }
    }
}

/// Result with the log [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 12, item 4: a failed log that must be reopened is permanent, not "retry later".
    #[test]
    fn transient_and_permanent_failures_are_told_apart() {
        let failed = Error::Failed {
            reason: "disk gone".into(),
        };
        let rolled_back = Error::Unavailable {
            reason: "fsync failed".into(),
        };
        assert!(!failed.is_retryable(), "{failed}");
        assert!(rolled_back.is_retryable(), "{rolled_back}");
        assert!(
            Error::Remote {
                op: "publish",
                reason: "timeout".into()
            }
            .is_retryable()
        );
        assert!(
            !Error::InvalidAppend {
                reason: "no records".into()
            }
            .is_retryable()
        );
    }

    /// Issue 12, item 10: what a client is told never names server files.
    #[test]
    fn public_messages_name_no_server_paths() {
        let io = Error::Io {
            op: "write segment",
            path: "/srv/statecraft/log/segments/00000000000000000001.seg".into(),
            source: std::io::Error::other("No space left on device"),
        };
        let failed = Error::Failed {
            reason: "failed to write /srv/statecraft/log/segments/1.seg".into(),
        };
        let corrupt = Error::Corrupt {
            path: "/srv/statecraft/log/segments/1.seg".into(),
            offset: 7,
            reason: "bad crc".into(),
        };
        for error in [io, failed, corrupt] {
            let message = error.public_message();
            assert!(!message.contains("/srv"), "{message}");
            assert!(!message.contains("No space"), "{message}");
            assert!(
                error.to_string().contains("/srv"),
                "the server log keeps the detail"
            );
        }
        let invalid = Error::InvalidAppend {
            reason: "record of 40 bytes exceeds 32".into(),
        };
        assert!(invalid.public_message().contains("exceeds"));
    }
}
