//! WS402 wire: the messages in both amount encodings (`AmountEncoding`).

use crate::convert::{Bytes, BytesOrHex, Text, choice, grow, text};
use crate::errors::CoreResult;
use pay402::ErrorCode;
use pay402::evm::Address;
use pay402::ws402::{
    AmountEncoding, GrantSession, Message, Payer, RecordPhase, SessionId, SessionKeys, http_grant,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// A WS402 message as its canonical frame: `message_type` (`session_started`,
/// `resume_session`, `session_ended`, …) and `frame` (the compact JSON text to send).
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ws402Frame {
    message_type: &'static str,
    frame: String,
}

#[pymethods]
impl Ws402Frame {
    fn __repr__(&self) -> String {
        format!(
            "Ws402Frame(message_type={:?}, frame={:?})",
            self.message_type, self.frame
        )
    }
}

/// Decodes a WS402 message (JSON text: any member order, amounts as JSON integers or decimal
/// strings, unknown members ignored) and writes its canonical frame with the amounts as
/// `amounts` says: `"string"` (decimal strings) or `"number_when_safe"` (JSON numbers up to
/// 2^53 − 1, strings above, for the original WS402 clients). Raises `Ws402Error`
/// (`invalid_json`, `not_an_object`, `unknown_message_type`, `missing_field`, `wrong_type`,
/// `invalid_value`) and `ValueError` for another `amounts`.
#[pyfunction]
#[pyo3(signature = (message, amounts="string"))]
pub(crate) fn ws402_message_frame(message: Text, amounts: &str) -> PyResult<Ws402Frame> {
    let name = choice("amounts", amounts, &["string", "number_when_safe"])?;
    let amounts = AmountEncoding::from_name(name).unwrap_or_default();
    let msg = Message::decode(&message.0).py()?;
    let frame = text(grow(message.0.len() * 2 + 128, |buf| msg.write(buf, amounts)).py()?)?;
    Ok(Ws402Frame {
        message_type: msg.type_name(),
        frame,
    })
}

fn session_keys(secret: &BytesOrHex) -> PyResult<SessionKeys> {
    SessionKeys::derive(&secret.0).py()
}

fn session_id(session_id: &BytesOrHex) -> PyResult<SessionId> {
    session_id
        .0
        .as_slice()
        .try_into()
        .map_err(|_| PyValueError::new_err("session_id must be 16 bytes"))
}

fn payer_of(kind: &str, payer: &BytesOrHex) -> PyResult<Payer> {
    let kind = choice("payer_kind", kind, &["evm", "solana"])?;
    let wrong = || PyValueError::new_err("payer must be 20 bytes (evm) or 32 bytes (solana)");
    Ok(if kind == "evm" {
        Payer::Evm(Address(payer.0.as_slice().try_into().map_err(|_| wrong())?))
    } else {
        Payer::Solana(payer.0.as_slice().try_into().map_err(|_| wrong())?)
    })
}

/// The resume token of a session (43 base64url characters): HMAC-SHA256 under the resume key
/// derived from `secret` (32 to 64 bytes) over the 16-byte `session_id` and the payer
/// (`payer_kind` `"evm"` with 20 bytes or `"solana"` with 32). Raises `Ws402Error`
/// (`invalid_server_secret`) and `ValueError` for malformed arguments.
#[pyfunction]
pub(crate) fn ws402_resume_token(
    secret: BytesOrHex,
    session_id: BytesOrHex,
    payer_kind: &str,
    payer: BytesOrHex,
) -> PyResult<String> {
    let keys = session_keys(&secret)?;
    let id = self::session_id(&session_id)?;
    Ok(keys
        .resume_token(&id, &payer_of(payer_kind, &payer)?)
        .as_str()
        .to_owned())
}

/// Checks a presented resume token in constant time; returns `None`, or raises `Ws402Error`
/// (`resume_token_invalid`, `invalid_server_secret`).
#[pyfunction]
pub(crate) fn ws402_check_resume_token(
    secret: BytesOrHex,
    session_id: BytesOrHex,
    payer_kind: &str,
    payer: BytesOrHex,
    presented: &str,
) -> PyResult<()> {
    let keys = session_keys(&secret)?;
    let id = self::session_id(&session_id)?;
    keys.check_resume_token(&id, &payer_of(payer_kind, &payer)?, presented)
        .py()
}

/// Registers the WS402 wire items.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Ws402Frame>()?;
    m.add_function(wrap_pyfunction!(ws402_message_frame, m)?)?;
    m.add_function(wrap_pyfunction!(ws402_resume_token, m)?)?;
    m.add_function(wrap_pyfunction!(ws402_check_resume_token, m)?)?;
    m.add_class::<Ws402GrantCheck>()?;
    m.add_function(wrap_pyfunction!(ws402_grant_issue, m)?)?;
    m.add_function(wrap_pyfunction!(ws402_grant_lookup_id, m)?)?;
    m.add_function(wrap_pyfunction!(ws402_grant_check, m)?)?;
    Ok(())
}

