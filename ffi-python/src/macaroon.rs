//! Macaroons: decode (V1, V2 binary, JSON), mint, attenuate, third-party caveats, verify, bind.

use crate::convert::{Bytes, BytesOrHex, Text, grow};
use crate::errors::CoreResult;
use pay402::macaroon::builder::V2Builder;
use pay402::macaroon::verify::{Mode, Verdict, VerifyPolicy, verify};
use pay402::macaroon::{Macaroon as CoreMacaroon, Version};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

/// A caveat: `id` (the condition of a first-party caveat), and for a third-party caveat its
/// `vid` and `location` (`None` when absent).
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Caveat {
    id: Bytes,
    vid: Option<Bytes>,
    location: Option<Bytes>,
}

#[pymethods]
impl Caveat {
    /// `True` when the caveat has a vid.
    #[getter]
    fn is_third_party(&self) -> bool {
        self.vid.is_some()
    }

    fn __repr__(&self) -> String {
        format!(
            "Caveat(id={:?}, third_party={})",
            String::from_utf8_lossy(&self.id.0),
            self.vid.is_some()
        )
    }
}

/// A validated macaroon. Immutable: `attenuate()` and `add_third_party_caveat()` return new
/// macaroons (always V2).
#[pyclass(module = "pay402._native", frozen)]
#[derive(Debug, Clone)]
pub(crate) struct Macaroon {
    source: Source,
}

/// What a macaroon was made from; the core view is re-read from it on each access (the core
/// validates once per read; views borrow, so nothing is cached across calls).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Source {
    /// A token text (base64 or JSON), as given to `Macaroon.decode`.
    Token(Vec<u8>),
    /// Binary (V1 packets or V2).
    Binary(Vec<u8>),
}

impl Macaroon {
    fn with<T>(&self, f: impl FnOnce(&CoreMacaroon<'_>) -> PyResult<T>) -> PyResult<T> {
        match &self.source {
            Source::Token(token) => {
                let mut scratch = vec![0u8; token.len() + 16];
                let mac = CoreMacaroon::decode(token, &mut scratch).py()?;
                f(&mac)
            }
            Source::Binary(bytes) => f(&CoreMacaroon::parse_binary(bytes).py()?),
        }
    }

    fn from_builder_output(bytes: &[u8]) -> Self {
        Self {
            source: Source::Binary(bytes.to_vec()),
        }
    }

    /// A macaroon over binary bytes the core has already validated.
    pub(crate) fn from_binary(bytes: Vec<u8>) -> Self {
        Self {
            source: Source::Binary(bytes),
        }
    }

    /// The V2 binary form.
    pub(crate) fn v2_bytes(&self) -> PyResult<Vec<u8>> {
        self.with(Self::v2)
    }

    fn v2(mac: &CoreMacaroon<'_>) -> PyResult<Vec<u8>> {
        grow(mac.v2_len() + 16, |buf| {
            pay402::writer::write_all(buf, |w| mac.encode_v2(w))
        })
        .py()
    }
}

/// Caveat conditions given as `str` (UTF-8) or `bytes`.
pub(crate) fn condition(v: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    Ok(v.extract::<Text>()?.0)
}

fn builder_size(mac_len: usize, extra: usize) -> usize {
    mac_len + extra + 256
}

#[pymethods]
impl Macaroon {
    /// Decodes a token: base64 (any alphabet, padding optional) of V1 or V2 binary, or V2/V1
    /// JSON text.
    #[staticmethod]
    fn decode(token: Text) -> PyResult<Self> {
        let m = Self {
            source: Source::Token(token.0),
        };
        m.with(|_| Ok(()))?;
        Ok(m)
    }

    /// Parses one binary macaroon (V1 packets or V2).
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        CoreMacaroon::parse_binary(data).py()?;
        Ok(Self {
            source: Source::Binary(data.to_vec()),
        })
    }

    /// Mints a V2 macaroon: `sig0 = HMAC(derive(root_key), identifier)`, then one first-party
    /// caveat per condition.
    #[staticmethod]
    #[pyo3(signature = (root_key, identifier, location="", caveats=None))]
    fn mint(
        root_key: &[u8],
        identifier: &Bound<'_, PyAny>,
        location: &str,
        caveats: Option<Vec<Bound<'_, PyAny>>>,
    ) -> PyResult<Self> {
        let id = condition(identifier)?;
        let caveats = caveats
            .unwrap_or_default()
            .iter()
            .map(condition)
            .collect::<PyResult<Vec<_>>>()?;
        let size = id.len() + location.len() + caveats.iter().map(|c| c.len() + 8).sum::<usize>();
        let bytes = grow(builder_size(0, size), |buf| {
            let mut b = V2Builder::mint(buf, root_key, &id, location.as_bytes())?;
            for c in &caveats {
                b.add_first_party(c)?;
            }
            b.finish().map(<[u8]>::len)
        })
        .py()?;
        Ok(Self::from_builder_output(&bytes))
    }

