//! WS402 metering: a paid WebSocket session billed per second (`Ws402Meter`), or by a tariff
//! per second, byte and message with suspend/resume and a deadline (`Ws402TariffMeter`).

use crate::convert::{Obj, bigint, get, number, opt_uint, u256, uint};
use crate::errors::{JsResult, core_error};
use pay402::ws402::{
    End, Event, Meter, MeterConfig, Outcome, SessionEnd, SessionEvent, SessionOutcome,
    SessionRecord, Tariff, TariffConfig, TariffMeter,
};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS: &str = r#"
export interface Ws402MeterConfig { pricePerSecond: bigint; paid: bigint; maxSessionSeconds: number | bigint }
export type Ws402EventKind = "tick" | "close" | "bytes_in" | "bytes_out" | "message";
export interface Ws402End {
  reason: "client_close" | "balance_exhausted" | "max_duration"; /** A number, or a bigint beyond 2^53. */
  atMs: number | bigint; consumed: bigint; refund: bigint; closeCode: number;
}
export interface Ws402Outcome { state: "running" | "ended" | "already_ended"; consumed: bigint; end?: Ws402End }
"#;

fn end_js(e: &End) -> JsValue {
    Obj::new()
        .set("reason", e.reason.as_str())
        .set("atMs", crate::convert::exact(e.at_ms))
        .set("consumed", bigint(&e.consumed))
        .set("refund", bigint(&e.refund))
        .set("closeCode", e.close_code())
        .build()
}

/// One metered session: `consumed = min(paid, floor(price × elapsed_ms / 1000))`, ended
/// exactly once (client close, balance exhausted or max duration).
#[wasm_bindgen(js_name = Ws402Meter)]
#[derive(Debug, Clone, Copy)]
pub struct Ws402Meter {
    meter: Meter,
}

#[wasm_bindgen(js_class = Ws402Meter)]
impl Ws402Meter {
    /// Starts a session at `startMs` (unix milliseconds).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "Ws402MeterConfig")] config: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | bigint")] start_ms: &JsValue,
    ) -> JsResult<Ws402Meter> {
        let config = MeterConfig {
            price_per_second: u256(&get(config, "pricePerSecond"), "pricePerSecond")?,
            paid: u256(&get(config, "paid"), "paid")?,
            max_session_seconds: uint(&get(config, "maxSessionSeconds"), "maxSessionSeconds")?,
        };
        Ok(Self {
            meter: Meter::start(config, uint(start_ms, "startMs")?),
        })
    }

    /// Reports an event at `atMs`; `n` counts bytes or messages (messages default to 1).
    #[wasm_bindgen(js_name = onEvent, unchecked_return_type = "Ws402Outcome")]
    pub fn on_event(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "number | bigint")] at_ms: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "Ws402EventKind")] kind: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "number | bigint")] n: Option<JsValue>,
    ) -> JsResult<JsValue> {
        let at = uint(at_ms, "atMs")?;
        let n = opt_uint(&n.unwrap_or(JsValue::UNDEFINED), "n")?;
        let event = Event::from_name(kind, n).map_err(|e| core_error("Ws402Error", &e, None))?;
        Ok(match self.meter.on_event(at, event) {
            Outcome::Running { consumed } => Obj::new()
                .set("state", "running")
                .set("consumed", bigint(&consumed)),
            Outcome::Ended(e) => Obj::new()
                .set("state", "ended")
                .set("consumed", bigint(&e.consumed))
                .set("end", end_js(&e)),
            Outcome::AlreadyEnded(e) => Obj::new()
                .set("state", "already_ended")
                .set("consumed", bigint(&e.consumed))
                .set("end", end_js(&e)),
        }
        .build())
    }

    /// Consumed so far (atomic units).
    #[wasm_bindgen(getter, unchecked_return_type = "bigint")]
    pub fn consumed(&self) -> JsValue {
        bigint(&self.meter.consumed())
    }

    /// `paid − consumed`.
    #[wasm_bindgen(getter, unchecked_return_type = "bigint")]
    pub fn remaining(&self) -> JsValue {
        bigint(&self.meter.remaining())
    }

    /// How the session ended, or `null` while it runs.
    #[wasm_bindgen(getter, unchecked_return_type = "Ws402End | null")]
    pub fn end(&self) -> JsValue {
        self.meter.end().as_ref().map_or(JsValue::NULL, end_js)
    }

    /// Bytes received.
    #[wasm_bindgen(getter, js_name = bytesIn)]
    pub fn bytes_in(&self) -> f64 {
        number(self.meter.bytes_in()).as_f64().unwrap_or(0.0)
    }

    /// Bytes sent.
    #[wasm_bindgen(getter, js_name = bytesOut)]
    pub fn bytes_out(&self) -> f64 {
        number(self.meter.bytes_out()).as_f64().unwrap_or(0.0)
    }

    /// Messages exchanged.
    #[wasm_bindgen(getter)]
    pub fn messages(&self) -> f64 {
        number(self.meter.messages()).as_f64().unwrap_or(0.0)
    }

    /// The session as a fixed-size byte record, to persist and resume with `fromRecord`.
    #[wasm_bindgen(js_name = toRecord)]
    pub fn to_record(&self) -> Vec<u8> {
        SessionRecord {
            meter: self.meter,
            refund_to: None,
        }
        .encode()
        .to_vec()
    }

    /// Resumes a session from its record.
    #[wasm_bindgen(js_name = fromRecord)]
    pub fn from_record(record: &[u8]) -> JsResult<Ws402Meter> {
        let record =
            SessionRecord::decode(record).map_err(|e| core_error("Ws402Error", &e, None))?;
        Ok(Self {
            meter: record.meter,
        })
    }
}

