//! The WS402 session machine: arbitrary input sequences (valid `exact` and `upto` proofs, junk
//! frames, timers at any time, closes with and without a close frame, application ends and
//! sends, reservation, settlement and refund answers in any order) never panic, and:
//! one end (at most one `Finished`, nothing after it); at most one close and no frame after it;
//! at most one reservation, one settlement, one refund and one release (never a release after
//! `session_started`); `consumed ≤ paid`; a refund is `paid − consumed` to the verified payer; an
//! `upto` settlement is exactly `consumed`; a refused input changes nothing and queues nothing.
//! With [`SessionKeys`] (half the inputs): record writes answered won or lost at random, loads
//! of the last record written (or none, or a tampered one), a new socket's `resume_session`, and
//! a restart (`SessionMachine::recover` of the last record). Every record written opens under
//! the keys with the announced generation, one above the expected one; after `Abandoned` no
//! settle, refund or frame follows.
//! With on-chain proofs (a quarter of the inputs): the seed's `{txHash}` proof, and JSON-RPC
//! answers from the input (a node's well-formed answers for that transaction with amounts and
//! heads from the input, `null`, an `error` member, junk bytes, no answer) in any order; the
//! replay key is then the transaction's, and a refund goes to the transaction's payer.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pay402::U256;
use pay402::evm::PrivateKey;
use pay402::onchain::evm::EvmAsset;
use pay402::ws402::{
    ChainProofTerms, Command, Ending, Input, Payer, Plan, RECOMMENDED_COMMAND_BUFFER_LEN,
    RefundOutcome, Reservation, SealedRecord, SessionError, SessionKeys, SessionMachine,
    SessionPolicy, Tariff,
};
use pay402::x402::server::{
    Offer, OfferScheme, OfferSet, Resource, SettleOutcome, write_challenge,
};
use pay402::x402::{PaymentRequired, SettleResponse, client::pay_evm, header};

const T: u64 = 1_800_000_000_000;
const RESOURCE: Resource<'static> = Resource {
    url: "wss://example.com/ws402",
    description: "",
    mime_type: None,
};
const SETTLED: &[u8] = br#"{"success":true,"transaction":"0x1111111111111111111111111111111111111111111111111111111111111111","network":"eip155:84532"}"#;
const REFUSED: &[u8] =
    br#"{"success":false,"errorReason":"invalid_payload","transaction":"","network":"eip155:84532"}"#;
const PENDING: &[u8] = br#"{"success":false,"errorReason":"settlement_pending","transaction":"0x2222222222222222222222222222222222222222222222222222222222222222","network":"eip155:84532"}"#;

fn offers() -> OfferSet<'static, 2> {
    let mut offers = OfferSet::new();
    let exact = Offer {
        scheme: OfferScheme::ExactEip3009 {
            name: "USDC",
            version: "2",
        },
        network: "eip155:84532",
        asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
        amount: U256::from_u64(1_000_000),
        pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
        max_timeout_seconds: 3600,
    };
    offers.push(exact).unwrap();
    offers
        .push(Offer {
            scheme: OfferScheme::UptoPermit2 {
                facilitator: "0x000000000000000000000000000000000000dEaD",
            },
            amount: U256::from_u64(5_000_000),
            max_timeout_seconds: 100_000,
            ..exact
        })
        .unwrap();
    offers
}

/// The `payment_proof` frames of both offers, signed once by the key 0x11…11.
fn proofs() -> &'static (String, String) {
    static PROOFS: OnceLock<(String, String)> = OnceLock::new();
    PROOFS.get_or_init(|| {
        let offers = offers();
        let (mut hb, mut bb, mut json) = ([0u8; 4096], [0u8; 4096], [0u8; 4096]);
        let c = write_challenge(&offers, &RESOURCE, None, &mut hb, &mut bb).unwrap();
        let decoded = header::decode(c.header_value.as_bytes(), &mut json).unwrap();
        let required = PaymentRequired::from_json(decoded).unwrap();
        let key = PrivateKey::from_bytes(&[0x11; 32]).unwrap();
        let frame = |index: usize| {
            let (mut scratch, mut out) = ([0u8; 4096], [0u8; 4096]);
            let value = pay_evm(
                &required,
                index,
                &key,
                T / 1000,
                &[index as u8; 32],
                &mut scratch,
                &mut out,
            )
            .unwrap();
            format!(r#"{{"type":"payment_proof","proof":"{value}"}}"#)
        };
        (frame(0), frame(1))
    })
}

