//! Settling a payment ourselves: EIP-1559 transactions signed by the core
//! (`pay402::evm::transaction`) and the reference facilitator's settlement call
//! (`pay402::x402::settle_calldata`). Conversion only.

// wasm-bindgen hands JS values over owned; reading them by reference is the norm here.
#![allow(clippy::needless_pass_by_value)]

use crate::convert::{
    Obj, address, address_js, array, bigint, bytes, get, json_text, present, u8a, u256, uint,
};
use crate::errors::{JsResult, core_error};
use pay402::ErrorCode;
use pay402::U256;
use pay402::evm::{AccessListItem, Address, Eip1559Transaction, PrivateKey};
use pay402::x402::evm_settlement::eip3009_transfer_error_reason;
use pay402::x402::facilitator::settle_terms;
use pay402::x402::{
    DecodeError, Payer, PaymentPayload, PaymentRequirements, VerifyError, header,
    settle_calldata_for_payer,
};
use pay402_host::HostError;
use pay402_host::evm_settlement::{SettleResult as HostSettleResult, Settlement as HostSettlement};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS: &str = r#"
/** One EIP-2930 access-list entry. */
export interface AccessListEntry { address: string; storageKeys: (Uint8Array | string)[] }
/** An EIP-1559 (type 2) transaction, keyed as viem's `TransactionSerializableEIP1559`;
 * `to` absent creates a contract, `value`, `data` and `accessList` default to empty. */
export interface Eip1559TransactionRequest {
  chainId: number | bigint; nonce: number | bigint; maxPriorityFeePerGas: bigint; maxFeePerGas: bigint;
  gas: number | bigint; to?: string | null; value?: bigint; data?: Uint8Array | string;
  accessList?: AccessListEntry[];
}
/** A signed transaction: `raw` for `eth_sendRawTransaction`, its `hash`, the sender `from` (EIP-55). */
export interface SignedEip1559Transaction { raw: Uint8Array; hash: Uint8Array; from: string }
/** The call a facilitator sends to settle: the contract `to` (EIP-55) and the calldata. */
export interface X402SettleCall { to: string; data: Uint8Array }
/** What a `/settle` body asks for: the requirements to verify the payment against (for `upto`
 * their `amount` is the signed maximum) and the `upto` charge (`null` for every other scheme). */
export interface X402SettleTerms { requirements: Record<string, unknown>; charge: bigint | null }
"#;

fn private_key(v: &JsValue) -> JsResult<PrivateKey> {
    PrivateKey::from_bytes(&array::<32>(v, "privateKey")?)
        .map_err(|e| core_error("EvmError", &e, None))
}

/// The `code` of a decode failure is the verdict a facilitator gives, as `x402Verify` throws it.
fn decode_error(e: &DecodeError) -> JsValue {
    let verdict = VerifyError::from_payload(*e);
    crate::errors::coded("X402Error", &e.to_string(), verdict.code(), Some(e.code()))
}

fn access_list(v: &JsValue) -> JsResult<Vec<(Address, Vec<[u8; 32]>)>> {
    let Some(v) = present(v) else {
        return Ok(Vec::new());
    };
    let list = v
        .dyn_ref::<js_sys::Array>()
        .ok_or_else(|| crate::errors::arg_error("accessList", "an array"))?;
    let mut items = Vec::new();
    for item in list.iter() {
        let keys = match present(&get(&item, "storageKeys")) {
            None => Vec::new(),
            Some(keys) => keys
                .dyn_ref::<js_sys::Array>()
                .ok_or_else(|| crate::errors::arg_error("accessList.storageKeys", "an array"))?
                .iter()
                .map(|k| array::<32>(&k, "accessList.storageKeys"))
                .collect::<JsResult<Vec<_>>>()?,
        };
        items.push((address(&get(&item, "address"), "accessList.address")?, keys));
    }
    Ok(items)
}

