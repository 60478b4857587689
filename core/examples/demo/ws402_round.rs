//! The WS402 round: a pay-as-you-go WebSocket session on localhost.
//!
//! 1. The client reads the session schema over HTTP; its `paymentDetails` carry an x402 offer
//!    for the prepayment (price per second × estimated duration).
//! 2. It pays with an x402 `exact` payment (the built-in test key) and opens a real WebSocket,
//!    sending the payment header as the `payment_proof`.
//! 3. The server verifies the payment with pay402, starts the meter, and streams data and
//!    `usage_update`s; the client closes early.
//! 4. The meter accrues to the exact millisecond of the close and the refund goes to the payer
//!    the signature proved — never to an address the client typed.
//!
//! SETTLEMENT AND REFUND ARE A LOCAL STAND-IN: nothing is sent to a chain.

use crate::x402_round::{ASSET, now, offered_requirements, payment_required_json, random_nonce};
use crate::{http, show};
use core::time::Duration;
use pay402::U256;
use pay402::evm::{Address, PrivateKey};
use pay402::json::{JsonStr, RawValue};
use pay402::writer::write_all;
use pay402::ws402::{
    self, End, EndReason, Event, Message, Outcome, PaymentProof, Pricing, Schema, UsageUpdate,
};
use pay402::x402::client::{PayerPolicy, PaymentDraft, select};
use pay402::x402::{Network, PaymentRequired, VerifyPolicy, X402Version, header};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::Instant;
use tungstenite::Message as Frame;

/// Price in atomic units per second (0.0001 USDC/s) and the session the schema quotes.
const PRICE_PER_SECOND: u64 = 100;
const ESTIMATED_SECONDS: u64 = 30;
const MAX_SESSION_SECONDS: u64 = 60;
/// How often the server sends a usage update.
const TICK: Duration = Duration::from_millis(500);
/// How long the client stays before closing early.
const CLIENT_STAYS: Duration = Duration::from_millis(2300);

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn encode(message: &Message<'_>) -> Result<String, String> {
    let mut buf = vec![0u8; 4096];
    let n = write_all(&mut buf, |w| message.encode(w)).map_err(|e| e.to_string())?;
    buf.truncate(n);
    String::from_utf8(buf).map_err(|e| e.to_string())
}

/// The schema JSON for a session at `ws_url`, with the x402 offer for the prepayment.
fn schema_json(ws_url: &str, offer_url: &str) -> Result<Vec<u8>, String> {
    let total = PRICE_PER_SECOND * ESTIMATED_SECONDS;
    let payment_required = payment_required_json(X402Version::V2, offer_url, total);
    let details = RawValue::parse(&payment_required).map_err(|e| e.to_string())?;
    let schema = Schema {
        version: JsonStr::from("1.0"),
        resource_id: JsonStr::from("market-stream"),
        websocket_endpoint: JsonStr::from(ws_url),
        pricing: Pricing {
            price_per_second: U256::from_u64(PRICE_PER_SECOND),
            currency: JsonStr::from("USDC"),
            estimated_duration: ESTIMATED_SECONDS,
            total_price: U256::from_u64(total),
        },
        payment_details: Some(details),
        max_session_duration: MAX_SESSION_SECONDS,
        resource_info: None,
    };
    let mut buf = vec![0u8; 8192];
    let n = write_all(&mut buf, |w| schema.encode(w)).map_err(|e| e.to_string())?;
    buf.truncate(n);
    Ok(buf)
}

fn is_timeout(error: &tungstenite::Error) -> bool {
    matches!(error, tungstenite::Error::Io(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut))
}

