//! The error of the x402 client: why no requirement was chosen, why a chosen one cannot be
//! signed, or why a wallet's signature was refused.

use crate::error::{BufferTooSmall, ErrorCode};
use crate::evm::{Address, SignatureError};
use crate::u256::U256;
use core::fmt;

/// Why the client could not choose, build, sign or emit a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientError {
    /// No `accepts` entry is payable under the payer's policy (`no_acceptable_requirements`).
    NoAcceptableRequirements,
    /// At least one entry was payable except for its price (`amount_exceeds_budget`).
    AmountExceedsBudget {
        /// The smallest amount among the entries that were otherwise acceptable.
        cheapest: U256,
        /// The payer's maximum.
        budget: U256,
    },
    /// The requested `accepts` index does not exist (`accept_index_out_of_range`).
    AcceptIndexOutOfRange {
        /// The index asked for.
        index: usize,
        /// How many entries there are.
        len: usize,
    },
    /// The entry's scheme is not `exact` (`unsupported_scheme`).
    UnsupportedScheme,
    /// The entry's network is not one this payment kind can use: not a known EVM network for an
    /// EVM payment, not a Solana cluster for a Solana one (`unsupported_network`).
    UnsupportedNetwork,
    /// The entry asks for Permit2 (`extra.assetTransferMethod: "permit2"`); this client signs
    /// EIP-3009 only (`permit2_not_supported`).
    Permit2NotSupported,
    /// `extra.assetTransferMethod` names a method this client does not know
    /// (`unsupported_asset_transfer_method`).
    UnsupportedAssetTransferMethod,
    /// `extra.name` or `extra.version` is missing, empty, not a string or longer than
    /// [`super::DOMAIN_TEXT_CAP`] bytes (`missing_eip712_domain`).
    MissingEip712Domain,
    /// `asset` or `payTo` is not an EVM address (or has a wrong EIP-55 checksum)
    /// (`invalid_payment_requirements`).
    InvalidRequirements {
        /// The offending field (`asset` or `payTo`).
        field: &'static str,
    },
    /// The Solana transaction to send does not decode; the code is the transaction's own
    /// (`transaction_truncated`, …).
    #[cfg(feature = "svm")]
    Transaction(crate::svm::TransactionError),
    /// The wallet's signature is malformed or rejected by the strict policy; the code is the
    /// signature's own (`signature_length`, `signature_v`, `signature_high_s`,
    /// `signature_invalid`).
    Signature(SignatureError),
    /// The signature (or the key) belongs to another address than the payer the payment names
    /// (`signature_wrong_signer`).
    WrongSigner {
        /// The payer named in `authorization.from`.
        expected: Address,
        /// The address the signature recovers to, or the key's address.
        found: Address,
    },
    /// A caller buffer is too small (`buffer_too_small`).
    BufferTooSmall,
    /// An `upto` entry lacks `extra.facilitatorAddress` (`missing_facilitator_address`).
    MissingFacilitatorAddress,
    /// A Solana entry lacks `extra.feePayer` (`missing_fee_payer`).
    MissingFeePayer,
    /// A Solana amount does not fit a `u64` (`amount_too_large`).
    AmountTooLarge,
    /// The payer's ERC-20 allowance to the Permit2 contract is below the payment: the approval
    /// to make first (`permit2_allowance_required`, the reference facilitator's code).
    Permit2AllowanceRequired(crate::x402::client::Permit2Approval),
    /// The Permit2 authorization cannot be built; the code is its own.
    Permit2(crate::x402::Permit2SignError),
    /// The Solana transaction cannot be built; the code is the builder's
    /// (`unsupported_token_program`, `payer_is_fee_payer`, …).
    #[cfg(feature = "svm")]
    Build(crate::svm::BuildError),
}

impl From<BufferTooSmall> for ClientError {
    fn from(_: BufferTooSmall) -> Self {
        Self::BufferTooSmall
    }
}

impl From<SignatureError> for ClientError {
    fn from(e: SignatureError) -> Self {
        Self::Signature(e)
    }
}

