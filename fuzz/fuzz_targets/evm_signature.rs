//! Signature parsing and recovery never panic under either policy; a signature accepted by the
//! strict policy recovers the same address under the lenient one.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::evm::{SignaturePolicy, recover_address};

fuzz_target!(|data: &[u8]| {
    let Some((digest, signature)) = data.split_first_chunk::<32>() else {
        return;
    };
    let strict = recover_address(digest, signature, SignaturePolicy::Strict);
    let lenient = recover_address(digest, signature, SignaturePolicy::Lenient);
    if let Ok(address) = strict {
        assert_eq!(lenient, Ok(address));
    }
});
