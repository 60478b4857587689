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

use super::error::Ws402Error;
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

impl Event {
    /// The event of a stable name, as bindings and vector files spell it: `tick`, `close`,
    /// `bytes_in` and `bytes_out` (`count` bytes, required) or `message` (`count` messages,
    /// default 1).
    ///
    /// Errors: [`Ws402Error::UnknownEvent`], [`Ws402Error::EventCountMissing`].
    ///
    /// ```
    /// use pay402::ws402::Event;
    /// assert_eq!(Event::from_name("bytes_in", Some(512)), Ok(Event::BytesIn(512)));
    /// assert_eq!(Event::from_name("message", None), Ok(Event::Message(1)));
    /// assert!(Event::from_name("bytes_out", None).is_err());
    /// ```
    pub fn from_name(name: &str, count: Option<u64>) -> Result<Self, Ws402Error> {
        let need = || count.ok_or(Ws402Error::EventCountMissing);
        Ok(match name {
            "tick" => Self::Tick,
            "close" => Self::Close,
            "bytes_in" => Self::BytesIn(need()?),
            "bytes_out" => Self::BytesOut(need()?),
            "message" => Self::Message(count.unwrap_or(1)),
            _ => return Err(Ws402Error::UnknownEvent),
        })
    }
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

// ---------------------------------------------------------------------------------------------
// Tariff meter (v2): prices per second, per byte and per message; suspend/resume; a deadline.
// ---------------------------------------------------------------------------------------------

/// RFC 6455 close code 1011, internal error: sent when the application ended the session with an
/// error ([`SessionEvent::ServerError`]).
pub const CLOSE_INTERNAL_ERROR: u16 = 1011;

/// The prices of a [`TariffMeter`] session, in atomic units. A price that is not charged is 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Tariff {
    /// Price per second of active (not suspended) time.
    pub per_second: U256,
    /// Price per byte received from the client ([`SessionEvent::BytesIn`]).
    pub per_byte_in: U256,
    /// Price per byte sent to the client ([`SessionEvent::BytesOut`]).
    pub per_byte_out: U256,
    /// Price per application message ([`SessionEvent::Message`]).
    pub per_message: U256,
}

impl Tariff {
    /// No price at all: the session never exhausts its balance.
    pub const FREE: Self = Self {
        per_second: U256::ZERO,
        per_byte_in: U256::ZERO,
        per_byte_out: U256::ZERO,
        per_message: U256::ZERO,
    };

    /// A time-only tariff (the [`MeterConfig`] one): `per_second`, every other price 0.
    pub const fn per_second(per_second: U256) -> Self {
        Self {
            per_second,
            ..Self::FREE
        }
    }
}

/// Prices and limits of one [`TariffMeter`] session, fixed when it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TariffConfig {
    /// The prices.
    pub tariff: Tariff,
    /// The verified prepaid amount in atomic units.
    pub paid: U256,
    /// The longest *active* time a session may have, in seconds (suspended time does not count).
    pub max_session_seconds: u64,
    /// A wall-clock bound, on the same clock as the events (for example the authorization's expiry
    /// minus a settlement margin): the session ends with [`SessionEndReason::Deadline`] at this
    /// instant. `None`: no bound.
    pub deadline_ms: Option<u64>,
}

impl From<MeterConfig> for TariffConfig {
    /// The same session as a [`Meter`]: a time-only tariff and no deadline.
    fn from(c: MeterConfig) -> Self {
        Self {
            tariff: Tariff::per_second(c.price_per_second),
            paid: c.paid,
            max_session_seconds: c.max_session_seconds,
            deadline_ms: None,
        }
    }
}

/// `floor(price × n / 1000)` exactly, `None` when it exceeds 2²⁵⁶ − 1 (see
/// [`MeterConfig::consumed_at`] for why dividing first is exact).
fn per_mille(price: U256, n: u64) -> Option<U256> {
    let (q, r) = price.div_rem_u64(1000)?;
    let part = u128::from(r) * u128::from(n) / 1000;
    q.checked_mul(U256::from_u64(n))?
        .checked_add(U256::from_u128(part))
}

/// `price × n`, `None` on overflow.
fn times(price: U256, n: u64) -> Option<U256> {
    price.checked_mul(U256::from_u64(n))
}

/// Usage counted so far (or counted with a frame about to be sent).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Usage {
    bytes_in: u64,
    bytes_out: u64,
    messages: u64,
}

impl TariffConfig {
    /// `max_session_seconds × 1000`, exactly.
    pub fn max_active_ms(&self) -> u128 {
        u128::from(self.max_session_seconds) * 1000
    }

    /// The charge before the `paid` cap: `floor(per_second × active_ms / 1000) + bytes_in ×
    /// per_byte_in + bytes_out × per_byte_out + messages × per_message`; `None` when it exceeds
    /// 2²⁵⁶ − 1 (then it exceeds `paid` too).
    pub fn charge(
        &self,
        active_ms: u64,
        bytes_in: u64,
        bytes_out: u64,
        messages: u64,
    ) -> Option<U256> {
        let t = &self.tariff;
        per_mille(t.per_second, active_ms)?
            .checked_add(times(t.per_byte_in, bytes_in)?)?
            .checked_add(times(t.per_byte_out, bytes_out)?)?
            .checked_add(times(t.per_message, messages)?)
    }

