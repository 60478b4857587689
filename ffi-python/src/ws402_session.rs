//! The WS402 server side: `Ws402Server`, `Ws402Session`, `Ws402Command`, `Ws402Statement`,
//! `ChainProofConfig` (on-chain prepayments: a client's own transaction as `payment_proof`).
//!
//! Conversion only: offers and the resource from dicts (as `X402Server`), prices from `int`s,
//! inputs to the core's, commands and the statement to Python objects. Every decision is
//! `pay402_host::ws402_server` over the core's `pay402::ws402::SessionMachine`.

use crate::convert::{BytesOrHex, PyU256, Uint, address, choice};
use crate::errors::{CoreError, Kind};
use crate::server::{offer, required, text};
use crate::settle::RefundOrder;
use core::fmt::Write as _;
use pay402::ws402::{Ending, Payer, Plan, RefundOutcome, Reservation, Statement, Tariff};
use pay402_host::HostError;
use pay402_host::ws402_server::{self as host, OwnedCommand, SessionInput};
use pay402_host::x402_server::ResourceConfig;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyMapping;
use std::sync::Mutex;

fn error(e: &HostError) -> PyErr {
    CoreError::custom(Kind::Ws402, e.code, e.message.clone())
        .detail(e.detail_code)
        .into()
}

fn payer_text(p: Payer) -> String {
    match p {
        Payer::Evm(a) => address(&a),
        Payer::Solana(k) => pay402::svm::Pubkey(k)
            .to_base58(&mut [0u8; pay402::svm::pubkey::BASE58_MAX_LEN])
            .to_owned(),
    }
}

/// How a WS402 session ended and its money, to the atomic unit. `ending` is `rejected` (never
/// started: `reason` is the code sent in `payment_rejected`, or `connection_closed`) or `ended`
/// (`reason` is the meter's end: `client_close`, `balance_exhausted`, `max_duration`, …).
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ws402Statement {
    /// The wire `sessionId` (32 lowercase hex digits).
    session_id: String,
    /// `rejected` or `ended`.
    ending: &'static str,
    /// The rejection's code or the end's reason.
    reason: &'static str,
    /// When it ended (Unix ms).
    at_ms: u64,
    /// The close code sent, when the socket was still open.
    close_code: Option<u16>,
    /// `exact` or `upto`, once a payment was admitted.
    plan: Option<&'static str>,
    /// The verified payer, once a payment was admitted.
    payer: Option<String>,
    /// The verified amount (`upto`: the signed maximum).
    paid: Uint,
    /// What the session consumed.
    consumed: Uint,
    /// The amount of the prepayment's (`exact`) or charge's (`upto`) settlement.
    settlement_amount: Option<Uint>,
    /// `requested`, `settled`, `refused`, `pending` or `unavailable`.
    settlement_status: Option<&'static str>,
    /// `paid − consumed` owed back (`exact`).
    refund_amount: Option<Uint>,
    /// `requested`, `confirmed`, `pending`, `failed` or `unsupported` (no order on Solana).
    refund_status: Option<&'static str>,
    /// The refund order given to the settlement layer.
    refund_order: Option<RefundOrder>,
    /// `True` once nothing more is awaited.
    finished: bool,
}

impl Ws402Statement {
    fn of(st: &Statement) -> Self {
        let (ending, reason, at_ms, close_code) = match st.ending {
            Ending::Rejected { reason, at_ms } => ("rejected", reason, at_ms, None),
            Ending::Ended(end) => ("ended", end.reason.as_str(), end.at_ms, end.close_code),
        };
        Self {
            session_id: st.session_id.iter().fold(String::new(), |mut s, b| {
                let _ = write!(s, "{b:02x}");
                s
            }),
            ending,
            reason,
            at_ms,
            close_code,
            plan: st.plan.map(|p| match p {
                Plan::Exact => "exact",
                Plan::Upto => "upto",
            }),
            payer: st.payer.map(payer_text),
            paid: Uint(st.paid),
            consumed: Uint(st.consumed),
            settlement_amount: st.settlement.map(|s| Uint(s.amount)),
            settlement_status: st.settlement.map(|s| s.status.name()),
            refund_amount: st.refund.map(|r| Uint(r.amount)),
            refund_status: st.refund.map(|r| r.status.name()),
            refund_order: st.refund.and_then(|r| r.order).map(RefundOrder),
            finished: st.finished,
        }
    }
}