impl ErrorCode for ClientError {
    fn code(&self) -> &'static str {
        match self {
            Self::NoAcceptableRequirements => "no_acceptable_requirements",
            Self::AmountExceedsBudget { .. } => "amount_exceeds_budget",
            Self::AcceptIndexOutOfRange { .. } => "accept_index_out_of_range",
            Self::UnsupportedScheme => "unsupported_scheme",
            Self::UnsupportedNetwork => "unsupported_network",
            Self::Permit2NotSupported => "permit2_not_supported",
            Self::UnsupportedAssetTransferMethod => "unsupported_asset_transfer_method",
            Self::MissingEip712Domain => "missing_eip712_domain",
            Self::InvalidRequirements { .. } => "invalid_payment_requirements",
            Self::Signature(e) => e.code(),
            #[cfg(feature = "svm")]
            Self::Transaction(e) => e.code(),
            Self::WrongSigner { .. } => "signature_wrong_signer",
            Self::BufferTooSmall => "buffer_too_small",
            Self::MissingFacilitatorAddress => "missing_facilitator_address",
            Self::MissingFeePayer => "missing_fee_payer",
            Self::AmountTooLarge => "amount_too_large",
            Self::Permit2AllowanceRequired(_) => "permit2_allowance_required",
            Self::Permit2(e) => e.code(),
            #[cfg(feature = "svm")]
            Self::Build(e) => e.code(),
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoAcceptableRequirements => {
                f.write_str("no offered payment requirement is payable under the payer's policy")
            }
            Self::AmountExceedsBudget { cheapest, budget } => write!(
                f,
                "the cheapest acceptable offer asks {cheapest}, more than the budget of {budget}"
            ),
            Self::AcceptIndexOutOfRange { index, len } => {
                write!(
                    f,
                    "accepts[{index}] does not exist (there are {len} entries)"
                )
            }
            Self::UnsupportedScheme => f.write_str("scheme is not `exact`"),
            Self::UnsupportedNetwork => {
                f.write_str("network is not a known EVM network (EVM payment) or Solana cluster (Solana payment)")
            }
            Self::Permit2NotSupported => f.write_str(
                "extra.assetTransferMethod is `permit2`; this client signs EIP-3009 only",
            ),
            Self::UnsupportedAssetTransferMethod => {
                f.write_str("extra.assetTransferMethod names an unknown transfer method")
            }
            Self::MissingEip712Domain => f.write_str(
                "extra must carry the token's EIP-712 `name` and `version` as non-empty strings",
            ),
            Self::InvalidRequirements { field } => {
                write!(f, "`{field}` is not a valid EVM address")
            }
            Self::Signature(e) => write!(f, "wallet signature rejected: {e}"),
            #[cfg(feature = "svm")]
            Self::Transaction(e) => write!(f, "the Solana transaction does not decode: {e}"),
            Self::WrongSigner { expected, found } => {
                write!(
                    f,
                    "signature is by {found}, but the payment names {expected}"
                )
            }
            Self::BufferTooSmall => f.write_str("a caller buffer is too small for the payment"),
            Self::MissingFacilitatorAddress => {
                f.write_str("the `upto` offer lacks extra.facilitatorAddress")
            }
            Self::MissingFeePayer => f.write_str("the Solana offer lacks extra.feePayer"),
            Self::AmountTooLarge => f.write_str("the Solana amount does not fit 64 bits"),
            Self::Permit2AllowanceRequired(a) => write!(
                f,
                "the Permit2 contract may not move enough of token {} on chain {}: approve {} to spend at least {} (ERC-20 approve) first",
                a.token, a.chain_id, a.spender, a.amount
            ),
            Self::Permit2(e) => write!(f, "the Permit2 authorization cannot be built: {e}"),
            #[cfg(feature = "svm")]
            Self::Build(e) => write!(f, "the Solana transaction cannot be built: {e}"),
        }
    }
}

impl core::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Signature(e) => Some(e),
            #[cfg(feature = "svm")]
            Self::Transaction(e) => Some(e),
            Self::Permit2(e) => Some(e),
            #[cfg(feature = "svm")]
            Self::Build(e) => Some(e),
            _ => None,
        }
    }
}
