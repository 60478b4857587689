//! WS402: the metered session (`Meter`), its persisted record, messages and schemas; the
//! tariff meter (`TariffMeter`: prices per second, byte and message, suspend/resume, a deadline).

use crate::convert::{PyAddress, PyU256, Text, Uint, address, grow, text};
use crate::errors::CoreResult;
use crate::x402::{Verified, verified, verify_policy};
use pay402::writer::write_all;
use pay402::ws402::{
    End, Event, Message, Meter as CoreMeter, MeterConfig, Outcome, SESSION_RECORD_LEN, Schema,
    SessionEnd as CoreSessionEnd, SessionEvent, SessionOutcome, SessionRecord, Tariff,
    TariffConfig, TariffMeter as CoreTariffMeter, UsageUpdate,
};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// How and when a session ended: `reason` is `client_close`, `balance_exhausted` or
/// `max_duration`; `consumed` is what to settle, `refund` what to return to the payer.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SessionEnd {
    reason: &'static str,
    at_ms: u64,
    consumed: Uint,
    refund: Uint,
    close_code: u16,
}

fn end(e: &End) -> SessionEnd {
    SessionEnd {
        reason: e.reason.as_str(),
        at_ms: e.at_ms,
        consumed: Uint(e.consumed),
        refund: Uint(e.refund),
        close_code: e.close_code(),
    }
}

/// What the host must do after an event: `status` is `running` (`consumed` so far), `ended`
/// (this event ended the session: send `end.close_code`, settle, refund; returned once) or
/// `already_ended` (nothing to do).
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MeterOutcome {
    status: &'static str,
    consumed: Uint,
    end: Option<SessionEnd>,
}

#[pymethods]
impl SessionEnd {
    fn __repr__(&self) -> String {
        format!(
            "SessionEnd(reason={:?}, at_ms={}, consumed={}, refund={})",
            self.reason, self.at_ms, self.consumed.0, self.refund.0
        )
    }
}

#[pymethods]
impl MeterOutcome {
    fn __repr__(&self) -> String {
        format!(
            "MeterOutcome(status={:?}, consumed={})",
            self.status, self.consumed.0
        )
    }
}

/// One metered WS402 session: exact integer metering of `price_per_second` against `paid`,
/// capped at `max_session_seconds`; the session ends exactly once.
///
/// Not thread-safe by itself (a mutable state machine): guard it with a lock if several
/// threads report events for one session.
#[pyclass(module = "pay402._native")]
#[derive(Debug, Clone)]
pub(crate) struct Meter {
    record: SessionRecord,
}

impl Meter {
    fn report(&mut self, at_ms: u64, event: Event) -> MeterOutcome {
        match self.record.meter.on_event(at_ms, event) {
            Outcome::Running { consumed } => MeterOutcome {
                status: "running",
                consumed: Uint(consumed),
                end: None,
            },
            Outcome::Ended(e) => MeterOutcome {
                status: "ended",
                consumed: Uint(e.consumed),
                end: Some(end(&e)),
            },
            Outcome::AlreadyEnded(e) => MeterOutcome {
                status: "already_ended",
                consumed: Uint(e.consumed),
                end: Some(end(&e)),
            },
        }
    }
}

#[pymethods]
impl Meter {
    /// Starts a session at `start_ms` (when the prepayment was verified). `refund_to` is the
    /// verified payer (persisted with the record).
    #[new]
    #[pyo3(signature = (*, price_per_second, paid, max_session_seconds, start_ms, refund_to=None))]
    fn new(
        price_per_second: PyU256,
        paid: PyU256,
        max_session_seconds: u64,
        start_ms: u64,
        refund_to: Option<PyAddress>,
    ) -> Self {
        Self {
            record: SessionRecord {
                meter: CoreMeter::start(
                    MeterConfig {
                        price_per_second: price_per_second.0,
                        paid: paid.0,
                        max_session_seconds,
                    },
                    start_ms,
                ),
                refund_to: refund_to.map(|a| a.0),
            },
        }
    }

