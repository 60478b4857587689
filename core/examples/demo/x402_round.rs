//! The x402 round trip: a protected resource, a paying client, v1 and v2.
//!
//! The server is the core's sans-I/O x402 server (`pay402::x402::server`): one offer set answers
//! both versions, admission verifies and names the replay key, the exactly-once exchange orders
//! reservation, handler and settlement.
//!
//! Settlement: when a local development chain runs (`chain.rs`), the v2 payment is settled on it
//! for real; x402 v1 names no local chain, so v1 (and v2 with no chain) use the STAND-IN: where
//! a facilitator would receive the `/settle` body and send `transferWithAuthorization` to a
//! chain, the demo makes up a transaction hash, and no chain is contacted.

use crate::chain::{self, LocalChain};
use crate::{http, show};
use pay402::U256;
use pay402::evm::{Address, PrivateKey, keccak256};
use pay402::json::JsonStr;
use pay402::writer::write_all;
use pay402::x402::client::{PayerPolicy, PaymentDraft, read_settle_response, select};
use pay402::x402::header::{
    self, PAYMENT_REQUIRED, PAYMENT_RESPONSE, PAYMENT_SIGNATURE, X_PAYMENT, X_PAYMENT_RESPONSE,
};
use pay402::x402::server::{
    Action, Challenge, ExchangeOptions, HandlerOutcome, Next, Offer, OfferScheme, OfferSet,
    Problem, Refusal, Resource, SettleOutcome, admit, begin, payment_header, write_challenge,
    write_receipt, write_settle_request,
};
use pay402::x402::{AnyVerified, Network, PaymentRequired, SettleResponse, Verifier, X402Version};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// Base Sepolia USDC (x402 reference SDK, `evm/src/shared/defaultAssets.ts`); its EIP-712
/// domain is `{"name":"USDC","version":"2"}`.
pub(crate) const ASSET: &str = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
/// The merchant.
pub(crate) const PAY_TO: &str = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
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

/// What a server sells for: an EIP-3009 token on a network, and who settles.
#[derive(Clone)]
struct Market {
    /// The CAIP-2 network (x402 v2) and its x402 v1 name, when v1 has one.
    network: String,
    v1_network: Option<&'static str>,
    chain_id: u64,
    /// The token and its EIP-712 domain.
    asset: String,
    name: &'static str,
    version: &'static str,
    /// The chain that settles; `None`: the stand-in.
    chain: Option<Arc<LocalChain>>,
}

impl Market {
    /// 0.01 USDC on Base Sepolia, settled by the stand-in.
    fn base_sepolia() -> Self {
        Self {
            network: "eip155:84532".into(),
            v1_network: Some("base-sepolia"),
            chain_id: 84_532,
            asset: ASSET.into(),
            name: "USDC",
            version: "2",
            chain: None,
        }
    }

    /// The demo token on the local chain, settled on it.
    fn local(chain: Arc<LocalChain>) -> Self {
        Self {
            network: chain.network.clone(),
            v1_network: None,
            chain_id: chain::CHAIN_ID,
            asset: chain.token.clone(),
            name: chain::TOKEN_NAME,
            version: chain::TOKEN_VERSION,
            chain: Some(chain),
        }
    }

    /// The offer sold (EIP-3009), in x402 v1 (when the network has a v1 name) and v2.
    fn offers(&self, version: X402Version) -> OfferSet<'_, 1> {
        let network = match (version, self.v1_network) {
            (X402Version::V1, Some(v1)) => v1,
            _ => self.network.as_str(),
        };
        let mut offers = OfferSet::new();
        let pushed = offers.push(Offer {
            scheme: OfferScheme::ExactEip3009 {
                name: self.name,
                version: self.version,
            },
            network,
            asset: &self.asset,
            amount: U256::from_u64(PRICE),
            pay_to: PAY_TO,
            max_timeout_seconds: 60,
        });
        debug_assert!(pushed.is_ok(), "the demo's offer is valid");
        offers
    }
}

/// The challenge (402, `PAYMENT-REQUIRED` and the v1 body) reporting `problem`, plus `extra`
/// headers.
fn challenge(
    offers: &OfferSet<'_, 1>,
    resource: &Resource<'_>,
    problem: &Problem<'_>,
    extra: Vec<(String, String)>,
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    println!("    [server] 402: {}", problem.code);
    let (mut head, mut body) = (vec![0u8; 4096], vec![0u8; 4096]);
    let Ok(c) = write_challenge(offers, resource, Some(problem), &mut head, &mut body) else {
        return (500, vec![], b"challenge too large".to_vec());
    };
    let mut headers = vec![
        (c.header_name.to_owned(), c.header_value.to_owned()),
        (
            "Content-Type".to_owned(),
            Challenge::CONTENT_TYPE.to_owned(),
        ),
    ];
    headers.extend(extra);
    (c.status, headers, c.body_or_empty().to_vec())
}

