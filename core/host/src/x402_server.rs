//! The x402 resource server with owned state: [`X402Server`] holds the prepared offers,
//! [`X402Server::admit`] returns an owned [`Admitted`] or the refusal's [`Reply`], and
//! [`Exchange`] keeps the exactly-once state of one paid request between the host's I/O calls.
//!
//! Every decision is `pay402::x402::server`'s: which header carries the payment, the verdict,
//! the refusal's status and codes, the challenge, the replay key and its lifetime, the settle
//! body, the receipt, what an outcome of the handler or of `/settle` leads to. This module only
//! owns strings and buffers and turns the core's borrowed results into owned ones.
//!
//! ```
//! use pay402_host::x402_server::{OfferConfig, ResourceConfig, X402Server};
//! let server = X402Server::new(
//!     vec![OfferConfig {
//!         scheme: "exact".into(),
//!         network: "eip155:84532".into(),
//!         asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e".into(),
//!         amount: "10000".into(),
//!         pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C".into(),
//!         max_timeout_seconds: Some(60),
//!         eip712_name: Some("USDC".into()),
//!         eip712_version: Some("2".into()),
//!         ..OfferConfig::default()
//!     }],
//!     ResourceConfig { url: "https://api.example.com/data".into(), ..ResourceConfig::default() },
//! )?;
//! // A request without payment gets the challenge.
//! let reply = server.admit([("accept", "*/*")], 1_700_000_000).unwrap_err();
//! assert_eq!((reply.status, reply.code), (402, "payment_required"));
//! assert_eq!(reply.headers[0].0, "PAYMENT-REQUIRED");
//! # Ok::<(), pay402_host::HostError>(())
//! ```

use std::sync::Arc;

use pay402::U256;
use pay402::evm::Address;
use pay402::u256::LeadingZeros;
use pay402::writer::{Writer, write_all};
use pay402::x402::server::{
    Action, Admission, Challenge, ExchangeOptions, HandlerOutcome, Handling, Next, Offer, OfferSet,
    PaymentOption, Price, Problem, Receipt, Refusal, Replay, Reserving, Resource, SettleOutcome,
    Settling, admit, begin, payment_header, write_challenge, write_receipt, write_settle_request,
};
use pay402::x402::server::{AfterPayerCode, ChainAdmission, admit_with_chain};
use pay402::x402::smart_wallet::CallOutcome;

use crate::smart_wallet::{EthCall, EvmRpc};
use pay402::x402::{AnyVerified, PaymentPayload, SettleResponse, Verifier, X402Version, header};

use crate::HostError;

/// How many offers one server sells.
pub const MAX_OFFERS: usize = 16;

/// The largest buffer grown for one answer (a challenge, a receipt, a settle body).
const MAX_BUFFER: usize = 1 << 20;

/// One offer, as configured: a seller's terms, resolved by the core
/// ([`pay402::x402::server::PaymentOption`]) when the server is built.
///
/// `scheme` is `exact` or `upto`; `network` a v1 name or a CAIP-2 id. The price is either
/// `amount` (a decimal number of atomic units; `upto`: the signed maximum) or `price` (a display
/// price such as `"$0.01"`, converted exactly with the asset's decimals), not both. An empty
/// `asset` is the network's default asset, which also gives `decimals`, the EIP-712
/// `name`/`version` and the transfer method. `exact` is EIP-3009 (the token's EIP-712 domain),
/// Permit2 (`transfer_method = "permit2"`) or Solana (`fee_payer`); `upto` is Permit2 bound to
/// `facilitator`. `max_timeout_seconds` defaults to
/// [`pay402::x402::server::DEFAULT_MAX_TIMEOUT_SECONDS`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OfferConfig {
    /// `exact` or `upto`; empty: `exact`.
    pub scheme: String,
    /// A v1 network name or a CAIP-2 id.
    pub network: String,
    /// Token contract or SPL mint; empty: the network's default asset.
    pub asset: String,
    /// Decimal atomic units; empty when `price` is given.
    pub amount: String,
    /// A display price (`"$0.01"`, `"0.01"`), instead of `amount`.
    pub price: Option<String>,
    /// The asset's decimals, for a display price of a non-default asset.
    pub decimals: Option<u8>,
    /// The recipient.
    pub pay_to: String,
    /// `maxTimeoutSeconds`; `None`: the core's default.
    pub max_timeout_seconds: Option<u64>,
    /// EIP-3009: the token's EIP-712 domain name.
    pub eip712_name: Option<String>,
    /// EIP-3009: the token's EIP-712 domain version.
    pub eip712_version: Option<String>,
    /// `permit2` or `eip3009`; absent: the default asset's, else EIP-3009 (`exact`).
    pub transfer_method: Option<String>,
    /// `upto`: the facilitator's address the payer binds the permit to.
    pub facilitator: Option<String>,
    /// Solana `exact`: the fee payer's public key.
    pub fee_payer: Option<String>,
}

