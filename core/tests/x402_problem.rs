//! Specifications of what a 402 says about why it is sent: the code (the `error` of the v2
//! `PAYMENT-REQUIRED` header and of the body), the detail code (`errorDetail`) and the message
//! (`errorMessage`). Expected bodies are written by hand from the x402 v1 HTTP transport's
//! `PaymentRequirementsResponse` example
//! (<https://github.com/coinbase/x402/blob/main/specs/transports-v1/http.md>) and the JSON
//! string grammar (RFC 8259 §7), never taken from the code under test. Messages are free text
//! (codes never change; texts may improve), so they are checked for presence and escaping,
//! not pinned, except where the test supplies them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use core::fmt;
use pay402::u256::U256;
use pay402::x402::server::*;
use pay402::x402::{SettleResponse, header};
use std::format;
use std::string::{String, ToString};
use std::vec;
use std::vec::Vec;

const USDC_BASE_SEPOLIA: &str = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const PAY_TO: &str = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";

/// The one entry of the x402 v1 transport's `PaymentRequirementsResponse` example, minified,
/// without its optional `"outputSchema":null`.
const SPEC_V1_ENTRY: &str = r#"{"scheme":"exact","network":"base-sepolia","maxAmountRequired":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","resource":"https://api.example.com/premium-data","description":"Access to premium market data","mimeType":"application/json","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}"#;

/// The x402 v2 specification's `PAYMENT-SIGNATURE` example payload.
const SPEC_V2_PAYMENT: &str = r#"{"x402Version":2,"resource":{"url":"https://api.example.com/premium-data","description":"Access to premium market data","mimeType":"application/json"},"accepted":{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}},"payload":{"signature":"0x2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c","authorization":{"from":"0x857b06519E91e3A54538791bDbb0E22373e36b66","to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","value":"10000","validAfter":"1740672089","validBefore":"1740672154","nonce":"0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480"}}}"#;
const SPEC_NOW: u64 = 1_740_672_100;

const SPEC_RESOURCE: Resource<'static> = Resource {
    url: "https://api.example.com/premium-data",
    description: "Access to premium market data",
    mime_type: Some("application/json"),
};

fn eip3009(network: &'static str) -> Offer<'static> {
    Offer {
        scheme: OfferScheme::ExactEip3009 {
            name: "USDC",
            version: "2",
        },
        network,
        asset: USDC_BASE_SEPOLIA,
        amount: U256::from_u64(10_000),
        pay_to: PAY_TO,
        max_timeout_seconds: 60,
    }
}

/// An offer sold in x402 v1 (the spec's).
fn v1_set() -> OfferSet<'static, 2> {
    let mut offers = OfferSet::new();
    offers.push(eip3009("base-sepolia")).unwrap();
    offers
}

/// Offers sold in x402 v2 only: `upto` and `exact` Permit2.
fn v2_only_set() -> OfferSet<'static, 2> {
    let mut offers = OfferSet::new();
    offers
        .push(Offer {
            scheme: OfferScheme::UptoPermit2 {
                facilitator: "0x000000000000000000000000000000000000dEaD",
            },
            ..eip3009("eip155:84532")
        })
        .unwrap();
    offers
        .push(Offer {
            scheme: OfferScheme::ExactPermit2,
            ..eip3009("eip155:84532")
        })
        .unwrap();
    offers
}

/// One `upto` offer: no offer of the `exact` scheme.
fn upto_only() -> OfferSet<'static, 2> {
    let mut offers = OfferSet::new();
    offers
        .push(*v2_only_set().iter().next().unwrap().offer())
        .unwrap();
    offers
}