/// Signs an EIP-1559 (type 2) transaction with a 32-byte private key: `raw` (what
/// `eth_sendRawTransaction` takes), its `hash` and the sender `from`. Throws an `EvmError`
/// (`tip_above_fee_cap`, …).
#[wasm_bindgen(js_name = signEip1559Transaction, unchecked_return_type = "SignedEip1559Transaction")]
pub fn sign_eip1559_transaction(
    #[wasm_bindgen(unchecked_param_type = "Eip1559TransactionRequest")] tx: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] private_key_bytes: &JsValue,
) -> JsResult<JsValue> {
    let data = present(&get(tx, "data"))
        .map(|d| bytes(d, "data"))
        .transpose()?
        .unwrap_or_default();
    let items = access_list(&get(tx, "accessList"))?;
    let access_list: Vec<AccessListItem<'_>> = items
        .iter()
        .map(|(address, keys)| AccessListItem {
            address: *address,
            storage_keys: keys,
        })
        .collect();
    let transaction = Eip1559Transaction {
        chain_id: uint(&get(tx, "chainId"), "chainId")?,
        nonce: uint(&get(tx, "nonce"), "nonce")?,
        max_priority_fee_per_gas: u256(&get(tx, "maxPriorityFeePerGas"), "maxPriorityFeePerGas")?,
        max_fee_per_gas: u256(&get(tx, "maxFeePerGas"), "maxFeePerGas")?,
        gas_limit: uint(&get(tx, "gas"), "gas")?,
        to: present(&get(tx, "to"))
            .map(|t| address(t, "to"))
            .transpose()?,
        value: present(&get(tx, "value"))
            .map(|v| u256(v, "value"))
            .transpose()?
            .unwrap_or(U256::ZERO),
        data: &data,
        access_list: &access_list,
    };
    let key = private_key(private_key_bytes)?;
    let mut out = vec![0u8; transaction.max_signed_len()];
    let signed = transaction
        .sign(&key, &mut out)
        .map_err(|e| core_error("EvmError", &e, None))?;
    Ok(Obj::new()
        .set("raw", u8a(signed.raw))
        .set("hash", u8a(&signed.hash))
        .set("from", address_js(&signed.from))
        .build())
}

/// Reads a facilitator `/settle` body (JSON text or bytes) as the reference facilitator does:
/// an `upto` body carries the charge as the requirements' `amount` and is verified against the
/// signed maximum (`permit2Authorization.permitted.amount`). Throws an `X402Error`
/// (`invalid_upto_evm_payload_settlement_exceeds_amount`, `invalid_payload`, a decode code).
#[wasm_bindgen(js_name = x402SettleTerms, unchecked_return_type = "X402SettleTerms")]
pub fn x402_settle_terms(
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] body: &JsValue,
) -> JsResult<JsValue> {
    let body = match body.as_string() {
        Some(text) => text.into_bytes(),
        None => bytes(body, "body")?,
    };
    let terms = settle_terms(&body).map_err(|e| core_error("X402Error", &e, None))?;
    let mut out = vec![0u8; 2 * body.len() + 256];
    let n = pay402::writer::write_all(&mut out, |w| {
        terms.request.payment_requirements.write_json(w)
    })
    .map_err(|e| core_error("X402Error", &e, None))?;
    let text = core::str::from_utf8(out.get(..n).unwrap_or_default())
        .map_err(|_| crate::errors::arg_error("body", "UTF-8 JSON"))?;
    let requirements = js_sys::JSON::parse(text)?;
    Ok(Obj::new()
        .set("requirements", requirements)
        .set("charge", terms.charge.map_or(JsValue::NULL, |c| bigint(&c)))
        .build())
}

