//! The x402 resource server: `X402Server`, `X402Admitted`, `X402Exchange`.
//!
//! Conversion only: offers and the resource from plain objects, headers from `[name, value]`
//! pairs, results to plain objects. The server and every decision it makes is
//! `pay402_host::x402_server` over the core's `pay402::x402::server`.

// wasm-bindgen hands every JS argument over by value (`Option<String>`, `Option<JsValue>`).
#![allow(clippy::needless_pass_by_value)]

use crate::convert::{Obj, bigint, get, opt_string, present, string, u8a, u256, uint};
use crate::errors::{JsResult, arg_error, coded};
use js_sys::{Array, Object};
use pay402_host::HostError;
use pay402_host::x402_server::{self as host, OfferConfig, ResourceConfig};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS: &str = r#"
/** One offer, as a seller's terms the core resolves: `scheme` (`exact` when absent), `network`, `payTo`,
 * `amount` (atomic units; upto: the maximum) or `price` (a display price, `"$0.01"`), and optionally `asset`
 * (absent: the network's default asset, which also gives `decimals`, the EIP-712 name/version and the transfer
 * method), `decimals`, `maxTimeoutSeconds` (absent: 60), `eip712Name` + `eip712Version` (EIP-3009),
 * `transferMethod`, `facilitator` (upto), `feePayer` (Solana). */
export interface X402Offer {
  scheme?: "exact" | "upto"; network: string; asset?: string; amount?: bigint | number | string; price?: string;
  decimals?: number; payTo: string; maxTimeoutSeconds?: number; eip712Name?: string; eip712Version?: string;
  transferMethod?: "eip3009" | "permit2"; facilitator?: string; feePayer?: string;
}
/** The resource sold: `mimeType` absent is `application/json` (the core's default, every binding's). */
export interface X402Resource { url: string; description?: string; mimeType?: string }
/** An answer to send as is: a refusal (402 challenge with the reason; 503/500 for server faults). */
export interface X402Reply {
  admitted: false; status: number; code: string; detailCode: string | null;
  headers: [string, string][]; body: Uint8Array | null;
}
export type X402StepAction = "run_handler" | "settle" | "serve" | "release_reservation" | "withhold" | "keep_reservation" | "refuse_replay";
/** What the RPC answered so far, fed back to `X402Server.admitStep`. */
export interface X402AdmitAnswers {
  /** The payer's code (`eth_getCode`), as the RPC gave it; absent before it was asked. */
  code?: unknown;
  /** True once the `eth_call` was made. */
  called?: boolean;
  /** The `eth_call`'s return data, as the RPC gave it; `null` when it reverted. */
  callResult?: unknown;
}
/** The chain read `X402Server.admitStep` needs next: the payer's code, then at most one `eth_call`. */
export type X402AdmitRead =
  | { step: "getCode"; address: string }
  | { step: "call"; to: string; data: string };
/** One step of an exchange: what to do next, or how it ends (status, headers, body to send). */
export interface X402Step {
  action: X402StepAction; attempt: number; status: number; headers: [string, string][];
  body: Uint8Array | null; isFinal: boolean;
}
"#;

const NAME: &str = "X402Error";

fn error(e: &HostError) -> JsValue {
    coded(NAME, &e.message, e.code, e.detail_code)
}

const OFFER_KEYS: &[&str] = &[
    "scheme",
    "network",
    "asset",
    "amount",
    "price",
    "decimals",
    "payTo",
    "maxTimeoutSeconds",
    "eip712Name",
    "eip712Version",
    "transferMethod",
    "facilitator",
    "feePayer",
];

/// An optional string field; absent is empty (the core names what is missing).
fn text(obj: &JsValue, key: &str) -> JsResult<String> {
    Ok(opt_string(&get(obj, key), key)?.unwrap_or_default())
}

