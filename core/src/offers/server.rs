//! The selling side of the Fewsats offers flow (<https://github.com/l402-protocol/l402>
//! README, v0.2.2), sans I/O: every status, header, body, verdict and lifetime the server
//! answers with is decided here; the host does HTTP, keeps the entitlement records and the
//! webhook replay keys, and asks its invoice/checkout provider for payment details.
//!
//! 1. **Resource request** — [`OffersServer::request`]: a caller without an account gets the
//!    402 offers body with a fresh `payment_context_token` (minted from 16 random bytes the
//!    host supplies); a caller presenting `Authorization: Bearer <payment_context_token>` is
//!    decided by the ledger ([`Entitlement::authorize`]) — served, or 402 with the same token.
//! 2. **Payment request** — [`OffersServer::payment_request`] checks the `POST`ed body (token
//!    minted here, offer sold here, method listed by the offer) and says which details the host
//!    must obtain ([`MethodKind`]); [`OffersServer::payment_request_reply`] writes the answer
//!    with its `expires_at`.
//! 3. **Webhook** — [`OffersServer::webhook`] verifies `Fewsats-Signature` (HMAC-SHA256,
//!    constant time), reads the event, checks amount and currency against the offer and returns
//!    the grant with its single-use replay key; [`credit_record`] applies it to the stored
//!    record; [`write_webhook_ack`] answers.
//! 4. Any refusal: [`write_refusal`] (status by step, JSON body with the error code).
//!
//! Tokens are stateless: `pct_` + 32 hex digits of randomness + 32 hex digits of an
//! HMAC-SHA256 tag under the server secret, so an unpaid request stores nothing and a forged
//! token is refused without a lookup. The token is the account: the ledger record is keyed by
//! it (one record per account and server; a host selling several resources runs one server,
//! with its own record namespace, per resource).

use super::error::OffersError;
use super::ledger::{Access, ENTITLEMENT_RECORD_LEN, Entitlement, Grant};
use super::offer::Offer;
use super::offers_body::{MAX_OFFERS, OffersBody};
use super::payment_request::{PaymentRequest, PaymentRequestResponse};
use super::webhook::verify_webhook;
use crate::error::ErrorCode;
use crate::hmac_sha256::hmac_sha256;
use crate::json::{FieldIssue, JsonStr, Kind, Object, ObjectWriter, RawValue};
use crate::writer::Writer;
use heapless::Vec;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// The protocol version this server speaks.
pub const OFFERS_VERSION: &str = "0.2.2";
/// Status of the offers challenge.
pub const STATUS_PAYMENT_REQUIRED: u16 = 402;
/// The webhook signature header.
pub const SIGNATURE_HEADER: &str = "Fewsats-Signature";
/// Headers of every JSON answer of this server (the challenge, payment-request answers,
/// webhook acknowledgements and refusals): JSON, never cached (a 402 carries a per-caller
/// token, a payment request an invoice).
pub const JSON_HEADERS: &[(&str, &str)] = &[
    ("Content-Type", "application/json"),
    ("Cache-Control", "no-store"),
];
/// Length of a minted `payment_context_token`.
pub const CONTEXT_TOKEN_LEN: usize = 68;
/// How long payment details stay valid when the provider gives no shorter expiry: ten
/// minutes, as the go-example's `NewPayReqResponse`.
pub const DEFAULT_PAYMENT_REQUEST_LIFETIME_SECONDS: u64 = 600;
/// How long a paid webhook event is accepted after its payment time, and so how long its
/// replay key must be kept: three days (webhook senders retry for about that long). An event
/// older than this is refused (`webhook_timestamp_out_of_tolerance`), so a key that expired
/// can never be credited again.
pub const WEBHOOK_RETENTION_SECONDS: u64 = 3 * 86_400;
/// Webhook `status` values that mean "paid" (pay402's choice: the spec leaves the values open;
/// Fewsats' payment-status uses `pending` before payment). Any other status is acknowledged
/// and grants nothing.
pub const PAID_STATUSES: &[&str] = &["paid", "succeeded", "success", "completed"];

const TOKEN_PREFIX: &str = "pct_";
const TOKEN_LABEL: &[u8] = b"pay402 offers context token v1";
const REPLAY_LABEL: &[u8] = b"pay402 offers webhook v1";
const MIN_SECRET_LEN: usize = 32;
const MAX_SECRET_LEN: usize = 64;

/// A `payment_context_token` this server minted (checked): the caller's account.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContextToken([u8; CONTEXT_TOKEN_LEN]);

