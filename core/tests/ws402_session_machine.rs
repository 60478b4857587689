//! Whole WS402 sessions driven through `ws402::Session` as a host would: every command asserted
//! in order, and the money of each statement to the atomic unit. The payments are real: the
//! x402 v2 specification's EIP-3009 example, and EIP-3009, `upto` Permit2 and Solana payments
//! signed by the core's paying client for the offers' own challenge. Expected amounts are worked
//! out by hand from the tariff and the timeline (`floor(price × ms / 1000)`), never read back
//! from the machine.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::too_many_lines,
    clippy::large_enum_variant
)]

use core::cell::RefCell;
use std::collections::HashSet;
use std::string::{String, ToString};
use std::vec::Vec;

use pay402::ErrorCode;
use pay402::evm::Address;
use pay402::evm::PrivateKey;
use pay402::u256::U256;
use pay402::ws402::{
    Command, Ending, Input, Payer, Phase, Plan, RECOMMENDED_COMMAND_BUFFER_LEN, Refund,
    RefundOutcome, RefundStatus, Reservation, Session, SessionEndReason, SessionError,
    SessionPolicy, SettleStatus, Settlement, Statement, Tariff,
};
use pay402::x402::client::pay_evm;
use pay402::x402::network::Network;
use pay402::x402::refund::RefundOrder;
use pay402::x402::server::{
    Offer, OfferScheme, OfferSet, Resource, SettleOutcome, write_challenge,
};
use pay402::x402::{PaymentRequired, SettleResponse, header};
use sha2::{Digest, Sha256};

/// The x402 v2 specification's EIP-3009 example payment (section 5), valid until 1740672154.
const SPEC_HEADER: &str = "eyJ4NDAyVmVyc2lvbiI6MiwicmVzb3VyY2UiOnsidXJsIjoiaHR0cHM6Ly9hcGkuZXhhbXBsZS5jb20vcHJlbWl1bS1kYXRhIiwiZGVzY3JpcHRpb24iOiJBY2Nlc3MgdG8gcHJlbWl1bSBtYXJrZXQgZGF0YSIsIm1pbWVUeXBlIjoiYXBwbGljYXRpb24vanNvbiJ9LCJhY2NlcHRlZCI6eyJzY2hlbWUiOiJleGFjdCIsIm5ldHdvcmsiOiJlaXAxNTU6ODQ1MzIiLCJhbW91bnQiOiIxMDAwMCIsImFzc2V0IjoiMHgwMzZDYkQ1Mzg0MmM1NDI2NjM0ZTc5Mjk1NDFlQzIzMThmM2RDRjdlIiwicGF5VG8iOiIweDIwOTY5M0JjNmFmYzBDNTMyOGJBMzZGYUYwM0M1MTRFRjMxMjI4N0MiLCJtYXhUaW1lb3V0U2Vjb25kcyI6NjAsImV4dHJhIjp7Im5hbWUiOiJVU0RDIiwidmVyc2lvbiI6IjIifX0sInBheWxvYWQiOnsic2lnbmF0dXJlIjoiMHgyZDZhNzU4OGQ2YWNjYTUwNWNiZjBkOWE0YTIyN2UwYzUyYzZjMzQwMDhjOGU4OTg2YTEyODMyNTk3NjQxNzM2MDhhMmNlNjQ5NjY0MmUzNzdkNmRhOGRiYmY1ODM2ZTliZDE1MDkyZjllY2FiMDVkZWQzZDYyOTNhZjE0OGI1NzFjIiwiYXV0aG9yaXphdGlvbiI6eyJmcm9tIjoiMHg4NTdiMDY1MTlFOTFlM0E1NDUzODc5MWJEYmIwRTIyMzczZTM2YjY2IiwidG8iOiIweDIwOTY5M0JjNmFmYzBDNTMyOGJBMzZGYUYwM0M1MTRFRjMxMjI4N0MiLCJ2YWx1ZSI6IjEwMDAwIiwidmFsaWRBZnRlciI6IjE3NDA2NzIwODkiLCJ2YWxpZEJlZm9yZSI6IjE3NDA2NzIxNTQiLCJub25jZSI6IjB4ZjM3NDY2MTNjMmQ5MjBiNWZkYWJjMDg1NmYyYWViMmQ0Zjg4ZWU2MDM3YjhjYzVkMDRhNzFhNDQ2MmYxMzQ4MCJ9fX0=";

