//! The client budget: `ClientBudget`, `BudgetReservation`, `BudgetRefusal`.
//!
//! Conversion only; the budget and its decisions are `pay402_host::budget` over the core's
//! `pay402::budget`. `pay402.client.Budget` is the Python API built on it.

use crate::convert::{PyU256, Uint};
use crate::errors::{CoreError, Kind};
use pay402_host::HostError;
use pay402_host::budget::{self as host, Limits, Window};
use pyo3::prelude::*;

fn error(e: &HostError) -> PyErr {
    CoreError::custom(Kind::Budget, e.code, e.message.clone())
        .detail(e.detail_code)
        .into()
}

fn limits(per_request: PyU256, total: PyU256, window: Option<(u64, PyU256)>) -> Limits {
    Limits {
        per_request: per_request.0,
        total: total.0,
        window: window.map(|(seconds, amount)| Window {
            seconds,
            amount: amount.0,
        }),
    }
}

/// A client's spending budget over assets named `(network, asset)`, in atomic units (L402:
/// network `"lightning"`, asset `"msat"`). Thread-safe; `now` is Unix seconds. Known x402
/// networks are keyed by their CAIP-2 id and `0x` addresses lowercased, so `"base"` and
/// `"eip155:8453"` name one asset. `window=(seconds, amount)` limits each fixed window of time.
#[pyclass(module = "pay402._native", frozen)]
#[derive(Debug)]
pub(crate) struct ClientBudget {
    pub(crate) inner: host::Budget,
}

/// An amount counted against a budget until `commit()`, `commit_partial(paid)` or `release()`,
/// exactly once (a second end raises `BudgetError` `unknown_reservation`). Never ended, it stays
/// counted.
#[pyclass(module = "pay402._native", frozen)]
#[derive(Debug)]
pub(crate) struct BudgetReservation {
    pub(crate) inner: host::Reservation,
}

/// A refused reservation: the core's `code` (`per_request_budget_exceeded`,
/// `total_budget_exceeded`, `window_budget_exceeded`, `budget_asset_not_listed`,
/// `invalid_budget_asset`), its `message`, and for the three limits the `amount` asked and what
/// the refusing limit still allows (`remaining`).
#[pyclass(module = "pay402._native", frozen, get_all)]
#[derive(Debug)]
pub(crate) struct BudgetRefusal {
    code: &'static str,
    message: String,
    amount: Option<Uint>,
    remaining: Option<Uint>,
}

impl BudgetRefusal {
    /// The record of the host's refusal.
    pub(crate) fn from_host(refusal: host::Refusal) -> Self {
        let host::Refusal {
            error,
            amount,
            remaining,
        } = refusal;
        Self {
            code: error.code,
            message: error.message,
            amount: amount.map(Uint),
            remaining: remaining.map(Uint),
        }
    }
}

#[pymethods]
impl ClientBudget {
    /// A budget that lists no asset yet; add them with `add`.
    #[new]
    fn new() -> Self {
        Self {
            inner: host::Budget::new(),
        }
    }

    /// A budget whose limits count every payment, whatever its asset.
    #[staticmethod]
    #[pyo3(signature = (*, per_request, total, window=None))]
    fn any_asset(
        per_request: PyU256,
        total: PyU256,
        window: Option<(u64, PyU256)>,
    ) -> PyResult<Self> {
        host::Budget::any_asset(limits(per_request, total, window))
            .map(|inner| Self { inner })
            .map_err(|e| error(&e))
    }

    /// Lists an asset with its limits.
    #[pyo3(signature = (network, asset, *, per_request, total, window=None))]
    fn add(
        &self,
        network: &str,
        asset: &str,
        per_request: PyU256,
        total: PyU256,
        window: Option<(u64, PyU256)>,
    ) -> PyResult<()> {
        self.inner
            .add(network, asset, limits(per_request, total, window))
            .map_err(|e| error(&e))
    }

    /// Whether the limits count every asset together.
    #[getter]
    fn is_any_asset(&self) -> bool {
        self.inner.is_any_asset()
    }

    /// The most one payment in the asset may cost at `now`.
    fn allowance(&self, network: &str, asset: &str, now: u64) -> PyResult<Uint> {
        self.inner
            .allowance(network, asset, now)
            .map(Uint)
            .map_err(|e| error(&e))
    }

    /// What was committed in the asset so far.
    fn spent(&self, network: &str, asset: &str) -> PyResult<Uint> {
        self.inner
            .spent(network, asset)
            .map(Uint)
            .map_err(|e| error(&e))
    }

    /// Reserves `amount` at `now`: a `BudgetReservation`, or a `BudgetRefusal` (nothing counted).
    fn reserve(
        &self,
        py: Python<'_>,
        network: &str,
        asset: &str,
        amount: PyU256,
        now: u64,
    ) -> PyResult<Py<PyAny>> {
        match self.inner.reserve(network, asset, amount.0, now) {
            Ok(inner) => Ok(Py::new(py, BudgetReservation { inner })?.into_any()),
            Err(refusal) => Ok(Py::new(py, BudgetRefusal::from_host(*refusal))?.into_any()),
        }
    }
}

#[pymethods]
impl BudgetReservation {
    /// The amount reserved.
    #[getter]
    fn amount(&self) -> Uint {
        Uint(self.inner.amount())
    }

    /// The start (Unix seconds) of the window the amount counts against; 0 without a window.
    #[getter]
    fn window_start(&self) -> u64 {
        self.inner.window_start()
    }

    /// Whether it is neither committed nor released yet.
    #[getter]
    fn is_open(&self) -> bool {
        self.inner.is_open()
    }

    /// The payment was made: the amount is spent.
    fn commit(&self) -> PyResult<()> {
        self.inner.commit().map_err(|e| error(&e))
    }

    /// The payment was made for `paid` (at most the amount): the rest comes back.
    fn commit_partial(&self, paid: PyU256) -> PyResult<()> {
        self.inner.commit_partial(paid.0).map_err(|e| error(&e))
    }

    /// The payment was not taken: the amount comes back.
    fn release(&self) -> PyResult<()> {
        self.inner.release().map_err(|e| error(&e))
    }
}

/// Registers the items.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ClientBudget>()?;
    m.add_class::<BudgetReservation>()?;
    m.add_class::<BudgetRefusal>()?;
    m.add("LIGHTNING_NETWORK", host::LIGHTNING_NETWORK)?;
    m.add("MSAT", host::MSAT)?;
    Ok(())
}
