//! The client tracker, read as the protocol: a server's frames in order, what the client
//! believes after each, and the frames it refuses.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use pay402::ws402::*;
use pay402::{BufferTooSmall, ErrorCode, U256};

const STARTED: &[u8] =
    br#"{"type":"session_started","sessionId":"ws402_1","balance":300,"pricePerSecond":1,"resumeToken":"dG9r"}"#;

fn u(v: u64) -> U256 {
    U256::from_u64(v)
}

fn usage(consumed: u64, remaining: u64) -> String {
    format!(
        r#"{{"type":"usage_update","sessionId":"ws402_1","elapsedSeconds":{consumed},"consumedAmount":{consumed},"remainingBalance":{remaining},"bytesTransferred":0,"messageCount":0}}"#
    )
}

fn ended(paid: u64, consumed: u64, settled: u64, refund: u64) -> String {
    format!(
        r#"{{"type":"session_ended","sessionId":"ws402_1","endedBy":"client_close","paid":"{paid}","consumed":"{consumed}","settled":"{settled}","refund":"{refund}"}}"#
    )
}

fn started() -> ClientSession {
    let mut s = ClientSession::new(u(300), u(1));
    s.on_text(STARTED).unwrap();
    s
}

fn code(r: Result<ClientEvent<'_>, ClientError>) -> &'static str {
    match r {
        Ok(e) => panic!("accepted as {}", e.kind()),
        Err(e) => e.code(),
    }
}

/// The same session, compared field by field (it has no `PartialEq`).
fn snapshot(s: &ClientSession) -> (ClientPhase, U256, U256, Option<String>) {
    (
        s.phase(),
        s.balance(),
        s.consumed(),
        s.resume_token().map(String::from),
    )
}

#[test]
fn the_seed_session_runs_from_start_to_exhaustion() {
    let mut s = ClientSession::new(u(300), u(1));
    assert_eq!(s.phase(), ClientPhase::AwaitingStart);
    let e = s
        .on_text(br#"{"type":"session_started","sessionId":"ws402_1731300000000_ab12cd34e","balance":300,"pricePerSecond":1}"#)
        .unwrap();
    assert_eq!(
        e,
        ClientEvent::Started {
            balance: u(300),
            price_per_second: u(1)
        }
    );
    let mut buf = [0u8; 64];
    assert_eq!(
        s.session_id(&mut buf).unwrap(),
        Some("ws402_1731300000000_ab12cd34e")
    );
    assert_eq!(s.resume_token(), None);
    let e = s
        .on_text(br#"{"type":"usage_update","sessionId":"ws402_1731300000000_ab12cd34e","elapsedSeconds":3,"consumedAmount":3,"remainingBalance":297,"bytesTransferred":42,"messageCount":2}"#)
        .unwrap();
    assert_eq!(
        e,
        ClientEvent::Usage {
            elapsed_seconds: 3,
            consumed: u(3),
            remaining: u(297),
            bytes_transferred: 42,
            message_count: 2
        }
    );
    assert_eq!((s.consumed(), s.remaining()), (u(3), u(297)));
    assert_eq!(
        s.on_text(b"{\"price\":42}").unwrap(),
        ClientEvent::Application
    );
    s.on_text(br#"{"type":"usage_update","sessionId":"ws402_1731300000000_ab12cd34e","elapsedSeconds":300,"consumedAmount":300,"remainingBalance":0,"bytesTransferred":42,"messageCount":2}"#)
        .unwrap();
    let e = s
        .on_text(br#"{"type":"balance_exhausted","message":"Balance exhausted"}"#)
        .unwrap();
    assert_eq!(e.kind(), "balance_exhausted");
    assert_eq!(s.phase(), ClientPhase::Closing);
    // The seed can send both limits in the same tick.
    assert_eq!(
        s.on_text(br#"{"type":"max_duration_reached"}"#)
            .unwrap()
            .kind(),
        "max_duration_reached"
    );
    assert_eq!(code(s.on_text(usage(300, 0).as_bytes())), "out_of_phase");
}

#[test]
fn an_exact_statement_refunds_the_unused_prepayment() {
    let mut s = started();
    s.on_text(usage(120, 180).as_bytes()).unwrap();
    let frame = ended(300, 125, 300, 175);
    let ClientEvent::Ended(st) = s.on_text(frame.as_bytes()).unwrap() else {
        panic!("not the statement")
    };
    assert_eq!(
        (st.paid, st.consumed, st.settled, st.refund),
        (u(300), u(125), u(300), u(175))
    );
    assert_eq!(s.phase(), ClientPhase::Ended);
    assert_eq!((s.consumed(), s.remaining()), (u(125), u(175)));
    assert_eq!(code(s.on_text(b"late")), "after_end");
    assert_eq!(code(s.on_text(usage(125, 175).as_bytes())), "after_end");
}

#[test]
fn an_upto_statement_settles_what_was_consumed_and_refunds_nothing() {
    let mut s = started();
    s.on_text(ended(300, 7, 7, 0).as_bytes()).unwrap();
    // A refused final settlement: nothing settled, nothing refunded.
    let mut s = started();
    s.on_text(ended(300, 7, 0, 0).as_bytes()).unwrap();
    assert_eq!(s.phase(), ClientPhase::Ended);
}

#[test]
fn statements_that_take_more_than_consumed_are_refused() {
    for (frame, want) in [
        (ended(300, 125, 300, 100), "server_overcharged"), // exact, refund short by 75
        (ended(300, 125, 301, 176), "server_overcharged"), // settled above paid
        (ended(300, 301, 300, 0), "server_overcharged"),   // consumed above the balance
        (ended(300, 125, 300, 200), "statement_inconsistent"), // refund above paid − consumed
        (ended(300, 125, 200, 75), "statement_inconsistent"), // partial settlement above consumed
        (ended(300, 7, 7, 1), "statement_inconsistent"),   // upto refund of money not settled
        (ended(299, 7, 7, 0), "balance_mismatch"),         // paid is not the balance
        (ended(300, 2, 2, 0), "consumed_decreased"),       // below the last reading
    ] {
        let mut s = started();
        s.on_text(usage(3, 297).as_bytes()).unwrap();
        let before = snapshot(&s);
        assert_eq!(code(s.on_text(frame.as_bytes())), want, "{frame}");
        assert_eq!(snapshot(&s), before, "{frame}");
    }
}

#[test]
fn usage_that_does_not_add_up_is_refused_and_changes_nothing() {
    for (frame, want) in [
        (usage(301, 0), "server_overcharged"),
        (usage(2, 298), "consumed_decreased"),
        (usage(10, 291), "balance_mismatch"),
        (usage(10, 289), "balance_mismatch"),
        (
            usage(10, 290).replace("ws402_1", "ws402_2"),
            "session_id_mismatch",
        ),
        (
            r#"{"type":"usage_update","sessionId":"ws402_1"}"#.to_string(),
            "malformed_message",
        ),
        (
            usage(10, 290).replace("\"remainingBalance\":290", "\"remainingBalance\":-1"),
            "malformed_message",
        ),
    ] {
        let mut s = started();
        s.on_text(usage(3, 297).as_bytes()).unwrap();
        let before = snapshot(&s);
        assert_eq!(code(s.on_text(frame.as_bytes())), want, "{frame}");
        assert_eq!(snapshot(&s), before, "{frame}");
    }
}

#[test]
fn a_start_above_the_authorization_or_at_another_price_is_refused() {
    let mut s = ClientSession::new(u(299), u(1));
    assert_eq!(code(s.on_text(STARTED)), "balance_exceeds_authorized");
    assert_eq!(s.phase(), ClientPhase::AwaitingStart);
    let mut s = ClientSession::new(u(300), u(2));
    assert_eq!(code(s.on_text(STARTED)), "price_mismatch");
    let mut buf = [0u8; 16];
    assert_eq!(s.session_id(&mut buf).unwrap(), None);
    // A balance below the authorization is fine (`upto` pays at most what was signed).
    let mut s = ClientSession::new(u(1000), u(1));
    s.on_text(STARTED).unwrap();
    assert_eq!(s.balance(), u(300));
}

#[test]
fn messages_out_of_their_phase_are_refused() {
    let mut s = ClientSession::new(u(300), u(1));
    assert_eq!(code(s.on_text(usage(0, 300).as_bytes())), "before_start");
    assert_eq!(code(s.on_text(b"hello")), "before_start");
    assert_eq!(
        code(s.on_text(ended(300, 0, 0, 0).as_bytes())),
        "before_start"
    );
    assert_eq!(
        code(s.on_text(br#"{"type":"session_resumed","sessionId":"ws402_1","balance":300,"consumedAmount":0,"remainingBalance":300}"#)),
        "out_of_phase"
    );
    let mut s = started();
    assert_eq!(code(s.on_text(STARTED)), "out_of_phase");
    assert_eq!(
        code(s.on_text(br#"{"type":"payment_rejected","reason":"late"}"#)),
        "out_of_phase"
    );
    assert_eq!(
        code(s.on_text(br#"{"type":"resume_refused","reason":"x"}"#)),
        "out_of_phase"
    );
}

#[test]
fn a_rejected_payment_ends_the_session() {
    let mut s = ClientSession::new(u(300), u(1));
    let e = s
        .on_text(br#"{"type":"payment_rejected","reason":"payment_already_used"}"#)
        .unwrap();
    assert!(
        matches!(e, ClientEvent::PaymentRejected { reason } if reason == "payment_already_used")
    );
    assert_eq!(s.phase(), ClientPhase::Rejected);
    assert_eq!(code(s.on_text(STARTED)), "after_end");
}

#[test]
fn a_dropped_session_resumes_with_its_token() {
    let mut s = started();
    assert_eq!(s.resume_token(), Some("dG9r"));
    s.on_text(usage(40, 260).as_bytes()).unwrap();
    let mut out = [0u8; 128];
    let n = s.write_resume_session(&mut out).unwrap();
    assert_eq!(
        &out[..n],
        br#"{"type":"resume_session","sessionId":"ws402_1","resumeToken":"dG9r"}"#
    );
    assert_eq!(s.phase(), ClientPhase::Resuming);
    assert_eq!(code(s.on_text(usage(41, 259).as_bytes())), "before_start");
    let resumed = |b: u64, c: u64, r: u64| {
        format!(
            r#"{{"type":"session_resumed","sessionId":"ws402_1","balance":{b},"consumedAmount":{c},"remainingBalance":{r}}}"#
        )
    };
    assert_eq!(
        code(s.on_text(resumed(301, 41, 260).as_bytes())),
        "balance_exceeds_authorized"
    );
    assert_eq!(
        code(s.on_text(resumed(200, 41, 159).as_bytes())),
        "balance_mismatch"
    );
    assert_eq!(
        code(s.on_text(resumed(300, 39, 261).as_bytes())),
        "consumed_decreased"
    );
    assert_eq!(
        code(s.on_text(resumed(300, 41, 258).as_bytes())),
        "balance_mismatch"
    );
    assert_eq!(s.phase(), ClientPhase::Resuming);
    let frame = resumed(300, 41, 259);
    let e = s.on_text(frame.as_bytes()).unwrap();
    assert_eq!(
        e,
        ClientEvent::Resumed {
            consumed: u(41),
            remaining: u(259)
        }
    );
    assert_eq!(s.phase(), ClientPhase::Running);
    s.on_text(usage(45, 255).as_bytes()).unwrap();
}

#[test]
fn a_refused_resume_ends_the_session() {
    let mut s = started();
    let mut out = [0u8; 128];
    s.write_resume_session(&mut out).unwrap();
    let e = s
        .on_text(br#"{"type":"resume_refused","reason":"session_ended"}"#)
        .unwrap();
    assert_eq!(e.kind(), "resume_refused");
    assert_eq!(s.phase(), ClientPhase::Rejected);
    assert_eq!(
        s.write_resume_session(&mut out),
        Err(ClientError::OutOfPhase)
    );
}

#[test]
fn writers_respect_the_phase_and_the_buffer() {
    let mut s = ClientSession::new(u(300), u(1));
    let mut out = [0u8; 128];
    assert_eq!(s.write_end_session(&mut out), Err(ClientError::OutOfPhase));
    assert_eq!(
        s.write_resume_session(&mut out),
        Err(ClientError::OutOfPhase)
    );
    let n = s.write_payment_proof("a\"b", &mut out).unwrap();
    assert_eq!(&out[..n], br#"{"type":"payment_proof","proof":"a\"b"}"#);
    let mut small = [0u8; 10];
    assert_eq!(
        s.write_payment_proof("abc", &mut small),
        Err(ClientError::BufferTooSmall)
    );
    // No token: the server does not resume sessions.
    s.on_text(
        br#"{"type":"session_started","sessionId":"x","balance":"300","pricePerSecond":"1"}"#,
    )
    .unwrap();
    assert_eq!(
        s.write_payment_proof("abc", &mut out),
        Err(ClientError::OutOfPhase)
    );
    assert_eq!(
        s.write_resume_session(&mut out),
        Err(ClientError::NoResumeToken)
    );
    assert_eq!(s.phase(), ClientPhase::Running);
    let n = s.write_end_session(&mut out).unwrap();
    assert_eq!(&out[..n], br#"{"type":"end_session"}"#);
}

#[test]
fn application_frames_are_whatever_is_not_a_server_message() {
    let mut s = started();
    for frame in [
        &b"plain text"[..],
        b"",
        b"{\"type\":\"quote\",\"price\":1}",
        b"{\"type\":7}",
        b"[1,2]",
        b"{\"type\":\"end_session\"}", // an echo of the client's own message
        b"{\"type\":\"payment_proof\",\"proof\":\"x\"}",
    ] {
        assert_eq!(s.on_text(frame).unwrap(), ClientEvent::Application);
    }
}

#[test]
fn grants_are_for_this_session_only() {
    let mut s = started();
    let e = s
        .on_text(br#"{"type":"http_access_granted","sessionId":"ws402_1","httpToken":"t","resourceUrl":"/r"}"#)
        .unwrap();
    assert!(matches!(e, ClientEvent::HttpAccessGranted { http_token, .. } if http_token == "t"));
    assert_eq!(
        code(s.on_text(br#"{"type":"http_access_granted","sessionId":"other","httpToken":"t","resourceUrl":"/r"}"#)),
        "session_id_mismatch"
    );
}

#[test]
fn ids_and_tokens_beyond_the_storage_are_refused() {
    let long = "a".repeat(MAX_CLIENT_SESSION_ID_LEN + 1);
    let mut s = ClientSession::new(u(300), u(1));
    let f = format!(
        r#"{{"type":"session_started","sessionId":"{long}","balance":1,"pricePerSecond":1}}"#
    );
    assert_eq!(code(s.on_text(f.as_bytes())), "session_id_too_long");
    let f = format!(
        r#"{{"type":"session_started","sessionId":"s","balance":1,"pricePerSecond":1,"resumeToken":"{long}"}}"#
    );
    assert_eq!(code(s.on_text(f.as_bytes())), "resume_token_too_long");
    assert_eq!(s.phase(), ClientPhase::AwaitingStart);
    // An escaped id is kept decoded and compared decoded.
    s.on_text(
        br#"{"type":"session_started","sessionId":"s\u0031","balance":1,"pricePerSecond":1}"#,
    )
    .unwrap();
    let mut buf = [0u8; 2];
    assert_eq!(s.session_id(&mut buf).unwrap(), Some("s1"));
    assert_eq!(s.session_id(&mut [0u8; 1]), Err(BufferTooSmall));
    s.on_text(br#"{"type":"usage_update","sessionId":"s1","elapsedSeconds":0,"consumedAmount":0,"remainingBalance":1,"bytesTransferred":0,"messageCount":0}"#)
        .unwrap();
}
