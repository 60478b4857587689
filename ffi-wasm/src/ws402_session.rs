//! The WS402 server side: `Ws402Server`, `Ws402Session`, and their plain command and statement
//! objects.
//!
//! Conversion only: offers and the resource from plain objects (as `X402Server`), prices as
//! `bigint`s or decimal strings, inputs to the core's, commands and the statement to plain JS
//! objects (`bigint` amounts). Every decision is `pay402_host::ws402_server` over the core's
//! `pay402::ws402::SessionMachine`; the host does what the commands say, in order.

// wasm-bindgen hands every JS argument over by value.
#![allow(clippy::needless_pass_by_value)]

use crate::convert::{Obj, bigint, get, number, opt_string, opt_uint, present, u8a, u256, uint};
use crate::errors::{JsResult, arg_error, coded};
use crate::settle::RefundOrder;
use js_sys::{Array, Uint8Array};
use pay402::ws402::{Ending, Payer, Plan, RefundOutcome, Reservation, Statement, Tariff};
use pay402_host::HostError;
use pay402_host::ws402_server::{self as host, OwnedCommand, SessionInput};
use pay402_host::x402_server::ResourceConfig;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS: &str = r#"
/** A WS402 session's prices (atomic units of the paid asset: `bigint` or decimal strings) and limits. */
export interface Ws402Policy {
  pricePerSecond: bigint | string; maxSessionSeconds: number;
  pricePerByteIn?: bigint | string; pricePerByteOut?: bigint | string; pricePerMessage?: bigint | string;
  /** Milliseconds between `usage_update`s (default 3000; 0: none). */
  updateIntervalMs?: number;
  /** Milliseconds the client has to send its `payment_proof` (default 10000). */
  proofTimeoutMs?: number;
  /** Milliseconds a dropped connection stays suspended (default 0: no resumption). */
  resumeGraceMs?: number;
  /** Seconds between an `upto` session's deadline and its authorization's expiry (default 120). */
  settleMarginS?: number;
  /** Milliseconds a running record's last checkpoint proves a live owner to `recover` (default 0: twice `updateIntervalMs`). */
  leaseMs?: number;
  /** The schema's `estimatedDuration`, seconds (default: `maxSessionSeconds`). */
  estimatedDuration?: number; currency?: string; resourceId?: string;
  /** On-chain prepayments (the original WS402's `{txHash, reference, senderAddress}` proof), verified over
   * JSON-RPC (`rpc` commands); the price asked is the schema's `totalPrice`. */
  chainProof?: Ws402ChainProof;
}
/** The chain a WS402 server accepts on-chain prepayments on: `asset` a token address, or absent for the native coin;
 * `payTo` the address paid; `minConfirmations` (default 1: included) and `maxAgeSeconds` (default 300: the oldest
 * block time accepted). */
export interface Ws402ChainProof {
  chainId: number; asset?: string | null; payTo: string; minConfirmations?: number; maxAgeSeconds?: number;
}
/** How a WS402 session ended and its money, to the atomic unit. `ending` is `rejected` (never started:
 * `reason` is the code sent in `payment_rejected`, or `connection_closed`) or `ended` (`reason` is the
 * meter's end: `client_close`, `balance_exhausted`, `max_duration`, …). */
export interface Ws402Statement {
  sessionId: string; ending: "rejected" | "ended"; reason: string; atMs: number; closeCode: number | null;
  plan: "exact" | "upto" | null; payer: string | null; paid: bigint; consumed: bigint;
  settlementAmount: bigint | null;
  settlementStatus: "requested" | "settled" | "refused" | "pending" | "unavailable" | null;
  refundAmount: bigint | null;
  refundStatus: "requested" | "confirmed" | "pending" | "failed" | "unsupported" | null;
  refundOrder: RefundOrder | null; finished: boolean;
}
/** The core's answer to `httpServe` / `grantElsewhere`: `status` 200 (serve, then do `commands`), or the
 * refusal's `status`, `code` and JSON `body` (answer it; nothing is served). */
