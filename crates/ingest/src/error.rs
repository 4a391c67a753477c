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
    /// The document fails the edge validation (size limit included).
    #[error("invalid {}: {}", .0.field, .0.reason)]
    Invalid(#[from] statecraft_types::ProtocolError),
    /// The log refused or failed the append.
    #[error("failed to append document: {0}")]
    Log(#[from] LogError),
}

/// The canonical name of a gRPC code ("INVALID_ARGUMENT"), as gRPC's documentation and every
/// client library spell it.
pub(crate) fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// Result with the ingest [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

const DOMAIN: &str = "ingest.statecraft";

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        let (code, reason, details) = match &error {
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
        // Log errors carry server file paths and OS errors: those go to the server's log,
        // the client gets a plain message.
        let message = match &error {
            Error::Log(log_error) => {
                if code == Code::Internal {
                    tracing::error!(%error, "ingest failed");
                } else {
                    tracing::warn!(%error, "ingest append refused");
                }
                format!("failed to append document: {}", log_error.public_message())
            }
            _ => error.to_string(),
        };
        let mut details = details;
        details.set_error_info(reason, DOMAIN, std::collections::HashMap::new());
        Status::with_error_details(code, message, details)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 12, items 4 and 10: a permanent log failure is not answered "unavailable,
    /// retry", and no answer names the server's files.
    #[test]
    fn code_names_are_canonical() {
        assert_eq!(code_name(Code::InvalidArgument), "INVALID_ARGUMENT");
        assert_eq!(code_name(Code::Unavailable), "UNAVAILABLE");
        let oversized = Status::from(Error::Invalid(statecraft_types::ProtocolError::new(
            "text",
            "document of 9 bytes exceeds the limit of 8 bytes",
        )));
        assert_eq!(oversized.code(), Code::InvalidArgument);
        assert!(oversized.message().contains("limit of 8 bytes"));
    }

    #[test]
    fn log_failures_map_to_plain_messages_and_honest_codes() {
        let path = "/var/lib/statecraft/log/segments/00000000000000000001.seg";
        let transient = Status::from(Error::Log(LogError::Io {
            op: "write segment",
            path: path.into(),
            source: std::io::Error::other("Input/output error"),
        }));
        assert_eq!(transient.code(), Code::Unavailable);
        assert!(
            !transient.message().contains("/var/lib"),
            "{}",
            transient.message()
        );
        assert!(transient.message().contains("retry"));

        let permanent = Status::from(Error::Log(LogError::Failed {
            reason: format!("failed to write {path}: Input/output error"),
        }));
        assert_eq!(permanent.code(), Code::Internal);
        assert!(
            !permanent.message().contains("/var/lib"),
            "{}",
            permanent.message()
        );
        let details = permanent.get_error_details();
        assert!(
            details.retry_info().is_none(),
            "a permanent failure says no retry"
        );
        assert_eq!(details.error_info().unwrap().reason, "LOG_FAILURE");

        let rolled_back = Status::from(Error::Log(LogError::Unavailable {
            reason: format!("failed to write {path}: fsync"),
        }));
        assert_eq!(rolled_back.code(), Code::Unavailable);
        assert!(!rolled_back.message().contains("/var/lib"));
    }
}
