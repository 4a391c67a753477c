use thiserror::Error;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// Errors of the extraction service.
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
    /// The document fails the edge validation that ingest applies too (size limit included).
    #[error("invalid {}: {}", .0.field, .0.reason)]
    Invalid(#[from] statecraft_types::ProtocolError),
    /// The coder failed on the text.
    #[error("coder failed: {0}")]
    Coder(String),
    /// The log failed.
    #[error("event log failed: {0}")]
    Log(#[from] statecraft_eventlog::Error),
}

/// Result with the extraction [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        let (code, reason, mut details) = match &error {
            Error::InvalidField { field, reason } => (
                Code::InvalidArgument,
                "INVALID_FIELD",
                ErrorDetails::with_bad_request_violation(*field, reason.clone()),
            ),
            Error::Invalid(invalid) => (
                Code::InvalidArgument,
                "INVALID_FIELD",
                ErrorDetails::with_bad_request_violation(
                    invalid.field.clone(),
                    invalid.reason.clone(),
                ),
            ),
            Error::Coder(_) => (Code::Internal, "CODER_FAILED", ErrorDetails::new()),
            Error::Log(e) if e.is_retryable() => (
                Code::Unavailable,
                "LOG_UNAVAILABLE",
                ErrorDetails::with_retry_info(Some(std::time::Duration::from_secs(1))),
            ),
            Error::Log(_) => (Code::Internal, "LOG_FAILURE", ErrorDetails::new()),
        };
        details.set_error_info(
            reason,
            "extraction.statecraft",
            std::collections::HashMap::new(),
        );
        if code == Code::Internal {
            tracing::error!(%error, "extraction request failed");
        }
        // A log error's detail (file paths, OS errors) stays in the server's log.
        let message = match &error {
            Error::Log(log_error) => format!("event log failed: {}", log_error.public_message()),
            _ => error.to_string(),
        };
        Status::with_error_details(code, message, details)
    }
}
