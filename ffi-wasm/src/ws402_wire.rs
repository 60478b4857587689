//! WS402 wire: the messages in both amount encodings (`AmountEncoding`).

use crate::errors::{JsResult, arg_error, core_error};
use pay402::ErrorCode;
use pay402::ws402::{AmountEncoding, Message, Ws402Error};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS: &str = r#"
/** How a frame writes its amounts: decimal strings, or JSON numbers up to 2^53 − 1 (strings above). */
export type Ws402AmountEncoding = "string" | "number_when_safe";
/** A WS402 message as its canonical frame. */
export interface Ws402Frame {
  /** The message's `type` (`session_started`, `resume_session`, `session_ended`, …). */
  messageType: string;
  /** The canonical compact JSON text to send. */
  frame: string;
}
"#;

fn message_text(v: &JsValue) -> JsResult<String> {
    if let Some(s) = v.as_string() {
        return Ok(s);
    }
    if v.is_object()
        && let Ok(s) = js_sys::JSON::stringify(v)
    {
        return Ok(String::from(s));
    }
    Err(arg_error("message", "JSON text or a plain object"))
}

/// Decodes a WS402 message (JSON text or a plain object: any member order, amounts as JSON
/// integers or decimal strings, unknown members ignored) and writes its canonical frame with the
/// amounts as `amounts` says (`"string"` by default, or `"number_when_safe"`: JSON numbers up to
/// 2^53 − 1, strings above, for the original WS402 clients). Throws a `Ws402Error` with the
/// core's code (`invalid_json`, `unknown_message_type`, `missing_field`, …) or a `TypeError`
/// (`invalid_argument`) for another `amounts`.
#[wasm_bindgen(js_name = ws402MessageFrame, unchecked_return_type = "Ws402Frame")]
pub fn ws402_message_frame(
    #[wasm_bindgen(unchecked_param_type = "string | object")] message: &JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "Ws402AmountEncoding")] amounts: Option<String>,
) -> JsResult<JsValue> {
    let amounts = match amounts {
        None => AmountEncoding::String,
        Some(name) => AmountEncoding::from_name(&name)
            .ok_or_else(|| arg_error("amounts", r#""string" or "number_when_safe""#))?,
    };
    let text = message_text(message)?;
    let err = |e: &Ws402Error| core_error("Ws402Error", e, None);
    let msg = Message::decode(text.as_bytes()).map_err(|e| err(&e))?;
    let mut size = text.len() * 2 + 128;
    let frame = loop {
        let mut buf = vec![0u8; size];
        match msg.write(&mut buf, amounts) {
            Ok(n) => {
                buf.truncate(n);
                break String::from_utf8_lossy(&buf).into_owned();
            }
            Err(e) if e.code() == "buffer_too_small" && size < (1 << 24) => size *= 2,
            Err(e) => return Err(err(&e)),
        }
    };
    Ok(crate::convert::Obj::new()
        .set("messageType", msg.type_name())
        .set("frame", frame)
        .build())
}
