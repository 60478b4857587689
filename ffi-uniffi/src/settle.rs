//! Settling a payment ourselves: EIP-1559 transactions signed by the core
//! (`pay402::evm::transaction`) and the reference facilitator's settlement call
//! (`pay402::x402::settle_calldata`). Conversion only.

use crate::Pay402Error;
use crate::convert::{address, array, u256};
use pay402::ErrorCode;
use pay402::U256;
use pay402::evm::{AccessListItem, Eip1559Transaction as CoreTransaction, PrivateKey};
use pay402::x402::evm_settlement::eip3009_transfer_error_reason;
use pay402::x402::{
    Payer, PaymentPayload, PaymentRequirements, SettleCalldataError, header,
    settle_calldata_for_payer,
};
use pay402_host::evm_settlement::{SettleResult as HostSettleResult, Settlement as HostSettlement};
use std::sync::{Mutex, PoisonError};

impl From<pay402::evm::TransactionError> for Pay402Error {
    fn from(error: pay402::evm::TransactionError) -> Self {
        Self::Evm {
            code: error.code().to_owned(),
            reason: error.to_string(),
        }
    }
}

impl From<SettleCalldataError> for Pay402Error {
    fn from(error: SettleCalldataError) -> Self {
        Self::X402 {
            code: error.code().to_owned(),
            reason: error.to_string(),
            detail_code: error.detail_code().map(str::to_owned),
        }
    }
}

/// One EIP-2930 access-list entry: a contract and the storage slots (32 bytes each) touched.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AccessListEntry {
    /// The contract.
    pub address: String,
    /// Its storage slots, 32 bytes each.
    pub storage_keys: Vec<Vec<u8>>,
}

/// An EIP-1559 (type 2) transaction. Fees and value are decimal strings (wei).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Eip1559Transaction {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// The sender's nonce.
    pub nonce: u64,
    /// The tip per gas.
    pub max_priority_fee_per_gas: String,
    /// The fee cap per gas.
    pub max_fee_per_gas: String,
    /// The gas limit.
    pub gas: u64,
    /// The callee; `None` creates a contract.
    pub to: Option<String>,
    /// The wei sent along.
    pub value: String,
    /// The calldata.
    pub data: Vec<u8>,
    /// The access list.
    pub access_list: Vec<AccessListEntry>,
}

/// A signed transaction.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SignedTransaction {
    /// `0x02 ‖ rlp(…)`: what `eth_sendRawTransaction` takes.
    pub raw: Vec<u8>,
    /// Keccak-256 of `raw`: the transaction hash.
    pub hash: Vec<u8>,
    /// The sender (EIP-55).
    pub from: String,
}

/// The call a facilitator sends to settle.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SettleCall {
    /// The token (EIP-3009) or the Permit2 proxy (EIP-55).
    pub to: String,
    /// The ABI-encoded call.
    pub data: Vec<u8>,
}

/// Signs an EIP-1559 transaction with a 32-byte secp256k1 key. Errors: `Evm`
/// (`tip_above_fee_cap`, `invalid_private_key`, …).
#[uniffi::export]
pub fn sign_eip1559_transaction(
    tx: Eip1559Transaction,
    private_key: Vec<u8>,
) -> Result<SignedTransaction, Pay402Error> {
    let items = tx
        .access_list
        .iter()
        .map(|item| {
            let keys = item
                .storage_keys
                .iter()
                .map(|k| array::<32>(k, "storage_keys"))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((address(&item.address, "access_list.address")?, keys))
        })
        .collect::<Result<Vec<_>, Pay402Error>>()?;
    let access_list: Vec<AccessListItem<'_>> = items
        .iter()
        .map(|(address, keys)| AccessListItem {
            address: *address,
            storage_keys: keys,
        })
        .collect();
    let transaction = CoreTransaction {
        chain_id: tx.chain_id,
        nonce: tx.nonce,
        max_priority_fee_per_gas: u256(&tx.max_priority_fee_per_gas, "max_priority_fee_per_gas")?,
        max_fee_per_gas: u256(&tx.max_fee_per_gas, "max_fee_per_gas")?,
        gas_limit: tx.gas,
        to: tx.to.as_deref().map(|t| address(t, "to")).transpose()?,
        value: if tx.value.is_empty() {
            U256::ZERO
        } else {
            u256(&tx.value, "value")?
        },
        data: &tx.data,
        access_list: &access_list,
    };
    let key = PrivateKey::from_bytes(&array::<32>(&private_key, "private_key")?)?;
    let mut out = vec![0u8; transaction.max_signed_len()];
    let signed = transaction.sign(&key, &mut out)?;
    Ok(SignedTransaction {
        raw: signed.raw.to_vec(),
        hash: signed.hash.to_vec(),
        from: signed.from.to_string(),
    })
}

