//! Any `Authorization` value (and any hex header value): parsing, selection and verification
//! never panic; a parsed credential whose macaroon decodes re-encodes to a canonical header that
//! parses to the same preimage and macaroon bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::l402::{
    Credential, Target, parse_macaroon_header, select_credential, verify_authorization,
    write_authorization,
};
use pay402::writer::Writer;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let mut scratch = vec![0u8; data.len() + 8];
    let keys = |_: &[u8; 32]| Some([7u8; 32]);
    let target = Target {
        service: "svc",
        capability: Some("read"),
        now: 1_700_000_000,
    };
    let _ = verify_authorization(&[text, text], &mut scratch, &keys, &target, &[]);
    let _ = select_credential(&[text]);
    let _ = parse_macaroon_header(text, &mut scratch);
    let Ok(cred) = Credential::parse(text) else {
        return;
    };
    let mut bytes = vec![0u8; data.len()];
    let Ok(mac) = cred.decode_macaroon(0, &mut bytes) else {
        return;
    };
    let mut v2 = vec![0u8; mac.v2_len()];
    let mut w = Writer::new(&mut v2);
    if mac.encode_v2(&mut w).is_err() {
        return;
    }
    let v2 = w.written().to_vec();
    let mut out = vec![0u8; 2 * v2.len() + 128];
    let mut w = Writer::new(&mut out);
    write_authorization(&mut w, cred.scheme, &v2, &cred.preimage).expect("sized");
    let header = core::str::from_utf8(w.written()).expect("ASCII");
    let again = Credential::parse(header).expect("canonical header parses");
    assert_eq!(again.preimage, cred.preimage);
    let mut back = vec![0u8; header.len()];
    let back = again.decode_macaroon(0, &mut back).expect("decodes");
    assert_eq!(back.signature(), mac.signature());
    assert_eq!(back.id(), mac.id());
});