#[pymethods]
impl Ws402Statement {
    fn __repr__(&self) -> String {
        format!(
            "Ws402Statement(ending={:?}, reason={:?}, paid={}, consumed={}, finished={})",
            self.ending,
            self.reason,
            self.paid.0,
            self.consumed.0,
            if self.finished { "True" } else { "False" }
        )
    }
}

/// One thing the host does, in order. `kind` is `send` (`text`), `send_app_frame`,
/// `deliver_to_app`, `close` (`code`), `reserve` (`key`, `ttl`), `release` (`key`), `settle`
/// (`body`, `amount`), `refund` (`refund`: a `RefundOrder`), `finished` (`statement`), and on a
/// server with a `secret`: `persist` (`session_id`, `record`, `generation`, `expect`: `None`
/// creates, else compare-and-swap from it; `ttl` seconds; answer `persisted`), `load`
/// (`session_id`; answer `loaded`) or `abandoned` (another process owns the session: forget
/// it); on a server with `chain_proof`: `rpc` (`method`, `params`: POST
/// `{"jsonrpc":"2.0","id":1,"method":<method>,"params":<params verbatim>}` to the chain's RPC URL and
/// answer `rpc_response` with the whole HTTP body, or `None` when the call failed); the other
/// fields are `None`.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ws402Command {
    kind: &'static str,
    text: Option<String>,
    code: Option<u16>,
    key: Option<crate::convert::Bytes>,
    ttl: Option<u64>,
    body: Option<crate::convert::Bytes>,
    amount: Option<Uint>,
    refund: Option<RefundOrder>,
    statement: Option<Ws402Statement>,
    session_id: Option<String>,
    record: Option<crate::convert::Bytes>,
    generation: Option<u64>,
    expect: Option<u64>,
    method: Option<String>,
    params: Option<String>,
}

impl Ws402Command {
    fn of(c: OwnedCommand) -> Self {
        let mut out = Self {
            kind: c.kind(),
            text: None,
            code: None,
            key: None,
            ttl: None,
            body: None,
            amount: None,
            refund: None,
            statement: None,
            session_id: None,
            record: None,
            generation: None,
            expect: None,
            method: None,
            params: None,
        };
        match c {
            OwnedCommand::Send(t) => out.text = Some(t),
            OwnedCommand::Close(code) => out.code = Some(code),
            OwnedCommand::Reserve { key, ttl } => {
                out.key = Some(crate::convert::Bytes(key));
                out.ttl = Some(ttl);
            }
            OwnedCommand::Release { key } => out.key = Some(crate::convert::Bytes(key)),
            OwnedCommand::Settle { body, amount } => {
                out.body = Some(crate::convert::Bytes(body));
                out.amount = Some(Uint(amount));
            }
            OwnedCommand::Refund(order) => out.refund = Some(RefundOrder(order)),
            OwnedCommand::Finished(st) => out.statement = Some(Ws402Statement::of(&st)),
            OwnedCommand::Persist {
                session_id,
                record,
                generation,
                expect,
                ttl_s,
            } => {
                out.session_id = Some(session_id);
                out.record = Some(crate::convert::Bytes(record));
                out.generation = Some(generation);
                out.expect = expect;
                out.ttl = Some(ttl_s);
            }
            OwnedCommand::Load { session_id } => out.session_id = Some(session_id),
            OwnedCommand::Rpc { method, params } => {
                out.method = Some(method);
                out.params = Some(params);
            }
            OwnedCommand::SendAppFrame
            | OwnedCommand::DeliverToApp
            | OwnedCommand::ServeHttp
            | OwnedCommand::Abandoned => {}
        }
        out
    }
}

#[pymethods]
impl Ws402Command {
    fn __repr__(&self) -> String {
        match (&self.text, self.code, &self.amount) {
            (Some(t), _, _) => format!("Ws402Command(send, {t:?})"),
            (_, Some(c), _) => format!("Ws402Command(close, {c})"),
            (_, _, Some(a)) => format!("Ws402Command({}, amount={})", self.kind, a.0),
            _ => format!("Ws402Command({})", self.kind),
        }
    }
}

