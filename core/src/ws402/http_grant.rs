//! HTTP access grants bound to a WS402 session: a paying WebSocket client may also fetch HTTP
//! resources of the same server, presenting `Authorization: WS402 <token>` (RFC 9110 §11.6.2;
//! the query string is never read, so a token never lands in access logs or `Referer`).
//!
//! A token is `base64url(body ‖ tag)` without padding ([`GRANT_TOKEN_LEN`] = 124 characters),
//! where `tag = HMAC-SHA256(grant key, body)` ([`SessionKeys`], RFC 2104) and `body` is:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 1 | version ([`GRANT_VERSION`] = 1) |
//! | 1 | 16 | session id |
//! | 17 | 4 | grant generation, big-endian |
//! | 21 | 8 | expiry, ms since the Unix epoch, big-endian (valid while `now < expiry`) |
//! | 29 | 32 | SHA-256 of the resource URL's bytes, exactly as the host passes it |
//!
//! [`check`] answers in this order, and the first failing step decides:
//!
//! | step | status | code |
//! |---|---|---|
//! | no `Authorization` value, unparsable, or another scheme | 402 | `grant_required` |
//! | not one token68 of 124 characters, not base64url, other version, bad tag, other session | 401 | `grant_invalid` |
//! | `now_ms ≥ expiry` | 401 | `grant_expired` |
//! | the URL's hash differs | 403 | `wrong_resource` |
//! | the session is suspended (not metering, so nothing can be charged) | 403 | `session_suspended` |
//! | the session is settling, refunding or done | 403 | `session_ended` |
//! | the grant's generation is below the session's | 401 | `grant_revoked` |
//!
//! # Charging the response
//!
//! A verified grant does not serve the response by itself: its body is charged to the session
//! by the session's own machine, in the process that runs it, before it is sent
//! ([`Input::HttpServe`](super::Input::HttpServe) → [`Command::ServeHttp`](super::Command)):
//! its body bytes at the tariff's `per_byte_out` and one message at `per_message`
//! ([`TariffMeter::serve_http`](super::TariffMeter::serve_http)), so `usage_update`, the end
//! statement and the refund include it. The refusals then are
//! ([`Refusal::for_session_error`]):
//!
//! | the session machine | status | code |
//! |---|---|---|
//! | the balance cannot pay the response (the session goes on) | 402 | `balance_insufficient` |
//! | suspended | 403 | `session_suspended` |
//! | ended, or a limit reached and not yet reported | 403 | `session_ended` |
//! | no machine of the session in this process (another process owns its socket), or one not running here | 403 | `session_elsewhere` |
//!
//! `session_elsewhere` fails closed: a response that cannot be charged is never served free. A
//! response whose length is not known in advance is buffered by the host (or carries a
//! `Content-Length`) and charged before its first byte is sent.
//!
//! # The answer's body
//!
//! [`Refusal::write_body`] writes the JSON body of every refusal. The two 402s carry the
//! seed's fields (WS402 `src/middlewarehttp.ts`: `error: "Payment Required"`, `message`) and the
//! URL of the WS402 schema the host serves (`schemaUrl`: where a client learns how to open a
//! session), plus the stable `code`; the 401s and 403s carry the code as `error` and `code`:
//!
//! ```text
//! 402 {"error":"Payment Required","message":"Establish WS402 session first","code":"grant_required","schemaUrl":"<url>"}
//! 402 {"error":"Payment Required","message":"The WS402 session's balance cannot pay this response","code":"balance_insufficient","schemaUrl":"<url>"}
//! 401 {"error":"grant_expired","code":"grant_expired"}
//! ```
//!
//! # The grant generation
//!
//! A session's *grant generation* starts at 0 and is bumped when the holder of the session may
//! have changed: the session machine bumps it on every resume (a new connection presented the
//! resume token) and the sealed record carries it
//! ([`SealedRecord::grant_generation`](super::SealedRecord)). Grants are issued at the current
//! value ([`SessionMachine::grant_generation`](super::SessionMachine::grant_generation)), so a
//! resume revokes every grant issued before. It is **not** the record's
//! [`SealedRecord::generation`](super::SealedRecord), the store's compare-and-swap counter, which
//! advances on every write: passing that one would revoke every grant at the next usage tick.
//! Ending a session needs no bump: the phase check refuses it.

