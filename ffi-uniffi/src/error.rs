//! The one error type every export throws: `Pay402Error` in Rust and Swift, the sealed class
//! `Pay402Exception` in Kotlin (uniffi turns the `…Error` suffix into `…Exception`).
//!
//! Each variant names the core module the failure comes from and carries the core's stable
//! snake-case `code` (`ErrorCode::code`, the codes in `tests/conformance/vectors`) and its `Display`
//! text as `reason`. The field is not called `message`: Kotlin's `Throwable.message` would
//! clash with it, so uniffi's generated `message` reads `code=…, reason=…`.

use core::fmt;
use pay402::ErrorCode;

/// A failure of a pay402 call: the core module it comes from, its stable code and a readable
/// reason.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Error)]
pub enum Pay402Error {
    /// An argument the binding could not convert before calling the core: malformed hex, an
    /// EVM address, a decimal amount, a key or nonce of the wrong length. Codes:
    /// `invalid_argument`, or the core's code of the failed conversion (`invalid_address`, …).
    InvalidArgument {
        /// Stable snake-case code.
        code: String,
        /// What was wrong, and which argument.
        reason: String,
    },
    /// x402 decoding and verification (`x402::DecodeError`, `x402::VerifyError`): the
    /// facilitator's `invalidReason` strings, e.g. `invalid_exact_evm_signature`.
    X402 {
        /// Stable snake-case code.
        code: String,
        /// The core's message.
        reason: String,
        /// The code of the nested cause (`ErrorCode::detail_code`), e.g.
        /// `signature_wrong_signer` under `invalid_exact_evm_signature`, or the decoder's code
        /// under `invalid_payload`.
        detail_code: Option<String>,
    },
    /// The paying side of x402 (`x402::client::ClientError`): `no_acceptable_requirements`,
    /// `amount_exceeds_budget`, `signature_wrong_signer`, …
    Client {
        /// Stable snake-case code.
        code: String,
        /// The core's message.
        reason: String,
    },
    /// A client budget's refusal (`per_request_budget_exceeded`, `total_budget_exceeded`,
    /// `window_budget_exceeded`, `budget_asset_not_listed`) or configuration error
    /// (`invalid_budget_asset`, `duplicate_budget_asset`, …): nothing was signed or sent.
    Budget {
        /// Stable snake-case code.
        code: String,
        /// The core's message.
        reason: String,
        /// The amount asked (decimal), for the three limits.
        amount: Option<String>,
        /// What the refusing limit still allows (decimal), for the three limits.
        remaining: Option<String>,
    },
    /// EVM keys, addresses and signatures: `signature_length`, `signature_v`,
    /// `signature_high_s`, `signature_invalid`, `invalid_private_key`, …
    Evm {
        /// Stable snake-case code.
        code: String,
        /// The core's message.
        reason: String,
    },
    /// The paying side of Solana (`svm::BuildError`): `unsupported_token_program`,
    /// `payer_is_fee_payer`, `memo_too_long`, `no_associated_token_account`. (A Solana payment
    /// that fails verification is an `X402` error, as an EVM one.)
    Svm {
        /// Stable snake-case code.
        code: String,
        /// The core's message.
        reason: String,
    },
    /// Macaroons: `malformed`, `signature_mismatch`, `caveat_not_satisfied`, …
    Macaroon {
        /// Stable snake-case code.
        code: String,
        /// The core's message.
        reason: String,
    },
    /// L402 challenges, credentials and verification: `invalid_credential`,
    /// `invalid_preimage`, `token_expired`, …
    L402 {
        /// Stable snake-case code.
        code: String,
        /// The core's message.
        reason: String,
    },
    /// BOLT11 invoices: `bolt11_bad_checksum`, `bolt11_missing_payment_secret`, …
    Bolt11 {
        /// Stable snake-case code.
        code: String,
        /// The core's message.
        reason: String,
    },
    /// Fewsats L402 offers: `missing_field`, `no_offers`, …
    Offers {
        /// Stable snake-case code.
        code: String,
        /// The core's message.
        reason: String,
    },
    /// WS402 metering and session records.
    Ws402 {
        /// Stable snake-case code.
        code: String,
        /// The core's message.
        reason: String,
    },
    /// Payments proven by an on-chain transaction (`onchain::ProofError`):
    /// `transaction_not_found` and `transaction_not_final` (worth retrying), `amount_too_low`,
    /// `wrong_payee`, `invalid_rpc_result`, …
    Onchain {
        /// Stable snake-case code.
        code: String,
        /// The core's message.
        reason: String,
        /// The malformed field's or the JSON error's code under `invalid_rpc_result`.
        detail_code: Option<String>,
    },
}

