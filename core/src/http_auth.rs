//! HTTP authentication framework (RFC 9110 §11): challenges and credentials.
//!
//! Parses `WWW-Authenticate` / `Proxy-Authenticate` challenge lists ([`challenges`]) and
//! `Authorization` / `Proxy-Authorization` credentials ([`credentials`]), and writes challenges
//! ([`write_challenge`]). Parsing borrows from the field value, never allocates and never
//! recurses; the L402, WS402 and `PayPer402` modules build on it (RFC 9110 §11.6.1).
//!
//! The grammar (RFC 9110 §11.3, §11.4, §5.6):
//! ```text
//! challenge   = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//! credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//! auth-param  = token BWS "=" BWS ( token / quoted-string )
//! token68     = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
//! ```
//! How the ambiguities of that grammar are resolved is documented on [`challenges`].
//!
//! ```
//! use pay402::http_auth::challenges;
//!
//! // aperture's two challenge lines, folded by the HTTP stack (aperture `FreshChallengeHeader`; RFC 9110 §5.3).
//! let value = r#"LSAT macaroon="AgEEbHNhdA==", invoice="lnbc1", L402 macaroon="AgEEbHNhdA==", invoice="lnbc1""#;
//! let l402 = challenges(value)
//!     .filter_map(Result::ok)
//!     .find(|c| c.scheme_is("L402"))
//!     .unwrap();
//! assert_eq!(l402.params.get("macaroon").and_then(|v| v.as_plain()), Some("AgEEbHNhdA=="));
//! ```

mod challenge;
mod credentials;
mod grammar;
mod params;
mod write;

#[cfg(test)]
mod tests;

pub use challenge::{Challenge, Challenges, challenges};
pub use credentials::{Credentials, credentials};
pub use params::{AuthParam, AuthParams, AuthParamsIter, ParamValue};
pub use write::write_challenge;

use crate::error::{BufferTooSmall, ErrorCode};

/// Why a challenge list or credential could not be parsed, or a challenge not written.
///
/// Offsets are byte offsets into the field value (for [`write_challenge`], into the challenge
/// as it would have been written).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthError {
    /// The field value holds no challenge or credential at all.
    Empty,
    /// No valid auth-scheme token where one must start (e.g. a bare `=`, or `realm="x"` where
    /// a challenge should begin).
    InvalidScheme {
        /// Byte offset where the scheme should start.
        offset: usize,
    },
    /// An auth-param without a name, without `=`, or without a value.
    InvalidParam {
        /// Byte offset of the problem.
        offset: usize,
    },
    /// A quoted-string whose closing `"` is missing.
    UnterminatedQuotedString {
        /// Byte offset of the opening `"`.
        offset: usize,
    },
    /// A byte not allowed at this position: a control character, or something other than a
    /// comma after an element.
    InvalidCharacter {
        /// Byte offset of the character.
        offset: usize,
    },
    /// A parameter name that already occurred in the same challenge (ASCII
    /// case-insensitively).
    DuplicateParam {
        /// Byte offset of the repeated parameter.
        offset: usize,
    },
    /// The output buffer cannot hold the challenge ([`write_challenge`] only).
    BufferTooSmall,
}

impl core::fmt::Display for AuthError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Empty => f.write_str("auth: empty field value, no challenge or credentials"),
            Self::InvalidScheme { offset } => {
                write!(f, "auth: expected an auth-scheme token at byte {offset}")
            }
            Self::InvalidParam { offset } => {
                write!(
                    f,
                    "auth: malformed auth-param (name \"=\" value) at byte {offset}"
                )
            }
            Self::UnterminatedQuotedString { offset } => {
                write!(
                    f,
                    "auth: quoted-string opened at byte {offset} is not closed"
                )
            }
            Self::InvalidCharacter { offset } => {
                write!(f, "auth: character not allowed here at byte {offset}")
            }
            Self::DuplicateParam { offset } => {
                write!(f, "auth: duplicate auth-param name at byte {offset}")
            }
            Self::BufferTooSmall => {
                f.write_str("auth: the output buffer is too small for the challenge")
            }
        }
    }
}

impl core::error::Error for AuthError {}

impl ErrorCode for AuthError {
    fn code(&self) -> &'static str {
        match self {
            Self::Empty => "auth_empty",
            Self::InvalidScheme { .. } => "auth_invalid_scheme",
            Self::InvalidParam { .. } => "auth_invalid_param",
            Self::UnterminatedQuotedString { .. } => "auth_unterminated_quoted_string",
            Self::InvalidCharacter { .. } => "auth_invalid_character",
            Self::DuplicateParam { .. } => "auth_duplicate_param",
            Self::BufferTooSmall => "buffer_too_small",
        }
    }
}

impl From<BufferTooSmall> for AuthError {
    fn from(_: BufferTooSmall) -> Self {
        Self::BufferTooSmall
    }
}
