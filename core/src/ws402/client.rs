//! The client side of one WS402 session: what a server frame means for the client's money.
//!
//! A client pays the schema's price (x402 `exact`: the value it paid; `upto`: the maximum it
//! signed) and then reads the server's text frames. [`ClientSession`] classifies every frame
//! ([`ClientSession::on_text`]) and checks each WS402 server message against the client's own
//! figures before the client believes it:
//!
//! - the `balance` of `session_started` / `session_resumed` never exceeds the authorized amount
//!   (`balance_exceeds_authorized`) and the price is the one the client paid
//!   (`price_mismatch`); a resumed session keeps its balance (`balance_mismatch`);
//! - `consumedAmount` never decreases (`consumed_decreased`) and never exceeds the balance
//!   (`server_overcharged`); `consumedAmount + remainingBalance = balance` wherever the message
//!   carries both (`balance_mismatch`);
//! - the `session_ended` statement is consistent: `paid` is the balance, `consumed` passes the
//!   checks above, and the net charge `settled − refund` is exactly `consumed` when the server
//!   settled more than was consumed (x402 `exact`: the whole prepayment is settled and
//!   `paid − consumed` refunded; a smaller refund is `server_overcharged`, a larger one or a
//!   partial settlement `statement_inconsistent`), and the refund is 0 when it settled at most
//!   `consumed` (`upto`, or nothing settled);
//! - the `sessionId` of every later message is the one of `session_started`
//!   (`session_id_mismatch`);
//! - every message arrives in its phase: nothing but `session_started` / `payment_rejected`
//!   before the start (`before_start`), no second start (`out_of_phase`), nothing after the end
//!   (`after_end`).
//!
//! A violation is a typed [`ClientError`] with a stable code and leaves the session unchanged;
//! the client closes the socket. A frame that is not a WS402 server message (not a JSON object
//! with a string `type` naming one) is the application's ([`ClientEvent::Application`]); a
//! frame whose `type` names a server message but whose members are wrong is
//! `malformed_message`, never handed to the application.
//!
//! The messages and their order are WS402's (<https://github.com/ws402/ws402>, `src/WS402.ts`:
//! `session_started`, `usage_update`, `balance_exhausted`, `max_duration_reached`,
//! `payment_rejected`, `http_access_granted`) plus pay402's resume and end messages
//! ([`Message`]). No allocation: the session id and resume token live in fixed storage of
//! [`MAX_CLIENT_SESSION_ID_LEN`] and [`MAX_CLIENT_RESUME_TOKEN_LEN`] bytes.
//!
//! ```
//! use pay402::u256::U256;
//! use pay402::ws402::{ClientEvent, ClientPhase, ClientSession};
//! // The client signed an `upto` authorization of 300 at 1 per second.
//! let mut s = ClientSession::new(U256::from_u64(300), U256::from_u64(1));
//! let mut out = [0u8; 256];
//! let n = s.write_payment_proof("eyJ4NDAyVmVyc2lvbiI6Mn0=", &mut out)?;
//! assert_eq!(&out[..n], br#"{"type":"payment_proof","proof":"eyJ4NDAyVmVyc2lvbiI6Mn0="}"#);
//!
//! let started = br#"{"type":"session_started","sessionId":"ws402_1","balance":300,"pricePerSecond":1}"#;
//! assert!(matches!(s.on_text(started)?, ClientEvent::Started { .. }));
//! let usage = br#"{"type":"usage_update","sessionId":"ws402_1","elapsedSeconds":3,"consumedAmount":3,"remainingBalance":297,"bytesTransferred":42,"messageCount":2}"#;
//! assert!(matches!(s.on_text(usage)?, ClientEvent::Usage { .. }));
//! assert_eq!((s.consumed(), s.remaining()), (U256::from_u64(3), U256::from_u64(297)));
//! assert!(matches!(s.on_text(b"hello")?, ClientEvent::Application));
//!
//! // A server that reports less consumption than before is refused; nothing changes.
//! let back = br#"{"type":"usage_update","sessionId":"ws402_1","elapsedSeconds":4,"consumedAmount":2,"remainingBalance":298,"bytesTransferred":42,"messageCount":2}"#;
//! assert_eq!(s.on_text(back).map(|_| ()).unwrap_err().code(), "consumed_decreased");
//! assert_eq!(s.consumed(), U256::from_u64(3));
//!
//! let n = s.write_end_session(&mut out)?;
//! assert_eq!(&out[..n], br#"{"type":"end_session"}"#);
//! let ended = br#"{"type":"session_ended","sessionId":"ws402_1","endedBy":"client_close","paid":"300","consumed":"5","settled":"5","refund":"0"}"#;
//! assert!(matches!(s.on_text(ended)?, ClientEvent::Ended(_)));
//! assert_eq!(s.phase(), ClientPhase::Ended);
//! # use pay402::error::ErrorCode;
//! # Ok::<(), pay402::ws402::ClientError>(())
//! ```

