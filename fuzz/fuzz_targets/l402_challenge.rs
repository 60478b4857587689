//! Any `WWW-Authenticate` value: the L402 challenge iterator and selection never panic, every
//! challenge found re-encodes (when its macaroon decodes) to a value that parses back to the
//! same macaroon bytes and invoice.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::base64::{Base64Policy, decode_into};
use pay402::l402::{challenges, select_challenge, write_challenge};
use pay402::writer::Writer;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let _ = select_challenge(&[text, text]);
    for c in challenges(text).flatten() {
        let mut bytes = vec![0u8; c.macaroon.len()];
        let Ok(mac) = decode_into(c.macaroon.as_bytes(), &Base64Policy::ANY, &mut bytes) else {
            continue;
        };
        let mut out = vec![0u8; 64 + 2 * c.macaroon.len() + c.invoice.len()];
        let mut w = Writer::new(&mut out);
        if write_challenge(&mut w, c.scheme, mac, c.invoice).is_err() {
            continue;
        }
        let written = core::str::from_utf8(w.written()).expect("ASCII output");
        let again = challenges(written)
            .next()
            .expect("one challenge")
            .expect("re-parses");
        assert_eq!(again.scheme, c.scheme);
        assert_eq!(again.invoice, c.invoice);
        let mut back = vec![0u8; again.macaroon.len()];
        let back = decode_into(
            again.macaroon.as_bytes(),
            &Base64Policy::STANDARD_PADDED,
            &mut back,
        )
        .expect("standard padded base64");
        assert_eq!(back, mac);
    }
});