/// The server side of one session; returns how it ended and who is refunded.
fn serve_session(
    listener: &TcpListener,
    requirements: &[u8],
) -> Result<(End, Address, U256), String> {
    let (stream, _) = listener.accept().map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .map_err(|e| e.to_string())?;
    let mut ws = tungstenite::accept(stream).map_err(|e| e.to_string())?;

    // The first text frame must be the payment proof (within 10 s).
    let deadline = Instant::now() + Duration::from_secs(10);
    let proof = loop {
        match ws.read() {
            Ok(Frame::Text(text)) => break text.to_string(),
            Ok(_) => {}
            Err(e) if is_timeout(&e) && Instant::now() < deadline => {}
            Err(e) => return Err(format!("no payment proof: {e}")),
        }
    };
    let Ok(Message::PaymentProof(PaymentProof::X402(header_value))) =
        Message::decode(proof.as_bytes())
    else {
        return Err("the first frame is not an x402 payment_proof".into());
    };
    let mut buf = vec![0u8; header::RECOMMENDED_BUFFER_LEN];
    let header_text = header_value.as_plain().unwrap_or_default();
    let prepaid = ws402::start_with_x402(
        requirements,
        header_text.as_bytes(),
        &mut buf,
        now_ms(),
        &VerifyPolicy::default(),
        U256::from_u64(PRICE_PER_SECOND),
        MAX_SESSION_SECONDS,
    );
    let prepaid = match prepaid {
        Ok(p) => p,
        Err(e) => {
            let reason = e.to_string();
            let _ = ws.send(Frame::text(encode(&Message::PaymentRejected {
                reason: JsonStr::from(reason.as_str()),
            })?));
            let _ = ws.close(None);
            return Err(format!("payment rejected: {reason}"));
        }
    };
    let payer = prepaid.verified.payer;
    let paid = prepaid.verified.amount;
    let mut meter = prepaid.session.meter;
    println!("    [server] prepayment verified: {paid} atomic units from {payer}; session starts");
    let session_id = "ws402_demo_1";
    ws.send(Frame::text(encode(&Message::SessionStarted {
        session_id: JsonStr::from(session_id),
        balance: paid,
        price_per_second: U256::from_u64(PRICE_PER_SECOND),
        resume_token: None,
    })?))
    .map_err(|e| e.to_string())?;

    let mut last_tick = Instant::now();
    let mut quote = 97_234u64;
    loop {
        match ws.read() {
            Ok(Frame::Text(text)) => {
                let _ = meter.on_event(now_ms(), Event::BytesIn(text.len() as u64));
                let _ = meter.on_event(now_ms(), Event::Message(1));
            }
            Ok(Frame::Close(_))
            | Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                return match meter.on_event(now_ms(), Event::Close) {
                    Outcome::Ended(end) | Outcome::AlreadyEnded(end) => Ok((end, payer, paid)),
                    Outcome::Running { .. } => Err("the meter kept running after close".into()),
                };
            }
            Ok(_) => {}
            Err(e) if is_timeout(&e) => {}
            Err(e) => return Err(e.to_string()),
        }
        if last_tick.elapsed() >= TICK {
            last_tick = Instant::now();
            quote += 7;
            let data = format!(r#"{{"btc_usd":"{quote}.10"}}"#);
            let _ = meter.on_event(now_ms(), Event::BytesOut(data.len() as u64));
            ws.send(Frame::text(data)).map_err(|e| e.to_string())?;
            match meter.on_event(now_ms(), Event::Tick) {
                Outcome::Running { .. } => {
                    let update = Message::UsageUpdate(UsageUpdate::from_meter(session_id, &meter));
                    ws.send(Frame::text(encode(&update)?))
                        .map_err(|e| e.to_string())?;
                }
                Outcome::Ended(end) | Outcome::AlreadyEnded(end) => {
                    let _ = ws.close(None);
                    return Ok((end, payer, paid));
                }
            }
        }
    }
}

/// Runs the WS402 round; fails on anything the protocol does not allow.
pub(crate) fn run(key: &PrivateKey) -> Result<(), String> {
    println!("\n== WS402 (pay-as-you-go WebSocket) ==");
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let ws_port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let ws_url = format!("ws://127.0.0.1:{ws_port}/stream");
    let schema = schema_json(&ws_url, &ws_url)?;
    let details = RawValue::parse(&schema)
        .ok()
        .and_then(|s| s.get("paymentDetails"));
    let requirements =
        offered_requirements(details.map(|d| d.as_text().as_bytes()).unwrap_or_default());

    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done_tx.send(serve_session(&listener, &requirements));
    });
    let http_port = http::serve(move |_| {
        (
            200,
            vec![("Content-Type".into(), "application/json".into())],
            schema.clone(),
        )
    })
    .map_err(|e| e.to_string())?;

    let payment = prepay_from_schema(key, http_port)?;
    show::step(&format!(
        "client: opening {ws_url} with the payment as payment_proof"
    ));
    stream_as_client(ws_port, &ws_url, &payment)?;

    let (end, payer, paid) = done_rx
        .recv_timeout(Duration::from_secs(10))
        .map_err(|e| e.to_string())??;
    println!(
        "    [server] session ended by {} at unix ms {}: consumed {}, refund {} (close code {})",
        end.reason.as_str(),
        end.at_ms,
        end.consumed,
        end.refund,
        end.close_code()
    );
    println!(
        "    [server] LOCAL REFUND STAND-IN: {} atomic units would go to the verified payer {payer}; no chain is contacted",
        end.refund
    );
    if end.reason != EndReason::ClientClose {
        return Err(format!(
            "expected the client to end the session, got {}",
            end.reason.as_str()
        ));
    }
    if end.consumed.checked_add(end.refund) != Some(paid)
        || end.consumed.is_zero()
        || end.refund.is_zero()
    {
        return Err(
            "consumed + refund must equal the prepayment, both non-zero after an early close"
                .into(),
        );
    }
    if payer != key.address() {
        return Err("the refund must go to the payer the signature proved".into());
    }
    Ok(())
}

