//! Verification of an `exact` EVM payment with EIP-3009 against one `PaymentRequirements`,
//! offline and pure: a function of the decoded views, the policy and `now`.
//! [`crate::x402::Verifier`] sends here every EVM payment whose payload has no
//! `permit2Authorization`.
//!
//! EIP-3009 checks, in order (the first failure is the verdict):
//!
//! | # | check | error code |
//! |---|---|---|
//! | 1 | payment and requirements have the same `x402Version` | `invalid_x402_version` |
//! | 2 | the requirements' network is a known EVM network | `invalid_network` |
//! | 3 | the scheme payload decodes as EIP-3009 | `invalid_payload` / `unsupported_payload_type` |
//! | 4 | both schemes are `exact` | `invalid_exact_evm_scheme` |
//! | 5 | `extra.name` and `extra.version` are non-empty strings | `invalid_exact_evm_missing_eip712_domain` |
//! | 6 | the payment's network equals the requirements' | `invalid_exact_evm_network_mismatch` |
//! | 7 | v2: `accepted` equals the requirements ([`AcceptedMatch`]) | `accepted_requirements_mismatch` |
//! | 8 | the EIP-712 signature recovers `authorization.from` ([`SignaturePolicy`]) | `invalid_exact_evm_signature` |
//! | 9 | `authorization.to == payTo` (case-insensitive) | `invalid_exact_evm_recipient_mismatch` |
//! | 10 | `validBefore >= now + valid_before_slack` | `invalid_exact_evm_payload_authorization_valid_before` |
//! | 11 | `validAfter <= now` | `invalid_exact_evm_payload_authorization_valid_after` |
//! | 12 | `value == amount` ([`AmountRule`]) | `invalid_exact_evm_payload_authorization_value_mismatch` |
//!
//! Steps 4–12 are the TypeScript reference facilitator's order. What needs the chain (balance,
//! nonce state, EIP-1271/ERC-6492 smart wallets, simulation) is left to the host; the
//! [`Verified`] result carries the [`ReplayKey`] to record.
//!
//! [`SignaturePolicy`]: crate::evm::SignaturePolicy
//! [`AcceptedMatch`]: crate::x402::AcceptedMatch
//! [`AmountRule`]: crate::x402::AmountRule
//! [`ReplayKey`]: crate::x402::ReplayKey
//! [`Verified`]: crate::x402::Verified

use super::payload::{ExactEvmPayload, PayloadKind, ReplayKey};
use crate::evm::Eip712Domain;
use crate::evm::eip712::typed_data_digest;
use crate::json::{Object, RawValue};
use crate::u256::U256;
use crate::x402::error::{
    DecodeError, DecodeReason, Eip3009Check, EnvelopeCheck, TransferCheck, VerifyError,
};
use crate::x402::network::Network;
use crate::x402::payment_payload::PaymentPayload;
use crate::x402::payment_requirements::PaymentRequirements;
use crate::x402::policy::{AmountRule, VerifyPolicy};
use crate::x402::scheme::{
    DeferredSignature, SignatureCheck, accepted_matches, check_eoa_signature, parse_address,
    resolve_network,
};
use crate::x402::verifier::{PaymentKind, Verified};

/// Longest EIP-712 domain `name`/`version` the verifier decodes, in bytes.
const DOMAIN_TEXT_CAP: usize = 256;

/// The verdict of a failed transfer check, in this scheme's codes.
fn transfer(check: TransferCheck) -> VerifyError {
    VerifyError::Eip3009(Eip3009Check::Transfer(check))
}

