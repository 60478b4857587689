//! `x402.sign`, `x402.select`, `x402.typed_data`, `x402.wallet_sign` and `x402.svm_payment` ops
//! (the paying side).

use super::{Outcome, code};
use crate::input;
use pay402::U256;
use pay402::evm::{Address, PrivateKey};
use pay402::u256::LeadingZeros;
use pay402::writer::write_all;
use pay402::x402::client::{
    PayerPolicy, PaymentDraft, select, sign_payment, write_svm_payment_header,
};
use pay402::x402::{Network, PaymentRequired, header};
use serde_json::{Value, json};

/// The `payment_required` input as JSON text (key order and number text preserved).
fn required_json(input: &Value) -> Result<String, String> {
    serde_json::to_string(input::get(input, "payment_required")?)
        .map_err(|_| input::bad("payment_required"))
}

fn decode(json: &str) -> Result<PaymentRequired<'_>, String> {
    PaymentRequired::from_json(json.as_bytes()).map_err(|e| code(&e))
}

fn accept_index(input: &Value) -> Result<usize, String> {
    match input.get("accept_index") {
        None => Ok(0),
        Some(v) => v
            .as_u64()
            .and_then(|i| usize::try_from(i).ok())
            .ok_or_else(|| input::bad("accept_index")),
    }
}

fn nonce(input: &Value) -> Result<[u8; 32], String> {
    input::hex_array::<32>(input::str(input, "nonce")?, "nonce")
}

pub(crate) fn sign(input: &Value) -> Outcome {
    let json = required_json(input)?;
    let required = decode(&json)?;
    let key = PrivateKey::from_hex(input::str(input, "private_key_hex")?.as_bytes())
        .map_err(|_| input::bad("private_key_hex"))?;
    let mut scratch = vec![0u8; header::RECOMMENDED_BUFFER_LEN.max(json.len() * 2)];
    let mut out = vec![0u8; scratch.len() * 4 / 3 + 4];
    let payment = sign_payment(
        &required,
        accept_index(input)?,
        &key,
        input::u64(input, "now")?,
        &nonce(input)?,
        &mut scratch,
        &mut out,
    )
    .map_err(|e| code(&e))?;
    Ok(json!({ "payment": payment }))
}

/// `x402.svm_payment`: the payment header around a built Solana transaction (base64 input).
pub(crate) fn svm_payment(input: &Value) -> Outcome {
    let json = required_json(input)?;
    let required = decode(&json)?;
    let text = input::str(input, "transaction")?;
    let mut wire = vec![0u8; pay402::base64::decoded_len_max(text.len())];
    let transaction = pay402::base64::decode_into(
        text.as_bytes(),
        &pay402::base64::Base64Policy::STANDARD_PADDED,
        &mut wire,
    )
    .map_err(|_| input::bad("transaction"))?;
    let mut scratch = vec![0u8; header::RECOMMENDED_BUFFER_LEN.max(json.len() + text.len() * 2)];
    let mut out = vec![0u8; scratch.len() * 4 / 3 + 4];
    let payment = write_svm_payment_header(
        &required,
        accept_index(input)?,
        transaction,
        &mut scratch,
        &mut out,
    )
    .map_err(|e| code(&e))?;
    Ok(json!({ "payment": payment }))
}

pub(crate) fn select_op(input: &Value) -> Outcome {
    let json = required_json(input)?;
    let required = decode(&json)?;
    let networks = input::get(input, "networks")?
        .as_array()
        .ok_or_else(|| input::bad("networks"))?
        .iter()
        .map(|n| {
            n.as_str()
                .and_then(Network::parse)
                .ok_or_else(|| input::bad("networks"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let assets = input::get(input, "assets")?
        .as_array()
        .ok_or_else(|| input::bad("assets"))?
        .iter()
        .map(|a| {
            a.as_str()
                .and_then(|a| Address::parse(a.as_bytes()).ok())
                .ok_or_else(|| input::bad("assets"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let max_amount = U256::parse_decimal(
        input::str(input, "max_amount")?.as_bytes(),
        LeadingZeros::Reject,
    )
    .map_err(|_| input::bad("max_amount"))?;
    let mut policy = PayerPolicy::new(&networks, &assets, max_amount);
    policy.allow_permit2 = input
        .get("allow_permit2")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let chosen = select(&required, &policy).map_err(|e| code(&e))?;
    let method = chosen.method.as_str();
    Ok(json!({ "index": chosen.index, "method": method, "chainId": chosen.chain_id }))
}

/// The draft of a wallet case: `payment_required`, `accept_index`, `from`, `now`, `nonce`.
fn with_draft<T>(
    input: &Value,
    f: impl FnOnce(&PaymentDraft<'_>) -> Result<T, String>,
) -> Result<T, String> {
    let json = required_json(input)?;
    let required = decode(&json)?;
    let from =
        Address::parse(input::str(input, "from")?.as_bytes()).map_err(|_| input::bad("from"))?;
    let draft = PaymentDraft::new(
        &required,
        accept_index(input)?,
        from,
        input::u64(input, "now")?,
        &nonce(input)?,
    )
    .map_err(|e| code(&e))?;
    f(&draft)
}

pub(crate) fn typed_data(input: &Value) -> Outcome {
    with_draft(input, |draft| {
        let mut buf = vec![0u8; 4096];
        let n = write_all(&mut buf, |w| draft.write_typed_data(w)).map_err(|e| code(&e))?;
        let typed: Value =
            serde_json::from_slice(&buf[..n]).map_err(|_| "typed_data_not_json".to_owned())?;
        Ok(json!({ "digest": input::to_0x(&draft.digest()), "typed_data": typed }))
    })
}

pub(crate) fn wallet_sign(input: &Value) -> Outcome {
    let signature = input::str(input, "signature")?.to_owned();
    with_draft(input, |draft| {
        let signed = draft
            .with_wallet_signature_hex(signature.as_bytes())
            .map_err(|e| code(&e))?;
        let mut scratch = vec![0u8; header::RECOMMENDED_BUFFER_LEN];
        let mut out = vec![0u8; header::RECOMMENDED_BUFFER_LEN * 2];
        let payment = signed
            .write_header(&mut scratch, &mut out)
            .map_err(|e| code(&e))?;
        Ok(json!({ "payment": payment, "signature": input::to_0x(&signed.signature()) }))
    })
}
