//! Typed access to the members of an x402 JSON object, with x402's liberal input rules.
//!
//! - A member whose value is `null` counts as absent (x402-rs writes `"extra": null`,
//!   `"mimeType": null`).
//! - Amounts are decimal strings, or JSON integers as x402-rs accepts them; both become [`U256`].
//! - Unknown members are ignored.
//!
//! Every function names the field it failed on in the returned [`DecodeError`].

use super::error::{DecodeError, DecodeReason};
use crate::evm::Address;
use crate::json::{JsonStr, Kind, RawValue};
use crate::u256::{LeadingZeros, U256};

/// Longest decoded text accepted for a field that is parsed further (amounts, addresses, hashes).
const SHORT_TEXT_CAP: usize = 160;

fn error(field: &'static str, reason: DecodeReason) -> DecodeError {
    DecodeError::new(field, reason)
}

/// How many members of one object [`Object`] indexes in a single walk; an object with more
/// members is still decoded correctly, the rest are looked up by walking the object again.
const INDEXED_MEMBERS: usize = 24;

/// Something members can be looked up in by key.
pub(crate) trait Members<'a> {
    /// The member `key` as written (`null` included).
    fn lookup(&self, key: &str) -> Option<RawValue<'a>>;
}

impl<'a> Members<'a> for RawValue<'a> {
    fn lookup(&self, key: &str) -> Option<RawValue<'a>> {
        self.get(key)
    }
}

/// A JSON object whose members were indexed in one walk, so that reading a dozen fields does
/// not walk (and skip over the nested values of) the object a dozen times.
#[derive(Debug, Clone)]
pub(crate) struct Object<'a> {
    raw: RawValue<'a>,
    members: heapless::Vec<(JsonStr<'a>, RawValue<'a>), INDEXED_MEMBERS>,
    complete: bool,
}

impl<'a> Object<'a> {
    /// The object as received.
    pub(crate) fn raw(&self) -> RawValue<'a> {
        self.raw
    }
}

impl<'a> Members<'a> for Object<'a> {
    fn lookup(&self, key: &str) -> Option<RawValue<'a>> {
        match self.members.iter().find(|(k, _)| k.eq_str(key)) {
            Some((_, value)) => Some(*value),
            None if self.complete => None,
            None => self.raw.get(key),
        }
    }
}

/// `value` must be a JSON object; its members are indexed for the field readers below.
pub(crate) fn object<'a>(
    value: RawValue<'a>,
    field: &'static str,
) -> Result<Object<'a>, DecodeError> {
    let Some(iter) = value.members() else {
        return Err(error(field, DecodeReason::WrongType));
    };
    let mut members = heapless::Vec::new();
    let mut complete = true;
    for member in iter {
        if members.push(member).is_err() {
            complete = false;
            break;
        }
    }
    Ok(Object {
        raw: value,
        members,
        complete,
    })
}

/// `value` must be a JSON object (checked, not indexed: for values handed on to another decoder).
fn object_value<'a>(value: RawValue<'a>, field: &'static str) -> Result<RawValue<'a>, DecodeError> {
    if value.kind() == Kind::Object {
        Ok(value)
    } else {
        Err(error(field, DecodeReason::WrongType))
    }
}

/// The member `key`, treating `null` as absent.
pub(crate) fn member<'a>(obj: &impl Members<'a>, key: &str) -> Option<RawValue<'a>> {
    obj.lookup(key).filter(|v| !v.is_null())
}

/// A required member of any type.
pub(crate) fn required<'a>(
    obj: &impl Members<'a>,
    key: &'static str,
) -> Result<RawValue<'a>, DecodeError> {
    member(obj, key).ok_or(error(key, DecodeReason::MissingField))
}

/// A required string member.
pub(crate) fn required_str<'a>(
    obj: &impl Members<'a>,
    key: &'static str,
) -> Result<JsonStr<'a>, DecodeError> {
    required(obj, key)?
        .as_str()
        .ok_or(error(key, DecodeReason::WrongType))
}

/// An optional string member (`null` = absent).
pub(crate) fn optional_str<'a>(
    obj: &impl Members<'a>,
    key: &'static str,
) -> Result<Option<JsonStr<'a>>, DecodeError> {
    member(obj, key)
        .map(|v| v.as_str().ok_or(error(key, DecodeReason::WrongType)))
        .transpose()
}

/// An optional object member (`null` = absent).
pub(crate) fn optional_object<'a>(
    obj: &impl Members<'a>,
    key: &'static str,
) -> Result<Option<RawValue<'a>>, DecodeError> {
    member(obj, key).map(|v| object_value(v, key)).transpose()
}

/// A required object member.
pub(crate) fn required_object<'a>(
    obj: &impl Members<'a>,
    key: &'static str,
) -> Result<RawValue<'a>, DecodeError> {
    object_value(required(obj, key)?, key)
}

/// A required boolean member.
pub(crate) fn required_bool<'a>(
    obj: &impl Members<'a>,
    key: &'static str,
) -> Result<bool, DecodeError> {
    required(obj, key)?
        .as_bool()
        .ok_or(error(key, DecodeReason::WrongType))
}