    /// Restores a session from its record. Raises `Ws402Error` (`invalid_record_length`,
    /// `unsupported_record_version`, `record_checksum_mismatch`, `inconsistent_record`).
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        Ok(Self {
            record: SessionRecord::decode(data).py()?,
        })
    }

    /// The session record to persist (`SESSION_RECORD_LEN` bytes).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.record.encode())
    }

    /// Reports an event by name: `tick`, `close`, `bytes_in`/`bytes_out` (`n` bytes) or
    /// `message` (`n` messages, default 1).
    #[pyo3(signature = (at_ms, kind, n=None))]
    fn on_event(&mut self, at_ms: u64, kind: &str, n: Option<u64>) -> PyResult<MeterOutcome> {
        let event = Event::from_name(kind, n).py()?;
        Ok(self.report(at_ms, event))
    }

    /// A timer tick: accrue and check the limits.
    fn tick(&mut self, at_ms: u64) -> MeterOutcome {
        self.report(at_ms, Event::Tick)
    }

    /// The socket closed (or failed).
    fn close(&mut self, at_ms: u64) -> MeterOutcome {
        self.report(at_ms, Event::Close)
    }

    /// `n` bytes received.
    fn on_bytes_in(&mut self, at_ms: u64, n: u64) -> MeterOutcome {
        self.report(at_ms, Event::BytesIn(n))
    }

    /// `n` bytes sent.
    fn on_bytes_out(&mut self, at_ms: u64, n: u64) -> MeterOutcome {
        self.report(at_ms, Event::BytesOut(n))
    }

    /// `n` messages exchanged.
    #[pyo3(signature = (at_ms, n=1))]
    fn on_message(&mut self, at_ms: u64, n: u64) -> MeterOutcome {
        self.report(at_ms, Event::Message(n))
    }

    /// The `usage_update` message for this session (JSON text).
    fn usage_update(&self, session_id: &str) -> PyResult<String> {
        let msg = Message::UsageUpdate(UsageUpdate::from_meter(session_id, &self.record.meter));
        text(
            grow(256 + session_id.len(), |buf| {
                write_all(buf, |w| msg.encode(w))
            })
            .py()?,
        )
    }

    #[getter]
    fn consumed(&self) -> Uint {
        Uint(self.record.meter.consumed())
    }

    #[getter]
    fn remaining(&self) -> Uint {
        Uint(self.record.meter.remaining())
    }

    #[getter]
    fn paid(&self) -> Uint {
        Uint(self.record.meter.config().paid)
    }

    #[getter]
    fn price_per_second(&self) -> Uint {
        Uint(self.record.meter.config().price_per_second)
    }

    #[getter]
    fn max_session_seconds(&self) -> u64 {
        self.record.meter.config().max_session_seconds
    }

    #[getter]
    fn start_ms(&self) -> u64 {
        self.record.meter.start_ms()
    }

    #[getter]
    fn last_ms(&self) -> u64 {
        self.record.meter.last_ms()
    }

    #[getter]
    fn elapsed_seconds(&self) -> u64 {
        self.record.meter.elapsed_seconds()
    }

    #[getter]
    fn bytes_in(&self) -> u64 {
        self.record.meter.bytes_in()
    }

    #[getter]
    fn bytes_out(&self) -> u64 {
        self.record.meter.bytes_out()
    }

    #[getter]
    fn messages(&self) -> u64 {
        self.record.meter.messages()
    }

    /// How the session ended, or `None` while it runs.
    #[getter]
    fn end(&self) -> Option<SessionEnd> {
        self.record.meter.end().as_ref().map(end)
    }

    /// Where the refund goes (EIP-55), if known.
    #[getter]
    fn refund_to(&self) -> Option<String> {
        self.record.refund_to.as_ref().map(address)
    }

    fn __repr__(&self) -> String {
        format!(
            "Meter(consumed={}, ended={})",
            self.record.meter.consumed(),
            self.record.meter.end().is_some()
        )
    }
}

