//! The x402 resource server: `X402Server`, `Admitted`, `Reply`, `Exchange`, `Step`.
//!
//! Conversion only: offers and the resource from dicts, headers from `(name, value)` pairs,
//! results to Python objects. The server itself, and every decision it makes, is
//! `pay402_host::x402_server` over the core's `pay402::x402::server`.

use crate::convert::{Bytes, PyU256, Uint};
use crate::errors::{CoreError, Kind};
use pay402::x402::server::Price;
use pay402_host::HostError;
use pay402_host::x402_server::{
    self as host, Admitted as HostAdmitted, OfferConfig, ResourceConfig, Step as HostStep,
};
use pyo3::conversion::FromPyObjectOwned;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt, PyMapping};
use std::sync::Mutex;

fn error(e: &HostError) -> PyErr {
    CoreError::custom(Kind::X402, e.code, e.message.clone())
        .detail(e.detail_code)
        .into()
}

const OFFER_KEYS: &[&str] = &[
    "scheme",
    "network",
    "asset",
    "amount",
    "price",
    "decimals",
    "pay_to",
    "max_timeout_seconds",
    "eip712_name",
    "eip712_version",
    "transfer_method",
    "facilitator",
    "fee_payer",
];

pub(crate) fn text(map: &Bound<'_, PyMapping>, key: &str) -> PyResult<Option<String>> {
    match map.get_item(key) {
        Ok(v) if v.is_none() => Ok(None),
        Ok(v) => v
            .extract::<String>()
            .map(Some)
            .map_err(|_| PyTypeError::new_err(format!("`{key}` must be a str"))),
        Err(_) => Ok(None),
    }
}

pub(crate) fn required(map: &Bound<'_, PyMapping>, key: &str) -> PyResult<String> {
    text(map, key)?.ok_or_else(|| {
        CoreError::custom(
            Kind::X402,
            "missing_offer_parameter",
            format!("`{key}` is required"),
        )
        .into()
    })
}

/// An optional non-negative int field; `None` when absent or `None`.
fn int<'py, T: FromPyObjectOwned<'py>>(
    map: &Bound<'py, PyMapping>,
    key: &str,
    what: &str,
) -> PyResult<Option<T>> {
    match map.get_item(key) {
        Ok(v) if v.is_none() => Ok(None),
        Ok(v) if v.is_instance_of::<PyInt>() && !v.is_instance_of::<PyBool>() => v
            .extract::<T>()
            .map(Some)
            .map_err(|_| PyValueError::new_err(format!("`{key}` must be {what}"))),
        Ok(_) => Err(PyTypeError::new_err(format!("`{key}` must be an int"))),
        Err(_) => Ok(None),
    }
}

pub(crate) fn offer(value: &Bound<'_, PyAny>) -> PyResult<OfferConfig> {
    let map = value
        .cast::<PyMapping>()
        .map_err(|_| PyTypeError::new_err("each offer must be a mapping"))?;
    for key in map.keys()?.iter() {
        let key: String = key.extract()?;
        if !OFFER_KEYS.contains(&key.as_str()) {
            return Err(CoreError::custom(
                Kind::X402,
                "unknown_offer_parameter",
                format!("offers take {OFFER_KEYS:?}, not `{key}`"),
            )
            .into());
        }
    }
    let amount = match map.get_item("amount") {
        Ok(a) if a.is_none() => String::new(),
        Ok(a) if a.is_instance_of::<PyInt>() => a.extract::<PyU256>()?.0.to_string(),
        Ok(a) => a
            .extract::<String>()
            .map_err(|_| PyTypeError::new_err("`amount` must be an int or a decimal str"))?,
        Err(_) => String::new(),
    };
    let max_timeout_seconds = int::<u64>(map, "max_timeout_seconds", "a non-negative int")
        .map_err(|e| {
            if e.is_instance_of::<PyValueError>(map.py()) {
                CoreError::custom(
                    Kind::X402,
                    "invalid_max_timeout_seconds",
                    "`max_timeout_seconds` must be a positive int",
                )
                .into()
            } else {
                e
            }
        })?;
    Ok(OfferConfig {
        scheme: text(map, "scheme")?.unwrap_or_default(),
        network: text(map, "network")?.unwrap_or_default(),
        asset: text(map, "asset")?.unwrap_or_default(),
        amount,
        price: text(map, "price")?,
        decimals: int::<u8>(map, "decimals", "an int from 0 to 77")?,
        pay_to: text(map, "pay_to")?.unwrap_or_default(),
        max_timeout_seconds,
        eip712_name: text(map, "eip712_name")?,
        eip712_version: text(map, "eip712_version")?,
        transfer_method: text(map, "transfer_method")?,
        facilitator: text(map, "facilitator")?,
        fee_payer: text(map, "fee_payer")?,
    })
}

