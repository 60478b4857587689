//! One module per payment scheme: its scheme payload, its verification (the checks in the
//! reference order) and its paying side.
//!
//! | scheme | payload | verify | pay |
//! |---|---|---|---|
//! | `exact` on EVM with EIP-3009 | [`exact_eip3009::payload`] | [`exact_eip3009::verify`] | [`exact_eip3009::draft`], [`exact_eip3009::signed`] |
//! | `exact` on EVM with Permit2 | [`exact_permit2::payload`] | [`exact_permit2::verify`] | [`exact_permit2::pay`] |
//! | `upto` on EVM with Permit2 | the Permit2 payload ([`upto_permit2`]) | [`exact_permit2::verify`] | [`exact_permit2::pay`] |
//! | `exact` on Solana | `{"transaction": …}` | `exact_svm::verify` | `exact_svm::pay` (built by `crate::svm::build_transfer`; feature `svm`) |

pub mod exact_eip3009;
pub mod exact_permit2;
#[cfg(feature = "svm")]
pub mod exact_svm;
pub mod upto_permit2;

use crate::evm::{Address, recover_address};
use crate::json::{JsonStr, values_equal};
use crate::x402::X402Version;
use crate::x402::error::{DecodeError, DecodeReason, SignatureFailure};
use crate::x402::network::Network;
use crate::x402::payment_requirements::PaymentRequirementsV2;
use crate::x402::policy::{AcceptedMatch, VerifyPolicy};

// Checks more than one scheme makes.

/// The requirements' `network` as a [`Network`]: a v1 name or a v2 CAIP-2 id.
pub(crate) fn resolve_network(network: JsonStr<'_>, version: X402Version) -> Option<Network> {
    let mut buf = [0u8; 128];
    let text = network.text_in(&mut buf)?;
    match version {
        X402Version::V1 => Network::from_v1_name(text),
        X402Version::V2 => Network::from_caip2(text),
    }
}

pub(crate) fn parse_address(text: JsonStr<'_>) -> Option<Address> {
    let mut buf = [0u8; 64];
    let text = text.text_in(&mut buf)?;
    Address::parse(text.as_bytes()).ok()
}

/// A signature check handed back to the caller instead of made offline (the smart-wallet flow
/// of [`crate::x402::smart_wallet`]): the EIP-712 digest, the signature as sent and, for
/// EIP-3009, the authorization the counterfactual simulation replays.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DeferredSignature<'p> {
    pub(crate) digest: [u8; 32],
    pub(crate) signature_hex: &'p str,
    pub(crate) eip3009: Option<crate::evm::TransferWithAuthorization>,
}

/// Why an EOA signature check failed: the hex did not decode, or the signature does not
/// authorize (the callers wrap the latter in their own `VerifyError` variant).
pub(crate) enum SignatureCheck {
    Undecodable(DecodeError),
    Failed(SignatureFailure),
}

/// The signature check EIP-3009 and Permit2 share: `signature_hex` (validated hex, no `0x`) must
/// be an EOA signature that recovers `expected` over `digest` under `policy`. Anything longer than
/// an EOA signature is a smart-wallet signature, which is not provable offline.
pub(crate) fn check_eoa_signature(
    signature_hex: &str,
    expected: Address,
    digest: &[u8; 32],
    policy: &VerifyPolicy,
) -> Result<(), SignatureCheck> {
    if signature_hex.len() > 130 {
        return Err(SignatureCheck::Failed(SignatureFailure::NotEoa));
    }
    let mut buf = [0u8; 65];
    let signature = crate::hex::decode_into(signature_hex.as_bytes(), &mut buf).map_err(|e| {
        SignatureCheck::Undecodable(
            DecodeError::new("signature", DecodeReason::Hex(e)).within("payload"),
        )
    })?;
    let recovered = recover_address(digest, signature, policy.signature)
        .map_err(|e| SignatureCheck::Failed(SignatureFailure::Malformed(e)))?;
    if recovered == expected {
        Ok(())
    } else {
        Err(SignatureCheck::Failed(SignatureFailure::WrongSigner {
            recovered,
        }))
    }
}

/// v2 `accepted` compared with the offered requirements under `rule`.
pub(crate) fn accepted_matches(
    accepted: &PaymentRequirementsV2<'_>,
    offered: &PaymentRequirementsV2<'_>,
    rule: AcceptedMatch,
) -> bool {
    match (rule, accepted.raw, offered.raw) {
        (AcceptedMatch::DeepEqual, Some(a), Some(b)) => values_equal(&a, &b),
        _ => typed_equal(accepted, offered),
    }
}

/// x402-rs parity: fields compared by meaning; addresses case-insensitively.
fn typed_equal(a: &PaymentRequirementsV2<'_>, b: &PaymentRequirementsV2<'_>) -> bool {
    let same_address = |x: JsonStr<'_>, y: JsonStr<'_>| match (parse_address(x), parse_address(y)) {
        (Some(x), Some(y)) => x == y,
        _ => x == y,
    };
    let same_extra = match (&a.extra, &b.extra) {
        (Some(x), Some(y)) => values_equal(x, y),
        (None, None) => true,
        _ => false,
    };
    a.scheme == b.scheme
        && a.network == b.network
        && a.amount == b.amount
        && same_address(a.asset, b.asset)
        && same_address(a.pay_to, b.pay_to)
        && a.max_timeout_seconds == b.max_timeout_seconds
        && same_extra
}
