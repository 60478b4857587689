//! Type conversions between Python values and core values, and caller-owned buffers.
//!
//! Argument mistakes that Python itself would call type or value errors (a negative amount, a
//! 31-byte key given as `bytes`) raise `TypeError`/`ValueError`; text the core parses (hex,
//! decimal, addresses, base64, JSON) raises the core's own error through [`crate::errors`].

use crate::errors::{CoreError, CoreResult, Kind};
use pay402::U256;
use pay402::evm::Address;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyInt, PyString};

/// Largest buffer the binding grows to before giving up (64 MiB).
const MAX_BUFFER: usize = 64 << 20;

/// Runs `encode` with a buffer of `initial` bytes, doubling it while the core reports
/// `buffer_too_small`; returns the written bytes.
pub(crate) fn grow<E: pay402::ErrorCode>(
    initial: usize,
    mut encode: impl FnMut(&mut [u8]) -> Result<usize, E>,
) -> Result<Vec<u8>, E> {
    let mut size = initial.max(64);
    loop {
        let mut buf = vec![0u8; size];
        match encode(&mut buf) {
            Ok(n) => {
                buf.truncate(n);
                return Ok(buf);
            }
            Err(e) if e.code() == "buffer_too_small" && size < MAX_BUFFER => {
                size = size.saturating_mul(2);
            }
            Err(e) => return Err(e),
        }
    }
}

/// Bytes the core wrote as UTF-8 text (always ASCII or UTF-8 by construction).
pub(crate) fn text(bytes: Vec<u8>) -> PyResult<String> {
    String::from_utf8(bytes).map_err(|_| {
        CoreError::custom(Kind::Codec, "invalid_utf8", "the core wrote invalid UTF-8").into()
    })
}

/// Raw bytes given as `bytes` (any buffer) or hex text (`str`, `0x` optional, any case).
#[derive(Debug)]
pub(crate) struct BytesOrHex(pub(crate) Vec<u8>);

impl<'a, 'py> FromPyObject<'a, 'py> for BytesOrHex {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(s) = obj.cast::<PyString>() {
            return Ok(Self(hex_text(&s.to_cow()?)?));
        }
        if let Ok(b) = obj.extract::<Vec<u8>>() {
            if obj.is_instance_of::<PyString>() {
                return Err(PyTypeError::new_err("expected bytes or hex str"));
            }
            return Ok(Self(b));
        }
        Err(PyTypeError::new_err("expected bytes or hex str"))
    }
}

impl BytesOrHex {
    /// Exactly `N` bytes, else `ValueError` naming `what`.
    pub(crate) fn array<const N: usize>(&self, what: &str) -> PyResult<[u8; N]> {
        self.0
            .as_slice()
            .try_into()
            .map_err(|_| PyValueError::new_err(format!("{what} must be {N} bytes")))
    }
}

/// Hex text (optional `0x`) into bytes, with the core's hex decoder.
pub(crate) fn hex_text(s: &str) -> PyResult<Vec<u8>> {
    let digits = s.strip_prefix("0x").unwrap_or(s).as_bytes();
    let mut out = vec![0u8; digits.len() / 2 + 1];
    let n = pay402::hex::decode_into(digits, &mut out).py()?.len();
    out.truncate(n);
    Ok(out)
}

/// `0x` + lowercase hex.
pub(crate) fn to_0x(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 + bytes.len() * 2);
    s.push_str("0x");
    for b in bytes {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    s
}

const HEX: [u8; 16] = *b"0123456789abcdef";

/// JSON text given as `str` or `bytes`.
#[derive(Debug)]
pub(crate) struct Text(pub(crate) Vec<u8>);

impl<'a, 'py> FromPyObject<'a, 'py> for Text {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(s) = obj.cast::<PyString>() {
            return Ok(Self(s.to_cow()?.as_bytes().to_vec()));
        }
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(Self(b.as_bytes().to_vec()));
        }
        Err(PyTypeError::new_err("expected str or bytes"))
    }
}

/// A non-negative Python `int` below 2**256.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PyU256(pub(crate) U256);

impl<'a, 'py> FromPyObject<'a, 'py> for PyU256 {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let int = obj
            .cast::<PyInt>()
            .map_err(|_| PyTypeError::new_err("expected int"))?;
        if obj.is_instance_of::<pyo3::types::PyBool>() {
            return Err(PyTypeError::new_err("expected int, got bool"));
        }
        if int.lt(0)? {
            return Err(PyValueError::new_err("a uint256 must not be negative"));
        }
        let bytes = int
            .call_method1("to_bytes", (32, "big"))
            .map_err(|_| PyValueError::new_err("a uint256 must be below 2**256"))?;
        let bytes: [u8; 32] = bytes
            .extract::<Vec<u8>>()?
            .try_into()
            .map_err(|_| PyValueError::new_err("a uint256 must be below 2**256"))?;
        Ok(Self(U256::from_be_bytes(bytes)))
    }
}

/// A U256 as a Python `int`.
pub(crate) fn int<'py>(py: Python<'py>, v: &U256) -> PyResult<Bound<'py, PyAny>> {
    py.get_type::<PyInt>()
        .call_method1("from_bytes", (PyBytes::new(py, &v.to_be_bytes()), "big"))
}

/// An EVM address given as text, parsed by the core (any case; mixed case is not
/// checksum-checked, as the core's `Address::parse`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PyAddress(pub(crate) Address);

impl<'a, 'py> FromPyObject<'a, 'py> for PyAddress {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let s = obj
            .cast::<PyString>()
            .map_err(|_| PyTypeError::new_err("expected an address str"))?;
        Ok(Self(Address::parse(s.to_cow()?.as_bytes()).py()?))
    }
}

/// An address as its EIP-55 checksummed text.
pub(crate) fn address(a: &Address) -> String {
    a.to_string()
}

/// A private key: 32 `bytes` or hex text.
pub(crate) fn private_key(key: &BytesOrHex) -> PyResult<pay402::evm::PrivateKey> {
    pay402::evm::PrivateKey::from_bytes(&key.array::<32>("private_key")?).py()
}

/// Rejects a keyword's text value outside `allowed`.
pub(crate) fn choice<'s>(name: &str, value: &'s str, allowed: &[&str]) -> PyResult<&'s str> {
    if allowed.contains(&value) {
        Ok(value)
    } else {
        Err(PyValueError::new_err(format!(
            "{name} must be one of {allowed:?}, got {value:?}"
        )))
    }
}

/// A U256 result field: a Python `int` on the Python side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Uint(pub(crate) U256);

impl<'py> IntoPyObject<'py> for &Uint {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        int(py, &self.0)
    }
}

impl<'py> IntoPyObject<'py> for Uint {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        int(py, &self.0)
    }
}

/// A raw-bytes result field: `bytes` on the Python side (a `Vec<u8>` would become a list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bytes(pub(crate) Vec<u8>);

impl<'py> IntoPyObject<'py> for &Bytes {
    type Target = PyBytes;
    type Output = Bound<'py, PyBytes>;
    type Error = core::convert::Infallible;

    fn into_pyobject(self, py: Python<'py>) -> Result<Bound<'py, PyBytes>, Self::Error> {
        Ok(PyBytes::new(py, &self.0))
    }
}

impl<'py> IntoPyObject<'py> for Bytes {
    type Target = PyBytes;
    type Output = Bound<'py, PyBytes>;
    type Error = core::convert::Infallible;

    fn into_pyobject(self, py: Python<'py>) -> Result<Bound<'py, PyBytes>, Self::Error> {
        Ok(PyBytes::new(py, &self.0))
    }
}