    /// `min(paid, charge(…))`: what a session with this usage has consumed.
    ///
    /// ```
    /// use pay402::U256;
    /// use pay402::ws402::{Tariff, TariffConfig};
    /// let config = TariffConfig {
    ///     tariff: Tariff { per_byte_out: U256::from_u64(2), ..Tariff::per_second(U256::from_u64(7)) },
    ///     paid: U256::from_u64(1_000),
    ///     max_session_seconds: 3600,
    ///     deadline_ms: None,
    /// };
    /// // floor(7 × 1500 / 1000) + 2 × 100 = 10 + 200
    /// assert_eq!(config.consumed(1_500, 0, 100, 0), U256::from_u64(210));
    /// assert_eq!(config.consumed(1_500, 0, 1_000, 0), U256::from_u64(1_000));
    /// ```
    pub fn consumed(&self, active_ms: u64, bytes_in: u64, bytes_out: u64, messages: u64) -> U256 {
        match self.charge(active_ms, bytes_in, bytes_out, messages) {
            Some(c) if c < self.paid => c,
            _ => self.paid,
        }
    }

    fn usage_consumed(&self, active_ms: u64, u: Usage) -> U256 {
        self.consumed(active_ms, u.bytes_in, u.bytes_out, u.messages)
    }

    /// The smallest active millisecond `a ≤ limit` at which `usage` plus time reaches `paid`.
    fn exhausted_within(&self, limit: u64, u: Usage) -> Option<u64> {
        if self.usage_consumed(limit, u) < self.paid {
            return None;
        }
        let (mut lo, mut hi) = (0u64, limit);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.usage_consumed(mid, u) < self.paid {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Some(hi)
    }
}

/// An event the host reports to a [`TariffMeter`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SessionEvent {
    /// A timer tick: accrue, check the limits.
    Tick,
    /// The client closed the socket.
    ClientClose,
    /// The application ended the session normally (close code 1000).
    ServerClose,
    /// The application ended the session with an error (close code 1011; reason `server_close`).
    ServerError,
    /// The connection dropped without a close: time stops accruing until [`Self::Resume`].
    Suspend,
    /// The client resumed a suspended session on a new connection: time accrues again.
    Resume,
    /// The grace period of a suspended session expired without a resume: the session ends
    /// `connection_lost`, dated at the suspend instant.
    GraceExpired,
    /// `n` bytes received from the client.
    BytesIn(u64),
    /// `n` bytes sent to the client.
    BytesOut(u64),
    /// `n` application messages (frames) exchanged.
    Message(u64),
}

impl SessionEvent {
    /// The event of a stable name, as bindings and vector files spell it: `tick`,
    /// `client_close`, `server_close`, `server_error`, `suspend`, `resume`, `grace_expired`,
    /// `bytes_in` and `bytes_out` (`count` bytes, required) or `message` (`count` messages,
    /// default 1).
    ///
    /// Errors: [`Ws402Error::UnknownEvent`], [`Ws402Error::EventCountMissing`].
    ///
    /// ```
    /// use pay402::ws402::SessionEvent;
    /// assert_eq!(SessionEvent::from_name("suspend", None), Ok(SessionEvent::Suspend));
    /// assert_eq!(SessionEvent::from_name("bytes_out", Some(9)), Ok(SessionEvent::BytesOut(9)));
    /// assert!(SessionEvent::from_name("close", None).is_err()); // the v1 meter's name
    /// ```
    pub fn from_name(name: &str, count: Option<u64>) -> Result<Self, Ws402Error> {
        let need = || count.ok_or(Ws402Error::EventCountMissing);
        Ok(match name {
            "tick" => Self::Tick,
            "client_close" => Self::ClientClose,
            "server_close" => Self::ServerClose,
            "server_error" => Self::ServerError,
            "suspend" => Self::Suspend,
            "resume" => Self::Resume,
            "grace_expired" => Self::GraceExpired,
            "bytes_in" => Self::BytesIn(need()?),
            "bytes_out" => Self::BytesOut(need()?),
            "message" => Self::Message(count.unwrap_or(1)),
            _ => return Err(Ws402Error::UnknownEvent),
        })
    }
}

/// The v1 meter's events are the tariff meter's: a v1 `close` is the client's close.
impl From<Event> for SessionEvent {
    fn from(event: Event) -> Self {
        match event {
            Event::Tick => Self::Tick,
            Event::Close => Self::ClientClose,
            Event::BytesIn(n) => Self::BytesIn(n),
            Event::BytesOut(n) => Self::BytesOut(n),
            Event::Message(n) => Self::Message(n),
        }
    }
}

/// Why a [`TariffMeter`] session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SessionEndReason {
    /// The client closed the socket.
    ClientClose,
    /// `consumed` reached `paid`, or the next frame could not be paid ([`TariffMeter::may_send`]).
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

