//! The one error type of the x402 server.

use crate::error::{BufferTooSmall, ErrorCode};
use crate::evm::AddressError;
#[cfg(feature = "svm")]
use crate::svm::PubkeyError;

/// Everything the x402 server refuses while preparing offers and writing a challenge.
///
/// Codes are stable `snake_case`; where the cause nests a parser's error (an address, a Solana
/// public key) [`ErrorCode::detail_code`] gives that error's code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerError {
    /// The network is neither a known x402 v1 name nor a known CAIP-2 id. Code
    /// `unknown_network`.
    UnknownNetwork,
    /// The scheme cannot be sold on this network (an EVM scheme on Solana, or the Solana scheme
    /// on an EVM chain). Code `scheme_network_mismatch`.
    SchemeNetworkMismatch,
    /// `asset` is not an address (EVM) or a public key (Solana). Code `invalid_asset`.
    Asset(KeyIssue),
    /// `payTo` is not an address (EVM) or a public key (Solana). Code `invalid_pay_to`.
    PayTo(KeyIssue),
    /// The `upto` facilitator address is not an address. Code `invalid_facilitator_address`.
    FacilitatorAddress(AddressError),
    /// The Solana fee payer is not a public key. Code `invalid_fee_payer`.
    #[cfg(feature = "svm")]
    FeePayer(PubkeyError),
    /// The EIP-712 `name` or `version` of an EIP-3009 token is empty or longer than 256 bytes
    /// (the verifier refuses such a domain). Code `invalid_eip712_domain`.
    Eip712Domain,
    /// The amount is 0. Code `invalid_amount`.
    ZeroAmount,
    /// `maxTimeoutSeconds` is 0 (the spec requires a positive number). Code
    /// `invalid_max_timeout_seconds`.
    ZeroTimeout,
    /// The offer set is full. Code `too_many_offers`.
    TooManyOffers {
        /// The set's capacity.
        capacity: usize,
    },
    /// A challenge was asked of an empty offer set. Code `no_offers`.
    NoOffers,
    /// The resource URL is empty (v2 `ResourceInfo.url` must not be). Code `invalid_resource`.
    ResourceUrl,
    /// The `upto` charge the handler reports is above the signed maximum. Code
    /// `settle_amount_exceeds_maximum`.
    SettleAmountAboveMaximum,
    /// A settle amount was reported for an `exact` offer, which charges its amount. Code
    /// `settle_amount_not_allowed`.
    SettleAmountNotAllowed,
    /// A caller buffer is too small; nothing was left written in it. Code `buffer_too_small`.
    BufferTooSmall,
}

/// Why an `asset` or `payTo` did not parse, by the network's kind of key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyIssue {
    /// Not an EVM address.
    Address(AddressError),
    /// Not a Solana public key.
    #[cfg(feature = "svm")]
    Pubkey(PubkeyError),
}

impl KeyIssue {
    fn code(self) -> &'static str {
        match self {
            Self::Address(e) => e.code(),
            #[cfg(feature = "svm")]
            Self::Pubkey(e) => e.code(),
        }
    }
}

impl From<BufferTooSmall> for ServerError {
    fn from(_: BufferTooSmall) -> Self {
        Self::BufferTooSmall
    }
}

impl core::fmt::Display for ServerError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::UnknownNetwork => f.write_str("the network is not a known x402 network"),
            Self::SchemeNetworkMismatch => f.write_str("the scheme is not sold on this network"),
            Self::Asset(_) => f.write_str("asset is not a valid token for the network"),
            Self::PayTo(_) => f.write_str("payTo is not a valid recipient for the network"),
            Self::FacilitatorAddress(_) => f.write_str("the upto facilitator is not an address"),
            #[cfg(feature = "svm")]
            Self::FeePayer(_) => f.write_str("the fee payer is not a Solana public key"),
            Self::Eip712Domain => {
                f.write_str("the EIP-712 name and version must be 1 to 256 bytes each")
            }
            Self::ZeroAmount => f.write_str("the amount must be positive"),
            Self::ZeroTimeout => f.write_str("maxTimeoutSeconds must be positive"),
            Self::TooManyOffers { capacity } => {
                write!(f, "the offer set holds at most {capacity} offers")
            }
            Self::NoOffers => f.write_str("a challenge needs at least one offer"),
            Self::ResourceUrl => f.write_str("the resource URL is empty"),
            Self::SettleAmountAboveMaximum => {
                f.write_str("the settle amount is above the signed maximum")
            }
            Self::SettleAmountNotAllowed => {
                f.write_str("an exact offer charges its amount; no settle amount may be given")
            }
            Self::BufferTooSmall => f.write_str("output buffer too small"),
        }
    }
}

impl core::error::Error for ServerError {}

impl ErrorCode for ServerError {
    fn code(&self) -> &'static str {
        match self {
            Self::UnknownNetwork => "unknown_network",
            Self::SchemeNetworkMismatch => "scheme_network_mismatch",
            Self::Asset(_) => "invalid_asset",
            Self::PayTo(_) => "invalid_pay_to",
            Self::FacilitatorAddress(_) => "invalid_facilitator_address",
            #[cfg(feature = "svm")]
            Self::FeePayer(_) => "invalid_fee_payer",
            Self::Eip712Domain => "invalid_eip712_domain",
            Self::ZeroAmount => "invalid_amount",
            Self::ZeroTimeout => "invalid_max_timeout_seconds",
            Self::TooManyOffers { .. } => "too_many_offers",
            Self::NoOffers => "no_offers",
            Self::ResourceUrl => "invalid_resource",
            Self::SettleAmountAboveMaximum => "settle_amount_exceeds_maximum",
            Self::SettleAmountNotAllowed => "settle_amount_not_allowed",
            Self::BufferTooSmall => "buffer_too_small",
        }
    }

    fn detail_code(&self) -> Option<&'static str> {
        match self {
            Self::Asset(issue) | Self::PayTo(issue) => Some(issue.code()),
            Self::FacilitatorAddress(e) => Some(e.code()),
            #[cfg(feature = "svm")]
            Self::FeePayer(e) => Some(e.code()),
            _ => None,
        }
    }
}
