//! WS402 metering: a prepaid WebSocket session billed per second, ended exactly once.

use crate::Pay402Error;
use crate::convert::{address, u256};
use pay402::ws402::{EndReason, Event, Meter, MeterConfig, SessionRecord};
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
