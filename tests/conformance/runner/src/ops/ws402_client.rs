//! `ws402.client`: the client tracker (`pay402::ws402::ClientSession`) over a sequence of server
//! frames and client writes.

use super::Outcome;
use super::code;
use crate::input;
use pay402::u256::{LeadingZeros, U256};
use pay402::ws402::{ClientEvent, ClientSession};
use serde_json::{Value, json};

fn amount(input: &Value, key: &str) -> Result<U256, String> {
    U256::parse_decimal(input::str(input, key)?.as_bytes(), LeadingZeros::Reject)
        .map_err(|_| input::bad(key))
}

fn dec(v: &U256) -> String {
    let mut buf = [0u8; 78];
    v.to_decimal(&mut buf).to_owned()
}

fn text(s: Option<pay402::json::JsonStr<'_>>) -> Value {
    s.map_or(Value::Null, |s| Value::String(s.to_string()))
}

fn event(e: &ClientEvent<'_>) -> Value {
    let mut v = match e {
        ClientEvent::Application
        | ClientEvent::Started { .. }
        | ClientEvent::Usage { .. }
        | ClientEvent::Resumed { .. } => json!({}),
        ClientEvent::BalanceExhausted { message } | ClientEvent::MaxDurationReached { message } => {
            json!({ "message": text(*message) })
        }
        ClientEvent::HttpAccessGranted {
            http_token,
            resource_url,
            message,
        } => json!({
            "http_token": http_token.to_string(),
            "resource_url": resource_url.to_string(),
            "message": text(*message),
        }),
        ClientEvent::PaymentRejected { reason } | ClientEvent::ResumeRefused { reason } => {
            json!({ "reason": reason.to_string() })
        }
        ClientEvent::Ended(s) => json!({
            "session_id": s.session_id.to_string(),
            "ended_by": s.ended_by.to_string(),
            "paid": dec(&s.paid),
            "consumed": dec(&s.consumed),
            "settled": dec(&s.settled),
            "refund": dec(&s.refund),
            "payer": text(s.payer),
            "settlement_tx": text(s.settlement_tx),
            "refund_tx": text(s.refund_tx),
        }),
    };
    match e {
        ClientEvent::Started {
            balance,
            price_per_second,
        } => {
            v["balance"] = json!(dec(balance));
            v["price_per_second"] = json!(dec(price_per_second));
        }
        ClientEvent::Usage {
            elapsed_seconds,
            consumed,
            remaining,
            bytes_transferred,
            message_count,
        } => {
            v["elapsed_seconds"] = json!(elapsed_seconds);
            v["consumed"] = json!(dec(consumed));
            v["remaining"] = json!(dec(remaining));
            v["bytes_transferred"] = json!(bytes_transferred);
            v["message_count"] = json!(message_count);
        }
        ClientEvent::Resumed {
            consumed,
            remaining,
        } => {
            v["consumed"] = json!(dec(consumed));
            v["remaining"] = json!(dec(remaining));
        }
        _ => {}
    }
    v["kind"] = json!(e.kind());
    v
}

fn state(s: &ClientSession) -> Value {
    let mut id = [0u8; 256];
    json!({
        "phase": s.phase().as_str(),
        "balance": dec(&s.balance()),
        "consumed": dec(&s.consumed()),
        "remaining": dec(&s.remaining()),
        "session_id": s.session_id(&mut id).ok().flatten(),
        "resume_token": s.resume_token(),
    })
}

/// `ws402.client`: `authorized`, `price_per_second` (decimal strings), `steps` (each `{frame}`
/// or `{write, header_value?}`) → `steps`: per step `event` | `frame` | `error`, and `state`.
pub(crate) fn client(input: &Value) -> Outcome {
    let mut s = ClientSession::new(
        amount(input, "authorized")?,
        amount(input, "price_per_second")?,
    );
    let steps = input::get(input, "steps")?
        .as_array()
        .ok_or_else(|| input::bad("steps"))?;
    let mut out = Vec::with_capacity(steps.len());
    for step in steps {
        let mut result = if let Some(frame) = input::opt_str(step, "frame") {
            match s.on_text(frame.as_bytes()) {
                Ok(e) => json!({ "event": event(&e) }),
                Err(e) => json!({ "error": code(&e) }),
            }
        } else {
            let mut buf = vec![0u8; 1024];
            let written = match input::str(step, "write")? {
                "payment_proof" => {
                    s.write_payment_proof(input::str(step, "header_value")?, &mut buf)
                }
                "end_session" => s.write_end_session(&mut buf),
                "resume_session" => s.write_resume_session(&mut buf),
                _ => return Err(input::bad("write")),
            };
            match written {
                Ok(n) => json!({ "frame": String::from_utf8_lossy(&buf[..n]) }),
                Err(e) => json!({ "error": code(&e) }),
            }
        };
        result["state"] = state(&s);
        out.push(result);
    }
    Ok(json!({ "steps": out }))
}
