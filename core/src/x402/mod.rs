//! x402 v1 and v2 (Coinbase / x402 Foundation): wire formats, the `exact` EVM scheme and its
//! verification. See `shared/spec/x402.md`.
//!
//! One file per wire structure, named as the spec names it:
//!
//! | wire structure | file |
//! |---|---|
//! | `PaymentRequirements` (v1, v2) | [`payment_requirements`] |
//! | `PaymentRequired` (v1 body, v2 `PAYMENT-REQUIRED`) | [`payment_required`] |
//! | `ResourceInfo` (v2) | [`resource_info`] |
//! | `PaymentPayload` (`X-PAYMENT`, `PAYMENT-SIGNATURE`) | [`payment_payload`] |
//! | `exact` EVM payload (EIP-3009) | [`exact_evm_payload`] |
//! | EVM payload with Permit2 (`exact`, `upto`) | [`exact_permit2_payload`] |
//! | `SettleResponse` (`X-PAYMENT-RESPONSE`, `PAYMENT-RESPONSE`, `/settle`) | [`settle_response`] |
//! | `/verify` `/settle` requests, `/verify` response, `/supported` | [`facilitator`] |
//! | header names and the base64 header encoding | [`header`] |
//! | network names and CAIP-2 ids | [`network`] |
//!
//! The paying side (select an offer, sign, emit the header, read the receipt) is [`client`].
//!
//! Decoding borrows from the input (header values are base64-decoded into a caller buffer);
//! encoding writes canonical compact JSON in the spec's key order into a caller buffer.

pub mod client;
pub mod default_assets;
pub mod error;
pub mod exact_evm_payload;
pub mod exact_permit2_payload;
pub mod facilitator;
mod field;
pub mod header;
pub mod network;
pub mod payment_payload;
pub mod payment_required;
pub mod payment_requirements;
pub mod policy;
pub mod resource_info;
pub mod settle_response;
pub mod verify;
pub mod verify_permit2;
#[cfg(feature = "svm")]
pub mod verify_svm;

pub use error::{DecodeError, DecodeReason, ReasonDialect, SignatureFailure, VerifyError};
pub use exact_evm_payload::{ExactEvmPayload, PayloadKind, ReplayKey};
pub use exact_permit2_payload::{
    ExactPermit2Payload, Permit2Authorization, Permit2SignError, sign_permit2_payload,
};
pub use facilitator::{
    SettleRequest, SupportedKind, SupportedResponse, VerifyRequest, VerifyResponse,
};
pub use network::Network;
pub use payment_payload::{PaymentPayload, PaymentPayloadV1, PaymentPayloadV2};
pub use payment_required::{MAX_ACCEPTS, PaymentRequired, PaymentRequiredV1, PaymentRequiredV2};
pub use payment_requirements::{PaymentRequirements, PaymentRequirementsV1, PaymentRequirementsV2};
pub use policy::{AcceptedMatch, AmountRule, VerifyPolicy};
pub use resource_info::ResourceInfo;
pub use settle_response::SettleResponse;
#[cfg(feature = "svm")]
pub use verify::{AnyVerified, verify_any_payment, verify_any_payment_header};
pub use verify::{
    PaymentKind, Verified, VerifyInput, verify_exact_evm, verify_payment, verify_payment_header,
    verify_payment_header_with,
};
#[cfg(feature = "svm")]
pub use verify_svm::{SvmCheck, SvmPolicy, SvmVerified, verify_exact_svm};

/// The x402 protocol version, the `x402Version` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum X402Version {
    /// Version 1: JSON 402 body, `X-PAYMENT`, network names.
    V1,
    /// Version 2: `PAYMENT-REQUIRED` header, `PAYMENT-SIGNATURE`, CAIP-2 networks.
    V2,
}

impl X402Version {
    /// The number written in `x402Version`.
    pub const fn number(self) -> u64 {
        match self {
            Self::V1 => 1,
            Self::V2 => 2,
        }
    }
}
