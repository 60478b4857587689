//! Recognizing an artifact never panics; the value is a trimmed slice of the input, a header
//! name is reported exactly when it is the evidence, and every code is a known `snake_case` name.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::recognize::{Evidence, recognize};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let r = recognize(text);
    let start = r.value.as_ptr() as usize - text.as_ptr() as usize;
    assert!(
        start + r.value.len() <= text.len(),
        "value lies inside the input"
    );
    assert_eq!(r.value, r.value.trim());
    assert_eq!(r.header.is_some(), r.evidence == Evidence::HeaderName);
    for code in [r.artifact.code(), r.encoding.code(), r.evidence.code()] {
        assert!(
            !code.is_empty()
                && code
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        );
    }
    // The value is the end of the input: a header name and a URI prefix only come before it.
    assert!(text.trim().ends_with(r.value));
    if let Some(name) = r.header {
        assert!(text.trim_start().starts_with(name));
    }
});