use super::error::Ws402Error;
use super::message::{AmountEncoding, Message, PaymentProof, SessionEnded, UsageUpdate};
use crate::error::{BufferTooSmall, ErrorCode};
use crate::json::{JsonStr, Object, RawValue};
use crate::u256::U256;

/// The longest `sessionId` a [`ClientSession`] keeps, in decoded bytes.
pub const MAX_CLIENT_SESSION_ID_LEN: usize = 128;
/// The longest `resumeToken` a [`ClientSession`] keeps, in decoded bytes.
pub const MAX_CLIENT_RESUME_TOKEN_LEN: usize = 128;

/// Where a client session is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClientPhase {
    /// Paid (or about to pay); waiting for `session_started` or `payment_rejected`.
    AwaitingStart,
    /// Started: usage, application frames, grants, a limit or the end may arrive.
    Running,
    /// The server reported `balance_exhausted` or `max_duration_reached`; only the other limit
    /// message, application frames and `session_ended` may follow before the close.
    Closing,
    /// The client sent `resume_session` on a new connection; waiting for `session_resumed` or
    /// `resume_refused`.
    Resuming,
    /// The server sent `session_ended`. Terminal.
    Ended,
    /// The server sent `payment_rejected` or `resume_refused`. Terminal.
    Rejected,
}

impl ClientPhase {
    /// The stable name: `awaiting_start`, `running`, `closing`, `resuming`, `ended`,
    /// `rejected`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AwaitingStart => "awaiting_start",
            Self::Running => "running",
            Self::Closing => "closing",
            Self::Resuming => "resuming",
            Self::Ended => "ended",
            Self::Rejected => "rejected",
        }
    }

    /// `true` for [`ClientPhase::Ended`] and [`ClientPhase::Rejected`].
    pub const fn is_terminal(self) -> bool {
        matches!(self, Self::Ended | Self::Rejected)
    }
}

/// What an accepted server frame means, borrowed from the frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientEvent<'a> {
    /// Not a WS402 server message: the application's frame.
    Application,
    /// `session_started`: the session runs; [`ClientSession::balance`],
    /// [`ClientSession::session_id`] and [`ClientSession::resume_token`] are set.
    Started {
        /// The verified paid amount (`balance`).
        balance: U256,
        /// `pricePerSecond`, the price the client paid.
        price_per_second: U256,
    },
    /// `usage_update`: the server's meter reading.
    Usage {
        /// `elapsedSeconds`.
        elapsed_seconds: u64,
        /// `consumedAmount`.
        consumed: U256,
        /// `remainingBalance`.
        remaining: U256,
        /// `bytesTransferred`.
        bytes_transferred: u64,
        /// `messageCount`.
        message_count: u64,
    },
    /// `balance_exhausted`: the server ends the session (close 1000 follows).
    BalanceExhausted {
        /// `message`, human-readable.
        message: Option<JsonStr<'a>>,
    },
    /// `max_duration_reached`: the server ends the session (close 1000 follows).
    MaxDurationReached {
        /// `message`, human-readable.
        message: Option<JsonStr<'a>>,
    },
    /// `http_access_granted`: a token for an HTTP resource of this session.
    HttpAccessGranted {
        /// `httpToken`, carried in `Authorization: WS402 <token>`.
        http_token: JsonStr<'a>,
        /// `resourceUrl`.
        resource_url: JsonStr<'a>,
        /// `message`, human-readable.
        message: Option<JsonStr<'a>>,
    },
    /// `payment_rejected`: the server refused the payment (close 1008 follows).
    PaymentRejected {
        /// `reason`, the server's code.
        reason: JsonStr<'a>,
    },
    /// `session_resumed`: the suspended session continues on this connection.
    Resumed {
        /// `consumedAmount` so far.
        consumed: U256,
        /// `remainingBalance`.
        remaining: U256,
    },
    /// `resume_refused`: the session cannot continue (close 1008 follows).
    ResumeRefused {
        /// `reason`, the server's code.
        reason: JsonStr<'a>,
    },
    /// `session_ended`: the checked statement.
    Ended(SessionEnded<'a>),
}

