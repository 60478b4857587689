//! The exactly-once rules of one paid request, as the host drives them: a real x402 v2
//! EIP-3009 payment (from the peer-generated server vectors) admitted, then each outcome of the
//! handler and of `/settle`. Receipts are checked by decoding them, not against this crate.

#![allow(clippy::unwrap_used)] // a specification: a failed unwrap is a failed test

use base64::Engine;
use pay402_host::x402_server::{Admitted, OfferConfig, ResourceConfig, StepAction, X402Server};
use serde_json::{Value, json};

struct Case {
    server: X402Server,
    headers: Vec<(String, String)>,
    now: u64,
}

/// The first admitted x402 v2 EIP-3009 case of the server vectors.
fn v2_case() -> Case {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/conformance/vectors/server-admit.json"
    );
    let suite: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let case = suite["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["expect"]["ok"]["admitted"] == true
                && c["expect"]["ok"]["x402Version"] == 2
                && c["input"]["offers"][0]["eip712_name"].is_string()
        })
        .unwrap();
    let input = &case["input"];
    let text = |v: &Value, k: &str| v[k].as_str().map(str::to_owned);
    let offers = input["offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| OfferConfig {
            scheme: text(o, "scheme").unwrap(),
            network: text(o, "network").unwrap(),
            asset: text(o, "asset").unwrap(),
            amount: text(o, "amount").unwrap(),
            pay_to: text(o, "pay_to").unwrap(),
            max_timeout_seconds: o["max_timeout_seconds"].as_u64(),
            eip712_name: text(o, "eip712_name"),
            eip712_version: text(o, "eip712_version"),
            ..OfferConfig::default()
        })
        .collect();
    let r = &input["resource"];
    let resource = ResourceConfig {
        url: text(r, "url").unwrap(),
        description: text(r, "description").unwrap_or_default(),
        mime_type: text(r, "mime_type"),
    };
    let headers = input["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h[0].as_str().unwrap().to_owned(),
                h[1].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    Case {
        server: X402Server::new(offers, resource).unwrap(),
        headers,
        now: input["now"].as_u64().unwrap(),
    }
}

fn admitted(case: &Case) -> Admitted {
    case.server
        .admit(
            case.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            case.now,
        )
        .unwrap()
}

fn decode_header(headers: &[(String, String)], name: &str) -> Value {
    let value = &headers.iter().find(|(n, _)| n == name).unwrap().1;
    serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(value)
            .unwrap(),
    )
    .unwrap()
}

/// The 402 body as JSON, its `errorMessage` checked to be a non-empty string and removed (a
/// message is free text; the rest is compared exactly).
fn body_without_message(body: Option<&Vec<u8>>) -> (Value, String) {
    let mut body: Value = serde_json::from_slice(body.unwrap()).unwrap();
    let message = body
        .as_object_mut()
        .unwrap()
        .remove("errorMessage")
        .and_then(|m| m.as_str().map(str::to_owned))
        .unwrap(); // a string errorMessage
    assert!(!message.is_empty());
    (body, message)
}

/// The v1 body's members besides `accepts`.
fn problem_of(body: &Value) -> Value {
    let mut body = body.clone();
    let accepts = body.as_object_mut().unwrap().remove("accepts").unwrap();
    assert_eq!(accepts.as_array().unwrap().len(), 1, "the one v1 offer");
    body
}

fn settled_ok(network: &str) -> Value {
    json!({"success": true, "transaction": format!("0x{}", "ab".repeat(32)), "network": network, "payer": "0x8f888f783dbdc7344cc5e69d21df6a1b4e885427"})
}

