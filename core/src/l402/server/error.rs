//! The one error type of the L402 server.

use crate::bolt11::{Bolt11Error, InvoiceCheckError};
use crate::error::{BufferTooSmall, ErrorCode};
use crate::l402::L402Error;

/// Everything the L402 server refuses: a bad configuration or secret, an invoice from the
/// Lightning provider that does not match the token, and every reason a request is not admitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum L402ServerError {
    /// The server secret is not 32 to 64 bytes. Code `invalid_server_secret`.
    SecretLength {
        /// The length given.
        len: usize,
    },
    /// The service name is empty or contains `,`, `:`, `=` or a byte outside printable ASCII
    /// (it is written into the `services` caveat, aperture `NewServicesCaveat`). Code
    /// `invalid_service_name`.
    ServiceName,
    /// A capability is empty or contains `,` or a byte outside printable ASCII. Code
    /// `invalid_capability`.
    Capability,
    /// The price is 0 msat (aperture passes such requests through unpaid; this server sells).
    /// Code `invalid_price`.
    ZeroPrice,
    /// The configured caveats do not fit a token of [`super::MAX_TOKEN_LEN`] bytes. Code
    /// `token_too_large`.
    TokenTooLarge,
    /// The provider's invoice is not a valid BOLT11 invoice. Code: the inner error's.
    Invoice(Bolt11Error),
    /// The provider's invoice does not fit the token: another payment hash, another network, no
    /// amount, or already expired. Code: the inner error's (`invoice_payment_hash_mismatch`,
    /// `invoice_network_mismatch`, `invoice_amount_missing`, `invoice_expired`).
    InvoiceCheck(InvoiceCheckError),
    /// The provider's invoice asks for another amount than the price. Code
    /// `invoice_amount_mismatch`.
    InvoiceAmountMismatch {
        /// The invoice's amount in msat.
        invoice_msat: u64,
        /// The configured price in msat.
        price_msat: u64,
    },
    /// The request carries no `L402`/`LSAT` credential. Code `payment_required`.
    PaymentRequired,
    /// The token is authentic but the revocation check refused it. Code `token_revoked`.
    Revoked,
    /// The credential does not verify (malformed, wrong preimage, wrong key, caveat refused …).
    /// Code: the inner [`L402Error`]'s, e.g. `invalid_preimage`, `signature_mismatch`,
    /// `token_expired`.
    Credential(L402Error),
    /// The caller's output buffer is too small. Code `buffer_too_small`.
    BufferTooSmall,
}

impl core::fmt::Display for L402ServerError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::SecretLength { len } => write!(
                f,
                "the L402 server secret is {len} bytes; {} to {} are needed",
                super::MIN_SECRET_LEN,
                super::MAX_SECRET_LEN
            ),
            Self::ServiceName => f.write_str(
                "the L402 service name is empty or contains ',', ':', '=' or a non-printable byte",
            ),
            Self::Capability => {
                f.write_str("an L402 capability is empty or contains ',' or a non-printable byte")
            }
            Self::ZeroPrice => f.write_str("the L402 price is 0 msat"),
            Self::TokenTooLarge => write!(
                f,
                "the configured L402 caveats do not fit a token of {} bytes",
                super::MAX_TOKEN_LEN
            ),
            Self::Invoice(e) => write!(f, "the provider's invoice: {e}"),
            Self::InvoiceCheck(e) => write!(f, "the provider's invoice: {e}"),
            Self::InvoiceAmountMismatch {
                invoice_msat,
                price_msat,
            } => write!(
                f,
                "the provider's invoice is for {invoice_msat} msat, the price is {price_msat} msat"
            ),
            Self::PaymentRequired => f.write_str("the request carries no L402 or LSAT credential"),
            Self::Revoked => f.write_str("the L402 token has been revoked"),
            Self::Credential(e) => write!(f, "{e}"),
            Self::BufferTooSmall => f.write_str("the output buffer is too small for the challenge"),
        }
    }
}

impl core::error::Error for L402ServerError {}

impl ErrorCode for L402ServerError {
    fn code(&self) -> &'static str {
        match self {
            Self::SecretLength { .. } => "invalid_server_secret",
            Self::ServiceName => "invalid_service_name",
            Self::Capability => "invalid_capability",
            Self::ZeroPrice => "invalid_price",
            Self::TokenTooLarge => "token_too_large",
            Self::Invoice(e) => e.code(),
            Self::InvoiceCheck(e) => e.code(),
            Self::InvoiceAmountMismatch { .. } => "invoice_amount_mismatch",
            Self::PaymentRequired => "payment_required",
            Self::Revoked => "token_revoked",
            Self::Credential(e) => e.code(),
            Self::BufferTooSmall => "buffer_too_small",
        }
    }

    /// A finer stable code where one exists: the credential fault of `invalid_credential`
    /// (e.g. `preimage_hex`), else `None`.
    fn detail_code(&self) -> Option<&'static str> {
        match self {
            Self::Credential(L402Error::InvalidCredential(fault)) => Some(fault.reason()),
            _ => None,
        }
    }
}

impl From<BufferTooSmall> for L402ServerError {
    fn from(_: BufferTooSmall) -> Self {
        Self::BufferTooSmall
    }
}
