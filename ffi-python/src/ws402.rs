//! WS402: the metered session (`Meter`), its persisted record, messages and schemas.

use crate::convert::{PyAddress, PyU256, Text, Uint, address, grow, text};
use crate::errors::CoreResult;
use crate::x402::{Verified, verified, verify_policy};
use pay402::writer::write_all;
use pay402::ws402::{
    End, Event, Message, Meter as CoreMeter, MeterConfig, Outcome, SESSION_RECORD_LEN, Schema,
    SessionRecord, UsageUpdate,
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
        let kind = crate::convert::choice(
            "kind",
            kind,
            &["tick", "close", "bytes_in", "bytes_out", "message"],
        )?;
        let need_n =
            || n.ok_or_else(|| pyo3::exceptions::PyValueError::new_err(format!("{kind} needs n")));
        let event = match kind {
            "tick" => Event::Tick,
            "close" => Event::Close,
            "bytes_in" => Event::BytesIn(need_n()?),
            "bytes_out" => Event::BytesOut(need_n()?),
            _ => Event::Message(n.unwrap_or(1)),
        };
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

/// Registers the WS402 items.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Meter>()?;
    m.add_class::<MeterOutcome>()?;
    m.add_class::<SessionEnd>()?;
    m.add_class::<Ws402Message>()?;
    m.add_function(wrap_pyfunction!(start_with_x402, m)?)?;
    m.add_function(wrap_pyfunction!(decode_ws402_message, m)?)?;
    m.add_function(wrap_pyfunction!(decode_ws402_schema, m)?)?;
    m.add("SESSION_RECORD_LEN", SESSION_RECORD_LEN)?;
    Ok(())
}
