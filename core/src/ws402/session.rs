//! The server side of one WS402 session as a sans-I/O state machine: every decision of a paid,
//! metered WebSocket session, with the host left to move bytes.
//!
//! A host that keeps the offers in one shared server uses [`SessionMachine`], the same machine
//! with the offers and the resource passed to each `handle` and `poll_command` instead of
//! borrowed for the session's life; [`Session`] wraps it with the borrows.
//!
//! The host creates a [`Session`] when a socket opens ([`Session::accept`]), reports everything
//! that happens with [`Session::handle`] (a client frame, its one timer, the socket closing, the
//! application ending or wanting to send, the replay store's, the settlement's and the refund's
//! answers, and the chain's JSON-RPC answers), drains [`Session::poll_command`] after every `handle`, and arms its timer at
//! [`SessionMachine::poll_timeout`]. The machine decides admission, what to send, when to tick, why and
//! when the session ends, the amount settled, and the refund's amount and recipient.
//!
//! ```text
//! AwaitingProof --payment_proof admitted--> Reserving --fresh--> (exact) SettlingPrepayment --settled--> Running
//!      |  |                                   ^    |                  (upto) ---------------------------> Running
//!      |  |                                   |    |                  (on chain: nothing to settle) ----> Running
//!      |  `--payment_proof {txHash} (chain)--> VerifyingTransaction --rpc..., accepted
//!      |                                          `--refused, rpc down, not found/final at the deadline--> Finished
//!      `--other frame, timeout, refusal-->         `--already used / store down--> Finished (rejected)
//!         Finished (payment_rejected + 1008)
//! Running --close, drop, app end, limit, unaffordable frame--> (upto) SettlingCharge --> Finished
//!    |  \--drop with a grace period--> Suspended --grace expired--> (exact) Refunding --> Finished
//!    `--------------------------------------------------------------> Finished (nothing to settle or refund)
//! AwaitingProof --resume_session (keys)--> Loading --record opens--> Resuming --written--> Running
//! any phase --a record write lost (keys)--> NotOwner (close 1012, Abandoned)
//! ```
//!
//! # The rules
//!
//! - **Proof.** The first frame must be a `payment_proof` whose `proof` is an x402 payment header
//!   value, within [`SessionPolicy::proof_timeout_ms`]. It is admitted by the core's
//!   [`admit`] over the seller's [`OfferSet`] (every scheme: `exact` EIP-3009 and Permit2, `upto`,
//!   Solana `exact`); the header name is `PAYMENT-SIGNATURE` or `X-PAYMENT` by the payment's own
//!   `x402Version`. Anything else, the timeout or a refusal sends
//!   `payment_rejected {reason: <code>}` and closes with 1008 (1011 when the server is at fault:
//!   a refusal of status 500 or 503, a replay store or settlement that cannot answer). The paid
//!   amount, the payer and the price come from the verified payment and the policy; no client
//!   field is ever read (WS402 `src/WS402.ts` trusted `proof.amount` and `senderAddress`).
//! - **Proof on chain** (only with [`SessionPolicy::chain_proof`]). A `proof` object (the seed's
//!   `{txHash, reference, senderAddress}`) is a transaction the client already sent: only its
//!   `txHash` (`0x` and 64 hex digits, else `invalid_transaction_hash`) is read. The machine
//!   asks the host's JSON-RPC node ([`Command::Rpc`], answered with [`Input::RpcResponse`]) for
//!   `eth_getTransactionByHash`, `eth_getBlockByNumber` (its block), `eth_blockNumber` and
//!   `eth_getTransactionReceipt`, and decides with
//!   [`crate::onchain::evm::verify_evm_transaction`] against the terms: the amount the payee
//!   received (at least `min_amount`) is the balance, the payer is the ERC-20 `Transfer`'s
//!   `from` or the native transaction's `from`. `senderAddress` and `reference` are never used
//!   for money. A transaction not found (or pending), not final yet, or whose receipt names
//!   another block than the one fetched (a reorganisation between the calls) is asked for again every
//!   [`super::RPC_RETRY_INTERVAL_MS`] until the proof's arrival plus
//!   [`SessionPolicy::proof_timeout_ms`], then refused with that code; the other refusals are
//!   the [`crate::onchain::ProofError`] codes (`amount_too_low`, `wrong_payee`, `wrong_asset`,
//!   `transaction_reverted`, `transaction_too_old`, `transaction_mismatch`,
//!   `invalid_rpc_result`), all with 1008; an RPC call that failed, or a body with an `error`
//!   member or without `result`, is `rpc_unavailable` with 1011. The replay key is the
//!   transaction ([`crate::onchain::TxId::write_key`], `evm:<chain id>:0x<hash>`), reserved
//!   like any other and never released. Nothing is settled (the money is on chain): the
//!   session reads as `exact`, settled = paid with the client's hash as `settlementTx`, and
//!   `paid − consumed` is refunded once at the end in the paid asset (a token `transfer` or a
//!   native value transfer, [`RefundOrder::for_session_in`]) to that payer.
//! - **One prepayment, one session.** The replay key is reserved ([`Command::Reserve`]) before
//!   `session_started`; a key already held answers `payment_already_used`.
//! - **`exact`**: the prepayment is settled ([`Command::Settle`]) before `session_started`. A
//!   refusal releases the reservation and rejects (`settlement_refused`); a pending or unanswered
//!   settlement keeps the reservation (the payment may still land), rejects with
//!   `settlement_pending` and closes 1011: no session runs on unsettled money. At the end,
//!   `paid − consumed`, when positive, is refunded once ([`Command::Refund`]) to the verified
//!   payer in the paid asset; the refund's outcome is in the [`Statement`].
//! - **`upto`**: the authorization's expiry (Permit2 `deadline`) must cover
//!   `now + max_session + resume grace + settle margin`, else `authorization_too_short`; the
//!   meter's deadline is the expiry minus the margin. At the end exactly `consumed` is settled
//!   (nothing when it is 0). The replay key is never released once the session started; a
//!   refused or pending final settlement is reported in the [`Statement`], never retried with
//!   another amount.
//! - **Running.** A `usage_update` every [`SessionPolicy::update_interval_ms`]; the
//!   [`TariffMeter`] decides the ends, their instants and their precedence, and accrues to the
//!   closing instant (a session shorter than a tick is billed). [`Input::AppSend`] asks the
//!   meter ([`TariffMeter::may_send`]): a frame the balance cannot pay is not sent
//!   ([`Command::SendAppFrame`] is withheld) and the session ends `balance_exhausted`. Before
//!   the close, a final `usage_update` and, for the two limits of the original protocol,
//!   `balance_exhausted` / `max_duration_reached` are sent. Client frames are metered (bytes in
//!   and one message each) and handed to the application ([`Command::DeliverToApp`]);
//!   `{"type":"end_session"}` ends the session as a client close. The machine's own frames are
//!   not billed.
//! - **HTTP under a grant.** A response served under the session's HTTP grant
//!   ([`super::http_grant`]) is asked for with [`Input::HttpServe`] before its body is sent and
//!   charged like a frame the application sends: its body bytes as bytes out and one message
//!   ([`TariffMeter::serve_http`]). [`Command::ServeHttp`] allows it (the usage is counted, so
//!   the next `usage_update`, the end and the refund include it); a response the balance cannot
//!   pay is refused with [`SessionError::BalanceInsufficient`] and the session goes on (an HTTP
//!   request never ends a session: the host answers the refusal of
//!   [`super::GrantRefusal::for_session_error`]).
//! - **End exactly once.** The first terminal input wins; later closes, timers and application
//!   ends are accepted and yield no command. Inputs that make no sense in the current phase (a
//!   settlement outcome nobody asked for, a frame after the end) are typed
//!   [`SessionError`]s that change nothing.
//! - **The statement.** When the socket is still open at the end (an application end, a limit,
//!   `end_session`), the close waits for the settle (`upto`) or refund (`exact`) outcome: then
//!   `session_ended {sessionId, endedBy, paid, consumed, settled, refund, payer?,
//!   settlementTx?}` is sent and the socket closed, so the client's statement is a receipt
//!   (`settled` is what the settlement answered as settled, `refund` what was confirmed or sent;
//!   a refused or pending outcome shows 0). With nothing to settle or refund it is sent at once.
//!   Frames the client sends meanwhile are refused (`session_ended`); a client that closed first
//!   gets nothing.
//!
//! # Persistence, resumption, recovery (with [`SessionKeys`])
//!
//! All of this is off unless the host gives the machine the server's keys
//! ([`SessionMachine::with_keys`]); without them no [`Command::Persist`] or [`Command::Load`]
//! is ever queued, `session_started` has no `resumeToken`, and a `resume_session` frame is
//! refused like any frame that is not a proof.
//!
//! - **Records.** The machine writes its sealed record v2 ([`SealedRecord`], HMAC-SHA256 under
//!   the record key) with [`Command::Persist`] at the start, at every `usage_update` (the
//!   checkpoint), at a suspend and a resume, at the end, and at the finish. The store applies
//!   it as a compare-and-swap on the generation (`expect: None` creates; each write is one
//!   above the last) and answers [`Input::Persisted`]. The settle (`upto`) or refund (`exact`,
//!   the refund recorded `planned` with its amount) is asked for only once the ending record
//!   is written: a restart finds it and asks again, never a different amount.
//! - **A lost write** (`Persisted(false)`) means another process owns the session (a resume
//!   elsewhere, a recovery after a presumed crash): the machine closes 1012 (Service Restart,
//!   IANA WebSocket close code registry; the client reconnects and resumes) when the socket is
//!   open, queues [`Command::Abandoned`] and stops: no settle, no refund, no write. A lost last
//!   write after the money is final changes nothing.
//! - **Resume.** `session_started` carries `resumeToken` ([`SessionKeys::resume_token`] of the
//!   id and the verified payer). A new socket whose first frame is `resume_session {sessionId,
//!   resumeToken}` makes the machine ask for the record ([`Command::Load`],
//!   [`Input::Loaded`]). It opens it (tag checked), checks the token in constant time, checks
//!   the session is suspended and within [`SessionPolicy::resume_grace_ms`] of its drop, takes
//!   the record's state and id, and writes generation + 1; once that write wins it sends
//!   `session_resumed {sessionId, balance, consumedAmount, remainingBalance}`. Refusals are
//!   `resume_refused {reason}` ([`ResumeRefusal`]) and close 1008; the refused socket owns no
//!   money. A record that still says *running* (the old socket not yet seen dropping) is
//!   resumed too, billed up to its last checkpoint only: the compare-and-swap decides. If the
//!   resume's write wins, the old owner's next write (a tick at the latest) loses and it stops
//!   with 1012; if the old owner wrote first, the resume is refused `session_busy`.
//! - **Recovery after a restart.** [`SessionMachine::recover`] opens a stored record and
//!   decides ([`Recovery`]): a running record whose checkpoint is younger than the lease
//!   ([`SessionPolicy::lease_ms`]) has a live owner (`StillOwned`); an orphan running record is
//!   suspended at its last checkpoint (at most one interval unbilled, in the client's favour)
//!   and waits for a resume until checkpoint + grace (`AwaitResume`), or, past it, ends
//!   `connection_lost` there (`End`); a suspended record waits out its grace the same way; an
//!   ending record asks for its settle or its recorded refund again (`Continue`: the same
//!   [`RefundOrder`], whose key makes the settlement layer re-send, never re-sign). Each path
//!   starts with a record write, so of two processes recovering one session exactly one acts.
//! - **On-chain prepayments** are recorded as [`SchemeKind::EvmTransaction`]: the transaction's
//!   key and the paid asset instead of an x402 header ([`SealedRecord::chain_prepayment`]), so a
//!   resume or a recovery refunds the same order in the same asset to the same payer. Resuming or
//!   recovering one needs a policy with chain proofs on the record's chain, else the record is
//!   refused (`record_invalid` / `inconsistent_record`).
//!
//! # The `/settle` body
//!
//! The machine keeps the payment header value (at most [`MAX_PROOF_LEN`] bytes) and writes the
//! facilitator `/settle` body itself ([`write_settle_request`]) into the buffer given to
//! [`Session::poll_command`]: the host posts it (or hands it to its local settlement) as is. The
//! stored header is what a persisted record needs to settle after a restart.
//!
//! # Buffers, capacities, time
//!
//! No allocation: frames, keys and bodies are written into the caller's buffer (8 KiB,
//! [`RECOMMENDED_COMMAND_BUFFER_LEN`], always suffices); a buffer too small is an error that
//! leaves the command queued, so the host grows it and polls again. `now_ms` is Unix time in
//! milliseconds (admission compares it, in seconds, with the authorizations' validity) and never
//! runs backwards for the meter. `handle` refuses to run while commands are queued
//! (`session_commands_pending`): the queue's fixed capacity is never exceeded.
//!
//! # Not yet
//!
//! - On-chain proofs on Solana (the seed's `{signature, reference, senderWallet}`): refused
//!   `invalid_transaction_hash` when chain proofs are on, `legacy_proof_unsupported` otherwise.
//! - Smart-wallet payers: admission is offline ([`admit`]); a payer that needs an RPC
//!   (`smart_wallet_needs_rpc`) is rejected.
//! - Solana refunds: the order ([`RefundOrder`], built with [`RefundOrder::for_session`]) pays on
//!   EVM networks only, so a Solana `exact` session's unused part is not ordered: the statement
//!   keeps it owed to the payer ([`RefundStatus::Unsupported`]) and no command asks the host.

use super::chain_proof::{ChainCheck, ChainProofTerms, Progress, proof_tx_hash};
use super::error::Ws402Error;
use super::keys::{Payer, RESUME_TOKEN_LEN, SessionKeys};
use super::message::{Message, PaymentProof, SessionEnded, UsageUpdate};
use super::meter::{
    CLOSE_INTERNAL_ERROR, CLOSE_NORMAL, CLOSE_POLICY_VIOLATION, SessionEnd, SessionEndReason,
    SessionEvent, SessionOutcome, Tariff, TariffConfig, TariffMeter,
};
use super::record::{
    CHAIN_ASSET_TEXT_LEN, ChainPrepayment, RecordPhase, RecordedRefund, RefundState, SchemeKind,
    SealedRecord,
};
use crate::error::ErrorCode;
use crate::evm::Address;
use crate::json::{JsonStr, Object, RawValue};
use crate::onchain::evm::EvmAsset;
use crate::onchain::{self, Accepted, TxId};
use crate::u256::U256;
use crate::writer::write_all;
use crate::x402::network::Network;
use crate::x402::refund::{RefundAsset, RefundError, RefundOrder};
use crate::x402::server::settlement::{SettleTerms, write_settle_terms};
use crate::x402::server::{
    OfferScheme, OfferSet, PreparedOffer, Resource, ServerError, SettleOutcome, SettleVerdict,
    admit,
};
use crate::x402::{AnyVerified, PaymentPayload, Verifier, X402Version, header};
use heapless::Deque;

/// The longest payment header value (the `proof` string) a session keeps, in bytes.
pub const MAX_PROOF_LEN: usize = 4096;

/// A buffer for [`Session::poll_command`] that holds every command: the `/settle` body of the
/// longest proof and its decoded JSON side by side.
pub const RECOMMENDED_COMMAND_BUFFER_LEN: usize = 8192;

/// Commands one `handle` can queue at most (a rejection: 4; an end: 7).
const QUEUE: usize = 10;

/// Close code 1012 "Service Restart" (IANA WebSocket Close Code Number Registry, registered
/// with RFC 6455 §11.7): another process took the session over; the client reconnects and
/// presents its resume token.
pub const CLOSE_SERVICE_RESTART: u16 = 1012;

/// Extra seconds a stored record outlives the longest session, its grace and its settle margin
/// ([`Command::Persist`]'s `ttl_s`): time for a recovery after a restart, and for an operator
/// to read a failed refund.
pub const RECORD_TTL_SLACK_S: u64 = 86_400;

/// Scratch for one admission: the decoded header and one offer's requirements.
const ADMISSION_SCRATCH: usize = header::RECOMMENDED_BUFFER_LEN;

/// The `payment_rejected` reasons the machine itself gives (admission refusals give the x402
/// code, e.g. `invalid_exact_evm_payload_signature` or `no_matching_offer`).
pub mod reason {
    /// No `payment_proof` arrived within the proof timeout.
    pub const PROOF_TIMEOUT: &str = "payment_proof_timeout";
    /// The first frame was not a `payment_proof` message (not JSON, another type, binary).
    pub const PROOF_EXPECTED: &str = "payment_proof_expected";
    /// The proof is the original providers' object (a transaction hash), not an x402 payment,
    /// and the server takes no on-chain proofs ([`super::SessionPolicy::chain_proof`] is `None`).
    pub const LEGACY_PROOF: &str = "legacy_proof_unsupported";
    /// The proof is longer than [`super::MAX_PROOF_LEN`].
    pub const PROOF_TOO_LARGE: &str = "payment_proof_too_large";
    /// The verified amount is zero.
    pub const PREPAYMENT_TOO_SMALL: &str = "prepayment_too_small";
    /// An `upto` authorization expires before the session, its grace and the settle margin.
    pub const AUTHORIZATION_TOO_SHORT: &str = "authorization_too_short";
    /// The replay key is already held: the prepayment was used by another session.
    pub const ALREADY_USED: &str = "payment_already_used";
    /// The replay store could not answer.
    pub const REPLAY_STORE_UNAVAILABLE: &str = "replay_store_unavailable";
    /// The `exact` prepayment's settlement was refused.
    pub const SETTLEMENT_REFUSED: &str = "settlement_refused";
    /// The `exact` prepayment's settlement is pending or unanswered.
    pub const SETTLEMENT_PENDING: &str = "settlement_pending";
    /// The client closed the socket before the session started (no frame is sent).
    pub const CONNECTION_CLOSED: &str = "connection_closed";
    /// An object `proof` (the seed's form) without a `txHash` of `0x` and 64 hex digits, while
    /// on-chain proofs are accepted.
    pub const INVALID_TRANSACTION_HASH: &str = "invalid_transaction_hash";
    /// The chain's JSON-RPC node did not answer, answered an `error`, or a body that is not a
    /// JSON-RPC response (close 1011: the server's fault).
    pub const RPC_UNAVAILABLE: &str = "rpc_unavailable";
}

/// Seconds an `upto` offer written by the server asks beyond [`SessionPolicy::upto_validity_s`]
/// ([`SessionPolicy::upto_offer_timeout_s`]): room for the client's clock and its signing.
pub const UPTO_OFFER_SLACK_S: u64 = 60;

/// A session's prices, limits and clocks, chosen by the server (never by the client).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy<'p> {
    /// The prices (per second, byte in, byte out, message).
    pub tariff: Tariff,
    /// The longest active time of a session, in seconds.
    pub max_session_seconds: u64,
    /// Milliseconds between `usage_update`s; 0 sends none.
    pub update_interval_ms: u64,
    /// Milliseconds the client has to send its `payment_proof`.
    pub proof_timeout_ms: u64,
    /// Milliseconds a dropped connection stays suspended (unbilled) before the session ends
    /// `connection_lost`; 0 ends it at the drop.
    pub resume_grace_ms: u64,
    /// Seconds kept between an `upto` session's deadline and its authorization's expiry, for the
    /// final settlement to land.
    pub settle_margin_s: u64,
    /// Milliseconds a running session's last checkpoint proves a live owner
    /// ([`SessionMachine::recover`]); 0: twice [`SessionPolicy::update_interval_ms`] (the
    /// checkpoints are the usage ticks).
    pub lease_ms: u64,
    /// The x402 verification policy of admission.
    pub verifier: Verifier<'p>,
    /// Prepayments proven by an on-chain EVM transaction (the seed's `payment_proof` with a
    /// `txHash`, verified over JSON-RPC: [`Command::Rpc`]); `None` refuses them
    /// (`legacy_proof_unsupported`).
    pub chain_proof: Option<ChainProofTerms>,
}

impl SessionPolicy<'static> {
    /// `tariff` and `max_session_seconds` with the defaults: a `usage_update` every 3 s (the
    /// original's `updateInterval`), 10 s for the proof, no resume grace, a 120 s settle margin,
    /// the reference facilitator's verification ([`Verifier::DEFAULT`]).
    pub const fn new(tariff: Tariff, max_session_seconds: u64) -> Self {
        Self {
            tariff,
            max_session_seconds,
            update_interval_ms: 3_000,
            proof_timeout_ms: 10_000,
            resume_grace_ms: 0,
            settle_margin_s: 120,
            lease_ms: 0,
            verifier: Verifier::DEFAULT,
            chain_proof: None,
        }
    }
}

impl SessionPolicy<'_> {
    /// Seconds an `upto` authorization must stay valid from its admission: the longest session,
    /// the resume grace (rounded up to whole seconds) and the settle margin. A shorter one is
    /// refused `authorization_too_short`; an offer's `maxTimeoutSeconds` should be at least this.
    pub const fn upto_validity_s(&self) -> u64 {
        self.max_session_seconds
            .saturating_add(self.resume_grace_ms.div_ceil(1000))
            .saturating_add(self.settle_margin_s)
    }

    /// The `maxTimeoutSeconds` of an `upto` offer the server writes itself (an offer configured
    /// without one): [`SessionPolicy::upto_validity_s`] plus [`UPTO_OFFER_SLACK_S`], so a client
    /// whose clock runs a little behind, or that takes a while to sign, still signs an
    /// authorization admission accepts.
    ///
    /// ```
    /// use pay402::ws402::{SessionPolicy, Tariff, UPTO_OFFER_SLACK_S};
    /// let policy = SessionPolicy::new(Tariff::per_second(pay402::U256::ONE), 3600);
    /// assert_eq!(policy.upto_offer_timeout_s(), 3600 + 120 + UPTO_OFFER_SLACK_S);
    /// ```
    pub const fn upto_offer_timeout_s(&self) -> u64 {
        self.upto_validity_s().saturating_add(UPTO_OFFER_SLACK_S)
    }
}

/// How the prepayment is charged: decided by the offer the payment was admitted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Plan {
    /// `exact`: settled in full before the session, the unused part refunded at the end.
    Exact,
    /// `upto`: a signed maximum; exactly `consumed` is settled at the end, nothing refunded.
    Upto,
}

/// What the replay store answered to [`Command::Reserve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reservation {
    /// The key was free and is now held.
    Fresh,
    /// The key was already held.
    AlreadyUsed,
    /// The store could not answer (never admit without a reservation).
    Unavailable,
}

/// What the settlement layer answered to [`Command::Refund`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefundOutcome {
    /// The refund transfer is confirmed.
    Confirmed,
    /// The refund was sent, its confirmation is not known yet (the settlement layer reconciles).
    Pending,
    /// The refund failed; the statement keeps it owed.
    Failed,
}

/// The state of a settlement in a [`Statement`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SettleStatus {
    /// Asked for, no answer yet.
    Requested,
    /// `success: true`.
    Settled,
    /// `success: false` with a final reason.
    Refused,
    /// `settlement_pending` with a transaction hash: it may still land.
    Pending,
    /// No answer (timeout, connection error, 5xx): it may still land.
    Unavailable,
}

impl SettleStatus {
    /// The stable name: `requested`, `settled`, `refused`, `pending` or `unavailable`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Settled => "settled",
            Self::Refused => "refused",
            Self::Pending => "pending",
            Self::Unavailable => "unavailable",
        }
    }
}