/// A display price (`"$0.01"`, `"0.01"`) in atomic units of an asset with `decimals` decimals:
/// the core's rule (`pay402::x402::server::Price`), exact, never zero. Raises `X402Error`
/// (`invalid_price`, `sub_unit_amount`, `zero_price`, `invalid_decimals`).
#[pyfunction]
pub(crate) fn display_price_to_atomic(text: &str, decimals: u8) -> PyResult<Uint> {
    Price::Display(text)
        .to_atomic(Some(decimals))
        .map(Uint)
        .map_err(|e| error(&HostError::of(&e)))
}

/// The x402 resource server of one resource: its offers prepared once (validated, EIP-712
/// domain separators computed). `offers` are dicts of a seller's terms, resolved by the core:
/// `scheme`, `network`, `pay_to`, `amount` (int or decimal str, atomic units) or `price` (a
/// display price, `"$0.01"`), and optionally `asset` (default: the network's default asset),
/// `decimals`, `max_timeout_seconds` (default 60), `eip712_name` + `eip712_version`
/// (EIP-3009), `transfer_method`, `facilitator` (`upto`), `fee_payer` (Solana); `resource` has
/// `url`, `description`, `mime_type` (default `application/json`, the core's).
/// Raises `X402Error` (`.code`) on anything missing or invalid.
#[pyclass(module = "pay402._native", frozen)]
#[derive(Debug)]
pub(crate) struct X402Server {
    inner: host::X402Server,
}

/// A refusal or a challenge, to send as is.
#[pyclass(module = "pay402._native", frozen, get_all)]
#[derive(Debug)]
pub(crate) struct Reply {
    status: u16,
    code: &'static str,
    detail_code: Option<&'static str>,
    headers: Vec<(String, String)>,
    body: Option<Bytes>,
}

impl From<host::Reply> for Reply {
    fn from(r: host::Reply) -> Self {
        Self {
            status: r.status,
            code: r.code,
            detail_code: r.detail_code,
            headers: r.headers,
            body: r.body.map(Bytes),
        }
    }
}

/// An admitted payment: reserve `replay_key` for `ttl` seconds through `X402Server.exchange`.
#[pyclass(module = "pay402._native", frozen)]
#[derive(Debug)]
pub(crate) struct Admitted {
    inner: HostAdmitted,
}

#[pymethods]
impl Admitted {
    /// Index of the offer paid, in configuration order.
    #[getter]
    fn offer_index(&self) -> usize {
        self.inner.offer_index
    }
    /// 1 or 2.
    #[getter]
    fn x402_version(&self) -> u64 {
        self.inner.x402_version
    }
    /// The payer (an EIP-55 `0x` address, or a Solana base58 key).
    #[getter]
    fn payer(&self) -> &str {
        &self.inner.payer
    }
    /// The signed amount in atomic units (`upto`: the maximum).
    #[getter]
    fn amount(&self) -> Uint {
        Uint(self.inner.max_amount())
    }
    /// The bytes to reserve in the replay store.
    #[getter]
    fn replay_key(&self) -> Bytes {
        Bytes(self.inner.replay_key.clone())
    }
    /// Seconds to keep the reservation.
    #[getter]
    fn ttl(&self) -> u64 {
        self.inner.ttl
    }
    /// Unix seconds until which the reservation is kept.
    #[getter]
    fn until(&self) -> u64 {
        self.inner.until
    }
    /// The decoded payment payload as JSON text.
    #[getter]
    fn payment(&self) -> &str {
        &self.inner.payment_json
    }
    fn __repr__(&self) -> String {
        format!(
            "Admitted(offer_index={}, x402_version={}, payer={:?}, amount={})",
            self.inner.offer_index, self.inner.x402_version, self.inner.payer, self.inner.amount
        )
    }
}