fn offer(value: &JsValue) -> JsResult<OfferConfig> {
    if !value.is_object() {
        return Err(arg_error("offers", "an array of offer objects"));
    }
    for key in Object::keys(value.unchecked_ref::<Object>()).iter() {
        let key = key.as_string().unwrap_or_default();
        if !OFFER_KEYS.contains(&key.as_str()) {
            return Err(error(&HostError::config(
                "unknown_offer_parameter",
                format!("offers take {OFFER_KEYS:?}, not `{key}`"),
            )));
        }
    }
    let amount = get(value, "amount");
    let decimals = present(&get(value, "decimals"))
        .map(|d| {
            uint(d, "decimals")
                .ok()
                .and_then(|d| u8::try_from(d).ok())
                .ok_or_else(|| arg_error("decimals", "an integer from 0 to 77"))
        })
        .transpose()?;
    Ok(OfferConfig {
        scheme: text(value, "scheme")?,
        network: text(value, "network")?,
        asset: text(value, "asset")?,
        amount: present(&amount)
            .map(|a| u256(a, "amount").map(|a| a.to_string()))
            .transpose()?
            .unwrap_or_default(),
        price: opt_string(&get(value, "price"), "price")?,
        decimals,
        pay_to: text(value, "payTo")?,
        max_timeout_seconds: present(&get(value, "maxTimeoutSeconds"))
            .map(|t| uint(t, "maxTimeoutSeconds"))
            .transpose()?,
        eip712_name: opt_string(&get(value, "eip712Name"), "eip712Name")?,
        eip712_version: opt_string(&get(value, "eip712Version"), "eip712Version")?,
        transfer_method: opt_string(&get(value, "transferMethod"), "transferMethod")?,
        facilitator: opt_string(&get(value, "facilitator"), "facilitator")?,
        fee_payer: opt_string(&get(value, "feePayer"), "feePayer")?,
    })
}

pub(crate) fn headers_js(headers: &[(String, String)]) -> JsValue {
    headers
        .iter()
        .map(|(n, v)| -> JsValue {
            [JsValue::from_str(n), JsValue::from_str(v)]
                .into_iter()
                .collect::<Array>()
                .into()
        })
        .collect::<Array>()
        .into()
}

fn body_js(body: Option<&Vec<u8>>) -> JsValue {
    body.map_or(JsValue::NULL, |b| u8a(b))
}

fn reply_js(r: &host::Reply) -> JsValue {
    Obj::new()
        .set("admitted", false)
        .set("status", r.status)
        .set("code", r.code)
        .set(
            "detailCode",
            r.detail_code.map_or(JsValue::NULL, JsValue::from_str),
        )
        .set("headers", headers_js(&r.headers))
        .set("body", body_js(r.body.as_ref()))
        .build()
}

fn step_js(s: &host::Step) -> JsValue {
    Obj::new()
        .set("action", s.action.as_str())
        .set("attempt", s.attempt)
        .set("status", s.status)
        .set("headers", headers_js(&s.headers))
        .set("body", body_js(s.body.as_ref()))
        .set("isFinal", s.action.is_final())
        .build()
}

/// The `[name, value]` pairs of `headers` (an array of pairs).
pub(crate) fn pairs(headers: &JsValue) -> JsResult<Vec<(String, String)>> {
    let array = headers
        .dyn_ref::<Array>()
        .ok_or_else(|| arg_error("headers", "an array of [name, value] pairs"))?;
    array
        .iter()
        .map(|pair| {
            let pair = pair
                .dyn_ref::<Array>()
                .ok_or_else(|| arg_error("headers", "an array of [name, value] pairs"))?;
            Ok((
                string(&pair.get(0), "headers")?,
                string(&pair.get(1), "headers")?,
            ))
        })
        .collect()
}

/// The x402 resource server of one resource: its offers prepared once (validated, EIP-712
/// domain separators computed). Throws `X402Error` (`code`) on anything missing or invalid.
#[wasm_bindgen(js_name = X402Server)]
#[derive(Debug)]
pub struct X402Server {
    inner: host::X402Server,
}

