//! The Permit2 scheme payload decoder, its encoder, and Permit2 verification never panic, and
//! a decoded payload re-encodes into JSON that decodes to the same authorization. Input: a
//! payload object JSON (also wrapped into a v2 payment for both `exact` and `upto` requirements).
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::U256;
use pay402::evm::{Address, SignaturePolicy};
use pay402::json::RawValue;
use pay402::writer::write_all;
use pay402::x402::{
    AmountRule, ExactPermit2Payload, PaymentPayload, PaymentRequirements, UptoOptions, Verifier,
    VerifyPolicy,
};

const EXACT: &str = r#"{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"assetTransferMethod":"permit2"}}"#;
const UPTO: &str = r#"{"scheme":"upto","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"facilitatorAddress":"0x000000000000000000000000000000000000dEaD"}}"#;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = RawValue::parse(data) else {
        return;
    };
    if let Ok(payload) = ExactPermit2Payload::from_json_value(value) {
        let mut out = [0u8; 8192];
        if let Ok(n) = write_all(&mut out, |w| payload.write_json(w)) {
            let again = RawValue::parse(&out[..n]).expect("encoder writes JSON");
            let decoded =
                ExactPermit2Payload::from_json_value(again).expect("re-encoded payload decodes");
            assert_eq!(decoded.authorization, payload.authorization);
        }
    }
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    for requirements in [EXACT, UPTO] {
        let payment = format!(r#"{{"x402Version":2,"accepted":{requirements},"payload":{text}}}"#);
        let Ok(payment) = PaymentPayload::from_json(payment.as_bytes()) else {
            continue;
        };
        let requirements =
            PaymentRequirements::from_json_value(RawValue::parse(requirements.as_bytes()).unwrap())
                .unwrap();
        let lenient = VerifyPolicy {
            amount: AmountRule::AtLeast,
            signature: SignaturePolicy::Lenient,
            ..VerifyPolicy::default()
        };
        for policy in [VerifyPolicy::default(), lenient] {
            let verifier = Verifier {
                policy,
                svm: None,
                upto: UptoOptions {
                    settle_amount: Some(U256::from_u64(5000)),
                    facilitator: Address::parse(b"0x000000000000000000000000000000000000dEaD").ok(),
                },
            };
            let _ = verifier.verify(&requirements, &payment, 1_740_672_100);
        }
    }
});
