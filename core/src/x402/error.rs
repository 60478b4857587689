//! Errors of the x402 codecs and of `exact` verification.
//!
//! [`DecodeError`] says precisely what was wrong with an x402 header or body and in which field;
//! its code is the code of the underlying problem (`base64_invalid_character`, `json_syntax`,
//! `missing_field`, `u256_overflow`, …). [`VerifyError`] is the verdict of a check; its codes are
//! the reference TypeScript facilitator's strings, and
//! [`VerifyError::reason`] maps it to the strings of the other implementations.

use crate::base64::Base64Error;
use crate::error::ErrorCode;
use crate::evm::{Address, AddressError, SignatureError};
use crate::hex::HexError;
use crate::json::{FieldIssue, FieldIssueKind, JsonError};
use crate::u256::U256Error;
#[cfg(feature = "svm")]
use crate::x402::scheme::exact_svm::verify::SvmCheck;
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
#[non_exhaustive]
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

/// A field reader's issue, at the top level of the object read (the decoder of a parent
/// places it with `within`). A string too long to parse further is `invalid_value`.
impl From<FieldIssue> for DecodeError {
    fn from(issue: FieldIssue) -> Self {
        let reason = match issue.kind() {
            FieldIssueKind::Missing => DecodeReason::MissingField,
            FieldIssueKind::WrongType => DecodeReason::WrongType,
            FieldIssueKind::InvalidValue | FieldIssueKind::TooLong { .. } => {
                DecodeReason::InvalidValue
            }
            FieldIssueKind::Amount(e) => DecodeReason::Amount(e),
            FieldIssueKind::Address(e) => DecodeReason::Address(e),
            FieldIssueKind::Hex(e) => DecodeReason::Hex(e),
        };
        Self::new(issue.key(), reason)
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
#[non_exhaustive]
pub enum SignatureFailure {
    /// The signature bytes are malformed or rejected by the signature policy.
    Malformed(SignatureError),
    /// The signature is valid but was made by another key.
    WrongSigner {
        /// The address the signature recovers to.
        recovered: Address,
    },
    /// The signature is longer than an EOA signature (a smart-wallet EIP-1271 / ERC-6492
    /// signature); it needs an on-chain check the core cannot make offline
    /// (`smart_wallet_needs_rpc`; [`crate::x402::smart_wallet`] makes it with the host's RPC).
    NotEoa,
}

impl SignatureFailure {
    /// The precise failure: the signature error's code (`signature_high_s`, …),
    /// `signature_wrong_signer` or `smart_wallet_needs_rpc`. It is the [`ErrorCode::detail_code`] of
    /// a signature verdict.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(e) => e.code(),
            Self::WrongSigner { .. } => "signature_wrong_signer",
            Self::NotEoa => "smart_wallet_needs_rpc",
        }
    }
}

impl fmt::Display for SignatureFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(e) => write!(f, "signature rejected: {e}"),
            Self::WrongSigner { recovered } => {
                write!(f, "signature was made by {recovered}, not by the payer")
            }
            Self::NotEoa => f.write_str(
                "signature is not a 65-byte EOA signature (smart wallets need an on-chain check)",
            ),
        }
    }
}