const TX_HASH: &str = "0x7777777777777777777777777777777777777777777777777777777777777777";
const BLOCK_HASH: &str = "0x8888888888888888888888888888888888888888888888888888888888888888";
const TOKEN: &str = "0x036cbd53842c5426634e7929541ec2318f3dcf7e";
const PAY_TO: &str = "0x209693bc6afc0c5328ba36faf03c514ef312287c";

/// A JSON-RPC node's answer for the proof's transaction (in block 0x10, 10 s before T), chosen
/// by `arg`: the transaction, its block, a head, the receipt (status and amount from `arg`), or
/// `null`, an `error` member, a body without `result`.
fn node_answer(arg: u8, payer: &str, native: bool) -> String {
    let value = u64::from(arg) * 10_000;
    let (to, tx_value) = if native { (PAY_TO, value) } else { (TOKEN, 0) };
    let result = match arg % 7 {
        0 => format!(
            r#"{{"hash":"{TX_HASH}","blockNumber":"0x10","from":"{payer}","to":"{to}","value":"{tx_value:#x}","chainId":"0x14a34"}}"#
        ),
        1 => format!(
            r#"{{"number":"0x10","hash":"{BLOCK_HASH}","timestamp":"{:#x}"}}"#,
            T / 1000 - 10
        ),
        2 => format!(r#""{:#x}""#, 0x10 + u64::from(arg % 3)),
        3 => {
            let log = format!(
                r#"{{"address":"{TOKEN}","topics":["0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef","0x000000000000000000000000{}","0x000000000000000000000000{}"],"data":"0x{value:064x}"}}"#,
                &payer[2..],
                &PAY_TO[2..]
            );
            format!(
                r#"{{"transactionHash":"{TX_HASH}","blockNumber":"0x10","blockHash":"{BLOCK_HASH}","status":"{:#x}","logs":[{}]}}"#,
                u64::from(arg & 8 == 0),
                if native { "" } else { &log }
            )
        }
        4 => "null".to_owned(),
        5 => return r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"x"}}"#.to_owned(),
        _ => return r#"{"jsonrpc":"2.0","id":1}"#.to_owned(),
    };
    format!(r#"{{"jsonrpc":"2.0","id":1,"result":{result}}}"#)
}

fn u64_at(d: &[u8], i: usize) -> u64 {
    let mut b = [0u8; 8];
    for (k, slot) in b.iter_mut().enumerate() {
        *slot = d.get(i + k).copied().unwrap_or(0);
    }
    u64::from_le_bytes(b)
}

