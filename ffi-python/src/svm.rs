//! Solana (SVM): x402 `exact` verification on any network, the reference client's payment
//! transaction and the payment header around it, addresses and associated token accounts.

use crate::convert::{BytesOrHex, PyAddress, PyU256, Text};
use crate::errors::CoreResult;
use crate::x402::{encode_header_text, network_text, verified, verify_policy, write_json};
use pay402::svm::transaction::MAX_TRANSACTION_LEN;
use pay402::svm::{
    ASSOCIATED_TOKEN_PROGRAM_ID, BuildError, COMPUTE_BUDGET_PROGRAM_ID, LIGHTHOUSE_PROGRAM_ID,
    MEMO_PROGRAM_ID, PayerKey, Pubkey, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID, TransferParams,
};
use pay402::x402::client::{payment_header_name, write_svm_payment_json};
use pay402::x402::{AnyVerified, Network, PaymentRequired, UptoOptions, Verifier, header};
use pay402::x402::{HostCheck, SvmPolicy, SvmVerified as CoreSvmVerified};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

/// A Solana address given as base58 text, parsed by the core.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PyPubkey(pub(crate) Pubkey);

impl<'a, 'py> FromPyObject<'a, 'py> for PyPubkey {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let s = obj
            .cast::<PyString>()
            .map_err(|_| PyTypeError::new_err("expected a base58 address str"))?;
        Ok(Self(Pubkey::parse(s.to_cow()?.as_bytes()).py()?))
    }
}

/// 32 raw bytes (`bytes`, not hex text) for a key or a blockhash.
fn raw32(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<[u8; 32]> {
    let b = obj
        .cast::<PyBytes>()
        .map_err(|_| PyTypeError::new_err(format!("{what} must be bytes")))?;
    b.as_bytes()
        .try_into()
        .map_err(|_| PyValueError::new_err(format!("{what} must be 32 bytes")))
}

/// A Solana payment that passed every offline check (x402 `exact` SVM); the facilitator still
/// has to make the RPC checks of `still_to_check` before settling.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SvmVerified {
    x402_version: u64,
    network: String,
    kind: &'static str,
    payer: String,
    amount: u64,
    fee_payer: String,
    mint: String,
    source: String,
    destination: String,
    token_program: String,
    decimals: u8,
    compute_unit_limit: u32,
    compute_unit_price: u64,
    recent_blockhash: crate::convert::Bytes,
    still_to_check: Vec<&'static str>,
}

#[pymethods]
impl SvmVerified {
    fn __repr__(&self) -> String {
        format!(
            "SvmVerified(network={:?}, payer={:?}, amount={}, fee_payer={:?})",
            self.network, self.payer, self.amount, self.fee_payer
        )
    }
}

/// The name of a check left to the facilitator.
fn host_check(c: HostCheck) -> &'static str {
    match c {
        HostCheck::RecentBlockhash => "recent_blockhash",
        HostCheck::TokenAccounts => "token_accounts",
        HostCheck::Mint => "mint",
        HostCheck::Simulation => "simulation",
        HostCheck::DuplicateSettlement => "duplicate_settlement",
    }
}

fn svm_verified(v: &CoreSvmVerified) -> SvmVerified {
    SvmVerified {
        x402_version: v.x402_version.number(),
        network: network_text(Network::Solana(v.cluster)),
        kind: "exact_svm",
        payer: v.payer.to_string(),
        amount: v.amount,
        fee_payer: v.fee_payer.to_string(),
        mint: v.transfer.mint.to_string(),
        source: v.transfer.source.to_string(),
        destination: v.transfer.destination.to_string(),
        token_program: v.transfer.token_program.to_string(),
        decimals: v.transfer.decimals,
        compute_unit_limit: v.compute_unit_limit,
        compute_unit_price: v.compute_unit_price,
        recent_blockhash: crate::convert::Bytes(v.recent_blockhash.to_vec()),
        still_to_check: v.still_to_check.iter().map(|c| host_check(*c)).collect(),
    }
}

