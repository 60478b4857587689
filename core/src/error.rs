//! The convention every error type of the core follows.
//!
//! Each module has one error enum. Every variant has a stable `snake_case` [`ErrorCode::code`]
//! that bindings map to an exception or error class, and a [`core::fmt::Display`] text that
//! says what was wrong and where. Codes never change once released; texts may improve.

/// A typed error with a stable machine-readable code.
pub trait ErrorCode: core::fmt::Debug + core::fmt::Display {
    /// The stable `snake_case` identifier of this error, e.g. `"invalid_payload"`.
    fn code(&self) -> &'static str;

    /// The stable code of the precise cause underneath, when the error nests one: e.g.
    /// `invalid_exact_evm_signature` has `signature_wrong_signer`, `invalid_payload` has the
    /// decoder's `u256_invalid_digit`. Bindings report it as is (`None` by default).
    fn detail_code(&self) -> Option<&'static str> {
        None
    }
}

/// The caller's output buffer cannot hold the encoded value.
///
/// Encoders that return this error leave nothing half-written: the bytes they had written are
/// zeroed again (see [`crate::writer::write_all`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BufferTooSmall;

impl core::fmt::Display for BufferTooSmall {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("the output buffer is too small for the encoded value")
    }
}

impl core::error::Error for BufferTooSmall {}

impl ErrorCode for BufferTooSmall {
    fn code(&self) -> &'static str {
        "buffer_too_small"
    }
}