const USDC: &str = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const PAY_TO: &str = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
const RESOURCE: Resource<'static> = Resource {
    url: "wss://example.com/ws402/quotes",
    description: "",
    mime_type: None,
};

/// One host command, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cmd {
    Send(String),
    SendApp,
    Deliver,
    Close(u16),
    Reserve(Vec<u8>, u64),
    Release(Vec<u8>),
    Settle(U256, String),
    Refund(RefundOrder),
    Finished(Statement),
}

/// A host: the replay store is a set of keys; every command is logged.
struct Host<'o, const N: usize> {
    session: Session<'o, N>,
    store: &'o RefCell<HashSet<Vec<u8>>>,
}

impl<const N: usize> Host<'_, N> {
    /// Reports `input` at `at`, answers `Reserve`/`Release` with the store, returns the commands.
    fn on(&mut self, at: u64, input: Input<'_>) -> Vec<Cmd> {
        self.session.handle(at, input).unwrap();
        let mut out = vec![0u8; RECOMMENDED_COMMAND_BUFFER_LEN];
        let mut cmds = Vec::new();
        while let Some(c) = self.session.poll_command(&mut out).unwrap() {
            cmds.push(match c {
                Command::Send(t) => Cmd::Send(t.to_string()),
                Command::SendAppFrame => Cmd::SendApp,
                Command::DeliverToApp => Cmd::Deliver,
                Command::Close { code } => Cmd::Close(code),
                Command::Reserve { key, ttl } => Cmd::Reserve(key.to_vec(), ttl),
                Command::Release { key } => {
                    self.store.borrow_mut().remove(key);
                    Cmd::Release(key.to_vec())
                }
                Command::Settle { body, amount } => {
                    Cmd::Settle(amount, String::from_utf8(body.to_vec()).unwrap())
                }
                Command::Refund(order) => Cmd::Refund(order),
                Command::Finished(st) => Cmd::Finished(st),
                c => panic!("no keys, no store commands: {c:?}"),
            });
        }
        cmds
    }

    /// Reserves the key of a `Reserve` command in the store and reports the answer.
    fn reserve(&mut self, at: u64, cmd: &Cmd) -> Vec<Cmd> {
        let Cmd::Reserve(key, _) = cmd else {
            panic!("not a reserve: {cmd:?}")
        };
        let fresh = self.store.borrow_mut().insert(key.clone());
        let answer = if fresh {
            Reservation::Fresh
        } else {
            Reservation::AlreadyUsed
        };
        self.on(at, Input::Reserved(answer))
    }
}

fn u(v: u64) -> U256 {
    U256::from_u64(v)
}

fn text(s: &str) -> Cmd {
    Cmd::Send(s.to_string())
}

fn proof(header: &str) -> String {
    format!(r#"{{"type":"payment_proof","proof":"{header}"}}"#)
}

fn settled() -> SettleResponse<'static> {
    SettleResponse::from_json(br#"{"success":true,"transaction":"0x1111111111111111111111111111111111111111111111111111111111111111","network":"eip155:84532"}"#).unwrap()
}

fn refund_key(id: [u8; 16]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"pay402 ws402 refund");
    h.update(id);
    h.finalize().into()
}

/// The v2 `PaymentRequired` JSON of `offers`' challenge.
fn challenge_json<const N: usize>(offers: &OfferSet<'_, N>) -> String {
    let (mut hb, mut bb, mut json) = (vec![0u8; 4096], vec![0u8; 4096], vec![0u8; 4096]);
    let c = write_challenge(offers, &RESOURCE, None, &mut hb, &mut bb).unwrap();
    String::from_utf8(
        header::decode(c.header_value.as_bytes(), &mut json)
            .unwrap()
            .to_vec(),
    )
    .unwrap()
}

/// An EVM payment of `offers`' first entry, signed by `key` at `now_s` with `nonce`.
fn evm_payment<const N: usize>(
    offers: &OfferSet<'_, N>,
    key: &PrivateKey,
    now_s: u64,
    nonce: u8,
) -> String {
    let json = challenge_json(offers);
    let required = PaymentRequired::from_json(json.as_bytes()).unwrap();
    let (mut scratch, mut out) = (vec![0u8; 4096], vec![0u8; 4096]);
    pay_evm(
        &required,
        0,
        key,
        now_s,
        &[nonce; 32],
        &mut scratch,
        &mut out,
    )
    .unwrap()
    .to_string()
}

