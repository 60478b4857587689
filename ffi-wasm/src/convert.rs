//! Conversions between JS values and core types.

#[cfg(feature = "x402")]
use crate::errors::core_error;
#[cfg(any(feature = "x402", feature = "l402", feature = "ws402"))]
use crate::errors::{JsResult, arg_error};
#[cfg(any(
    feature = "client",
    feature = "svm",
    feature = "l402",
    feature = "offers"
))]
use js_sys::Array;
#[cfg(any(feature = "x402", feature = "l402"))]
use js_sys::Uint8Array;
use js_sys::{BigInt, Object, Reflect};
#[cfg(any(
    feature = "x402",
    feature = "ws402",
    feature = "offers",
    feature = "l402"
))]
use pay402::U256;
#[cfg(feature = "x402")]
use pay402::evm::Address;
#[cfg(any(feature = "x402", feature = "ws402", feature = "l402"))]
use pay402::u256::LeadingZeros;
#[cfg(any(feature = "x402", feature = "l402", feature = "offers"))]
use pay402::{BufferTooSmall, ErrorCode};
#[cfg(any(feature = "x402", feature = "l402", feature = "ws402"))]
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;

/// Largest integer a JS `number` holds exactly.
#[cfg(any(feature = "x402", feature = "l402", feature = "ws402"))]
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// `obj[key]` (`undefined` when `obj` is not an object).
#[cfg(any(feature = "x402", feature = "l402", feature = "ws402"))]
pub(crate) fn get(obj: &JsValue, key: &str) -> JsValue {
    if obj.is_object() {
        Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// `null` and `undefined` both mean "absent".
#[cfg(any(feature = "x402", feature = "l402", feature = "ws402"))]
pub(crate) fn present(v: &JsValue) -> Option<&JsValue> {
    if v.is_undefined() || v.is_null() {
        None
    } else {
        Some(v)
    }
}

/// A required string.
#[cfg(any(feature = "x402", feature = "l402"))]
pub(crate) fn string(v: &JsValue, field: &str) -> JsResult<String> {
    v.as_string().ok_or_else(|| arg_error(field, "a string"))
}

/// An optional string.
#[cfg(any(feature = "x402", feature = "l402"))]
pub(crate) fn opt_string(v: &JsValue, field: &str) -> JsResult<Option<String>> {
    present(v).map(|v| string(v, field)).transpose()
}

/// A required string field of an object.
#[cfg(feature = "l402")]
pub(crate) fn field_string(obj: &JsValue, key: &str) -> JsResult<String> {
    string(&get(obj, key), key)
}

/// An optional boolean.
#[cfg(any(feature = "x402", feature = "l402"))]
pub(crate) fn opt_bool(v: &JsValue, field: &str) -> JsResult<Option<bool>> {
    present(v)
        .map(|v| v.as_bool().ok_or_else(|| arg_error(field, "a boolean")))
        .transpose()
}

/// A non-negative integer given as a `number` (exact) or a `bigint`.
#[cfg(any(feature = "x402", feature = "l402", feature = "ws402"))]
pub(crate) fn uint(v: &JsValue, field: &str) -> JsResult<u64> {
    if let Some(n) = v.as_f64() {
        if (0.0..=MAX_SAFE_INTEGER).contains(&n) && n.fract() == 0.0 {
            // Exact: an integer within the safe range converts without loss.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            return Ok(n as u64);
        }
    } else if let Some(n) = bigint_text(v).and_then(|t| t.parse::<u64>().ok()) {
        return Ok(n);
    }
    Err(arg_error(
        field,
        "a non-negative integer (number or bigint)",
    ))
}

/// An optional non-negative integer.
#[cfg(any(feature = "x402", feature = "ws402"))]
pub(crate) fn opt_uint(v: &JsValue, field: &str) -> JsResult<Option<u64>> {
    present(v).map(|v| uint(v, field)).transpose()
}

#[cfg(any(feature = "x402", feature = "l402", feature = "ws402"))]
fn bigint_text(v: &JsValue) -> Option<String> {
    v.dyn_ref::<BigInt>()
        .and_then(|b| b.to_string(10).ok())
        .map(String::from)
}

/// A U256 amount given as a `bigint`, a safe-integer `number` or a decimal string.
#[cfg(any(feature = "x402", feature = "ws402", feature = "l402"))]
pub(crate) fn u256(v: &JsValue, field: &str) -> JsResult<U256> {
    let text = if v.is_bigint() {
        bigint_text(v)
    } else if let Some(s) = v.as_string() {
        Some(s)
    } else {
        uint(v, field).ok().map(|n| n.to_string())
    };
    text.and_then(|t| U256::parse_decimal(t.as_bytes(), LeadingZeros::Reject).ok())
        .ok_or_else(|| arg_error(field, "a non-negative bigint below 2^256"))
}

/// A U256 as a JS `bigint`.
#[cfg(any(
    feature = "x402",
    feature = "ws402",
    feature = "offers",
    feature = "l402"
))]
pub(crate) fn bigint(value: &U256) -> JsValue {
    let mut buf = [0u8; 78];
    BigInt::new(&JsValue::from_str(value.to_decimal(&mut buf)))
        .map_or(JsValue::UNDEFINED, Into::into)
}