/// On-chain prepayments (the original WS402's `{txHash, reference, senderAddress}` proof): the
/// client pays `pay_to` on chain `chain_id` itself, in the token `asset` (an ERC-20 address) or,
/// with `asset=None`, in the native coin; the core verifies the transaction over the host's RPC
/// (`rpc` commands), asks at least the schema's `totalPrice`, at most `max_age_seconds` old and
/// `min_confirmations` deep, and refunds `paid − consumed` to the transaction's payer.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChainProofConfig {
    chain_id: u64,
    pay_to: String,
    asset: Option<String>,
    min_confirmations: u64,
    max_age_seconds: u64,
}

#[pymethods]
impl ChainProofConfig {
    /// `min_confirmations` and `max_age_seconds` absent: the core's defaults
    /// (`DEFAULT_MIN_CONFIRMATIONS` 1, `DEFAULT_MAX_AGE_SECS` 300, the seed's `paymentTimeout`).
    #[new]
    #[pyo3(signature = (*, chain_id, pay_to, asset=None, min_confirmations=None, max_age_seconds=None))]
    fn new(
        chain_id: u64,
        pay_to: String,
        asset: Option<String>,
        min_confirmations: Option<u64>,
        max_age_seconds: Option<u64>,
    ) -> Self {
        Self {
            chain_id,
            pay_to,
            asset,
            min_confirmations: min_confirmations
                .unwrap_or(pay402::ws402::DEFAULT_MIN_CONFIRMATIONS),
            max_age_seconds: max_age_seconds.unwrap_or(pay402::ws402::DEFAULT_MAX_AGE_SECS),
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "ChainProofConfig(chain_id={}, pay_to={:?}, asset={:?}, min_confirmations={}, max_age_seconds={})",
            self.chain_id, self.pay_to, self.asset, self.min_confirmations, self.max_age_seconds
        )
    }
}

impl ChainProofConfig {
    fn host(&self) -> host::ChainProofConfig {
        host::ChainProofConfig {
            chain_id: self.chain_id,
            asset: self.asset.clone(),
            pay_to: self.pay_to.clone(),
            min_confirmations: self.min_confirmations,
            max_age_seconds: self.max_age_seconds,
        }
    }
}

/// A WS402 server: the offers (dicts, as `X402Server`), prepared once, and the session policy.
/// Prices are integers of the paid asset's atomic unit.
#[pyclass(module = "pay402._native", frozen)]
#[derive(Debug)]
pub(crate) struct Ws402Server {
    inner: host::Ws402Server,
    keys: Option<pay402::ws402::SessionKeys>,
}

