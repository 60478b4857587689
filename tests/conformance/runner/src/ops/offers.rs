//! `offers.*` ops (Fewsats L402 offers, l402-protocol/l402).

use super::{Outcome, code};
use crate::input;
use pay402::offers::OffersBody;
use serde_json::{Map, Value, json};

/// `offers.decode`: `body` (the 402 JSON text) → `version`, `payment_request_url`,
/// `payment_context_token`, `offers` [{`id`, `title`, `description`, `amount`, `currency`,
/// `type`, `balance`?, `duration`?, `payment_methods`}], `terms_url` (null when absent).
/// Absent `title`/`description` are null; `amount` and `balance` are JSON integers (exact at any
/// size); `type` is the string as the body gives it, known to pay402 or not.
///
/// The decoded body is also re-encoded and decoded again: the canonical form must decode to
/// the same value.
pub(crate) fn decode(input: &Value) -> Outcome {
    let text = input::str(input, "body")?;
    let body = OffersBody::decode(text.as_bytes()).map_err(|e| code(&e))?;
    let mut buf = vec![0u8; text.len() * 2 + 256];
    let mut w = pay402::writer::Writer::new(&mut buf);
    body.encode(&mut w).map_err(|e| code(&e))?;
    let again = OffersBody::decode(w.written()).map_err(|e| format!("reencode:{}", code(&e)))?;
    if again != body {
        return Err("canonical re-encoding decodes differently".into());
    }
    let offers: Vec<Value> = body
        .offers
        .iter()
        .map(|o| -> Result<Value, String> {
            let mut m = Map::new();
            m.insert("id".into(), json!(o.id.to_string()));
            m.insert("title".into(), json!(o.title.map(|t| t.to_string())));
            m.insert(
                "description".into(),
                json!(o.description.map(|t| t.to_string())),
            );
            m.insert("amount".into(), integer(&o.amount.to_string())?);
            m.insert("currency".into(), json!(o.currency.to_string()));
            m.insert("type".into(), json!(o.type_name.to_string()));
            if let Some(b) = o.balance {
                m.insert("balance".into(), json!(b));
            }
            if let Some(d) = o.duration {
                m.insert("duration".into(), json!(d.to_string()));
            }
            let methods: Vec<String> = o.payment_methods.iter().map(ToString::to_string).collect();
            m.insert("payment_methods".into(), json!(methods));
            Ok(Value::Object(m))
        })
        .collect::<Result<_, String>>()?;
    Ok(json!({
        "version": body.version.to_string(),
        "payment_request_url": body.payment_request_url.to_string(),
        "payment_context_token": body.payment_context_token.to_string(),
        "offers": offers,
        "terms_url": body.terms_url.map(|t| t.to_string()),
    }))
}

/// A decimal string as a JSON integer (`serde_json` keeps any size with `arbitrary_precision`).
fn integer(decimal: &str) -> Result<Value, String> {
    decimal
        .parse::<serde_json::Number>()
        .map(Value::Number)
        .map_err(|e| format!("amount {decimal}: {e}"))
}
