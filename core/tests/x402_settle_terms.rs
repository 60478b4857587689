//! `settle_terms`: the `/settle` body as the reference facilitator reads it (`settleUptoPermit2`,
//! `typescript/packages/mechanisms/evm/src/upto/facilitator/permit2.ts` of
//! <https://github.com/coinbase/x402>): an `upto` charge is the requirements' `amount`, verified
//! against the signed maximum `permit2Authorization.permitted.amount`; `exact` is as sent.
//! The payment is `upto reference client #3 ok` of tests/conformance/vectors/x402-verify-permit2.peers.json
//! (@x402/evm 2.27.0), maximum 1075246299675.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use pay402::ErrorCode;
use pay402::U256;
use pay402::x402::{PaymentRequirements, settle_terms};

const PAYMENT: &str = r#"{"x402Version":2,"payload":{"signature":"0x955aa96b48bbbd203faf951a4e9b0c64f5231428cc712ba42a0e39b43565c871775a18e3424b6f7fbdcb07dbaffa2b8a7e3ca17bb7f6c8835d439c82663e624c1b","permit2Authorization":{"from":"0x70683885324a98822e51e7d9CE4F803cA57cB1A1","permitted":{"token":"0x45800B0AeCf5989B1601054aD90Ab0f37B0e27Fe","amount":"1075246299675"},"spender":"0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002","nonce":"42075081928103395501770252795017883825097644004543030827857649211998181955972","deadline":"1760200916","witness":{"to":"0x7bcf7e2329489af35353d55CA43C00eC475a28e9","facilitator":"0xE8799e87C92d970b5706FfB4780dEB7A79086D28","validAfter":"0"}}},"resource":{"url":"https://api.example.com/v2/a19e6900","description":"metered","mimeType":"application/json"},"accepted":{"scheme":"upto","network":"eip155:84532","amount":"1075246299675","asset":"0x45800b0aecf5989b1601054ad90ab0f37b0e27fe","payTo":"0x7bcf7e2329489af35353d55CA43C00eC475a28e9","maxTimeoutSeconds":300,"extra":{"facilitatorAddress":"0xE8799e87C92d970b5706FfB4780dEB7A79086D28"}}}"#;
const REQUIREMENTS: &str = r#"{"scheme":"upto","network":"eip155:84532","amount":"1075246299675","asset":"0x45800b0aecf5989b1601054ad90ab0f37b0e27fe","payTo":"0x7bcf7e2329489af35353d55CA43C00eC475a28e9","maxTimeoutSeconds":300,"extra":{"facilitatorAddress":"0xE8799e87C92d970b5706FfB4780dEB7A79086D28"}}"#;
const MAXIMUM: u64 = 1_075_246_299_675;

fn body(payment: &str, amount: &str) -> String {
    let requirements = REQUIREMENTS.replace(
        r#""amount":"1075246299675""#,
        &format!(r#""amount":{amount}"#),
    );
    format!(
        r#"{{"x402Version":2,"paymentPayload":{payment},"paymentRequirements":{requirements}}}"#
    )
}

fn amount(r: &PaymentRequirements<'_>) -> U256 {
    r.amount()
}

#[test]
fn an_upto_charge_is_verified_against_the_signed_maximum() {
    for charge in [1_500, MAXIMUM, 0] {
        let text = body(PAYMENT, &format!(r#""{charge}""#));
        let terms = settle_terms(text.as_bytes()).unwrap();
        assert_eq!(terms.charge, Some(U256::from_u64(charge)));
        assert_eq!(
            amount(&terms.request.payment_requirements),
            U256::from_u64(MAXIMUM)
        );
        assert!(terms.request.payment_requirements.scheme().eq_str("upto"));
    }
}

#[test]
fn an_upto_charge_above_the_signed_maximum_is_the_references_refusal() {
    let text = body(PAYMENT, &format!(r#""{}""#, MAXIMUM + 1));
    let err = settle_terms(text.as_bytes()).unwrap_err();
    assert_eq!(
        err.code(),
        "invalid_upto_evm_payload_settlement_exceeds_amount"
    );
}

#[test]
fn a_non_numeric_or_missing_amount_does_not_decode() {
    for amount in [r#""12a""#, r#""-1""#, r#""""#, r#""0x10""#, "null"] {
        let text = body(PAYMENT, amount);
        let err = settle_terms(text.as_bytes()).unwrap_err();
        assert_ne!(
            err.code(),
            "invalid_upto_evm_payload_settlement_exceeds_amount",
            "{amount}"
        );
    }
    assert!(settle_terms(b"{").is_err());
    assert!(settle_terms(b"{}").is_err());
}

#[test]
fn an_upto_body_without_a_permit2_authorization_is_an_invalid_payload() {
    let payment = r#"{"x402Version":2,"accepted":ACCEPTED,"payload":{"signature":"0x00"}}"#
        .replace("ACCEPTED", REQUIREMENTS);
    let text = body(&payment, r#""1""#);
    assert_eq!(
        settle_terms(text.as_bytes()).unwrap_err().code(),
        "invalid_payload"
    );
}

#[test]
fn an_exact_body_is_settled_as_sent() {
    let exact = REQUIREMENTS.replace(r#""scheme":"upto""#, r#""scheme":"exact""#);
    let payment = PAYMENT.replace(r#""scheme":"upto""#, r#""scheme":"exact""#);
    let text = format!(
        r#"{{"x402Version":2,"paymentPayload":{payment},"paymentRequirements":{}}}"#,
        exact.replace(r#""amount":"1075246299675""#, r#""amount":"1500""#)
    );
    let terms = settle_terms(text.as_bytes()).unwrap();
    assert_eq!(terms.charge, None);
    assert_eq!(
        amount(&terms.request.payment_requirements),
        U256::from_u64(1_500)
    );
}
