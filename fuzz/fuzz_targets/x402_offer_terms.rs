//! Payment options never panic: any price text, decimals and fields resolve or give a code. A
//! resolved price is positive, and a display price made only of digits (no `$`, no `.`) is that
//! many whole units: `n` × 10^decimals.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::ErrorCode;
use pay402::U256;
use pay402::u256::LeadingZeros;
use pay402::x402::server::{PaymentOption, Price};

fuzz_target!(|data: &[u8]| {
    let Some((&decimals, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = core::str::from_utf8(rest) else {
        return;
    };
    let decimals = decimals % 80;
    match Price::Display(text).to_atomic(Some(decimals)) {
        Ok(amount) => {
            assert_ne!(amount, U256::ZERO);
            if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
                let whole = U256::parse_decimal(text.as_bytes(), LeadingZeros::Allow).unwrap();
                let mut scale = U256::from_u64(1);
                for _ in 0..decimals {
                    scale = scale.checked_mul(U256::from_u64(10)).unwrap();
                }
                assert_eq!(whole.checked_mul(scale), Some(amount));
            }
        }
        Err(e) => assert!(!e.code().is_empty()),
    }
    // The same text in every field of an option: a verdict, never a panic.
    let mut parts = text.split('|');
    let mut next = || parts.next().unwrap_or("");
    let option = PaymentOption {
        scheme: next(),
        network: next(),
        asset: Some(next()).filter(|a| !a.is_empty()),
        price: Price::Display(next()),
        pay_to: next(),
        decimals: Some(decimals),
        eip712_name: Some(next()),
        eip712_version: Some(next()),
        transfer_method: Some(next()).filter(|m| !m.is_empty()),
        facilitator: Some(next()),
        fee_payer: Some(next()),
        max_timeout_seconds: Some(u64::from(decimals)),
    };
    if let Ok(offer) = option.resolve() {
        let _ = offer.prepare();
    }
});
