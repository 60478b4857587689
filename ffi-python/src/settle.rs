//! Settling a payment ourselves: EIP-1559 transactions signed by the core
//! (`pay402::evm::transaction`) and the reference facilitator's settlement call
//! (`pay402::x402::settle_calldata`). Conversion only.

use crate::convert::{BytesOrHex, PyU256, Text, private_key as parse_private_key};
use crate::errors::{CoreError, CoreResult, IntoCore, Kind};
use pay402::ErrorCode;
use pay402::U256;
use pay402::evm::{AccessListItem, Address, Eip1559Transaction, TransactionError};
use pay402::svm::PayerKey;
use pay402::svm::cosign::{CosignError, SIGNATURE_BASE58_MAX_LEN, cosign_fee_payer};
use pay402::u256::LeadingZeros;
use pay402::writer::write_all;
use pay402::x402::evm_settlement::eip3009_transfer_error_reason;
use pay402::x402::{
    Payer, PaymentPayload, PaymentRequirements, SettleCalldataError, SettleTermsError, header,
    settle_calldata_for_payer, settle_terms,
};
use pay402_host::HostError;
use pay402_host::evm_settlement::{SettleResult as HostSettleResult, Settlement as HostSettlement};
use pyo3::exceptions::{PyKeyError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyMapping, PySequence, PyString};

impl IntoCore for TransactionError {
    fn into_core(self) -> CoreError {
        CoreError::new(Kind::Evm, &self)
    }
}

impl IntoCore for CosignError {
    fn into_core(self) -> CoreError {
        CoreError::new(Kind::Svm, &self).detail(self.detail_code())
    }
}

impl IntoCore for SettleTermsError {
    fn into_core(self) -> CoreError {
        CoreError::new(Kind::X402, &self).detail(self.detail_code())
    }
}

impl IntoCore for SettleCalldataError {
    fn into_core(self) -> CoreError {
        CoreError::new(Kind::X402, &self)
    }
}

/// A signed EIP-1559 transaction: `raw` (what `eth_sendRawTransaction` takes), its `hash` and
/// the sender `from_` (EIP-55).
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignedTransaction {
    raw: crate::convert::Bytes,
    hash: crate::convert::Bytes,
    from_: String,
}

#[pymethods]
impl SignedTransaction {
    fn __repr__(&self) -> String {
        format!(
            "SignedTransaction(hash={}, from_={})",
            crate::convert::to_0x(&self.hash.0),
            self.from_
        )
    }
}

/// The call a facilitator sends to settle: the contract `to` (EIP-55) and the calldata `data`.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SettleCall {
    to: String,
    data: crate::convert::Bytes,
}

#[pymethods]
impl SettleCall {
    fn __repr__(&self) -> String {
        format!(
            "SettleCall(to={}, data={})",
            self.to,
            crate::convert::to_0x(&self.data.0)
        )
    }
}

fn field<'py>(m: &Bound<'py, PyMapping>, key: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
    if m.contains(key)? {
        let v = m.get_item(key)?;
        Ok((!v.is_none()).then_some(v))
    } else {
        Ok(None)
    }
}

fn required<'py>(m: &Bound<'py, PyMapping>, key: &str) -> PyResult<Bound<'py, PyAny>> {
    field(m, key)?.ok_or_else(|| PyKeyError::new_err(format!("missing {key:?}")))
}

/// A quantity: an `int`, or decimal text as JSON carries it.
fn uint(v: &Bound<'_, PyAny>, key: &str) -> PyResult<U256> {
    if let Ok(s) = v.cast::<PyString>() {
        return U256::parse_decimal(s.to_cow()?.as_bytes(), LeadingZeros::Reject).py();
    }
    if v.cast::<PyInt>().is_ok() {
        return Ok(v.extract::<PyU256>()?.0);
    }
    Err(PyTypeError::new_err(format!(
        "{key}: expected an int or a decimal str"
    )))
}

/// A quantity that must fit in 64 bits (chain id, nonce, gas).
fn uint64(v: &Bound<'_, PyAny>, key: &str) -> PyResult<u64> {
    uint(v, key)?
        .to_u64()
        .ok_or_else(|| PyValueError::new_err(format!("{key} does not fit in 64 bits")))
}

fn address(v: &Bound<'_, PyAny>) -> PyResult<Address> {
    Ok(v.extract::<crate::convert::PyAddress>()?.0)
}