/// The reference facilitator's settlement call for a payment header (base64) against one
/// `PaymentRequirements` (JSON): `transferWithAuthorization` on the token, or the Permit2
/// proxy's `settle` (`upto` charging `settle_amount`, a decimal string; `None`: the
/// requirements' amount). `route` is the payer's route from `x402VerifyWithRpc`: a smart
/// wallet's (`eip1271`, `eip7702_eip1271`, `erc6492_counterfactual`) always gets the `bytes`
/// overload, the one tokens check with EIP-1271; `None` (an EOA): `v, r, s` for 65 bytes.
/// Errors: `X402` (`upto_settle_amount_zero`, …), `Argument` for another route text.
#[uniffi::export(default(settle_amount = None, route = None))]
pub fn x402_settle_calldata(
    requirements_json: String,
    payment_header: String,
    settle_amount: Option<String>,
    route: Option<String>,
) -> Result<SettleCall, Pay402Error> {
    let payer = Payer::from_route_code(route.as_deref())
        .ok_or_else(|| Pay402Error::argument(format!("unknown payer route {route:?}")))?;
    let requirements = PaymentRequirements::from_json(requirements_json.as_bytes())?;
    let settle_amount = settle_amount
        .as_deref()
        .map(|a| u256(a, "settle_amount"))
        .transpose()?;
    let len = header::RECOMMENDED_BUFFER_LEN.max(payment_header.len());
    let mut buf = vec![0u8; len];
    let payment = PaymentPayload::from_header(payment_header.as_bytes(), &mut buf)?;
    // The calldata is at most 12 words and the signature, which is shorter than the header.
    let mut out = vec![0u8; 1024 + len];
    let call = settle_calldata_for_payer(&requirements, &payment, settle_amount, payer, &mut out)?;
    Ok(SettleCall {
        to: call.to.to_string(),
        data: call.data.to_vec(),
    })
}

/// How a payment is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SettleMethod {
    /// `transferWithAuthorization` on the token.
    Eip3009,
    /// `settle` on the x402 Permit2 proxy (`exact` or `upto`).
    Permit2,
}

/// The facilitator's `SettleResponse` at the end of a settlement.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SettlementResult {
    /// `success`.
    pub success: bool,
    /// `errorReason` (`settlement_pending`, `invalid_exact_evm_transaction_failed`, …).
    pub error_reason: Option<String>,
    /// `errorMessage` (at most 500 UTF-16 code units of the host's text).
    pub error_message: Option<String>,
    /// The transaction hash, or `""` when nothing was broadcast.
    pub transaction: String,
    /// `network`, as given.
    pub network: String,
    /// `payer`, as given.
    pub payer: String,
    /// The settled `upto` amount (decimal), on success.
    pub amount: Option<String>,
    /// What the resource server does: `settled`, `refused` or `pending` (settle once more).
    pub verdict: String,
    /// The `SettleResponse` JSON.
    pub json: String,
}

fn settlement_result(r: HostSettleResult) -> SettlementResult {
    SettlementResult {
        success: r.success,
        error_reason: r.error_reason,
        error_message: r.error_message,
        transaction: r.transaction,
        network: r.network,
        payer: r.payer,
        amount: r.amount.map(|a| a.to_string()),
        verdict: r.verdict.to_owned(),
        json: r.json,
    }
}

/// One EVM settlement by the facilitator, from built to its end: the host reports each step
/// and gets the `SettleResponse` of the end. Steps out of order: `X402`
/// (`settlement_step_out_of_order`, `settlement_ended`). Thread-safe.
#[derive(Debug, uniffi::Object)]
pub struct EvmSettlement {
    inner: Mutex<HostSettlement>,
}

impl EvmSettlement {
    fn with<T>(
        &self,
        f: impl FnOnce(&mut HostSettlement) -> Result<T, pay402_host::HostError>,
    ) -> Result<T, Pay402Error> {
        let mut guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(f(&mut guard)?)
    }
}