/// The verdict of a failed verification, nested by cause: the input could not be decoded, the
/// payment envelope does not fit the requirements, or a check of one scheme failed.
///
/// Every verdict has the reference TypeScript facilitator's string as its
/// [`ErrorCode::code`]; [`VerifyError::reason`] gives the strings of other implementations and
/// [`ErrorCode::detail_code`] the precise cause underneath, where there is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// The payment header or its scheme payload could not be decoded (`invalid_payload`).
    InvalidPayload(DecodeError),
    /// The server's own requirements could not be decoded (`invalid_payment_requirements`).
    InvalidPaymentRequirements(DecodeError),
    /// The payment envelope does not fit the requirements (version, network, payload type,
    /// `accepted`).
    Envelope(EnvelopeCheck),
    /// A check of `exact` with EIP-3009 failed ([`crate::x402::scheme::exact_eip3009`]).
    Eip3009(Eip3009Check),
    /// A check of a Permit2 payment, `exact` or `upto`, failed
    /// ([`crate::x402::scheme::exact_permit2`]).
    Permit2(Permit2Check),
    /// An `upto` check failed ([`crate::x402::scheme::upto_permit2`]).
    Upto(UptoCheck),
    /// A check of `exact` on Solana failed ([`crate::x402::scheme::exact_svm`]); the code is the
    /// check's (`invalid_exact_svm_*`).
    #[cfg(feature = "svm")]
    Svm(SvmCheck),
}

/// A failed check of the payment envelope, shared by the EVM schemes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EnvelopeCheck {
    /// Unknown `x402Version`, or the payment's version differs from the requirements'
    /// (`invalid_x402_version`).
    InvalidX402Version,
    /// The requirements name a network this verifier does not know or does not accept
    /// (`invalid_network`).
    InvalidNetwork,
    /// The payload shape is not one this verifier handles for the requirements
    /// (`unsupported_payload_type`).
    UnsupportedPayloadType,
    /// The payment's EVM network differs from the requirements'
    /// (`invalid_exact_evm_network_mismatch`; Solana has `SvmCheck::NetworkMismatch`).
    NetworkMismatch,
    /// v2 `accepted` is not equal to the offered requirements (`accepted_requirements_mismatch`).
    AcceptedRequirementsMismatch,
}

/// A failed check of a signed EVM transfer authorization, with the same meaning for EIP-3009
/// and for Permit2; the code depends on the scheme ([`Eip3009Check::Transfer`],
/// [`Permit2Check::Transfer`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransferCheck {
    /// The signature does not authorize the transfer.
    Signature(SignatureFailure),
    /// The signed recipient is not `payTo`.
    RecipientMismatch,
    /// The authorization expires too soon or has expired (`validBefore`, Permit2 `deadline`).
    Expired,
    /// The authorization is not valid yet (`validAfter`).
    NotYetValid,
    /// The signed amount does not match the required amount.
    AmountMismatch,
}

/// A failed check of `exact` with EIP-3009.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Eip3009Check {
    /// The scheme is not `exact` (`invalid_exact_evm_scheme`).
    Scheme,
    /// `extra.name` or `extra.version` is missing (`invalid_exact_evm_missing_eip712_domain`).
    MissingEip712Domain,
    /// A transfer check failed: `invalid_exact_evm_signature`,
    /// `invalid_exact_evm_recipient_mismatch`,
    /// `invalid_exact_evm_payload_authorization_valid_before`,
    /// `invalid_exact_evm_payload_authorization_valid_after`,
    /// `invalid_exact_evm_payload_authorization_value_mismatch`.
    Transfer(TransferCheck),
}

/// A failed check of a Permit2 payment (`exact` with Permit2, or `upto`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Permit2Check {
    /// `spender` is not the scheme's x402 proxy (`invalid_permit2_spender`).
    Spender,
    /// `permitted.token` is not the requirements' `asset` (`permit2_token_mismatch`).
    TokenMismatch,
    /// A transfer check failed: `invalid_permit2_signature`,
    /// `invalid_permit2_recipient_mismatch`, `permit2_deadline_expired`,
    /// `permit2_not_yet_valid`, `permit2_amount_mismatch`.
    Transfer(TransferCheck),
}

/// A failed `upto` check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UptoCheck {
    /// `witness.facilitator` is not this facilitator, or no facilitator address is configured
    /// (`upto_facilitator_mismatch`).
    FacilitatorMismatch,
    /// The settle amount exceeds the signed maximum
    /// (`invalid_upto_evm_payload_settlement_exceeds_amount`).
    SettlementExceedsAmount,
}