impl ContextToken {
    /// The token text (`pct_` + 64 lowercase hex digits).
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl core::fmt::Debug for ContextToken {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "ContextToken({})", self.as_str())
    }
}

/// What a payment method needs from the host's provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MethodKind {
    /// `lightning`: a BOLT11 invoice.
    Lightning,
    /// `onchain`: an address (the request's `chain` and `asset` are echoed).
    Onchain,
    /// Any other method (`credit_card`, `stripe`, `fake-pay`, …): a checkout URL.
    Checkout,
}

impl MethodKind {
    /// The kind of a method name.
    pub fn of(method: &JsonStr<'_>) -> Self {
        if method.eq_str("lightning") {
            Self::Lightning
        } else if method.eq_str("onchain") {
            Self::Onchain
        } else {
            Self::Checkout
        }
    }

    /// `lightning`, `onchain` or `checkout`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Lightning => "lightning",
            Self::Onchain => "onchain",
            Self::Checkout => "checkout",
        }
    }
}

/// A server's configuration.
#[derive(Clone, Copy, Debug)]
pub struct OffersConfig<'a> {
    /// The offers sold, a JSON array of offer objects (any accepted dialect; re-encoded in the
    /// v0.2.2 form). Every offer must be grantable ([`Grant::of`]) and ids must be unique.
    pub offers: &'a [u8],
    /// Where clients `POST` the payment request (absolute URL).
    pub payment_request_url: &'a str,
    /// `terms_url`, when any.
    pub terms_url: Option<&'a str>,
    /// The shared secret of the webhook sender (`Fewsats-Signature`).
    pub webhook_secret: &'a [u8],
    /// Webhook timestamp tolerance (default [`super::DEFAULT_WEBHOOK_TOLERANCE_SECONDS`]).
    pub webhook_tolerance_seconds: u64,
    /// Payment-detail lifetime (default [`DEFAULT_PAYMENT_REQUEST_LIFETIME_SECONDS`]).
    pub payment_request_lifetime_seconds: u64,
}

impl<'a> OffersConfig<'a> {
    /// A configuration with the default tolerance and lifetime.
    pub const fn new(
        offers: &'a [u8],
        payment_request_url: &'a str,
        webhook_secret: &'a [u8],
    ) -> Self {
        Self {
            offers,
            payment_request_url,
            terms_url: None,
            webhook_secret,
            webhook_tolerance_seconds: super::DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
            payment_request_lifetime_seconds: DEFAULT_PAYMENT_REQUEST_LIFETIME_SECONDS,
        }
    }
}

/// An answer's status and headers (the body went into the caller's writer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: &'static [(&'static str, &'static str)],
}

const fn json_reply(status: u16) -> Reply {
    Reply {
        status,
        headers: JSON_HEADERS,
    }
}

/// The decision on a resource request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestOutcome {
    /// Serve the resource. When `record` is `Some` (a credit was spent), persist it before
    /// serving; the store must make the read-decide-write atomic.
    Serve {
        /// The caller's account.
        token: ContextToken,
        /// How the call was allowed.
        access: Access,
        /// The record to persist, when it changed.
        record: Option<[u8; ENTITLEMENT_RECORD_LEN]>,
    },
    /// Answer with this reply (the 402 offers body is in the writer).
    Challenge {
        /// The token the body carries (fresh, or the caller's).
        token: ContextToken,
        /// Status 402 and the JSON headers.
        reply: Reply,
    },
}

/// A checked payment request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaymentAsk<'s, 'a, 'r> {
    /// The caller's account.
    pub token: ContextToken,
    /// The chosen offer.
    pub offer: &'s Offer<'a>,
    /// What paying it grants.
    pub grant: Grant,
    /// The chosen method, as requested.
    pub method: JsonStr<'r>,
    /// What the provider must supply.
    pub kind: MethodKind,
    /// `onchain`: the chain.
    pub chain: Option<JsonStr<'r>>,
    /// `onchain`: the asset.
    pub asset: Option<JsonStr<'r>>,
}

/// What the host's provider produced for a payment request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PaymentDetails<'d> {
    /// A BOLT11 invoice (required for `lightning`).
    pub lightning_invoice: Option<&'d str>,
    /// A checkout page (required for methods other than `lightning` and `onchain`).
    pub checkout_url: Option<&'d str>,
    /// An address (required for `onchain`).
    pub address: Option<&'d str>,
    /// When the provider's details expire (an invoice's expiry), unix seconds.
    pub expires_at: Option<u64>,
}

