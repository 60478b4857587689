//! The WS402 metering engine (exact integer metering; op `ws402.meter`
//! of `tests/conformance/vectors/README.md`).
//!
//! A pure state machine over host-reported events. The host owns the clock, the timers and the
//! socket; it reports each event with its timestamp in milliseconds and acts on the returned
//! [`Outcome`]. The rules:
//!
//! ```text
//! elapsed_ms = min(now_ms − start_ms, max_session_seconds × 1000)
//! consumed   = min(paid, floor(price_per_second × elapsed_ms / 1000))
//! refund     = paid − consumed
//! ```
//!
//! - Accrual is recomputed from the event's own timestamp at **every** event, the closing one
//!   included (the original billed the last tick: sessions shorter than a tick were free).
//! - The two limits are dated exactly, whatever the event spacing: the balance runs out at the
//!   smallest elapsed millisecond `e` with `floor(price × e / 1000) ≥ paid`; the maximum
//!   duration is reached at `e = max_session_seconds × 1000`. An event that arrives after a limit
//!   ends the session *at the limit*, not at the event.
//! - When both limits fall on the same millisecond, [`EndReason::BalanceExhausted`] wins (the
//!   balance is the binding constraint: nothing is left to refund either way).
//! - The session ends exactly once. Every event after the end — another close, an error, a late
//!   tick, bytes — is ignored and returns [`Outcome::AlreadyEnded`] with the unchanged end.
//! - Timestamps before `start_ms` count as `start_ms`; a timestamp earlier than the last one seen
//!   counts as the last one (time never runs backwards inside a session).
//! - Byte and message counters saturate at `u64::MAX`; they are informational, never priced.

use crate::u256::U256;

/// Why a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EndReason {
    /// The client closed the socket (or the connection failed): a [`Event::Close`].
    ClientClose,
    /// `consumed` reached `paid`.
    BalanceExhausted,
    /// The session reached `max_session_seconds`.
    MaxDuration,
}

impl EndReason {
    /// The stable name (`client_close`, `balance_exhausted`, `max_duration`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ClientClose => "client_close",
            Self::BalanceExhausted => "balance_exhausted",
            Self::MaxDuration => "max_duration",
        }
    }

    /// The WebSocket close code (RFC 6455 §7.4.1) the server sends: `1000` (normal closure) for
    /// every reason — the limits are the agreed end of a paid session, not errors. A client
    /// close is answered with the same code, as RFC 6455 §5.5.1 asks.
    pub const fn close_code(self) -> u16 {
        CLOSE_NORMAL
    }

    /// The one-byte tag used by [`super::SessionRecord`].
    pub(crate) const fn tag(self) -> u8 {
        match self {
            Self::ClientClose => 1,
            Self::BalanceExhausted => 2,
            Self::MaxDuration => 3,
        }
    }

    pub(crate) const fn from_tag(tag: u8) -> Option<Self> {
        match tag {
            1 => Some(Self::ClientClose),
            2 => Some(Self::BalanceExhausted),
            3 => Some(Self::MaxDuration),
            _ => None,
        }
    }
}

/// RFC 6455 close code 1000, normal closure.
pub const CLOSE_NORMAL: u16 = 1000;
/// RFC 6455 close code 1008, policy violation: sent when the prepayment is rejected or no
/// payment proof arrived in time (the original used 1011 for the timeout).
pub const CLOSE_POLICY_VIOLATION: u16 = 1008;

/// Prices and limits of one session, fixed when it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MeterConfig {
    /// Price per second in atomic units. `0` means free (never exhausts): an explicit 0 is 0.
    pub price_per_second: U256,
    /// The verified prepaid amount in atomic units.
    pub paid: U256,
    /// The longest a session may last, in seconds.
    pub max_session_seconds: u64,
}

impl MeterConfig {
    /// `max_session_seconds × 1000`, exactly (a `u128`: the product may exceed `u64::MAX`, and
    /// then no `u64` elapsed time ever reaches it).
    pub fn max_elapsed_ms(&self) -> u128 {
        u128::from(self.max_session_seconds) * 1000
    }

    /// `min(elapsed_ms, max_elapsed_ms())`.
    pub fn cap(&self, elapsed_ms: u64) -> u64 {
        u64::try_from(self.max_elapsed_ms()).map_or(elapsed_ms, |max| elapsed_ms.min(max))
    }