impl From<EnvelopeCheck> for VerifyError {
    fn from(check: EnvelopeCheck) -> Self {
        Self::Envelope(check)
    }
}

impl From<Eip3009Check> for VerifyError {
    fn from(check: Eip3009Check) -> Self {
        Self::Eip3009(check)
    }
}

impl From<Permit2Check> for VerifyError {
    fn from(check: Permit2Check) -> Self {
        Self::Permit2(check)
    }
}

impl From<UptoCheck> for VerifyError {
    fn from(check: UptoCheck) -> Self {
        Self::Upto(check)
    }
}

#[cfg(feature = "svm")]
impl From<SvmCheck> for VerifyError {
    fn from(check: SvmCheck) -> Self {
        Self::Svm(check)
    }
}

/// Whose error strings [`VerifyError::reason`] speaks. The strings are not interoperable across
/// implementations; pick the one your peers expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ReasonDialect {
    /// The reference TypeScript facilitator (`@x402/evm` v2) — the same as [`VerifyError::code`].
    #[default]
    TypeScript,
    /// The Go SDK (`go/mechanisms/evm/exact/facilitator/errors.go`).
    Go,
    /// The Python SDK (`python/x402/mechanisms/evm/constants.py`).
    Python,
    /// The error list of the x402 v1 specification
    /// (<https://github.com/coinbase/x402/blob/main/specs/x402-specification-v1.md>), v1 wording
    /// for the value check.
    SpecV1,
    /// x402-rs (`ErrorReason`).
    X402Rs,
}

impl VerifyError {
    /// The verdict for a payment that could not be decoded: `invalid_x402_version` when the
    /// version is unknown, `invalid_payload` otherwise.
    pub fn from_payload(error: DecodeError) -> Self {
        match error.reason() {
            DecodeReason::UnsupportedVersion => Self::Envelope(EnvelopeCheck::InvalidX402Version),
            _ => Self::InvalidPayload(error),
        }
    }

    /// The error string the given implementation uses for this failure.
    ///
    /// | failure | TypeScript / Go | Python | spec v1 | x402-rs |
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
    /// use pay402::x402::{Eip3009Check, ReasonDialect, TransferCheck, VerifyError};
    /// let early = VerifyError::Eip3009(Eip3009Check::Transfer(TransferCheck::NotYetValid));
    /// assert_eq!(early.reason(ReasonDialect::X402Rs), "invalid_payment_early");
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
        use TransferCheck as T;
        match self {
            Self::Eip3009(Eip3009Check::Scheme) => "unsupported_scheme",
            Self::Envelope(EnvelopeCheck::NetworkMismatch) => "network_mismatch",
            Self::Eip3009(Eip3009Check::Transfer(T::Signature(_))) => {
                "invalid_exact_evm_payload_signature"
            }
            Self::Eip3009(Eip3009Check::Transfer(T::RecipientMismatch)) => {
                "invalid_exact_evm_payload_recipient_mismatch"
            }
            _ => self.code(),
        }
    }

    fn spec_v1_reason(&self) -> &'static str {
        use TransferCheck as T;
        match self {
            Self::Eip3009(Eip3009Check::Scheme) => "unsupported_scheme",
            Self::Envelope(EnvelopeCheck::NetworkMismatch) => "invalid_network",
            Self::Eip3009(Eip3009Check::Transfer(T::Signature(_))) => {
                "invalid_exact_evm_payload_signature"
            }
            Self::Eip3009(Eip3009Check::Transfer(T::RecipientMismatch)) => {
                "invalid_exact_evm_payload_recipient_mismatch"
            }
            Self::Eip3009(Eip3009Check::Transfer(T::AmountMismatch)) => {
                "invalid_exact_evm_payload_authorization_value"
            }
            Self::Eip3009(Eip3009Check::MissingEip712Domain)
            | Self::Envelope(EnvelopeCheck::AcceptedRequirementsMismatch) => {
                "invalid_payment_requirements"
            }
            _ => self.code(),
        }
    }

    fn x402_rs_reason(&self) -> &'static str {
        match self {
            Self::InvalidPayload(_)
            | Self::InvalidPaymentRequirements(_)
            | Self::Envelope(EnvelopeCheck::InvalidX402Version)
            | Self::Eip3009(Eip3009Check::MissingEip712Domain) => "invalid_format",
            Self::Envelope(EnvelopeCheck::InvalidNetwork) => "unsupported_chain",
            Self::Envelope(EnvelopeCheck::UnsupportedPayloadType)
            | Self::Eip3009(Eip3009Check::Scheme) => "unsupported_scheme",
            Self::Envelope(EnvelopeCheck::NetworkMismatch) => "chain_id_mismatch",
            Self::Envelope(EnvelopeCheck::AcceptedRequirementsMismatch) => {
                "accepted_requirements_mismatch"
            }
            Self::Eip3009(Eip3009Check::Transfer(t)) | Self::Permit2(Permit2Check::Transfer(t)) => {
                t.x402_rs_reason()
            }
            Self::Permit2(Permit2Check::TokenMismatch) => "asset_mismatch",
            Self::Upto(UptoCheck::SettlementExceedsAmount) => "invalid_payment_amount",
            Self::Permit2(Permit2Check::Spender) | Self::Upto(UptoCheck::FacilitatorMismatch) => {
                self.code()
            }
            #[cfg(feature = "svm")]
            Self::Svm(check) => check.x402_rs_reason(),
        }
    }
}

