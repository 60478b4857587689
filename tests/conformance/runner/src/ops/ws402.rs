//! `ws402.*` ops.

use super::{Outcome, code};
use crate::input;
use pay402::U256;
use pay402::u256::LeadingZeros;
use pay402::ws402::{
    Event, Meter, MeterConfig, SessionEvent, SessionOutcome, SessionRecord, Tariff, TariffConfig,
    TariffMeter,
};
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
/// vector also checks that a resumed session meters exactly like an uninterrupted one. The same
/// events also drive a [`TariffMeter`] with the time-only tariff, which must agree at every event.
pub(crate) fn meter(input: &Value) -> Outcome {
    let config = MeterConfig {
        price_per_second: amount(input, "price_per_second")?,
        paid: amount(input, "paid")?,
        max_session_seconds: input::u64(input, "max_session_seconds")?,
    };
    let start_ms = input::u64(input, "start_ms")?;
    let mut meter = Meter::start(config, start_ms);
    let mut tariff_meter = TariffMeter::start(config.into(), start_ms);
    let events = input::get(input, "events")?
        .as_array()
        .ok_or_else(|| input::bad("events"))?;
    for e in events {
        let at = input::u64(e, "at_ms")?;
        let n = e
            .get("n")
            .map(|v| v.as_u64().ok_or_else(|| input::bad("n")));
        let count = n.transpose()?;
        let event = Event::from_name(input::str(e, "kind")?, count).map_err(|e| code(&e))?;
        meter.on_event(at, event);
        let twin = SessionEvent::from(event);
        tariff_meter.on_event(at, twin).map_err(|e| code(&e))?;
        let end = |m: &Meter| {
            m.end()
                .map(|e| (e.reason.as_str(), e.at_ms, e.close_code()))
        };
        let end2 = |m: &TariffMeter| {
            m.end()
                .map(|e| (e.reason.as_str(), e.at_ms, e.close_code.unwrap_or(0)))
        };
        if (
            meter.consumed(),
            meter.bytes_in(),
            meter.bytes_out(),
            meter.messages(),
            end(&meter),
        ) != (
            tariff_meter.consumed(),
            tariff_meter.bytes_in(),
            tariff_meter.bytes_out(),
            tariff_meter.messages(),
            end2(&tariff_meter),
        ) {
            return Err(format!("the tariff meter disagrees with the meter at {at}"));
        }
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

fn opt_amount(input: &Value, key: &str) -> Result<U256, String> {
    match input.get(key) {
        None => Ok(U256::ZERO),
        Some(_) => amount(input, key),
    }
}

/// `ws402.session`: `tariff` {`per_second`, `per_byte_in`, `per_byte_out`, `per_message`: decimal
/// strings, absent = 0}, `paid`, `max_session_seconds`, `deadline_ms`?, `start_ms`, `events`
/// [{`at_ms`, `kind`, `n`?, `messages`?}] → the `ws402.meter` fields plus `active_ms`,
/// `suspended` and `steps` (per event: `running`, `send` (`may_send`), `serve` (`serve_http`
/// {`n`: body bytes}), `ended`, `already_ended` or the error code). Also the op
/// `ws402.grant.charge` (the same fields: an HTTP response charged to the session).
pub(crate) fn session(input: &Value) -> Outcome {
    let t = input::get(input, "tariff")?;
    let config = TariffConfig {
        tariff: Tariff {
            per_second: opt_amount(t, "per_second")?,
            per_byte_in: opt_amount(t, "per_byte_in")?,
            per_byte_out: opt_amount(t, "per_byte_out")?,
            per_message: opt_amount(t, "per_message")?,
        },
        paid: amount(input, "paid")?,
        max_session_seconds: input::u64(input, "max_session_seconds")?,
        deadline_ms: match input.get("deadline_ms") {
            None => None,
            Some(_) => Some(input::u64(input, "deadline_ms")?),
        },
    };
    let mut meter = TariffMeter::start(config, input::u64(input, "start_ms")?);
    let events = input::get(input, "events")?
        .as_array()
        .ok_or_else(|| input::bad("events"))?;
    let mut steps = Vec::new();
    for e in events {
        let at = input::u64(e, "at_ms")?;
        let n = || input::u64(e, "n");
        let n_or_1 = |key: &str| match e.get(key) {
            None => Ok(1),
            Some(_) => input::u64(e, key),
        };
        let result = match input::str(e, "kind")? {
            "may_send" => meter.may_send(at, n()?, n_or_1("messages")?),
            "serve_http" => meter.serve_http(at, n()?),
            kind => {
                let count = match e.get("n") {
                    None => None,
                    Some(_) => Some(n()?),
                };
                let event = SessionEvent::from_name(kind, count).map_err(|e| code(&e))?;
                meter.on_event(at, event)
            }
        };
        let kind = e.get("kind").and_then(Value::as_str);
        let is_send = kind == Some("may_send");
        let is_serve = kind == Some("serve_http");
        steps.push(match result {
            Ok(SessionOutcome::Running { .. }) if is_send => "send".to_owned(),
            Ok(SessionOutcome::Running { .. }) if is_serve => "serve".to_owned(),
            Ok(SessionOutcome::Running { .. }) => "running".to_owned(),
            Ok(SessionOutcome::Ended(_)) => "ended".to_owned(),
            Ok(SessionOutcome::AlreadyEnded(_)) => "already_ended".to_owned(),
            Err(e) => code(&e),
        });
    }
    let end = meter.end();
    Ok(json!({
        "consumed": meter.consumed().to_string(),
        "refund": meter.remaining().to_string(),
        "ended_by": end.map(|e| e.reason.as_str()),
        "ended_at_ms": end.map(|e| e.at_ms),
        "close_code": end.and_then(|e| e.close_code),
        "active_ms": meter.active_ms(),
        "suspended": meter.is_suspended(),
        "bytes_in": meter.bytes_in(),
        "bytes_out": meter.bytes_out(),
        "messages": meter.messages(),
        "steps": steps,
    }))
}