#[pymethods]
impl X402Server {
    #[new]
    fn new(offers: Vec<Bound<'_, PyAny>>, resource: Bound<'_, PyMapping>) -> PyResult<Self> {
        let offers = offers.iter().map(offer).collect::<PyResult<Vec<_>>>()?;
        let resource = ResourceConfig {
            url: required(&resource, "url")
                .map_err(|_| error(&HostError::config("invalid_resource", "`url` is required")))?,
            description: text(&resource, "description")?.unwrap_or_default(),
            mime_type: text(&resource, "mime_type")?,
        };
        Ok(Self {
            inner: host::X402Server::new(offers, resource).map_err(|e| error(&e))?,
        })
    }

    /// The 402 challenge. `error`, when given, is the code the challenge reports (the
    /// `error` of the `PAYMENT-REQUIRED` JSON and of the body); `message` a sentence for people,
    /// the body's `errorMessage` (it needs a code: `message_without_code`).
    #[pyo3(signature = (error=None, message=None))]
    fn challenge(&self, error: Option<&str>, message: Option<&str>) -> PyResult<Reply> {
        self.inner
            .challenge(error, message)
            .map(Reply::from)
            .map_err(|e| self::error(&e))
    }

    /// Admits the payment among `headers` (`(name, value)` pairs) at `now` (unix seconds):
    /// an `Admitted`, or the `Reply` refusing it (402 with the challenge, the code and the
    /// detail code; 503/500 for server faults).
    fn admit(
        &self,
        py: Python<'_>,
        headers: Vec<(String, String)>,
        now: u64,
    ) -> PyResult<Py<PyAny>> {
        let pairs = headers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
        match self.inner.admit(pairs, now) {
            Ok(admitted) => Ok(Py::new(py, Admitted { inner: admitted })?.into_any()),
            Err(reply) => Ok(Py::new(py, Reply::from(reply))?.into_any()),
        }
    }

    /// `admit` for a server with an EVM RPC: a smart-wallet payer (EIP-1271, EIP-7702, or an
    /// undeployed ERC-6492 wallet whose factory is in `allowed_factories`; empty denies them
    /// all) is admitted when the chain says its signature is valid. `rpc` has
    /// `get_code(address) -> bytes` and `call(to, data) -> bytes | None` (`None`: reverted);
    /// an exception from either is the core's 503 `smart_wallet_check_unavailable` reply,
    /// never an admission.
    #[pyo3(signature = (headers, now, rpc, *, allowed_factories))]
    fn admit_with_rpc(
        &self,
        py: Python<'_>,
        headers: Vec<(String, String)>,
        now: u64,
        rpc: &Bound<'_, PyAny>,
        allowed_factories: Vec<crate::convert::PyAddress>,
    ) -> PyResult<Py<PyAny>> {
        let pairs = headers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
        let factories: Vec<_> = allowed_factories.iter().map(|a| a.0).collect();
        let rpc = crate::smart_wallet::PyRpc {
            rpc,
            raised: core::cell::RefCell::new(None),
        };
        match self.inner.admit_with_rpc(pairs, now, &rpc, &factories) {
            Ok(admitted) => Ok(Py::new(py, Admitted { inner: admitted })?.into_any()),
            Err(reply) => Ok(Py::new(py, Reply::from(reply))?.into_any()),
        }
    }

    /// The refusal answered when the replay store cannot answer (503, fail closed).
    fn replay_store_unavailable(&self) -> Reply {
        self.inner
            .refusal(pay402::x402::server::Refusal::REPLAY_STORE_UNAVAILABLE)
            .into()
    }