/// The reference facilitator's settlement call for `payment` (the payment header, base64)
/// against `requirements` (JSON text or a plain object): `transferWithAuthorization` on the
/// token (v,r,s for a 65-byte signature, `bytes` otherwise), or the Permit2 proxy's `settle`
/// (`exact`, or `upto` charging `settleAmount`, default the requirements' amount). `route` is
/// the payer's route from `verifyPaymentWithRpc`: a smart wallet's (`eip1271`,
/// `eip7702_eip1271`, `erc6492_counterfactual`) always gets the `bytes` overload, the one tokens
/// check with EIP-1271 and the counterfactual simulation ran; absent or `null` (an EOA) as above.
/// Throws an `X402Error` (`upto_settle_amount_zero`, `invalid_route`, …).
#[wasm_bindgen(js_name = x402SettleCalldata, unchecked_return_type = "X402SettleCall")]
pub fn x402_settle_calldata(
    #[wasm_bindgen(unchecked_param_type = "string | object")] requirements: &JsValue,
    payment: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "bigint | null")] settle_amount: Option<JsValue>,
    #[wasm_bindgen(
        unchecked_optional_param_type = "\"ecdsa\" | \"eip1271\" | \"eip7702_eip1271\" | \"erc6492_counterfactual\" | null"
    )]
    route: Option<JsValue>,
) -> JsResult<JsValue> {
    let route_text = route
        .as_ref()
        .and_then(|r| present(r))
        .map(JsValue::as_string);
    let payer = match route_text {
        None => Some(Payer::Eoa),
        Some(text) => text.and_then(|t| Payer::from_route_code(Some(&t))),
    }
    .ok_or_else(|| {
        crate::errors::coded(
            "X402Error",
            "route: expected ecdsa, eip1271, eip7702_eip1271 or erc6492_counterfactual",
            "invalid_route",
            None,
        )
    })?;
    let requirements = json_text(requirements, "requirements")?;
    let requirements =
        PaymentRequirements::from_json(requirements.as_bytes()).map_err(|e| decode_error(&e))?;
    let settle_amount = settle_amount
        .as_ref()
        .and_then(|a| present(a))
        .map(|a| u256(a, "settleAmount"))
        .transpose()?;
    let len = header::RECOMMENDED_BUFFER_LEN.max(payment.len());
    let mut buf = vec![0u8; len];
    let payment =
        PaymentPayload::from_header(payment.as_bytes(), &mut buf).map_err(|e| decode_error(&e))?;
    // The calldata is at most 12 words and the signature, which is shorter than the header.
    let mut out = vec![0u8; 1024 + len];
    let call = settle_calldata_for_payer(&requirements, &payment, settle_amount, payer, &mut out)
        .map_err(|e| core_error("X402Error", &e, None))?;
    Ok(Obj::new()
        .set("to", address_js(&call.to))
        .set("data", u8a(call.data))
        .build())
}

#[wasm_bindgen(typescript_custom_section)]
const TS_SETTLEMENT: &str = r#"
/** The facilitator's `SettleResponse` at the end of a settlement; `verdict` is what the
 * resource server does (`pending`: call `/settle` once more with the identical body). */
export interface X402SettlementResult {
  success: boolean; errorReason?: string; errorMessage?: string; transaction: string; network: string;
  payer: string; amount?: bigint; verdict: "settled" | "refused" | "pending"; json: string;
}
"#;

fn host_error(e: &HostError) -> JsValue {
    crate::errors::coded("X402Error", &e.message, e.code, e.detail_code)
}

fn settlement_result(r: HostSettleResult) -> JsValue {
    let mut o = Obj::new()
        .set("success", r.success)
        .set("transaction", r.transaction)
        .set("network", r.network)
        .set("payer", r.payer)
        .set("verdict", r.verdict)
        .set("json", r.json);
    if let Some(reason) = r.error_reason {
        o = o.set("errorReason", reason);
    }
    if let Some(message) = r.error_message {
        o = o.set("errorMessage", message);
    }
    if let Some(amount) = r.amount {
        o = o.set("amount", bigint(&amount));
    }
    o.build()
}

/// One EVM settlement by the facilitator, from built to its end: the host reports each step
/// (refused, transfer reverted, submitted, confirmed, reverted, receipt unavailable) and gets
/// the `SettleResponse` of the end. Steps out of order throw an `X402Error`
/// (`settlement_step_out_of_order`, `settlement_ended`).
#[wasm_bindgen(js_name = EvmSettlement)]
#[derive(Debug)]
pub struct EvmSettlement(HostSettlement);

#[wasm_bindgen(js_class = EvmSettlement)]
impl EvmSettlement {
    /// A built settlement of `payer`'s payment on `network` by `method` (`"eip3009"` or
    /// `"permit2"`); `amount` is the `upto` charge.
    #[wasm_bindgen(constructor)]
    pub fn new(
        network: &str,
        payer: &str,
        #[wasm_bindgen(unchecked_param_type = "\"eip3009\" | \"permit2\"")] method: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "bigint")] amount: Option<JsValue>,
    ) -> JsResult<EvmSettlement> {
        let amount = amount
            .as_ref()
            .and_then(|a| present(a))
            .map(|a| u256(a, "amount"))
            .transpose()?;
        HostSettlement::new(network, payer, method, amount)
            .map(Self)
            .map_err(|e| host_error(&e))
    }

