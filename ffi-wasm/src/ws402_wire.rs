//! WS402 wire: the messages in both amount encodings (`AmountEncoding`).

use crate::convert::Obj;
use crate::errors::{JsResult, arg_error, core_error};
use pay402::ErrorCode;
use pay402::evm::Address;
use pay402::ws402::{
    AmountEncoding, GrantSession, Message, Payer, RecordPhase, SessionId, SessionKeys, Ws402Error,
    http_grant,
};
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
    Ok(Obj::new()
        .set("messageType", msg.type_name())
        .set("frame", frame)
        .build())
}

fn byte_vec(v: &JsValue, field: &str) -> JsResult<Vec<u8>> {
    if let Some(array) = v.dyn_ref::<js_sys::Uint8Array>() {
        return Ok(array.to_vec());
    }
    let text = v
        .as_string()
        .ok_or_else(|| arg_error(field, "a Uint8Array or hex text"))?;
    let digits = text.strip_prefix("0x").unwrap_or(&text);
    if digits.len() % 2 != 0 {
        return Err(arg_error(field, "a Uint8Array or hex text"));
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| {
            digits
                .get(i..i + 2)
                .and_then(|d| u8::from_str_radix(d, 16).ok())
                .ok_or_else(|| arg_error(field, "a Uint8Array or hex text"))
        })
        .collect()
}

fn token_inputs(
    secret: &JsValue,
    session_id: &JsValue,
    payer_kind: &str,
    payer: &JsValue,
) -> JsResult<(SessionKeys, SessionId, Payer)> {
    let keys = SessionKeys::derive(&byte_vec(secret, "secret")?)
        .map_err(|e| core_error("Ws402Error", &e, None))?;
    let id: SessionId = byte_vec(session_id, "session_id")?
        .try_into()
        .map_err(|_| arg_error("session_id", "16 bytes"))?;
    let bytes = byte_vec(payer, "payer")?;
    let payer = match payer_kind {
        "evm" => Payer::Evm(Address(
            bytes
                .try_into()
                .map_err(|_| arg_error("payer", "20 bytes"))?,
        )),
        "solana" => Payer::Solana(
            bytes
                .try_into()
                .map_err(|_| arg_error("payer", "32 bytes"))?,
        ),
        _ => return Err(arg_error("payer_kind", r#""evm" or "solana""#)),
    };
    Ok((keys, id, payer))
}

/// The resume token of a session (43 base64url characters): HMAC-SHA256 under the resume key
/// derived from `secret` (32 to 64 bytes) over the 16-byte `session_id` and the payer
/// (`payer_kind` `"evm"` with 20 bytes or `"solana"` with 32; bytes as a `Uint8Array` or hex).
/// Throws a `Ws402Error` (`invalid_server_secret`) or a `TypeError` (`invalid_argument`).
#[wasm_bindgen(js_name = ws402ResumeToken)]
pub fn ws402_resume_token(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] secret: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] session_id: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "\"evm\" | \"solana\"")] payer_kind: &str,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] payer: &JsValue,
) -> JsResult<String> {
    let (keys, id, payer) = token_inputs(secret, session_id, payer_kind, payer)?;
    Ok(keys.resume_token(&id, &payer).as_str().to_owned())
}

/// Checks a presented resume token in constant time; throws a `Ws402Error`
/// (`resume_token_invalid`, `invalid_server_secret`) or a `TypeError` (`invalid_argument`).
#[wasm_bindgen(js_name = ws402CheckResumeToken)]
pub fn ws402_check_resume_token(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] secret: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] session_id: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "\"evm\" | \"solana\"")] payer_kind: &str,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] payer: &JsValue,
    presented: &str,
) -> JsResult<()> {
    let (keys, id, payer) = token_inputs(secret, session_id, payer_kind, payer)?;
    keys.check_resume_token(&id, &payer, presented)
        .map_err(|e| core_error("Ws402Error", &e, None))
}

// ---------------------------------------------------------------- HTTP grants

#[wasm_bindgen(typescript_custom_section)]
const TS_GRANT: &str = r#"
/** A WS402 session record phase. */
export type Ws402RecordPhase = "running" | "suspended" | "settling" | "refunding" | "done";
/** The core's verdict on an HTTP grant: status 200 with the grant, or the refusal's status and code. */
export interface Ws402GrantCheck {
  /** 200 when granted; else 402 (`grant_required`), 401 (`grant_invalid`, `grant_expired`, `grant_revoked`) or 403 (`wrong_resource`, `session_suspended`, `session_ended`). */
  status: number;
  /** The refusal's code; `null` when granted. */
  code: string | null;
  /** The granted session's id (16 bytes); `null` when refused. */
  sessionId: Uint8Array | null;
  /** The grant generation the token was issued at; `null` when refused. */
  generation: number | null;
  /** The token's expiry in ms since the epoch (a `bigint` above 2^53 − 1); `null` when refused. */
  expiresMs: number | bigint | null;
  /** The refusal's JSON body (`Ws402Server.grantCheck` with a `schemaUrl`); `null` when granted or not asked. */
  body?: string | null;
}
/** A grant refusal's answer: its status, code and JSON body. */
export interface Ws402GrantRefusal { status: number; code: string; body: string }
"#;