#[test]
fn handler_success_then_settlement_serves_with_the_receipt() {
    let case = v2_case();
    let admitted = admitted(&case);
    let mut ex = case.server.exchange(&admitted, false).unwrap();
    assert_eq!(ex.reserved(true).unwrap().action, StepAction::RunHandler);
    let step = ex.handled(200).unwrap();
    assert_eq!((step.action, step.attempt), (StepAction::Settle, 1));
    let body: Value = serde_json::from_slice(&ex.settle_request(None).unwrap()).unwrap();
    assert_eq!(body["x402Version"], 2);
    assert_eq!(
        body["paymentPayload"],
        serde_json::from_str::<Value>(&admitted.payment_json).unwrap()
    );
    let response = settled_ok(body["paymentRequirements"]["network"].as_str().unwrap());
    let step = ex.settled(Some(response.to_string().as_bytes())).unwrap();
    assert_eq!((step.action, step.status), (StepAction::Serve, 200));
    assert_eq!(decode_header(&step.headers, "PAYMENT-RESPONSE"), response);
    assert!(step.body.is_none(), "the handler's body is served");
}

#[test]
fn a_failed_handler_settles_nothing_and_releases_the_reservation() {
    let case = v2_case();
    let mut ex = case.server.exchange(&admitted(&case), false).unwrap();
    ex.reserved(true).unwrap();
    let step = ex.handled(500).unwrap();
    assert_eq!(
        (step.action, step.status),
        (StepAction::ReleaseReservation, 500)
    );
    assert!(
        ex.settled(None).is_err(),
        "nothing can be settled after a release"
    );
    // The same authorization is admitted again once released.
    let mut again = case.server.exchange(&admitted(&case), false).unwrap();
    assert_eq!(again.reserved(true).unwrap().action, StepAction::RunHandler);
}

#[test]
fn a_held_key_is_refused_as_already_used() {
    let case = v2_case();
    let mut ex = case.server.exchange(&admitted(&case), false).unwrap();
    let step = ex.reserved(false).unwrap();
    assert_eq!((step.action, step.status), (StepAction::RefuseReplay, 402));
    assert_eq!(
        decode_header(&step.headers, "PAYMENT-REQUIRED")["error"],
        "payment_already_used"
    );
    let (body, _) = body_without_message(step.body.as_ref());
    assert_eq!(
        problem_of(&body),
        json!({"x402Version": 1, "error": "payment_already_used"})
    );
}

#[test]
fn a_refused_settlement_withholds_the_content_with_the_failure_receipt() {
    let case = v2_case();
    let mut ex = case.server.exchange(&admitted(&case), false).unwrap();
    ex.reserved(true).unwrap();
    ex.handled(200).unwrap();
    let refusal = json!({"success": false, "errorReason": "insufficient_funds", "transaction": "", "network": "eip155:11155111"});
    let step = ex.settled(Some(refusal.to_string().as_bytes())).unwrap();
    assert_eq!((step.action, step.status), (StepAction::Withhold, 402));
    assert_eq!(decode_header(&step.headers, "PAYMENT-RESPONSE"), refusal);
    assert_eq!(
        decode_header(&step.headers, "PAYMENT-REQUIRED")["error"],
        "insufficient_funds"
    );
    // No `errorMessage` from the facilitator: the core's sentence.
    let (body, message) = body_without_message(step.body.as_ref());
    assert_eq!(
        problem_of(&body),
        json!({"x402Version": 1, "error": "insufficient_funds"})
    );
    assert!(message.contains("settle"), "{message}");
}

#[test]
fn a_refused_settlement_body_carries_the_facilitators_message() {
    let case = v2_case();
    let mut ex = case.server.exchange(&admitted(&case), false).unwrap();
    ex.reserved(true).unwrap();
    ex.handled(200).unwrap();
    let refusal = json!({"success": false, "errorReason": "insufficient_funds", "errorMessage": "balance \"0\"\nneeds 10000 ✓", "transaction": "", "network": "eip155:11155111"});
    let step = ex.settled(Some(refusal.to_string().as_bytes())).unwrap();
    assert_eq!((step.action, step.status), (StepAction::Withhold, 402));
    let (body, message) = body_without_message(step.body.as_ref());
    assert_eq!(message, "balance \"0\"\nneeds 10000 ✓");
    assert_eq!(
        problem_of(&body),
        json!({"x402Version": 1, "error": "insufficient_funds"})
    );
}

