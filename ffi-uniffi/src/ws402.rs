//! WS402 metering: a prepaid WebSocket session billed per second (`Ws402Meter`), or by a tariff
//! per second, byte and message with suspend/resume and a deadline (`Ws402TariffMeter`), ended
//! exactly once.

use crate::Pay402Error;
use crate::convert::{address, u256};
use pay402::ws402::{
    EndReason, Event, Meter, MeterConfig, SessionEnd, SessionEndReason, SessionEvent,
    SessionOutcome, SessionRecord, Tariff, TariffConfig, TariffMeter,
};
use std::sync::{Mutex, PoisonError};

/// What the host reports to the meter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Ws402Event {
    /// A timer tick: accrue, check the limits.
    Tick,
    /// The socket closed or failed.
    Close,
    /// `n` bytes received.
    BytesIn {
        /// Byte count.
        n: u64,
    },
    /// `n` bytes sent.
    BytesOut {
        /// Byte count.
        n: u64,
    },
    /// `n` application messages.
    Message {
        /// Message count.
        n: u64,
    },
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Ws402EndReason {
    /// The client closed the socket.
    ClientClose,
    /// The prepaid balance ran out.
    BalanceExhausted,
    /// `max_session_seconds` passed.
    MaxDuration,
}

/// How and when a session ended.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Ws402End {
    /// Why.
    pub reason: Ws402EndReason,
    /// When (unix ms).
    pub at_ms: u64,
    /// The WebSocket close code to send.
    pub close_code: u16,
}

/// A session's state.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Ws402State {
    /// Consumed so far (decimal).
    pub consumed: String,
    /// What is left to refund (decimal): `paid − consumed`.
    pub refund: String,
    /// The end, once the session ended.
    pub end: Option<Ws402End>,
    /// Bytes received.
    pub bytes_in: u64,
    /// Bytes sent.
    pub bytes_out: u64,
    /// Messages exchanged.
    pub messages: u64,
}

/// One metered session. Thread-safe; persist it between events with [`Ws402Meter::record`].
#[derive(Debug, uniffi::Object)]
pub struct Ws402Meter {
    meter: Mutex<Meter>,
}

impl Ws402Meter {
    fn get(&self) -> Meter {
        *self.meter.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[uniffi::export]
impl Ws402Meter {
    /// Starts a session at `start_ms` (unix ms): `price_per_second` and `paid` are decimal
    /// token amounts.
    #[uniffi::constructor]
    pub fn new(
        price_per_second: String,
        paid: String,
        max_session_seconds: u64,
        start_ms: u64,
    ) -> Result<Self, Pay402Error> {
        let config = MeterConfig {
            price_per_second: u256(&price_per_second, "price_per_second")?,
            paid: u256(&paid, "paid")?,
            max_session_seconds,
        };
        Ok(Self {
            meter: Mutex::new(Meter::start(config, start_ms)),
        })
    }

    /// Resumes a session from its [`Ws402Meter::record`].
    ///
    /// Errors: `Ws402` for a record that does not decode.
    #[uniffi::constructor]
    pub fn from_record(record: Vec<u8>) -> Result<Self, Pay402Error> {
        Ok(Self {
            meter: Mutex::new(SessionRecord::decode(&record)?.meter),
        })
    }

    /// Reports an event at `at_ms`; returns the state after it. Once ended, the session stays
    /// ended (its end is reported once, and never moves).
    pub fn on_event(&self, at_ms: u64, event: Ws402Event) -> Ws402State {
        let mut meter = self.meter.lock().unwrap_or_else(PoisonError::into_inner);
        meter.on_event(
            at_ms,
            match event {
                Ws402Event::Tick => Event::Tick,
                Ws402Event::Close => Event::Close,
                Ws402Event::BytesIn { n } => Event::BytesIn(n),
                Ws402Event::BytesOut { n } => Event::BytesOut(n),
                Ws402Event::Message { n } => Event::Message(n),
            },
        );
        state(&meter)
    }

    /// The current state.
    pub fn state(&self) -> Ws402State {
        state(&self.get())
    }

    /// The fixed-size session record to persist, with the payer to refund (an EVM address).
    #[uniffi::method(default(refund_to = None))]
    pub fn record(&self, refund_to: Option<String>) -> Result<Vec<u8>, Pay402Error> {
        let refund_to = refund_to
            .as_deref()
            .map(|a| address(a, "refund_to"))
            .transpose()?;
        Ok(SessionRecord {
            meter: self.get(),
            refund_to,
        }
        .encode()
        .to_vec())
    }
}

fn state(meter: &Meter) -> Ws402State {
    Ws402State {
        consumed: meter.consumed().to_string(),
        refund: meter.remaining().to_string(),
        end: meter.end().map(|e| Ws402End {
            reason: match e.reason {
                EndReason::ClientClose => Ws402EndReason::ClientClose,
                EndReason::BalanceExhausted => Ws402EndReason::BalanceExhausted,
                EndReason::MaxDuration => Ws402EndReason::MaxDuration,
            },
            at_ms: e.at_ms,
            close_code: e.close_code(),
        }),
        bytes_in: meter.bytes_in(),
        bytes_out: meter.bytes_out(),
        messages: meter.messages(),
    }
}

// --- The tariff meter (v2). `Ws402Meter` above is unchanged.

/// What the host reports to a [`Ws402TariffMeter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Ws402SessionEvent {
    /// A timer tick: accrue, check the limits.
    Tick,
    /// The client closed the socket.
    ClientClose,
    /// The application ended the session normally (close code 1000).
    ServerClose,
    /// The application ended the session with an error (close code 1011).
    ServerError,
    /// The connection dropped without a close: time stops accruing until `Resume`.
    Suspend,
    /// The client resumed a suspended session: time accrues again.
    Resume,
    /// The grace period of a suspended session expired: it ends `ConnectionLost`, dated at the
    /// suspend instant.
    GraceExpired,
    /// `n` bytes received.
    BytesIn {
        /// Byte count.
        n: u64,
    },
    /// `n` bytes sent.
    BytesOut {
        /// Byte count.
        n: u64,
    },
    /// `n` application messages.
    Message {
        /// Message count.
        n: u64,
    },
}

/// Why a tariff-metered session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Ws402SessionEndReason {
    /// The client closed the socket.
    ClientClose,
    /// The prepaid balance ran out, or the next frame could not be paid.
    BalanceExhausted,
    /// The active time reached `max_session_seconds`.
    MaxDuration,
    /// The wall clock reached `deadline_ms`.
    Deadline,
    /// The application ended the session (normally or with an error).
    ServerClose,
    /// The session was suspended and its grace period expired.
    ConnectionLost,
}