/// Verifies an x402 prepayment and starts a session with the verified amount as `paid` and
/// the verified payer as `refund_to`; returns `(meter, verified)`. Raises `Ws402Error` with
/// the x402 code, or `prepayment_too_small`.
#[pyfunction]
#[pyo3(signature = (
    requirements, payment, *, now_ms, price_per_second, max_session_seconds, amount="exact",
    signature="strict", valid_before_slack=6, accepted="deep_equal"
))]
pub(crate) fn start_with_x402(
    requirements: Text,
    payment: Text,
    now_ms: u64,
    price_per_second: PyU256,
    max_session_seconds: u64,
    amount: &str,
    signature: &str,
    valid_before_slack: u64,
    accepted: &str,
) -> PyResult<(Meter, Verified)> {
    let policy = verify_policy(amount, signature, valid_before_slack, accepted)?;
    let mut buf = vec![0u8; pay402::x402::header::RECOMMENDED_BUFFER_LEN.max(payment.0.len() + 4)];
    let prepaid = pay402::ws402::start_with_x402(
        &requirements.0,
        &payment.0,
        &mut buf,
        now_ms,
        &policy,
        price_per_second.0,
        max_session_seconds,
    )
    .py()?;
    Ok((
        Meter {
            record: prepaid.session,
        },
        verified(&prepaid.verified),
    ))
}

/// A decoded WS402 message: its `type` and canonical JSON.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ws402Message {
    r#type: &'static str,
    json: String,
}

/// Decodes a WS402 text frame. Raises `Ws402Error`.
#[pyfunction]
pub(crate) fn decode_ws402_message(frame: Text) -> PyResult<Ws402Message> {
    let msg = Message::decode(&frame.0).py()?;
    let json = grow(frame.0.len() * 2 + 128, |buf| {
        write_all(buf, |w| msg.encode(w))
    })
    .py()?;
    Ok(Ws402Message {
        r#type: msg.type_name(),
        json: text(json)?,
    })
}

/// Decodes a WS402 schema (the 402 body) and returns its canonical JSON. Raises `Ws402Error`.
#[pyfunction]
pub(crate) fn decode_ws402_schema(body: Text) -> PyResult<String> {
    let schema = Schema::decode(&body.0).py()?;
    text(
        grow(body.0.len() * 2 + 256, |buf| {
            write_all(buf, |w| schema.encode(w))
        })
        .py()?,
    )
}

// --- The tariff meter (v2): prices per second, per byte and per message; suspend/resume; a
// deadline. The v1 `Meter` above is unchanged.

/// How and when a tariff-metered session ended: `reason` is `client_close`,
/// `balance_exhausted`, `max_duration`, `deadline`, `server_close` or `connection_lost`;
/// `close_code` is 1000, 1011 after `server_error`, or `None` for `connection_lost` (there is no
/// socket); `consumed` is what to settle, `refund` what to return to the payer.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TariffEnd {
    reason: &'static str,
    at_ms: u64,
    close_code: Option<u16>,
    consumed: Uint,
    refund: Uint,
}

fn tariff_end(e: &CoreSessionEnd) -> TariffEnd {
    TariffEnd {
        reason: e.reason.as_str(),
        at_ms: e.at_ms,
        close_code: e.close_code,
        consumed: Uint(e.consumed),
        refund: Uint(e.refund),
    }
}

#[pymethods]
impl TariffEnd {
    fn __repr__(&self) -> String {
        format!(
            "TariffEnd(reason={:?}, at_ms={}, close_code={:?}, consumed={}, refund={})",
            self.reason, self.at_ms, self.close_code, self.consumed.0, self.refund.0
        )
    }
}

/// What the host must do after an event or a `may_send`: `status` is `running` (`consumed` so
/// far; from `may_send`: send the frame), `ended` (this call ended the session: send
/// `end.close_code`, settle, refund; returned once; from `may_send`: do not send the frame) or
/// `already_ended` (nothing to do).
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TariffOutcome {
    status: &'static str,
    consumed: Uint,
    end: Option<TariffEnd>,
}