#[test]
fn pending_is_retried_once_with_the_identical_body_then_kept() {
    let case = v2_case();
    let mut ex = case.server.exchange(&admitted(&case), false).unwrap();
    ex.reserved(true).unwrap();
    ex.handled(200).unwrap();
    let first = ex.settle_request(None).unwrap();
    let pending = json!({"success": false, "errorReason": "settlement_pending", "transaction": format!("0x{}", "cd".repeat(32)), "network": "eip155:11155111"});
    let step = ex.settled(Some(pending.to_string().as_bytes())).unwrap();
    assert_eq!((step.action, step.attempt), (StepAction::Settle, 2));
    assert_eq!(ex.settle_request(None).unwrap(), first);
    let step = ex.settled(Some(pending.to_string().as_bytes())).unwrap();
    assert_eq!(
        (step.action, step.status),
        (StepAction::KeepReservation, 402)
    );
    assert_eq!(decode_header(&step.headers, "PAYMENT-RESPONSE"), pending);
    assert_eq!(
        decode_header(&step.headers, "PAYMENT-REQUIRED")["error"],
        "settlement_pending"
    );
    let (body, _) = body_without_message(step.body.as_ref());
    assert_eq!(
        problem_of(&body),
        json!({"x402Version": 1, "error": "settlement_pending"})
    );
}

#[test]
fn no_answer_keeps_the_reservation_and_answers_502_without_retry() {
    let case = v2_case();
    let mut ex = case.server.exchange(&admitted(&case), false).unwrap();
    ex.reserved(true).unwrap();
    ex.handled(200).unwrap();
    let step = ex.settled(None).unwrap();
    assert_eq!(
        (step.action, step.status),
        (StepAction::KeepReservation, 502)
    );
    let mut ex = case.server.exchange(&admitted(&case), false).unwrap();
    ex.reserved(true).unwrap();
    ex.handled(200).unwrap();
    let step = ex.settled(Some(b"<html>bad gateway</html>")).unwrap();
    assert_eq!(
        step.action,
        StepAction::KeepReservation,
        "an unreadable body is no answer"
    );
}

#[test]
fn settled_first_serves_even_a_failing_handler_with_the_receipt() {
    let case = v2_case();
    let mut ex = case.server.exchange(&admitted(&case), true).unwrap();
    let step = ex.reserved(true).unwrap();
    assert_eq!((step.action, step.attempt), (StepAction::Settle, 1));
    let response = settled_ok("eip155:11155111");
    assert_eq!(
        ex.settled(Some(response.to_string().as_bytes()))
            .unwrap()
            .action,
        StepAction::RunHandler
    );
    let step = ex.handled(500).unwrap();
    assert_eq!((step.action, step.status), (StepAction::Serve, 500));
    assert_eq!(decode_header(&step.headers, "PAYMENT-RESPONSE"), response);
}

#[test]
fn steps_out_of_order_fail_and_change_nothing() {
    let case = v2_case();
    let mut ex = case.server.exchange(&admitted(&case), false).unwrap();
    assert_eq!(ex.handled(200).unwrap_err().code, "exchange_out_of_order");
    assert_eq!(ex.settled(None).unwrap_err().code, "exchange_out_of_order");
    assert_eq!(ex.reserved(true).unwrap().action, StepAction::RunHandler);
    assert_eq!(ex.reserved(true).unwrap_err().code, "exchange_out_of_order");
}

#[test]
fn an_exact_offer_takes_no_reported_amount() {
    let case = v2_case();
    let mut ex = case.server.exchange(&admitted(&case), false).unwrap();
    ex.reserved(true).unwrap();
    ex.handled(200).unwrap();
    assert_eq!(
        ex.settle_request(Some("1")).unwrap_err().code,
        "settle_amount_not_allowed"
    );
}