/// The access list: `[{"address": …, "storageKeys": [32-byte keys]}]`.
fn access_list(v: Option<Bound<'_, PyAny>>) -> PyResult<Vec<(Address, Vec<[u8; 32]>)>> {
    let Some(v) = v else {
        return Ok(Vec::new());
    };
    let list = v
        .cast::<PySequence>()
        .map_err(|_| PyTypeError::new_err("accessList: expected a list"))?;
    let mut items = Vec::new();
    for item in list.try_iter()? {
        let item = item?;
        let m = item
            .cast::<PyMapping>()
            .map_err(|_| PyTypeError::new_err("accessList: expected mappings"))?;
        let keys = match field(m, "storageKeys")? {
            None => Vec::new(),
            Some(keys) => keys
                .try_iter()?
                .map(|k| k?.extract::<BytesOrHex>()?.array::<32>("storage key"))
                .collect::<PyResult<Vec<_>>>()?,
        };
        items.push((address(&required(m, "address")?)?, keys));
    }
    Ok(items)
}

/// Signs an EIP-1559 (type 2) transaction with `private_key`. `tx` is a mapping with the keys
/// eth-account and viem use: `chainId`, `nonce`, `maxPriorityFeePerGas`, `maxFeePerGas`, `gas`,
/// `to` (absent or None: contract creation), `value`, `data` and `accessList` (quantities as
/// `int` or decimal `str`; `value`, `data` and `accessList` default to empty).
#[pyfunction]
pub(crate) fn sign_eip1559_transaction(
    py: Python<'_>,
    tx: &Bound<'_, PyMapping>,
    private_key: BytesOrHex,
) -> PyResult<SignedTransaction> {
    let data = field(tx, "data")?
        .map(|d| d.extract::<BytesOrHex>())
        .transpose()?
        .map_or_else(Vec::new, |d| d.0);
    let items = access_list(field(tx, "accessList")?)?;
    let access_list: Vec<AccessListItem<'_>> = items
        .iter()
        .map(|(address, keys)| AccessListItem {
            address: *address,
            storage_keys: keys,
        })
        .collect();
    let transaction = Eip1559Transaction {
        chain_id: uint64(&required(tx, "chainId")?, "chainId")?,
        nonce: uint64(&required(tx, "nonce")?, "nonce")?,
        max_priority_fee_per_gas: uint(
            &required(tx, "maxPriorityFeePerGas")?,
            "maxPriorityFeePerGas",
        )?,
        max_fee_per_gas: uint(&required(tx, "maxFeePerGas")?, "maxFeePerGas")?,
        gas_limit: uint64(&required(tx, "gas")?, "gas")?,
        to: field(tx, "to")?.map(|t| address(&t)).transpose()?,
        value: field(tx, "value")?
            .map(|v| uint(&v, "value"))
            .transpose()?
            .unwrap_or(U256::ZERO),
        data: &data,
        access_list: &access_list,
    };
    let key = parse_private_key(&private_key)?;
    let signed = py.detach(|| {
        let mut out = vec![0u8; transaction.max_signed_len()];
        transaction
            .sign(&key, &mut out)
            .map(|s| (s.raw.to_vec(), s.hash, s.from))
    });
    let (raw, hash, from) = signed.py()?;
    Ok(SignedTransaction {
        raw: crate::convert::Bytes(raw),
        hash: crate::convert::Bytes(hash.to_vec()),
        from_: from.to_string(),
    })
}

/// The reference facilitator's settlement call for `payment` (the payment header, base64)
/// against `requirements` (JSON): `transferWithAuthorization` on the token (v,r,s for a
/// 65-byte signature, `bytes` otherwise), or the Permit2 proxy's `settle` (`exact`, or `upto`
/// charging `settle_amount`, default the requirements' amount). `route` is the payer's route
/// from `verify_payment_with_rpc` (`RpcVerified.route`): a smart-wallet route (`eip1271`,
/// `eip7702_eip1271`, `erc6492_counterfactual`) always gets the `bytes` overload, with an
/// ERC-6492 wrapper's inner signature; `None` (an EOA) as above. Another text raises
/// `ValueError`.
#[pyfunction]
#[pyo3(signature = (requirements, payment, settle_amount=None, *, route=None))]
pub(crate) fn x402_settle_calldata(
    requirements: Text,
    payment: Text,
    settle_amount: Option<PyU256>,
    route: Option<&str>,
) -> PyResult<SettleCall> {
    let payer = Payer::from_route_code(route)
        .ok_or_else(|| PyValueError::new_err(format!("unknown payer route {route:?}")))?;
    let requirements = PaymentRequirements::from_json(&requirements.0).py()?;
    let len = header::RECOMMENDED_BUFFER_LEN.max(payment.0.len());
    let mut buf = vec![0u8; len];
    let payment = PaymentPayload::from_header(&payment.0, &mut buf).py()?;
    // The calldata is at most 12 words and the signature, which is shorter than the header.
    let mut out = vec![0u8; 1024 + len];
    let call = settle_calldata_for_payer(
        &requirements,
        &payment,
        settle_amount.map(|a| a.0),
        payer,
        &mut out,
    )
    .py()?;
    Ok(SettleCall {
        to: call.to.to_string(),
        data: crate::convert::Bytes(call.data.to_vec()),
    })
}