/// A settlement asked for: the prepayment (`exact`) or the charge (`upto`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Settlement {
    /// The amount in the `/settle` body.
    pub amount: U256,
    /// Its state.
    pub status: SettleStatus,
}

/// The state of a refund in a [`Statement`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefundStatus {
    /// Asked for, no answer yet.
    Requested,
    /// [`RefundOutcome::Confirmed`].
    Confirmed,
    /// [`RefundOutcome::Pending`].
    Pending,
    /// [`RefundOutcome::Failed`].
    Failed,
    /// No order can be built for the paid network (refunds are paid on EVM networks only, see
    /// [`crate::x402::refund::RefundError::UnsupportedNetwork`]): nothing was asked of the host and the amount stays
    /// owed to the payer.
    Unsupported,
}

impl RefundStatus {
    /// The stable name: `requested`, `confirmed`, `pending`, `failed` or `unsupported`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Confirmed => "confirmed",
            Self::Pending => "pending",
            Self::Failed => "failed",
            Self::Unsupported => "unsupported",
        }
    }
}

/// A refund owed (`paid − consumed`, positive, of an `exact` session) and its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Refund {
    /// The order given to the host ([`Command::Refund`]), built with
    /// [`RefundOrder::for_session`]; `None` when none can be built
    /// ([`RefundStatus::Unsupported`]).
    pub order: Option<RefundOrder>,
    /// The verified payer the amount is owed to.
    pub to: Payer,
    /// `paid − consumed`, positive, in the paid asset's atomic unit.
    pub amount: U256,
    /// Its state.
    pub status: RefundStatus,
}

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ending {
    /// It never started: the reason sent in `payment_rejected` (or
    /// [`reason::CONNECTION_CLOSED`]), at `at_ms`.
    Rejected {
        /// The stable code.
        reason: &'static str,
        /// When.
        at_ms: u64,
    },
    /// It ran and the meter ended it.
    Ended(SessionEnd),
}

/// The money of one session, to the atomic unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Statement {
    /// The session id.
    pub session_id: [u8; 16],
    /// How it ended.
    pub ending: Ending,
    /// The plan, once a payment was admitted.
    pub plan: Option<Plan>,
    /// The offer paid, once a payment was admitted.
    pub offer_index: Option<usize>,
    /// The verified payer, once a payment was admitted.
    pub payer: Option<Payer>,
    /// The verified amount (`upto`: the signed maximum); 0 before admission.
    pub paid: U256,
    /// What the session consumed; 0 when it never ran.
    pub consumed: U256,
    /// The prepayment's (`exact`) or the charge's (`upto`) settlement, when one was asked for.
    pub settlement: Option<Settlement>,
    /// The refund (`exact`), when one was owed.
    pub refund: Option<Refund>,
    /// `true` once nothing more is awaited ([`Command::Finished`] was queued).
    pub finished: bool,
}

/// Where a session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Waiting for the `payment_proof`.
    AwaitingProof,
    /// An on-chain proof: waiting for the JSON-RPC answers ([`Input::RpcResponse`]) or for the
    /// next attempt at a transaction not found or not final yet.
    VerifyingTransaction,
    /// Waiting for the replay store ([`Input::Reserved`]).
    Reserving,
    /// `exact`: waiting for the prepayment's settlement ([`Input::Settled`]).
    SettlingPrepayment,
    /// Metering.
    Running,
    /// The connection dropped; waiting out the resume grace, unbilled.
    Suspended,
    /// `upto`: waiting for the final charge's settlement ([`Input::Settled`]).
    SettlingCharge,
    /// `exact`: waiting for the refund's outcome ([`Input::Refunded`]).
    Refunding,
    /// Over; nothing more is awaited.
    Finished,
    /// A `resume_session` arrived: waiting for the record ([`Input::Loaded`]).
    Loading,
    /// The record of a resumed session is opened and checked: waiting for the write that takes
    /// it over ([`Input::Persisted`]) before `session_resumed`.
    Resuming,
    /// Another process owns the session (a lost compare-and-swap, or a live owner found by
    /// [`SessionMachine::recover`]): this machine does nothing more.
    NotOwner,
}

impl Phase {
    /// The stable name: `awaiting_proof`, `verifying_transaction`, `reserving`, `settling_prepayment`, `running`,
    /// `suspended`, `settling_charge`, `refunding`, `finished`, `loading`, `resuming` or
    /// `not_owner`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::AwaitingProof => "awaiting_proof",
            Self::VerifyingTransaction => "verifying_transaction",
            Self::Reserving => "reserving",
            Self::SettlingPrepayment => "settling_prepayment",
            Self::Running => "running",
            Self::Suspended => "suspended",
            Self::SettlingCharge => "settling_charge",
            Self::Refunding => "refunding",
            Self::Finished => "finished",
            Self::Loading => "loading",
            Self::Resuming => "resuming",
            Self::NotOwner => "not_owner",
        }
    }
}

/// What the host reports to [`Session::handle`].
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// A text frame from the client.
    Text(&'a [u8]),
    /// A binary frame from the client.
    Binary(&'a [u8]),
    /// The timer armed at [`SessionMachine::poll_timeout`] fired (early or late fires are fine).
    Timer,
    /// The socket closed: `code` is the client's close frame code, `None` when there was no
    /// close frame (a drop: TCP reset, error; 1006 counts as a drop too).
    Closed {
        /// The close code received.
        code: Option<u16>,
    },
    /// The application ended the session, normally or with an error (close 1000 / 1011).
    AppEnded {
        /// `true`: the application failed.
        error: bool,
    },
    /// The application wants to send a frame of `bytes` bytes: send it only on
    /// [`Command::SendAppFrame`].
    AppSend {
        /// The frame's length.
        bytes: u64,
    },
    /// An HTTP response of `bytes` body bytes is about to be served under the session's grant
    /// ([`super::http_grant`]): serve it only on [`Command::ServeHttp`]. Refused (typed error,
    /// nothing changes) when the balance cannot pay it or the session is not running.
    HttpServe {
        /// The response body's length (a host that streams buffers first, or charges its
        /// `Content-Length`).
        bytes: u64,
    },
    /// The replay store's answer to [`Command::Reserve`].
    Reserved(Reservation),
    /// The settlement's answer to [`Command::Settle`].
    Settled(SettleOutcome<'a>),
    /// The settlement layer's answer to [`Command::Refund`].
    Refunded(RefundOutcome),
    /// The store's answer to [`Command::Persist`]: `true` when the record was written
    /// (created, or swapped from the expected generation), `false` when another write came
    /// first (the session is owned elsewhere).
    Persisted(bool),
    /// The store's answer to [`Command::Load`]: the record's bytes, or `None` when there is
    /// none.
    Loaded(Option<&'a [u8]>),
    /// The answer to [`Command::Rpc`]: the whole HTTP response body as received (the core
    /// reads its JSON-RPC `result` or `error`), or `None` when the call failed (connection
    /// error, timeout, HTTP status other than 200).
    RpcResponse(Option<&'a [u8]>),
}

/// What the host does, in order.
#[allow(
    clippy::large_enum_variant,
    reason = "no_std without alloc: one command at a time, by value"
)]
#[derive(Debug, Clone, Copy)]
pub enum Command<'b> {
    /// Send this text frame to the client.
    Send(&'b str),
    /// Send the application's frame of the last [`Input::AppSend`]: it is paid for.
    SendAppFrame,
    /// Hand the client's frame of the last `handle` to the application.
    DeliverToApp,
    /// Serve the HTTP response of the last [`Input::HttpServe`]: it is paid for.
    ServeHttp,
    /// Close the socket with this code (RFC 6455 §7.4.1).
    Close {
        /// 1000, 1008 or 1011.
        code: u16,
    },
    /// Reserve `key` in the replay store for `ttl` seconds (insert if absent) and report
    /// [`Input::Reserved`].
    Reserve {
        /// [`crate::x402::server::ReplayId::write_bytes`] of the admission's key.
        key: &'b [u8],
        /// Seconds.
        ttl: u64,
    },
    /// Post `body` to the facilitator's `/settle` (or give it to the local settlement) and report
    /// [`Input::Settled`].
    Settle {
        /// `{"x402Version","paymentPayload","paymentRequirements"}` with `amount` as the charge.
        body: &'b [u8],
        /// The amount settled.
        amount: U256,
    },
    /// Pay this refund once and report [`Input::Refunded`].
    Refund(RefundOrder),
    /// Delete the replay reservation: the payment was never taken.
    Release {
        /// The key of [`Command::Reserve`].
        key: &'b [u8],
    },
    /// The session is over; nothing more is awaited. Queued exactly once.
    Finished(Statement),
    /// Write the sealed record (v2, [`SealedRecord`]) of the session and report
    /// [`Input::Persisted`]: `expect: None` creates it (only if absent), `Some(g)` replaces it
    /// only if the stored generation is `g`. Only with [`SessionKeys`].
    Persist {
        /// The sealed record.
        record: &'b [u8],
        /// Its generation (the store keeps it beside the record).
        generation: u32,
        /// The generation the store must hold; `None`: create.
        expect: Option<u32>,
        /// Seconds the store keeps the record from now.
        ttl_s: u64,
    },
    /// Load the record of `session_id` and report [`Input::Loaded`] (a `resume_session`).
    Load {
        /// The session to resume.
        session_id: [u8; 16],
    },
    /// Another process owns the session: forget it here (no settle, no refund, no record
    /// write). Queued at most once, instead of [`Command::Finished`].
    Abandoned,
    /// POST `{"jsonrpc":"2.0","id":1,"method":<method>,"params":<params>}` (`params` verbatim:
    /// a JSON array) to the chain's JSON-RPC node and report [`Input::RpcResponse`] with the
    /// response body. Only with [`SessionPolicy::chain_proof`].
    Rpc {
        /// The JSON-RPC method (`eth_getTransactionByHash`, `eth_getBlockByNumber`,
        /// `eth_blockNumber`, `eth_getTransactionReceipt`).
        method: &'b str,
        /// The `params` array, JSON.
        params: &'b [u8],
    },
}

/// Why a `resume_session` is refused (`resume_refused {reason}`, then close 1008).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResumeRefusal {
    /// The server keeps no records (no [`SessionKeys`]).
    Unsupported,
    /// No record for this id (never existed, expired), or an id that is not 32 hex digits.
    UnknownSession,
    /// The record does not open (tampered, written under another secret) or does not fit the
    /// server's offers.
    RecordInvalid,
    /// The token is not this session's.
    TokenInvalid,
    /// The session has ended.
    SessionEnded,
    /// The resume grace has expired.
    GraceExpired,
    /// Another process wrote the record first (a lost compare-and-swap).
    SessionBusy,
}

impl ResumeRefusal {
    /// The stable code sent as `reason`.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Unsupported => "resume_unsupported",
            Self::UnknownSession => "unknown_session",
            Self::RecordInvalid => "record_invalid",
            Self::TokenInvalid => "resume_token_invalid",
            Self::SessionEnded => "session_ended",
            Self::GraceExpired => "resume_grace_expired",
            Self::SessionBusy => "session_busy",
        }
    }
}

/// What [`SessionMachine::recover`] decided for a stored record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Recovery {
    /// The record's checkpoint is younger than the lease: its owner is alive. The machine does
    /// nothing ([`Phase::NotOwner`]); load the record again and recover at `retry_at_ms`.
    StillOwned {
        /// When the lease runs out.
        retry_at_ms: u64,
    },
    /// The session is suspended (or was running without an owner and is now suspended at its
    /// last checkpoint): the machine waits for a `resume_session` until `until_ms`, then ends
    /// the session `connection_lost`. Drain its commands (the takeover write) and arm its timer.
    AwaitResume {
        /// The end of the grace.
        until_ms: u64,
    },
    /// The session ends now (`connection_lost`, at its last checkpoint): drain the commands
    /// (the ending write, then the settle or refund).
    End,
    /// The session had ended: the settle (`upto`) or the refund (`exact`, the same
    /// [`RefundOrder`], whose key makes the settlement layer re-send, never re-sign) is asked
    /// again after the takeover write.
    Continue,
    /// Nothing is left to do (the record is done).
    Done,
}

/// Why an input or a poll was refused. The session is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionError {
    /// Commands of the previous `handle` are still queued: drain [`Session::poll_command`].
    CommandsPending,
    /// A frame or an application input before the session started.
    NotStarted,
    /// A frame or an application send while the connection is suspended.
    Suspended,
    /// A frame or an application send after the session ended.
    Ended,
    /// The balance cannot pay the HTTP response of an [`Input::HttpServe`]: it is not served;
    /// the session goes on.
    BalanceInsufficient,
    /// An outcome nobody asked for (a reservation, settlement or refund answer in another phase).
    OutOfOrder,
    /// The command buffer is too small: grow it and poll again (the command stays queued).
    BufferTooSmall,
    /// The `/settle` body could not be written (a configuration fault of the offer set).
    Settle(ServerError),
}

impl core::fmt::Display for SessionError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::CommandsPending => f.write_str("WS402 session commands are still queued"),
            Self::NotStarted => f.write_str("WS402 session has not started"),
            Self::Suspended => f.write_str("WS402 session is suspended"),
            Self::Ended => f.write_str("WS402 session has ended"),
            Self::BalanceInsufficient => {
                f.write_str("the WS402 session's balance cannot pay this response")
            }
            Self::OutOfOrder => f.write_str("WS402 session did not ask for this outcome"),
            Self::BufferTooSmall => f.write_str("the output buffer is too small"),
            Self::Settle(e) => write!(f, "WS402 settle request: {e}"),
        }
    }
}

impl core::error::Error for SessionError {}

impl ErrorCode for SessionError {
    fn code(&self) -> &'static str {
        match self {
            Self::CommandsPending => "session_commands_pending",
            Self::NotStarted => "session_not_started",
            Self::Suspended => "session_suspended",
            Self::Ended => "session_ended",
            Self::BalanceInsufficient => "balance_insufficient",
            Self::OutOfOrder => "session_out_of_order",
            Self::BufferTooSmall => "buffer_too_small",
            Self::Settle(e) => e.code(),
        }
    }
}

/// What admission established, kept for the session's life (all `Copy`: the decoded payment is
/// re-read from the stored header when the `/settle` body is written).
#[derive(Debug, Clone, Copy)]
struct Paid {
    offer_index: usize,
    version: X402Version,
    replay_key: [u8; onchain::MAX_KEY_LEN],
    replay_key_len: usize,
    replay_ttl: u64,
    max_amount: U256,
    plan: Plan,
    payer: Payer,
    amount: U256,
    network: Network,
    /// The paid asset on EVM (`None` on Solana): the refund's asset.
    asset: Option<RefundAsset>,
    /// The transaction hash of an on-chain prepayment (`None`: an x402 payment).
    onchain: Option<[u8; 32]>,
    /// `upto`: the meter's deadline (the authorization's expiry minus the margin).
    deadline_ms: Option<u64>,
}

/// A meter reading for `usage_update`, taken when it was queued.
#[derive(Debug, Clone, Copy)]
struct Reading {
    elapsed_seconds: u64,
    consumed: U256,
    remaining: U256,
    bytes: u64,
    messages: u64,
}

#[derive(Debug, Clone, Copy)]
enum Queued {
    Rejected(&'static str),
    Started,
    Usage(Reading),
    BalanceExhausted,
    MaxDuration,
    SendApp,
    ServeHttp,
    Deliver,
    Close(u16),
    Reserve,
    Release,
    Settle(U256, Option<U256>),
    Refund(RefundOrder),
    Finished,
    ResumeRefused(&'static str),
    Resumed,
    Ended,
    Persist {
        generation: u32,
        expect: Option<u32>,
    },
    Load,
    Abandoned,
    Rpc,
}

/// A command held back until the record write before it is acknowledged.
#[derive(Debug, Clone, Copy)]
enum Deferred {
    Resumed,
    Settle(U256),
    Refund(RefundOrder),
}

/// One WS402 session, server side. See the module documentation.
///
/// ```
/// use pay402::U256;
/// use pay402::ws402::{Command, Input, Session, SessionPolicy, Tariff};
/// use pay402::x402::server::{Offer, OfferScheme, OfferSet, Resource};
/// let mut offers = OfferSet::<1>::new();
/// offers.push(Offer {
///     scheme: OfferScheme::ExactEip3009 { name: "USDC", version: "2" },
///     network: "eip155:84532",
///     asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
///     amount: U256::from_u64(10_000),
///     pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
///     max_timeout_seconds: 60,
/// })?;
/// let resource = Resource { url: "wss://example.com/ws402/video", description: "", mime_type: None };
/// let policy = SessionPolicy::new(Tariff::per_second(U256::from_u64(10)), 3600);
/// let mut session = Session::accept(&offers, resource, policy, [7; 16], 1_740_672_100_000);
/// assert_eq!(session.poll_timeout(), Some(1_740_672_110_000)); // the proof timeout
/// session.handle(1_740_672_100_500, Input::Text(br#"{"type":"hello"}"#))?;
/// let mut out = [0u8; 8192];
/// let Some(Command::Send(frame)) = session.poll_command(&mut out)? else { panic!() };
/// assert_eq!(frame, r#"{"type":"payment_rejected","reason":"payment_proof_expected"}"#);
/// assert!(matches!(session.poll_command(&mut out)?, Some(Command::Close { code: 1008 })));
/// assert!(matches!(session.poll_command(&mut out)?, Some(Command::Finished(_))));
/// assert!(session.poll_command(&mut out)?.is_none());
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Session<'o, const N: usize> {
    offers: &'o OfferSet<'o, N>,
    resource: Resource<'o>,
    machine: SessionMachine<'o>,
}

/// Whether every offer of `offers` can end a session with its money accounted for: an `exact`
/// session refunds `paid − consumed` at its end, and refunds are paid on EVM networks only
/// ([`RefundOrder::for_session`]), so an `exact` Solana offer is refused here, when the seller
/// configures it, rather than taking a prepayment whose unused part could not be paid back.
/// `upto` offers settle the consumed amount and never refund. Errors:
/// [`RefundError::UnsupportedNetwork`] (`refund_unsupported_network`).
///
/// ```
/// use pay402::U256;
/// use pay402::ws402::check_refundable;
/// use pay402::x402::server::{Offer, OfferScheme, OfferSet};
/// let mut offers = OfferSet::<2>::new();
/// offers.push(Offer {
///     scheme: OfferScheme::ExactEip3009 { name: "USDC", version: "2" },
///     network: "eip155:84532",
///     asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
///     amount: U256::from_u64(10_000),
///     pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
///     max_timeout_seconds: 60,
/// })?;
/// assert!(check_refundable(&offers).is_ok());
/// # Ok::<(), pay402::x402::server::ServerError>(())
/// ```
pub fn check_refundable<const N: usize>(offers: &OfferSet<'_, N>) -> Result<(), RefundError> {
    if offers.iter().any(|o| is_exact_svm(&o.offer().scheme)) {
        return Err(RefundError::UnsupportedNetwork);
    }
    Ok(())
}

#[cfg(feature = "svm")]
fn is_exact_svm(scheme: &OfferScheme<'_>) -> bool {
    matches!(scheme, OfferScheme::ExactSvm { .. })
}

#[cfg(not(feature = "svm"))]
fn is_exact_svm(_: &OfferScheme<'_>) -> bool {
    false
}

impl<'o, const N: usize> Session<'o, N> {
    /// A session for a socket opened at `now_ms` (Unix milliseconds), sold with `offers` for
    /// `resource` under `policy`. `id` is 16 random bytes from the host; the wire `sessionId` is
    /// its 32 lowercase hex digits.
    pub fn accept(
        offers: &'o OfferSet<'o, N>,
        resource: Resource<'o>,
        policy: SessionPolicy<'o>,
        id: [u8; 16],
        now_ms: u64,
    ) -> Self {
        Self {
            offers,
            resource,
            machine: SessionMachine::accept(policy, id, now_ms),
        }
    }

    /// Reports `input` at `now_ms`; then drain [`Session::poll_command`].
    ///
    /// # Errors
    /// [`SessionError`]: the input does not fit the phase (or commands are still queued); the
    /// session is unchanged and nothing is queued.
    pub fn handle(&mut self, now_ms: u64, input: Input<'_>) -> Result<(), SessionError> {
        self.machine.handle(self.offers, now_ms, input)
    }

    /// The next command, written into `out` where it carries bytes; `None` when the queue is
    /// empty.
    ///
    /// # Errors
    /// [`SessionError::BufferTooSmall`]: the command stays queued; grow `out`
    /// ([`RECOMMENDED_COMMAND_BUFFER_LEN`] always suffices) and poll again.
    pub fn poll_command<'b>(
        &mut self,
        out: &'b mut [u8],
    ) -> Result<Option<Command<'b>>, SessionError> {
        self.machine.poll_command(self.offers, &self.resource, out)
    }

    /// Turns on persistence and resumption ([`SessionMachine::with_keys`]).
    #[must_use]
    pub fn with_keys(mut self, keys: SessionKeys) -> Self {
        self.machine = self.machine.with_keys(keys);
        self
    }

    /// A session recovered from its stored record after a restart
    /// ([`SessionMachine::recover`]).
    ///
    /// # Errors
    /// The record's ([`SessionMachine::recover`]).
    pub fn recover(
        offers: &'o OfferSet<'o, N>,
        resource: Resource<'o>,
        policy: SessionPolicy<'o>,
        keys: SessionKeys,
        record: &[u8],
        now_ms: u64,
    ) -> Result<(Self, Recovery), Ws402Error> {
        let (machine, recovery) = SessionMachine::recover(offers, policy, keys, record, now_ms)?;
        Ok((
            Self {
                offers,
                resource,
                machine,
            },
            recovery,
        ))
    }

    /// The machine without its borrowed offers and resource.
    pub fn machine(&self) -> &SessionMachine<'o> {
        &self.machine
    }
}

impl<'o, const N: usize> core::ops::Deref for Session<'o, N> {
    type Target = SessionMachine<'o>;

    fn deref(&self) -> &SessionMachine<'o> {
        &self.machine
    }
}

