//! The bad-input catalogue: every x402 decoder is fed broken input and must answer with the exact
//! error code listed here — never a panic, never a different code.
//!
//! Each row is (what is broken, input, expected code). The expected codes are the contract that
//! bindings map to exception classes; changing one is a breaking change.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::too_many_lines, // catalogues: one row per broken input, read top to bottom
)]

use pay402::ErrorCode;
use pay402::x402::{
    PaymentPayload, PaymentRequired, SettleResponse, SupportedResponse, Verifier, VerifyRequest,
    VerifyResponse, header,
};

/// The spec's v1 `X-PAYMENT` JSON (x402 v1 HTTP transport example) with `{{AUTH}}`-style holes for
/// mutations.
const V1_PAYMENT: &str = r#"{"x402Version":1,"scheme":"exact","network":"base-sepolia","payload":{"signature":"0x2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c","authorization":{"from":"0x857b06519E91e3A54538791bDbb0E22373e36b66","to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","value":"10000","validAfter":"1740672089","validBefore":"1740672154","nonce":"0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480"}}}"#;

const V1_REQUIREMENTS: &str = r#"{"scheme":"exact","network":"base-sepolia","maxAmountRequired":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","resource":"https://api.example.com/premium-data","description":"Access to premium market data","mimeType":"application/json","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}"#;

const V2_REQUIRED: &str = r#"{"x402Version":2,"error":"PAYMENT-SIGNATURE header is required","resource":{"url":"https://api.example.com/premium-data","description":"Access to premium market data","mimeType":"application/json"},"accepts":[{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}]}"#;

const SETTLE: &str = r#"{"success":true,"transaction":"0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef","network":"base-sepolia","payer":"0x857b06519E91e3A54538791bDbb0E22373e36b66"}"#;

fn b64(json: &[u8]) -> String {
    let mut out = vec![0u8; json.len() * 2 + 8];
    header::encode(json, &mut out).unwrap().to_owned()
}