/// What a facilitator's `/settle` body asks for (`x402_settle_terms`): the requirements to
/// verify the payment against (JSON text; for `upto` their `amount` is the signed maximum) and
/// the `upto` charge (`None` for `exact`).
#[pyclass(module = "pay402._native", frozen, get_all)]
#[derive(Debug)]
pub(crate) struct SettleTerms {
    requirements: String,
    charge: Option<Py<PyAny>>,
}

/// Reads a `/settle` body as the reference facilitator does: an `upto` body carries the
/// charge as the requirements' `amount` and is verified against the signed maximum
/// (`permit2Authorization.permitted.amount`). Raises `X402Error`
/// (`invalid_upto_evm_payload_settlement_exceeds_amount`, `invalid_payload`, a decode code).
#[pyfunction]
pub(crate) fn x402_settle_terms(py: Python<'_>, body: Text) -> PyResult<SettleTerms> {
    let terms = settle_terms(&body.0).py()?;
    let mut out = vec![0u8; 2 * body.0.len() + 256];
    let n = write_all(&mut out, |w| {
        terms.request.payment_requirements.write_json(w)
    })
    .map_err(|_| PyValueError::new_err("settle body too large to re-encode"))?;
    let requirements = String::from_utf8(out.get(..n).unwrap_or_default().to_vec())
        .map_err(|_| PyValueError::new_err("requirements are not UTF-8"))?;
    Ok(SettleTerms {
        requirements,
        charge: terms
            .charge
            .map(|c| crate::convert::int(py, &c).map(Bound::unbind))
            .transpose()?,
    })
}

fn host_error(e: &HostError) -> PyErr {
    CoreError::custom(Kind::X402, e.code, e.message.clone())
        .detail(e.detail_code)
        .into()
}

/// The facilitator's `SettleResponse` at the end of a settlement, and what the resource server
/// does with it (`verdict`: `settled`, `refused`, or `pending`: settle once more).
#[pyclass(module = "pay402._native", frozen, get_all)]
#[derive(Debug)]
pub(crate) struct SettlementResult {
    success: bool,
    error_reason: Option<String>,
    error_message: Option<String>,
    transaction: String,
    network: String,
    payer: String,
    amount: Option<Py<PyAny>>,
    verdict: &'static str,
    json: String,
}

#[pymethods]
impl SettlementResult {
    fn __repr__(&self) -> String {
        format!("SettlementResult({})", self.json)
    }
}

fn settlement_result(py: Python<'_>, r: HostSettleResult) -> PyResult<SettlementResult> {
    Ok(SettlementResult {
        success: r.success,
        error_reason: r.error_reason,
        error_message: r.error_message,
        transaction: r.transaction,
        network: r.network,
        payer: r.payer,
        amount: r
            .amount
            .map(|a| crate::convert::int(py, &a).map(Bound::unbind))
            .transpose()?,
        verdict: r.verdict,
        json: r.json,
    })
}

/// One EVM settlement by the facilitator, from built to its end: the host reports each step
/// (refused, transfer reverted, submitted, confirmed, reverted, receipt unavailable) and gets
/// the `SettleResponse` of the end. Steps out of order raise `X402Error`
/// (`settlement_step_out_of_order`, `settlement_ended`).
#[pyclass(module = "pay402._native")]
#[derive(Debug)]
pub(crate) struct EvmSettlement(HostSettlement);

