//! WS402: pay-as-you-go WebSocket sessions with exact metering and refunds
//! (WS402, <https://github.com/ws402/ws402>: `src/WS402.ts`, `generateSchema`, the message types).
//! pay402 fixes the original's defects with its own rules ("pay402's WS402 rules" below):
//! integer atomic units, millisecond accrual, one end per session, an explicit mock mode; the
//! `ws402.meter` op of `tests/conformance/vectors/README.md` pins the arithmetic.
//!
//! - [`Meter`]: the metering engine — millisecond accrual in integer atomic units, exact dating
//!   of balance exhaustion and maximum duration, a session that ends exactly once.
//! - [`TariffMeter`]: the same engine with a [`Tariff`] (per second, per byte in and out, per
//!   message), suspension without billing, a wall-clock deadline and the end reasons
//!   `server_close`, `connection_lost` and `deadline` (op `ws402.session`).
//! - [`SessionRecord`]: the session state as a fixed-size, versioned, checksummed byte record a
//!   host persists to resume it; [`SealedRecord`] (version 2): the tariff meter, the payment, the
//!   payer and the refund order, sealed with HMAC-SHA256 under a key of [`SessionKeys`].
//! - [`SessionKeys`]: the record, resume-token and HTTP-grant keys derived from one server
//!   secret; resume tokens bound to the session id and the payer.
//! - [`Message`] and [`Schema`]: every message of the WS402 wire format, decoded from and
//!   encoded to JSON text frames, plus pay402's resume, end and statement messages; amounts as
//!   decimal strings or, for the original clients, as JSON numbers when safe ([`AmountEncoding`]).
//! - [`start_with_x402`]: the prepayment as an x402 `exact` payment verified by the core; the
//!   paid amount and the refund recipient come from the verified payment, never from client
//!   fields.
//!
//! - [`Session`]: the server side of one session as a sans-I/O machine: admission over an x402
//!   offer set (every scheme), the replay reservation, the `exact` prepayment settled before the
//!   session and refunded after it, the `upto` charge settled at the end, the timer, the frames
//!   and the one end.
//!
//! - [`ChainProofTerms`]: the seed's prepayment by an on-chain EVM transaction (`payment_proof`
//!   with a `txHash`), verified by the session through the host's JSON-RPC node, refunded in the
//!   paid asset to the payer the transaction shows; [`write_payment_details`] writes the seed's
//!   schema fields.
//!
//! - [`ClientSession`]: the client side: every server frame classified and checked against the
//!   client's money (balance, consumption, the end statement) and the phase.
//!
//! Timers, sockets, persistence and refund payouts belong to the host.

pub mod chain_proof;
pub mod client;
mod error;
pub mod http_grant;
mod keys;
mod message;
mod meter;
mod prepayment;
mod record;
mod schema;
mod session;

pub use chain_proof::{
    ChainProofTerms, DEFAULT_MAX_AGE_SECS, DEFAULT_MIN_CONFIRMATIONS, Ether, RPC_RETRY_INTERVAL_MS,
    SeedNetwork, SeedReference, check_payee_apart, write_payment_details,
};
pub use client::{
    ClientError, ClientEvent, ClientPhase, ClientSession, MAX_CLIENT_RESUME_TOKEN_LEN,
    MAX_CLIENT_SESSION_ID_LEN,
};
pub use error::Ws402Error;
pub use http_grant::{Grant, GrantSession, Refusal as GrantRefusal};
pub use keys::{
    GRANT_KEY_LABEL, MAX_SECRET_LEN, MIN_SECRET_LEN, Payer, RECORD_KEY_LABEL, RESUME_KEY_LABEL,
    RESUME_TOKEN_LEN, ResumeToken, SESSION_ID_LEN, SessionId, SessionKeys,
};
pub use message::{
    AmountEncoding, MAX_SAFE_JSON_INTEGER, Message, PaymentProof, SessionEnded, UsageUpdate,
};
pub use meter::{
    CLOSE_INTERNAL_ERROR, CLOSE_NORMAL, CLOSE_POLICY_VIOLATION, End, EndReason, Event, Meter,
    MeterConfig, Outcome, SessionEnd, SessionEndReason, SessionEvent, SessionOutcome, Tariff,
    TariffConfig, TariffMeter, TariffState,
};
pub use prepayment::{Prepaid, start_with_x402};
pub use record::{
    CHAIN_ASSET_TEXT_LEN, ChainPrepayment, MAX_PAYMENT_HEADER_LEN, MAX_REPLAY_KEY_LEN,
    MAX_SEALED_RECORD_LEN, MIN_SEALED_RECORD_LEN, RecordPhase, RecordedRefund, RefundState,
    SEALED_RECORD_VERSION, SESSION_RECORD_LEN, SESSION_RECORD_VERSION, SchemeKind, SealedRecord,
    SessionRecord,
};
pub use schema::{Pricing, Schema};
pub use session::{
    CLOSE_SERVICE_RESTART, Command, Ending, Input, MAX_PROOF_LEN, Phase, Plan,
    RECOMMENDED_COMMAND_BUFFER_LEN, RECORD_TTL_SLACK_S, Recovery, Refund, RefundOutcome,
    RefundStatus, Reservation, ResumeRefusal, Session, SessionError, SessionMachine, SessionPolicy,
    SettleStatus, Settlement, Statement, UPTO_OFFER_SLACK_S, check_refundable, reason,
};
