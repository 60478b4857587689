//! Fewsats offers codecs never panic on any bytes; a decoded 402 body re-encodes to a canonical
//! form that decodes to the same value, and that form is a fixed point.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::offers::{OffersBody, PaymentRequest, PaymentRequestResponse, verify_webhook};
use pay402::writer::Writer;

fuzz_target!(|data: &[u8]| {
    if let Ok(body) = OffersBody::decode(data) {
        let mut buf = vec![0u8; data.len() * 2 + 512];
        let mut w = Writer::new(&mut buf);
        body.encode(&mut w).expect("room for the canonical form");
        let canonical = w.written().to_vec();
        let again = OffersBody::decode(&canonical).expect("canonical form decodes");
        assert_eq!(again, body);
        let mut buf2 = vec![0u8; canonical.len() + 16];
        let mut w2 = Writer::new(&mut buf2);
        again.encode(&mut w2).unwrap();
        assert_eq!(w2.written(), &canonical[..]);
    }
    if let Ok(r) = PaymentRequestResponse::decode(data) {
        let _ = r.expires_at_unix();
    }
    let _ = PaymentRequest::decode(data);
    if let Ok(text) = core::str::from_utf8(data) {
        let _ = verify_webhook(text, data, b"secret", 1_700_000_000, 300);
        let _ = pay402::dialects::PayPer402Challenge::parse(text, 6);
        let _ = pay402::dialects::decimal_to_atomic(text, 18);
    }
    let _ = pay402::dialects::SandboxRequirements::decode(data);
    // The entitlement record a host persists: whatever decodes re-encodes to the same bytes.
    if let Ok(entitlement) = pay402::offers::Entitlement::decode(data) {
        let bytes = entitlement.encode();
        assert_eq!(
            pay402::offers::Entitlement::decode(&bytes).map(|e| e.encode()),
            Ok(bytes)
        );
    }
});
