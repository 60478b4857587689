//! Errors of the x402 codecs and of `exact` verification.
//!
//! [`DecodeError`] says precisely what was wrong with an x402 header or body and in which field;
//! its code is the code of the underlying problem (`base64_invalid_character`, `json_syntax`,
//! `missing_field`, `u256_overflow`, …). [`VerifyError`] is the verdict of a check; its codes are
//! the reference TypeScript facilitator's strings (VECTORS.md), and
//! [`VerifyError::reason`] maps it to the strings of the other implementations.

use crate::base64::Base64Error;
use crate::error::ErrorCode;
use crate::evm::{Address, AddressError, SignatureError};
use crate::hex::HexError;
use crate::json::JsonError;
use crate::u256::U256Error;
use core::fmt;

/// An x402 header or body could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeError {
    object: &'static str,
    field: &'static str,
    reason: DecodeReason,
}

/// What was wrong with the decoded input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeReason {
    /// The header or body is longer than the configured cap.
    TooLong {
        /// The cap in bytes.
        limit: usize,
    },
    /// The header is not valid base64 under the x402 policy.
    Base64(Base64Error),
    /// The text is not valid JSON.
    Json(JsonError),
    /// A required field is absent.
    MissingField,
    /// A field has the wrong JSON type.
    WrongType,
    /// An amount or other uint256 is malformed or out of range.
    Amount(U256Error),
    /// An EVM address is malformed.
    Address(AddressError),
    /// A hex field is malformed.
    Hex(HexError),
    /// A value has the right type but is not allowed (e.g. `maxTimeoutSeconds: 0`, an empty `accepts`).
    InvalidValue,
    /// `x402Version` is not 1 or 2.
    UnsupportedVersion,
    /// A list holds more items than the fixed capacity.
    TooManyItems {
        /// The capacity.
        capacity: usize,
    },
}

impl DecodeError {
    /// A decode error in `field` of the top-level value (`header`, `x402Version`, …).
    pub const fn new(field: &'static str, reason: DecodeReason) -> Self {
        Self {
            object: "",
            field,
            reason,
        }
    }

    /// The offending field's name (`amount`, `x402Version`, or `header`/`body` for the whole input).
    pub const fn field(&self) -> &'static str {
        self.field
    }

    /// The path of the object holding the field (`accepts[]`, `payload.authorization`), empty
    /// for the top level.
    pub const fn object(&self) -> &'static str {
        self.object
    }

    /// What was wrong.
    pub const fn reason(&self) -> DecodeReason {
        self.reason
    }

    /// The same error, located inside the object at `object` (set by the decoder of the parent).
    pub(crate) const fn within(self, object: &'static str) -> Self {
        Self {
            object,
            field: self.field,
            reason: self.reason,
        }
    }
}

impl ErrorCode for DecodeError {
    fn code(&self) -> &'static str {
        match &self.reason {
            DecodeReason::TooLong { .. } => "input_too_long",
            DecodeReason::Base64(e) => e.code(),
            DecodeReason::Json(e) => e.code(),
            DecodeReason::MissingField => "missing_field",
            DecodeReason::WrongType => "wrong_type",
            DecodeReason::Amount(e) => e.code(),
            DecodeReason::Address(e) => e.code(),
            DecodeReason::Hex(e) => e.code(),
            DecodeReason::InvalidValue => "invalid_value",
            DecodeReason::UnsupportedVersion => "invalid_x402_version",
            DecodeReason::TooManyItems { .. } => "too_many_items",
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.object.is_empty() {
            write!(f, "`{}`: ", self.field)?;
        } else {
            write!(f, "`{}.{}`: ", self.object, self.field)?;
        }
        match &self.reason {
            DecodeReason::TooLong { limit } => write!(f, "longer than the {limit}-byte limit"),
            DecodeReason::Base64(e) => write!(f, "{e}"),
            DecodeReason::Json(e) => write!(f, "{e}"),
            DecodeReason::MissingField => f.write_str("required field is missing"),
            DecodeReason::WrongType => f.write_str("field has the wrong JSON type"),
            DecodeReason::Amount(e) => write!(f, "{e}"),
            DecodeReason::Address(e) => write!(f, "{e}"),
            DecodeReason::Hex(e) => write!(f, "{e}"),
            DecodeReason::InvalidValue => f.write_str("value is not allowed"),
            DecodeReason::UnsupportedVersion => f.write_str("x402Version must be 1 or 2"),
            DecodeReason::TooManyItems { capacity } => write!(f, "more than {capacity} items"),
        }
    }
}

