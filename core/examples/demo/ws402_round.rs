//! The WS402 round: a pay-as-you-go WebSocket session on localhost, served by the WS402 server
//! the Node (`pay402/ws402`) and Python (`pay402.ws402`) packages wrap, paid by the client
//! tracker their clients drive.
//!
//! 1. The server is `pay402_host::ws402_server::Ws402Server`, the very object behind the Node
//!    and Python `Ws402Server`s: it holds the seller's offer (price per second × estimated
//!    duration, `exact`) and the session policy, and writes the session schema served over
//!    HTTP (`Ws402Server::schema`: its `paymentDetails` is the offer's x402 challenge).
//! 2. The client pays it with the core x402 client and the built-in test key, opens a real
//!    WebSocket and sends the payment as its `payment_proof` (`ws402::ClientSession`, the
//!    tracker the Node and Python clients drive).
//! 3. Each socket is a `Ws402Session` (`Ws402Server::accept`): the host reports frames, its one
//!    timer (`Ws402Session::timeout`) and the answers of the replay store and the settlement
//!    (`Ws402Session::handle`), and does what the returned commands say, in order, as the
//!    packages' hosts do: send, close, reserve the replay key (a `HashMap`), settle the
//!    `/settle` body the session wrote before `session_started`, pay the refund order
//!    (`paid − consumed`, to the verified payer) at the end, take the statement.
//! 4. The client follows every `usage_update` through the tracker, which checks the server's
//!    figures, and leaves early with `end_session`.
//! 5. A second socket sends the very same `payment_proof`: the replay store already holds its
//!    key, so the session answers `payment_rejected {payment_already_used}` and settles nothing.
//!
//! With a local chain (`chain.rs`) the prepayment is settled for real (the session's `/settle`
//! body becomes `transferWithAuthorization` calldata) and the refund is the core-built ERC-20
//! `transfer(payer, paid − consumed)` sent by the settler, which is the seller's `payTo`; the
//! round checks that the balances moved by exactly `paid`, then the refund. Without one,
//! SETTLEMENT AND REFUND ARE A LOCAL STAND-IN: nothing is sent to a chain.

use crate::chain::{self, LocalChain};
use crate::x402_round::{ASSET, PAY_TO, now, random_nonce, stand_in_settlement};
use crate::{http, show};
use core::time::Duration;
use pay402::U256;
use pay402::error::ErrorCode as _;
use pay402::evm::{Address, PrivateKey};
use pay402::ws402::{
    self, ClientEvent, ClientSession, Ending, Payer, Phase, RefundOutcome, RefundStatus,
    Reservation, Schema, SessionEndReason, SettleStatus, Statement,
};
use pay402::x402::client::{PayerPolicy, PaymentDraft, select};
use pay402::x402::refund::{RefundOrder, RefundVerdict};
use pay402::x402::{Network, PaymentRequired};
use pay402_host::ws402_server::{
    OwnedCommand, SessionInput, Ws402Config, Ws402Server, Ws402Session,
};
use pay402_host::x402_server::{OfferConfig, ResourceConfig};
use std::collections::HashMap;
use std::net::{TcpListener, TcpStream};
use std::time::Instant;
use tungstenite::Message as Frame;
use tungstenite::protocol::CloseFrame;

/// Price in atomic units per second (0.0001 USDC/s) and the session the schema quotes.
const PRICE_PER_SECOND: u64 = 100;
const ESTIMATED_SECONDS: u64 = 30;
const MAX_SESSION_SECONDS: u64 = 60;
/// Milliseconds between the session's `usage_update`s.
const UPDATE_INTERVAL_MS: u64 = 500;
/// Milliseconds between the application's quotes.
const QUOTE_INTERVAL_MS: u64 = 600;
/// How long the client stays before it ends the session.
const CLIENT_STAYS: Duration = Duration::from_millis(2300);
/// The longest the server waits for the client to connect, and the client for the end.
const PATIENCE: Duration = Duration::from_secs(60);

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn is_timeout(error: &tungstenite::Error) -> bool {
    matches!(error, tungstenite::Error::Io(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut))
}

