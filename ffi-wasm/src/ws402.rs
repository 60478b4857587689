//! WS402 metering: a paid WebSocket session billed per second.

use crate::convert::{Obj, bigint, get, number, opt_uint, u256, uint};
use crate::errors::{JsResult, arg_error, core_error};
use pay402::ws402::{End, Event, Meter, MeterConfig, Outcome, SessionRecord};
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
        let need = || n.ok_or_else(|| arg_error("n", "a count"));
        let event = match kind {
            "tick" => Event::Tick,
            "close" => Event::Close,
            "bytes_in" => Event::BytesIn(need()?),
            "bytes_out" => Event::BytesOut(need()?),
            "message" => Event::Message(n.unwrap_or(1)),
            _ => {
                return Err(arg_error(
                    "kind",
                    "tick, close, bytes_in, bytes_out or message",
                ));
            }
        };
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