/// The JSON a payment header carries.
fn decoded(header_value: &str) -> String {
    let mut buf = vec![0u8; 8192];
    String::from_utf8(
        header::decode(header_value.as_bytes(), &mut buf)
            .unwrap()
            .to_vec(),
    )
    .unwrap()
}

fn eip3009_offer(amount: U256) -> Offer<'static> {
    Offer {
        scheme: OfferScheme::ExactEip3009 {
            name: "USDC",
            version: "2",
        },
        network: "eip155:84532",
        asset: USDC,
        amount,
        pay_to: PAY_TO,
        max_timeout_seconds: 300,
    }
}

fn statement_of(cmd: &Cmd) -> Statement {
    match cmd {
        Cmd::Finished(st) => *st,
        other => panic!("not finished: {other:?}"),
    }
}

#[test]
fn an_exact_eip3009_session_settles_first_meters_every_frame_and_refunds_the_rest_once() {
    const T: u64 = 1_800_000_000_000;
    const ID: [u8; 16] = [0xab; 16];
    let sid = "abababababababababababababababab";
    let mut offers = OfferSet::<2>::new();
    offers.push(eip3009_offer(u(1_000_000))).unwrap();
    let key = PrivateKey::from_bytes(&[0x11; 32]).unwrap();
    let payment = evm_payment(&offers, &key, T / 1000, 1);
    let mut policy = SessionPolicy::new(
        Tariff {
            per_byte_out: u(2),
            ..Tariff::per_second(u(250))
        },
        3600,
    );
    policy.update_interval_ms = 1_000;
    let store = RefCell::new(HashSet::new());
    let mut host = Host {
        session: Session::accept(&offers, RESOURCE, policy, ID, T),
        store: &store,
    };

    let frame = proof(&payment);
    let cmds = host.on(T + 40, Input::Text(frame.as_bytes()));
    assert_eq!(cmds.len(), 1);
    let Cmd::Reserve(replay_key, ttl) = &cmds[0] else {
        panic!("{cmds:?}")
    };
    // chain id ‖ token ‖ payer ‖ nonce; validBefore = now + 300, kept 6 s slack + 1 longer.
    assert_eq!(replay_key[..8], 84_532u64.to_be_bytes());
    assert_eq!(replay_key[28..48], key.address().0);
    assert_eq!(replay_key[48..], [1u8; 32]);
    assert_eq!(*ttl, 300 + 6 + 1);

    let cmds = host.reserve(T + 45, &cmds[0]);
    let expected_body = {
        let prepared = offers.get(0).unwrap();
        let mut buf = vec![0u8; 2048];
        let n = pay402::writer::write_all(&mut buf, |w| prepared.write_requirements_v2(w)).unwrap();
        format!(
            r#"{{"x402Version":2,"paymentPayload":{},"paymentRequirements":{}}}"#,
            decoded(&payment),
            core::str::from_utf8(&buf[..n]).unwrap()
        )
    };
    assert_eq!(cmds, [Cmd::Settle(u(1_000_000), expected_body)]);
    assert_eq!(host.session.phase(), Phase::SettlingPrepayment);

    let start = T + 300;
    let cmds = host.on(start, Input::Settled(SettleOutcome::Response(settled())));
    assert_eq!(
        cmds,
        [text(&format!(
            r#"{{"type":"session_started","sessionId":"{sid}","balance":"1000000","pricePerSecond":"250"}}"#
        ))]
    );
    assert_eq!(host.session.poll_timeout(), Some(start + 1_000));
    let cmds = host.on(start + 1_000, Input::Timer);
    assert_eq!(
        cmds,
        [text(&format!(
            r#"{{"type":"usage_update","sessionId":"{sid}","elapsedSeconds":1,"consumedAmount":"250","remainingBalance":"999750","bytesTransferred":0,"messageCount":0}}"#
        ))]
    );
    assert_eq!(host.on(start + 1_500, Input::Text(b"ping")), [Cmd::Deliver]);
    // 100 bytes out at 2 each: 200.
    assert_eq!(
        host.on(start + 1_600, Input::AppSend { bytes: 100 }),
        [Cmd::SendApp]
    );
    let cmds = host.on(start + 2_000, Input::Timer);
    assert_eq!(
        cmds,
        [text(&format!(
            r#"{{"type":"usage_update","sessionId":"{sid}","elapsedSeconds":2,"consumedAmount":"700","remainingBalance":"999300","bytesTransferred":104,"messageCount":2}}"#
        ))]
    );
    // The client closes 2.75 s in: floor(250 × 2750 / 1000) = 687, plus 200 for the bytes.
    let cmds = host.on(start + 2_750, Input::Closed { code: Some(1000) });
    let order = RefundOrder::new(
        refund_key(ID),
        Network::parse("eip155:84532").unwrap(),
        Address::parse(USDC.as_bytes()).unwrap(),
        key.address(),
        u(1_000_000 - 887),
    )
    .unwrap();
    assert_eq!(cmds, [Cmd::Refund(order)]);
    // ws emits `error` then `close`: nothing more happens.
    assert!(
        host.on(start + 2_751, Input::Closed { code: None })
            .is_empty()
    );
    assert!(
        host.on(start + 2_752, Input::AppEnded { error: true })
            .is_empty()
    );
    let cmds = host.on(start + 9_000, Input::Refunded(RefundOutcome::Confirmed));
    assert_eq!(cmds.len(), 1);
    let st = statement_of(&cmds[0]);
    assert_eq!(
        (st.plan, st.paid, st.consumed),
        (Some(Plan::Exact), u(1_000_000), u(887))
    );
    assert_eq!(
        st.settlement,
        Some(Settlement {
            amount: u(1_000_000),
            status: SettleStatus::Settled
        })
    );
    assert_eq!(
        st.refund,
        Some(Refund {
            order: Some(order),
            to: Payer::Evm(key.address()),
            amount: u(1_000_000 - 887),
            status: RefundStatus::Confirmed
        })
    );
    let Ending::Ended(end) = st.ending else {
        panic!()
    };
    assert_eq!(
        (end.reason, end.at_ms, end.close_code),
        (SessionEndReason::ClientClose, start + 2_750, Some(1000))
    );
    assert!(st.finished);
    assert_eq!(host.session.poll_timeout(), None);
}

