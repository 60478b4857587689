//! The one error type of the macaroon module.

use crate::base64::Base64Error;
use crate::error::{BufferTooSmall, ErrorCode};
use crate::json::JsonErrorKind;

/// Why a token, a binary macaroon or a JSON macaroon was refused (libmacaroons `doc/format.txt`,
/// go-macaroon's marshalling and base64 rules).
///
/// Every kind maps to the one stable code `malformed` ([`MacaroonError::Malformed`]); the kind
/// itself has a finer code of its own ([`Malformed::reason`]) for logs and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Malformed {
    /// The input is empty.
    Empty,
    /// The first byte is neither `0x02` (V2) nor a lowercase hex digit (V1), nor, for a token,
    /// `{` or `"` (JSON).
    UnknownFormat,
    /// The token is not base64 under [`crate::base64::Base64Policy::ANY`].
    Base64(Base64Error),
    /// The input ends inside a packet, or a section lacks its terminating `EOS`.
    Truncated,
    /// A V2 varint is longer than 10 bytes or its value exceeds `0x7fffffff` (Go's limit).
    VarintTooLarge,
    /// V2 field types within a section are not strictly increasing (Go: "fields out of order").
    FieldsOutOfOrder,
    /// A V2 field type that the section does not allow, or a V1 field name that is unknown or
    /// out of place.
    UnexpectedField,
    /// The header section is not `[location] identifier` (V2), or the V1 packets do not start
    /// with `location` then `identifier`.
    InvalidHeader,
    /// A caveat section without an identifier (V2) or a `vid`/`cl` before any `cid` (V1).
    MissingCaveatId,
    /// A V2 first-party caveat (no `vid`) carries a location (Go: "location not allowed in first
    /// party caveat"). Also refused when encoding a V1 caveat of that shape as V2.
    LocationInFirstPartyCaveat,
    /// The same `vid` or `cl` twice in one V1 caveat.
    RepeatedField,
    /// The signature field is missing or in the wrong place.
    MissingSignature,
    /// The signature is not exactly 32 bytes.
    SignatureLength,
    /// Bytes follow the signature (only [`super::Macaroon::parse_binary_prefix`] allows them).
    TrailingBytes,
    /// A V1 packet header is not four lowercase hex digits, or its length is shorter than a
    /// packet can be.
    V1PacketLength,
    /// A V1 packet has no `name ` prefix or does not end with a newline.
    V1PacketSyntax,
    /// A field is too long for a V1 packet (`0xffff` bytes including the header).
    V1PacketTooLong,
    /// The JSON text is not valid JSON (RFC 8259, duplicate keys included).
    Json(JsonErrorKind),
    /// A JSON member that must be a string (or an array of caveat objects) is not.
    JsonFieldType,
    /// A JSON field is given in more than one encoding, e.g. both `i` and `i64` (Go:
    /// "ambiguous field encoding").
    JsonAmbiguousField,
    /// A required JSON field (identifier, signature) is missing or empty.
    JsonMissingField,
    /// The object has members of both the V1 and the V2 JSON format, or of neither.
    JsonUnknownFormat,
    /// A `*64` field is not base64, or a `*H` / V1 `signature` field is not hex.
    JsonBinaryField,
    /// A `vid` does not have the 72 bytes `nonce[24] ‖ secretbox(key[32])` (go-macaroon
    /// `crypto.go`).
    VidLength,
}

impl Malformed {
    /// A stable `snake_case` code for the kind, finer than the `malformed` error code.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::UnknownFormat => "unknown_format",
            Self::Base64(_) => "base64",
            Self::Truncated => "truncated",
            Self::VarintTooLarge => "varint_too_large",
            Self::FieldsOutOfOrder => "fields_out_of_order",
            Self::UnexpectedField => "unexpected_field",
            Self::InvalidHeader => "invalid_header",
            Self::MissingCaveatId => "missing_caveat_id",
            Self::LocationInFirstPartyCaveat => "location_in_first_party_caveat",
            Self::RepeatedField => "repeated_field",
            Self::MissingSignature => "missing_signature",
            Self::SignatureLength => "signature_length",
            Self::TrailingBytes => "trailing_bytes",
            Self::V1PacketLength => "v1_packet_length",
            Self::V1PacketSyntax => "v1_packet_syntax",
            Self::V1PacketTooLong => "v1_packet_too_long",
            Self::Json(_) => "json",
            Self::JsonFieldType => "json_field_type",
            Self::JsonAmbiguousField => "json_ambiguous_field",
            Self::JsonMissingField => "json_missing_field",
            Self::JsonUnknownFormat => "json_unknown_format",
            Self::JsonBinaryField => "json_binary_field",
            Self::VidLength => "vid_length",
        }
    }
}

