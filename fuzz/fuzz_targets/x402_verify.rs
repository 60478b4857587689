//! Verification of arbitrary requirements and payment headers never panics. Input: requirements
//! JSON, a NUL byte, then the payment header.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::evm::SignaturePolicy;
use pay402::x402::{AmountRule, Verifier, VerifyPolicy};

fuzz_target!(|data: &[u8]| {
    let Some(split) = data.iter().position(|&b| b == 0) else {
        return;
    };
    let (requirements, header) = (&data[..split], &data[split + 1..]);
    let lenient = VerifyPolicy {
        amount: AmountRule::AtLeast,
        signature: SignaturePolicy::Lenient,
        ..VerifyPolicy::default()
    };
    for policy in [VerifyPolicy::default(), lenient] {
        let mut buf = [0u8; 8192];
        let verifier = Verifier {
            policy,
            ..Verifier::default()
        };
        let _ = verifier.verify_header(requirements, header, &mut buf, 1_740_672_100);
    }
});
