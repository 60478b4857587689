//! Whole WS402 sessions through the owned API, as a host drives them: payments signed by the
//! core's client over the offers the schema publishes, a replay store as a set, settlement and
//! refund answers recorded. The money is asserted to the unit from price × time computed here;
//! the refund key from its definition (SHA-256 of the label and the session id).

#![allow(clippy::unwrap_used, clippy::panic)] // a specification: a failed unwrap is a failed test
#![allow(clippy::too_many_lines)] // one whole session per test, in the order a host sees it
#![cfg(feature = "ws402")]

use std::collections::HashSet;

use pay402::U256;
use pay402::evm::{Address, PrivateKey};
use pay402::ws402::{Ending, Payer, Phase, Plan, RefundOutcome, RefundStatus, Reservation};
use pay402::ws402::{SettleStatus, Statement};
use pay402::x402::PaymentRequired;
use pay402::x402::client::pay_evm;
use pay402_host::ws402_server::{
    OwnedCommand, SessionInput, Ws402Config, Ws402Server, Ws402Session,
};
use pay402_host::x402_server::{OfferConfig, ResourceConfig};
use serde_json::Value;
use sha2::{Digest, Sha256};

const USDC: &str = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const PAY_TO: &str = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
const SETTLER: &str = "0x000000000000000000000000000000000000dEaD";
const WS_URL: &str = "wss://example.com/ws402/video";
const T: u64 = 1_800_000_000_000;
const SETTLED: &[u8] = br#"{"success":true,"transaction":"0x1111111111111111111111111111111111111111111111111111111111111111","network":"eip155:84532"}"#;

fn exact_offer(amount: &str) -> OfferConfig {
    OfferConfig {
        scheme: "exact".into(),
        network: "eip155:84532".into(),
        asset: USDC.into(),
        amount: amount.into(),
        pay_to: PAY_TO.into(),
        max_timeout_seconds: Some(300),
        eip712_name: Some("USDC".into()),
        eip712_version: Some("2".into()),
        ..OfferConfig::default()
    }
}

fn upto_offer(amount: &str) -> OfferConfig {
    OfferConfig {
        scheme: "upto".into(),
        facilitator: Some(SETTLER.into()),
        max_timeout_seconds: Some(3600),
        eip712_name: None,
        eip712_version: None,
        ..exact_offer(amount)
    }
}

fn server(offer: OfferConfig, config: Ws402Config) -> Ws402Server {
    let resource = ResourceConfig {
        url: WS_URL.into(),
        ..ResourceConfig::default()
    };
    Ws402Server::new(vec![offer], resource, config).unwrap()
}

/// The schema's `paymentDetails`, paid by `key` at `now_s`: the `payment_proof` frame.
fn proof(server: &Ws402Server, key: &PrivateKey, now_s: u64, nonce: u8) -> String {
    let schema: Value = serde_json::from_slice(&server.schema(WS_URL).unwrap()).unwrap();
    let details = serde_json::to_vec(&schema["paymentDetails"]).unwrap();
    let required = PaymentRequired::from_json(&details).unwrap();
    let (mut scratch, mut out) = (vec![0u8; 8192], vec![0u8; 8192]);
    let value = pay_evm(
        &required,
        0,
        key,
        now_s,
        &[nonce; 32],
        &mut scratch,
        &mut out,
    )
    .unwrap();
    serde_json::json!({"type": "payment_proof", "proof": value}).to_string()
}

fn refund_key(id: [u8; 16]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"pay402 ws402 refund");
    h.update(id);
    h.finalize().into()
}

fn finished(commands: &[OwnedCommand]) -> Statement {
    match commands.last() {
        Some(OwnedCommand::Finished(st)) => **st,
        other => panic!("not finished: {other:?}"),
    }
}

/// A host's replay store: the key is reserved when absent.
fn reserve(
    session: &mut Ws402Session,
    store: &mut HashSet<Vec<u8>>,
    at: u64,
    c: &OwnedCommand,
) -> Vec<OwnedCommand> {
    let OwnedCommand::Reserve { key, ttl } = c else {
        panic!("not a reservation: {c:?}")
    };
    assert!(*ttl > 0);
    let answer = if store.insert(key.clone()) {
        Reservation::Fresh
    } else {
        Reservation::AlreadyUsed
    };
    session.handle(at, SessionInput::Reserved(answer)).unwrap()
}