#[pymethods]
impl Ws402Server {
    #[new]
    #[pyo3(signature = (offers, resource, *, price_per_second, max_session_seconds,
        price_per_byte_in=None, price_per_byte_out=None, price_per_message=None,
        update_interval_ms=3_000, proof_timeout_ms=10_000, resume_grace_ms=0, settle_margin_s=120,
        estimated_duration=None, currency=None, resource_id=None, secret=None, lease_ms=0,
        chain_proof=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        offers: Vec<Bound<'_, PyAny>>,
        resource: Bound<'_, PyMapping>,
        price_per_second: PyU256,
        max_session_seconds: u64,
        price_per_byte_in: Option<PyU256>,
        price_per_byte_out: Option<PyU256>,
        price_per_message: Option<PyU256>,
        update_interval_ms: u64,
        proof_timeout_ms: u64,
        resume_grace_ms: u64,
        settle_margin_s: u64,
        estimated_duration: Option<u64>,
        currency: Option<String>,
        resource_id: Option<String>,
        secret: Option<Vec<u8>>,
        lease_ms: u64,
        chain_proof: Option<PyRef<'_, ChainProofConfig>>,
    ) -> PyResult<Self> {
        let offers = offers.iter().map(offer).collect::<PyResult<Vec<_>>>()?;
        let resource = ResourceConfig {
            url: required(&resource, "url")
                .map_err(|_| error(&HostError::config("invalid_resource", "`url` is required")))?,
            description: text(&resource, "description")?.unwrap_or_default(),
            mime_type: text(&resource, "mime_type")?,
        };
        let zero = |p: Option<PyU256>| p.map_or(pay402::U256::ZERO, |p| p.0);
        let mut config = host::Ws402Config::new(price_per_second.0, max_session_seconds);
        config.tariff = Tariff {
            per_second: price_per_second.0,
            per_byte_in: zero(price_per_byte_in),
            per_byte_out: zero(price_per_byte_out),
            per_message: zero(price_per_message),
        };
        config.update_interval_ms = update_interval_ms;
        config.proof_timeout_ms = proof_timeout_ms;
        config.resume_grace_ms = resume_grace_ms;
        config.settle_margin_s = settle_margin_s;
        config.estimated_duration_seconds = estimated_duration;
        config.currency = currency;
        config.resource_id = resource_id;
        config.lease_ms = lease_ms;
        config.chain_proof = chain_proof.as_deref().map(ChainProofConfig::host);
        let mut inner = host::Ws402Server::new(offers, resource, config).map_err(|e| error(&e))?;
        let mut keys = None;
        if let Some(secret) = secret {
            inner = inner.with_secret(&secret).map_err(|e| error(&e))?;
            keys = Some(
                pay402::ws402::SessionKeys::derive(&secret)
                    .map_err(|e| error(&HostError::of(&e)))?,
            );
        }
        Ok(Self { inner, keys })
    }

    /// Seconds an `upto` authorization must stay valid from its admission under this policy:
    /// `max_session_seconds` + the resume grace (whole seconds, rounded up) + `settle_margin_s`
    /// (the core's rule; a shorter one is refused `authorization_too_short`).
    #[staticmethod]
    #[pyo3(signature = (max_session_seconds, *, resume_grace_ms=0, settle_margin_s=120))]
    fn upto_validity_seconds(
        max_session_seconds: u64,
        resume_grace_ms: u64,
        settle_margin_s: u64,
    ) -> u64 {
        let mut config = host::Ws402Config::new(pay402::U256::ZERO, max_session_seconds);
        config.resume_grace_ms = resume_grace_ms;
        config.settle_margin_s = settle_margin_s;
        config.upto_validity_s()
    }

    /// `True` when the server has a `secret`: sessions are persisted and resumable.
    #[getter]
    fn resumable(&self) -> bool {
        self.inner.resumable()
    }

    /// A session recovered from its stored `record` after a restart, and the decision:
    /// `(session, kind, at_ms)` with `kind` `still_owned` (recover again at `at_ms`),
    /// `await_resume` (until `at_ms`), `end`, `continue` or `done`. Do `session.pending()`
    /// first.
    fn recover(
        &self,
        record: Vec<u8>,
        now_ms: u64,
    ) -> PyResult<(Ws402Session, &'static str, Option<u64>)> {
        let (session, recovery) = self.inner.recover(&record, now_ms).map_err(|e| error(&e))?;
        let (kind, at) = match recovery {
            host::Recovery::StillOwned { retry_at_ms } => ("still_owned", Some(retry_at_ms)),
            host::Recovery::AwaitResume { until_ms } => ("await_resume", Some(until_ms)),
            host::Recovery::End => ("end", None),
            host::Recovery::Continue => ("continue", None),
            host::Recovery::Done => ("done", None),
        };
        Ok((
            Ws402Session {
                inner: Mutex::new(session),
            },
            kind,
            at,
        ))
    }

    /// Checks an HTTP request's `Authorization` value for `resource_url` against the session's
    /// stored `record` (loaded under `grant_session_id(authorization)`; `None` when absent):
    /// `(status, code)`, `(200, None)` when granted, else the core's refusal (402
    /// `grant_required`, 401 `grant_invalid`/`grant_expired`/`grant_revoked`, 403
    /// `wrong_resource`/`session_suspended`/`session_ended`).
    #[pyo3(signature = (authorization, resource_url, record, now_ms))]
    fn grant_check(
        &self,
        authorization: Option<&str>,
        resource_url: &str,
        record: Option<Vec<u8>>,
        now_ms: u64,
    ) -> (u16, Option<&'static str>) {
        use pay402::ErrorCode as _;
        match self
            .inner
            .grant_check(authorization, resource_url, record.as_deref(), now_ms)
        {
            Ok(_) => (200, None),
            Err(r) => (r.status(), Some(r.code())),
        }
    }

    /// The answer of the grant refusal `code` (a code of `grant_check`, `http_serve` or
    /// `grant_elsewhere`): `(status, body)`, the JSON body whose 402s (`grant_required`,
    /// `balance_insufficient`) carry the seed's `error`/`message` and `schemaUrl` =
    /// `schema_url` (the WS402 schema's URL). Errors: `ValueError` for an unknown code.
    #[staticmethod]
    #[pyo3(signature = (code, schema_url))]
    fn grant_refusal_body(code: &str, schema_url: &str) -> PyResult<(u16, String)> {
        let r = pay402::ws402::GrantRefusal::from_code(code)
            .ok_or_else(|| PyValueError::new_err("not a WS402 grant refusal code"))?;
        Ok((
            r.status(),
            host::Ws402Server::grant_refusal_body(r, schema_url),
        ))
    }

    /// The refusal of a request whose grant verified but whose session has no live session in
    /// this process (its socket is held by another process): `(403, "session_elsewhere")`. A
    /// response that cannot be charged is never served.
    #[staticmethod]
    fn grant_elsewhere() -> (u16, &'static str) {
        use pay402::ErrorCode as _;
        let r = host::Ws402Server::grant_elsewhere();
        (r.status(), r.code())
    }

    /// An HTTP grant for the session whose latest record is `record`, on `resource_url`, until
    /// `expires_ms` (Unix ms), at the record's grant generation (`http_grant::issue`): returns
    /// `(token, frame)`, the token for `Authorization: WS402 <token>` and the
    /// `http_access_granted` frame (with `message` when given) to send on the session's socket.
    /// Errors: `session_unsupported` (no secret), the record's (`record_tampered`, …).
    #[pyo3(signature = (record, resource_url, expires_ms, message=None))]
    fn issue_grant(
        &self,
        record: Vec<u8>,
        resource_url: &str,
        expires_ms: u64,
        message: Option<&str>,
    ) -> PyResult<(String, String)> {
        use pay402::ws402::{Message, SealedRecord, http_grant};
        let keys = self.keys.as_ref().ok_or_else(|| {
            error(&HostError::config(
                "session_unsupported",
                "HTTP grants need the server secret",
            ))
        })?;
        let opened = SealedRecord::open(keys, &record).map_err(|e| error(&HostError::of(&e)))?;
        let mut out = [0u8; http_grant::GRANT_TOKEN_LEN];
        let token = http_grant::issue(
            keys,
            &opened.session_id,
            resource_url,
            opened.grant_generation,
            expires_ms,
            &mut out,
        )
        .map_err(|e| error(&HostError::of(&e)))?
        .to_owned();
        let mut id = [0u8; 32];
        let id = pay402::hex::encode_lower_into(&opened.session_id, &mut id)
            .map_err(|_| PyValueError::new_err("session id"))?;
        let frame = Message::HttpAccessGranted {
            session_id: pay402::json::JsonStr::from(id),
            http_token: pay402::json::JsonStr::from(token.as_str()),
            resource_url: pay402::json::JsonStr::from(resource_url),
            message: message.map(pay402::json::JsonStr::from),
        };
        let mut buf = vec![0u8; 512 + 2 * (resource_url.len() + message.map_or(0, str::len))];
        let n = frame
            .write(&mut buf, pay402::ws402::AmountEncoding::String)
            .map_err(|e| error(&HostError::of(&e)))?;
        buf.truncate(n);
        let frame = String::from_utf8(buf)
            .map_err(|_| PyValueError::new_err("http_access_granted frame is not UTF-8"))?;
        Ok((token, frame))
    }

    /// The session id (32 lowercase hex digits) a `WS402` grant names, unverified: only to load
    /// the record for `grant_check`.
    #[staticmethod]
    #[pyo3(signature = (authorization))]
    fn grant_session_id(authorization: Option<&str>) -> Option<String> {
        host::Ws402Server::grant_session_id(authorization)
    }

    /// The WS402 schema JSON for a socket at `ws_url` (`paymentDetails`: the offers' x402 v2
    /// `PaymentRequired`).
    fn schema(&self, ws_url: &str) -> PyResult<crate::convert::Bytes> {
        self.inner
            .schema(ws_url)
            .map(crate::convert::Bytes)
            .map_err(|e| error(&e))
    }

    /// The schema at `now_ms` (Unix ms): with `chain_proof`, `paymentDetails` also carries the
    /// original WS402's fields (`recipient`, `amountWei`, `chainId`, `reference` made from
    /// `reference_random`, 8 random bytes, `expiresAt`, …); without, as `schema`.
    fn schema_at(
        &self,
        ws_url: &str,
        now_ms: u64,
        reference_random: BytesOrHex,
    ) -> PyResult<crate::convert::Bytes> {
        let random = reference_random.array::<8>("reference_random")?;
        self.inner
            .schema_at(ws_url, now_ms, random)
            .map(crate::convert::Bytes)
            .map_err(|e| error(&e))
    }

    /// A session for a socket opened at `now_ms` (Unix ms); `session_id`: 16 random bytes.
    fn accept(&self, now_ms: u64, session_id: BytesOrHex) -> PyResult<Ws402Session> {
        let id = session_id.array::<16>("session_id")?;
        Ok(Ws402Session {
            inner: Mutex::new(self.inner.accept(now_ms, id)),
        })
    }
}