use super::error::Ws402Error;
use super::keys::{SESSION_ID_LEN, SessionId, SessionKeys};
use super::record::RecordPhase;
use super::session::SessionError;
use crate::error::ErrorCode;
use crate::http_auth::credentials;
use crate::json::write_string;
use crate::writer::write_all;
use base64ct::{Base64UrlUnpadded, Encoding};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The version byte of a grant token.
pub const GRANT_VERSION: u8 = 1;
/// The length of a grant token's body (the bytes under the tag).
pub const GRANT_BODY_LEN: usize = 1 + SESSION_ID_LEN + 4 + 8 + 32;
/// The length of a decoded grant token: body and HMAC-SHA256 tag.
pub const GRANT_RAW_LEN: usize = GRANT_BODY_LEN + 32;
/// The length of a grant token's text (base64url of [`GRANT_RAW_LEN`] bytes, no padding).
pub const GRANT_TOKEN_LEN: usize = GRANT_RAW_LEN / 3 * 4;
/// The `Authorization` scheme that carries a grant.
pub const GRANT_SCHEME: &str = "WS402";

/// What [`check`] needs to know about the session a token names, read from its record per
/// request (so ending a session revokes its grants at once).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GrantSession {
    /// The id of the session the host loaded (a token for another id is `grant_invalid`).
    pub session_id: SessionId,
    /// The record's phase.
    pub phase: RecordPhase,
    /// The session's grant generation (see the module documentation: not the record's CAS
    /// generation).
    pub generation: u32,
}

/// A verified grant: the request may be served and its bytes charged to `session_id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The session that owns the request.
    pub session_id: SessionId,
    /// The grant generation the token was issued at.
    pub generation: u32,
    /// The token's expiry, ms since the Unix epoch.
    pub expires_ms: u64,
}

/// Why a request with (or without) a grant is refused; [`Refusal::status`] is the HTTP status
/// and [`ErrorCode::code`] the stable code for the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Refusal {
    /// No `WS402` credentials: 402, with the seed's body plus the schema URL.
    GrantRequired,
    /// Malformed token, bad tag, other version or another session: 401.
    GrantInvalid,
    /// The token's expiry has passed: 401.
    GrantExpired,
    /// The token was issued for another resource URL: 403.
    WrongResource,
    /// The session is suspended (waiting for a resume): 403.
    SessionSuspended,
    /// The session has ended (settling, refunding or done): 403.
    SessionEnded,
    /// The token's generation is below the session's grant generation: 401.
    GrantRevoked,
    /// The session's balance cannot pay the response ([`super::SessionError::BalanceInsufficient`]):
    /// 402; the session goes on.
    BalanceInsufficient,
    /// This process runs no machine of the session (another process owns its socket) or its
    /// machine is not running here: the response cannot be charged, so it is not served: 403.
    SessionElsewhere,
}

impl Refusal {
    /// The HTTP status to answer with.
    pub const fn status(&self) -> u16 {
        match self {
            Self::GrantRequired | Self::BalanceInsufficient => 402,
            Self::GrantInvalid | Self::GrantExpired | Self::GrantRevoked => 401,
            Self::WrongResource
            | Self::SessionSuspended
            | Self::SessionEnded
            | Self::SessionElsewhere => 403,
        }
    }

    /// The refusal of an HTTP response the session machine did not allow
    /// ([`super::Input::HttpServe`]); see the module documentation.
    pub const fn for_session_error(error: &SessionError) -> Self {
        match error {
            SessionError::BalanceInsufficient => Self::BalanceInsufficient,
            SessionError::Suspended => Self::SessionSuspended,
            SessionError::Ended => Self::SessionEnded,
            _ => Self::SessionElsewhere,
        }
    }

