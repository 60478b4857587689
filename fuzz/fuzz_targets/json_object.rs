//! The typed object reader never panics: every field reader, on every member of any JSON object
//! (and of its nested objects), returns a value or a `FieldIssue` naming the key it was asked.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::json::{FieldIssue, MAX_PARSED_TEXT, Object, RawValue};

const KEYS: [&str; 6] = ["a", "amount", "network", "payTo", "extra", "x402Version"];

fn read_all(object: &Object<'_>, depth: u8) {
    for key in KEYS {
        let check = |r: Result<(), FieldIssue>| {
            if let Err(issue) = r {
                assert_eq!(issue.key(), key);
            }
        };
        check(object.field(key).str().map(drop));
        check(object.field(key).opt_nonempty_str().map(drop));
        check(object.field(key).bool().map(drop));
        check(object.field(key).u64().map(drop));
        check(object.field(key).positive_u64().map(drop));
        check(object.field(key).u64_or_string().map(drop));
        check(object.field(key).amount().map(drop));
        check(object.field(key).uint256().map(drop));
        check(object.field(key).address().map(drop));
        check(object.field(key).bytes32().map(drop));
        let mut buf = [0u8; MAX_PARSED_TEXT];
        check(object.field(key).parsed_text(&mut buf).map(drop));
        check(object.field(key).opt_array().map(drop));
        if let (true, Ok(inner)) = (depth < 4, object.field(key).object()) {
            read_all(&inner, depth + 1);
        }
    }
    let _ = object.field_any(&KEYS).opt_str();
}

fuzz_target!(|data: &[u8]| {
    let Ok(value) = RawValue::parse(data) else {
        return;
    };
    if let Some(object) = Object::new(value) {
        read_all(&object, 0);
    }
});