    /// A copy with more first-party caveats (the signature chain continues).
    fn attenuate(&self, caveats: Vec<Bound<'_, PyAny>>) -> PyResult<Self> {
        let caveats = caveats
            .iter()
            .map(condition)
            .collect::<PyResult<Vec<_>>>()?;
        let size = caveats.iter().map(|c| c.len() + 8).sum::<usize>();
        let bytes = self.with(|mac| {
            grow(builder_size(mac.v2_len(), size), |buf| {
                let mut b = V2Builder::attenuate(buf, mac)?;
                for c in &caveats {
                    b.add_first_party(c)?;
                }
                b.finish().map(<[u8]>::len)
            })
            .py()
        })?;
        Ok(Self::from_builder_output(&bytes))
    }

    /// A copy with a third-party caveat: `caveat_key` is shared with the third party,
    /// `caveat_id` is what it knows the caveat by, `nonce` 24 fresh random bytes.
    #[pyo3(signature = (caveat_key, caveat_id, location, *, nonce))]
    fn add_third_party_caveat(
        &self,
        caveat_key: &[u8],
        caveat_id: &Bound<'_, PyAny>,
        location: &str,
        nonce: BytesOrHex,
    ) -> PyResult<Self> {
        let caveat_id = condition(caveat_id)?;
        let nonce = nonce.array::<24>("nonce")?;
        let bytes = self.with(|mac| {
            grow(builder_size(mac.v2_len(), caveat_id.len() + 128), |buf| {
                let mut b = V2Builder::attenuate(buf, mac)?;
                b.add_third_party(caveat_key, &caveat_id, location.as_bytes(), &nonce)?;
                b.finish().map(<[u8]>::len)
            })
            .py()
        })?;
        Ok(Self::from_builder_output(&bytes))
    }

    /// Binds this discharge macaroon to the root macaroon it is sent with: a copy whose
    /// signature is `bind_for_request(root.signature, self.signature)`.
    fn bind_for_request(&self, root: &Macaroon) -> PyResult<Self> {
        let root_sig = root.with(|r| Ok(*r.signature()))?;
        let bytes = self.with(|mac| {
            grow(builder_size(mac.v2_len(), 0), |buf| {
                // Re-encoded unchanged (no caveat added), finished with the bound signature.
                V2Builder::attenuate(buf, mac)?
                    .finish_bound(&root_sig)
                    .map(<[u8]>::len)
            })
            .py()
        })?;
        Ok(Self::from_builder_output(&bytes))
    }

    /// Verifies the signature chain under `root_key` with its `discharges` (each used exactly
    /// once), then every first-party caveat: accepted when it is in `accept` (exact bytes) or
    /// when `checker(caveat)` returns `True`; `False` rejects; `None` is unknown. In
    /// `mode="strict"` unknown caveats fail (`caveat_not_satisfied`); in `mode="l402"` they
    /// are skipped. Raises `MacaroonError`.
    #[pyo3(signature = (root_key, *, discharges=None, accept=None, checker=None, mode="strict", max_depth=4))]
    fn verify(
        &self,
        py: Python<'_>,
        root_key: &[u8],
        discharges: Option<Vec<PyRef<'_, Macaroon>>>,
        accept: Option<Vec<Bound<'_, PyAny>>>,
        checker: Option<Bound<'_, PyAny>>,
        mode: &str,
        max_depth: usize,
    ) -> PyResult<()> {
        let mode = match crate::convert::choice("mode", mode, &["strict", "l402"])? {
            "l402" => Mode::L402,
            _ => Mode::Strict,
        };
        let discharges = discharges.unwrap_or_default();
        let accept = accept
            .unwrap_or_default()
            .iter()
            .map(condition)
            .collect::<PyResult<Vec<_>>>()?;
        // Views borrow their scratch buffers: decode every discharge into its own buffer.
        let sources: Vec<Source> = discharges.iter().map(|d| d.source.clone()).collect();
        let mut scratches: Vec<Vec<u8>> = sources
            .iter()
            .map(|s| match s {
                Source::Token(t) => vec![0u8; t.len() + 16],
                Source::Binary(_) => Vec::new(),
            })
            .collect();
        let discharges = sources
            .iter()
            .zip(scratches.iter_mut())
            .map(|(s, scratch)| match s {
                Source::Token(t) => CoreMacaroon::decode(t, scratch),
                Source::Binary(b) => CoreMacaroon::parse_binary(b),
            })
            .collect::<Result<Vec<_>, _>>()
            .py()?;
        let mut callback_error: Option<PyErr> = None;
        let mut check = |caveat: &[u8]| -> Verdict {
            if accept.iter().any(|a| a.as_slice() == caveat) {
                return Verdict::Accept;
            }
            let Some(f) = &checker else {
                return Verdict::Unknown;
            };
            if callback_error.is_some() {
                return Verdict::Reject;
            }
            match f
                .call1((PyBytes::new(py, caveat),))
                .and_then(|r| r.extract::<Option<bool>>())
            {
                Ok(Some(true)) => Verdict::Accept,
                Ok(Some(false)) => Verdict::Reject,
                Ok(None) => Verdict::Unknown,
                Err(e) => {
                    callback_error = Some(e);
                    Verdict::Reject
                }
            }
        };
        let policy = VerifyPolicy { mode, max_depth };
        let result =
            self.with(|mac| Ok(verify(mac, root_key, &discharges, &mut check, &policy)))?;
        if let Some(e) = callback_error {
            return Err(e);
        }
        result.py()
    }