impl TransferCheck {
    fn x402_rs_reason(&self) -> &'static str {
        match self {
            Self::Signature(_) => "invalid_signature",
            Self::RecipientMismatch => "recipient_mismatch",
            Self::Expired => "invalid_payment_expired",
            Self::NotYetValid => "invalid_payment_early",
            Self::AmountMismatch => "invalid_payment_amount",
        }
    }

    /// The precise cause underneath: a signature failure's code.
    fn detail_code(&self) -> Option<&'static str> {
        match self {
            Self::Signature(f) => Some(f.code()),
            _ => None,
        }
    }
}

impl ErrorCode for EnvelopeCheck {
    fn code(&self) -> &'static str {
        match self {
            Self::InvalidX402Version => "invalid_x402_version",
            Self::InvalidNetwork => "invalid_network",
            Self::UnsupportedPayloadType => "unsupported_payload_type",
            Self::NetworkMismatch => "invalid_exact_evm_network_mismatch",
            Self::AcceptedRequirementsMismatch => "accepted_requirements_mismatch",
        }
    }
}

impl ErrorCode for Eip3009Check {
    fn code(&self) -> &'static str {
        match self {
            Self::Scheme => "invalid_exact_evm_scheme",
            Self::MissingEip712Domain => "invalid_exact_evm_missing_eip712_domain",
            Self::Transfer(TransferCheck::Signature(_)) => "invalid_exact_evm_signature",
            Self::Transfer(TransferCheck::RecipientMismatch) => {
                "invalid_exact_evm_recipient_mismatch"
            }
            Self::Transfer(TransferCheck::Expired) => {
                "invalid_exact_evm_payload_authorization_valid_before"
            }
            Self::Transfer(TransferCheck::NotYetValid) => {
                "invalid_exact_evm_payload_authorization_valid_after"
            }
            Self::Transfer(TransferCheck::AmountMismatch) => {
                "invalid_exact_evm_payload_authorization_value_mismatch"
            }
        }
    }

    fn detail_code(&self) -> Option<&'static str> {
        match self {
            Self::Transfer(t) => t.detail_code(),
            _ => None,
        }
    }
}

