//! WS402 wire: the messages in both amount encodings (`AmountEncoding`).

use crate::Pay402Error;
use crate::convert::utf8;
use pay402::ErrorCode;
use pay402::evm::Address;
use pay402::ws402::{
    AmountEncoding, GrantSession, Message, Payer, RecordPhase, SessionId, SessionKeys, http_grant,
};

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

// ---------------------------------------------------------------- HTTP grants

/// The core's verdict on an HTTP grant: `status` 200 with the grant, or the refusal's HTTP
/// `status` (402, 401, 403) and `code` (`grant_required`, `grant_invalid`, `grant_expired`,
/// `wrong_resource`, `session_suspended`, `session_ended`, `grant_revoked`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Ws402GrantCheck {
    /// 200 when granted, else the refusal's status.
    pub status: u16,
    /// The refusal's code; `None` when granted.
    pub code: Option<String>,
    /// The granted session's id (16 bytes); `None` when refused.
    pub session_id: Option<Vec<u8>>,
    /// The grant generation the token was issued at; `None` when refused.
    pub generation: Option<u32>,
    /// The token's expiry, ms since the epoch; `None` when refused.
    pub expires_ms: Option<u64>,
}

fn grant_session_id(session_id: &[u8]) -> Result<SessionId, Pay402Error> {
    session_id
        .try_into()
        .map_err(|_| Pay402Error::argument("session_id must be 16 bytes"))
}

/// The HTTP grant token (124 base64url characters) of a session for `resource_url` at the
/// session's grant `generation`, valid while `now < expires_ms`; the client sends it as
/// `Authorization: WS402 <token>`. Errors: `Ws402` (`invalid_server_secret`),
/// `InvalidArgument`.
#[uniffi::export]
pub fn ws402_grant_issue(
    secret: Vec<u8>,
    session_id: Vec<u8>,
    resource_url: String,
    generation: u32,
    expires_ms: u64,
) -> Result<String, Pay402Error> {
    let keys = SessionKeys::derive(&secret)?;
    let id = grant_session_id(&session_id)?;
    let mut buf = [0u8; http_grant::GRANT_TOKEN_LEN];
    Ok(http_grant::issue(&keys, &id, &resource_url, generation, expires_ms, &mut buf)?.to_owned())
}

/// The session id named by the `WS402` token of an `Authorization` value (`None`: no
/// well-formed token), unverified: only to load that session before `ws402_grant_check`.
#[uniffi::export]
pub fn ws402_grant_lookup_id(authorization: Option<String>) -> Option<Vec<u8>> {
    http_grant::lookup_id(authorization.as_deref()).map(|id| id.to_vec())
}

/// Checks a request's `Authorization` value (`None` when absent; never the query string) for
/// `resource_url` at `now_ms` against the loaded session: its id, record `phase` (`running`,
/// `suspended`, `settling`, `refunding`, `done`) and grant `generation` (bumped by the host at
/// each resume; not the record's CAS generation). A refusal is a verdict, not an error.
/// Errors: `Ws402` (`invalid_server_secret`), `InvalidArgument`.
#[uniffi::export]
pub fn ws402_grant_check(
    secret: Vec<u8>,
    authorization: Option<String>,
    resource_url: String,
    now_ms: u64,
    session_id: Vec<u8>,
    phase: String,
    generation: u32,
) -> Result<Ws402GrantCheck, Pay402Error> {
    let keys = SessionKeys::derive(&secret)?;
    let session = GrantSession {
        session_id: grant_session_id(&session_id)?,
        phase: RecordPhase::from_name(&phase).ok_or_else(|| {
            Pay402Error::argument(
                r#"phase must be "running", "suspended", "settling", "refunding" or "done""#,
            )
        })?,
        generation,
    };
    Ok(
        match http_grant::check(
            &keys,
            authorization.as_deref(),
            &resource_url,
            now_ms,
            session,
        ) {
            Ok(g) => Ws402GrantCheck {
                status: 200,
                code: None,
                session_id: Some(g.session_id.to_vec()),
                generation: Some(g.generation),
                expires_ms: Some(g.expires_ms),
            },
            Err(r) => Ws402GrantCheck {
                status: r.status(),
                code: Some(r.code().to_owned()),
                session_id: None,
                generation: None,
                expires_ms: None,
            },
        },
    )
}
