//! The WS402 server with owned state: [`Ws402Server`] holds the prepared offers and the
//! session policy, [`Ws402Server::schema`] writes the pricing schema, and [`Ws402Session`] keeps
//! one socket's [`pay402::ws402::SessionMachine`] and its command buffer between the host's I/O
//! calls.
//!
//! Every decision is `pay402::ws402`'s: admission of the `payment_proof`, the replay key and its
//! lifetime, what is sent and when, the ends and their close codes, the `/settle` body and its
//! amount, the refund's amount, recipient, asset and key, the statement. This module only owns
//! the offers, grows the buffer and turns each borrowed command into an [`OwnedCommand`].
//!
//! Persistence is opt-in: a server given a secret ([`Ws402Server::with_secret`]) makes every
//! session ask for its sealed record to be written ([`OwnedCommand::Persist`], a create or a
//! compare-and-swap on the generation, answered with [`SessionInput::Persisted`]) and loaded
//! for a `resume_session` ([`OwnedCommand::Load`], [`SessionInput::Loaded`]); a lost
//! compare-and-swap ends in [`OwnedCommand::Abandoned`]. After a restart the host recovers each
//! id its store lists as open ([`Ws402Server::recover`]). HTTP grants are checked against the
//! stored record ([`Ws402Server::grant_check`]). Without a secret none of this happens.
//!
//! On-chain prepayments are opt-in too ([`Ws402Config::chain_proof`], [`ChainProofConfig`]): the
//! seed's Base clients read [`Ws402Server::schema_at`]'s `paymentDetails`, pay on chain and send
//! the transaction hash; the session asks the host for JSON-RPC calls ([`OwnedCommand::Rpc`]:
//! POST the request to the chain's node, answer [`SessionInput::RpcResponse`] with the body or
//! `None`) and decides everything else. Such a server may have no x402 offers at all. A refund
//! of a native prepayment is a value transfer ([`RefundOrder::tx_to`], [`RefundOrder::tx_value`],
//! empty [`RefundOrder::calldata`]).
//!
//! ```
//! use pay402_host::ws402_server::{OwnedCommand, SessionInput, Ws402Config, Ws402Server};
//! use pay402_host::x402_server::{OfferConfig, ResourceConfig};
//! use pay402::U256;
//! let server = Ws402Server::new(
//!     vec![OfferConfig {
//!         network: "eip155:84532".into(),
//!         amount: "30000".into(),
//!         pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C".into(),
//!         ..OfferConfig::default()
//!     }],
//!     ResourceConfig { url: "wss://example.com/ws402/video".into(), ..ResourceConfig::default() },
//!     Ws402Config::new(U256::from_u64(100), 3600),
//! )?;
//! let mut session = server.accept(1_740_672_100_000, [7; 16]);
//! assert_eq!(session.timeout(), Some(1_740_672_110_000)); // the proof timeout
//! let commands = session.handle(1_740_672_100_500, SessionInput::Text(br#"{"type":"hello"}"#))?;
//! assert_eq!(
//!     commands[0],
//!     OwnedCommand::Send(r#"{"type":"payment_rejected","reason":"payment_proof_expected"}"#.into())
//! );
//! assert_eq!(commands[1], OwnedCommand::Close(1008));
//! assert!(matches!(commands[2], OwnedCommand::Finished(_)));
//! # Ok::<(), pay402_host::HostError>(())
//! ```

use pay402::ErrorCode;
use pay402::U256;
use pay402::evm::Address;
use pay402::json::{JsonStr, RawValue};
use pay402::onchain::evm::EvmAsset;
use pay402::u256::LeadingZeros;
use pay402::writer::write_all;
use pay402::ws402::ChainProofTerms;
use pay402::ws402::http_grant;
use pay402::ws402::{
    Command, Grant, GrantRefusal, GrantSession, Input, Phase, Pricing,
    RECOMMENDED_COMMAND_BUFFER_LEN, RecordPhase, RefundOutcome, Reservation, Schema, SealedRecord,
    SessionError, SessionKeys, SessionMachine, SessionPolicy, Statement, Tariff,
};
use pay402::x402::SettleResponse;
use pay402::x402::header;
use pay402::x402::refund::RefundOrder;
use pay402::x402::server::SettleOutcome;

pub use pay402::ws402::Recovery;

use crate::HostError;
use crate::x402_server::{OfferConfig, ResourceConfig, X402Server};

/// The largest command buffer grown (a `/settle` body of the longest proof fits in 8 KiB).
const MAX_BUFFER: usize = 1 << 20;

/// The WS402 schema `version` (WS402 `src/WS402.ts` `generateSchema`).
pub const SCHEMA_VERSION: &str = "0.1.2";