/// How and when a tariff-metered session ended, and the money it settles.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Ws402TariffEnd {
    /// Why.
    pub reason: Ws402SessionEndReason,
    /// When (the events' clock): a limit's exact instant, the close event's time, or the
    /// suspend instant for `ConnectionLost`.
    pub at_ms: u64,
    /// The WebSocket close code to send: 1000, 1011 after `ServerError`; `null` for
    /// `ConnectionLost` (there is no socket).
    pub close_code: Option<u16>,
    /// What the session consumed (decimal): the amount to settle.
    pub consumed: String,
    /// `paid − consumed` (decimal): what to return to the payer.
    pub refund: String,
}

/// What the host must do after an event or a `may_send`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Ws402TariffStatus {
    /// The session goes on; from `may_send`: send the frame.
    Running,
    /// This call ended the session (returned once): close, settle, refund; from `may_send`: do
    /// not send the frame.
    Ended,
    /// The session had already ended: nothing to do.
    AlreadyEnded,
}

/// The answer to an event or a `may_send`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Ws402TariffOutcome {
    /// What to do.
    pub status: Ws402TariffStatus,
    /// Consumed so far (decimal).
    pub consumed: String,
    /// The end, once the session has ended.
    pub end: Option<Ws402TariffEnd>,
}

/// A tariff-metered session's state.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Ws402TariffState {
    /// Consumed so far (decimal).
    pub consumed: String,
    /// `paid − consumed` (decimal).
    pub refund: String,
    /// The end, once the session ended.
    pub end: Option<Ws402TariffEnd>,
    /// Active (billed) time in ms, capped at the maximum duration.
    pub active_ms: u64,
    /// Whether the session is suspended (and not ended).
    pub suspended: bool,
    /// Bytes received and counted.
    pub bytes_in: u64,
    /// Bytes sent and counted.
    pub bytes_out: u64,
    /// Messages counted.
    pub messages: u64,
}

fn tariff_end(e: &SessionEnd) -> Ws402TariffEnd {
    Ws402TariffEnd {
        reason: match e.reason {
            SessionEndReason::ClientClose => Ws402SessionEndReason::ClientClose,
            SessionEndReason::BalanceExhausted => Ws402SessionEndReason::BalanceExhausted,
            SessionEndReason::MaxDuration => Ws402SessionEndReason::MaxDuration,
            SessionEndReason::Deadline => Ws402SessionEndReason::Deadline,
            SessionEndReason::ServerClose => Ws402SessionEndReason::ServerClose,
            SessionEndReason::ConnectionLost => Ws402SessionEndReason::ConnectionLost,
        },
        at_ms: e.at_ms,
        close_code: e.close_code,
        consumed: e.consumed.to_string(),
        refund: e.refund.to_string(),
    }
}

