use thiserror::Error;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// Errors of the query service.
#[derive(Debug, Error)]
pub enum Error {
    /// A field of the request is invalid.
    #[error("invalid {field}: {reason}")]
    InvalidField {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The thing asked for does not exist.
    #[error("{what} {id} not found")]
    NotFound {
        /// "event" or "document".
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// The read model did not reach `min_position` in time.
    #[error("read model is at position {applied}, not yet at {wanted}; retry shortly")]
    NotCaughtUp {
        /// Position applied.
        applied: u64,
        /// Position asked for.
        wanted: u64,
    },
    /// A subscriber did not keep up with its events.
    #[error(
        "subscriber too slow: its buffer stayed full for {waited_secs}s; resume with after_position = {resume_after}"
    )]
    SlowSubscriber {
        /// How long the buffer was full.
        waited_secs: u64,
        /// The position to resume from (the last delivered record).
        resume_after: u64,
    },
    /// A subscription asked to start past the log's head.
    #[error(
        "after_position {after} is past the log head {head}; resume from a position you were given"
    )]
    PastHead {
        /// The position asked for.
        after: u64,
        /// The log head.
        head: u64,
    },
    /// A search could not fill its page within its time budget.
    #[error("the search visited too many events without filling a page; narrow the filter")]
    SearchTooLong,
    /// A task of the service failed.
    #[error("internal error: {0}")]
    Internal(String),
    /// The log failed.
    #[error("event log failed: {0}")]
    Log(#[from] statecraft_eventlog::Error),
}

/// Result with the query [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        let (code, reason, mut details) = match &error {
            Error::InvalidField { field, reason } => (
                Code::InvalidArgument,
                "INVALID_FIELD",
                ErrorDetails::with_bad_request_violation(*field, reason.clone()),
            ),
            Error::NotFound { .. } => (Code::NotFound, "NOT_FOUND", ErrorDetails::new()),
            Error::NotCaughtUp { .. } => (
                Code::Unavailable,
                "NOT_CAUGHT_UP",
                ErrorDetails::with_retry_info(Some(std::time::Duration::from_millis(500))),
            ),
            Error::PastHead { .. } => (Code::OutOfRange, "PAST_HEAD", ErrorDetails::new()),
            Error::SlowSubscriber { .. } => (
                Code::ResourceExhausted,
                "SLOW_SUBSCRIBER",
                ErrorDetails::new(),
            ),
            Error::SearchTooLong => (
                Code::ResourceExhausted,
                "SEARCH_TOO_BROAD",
                ErrorDetails::new(),
            ),
            Error::Internal(_) => (Code::Internal, "INTERNAL", ErrorDetails::new()),
            Error::Log(e) if e.is_retryable() => (
                Code::Unavailable,
                "LOG_UNAVAILABLE",
                ErrorDetails::with_retry_info(Some(std::time::Duration::from_secs(1))),
            ),
            Error::Log(_) => (Code::Internal, "LOG_FAILURE", ErrorDetails::new()),
        };
        details.set_error_info(reason, "query.statecraft", std::collections::HashMap::new());
        if code == Code::Internal {
            tracing::error!(%error, "query failed");
        }
        // A log error's detail (file paths, OS errors) stays in the server's log.
        let message = match &error {
            Error::Log(log_error) => format!("event log failed: {}", log_error.public_message()),
            _ => error.to_string(),
        };
        Status::with_error_details(code, message, details)
    }
}