/// A session's prices, limits and clocks, owned (the core's [`SessionPolicy`] with the
/// reference verification, plus the schema's informational fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ws402Config {
    /// The prices, in the paid asset's atomic units (per second, byte in, byte out, message).
    pub tariff: Tariff,
    /// The longest active time of a session, in seconds (the schema's `maxSessionDuration`).
    pub max_session_seconds: u64,
    /// Milliseconds between `usage_update`s; 0 sends none.
    pub update_interval_ms: u64,
    /// Milliseconds the client has to send its `payment_proof`.
    pub proof_timeout_ms: u64,
    /// Milliseconds a dropped connection stays suspended before the session ends.
    pub resume_grace_ms: u64,
    /// Seconds kept between an `upto` session's deadline and its authorization's expiry.
    pub settle_margin_s: u64,
    /// Milliseconds a running record's last checkpoint proves a live owner to
    /// [`Ws402Server::recover`]; 0: twice `update_interval_ms`.
    pub lease_ms: u64,
    /// The schema's `pricing.estimatedDuration`, seconds (`totalPrice` is `pricePerSecond ×`
    /// it); `None`: `max_session_seconds`.
    pub estimated_duration_seconds: Option<u64>,
    /// The schema's `pricing.currency` (informational); `None`: the first offer's asset.
    pub currency: Option<String>,
    /// The schema's `resourceId`; `None`: the resource URL.
    pub resource_id: Option<String>,
    /// Prepayments proven by an on-chain EVM transaction (the seed's `payment_proof` with a
    /// `txHash`); `None`: x402 payments only.
    pub chain_proof: Option<ChainProofConfig>,
}

/// On-chain prepayments a server accepts (the seed's Base clients): the client pays
/// `pricePerSecond × estimatedDuration` (the schema's `totalPrice`, in the asset's atomic
/// units: the tariff is in them) to `pay_to` on chain, and names the transaction in its
/// `payment_proof`; the session verifies it through the host's JSON-RPC node
/// ([`OwnedCommand::Rpc`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainProofConfig {
    /// The EIP-155 chain id the RPC node serves (8453 Base, 84532 Base Sepolia).
    pub chain_id: u64,
    /// The ERC-20 token's `0x` address; `None`: the native coin (ETH).
    pub asset: Option<String>,
    /// The payee's `0x` address.
    pub pay_to: String,
    /// Confirmations needed (1: included). Default 1.
    pub min_confirmations: u64,
    /// The oldest block time accepted, seconds before the check (the seed's
    /// `paymentTimeout`). Default 300.
    pub max_age_seconds: u64,
}

impl ChainProofConfig {
    /// Native ETH on `chain_id` to `pay_to`, with the defaults (1 confirmation, 300 s).
    pub fn new(chain_id: u64, pay_to: impl Into<String>) -> Self {
        Self {
            chain_id,
            asset: None,
            pay_to: pay_to.into(),
            min_confirmations: pay402::ws402::DEFAULT_MIN_CONFIRMATIONS,
            max_age_seconds: pay402::ws402::DEFAULT_MAX_AGE_SECS,
        }
    }

    /// The core's terms for a prepayment of `min_amount`. Errors: `invalid_chain_id` (0),
    /// `invalid_pay_to`, `invalid_asset`.
    fn terms(&self, min_amount: U256) -> Result<ChainProofTerms, HostError> {
        if self.chain_id == 0 {
            return Err(HostError::config(
                "invalid_chain_id",
                "chain proofs need an EIP-155 chain id above 0",
            ));
        }
        let pay_to = Address::parse(self.pay_to.as_bytes()).map_err(|e| {
            HostError::config(
                "invalid_pay_to",
                format!("{:?} is not an EVM address: {e}", self.pay_to),
            )
        })?;
        let asset = match &self.asset {
            None => EvmAsset::Native,
            Some(token) => EvmAsset::Token(Address::parse(token.as_bytes()).map_err(|e| {
                HostError::config(
                    "invalid_asset",
                    format!("{token:?} is not an ERC-20 token address: {e}"),
                )
            })?),
        };
        Ok(ChainProofTerms {
            chain_id: self.chain_id,
            asset,
            pay_to,
            min_amount,
            max_age_secs: self.max_age_seconds,
            min_confirmations: self.min_confirmations,
        })
    }
}

impl Ws402Config {
    /// A time-only tariff of `per_second` and `max_session_seconds`, with the core's defaults
    /// ([`SessionPolicy::new`]: a `usage_update` every 3 s, 10 s for the proof, no resume
    /// grace, a 120 s settle margin).
    pub fn new(per_second: U256, max_session_seconds: u64) -> Self {
        Self::of(&SessionPolicy::new(
            Tariff::per_second(per_second),
            max_session_seconds,
        ))
    }

    /// Seconds an `upto` authorization must stay valid from its admission
    /// ([`SessionPolicy::upto_validity_s`]): an `upto` offer's `maxTimeoutSeconds` is at least this.
    pub fn upto_validity_s(&self) -> u64 {
        self.policy().upto_validity_s()
    }