/// A verified, paid webhook event: what to credit, once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WebhookGrant {
    /// The account to credit.
    pub token: ContextToken,
    /// Index of the paid offer in [`OffersServer::offers`].
    pub offer_index: usize,
    /// What it grants.
    pub grant: Grant,
    /// When it was paid (the event's `timestamp`, else the signature's `t`).
    pub paid_at: u64,
    /// The single-use key of this payment: insert it (if absent) atomically with the credit.
    pub replay_key: [u8; 32],
    /// Keep the key until this unix time (`paid_at` + [`WEBHOOK_RETENTION_SECONDS`] + the
    /// tolerance); after it, the event itself is refused.
    pub replay_expires_at: u64,
}

/// A verified webhook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookOutcome {
    /// A payment: record the replay key, credit, then [`write_webhook_ack`] with `Granted` (or
    /// `Duplicate` when the key was already there — nothing is credited twice).
    Paid(WebhookGrant),
    /// A status that grants nothing (`pending`, `failed`, …): acknowledge with `Ignored`.
    NotPaid,
}

/// The acknowledgement of a verified webhook (status 200: the sender stops retrying).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WebhookAck {
    /// The payment was credited now.
    Granted,
    /// The payment had been credited before (a replayed or re-sent webhook).
    Duplicate,
    /// The event grants nothing.
    Ignored,
}

impl WebhookAck {
    /// `granted`, `duplicate` or `ignored`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Granted => "granted",
            Self::Duplicate => "duplicate",
            Self::Ignored => "ignored",
        }
    }
}

/// The step a refusal comes from (its status depends on it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    /// A resource request: a bad bearer token is 401; a corrupt stored record 500.
    Request,
    /// A payment request: every refusal is 400 (`{"error": …}`, as stock.l402.org answers).
    PaymentRequest,
    /// A webhook: signature, header or timestamp failures are 401; an unreadable or
    /// mismatching event 400; a corrupt record or an overflow 500.
    Webhook,
}

/// The longest payment-request or webhook body the server reads: 64 KiB. Both are small JSON
/// objects (an offer id, a method, a token; an event of six members); a host reads at most this
/// many bytes and answers a longer body with [`OffersError::BodyTooLarge`] through
/// [`write_refusal`] (413).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The status of a refusal at `step`: 413 for [`OffersError::BodyTooLarge`] at any step,
/// otherwise as [`Step`] says.
pub fn refusal_status(step: Step, error: &OffersError) -> u16 {
    use OffersError as E;
    if matches!(error, E::BodyTooLarge) {
        return 413;
    }
    let unauthenticated = match step {
        Step::Request => matches!(error, E::InvalidContextToken),
        Step::PaymentRequest => false,
        Step::Webhook => matches!(
            error,
            E::WebhookHeader | E::WebhookSignature | E::WebhookTimestamp
        ),
    };
    let server_fault = matches!(error, E::InvalidRecord | E::BufferTooSmall)
        || (step == Step::Webhook && matches!(error, E::Overflow))
        || (step == Step::Request && !unauthenticated);
    if unauthenticated {
        401
    } else if server_fault {
        500
    } else {
        400
    }
}

/// Writes a refusal: `{"error": code, "detail": detail code?, "message": text}` with the
/// status of [`refusal_status`].
pub fn write_refusal(
    step: Step,
    error: &OffersError,
    w: &mut Writer<'_>,
) -> Result<Reply, OffersError> {
    let mut message = [0u8; 160];
    let mut mw = Writer::new(&mut message);
    // A message longer than the buffer is cut (fmt stops at the first failed write).
    let _ = core::fmt::write(&mut mw, format_args!("{error}"));
    let text = core::str::from_utf8(mw.written()).unwrap_or_default();
    let mut o = ObjectWriter::begin(w)?;
    o.field_str("error", error.code())?;
    if let Some(detail) = error.detail_code() {
        o.field_str("detail", detail)?;
    }
    o.field_str("message", text)?;
    o.end()?;
    Ok(json_reply(refusal_status(step, error)))
}

/// Writes a webhook acknowledgement `{"received": true, "result": …}` (status 200).
pub fn write_webhook_ack(ack: WebhookAck, w: &mut Writer<'_>) -> Result<Reply, OffersError> {
    let mut o = ObjectWriter::begin(w)?;
    o.field_bool("received", true)?;
    o.field_str("result", ack.as_str())?;
    o.end()?;
    Ok(json_reply(200))
}