export interface Ws402HttpServe {
  status: number; code: string | null; body: string | null; commands: Ws402Command[];
}
/** One thing the host does, in order (only the kind's own fields are set). */
export type Ws402Command =
  | { kind: "send"; text: string }
  | { kind: "send_app_frame" }
  | { kind: "deliver_to_app" }
  /** Serve the HTTP response of the last `httpServe`: it is paid for. */
  | { kind: "serve_http" }
  | { kind: "close"; code: number }
  | { kind: "reserve"; key: Uint8Array; ttl: number }
  | { kind: "release"; key: Uint8Array }
  | { kind: "settle"; body: Uint8Array; amount: bigint }
  | { kind: "refund"; refund: RefundOrder }
  /** POST `{"jsonrpc":"2.0","id":1,"method":method,"params":<params, verbatim JSON>}` to the chain's RPC URL; answer
   * `rpcResponse` with the whole response body, or `null` when the call failed (connection error, timeout, status ≠ 200). */
  | { kind: "rpc"; method: string; params: string }
  | { kind: "finished"; statement: Ws402Statement }
  /** Write the sealed `record` under `sessionId`: `expect` `null` creates it (only if absent), else replace it
   * only if the stored generation is `expect` (compare-and-swap); keep it `ttl` seconds; answer `persisted`. */
  | { kind: "persist"; sessionId: string; record: Uint8Array; generation: number; expect: number | null; ttl: number }
  /** Load the record of `sessionId` (a `resume_session`); answer `loaded`. */
  | { kind: "load"; sessionId: string }
  /** Another process owns the session (a lost compare-and-swap): forget it here; no settle, no refund. */
  | { kind: "abandoned" };
export type Ws402Phase = "awaiting_proof" | "verifying_transaction" | "reserving" | "settling_prepayment" | "running" | "suspended"
  | "settling_charge" | "refunding" | "finished" | "loading" | "resuming" | "not_owner";
/** What `Ws402Server.recover` decided for a stored record: `still_owned` (a live owner; recover again at
 * `atMs`), `await_resume` (until `atMs`), `end`, `continue` (the settle or refund is asked again) or `done`. */
export interface Ws402Recovery { kind: "still_owned" | "await_resume" | "end" | "continue" | "done"; atMs: number | null }
/** A session recovered from its record, and the decision: do `session.pending()` first. */
export interface Ws402Recovered { session: Ws402Session; recovery: Ws402Recovery }
"#;

const NAME: &str = "Ws402Error";

fn error(e: &HostError) -> JsValue {
    coded(NAME, &e.message, e.code, e.detail_code)
}

