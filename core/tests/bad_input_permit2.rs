//! The bad-input catalogue for the Permit2 scheme payload (x402 `exact` EVM scheme, Permit2): every
//! broken input must give exactly the code listed — never a panic, never a different code. The
//! codes are the contract bindings map to exception classes; changing one is a breaking change.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::too_many_lines, // catalogues are tables: one row per line reads better than split functions
)]

use pay402::ErrorCode;
use pay402::json::RawValue;
use pay402::x402::{ExactPermit2Payload, PaymentPayload, PaymentRequirements, Verifier};

/// The Permit2 payload example of the x402 `exact` EVM scheme; its signature is the EIP-3009
/// example's, a placeholder that does not verify.
const PAYLOAD: &str = r#"{"signature":"0x2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c","permit2Authorization":{"from":"0x857b06519E91e3A54538791bDbb0E22373e36b66","permitted":{"token":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","amount":"10000"},"spender":"0x402085c248EeA27D92E8b30b2C58ed07f9E20001","nonce":"33247007178036348590600198031289925668252061821958005840077069883511451257277","deadline":"1740672154","witness":{"to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","validAfter":"1740672089"}}}"#;

const REQUIREMENTS: &str = r#"{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"assetTransferMethod":"permit2"}}"#;

fn decode_code(json: &[u8]) -> &'static str {
    let Ok(value) = RawValue::parse(json) else {
        return "json";
    };
    match ExactPermit2Payload::from_json_value(value) {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

/// Wraps `payload` in a v2 payment for [`REQUIREMENTS`] and verifies it at the spec's time.
fn verify_code(payload: &str) -> &'static str {
    let payment = format!(r#"{{"x402Version":2,"accepted":{REQUIREMENTS},"payload":{payload}}}"#);
    let requirements =
        PaymentRequirements::from_json_value(RawValue::parse(REQUIREMENTS.as_bytes()).unwrap())
            .unwrap();
    let Ok(payment) = PaymentPayload::from_json(payment.as_bytes()) else {
        return "payment_undecodable";
    };
    match Verifier::default().verify(&requirements, &payment, 1_740_672_100) {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

fn replace(base: &str, from: &str, to: &str) -> String {
    assert!(base.contains(from), "mutation target {from:?} not found");
    base.replacen(from, to, 1)
}

fn rows() -> Vec<(&'static str, String, &'static str)> {
    let p = PAYLOAD;
    vec![
        ("spec example", p.to_owned(), "ok"),
        ("payload is an array", "[]".to_owned(), "wrong_type"),
        (
            "no signature",
            replace(p, r#""signature":"0x2d6a"#, r#""sig":"0x2d6a"#),
            "missing_field",
        ),
        (
            "signature is a number",
            replace(
                p,
                r#""signature":"0x2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c""#,
                r#""signature":1"#,
            ),
            "wrong_type",
        ),
        (
            "signature without 0x",
            replace(p, r#""0x2d6a"#, r#""2d6a"#),
            "hex_missing_prefix",
        ),
        (
            "signature odd length",
            replace(p, "8b571c\"", "8b571\""),
            "hex_odd_length",
        ),
        (
            "signature non-hex",
            replace(p, "8b571c\"", "8b571g\""),
            "hex_invalid_character",
        ),
        (
            "signature empty",
            replace(
                p,
                r#""signature":"0x2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c""#,
                r#""signature":"0x""#,
            ),
            "invalid_value",
        ),
        (
            "no permit2Authorization",
            replace(p, "permit2Authorization", "permit3Authorization"),
            "missing_field",
        ),
        (
            "permit2Authorization is a string",
            replace(
                p,
                r#""permit2Authorization":{"from""#,
                r#""permit2Authorization":"x","z":{"from""#,
            ),
            "wrong_type",
        ),
        (
            "permit2Authorization is null",
            replace(
                p,
                r#""permit2Authorization":{"from""#,
                r#""permit2Authorization":null,"z":{"from""#,
            ),
            "missing_field",
        ),
        (
            "no from",
            replace(p, r#""from":"#, r#""frm":"#),
            "missing_field",
        ),
        (
            "from too short",
            replace(
                p,
                "0x857b06519E91e3A54538791bDbb0E22373e36b66",
                "0x857b06519E91e3A54538791bDbb0E22373e36b6",
            ),
            "address_wrong_length",
        ),
        (
            "from without 0x",
            replace(
                p,
                "0x857b06519E91e3A54538791bDbb0E22373e36b66",
                "857b06519E91e3A54538791bDbb0E22373e36b6666",
            ),
            "address_missing_prefix",
        ),
        (
            "from with a wrong EIP-55 checksum (any case is accepted, as for EIP-3009)",
            replace(
                p,
                "0x857b06519E91e3A54538791bDbb0E22373e36b66",
                "0x857B06519E91e3A54538791bDbb0E22373e36b66",
            ),
            "ok",
        ),
        (
            "no permitted",
            replace(p, r#""permitted":"#, r#""permit":"#),
            "missing_field",
        ),
        (
            "permitted is an array",
            replace(
                p,
                r#""permitted":{"token":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","amount":"10000"}"#,
                r#""permitted":[]"#,
            ),
            "wrong_type",
        ),
        (
            "no token",
            replace(p, r#""token":"#, r#""tokn":"#),
            "missing_field",
        ),
        (
            "token non-hex",
            replace(
                p,
                r#""token":"0x036CbD53842c5426634e7929541eC2318f3dCF7e""#,
                r#""token":"0x036CbD53842c5426634e7929541eC2318f3dCF7z""#,
            ),
            "address_invalid_character",
        ),
        (
            "no amount",
            replace(p, r#""amount":"#, r#""amt":"#),
            "missing_field",
        ),
        (
            "amount negative",
            replace(p, r#""amount":"10000""#, r#""amount":"-1""#),
            "u256_invalid_digit",
        ),
        (
            "amount empty",
            replace(p, r#""amount":"10000""#, r#""amount":"""#),
            "u256_empty",
        ),
        (
            "amount with exponent",
            replace(p, r#""amount":"10000""#, r#""amount":"1e4""#),
            "u256_invalid_digit",
        ),
        (
            "amount hex",
            replace(p, r#""amount":"10000""#, r#""amount":"0x2710""#),
            "u256_invalid_digit",
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
            "amount is a boolean",
            replace(p, r#""amount":"10000""#, r#""amount":true"#),
            "wrong_type",
        ),
        (
            "amount as JSON integer",
            replace(p, r#""amount":"10000""#, r#""amount":10000"#),
            "ok",
        ),
        (
            "no spender",
            replace(p, r#""spender":"#, r#""spendr":"#),
            "missing_field",
        ),
        (
            "spender is a number",
            replace(
                p,
                r#""spender":"0x402085c248EeA27D92E8b30b2C58ed07f9E20001""#,
                r#""spender":1"#,
            ),
            "wrong_type",
        ),
        (
            "no nonce",
            replace(p, r#""nonce":"#, r#""nonc":"#),
            "missing_field",
        ),
        (
            "nonce hex",
            replace(
                p,
                r#""nonce":"33247007178036348590600198031289925668252061821958005840077069883511451257277""#,
                r#""nonce":"0x4981e3cea7b8a2f7f4d0c54ec63e6c0e3b4c9f43a8d4a8e9d80d0a1a2b3c4d5""#,
            ),
            "ok",
        ),
        (
            "nonce hex 65 digits",
            replace(
                p,
                r#""nonce":"33247007178036348590600198031289925668252061821958005840077069883511451257277""#,
                r#""nonce":"0x10000000000000000000000000000000000000000000000000000000000000000""#,
            ),
            "u256_overflow",
        ),
        (
            "nonce hex bare 0x",
            replace(
                p,
                r#""nonce":"33247007178036348590600198031289925668252061821958005840077069883511451257277""#,
                r#""nonce":"0x""#,
            ),
            "u256_empty",
        ),
        (
            "nonce hex non-digit",
            replace(
                p,
                r#""nonce":"33247007178036348590600198031289925668252061821958005840077069883511451257277""#,
                r#""nonce":"0x12g4""#,
            ),
            "u256_invalid_digit",
        ),
        (
            "nonce decimal overflow",
            replace(
                p,
                r#""nonce":"33247007178036348590600198031289925668252061821958005840077069883511451257277""#,
                r#""nonce":"332470071780363485906001980312899256682520618219580058400770698835114512572770""#,
            ),
            "u256_overflow",
        ),
        (
            "nonce is an object",
            replace(
                p,
                r#""nonce":"33247007178036348590600198031289925668252061821958005840077069883511451257277""#,
                r#""nonce":{}"#,
            ),
            "wrong_type",
        ),
        (
            "no deadline",
            replace(p, r#""deadline":"#, r#""dead":"#),
            "missing_field",
        ),
        (
            "deadline fractional",
            replace(
                p,
                r#""deadline":"1740672154""#,
                r#""deadline":"1740672154.5""#,
            ),
            "u256_invalid_digit",
        ),
        (
            "deadline hex",
            replace(
                p,
                r#""deadline":"1740672154""#,
                r#""deadline":"0x67bfa6da""#,
            ),
            "u256_invalid_digit",
        ),
        (
            "no witness",
            replace(p, r#""witness":"#, r#""witnes":"#),
            "missing_field",
        ),
        (
            "witness is a string",
            replace(
                p,
                r#""witness":{"to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","validAfter":"1740672089"}"#,
                r#""witness":"x""#,
            ),
            "wrong_type",
        ),
        (
            "witness without to",
            replace(p, r#"{"to":"#, r#"{"too":"#),
            "missing_field",
        ),
        (
            "witness.to too long",
            replace(
                p,
                r#""to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C""#,
                r#""to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C00""#,
            ),
            "address_wrong_length",
        ),
        (
            "witness without validAfter",
            replace(p, r#""validAfter":"#, r#""validafter":"#),
            "missing_field",
        ),
        (
            "validAfter negative",
            replace(p, r#""validAfter":"1740672089""#, r#""validAfter":"-5""#),
            "u256_invalid_digit",
        ),
        (
            "facilitator null is absent",
            replace(
                p,
                r#""validAfter":"1740672089"}"#,
                r#""validAfter":"1740672089","facilitator":null}"#,
            ),
            "ok",
        ),
        (
            "facilitator is a number",
            replace(
                p,
                r#""validAfter":"1740672089"}"#,
                r#""validAfter":"1740672089","facilitator":7}"#,
            ),
            "wrong_type",
        ),
        (
            "facilitator malformed",
            replace(
                p,
                r#""validAfter":"1740672089"}"#,
                r#""validAfter":"1740672089","facilitator":"0xdead"}"#,
            ),
            "address_wrong_length",
        ),
        (
            "unknown members ignored",
            replace(p, r#""deadline":"#, r#""memo":[1,{"a":null}],"deadline":"#),
            "ok",
        ),
    ]
}

#[test]
fn permit2_payload_catalogue() {
    let mut failures = Vec::new();
    for (what, input, want) in rows() {
        let got = decode_code(input.as_bytes());
        if got != want {
            failures.push(format!("{what}: expected {want}, got {got}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn undecodable_permit2_payloads_are_invalid_payload_at_verify() {
    for (what, input, want) in rows() {
        if want == "ok" || what == "payload is an array" || what == "no permit2Authorization" {
            continue;
        }
        assert_eq!(verify_code(&input), "invalid_payload", "{what}");
    }
}

#[test]
fn the_spec_example_fails_only_on_its_placeholder_signature() {
    // The scheme's Permit2 example: every check before the signature passes at the spec's time.
    assert_eq!(verify_code(PAYLOAD), "invalid_permit2_signature");
}

#[test]
fn an_upto_witness_without_facilitator_is_invalid_payload_for_upto() {
    let requirements = REQUIREMENTS
        .replace(r#""scheme":"exact""#, r#""scheme":"upto""#)
        .replace(
            r#"{"assetTransferMethod":"permit2"}"#,
            r#"{"facilitatorAddress":"0x000000000000000000000000000000000000dEaD"}"#,
        );
    let payload = PAYLOAD.replace(
        "0x402085c248EeA27D92E8b30b2C58ed07f9E20001",
        "0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002",
    );
    let payment = format!(r#"{{"x402Version":2,"accepted":{requirements},"payload":{payload}}}"#);
    let requirements =
        PaymentRequirements::from_json_value(RawValue::parse(requirements.as_bytes()).unwrap())
            .unwrap();
    let payment = PaymentPayload::from_json(payment.as_bytes()).unwrap();
    let verdict = Verifier::default().verify(&requirements, &payment, 1_740_672_100);
    assert_eq!(verdict.unwrap_err().code(), "invalid_payload");
}
