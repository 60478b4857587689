//! base64 decoding under every policy never panics, whatever decodes re-encodes to a
//! canonical form that decodes to the same bytes, and the variable-time decoder for public
//! data gives exactly the constant-time decoder's result and buffer contents.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::base64::{Base64Policy, decode_into, decode_public_into, encode_into};

fuzz_target!(|data: &[u8]| {
    for policy in [
        Base64Policy::STANDARD_PADDED,
        Base64Policy::X402,
        Base64Policy::ANY,
    ] {
        let mut out = [0u8; 4096];
        let mut public = [0u8; 4096];
        let fast = decode_public_into(data, &policy, &mut public).map(<[u8]>::to_vec);
        let slow = decode_into(data, &policy, &mut out).map(<[u8]>::to_vec);
        assert_eq!(fast, slow);
        assert_eq!(public, out);
        if let Ok(bytes) = decode_into(data, &policy, &mut out) {
            let mut encoded = [0u8; 8192];
            let text = encode_into(bytes, &mut encoded).expect("canonical encoding fits");
            let mut again = [0u8; 4096];
            let decoded = decode_into(text.as_bytes(), &Base64Policy::STANDARD_PADDED, &mut again)
                .expect("canonical encoding decodes");
            assert_eq!(decoded, bytes);
        }
    }
});