impl ClientEvent<'_> {
    /// The stable kind: `application`, `started`, `usage`, `balance_exhausted`,
    /// `max_duration_reached`, `http_access_granted`, `payment_rejected`, `resumed`,
    /// `resume_refused`, `ended`.
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Application => "application",
            Self::Started { .. } => "started",
            Self::Usage { .. } => "usage",
            Self::BalanceExhausted { .. } => "balance_exhausted",
            Self::MaxDurationReached { .. } => "max_duration_reached",
            Self::HttpAccessGranted { .. } => "http_access_granted",
            Self::PaymentRejected { .. } => "payment_rejected",
            Self::Resumed { .. } => "resumed",
            Self::ResumeRefused { .. } => "resume_refused",
            Self::Ended(_) => "ended",
        }
    }
}

/// Why a server frame (or a client write) was refused. The session is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientError {
    /// The frame's `type` names a WS402 server message but its members are missing or wrong;
    /// the detail code is the decoder's.
    Malformed(Ws402Error),
    /// A message that needs a running session before `session_started` (or, while resuming,
    /// before `session_resumed`).
    BeforeStart,
    /// A frame after `session_ended`, `payment_rejected` or `resume_refused`.
    AfterEnd,
    /// A message that has no meaning in this phase (a second `session_started`, a
    /// `payment_rejected` after the start, `session_resumed` without `resume_session`, a
    /// `usage_update` after a limit) or a client write in the wrong phase.
    OutOfPhase,
    /// The message names another session.
    SessionIdMismatch,
    /// `balance` is above what the client authorized.
    BalanceExceedsAuthorized,
    /// `pricePerSecond` is not the price the client paid.
    PriceMismatch,
    /// The server claims more than the balance: consumed above the balance, settled above the
    /// paid amount, or an `exact` refund below `paid − consumed`.
    ServerOvercharged,
    /// `consumedAmount` is below an earlier reading.
    ConsumedDecreased,
    /// `consumedAmount + remainingBalance` is not the balance, or the balance (`paid`) is not
    /// the one the session started with.
    BalanceMismatch,
    /// The `session_ended` statement does not add up: a refund of money not settled, a refund
    /// above `paid − consumed`, or a settlement above `consumed` that is not the whole prepayment.
    StatementInconsistent,
    /// `sessionId` is longer than [`MAX_CLIENT_SESSION_ID_LEN`] bytes.
    SessionIdTooLong,
    /// `resumeToken` is longer than [`MAX_CLIENT_RESUME_TOKEN_LEN`] bytes.
    ResumeTokenTooLong,
    /// `resume_session` cannot be written: the server gave no resume token.
    NoResumeToken,
    /// The output buffer is too small.
    BufferTooSmall,
}

impl From<BufferTooSmall> for ClientError {
    fn from(_: BufferTooSmall) -> Self {
        Self::BufferTooSmall
    }
}