/// Everything that can go wrong when decoding, encoding, minting or verifying a macaroon.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MacaroonError {
    /// The input is not a well-formed macaroon. Code `malformed`.
    Malformed(Malformed),
    /// The caller's output or scratch buffer is too small. Code `buffer_too_small`.
    BufferTooSmall,
    /// The HMAC chain does not reproduce the macaroon's (or a discharge's) signature, or a
    /// third-party caveat's `vid` does not open under the chain. Code `signature_mismatch`.
    SignatureMismatch,
    /// The caveat checker rejected a first-party caveat (or, in strict mode, did not know it).
    /// Code `caveat_not_satisfied`.
    CaveatNotSatisfied {
        /// 0 for the root macaroon, `1 + i` for `discharges[i]`.
        macaroon: usize,
        /// Index of the caveat in that macaroon.
        caveat: usize,
    },
    /// No unused discharge has the identifier of a third-party caveat. Code `discharge_missing`.
    DischargeMissing,
    /// A discharge was given but no third-party caveat needed it. Code `discharge_unused`.
    DischargeUnused,
    /// More discharges than [`super::MAX_DISCHARGES`]. Code `too_many_discharges`.
    TooManyDischarges,
    /// Discharges nest deeper than [`super::verify::VerifyPolicy::max_depth`].
    /// Code `discharge_depth_exceeded`.
    DepthExceeded,
    /// The secretbox implementation refused to seal (cannot happen for a 32-byte key; reported
    /// rather than panicking). Code `secretbox_failed`.
    Secretbox,
}

impl core::fmt::Display for Malformed {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Base64(e) => write!(f, "token is not base64: {e}"),
            Self::Json(kind) => write!(f, "JSON macaroon: {}", kind.code()),
            other => f.write_str(other.reason()),
        }
    }
}

impl core::fmt::Display for MacaroonError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Malformed(kind) => write!(f, "malformed macaroon: {kind}"),
            Self::BufferTooSmall => f.write_str("macaroon: the output buffer is too small"),
            Self::SignatureMismatch => f.write_str("macaroon signature does not verify"),
            Self::CaveatNotSatisfied { macaroon, caveat } => write!(
                f,
                "caveat {caveat} of macaroon {macaroon} (0 = root) is not satisfied"
            ),
            Self::DischargeMissing => {
                f.write_str("a third-party caveat has no (unused) discharge macaroon")
            }
            Self::DischargeUnused => f.write_str("a discharge macaroon was not used"),
            Self::TooManyDischarges => f.write_str("more discharge macaroons than supported"),
            Self::DepthExceeded => f.write_str("discharge macaroons nest too deep"),
            Self::Secretbox => f.write_str("secretbox sealing failed"),
        }
    }
}

impl core::error::Error for MacaroonError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Malformed(Malformed::Base64(e)) => Some(e),
            _ => None,
        }
    }
}

impl ErrorCode for MacaroonError {
    fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed",
            Self::BufferTooSmall => "buffer_too_small",
            Self::SignatureMismatch => "signature_mismatch",
            Self::CaveatNotSatisfied { .. } => "caveat_not_satisfied",
            Self::DischargeMissing => "discharge_missing",
            Self::DischargeUnused => "discharge_unused",
            Self::TooManyDischarges => "too_many_discharges",
            Self::DepthExceeded => "discharge_depth_exceeded",
            Self::Secretbox => "secretbox_failed",
        }
    }
}

impl From<Malformed> for MacaroonError {
    fn from(kind: Malformed) -> Self {
        Self::Malformed(kind)
    }
}

impl From<BufferTooSmall> for MacaroonError {
    fn from(_: BufferTooSmall) -> Self {
        Self::BufferTooSmall
    }
}
