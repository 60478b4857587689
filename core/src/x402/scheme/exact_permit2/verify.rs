//! Verification of an EVM payment with Permit2 — `exact` with `extra.assetTransferMethod:
//! "permit2"`, <https://github.com/coinbase/x402/blob/main/specs/schemes/exact/scheme_exact_evm.md>, and `upto`,
//! <https://github.com/coinbase/x402/blob/main/specs/schemes/upto/scheme_upto_evm.md> — against one `PaymentRequirements`, offline and
//! pure. [`crate::x402::Verifier`] dispatches here when the scheme payload carries
//! `permit2Authorization`.
//!
//! Checks, in order (the first failure is the verdict):
//!
//! | # | check | error code |
//! |---|---|---|
//! | 1 | payment and requirements have the same `x402Version` | `invalid_x402_version` |
//! | 2 | the requirements' network is a known EVM network | `invalid_network` |
//! | 3 | the scheme payload decodes as Permit2 | `invalid_payload` |
//! | 4 | v2, and both schemes are `exact` (requirements with `assetTransferMethod: "permit2"`) or both `upto` | `unsupported_payload_type` |
//! | 5 | `upto`: the witness names a facilitator | `invalid_payload` |
//! | 6 | the payment's network equals the requirements' | `invalid_exact_evm_network_mismatch` |
//! | 7 | `accepted` equals the requirements ([`AcceptedMatch`]) | `accepted_requirements_mismatch` |
//! | 8 | `spender` is the scheme's x402 proxy | `invalid_permit2_spender` |
//! | 9 | `witness.to == payTo` | `invalid_permit2_recipient_mismatch` |
//! | 10 | `upto`: `witness.facilitator` is the configured facilitator (none configured: fails) | `upto_facilitator_mismatch` |
//! | 11 | `deadline >= now + valid_before_slack` | `permit2_deadline_expired` |
//! | 12 | `witness.validAfter <= now` | `permit2_not_yet_valid` |
//! | 13 | `permitted.amount == amount` ([`AmountRule`]) | `permit2_amount_mismatch` |
//! | 14 | `permitted.token == asset` | `permit2_token_mismatch` |
//! | 15 | the EIP-712 signature recovers `from` ([`SignaturePolicy`]) | `invalid_permit2_signature` |
//! | 16 | `upto` with a settle amount: settle amount `<=` `permitted.amount` | `invalid_upto_evm_payload_settlement_exceeds_amount` |
//!
//! Rows 4 and 8–15 are `@x402/evm` 2.27's `verifyPermit2` / `verifyUptoPermit2` order,
//! including the place of the facilitator check (after the recipient, before the deadline);
//! row 16 is its `settleUptoPermit2` check. Row 7 is the resource server's `accepted` match,
//! placed as in the EIP-3009 verifier.
//!
//! **`upto` amounts.** `requirements` are always the *offered* requirements (what `accepted`
//! echoes): at verify time the signed maximum must match them as for `exact` (the reference
//! compares `permitted.amount == requirements.amount`). The actual charge at settle time is
//! [`UptoOptions::settle_amount`], which must not exceed the signed maximum; it becomes
//! [`Verified::amount`]. (The reference resource server instead rewrites `requirements.amount`
//! to the charge and its facilitator then skips the amount check; a host holding such
//! rewritten requirements passes the offered ones plus the charge as `settle_amount`.)
//!
//! What needs the chain (Permit2 allowance, balance, nonce bitmap, proxy deployment,
//! simulation, EIP-1271 wallets) is left to the host; [`Verified::replay_key`] names the
//! Permit2 contract and `(owner, nonce)`, the key Permit2 itself enforces.
//!
//! [`SignaturePolicy`]: crate::evm::SignaturePolicy
//! [`AcceptedMatch`]: crate::x402::AcceptedMatch

use super::payload::ExactPermit2Payload;
use crate::evm::Address;
use crate::evm::permit2::{
    PERMIT2_ADDRESS, WitnessShape, X402_EXACT_PERMIT2_PROXY, X402_UPTO_PERMIT2_PROXY,
    permit2_domain,
};
use crate::u256::U256;
use crate::x402::X402Version;
use crate::x402::error::{
    DecodeError, DecodeReason, EnvelopeCheck, Permit2Check, TransferCheck, UptoCheck, VerifyError,
};
use crate::x402::network::Network;
use crate::x402::payment_payload::PaymentPayload;
use crate::x402::payment_requirements::{PaymentRequirements, PaymentRequirementsV2};
use crate::x402::policy::{AmountRule, VerifyPolicy};
use crate::x402::scheme::exact_eip3009::payload::ReplayKey;
use crate::x402::scheme::upto_permit2::UptoOptions;
use crate::x402::scheme::{
    DeferredSignature, SignatureCheck, accepted_matches, check_eoa_signature, parse_address,
    resolve_network,
};
use crate::x402::verifier::{PaymentKind, Verified};

/// The verdict of a failed transfer check, in Permit2's codes.
fn transfer(check: TransferCheck) -> VerifyError {
    VerifyError::Permit2(Permit2Check::Transfer(check))
}