    fn of(p: &SessionPolicy<'static>) -> Self {
        Self {
            tariff: p.tariff,
            max_session_seconds: p.max_session_seconds,
            update_interval_ms: p.update_interval_ms,
            proof_timeout_ms: p.proof_timeout_ms,
            resume_grace_ms: p.resume_grace_ms,
            settle_margin_s: p.settle_margin_s,
            lease_ms: p.lease_ms,
            estimated_duration_seconds: None,
            currency: None,
            resource_id: None,
            chain_proof: None,
        }
    }

    /// `pricePerSecond × estimatedDuration` (the schema's `totalPrice`). Errors: `invalid_price`.
    fn total_price(&self) -> Result<U256, HostError> {
        let estimated = self
            .estimated_duration_seconds
            .unwrap_or(self.max_session_seconds);
        self.tariff
            .per_second
            .checked_mul(U256::from_u64(estimated))
            .ok_or_else(|| {
                HostError::config(
                    "invalid_price",
                    "pricePerSecond × estimatedDuration is above 2^256 - 1",
                )
            })
    }

    fn policy(&self) -> SessionPolicy<'static> {
        let mut p = SessionPolicy::new(self.tariff, self.max_session_seconds);
        p.update_interval_ms = self.update_interval_ms;
        p.proof_timeout_ms = self.proof_timeout_ms;
        p.resume_grace_ms = self.resume_grace_ms;
        p.settle_margin_s = self.settle_margin_s;
        p.lease_ms = self.lease_ms;
        p
    }
}

/// A price as the bindings give it: decimal atomic units (no sign, no fraction, no exponent).
/// Errors: `invalid_amount`.
pub fn parse_amount(text: &str) -> Result<U256, HostError> {
    U256::parse_decimal(text.as_bytes(), LeadingZeros::Reject).map_err(|e| {
        HostError::config(
            "invalid_amount",
            format!("{text:?} is not a decimal number of atomic units: {e}"),
        )
    })
}