    /// `min(paid, floor(price_per_second × elapsed_ms / 1000))`, exactly, for any inputs.
    ///
    /// Division first keeps it exact without a 320-bit intermediate: with
    /// `price = 1000·q + r` (`r < 1000`),
    /// `price·e/1000 = q·e + r·e/1000`, and since `q·e` is an integer,
    /// `floor(price·e/1000) = q·e + floor(r·e/1000)`. `r·e < 1000·2⁶⁴` fits a `u128`. If `q·e`
    /// or the sum overflows 2²⁵⁶, the true value exceeds `paid ≤ 2²⁵⁶ − 1`, so the minimum is
    /// `paid` — the saturation is exact, not an approximation.
    ///
    /// ```
    /// use pay402::U256;
    /// use pay402::ws402::MeterConfig;
    /// let config = MeterConfig {
    ///     price_per_second: U256::from_u64(7),
    ///     paid: U256::from_u64(1_000),
    ///     max_session_seconds: 3600,
    /// };
    /// // 7 × 1500 / 1000 = 10.5 → 10
    /// assert_eq!(config.consumed_at(1_500), U256::from_u64(10));
    /// assert_eq!(config.consumed_at(10_000_000), U256::from_u64(1_000));
    /// ```
    pub fn consumed_at(&self, elapsed_ms: u64) -> U256 {
        let Some((q, r)) = self.price_per_second.div_rem_u64(1000) else {
            return self.paid; // unreachable: the divisor is a non-zero constant
        };
        let part = u128::from(r) * u128::from(elapsed_ms) / 1000;
        let total = q
            .checked_mul(U256::from_u64(elapsed_ms))
            .and_then(|qe| qe.checked_add(U256::from_u128(part)));
        match total {
            Some(t) if t < self.paid => t,
            _ => self.paid,
        }
    }

    /// The elapsed millisecond at which the balance runs out, if it does within `limit_ms`:
    /// the smallest `e ≤ limit_ms` with `consumed_at(e) == paid`.
    ///
    /// `consumed_at` is non-decreasing in `e`, so a binary search over `[0, limit_ms]` finds it
    /// exactly (at most 64 steps, no division by the price needed).
    pub fn exhausted_within(&self, limit_ms: u64) -> Option<u64> {
        if self.consumed_at(limit_ms) < self.paid {
            return None;
        }
        let (mut lo, mut hi) = (0u64, limit_ms);
        // Invariant: consumed_at(hi) == paid, and every e < lo has consumed_at(e) < paid.
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.consumed_at(mid) < self.paid {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Some(hi)
    }
}

/// An event the host reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    /// A timer tick: accrue, check the limits.
    Tick,
    /// The socket closed or failed (the original's `close` and `error`).
    Close,
    /// `n` bytes received from the client.
    BytesIn(u64),
    /// `n` bytes sent to the client.
    BytesOut(u64),
    /// `n` application messages (frames) exchanged.
    Message(u64),
}

/// How and when a session ended, and the money it settles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct End {
    /// Why it ended.
    pub reason: EndReason,
    /// When it ended (the limit's exact instant for the limits; the event's time for a close).
    pub at_ms: u64,
    /// What the session consumed: `min(paid, floor(price × elapsed / 1000))` at the end.
    pub consumed: U256,
    /// `paid − consumed`, to be returned to the verified payer.
    pub refund: U256,
}

impl End {
    /// The WebSocket close code to send ([`EndReason::close_code`]).
    pub const fn close_code(&self) -> u16 {
        self.reason.close_code()
    }
}

/// What the host must do after reporting an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The session goes on; `consumed` so far.
    Running {
        /// Consumed so far, at this event's time.
        consumed: U256,
    },
    /// This event ended the session: send the close code, settle `consumed`, refund the rest.
    /// Returned exactly once per session.
    Ended(End),
    /// The session had already ended; nothing to do (the original refunded again here).
    AlreadyEnded(End),
}