#[derive(Default)]
struct Counts {
    finished: u32,
    closes: u32,
    reserves: u32,
    settles: u32,
    refunds: u32,
    releases: u32,
    started: u32,
    abandoned: u32,
    rpcs: u32,
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 24 {
        return;
    }
    let offers = offers();
    let (exact_proof, upto_proof) = proofs();
    let payer = Payer::Evm(PrivateKey::from_bytes(&[0x11; 32]).unwrap().address());
    let mut policy = SessionPolicy::new(
        Tariff {
            per_byte_in: U256::from_u64(u64_at(data, 1) % 50),
            per_byte_out: U256::from_u64(u64_at(data, 9) % 50),
            per_message: U256::from_u64(u64_at(data, 17) % 1000),
            per_second: U256::from_u64(u64_at(data, 1) % 200_000),
        },
        u64::from(data[0] % 64) * 60,
    );
    policy.update_interval_ms = u64::from(data[9]) * 40;
    policy.proof_timeout_ms = u64::from(data[17]) * 100;
    policy.resume_grace_ms = if data[0] & 0x80 != 0 {
        u64::from(data[18]) * 500
    } else {
        0
    };
    let chain = data[22] & 3 == 0;
    let native = data[22] & 4 != 0;
    if chain {
        policy.chain_proof = Some(ChainProofTerms {
            chain_id: 84532,
            asset: if native {
                EvmAsset::Native
            } else {
                EvmAsset::Token(pay402::evm::Address::parse(TOKEN.as_bytes()).unwrap())
            },
            pay_to: pay402::evm::Address::parse(PAY_TO.as_bytes()).unwrap(),
            min_amount: U256::from_u64(100_000),
            max_age_secs: u64::from(data[23]),
            min_confirmations: u64::from(data[23] % 3),
        });
    }
    let Payer::Evm(payer_address) = payer else {
        unreachable!()
    };
    let payer_hex: String = format!(
        "0x{}",
        payer_address
            .0
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let chain_proof = format!(
        r#"{{"type":"payment_proof","proof":{{"txHash":"{TX_HASH}","reference":"r","senderAddress":"0x000000000000000000000000000000000000beef"}}}}"#
    );
    let mut answer: String;
    let keys = SessionKeys::derive(&[data[20]; 32]).unwrap();
    let persistent = data[0] & 0x40 != 0;
    let mut session = SessionMachine::accept(policy, [data[19]; 16], T);
    if persistent {
        session = session.with_keys(keys.clone());
    }
    let mut record: Vec<u8> = Vec::new();
    let mut out = vec![0u8; RECOMMENDED_COMMAND_BUFFER_LEN];
    let mut now = T;
    let mut c = Counts::default();
    let settled = SettleResponse::from_json(SETTLED).unwrap();
    let refused = SettleResponse::from_json(REFUSED).unwrap();
    let pending = SettleResponse::from_json(PENDING).unwrap();
    let end_session = br#"{"type":"end_session"}"#;
    let mut resume: String;

    for op in data[24..].chunks(6) {
        let (kind, arg) = (op[0] % 18, op.get(1).copied().unwrap_or(0));
        let dt = u64_at(op, 2) & 0xffff_ffff;
        now = if op[0] & 0x80 != 0 {
            now.saturating_sub(dt % 5_000) // time may be reported out of order
        } else {
            now.saturating_add(dt % 70_000)
        };
        let junk = &op[1..];
        let input = match kind {
            0 => Input::Text(exact_proof.as_bytes()),
            1 if chain && arg & 1 == 0 => Input::Text(chain_proof.as_bytes()),
            1 => Input::Text(upto_proof.as_bytes()),
            2 => Input::Text(junk),
            3 => Input::Binary(junk),
            4 => Input::Timer,
            5 => {
                if let Some(t) = session.poll_timeout() {
                    now = now.max(t);
                }
                Input::Timer
            }
            6 => Input::Closed {
                code: [None, Some(1000), Some(1006), Some(1001)][usize::from(arg % 4)],
            },
            7 => Input::AppEnded {
                error: arg & 1 == 1,
            },
            8 => Input::AppSend {
                bytes: u64::from(arg) * 37,
            },
            9 => Input::Reserved(
                [
                    Reservation::Fresh,
                    Reservation::AlreadyUsed,
                    Reservation::Unavailable,
                ][usize::from(arg % 3)],
            ),
            10 => Input::Settled(match arg % 4 {
                0 => SettleOutcome::Response(settled),
                1 => SettleOutcome::Response(refused),
                2 => SettleOutcome::Response(pending),
                _ => SettleOutcome::Unavailable,
            }),
            11 => Input::Refunded(
                [
                    RefundOutcome::Confirmed,
                    RefundOutcome::Pending,
                    RefundOutcome::Failed,
                ][usize::from(arg % 3)],
            ),
            12 => Input::Text(end_session),
            13 if arg & 0x40 != 0 => Input::HttpServe {
                bytes: u64::from(arg & 0x3f) * 53,
            },
            13 => match arg % 4 {
                0 => Input::RpcResponse(None),
                1 => Input::RpcResponse(Some(junk)),
                _ => {
                    answer = node_answer(op.get(2).copied().unwrap_or(0), &payer_hex, native);
                    Input::RpcResponse(Some(answer.as_bytes()))
                }
            },
            14 => Input::Persisted(arg & 1 == 1),
            15 => {
                if arg % 3 == 2 && !record.is_empty() {
                    let i = usize::from(arg) % record.len();
                    record[i] ^= 1;
                }
                Input::Loaded((arg % 3 != 0).then_some(&record[..]))
            }
            16 if persistent && !record.is_empty() => {
                // A restart: another process recovers the last record written.
                let Ok((m, _)) =
                    SessionMachine::recover(&offers, policy, keys.clone(), &record, now)
                else {
                    continue;
                };
                session = m;
                c = Counts {
                    started: 1,
                    closes: 1,
                    reserves: 1,
                    settles: u32::from(session.plan() == Some(Plan::Exact)),
                    ..Counts::default()
                };
                Input::Timer
            }
            17 if persistent && !record.is_empty() => {
                // A new socket presents the resume token of the last record's session.
                let Ok(r) = SealedRecord::open(&keys, &record) else {
                    continue;
                };
                let (id, token) = (
                    r.session_id,
                    r.payer.map(|p| keys.resume_token(&r.session_id, &p)),
                );
                let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
                session =
                    SessionMachine::accept(policy, [data[21]; 16], now).with_keys(keys.clone());
                c = Counts::default();
                resume = format!(
                    r#"{{"type":"resume_session","sessionId":"{hex}","resumeToken":"{}"}}"#,
                    token.as_ref().map_or("x", |t| t.as_str())
                );
                Input::Text(resume.as_bytes())
            }
            _ => Input::Text(&junk[..usize::from(arg) % junk.len().max(1)]),
        };
        let usage = |s: &SessionMachine<'_>| {
            s.meter()
                .map(|m| (m.consumed(), m.bytes_out(), m.messages(), m.end()))
        };
        let before = (
            session.phase(),
            session.generation(),
            session.statement(),
            session.poll_timeout(),
            usage(&session),
        );
        if let Err(e) = session.handle(&offers, now, input) {
            let after = (
                session.phase(),
                session.generation(),
                session.statement(),
                session.poll_timeout(),
                usage(&session),
            );
            assert_eq!(before, after, "a refused input changed the session");
            // `session_commands_pending`: commands queued before this input (a recovered session's
            // first ones) are still there; they are drained below like any others.
            if e != SessionError::CommandsPending {
                assert!(
                    session
                        .poll_command(&offers, &RESOURCE, &mut out)
                        .unwrap()
                        .is_none(),
                    "a refused input queued a command"
                );
                continue;
            }
        }
        while let Some(command) = session
            .poll_command(&offers, &RESOURCE, &mut out)
            .expect("8 KiB holds every command")
        {
            assert_eq!(c.finished, 0, "a command after Finished");
            assert_eq!(c.abandoned, 0, "a command after Abandoned");
            match command {
                Command::Persist {
                    record: bytes,
                    generation,
                    expect,
                    ttl_s,
                } => {
                    assert!(persistent && ttl_s > 0);
                    let opened = SealedRecord::open(&keys, bytes).expect("a record that opens");
                    assert_eq!(opened.generation, generation);
                    assert_eq!(expect.map_or(1, |e| e.wrapping_add(1).max(1)), generation);
                    record = bytes.to_vec();
                }
                Command::Load { .. } => assert!(persistent),
                Command::Abandoned => c.abandoned += 1,
                Command::Rpc { method, params } => {
                    assert!(chain, "an RPC call without chain proofs");
                    assert!(method.starts_with("eth_") && params.starts_with(b"["));
                    c.rpcs += 1;
                }
                Command::Send(frame) => {
                    assert_eq!(c.closes, 0, "a frame after the close");
                    if frame.starts_with(r#"{"type":"session_started""#)
                        || frame.starts_with(r#"{"type":"session_resumed""#)
                    {
                        c.started += 1;
                    }
                }
                Command::SendAppFrame | Command::DeliverToApp | Command::ServeHttp => {
                    assert_eq!(c.closes, 0, "app traffic after the close");
                    assert_eq!(c.started, 1);
                }
                Command::Close { .. } => c.closes += 1,
                Command::Reserve { key, .. } => {
                    c.reserves += 1;
                    if key.starts_with(b"evm:") {
                        assert!(chain);
                        assert_eq!(key, format!("evm:84532:{TX_HASH}").as_bytes());
                    } else {
                        assert_eq!(key.len(), 80);
                    }
                }
                Command::Release { .. } => {
                    c.releases += 1;
                    assert_eq!(c.started, 0, "a release after session_started");
                }
                Command::Settle { amount, body } => {
                    c.settles += 1;
                    assert!(!body.is_empty());
                    match session.plan() {
                        Some(Plan::Exact) => assert_eq!(amount, U256::from_u64(1_000_000)),
                        Some(Plan::Upto) => {
                            let st = session.statement().expect("an upto charge follows the end");
                            assert_eq!(amount, st.consumed);
                            assert!(!amount.is_zero() && amount <= st.paid);
                        }
                        None => panic!("a settlement without a payment"),
                    }
                }
                Command::Refund(order) => {
                    c.refunds += 1;
                    assert_eq!(Payer::Evm(order.to()), payer);
                    let st = session.statement().expect("a refund follows the end");
                    assert_eq!(st.plan, Some(Plan::Exact));
                    assert_eq!(order.amount().checked_add(st.consumed), Some(st.paid));
                    assert!(!order.amount().is_zero());
                }
                Command::Finished(st) => {
                    c.finished += 1;
                    assert!(st.finished);
                }
            }
            assert!(c.closes <= 1 && c.reserves <= 1 && c.settles <= 1 && c.refunds <= 1);
            assert!(c.releases <= 1 && c.started <= 1);
        }
        if let Some(st) = session.statement() {
            assert!(st.consumed <= st.paid);
            if let Ending::Ended(end) = st.ending {
                assert_eq!(end.consumed, st.consumed);
                assert_eq!(end.refund.checked_add(end.consumed), Some(st.paid));
            }
        }
    }
});