impl SessionEndReason {
    /// The stable name (`client_close`, `balance_exhausted`, `max_duration`, `deadline`,
    /// `server_close`, `connection_lost`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ClientClose => "client_close",
            Self::BalanceExhausted => "balance_exhausted",
            Self::MaxDuration => "max_duration",
            Self::Deadline => "deadline",
            Self::ServerClose => "server_close",
            Self::ConnectionLost => "connection_lost",
        }
    }

    /// The record tag (sealed record v2): 1 `client_close`, 2 `balance_exhausted`,
    /// 3 `max_duration`, 4 `deadline`, 5 `server_close`, 6 `connection_lost`.
    pub const fn tag(self) -> u8 {
        match self {
            Self::ClientClose => 1,
            Self::BalanceExhausted => 2,
            Self::MaxDuration => 3,
            Self::Deadline => 4,
            Self::ServerClose => 5,
            Self::ConnectionLost => 6,
        }
    }

    /// The reason of a record tag ([`SessionEndReason::tag`]).
    pub const fn from_tag(tag: u8) -> Option<Self> {
        Some(match tag {
            1 => Self::ClientClose,
            2 => Self::BalanceExhausted,
            3 => Self::MaxDuration,
            4 => Self::Deadline,
            5 => Self::ServerClose,
            6 => Self::ConnectionLost,
            _ => return None,
        })
    }

    /// The rank when several ends fall on the same millisecond: the lowest wins
    /// (balance > max duration > deadline > the event's own reason).
    const fn rank(self) -> u8 {
        match self {
            Self::BalanceExhausted => 0,
            Self::MaxDuration => 1,
            Self::Deadline => 2,
            _ => 3,
        }
    }
}

/// How and when a [`TariffMeter`] session ended, and the money it settles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SessionEnd {
    /// Why it ended.
    pub reason: SessionEndReason,
    /// When it ended (a limit's exact instant; the event's time for a close; the suspend instant
    /// for `connection_lost`).
    pub at_ms: u64,
    /// The WebSocket close code to send (RFC 6455 §7.4.1): 1000, or 1011 after
    /// [`SessionEvent::ServerError`]; `None` for `connection_lost` (there is no socket).
    pub close_code: Option<u16>,
    /// What the session consumed at `at_ms`.
    pub consumed: U256,
    /// `paid − consumed`.
    pub refund: U256,
}

/// What the host must do after reporting an event to a [`TariffMeter`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SessionOutcome {
    /// The session goes on (running or suspended); `consumed` so far. From
    /// [`TariffMeter::may_send`]: the frame may be sent.
    Running {
        /// Consumed so far, at this event's time.
        consumed: U256,
    },
    /// This event ended the session: close with the code, settle `consumed`, refund the rest.
    /// Returned exactly once per session. From [`TariffMeter::may_send`]: do not send the frame.
    Ended(SessionEnd),
    /// The session had already ended; nothing to do.
    AlreadyEnded(SessionEnd),
}

/// One metered session with a [`Tariff`], suspension and a deadline (the `ws402.session` op of
/// `tests/conformance/vectors/README.md`).
///
/// ```text
/// consumed = min(paid, floor(per_second × active_ms / 1000)
///                      + bytes_in × per_byte_in + bytes_out × per_byte_out + messages × per_message)
/// ```
///
/// - `active_ms` is the time not suspended, capped at `max_session_seconds × 1000`: a dropped
///   connection ([`SessionEvent::Suspend`]) is not billed until [`SessionEvent::Resume`].
/// - Accrual is recomputed at every event from its own timestamp. Timestamps before the start or
///   before the previous event count as that instant.
/// - The limits are dated exactly: the balance at the first active millisecond where time plus
///   usage reaches `paid`; the maximum duration when the active time reaches it; the deadline at
///   `deadline_ms` (no earlier than the start). A byte or message event that reaches `paid` ends
///   the session at that event; its units are counted.
/// - The earliest end wins; on the same millisecond the precedence is balance > max duration >
///   deadline > the event's own end (a close at its time; `connection_lost` at the suspend
///   instant). An event after a limit ends the session at the limit and is not counted.
/// - The session ends exactly once; every later event returns [`SessionOutcome::AlreadyEnded`].
/// - An event the state does not allow changes nothing and is a typed error:
///   `session_suspended` (bytes, messages, a frame or a second suspend while suspended) and
///   `session_not_suspended` (a resume or a grace expiry while running). Counters saturate at
///   `u64::MAX`. Nothing allocates or panics.
///
/// ```
/// use pay402::U256;
/// use pay402::ws402::{SessionEndReason, SessionEvent, SessionOutcome, Tariff, TariffConfig, TariffMeter};
///
/// let config = TariffConfig {
///     tariff: Tariff { per_byte_out: U256::from_u64(1), ..Tariff::per_second(U256::from_u64(10)) },
///     paid: U256::from_u64(1_000),
///     max_session_seconds: 3600,
///     deadline_ms: None,
/// };
/// let mut meter = TariffMeter::start(config, 0);
/// meter.on_event(2_000, SessionEvent::BytesOut(100))?; // 20 + 100
/// meter.on_event(3_000, SessionEvent::Suspend)?; // 30 + 100; the drop is not billed
/// meter.on_event(60_000, SessionEvent::Resume)?;
/// // 900 left at most: a 900-byte frame at 60.5 s (5 + 900 more) cannot be paid.
/// let SessionOutcome::Ended(end) = meter.may_send(60_500, 900, 0)? else { panic!() };
/// assert_eq!(end.reason, SessionEndReason::BalanceExhausted);
/// assert_eq!((end.consumed, end.refund), (U256::from_u64(135), U256::from_u64(865)));
/// assert!(matches!(meter.on_event(61_000, SessionEvent::ServerError)?, SessionOutcome::AlreadyEnded(_)));
/// # Ok::<(), pay402::ws402::Ws402Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TariffMeter {
    config: TariffConfig,
    start_ms: u64,
    last_ms: u64,
    /// Active time accrued before the current run.
    active_ms: u64,
    /// `Some(t)`: running since `t`; `None`: suspended since `suspended_at`.
    run_start: Option<u64>,
    suspended_at: u64,
    usage: Usage,
    consumed: U256,
    /// The active time at the end (meaningful once ended).
    ended_active: u64,
    end: Option<SessionEnd>,
}