/// One WS402 session: report each event, do the returned `Ws402Command`s in order, arm one
/// timer at `timeout`.
#[pyclass(module = "pay402._native", frozen)]
#[derive(Debug)]
pub(crate) struct Ws402Session {
    inner: Mutex<host::Ws402Session>,
}

impl Ws402Session {
    fn with<T>(&self, f: impl FnOnce(&mut host::Ws402Session) -> T) -> PyResult<T> {
        let mut guard = self
            .inner
            .lock()
            .map_err(|_| PyValueError::new_err("session poisoned"))?;
        Ok(f(&mut guard))
    }

    fn on(&self, now_ms: u64, input: SessionInput<'_>) -> PyResult<Vec<Ws402Command>> {
        self.with(|s| s.handle(now_ms, input))?
            .map(|cs| cs.into_iter().map(Ws402Command::of).collect())
            .map_err(|e| error(&e))
    }
}

#[pymethods]
impl Ws402Session {
    /// A text frame from the client.
    fn handle_text(&self, now_ms: u64, frame: crate::convert::Text) -> PyResult<Vec<Ws402Command>> {
        self.on(now_ms, SessionInput::Text(&frame.0))
    }

    /// A binary frame from the client.
    fn handle_binary(&self, now_ms: u64, frame: Vec<u8>) -> PyResult<Vec<Ws402Command>> {
        self.on(now_ms, SessionInput::Binary(&frame))
    }