/// What the session sells for: a token on a network, the seller's `payTo`, and who settles.
struct Seller<'c> {
    network: String,
    chain_id: u64,
    asset: String,
    name: &'static str,
    version: &'static str,
    pay_to: String,
    /// The chain that settles and refunds; `None`: the stand-in.
    chain: Option<&'c LocalChain>,
}

impl<'c> Seller<'c> {
    /// USDC on Base Sepolia, settled and refunded by the stand-in.
    fn stand_in() -> Self {
        Self {
            network: "eip155:84532".into(),
            chain_id: 84_532,
            asset: ASSET.into(),
            name: "USDC",
            version: "2",
            pay_to: PAY_TO.into(),
            chain: None,
        }
    }

    /// The demo token on the local chain; the settler is the `payTo`, so it holds the
    /// prepayment it refunds from.
    fn local(chain: &'c LocalChain) -> Result<Self, String> {
        Ok(Self {
            network: chain.network.clone(),
            chain_id: chain::CHAIN_ID,
            asset: chain.token.clone(),
            name: chain::TOKEN_NAME,
            version: chain::TOKEN_VERSION,
            pay_to: chain::settler()?.to_string(),
            chain: Some(chain),
        })
    }

    /// The WS402 server the Node and Python packages wrap, configured as they configure it:
    /// one `exact` EIP-3009 offer of price per second × estimated duration, a time tariff, a
    /// `usage_update` every [`UPDATE_INTERVAL_MS`].
    fn server(&self, ws_url: &str) -> Result<Ws402Server, String> {
        let offer = OfferConfig {
            scheme: "exact".into(),
            network: self.network.clone(),
            asset: self.asset.clone(),
            amount: (PRICE_PER_SECOND * ESTIMATED_SECONDS).to_string(),
            pay_to: self.pay_to.clone(),
            max_timeout_seconds: Some(60),
            eip712_name: Some(self.name.into()),
            eip712_version: Some(self.version.into()),
            transfer_method: Some("eip3009".into()),
            ..OfferConfig::default()
        };
        let resource = ResourceConfig {
            url: ws_url.into(),
            description: "Market data stream".into(),
            mime_type: Some("application/json".into()),
        };
        let config = Ws402Config {
            update_interval_ms: UPDATE_INTERVAL_MS,
            estimated_duration_seconds: Some(ESTIMATED_SECONDS),
            currency: Some("USDC".into()),
            resource_id: Some("market-stream".into()),
            ..Ws402Config::new(U256::from_u64(PRICE_PER_SECOND), MAX_SESSION_SECONDS)
        };
        Ws402Server::new(vec![offer], resource, config).map_err(|e| e.to_string())
    }
}

/// An answer for the session, owned.
enum Answer {
    Reserved(Reservation),
    /// The `SettleResponse` JSON; `None`: no answer (the settlement is unavailable).
    Settled(Option<Vec<u8>>),
    Refunded(RefundOutcome),
}

/// The replay store, shared by the server's sessions: key → when its reservation expires.
type ReplayStore = HashMap<Vec<u8>, Instant>;

/// The server's I/O around the session: the socket, the replay store, the settlement.
struct Host<'s> {
    ws: tungstenite::WebSocket<TcpStream>,
    replay: &'s mut ReplayStore,
    seller: &'s Seller<'s>,
    /// The application frame waiting for [`OwnedCommand::SendAppFrame`].
    app_frame: Option<String>,
    socket_closed: bool,
    finished: Option<Statement>,
}

/// Reports `input` to the session and does what its commands say, reporting the replay
/// store's, the settlement's and the refund's answers in turn.
fn report(
    session: &mut Ws402Session,
    host: &mut Host<'_>,
    input: SessionInput<'_>,
) -> Result<(), String> {
    let mut commands = session
        .handle(now_ms(), input)
        .map_err(|e| format!("the WS402 session refused an input: {e}"))?;
    loop {
        let mut answer = None;
        for command in commands {
            if let Some(a) = execute(session, host, command)? {
                answer = Some(a);
            }
        }
        let Some(answer) = answer else {
            return Ok(());
        };
        let input = match &answer {
            Answer::Reserved(r) => SessionInput::Reserved(*r),
            Answer::Settled(json) => SessionInput::Settled(json.as_deref()),
            Answer::Refunded(r) => SessionInput::Refunded(*r),
        };
        commands = session
            .handle(now_ms(), input)
            .map_err(|e| format!("the WS402 session refused an answer: {e}"))?;
    }
}