#[pymethods]
impl EvmSettlement {
    #[new]
    #[pyo3(signature = (network, payer, method, amount=None))]
    fn new(network: &str, payer: &str, method: &str, amount: Option<PyU256>) -> PyResult<Self> {
        HostSettlement::new(network, payer, method, amount.map(|a| a.0))
            .map(Self)
            .map_err(|e| host_error(&e))
    }

    /// `built`, `submitted` or `ended`.
    #[getter]
    fn phase(&self) -> &'static str {
        self.0.phase()
    }

    /// The broadcast hash, once submitted.
    #[getter]
    fn hash(&self) -> Option<String> {
        self.0.hash().map(str::to_owned)
    }

    #[pyo3(signature = (reason, message=None))]
    fn refused(
        &mut self,
        py: Python<'_>,
        reason: &str,
        message: Option<&str>,
    ) -> PyResult<SettlementResult> {
        let r = self
            .0
            .refused(reason, message)
            .map_err(|e| host_error(&e))?;
        settlement_result(py, r)
    }

    /// The end without a transaction, asked before any call is built: an ``upto`` charge of
    /// zero settles successfully with ``transaction`` ``""`` and ``amount`` ``0`` (the
    /// reference facilitator); ``None`` when the settlement needs its transaction.
    fn without_transaction(&mut self, py: Python<'_>) -> PyResult<Option<SettlementResult>> {
        let r = self.0.without_transaction().map_err(|e| host_error(&e))?;
        r.map(|r| settlement_result(py, r)).transpose()
    }

    /// The factory call deploying an undeployed ERC-6492 payer failed: terminal, with the
    /// core's reason `smart_wallet_deployment_failed` and `message`.
    #[pyo3(signature = (message=None))]
    fn deployment_failed(
        &mut self,
        py: Python<'_>,
        message: Option<&str>,
    ) -> PyResult<SettlementResult> {
        let r = self
            .0
            .refused(
                pay402::x402::evm_settlement::REASON_SMART_WALLET_DEPLOYMENT_FAILED,
                message,
            )
            .map_err(|e| host_error(&e))?;
        settlement_result(py, r)
    }

    fn transfer_reverted(
        &mut self,
        py: Python<'_>,
        revert_text: &str,
    ) -> PyResult<SettlementResult> {
        let r = self
            .0
            .transfer_reverted(revert_text)
            .map_err(|e| host_error(&e))?;
        settlement_result(py, r)
    }

    fn submitted(&mut self, py: Python<'_>, hash: &str) -> PyResult<Option<SettlementResult>> {
        let r = self.0.submitted(hash).map_err(|e| host_error(&e))?;
        r.map(|r| settlement_result(py, r)).transpose()
    }

    fn confirmed(&mut self, py: Python<'_>) -> PyResult<SettlementResult> {
        let r = self.0.confirmed().map_err(|e| host_error(&e))?;
        settlement_result(py, r)
    }

    fn reverted(&mut self, py: Python<'_>) -> PyResult<SettlementResult> {
        let r = self.0.reverted().map_err(|e| host_error(&e))?;
        settlement_result(py, r)
    }

    fn receipt_unavailable(&mut self, py: Python<'_>, error: &str) -> PyResult<SettlementResult> {
        let r = self
            .0
            .receipt_unavailable(error)
            .map_err(|e| host_error(&e))?;
        settlement_result(py, r)
    }

    fn __repr__(&self) -> String {
        format!("EvmSettlement(phase={})", self.0.phase())
    }
}

/// One Solana settlement by the facilitator, from built to its end: the host reports each step
/// (refused, simulation failed, duplicate, send failed, submitted, confirmed, failed,
/// confirmation timeout) and gets the `SettleResponse` of the end. Steps out of order raise
/// `X402Error` (`settlement_step_out_of_order`, `settlement_ended`).
#[pyclass(module = "pay402._native")]
#[derive(Debug)]
pub(crate) struct SvmSettlement(pay402_host::svm_settlement::Settlement);

#[pymethods]
impl SvmSettlement {
    #[new]
    fn new(network: &str, payer: &str) -> Self {
        Self(pay402_host::svm_settlement::Settlement::new(network, payer))
    }

