//! WS402 persistence through the owned API, as a host with a session store drives it: a
//! `HashMap` of sealed records applying every write as a compare-and-swap on the generation
//! (the protocol of the Python and Node stores: create if absent, swap if the stored generation
//! is the expected one). A dropped socket resumes on a new one; a restarted server (a new
//! `Ws402Server` with the same secret) recovers the stored records. The money is asserted to the
//! unit from price × time computed here.

#![allow(clippy::unwrap_used, clippy::panic)] // a specification: a failed unwrap is a failed test
#![allow(clippy::too_many_lines)] // one whole session per test, in the order a host sees it
#![cfg(feature = "ws402")]

use std::collections::{HashMap, HashSet};

use pay402::ErrorCode;
use pay402::U256;
use pay402::evm::PrivateKey;
use pay402::ws402::{Ending, Payer, Phase, RefundOutcome, Reservation, SessionEndReason};
use pay402::ws402::{GrantRefusal, SessionKeys, Statement, http_grant};
use pay402::x402::PaymentRequired;
use pay402::x402::client::pay_evm;
use pay402_host::ws402_server::{
    HttpServe, OwnedCommand, Recovery, SessionInput, Ws402Config, Ws402Server, Ws402Session,
};
use pay402_host::x402_server::{OfferConfig, ResourceConfig};
use serde_json::Value;

const USDC: &str = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const PAY_TO: &str = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
const WS_URL: &str = "wss://example.com/ws402/video";
const T: u64 = 1_800_000_000_000;
const SECRET: [u8; 32] = [0x5e; 32];
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
        facilitator: Some("0x000000000000000000000000000000000000dEaD".into()),
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
    Ws402Server::new(vec![offer], resource, config)
        .unwrap()
        .with_secret(&SECRET)
        .unwrap()
}

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

/// A session store: records by session id, with their generation; writes are compare-and-swap.
#[derive(Default)]
struct Store {
    records: HashMap<String, (Vec<u8>, u64)>,
    replay: HashSet<Vec<u8>>,
}

impl Store {
    fn write(&mut self, id: &str, record: &[u8], generation: u64, expect: Option<u64>) -> bool {
        let current = self.records.get(id).map(|(_, g)| *g);
        if current != expect {
            return false;
        }
        self.records
            .insert(id.to_owned(), (record.to_vec(), generation));
        true
    }

    fn record(&self, id: &str) -> Vec<u8> {
        self.records[id].0.clone()
    }

    fn generation(&self, id: &str) -> u64 {
        self.records[id].1
    }
}

/// Does the store commands of `cmds` (writes, loads, reservations) and answers them, until only
/// the other commands are left: those, in order.
fn serve(
    session: &mut Ws402Session,
    store: &mut Store,
    at: u64,
    cmds: Vec<OwnedCommand>,
) -> Vec<OwnedCommand> {
    let mut rest = Vec::new();
    for c in cmds {
        let next = match &c {
            OwnedCommand::Persist {
                session_id,
                record,
                generation,
                expect,
                ttl_s,
            } => {
                assert!(*ttl_s >= 3600);
                let ok = store.write(session_id, record, *generation, *expect);
                session.handle(at, SessionInput::Persisted(ok)).unwrap()
            }
            OwnedCommand::Load { session_id } => {
                let record = store.records.get(session_id).map(|(r, _)| r.clone());
                session
                    .handle(at, SessionInput::Loaded(record.as_deref()))
                    .unwrap()
            }
            OwnedCommand::Reserve { key, .. } => {
                let answer = if store.replay.insert(key.clone()) {
                    Reservation::Fresh
                } else {
                    Reservation::AlreadyUsed
                };
                session.handle(at, SessionInput::Reserved(answer)).unwrap()
            }
            _ => {
                rest.push(c);
                continue;
            }
        };
        rest.extend(serve(session, store, at, next));
    }
    rest
}

fn on(
    session: &mut Ws402Session,
    store: &mut Store,
    at: u64,
    input: SessionInput<'_>,
) -> Vec<OwnedCommand> {
    let cmds = session.handle(at, input).unwrap();
    serve(session, store, at, cmds)
}