/// Does one command; returns the answer the session awaits, if any.
fn execute(
    session: &Ws402Session,
    host: &mut Host<'_>,
    command: OwnedCommand,
) -> Result<Option<Answer>, String> {
    match command {
        OwnedCommand::Send(text) => {
            let usage = text.starts_with(r#"{"type":"usage_update""#);
            if !usage {
                println!("    [server] Send {text}");
            }
            if !host.socket_closed {
                let _ = host.ws.send(Frame::text(text));
            }
        }
        OwnedCommand::SendAppFrame => {
            if let Some(frame) = host.app_frame.take()
                && !host.socket_closed
            {
                let _ = host.ws.send(Frame::text(frame));
            }
        }
        OwnedCommand::Close(code) => {
            println!("    [server] Close {code}");
            if !host.socket_closed {
                let _ = host.ws.close(Some(CloseFrame {
                    code: code.into(),
                    reason: "".into(),
                }));
                let _ = host.ws.flush();
            }
        }
        OwnedCommand::Reserve { key, ttl } => {
            if let Some(Payer::Evm(payer)) = session.payer() {
                println!("    [server] payment_proof admitted: the verified payer is {payer}");
            }
            let now = Instant::now();
            let fresh = match host.replay.get(&key) {
                Some(expires) if *expires > now => false,
                _ => {
                    host.replay
                        .insert(key.clone(), now + Duration::from_secs(ttl));
                    true
                }
            };
            println!(
                "    [server] Reserve the replay key ({} bytes, {ttl} s) in the HashMap store: {}",
                key.len(),
                if fresh { "fresh" } else { "already used" }
            );
            let r = if fresh {
                Reservation::Fresh
            } else {
                Reservation::AlreadyUsed
            };
            return Ok(Some(Answer::Reserved(r)));
        }
        OwnedCommand::Release { key } => {
            println!("    [server] Release the replay key");
            host.replay.remove(&key);
        }
        OwnedCommand::Settle { body, amount } => {
            let payer = match session.payer() {
                Some(Payer::Evm(address)) => address.to_string(),
                _ => return Err("the session has no EVM payer".into()),
            };
            let answer = settle(host.seller, &payer, &body, amount);
            return Ok(Some(Answer::Settled(answer)));
        }
        OwnedCommand::Refund(order) => return refund(host.seller, &order).map(Some),
        OwnedCommand::Finished(statement) => {
            println!("    [server] Finished");
            host.finished = Some(*statement);
        }
        // The demo's application ignores the client's frames (DeliverToApp) and serves no HTTP
        // under a grant (ServeHttp answers an HttpServe it never reports); a server without a
        // secret never asks for a record to be written or loaded, one without chain proofs never
        // asks for an RPC call.
        OwnedCommand::DeliverToApp
        | OwnedCommand::ServeHttp
        | OwnedCommand::Rpc { .. }
        | OwnedCommand::Persist { .. }
        | OwnedCommand::Load { .. }
        | OwnedCommand::Abandoned => {}
    }
    Ok(None)
}

/// Settles the session's `/settle` body: on the local chain, or the stand-in. `None`: no answer.
fn settle(seller: &Seller<'_>, payer: &str, body: &[u8], amount: U256) -> Option<Vec<u8>> {
    let Some(chain) = seller.chain else {
        println!(
            "    [server] Settle {amount}: /settle body written by the Ws402Session ({} bytes); LOCAL SETTLEMENT STAND-IN: no chain is contacted, the transaction hash is made up",
            body.len()
        );
        return Some(stand_in_settlement(body, payer, &seller.network));
    };
    println!(
        "    [server] Settle {amount}: /settle body written by the Ws402Session ({} bytes), settling ON THE LOCAL CHAIN",
        body.len()
    );
    chain
        .settle(body, payer)
        .map_err(|e| println!("    [server] settlement failed: {e}"))
        .ok()
}

/// Pays the session's refund order: on the local chain, or the stand-in.
fn refund(seller: &Seller<'_>, order: &RefundOrder) -> Result<Answer, String> {
    let Some(chain) = seller.chain else {
        let mut calldata = [0u8; pay402::evm::erc20::TRANSFER_CALLDATA_LEN];
        let data = order.calldata(&mut calldata).map_err(|e| e.to_string())?;
        println!(
            "    [server] Refund {} to {}: the Ws402Session's refund order, ERC-20 transfer calldata built by the core ({} bytes); LOCAL REFUND STAND-IN: nothing is sent, reported as confirmed",
            order.amount(),
            order.to(),
            data.len()
        );
        return Ok(Answer::Refunded(RefundOutcome::Confirmed));
    };
    println!(
        "    [server] Refund {} to {}: the Ws402Session's refund order, paying it ON THE LOCAL CHAIN",
        order.amount(),
        order.to()
    );
    let (verdict, hash) = chain.refund(order)?;
    println!(
        "    [settler] refund {}, transaction {hash}",
        verdict.name()
    );
    Ok(Answer::Refunded(match verdict {
        RefundVerdict::Refunded => RefundOutcome::Confirmed,
        RefundVerdict::Pending => RefundOutcome::Pending,
        RefundVerdict::Failed => RefundOutcome::Failed,
    }))
}

/// Accepts one WebSocket on `listener` and runs a `Ws402Session` of `server` over it to its end.
fn serve_session(
    listener: &TcpListener,
    server: &Ws402Server,
    seller: &Seller<'_>,
    replay: &mut ReplayStore,
) -> Result<Statement, String> {
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let waiting = Instant::now();
    let stream = loop {
        match listener.accept() {
            Ok((stream, _)) => break stream,
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock && waiting.elapsed() < PATIENCE =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => return Err(format!("no WebSocket client: {e}")),
        }
    };
    stream.set_nonblocking(false).map_err(|e| e.to_string())?;
    let ws = tungstenite::accept(stream).map_err(|e| e.to_string())?;
    let mut id = [0u8; 16];
    id.copy_from_slice(&random_nonce().map_err(|e| e.to_string())?[..16]);
    let mut session = server.accept(now_ms(), id);
    let mut host = Host {
        ws,
        replay,
        seller,
        app_frame: None,
        socket_closed: false,
        finished: None,
    };
    let mut next_quote = None;
    let mut quote = 97_234u64;
    loop {
        if let Some(statement) = host.finished {
            return Ok(statement);
        }
        let now = now_ms();
        if session.timeout().is_some_and(|at| now >= at) {
            report(&mut session, &mut host, SessionInput::Timer)?;
            continue;
        }
        // The application: a quote every QUOTE_INTERVAL_MS while the session runs, sent only
        // when the session says it is paid for.
        if session.phase() == Phase::Running {
            let due = *next_quote.get_or_insert(now);
            if now >= due {
                next_quote = Some(due + QUOTE_INTERVAL_MS);
                quote += 7;
                let frame = format!(r#"{{"btc_usd":"{quote}.10"}}"#);
                let bytes = frame.len() as u64;
                host.app_frame = Some(frame);
                report(&mut session, &mut host, SessionInput::AppSend(bytes))?;
                continue;
            }
        }
        if host.socket_closed {
            // Nothing more can arrive: wait for the timer (a refund or settlement would have
            // been answered already).
            std::thread::sleep(Duration::from_millis(5));
            if session.timeout().is_none() && host.finished.is_none() {
                return Err(format!(
                    "the WS402 session awaits nothing in phase {:?} but did not finish",
                    session.phase()
                ));
            }
            continue;
        }
        // Wait for a frame until the timer or the next quote, at most 50 ms.
        let wake = [session.timeout(), next_quote]
            .into_iter()
            .flatten()
            .min()
            .map_or(50, |at| at.saturating_sub(now).clamp(1, 50));
        read_client(&mut session, &mut host, wake)?;
    }
}

/// Waits up to `wait_ms` for the client and reports what arrived: a frame or the close.
fn read_client(
    session: &mut Ws402Session,
    host: &mut Host<'_>,
    wait_ms: u64,
) -> Result<(), String> {
    let _ = host
        .ws
        .get_ref()
        .set_read_timeout(Some(Duration::from_millis(wait_ms)));
    match host.ws.read() {
        Ok(Frame::Text(text)) => report(session, host, SessionInput::Text(text.as_bytes())),
        Ok(Frame::Binary(data)) => report(session, host, SessionInput::Binary(&data)),
        Ok(Frame::Close(frame)) => {
            host.socket_closed = true;
            let code = frame.map(|f| u16::from(f.code));
            report(session, host, SessionInput::Closed(code))
        }
        Ok(_) => Ok(()),
        Err(e) if is_timeout(&e) => Ok(()),
        Err(_) => {
            host.socket_closed = true;
            report(session, host, SessionInput::Closed(None))
        }
    }
}

/// What the client saw: the tracker's last reading and the `session_ended` statement, if sent.
struct ClientView {
    /// The payment header value sent as the `payment_proof`, what it paid, the price.
    payment: String,
    paid: U256,
    price: U256,
    consumed: U256,
    ended: Option<(U256, U256, U256, U256)>,
    /// The balances right after `session_started` (the prepayment is settled by then).
    settled_balances: Option<(u64, u64)>,
}

/// Runs the WS402 round; fails on anything the protocol does not allow.
pub(crate) fn run(key: &PrivateKey, chain: Option<&LocalChain>) -> Result<(), String> {
    println!("\n== WS402 (pay-as-you-go WebSocket) ==");
    let seller = match chain {
        Some(chain) => Seller::local(chain)?,
        None => Seller::stand_in(),
    };
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let ws_port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let ws_url = format!("ws://127.0.0.1:{ws_port}/stream");
    let server = seller.server(&ws_url)?;
    let schema = server.schema(&ws_url).map_err(|e| e.to_string())?;
    let http_port = http::serve(move |_| {
        (
            200,
            vec![("Content-Type".into(), "application/json".into())],
            schema.clone(),
        )
    })
    .map_err(|e| e.to_string())?;
    println!(
        "  server: pay402_host::ws402_server::Ws402Server, the WS402 server the Node (pay402/ws402) and Python (pay402.ws402) packages wrap, on {ws_url} (price {PRICE_PER_SECOND} atomic units/s, a usage_update every {UPDATE_INTERVAL_MS} ms, its schema served at /ws402/schema), selling for {} on {}{}",
        seller.asset,
        seller.network,
        if chain.is_some() {
            " (settled and refunded on the local chain)"
        } else {
            ""
        }
    );
    let payer = key.address().to_string();
    if let Some(chain) = chain {
        chain.mint(&key.address(), PRICE_PER_SECOND * ESTIMATED_SECONDS)?;
    }
    let balances = || -> Result<Option<(u64, u64)>, String> {
        chain
            .map(|c| Ok((c.balance_of(&payer)?, c.balance_of(&seller.pay_to)?)))
            .transpose()
    };
    let before = balances()?;

    let mut store = ReplayStore::new();
    let (statement, view) = std::thread::scope(|s| {
        let server = s.spawn(|| serve_session(&listener, &server, &seller, &mut store));
        let client = run_client(key, &seller, http_port, &ws_url, &balances);
        let statement = server
            .join()
            .map_err(|_| "the server thread panicked".to_owned())
            .and_then(|r| r);
        Ok::<_, String>((statement?, client?))
    })?;
    let after = balances()?;
    check(key, &statement, &view)?;
    if let (Some(before), Some(mid), Some(after)) = (before, view.settled_balances, after) {
        check_chain(&statement, before, mid, after)?;
    }

    show::step("client: opens a second socket with the very same payment_proof (a replay)");
    let (statement, reason) = std::thread::scope(|s| {
        let server = s.spawn(|| serve_session(&listener, &server, &seller, &mut store));
        let client = replay_client(&ws_url, &view);
        let statement = server
            .join()
            .map_err(|_| "the server thread panicked".to_owned())
            .and_then(|r| r);
        Ok::<_, String>((statement?, client?))
    })?;
    let refused = matches!(statement.ending, Ending::Rejected { reason, .. } if reason == ws402::reason::ALREADY_USED);
    if !refused || reason != ws402::reason::ALREADY_USED || statement.settlement.is_some() {
        return Err(format!(
            "a replayed payment_proof must be refused with {} and nothing settled, got {reason}",
            ws402::reason::ALREADY_USED
        ));
    }
    if balances()? != after {
        return Err("a replayed payment_proof moved money".into());
    }
    println!(
        "    refused with payment_already_used by the same Ws402Server, nothing settled, as it must be"
    );
    Ok(())
}

/// A second client that sends an already used payment: returns the `payment_rejected` reason.
fn replay_client(ws_url: &str, paid: &ClientView) -> Result<String, String> {
    let (mut ws, _) = tungstenite::connect(ws_url).map_err(|e| e.to_string())?;
    let mut session = ClientSession::new(paid.paid, paid.price);
    let mut out = [0u8; 8192];
    let n = session
        .write_payment_proof(&paid.payment, &mut out)
        .map_err(|e| e.to_string())?;
    let proof =
        core::str::from_utf8(out.get(..n).unwrap_or_default()).map_err(|e| e.to_string())?;
    ws.send(Frame::text(proof)).map_err(|e| e.to_string())?;
    let mut rejected = None;
    loop {
        match ws.read() {
            Ok(Frame::Text(text)) => match session.on_text(text.as_bytes()) {
                Ok(ClientEvent::PaymentRejected { reason }) => {
                    println!("    [client] payment_rejected: {reason}");
                    rejected = Some(reason.to_string());
                }
                Ok(other) => return Err(format!("a replay must be rejected, got {other:?}")),
                Err(e) => return Err(format!("the client tracker refused {text}: {}", e.code())),
            },
            Ok(Frame::Close(frame)) => {
                println!(
                    "    [client] close {}",
                    frame.map_or(0, |f| u16::from(f.code))
                );
            }
            Ok(_) => {}
            Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => break,
            Err(e) => return Err(e.to_string()),
        }
    }
    rejected.ok_or_else(|| "the replay was not rejected".into())
}

/// The client: reads the schema, pays it, runs the session through `ClientSession` and ends it.
fn run_client(
    key: &PrivateKey,
    seller: &Seller<'_>,
    http_port: u16,
    ws_url: &str,
    balances: &dyn Fn() -> Result<Option<(u64, u64)>, String>,
) -> Result<ClientView, String> {
    let (payment, paid, price) = prepay_from_schema(key, seller, http_port)?;
    show::step(&format!(
        "client: opening {ws_url}, sending the payment as payment_proof through ws402::ClientSession (the tracker the Node and Python clients drive)"
    ));
    let stream = TcpStream::connect(
        ws_url
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .unwrap_or(""),
    )
    .map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_millis(50)))
        .map_err(|e| e.to_string())?;
    let (mut ws, _) = tungstenite::client(ws_url, stream).map_err(|e| e.to_string())?;
    let mut session = ClientSession::new(paid, price);
    let mut out = [0u8; 8192];
    let n = session
        .write_payment_proof(&payment, &mut out)
        .map_err(|e| e.to_string())?;
    let proof =
        core::str::from_utf8(out.get(..n).unwrap_or_default()).map_err(|e| e.to_string())?;
    ws.send(Frame::text(proof)).map_err(|e| e.to_string())?;

    let mut view = ClientView {
        payment: payment.clone(),
        paid,
        price,
        consumed: U256::ZERO,
        ended: None,
        settled_balances: None,
    };
    let opened = Instant::now();
    let mut started_at = None;
    let mut end_sent = false;
    loop {
        if !end_sent && started_at.is_some_and(|at: Instant| at.elapsed() >= CLIENT_STAYS) {
            show::step(&format!(
                "client: leaves early, sending end_session after {} ms",
                CLIENT_STAYS.as_millis()
            ));
            let n = session
                .write_end_session(&mut out)
                .map_err(|e| e.to_string())?;
            let frame = core::str::from_utf8(out.get(..n).unwrap_or_default())
                .map_err(|e| e.to_string())?;
            ws.send(Frame::text(frame)).map_err(|e| e.to_string())?;
            end_sent = true;
        }
        if opened.elapsed() > PATIENCE {
            return Err("the session did not end in time".into());
        }
        let text = match ws.read() {
            Ok(Frame::Text(text)) => text,
            Ok(Frame::Close(frame)) => {
                println!(
                    "    [client] close {}",
                    frame.map_or(0, |f| u16::from(f.code))
                );
                continue;
            }
            Ok(_) => continue,
            Err(e) if is_timeout(&e) => continue,
            Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => break,
            Err(e) => return Err(e.to_string()),
        };
        let event = match session.on_text(text.as_bytes()) {
            Ok(event) => event,
            Err(e) => {
                let _ = ws.close(None);
                return Err(format!(
                    "the client tracker refused a server frame ({}): {text}",
                    e.code()
                ));
            }
        };
        if follow(&session, event, &text, &mut view, balances)? {
            started_at = Some(Instant::now());
        }
    }
    if started_at.is_none() {
        return Err("the session never started".into());
    }
    view.consumed = session.consumed();
    Ok(view)
}

