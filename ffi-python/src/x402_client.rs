//! The paying x402 client with owned state: `X402Client`, `X402ChosenOffer`,
//! `X402Permit2Approval`, `X402Payment`.
//!
//! Conversion only; the choice (within the budget, per asset), the Permit2 approval, the
//! payloads, the reservation and the verdict on a paid answer are
//! `pay402_host::x402_client::X402Client`'s over the core's `pay402::x402::client`. Errors raise
//! `X402Error` (`code`, `detail_code`); a budget's refusal is returned as a `BudgetRefusal`, as
//! `ClientBudget.reserve` returns it.

use crate::budget::{BudgetRefusal, BudgetReservation, ClientBudget};
use crate::client_pay::PaidAnswer;
use crate::convert::{BytesOrHex, PyU256, Text, Uint, private_key as parse_private_key};
use crate::errors::{CoreError, Kind};
use crate::svm::PyPubkey;
use pay402::svm::PayerKey;
use pay402::x402::client::SvmChainState;
use pay402_host::HostError;
use pay402_host::budget::Refusal;
use pay402_host::x402_client::{self as host, ClientConfig, Payment};
use pyo3::prelude::*;

fn error(e: &HostError) -> PyErr {
    CoreError::custom(Kind::X402, e.code, e.message.clone())
        .detail(e.detail_code)
        .into()
}

/// A budget's refusal as a `BudgetRefusal` record; any other error raised.
fn refusal(py: Python<'_>, r: Refusal) -> PyResult<Py<PyAny>> {
    if r.amount.is_none() {
        return Err(error(&r.error));
    }
    Ok(Py::new(py, BudgetRefusal::from_host(r))?.into_any())
}

/// The ERC-20 approval a Permit2 payment needs: `token.approve(spender, amount)` on `chain_id`.
#[pyclass(module = "pay402._native", frozen, get_all)]
#[derive(Debug)]
pub(crate) struct X402Permit2Approval {
    chain_id: u64,
    token: String,
    spender: String,
    amount: Uint,
}

/// The offer chosen from a 402, with the 402 it came from.
#[pyclass(module = "pay402._native", frozen)]
#[derive(Debug)]
pub(crate) struct X402ChosenOffer {
    inner: host::Chosen,
}

#[pymethods]
impl X402ChosenOffer {
    /// Its index in `accepts`.
    #[getter]
    fn index(&self) -> usize {
        self.inner.index
    }

    /// How it is paid: `exact_eip3009`, `exact_permit2`, `upto_permit2` or `exact_svm`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind
    }

    /// The x402 version of the 402 (1 or 2).
    #[getter]
    fn x402_version(&self) -> u8 {
        self.inner.x402_version
    }

    /// The network, as its CAIP-2 id.
    #[getter]
    fn network(&self) -> String {
        self.inner.network.clone()
    }

    /// The EVM chain id, for EVM offers.
    #[getter]
    fn chain_id(&self) -> Option<u64> {
        self.inner.chain_id
    }

    /// The asset (EVM: lowercase `0x` hex; Solana: base58).
    #[getter]
    fn asset(&self) -> String {
        self.inner.asset.clone()
    }

    /// The amount reserved: the price, or an `upto` offer's maximum (atomic units).
    #[getter]
    fn amount(&self) -> Uint {
        Uint(self.inner.amount)
    }

    /// The request header the payment goes in: `PAYMENT-SIGNATURE` (v2) or `X-PAYMENT` (v1).
    #[getter]
    fn header_name(&self) -> &'static str {
        host::X402Client::header_name(&self.inner)
    }

    /// The Permit2 approval the payment needs (Permit2 kinds), else None.
    #[getter]
    fn approval(&self) -> Option<X402Permit2Approval> {
        self.inner.approval.as_ref().map(|a| X402Permit2Approval {
            chain_id: a.chain_id,
            token: a.token.clone(),
            spender: a.spender.clone(),
            amount: Uint(a.amount),
        })
    }
}

/// A signed payment ready to send, with the budget's reservation of its amount.
#[pyclass(module = "pay402._native", frozen)]
#[derive(Debug)]
pub(crate) struct X402Payment {
    header_name: &'static str,
    header_value: String,
    kind: &'static str,
    reservation: Py<BudgetReservation>,
}

