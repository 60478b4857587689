//! Liberal typed access to JSON object members for the non-x402 wire formats (Fewsats offers,
//! WS402, the sandbox): `null` counts as absent, and so do Go's zero values where a caller asks
//! for that (l402.md §16.3: Go emits every field, `""` and `0` mean "not set"). Unknown members
//! are ignored by construction. Each function names the field it failed on.

use crate::json::{JsonStr, Kind, RawValue};
use crate::u256::{LeadingZeros, U256};

/// What is wrong with a member; each module maps it into its own error enum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum FieldIssue {
    /// A required member is absent (or `null`, or a Go zero value where those mean absent).
    Missing(&'static str),
    /// The member has the wrong JSON type.
    WrongType(&'static str),
    /// The member has the right type but an unusable value (a fraction, a negative, too long).
    Invalid(&'static str),
}

/// The member `key`, `null` counting as absent.
pub(crate) fn member<'a>(obj: &RawValue<'a>, key: &str) -> Option<RawValue<'a>> {
    obj.get(key).filter(|v| !v.is_null())
}

/// The first present member among `keys` (dialect aliases, preferred name first), with the
/// name that matched.
pub(crate) fn member_any<'a>(
    obj: &RawValue<'a>,
    keys: &[&'static str],
) -> Option<(&'static str, RawValue<'a>)> {
    keys.iter().find_map(|k| member(obj, k).map(|v| (*k, v)))
}

/// An optional string; with `empty_is_absent`, `""` counts as absent (Go zero value).
pub(crate) fn opt_str<'a>(
    value: Option<(&'static str, RawValue<'a>)>,
    empty_is_absent: bool,
) -> Result<Option<JsonStr<'a>>, FieldIssue> {
    match value {
        None => Ok(None),
        Some((key, v)) => {
            let s = v.as_str().ok_or(FieldIssue::WrongType(key))?;
            Ok(if empty_is_absent && s.is_empty() {
                None
            } else {
                Some(s)
            })
        }
    }
}

/// A required string (non-empty when `empty_is_absent`).
pub(crate) fn req_str<'a>(
    obj: &RawValue<'a>,
    keys: &[&'static str],
    empty_is_absent: bool,
) -> Result<JsonStr<'a>, FieldIssue> {
    let name = keys.first().copied().unwrap_or("");
    opt_str(member_any(obj, keys), empty_is_absent)?.ok_or(FieldIssue::Missing(name))
}

/// An unsigned integer amount: a JSON integer (no fraction, exponent or sign) or a decimal
/// string of digits. `1.0`, `1e3`, `-1` and `"0x10"` are [`FieldIssue::Invalid`].
pub(crate) fn amount(key: &'static str, v: &RawValue<'_>) -> Result<U256, FieldIssue> {
    let mut buf = [0u8; 96];
    let digits: &str = match v.kind() {
        Kind::Number => v.as_number().unwrap_or_default(),
        Kind::String => v
            .as_str()
            .and_then(|s| s.unescape_into(&mut buf).ok())
            .ok_or(FieldIssue::Invalid(key))?,
        _ => return Err(FieldIssue::WrongType(key)),
    };
    U256::parse_decimal(digits.as_bytes(), LeadingZeros::Allow)
        .map_err(|_| FieldIssue::Invalid(key))
}

/// A `u64` integer (JSON integer or decimal string).
#[cfg(any(feature = "offers", feature = "ws402"))]
pub(crate) fn uint(key: &'static str, v: &RawValue<'_>) -> Result<u64, FieldIssue> {
    amount(key, v)?.to_u64().ok_or(FieldIssue::Invalid(key))
}

/// A required object.
#[cfg(any(feature = "offers", feature = "ws402"))]
pub(crate) fn req_object<'a>(
    obj: &RawValue<'a>,
    keys: &[&'static str],
) -> Result<RawValue<'a>, FieldIssue> {
    let name = keys.first().copied().unwrap_or("");
    let (key, v) = member_any(obj, keys).ok_or(FieldIssue::Missing(name))?;
    if v.kind() == Kind::Object {
        Ok(v)
    } else {
        Err(FieldIssue::WrongType(key))
    }
}

/// The value must be an object (the document root, an array element).
#[cfg(any(feature = "dialects", feature = "ws402"))]
pub(crate) fn object<'a>(v: RawValue<'a>, key: &'static str) -> Result<RawValue<'a>, FieldIssue> {
    if v.kind() == Kind::Object {
        Ok(v)
    } else {
        Err(FieldIssue::WrongType(key))
    }
}