    /// The refusal of a stable code ([`ErrorCode::code`]); `None` for any other text.
    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "grant_required" => Self::GrantRequired,
            "grant_invalid" => Self::GrantInvalid,
            "grant_expired" => Self::GrantExpired,
            "wrong_resource" => Self::WrongResource,
            "session_suspended" => Self::SessionSuspended,
            "session_ended" => Self::SessionEnded,
            "grant_revoked" => Self::GrantRevoked,
            "balance_insufficient" => Self::BalanceInsufficient,
            "session_elsewhere" => Self::SessionElsewhere,
            _ => return None,
        })
    }

    /// Writes the answer's JSON body into `out` (see the module documentation): the 402s name
    /// `schema_url` (the WS402 schema's URL, as the host serves it; JSON-escaped), the others
    /// carry their code only. Errors: `buffer_too_small` (`out` is zeroed then).
    ///
    /// ```
    /// use pay402::ws402::GrantRefusal;
    /// let mut out = [0u8; 256];
    /// let body = GrantRefusal::GrantRequired.write_body("https://example.com/ws402", &mut out)?;
    /// assert_eq!(
    ///     body,
    ///     r#"{"error":"Payment Required","message":"Establish WS402 session first","code":"grant_required","schemaUrl":"https://example.com/ws402"}"#
    /// );
    /// let body = GrantRefusal::SessionEnded.write_body("https://example.com/ws402", &mut out)?;
    /// assert_eq!(body, r#"{"error":"session_ended","code":"session_ended"}"#);
    /// # Ok::<(), pay402::ws402::Ws402Error>(())
    /// ```
    pub fn write_body<'o>(
        &self,
        schema_url: &str,
        out: &'o mut [u8],
    ) -> Result<&'o str, Ws402Error> {
        let code = self.code();
        let message = match self {
            Self::GrantRequired => Some("Establish WS402 session first"),
            Self::BalanceInsufficient => {
                Some("The WS402 session's balance cannot pay this response")
            }
            _ => None,
        };
        let len = write_all(out, |w| {
            if let Some(message) = message {
                w.push_str(r#"{"error":"Payment Required","message":"#)?;
                write_string(w, message)?;
                w.push_str(r#","code":"#)?;
                write_string(w, code)?;
                w.push_str(r#","schemaUrl":"#)?;
                write_string(w, schema_url)?;
            } else {
                w.push_str(r#"{"error":"#)?;
                write_string(w, code)?;
                w.push_str(r#","code":"#)?;
                write_string(w, code)?;
            }
            w.push_byte(b'}')
        })
        .map_err(|_| Ws402Error::BufferTooSmall)?;
        let written = out.get(..len).ok_or(Ws402Error::BufferTooSmall)?;
        core::str::from_utf8(written).map_err(|_| Ws402Error::BufferTooSmall)
    }
}

impl core::fmt::Display for Refusal {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::GrantRequired => "a WS402 grant is required (Authorization: WS402 <token>)",
            Self::GrantInvalid => "the WS402 grant is not valid",
            Self::GrantExpired => "the WS402 grant has expired",
            Self::WrongResource => "the WS402 grant is for another resource",
            Self::SessionSuspended => "the WS402 session is suspended",
            Self::SessionEnded => "the WS402 session has ended",
            Self::GrantRevoked => "the WS402 grant has been revoked",
            Self::BalanceInsufficient => "the WS402 session's balance cannot pay this response",
            Self::SessionElsewhere => "the WS402 session cannot be charged in this process",
        })
    }
}

impl core::error::Error for Refusal {}

impl ErrorCode for Refusal {
    fn code(&self) -> &'static str {
        match self {
            Self::GrantRequired => "grant_required",
            Self::GrantInvalid => "grant_invalid",
            Self::GrantExpired => "grant_expired",
            Self::WrongResource => "wrong_resource",
            Self::SessionSuspended => "session_suspended",
            Self::SessionEnded => "session_ended",
            Self::GrantRevoked => "grant_revoked",
            Self::BalanceInsufficient => "balance_insufficient",
            Self::SessionElsewhere => "session_elsewhere",
        }
    }
}