impl core::fmt::Display for ClientError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Malformed(e) => write!(f, "WS402 server message is malformed: {e}"),
            Self::BeforeStart => f.write_str("WS402 server message before the session started"),
            Self::AfterEnd => f.write_str("WS402 server frame after the session ended"),
            Self::OutOfPhase => f.write_str("WS402 message out of phase"),
            Self::SessionIdMismatch => f.write_str("WS402 server message names another session"),
            Self::BalanceExceedsAuthorized => {
                f.write_str("WS402 balance is above the amount the client authorized")
            }
            Self::PriceMismatch => f.write_str("WS402 price is not the price the client paid"),
            Self::ServerOvercharged => f.write_str("WS402 server charges more than the balance"),
            Self::ConsumedDecreased => f.write_str("WS402 consumed amount decreased"),
            Self::BalanceMismatch => {
                f.write_str("WS402 consumed plus remaining is not the session's balance")
            }
            Self::StatementInconsistent => f.write_str("WS402 session statement does not add up"),
            Self::SessionIdTooLong => f.write_str("WS402 session id is too long"),
            Self::ResumeTokenTooLong => f.write_str("WS402 resume token is too long"),
            Self::NoResumeToken => f.write_str("WS402 session has no resume token"),
            Self::BufferTooSmall => f.write_str("the output buffer is too small"),
        }
    }
}

impl core::error::Error for ClientError {}

impl ErrorCode for ClientError {
    fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed_message",
            Self::BeforeStart => "before_start",
            Self::AfterEnd => "after_end",
            Self::OutOfPhase => "out_of_phase",
            Self::SessionIdMismatch => "session_id_mismatch",
            Self::BalanceExceedsAuthorized => "balance_exceeds_authorized",
            Self::PriceMismatch => "price_mismatch",
            Self::ServerOvercharged => "server_overcharged",
            Self::ConsumedDecreased => "consumed_decreased",
            Self::BalanceMismatch => "balance_mismatch",
            Self::StatementInconsistent => "statement_inconsistent",
            Self::SessionIdTooLong => "session_id_too_long",
            Self::ResumeTokenTooLong => "resume_token_too_long",
            Self::NoResumeToken => "no_resume_token",
            Self::BufferTooSmall => "buffer_too_small",
        }
    }

    fn detail_code(&self) -> Option<&'static str> {
        match self {
            Self::Malformed(e) => Some(e.detail_code().unwrap_or(e.code())),
            _ => None,
        }
    }
}

/// Fixed storage for a decoded JSON string.
#[derive(Clone, Copy, Debug)]
struct Text<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> Text<N> {
    const EMPTY: Self = Self {
        buf: [0; N],
        len: 0,
    };

    fn from_json(s: &JsonStr<'_>) -> Option<Self> {
        let mut t = Self::EMPTY;
        let len = s.unescape_into(&mut t.buf).ok()?.len();
        t.len = len;
        Some(t)
    }

    fn as_str(&self) -> &str {
        // Written only by `unescape_into`, which writes UTF-8.
        self.buf
            .get(..self.len)
            .and_then(|b| core::str::from_utf8(b).ok())
            .unwrap_or("")
    }
}

/// The client's view of one WS402 session; see the [module documentation](self).
#[derive(Clone, Debug)]
pub struct ClientSession {
    authorized: U256,
    price_per_second: U256,
    phase: ClientPhase,
    balance: U256,
    consumed: U256,
    session_id: Option<Text<MAX_CLIENT_SESSION_ID_LEN>>,
    resume_token: Option<Text<MAX_CLIENT_RESUME_TOKEN_LEN>>,
}

/// The server message types the client reads.
const SERVER_TYPES: [&str; 9] = [
    "session_started",
    "usage_update",
    "balance_exhausted",
    "max_duration_reached",
    "payment_rejected",
    "session_ended",
    "session_resumed",
    "resume_refused",
    "http_access_granted",
];