#[test]
fn configuration_fails_closed_with_codes() {
    let base = OfferConfig {
        scheme: "exact".into(),
        network: "eip155:84532".into(),
        asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e".into(),
        amount: "10000".into(),
        pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C".into(),
        max_timeout_seconds: Some(60),
        ..OfferConfig::default()
    };
    let resource = ResourceConfig {
        url: "https://x.example/a".into(),
        ..ResourceConfig::default()
    };
    let code = |offer: OfferConfig| {
        X402Server::new(vec![offer], resource.clone())
            .unwrap_err()
            .code
    };
    // Base Sepolia's default asset fills the EIP-712 domain; a custom token must give it.
    assert!(X402Server::new(vec![base.clone()], resource.clone()).is_ok());
    assert_eq!(
        code(OfferConfig {
            asset: "0x0000000000000000000000000000000000000001".into(),
            ..base.clone()
        }),
        "missing_asset"
    );
    // A display price instead of the amount, not both.
    let priced = OfferConfig {
        asset: String::new(),
        amount: String::new(),
        price: Some("$0.01".into()),
        max_timeout_seconds: None,
        ..base.clone()
    };
    assert!(X402Server::new(vec![priced.clone()], resource.clone()).is_ok());
    assert_eq!(
        code(OfferConfig {
            amount: "10000".into(),
            ..priced.clone()
        }),
        "invalid_price"
    );
    assert_eq!(
        code(OfferConfig {
            price: Some("$0.0000001".into()),
            ..priced
        }),
        "sub_unit_amount"
    );
    assert_eq!(
        code(OfferConfig {
            scheme: "stream".into(),
            ..base.clone()
        }),
        "unsupported_scheme"
    );
    assert_eq!(
        code(OfferConfig {
            scheme: "upto".into(),
            ..base.clone()
        }),
        "missing_facilitator"
    );
    let permit2 = OfferConfig {
        transfer_method: Some("permit2".into()),
        ..base.clone()
    };
    assert_eq!(
        code(OfferConfig {
            amount: "1.5".into(),
            ..permit2.clone()
        }),
        "invalid_amount"
    );
    assert_eq!(
        code(OfferConfig {
            network: "nowhere".into(),
            ..permit2.clone()
        }),
        "unknown_network"
    );
    assert!(X402Server::new(vec![permit2.clone()], resource.clone()).is_ok());
    assert_eq!(
        X402Server::new(vec![], resource).unwrap_err().code,
        "no_offers"
    );
    assert_eq!(
        X402Server::new(vec![permit2], ResourceConfig::default())
            .unwrap_err()
            .code,
        "invalid_resource"
    );
}

/// A resource without a MIME type is announced as `application/json` (the default every binding
/// shares), in the v2 `resource` and in each v1 entry; a given one is kept.
#[test]
fn a_resource_without_mime_type_is_announced_as_json() {
    let offer = OfferConfig {
        network: "base-sepolia".into(),
        price: Some("$0.01".into()),
        pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C".into(),
        ..OfferConfig::default()
    };
    let challenge = |mime_type: Option<&str>| {
        let resource = ResourceConfig {
            url: "https://api.example.com/premium-data".into(),
            description: String::new(),
            mime_type: mime_type.map(str::to_owned),
        };
        let reply = X402Server::new(vec![offer.clone()], resource)
            .unwrap()
            .challenge(None, None)
            .unwrap();
        let v1: Value = serde_json::from_slice(reply.body.as_deref().unwrap()).unwrap();
        (decode_header(&reply.headers, "PAYMENT-REQUIRED"), v1)
    };
    let (v2, v1) = challenge(None);
    assert_eq!(
        v2["resource"],
        json!({"url": "https://api.example.com/premium-data", "description": "", "mimeType": "application/json"})
    );
    assert_eq!(v1["accepts"][0]["mimeType"], "application/json");
    // USDC on Base Sepolia has 6 decimals: $0.01 is 10000 atomic units
    assert_eq!(v2["accepts"][0]["amount"], "10000");
    let (v2, v1) = challenge(Some("text/csv"));
    assert_eq!(v2["resource"]["mimeType"], "text/csv");
    assert_eq!(v1["accepts"][0]["mimeType"], "text/csv");
}