/// [`Session`] without the borrowed offers and resource: [`SessionMachine::handle`] and
/// [`SessionMachine::poll_command`] take them per call (as `quinn-proto` takes its
/// configuration), so a host can keep the offers in one shared, owned server and the machine in
/// each connection without a self-referential struct. Every call must get the same offer set and
/// resource the session was admitted with (the admitted offer is kept by its index).
///
/// ```
/// use pay402::U256;
/// use pay402::ws402::{Command, Input, SessionMachine, SessionPolicy, Tariff};
/// use pay402::x402::server::{OfferSet, Resource};
/// let offers = OfferSet::<1>::new();
/// let resource = Resource { url: "wss://example.com/ws402/video", description: "", mime_type: None };
/// let policy = SessionPolicy::new(Tariff::per_second(U256::from_u64(10)), 3600);
/// let mut machine = SessionMachine::accept(policy, [7; 16], 0);
/// machine.handle(&offers, 10_000, Input::Timer)?;
/// let mut out = [0u8; 8192];
/// let Some(Command::Send(frame)) = machine.poll_command(&offers, &resource, &mut out)? else { panic!() };
/// assert_eq!(frame, r#"{"type":"payment_rejected","reason":"payment_proof_timeout"}"#);
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SessionMachine<'p> {
    policy: SessionPolicy<'p>,
    id: [u8; 16],
    accepted_at: u64,
    phase: Phase,
    generation: u32,
    socket_open: bool,
    proof: [u8; MAX_PROOF_LEN],
    proof_len: usize,
    paid: Option<Paid>,
    meter: Option<TariffMeter>,
    next_update: Option<u64>,
    next_limit: Option<u64>,
    suspended_at: u64,
    rejected: Option<(&'static str, u64)>,
    settlement: Option<Settlement>,
    refund: Option<Refund>,
    queue: Deque<Queued, QUEUE>,
    /// The record keys: persistence, resume tokens and resumption are on only with them.
    keys: Option<SessionKeys>,
    /// The generation of the last record written (0: none yet).
    record_generation: u32,
    /// Record writes not yet answered.
    unacked: u8,
    /// What waits for the last record write's answer.
    deferred: Option<Deferred>,
    /// When the record was last written while running.
    checkpoint_ms: u64,
    /// The close code of an end whose close waits for the settle or refund outcome.
    pending_close: Option<u16>,
    /// The `resume_session`'s id and token, while loading its record.
    resume_id: [u8; 16],
    resume_token: [u8; RESUME_TOKEN_LEN],
    resume_token_len: usize,
    /// The settlement's transaction hash, when the answer carried a 32-byte hex one.
    settle_tx: Option<[u8; 32]>,
    /// The HTTP grant generation: bumped by every resume, so grants issued before it are
    /// refused after it.
    grant_generation: u32,
    /// The verification of an on-chain proof, while [`Phase::VerifyingTransaction`].
    chain: Option<ChainCheck>,
}

impl<'p> SessionMachine<'p> {
    /// A session for a socket opened at `now_ms` (Unix milliseconds) under `policy`. `id` is 16
    /// random bytes from the host; the wire `sessionId` is its 32 lowercase hex digits.
    pub fn accept(policy: SessionPolicy<'p>, id: [u8; 16], now_ms: u64) -> Self {
        Self {
            policy,
            id,
            accepted_at: now_ms,
            phase: Phase::AwaitingProof,
            generation: 0,
            socket_open: true,
            proof: [0; MAX_PROOF_LEN],
            proof_len: 0,
            paid: None,
            meter: None,
            next_update: None,
            next_limit: None,
            suspended_at: 0,
            rejected: None,
            settlement: None,
            refund: None,
            queue: Deque::new(),
            keys: None,
            record_generation: 0,
            unacked: 0,
            deferred: None,
            checkpoint_ms: 0,
            pending_close: None,
            resume_id: [0; 16],
            resume_token: [0; RESUME_TOKEN_LEN],
            resume_token_len: 0,
            settle_tx: None,
            grant_generation: 0,
            chain: None,
        }
    }

    /// Turns on persistence and resumption with the server's `keys` (before the first input):
    /// the machine then writes its sealed record ([`Command::Persist`]) at the start, at every
    /// `usage_update` (the checkpoint), at a suspend and a resume, at the end, before the
    /// settle or refund and at the finish; `session_started` carries a `resumeToken`; a first
    /// frame `resume_session` loads the record ([`Command::Load`]) and resumes the session.
    /// Without keys none of this happens.
    #[must_use]
    pub fn with_keys(mut self, keys: SessionKeys) -> Self {
        self.keys = Some(keys);
        self
    }

    /// The generation of the last record written (0 before the first).
    pub fn record_generation(&self) -> u32 {
        self.record_generation
    }

    /// The HTTP grant generation to issue grants at ([`super::http_grant::issue`]); the
    /// record carries it, and every resume bumps it.
    pub fn grant_generation(&self) -> u32 {
        self.grant_generation
    }

    /// Reports `input` at `now_ms` for a session sold with `offers`; then drain
    /// [`SessionMachine::poll_command`].
    ///
    /// # Errors
    /// [`SessionError`]: the input does not fit the phase (or commands are still queued); the
    /// session is unchanged and nothing is queued.
    pub fn handle<const N: usize>(
        &mut self,
        offers: &OfferSet<'_, N>,
        now_ms: u64,
        input: Input<'_>,
    ) -> Result<(), SessionError> {
        if !self.queue.is_empty() {
            return Err(SessionError::CommandsPending);
        }
        match (self.phase, input) {
            (_, Input::Persisted(ok)) => self.persisted(now_ms, ok)?,
            (Phase::Loading, Input::Loaded(record)) => self.loaded(offers, now_ms, record),
            (_, Input::Loaded(_)) => return Err(SessionError::OutOfOrder),
            (Phase::AwaitingProof, _) => self.awaiting_proof(offers, now_ms, input)?,
            (Phase::VerifyingTransaction, _) => self.verifying(now_ms, input)?,
            (Phase::Reserving, _) => self.reserving(now_ms, input)?,
            (Phase::SettlingPrepayment, _) => self.settling_prepayment(now_ms, input)?,
            (Phase::Running, _) => self.running(now_ms, input)?,
            (Phase::Suspended, _) => self.suspended(now_ms, input)?,
            (Phase::Loading | Phase::Resuming, _) => self.before_start(input)?,
            (Phase::SettlingCharge | Phase::Refunding | Phase::Finished | Phase::NotOwner, _) => {
                self.after(input)?;
            }
        }
        self.generation = self.generation.wrapping_add(1);
        self.next_limit = self.meter.as_ref().and_then(next_limit);
        Ok(())
    }