/// An admitted payment (`admitted` is `true`); start its exchange with `X402Server.exchange`.
#[wasm_bindgen(js_name = X402Admitted)]
#[derive(Debug)]
pub struct X402Admitted {
    inner: host::Admitted,
}

#[wasm_bindgen(js_class = X402Admitted)]
impl X402Admitted {
    /// Always `true` (a refusal is a plain `X402Reply` with `admitted: false`).
    #[wasm_bindgen(getter)]
    pub fn admitted(&self) -> bool {
        true
    }
    /// Index of the offer paid, in configuration order.
    #[wasm_bindgen(getter, js_name = offerIndex)]
    pub fn offer_index(&self) -> usize {
        self.inner.offer_index
    }
    /// 1 or 2.
    #[wasm_bindgen(getter, js_name = x402Version)]
    pub fn x402_version(&self) -> u32 {
        u32::try_from(self.inner.x402_version).unwrap_or(u32::MAX)
    }
    /// The payer (EVM EIP-55 address, or a Solana base58 key).
    #[wasm_bindgen(getter)]
    pub fn payer(&self) -> String {
        self.inner.payer.clone()
    }
    /// The signed amount in atomic units (`upto`: the maximum).
    #[wasm_bindgen(getter, unchecked_return_type = "bigint")]
    pub fn amount(&self) -> JsValue {
        bigint(&self.inner.max_amount())
    }
    /// The bytes to reserve in the replay store.
    #[wasm_bindgen(getter, js_name = replayKey)]
    pub fn replay_key(&self) -> Vec<u8> {
        self.inner.replay_key.clone()
    }
    /// Seconds to keep the reservation.
    #[wasm_bindgen(getter)]
    pub fn ttl(&self) -> f64 {
        crate::convert::number(self.inner.ttl)
            .as_f64()
            .unwrap_or(f64::MAX)
    }
    /// The decoded payment payload, as JSON text.
    #[wasm_bindgen(getter)]
    pub fn payment(&self) -> String {
        self.inner.payment_json.clone()
    }
}