    /// `built`, `submitted` or `ended`.
    #[getter]
    fn phase(&self) -> &'static str {
        self.0.phase()
    }

    /// The transaction id (base58), once submitted.
    #[getter]
    fn signature(&self) -> Option<String> {
        self.0.signature().map(str::to_owned)
    }

    #[pyo3(signature = (reason, message=None))]
    fn refused(
        &mut self,
        py: Python<'_>,
        reason: &str,
        message: Option<&str>,
    ) -> PyResult<SettlementResult> {
        let r = self
            .0
            .refused(reason, message)
            .map_err(|e| host_error(&e))?;
        settlement_result(py, r)
    }

    fn simulation_failed(&mut self, py: Python<'_>, err_json: &str) -> PyResult<SettlementResult> {
        let r = self
            .0
            .simulation_failed(err_json)
            .map_err(|e| host_error(&e))?;
        settlement_result(py, r)
    }

    fn simulation_error(&mut self, py: Python<'_>, message: &str) -> PyResult<SettlementResult> {
        let r = self
            .0
            .simulation_error(message)
            .map_err(|e| host_error(&e))?;
        settlement_result(py, r)
    }

    fn duplicate(&mut self, py: Python<'_>) -> PyResult<SettlementResult> {
        let r = self.0.duplicate().map_err(|e| host_error(&e))?;
        settlement_result(py, r)
    }

    fn send_failed(&mut self, py: Python<'_>, message: &str) -> PyResult<SettlementResult> {
        let r = self.0.send_failed(message).map_err(|e| host_error(&e))?;
        settlement_result(py, r)
    }

    fn submitted(&mut self, py: Python<'_>, signature: &str) -> PyResult<Option<SettlementResult>> {
        let r = self.0.submitted(signature).map_err(|e| host_error(&e))?;
        r.map(|r| settlement_result(py, r)).transpose()
    }

    fn confirmed(&mut self, py: Python<'_>) -> PyResult<SettlementResult> {
        let r = self.0.confirmed().map_err(|e| host_error(&e))?;
        settlement_result(py, r)
    }

    fn failed(&mut self, py: Python<'_>, err_json: &str) -> PyResult<SettlementResult> {
        let r = self.0.failed(err_json).map_err(|e| host_error(&e))?;
        settlement_result(py, r)
    }

    #[pyo3(signature = (message=""))]
    fn confirmation_timeout(
        &mut self,
        py: Python<'_>,
        message: &str,
    ) -> PyResult<SettlementResult> {
        let r = self
            .0
            .confirmation_timeout(message)
            .map_err(|e| host_error(&e))?;
        settlement_result(py, r)
    }

    fn __repr__(&self) -> String {
        format!("SvmSettlement(phase={})", self.0.phase())
    }
}

/// The `errorReason` of a `transferWithAuthorization` whose send reverted with `revert_text`
/// (the reference facilitator's `parseEip3009TransferError`).
#[pyfunction]
pub(crate) fn x402_settle_revert_reason(revert_text: &str) -> &'static str {
    eip3009_transfer_error_reason(revert_text)
}

/// A transaction co-signed by its fee payer: the wire `transaction` to send and the fee
/// payer's `signature` in base58 (the transaction id).
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SvmCosigned {
    transaction: crate::convert::Bytes,
    signature: String,
}

/// Co-signs a client's partially signed Solana transaction (wire bytes) as its fee payer (the
/// 32-byte ed25519 `fee_payer_seed`): the signature over the message goes into slot 0, nothing
/// else changes. Run it after the offline checks accepted the payment. Raises `SvmError`
/// (`invalid_exact_svm_fee_payer_mismatch`, `invalid_exact_svm_payload_transaction`).
#[pyfunction]
pub(crate) fn svm_cosign(
    transaction: BytesOrHex,
    fee_payer_seed: BytesOrHex,
) -> PyResult<SvmCosigned> {
    let key = PayerKey::from_seed(&fee_payer_seed.array::<32>("fee_payer_seed")?);
    let mut out = vec![0u8; transaction.0.len()];
    let cosigned = cosign_fee_payer(&transaction.0, &key, &mut out).py()?;
    let mut sig = [0u8; SIGNATURE_BASE58_MAX_LEN];
    Ok(SvmCosigned {
        transaction: crate::convert::Bytes(cosigned.transaction.to_vec()),
        signature: cosigned.signature_base58(&mut sig).to_owned(),
    })
}