/// The protected server, every decision by `pay402::x402::server`: the challenge, the admission
/// (which header, the verdict, the replay key), the exactly-once exchange and the receipt. The
/// host does only I/O: a replay set, the handler, and the settlement (the local chain or the
/// stand-in).
fn handle(
    request: &http::Message,
    seen: &Mutex<HashSet<Vec<u8>>>,
    port: u16,
    market: &Market,
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let version = match request.path() {
        "/v1/premium-data" if market.v1_network.is_some() => X402Version::V1,
        "/v2/premium-data" => X402Version::V2,
        _ => return (404, vec![], b"not found".to_vec()),
    };
    let url = format!("http://127.0.0.1:{port}{}", request.path());
    let resource = Resource {
        url: &url,
        description: "Premium market data",
        mime_type: Some("application/json"),
    };
    let offers = market.offers(version);
    let headers = request
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()));
    let Some((name, value)) = payment_header(headers) else {
        return challenge(&offers, &resource, &Refusal::NO_PAYMENT.problem(), vec![]);
    };
    let mut buf = vec![0u8; header::RECOMMENDED_BUFFER_LEN];
    let admission = match admit(
        &offers,
        name,
        value.as_bytes(),
        now(),
        &Verifier::EVM,
        &mut buf,
    ) {
        Ok(admission) => admission,
        Err(refusal) => return challenge(&offers, &resource, &refusal.problem(), vec![]),
    };
    let AnyVerified::Evm(verified) = admission.verified else {
        let problem = Problem::new("unsupported_scheme").with_message(&"the demo sells EVM only");
        return challenge(&offers, &resource, &problem, vec![]);
    };
    // The exchange: reserve the replay key (a set here; Redis in production), run the handler,
    // settle, serve with the receipt.
    let (reserving, _reserve) = begin(&admission, ExchangeOptions::default());
    let mut key = [0u8; 80];
    let key = admission.replay.key.write_bytes(&mut key);
    let fresh = seen.lock().is_ok_and(|mut s| s.insert(key.to_vec()));
    let Next::Handle(handling) = reserving.reserved(fresh) else {
        return challenge(&offers, &resource, &Refusal::ALREADY_USED.problem(), vec![]);
    };
    println!(
        "    [server] verified: payer {} paid {} atomic units",
        verified.payer, verified.amount
    );
    let body = br#"{"btc_usd":"97234.10","eth_usd":"3620.55"}"#.to_vec();
    let Next::Settle(settling, _) = handling.handled(HandlerOutcome::from_status(200)) else {
        return (500, vec![], b"unexpected exchange state".to_vec());
    };
    let mut settle_body = vec![0u8; 4096];
    let n =
        write_settle_request(&offers, &admission, &resource, None, &mut settle_body).unwrap_or(0);
    let payer = verified.payer.to_string();
    let answer = if let Some(chain) = &market.chain {
        println!("    [server] /settle body ready ({n} bytes): settling ON THE LOCAL CHAIN");
        match chain.settle(settle_body.get(..n).unwrap_or_default(), &payer) {
            Ok(answer) => answer,
            Err(e) => {
                println!("    [server] settlement failed: {e}");
                return (502, vec![], b"settlement failed".to_vec());
            }
        }
    } else {
        println!(
            "    [server] /settle body ready ({n} bytes); LOCAL SETTLEMENT STAND-IN: no chain is contacted, the transaction hash is made up"
        );
        let network = match version {
            X402Version::V1 => market.v1_network.unwrap_or(&market.network),
            X402Version::V2 => &market.network,
        };
        stand_in_settlement(key, &payer, network)
    };
    let Ok(settled) = SettleResponse::from_json(&answer) else {
        return (502, vec![], b"settlement answer unreadable".to_vec());
    };
    match settling.settled(SettleOutcome::Response(settled)) {
        Next::Done(Action::Serve {
            status,
            receipt: Some(receipt),
        }) => {
            let (mut scratch, mut out) = (vec![0u8; 2048], vec![0u8; 4096]);
            let Ok(value) = write_receipt(&receipt.response, &mut scratch, &mut out) else {
                return (500, vec![], b"receipt too large".to_vec());
            };
            (
                status,
                vec![
                    (receipt.header_name.to_owned(), value.to_owned()),
                    ("Content-Type".into(), "application/json".into()),
                ],
                body,
            )
        }
        _ => (502, vec![], b"settlement failed".to_vec()),
    }
}

