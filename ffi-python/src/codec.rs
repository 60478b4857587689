//! Shared codecs: base64 under the core's policies, uint256 decimal text.

use crate::convert::{PyU256, Text, Uint, grow, text};
use crate::errors::CoreResult;
use pay402::U256;
use pay402::base64::Base64Policy;
use pay402::u256::LeadingZeros;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// Base64, standard alphabet, padded.
pub(crate) fn base64_encode(data: &[u8]) -> PyResult<String> {
    let len = pay402::base64::encoded_len(data.len()).unwrap_or(usize::MAX / 2);
    text(
        grow(len, |buf| {
            pay402::base64::encode_into(data, buf).map(str::len)
        })
        .py()?,
    )
}

/// Base64-encodes `data` (standard alphabet, padded).
#[pyfunction]
#[pyo3(name = "base64_encode")]
pub(crate) fn py_base64_encode(data: &[u8]) -> PyResult<String> {
    base64_encode(data)
}

/// Base64-decodes under a policy: `"any"` (either alphabet, never mixed, padding optional:
/// what L402 peers emit), `"x402"` (standard alphabet, padding optional) or `"standard"`
/// (standard alphabet, padding required). Raises `CodecError` `base64_*`.
#[pyfunction]
#[pyo3(signature = (text, *, policy="any"))]
pub(crate) fn base64_decode<'py>(
    py: Python<'py>,
    text: Text,
    policy: &str,
) -> PyResult<Bound<'py, PyBytes>> {
    let policy = match crate::convert::choice("policy", policy, &["any", "x402", "standard"])? {
        "x402" => Base64Policy::X402,
        "standard" => Base64Policy::STANDARD_PADDED,
        _ => Base64Policy::ANY,
    };
    let mut out = vec![0u8; pay402::base64::decoded_len_max(text.0.len())];
    let n = pay402::base64::decode_into(&text.0, &policy, &mut out)
        .py()?
        .len();
    Ok(PyBytes::new(py, out.get(..n).unwrap_or_default()))
}

/// Parses a uint256 written in decimal as the protocols write amounts (no sign, no leading
/// zeros unless `allow_leading_zeros`). Raises `CodecError` `u256_*`.
#[pyfunction]
#[pyo3(signature = (text, *, allow_leading_zeros=false))]
pub(crate) fn parse_u256(text: &str, allow_leading_zeros: bool) -> PyResult<Uint> {
    let lz = if allow_leading_zeros {
        LeadingZeros::Allow
    } else {
        LeadingZeros::Reject
    };
    Ok(Uint(U256::parse_decimal(text.as_bytes(), lz).py()?))
}

/// The canonical decimal text of a uint256.
#[pyfunction]
pub(crate) fn format_u256(value: PyU256) -> String {
    let mut buf = [0u8; 78];
    value.0.to_decimal(&mut buf).to_owned()
}

/// Registers the codec items.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(py_base64_encode, m)?)?;
    m.add_function(wrap_pyfunction!(base64_decode, m)?)?;
    m.add_function(wrap_pyfunction!(parse_u256, m)?)?;
    m.add_function(wrap_pyfunction!(format_u256, m)?)?;
    Ok(())
}
