//! The WS402 client tracker: `Ws402ClientSession`.
//!
//! Conversion only: amounts as `bigint`s, frames from `string`/`Uint8Array`, events to plain
//! objects. Every verdict is `pay402::ws402::ClientSession`'s.

use crate::convert::{Obj, bigint, exact, u256};
use crate::errors::{JsResult, arg_error, core_error};
use pay402::json::JsonStr;
use pay402::ws402::{ClientError, ClientEvent, ClientSession, MAX_CLIENT_SESSION_ID_LEN};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS: &str = r#"
/** What an accepted WS402 server frame means for the client; `kind` says which fields are set. */
export type Ws402ClientEvent =
  | { kind: "application" }
  | { kind: "started"; balance: bigint; pricePerSecond: bigint }
  | {
      kind: "usage"; /** A number, or a bigint beyond 2^53. */ elapsedSeconds: number | bigint;
      consumed: bigint; remaining: bigint; bytesTransferred: number | bigint; messageCount: number | bigint;
    }
  | { kind: "balance_exhausted" | "max_duration_reached"; message: string | null }
  | { kind: "http_access_granted"; httpToken: string; resourceUrl: string; message: string | null }
  | { kind: "payment_rejected" | "resume_refused"; reason: string }
  | { kind: "resumed"; consumed: bigint; remaining: bigint }
  | {
      kind: "ended"; sessionId: string; endedBy: string; paid: bigint; consumed: bigint; settled: bigint;
      refund: bigint; payer: string | null; settlementTx: string | null; refundTx: string | null;
    };
/** Where a client session is. */
export type Ws402ClientPhase = "awaiting_start" | "running" | "closing" | "resuming" | "ended" | "rejected";
"#;

fn error(e: &ClientError) -> JsValue {
    core_error("Ws402Error", e, None)
}

fn text(s: &JsonStr<'_>) -> JsValue {
    JsValue::from_str(&s.to_string())
}

fn opt_text(s: Option<&JsonStr<'_>>) -> JsValue {
    s.map_or(JsValue::NULL, text)
}

fn event_js(e: &ClientEvent<'_>) -> JsValue {
    let o = Obj::new().set("kind", e.kind());
    match e {
        ClientEvent::Application => o,
        ClientEvent::Started {
            balance,
            price_per_second,
        } => o
            .set("balance", bigint(balance))
            .set("pricePerSecond", bigint(price_per_second)),
        ClientEvent::Usage {
            elapsed_seconds,
            consumed,
            remaining,
            bytes_transferred,
            message_count,
        } => o
            .set("elapsedSeconds", exact(*elapsed_seconds))
            .set("consumed", bigint(consumed))
            .set("remaining", bigint(remaining))
            .set("bytesTransferred", exact(*bytes_transferred))
            .set("messageCount", exact(*message_count)),
        ClientEvent::BalanceExhausted { message } | ClientEvent::MaxDurationReached { message } => {
            o.set("message", opt_text(message.as_ref()))
        }
        ClientEvent::HttpAccessGranted {
            http_token,
            resource_url,
            message,
        } => o
            .set("httpToken", text(http_token))
            .set("resourceUrl", text(resource_url))
            .set("message", opt_text(message.as_ref())),
        ClientEvent::PaymentRejected { reason } | ClientEvent::ResumeRefused { reason } => {
            o.set("reason", text(reason))
        }
        ClientEvent::Resumed {
            consumed,
            remaining,
        } => o
            .set("consumed", bigint(consumed))
            .set("remaining", bigint(remaining)),
        ClientEvent::Ended(s) => o
            .set("sessionId", text(&s.session_id))
            .set("endedBy", text(&s.ended_by))
            .set("paid", bigint(&s.paid))
            .set("consumed", bigint(&s.consumed))
            .set("settled", bigint(&s.settled))
            .set("refund", bigint(&s.refund))
            .set("payer", opt_text(s.payer.as_ref()))
            .set("settlementTx", opt_text(s.settlement_tx.as_ref()))
            .set("refundTx", opt_text(s.refund_tx.as_ref())),
    }
    .build()
}

fn frame_bytes(v: &JsValue) -> JsResult<Vec<u8>> {
    if let Some(s) = v.as_string() {
        return Ok(s.into_bytes());
    }
    v.dyn_ref::<js_sys::Uint8Array>()
        .map(js_sys::Uint8Array::to_vec)
        .ok_or_else(|| arg_error("frame", "a string or a Uint8Array"))
}

fn written(buf: &[u8], r: Result<usize, ClientError>) -> JsResult<String> {
    let n = r.map_err(|e| error(&e))?;
    Ok(String::from_utf8_lossy(buf.get(..n).unwrap_or_default()).into_owned())
}

