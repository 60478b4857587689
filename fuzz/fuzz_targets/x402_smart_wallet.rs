//! The smart-wallet verification steps never panic on arbitrary signatures, payer codes and
//! `eth_call` answers. Input: one byte of flags (bit 0: the factory 0x1111… is allow-listed, bit 1:
//! the call reverted), the payer's code length (one byte), the code, the signature length (two
//! bytes, big-endian), the signature, and the call's return data. A refused step leaves the
//! calldata buffer zero; a built call goes to the payer (EIP-1271) or to Multicall3.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::evm::Address;
use pay402::x402::smart_wallet::{AfterCode, CallOutcome, MULTICALL3_ADDRESS, SignatureCheck};
use pay402::x402::{PaymentPayload, PaymentRequirements, Verifier};

/// The x402 v2 specification's EIP-3009 example requirements (section 5).
const REQUIREMENTS: &[u8] = br#"{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}"#;

fuzz_target!(|data: &[u8]| {
    let [flags, code_len, rest @ ..] = data else {
        return;
    };
    let Some((code, rest)) = rest.split_at_checked(usize::from(*code_len)) else {
        return;
    };
    let [hi, lo, rest @ ..] = rest else {
        return;
    };
    let Some((signature, answer)) =
        rest.split_at_checked(usize::from(u16::from_be_bytes([*hi, *lo])))
    else {
        return;
    };
    let signature_hex: String = signature.iter().map(|b| format!("{b:02x}")).collect();
    let payment = format!(
        r#"{{"x402Version":2,"accepted":{},"payload":{{"signature":"0x{signature_hex}","authorization":{{"from":"0x857b06519E91e3A54538791bDbb0E22373e36b66","to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","value":"10000","validAfter":"1740672089","validBefore":"1740672154","nonce":"0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480"}}}}}}"#,
        core::str::from_utf8(REQUIREMENTS).unwrap()
    );
    let requirements = PaymentRequirements::from_json(REQUIREMENTS).unwrap();
    let Ok(payment) = PaymentPayload::from_json(payment.as_bytes()) else {
        return;
    };
    let mut sig_buf = [0u8; 2048];
    let Ok(check) = SignatureCheck::begin(
        &Verifier::default(),
        &requirements,
        &payment,
        1_740_672_100,
        &mut sig_buf,
    ) else {
        return;
    };
    let payer = check.payer();
    let allowed = [Address([0x11; 20])];
    let factories: &[Address] = if flags & 1 == 1 { &allowed } else { &[] };
    let mut calldata = [0u8; 8192];
    match check.with_code(code, factories, &mut calldata) {
        Err(_) => assert!(calldata.iter().all(|b| *b == 0)),
        Ok(AfterCode::Verified(v)) => {
            assert!(code.is_empty());
            assert_eq!(v.payer, payer);
        }
        Ok(AfterCode::NeedsCall(call)) => {
            assert!(call.to == payer || call.to == MULTICALL3_ADDRESS);
            assert_eq!((call.calldata.len() - 4) % 32, 0);
            let outcome = if flags & 2 == 2 {
                CallOutcome::Reverted
            } else {
                CallOutcome::Returned(answer)
            };
            if let Ok(v) = call.with_call_result(outcome) {
                assert_eq!(v.payer, payer);
            }
        }
    }
});