impl TariffMeter {
    /// Starts a session at `start_ms` (the time the prepayment was verified), running.
    pub fn start(config: TariffConfig, start_ms: u64) -> Self {
        Self {
            config,
            start_ms,
            last_ms: start_ms,
            active_ms: 0,
            run_start: Some(start_ms),
            suspended_at: 0,
            usage: Usage {
                bytes_in: 0,
                bytes_out: 0,
                messages: 0,
            },
            consumed: U256::ZERO,
            ended_active: 0,
            end: None,
        }
    }

    /// The active time at wall instant `t ≥ last_ms` (uncapped).
    fn active_at(&self, t: u64) -> u64 {
        match self.run_start {
            Some(run) => self.active_ms.saturating_add(t.saturating_sub(run)),
            None => self.active_ms,
        }
    }

    /// `min(active, max)`.
    fn cap(&self, active: u64) -> u64 {
        u64::try_from(self.config.max_active_ms()).map_or(active, |max| active.min(max))
    }

    /// The wall instant at which the active time reaches `a ≥ active_ms` (running only).
    fn wall_of(&self, run: u64, a: u64) -> u64 {
        run.saturating_add(a.saturating_sub(self.active_ms))
    }

    /// The earliest limit reached at or before `now`, as (instant, reason, active time then).
    fn limit_by(&self, now: u64) -> Option<(u64, SessionEndReason, u64)> {
        let mut best: Option<(u64, SessionEndReason, u64)> = None;
        let mut offer = |c: (u64, SessionEndReason, u64)| {
            if best.is_none_or(|b| (c.0, c.1.rank()) < (b.0, b.1.rank())) {
                best = Some(c);
            }
        };
        if let Some(run) = self.run_start {
            let raw = self.active_at(now);
            let capped = self.cap(raw);
            if let Some(a) = self.config.exhausted_within(capped, self.usage) {
                offer((self.wall_of(run, a), SessionEndReason::BalanceExhausted, a));
            }
            if u128::from(raw) >= self.config.max_active_ms() {
                offer((
                    self.wall_of(run, capped),
                    SessionEndReason::MaxDuration,
                    capped,
                ));
            }
        }
        if let Some(d) = self.config.deadline_ms {
            let d = d.max(self.start_ms);
            if d <= now {
                offer((d, SessionEndReason::Deadline, self.cap(self.active_at(d))));
            }
        }
        best
    }

    fn finish(
        &mut self,
        at_ms: u64,
        reason: SessionEndReason,
        active: u64,
        code: Option<u16>,
    ) -> SessionOutcome {
        // For `balance_exhausted` this is `paid`: the limit is dated where the charge reaches it.
        let consumed = self.config.usage_consumed(active, self.usage);
        let end = SessionEnd {
            reason,
            at_ms,
            close_code: code,
            consumed,
            refund: self.config.paid.checked_sub(consumed).unwrap_or_default(),
        };
        self.consumed = consumed;
        self.ended_active = active;
        self.end = Some(end);
        SessionOutcome::Ended(end)
    }

    /// Reports `event` at `at_ms` and says what to do (the rules are on [`TariffMeter`]).
    ///
    /// # Errors
    /// [`Ws402Error::SessionSuspended`] and [`Ws402Error::SessionNotSuspended`] when the event
    /// does not fit the state; the meter is unchanged.
    pub fn on_event(
        &mut self,
        at_ms: u64,
        event: SessionEvent,
    ) -> Result<SessionOutcome, Ws402Error> {
        use SessionEvent as E;
        if let Some(end) = self.end {
            return Ok(SessionOutcome::AlreadyEnded(end));
        }
        let suspended = self.run_start.is_none();
        match event {
            E::Suspend | E::BytesIn(_) | E::BytesOut(_) | E::Message(_) if suspended => {
                return Err(Ws402Error::SessionSuspended);
            }
            E::Resume | E::GraceExpired if !suspended => {
                return Err(Ws402Error::SessionNotSuspended);
            }
            _ => {}
        }
        let now = at_ms.max(self.last_ms);
        // The event's own end, if it has one: (instant, reason, close code).
        let own = match event {
            E::ClientClose => Some((now, SessionEndReason::ClientClose, Some(CLOSE_NORMAL))),
            E::ServerClose => Some((now, SessionEndReason::ServerClose, Some(CLOSE_NORMAL))),
            E::ServerError => Some((
                now,
                SessionEndReason::ServerClose,
                Some(CLOSE_INTERNAL_ERROR),
            )),
            E::GraceExpired => Some((self.suspended_at, SessionEndReason::ConnectionLost, None)),
            _ => None,
        };
        let limit = self.limit_by(now);
        self.last_ms = now;
        match (limit, own) {
            (Some((t, reason, active)), Some((o, _, _))) if (t, reason.rank()) <= (o, 3) => {
                return Ok(self.finish(t, reason, active, Some(CLOSE_NORMAL)));
            }
            (Some((t, reason, active)), None) => {
                return Ok(self.finish(t, reason, active, Some(CLOSE_NORMAL)));
            }
            (_, Some((o, reason, code))) => {
                // Running: `o` is `now`; suspended: the active time froze at the suspend instant.
                let active = self.cap(self.active_at(o));
                return Ok(self.finish(o, reason, active, code));
            }
            (None, None) => {}
        }
        let active = self.cap(self.active_at(now));
        let u = &mut self.usage;
        match event {
            E::BytesIn(n) => u.bytes_in = u.bytes_in.saturating_add(n),
            E::BytesOut(n) => u.bytes_out = u.bytes_out.saturating_add(n),
            E::Message(n) => u.messages = u.messages.saturating_add(n),
            E::Suspend => {
                self.active_ms = active;
                self.run_start = None;
                self.suspended_at = now;
            }
            E::Resume => self.run_start = Some(now),
            _ => {}
        }
        Ok(self.account(now, active))
    }

