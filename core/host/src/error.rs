//! One owned error for the bindings: the core's stable code, its detail code and a message.

use pay402::ErrorCode;

/// An error a binding maps onto its own exception type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostError {
    /// The stable `snake_case` code (the core's, or one of this crate's configuration codes).
    pub code: &'static str,
    /// The precise cause underneath, when there is one.
    pub detail_code: Option<&'static str>,
    /// A human-readable message (never contains secrets).
    pub message: String,
}

impl HostError {
    /// The error of a core operation.
    pub fn of<E: ErrorCode + core::fmt::Display>(error: &E) -> Self {
        Self {
            code: error.code(),
            detail_code: error.detail_code(),
            message: error.to_string(),
        }
    }

    /// A configuration error of this crate.
    pub fn config(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            detail_code: None,
            message: message.into(),
        }
    }
}

impl core::fmt::Display for HostError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl core::error::Error for HostError {}
