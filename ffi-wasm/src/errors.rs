//! Core errors as thrown JS `Error`s: `name` per module, `code` = the core's stable code,
//! `detailCode` where the core nests a more precise error.

use js_sys::{Error, Reflect};
#[cfg(any(
    feature = "x402",
    feature = "l402",
    feature = "ws402",
    feature = "offers"
))]
use pay402::ErrorCode;
use wasm_bindgen::JsValue;

/// What every exported function returns: the value, or the `Error` to throw.
pub type JsResult<T> = Result<T, JsValue>;

/// An `Error` named `name` with the core error's message and `code`, and `detailCode`:
/// `detail` when given, else the core's `ErrorCode::detail_code`.
#[cfg(any(
    feature = "x402",
    feature = "l402",
    feature = "ws402",
    feature = "offers"
))]
pub(crate) fn core_error(name: &str, e: &impl ErrorCode, detail: Option<&str>) -> JsValue {
    coded(name, &e.to_string(), e.code(), detail.or(e.detail_code()))
}

/// An `Error` with an explicit name, message, code and optional detail code.
pub(crate) fn coded(name: &str, message: &str, code: &str, detail: Option<&str>) -> JsValue {
    let error = Error::new(message);
    error.set_name(name);
    // Reflect::set on a fresh Error object cannot fail; a failure would only lose the property.
    let _ = Reflect::set(&error, &"code".into(), &code.into());
    if let Some(detail) = detail {
        let _ = Reflect::set(&error, &"detailCode".into(), &detail.into());
    }
    error.into()
}

/// A caller mistake in the JS arguments (wrong type, missing field): a `TypeError` with
/// code `invalid_argument` naming the argument.
#[cfg(any(feature = "x402", feature = "l402", feature = "ws402"))]
pub(crate) fn arg_error(field: &str, expected: &str) -> JsValue {
    let error: JsValue = js_sys::TypeError::new(&format!("`{field}`: expected {expected}")).into();
    let _ = Reflect::set(&error, &"code".into(), &"invalid_argument".into());
    let _ = Reflect::set(&error, &"field".into(), &field.into());
    error
}