fn body(
    session_id: &SessionId,
    resource_url: &str,
    generation: u32,
    expires_ms: u64,
) -> [u8; GRANT_BODY_LEN] {
    let mut b = [0u8; GRANT_BODY_LEN];
    let url_hash: [u8; 32] = Sha256::digest(resource_url.as_bytes()).into();
    let parts: [&[u8]; 5] = [
        &[GRANT_VERSION],
        session_id,
        &generation.to_be_bytes(),
        &expires_ms.to_be_bytes(),
        &url_hash,
    ];
    let mut at = 0;
    for part in parts {
        if let Some(slot) = b.get_mut(at..at + part.len()) {
            slot.copy_from_slice(part);
        }
        at += part.len();
    }
    b
}

/// Issues the grant token of `session_id` for `resource_url` at the session's grant
/// `generation`, valid while `now < expires_ms`, into `out` (at least [`GRANT_TOKEN_LEN`]
/// bytes, else `buffer_too_small`); returns the token text.
///
/// ```
/// use pay402::ErrorCode;
/// use pay402::ws402::{GrantRefusal, GrantSession, RecordPhase, SessionKeys, http_grant};
/// let keys = SessionKeys::derive(&[7u8; 32])?;
/// let id = [1u8; 16];
/// let url = "https://example.com/video/1.mp4";
/// let mut buf = [0u8; http_grant::GRANT_TOKEN_LEN];
/// let token = http_grant::issue(&keys, &id, url, 0, 60_000, &mut buf)?;
/// let header = format!("WS402 {token}");
/// assert_eq!(http_grant::lookup_id(Some(&header)), Some(id));
/// let session = GrantSession { session_id: id, phase: RecordPhase::Running, generation: 0 };
/// let grant = http_grant::check(&keys, Some(&header), url, 1_000, session).unwrap();
/// assert_eq!(grant.session_id, id);
/// let refused = http_grant::check(&keys, Some(&header), "https://example.com/other", 1_000, session);
/// assert_eq!(refused.map_err(|r| (r.status(), r.code())), Err((403, "wrong_resource")));
/// assert_eq!(http_grant::check(&keys, None, url, 1_000, session), Err(GrantRefusal::GrantRequired));
/// # Ok::<(), pay402::ws402::Ws402Error>(())
/// ```
pub fn issue<'o>(
    keys: &SessionKeys,
    session_id: &SessionId,
    resource_url: &str,
    generation: u32,
    expires_ms: u64,
    out: &'o mut [u8],
) -> Result<&'o str, Ws402Error> {
    let b = body(session_id, resource_url, generation, expires_ms);
    let tag = keys.grant_mac(&[&b]);
    let mut raw = [0u8; GRANT_RAW_LEN];
    let (head, tail) = raw.split_at_mut(GRANT_BODY_LEN);
    head.copy_from_slice(&b);
    tail.copy_from_slice(&tag);
    let out = out
        .get_mut(..GRANT_TOKEN_LEN)
        .ok_or(Ws402Error::BufferTooSmall)?;
    Base64UrlUnpadded::encode(&raw, out).map_err(|_| Ws402Error::BufferTooSmall)
}

/// The `WS402` token of an `Authorization` value, decoded (unverified), or the refusal.
fn decode(authorization: Option<&str>) -> Result<[u8; GRANT_RAW_LEN], Refusal> {
    let cred = authorization
        .and_then(|v| credentials(v).ok())
        .filter(|c| c.scheme_is(GRANT_SCHEME))
        .ok_or(Refusal::GrantRequired)?;
    let token = cred
        .token68()
        .filter(|t| t.len() == GRANT_TOKEN_LEN)
        .ok_or(Refusal::GrantInvalid)?;
    let mut raw = [0u8; GRANT_RAW_LEN];
    match Base64UrlUnpadded::decode(token.as_bytes(), &mut raw) {
        Ok(d) if d.len() == GRANT_RAW_LEN => {}
        _ => return Err(Refusal::GrantInvalid),
    }
    if raw.first() != Some(&GRANT_VERSION) {
        return Err(Refusal::GrantInvalid);
    }
    Ok(raw)
}

fn id_of(raw: &[u8; GRANT_RAW_LEN]) -> SessionId {
    let mut id = [0u8; SESSION_ID_LEN];
    if let Some(s) = raw.get(1..1 + SESSION_ID_LEN) {
        id.copy_from_slice(s);
    }
    id
}