/// The EIP-3009 checks of the module table.
///
/// `separator`: the EIP-712 domain separator of `requirements` when the caller computed it
/// already (a server's prepared offer, whose requirements it wrote itself); `None` derives it
/// from `extra`, `chainId` and `asset`. Either way `extra.name`/`extra.version` are checked.
/// `payload` is the payment's `payload` object, indexed (`None` when it is not an object), and
/// `kind` its [`PayloadKind`], which the caller dispatched on.
// The inputs are the verifier's plus the two optional shortcuts of its callers.
#[allow(clippy::too_many_arguments)]
pub(crate) fn verify_eip3009<'p>(
    requirements: &PaymentRequirements<'_>,
    payment: &PaymentPayload<'p>,
    payload: Option<&Object<'p>>,
    kind: PayloadKind,
    now: u64,
    policy: &VerifyPolicy,
    separator: Option<&[u8; 32]>,
    defer: Option<&mut Option<DeferredSignature<'p>>>,
) -> Result<Verified, VerifyError> {
    // 1. version
    if payment.version() != requirements.version() {
        return Err(VerifyError::Envelope(EnvelopeCheck::InvalidX402Version));
    }
    // 2. network of the requirements
    let network = resolve_network(requirements.network(), requirements.version())
        .ok_or(VerifyError::Envelope(EnvelopeCheck::InvalidNetwork))?;
    let Network::Eip155 { chain_id } = network else {
        return Err(VerifyError::Envelope(EnvelopeCheck::InvalidNetwork));
    };
    // 3. scheme payload
    let exact = decode_exact_payload(payload, kind)?;
    let authorization = &exact.authorization;
    // 4. scheme
    if !payment.scheme().eq_str("exact") || !requirements.scheme().eq_str("exact") {
        return Err(VerifyError::Eip3009(Eip3009Check::Scheme));
    }
    // 5. EIP-712 domain from extra
    let mut name_buf = [0u8; DOMAIN_TEXT_CAP];
    let mut version_buf = [0u8; DOMAIN_TEXT_CAP];
    let extra = requirements
        .extra()
        .ok_or(VerifyError::Eip3009(Eip3009Check::MissingEip712Domain))?;
    let name = domain_text(&extra, "name", &mut name_buf)?;
    let version = domain_text(&extra, "version", &mut version_buf)?;
    // 6. network equality
    if payment.network() != requirements.network() {
        return Err(VerifyError::Envelope(EnvelopeCheck::NetworkMismatch));
    }
    // 7. v2 accepted
    if let (PaymentPayload::V2(p), PaymentRequirements::V2(r)) = (payment, requirements)
        && !accepted_matches(&p.accepted, r, policy.accepted)
    {
        return Err(VerifyError::Envelope(
            EnvelopeCheck::AcceptedRequirementsMismatch,
        ));
    }
    // 8. signature
    let asset =
        parse_address(requirements.asset()).ok_or(VerifyError::InvalidPaymentRequirements(
            DecodeError::new("asset", DecodeReason::InvalidValue),
        ))?;
    let domain = Eip712Domain {
        name: Some(name),
        version: Some(version),
        chain_id: Some(chain_id),
        verifying_contract: Some(asset),
    };
    let digest = match separator {
        Some(separator) => typed_data_digest(separator, &authorization.struct_hash()),
        None => authorization.digest(&domain),
    };
    match defer {
        None => check_signature(&exact, &digest, policy)?,
        Some(slot) => {
            *slot = Some(DeferredSignature {
                digest,
                signature_hex: exact.signature_hex,
                eip3009: Some(exact.authorization),
            });
        }
    }
    // 9. recipient
    if parse_address(requirements.pay_to()) != Some(authorization.to) {
        return Err(transfer(TransferCheck::RecipientMismatch));
    }
    // 10, 11. time window
    let earliest_expiry = U256::from_u128(u128::from(now) + u128::from(policy.valid_before_slack));
    if authorization.valid_before < earliest_expiry {
        return Err(transfer(TransferCheck::Expired));
    }
    if authorization.valid_after > U256::from_u64(now) {
        return Err(transfer(TransferCheck::NotYetValid));
    }
    // 12. amount
    let required = requirements.amount();
    let amount_ok = match policy.amount {
        AmountRule::Exact => authorization.value == required,
        AmountRule::AtLeast => authorization.value >= required,
    };
    if !amount_ok {
        return Err(transfer(TransferCheck::AmountMismatch));
    }
    Ok(Verified {
        x402_version: payment.version(),
        network,
        kind: PaymentKind::ExactEip3009,
        payer: authorization.from,
        amount: authorization.value,
        authorized_amount: authorization.value,
        nonce: authorization.nonce,
        valid_before: authorization.valid_before,
        replay_key: ReplayKey {
            chain_id,
            asset,
            payer: authorization.from,
            nonce: authorization.nonce,
        },
    })
}

fn decode_exact_payload<'a>(
    payload: Option<&Object<'a>>,
    kind: PayloadKind,
) -> Result<ExactEvmPayload<'a>, VerifyError> {
    match (kind, payload) {
        (PayloadKind::Eip3009, Some(payload)) => {
            ExactEvmPayload::from_object(payload).map_err(VerifyError::InvalidPayload)
        }
        // Permit2 payloads never get here (the `Verifier` dispatches them first).
        (PayloadKind::Permit2 | PayloadKind::SolanaTransaction, _) => {
            Err(VerifyError::Envelope(EnvelopeCheck::UnsupportedPayloadType))
        }
        (PayloadKind::Unknown | PayloadKind::Eip3009, _) => Err(VerifyError::InvalidPayload(
            DecodeError::new("authorization", DecodeReason::MissingField).within("payload"),
        )),
    }
}

/// `extra.<key>` as a non-empty string (the reference rejects a missing or empty value).
fn domain_text<'a: 'b, 'b>(
    extra: &RawValue<'a>,
    key: &'static str,
    buf: &'b mut [u8],
) -> Result<&'b str, VerifyError> {
    let text = extra
        .field(key)
        .value()
        .and_then(|v| v.as_str())
        .ok_or(VerifyError::Eip3009(Eip3009Check::MissingEip712Domain))?;
    match text.text_in(buf) {
        Some("") => Err(VerifyError::Eip3009(Eip3009Check::MissingEip712Domain)),
        Some(text) => Ok(text),
        None => Err(VerifyError::InvalidPaymentRequirements(
            DecodeError::new(key, DecodeReason::InvalidValue).within("extra"),
        )),
    }
}

fn check_signature(
    exact: &ExactEvmPayload<'_>,
    digest: &[u8; 32],
    policy: &VerifyPolicy,
) -> Result<(), VerifyError> {
    check_eoa_signature(
        exact.signature_hex,
        exact.authorization.from,
        digest,
        policy,
    )
    .map_err(|e| match e {
        SignatureCheck::Undecodable(e) => VerifyError::InvalidPayload(e),
        SignatureCheck::Failed(f) => transfer(TransferCheck::Signature(f)),
    })
}