    /// The next command, written into `out` where it carries bytes; `None` when the queue is
    /// empty. `offers` and `resource` are the session's (the `/settle` body names them).
    ///
    /// # Errors
    /// [`SessionError::BufferTooSmall`]: the command stays queued; grow `out`
    /// ([`RECOMMENDED_COMMAND_BUFFER_LEN`] always suffices) and poll again.
    pub fn poll_command<'b, const N: usize>(
        &mut self,
        offers: &OfferSet<'_, N>,
        resource: &Resource<'_>,
        out: &'b mut [u8],
    ) -> Result<Option<Command<'b>>, SessionError> {
        let Some(next) = self.queue.front().copied() else {
            return Ok(None);
        };
        let command = self.render(offers, resource, next, out)?;
        self.queue.pop_front();
        Ok(Some(command))
    }

    /// When to fire [`Input::Timer`] next (Unix ms): the proof deadline, the next attempt at an
    /// on-chain transaction not found or not final yet, the next `usage_update`, the meter's
    /// next limit (balance, maximum duration, deadline) or the resume grace's end; `None` when
    /// no timer is needed (also while an RPC answer is awaited: the host's call has its own
    /// timeout and answers [`Input::RpcResponse`] `None`).
    pub fn poll_timeout(&self) -> Option<u64> {
        match self.phase {
            Phase::AwaitingProof => Some(
                self.accepted_at
                    .saturating_add(self.policy.proof_timeout_ms),
            ),
            Phase::VerifyingTransaction => self.chain.as_ref().and_then(ChainCheck::timeout),
            Phase::Running => earliest(self.next_update, self.next_limit),
            Phase::Suspended => earliest(
                Some(
                    self.suspended_at
                        .saturating_add(self.policy.resume_grace_ms),
                ),
                self.next_limit,
            ),
            _ => None,
        }
    }

    /// The statement, once the session has ended (rejected or metered to its end); its
    /// settlement and refund may still be awaited (`finished: false`).
    pub fn statement(&self) -> Option<Statement> {
        let ending = match (
            self.rejected,
            self.meter.as_ref().and_then(TariffMeter::end),
        ) {
            (Some((reason, at_ms)), _) => Ending::Rejected { reason, at_ms },
            (None, Some(end)) => Ending::Ended(end),
            (None, None) => return None,
        };
        let paid = self.paid.as_ref();
        Some(Statement {
            session_id: self.id,
            ending,
            plan: paid.map(|p| p.plan),
            offer_index: paid.filter(|p| p.onchain.is_none()).map(|p| p.offer_index),
            payer: paid.map(|p| p.payer),
            paid: paid.map_or(U256::ZERO, |p| p.amount),
            consumed: self
                .meter
                .as_ref()
                .map_or(U256::ZERO, TariffMeter::consumed),
            settlement: self.settlement,
            refund: self.refund,
            finished: self.phase == Phase::Finished,
        })
    }

    /// Where the session is.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// How many inputs were accepted (not the record's generation:
    /// [`SessionMachine::record_generation`]).
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// The session id.
    pub fn id(&self) -> [u8; 16] {
        self.id
    }

    /// The wire `sessionId`: the id's 32 lowercase hex digits, written into `out`.
    ///
    /// ```
    /// # use pay402::U256;
    /// # use pay402::ws402::{Session, SessionPolicy, Tariff};
    /// # use pay402::x402::server::{OfferSet, Resource};
    /// # let offers = OfferSet::<1>::new();
    /// # let resource = Resource { url: "wss://example.com", description: "", mime_type: None };
    /// # let policy = SessionPolicy::new(Tariff::per_second(U256::ONE), 60);
    /// let session = Session::accept(&offers, resource, policy, [0xa5; 16], 0);
    /// assert_eq!(session.session_id(&mut [0; 32]), "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5");
    /// ```
    pub fn session_id<'h>(&self, out: &'h mut [u8; 32]) -> &'h str {
        hex_id(&self.id, out)
    }

    /// The meter, once the session started.
    pub fn meter(&self) -> Option<&TariffMeter> {
        self.meter.as_ref()
    }

    /// The verified payer, once a payment was admitted.
    pub fn payer(&self) -> Option<Payer> {
        self.paid.map(|p| p.payer)
    }

    /// The plan, once a payment was admitted.
    pub fn plan(&self) -> Option<Plan> {
        self.paid.map(|p| p.plan)
    }

    // --- phases -----------------------------------------------------------------------------

    fn awaiting_proof<const N: usize>(
        &mut self,
        offers: &OfferSet<'_, N>,
        now: u64,
        input: Input<'_>,
    ) -> Result<(), SessionError> {
        let expired = now
            >= self
                .accepted_at
                .saturating_add(self.policy.proof_timeout_ms);
        match input {
            Input::Text(_) | Input::Binary(_) | Input::Timer if expired => {
                self.reject(now, reason::PROOF_TIMEOUT, CLOSE_POLICY_VIOLATION);
            }
            Input::Timer => {}
            Input::Text(frame) if self.keys.is_some() && is_resume_session(frame) => {
                self.resume_request(now, frame);
            }
            Input::Text(frame) if self.is_chain_proof(frame) => self.chain_proof(now, frame),
            Input::Text(frame) => match self.admit_proof(offers, now, frame) {
                Ok(paid) => {
                    self.paid = Some(paid);
                    self.phase = Phase::Reserving;
                    self.push(Queued::Reserve);
                }
                Err((code, close)) => self.reject(now, code, close),
            },
            Input::Binary(_) => self.reject(now, reason::PROOF_EXPECTED, CLOSE_POLICY_VIOLATION),
            Input::Closed { .. } => {
                self.socket_open = false;
                self.reject(now, reason::CONNECTION_CLOSED, CLOSE_NORMAL);
            }
            Input::AppEnded { .. } | Input::AppSend { .. } | Input::HttpServe { .. } => {
                return Err(SessionError::NotStarted);
            }
            Input::Reserved(_)
            | Input::Settled(_)
            | Input::Refunded(_)
            | Input::Persisted(_)
            | Input::Loaded(_)
            | Input::RpcResponse(_) => {
                return Err(SessionError::OutOfOrder);
            }
        }
        Ok(())
    }

    fn reserving(&mut self, now: u64, input: Input<'_>) -> Result<(), SessionError> {
        match input {
            Input::Reserved(Reservation::Fresh) => {
                let Some(paid) = self.paid else {
                    return Err(SessionError::OutOfOrder);
                };
                if let Some(hash) = paid.onchain {
                    // The money is on chain already: nothing to settle, the key stays held.
                    self.settlement = Some(Settlement {
                        amount: paid.amount,
                        status: SettleStatus::Settled,
                    });
                    self.settle_tx = Some(hash);
                    self.start(now, &paid);
                    if !self.socket_open {
                        // The client left meanwhile: it consumed nothing, all is refunded.
                        self.meter_event(now, SessionEvent::ClientClose);
                    }
                } else if !self.socket_open {
                    self.push(Queued::Release);
                    self.reject(now, reason::CONNECTION_CLOSED, CLOSE_NORMAL);
                } else if paid.plan == Plan::Exact {
                    self.settlement = Some(Settlement {
                        amount: paid.amount,
                        status: SettleStatus::Requested,
                    });
                    self.phase = Phase::SettlingPrepayment;
                    self.push(Queued::Settle(paid.amount, None));
                } else {
                    self.start(now, &paid);
                }
            }
            Input::Reserved(Reservation::AlreadyUsed) => {
                self.reject(now, reason::ALREADY_USED, CLOSE_POLICY_VIOLATION);
            }
            Input::Reserved(Reservation::Unavailable) => {
                self.reject(now, reason::REPLAY_STORE_UNAVAILABLE, CLOSE_INTERNAL_ERROR);
            }
            other => self.before_start(other)?,
        }
        Ok(())
    }

    fn settling_prepayment(&mut self, now: u64, input: Input<'_>) -> Result<(), SessionError> {
        let Input::Settled(outcome) = input else {
            return self.before_start(input);
        };
        let (Some(paid), Some(settlement)) = (self.paid, self.settlement.as_mut()) else {
            return Err(SessionError::OutOfOrder);
        };
        let status = status_of(&outcome);
        settlement.status = status;
        match status {
            SettleStatus::Settled => {
                self.start(now, &paid);
                if !self.socket_open {
                    // The client left while the prepayment settled: it consumed nothing.
                    self.meter_event(now, SessionEvent::ClientClose);
                }
            }
            SettleStatus::Refused => {
                self.push(Queued::Release);
                self.reject(now, reason::SETTLEMENT_REFUSED, CLOSE_POLICY_VIOLATION);
            }
            _ => self.reject(now, reason::SETTLEMENT_PENDING, CLOSE_INTERNAL_ERROR),
        }
        Ok(())
    }

    /// Reserving or settling the prepayment: only the awaited answer moves on.
    fn before_start(&mut self, input: Input<'_>) -> Result<(), SessionError> {
        match input {
            Input::Closed { .. } => self.socket_open = false,
            Input::Timer => {}
            Input::Text(_)
            | Input::Binary(_)
            | Input::AppEnded { .. }
            | Input::AppSend { .. }
            | Input::HttpServe { .. } => {
                return Err(SessionError::NotStarted);
            }
            Input::Reserved(_)
            | Input::Settled(_)
            | Input::Refunded(_)
            | Input::Persisted(_)
            | Input::Loaded(_)
            | Input::RpcResponse(_) => {
                return Err(SessionError::OutOfOrder);
            }
        }
        Ok(())
    }

    fn running(&mut self, now: u64, input: Input<'_>) -> Result<(), SessionError> {
        match input {
            Input::Text(frame) if is_end_session(frame) => {
                self.meter_event(now, SessionEvent::ClientClose);
            }
            Input::Text(frame) | Input::Binary(frame) => {
                let bytes = u64::try_from(frame.len()).unwrap_or(u64::MAX);
                if self.meter_event(now, SessionEvent::BytesIn(bytes))
                    && self.meter_event(now, SessionEvent::Message(1))
                {
                    self.push(Queued::Deliver);
                }
            }
            Input::Timer => {
                if self.meter_event(now, SessionEvent::Tick) && self.maybe_usage_update(now) {
                    self.checkpoint(now);
                }
            }
            Input::Closed { code } => {
                self.socket_open = false;
                if matches!(code, None | Some(1006)) {
                    self.dropped(now);
                } else {
                    self.meter_event(now, SessionEvent::ClientClose);
                }
            }
            Input::AppEnded { error } => {
                let event = if error {
                    SessionEvent::ServerError
                } else {
                    SessionEvent::ServerClose
                };
                self.meter_event(now, event);
            }
            Input::AppSend { bytes } => {
                let Some(meter) = self.meter.as_mut() else {
                    return Err(SessionError::OutOfOrder);
                };
                match meter.may_send(now, bytes, 1) {
                    Ok(SessionOutcome::Running { .. }) => {
                        self.push(Queued::SendApp);
                        if self.meter_event(now, SessionEvent::BytesOut(bytes)) {
                            self.meter_event(now, SessionEvent::Message(1));
                        }
                    }
                    Ok(SessionOutcome::Ended(end)) => self.end(end),
                    Ok(SessionOutcome::AlreadyEnded(_)) | Err(_) => {
                        return Err(SessionError::OutOfOrder);
                    }
                }
            }
            Input::HttpServe { bytes } => self.http_serve(now, bytes)?,
            Input::Reserved(_)
            | Input::Settled(_)
            | Input::Refunded(_)
            | Input::Persisted(_)
            | Input::Loaded(_)
            | Input::RpcResponse(_) => {
                return Err(SessionError::OutOfOrder);
            }
        }
        Ok(())
    }

    fn suspended(&mut self, now: u64, input: Input<'_>) -> Result<(), SessionError> {
        match input {
            Input::Timer => {
                let grace_end = self
                    .suspended_at
                    .saturating_add(self.policy.resume_grace_ms);
                let event = if now >= grace_end {
                    SessionEvent::GraceExpired
                } else {
                    SessionEvent::Tick
                };
                self.meter_event(now, event);
            }
            Input::Closed { .. } => {}
            Input::AppEnded { error } => {
                let event = if error {
                    SessionEvent::ServerError
                } else {
                    SessionEvent::ServerClose
                };
                self.meter_event(now, event);
            }
            Input::Text(_) | Input::Binary(_) | Input::AppSend { .. } | Input::HttpServe { .. } => {
                return Err(SessionError::Suspended);
            }
            Input::Reserved(_)
            | Input::Settled(_)
            | Input::Refunded(_)
            | Input::Persisted(_)
            | Input::Loaded(_)
            | Input::RpcResponse(_) => {
                return Err(SessionError::OutOfOrder);
            }
        }
        Ok(())
    }

    /// Settling the charge, refunding, finished: the end is decided; only the awaited answer
    /// counts, terminal inputs are no-ops.
    fn after(&mut self, input: Input<'_>) -> Result<(), SessionError> {
        match (self.phase, input) {
            (_, Input::Closed { .. }) => self.socket_open = false,
            (_, Input::Timer | Input::AppEnded { .. }) => {}
            (
                _,
                Input::Text(_) | Input::Binary(_) | Input::AppSend { .. } | Input::HttpServe { .. },
            ) => {
                return Err(SessionError::Ended);
            }
            (Phase::Finished, Input::RpcResponse(_))
                if self.chain.as_ref().is_some_and(ChainCheck::asking) =>
            {
                // The answer to a call made before the client left: nothing depends on it.
                if let Some(check) = self.chain.as_mut() {
                    check.ignore_answer();
                }
            }
            (Phase::SettlingCharge, Input::Settled(outcome)) => {
                let Some(settlement) = self.settlement.as_mut() else {
                    return Err(SessionError::OutOfOrder);
                };
                if self.deferred.is_some() {
                    return Err(SessionError::OutOfOrder);
                }
                settlement.status = status_of(&outcome);
                self.settle_tx = tx_of(&outcome);
                self.finish();
            }
            (Phase::Refunding, Input::Refunded(outcome)) => {
                if self.deferred.is_some() {
                    return Err(SessionError::OutOfOrder);
                }
                let Some(refund) = self.refund.as_mut() else {
                    return Err(SessionError::OutOfOrder);
                };
                refund.status = match outcome {
                    RefundOutcome::Confirmed => RefundStatus::Confirmed,
                    RefundOutcome::Pending => RefundStatus::Pending,
                    RefundOutcome::Failed => RefundStatus::Failed,
                };
                self.finish();
            }
            (
                _,
                Input::Reserved(_)
                | Input::Settled(_)
                | Input::Refunded(_)
                | Input::Persisted(_)
                | Input::Loaded(_)
                | Input::RpcResponse(_),
            ) => {
                return Err(SessionError::OutOfOrder);
            }
        }
        Ok(())
    }

    // --- decisions --------------------------------------------------------------------------

    /// Admits the `payment_proof` in `frame`: the admission's facts, or the rejection's code and
    /// close code.
    fn admit_proof<const N: usize>(
        &mut self,
        offers: &OfferSet<'_, N>,
        now: u64,
        frame: &[u8],
    ) -> Result<Paid, (&'static str, u16)> {
        let expected = (reason::PROOF_EXPECTED, CLOSE_POLICY_VIOLATION);
        let Ok(Message::PaymentProof(proof)) = Message::decode(frame) else {
            return Err(expected);
        };
        let PaymentProof::X402(text) = proof else {
            return Err((reason::LEGACY_PROOF, CLOSE_POLICY_VIOLATION));
        };
        let len = text
            .unescape_into(&mut self.proof)
            .map_err(|_| (reason::PROOF_TOO_LARGE, CLOSE_POLICY_VIOLATION))?
            .len();
        self.proof_len = len;
        let value = self.proof.get(..len).unwrap_or_default();
        let mut scratch = [0u8; ADMISSION_SCRATCH];
        // The header name follows the payment's own version; an undecodable payment is refused
        // by admission with its own code.
        let name = match PaymentPayload::from_header(value, &mut scratch).map(|p| p.version()) {
            Ok(X402Version::V1) => header::X_PAYMENT,
            _ => header::PAYMENT_SIGNATURE,
        };
        let now_s = now / 1000;
        let admission = admit(
            offers,
            name,
            value,
            now_s,
            &self.policy.verifier,
            &mut scratch,
        )
        .map_err(|r| {
            let close = if r.status == 402 {
                CLOSE_POLICY_VIOLATION
            } else {
                CLOSE_INTERNAL_ERROR
            };
            (r.code, close)
        })?;
        let offer = offers.get(admission.offer_index);
        let plan = match offer.map(|o| o.offer().scheme) {
            Some(OfferScheme::UptoPermit2 { .. }) => Plan::Upto,
            Some(_) => Plan::Exact,
            None => return Err((reason::PROOF_EXPECTED, CLOSE_INTERNAL_ERROR)),
        };
        let network = offer
            .map(PreparedOffer::network)
            .ok_or((reason::PROOF_EXPECTED, CLOSE_INTERNAL_ERROR))?;
        let asset = offer
            .and_then(|o| Address::parse(o.offer().asset.as_bytes()).ok())
            .map(RefundAsset::Token);
        let (payer, verified_amount, valid_before) = match admission.verified {
            AnyVerified::Evm(v) => (
                Payer::Evm(v.payer),
                v.amount,
                v.valid_before.to_u64().unwrap_or(u64::MAX),
            ),
            #[cfg(feature = "svm")]
            AnyVerified::Svm(v) => (Payer::Solana(v.payer.0), U256::from_u64(v.amount), u64::MAX),
        };
        let amount = match plan {
            Plan::Exact => verified_amount,
            Plan::Upto => admission.max_amount,
        };
        if amount.is_zero() {
            return Err((reason::PREPAYMENT_TOO_SMALL, CLOSE_POLICY_VIOLATION));
        }
        let deadline_ms = match plan {
            Plan::Exact => None,
            Plan::Upto => {
                let p = &self.policy;
                let needed = now_s.saturating_add(p.upto_validity_s());
                if valid_before < needed {
                    return Err((reason::AUTHORIZATION_TOO_SHORT, CLOSE_POLICY_VIOLATION));
                }
                Some(
                    valid_before
                        .saturating_sub(p.settle_margin_s)
                        .saturating_mul(1000),
                )
            }
        };
        let mut key = [0u8; 80];
        let (replay_key, replay_key_len) = widen_key(admission.replay.key.write_bytes(&mut key));
        Ok(Paid {
            offer_index: admission.offer_index,
            version: admission.version,
            replay_key,
            replay_key_len,
            replay_ttl: admission.replay.ttl,
            max_amount: admission.max_amount,
            plan,
            payer,
            amount,
            network,
            asset,
            onchain: None,
            deadline_ms,
        })
    }

    /// `true` when `frame` is a `payment_proof` with an object `proof` (the seed's form) and
    /// on-chain proofs are accepted.
    fn is_chain_proof(&self, frame: &[u8]) -> bool {
        self.policy.chain_proof.is_some()
            && matches!(
                Message::decode(frame),
                Ok(Message::PaymentProof(PaymentProof::Legacy(_)))
            )
    }

    /// An on-chain proof: its `txHash` (nothing else of it is read) starts the RPC checks,
    /// retried until the proof's arrival plus the proof timeout.
    fn chain_proof(&mut self, now: u64, frame: &[u8]) {
        let hash = match Message::decode(frame) {
            Ok(Message::PaymentProof(PaymentProof::Legacy(proof))) => proof_tx_hash(&proof),
            _ => None,
        };
        let Some(hash) = hash else {
            return self.reject(
                now,
                reason::INVALID_TRANSACTION_HASH,
                CLOSE_POLICY_VIOLATION,
            );
        };
        let deadline = now.saturating_add(self.policy.proof_timeout_ms);
        self.chain = Some(ChainCheck::new(hash, deadline));
        self.phase = Phase::VerifyingTransaction;
        self.push(Queued::Rpc);
    }

    fn verifying(&mut self, now: u64, input: Input<'_>) -> Result<(), SessionError> {
        let (Some(mut check), Some(terms)) = (self.chain, self.policy.chain_proof) else {
            return Err(SessionError::OutOfOrder);
        };
        let progress = match input {
            Input::RpcResponse(body) if check.asking() => check.answer(&terms, now, body),
            Input::Timer => match check.timer(now) {
                Some(p) => p,
                None => return Ok(()),
            },
            Input::Closed { .. } => {
                // Nothing is reserved yet: the session ends now; an RPC answer still under way
                // is taken and ignored ([`Self::after`]).
                self.socket_open = false;
                self.reject(now, reason::CONNECTION_CLOSED, CLOSE_NORMAL);
                return Ok(());
            }
            Input::Text(_) | Input::Binary(_) | Input::AppEnded { .. } | Input::AppSend { .. } => {
                return Err(SessionError::NotStarted);
            }
            _ => return Err(SessionError::OutOfOrder),
        };
        self.chain = Some(check);
        if !self.socket_open {
            self.reject(now, reason::CONNECTION_CLOSED, CLOSE_NORMAL);
            return Ok(());
        }
        match progress {
            Progress::Ask => self.push(Queued::Rpc),
            Progress::Wait(_) => {}
            Progress::Accepted(accepted) => match self.chain_paid(&terms, &accepted) {
                Some(paid) => {
                    self.paid = Some(paid);
                    self.phase = Phase::Reserving;
                    self.push(Queued::Reserve);
                }
                None => self.reject(now, reason::PREPAYMENT_TOO_SMALL, CLOSE_POLICY_VIOLATION),
            },
            Progress::Refused(e) => self.reject(now, e.code(), CLOSE_POLICY_VIOLATION),
            Progress::RpcFailed => self.reject(now, reason::RPC_UNAVAILABLE, CLOSE_INTERNAL_ERROR),
        }
        Ok(())
    }

    /// The facts of an accepted on-chain prepayment: the amount received, the payer the
    /// transaction shows, the transaction as the replay key. `None` for an amount of 0.
    fn chain_paid(&self, terms: &ChainProofTerms, accepted: &Accepted) -> Option<Paid> {
        let onchain::Payer::Evm(payer) = accepted.payer else {
            return None;
        };
        if accepted.amount.is_zero() {
            return None;
        }
        let TxId::Evm { hash, .. } = accepted.tx else {
            return None;
        };
        let mut replay_key = [0u8; onchain::MAX_KEY_LEN];
        let replay_key_len = write_all(&mut replay_key, |w| accepted.tx.write_key(w)).ok()?;
        Some(Paid {
            offer_index: 0,
            version: X402Version::V2,
            replay_key,
            replay_key_len,
            replay_ttl: self.chain_replay_ttl(terms),
            max_amount: accepted.amount,
            plan: Plan::Exact,
            payer: Payer::Evm(payer),
            amount: accepted.amount,
            network: terms.network(),
            asset: Some(terms.refund_asset()),
            onchain: Some(hash),
            deadline_ms: None,
        })
    }

    /// Seconds a transaction's replay key is kept: as long as the transaction could be
    /// accepted again (its maximum age and the proof's retries), plus
    /// [`RECORD_TTL_SLACK_S`] for clock skew between the chain and the host.
    fn chain_replay_ttl(&self, terms: &ChainProofTerms) -> u64 {
        terms
            .max_age_secs
            .saturating_add(self.policy.proof_timeout_ms.div_ceil(1000))
            .saturating_add(RECORD_TTL_SLACK_S)
    }

    /// Starts metering at `now` and announces it.
    fn start(&mut self, now: u64, paid: &Paid) {
        let config = TariffConfig {
            tariff: self.policy.tariff,
            paid: paid.amount,
            max_session_seconds: self.policy.max_session_seconds,
            deadline_ms: paid.deadline_ms,
        };
        self.meter = Some(TariffMeter::start(config, now));
        self.next_update = match self.policy.update_interval_ms {
            0 => None,
            i => Some(now.saturating_add(i)),
        };
        self.phase = Phase::Running;
        self.checkpoint(now);
        if self.socket_open {
            self.push(Queued::Started);
        }
    }

    /// [`Input::HttpServe`] while running: the meter charges the response or refuses it
    /// ([`TariffMeter::serve_http`]); a refusal changes nothing.
    fn http_serve(&mut self, now: u64, bytes: u64) -> Result<(), SessionError> {
        let Some(meter) = self.meter.as_mut() else {
            return Err(SessionError::OutOfOrder);
        };
        match meter.serve_http(now, bytes) {
            Ok(SessionOutcome::Running { .. }) => self.push(Queued::ServeHttp),
            Ok(SessionOutcome::Ended(end)) => {
                // The response took the last of the balance: it is served, then the session ends.
                self.push(Queued::ServeHttp);
                self.end(end);
            }
            Err(Ws402Error::BalanceInsufficient) => return Err(SessionError::BalanceInsufficient),
            Err(Ws402Error::SessionSuspended) => return Err(SessionError::Suspended),
            Ok(SessionOutcome::AlreadyEnded(_)) | Err(_) => return Err(SessionError::Ended),
        }
        Ok(())
    }

    /// Reports `event` to the meter; ends the session when the meter says so. `true` while it
    /// runs (or stays suspended).
    fn meter_event(&mut self, now: u64, event: SessionEvent) -> bool {
        let Some(meter) = self.meter.as_mut() else {
            return false;
        };
        match meter.on_event(now, event) {
            Ok(SessionOutcome::Running { .. }) => true,
            Ok(SessionOutcome::Ended(end)) => {
                self.end(end);
                false
            }
            Ok(SessionOutcome::AlreadyEnded(_)) | Err(_) => false,
        }
    }

    /// The connection dropped without a close frame: suspend, or end `connection_lost` now.
    fn dropped(&mut self, now: u64) {
        if !self.meter_event(now, SessionEvent::Suspend) {
            return;
        }
        if self.policy.resume_grace_ms == 0 {
            self.meter_event(now, SessionEvent::GraceExpired);
        } else {
            self.suspended_at = now;
            self.phase = Phase::Suspended;
            self.persist();
        }
    }

    /// Sends a `usage_update` when one is due and schedules the next; `true` when one was sent.
    fn maybe_usage_update(&mut self, now: u64) -> bool {
        let (Some(due), interval) = (self.next_update, self.policy.update_interval_ms) else {
            return false;
        };
        if now < due || interval == 0 {
            return false;
        }
        if let Some(reading) = self.reading() {
            self.push(Queued::Usage(reading));
        }
        // The first due time after `now`: a late timer sends one update, not a burst.
        let missed = (now - due) / interval;
        self.next_update =
            Some(due.saturating_add(missed.saturating_add(1).saturating_mul(interval)));
        true
    }

    fn reading(&self) -> Option<Reading> {
        let m = self.meter.as_ref()?;
        Some(Reading {
            elapsed_seconds: m.active_ms() / 1000,
            consumed: m.consumed(),
            remaining: m.remaining(),
            bytes: m.bytes_in().saturating_add(m.bytes_out()),
            messages: m.messages(),
        })
    }

    /// The meter ended the session: tell the client, then settle (`upto`) or refund (`exact`)
    /// once the ending record is written, then `session_ended` and the close.
    fn end(&mut self, end: SessionEnd) {
        if self.socket_open {
            if let Some(reading) = self.reading() {
                self.push(Queued::Usage(reading));
            }
            match end.reason {
                SessionEndReason::BalanceExhausted => self.push(Queued::BalanceExhausted),
                SessionEndReason::MaxDuration => self.push(Queued::MaxDuration),
                _ => {}
            }
            self.pending_close = Some(end.close_code.unwrap_or(CLOSE_NORMAL));
        }
        let Some(paid) = self.paid else {
            self.finish();
            return;
        };
        let next = match paid.plan {
            Plan::Upto if !end.consumed.is_zero() => {
                self.settlement = Some(Settlement {
                    amount: end.consumed,
                    status: SettleStatus::Requested,
                });
                self.phase = Phase::SettlingCharge;
                Deferred::Settle(end.consumed)
            }
            Plan::Exact if !end.refund.is_zero() => {
                let order = self.refund_order(&paid, end.refund);
                self.refund = Some(Refund {
                    order,
                    to: paid.payer,
                    amount: end.refund,
                    status: if order.is_some() {
                        RefundStatus::Requested
                    } else {
                        RefundStatus::Unsupported
                    },
                });
                let Some(order) = order else {
                    self.finish();
                    return;
                };
                self.phase = Phase::Refunding;
                Deferred::Refund(order)
            }
            _ => {
                self.finish();
                return;
            }
        };
        if self.keys.is_some() {
            // Recorded before it is sent: a restart asks for the same settle or refund again.
            self.deferred = Some(next);
            self.persist();
        } else {
            self.release_deferred(next);
        }
    }

    fn refund_order(&self, paid: &Paid, amount: U256) -> Option<RefundOrder> {
        match (paid.payer, paid.asset) {
            (Payer::Evm(to), Some(asset)) => {
                RefundOrder::for_session_in(self.id, paid.network, asset, to, amount).ok()
            }
            _ => None,
        }
    }

    fn release_deferred(&mut self, next: Deferred) {
        match next {
            Deferred::Settle(amount) => self.push(Queued::Settle(amount, Some(amount))),
            Deferred::Refund(order) => self.push(Queued::Refund(order)),
            Deferred::Resumed => {
                self.phase = Phase::Running;
                if self.policy.update_interval_ms > 0 {
                    let now = self.meter.as_ref().map_or(0, TariffMeter::last_ms);
                    self.next_update = Some(now.saturating_add(self.policy.update_interval_ms));
                }
                self.push(Queued::Resumed);
            }
        }
    }

    /// Rejects the session before it started: `payment_rejected` and the close when the socket
    /// is open, then finished.
    fn reject(&mut self, now: u64, code: &'static str, close: u16) {
        if self.socket_open {
            self.push(Queued::Rejected(code));
            self.push(Queued::Close(close));
            self.socket_open = false;
        }
        self.rejected = Some((code, now));
        self.finish();
    }

    fn finish(&mut self) {
        self.phase = Phase::Finished;
        self.next_update = None;
        if self.socket_open
            && let Some(code) = self.pending_close.take()
        {
            self.push(Queued::Ended);
            self.push(Queued::Close(code));
            self.socket_open = false;
        }
        self.persist();
        self.push(Queued::Finished);
    }

    fn push(&mut self, command: Queued) {
        // `handle` starts on an empty queue and queues at most 5 commands: never full.
        let _ = self.queue.push_back(command);
    }

    // --- persistence, resumption, recovery ---------------------------------------------------

    /// A checkpoint: the running session's record is written at `now`.
    fn checkpoint(&mut self, now: u64) {
        if self.keys.is_some() {
            self.checkpoint_ms = now;
            self.persist();
        }
    }

    /// Queues the write of the record as it will be once this `handle` returns (with keys, once
    /// the session has a meter and an owner).
    fn persist(&mut self) {
        if self.keys.is_none() || self.meter.is_none() || self.phase == Phase::NotOwner {
            return;
        }
        let expect = (self.record_generation != 0).then_some(self.record_generation);
        self.record_generation = self.record_generation.wrapping_add(1).max(1);
        self.unacked = self.unacked.saturating_add(1);
        self.push(Queued::Persist {
            generation: self.record_generation,
            expect,
        });
    }

    /// The store's answer to the oldest unanswered write.
    fn persisted(&mut self, now: u64, ok: bool) -> Result<(), SessionError> {
        if self.unacked == 0 {
            return Err(SessionError::OutOfOrder);
        }
        self.unacked -= 1;
        if !ok {
            match self.phase {
                Phase::Resuming => self.refuse_resume(now, ResumeRefusal::SessionBusy),
                // The money is final already: a lost last write changes nothing.
                Phase::Finished | Phase::NotOwner => {}
                _ => self.disown(),
            }
            return Ok(());
        }
        if self.unacked == 0
            && let Some(next) = self.deferred.take()
        {
            self.release_deferred(next);
            if self.phase == Phase::Running && !self.socket_open {
                // The new socket closed while the takeover was written.
                self.dropped(now);
            }
        }
        Ok(())
    }

    /// Another process owns the session: close 1012 if the socket is open, stop.
    fn disown(&mut self) {
        if self.socket_open {
            self.push(Queued::Close(CLOSE_SERVICE_RESTART));
            self.socket_open = false;
        }
        self.phase = Phase::NotOwner;
        self.deferred = None;
        self.next_update = None;
        self.push(Queued::Abandoned);
    }

    /// A first frame `resume_session`: ask for the record.
    fn resume_request(&mut self, now: u64, frame: &[u8]) {
        let Ok(Message::ResumeSession {
            session_id,
            resume_token,
        }) = Message::decode(frame)
        else {
            return self.refuse_resume(now, ResumeRefusal::UnknownSession);
        };
        let mut hex = [0u8; 32];
        let id = match session_id.unescape_into(&mut hex) {
            Ok(h) if h.len() == 32 => parse_hex_id(h.as_bytes()),
            _ => None,
        };
        let Some(id) = id else {
            return self.refuse_resume(now, ResumeRefusal::UnknownSession);
        };
        let Ok(token) = resume_token.unescape_into(&mut self.resume_token) else {
            return self.refuse_resume(now, ResumeRefusal::TokenInvalid);
        };
        self.resume_token_len = token.len();
        self.resume_id = id;
        self.phase = Phase::Loading;
        self.push(Queued::Load);
    }

    /// The record of a `resume_session`: open it, check the token and the phase, take the
    /// session over (the write decides when the record says running elsewhere).
    fn loaded<const N: usize>(&mut self, offers: &OfferSet<'_, N>, now: u64, bytes: Option<&[u8]>) {
        if !self.socket_open {
            return self.reject(now, reason::CONNECTION_CLOSED, CLOSE_NORMAL);
        }
        let Some(keys) = self.keys.as_ref() else {
            return self.refuse_resume(now, ResumeRefusal::Unsupported);
        };
        let Some(bytes) = bytes else {
            return self.refuse_resume(now, ResumeRefusal::UnknownSession);
        };
        let Ok(record) = SealedRecord::open(keys, bytes) else {
            return self.refuse_resume(now, ResumeRefusal::RecordInvalid);
        };
        if record.session_id != self.resume_id {
            return self.refuse_resume(now, ResumeRefusal::UnknownSession);
        }
        let Some(payer) = record.payer else {
            return self.refuse_resume(now, ResumeRefusal::RecordInvalid);
        };
        let token = core::str::from_utf8(
            self.resume_token
                .get(..self.resume_token_len)
                .unwrap_or_default(),
        )
        .unwrap_or_default();
        if keys
            .check_resume_token(&record.session_id, &payer, token)
            .is_err()
        {
            return self.refuse_resume(now, ResumeRefusal::TokenInvalid);
        }
        match record.phase {
            RecordPhase::Running => {}
            RecordPhase::Suspended => {
                let until = record
                    .meter
                    .state()
                    .suspended_at
                    .saturating_add(self.policy.resume_grace_ms);
                if now >= until {
                    return self.refuse_resume(now, ResumeRefusal::GraceExpired);
                }
            }
            _ => return self.refuse_resume(now, ResumeRefusal::SessionEnded),
        }
        if self.adopt(offers, &record).is_err() {
            return self.refuse_resume(now, ResumeRefusal::RecordInvalid);
        }
        if record.phase == RecordPhase::Running {
            // The old socket was not seen dropping: billing stops at the last checkpoint, in
            // the client's favour.
            let at = record.checkpoint_ms.max(record.meter.last_ms());
            if !self.meter_event(at, SessionEvent::Suspend) {
                // A limit passed before the checkpoint: ended there (the write decides).
                return;
            }
        }
        self.phase = Phase::Resuming;
        // A new holder: grants issued before the resume are revoked by it.
        self.grant_generation = self.grant_generation.wrapping_add(1);
        if self.meter_event(now, SessionEvent::Resume) {
            self.deferred = Some(Deferred::Resumed);
            self.checkpoint_ms = now;
            self.persist();
        }
    }

    /// Takes the state of a record opened under this machine's keys: its id, payment, meter,
    /// generation and refund. Fails when the record does not fit `offers`.
    fn adopt<const N: usize>(
        &mut self,
        offers: &OfferSet<'_, N>,
        record: &SealedRecord<'_>,
    ) -> Result<(), ()> {
        let paid = match record.chain_prepayment() {
            Some(chain) => self.chain_record(record, chain)?,
            None => self.x402_record(offers, record)?,
        };
        self.adopt_paid(record, &paid);
        Ok(())
    }

    /// The payment of an on-chain record: the server must accept proofs on the record's chain
    /// (the asset and the payer are the record's: what was paid).
    fn chain_record(&self, record: &SealedRecord<'_>, chain: ChainPrepayment) -> Result<Paid, ()> {
        let terms = self.policy.chain_proof.ok_or(())?;
        if terms.chain_id != chain.chain_id {
            return Err(());
        }
        let payer = record.payer.ok_or(())?;
        let mut replay_key = [0u8; onchain::MAX_KEY_LEN];
        let replay_key_len = chain.write_replay_key(&mut replay_key).len();
        let config = *record.meter.config();
        Ok(Paid {
            offer_index: 0,
            version: X402Version::V2,
            replay_key,
            replay_key_len,
            replay_ttl: self.chain_replay_ttl(&terms),
            max_amount: config.paid,
            plan: Plan::Exact,
            payer,
            amount: config.paid,
            network: terms.network(),
            asset: Some(super::chain_proof::refund_asset(chain.asset)),
            onchain: Some(chain.tx_hash),
            deadline_ms: None,
        })
    }

    /// The payment of an x402 record: its offer must be the server's offer at its index.
    fn x402_record<const N: usize>(
        &mut self,
        offers: &OfferSet<'_, N>,
        record: &SealedRecord<'_>,
    ) -> Result<Paid, ()> {
        let index = usize::from(record.offer_index);
        let offer = offers.get(index).ok_or(())?;
        if scheme_kind(&offer.offer().scheme) != Some(record.scheme) {
            return Err(());
        }
        let plan = match record.scheme {
            SchemeKind::UptoPermit2 => Plan::Upto,
            _ => Plan::Exact,
        };
        let version = match record.x402_version {
            1 => X402Version::V1,
            2 => X402Version::V2,
            _ => return Err(()),
        };
        let payer = record.payer.ok_or(())?;
        let header = record.payment_header;
        self.proof
            .get_mut(..header.len())
            .ok_or(())?
            .copy_from_slice(header);
        self.proof_len = header.len();
        let mut replay_key = [0u8; onchain::MAX_KEY_LEN];
        replay_key
            .get_mut(..record.replay_key.len())
            .ok_or(())?
            .copy_from_slice(record.replay_key);
        let config = *record.meter.config();
        Ok(Paid {
            offer_index: index,
            version,
            replay_key,
            replay_key_len: record.replay_key.len(),
            replay_ttl: 0,
            max_amount: config.paid,
            plan,
            payer,
            amount: config.paid,
            network: offer.network(),
            asset: Address::parse(offer.offer().asset.as_bytes())
                .ok()
                .map(RefundAsset::Token),
            onchain: None,
            deadline_ms: config.deadline_ms,
        })
    }

    /// Takes the record's state with its payment `paid`.
    fn adopt_paid(&mut self, record: &SealedRecord<'_>, paid: &Paid) {
        let config = *record.meter.config();
        let (plan, payer) = (paid.plan, paid.payer);
        self.id = record.session_id;
        self.settle_tx = paid.onchain;
        self.paid = Some(*paid);
        self.meter = Some(record.meter);
        self.record_generation = record.generation;
        self.grant_generation = record.grant_generation;
        self.checkpoint_ms = record.checkpoint_ms;
        self.suspended_at = record.meter.state().suspended_at;
        self.settlement = match (plan, record.meter.end()) {
            (Plan::Exact, _) => Some(Settlement {
                amount: config.paid,
                status: SettleStatus::Settled,
            }),
            (Plan::Upto, Some(end)) if !end.consumed.is_zero() => Some(Settlement {
                amount: end.consumed,
                status: if record.phase == RecordPhase::Done {
                    SettleStatus::Settled
                } else {
                    SettleStatus::Requested
                },
            }),
            (Plan::Upto, _) => None,
        };
        let r = record.refund;
        self.refund = match r.state {
            RefundState::None | RefundState::NotNeeded => None,
            state => {
                let order = self.refund_order(paid, r.amount);
                Some(Refund {
                    order,
                    to: payer,
                    amount: r.amount,
                    status: match state {
                        RefundState::Planned => RefundStatus::Requested,
                        RefundState::Signed => RefundStatus::Pending,
                        RefundState::Confirmed => RefundStatus::Confirmed,
                        _ if order.is_none() => RefundStatus::Unsupported,
                        _ => RefundStatus::Failed,
                    },
                })
            }
        };
    }

    /// `resume_refused {reason}` and close 1008: this machine never owned the session.
    fn refuse_resume(&mut self, now: u64, refusal: ResumeRefusal) {
        self.paid = None;
        self.meter = None;
        self.settlement = None;
        self.refund = None;
        self.deferred = None;
        self.record_generation = 0;
        if self.socket_open {
            self.push(Queued::ResumeRefused(refusal.code()));
            self.push(Queued::Close(CLOSE_POLICY_VIOLATION));
            self.socket_open = false;
        }
        self.rejected = Some((refusal.code(), now));
        self.finish();
    }

    /// A machine for a stored record after a restart (no socket), and what it decided: see
    /// [`Recovery`]. `offers` and `policy` must be the server's (the record names its offer by
    /// index). Every path acts only after a record write whose compare-and-swap wins: when two
    /// processes recover the same session, one continues and the other gets
    /// [`Command::Abandoned`].
    ///
    /// # Errors
    /// The record's: `record_tampered`, `invalid_record_length`, `unsupported_record_version`,
    /// `inconsistent_record` (also a record that does not fit `offers`, or an on-chain record
    /// under a policy without chain proofs on its chain).
    pub fn recover<const N: usize>(
        offers: &OfferSet<'_, N>,
        policy: SessionPolicy<'p>,
        keys: SessionKeys,
        record: &[u8],
        now_ms: u64,
    ) -> Result<(Self, Recovery), Ws402Error> {
        let opened = SealedRecord::open(&keys, record)?;
        let mut m = Self::accept(policy, opened.session_id, now_ms).with_keys(keys);
        m.socket_open = false;
        m.adopt(offers, &opened)
            .map_err(|()| Ws402Error::RecordInconsistent)?;
        let grace = m.policy.resume_grace_ms;
        let recovery = match opened.phase {
            RecordPhase::Running => {
                let lease = match m.policy.lease_ms {
                    0 => m.policy.update_interval_ms.saturating_mul(2),
                    l => l,
                };
                let retry_at_ms = opened.checkpoint_ms.saturating_add(lease);
                if now_ms < retry_at_ms {
                    m.phase = Phase::NotOwner;
                    return Ok((m, Recovery::StillOwned { retry_at_ms }));
                }
                // An orphan: suspended at its last checkpoint (at most one interval unbilled).
                let at = opened.checkpoint_ms.max(opened.meter.last_ms());
                m.phase = Phase::Running;
                if !m.meter_event(at, SessionEvent::Suspend) {
                    return Ok((m, Recovery::End));
                }
                m.suspended_at = at;
                let until_ms = at.saturating_add(grace);
                if grace > 0 && now_ms < until_ms {
                    m.phase = Phase::Suspended;
                    m.persist();
                    Recovery::AwaitResume { until_ms }
                } else {
                    m.meter_event(now_ms, SessionEvent::GraceExpired);
                    Recovery::End
                }
            }
            RecordPhase::Suspended => {
                let until_ms = m.suspended_at.saturating_add(grace);
                m.phase = Phase::Suspended;
                if now_ms < until_ms {
                    m.persist();
                    Recovery::AwaitResume { until_ms }
                } else {
                    m.meter_event(now_ms, SessionEvent::GraceExpired);
                    Recovery::End
                }
            }
            RecordPhase::Settling | RecordPhase::Refunding => {
                let next = match (m.settlement, m.refund.and_then(|r| r.order)) {
                    (Some(s), _)
                        if opened.phase == RecordPhase::Settling
                            && m.plan() == Some(Plan::Upto) =>
                    {
                        m.phase = Phase::SettlingCharge;
                        Deferred::Settle(s.amount)
                    }
                    (_, Some(order)) => {
                        m.phase = Phase::Refunding;
                        Deferred::Refund(order)
                    }
                    _ => {
                        m.finish();
                        return Ok((m, Recovery::Continue));
                    }
                };
                m.deferred = Some(next);
                m.persist();
                Recovery::Continue
            }
            RecordPhase::Done => {
                m.phase = Phase::Finished;
                Recovery::Done
            }
        };
        Ok((m, recovery))
    }

    /// The sealed record of the session as it is now, into `out`.
    fn write_record<const N: usize>(
        &self,
        offers: &OfferSet<'_, N>,
        generation: u32,
        out: &mut [u8],
    ) -> Result<usize, SessionError> {
        let (Some(keys), Some(paid), Some(meter)) = (self.keys.as_ref(), self.paid, self.meter)
        else {
            return Err(SessionError::OutOfOrder);
        };
        let chain = self.chain_prepayment();
        let scheme = match chain {
            Some(_) => SchemeKind::EvmTransaction,
            None => offers
                .get(paid.offer_index)
                .and_then(|o| scheme_kind(&o.offer().scheme))
                .ok_or(SessionError::OutOfOrder)?,
        };
        let mut chain_key = [0u8; onchain::MAX_KEY_LEN];
        let mut chain_asset = [0u8; CHAIN_ASSET_TEXT_LEN];
        let (replay_key, payment_header, x402_version, offer_index) = match chain {
            Some(c) => (
                c.write_replay_key(&mut chain_key),
                c.write_asset(&mut chain_asset),
                0,
                0,
            ),
            None => (
                paid.replay_key
                    .get(..paid.replay_key_len)
                    .unwrap_or_default(),
                self.proof.get(..self.proof_len).unwrap_or_default(),
                u8::try_from(paid.version.number()).unwrap_or(0),
                u8::try_from(paid.offer_index).map_err(|_| SessionError::OutOfOrder)?,
            ),
        };
        let phase = match self.phase {
            Phase::Suspended => RecordPhase::Suspended,
            Phase::SettlingCharge => RecordPhase::Settling,
            Phase::Refunding => RecordPhase::Refunding,
            Phase::Finished => RecordPhase::Done,
            _ if meter.is_suspended() => RecordPhase::Suspended,
            _ => RecordPhase::Running,
        };
        let refund = match self.refund {
            None => RecordedRefund::NONE,
            Some(r) => RecordedRefund {
                state: match r.status {
                    RefundStatus::Requested => RefundState::Planned,
                    RefundStatus::Pending => RefundState::Signed,
                    RefundStatus::Confirmed => RefundState::Confirmed,
                    RefundStatus::Failed | RefundStatus::Unsupported => RefundState::Failed,
                },
                amount: r.amount,
                tx_hash: [0; 32],
            },
        };
        let record = SealedRecord {
            session_id: self.id,
            generation,
            phase,
            scheme,
            x402_version,
            offer_index,
            meter,
            checkpoint_ms: self.checkpoint_ms,
            payer: Some(paid.payer),
            replay_key,
            payment_header,
            refund,
            grant_generation: self.grant_generation,
        };
        record.seal(keys, out).map_err(|e| match e {
            Ws402Error::BufferTooSmall => SessionError::BufferTooSmall,
            _ => SessionError::OutOfOrder,
        })
    }

    /// The on-chain prepayment of the session, as its record states it.
    fn chain_prepayment(&self) -> Option<ChainPrepayment> {
        let paid = self.paid?;
        let tx_hash = paid.onchain?;
        Some(ChainPrepayment {
            chain_id: paid.network.chain_id()?,
            tx_hash,
            asset: match paid.asset? {
                RefundAsset::Token(token) => EvmAsset::Token(token),
                RefundAsset::Native => EvmAsset::Native,
            },
        })
    }

    /// Seconds a record write is kept: the longest session, its grace, the settle margin and
    /// [`RECORD_TTL_SLACK_S`].
    fn record_ttl_s(&self) -> u64 {
        let p = &self.policy;
        p.max_session_seconds
            .saturating_add(p.resume_grace_ms.div_ceil(1000))
            .saturating_add(p.settle_margin_s)
            .saturating_add(RECORD_TTL_SLACK_S)
    }

    // --- output -----------------------------------------------------------------------------

    fn render<'b, const N: usize>(
        &self,
        offers: &OfferSet<'_, N>,
        resource: &Resource<'_>,
        next: Queued,
        out: &'b mut [u8],
    ) -> Result<Command<'b>, SessionError> {
        let mut id_hex = [0u8; 32];
        let session_id = hex_id(&self.id, &mut id_hex);
        let paid = self.paid;
        let balance = paid.map_or(U256::ZERO, |p| p.amount);
        let token = match (&self.keys, paid) {
            (Some(keys), Some(p)) => Some(keys.resume_token(&self.id, &p.payer)),
            _ => None,
        };
        let message = match next {
            Queued::Rejected(code) => Message::PaymentRejected {
                reason: JsonStr::from(code),
            },
            Queued::Started => Message::SessionStarted {
                resume_token: token.as_ref().map(|t| JsonStr::from(t.as_str())),
                session_id: JsonStr::from(session_id),
                balance,
                price_per_second: self.policy.tariff.per_second,
            },
            Queued::Usage(r) => Message::UsageUpdate(UsageUpdate {
                session_id: JsonStr::from(session_id),
                elapsed_seconds: r.elapsed_seconds,
                consumed: r.consumed,
                remaining: r.remaining,
                bytes_transferred: r.bytes,
                message_count: r.messages,
            }),
            Queued::BalanceExhausted => Message::BalanceExhausted {
                message: Some(JsonStr::from("balance exhausted")),
            },
            Queued::MaxDuration => Message::MaxDurationReached {
                message: Some(JsonStr::from("maximum session duration reached")),
            },
            Queued::ResumeRefused(code) => Message::ResumeRefused {
                reason: JsonStr::from(code),
            },
            Queued::Resumed => {
                let m = self.meter.as_ref().ok_or(SessionError::OutOfOrder)?;
                Message::SessionResumed {
                    session_id: JsonStr::from(session_id),
                    balance,
                    consumed: m.consumed(),
                    remaining: m.remaining(),
                }
            }
            Queued::Ended => {
                let n = self.write_session_ended(session_id, out)?;
                let text = out
                    .get(..n)
                    .and_then(|b| core::str::from_utf8(b).ok())
                    .ok_or(SessionError::BufferTooSmall)?;
                return Ok(Command::Send(text));
            }
            Queued::Persist { .. } | Queued::Load | Queued::Abandoned | Queued::Rpc => {
                return self.render_store(offers, next, out);
            }
            Queued::SendApp => return Ok(Command::SendAppFrame),
            Queued::ServeHttp => return Ok(Command::ServeHttp),
            Queued::Deliver => return Ok(Command::DeliverToApp),
            Queued::Close(code) => return Ok(Command::Close { code }),
            Queued::Refund(order) => return Ok(Command::Refund(order)),
            Queued::Finished => {
                return self
                    .statement()
                    .map(Command::Finished)
                    .ok_or(SessionError::OutOfOrder);
            }
            Queued::Reserve | Queued::Release => {
                let paid = paid.ok_or(SessionError::OutOfOrder)?;
                let key = paid
                    .replay_key
                    .get(..paid.replay_key_len)
                    .unwrap_or_default();
                let slot = out
                    .get_mut(..key.len())
                    .ok_or(SessionError::BufferTooSmall)?;
                slot.copy_from_slice(key);
                let key: &'b [u8] = slot;
                return Ok(if matches!(next, Queued::Reserve) {
                    Command::Reserve {
                        key,
                        ttl: paid.replay_ttl,
                    }
                } else {
                    Command::Release { key }
                });
            }
            Queued::Settle(amount, reported) => {
                let body = self.write_settle(offers, resource, reported, out)?;
                return Ok(Command::Settle { body, amount });
            }
        };
        let n = write_all(out, |w| message.encode(w)).map_err(|_| SessionError::BufferTooSmall)?;
        let text = out
            .get(..n)
            .and_then(|b| core::str::from_utf8(b).ok())
            .ok_or(SessionError::BufferTooSmall)?;
        Ok(Command::Send(text))
    }

    /// The host commands without a frame: the record write, the load, the abandon, the RPC.
    fn render_store<'b, const N: usize>(
        &self,
        offers: &OfferSet<'_, N>,
        next: Queued,
        out: &'b mut [u8],
    ) -> Result<Command<'b>, SessionError> {
        match next {
            Queued::Persist { generation, expect } => {
                let n = self.write_record(offers, generation, out)?;
                let record: &'b [u8] = out.get(..n).ok_or(SessionError::BufferTooSmall)?;
                Ok(Command::Persist {
                    record,
                    generation,
                    expect,
                    ttl_s: self.record_ttl_s(),
                })
            }
            Queued::Load => Ok(Command::Load {
                session_id: self.resume_id,
            }),
            Queued::Abandoned => Ok(Command::Abandoned),
            Queued::Rpc => {
                let check = self.chain.as_ref().ok_or(SessionError::OutOfOrder)?;
                let n = write_all(out, |w| check.write_params(w))
                    .map_err(|_| SessionError::BufferTooSmall)?;
                let params: &'b [u8] = out.get(..n).ok_or(SessionError::BufferTooSmall)?;
                Ok(Command::Rpc {
                    method: check.method(),
                    params,
                })
            }
            _ => Err(SessionError::OutOfOrder),
        }
    }

    /// `session_ended {statement}` into `out`: what was settled and refunded as answered.
    fn write_session_ended(&self, session_id: &str, out: &mut [u8]) -> Result<usize, SessionError> {
        let mut payer_hex = [0u8; 66];
        let mut tx_hex = [0u8; 66];
        let message = {
            let st = self.statement().ok_or(SessionError::OutOfOrder)?;
            let Ending::Ended(end) = st.ending else {
                return Err(SessionError::OutOfOrder);
            };
            let settled = match st.settlement {
                Some(s) if s.status == SettleStatus::Settled => s.amount,
                _ => U256::ZERO,
            };
            let refund = match st.refund {
                Some(r) if matches!(r.status, RefundStatus::Confirmed | RefundStatus::Pending) => {
                    r.amount
                }
                _ => U256::ZERO,
            };
            Message::SessionEnded(SessionEnded {
                session_id: JsonStr::from(session_id),
                ended_by: JsonStr::from(end.reason.as_str()),
                paid: st.paid,
                consumed: st.consumed,
                settled,
                refund,
                // An EVM payer as lowercase hex (a Solana key would need base58: left out).
                payer: match st.payer {
                    Some(Payer::Evm(a)) => Some(JsonStr::from(hex0x(&a.0, &mut payer_hex))),
                    _ => None,
                },
                settlement_tx: self
                    .settle_tx
                    .as_ref()
                    .map(|t| JsonStr::from(hex0x(t, &mut tx_hex))),
                refund_tx: None,
            })
        };
        write_all(out, |w| message.encode(w)).map_err(|_| SessionError::BufferTooSmall)
    }

    /// The `/settle` body: the stored header decoded into the end of `out`, the body written at
    /// its start.
    fn write_settle<'b, const N: usize>(
        &self,
        offers: &OfferSet<'_, N>,
        resource: &Resource<'_>,
        reported: Option<U256>,
        out: &'b mut [u8],
    ) -> Result<&'b [u8], SessionError> {
        let paid = self.paid.ok_or(SessionError::OutOfOrder)?;
        let value = self.proof.get(..self.proof_len).unwrap_or_default();
        let json_cap = (value.len() / 4).saturating_mul(3).saturating_add(3);
        let split = out
            .len()
            .checked_sub(json_cap)
            .ok_or(SessionError::BufferTooSmall)?;
        let (body_buf, json_buf) = out.split_at_mut(split);
        let payment = PaymentPayload::from_header(value, json_buf)
            .map_err(|_| SessionError::BufferTooSmall)?;
        let terms = SettleTerms {
            offer_index: paid.offer_index,
            version: paid.version,
            payment: &payment,
            max_amount: paid.max_amount,
        };
        let n = write_settle_terms(offers, terms, resource, reported, body_buf).map_err(
            |e| match e {
                ServerError::BufferTooSmall => SessionError::BufferTooSmall,
                e => SessionError::Settle(e),
            },
        )?;
        let body: &'b [u8] = body_buf;
        body.get(..n).ok_or(SessionError::BufferTooSmall)
    }
}

