//! `x402.*` ops.

use super::{Outcome, code};
use crate::input;
use pay402::U256;
use pay402::evm::{Address, SignaturePolicy};
use pay402::svm::Pubkey;
use pay402::u256::LeadingZeros;
use pay402::writer::write_all;
use pay402::x402::{
    AmountRule, AnyVerified, DecodeError, PaymentPayload, PaymentRequired, PaymentRequirements,
    SettleResponse, SvmPolicy, UptoOptions, Verifier, VerifyError, VerifyPolicy, header,
    settle_calldata,
};
use serde_json::{Value, json};

/// Base64-decodes a header value into owned JSON bytes.
fn header_json(value: &str) -> Result<Vec<u8>, String> {
    let mut buf = vec![0u8; value.len()];
    let json = header::decode(value.as_bytes(), &mut buf).map_err(|e| decode_code(&e))?;
    Ok(json.to_vec())
}

/// A payment decode failure's verdict code (`invalid_payload` or `invalid_x402_version`).
fn decode_code(error: &DecodeError) -> String {
    code(&VerifyError::from_payload(*error))
}

/// Decodes `json` as `kind` and re-encodes it canonically; returns (x402Version, JSON text).
fn reencode(kind: &str, json: &[u8]) -> Result<(Option<u64>, String), String> {
    let mut out = vec![0u8; json.len() * 2 + 4096];
    let (version, n) = match kind {
        "payment_required" => {
            let value = PaymentRequired::from_json(json).map_err(|e| decode_code(&e))?;
            let n = write_all(&mut out, |w| value.write_json(w)).map_err(|e| code(&e))?;
            (Some(value.version().number()), n)
        }
        "payment_payload" => {
            let value = PaymentPayload::from_json(json).map_err(|e| decode_code(&e))?;
            let n = write_all(&mut out, |w| value.write_json(w)).map_err(|e| code(&e))?;
            (Some(value.version().number()), n)
        }
        "settle_response" => {
            let value = SettleResponse::from_json(json).map_err(|e| decode_code(&e))?;
            (
                None,
                write_all(&mut out, |w| value.write_json(w)).map_err(|e| code(&e))?,
            )
        }
        _ => return Err(input::bad("kind")),
    };
    out.truncate(n);
    let text = String::from_utf8(out).map_err(|_| "encoder_wrote_invalid_utf8".to_owned())?;
    Ok((version, text))
}

pub(crate) fn roundtrip(input: &Value) -> Outcome {
    let kind = input::str(input, "kind")?;
    let json = header_json(input::str(input, "header")?)?;
    let (_, text) = reencode(kind, &json)?;
    let mut out = vec![0u8; text.len() * 4 / 3 + 8];
    let header = header::encode(text.as_bytes(), &mut out).map_err(|e| code(&e))?;
    Ok(json!({ "header": header }))
}

pub(crate) fn decode(input: &Value) -> Outcome {
    let kind = input::str(input, "kind")?;
    let json = match (
        input::opt_str(input, "header"),
        input::opt_str(input, "body"),
    ) {
        (Some(h), None) => header_json(h)?,
        (None, Some(b)) => b.as_bytes().to_vec(),
        _ => return Err(input::bad("header|body")),
    };
    let (version, text) = reencode(kind, &json)?;
    let mut result = json!({ "json": text });
    if let Some(v) = version {
        result["x402Version"] = json!(v);
    }
    Ok(result)
}

pub(crate) fn verify(input: &Value) -> Outcome {
    let requirements = serde_json::to_string(input::get(input, "requirements")?)
        .map_err(|_| input::bad("requirements"))?;
    let payment = input::str(input, "payment")?;
    let now = input::u64(input, "now")?;
    let policy = policy(input.get("policy"))?;
    let settle_amount = input::opt_str(input, "settle_amount")
        .map(|s| {
            U256::parse_decimal(s.as_bytes(), LeadingZeros::Reject)
                .map_err(|_| input::bad("settle_amount"))
        })
        .transpose()?;
    let facilitator = input::opt_str(input, "facilitator")
        .map(|s| Address::parse(s.as_bytes()).map_err(|_| input::bad("facilitator")))
        .transpose()?;
    let fee_payers = input
        .get("fee_payers")
        .map(|v| {
            v.as_array()
                .ok_or_else(|| input::bad("fee_payers"))?
                .iter()
                .map(|k| {
                    k.as_str()
                        .and_then(|k| Pubkey::parse(k.as_bytes()).ok())
                        .ok_or_else(|| input::bad("fee_payers"))
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    let svm = svm_policy(input.get("policy"), &fee_payers)?;
    let mut buf = vec![0u8; header::RECOMMENDED_BUFFER_LEN.max(payment.len())];
    let checker = Verifier {
        policy,
        svm: Some(svm),
        upto: UptoOptions {
            settle_amount,
            facilitator,
        },
    };
    let verified = checker
        .verify_header(requirements.as_bytes(), payment.as_bytes(), &mut buf, now)
        .map_err(|e| code(&e))?;
    Ok(match verified {
        AnyVerified::Evm(verified) => json!({
            "payer": verified.payer.to_string(),
            "nonce": input::to_0x(&verified.nonce),
            "amount": verified.amount.to_string(),
        }),
        AnyVerified::Svm(verified) => json!({
            "payer": verified.payer.to_string(),
            "amount": verified.amount.to_string(),
        }),
    })
}

/// The Solana policy fields of `policy`: `max_compute_unit_price`, `max_compute_unit_limit`,
/// `max_instructions`.
fn svm_policy<'p>(
    value: Option<&Value>,
    fee_payers: &'p [Pubkey],
) -> Result<SvmPolicy<'p>, String> {
    let mut policy = SvmPolicy {
        fee_payers,
        ..SvmPolicy::default()
    };
    let Some(value) = value else {
        return Ok(policy);
    };
    if let Some(v) = value.get("max_compute_unit_price") {
        policy.max_compute_unit_price = v
            .as_u64()
            .ok_or_else(|| input::bad("policy.max_compute_unit_price"))?;
    }
    if let Some(v) = value.get("max_compute_unit_limit") {
        policy.max_compute_unit_limit = Some(
            v.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| input::bad("policy.max_compute_unit_limit"))?,
        );
    }
    if let Some(v) = value.get("max_instructions") {
        policy.max_instructions = v
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| input::bad("policy.max_instructions"))?;
    }
    Ok(policy)
}