/// A u64 as a JS `bigint`.
#[cfg(any(feature = "svm", feature = "l402", feature = "ws402"))]
pub(crate) fn bigint_u64(value: u64) -> JsValue {
    BigInt::from(value).into()
}

/// A u64 as a JS `number` (exact up to 2^53; times and counters stay far below).
#[allow(clippy::cast_precision_loss)]
pub(crate) fn number(value: u64) -> JsValue {
    JsValue::from_f64(value as f64)
}

/// A u64 as a JS `number` when exact (≤ 2^53 − 1), else as a `bigint`.
#[cfg(feature = "ws402")]
pub(crate) fn exact(value: u64) -> JsValue {
    if value <= 9_007_199_254_740_991 {
        number(value)
    } else {
        bigint_u64(value)
    }
}

/// Bytes given as a `Uint8Array` or as hex text (`0x` optional).
#[cfg(any(feature = "x402", feature = "l402"))]
pub(crate) fn bytes(v: &JsValue, field: &str) -> JsResult<Vec<u8>> {
    if let Some(array) = v.dyn_ref::<Uint8Array>() {
        return Ok(array.to_vec());
    }
    if let Some(text) = v.as_string() {
        let digits = text.strip_prefix("0x").unwrap_or(&text);
        let mut out = vec![0u8; digits.len() / 2];
        if let Ok(decoded) = pay402::hex::decode_into(digits.as_bytes(), &mut out) {
            return Ok(decoded.to_vec());
        }
    }
    Err(arg_error(field, "a Uint8Array (or hex text)"))
}

/// Exactly `N` bytes.
#[cfg(any(feature = "x402", feature = "l402"))]
pub(crate) fn array<const N: usize>(v: &JsValue, field: &str) -> JsResult<[u8; N]> {
    bytes(v, field)?
        .try_into()
        .map_err(|_| arg_error(field, &format!("{N} bytes")))
}

/// Bytes as a fresh `Uint8Array`.
#[cfg(any(feature = "x402", feature = "l402"))]
pub(crate) fn u8a(data: &[u8]) -> JsValue {
    Uint8Array::from(data).into()
}

/// An EVM address (`0x` + 40 hex digits, any case).
#[cfg(feature = "x402")]
pub(crate) fn address(v: &JsValue, field: &str) -> JsResult<Address> {
    let text = string(v, field)?;
    Address::parse(text.as_bytes()).map_err(|e| core_error("EvmError", &e, None))
}

/// An address as EIP-55 text.
#[cfg(feature = "x402")]
pub(crate) fn address_js(a: &Address) -> JsValue {
    let mut buf = [0u8; 42];
    JsValue::from_str(a.to_checksum(&mut buf))
}

/// JSON text given as a string, or any other value serialized with `JSON.stringify`.
#[cfg(feature = "x402")]
pub(crate) fn json_text(v: &JsValue, field: &str) -> JsResult<String> {
    if let Some(s) = v.as_string() {
        return Ok(s);
    }
    if v.is_object()
        && let Ok(s) = js_sys::JSON::stringify(v)
    {
        return Ok(String::from(s));
    }
    Err(arg_error(field, "JSON text or a plain object"))
}

/// Strings given as one string or an array of strings.
#[cfg(any(feature = "client", feature = "svm", feature = "l402"))]
pub(crate) fn strings(v: &JsValue, field: &str) -> JsResult<Vec<String>> {
    if let Some(s) = v.as_string() {
        return Ok(vec![s]);
    }
    if Array::is_array(v) {
        return Array::from(v)
            .iter()
            .map(|item| string(&item, field))
            .collect();
    }
    if present(v).is_none() {
        return Ok(Vec::new());
    }
    Err(arg_error(field, "a string or an array of strings"))
}

/// A plain object being built.
pub(crate) struct Obj(Object);

impl Obj {
    pub(crate) fn new() -> Self {
        Self(Object::new())
    }

    pub(crate) fn set(self, key: &str, value: impl Into<JsValue>) -> Self {
        let _ = Reflect::set(&self.0, &JsValue::from_str(key), &value.into());
        self
    }

    pub(crate) fn build(self) -> JsValue {
        self.0.into()
    }
}

/// An array of values.
#[cfg(any(feature = "svm", feature = "l402", feature = "offers"))]
pub(crate) fn array_of(items: impl IntoIterator<Item = JsValue>) -> JsValue {
    items.into_iter().collect::<Array>().into()
}

/// Runs `f` with a buffer of `initial` bytes, doubling it while `f` reports
/// `buffer_too_small` (up to 16 MiB).
#[cfg(any(feature = "x402", feature = "l402", feature = "offers"))]
pub(crate) fn grow<T, E: ErrorCode>(
    initial: usize,
    mut f: impl FnMut(&mut [u8]) -> Result<T, E>,
) -> Result<T, E> {
    let mut size = initial.max(64);
    loop {
        let mut buf = vec![0u8; size];
        match f(&mut buf) {
            Err(e) if e.code() == BufferTooSmall.code() && size < (1 << 24) => size *= 2,
            other => return other,
        }
    }
}