fn finished(commands: &[OwnedCommand]) -> Statement {
    match commands.last() {
        Some(OwnedCommand::Finished(st)) => **st,
        other => panic!("not finished: {other:?}"),
    }
}

fn json(c: &OwnedCommand) -> Value {
    let OwnedCommand::Send(text) = c else {
        panic!("not a frame: {c:?}")
    };
    serde_json::from_str(text).unwrap()
}

const ID: [u8; 16] = [0xa1; 16];
const SID: &str = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";

/// An `exact` session of 1 000 000 at 250/s, a usage tick every second, 30 s of grace:
/// running from `T + 10`. Returns the session and its resume token.
fn running_exact(s: &Ws402Server, store: &mut Store, key: &PrivateKey) -> (Ws402Session, String) {
    let frame = proof(s, key, T / 1000, 1);
    let mut session = s.accept(T, ID);
    let cmds = on(
        &mut session,
        store,
        T + 5,
        SessionInput::Text(frame.as_bytes()),
    );
    let [OwnedCommand::Settle { amount, .. }] = &cmds[..] else {
        panic!("{cmds:?}")
    };
    assert_eq!(*amount, U256::from_u64(1_000_000));
    let cmds = on(
        &mut session,
        store,
        T + 10,
        SessionInput::Settled(Some(SETTLED)),
    );
    let started = json(&cmds[0]);
    assert_eq!(started["type"], "session_started");
    let token = started["resumeToken"].as_str().unwrap().to_owned();
    let expected = SessionKeys::derive(&SECRET)
        .unwrap()
        .resume_token(&ID, &Payer::Evm(key.address()));
    assert_eq!(token, expected.as_str());
    assert_eq!(store.generation(SID), 1);
    (session, token)
}

fn exact_config() -> Ws402Config {
    let mut config = Ws402Config::new(U256::from_u64(250), 3600);
    config.update_interval_ms = 1_000;
    config.resume_grace_ms = 30_000;
    config
}