/// A required JSON integer (no fraction, no exponent, no sign) that fits a `u64`.
pub(crate) fn required_u64<'a>(
    obj: &impl Members<'a>,
    key: &'static str,
) -> Result<u64, DecodeError> {
    let value = required(obj, key)?;
    if value.kind() != Kind::Number {
        return Err(error(key, DecodeReason::WrongType));
    }
    value.as_u64().ok_or(error(key, DecodeReason::InvalidValue))
}

/// A required positive `u64` (`maxTimeoutSeconds`).
pub(crate) fn required_positive_u64<'a>(
    obj: &impl Members<'a>,
    key: &'static str,
) -> Result<u64, DecodeError> {
    match required_u64(obj, key)? {
        0 => Err(error(key, DecodeReason::InvalidValue)),
        n => Ok(n),
    }
}

/// A required uint256 amount: a decimal string (leading zeros allowed, as `BigInt()` reads it) or
/// a JSON integer.
pub(crate) fn required_amount<'a>(
    obj: &impl Members<'a>,
    key: &'static str,
) -> Result<U256, DecodeError> {
    amount(&required(obj, key)?, key)
}

/// An optional uint256 amount (`null` = absent).
pub(crate) fn optional_amount<'a>(
    obj: &impl Members<'a>,
    key: &'static str,
) -> Result<Option<U256>, DecodeError> {
    member(obj, key).map(|v| amount(&v, key)).transpose()
}

fn amount(value: &RawValue<'_>, key: &'static str) -> Result<U256, DecodeError> {
    let mut buf = [0u8; SHORT_TEXT_CAP];
    let digits = match value.kind() {
        Kind::String => short_text(value, key, &mut buf)?,
        Kind::Number => value.as_number().unwrap_or_default(),
        _ => return Err(error(key, DecodeReason::WrongType)),
    };
    U256::parse_decimal(digits.as_bytes(), LeadingZeros::Allow)
        .map_err(|e| error(key, DecodeReason::Amount(e)))
}

/// A required uint256 written as an amount is ([`required_amount`]) or as `0x` + 1 to 64 hex
/// digits (the Permit2 `nonce` of the `upto` spec example; `BigInt()` reads both).
pub(crate) fn required_uint256_dec_or_hex<'a>(
    obj: &impl Members<'a>,
    key: &'static str,
) -> Result<U256, DecodeError> {
    let value = required(obj, key)?;
    let mut buf = [0u8; SHORT_TEXT_CAP];
    if value.kind() == Kind::String {
        let text = short_text(&value, key, &mut buf)?;
        if text.starts_with("0x") {
            return U256::parse_hex_prefixed(text.as_bytes())
                .map_err(|e| error(key, DecodeReason::Amount(e)));
        }
    }
    amount(&value, key)
}

/// A required EVM address member (`0x` + 40 hex digits, any case).
pub(crate) fn required_address<'a>(
    obj: &impl Members<'a>,
    key: &'static str,
) -> Result<Address, DecodeError> {
    let mut buf = [0u8; SHORT_TEXT_CAP];
    let text = short_text(&required(obj, key)?, key, &mut buf)?;
    Address::parse(text.as_bytes()).map_err(|e| error(key, DecodeReason::Address(e)))
}

/// A required 32-byte value written as `0x` + 64 hex digits.
pub(crate) fn required_bytes32<'a>(
    obj: &impl Members<'a>,
    key: &'static str,
) -> Result<[u8; 32], DecodeError> {
    let mut buf = [0u8; SHORT_TEXT_CAP];
    let text = short_text(&required(obj, key)?, key, &mut buf)?;
    crate::hex::strip_0x(text.as_bytes())
        .and_then(crate::hex::decode_array::<32>)
        .map_err(|e| error(key, DecodeReason::Hex(e)))
}

/// The decoded text of a short string value: borrowed when it has no escapes (nearly always),
/// otherwise unescaped into `buf`. Longer than [`SHORT_TEXT_CAP`] bytes is `invalid_value`.
pub(crate) fn short_text<'a: 'b, 'b>(
    value: &RawValue<'a>,
    key: &'static str,
    buf: &'b mut [u8; SHORT_TEXT_CAP],
) -> Result<&'b str, DecodeError> {
    let s = value.as_str().ok_or(error(key, DecodeReason::WrongType))?;
    str_text(&s, buf).ok_or(error(key, DecodeReason::InvalidValue))
}

/// The decoded text of `s`, for lookups and parsing: borrowed when it has no escapes, otherwise
/// unescaped into `buf`; `None` when it is longer than `buf`.
pub(crate) fn str_text<'a: 'b, 'b>(s: &JsonStr<'a>, buf: &'b mut [u8]) -> Option<&'b str> {
    match s.as_plain() {
        Some(text) if text.len() <= buf.len() => Some(text),
        Some(_) => None,
        None => s.unescape_into(buf).ok(),
    }
}

/// Reads the `x402Version` member: a JSON number, 1 or 2.
pub(crate) fn x402_version<'a>(obj: &impl Members<'a>) -> Result<super::X402Version, DecodeError> {
    const KEY: &str = "x402Version";
    let value = required(obj, KEY)?;
    if value.kind() != Kind::Number {
        return Err(error(KEY, DecodeReason::WrongType));
    }
    match value.as_u64() {
        Some(1) => Ok(super::X402Version::V1),
        Some(2) => Ok(super::X402Version::V2),
        _ => Err(error(KEY, DecodeReason::UnsupportedVersion)),
    }
}