/// What the host reports to [`Ws402Session::handle`] (the core's [`Input`], with the
/// settlement's answer as its JSON body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionInput<'a> {
    /// A text frame from the client.
    Text(&'a [u8]),
    /// A binary frame from the client.
    Binary(&'a [u8]),
    /// The timer armed at [`Ws402Session::timeout`] fired.
    Timer,
    /// The socket closed with this close code, or without a close frame (`None`: a drop).
    Closed(Option<u16>),
    /// The application ended the session (`true`: with an error).
    AppEnded(bool),
    /// The application wants to send a frame of this many bytes: send it only on
    /// [`OwnedCommand::SendAppFrame`].
    AppSend(u64),
    /// An HTTP response of this many body bytes is about to be served under the session's
    /// grant: serve it only on [`OwnedCommand::ServeHttp`] (see [`Ws402Session::http_serve`]).
    HttpServe(u64),
    /// The replay store's answer to [`OwnedCommand::Reserve`].
    Reserved(Reservation),
    /// The `/settle` answer's JSON body, or `None` when there was none (timeout, connection
    /// error, 5xx). An unreadable body counts as no answer.
    Settled(Option<&'a [u8]>),
    /// The settlement layer's answer to [`OwnedCommand::Refund`].
    Refunded(RefundOutcome),
    /// The store's answer to [`OwnedCommand::Persist`]: `true` when written (created, or
    /// swapped from the expected generation), `false` when another write came first.
    Persisted(bool),
    /// The store's answer to [`OwnedCommand::Load`]: the record's bytes, or `None`.
    Loaded(Option<&'a [u8]>),
    /// The answer to [`OwnedCommand::Rpc`]: the whole HTTP response body, or `None` when the
    /// call failed (connection error, timeout, HTTP status other than 200). The core reads the
    /// JSON-RPC `result` or `error` itself.
    RpcResponse(Option<&'a [u8]>),
}

/// One command of the core, owned. The host does them in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnedCommand {
    /// Send this text frame to the client.
    Send(String),
    /// Send the application's frame of the last [`SessionInput::AppSend`]: it is paid for.
    SendAppFrame,
    /// Hand the client's frame of the last `handle` to the application.
    DeliverToApp,
    /// Serve the HTTP response of the last [`SessionInput::HttpServe`]: it is paid for.
    ServeHttp,
    /// Close the socket with this code.
    Close(u16),
    /// Reserve `key` in the replay store for `ttl` seconds (insert if absent) and report
    /// [`SessionInput::Reserved`].
    Reserve {
        /// The replay key.
        key: Vec<u8>,
        /// Seconds.
        ttl: u64,
    },
    /// Delete the replay reservation of [`OwnedCommand::Reserve`].
    Release {
        /// The replay key.
        key: Vec<u8>,
    },
    /// Post `body` to `/settle` (or give it to the local settlement) and report
    /// [`SessionInput::Settled`].
    Settle {
        /// The `/settle` request body.
        body: Vec<u8>,
        /// The amount settled.
        amount: U256,
    },
    /// Pay this refund once (the settlement layer's `refund`) and report
    /// [`SessionInput::Refunded`].
    Refund(RefundOrder),
    /// The session is over; queued exactly once.
    Finished(Box<Statement>),
    /// Write the session's sealed record and report [`SessionInput::Persisted`]: with
    /// `expect: None` create it under `session_id` (only if absent), else replace it only if
    /// the stored generation is `expect` (the store's compare-and-swap); keep it `ttl_s`
    /// seconds. Only on a server with a secret ([`Ws402Server::with_secret`]).
    Persist {
        /// The session id (32 lowercase hex digits): the store's key.
        session_id: String,
        /// The sealed record.
        record: Vec<u8>,
        /// Its generation.
        generation: u64,
        /// The generation the store must hold; `None`: create.
        expect: Option<u64>,
        /// Seconds to keep it.
        ttl_s: u64,
    },
    /// Load the record of `session_id` (a `resume_session`) and report
    /// [`SessionInput::Loaded`].
    Load {
        /// The session id (32 lowercase hex digits).
        session_id: String,
    },
    /// Another process owns the session (a lost compare-and-swap): forget it here; no settle,
    /// no refund, no record write. Queued at most once, instead of `Finished`.
    Abandoned,
    /// POST `{"jsonrpc":"2.0","id":1,"method":<method>,"params":<params>}` (`params` verbatim
    /// JSON) to the chain's JSON-RPC node and report [`SessionInput::RpcResponse`] with the
    /// response body. Only on a server with chain proofs ([`Ws402Config::chain_proof`]).
    Rpc {
        /// The JSON-RPC method.
        method: String,
        /// The `params` array, JSON text.
        params: String,
    },
}

impl OwnedCommand {
    /// `send`, `send_app_frame`, `deliver_to_app`, `close`, `reserve`, `release`, `settle`,
    /// `refund`, `finished`, `persist`, `load`, `abandoned` or `rpc`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Send(_) => "send",
            Self::SendAppFrame => "send_app_frame",
            Self::DeliverToApp => "deliver_to_app",
            Self::ServeHttp => "serve_http",
            Self::Close(_) => "close",
            Self::Reserve { .. } => "reserve",
            Self::Release { .. } => "release",
            Self::Settle { .. } => "settle",
            Self::Refund(_) => "refund",
            Self::Finished(_) => "finished",
            Self::Persist { .. } => "persist",
            Self::Load { .. } => "load",
            Self::Abandoned => "abandoned",
            Self::Rpc { .. } => "rpc",
        }
    }

    fn of(command: &Command<'_>, session_id: &str) -> Self {
        match *command {
            Command::Send(text) => Self::Send(text.to_owned()),
            Command::SendAppFrame => Self::SendAppFrame,
            Command::DeliverToApp => Self::DeliverToApp,
            Command::ServeHttp => Self::ServeHttp,
            Command::Close { code } => Self::Close(code),
            Command::Reserve { key, ttl } => Self::Reserve {
                key: key.to_vec(),
                ttl,
            },
            Command::Release { key } => Self::Release { key: key.to_vec() },
            Command::Settle { body, amount } => Self::Settle {
                body: body.to_vec(),
                amount,
            },
            Command::Refund(order) => Self::Refund(order),
            Command::Finished(statement) => Self::Finished(Box::new(statement)),
            Command::Persist {
                record,
                generation,
                expect,
                ttl_s,
            } => Self::Persist {
                session_id: session_id.to_owned(),
                record: record.to_vec(),
                generation: u64::from(generation),
                expect: expect.map(u64::from),
                ttl_s,
            },
            Command::Load { session_id } => Self::Load {
                session_id: hex_id(&session_id),
            },
            Command::Abandoned => Self::Abandoned,
            Command::Rpc { method, params } => Self::Rpc {
                method: method.to_owned(),
                params: String::from_utf8_lossy(params).into_owned(),
            },
        }
    }
}

/// Writes with `write` into a buffer grown from `size` up to [`MAX_BUFFER`].
fn grow<E: ErrorCode + core::fmt::Display>(
    mut size: usize,
    write: impl Fn(&mut [u8]) -> Result<usize, E>,
) -> Result<Vec<u8>, HostError> {
    loop {
        let mut out = vec![0u8; size];
        match write(&mut out) {
            Ok(n) => {
                out.truncate(n);
                return Ok(out);
            }
            Err(_) if size < MAX_BUFFER => size = size.saturating_mul(2),
            Err(e) => return Err(HostError::of(&e)),
        }
    }
}

fn hex_id(id: &[u8; 16]) -> String {
    let mut out = [0u8; 32];
    pay402::hex::encode_lower_into(id, &mut out).map_or_else(|_| String::new(), str::to_owned)
}

/// A WS402 server: the offers, prepared once (as [`X402Server`]), and the session policy.
/// Cheap to clone; safe to share between threads.
#[derive(Debug, Clone)]
pub struct Ws402Server {
    x402: X402Server,
    config: Ws402Config,
    keys: Option<SessionKeys>,
    chain: Option<ChainProofTerms>,
}

impl Ws402Server {
    /// Prepares `offers` for `resource` under `policy`. With [`Ws402Config::chain_proof`] the
    /// server also accepts on-chain prepayments of the schema's `totalPrice`, and `offers` may
    /// be empty (on-chain proofs only).
    ///
    /// Errors: [`X402Server::new`]'s (`no_offers` only without chain proofs), and for chain
    /// proofs `invalid_chain_id`, `invalid_pay_to`, `invalid_asset`, `invalid_price`, and
    /// `chain_proof_payee_shared` (an offer pays the chain proof's payee in its token on its
    /// chain: [`pay402::ws402::check_payee_apart`]).
    pub fn new(
        offers: Vec<OfferConfig>,
        resource: ResourceConfig,
        policy: Ws402Config,
    ) -> Result<Self, HostError> {
        let chain = match &policy.chain_proof {
            Some(c) => Some(c.terms(policy.total_price()?)?),
            None => None,
        };
        // An `upto` offer configured without `maxTimeoutSeconds` asks for what admission needs
        // (the core's rule, `SessionPolicy::upto_offer_timeout_s`).
        let upto_timeout = policy.policy().upto_offer_timeout_s();
        let offers: Vec<OfferConfig> = offers
            .into_iter()
            .map(|mut o| {
                if o.scheme == "upto" && o.max_timeout_seconds.is_none() {
                    o.max_timeout_seconds = Some(upto_timeout);
                }
                o
            })
            .collect();
        let x402 = if chain.is_some() {
            X402Server::prepare(offers, resource)?
        } else {
            X402Server::new(offers, resource)?
        };
        pay402::ws402::check_refundable(x402.offers()).map_err(|e| {
            HostError::config(
                e.code(),
                "an exact Solana offer cannot sell a WS402 session: its unused prepayment could not be refunded (sell it with an EVM offer, or upto)",
            )
        })?;
        if let Some(terms) = &chain {
            pay402::ws402::check_payee_apart(x402.offers(), terms)
                .map_err(|e| HostError::config(e.code(), e.to_string()))?;
        }
        Ok(Self {
            x402,
            config: policy,
            keys: None,
            chain,
        })
    }

    /// Turns on persistence, resume tokens, resumption and recovery with the server `secret`
    /// (32 to 64 random bytes, the same for every process sharing a store): every session
    /// then asks for its record to be written ([`OwnedCommand::Persist`]), `session_started`
    /// carries a `resumeToken`, a new socket's first frame `resume_session` loads the record
    /// ([`OwnedCommand::Load`]), and [`Ws402Server::recover`] takes over stored records after a
    /// restart. Without a secret none of this happens.
    ///
    /// Errors: `invalid_server_secret`.
    pub fn with_secret(mut self, secret: &[u8]) -> Result<Self, HostError> {
        self.keys = Some(SessionKeys::derive(secret).map_err(|e| HostError::of(&e))?);
        Ok(self)
    }

    /// Checks the `Authorization` value of an HTTP request for `resource_url` against the
    /// session's stored `record` (loaded by the host under the id [`Ws402Server::grant_session_id`]
    /// names; `None` when there is none): the record must open under this server's secret, and
    /// the grant must be for its session, unexpired, for this URL, at or above the record's
    /// grant generation (a resume revokes older grants), on a running session. The refusal's
    /// `status()` and `code()` are the HTTP answer ([`pay402::ws402::http_grant`]). Without a
    /// secret every request is `grant_required`.
    pub fn grant_check(
        &self,
        authorization: Option<&str>,
        resource_url: &str,
        record: Option<&[u8]>,
        now_ms: u64,
    ) -> Result<Grant, GrantRefusal> {
        let Some(keys) = self.keys.as_ref() else {
            return Err(GrantRefusal::GrantRequired);
        };
        let Some(id) = http_grant::lookup_id(authorization) else {
            // No token, or a malformed one: the check names which.
            return http_grant::check(
                keys,
                authorization,
                resource_url,
                now_ms,
                GrantSession {
                    session_id: [0; 16],
                    phase: RecordPhase::Done,
                    generation: u32::MAX,
                },
            );
        };
        let opened = record.and_then(|r| SealedRecord::open(keys, r).ok());
        let Some(opened) = opened.filter(|r| r.session_id == id) else {
            return Err(GrantRefusal::GrantInvalid);
        };
        http_grant::check(
            keys,
            authorization,
            resource_url,
            now_ms,
            GrantSession {
                session_id: opened.session_id,
                phase: opened.phase,
                generation: opened.grant_generation,
            },
        )
    }

    /// The JSON body of a grant refusal's answer (the status is `refusal.status()`): the 402s
    /// (`grant_required`, `balance_insufficient`) carry the seed's `error` and `message` and
    /// the WS402 schema's `schema_url` (the URL where the host serves the schema), the others
    /// their code ([`GrantRefusal::write_body`]).
    pub fn grant_refusal_body(refusal: GrantRefusal, schema_url: &str) -> String {
        let mut buf = vec![0u8; 256 + 6 * schema_url.len()];
        refusal
            .write_body(schema_url, &mut buf)
            .map(str::to_owned)
            .unwrap_or_default()
    }

    /// The refusal of a request whose grant verified ([`Ws402Server::grant_check`]) but whose
    /// session has no live machine in this process (its socket is held by another process, or
    /// it is not running here): `session_elsewhere` (403). Such a response cannot be charged,
    /// so it is never served.
    pub fn grant_elsewhere() -> GrantRefusal {
        GrantRefusal::SessionElsewhere
    }

    /// The session id (32 lowercase hex digits) a request's `WS402` grant names, **unverified**:
    /// only for loading that session's record before [`Ws402Server::grant_check`].
    pub fn grant_session_id(authorization: Option<&str>) -> Option<String> {
        http_grant::lookup_id(authorization).map(|id| hex_id(&id))
    }

    /// `true` when the server has a secret ([`Ws402Server::with_secret`]).
    pub fn resumable(&self) -> bool {
        self.keys.is_some()
    }

    /// A session recovered from its stored `record` after a restart, and what the core
    /// decided ([`Recovery`]). At start, a host recovers every id of its store's `open_ids()`:
    /// load the record, call this, then act on the decision:
    ///
    /// - `StillOwned { retry_at_ms }`: another process holds it; drop the session, load and
    ///   recover again at `retry_at_ms`.
    /// - `AwaitResume { until_ms }`, `End`, `Continue`: do the session's [`Ws402Session::pending`]
    ///   commands (the first is the record write that takes the session over; its
    ///   compare-and-swap lets one process act), arm the timer at [`Ws402Session::timeout`],
    ///   and keep the session under its id so that a `resume_session` for it (which loads the
    ///   record in a new session) or the grace's end finishes it.
    /// - `Done`: nothing is left; the record may be deleted.
    ///
    /// Errors: `session_unsupported` (no secret); the record's (`record_tampered`,
    /// `invalid_record_length`, `unsupported_record_version`, `inconsistent_record`).
    pub fn recover(
        &self,
        record: &[u8],
        now_ms: u64,
    ) -> Result<(Ws402Session, Recovery), HostError> {
        let keys = self.keys.clone().ok_or_else(|| {
            HostError::config(
                "session_unsupported",
                "recovery needs the server secret (Ws402Server::with_secret)",
            )
        })?;
        let (machine, recovery) =
            SessionMachine::recover(self.x402.offers(), self.policy(), keys, record, now_ms)
                .map_err(|e| HostError::of(&e))?;
        Ok((
            Ws402Session {
                x402: self.x402.clone(),
                machine,
                buf: vec![0u8; RECOMMENDED_COMMAND_BUFFER_LEN],
            },
            recovery,
        ))
    }

    /// The policy.
    pub fn config(&self) -> &Ws402Config {
        &self.config
    }

    /// The core's policy: the configuration's, with the chain proof terms.
    fn policy(&self) -> SessionPolicy<'static> {
        let mut p = self.config.policy();
        p.chain_proof = self.chain;
        p
    }

    /// The core's on-chain proof terms, when chain proofs are on.
    pub fn chain_proof_terms(&self) -> Option<ChainProofTerms> {
        self.chain
    }

    /// The WS402 schema JSON for a socket at `ws_url`: `pricing` from the tariff
    /// (`pricePerSecond`, `estimatedDuration`, `totalPrice = pricePerSecond × estimatedDuration`),
    /// `maxSessionDuration`, and as `paymentDetails` the offers' x402 v2 `PaymentRequired` (the
    /// JSON of the challenge's `PAYMENT-REQUIRED` header; none on a server without offers).
    /// The seed's on-chain fields are added by [`Ws402Server::schema_at`] only.
    ///
    /// Errors: `invalid_price` (the total above 2²⁵⁶ − 1), the challenge's.
    pub fn schema(&self, ws_url: &str) -> Result<Vec<u8>, HostError> {
        self.write_schema(ws_url, None)
    }

    /// The schema of [`Ws402Server::schema`], with the seed's `paymentDetails` merged in when
    /// chain proofs are on ([`pay402::ws402::write_payment_details`]: `type:"base"`, `network`,
    /// `chainId`, `recipient`, `amount`, `amountWei`, `amountETH` (native), `currency`,
    /// `tokenAddress` (tokens), `reference`, `expiresAt`) beside the x402 `PaymentRequired`
    /// members when the server also has offers. `now_ms` is the wall clock (`expiresAt` is it
    /// plus the maximum age, and the reference names it); `reference_random` are 8 random
    /// bytes from the host (the reference is informational: the server never reads it back).
    /// Without chain proofs it is [`Ws402Server::schema`].
    ///
    /// Errors: as [`Ws402Server::schema`].
    pub fn schema_at(
        &self,
        ws_url: &str,
        now_ms: u64,
        reference_random: [u8; 8],
    ) -> Result<Vec<u8>, HostError> {
        self.write_schema(ws_url, Some((now_ms, reference_random)))
    }

    /// The offers' x402 `PaymentRequired` JSON; `None` without offers.
    fn payment_required(&self) -> Result<Option<Vec<u8>>, HostError> {
        if self.x402.offers().is_empty() {
            return Ok(None);
        }
        let reply = self.x402.challenge(None, None)?;
        let value = reply
            .headers
            .iter()
            .find(|(name, _)| name == header::PAYMENT_REQUIRED)
            .map(|(_, value)| value.as_bytes())
            .ok_or_else(|| HostError::config("invalid_challenge", "no PAYMENT-REQUIRED header"))?;
        let mut json = vec![0u8; value.len()];
        let n = header::decode(value, &mut json)
            .map_err(|e| HostError::of(&e))?
            .len();
        json.truncate(n);
        Ok(Some(json))
    }

    fn write_schema(
        &self,
        ws_url: &str,
        seed: Option<(u64, [u8; 8])>,
    ) -> Result<Vec<u8>, HostError> {
        let required = self.payment_required()?;
        let required_value = match &required {
            Some(json) => Some(RawValue::parse(json).map_err(|e| HostError::of(&e))?),
            None => None,
        };
        let seed_details = match (self.chain.as_ref(), seed) {
            (Some(terms), Some((now_ms, random))) => Some(grow(256, |out| {
                write_all(out, |w| {
                    pay402::ws402::write_payment_details(terms, required_value, now_ms, random, w)
                })
            })?),
            _ => None,
        };
        let details = match &seed_details {
            Some(json) => Some(RawValue::parse(json).map_err(|e| HostError::of(&e))?),
            None => required_value,
        };
        let c = &self.config;
        let estimated = c
            .estimated_duration_seconds
            .unwrap_or(c.max_session_seconds);
        let resource = self.x402.resource();
        let offers = self.x402.offers();
        let mut token = [0u8; 42];
        let default_currency = match (offers.get(0), self.chain.as_ref()) {
            (Some(o), _) => o.offer().asset,
            (None, Some(t)) => match t.asset {
                EvmAsset::Native => "ETH",
                EvmAsset::Token(a) => a.to_checksum(&mut token),
            },
            (None, None) => "",
        };
        let pricing = Pricing {
            price_per_second: c.tariff.per_second,
            currency: JsonStr::from(c.currency.as_deref().unwrap_or(default_currency)),
            estimated_duration: estimated,
            total_price: c.total_price()?,
        };
        let schema = Schema {
            version: JsonStr::from(SCHEMA_VERSION),
            resource_id: JsonStr::from(c.resource_id.as_deref().unwrap_or(resource.url)),
            websocket_endpoint: JsonStr::from(ws_url),
            pricing,
            payment_details: details,
            max_session_duration: c.max_session_seconds,
            resource_info: None,
        };
        let hint = required
            .as_ref()
            .map_or(0, Vec::len)
            .saturating_add(seed_details.as_ref().map_or(0, Vec::len));
        grow(hint.saturating_mul(2).saturating_add(1024), |out| {
            write_all(out, |w| schema.encode(w))
        })
    }

    /// A session for a socket opened at `now_ms` (Unix milliseconds); `id` is 16 random bytes
    /// from the host (the wire `sessionId` is their lowercase hex).
    pub fn accept(&self, now_ms: u64, id: [u8; 16]) -> Ws402Session {
        let mut machine = SessionMachine::accept(self.policy(), id, now_ms);
        if let Some(keys) = &self.keys {
            machine = machine.with_keys(keys.clone());
        }
        Ws402Session {
            x402: self.x402.clone(),
            machine,
            buf: vec![0u8; RECOMMENDED_COMMAND_BUFFER_LEN],
        }
    }
}

