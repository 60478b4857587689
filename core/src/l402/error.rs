//! The one error type of the L402 module.

use crate::bolt11::{Bolt11Error, InvoiceCheckError};
use crate::error::{BufferTooSmall, ErrorCode};
use crate::http_auth::AuthError;
use crate::macaroon::MacaroonError;

/// Why an `Authorization` value (or a `Grpc-Metadata-Macaroon` / `Macaroon` value) is not an L402
/// credential (L402 protocol specification). Every kind has the one code `invalid_credential`; the
/// kind has a finer [`CredentialFault::reason`] for logs and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialFault {
    /// No value with the scheme `L402` or `LSAT` was given.
    NoCredential,
    /// The value is not `auth-scheme 1*SP rest` (RFC 9110 §11.4), or holds a control character.
    Syntax(AuthError),
    /// The scheme is neither `L402` nor `LSAT`.
    Scheme,
    /// There is no `:` between the macaroons and the preimage.
    MissingSeparator,
    /// A macaroon in the comma-separated list is empty.
    EmptyMacaroon,
    /// A character outside the base64 alphabets (`A–Z a–z 0–9 + / - _ =`) in the macaroons.
    MacaroonCharacter,
    /// More macaroons than [`super::MAX_CREDENTIAL_MACAROONS`].
    TooManyMacaroons,
    /// The preimage is not exactly 64 hex digits.
    PreimageHex,
    /// A macaroon is not base64 (standard or URL-safe, padded or not, never mixed) of a valid
    /// binary macaroon.
    Macaroon(MacaroonError),
    /// A `Grpc-Metadata-Macaroon` / `Macaroon` value is not hex.
    MacaroonHex,
    /// A hex macaroon carries no `preimage=` caveat.
    MissingPreimageCaveat,
    /// `LSAT` and `L402` values were both sent and differ.
    SchemesDisagree,
}

impl CredentialFault {
    /// A stable `snake_case` code for the kind, finer than `invalid_credential`.
    pub fn reason(self) -> &'static str {
        match self {
            Self::NoCredential => "no_credential",
            Self::Syntax(_) => "syntax",
            Self::Scheme => "scheme",
            Self::MissingSeparator => "missing_separator",
            Self::EmptyMacaroon => "empty_macaroon",
            Self::MacaroonCharacter => "macaroon_character",
            Self::TooManyMacaroons => "too_many_macaroons",
            Self::PreimageHex => "preimage_hex",
            Self::Macaroon(_) => "macaroon",
            Self::MacaroonHex => "macaroon_hex",
            Self::MissingPreimageCaveat => "missing_preimage_caveat",
            Self::SchemesDisagree => "schemes_disagree",
        }
    }
}

impl core::fmt::Display for CredentialFault {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Syntax(e) => write!(f, "{e}"),
            Self::Macaroon(e) => write!(f, "{e}"),
            other => f.write_str(other.reason()),
        }
    }
}

/// Everything that can go wrong parsing, writing, minting or verifying L402 values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum L402Error {
    /// A `WWW-Authenticate` value is not an RFC 9110 challenge list. Code: the inner
    /// [`AuthError`]'s (e.g. `auth_unterminated_quoted_string`).
    Challenge(AuthError),
    /// An `L402`/`LSAT` challenge without `macaroon=` (or `token=`). Code `missing_macaroon`.
    MissingMacaroon,
    /// An `L402`/`LSAT` challenge without `invoice=`. Code `missing_invoice`.
    MissingInvoice,
    /// A challenge's `macaroon`/`invoice` value uses quoted-pair escapes, which no base64 text
    /// or BOLT11 invoice needs, or a value to be written contains `"`, `\` or a control
    /// character. Code `invalid_challenge_param`.
    ChallengeParam,
    /// No `L402` or `LSAT` challenge among the values. Code `no_l402_challenge`.
    NoChallenge,
    /// The credential is malformed (L402 protocol specification). Code `invalid_credential`.
    InvalidCredential(CredentialFault),
    /// The macaroon identifier's version is not 0 (aperture `l402/identifier.go`). Code
    /// `unknown_identifier_version`.
    UnknownIdentifierVersion {
        /// The version read from the first two bytes.
        version: u16,
    },
    /// The identifier is not exactly 66 bytes (aperture `l402/identifier.go`; aperture ignores
    /// trailing bytes, pay402 does not). Code `unknown_identifier_version`, as for a wrong
    /// version.
    IdentifierLength {
        /// The length given.
        len: usize,
    },
    /// `sha256(preimage)` is not the identifier's payment hash. Code `invalid_preimage`.
    InvalidPreimage,
    /// The root-key lookup knows no key for `sha256(identifier)` (revoked or never minted).
    /// Code `unknown_root_key`.
    UnknownRootKey,
    /// The macaroon's HMAC chain does not verify under the root key, or a third-party caveat
    /// has no discharge (aperture verifies without discharges). Code `signature_mismatch`.
    SignatureMismatch,
    /// The `services` caveat does not name the target service, or its value is malformed.
    /// Code `service_not_allowed`.
    ServiceNotAllowed,
    /// The `<service>_capabilities` caveat does not list the target capability. Code
    /// `capability_not_allowed`.
    CapabilityNotAllowed,
    /// `now` is not before the `<service>_valid_until` time, or that value is not a decimal
    /// integer. Code `token_expired`.
    TokenExpired,
    /// A later caveat of a condition grants more than an earlier one (a new service or capability,
    /// a later `valid_until`): attenuation may only narrow (aperture `l402/satisfier.go`). Code
    /// `caveat_widened`.
    CaveatWidened,
    /// A caller-defined satisfier refused a caveat. Code `caveat_not_satisfied`.
    CaveatNotSatisfied,
    /// A macaroon could not be decoded or built (client side and minting). Code: the inner
    /// [`MacaroonError`]'s.
    Macaroon(MacaroonError),
    /// The challenge's invoice is not a valid BOLT11 invoice. Code: the inner [`Bolt11Error`]'s.
    Invoice(Bolt11Error),
    /// The invoice fails the client's checks (aperture's client checks,
    /// `l402/client_interceptor.go`). Code: the inner [`InvoiceCheckError`]'s.
    InvoiceCheck(InvoiceCheckError),
    /// The caller's output or scratch buffer is too small. Code `buffer_too_small`.
    BufferTooSmall,
}

