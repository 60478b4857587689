//! The WS402 WebSocket messages, JSON text frames with a `type` member (`ws402/ws402`,
//! `src/WS402.ts`).

use super::error::Ws402Error;
use super::meter::Meter;
use super::schema::quoted_amount;
use crate::error::BufferTooSmall;
use crate::json::{FieldIssue, JsonStr, Kind, Object, ObjectWriter, RawValue};
use crate::u256::U256;
use crate::writer::{Writer, write_all};

/// The largest integer a JSON number carries exactly in JavaScript (`Number.MAX_SAFE_INTEGER`,
/// 2^53 − 1; ECMAScript 2024 §21.1.2.6).
pub const MAX_SAFE_JSON_INTEGER: u64 = (1 << 53) - 1;

/// How a frame writes its amounts (`balance`, `pricePerSecond`, `consumedAmount`,
/// `remainingBalance` and the amounts of `session_resumed` and `session_ended`).
///
/// Decoding always accepts both forms. Counters (`elapsedSeconds`, `bytesTransferred`,
/// `messageCount`) are JSON numbers in both encodings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum AmountEncoding {
    /// Decimal strings, exact at any size (pay402's default).
    #[default]
    String,
    /// JSON numbers up to [`MAX_SAFE_JSON_INTEGER`], decimal strings above, for the original
    /// WS402 clients that do arithmetic on numbers: a number above 2^53 − 1 would be rounded by
    /// them, so it is never written.
    NumberWhenSafe,
}

impl AmountEncoding {
    /// The stable name: `string` or `number_when_safe`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::NumberWhenSafe => "number_when_safe",
        }
    }

    /// The encoding of a stable name ([`AmountEncoding::as_str`]); `None` for any other text.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "string" => Some(Self::String),
            "number_when_safe" => Some(Self::NumberWhenSafe),
            _ => None,
        }
    }
}

fn amount_field(
    o: &mut ObjectWriter<'_, '_>,
    key: &str,
    amount: &U256,
    amounts: AmountEncoding,
) -> Result<(), BufferTooSmall> {
    o.field_with(key, |w| match amounts {
        AmountEncoding::NumberWhenSafe if *amount <= U256::from_u64(MAX_SAFE_JSON_INTEGER) => {
            amount.write_decimal(w)
        }
        _ => quoted_amount(w, amount),
    })
}

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

/// `session_ended`: pay402's statement of a finished session, sent before the close frame.
///
/// `settled` is what the server charged on chain (the whole prepayment for x402 `exact`, the
/// consumed amount for `upto`, 0 when nothing was settled) and `refund` what it sends back.
/// The decoder does not check the arithmetic: a client compares the statement with its own
/// readings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionEnded<'a> {
    /// The session id.
    pub session_id: JsonStr<'a>,
    /// Why the session ended ([`super::SessionEndReason::as_str`]: `client_close`,
    /// `balance_exhausted`, `max_duration`, `deadline`, `server_close`, `connection_lost`).
    pub ended_by: JsonStr<'a>,
    /// The verified prepaid amount.
    pub paid: U256,
    /// What the session consumed.
    pub consumed: U256,
    /// What the server settled.
    pub settled: U256,
    /// What the server refunds.
    pub refund: U256,
    /// `payer`: the verified payer, who receives the refund.
    pub payer: Option<JsonStr<'a>>,
    /// `settlementTx`: the settlement transaction, once known.
    pub settlement_tx: Option<JsonStr<'a>>,
    /// `refundTx`: the refund transaction, once known.
    pub refund_tx: Option<JsonStr<'a>>,
}