// ---------------------------------------------------------------- HTTP grants

/// The verdict of [`ws402_grant_check`]: `status` 200 with the granted `session_id`,
/// `generation` and `expires_ms`, or the refusal's HTTP `status` (402, 401, 403) and `code`
/// (`grant_required`, `grant_invalid`, `grant_expired`, `wrong_resource`, `session_suspended`,
/// `session_ended`, `grant_revoked`), decided by the core.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ws402GrantCheck {
    status: u16,
    code: Option<&'static str>,
    session_id: Option<Bytes>,
    generation: Option<u32>,
    expires_ms: Option<u64>,
}

#[pymethods]
impl Ws402GrantCheck {
    /// Whether the request may be served (status 200).
    #[getter]
    fn granted(&self) -> bool {
        self.code.is_none()
    }

    fn __repr__(&self) -> String {
        format!(
            "Ws402GrantCheck(status={}, code={:?}, generation={:?}, expires_ms={:?})",
            self.status, self.code, self.generation, self.expires_ms
        )
    }
}

/// The HTTP grant token (124 base64url characters) of a session for `resource_url` at the
/// session's grant `generation`, valid while `now < expires_ms`; sent by the client as
/// `Authorization: WS402 <token>`. Raises `Ws402Error` (`invalid_server_secret`) and
/// `ValueError` for malformed arguments.
#[pyfunction]
pub(crate) fn ws402_grant_issue(
    secret: BytesOrHex,
    session_id: BytesOrHex,
    resource_url: &str,
    generation: u32,
    expires_ms: u64,
) -> PyResult<String> {
    let keys = session_keys(&secret)?;
    let id = self::session_id(&session_id)?;
    let mut buf = [0u8; http_grant::GRANT_TOKEN_LEN];
    Ok(
        http_grant::issue(&keys, &id, resource_url, generation, expires_ms, &mut buf)
            .py()?
            .to_owned(),
    )
}

/// The session id named by the `WS402` token of an `Authorization` value (`None`: no
/// well-formed token), **unverified**: only to load that session before
/// [`ws402_grant_check`].
#[pyfunction]
#[pyo3(signature = (authorization))]
pub(crate) fn ws402_grant_lookup_id(authorization: Option<&str>) -> Option<Bytes> {
    http_grant::lookup_id(authorization).map(|id| Bytes(id.to_vec()))
}

/// Checks a request's `Authorization` value (`None` when absent; the query string is never a
/// source) for `resource_url` at `now_ms` against the loaded session (`session_id`, its record
/// `phase` and its grant `generation`). Raises `Ws402Error` (`invalid_server_secret`) and
/// `ValueError` for malformed arguments; a refusal is a verdict, not an exception.
#[pyfunction]
#[pyo3(signature = (secret, authorization, resource_url, now_ms, session_id, phase, generation))]
#[allow(clippy::too_many_arguments, reason = "one flat Python signature")]
pub(crate) fn ws402_grant_check(
    secret: BytesOrHex,
    authorization: Option<&str>,
    resource_url: &str,
    now_ms: u64,
    session_id: BytesOrHex,
    phase: &str,
    generation: u32,
) -> PyResult<Ws402GrantCheck> {
    let keys = session_keys(&secret)?;
    let phase = choice(
        "phase",
        phase,
        &["running", "suspended", "settling", "refunding", "done"],
    )?;
    let session = GrantSession {
        session_id: self::session_id(&session_id)?,
        phase: RecordPhase::from_name(phase)
            .ok_or_else(|| PyValueError::new_err("unknown phase"))?,
        generation,
    };
    Ok(
        match http_grant::check(&keys, authorization, resource_url, now_ms, session) {
            Ok(g) => Ws402GrantCheck {
                status: 200,
                code: None,
                session_id: Some(Bytes(g.session_id.to_vec())),
                generation: Some(g.generation),
                expires_ms: Some(g.expires_ms),
            },
            Err(r) => Ws402GrantCheck {
                status: r.status(),
                code: Some(r.code()),
                session_id: None,
                generation: None,
                expires_ms: None,
            },
        },
    )
}