/// The protected resource.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResourceConfig {
    /// The URL (must not be empty).
    pub url: String,
    /// What is sold.
    pub description: String,
    /// The response's MIME type; `None`: [`Resource::DEFAULT_MIME_TYPE`] (`application/json`).
    pub mime_type: Option<String>,
}

#[derive(Debug)]
struct Owned {
    offers: Vec<OfferConfig>,
    resource: ResourceConfig,
}

type Offers<'a> = OfferSet<'a, MAX_OFFERS>;

self_cell::self_cell!(
    struct Prepared {
        owner: Owned,
        #[covariant]
        dependent: Offers,
    }
    impl {Debug}
);

/// A resource server's offers, prepared once (validated, networks resolved, EIP-712 domain
/// separators computed). Cheap to clone; safe to share between threads.
#[derive(Debug, Clone)]
pub struct X402Server {
    prepared: Arc<Prepared>,
}

/// An answer the host sends as is: status, headers (in order), body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The refusal's stable code (`payment_required` when no payment was sent).
    pub code: &'static str,
    /// The precise cause underneath, when there is one.
    pub detail_code: Option<&'static str>,
    /// Headers to send, `Content-Type` included when there is a body.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Option<Vec<u8>>,
}

/// An admitted payment, owned. Hand it to [`X402Server::exchange`].
#[derive(Debug, Clone)]
pub struct Admitted {
    /// Index of the offer paid, in configuration order.
    pub offer_index: usize,
    /// 1 or 2.
    pub x402_version: u64,
    /// The payer: an EIP-55 `0x` address (EVM) or a base58 public key (Solana).
    pub payer: String,
    /// The signed amount in atomic units (`upto`: the maximum a settlement may charge).
    pub amount: String,
    /// The bytes to reserve in the replay store.
    pub replay_key: Vec<u8>,
    /// Seconds to keep the reservation.
    pub ttl: u64,
    /// Unix seconds until which the reservation is kept.
    pub until: u64,
    /// The decoded payment payload, as JSON text.
    pub payment_json: String,
    version: X402Version,
    verified: AnyVerified,
    replay: Replay,
    max_amount: U256,
}

impl Admitted {
    /// The signed amount as a number ([`Admitted::amount`] in decimal).
    pub fn max_amount(&self) -> U256 {
        self.max_amount
    }

    /// The core's admission, rebuilt over the owned payment text.
    fn admission(&self) -> Result<Admission<'_>, HostError> {
        let payment = PaymentPayload::from_json(self.payment_json.as_bytes())
            .map_err(|e| HostError::of(&e))?;
        Ok(Admission {
            offer_index: self.offer_index,
            version: self.version,
            payment,
            verified: self.verified,
            replay: self.replay,
            max_amount: self.max_amount,
        })
    }
}

impl X402Server {
    /// Prepares `offers` for `resource`.
    ///
    /// Errors: the core's payment-option codes (`unsupported_scheme`, `missing_network`,
    /// `unknown_network`, `missing_asset`, `invalid_transfer_method`, `missing_facilitator`,
    /// `missing_fee_payer`, `missing_pay_to`, `invalid_price`, `sub_unit_amount`, `zero_price`,
    /// `invalid_max_timeout_seconds`, …), its offer codes (`invalid_asset`, `invalid_pay_to`,
    /// `invalid_eip712_domain`, `too_many_offers`, …), `no_offers`, `invalid_resource`, and
    /// `invalid_amount` (an `amount` that is not decimal atomic units) or `invalid_price`
    /// (both `amount` and `price` given).
    pub fn new(offers: Vec<OfferConfig>, resource: ResourceConfig) -> Result<Self, HostError> {
        if offers.is_empty() {
            return Err(HostError::of(&pay402::x402::server::ServerError::NoOffers));
        }
        Self::prepare(offers, resource)
    }