fn nonempty(v: Option<&str>) -> Option<&str> {
    v.filter(|s| !s.is_empty())
}

/// Applies a verified grant to an account's stored record (`None`: no record yet) and returns
/// the record to store. Errors: `invalid_entitlement_record`, `entitlement_overflow`.
pub fn credit_record(
    record: Option<&[u8]>,
    grant: Grant,
    paid_at: u64,
) -> Result<[u8; ENTITLEMENT_RECORD_LEN], OffersError> {
    let mut e = match record {
        Some(bytes) => Entitlement::decode(bytes)?,
        None => Entitlement::default(),
    };
    e.credit(grant, paid_at)?;
    Ok(e.encode())
}

/// The account a request presents: `Ok(None)` without an `Authorization: Bearer` value
/// (absent header or another scheme), `Ok(Some)` for a token this server minted, else
/// `invalid_payment_context_token`.
fn bearer(authorization: Option<&str>) -> Option<&str> {
    let value = authorization?.trim();
    let (scheme, rest) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| rest.trim_start())
}

/// The selling side of the offers flow over one offer set.
///
/// ```
/// use pay402::offers::{OffersConfig, OffersServer, RequestOutcome, STATUS_PAYMENT_REQUIRED};
/// use pay402::writer::Writer;
/// let offers = br#"[{"id":"offer_0001","title":"Pro","type":"top-up","balance":10,
///   "amount":10,"currency":"USD","payment_methods":["lightning"]}]"#;
/// let config = OffersConfig::new(offers, "https://api.test/payment-request", b"whsec_test");
/// let server = OffersServer::new(config, &[7u8; 32])?;
/// let mut buf = [0u8; 1024];
/// let mut w = Writer::new(&mut buf);
/// let RequestOutcome::Challenge { token, reply } = server.request(None, None, 1_700_000_000, &[1; 16], &mut w)?
/// else { unreachable!() };
/// assert_eq!(reply.status, STATUS_PAYMENT_REQUIRED);
/// assert!(token.as_str().starts_with("pct_"));
/// # Ok::<(), pay402::offers::OffersError>(())
/// ```
pub struct OffersServer<'a> {
    config: OffersConfig<'a>,
    offers: Vec<Offer<'a>, MAX_OFFERS>,
    grants: Vec<Grant, MAX_OFFERS>,
    token_key: Zeroizing<[u8; 32]>,
}

impl core::fmt::Debug for OffersServer<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OffersServer")
            .field("offers", &self.offers.len())
            .field("payment_request_url", &self.config.payment_request_url)
            .finish_non_exhaustive()
    }
}

impl<'a> OffersServer<'a> {
    /// Reads the offers once and keys the token tags with `secret` (32 to 64 bytes,
    /// `invalid_server_secret`). Errors: the offer codec's, `no_offers`, `too_many`,
    /// `duplicate_offer_id`, a grant error for an offer the ledger cannot meter, and
    /// `missing_field` (`payment_request_url`, `webhook_secret`) for empty settings.
    pub fn new(config: OffersConfig<'a>, secret: &[u8]) -> Result<Self, OffersError> {
        if !(MIN_SECRET_LEN..=MAX_SECRET_LEN).contains(&secret.len()) {
            return Err(OffersError::InvalidServerSecret);
        }
        if config.payment_request_url.is_empty() {
            return Err(FieldIssue::missing("payment_request_url").into());
        }
        if config.webhook_secret.is_empty() {
            return Err(FieldIssue::missing("webhook_secret").into());
        }
        let list = RawValue::parse(config.offers)?;
        if list.kind() != Kind::Array {
            return Err(FieldIssue::wrong_type("offers").into());
        }
        let mut offers: Vec<Offer<'a>, MAX_OFFERS> = Vec::new();
        let mut grants = Vec::new();
        for element in list.elements().into_iter().flatten() {
            let offer = Offer::from_value(element)?;
            if offers.iter().any(|o| o.id == offer.id) {
                return Err(OffersError::DuplicateOfferId);
            }
            grants
                .push(Grant::of(&offer)?)
                .map_err(|_| OffersError::TooMany("offers"))?;
            offers
                .push(offer)
                .map_err(|_| OffersError::TooMany("offers"))?;
        }
        if offers.is_empty() {
            return Err(OffersError::NoOffers);
        }
        Ok(Self {
            config,
            offers,
            grants,
            token_key: Zeroizing::new(hmac_sha256(secret, &[TOKEN_LABEL])),
        })
    }