#[test]
fn the_schema_prices_from_the_tariff_and_carries_the_offers_payment_required() {
    let mut config = Ws402Config::new(U256::from_u64(250), 3600);
    config.estimated_duration_seconds = Some(300);
    config.currency = Some("USDC".into());
    let s = server(exact_offer("75000"), config);
    let schema: Value = serde_json::from_slice(&s.schema(WS_URL).unwrap()).unwrap();
    assert_eq!(schema["protocol"], "ws402");
    assert_eq!(schema["websocketEndpoint"], WS_URL);
    assert_eq!(schema["resourceId"], WS_URL);
    assert_eq!(schema["maxSessionDuration"], 3600);
    assert_eq!(
        schema["pricing"],
        serde_json::json!({"pricePerSecond": "250", "currency": "USDC", "estimatedDuration": 300, "totalPrice": "75000"})
    );
    let details = &schema["paymentDetails"];
    assert_eq!(details["x402Version"], 2);
    assert_eq!(details["resource"]["url"], WS_URL);
    let accepted = &details["accepts"][0];
    assert_eq!(
        (
            &accepted["scheme"],
            &accepted["network"],
            &accepted["amount"],
            &accepted["payTo"]
        ),
        (
            &"exact".into(),
            &"eip155:84532".into(),
            &"75000".into(),
            &PAY_TO.into()
        )
    );
}

#[test]
fn an_exact_session_settles_first_meters_and_refunds_the_rest_once() {
    let id = [7; 16];
    let per_second = 250u64;
    let paid = 1_000_000u64;
    let mut config = Ws402Config::new(U256::from_u64(per_second), 3600);
    config.update_interval_ms = 1_000;
    let s = server(exact_offer(&paid.to_string()), config);
    let key = PrivateKey::from_bytes(&[0x11; 32]).unwrap();
    let frame = proof(&s, &key, T / 1000, 1);
    let mut store = HashSet::new();
    let mut session = s.accept(T, id);
    assert_eq!(session.timeout(), Some(T + 10_000));

    let cmds = session
        .handle(T + 5, SessionInput::Text(frame.as_bytes()))
        .unwrap();
    assert_eq!(cmds.len(), 1, "{cmds:?}");
    let cmds = reserve(&mut session, &mut store, T + 6, &cmds[0]);
    let [OwnedCommand::Settle { body, amount }] = &cmds[..] else {
        panic!("{cmds:?}")
    };
    assert_eq!(*amount, U256::from_u64(paid));
    let body: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(body["paymentRequirements"]["amount"], paid.to_string());
    assert_eq!(
        body["paymentPayload"]["payload"]["authorization"]["from"]
            .as_str()
            .unwrap()
            .to_lowercase(),
        key.address().to_string().to_lowercase()
    );
    assert_eq!(session.phase(), Phase::SettlingPrepayment);

    let start = T + 100;
    let cmds = session
        .handle(start, SessionInput::Settled(Some(SETTLED)))
        .unwrap();
    let sid = "07".repeat(16);
    assert_eq!(
        cmds,
        [OwnedCommand::Send(format!(
            r#"{{"type":"session_started","sessionId":"{sid}","balance":"{paid}","pricePerSecond":"{per_second}"}}"#
        ))]
    );
    assert_eq!(session.session_id(), sid);
    assert_eq!(session.timeout(), Some(start + 1_000));
    let cmds = session
        .handle(start + 400, SessionInput::Text(b"hello"))
        .unwrap();
    assert_eq!(cmds, [OwnedCommand::DeliverToApp]);
    let cmds = session
        .handle(start + 500, SessionInput::AppSend(64))
        .unwrap();
    assert_eq!(cmds, [OwnedCommand::SendAppFrame]);
    // The timer at 1 s: floor(250 × 1000 / 1000) = 250 consumed.
    let cmds = session.handle(start + 1_000, SessionInput::Timer).unwrap();
    let [OwnedCommand::Send(update)] = &cmds[..] else {
        panic!("{cmds:?}")
    };
    let update: Value = serde_json::from_str(update).unwrap();
    assert_eq!(
        (
            &update["type"],
            &update["consumedAmount"],
            &update["remainingBalance"]
        ),
        (
            &"usage_update".into(),
            &"250".into(),
            &(paid - 250).to_string().into()
        )
    );

    // The client closes 2.75 s in: floor(250 × 2750 / 1000) = 687 consumed.
    let at = start + 2_750;
    let consumed = per_second * 2_750 / 1_000;
    let cmds = session
        .handle(at, SessionInput::Closed(Some(1000)))
        .unwrap();
    let [OwnedCommand::Refund(order)] = &cmds[..] else {
        panic!("{cmds:?}")
    };
    assert_eq!(order.amount(), U256::from_u64(paid - consumed));
    assert_eq!(order.to(), key.address());
    assert_eq!(order.asset(), Address::parse(USDC.as_bytes()).unwrap());
    assert_eq!(order.chain_id(), 84532);
    assert_eq!(order.key(), refund_key(id));
    assert_eq!(session.phase(), Phase::Refunding);
    // `error` then `close`: nothing more happens.
    assert_eq!(
        session.handle(at + 1, SessionInput::Closed(None)).unwrap(),
        []
    );
    assert_eq!(
        session
            .handle(at + 2, SessionInput::AppEnded(true))
            .unwrap(),
        []
    );

    let cmds = session
        .handle(at + 5_000, SessionInput::Refunded(RefundOutcome::Confirmed))
        .unwrap();
    assert_eq!(cmds.len(), 1);
    let st = finished(&cmds);
    assert_eq!(
        (st.plan, st.paid, st.consumed, st.finished),
        (
            Some(Plan::Exact),
            U256::from_u64(paid),
            U256::from_u64(consumed),
            true
        )
    );
    assert_eq!(st.payer, Some(Payer::Evm(key.address())));
    assert_eq!(st.settlement.map(|s| s.status), Some(SettleStatus::Settled));
    let refund = st.refund.unwrap();
    assert_eq!(
        (refund.order, refund.status),
        (Some(*order), RefundStatus::Confirmed)
    );
    assert_eq!(session.statement(), Some(st));
    assert_eq!(session.timeout(), None);
    // A frame after the end is refused with the core's code; a close is a no-op.
    assert_eq!(
        session
            .handle(at + 6_000, SessionInput::Text(b"x"))
            .unwrap_err()
            .code,
        "session_ended"
    );
    assert_eq!(
        session
            .handle(at + 6_000, SessionInput::Closed(Some(1000)))
            .unwrap(),
        []
    );
}