    /// [`X402Server::new`] that also takes an empty offer set: for a WS402 server paid only
    /// by on-chain proofs, whose x402 admission then refuses every payment.
    pub(crate) fn prepare(
        offers: Vec<OfferConfig>,
        resource: ResourceConfig,
    ) -> Result<Self, HostError> {
        if resource.url.is_empty() {
            return Err(HostError::of(
                &pay402::x402::server::ServerError::ResourceUrl,
            ));
        }
        let prepared = Prepared::try_new(Owned { offers, resource }, |owned| {
            let mut set = Offers::new();
            for config in &owned.offers {
                set.push(offer(config)?).map_err(|e| HostError::of(&e))?;
            }
            Ok::<_, HostError>(set)
        })?;
        Ok(Self {
            prepared: Arc::new(prepared),
        })
    }

    pub(crate) fn offers(&self) -> &Offers<'_> {
        self.prepared.borrow_dependent()
    }

    pub(crate) fn resource(&self) -> Resource<'_> {
        let r = &self.prepared.borrow_owner().resource;
        Resource {
            url: &r.url,
            description: &r.description,
            mime_type: Some(
                r.mime_type
                    .as_deref()
                    .unwrap_or(Resource::DEFAULT_MIME_TYPE),
            ),
        }
    }

    /// The 402 challenge: the v2 `PAYMENT-REQUIRED` header and the body the core writes (the v1
    /// body; without v1 offers `{"error",…}` when there is a code, else `{}`). `code`, when
    /// given, is the `error` of both, and the body carries `message` as its `errorMessage` (see
    /// `pay402::x402::server::Problem`). The reply's own code is `payment_required`.
    ///
    /// Errors: `message_without_code` (a message needs a code), and the challenge's
    /// (`buffer_too_small` beyond 1 MiB).
    pub fn challenge(&self, code: Option<&str>, message: Option<&str>) -> Result<Reply, HostError> {
        let problem = match (code, &message) {
            (Some(code), Some(message)) => Some(Problem::new(code).with_message(message)),
            (Some(code), None) => Some(Problem::new(code)),
            (None, None) => None,
            (None, Some(_)) => {
                return Err(HostError::config(
                    "message_without_code",
                    "a challenge's message needs a code",
                ));
            }
        };
        self.challenge_with(problem.as_ref(), "payment_required", None)
    }

    /// The challenge reporting `problem`, as a reply with `code` and `detail_code`.
    fn challenge_with(
        &self,
        problem: Option<&Problem<'_>>,
        code: &'static str,
        detail_code: Option<&'static str>,
    ) -> Result<Reply, HostError> {
        let mut size = header::RECOMMENDED_BUFFER_LEN;
        loop {
            let (mut head, mut body) = (vec![0u8; size], vec![0u8; size]);
            match write_challenge(
                self.offers(),
                &self.resource(),
                problem,
                &mut head,
                &mut body,
            ) {
                Ok(challenge) => return Ok(reply_of(&challenge, code, detail_code)),
                Err(pay402::x402::server::ServerError::BufferTooSmall) if size < MAX_BUFFER => {
                    size *= 2;
                }
                Err(e) => return Err(HostError::of(&e)),
            }
        }
    }

    /// Admits the payment among a request's `headers` at `now` (unix seconds), or answers with
    /// the refusal: the challenge carrying the refusal's code as its `error`.
    pub fn admit<'h, I>(&self, headers: I, now: u64) -> Result<Admitted, Reply>
    where
        I: IntoIterator<Item = (&'h str, &'h str)>,
        I::IntoIter: Clone,
    {
        let Some((name, value)) = payment_header(headers) else {
            return Err(self.refusal(Refusal::NO_PAYMENT));
        };
        let mut size = header::RECOMMENDED_BUFFER_LEN.max(value.len().saturating_mul(2));
        loop {
            let mut buf = vec![0u8; size];
            match admit(
                self.offers(),
                name,
                value.as_bytes(),
                now,
                &Verifier::DEFAULT,
                &mut buf,
            ) {
                Ok(admission) => return owned_admission(&admission).map_err(|e| Self::fault(&e)),
                Err(refusal) if refusal == Refusal::SCRATCH_TOO_SMALL && size < MAX_BUFFER => {
                    size *= 2;
                }
                Err(refusal) => return Err(self.refusal(refusal)),
            }
        }
    }

    /// [`X402Server::admit`] for a host with an EVM RPC: a smart-wallet payer (EIP-1271,
    /// EIP-7702, or an undeployed ERC-6492 wallet whose factory is in `allowed_factories`;
    /// empty denies them all) is admitted when the chain says its signature is valid (the
    /// core's [`pay402::x402::server::admit_with_chain`]). A failed read (`rpc` returned an
    /// error) is the core's [`Refusal::CHAIN_UNAVAILABLE`] reply: never an admission.
    pub fn admit_with_rpc<'h, I>(
        &self,
        headers: I,
        now: u64,
        rpc: &dyn EvmRpc,
        allowed_factories: &[Address],
    ) -> Result<Admitted, Reply>
    where
        I: IntoIterator<Item = (&'h str, &'h str)>,
        I::IntoIter: Clone,
    {
        let headers = headers.into_iter();
        let mut answers = ChainAnswers::default();
        loop {
            match self.admit_step(headers.clone(), now, allowed_factories, &answers)? {
                ChainStep::Admitted(admitted) => return Ok(*admitted),
                ChainStep::GetCode { address } => match rpc.get_code(&address) {
                    Ok(code) => answers.code = Some(code),
                    Err(_) => return Err(self.refusal(Refusal::CHAIN_UNAVAILABLE)),
                },
                ChainStep::Call { to, data } => match rpc.call(&to, &data) {
                    Ok(answer) => answers.call = Some(answer),
                    Err(_) => return Err(self.refusal(Refusal::CHAIN_UNAVAILABLE)),
                },
            }
        }
    }

    /// One step of [`X402Server::admit_with_rpc`] for a host whose RPC is asynchronous: the
    /// admission replayed with the chain's `answers` so far; it asks for the payer's code, then
    /// for at most one `eth_call`, then admits or refuses. Report a failed read with
    /// [`X402Server::refusal`]`(`[`Refusal::CHAIN_UNAVAILABLE`]`)`.
    pub fn admit_step<'h, I>(
        &self,
        headers: I,
        now: u64,
        allowed_factories: &[Address],
        answers: &ChainAnswers,
    ) -> Result<ChainStep, Reply>
    where
        I: IntoIterator<Item = (&'h str, &'h str)>,
        I::IntoIter: Clone,
    {
        let Some((name, value)) = payment_header(headers) else {
            return Err(self.refusal(Refusal::NO_PAYMENT));
        };
        let mut size = header::RECOMMENDED_BUFFER_LEN.max(value.len().saturating_mul(2));
        loop {
            let mut buf = vec![0u8; size];
            let mut calldata = vec![0u8; 2 * SIGNATURE_CAP + 1024];
            match chain_step(
                self.offers(),
                name,
                value.as_bytes(),
                now,
                allowed_factories,
                answers,
                &mut buf,
                &mut calldata,
            ) {
                Ok(step) => return step.map_err(|e| Self::fault(&e)),
                Err(refusal) if refusal == Refusal::SCRATCH_TOO_SMALL && size < MAX_BUFFER => {
                    size *= 2;
                }
                Err(refusal) => return Err(self.refusal(refusal)),
            }
        }
    }

    /// The answer to a refusal: its status and codes, the challenge reporting its problem (the
    /// code as `error`, the detail code and the refusal's message in the body).
    pub fn refusal(&self, refusal: Refusal) -> Reply {
        match self.challenge_with(Some(&refusal.problem()), refusal.code, refusal.detail_code) {
            Ok(challenge) => Reply {
                status: refusal.status,
                ..challenge
            },
            Err(e) => Self::fault(&e),
        }
    }

    /// A server fault (500) with its code and no challenge.
    fn fault(error: &HostError) -> Reply {
        Reply {
            status: 500,
            code: error.code,
            detail_code: error.detail_code,
            headers: Vec::new(),
            body: None,
        }
    }

    /// Starts the exactly-once exchange of `admitted`; its first step asks the host to reserve
    /// [`Admitted::replay_key`] for [`Admitted::ttl`] seconds and report with
    /// [`Exchange::reserved`].
    pub fn exchange(
        &self,
        admitted: &Admitted,
        settle_before_handler: bool,
    ) -> Result<Exchange, HostError> {
        let options = ExchangeOptions {
            settle_before_handler,
        };
        let (reserving, _) = begin(&admitted.admission()?, options);
        Ok(Exchange {
            server: self.clone(),
            admitted: admitted.clone(),
            state: State::Reserving(reserving),
            settle_body: None,
        })
    }

    /// The facilitator `/verify` body of `admitted` (the same shape as `/settle`, with the
    /// offer's amount; `upto`: the signed maximum's offer amount).
    pub fn verify_request(&self, admitted: &Admitted) -> Result<Vec<u8>, HostError> {
        self.settle_body(admitted, None)
    }

    fn settle_body(&self, admitted: &Admitted, amount: Option<U256>) -> Result<Vec<u8>, HostError> {
        let admission = admitted.admission()?;
        grow(|out| {
            write_settle_request(self.offers(), &admission, &self.resource(), amount, out)
                .map_err(|e| HostError::of(&e))
        })
    }
}

