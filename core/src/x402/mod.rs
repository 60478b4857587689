//! x402 v1 and v2 (Coinbase / x402 Foundation): the wire formats, the payment schemes and their
//! verification. Specification: <https://github.com/coinbase/x402/tree/main/specs>
//! (`x402-specification-v1.md`, `x402-specification-v2.md`, the HTTP transports under
//! `transports-v1/` and `transports-v2/`, the schemes under `schemes/`).
//!
//! Wire codecs, one file per wire structure, named as the spec names it:
//!
//! | wire structure | file |
//! |---|---|
//! | `PaymentRequirements` (v1, v2) | [`payment_requirements`] |
//! | `PaymentRequired` (v1 body, v2 `PAYMENT-REQUIRED`) | [`payment_required`] |
//! | `ResourceInfo` (v2) | [`resource_info`] |
//! | `PaymentPayload` (`X-PAYMENT`, `PAYMENT-SIGNATURE`) | [`payment_payload`] |
//! | `SettleResponse` (`X-PAYMENT-RESPONSE`, `PAYMENT-RESPONSE`, `/settle`) | [`settle_response`] |
//! | `/verify` `/settle` requests, `/verify` response, `/supported` | [`facilitator`] |
//! | header names and the base64 header encoding | [`header`] |
//! | network names and CAIP-2 ids | [`network`] |
//!
//! Schemes, one folder each with its scheme payload, its checks and its paying side
//! ([`scheme`]):
//!
//! | scheme | folder |
//! |---|---|
//! | `exact` on EVM with EIP-3009 | [`scheme::exact_eip3009`] |
//! | `exact` on EVM with Permit2 | [`scheme::exact_permit2`] |
//! | `upto` on EVM with Permit2 | [`scheme::upto_permit2`] (shares the Permit2 code) |
//! | `exact` on Solana | `scheme::exact_svm` (feature `svm`) |
//!
//! Verification has one entry point, [`Verifier`] ([`verifier`]): its policy ([`policy`]) and
//! scheme options, `verify` and `verify_header`; it is offline and accepts EOA signatures only.
//! Smart-wallet payers (EIP-1271, ERC-6492, EIP-7702) are verified by [`smart_wallet`], which
//! asks the host for `eth_getCode` and one `eth_call`. The payer's side (select an offer, sign
//! through the scheme, read the receipt) is [`client`]; the resource server's side (prepared
//! offers, the challenge) is [`server`]. A facilitator that settles on EVM itself writes the
//! settlement call with [`settle_calldata()`] and follows the transaction to its `SettleResponse`
//! with [`evm_settlement`]. Errors ([`error`]) are nested by
//! cause: the envelope, then one check enum per scheme.
//!
//! Decoding borrows from the input (header values are base64-decoded into a caller buffer);
//! encoding writes canonical compact JSON in the spec's key order into a caller buffer.

pub mod client;
pub mod default_assets;
pub mod error;
pub mod evm_settlement;
pub mod facilitator;
pub mod header;
pub mod network;
pub mod payment_payload;
pub mod payment_required;
pub mod payment_requirements;
pub mod policy;
pub mod refund;
pub mod resource_info;
pub mod scheme;
pub mod server;
pub mod settle_calldata;
pub mod settle_response;
pub mod smart_wallet;
#[cfg(feature = "svm")]
pub mod svm_settlement;
pub mod verifier;

pub use error::{
    DecodeError, DecodeReason, Eip3009Check, EnvelopeCheck, Permit2Check, ReasonDialect,
    SignatureFailure, TransferCheck, UptoCheck, VerifyError,
};
pub use facilitator::{
    SettleRequest, SettleTerms, SettleTermsError, SupportedKind, SupportedResponse, VerifyRequest,
    VerifyResponse, settle_terms,
};
pub use network::Network;
pub use payment_payload::{PaymentPayload, PaymentPayloadV1, PaymentPayloadV2};
pub use payment_required::{MAX_ACCEPTS, PaymentRequired, PaymentRequiredV1, PaymentRequiredV2};
pub use payment_requirements::{PaymentRequirements, PaymentRequirementsV1, PaymentRequirementsV2};
pub use policy::{AcceptedMatch, AmountRule, VerifyPolicy};
pub use resource_info::ResourceInfo;
pub use scheme::exact_eip3009::payload::{ExactEvmPayload, PayloadKind, ReplayKey};
pub use scheme::exact_permit2::pay::{Permit2SignError, sign_permit2_payload};
pub use scheme::exact_permit2::payload::{ExactPermit2Payload, Permit2Authorization};
#[cfg(feature = "svm")]
pub use scheme::exact_svm::verify::{
    DEFAULT_EXTRA_PROGRAMS, HOST_CHECKS, HostCheck, SvmCheck, SvmPolicy, SvmVerified,
    TransactionDecodeFailure,
};
pub use scheme::upto_permit2::UptoOptions;
pub use settle_calldata::{
    Payer, SettleCall, SettleCalldataError, settle_calldata, settle_calldata_for_payer,
};
pub use settle_response::SettleResponse;
pub use verifier::{AnyVerified, PaymentKind, Verified, Verifier};

/// The x402 protocol version, the `x402Version` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum X402Version {
    /// Version 1: JSON 402 body, `X-PAYMENT`, network names.
    V1,
    /// Version 2: `PAYMENT-REQUIRED` header, `PAYMENT-SIGNATURE`, CAIP-2 networks.
    V2,
}

impl X402Version {
    /// Reads the `x402Version` member: a JSON integer, 1 or 2 (`invalid_x402_version`
    /// otherwise, `missing_field` or `wrong_type` when absent or not a number).
    pub(crate) fn read(obj: &crate::json::Object<'_>) -> Result<Self, DecodeError> {
        const KEY: &str = "x402Version";
        let value = obj.field(KEY).required()?;
        if value.kind() != crate::json::Kind::Number {
            return Err(DecodeError::new(KEY, DecodeReason::WrongType));
        }
        match value.as_u64() {
            Some(1) => Ok(Self::V1),
            Some(2) => Ok(Self::V2),
            _ => Err(DecodeError::new(KEY, DecodeReason::UnsupportedVersion)),
        }
    }

    /// The number written in `x402Version`.
    pub const fn number(self) -> u64 {
        match self {
            Self::V1 => 1,
            Self::V2 => 2,
        }
    }
}