fn payer_text(p: Payer) -> String {
    match p {
        Payer::Evm(a) => {
            let mut buf = [0u8; 42];
            a.to_checksum(&mut buf).to_owned()
        }
        Payer::Solana(k) => pay402::svm::Pubkey(k)
            .to_base58(&mut [0u8; pay402::svm::pubkey::BASE58_MAX_LEN])
            .to_owned(),
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut out = vec![0u8; 2 * bytes.len()];
    pay402::hex::encode_lower_into(bytes, &mut out)
        .map(str::to_owned)
        .unwrap_or_default()
}

fn or_null<T>(v: Option<T>, f: impl FnOnce(T) -> JsValue) -> JsValue {
    v.map_or(JsValue::NULL, f)
}

fn statement_js(st: &Statement) -> JsValue {
    let (ending, reason, at_ms, close_code) = match st.ending {
        Ending::Rejected { reason, at_ms } => ("rejected", reason, at_ms, None),
        Ending::Ended(end) => ("ended", end.reason.as_str(), end.at_ms, end.close_code),
    };
    Obj::new()
        .set("sessionId", hex(&st.session_id))
        .set("ending", ending)
        .set("reason", reason)
        .set("atMs", number(at_ms))
        .set("closeCode", or_null(close_code, JsValue::from))
        .set(
            "plan",
            or_null(st.plan, |p| {
                JsValue::from_str(match p {
                    Plan::Exact => "exact",
                    Plan::Upto => "upto",
                })
            }),
        )
        .set(
            "payer",
            or_null(st.payer, |p| JsValue::from_str(&payer_text(p))),
        )
        .set("paid", bigint(&st.paid))
        .set("consumed", bigint(&st.consumed))
        .set(
            "settlementAmount",
            or_null(st.settlement, |s| bigint(&s.amount)),
        )
        .set(
            "settlementStatus",
            or_null(st.settlement, |s| JsValue::from_str(s.status.name())),
        )
        .set("refundAmount", or_null(st.refund, |r| bigint(&r.amount)))
        .set(
            "refundStatus",
            or_null(st.refund, |r| JsValue::from_str(r.status.name())),
        )
        .set(
            "refundOrder",
            or_null(st.refund.and_then(|r| r.order), |o| RefundOrder(o).into()),
        )
        .set("finished", st.finished)
        .build()
}

fn refusal_js(r: pay402::ws402::GrantRefusal, schema_url: &str) -> JsValue {
    Obj::new()
        .set("status", r.status())
        .set("code", pay402::ErrorCode::code(&r))
        .set("body", host::Ws402Server::grant_refusal_body(r, schema_url))
        .set("commands", Array::new())
        .build()
}

fn command_js(c: OwnedCommand) -> JsValue {
    let o = Obj::new().set("kind", c.kind());
    match c {
        OwnedCommand::Send(text) => o.set("text", text),
        OwnedCommand::Close(code) => o.set("code", code),
        OwnedCommand::Reserve { key, ttl } => o.set("key", u8a(&key)).set("ttl", number(ttl)),
        OwnedCommand::Release { key } => o.set("key", u8a(&key)),
        OwnedCommand::Settle { body, amount } => {
            o.set("body", u8a(&body)).set("amount", bigint(&amount))
        }
        OwnedCommand::Refund(order) => o.set("refund", RefundOrder(order)),
        OwnedCommand::Finished(st) => o.set("statement", statement_js(&st)),
        OwnedCommand::Persist {
            session_id,
            record,
            generation,
            expect,
            ttl_s,
        } => o
            .set("sessionId", session_id)
            .set("record", u8a(&record))
            .set("generation", number(generation))
            .set("expect", or_null(expect, number))
            .set("ttl", number(ttl_s)),
        OwnedCommand::Load { session_id } => o.set("sessionId", session_id),
        OwnedCommand::Rpc { method, params } => o.set("method", method).set("params", params),
        OwnedCommand::SendAppFrame
        | OwnedCommand::DeliverToApp
        | OwnedCommand::ServeHttp
        | OwnedCommand::Abandoned => o,
    }
    .build()
}

const POLICY_KEYS: &[&str] = &[
    "pricePerSecond",
    "maxSessionSeconds",
    "pricePerByteIn",
    "pricePerByteOut",
    "pricePerMessage",
    "updateIntervalMs",
    "proofTimeoutMs",
    "resumeGraceMs",
    "settleMarginS",
    "leaseMs",
    "estimatedDuration",
    "currency",
    "resourceId",
    "chainProof",
];

const CHAIN_PROOF_KEYS: &[&str] = &[
    "chainId",
    "asset",
    "payTo",
    "minConfirmations",
    "maxAgeSeconds",
];

fn chain_proof(value: &JsValue) -> JsResult<host::ChainProofConfig> {
    if !value.is_object() {
        return Err(arg_error("chainProof", "a Ws402ChainProof object"));
    }
    for key in js_sys::Object::keys(value.unchecked_ref::<js_sys::Object>()).iter() {
        let key = key.as_string().unwrap_or_default();
        if !CHAIN_PROOF_KEYS.contains(&key.as_str()) {
            return Err(error(&HostError::config(
                "unknown_policy_parameter",
                format!("chainProof takes {CHAIN_PROOF_KEYS:?}, not `{key}`"),
            )));
        }
    }
    let int = |key: &str| opt_uint(&get(value, key), key);
    Ok(host::ChainProofConfig {
        chain_id: uint(&get(value, "chainId"), "chainProof.chainId")?,
        asset: opt_string(&get(value, "asset"), "chainProof.asset")?,
        pay_to: opt_string(&get(value, "payTo"), "chainProof.payTo")?
            .ok_or_else(|| arg_error("chainProof.payTo", "an address"))?,
        min_confirmations: int("minConfirmations")?
            .unwrap_or(pay402::ws402::DEFAULT_MIN_CONFIRMATIONS),
        max_age_seconds: int("maxAgeSeconds")?.unwrap_or(pay402::ws402::DEFAULT_MAX_AGE_SECS),
    })
}

fn policy(value: &JsValue) -> JsResult<host::Ws402Config> {
    if !value.is_object() {
        return Err(arg_error("policy", "a Ws402Policy object"));
    }
    for key in js_sys::Object::keys(value.unchecked_ref::<js_sys::Object>()).iter() {
        let key = key.as_string().unwrap_or_default();
        if !POLICY_KEYS.contains(&key.as_str()) {
            return Err(error(&HostError::config(
                "unknown_policy_parameter",
                format!("the policy takes {POLICY_KEYS:?}, not `{key}`"),
            )));
        }
    }
    let price = |key: &str| -> JsResult<pay402::U256> {
        present(&get(value, key)).map_or(Ok(pay402::U256::ZERO), |v| u256(v, key))
    };
    let per_second = u256(&get(value, "pricePerSecond"), "pricePerSecond")?;
    let max = uint(&get(value, "maxSessionSeconds"), "maxSessionSeconds")?;
    let mut config = host::Ws402Config::new(per_second, max);
    config.tariff = Tariff {
        per_second,
        per_byte_in: price("pricePerByteIn")?,
        per_byte_out: price("pricePerByteOut")?,
        per_message: price("pricePerMessage")?,
    };
    let int = |key: &str| opt_uint(&get(value, key), key);
    if let Some(v) = int("updateIntervalMs")? {
        config.update_interval_ms = v;
    }
    if let Some(v) = int("proofTimeoutMs")? {
        config.proof_timeout_ms = v;
    }
    if let Some(v) = int("resumeGraceMs")? {
        config.resume_grace_ms = v;
    }
    if let Some(v) = int("settleMarginS")? {
        config.settle_margin_s = v;
    }
    if let Some(v) = int("leaseMs")? {
        config.lease_ms = v;
    }
    config.estimated_duration_seconds = int("estimatedDuration")?;
    config.currency = opt_string(&get(value, "currency"), "currency")?;
    config.resource_id = opt_string(&get(value, "resourceId"), "resourceId")?;
    config.chain_proof = present(&get(value, "chainProof"))
        .map(chain_proof)
        .transpose()?;
    Ok(config)
}

/// A WS402 server: the offers (as `X402Server` takes them), prepared once, and the session
/// policy. Throws `X402Error`/`Ws402Error` (`code`) on anything missing or invalid, and
/// `refund_unsupported_network` for an `exact` Solana offer (its unused prepayment could not be
/// refunded).
#[wasm_bindgen(js_name = Ws402Server)]
#[derive(Debug)]
pub struct Ws402Server {
    inner: host::Ws402Server,
}

#[wasm_bindgen(js_class = Ws402Server)]
impl Ws402Server {
    /// Prepares `offers` for `resource` under `policy`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "X402Offer[]")] offers: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "X402Resource")] resource: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "Ws402Policy")] policy: &JsValue,
    ) -> JsResult<Ws402Server> {
        let offers = offers
            .dyn_ref::<Array>()
            .ok_or_else(|| arg_error("offers", "an array of offer objects"))?
            .iter()
            .map(|o| crate::server::offer(&o))
            .collect::<JsResult<Vec<_>>>()?;
        let url = opt_string(&get(resource, "url"), "resource.url")?
            .ok_or_else(|| error(&HostError::config("invalid_resource", "`url` is required")))?;
        let resource = ResourceConfig {
            url,
            description: opt_string(&get(resource, "description"), "resource.description")?
                .unwrap_or_default(),
            mime_type: opt_string(&get(resource, "mimeType"), "resource.mimeType")?,
        };
        let config = self::policy(policy)?;
        Ok(Self {
            inner: host::Ws402Server::new(offers, resource, config).map_err(|e| error(&e))?,
        })
    }

    /// The same server with persistence, resume tokens, resumption and recovery turned on under
    /// `secret` (32 to 64 random bytes, the same for every process sharing a store): sessions
    /// then ask for `persist` and `load`. Throws `Ws402Error` (`invalid_server_secret`).
    #[wasm_bindgen(js_name = withSecret)]
    pub fn with_secret(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] secret: &JsValue,
    ) -> JsResult<Ws402Server> {
        let secret = crate::convert::bytes(secret, "secret")?;
        Ok(Self {
            inner: self
                .inner
                .clone()
                .with_secret(&secret)
                .map_err(|e| error(&e))?,
        })
    }

    /// `true` when the server has a secret (`withSecret`).
    #[wasm_bindgen(getter)]
    pub fn resumable(&self) -> bool {
        self.inner.resumable()
    }

    /// A session recovered at `nowMs` from its stored `record` after a restart, and the core's
    /// decision. Do `session.pending()` first (its first command is the takeover write), arm
    /// its timer, keep it under its id. Throws `Ws402Error` (`session_unsupported` without a
    /// secret, `record_tampered`, `invalid_record_length`, `unsupported_record_version`,
    /// `inconsistent_record`).
    #[wasm_bindgen(unchecked_return_type = "Ws402Recovered")]
    pub fn recover(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] record: &JsValue,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: &JsValue,
    ) -> JsResult<JsValue> {
        let record = crate::convert::bytes(record, "record")?;
        let now = uint(now_ms, "nowMs")?;
        let (session, recovery) = self.inner.recover(&record, now).map_err(|e| error(&e))?;
        let (kind, at) = match recovery {
            host::Recovery::StillOwned { retry_at_ms } => ("still_owned", Some(retry_at_ms)),
            host::Recovery::AwaitResume { until_ms } => ("await_resume", Some(until_ms)),
            host::Recovery::End => ("end", None),
            host::Recovery::Continue => ("continue", None),
            host::Recovery::Done => ("done", None),
        };
        let recovery = Obj::new()
            .set("kind", kind)
            .set("atMs", or_null(at, number))
            .build();
        Ok(Obj::new()
            .set("session", Ws402Session { inner: session })
            .set("recovery", recovery)
            .build())
    }

    /// Checks an HTTP request's `Authorization` value (`null` when absent) for `resourceUrl` at
    /// `nowMs` against the session's stored `record` (loaded under `grantSessionId`'s id; `null`
    /// when none): the core's verdict (`status` 200, else 402, 401 or 403 with its `code` and
    /// the answer's JSON `body`, whose 402 names `schemaUrl`, the URL of the WS402 schema).
    #[wasm_bindgen(js_name = grantCheck, unchecked_return_type = "Ws402GrantCheck")]
    pub fn grant_check(
        &self,
        authorization: Option<String>,
        #[wasm_bindgen(js_name = resourceUrl)] resource_url: &str,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | null")] record: &JsValue,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: &JsValue,
        #[wasm_bindgen(js_name = schemaUrl)] schema_url: Option<String>,
    ) -> JsResult<JsValue> {
        let schema_url = schema_url.unwrap_or_default();
        let record = match present(record) {
            Some(r) => Some(crate::convert::bytes(r, "record")?),
            None => None,
        };
        let now = uint(now_ms, "nowMs")?;
        let obj = Obj::new();
        Ok(match self.inner.grant_check(
            authorization.as_deref(),
            resource_url,
            record.as_deref(),
            now,
        ) {
            Ok(g) => obj
                .set("status", 200)
                .set("code", JsValue::NULL)
                .set("sessionId", u8a(&g.session_id))
                .set("generation", g.generation)
                .set("expiresMs", crate::convert::exact(g.expires_ms))
                .set("body", JsValue::NULL),
            Err(r) => obj
                .set("status", r.status())
                .set("code", pay402::ErrorCode::code(&r))
                .set(
                    "body",
                    host::Ws402Server::grant_refusal_body(r, &schema_url),
                )
                .set("sessionId", JsValue::NULL)
                .set("generation", JsValue::NULL)
                .set("expiresMs", JsValue::NULL),
        }
        .build())
    }

    /// The answer to a request whose grant verified but whose session has no live machine in
    /// this process (its socket is held elsewhere): the core's refusal (403
    /// `session_elsewhere`: a response that cannot be charged is not served) and its body.
    #[wasm_bindgen(js_name = grantElsewhere, unchecked_return_type = "Ws402HttpServe")]
    pub fn grant_elsewhere(#[wasm_bindgen(js_name = schemaUrl)] schema_url: &str) -> JsValue {
        refusal_js(host::Ws402Server::grant_elsewhere(), schema_url)
    }

    /// The session id (32 lowercase hex digits) a request's `WS402` grant names, unverified:
    /// only to load that session's record before `grantCheck`; `null` when none.
    #[wasm_bindgen(js_name = grantSessionId, unchecked_return_type = "string | null")]
    pub fn grant_session_id(authorization: Option<String>) -> JsValue {
        or_null(
            host::Ws402Server::grant_session_id(authorization.as_deref()),
            JsValue::from,
        )
    }

    /// The WS402 schema JSON for a socket at `wsUrl` (`paymentDetails`: the offers' x402 v2
    /// `PaymentRequired`).
    pub fn schema(&self, #[wasm_bindgen(js_name = wsUrl)] ws_url: &str) -> JsResult<String> {
        let bytes = self.inner.schema(ws_url).map_err(|e| error(&e))?;
        String::from_utf8(bytes).map_err(|_| arg_error("schema", "UTF-8"))
    }

    /// The WS402 schema JSON for a socket at `wsUrl`, with the original WS402's on-chain
    /// `paymentDetails` fields (`recipient`, `amountWei`, `chainId`, `reference`, `expiresAt`, …)
    /// when the policy has `chainProof`: `nowMs` is the wall clock (Unix ms), `referenceRandom`
    /// 8 random bytes for the `reference`. Without `chainProof`, the same as `schema`.
    #[wasm_bindgen(js_name = schemaAt)]
    pub fn schema_at(
        &self,
        #[wasm_bindgen(js_name = wsUrl)] ws_url: &str,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: &JsValue,
        #[wasm_bindgen(js_name = referenceRandom, unchecked_param_type = "Uint8Array")]
        reference_random: &JsValue,
    ) -> JsResult<String> {
        let now = uint(now_ms, "nowMs")?;
        let random: [u8; 8] = crate::convert::array(reference_random, "referenceRandom")?;
        let bytes = self
            .inner
            .schema_at(ws_url, now, random)
            .map_err(|e| error(&e))?;
        String::from_utf8(bytes).map_err(|_| arg_error("schema", "UTF-8"))
    }

    /// A session for a socket opened at `nowMs` (Unix ms); `id`: 16 random bytes
    /// (`Uint8Array` or hex).
    pub fn accept(
        &self,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] id: &JsValue,
    ) -> JsResult<Ws402Session> {
        let now = uint(now_ms, "nowMs")?;
        let id: [u8; 16] = crate::convert::array(id, "id")?;
        Ok(Ws402Session {
            inner: self.inner.accept(now, id),
        })
    }
}