#[uniffi::export]
impl EvmSettlement {
    /// A built settlement of `payer`'s payment on `network` by `method`; `amount` is the `upto`
    /// charge (decimal).
    #[uniffi::constructor(default(amount = None))]
    pub fn new(
        network: String,
        payer: String,
        method: SettleMethod,
        amount: Option<String>,
    ) -> Result<Self, Pay402Error> {
        let method = match method {
            SettleMethod::Eip3009 => "eip3009",
            SettleMethod::Permit2 => "permit2",
        };
        let amount = amount.as_deref().map(|a| u256(a, "amount")).transpose()?;
        Ok(Self {
            inner: Mutex::new(HostSettlement::new(&network, &payer, method, amount)?),
        })
    }

    /// `built`, `submitted` or `ended`.
    pub fn phase(&self) -> String {
        let guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        guard.phase().to_owned()
    }

    /// The broadcast hash, once submitted.
    pub fn hash(&self) -> Option<String> {
        let guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        guard.hash().map(str::to_owned)
    }

    /// The end without a transaction, asked before any call is built: an `upto` charge of zero
    /// settles successfully with `transaction` `""` and `amount` `0` (the reference
    /// facilitator); `None` when the settlement needs its transaction.
    pub fn without_transaction(&self) -> Result<Option<SettlementResult>, Pay402Error> {
        self.with(HostSettlement::without_transaction)
            .map(|r| r.map(settlement_result))
    }

    /// Refused before broadcast (a verification verdict as `reason`): `transaction` is `""`.
    #[uniffi::method(default(message = None))]
    pub fn refused(
        &self,
        reason: String,
        message: Option<String>,
    ) -> Result<SettlementResult, Pay402Error> {
        self.with(|s| s.refused(&reason, message.as_deref()))
            .map(settlement_result)
    }

    /// Sending reverted: EIP-3009 takes the reason from the text, Permit2 reports
    /// `invalid_transaction_state`.
    pub fn transfer_reverted(&self, revert_text: String) -> Result<SettlementResult, Pay402Error> {
        self.with(|s| s.transfer_reverted(&revert_text))
            .map(settlement_result)
    }

    /// Sent with `hash`: `None` when the hash is valid, else the terminal result.
    pub fn submitted(&self, hash: String) -> Result<Option<SettlementResult>, Pay402Error> {
        self.with(|s| s.submitted(&hash))
            .map(|r| r.map(settlement_result))
    }

    /// The receipt succeeded: settled (with `amount` for `upto`).
    pub fn confirmed(&self) -> Result<SettlementResult, Pay402Error> {
        self.with(HostSettlement::confirmed).map(settlement_result)
    }

    /// The receipt has status 0: terminal failure, the hash kept.
    pub fn reverted(&self) -> Result<SettlementResult, Pay402Error> {
        self.with(HostSettlement::reverted).map(settlement_result)
    }

    /// No receipt (timeout, RPC error): `settlement_pending` with the hash.
    pub fn receipt_unavailable(&self, error: String) -> Result<SettlementResult, Pay402Error> {
        self.with(|s| s.receipt_unavailable(&error))
            .map(settlement_result)
    }
}

/// A refund order: pay `amount` of `asset` (a token's address, or `"native"` for the chain's
/// native coin) on `network` back to `to`, identified by `key` (32 bytes). `to` must be the payer
/// the payment proved, never an address a client names. An amount of 0 is no order
/// (`refund_amount_zero`); a non-EVM network has no refund yet (`refund_unsupported_network`).
/// The transaction that pays it is `{to: tx_to, value: tx_value, data: calldata}`: an ERC-20
/// `transfer` to the token, or a value transfer to `to` with no calldata for the native coin.
#[derive(Debug, uniffi::Object)]
pub struct RefundOrder(pay402::x402::refund::RefundOrder);

#[uniffi::export]
impl RefundOrder {
    /// An order under the caller's 32-byte idempotency `key`; `amount` in decimal.
    #[uniffi::constructor]
    pub fn new(
        key: Vec<u8>,
        network: String,
        asset: String,
        to: String,
        amount: String,
    ) -> Result<Self, Pay402Error> {
        Ok(Self(pay402_host::refund::order(
            &key,
            &network,
            &asset,
            &to,
            u256(&amount, "amount")?,
        )?))
    }