/// Verifies a payment whose scheme payload is Permit2 (see the module table).
pub(crate) fn verify_permit2<'p>(
    requirements: &PaymentRequirements<'_>,
    payment: &PaymentPayload<'p>,
    now: u64,
    policy: &VerifyPolicy,
    upto: &UptoOptions,
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
    let payload = ExactPermit2Payload::from_json_value(payment.payload())
        .map_err(VerifyError::InvalidPayload)?;
    let authorization = &payload.authorization;
    // 4. scheme (v1 is EIP-3009 only)
    let (PaymentPayload::V2(p), PaymentRequirements::V2(r)) = (payment, requirements) else {
        return Err(VerifyError::Envelope(EnvelopeCheck::UnsupportedPayloadType));
    };
    let (kind, shape, proxy) = scheme_of(&p.accepted, r)?;
    // 5. the message in the scheme's shape
    let message = authorization.message_for(shape).ok_or_else(|| {
        VerifyError::InvalidPayload(
            DecodeError::new("facilitator", DecodeReason::MissingField)
                .within("payload.permit2Authorization.witness"),
        )
    })?;
    // 6. network equality
    if p.accepted.network != r.network {
        return Err(VerifyError::Envelope(EnvelopeCheck::NetworkMismatch));
    }
    // 7. accepted
    if !accepted_matches(&p.accepted, r, policy.accepted) {
        return Err(VerifyError::Envelope(
            EnvelopeCheck::AcceptedRequirementsMismatch,
        ));
    }
    // 8. spender
    if message.spender != proxy {
        return Err(VerifyError::Permit2(Permit2Check::Spender));
    }
    // 9. recipient
    if parse_address(r.pay_to) != Some(message.witness.to()) {
        return Err(transfer(TransferCheck::RecipientMismatch));
    }
    // 10. facilitator (upto)
    if let Some(facilitator) = message.witness.facilitator()
        && upto.facilitator != Some(facilitator)
    {
        return Err(VerifyError::Upto(UptoCheck::FacilitatorMismatch));
    }
    // 11, 12. time window
    let earliest_deadline =
        U256::from_u128(u128::from(now) + u128::from(policy.valid_before_slack));
    if message.deadline < earliest_deadline {
        return Err(transfer(TransferCheck::Expired));
    }
    if message.witness.valid_after() > U256::from_u64(now) {
        return Err(transfer(TransferCheck::NotYetValid));
    }
    // 13. amount
    let signed = message.permitted.amount;
    let amount_ok = match policy.amount {
        AmountRule::Exact => signed == r.amount,
        AmountRule::AtLeast => signed >= r.amount,
    };
    if !amount_ok {
        return Err(transfer(TransferCheck::AmountMismatch));
    }
    // 14. token
    let asset = parse_address(r.asset).ok_or(VerifyError::InvalidPaymentRequirements(
        DecodeError::new("asset", DecodeReason::InvalidValue),
    ))?;
    if message.permitted.token != asset {
        return Err(VerifyError::Permit2(Permit2Check::TokenMismatch));
    }
    // 15. signature
    let digest = message.digest(&permit2_domain(chain_id));
    match defer {
        None => check_signature(&payload, &digest, policy)?,
        Some(slot) => {
            *slot = Some(DeferredSignature {
                digest,
                signature_hex: payload.signature_hex,
                eip3009: None,
            });
        }
    }
    // 16. settle amount (upto)
    let amount = match (kind, upto.settle_amount) {
        (PaymentKind::UptoPermit2, Some(charge)) if charge > signed => {
            return Err(VerifyError::Upto(UptoCheck::SettlementExceedsAmount));
        }
        (PaymentKind::UptoPermit2, Some(charge)) => charge,
        _ => signed,
    };
    let nonce = message.nonce.to_be_bytes();
    Ok(Verified {
        x402_version: X402Version::V2,
        network,
        kind,
        payer: authorization.from,
        amount,
        authorized_amount: signed,
        nonce,
        valid_before: message.deadline,
        replay_key: ReplayKey {
            chain_id,
            asset: PERMIT2_ADDRESS,
            payer: authorization.from,
            nonce,
        },
    })
}

/// Step 4: which Permit2 payment the offer and `accepted` describe.
fn scheme_of(
    accepted: &PaymentRequirementsV2<'_>,
    offered: &PaymentRequirementsV2<'_>,
) -> Result<(PaymentKind, WitnessShape, Address), VerifyError> {
    if offered.scheme.eq_str("exact") && accepted.scheme.eq_str("exact") {
        let method = offered
            .extra
            .as_ref()
            .and_then(|extra| extra.field("assetTransferMethod").value())
            .and_then(|v| v.as_str());
        if method.is_some_and(|m| m.eq_str("permit2")) {
            Ok((
                PaymentKind::ExactPermit2,
                WitnessShape::Exact,
                X402_EXACT_PERMIT2_PROXY,
            ))
        } else {
            Err(VerifyError::Envelope(EnvelopeCheck::UnsupportedPayloadType))
        }
    } else if offered.scheme.eq_str("upto") && accepted.scheme.eq_str("upto") {
        Ok((
            PaymentKind::UptoPermit2,
            WitnessShape::Upto,
            X402_UPTO_PERMIT2_PROXY,
        ))
    } else {
        Err(VerifyError::Envelope(EnvelopeCheck::UnsupportedPayloadType))
    }
}

/// Step 15: the signature recovers `permit2Authorization.from` under the policy.
fn check_signature(
    payload: &ExactPermit2Payload<'_>,
    digest: &[u8; 32],
    policy: &VerifyPolicy,
) -> Result<(), VerifyError> {
    check_eoa_signature(
        payload.signature_hex,
        payload.authorization.from,
        digest,
        policy,
    )
    .map_err(|e| match e {
        SignatureCheck::Undecodable(e) => VerifyError::InvalidPayload(e),
        SignatureCheck::Failed(f) => transfer(TransferCheck::Signature(f)),
    })
}