fn grant_keys(secret: &JsValue) -> JsResult<SessionKeys> {
    SessionKeys::derive(&byte_vec(secret, "secret")?)
        .map_err(|e| core_error("Ws402Error", &e, None))
}

fn grant_session_id(v: &JsValue) -> JsResult<SessionId> {
    byte_vec(v, "session_id")?
        .try_into()
        .map_err(|_| arg_error("session_id", "16 bytes"))
}

fn generation_of(v: &JsValue) -> JsResult<u32> {
    u32::try_from(crate::convert::uint(v, "generation")?)
        .map_err(|_| arg_error("generation", "an integer below 2^32"))
}

/// The HTTP grant token (124 base64url characters) of a session for `resourceUrl` at the
/// session's grant `generation`, valid while `now < expiresMs`; the client sends it as
/// `Authorization: WS402 <token>`. Throws a `Ws402Error` (`invalid_server_secret`) or a
/// `TypeError` (`invalid_argument`).
#[wasm_bindgen(js_name = ws402GrantIssue)]
pub fn ws402_grant_issue(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] secret: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] session_id: &JsValue,
    resource_url: &str,
    #[wasm_bindgen(unchecked_param_type = "number | bigint")] generation: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "number | bigint")] expires_ms: &JsValue,
) -> JsResult<String> {
    let keys = grant_keys(secret)?;
    let id = grant_session_id(session_id)?;
    let generation = generation_of(generation)?;
    let expires_ms = crate::convert::uint(expires_ms, "expires_ms")?;
    let mut buf = [0u8; http_grant::GRANT_TOKEN_LEN];
    http_grant::issue(&keys, &id, resource_url, generation, expires_ms, &mut buf)
        .map(str::to_owned)
        .map_err(|e| core_error("Ws402Error", &e, None))
}

/// The session id named by the `WS402` token of an `Authorization` value (`null`: no
/// well-formed token), unverified: only to load that session before `ws402GrantCheck`.
// wasm-bindgen hands optional strings over as owned values.
#[allow(clippy::needless_pass_by_value)]
#[wasm_bindgen(js_name = ws402GrantLookupId, unchecked_return_type = "Uint8Array | null")]
pub fn ws402_grant_lookup_id(authorization: Option<String>) -> JsValue {
    http_grant::lookup_id(authorization.as_deref())
        .map_or(JsValue::NULL, |id| crate::convert::u8a(&id))
}

/// Checks a request's `Authorization` value (`null`/`undefined` when absent; never the query
/// string) for `resourceUrl` at `nowMs` against the loaded session: its id, record `phase` and
/// grant `generation` (bumped by the host at each resume; not the record's CAS generation). A
/// refusal is a verdict, not an exception. Throws a `Ws402Error` (`invalid_server_secret`) or
/// a `TypeError` (`invalid_argument`).
#[allow(clippy::needless_pass_by_value)]
#[wasm_bindgen(js_name = ws402GrantCheck, unchecked_return_type = "Ws402GrantCheck")]
pub fn ws402_grant_check(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] secret: &JsValue,
    authorization: Option<String>,
    resource_url: &str,
    #[wasm_bindgen(unchecked_param_type = "number | bigint")] now_ms: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] session_id: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "Ws402RecordPhase")] phase: &str,
    #[wasm_bindgen(unchecked_param_type = "number | bigint")] generation: &JsValue,
) -> JsResult<JsValue> {
    let keys = grant_keys(secret)?;
    let session = GrantSession {
        session_id: grant_session_id(session_id)?,
        phase: RecordPhase::from_name(phase).ok_or_else(|| {
            arg_error(
                "phase",
                r#""running", "suspended", "settling", "refunding" or "done""#,
            )
        })?,
        generation: generation_of(generation)?,
    };
    let now_ms = crate::convert::uint(now_ms, "now_ms")?;
    let obj = Obj::new();
    Ok(match http_grant::check(
        &keys,
        authorization.as_deref(),
        resource_url,
        now_ms,
        session,
    ) {
        Ok(g) => obj
            .set("status", 200)
            .set("code", JsValue::NULL)
            .set("sessionId", crate::convert::u8a(&g.session_id))
            .set("generation", g.generation)
            .set("expiresMs", crate::convert::exact(g.expires_ms)),
        Err(r) => obj
            .set("status", r.status())
            .set("code", r.code())
            .set("sessionId", JsValue::NULL)
            .set("generation", JsValue::NULL)
            .set("expiresMs", JsValue::NULL),
    }
    .build())
}

/// The answer of the grant refusal `code` (`grant_required`, …, `balance_insufficient`,
/// `session_elsewhere`): its status and JSON body, whose 402s name `schemaUrl` (the WS402
/// schema's URL). An unknown code throws a `TypeError` (`invalid_argument`).
#[wasm_bindgen(js_name = ws402GrantRefusal, unchecked_return_type = "Ws402GrantRefusal")]
pub fn ws402_grant_refusal(code: &str, schema_url: &str) -> JsResult<JsValue> {
    let r = pay402::ws402::GrantRefusal::from_code(code)
        .ok_or_else(|| arg_error("code", "a WS402 grant refusal code"))?;
    Ok(Obj::new()
        .set("status", r.status())
        .set("code", ErrorCode::code(&r))
        .set(
            "body",
            pay402_host::ws402_server::Ws402Server::grant_refusal_body(r, schema_url),
        )
        .build())
}