    /// Asks, before sending a frame of `bytes` bytes counted as `messages` messages, whether the
    /// balance pays for it at `at_ms`. `Running`: send it, then report
    /// [`SessionEvent::BytesOut`] and [`SessionEvent::Message`]. `Ended`: do not send it; the
    /// session ends now (`balance_exhausted`, billed without the frame) or at a limit already
    /// passed. Accrues like a [`SessionEvent::Tick`].
    ///
    /// # Errors
    /// [`Ws402Error::SessionSuspended`]: there is no connection to send on.
    pub fn may_send(
        &mut self,
        at_ms: u64,
        bytes: u64,
        messages: u64,
    ) -> Result<SessionOutcome, Ws402Error> {
        if let Some(end) = self.end {
            return Ok(SessionOutcome::AlreadyEnded(end));
        }
        if self.run_start.is_none() {
            return Err(Ws402Error::SessionSuspended);
        }
        let running = self.on_event(at_ms, SessionEvent::Tick)?;
        if !matches!(running, SessionOutcome::Running { .. }) {
            return Ok(running);
        }
        let u = self.usage;
        let active = self.cap(self.active_at(self.last_ms));
        let fits = match (
            u.bytes_out.checked_add(bytes),
            u.messages.checked_add(messages),
        ) {
            (Some(b), Some(m)) => self
                .config
                .charge(active, u.bytes_in, b, m)
                .is_some_and(|c| c <= self.config.paid),
            _ => false,
        };
        if fits {
            return Ok(running);
        }
        let end = SessionEnd {
            reason: SessionEndReason::BalanceExhausted,
            at_ms: self.last_ms,
            close_code: Some(CLOSE_NORMAL),
            consumed: self.consumed,
            refund: self.remaining(),
        };
        self.ended_active = active;
        self.end = Some(end);
        Ok(SessionOutcome::Ended(end))
    }

    /// Charges an HTTP response of `bytes` body bytes, served under the session's grant
    /// ([`super::http_grant`]), at `at_ms`, **before** it is sent: `bytes` are counted as bytes
    /// out ([`Tariff::per_byte_out`]) and the response as **one message**
    /// ([`Tariff::per_message`]: the response is the application unit delivered, as a frame
    /// is for [`TariffMeter::may_send`]); time accrues to `at_ms` as for a tick.
    ///
    /// - The balance pays (`charge(active at at_ms, usage + bytes out + 1 message) ≤ paid`):
    ///   the usage is counted and `Running`; when the charge reaches `paid` exactly, the
    ///   session ends `balance_exhausted` at `at_ms` with the response counted (`Ended`): serve
    ///   it, then end.
    /// - Otherwise the response is refused and **nothing changes** (an HTTP request never ends
    ///   the session; its timer does): [`Ws402Error::BalanceInsufficient`] when the charge
    ///   exceeds `paid`; [`Ws402Error::SessionEnded`] when the session has ended or a limit
    ///   (balance, maximum duration, deadline) is reached by `at_ms` and not yet reported;
    ///   [`Ws402Error::SessionSuspended`] while suspended (no connection holds the grant's
    ///   session).
    ///
    /// A response whose length is not known in advance cannot be charged: the host buffers it
    /// (or sends a `Content-Length`) and charges its length before sending.
    ///
    /// ```
    /// use pay402::U256;
    /// use pay402::ws402::{SessionOutcome, Tariff, TariffConfig, TariffMeter, Ws402Error};
    /// let config = TariffConfig {
    ///     tariff: Tariff { per_byte_out: U256::from_u64(2), per_message: U256::from_u64(5), ..Tariff::per_second(U256::from_u64(10)) },
    ///     paid: U256::from_u64(1_000),
    ///     max_session_seconds: 3600,
    ///     deadline_ms: None,
    /// };
    /// let mut meter = TariffMeter::start(config, 0);
    /// // at 1 s: 10 + 2 × 300 + 5 = 615
    /// assert_eq!(meter.serve_http(1_000, 300), Ok(SessionOutcome::Running { consumed: U256::from_u64(615) }));
    /// // 615 + 2 × 200 + 5 > 1000: refused, nothing counted
    /// assert_eq!(meter.serve_http(1_000, 200), Err(Ws402Error::BalanceInsufficient));
    /// assert_eq!(meter.bytes_out(), 300);
    /// # Ok::<(), Ws402Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Ws402Error::BalanceInsufficient`], [`Ws402Error::SessionEnded`],
    /// [`Ws402Error::SessionSuspended`]; the meter is unchanged.
    pub fn serve_http(&mut self, at_ms: u64, bytes: u64) -> Result<SessionOutcome, Ws402Error> {
        if self.end.is_some() {
            return Err(Ws402Error::SessionEnded);
        }
        if self.run_start.is_none() {
            return Err(Ws402Error::SessionSuspended);
        }
        let now = at_ms.max(self.last_ms);
        if self.limit_by(now).is_some() {
            return Err(Ws402Error::SessionEnded);
        }
        let active = self.cap(self.active_at(now));
        let u = Usage {
            bytes_in: self.usage.bytes_in,
            bytes_out: self
                .usage
                .bytes_out
                .checked_add(bytes)
                .ok_or(Ws402Error::BalanceInsufficient)?,
            messages: self
                .usage
                .messages
                .checked_add(1)
                .ok_or(Ws402Error::BalanceInsufficient)?,
        };
        let fits = self
            .config
            .charge(active, u.bytes_in, u.bytes_out, u.messages)
            .is_some_and(|c| c <= self.config.paid);
        if !fits {
            return Err(Ws402Error::BalanceInsufficient);
        }
        self.last_ms = now;
        self.usage = u;
        Ok(self.account(now, active))
    }