/// The core's answer to [`Ws402Session::http_serve`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpServe {
    /// Serve the response: the commands, in order (the first is [`OwnedCommand::ServeHttp`]).
    Served(Vec<OwnedCommand>),
    /// Do not serve it: answer the refusal's status with [`Ws402Server::grant_refusal_body`].
    Refused(GrantRefusal),
}

/// One WS402 session, server side, owned: the core machine, the server it was accepted by, and
/// its command buffer.
#[derive(Debug, Clone)]
pub struct Ws402Session {
    x402: X402Server,
    machine: SessionMachine<'static>,
    buf: Vec<u8>,
}

impl Ws402Session {
    /// Reports `input` at `now_ms` and returns every command it led to, in order.
    ///
    /// Errors: the core's [`SessionError`] codes (`session_not_started`, `session_suspended`,
    /// `session_ended`, `session_out_of_order`; the session is unchanged), a `/settle` body's
    /// configuration codes.
    pub fn handle(
        &mut self,
        now_ms: u64,
        input: SessionInput<'_>,
    ) -> Result<Vec<OwnedCommand>, HostError> {
        let input = match input {
            SessionInput::Text(frame) => Input::Text(frame),
            SessionInput::Binary(frame) => Input::Binary(frame),
            SessionInput::Timer => Input::Timer,
            SessionInput::Closed(code) => Input::Closed { code },
            SessionInput::AppEnded(error) => Input::AppEnded { error },
            SessionInput::AppSend(bytes) => Input::AppSend { bytes },
            SessionInput::HttpServe(bytes) => Input::HttpServe { bytes },
            SessionInput::Reserved(r) => Input::Reserved(r),
            SessionInput::Settled(body) => {
                Input::Settled(match body.and_then(|b| SettleResponse::from_json(b).ok()) {
                    Some(response) => SettleOutcome::Response(response),
                    None => SettleOutcome::Unavailable,
                })
            }
            SessionInput::Refunded(r) => Input::Refunded(r),
            SessionInput::Persisted(ok) => Input::Persisted(ok),
            SessionInput::Loaded(record) => Input::Loaded(record),
            SessionInput::RpcResponse(body) => Input::RpcResponse(body),
        };
        let result = self.machine.handle(self.x402.offers(), now_ms, input);
        result.map_err(|e| HostError::of(&e))?;
        self.drain()
    }