/// The challenge for `problem`: the decoded v2 header JSON and the body (`None`: send `{}`).
fn challenge(offers: &OfferSet<'_, 2>, problem: Option<&Problem<'_>>) -> (String, Option<String>) {
    let (mut h, mut b) = ([0u8; 4096], [0u8; 4096]);
    let c = write_challenge(offers, &SPEC_RESOURCE, problem, &mut h, &mut b).unwrap();
    assert_eq!((c.status, c.header_name), (402, "PAYMENT-REQUIRED"));
    let mut json = [0u8; 4096];
    let v2 = header::decode(c.header_value.as_bytes(), &mut json).unwrap();
    (
        String::from_utf8(v2.to_vec()).unwrap(),
        c.body.map(|b| String::from_utf8(b.to_vec()).unwrap()),
    )
}

/// The JSON string `text` is, escaped by hand: `"` `\` and the short escapes, other controls
/// as `\u00xx` (RFC 8259 §7, in the form `JSON.stringify` writes).
fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => {
                fmt::Write::write_fmt(&mut out, format_args!("\\u{:04x}", u32::from(c))).unwrap();
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The `errorMessage` of a body: the text between `"errorMessage":"` and the next unescaped `"`.
fn message_of(body: &str) -> &str {
    let start = body.find(r#""errorMessage":""#).expect("an errorMessage") + 16;
    let bytes = body.as_bytes();
    let mut end = start;
    while bytes[end] != b'"' {
        end += if bytes[end] == b'\\' { 2 } else { 1 };
    }
    &body[start..end]
}

fn admit_v2(offers: &OfferSet<'_, 2>, now: u64) -> Refusal {
    let mut value = vec![0u8; SPEC_V2_PAYMENT.len() * 2];
    let value = header::encode(SPEC_V2_PAYMENT.as_bytes(), &mut value).unwrap();
    let mut buf = [0u8; header::RECOMMENDED_BUFFER_LEN];
    admit(
        offers,
        "PAYMENT-SIGNATURE",
        value.as_bytes(),
        now,
        &pay402::x402::Verifier::EVM,
        &mut buf,
    )
    .map(|_| ())
    .unwrap_err()
}

// ---- the body's shape ----------------------------------------------------------------------

#[test]
fn unpaid_request_body_carries_payment_required_and_a_message_before_the_offers() {
    let (v2, body) = challenge(&v1_set(), Some(&Refusal::NO_PAYMENT.problem()));
    let body = body.unwrap();
    let message = message_of(&body);
    assert!(!message.is_empty());
    assert_eq!(
        body,
        format!(
            r#"{{"x402Version":1,"error":"payment_required","errorMessage":"{message}","accepts":[{SPEC_V1_ENTRY}]}}"#
        )
    );
    // The header keeps the code only: clients branch on it.
    assert!(
        v2.starts_with(r#"{"x402Version":2,"error":"payment_required","resource":"#),
        "{v2}"
    );
    assert!(!v2.contains("errorMessage") && !v2.contains("errorDetail"));
}

#[test]
fn refusal_with_a_detail_code_carries_it_as_error_detail() {
    // The spec payment is on Base Sepolia; the one offer is on Base.
    let mut base = OfferSet::<2>::new();
    base.push(eip3009("base")).unwrap();
    let refusal = admit_v2(&base, SPEC_NOW);
    assert_eq!(
        (refusal.code, refusal.detail_code),
        ("no_matching_offer", Some("invalid_network"))
    );
    let (_, body) = challenge(&base, Some(&refusal.problem()));
    let body = body.unwrap();
    let message = message_of(&body);
    let entry = SPEC_V1_ENTRY.replace("base-sepolia", "base");
    assert_eq!(
        body,
        format!(
            r#"{{"x402Version":1,"error":"no_matching_offer","errorDetail":"invalid_network","errorMessage":"{message}","accepts":[{entry}]}}"#
        )
    );
}

#[test]
fn v2_only_set_sends_the_problem_alone_as_its_body() {
    let refusal = admit_v2(&upto_only(), SPEC_NOW);
    assert_eq!(
        (refusal.code, refusal.detail_code),
        ("no_matching_offer", Some("unsupported_scheme"))
    );
    let (v2, body) = challenge(&v2_only_set(), Some(&refusal.problem()));
    let body = body.unwrap();
    let message = message_of(&body);
    assert_eq!(
        body,
        format!(
            r#"{{"error":"no_matching_offer","errorDetail":"unsupported_scheme","errorMessage":"{message}"}}"#
        )
    );
    assert!(v2.contains(r#""error":"no_matching_offer""#));
}

#[test]
fn without_a_problem_the_bodies_are_as_before() {
    let (v2, body) = challenge(&v1_set(), None);
    assert_eq!(
        body.as_deref(),
        Some(format!(r#"{{"x402Version":1,"accepts":[{SPEC_V1_ENTRY}]}}"#).as_str())
    );
    assert!(v2.starts_with(r#"{"x402Version":2,"resource":"#));
    // x402 v2 only and no problem: no body of the core's; the host sends `{}`.
    let (mut h, mut b) = ([0u8; 4096], [0u8; 4096]);
    let c = write_challenge(&v2_only_set(), &SPEC_RESOURCE, None, &mut h, &mut b).unwrap();
    assert_eq!(c.body, None);
    assert_eq!(c.body_or_empty(), b"{}");
}

#[test]
fn a_problem_without_detail_or_message_is_the_code_alone() {
    let problem = Problem::new("aborted");
    let (_, body) = challenge(&v2_only_set(), Some(&problem));
    assert_eq!(body.as_deref(), Some(r#"{"error":"aborted"}"#));
    let (_, body) = challenge(&v1_set(), Some(&problem));
    assert_eq!(
        body.unwrap(),
        format!(r#"{{"x402Version":1,"error":"aborted","accepts":[{SPEC_V1_ENTRY}]}}"#)
    );
}

#[test]
fn a_message_that_displays_nothing_is_left_out() {
    let problem = Problem::new("aborted").with_message(&"");
    let (_, body) = challenge(&v2_only_set(), Some(&problem));
    assert_eq!(body.as_deref(), Some(r#"{"error":"aborted"}"#));
}

// ---- messages ---------------------------------------------------------------------------

#[test]
fn message_is_json_escaped_as_it_is_displayed() {
    let text = "say \"402\"\\ now\nline\ttab\r\u{1}\u{8}\u{c}\u{1f} é € 😀 / \u{7f}";
    let problem = Problem::new("aborted").with_message(&text);
    let (_, body) = challenge(&v2_only_set(), Some(&problem));
    assert_eq!(
        body.unwrap(),
        format!(
            r#"{{"error":"aborted","errorMessage":{}}}"#,
            json_string(text)
        )
    );
    // A Display that writes in pieces is escaped piece by piece, the same way.
    let pieces = format_args!("{}\"{}\n{}", "a", 'é', 7);
    let problem = Problem::new("aborted").with_message(&pieces);
    let (_, body) = challenge(&v2_only_set(), Some(&problem));
    assert_eq!(
        body.as_deref(),
        Some(r#"{"error":"aborted","errorMessage":"a\"é\n7"}"#)
    );
}

#[test]
fn every_fixed_refusal_has_its_own_sentence() {
    let fixed = [
        Refusal::NO_PAYMENT,
        Refusal::ALREADY_USED,
        Refusal::REPLAY_STORE_UNAVAILABLE,
        Refusal::SCRATCH_TOO_SMALL,
    ];
    let mut sentences: Vec<String> = fixed.iter().map(ToString::to_string).collect();
    let mut base = OfferSet::<2>::new();
    base.push(eip3009("base")).unwrap();
    for set in &[base, upto_only()] {
        let refusal = admit_v2(set, SPEC_NOW);
        assert_eq!(refusal.code, "no_matching_offer");
        sentences.push(refusal.to_string());
    }
    for s in &sentences {
        assert!(
            s.len() > 20 && !s.contains('_'),
            "a sentence, not a code: {s}"
        );
    }
    sentences.sort();
    sentences.dedup();
    assert_eq!(sentences.len(), 6);
}

#[test]
fn each_refusal_kind_writes_its_code_detail_and_message() {
    let mut spec = OfferSet::<2>::new();
    spec.push(eip3009("eip155:84532")).unwrap();
    let mut base = OfferSet::<2>::new();
    base.push(eip3009("base")).unwrap();
    let expired = admit_v2(&spec, 1_740_672_161); // validBefore 1740672154 + 6 s slack, passed
    let undecodable = {
        let mut buf = [0u8; 256];
        admit(
            &spec,
            "PAYMENT-SIGNATURE",
            b"not base64!",
            SPEC_NOW,
            &pay402::x402::Verifier::EVM,
            &mut buf,
        )
        .map(|_| ())
        .unwrap_err()
    };
    let cases = [
        (Refusal::NO_PAYMENT, 402, "payment_required", None),
        (Refusal::ALREADY_USED, 402, "payment_already_used", None),
        (
            Refusal::REPLAY_STORE_UNAVAILABLE,
            503,
            "replay_store_unavailable",
            None,
        ),
        (Refusal::SCRATCH_TOO_SMALL, 500, "buffer_too_small", None),
        (
            admit_v2(&base, SPEC_NOW),
            402,
            "no_matching_offer",
            Some("invalid_network"),
        ),
        (
            admit_v2(&upto_only(), SPEC_NOW),
            402,
            "no_matching_offer",
            Some("unsupported_scheme"),
        ),
        (
            expired,
            402,
            "invalid_exact_evm_payload_authorization_valid_before",
            None,
        ),
        (undecodable, 402, "invalid_payload", undecodable.detail_code),
    ];
    for (refusal, status, code, detail) in cases {
        assert_eq!(
            (refusal.status, refusal.code, refusal.detail_code),
            (status, code, detail)
        );
        let (_, body) = challenge(&spec, Some(&refusal.problem()));
        let body = body.unwrap();
        let detail = detail.map_or(String::new(), |d| format!(r#","errorDetail":"{d}""#));
        let message = json_string(&refusal.to_string());
        assert!(message.len() > 2, "{code}: empty message");
        assert_eq!(
            body,
            format!(
                r#"{{"x402Version":1,"error":"{code}"{detail},"errorMessage":{message},"accepts":[{SPEC_V1_ENTRY}]}}"#
            ),
            "{code}"
        );
    }
}

// ---- settlement outcomes -----------------------------------------------------------------------

const TX: &str = "0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef";

fn settlement_body(json: &str) -> Option<String> {
    let response = SettleResponse::from_json(json.as_bytes()).unwrap();
    let problem = Problem::of_settlement(&response)?;
    challenge(&v2_only_set(), Some(&problem)).1
}

#[test]
fn withheld_settlement_reports_the_facilitators_reason_and_message() {
    let body = settlement_body(
        r#"{"success":false,"errorReason":"insufficient_funds","errorMessage":"balance \"0\" < 10000","transaction":"","network":"eip155:84532"}"#,
    );
    assert_eq!(
        body.as_deref(),
        Some(r#"{"error":"insufficient_funds","errorMessage":"balance \"0\" < 10000"}"#)
    );
}

#[test]
fn withheld_settlement_without_a_message_gets_a_sentence_of_the_core() {
    for json in [
        r#"{"success":false,"errorReason":"invalid_exact_evm_nonce_already_used","transaction":"","network":"eip155:84532"}"#,
        r#"{"success":false,"errorReason":"invalid_exact_evm_nonce_already_used","errorMessage":"","transaction":"","network":"eip155:84532"}"#,
    ] {
        let body = settlement_body(json).unwrap();
        assert!(
            body.starts_with(r#"{"error":"invalid_exact_evm_nonce_already_used","errorMessage":""#),
            "{body}"
        );
        assert!(message_of(&body).len() > 20, "{body}");
    }
}

#[test]
fn withheld_settlement_without_a_plain_reason_is_settle_failed() {
    for json in [
        r#"{"success":false,"transaction":"","network":"eip155:84532"}"#,
        r#"{"success":false,"errorReason":"","transaction":"","network":"eip155:84532"}"#,
        r#"{"success":false,"errorReason":"a\"b","transaction":"","network":"eip155:84532"}"#,
    ] {
        let body = settlement_body(json).unwrap();
        assert!(
            body.starts_with(r#"{"error":"settle_failed","errorMessage":""#),
            "{body}"
        );
    }
}

#[test]
fn pending_settlement_reports_settlement_pending_with_a_message() {
    let given = format!(
        r#"{{"success":false,"errorReason":"settlement_pending","errorMessage":"in mempool","transaction":"{TX}","network":"eip155:84532"}}"#
    );
    assert_eq!(
        settlement_body(&given).as_deref(),
        Some(r#"{"error":"settlement_pending","errorMessage":"in mempool"}"#)
    );
    let bare = format!(
        r#"{{"success":false,"errorReason":"settlement_pending","transaction":"{TX}","network":"eip155:84532"}}"#
    );
    let body = settlement_body(&bare).unwrap();
    assert!(body.starts_with(r#"{"error":"settlement_pending","errorMessage":""#));
    assert!(message_of(&body).len() > 20);
}

#[test]
fn a_successful_settlement_has_no_problem() {
    let ok = format!(r#"{{"success":true,"transaction":"{TX}","network":"eip155:84532"}}"#);
    let response = SettleResponse::from_json(ok.as_bytes()).unwrap();
    assert!(Problem::of_settlement(&response).is_none());
}

// ---- buffers -------------------------------------------------------------------------------

#[test]
fn a_body_too_small_for_the_message_fails_and_leaves_both_buffers_zeroed() {
    let problem = Problem::new("payment_required").with_message(&"pay \"first\"\n€");
    for set in [v1_set(), v2_only_set()] {
        let (mut h, mut b) = ([0u8; 4096], [0u8; 4096]);
        let c = write_challenge(&set, &SPEC_RESOURCE, Some(&problem), &mut h, &mut b).unwrap();
        let body_len = c.body.unwrap().len();
        // The body buffer also holds the v2 JSON as scratch: start above that.
        let v2_len = {
            let mut json = [0u8; 4096];
            header::decode(c.header_value.as_bytes(), &mut json)
                .unwrap()
                .len()
        };
        for len in v2_len..body_len {
            let (mut h, mut b) = (vec![0u8; 4096], vec![0u8; len]);
            let err = write_challenge(&set, &SPEC_RESOURCE, Some(&problem), &mut h, &mut b);
            assert_eq!(err.unwrap_err(), ServerError::BufferTooSmall, "{len}");
            assert!(
                h.iter().all(|&x| x == 0) && b.iter().all(|&x| x == 0),
                "{len}"
            );
        }
        let (mut h, mut b) = (vec![0u8; 4096], vec![0u8; body_len.max(v2_len)]);
        assert!(write_challenge(&set, &SPEC_RESOURCE, Some(&problem), &mut h, &mut b).is_ok());
    }
}

#[test]
fn a_message_whose_display_fails_fails_the_challenge_and_leaves_buffers_zeroed() {
    struct Broken;
    impl fmt::Display for Broken {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("half")?;
            Err(fmt::Error)
        }
    }
    let problem = Problem::new("aborted").with_message(&Broken);
    let (mut h, mut b) = ([0u8; 4096], [0u8; 4096]);
    let err = write_challenge(&v1_set(), &SPEC_RESOURCE, Some(&problem), &mut h, &mut b);
    assert_eq!(err.unwrap_err(), ServerError::BufferTooSmall);
    assert!(h.iter().all(|&x| x == 0) && b.iter().all(|&x| x == 0));
}