fn tariff_outcome(o: SessionOutcome) -> Ws402TariffOutcome {
    match o {
        SessionOutcome::Running { consumed } => Ws402TariffOutcome {
            status: Ws402TariffStatus::Running,
            consumed: consumed.to_string(),
            end: None,
        },
        SessionOutcome::Ended(e) => Ws402TariffOutcome {
            status: Ws402TariffStatus::Ended,
            consumed: e.consumed.to_string(),
            end: Some(tariff_end(&e)),
        },
        SessionOutcome::AlreadyEnded(e) => Ws402TariffOutcome {
            status: Ws402TariffStatus::AlreadyEnded,
            consumed: e.consumed.to_string(),
            end: Some(tariff_end(&e)),
        },
    }
}

/// One session metered by a tariff:
/// `consumed = min(paid, floor(per_second × active_ms / 1000) + bytes_in × per_byte_in +
/// bytes_out × per_byte_out + messages × per_message)`, where `active_ms` leaves out suspended
/// time and is capped at `max_session_seconds`; `deadline_ms` bounds the session on the wall
/// clock. Ended exactly once. Thread-safe.
#[derive(Debug, uniffi::Object)]
pub struct Ws402TariffMeter {
    meter: Mutex<TariffMeter>,
}

impl Ws402TariffMeter {
    fn lock(&self) -> std::sync::MutexGuard<'_, TariffMeter> {
        self.meter.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[uniffi::export]
impl Ws402TariffMeter {
    /// Starts a session at `start_ms` (the events' clock), running. Prices and `paid` are
    /// decimal token amounts; an absent price is 0; no `deadline_ms`: no wall-clock bound.
    #[uniffi::constructor(default(
        per_second = None,
        per_byte_in = None,
        per_byte_out = None,
        per_message = None,
        deadline_ms = None
    ))]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        paid: String,
        max_session_seconds: u64,
        start_ms: u64,
        per_second: Option<String>,
        per_byte_in: Option<String>,
        per_byte_out: Option<String>,
        per_message: Option<String>,
        deadline_ms: Option<u64>,
    ) -> Result<Self, Pay402Error> {
        let price =
            |p: Option<String>, name: &str| p.map_or(Ok(pay402::U256::ZERO), |p| u256(&p, name));
        let config = TariffConfig {
            tariff: Tariff {
                per_second: price(per_second, "per_second")?,
                per_byte_in: price(per_byte_in, "per_byte_in")?,
                per_byte_out: price(per_byte_out, "per_byte_out")?,
                per_message: price(per_message, "per_message")?,
            },
            paid: u256(&paid, "paid")?,
            max_session_seconds,
            deadline_ms,
        };
        Ok(Self {
            meter: Mutex::new(TariffMeter::start(config, start_ms)),
        })
    }

    /// Reports an event at `at_ms`. Once ended, the session stays ended (its end is reported
    /// once, and never moves).
    ///
    /// Errors: `Ws402` `session_suspended` (bytes, messages or a second suspend while
    /// suspended) or `session_not_suspended` (a resume or a grace expiry while running); the
    /// meter is then unchanged.
    pub fn on_event(
        &self,
        at_ms: u64,
        event: Ws402SessionEvent,
    ) -> Result<Ws402TariffOutcome, Pay402Error> {
        use Ws402SessionEvent as E;
        let event = match event {
            E::Tick => SessionEvent::Tick,
            E::ClientClose => SessionEvent::ClientClose,
            E::ServerClose => SessionEvent::ServerClose,
            E::ServerError => SessionEvent::ServerError,
            E::Suspend => SessionEvent::Suspend,
            E::Resume => SessionEvent::Resume,
            E::GraceExpired => SessionEvent::GraceExpired,
            E::BytesIn { n } => SessionEvent::BytesIn(n),
            E::BytesOut { n } => SessionEvent::BytesOut(n),
            E::Message { n } => SessionEvent::Message(n),
        };
        Ok(tariff_outcome(self.lock().on_event(at_ms, event)?))
    }

    /// Asks, before sending a frame of `bytes` bytes counted as `messages` messages, whether
    /// the balance pays for it at `at_ms` (accruing like a tick). `Running`: send it, then
    /// report `BytesOut` and `Message`. `Ended`: do not send it; the session ends.
    ///
    /// Errors: `Ws402` `session_suspended` while suspended.
    #[uniffi::method(default(messages = 1))]
    pub fn may_send(
        &self,
        at_ms: u64,
        bytes: u64,
        messages: u64,
    ) -> Result<Ws402TariffOutcome, Pay402Error> {
        Ok(tariff_outcome(
            self.lock().may_send(at_ms, bytes, messages)?,
        ))
    }

    /// The current state.
    pub fn state(&self) -> Ws402TariffState {
        let m = *self.lock();
        Ws402TariffState {
            consumed: m.consumed().to_string(),
            refund: m.remaining().to_string(),
            end: m.end().as_ref().map(tariff_end),
            active_ms: m.active_ms(),
            suspended: m.is_suspended(),
            bytes_in: m.bytes_in(),
            bytes_out: m.bytes_out(),
            messages: m.messages(),
        }
    }
}
