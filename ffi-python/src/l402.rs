//! L402 (Lightning Labs): the `WWW-Authenticate` challenge, the `Authorization` credential and
//! its hex `Macaroon` form, the 66-byte identifier, minting with the aperture caveats, server
//! verification against a Python root-key lookup, and the client's pre-payment checks.
//!
//! Every function raises `L402Error` for the core's L402 errors (`CodecError` for a macaroon
//! given as malformed base64 text).

use crate::bolt11::{Bolt11Invoice, network_from_prefix};
use crate::convert::{Bytes, BytesOrHex, grow, text};
use crate::errors::CoreResult;
use crate::macaroon::{Macaroon, condition};
use core::cell::RefCell;
use pay402::l402::{self as core_l402, Credential, Identifier, Scheme, Target};
use pay402::writer::write_all;
use pyo3::exceptions::{PyKeyError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

/// One `str` or a sequence of `str` (all values of a header field).
#[derive(Debug)]
struct Values(Vec<String>);

impl<'a, 'py> FromPyObject<'a, 'py> for Values {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(s) = obj.cast::<PyString>() {
            return Ok(Self(vec![s.to_cow()?.into_owned()]));
        }
        obj.extract::<Vec<String>>()
            .map(Self)
            .map_err(|_| PyTypeError::new_err("expected a str or a sequence of str"))
    }
}

impl Values {
    fn refs(&self) -> Vec<&str> {
        self.0.iter().map(String::as_str).collect()
    }
}

/// A binary macaroon given as a `Macaroon`, its binary `bytes`, or base64 text (any alphabet,
/// padding optional).
#[derive(Debug)]
struct MacaroonBytes(Vec<u8>);

impl<'a, 'py> FromPyObject<'a, 'py> for MacaroonBytes {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(m) = obj.cast::<Macaroon>() {
            return Ok(Self(m.get().v2_bytes()?));
        }
        if let Ok(s) = obj.cast::<PyString>() {
            return Ok(Self(base64_any(s.to_cow()?.as_bytes())?));
        }
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(Self(b.as_bytes().to_vec()));
        }
        Err(PyTypeError::new_err(
            "expected a Macaroon, its binary bytes or base64 str",
        ))
    }
}

fn base64_any(token: &[u8]) -> PyResult<Vec<u8>> {
    let mut out = vec![0u8; token.len()];
    let n = pay402::base64::decode_into(token, &pay402::base64::Base64Policy::ANY, &mut out)
        .py()?
        .len();
    out.truncate(n);
    Ok(out)
}

fn parse_scheme(name: &str) -> PyResult<Scheme> {
    match name {
        "L402" => Ok(Scheme::L402),
        "LSAT" => Ok(Scheme::Lsat),
        other => Err(PyValueError::new_err(format!(
            "scheme must be \"L402\" or \"LSAT\", got {other:?}"
        ))),
    }
}

fn preimage_arg(preimage: &BytesOrHex) -> PyResult<[u8; core_l402::PREIMAGE_LEN]> {
    preimage.array::<{ core_l402::PREIMAGE_LEN }>("preimage")
}

// --- identifier ---------------------------------------------------------------------------------

/// The 66-byte L402 macaroon identifier: `version (0) ‖ payment_hash ‖ token_id`.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct L402Identifier {
    version: u16,
    payment_hash: Bytes,
    token_id: Bytes,
}

impl L402Identifier {
    fn core(&self) -> PyResult<Identifier> {
        let hash = self.payment_hash.0.as_slice().try_into();
        let token = self.token_id.0.as_slice().try_into();
        match (hash, token) {
            (Ok(hash), Ok(token)) => Ok(Identifier {
                version: self.version,
                payment_hash: hash,
                token_id: token,
            }),
            _ => Err(PyValueError::new_err(
                "an identifier holds two 32-byte hashes",
            )),
        }
    }

    fn from_core(id: &Identifier) -> Self {
        Self {
            version: id.version,
            payment_hash: Bytes(id.payment_hash.to_vec()),
            token_id: Bytes(id.token_id.to_vec()),
        }
    }
}