#[test]
fn a_dropped_socket_resumes_on_a_new_one_and_the_session_refunds_once() {
    let s = server(exact_offer("1000000"), exact_config());
    let key = PrivateKey::from_bytes(&[0x11; 32]).unwrap();
    let mut store = Store::default();
    let (mut old, token) = running_exact(&s, &mut store, &key);
    // An HTTP grant for the running session (the server's grant key, generation 0).
    let keys = SessionKeys::derive(&SECRET).unwrap();
    let url = "https://example.com/video/1.mp4";
    let grant = |generation: u32| {
        let mut buf = [0u8; http_grant::GRANT_TOKEN_LEN];
        let t = http_grant::issue(&keys, &ID, url, generation, T + 600_000, &mut buf).unwrap();
        format!("WS402 {t}")
    };
    let before = grant(0);
    assert_eq!(
        Ws402Server::grant_session_id(Some(&before)).as_deref(),
        Some(SID)
    );
    let check = |auth: &str, store: &Store, at: u64| {
        s.grant_check(Some(auth), url, Some(&store.record(SID)), at)
            .map(|g| g.generation)
            .map_err(|r| (r.status(), r.code()))
    };
    assert_eq!(check(&before, &store, T + 500), Ok(0));
    // Two ticks (checkpoints), then the socket drops at 2.5 s: 625 consumed.
    on(&mut old, &mut store, T + 1_010, SessionInput::Timer);
    on(&mut old, &mut store, T + 2_010, SessionInput::Timer);
    assert!(on(&mut old, &mut store, T + 2_510, SessionInput::Closed(None)).is_empty());
    assert_eq!(old.phase(), Phase::Suspended);
    assert_eq!(store.generation(SID), 4);
    // 12 s later a new socket presents the token.
    let mut new = s.accept(T + 14_510, [0xb2; 16]);
    let frame =
        serde_json::json!({"type": "resume_session", "sessionId": SID, "resumeToken": token})
            .to_string();
    let cmds = on(
        &mut new,
        &mut store,
        T + 14_510,
        SessionInput::Text(frame.as_bytes()),
    );
    assert_eq!(
        json(&cmds[0]),
        serde_json::json!({"type": "session_resumed", "sessionId": SID, "balance": "1000000", "consumedAmount": "625", "remainingBalance": "999375"})
    );
    assert_eq!(new.session_id(), SID);
    assert_eq!(store.generation(SID), 5);
    // The resume revoked the grants issued before it; one at the new generation is valid.
    assert_eq!(
        check(&before, &store, T + 15_000),
        Err((401, "grant_revoked"))
    );
    assert_eq!(check(&grant(1), &store, T + 15_000), Ok(1));
    assert_eq!(
        s.grant_check(None, url, Some(&store.record(SID)), T + 15_000)
            .map_err(|r| r.code()),
        Err("grant_required")
    );
    // 4 s more, then end_session: 625 + 1000 = 1625 consumed, 998 375 refunded.
    let cmds = on(
        &mut new,
        &mut store,
        T + 18_510,
        SessionInput::Text(br#"{"type":"end_session"}"#),
    );
    let Some(OwnedCommand::Refund(order)) = cmds.last() else {
        panic!("{cmds:?}")
    };
    assert_eq!(
        (order.amount(), order.to()),
        (U256::from_u64(998_375), key.address())
    );
    let cmds = on(
        &mut new,
        &mut store,
        T + 19_000,
        SessionInput::Refunded(RefundOutcome::Confirmed),
    );
    let ended = json(&cmds[0]);
    assert_eq!(
        (
            &ended["type"],
            &ended["consumed"],
            &ended["refund"],
            &ended["settled"]
        ),
        (
            &"session_ended".into(),
            &"1625".into(),
            &"998375".into(),
            &"1000000".into()
        )
    );
    assert_eq!(cmds[1], OwnedCommand::Close(1000));
    let st = finished(&cmds);
    assert_eq!(
        (st.paid, st.consumed, st.refund.unwrap().amount),
        (
            U256::from_u64(1_000_000),
            U256::from_u64(1_625),
            U256::from_u64(998_375)
        )
    );
    // Ended: every grant is refused.
    assert_eq!(
        check(&grant(1), &store, T + 19_500),
        Err((403, "session_ended"))
    );
    // The old session's grace ends: its write loses; no second refund.
    let cmds = on(&mut old, &mut store, T + 32_510, SessionInput::Timer);
    assert_eq!(cmds, [OwnedCommand::Abandoned]);
    // A second resume of the ended session is refused.
    let mut again = s.accept(T + 20_000, [0xc3; 16]);
    let cmds = on(
        &mut again,
        &mut store,
        T + 20_000,
        SessionInput::Text(frame.as_bytes()),
    );
    assert_eq!(
        json(&cmds[0]),
        serde_json::json!({"type": "resume_refused", "reason": "session_ended"})
    );
    assert_eq!(cmds[1], OwnedCommand::Close(1008));
}

#[test]
fn a_restarted_server_recovers_every_open_record_exactly_once() {
    let key = PrivateKey::from_bytes(&[0x22; 32]).unwrap();
    let mut store = Store::default();
    {
        let s = server(exact_offer("1000000"), exact_config());
        let (mut session, _) = running_exact(&s, &mut store, &key);
        on(&mut session, &mut store, T + 1_010, SessionInput::Timer);
        on(&mut session, &mut store, T + 2_010, SessionInput::Timer);
        // The process dies here: server and session dropped, the record stays.
    }
    assert_eq!(store.generation(SID), 3);
    let record = store.record(SID);
    // A new process, the same secret: within the lease (2 s) the owner counts as alive.
    let s = server(exact_offer("1000000"), exact_config());
    let (_, decision) = s.recover(&record, T + 3_000).unwrap();
    assert_eq!(
        decision,
        Recovery::StillOwned {
            retry_at_ms: T + 4_010
        }
    );
    // After it: suspended at the last checkpoint (2 s, 500 consumed), waiting for a resume.
    let (mut recovered, decision) = s.recover(&record, T + 5_000).unwrap();
    assert_eq!(
        decision,
        Recovery::AwaitResume {
            until_ms: T + 32_010
        }
    );
    let pending = recovered.pending().unwrap();
    assert!(serve(&mut recovered, &mut store, T + 5_000, pending).is_empty());
    assert_eq!(store.generation(SID), 4);
    // A second process recovering the same record loses the write and abandons it.
    let (mut twin, _) = s.recover(&record, T + 5_000).unwrap();
    let pending = twin.pending().unwrap();
    assert_eq!(
        serve(&mut twin, &mut store, T + 5_000, pending),
        [OwnedCommand::Abandoned]
    );
    // No resume within the grace: it ends at the checkpoint and refunds 999 500 once.
    assert_eq!(recovered.timeout(), Some(T + 32_010));
    let cmds = on(&mut recovered, &mut store, T + 32_010, SessionInput::Timer);
    let [OwnedCommand::Refund(order)] = &cmds[..] else {
        panic!("{cmds:?}")
    };
    assert_eq!(order.amount(), U256::from_u64(999_500));
    // The process dies again after recording the refund, before its outcome: the next one
    // asks for the same order (its key makes the settlement layer re-send, never re-sign).
    let record = store.record(SID);
    drop(recovered);
    let s = server(exact_offer("1000000"), exact_config());
    let (mut third, decision) = s.recover(&record, T + 60_000).unwrap();
    assert_eq!(decision, Recovery::Continue);
    let pending = third.pending().unwrap();
    let cmds = serve(&mut third, &mut store, T + 60_000, pending);
    assert_eq!(cmds, [OwnedCommand::Refund(*order)]);
    let cmds = on(
        &mut third,
        &mut store,
        T + 61_000,
        SessionInput::Refunded(RefundOutcome::Confirmed),
    );
    let st = finished(&cmds);
    let Ending::Ended(end) = st.ending else {
        panic!("{st:?}")
    };
    assert_eq!(
        (end.reason, end.at_ms, st.consumed),
        (
            SessionEndReason::ConnectionLost,
            T + 2_010,
            U256::from_u64(500)
        )
    );
    // Done: nothing more for anyone.
    let (_, decision) = s.recover(&store.record(SID), T + 70_000).unwrap();
    assert_eq!(decision, Recovery::Done);
    // Another secret cannot open the records.
    let other = Ws402Server::new(
        vec![exact_offer("1000000")],
        ResourceConfig {
            url: WS_URL.into(),
            ..ResourceConfig::default()
        },
        exact_config(),
    )
    .unwrap()
    .with_secret(&[1; 32])
    .unwrap();
    let Err(e) = other.recover(&store.record(SID), T + 70_000) else {
        panic!("opened under another secret")
    };
    assert_eq!(e.code, "record_tampered");
}

#[test]
fn an_upto_session_recovered_while_settling_settles_the_same_amount_above_2_pow_53() {
    let per_second: u128 = 10_000_000_000_000_000;
    let maximum: u128 = 3_000_000_000_000_000_000;
    let mut config = Ws402Config::new(U256::from_u128(per_second), 600);
    config.update_interval_ms = 0;
    let key = PrivateKey::from_bytes(&[0x33; 32]).unwrap();
    let mut store = Store::default();
    let s = server(upto_offer(&maximum.to_string()), config.clone());
    let frame = proof(&s, &key, T / 1000, 3);
    let mut session = s.accept(T, ID);
    let cmds = on(
        &mut session,
        &mut store,
        T + 5,
        SessionInput::Text(frame.as_bytes()),
    );
    assert_eq!(json(&cmds[0])["type"], "session_started");
    let consumed = per_second * 2_500 / 1_000;
    let cmds = on(
        &mut session,
        &mut store,
        T + 2_505,
        SessionInput::AppEnded(false),
    );
    let Some(OwnedCommand::Settle { amount, .. }) = cmds.last() else {
        panic!("{cmds:?}")
    };
    assert_eq!(*amount, U256::from_u128(consumed));
    drop(session); // dies before the settlement's answer
    let s = server(upto_offer(&maximum.to_string()), config);
    let (mut recovered, decision) = s.recover(&store.record(SID), T + 30_000).unwrap();
    assert_eq!(decision, Recovery::Continue);
    let pending = recovered.pending().unwrap();
    let cmds = serve(&mut recovered, &mut store, T + 30_000, pending);
    let [OwnedCommand::Settle { amount, body }] = &cmds[..] else {
        panic!("{cmds:?}")
    };
    assert_eq!(*amount, U256::from_u128(consumed));
    let body: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(body["paymentRequirements"]["amount"], consumed.to_string());
    let cmds = on(
        &mut recovered,
        &mut store,
        T + 31_000,
        SessionInput::Settled(Some(SETTLED)),
    );
    let st = finished(&cmds);
    assert_eq!(
        (st.paid, st.consumed, st.settlement.unwrap().amount),
        (
            U256::from_u128(maximum),
            U256::from_u128(consumed),
            U256::from_u128(consumed)
        )
    );
}

#[test]
fn without_a_secret_nothing_is_persisted_and_recovery_is_refused() {
    let resource = ResourceConfig {
        url: WS_URL.into(),
        ..ResourceConfig::default()
    };
    let s = Ws402Server::new(vec![exact_offer("1000000")], resource, exact_config()).unwrap();
    assert!(!s.resumable());
    let key = PrivateKey::from_bytes(&[0x44; 32]).unwrap();
    let frame = proof(&s, &key, T / 1000, 4);
    let mut session = s.accept(T, ID);
    let mut all = session
        .handle(T + 5, SessionInput::Text(frame.as_bytes()))
        .unwrap();
    all.extend(
        session
            .handle(T + 6, SessionInput::Reserved(Reservation::Fresh))
            .unwrap(),
    );
    all.extend(
        session
            .handle(T + 10, SessionInput::Settled(Some(SETTLED)))
            .unwrap(),
    );
    assert!(all.iter().all(|c| c.kind() != "persist"), "{all:?}");
    assert!(json(all.last().unwrap()).get("resumeToken").is_none());
    let Err(e) = s.recover(b"anything", T) else {
        panic!()
    };
    assert_eq!(e.code, "session_unsupported");
    let Err(e) = s.clone().with_secret(&[0; 31]) else {
        panic!()
    };
    assert_eq!(e.code, "invalid_server_secret");
}

#[test]
fn an_http_response_under_a_grant_is_charged_to_the_live_session_before_it_is_served() {
    // 250/s, 2 per body byte, 5 per response: the HTTP charge is N × 2 + 5.
    let mut config = exact_config();
    config.tariff.per_byte_out = U256::from_u64(2);
    config.tariff.per_message = U256::from_u64(5);
    let s = server(exact_offer("1000000"), config);
    let key = PrivateKey::from_bytes(&[0x11; 32]).unwrap();
    let mut store = Store::default();
    let (mut session, _) = running_exact(&s, &mut store, &key);
    // 1000 bytes at T + 500: served, counted.
    let HttpServe::Served(cmds) = session.http_serve(T + 500, 1_000).unwrap() else {
        panic!("refused")
    };
    assert_eq!(cmds, [OwnedCommand::ServeHttp]);
    // 600 000 bytes cost 1 200 005 > 1 000 000: refused with the core's 402; nothing changes.
    assert_eq!(
        session.http_serve(T + 600, 600_000).unwrap(),
        HttpServe::Refused(GrantRefusal::BalanceInsufficient)
    );
    let body = Ws402Server::grant_refusal_body(
        GrantRefusal::BalanceInsufficient,
        "https://example.com/ws402",
    );
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (body["code"].as_str(), body["schemaUrl"].as_str()),
        (
            Some("balance_insufficient"),
            Some("https://example.com/ws402")
        )
    );
    // The usage_update one second after the start (T + 10) includes 1000 × 2 + 5.
    let cmds = on(&mut session, &mut store, T + 1_010, SessionInput::Timer);
    assert_eq!(
        json(&cmds[0])["consumedAmount"],
        (250 + 2_000 + 5).to_string()
    );
    // No machine of the session in this process: 403 session_elsewhere.
    let elsewhere = Ws402Server::grant_elsewhere();
    assert_eq!(
        (elsewhere.status(), elsewhere.code()),
        (403, "session_elsewhere")
    );
}
