//! Settlement calldata of arbitrary requirements and payments never panics. Input: one byte
//! choosing the settle amount, the requirements JSON, a NUL byte, then the payment JSON. A call
//! that is built starts with one of the four settlement selectors and is whole ABI words; a
//! refused one leaves the output buffer zero.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::U256;
use pay402::x402::{PaymentPayload, PaymentRequirements, settle_calldata};

const SELECTORS: [[u8; 4]; 4] = [
    [0xe3, 0xee, 0x16, 0x0e],
    [0xcf, 0x09, 0x29, 0x95],
    [0x13, 0xcd, 0x3b, 0x53],
    [0xff, 0x11, 0xe7, 0xb4],
];

fuzz_target!(|data: &[u8]| {
    let Some((&amount, rest)) = data.split_first() else {
        return;
    };
    let Some(split) = rest.iter().position(|&b| b == 0) else {
        return;
    };
    let (requirements, payment) = (&rest[..split], &rest[split + 1..]);
    let Ok(requirements) = PaymentRequirements::from_json(requirements) else {
        return;
    };
    let Ok(payment) = PaymentPayload::from_json(payment) else {
        return;
    };
    let settle_amount = match amount {
        0 => None,
        1 => Some(U256::MAX),
        n => Some(U256::from_u64(u64::from(n) - 2)),
    };
    for len in [0usize, 100, 8192] {
        let mut out = vec![0u8; len];
        match settle_calldata(&requirements, &payment, settle_amount, &mut out) {
            Ok(call) => {
                assert!(SELECTORS.iter().any(|s| call.data.starts_with(s)));
                assert_eq!((call.data.len() - 4) % 32, 0);
            }
            Err(_) => assert!(out.iter().all(|b| *b == 0)),
        }
    }
});