#[test]
fn an_upto_session_above_2_pow_53_settles_exactly_consumed() {
    // 10^16 per second and a maximum of 3 × 10^18: every total above 2^53 (about 9.007 × 10^15).
    let per_second: u128 = 10_000_000_000_000_000;
    let maximum: u128 = 3_000_000_000_000_000_000;
    let mut config = Ws402Config::new(U256::from_u128(per_second), 600);
    config.update_interval_ms = 0;
    let s = server(upto_offer(&maximum.to_string()), config);
    let key = PrivateKey::from_bytes(&[0x22; 32]).unwrap();
    let frame = proof(&s, &key, T / 1000, 2);
    let mut store = HashSet::new();
    let mut session = s.accept(T, [1; 16]);
    let cmds = session
        .handle(T + 5, SessionInput::Text(frame.as_bytes()))
        .unwrap();
    let cmds = reserve(&mut session, &mut store, T + 6, &cmds[0]);
    // `upto`: nothing is settled before the session.
    let [OwnedCommand::Send(started)] = &cmds[..] else {
        panic!("{cmds:?}")
    };
    assert!(
        started.contains(&format!(r#""balance":"{maximum}""#)),
        "{started}"
    );
    // The application ends 2.5 s in: 2.5 × 10^16.
    let consumed = per_second * 2_500 / 1_000;
    assert!(consumed > 1 << 53);
    let cmds = session
        .handle(T + 6 + 2_500, SessionInput::AppEnded(false))
        .unwrap();
    // The close waits for the settlement: the statement before it is a receipt.
    assert!(!cmds.contains(&OwnedCommand::Close(1000)), "{cmds:?}");
    let Some(OwnedCommand::Settle { body, amount }) = cmds.last() else {
        panic!("{cmds:?}")
    };
    assert_eq!(*amount, U256::from_u128(consumed));
    let body: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(body["paymentRequirements"]["amount"], consumed.to_string());
    let cmds = session
        .handle(T + 9_000, SessionInput::Settled(Some(SETTLED)))
        .unwrap();
    let st = finished(&cmds);
    let OwnedCommand::Send(ended) = &cmds[0] else {
        panic!("{cmds:?}")
    };
    let ended: Value = serde_json::from_str(ended).unwrap();
    assert_eq!(
        (
            &ended["type"],
            &ended["settled"],
            &ended["consumed"],
            &ended["refund"]
        ),
        (
            &"session_ended".into(),
            &consumed.to_string().into(),
            &consumed.to_string().into(),
            &"0".into()
        )
    );
    assert_eq!(cmds[1], OwnedCommand::Close(1000));
    assert_eq!(
        (st.plan, st.paid, st.consumed, st.refund),
        (
            Some(Plan::Upto),
            U256::from_u128(maximum),
            U256::from_u128(consumed),
            None
        )
    );
    let settlement = st.settlement.unwrap();
    assert_eq!(
        (settlement.amount, settlement.status),
        (U256::from_u128(consumed), SettleStatus::Settled)
    );
    assert_eq!(cmds.len(), 3, "the key is kept: no release");
}

#[test]
fn rejections_replay_and_timeouts_end_before_any_money_moves() {
    let s = server(
        exact_offer("10000"),
        Ws402Config::new(U256::from_u64(10), 60),
    );
    let key = PrivateKey::from_bytes(&[0x33; 32]).unwrap();
    let frame = proof(&s, &key, T / 1000, 3);
    let mut store = HashSet::new();

    // Not a proof: payment_rejected, 1008, finished.
    let mut not_proof = s.accept(T, [2; 16]);
    let cmds = not_proof
        .handle(T + 1, SessionInput::Binary(b"\x00"))
        .unwrap();
    assert_eq!(
        cmds[0],
        OwnedCommand::Send(
            r#"{"type":"payment_rejected","reason":"payment_proof_expected"}"#.into()
        )
    );
    assert_eq!(cmds[1], OwnedCommand::Close(1008));
    let st = finished(&cmds);
    assert_eq!(
        st.ending,
        Ending::Rejected {
            reason: "payment_proof_expected",
            at_ms: T + 1
        }
    );
    assert_eq!(
        (st.paid, st.settlement, st.refund),
        (U256::ZERO, None, None)
    );

    // No proof within 10 s: the timer rejects.
    let mut late = s.accept(T, [3; 16]);
    assert_eq!(late.handle(T + 9_999, SessionInput::Timer).unwrap(), []);
    let cmds = late.handle(T + 10_000, SessionInput::Timer).unwrap();
    assert_eq!(
        cmds[0],
        OwnedCommand::Send(
            r#"{"type":"payment_rejected","reason":"payment_proof_timeout"}"#.into()
        )
    );
    assert_eq!(cmds.len(), 3);

    // One prepayment, one session: the second use of the same proof is refused.
    let mut first = s.accept(T, [4; 16]);
    let cmds = first
        .handle(T + 5, SessionInput::Text(frame.as_bytes()))
        .unwrap();
    let cmds = reserve(&mut first, &mut store, T + 6, &cmds[0]);
    assert!(matches!(cmds[..], [OwnedCommand::Settle { .. }]));
    let mut second = s.accept(T, [5; 16]);
    let cmds = second
        .handle(T + 7, SessionInput::Text(frame.as_bytes()))
        .unwrap();
    let cmds = reserve(&mut second, &mut store, T + 8, &cmds[0]);
    assert_eq!(
        cmds[0],
        OwnedCommand::Send(r#"{"type":"payment_rejected","reason":"payment_already_used"}"#.into())
    );
    assert_eq!(cmds[1], OwnedCommand::Close(1008));
    assert!(finished(&cmds).settlement.is_none());

    // A refused prepayment releases the key it reserved.
    let cmds = first.handle(T + 9, SessionInput::Settled(Some(br#"{"success":false,"errorReason":"invalid_exact_evm_payload_authorization_nonce","transaction":"","network":"eip155:84532"}"#))).unwrap();
    let kinds: Vec<&str> = cmds.iter().map(OwnedCommand::kind).collect();
    assert_eq!(kinds, ["release", "send", "close", "finished"]);
    // An unreadable settle answer counts as none: settlement_pending, 1011, the key kept.
    let mut unanswered = s.accept(T, [6; 16]);
    let other = proof(&s, &key, T / 1000, 4);
    let cmds = unanswered
        .handle(T + 5, SessionInput::Text(other.as_bytes()))
        .unwrap();
    reserve(&mut unanswered, &mut store, T + 6, &cmds[0]);
    let cmds = unanswered
        .handle(T + 7, SessionInput::Settled(Some(b"<html>502</html>")))
        .unwrap();
    assert_eq!(
        cmds[0],
        OwnedCommand::Send(r#"{"type":"payment_rejected","reason":"settlement_pending"}"#.into())
    );
    assert_eq!(cmds[1], OwnedCommand::Close(1011));
    assert_eq!(
        finished(&cmds).settlement.map(|s| s.status),
        Some(SettleStatus::Unavailable)
    );
}

#[test]
fn inputs_out_of_order_are_refused_with_the_core_codes_and_change_nothing() {
    let s = server(
        exact_offer("10000"),
        Ws402Config::new(U256::from_u64(10), 60),
    );
    let mut session = s.accept(T, [8; 16]);
    assert_eq!(
        session
            .handle(T, SessionInput::AppSend(1))
            .unwrap_err()
            .code,
        "session_not_started"
    );
    assert_eq!(
        session
            .handle(T, SessionInput::Settled(Some(SETTLED)))
            .unwrap_err()
            .code,
        "session_out_of_order"
    );
    assert_eq!(
        session
            .handle(T, SessionInput::Refunded(RefundOutcome::Confirmed))
            .unwrap_err()
            .code,
        "session_out_of_order"
    );
    assert_eq!(session.phase(), Phase::AwaitingProof);
    assert_eq!(session.statement(), None);
    // Closing twice: one Finished.
    let cmds = session
        .handle(T + 1, SessionInput::Closed(Some(1001)))
        .unwrap();
    assert_eq!(cmds.len(), 1);
    assert_eq!(
        finished(&cmds).ending,
        Ending::Rejected {
            reason: "connection_closed",
            at_ms: T + 1
        }
    );
    assert_eq!(
        session.handle(T + 2, SessionInput::Closed(None)).unwrap(),
        []
    );
}

#[test]
fn an_exact_solana_offer_is_refused_at_configuration_because_its_refund_cannot_be_paid() {
    let solana = OfferConfig {
        scheme: "exact".into(),
        network: "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1".into(),
        asset: "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU".into(),
        amount: "1000".into(),
        pay_to: "2wKupLR9q6wXYppw8Gr2NvWxKBUqm4PPJKkQfoxHDBg4".into(),
        fee_payer: Some("EwWqGE4ZFKLofuestmU4LDdK7XM1N4ALgdZccwYugwGd".into()),
        ..OfferConfig::default()
    };
    let resource = ResourceConfig {
        url: WS_URL.into(),
        ..ResourceConfig::default()
    };
    let config = Ws402Config::new(U256::from_u64(10), 60);
    // the same offer sells an x402 HTTP route: only the WS402 refund rule refuses it
    assert!(
        pay402_host::x402_server::X402Server::new(vec![solana.clone()], resource.clone()).is_ok()
    );
    let Err(refused) = Ws402Server::new(
        vec![exact_offer("1000"), solana],
        resource.clone(),
        config.clone(),
    ) else {
        panic!("an exact Solana offer must be refused");
    };
    assert_eq!(refused.code, "refund_unsupported_network");
    // EVM exact (refundable) and upto (never refunds) are accepted
    assert!(
        Ws402Server::new(
            vec![exact_offer("1000"), upto_offer("1000")],
            resource,
            config
        )
        .is_ok()
    );
}