/// What the host does next, with the answer it sends when the step is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepAction {
    /// Run the handler, then call [`Exchange::handled`].
    RunHandler,
    /// Post [`Exchange::settle_request`] to the facilitator, then call [`Exchange::settled`].
    Settle,
    /// Final: send the handler's response with the step's status and headers (the receipt).
    Serve,
    /// Final: delete the replay reservation and send the handler's response as it is.
    ReleaseReservation,
    /// Final: delete the replay reservation; send the step's answer (402, failure receipt),
    /// never the content.
    Withhold,
    /// Final: keep the replay reservation until its lifetime ends; send the step's answer
    /// (402 with the pending receipt, or 502), never the content.
    KeepReservation,
    /// Final: the key was already held; send the step's answer (402 `payment_already_used`).
    RefuseReplay,
}

impl StepAction {
    /// `run_handler`, `settle`, `serve`, `release_reservation`, `withhold`,
    /// `keep_reservation`, `refuse_replay`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::RunHandler => "run_handler",
            Self::Settle => "settle",
            Self::Serve => "serve",
            Self::ReleaseReservation => "release_reservation",
            Self::Withhold => "withhold",
            Self::KeepReservation => "keep_reservation",
            Self::RefuseReplay => "refuse_replay",
        }
    }

    /// Whether the exchange is over.
    pub const fn is_final(self) -> bool {
        !matches!(self, Self::RunHandler | Self::Settle)
    }
}

