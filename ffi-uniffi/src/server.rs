//! The x402 resource server: [`X402Server`], [`X402Admitted`], [`X402Exchange`].
//!
//! Conversion only: offers and the resource from records, headers from [`HttpHeader`]s,
//! results to records, [`HostError`] to [`Pay402Error::X402`]. The server and every decision it
//! makes (status, headers, body, replay key and lifetime, settle body, receipt, what each
//! outcome leads to) is `pay402_host::x402_server` over the core's `pay402::x402::server`.

use crate::Pay402Error;
use crate::client::HttpHeader;
use pay402_host::HostError;
use pay402_host::x402_server::{self as host, OfferConfig, ResourceConfig, StepAction};
use std::sync::{Arc, Mutex, PoisonError};

impl From<HostError> for Pay402Error {
    fn from(e: HostError) -> Self {
        Self::X402 {
            code: e.code.to_owned(),
            reason: e.message,
            detail_code: e.detail_code.map(str::to_owned),
        }
    }
}

/// A seller's terms, resolved by the core when the server is built.
///
/// `scheme` is `exact` or `upto` (empty: `exact`); `network` a v1 name or a CAIP-2 id. The price
/// is `amount` (decimal atomic units; `upto`: the signed maximum) or `price` (a display price,
/// `"$0.01"`), not both. An empty `asset` is the network's default asset, which also gives the
/// decimals, the EIP-712 `name`/`version` and the transfer method. `exact` is EIP-3009 (the
/// token's EIP-712 domain), Permit2 (`transfer_method = "permit2"`) or Solana (`fee_payer`);
/// `upto` is Permit2 bound to `facilitator`. `max_timeout_seconds` defaults to 60.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct X402Offer {
    /// `exact` or `upto`.
    pub scheme: String,
    /// A v1 network name or a CAIP-2 id.
    pub network: String,
    /// Token contract or SPL mint; empty: the network's default asset.
    #[uniffi(default = "")]
    pub asset: String,
    /// Decimal atomic units; empty when `price` is given.
    #[uniffi(default = "")]
    pub amount: String,
    /// The recipient.
    pub pay_to: String,
    /// `maxTimeoutSeconds`; `None`: 60.
    #[uniffi(default = None)]
    pub max_timeout_seconds: Option<u64>,
    /// A display price (`"$0.01"`), instead of `amount`.
    #[uniffi(default = None)]
    pub price: Option<String>,
    /// The asset's decimals, for a display price of a non-default asset.
    #[uniffi(default = None)]
    pub decimals: Option<u8>,
    /// EIP-3009: the token's EIP-712 domain name.
    #[uniffi(default = None)]
    pub eip712_name: Option<String>,
    /// EIP-3009: the token's EIP-712 domain version.
    #[uniffi(default = None)]
    pub eip712_version: Option<String>,
    /// `permit2` or `eip3009`; absent: the default asset's, else EIP-3009 (`exact`).
    #[uniffi(default = None)]
    pub transfer_method: Option<String>,
    /// `upto`: the facilitator's address the payer binds the permit to.
    #[uniffi(default = None)]
    pub facilitator: Option<String>,
    /// Solana `exact`: the fee payer's public key.
    #[uniffi(default = None)]
    pub fee_payer: Option<String>,
}

impl From<X402Offer> for OfferConfig {
    fn from(o: X402Offer) -> Self {
        Self {
            scheme: o.scheme,
            network: o.network,
            asset: o.asset,
            amount: o.amount,
            price: o.price,
            decimals: o.decimals,
            pay_to: o.pay_to,
            max_timeout_seconds: o.max_timeout_seconds,
            eip712_name: o.eip712_name,
            eip712_version: o.eip712_version,
            transfer_method: o.transfer_method,
            facilitator: o.facilitator,
            fee_payer: o.fee_payer,
        }
    }
}

/// The protected resource.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct X402Resource {
    /// The URL (must not be empty).
    pub url: String,
    /// What is sold.
    #[uniffi(default = "")]
    pub description: String,
    /// The response's MIME type; absent: `application/json` (the core's default).
    #[uniffi(default = None)]
    pub mime_type: Option<String>,
}