#[pymethods]
impl X402Payment {
    /// `PAYMENT-SIGNATURE` (v2) or `X-PAYMENT` (v1).
    #[getter]
    fn header_name(&self) -> &'static str {
        self.header_name
    }

    /// The header value.
    #[getter]
    fn header_value(&self) -> &str {
        &self.header_value
    }

    /// The kind paid.
    #[getter]
    fn kind(&self) -> &'static str {
        self.kind
    }

    /// The amount reserved in the budget until `X402Client.complete` ends it.
    #[getter]
    fn reservation(&self, py: Python<'_>) -> Py<BudgetReservation> {
        self.reservation.clone_ref(py)
    }
}

fn payment(py: Python<'_>, p: Payment) -> PyResult<Py<PyAny>> {
    let Payment {
        header_name,
        header_value,
        reservation,
        kind,
    } = p;
    let reservation = Py::new(py, BudgetReservation { inner: reservation })?;
    Ok(Py::new(
        py,
        X402Payment {
            header_name,
            header_value,
            kind,
            reservation,
        },
    )?
    .into_any())
}

/// The paying client: a policy (networks, EVM and Solana assets, kinds) and a `ClientBudget`
/// it reserves in (per asset, or one set of limits for every asset).
#[pyclass(module = "pay402._native", frozen)]
#[derive(Debug)]
pub(crate) struct X402Client {
    inner: host::X402Client,
}

#[pymethods]
impl X402Client {
    /// A client spending from `budget`; raises `X402Error` `invalid_client_config` for an
    /// unknown network, a malformed asset or an unknown kind. `schemes` empty or None: all.
    #[new]
    #[pyo3(signature = (*, networks, budget, evm_assets=Vec::new(), svm_assets=Vec::new(), schemes=None))]
    fn new(
        networks: Vec<String>,
        budget: PyRef<'_, ClientBudget>,
        evm_assets: Vec<String>,
        svm_assets: Vec<String>,
        schemes: Option<Vec<String>>,
    ) -> PyResult<Self> {
        let config = ClientConfig {
            networks,
            evm_assets,
            svm_assets,
            schemes: schemes.unwrap_or_default(),
        };
        host::X402Client::new(&config, budget.inner.clone())
            .map(|inner| Self { inner })
            .map_err(|e| error(&e))
    }

    /// Reads a 402 (`(name, value)` headers: the v2 `PAYMENT-REQUIRED`, else the JSON `body`)
    /// and chooses the offer to pay at `now` (Unix seconds): an `X402ChosenOffer`, or the
    /// `BudgetRefusal` of the limit that refuses the cheapest payable offer. Raises `X402Error`
    /// (`no_acceptable_requirements`, the decoder's codes).
    #[pyo3(signature = (headers, body, now))]
    fn choose(
        &self,
        py: Python<'_>,
        headers: Vec<(String, String)>,
        body: Text,
        now: u64,
    ) -> PyResult<Py<PyAny>> {
        match self.inner.choose(&headers, &body.0, now) {
            Ok(inner) => Ok(Py::new(py, X402ChosenOffer { inner })?.into_any()),
            Err(r) => refusal(py, *r),
        }
    }

    /// Raises `X402Error` `permit2_allowance_required` (its message names the approval) when
    /// `allowance`, the payer's ERC-20 allowance to Permit2 the host read, is below a Permit2
    /// offer's amount.
    fn check_allowance(
        &self,
        chosen: PyRef<'_, X402ChosenOffer>,
        allowance: PyU256,
    ) -> PyResult<()> {
        self.inner
            .check_allowance(&chosen.inner, allowance.0)
            .map_err(|e| error(&e))
    }

