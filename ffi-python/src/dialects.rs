//! Other 402 dialects: `PayPer402` `Bearer` challenges, the x402 sandbox, single-use proofs,
//! decimal amounts.

use crate::convert::{PyU256, Text, Uint, grow, text};
use crate::errors::CoreResult;
use pay402::dialects::{
    PayPer402Challenge as CoreChallenge, SandboxRequirements as CoreSandbox, SandboxToken,
    SingleUseStore, decimal_to_atomic as core_decimal_to_atomic,
};
use pay402::writer::write_all;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// Converts a decimal amount (`"0.36"`) to atomic units with `decimals` (USDC: 6), exactly;
/// sub-unit amounts are refused. Raises `DialectError` `invalid_amount`, `sub_unit_amount`.
#[pyfunction]
pub(crate) fn decimal_to_atomic(text: &str, decimals: u8) -> PyResult<Uint> {
    Ok(Uint(core_decimal_to_atomic(text, decimals).py()?))
}

/// Renders atomic units as a decimal amount with `decimals`.
#[pyfunction]
pub(crate) fn atomic_to_decimal(amount: PyU256, decimals: u8) -> PyResult<String> {
    text(
        grow(128, |buf| {
            write_all(buf, |w| {
                pay402::dialects::write_decimal_amount(w, &amount.0, decimals)
            })
        })
        .py()?,
    )
}

/// A `PayPer402` `Bearer` challenge; `amount` in atomic units.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PayPer402Challenge {
    realm: Option<String>,
    amount: Uint,
    currency: Option<String>,
    network: Option<String>,
}

/// Finds the first `Bearer` challenge with an `amount` in a `WWW-Authenticate` value.
/// Raises `DialectError` `invalid_challenge`, `no_payment_challenge`, `invalid_amount`,
/// `sub_unit_amount`.
#[pyfunction]
pub(crate) fn parse_payper402_challenge(value: &str, decimals: u8) -> PyResult<PayPer402Challenge> {
    let c = CoreChallenge::parse(value, decimals).py()?;
    let s = |v: Option<pay402::http_auth::ParamValue<'_>>| -> PyResult<Option<String>> {
        v.map(|v| {
            let mut buf = vec![0u8; v.raw().len()];
            v.unescape_into(&mut buf).map(str::to_owned).py()
        })
        .transpose()
    };
    Ok(PayPer402Challenge {
        realm: s(c.realm)?,
        amount: Uint(c.amount),
        currency: s(c.currency)?,
        network: s(c.network)?,
    })
}

/// Writes `Bearer realm="…", amount="…", currency="…", network="…"`.
#[pyfunction]
#[pyo3(signature = (*, realm, amount, decimals, currency, network))]
pub(crate) fn payper402_challenge(
    realm: &str,
    amount: PyU256,
    decimals: u8,
    currency: &str,
    network: &str,
) -> PyResult<String> {
    text(
        grow(256 + realm.len() + currency.len() + network.len(), |buf| {
            write_all(buf, |w| {
                pay402::dialects::write_payper402_challenge(
                    w, realm, &amount.0, decimals, currency, network,
                )
            })
        })
        .py()?,
    )
}

/// The x402 developer sandbox's `payment_requirements` body.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SandboxRequirements {
    id: String,
    product: String,
    amount: Uint,
    currency: String,
    chain: String,
    facilitator: String,
    expires_at: String,
    expires_at_unix: u64,
    recipient: Option<String>,
}

#[pymethods]
impl SandboxRequirements {
    /// `True` once `now` passes `expires_at`.
    fn is_expired(&self, now: u64) -> bool {
        now >= self.expires_at_unix
    }
}

/// Decodes a sandbox 402 body. Raises `DialectError`.
#[pyfunction]
pub(crate) fn decode_sandbox_requirements(body: Text) -> PyResult<SandboxRequirements> {
    let r = CoreSandbox::decode(&body.0).py()?;
    Ok(SandboxRequirements {
        id: r.id.to_string(),
        product: r.product.to_string(),
        amount: Uint(r.amount),
        currency: r.currency.to_string(),
        chain: r.chain.to_string(),
        facilitator: r.facilitator.to_string(),
        expires_at: r.expires_at.to_string(),
        expires_at_unix: r.expires_at_unix,
        recipient: r.recipient.map(|v| v.to_string()),
    })
}

/// Classifies a sandbox `X-PAYMENT` token: `("mock", id)` or `("devnet", id)`. Raises
/// `DialectError` `invalid_token`.
#[pyfunction]
pub(crate) fn parse_sandbox_token(header: &str) -> PyResult<(&'static str, String)> {
    Ok(match SandboxToken::parse(header).py()? {
        SandboxToken::Mock(id) => ("mock", id.to_owned()),
        SandboxToken::Devnet(id) => ("devnet", id.to_owned()),
    })
}

/// A Python store: any object with `insert_if_absent(key: bytes) -> bool`.
struct PyStore<'py> {
    store: Bound<'py, PyAny>,
    error: Option<PyErr>,
}

impl SingleUseStore for PyStore<'_> {
    type Error = ();

    fn insert_if_absent(&mut self, key: &[u8]) -> Result<bool, ()> {
        let py = self.store.py();
        match self
            .store
            .call_method1("insert_if_absent", (PyBytes::new(py, key),))
            .and_then(|r| r.extract::<bool>())
        {
            Ok(b) => Ok(b),
            Err(e) => {
                self.error = Some(e);
                Err(())
            }
        }
    }
}

/// Accepts `proof_id` once through a host store (`store.insert_if_absent(key) -> bool`,
/// atomic). Raises `DialectError` `proof_already_used`, or `proof_store_unavailable` when the
/// store raises (fail closed; the store's exception is the `__cause__`).
#[pyfunction]
pub(crate) fn accept_once(store: Bound<'_, PyAny>, proof_id: &[u8]) -> PyResult<()> {
    let mut s = PyStore { store, error: None };
    match pay402::dialects::accept_once(&mut s, proof_id).py() {
        Ok(()) => Ok(()),
        Err(e) => {
            if let Some(cause) = s.error {
                e.set_cause(s.store.py(), Some(cause));
            }
            Err(e)
        }
    }
}

/// Registers the dialect items.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PayPer402Challenge>()?;
    m.add_class::<SandboxRequirements>()?;
    m.add_function(wrap_pyfunction!(decimal_to_atomic, m)?)?;
    m.add_function(wrap_pyfunction!(atomic_to_decimal, m)?)?;
    m.add_function(wrap_pyfunction!(parse_payper402_challenge, m)?)?;
    m.add_function(wrap_pyfunction!(payper402_challenge, m)?)?;
    m.add_function(wrap_pyfunction!(decode_sandbox_requirements, m)?)?;
    m.add_function(wrap_pyfunction!(parse_sandbox_token, m)?)?;
    m.add_function(wrap_pyfunction!(accept_once, m)?)?;
    Ok(())
}