impl ErrorCode for Permit2Check {
    fn code(&self) -> &'static str {
        match self {
            Self::Spender => "invalid_permit2_spender",
            Self::TokenMismatch => "permit2_token_mismatch",
            Self::Transfer(TransferCheck::Signature(_)) => "invalid_permit2_signature",
            Self::Transfer(TransferCheck::RecipientMismatch) => {
                "invalid_permit2_recipient_mismatch"
            }
            Self::Transfer(TransferCheck::Expired) => "permit2_deadline_expired",
            Self::Transfer(TransferCheck::NotYetValid) => "permit2_not_yet_valid",
            Self::Transfer(TransferCheck::AmountMismatch) => "permit2_amount_mismatch",
        }
    }

    fn detail_code(&self) -> Option<&'static str> {
        match self {
            Self::Transfer(t) => t.detail_code(),
            _ => None,
        }
    }
}

impl ErrorCode for UptoCheck {
    fn code(&self) -> &'static str {
        match self {
            Self::FacilitatorMismatch => "upto_facilitator_mismatch",
            Self::SettlementExceedsAmount => "invalid_upto_evm_payload_settlement_exceeds_amount",
        }
    }
}

impl ErrorCode for VerifyError {
    fn code(&self) -> &'static str {
        match self {
            Self::InvalidPayload(_) => "invalid_payload",
            Self::InvalidPaymentRequirements(_) => "invalid_payment_requirements",
            Self::Envelope(check) => check.code(),
            Self::Eip3009(check) => check.code(),
            Self::Permit2(check) => check.code(),
            Self::Upto(check) => check.code(),
            #[cfg(feature = "svm")]
            Self::Svm(check) => check.code(),
        }
    }

    /// The decoder's code under `invalid_payload` / `invalid_payment_requirements`, a signature
    /// failure's code (`signature_wrong_signer`, `smart_wallet_needs_rpc`, `signature_high_s`, …), or
    /// the base64 / transaction code of an undecodable Solana transaction.
    fn detail_code(&self) -> Option<&'static str> {
        match self {
            Self::InvalidPayload(e) | Self::InvalidPaymentRequirements(e) => Some(e.code()),
            Self::Envelope(check) => check.detail_code(),
            Self::Eip3009(check) => check.detail_code(),
            Self::Permit2(check) => check.detail_code(),
            Self::Upto(check) => check.detail_code(),
            #[cfg(feature = "svm")]
            Self::Svm(check) => check.detail_code(),
        }
    }
}

impl fmt::Display for EnvelopeCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::InvalidX402Version => {
                "x402Version is unknown or differs from the requirements' version"
            }
            Self::InvalidNetwork => "the requirements name an unknown network",
            Self::UnsupportedPayloadType => "the payload type is not supported by this verifier",
            Self::NetworkMismatch => "the payment's network differs from the requirements'",
            Self::AcceptedRequirementsMismatch => {
                "`accepted` is not equal to the offered payment requirements"
            }
        })
    }
}

impl fmt::Display for Eip3009Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Scheme => f.write_str("scheme is not `exact`"),
            Self::MissingEip712Domain => f.write_str(
                "requirements.extra must carry the token's EIP-712 `name` and `version`",
            ),
            Self::Transfer(TransferCheck::Signature(SignatureFailure::Malformed(e))) => {
                write!(f, "signature rejected: {e}")
            }
            Self::Transfer(TransferCheck::Signature(SignatureFailure::WrongSigner {
                recovered,
            })) => {
                write!(
                    f,
                    "signature was made by {recovered}, not by authorization.from"
                )
            }
            Self::Transfer(TransferCheck::Signature(SignatureFailure::NotEoa)) => f.write_str(
                "signature is not a 65-byte EOA signature (smart wallets need an on-chain check)",
            ),
            Self::Transfer(TransferCheck::RecipientMismatch) => {
                f.write_str("authorization.to is not the requirements' payTo")
            }
            Self::Transfer(TransferCheck::Expired) => {
                f.write_str("authorization expires too soon (validBefore)")
            }
            Self::Transfer(TransferCheck::NotYetValid) => {
                f.write_str("authorization is not valid yet (validAfter)")
            }
            Self::Transfer(TransferCheck::AmountMismatch) => {
                f.write_str("authorization value does not match the required amount")
            }
        }
    }
}