/// The stand-in's `SettleResponse`: success with a made-up transaction hash.
pub(crate) fn stand_in_settlement(replay_key: &[u8], payer: &str, network: &str) -> Vec<u8> {
    let transaction = format!("0x{}", hex(&keccak256(replay_key)));
    let settled = SettleResponse {
        success: true,
        error_reason: None,
        error_message: None,
        transaction: Some(JsonStr::from(transaction.as_str())),
        network: JsonStr::from(network),
        payer: Some(JsonStr::from(payer)),
        amount: None,
        extensions: None,
    };
    let mut out = vec![0u8; 1024];
    let n = write_all(&mut out, |w| settled.write_json(w)).unwrap_or(0);
    out.truncate(n);
    out
}

fn hex(bytes: &[u8]) -> String {
    let mut out = vec![0u8; bytes.len() * 2];
    pay402::hex::encode_lower_into(bytes, &mut out)
        .map(str::to_owned)
        .unwrap_or_default()
}

/// Serves `market` on a free loopback port; returns the port.
fn serve(market: Market) -> Result<u16, String> {
    let seen = Arc::new(Mutex::new(HashSet::new()));
    let port_cell = Arc::new(Mutex::new(0u16));
    let port_s = Arc::clone(&port_cell);
    let port = http::serve(move |r| handle(r, &seen, port_s.lock().map_or(0, |p| *p), &market))
        .map_err(|e| e.to_string())?;
    if let Ok(mut p) = port_cell.lock() {
        *p = port;
    }
    Ok(port)
}

/// Runs the v1 and v2 round trips (v2 settled on a local chain when one runs); returns the test
/// key and the local chain (for the WS402 round), or an error describing the first thing that
/// went wrong.
pub(crate) fn run() -> Result<(PrivateKey, Option<Arc<LocalChain>>), String> {
    let key = PrivateKey::from_hex(TEST_KEY.as_bytes()).map_err(|e| e.to_string())?;
    let chain = chain::detect()?.map(Arc::new);
    let stand_in = Market::base_sepolia();
    let port = serve(stand_in.clone())?;
    println!(
        "  server listening on http://127.0.0.1:{port}  (payTo {PAY_TO}, price {PRICE} = 0.01 USDC)"
    );
    println!("  client key: built-in TEST key, address {}", key.address());
    round_trip(port, X402Version::V1, &key, &stand_in)?;
    match &chain {
        None => round_trip(port, X402Version::V2, &key, &stand_in)?,
        Some(chain) => on_chain_round_trip(chain, &key)?,
    }
    Ok((key, chain))
}

/// The v2 round trip settled on the local chain: the payer gets the price minted, and the
/// balances must move by exactly the price.
fn on_chain_round_trip(chain: &Arc<LocalChain>, key: &PrivateKey) -> Result<(), String> {
    let market = Market::local(Arc::clone(chain));
    let port = serve(market.clone())?;
    println!(
        "\n  server listening on http://127.0.0.1:{port}, selling for {} on {} (settled on the local chain)",
        market.asset, market.network
    );
    let payer = key.address().to_string();
    chain.mint(&key.address(), PRICE)?;
    let before = (chain.balance_of(&payer)?, chain.balance_of(PAY_TO)?);
    round_trip(port, X402Version::V2, key, &market)?;
    let after = (chain.balance_of(&payer)?, chain.balance_of(PAY_TO)?);
    println!(
        "  on chain: payer {} -> {}, payTo {} -> {} (token atomic units)",
        before.0, after.0, before.1, after.1
    );
    if before.0.checked_sub(after.0) != Some(PRICE) || after.1.checked_sub(before.1) != Some(PRICE)
    {
        return Err("the balances did not move by exactly the price".into());
    }
    println!("  SETTLED ON THE LOCAL CHAIN: the balances moved by exactly the price");
    Ok(())
}

fn round_trip(
    port: u16,
    version: X402Version,
    key: &PrivateKey,
    market: &Market,
) -> Result<(), String> {
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
    let networks = [Network::Eip155 {
        chain_id: market.chain_id,
    }];
    let assets = [Address::parse(market.asset.as_bytes()).map_err(|e| e.to_string())?];
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
