//! Comparing an op's outcome with a case's `expect`.

use crate::ops::Outcome;
use serde_json::Value;

/// `expect` is `{"ok": {...}}` (every listed field must equal the result) or `{"error": "<code>"}`
/// (`"*"` = any error).
pub(crate) fn check(expect: &Value, got: &Outcome) -> Result<(), String> {
    match (expect.get("ok"), expect.get("error"), got) {
        (Some(ok), None, Ok(result)) => {
            let fields = ok.as_object().ok_or("`expect.ok` must be an object")?;
            for (key, want) in fields {
                match result.get(key) {
                    Some(have) if values_match(want, have) => {}
                    Some(have) => return Err(format!("expected {key} = {want}, got {have}")),
                    None => return Err(format!("expected {key} = {want}, got no {key}")),
                }
            }
            Ok(())
        }
        (Some(ok), None, Err(code)) => Err(format!("expected ok {ok}, got error {code}")),
        (None, Some(want), Ok(result)) => Err(format!("expected error {want}, got ok {result}")),
        (None, Some(want), Err(code)) => {
            if want == "*" || want.as_str() == Some(code.as_str()) {
                Ok(())
            } else {
                Err(format!("expected error {want}, got error {code}"))
            }
        }
        _ => {
            Err("expected exactly one of `expect.ok` / `expect.error`, got a malformed case".into())
        }
    }
}

/// Exact JSON equality, except that EVM addresses (`0x` + 40 hex digits) compare
/// case-insensitively (tests/conformance/vectors/README.md).
fn values_match(want: &Value, have: &Value) -> bool {
    match (want, have) {
        (Value::String(a), Value::String(b)) if is_address(a) && is_address(b) => {
            a.eq_ignore_ascii_case(b)
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| values_match(x, y))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|w| values_match(v, w)))
        }
        (Value::Number(a), Value::Number(b)) => a.to_string() == b.to_string(),
        _ => want == have,
    }
}

fn is_address(s: &str) -> bool {
    s.len() == 42 && s.starts_with("0x") && s[2..].bytes().all(|b| b.is_ascii_hexdigit())
}
