//! Facilitator bodies (/verify, /settle, /supported) decode without panicking and re-encode to
//! output that decodes again.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::writer::write_all;
use pay402::x402::{SupportedResponse, VerifyRequest, VerifyResponse};

fuzz_target!(|data: &[u8]| {
    let mut out = [0u8; 32768];
    if let Ok(v) = VerifyRequest::from_json(data)
        && let Ok(n) = write_all(&mut out, |w| v.write_json(w))
    {
        VerifyRequest::from_json(&out[..n]).expect("re-encoded request decodes");
    }
    if let Ok(v) = VerifyResponse::from_json(data)
        && let Ok(n) = write_all(&mut out, |w| v.write_json(w))
    {
        VerifyResponse::from_json(&out[..n]).expect("re-encoded response decodes");
    }
    if let Ok(v) = SupportedResponse::from_json(data)
        && let Ok(n) = write_all(&mut out, |w| v.write_json(w))
    {
        SupportedResponse::from_json(&out[..n]).expect("re-encoded /supported decodes");
    }
});