/// One step of the exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// What to do.
    pub action: StepAction,
    /// [`StepAction::Settle`]: 1, or 2 for the one retry (post the identical body again).
    pub attempt: u8,
    /// Final steps: the status to send.
    pub status: u16,
    /// Final steps: headers to add (the receipt; the challenge when the content is withheld).
    pub headers: Vec<(String, String)>,
    /// Final steps that withhold the content: the body to send.
    pub body: Option<Vec<u8>>,
}

impl Step {
    fn bare(action: StepAction, attempt: u8) -> Self {
        Self {
            action,
            attempt,
            status: 0,
            headers: Vec::new(),
            body: None,
        }
    }
}

#[derive(Debug)]
enum State {
    Reserving(Reserving),
    Handling(Handling<'static>),
    /// Settled before the handler: the core state before the settlement and the facilitator's
    /// answer, replayed when the handler reports (the core's states are plain values).
    SettledFirst {
        settling: Settling,
        response: Vec<u8>,
    },
    Settling(Settling),
    Done,
}

/// The exactly-once exchange of one admitted payment, driven by the host: each call reports
/// what happened and returns the next [`Step`]. Calls out of order fail with
/// `exchange_out_of_order` and change nothing.
#[derive(Debug)]
pub struct Exchange {
    server: X402Server,
    admitted: Admitted,
    state: State,
    settle_body: Option<(Option<U256>, Vec<u8>)>,
}

fn out_of_order() -> HostError {
    HostError::config(
        "exchange_out_of_order",
        "this step does not follow the exchange's current state",
    )
}

impl Exchange {
    /// The admission this exchange serves.
    pub fn admitted(&self) -> &Admitted {
        &self.admitted
    }

