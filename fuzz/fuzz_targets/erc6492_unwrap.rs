//! ERC-6492 unwrapping never panics; what it returns lies inside the signature, and a signature
//! without the magic suffix is returned as is.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::evm::{ERC6492_MAGIC_SUFFIX, is_erc6492, strip_erc6492, unwrap_erc6492};

fn inside(outer: &[u8], inner: &[u8]) -> bool {
    let (o, i) = (outer.as_ptr() as usize, inner.as_ptr() as usize);
    inner.is_empty() || (i >= o && i + inner.len() <= o + outer.len())
}

fuzz_target!(|data: &[u8]| {
    // Half of the inputs get the magic appended, so the decoder is reached.
    let mut wrapped = data.to_vec();
    if data.first().is_some_and(|b| b & 1 == 1) {
        wrapped.extend_from_slice(&ERC6492_MAGIC_SUFFIX);
    }
    match unwrap_erc6492(&wrapped) {
        Ok(None) => {
            assert!(!is_erc6492(&wrapped));
            assert_eq!(strip_erc6492(&wrapped), Ok(&wrapped[..]));
        }
        Ok(Some(parsed)) => {
            assert!(is_erc6492(&wrapped));
            assert!(inside(&wrapped, parsed.factory_calldata));
            assert!(inside(&wrapped, parsed.signature));
            assert_eq!(strip_erc6492(&wrapped), Ok(parsed.signature));
        }
        Err(_) => assert!(is_erc6492(&wrapped)),
    }
});
