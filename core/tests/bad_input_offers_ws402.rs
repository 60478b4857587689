//! The bad-input catalogue of the Fewsats offers, WS402 and other-dialect codecs: each broken
//! input and the exact error code it must produce — never a panic, never a different code —
//! plus the behaviours the specs require of the ledger, the webhook, the session record and the
//! x402 prepayment. Expected values come from the l402-protocol/l402 README and go-example,
//! the WS402 rules of `crate::ws402` (the core's docs) and hand
//! derivation from the formulas.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pay402::dialects::{
    PayPer402Challenge, SandboxRequirements, SandboxToken, SingleUseStore, accept_once,
    decimal_to_atomic, write_decimal_amount,
};
use pay402::evm::Address;
use pay402::json::RawValue;
use pay402::offers::{
    Access, Entitlement, Grant, OffersBody, PaymentRequest, PaymentRequestResponse, sign_webhook,
    verify_webhook,
};
use pay402::writer::Writer;
use pay402::ws402::{
    EndReason, Event, Message, Meter, MeterConfig, Outcome, SESSION_RECORD_LEN, Schema,
    SessionEvent, SessionOutcome, SessionRecord, Tariff, TariffConfig, TariffMeter,
    start_with_x402,
};
use pay402::x402::VerifyPolicy;
use pay402::{ErrorCode, U256};

type Edit = fn(&mut [u8; SESSION_RECORD_LEN]);