    /// `1` (libmacaroons packets / V1 JSON) or `2`.
    #[getter]
    fn version(&self) -> PyResult<u8> {
        self.with(|m| {
            Ok(match m.version() {
                Version::V1 => 1,
                Version::V2 => 2,
            })
        })
    }

    /// The location hint (not signed).
    #[getter]
    fn location<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        self.with(|m| Ok(PyString::new(py, &String::from_utf8_lossy(m.location()))))
    }

    /// The identifier.
    #[getter]
    fn identifier<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        self.with(|m| Ok(PyBytes::new(py, m.id())))
    }

    /// The 32-byte signature.
    #[getter]
    fn signature<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        self.with(|m| Ok(PyBytes::new(py, m.signature())))
    }

    /// The caveats in order.
    #[getter]
    fn caveats(&self) -> PyResult<Vec<Caveat>> {
        self.with(|m| {
            Ok(m.caveats()
                .map(|c| Caveat {
                    id: Bytes(c.id.to_vec()),
                    vid: (!c.vid.is_empty()).then(|| Bytes(c.vid.to_vec())),
                    location: (!c.location.is_empty()).then(|| Bytes(c.location.to_vec())),
                })
                .collect())
        })
    }

    /// The V2 binary form.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        Ok(PyBytes::new(py, &self.with(Self::v2)?))
    }

    /// Base64 of the V2 binary form: standard alphabet with padding by default, URL-safe
    /// without padding (as Go and aperture write tokens) with `urlsafe=True`.
    #[pyo3(signature = (*, urlsafe=false))]
    fn serialize(&self, py: Python<'_>, urlsafe: bool) -> PyResult<String> {
        let v2 = self.to_bytes(py)?;
        let encoded = crate::codec::base64_encode(v2.as_bytes())?;
        Ok(if urlsafe {
            encoded
                .trim_end_matches('=')
                .replace('+', "-")
                .replace('/', "_")
        } else {
            encoded
        })
    }

    /// Equal when the V2 encodings are equal (the same macaroon, whatever its serialization).
    fn __eq__(&self, other: &Self) -> PyResult<bool> {
        Ok(self.with(Self::v2)? == other.with(Self::v2)?)
    }

    fn __hash__(&self) -> PyResult<u64> {
        use core::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.with(Self::v2)?.hash(&mut h);
        Ok(h.finish())
    }

    fn __repr__(&self) -> PyResult<String> {
        self.with(|mac| {
            Ok(format!(
                "Macaroon(version={}, location={:?}, identifier={:?}, caveats={})",
                match mac.version() {
                    Version::V1 => 1,
                    Version::V2 => 2,
                },
                String::from_utf8_lossy(mac.location()),
                String::from_utf8_lossy(mac.id()),
                mac.caveat_count()
            ))
        })
    }
}

/// `bind_for_request(root_signature, discharge_signature)`: the signature a discharge carries
/// when sent with its root macaroon.
#[pyfunction]
#[pyo3(name = "macaroon_bind")]
pub(crate) fn bind_for_request(
    py: Python<'_>,
    root_signature: BytesOrHex,
    discharge_signature: BytesOrHex,
) -> PyResult<Bound<'_, PyBytes>> {
    let root = root_signature.array::<32>("root_signature")?;
    let discharge = discharge_signature.array::<32>("discharge_signature")?;
    Ok(PyBytes::new(
        py,
        &pay402::macaroon::crypto::bind_for_request(&root, &discharge),
    ))
}

/// Registers the macaroon items.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Macaroon>()?;
    m.add_class::<Caveat>()?;
    m.add_function(wrap_pyfunction!(bind_for_request, m)?)?;
    Ok(())
}