fn u32_at(raw: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    if let Some(s) = raw.get(at..at + 4) {
        b.copy_from_slice(s);
    }
    u32::from_be_bytes(b)
}

fn u64_at(raw: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    if let Some(s) = raw.get(at..at + 8) {
        b.copy_from_slice(s);
    }
    u64::from_be_bytes(b)
}

/// The session id named by the `WS402` token of an `Authorization` value, **unverified**: only
/// for loading that session's record before [`check`]. `None` when there is no well-formed
/// token.
pub fn lookup_id(authorization: Option<&str>) -> Option<SessionId> {
    decode(authorization).ok().map(|raw| id_of(&raw))
}

/// Checks the `Authorization` field value of a request for `resource_url` at `now_ms` against
/// the session the token names (loaded by the host with [`lookup_id`]); the order of the checks
/// and the refusals are in the module documentation. The tag is compared in constant time.
pub fn check(
    keys: &SessionKeys,
    authorization: Option<&str>,
    resource_url: &str,
    now_ms: u64,
    session: GrantSession,
) -> Result<Grant, Refusal> {
    let raw = decode(authorization)?;
    let (b, tag) = raw.split_at(GRANT_BODY_LEN);
    let expected = keys.grant_mac(&[b]);
    let id = id_of(&raw);
    let tag_ok: bool = expected.as_slice().ct_eq(tag).into();
    let id_ok: bool = id.as_slice().ct_eq(&session.session_id).into();
    if !(tag_ok && id_ok) {
        return Err(Refusal::GrantInvalid);
    }
    let generation = u32_at(b, 17);
    let expires_ms = u64_at(b, 21);
    if now_ms >= expires_ms {
        return Err(Refusal::GrantExpired);
    }
    let url_hash: [u8; 32] = Sha256::digest(resource_url.as_bytes()).into();
    if b.get(29..) != Some(url_hash.as_slice()) {
        return Err(Refusal::WrongResource);
    }
    match session.phase {
        RecordPhase::Running => {}
        RecordPhase::Suspended => return Err(Refusal::SessionSuspended),
        _ => return Err(Refusal::SessionEnded),
    }
    if generation < session.generation {
        return Err(Refusal::GrantRevoked);
    }
    Ok(Grant {
        session_id: id,
        generation,
        expires_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> SessionKeys {
        SessionKeys::derive(&[7u8; 32]).unwrap()
    }

    const URL: &str = "https://example.com/a";

    fn token(generation: u32, exp: u64) -> [u8; GRANT_TOKEN_LEN] {
        let mut buf = [0u8; GRANT_TOKEN_LEN];
        issue(&keys(), &[1; 16], URL, generation, exp, &mut buf).unwrap();
        buf
    }

    fn run(
        header: &str,
        url: &str,
        now: u64,
        phase: RecordPhase,
        generation: u32,
    ) -> Result<Grant, Refusal> {
        check(
            &keys(),
            Some(header),
            url,
            now,
            GrantSession {
                session_id: [1; 16],
                phase,
                generation,
            },
        )
    }

    #[test]
    fn each_refusal() {
        let t = token(2, 100);
        let t = core::str::from_utf8(&t).unwrap();
        let mut h = [0u8; 6 + GRANT_TOKEN_LEN];
        h[..6].copy_from_slice(b"WS402 ");
        h[6..].copy_from_slice(t.as_bytes());
        let h = core::str::from_utf8(&h).unwrap();
        assert!(run(h, URL, 99, RecordPhase::Running, 2).is_ok());
        assert!(run(h, URL, 99, RecordPhase::Running, 1).is_ok());
        assert_eq!(
            run(h, URL, 100, RecordPhase::Running, 2),
            Err(Refusal::GrantExpired)
        );
        assert_eq!(
            run(h, "https://example.com/b", 1, RecordPhase::Running, 2),
            Err(Refusal::WrongResource)
        );
        assert_eq!(
            run(h, URL, 1, RecordPhase::Suspended, 2),
            Err(Refusal::SessionSuspended)
        );
        assert_eq!(
            run(h, URL, 1, RecordPhase::Done, 2),
            Err(Refusal::SessionEnded)
        );
        assert_eq!(
            run(h, URL, 1, RecordPhase::Running, 3),
            Err(Refusal::GrantRevoked)
        );
        assert_eq!(
            run(t, URL, 1, RecordPhase::Running, 2),
            Err(Refusal::GrantRequired)
        );
        assert_eq!(
            run("Bearer abc", URL, 1, RecordPhase::Running, 2),
            Err(Refusal::GrantRequired)
        );
        assert_eq!(
            run("WS402 abc", URL, 1, RecordPhase::Running, 2),
            Err(Refusal::GrantInvalid)
        );
        let other = check(
            &keys(),
            Some(h),
            URL,
            1,
            GrantSession {
                session_id: [2; 16],
                phase: RecordPhase::Running,
                generation: 0,
            },
        );
        assert_eq!(other, Err(Refusal::GrantInvalid));
        let k2 = SessionKeys::derive(&[8u8; 32]).unwrap();
        let wrong_key = check(
            &k2,
            Some(h),
            URL,
            1,
            GrantSession {
                session_id: [1; 16],
                phase: RecordPhase::Running,
                generation: 0,
            },
        );
        assert_eq!(wrong_key, Err(Refusal::GrantInvalid));
    }

    #[test]
    fn every_single_character_change_is_refused() {
        let t = token(0, u64::MAX);
        for i in 0..GRANT_TOKEN_LEN {
            for c in [b'A', b'z', b'-', b'_', b'0'] {
                let mut h = [0u8; 6 + GRANT_TOKEN_LEN];
                h[..6].copy_from_slice(b"WS402 ");
                h[6..].copy_from_slice(&t);
                if h[6 + i] == c {
                    continue;
                }
                h[6 + i] = c;
                let h = core::str::from_utf8(&h).unwrap();
                let r = run(h, URL, 0, RecordPhase::Running, 0);
                assert_eq!(r, Err(Refusal::GrantInvalid), "position {i}");
            }
        }
    }

    #[test]
    fn bodies_escape_the_schema_url_and_fail_on_a_short_buffer() {
        let mut out = [0u8; 256];
        let body = Refusal::BalanceInsufficient
            .write_body("https://x/\"q\"", &mut out)
            .unwrap();
        assert_eq!(
            body,
            r#"{"error":"Payment Required","message":"The WS402 session's balance cannot pay this response","code":"balance_insufficient","schemaUrl":"https://x/\"q\""}"#
        );
        let mut short = [0u8; 20];
        assert_eq!(
            Refusal::GrantRequired.write_body("u", &mut short),
            Err(Ws402Error::BufferTooSmall)
        );
        assert_eq!(short, [0u8; 20]);
        for r in [
            Refusal::GrantRequired,
            Refusal::GrantInvalid,
            Refusal::GrantExpired,
            Refusal::WrongResource,
            Refusal::SessionSuspended,
            Refusal::SessionEnded,
            Refusal::GrantRevoked,
            Refusal::BalanceInsufficient,
            Refusal::SessionElsewhere,
        ] {
            assert_eq!(Refusal::from_code(r.code()), Some(r));
        }
        assert_eq!(Refusal::from_code("nope"), None);
    }

    #[test]
    fn session_errors_map_to_refusals() {
        let cases = [
            (
                SessionError::BalanceInsufficient,
                402,
                "balance_insufficient",
            ),
            (SessionError::Suspended, 403, "session_suspended"),
            (SessionError::Ended, 403, "session_ended"),
            (SessionError::NotStarted, 403, "session_elsewhere"),
            (SessionError::CommandsPending, 403, "session_elsewhere"),
        ];
        for (e, status, code) in cases {
            let r = Refusal::for_session_error(&e);
            assert_eq!((r.status(), r.code()), (status, code));
        }
    }

    #[test]
    fn short_buffer() {
        let mut buf = [0u8; GRANT_TOKEN_LEN - 1];
        assert_eq!(
            issue(&keys(), &[1; 16], URL, 0, 1, &mut buf),
            Err(Ws402Error::BufferTooSmall)
        );
    }
}
