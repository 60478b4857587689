//! `ws402.grant.*` ops: HTTP access grants bound to a WS402 session (`pay402::ws402::http_grant`).

use super::{Outcome, code};
use crate::input;
use pay402::ErrorCode;
use pay402::ws402::{GrantRefusal, GrantSession, RecordPhase, SessionKeys, http_grant};
use serde_json::{Value, json};

fn keys(input: &Value) -> Result<SessionKeys, String> {
    let secret = input::hex_bytes(input::str(input, "secret_hex")?, "secret_hex")?;
    SessionKeys::derive(&secret).map_err(|e| code(&e))
}

fn session_id(input: &Value) -> Result<[u8; 16], String> {
    input::hex_array::<16>(input::str(input, "session_id_hex")?, "session_id_hex")
}

fn u32_field(input: &Value, key: &str) -> Result<u32, String> {
    u32::try_from(input::u64(input, key)?).map_err(|_| input::bad(key))
}

/// `ws402.grant.issue`: `secret_hex`, `session_id_hex`, `resource_url`, `generation`, `expires_ms`
/// → `token`.
pub(crate) fn issue(input: &Value) -> Outcome {
    let keys = keys(input)?;
    let id = session_id(input)?;
    let mut buf = [0u8; http_grant::GRANT_TOKEN_LEN];
    let token = http_grant::issue(
        &keys,
        &id,
        input::str(input, "resource_url")?,
        u32_field(input, "generation")?,
        input::u64(input, "expires_ms")?,
        &mut buf,
    )
    .map_err(|e| code(&e))?;
    Ok(json!({ "token": token }))
}

/// `ws402.grant.check`: `secret_hex`, `authorization` (text or null: no header), `resource_url`,
/// `now_ms`, `session` {`session_id_hex`, `phase`, `generation`} → `session_id_hex`,
/// `generation`, `expires_ms`, or the refusal's code. A granted token's unverified
/// `lookup_id` must name the same session.
pub(crate) fn check(input: &Value) -> Outcome {
    let keys = keys(input)?;
    let authorization = match input::get(input, "authorization")? {
        Value::Null => None,
        Value::String(s) => Some(s.as_str()),
        _ => return Err(input::bad("authorization")),
    };
    let s = input::get(input, "session")?;
    let session = GrantSession {
        session_id: session_id(s)?,
        phase: RecordPhase::from_name(input::str(s, "phase")?)
            .ok_or_else(|| input::bad("phase"))?,
        generation: u32_field(s, "generation")?,
    };
    let grant = http_grant::check(
        &keys,
        authorization,
        input::str(input, "resource_url")?,
        input::u64(input, "now_ms")?,
        session,
    )
    .map_err(|r| code(&r))?;
    if http_grant::lookup_id(authorization) != Some(grant.session_id) {
        return Err("lookup_id disagrees with the verified grant".to_owned());
    }
    Ok(json!({
        "session_id_hex": input::to_0x(&grant.session_id)[2..],
        "generation": grant.generation,
        "expires_ms": grant.expires_ms,
    }))
}

/// `ws402.grant.refusal`: `code` (a refusal's code), `schema_url` → the answer's `status` and
/// JSON `body` (text, as written).
pub(crate) fn refusal(input: &Value) -> Outcome {
    let refusal =
        GrantRefusal::from_code(input::str(input, "code")?).ok_or_else(|| input::bad("code"))?;
    let mut buf = [0u8; 4096];
    let body = refusal
        .write_body(input::str(input, "schema_url")?, &mut buf)
        .map_err(|e| code(&e))?;
    Ok(json!({ "status": refusal.status(), "code": refusal.code(), "body": body }))
}
