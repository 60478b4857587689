//! BOLT11 decoding never panics on any text; a decoded invoice's lazy views (description,
//! features, route hints, fallbacks, metadata) read without panicking and agree with the decode.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::bolt11::{Bolt11Invoice, DecodePolicy};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let lenient = DecodePolicy {
        require_payment_secret: false,
        ..DecodePolicy::default()
    };
    let strict = Bolt11Invoice::decode(text);
    let relaxed = Bolt11Invoice::decode_with(text, &lenient);
    if let Ok(invoice) = strict {
        assert_eq!(relaxed, Ok(invoice));
    }
    if let Ok(invoice) = relaxed {
        let mut buf = [0u8; 640];
        if let Some(d) = invoice.description() {
            assert!(d.to_str(&mut buf).is_ok());
        }
        if let Some(f) = invoice.features() {
            assert!(f.to_bytes(&mut buf).is_ok());
        }
        let hops: usize = invoice.route_hints().map(|r| r.hops().count()).sum();
        let _ = hops;
        let _ = invoice.fallbacks().count();
        let _ = invoice.metadata().map(|m| m.bytes().count());
        let _ = invoice.is_expired(u64::MAX);
        let _ = invoice.amount_within_budget(1_000_000);
    }
});
