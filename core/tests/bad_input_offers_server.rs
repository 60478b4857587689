//! The bad-input catalogue of the offers server (`pay402::offers::OffersServer`): each broken
//! configuration, bearer token, payment request and webhook, with the exact error code and
//! refusal status it must produce — never a panic, never a different code. Expected values
//! come from the l402-protocol/l402 README (v0.2.2 bodies, the `Fewsats-Signature` rule
//! `HMAC-SHA256(secret, "<t>.<body>")`) and from the server's documented rules.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::many_single_char_names,
    clippy::needless_pass_by_value,
    clippy::format_collect,
    clippy::too_many_lines
)]

use hmac::{Hmac, KeyInit, Mac};
use pay402::ErrorCode;
use pay402::offers::{
    MAX_BODY_BYTES, OffersConfig, OffersError, OffersServer, PaymentDetails, RequestOutcome, Step,
    WebhookAck, WebhookOutcome, credit_record, refusal_status, write_refusal, write_webhook_ack,
};
use pay402::writer::Writer;
use sha2::Sha256;

const OFFERS: &str = r#"[
  {"id":"offer_0001","title":"Pro","type":"top-up","balance":10,"amount":10,"currency":"USD",
   "payment_methods":["lightning","fake-pay"]},
  {"id":"offer_0003","title":"Unlimited","type":"subscription","duration":"1 month",
   "amount":500,"currency":"USD","payment_methods":["lightning","onchain","credit_card"]}]"#;
const SECRET: &[u8] = &[0x5a; 32];
const WHSEC: &[u8] = b"whsec_catalogue";
const NOW: u64 = 1_767_225_000;

fn code<T>(r: Result<T, OffersError>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

fn server() -> OffersServer<'static> {
    OffersServer::new(
        OffersConfig::new(OFFERS.as_bytes(), "https://api.test/pr", WHSEC),
        SECRET,
    )
    .unwrap()
}

/// The signature computed independently of the code under test (hmac crate, the README rule).
fn sign(t: u64, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(WHSEC).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("t={t},v1={hex}")
}

fn flip_last(header: &str) -> String {
    let (head, last) = header.split_at(header.len() - 1);
    format!("{head}{}", if last == "0" { "1" } else { "0" })
}

#[test]
fn configuration_catalogue() {
    let cfg =
        |offers: &'static str| OffersConfig::new(offers.as_bytes(), "https://api.test/pr", WHSEC);
    let cases: &[(&str, &str)] = &[
        (OFFERS, "ok"),
        ("[]", "no_offers"),
        ("{}", "wrong_type"),
        ("[1]", "not_an_object"),
        (
            r#"[{"id":"a","type":"top-up","amount":1,"currency":"USD"}]"#,
            "missing_field",
        ),
        (
            r#"[{"id":"a","type":"subscription","duration":"forever","amount":1,"currency":"USD"}]"#,
            "invalid_value",
        ),
        (
            r#"[{"id":"a","type":"pay-per-call","amount":1,"currency":"USD"}]"#,
            "unknown_offer_type",
        ),
        (
            r#"[{"id":"a","type":"one-time","amount":1,"currency":"USD"},{"id":"a","type":"one-off","amount":2,"currency":"USD"}]"#,
            "duplicate_offer_id",
        ),
        ("[", "invalid_json"),
    ];
    for (offers, want) in cases {
        assert_eq!(
            code(OffersServer::new(cfg(offers), SECRET)),
            *want,
            "{offers}"
        );
    }
    assert_eq!(
        code(OffersServer::new(cfg(OFFERS), &[1; 31])),
        "invalid_server_secret"
    );
    assert_eq!(
        code(OffersServer::new(cfg(OFFERS), &[1; 65])),
        "invalid_server_secret"
    );
    let no_url = OffersConfig::new(OFFERS.as_bytes(), "", WHSEC);
    assert_eq!(code(OffersServer::new(no_url, SECRET)), "missing_field");
    let no_whsec = OffersConfig::new(OFFERS.as_bytes(), "https://api.test/pr", b"");
    assert_eq!(code(OffersServer::new(no_whsec, SECRET)), "missing_field");
}