/// Why an EVM signature did not authorize the transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureFailure {
    /// The signature bytes are malformed or rejected by the signature policy.
    Malformed(SignatureError),
    /// The signature is valid but was made by another key.
    WrongSigner {
        /// The address the signature recovers to.
        recovered: Address,
    },
    /// The signature is longer than an EOA signature (a smart-wallet EIP-1271 / ERC-6492
    /// signature); it needs an on-chain check the core cannot make.
    NotEoa,
}

/// The verdict of a failed `exact` verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// The payment header or its scheme payload could not be decoded (`invalid_payload`).
    InvalidPayload(DecodeError),
    /// The server's own requirements could not be decoded (`invalid_payment_requirements`).
    InvalidPaymentRequirements(DecodeError),
    /// Unknown `x402Version`, or the payment's version differs from the requirements'
    /// (`invalid_x402_version`).
    InvalidX402Version,
    /// The requirements name a network this verifier does not know (`invalid_network`).
    InvalidNetwork,
    /// The payload shape is not one this verifier handles (`unsupported_payload_type`).
    UnsupportedPayloadType,
    /// The scheme is not `exact` (`invalid_exact_evm_scheme`).
    Scheme,
    /// `extra.name` or `extra.version` is missing (`invalid_exact_evm_missing_eip712_domain`).
    MissingEip712Domain,
    /// The payment's network differs from the requirements' (`invalid_exact_evm_network_mismatch`).
    NetworkMismatch,
    /// v2 `accepted` is not value-equal to the offered requirements (`accepted_requirements_mismatch`).
    AcceptedRequirementsMismatch,
    /// The signature does not authorize the transfer (`invalid_exact_evm_signature`).
    Signature(SignatureFailure),
    /// `authorization.to` is not `payTo` (`invalid_exact_evm_recipient_mismatch`).
    RecipientMismatch,
    /// `validBefore` is too close or in the past
    /// (`invalid_exact_evm_payload_authorization_valid_before`).
    ValidBefore,
    /// `validAfter` is in the future (`invalid_exact_evm_payload_authorization_valid_after`).
    ValidAfter,
    /// The signed value does not match the required amount
    /// (`invalid_exact_evm_payload_authorization_value_mismatch`).
    ValueMismatch,
    /// Permit2: `spender` is not the scheme's x402 proxy (`invalid_permit2_spender`).
    Permit2Spender,
    /// Permit2: `witness.to` is not `payTo` (`invalid_permit2_recipient_mismatch`).
    Permit2RecipientMismatch,
    /// Permit2: `deadline` is too close or in the past (`permit2_deadline_expired`).
    Permit2DeadlineExpired,
    /// Permit2: `witness.validAfter` is in the future (`permit2_not_yet_valid`).
    Permit2NotYetValid,
    /// Permit2: `permitted.amount` does not match the required amount (`permit2_amount_mismatch`).
    Permit2AmountMismatch,
    /// Permit2: `permitted.token` is not the requirements' `asset` (`permit2_token_mismatch`).
    Permit2TokenMismatch,
    /// Permit2: the signature does not authorize the transfer (`invalid_permit2_signature`).
    Permit2Signature(SignatureFailure),
    /// `upto`: `witness.facilitator` is not this facilitator, or no facilitator address is
    /// configured (`upto_facilitator_mismatch`).
    UptoFacilitatorMismatch,
    /// `upto`: the settle amount exceeds the signed maximum
    /// (`invalid_upto_evm_payload_settlement_exceeds_amount`).
    UptoSettlementExceedsAmount,
    /// Solana `exact`: a check of [`super::verify_svm`] failed; the code is the check's
    /// (`invalid_exact_svm_*`).
    #[cfg(feature = "svm")]
    Svm(super::verify_svm::SvmCheck),
}

