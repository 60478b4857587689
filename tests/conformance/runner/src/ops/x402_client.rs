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

/// The owned lists of an `x402.client_pay` policy.
struct PolicyInput {
    networks: Vec<Network>,
    evm_assets: Vec<Address>,
    svm_assets: Vec<pay402::svm::Pubkey>,
    schemes: pay402::x402::client::Schemes,
    max_amount: U256,
}

fn decimal(text: &str, key: &str) -> Result<U256, String> {
    U256::parse_decimal(text.as_bytes(), LeadingZeros::Reject).map_err(|_| input::bad(key))
}

fn policy_input(policy: &Value) -> Result<PolicyInput, String> {
    use pay402::svm::Pubkey;
    use pay402::x402::client::Schemes;
    let list = |key: &str| -> Result<Vec<&str>, String> {
        policy.get(key).map_or(Ok(Vec::new()), |v| {
            v.as_array()
                .ok_or_else(|| input::bad(key))?
                .iter()
                .map(|s| s.as_str().ok_or_else(|| input::bad(key)))
                .collect()
        })
    };
    let schemes = if policy.get("schemes").is_some() {
        let names = list("schemes")?;
        Schemes {
            exact_eip3009: names.contains(&"exact_eip3009"),
            exact_permit2: names.contains(&"exact_permit2"),
            upto_permit2: names.contains(&"upto_permit2"),
            exact_svm: names.contains(&"exact_svm"),
        }
    } else {
        Schemes::ALL
    };
    Ok(PolicyInput {
        networks: list("networks")?
            .into_iter()
            .map(|n| Network::parse(n).ok_or_else(|| input::bad("networks")))
            .collect::<Result<_, _>>()?,
        evm_assets: list("evm_assets")?
            .into_iter()
            .map(|a| Address::parse(a.as_bytes()).map_err(|_| input::bad("evm_assets")))
            .collect::<Result<_, _>>()?,
        svm_assets: list("svm_assets")?
            .into_iter()
            .map(|a| Pubkey::parse(a.as_bytes()).map_err(|_| input::bad("svm_assets")))
            .collect::<Result<_, _>>()?,
        schemes,
        max_amount: decimal(input::str(policy, "max_amount")?, "max_amount")?,
    })
}

/// The Solana payment of an `x402.client_pay` case.
fn client_pay_svm<'o>(
    input: &Value,
    required: &PaymentRequired<'_>,
    index: usize,
    scratch: &mut [u8],
    out: &'o mut [u8],
) -> Result<&'o str, String> {
    use pay402::svm::{PayerKey, Pubkey};
    use pay402::x402::client::{SvmChainState, pay_svm};
    let seed = input::hex_array::<32>(input::str(input, "svm_seed_hex")?, "svm_seed_hex")?;
    let chain = input::get(input, "svm_chain")?;
    let pubkey =
        |key: &str| Pubkey::parse(input::str(chain, key)?.as_bytes()).map_err(|_| input::bad(key));
    let chain = SvmChainState {
        recent_blockhash: pubkey("recent_blockhash")?.0,
        decimals: u8::try_from(input::u64(chain, "decimals")?)
            .map_err(|_| input::bad("decimals"))?,
        token_program: pubkey("token_program")?,
    };
    let memo_nonce =
        input::hex_array::<16>(input::str(input, "memo_nonce_hex")?, "memo_nonce_hex")?;
    let mut wire = vec![0u8; 1232];
    pay_svm(
        required,
        index,
        &PayerKey::from_seed(&seed),
        &chain,
        &memo_nonce,
        &mut wire,
        scratch,
        out,
    )
    .map_err(|e| code(&e))
}

/// `x402.client_pay`: a 402 and the payer's policy in, the chosen entry and its payment header
/// out (every scheme: `exact` EIP-3009, `exact` Permit2, `upto`, `exact` Solana).
pub(crate) fn client_pay(input: &Value) -> Outcome {
    use pay402::x402::client::{ClientPolicy, PayKind, check_permit2_allowance, choose, pay_evm};
    let json = required_json(input)?;
    let required = decode(&json)?;
    let p = policy_input(input::get(input, "policy")?)?;
    let policy = ClientPolicy {
        networks: &p.networks,
        evm_assets: &p.evm_assets,
        svm_assets: &p.svm_assets,
        schemes: p.schemes,
    };
    let choice = choose(&required, &policy, |_, _| Some(p.max_amount)).map_err(|e| code(&e))?;
    if let Some(allowance) = input::opt_str(input, "permit2_allowance") {
        check_permit2_allowance(&choice, decimal(allowance, "permit2_allowance")?)
            .map_err(|e| code(&e))?;
    }
    let mut scratch = vec![0u8; header::RECOMMENDED_BUFFER_LEN.max(json.len() * 2)];
    let mut out = vec![0u8; scratch.len() * 4 / 3 + 4];
    let payment = if let PayKind::ExactSvm { .. } = choice.kind {
        client_pay_svm(input, &required, choice.index, &mut scratch, &mut out)?
    } else {
        let key = PrivateKey::from_hex(input::str(input, "private_key_hex")?.as_bytes())
            .map_err(|_| input::bad("private_key_hex"))?;
        pay_evm(
            &required,
            choice.index,
            &key,
            input::u64(input, "now")?,
            &nonce(input)?,
            &mut scratch,
            &mut out,
        )
        .map_err(|e| code(&e))?
    };
    Ok(json!({
        "index": choice.index,
        "kind": choice.kind.name(),
        "asset": choice.asset.to_string(),
        "amount": choice.amount.to_string(),
        "payment": payment,
    }))
}

/// `x402.paid_response`: the answer to a paid retry (`status`, `headers` as `[name, value]`
/// pairs, `body` text) → the verdict, and a refusal's code, detail code, message and whether it
/// is definitive.
pub(crate) fn paid_response(input: &Value) -> Outcome {
    use pay402::x402::client::{PaidResponse, read_paid_response};
    let status = u16::try_from(input::u64(input, "status")?).map_err(|_| input::bad("status"))?;
    let headers = match input.get("headers") {
        None => Vec::new(),
        Some(v) => v
            .as_array()
            .ok_or_else(|| input::bad("headers"))?
            .iter()
            .map(|pair| match pair.as_array().map(Vec::as_slice) {
                Some([Value::String(n), Value::String(v)]) => Ok((n.clone(), v.clone())),
                _ => Err(input::bad("headers")),
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    let body = input::opt_str(input, "body").unwrap_or("");
    let mut buf = vec![0u8; header::RECOMMENDED_BUFFER_LEN * 2];
    let text = |s: &pay402::json::JsonStr<'_>| s.chars().collect::<String>();
    Ok(
        match read_paid_response(status, &headers, body.as_bytes(), &mut buf) {
            PaidResponse::Served { receipt } => json!({
                "verdict": "served",
                "settled_amount": receipt.and_then(|r| r.amount).map(|a| a.to_string()),
                "transaction": receipt.and_then(|r| r.transaction).map(|t| text(&t)),
            }),
            PaidResponse::Refused(r) => json!({
                "verdict": "refused",
                "code": text(&r.code),
                "detail_code": r.detail_code.map(|d| text(&d)),
                "message": r.message.map(|m| text(&m)),
                "definitive": r.definitive,
            }),
            PaidResponse::Undetermined => json!({ "verdict": "undetermined" }),
        },
    )
}
