//! The core's paying client of every scheme, call by call (`pay402::x402::client`): the choice
//! among `exact` EIP-3009, `exact` Permit2, `upto` and Solana offers, the payment of each, and the
//! verdict on a paid answer, for callers that hold no budget (the conformance vectors); the
//! paying client with a budget is `X402Client` (`crate::x402_client`). Conversion only.

use crate::convert::{BytesOrHex, PyU256, Text, int, private_key as parse_private_key};
use crate::errors::CoreResult;
use crate::svm::PyPubkey;
use pay402::svm::PayerKey;
use pay402::x402::client::{
    ClientPolicy, PaidResponse, Schemes, SvmChainState, check_permit2_allowance, choose, pay_evm,
    pay_svm, payment_header_name, read_paid_response,
};
use pay402::x402::{Network, PaymentRequired, header};
use pay402_host::x402_client::PaidOutcome;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// The chosen `accepts` entry.
#[pyclass(module = "pay402._native", frozen, get_all)]
#[derive(Debug)]
pub(crate) struct Choice {
    index: usize,
    kind: String,
    asset: String,
    amount: Py<PyAny>,
}

/// A payment header, ready to send.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClientPayment {
    header_name: String,
    header_value: String,
}

/// The verdict on the answer to a paid retry: `served`, `refused` or `undetermined`.
#[pyclass(module = "pay402._native", frozen, get_all)]
#[derive(Debug, Default)]
pub(crate) struct PaidAnswer {
    verdict: String,
    code: Option<String>,
    detail_code: Option<String>,
    message: Option<String>,
    definitive: Option<bool>,
    transaction: Option<String>,
    settled_amount: Option<Py<PyAny>>,
}

impl PaidAnswer {
    /// The record of the host's outcome of a paid retry (`X402Client.complete`).
    pub(crate) fn of(py: Python<'_>, outcome: PaidOutcome) -> PyResult<Self> {
        let none = Self::default();
        Ok(match outcome {
            PaidOutcome::Served {
                transaction,
                settled_amount,
            } => Self {
                verdict: "served".into(),
                transaction,
                settled_amount: settled_amount
                    .map(|a| int(py, &a).map(Bound::unbind))
                    .transpose()?,
                ..none
            },
            PaidOutcome::Refused(r) => Self {
                verdict: "refused".into(),
                code: Some(r.code),
                detail_code: r.detail_code,
                message: r.message,
                definitive: Some(r.definitive),
                ..none
            },
            PaidOutcome::Undetermined => Self {
                verdict: "undetermined".into(),
                ..none
            },
        })
    }
}

fn network(text: &str) -> PyResult<Network> {
    Network::parse(text).ok_or_else(|| PyValueError::new_err(format!("unknown network {text:?}")))
}

fn buffers<'o>(
    size: usize,
    scratch: &'o mut Vec<u8>,
    out: &'o mut Vec<u8>,
) -> (&'o mut [u8], &'o mut [u8]) {
    scratch.resize(size, 0);
    out.resize(size * 2, 0);
    (scratch.as_mut_slice(), out.as_mut_slice())
}

/// Chooses the first offer of a 402 the payer can pay: a listed kind (default all), network and
/// asset (EVM addresses and Solana mints), at most `max_amount`; a Permit2 offer above
/// `permit2_allowance` (when given) raises `permit2_allowance_required`.
#[pyfunction]
#[pyo3(signature = (payment_required, *, networks, evm_assets, svm_assets, max_amount, schemes=None, permit2_allowance=None))]
#[allow(
    clippy::too_many_arguments,
    reason = "keyword arguments of one Python call"
)]
pub(crate) fn x402_choose(
    py: Python<'_>,
    payment_required: Text,
    networks: Vec<String>,
    evm_assets: Vec<crate::convert::PyAddress>,
    svm_assets: Vec<PyPubkey>,
    max_amount: PyU256,
    schemes: Option<Vec<String>>,
    permit2_allowance: Option<PyU256>,
) -> PyResult<Choice> {
    let required = PaymentRequired::from_json(&payment_required.0).py()?;
    let networks = networks
        .iter()
        .map(|n| network(n))
        .collect::<PyResult<Vec<_>>>()?;
    let evm: Vec<_> = evm_assets.iter().map(|a| a.0).collect();
    let svm: Vec<_> = svm_assets.iter().map(|a| a.0).collect();
    let schemes = match schemes {
        None => Schemes::ALL,
        Some(names) => {
            let has = |k: &str| names.iter().any(|s| s == k);
            Schemes {
                exact_eip3009: has("exact_eip3009"),
                exact_permit2: has("exact_permit2"),
                upto_permit2: has("upto_permit2"),
                exact_svm: has("exact_svm"),
            }
        }
    };
    let policy = ClientPolicy {
        networks: &networks,
        evm_assets: &evm,
        svm_assets: &svm,
        schemes,
    };
    let chosen = choose(&required, &policy, |_, _| Some(max_amount.0)).py()?;
    if let Some(allowance) = permit2_allowance {
        check_permit2_allowance(&chosen, allowance.0).py()?;
    }
    Ok(Choice {
        index: chosen.index,
        kind: chosen.kind.name().to_owned(),
        asset: chosen.asset.to_string(),
        amount: int(py, &chosen.amount)?.unbind(),
    })
}