    /// Recomputes `consumed` from `active` ms and the usage so far; a charge that reached `paid`
    /// exactly ends the session `balance_exhausted` at `now` (close 1000).
    fn account(&mut self, now: u64, active: u64) -> SessionOutcome {
        self.consumed = self.config.usage_consumed(active, self.usage);
        if self.consumed == self.config.paid {
            return self.finish(
                now,
                SessionEndReason::BalanceExhausted,
                active,
                Some(CLOSE_NORMAL),
            );
        }
        SessionOutcome::Running {
            consumed: self.consumed,
        }
    }

    /// The session's configuration.
    pub fn config(&self) -> &TariffConfig {
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
    /// Active (billed) time as of the latest event or the end, capped at the maximum duration.
    pub fn active_ms(&self) -> u64 {
        match self.end {
            Some(_) => self.ended_active,
            None => self.cap(self.active_at(self.last_ms)),
        }
    }
    /// Whether the session is suspended (and not ended).
    pub fn is_suspended(&self) -> bool {
        self.end.is_none() && self.run_start.is_none()
    }
    /// Consumed as of the latest event (or the end).
    pub fn consumed(&self) -> U256 {
        self.consumed
    }
    /// `paid − consumed` as of the latest event.
    pub fn remaining(&self) -> U256 {
        self.config
            .paid
            .checked_sub(self.consumed)
            .unwrap_or_default()
    }
    /// Bytes received from the client and counted.
    pub fn bytes_in(&self) -> u64 {
        self.usage.bytes_in
    }
    /// Bytes sent to the client and counted.
    pub fn bytes_out(&self) -> u64 {
        self.usage.bytes_out
    }
    /// Messages counted.
    pub fn messages(&self) -> u64 {
        self.usage.messages
    }
    /// The end, once the session has ended.
    pub fn end(&self) -> Option<SessionEnd> {
        self.end
    }

    /// The complete state, as a sealed record stores it ([`TariffMeter::restore`] reads it back).
    pub fn state(&self) -> TariffState {
        TariffState {
            config: self.config,
            start_ms: self.start_ms,
            last_ms: self.last_ms,
            active_ms: self.active_ms,
            running_since: self.run_start,
            suspended_at: self.suspended_at,
            bytes_in: self.usage.bytes_in,
            bytes_out: self.usage.bytes_out,
            messages: self.usage.messages,
            consumed: self.consumed,
            ended_active_ms: self.ended_active,
            end: self.end,
        }
    }

    /// A meter in `state`, after checking that the state is one the metering rules can reach:
    /// times in order (`start_ms ≤ running_since or suspended_at ≤ last_ms`, active time within
    /// the wall time), `consumed` equal to the tariff's charge for the active time and usage
    /// (capped at `paid`), and an end that agrees with it (its `consumed` and `refund`, its close
    /// code: none for `connection_lost`, 1000 or 1011 for `server_close`, 1000 otherwise).
    /// Errors: `inconsistent_record`.
    pub fn restore(state: TariffState) -> Result<Self, Ws402Error> {
        let bad = Ws402Error::RecordInconsistent;
        let s = state;
        let meter = Self {
            config: s.config,
            start_ms: s.start_ms,
            last_ms: s.last_ms,
            active_ms: s.active_ms,
            run_start: s.running_since,
            suspended_at: s.suspended_at,
            usage: Usage {
                bytes_in: s.bytes_in,
                bytes_out: s.bytes_out,
                messages: s.messages,
            },
            consumed: s.consumed,
            ended_active: s.ended_active_ms,
            end: s.end,
        };
        let pivot = match s.running_since {
            Some(run) => run,
            None => s.suspended_at,
        };
        let in_order = s.start_ms <= pivot
            && pivot <= s.last_ms
            && s.active_ms <= pivot - s.start_ms
            && s.consumed <= s.config.paid;
        if !in_order {
            return Err(bad);
        }
        match s.end {
            None => {
                let active = meter.cap(meter.active_at(s.last_ms));
                if s.ended_active_ms != 0
                    || s.consumed != s.config.usage_consumed(active, meter.usage)
                {
                    return Err(bad);
                }
            }
            Some(end) => {
                let code_ok = match end.reason {
                    SessionEndReason::ConnectionLost => end.close_code.is_none(),
                    SessionEndReason::ServerClose => {
                        matches!(end.close_code, Some(CLOSE_NORMAL | CLOSE_INTERNAL_ERROR))
                    }
                    _ => end.close_code == Some(CLOSE_NORMAL),
                };
                let consistent = code_ok
                    && s.start_ms <= end.at_ms
                    && end.at_ms <= s.last_ms
                    && u128::from(s.ended_active_ms) <= s.config.max_active_ms()
                    && s.ended_active_ms <= end.at_ms - s.start_ms
                    && s.consumed == s.config.usage_consumed(s.ended_active_ms, meter.usage)
                    && end.consumed == s.consumed
                    && s.config.paid.checked_sub(s.consumed) == Some(end.refund);
                if !consistent {
                    return Err(bad);
                }
            }
        }
        Ok(meter)
    }
}

/// The complete state of a [`TariffMeter`] ([`TariffMeter::state`], [`TariffMeter::restore`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TariffState {
    /// The prices, the prepaid amount and the limits.
    pub config: TariffConfig,
    /// When the session started.
    pub start_ms: u64,
    /// The latest event time.
    pub last_ms: u64,
    /// The active time accrued before the current run (running), or in total (suspended).
    pub active_ms: u64,
    /// `Some(t)`: running since `t`; `None`: suspended since `suspended_at`.
    pub running_since: Option<u64>,
    /// When the session was suspended (meaningful when `running_since` is `None`).
    pub suspended_at: u64,
    /// Bytes received and counted.
    pub bytes_in: u64,
    /// Bytes sent and counted.
    pub bytes_out: u64,
    /// Messages counted.
    pub messages: u64,
    /// Consumed as of `last_ms` (or the end).
    pub consumed: U256,
    /// The active time at the end (0 while not ended).
    pub ended_active_ms: u64,
    /// The end, once ended.
    pub end: Option<SessionEnd>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(v: u64) -> U256 {
        U256::from_u64(v)
    }

