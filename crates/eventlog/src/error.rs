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
    /// An earlier write or sync failed; the log must be reopened to recover.
    #[error("the event log failed an earlier write and must be reopened: {reason}")]
    Failed {
        /// The original failure.
        reason: String,
    },
}

impl Error {
    /// Whether retrying the same call later can succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::Io { .. } | Error::Remote { .. } | Error::Closed | Error::Failed { .. }
        )
    }
}

/// Result with the log [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