    /// Charges an HTTP response of `bytes` body bytes, served under the session's grant (after
    /// [`Ws402Server::grant_check`] granted it), **before** it is sent: `Served` with the
    /// commands to do (the first is [`OwnedCommand::ServeHttp`]: send the response; the others,
    /// when the response took the last of the balance, end the session), or `Refused` with the
    /// core's refusal ([`GrantRefusal::for_session_error`]: `balance_insufficient` (402),
    /// `session_suspended`, `session_ended`, `session_elsewhere` (403)); a refusal changes
    /// nothing and the session goes on. The answer's body is
    /// [`Ws402Server::grant_refusal_body`].
    ///
    /// Errors: a command buffer that cannot grow.
    pub fn http_serve(&mut self, now_ms: u64, bytes: u64) -> Result<HttpServe, HostError> {
        let input = Input::HttpServe { bytes };
        match self.machine.handle(self.x402.offers(), now_ms, input) {
            Ok(()) => Ok(HttpServe::Served(self.drain()?)),
            Err(e) => Ok(HttpServe::Refused(GrantRefusal::for_session_error(&e))),
        }
    }

    /// The commands queued without an input: those of a recovered session
    /// ([`Ws402Server::recover`]), to do before anything else.
    ///
    /// Errors: as [`Ws402Session::handle`].
    pub fn pending(&mut self) -> Result<Vec<OwnedCommand>, HostError> {
        self.drain()
    }