    /// The replay store answered: `fresh` is true when the key was free and is now reserved.
    pub fn reserved(&mut self, fresh: bool) -> Result<Step, HostError> {
        let State::Reserving(reserving) = self.state else {
            return Err(out_of_order());
        };
        match reserving.reserved(fresh) {
            // Handler first: nothing settled yet, so the state borrows nothing.
            Next::Handle(handling) => {
                self.state = State::Handling(handling);
                Ok(Step::bare(StepAction::RunHandler, 0))
            }
            next => self.advance(next),
        }
    }

    /// The handler answered with `status` (report 500 for an exception).
    pub fn handled(&mut self, status: u16) -> Result<Step, HostError> {
        let outcome = HandlerOutcome::from_status(status);
        match &self.state {
            State::Handling(handling) => {
                let next = handling.handled(outcome);
                self.advance(next)
            }
            State::SettledFirst { settling, response } => {
                let (settling, response) = (*settling, response.clone());
                let parsed = SettleResponse::from_json(&response).map_err(|e| HostError::of(&e))?;
                match settling.settled(SettleOutcome::Response(parsed)) {
                    Next::Handle(handling) => {
                        let next = handling.handled(outcome);
                        self.advance(next)
                    }
                    _ => Err(out_of_order()),
                }
            }
            _ => Err(out_of_order()),
        }
    }

    /// The `/settle` body (the same bytes for the retry). `amount` is the `upto` charge the
    /// handler reports, in decimal atomic units (never above the signed maximum); `None`
    /// charges the offer's amount (`upto`: the maximum).
    ///
    /// Errors: `settle_amount_exceeds_maximum`, `settle_amount_not_allowed`, `invalid_amount`,
    /// `settle_amount_changed` (a second call with another amount).
    pub fn settle_request(&mut self, amount: Option<&str>) -> Result<Vec<u8>, HostError> {
        let amount = match amount {
            Some(text) => Some(
                U256::parse_decimal(text.as_bytes(), LeadingZeros::Reject)
                    .map_err(|_| HostError::config("invalid_amount", "not a decimal amount"))?,
            ),
            None => None,
        };
        if let Some((first, body)) = &self.settle_body {
            if *first != amount {
                return Err(HostError::config(
                    "settle_amount_changed",
                    "the settle body of one exchange is fixed by its first request",
                ));
            }
            return Ok(body.clone());
        }
        let body = self.server.settle_body(&self.admitted, amount)?;
        self.settle_body = Some((amount, body.clone()));
        Ok(body)
    }

    /// The facilitator answered `/settle` with `response` (its JSON body), or did not answer
    /// (`None`: timeout, connection error, 5xx). An unreadable body counts as no answer.
    pub fn settled(&mut self, response: Option<&[u8]>) -> Result<Step, HostError> {
        let State::Settling(settling) = self.state else {
            return Err(out_of_order());
        };
        let parsed = response.and_then(|bytes| SettleResponse::from_json(bytes).ok());
        let outcome = match parsed {
            Some(parsed) => SettleOutcome::Response(parsed),
            None => SettleOutcome::Unavailable,
        };
        let next = settling.settled(outcome);
        if let Next::Handle(_) = next {
            self.state = State::SettledFirst {
                settling,
                response: response.map(<[u8]>::to_vec).unwrap_or_default(),
            };
            return Ok(Step::bare(StepAction::RunHandler, 0));
        }
        self.advance(next)
    }

    #[allow(clippy::needless_pass_by_value)] // each step consumes the core's state
    fn advance(&mut self, next: Next<'_>) -> Result<Step, HostError> {
        match next {
            Next::Settle(settling, Action::Settle { attempt }) => {
                self.state = State::Settling(settling);
                Ok(Step::bare(StepAction::Settle, attempt))
            }
            // Only `reserved` (handler first) and `settled` (settled first) lead to the
            // handler, and both take that path themselves.
            Next::Handle(_) | Next::Settle(..) => Err(out_of_order()),
            Next::Done(action) => {
                self.state = State::Done;
                self.final_step(action)
            }
        }
    }

