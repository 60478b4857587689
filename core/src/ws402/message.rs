//! The WS402 WebSocket messages, JSON text frames with a `type` member (`ws402/ws402`,
//! `src/WS402.ts`).

use super::error::Ws402Error;
use super::meter::Meter;
use super::schema::quoted_amount;
use crate::json::{FieldIssue, JsonStr, Kind, Object, ObjectWriter, RawValue};
use crate::u256::U256;
use crate::writer::Writer;

/// The `proof` of a `payment_proof` message.
#[derive(Clone, Copy, Debug)]
pub enum PaymentProof<'a> {
    /// pay402's form: a string, the x402 payment header value (base64 of the payment payload),
    /// verified with [`super::start_with_x402`].
    X402(JsonStr<'a>),
    /// The original providers' object (`txHash`/`signature`, `reference`, `senderAddress`…),
    /// kept raw for a host-side verifier. Its sender and amount fields are client-typed and
    /// must never be trusted as the refund recipient or the paid amount.
    Legacy(RawValue<'a>),
}

/// `usage_update`: the periodic meter reading sent to the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UsageUpdate<'a> {
    /// The session id.
    pub session_id: JsonStr<'a>,
    /// Whole seconds elapsed (capped at the maximum duration).
    pub elapsed_seconds: u64,
    /// `consumedAmount`.
    pub consumed: U256,
    /// `remainingBalance` = paid − consumed.
    pub remaining: U256,
    /// `bytesTransferred`: bytes in and out (the original counted only client→server frames).
    pub bytes_transferred: u64,
    /// `messageCount`.
    pub message_count: u64,
}

impl<'a> UsageUpdate<'a> {
    /// The reading of `meter` as of its latest event.
    pub fn from_meter(session_id: &'a str, meter: &Meter) -> Self {
        Self {
            session_id: JsonStr::from(session_id),
            elapsed_seconds: meter.elapsed_seconds(),
            consumed: meter.consumed(),
            remaining: meter.remaining(),
            bytes_transferred: meter.bytes_in().saturating_add(meter.bytes_out()),
            message_count: meter.messages(),
        }
    }
}