/// `{"type":"end_session"}` (a pay402 addition: the client ends the session in-band).
fn is_end_session(frame: &[u8]) -> bool {
    RawValue::parse(frame)
        .ok()
        .and_then(Object::new)
        .and_then(|o| o.field("type").str().ok())
        .is_some_and(|t| t.eq_str("end_session"))
}

/// `{"type":"resume_session",…}`.
fn is_resume_session(frame: &[u8]) -> bool {
    RawValue::parse(frame)
        .ok()
        .and_then(Object::new)
        .and_then(|o| o.field("type").str().ok())
        .is_some_and(|t| t.eq_str("resume_session"))
}

/// 32 lowercase hex digits (the wire `sessionId`) as the id.
fn parse_hex_id(hex: &[u8]) -> Option<[u8; 16]> {
    if hex.iter().any(u8::is_ascii_uppercase) {
        return None;
    }
    crate::hex::decode_array::<16>(hex).ok()
}

/// `0x` and the lowercase hex of `bytes` (at most 32), into `out`.
fn hex0x<'h>(bytes: &[u8], out: &'h mut [u8; 66]) -> &'h str {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out[0] = b'0';
    out[1] = b'x';
    let mut n = 2;
    for (pair, byte) in out[2..].chunks_exact_mut(2).zip(bytes) {
        if let [hi, lo] = pair {
            *hi = DIGITS.get(usize::from(byte >> 4)).copied().unwrap_or(b'0');
            *lo = DIGITS.get(usize::from(byte & 15)).copied().unwrap_or(b'0');
            n += 2;
        }
    }
    core::str::from_utf8(out.get(..n).unwrap_or_default()).unwrap_or_default()
}

/// The settlement's transaction hash when it is 32 bytes of `0x` hex (EVM).
fn tx_of(outcome: &SettleOutcome<'_>) -> Option<[u8; 32]> {
    let SettleOutcome::Response(r) = outcome else {
        return None;
    };
    let mut text = [0u8; 66];
    let t = r.transaction?.unescape_into(&mut text).ok()?;
    let hex = t.strip_prefix("0x")?;
    crate::hex::decode_array::<32>(hex.as_bytes()).ok()
}

/// The record's name of an offer's scheme.
/// An x402 replay key (at most 80 bytes) in the session's key buffer.
fn widen_key(key: &[u8]) -> ([u8; onchain::MAX_KEY_LEN], usize) {
    let mut out = [0u8; onchain::MAX_KEY_LEN];
    let len = key.len().min(out.len());
    if let (Some(slot), Some(src)) = (out.get_mut(..len), key.get(..len)) {
        slot.copy_from_slice(src);
    }
    (out, len)
}

fn scheme_kind(scheme: &OfferScheme<'_>) -> Option<SchemeKind> {
    match scheme {
        OfferScheme::ExactEip3009 { .. } => Some(SchemeKind::ExactEip3009),
        OfferScheme::ExactPermit2 => Some(SchemeKind::ExactPermit2),
        OfferScheme::UptoPermit2 { .. } => Some(SchemeKind::UptoPermit2),
        #[cfg(feature = "svm")]
        OfferScheme::ExactSvm { .. } => Some(SchemeKind::ExactSvm),
        #[allow(unreachable_patterns, reason = "schemes of other features")]
        _ => None,
    }
}

fn status_of(outcome: &SettleOutcome<'_>) -> SettleStatus {
    match outcome {
        SettleOutcome::Response(r) => match SettleVerdict::of(r) {
            SettleVerdict::Settled => SettleStatus::Settled,
            SettleVerdict::Refused => SettleStatus::Refused,
            SettleVerdict::Pending => SettleStatus::Pending,
        },
        SettleOutcome::Unavailable => SettleStatus::Unavailable,
    }
}

fn hex_id<'h>(id: &[u8; 16], out: &'h mut [u8; 32]) -> &'h str {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (pair, byte) in out.chunks_exact_mut(2).zip(id) {
        if let [hi, lo] = pair {
            *hi = DIGITS.get(usize::from(byte >> 4)).copied().unwrap_or(b'0');
            *lo = DIGITS.get(usize::from(byte & 15)).copied().unwrap_or(b'0');
        }
    }
    core::str::from_utf8(out).unwrap_or_default()
}

fn earliest(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

/// The wall instant of the meter's next limit (balance, maximum duration, deadline) with the
/// usage counted so far, so the timer fires exactly there; `None` when ended or unbounded.
fn next_limit(m: &TariffMeter) -> Option<u64> {
    if m.end().is_some() {
        return None;
    }
    let c = m.config();
    let now = m.last_ms();
    let mut best = c.deadline_ms.map(|d| d.max(m.start_ms()));
    if !m.is_suspended() {
        let active = m.active_ms();
        let max = u64::try_from(c.max_active_ms()).ok();
        if let Some(max) = max {
            best = earliest(best, Some(now.saturating_add(max.saturating_sub(active))));
        }
        let limit = max.unwrap_or(u64::MAX);
        let used = |a: u64| c.consumed(a, m.bytes_in(), m.bytes_out(), m.messages());
        if used(limit) == c.paid {
            let (mut lo, mut hi) = (active, limit);
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if used(mid) < c.paid {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            best = earliest(best, Some(now.saturating_add(hi.saturating_sub(active))));
        }
    }
    best
}

#[cfg(test)]
#[allow(
    clippy::large_types_passed_by_value,
    reason = "tests pass policies as the API does"
)]
mod tests {
    use super::*;
    use crate::evm::PrivateKey;
    use crate::ws402::ResumeToken;
    use crate::x402::PaymentRequired;
    use crate::x402::SettleResponse;
    use crate::x402::client::pay_evm;
    use crate::x402::server::{Offer, write_challenge};
    use heapless::{String, Vec};