    /// The idempotency key (32 bytes).
    pub fn key(&self) -> Vec<u8> {
        self.0.key().to_vec()
    }

    /// `eip155:<chain id>`.
    pub fn network(&self) -> String {
        pay402_host::refund::network_id(&self.0)
    }

    /// The token (EIP-55), or `"native"` for the chain's native coin.
    pub fn asset(&self) -> String {
        pay402_host::refund::asset_text(&self.0)
    }

    /// The transaction's `to` (EIP-55): the token, or the recipient for the native coin.
    pub fn tx_to(&self) -> String {
        self.0.tx_to().to_checksum(&mut [0u8; 42]).to_owned()
    }

    /// The transaction's `value` in wei (decimal): 0 for a token, the amount for the native coin.
    pub fn tx_value(&self) -> String {
        self.0.tx_value().to_string()
    }

    /// The recipient (EIP-55).
    pub fn to(&self) -> String {
        self.0.to().to_checksum(&mut [0u8; 42]).to_owned()
    }

    /// The amount in the asset's atomic unit (decimal; never 0).
    pub fn amount(&self) -> String {
        self.0.amount().to_string()
    }

    /// The transaction's calldata (to `tx_to`): ERC-20 `transfer(to, amount)` for a token, empty
    /// for the native coin.
    pub fn calldata(&self) -> Result<Vec<u8>, Pay402Error> {
        Ok(pay402_host::refund::calldata(&self.0)?)
    }
}

/// The refund of a WS402 session (16-byte id): the key is SHA-256(`"pay402 ws402 refund"` ‖
/// session id); `amount` in decimal.
#[uniffi::export]
pub fn refund_order_for_session(
    session_id: Vec<u8>,
    network: String,
    asset: String,
    to: String,
    amount: String,
) -> Result<std::sync::Arc<RefundOrder>, Pay402Error> {
    Ok(std::sync::Arc::new(RefundOrder(
        pay402_host::refund::session_order(
            &session_id,
            &network,
            &asset,
            &to,
            u256(&amount, "amount")?,
        )?,
    )))
}

/// The end of one refund attempt.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RefundResult {
    /// The transfer was mined with status success.
    pub success: bool,
    /// `refund_send_failed`, `refund_invalid_hash`, `refund_reverted` or `refund_pending`.
    pub error_reason: Option<String>,
    /// The host's text (at most 500 UTF-16 code units).
    pub error_message: Option<String>,
    /// The hash, or `""` when nothing was broadcast.
    pub transaction: String,
    /// `refunded`, `failed` or `pending`.
    pub verdict: String,
    /// The result JSON (with `network`, `asset`, `to`, `amount`).
    pub json: String,
}

fn refund_result(r: pay402_host::refund::RefundResult) -> RefundResult {
    RefundResult {
        success: r.success,
        error_reason: r.error_reason,
        error_message: r.error_message,
        transaction: r.transaction,
        verdict: r.verdict.to_owned(),
        json: r.json,
    }
}

/// One refund attempt, from built (or, with `hash`, from a recorded broadcast) to its end.
/// Steps out of order: `X402` (`refund_step_out_of_order`, `refund_ended`). Thread-safe.
#[derive(Debug, uniffi::Object)]
pub struct Refund {
    inner: Mutex<pay402_host::refund::RefundStep>,
}

impl Refund {
    fn with<T>(
        &self,
        f: impl FnOnce(&mut pay402_host::refund::RefundStep) -> Result<T, pay402_host::HostError>,
    ) -> Result<T, Pay402Error> {
        let mut guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(f(&mut guard)?)
    }
}

#[uniffi::export]
impl Refund {
    /// A built refund of `order`, or (with `hash`) one already broadcast.
    #[uniffi::constructor(default(hash = None))]
    pub fn new(order: std::sync::Arc<RefundOrder>, hash: Option<String>) -> Self {
        let step = match hash {
            Some(hash) => pay402_host::refund::RefundStep::resume(order.0, &hash),
            None => pay402_host::refund::RefundStep::new(order.0),
        };
        Self {
            inner: Mutex::new(step),
        }
    }

    /// `built`, `submitted` or `ended`.
    pub fn phase(&self) -> String {
        let guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        guard.phase().to_owned()
    }