fn code<T, E: ErrorCode>(r: Result<T, E>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

// ---------------------------------------------------------------- offers: step 2

#[test]
fn payment_request_response_catalogue() {
    let cases: &[(&str, &str)] = &[
        (
            r#"{"payment_request":{"lightning_invoice":"lnbc1"},"expires_at":"2024-03-20T15:30:00.123Z"}"#,
            "ok",
        ),
        (r#"{"payment_request":{"invoice":"lnbc1"}}"#, "ok"),
        (
            r#"{"payment_request":{"check_url":"http://x/checkout"}}"#,
            "ok",
        ),
        (
            r#"{"payment_request":{"address":"0xabc","asset":"usdc","chain":"base-mainnet"},"expires_at":"2024-03-20T15:30:00+00:00"}"#,
            "ok",
        ),
        (
            r#"{"payment_request":{"address":"0xabc","chain":"base-mainnet"}}"#,
            "missing_field",
        ),
        (
            r#"{"payment_request":{"address":"0xabc","asset":"usdc"}}"#,
            "missing_field",
        ),
        (
            r#"{"payment_request":{"lightning_invoice":"","check_url":"","address":""}}"#,
            "no_payment_option",
        ),
        (r#"{"payment_request":{}}"#, "no_payment_option"),
        (r#"{"version":"0.2.2"}"#, "missing_field"),
        (r#"{"payment_request":"lnbc1"}"#, "wrong_type"),
        (
            r#"{"payment_request":{"lightning_invoice":7}}"#,
            "wrong_type",
        ),
        (
            r#"{"payment_request":{"lightning_invoice":"lnbc1"},"expires_at":"tomorrow"}"#,
            "invalid_value",
        ),
        (
            r#"{"payment_request":{"lightning_invoice":"lnbc1"},"expires_at":"2025-02-30T00:00:00Z"}"#,
            "invalid_value",
        ),
        (
            r#"{"payment_request":{"lightning_invoice":"lnbc1"},"expires_at":"2025-01-01T00:00:00"}"#,
            "invalid_value",
        ),
        (
            r#"{"payment_request":{"lightning_invoice":"lnbc1"},"expires_at":"1969-12-31T23:59:59Z"}"#,
            "invalid_value",
        ),
        ("[]", "not_an_object"),
        ("{", "invalid_json"),
    ];
    for (body, want) in cases {
        assert_eq!(
            code(PaymentRequestResponse::decode(body.as_bytes())),
            *want,
            "{body}"
        );
    }
}

#[test]
fn expires_at_reads_rfc3339_with_fraction_and_offset() {
    // 2024-03-20T15:30:00Z = 1710948600 (hand: 19802 days × 86400 + 55800).
    let r = PaymentRequestResponse::decode(
        br#"{"payment_request":{"lightning_invoice":"lnbc1"},"expires_at":"2024-03-20T15:30:00.123Z"}"#,
    )
    .unwrap();
    assert_eq!(r.expires_at_unix(), Ok(Some(1_710_948_600)));
    let r = PaymentRequestResponse::decode(
        br#"{"payment_request":{"lightning_invoice":"lnbc1"},"expires_at":"2024-03-20T17:30:00+02:00"}"#,
    )
    .unwrap();
    assert_eq!(r.expires_at_unix(), Ok(Some(1_710_948_600)));
}

#[test]
fn go_example_payment_response_encodes_in_spec_form() {
    let r = PaymentRequestResponse::decode(
        br#"{"version":"0.2.2","expires_at":"2025-12-31T23:59:59Z","payment_request":{"lightning_invoice":"","address":"","asset":"","chain":"","check_url":"http://localhost:8081/checkout?offer_id=offer_0001"}}"#,
    )
    .unwrap();
    let mut buf = [0u8; 256];
    let mut w = Writer::new(&mut buf);
    r.encode(&mut w).unwrap();
    assert_eq!(
        w.written(),
        br#"{"version":"0.2.2","payment_request":{"checkout_url":"http://localhost:8081/checkout?offer_id=offer_0001"},"expires_at":"2025-12-31T23:59:59Z"}"#
    );
}

#[test]
fn payment_request_catalogue() {
    let cases: &[(&str, &str)] = &[
        (
            r#"{"offer_id":"o","payment_method":"lightning","payment_context_token":"p"}"#,
            "ok",
        ),
        (
            r#"{"offer_id":"o","payment_method":"fake-pay","payment_context_token":"p","chain":"","asset":""}"#,
            "ok",
        ),
        (
            r#"{"payment_method":"lightning","payment_context_token":"p"}"#,
            "missing_field",
        ),
        (
            r#"{"offer_id":"","payment_method":"lightning","payment_context_token":"p"}"#,
            "missing_field",
        ),
        (
            r#"{"offer_id":"o","payment_context_token":"p"}"#,
            "missing_field",
        ),
        (
            r#"{"offer_id":"o","payment_method":"lightning"}"#,
            "missing_field",
        ),
        (
            r#"{"offer_id":1,"payment_method":"lightning","payment_context_token":"p"}"#,
            "wrong_type",
        ),
    ];
    for (body, want) in cases {
        assert_eq!(
            code(PaymentRequest::decode(body.as_bytes())),
            *want,
            "{body}"
        );
    }
}

#[test]
fn offers_body_lookup_by_id_and_grant() {
    let body = OffersBody::decode(
        br#"{"version":"0.2.2","payment_request_url":"u","payment_context_token":"p","offers":[
        {"id":"a","type":"top-up","balance":10,"amount":10,"currency":"USD"},
        {"id":"b","type":"subscription","duration":"1 month","amount":500,"currency":"USD"},
        {"id":"c","type":"subscription","duration":"until further notice","amount":500,"currency":"USD"},
        {"id":"d","type":"top-up","amount":10,"currency":"USD"},
        {"id":"e","type":"pay-per-call","amount":1,"currency":"USD"}]}"#,
    )
    .unwrap();
    assert_eq!(
        Grant::of(body.offer("a").unwrap()),
        Ok(Grant::TopUp { credits: 10 })
    );
    assert_eq!(
        Grant::of(body.offer("b").unwrap()),
        Ok(Grant::Subscription {
            duration_seconds: 30 * 86_400
        })
    );
    assert_eq!(code(Grant::of(body.offer("c").unwrap())), "invalid_value");
    assert_eq!(code(Grant::of(body.offer("d").unwrap())), "missing_field");
    // A type pay402 does not know decodes (kept as given) but grants nothing it could meter.
    let unknown = body.offer("e").unwrap();
    assert!(unknown.type_name.eq_str("pay-per-call"));
    assert_eq!(unknown.offer_type(), None);
    assert_eq!(code(Grant::of(unknown)), "unknown_offer_type");
    assert!(body.offer("zzz").is_none());
}

// ---------------------------------------------------------------- offers: webhook

const SECRET: &[u8] = b"whsec_5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH";
const EVENT: &[u8] = br#"{"offer_id":"offer_0001","payment_context_token":"demo-token-123","amount":10,"currency":"USD","status":"paid","timestamp":1700000000}"#;

fn signed(t: u64, body: &[u8]) -> String {
    let mut buf = [0u8; 128];
    let mut w = Writer::new(&mut buf);
    sign_webhook(SECRET, t, body, &mut w).unwrap();
    String::from_utf8(w.written().to_vec()).unwrap()
}

#[test]
fn webhook_signature_is_hmac_sha256_of_timestamp_dot_body() {
    // Computed independently with Python:
    // hmac.new(b"key", b'1700000000.{"status":"paid"}', hashlib.sha256).hexdigest()
    let expected =
        "t=1700000000,v1=617f6ed763759ca075f16559d878fc8f093ede5d0538106b324d559fc7a041da";
    let body = br#"{"status":"paid"}"#;
    assert_eq!(
        verify_webhook(expected, body, b"key", 1_700_000_000, 0),
        Ok(1_700_000_000)
    );
    let mut buf = [0u8; 96];
    let mut w = Writer::new(&mut buf);
    sign_webhook(b"key", 1_700_000_000, body, &mut w).unwrap();
    assert_eq!(w.written(), expected.as_bytes());
}

#[test]
fn webhook_catalogue() {
    let good = signed(1_700_000_000, EVENT);
    let sig = good.split_once(",v1=").unwrap().1.to_owned();
    let now = 1_700_000_100;
    let cases: Vec<(String, &[u8], u64, &str)> = vec![
        (good.clone(), EVENT, now, "ok"),
        (format!("v1={sig},t=1700000000"), EVENT, now, "ok"),
        (
            format!("t=1700000000,v1={},v1={sig}", "0".repeat(64)),
            EVENT,
            now,
            "ok",
        ),
        (
            format!("t=1700000000, v1={sig}, v0=ignored"),
            EVENT,
            now,
            "ok",
        ),
        (good.clone(), EVENT, 1_700_000_300, "ok"),
        (
            good.clone(),
            EVENT,
            1_700_000_301,
            "webhook_timestamp_out_of_tolerance",
        ),
        (
            good.clone(),
            EVENT,
            1_699_999_699,
            "webhook_timestamp_out_of_tolerance",
        ),
        (good.clone(), b"{}", now, "webhook_signature_mismatch"),
        (
            format!("t=1700000001,v1={sig}"),
            EVENT,
            now,
            "webhook_signature_mismatch",
        ),
        (
            format!("t=1700000000,v1={}", "0".repeat(64)),
            EVENT,
            now,
            "webhook_signature_mismatch",
        ),
        (format!("v1={sig}"), EVENT, now, "webhook_header_malformed"),
        (
            "t=1700000000".to_owned(),
            EVENT,
            now,
            "webhook_header_malformed",
        ),
        (
            format!("t=1700000000,v1={}", &sig[..63]),
            EVENT,
            now,
            "webhook_header_malformed",
        ),
        (
            format!("t=+1700000000,v1={sig}"),
            EVENT,
            now,
            "webhook_header_malformed",
        ),
        (
            format!("t=1,t=1700000000,v1={sig}"),
            EVENT,
            now,
            "webhook_header_malformed",
        ),
        (
            format!("t=1700000000,v1={sig},v1={sig},v1={sig},v1={sig},v1={sig}"),
            EVENT,
            now,
            "webhook_header_malformed",
        ),
        (
            format!("t=99999999999999999999,v1={sig}"),
            EVENT,
            now,
            "webhook_header_malformed",
        ),
        ("garbage".to_owned(), EVENT, now, "webhook_header_malformed"),
        (String::new(), EVENT, now, "webhook_header_malformed"),
    ];
    for (header, body, now, want) in cases {
        assert_eq!(
            code(verify_webhook(&header, body, SECRET, now, 300)),
            want,
            "{header}"
        );
    }
    assert_eq!(
        code(verify_webhook(&good, EVENT, b"other", now, 300)),
        "webhook_signature_mismatch"
    );
}

// ---------------------------------------------------------------- offers: ledger

#[test]
fn top_up_credits_are_spent_one_per_call_then_402() {
    let mut e = Entitlement::default();
    e.credit(Grant::TopUp { credits: 10 }, 0).unwrap();
    for left in (0..10).rev() {
        assert_eq!(e.authorize(5), Access::Credit { remaining: left });
    }
    assert_eq!(e.authorize(5), Access::PaymentRequired);
}

#[test]
fn subscription_runs_from_paid_time_and_renewal_extends_from_the_end() {
    let mut e = Entitlement::default();
    e.credit(
        Grant::Subscription {
            duration_seconds: 100,
        },
        1_000,
    )
    .unwrap();
    assert_eq!(e.authorize(999), Access::Subscription { until: 1_100 });
    e.credit(
        Grant::Subscription {
            duration_seconds: 100,
        },
        1_050,
    )
    .unwrap();
    assert_eq!(e.subscription_until, 1_200);
    // A renewal after expiry starts from the payment time.
    e.credit(
        Grant::Subscription {
            duration_seconds: 100,
        },
        5_000,
    )
    .unwrap();
    assert_eq!(e.subscription_until, 5_100);
}

#[test]
fn subscription_is_used_before_credits_and_one_time_before_both() {
    let mut e = Entitlement::default();
    e.credit(Grant::TopUp { credits: 1 }, 0).unwrap();
    e.credit(
        Grant::Subscription {
            duration_seconds: 10,
        },
        0,
    )
    .unwrap();
    assert_eq!(e.authorize(5), Access::Subscription { until: 10 });
    assert_eq!(e.credits, 1);
    e.credit(Grant::OneTime, 0).unwrap();
    assert_eq!(e.authorize(50), Access::OneTime);
    assert_eq!(e.credits, 1);
}

#[test]
fn ledger_overflow_is_refused() {
    let mut e = Entitlement {
        credits: u64::MAX,
        ..Entitlement::default()
    };
    assert_eq!(
        code(e.credit(Grant::TopUp { credits: 1 }, 0)),
        "entitlement_overflow"
    );
    let mut e = Entitlement::default();
    assert_eq!(
        code(e.credit(
            Grant::Subscription {
                duration_seconds: u64::MAX
            },
            1
        )),
        "entitlement_overflow"
    );
}

#[test]
fn entitlement_record_catalogue() {
    let e = Entitlement {
        one_time: true,
        credits: 7,
        subscription_until: 99,
    };
    let bytes = e.encode();
    assert_eq!(Entitlement::decode(&bytes), Ok(e));
    assert_eq!(
        code(Entitlement::decode(&bytes[..25])),
        "invalid_entitlement_record"
    );
    assert_eq!(code(Entitlement::decode(&[])), "invalid_entitlement_record");
    for i in 0..bytes.len() {
        let mut b = bytes;
        b[i] ^= 0x01;
        assert_eq!(
            code(Entitlement::decode(&b)),
            "invalid_entitlement_record",
            "byte {i}"
        );
    }
}

// ---------------------------------------------------------------- ws402: messages and schema

#[test]
fn ws402_message_catalogue() {
    let cases: &[(&str, &str)] = &[
        (
            r#"{"type":"payment_proof","proof":{"txHash":"0x1","reference":"base_1","senderAddress":"0x2"}}"#,
            "ok",
        ),
        (r#"{"type":"payment_proof","proof":"eyJ9"}"#, "ok"),
        (r#"{"type":"payment_proof","proof":7}"#, "wrong_type"),
        (r#"{"type":"payment_proof"}"#, "missing_field"),
        (
            r#"{"type":"payment_rejected","reason":"Payment verification failed"}"#,
            "ok",
        ),
        (
            r#"{"type":"session_started","sessionId":"s","balance":300,"pricePerSecond":1}"#,
            "ok",
        ),
        (
            r#"{"type":"session_started","sessionId":"s","balance":300.5,"pricePerSecond":1}"#,
            "invalid_value",
        ),
        (
            r#"{"type":"session_started","sessionId":"s","balance":"-1","pricePerSecond":1}"#,
            "invalid_value",
        ),
        (
            r#"{"type":"session_started","sessionId":"s","balance":300}"#,
            "missing_field",
        ),
        (
            r#"{"type":"usage_update","sessionId":"s","elapsedSeconds":3,"consumedAmount":3,"remainingBalance":297,"bytesTransferred":42,"messageCount":2}"#,
            "ok",
        ),
        (
            r#"{"type":"usage_update","sessionId":"s","elapsedSeconds":3,"consumedAmount":3,"remainingBalance":297,"bytesTransferred":42}"#,
            "missing_field",
        ),
        (
            r#"{"type":"usage_update","sessionId":"s","elapsedSeconds":18446744073709551616,"consumedAmount":3,"remainingBalance":297,"bytesTransferred":42,"messageCount":2}"#,
            "invalid_value",
        ),
        (
            r#"{"type":"balance_exhausted","message":"Balance exhausted"}"#,
            "ok",
        ),
        (r#"{"type":"balance_exhausted"}"#, "ok"),
        (
            r#"{"type":"max_duration_reached","message":1}"#,
            "wrong_type",
        ),
        (
            r#"{"type":"http_access_granted","sessionId":"s","httpToken":"t","resourceUrl":"/r"}"#,
            "ok",
        ),
        (
            r#"{"type":"http_access_granted","sessionId":"s","resourceUrl":"/r"}"#,
            "missing_field",
        ),
        (
            r#"{"type":"limit_exceeded","message":"x","bytes":1}"#,
            "unknown_message_type",
        ),
        (r#"{"type":"refund_failed"}"#, "unknown_message_type"),
        (r#"{"proof":"x"}"#, "missing_field"),
        (r#"{"type":7}"#, "wrong_type"),
        (r#"["payment_proof"]"#, "not_an_object"),
        ("", "invalid_json"),
        (
            r#"{"type":"payment_proof","type":"payment_proof","proof":"x"}"#,
            "invalid_json",
        ),
    ];
    for (frame, want) in cases {
        assert_eq!(code(Message::decode(frame.as_bytes())), *want, "{frame}");
    }
}

#[test]
fn ws402_wire_message_catalogue() {
    let cases: &[(&str, &str)] = &[
        // pay402's messages: resume, end and the statement.
        (
            r#"{"type":"session_started","sessionId":"s","balance":1,"pricePerSecond":1,"resumeToken":7}"#,
            "wrong_type",
        ),
        (
            r#"{"type":"resume_session","sessionId":"s"}"#,
            "missing_field",
        ),
        (
            r#"{"type":"resume_session","resumeToken":"t"}"#,
            "missing_field",
        ),
        (
            r#"{"type":"resume_session","sessionId":"s","resumeToken":null}"#,
            "missing_field",
        ),
        (
            r#"{"type":"session_resumed","sessionId":"s","balance":"1","consumedAmount":"1"}"#,
            "missing_field",
        ),
        (
            r#"{"type":"session_resumed","sessionId":"s","balance":"1","consumedAmount":1.5,"remainingBalance":"0"}"#,
            "invalid_value",
        ),
        (
            r#"{"type":"session_resumed","sessionId":"s","balance":"-1","consumedAmount":"1","remainingBalance":"0"}"#,
            "invalid_value",
        ),
        (r#"{"type":"resume_refused"}"#, "missing_field"),
        (r#"{"type":"resume_refused","reason":["x"]}"#, "wrong_type"),
        (r#"{"type":"end_session","reason":1}"#, "ok"),
        (
            r#"{"type":"session_ended","sessionId":"s","endedBy":"client_close","paid":"2","consumed":"1","settled":"2"}"#,
            "missing_field",
        ),
        (
            r#"{"type":"session_ended","sessionId":"s","endedBy":"client_close","paid":"2","consumed":"1","settled":"2","refund":"1","refundTx":5}"#,
            "wrong_type",
        ),
        (
            r#"{"type":"session_ended","sessionId":"s","endedBy":"client_close","paid":"115792089237316195423570985008687907853269984665640564039457584007913129639936","consumed":"1","settled":"2","refund":"1"}"#,
            "invalid_value",
        ),
        (r#"{"type":"End_Session"}"#, "unknown_message_type"),
    ];
    for (frame, want) in cases {
        assert_eq!(code(Message::decode(frame.as_bytes())), *want, "{frame}");
    }
}

#[test]
fn every_message_round_trips_through_its_canonical_form() {
    let frames = [
        r#"{"type":"payment_proof","proof":"eyJ9"}"#,
        r#"{"type":"payment_proof","proof":{"txHash":"0x1","reference":"base_1"}}"#,
        r#"{"type":"payment_rejected","reason":"expired"}"#,
        r#"{"type":"session_started","sessionId":"ws402_1","balance":"1606938044258990275541962092341162602522202993782792835301376","pricePerSecond":"7"}"#,
        r#"{"type":"usage_update","sessionId":"s","elapsedSeconds":3,"consumedAmount":"3","remainingBalance":"297","bytesTransferred":42,"messageCount":2}"#,
        r#"{"type":"balance_exhausted","message":"Balance exhausted"}"#,
        r#"{"type":"max_duration_reached"}"#,
        r#"{"type":"http_access_granted","sessionId":"s","httpToken":"t","resourceUrl":"/r","message":"ok"}"#,
        r#"{"type":"session_started","sessionId":"s","balance":"300","pricePerSecond":"1","resumeToken":"dG9r"}"#,
        r#"{"type":"resume_session","sessionId":"s","resumeToken":"dG9r"}"#,
        r#"{"type":"session_resumed","sessionId":"s","balance":"300","consumedAmount":"9","remainingBalance":"291"}"#,
        r#"{"type":"resume_refused","reason":"resume_token_invalid"}"#,
        r#"{"type":"end_session"}"#,
        r#"{"type":"session_ended","sessionId":"s","endedBy":"balance_exhausted","paid":"300","consumed":"300","settled":"300","refund":"0"}"#,
        r#"{"type":"session_ended","sessionId":"s","endedBy":"client_close","paid":"300","consumed":"9","settled":"300","refund":"291","payer":"0x11","settlementTx":"0x22","refundTx":"0x33"}"#,
    ];
    for frame in frames {
        let msg = Message::decode(frame.as_bytes()).unwrap();
        let mut buf = [0u8; 512];
        let mut w = Writer::new(&mut buf);
        msg.encode(&mut w).unwrap();
        assert_eq!(core::str::from_utf8(w.written()).unwrap(), frame);
    }
}

#[test]
fn usage_update_reports_the_meter() {
    let mut m = Meter::start(
        MeterConfig {
            price_per_second: U256::from_u64(1),
            paid: U256::from_u64(300),
            max_session_seconds: 3600,
        },
        0,
    );
    m.on_event(10, Event::BytesIn(40));
    m.on_event(20, Event::BytesOut(2));
    m.on_event(30, Event::Message(2));
    m.on_event(3_000, Event::Tick);
    let msg = Message::UsageUpdate(pay402::ws402::UsageUpdate::from_meter("ws402_1", &m));
    let mut buf = [0u8; 256];
    let mut w = Writer::new(&mut buf);
    msg.encode(&mut w).unwrap();
    assert_eq!(
        w.written(),
        br#"{"type":"usage_update","sessionId":"ws402_1","elapsedSeconds":3,"consumedAmount":"3","remainingBalance":"297","bytesTransferred":42,"messageCount":2}"#
    );
}

#[test]
fn schema_catalogue() {
    let base = |pricing: &str, extra: &str| {
        format!(
            r#"{{"protocol":"ws402","version":"0.1.2","resourceId":"r","websocketEndpoint":"wss://x/ws402/r","pricing":{pricing},"maxSessionDuration":3600{extra}}}"#
        )
    };
    let good = r#"{"pricePerSecond":1,"currency":"wei","estimatedDuration":300,"totalPrice":300}"#;
    let cases: Vec<(String, &str)> = vec![
        (base(good, ""), "ok"),
        (format!(r#"{{"ws402Schema":{}}}"#, base(good, "")), "ok"),
        (
            format!(
                r#"{{"resource":{{"id":"r"}},"ws402Schema":{}}}"#,
                base(good, "")
            ),
            "ok",
        ),
        (
            base(
                good,
                r#","paymentDetails":{"provider":"mock"},"resourceInfo":{"name":"n"}"#,
            ),
            "ok",
        ),
        (base(good, r#","paymentDetails":"mock""#), "wrong_type"),
        (
            base(
                r#"{"pricePerSecond":1,"currency":"wei","estimatedDuration":300,"totalPrice":301}"#,
                "",
            ),
            "invalid_value",
        ),
        (
            base(
                r#"{"pricePerSecond":0.5,"currency":"wei","estimatedDuration":300,"totalPrice":150}"#,
                "",
            ),
            "invalid_value",
        ),
        (
            base(
                r#"{"pricePerSecond":1,"currency":"wei","estimatedDuration":300}"#,
                "",
            ),
            "missing_field",
        ),
        (base(r#""1 wei/s""#, ""), "wrong_type"),
        (
            base(good, "").replace(r#""protocol":"ws402""#, r#""protocol":"x402""#),
            "invalid_value",
        ),
        (
            base(good, "").replace(r#","maxSessionDuration":3600"#, ""),
            "missing_field",
        ),
        (r#"{"ws402Schema":[]}"#.to_owned(), "wrong_type"),
        ("7".to_owned(), "not_an_object"),
    ];
    for (text, want) in cases {
        assert_eq!(code(Schema::decode(text.as_bytes())), want, "{text}");
    }
}

// ---------------------------------------------------------------- ws402: meter and record

fn config(price: u64, paid: u64, max_s: u64) -> MeterConfig {
    MeterConfig {
        price_per_second: U256::from_u64(price),
        paid: U256::from_u64(paid),
        max_session_seconds: max_s,
    }
}

#[test]
fn session_ends_exactly_once_whatever_the_host_reports() {
    let mut m = Meter::start(config(10, 100, 60), 0);
    let Outcome::Ended(end) = m.on_event(20_000, Event::Tick) else {
        panic!()
    };
    // 10/s, 100 paid: runs out at exactly 10 000 ms.
    assert_eq!(
        (end.reason, end.at_ms, end.close_code()),
        (EndReason::BalanceExhausted, 10_000, 1000)
    );
    for (t, e) in [
        (20_001, Event::Close),
        (20_002, Event::Close),
        (30_000, Event::BytesIn(5)),
    ] {
        assert_eq!(m.on_event(t, e), Outcome::AlreadyEnded(end));
    }
    assert_eq!(m.bytes_in(), 0);
}

/// The tariff meter's refusals: each event the state does not allow, its exact code, and no
/// change to the meter.
#[test]
fn tariff_meter_catalogue() {
    let config = TariffConfig {
        tariff: Tariff {
            per_byte_in: U256::from_u64(1),
            ..Tariff::per_second(U256::from_u64(10))
        },
        paid: U256::from_u64(1_000),
        max_session_seconds: 60,
        deadline_ms: None,
    };
    let mut running = TariffMeter::start(config, 0);
    running.on_event(1_000, SessionEvent::Tick).unwrap();
    let mut suspended = running;
    suspended.on_event(2_000, SessionEvent::Suspend).unwrap();
    let cases: [(&str, TariffMeter, Option<SessionEvent>, &str); 7] = [
        (
            "resume while running",
            running,
            Some(SessionEvent::Resume),
            "session_not_suspended",
        ),
        (
            "grace expiry while running",
            running,
            Some(SessionEvent::GraceExpired),
            "session_not_suspended",
        ),
        (
            "suspend twice",
            suspended,
            Some(SessionEvent::Suspend),
            "session_suspended",
        ),
        (
            "bytes in while suspended",
            suspended,
            Some(SessionEvent::BytesIn(1)),
            "session_suspended",
        ),
        (
            "bytes out while suspended",
            suspended,
            Some(SessionEvent::BytesOut(1)),
            "session_suspended",
        ),
        (
            "a message while suspended",
            suspended,
            Some(SessionEvent::Message(1)),
            "session_suspended",
        ),
        (
            "may_send while suspended",
            suspended,
            None,
            "session_suspended",
        ),
    ];
    for (name, mut meter, event, code) in cases {
        let before = meter;
        let got = match event {
            Some(e) => meter.on_event(5_000, e),
            None => meter.may_send(5_000, 0, 0),
        };
        assert_eq!(got.map_err(|e| e.code()), Err(code), "{name}");
        assert_eq!(meter, before, "{name}: unchanged");
    }
    // After the end nothing is an error: every event is AlreadyEnded.
    let mut m = running;
    let SessionOutcome::Ended(end) = m.on_event(3_000, SessionEvent::ServerError).unwrap() else {
        panic!()
    };
    assert_eq!(
        (end.close_code, end.consumed),
        (Some(1011), U256::from_u64(30))
    );
    for e in [
        SessionEvent::Resume,
        SessionEvent::Suspend,
        SessionEvent::GraceExpired,
    ] {
        assert_eq!(m.on_event(4_000, e), Ok(SessionOutcome::AlreadyEnded(end)));
    }
}

#[test]
fn exhaustion_date_is_exact_for_amounts_near_2_pow_200() {
    // price = 2^200 + 1, paid = 2^201: ceil(1000 × 2^201 / (2^200 + 1)) = 2000 (hand:
    // 1000 × 2^201 / (2^200 + 1) = 2000 − 2000/(2^200 + 1), just below 2000).
    let two_200 = U256::ONE
        .checked_mul(U256::from_u128(1 << 100))
        .unwrap()
        .checked_mul(U256::from_u128(1 << 100))
        .unwrap();
    let price = two_200.checked_add(U256::ONE).unwrap();
    let paid = two_200.checked_add(two_200).unwrap();
    let cfg = MeterConfig {
        price_per_second: price,
        paid,
        max_session_seconds: 3600,
    };
    assert_eq!(cfg.exhausted_within(1_000_000), Some(2_000));
    assert!(cfg.consumed_at(1_999) < paid);
}

#[test]
fn session_record_round_trips_running_and_ended() {
    let mut m = Meter::start(config(3, 1_000, 60), 1_000);
    m.on_event(2_500, Event::BytesIn(9));
    let running = SessionRecord {
        meter: m,
        refund_to: Some(Address([0xab; 20])),
    };
    assert_eq!(SessionRecord::decode(&running.encode()), Ok(running));
    m.on_event(4_000, Event::Close);
    let ended = SessionRecord {
        meter: m,
        refund_to: None,
    };
    assert_eq!(SessionRecord::decode(&ended.encode()), Ok(ended));
}

#[test]
fn session_record_catalogue() {
    let mut m = Meter::start(config(3, 1_000, 60), 1_000);
    m.on_event(4_000, Event::Close);
    let good = SessionRecord {
        meter: m,
        refund_to: Some(Address([0xab; 20])),
    }
    .encode();
    assert_eq!(
        code(SessionRecord::decode(&good[..SESSION_RECORD_LEN - 1])),
        "invalid_record_length"
    );
    assert_eq!(
        code(SessionRecord::decode(&[0u8; 189])),
        "invalid_record_length"
    );
    let mut v = good;
    v[0] = 2;
    assert_eq!(
        code(SessionRecord::decode(&v)),
        "unsupported_record_version"
    );
    for i in 1..SESSION_RECORD_LEN {
        let mut b = good;
        b[i] ^= 0x80;
        assert_eq!(
            code(SessionRecord::decode(&b)),
            "record_checksum_mismatch",
            "byte {i}"
        );
    }
}

#[test]
fn session_record_with_a_valid_checksum_but_inconsistent_numbers_is_refused() {
    // Build records whose checksum is right but whose contents break the metering rules, by
    // editing the meter state and re-encoding through a decoded-then-edited path is not
    // possible from outside; so forge the bytes and recompute the checksum here.
    use sha2::{Digest, Sha256};
    fn reseal(mut b: [u8; SESSION_RECORD_LEN]) -> [u8; SESSION_RECORD_LEN] {
        let d = Sha256::digest(&b[..180]);
        b[180..].copy_from_slice(&d[..8]);
        b
    }
    let mut m = Meter::start(config(3, 1_000, 60), 1_000);
    m.on_event(4_000, Event::Tick);
    let good = SessionRecord {
        meter: m,
        refund_to: None,
    }
    .encode();
    let edits: &[(&str, Edit)] = &[
        ("consumed raised", |b| b[103] = b[103].wrapping_add(1)),
        ("unknown flag", |b| b[1] = 4),
        ("reserved byte set", |b| b[5] = 1),
        ("end reason while running", |b| b[2] = 1),
        ("ended flag with reason 0", |b| b[1] = 1),
        ("payer bytes without flag", |b| b[170] = 1),
        ("last before start", |b| b[127] = 0),
    ];
    for (what, edit) in edits {
        let mut b = good;
        edit(&mut b);
        assert_eq!(
            code(SessionRecord::decode(&reseal(b))),
            "inconsistent_record",
            "{what}"
        );
    }
}

// ---------------------------------------------------------------- ws402: x402 prepayment

/// The first accepted case of the x402 peer vectors (reference client, verified by the
/// reference facilitator): requirements, header and time.
fn x402_case() -> (String, String, u64, String) {
    let file = include_str!("../../tests/conformance/vectors/x402-verify.peers.json");
    let doc = RawValue::parse(file.as_bytes()).unwrap();
    let case = doc
        .get("cases")
        .unwrap()
        .elements()
        .unwrap()
        .find(|c| c.get("expect").unwrap().get("ok").is_some())
        .unwrap();
    let input = case.get("input").unwrap();
    let payer = case
        .get("expect")
        .unwrap()
        .get("ok")
        .unwrap()
        .get("payer")
        .unwrap();
    (
        input.get("requirements").unwrap().as_text().to_owned(),
        input.get("payment").unwrap().as_str().unwrap().to_string(),
        input.get("now").unwrap().as_u64().unwrap(),
        payer.as_str().unwrap().to_string(),
    )
}

#[test]
fn x402_prepayment_sets_paid_and_refund_recipient_from_the_verified_payment() {
    let (requirements, payment, now, payer) = x402_case();
    let mut buf = [0u8; 4096];
    let prepaid = start_with_x402(
        requirements.as_bytes(),
        payment.as_bytes(),
        &mut buf,
        now * 1000,
        &VerifyPolicy::default(),
        U256::from_u64(10),
        3600,
    )
    .unwrap();
    // maxAmountRequired of that case is "10000".
    assert_eq!(prepaid.session.meter.config().paid, U256::from_u64(10_000));
    assert_eq!(
        prepaid.session.refund_to,
        Some(Address::parse(payer.as_bytes()).unwrap())
    );
    assert_eq!(
        prepaid.verified.payer,
        Address::parse(payer.as_bytes()).unwrap()
    );
    assert_eq!(prepaid.session.meter.start_ms(), now * 1000);
}

#[test]
fn x402_prepayment_failures_carry_the_x402_code() {
    let (requirements, payment, now, _) = x402_case();
    let mut buf = [0u8; 4096];
    let policy = VerifyPolicy::default();
    let far_future = (now + 10_000_000) * 1000;
    assert_eq!(
        code(start_with_x402(
            requirements.as_bytes(),
            payment.as_bytes(),
            &mut buf,
            far_future,
            &policy,
            U256::ONE,
            60
        )),
        "invalid_exact_evm_payload_authorization_valid_before"
    );
    assert_eq!(
        code(start_with_x402(
            requirements.as_bytes(),
            b"%%%",
            &mut buf,
            now * 1000,
            &policy,
            U256::ONE,
            60
        )),
        "invalid_payload"
    );
    let other_payee = requirements.replace(
        "0x04c9277A987f774927829092CcE9676A4e3C30FF",
        "0x000000000000000000000000000000000000dEaD",
    );
    assert_eq!(
        code(start_with_x402(
            other_payee.as_bytes(),
            payment.as_bytes(),
            &mut buf,
            now * 1000,
            &policy,
            U256::ONE,
            60
        )),
        "invalid_exact_evm_recipient_mismatch"
    );
}

// ---------------------------------------------------------------- dialects

#[test]
fn decimal_amount_catalogue() {
    let cases: &[(&str, u8, Result<u128, &str>)] = &[
        ("0.042", 6, Ok(42_000)),
        ("0.36", 6, Ok(360_000)),
        ("2.01", 6, Ok(2_010_000)),
        ("10", 6, Ok(10_000_000)),
        ("0.000001", 6, Ok(1)),
        ("0.0000010", 6, Ok(1)),
        ("007", 0, Ok(7)),
        ("1", 18, Ok(1_000_000_000_000_000_000)),
        ("0.0000001", 6, Err("sub_unit_amount")),
        ("1.5", 0, Err("sub_unit_amount")),
        ("", 6, Err("invalid_amount")),
        (".5", 6, Err("invalid_amount")),
        ("5.", 6, Err("invalid_amount")),
        ("-1", 6, Err("invalid_amount")),
        ("+1", 6, Err("invalid_amount")),
        ("1e3", 6, Err("invalid_amount")),
        ("$0.01", 6, Err("invalid_amount")),
        (" 1", 6, Err("invalid_amount")),
        ("1.2.3", 6, Err("invalid_amount")),
        ("1", 78, Err("invalid_amount")),
    ];
    for (text, decimals, want) in cases {
        let got = decimal_to_atomic(text, *decimals);
        match want {
            Ok(v) => assert_eq!(got, Ok(U256::from_u128(*v)), "{text}"),
            Err(c) => assert_eq!(code(got), *c, "{text}"),
        }
    }
    // 2^256 − 1 as a whole number fits; with one decimal it overflows.
    let max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
    assert_eq!(decimal_to_atomic(max, 0), Ok(U256::MAX));
    assert_eq!(code(decimal_to_atomic(max, 1)), "invalid_amount");
}

#[test]
fn decimal_amount_writes_back_without_trailing_zeros() {
    for (atomic, decimals, text) in [
        (42_000u64, 6u8, "0.042"),
        (5_000_000, 6, "5"),
        (0, 6, "0"),
        (1, 6, "0.000001"),
        (123, 0, "123"),
        (1_230, 2, "12.3"),
    ] {
        let mut buf = [0u8; 100];
        let mut w = Writer::new(&mut buf);
        write_decimal_amount(&mut w, &U256::from_u64(atomic), decimals).unwrap();
        assert_eq!(w.written(), text.as_bytes());
    }
}

#[test]
fn payper402_challenge_catalogue() {
    let cases: &[(&str, Result<u64, &str>)] = &[
        (
            r#"Bearer realm="PayPer402", amount="0.042", currency="USDC", network="Solana""#,
            Ok(42_000),
        ),
        (
            r#"L402 macaroon="AgE=", invoice="lnbc1", Bearer realm="PayPer402", amount="0.36""#,
            Ok(360_000),
        ),
        (r#"Bearer realm="api""#, Err("no_payment_challenge")),
        (r#"Basic realm="x""#, Err("no_payment_challenge")),
        (
            r#"Bearer realm="PayPer402", amount="0.0000001""#,
            Err("sub_unit_amount"),
        ),
        (
            r#"Bearer realm="PayPer402", amount="-1""#,
            Err("invalid_amount"),
        ),
        (r#"Bearer realm="PayPer402", amount=0.042"#, Ok(42_000)),
        (
            r#"Bearer realm="PayPer402", amount="0.042"#,
            Err("invalid_challenge"),
        ),
        (r#"Bearer amount="1", amount="2""#, Err("invalid_challenge")),
        ("", Err("invalid_challenge")),
    ];
    for (header, want) in cases {
        let got = PayPer402Challenge::parse(header, 6);
        match want {
            Ok(v) => assert_eq!(got.map(|c| c.amount), Ok(U256::from_u64(*v)), "{header}"),
            Err(c) => assert_eq!(code(got), *c, "{header}"),
        }
    }
}

#[test]
fn sandbox_catalogue() {
    let body = |pr: &str| {
        format!(r#"{{"error":"payment_required","message":"m","payment_requirements":{pr}}}"#)
    };
    let full = r#"{"id":"req_0123456789abcdef","product":"api_inference_v1","amount":1000,"currency":"USDC","chain":"solana","facilitator":"http://localhost:5000/verify","expires_at":"2025-11-13T12:05:00.000Z","recipient":"SELLER"}"#;
    let cases: Vec<(String, &str)> = vec![
        (body(full), "ok"),
        (full.to_owned(), "ok"),
        (body(&full.replace("1000", "\"1000\"")), "ok"),
        (body(&full.replace("1000", "10.5")), "invalid_value"),
        (body(&full.replace(r#","recipient":"SELLER""#, "")), "ok"),
        (
            body(&full.replace(r#""id":"req_0123456789abcdef","#, "")),
            "missing_field",
        ),
        (
            body(&full.replace("2025-11-13T12:05:00.000Z", "in 5 minutes")),
            "invalid_value",
        ),
        (body("[]"), "wrong_type"),
        ("null".to_owned(), "not_an_object"),
    ];
    for (text, want) in cases {
        assert_eq!(
            code(SandboxRequirements::decode(text.as_bytes())),
            want,
            "{text}"
        );
    }
    let text = body(full);
    let req = SandboxRequirements::decode(text.as_bytes()).unwrap();
    let mut buf = [0u8; 512];
    let mut w = Writer::new(&mut buf);
    req.encode_body(&mut w, "m").unwrap();
    assert_eq!(w.written(), text.as_bytes());
}

#[test]
fn sandbox_tokens_are_typed_by_mode() {
    assert_eq!(
        SandboxToken::parse("mock-sig:00ff"),
        Ok(SandboxToken::Mock("00ff"))
    );
    assert_eq!(
        SandboxToken::parse("devnet-sig:ab"),
        Ok(SandboxToken::Devnet("ab"))
    );
    for bad in ["", "mock-sig:", "devnet-sig:", "sig:1", "MOCK-SIG:1"] {
        assert_eq!(code(SandboxToken::parse(bad)), "invalid_token", "{bad}");
    }
}

struct Memory(Vec<Vec<u8>>);
impl SingleUseStore for Memory {
    type Error = ();
    fn insert_if_absent(&mut self, key: &[u8]) -> Result<bool, ()> {
        if self.0.iter().any(|k| k == key) {
            return Ok(false);
        }
        self.0.push(key.to_vec());
        Ok(true)
    }
}
struct Broken;
impl SingleUseStore for Broken {
    type Error = &'static str;
    fn insert_if_absent(&mut self, _: &[u8]) -> Result<bool, &'static str> {
        Err("connection refused")
    }
}

#[test]
fn a_proof_is_accepted_once_and_store_failures_refuse_it() {
    let mut store = Memory(Vec::new());
    assert_eq!(accept_once(&mut store, b"5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW"), Ok(()));
    assert_eq!(code(accept_once(&mut store, b"5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW")), "proof_already_used");
    assert_eq!(accept_once(&mut store, b"other"), Ok(()));
    assert_eq!(
        code(accept_once(&mut Broken, b"x")),
        "proof_store_unavailable"
    );
}

// ================================================================ ws402 session machine: BEGIN
// The bad inputs of `ws402::Session`: each first frame that is not an admissible payment proof
// and the exact `payment_rejected` reason and close code it produces, and each input a phase
// does not take with its error code (the session unchanged, nothing queued). Expected codes are
// the machine's documented reasons and the x402 verifier's codes.
mod ws402_session_machine {
    use pay402::ErrorCode;
    use pay402::U256;
    use pay402::ws402::{
        Command, Input, Phase, RECOMMENDED_COMMAND_BUFFER_LEN, RefundOutcome, Reservation, Session,
        SessionPolicy, Tariff,
    };
    use pay402::x402::server::{Offer, OfferScheme, OfferSet, Resource, SettleOutcome};

    /// The x402 v2 specification's EIP-3009 example payment (section 5), valid until 1740672154.
    const SPEC_HEADER: &str = "eyJ4NDAyVmVyc2lvbiI6MiwicmVzb3VyY2UiOnsidXJsIjoiaHR0cHM6Ly9hcGkuZXhhbXBsZS5jb20vcHJlbWl1bS1kYXRhIiwiZGVzY3JpcHRpb24iOiJBY2Nlc3MgdG8gcHJlbWl1bSBtYXJrZXQgZGF0YSIsIm1pbWVUeXBlIjoiYXBwbGljYXRpb24vanNvbiJ9LCJhY2NlcHRlZCI6eyJzY2hlbWUiOiJleGFjdCIsIm5ldHdvcmsiOiJlaXAxNTU6ODQ1MzIiLCJhbW91bnQiOiIxMDAwMCIsImFzc2V0IjoiMHgwMzZDYkQ1Mzg0MmM1NDI2NjM0ZTc5Mjk1NDFlQzIzMThmM2RDRjdlIiwicGF5VG8iOiIweDIwOTY5M0JjNmFmYzBDNTMyOGJBMzZGYUYwM0M1MTRFRjMxMjI4N0MiLCJtYXhUaW1lb3V0U2Vjb25kcyI6NjAsImV4dHJhIjp7Im5hbWUiOiJVU0RDIiwidmVyc2lvbiI6IjIifX0sInBheWxvYWQiOnsic2lnbmF0dXJlIjoiMHgyZDZhNzU4OGQ2YWNjYTUwNWNiZjBkOWE0YTIyN2UwYzUyYzZjMzQwMDhjOGU4OTg2YTEyODMyNTk3NjQxNzM2MDhhMmNlNjQ5NjY0MmUzNzdkNmRhOGRiYmY1ODM2ZTliZDE1MDkyZjllY2FiMDVkZWQzZDYyOTNhZjE0OGI1NzFjIiwiYXV0aG9yaXphdGlvbiI6eyJmcm9tIjoiMHg4NTdiMDY1MTlFOTFlM0E1NDUzODc5MWJEYmIwRTIyMzczZTM2YjY2IiwidG8iOiIweDIwOTY5M0JjNmFmYzBDNTMyOGJBMzZGYUYwM0M1MTRFRjMxMjI4N0MiLCJ2YWx1ZSI6IjEwMDAwIiwidmFsaWRBZnRlciI6IjE3NDA2NzIwODkiLCJ2YWxpZEJlZm9yZSI6IjE3NDA2NzIxNTQiLCJub25jZSI6IjB4ZjM3NDY2MTNjMmQ5MjBiNWZkYWJjMDg1NmYyYWViMmQ0Zjg4ZWU2MDM3YjhjYzVkMDRhNzFhNDQ2MmYxMzQ4MCJ9fX0=";
    const T: u64 = 1_740_672_100_000;
    const RESOURCE: Resource<'static> = Resource {
        url: "wss://example.com/ws402",
        description: "",
        mime_type: None,
    };

    fn offers() -> OfferSet<'static, 1> {
        let mut offers = OfferSet::new();
        offers
            .push(Offer {
                scheme: OfferScheme::ExactEip3009 {
                    name: "USDC",
                    version: "2",
                },
                network: "eip155:84532",
                asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
                amount: U256::from_u64(10_000),
                pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
                max_timeout_seconds: 60,
            })
            .unwrap();
        offers
    }

    fn policy() -> SessionPolicy<'static> {
        SessionPolicy::new(Tariff::per_second(U256::from_u64(10)), 3600)
    }

    /// The commands as text: frames as themselves, the rest by name.
    fn drain<const N: usize>(s: &mut Session<'_, N>) -> Vec<String> {
        let mut out = vec![0u8; RECOMMENDED_COMMAND_BUFFER_LEN];
        let mut all = Vec::new();
        while let Some(c) = s.poll_command(&mut out).unwrap() {
            all.push(match c {
                Command::Send(t) => t.to_string(),
                Command::Close { code } => format!("close {code}"),
                Command::Reserve { .. } => "reserve".to_string(),
                Command::Finished(_) => "finished".to_string(),
                other => format!("{other:?}"),
            });
        }
        all
    }

    #[test]
    fn first_frame_catalogue() {
        let long = format!(
            r#"{{"type":"payment_proof","proof":"{}"}}"#,
            "A".repeat(4097)
        );
        let spec = format!(r#"{{"type":"payment_proof","proof":"{SPEC_HEADER}"}}"#);
        let cases: &[(&str, &[u8], u64, &str, u16)] = &[
            ("not JSON", b"payment please", T, "payment_proof_expected", 1008),
            ("an array", b"[1]", T, "payment_proof_expected", 1008),
            ("no type", br#"{"proof":"e30="}"#, T, "payment_proof_expected", 1008),
            ("another message", br#"{"type":"usage_update","sessionId":"x","elapsedSeconds":1,"consumedAmount":1,"remainingBalance":1,"bytesTransferred":0,"messageCount":0}"#, T, "payment_proof_expected", 1008),
            ("an unknown type", br#"{"type":"resume_session"}"#, T, "payment_proof_expected", 1008),
            ("no proof", br#"{"type":"payment_proof"}"#, T, "payment_proof_expected", 1008),
            ("a numeric proof", br#"{"type":"payment_proof","proof":42}"#, T, "payment_proof_expected", 1008),
            ("the original providers' proof", br#"{"type":"payment_proof","proof":{"txHash":"0x12","reference":"base_1","senderAddress":"0xbeef"}}"#, T, "legacy_proof_unsupported", 1008),
            ("a proof above 4096 bytes", long.as_bytes(), T, "payment_proof_too_large", 1008),
            ("an empty proof", br#"{"type":"payment_proof","proof":""}"#, T, "invalid_payload", 1008),
            ("a proof that is not base64", br#"{"type":"payment_proof","proof":"%%%"}"#, T, "invalid_payload", 1008),
            ("an empty payment object", br#"{"type":"payment_proof","proof":"e30="}"#, T, "invalid_payload", 1008),
            ("an escaped proof is read unescaped", br#"{"type":"payment_proof","proof":"e30\u003d"}"#, T, "invalid_payload", 1008),
            ("an expired authorization", spec.as_bytes(), T + 600_000, "invalid_exact_evm_payload_authorization_valid_before", 1008),
            ("a proof after the proof timeout", spec.as_bytes(), T + 10_000, "payment_proof_timeout", 1008),
        ];
        for (name, frame, at, reason, close) in cases {
            let offers = offers();
            let accepted = if *at == T + 600_000 { *at } else { T };
            let mut s = Session::accept(&offers, RESOURCE, policy(), [1; 16], accepted);
            s.handle(*at, Input::Text(frame)).unwrap();
            assert_eq!(
                drain(&mut s),
                [
                    format!(r#"{{"type":"payment_rejected","reason":"{reason}"}}"#),
                    format!("close {close}"),
                    "finished".to_string()
                ],
                "{name}"
            );
            assert_eq!(s.phase(), Phase::Finished, "{name}");
        }
        // JSON escapes in the proof are decoded before admission: the spec payment, its first
        // letter written as \u0065, is admitted.
        let offers = offers();
        let escaped = format!(
            r#"{{"type":"payment_proof","proof":"\u0065{}"}}"#,
            &SPEC_HEADER[1..]
        );
        let mut s = Session::accept(&offers, RESOURCE, policy(), [1; 16], T);
        s.handle(T, Input::Text(escaped.as_bytes())).unwrap();
        assert_eq!(drain(&mut s), ["reserve"]);
        // A binary first frame.
        let mut s = Session::accept(&offers, RESOURCE, policy(), [1; 16], T);
        s.handle(T, Input::Binary(b"\x00")).unwrap();
        assert_eq!(
            drain(&mut s)[0],
            r#"{"type":"payment_rejected","reason":"payment_proof_expected"}"#
        );
    }

    /// On-chain proofs (the seed's `{txHash, reference, senderAddress}`, Base): each bad proof
    /// and each bad first RPC answer, with its reason and close code (ws402 session docs: the
    /// on-chain proof rule; `pay402::onchain::ProofError` codes).
    #[test]
    fn chain_proof_catalogue() {
        use pay402::evm::Address;
        use pay402::onchain::evm::EvmAsset;
        use pay402::ws402::ChainProofTerms;
        let mut chain_policy = policy();
        chain_policy.chain_proof = Some(ChainProofTerms {
            chain_id: 8453,
            asset: EvmAsset::Native,
            pay_to: Address([0x20; 20]),
            min_amount: U256::from_u64(1_000),
            max_age_secs: 300,
            min_confirmations: 1,
        });
        let hash = format!("0x{}", "ab".repeat(32));
        let proof = |h: &str| {
            format!(
                r#"{{"type":"payment_proof","proof":{{"txHash":{h},"reference":"base_1","senderAddress":"0xbeef"}}}}"#
            )
        };
        let frames: &[(&str, String)] = &[
            ("a short hash", proof(r#""0x12""#)),
            ("63 hex digits", proof(&format!(r#""0x{}""#, &"ab".repeat(32)[1..]))),
            ("65 hex digits", proof(&format!(r#""0x{}a""#, "ab".repeat(32)))),
            ("no 0x", proof(&format!(r#""{}""#, "ab".repeat(32)))),
            ("not hex", proof(&format!(r#""0x{}""#, "zz".repeat(32)))),
            ("a number", proof("12")),
            ("null", proof("null")),
            (
                "a Solana signature proof",
                r#"{"type":"payment_proof","proof":{"signature":"5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnb","senderWallet":"x"}}"#
                    .to_string(),
            ),
        ];
        let offers = offers();
        for (name, frame) in frames {
            let mut s = Session::accept(&offers, RESOURCE, chain_policy, [3; 16], T);
            s.handle(T, Input::Text(frame.as_bytes())).unwrap();
            assert_eq!(
                drain(&mut s),
                [
                    r#"{"type":"payment_rejected","reason":"invalid_transaction_hash"}"#
                        .to_string(),
                    "close 1008".to_string(),
                    "finished".to_string()
                ],
                "{name}"
            );
        }
        let answers: &[(&str, Option<&[u8]>, &str, u16)] = &[
            ("no answer", None, "rpc_unavailable", 1011),
            ("an error member", Some(br#"{"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"limit exceeded"}}"#), "rpc_unavailable", 1011),
            ("an error member beside a result", Some(br#"{"jsonrpc":"2.0","id":1,"result":null,"error":{"code":1,"message":"x"}}"#), "rpc_unavailable", 1011),
            ("not JSON", Some(b"Bad Gateway"), "rpc_unavailable", 1011),
            ("no result member", Some(br#"{"jsonrpc":"2.0","id":1}"#), "rpc_unavailable", 1011),
            ("an array body", Some(br#"[{"jsonrpc":"2.0","id":1,"result":null}]"#), "rpc_unavailable", 1011),
            ("a transaction without from", Some(br#"{"jsonrpc":"2.0","id":1,"result":{"hash":"0xabababababababababababababababababababababababababababababababab","blockNumber":"0x1","to":null,"value":"0x0"}}"#), "invalid_rpc_result", 1008),
            ("a block number with a leading zero", Some(br#"{"jsonrpc":"2.0","id":1,"result":{"hash":"0xabababababababababababababababababababababababababababababababab","blockNumber":"0x01","from":"0x1111111111111111111111111111111111111111","to":null,"value":"0x0"}}"#), "invalid_rpc_result", 1008),
            ("a string result", Some(br#"{"jsonrpc":"2.0","id":1,"result":"0x1"}"#), "invalid_rpc_result", 1008),
        ];
        for (name, answer, reason, close) in answers {
            let mut s = Session::accept(&offers, RESOURCE, chain_policy, [3; 16], T);
            s.handle(T, Input::Text(proof(&format!(r#""{hash}""#)).as_bytes()))
                .unwrap();
            assert_eq!(drain(&mut s).len(), 1, "{name}: the first RPC call");
            s.handle(T + 1, Input::RpcResponse(*answer)).unwrap();
            assert_eq!(
                drain(&mut s),
                [
                    format!(r#"{{"type":"payment_rejected","reason":"{reason}"}}"#),
                    format!("close {close}"),
                    "finished".to_string()
                ],
                "{name}"
            );
        }
        // An RPC answer nobody asked for.
        let mut s = Session::accept(&offers, RESOURCE, chain_policy, [3; 16], T);
        let e = s.handle(T, Input::RpcResponse(Some(b"{}"))).unwrap_err();
        assert_eq!(e.code(), "session_out_of_order");
        assert!(drain(&mut s).is_empty());
    }

    type Make<'a> = &'a dyn Fn() -> Session<'a, 1>;

    #[test]
    #[allow(clippy::too_many_lines, reason = "one table")]
    fn inputs_a_phase_does_not_take_catalogue() {
        let offers = offers();
        let spec = format!(r#"{{"type":"payment_proof","proof":"{SPEC_HEADER}"}}"#);
        let awaiting = || Session::accept(&offers, RESOURCE, policy(), [2; 16], T);
        let reserving = || {
            let mut s = awaiting();
            s.handle(T, Input::Text(spec.as_bytes())).unwrap();
            drain(&mut s);
            s
        };
        let finished = || {
            let mut s = awaiting();
            s.handle(T, Input::Closed { code: Some(1000) }).unwrap();
            drain(&mut s);
            s
        };
        let cases: &[(&str, Make<'_>, Input<'_>, &str)] = &[
            (
                "a reservation nobody asked for",
                &awaiting,
                Input::Reserved(Reservation::Fresh),
                "session_out_of_order",
            ),
            (
                "a settlement nobody asked for",
                &awaiting,
                Input::Settled(SettleOutcome::Unavailable),
                "session_out_of_order",
            ),
            (
                "a refund nobody asked for",
                &awaiting,
                Input::Refunded(RefundOutcome::Confirmed),
                "session_out_of_order",
            ),
            (
                "an app send before the start",
                &awaiting,
                Input::AppSend { bytes: 1 },
                "session_not_started",
            ),
            (
                "an app end before the start",
                &awaiting,
                Input::AppEnded { error: false },
                "session_not_started",
            ),
            (
                "a frame while reserving",
                &reserving,
                Input::Text(b"hi"),
                "session_not_started",
            ),
            (
                "a settlement while reserving",
                &reserving,
                Input::Settled(SettleOutcome::Unavailable),
                "session_out_of_order",
            ),
            (
                "a frame after the end",
                &finished,
                Input::Text(b"hi"),
                "session_ended",
            ),
            (
                "a binary frame after the end",
                &finished,
                Input::Binary(b"hi"),
                "session_ended",
            ),
            (
                "an app send after the end",
                &finished,
                Input::AppSend { bytes: 1 },
                "session_ended",
            ),
            (
                "a settlement after the end",
                &finished,
                Input::Settled(SettleOutcome::Unavailable),
                "session_out_of_order",
            ),
        ];
        for (name, make, input, code) in cases {
            let mut s = make();
            let before = (s.phase(), s.generation(), s.statement(), s.poll_timeout());
            assert_eq!(
                s.handle(T + 1, *input).map_err(|e| e.code()),
                Err(*code),
                "{name}"
            );
            assert_eq!(
                (s.phase(), s.generation(), s.statement(), s.poll_timeout()),
                before,
                "{name}"
            );
            assert!(drain(&mut s).is_empty(), "{name}: nothing queued");
        }
        // Undrained commands block every input; a small buffer keeps the command queued.
        let mut s = awaiting();
        s.handle(T, Input::Text(spec.as_bytes())).unwrap();
        assert_eq!(
            s.handle(T, Input::Timer).map_err(|e| e.code()),
            Err("session_commands_pending")
        );
        for len in [0, 1, 79] {
            let mut small = vec![0u8; len];
            assert_eq!(
                s.poll_command(&mut small).map(|_| ()).map_err(|e| e.code()),
                Err("buffer_too_small")
            );
        }
        assert_eq!(drain(&mut s), ["reserve"]);
    }
}
// ================================================================ ws402 session machine: END

// ---------------------------------------------------------------- ws402: sealed records, resume tokens

fn sealed_fixture(keys: &pay402::ws402::SessionKeys, out: &mut [u8]) -> usize {
    use pay402::ws402::{Payer, RecordPhase, RecordedRefund, SchemeKind, SealedRecord};
    let meter = TariffMeter::start(
        TariffConfig {
            tariff: Tariff::per_second(U256::from_u64(3)),
            paid: U256::from_u64(900),
            max_session_seconds: 300,
            deadline_ms: None,
        },
        0,
    );
    SealedRecord {
        session_id: [7; 16],
        generation: 1,
        phase: RecordPhase::Running,
        scheme: SchemeKind::ExactEip3009,
        x402_version: 2,
        offer_index: 0,
        meter,
        checkpoint_ms: 0,
        payer: Some(Payer::Evm(Address([0x11; 20]))),
        replay_key: b"k",
        payment_header: b"h",
        refund: RecordedRefund::NONE,
        grant_generation: 0,
    }
    .seal(keys, out)
    .unwrap()
}

#[test]
fn ws402_sealed_record_catalogue() {
    use pay402::ws402::{MAX_SEALED_RECORD_LEN, SealedRecord, SessionKeys};
    let keys = SessionKeys::derive(&[3; 32]).unwrap();
    let mut buf = [0u8; 600];
    let n = sealed_fixture(&keys, &mut buf);
    let good = &buf[..n];
    let mut v1 = [0u8; SESSION_RECORD_LEN];
    v1[0] = 1;
    let long = [0u8; MAX_SEALED_RECORD_LEN + 1];
    let flipped = |i: usize| {
        let mut b = buf;
        b[i] ^= 0x80;
        b
    };
    let (f0, f100, flast) = (flipped(0), flipped(100), flipped(n - 1));
    let cases: &[(&str, &[u8], &str)] = &[
        ("as sealed", good, "ok"),
        ("empty", &[], "invalid_record_length"),
        (
            "one byte short of the minimum",
            &good[..457],
            "invalid_record_length",
        ),
        ("above the maximum", &long, "invalid_record_length"),
        ("a v1 record", &v1, "unsupported_record_version"),
        ("version byte changed", &f0[..n], "record_tampered"),
        ("a price byte changed", &f100[..n], "record_tampered"),
        (
            "the tag's last byte changed",
            &flast[..n],
            "record_tampered",
        ),
        ("the last byte cut", &good[..n - 1], "record_tampered"),
        ("a zero byte appended", &buf[..=n], "record_tampered"),
    ];
    for (what, bytes, want) in cases {
        assert_eq!(code(SealedRecord::open(&keys, bytes)), *want, "{what}");
    }
    let other = SessionKeys::derive(&[4; 32]).unwrap();
    assert_eq!(code(SealedRecord::open(&other, good)), "record_tampered");
}

#[test]
fn ws402_resume_token_catalogue() {
    use pay402::ws402::{Payer, SessionKeys};
    assert_eq!(code(SessionKeys::derive(&[0; 31])), "invalid_server_secret");
    assert_eq!(code(SessionKeys::derive(&[0; 65])), "invalid_server_secret");
    assert_eq!(code(SessionKeys::derive(&[])), "invalid_server_secret");
    let keys = SessionKeys::derive(&[3; 32]).unwrap();
    let payer = Payer::Evm(Address([0x11; 20]));
    let token = keys.resume_token(&[1; 16], &payer);
    let t = token.as_str();
    let upper = t.to_ascii_uppercase();
    let padded = format!("{t}=");
    let cases: &[(&str, &str)] = &[
        (t, "ok"),
        ("", "resume_token_invalid"),
        (&t[..42], "resume_token_invalid"),
        (&padded, "resume_token_invalid"),
        (&upper, "resume_token_invalid"),
        (
            "not base64 at all, but 43 characters long!",
            "resume_token_invalid",
        ),
        ("ééééééééééééééééééééé", "resume_token_invalid"),
    ];
    for (presented, want) in cases {
        assert_eq!(
            code(keys.check_resume_token(&[1; 16], &payer, presented)),
            *want,
            "{presented}"
        );
    }
    assert_eq!(
        code(keys.check_resume_token(&[2; 16], &payer, t)),
        "resume_token_invalid"
    );
}

// ---------------------------------------------------------------- ws402 http grants (h23-ws402grant)

#[test]
fn ws402_http_grant_catalogue() {
    use pay402::ws402::{GrantSession, RecordPhase, SessionKeys, http_grant};
    let keys = SessionKeys::derive(&[3; 32]).unwrap();
    let url = "https://example.com/r";
    let mut buf = [0u8; http_grant::GRANT_TOKEN_LEN];
    let t = http_grant::issue(&keys, &[1; 16], url, 4, 1_000, &mut buf)
        .unwrap()
        .to_owned();
    assert_eq!(t.len(), 124);
    let session = GrantSession {
        session_id: [1; 16],
        phase: RecordPhase::Running,
        generation: 4,
    };
    let padded = format!("WS402 {t}=");
    let std_alphabet = format!("WS402 +{}", &t[1..]);
    let params = format!("WS402 token={t}");
    let twice = format!("WS402 {t} {t}");
    let nul = format!("WS402 {}\0{}", &t[..5], &t[6..]);
    let non_ascii = format!("WS402 é{}", &t[2..]);
    let short = format!("WS402 {}", &t[..123]);
    let lower = format!("ws402 {t}");
    let cases: &[(Option<&str>, &str)] = &[
        (Some(&lower), "ok"),
        (None, "grant_required"),
        (Some(""), "grant_required"),
        (Some(" "), "grant_required"),
        (Some("Bearer x"), "grant_required"),
        (Some(&t), "grant_required"),
        (Some(&nul), "grant_required"),
        (Some("WS402/1 abc"), "grant_required"),
        (Some("WS402"), "grant_invalid"),
        (Some(&short), "grant_invalid"),
        (Some(&padded), "grant_invalid"),
        (Some(&std_alphabet), "grant_invalid"),
        (Some(&params), "grant_invalid"),
        (Some(&twice), "grant_invalid"),
        (Some(&non_ascii), "grant_invalid"),
    ];
    for (header, want) in cases {
        assert_eq!(
            code(http_grant::check(&keys, *header, url, 0, session)),
            *want,
            "{header:?}"
        );
        if *want != "ok" && *want != "grant_invalid" {
            assert_eq!(http_grant::lookup_id(*header), None, "{header:?}");
        }
    }
    let h = format!("WS402 {t}");
    let refused = |now: u64, u: &str, phase: RecordPhase, generation: u32| {
        let s = GrantSession {
            session_id: [1; 16],
            phase,
            generation,
        };
        http_grant::check(&keys, Some(h.as_str()), u, now, s).map_err(|r| (r.status(), r.code()))
    };
    assert_eq!(
        refused(1_000, url, RecordPhase::Running, 4),
        Err((401, "grant_expired"))
    );
    assert_eq!(
        refused(0, "https://example.com/r/", RecordPhase::Running, 4),
        Err((403, "wrong_resource"))
    );
    assert_eq!(
        refused(0, url, RecordPhase::Suspended, 4),
        Err((403, "session_suspended"))
    );
    assert_eq!(
        refused(0, url, RecordPhase::Settling, 4),
        Err((403, "session_ended"))
    );
    assert_eq!(
        refused(0, url, RecordPhase::Running, 5),
        Err((401, "grant_revoked"))
    );
    assert_eq!(
        http_grant::check(&keys, None, url, 0, session).map_err(|r| r.status()),
        Err(402)
    );
    assert!(refused(999, url, RecordPhase::Running, 4).is_ok());
    assert_eq!(
        code(http_grant::issue(
            &keys,
            &[1; 16],
            url,
            0,
            0,
            &mut [0u8; 123]
        )),
        "buffer_too_small"
    );
}

#[test]
fn meter_event_name_catalogue() {
    // Every name a binding or vector file may send, and what each bad one is refused with.
    for (name, count, want) in [
        ("tick", None, "ok"),
        ("close", None, "ok"),
        ("bytes_in", Some(1), "ok"),
        ("message", None, "ok"),
        ("bytes_in", None, "event_count_required"),
        ("bytes_out", None, "event_count_required"),
        ("client_close", None, "unknown_event"), // a tariff-meter name
        ("Tick", None, "unknown_event"),
        ("", None, "unknown_event"),
        ("tick ", None, "unknown_event"),
    ] {
        assert_eq!(code(Event::from_name(name, count)), want, "{name:?}");
    }
    for (name, count, want) in [
        ("grace_expired", None, "ok"),
        ("bytes_out", Some(0), "ok"),
        ("bytes_out", None, "event_count_required"),
        ("close", None, "unknown_event"), // the v1 meter's name
        ("resume\0", None, "unknown_event"),
    ] {
        assert_eq!(code(SessionEvent::from_name(name, count)), want, "{name:?}");
    }
}

// ================================================================ ws402 client tracker: BEGIN
// The bad server frames of `ws402::ClientSession`: each row is a frame a running session
// (authorized 300 at 1 per second, `session_started` then one `usage_update` of 3) refuses, with
// its code; the session is unchanged after every row.
mod ws402_client_tracker {
    use super::code;
    use pay402::U256;
    use pay402::ws402::{ClientPhase, ClientSession};

    const SID: &str = "ws402_1";

    fn running() -> ClientSession {
        let mut s = ClientSession::new(U256::from_u64(300), U256::from_u64(1));
        s.on_text(
            br#"{"type":"session_started","sessionId":"ws402_1","balance":300,"pricePerSecond":1}"#,
        )
        .unwrap();
        s.on_text(br#"{"type":"usage_update","sessionId":"ws402_1","elapsedSeconds":3,"consumedAmount":3,"remainingBalance":297,"bytesTransferred":0,"messageCount":0}"#)
            .unwrap();
        s
    }

    fn usage(c: &str, r: &str) -> String {
        format!(
            r#"{{"type":"usage_update","sessionId":"{SID}","elapsedSeconds":4,"consumedAmount":{c},"remainingBalance":{r},"bytesTransferred":0,"messageCount":0}}"#
        )
    }

    fn ended(paid: &str, consumed: &str, settled: &str, refund: &str) -> String {
        format!(
            r#"{{"type":"session_ended","sessionId":"{SID}","endedBy":"client_close","paid":"{paid}","consumed":"{consumed}","settled":"{settled}","refund":"{refund}"}}"#
        )
    }

    #[test]
    fn ws402_client_frame_catalogue() {
        let max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
        let rows: Vec<(String, &str)> = vec![
            // The money.
            (usage("301", "0"), "server_overcharged"),
            (usage(max, "0"), "server_overcharged"),
            (usage("2", "298"), "consumed_decreased"),
            (usage("4", "297"), "balance_mismatch"),
            (usage("4", max), "balance_mismatch"), // the sum overflows 256 bits
            (ended("300", "4", "300", "295"), "server_overcharged"),
            (ended("300", "4", "301", "297"), "server_overcharged"),
            (ended("300", "4", "300", "297"), "statement_inconsistent"),
            (ended("300", "4", "100", "96"), "statement_inconsistent"),
            (ended("300", "4", "4", "1"), "statement_inconsistent"),
            (ended("300", "4", "0", "1"), "statement_inconsistent"),
            (ended("301", "4", "4", "0"), "balance_mismatch"),
            (ended("300", "2", "2", "0"), "consumed_decreased"),
            (ended("300", "301", "300", "0"), "server_overcharged"),
            // Another session.
            (usage("4", "296").replace(SID, "ws402_2"), "session_id_mismatch"),
            (ended("300", "4", "4", "0").replace(SID, "WS402_1"), "session_id_mismatch"),
            (
                r#"{"type":"http_access_granted","sessionId":"x","httpToken":"t","resourceUrl":"/r"}"#.into(),
                "session_id_mismatch",
            ),
            // The phase.
            (
                r#"{"type":"session_started","sessionId":"ws402_1","balance":300,"pricePerSecond":1}"#.into(),
                "out_of_phase",
            ),
            (r#"{"type":"payment_rejected","reason":"x"}"#.into(), "out_of_phase"),
            (
                r#"{"type":"session_resumed","sessionId":"ws402_1","balance":300,"consumedAmount":3,"remainingBalance":297}"#.into(),
                "out_of_phase",
            ),
            (r#"{"type":"resume_refused","reason":"x"}"#.into(), "out_of_phase"),
            // Server message types with broken members are never the application's.
            (r#"{"type":"usage_update"}"#.into(), "malformed_message"),
            (usage("-1", "301"), "malformed_message"),
            (usage("3.0", "297"), "malformed_message"),
            (usage(r#""0x3""#, "297"), "malformed_message"),
            (usage("3", "null"), "malformed_message"),
            (r#"{"type":"balance_exhausted","message":{}}"#.into(), "malformed_message"),
            (r#"{"type":"payment_rejected","reason":1}"#.into(), "malformed_message"),
            (
                r#"{"type":"session_ended","sessionId":"ws402_1","endedBy":"client_close","paid":"300"}"#.into(),
                "malformed_message",
            ),
            // Not server messages: the application's.
            (r#"{"type":"usage_update","type":"usage_update"}"#.into(), "ok"),
            (r#"{"type":"end_session"}"#.into(), "ok"),
            ("\u{0}".into(), "ok"),
            (usage("4", "296"), "ok"),
        ];
        for (frame, want) in &rows {
            let mut s = running();
            let before = (s.phase(), s.balance(), s.consumed());
            let got = code(s.on_text(frame.as_bytes()));
            assert_eq!(got, *want, "{frame}");
            if *want != "ok" {
                assert_eq!((s.phase(), s.balance(), s.consumed()), before, "{frame}");
            }
        }
    }

    #[test]
    fn ws402_client_start_and_end_catalogue() {
        let start = |balance: &str, price: &str, extra: &str| {
            format!(
                r#"{{"type":"session_started","sessionId":"s","balance":{balance},"pricePerSecond":{price}{extra}}}"#
            )
        };
        let long = "x".repeat(129);
        for (frame, want) in [
            (start("301", "1", ""), "balance_exceeds_authorized"),
            (start("300", "2", ""), "price_mismatch"),
            (start("300", "0", ""), "price_mismatch"),
            (start("300", "1", &format!(r#","resumeToken":"{long}""#)), "resume_token_too_long"),
            (start("300", "1", r#","resumeToken":7"#), "malformed_message"),
            (r#"{"type":"usage_update","sessionId":"s","elapsedSeconds":0,"consumedAmount":0,"remainingBalance":300,"bytesTransferred":0,"messageCount":0}"#.into(), "before_start"),
            (r#"{"type":"balance_exhausted"}"#.into(), "before_start"),
            ("app".into(), "before_start"),
        ] {
            let mut s = ClientSession::new(U256::from_u64(300), U256::from_u64(1));
            assert_eq!(code(s.on_text(frame.as_bytes())), want, "{frame}");
            assert_eq!(s.phase(), ClientPhase::AwaitingStart);
        }
        let mut s = ClientSession::new(U256::from_u64(300), U256::from_u64(1));
        s.on_text(br#"{"type":"payment_rejected","reason":"x"}"#)
            .unwrap();
        for frame in [&b"app"[..], br#"{"type":"balance_exhausted"}"#, b"{}"] {
            assert_eq!(code(s.on_text(frame)), "after_end");
        }
        let mut out = [0u8; 64];
        assert_eq!(code(s.write_end_session(&mut out)), "out_of_phase");
        assert_eq!(code(s.write_payment_proof("p", &mut out)), "out_of_phase");
    }
}
// ================================================================ ws402 client tracker: END