    fn final_step(&self, action: Action<'_>) -> Result<Step, HostError> {
        let server = &self.server;
        let step = |action, status, headers, body| Step {
            action,
            attempt: 0,
            status,
            headers,
            body,
        };
        Ok(match action {
            Action::Serve { status, receipt } => {
                let headers = match receipt {
                    Some(receipt) => vec![receipt_header(&receipt)?],
                    None => Vec::new(),
                };
                step(StepAction::Serve, status, headers, None)
            }
            Action::ReleaseReservation { status } => {
                step(StepAction::ReleaseReservation, status, Vec::new(), None)
            }
            Action::Withhold { status, receipt } => {
                let problem = Problem::of_settlement(&receipt.response);
                let challenge =
                    server.challenge_with(problem.as_ref(), "payment_required", None)?;
                let mut headers = challenge.headers;
                headers.push(receipt_header(&receipt)?);
                step(StepAction::Withhold, status, headers, challenge.body)
            }
            Action::KeepReservationPending { status, receipt } => match receipt {
                Some(receipt) => {
                    let problem = Problem::of_settlement(&receipt.response);
                    let challenge =
                        server.challenge_with(problem.as_ref(), "payment_required", None)?;
                    let mut headers = challenge.headers;
                    headers.push(receipt_header(&receipt)?);
                    step(StepAction::KeepReservation, status, headers, challenge.body)
                }
                None => step(StepAction::KeepReservation, status, Vec::new(), None),
            },
            Action::RefuseReplay => {
                let reply = server.refusal(Refusal::ALREADY_USED);
                step(
                    StepAction::RefuseReplay,
                    reply.status,
                    reply.headers,
                    reply.body,
                )
            }
            Action::ReserveReplayKey { .. } | Action::RunHandler | Action::Settle { .. } => {
                return Err(out_of_order());
            }
        })
    }
}

fn receipt_header(receipt: &Receipt<'_>) -> Result<(String, String), HostError> {
    let mut size = 2048;
    loop {
        let (mut scratch, mut out) = (vec![0u8; size], vec![0u8; size * 2]);
        match write_receipt(&receipt.response, &mut scratch, &mut out) {
            Ok(value) => return Ok((receipt.header_name.to_owned(), value.to_owned())),
            Err(pay402::x402::server::ServerError::BufferTooSmall) if size < MAX_BUFFER => {
                size *= 2;
            }
            Err(e) => return Err(HostError::of(&e)),
        }
    }
}

fn reply_of(
    challenge: &Challenge<'_, '_>,
    code: &'static str,
    detail_code: Option<&'static str>,
) -> Reply {
    let body = challenge.body_or_empty().to_vec();
    Reply {
        status: challenge.status,
        code,
        detail_code,
        headers: vec![
            (
                challenge.header_name.to_owned(),
                challenge.header_value.to_owned(),
            ),
            (
                "Content-Type".to_owned(),
                Challenge::CONTENT_TYPE.to_owned(),
            ),
        ],
        body: Some(body),
    }
}

/// Writes with `write` into a buffer grown on `buffer_too_small`.
fn grow(
    mut write: impl FnMut(&mut [u8]) -> Result<usize, HostError>,
) -> Result<Vec<u8>, HostError> {
    let mut size = header::RECOMMENDED_BUFFER_LEN;
    loop {
        let mut out = vec![0u8; size];
        match write(&mut out) {
            Ok(len) => {
                out.truncate(len);
                return Ok(out);
            }
            Err(e) if e.code == "buffer_too_small" && size < MAX_BUFFER => size *= 2,
            Err(e) => return Err(e),
        }
    }
}

/// Longest signature decoded (the core's `MAX_SIGNATURE_LEN`).
const SIGNATURE_CAP: usize = pay402::x402::scheme::exact_eip3009::payload::MAX_SIGNATURE_LEN;

/// What the chain answered so far, for [`X402Server::admit_step`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChainAnswers {
    /// The payer's code (`eth_getCode`), empty for `0x`; `None` before it was read.
    pub code: Option<Vec<u8>>,
    /// The `eth_call`'s answer; `None` before it was made.
    pub call: Option<EthCall>,
}

/// The next step of an admission through the chain.
#[derive(Debug, Clone)]
pub enum ChainStep {
    /// Admitted.
    Admitted(Box<Admitted>),
    /// Read `eth_getCode(address, "latest")` into [`ChainAnswers::code`].
    GetCode {
        /// The payer.
        address: Address,
    },
    /// Make `eth_call({to, data}, "latest")` into [`ChainAnswers::call`].
    Call {
        /// The payer (EIP-1271) or Multicall3 (ERC-6492 simulation).
        to: Address,
        /// The calldata.
        data: Vec<u8>,
    },
}

