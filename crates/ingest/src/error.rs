use statecraft_eventlog::Error as LogError;
use thiserror::Error;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// Errors of the ingest service.
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
    /// The document is larger than the configured limit.
    #[error("document of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The bulk stream holds more documents than allowed.
    #[error("stream holds more than {limit} documents")]
    TooManyDocuments {
        /// The limit.
        limit: usize,
    },
    /// The log refused or failed the append.
    #[error("failed to append document: {0}")]
    Log(#[from] LogError),
}

/// Result with the ingest [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

const DOMAIN: &str = "ingest.statecraft";

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        let message = error.to_string();
        let (code, reason, details) = match &error {
            Error::InvalidField { field, reason } => (
                Code::InvalidArgument,
                "INVALID_FIELD",
                ErrorDetails::with_bad_request_violation(*field, reason.clone()),
            ),
            Error::TooLarge { .. } => (
                Code::ResourceExhausted,
                "DOCUMENT_TOO_LARGE",
                ErrorDetails::with_bad_request_violation("text", message.clone()),
            ),
            Error::TooManyDocuments { .. } => (
                Code::ResourceExhausted,
                "TOO_MANY_DOCUMENTS",
                ErrorDetails::new(),
            ),
            Error::Log(log_error) if log_error.is_retryable() => (
                Code::Unavailable,
                "LOG_UNAVAILABLE",
                ErrorDetails::with_retry_info(Some(std::time::Duration::from_secs(1))),
            ),
            Error::Log(LogError::InvalidAppend { .. }) => {
                (Code::InvalidArgument, "INVALID_RECORD", ErrorDetails::new())
            }
            Error::Log(_) => (Code::Internal, "LOG_FAILURE", ErrorDetails::new()),
        };
        let mut details = details;
        details.set_error_info(reason, DOMAIN, std::collections::HashMap::new());
        if code == Code::Internal {
            tracing::error!(%error, "ingest failed");
        }
        Status::with_error_details(code, message, details)
    }
}