#[wasm_bindgen(js_class = X402Server)]
impl X402Server {
    /// Prepares `offers` for `resource`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "X402Offer[]")] offers: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "X402Resource")] resource: &JsValue,
    ) -> JsResult<X402Server> {
        let offers = offers
            .dyn_ref::<Array>()
            .ok_or_else(|| arg_error("offers", "an array of offer objects"))?
            .iter()
            .map(|o| offer(&o))
            .collect::<JsResult<Vec<_>>>()?;
        let url = get(resource, "url");
        let resource = ResourceConfig {
            url: if present(&url).is_some() {
                string(&url, "resource.url")?
            } else {
                String::new()
            },
            description: opt_string(&get(resource, "description"), "resource.description")?
                .unwrap_or_default(),
            mime_type: opt_string(&get(resource, "mimeType"), "resource.mimeType")?,
        };
        Ok(Self {
            inner: host::X402Server::new(offers, resource).map_err(|e| error(&e))?,
        })
    }

    /// The 402 challenge. `code`, when given, is the code it reports (the `error` of the
    /// `PAYMENT-REQUIRED` JSON and of the body); `message` a sentence for people, the body's
    /// `errorMessage` (it needs a code: `message_without_code`).
    #[wasm_bindgen(unchecked_return_type = "X402Reply")]
    pub fn challenge(&self, code: Option<String>, message: Option<String>) -> JsResult<JsValue> {
        self.inner
            .challenge(code.as_deref(), message.as_deref())
            .map(|r| reply_js(&r))
            .map_err(|e| error(&e))
    }

    /// Admits the payment among `headers` (`[name, value]` pairs) at `now` (unix seconds):
    /// an `X402Admitted`, or the `X402Reply` refusing it.
    #[wasm_bindgen(unchecked_return_type = "X402Admitted | X402Reply")]
    pub fn admit(
        &self,
        #[wasm_bindgen(unchecked_param_type = "[string, string][]")] headers: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | bigint")] now: &JsValue,
    ) -> JsResult<JsValue> {
        let headers = pairs(headers)?;
        let now = uint(now, "now")?;
        let pairs = headers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
        Ok(match self.inner.admit(pairs, now) {
            Ok(admitted) => X402Admitted { inner: admitted }.into(),
            Err(reply) => reply_js(&reply),
        })
    }

    /// One step of `admit` for a server with an EVM RPC (the core's admission with the chain,
    /// replayed on `answers`, the RPC's answers so far): an `X402Admitted`, an `X402Reply`, or
    /// the read to make next (`{step: "getCode", address}`, then at most one
    /// `{step: "call", to, data}`). A smart-wallet payer (EIP-1271, EIP-7702, or an undeployed
    /// ERC-6492 wallet whose factory is in `allowedFactories`; empty denies them) is admitted
    /// when the chain says its signature is valid. A read that failed is answered with
    /// `chainUnavailable()`.
    #[wasm_bindgen(
        js_name = admitStep,
        unchecked_return_type = "X402Admitted | X402Reply | X402AdmitRead"
    )]
    pub fn admit_step(
        &self,
        #[wasm_bindgen(unchecked_param_type = "[string, string][]")] headers: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | bigint")] now: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "readonly string[]")] allowed_factories: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "X402AdmitAnswers")] answers: &JsValue,
    ) -> JsResult<JsValue> {
        let headers = pairs(headers)?;
        let now = uint(now, "now")?;
        if !Array::is_array(allowed_factories) {
            return Err(arg_error("allowedFactories", "an array of addresses"));
        }
        let factories = Array::from(allowed_factories)
            .iter()
            .map(|f| crate::convert::address(&f, "allowedFactories"))
            .collect::<JsResult<Vec<_>>>()?;
        let read = |v: &JsValue, method: &str| {
            crate::convert::bytes(v, method).map_err(|_| {
                coded(
                    NAME,
                    &format!("rpc.{method} must return a Uint8Array or 0x hex text"),
                    "invalid_rpc_result",
                    None,
                )
            })
        };
        let code = get(answers, "code");
        let code = if code.is_undefined() {
            None
        } else {
            Some(read(&code, "getCode")?)
        };
        let call = if crate::convert::opt_bool(&get(answers, "called"), "called")? == Some(true) {
            let result = get(answers, "callResult");
            Some(if result.is_null() || result.is_undefined() {
                pay402_host::smart_wallet::EthCall::Reverted
            } else {
                pay402_host::smart_wallet::EthCall::Returned(read(&result, "call")?)
            })
        } else {
            None
        };
        let answers = host::ChainAnswers { code, call };
        let pairs = headers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
        Ok(
            match self.inner.admit_step(pairs, now, &factories, &answers) {
                Ok(host::ChainStep::Admitted(admitted)) => X402Admitted { inner: *admitted }.into(),
                Ok(host::ChainStep::GetCode { address }) => Obj::new()
                    .set("step", "getCode")
                    .set("address", crate::convert::address_js(&address))
                    .build(),
                Ok(host::ChainStep::Call { to, data }) => {
                    let mut hex = vec![0u8; 2 * data.len()];
                    let text = pay402::hex::encode_lower_into(&data, &mut hex)
                        .map_err(|_| arg_error("data", "too long"))?;
                    Obj::new()
                        .set("step", "call")
                        .set("to", crate::convert::address_js(&to))
                        .set("data", format!("0x{text}"))
                        .build()
                }
                Err(reply) => reply_js(&reply),
            },
        )
    }

    /// The refusal answered when a read of `admitStep` failed (503
    /// `smart_wallet_check_unavailable`, fail closed: never an admission).
    #[wasm_bindgen(js_name = chainUnavailable, unchecked_return_type = "X402Reply")]
    pub fn chain_unavailable(&self) -> JsValue {
        reply_js(
            &self
                .inner
                .refusal(pay402::x402::server::Refusal::CHAIN_UNAVAILABLE),
        )
    }

    /// The refusal answered when the replay store cannot answer (503, fail closed).
    #[wasm_bindgen(js_name = replayStoreUnavailable, unchecked_return_type = "X402Reply")]
    pub fn replay_store_unavailable(&self) -> JsValue {
        reply_js(
            &self
                .inner
                .refusal(pay402::x402::server::Refusal::REPLAY_STORE_UNAVAILABLE),
        )
    }

    /// Starts the exactly-once exchange of `admitted`.
    pub fn exchange(
        &self,
        admitted: &X402Admitted,
        #[wasm_bindgen(unchecked_optional_param_type = "{ settleBeforeHandler?: boolean }")]
        options: Option<JsValue>,
    ) -> JsResult<X402Exchange> {
        let first = options
            .as_ref()
            .map(|o| {
                crate::convert::opt_bool(&get(o, "settleBeforeHandler"), "settleBeforeHandler")
            })
            .transpose()?
            .flatten()
            .unwrap_or(false);
        Ok(X402Exchange {
            inner: self
                .inner
                .exchange(&admitted.inner, first)
                .map_err(|e| error(&e))?,
        })
    }

    /// The facilitator `/verify` body for `admitted`.
    #[wasm_bindgen(js_name = verifyRequest)]
    pub fn verify_request(&self, admitted: &X402Admitted) -> JsResult<Vec<u8>> {
        self.inner
            .verify_request(&admitted.inner)
            .map_err(|e| error(&e))
    }
}