/// Prints what an accepted server frame means; `true` when the session started.
fn follow(
    session: &ClientSession,
    event: ClientEvent<'_>,
    text: &str,
    view: &mut ClientView,
    balances: &dyn Fn() -> Result<Option<(u64, u64)>, String>,
) -> Result<bool, String> {
    match event {
        ClientEvent::Started {
            balance,
            price_per_second,
        } => {
            let mut id = [0u8; 128];
            let id = session.session_id(&mut id).ok().flatten().unwrap_or("");
            println!(
                "    [client] session_started {id}: balance {balance}, {price_per_second} per second (checked against what it paid)"
            );
            view.settled_balances = balances()?;
            return Ok(true);
        }
        ClientEvent::Usage {
            elapsed_seconds,
            consumed,
            remaining,
            ..
        } => println!(
            "    [client] usage_update: {elapsed_seconds} s, consumed {consumed}, remaining {remaining} (checked by ClientSession)"
        ),
        ClientEvent::Application => println!("    [client] data: {text}"),
        ClientEvent::PaymentRejected { reason } => {
            return Err(format!("payment rejected: {reason}"));
        }
        ClientEvent::Ended(e) => {
            println!(
                "    [client] session_ended (checked by ClientSession): paid {}, consumed {}, settled {}, refund {}",
                e.paid, e.consumed, e.settled, e.refund
            );
            view.ended = Some((e.paid, e.consumed, e.settled, e.refund));
        }
        other => println!("    [client] {other:?}"),
    }
    Ok(false)
}