    /// `"built"`, `"submitted"` or `"ended"`.
    #[wasm_bindgen(
        getter,
        unchecked_return_type = "\"built\" | \"submitted\" | \"ended\""
    )]
    pub fn phase(&self) -> JsValue {
        JsValue::from_str(self.0.phase())
    }

    /// The broadcast hash, once submitted.
    #[wasm_bindgen(getter)]
    pub fn hash(&self) -> Option<String> {
        self.0.hash().map(str::to_owned)
    }

    /// The end without a transaction, asked before any call is built: an `upto` charge of zero
    /// settles successfully with `transaction` `""` and `amount` `0` (the reference
    /// facilitator); `undefined` when the settlement needs its transaction.
    #[wasm_bindgen(js_name = withoutTransaction, unchecked_return_type = "X402SettlementResult | undefined")]
    pub fn without_transaction(&mut self) -> JsResult<JsValue> {
        self.0
            .without_transaction()
            .map(|r| r.map_or(JsValue::UNDEFINED, settlement_result))
            .map_err(|e| host_error(&e))
    }

    /// Refused before broadcast (a verification verdict as `reason`): `transaction` is `""`.
    #[wasm_bindgen(unchecked_return_type = "X402SettlementResult")]
    pub fn refused(&mut self, reason: &str, message: Option<String>) -> JsResult<JsValue> {
        self.0
            .refused(reason, message.as_deref())
            .map(settlement_result)
            .map_err(|e| host_error(&e))
    }

    /// The factory call deploying an undeployed ERC-6492 payer failed: terminal, with the
    /// core's reason `smart_wallet_deployment_failed` and `message`.
    #[wasm_bindgen(js_name = deploymentFailed, unchecked_return_type = "X402SettlementResult")]
    pub fn deployment_failed(&mut self, message: Option<String>) -> JsResult<JsValue> {
        self.0
            .refused(
                pay402::x402::evm_settlement::REASON_SMART_WALLET_DEPLOYMENT_FAILED,
                message.as_deref(),
            )
            .map(settlement_result)
            .map_err(|e| host_error(&e))
    }

    /// Sending reverted: EIP-3009 takes the reason from the text, Permit2 reports
    /// `invalid_transaction_state`.
    #[wasm_bindgen(js_name = transferReverted, unchecked_return_type = "X402SettlementResult")]
    pub fn transfer_reverted(&mut self, revert_text: &str) -> JsResult<JsValue> {
        self.0
            .transfer_reverted(revert_text)
            .map(settlement_result)
            .map_err(|e| host_error(&e))
    }

    /// Sent with `hash`: `undefined` when the hash is valid, else the terminal result.
    #[wasm_bindgen(unchecked_return_type = "X402SettlementResult | undefined")]
    pub fn submitted(&mut self, hash: &str) -> JsResult<JsValue> {
        self.0
            .submitted(hash)
            .map(|r| r.map_or(JsValue::UNDEFINED, settlement_result))
            .map_err(|e| host_error(&e))
    }

    /// The receipt succeeded: settled (with `amount` for `upto`).
    #[wasm_bindgen(unchecked_return_type = "X402SettlementResult")]
    pub fn confirmed(&mut self) -> JsResult<JsValue> {
        self.0
            .confirmed()
            .map(settlement_result)
            .map_err(|e| host_error(&e))
    }

    /// The receipt has status 0: terminal failure, the hash kept.
    #[wasm_bindgen(unchecked_return_type = "X402SettlementResult")]
    pub fn reverted(&mut self) -> JsResult<JsValue> {
        self.0
            .reverted()
            .map(settlement_result)
            .map_err(|e| host_error(&e))
    }

    /// No receipt (timeout, RPC error): `settlement_pending` with the hash.
    #[wasm_bindgen(js_name = receiptUnavailable, unchecked_return_type = "X402SettlementResult")]
    pub fn receipt_unavailable(&mut self, error: &str) -> JsResult<JsValue> {
        self.0
            .receipt_unavailable(error)
            .map(settlement_result)
            .map_err(|e| host_error(&e))
    }
}

#[wasm_bindgen(typescript_custom_section)]
const TS_REFUND: &str = r#"
/** The end of one refund attempt (`Refund`): `errorReason` is `refund_send_failed`,
 * `refund_invalid_hash`, `refund_reverted` or `refund_pending`; `transaction` is `""` when nothing
 * was broadcast; `json` adds `network`, `asset`, `to` and `amount` (decimal string). */