/// A refund order: pay `amount` of `asset` (a token's address, or `"native"` for the chain's
/// native coin) on `network` back to `to`, identified by `key` (32 bytes). `to` must be the payer
/// the payment proved, never an address a client names; an amount of 0 is no order
/// (`refund_amount_zero`), a Solana network has no refund yet (`refund_unsupported_network`).
/// The transaction that pays it is `{to: tx_to, value: tx_value, data: calldata}`: an ERC-20
/// `transfer` to the token, or a value transfer to `to` with no calldata for the native coin.
#[pyclass(module = "pay402._native", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RefundOrder(pub(crate) pay402::x402::refund::RefundOrder);

#[pymethods]
impl RefundOrder {
    #[new]
    fn new(
        key: BytesOrHex,
        network: &str,
        asset: &str,
        to: &str,
        amount: PyU256,
    ) -> PyResult<Self> {
        pay402_host::refund::order(&key.0, network, asset, to, amount.0)
            .map(Self)
            .map_err(|e| host_error(&e))
    }

    /// The refund of a WS402 session (16-byte id): the key is
    /// SHA-256(`b"pay402 ws402 refund"` + `session_id`).
    #[staticmethod]
    fn for_session(
        session_id: BytesOrHex,
        network: &str,
        asset: &str,
        to: &str,
        amount: PyU256,
    ) -> PyResult<Self> {
        pay402_host::refund::session_order(&session_id.0, network, asset, to, amount.0)
            .map(Self)
            .map_err(|e| host_error(&e))
    }

    /// The idempotency key (32 bytes).
    #[getter]
    fn key(&self) -> crate::convert::Bytes {
        crate::convert::Bytes(self.0.key().to_vec())
    }

    /// The network's CAIP-2 id.
    #[getter]
    fn network(&self) -> String {
        pay402_host::refund::network_id(&self.0)
    }

    /// The token (EIP-55), or `"native"` for the chain's native coin.
    #[getter]
    fn asset(&self) -> String {
        pay402_host::refund::asset_text(&self.0)
    }

    /// The transaction's `to` (EIP-55): the token, or the recipient for the native coin.
    #[getter]
    fn tx_to(&self) -> String {
        self.0.tx_to().to_checksum(&mut [0u8; 42]).to_owned()
    }

    /// The transaction's `value` in wei: 0 for a token, the amount for the native coin.
    #[getter]
    fn tx_value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::convert::int(py, &self.0.tx_value())
    }

    /// The recipient (EIP-55).
    #[getter]
    fn to(&self) -> String {
        self.0.to().to_checksum(&mut [0u8; 42]).to_owned()
    }

    /// The amount in the asset's atomic unit.
    #[getter]
    fn amount<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::convert::int(py, &self.0.amount())
    }

    /// The transaction's calldata (to `tx_to`): ERC-20 `transfer(to, amount)` for a token, empty
    /// for the native coin.
    #[getter]
    fn calldata(&self) -> PyResult<crate::convert::Bytes> {
        pay402_host::refund::calldata(&self.0)
            .map(crate::convert::Bytes)
            .map_err(|e| host_error(&e))
    }

    fn __repr__(&self) -> String {
        format!(
            "RefundOrder(network={}, asset={}, to={}, amount={})",
            pay402_host::refund::network_id(&self.0),
            pay402_host::refund::asset_text(&self.0),
            self.0.to().to_checksum(&mut [0u8; 42]),
            self.0.amount()
        )
    }
}

/// The end of one refund attempt: `success`, `error_reason` (`refund_send_failed`,
/// `refund_invalid_hash`, `refund_reverted`, `refund_pending`), `error_message`, `transaction`
/// (`""` when nothing was broadcast), `verdict` (`refunded`, `failed`, `pending`) and `json`.
#[pyclass(module = "pay402._native", frozen, get_all)]
#[derive(Debug)]
pub(crate) struct RefundResult {
    success: bool,
    error_reason: Option<String>,
    error_message: Option<String>,
    transaction: String,
    verdict: &'static str,
    json: String,
}

#[pymethods]
impl RefundResult {
    fn __repr__(&self) -> String {
        format!("RefundResult({})", self.json)
    }
}

fn refund_result(r: pay402_host::refund::RefundResult) -> RefundResult {
    RefundResult {
        success: r.success,
        error_reason: r.error_reason,
        error_message: r.error_message,
        transaction: r.transaction,
        verdict: r.verdict,
        json: r.json,
    }
}