#[pymethods]
impl L402Identifier {
    /// A version-0 identifier (`payment_hash` = sha256 of the invoice's preimage, `token_id` 32
    /// caller-chosen bytes; aperture draws them at random).
    #[new]
    fn new(payment_hash: BytesOrHex, token_id: BytesOrHex) -> PyResult<Self> {
        Ok(Self::from_core(&Identifier::new(
            payment_hash.array::<32>("payment_hash")?,
            token_id.array::<32>("token_id")?,
        )))
    }

    /// Parses exactly 66 bytes of version 0 (`unknown_identifier_version` otherwise).
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        Ok(Self::from_core(&Identifier::parse(data).py()?))
    }

    /// The 66 bytes.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        Ok(PyBytes::new(py, &self.core()?.to_bytes()))
    }

    /// `sha256(identifier)`: the key under which the token's root key is stored.
    #[getter]
    fn root_key_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        Ok(PyBytes::new(py, &self.core()?.root_key_id()))
    }

    fn __repr__(&self) -> String {
        format!(
            "L402Identifier(payment_hash={:?}, token_id={:?})",
            crate::convert::to_0x(&self.payment_hash.0),
            crate::convert::to_0x(&self.token_id.0)
        )
    }
}

/// `sha256(preimage)`: the payment hash a preimage pays.
#[pyfunction]
fn l402_payment_hash(py: Python<'_>, preimage: BytesOrHex) -> PyResult<Bound<'_, PyBytes>> {
    Ok(PyBytes::new(
        py,
        &core_l402::payment_hash_of(&preimage_arg(&preimage)?),
    ))
}

/// `sha256(identifier)` of raw identifier bytes: the root-key lookup key.
#[pyfunction]
fn l402_root_key_id<'py>(py: Python<'py>, identifier: &[u8]) -> Bound<'py, PyBytes> {
    PyBytes::new(py, &core_l402::root_key_id(identifier))
}

// --- challenges ---------------------------------------------------------------------------------

/// One `L402` or `LSAT` challenge of a `WWW-Authenticate` value: the macaroon as sent (base64
/// of any variant), the BOLT11 invoice text, and the `version=` of the 2026-03 revision.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct L402Challenge {
    scheme: &'static str,
    macaroon: String,
    invoice: String,
    version: Option<String>,
}

impl L402Challenge {
    fn from_core(c: &core_l402::L402Challenge<'_>) -> Self {
        Self {
            scheme: c.scheme.as_str(),
            macaroon: c.macaroon.to_owned(),
            invoice: c.invoice.to_owned(),
            version: c.version.map(str::to_owned),
        }
    }
}

#[pymethods]
impl L402Challenge {
    fn __repr__(&self) -> String {
        format!(
            "L402Challenge(scheme={:?}, macaroon={:?}, invoice={:?})",
            self.scheme, self.macaroon, self.invoice
        )
    }
}

/// The `L402`/`LSAT` challenges of one or more `WWW-Authenticate` values, in order; challenges
/// of other schemes are skipped. Raises `L402Error` at the first malformed one
/// (`missing_macaroon`, `missing_invoice`, `invalid_challenge_param`, `auth_*`).
#[pyfunction]
fn l402_parse_challenges(headers: Values) -> PyResult<Vec<L402Challenge>> {
    let mut found = Vec::new();
    for header in &headers.0 {
        for item in core_l402::challenges(header) {
            found.push(L402Challenge::from_core(&item.py()?));
        }
    }
    Ok(found)
}

/// The challenge a client answers: the first valid `L402` one, else the first valid `LSAT` one.
/// Raises the first error met, or `no_l402_challenge`.
#[pyfunction]
fn l402_select_challenge(headers: Values) -> PyResult<L402Challenge> {
    let refs = headers.refs();
    Ok(L402Challenge::from_core(
        &core_l402::select_challenge(&refs).py()?,
    ))
}

fn write_challenge_value(scheme: Scheme, macaroon: &[u8], invoice: &str) -> PyResult<String> {
    let hint = 2 * macaroon.len() + invoice.len() + 64;
    text(
        grow(hint, |buf| {
            let mut w = pay402::writer::Writer::new(buf);
            core_l402::write_challenge(&mut w, scheme, macaroon, invoice)?;
            Ok::<_, core_l402::L402Error>(w.len())
        })
        .py()?,
    )
}