    /// The x402 v2 specification's EIP-3009 example payment (section 5): 10000 units of USDC on
    /// Base Sepolia from 0x857b…6b66, valid until 1740672154.
    const SPEC_HEADER: &str = "eyJ4NDAyVmVyc2lvbiI6MiwicmVzb3VyY2UiOnsidXJsIjoiaHR0cHM6Ly9hcGkuZXhhbXBsZS5jb20vcHJlbWl1bS1kYXRhIiwiZGVzY3JpcHRpb24iOiJBY2Nlc3MgdG8gcHJlbWl1bSBtYXJrZXQgZGF0YSIsIm1pbWVUeXBlIjoiYXBwbGljYXRpb24vanNvbiJ9LCJhY2NlcHRlZCI6eyJzY2hlbWUiOiJleGFjdCIsIm5ldHdvcmsiOiJlaXAxNTU6ODQ1MzIiLCJhbW91bnQiOiIxMDAwMCIsImFzc2V0IjoiMHgwMzZDYkQ1Mzg0MmM1NDI2NjM0ZTc5Mjk1NDFlQzIzMThmM2RDRjdlIiwicGF5VG8iOiIweDIwOTY5M0JjNmFmYzBDNTMyOGJBMzZGYUYwM0M1MTRFRjMxMjI4N0MiLCJtYXhUaW1lb3V0U2Vjb25kcyI6NjAsImV4dHJhIjp7Im5hbWUiOiJVU0RDIiwidmVyc2lvbiI6IjIifX0sInBheWxvYWQiOnsic2lnbmF0dXJlIjoiMHgyZDZhNzU4OGQ2YWNjYTUwNWNiZjBkOWE0YTIyN2UwYzUyYzZjMzQwMDhjOGU4OTg2YTEyODMyNTk3NjQxNzM2MDhhMmNlNjQ5NjY0MmUzNzdkNmRhOGRiYmY1ODM2ZTliZDE1MDkyZjllY2FiMDVkZWQzZDYyOTNhZjE0OGI1NzFjIiwiYXV0aG9yaXphdGlvbiI6eyJmcm9tIjoiMHg4NTdiMDY1MTlFOTFlM0E1NDUzODc5MWJEYmIwRTIyMzczZTM2YjY2IiwidG8iOiIweDIwOTY5M0JjNmFmYzBDNTMyOGJBMzZGYUYwM0M1MTRFRjMxMjI4N0MiLCJ2YWx1ZSI6IjEwMDAwIiwidmFsaWRBZnRlciI6IjE3NDA2NzIwODkiLCJ2YWxpZEJlZm9yZSI6IjE3NDA2NzIxNTQiLCJub25jZSI6IjB4ZjM3NDY2MTNjMmQ5MjBiNWZkYWJjMDg1NmYyYWViMmQ0Zjg4ZWU2MDM3YjhjYzVkMDRhNzFhNDQ2MmYxMzQ4MCJ9fX0=";
    const SPEC_PAYER: &str = "0x857b06519E91e3A54538791bDbb0E22373e36b66";
    const NOW_S: u64 = 1_740_672_100;
    const T0: u64 = NOW_S * 1000;
    const ID: [u8; 16] = [7; 16];
    const RESOURCE: Resource<'static> = Resource {
        url: "wss://example.com/ws402/video",
        description: "",
        mime_type: None,
    };

    fn u(v: u64) -> U256 {
        U256::from_u64(v)
    }

    fn exact_offers() -> OfferSet<'static, 1> {
        let mut offers = OfferSet::new();
        offers
            .push(Offer {
                scheme: OfferScheme::ExactEip3009 {
                    name: "USDC",
                    version: "2",
                },
                network: "eip155:84532",
                asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
                amount: u(10_000),
                pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
                max_timeout_seconds: 60,
            })
            .unwrap();
        offers
    }

    fn upto_offers(max_timeout_seconds: u64) -> OfferSet<'static, 1> {
        let mut offers = OfferSet::new();
        offers
            .push(Offer {
                scheme: OfferScheme::UptoPermit2 {
                    facilitator: "0x000000000000000000000000000000000000dEaD",
                },
                network: "eip155:84532",
                asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
                amount: u(50_000),
                pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
                max_timeout_seconds,
            })
            .unwrap();
        offers
    }

    fn policy(per_second: u64, max_s: u64) -> SessionPolicy<'static> {
        SessionPolicy::new(Tariff::per_second(u(per_second)), max_s)
    }

    /// A `payment_proof` frame carrying `header`, plus client fields that must be ignored.
    fn proof_frame(header: &str) -> String<4096> {
        let mut f = String::new();
        f.push_str(r#"{"type":"payment_proof","amount":999999999,"senderAddress":"0x000000000000000000000000000000000000bEEF","proof":""#).unwrap();
        f.push_str(header).unwrap();
        f.push_str(r#""}"#).unwrap();
        f
    }

    /// An `upto` payment of `offers`' challenge signed at `now_s` by the key 0x11…11.
    fn upto_header(offers: &OfferSet<'_, 1>, now_s: u64) -> String<4096> {
        let (mut hb, mut bb, mut json) = ([0u8; 2048], [0u8; 2048], [0u8; 2048]);
        let c = write_challenge(offers, &RESOURCE, None, &mut hb, &mut bb).unwrap();
        let decoded = header::decode(c.header_value.as_bytes(), &mut json).unwrap();
        let required = PaymentRequired::from_json(decoded).unwrap();
        let key = PrivateKey::from_bytes(&[0x11; 32]).unwrap();
        let (mut scratch, mut out) = ([0u8; 4096], [0u8; 4096]);
        let value = pay_evm(&required, 0, &key, now_s, &[9; 32], &mut scratch, &mut out).unwrap();
        let mut s = String::new();
        s.push_str(value).unwrap();
        s
    }

    #[allow(clippy::large_enum_variant, reason = "test bookkeeping")]
    #[derive(Debug, PartialEq, Eq)]
    enum Cmd {
        Send(String<1024>),
        SendApp,
        ServeHttp,
        Deliver,
        Close(u16),
        Reserve(Vec<u8, 96>, u64),
        Release(Vec<u8, 96>),
        Settle(U256, String<4096>),
        Refund(RefundOrder),
        Finished(Statement),
        Persist(Vec<u8, 4800>, u32, Option<u32>),
        Load([u8; 16]),
        Abandoned,
        Rpc(&'static str, String<128>),
    }

    fn send(text: &str) -> Cmd {
        let mut s = String::new();
        s.push_str(text).unwrap();
        Cmd::Send(s)
    }

    fn drain<const N: usize>(s: &mut Session<'_, N>) -> Vec<Cmd, 12> {
        let mut out = [0u8; RECOMMENDED_COMMAND_BUFFER_LEN];
        let mut cmds = Vec::new();
        while let Some(c) = s.poll_command(&mut out).unwrap() {
            let c = match c {
                Command::Send(t) => send(t),
                Command::SendAppFrame => Cmd::SendApp,
                Command::ServeHttp => Cmd::ServeHttp,
                Command::DeliverToApp => Cmd::Deliver,
                Command::Close { code } => Cmd::Close(code),
                Command::Reserve { key, ttl } => Cmd::Reserve(Vec::from_slice(key).unwrap(), ttl),
                Command::Release { key } => Cmd::Release(Vec::from_slice(key).unwrap()),
                Command::Settle { body, amount } => {
                    let mut b = String::new();
                    b.push_str(core::str::from_utf8(body).unwrap()).unwrap();
                    Cmd::Settle(amount, b)
                }
                Command::Refund(order) => Cmd::Refund(order),
                Command::Finished(st) => Cmd::Finished(st),
                Command::Persist {
                    record,
                    generation,
                    expect,
                    ..
                } => Cmd::Persist(Vec::from_slice(record).unwrap(), generation, expect),
                Command::Load { session_id } => Cmd::Load(session_id),
                Command::Abandoned => Cmd::Abandoned,
                Command::Rpc { method, params } => {
                    let method = match method {
                        "eth_getTransactionByHash" => "eth_getTransactionByHash",
                        "eth_getBlockByNumber" => "eth_getBlockByNumber",
                        "eth_blockNumber" => "eth_blockNumber",
                        "eth_getTransactionReceipt" => "eth_getTransactionReceipt",
                        other => panic!("unexpected method {other}"),
                    };
                    let mut p = String::new();
                    p.push_str(core::str::from_utf8(params).unwrap()).unwrap();
                    Cmd::Rpc(method, p)
                }
            };
            cmds.push(c).unwrap();
        }
        cmds
    }

    fn handle<const N: usize>(s: &mut Session<'_, N>, at: u64, input: Input<'_>) -> Vec<Cmd, 12> {
        s.handle(at, input).unwrap();
        drain(s)
    }

    fn settled() -> SettleResponse<'static> {
        SettleResponse::from_json(br#"{"success":true,"transaction":"0x1111111111111111111111111111111111111111111111111111111111111111","network":"eip155:84532"}"#).unwrap()
    }

    fn refused() -> SettleResponse<'static> {
        SettleResponse::from_json(br#"{"success":false,"errorReason":"invalid_exact_evm_payload_authorization_nonce","transaction":"","network":"eip155:84532"}"#).unwrap()
    }

    fn pending() -> SettleResponse<'static> {
        SettleResponse::from_json(br#"{"success":false,"errorReason":"settlement_pending","transaction":"0x2222222222222222222222222222222222222222222222222222222222222222","network":"eip155:84532"}"#).unwrap()
    }

    fn spec_payer() -> Payer {
        Payer::Evm(Address::parse(SPEC_PAYER.as_bytes()).unwrap())
    }

    fn is_finished(c: Option<&Cmd>) -> Option<Statement> {
        match c {
            Some(Cmd::Finished(st)) => Some(*st),
            _ => None,
        }
    }

    /// An `exact` session running from `T0 + 100` (proof at T0, reserved, settled).
    fn running_exact<'a>(offers: &'a OfferSet<'a, 1>, p: SessionPolicy<'a>) -> Session<'a, 1> {
        let mut s = Session::accept(offers, RESOURCE, p, ID, T0);
        let frame = proof_frame(SPEC_HEADER);
        assert!(matches!(
            handle(&mut s, T0, Input::Text(frame.as_bytes()))[..],
            [Cmd::Reserve(..)]
        ));
        assert!(matches!(
            handle(&mut s, T0 + 50, Input::Reserved(Reservation::Fresh))[..],
            [Cmd::Settle(..)]
        ));
        let started = handle(
            &mut s,
            T0 + 100,
            Input::Settled(SettleOutcome::Response(settled())),
        );
        assert_eq!(started.len(), 1);
        assert_eq!(s.phase(), Phase::Running);
        s
    }

    // --- proof --------------------------------------------------------------------------------

    #[test]
    fn the_first_frame_must_be_a_payment_proof() {
        let offers = exact_offers();
        for frame in [
            &br#"{"type":"usage_update"}"#[..],
            b"not json",
            br#"{"proof":"x"}"#,
        ] {
            let mut s = Session::accept(&offers, RESOURCE, policy(10, 3600), ID, T0);
            let cmds = handle(&mut s, T0 + 10, Input::Text(frame));
            assert_eq!(
                cmds[0],
                send(r#"{"type":"payment_rejected","reason":"payment_proof_expected"}"#)
            );
            assert_eq!(cmds[1], Cmd::Close(1008));
            let st = is_finished(cmds.get(2)).unwrap();
            assert_eq!(
                st.ending,
                Ending::Rejected {
                    reason: "payment_proof_expected",
                    at_ms: T0 + 10
                }
            );
            assert_eq!(
                (st.paid, st.settlement, st.refund),
                (U256::ZERO, None, None)
            );
            assert_eq!(cmds.len(), 3);
        }
        let mut s = Session::accept(&offers, RESOURCE, policy(10, 3600), ID, T0);
        let cmds = handle(&mut s, T0, Input::Binary(b"\x00\x01"));
        assert_eq!(
            cmds[0],
            send(r#"{"type":"payment_rejected","reason":"payment_proof_expected"}"#)
        );
    }

    #[test]
    fn no_proof_within_the_timeout_is_rejected_with_1008() {
        let offers = exact_offers();
        let mut s = Session::accept(&offers, RESOURCE, policy(10, 3600), ID, T0);
        assert_eq!(s.poll_timeout(), Some(T0 + 10_000));
        assert!(handle(&mut s, T0 + 9_999, Input::Timer).is_empty());
        let cmds = handle(&mut s, T0 + 10_000, Input::Timer);
        assert_eq!(
            cmds[0],
            send(r#"{"type":"payment_rejected","reason":"payment_proof_timeout"}"#)
        );
        assert_eq!(cmds[1], Cmd::Close(1008));
        assert!(is_finished(cmds.get(2)).is_some());
        assert_eq!(s.poll_timeout(), None);
        // A proof arriving after the deadline (the timer was late) is refused the same way.
        let mut s = Session::accept(&offers, RESOURCE, policy(10, 3600), ID, T0);
        let frame = proof_frame(SPEC_HEADER);
        let cmds = handle(&mut s, T0 + 10_000, Input::Text(frame.as_bytes()));
        assert_eq!(
            cmds[0],
            send(r#"{"type":"payment_rejected","reason":"payment_proof_timeout"}"#)
        );
    }

    #[test]
    fn a_refused_admission_sends_the_refusal_code() {
        let offers = exact_offers();
        // The spec payment is past its validBefore (1740672154) ten minutes later.
        let late = T0 + 600_000;
        let mut s = Session::accept(&offers, RESOURCE, policy(10, 3600), ID, late);
        let frame = proof_frame(SPEC_HEADER);
        let cmds = handle(&mut s, late, Input::Text(frame.as_bytes()));
        assert_eq!(
            cmds[0],
            send(
                r#"{"type":"payment_rejected","reason":"invalid_exact_evm_payload_authorization_valid_before"}"#
            )
        );
        assert_eq!(cmds[1], Cmd::Close(1008));
        // A payment of a scheme nobody sells, and the original providers' object proof.
        let mut s = Session::accept(&offers, RESOURCE, policy(10, 3600), ID, T0);
        let cmds = handle(
            &mut s,
            T0,
            Input::Text(
                br#"{"type":"payment_proof","proof":{"txHash":"0x12","senderAddress":"0xbeef"}}"#,
            ),
        );
        assert_eq!(
            cmds[0],
            send(r#"{"type":"payment_rejected","reason":"legacy_proof_unsupported"}"#)
        );
        let mut s = Session::accept(&offers, RESOURCE, policy(10, 3600), ID, T0);
        let cmds = handle(
            &mut s,
            T0,
            Input::Text(br#"{"type":"payment_proof","proof":"e30="}"#),
        );
        assert_eq!(
            cmds[0],
            send(r#"{"type":"payment_rejected","reason":"invalid_payload"}"#)
        );
    }

    #[test]
    fn the_amount_paid_the_payer_and_the_price_never_come_from_client_fields() {
        let offers = exact_offers();
        let mut s = running_exact(&offers, policy(10, 3600));
        // proof_frame adds "amount":999999999 and a senderAddress: neither is read.
        assert_eq!(s.payer(), Some(spec_payer()));
        assert_eq!(s.meter().unwrap().config().paid, u(10_000));
        let mut s2 = Session::accept(&offers, RESOURCE, policy(10, 3600), ID, T0);
        let frame = proof_frame(SPEC_HEADER);
        handle(&mut s2, T0, Input::Text(frame.as_bytes()));
        handle(&mut s2, T0, Input::Reserved(Reservation::Fresh));
        let cmds = handle(
            &mut s2,
            T0,
            Input::Settled(SettleOutcome::Response(settled())),
        );
        assert_eq!(
            cmds[0],
            send(
                r#"{"type":"session_started","sessionId":"07070707070707070707070707070707","balance":"10000","pricePerSecond":"10"}"#
            )
        );
        let cmds = handle(&mut s, T0 + 2_600, Input::Closed { code: Some(1000) });
        let Some(Cmd::Refund(order)) = cmds.iter().find(|c| matches!(c, Cmd::Refund(_))) else {
            panic!("{cmds:?}")
        };
        assert_eq!(Payer::Evm(order.to()), spec_payer());
    }

    // --- one prepayment, one session ----------------------------------------------------------

    #[test]
    fn the_replay_key_is_reserved_before_session_started_and_a_used_one_is_refused() {
        let offers = exact_offers();
        let mut s = Session::accept(&offers, RESOURCE, policy(10, 3600), ID, T0);
        let frame = proof_frame(SPEC_HEADER);
        let cmds = handle(&mut s, T0, Input::Text(frame.as_bytes()));
        // chain id 84532 ‖ USDC ‖ payer ‖ nonce; kept until validBefore + 6 s slack + 1.
        let mut key = Vec::<u8, 96>::new();
        key.extend_from_slice(&84_532u64.to_be_bytes()).unwrap();
        key.extend_from_slice(
            &crate::hex::decode_array::<20>(b"036CbD53842c5426634e7929541eC2318f3dCF7e").unwrap(),
        )
        .unwrap();
        key.extend_from_slice(
            &crate::hex::decode_array::<20>(b"857b06519E91e3A54538791bDbb0E22373e36b66").unwrap(),
        )
        .unwrap();
        key.extend_from_slice(
            &crate::hex::decode_array::<32>(
                b"f3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480",
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(&cmds[..], &[Cmd::Reserve(key, 1_740_672_161 - NOW_S)]);
        assert_eq!(s.phase(), Phase::Reserving);
        let cmds = handle(&mut s, T0 + 5, Input::Reserved(Reservation::AlreadyUsed));
        assert_eq!(
            cmds[0],
            send(r#"{"type":"payment_rejected","reason":"payment_already_used"}"#)
        );
        assert_eq!(cmds[1], Cmd::Close(1008));
        assert!(is_finished(cmds.get(2)).is_some());
        assert_eq!(
            cmds.len(),
            3,
            "a key held by another session is never released"
        );
    }

    #[test]
    fn a_replay_store_that_cannot_answer_rejects_with_1011() {
        let offers = exact_offers();
        let mut s = Session::accept(&offers, RESOURCE, policy(10, 3600), ID, T0);
        let frame = proof_frame(SPEC_HEADER);
        handle(&mut s, T0, Input::Text(frame.as_bytes()));
        let cmds = handle(&mut s, T0, Input::Reserved(Reservation::Unavailable));
        assert_eq!(
            cmds[0],
            send(r#"{"type":"payment_rejected","reason":"replay_store_unavailable"}"#)
        );
        assert_eq!(cmds[1], Cmd::Close(1011));
    }

    #[test]
    fn a_client_gone_before_the_reservation_answered_gets_the_key_released_and_no_frame() {
        let offers = exact_offers();
        let mut s = Session::accept(&offers, RESOURCE, policy(10, 3600), ID, T0);
        let frame = proof_frame(SPEC_HEADER);
        handle(&mut s, T0, Input::Text(frame.as_bytes()));
        assert!(handle(&mut s, T0 + 1, Input::Closed { code: None }).is_empty());
        let cmds = handle(&mut s, T0 + 2, Input::Reserved(Reservation::Fresh));
        assert!(matches!(cmds[0], Cmd::Release(_)));
        let st = is_finished(cmds.get(1)).unwrap();
        assert_eq!(
            st.ending,
            Ending::Rejected {
                reason: "connection_closed",
                at_ms: T0 + 2
            }
        );
        assert_eq!(cmds.len(), 2);
    }

    // --- exact --------------------------------------------------------------------------------

    #[test]
    fn exact_settles_the_prepayment_before_session_started() {
        let offers = exact_offers();
        let mut s = Session::accept(&offers, RESOURCE, policy(10, 3600), ID, T0);
        let frame = proof_frame(SPEC_HEADER);
        handle(&mut s, T0, Input::Text(frame.as_bytes()));
        let cmds = handle(&mut s, T0 + 1, Input::Reserved(Reservation::Fresh));
        let [Cmd::Settle(amount, body)] = &cmds[..] else {
            panic!("{cmds:?}")
        };
        assert_eq!(*amount, u(10_000));
        assert!(
            body.starts_with(r#"{"x402Version":2,"paymentPayload":{"x402Version":2,"#),
            "{body}"
        );
        assert!(body.contains(r#""paymentRequirements":{"scheme":"exact","network":"eip155:84532","amount":"10000""#), "{body}");
        assert_eq!(s.phase(), Phase::SettlingPrepayment);
        assert!(
            s.handle(T0 + 2, Input::Text(b"early")).is_err(),
            "nothing runs on unsettled money"
        );
        let cmds = handle(
            &mut s,
            T0 + 3,
            Input::Settled(SettleOutcome::Response(settled())),
        );
        assert_eq!(
            &cmds[..],
            &[send(
                r#"{"type":"session_started","sessionId":"07070707070707070707070707070707","balance":"10000","pricePerSecond":"10"}"#
            )]
        );
        assert_eq!(s.meter().unwrap().start_ms(), T0 + 3);
    }

    #[test]
    fn exact_refused_settlement_releases_the_key_and_rejects() {
        let offers = exact_offers();
        let mut s = Session::accept(&offers, RESOURCE, policy(10, 3600), ID, T0);
        let frame = proof_frame(SPEC_HEADER);
        handle(&mut s, T0, Input::Text(frame.as_bytes()));
        handle(&mut s, T0, Input::Reserved(Reservation::Fresh));
        let cmds = handle(
            &mut s,
            T0 + 1,
            Input::Settled(SettleOutcome::Response(refused())),
        );
        assert!(matches!(cmds[0], Cmd::Release(_)));
        assert_eq!(
            cmds[1],
            send(r#"{"type":"payment_rejected","reason":"settlement_refused"}"#)
        );
        assert_eq!(cmds[2], Cmd::Close(1008));
        let st = is_finished(cmds.get(3)).unwrap();
        assert_eq!(
            st.settlement,
            Some(Settlement {
                amount: u(10_000),
                status: SettleStatus::Refused
            })
        );
        assert_eq!(st.refund, None);
    }

    #[test]
    fn exact_pending_or_unanswered_settlement_keeps_the_key_and_closes_1011() {
        let offers = exact_offers();
        for (outcome, status) in [
            (SettleOutcome::Response(pending()), SettleStatus::Pending),
            (SettleOutcome::Unavailable, SettleStatus::Unavailable),
        ] {
            let mut s = Session::accept(&offers, RESOURCE, policy(10, 3600), ID, T0);
            let frame = proof_frame(SPEC_HEADER);
            handle(&mut s, T0, Input::Text(frame.as_bytes()));
            handle(&mut s, T0, Input::Reserved(Reservation::Fresh));
            let cmds = handle(&mut s, T0 + 1, Input::Settled(outcome));
            assert_eq!(
                cmds[0],
                send(r#"{"type":"payment_rejected","reason":"settlement_pending"}"#)
            );
            assert_eq!(cmds[1], Cmd::Close(1011));
            let st = is_finished(cmds.get(2)).unwrap();
            assert_eq!(cmds.len(), 3, "no release: the payment may still land");
            assert_eq!(
                st.settlement,
                Some(Settlement {
                    amount: u(10_000),
                    status
                })
            );
            assert!(s.meter().is_none(), "no session on unsettled money");
        }
    }

    #[test]
    fn exact_refunds_paid_minus_consumed_once_to_the_verified_payer() {
        let offers = exact_offers();
        let mut s = running_exact(&offers, policy(10, 3600));
        // Started at T0 + 100; closed 2.5 s later: 10 × 2500 / 1000 = 25 consumed.
        let cmds = handle(&mut s, T0 + 2_600, Input::Closed { code: Some(1000) });
        let Payer::Evm(payer) = spec_payer() else {
            panic!()
        };
        let order = RefundOrder::new(
            {
                use sha2::{Digest, Sha256};
                let mut h = Sha256::new();
                h.update(b"pay402 ws402 refund");
                h.update([7u8; 16]);
                h.finalize().into()
            },
            Network::parse("eip155:84532").unwrap(),
            Address::parse(b"0x036CbD53842c5426634e7929541eC2318f3dCF7e").unwrap(),
            payer,
            u(9_975),
        )
        .unwrap();
        assert_eq!(
            &cmds[..],
            &[Cmd::Refund(order)],
            "the socket is closed: no frame, no close"
        );
        assert_eq!(s.phase(), Phase::Refunding);
        // Later closes and errors change nothing and ask for nothing.
        assert!(handle(&mut s, T0 + 2_700, Input::Closed { code: None }).is_empty());
        assert!(handle(&mut s, T0 + 2_800, Input::AppEnded { error: true }).is_empty());
        let cmds = handle(
            &mut s,
            T0 + 3_000,
            Input::Refunded(RefundOutcome::Confirmed),
        );
        let st = is_finished(cmds.first()).unwrap();
        assert_eq!((st.paid, st.consumed), (u(10_000), u(25)));
        assert_eq!(
            st.refund,
            Some(Refund {
                order: Some(order),
                to: spec_payer(),
                amount: u(9_975),
                status: RefundStatus::Confirmed
            })
        );
        assert_eq!(
            st.settlement,
            Some(Settlement {
                amount: u(10_000),
                status: SettleStatus::Settled
            })
        );
        let Ending::Ended(end) = st.ending else {
            panic!()
        };
        assert_eq!(
            (end.reason, end.at_ms),
            (SessionEndReason::ClientClose, T0 + 2_600)
        );
        assert_eq!(
            s.handle(T0 + 3_100, Input::Refunded(RefundOutcome::Confirmed)),
            Err(SessionError::OutOfOrder)
        );
    }

    #[test]
    fn exact_with_nothing_left_refunds_nothing() {
        let offers = exact_offers();
        // 10000 units at 4000/s run out at 2.5 s exactly.
        let mut s = running_exact(&offers, policy(4_000, 3600));
        assert_eq!(s.poll_timeout(), Some(T0 + 100 + 2_500));
        let cmds = handle(&mut s, T0 + 100 + 2_500, Input::Timer);
        assert_eq!(
            cmds[0],
            send(
                r#"{"type":"usage_update","sessionId":"07070707070707070707070707070707","elapsedSeconds":2,"consumedAmount":"10000","remainingBalance":"0","bytesTransferred":0,"messageCount":0}"#
            )
        );
        assert_eq!(
            cmds[1],
            send(r#"{"type":"balance_exhausted","message":"balance exhausted"}"#)
        );
        assert_eq!(
            cmds[2],
            send(
                r#"{"type":"session_ended","sessionId":"07070707070707070707070707070707","endedBy":"balance_exhausted","paid":"10000","consumed":"10000","settled":"10000","refund":"0","payer":"0x857b06519e91e3a54538791bdbb0e22373e36b66"}"#
            )
        );
        assert_eq!(cmds[3], Cmd::Close(1000));
        let st = is_finished(cmds.get(4)).unwrap();
        assert_eq!((st.consumed, st.refund), (u(10_000), None));
    }

    // --- upto ---------------------------------------------------------------------------------

    fn running_upto<'a>(offers: &'a OfferSet<'a, 1>, p: SessionPolicy<'a>) -> Session<'a, 1> {
        let header = upto_header(offers, NOW_S);
        let frame = proof_frame(&header);
        let mut s = Session::accept(offers, RESOURCE, p, ID, T0);
        let cmds = handle(&mut s, T0, Input::Text(frame.as_bytes()));
        assert!(matches!(cmds[..], [Cmd::Reserve(..)]), "{cmds:?}");
        let cmds = handle(&mut s, T0 + 100, Input::Reserved(Reservation::Fresh));
        assert_eq!(
            &cmds[..],
            &[send(
                r#"{"type":"session_started","sessionId":"07070707070707070707070707070707","balance":"50000","pricePerSecond":"10"}"#
            )]
        );
        s
    }

    #[test]
    fn upto_needs_an_authorization_covering_the_session_and_the_settle_margin() {
        // The reference client signs deadline = now + maxTimeoutSeconds: 3600 + 120 is needed.
        let offers = upto_offers(3_719);
        let header = upto_header(&offers, NOW_S);
        let frame = proof_frame(&header);
        let mut s = Session::accept(&offers, RESOURCE, policy(10, 3600), ID, T0);
        let cmds = handle(&mut s, T0, Input::Text(frame.as_bytes()));
        assert_eq!(
            cmds[0],
            send(r#"{"type":"payment_rejected","reason":"authorization_too_short"}"#)
        );
        assert_eq!(cmds[1], Cmd::Close(1008));
        // With a resume grace the grace must be covered too.
        let offers = upto_offers(3_720);
        let s = running_upto(&offers, policy(10, 3600));
        // The meter's deadline is the expiry minus the margin.
        assert_eq!(
            s.meter().unwrap().config().deadline_ms,
            Some((NOW_S + 3_720 - 120) * 1000)
        );
        let header = upto_header(&offers, NOW_S);
        let frame = proof_frame(&header);
        let mut p = policy(10, 3600);
        p.resume_grace_ms = 1;
        let mut s = Session::accept(&offers, RESOURCE, p, ID, T0);
        let cmds = handle(&mut s, T0, Input::Text(frame.as_bytes()));
        assert_eq!(
            cmds[0],
            send(r#"{"type":"payment_rejected","reason":"authorization_too_short"}"#)
        );
    }

    #[test]
    fn upto_starts_without_settling_and_settles_exactly_consumed_at_the_end() {
        let offers = upto_offers(7_200);
        let mut s = running_upto(&offers, policy(10, 3600));
        // 1.55 s at 10/s: floor(15.5) = 15.
        let cmds = handle(&mut s, T0 + 100 + 1_550, Input::Closed { code: Some(1001) });
        let [Cmd::Settle(amount, body)] = &cmds[..] else {
            panic!("{cmds:?}")
        };
        assert_eq!(*amount, u(15));
        assert!(
            body.contains(
                r#""paymentRequirements":{"scheme":"upto","network":"eip155:84532","amount":"15""#
            ),
            "{body}"
        );
        assert!(body.contains(r#""permit2Authorization""#), "{body}");
        assert_eq!(s.phase(), Phase::SettlingCharge);
        let cmds = handle(
            &mut s,
            T0 + 3_000,
            Input::Settled(SettleOutcome::Response(settled())),
        );
        let st = is_finished(cmds.first()).unwrap();
        assert_eq!(
            cmds.len(),
            1,
            "the replay key is never released once started"
        );
        assert_eq!(
            (st.plan, st.paid, st.consumed, st.refund),
            (Some(Plan::Upto), u(50_000), u(15), None)
        );
        assert_eq!(
            st.settlement,
            Some(Settlement {
                amount: u(15),
                status: SettleStatus::Settled
            })
        );
    }

    #[test]
    fn upto_with_nothing_consumed_settles_nothing() {
        let offers = upto_offers(7_200);
        let mut s = running_upto(&offers, policy(10, 3600));
        // 99 ms at 10/s: floor(0.99) = 0.
        let cmds = handle(&mut s, T0 + 199, Input::Closed { code: Some(1000) });
        let st = is_finished(cmds.first()).unwrap();
        assert_eq!(cmds.len(), 1);
        assert_eq!((st.consumed, st.settlement), (U256::ZERO, None));
    }

    #[test]
    fn upto_a_refused_or_pending_final_settlement_is_reported_never_retried() {
        let offers = upto_offers(7_200);
        for (outcome, status) in [
            (SettleOutcome::Response(refused()), SettleStatus::Refused),
            (SettleOutcome::Response(pending()), SettleStatus::Pending),
            (SettleOutcome::Unavailable, SettleStatus::Unavailable),
        ] {
            let mut s = running_upto(&offers, policy(10, 3600));
            handle(&mut s, T0 + 1_100, Input::AppEnded { error: false });
            let cmds = handle(&mut s, T0 + 1_200, Input::Settled(outcome));
            // The application ended it: the socket is open, the statement goes before the close.
            assert!(
                matches!(&cmds[0], Cmd::Send(t) if t.contains(r#""settled":"0""#)),
                "{cmds:?}"
            );
            assert_eq!(cmds[1], Cmd::Close(1000));
            let st = is_finished(cmds.get(2)).unwrap();
            assert_eq!(cmds.len(), 3);
            assert_eq!(
                st.settlement,
                Some(Settlement {
                    amount: u(10),
                    status
                })
            );
            assert!(handle(&mut s, T0 + 1_300, Input::Timer).is_empty());
            assert_eq!(
                s.handle(T0 + 1_400, Input::Settled(SettleOutcome::Unavailable)),
                Err(SessionError::OutOfOrder)
            );
        }
    }

    // --- running ------------------------------------------------------------------------------

    #[test]
    fn usage_updates_come_every_interval_and_a_late_timer_sends_one() {
        let offers = exact_offers();
        let mut s = running_exact(&offers, policy(10, 3600));
        let start = T0 + 100;
        assert_eq!(s.poll_timeout(), Some(start + 3_000));
        assert!(
            handle(&mut s, start + 2_000, Input::Timer).is_empty(),
            "early timer"
        );
        let cmds = handle(&mut s, start + 3_000, Input::Timer);
        assert_eq!(
            &cmds[..],
            &[send(
                r#"{"type":"usage_update","sessionId":"07070707070707070707070707070707","elapsedSeconds":3,"consumedAmount":"30","remainingBalance":"9970","bytesTransferred":0,"messageCount":0}"#
            )]
        );
        assert_eq!(s.poll_timeout(), Some(start + 6_000));
        // Fired 7.5 s late: one update, the next one on the original grid.
        let cmds = handle(&mut s, start + 13_500, Input::Timer);
        assert_eq!(cmds.len(), 1);
        assert_eq!(s.poll_timeout(), Some(start + 15_000));
    }

    #[test]
    fn a_session_closed_before_the_first_tick_is_billed_to_the_closing_instant() {
        let offers = exact_offers();
        let mut s = running_exact(&offers, policy(10, 3600));
        let cmds = handle(&mut s, T0 + 100 + 700, Input::Closed { code: Some(1000) });
        let [Cmd::Refund(order)] = &cmds[..] else {
            panic!("{cmds:?}")
        };
        assert_eq!(order.amount(), u(10_000 - 7));
    }

    #[test]
    fn an_unaffordable_frame_is_not_sent_and_ends_the_session_balance_exhausted() {
        let offers = exact_offers();
        let mut p = policy(0, 3600);
        p.tariff.per_byte_out = u(10);
        let mut s = running_exact(&offers, p);
        // 600 bytes × 10 = 6000 ≤ 10000: sent.
        assert_eq!(
            &handle(&mut s, T0 + 200, Input::AppSend { bytes: 600 })[..],
            &[Cmd::SendApp]
        );
        // 500 more bytes would cost 11000 > 10000: not sent.
        let cmds = handle(&mut s, T0 + 300, Input::AppSend { bytes: 500 });
        assert!(!cmds.contains(&Cmd::SendApp), "{cmds:?}");
        assert_eq!(
            cmds[0],
            send(
                r#"{"type":"usage_update","sessionId":"07070707070707070707070707070707","elapsedSeconds":0,"consumedAmount":"6000","remainingBalance":"4000","bytesTransferred":600,"messageCount":1}"#
            )
        );
        assert_eq!(
            cmds[1],
            send(r#"{"type":"balance_exhausted","message":"balance exhausted"}"#)
        );
        let Cmd::Refund(order) = cmds[2] else {
            panic!("{cmds:?}")
        };
        assert_eq!(order.amount(), u(4_000));
        assert_eq!(cmds.len(), 3, "the close waits for the refund's outcome");
        let st = s.statement().unwrap();
        let Ending::Ended(end) = st.ending else {
            panic!()
        };
        assert_eq!(
            (end.reason, end.at_ms),
            (SessionEndReason::BalanceExhausted, T0 + 300)
        );
    }

    #[test]
    fn an_http_response_is_charged_before_it_is_served_and_a_refusal_ends_nothing() {
        let offers = exact_offers();
        let mut p = policy(0, 3600);
        p.tariff.per_byte_out = u(2);
        p.tariff.per_message = u(4);
        let mut s = running_exact(&offers, p);
        // 1000 bytes × 2 + one response × 4 = 2004 ≤ 10000: served.
        assert_eq!(
            &handle(&mut s, T0 + 200, Input::HttpServe { bytes: 1_000 })[..],
            &[Cmd::ServeHttp]
        );
        // 4000 more bytes: 2004 + 8004 > 10000: refused, nothing queued, still running.
        assert_eq!(
            s.handle(T0 + 300, Input::HttpServe { bytes: 4_000 }),
            Err(SessionError::BalanceInsufficient)
        );
        assert!(drain(&mut s).is_empty());
        assert_eq!(s.phase(), Phase::Running);
        // The next usage_update includes the response.
        let cmds = handle(&mut s, T0 + 100 + 3_000, Input::Timer);
        assert_eq!(
            &cmds[..],
            &[send(
                r#"{"type":"usage_update","sessionId":"07070707070707070707070707070707","elapsedSeconds":3,"consumedAmount":"2004","remainingBalance":"7996","bytesTransferred":1000,"messageCount":1}"#
            )]
        );
        // 3996 bytes × 2 + 4 = 7996: exactly the rest: served, then the session ends.
        let cmds = handle(&mut s, T0 + 3_200, Input::HttpServe { bytes: 3_996 });
        assert_eq!(cmds[0], Cmd::ServeHttp, "{cmds:?}");
        let st = s.statement().unwrap();
        assert_eq!(st.consumed, u(10_000));
        let Ending::Ended(end) = st.ending else {
            panic!()
        };
        assert_eq!(end.reason, SessionEndReason::BalanceExhausted);
        assert_eq!(
            s.handle(T0 + 3_300, Input::HttpServe { bytes: 0 }),
            Err(SessionError::Ended)
        );
    }

    #[test]
    fn client_frames_are_metered_and_delivered() {
        let offers = exact_offers();
        let mut p = policy(0, 3600);
        p.tariff.per_byte_in = u(1);
        p.tariff.per_message = u(100);
        let mut s = running_exact(&offers, p);
        assert_eq!(
            &handle(&mut s, T0 + 200, Input::Text(b"hello"))[..],
            &[Cmd::Deliver]
        );
        assert_eq!(
            &handle(&mut s, T0 + 300, Input::Binary(&[0; 20]))[..],
            &[Cmd::Deliver]
        );
        assert_eq!(s.meter().unwrap().consumed(), u(5 + 100 + 20 + 100));
    }

    #[test]
    fn max_duration_is_reached_at_its_instant_with_its_message() {
        let offers = exact_offers();
        let mut p = policy(1, 5);
        p.update_interval_ms = 0;
        let mut s = running_exact(&offers, p);
        assert_eq!(s.poll_timeout(), Some(T0 + 100 + 5_000));
        let cmds = handle(&mut s, T0 + 100 + 5_000, Input::Timer);
        assert_eq!(
            cmds[1],
            send(r#"{"type":"max_duration_reached","message":"maximum session duration reached"}"#)
        );
        assert!(matches!(cmds[2], Cmd::Refund(order) if order.amount() == u(9_995)));
        let cmds = handle(
            &mut s,
            T0 + 5_200,
            Input::Refunded(RefundOutcome::Confirmed),
        );
        assert_eq!(cmds[1], Cmd::Close(1000));
    }

    #[test]
    fn an_application_error_closes_1011_as_server_close() {
        let offers = exact_offers();
        let mut s = running_exact(&offers, policy(10, 3600));
        let cmds = handle(&mut s, T0 + 1_100, Input::AppEnded { error: true });
        assert!(matches!(cmds[1], Cmd::Refund(_)), "{cmds:?}");
        let cmds = handle(
            &mut s,
            T0 + 1_200,
            Input::Refunded(RefundOutcome::Confirmed),
        );
        assert_eq!(cmds[1], Cmd::Close(1011));
        let Ending::Ended(end) = s.statement().unwrap().ending else {
            panic!()
        };
        assert_eq!(
            (end.reason, end.consumed),
            (SessionEndReason::ServerClose, u(10))
        );
    }

    #[test]
    fn end_session_from_the_client_is_a_client_close() {
        let offers = exact_offers();
        let mut s = running_exact(&offers, policy(10, 3600));
        let cmds = handle(
            &mut s,
            T0 + 1_100,
            Input::Text(br#"{"type":"end_session"}"#),
        );
        assert!(matches!(cmds[1], Cmd::Refund(_)), "{cmds:?}");
        let cmds = handle(&mut s, T0 + 1_200, Input::Refunded(RefundOutcome::Pending));
        assert_eq!(
            cmds[0],
            send(
                r#"{"type":"session_ended","sessionId":"07070707070707070707070707070707","endedBy":"client_close","paid":"10000","consumed":"10","settled":"10000","refund":"9990","payer":"0x857b06519e91e3a54538791bdbb0e22373e36b66"}"#
            )
        );
        assert_eq!(cmds[1], Cmd::Close(1000));
        let Ending::Ended(end) = s.statement().unwrap().ending else {
            panic!()
        };
        assert_eq!(end.reason, SessionEndReason::ClientClose);
    }

    #[test]
    fn a_drop_without_grace_ends_connection_lost_at_the_drop_and_with_grace_after_it() {
        let offers = exact_offers();
        let mut s = running_exact(&offers, policy(10, 3600));
        let cmds = handle(&mut s, T0 + 1_100, Input::Closed { code: None });
        assert!(
            matches!(cmds[..], [Cmd::Refund(_)]),
            "no frame on a dead socket: {cmds:?}"
        );
        let Ending::Ended(end) = s.statement().unwrap().ending else {
            panic!()
        };
        assert_eq!(
            (end.reason, end.at_ms, end.consumed),
            (SessionEndReason::ConnectionLost, T0 + 1_100, u(10))
        );

        let mut p = policy(10, 3600);
        p.resume_grace_ms = 30_000;
        let mut s = running_exact(&offers, p);
        assert!(handle(&mut s, T0 + 1_100, Input::Closed { code: Some(1006) }).is_empty());
        assert_eq!(s.phase(), Phase::Suspended);
        assert_eq!(s.poll_timeout(), Some(T0 + 31_100));
        assert_eq!(
            s.handle(T0 + 2_000, Input::AppSend { bytes: 1 }),
            Err(SessionError::Suspended)
        );
        assert!(handle(&mut s, T0 + 20_000, Input::Timer).is_empty());
        let cmds = handle(&mut s, T0 + 31_100, Input::Timer);
        let [Cmd::Refund(order)] = &cmds[..] else {
            panic!("{cmds:?}")
        };
        assert_eq!(order.amount(), u(9_990), "the suspended time is not billed");
        let Ending::Ended(end) = s.statement().unwrap().ending else {
            panic!()
        };
        assert_eq!(
            (end.reason, end.at_ms),
            (SessionEndReason::ConnectionLost, T0 + 1_100)
        );
    }

    // --- end exactly once ---------------------------------------------------------------------

    #[test]
    fn the_first_terminal_input_wins_and_later_ones_yield_nothing() {
        let offers = upto_offers(7_200);
        let mut s = running_upto(&offers, policy(10, 3600));
        let cmds = handle(&mut s, T0 + 1_100, Input::Closed { code: Some(1000) });
        assert!(matches!(cmds[..], [Cmd::Settle(..)]));
        for input in [
            Input::Closed { code: None },
            Input::AppEnded { error: true },
            Input::Timer,
        ] {
            assert!(handle(&mut s, T0 + 1_200, input).is_empty());
        }
        assert_eq!(
            s.handle(T0 + 1_300, Input::Text(b"late")),
            Err(SessionError::Ended)
        );
        assert_eq!(
            s.handle(T0 + 1_300, Input::AppSend { bytes: 1 }),
            Err(SessionError::Ended)
        );
        assert_eq!(
            s.handle(T0 + 1_300, Input::Refunded(RefundOutcome::Failed)),
            Err(SessionError::OutOfOrder)
        );
        let cmds = handle(
            &mut s,
            T0 + 1_400,
            Input::Settled(SettleOutcome::Response(settled())),
        );
        assert!(is_finished(cmds.first()).is_some());
        for input in [
            Input::Closed { code: None },
            Input::AppEnded { error: false },
            Input::Timer,
        ] {
            assert!(handle(&mut s, T0 + 1_500, input).is_empty());
        }
    }

    #[test]
    fn out_of_order_inputs_are_typed_errors_that_change_nothing() {
        let offers = exact_offers();
        let mut s = Session::accept(&offers, RESOURCE, policy(10, 3600), ID, T0);
        assert_eq!(
            s.handle(T0, Input::Settled(SettleOutcome::Unavailable)),
            Err(SessionError::OutOfOrder)
        );
        assert_eq!(
            s.handle(T0, Input::Reserved(Reservation::Fresh)),
            Err(SessionError::OutOfOrder)
        );
        assert_eq!(
            s.handle(T0, Input::AppSend { bytes: 3 }),
            Err(SessionError::NotStarted)
        );
        assert_eq!((s.phase(), s.generation()), (Phase::AwaitingProof, 0));
        let mut s = running_exact(&offers, policy(10, 3600));
        let generation = s.generation();
        assert_eq!(
            s.handle(T0 + 500, Input::Settled(SettleOutcome::Unavailable)),
            Err(SessionError::OutOfOrder)
        );
        assert_eq!(
            s.handle(T0 + 500, Input::Reserved(Reservation::Fresh)),
            Err(SessionError::OutOfOrder)
        );
        assert_eq!((s.phase(), s.generation()), (Phase::Running, generation));
        assert!(drain(&mut s).is_empty());
        // Undrained commands block the next input.
        s.handle(T0 + 600, Input::Text(b"x")).unwrap();
        assert_eq!(
            s.handle(T0 + 700, Input::Timer),
            Err(SessionError::CommandsPending)
        );
    }

    // --- persistence, resumption, recovery ----------------------------------------------------

    /// A record store with a compare-and-swap on the generation (the protocol of the hosts'
    /// stores: create if absent, swap if the stored generation is the expected one).
    #[derive(Default)]
    struct Store {
        record: Option<(Vec<u8, 4800>, u32)>,
    }

    impl Store {
        fn apply(&mut self, record: &[u8], generation: u32, expect: Option<u32>) -> bool {
            let ok = match (&self.record, expect) {
                (None, None) => true,
                (Some((_, g)), Some(e)) => *g == e,
                _ => false,
            };
            if ok {
                self.record = Some((Vec::from_slice(record).unwrap(), generation));
            }
            ok
        }

        fn bytes(&self) -> &[u8] {
            &self.record.as_ref().unwrap().0
        }

        fn generation(&self) -> u32 {
            self.record.as_ref().unwrap().1
        }

        fn opened(&self) -> SealedRecord<'_> {
            SealedRecord::open(&keys(), self.bytes()).unwrap()
        }
    }

    fn keys() -> SessionKeys {
        SessionKeys::derive(&[0x42; 32]).unwrap()
    }

    /// `handle`, then every record write applied to `store` and answered, until nothing but
    /// other commands is left: the commands other than `Persist`, in order.
    fn drive<const N: usize>(
        s: &mut Session<'_, N>,
        store: &mut Store,
        at: u64,
        input: Input<'_>,
    ) -> Vec<Cmd, 12> {
        let cmds = handle(s, at, input);
        answer(s, store, at, cmds)
    }

    /// The commands queued without an input (after a recovery), written and answered as in
    /// [`drive`].
    fn recovered<const N: usize>(
        s: &mut Session<'_, N>,
        store: &mut Store,
        at: u64,
    ) -> Vec<Cmd, 12> {
        let cmds = drain(s);
        answer(s, store, at, cmds)
    }

    fn answer<const N: usize>(
        s: &mut Session<'_, N>,
        store: &mut Store,
        at: u64,
        cmds: Vec<Cmd, 12>,
    ) -> Vec<Cmd, 12> {
        let mut seen = Vec::new();
        let mut answers = Vec::<bool, 4>::new();
        for c in cmds {
            match c {
                Cmd::Persist(record, generation, expect) => {
                    answers
                        .push(store.apply(&record, generation, expect))
                        .unwrap();
                }
                c => seen.push(c).unwrap(),
            }
        }
        for ok in answers {
            for c in drive(s, store, at, Input::Persisted(ok)) {
                seen.push(c).unwrap();
            }
        }
        seen
    }

    fn resume_frame(id: &[u8; 16], token: &str) -> String<256> {
        let mut hex = [0u8; 32];
        let mut f = String::new();
        f.push_str(r#"{"type":"resume_session","sessionId":""#)
            .unwrap();
        f.push_str(hex_id(id, &mut hex)).unwrap();
        f.push_str(r#"","resumeToken":""#).unwrap();
        f.push_str(token).unwrap();
        f.push_str(r#""}"#).unwrap();
        f
    }

    fn token() -> ResumeToken {
        keys().resume_token(&ID, &spec_payer())
    }

    /// An `exact` session with keys, running from `T0 + 100`, its record in `store`.
    fn persisted_exact<'a>(
        offers: &'a OfferSet<'a, 1>,
        p: SessionPolicy<'a>,
        store: &mut Store,
    ) -> Session<'a, 1> {
        let mut s = Session::accept(offers, RESOURCE, p, ID, T0).with_keys(keys());
        let frame = proof_frame(SPEC_HEADER);
        drive(&mut s, store, T0, Input::Text(frame.as_bytes()));
        drive(&mut s, store, T0 + 50, Input::Reserved(Reservation::Fresh));
        let cmds = drive(
            &mut s,
            store,
            T0 + 100,
            Input::Settled(SettleOutcome::Response(settled())),
        );
        let mut started = String::<256>::new();
        started.push_str(r#"{"type":"session_started","sessionId":"07070707070707070707070707070707","balance":"10000","pricePerSecond":"10","resumeToken":""#).unwrap();
        started.push_str(token().as_str()).unwrap();
        started.push_str(r#""}"#).unwrap();
        assert_eq!(&cmds[..], &[send(&started)]);
        assert_eq!(
            (store.generation(), store.opened().phase),
            (1, RecordPhase::Running)
        );
        s
    }

    fn grace(p: u64) -> SessionPolicy<'static> {
        let mut p = policy(p, 3600);
        p.resume_grace_ms = 30_000;
        p
    }

    #[test]
    fn without_keys_nothing_is_persisted_and_resume_session_is_not_a_proof() {
        let offers = exact_offers();
        let mut s = running_exact(&offers, grace(10));
        assert!(handle(&mut s, T0 + 1_000, Input::Closed { code: None }).is_empty());
        let mut s = Session::accept(&offers, RESOURCE, grace(10), ID, T0);
        let frame = resume_frame(&ID, token().as_str());
        let cmds = handle(&mut s, T0, Input::Text(frame.as_bytes()));
        assert_eq!(
            cmds[0],
            send(r#"{"type":"payment_rejected","reason":"payment_proof_expected"}"#)
        );
    }

    #[test]
    fn a_dropped_session_resumes_on_a_new_socket_within_the_grace_and_refunds_once() {
        let offers = exact_offers();
        let mut store = Store::default();
        let mut old = persisted_exact(&offers, grace(10), &mut store);
        // A usage tick is a checkpoint.
        let cmds = drive(&mut old, &mut store, T0 + 3_100, Input::Timer);
        assert_eq!(cmds.len(), 1);
        assert_eq!(
            (store.generation(), store.opened().checkpoint_ms),
            (2, T0 + 3_100)
        );
        // The socket drops at 3.1 s: suspended, recorded.
        assert!(
            drive(
                &mut old,
                &mut store,
                T0 + 3_100,
                Input::Closed { code: None }
            )
            .is_empty()
        );
        assert_eq!(
            (store.generation(), store.opened().phase),
            (3, RecordPhase::Suspended)
        );
        // A new socket, 10 s later, presents the token.
        let mut new =
            Session::accept(&offers, RESOURCE, grace(10), [9; 16], T0 + 13_100).with_keys(keys());
        let frame = resume_frame(&ID, token().as_str());
        let cmds = handle(&mut new, T0 + 13_100, Input::Text(frame.as_bytes()));
        assert_eq!(&cmds[..], &[Cmd::Load(ID)]);
        assert_eq!(new.phase(), Phase::Loading);
        let bytes: Vec<u8, 4800> = Vec::from_slice(store.bytes()).unwrap();
        let cmds = drive(
            &mut new,
            &mut store,
            T0 + 13_100,
            Input::Loaded(Some(&bytes)),
        );
        assert_eq!(
            &cmds[..],
            &[send(
                r#"{"type":"session_resumed","sessionId":"07070707070707070707070707070707","balance":"10000","consumedAmount":"30","remainingBalance":"9970"}"#
            )]
        );
        assert_eq!(
            (store.generation(), store.opened().phase),
            (4, RecordPhase::Running)
        );
        assert_eq!(new.id(), ID);
        // The resume bumps the HTTP grant generation: grants issued before it are revoked.
        assert_eq!((old.grant_generation(), new.grant_generation()), (0, 1));
        assert_eq!(store.opened().grant_generation, 1);
        // 2 s more, then the client closes: 30 + 20 consumed, 9950 refunded, recorded first.
        let cmds = handle(&mut new, T0 + 15_100, Input::Closed { code: Some(1000) });
        let [Cmd::Persist(record, 5, Some(4))] = &cmds[..] else {
            panic!("{cmds:?}")
        };
        assert!(store.apply(record, 5, Some(4)));
        let recorded = store.opened();
        assert_eq!(
            (
                recorded.phase,
                recorded.refund.state,
                recorded.refund.amount
            ),
            (RecordPhase::Refunding, RefundState::Planned, u(9_950))
        );
        let cmds = handle(&mut new, T0 + 15_100, Input::Persisted(true));
        let [Cmd::Refund(order)] = &cmds[..] else {
            panic!("{cmds:?}")
        };
        assert_eq!(
            (order.amount(), Payer::Evm(order.to())),
            (u(9_950), spec_payer())
        );
        let cmds = drive(
            &mut new,
            &mut store,
            T0 + 16_000,
            Input::Refunded(RefundOutcome::Confirmed),
        );
        let st = is_finished(cmds.first()).unwrap();
        assert_eq!((st.paid, st.consumed), (u(10_000), u(50)));
        assert_eq!(store.opened().phase, RecordPhase::Done);
        assert_eq!(store.opened().refund.state, RefundState::Confirmed);
        // The old machine's grace ends: its write loses, it refunds nothing.
        assert_eq!(old.poll_timeout(), Some(T0 + 33_100));
        let cmds = drive(&mut old, &mut store, T0 + 33_100, Input::Timer);
        assert_eq!(&cmds[..], &[Cmd::Abandoned]);
        assert_eq!(old.phase(), Phase::NotOwner);
        assert!(handle(&mut old, T0 + 40_000, Input::Timer).is_empty());
    }

    fn resume_refused(reason: &str) -> Cmd {
        let mut t = String::<1024>::new();
        t.push_str(r#"{"type":"resume_refused","reason":""#)
            .unwrap();
        t.push_str(reason).unwrap();
        t.push_str(r#""}"#).unwrap();
        Cmd::Send(t)
    }

    /// A resume of `frame` at `at` answered with `loaded`: its commands.
    fn try_resume(
        offers: &OfferSet<'_, 1>,
        at: u64,
        frame: &str,
        loaded: Option<&[u8]>,
    ) -> Vec<Cmd, 12> {
        let mut s = Session::accept(offers, RESOURCE, grace(10), [9; 16], at).with_keys(keys());
        let cmds = handle(&mut s, at, Input::Text(frame.as_bytes()));
        if !matches!(cmds[..], [Cmd::Load(_)]) {
            return cmds;
        }
        let cmds = handle(&mut s, at, Input::Loaded(loaded));
        assert_eq!(
            s.phase(),
            if matches!(cmds.last(), Some(Cmd::Finished(_))) {
                Phase::Finished
            } else {
                Phase::Resuming
            }
        );
        cmds
    }

    #[test]
    fn resume_refusals_are_typed_and_close_1008() {
        let offers = exact_offers();
        let mut store = Store::default();
        let mut old = persisted_exact(&offers, grace(10), &mut store);
        drive(
            &mut old,
            &mut store,
            T0 + 1_100,
            Input::Closed { code: None },
        );
        let good = resume_frame(&ID, token().as_str());
        let bytes: Vec<u8, 4800> = Vec::from_slice(store.bytes()).unwrap();
        // After the grace (30 s from the drop at 1.1 s).
        let cmds = try_resume(&offers, T0 + 31_100, &good, Some(&bytes));
        assert_eq!(cmds[0], resume_refused("resume_grace_expired"));
        assert_eq!(cmds[1], Cmd::Close(1008));
        let st = is_finished(cmds.get(2)).unwrap();
        assert_eq!(
            (st.paid, st.refund),
            (U256::ZERO, None),
            "the refused socket owns no money"
        );
        // A token of another payer, of another secret, or garbage.
        let other = keys().resume_token(&ID, &Payer::Evm(Address([1; 20])));
        let alien = SessionKeys::derive(&[1; 32])
            .unwrap()
            .resume_token(&ID, &spec_payer());
        for t in [other.as_str(), alien.as_str(), "x"] {
            let cmds = try_resume(&offers, T0 + 2_000, &resume_frame(&ID, t), Some(&bytes));
            assert_eq!(cmds[0], resume_refused("resume_token_invalid"), "{t}");
        }
        // A tampered record, and one sealed under another secret.
        let mut tampered = bytes.clone();
        tampered[200] ^= 1;
        let cmds = try_resume(&offers, T0 + 2_000, &good, Some(&tampered));
        assert_eq!(cmds[0], resume_refused("record_invalid"));
        // No record; an id that is not 32 lowercase hex digits.
        let cmds = try_resume(&offers, T0 + 2_000, &good, None);
        assert_eq!(cmds[0], resume_refused("unknown_session"));
        let cmds = try_resume(
            &offers,
            T0 + 2_000,
            r#"{"type":"resume_session","sessionId":"ws402_1","resumeToken":"x"}"#,
            None,
        );
        assert_eq!(cmds[0], resume_refused("unknown_session"));
        // An ended session.
        drive(&mut old, &mut store, T0 + 31_100, Input::Timer);
        let ended: Vec<u8, 4800> = Vec::from_slice(store.bytes()).unwrap();
        assert_eq!(store.opened().phase, RecordPhase::Refunding);
        let cmds = try_resume(&offers, T0 + 20_000, &good, Some(&ended));
        assert_eq!(cmds[0], resume_refused("session_ended"));
    }

    #[test]
    fn a_lost_compare_and_swap_closes_1012_and_never_refunds() {
        let offers = exact_offers();
        let mut store = Store::default();
        let mut s = persisted_exact(&offers, policy(10, 3600), &mut store);
        // Another process wrote the record meanwhile.
        let taken = store.generation() + 1;
        let bytes: Vec<u8, 4800> = Vec::from_slice(store.bytes()).unwrap();
        store.record = Some((bytes, taken));
        let cmds = drive(&mut s, &mut store, T0 + 3_100, Input::Timer);
        assert_eq!(cmds.len(), 3, "{cmds:?}");
        assert!(matches!(&cmds[0], Cmd::Send(t) if t.contains("usage_update")));
        assert_eq!(&cmds[1..], &[Cmd::Close(1012), Cmd::Abandoned]);
        assert_eq!(s.phase(), Phase::NotOwner);
        assert_eq!(s.poll_timeout(), None);
        assert_eq!(store.generation(), taken);
        // Nothing it does later asks for money.
        assert!(handle(&mut s, T0 + 4_000, Input::Closed { code: Some(1000) }).is_empty());
        assert_eq!(
            s.handle(T0 + 4_000, Input::Text(b"x")),
            Err(SessionError::Ended)
        );
    }

    #[test]
    fn a_resume_while_the_record_says_running_is_decided_by_the_compare_and_swap() {
        let offers = exact_offers();
        let mut store = Store::default();
        let mut old = persisted_exact(&offers, grace(10), &mut store);
        drive(&mut old, &mut store, T0 + 3_100, Input::Timer);
        // The client's new socket arrives 5 s after the checkpoint; the old socket looks alive.
        let bytes: Vec<u8, 4800> = Vec::from_slice(store.bytes()).unwrap();
        let mut new =
            Session::accept(&offers, RESOURCE, grace(10), [9; 16], T0 + 8_100).with_keys(keys());
        let frame = resume_frame(&ID, token().as_str());
        handle(&mut new, T0 + 8_100, Input::Text(frame.as_bytes()));
        let cmds = drive(
            &mut new,
            &mut store,
            T0 + 8_100,
            Input::Loaded(Some(&bytes)),
        );
        // Billed to the checkpoint only: 3 s, 30.
        assert!(
            matches!(&cmds[0], Cmd::Send(t) if t.contains(r#""consumedAmount":"30""#)),
            "{cmds:?}"
        );
        // The old owner's next checkpoint loses: 1012, no refund.
        let cmds = drive(&mut old, &mut store, T0 + 9_100, Input::Timer);
        assert_eq!(&cmds[1..], &[Cmd::Close(1012), Cmd::Abandoned]);
        // Had the old owner written first, the resume would have lost instead.
        let mut store = Store::default();
        let mut old = persisted_exact(&offers, grace(10), &mut store);
        let bytes: Vec<u8, 4800> = Vec::from_slice(store.bytes()).unwrap();
        let mut new =
            Session::accept(&offers, RESOURCE, grace(10), [9; 16], T0 + 2_000).with_keys(keys());
        handle(&mut new, T0 + 2_000, Input::Text(frame.as_bytes()));
        drive(&mut old, &mut store, T0 + 3_100, Input::Timer);
        let cmds = drive(
            &mut new,
            &mut store,
            T0 + 3_200,
            Input::Loaded(Some(&bytes)),
        );
        assert_eq!(
            &cmds[..2],
            &[resume_refused("session_busy"), Cmd::Close(1008)]
        );
        assert_eq!(old.phase(), Phase::Running);
    }

    #[test]
    fn recovery_of_a_running_record_respects_the_lease_then_awaits_a_resume_or_ends_at_the_checkpoint()
     {
        let offers = exact_offers();
        let mut store = Store::default();
        let mut owner = persisted_exact(&offers, grace(10), &mut store);
        drive(&mut owner, &mut store, T0 + 3_100, Input::Timer);
        drop(owner); // the process dies
        let bytes: Vec<u8, 4800> = Vec::from_slice(store.bytes()).unwrap();
        // Within the lease (2 × 3 s): a live owner.
        let (rec, decision) =
            Session::recover(&offers, RESOURCE, grace(10), keys(), &bytes, T0 + 5_000).unwrap();
        assert_eq!(
            decision,
            Recovery::StillOwned {
                retry_at_ms: T0 + 9_100
            }
        );
        assert_eq!(rec.phase(), Phase::NotOwner);
        // After it, with a grace: suspended at the checkpoint, waiting until checkpoint + grace.
        let (mut rec, decision) =
            Session::recover(&offers, RESOURCE, grace(10), keys(), &bytes, T0 + 10_000).unwrap();
        assert_eq!(
            decision,
            Recovery::AwaitResume {
                until_ms: T0 + 33_100
            }
        );
        let mut out = [0u8; RECOMMENDED_COMMAND_BUFFER_LEN];
        let Some(Command::Persist {
            generation: 3,
            expect: Some(2),
            record,
            ..
        }) = rec.poll_command(&mut out).unwrap()
        else {
            panic!()
        };
        assert!(store.apply(record, 3, Some(2)));
        assert_eq!(store.opened().phase, RecordPhase::Suspended);
        assert_eq!(rec.poll_timeout(), Some(T0 + 33_100));
        assert!(drive(&mut rec, &mut store, T0 + 10_000, Input::Persisted(true)).is_empty());
        // No resume: it ends connection_lost at the checkpoint; 30 consumed, 9970 refunded.
        let cmds = drive(&mut rec, &mut store, T0 + 33_100, Input::Timer);
        let [Cmd::Refund(order)] = &cmds[..] else {
            panic!("{cmds:?}")
        };
        assert_eq!(order.amount(), u(9_970));
        let Ending::Ended(end) = rec.statement().unwrap().ending else {
            panic!()
        };
        assert_eq!(
            (end.reason, end.at_ms, end.consumed),
            (SessionEndReason::ConnectionLost, T0 + 3_100, u(30))
        );
        // Without a grace it ends at once; two recovering processes: one wins.
        let (mut first_m, decision) = Session::recover(
            &offers,
            RESOURCE,
            policy(10, 3600),
            keys(),
            &bytes,
            T0 + 10_000,
        )
        .unwrap();
        assert_eq!(decision, Recovery::End);
        let (mut second_m, _) = Session::recover(
            &offers,
            RESOURCE,
            policy(10, 3600),
            keys(),
            &bytes,
            T0 + 10_000,
        )
        .unwrap();
        let mut store2 = Store {
            record: Some((bytes.clone(), 2)),
        };
        let first = recovered(&mut first_m, &mut store2, T0 + 10_000);
        let second = recovered(&mut second_m, &mut store2, T0 + 10_000);
        assert!(
            matches!(first[..], [Cmd::Refund(o)] if o.amount() == u(9_970)),
            "{first:?}"
        );
        assert_eq!(&second[..], &[Cmd::Abandoned]);
    }

    #[test]
    fn recovery_of_a_recorded_refund_asks_for_the_same_order_again() {
        let offers = exact_offers();
        let mut store = Store::default();
        let mut s = persisted_exact(&offers, policy(10, 3600), &mut store);
        let cmds = drive(
            &mut s,
            &mut store,
            T0 + 2_600,
            Input::Closed { code: Some(1000) },
        );
        let [Cmd::Refund(order)] = cmds[..] else {
            panic!("{cmds:?}")
        };
        drop(s); // dies before the refund's outcome
        let bytes: Vec<u8, 4800> = Vec::from_slice(store.bytes()).unwrap();
        assert_eq!(store.opened().refund.state, RefundState::Planned);
        let (mut r, d) = Session::recover(
            &offers,
            RESOURCE,
            policy(10, 3600),
            keys(),
            &bytes,
            T0 + 600_000,
        )
        .unwrap();
        assert_eq!(d, Recovery::Continue);
        let cmds = recovered(&mut r, &mut store, T0 + 600_000);
        assert_eq!(
            &cmds[..],
            &[Cmd::Refund(order)],
            "the same key: re-sent, never re-signed"
        );
        let cmds = drive(
            &mut r,
            &mut store,
            T0 + 600_100,
            Input::Refunded(RefundOutcome::Confirmed),
        );
        let st = is_finished(cmds.first()).unwrap();
        assert_eq!((st.consumed, st.refund.unwrap().amount), (u(25), u(9_975)));
        // Done: a later recovery does nothing.
        let done: Vec<u8, 4800> = Vec::from_slice(store.bytes()).unwrap();
        let (mut r, d) = Session::recover(
            &offers,
            RESOURCE,
            policy(10, 3600),
            keys(),
            &done,
            T0 + 700_000,
        )
        .unwrap();
        assert_eq!(d, Recovery::Done);
        assert!(drain(&mut r).is_empty());
    }

    fn big_upto_offers() -> OfferSet<'static, 1> {
        let mut offers = OfferSet::new();
        offers
            .push(Offer {
                scheme: OfferScheme::UptoPermit2 {
                    facilitator: "0x000000000000000000000000000000000000dEaD",
                },
                network: "eip155:84532",
                asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
                // 10^20: far above 2^53.
                amount: U256::parse_decimal(
                    b"100000000000000000000",
                    crate::u256::LeadingZeros::Reject,
                )
                .unwrap(),
                pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
                max_timeout_seconds: 7_200,
            })
            .unwrap();
        offers
    }

    #[test]
    fn upto_above_2_pow_53_recovers_its_final_settle_with_the_same_amount() {
        let offers = big_upto_offers();
        let header = upto_header(&offers, NOW_S);
        let frame = proof_frame(&header);
        // 10^16 per second: 1.55 s consume 1.55 × 10^16 > 2^53.
        let mut p = grace(0);
        p.tariff = Tariff::per_second(u(10_000_000_000_000_000));
        let mut store = Store::default();
        let mut s = Session::accept(&offers, RESOURCE, p, ID, T0).with_keys(keys());
        drive(&mut s, &mut store, T0, Input::Text(frame.as_bytes()));
        let cmds = drive(
            &mut s,
            &mut store,
            T0 + 100,
            Input::Reserved(Reservation::Fresh),
        );
        assert!(matches!(&cmds[0], Cmd::Send(t) if t.contains("resumeToken")));
        let cmds = drive(
            &mut s,
            &mut store,
            T0 + 1_650,
            Input::Closed { code: Some(1001) },
        );
        let [Cmd::Settle(amount, _)] = &cmds[..] else {
            panic!("{cmds:?}")
        };
        let expected =
            U256::parse_decimal(b"15500000000000000", crate::u256::LeadingZeros::Reject).unwrap();
        assert_eq!(*amount, expected);
        assert_eq!(store.opened().phase, RecordPhase::Settling);
        drop(s);
        let bytes: Vec<u8, 4800> = Vec::from_slice(store.bytes()).unwrap();
        let (mut r, d) =
            Session::recover(&offers, RESOURCE, p, keys(), &bytes, T0 + 60_000).unwrap();
        assert_eq!(d, Recovery::Continue);
        let cmds = recovered(&mut r, &mut store, T0 + 60_000);
        let [Cmd::Settle(again, body)] = &cmds[..] else {
            panic!("{cmds:?}")
        };
        assert_eq!(*again, expected);
        assert!(body.contains(r#""amount":"15500000000000000""#), "{body}");
        assert!(body.contains(r#""permit2Authorization""#), "{body}");
        let cmds = drive(
            &mut r,
            &mut store,
            T0 + 61_000,
            Input::Settled(SettleOutcome::Response(settled())),
        );
        let st = is_finished(cmds.first()).unwrap();
        assert_eq!(
            (st.paid, st.consumed, st.settlement.unwrap().status),
            (
                U256::parse_decimal(b"100000000000000000000", crate::u256::LeadingZeros::Reject)
                    .unwrap(),
                expected,
                SettleStatus::Settled
            )
        );
        assert_eq!(store.opened().phase, RecordPhase::Done);
    }

    #[test]
    fn upto_running_orphan_without_grace_settles_to_its_last_checkpoint_once() {
        let offers = big_upto_offers();
        let header = upto_header(&offers, NOW_S);
        let frame = proof_frame(&header);
        let mut p = policy(0, 3600);
        p.tariff = Tariff::per_second(u(10_000_000_000_000_000));
        p.update_interval_ms = 1_000;
        let mut store = Store::default();
        let mut s = Session::accept(&offers, RESOURCE, p, ID, T0).with_keys(keys());
        drive(&mut s, &mut store, T0, Input::Text(frame.as_bytes()));
        drive(
            &mut s,
            &mut store,
            T0 + 100,
            Input::Reserved(Reservation::Fresh),
        );
        // One tick at 1 s: the checkpoint records 10^16 consumed; the process dies 0.9 s later.
        drive(&mut s, &mut store, T0 + 1_100, Input::Timer);
        assert_eq!(store.opened().checkpoint_ms, T0 + 1_100);
        drop(s);
        let bytes: Vec<u8, 4800> = Vec::from_slice(store.bytes()).unwrap();
        let (mut rec, decision) =
            Session::recover(&offers, RESOURCE, p, keys(), &bytes, T0 + 60_000).unwrap();
        assert_eq!(decision, Recovery::End);
        let cmds = recovered(&mut rec, &mut store, T0 + 60_000);
        let [Cmd::Settle(amount, _)] = &cmds[..] else {
            panic!("{cmds:?}")
        };
        assert_eq!(*amount, u(10_000_000_000_000_000));
        assert_eq!(store.opened().phase, RecordPhase::Settling);
        // A second recovery of the same (pre-settle) record loses the write: one settlement.
        let (mut twin, _) =
            Session::recover(&offers, RESOURCE, p, keys(), &bytes, T0 + 60_000).unwrap();
        assert_eq!(
            &recovered(&mut twin, &mut store, T0 + 60_000)[..],
            &[Cmd::Abandoned]
        );
    }

    #[test]
    fn a_small_buffer_keeps_the_command_queued() {
        let offers = exact_offers();
        let mut s = Session::accept(&offers, RESOURCE, policy(10, 3600), ID, T0);
        let frame = proof_frame(SPEC_HEADER);
        s.handle(T0, Input::Text(frame.as_bytes())).unwrap();
        s.handle(T0, Input::Reserved(Reservation::Fresh))
            .unwrap_err();
        let mut small = [0u8; 10];
        assert_eq!(
            s.poll_command(&mut small).unwrap_err(),
            SessionError::BufferTooSmall
        );
        assert!(matches!(drain(&mut s)[..], [Cmd::Reserve(..)]));
    }
}