    fn drain(&mut self) -> Result<Vec<OwnedCommand>, HostError> {
        let offers = self.x402.offers();
        let resource = self.x402.resource();
        let mut commands = Vec::new();
        loop {
            let len = self.buf.len();
            let id = hex_id(&self.machine.id());
            match self.machine.poll_command(offers, &resource, &mut self.buf) {
                Ok(Some(command)) => commands.push(OwnedCommand::of(&command, &id)),
                Ok(None) => return Ok(commands),
                Err(SessionError::BufferTooSmall) if len < MAX_BUFFER => {
                    self.buf.resize(len.saturating_mul(2), 0);
                }
                Err(e) => return Err(HostError::of(&e)),
            }
        }
    }

    /// When to report [`SessionInput::Timer`] next (Unix ms); `None`: no timer.
    pub fn timeout(&self) -> Option<u64> {
        self.machine.poll_timeout()
    }

    /// The statement once the session ended (its settlement or refund may still be awaited:
    /// `finished` is `false` then).
    pub fn statement(&self) -> Option<Statement> {
        self.machine.statement()
    }

    /// Where the session is.
    pub fn phase(&self) -> Phase {
        self.machine.phase()
    }

    /// The session id.
    pub fn id(&self) -> [u8; 16] {
        self.machine.id()
    }

    /// The wire `sessionId` (32 lowercase hex digits).
    pub fn session_id(&self) -> String {
        self.machine.session_id(&mut [0; 32]).to_owned()
    }

    /// The verified payer, once a payment was admitted.
    pub fn payer(&self) -> Option<pay402::ws402::Payer> {
        self.machine.payer()
    }

    /// The HTTP grant generation to issue this session's grants at
    /// ([`pay402::ws402::http_grant::issue`]); bumped by every resume.
    pub fn grant_generation(&self) -> u32 {
        self.machine.grant_generation()
    }

    /// The generation of the last record this session asked to write (0: none yet).
    pub fn record_generation(&self) -> u64 {
        u64::from(self.machine.record_generation())
    }
}