#[pymethods]
impl TariffOutcome {
    fn __repr__(&self) -> String {
        format!(
            "TariffOutcome(status={:?}, consumed={})",
            self.status, self.consumed.0
        )
    }
}

fn tariff_outcome(o: SessionOutcome) -> TariffOutcome {
    match o {
        SessionOutcome::Running { consumed } => TariffOutcome {
            status: "running",
            consumed: Uint(consumed),
            end: None,
        },
        SessionOutcome::Ended(e) => TariffOutcome {
            status: "ended",
            consumed: Uint(e.consumed),
            end: Some(tariff_end(&e)),
        },
        SessionOutcome::AlreadyEnded(e) => TariffOutcome {
            status: "already_ended",
            consumed: Uint(e.consumed),
            end: Some(tariff_end(&e)),
        },
    }
}

/// One WS402 session metered by a tariff: `consumed = min(paid, floor(per_second × active_ms /
/// 1000) + bytes_in × per_byte_in + bytes_out × per_byte_out + messages × per_message)`, where
/// `active_ms` leaves out suspended time and is capped at `max_session_seconds`; `deadline_ms`
/// (same clock as the events) bounds the session on the wall clock. The session ends exactly
/// once. An absent price is 0.
///
/// Not thread-safe by itself (a mutable state machine): guard it with a lock if several
/// threads report events for one session.
#[pyclass(module = "pay402._native")]
#[derive(Debug, Clone)]
pub(crate) struct TariffMeter {
    meter: CoreTariffMeter,
}

impl TariffMeter {
    fn report(&mut self, at_ms: u64, event: SessionEvent) -> PyResult<TariffOutcome> {
        Ok(tariff_outcome(self.meter.on_event(at_ms, event).py()?))
    }
}