/// The client side of one WS402 session: `authorized` is what the payment authorizes (x402
/// `exact`: the value paid; `upto`: the signed maximum), `pricePerSecond` the price of the
/// schema paid. `onText` classifies and checks every server text frame against the client's
/// money and the phase; a refused frame throws a `Ws402Error` (`server_overcharged`,
/// `consumed_decreased`, `balance_mismatch`, `before_start`, `after_end`, …) and changes
/// nothing.
#[wasm_bindgen(js_name = Ws402ClientSession)]
#[derive(Debug, Clone)]
pub struct Ws402ClientSession {
    inner: ClientSession,
}

#[wasm_bindgen(js_class = Ws402ClientSession)]
impl Ws402ClientSession {
    /// A session paid with `authorized` at `pricePerSecond` (atomic units).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "bigint")] authorized: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "bigint")] price_per_second: &JsValue,
    ) -> JsResult<Ws402ClientSession> {
        Ok(Self {
            inner: ClientSession::new(
                u256(authorized, "authorized")?,
                u256(price_per_second, "pricePerSecond")?,
            ),
        })
    }

    /// Classifies and checks one server text frame.
    #[wasm_bindgen(js_name = onText, unchecked_return_type = "Ws402ClientEvent")]
    pub fn on_text(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] frame: &JsValue,
    ) -> JsResult<JsValue> {
        let frame = frame_bytes(frame)?;
        self.inner
            .on_text(&frame)
            .map(|e| event_js(&e))
            .map_err(|e| error(&e))
    }

    /// The `payment_proof` frame carrying the x402 payment header value (before the start).
    #[wasm_bindgen(js_name = writePaymentProof)]
    pub fn write_payment_proof(&self, header_value: &str) -> JsResult<String> {
        let mut buf = vec![0u8; header_value.len() * 6 + 64];
        let r = self.inner.write_payment_proof(header_value, &mut buf);
        written(&buf, r)
    }

    /// The `end_session` frame (while running or closing).
    #[wasm_bindgen(js_name = writeEndSession)]
    pub fn write_end_session(&self) -> JsResult<String> {
        let mut buf = [0u8; 64];
        let r = self.inner.write_end_session(&mut buf);
        written(&buf, r)
    }

    /// The `resume_session` frame for a new connection; the session moves to `resuming`.
    #[wasm_bindgen(js_name = writeResumeSession)]
    pub fn write_resume_session(&mut self) -> JsResult<String> {
        let mut buf = [0u8; 1024];
        let r = self.inner.write_resume_session(&mut buf);
        written(&buf, r)
    }

    /// Where the session is.
    #[wasm_bindgen(getter, unchecked_return_type = "Ws402ClientPhase")]
    pub fn phase(&self) -> String {
        self.inner.phase().as_str().to_owned()
    }

    /// What the client authorized.
    #[wasm_bindgen(getter, unchecked_return_type = "bigint")]
    pub fn authorized(&self) -> JsValue {
        bigint(&self.inner.authorized())
    }

    /// The price per second the client paid.
    #[wasm_bindgen(getter, js_name = pricePerSecond, unchecked_return_type = "bigint")]
    pub fn price_per_second(&self) -> JsValue {
        bigint(&self.inner.price_per_second())
    }

    /// The session's balance; 0n before the start.
    #[wasm_bindgen(getter, unchecked_return_type = "bigint")]
    pub fn balance(&self) -> JsValue {
        bigint(&self.inner.balance())
    }

    /// The latest accepted consumed amount.
    #[wasm_bindgen(getter, unchecked_return_type = "bigint")]
    pub fn consumed(&self) -> JsValue {
        bigint(&self.inner.consumed())
    }

    /// `balance − consumed`.
    #[wasm_bindgen(getter, unchecked_return_type = "bigint")]
    pub fn remaining(&self) -> JsValue {
        bigint(&self.inner.remaining())
    }

    /// The `sessionId` of `session_started`; `null` before.
    #[wasm_bindgen(getter, js_name = sessionId, unchecked_return_type = "string | null")]
    pub fn session_id(&self) -> JsValue {
        let mut buf = [0u8; MAX_CLIENT_SESSION_ID_LEN];
        match self.inner.session_id(&mut buf) {
            Ok(Some(id)) => JsValue::from_str(id),
            _ => JsValue::NULL,
        }
    }

    /// The `resumeToken` of `session_started`; `null` when the server does not resume.
    #[wasm_bindgen(getter, js_name = resumeToken, unchecked_return_type = "string | null")]
    pub fn resume_token(&self) -> JsValue {
        self.inner
            .resume_token()
            .map_or(JsValue::NULL, JsValue::from_str)
    }
}