/// The core's admission replayed with `answers`.
#[allow(
    clippy::too_many_arguments,
    reason = "the admission's inputs, the answers and the two buffers"
)]
fn chain_step(
    offers: &Offers<'_>,
    name: &str,
    value: &[u8],
    now: u64,
    allowed_factories: &[Address],
    answers: &ChainAnswers,
    buf: &mut [u8],
    calldata: &mut [u8],
) -> Result<Result<ChainStep, HostError>, Refusal> {
    let admitted = |a: &Admission<'_>| owned_admission(a).map(|a| ChainStep::Admitted(Box::new(a)));
    let need = match admit_with_chain(offers, name, value, now, &Verifier::DEFAULT, buf)? {
        ChainAdmission::Admitted(a) => return Ok(admitted(&a)),
        ChainAdmission::NeedsCode(need) => need,
    };
    let Some(code) = &answers.code else {
        return Ok(Ok(ChainStep::GetCode {
            address: need.payer(),
        }));
    };
    let call = match need.with_code(code, allowed_factories, calldata)? {
        AfterPayerCode::Admitted(a) => return Ok(admitted(&a)),
        AfterPayerCode::NeedsCall(call) => call,
    };
    let outcome = match &answers.call {
        None => {
            return Ok(Ok(ChainStep::Call {
                to: call.to(),
                data: call.calldata().to_vec(),
            }));
        }
        Some(EthCall::Returned(data)) => CallOutcome::Returned(data),
        Some(EthCall::Reverted) => CallOutcome::Reverted,
    };
    let admission = call.with_call_result(outcome)?;
    Ok(admitted(&admission))
}

fn owned_admission(admission: &Admission<'_>) -> Result<Admitted, HostError> {
    let payment_json = grow(|out| {
        write_all(out, |w: &mut Writer<'_>| admission.payment.write_json(w))
            .map_err(|e| HostError::of(&e))
    })?;
    let payment_json = String::from_utf8(payment_json)
        .map_err(|_| HostError::config("invalid_payload", "payment JSON is not UTF-8"))?;
    let payer = match admission.verified {
        AnyVerified::Evm(v) => v.payer.to_string(),
        #[cfg(feature = "svm")]
        AnyVerified::Svm(v) => v.payer.to_string(),
    };
    let mut key = [0u8; 80];
    Ok(Admitted {
        offer_index: admission.offer_index,
        x402_version: admission.version.number(),
        payer,
        amount: admission.max_amount.to_string(),
        replay_key: admission.replay.key.write_bytes(&mut key).to_vec(),
        ttl: admission.replay.ttl,
        until: admission.replay.until,
        payment_json,
        version: admission.version,
        verified: admission.verified,
        replay: admission.replay,
        max_amount: admission.max_amount,
    })
}

/// The core offer a configuration describes.
fn offer(config: &OfferConfig) -> Result<Offer<'_>, HostError> {
    let price = match (config.price.as_deref(), config.amount.is_empty()) {
        (Some(_), false) => {
            return Err(HostError::config(
                "invalid_price",
                "an offer takes amount or price, not both",
            ));
        }
        (Some(text), true) => Price::Display(text),
        (None, _) => Price::Atomic(
            U256::parse_decimal(config.amount.as_bytes(), LeadingZeros::Reject).map_err(|_| {
                HostError::config(
                    "invalid_amount",
                    "the amount is not a decimal number of atomic units",
                )
            })?,
        ),
    };
    PaymentOption {
        scheme: &config.scheme,
        network: &config.network,
        asset: Some(config.asset.as_str()).filter(|a| !a.is_empty()),
        price,
        pay_to: &config.pay_to,
        decimals: config.decimals,
        eip712_name: config.eip712_name.as_deref(),
        eip712_version: config.eip712_version.as_deref(),
        transfer_method: config.transfer_method.as_deref(),
        facilitator: config.facilitator.as_deref(),
        fee_payer: config.fee_payer.as_deref(),
        max_timeout_seconds: config.max_timeout_seconds,
    }
    .resolve()
    .map_err(|e| HostError::of(&e))
}