impl core::fmt::Display for L402Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Challenge(e) => write!(f, "L402 challenge: {e}"),
            Self::MissingMacaroon => f.write_str("L402 challenge has no macaroon= (or token=)"),
            Self::MissingInvoice => f.write_str("L402 challenge has no invoice="),
            Self::ChallengeParam => {
                f.write_str("L402 challenge parameter contains '\"', '\\' or a control character")
            }
            Self::NoChallenge => f.write_str("no L402 or LSAT challenge"),
            Self::InvalidCredential(fault) => write!(f, "invalid L402 credential: {fault}"),
            Self::UnknownIdentifierVersion { version } => {
                write!(
                    f,
                    "L402 identifier version {version} is unknown (only 0 is)"
                )
            }
            Self::IdentifierLength { len } => {
                write!(f, "L402 identifier has {len} bytes, not 66")
            }
            Self::InvalidPreimage => {
                f.write_str("sha256(preimage) differs from the identifier's payment hash")
            }
            Self::UnknownRootKey => f.write_str("no root key for this L402 identifier"),
            Self::SignatureMismatch => f.write_str("L402 macaroon signature does not verify"),
            Self::ServiceNotAllowed => f.write_str("the token does not allow the target service"),
            Self::CapabilityNotAllowed => {
                f.write_str("the token does not allow the target capability")
            }
            Self::TokenExpired => f.write_str("the token's valid_until time has passed"),
            Self::CaveatWidened => {
                f.write_str("a later caveat grants more than an earlier one of its condition")
            }
            Self::CaveatNotSatisfied => f.write_str("a caller-defined satisfier refused a caveat"),
            Self::Macaroon(e) => write!(f, "L402 macaroon: {e}"),
            Self::Invoice(e) => write!(f, "L402 invoice: {e}"),
            Self::InvoiceCheck(e) => write!(f, "L402 invoice check: {e}"),
            Self::BufferTooSmall => f.write_str("L402: the output buffer is too small"),
        }
    }
}

impl core::error::Error for L402Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Challenge(e) | Self::InvalidCredential(CredentialFault::Syntax(e)) => Some(e),
            Self::Macaroon(e) | Self::InvalidCredential(CredentialFault::Macaroon(e)) => Some(e),
            Self::Invoice(e) => Some(e),
            Self::InvoiceCheck(e) => Some(e),
            _ => None,
        }
    }
}

impl ErrorCode for L402Error {
    fn code(&self) -> &'static str {
        match self {
            Self::Challenge(e) => e.code(),
            Self::MissingMacaroon => "missing_macaroon",
            Self::MissingInvoice => "missing_invoice",
            Self::ChallengeParam => "invalid_challenge_param",
            Self::NoChallenge => "no_l402_challenge",
            Self::InvalidCredential(_) => "invalid_credential",
            Self::UnknownIdentifierVersion { .. } | Self::IdentifierLength { .. } => {
                "unknown_identifier_version"
            }
            Self::InvalidPreimage => "invalid_preimage",
            Self::UnknownRootKey => "unknown_root_key",
            Self::SignatureMismatch => "signature_mismatch",
            Self::ServiceNotAllowed => "service_not_allowed",
            Self::CapabilityNotAllowed => "capability_not_allowed",
            Self::TokenExpired => "token_expired",
            Self::CaveatWidened => "caveat_widened",
            Self::CaveatNotSatisfied => "caveat_not_satisfied",
            Self::Macaroon(e) => e.code(),
            Self::Invoice(e) => e.code(),
            Self::InvoiceCheck(e) => e.code(),
            Self::BufferTooSmall => "buffer_too_small",
        }
    }
}

impl From<BufferTooSmall> for L402Error {
    fn from(_: BufferTooSmall) -> Self {
        Self::BufferTooSmall
    }
}

impl From<CredentialFault> for L402Error {
    fn from(fault: CredentialFault) -> Self {
        Self::InvalidCredential(fault)
    }
}