/// Reads the schema over HTTP and pays its x402 offer; returns the payment header value.
fn prepay_from_schema(key: &PrivateKey, http_port: u16) -> Result<String, String> {
    show::step(&format!(
        "client: GET http://127.0.0.1:{http_port}/ws402/schema"
    ));
    let response = http::get(http_port, "/ws402/schema", &[]).map_err(|e| e.to_string())?;
    show::json("WS402 schema", &response.body);
    let schema = Schema::decode(&response.body).map_err(|e| e.to_string())?;
    let details = schema
        .payment_details
        .ok_or("schema without paymentDetails")?;
    let required =
        PaymentRequired::from_json(details.as_text().as_bytes()).map_err(|e| e.to_string())?;
    let networks = [Network::Eip155 { chain_id: 84_532 }];
    let assets = [Address::parse(ASSET.as_bytes()).map_err(|e| e.to_string())?];
    let budget = U256::from_u64(10_000);
    let chosen = select(&required, &PayerPolicy::new(&networks, &assets, budget))
        .map_err(|e| e.to_string())?;
    let nonce = random_nonce().map_err(|e| e.to_string())?;
    let draft = PaymentDraft::new(&required, chosen.index, key.address(), now(), &nonce)
        .map_err(|e| e.to_string())?;
    let signed = draft.sign(key).map_err(|e| e.to_string())?;
    let (mut scratch, mut out) = (vec![0u8; 8192], vec![0u8; 8192]);
    let payment = signed
        .write_header(&mut scratch, &mut out)
        .map_err(|e| e.to_string())?
        .to_owned();
    show::step(&format!(
        "client: prepaid {} atomic units with x402 (budget {budget})",
        required_amount(&required)
    ));
    Ok(payment)
}

/// Opens the WebSocket, proves payment, reads for a while, then closes early.
fn stream_as_client(ws_port: u16, ws_url: &str, payment: &str) -> Result<(), String> {
    let stream = TcpStream::connect(("127.0.0.1", ws_port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .map_err(|e| e.to_string())?;
    let (mut ws, _) = tungstenite::client(ws_url, stream).map_err(|e| e.to_string())?;
    let proof = encode(&Message::PaymentProof(PaymentProof::X402(JsonStr::from(
        payment,
    ))))?;
    ws.send(Frame::text(proof)).map_err(|e| e.to_string())?;

    let opened = Instant::now();
    let mut started = false;
    while opened.elapsed() < CLIENT_STAYS {
        match ws.read() {
            Ok(Frame::Text(text)) => match Message::decode(text.as_bytes()) {
                Ok(Message::SessionStarted { balance, .. }) => {
                    started = true;
                    println!("    [client] session_started, balance {balance}");
                }
                Ok(Message::UsageUpdate(u)) => println!(
                    "    [client] usage_update: {} s, consumed {}, remaining {}, {} bytes",
                    u.elapsed_seconds, u.consumed, u.remaining, u.bytes_transferred
                ),
                Ok(Message::PaymentRejected { reason }) => {
                    return Err(format!("payment rejected: {reason}"));
                }
                Ok(other) => println!("    [client] {}", other.type_name()),
                Err(_) => println!("    [client] data: {text}"),
            },
            Ok(_) => {}
            Err(e) if is_timeout(&e) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    if !started {
        return Err("the session never started".into());
    }
    show::step("client: closes the session early");
    let _ = ws.close(None);
    while ws.read().is_ok() {}
    Ok(())
}

fn required_amount(required: &PaymentRequired<'_>) -> U256 {
    required.accept(0).map_or(U256::ZERO, |r| r.amount())
}
