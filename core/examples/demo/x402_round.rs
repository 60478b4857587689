//! The x402 round trip: a protected resource, a paying client, v1 and v2.
//!
//! SETTLEMENT IS A LOCAL STAND-IN: the server verifies the payment with pay402 exactly as a
//! facilitator would, records its replay key, and then — instead of sending
//! `transferWithAuthorization` to a chain — makes up a transaction hash. No chain is contacted.

use crate::{http, show};
use pay402::evm::{Address, PrivateKey, keccak256};
use pay402::json::{JsonStr, RawValue};
use pay402::writer::write_all;
use pay402::x402::client::{PayerPolicy, PaymentDraft, read_settle_response, select};
use pay402::x402::header::{
    self, PAYMENT_REQUIRED, PAYMENT_RESPONSE, PAYMENT_SIGNATURE, X_PAYMENT, X_PAYMENT_RESPONSE,
};
use pay402::x402::{
    AnyVerified, Network, PaymentRequired, PaymentRequiredV1, PaymentRequiredV2,
    PaymentRequirementsV1, PaymentRequirementsV2, ResourceInfo, SettleResponse, Verifier,
    X402Version,
};
use pay402::{ErrorCode, U256};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// Base Sepolia USDC and its EIP-712 domain (x402 reference SDK,
/// `evm/src/shared/defaultAssets.ts`).
pub(crate) const ASSET: &str = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const EXTRA: &[u8] = br#"{"name":"USDC","version":"2"}"#;
/// The merchant.
const PAY_TO: &str = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
/// 0.01 USDC in atomic units (6 decimals).
const PRICE: u64 = 10_000;

/// The built-in test key: Hardhat/Anvil account #0, public knowledge — never fund it.
pub(crate) const TEST_KEY: &str =
    "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

pub(crate) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// 32 random bytes from the operating system (the core takes randomness, it never makes it).
pub(crate) fn random_nonce() -> std::io::Result<[u8; 32]> {
    use std::io::Read;
    let mut nonce = [0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut nonce)?;
    Ok(nonce)
}

fn b64(json: &[u8]) -> String {
    let mut out = vec![0u8; json.len() * 4 / 3 + 8];
    header::encode(json, &mut out)
        .map(str::to_owned)
        .unwrap_or_default()
}

/// What the server offers on `path`, as a `PaymentRequired` JSON document.
pub(crate) fn payment_required_json(version: X402Version, url: &str, price: u64) -> Vec<u8> {
    let extra = RawValue::parse(EXTRA).ok();
    let required = match version {
        X402Version::V1 => {
            let mut accepts = heapless::Vec::new();
            let _ = accepts.push(PaymentRequirementsV1 {
                scheme: JsonStr::from("exact"),
                network: JsonStr::from("base-sepolia"),
                max_amount_required: U256::from_u64(price),
                asset: JsonStr::from(ASSET),
                pay_to: JsonStr::from(PAY_TO),
                resource: JsonStr::from(url),
                description: JsonStr::from("Premium market data"),
                mime_type: Some(JsonStr::from("application/json")),
                output_schema: None,
                max_timeout_seconds: 60,
                extra,
            });
            PaymentRequired::V1(PaymentRequiredV1 {
                error: Some(JsonStr::from("X-PAYMENT header is required")),
                accepts,
            })
        }
        X402Version::V2 => {
            let mut accepts = heapless::Vec::new();
            let _ = accepts.push(PaymentRequirementsV2 {
                scheme: JsonStr::from("exact"),
                network: JsonStr::from("eip155:84532"),
                amount: U256::from_u64(price),
                asset: JsonStr::from(ASSET),
                pay_to: JsonStr::from(PAY_TO),
                max_timeout_seconds: 60,
                extra,
                raw: None,
            });
            PaymentRequired::V2(PaymentRequiredV2 {
                error: Some(JsonStr::from("PAYMENT-SIGNATURE header is required")),
                resource: ResourceInfo {
                    url: JsonStr::from(url),
                    description: Some(JsonStr::from("Premium market data")),
                    mime_type: Some(JsonStr::from("application/json")),
                    raw: None,
                },
                accepts,
                extensions: None,
            })
        }
    };
    let mut buf = vec![0u8; 4096];
    let n = write_all(&mut buf, |w| required.write_json(w)).unwrap_or(0);
    buf.truncate(n);
    buf
}