/// Whose error strings [`VerifyError::reason`] speaks (x402.md §10). The strings are not
/// interoperable across implementations; pick the one your peers expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ReasonDialect {
    /// The reference TypeScript facilitator (`@x402/evm` v2) — the same as [`VerifyError::code`].
    #[default]
    TypeScript,
    /// The Go SDK (`go/mechanisms/evm/exact/facilitator/errors.go`).
    Go,
    /// The Python SDK (`python/x402/mechanisms/evm/constants.py`).
    Python,
    /// The x402 specification §9 list (v1 wording for the value check).
    SpecV1,
    /// x402-rs (`ErrorReason`).
    X402Rs,
}

impl VerifyError {
    /// The verdict for a payment that could not be decoded: `invalid_x402_version` when the
    /// version is unknown, `invalid_payload` otherwise.
    pub fn from_payload(error: DecodeError) -> Self {
        match error.reason() {
            DecodeReason::UnsupportedVersion => Self::InvalidX402Version,
            _ => Self::InvalidPayload(error),
        }
    }

    /// The error string the given implementation uses for this failure.
    ///
    /// | failure | TypeScript / Go | Python | spec §9 (v1) | x402-rs |
    /// |---|---|---|---|---|
    /// | payload | `invalid_payload` | same | same | `invalid_format` |
    /// | scheme | `invalid_exact_evm_scheme` | `unsupported_scheme` | `unsupported_scheme` | `unsupported_scheme` |
    /// | network mismatch | `invalid_exact_evm_network_mismatch` | `network_mismatch` | `invalid_network` | `chain_id_mismatch` |
    /// | signature | `invalid_exact_evm_signature` | `invalid_exact_evm_payload_signature` | same as Python | `invalid_signature` |
    /// | recipient | `invalid_exact_evm_recipient_mismatch` | `invalid_exact_evm_payload_recipient_mismatch` | same as Python | `recipient_mismatch` |
    /// | valid before | `invalid_exact_evm_payload_authorization_valid_before` | same | same | `invalid_payment_expired` |
    /// | valid after | `invalid_exact_evm_payload_authorization_valid_after` | same | same | `invalid_payment_early` |
    /// | value | `invalid_exact_evm_payload_authorization_value_mismatch` | same | `invalid_exact_evm_payload_authorization_value` | `invalid_payment_amount` |
    /// | Permit2 spender | `invalid_permit2_spender` | same | same | same |
    /// | Permit2 recipient | `invalid_permit2_recipient_mismatch` | same | same | `recipient_mismatch` |
    /// | Permit2 deadline | `permit2_deadline_expired` | same | same | `invalid_payment_expired` |
    /// | Permit2 valid after | `permit2_not_yet_valid` | same | same | `invalid_payment_early` |
    /// | Permit2 amount | `permit2_amount_mismatch` | same | same | `invalid_payment_amount` |
    /// | Permit2 token | `permit2_token_mismatch` | same | same | `asset_mismatch` |
    /// | Permit2 signature | `invalid_permit2_signature` | same | same | `invalid_signature` |
    /// | `upto` facilitator | `upto_facilitator_mismatch` | same | same | same |
    /// | `upto` settle amount | `invalid_upto_evm_payload_settlement_exceeds_amount` | same | same | `invalid_payment_amount` |
    ///
    /// ```
    /// use pay402::x402::{ReasonDialect, VerifyError};
    /// assert_eq!(VerifyError::ValidAfter.reason(ReasonDialect::X402Rs), "invalid_payment_early");
    /// ```
    pub fn reason(&self, dialect: ReasonDialect) -> &'static str {
        match dialect {
            ReasonDialect::TypeScript | ReasonDialect::Go => self.code(),
            ReasonDialect::Python => self.python_reason(),
            ReasonDialect::SpecV1 => self.spec_v1_reason(),
            ReasonDialect::X402Rs => self.x402_rs_reason(),
        }
    }

    fn python_reason(&self) -> &'static str {
        match self {
            Self::Scheme => "unsupported_scheme",
            Self::NetworkMismatch => "network_mismatch",
            Self::Signature(_) => "invalid_exact_evm_payload_signature",
            Self::RecipientMismatch => "invalid_exact_evm_payload_recipient_mismatch",
            _ => self.code(),
        }
    }

    fn spec_v1_reason(&self) -> &'static str {
        match self {
            Self::Scheme => "unsupported_scheme",
            Self::NetworkMismatch => "invalid_network",
            Self::Signature(_) => "invalid_exact_evm_payload_signature",
            Self::RecipientMismatch => "invalid_exact_evm_payload_recipient_mismatch",
            Self::ValueMismatch => "invalid_exact_evm_payload_authorization_value",
            Self::MissingEip712Domain | Self::AcceptedRequirementsMismatch => {
                "invalid_payment_requirements"
            }
            _ => self.code(),
        }
    }

    fn x402_rs_reason(&self) -> &'static str {
        match self {
            Self::InvalidPayload(_)
            | Self::InvalidX402Version
            | Self::InvalidPaymentRequirements(_)
            | Self::MissingEip712Domain => "invalid_format",
            Self::InvalidNetwork => "unsupported_chain",
            Self::UnsupportedPayloadType | Self::Scheme => "unsupported_scheme",
            Self::NetworkMismatch => "chain_id_mismatch",
            Self::AcceptedRequirementsMismatch => "accepted_requirements_mismatch",
            Self::Signature(_) | Self::Permit2Signature(_) => "invalid_signature",
            Self::RecipientMismatch | Self::Permit2RecipientMismatch => "recipient_mismatch",
            Self::ValidBefore | Self::Permit2DeadlineExpired => "invalid_payment_expired",
            Self::ValidAfter | Self::Permit2NotYetValid => "invalid_payment_early",
            Self::ValueMismatch
            | Self::Permit2AmountMismatch
            | Self::UptoSettlementExceedsAmount => "invalid_payment_amount",
            Self::Permit2TokenMismatch => "asset_mismatch",
            Self::Permit2Spender | Self::UptoFacilitatorMismatch => self.code(),
            #[cfg(feature = "svm")]
            Self::Svm(check) => check.x402_rs_reason(),
        }
    }
}