    /// The timer armed at `timeout` fired.
    fn timer(&self, now_ms: u64) -> PyResult<Vec<Ws402Command>> {
        self.on(now_ms, SessionInput::Timer)
    }

    /// The socket closed with `code`, or without a close frame (`None`: a drop).
    #[pyo3(signature = (now_ms, code=None))]
    fn closed(&self, now_ms: u64, code: Option<u16>) -> PyResult<Vec<Ws402Command>> {
        self.on(now_ms, SessionInput::Closed(code))
    }

    /// The application ended the session (`error=True`: it failed).
    #[pyo3(signature = (now_ms, error=false))]
    fn app_ended(&self, now_ms: u64, error: bool) -> PyResult<Vec<Ws402Command>> {
        self.on(now_ms, SessionInput::AppEnded(error))
    }

    /// The application wants to send a frame of `size` bytes: send it only on `send_app_frame`.
    fn app_send(&self, now_ms: u64, size: u64) -> PyResult<Vec<Ws402Command>> {
        self.on(now_ms, SessionInput::AppSend(size))
    }

    /// An HTTP response of `size` body bytes is about to be served under this session's grant:
    /// the core charges it (body bytes at `per_byte_out`, one message at `per_message`) before
    /// it is sent. `(200, None, commands)`: serve it, then do the commands (the first is
    /// `serve_http`; the others end the session when it took the last of the balance). Else
    /// `(status, code, [])`: do not serve it; answer with `grant_refusal_body(code, ...)` (402
    /// `balance_insufficient`, 403 `session_suspended`/`session_ended`/`session_elsewhere`);
    /// nothing changed.
    fn http_serve(
        &self,
        now_ms: u64,
        size: u64,
    ) -> PyResult<(u16, Option<&'static str>, Vec<Ws402Command>)> {
        use pay402::ErrorCode as _;
        match self.with(|s| s.http_serve(now_ms, size))? {
            Ok(host::HttpServe::Served(cs)) => {
                Ok((200, None, cs.into_iter().map(Ws402Command::of).collect()))
            }
            Ok(host::HttpServe::Refused(r)) => Ok((r.status(), Some(r.code()), Vec::new())),
            Err(e) => Err(error(&e)),
        }
    }