export interface RefundResult {
  success: boolean; errorReason?: string; errorMessage?: string; transaction: string;
  verdict: "refunded" | "failed" | "pending"; json: string;
}
"#;

fn refund_result(r: pay402_host::refund::RefundResult) -> JsValue {
    let mut o = Obj::new()
        .set("success", r.success)
        .set("transaction", r.transaction)
        .set("verdict", r.verdict)
        .set("json", r.json);
    if let Some(reason) = r.error_reason {
        o = o.set("errorReason", reason);
    }
    if let Some(message) = r.error_message {
        o = o.set("errorMessage", message);
    }
    o.build()
}

/// A refund order: pay `amount` of `asset` (a token's address, or `"native"` for the chain's
/// native coin) on `network` back to `to`, identified by `key` (32 bytes). `to` must be the payer
/// the payment proved, never an address a client names. An amount of 0 is no order
/// (`refund_amount_zero`); a non-EVM network has no refund yet (`refund_unsupported_network`).
/// The transaction that pays it is `{to: txTo, value: txValue, data: calldata}`: an ERC-20
/// `transfer` to the token, or a value transfer to `to` with no calldata for the native coin.
#[wasm_bindgen(js_name = RefundOrder)]
#[derive(Debug, Clone, Copy)]
pub struct RefundOrder(pub(crate) pay402::x402::refund::RefundOrder);

#[wasm_bindgen(js_class = RefundOrder)]
impl RefundOrder {
    /// An order under the caller's 32-byte idempotency `key` (`Uint8Array` or hex).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] key: JsValue,
        network: &str,
        asset: &str,
        to: &str,
        #[wasm_bindgen(unchecked_param_type = "bigint")] amount: JsValue,
    ) -> JsResult<RefundOrder> {
        pay402_host::refund::order(
            &bytes(&key, "key")?,
            network,
            asset,
            to,
            u256(&amount, "amount")?,
        )
        .map(Self)
        .map_err(|e| host_error(&e))
    }

    /// The idempotency key (32 bytes).
    #[wasm_bindgen(getter, unchecked_return_type = "Uint8Array")]
    pub fn key(&self) -> JsValue {
        u8a(&self.0.key())
    }

    /// `eip155:<chain id>`.
    #[wasm_bindgen(getter)]
    pub fn network(&self) -> String {
        pay402_host::refund::network_id(&self.0)
    }

    /// The token (EIP-55), or `"native"` for the chain's native coin.
    #[wasm_bindgen(getter)]
    pub fn asset(&self) -> String {
        pay402_host::refund::asset_text(&self.0)
    }

    /// The transaction's `to` (EIP-55): the token, or the recipient for the native coin.
    #[wasm_bindgen(getter, js_name = txTo, unchecked_return_type = "string")]
    pub fn tx_to(&self) -> JsValue {
        address_js(&self.0.tx_to())
    }

    /// The transaction's `value` in wei: `0n` for a token, the amount for the native coin.
    #[wasm_bindgen(getter, js_name = txValue, unchecked_return_type = "bigint")]
    pub fn tx_value(&self) -> JsValue {
        bigint(&self.0.tx_value())
    }

    /// The recipient (EIP-55).
    #[wasm_bindgen(getter, unchecked_return_type = "string")]
    pub fn to(&self) -> JsValue {
        address_js(&self.0.to())
    }

    /// The amount in the asset's atomic unit (never 0).
    #[wasm_bindgen(getter, unchecked_return_type = "bigint")]
    pub fn amount(&self) -> JsValue {
        bigint(&self.0.amount())
    }

    /// The transaction's calldata (to `txTo`): ERC-20 `transfer(to, amount)` for a token, empty
    /// for the native coin.
    #[wasm_bindgen(getter, unchecked_return_type = "Uint8Array")]
    pub fn calldata(&self) -> JsResult<JsValue> {
        pay402_host::refund::calldata(&self.0)
            .map(|d| u8a(&d))
            .map_err(|e| host_error(&e))
    }
}

