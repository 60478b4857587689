//! The WS402 client tracker: `Ws402ClientSession`, `Ws402ClientEvent`.
//!
//! Conversion only: amounts from and to `int`s, frames from `str`/`bytes`, events to a frozen
//! object. Every verdict is `pay402::ws402::ClientSession`'s.

use crate::convert::{PyU256, Text, Uint};
use crate::errors::{CoreError, Kind};
use pay402::json::JsonStr;
use pay402::ws402::{ClientError, ClientEvent, ClientSession, MAX_CLIENT_SESSION_ID_LEN};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::sync::Mutex;

fn error(e: &ClientError) -> PyErr {
    CoreError::new(Kind::Ws402, e).into()
}

fn text(s: &JsonStr<'_>) -> String {
    s.to_string()
}

/// What an accepted server frame means. `kind` is `application`, `started` (`balance`,
/// `price_per_second`), `usage` (`elapsed_seconds`, `consumed`, `remaining`,
/// `bytes_transferred`, `message_count`), `balance_exhausted` / `max_duration_reached`
/// (`message`), `http_access_granted` (`http_token`, `resource_url`, `message`),
/// `payment_rejected` / `resume_refused` (`reason`), `resumed` (`consumed`, `remaining`) or
/// `ended` (the statement: `session_id`, `ended_by`, `paid`, `consumed`, `settled`, `refund`,
/// `payer`, `settlement_tx`, `refund_tx`); the other fields are `None`. Amounts are `int`s.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Ws402ClientEvent {
    kind: &'static str,
    balance: Option<Uint>,
    price_per_second: Option<Uint>,
    elapsed_seconds: Option<u64>,
    consumed: Option<Uint>,
    remaining: Option<Uint>,
    bytes_transferred: Option<u64>,
    message_count: Option<u64>,
    message: Option<String>,
    http_token: Option<String>,
    resource_url: Option<String>,
    reason: Option<String>,
    session_id: Option<String>,
    ended_by: Option<String>,
    paid: Option<Uint>,
    settled: Option<Uint>,
    refund: Option<Uint>,
    payer: Option<String>,
    settlement_tx: Option<String>,
    refund_tx: Option<String>,
}

impl Ws402ClientEvent {
    fn of(e: &ClientEvent<'_>) -> Self {
        let mut out = Self {
            kind: e.kind(),
            ..Self::default()
        };
        match e {
            ClientEvent::Application => {}
            ClientEvent::Started {
                balance,
                price_per_second,
            } => {
                out.balance = Some(Uint(*balance));
                out.price_per_second = Some(Uint(*price_per_second));
            }
            ClientEvent::Usage {
                elapsed_seconds,
                consumed,
                remaining,
                bytes_transferred,
                message_count,
            } => {
                out.elapsed_seconds = Some(*elapsed_seconds);
                out.consumed = Some(Uint(*consumed));
                out.remaining = Some(Uint(*remaining));
                out.bytes_transferred = Some(*bytes_transferred);
                out.message_count = Some(*message_count);
            }
            ClientEvent::BalanceExhausted { message }
            | ClientEvent::MaxDurationReached { message } => {
                out.message = message.as_ref().map(text);
            }
            ClientEvent::HttpAccessGranted {
                http_token,
                resource_url,
                message,
            } => {
                out.http_token = Some(text(http_token));
                out.resource_url = Some(text(resource_url));
                out.message = message.as_ref().map(text);
            }
            ClientEvent::PaymentRejected { reason } | ClientEvent::ResumeRefused { reason } => {
                out.reason = Some(text(reason));
            }
            ClientEvent::Resumed {
                consumed,
                remaining,
            } => {
                out.consumed = Some(Uint(*consumed));
                out.remaining = Some(Uint(*remaining));
            }
            ClientEvent::Ended(s) => {
                out.session_id = Some(text(&s.session_id));
                out.ended_by = Some(text(&s.ended_by));
                out.paid = Some(Uint(s.paid));
                out.consumed = Some(Uint(s.consumed));
                out.settled = Some(Uint(s.settled));
                out.refund = Some(Uint(s.refund));
                out.payer = s.payer.as_ref().map(text);
                out.settlement_tx = s.settlement_tx.as_ref().map(text);
                out.refund_tx = s.refund_tx.as_ref().map(text);
            }
        }
        out
    }
}

#[pymethods]
impl Ws402ClientEvent {
    fn __repr__(&self) -> String {
        format!("Ws402ClientEvent({})", self.kind)
    }
}

