//! SettleResponse decoding never panics; canonical output decodes and re-encodes identically.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::writer::write_all;
use pay402::x402::SettleResponse;

fuzz_target!(|data: &[u8]| {
    let mut header_buf = [0u8; 8192];
    let _ = SettleResponse::from_header(data, &mut header_buf);
    let Ok(value) = SettleResponse::from_json(data) else {
        return;
    };
    let mut once = [0u8; 16384];
    let Ok(n) = write_all(&mut once, |w| value.write_json(w)) else {
        return;
    };
    let again = SettleResponse::from_json(&once[..n]).expect("canonical output decodes");
    let mut twice = [0u8; 16384];
    let m = write_all(&mut twice, |w| again.write_json(w)).expect("fits");
    assert_eq!(&once[..n], &twice[..m]);
});