/// One challenge as aperture writes it: `<scheme> macaroon="<std base64>", invoice="<bolt11>"`.
#[pyfunction]
#[pyo3(signature = (macaroon, invoice, *, scheme="L402"))]
fn l402_write_challenge(macaroon: MacaroonBytes, invoice: &str, scheme: &str) -> PyResult<String> {
    write_challenge_value(parse_scheme(scheme)?, &macaroon.0, invoice)
}

/// The two `WWW-Authenticate` values aperture sends, in its order: `LSAT`, then `L402`.
#[pyfunction]
#[pyo3(name = "l402_encode_challenges")]
fn l402_challenge_headers(macaroon: MacaroonBytes, invoice: &str) -> PyResult<Vec<String>> {
    Scheme::APERTURE_ORDER
        .into_iter()
        .map(|s| write_challenge_value(s, &macaroon.0, invoice))
        .collect()
}

// --- credentials --------------------------------------------------------------------------------

/// A parsed `Authorization: L402 …` credential: the scheme sent, the macaroons (root first) as
/// standard padded base64 whatever variant was sent, and the 32-byte preimage.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct L402Credential {
    scheme: &'static str,
    macaroons: Vec<String>,
    preimage: Bytes,
}

impl L402Credential {
    /// Decodes every macaroon (so that a malformed one fails here, `invalid_credential`) and
    /// re-encodes its bytes as standard padded base64.
    fn from_core(cred: &Credential<'_>) -> PyResult<Self> {
        let mut macaroons = Vec::new();
        for (i, token) in cred.macaroons().enumerate() {
            let mut scratch = vec![0u8; token.len() + 16];
            cred.decode_macaroon(i, &mut scratch).py()?;
            macaroons.push(crate::codec::base64_encode(&base64_any(token.as_bytes())?)?);
        }
        Ok(Self {
            scheme: cred.scheme.as_str(),
            macaroons,
            preimage: Bytes(cred.preimage.to_vec()),
        })
    }
}

#[pymethods]
impl L402Credential {
    /// The preimage as 64 lowercase hex digits.
    #[getter]
    fn preimage_hex(&self) -> String {
        crate::convert::to_0x(&self.preimage.0).split_off(2)
    }

    /// The root macaroon, decoded.
    #[getter]
    fn macaroon(&self) -> PyResult<Macaroon> {
        let first = self.macaroons.first().map_or("", String::as_str);
        Ok(Macaroon::from_binary(base64_any(first.as_bytes())?))
    }

    fn __repr__(&self) -> String {
        format!(
            "L402Credential(scheme={:?}, macaroons={})",
            self.scheme,
            self.macaroons.len()
        )
    }
}

/// Parses one `Authorization` value (`L402`/`LSAT`, any case; macaroons in any base64 variant;
/// 64 hex digits of preimage). Raises `L402Error` `invalid_credential` with the fault as
/// `.detail_code`.
#[pyfunction]
fn l402_parse_authorization(value: &str) -> PyResult<L402Credential> {
    L402Credential::from_core(&Credential::parse(value).py()?)
}

/// Picks the credential among all `Authorization` values: other schemes are skipped, `L402`
/// wins over `LSAT`, and both must carry the same token when both are sent.
#[pyfunction]
fn l402_select_authorization(values: Values) -> PyResult<L402Credential> {
    let refs = values.refs();
    L402Credential::from_core(&core_l402::select_credential(&refs).py()?)
}

/// `<scheme> <std padded base64 of the macaroon>:<lowercase hex preimage>`. Send the
/// unmodified macaroon of the challenge.
#[pyfunction]
#[pyo3(signature = (macaroon, preimage, *, scheme="L402"))]
fn l402_write_authorization(
    macaroon: MacaroonBytes,
    preimage: BytesOrHex,
    scheme: &str,
) -> PyResult<String> {
    let scheme = parse_scheme(scheme)?;
    let preimage = preimage_arg(&preimage)?;
    text(
        grow(2 * macaroon.0.len() + 96, |buf| {
            let mut w = pay402::writer::Writer::new(buf);
            core_l402::write_authorization(&mut w, scheme, &macaroon.0, &preimage)?;
            Ok::<_, core_l402::L402Error>(w.len())
        })
        .py()?,
    )
}

