//! The facilitator's EVM settlement (`pay402::x402::evm_settlement`): `x402.settle.outcome` and
//! `x402.settle.revert_reason`.

use super::{Outcome, code};
use crate::input;
use pay402::U256;
use pay402::u256::LeadingZeros;
use pay402::writer::write_all;
use pay402::x402::evm_settlement::{
    EvmSettlement, Phase, SettleMethod, SettlementResult, eip3009_transfer_error_reason,
};
use pay402::x402::server::SettleVerdict;
use serde_json::{Value, json};

fn result_json(result: &SettlementResult<'_>) -> Outcome {
    let mut buf = vec![0u8; 4096];
    let n = write_all(&mut buf, |w| result.write_json(w)).map_err(|e| code(&e))?;
    let response: Value =
        serde_json::from_slice(buf.get(..n).unwrap_or_default()).map_err(|e| e.to_string())?;
    let verdict = match result.verdict() {
        SettleVerdict::Settled => "settled",
        SettleVerdict::Refused => "refused",
        SettleVerdict::Pending => "pending",
    };
    Ok(json!({ "response": response, "verdict": verdict }))
}

/// `x402.settle.outcome`: a settlement of `method` (`eip3009` | `permit2`) by `payer` on
/// `network` (`amount` for `upto`) taken through `steps` (objects of one key: `refused`
/// {`reason`, `message`?}, `without_transaction` (any value), `transfer_reverted` text, `submitted` hash, `confirmed`, `reverted`,
/// `receipt_unavailable` text) → the `SettleResponse` of its end and the resource server's
/// `verdict`.
pub(crate) fn outcome(input: &Value) -> Outcome {
    let method = match input::str(input, "method")? {
        "eip3009" => SettleMethod::Eip3009,
        "permit2" => SettleMethod::Permit2,
        _ => return Err(input::bad("method")),
    };
    let amount = input::opt_str(input, "amount")
        .map(|s| {
            U256::parse_decimal(s.as_bytes(), LeadingZeros::Reject)
                .map_err(|_| input::bad("amount"))
        })
        .transpose()?;
    let mut settlement = EvmSettlement::at(
        input::str(input, "network")?,
        input::str(input, "payer")?,
        method,
        amount,
        Phase::Built,
    );
    let steps = input::get(input, "steps")?
        .as_array()
        .ok_or_else(|| input::bad("steps"))?;
    let mut end = None;
    for step in steps {
        let (name, value) = step
            .as_object()
            .filter(|o| o.len() == 1)
            .and_then(|o| o.iter().next())
            .ok_or_else(|| input::bad("steps"))?;
        let text = |key: &str| value.as_str().ok_or_else(|| input::bad(key));
        let result = match name.as_str() {
            "refused" => Some(settlement.refused(
                input::str(value, "reason")?,
                input::opt_str(value, "message"),
            )),
            "without_transaction" => settlement.without_transaction().transpose(),
            "transfer_reverted" => Some(settlement.transfer_reverted(text(name)?)),
            "submitted" => settlement.submitted(text(name)?).transpose(),
            "confirmed" => Some(settlement.confirmed()),
            "reverted" => Some(settlement.reverted()),
            "receipt_unavailable" => Some(settlement.receipt_unavailable(text(name)?)),
            _ => return Err(input::bad("steps")),
        };
        if let Some(result) = result {
            end = Some(result.map_err(|e| code(&e))?);
        }
    }
    result_json(&end.ok_or_else(|| input::bad("steps"))?)
}