/// An answer to send as is: a refusal (402 with the challenge; 503 or 500 for server faults)
/// or the challenge itself.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct X402Reply {
    /// The HTTP status.
    pub status: u16,
    /// The refusal's stable code (`payment_required` when no payment was sent).
    pub code: String,
    /// The precise cause underneath, when there is one.
    pub detail_code: Option<String>,
    /// Headers to send, in order (`Content-Type` included when there is a body).
    pub headers: Vec<HttpHeader>,
    /// The body.
    pub body: Option<Vec<u8>>,
}

fn headers(pairs: Vec<(String, String)>) -> Vec<HttpHeader> {
    pairs
        .into_iter()
        .map(|(name, value)| HttpHeader { name, value })
        .collect()
}

impl From<host::Reply> for X402Reply {
    fn from(r: host::Reply) -> Self {
        Self {
            status: r.status,
            code: r.code.to_owned(),
            detail_code: r.detail_code.map(str::to_owned),
            headers: headers(r.headers),
            body: r.body,
        }
    }
}

/// What [`X402Server::admit`] found: an admitted payment, or the refusal to send.
#[derive(Debug, uniffi::Enum)]
pub enum X402Admission {
    /// Verified against an offer: start its [`X402Server::exchange`].
    Admitted {
        /// The admitted payment.
        payment: Arc<X402Admitted>,
    },
    /// Refused: send the reply as is.
    Refused {
        /// The refusal.
        reply: X402Reply,
    },
}

/// An admitted payment: hand it to [`X402Server::exchange`], which reserves
/// [`X402Admitted::replay_key`] for [`X402Admitted::ttl`] seconds.
#[derive(Debug, uniffi::Object)]
pub struct X402Admitted {
    inner: host::Admitted,
}

#[uniffi::export]
impl X402Admitted {
    /// Index of the offer paid, in configuration order.
    pub fn offer_index(&self) -> u32 {
        u32::try_from(self.inner.offer_index).unwrap_or(u32::MAX)
    }

    /// 1 or 2.
    pub fn x402_version(&self) -> u64 {
        self.inner.x402_version
    }

    /// The payer: an EIP-55 checksummed `0x` address (EVM) or a base58 key (Solana).
    pub fn payer(&self) -> String {
        self.inner.payer.clone()
    }

    /// The signed amount, decimal atomic units (`upto`: the most a settlement may charge).
    pub fn amount(&self) -> String {
        self.inner.amount.clone()
    }

    /// The bytes to reserve in the replay store.
    pub fn replay_key(&self) -> Vec<u8> {
        self.inner.replay_key.clone()
    }

    /// Seconds to keep the reservation.
    pub fn ttl(&self) -> u64 {
        self.inner.ttl
    }

    /// Unix seconds until which the reservation is kept.
    pub fn until(&self) -> u64 {
        self.inner.until
    }

    /// The decoded payment payload, as JSON text.
    pub fn payment_json(&self) -> String {
        self.inner.payment_json.clone()
    }
}

/// The x402 resource server of one resource: its offers prepared once (validated, networks
/// resolved, EIP-712 domain separators computed). Thread-safe.
#[derive(Debug, uniffi::Object)]
pub struct X402Server {
    inner: host::X402Server,
}

#[uniffi::export]
impl X402Server {
    /// Prepares `offers` for `resource`.
    ///
    /// Errors: `X402` with the core's offer codes (`unknown_network`, `invalid_asset`,
    /// `invalid_pay_to`, `invalid_amount`, `invalid_eip712_domain`, `too_many_offers`, …),
    /// `no_offers`, `invalid_resource`, `unsupported_scheme`, `missing_offer_parameter`.
    #[uniffi::constructor]
    pub fn new(offers: Vec<X402Offer>, resource: X402Resource) -> Result<Self, Pay402Error> {
        let resource = ResourceConfig {
            url: resource.url,
            description: resource.description,
            mime_type: resource.mime_type,
        };
        let offers = offers.into_iter().map(OfferConfig::from).collect();
        Ok(Self {
            inner: host::X402Server::new(offers, resource)?,
        })
    }