    /// Reserves the amount at `now`, then signs the EVM payment (EIP-3009, Permit2 `exact`,
    /// `upto`) with `private_key` and 32 random `nonce` bytes: an `X402Payment`, or the
    /// budget's `BudgetRefusal`. `permit2_allowance`, when given, is checked first. The
    /// reservation is released when nothing could be signed. `budget_now`, when the budget keeps
    /// its own clock, is the time it reserves at (default `now`).
    #[pyo3(signature = (chosen, private_key, *, now, nonce, permit2_allowance=None, budget_now=None))]
    fn pay_evm(
        &self,
        py: Python<'_>,
        chosen: PyRef<'_, X402ChosenOffer>,
        private_key: BytesOrHex,
        now: u64,
        nonce: BytesOrHex,
        permit2_allowance: Option<PyU256>,
        budget_now: Option<u64>,
    ) -> PyResult<Py<PyAny>> {
        let key = parse_private_key(&private_key)?;
        let nonce = nonce.array::<32>("nonce")?;
        if let Some(allowance) = permit2_allowance {
            self.inner
                .check_allowance(&chosen.inner, allowance.0)
                .map_err(|e| error(&e))?;
        }
        self.reserve_and_build(py, &chosen, budget_now.unwrap_or(now), || {
            self.inner.build_evm(&chosen.inner, &key, now, &nonce)
        })
    }

    /// Reserves the amount at `now`, then builds and partially signs the Solana payment with the
    /// payer's 32-byte `seed`, the chain state the host read (`recent_blockhash` base58, the
    /// mint's `decimals` and `token_program`) and 16 random `memo_nonce` bytes: an
    /// `X402Payment`, or the budget's `BudgetRefusal`. The reservation is released when nothing
    /// could be built.
    #[pyo3(signature = (chosen, seed, *, recent_blockhash, decimals, token_program, memo_nonce, now))]
    fn pay_svm(
        &self,
        py: Python<'_>,
        chosen: PyRef<'_, X402ChosenOffer>,
        seed: BytesOrHex,
        recent_blockhash: PyPubkey,
        decimals: u8,
        token_program: PyPubkey,
        memo_nonce: BytesOrHex,
        now: u64,
    ) -> PyResult<Py<PyAny>> {
        let key = PayerKey::from_seed(&seed.array::<32>("seed")?);
        let memo_nonce = memo_nonce.array::<16>("memo_nonce")?;
        let chain = SvmChainState {
            recent_blockhash: recent_blockhash.0.0,
            decimals,
            token_program: token_program.0,
        };
        self.reserve_and_build(py, &chosen, now, || {
            self.inner
                .build_svm(&chosen.inner, &key, &chain, &memo_nonce)
        })
    }

    /// Reads the answer to the paid retry (`status`, `(name, value)` headers, body) and ends the
    /// payment's reservation by the core's verdict: served → committed (an `upto` receipt's
    /// settled amount, the rest given back); a definitive refusal → released; otherwise kept
    /// counted.
    #[pyo3(signature = (payment, status, headers, body=None))]
    #[allow(
        clippy::unused_self,
        reason = "a method of the client in Python, as in the JS binding; the payment carries its reservation"
    )]
    fn complete(
        &self,
        py: Python<'_>,
        payment: PyRef<'_, X402Payment>,
        status: u16,
        headers: Vec<(String, String)>,
        body: Option<Vec<u8>>,
    ) -> PyResult<PaidAnswer> {
        let body = body.unwrap_or_default();
        let outcome = host::X402Client::complete_reservation(
            &payment.reservation.get().inner,
            payment.kind,
            status,
            &headers,
            &body,
        );
        PaidAnswer::of(py, outcome)
    }
}

impl X402Client {
    /// Reserves the chosen amount at `now`, then builds the header: the payment, the budget's
    /// `BudgetRefusal`, or the build's error after the reservation was released
    /// (`pay402_host::x402_client::X402Client::payment`).
    fn reserve_and_build(
        &self,
        py: Python<'_>,
        chosen: &X402ChosenOffer,
        now: u64,
        build: impl FnOnce() -> Result<String, HostError>,
    ) -> PyResult<Py<PyAny>> {
        let reservation = match self.inner.reserve(&chosen.inner, now) {
            Ok(r) => r,
            Err(r) => return refusal(py, *r),
        };
        let paid = self
            .inner
            .payment(&chosen.inner, reservation, build())
            .map_err(|e| error(&e))?;
        payment(py, paid)
    }
}

/// Registers the items.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<X402Client>()?;
    m.add_class::<X402ChosenOffer>()?;
    m.add_class::<X402Permit2Approval>()?;
    m.add_class::<X402Payment>()?;
    Ok(())
}