/// Parses a `Grpc-Metadata-Macaroon` / `Macaroon` value: hex of a binary macaroon whose last
/// `preimage=` caveat carries the preimage. Returns `(macaroon, preimage)`.
#[pyfunction]
fn l402_parse_macaroon_header(value: &str) -> PyResult<(Macaroon, Bytes)> {
    let mut scratch = vec![0u8; value.len() / 2 + 1];
    let (mac, preimage) = core_l402::parse_macaroon_header(value, &mut scratch).py()?;
    let len = mac.v2_len();
    let bytes = grow(len + 16, |buf| write_all(buf, |w| mac.encode_v2(w))).py()?;
    Ok((Macaroon::from_binary(bytes), Bytes(preimage.to_vec())))
}

/// The hex value aperture's gRPC client sends as `macaroon` metadata: the macaroon attenuated
/// with `preimage=<hex>`.
#[pyfunction]
fn l402_write_macaroon_header(macaroon: MacaroonBytes, preimage: BytesOrHex) -> PyResult<String> {
    let preimage = preimage_arg(&preimage)?;
    let mac = pay402::macaroon::Macaroon::parse_binary(&macaroon.0).py()?;
    let mut scratch = vec![0u8; mac.v2_len() + 128];
    text(
        grow(2 * scratch.len(), |buf| {
            let mut w = pay402::writer::Writer::new(buf);
            core_l402::write_macaroon_header(&mut w, &mac, &preimage, &mut scratch)?;
            Ok::<_, core_l402::L402Error>(w.len())
        })
        .py()?,
    )
}

// --- minting ------------------------------------------------------------------------------------

/// Mints the V2 macaroon of a token: identifier `identifier.to_bytes()`, signed with `root_key`,
/// then `caveats` in order (see `l402_services_caveat` & co.). Store `root_key` under
/// `identifier.root_key_id`.
#[pyfunction]
#[pyo3(name = "l402_mint", signature = (root_key, identifier, *, caveats=None, location="lsat"))]
fn l402_mint_token(
    root_key: &[u8],
    identifier: PyRef<'_, L402Identifier>,
    caveats: Option<Vec<Bound<'_, PyAny>>>,
    location: &str,
) -> PyResult<Macaroon> {
    let id = identifier.core()?;
    let caveats = caveats
        .unwrap_or_default()
        .iter()
        .map(condition)
        .collect::<PyResult<Vec<_>>>()?;
    let refs: Vec<&[u8]> = caveats.iter().map(Vec::as_slice).collect();
    let size = 128 + location.len() + caveats.iter().map(|c| c.len() + 8).sum::<usize>();
    let bytes = grow(size, |buf| {
        core_l402::mint_token(buf, root_key, &id, location, &refs).map(<[u8]>::len)
    })
    .py()?;
    Ok(Macaroon::from_binary(bytes))
}

/// `services=<name>:<tier>[,…]` (aperture `NewServicesCaveat`).
#[pyfunction]
fn l402_services_caveat(services: Vec<(String, u8)>) -> PyResult<String> {
    let pairs: Vec<(&str, u8)> = services.iter().map(|(n, t)| (n.as_str(), *t)).collect();
    let hint = services.iter().map(|(n, _)| n.len() + 5).sum::<usize>() + 16;
    text(
        grow(hint, |buf| {
            core_l402::services_caveat(buf, &pairs).map(<[u8]>::len)
        })
        .py()?,
    )
}

/// `<service>_capabilities=<cap>[,…]` (aperture emits it even empty).
#[pyfunction]
fn l402_capabilities_caveat(service: &str, capabilities: Vec<String>) -> PyResult<String> {
    let caps: Vec<&str> = capabilities.iter().map(String::as_str).collect();
    let hint = service.len() + caps.iter().map(|c| c.len() + 1).sum::<usize>() + 16;
    text(
        grow(hint, |buf| {
            core_l402::capabilities_caveat(buf, service, &caps).map(<[u8]>::len)
        })
        .py()?,
    )
}

