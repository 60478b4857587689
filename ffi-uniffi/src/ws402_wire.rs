//! WS402 wire: the messages in both amount encodings (`AmountEncoding`).

use crate::Pay402Error;
use crate::convert::utf8;
use pay402::ErrorCode;
use pay402::ws402::{AmountEncoding, Message};

/// A WS402 message as its canonical frame.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Ws402Frame {
    /// The message's `type` (`session_started`, `resume_session`, `session_ended`, …).
    pub message_type: String,
    /// The canonical compact JSON text to send.
    pub frame: String,
}

/// Decodes a WS402 message (JSON text: any member order, amounts as JSON integers or decimal
/// strings, unknown members ignored) and writes its canonical frame with the amounts as
/// `amounts` says: `"string"` (decimal strings) or `"number_when_safe"` (JSON numbers up to
/// 2^53 − 1, strings above, for the original WS402 clients). Errors: `Ws402` with the core's
/// code (`invalid_json`, `unknown_message_type`, `missing_field`, …), `InvalidArgument` for
/// another `amounts`.
#[uniffi::export(default(amounts = "string"))]
pub fn ws402_message_frame(message: String, amounts: String) -> Result<Ws402Frame, Pay402Error> {
    let amounts = AmountEncoding::from_name(&amounts).ok_or_else(|| {
        Pay402Error::argument(r#"amounts must be "string" or "number_when_safe""#)
    })?;
    let msg = Message::decode(message.as_bytes())?;
    let mut size = message.len() * 2 + 128;
    loop {
        let mut buf = vec![0u8; size];
        match msg.write(&mut buf, amounts) {
            Ok(n) => {
                return Ok(Ws402Frame {
                    message_type: msg.type_name().to_owned(),
                    frame: utf8(buf.get(..n).unwrap_or_default()),
                });
            }
            Err(e) if e.code() == "buffer_too_small" && size < (1 << 24) => size *= 2,
            Err(e) => return Err(e.into()),
        }
    }
}