/// The refund of a WS402 session (16-byte id, `Uint8Array` or hex): the key is
/// SHA-256(`"pay402 ws402 refund"` ‖ session id).
#[cfg(feature = "ws402")]
#[wasm_bindgen(js_name = refundOrderForSession)]
pub fn refund_order_for_session(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] session_id: JsValue,
    network: &str,
    asset: &str,
    to: &str,
    #[wasm_bindgen(unchecked_param_type = "bigint")] amount: JsValue,
) -> JsResult<RefundOrder> {
    pay402_host::refund::session_order(
        &bytes(&session_id, "session_id")?,
        network,
        asset,
        to,
        u256(&amount, "amount")?,
    )
    .map(RefundOrder)
    .map_err(|e| host_error(&e))
}

/// One refund attempt, from built (or, with `hash`, from a recorded broadcast) to its end.
/// Steps out of order throw an `X402Error` (`refund_step_out_of_order`, `refund_ended`).
#[wasm_bindgen(js_name = Refund)]
#[derive(Debug)]
pub struct Refund(pay402_host::refund::RefundStep);

#[wasm_bindgen(js_class = Refund)]
impl Refund {
    /// A built refund of `order`, or (with `hash`) one already broadcast.
    #[wasm_bindgen(constructor)]
    pub fn new(order: &RefundOrder, hash: Option<String>) -> Refund {
        Self(match hash {
            Some(hash) => pay402_host::refund::RefundStep::resume(order.0, &hash),
            None => pay402_host::refund::RefundStep::new(order.0),
        })
    }

    /// `"built"`, `"submitted"` or `"ended"`.
    #[wasm_bindgen(
        getter,
        unchecked_return_type = "\"built\" | \"submitted\" | \"ended\""
    )]
    pub fn phase(&self) -> JsValue {
        JsValue::from_str(self.0.phase())
    }

    /// The broadcast hash, once submitted.
    #[wasm_bindgen(getter)]
    pub fn hash(&self) -> Option<String> {
        self.0.hash().map(str::to_owned)
    }

    /// Before signing: `undefined` when a sender holding `balance` wei can pay the order's
    /// transaction with `gas` at `maxFeePerGas` (`txValue + gas × maxFeePerGas`), else the end
    /// `refund_send_failed` (sign and send nothing).
    #[wasm_bindgen(js_name = checkBalance, unchecked_return_type = "RefundResult | undefined")]
    pub fn check_balance(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "bigint")] balance: JsValue,
        #[wasm_bindgen(unchecked_param_type = "bigint")] gas: JsValue,
        #[wasm_bindgen(unchecked_param_type = "bigint")] max_fee_per_gas: JsValue,
    ) -> JsResult<JsValue> {
        let r = self
            .0
            .check_balance(
                u256(&balance, "balance")?,
                u256(&gas, "gas")?,
                u256(&max_fee_per_gas, "maxFeePerGas")?,
            )
            .map_err(|e| host_error(&e))?;
        Ok(r.map_or(JsValue::UNDEFINED, refund_result))
    }

    /// Refused before broadcast: `refund_send_failed`, `transaction` `""`.
    #[wasm_bindgen(js_name = sendFailed, unchecked_return_type = "RefundResult")]
    pub fn send_failed(&mut self, text: &str) -> JsResult<JsValue> {
        self.0
            .send_failed(text)
            .map(refund_result)
            .map_err(|e| host_error(&e))
    }

    /// Sent with `hash`: `undefined` when valid, else `refund_invalid_hash`.
    #[wasm_bindgen(unchecked_return_type = "RefundResult | undefined")]
    pub fn submitted(&mut self, hash: &str) -> JsResult<JsValue> {
        let r = self.0.submitted(hash).map_err(|e| host_error(&e))?;
        Ok(r.map_or(JsValue::UNDEFINED, refund_result))
    }

    /// The receipt succeeded: refunded.
    #[wasm_bindgen(unchecked_return_type = "RefundResult")]
    pub fn confirmed(&mut self) -> JsResult<JsValue> {
        self.0
            .confirmed()
            .map(refund_result)
            .map_err(|e| host_error(&e))
    }

    /// The receipt has status 0: `refund_reverted`, the hash kept.
    #[wasm_bindgen(unchecked_return_type = "RefundResult")]
    pub fn reverted(&mut self) -> JsResult<JsValue> {
        self.0
            .reverted()
            .map(refund_result)
            .map_err(|e| host_error(&e))
    }

    /// No receipt (yet): `refund_pending`, the hash kept.
    #[wasm_bindgen(js_name = receiptUnavailable, unchecked_return_type = "RefundResult")]
    pub fn receipt_unavailable(&mut self, error: &str) -> JsResult<JsValue> {
        self.0
            .receipt_unavailable(error)
            .map(refund_result)
            .map_err(|e| host_error(&e))
    }
}

