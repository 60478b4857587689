//! What a 402 of the host says about why it is sent: the code (`error`), the detail code
//! (`errorDetail`) and a message (`errorMessage`), in the body the core writes; the
//! `PAYMENT-REQUIRED` header keeps the code only. Bodies are checked against the x402 v1 HTTP
//! transport's shape (<https://github.com/coinbase/x402/blob/main/specs/transports-v1/http.md>)
//! written by hand here.

#![allow(clippy::unwrap_used)] // a specification: a failed unwrap is a failed test

use base64::Engine;
use pay402_host::x402_server::{OfferConfig, Reply, ResourceConfig, X402Server};
use serde_json::{Value, json};

fn eip3009() -> OfferConfig {
    OfferConfig {
        scheme: "exact".into(),
        network: "eip155:84532".into(),
        asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e".into(),
        amount: "10000".into(),
        pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C".into(),
        max_timeout_seconds: Some(60),
        eip712_name: Some("USDC".into()),
        eip712_version: Some("2".into()),
        ..OfferConfig::default()
    }
}

fn upto() -> OfferConfig {
    OfferConfig {
        scheme: "upto".into(),
        facilitator: Some("0x000000000000000000000000000000000000dEaD".into()),
        eip712_name: None,
        eip712_version: None,
        ..eip3009()
    }
}

fn server(offers: Vec<OfferConfig>) -> X402Server {
    X402Server::new(
        offers,
        ResourceConfig {
            url: "https://api.example.com/premium-data".into(),
            description: "Access to premium market data".into(),
            mime_type: Some("application/json".into()),
        },
    )
    .unwrap()
}

fn body(reply: &Reply) -> Value {
    serde_json::from_slice(reply.body.as_ref().unwrap()).unwrap()
}

fn header_json(reply: &Reply) -> Value {
    let (_, value) = reply
        .headers
        .iter()
        .find(|(n, _)| n == "PAYMENT-REQUIRED")
        .unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(value)
            .unwrap(),
    )
    .unwrap()
}

/// `body` without `accepts` and `errorMessage`, and the message.
fn split(mut body: Value) -> (Value, Option<String>) {
    let o = body.as_object_mut().unwrap();
    o.remove("accepts");
    let message = o
        .remove("errorMessage")
        .map(|m| m.as_str().unwrap().to_owned());
    (body, message)
}

#[test]
fn an_unpaid_request_gets_payment_required_with_a_message() {
    let reply = server(vec![eip3009()])
        .admit([("accept", "*/*")], 1_740_672_100)
        .unwrap_err();
    assert_eq!((reply.status, reply.code), (402, "payment_required"));
    let (problem, message) = split(body(&reply));
    assert_eq!(
        problem,
        json!({"x402Version": 1, "error": "payment_required"})
    );
    assert!(message.is_some_and(|m| m.contains("PAYMENT-SIGNATURE")));
    let header = header_json(&reply);
    assert_eq!(header["error"], "payment_required");
    assert!(header.get("errorMessage").is_none());
}

#[test]
fn a_refusal_with_a_detail_code_carries_it_in_the_body() {
    // A v2 payment without the members x402 v2 requires (`accepted`, `payload`).
    let payment = json!({"x402Version": 2});
    let value = base64::engine::general_purpose::STANDARD.encode(payment.to_string());
    let reply = server(vec![upto()])
        .admit([("PAYMENT-SIGNATURE", value.as_str())], 1_740_672_100)
        .unwrap_err();
    assert_eq!(
        (reply.status, reply.code, reply.detail_code),
        (402, "invalid_payload", Some("missing_field"))
    );
    // `upto` is sold in x402 v2 only: the body is the problem alone.
    let (problem, message) = split(body(&reply));
    assert_eq!(
        problem,
        json!({"error": "invalid_payload", "errorDetail": "missing_field"})
    );
    assert!(message.is_some_and(|m| !m.is_empty()));
}

#[test]
fn challenge_takes_a_code_and_an_optional_message() {
    let s = server(vec![eip3009()]);
    let reply = s
        .challenge(
            Some("aborted"),
            Some("quota \"daily\"\nexceeded — try tomorrow"),
        )
        .unwrap();
    assert_eq!(reply.status, 402);
    let (problem, message) = split(body(&reply));
    assert_eq!(problem, json!({"x402Version": 1, "error": "aborted"}));
    assert_eq!(
        message.as_deref(),
        Some("quota \"daily\"\nexceeded — try tomorrow")
    );
    assert_eq!(header_json(&reply)["error"], "aborted");

    let (problem, message) = split(body(&s.challenge(Some("aborted"), None).unwrap()));
    assert_eq!(
        (problem, message),
        (json!({"x402Version": 1, "error": "aborted"}), None)
    );
    let (problem, _) = split(body(&s.challenge(None, None).unwrap()));
    assert_eq!(problem, json!({"x402Version": 1}));

    let err = s.challenge(None, Some("why")).unwrap_err();
    assert_eq!(err.code, "message_without_code");
}

#[test]
fn a_v2_only_challenge_without_a_problem_is_the_empty_object() {
    let s = server(vec![upto()]);
    assert_eq!(
        s.challenge(None, None).unwrap().body.as_deref(),
        Some(&b"{}"[..])
    );
    assert_eq!(
        body(&s.challenge(Some("aborted"), Some("no")).unwrap()),
        json!({"error": "aborted", "errorMessage": "no"})
    );
}