#[test]
fn an_upto_session_with_amounts_above_2_pow_53_settles_exactly_consumed_and_keeps_the_key() {
    const T: u64 = 1_800_000_000_000;
    const ID: [u8; 16] = [1; 16];
    let sid = "01010101010101010101010101010101";
    // 10^15 per second, a maximum of 3 × 10^17 (both far above 2^53 ≈ 9.007 × 10^15 in total).
    let per_second = U256::from_u128(1_000_000_000_000_000);
    let maximum = U256::from_u128(300_000_000_000_000_000);
    let mut offers = OfferSet::<1>::new();
    offers
        .push(Offer {
            scheme: OfferScheme::UptoPermit2 {
                facilitator: "0x000000000000000000000000000000000000dEaD",
            },
            max_timeout_seconds: 600 + 120,
            ..eip3009_offer(maximum)
        })
        .unwrap();
    let key = PrivateKey::from_bytes(&[0x22; 32]).unwrap();
    let payment = evm_payment(&offers, &key, T / 1000, 2);
    let mut policy = SessionPolicy::new(Tariff::per_second(per_second), 600);
    policy.update_interval_ms = 2_000;
    let store = RefCell::new(HashSet::new());
    let mut host = Host {
        session: Session::accept(&offers, RESOURCE, policy, ID, T),
        store: &store,
    };
    let frame = proof(&payment);
    let cmds = host.on(T + 10, Input::Text(frame.as_bytes()));
    let start = T + 20;
    let cmds = host.reserve(start, &cmds[0]);
    assert_eq!(
        cmds,
        [text(&format!(
            r#"{{"type":"session_started","sessionId":"{sid}","balance":"300000000000000000","pricePerSecond":"1000000000000000"}}"#
        ))]
    );
    let deadline = (T / 1000 + 720 - 120) * 1000;
    assert_eq!(
        host.session.meter().unwrap().config().deadline_ms,
        Some(deadline)
    );
    let cmds = host.on(start + 2_000, Input::Timer);
    assert_eq!(
        cmds,
        [text(&format!(
            r#"{{"type":"usage_update","sessionId":"{sid}","elapsedSeconds":2,"consumedAmount":"2000000000000000","remainingBalance":"298000000000000000","bytesTransferred":0,"messageCount":0}}"#
        ))]
    );
    // The application ends at 2.5 s: 2.5 × 10^15 consumed; the close waits for the settlement
    // so that the statement sent before it is a receipt.
    let cmds = host.on(start + 2_500, Input::AppEnded { error: false });
    assert_eq!(cmds.len(), 2, "{cmds:?}");
    assert_eq!(
        cmds[0],
        text(&format!(
            r#"{{"type":"usage_update","sessionId":"{sid}","elapsedSeconds":2,"consumedAmount":"2500000000000000","remainingBalance":"297500000000000000","bytesTransferred":0,"messageCount":0}}"#
        ))
    );
    let Cmd::Settle(amount, body) = &cmds[1] else {
        panic!("{cmds:?}")
    };
    assert_eq!(*amount, U256::from_u128(2_500_000_000_000_000));
    let payload = decoded(&payment);
    assert!(body.starts_with(&format!(
        r#"{{"x402Version":2,"paymentPayload":{payload},"paymentRequirements":{{"scheme":"upto","network":"eip155:84532","amount":"2500000000000000","#
    )), "{body}");
    let cmds = host.on(
        start + 4_000,
        Input::Settled(SettleOutcome::Response(settled())),
    );
    assert_eq!(
        cmds[0],
        text(&format!(
            r#"{{"type":"session_ended","sessionId":"{sid}","endedBy":"server_close","paid":"300000000000000000","consumed":"2500000000000000","settled":"2500000000000000","refund":"0","payer":"{}","settlementTx":"0x1111111111111111111111111111111111111111111111111111111111111111"}}"#,
            format!("{}", key.address()).to_lowercase()
        ))
    );
    assert_eq!(cmds[1], Cmd::Close(1000));
    let st = statement_of(&cmds[2]);
    assert_eq!(cmds.len(), 3, "no release, no refund");
    assert_eq!(
        (st.plan, st.paid, st.consumed, st.refund),
        (
            Some(Plan::Upto),
            maximum,
            U256::from_u128(2_500_000_000_000_000),
            None
        )
    );
    assert_eq!(st.settlement.map(|s| s.status), Some(SettleStatus::Settled));
    assert_eq!(st.payer, Some(Payer::Evm(key.address())));
    assert_eq!(
        store.borrow().len(),
        1,
        "the key stays reserved until it expires"
    );
}