    /// The 402 challenge (v2 `PAYMENT-REQUIRED` header, v1 body). `error`, when given, is the
    /// code it reports (the `error` of the header and of the body); `message` a sentence for
    /// people, the body's `errorMessage` (it needs a code: `message_without_code`).
    #[uniffi::method(default(error = None, message = None))]
    pub fn challenge(
        &self,
        error: Option<String>,
        message: Option<String>,
    ) -> Result<X402Reply, Pay402Error> {
        Ok(self
            .inner
            .challenge(error.as_deref(), message.as_deref())?
            .into())
    }

    /// Admits the payment among a request's `headers` at `now` (unix seconds), or answers with
    /// the refusal (402 with the challenge, the code and the detail code; 500 for a fault).
    pub fn admit(&self, headers: Vec<HttpHeader>, now: u64) -> X402Admission {
        let pairs = headers.iter().map(|h| (h.name.as_str(), h.value.as_str()));
        match self.inner.admit(pairs, now) {
            Ok(inner) => X402Admission::Admitted {
                payment: Arc::new(X402Admitted { inner }),
            },
            Err(reply) => X402Admission::Refused {
                reply: reply.into(),
            },
        }
    }

    /// [`X402Server::admit`] for a server with an EVM RPC: a smart-wallet payer (EIP-1271,
    /// EIP-7702, or an undeployed ERC-6492 wallet whose factory is in `allowed_factories`; empty
    /// denies them all) is admitted when the chain says its signature is valid; the core asks
    /// `rpc.get_code(payer)`, then at most one `rpc.call(to, data)`, and decides. An RPC that
    /// throws is the core's 503 `smart_wallet_check_unavailable` reply, never an admission.
    ///
    /// Errors: `InvalidArgument` for a factory that is not an address.
    pub fn admit_with_rpc(
        &self,
        headers: Vec<HttpHeader>,
        now: u64,
        rpc: Arc<dyn crate::smart_wallet::EvmRpc>,
        allowed_factories: Vec<String>,
    ) -> Result<X402Admission, Pay402Error> {
        let factories = allowed_factories
            .iter()
            .map(|f| crate::convert::address(f, "allowed_factories"))
            .collect::<Result<Vec<_>, _>>()?;
        let pairs = headers.iter().map(|h| (h.name.as_str(), h.value.as_str()));
        let rpc = crate::smart_wallet::ForeignRpc(rpc);
        Ok(
            match self.inner.admit_with_rpc(pairs, now, &rpc, &factories) {
                Ok(inner) => X402Admission::Admitted {
                    payment: Arc::new(X402Admitted { inner }),
                },
                Err(reply) => X402Admission::Refused {
                    reply: reply.into(),
                },
            },
        )
    }

    /// The refusal to send when the replay store cannot answer (503, fail closed).
    pub fn replay_store_unavailable(&self) -> X402Reply {
        self.inner
            .refusal(pay402::x402::server::Refusal::REPLAY_STORE_UNAVAILABLE)
            .into()
    }

    /// Starts the exactly-once exchange of `admitted`: reserve its replay key, then report
    /// with [`X402Exchange::reserved`]. `settle_before_handler` settles before the handler runs.
    #[uniffi::method(default(settle_before_handler = false))]
    pub fn exchange(
        &self,
        admitted: Arc<X402Admitted>,
        settle_before_handler: bool,
    ) -> Result<X402Exchange, Pay402Error> {
        Ok(X402Exchange {
            inner: Mutex::new(
                self.inner
                    .exchange(&admitted.inner, settle_before_handler)?,
            ),
        })
    }

    /// The facilitator `/verify` body of `admitted` (JSON).
    pub fn verify_request(&self, admitted: Arc<X402Admitted>) -> Result<Vec<u8>, Pay402Error> {
        Ok(self.inner.verify_request(&admitted.inner)?)
    }
}

/// What the host does next, or how the exchange ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum X402StepAction {
    /// Run the handler, then call [`X402Exchange::handled`].
    RunHandler,
    /// Post [`X402Exchange::settle_request`] to the facilitator, then call
    /// [`X402Exchange::settled`].
    Settle,
    /// Final: send the handler's response with the step's status and headers (the receipt).
    Serve,
    /// Final: delete the replay reservation and send the handler's response as it is.
    ReleaseReservation,
    /// Final: delete the replay reservation; send the step's answer, never the content.
    Withhold,
    /// Final: keep the replay reservation until its lifetime ends; send the step's answer
    /// (402 with the pending receipt, or 502), never the content.
    KeepReservation,
    /// Final: the key was already held; send the step's answer (402 `payment_already_used`).
    RefuseReplay,
}