// --- The tariff meter (v2). `Ws402Meter` above is unchanged.

#[wasm_bindgen(typescript_custom_section)]
const TS_TARIFF: &str = r#"
/** Prices in atomic units (an absent price is 0); `deadlineMs` on the events' clock (absent: none). */
export interface Ws402TariffConfig {
  perSecond?: bigint; perByteIn?: bigint; perByteOut?: bigint; perMessage?: bigint;
  paid: bigint; maxSessionSeconds: number | bigint; deadlineMs?: number | bigint;
}
export type Ws402SessionEventKind = "tick" | "client_close" | "server_close" | "server_error" | "suspend"
  | "resume" | "grace_expired" | "bytes_in" | "bytes_out" | "message";
export interface Ws402TariffEnd {
  reason: "client_close" | "balance_exhausted" | "max_duration" | "deadline" | "server_close" | "connection_lost";
  /** A number, or a bigint beyond 2^53. */
  atMs: number | bigint;
  /** 1000, 1011 after `server_error`; null for `connection_lost` (there is no socket). */
  closeCode: number | null;
  consumed: bigint; refund: bigint;
}
/** `running` (from `maySend`: send the frame), `ended` (returned once; from `maySend`: do not send), `already_ended`. */
export interface Ws402TariffOutcome { state: "running" | "ended" | "already_ended"; consumed: bigint; end?: Ws402TariffEnd }
"#;

fn tariff_end_js(e: &SessionEnd) -> JsValue {
    Obj::new()
        .set("reason", e.reason.as_str())
        .set("atMs", crate::convert::exact(e.at_ms))
        .set(
            "closeCode",
            e.close_code.map_or(JsValue::NULL, JsValue::from),
        )
        .set("consumed", bigint(&e.consumed))
        .set("refund", bigint(&e.refund))
        .build()
}

fn tariff_outcome_js(o: SessionOutcome) -> JsValue {
    match o {
        SessionOutcome::Running { consumed } => Obj::new()
            .set("state", "running")
            .set("consumed", bigint(&consumed)),
        SessionOutcome::Ended(e) => Obj::new()
            .set("state", "ended")
            .set("consumed", bigint(&e.consumed))
            .set("end", tariff_end_js(&e)),
        SessionOutcome::AlreadyEnded(e) => Obj::new()
            .set("state", "already_ended")
            .set("consumed", bigint(&e.consumed))
            .set("end", tariff_end_js(&e)),
    }
    .build()
}

fn opt_price(config: &JsValue, key: &str) -> JsResult<pay402::U256> {
    let v = get(config, key);
    if v.is_undefined() || v.is_null() {
        Ok(pay402::U256::ZERO)
    } else {
        u256(&v, key)
    }
}

/// One session metered by a tariff: `consumed = min(paid, floor(perSecond × activeMs / 1000) +
/// bytesIn × perByteIn + bytesOut × perByteOut + messages × perMessage)`, where `activeMs`
/// leaves out suspended time and is capped at `maxSessionSeconds`; `deadlineMs` bounds the
/// session on the wall clock. Ended exactly once. A refused event throws a `Ws402Error`
/// (`session_suspended`, `session_not_suspended`) and changes nothing.
#[wasm_bindgen(js_name = Ws402TariffMeter)]
#[derive(Debug, Clone, Copy)]
pub struct Ws402TariffMeter {
    meter: TariffMeter,
}