/// The EVM payment header (EIP-3009, Permit2 `exact` or `upto`, by the entry) for
/// `accepts[accept_index]`, signed with `private_key` at `now` with 32 random `nonce` bytes.
#[pyfunction]
#[pyo3(signature = (payment_required, private_key, *, now, nonce, accept_index=0))]
pub(crate) fn x402_pay_evm(
    payment_required: Text,
    private_key: BytesOrHex,
    now: u64,
    nonce: BytesOrHex,
    accept_index: usize,
) -> PyResult<ClientPayment> {
    let required = PaymentRequired::from_json(&payment_required.0).py()?;
    let key = parse_private_key(&private_key)?;
    let nonce = nonce.array::<32>("nonce")?;
    let (mut scratch, mut out) = (Vec::new(), Vec::new());
    let (s, o) = buffers(
        header::RECOMMENDED_BUFFER_LEN.max(payment_required.0.len() * 2),
        &mut scratch,
        &mut out,
    );
    let value = pay_evm(&required, accept_index, &key, now, &nonce, s, o).py()?;
    Ok(ClientPayment {
        header_name: payment_header_name(required.version()).to_owned(),
        header_value: value.to_owned(),
    })
}

/// The Solana payment header for `accepts[accept_index]`: the transfer built and partially
/// signed with the payer's 32-byte `seed`, the chain state the host read and 16 random
/// `memo_nonce` bytes.
#[pyfunction]
#[pyo3(signature = (payment_required, seed, *, recent_blockhash, decimals, token_program, memo_nonce, accept_index=0))]
#[allow(
    clippy::too_many_arguments,
    reason = "keyword arguments of one Python call"
)]
pub(crate) fn x402_pay_svm(
    payment_required: Text,
    seed: BytesOrHex,
    recent_blockhash: PyPubkey,
    decimals: u8,
    token_program: PyPubkey,
    memo_nonce: BytesOrHex,
    accept_index: usize,
) -> PyResult<ClientPayment> {
    let required = PaymentRequired::from_json(&payment_required.0).py()?;
    let key = PayerKey::from_seed(&seed.array::<32>("seed")?);
    let chain = SvmChainState {
        recent_blockhash: recent_blockhash.0.0,
        decimals,
        token_program: token_program.0,
    };
    let memo_nonce = memo_nonce.array::<16>("memo_nonce")?;
    let mut wire = vec![0u8; 1232];
    let (mut scratch, mut out) = (Vec::new(), Vec::new());
    let (s, o) = buffers(
        header::RECOMMENDED_BUFFER_LEN.max(payment_required.0.len() * 2),
        &mut scratch,
        &mut out,
    );
    let value = pay_svm(
        &required,
        accept_index,
        &key,
        &chain,
        &memo_nonce,
        &mut wire,
        s,
        o,
    )
    .py()?;
    Ok(ClientPayment {
        header_name: payment_header_name(required.version()).to_owned(),
        header_value: value.to_owned(),
    })
}

/// The core's verdict on the answer to a paid retry (`status`, `(name, value)` headers, body).
#[pyfunction]
#[pyo3(signature = (status, headers, body=None))]
pub(crate) fn x402_paid_response(
    py: Python<'_>,
    status: u16,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
) -> PyResult<PaidAnswer> {
    let body = body.unwrap_or_default();
    let mut buf = vec![0u8; header::RECOMMENDED_BUFFER_LEN * 2];
    let text = |s: &pay402::json::JsonStr<'_>| s.chars().collect::<String>();
    let none = PaidAnswer::default();
    Ok(
        match read_paid_response(status, &headers, &body, &mut buf) {
            PaidResponse::Served { receipt } => PaidAnswer {
                verdict: "served".into(),
                transaction: receipt.and_then(|r| r.transaction).map(|t| text(&t)),
                settled_amount: receipt
                    .and_then(|r| r.amount)
                    .map(|a| int(py, &a).map(Bound::unbind))
                    .transpose()?,
                ..none
            },
            PaidResponse::Refused(r) => PaidAnswer {
                verdict: "refused".into(),
                code: Some(text(&r.code)),
                detail_code: r.detail_code.map(|d| text(&d)),
                message: r.message.map(|m| text(&m)),
                definitive: Some(r.definitive),
                ..none
            },
            PaidResponse::Undetermined => PaidAnswer {
                verdict: "undetermined".into(),
                ..none
            },
        },
    )
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Choice>()?;
    m.add_class::<ClientPayment>()?;
    m.add_class::<PaidAnswer>()?;
    m.add_function(wrap_pyfunction!(x402_choose, m)?)?;
    m.add_function(wrap_pyfunction!(x402_pay_evm, m)?)?;
    m.add_function(wrap_pyfunction!(x402_pay_svm, m)?)?;
    m.add_function(wrap_pyfunction!(x402_paid_response, m)?)?;
    Ok(())
}