impl fmt::Display for Permit2Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Spender => {
                f.write_str("permit2Authorization.spender is not the scheme's x402 Permit2 proxy")
            }
            Self::TokenMismatch => {
                f.write_str("permit2Authorization.permitted.token is not the requirements' asset")
            }
            Self::Transfer(TransferCheck::Signature(SignatureFailure::Malformed(e))) => {
                write!(f, "Permit2 signature rejected: {e}")
            }
            Self::Transfer(TransferCheck::Signature(SignatureFailure::WrongSigner { recovered })) => {
                write!(
                    f,
                    "Permit2 signature was made by {recovered}, not by permit2Authorization.from"
                )
            }
            Self::Transfer(TransferCheck::Signature(SignatureFailure::NotEoa)) => f.write_str(
                "Permit2 signature is not a 65-byte EOA signature (smart wallets need an on-chain check)",
            ),
            Self::Transfer(TransferCheck::RecipientMismatch) => {
                f.write_str("permit2Authorization.witness.to is not the requirements' payTo")
            }
            Self::Transfer(TransferCheck::Expired) => {
                f.write_str("permit2Authorization.deadline is too soon or past")
            }
            Self::Transfer(TransferCheck::NotYetValid) => {
                f.write_str("permit2Authorization.witness.validAfter is in the future")
            }
            Self::Transfer(TransferCheck::AmountMismatch) => f.write_str(
                "permit2Authorization.permitted.amount does not match the required amount",
            ),
        }
    }
}

impl fmt::Display for UptoCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::FacilitatorMismatch => {
                "witness.facilitator is not this facilitator (or no facilitator address is configured)"
            }
            Self::SettlementExceedsAmount => "the settle amount exceeds the signed permitted.amount",
        })
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidPayload(e) => write!(f, "payment payload is invalid: {e}"),
            Self::InvalidPaymentRequirements(e) => {
                write!(f, "payment requirements are invalid: {e}")
            }
            Self::Envelope(check) => write!(f, "{check}"),
            Self::Eip3009(check) => write!(f, "{check}"),
            Self::Permit2(check) => write!(f, "{check}"),
            Self::Upto(check) => write!(f, "{check}"),
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

impl core::error::Error for SignatureFailure {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Malformed(e) => Some(e),
            _ => None,
        }
    }
}

impl core::error::Error for EnvelopeCheck {}

impl core::error::Error for TransferCheck {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Signature(failure) => Some(failure),
            _ => None,
        }
    }
}

impl fmt::Display for TransferCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Signature(failure) => write!(f, "{failure}"),
            Self::RecipientMismatch => {
                f.write_str("the signed recipient is not the requirements' payTo")
            }
            Self::Expired => f.write_str("the authorization expires too soon or has expired"),
            Self::NotYetValid => f.write_str("the authorization is not valid yet"),
            Self::AmountMismatch => {
                f.write_str("the signed amount does not match the required amount")
            }
        }
    }
}

impl core::error::Error for Eip3009Check {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Transfer(t) => t.source(),
            _ => None,
        }
    }
}

impl core::error::Error for Permit2Check {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Transfer(t) => t.source(),
            _ => None,
        }
    }
}

impl core::error::Error for UptoCheck {}