#[wasm_bindgen(js_class = Ws402TariffMeter)]
impl Ws402TariffMeter {
    /// Starts a session at `startMs` (the events' clock, e.g. unix milliseconds), running.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "Ws402TariffConfig")] config: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | bigint")] start_ms: &JsValue,
    ) -> JsResult<Ws402TariffMeter> {
        let config = TariffConfig {
            tariff: Tariff {
                per_second: opt_price(config, "perSecond")?,
                per_byte_in: opt_price(config, "perByteIn")?,
                per_byte_out: opt_price(config, "perByteOut")?,
                per_message: opt_price(config, "perMessage")?,
            },
            paid: u256(&get(config, "paid"), "paid")?,
            max_session_seconds: uint(&get(config, "maxSessionSeconds"), "maxSessionSeconds")?,
            deadline_ms: opt_uint(&get(config, "deadlineMs"), "deadlineMs")?,
        };
        Ok(Self {
            meter: TariffMeter::start(config, uint(start_ms, "startMs")?),
        })
    }

    /// Reports an event at `atMs`; `n` counts bytes (`bytes_in`, `bytes_out`: required) or
    /// messages (`message`: default 1).
    #[wasm_bindgen(js_name = onEvent, unchecked_return_type = "Ws402TariffOutcome")]
    pub fn on_event(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "number | bigint")] at_ms: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "Ws402SessionEventKind")] kind: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "number | bigint")] n: Option<JsValue>,
    ) -> JsResult<JsValue> {
        let at = uint(at_ms, "atMs")?;
        let n = opt_uint(&n.unwrap_or(JsValue::UNDEFINED), "n")?;
        let event =
            SessionEvent::from_name(kind, n).map_err(|e| core_error("Ws402Error", &e, None))?;
        let outcome = self
            .meter
            .on_event(at, event)
            .map_err(|e| core_error("Ws402Error", &e, None))?;
        Ok(tariff_outcome_js(outcome))
    }

    /// Asks, before sending a frame of `bytes` bytes counted as `messages` messages (default 1),
    /// whether the balance pays for it at `atMs` (accruing like a tick). `running`: send it,
    /// then report `bytes_out` and `message`. `ended`: do not send it; the session ends.
    #[wasm_bindgen(js_name = maySend, unchecked_return_type = "Ws402TariffOutcome")]
    pub fn may_send(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "number | bigint")] at_ms: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | bigint")] bytes: &JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "number | bigint")] messages: Option<
            JsValue,
        >,
    ) -> JsResult<JsValue> {
        let at = uint(at_ms, "atMs")?;
        let bytes = uint(bytes, "bytes")?;
        let messages = opt_uint(&messages.unwrap_or(JsValue::UNDEFINED), "messages")?.unwrap_or(1);
        let outcome = self
            .meter
            .may_send(at, bytes, messages)
            .map_err(|e| core_error("Ws402Error", &e, None))?;
        Ok(tariff_outcome_js(outcome))
    }

    /// Charges an HTTP response of `bytes` body bytes (one message) at `atMs` before it is sent:
    /// `running` (serve it) or `ended` (serve it: it took the last of the balance). A refusal
    /// throws a `Ws402Error` (`balance_insufficient`, `session_ended`, `session_suspended`) and
    /// changes nothing.
    #[wasm_bindgen(js_name = serveHttp, unchecked_return_type = "Ws402TariffOutcome")]
    pub fn serve_http(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "number | bigint")] at_ms: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | bigint")] bytes: &JsValue,
    ) -> JsResult<JsValue> {
        let outcome = self
            .meter
            .serve_http(uint(at_ms, "atMs")?, uint(bytes, "bytes")?)
            .map_err(|e| core_error("Ws402Error", &e, None))?;
        Ok(tariff_outcome_js(outcome))
    }

    /// Consumed so far (atomic units).
    #[wasm_bindgen(getter, unchecked_return_type = "bigint")]
    pub fn consumed(&self) -> JsValue {
        bigint(&self.meter.consumed())
    }

    /// `paid − consumed`.
    #[wasm_bindgen(getter, unchecked_return_type = "bigint")]
    pub fn remaining(&self) -> JsValue {
        bigint(&self.meter.remaining())
    }

    /// The prepaid amount (atomic units).
    #[wasm_bindgen(getter, unchecked_return_type = "bigint")]
    pub fn paid(&self) -> JsValue {
        bigint(&self.meter.config().paid)
    }

    /// How the session ended, or `null` while it runs.
    #[wasm_bindgen(getter, unchecked_return_type = "Ws402TariffEnd | null")]
    pub fn end(&self) -> JsValue {
        self.meter
            .end()
            .as_ref()
            .map_or(JsValue::NULL, tariff_end_js)
    }

    /// Active (billed) time in ms, capped at the maximum duration: a number, or a bigint beyond 2^53.
    #[wasm_bindgen(getter, js_name = activeMs, unchecked_return_type = "number | bigint")]
    pub fn active_ms(&self) -> JsValue {
        crate::convert::exact(self.meter.active_ms())
    }

    /// Whether the session is suspended (and not ended).
    #[wasm_bindgen(getter)]
    pub fn suspended(&self) -> bool {
        self.meter.is_suspended()
    }

    /// Bytes received and counted: a number, or a bigint beyond 2^53.
    #[wasm_bindgen(getter, js_name = bytesIn, unchecked_return_type = "number | bigint")]
    pub fn bytes_in(&self) -> JsValue {
        crate::convert::exact(self.meter.bytes_in())
    }

    /// Bytes sent and counted: a number, or a bigint beyond 2^53.
    #[wasm_bindgen(getter, js_name = bytesOut, unchecked_return_type = "number | bigint")]
    pub fn bytes_out(&self) -> JsValue {
        crate::convert::exact(self.meter.bytes_out())
    }

    /// Messages counted: a number, or a bigint beyond 2^53.
    #[wasm_bindgen(getter, unchecked_return_type = "number | bigint")]
    pub fn messages(&self) -> JsValue {
        crate::convert::exact(self.meter.messages())
    }
}
