//! `ws402.message.*` ops: the WS402 wire messages (and later the sealed record and HTTP grants).

use super::{Outcome, code};
use crate::input;
use pay402::ws402::{AmountEncoding, Message};
use serde_json::{Value, json};

fn frame_of(msg: &Message<'_>, amounts: AmountEncoding, hint: usize) -> Outcome {
    let mut buf = vec![0u8; hint * 2 + 256];
    let n = msg.write(&mut buf, amounts).map_err(|e| code(&e))?;
    buf.truncate(n);
    String::from_utf8(buf)
        .map_err(|_| "frame is not UTF-8".to_owned())
        .map(Value::String)
}

/// `ws402.message.decode`: `frame` (text) → `type`, `frame` (the canonical frame, amounts as
/// decimal strings).
pub(crate) fn message_decode(input: &Value) -> Outcome {
    let frame = input::str(input, "frame")?;
    let msg = Message::decode(frame.as_bytes()).map_err(|e| code(&e))?;
    Ok(json!({
        "type": msg.type_name(),
        "frame": frame_of(&msg, AmountEncoding::String, frame.len())?,
    }))
}

/// `ws402.message.encode`: `message` (a JSON object), `amounts`? (`string`, the default, or
/// `number_when_safe`) → `frame`.
pub(crate) fn message_encode(input: &Value) -> Outcome {
    let message = input::get(input, "message")?.to_string();
    let amounts = match input.get("amounts") {
        None => AmountEncoding::String,
        Some(_) => AmountEncoding::from_name(input::str(input, "amounts")?)
            .ok_or_else(|| input::bad("amounts"))?,
    };
    let msg = Message::decode(message.as_bytes()).map_err(|e| code(&e))?;
    Ok(json!({ "frame": frame_of(&msg, amounts, message.len())? }))
}