/// A WS402 message.
///
/// Decoding ignores unknown members and accepts amounts as JSON integers or decimal strings
/// (fractions are refused). Encoding is canonical: `type` first, then the fields in the order
/// of the WS402 messages (`src/WS402.ts`), amounts as decimal strings.
///
/// ```
/// use pay402::ws402::{Message, PaymentProof};
/// use pay402::writer::Writer;
/// let msg = Message::decode(br#"{"type":"payment_proof","proof":"eyJ4NDAyVmVyc2lvbiI6MX0="}"#)?;
/// assert!(matches!(msg, Message::PaymentProof(PaymentProof::X402(_))));
/// let started = Message::decode(br#"{"type":"session_started","sessionId":"ws402_1","balance":300,"pricePerSecond":1}"#)?;
/// let mut buf = [0u8; 128];
/// let mut w = Writer::new(&mut buf);
/// started.encode(&mut w)?;
/// assert_eq!(w.written(), br#"{"type":"session_started","sessionId":"ws402_1","balance":"300","pricePerSecond":"1"}"#);
/// # Ok::<(), pay402::ws402::Ws402Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub enum Message<'a> {
    /// C→S `payment_proof {proof}`.
    PaymentProof(PaymentProof<'a>),
    /// S→C `payment_rejected {reason}`; then close 1008.
    PaymentRejected {
        /// Why.
        reason: JsonStr<'a>,
    },
    /// S→C `session_started {sessionId, balance, pricePerSecond}`.
    SessionStarted {
        /// The session id.
        session_id: JsonStr<'a>,
        /// The verified paid amount.
        balance: U256,
        /// The price from the schema the payment is bound to.
        price_per_second: U256,
    },
    /// S→C `usage_update`.
    UsageUpdate(UsageUpdate<'a>),
    /// S→C `balance_exhausted {message}`; then close 1000.
    BalanceExhausted {
        /// Human-readable text.
        message: Option<JsonStr<'a>>,
    },
    /// S→C `max_duration_reached {message}`; then close 1000.
    MaxDurationReached {
        /// Human-readable text.
        message: Option<JsonStr<'a>>,
    },
    /// S→C `http_access_granted {sessionId, httpToken, resourceUrl, message?}`. The token must
    /// be bound to the session and the resource and carried in a header, not a URL.
    HttpAccessGranted {
        /// The session id.
        session_id: JsonStr<'a>,
        /// The access token.
        http_token: JsonStr<'a>,
        /// The resource it grants.
        resource_url: JsonStr<'a>,
        /// Human-readable text.
        message: Option<JsonStr<'a>>,
    },
}

impl<'a> Message<'a> {
    /// The `type` name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::PaymentProof(_) => "payment_proof",
            Self::PaymentRejected { .. } => "payment_rejected",
            Self::SessionStarted { .. } => "session_started",
            Self::UsageUpdate(_) => "usage_update",
            Self::BalanceExhausted { .. } => "balance_exhausted",
            Self::MaxDurationReached { .. } => "max_duration_reached",
            Self::HttpAccessGranted { .. } => "http_access_granted",
        }
    }

    /// Decodes one text frame.
    pub fn decode(frame: &'a [u8]) -> Result<Self, Ws402Error> {
        let o = Object::new(RawValue::parse(frame)?).ok_or(Ws402Error::NotAnObject)?;
        let ty = o.field("type").str()?;
        Ok(if ty.eq_str("payment_proof") {
            let proof = o.field("proof").required()?;
            match proof.kind() {
                Kind::String => Self::PaymentProof(PaymentProof::X402(
                    proof.as_str().ok_or(FieldIssue::wrong_type("proof"))?,
                )),
                Kind::Object => Self::PaymentProof(PaymentProof::Legacy(proof)),
                _ => return Err(FieldIssue::wrong_type("proof").into()),
            }
        } else if ty.eq_str("payment_rejected") {
            Self::PaymentRejected {
                reason: o.field("reason").str()?,
            }
        } else if ty.eq_str("session_started") {
            Self::SessionStarted {
                session_id: o.field("sessionId").str()?,
                balance: o.field("balance").amount()?,
                price_per_second: o.field("pricePerSecond").amount()?,
            }
        } else if ty.eq_str("usage_update") {
            Self::UsageUpdate(UsageUpdate {
                session_id: o.field("sessionId").str()?,
                elapsed_seconds: o.field("elapsedSeconds").u64_or_string()?,
                consumed: o.field("consumedAmount").amount()?,
                remaining: o.field("remainingBalance").amount()?,
                bytes_transferred: o.field("bytesTransferred").u64_or_string()?,
                message_count: o.field("messageCount").u64_or_string()?,
            })
        } else if ty.eq_str("balance_exhausted") {
            Self::BalanceExhausted {
                message: o.field("message").opt_str()?,
            }
        } else if ty.eq_str("max_duration_reached") {
            Self::MaxDurationReached {
                message: o.field("message").opt_str()?,
            }
        } else if ty.eq_str("http_access_granted") {
            Self::HttpAccessGranted {
                session_id: o.field("sessionId").str()?,
                http_token: o.field("httpToken").str()?,
                resource_url: o.field("resourceUrl").str()?,
                message: o.field("message").opt_str()?,
            }
        } else {
            return Err(Ws402Error::UnknownMessageType);
        })
    }

    /// Writes the canonical compact JSON frame.
    pub fn encode(&self, w: &mut Writer<'_>) -> Result<(), Ws402Error> {
        let mut o = ObjectWriter::begin(w)?;
        o.field_str("type", self.type_name())?;
        match self {
            Self::PaymentProof(PaymentProof::X402(s)) => o.field_json_str("proof", s)?,
            Self::PaymentProof(PaymentProof::Legacy(v)) => o.field_raw("proof", v)?,
            Self::PaymentRejected { reason } => o.field_json_str("reason", reason)?,
            Self::SessionStarted {
                session_id,
                balance,
                price_per_second,
            } => {
                o.field_json_str("sessionId", session_id)?;
                o.field_with("balance", |w| quoted_amount(w, balance))?;
                o.field_with("pricePerSecond", |w| quoted_amount(w, price_per_second))?;
            }
            Self::UsageUpdate(u) => {
                o.field_json_str("sessionId", &u.session_id)?;
                o.field_u64("elapsedSeconds", u.elapsed_seconds)?;
                o.field_with("consumedAmount", |w| quoted_amount(w, &u.consumed))?;
                o.field_with("remainingBalance", |w| quoted_amount(w, &u.remaining))?;
                o.field_u64("bytesTransferred", u.bytes_transferred)?;
                o.field_u64("messageCount", u.message_count)?;
            }
            Self::BalanceExhausted { message } | Self::MaxDurationReached { message } => {
                if let Some(m) = message {
                    o.field_json_str("message", m)?;
                }
            }
            Self::HttpAccessGranted {
                session_id,
                http_token,
                resource_url,
                message,
            } => {
                o.field_json_str("sessionId", session_id)?;
                o.field_json_str("httpToken", http_token)?;
                o.field_json_str("resourceUrl", resource_url)?;
                if let Some(m) = message {
                    o.field_json_str("message", m)?;
                }
            }
        }
        o.end()?;
        Ok(())
    }
}
