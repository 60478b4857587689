//! The page's reading of its page data never panics and is deterministic: `write_offers` over
//! arbitrary bytes, into an output buffer and a scratch buffer that may be too small; what it
//! writes is JSON. Also `balance_covers` over the same bytes as an `eth_call` answer and
//! `mint_decimals` over them as a mint account's data.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::page::{balance_covers, mint_decimals, write_offers};
use pay402::svm::TOKEN_PROGRAM_ID;
use pay402::u256::U256;
use pay402::writer::write_all;

fuzz_target!(|data: &[u8]| {
    let Some((&size, rest)) = data.split_first() else {
        return;
    };
    let mut scratch = vec![0u8; usize::from(size) * 16];
    let mut out = vec![0u8; 4096];
    let first = write_all(&mut out, |w| write_offers(w, rest, &mut scratch));
    let mut again = vec![0u8; 4096];
    let second = write_all(&mut again, |w| write_offers(w, rest, &mut scratch));
    assert_eq!(first, second);
    if let Ok(n) = first {
        assert_eq!(out[..n], again[..n]);
        assert!(pay402::json::RawValue::parse(&out[..n]).is_ok());
    }
    let _ = balance_covers(rest, U256::from_u64(u64::from(size)));
    let _ = mint_decimals(&TOKEN_PROGRAM_ID, rest);
});
