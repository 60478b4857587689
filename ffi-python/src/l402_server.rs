//! The L402 resource server: `L402Server`, `L402ServerChallenge`, `L402Admitted`, `L402Refusal`.
//!
//! Conversion only; the server and its decisions are `pay402_host::l402_server` over the core's
//! `pay402::l402::server`. Root keys are derived from the server secret: nothing is stored per
//! token or per unpaid request.

use crate::convert::{Bytes, BytesOrHex};
use crate::errors::{CoreError, Kind};
use pay402_host::HostError;
use pay402_host::l402_server::{self as host, L402Config};
use pyo3::prelude::*;

fn error(e: &HostError) -> PyErr {
    CoreError::custom(Kind::L402, e.code, e.message.clone())
        .detail(e.detail_code)
        .into()
}

/// The L402 server of one service: mints challenges for your invoices and admits credentials.
/// `secret` (32 to 64 bytes) derives every root key; `previous_secret` keeps verifying tokens
/// during a rotation. Raises `L402Error` on an invalid configuration.
#[pyclass(module = "pay402._native", frozen)]
#[derive(Debug)]
pub(crate) struct L402Server {
    inner: host::L402Server,
}

/// A minted challenge: send `status` with `headers` (`WWW-Authenticate`).
#[pyclass(module = "pay402._native", frozen, get_all)]
#[derive(Debug)]
pub(crate) struct L402ServerChallenge {
    status: u16,
    headers: Vec<(String, String)>,
    identifier: Bytes,
    root_key_id: Bytes,
    valid_until: Option<u64>,
}

/// An admitted credential.
#[pyclass(module = "pay402._native", frozen, get_all)]
#[derive(Debug)]
pub(crate) struct L402Admitted {
    payment_hash: Bytes,
    token_id: Bytes,
    root_key_id: Bytes,
    scheme: &'static str,
    previous_secret: bool,
}

/// A refused request: answer `status` with a fresh challenge.
#[pyclass(module = "pay402._native", frozen, get_all)]
#[derive(Debug)]
pub(crate) struct L402Refusal {
    status: u16,
    code: &'static str,
    detail_code: Option<&'static str>,
}

#[pymethods]
impl L402Server {
    #[new]
    #[pyo3(signature = (service, price_msat, network, secret, *, previous_secret=None, tier=0,
        capabilities=Vec::new(), token_lifetime=86_400, location="lsat".to_owned(), l402_only=false,
        unauthorized_for_bad_credentials=false))]
    fn new(
        service: &str,
        price_msat: u64,
        network: &str,
        secret: BytesOrHex,
        previous_secret: Option<BytesOrHex>,
        tier: u8,
        capabilities: Vec<String>,
        token_lifetime: u64,
        location: String,
        l402_only: bool,
        unauthorized_for_bad_credentials: bool,
    ) -> PyResult<Self> {
        let config = L402Config {
            tier,
            capabilities,
            token_lifetime,
            location,
            l402_only,
            unauthorized_for_bad_credentials,
            ..L402Config::new(service, price_msat, network)
        };
        let inner = host::L402Server::new(
            config,
            &secret.0,
            previous_secret.as_ref().map(|p| p.0.as_slice()),
        )
        .map_err(|e| error(&e))?;
        Ok(Self { inner })
    }

    /// The challenge for your invoice (`bolt11` and the payment hash your node reported) with a
    /// fresh random `token_id` (32 bytes), at `now` (unix seconds).
    fn challenge(
        &self,
        bolt11: &str,
        payment_hash: BytesOrHex,
        token_id: BytesOrHex,
        now: u64,
    ) -> PyResult<L402ServerChallenge> {
        let c = self
            .inner
            .challenge(
                bolt11,
                payment_hash.array("payment_hash")?,
                token_id.array("token_id")?,
                now,
            )
            .map_err(|e| error(&e))?;
        Ok(L402ServerChallenge {
            status: c.status,
            headers: c.headers,
            identifier: Bytes(c.identifier),
            root_key_id: Bytes(c.root_key_id.to_vec()),
            valid_until: c.valid_until,
        })
    }

    /// Admits the credential among `authorization` (every `Authorization` value) at `now`,
    /// needing `capability` when given. `revoked(root_key_id) -> bool`, when given, is asked for
    /// every authentic token; an exception in it counts as revoked (fail closed).
    #[pyo3(signature = (authorization, now, *, capability=None, revoked=None))]
    fn admit(
        &self,
        py: Python<'_>,
        authorization: Vec<String>,
        now: u64,
        capability: Option<&str>,
        revoked: Option<Py<PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let values: Vec<&str> = authorization.iter().map(String::as_str).collect();
        let is_revoked = |id: &[u8; 32]| match &revoked {
            None => false,
            Some(f) => f
                .call1(py, (pyo3::types::PyBytes::new(py, id),))
                .and_then(|r| r.is_truthy(py))
                .unwrap_or(true),
        };
        match self.inner.admit(&values, capability, now, is_revoked) {
            Ok(a) => Ok(Py::new(
                py,
                L402Admitted {
                    payment_hash: Bytes(a.payment_hash.to_vec()),
                    token_id: Bytes(a.token_id.to_vec()),
                    root_key_id: Bytes(a.root_key_id.to_vec()),
                    scheme: a.scheme,
                    previous_secret: a.previous_secret,
                },
            )?
            .into_any()),
            Err(r) => Ok(Py::new(
                py,
                L402Refusal {
                    status: r.status,
                    code: r.code,
                    detail_code: r.detail_code,
                },
            )?
            .into_any()),
        }
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<L402Server>()?;
    m.add_class::<L402ServerChallenge>()?;
    m.add_class::<L402Admitted>()?;
    m.add_class::<L402Refusal>()?;
    Ok(())
}