/// `<service>_valid_until=<unix seconds>` (aperture `NewTimeoutCaveat`).
#[pyfunction]
fn l402_valid_until_caveat(service: &str, valid_until: u64) -> PyResult<String> {
    text(
        grow(service.len() + 40, |buf| {
            core_l402::valid_until_caveat(buf, service, valid_until).map(<[u8]>::len)
        })
        .py()?,
    )
}

// --- server verification ------------------------------------------------------------------------

/// Asks the caller's root-key store: a callable `(root_key_id: bytes) -> bytes | None`, or a
/// mapping `{root_key_id: root_key}` (a missing key is `None`).
fn lookup(store: &Bound<'_, PyAny>, root_key_id: &[u8; 32]) -> PyResult<Option<[u8; 32]>> {
    let py = store.py();
    let key = PyBytes::new(py, root_key_id);
    let value = if store.is_callable() {
        store.call1((key,))?
    } else {
        match store.get_item(key) {
            Ok(v) => v,
            Err(e) if e.is_instance_of::<PyKeyError>(py) => return Ok(None),
            Err(e) => return Err(e),
        }
    };
    if value.is_none() {
        return Ok(None);
    }
    let root_key: BytesOrHex = value.extract()?;
    Ok(Some(
        root_key.array::<{ core_l402::ROOT_KEY_LEN }>("a root key")?,
    ))
}

/// Verifies the request's `Authorization` values in aperture's order (identifier version,
/// preimage, root key, signature chain, services / capabilities / valid-until caveats) and
/// returns the token's identifier; the host then checks that the invoice of
/// `identifier.payment_hash` is settled.
///
/// `root_keys` is a callable `(root_key_id) -> root_key | None` or a mapping
/// `{root_key_id: root_key}`, keyed by `sha256(identifier)`. An exception raised by the callable
/// propagates unchanged.
#[pyfunction]
#[pyo3(name = "l402_verify", signature = (headers, root_keys, *, service, now, capability=None))]
fn l402_verify_authorization(
    headers: Values,
    root_keys: Bound<'_, PyAny>,
    service: &str,
    now: u64,
    capability: Option<&str>,
) -> PyResult<L402Identifier> {
    let refs = headers.refs();
    let failure: RefCell<Option<PyErr>> = RefCell::new(None);
    let store = |id: &[u8; 32]| -> Option<[u8; 32]> {
        if failure.borrow().is_some() {
            return None;
        }
        lookup(&root_keys, id).unwrap_or_else(|e| {
            *failure.borrow_mut() = Some(e);
            None
        })
    };
    let mut scratch = vec![0u8; refs.iter().map(|h| h.len()).sum::<usize>() + 16];
    let target = Target {
        service,
        capability,
        now,
    };
    let result = core_l402::verify_authorization(&refs, &mut scratch, &store, &target, &[]);
    if let Some(e) = failure.into_inner() {
        return Err(e);
    }
    Ok(L402Identifier::from_core(&result.py()?))
}

// --- client -------------------------------------------------------------------------------------

/// A challenge whose invoice passed the client's checks: pay `invoice`, then send
/// `authorization(preimage)`.
#[pyclass(module = "pay402._native", frozen)]
#[derive(Debug, Clone)]
pub(crate) struct L402PayableChallenge {
    #[pyo3(get)]
    scheme: &'static str,
    #[pyo3(get)]
    macaroon: Macaroon,
    #[pyo3(get)]
    identifier: L402Identifier,
    #[pyo3(get)]
    invoice: Bolt11Invoice,
    /// The macaroon exactly as the server sent it.
    macaroon_bytes: Vec<u8>,
    invoice_text: String,
}

