//! The one error enum of the dialects module.

use crate::error::{BufferTooSmall, ErrorCode};
use crate::http_auth::AuthError;
use crate::json::{FieldIssue, JsonError};

/// Why a sandbox body, a `PayPer402` challenge, an amount or a single-use proof was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DialectError {
    /// The text is not valid JSON.
    Json(JsonError),
    /// The body is not a JSON object.
    NotAnObject,
    /// A member is missing, of the wrong JSON type or has an unusable value; the code is the
    /// issue's (`missing_field`, `wrong_type`, `invalid_value`).
    Field(FieldIssue),
    /// The `WWW-Authenticate` value does not parse (RFC 9110).
    Challenge(AuthError),
    /// No `Bearer` challenge with an `amount` parameter.
    NoPaymentChallenge,
    /// A decimal amount is malformed (sign, exponent, empty part) or exceeds 2²⁵⁶ − 1.
    InvalidAmount,
    /// A decimal amount has non-zero digits below the asset's smallest unit.
    SubUnitAmount,
    /// The sandbox `X-PAYMENT` token is neither `mock-sig:` nor `devnet-sig:` with a body.
    InvalidToken,
    /// The proof identifier was already accepted once.
    ProofAlreadyUsed,
    /// The single-use store failed; the proof is refused (fail closed).
    StoreUnavailable,
    /// The output buffer is too small.
    BufferTooSmall,
}

impl From<FieldIssue> for DialectError {
    fn from(issue: FieldIssue) -> Self {
        Self::Field(issue)
    }
}

impl From<BufferTooSmall> for DialectError {
    fn from(_: BufferTooSmall) -> Self {
        Self::BufferTooSmall
    }
}

impl From<JsonError> for DialectError {
    fn from(e: JsonError) -> Self {
        Self::Json(e)
    }
}

impl core::fmt::Display for DialectError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Json(e) => write!(f, "body is not valid JSON: {e}"),
            Self::NotAnObject => f.write_str("body is not a JSON object"),
            Self::Field(issue) => write!(f, "body member {issue}"),
            Self::Challenge(e) => write!(f, "WWW-Authenticate does not parse: {e}"),
            Self::NoPaymentChallenge => f.write_str("no Bearer challenge with an amount parameter"),
            Self::InvalidAmount => f.write_str("decimal amount is malformed or too large"),
            Self::SubUnitAmount => f.write_str("decimal amount has digits below the smallest unit"),
            Self::InvalidToken => f.write_str("sandbox payment token is malformed"),
            Self::ProofAlreadyUsed => f.write_str("the payment proof was already used"),
            Self::StoreUnavailable => f.write_str("the single-use proof store failed"),
            Self::BufferTooSmall => f.write_str("the output buffer is too small"),
        }
    }
}

impl core::error::Error for DialectError {}

impl ErrorCode for DialectError {
    fn code(&self) -> &'static str {
        match self {
            Self::Json(_) => "invalid_json",
            Self::NotAnObject => "not_an_object",
            Self::Field(issue) => issue.code(),
            Self::Challenge(_) => "invalid_challenge",
            Self::NoPaymentChallenge => "no_payment_challenge",
            Self::InvalidAmount => "invalid_amount",
            Self::SubUnitAmount => "sub_unit_amount",
            Self::InvalidToken => "invalid_token",
            Self::ProofAlreadyUsed => "proof_already_used",
            Self::StoreUnavailable => "proof_store_unavailable",
            Self::BufferTooSmall => "buffer_too_small",
        }
    }

    fn detail_code(&self) -> Option<&'static str> {
        match self {
            Self::Field(issue) => issue.detail_code(),
            _ => None,
        }
    }
}