#[test]
fn one_prepayment_opens_one_session_only() {
    const T: u64 = 1_800_000_000_000;
    let mut offers = OfferSet::<1>::new();
    offers.push(eip3009_offer(u(10_000))).unwrap();
    let key = PrivateKey::from_bytes(&[0x33; 32]).unwrap();
    let payment = evm_payment(&offers, &key, T / 1000, 3);
    let frame = proof(&payment);
    let store = RefCell::new(HashSet::new());
    let policy = SessionPolicy::new(Tariff::per_second(u(1)), 60);
    let mut first = Host {
        session: Session::accept(&offers, RESOURCE, policy, [1; 16], T),
        store: &store,
    };
    let mut second = Host {
        session: Session::accept(&offers, RESOURCE, policy, [2; 16], T),
        store: &store,
    };
    // Both sockets send the same proof; the reservations race and the store decides.
    let a = first.on(T + 1, Input::Text(frame.as_bytes()));
    let b = second.on(T + 2, Input::Text(frame.as_bytes()));
    assert!(matches!(first.reserve(T + 3, &a[0])[..], [Cmd::Settle(..)]));
    let cmds = second.reserve(T + 4, &b[0]);
    assert_eq!(
        cmds[..2],
        [
            text(r#"{"type":"payment_rejected","reason":"payment_already_used"}"#),
            Cmd::Close(1008)
        ]
    );
    let st = statement_of(&cmds[2]);
    assert_eq!(
        st.ending,
        Ending::Rejected {
            reason: "payment_already_used",
            at_ms: T + 4
        }
    );
    assert_eq!((st.paid, st.settlement, st.refund), (u(10_000), None, None));
    assert_eq!(store.borrow().len(), 1);
}

#[test]
fn the_balance_runs_out_at_the_exact_millisecond_and_nothing_is_refunded() {
    const T: u64 = 1_800_000_000_000;
    let mut offers = OfferSet::<1>::new();
    offers.push(eip3009_offer(u(10_000))).unwrap();
    let key = PrivateKey::from_bytes(&[0x44; 32]).unwrap();
    let payment = evm_payment(&offers, &key, T / 1000, 4);
    let frame = proof(&payment);
    let store = RefCell::new(HashSet::new());
    let mut policy = SessionPolicy::new(Tariff::per_second(u(3)), 7_200);
    policy.update_interval_ms = 0;
    let mut host = Host {
        session: Session::accept(&offers, RESOURCE, policy, [4; 16], T),
        store: &store,
    };
    let cmds = host.on(T, Input::Text(frame.as_bytes()));
    host.reserve(T, &cmds[0]);
    host.on(T, Input::Settled(SettleOutcome::Response(settled())));
    // floor(3 × e / 1000) ≥ 10000 first at e = 3 333 334 ms.
    assert_eq!(host.session.poll_timeout(), Some(T + 3_333_334));
    assert!(host.on(T + 3_333_333, Input::Timer).is_empty());
    let cmds = host.on(T + 3_333_334, Input::Timer);
    assert_eq!(
        cmds[..3],
        [
            text(
                r#"{"type":"usage_update","sessionId":"04040404040404040404040404040404","elapsedSeconds":3333,"consumedAmount":"10000","remainingBalance":"0","bytesTransferred":0,"messageCount":0}"#
            ),
            text(r#"{"type":"balance_exhausted","message":"balance exhausted"}"#),
            text(&format!(
                r#"{{"type":"session_ended","sessionId":"04040404040404040404040404040404","endedBy":"balance_exhausted","paid":"10000","consumed":"10000","settled":"10000","refund":"0","payer":"{}"}}"#,
                format!("{}", key.address()).to_lowercase()
            ))
        ]
    );
    assert_eq!(cmds[3], Cmd::Close(1000));
    let st = statement_of(&cmds[4]);
    assert_eq!((st.consumed, st.refund), (u(10_000), None));
    assert_eq!(cmds.len(), 5);
}

#[test]
fn the_spec_payment_cannot_buy_a_session_past_its_validity_and_bad_proofs_are_coded() {
    let spec_header = SPEC_HEADER;
    let mut offers = OfferSet::<1>::new();
    offers
        .push(Offer {
            max_timeout_seconds: 60,
            ..eip3009_offer(u(10_000))
        })
        .unwrap();
    let store = RefCell::new(HashSet::new());
    let policy = SessionPolicy::new(Tariff::per_second(u(1)), 60);
    for (at_s, expected) in [
        (1_740_672_100, None),
        (
            1_740_672_700,
            Some("invalid_exact_evm_payload_authorization_valid_before"),
        ),
    ] {
        let mut host = Host {
            session: Session::accept(&offers, RESOURCE, policy, [5; 16], at_s * 1000),
            store: &store,
        };
        let frame = proof(spec_header);
        let cmds = host.on(at_s * 1000, Input::Text(frame.as_bytes()));
        match expected {
            None => assert!(matches!(cmds[..], [Cmd::Reserve(..)]), "{cmds:?}"),
            Some(code) => assert_eq!(
                cmds[..2],
                [
                    text(&format!(
                        r#"{{"type":"payment_rejected","reason":"{code}"}}"#
                    )),
                    Cmd::Close(1008)
                ]
            ),
        }
    }
    // A payment for another network than any offer's.
    let mut host = Host {
        session: Session::accept(&offers, RESOURCE, policy, [6; 16], 0),
        store: &store,
    };
    let payment = {
        let mut other = OfferSet::<1>::new();
        other
            .push(Offer {
                network: "eip155:8453",
                ..eip3009_offer(u(10_000))
            })
            .unwrap();
        evm_payment(&other, &PrivateKey::from_bytes(&[0x55; 32]).unwrap(), 0, 5)
    };
    let frame = proof(&payment);
    let cmds = host.on(1, Input::Text(frame.as_bytes()));
    assert_eq!(
        cmds[0],
        text(r#"{"type":"payment_rejected","reason":"no_matching_offer"}"#)
    );
    assert_eq!(
        host.session
            .handle(2, Input::Text(b"again"))
            .unwrap_err()
            .code(),
        "session_ended"
    );
}

#[cfg(feature = "svm")]
#[test]
fn a_solana_exact_session_refunds_the_transfer_authority() {
    use pay402::svm::{PayerKey, Pubkey, TOKEN_PROGRAM_ID, TransferParams, build_transfer};
    use pay402::x402::client::write_svm_payment_header;
    const FEE_PAYER: &str = "J1cezW528jhuvQ5HqUVmLhVFre2PXkE6374HKgtCko5y";
    const MINT: &str = "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU";
    const SOL_PAY_TO: &str = "2wmVCSfPxGPjrnMMn7rchp4uaeoTqN39mXFC2zhPdri9";
    const T: u64 = 1_800_000_000_000;
    let mut offers = OfferSet::<1>::new();
    offers
        .push(Offer {
            scheme: OfferScheme::ExactSvm {
                fee_payer: FEE_PAYER,
            },
            network: "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1",
            asset: MINT,
            amount: u(10_000),
            pay_to: SOL_PAY_TO,
            max_timeout_seconds: 60,
        })
        .unwrap();
    let payer = PayerKey::from_seed(&[5; 32]);
    let params = TransferParams {
        fee_payer: Pubkey::parse(FEE_PAYER.as_bytes()).unwrap(),
        mint: Pubkey::parse(MINT.as_bytes()).unwrap(),
        pay_to: Pubkey::parse(SOL_PAY_TO.as_bytes()).unwrap(),
        token_program: TOKEN_PROGRAM_ID,
        amount: 10_000,
        decimals: 6,
        memo: b"00112233445566778899aabbccddeeff",
        recent_blockhash: [3; 32],
        compute_unit_limit: 20_000,
        compute_unit_price: 1,
    };
    let mut tx = [0u8; 1232];
    let tx = build_transfer(&params, &payer, &mut tx).unwrap().to_vec();
    let json = challenge_json(&offers);
    let required = PaymentRequired::from_json(json.as_bytes()).unwrap();
    let (mut scratch, mut out) = (vec![0u8; 8192], vec![0u8; 8192]);
    let payment = write_svm_payment_header(&required, 0, &tx, &mut scratch, &mut out)
        .unwrap()
        .to_string();
    let store = RefCell::new(HashSet::new());
    let policy = SessionPolicy::new(Tariff::per_second(u(100)), 60);
    let mut host = Host {
        session: Session::accept(&offers, RESOURCE, policy, [9; 16], T),
        store: &store,
    };
    let frame = proof(&payment);
    let cmds = host.on(T + 5, Input::Text(frame.as_bytes()));
    let Cmd::Reserve(key, _) = &cmds[0] else {
        panic!("{cmds:?}")
    };
    // The Solana replay key is SHA-256 of the wire transaction.
    assert_eq!(key[..], Sha256::digest(&tx)[..]);
    let cmds = host.reserve(T + 6, &cmds[0]);
    let Cmd::Settle(amount, body) = &cmds[0] else {
        panic!("{cmds:?}")
    };
    assert_eq!(*amount, u(10_000));
    assert!(body.contains(r#""feePayer":"J1cezW528jhuvQ5HqUVmLhVFre2PXkE6374HKgtCko5y""#));
    host.on(T + 10, Input::Settled(SettleOutcome::Response(settled())));
    // A drop 1.234 s in, no grace: floor(100 × 1234 / 1000) = 123 consumed.
    // Refunds are paid on EVM networks only: no order, nothing asked of the host, the amount
    // stays owed to the verified payer in the statement.
    let cmds = host.on(T + 1_244, Input::Closed { code: None });
    assert_eq!(cmds.len(), 1, "{cmds:?}");
    let st = statement_of(&cmds[0]);
    assert_eq!(
        st.refund,
        Some(Refund {
            order: None,
            to: Payer::Solana(payer.pubkey().0),
            amount: u(10_000 - 123),
            status: RefundStatus::Unsupported
        })
    );
    let Ending::Ended(end) = st.ending else {
        panic!()
    };
    assert_eq!(
        (end.reason, end.close_code),
        (SessionEndReason::ConnectionLost, None)
    );
}

#[test]
fn errors_have_stable_codes() {
    for (e, code) in [
        (SessionError::CommandsPending, "session_commands_pending"),
        (SessionError::NotStarted, "session_not_started"),
        (SessionError::Suspended, "session_suspended"),
        (SessionError::Ended, "session_ended"),
        (SessionError::OutOfOrder, "session_out_of_order"),
        (SessionError::BufferTooSmall, "buffer_too_small"),
    ] {
        assert_eq!(e.code(), code);
    }
}

#[test]
fn an_x402_v1_payment_is_admitted_as_x_payment_and_settled_with_v1_requirements() {
    const T: u64 = 1_800_000_000_000;
    let mut offers = OfferSet::<1>::new();
    offers.push(eip3009_offer(u(10_000))).unwrap();
    // The challenge's v1 body (the offer is sold in v1 as base-sepolia).
    let (mut hb, mut bb) = (vec![0u8; 4096], vec![0u8; 4096]);
    let c = write_challenge(&offers, &RESOURCE, None, &mut hb, &mut bb).unwrap();
    let v1_body = String::from_utf8(c.body.unwrap().to_vec()).unwrap();
    assert!(v1_body.starts_with(r#"{"x402Version":1,"#), "{v1_body}");
    let required = PaymentRequired::from_json(v1_body.as_bytes()).unwrap();
    let key = PrivateKey::from_bytes(&[0x66; 32]).unwrap();
    let (mut scratch, mut out) = (vec![0u8; 4096], vec![0u8; 4096]);
    let payment = pay_evm(
        &required,
        0,
        &key,
        T / 1000,
        &[6; 32],
        &mut scratch,
        &mut out,
    )
    .unwrap()
    .to_string();
    assert!(decoded(&payment).starts_with(r#"{"x402Version":1,"#));
    let store = RefCell::new(HashSet::new());
    let policy = SessionPolicy::new(Tariff::per_second(u(1)), 60);
    let mut host = Host {
        session: Session::accept(&offers, RESOURCE, policy, [6; 16], T),
        store: &store,
    };
    let frame = proof(&payment);
    let cmds = host.on(T, Input::Text(frame.as_bytes()));
    assert!(matches!(cmds[..], [Cmd::Reserve(..)]), "{cmds:?}");
    let cmds = host.reserve(T, &cmds[0]);
    let Cmd::Settle(amount, body) = &cmds[0] else {
        panic!("{cmds:?}")
    };
    assert_eq!(*amount, u(10_000));
    assert!(
        body.starts_with(&format!(
            r#"{{"x402Version":1,"paymentPayload":{},"paymentRequirements":{{"scheme":"exact","network":"base-sepolia","maxAmountRequired":"10000","#,
            decoded(&payment)
        )),
        "{body}"
    );
    assert!(
        body.contains(r#""resource":"wss://example.com/ws402/quotes""#),
        "{body}"
    );
}

#[test]
fn an_exact_permit2_payment_is_settled_first_and_refunded_like_eip3009() {
    const T: u64 = 1_800_000_000_000;
    let mut offers = OfferSet::<1>::new();
    offers
        .push(Offer {
            scheme: OfferScheme::ExactPermit2,
            ..eip3009_offer(u(20_000))
        })
        .unwrap();
    let key = PrivateKey::from_bytes(&[0x77; 32]).unwrap();
    let payment = evm_payment(&offers, &key, T / 1000, 7);
    let store = RefCell::new(HashSet::new());
    let mut policy = SessionPolicy::new(Tariff::per_second(u(1_000)), 60);
    policy.update_interval_ms = 0;
    let mut host = Host {
        session: Session::accept(&offers, RESOURCE, policy, [7; 16], T),
        store: &store,
    };
    let frame = proof(&payment);
    let cmds = host.on(T, Input::Text(frame.as_bytes()));
    let cmds = host.reserve(T, &cmds[0]);
    assert!(
        matches!(&cmds[..], [Cmd::Settle(a, body)] if *a == u(20_000) && body.contains(r#""permit2Authorization""#)),
        "{cmds:?}"
    );
    host.on(T + 10, Input::Settled(SettleOutcome::Response(settled())));
    // 4.321 s at 1000/s: 4321; the rest, 15679, goes back to the signer.
    let cmds = host.on(T + 4_331, Input::AppEnded { error: false });
    let Cmd::Refund(order) = cmds[1] else {
        panic!("{cmds:?}")
    };
    assert_eq!(
        (order.to(), order.amount(), order.key()),
        (key.address(), u(15_679), refund_key([7; 16]))
    );
}