#[test]
fn bearer_token_catalogue() {
    let s = server();
    let good = s.mint(&[7; 16]);
    let upper = good.as_str().to_uppercase().replacen("PCT_", "pct_", 1);
    let short = &good.as_str()[..67];
    let cases: Vec<(Option<String>, &str)> = vec![
        (None, "challenge"),
        (Some("Basic dXNlcjpwYXNz".into()), "challenge"),
        (Some(format!("Bearer {}", good.as_str())), "challenge"),
        (Some(format!("bearer   {}", good.as_str())), "challenge"),
        (Some("Bearer pct_".into()), "invalid_payment_context_token"),
        (
            Some(format!("Bearer {short}")),
            "invalid_payment_context_token",
        ),
        (
            Some(format!("Bearer {upper}")),
            "invalid_payment_context_token",
        ),
        (
            Some(format!("Bearer x{}", &good.as_str()[1..])),
            "invalid_payment_context_token",
        ),
        (
            Some(format!(
                "Bearer {}",
                OffersServer::new(
                    OffersConfig::new(OFFERS.as_bytes(), "https://api.test/pr", WHSEC),
                    &[0x5b; 32]
                )
                .unwrap()
                .mint(&[7; 16])
                .as_str()
            )),
            "invalid_payment_context_token",
        ),
    ];
    let mut buf = [0u8; 2048];
    for (auth, want) in cases {
        let got = match s.request(
            auth.as_deref(),
            None,
            NOW,
            &[1; 16],
            &mut Writer::new(&mut buf),
        ) {
            Ok(RequestOutcome::Challenge { reply, .. }) => {
                assert_eq!(reply.status, 402);
                "challenge"
            }
            Ok(RequestOutcome::Serve { .. }) => "serve",
            Err(e) => {
                assert_eq!(refusal_status(Step::Request, &e), 401);
                e.code()
            }
        };
        assert_eq!(got, want, "{auth:?}");
    }
    let auth = format!("Bearer {}", good.as_str());
    let r = s.request(
        Some(&auth),
        Some(&[0u8; 26]),
        NOW,
        &[1; 16],
        &mut Writer::new(&mut buf),
    );
    assert_eq!(code(r), "invalid_entitlement_record");
    assert_eq!(
        refusal_status(Step::Request, &OffersError::InvalidRecord),
        500
    );
}