    /// The offers, in configuration order.
    pub fn offers(&self) -> &[Offer<'a>] {
        &self.offers
    }

    /// The configuration.
    pub fn config(&self) -> &OffersConfig<'a> {
        &self.config
    }

    fn tag(&self, random: &[u8; 16]) -> [u8; 32] {
        hmac_sha256(&*self.token_key, &[random])
    }

    /// A fresh token from 16 random bytes (the host's CSPRNG).
    pub fn mint(&self, random: &[u8; 16]) -> ContextToken {
        let tag = self.tag(random);
        let mut out = [0u8; CONTEXT_TOKEN_LEN];
        let mut w = Writer::new(&mut out);
        // 4 + 32 + 32 bytes exactly fill the array.
        let _ = w.push_str(TOKEN_PREFIX);
        let _ = crate::hex::write_lower(&mut w, random);
        let _ = crate::hex::write_lower(&mut w, tag.get(..16).unwrap_or_default());
        ContextToken(out)
    }

    /// Checks a token's shape (`pct_` + 64 lowercase hex digits) and tag (constant time);
    /// `invalid_payment_context_token` otherwise.
    pub fn check_token(&self, text: &str) -> Result<ContextToken, OffersError> {
        let bad = OffersError::InvalidContextToken;
        let hex = text.strip_prefix(TOKEN_PREFIX).ok_or(bad)?;
        if hex.len() != 64 || !hex.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(bad);
        }
        let bytes = crate::hex::decode_array::<32>(hex.as_bytes()).map_err(|_| bad)?;
        let (random, tag) = bytes.split_at(16);
        let random: &[u8; 16] = random.try_into().map_err(|_| bad)?;
        let expected = self.tag(random);
        if !bool::from(tag.ct_eq(expected.get(..16).unwrap_or_default())) {
            return Err(bad);
        }
        let mut out = [0u8; CONTEXT_TOKEN_LEN];
        out.copy_from_slice(text.as_bytes());
        Ok(ContextToken(out))
    }

    fn check_json_token(&self, token: &JsonStr<'_>) -> Result<ContextToken, OffersError> {
        let mut buf = [0u8; CONTEXT_TOKEN_LEN];
        let text = token
            .unescape_into(&mut buf)
            .map_err(|_| OffersError::InvalidContextToken)?;
        self.check_token(text)
    }

    /// The account an `Authorization` value presents: `Ok(None)` without a bearer token
    /// (absent, or another scheme), the checked token otherwise
    /// (`invalid_payment_context_token`, a 401 at [`Step::Request`]). The host reads the
    /// account's record with it before [`OffersServer::request`].
    pub fn account(
        &self,
        authorization: Option<&str>,
    ) -> Result<Option<ContextToken>, OffersError> {
        bearer(authorization)
            .map(|t| self.check_token(t))
            .transpose()
    }

    /// Writes the 402 offers body carrying `token`; status 402 with [`JSON_HEADERS`] (the spec
    /// sends no `WWW-Authenticate`).
    pub fn write_challenge(
        &self,
        token: &ContextToken,
        w: &mut Writer<'_>,
    ) -> Result<Reply, OffersError> {
        let body = OffersBody {
            version: JsonStr::from(OFFERS_VERSION),
            payment_request_url: JsonStr::from(self.config.payment_request_url),
            payment_context_token: JsonStr::from(token.as_str()),
            offers: self.offers.clone(),
            terms_url: self
                .config
                .terms_url
                .filter(|t| !t.is_empty())
                .map(JsonStr::from),
        };
        body.encode(w)?;
        Ok(json_reply(STATUS_PAYMENT_REQUIRED))
    }

    /// Decides a resource request at `now`. `authorization` is the request's `Authorization`
    /// value; `record` the stored entitlement of the bearer's account (`None`: none stored);
    /// `random` 16 fresh random bytes (used only when a token is minted). A caller without a
    /// bearer token gets the challenge with a new token; a caller whose ledger says
    /// `payment_required` gets it with their own token; otherwise the call is served.
    /// Errors: `invalid_payment_context_token` (401), `invalid_entitlement_record` (500).
    pub fn request(
        &self,
        authorization: Option<&str>,
        record: Option<&[u8]>,
        now: u64,
        random: &[u8; 16],
        w: &mut Writer<'_>,
    ) -> Result<RequestOutcome, OffersError> {
        let Some(text) = bearer(authorization) else {
            let token = self.mint(random);
            let reply = self.write_challenge(&token, w)?;
            return Ok(RequestOutcome::Challenge { token, reply });
        };
        let token = self.check_token(text)?;
        let mut e = match record {
            Some(bytes) => Entitlement::decode(bytes)?,
            None => Entitlement::default(),
        };
        let before = e;
        match e.authorize(now) {
            Access::PaymentRequired => {
                let reply = self.write_challenge(&token, w)?;
                Ok(RequestOutcome::Challenge { token, reply })
            }
            access => Ok(RequestOutcome::Serve {
                token,
                access,
                record: (e != before).then(|| e.encode()),
            }),
        }
    }

    /// Checks a payment request body: a token minted here, an offer sold here, a method the
    /// offer lists, and `chain` + `asset` for `onchain`. Errors (all 400): the codec's,
    /// `invalid_payment_context_token`, `unknown_offer`, `payment_method_not_offered`,
    /// `missing_field` (`chain`, `asset`); a body longer than [`MAX_BODY_BYTES`]:
    /// `request_body_too_large` (413).
    pub fn payment_request<'s, 'r>(
        &'s self,
        body: &'r [u8],
    ) -> Result<PaymentAsk<'s, 'a, 'r>, OffersError> {
        if body.len() > MAX_BODY_BYTES {
            return Err(OffersError::BodyTooLarge);
        }
        let req = PaymentRequest::decode(body)?;
        let token = self.check_json_token(&req.payment_context_token)?;
        let index = self
            .offers
            .iter()
            .position(|o| o.id == req.offer_id)
            .ok_or(OffersError::UnknownOffer)?;
        let offer = self.offers.get(index).ok_or(OffersError::UnknownOffer)?;
        let grant = *self.grants.get(index).ok_or(OffersError::UnknownOffer)?;
        if !offer.payment_methods.contains(&req.payment_method) {
            return Err(OffersError::PaymentMethodNotOffered);
        }
        let kind = MethodKind::of(&req.payment_method);
        if kind == MethodKind::Onchain {
            req.chain.ok_or(FieldIssue::missing("chain"))?;
            req.asset.ok_or(FieldIssue::missing("asset"))?;
        }
        Ok(PaymentAsk {
            token,
            offer,
            grant,
            method: req.payment_method,
            kind,
            chain: req.chain,
            asset: req.asset,
        })
    }

    /// Writes the 200 answer to a payment request `body` (checked again, as
    /// [`OffersServer::payment_request`]) with the provider's `details`: `version`,
    /// `offer_id`, `payment_request` {the detail the method needs, plus any other given;
    /// `chain`/`asset` echoed for `onchain`}, `expires_at` = the earlier of `now` + the
    /// configured lifetime and the provider's expiry. Returns the reply and `expires_at`.
    /// Errors: `no_payment_option` when the method's detail is missing,
    /// `payment_details_expired` when the provider's expiry is not after `now`.
    pub fn payment_request_reply(
        &self,
        body: &[u8],
        details: &PaymentDetails<'_>,
        now: u64,
        w: &mut Writer<'_>,
    ) -> Result<(Reply, u64), OffersError> {
        let ask = self.payment_request(body)?;
        let needed = match ask.kind {
            MethodKind::Lightning => details.lightning_invoice,
            MethodKind::Onchain => details.address,
            MethodKind::Checkout => details.checkout_url,
        };
        if needed.is_none_or(str::is_empty) {
            return Err(OffersError::NoPaymentOption);
        }
        let mut expires_at = now.saturating_add(self.config.payment_request_lifetime_seconds);
        if let Some(provider) = details.expires_at {
            if provider <= now {
                return Err(OffersError::PaymentDetailsExpired);
            }
            expires_at = expires_at.min(provider);
        }
        let mut stamp = [0u8; 20];
        let mut sw = Writer::new(&mut stamp);
        crate::rfc3339::write_utc(&mut sw, expires_at)
            .ok_or(FieldIssue::invalid_value("expires_at"))?;
        let stamp = core::str::from_utf8(sw.written()).unwrap_or_default();
        let onchain = ask.kind == MethodKind::Onchain;
        let response = PaymentRequestResponse {
            version: Some(JsonStr::from(OFFERS_VERSION)),
            offer_id: Some(ask.offer.id),
            lightning_invoice: nonempty(details.lightning_invoice).map(JsonStr::from),
            checkout_url: nonempty(details.checkout_url).map(JsonStr::from),
            address: nonempty(details.address).map(JsonStr::from),
            asset: if onchain { ask.asset } else { None },
            chain: if onchain { ask.chain } else { None },
            expires_at: Some(JsonStr::from(stamp)),
        };
        response.encode(w)?;
        Ok((json_reply(200), expires_at))
    }

    /// Verifies and reads a webhook delivery at `now`: `signature` is the
    /// `Fewsats-Signature` value (`None` when absent: `webhook_header_malformed`), `body` the
    /// raw bytes. The event `{offer_id, payment_context_token, amount, currency, status,
    /// timestamp?}` must name a token minted here and an offer sold here; a paid status must
    /// carry the offer's amount and currency. `timestamp` (unix seconds, or RFC 3339) is the
    /// payment time; it must lie within [`WEBHOOK_RETENTION_SECONDS`] before `now` and the
    /// tolerance after it. A body longer than [`MAX_BODY_BYTES`] is refused unread
    /// (`request_body_too_large`, 413).
    pub fn webhook(
        &self,
        signature: Option<&str>,
        body: &[u8],
        now: u64,
    ) -> Result<WebhookOutcome, OffersError> {
        if body.len() > MAX_BODY_BYTES {
            return Err(OffersError::BodyTooLarge);
        }
        let tolerance = self.config.webhook_tolerance_seconds;
        let signed_at = verify_webhook(
            signature.unwrap_or_default(),
            body,
            self.config.webhook_secret,
            now,
            tolerance,
        )?;
        let o = Object::new(RawValue::parse(body)?).ok_or(OffersError::NotAnObject)?;
        let offer_id = o.field("offer_id").nonempty_str()?;
        let token = self.check_json_token(&o.field("payment_context_token").nonempty_str()?)?;
        let status = o.field("status").nonempty_str()?;
        let index = self
            .offers
            .iter()
            .position(|x| x.id == offer_id)
            .ok_or(OffersError::UnknownOffer)?;
        if !PAID_STATUSES.iter().any(|s| status.eq_str(s)) {
            return Ok(WebhookOutcome::NotPaid);
        }
        let offer = self.offers.get(index).ok_or(OffersError::UnknownOffer)?;
        let grant = *self.grants.get(index).ok_or(OffersError::UnknownOffer)?;
        let amount = o.field("amount").amount()?;
        if amount != offer.amount {
            return Err(OffersError::WebhookMismatch("amount"));
        }
        if o.field("currency").nonempty_str()? != offer.currency {
            return Err(OffersError::WebhookMismatch("currency"));
        }
        let paid_at = match o
            .field("timestamp")
            .optional(crate::json::Field::required)?
        {
            None => signed_at,
            Some(v) if v.kind() == Kind::Number => {
                v.as_u64().ok_or(FieldIssue::invalid_value("timestamp"))?
            }
            Some(v) => {
                let text = v.as_str().ok_or(FieldIssue::wrong_type("timestamp"))?;
                let mut buf = [0u8; 64];
                let s = text
                    .unescape_into(&mut buf)
                    .map_err(|_| FieldIssue::invalid_value("timestamp"))?;
                crate::rfc3339::unix_seconds(s).ok_or(FieldIssue::invalid_value("timestamp"))?
            }
        };
        if paid_at > now.saturating_add(tolerance)
            || paid_at < now.saturating_sub(WEBHOOK_RETENTION_SECONDS)
        {
            return Err(OffersError::WebhookTimestamp);
        }
        let mut hasher = Sha256::new();
        hasher.update(REPLAY_LABEL);
        hasher.update([0u8]);
        hasher.update(token.as_str().as_bytes());
        hasher.update([0u8]);
        let mut id = [0u8; 256];
        let id = offer
            .id
            .unescape_into(&mut id)
            .map_err(|_| FieldIssue::invalid_value("offer_id"))?;
        hasher.update(id.as_bytes());
        hasher.update([0u8]);
        hasher.update(paid_at.to_be_bytes());
        Ok(WebhookOutcome::Paid(WebhookGrant {
            token,
            offer_index: index,
            grant,
            paid_at,
            replay_key: hasher.finalize().into(),
            replay_expires_at: paid_at
                .saturating_add(WEBHOOK_RETENTION_SECONDS)
                .saturating_add(tolerance),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::offers::sign_webhook;

    const OFFERS: &[u8] = br#"[
      {"id":"offer_0001","title":"Pro","type":"top-up","balance":2,"amount":10,"currency":"USD",
       "payment_methods":["lightning","fake-pay"]},
      {"id":"offer_0003","title":"Unlimited","type":"subscription","duration":"30 days",
       "amount":500,"currency":"USD","payment_methods":["lightning","onchain","credit_card"]}]"#;
    const NOW: u64 = 1_767_225_000;

    fn server() -> OffersServer<'static> {
        let config = OffersConfig::new(OFFERS, "https://api.test/pr", b"whsec_test");
        OffersServer::new(config, &[9u8; 32]).unwrap()
    }

    fn signed(body: &str, t: u64) -> ([u8; 96], usize) {
        let mut buf = [0u8; 96];
        let mut w = Writer::new(&mut buf);
        sign_webhook(b"whsec_test", t, body.as_bytes(), &mut w).unwrap();
        let n = w.len();
        (buf, n)
    }

    #[test]
    fn a_minted_token_checks_and_a_changed_one_does_not() {
        let s = server();
        let t = s.mint(&[3; 16]);
        assert_eq!(s.check_token(t.as_str()), Ok(t));
        let mut text = [0u8; CONTEXT_TOKEN_LEN];
        text.copy_from_slice(t.as_str().as_bytes());
        text[CONTEXT_TOKEN_LEN - 1] ^= 1;
        let forged = core::str::from_utf8(&text).unwrap();
        assert_eq!(s.check_token(forged), Err(OffersError::InvalidContextToken));
        let other = OffersServer::new(
            OffersConfig::new(OFFERS, "https://api.test/pr", b"whsec_test"),
            &[8u8; 32],
        )
        .unwrap();
        assert_eq!(
            other.check_token(t.as_str()),
            Err(OffersError::InvalidContextToken)
        );
    }

    #[test]
    fn the_whole_flow_grants_two_credits_once() {
        let s = server();
        let mut buf = [0u8; 2048];
        let RequestOutcome::Challenge { token, reply } = s
            .request(None, None, NOW, &[5; 16], &mut Writer::new(&mut buf))
            .unwrap()
        else {
            panic!("challenge expected")
        };
        assert_eq!(reply.status, 402);
        let auth = [b"Bearer ".as_slice(), token.as_str().as_bytes()].concat();
        let auth = core::str::from_utf8(&auth).unwrap();
        let out = s
            .request(Some(auth), None, NOW, &[6; 16], &mut Writer::new(&mut buf))
            .unwrap();
        assert!(matches!(out, RequestOutcome::Challenge { token: t, .. } if t == token));
        let mut event = [0u8; 256];
        let mut ew = Writer::new(&mut event);
        core::fmt::write(&mut ew, format_args!(
            r#"{{"offer_id":"offer_0001","payment_context_token":"{}","amount":10,"currency":"USD","status":"paid","timestamp":{NOW}}}"#,
            token.as_str()
        )).unwrap();
        let event = core::str::from_utf8(ew.written()).unwrap();
        let (sig, n) = signed(event, NOW);
        let sig = core::str::from_utf8(&sig[..n]).unwrap();
        let WebhookOutcome::Paid(g) = s.webhook(Some(sig), event.as_bytes(), NOW + 1).unwrap()
        else {
            panic!("paid expected")
        };
        assert_eq!(g.grant, Grant::TopUp { credits: 2 });
        let record = credit_record(None, g.grant, g.paid_at).unwrap();
        let RequestOutcome::Serve {
            access,
            record: Some(r1),
            ..
        } = s
            .request(
                Some(auth),
                Some(&record),
                NOW + 2,
                &[0; 16],
                &mut Writer::new(&mut buf),
            )
            .unwrap()
        else {
            panic!("serve expected")
        };
        assert_eq!(access, Access::Credit { remaining: 1 });
        let RequestOutcome::Serve {
            record: Some(r2), ..
        } = s
            .request(
                Some(auth),
                Some(&r1),
                NOW + 3,
                &[0; 16],
                &mut Writer::new(&mut buf),
            )
            .unwrap()
        else {
            panic!("serve expected")
        };
        assert!(matches!(
            s.request(
                Some(auth),
                Some(&r2),
                NOW + 4,
                &[0; 16],
                &mut Writer::new(&mut buf)
            ),
            Ok(RequestOutcome::Challenge { .. })
        ));
        assert_eq!(
            s.webhook(None, event.as_bytes(), NOW),
            Err(OffersError::WebhookHeader)
        );
    }
}