/// One WS402 session: report each event, do the returned commands in order, arm one timer at
/// `timeout()`. Calls out of order throw `Ws402Error` (`session_out_of_order`,
/// `session_ended`, …) and change nothing.
#[wasm_bindgen(js_name = Ws402Session)]
#[derive(Debug)]
pub struct Ws402Session {
    inner: host::Ws402Session,
}

impl Ws402Session {
    fn on(&mut self, now_ms: &JsValue, input: SessionInput<'_>) -> JsResult<Array> {
        let now = uint(now_ms, "nowMs")?;
        let commands = self.inner.handle(now, input).map_err(|e| error(&e))?;
        Ok(commands.into_iter().map(command_js).collect())
    }
}

/// An HTTP answer's body: a `Uint8Array` or text, `None` for `null`/`undefined` (no answer).
fn body_of(response: &JsValue) -> JsResult<Option<Vec<u8>>> {
    if let Some(bytes) = response.dyn_ref::<Uint8Array>() {
        Ok(Some(bytes.to_vec()))
    } else if let Some(text) = response.as_string() {
        Ok(Some(text.into_bytes()))
    } else if present(response).is_none() {
        Ok(None)
    } else {
        Err(arg_error("response", "a Uint8Array, a string or null"))
    }
}

#[wasm_bindgen(js_class = Ws402Session)]
impl Ws402Session {
    /// A text frame from the client.
    #[wasm_bindgen(js_name = handleText, unchecked_return_type = "Ws402Command[]")]
    pub fn handle_text(
        &mut self,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: &JsValue,
        text: &str,
    ) -> JsResult<Array> {
        self.on(now_ms, SessionInput::Text(text.as_bytes()))
    }