#[test]
fn a_body_longer_than_the_limit_is_refused_unread_with_413_at_every_step() {
    let s = server();
    let t = s.mint(&[2; 16]);
    let pad = " ".repeat(MAX_BODY_BYTES);
    let body = format!(
        r#"{{"offer_id":"offer_0001","payment_method":"lightning","payment_context_token":"{}"}}{pad}"#,
        t.as_str()
    );
    assert_eq!(
        code(s.payment_request(body.as_bytes())),
        "request_body_too_large"
    );
    assert_eq!(
        code(s.webhook(Some("t=1,v1=00"), body.as_bytes(), NOW)),
        "request_body_too_large"
    );
    // One byte under the limit is read (and then judged on its content).
    let fits = &body.as_bytes()[..MAX_BODY_BYTES];
    assert_eq!(code(s.payment_request(fits)), "ok");
    for step in [Step::Request, Step::PaymentRequest, Step::Webhook] {
        let mut buf = [0u8; 256];
        let mut w = Writer::new(&mut buf);
        let reply = write_refusal(step, &OffersError::BodyTooLarge, &mut w).unwrap();
        assert_eq!(reply.status, 413);
        assert!(
            w.written()
                .starts_with(br#"{"error":"request_body_too_large","message":"#)
        );
    }
}

#[test]
fn payment_request_catalogue() {
    let s = server();
    let t = s.mint(&[2; 16]);
    let t = t.as_str();
    let cases: Vec<(String, &str)> = vec![
        (format!(r#"{{"offer_id":"offer_0001","payment_method":"lightning","payment_context_token":"{t}"}}"#), "ok"),
        (format!(r#"{{"offer_id":"offer_0003","payment_method":"onchain","payment_context_token":"{t}","chain":"base-mainnet","asset":"usdc"}}"#), "ok"),
        (format!(r#"{{"offer_id":"offer_0003","payment_method":"onchain","payment_context_token":"{t}","asset":"usdc"}}"#), "missing_field"),
        (format!(r#"{{"offer_id":"offer_9999","payment_method":"lightning","payment_context_token":"{t}"}}"#), "unknown_offer"),
        (format!(r#"{{"offer_id":"offer_0001","payment_method":"credit_card","payment_context_token":"{t}"}}"#), "payment_method_not_offered"),
        (r#"{"offer_id":"offer_0001","payment_method":"lightning","payment_context_token":"demo-token-123"}"#.into(), "invalid_payment_context_token"),
        (r#"{"offer_id":"offer_0001","payment_method":"lightning"}"#.into(), "missing_field"),
        ("[]".into(), "not_an_object"),
        ("{".into(), "invalid_json"),
    ];
    for (body, want) in &cases {
        let r = s.payment_request(body.as_bytes());
        if let Err(e) = &r {
            assert_eq!(refusal_status(Step::PaymentRequest, e), 400);
        }
        assert_eq!(code(r), *want, "{body}");
    }
    let lightning = &cases[0].0;
    let mut buf = [0u8; 1024];
    let none = PaymentDetails::default();
    assert_eq!(
        code(s.payment_request_reply(lightning.as_bytes(), &none, NOW, &mut Writer::new(&mut buf))),
        "no_payment_option"
    );
    let wrong_kind = PaymentDetails {
        checkout_url: Some("https://pay.test/c"),
        ..none
    };
    assert_eq!(
        code(s.payment_request_reply(
            lightning.as_bytes(),
            &wrong_kind,
            NOW,
            &mut Writer::new(&mut buf)
        )),
        "no_payment_option"
    );
    let stale = PaymentDetails {
        lightning_invoice: Some("lnbc1"),
        expires_at: Some(NOW),
        ..none
    };
    assert_eq!(
        code(s.payment_request_reply(
            lightning.as_bytes(),
            &stale,
            NOW,
            &mut Writer::new(&mut buf)
        )),
        "payment_details_expired"
    );
    // The answer: the provider's expiry when sooner than ten minutes, RFC 3339 in UTC.
    let fresh = PaymentDetails {
        lightning_invoice: Some("lnbc1"),
        expires_at: Some(NOW + 60),
        ..none
    };
    let mut w = Writer::new(&mut buf);
    let (reply, expires_at) = s
        .payment_request_reply(lightning.as_bytes(), &fresh, NOW, &mut w)
        .unwrap();
    assert_eq!((reply.status, expires_at), (200, NOW + 60));
    assert_eq!(
        core::str::from_utf8(w.written()).unwrap(),
        r#"{"version":"0.2.2","offer_id":"offer_0001","payment_request":{"lightning_invoice":"lnbc1"},"expires_at":"2025-12-31T23:51:00Z"}"#
    );
}

#[test]
fn webhook_catalogue() {
    let s = server();
    let t = s.mint(&[4; 16]);
    let t = t.as_str();
    let event = |offer: &str, amount: &str, currency: &str, status: &str, ts: &str| {
        format!(
            r#"{{"offer_id":"{offer}","payment_context_token":"{t}","amount":{amount},"currency":"{currency}","status":"{status}"{ts}}}"#
        )
    };
    let paid = event(
        "offer_0001",
        "10",
        "USD",
        "paid",
        &format!(r#","timestamp":{NOW}"#),
    );
    // (signature header, body, expected code, expected status)
    let cases: Vec<(Option<String>, String, &str, u16)> = vec![
        (Some(sign(NOW, &paid)), paid.clone(), "ok", 200),
        (None, paid.clone(), "webhook_header_malformed", 401),
        (
            Some("t=1,v1=zz".into()),
            paid.clone(),
            "webhook_header_malformed",
            401,
        ),
        (
            Some(sign(NOW - 301, &paid)),
            paid.clone(),
            "webhook_timestamp_out_of_tolerance",
            401,
        ),
        (
            Some(flip_last(&sign(NOW, &paid))),
            paid.clone(),
            "webhook_signature_mismatch",
            401,
        ),
        (
            Some(sign(NOW, &paid)),
            paid.replace("10", "11"),
            "webhook_signature_mismatch",
            401,
        ),
        (Some(sign(NOW, "[]")), "[]".into(), "not_an_object", 400),
        {
            let b = event("offer_0001", "11", "USD", "paid", "");
            (Some(sign(NOW, &b)), b, "webhook_payment_mismatch", 400)
        },
        {
            let b = event("offer_0001", "10", "EUR", "paid", "");
            (Some(sign(NOW, &b)), b, "webhook_payment_mismatch", 400)
        },
        {
            let b = event("offer_0042", "10", "USD", "paid", "");
            (Some(sign(NOW, &b)), b, "unknown_offer", 400)
        },
        {
            let b = event(
                "offer_0001",
                "10",
                "USD",
                "paid",
                &format!(r#","timestamp":{}"#, NOW - 3 * 86_400 - 1),
            );
            (
                Some(sign(NOW, &b)),
                b,
                "webhook_timestamp_out_of_tolerance",
                401,
            )
        },
        {
            let b = event(
                "offer_0001",
                "10",
                "USD",
                "paid",
                r#","timestamp":"yesterday""#,
            );
            (Some(sign(NOW, &b)), b, "invalid_value", 400)
        },
        {
            let b = paid.replace(t, "demo-token-123");
            (Some(sign(NOW, &b)), b, "invalid_payment_context_token", 400)
        },
    ];
    for (sig, body, want, status) in &cases {
        let r = s.webhook(sig.as_deref(), body.as_bytes(), NOW);
        match &r {
            Err(e) => assert_eq!(refusal_status(Step::Webhook, e), *status, "{body}"),
            Ok(_) => assert_eq!(*status, 200),
        }
        assert_eq!(code(r), *want, "{sig:?} {body}");
    }
    // A mismatch names the member in its detail code.
    let mut buf = [0u8; 512];
    let mut w = Writer::new(&mut buf);
    let reply = write_refusal(
        Step::Webhook,
        &OffersError::WebhookMismatch("amount"),
        &mut w,
    )
    .unwrap();
    assert_eq!(reply.status, 400);
    assert!(
        core::str::from_utf8(w.written())
            .unwrap()
            .starts_with(r#"{"error":"webhook_payment_mismatch","detail":"amount","message":"#)
    );
    // A status that is not a payment grants nothing; the same event signed again keeps its key.
    let pending = event("offer_0001", "10", "USD", "pending", "");
    assert_eq!(
        s.webhook(Some(&sign(NOW, &pending)), pending.as_bytes(), NOW),
        Ok(WebhookOutcome::NotPaid)
    );
    let WebhookOutcome::Paid(a) = s
        .webhook(Some(&sign(NOW, &paid)), paid.as_bytes(), NOW)
        .unwrap()
    else {
        panic!()
    };
    let WebhookOutcome::Paid(b) = s
        .webhook(Some(&sign(NOW + 100, &paid)), paid.as_bytes(), NOW + 100)
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(a.replay_key, b.replay_key);
    assert_eq!(a.replay_expires_at, NOW + 3 * 86_400 + 300);
    let mut w = Writer::new(&mut buf);
    assert_eq!(
        write_webhook_ack(WebhookAck::Duplicate, &mut w)
            .unwrap()
            .status,
        200
    );
    assert_eq!(w.written(), br#"{"received":true,"result":"duplicate"}"#);
    // Crediting: a corrupt record or an overflow is refused.
    assert_eq!(
        code(credit_record(Some(&[1, 2, 3]), a.grant, NOW)),
        "invalid_entitlement_record"
    );
    let full = credit_record(
        None,
        pay402::offers::Grant::TopUp { credits: u64::MAX },
        NOW,
    )
    .unwrap();
    assert_eq!(
        code(credit_record(Some(&full), a.grant, NOW)),
        "entitlement_overflow"
    );
}