    /// Starts the exactly-once exchange of `admitted`.
    #[pyo3(signature = (admitted, settle_before_handler=false))]
    fn exchange(&self, admitted: &Admitted, settle_before_handler: bool) -> PyResult<Exchange> {
        let inner = self
            .inner
            .exchange(&admitted.inner, settle_before_handler)
            .map_err(|e| error(&e))?;
        Ok(Exchange {
            inner: Mutex::new(inner),
        })
    }

    /// The facilitator `/verify` body for `admitted`.
    fn verify_request(&self, admitted: &Admitted) -> PyResult<Bytes> {
        self.inner
            .verify_request(&admitted.inner)
            .map(Bytes)
            .map_err(|e| error(&e))
    }
}

/// One step of an exchange: `action` says what the host does next (`run_handler`, `settle`)
/// or how it ends (`serve`, `release_reservation`, `withhold`, `keep_reservation`,
/// `refuse_replay`), with the status, headers and body to send when it ends.
#[pyclass(module = "pay402._native", frozen, get_all)]
#[derive(Debug)]
pub(crate) struct Step {
    action: &'static str,
    attempt: u8,
    status: u16,
    headers: Vec<(String, String)>,
    body: Option<Bytes>,
    is_final: bool,
}

impl From<HostStep> for Step {
    fn from(s: HostStep) -> Self {
        Self {
            action: s.action.as_str(),
            attempt: s.attempt,
            status: s.status,
            headers: s.headers,
            body: s.body.map(Bytes),
            is_final: s.action.is_final(),
        }
    }
}

/// The exactly-once exchange of one admitted payment. Calls out of order raise `X402Error`
/// `exchange_out_of_order` and change nothing.
#[pyclass(module = "pay402._native", frozen)]
#[derive(Debug)]
pub(crate) struct Exchange {
    inner: Mutex<host::Exchange>,
}

impl Exchange {
    fn with<T>(&self, f: impl FnOnce(&mut host::Exchange) -> Result<T, HostError>) -> PyResult<T> {
        let mut guard = self
            .inner
            .lock()
            .map_err(|_| PyValueError::new_err("exchange poisoned"))?;
        f(&mut guard).map_err(|e| error(&e))
    }
}

#[pymethods]
impl Exchange {
    /// The replay key to reserve.
    #[getter]
    fn replay_key(&self) -> PyResult<Bytes> {
        self.with(|ex| Ok(Bytes(ex.admitted().replay_key.clone())))
    }
    /// Seconds to keep it.
    #[getter]
    fn ttl(&self) -> PyResult<u64> {
        self.with(|ex| Ok(ex.admitted().ttl))
    }
    /// The store answered: `fresh` is True when the key was free and is now reserved.
    fn reserved(&self, fresh: bool) -> PyResult<Step> {
        self.with(|ex| ex.reserved(fresh)).map(Step::from)
    }
    /// The handler answered with `status` (500 for an exception).
    fn handled(&self, status: u16) -> PyResult<Step> {
        self.with(|ex| ex.handled(status)).map(Step::from)
    }
    /// The `/settle` body (identical bytes for the retry). `amount`: the `upto` charge.
    #[pyo3(signature = (amount=None))]
    fn settle_request(&self, amount: Option<PyU256>) -> PyResult<Bytes> {
        let amount = amount.map(|a| a.0.to_string());
        self.with(|ex| ex.settle_request(amount.as_deref()))
            .map(Bytes)
    }
    /// The facilitator's `/settle` answer (its JSON body), or None for no answer (timeout,
    /// connection error, 5xx).
    fn settled(&self, response: Option<Vec<u8>>) -> PyResult<Step> {
        self.with(|ex| ex.settled(response.as_deref()))
            .map(Step::from)
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<X402Server>()?;
    m.add_function(wrap_pyfunction!(display_price_to_atomic, m)?)?;
    m.add_class::<Admitted>()?;
    m.add_class::<Reply>()?;
    m.add_class::<Exchange>()?;
    m.add_class::<Step>()?;
    Ok(())
}