    /// The broadcast hash, once submitted.
    pub fn hash(&self) -> Option<String> {
        let guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        guard.hash().map(str::to_owned)
    }

    /// Before signing: `None` when a sender holding `balance` wei can pay the order's
    /// transaction with `gas` at `max_fee_per_gas` (`tx_value + gas × max_fee_per_gas`; all
    /// decimal), else the end `refund_send_failed` (sign and send nothing).
    pub fn check_balance(
        &self,
        balance: String,
        gas: String,
        max_fee_per_gas: String,
    ) -> Result<Option<RefundResult>, Pay402Error> {
        let (balance, gas, fee) = (
            u256(&balance, "balance")?,
            u256(&gas, "gas")?,
            u256(&max_fee_per_gas, "max_fee_per_gas")?,
        );
        self.with(|r| r.check_balance(balance, gas, fee))
            .map(|r| r.map(refund_result))
    }

    /// Refused before broadcast: `refund_send_failed`, `transaction` `""`.
    pub fn send_failed(&self, text: String) -> Result<RefundResult, Pay402Error> {
        self.with(|r| r.send_failed(&text)).map(refund_result)
    }

    /// Sent with `hash`: `None` when valid, else `refund_invalid_hash`.
    pub fn submitted(&self, hash: String) -> Result<Option<RefundResult>, Pay402Error> {
        self.with(|r| r.submitted(&hash))
            .map(|r| r.map(refund_result))
    }

    /// The receipt succeeded: refunded.
    pub fn confirmed(&self) -> Result<RefundResult, Pay402Error> {
        self.with(pay402_host::refund::RefundStep::confirmed)
            .map(refund_result)
    }

    /// The receipt has status 0: `refund_reverted`, the hash kept.
    pub fn reverted(&self) -> Result<RefundResult, Pay402Error> {
        self.with(pay402_host::refund::RefundStep::reverted)
            .map(refund_result)
    }

    /// No receipt (yet): `refund_pending`, the hash kept.
    pub fn receipt_unavailable(&self, error: String) -> Result<RefundResult, Pay402Error> {
        self.with(|r| r.receipt_unavailable(&error))
            .map(refund_result)
    }
}

/// ERC-20 `transfer(to, amount)` calldata (`0xa9059cbb` and two ABI words); `amount` in decimal.
#[uniffi::export]
pub fn erc20_transfer_calldata(to: String, amount: String) -> Result<Vec<u8>, Pay402Error> {
    Ok(pay402_host::refund::transfer_calldata(
        &to,
        u256(&amount, "amount")?,
    )?)
}

/// One Solana settlement by the facilitator, from built to its end: the host reports each step
/// (refused, simulation failed, duplicate, send failed, submitted, confirmed, failed,
/// confirmation timeout) and gets the `SettleResponse` of the end. Steps out of order: `X402`
/// (`settlement_step_out_of_order`, `settlement_ended`). Thread-safe.
#[derive(Debug, uniffi::Object)]
pub struct SvmSettlement {
    inner: Mutex<pay402_host::svm_settlement::Settlement>,
}

impl SvmSettlement {
    fn with<T>(
        &self,
        f: impl FnOnce(
            &mut pay402_host::svm_settlement::Settlement,
        ) -> Result<T, pay402_host::HostError>,
    ) -> Result<T, Pay402Error> {
        let mut guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(f(&mut guard)?)
    }
}

#[uniffi::export]
impl SvmSettlement {
    /// A built settlement of `payer`'s payment (the transfer's authority) on `network`.
    #[uniffi::constructor]
    pub fn new(network: String, payer: String) -> Self {
        Self {
            inner: Mutex::new(pay402_host::svm_settlement::Settlement::new(
                &network, &payer,
            )),
        }
    }

    /// `built`, `submitted` or `ended`.
    pub fn phase(&self) -> String {
        let guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        guard.phase().to_owned()
    }

    /// The transaction id (base58), once submitted.
    pub fn signature(&self) -> Option<String> {
        let guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        guard.signature().map(str::to_owned)
    }

    /// Refused before sending (a verification verdict as `reason`): `transaction` is `""`.
    #[uniffi::method(default(message = None))]
    pub fn refused(
        &self,
        reason: String,
        message: Option<String>,
    ) -> Result<SettlementResult, Pay402Error> {
        self.with(|s| s.refused(&reason, message.as_deref()))
            .map(settlement_result)
    }