/// The one requirement the server verifies against (the first `accepts` entry).
pub(crate) fn offered_requirements(required_json: &[u8]) -> Vec<u8> {
    let value = RawValue::parse(required_json).ok();
    let first = value
        .and_then(|v| v.get("accepts"))
        .and_then(|a| a.elements())
        .and_then(|mut e| e.next());
    first
        .map(|v| v.as_text().as_bytes().to_vec())
        .unwrap_or_default()
}

/// The protected server: 402 without payment, 200 with a verified, fresh payment.
fn handle(
    request: &http::Message,
    seen: &Mutex<HashSet<[u8; 80]>>,
    port: u16,
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let (version, payment_header, response_header) = match request.path() {
        "/v1/premium-data" => (X402Version::V1, X_PAYMENT, X_PAYMENT_RESPONSE),
        "/v2/premium-data" => (X402Version::V2, PAYMENT_SIGNATURE, PAYMENT_RESPONSE),
        _ => return (404, vec![], b"not found".to_vec()),
    };
    let url = format!("http://127.0.0.1:{port}{}", request.path());
    let required = payment_required_json(version, &url, PRICE);
    let challenge = |error: &str| {
        println!("    [server] 402: {error}");
        match version {
            X402Version::V1 => (
                402,
                vec![("Content-Type".into(), "application/json".into())],
                required.clone(),
            ),
            X402Version::V2 => (
                402,
                vec![(PAYMENT_REQUIRED.into(), b64(&required))],
                b"{}".to_vec(),
            ),
        }
    };
    let Some(payment) = request.header(payment_header) else {
        return challenge(&format!("no {payment_header} header"));
    };
    let offer = offered_requirements(&required);
    let mut buf = vec![0u8; header::RECOMMENDED_BUFFER_LEN];
    let verified = match Verifier::EVM.verify_header(&offer, payment.as_bytes(), &mut buf, now()) {
        Ok(AnyVerified::Evm(v)) => v,
        Ok(_) => return challenge("not an EVM payment"),
        Err(e) => return challenge(&format!("verification failed: {} ({e})", e.code())),
    };
    // Replay protection: the (chain, asset, payer, nonce) key may be used once.
    let key = verified.replay_key.to_bytes();
    if !seen.lock().is_ok_and(|mut s| s.insert(key)) {
        return challenge("replayed authorization: this nonce was already used");
    }
    println!(
        "    [server] verified: payer {} paid {} atomic units",
        verified.payer, verified.amount
    );
    println!(
        "    [server] LOCAL SETTLEMENT STAND-IN: no chain is contacted; the transaction hash is made up"
    );
    let transaction = format!("0x{}", hex(&keccak256(&key)));
    let network = match version {
        X402Version::V1 => "base-sepolia",
        X402Version::V2 => "eip155:84532",
    };
    let payer = verified.payer.to_string();
    let receipt = SettleResponse {
        success: true,
        error_reason: None,
        error_message: None,
        transaction: Some(JsonStr::from(transaction.as_str())),
        network: JsonStr::from(network),
        payer: Some(JsonStr::from(payer.as_str())),
        amount: None,
        extensions: None,
    };
    let mut json = vec![0u8; 1024];
    let n = write_all(&mut json, |w| receipt.write_json(w)).unwrap_or(0);
    let body = br#"{"btc_usd":"97234.10","eth_usd":"3620.55"}"#.to_vec();
    (
        200,
        vec![
            (response_header.into(), b64(&json[..n])),
            ("Content-Type".into(), "application/json".into()),
        ],
        body,
    )
}

fn hex(bytes: &[u8]) -> String {
    let mut out = vec![0u8; bytes.len() * 2];
    pay402::hex::encode_lower_into(bytes, &mut out)
        .map(str::to_owned)
        .unwrap_or_default()
}

/// Runs the v1 and v2 round trips; returns an error describing the first thing that went wrong.
pub(crate) fn run() -> Result<PrivateKey, String> {
    let seen = Arc::new(Mutex::new(HashSet::new()));
    let port_cell = Arc::new(Mutex::new(0u16));
    let (seen_s, port_s) = (Arc::clone(&seen), Arc::clone(&port_cell));
    let port = http::serve(move |r| handle(r, &seen_s, port_s.lock().map_or(0, |p| *p)))
        .map_err(|e| e.to_string())?;
    if let Ok(mut p) = port_cell.lock() {
        *p = port;
    }
    println!(
        "  server listening on http://127.0.0.1:{port}  (payTo {PAY_TO}, price {PRICE} = 0.01 USDC)"
    );
    let key = PrivateKey::from_hex(TEST_KEY.as_bytes()).map_err(|e| e.to_string())?;
    println!("  client key: built-in TEST key, address {}", key.address());
    for version in [X402Version::V1, X402Version::V2] {
        round_trip(port, version, &key)?;
    }
    Ok(key)
}

