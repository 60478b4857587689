//! The one error enum of the WS402 module.

use crate::error::{BufferTooSmall, ErrorCode};
use crate::json::{FieldIssue, JsonError};
use crate::x402::VerifyError;

/// Why a WS402 message, schema, session record or prepayment was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Ws402Error {
    /// The text is not valid JSON (RFC 8259, no duplicate keys).
    Json(JsonError),
    /// The message or schema is not a JSON object.
    NotAnObject,
    /// A member is missing, of the wrong JSON type or has an unusable value; the code is the
    /// issue's (`missing_field`, `wrong_type`, `invalid_value`).
    Field(FieldIssue),
    /// `type` names no WS402 message.
    UnknownMessageType,
    /// A session record does not have [`super::SESSION_RECORD_LEN`] bytes.
    RecordLength,
    /// A session record has a version byte this core does not know.
    RecordVersion,
    /// A session record's checksum does not match its contents (corrupted storage).
    RecordChecksum,
    /// A session record is internally inconsistent (consumed above paid, unknown end reason,
    /// times out of order, non-zero reserved bytes).
    RecordInconsistent,
    /// The x402 prepayment failed verification; the code is the x402 one.
    Prepayment(VerifyError),
    /// The verified prepayment is below the amount the schema asks for.
    PrepaymentTooSmall,
    /// The output buffer is too small.
    BufferTooSmall,
    /// The metered session is suspended: bytes, messages, a frame to send or a second suspend
    /// cannot be reported until it resumes.
    SessionSuspended,
    /// The metered session is not suspended: there is nothing to resume and no grace period.
    SessionNotSuspended,
    /// The server secret is not 32 to 64 bytes long.
    InvalidSecret,
    /// A presented resume token is not the token of that session and payer.
    ResumeTokenInvalid,
    /// A sealed session record's tag does not match its contents under this key (a wrong key,
    /// a changed byte or a truncated record).
    RecordTampered,
    /// A sealed record field is out of range (replay key above 80 bytes, payment header above
    /// 4096 bytes).
    RecordFieldTooLong,
    /// A meter event name is none of the meter's events.
    UnknownEvent,
    /// A `bytes_in` or `bytes_out` event came without its byte count.
    EventCountMissing,
    /// The balance cannot pay an HTTP response served under a grant
    /// ([`super::TariffMeter::serve_http`]): it is not served, the session goes on.
    BalanceInsufficient,
    /// The metered session has ended, or reached a limit its timer has not reported yet: an HTTP
    /// response can no longer be charged to it ([`super::TariffMeter::serve_http`]).
    SessionEnded,
    /// Chain proof terms name the payee and token of an x402 offer on the same chain
    /// ([`super::check_payee_apart`]): an x402 settlement would pass as an on-chain prepayment.
    ChainProofPayeeShared,
}

impl From<FieldIssue> for Ws402Error {
    fn from(issue: FieldIssue) -> Self {
        Self::Field(issue)
    }
}

impl From<BufferTooSmall> for Ws402Error {
    fn from(_: BufferTooSmall) -> Self {
        Self::BufferTooSmall
    }
}

impl From<JsonError> for Ws402Error {
    fn from(e: JsonError) -> Self {
        Self::Json(e)
    }
}

impl core::fmt::Display for Ws402Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Json(e) => write!(f, "WS402 message is not valid JSON: {e}"),
            Self::NotAnObject => f.write_str("WS402 message is not a JSON object"),
            Self::Field(issue) => write!(f, "WS402 message member {issue}"),
            Self::UnknownMessageType => f.write_str("WS402 message `type` is unknown"),
            Self::RecordLength => f.write_str("WS402 session record has the wrong length"),
            Self::RecordVersion => f.write_str("WS402 session record version is not supported"),
            Self::RecordChecksum => f.write_str("WS402 session record checksum mismatch"),
            Self::RecordInconsistent => f.write_str("WS402 session record is inconsistent"),
            Self::Prepayment(e) => write!(f, "WS402 prepayment rejected: {e}"),
            Self::PrepaymentTooSmall => {
                f.write_str("WS402 prepayment is below the price the schema asks for")
            }
            Self::BufferTooSmall => f.write_str("the output buffer is too small"),
            Self::SessionSuspended => f.write_str("WS402 session is suspended"),
            Self::SessionNotSuspended => f.write_str("WS402 session is not suspended"),
            Self::InvalidSecret => f.write_str("the WS402 server secret must be 32 to 64 bytes"),
            Self::ResumeTokenInvalid => f.write_str("WS402 resume token is not valid"),
            Self::RecordTampered => {
                f.write_str("WS402 sealed session record does not match its tag")
            }
            Self::RecordFieldTooLong => f.write_str("WS402 session record field is too long"),
            Self::UnknownEvent => f.write_str("WS402 meter event name is unknown"),
            Self::EventCountMissing => {
                f.write_str("WS402 meter event bytes_in or bytes_out needs its byte count")
            }
            Self::BalanceInsufficient => {
                f.write_str("the WS402 session's balance cannot pay this response")
            }
            Self::SessionEnded => f.write_str("WS402 session has ended"),
            Self::ChainProofPayeeShared => f.write_str(
                "WS402 chain proofs pay the payee of an x402 offer in its token on its chain: give them a payee of their own",
            ),
        }
    }
}

impl core::error::Error for Ws402Error {}

impl ErrorCode for Ws402Error {
    fn code(&self) -> &'static str {
        match self {
            Self::Json(_) => "invalid_json",
            Self::NotAnObject => "not_an_object",
            Self::Field(issue) => issue.code(),
            Self::UnknownMessageType => "unknown_message_type",
            Self::RecordLength => "invalid_record_length",
            Self::RecordVersion => "unsupported_record_version",
            Self::RecordChecksum => "record_checksum_mismatch",
            Self::RecordInconsistent => "inconsistent_record",
            Self::Prepayment(e) => e.code(),
            Self::PrepaymentTooSmall => "prepayment_too_small",
            Self::BufferTooSmall => "buffer_too_small",
            Self::SessionSuspended => "session_suspended",
            Self::SessionNotSuspended => "session_not_suspended",
            Self::InvalidSecret => "invalid_server_secret",
            Self::ResumeTokenInvalid => "resume_token_invalid",
            Self::RecordTampered => "record_tampered",
            Self::RecordFieldTooLong => "record_field_too_long",
            Self::UnknownEvent => "unknown_event",
            Self::EventCountMissing => "event_count_required",
            Self::BalanceInsufficient => "balance_insufficient",
            Self::SessionEnded => "session_ended",
            Self::ChainProofPayeeShared => "chain_proof_payee_shared",
        }
    }

    fn detail_code(&self) -> Option<&'static str> {
        match self {
            Self::Field(issue) => issue.detail_code(),
            _ => None,
        }
    }
}