/// ERC-20 `transfer(to, amount)` calldata (`0xa9059cbb` and two ABI words).
#[wasm_bindgen(js_name = erc20TransferCalldata, unchecked_return_type = "Uint8Array")]
pub fn erc20_transfer_calldata(
    to: &str,
    #[wasm_bindgen(unchecked_param_type = "bigint")] amount: JsValue,
) -> JsResult<JsValue> {
    pay402_host::refund::transfer_calldata(to, u256(&amount, "amount")?)
        .map(|d| u8a(&d))
        .map_err(|e| host_error(&e))
}

/// The `errorReason` of a `transferWithAuthorization` whose send reverted with `revert_text`
/// (the reference facilitator's `parseEip3009TransferError`).
#[wasm_bindgen(js_name = x402SettleRevertReason)]
pub fn x402_settle_revert_reason(revert_text: &str) -> String {
    eip3009_transfer_error_reason(revert_text).to_owned()
}

#[cfg(feature = "svm")]
#[wasm_bindgen(typescript_custom_section)]
const TS_COSIGN: &str = r#"
/** A Solana transaction co-signed by its fee payer: the wire bytes to send and the fee payer's
 * signature in base58 (the transaction id). */
export interface SvmCosigned { transaction: Uint8Array; signature: string }
"#;

/// Co-signs a client's partially signed Solana transaction (wire bytes) as its fee payer (the
/// 32-byte ed25519 seed): the signature over the message goes into slot 0, nothing else
/// changes. Run it after the offline checks accepted the payment. Throws an `SvmError`
/// (`invalid_exact_svm_fee_payer_mismatch`, `invalid_exact_svm_payload_transaction`).
#[cfg(feature = "svm")]
#[wasm_bindgen(js_name = svmCosign, unchecked_return_type = "SvmCosigned")]
pub fn svm_cosign(
    transaction: &[u8],
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] fee_payer_seed: &JsValue,
) -> JsResult<JsValue> {
    use pay402::svm::PayerKey;
    use pay402::svm::cosign::{SIGNATURE_BASE58_MAX_LEN, cosign_fee_payer};
    let key = PayerKey::from_seed(&array::<32>(fee_payer_seed, "feePayerSeed")?);
    let mut out = vec![0u8; transaction.len()];
    let cosigned = cosign_fee_payer(transaction, &key, &mut out)
        .map_err(|e| crate::errors::coded("SvmError", &e.to_string(), e.code(), e.detail_code()))?;
    let mut sig = [0u8; SIGNATURE_BASE58_MAX_LEN];
    Ok(Obj::new()
        .set("transaction", u8a(cosigned.transaction))
        .set("signature", cosigned.signature_base58(&mut sig))
        .build())
}

/// One Solana settlement by the facilitator, from built to its end: the host reports each step
/// (refused, simulation failed, duplicate, send failed, submitted, confirmed, failed,
/// confirmation timeout) and gets the `SettleResponse` of the end, with the reference's reasons
/// and which `transaction` it reports. Steps out of order throw an `X402Error`
/// (`settlement_step_out_of_order`, `settlement_ended`).
#[cfg(feature = "svm")]
#[wasm_bindgen(js_name = SvmSettlement)]
#[derive(Debug)]
pub struct SvmSettlement(pay402_host::svm_settlement::Settlement);

#[cfg(feature = "svm")]
#[wasm_bindgen(js_class = SvmSettlement)]
impl SvmSettlement {
    /// A built settlement of `payer`'s payment (the transfer's authority) on `network`.
    #[wasm_bindgen(constructor)]
    pub fn new(network: &str, payer: &str) -> SvmSettlement {
        Self(pay402_host::svm_settlement::Settlement::new(network, payer))
    }