/// `svm.settle.outcome`: a Solana settlement by `payer` on `network` taken through `steps`
/// (objects of one key: `refused` {`reason`, `message`?}, `simulation_failed` err JSON text,
/// `simulation_error` text, `duplicate`, `send_failed` text, `submitted` signature,
/// `confirmed`, `failed` err JSON text, `confirmation_timeout` text) → the `SettleResponse` of
/// its end and the resource server's `verdict`.
pub(crate) fn svm_outcome(input: &Value) -> Outcome {
    use pay402::x402::svm_settlement::{Phase as SvmPhase, SvmSettlement};
    let mut settlement = SvmSettlement::at(
        input::str(input, "network")?,
        input::str(input, "payer")?,
        SvmPhase::Built,
    );
    let steps = input::get(input, "steps")?
        .as_array()
        .ok_or_else(|| input::bad("steps"))?;
    let mut end = None;
    for step in steps {
        let (name, value) = step
            .as_object()
            .filter(|o| o.len() == 1)
            .and_then(|o| o.iter().next())
            .ok_or_else(|| input::bad("steps"))?;
        let text = |key: &str| value.as_str().ok_or_else(|| input::bad(key));
        let result = match name.as_str() {
            "refused" => Some(settlement.refused(
                input::str(value, "reason")?,
                input::opt_str(value, "message"),
            )),
            "simulation_failed" => Some(settlement.simulation_failed(text(name)?)),
            "simulation_error" => Some(settlement.simulation_error(text(name)?)),
            "duplicate" => Some(settlement.duplicate()),
            "send_failed" => Some(settlement.send_failed(text(name)?)),
            "submitted" => settlement.submitted(text(name)?).transpose(),
            "confirmed" => Some(settlement.confirmed()),
            "failed" => Some(settlement.failed(text(name)?)),
            "confirmation_timeout" => Some(settlement.confirmation_timeout(text(name)?)),
            _ => return Err(input::bad("steps")),
        };
        if let Some(result) = result {
            end = Some(result.map_err(|e| code(&e))?);
        }
    }
    if settlement.phase() != SvmPhase::Ended {
        return Err(input::bad("steps"));
    }
    let result = end.ok_or_else(|| input::bad("steps"))?;
    let mut buf = vec![0u8; 4096];
    let n = write_all(&mut buf, |w| result.write_json(w)).map_err(|e| code(&e))?;
    let response: Value =
        serde_json::from_slice(buf.get(..n).unwrap_or_default()).map_err(|e| e.to_string())?;
    let verdict = match result.verdict() {
        SettleVerdict::Settled => "settled",
        SettleVerdict::Refused => "refused",
        SettleVerdict::Pending => "pending",
    };
    Ok(json!({ "response": response, "verdict": verdict }))
}

/// `x402.settle.revert_reason`: the `errorReason` of a `transferWithAuthorization` whose send
/// reverted with `revert`.
pub(crate) fn revert_reason(input: &Value) -> Outcome {
    Ok(json!({ "reason": eip3009_transfer_error_reason(input::str(input, "revert")?) }))
}

/// `x402.settle.terms`: what the `/settle` `body` (JSON text) asks for → the `requirements` to
/// verify the payment against (a JSON object; `upto`: `amount` is the signed maximum) and the
/// `upto` `charge` (decimal, `null` for every other scheme).
pub(crate) fn terms(input: &Value) -> Outcome {
    let body = input::str(input, "body")?;
    let terms = pay402::x402::settle_terms(body.as_bytes()).map_err(|e| code(&e))?;
    let mut out = vec![0u8; 2 * body.len() + 256];
    let n = write_all(&mut out, |w| {
        terms.request.payment_requirements.write_json(w)
    })
    .map_err(|e| code(&e))?;
    let requirements: Value =
        serde_json::from_slice(&out[..n]).map_err(|_| input::bad("requirements written"))?;
    Ok(json!({
        "requirements": requirements,
        "charge": terms.charge.map(|c| c.to_string()),
    }))
}

/// `svm.cosign`: the client's partially signed `transaction` (base64) co-signed by the fee payer
/// of `fee_payer_seed_hex` → the `transaction` to send (base64) and its `signature` (base58).
pub(crate) fn svm_cosign(input: &Value) -> Outcome {
    use pay402::base64::{Base64Policy, decode_into, encode_into};
    use pay402::svm::PayerKey;
    use pay402::svm::cosign::{SIGNATURE_BASE58_MAX_LEN, cosign_fee_payer};
    let text = input::str(input, "transaction")?;
    let mut wire = vec![0u8; text.len()];
    let wire = decode_into(text.as_bytes(), &Base64Policy::STANDARD_PADDED, &mut wire)
        .map_err(|_| input::bad("transaction"))?;
    let seed = input::hex_array::<32>(
        input::str(input, "fee_payer_seed_hex")?,
        "fee_payer_seed_hex",
    )?;
    let mut out = vec![0u8; wire.len()];
    let cosigned =
        cosign_fee_payer(wire, &PayerKey::from_seed(&seed), &mut out).map_err(|e| code(&e))?;
    let mut b64 = vec![0u8; wire.len() * 4 / 3 + 4];
    let transaction = encode_into(cosigned.transaction, &mut b64).map_err(|e| code(&e))?;
    let mut sig = [0u8; SIGNATURE_BASE58_MAX_LEN];
    Ok(json!({ "transaction": transaction, "signature": cosigned.signature_base58(&mut sig) }))
}