impl Pay402Error {
    /// The stable snake-case code of any variant.
    pub fn code(&self) -> &str {
        match self {
            Self::InvalidArgument { code, .. }
            | Self::X402 { code, .. }
            | Self::Client { code, .. }
            | Self::Budget { code, .. }
            | Self::Evm { code, .. }
            | Self::Svm { code, .. }
            | Self::Macaroon { code, .. }
            | Self::L402 { code, .. }
            | Self::Bolt11 { code, .. }
            | Self::Offers { code, .. }
            | Self::Ws402 { code, .. }
            | Self::Onchain { code, .. } => code,
        }
    }

    /// The readable reason of any variant.
    pub fn reason(&self) -> &str {
        match self {
            Self::InvalidArgument { reason, .. }
            | Self::X402 { reason, .. }
            | Self::Client { reason, .. }
            | Self::Budget { reason, .. }
            | Self::Evm { reason, .. }
            | Self::Svm { reason, .. }
            | Self::Macaroon { reason, .. }
            | Self::L402 { reason, .. }
            | Self::Bolt11 { reason, .. }
            | Self::Offers { reason, .. }
            | Self::Ws402 { reason, .. }
            | Self::Onchain { reason, .. } => reason,
        }
    }

    /// An argument error with the generic `invalid_argument` code.
    pub(crate) fn argument(reason: impl Into<String>) -> Self {
        Self::InvalidArgument {
            code: "invalid_argument".to_owned(),
            reason: reason.into(),
        }
    }

    /// An argument error carrying the code of the core's failed conversion, prefixed with the
    /// argument's name.
    pub(crate) fn argument_from(name: &str, error: &impl ErrorCode) -> Self {
        Self::InvalidArgument {
            code: error.code().to_owned(),
            reason: format!("{name}: {error}"),
        }
    }
}

impl fmt::Display for Pay402Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.reason())
    }
}

impl core::error::Error for Pay402Error {}

/// A foreign callback threw something other than a `Pay402Error` (Kotlin: any exception but a
/// `Pay402Exception`). The callers treat every callback error alike, failing closed
/// ([`crate::l402_server::L402Revocations`]: revoked).
impl From<uniffi::UnexpectedUniFFICallbackError> for Pay402Error {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::InvalidArgument {
            code: "callback_failed".to_owned(),
            reason: e.reason,
        }
    }
}

/// `From<core error>` for each core error type, into the variant of its module.
macro_rules! from_core {
    ($($variant:ident <= $($ty:ty),+;)+) => {$($(
        impl From<$ty> for Pay402Error {
            fn from(error: $ty) -> Self {
                Self::$variant { code: error.code().to_owned(), reason: error.to_string() }
            }
        }
    )+)+};
}

macro_rules! from_x402 {
    ($($ty:ty),+) => {$(
        impl From<$ty> for Pay402Error {
            fn from(error: $ty) -> Self {
                Self::X402 {
                    code: error.code().to_owned(),
                    reason: error.to_string(),
                    detail_code: error.detail_code().map(str::to_owned),
                }
            }
        }
    )+};
}

from_x402!(
    pay402::x402::DecodeError,
    pay402::x402::VerifyError,
    pay402::BufferTooSmall
);

from_core! {
    Client <= pay402::x402::client::ClientError;
    Evm <= pay402::evm::SignatureError, pay402::evm::KeyError, pay402::evm::AddressError;
    Svm <= pay402::svm::BuildError;
    Macaroon <= pay402::macaroon::MacaroonError;
    L402 <= pay402::l402::L402Error;
    Bolt11 <= pay402::bolt11::Bolt11Error;
    Offers <= pay402::offers::OffersError;
    Ws402 <= pay402::ws402::Ws402Error;
}

impl From<pay402::onchain::ProofError> for Pay402Error {
    fn from(error: pay402::onchain::ProofError) -> Self {
        Self::Onchain {
            code: error.code().to_owned(),
            reason: error.to_string(),
            detail_code: error.detail_code().map(str::to_owned),
        }
    }
}