/// The client side of one WS402 session: `authorized` is what the payment authorizes (x402
/// `exact`: the value paid; `upto`: the signed maximum), `price_per_second` the price of the
/// schema paid. `on_text` classifies and checks every server text frame against the client's
/// money and the phase; a refused frame raises `pay402.Ws402Error` (`server_overcharged`,
/// `consumed_decreased`, `balance_mismatch`, `before_start`, `after_end`, …) and changes
/// nothing.
#[pyclass(module = "pay402._native", frozen)]
#[derive(Debug)]
pub(crate) struct Ws402ClientSession {
    inner: Mutex<ClientSession>,
}

impl Ws402ClientSession {
    fn with<T>(&self, f: impl FnOnce(&mut ClientSession) -> T) -> PyResult<T> {
        let mut guard = self
            .inner
            .lock()
            .map_err(|_| PyValueError::new_err("session poisoned"))?;
        Ok(f(&mut guard))
    }

    fn written(buf: &[u8], r: Result<usize, ClientError>) -> PyResult<String> {
        let n = r.map_err(|e| error(&e))?;
        Ok(String::from_utf8_lossy(buf.get(..n).unwrap_or_default()).into_owned())
    }
}

#[pymethods]
impl Ws402ClientSession {
    #[new]
    fn new(authorized: PyU256, price_per_second: PyU256) -> Self {
        Self {
            inner: Mutex::new(ClientSession::new(authorized.0, price_per_second.0)),
        }
    }

    /// Classifies and checks one server text frame (`str` or UTF-8 `bytes`).
    fn on_text(&self, frame: Text) -> PyResult<Ws402ClientEvent> {
        self.with(|s| s.on_text(&frame.0).map(|e| Ws402ClientEvent::of(&e)))?
            .map_err(|e| error(&e))
    }

    /// The `payment_proof` frame carrying the x402 payment header value.
    fn write_payment_proof(&self, header_value: &str) -> PyResult<String> {
        let mut buf = vec![0u8; header_value.len() * 6 + 64];
        let n = self
            .with(|s| s.write_payment_proof(header_value, &mut buf))?
            .map_err(|e| error(&e))?;
        buf.truncate(n);
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }

    /// The `end_session` frame.
    fn write_end_session(&self) -> PyResult<String> {
        let mut buf = [0u8; 64];
        let r = self.with(|s| s.write_end_session(&mut buf))?;
        Self::written(&buf, r)
    }

    /// The `resume_session` frame; the session moves to `resuming`.
    fn write_resume_session(&self) -> PyResult<String> {
        let mut buf = [0u8; 1024];
        let r = self.with(|s| s.write_resume_session(&mut buf))?;
        Self::written(&buf, r)
    }

    /// `awaiting_start`, `running`, `closing`, `resuming`, `ended` or `rejected`.
    #[getter]
    fn phase(&self) -> PyResult<&'static str> {
        self.with(|s| s.phase().as_str())
    }

    /// What the client authorized.
    #[getter]
    fn authorized(&self) -> PyResult<Uint> {
        self.with(|s| Uint(s.authorized()))
    }

    /// The price per second the client paid.
    #[getter]
    fn price_per_second(&self) -> PyResult<Uint> {
        self.with(|s| Uint(s.price_per_second()))
    }

    /// The session's balance; 0 before the start.
    #[getter]
    fn balance(&self) -> PyResult<Uint> {
        self.with(|s| Uint(s.balance()))
    }

    /// The latest accepted consumed amount.
    #[getter]
    fn consumed(&self) -> PyResult<Uint> {
        self.with(|s| Uint(s.consumed()))
    }

    /// `balance - consumed`.
    #[getter]
    fn remaining(&self) -> PyResult<Uint> {
        self.with(|s| Uint(s.remaining()))
    }

    /// The `sessionId` of `session_started`, `None` before.
    #[getter]
    fn session_id(&self) -> PyResult<Option<String>> {
        self.with(|s| {
            let mut buf = [0u8; MAX_CLIENT_SESSION_ID_LEN];
            s.session_id(&mut buf).ok().flatten().map(str::to_owned)
        })
    }

    /// The `resumeToken` of `session_started`, `None` when the server does not resume.
    #[getter]
    fn resume_token(&self) -> PyResult<Option<String>> {
        self.with(|s| s.resume_token().map(str::to_owned))
    }

    fn __repr__(&self) -> PyResult<String> {
        self.with(|s| format!("Ws402ClientSession({})", s.phase().as_str()))
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Ws402ClientSession>()?;
    m.add_class::<Ws402ClientEvent>()?;
    Ok(())
}