fn payment_code(json: &[u8]) -> &'static str {
    match PaymentPayload::from_json(json) {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

fn required_code(json: &[u8]) -> &'static str {
    match PaymentRequired::from_json(json) {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

/// Verifies `payment_json` (base64-wrapped) against the spec requirements; returns the verdict code.
fn verify_code(requirements: &str, payment_json: &str) -> &'static str {
    let mut buf = vec![0u8; 16384];
    match Verifier::EVM.verify_header(
        requirements.as_bytes(),
        b64(payment_json.as_bytes()).as_bytes(),
        &mut buf,
        1_740_672_100,
    ) {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

fn assert_table(decoder: &str, rows: &[(&str, String, &str)], run: impl Fn(&[u8]) -> &'static str) {
    let mut failures = Vec::new();
    for (what, input, want) in rows {
        let got = run(input.as_bytes());
        if got != *want {
            failures.push(format!("{decoder}: {what}: expected {want}, got {got}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

fn replace(base: &str, from: &str, to: &str) -> String {
    assert!(base.contains(from), "mutation target {from:?} not found");
    base.replacen(from, to, 1)
}

#[test]
fn the_unmutated_templates_decode_and_verify() {
    assert_eq!(payment_code(V1_PAYMENT.as_bytes()), "ok");
    assert_eq!(required_code(V2_REQUIRED.as_bytes()), "ok");
    assert_eq!(verify_code(V1_REQUIREMENTS, V1_PAYMENT), "ok");
}

#[test]
fn header_base64_catalogue() {
    let good = b64(V1_PAYMENT.as_bytes());
    let rows = vec![
        (
            "url-safe alphabet",
            format!("{}-{}", &good[..10], &good[11..]),
            "base64_invalid_character",
        ),
        (
            "truncated by one character",
            good[..good.len() - 3].to_owned(),
            "base64_invalid_length",
        ),
        (
            "line break inside",
            format!("{}\n{}", &good[..40], &good[40..]),
            "base64_invalid_character",
        ),
        (
            "space inside",
            format!("{} {}", &good[..40], &good[40..]),
            "base64_invalid_character",
        ),
        (
            "padding in the middle",
            format!("{}=={}", &good[..40], &good[40..]),
            "base64_invalid_padding",
        ),
        (
            // `fQ==` is `}`; `fR==` sets a trailing bit a strict decoder must not ignore
            "non-canonical trailing bits",
            "eyJ4IjoxfR==".to_owned(),
            "base64_non_canonical",
        ),
        ("empty", String::new(), "json_empty"),
        ("not JSON inside", "bm90IGpzb24=".to_owned(), "json_syntax"),
        (
            "invalid UTF-8 inside",
            "/w==".to_owned(),
            "json_invalid_utf8",
        ),
    ];
    assert_table("PaymentPayload::from_header", &rows, |h| {
        let mut buf = vec![0u8; 16384];
        match PaymentPayload::from_header(h, &mut buf) {
            Ok(_) => "ok",
            Err(e) => e.code(),
        }
    });
}

#[test]
fn header_longer_than_the_buffer_is_input_too_long() {
    let header = b64(V1_PAYMENT.as_bytes());
    let mut small = [0u8; 64];
    let err = PaymentPayload::from_header(header.as_bytes(), &mut small).unwrap_err();
    assert_eq!(err.code(), "input_too_long");
    assert_eq!(small, [0u8; 64], "nothing is left half-written");
}

#[test]
fn payment_payload_json_catalogue() {
    let p = V1_PAYMENT;
    let rows = vec![
        (
            "truncated JSON",
            p[..p.len() - 1].to_owned(),
            "json_unexpected_end",
        ),
        (
            "trailing garbage",
            format!("{p}x"),
            "json_trailing_characters",
        ),
        (
            "duplicate top-level field",
            replace(
                p,
                r#""scheme":"exact""#,
                r#""scheme":"exact","scheme":"exact""#,
            ),
            "json_duplicate_key",
        ),
        (
            "duplicate nested field",
            replace(p, r#""value":"10000""#, r#""value":"10000","value":"1""#),
            "json_duplicate_key",
        ),
        (
            "missing x402Version",
            replace(p, r#""x402Version":1,"#, ""),
            "missing_field",
        ),
        (
            "x402Version as string",
            replace(p, r#""x402Version":1"#, r#""x402Version":"1""#),
            "wrong_type",
        ),
        (
            "x402Version 3",
            replace(p, r#""x402Version":1"#, r#""x402Version":3"#),
            "invalid_x402_version",
        ),
        (
            "x402Version 1.5",
            replace(p, r#""x402Version":1"#, r#""x402Version":1.5"#),
            "invalid_x402_version",
        ),
        (
            "missing scheme",
            replace(p, r#""scheme":"exact","#, ""),
            "missing_field",
        ),
        (
            "scheme as number",
            replace(p, r#""scheme":"exact""#, r#""scheme":7"#),
            "wrong_type",
        ),
        (
            "payload as array",
            replace(p, r#""payload":{"#, r#""payload":[{"#).replacen("}}}", "}}]}", 1),
            "wrong_type",
        ),
        ("top level is an array", format!("[{p}]"), "wrong_type"),
        (
            "raw control character in a string",
            replace(p, "base-sepolia", "base\u{1}sepolia"),
            "json_control_character",
        ),
        (
            "bad escape",
            replace(p, "base-sepolia", r"base\qsepolia"),
            "json_invalid_escape",
        ),
        (
            "lone surrogate escape",
            replace(p, "base-sepolia", r"base\ud800"),
            "json_invalid_escape",
        ),
        (
            "leading-zero number",
            replace(p, r#""x402Version":1"#, r#""x402Version":01"#),
            "json_invalid_number",
        ),
        (
            "nesting deeper than 32",
            replace(
                p,
                r#""x402Version":1,"#,
                &format!(
                    r#""deep":{}{},"x402Version":1,"#,
                    "[".repeat(40),
                    "]".repeat(40)
                ),
            ),
            "json_too_deep",
        ),
    ];
    assert_table("PaymentPayload::from_json", &rows, payment_code);
}

#[test]
fn exact_evm_payload_catalogue() {
    let p = V1_PAYMENT;
    let r = V1_REQUIREMENTS;
    let rows = vec![
        (
            "value with plus sign",
            replace(p, r#""value":"10000""#, r#""value":"+10000""#),
            "invalid_payload",
        ),
        (
            "value negative",
            replace(p, r#""value":"10000""#, r#""value":"-10000""#),
            "invalid_payload",
        ),
        (
            "value with spaces",
            replace(p, r#""value":"10000""#, r#""value":" 10000""#),
            "invalid_payload",
        ),
        (
            "value with exponent",
            replace(p, r#""value":"10000""#, r#""value":"1e4""#),
            "invalid_payload",
        ),
        (
            "value 2^256",
            replace(
                p,
                r#""value":"10000""#,
                r#""value":"115792089237316195423570985008687907853269984665640564039457584007913129639936""#,
            ),
            "invalid_payload",
        ),
        (
            "value as JSON float",
            replace(p, r#""value":"10000""#, r#""value":10000.0"#),
            "invalid_payload",
        ),
        (
            "nonce 31 bytes",
            replace(p, "0xf3746613", "0xf37466"),
            "invalid_payload",
        ),
        (
            "nonce without 0x",
            replace(p, r#""nonce":"0x"#, r#""nonce":""#),
            "invalid_payload",
        ),
        (
            "nonce with bad hex",
            replace(p, "0xf3746613", "0xg3746613"),
            "invalid_payload",
        ),
        (
            "address 39 hex digits",
            replace(
                p,
                "0x857b06519E91e3A54538791bDbb0E22373e36b66",
                "0x857b06519E91e3A54538791bDbb0E22373e36b6",
            ),
            "invalid_payload",
        ),
        (
            "signature odd length",
            replace(p, "b571c\"", "b571\""),
            "invalid_payload",
        ),
        (
            "signature without 0x",
            replace(p, r#""signature":"0x"#, r#""signature":""#),
            "invalid_payload",
        ),
        (
            "missing authorization",
            replace(p, r#""authorization""#, r#""authorisation""#),
            "invalid_payload",
        ),
        (
            "overlong address string",
            replace(
                p,
                "0x857b06519E91e3A54538791bDbb0E22373e36b66",
                &format!("0x{}", "a".repeat(400)),
            ),
            "invalid_payload",
        ),
    ];
    assert_table("verify (decoding the exact payload)", &rows, |json| {
        verify_code(r, core::str::from_utf8(json).unwrap())
    });

    // The detailed code underneath `invalid_payload` is kept on the error.
    let plus = replace(p, r#""value":"10000""#, r#""value":"+10000""#);
    let mut buf = vec![0u8; 8192];
    let err = Verifier::EVM
        .verify_header(
            r.as_bytes(),
            b64(plus.as_bytes()).as_bytes(),
            &mut buf,
            1_740_672_100,
        )
        .unwrap_err();
    match err {
        pay402::x402::VerifyError::InvalidPayload(inner) => {
            assert_eq!(inner.code(), "u256_invalid_digit");
            assert_eq!(inner.field(), "value");
            assert_eq!(inner.object(), "payload.authorization");
        }
        other => panic!("expected invalid_payload, got {other:?}"),
    }
}

#[test]
fn payment_required_catalogue() {
    let p = V2_REQUIRED;
    let entry = r#"{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}"#;
    let seventeen = vec![entry; 17].join(",");
    let sixteen = vec![entry; 16].join(",");
    let rows = vec![
        (
            "17 accepts, capacity 16",
            replace(p, entry, &seventeen),
            "too_many_items",
        ),
        ("16 accepts fit", replace(p, entry, &sixteen), "ok"),
        ("empty accepts", replace(p, entry, ""), "invalid_value"),
        (
            "accepts not an array",
            replace(p, &format!("[{entry}]"), entry),
            "wrong_type",
        ),
        (
            "amount 2^256",
            replace(
                p,
                r#""amount":"10000""#,
                r#""amount":"115792089237316195423570985008687907853269984665640564039457584007913129639936""#,
            ),
            "u256_overflow",
        ),
        (
            "amount 2^256-1",
            replace(
                p,
                r#""amount":"10000""#,
                r#""amount":"115792089237316195423570985008687907853269984665640564039457584007913129639935""#,
            ),
            "ok",
        ),
        (
            "amount with exponent",
            replace(p, r#""amount":"10000""#, r#""amount":"1e4""#),
            "u256_invalid_digit",
        ),
        (
            "amount negative",
            replace(p, r#""amount":"10000""#, r#""amount":"-1""#),
            "u256_invalid_digit",
        ),
        (
            "amount with space",
            replace(p, r#""amount":"10000""#, r#""amount":"10000 ""#),
            "u256_invalid_digit",
        ),
        (
            "amount empty",
            replace(p, r#""amount":"10000""#, r#""amount":"""#),
            "u256_empty",
        ),
        (
            "amount integer (x402-rs) is fine",
            replace(p, r#""amount":"10000""#, r#""amount":10000"#),
            "ok",
        ),
        (
            "amount as boolean",
            replace(p, r#""amount":"10000""#, r#""amount":true"#),
            "wrong_type",
        ),
        (
            "maxTimeoutSeconds zero",
            replace(p, r#""maxTimeoutSeconds":60"#, r#""maxTimeoutSeconds":0"#),
            "invalid_value",
        ),
        (
            "maxTimeoutSeconds negative",
            replace(p, r#""maxTimeoutSeconds":60"#, r#""maxTimeoutSeconds":-60"#),
            "invalid_value",
        ),
        (
            "maxTimeoutSeconds as string",
            replace(
                p,
                r#""maxTimeoutSeconds":60"#,
                r#""maxTimeoutSeconds":"60""#,
            ),
            "wrong_type",
        ),
        (
            "extra null (x402-rs) is fine",
            replace(
                p,
                r#""extra":{"name":"USDC","version":"2"}"#,
                r#""extra":null"#,
            ),
            "ok",
        ),
        (
            "extra as string",
            replace(
                p,
                r#""extra":{"name":"USDC","version":"2"}"#,
                r#""extra":"USDC""#,
            ),
            "wrong_type",
        ),
        (
            "missing resource",
            replace(
                p,
                r#""resource":{"url":"https://api.example.com/premium-data","description":"Access to premium market data","mimeType":"application/json"},"#,
                "",
            ),
            "missing_field",
        ),
        (
            "empty resource url",
            replace(
                p,
                r#""url":"https://api.example.com/premium-data""#,
                r#""url":"""#,
            ),
            "invalid_value",
        ),
        (
            "missing payTo",
            replace(
                p,
                r#""payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","#,
                "",
            ),
            "missing_field",
        ),
        (
            "duplicate accepts key",
            replace(p, r#""accepts":["#, r#""accepts":[],"accepts":["#),
            "json_duplicate_key",
        ),
    ];
    assert_table("PaymentRequired::from_json", &rows, required_code);
}

#[test]
fn settle_response_catalogue() {
    let s = SETTLE;
    let rows = vec![
        (
            "success as string",
            replace(s, r#""success":true"#, r#""success":"true""#),
            "wrong_type",
        ),
        (
            "missing success",
            replace(s, r#""success":true,"#, ""),
            "missing_field",
        ),
        (
            "missing network",
            replace(s, r#","network":"base-sepolia""#, ""),
            "missing_field",
        ),
        (
            "missing transaction is fine (v2 failure form)",
            replace(
                s,
                r#""transaction":"0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef","#,
                "",
            ),
            "ok",
        ),
        (
            "amount negative",
            replace(s, r#""success":true"#, r#""success":true,"amount":"-5""#),
            "u256_invalid_digit",
        ),
    ];
    assert_table(
        "SettleResponse::from_json",
        &rows,
        |j| match SettleResponse::from_json(j) {
            Ok(_) => "ok",
            Err(e) => e.code(),
        },
    );
}

#[test]
fn facilitator_body_catalogue() {
    let request = format!(
        r#"{{"x402Version":1,"paymentPayload":{V1_PAYMENT},"paymentRequirements":{V1_REQUIREMENTS}}}"#
    );
    let rows = vec![
        ("well-formed", request.clone(), "ok"),
        (
            "missing paymentRequirements",
            replace(
                &request,
                &format!(r#","paymentRequirements":{V1_REQUIREMENTS}"#),
                "",
            ),
            "missing_field",
        ),
        (
            "v1 requirements missing maxAmountRequired",
            replace(&request, r#""maxAmountRequired":"10000","#, ""),
            "missing_field",
        ),
        (
            "version 2 with v1 requirements",
            replace(
                &request,
                r#"{"x402Version":1,"paymentPayload""#,
                r#"{"x402Version":2,"paymentPayload""#,
            ),
            "missing_field",
        ),
    ];
    assert_table(
        "VerifyRequest::from_json",
        &rows,
        |j| match VerifyRequest::from_json(j) {
            Ok(_) => "ok",
            Err(e) => e.code(),
        },
    );
    let rows = vec![
        (
            "isValid missing",
            r#"{"invalidReason":"x"}"#.to_owned(),
            "missing_field",
        ),
        (
            "isValid as number",
            r#"{"isValid":1}"#.to_owned(),
            "wrong_type",
        ),
    ];
    assert_table(
        "VerifyResponse::from_json",
        &rows,
        |j| match VerifyResponse::from_json(j) {
            Ok(_) => "ok",
            Err(e) => e.code(),
        },
    );
    let kind = r#"{"x402Version":2,"scheme":"exact","network":"eip155:8453"}"#;
    let rows = vec![
        (
            "kinds missing",
            r#"{"extensions":[]}"#.to_owned(),
            "missing_field",
        ),
        (
            "kind with version 9",
            r#"{"kinds":[{"x402Version":9,"scheme":"exact","network":"base"}]}"#.to_owned(),
            "invalid_x402_version",
        ),
        (
            "33 kinds, capacity 32",
            format!(r#"{{"kinds":[{}]}}"#, vec![kind; 33].join(",")),
            "too_many_items",
        ),
        (
            "extensions not an array",
            r#"{"kinds":[],"extensions":{}}"#.to_owned(),
            "wrong_type",
        ),
    ];
    assert_table(
        "SupportedResponse::from_json",
        &rows,
        |j| match SupportedResponse::from_json(j) {
            Ok(_) => "ok",
            Err(e) => e.code(),
        },
    );
}

#[test]
fn requirements_the_server_got_wrong_are_invalid_payment_requirements() {
    let rows = vec![
        (
            "amount not a number",
            replace(
                V1_REQUIREMENTS,
                r#""maxAmountRequired":"10000""#,
                r#""maxAmountRequired":"ten""#,
            ),
            "invalid_payment_requirements",
        ),
        ("not JSON", "{".to_owned(), "invalid_payment_requirements"),
        (
            "asset not an address",
            replace(
                V1_REQUIREMENTS,
                "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
                "usdc",
            ),
            "invalid_payment_requirements",
        ),
        (
            "domain name longer than 256 bytes",
            replace(
                V1_REQUIREMENTS,
                r#""name":"USDC""#,
                &format!(r#""name":"{}""#, "n".repeat(300)),
            ),
            "invalid_payment_requirements",
        ),
    ];
    assert_table("verify (requirements)", &rows, |r| {
        verify_code(core::str::from_utf8(r).unwrap(), V1_PAYMENT)
    });
}