#[pymethods]
impl L402PayableChallenge {
    /// The invoice's payment hash (= the identifier's).
    #[getter]
    fn payment_hash<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.identifier.payment_hash.0)
    }

    /// After payment: checks `sha256(preimage) == payment_hash` (`invalid_preimage`) and writes
    /// the `Authorization` value with the unmodified macaroon.
    #[pyo3(signature = (preimage, *, scheme="L402"))]
    fn authorization(&self, preimage: BytesOrHex, scheme: &str) -> PyResult<String> {
        let scheme = parse_scheme(scheme)?;
        let preimage = preimage_arg(&preimage)?;
        let payable = core_l402::PayableChallenge {
            macaroon_bytes: &self.macaroon_bytes,
            macaroon: pay402::macaroon::Macaroon::parse_binary(&self.macaroon_bytes).py()?,
            identifier: self.identifier.core()?,
            invoice: pay402::bolt11::Bolt11Invoice::decode(&self.invoice_text).py()?,
        };
        text(
            grow(2 * self.macaroon_bytes.len() + 96, |buf| {
                let mut w = pay402::writer::Writer::new(buf);
                payable.write_authorization(&mut w, scheme, &preimage)?;
                Ok::<_, core_l402::L402Error>(w.len())
            })
            .py()?,
        )
    }

    fn __repr__(&self) -> String {
        format!(
            "L402PayableChallenge(scheme={:?}, payment_hash={:?})",
            self.scheme,
            crate::convert::to_0x(&self.identifier.payment_hash.0)
        )
    }
}

/// The client's checks before paying (as aperture's client): decodes the challenge's macaroon and
/// identifier and its invoice, then checks invoice payment hash == identifier payment hash,
/// `network` (BOLT11 prefix `bc`, `tb`, `tbs`, `bcrt`, `sb`), amount present and at most
/// `budget_msat`, not expired at `now`. Raises `L402Error` (the invoice check's code, e.g.
/// `invoice_over_budget`).
#[pyfunction]
#[pyo3(signature = (challenge, *, network, budget_msat, now))]
fn l402_check_challenge(
    challenge: PyRef<'_, L402Challenge>,
    network: &str,
    budget_msat: u64,
    now: u64,
) -> PyResult<L402PayableChallenge> {
    let policy = core_l402::ClientPolicy {
        network: network_from_prefix(network)?,
        budget_msat,
    };
    let core_challenge = core_l402::L402Challenge {
        scheme: parse_scheme(challenge.scheme)?,
        macaroon: &challenge.macaroon,
        invoice: &challenge.invoice,
        version: challenge.version.as_deref(),
    };
    let mut scratch = vec![0u8; challenge.macaroon.len() + 16];
    let payable = core_l402::check_challenge(&core_challenge, &policy, now, &mut scratch).py()?;
    Ok(L402PayableChallenge {
        scheme: challenge.scheme,
        macaroon: Macaroon::from_binary(payable.macaroon_bytes.to_vec()),
        identifier: L402Identifier::from_core(&payable.identifier),
        invoice: Bolt11Invoice::decode(&challenge.invoice, true)?,
        macaroon_bytes: payable.macaroon_bytes.to_vec(),
        invoice_text: challenge.invoice.clone(),
    })
}

/// Registers the L402 items.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<L402Identifier>()?;
    m.add_class::<L402Challenge>()?;
    m.add_class::<L402Credential>()?;
    m.add_class::<L402PayableChallenge>()?;
    m.add("L402_APERTURE_LOCATION", core_l402::APERTURE_LOCATION)?;
    for f in [
        wrap_pyfunction!(l402_payment_hash, m)?,
        wrap_pyfunction!(l402_root_key_id, m)?,
        wrap_pyfunction!(l402_parse_challenges, m)?,
        wrap_pyfunction!(l402_select_challenge, m)?,
        wrap_pyfunction!(l402_write_challenge, m)?,
        wrap_pyfunction!(l402_challenge_headers, m)?,
        wrap_pyfunction!(l402_parse_authorization, m)?,
        wrap_pyfunction!(l402_select_authorization, m)?,
        wrap_pyfunction!(l402_write_authorization, m)?,
        wrap_pyfunction!(l402_parse_macaroon_header, m)?,
        wrap_pyfunction!(l402_write_macaroon_header, m)?,
        wrap_pyfunction!(l402_mint_token, m)?,
        wrap_pyfunction!(l402_services_caveat, m)?,
        wrap_pyfunction!(l402_capabilities_caveat, m)?,
        wrap_pyfunction!(l402_valid_until_caveat, m)?,
        wrap_pyfunction!(l402_verify_authorization, m)?,
        wrap_pyfunction!(l402_check_challenge, m)?,
    ] {
        m.add_function(f)?;
    }
    Ok(())
}
