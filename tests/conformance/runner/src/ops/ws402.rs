//! `ws402.*` ops.

use super::{Outcome, code};
use crate::input;
use pay402::U256;
use pay402::u256::LeadingZeros;
use pay402::ws402::{Event, Meter, MeterConfig, SessionRecord};
use serde_json::{Value, json};

fn amount(input: &Value, key: &str) -> Result<U256, String> {
    U256::parse_decimal(input::str(input, key)?.as_bytes(), LeadingZeros::Reject)
        .map_err(|_| input::bad(key))
}

/// `ws402.meter`: `price_per_second`, `paid`, `max_session_seconds`, `start_ms`, `events`
/// [{`at_ms`, `kind`, `n`?}] → `consumed`, `refund`, `ended_by`, `ended_at_ms` (null while
/// running), plus `close_code`, `bytes_in`, `bytes_out`, `messages`.
///
/// Between events the session is persisted and resumed through its byte record, so every
/// vector also checks that a resumed session meters exactly like an uninterrupted one.
pub(crate) fn meter(input: &Value) -> Outcome {
    let config = MeterConfig {
        price_per_second: amount(input, "price_per_second")?,
        paid: amount(input, "paid")?,
        max_session_seconds: input::u64(input, "max_session_seconds")?,
    };
    let mut meter = Meter::start(config, input::u64(input, "start_ms")?);
    let events = input::get(input, "events")?
        .as_array()
        .ok_or_else(|| input::bad("events"))?;
    for e in events {
        let at = input::u64(e, "at_ms")?;
        let n = e
            .get("n")
            .map(|v| v.as_u64().ok_or_else(|| input::bad("n")));
        let event = match input::str(e, "kind")? {
            "tick" => Event::Tick,
            "close" => Event::Close,
            "bytes_in" => Event::BytesIn(n.ok_or_else(|| input::bad("n"))??),
            "bytes_out" => Event::BytesOut(n.ok_or_else(|| input::bad("n"))??),
            "message" => Event::Message(n.transpose()?.unwrap_or(1)),
            _ => return Err(input::bad("kind")),
        };
        meter.on_event(at, event);
        let record = SessionRecord {
            meter,
            refund_to: None,
        }
        .encode();
        meter = SessionRecord::decode(&record).map_err(|e| code(&e))?.meter;
    }
    let end = meter.end();
    Ok(json!({
        "consumed": meter.consumed().to_string(),
        "refund": meter.remaining().to_string(),
        "ended_by": end.map(|e| e.reason.as_str()),
        "ended_at_ms": end.map(|e| e.at_ms),
        "close_code": end.map(|e| e.close_code()),
        "bytes_in": meter.bytes_in(),
        "bytes_out": meter.bytes_out(),
        "messages": meter.messages(),
    }))
}
