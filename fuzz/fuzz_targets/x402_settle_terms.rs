//! Reading a `/settle` body's terms (`x402::settle_terms`) never panics on any input, and gives
//! the same charge every time for the same body.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::x402::settle_terms;

fuzz_target!(|data: &[u8]| {
    let first = settle_terms(data).map(|t| t.charge);
    let again = settle_terms(data).map(|t| t.charge);
    assert_eq!(first.is_ok(), again.is_ok());
    if let (Ok(a), Ok(b)) = (first, again) {
        assert_eq!(a, b);
    }
});