/// Verifies an x402 payment header on any supported network: Solana requirements run the
/// `exact` SVM checks under the Solana policy keywords, everything else the EVM checks of
/// `verify_payment`. Returns `Verified` (EVM) or `SvmVerified` (Solana); raises `X402Error`
/// with the reference facilitator's code.
#[pyfunction]
#[pyo3(name = "x402_verify", signature = (
    requirements, payment, *, now, amount="exact", signature="strict", valid_before_slack=6,
    accepted="deep_equal", settle_amount=None, facilitator=None, fee_payers=None,
    max_compute_unit_price=5_000_000, max_compute_unit_limit=None, max_instructions=6
))]
pub(crate) fn verify_any_payment(
    py: Python<'_>,
    requirements: Text,
    payment: Text,
    now: u64,
    amount: &str,
    signature: &str,
    valid_before_slack: u64,
    accepted: &str,
    settle_amount: Option<PyU256>,
    facilitator: Option<PyAddress>,
    fee_payers: Option<Vec<PyPubkey>>,
    max_compute_unit_price: u64,
    max_compute_unit_limit: Option<u32>,
    max_instructions: usize,
) -> PyResult<Py<PyAny>> {
    let policy = verify_policy(amount, signature, valid_before_slack, accepted)?;
    let fee_payers: Vec<Pubkey> = fee_payers.unwrap_or_default().iter().map(|k| k.0).collect();
    let svm = SvmPolicy {
        fee_payers: &fee_payers,
        max_compute_unit_price,
        max_compute_unit_limit,
        max_instructions,
        accepted: policy.accepted,
        ..SvmPolicy::default()
    };
    let result = py.detach(|| {
        let mut buf = vec![0u8; header::RECOMMENDED_BUFFER_LEN.max(payment.0.len() + 4)];
        let verifier = Verifier {
            policy,
            svm: Some(svm),
            upto: UptoOptions {
                settle_amount: settle_amount.map(|a| a.0),
                facilitator: facilitator.map(|a| a.0),
            },
        };
        verifier.verify_header(&requirements.0, &payment.0, &mut buf, now)
    });
    Ok(match result.py()? {
        AnyVerified::Evm(v) => Py::new(py, verified(&v))?.into_any(),
        AnyVerified::Svm(v) => Py::new(py, svm_verified(&v))?.into_any(),
    })
}

/// Builds and partially signs the reference client's payment transaction (x402 `exact` SVM):
/// `SetComputeUnitLimit`, `SetComputeUnitPrice`, `TransferChecked` to `pay_to`'s associated
/// token account, then the Memo when `memo` is not empty. Returns the wire bytes (base64 them
/// for `payload.transaction`); the fee payer's signature slot is left zero.
#[pyfunction]
#[pyo3(signature = (
    payer_seed, *, fee_payer, mint, pay_to, amount, decimals, recent_blockhash,
    token_program=None, memo=None, compute_unit_limit=20_000, compute_unit_price=1
))]
pub(crate) fn svm_build_transfer<'py>(
    py: Python<'py>,
    payer_seed: BytesOrHex,
    fee_payer: PyPubkey,
    mint: PyPubkey,
    pay_to: PyPubkey,
    amount: u64,
    decimals: u8,
    recent_blockhash: &Bound<'py, PyAny>,
    token_program: Option<PyPubkey>,
    memo: Option<Text>,
    compute_unit_limit: u32,
    compute_unit_price: u64,
) -> PyResult<Bound<'py, PyBytes>> {
    let seed = payer_seed.array::<32>("payer_seed")?;
    let memo = memo.map(|m| m.0).unwrap_or_default();
    let params = TransferParams {
        fee_payer: fee_payer.0,
        mint: mint.0,
        pay_to: pay_to.0,
        token_program: token_program.map_or(TOKEN_PROGRAM_ID, |p| p.0),
        amount,
        decimals,
        memo: &memo,
        recent_blockhash: raw32(recent_blockhash, "recent_blockhash")?,
        compute_unit_limit,
        compute_unit_price,
    };
    let mut out = vec![0u8; MAX_TRANSACTION_LEN];
    let wire = pay402::svm::build_transfer(&params, &PayerKey::from_seed(&seed), &mut out).py()?;
    Ok(PyBytes::new(py, wire))
}

/// A Solana payment, ready to send.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SvmPayment {
    header_name: &'static str,
    header_value: String,
    json: String,
}

#[pymethods]
impl SvmPayment {
    fn __repr__(&self) -> String {
        format!("SvmPayment(header_name={:?})", self.header_name)
    }
}