impl ErrorCode for VerifyError {
    fn code(&self) -> &'static str {
        match self {
            Self::InvalidPayload(_) => "invalid_payload",
            Self::InvalidPaymentRequirements(_) => "invalid_payment_requirements",
            Self::InvalidX402Version => "invalid_x402_version",
            Self::InvalidNetwork => "invalid_network",
            Self::UnsupportedPayloadType => "unsupported_payload_type",
            Self::Scheme => "invalid_exact_evm_scheme",
            Self::MissingEip712Domain => "invalid_exact_evm_missing_eip712_domain",
            Self::NetworkMismatch => "invalid_exact_evm_network_mismatch",
            Self::AcceptedRequirementsMismatch => "accepted_requirements_mismatch",
            Self::Signature(_) => "invalid_exact_evm_signature",
            #[cfg(feature = "svm")]
            Self::Svm(check) => check.code(),
            Self::RecipientMismatch => "invalid_exact_evm_recipient_mismatch",
            Self::ValidBefore => "invalid_exact_evm_payload_authorization_valid_before",
            Self::ValidAfter => "invalid_exact_evm_payload_authorization_valid_after",
            Self::ValueMismatch => "invalid_exact_evm_payload_authorization_value_mismatch",
            Self::Permit2Spender => "invalid_permit2_spender",
            Self::Permit2RecipientMismatch => "invalid_permit2_recipient_mismatch",
            Self::Permit2DeadlineExpired => "permit2_deadline_expired",
            Self::Permit2NotYetValid => "permit2_not_yet_valid",
            Self::Permit2AmountMismatch => "permit2_amount_mismatch",
            Self::Permit2TokenMismatch => "permit2_token_mismatch",
            Self::Permit2Signature(_) => "invalid_permit2_signature",
            Self::UptoFacilitatorMismatch => "upto_facilitator_mismatch",
            Self::UptoSettlementExceedsAmount => {
                "invalid_upto_evm_payload_settlement_exceeds_amount"
            }
        }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidPayload(e) => write!(f, "payment payload is invalid: {e}"),
            Self::InvalidPaymentRequirements(e) => {
                write!(f, "payment requirements are invalid: {e}")
            }
            Self::InvalidX402Version => {
                f.write_str("x402Version is unknown or differs from the requirements' version")
            }
            Self::InvalidNetwork => f.write_str("the requirements name an unknown network"),
            Self::UnsupportedPayloadType => {
                f.write_str("the payload type is not supported by this verifier")
            }
            Self::Scheme => f.write_str("scheme is not `exact`"),
            Self::MissingEip712Domain => f.write_str(
                "requirements.extra must carry the token's EIP-712 `name` and `version`",
            ),
            Self::NetworkMismatch => {
                f.write_str("the payment's network differs from the requirements'")
            }
            Self::AcceptedRequirementsMismatch => {
                f.write_str("`accepted` is not equal to the offered payment requirements")
            }
            Self::Signature(SignatureFailure::Malformed(e)) => write!(f, "signature rejected: {e}"),
            Self::Signature(SignatureFailure::WrongSigner { recovered }) => {
                write!(
                    f,
                    "signature was made by {recovered}, not by authorization.from"
                )
            }
            Self::Signature(SignatureFailure::NotEoa) => f.write_str(
                "signature is not a 65-byte EOA signature (smart wallets need an on-chain check)",
            ),
            Self::RecipientMismatch => {
                f.write_str("authorization.to is not the requirements' payTo")
            }
            Self::ValidBefore => f.write_str("authorization expires too soon (validBefore)"),
            Self::ValidAfter => f.write_str("authorization is not valid yet (validAfter)"),
            Self::ValueMismatch => {
                f.write_str("authorization value does not match the required amount")
            }
            Self::Permit2Spender => {
                f.write_str("permit2Authorization.spender is not the scheme's x402 Permit2 proxy")
            }
            Self::Permit2RecipientMismatch => {
                f.write_str("permit2Authorization.witness.to is not the requirements' payTo")
            }
            Self::Permit2DeadlineExpired => {
                f.write_str("permit2Authorization.deadline is too soon or past")
            }
            Self::Permit2NotYetValid => {
                f.write_str("permit2Authorization.witness.validAfter is in the future")
            }
            Self::Permit2AmountMismatch => {
                f.write_str("permit2Authorization.permitted.amount does not match the required amount")
            }
            Self::Permit2TokenMismatch => {
                f.write_str("permit2Authorization.permitted.token is not the requirements' asset")
            }
            Self::Permit2Signature(SignatureFailure::Malformed(e)) => {
                write!(f, "Permit2 signature rejected: {e}")
            }
            Self::Permit2Signature(SignatureFailure::WrongSigner { recovered }) => write!(
                f,
                "Permit2 signature was made by {recovered}, not by permit2Authorization.from"
            ),
            Self::Permit2Signature(SignatureFailure::NotEoa) => f.write_str(
                "Permit2 signature is not a 65-byte EOA signature (smart wallets need an on-chain check)",
            ),
            Self::UptoFacilitatorMismatch => f.write_str(
                "witness.facilitator is not this facilitator (or no facilitator address is configured)",
            ),
            Self::UptoSettlementExceedsAmount => {
                f.write_str("the settle amount exceeds the signed permitted.amount")
            }
            #[cfg(feature = "svm")]
            Self::Svm(check) => write!(f, "{check}"),
        }
    }
}

impl core::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match &self.reason {
            DecodeReason::Base64(e) => Some(e),
            DecodeReason::Json(e) => Some(e),
            DecodeReason::Amount(e) => Some(e),
            DecodeReason::Address(e) => Some(e),
            DecodeReason::Hex(e) => Some(e),
            _ => None,
        }
    }
}

impl core::error::Error for VerifyError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::InvalidPayload(e) | Self::InvalidPaymentRequirements(e) => Some(e),
            Self::Signature(SignatureFailure::Malformed(e))
            | Self::Permit2Signature(SignatureFailure::Malformed(e)) => Some(e),
            #[cfg(feature = "svm")]
            Self::Svm(check) => Some(check),
            _ => None,
        }
    }
}
