//! Payments proven by an on-chain transaction (`pay402::onchain`): the host makes the RPC calls
//! and passes their JSON `result`s as received (`str` or `bytes`, `null` included); the core
//! decodes them and decides. Conversion only: the verdict, its code and the replay key are the
//! core's.

use crate::convert::{BytesOrHex, PyAddress, PyU256, Text, Uint};
use crate::errors::{CoreError, CoreResult, IntoCore, Kind};
use crate::svm::PyPubkey;
use pay402::dialects::PayPer402Challenge;
use pay402::onchain::evm::{
    EvmAsset, EvmBlock, EvmExpected, EvmProof, EvmReceipt, EvmTransaction, parse_block_number,
    verify_evm_transaction as core_verify_evm,
};
use pay402::onchain::svm::{
    Commitment, PayPer402Terms, SvmAsset, SvmExpected, SvmTransaction, parse_signature,
    verify_payper402 as core_verify_payper402, verify_svm_transaction as core_verify_svm,
};
use pay402::onchain::{Accepted, MAX_KEY_LEN, Payer, ProofError};
use pay402::writer::Writer;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

impl IntoCore for ProofError {
    fn into_core(self) -> CoreError {
        CoreError::new(Kind::Onchain, &self)
    }
}

/// An accepted on-chain payment.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OnchainPayment {
    /// The replay-store key: `evm:<chain id>:0x<hash>` or `svm:<signature>`.
    tx_key: String,
    /// Who paid: an EIP-55 address or a base58 Solana address.
    payer: String,
    /// What the payee received, in atomic units.
    amount: Uint,
}

#[pymethods]
impl OnchainPayment {
    fn __repr__(&self) -> String {
        format!(
            "OnchainPayment(tx_key={:?}, payer={:?}, amount={})",
            self.tx_key, self.payer, self.amount.0
        )
    }
}

fn payment(ok: &Accepted) -> PyResult<OnchainPayment> {
    let mut buf = [0u8; MAX_KEY_LEN];
    let mut w = Writer::new(&mut buf);
    ok.tx.write_key(&mut w).py()?;
    let tx_key = crate::convert::text(w.written().to_vec())?;
    let payer = match ok.payer {
        Payer::Evm(a) => crate::convert::address(&a),
        Payer::Svm(p) => p.to_string(),
        _ => {
            return Err(
                CoreError::custom(Kind::Onchain, "unknown_payer", "unknown payer kind").into(),
            );
        }
    };
    Ok(OnchainPayment {
        tx_key,
        payer,
        amount: Uint(ok.amount),
    })
}

fn commitment(name: &str, value: &str) -> PyResult<Commitment> {
    Commitment::from_name(value).ok_or_else(|| {
        PyValueError::new_err(format!(
            "{name} must be one of \"processed\", \"confirmed\", \"finalized\", got {value:?}"
        ))
    })
}

/// Decides an EVM payment proof from the RPC results: `receipt` (`eth_getTransactionReceipt`),
/// `block` (`eth_getBlockByNumber` of the receipt's block), `head` (`eth_blockNumber`) and, for
/// native value, `transaction` (`eth_getTransactionByHash`). `asset` is the token address or
/// `"native"`. Raises `OnchainError` with the core's code (`transaction_not_found`,
/// `transaction_not_final`, `amount_too_low`, …).
#[pyfunction]
#[pyo3(signature = (receipt, block, head, transaction=None, *, chain_id, tx_hash, asset, pay_to, min_amount, max_age_secs=None, min_confirmations, now))]
pub(crate) fn verify_evm_transaction(
    receipt: Text,
    block: Text,
    head: Text,
    transaction: Option<Text>,
    chain_id: u64,
    tx_hash: BytesOrHex,
    asset: &str,
    pay_to: PyAddress,
    min_amount: PyU256,
    max_age_secs: Option<u64>,
    min_confirmations: u64,
    now: u64,
) -> PyResult<OnchainPayment> {
    let asset = if asset == "native" {
        EvmAsset::Native
    } else {
        EvmAsset::Token(pay402::evm::Address::parse(asset.as_bytes()).py()?)
    };
    let expected = EvmExpected {
        chain_id,
        tx_hash: tx_hash.array::<32>("tx_hash")?,
        asset,
        pay_to: pay_to.0,
        min_amount: min_amount.0,
        max_age_secs,
        min_confirmations,
        now,
    };
    let proof = EvmProof {
        receipt: EvmReceipt::parse(&receipt.0).py()?,
        block: EvmBlock::parse(&block.0).py()?,
        head: parse_block_number(&head.0).py()?,
        transaction: match &transaction {
            Some(t) => Some(EvmTransaction::parse(&t.0).py()?),
            None => None,
        },
    };
    payment(&core_verify_evm(&proof, &expected).py()?)
}