/// Reads the schema over HTTP and pays its x402 offer; returns the payment header value, the
/// amount paid and the price per second the schema quotes.
fn prepay_from_schema(
    key: &PrivateKey,
    seller: &Seller<'_>,
    http_port: u16,
) -> Result<(String, U256, U256), String> {
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
    let networks = [Network::Eip155 {
        chain_id: seller.chain_id,
    }];
    let assets = [Address::parse(seller.asset.as_bytes()).map_err(|e| e.to_string())?];
    let budget = U256::from_u64(10_000);
    let chosen = select(&required, &PayerPolicy::new(&networks, &assets, budget))
        .map_err(|e| e.to_string())?;
    let paid = chosen.requirements.amount();
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
        "client: pays paymentDetails with x402 exact: {paid} atomic units (budget {budget}), EIP-3009 signed with the test key"
    ));
    Ok((payment, paid, schema.pricing.price_per_second))
}

/// The statement adds up, the refund goes to the payer the signature proved, and the client's
/// tracker agrees with the server.
fn check(key: &PrivateKey, statement: &Statement, view: &ClientView) -> Result<(), String> {
    let Ending::Ended(end) = statement.ending else {
        return Err(format!("the session never ran: {:?}", statement.ending));
    };
    let settlement = statement
        .settlement
        .ok_or("no settlement in the statement")?;
    let refund = statement.refund.ok_or("no refund in the statement")?;
    let refunded = match refund.status {
        RefundStatus::Confirmed => "confirmed",
        RefundStatus::Pending => "pending",
        RefundStatus::Failed => "FAILED",
        RefundStatus::Requested => "requested",
        RefundStatus::Unsupported => "unsupported",
    };
    println!(
        "  statement: ended by {} at unix ms {}; paid {}, consumed {}, settled {} ({}), refunded {} ({refunded}) to {}",
        end.reason.as_str(),
        end.at_ms,
        statement.paid,
        statement.consumed,
        settlement.amount,
        match settlement.status {
            SettleStatus::Settled => "settled",
            SettleStatus::Refused => "REFUSED",
            SettleStatus::Pending => "pending",
            SettleStatus::Unavailable => "unavailable",
            SettleStatus::Requested => "requested",
        },
        refund.amount,
        refund
            .order
            .map_or_else(String::new, |o| o.to().to_string()),
    );
    if end.reason != SessionEndReason::ClientClose {
        return Err(format!(
            "expected the client to end the session, got {}",
            end.reason.as_str()
        ));
    }
    if settlement.status != SettleStatus::Settled || settlement.amount != statement.paid {
        return Err("the prepayment must be settled in full before the session".into());
    }
    if statement.consumed.checked_add(refund.amount) != Some(statement.paid)
        || statement.consumed.is_zero()
        || refund.amount.is_zero()
    {
        return Err(
            "consumed + refund must equal the prepayment, both non-zero after an early close"
                .into(),
        );
    }
    if refund.status != RefundStatus::Confirmed {
        return Err(format!("the refund is {refunded}"));
    }
    if refund.to != Payer::Evm(key.address()) || refund.order.map(|o| o.to()) != Some(key.address())
    {
        return Err("the refund must go to the payer the signature proved".into());
    }
    if view.consumed != statement.consumed {
        return Err(format!(
            "the client's tracker read consumed {} but the server billed {}",
            view.consumed, statement.consumed
        ));
    }
    if let Some((paid, consumed, settled, refund_wire)) = view.ended
        && (paid, consumed, settled, refund_wire)
            != (
                statement.paid,
                statement.consumed,
                settlement.amount,
                refund.amount,
            )
    {
        return Err("the client's session_ended differs from the server's statement".into());
    }
    Ok(())
}

/// On the local chain: the prepayment moved `paid` from the payer to `payTo`, then the refund
/// moved back exactly `paid − consumed`.
fn check_chain(
    statement: &Statement,
    before: (u64, u64),
    mid: (u64, u64),
    after: (u64, u64),
) -> Result<(), String> {
    let amount = |v: U256| v.to_u64().ok_or("an amount above 2^64");
    let paid = amount(statement.paid)?;
    let refund = amount(statement.refund.map_or(U256::ZERO, |r| r.amount))?;
    println!(
        "  on chain: payer {} -> {} -> {}, payTo {} -> {} -> {} (token atomic units)",
        before.0, mid.0, after.0, before.1, mid.1, after.1
    );
    if before.0.checked_sub(mid.0) != Some(paid) || mid.1.checked_sub(before.1) != Some(paid) {
        return Err("the prepayment did not move exactly paid".into());
    }
    if after.0.checked_sub(mid.0) != Some(refund) || mid.1.checked_sub(after.1) != Some(refund) {
        return Err("the refund did not move exactly paid − consumed".into());
    }
    println!(
        "  WS402 SETTLED AND REFUNDED ON THE LOCAL CHAIN: the balances moved by exactly paid ({paid}), then the refund ({refund})"
    );
    Ok(())
}
