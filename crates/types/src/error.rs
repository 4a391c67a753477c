use thiserror::Error;

/// A wire message that does not describe a valid domain value.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("invalid field `{field}`: {reason}")]
pub struct ProtocolError {
    /// Dotted path of the offending field ("event.source.kind").
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
}

impl ProtocolError {
    /// Builds an error for `field`.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Result with [`ProtocolError`] as the default error.
pub type Result<T, E = ProtocolError> = std::result::Result<T, E>;