/// Decides a Solana payment proof from a `getTransaction` result fetched with
/// `encoding: "jsonParsed"` at commitment `fetched_at`. `mint` and `token_program` name the SPL
/// token (both `None`: SOL in lamports); `pay_to` is the payee's wallet. Raises `OnchainError`.
#[pyfunction]
#[pyo3(signature = (result, *, fetched_at, signature, mint, token_program, pay_to, min_amount, reference=None, max_age_secs=None, min_commitment, now))]
pub(crate) fn verify_svm_transaction(
    result: Text,
    fetched_at: &str,
    signature: &str,
    mint: Option<PyPubkey>,
    token_program: Option<PyPubkey>,
    pay_to: PyPubkey,
    min_amount: PyU256,
    reference: Option<PyPubkey>,
    max_age_secs: Option<u64>,
    min_commitment: &str,
    now: u64,
) -> PyResult<OnchainPayment> {
    let asset = match (mint, token_program) {
        (Some(mint), Some(token_program)) => SvmAsset::Token {
            mint: mint.0,
            token_program: token_program.0,
        },
        (None, None) => SvmAsset::Native,
        _ => {
            return Err(PyValueError::new_err(
                "mint and token_program go together (both None: SOL)",
            ));
        }
    };
    let expected = SvmExpected {
        signature: parse_signature(signature.as_bytes()).py()?,
        asset,
        pay_to: pay_to.0,
        min_amount: min_amount.0,
        reference: reference.map(|r| r.0),
        max_age_secs,
        min_commitment: commitment("min_commitment", min_commitment)?,
        now,
    };
    let fetched_at = commitment("fetched_at", fetched_at)?;
    let tx = SvmTransaction::parse(&result.0).py()?;
    payment(&core_verify_svm(&tx, fetched_at, &expected).py()?)
}

/// Decides a `PayPer402` payment: the `WWW-Authenticate` value the server issued (`challenge`,
/// its amount in `decimals`), the transaction signature the client sent, and the
/// `getTransaction` `jsonParsed` result fetched at `fetched_at`. The payee, mint and reference
/// are the server's own terms. Raises `DialectError` for a malformed challenge, else
/// `OnchainError` (`unsupported_network`, `invalid_transaction_signature`, …).
#[pyfunction]
#[pyo3(signature = (challenge, decimals, signature, result, *, fetched_at, mint, token_program, pay_to, reference=None, max_age_secs=None, min_commitment, now))]
pub(crate) fn verify_payper402(
    challenge: &str,
    decimals: u8,
    signature: &str,
    result: Text,
    fetched_at: &str,
    mint: PyPubkey,
    token_program: PyPubkey,
    pay_to: PyPubkey,
    reference: Option<PyPubkey>,
    max_age_secs: Option<u64>,
    min_commitment: &str,
    now: u64,
) -> PyResult<OnchainPayment> {
    let challenge = PayPer402Challenge::parse(challenge, decimals).py()?;
    let terms = PayPer402Terms {
        mint: mint.0,
        token_program: token_program.0,
        pay_to: pay_to.0,
        reference: reference.map(|r| r.0),
        max_age_secs,
        min_commitment: commitment("min_commitment", min_commitment)?,
        now,
    };
    let fetched_at = commitment("fetched_at", fetched_at)?;
    payment(
        &core_verify_payper402(
            &challenge,
            signature.as_bytes(),
            &result.0,
            fetched_at,
            &terms,
        )
        .py()?,
    )
}

/// Registers the on-chain proof items.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<OnchainPayment>()?;
    m.add_function(wrap_pyfunction!(verify_evm_transaction, m)?)?;
    m.add_function(wrap_pyfunction!(verify_svm_transaction, m)?)?;
    m.add_function(wrap_pyfunction!(verify_payper402, m)?)?;
    Ok(())
}