/// One metered session.
///
/// ```
/// use pay402::U256;
/// use pay402::ws402::{EndReason, Event, Meter, MeterConfig, Outcome};
///
/// let mut meter = Meter::start(
///     MeterConfig { price_per_second: U256::from_u64(10), paid: U256::from_u64(300), max_session_seconds: 3600 },
///     1_000_000,
/// );
/// assert_eq!(meter.on_event(1_001_250, Event::Tick), Outcome::Running { consumed: U256::from_u64(12) });
/// // Closed 2.5 s after the start, before any further tick: billed 25, refund 275.
/// let Outcome::Ended(end) = meter.on_event(1_002_500, Event::Close) else { panic!() };
/// assert_eq!((end.reason, end.consumed, end.refund), (EndReason::ClientClose, U256::from_u64(25), U256::from_u64(275)));
/// // The error that follows a close in `ws` does not refund twice.
/// assert!(matches!(meter.on_event(1_002_600, Event::Close), Outcome::AlreadyEnded(_)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Meter {
    pub(crate) config: MeterConfig,
    pub(crate) start_ms: u64,
    pub(crate) last_ms: u64,
    pub(crate) consumed: U256,
    pub(crate) bytes_in: u64,
    pub(crate) bytes_out: u64,
    pub(crate) messages: u64,
    pub(crate) end: Option<End>,
}

impl Meter {
    /// Starts a session at `start_ms` (the time the prepayment was verified).
    pub fn start(config: MeterConfig, start_ms: u64) -> Self {
        Self {
            config,
            start_ms,
            last_ms: start_ms,
            consumed: U256::ZERO,
            bytes_in: 0,
            bytes_out: 0,
            messages: 0,
            end: None,
        }
    }

    /// Reports `event` at `at_ms` and says what to do. See the module documentation for the rules.
    pub fn on_event(&mut self, at_ms: u64, event: Event) -> Outcome {
        if let Some(end) = self.end {
            return Outcome::AlreadyEnded(end);
        }
        let now = at_ms.max(self.last_ms);
        self.last_ms = now;
        let raw = now.saturating_sub(self.start_ms);
        let capped = self.config.cap(raw);

        let ending = if let Some(e) = self.config.exhausted_within(capped) {
            Some((EndReason::BalanceExhausted, e))
        } else if u128::from(raw) >= self.config.max_elapsed_ms() {
            // raw ≥ max, so max fits a u64 and capped == max.
            Some((EndReason::MaxDuration, capped))
        } else if event == Event::Close {
            Some((EndReason::ClientClose, raw))
        } else {
            None
        };

        if let Some((reason, elapsed)) = ending {
            let consumed = self.config.consumed_at(elapsed);
            let end = End {
                reason,
                at_ms: self.start_ms.saturating_add(elapsed),
                consumed,
                // consumed ≤ paid by construction of consumed_at.
                refund: self.config.paid.checked_sub(consumed).unwrap_or_default(),
            };
            self.consumed = consumed;
            self.end = Some(end);
            return Outcome::Ended(end);
        }

        self.consumed = self.config.consumed_at(capped);
        match event {
            Event::BytesIn(n) => self.bytes_in = self.bytes_in.saturating_add(n),
            Event::BytesOut(n) => self.bytes_out = self.bytes_out.saturating_add(n),
            Event::Message(n) => self.messages = self.messages.saturating_add(n),
            Event::Tick | Event::Close => {}
        }
        Outcome::Running {
            consumed: self.consumed,
        }
    }

    /// The session's configuration.
    pub fn config(&self) -> &MeterConfig {
        &self.config
    }
    /// When the session started.
    pub fn start_ms(&self) -> u64 {
        self.start_ms
    }
    /// The latest event time seen (never earlier than `start_ms`).
    pub fn last_ms(&self) -> u64 {
        self.last_ms
    }
    /// Consumed as of the latest event (or the end).
    pub fn consumed(&self) -> U256 {
        self.consumed
    }
    /// `paid − consumed` as of the latest event: what would be refunded if it ended now.
    pub fn remaining(&self) -> U256 {
        self.config
            .paid
            .checked_sub(self.consumed)
            .unwrap_or_default()
    }
    /// Bytes received from the client before the end.
    pub fn bytes_in(&self) -> u64 {
        self.bytes_in
    }
    /// Bytes sent to the client before the end.
    pub fn bytes_out(&self) -> u64 {
        self.bytes_out
    }
    /// Messages counted before the end.
    pub fn messages(&self) -> u64 {
        self.messages
    }
    /// The end, once the session has ended.
    pub fn end(&self) -> Option<End> {
        self.end
    }
    /// Elapsed whole seconds as of the latest event, capped at the maximum duration (for
    /// `usage_update.elapsedSeconds`).
    pub fn elapsed_seconds(&self) -> u64 {
        let elapsed = match self.end {
            Some(end) => end.at_ms.saturating_sub(self.start_ms),
            None => self.last_ms.saturating_sub(self.start_ms),
        };
        self.config.cap(elapsed) / 1000
    }
}