    /// The replay store's answer to `reserve`: `fresh`, `already_used` or `unavailable`.
    fn reserved(&self, now_ms: u64, answer: &str) -> PyResult<Vec<Ws402Command>> {
        let answer = match choice("answer", answer, &["fresh", "already_used", "unavailable"])? {
            "fresh" => Reservation::Fresh,
            "already_used" => Reservation::AlreadyUsed,
            _ => Reservation::Unavailable,
        };
        self.on(now_ms, SessionInput::Reserved(answer))
    }

    /// The `/settle` answer's JSON body, or `None` when there was none (timeout, connection
    /// error, 5xx).
    fn settled(&self, now_ms: u64, response: Option<Vec<u8>>) -> PyResult<Vec<Ws402Command>> {
        self.on(now_ms, SessionInput::Settled(response.as_deref()))
    }

    /// The refund's outcome: `confirmed`, `pending` or `failed`.
    fn refunded(&self, now_ms: u64, outcome: &str) -> PyResult<Vec<Ws402Command>> {
        let outcome = match choice("outcome", outcome, &["confirmed", "pending", "failed"])? {
            "confirmed" => RefundOutcome::Confirmed,
            "pending" => RefundOutcome::Pending,
            _ => RefundOutcome::Failed,
        };
        self.on(now_ms, SessionInput::Refunded(outcome))
    }

    /// The store's answer to `persist`: `True` when written, `False` when another write came
    /// first.
    fn persisted(&self, now_ms: u64, ok: bool) -> PyResult<Vec<Ws402Command>> {
        self.on(now_ms, SessionInput::Persisted(ok))
    }

    /// The store's answer to `load`: the record's bytes, or `None`.
    fn loaded(&self, now_ms: u64, record: Option<Vec<u8>>) -> PyResult<Vec<Ws402Command>> {
        self.on(now_ms, SessionInput::Loaded(record.as_deref()))
    }

    /// The answer to `rpc`: the whole HTTP response body, or `None` when the call failed
    /// (connection error, timeout, HTTP status other than 200). The core reads it.
    fn rpc_response(&self, now_ms: u64, body: Option<Vec<u8>>) -> PyResult<Vec<Ws402Command>> {
        self.on(now_ms, SessionInput::RpcResponse(body.as_deref()))
    }

    /// The commands of a recovered session, to do before anything else.
    fn pending(&self) -> PyResult<Vec<Ws402Command>> {
        self.with(host::Ws402Session::pending)?
            .map(|cs| cs.into_iter().map(Ws402Command::of).collect())
            .map_err(|e| error(&e))
    }

    /// When to call `timer` next (Unix ms); `None`: no timer.
    #[getter]
    fn timeout(&self) -> PyResult<Option<u64>> {
        self.with(|s| s.timeout())
    }

    /// The statement once the session ended, else `None`.
    #[getter]
    fn statement(&self) -> PyResult<Option<Ws402Statement>> {
        Ok(self
            .with(|s| s.statement())?
            .map(|st| Ws402Statement::of(&st)))
    }

    /// `awaiting_proof`, `verifying_transaction` (a chain proof's RPC calls), `reserving`,
    /// `settling_prepayment`, `running`, `suspended`, `settling_charge`, `refunding`, `finished`,
    /// and with a secret `loading`, `resuming` or `not_owner`.
    #[getter]
    fn phase(&self) -> PyResult<&'static str> {
        self.with(|s| s.phase().name())
    }

    /// The wire `sessionId` (32 lowercase hex digits).
    #[getter]
    fn session_id(&self) -> PyResult<String> {
        self.with(|s| s.session_id())
    }

    /// The verified payer (checksummed EVM address or base58 Solana key), once a payment was
    /// admitted; else `None`.
    #[getter]
    fn payer(&self) -> PyResult<Option<String>> {
        Ok(self.with(|s| s.payer())?.map(payer_text))
    }

    /// The generation of the last record this session asked to write (0: none yet).
    #[getter]
    fn record_generation(&self) -> PyResult<u64> {
        self.with(|s| s.record_generation())
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Ws402Server>()?;
    m.add_class::<Ws402Session>()?;
    m.add_class::<Ws402Command>()?;
    m.add_class::<Ws402Statement>()?;
    m.add_class::<ChainProofConfig>()?;
    Ok(())
}