fn policy(value: Option<&Value>) -> Result<VerifyPolicy, String> {
    let mut policy = VerifyPolicy::default();
    let Some(value) = value else {
        return Ok(policy);
    };
    match value.get("amount").and_then(Value::as_str) {
        None | Some("exact") => {}
        Some("at_least") => policy.amount = AmountRule::AtLeast,
        Some(_) => return Err(input::bad("policy.amount")),
    }
    match value.get("signature").and_then(Value::as_str) {
        None | Some("strict") => {}
        Some("lenient") => policy.signature = SignaturePolicy::Lenient,
        Some(_) => return Err(input::bad("policy.signature")),
    }
    if let Some(slack) = value.get("valid_before_slack") {
        policy.valid_before_slack = slack
            .as_u64()
            .ok_or_else(|| input::bad("policy.valid_before_slack"))?;
    }
    Ok(policy)
}

/// `svm.build`: the reference client's partially signed payment transaction (x402 `exact` SVM).
pub(crate) fn svm_build(input: &Value) -> Outcome {
    use pay402::svm::{PayerKey, TransferParams, build_transfer};
    let key = |name: &str| {
        Pubkey::parse(input::str(input, name)?.as_bytes()).map_err(|_| input::bad(name))
    };
    let seed: [u8; 32] = input::hex_array(input::str(input, "payer_seed_hex")?, "payer_seed_hex")?;
    let amount = input::str(input, "amount")?
        .parse::<u64>()
        .map_err(|_| input::bad("amount"))?;
    let decimals =
        u8::try_from(input::u64(input, "decimals")?).map_err(|_| input::bad("decimals"))?;
    let memo = input::opt_str(input, "memo").unwrap_or_default();
    let params = TransferParams {
        fee_payer: key("fee_payer")?,
        mint: key("mint")?,
        pay_to: key("pay_to")?,
        token_program: key("token_program")?,
        amount,
        decimals,
        memo: memo.as_bytes(),
        recent_blockhash: key("recent_blockhash")?.0,
        compute_unit_limit: pay402::svm::client::DEFAULT_COMPUTE_UNIT_LIMIT,
        compute_unit_price: pay402::svm::client::DEFAULT_COMPUTE_UNIT_PRICE,
    };
    let mut out = vec![0u8; pay402::svm::transaction::MAX_TRANSACTION_LEN];
    let wire =
        build_transfer(&params, &PayerKey::from_seed(&seed), &mut out).map_err(|e| code(&e))?;
    let mut b64 = vec![0u8; wire.len() * 4 / 3 + 4];
    let text = pay402::base64::encode_into(wire, &mut b64).map_err(|e| code(&e))?;
    Ok(json!({ "transaction": text }))
}

/// `x402.settle.calldata`: the facilitator's settlement call for a payment → `to`, `data`.
pub(crate) fn settle_calldata_op(input: &Value) -> Outcome {
    let requirements = serde_json::to_string(input::get(input, "requirements")?)
        .map_err(|_| input::bad("requirements"))?;
    let requirements = PaymentRequirements::from_json(requirements.as_bytes())
        .map_err(|_| "invalid_payment_requirements".to_owned())?;
    let payment = input::str(input, "payment")?;
    let mut buf = vec![0u8; header::RECOMMENDED_BUFFER_LEN.max(payment.len())];
    let payment =
        PaymentPayload::from_header(payment.as_bytes(), &mut buf).map_err(|e| decode_code(&e))?;
    let settle_amount = input::opt_str(input, "settle_amount")
        .map(|s| {
            U256::parse_decimal(s.as_bytes(), LeadingZeros::Reject)
                .map_err(|_| input::bad("settle_amount"))
        })
        .transpose()?;
    let mut out = vec![0u8; 16 * 1024];
    let call =
        settle_calldata(&requirements, &payment, settle_amount, &mut out).map_err(|e| code(&e))?;
    let mut to = [0u8; 42];
    Ok(json!({
        "to": call.to.to_checksum(&mut to).to_ascii_lowercase(),
        "data": input::to_0x(call.data),
    }))
}