fn is_server_message(frame: &[u8]) -> bool {
    let Ok(value) = RawValue::parse(frame) else {
        return false;
    };
    let Some(o) = Object::new(value) else {
        return false;
    };
    let Ok(ty) = o.field("type").str() else {
        return false;
    };
    SERVER_TYPES.iter().any(|t| ty.eq_str(t))
}

impl ClientSession {
    /// A session the client paid for: `authorized` is what its payment authorizes (x402
    /// `exact`: the value paid; `upto`: the signed maximum), `price_per_second` the price of
    /// the schema it paid.
    pub fn new(authorized: U256, price_per_second: U256) -> Self {
        Self {
            authorized,
            price_per_second,
            phase: ClientPhase::AwaitingStart,
            balance: U256::ZERO,
            consumed: U256::ZERO,
            session_id: None,
            resume_token: None,
        }
    }

    /// Where the session is.
    pub fn phase(&self) -> ClientPhase {
        self.phase
    }

    /// What the client authorized.
    pub fn authorized(&self) -> U256 {
        self.authorized
    }

    /// The price per second the client paid.
    pub fn price_per_second(&self) -> U256 {
        self.price_per_second
    }

    /// The session's balance (`balance` of `session_started`); 0 before the start.
    pub fn balance(&self) -> U256 {
        self.balance
    }

    /// The latest accepted `consumedAmount` (or the statement's `consumed`); 0 before.
    pub fn consumed(&self) -> U256 {
        self.consumed
    }

    /// `balance − consumed`.
    pub fn remaining(&self) -> U256 {
        self.balance
            .checked_sub(self.consumed)
            .unwrap_or(U256::ZERO)
    }