/// A WS402 message.
///
/// Decoding ignores unknown members and accepts amounts as JSON integers or decimal strings
/// (fractions are refused). Encoding is canonical: `type` first, then the fields in the order
/// of the WS402 messages (`src/WS402.ts`), then pay402's optional members; amounts as decimal
/// strings ([`Message::write`] also writes them as numbers when safe, see [`AmountEncoding`]).
///
/// The original's seven types keep their members, so an original client reads pay402's
/// frames (it ignores `resumeToken`); pay402 adds `resume_session`, `session_resumed`,
/// `resume_refused`, `end_session` and `session_ended`.
///
/// ```
/// use pay402::ws402::{AmountEncoding, Message, PaymentProof};
/// use pay402::writer::Writer;
/// let msg = Message::decode(br#"{"type":"payment_proof","proof":"eyJ4NDAyVmVyc2lvbiI6MX0="}"#)?;
/// assert!(matches!(msg, Message::PaymentProof(PaymentProof::X402(_))));
/// let started = Message::decode(br#"{"type":"session_started","sessionId":"ws402_1","balance":300,"pricePerSecond":1}"#)?;
/// let mut buf = [0u8; 128];
/// let mut w = Writer::new(&mut buf);
/// started.encode(&mut w)?;
/// assert_eq!(w.written(), br#"{"type":"session_started","sessionId":"ws402_1","balance":"300","pricePerSecond":"1"}"#);
///
/// let resume = Message::decode(br#"{"type":"resume_session","sessionId":"ws402_1","resumeToken":"dG9r"}"#)?;
/// assert!(matches!(resume, Message::ResumeSession { .. }));
/// let mut buf = [0u8; 160];
/// let n = Message::decode(br#"{"type":"session_resumed","sessionId":"ws402_1","balance":"300","consumedAmount":"9007199254740992","remainingBalance":7}"#)?
///     .write(&mut buf, AmountEncoding::NumberWhenSafe)?;
/// assert_eq!(&buf[..n], br#"{"type":"session_resumed","sessionId":"ws402_1","balance":300,"consumedAmount":"9007199254740992","remainingBalance":7}"#);
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
    /// S→C `session_started {sessionId, balance, pricePerSecond, resumeToken?}`.
    SessionStarted {
        /// The session id.
        session_id: JsonStr<'a>,
        /// The verified paid amount.
        balance: U256,
        /// The price from the schema the payment is bound to.
        price_per_second: U256,
        /// `resumeToken` (pay402): what the client presents in `resume_session` after a lost
        /// connection; absent when the server does not resume sessions.
        resume_token: Option<JsonStr<'a>>,
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
    /// C→S `resume_session {sessionId, resumeToken}` (pay402): the first frame of a new
    /// connection that continues a suspended session.
    ResumeSession {
        /// The session id.
        session_id: JsonStr<'a>,
        /// The token of `session_started`.
        resume_token: JsonStr<'a>,
    },
    /// S→C `session_resumed {sessionId, balance, consumedAmount, remainingBalance}` (pay402).
    SessionResumed {
        /// The session id.
        session_id: JsonStr<'a>,
        /// The verified paid amount.
        balance: U256,
        /// `consumedAmount` so far.
        consumed: U256,
        /// `remainingBalance` = balance − consumed.
        remaining: U256,
    },
    /// S→C `resume_refused {reason}` (pay402); then close 1008.
    ResumeRefused {
        /// Why.
        reason: JsonStr<'a>,
    },
    /// C→S `end_session` (pay402): the client asks for the end, the statement and the refund;
    /// the server answers `session_ended` and closes 1000.
    EndSession,
    /// S→C `session_ended` (pay402): the statement; then close.
    SessionEnded(SessionEnded<'a>),
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
            Self::ResumeSession { .. } => "resume_session",
            Self::SessionResumed { .. } => "session_resumed",
            Self::ResumeRefused { .. } => "resume_refused",
            Self::EndSession => "end_session",
            Self::SessionEnded(_) => "session_ended",
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
                resume_token: o.field("resumeToken").opt_str()?,
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
        } else if ty.eq_str("resume_session") {
            Self::ResumeSession {
                session_id: o.field("sessionId").str()?,
                resume_token: o.field("resumeToken").str()?,
            }
        } else if ty.eq_str("session_resumed") {
            Self::SessionResumed {
                session_id: o.field("sessionId").str()?,
                balance: o.field("balance").amount()?,
                consumed: o.field("consumedAmount").amount()?,
                remaining: o.field("remainingBalance").amount()?,
            }
        } else if ty.eq_str("resume_refused") {
            Self::ResumeRefused {
                reason: o.field("reason").str()?,
            }
        } else if ty.eq_str("end_session") {
            Self::EndSession
        } else if ty.eq_str("session_ended") {
            Self::SessionEnded(SessionEnded {
                session_id: o.field("sessionId").str()?,
                ended_by: o.field("endedBy").str()?,
                paid: o.field("paid").amount()?,
                consumed: o.field("consumed").amount()?,
                settled: o.field("settled").amount()?,
                refund: o.field("refund").amount()?,
                payer: o.field("payer").opt_str()?,
                settlement_tx: o.field("settlementTx").opt_str()?,
                refund_tx: o.field("refundTx").opt_str()?,
            })
        } else {
            return Err(Ws402Error::UnknownMessageType);
        })
    }

    /// Writes the canonical compact JSON frame, amounts as decimal strings.
    pub fn encode(&self, w: &mut Writer<'_>) -> Result<(), Ws402Error> {
        self.encode_with(w, AmountEncoding::String)
    }

    /// Writes the frame into `buf` with the amounts in `amounts` and returns its length. On
    /// error (`buffer_too_small`) the bytes written so far are zeroed: nothing half written
    /// is left behind.
    pub fn write(&self, buf: &mut [u8], amounts: AmountEncoding) -> Result<usize, Ws402Error> {
        write_all(buf, |w| self.encode_with(w, amounts))
    }

    /// Writes the canonical compact JSON frame with the amounts in `amounts`. A failed write
    /// may leave a prefix in `w`; [`Message::write`] does not.
    pub fn encode_with(
        &self,
        w: &mut Writer<'_>,
        amounts: AmountEncoding,
    ) -> Result<(), Ws402Error> {
        let mut o = ObjectWriter::begin(w)?;
        o.field_str("type", self.type_name())?;
        match self {
            Self::PaymentProof(PaymentProof::X402(s)) => o.field_json_str("proof", s)?,
            Self::PaymentProof(PaymentProof::Legacy(v)) => o.field_raw("proof", v)?,
            Self::PaymentRejected { reason } | Self::ResumeRefused { reason } => {
                o.field_json_str("reason", reason)?;
            }
            Self::SessionStarted {
                session_id,
                balance,
                price_per_second,
                resume_token,
            } => {
                o.field_json_str("sessionId", session_id)?;
                amount_field(&mut o, "balance", balance, amounts)?;
                amount_field(&mut o, "pricePerSecond", price_per_second, amounts)?;
                if let Some(t) = resume_token {
                    o.field_json_str("resumeToken", t)?;
                }
            }
            Self::UsageUpdate(u) => {
                o.field_json_str("sessionId", &u.session_id)?;
                o.field_u64("elapsedSeconds", u.elapsed_seconds)?;
                amount_field(&mut o, "consumedAmount", &u.consumed, amounts)?;
                amount_field(&mut o, "remainingBalance", &u.remaining, amounts)?;
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
            Self::ResumeSession {
                session_id,
                resume_token,
            } => {
                o.field_json_str("sessionId", session_id)?;
                o.field_json_str("resumeToken", resume_token)?;
            }
            Self::SessionResumed {
                session_id,
                balance,
                consumed,
                remaining,
            } => {
                o.field_json_str("sessionId", session_id)?;
                amount_field(&mut o, "balance", balance, amounts)?;
                amount_field(&mut o, "consumedAmount", consumed, amounts)?;
                amount_field(&mut o, "remainingBalance", remaining, amounts)?;
            }
            Self::EndSession => {}
            Self::SessionEnded(e) => {
                o.field_json_str("sessionId", &e.session_id)?;
                o.field_json_str("endedBy", &e.ended_by)?;
                amount_field(&mut o, "paid", &e.paid, amounts)?;
                amount_field(&mut o, "consumed", &e.consumed, amounts)?;
                amount_field(&mut o, "settled", &e.settled, amounts)?;
                amount_field(&mut o, "refund", &e.refund, amounts)?;
                for (key, value) in [
                    ("payer", &e.payer),
                    ("settlementTx", &e.settlement_tx),
                    ("refundTx", &e.refund_tx),
                ] {
                    if let Some(v) = value {
                        o.field_json_str(key, v)?;
                    }
                }
            }
        }
        o.end()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(frame: &str, amounts: AmountEncoding) -> ([u8; 512], usize) {
        let mut buf = [0u8; 512];
        let n = Message::decode(frame.as_bytes())
            .unwrap()
            .write(&mut buf, amounts)
            .unwrap();
        (buf, n)
    }

    #[test]
    fn number_when_safe_switches_to_strings_above_two_to_the_53_minus_1() {
        let frame = r#"{"type":"session_ended","sessionId":"s","endedBy":"client_close","paid":"9007199254740991","consumed":"9007199254740992","settled":0,"refund":"18446744073709551616"}"#;
        let (buf, n) = write(frame, AmountEncoding::NumberWhenSafe);
        assert_eq!(
            &buf[..n],
            br#"{"type":"session_ended","sessionId":"s","endedBy":"client_close","paid":9007199254740991,"consumed":"9007199254740992","settled":0,"refund":"18446744073709551616"}"#
        );
        let (buf, n) = write(frame, AmountEncoding::String);
        assert_eq!(
            &buf[..n],
            br#"{"type":"session_ended","sessionId":"s","endedBy":"client_close","paid":"9007199254740991","consumed":"9007199254740992","settled":"0","refund":"18446744073709551616"}"#
        );
    }

    #[test]
    fn a_write_that_does_not_fit_leaves_nothing() {
        let msg = Message::decode(
            br#"{"type":"resume_session","sessionId":"ws402_1","resumeToken":"abc"}"#,
        )
        .unwrap();
        let mut buf = [0xAAu8; 40];
        assert_eq!(
            msg.write(&mut buf, AmountEncoding::String),
            Err(Ws402Error::BufferTooSmall)
        );
        assert!(buf.iter().all(|&b| b == 0 || b == 0xAA));
        assert!(buf[..20].iter().all(|&b| b == 0));
    }

    #[test]
    fn session_started_without_a_token_is_the_seed_frame() {
        let (buf, n) = write(
            r#"{"type":"session_started","sessionId":"ws402_1","balance":300,"pricePerSecond":1}"#,
            AmountEncoding::NumberWhenSafe,
        );
        assert_eq!(
            &buf[..n],
            br#"{"type":"session_started","sessionId":"ws402_1","balance":300,"pricePerSecond":1}"#
        );
    }

    #[test]
    fn encoding_names_round_trip() {
        for e in [AmountEncoding::String, AmountEncoding::NumberWhenSafe] {
            assert_eq!(AmountEncoding::from_name(e.as_str()), Some(e));
        }
        assert_eq!(AmountEncoding::from_name("number"), None);
        assert_eq!(AmountEncoding::default(), AmountEncoding::String);
    }
}