    fn cfg(tariff: Tariff, paid: u64, max_s: u64, deadline_ms: Option<u64>) -> TariffConfig {
        TariffConfig {
            tariff,
            paid: u(paid),
            max_session_seconds: max_s,
            deadline_ms,
        }
    }

    fn ended(o: Result<SessionOutcome, Ws402Error>) -> SessionEnd {
        match o {
            Ok(SessionOutcome::Ended(e)) => e,
            other => panic!("not ended: {other:?}"),
        }
    }

    /// With a time-only tariff and no deadline, the tariff meter is the v1 meter, event for event.
    #[test]
    fn time_only_tariff_is_the_v1_meter() {
        let mut state = 402u64;
        let mut next = |bound: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 16) % bound
        };
        for _ in 0..2000 {
            let config = MeterConfig {
                price_per_second: u(next(5000)
                    * match next(3) {
                        0 => 1,
                        1 => 1000,
                        _ => 1 << 40,
                    }),
                paid: u(next(1_000_000)),
                max_session_seconds: next(100),
            };
            let start = next(1 << 40);
            let mut v1 = Meter::start(config, start);
            let mut v2 = TariffMeter::start(config.into(), start);
            let mut t = start;
            for _ in 0..next(12) {
                t = (t + next(7000)).saturating_sub(next(3) * 100);
                let n = next(5000);
                let (a, b) = match next(5) {
                    0 => (Event::Close, SessionEvent::ClientClose),
                    1 => (Event::BytesIn(n), SessionEvent::BytesIn(n)),
                    2 => (Event::BytesOut(n), SessionEvent::BytesOut(n)),
                    3 => (Event::Message(n), SessionEvent::Message(n)),
                    _ => (Event::Tick, SessionEvent::Tick),
                };
                let o1 = v1.on_event(t, a);
                let o2 = v2.on_event(t, b).unwrap();
                let end_of = |e: End| (e.reason.as_str(), e.at_ms, e.consumed, e.refund);
                let end2 = |e: SessionEnd| (e.reason.as_str(), e.at_ms, e.consumed, e.refund);
                match (o1, o2) {
                    (
                        Outcome::Running { consumed: c1 },
                        SessionOutcome::Running { consumed: c2 },
                    ) => {
                        assert_eq!(c1, c2);
                    }
                    (Outcome::Ended(e1), SessionOutcome::Ended(e2))
                    | (Outcome::AlreadyEnded(e1), SessionOutcome::AlreadyEnded(e2)) => {
                        assert_eq!(end_of(e1), end2(e2));
                        assert_eq!(Some(e1.close_code()), e2.close_code);
                    }
                    other => panic!("{other:?}"),
                }
                assert_eq!(
                    (v1.bytes_in(), v1.bytes_out(), v1.messages(), v1.consumed()),
                    (v2.bytes_in(), v2.bytes_out(), v2.messages(), v2.consumed())
                );
            }
        }
    }

    #[test]
    fn a_suspension_is_not_billed_and_max_duration_caps_active_time() {
        let mut m = TariffMeter::start(cfg(Tariff::per_second(u(1000)), 1_000_000, 10, None), 0);
        m.on_event(4_000, SessionEvent::Suspend).unwrap();
        assert!(m.is_suspended());
        assert_eq!(
            m.on_event(100_000, SessionEvent::Tick),
            Ok(SessionOutcome::Running { consumed: u(4000) })
        );
        m.on_event(100_000, SessionEvent::Resume).unwrap();
        // 6 s of active time left: max_duration at 106 s.
        let end = ended(m.on_event(200_000, SessionEvent::Tick));
        assert_eq!(
            (end.reason, end.at_ms, end.consumed),
            (SessionEndReason::MaxDuration, 106_000, u(10_000))
        );
        assert_eq!(m.active_ms(), 10_000);
    }

    #[test]
    fn connection_lost_is_dated_at_the_suspend_instant() {
        let mut m =
            TariffMeter::start(cfg(Tariff::per_second(u(10)), 1_000, 3600, Some(50_000)), 0);
        m.on_event(2_500, SessionEvent::Suspend).unwrap();
        let end = ended(m.on_event(90_000, SessionEvent::GraceExpired));
        assert_eq!(
            (end.reason, end.at_ms, end.close_code),
            (SessionEndReason::ConnectionLost, 2_500, None)
        );
        assert_eq!((end.consumed, end.refund), (u(25), u(975)));
    }

    #[test]
    fn deadline_while_suspended_and_precedence() {
        let mut m =
            TariffMeter::start(cfg(Tariff::per_second(u(10)), 1_000, 3600, Some(50_000)), 0);
        m.on_event(2_500, SessionEvent::Suspend).unwrap();
        let end = ended(m.on_event(60_000, SessionEvent::Resume));
        assert_eq!(
            (end.reason, end.at_ms, end.consumed),
            (SessionEndReason::Deadline, 50_000, u(25))
        );
        // Balance and deadline on the same millisecond: the balance wins; a close there loses.
        let mut m = TariffMeter::start(cfg(Tariff::per_second(u(10)), 100, 10, Some(10_000)), 0);
        let end = ended(m.on_event(10_000, SessionEvent::ServerError));
        assert_eq!(
            (end.reason, end.close_code),
            (SessionEndReason::BalanceExhausted, Some(1000))
        );
        let mut m = TariffMeter::start(cfg(Tariff::per_second(u(10)), 1000, 10, Some(10_000)), 0);
        assert_eq!(
            ended(m.on_event(10_000, SessionEvent::Tick)).reason,
            SessionEndReason::MaxDuration
        );
        let mut m = TariffMeter::start(cfg(Tariff::per_second(u(10)), 1000, 20, Some(10_000)), 0);
        assert_eq!(
            ended(m.on_event(10_000, SessionEvent::ClientClose)).reason,
            SessionEndReason::Deadline
        );
        let mut m = TariffMeter::start(cfg(Tariff::per_second(u(10)), 1000, 20, None), 0);
        let end = ended(m.on_event(7_000, SessionEvent::ServerError));
        assert_eq!(
            (end.reason, end.close_code),
            (SessionEndReason::ServerClose, Some(CLOSE_INTERNAL_ERROR))
        );
    }

    #[test]
    fn byte_and_message_prices() {
        let t = Tariff {
            per_byte_in: u(1),
            per_byte_out: u(2),
            per_message: u(5),
            ..Tariff::FREE
        };
        let mut m = TariffMeter::start(cfg(t, 100, 3600, None), 0);
        assert_eq!(
            m.on_event(1, SessionEvent::BytesIn(10)),
            Ok(SessionOutcome::Running { consumed: u(10) })
        );
        assert_eq!(
            m.on_event(2, SessionEvent::Message(2)),
            Ok(SessionOutcome::Running { consumed: u(20) })
        );
        // 40 bytes out cost 80: 20 + 80 = 100 is exactly affordable; one more message is not.
        assert!(matches!(
            m.may_send(3, 40, 0),
            Ok(SessionOutcome::Running { .. })
        ));
        assert!(matches!(m.may_send(3, 40, 1), Ok(SessionOutcome::Ended(_))));
        assert_eq!(
            m.end().map(|e| (e.consumed, e.refund, e.at_ms)),
            Some((u(20), u(80), 3))
        );
        let mut m = TariffMeter::start(cfg(t, 100, 3600, None), 0);
        let end = ended(m.on_event(5, SessionEvent::BytesOut(60)));
        assert_eq!(
            (end.reason, end.consumed, m.bytes_out()),
            (SessionEndReason::BalanceExhausted, u(100), 60)
        );
    }

    #[test]
    fn events_that_do_not_fit_the_state_are_typed_errors() {
        let mut m = TariffMeter::start(cfg(Tariff::per_second(u(1)), 100, 60, None), 0);
        assert_eq!(
            m.on_event(1, SessionEvent::Resume),
            Err(Ws402Error::SessionNotSuspended)
        );
        assert_eq!(
            m.on_event(1, SessionEvent::GraceExpired),
            Err(Ws402Error::SessionNotSuspended)
        );
        m.on_event(1, SessionEvent::Suspend).unwrap();
        let before = m;
        for e in [
            SessionEvent::Suspend,
            SessionEvent::BytesIn(1),
            SessionEvent::BytesOut(1),
            SessionEvent::Message(1),
        ] {
            assert_eq!(m.on_event(9, e), Err(Ws402Error::SessionSuspended));
        }
        assert_eq!(m.may_send(9, 1, 1), Err(Ws402Error::SessionSuspended));
        assert_eq!(m, before);
    }
}
