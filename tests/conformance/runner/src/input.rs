//! Reading case inputs: typed getters whose failures become a `bad_vector_input` outcome.

use core::fmt::Write as _;
use serde_json::Value;

/// A missing or malformed input field (a defect in the vector file, not a core verdict).
pub(crate) fn bad(field: &str) -> String {
    format!("bad_vector_input:{field}")
}

pub(crate) fn str<'a>(input: &'a Value, key: &str) -> Result<&'a str, String> {
    input
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| bad(key))
}

pub(crate) fn opt_str<'a>(input: &'a Value, key: &str) -> Option<&'a str> {
    input.get(key).and_then(Value::as_str)
}

pub(crate) fn u64(input: &Value, key: &str) -> Result<u64, String> {
    input
        .get(key)
        .and_then(Value::as_u64)
        .ok_or_else(|| bad(key))
}

pub(crate) fn get<'a>(input: &'a Value, key: &str) -> Result<&'a Value, String> {
    input.get(key).ok_or_else(|| bad(key))
}

/// Lowercase/uppercase hex, with or without `0x`, into bytes.
pub(crate) fn hex_bytes(text: &str, key: &str) -> Result<Vec<u8>, String> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    if !digits.len().is_multiple_of(2) {
        return Err(bad(key));
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).map_err(|_| bad(key)))
        .collect()
}

pub(crate) fn hex_array<const N: usize>(text: &str, key: &str) -> Result<[u8; N], String> {
    hex_bytes(text, key)?.try_into().map_err(|_| bad(key))
}

/// `0x` + lowercase hex.
pub(crate) fn to_0x(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 + bytes.len() * 2);
    s.push_str("0x");
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}
