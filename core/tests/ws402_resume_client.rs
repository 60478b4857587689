//! The server's session machine with persistence and the client's tracker, frame for frame,
//! across a dropped socket: the client pays, keeps the `resumeToken`, writes `resume_session`
//! on a new socket, accepts `session_resumed`, ends the session and checks the `session_ended`
//! statement (its receipt). Every server frame is fed to [`ClientSession::on_text`], which
//! refuses any figure that does not add up; the money is asserted from price × time.

#![allow(clippy::unwrap_used, clippy::panic)] // a specification: a failed unwrap is a failed test
#![allow(clippy::too_many_lines)] // one whole session, in the order a host and a client see it
#![cfg(all(feature = "ws402", feature = "x402"))]

use pay402::U256;
use pay402::evm::PrivateKey;
use pay402::ws402::{
    ClientEvent, ClientPhase, ClientSession, Command, Input, RECOMMENDED_COMMAND_BUFFER_LEN,
    RefundOutcome, Reservation, Session, SessionKeys, SessionPolicy, Tariff,
};
use pay402::x402::PaymentRequired;
use pay402::x402::SettleResponse;
use pay402::x402::client::pay_evm;
use pay402::x402::header;
use pay402::x402::server::{
    Offer, OfferScheme, OfferSet, Resource, SettleOutcome, write_challenge,
};

const T: u64 = 1_800_000_000_000;
const RESOURCE: Resource<'static> = Resource {
    url: "wss://example.com/ws402/video",
    description: "",
    mime_type: None,
};

/// What the host did with the commands of one input: the frames sent, in order, and the rest.
#[derive(Debug, Default)]
struct Done {
    frames: Vec<String>,
    closes: Vec<u16>,
    refunds: Vec<U256>,
    settles: usize,
    reserves: usize,
    finished: bool,
    abandoned: bool,
}

/// The store: one record and its generation, written by compare-and-swap.
#[derive(Default)]
struct Store {
    record: Option<(Vec<u8>, u32)>,
}

/// Reports `input`, then does every command (the store's and the replay store's answered at
/// once), until nothing is queued.
fn run<const N: usize>(
    s: &mut Session<'_, N>,
    store: &mut Store,
    at: u64,
    input: Input<'_>,
) -> Done {
    let mut done = Done::default();
    let mut next: Option<Input<'static>> = None;
    let mut loaded: Option<Vec<u8>> = None;
    s.handle(at, input).unwrap();
    loop {
        let mut out = vec![0u8; RECOMMENDED_COMMAND_BUFFER_LEN];
        while let Some(c) = s.poll_command(&mut out).unwrap() {
            match c {
                Command::Send(t) => done.frames.push(t.to_owned()),
                Command::Close { code } => done.closes.push(code),
                Command::Refund(order) => done.refunds.push(order.amount()),
                Command::Settle { .. } => done.settles += 1,
                Command::Reserve { .. } => {
                    done.reserves += 1;
                    next = Some(Input::Reserved(Reservation::Fresh));
                }
                Command::Persist {
                    record,
                    generation,
                    expect,
                    ..
                } => {
                    let ok = store.record.as_ref().map(|(_, g)| *g) == expect;
                    if ok {
                        store.record = Some((record.to_vec(), generation));
                    }
                    next = Some(Input::Persisted(ok));
                }
                Command::Load { .. } => loaded = store.record.as_ref().map(|(r, _)| r.clone()),
                Command::Finished(_) => done.finished = true,
                Command::Abandoned => done.abandoned = true,
                other => panic!("unexpected {other:?}"),
            }
        }
        if let Some(record) = loaded.take() {
            s.handle(at, Input::Loaded(Some(&record))).unwrap();
        } else if let Some(input) = next.take() {
            s.handle(at, input).unwrap();
        } else {
            return done;
        }
    }
}

