//! JSON parsing never panics; minified output is a fixed point and value-equal to the input.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::json::{RawValue, values_equal, write_minified};
use pay402::writer::write_all;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = RawValue::parse(data) else {
        return;
    };
    let mut once = [0u8; 16384];
    let Ok(n) = write_all(&mut once, |w| write_minified(w, &value)) else {
        return;
    };
    let minified = RawValue::parse(&once[..n]).expect("minified output parses");
    assert!(values_equal(&value, &minified));
    let mut twice = [0u8; 16384];
    let m = write_all(&mut twice, |w| write_minified(w, &minified)).expect("same size fits");
    assert_eq!(&once[..n], &twice[..m]);
    for (_, member) in value.members().into_iter().flatten() {
        let _ = member.as_u64();
    }
});