fn round_trip(port: u16, version: X402Version, key: &PrivateKey) -> Result<(), String> {
    let (path, payment_header) = match version {
        X402Version::V1 => ("/v1/premium-data", X_PAYMENT),
        X402Version::V2 => ("/v2/premium-data", PAYMENT_SIGNATURE),
    };
    println!("\n== x402 v{} ==", version.number());
    show::step(&format!("client: GET {path} (no payment)"));
    let first = http::get(port, path, &[]).map_err(|e| e.to_string())?;
    if first.status() != 402 {
        return Err(format!("expected 402, got {}", first.status()));
    }
    // v1 carries the 402 in the body; v2 in the PAYMENT-REQUIRED header.
    let required_json = match version {
        X402Version::V1 => first.body.clone(),
        X402Version::V2 => {
            let value = first
                .header(PAYMENT_REQUIRED)
                .ok_or("402 without PAYMENT-REQUIRED")?;
            let mut buf = vec![0u8; header::RECOMMENDED_BUFFER_LEN];
            header::decode(value.as_bytes(), &mut buf)
                .map_err(|e| e.to_string())?
                .to_vec()
        }
    };
    show::json(
        &format!(
            "402 Payment Required ({})",
            if version == X402Version::V1 {
                "JSON body"
            } else {
                "PAYMENT-REQUIRED header, decoded"
            }
        ),
        &required_json,
    );

    let required = PaymentRequired::from_json(&required_json).map_err(|e| e.to_string())?;
    let networks = [Network::Eip155 { chain_id: 84_532 }];
    let assets = [Address::parse(ASSET.as_bytes()).map_err(|e| e.to_string())?];
    let budget = U256::from_u64(50_000);
    let chosen = select(&required, &PayerPolicy::new(&networks, &assets, budget))
        .map_err(|e| e.to_string())?;
    show::step(&format!(
        "client: chose accepts[{}] (budget {budget}), signing EIP-3009 TransferWithAuthorization",
        chosen.index
    ));
    let nonce = random_nonce().map_err(|e| e.to_string())?;
    let draft = PaymentDraft::new(&required, chosen.index, key.address(), now(), &nonce)
        .map_err(|e| e.to_string())?;
    let signed = draft.sign(key).map_err(|e| e.to_string())?;
    let mut scratch = vec![0u8; header::RECOMMENDED_BUFFER_LEN];
    let mut out = vec![0u8; header::RECOMMENDED_BUFFER_LEN];
    let value = signed
        .write_header(&mut scratch, &mut out)
        .map_err(|e| e.to_string())?
        .to_owned();
    let mut buf = vec![0u8; header::RECOMMENDED_BUFFER_LEN];
    show::json(
        &format!("{payment_header} header, decoded"),
        header::decode(value.as_bytes(), &mut buf).map_err(|e| e.to_string())?,
    );

    show::step(&format!("client: GET {path} with {payment_header}"));
    let headers = vec![(payment_header.to_owned(), value.clone())];
    let paid = http::get(port, path, &headers).map_err(|e| e.to_string())?;
    if paid.status() != 200 {
        return Err(format!("expected 200 after paying, got {}", paid.status()));
    }
    let response_headers: Vec<(String, Vec<u8>)> = paid
        .headers
        .iter()
        .map(|(n, v)| (n.clone(), v.clone().into_bytes()))
        .collect();
    let mut buf = vec![0u8; header::RECOMMENDED_BUFFER_LEN];
    let receipt = read_settle_response(&response_headers, &mut buf)
        .map_err(|e| e.to_string())?
        .ok_or("200 without a settlement response header")?;
    if !receipt.success {
        return Err("settlement response says success: false".into());
    }
    let name = if version == X402Version::V1 {
        X_PAYMENT_RESPONSE
    } else {
        PAYMENT_RESPONSE
    };
    let raw = paid.header(name).unwrap_or_default();
    let mut buf = vec![0u8; 2048];
    show::json(
        &format!("200 OK, {name} header, decoded"),
        header::decode(raw.as_bytes(), &mut buf).map_err(|e| e.to_string())?,
    );
    println!("    body: {}", String::from_utf8_lossy(&paid.body));

    show::step("client: sends the very same payment again (a replay)");
    let replay = http::get(port, path, &headers).map_err(|e| e.to_string())?;
    if replay.status() != 402 {
        return Err(format!(
            "a replayed payment must be refused, got {}",
            replay.status()
        ));
    }
    println!("    refused with 402, as it must be");
    Ok(())
}