    /// The session id of `session_started`, copied into `buf`; `Ok(None)` before the start.
    pub fn session_id<'b>(&self, buf: &'b mut [u8]) -> Result<Option<&'b str>, BufferTooSmall> {
        let Some(id) = &self.session_id else {
            return Ok(None);
        };
        let text = id.as_str();
        let dst = buf.get_mut(..text.len()).ok_or(BufferTooSmall)?;
        dst.copy_from_slice(text.as_bytes());
        Ok(core::str::from_utf8(dst).ok())
    }

    /// The `resumeToken` of `session_started`, if the server resumes sessions.
    pub fn resume_token(&self) -> Option<&str> {
        self.resume_token.as_ref().map(Text::as_str)
    }

    fn same_session(&self, id: &JsonStr<'_>) -> Result<(), ClientError> {
        match &self.session_id {
            Some(own) if id.eq_str(own.as_str()) => Ok(()),
            _ => Err(ClientError::SessionIdMismatch),
        }
    }

    /// A new reading `consumed` (and `remaining`, when given) against the balance.
    fn check_reading(&self, consumed: U256, remaining: Option<U256>) -> Result<(), ClientError> {
        if consumed > self.balance || consumed > self.authorized {
            return Err(ClientError::ServerOvercharged);
        }
        if consumed < self.consumed {
            return Err(ClientError::ConsumedDecreased);
        }
        if let Some(remaining) = remaining
            && consumed.checked_add(remaining) != Some(self.balance)
        {
            return Err(ClientError::BalanceMismatch);
        }
        Ok(())
    }

    fn check_statement(&self, e: &SessionEnded<'_>) -> Result<(), ClientError> {
        self.same_session(&e.session_id)?;
        if e.paid != self.balance {
            return Err(ClientError::BalanceMismatch);
        }
        self.check_reading(e.consumed, None)?;
        if e.settled > e.paid {
            return Err(ClientError::ServerOvercharged);
        }
        if e.settled > e.consumed {
            // `exact`: the whole prepayment was settled; the unused part comes back.
            if e.settled != e.paid {
                return Err(ClientError::StatementInconsistent);
            }
            let owed = e.paid.checked_sub(e.consumed).unwrap_or(U256::ZERO);
            if e.refund < owed {
                return Err(ClientError::ServerOvercharged);
            }
            if e.refund > owed {
                return Err(ClientError::StatementInconsistent);
            }
        } else if !e.refund.is_zero() {
            // `upto` (or nothing settled): there is nothing to give back.
            return Err(ClientError::StatementInconsistent);
        }
        Ok(())
    }

    fn start<'f>(
        &mut self,
        session_id: &JsonStr<'_>,
        balance: U256,
        price_per_second: U256,
        resume_token: Option<&JsonStr<'_>>,
    ) -> Result<ClientEvent<'f>, ClientError> {
        if self.phase != ClientPhase::AwaitingStart {
            return Err(ClientError::OutOfPhase);
        }
        if balance > self.authorized {
            return Err(ClientError::BalanceExceedsAuthorized);
        }
        if price_per_second != self.price_per_second {
            return Err(ClientError::PriceMismatch);
        }
        let id = Text::from_json(session_id).ok_or(ClientError::SessionIdTooLong)?;
        let token = match resume_token {
            Some(t) => Some(Text::from_json(t).ok_or(ClientError::ResumeTokenTooLong)?),
            None => None,
        };
        self.session_id = Some(id);
        self.resume_token = token;
        self.balance = balance;
        self.phase = ClientPhase::Running;
        Ok(ClientEvent::Started {
            balance,
            price_per_second,
        })
    }

    fn resume<'f>(
        &mut self,
        session_id: &JsonStr<'_>,
        balance: U256,
        consumed: U256,
        remaining: U256,
    ) -> Result<ClientEvent<'f>, ClientError> {
        if self.phase != ClientPhase::Resuming {
            return Err(ClientError::OutOfPhase);
        }
        self.same_session(session_id)?;
        if balance > self.authorized {
            return Err(ClientError::BalanceExceedsAuthorized);
        }
        if balance != self.balance {
            return Err(ClientError::BalanceMismatch);
        }
        self.check_reading(consumed, Some(remaining))?;
        self.consumed = consumed;
        self.phase = ClientPhase::Running;
        Ok(ClientEvent::Resumed {
            consumed,
            remaining,
        })
    }

    fn usage<'f>(&mut self, u: &UsageUpdate<'_>) -> Result<ClientEvent<'f>, ClientError> {
        if self.phase != ClientPhase::Running {
            return Err(ClientError::OutOfPhase);
        }
        self.same_session(&u.session_id)?;
        self.check_reading(u.consumed, Some(u.remaining))?;
        self.consumed = u.consumed;
        Ok(ClientEvent::Usage {
            elapsed_seconds: u.elapsed_seconds,
            consumed: u.consumed,
            remaining: u.remaining,
            bytes_transferred: u.bytes_transferred,
            message_count: u.message_count,
        })
    }

    /// Classifies and checks one server text frame. On `Err` the session is unchanged and the
    /// client should close the connection.
    pub fn on_text<'f>(&mut self, frame: &'f [u8]) -> Result<ClientEvent<'f>, ClientError> {
        use ClientPhase as P;
        if !is_server_message(frame) {
            return match self.phase {
                P::Running | P::Closing => Ok(ClientEvent::Application),
                P::AwaitingStart | P::Resuming => Err(ClientError::BeforeStart),
                P::Ended | P::Rejected => Err(ClientError::AfterEnd),
            };
        }
        if self.phase.is_terminal() {
            return Err(ClientError::AfterEnd);
        }
        let message = Message::decode(frame).map_err(ClientError::Malformed)?;
        // Messages of a running session are refused before the start (and while resuming).
        let needs_running = !matches!(
            message,
            Message::SessionStarted { .. }
                | Message::PaymentRejected { .. }
                | Message::SessionResumed { .. }
                | Message::ResumeRefused { .. }
        );
        if needs_running && matches!(self.phase, P::AwaitingStart | P::Resuming) {
            return Err(ClientError::BeforeStart);
        }
        match message {
            Message::SessionStarted {
                session_id,
                balance,
                price_per_second,
                resume_token,
            } => self.start(
                &session_id,
                balance,
                price_per_second,
                resume_token.as_ref(),
            ),
            Message::PaymentRejected { reason } => {
                if self.phase != P::AwaitingStart {
                    return Err(ClientError::OutOfPhase);
                }
                self.phase = P::Rejected;
                Ok(ClientEvent::PaymentRejected { reason })
            }
            Message::UsageUpdate(u) => self.usage(&u),
            Message::BalanceExhausted { message } => {
                self.phase = P::Closing;
                Ok(ClientEvent::BalanceExhausted { message })
            }
            Message::MaxDurationReached { message } => {
                self.phase = P::Closing;
                Ok(ClientEvent::MaxDurationReached { message })
            }
            Message::HttpAccessGranted {
                session_id,
                http_token,
                resource_url,
                message,
            } => {
                if self.phase != P::Running {
                    return Err(ClientError::OutOfPhase);
                }
                self.same_session(&session_id)?;
                Ok(ClientEvent::HttpAccessGranted {
                    http_token,
                    resource_url,
                    message,
                })
            }
            Message::SessionResumed {
                session_id,
                balance,
                consumed,
                remaining,
            } => self.resume(&session_id, balance, consumed, remaining),
            Message::ResumeRefused { reason } => {
                if self.phase != P::Resuming {
                    return Err(ClientError::OutOfPhase);
                }
                self.phase = P::Rejected;
                Ok(ClientEvent::ResumeRefused { reason })
            }
            Message::SessionEnded(e) => {
                self.check_statement(&e)?;
                self.consumed = e.consumed;
                self.phase = P::Ended;
                Ok(ClientEvent::Ended(e))
            }
            // `is_server_message` admits only the nine server types.
            Message::PaymentProof(_) | Message::ResumeSession { .. } | Message::EndSession => {
                Err(ClientError::OutOfPhase)
            }
        }
    }

    /// Writes `{"type":"payment_proof","proof":<header_value>}` into `out` (the x402 payment
    /// header value, base64 of the payment payload) and returns its length. Only before the
    /// start (`out_of_phase` otherwise).
    pub fn write_payment_proof(
        &self,
        header_value: &str,
        out: &mut [u8],
    ) -> Result<usize, ClientError> {
        if self.phase != ClientPhase::AwaitingStart {
            return Err(ClientError::OutOfPhase);
        }
        write(
            &Message::PaymentProof(PaymentProof::X402(JsonStr::from(header_value))),
            out,
        )
    }

    /// Writes `{"type":"end_session"}` into `out`: the client asks for the end and the
    /// statement. Only while the session runs or closes.
    pub fn write_end_session(&self, out: &mut [u8]) -> Result<usize, ClientError> {
        if !matches!(self.phase, ClientPhase::Running | ClientPhase::Closing) {
            return Err(ClientError::OutOfPhase);
        }
        write(&Message::EndSession, out)
    }

    /// Writes `{"type":"resume_session","sessionId":…,"resumeToken":…}` into `out`, the first
    /// frame of a new connection after a drop, and moves to [`ClientPhase::Resuming`]. Only
    /// from a running (or resuming) session with a resume token (`no_resume_token`).
    pub fn write_resume_session(&mut self, out: &mut [u8]) -> Result<usize, ClientError> {
        if !matches!(self.phase, ClientPhase::Running | ClientPhase::Resuming) {
            return Err(ClientError::OutOfPhase);
        }
        let (Some(id), Some(token)) = (&self.session_id, &self.resume_token) else {
            return Err(ClientError::NoResumeToken);
        };
        let n = write(
            &Message::ResumeSession {
                session_id: JsonStr::from(id.as_str()),
                resume_token: JsonStr::from(token.as_str()),
            },
            out,
        )?;
        self.phase = ClientPhase::Resuming;
        Ok(n)
    }
}

fn write(message: &Message<'_>, out: &mut [u8]) -> Result<usize, ClientError> {
    message
        .write(out, AmountEncoding::String)
        .map_err(|e| match e {
            Ws402Error::BufferTooSmall => ClientError::BufferTooSmall,
            other => ClientError::Malformed(other),
        })
}