    /// A binary frame from the client.
    #[wasm_bindgen(js_name = handleBinary, unchecked_return_type = "Ws402Command[]")]
    pub fn handle_binary(
        &mut self,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] frame: &JsValue,
    ) -> JsResult<Array> {
        let frame = frame
            .dyn_ref::<Uint8Array>()
            .ok_or_else(|| arg_error("frame", "a Uint8Array"))?
            .to_vec();
        self.on(now_ms, SessionInput::Binary(&frame))
    }

    /// The timer armed at `timeout()` fired.
    #[wasm_bindgen(unchecked_return_type = "Ws402Command[]")]
    pub fn timer(
        &mut self,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: &JsValue,
    ) -> JsResult<Array> {
        self.on(now_ms, SessionInput::Timer)
    }

    /// The socket closed with `code`, or without a close frame (absent or `null`: a drop).
    #[wasm_bindgen(unchecked_return_type = "Ws402Command[]")]
    pub fn closed(
        &mut self,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: &JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "number | null")] code: Option<JsValue>,
    ) -> JsResult<Array> {
        let code = match code.as_ref().and_then(present) {
            Some(c) => Some(
                u16::try_from(uint(c, "code")?)
                    .map_err(|_| arg_error("code", "a close code (0 to 65535)"))?,
            ),
            None => None,
        };
        self.on(now_ms, SessionInput::Closed(code))
    }

    /// The application ended the session (`error`: it failed).
    #[wasm_bindgen(js_name = appEnded, unchecked_return_type = "Ws402Command[]")]
    pub fn app_ended(
        &mut self,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: &JsValue,
        error: Option<bool>,
    ) -> JsResult<Array> {
        self.on(now_ms, SessionInput::AppEnded(error.unwrap_or(false)))
    }

    /// The application wants to send a frame of `size` bytes: send it only on `send_app_frame`.
    #[wasm_bindgen(js_name = appSend, unchecked_return_type = "Ws402Command[]")]
    pub fn app_send(
        &mut self,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] size: &JsValue,
    ) -> JsResult<Array> {
        let size = uint(size, "size")?;
        self.on(now_ms, SessionInput::AppSend(size))
    }

    /// An HTTP response of `bytes` body bytes is about to be served under this session's grant:
    /// the core charges it (body bytes at `perByteOut`, one message at `perMessage`) before it
    /// is sent. `status` 200: serve it, then do `commands` (the first is `serve_http`; the others
    /// end the session when the response took the last of the balance). Else do not serve it:
    /// answer `status` (402 `balance_insufficient`, 403 `session_suspended`, `session_ended`,
    /// `session_elsewhere`) with `body` (its 402 names `schemaUrl`); nothing changed.
    #[wasm_bindgen(js_name = httpServe, unchecked_return_type = "Ws402HttpServe")]
    pub fn http_serve(
        &mut self,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] bytes: &JsValue,
        #[wasm_bindgen(js_name = schemaUrl)] schema_url: &str,
    ) -> JsResult<JsValue> {
        let now = uint(now_ms, "nowMs")?;
        let bytes = uint(bytes, "bytes")?;
        Ok(
            match self.inner.http_serve(now, bytes).map_err(|e| error(&e))? {
                host::HttpServe::Served(commands) => Obj::new()
                    .set("status", 200)
                    .set("code", JsValue::NULL)
                    .set("body", JsValue::NULL)
                    .set(
                        "commands",
                        commands.into_iter().map(command_js).collect::<Array>(),
                    )
                    .build(),
                host::HttpServe::Refused(r) => refusal_js(r, schema_url),
            },
        )
    }

    /// The replay store's answer to `reserve`: `fresh`, `already_used` or `unavailable`.
    #[wasm_bindgen(unchecked_return_type = "Ws402Command[]")]
    pub fn reserved(
        &mut self,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "\"fresh\" | \"already_used\" | \"unavailable\"")]
        answer: &str,
    ) -> JsResult<Array> {
        let answer = match answer {
            "fresh" => Reservation::Fresh,
            "already_used" => Reservation::AlreadyUsed,
            "unavailable" => Reservation::Unavailable,
            _ => return Err(arg_error("answer", "fresh, already_used or unavailable")),
        };
        self.on(now_ms, SessionInput::Reserved(answer))
    }

    /// The `/settle` answer's JSON body (`Uint8Array` or text), or `null` when there was none
    /// (timeout, connection error, 5xx).
    #[wasm_bindgen(unchecked_return_type = "Ws402Command[]")]
    pub fn settled(
        &mut self,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | string | null")] response: &JsValue,
    ) -> JsResult<Array> {
        let body = body_of(response)?;
        self.on(now_ms, SessionInput::Settled(body.as_deref()))
    }

    /// The answer to `rpc`: the whole HTTP response body (`Uint8Array` or text), or `null` when
    /// the call failed (connection error, timeout, status ≠ 200). The core reads it.
    #[wasm_bindgen(js_name = rpcResponse, unchecked_return_type = "Ws402Command[]")]
    pub fn rpc_response(
        &mut self,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | string | null")] response: &JsValue,
    ) -> JsResult<Array> {
        let body = body_of(response)?;
        self.on(now_ms, SessionInput::RpcResponse(body.as_deref()))
    }

    /// The refund's outcome: `confirmed`, `pending` or `failed`.
    #[wasm_bindgen(unchecked_return_type = "Ws402Command[]")]
    pub fn refunded(
        &mut self,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "\"confirmed\" | \"pending\" | \"failed\"")]
        outcome: &str,
    ) -> JsResult<Array> {
        let outcome = match outcome {
            "confirmed" => RefundOutcome::Confirmed,
            "pending" => RefundOutcome::Pending,
            "failed" => RefundOutcome::Failed,
            _ => return Err(arg_error("outcome", "confirmed, pending or failed")),
        };
        self.on(now_ms, SessionInput::Refunded(outcome))
    }

    /// The store's answer to `persist`: `true` when written (created, or swapped from
    /// `expect`), `false` when another write came first (the session is then abandoned here).
    #[wasm_bindgen(unchecked_return_type = "Ws402Command[]")]
    pub fn persisted(
        &mut self,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: &JsValue,
        ok: bool,
    ) -> JsResult<Array> {
        self.on(now_ms, SessionInput::Persisted(ok))
    }

    /// The store's answer to `load`: the record's bytes, or `null` when there is none.
    #[wasm_bindgen(unchecked_return_type = "Ws402Command[]")]
    pub fn loaded(
        &mut self,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | null")] record: &JsValue,
    ) -> JsResult<Array> {
        let record = match present(record) {
            Some(r) => Some(crate::convert::bytes(r, "record")?),
            None => None,
        };
        self.on(now_ms, SessionInput::Loaded(record.as_deref()))
    }

    /// The commands queued without an input (a recovered session's), to do before anything
    /// else.
    #[wasm_bindgen(unchecked_return_type = "Ws402Command[]")]
    pub fn pending(&mut self) -> JsResult<Array> {
        let commands = self.inner.pending().map_err(|e| error(&e))?;
        Ok(commands.into_iter().map(command_js).collect())
    }

    /// The HTTP grant generation to issue this session's grants at (`ws402GrantIssue`);
    /// bumped by every resume, which revokes older grants.
    #[wasm_bindgen(getter, js_name = grantGeneration)]
    pub fn grant_generation(&self) -> u32 {
        self.inner.grant_generation()
    }

    /// The generation of the last record this session asked to write (0: none yet).
    #[wasm_bindgen(getter, js_name = recordGeneration, unchecked_return_type = "number")]
    pub fn record_generation(&self) -> JsValue {
        number(self.inner.record_generation())
    }

    /// When to call `timer` next (Unix ms); `null`: no timer.
    #[wasm_bindgen(unchecked_return_type = "number | null")]
    pub fn timeout(&self) -> JsValue {
        or_null(self.inner.timeout(), number)
    }

    /// The statement once the session ended, else `null`.
    #[wasm_bindgen(unchecked_return_type = "Ws402Statement | null")]
    pub fn statement(&self) -> JsValue {
        or_null(self.inner.statement(), |st| statement_js(&st))
    }

    /// Where the session is.
    #[wasm_bindgen(unchecked_return_type = "Ws402Phase")]
    pub fn phase(&self) -> String {
        self.inner.phase().name().to_owned()
    }

    /// The wire `sessionId` (32 lowercase hex digits).
    #[wasm_bindgen(js_name = sessionId)]
    pub fn session_id(&self) -> String {
        self.inner.session_id()
    }

    /// The verified payer (EVM EIP-55 address or Solana base58 key), once a payment was
    /// admitted; else `null`.
    #[wasm_bindgen(unchecked_return_type = "string | null")]
    pub fn payer(&self) -> JsValue {
        or_null(self.inner.payer(), |p| JsValue::from_str(&payer_text(p)))
    }
}