impl core::error::Error for VerifyError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::InvalidPayload(e) | Self::InvalidPaymentRequirements(e) => Some(e),
            Self::Envelope(check) => Some(check),
            Self::Eip3009(check) => Some(check),
            Self::Permit2(check) => Some(check),
            Self::Upto(check) => Some(check),
            #[cfg(feature = "svm")]
            Self::Svm(check) => Some(check),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evm::Address;

    /// Every EVM verdict with its code and its Python, spec v1 and x402-rs strings: the strings
    /// the flat verdict list had, unchanged by the nesting.
    #[test]
    #[allow(clippy::too_many_lines, reason = "one row per verdict")]
    fn nested_verdicts_keep_every_wire_string() {
        use Eip3009Check as E;
        use EnvelopeCheck as V;
        use Permit2Check as P;
        use TransferCheck as T;
        let sig = T::Signature(SignatureFailure::NotEoa);
        let rows: [(VerifyError, [&str; 4]); 22] = [
            (
                V::InvalidX402Version.into(),
                [
                    "invalid_x402_version",
                    "invalid_x402_version",
                    "invalid_x402_version",
                    "invalid_format",
                ],
            ),
            (
                V::InvalidNetwork.into(),
                [
                    "invalid_network",
                    "invalid_network",
                    "invalid_network",
                    "unsupported_chain",
                ],
            ),
            (
                V::UnsupportedPayloadType.into(),
                [
                    "unsupported_payload_type",
                    "unsupported_payload_type",
                    "unsupported_payload_type",
                    "unsupported_scheme",
                ],
            ),
            (
                V::NetworkMismatch.into(),
                [
                    "invalid_exact_evm_network_mismatch",
                    "network_mismatch",
                    "invalid_network",
                    "chain_id_mismatch",
                ],
            ),
            (
                V::AcceptedRequirementsMismatch.into(),
                [
                    "accepted_requirements_mismatch",
                    "accepted_requirements_mismatch",
                    "invalid_payment_requirements",
                    "accepted_requirements_mismatch",
                ],
            ),
            (
                E::Scheme.into(),
                [
                    "invalid_exact_evm_scheme",
                    "unsupported_scheme",
                    "unsupported_scheme",
                    "unsupported_scheme",
                ],
            ),
            (
                E::MissingEip712Domain.into(),
                [
                    "invalid_exact_evm_missing_eip712_domain",
                    "invalid_exact_evm_missing_eip712_domain",
                    "invalid_payment_requirements",
                    "invalid_format",
                ],
            ),
            (
                E::Transfer(sig).into(),
                [
                    "invalid_exact_evm_signature",
                    "invalid_exact_evm_payload_signature",
                    "invalid_exact_evm_payload_signature",
                    "invalid_signature",
                ],
            ),
            (
                E::Transfer(T::RecipientMismatch).into(),
                [
                    "invalid_exact_evm_recipient_mismatch",
                    "invalid_exact_evm_payload_recipient_mismatch",
                    "invalid_exact_evm_payload_recipient_mismatch",
                    "recipient_mismatch",
                ],
            ),
            (
                E::Transfer(T::Expired).into(),
                [
                    "invalid_exact_evm_payload_authorization_valid_before",
                    "invalid_exact_evm_payload_authorization_valid_before",
                    "invalid_exact_evm_payload_authorization_valid_before",
                    "invalid_payment_expired",
                ],
            ),
            (
                E::Transfer(T::NotYetValid).into(),
                [
                    "invalid_exact_evm_payload_authorization_valid_after",
                    "invalid_exact_evm_payload_authorization_valid_after",
                    "invalid_exact_evm_payload_authorization_valid_after",
                    "invalid_payment_early",
                ],
            ),
            (
                E::Transfer(T::AmountMismatch).into(),
                [
                    "invalid_exact_evm_payload_authorization_value_mismatch",
                    "invalid_exact_evm_payload_authorization_value_mismatch",
                    "invalid_exact_evm_payload_authorization_value",
                    "invalid_payment_amount",
                ],
            ),
            (
                P::Spender.into(),
                [
                    "invalid_permit2_spender",
                    "invalid_permit2_spender",
                    "invalid_permit2_spender",
                    "invalid_permit2_spender",
                ],
            ),
            (
                P::Transfer(T::RecipientMismatch).into(),
                [
                    "invalid_permit2_recipient_mismatch",
                    "invalid_permit2_recipient_mismatch",
                    "invalid_permit2_recipient_mismatch",
                    "recipient_mismatch",
                ],
            ),
            (
                P::Transfer(T::Expired).into(),
                [
                    "permit2_deadline_expired",
                    "permit2_deadline_expired",
                    "permit2_deadline_expired",
                    "invalid_payment_expired",
                ],
            ),
            (
                P::Transfer(T::NotYetValid).into(),
                [
                    "permit2_not_yet_valid",
                    "permit2_not_yet_valid",
                    "permit2_not_yet_valid",
                    "invalid_payment_early",
                ],
            ),
            (
                P::Transfer(T::AmountMismatch).into(),
                [
                    "permit2_amount_mismatch",
                    "permit2_amount_mismatch",
                    "permit2_amount_mismatch",
                    "invalid_payment_amount",
                ],
            ),
            (
                P::TokenMismatch.into(),
                [
                    "permit2_token_mismatch",
                    "permit2_token_mismatch",
                    "permit2_token_mismatch",
                    "asset_mismatch",
                ],
            ),
            (
                P::Transfer(sig).into(),
                [
                    "invalid_permit2_signature",
                    "invalid_permit2_signature",
                    "invalid_permit2_signature",
                    "invalid_signature",
                ],
            ),
            (
                UptoCheck::FacilitatorMismatch.into(),
                [
                    "upto_facilitator_mismatch",
                    "upto_facilitator_mismatch",
                    "upto_facilitator_mismatch",
                    "upto_facilitator_mismatch",
                ],
            ),
            (
                UptoCheck::SettlementExceedsAmount.into(),
                [
                    "invalid_upto_evm_payload_settlement_exceeds_amount",
                    "invalid_upto_evm_payload_settlement_exceeds_amount",
                    "invalid_upto_evm_payload_settlement_exceeds_amount",
                    "invalid_payment_amount",
                ],
            ),
            (
                VerifyError::InvalidPayload(DecodeError::new("x", DecodeReason::MissingField)),
                [
                    "invalid_payload",
                    "invalid_payload",
                    "invalid_payload",
                    "invalid_format",
                ],
            ),
        ];
        for (verdict, [code, python, spec_v1, x402_rs]) in rows {
            assert_eq!(verdict.code(), code);
            assert_eq!(verdict.reason(ReasonDialect::TypeScript), code);
            assert_eq!(verdict.reason(ReasonDialect::Go), code);
            assert_eq!(verdict.reason(ReasonDialect::Python), python, "{code}");
            assert_eq!(verdict.reason(ReasonDialect::SpecV1), spec_v1, "{code}");
            assert_eq!(verdict.reason(ReasonDialect::X402Rs), x402_rs, "{code}");
        }
    }

    #[test]
    fn detail_code_names_the_nested_cause() {
        let wrong = SignatureFailure::WrongSigner {
            recovered: Address([0; 20]),
        };
        let cases: [(VerifyError, Option<&str>); 5] = [
            (
                Eip3009Check::Transfer(TransferCheck::Signature(wrong)).into(),
                Some("signature_wrong_signer"),
            ),
            (
                Permit2Check::Transfer(TransferCheck::Signature(SignatureFailure::NotEoa)).into(),
                Some("smart_wallet_needs_rpc"),
            ),
            (
                VerifyError::InvalidPayload(DecodeError::new("x", DecodeReason::MissingField)),
                Some("missing_field"),
            ),
            (Eip3009Check::Transfer(TransferCheck::Expired).into(), None),
            (EnvelopeCheck::InvalidNetwork.into(), None),
        ];
        for (verdict, detail) in cases {
            assert_eq!(verdict.detail_code(), detail, "{verdict}");
        }
    }
}