/// One refund attempt, from built (or, with `hash`, from a recorded broadcast) to its end:
/// send failed, submitted, confirmed, reverted, receipt unavailable. Steps out of order raise
/// `X402Error` (`refund_step_out_of_order`, `refund_ended`).
#[pyclass(module = "pay402._native")]
#[derive(Debug)]
pub(crate) struct Refund(pay402_host::refund::RefundStep);

#[pymethods]
impl Refund {
    #[new]
    #[pyo3(signature = (order, hash=None))]
    fn new(order: &RefundOrder, hash: Option<&str>) -> Self {
        Self(match hash {
            Some(hash) => pay402_host::refund::RefundStep::resume(order.0, hash),
            None => pay402_host::refund::RefundStep::new(order.0),
        })
    }

    /// `built`, `submitted` or `ended`.
    #[getter]
    fn phase(&self) -> &'static str {
        self.0.phase()
    }

    /// The broadcast hash, once submitted.
    #[getter]
    fn hash(&self) -> Option<String> {
        self.0.hash().map(str::to_owned)
    }

    /// Before signing: `None` when a sender holding `balance` wei can pay the order's
    /// transaction with `gas` at `max_fee_per_gas` (`tx_value + gas × max_fee_per_gas`), else the
    /// end `refund_send_failed` (sign and send nothing).
    fn check_balance(
        &mut self,
        balance: PyU256,
        gas: PyU256,
        max_fee_per_gas: PyU256,
    ) -> PyResult<Option<RefundResult>> {
        let r = self
            .0
            .check_balance(balance.0, gas.0, max_fee_per_gas.0)
            .map_err(|e| host_error(&e))?;
        Ok(r.map(refund_result))
    }

    fn send_failed(&mut self, text: &str) -> PyResult<RefundResult> {
        self.0
            .send_failed(text)
            .map(refund_result)
            .map_err(|e| host_error(&e))
    }

    fn submitted(&mut self, hash: &str) -> PyResult<Option<RefundResult>> {
        let r = self.0.submitted(hash).map_err(|e| host_error(&e))?;
        Ok(r.map(refund_result))
    }

    fn confirmed(&mut self) -> PyResult<RefundResult> {
        self.0
            .confirmed()
            .map(refund_result)
            .map_err(|e| host_error(&e))
    }

    fn reverted(&mut self) -> PyResult<RefundResult> {
        self.0
            .reverted()
            .map(refund_result)
            .map_err(|e| host_error(&e))
    }

    fn receipt_unavailable(&mut self, error: &str) -> PyResult<RefundResult> {
        self.0
            .receipt_unavailable(error)
            .map(refund_result)
            .map_err(|e| host_error(&e))
    }

    fn __repr__(&self) -> String {
        format!("Refund(phase={})", self.0.phase())
    }
}

/// ERC-20 `transfer(to, amount)` calldata (`0xa9059cbb` and two words).
#[pyfunction]
pub(crate) fn erc20_transfer_calldata(to: &str, amount: PyU256) -> PyResult<crate::convert::Bytes> {
    pay402_host::refund::transfer_calldata(to, amount.0)
        .map(crate::convert::Bytes)
        .map_err(|e| host_error(&e))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<SvmCosigned>()?;
    m.add_function(wrap_pyfunction!(svm_cosign, m)?)?;
    m.add_class::<SignedTransaction>()?;
    m.add_class::<SettleCall>()?;
    m.add_class::<SettlementResult>()?;
    m.add_class::<EvmSettlement>()?;
    m.add_class::<SvmSettlement>()?;
    m.add_class::<RefundOrder>()?;
    m.add_class::<RefundResult>()?;
    m.add_class::<Refund>()?;
    m.add_function(wrap_pyfunction!(erc20_transfer_calldata, m)?)?;
    m.add(
        "SVM_SETTLEMENT_CACHE_TTL_SECS",
        pay402::x402::svm_settlement::SETTLEMENT_CACHE_TTL_SECS,
    )?;
    m.add(
        "SVM_CONFIRMATION_MAX_POLLS",
        pay402::x402::svm_settlement::CONFIRMATION_MAX_POLLS,
    )?;
    m.add_function(wrap_pyfunction!(x402_settle_revert_reason, m)?)?;
    m.add_function(wrap_pyfunction!(sign_eip1559_transaction, m)?)?;
    m.add_function(wrap_pyfunction!(x402_settle_calldata, m)?)?;
    m.add_function(wrap_pyfunction!(x402_settle_terms, m)?)?;
    m.add_class::<SettleTerms>()?;
    Ok(())
}
