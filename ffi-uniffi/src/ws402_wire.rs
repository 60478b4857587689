//! WS402 wire: the messages in both amount encodings (`AmountEncoding`).

use crate::Pay402Error;
use crate::convert::utf8;
use pay402::ErrorCode;
use pay402::evm::Address;
use pay402::ws402::{AmountEncoding, Message, Payer, SessionId, SessionKeys};

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

fn token_inputs(
    secret: &[u8],
    session_id: &[u8],
    payer_kind: &str,
    payer: &[u8],
) -> Result<(SessionKeys, SessionId, Payer), Pay402Error> {
    let keys = SessionKeys::derive(secret)?;
    let id: SessionId = session_id
        .try_into()
        .map_err(|_| Pay402Error::argument("session_id must be 16 bytes"))?;
    let payer = match payer_kind {
        "evm" => Payer::Evm(Address(
            payer
                .try_into()
                .map_err(|_| Pay402Error::argument("an evm payer is 20 bytes"))?,
        )),
        "solana" => Payer::Solana(
            payer
                .try_into()
                .map_err(|_| Pay402Error::argument("a solana payer is 32 bytes"))?,
        ),
        _ => {
            return Err(Pay402Error::argument(
                r#"payer_kind must be "evm" or "solana""#,
            ));
        }
    };
    Ok((keys, id, payer))
}

/// The resume token of a session (43 base64url characters): HMAC-SHA256 under the resume key
/// derived from `secret` (32 to 64 bytes) over the 16-byte `session_id` and the payer
/// (`payer_kind` `"evm"` with 20 bytes or `"solana"` with 32). Errors: `Ws402`
/// (`invalid_server_secret`), `InvalidArgument`.
#[uniffi::export]
pub fn ws402_resume_token(
    secret: Vec<u8>,
    session_id: Vec<u8>,
    payer_kind: String,
    payer: Vec<u8>,
) -> Result<String, Pay402Error> {
    let (keys, id, payer) = token_inputs(&secret, &session_id, &payer_kind, &payer)?;
    Ok(keys.resume_token(&id, &payer).as_str().to_owned())
}

/// Checks a presented resume token in constant time. Errors: `Ws402`
/// (`resume_token_invalid`, `invalid_server_secret`), `InvalidArgument`.
#[uniffi::export]
pub fn ws402_check_resume_token(
    secret: Vec<u8>,
    session_id: Vec<u8>,
    payer_kind: String,
    payer: Vec<u8>,
    presented: String,
) -> Result<(), Pay402Error> {
    let (keys, id, payer) = token_inputs(&secret, &session_id, &payer_kind, &payer)?;
    Ok(keys.check_resume_token(&id, &payer, &presented)?)
}