impl From<StepAction> for X402StepAction {
    fn from(a: StepAction) -> Self {
        match a {
            StepAction::RunHandler => Self::RunHandler,
            StepAction::Settle => Self::Settle,
            StepAction::Serve => Self::Serve,
            StepAction::ReleaseReservation => Self::ReleaseReservation,
            StepAction::Withhold => Self::Withhold,
            StepAction::KeepReservation => Self::KeepReservation,
            StepAction::RefuseReplay => Self::RefuseReplay,
        }
    }
}

/// One step of an exchange.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct X402Step {
    /// What to do.
    pub action: X402StepAction,
    /// [`X402StepAction::Settle`]: 1, or 2 for the one retry (post the identical body again).
    pub attempt: u8,
    /// Final steps: the status to send.
    pub status: u16,
    /// Final steps: headers to add (the receipt; the challenge when the content is withheld).
    pub headers: Vec<HttpHeader>,
    /// Final steps that withhold the content: the body to send.
    pub body: Option<Vec<u8>>,
    /// Whether the exchange is over.
    pub is_final: bool,
}

impl From<host::Step> for X402Step {
    fn from(s: host::Step) -> Self {
        Self {
            action: s.action.into(),
            attempt: s.attempt,
            status: s.status,
            headers: headers(s.headers),
            body: s.body,
            is_final: s.action.is_final(),
        }
    }
}

/// The exactly-once exchange of one admitted payment, driven by the host: each call reports
/// what happened and returns the next [`X402Step`]. Calls out of order fail with `X402`
/// `exchange_out_of_order` and change nothing. Thread-safe.
#[derive(Debug, uniffi::Object)]
pub struct X402Exchange {
    inner: Mutex<host::Exchange>,
}

impl X402Exchange {
    fn with<T>(
        &self,
        f: impl FnOnce(&mut host::Exchange) -> Result<T, HostError>,
    ) -> Result<T, Pay402Error> {
        let mut guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(f(&mut guard)?)
    }
}

#[uniffi::export]
impl X402Exchange {
    /// The replay key to reserve.
    pub fn replay_key(&self) -> Vec<u8> {
        let guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        guard.admitted().replay_key.clone()
    }

    /// Seconds to keep the reservation.
    pub fn ttl(&self) -> u64 {
        let guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        guard.admitted().ttl
    }

    /// The replay store answered: `fresh` is true when the key was free and is now reserved.
    pub fn reserved(&self, fresh: bool) -> Result<X402Step, Pay402Error> {
        self.with(|ex| ex.reserved(fresh)).map(X402Step::from)
    }

    /// The handler answered with `status` (report 500 for an exception).
    pub fn handled(&self, status: u16) -> Result<X402Step, Pay402Error> {
        self.with(|ex| ex.handled(status)).map(X402Step::from)
    }

    /// The `/settle` body (the same bytes for the retry). `amount` is the `upto` charge the
    /// handler reports, decimal atomic units (never above the signed maximum); `None` charges
    /// the offer's amount (`upto`: the maximum).
    ///
    /// Errors: `X402` with `settle_amount_exceeds_maximum`, `settle_amount_not_allowed`,
    /// `invalid_amount`, `settle_amount_changed`.
    #[uniffi::method(default(amount = None))]
    pub fn settle_request(&self, amount: Option<String>) -> Result<Vec<u8>, Pay402Error> {
        self.with(|ex| ex.settle_request(amount.as_deref()))
    }

    /// The facilitator answered `/settle` with `response` (its JSON body), or did not answer
    /// (`None`: timeout, connection error, 5xx). An unreadable body counts as no answer. No
    /// default: "no answer" keeps the reservation and answers 502, so the host says it.
    pub fn settled(&self, response: Option<Vec<u8>>) -> Result<X402Step, Pay402Error> {
        self.with(|ex| ex.settled(response.as_deref()))
            .map(X402Step::from)
    }
}