    /// `simulateTransaction` answered `value.err` (its JSON):
    /// `invalid_exact_svm_transaction_simulation_failed`.
    pub fn simulation_failed(&self, err_json: String) -> Result<SettlementResult, Pay402Error> {
        self.with(|s| s.simulation_failed(&err_json))
            .map(settlement_result)
    }

    /// `simulateTransaction` itself failed (an RPC error): the same reason, `message` kept.
    pub fn simulation_error(&self, message: String) -> Result<SettlementResult, Pay402Error> {
        self.with(|s| s.simulation_error(&message))
            .map(settlement_result)
    }

    /// The duplicate-settlement cache already holds the transaction: `duplicate_settlement`.
    pub fn duplicate(&self) -> Result<SettlementResult, Pay402Error> {
        self.with(pay402_host::svm_settlement::Settlement::duplicate)
            .map(settlement_result)
    }

    /// `sendTransaction` was refused (nothing broadcast): `transaction_failed`, `transaction` `""`.
    pub fn send_failed(&self, message: String) -> Result<SettlementResult, Pay402Error> {
        self.with(|s| s.send_failed(&message))
            .map(settlement_result)
    }

    /// Sent with `signature`: `None` when it is a transaction id (base58 of 64 bytes), else
    /// the terminal result.
    pub fn submitted(&self, signature: String) -> Result<Option<SettlementResult>, Pay402Error> {
        self.with(|s| s.submitted(&signature))
            .map(|r| r.map(settlement_result))
    }

    /// Confirmed without an error: settled, `transaction` is the signature.
    pub fn confirmed(&self) -> Result<SettlementResult, Pay402Error> {
        self.with(pay402_host::svm_settlement::Settlement::confirmed)
            .map(settlement_result)
    }

    /// Landed with an error (the JSON of the status's `err`): `transaction_failed`.
    pub fn failed(&self, err_json: String) -> Result<SettlementResult, Pay402Error> {
        self.with(|s| s.failed(&err_json)).map(settlement_result)
    }

    /// Not confirmed in time: `settlement_pending` with the signature (`message`: a detail,
    /// or empty).
    pub fn confirmation_timeout(&self, message: String) -> Result<SettlementResult, Pay402Error> {
        self.with(|s| s.confirmation_timeout(&message))
            .map(settlement_result)
    }
}

/// The `errorReason` of a `transferWithAuthorization` whose send reverted with `revert_text`
/// (the reference facilitator's `parseEip3009TransferError`).
#[uniffi::export]
pub fn x402_settle_revert_reason(revert_text: String) -> String {
    eip3009_transfer_error_reason(&revert_text).to_owned()
}

/// A Solana transaction co-signed by its fee payer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SvmCosigned {
    /// The wire transaction to send.
    pub transaction: Vec<u8>,
    /// The fee payer's signature in base58: the transaction id.
    pub signature: String,
}

impl From<pay402::svm::cosign::CosignError> for Pay402Error {
    fn from(error: pay402::svm::cosign::CosignError) -> Self {
        Self::Svm {
            code: error.code().to_owned(),
            reason: error.to_string(),
        }
    }
}

/// Co-signs a client's partially signed Solana transaction (wire bytes) as its fee payer (the
/// 32-byte ed25519 seed): the signature over the message goes into slot 0, nothing else
/// changes. Run it after the offline checks accepted the payment. Errors: `Svm`
/// (`invalid_exact_svm_fee_payer_mismatch`, `invalid_exact_svm_payload_transaction`).
#[uniffi::export]
pub fn svm_cosign(
    transaction: Vec<u8>,
    fee_payer_seed: Vec<u8>,
) -> Result<SvmCosigned, Pay402Error> {
    use pay402::svm::PayerKey;
    use pay402::svm::cosign::{SIGNATURE_BASE58_MAX_LEN, cosign_fee_payer};
    let key = PayerKey::from_seed(&array::<32>(&fee_payer_seed, "fee_payer_seed")?);
    let mut out = vec![0u8; transaction.len()];
    let cosigned = cosign_fee_payer(&transaction, &key, &mut out)?;
    let mut sig = [0u8; SIGNATURE_BASE58_MAX_LEN];
    Ok(SvmCosigned {
        transaction: cosigned.transaction.to_vec(),
        signature: cosigned.signature_base58(&mut sig).to_owned(),
    })
}