    /// `"built"`, `"submitted"` or `"ended"`.
    #[wasm_bindgen(
        getter,
        unchecked_return_type = "\"built\" | \"submitted\" | \"ended\""
    )]
    pub fn phase(&self) -> JsValue {
        JsValue::from_str(self.0.phase())
    }

    /// The transaction id (base58), once submitted.
    #[wasm_bindgen(getter)]
    pub fn signature(&self) -> Option<String> {
        self.0.signature().map(str::to_owned)
    }

    /// Refused before sending (a verification verdict as `reason`): `transaction` is `""`.
    #[wasm_bindgen(unchecked_return_type = "X402SettlementResult")]
    pub fn refused(&mut self, reason: &str, message: Option<String>) -> JsResult<JsValue> {
        self.0
            .refused(reason, message.as_deref())
            .map(settlement_result)
            .map_err(|e| host_error(&e))
    }

    /// `simulateTransaction` answered `value.err` (`errJson`, its JSON):
    /// `invalid_exact_svm_transaction_simulation_failed`.
    #[wasm_bindgen(js_name = simulationFailed, unchecked_return_type = "X402SettlementResult")]
    pub fn simulation_failed(&mut self, err_json: &str) -> JsResult<JsValue> {
        self.0
            .simulation_failed(err_json)
            .map(settlement_result)
            .map_err(|e| host_error(&e))
    }

    /// `simulateTransaction` itself failed (an RPC error): the same reason, `message` kept.
    #[wasm_bindgen(js_name = simulationError, unchecked_return_type = "X402SettlementResult")]
    pub fn simulation_error(&mut self, message: &str) -> JsResult<JsValue> {
        self.0
            .simulation_error(message)
            .map(settlement_result)
            .map_err(|e| host_error(&e))
    }

    /// The duplicate-settlement cache already holds the transaction: `duplicate_settlement`.
    #[wasm_bindgen(unchecked_return_type = "X402SettlementResult")]
    pub fn duplicate(&mut self) -> JsResult<JsValue> {
        self.0
            .duplicate()
            .map(settlement_result)
            .map_err(|e| host_error(&e))
    }

    /// `sendTransaction` was refused (nothing broadcast): `transaction_failed`, `transaction` `""`.
    #[wasm_bindgen(js_name = sendFailed, unchecked_return_type = "X402SettlementResult")]
    pub fn send_failed(&mut self, message: &str) -> JsResult<JsValue> {
        self.0
            .send_failed(message)
            .map(settlement_result)
            .map_err(|e| host_error(&e))
    }

    /// Sent with `signature`: `undefined` when it is a transaction id (base58 of 64 bytes),
    /// else the terminal result.
    #[wasm_bindgen(unchecked_return_type = "X402SettlementResult | undefined")]
    pub fn submitted(&mut self, signature: &str) -> JsResult<JsValue> {
        self.0
            .submitted(signature)
            .map(|r| r.map_or(JsValue::UNDEFINED, settlement_result))
            .map_err(|e| host_error(&e))
    }

    /// Confirmed without an error: settled, `transaction` is the signature.
    #[wasm_bindgen(unchecked_return_type = "X402SettlementResult")]
    pub fn confirmed(&mut self) -> JsResult<JsValue> {
        self.0
            .confirmed()
            .map(settlement_result)
            .map_err(|e| host_error(&e))
    }

    /// Landed with an error (`errJson`, the JSON of the status's `err`): `transaction_failed`.
    #[wasm_bindgen(unchecked_return_type = "X402SettlementResult")]
    pub fn failed(&mut self, err_json: &str) -> JsResult<JsValue> {
        self.0
            .failed(err_json)
            .map(settlement_result)
            .map_err(|e| host_error(&e))
    }

    /// Not confirmed in time: `settlement_pending` with the signature (`message`: a detail, or
    /// `""`).
    #[wasm_bindgen(
        js_name = confirmationTimeout,
        unchecked_return_type = "X402SettlementResult"
    )]
    pub fn confirmation_timeout(&mut self, message: &str) -> JsResult<JsValue> {
        self.0
            .confirmation_timeout(message)
            .map(settlement_result)
            .map_err(|e| host_error(&e))
    }
}

/// How long the duplicate-settlement cache keeps a Solana transaction, in seconds (the
/// reference's 120 s). The key is the payment's `payload.transaction` text as received.
#[cfg(feature = "svm")]
#[wasm_bindgen(js_name = svmSettlementCacheTtlSeconds)]
pub fn svm_settlement_cache_ttl_seconds() -> u32 {
    u32::try_from(pay402::x402::svm_settlement::SETTLEMENT_CACHE_TTL_SECS).unwrap_or(u32::MAX)
}