/// The exactly-once exchange of one admitted payment. Calls out of order throw `X402Error`
/// `exchange_out_of_order` and change nothing.
#[wasm_bindgen(js_name = X402Exchange)]
#[derive(Debug)]
pub struct X402Exchange {
    inner: host::Exchange,
}

#[wasm_bindgen(js_class = X402Exchange)]
impl X402Exchange {
    /// The replay key to reserve.
    #[wasm_bindgen(getter, js_name = replayKey)]
    pub fn replay_key(&self) -> Vec<u8> {
        self.inner.admitted().replay_key.clone()
    }
    /// Seconds to keep it.
    #[wasm_bindgen(getter)]
    pub fn ttl(&self) -> f64 {
        crate::convert::number(self.inner.admitted().ttl)
            .as_f64()
            .unwrap_or(f64::MAX)
    }
    /// The store answered: `fresh` is true when the key was free and is now reserved.
    #[wasm_bindgen(unchecked_return_type = "X402Step")]
    pub fn reserved(&mut self, fresh: bool) -> JsResult<JsValue> {
        self.inner
            .reserved(fresh)
            .map(|s| step_js(&s))
            .map_err(|e| error(&e))
    }
    /// The handler answered with `status` (500 for an exception).
    #[wasm_bindgen(unchecked_return_type = "X402Step")]
    pub fn handled(&mut self, status: u16) -> JsResult<JsValue> {
        self.inner
            .handled(status)
            .map(|s| step_js(&s))
            .map_err(|e| error(&e))
    }
    /// The `/settle` body (identical bytes for the retry). `amount`: the `upto` charge.
    #[wasm_bindgen(js_name = settleRequest)]
    pub fn settle_request(
        &mut self,
        #[wasm_bindgen(unchecked_optional_param_type = "bigint")] amount: Option<JsValue>,
    ) -> JsResult<Vec<u8>> {
        let amount = match amount.as_ref().and_then(|a| present(a)) {
            Some(a) => Some(u256(a, "amount")?.to_string()),
            None => None,
        };
        self.inner
            .settle_request(amount.as_deref())
            .map_err(|e| error(&e))
    }
    /// The facilitator's `/settle` answer (its JSON body), or `null` for no answer (timeout,
    /// connection error, 5xx).
    #[wasm_bindgen(unchecked_return_type = "X402Step")]
    pub fn settled(&mut self, response: Option<Vec<u8>>) -> JsResult<JsValue> {
        self.inner
            .settled(response.as_deref())
            .map(|s| step_js(&s))
            .map_err(|e| error(&e))
    }
}