#[test]
fn the_client_tracker_accepts_every_frame_of_a_resumed_session_and_its_receipt() {
    let mut offers = OfferSet::<1>::new();
    offers
        .push(Offer {
            scheme: OfferScheme::ExactEip3009 {
                name: "USDC",
                version: "2",
            },
            network: "eip155:84532",
            asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
            amount: U256::from_u64(1_000_000),
            pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
            max_timeout_seconds: 300,
        })
        .unwrap();
    let mut policy = SessionPolicy::new(Tariff::per_second(U256::from_u64(250)), 3600);
    policy.update_interval_ms = 1_000;
    policy.resume_grace_ms = 30_000;
    let keys = || SessionKeys::derive(&[0x5e; 32]).unwrap();
    // The client pays the challenge's first offer.
    let (mut hb, mut bb, mut json) = (vec![0u8; 4096], vec![0u8; 4096], vec![0u8; 4096]);
    let c = write_challenge(&offers, &RESOURCE, None, &mut hb, &mut bb).unwrap();
    let required =
        PaymentRequired::from_json(header::decode(c.header_value.as_bytes(), &mut json).unwrap())
            .unwrap();
    let key = PrivateKey::from_bytes(&[0x11; 32]).unwrap();
    let (mut scratch, mut out) = (vec![0u8; 4096], vec![0u8; 4096]);
    let value = pay_evm(
        &required,
        0,
        &key,
        T / 1000,
        &[1; 32],
        &mut scratch,
        &mut out,
    )
    .unwrap();
    let mut client = ClientSession::new(U256::from_u64(1_000_000), U256::from_u64(250));
    let mut frame = vec![0u8; 8192];
    let n = client.write_payment_proof(value, &mut frame).unwrap();

    let mut store = Store::default();
    let mut server = Session::accept(&offers, RESOURCE, policy, [0xa1; 16], T).with_keys(keys());
    let done = run(&mut server, &mut store, T + 5, Input::Text(&frame[..n]));
    assert_eq!((done.reserves, done.settles), (1, 1));
    let settled = SettleResponse::from_json(br#"{"success":true,"transaction":"0x1111111111111111111111111111111111111111111111111111111111111111","network":"eip155:84532"}"#).unwrap();
    let done = run(
        &mut server,
        &mut store,
        T + 10,
        Input::Settled(SettleOutcome::Response(settled)),
    );
    assert!(matches!(
        client.on_text(done.frames[0].as_bytes()).unwrap(),
        ClientEvent::Started { .. }
    ));
    assert_eq!(client.resume_token().map(str::len), Some(43));
    let done = run(&mut server, &mut store, T + 1_010, Input::Timer);
    assert!(matches!(
        client.on_text(done.frames[0].as_bytes()).unwrap(),
        ClientEvent::Usage { .. }
    ));
    // The socket drops 2.5 s in (625 consumed); the client reconnects 10 s later.
    let done = run(
        &mut server,
        &mut store,
        T + 2_510,
        Input::Closed { code: None },
    );
    assert!(done.frames.is_empty() && done.refunds.is_empty());
    let n = client.write_resume_session(&mut frame).unwrap();
    let mut resumed =
        Session::accept(&offers, RESOURCE, policy, [0xb2; 16], T + 12_510).with_keys(keys());
    let done = run(
        &mut resumed,
        &mut store,
        T + 12_510,
        Input::Text(&frame[..n]),
    );
    assert_eq!(done.frames.len(), 1, "{done:?}");
    client.on_text(done.frames[0].as_bytes()).unwrap();
    assert_eq!(client.consumed(), U256::from_u64(625));
    // 2 s more, then the client ends it: 1125 consumed, 998 875 refunded, then the receipt.
    let n = client.write_end_session(&mut frame).unwrap();
    let done = run(
        &mut resumed,
        &mut store,
        T + 14_510,
        Input::Text(&frame[..n]),
    );
    assert_eq!(done.refunds, [U256::from_u64(998_875)]);
    assert!(done.closes.is_empty(), "the close waits for the refund");
    for f in &done.frames {
        client.on_text(f.as_bytes()).unwrap();
    }
    let done = run(
        &mut resumed,
        &mut store,
        T + 15_000,
        Input::Refunded(RefundOutcome::Confirmed),
    );
    assert_eq!(
        (done.closes.as_slice(), done.finished),
        (&[1000u16][..], true)
    );
    assert!(matches!(
        client.on_text(done.frames[0].as_bytes()).unwrap(),
        ClientEvent::Ended(_)
    ));
    assert_eq!(client.phase(), ClientPhase::Ended);
    assert_eq!(client.consumed(), U256::from_u64(1_125));
    // The first server's grace ends: its write loses, it pays nothing.
    let done = run(&mut server, &mut store, T + 32_510, Input::Timer);
    assert!(done.refunds.is_empty() && done.frames.is_empty() && !done.finished);
    assert!(done.abandoned);
}