/// Wraps a built transaction (`svm_build_transfer`'s wire bytes) into the payment for
/// `accepts[accept_index]` of a 402 (x402 `exact` SVM, v1/v2): `{"transaction": base64}` in the
/// v1 / v2 envelope, v2 echoing `resource`, the entry as `accepted` and `extensions`. Raises
/// `X402Error` `accept_index_out_of_range`, `unsupported_scheme`, `unsupported_network` (not a
/// Solana entry) or the transaction's decode code (`transaction_truncated`, …).
#[pyfunction]
#[pyo3(signature = (payment_required, transaction, *, accept_index=0))]
pub(crate) fn svm_payment_header(
    payment_required: Text,
    transaction: &Bound<'_, PyAny>,
    accept_index: usize,
) -> PyResult<SvmPayment> {
    let transaction = transaction
        .cast::<PyBytes>()
        .map_err(|_| PyTypeError::new_err("transaction must be bytes (the wire transaction)"))?
        .as_bytes();
    let required = PaymentRequired::from_json(&payment_required.0).py()?;
    let json = write_json(payment_required.0.len() + transaction.len() * 2, |w| {
        write_svm_payment_json(w, &required, accept_index, transaction)
    })
    .py()?;
    Ok(SvmPayment {
        header_name: payment_header_name(required.version()),
        header_value: encode_header_text(&json)?,
        json: crate::convert::text(json)?,
    })
}

/// The base58 public key of an ed25519 seed (32 `bytes` or hex text).
#[pyfunction]
pub(crate) fn svm_public_key(seed: BytesOrHex) -> PyResult<String> {
    let seed = seed.array::<32>("seed")?;
    Ok(PayerKey::from_seed(&seed).pubkey().to_string())
}

/// The associated token account of `owner` for `mint` under `token_program` (default SPL
/// Token), as `@solana-program/token`'s `findAssociatedTokenPda` derives it.
#[pyfunction]
#[pyo3(signature = (owner, mint, token_program=None))]
pub(crate) fn svm_associated_token_address(
    owner: PyPubkey,
    mint: PyPubkey,
    token_program: Option<PyPubkey>,
) -> PyResult<String> {
    let program = token_program.map_or(TOKEN_PROGRAM_ID, |p| p.0);
    pay402::svm::associated_token_address(&owner.0, &mint.0, &program)
        .ok_or(BuildError::NoAssociatedTokenAccount)
        .py()
        .map(|a| a.to_string())
}

/// The 32 bytes of a base58 Solana address (raises `SvmError` `pubkey_*`).
#[pyfunction]
pub(crate) fn svm_parse_pubkey(py: Python<'_>, text: Text) -> PyResult<Bound<'_, PyBytes>> {
    Ok(PyBytes::new(py, &Pubkey::parse(&text.0).py()?.0))
}

/// The base58 text of 32 address bytes.
#[pyfunction]
pub(crate) fn svm_format_pubkey(key: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(Pubkey(raw32(key, "key")?).to_string())
}

/// Registers the Solana items.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<SvmVerified>()?;
    m.add_class::<SvmPayment>()?;
    m.add_function(wrap_pyfunction!(verify_any_payment, m)?)?;
    m.add_function(wrap_pyfunction!(svm_build_transfer, m)?)?;
    m.add_function(wrap_pyfunction!(svm_payment_header, m)?)?;
    m.add_function(wrap_pyfunction!(svm_public_key, m)?)?;
    m.add_function(wrap_pyfunction!(svm_associated_token_address, m)?)?;
    m.add_function(wrap_pyfunction!(svm_parse_pubkey, m)?)?;
    m.add_function(wrap_pyfunction!(svm_format_pubkey, m)?)?;
    for (name, key) in [
        ("SVM_TOKEN_PROGRAM_ID", TOKEN_PROGRAM_ID),
        ("SVM_TOKEN_2022_PROGRAM_ID", TOKEN_2022_PROGRAM_ID),
        (
            "SVM_ASSOCIATED_TOKEN_PROGRAM_ID",
            ASSOCIATED_TOKEN_PROGRAM_ID,
        ),
        ("SVM_COMPUTE_BUDGET_PROGRAM_ID", COMPUTE_BUDGET_PROGRAM_ID),
        ("SVM_MEMO_PROGRAM_ID", MEMO_PROGRAM_ID),
        ("SVM_LIGHTHOUSE_PROGRAM_ID", LIGHTHOUSE_PROGRAM_ID),
    ] {
        m.add(name, key.to_string())?;
    }
    Ok(())
}