#[pymethods]
impl TariffMeter {
    /// Starts a session at `start_ms` (when the prepayment was verified), running.
    #[new]
    #[pyo3(signature = (
        *, paid, max_session_seconds, start_ms, per_second=None, per_byte_in=None,
        per_byte_out=None, per_message=None, deadline_ms=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        paid: PyU256,
        max_session_seconds: u64,
        start_ms: u64,
        per_second: Option<PyU256>,
        per_byte_in: Option<PyU256>,
        per_byte_out: Option<PyU256>,
        per_message: Option<PyU256>,
        deadline_ms: Option<u64>,
    ) -> Self {
        let price = |p: Option<PyU256>| p.map_or(pay402::U256::ZERO, |p| p.0);
        let config = TariffConfig {
            tariff: Tariff {
                per_second: price(per_second),
                per_byte_in: price(per_byte_in),
                per_byte_out: price(per_byte_out),
                per_message: price(per_message),
            },
            paid: paid.0,
            max_session_seconds,
            deadline_ms,
        };
        Self {
            meter: CoreTariffMeter::start(config, start_ms),
        }
    }

    /// Reports an event by name: `tick`, `client_close`, `server_close`, `server_error`,
    /// `suspend`, `resume`, `grace_expired`, `bytes_in`/`bytes_out` (`n` bytes) or `message`
    /// (`n` messages, default 1). Raises `Ws402Error` `session_suspended` (bytes, messages or a
    /// second suspend while suspended) or `session_not_suspended` (a resume or a grace expiry
    /// while running), `unknown_event` or `event_count_required` (`bytes_in`/`bytes_out`
    /// without `n`); the meter is then unchanged.
    #[pyo3(signature = (at_ms, kind, n=None))]
    fn on_event(&mut self, at_ms: u64, kind: &str, n: Option<u64>) -> PyResult<TariffOutcome> {
        let event = SessionEvent::from_name(kind, n).py()?;
        self.report(at_ms, event)
    }

    /// Asks, before sending a frame of `n_bytes` bytes counted as `messages` messages, whether
    /// the balance pays for it at `at_ms` (accruing like a tick). `running`: send it, then
    /// report `bytes_out` and `message`. `ended`: do not send it; the session ends. Raises
    /// `Ws402Error` `session_suspended` while suspended.
    #[pyo3(signature = (at_ms, n_bytes, messages=1))]
    fn may_send(&mut self, at_ms: u64, n_bytes: u64, messages: u64) -> PyResult<TariffOutcome> {
        Ok(tariff_outcome(
            self.meter.may_send(at_ms, n_bytes, messages).py()?,
        ))
    }

    /// Charges an HTTP response of `n_bytes` body bytes (one message) at `at_ms` before it is
    /// sent: `running` (serve it) or `ended` (serve it: it took the last of the balance).
    /// Raises `Ws402Error` `balance_insufficient`, `session_ended` or `session_suspended` and
    /// changes nothing.
    fn serve_http(&mut self, at_ms: u64, n_bytes: u64) -> PyResult<TariffOutcome> {
        Ok(tariff_outcome(self.meter.serve_http(at_ms, n_bytes).py()?))
    }

    #[getter]
    fn consumed(&self) -> Uint {
        Uint(self.meter.consumed())
    }

    #[getter]
    fn remaining(&self) -> Uint {
        Uint(self.meter.remaining())
    }

    #[getter]
    fn paid(&self) -> Uint {
        Uint(self.meter.config().paid)
    }

    #[getter]
    fn per_second(&self) -> Uint {
        Uint(self.meter.config().tariff.per_second)
    }

    #[getter]
    fn per_byte_in(&self) -> Uint {
        Uint(self.meter.config().tariff.per_byte_in)
    }

    #[getter]
    fn per_byte_out(&self) -> Uint {
        Uint(self.meter.config().tariff.per_byte_out)
    }

    #[getter]
    fn per_message(&self) -> Uint {
        Uint(self.meter.config().tariff.per_message)
    }

    #[getter]
    fn max_session_seconds(&self) -> u64 {
        self.meter.config().max_session_seconds
    }

    #[getter]
    fn deadline_ms(&self) -> Option<u64> {
        self.meter.config().deadline_ms
    }

    #[getter]
    fn start_ms(&self) -> u64 {
        self.meter.start_ms()
    }

    #[getter]
    fn last_ms(&self) -> u64 {
        self.meter.last_ms()
    }

    #[getter]
    fn active_ms(&self) -> u64 {
        self.meter.active_ms()
    }

    #[getter]
    fn suspended(&self) -> bool {
        self.meter.is_suspended()
    }

    #[getter]
    fn bytes_in(&self) -> u64 {
        self.meter.bytes_in()
    }

    #[getter]
    fn bytes_out(&self) -> u64 {
        self.meter.bytes_out()
    }

    #[getter]
    fn messages(&self) -> u64 {
        self.meter.messages()
    }

    /// How the session ended, or `None` while it runs.
    #[getter]
    fn end(&self) -> Option<TariffEnd> {
        self.meter.end().as_ref().map(tariff_end)
    }

    fn __repr__(&self) -> String {
        format!(
            "TariffMeter(consumed={}, suspended={}, ended={})",
            self.meter.consumed(),
            self.meter.is_suspended(),
            self.meter.end().is_some()
        )
    }
}

/// Registers the WS402 items.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Meter>()?;
    m.add_class::<MeterOutcome>()?;
    m.add_class::<SessionEnd>()?;
    m.add_class::<TariffMeter>()?;
    m.add_class::<TariffOutcome>()?;
    m.add_class::<TariffEnd>()?;
    m.add_class::<Ws402Message>()?;
    m.add_function(wrap_pyfunction!(start_with_x402, m)?)?;
    m.add_function(wrap_pyfunction!(decode_ws402_message, m)?)?;
    m.add_function(wrap_pyfunction!(decode_ws402_schema, m)?)?;
    m.add("SESSION_RECORD_LEN", SESSION_RECORD_LEN)?;
    Ok(())
}
