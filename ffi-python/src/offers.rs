//! Fewsats L402 offers: the 402 body, payment requests, webhooks, the entitlement ledger.

use crate::convert::{Text, Uint, grow, text};
use crate::errors::CoreResult;
use crate::errors::{CoreError, Kind};
use pay402::json::RawValue;
use pay402::offers::{
    Access as CoreAccess, ENTITLEMENT_RECORD_LEN, Entitlement as CoreEntitlement,
    Grant as CoreGrant, Offer as CoreOffer, OffersBody as CoreBody, PaymentRequest as CoreRequest,
    PaymentRequestResponse as CoreResponse,
};
use pay402::writer::write_all;
use pay402_host::offers_server::write_grown;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// What one paid offer grants: `kind` is `one_time`, `top_up` (`credits`) or `subscription`
/// (`duration_seconds`).
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Grant {
    kind: &'static str,
    credits: Option<u64>,
    duration_seconds: Option<u64>,
}

impl Grant {
    fn from_core(g: CoreGrant) -> Self {
        match g {
            CoreGrant::OneTime => Self {
                kind: "one_time",
                credits: None,
                duration_seconds: None,
            },
            CoreGrant::TopUp { credits } => Self {
                kind: "top_up",
                credits: Some(credits),
                duration_seconds: None,
            },
            CoreGrant::Subscription { duration_seconds } => Self {
                kind: "subscription",
                credits: None,
                duration_seconds: Some(duration_seconds),
            },
        }
    }

    fn core(&self) -> CoreGrant {
        match (self.kind, self.credits, self.duration_seconds) {
            ("top_up", Some(credits), _) => CoreGrant::TopUp { credits },
            ("subscription", _, Some(duration_seconds)) => {
                CoreGrant::Subscription { duration_seconds }
            }
            _ => CoreGrant::OneTime,
        }
    }
}

#[pymethods]
impl Grant {
    /// Unlimited access to the resource.
    #[staticmethod]
    fn one_time() -> Self {
        Self::from_core(CoreGrant::OneTime)
    }

    /// `credits` calls.
    #[staticmethod]
    fn top_up(credits: u64) -> Self {
        Self::from_core(CoreGrant::TopUp { credits })
    }

    /// Access for `duration_seconds` from the payment time.
    #[staticmethod]
    fn subscription(duration_seconds: u64) -> Self {
        Self::from_core(CoreGrant::Subscription { duration_seconds })
    }

    fn __repr__(&self) -> String {
        match (self.credits, self.duration_seconds) {
            (Some(c), _) => format!("Grant(kind={:?}, credits={c})", self.kind),
            (_, Some(d)) => format!("Grant(kind={:?}, duration_seconds={d})", self.kind),
            _ => format!("Grant(kind={:?})", self.kind),
        }
    }
}

/// One offer of a 402 body (`type` as the body gives it: `one-time`, `top-up`, `subscription`,
/// or any other type a server lists — such offers are kept, and `grant()` refuses them).
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Offer {
    id: String,
    title: Option<String>,
    description: Option<String>,
    amount: Uint,
    currency: String,
    r#type: String,
    balance: Option<u64>,
    duration: Option<String>,
    payment_methods: Vec<String>,
    /// The offer's canonical JSON.
    json: String,
}

impl Offer {
    fn from_core(o: &CoreOffer<'_>) -> PyResult<Self> {
        let json = grow(512, |buf| write_all(buf, |w| o.encode(w))).py()?;
        Ok(Self {
            id: o.id.to_string(),
            title: o.title.map(|t| t.to_string()),
            description: o.description.map(|t| t.to_string()),
            amount: Uint(o.amount),
            currency: o.currency.to_string(),
            r#type: o.type_name.to_string(),
            balance: o.balance,
            duration: o.duration.map(|d| d.to_string()),
            payment_methods: o.payment_methods.iter().map(ToString::to_string).collect(),
            json: text(json)?,
        })
    }
}

#[pymethods]
impl Offer {
    /// What paying this offer grants. Raises `OffersError` (`missing_field` for a top-up
    /// without `balance`, `invalid_value` for an unreadable `duration`, `unknown_offer_type`
    /// for a type pay402 does not know).
    fn grant(&self) -> PyResult<Grant> {
        let value = RawValue::parse(self.json.as_bytes())
            .map_err(pay402::offers::OffersError::from)
            .py()?;
        let offer = CoreOffer::from_value(value).py()?;
        Ok(Grant::from_core(CoreGrant::of(&offer).py()?))
    }

    fn __repr__(&self) -> String {
        format!("Offer(id={:?}, type={:?})", self.id, self.r#type)
    }
}

/// A decoded 402 offers body; `json` is its canonical (v0.2.2 spec form) encoding.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OffersBody {
    version: String,
    payment_request_url: String,
    payment_context_token: String,
    offers: Vec<Offer>,
    terms_url: Option<String>,
    json: String,
}

#[pymethods]
impl OffersBody {
    /// The offer with this id, or `None`.
    fn offer(&self, id: &str) -> Option<Offer> {
        self.offers.iter().find(|o| o.id == id).cloned()
    }

    fn __repr__(&self) -> String {
        format!(
            "OffersBody(version={:?}, offers={})",
            self.version,
            self.offers.len()
        )
    }
}

/// Decodes a Fewsats 402 offers body (every field-name dialect in use). Raises `OffersError`.
#[pyfunction]
#[pyo3(name = "offers_decode")]
pub(crate) fn decode_offers(body: Text) -> PyResult<OffersBody> {
    let b = CoreBody::decode(&body.0).py()?;
    let json = grow(body.0.len() * 2 + 256, |buf| {
        write_all(buf, |w| b.encode(w))
    })
    .py()?;
    Ok(OffersBody {
        version: b.version.to_string(),
        payment_request_url: b.payment_request_url.to_string(),
        payment_context_token: b.payment_context_token.to_string(),
        offers: b
            .offers
            .iter()
            .map(Offer::from_core)
            .collect::<PyResult<_>>()?,
        terms_url: b.terms_url.map(|t| t.to_string()),
        json: text(json)?,
    })
}

/// The canonical encoding of an offers body given as JSON text (any accepted dialect): what a
/// server sends.
#[pyfunction]
pub(crate) fn encode_offers(body: Text) -> PyResult<String> {
    Ok(decode_offers(body)?.json)
}

/// A payment request (`offer_id`, `payment_method`, `payment_context_token`, `chain`?,
/// `asset`?), as canonical JSON.
#[pyfunction]
pub(crate) fn encode_payment_request(body: Text) -> PyResult<String> {
    let r = CoreRequest::decode(&body.0).py()?;
    text(
        grow(body.0.len() * 2 + 128, |buf| {
            write_all(buf, |w| r.encode(w))
        })
        .py()?,
    )
}

/// The answer to a payment request.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PaymentRequestResponse {
    version: Option<String>,
    offer_id: Option<String>,
    lightning_invoice: Option<String>,
    checkout_url: Option<String>,
    address: Option<String>,
    asset: Option<String>,
    chain: Option<String>,
    expires_at: Option<String>,
    expires_at_unix: Option<u64>,
    json: String,
}

/// Decodes the answer to a payment request (invoice, checkout URL or on-chain address).
#[pyfunction]
pub(crate) fn decode_payment_request_response(body: Text) -> PyResult<PaymentRequestResponse> {
    let r = CoreResponse::decode(&body.0).py()?;
    let json = grow(body.0.len() * 2 + 128, |buf| {
        write_all(buf, |w| r.encode(w))
    })
    .py()?;
    let s = |v: Option<pay402::json::JsonStr<'_>>| v.map(|t| t.to_string());
    Ok(PaymentRequestResponse {
        version: s(r.version),
        offer_id: s(r.offer_id),
        lightning_invoice: s(r.lightning_invoice),
        checkout_url: s(r.checkout_url),
        address: s(r.address),
        asset: s(r.asset),
        chain: s(r.chain),
        expires_at: s(r.expires_at),
        expires_at_unix: r.expires_at_unix().py()?,
        json: text(json)?,
    })
}

/// Verifies a `Fewsats-Signature` header (`t=…,v1=…`) over the raw body with the webhook
/// secret; returns the signed timestamp. Raises `OffersError` `webhook_header_malformed`,
/// `webhook_timestamp_out_of_tolerance`, `webhook_signature_mismatch`.
#[pyfunction]
#[pyo3(signature = (header, body, secret, *, now, tolerance_seconds=300))]
pub(crate) fn verify_webhook(
    header: &str,
    body: &[u8],
    secret: &[u8],
    now: u64,
    tolerance_seconds: u64,
) -> PyResult<u64> {
    pay402::offers::verify_webhook(header, body, secret, now, tolerance_seconds).py()
}

/// The `Fewsats-Signature` header value for `body` at `timestamp`.
#[pyfunction]
pub(crate) fn sign_webhook(secret: &[u8], timestamp: u64, body: &[u8]) -> PyResult<String> {
    text(
        grow(128, |buf| {
            write_all(buf, |w| {
                pay402::offers::sign_webhook(secret, timestamp, body, w)
            })
        })
        .py()?,
    )
}

/// How a call was decided: `kind` is `one_time`, `subscription` (`until`), `credit`
/// (`remaining`) or `payment_required`.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Access {
    kind: &'static str,
    until: Option<u64>,
    remaining: Option<u64>,
}

#[pymethods]
impl Access {
    /// `True` unless payment is required.
    #[getter]
    fn allowed(&self) -> bool {
        self.kind != "payment_required"
    }

    fn __repr__(&self) -> String {
        format!("Access(kind={:?})", self.kind)
    }
}

/// The entitlement ledger of one (customer, resource): a pure state machine over a 26-byte
/// record the host persists (`to_bytes()` / `Entitlement.from_bytes()`).
#[pyclass(module = "pay402._native")]
#[derive(Debug, Clone, Default)]
pub(crate) struct Entitlement {
    inner: CoreEntitlement,
}

#[pymethods]
impl Entitlement {
    #[new]
    fn new() -> Self {
        Self::default()
    }

    /// Restores a record. Raises `OffersError` `invalid_entitlement_record`.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        Ok(Self {
            inner: CoreEntitlement::decode(data).py()?,
        })
    }

    /// The record to persist.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.encode())
    }

    /// Applies a paid grant at `paid_at` (unix seconds, from the verified webhook).
    fn credit(&mut self, grant: &Grant, paid_at: u64) -> PyResult<()> {
        self.inner.credit(grant.core(), paid_at).py()
    }

    /// Decides one call at `now`; a `credit` answer spent one credit (persist before serving).
    fn authorize(&mut self, now: u64) -> Access {
        let (kind, until, remaining) = match self.inner.authorize(now) {
            CoreAccess::OneTime => ("one_time", None, None),
            CoreAccess::Subscription { until } => ("subscription", Some(until), None),
            CoreAccess::Credit { remaining } => ("credit", None, Some(remaining)),
            CoreAccess::PaymentRequired => ("payment_required", None, None),
        };
        Access {
            kind,
            until,
            remaining,
        }
    }

    /// Whether a one-time purchase was made.
    #[getter]
    fn one_time(&self) -> bool {
        self.inner.one_time
    }

    /// Credits left.
    #[getter]
    fn credits(&self) -> u64 {
        self.inner.credits
    }

    /// End of the subscription (unix seconds, exclusive; 0 = none).
    #[getter]
    fn subscription_until(&self) -> u64 {
        self.inner.subscription_until
    }

    fn __repr__(&self) -> String {
        format!(
            "Entitlement(one_time={}, credits={}, subscription_until={})",
            self.inner.one_time, self.inner.credits, self.inner.subscription_until
        )
    }
}

// ------------------------------------------------------------------------------ the server

/// An answer of the offers server, decided by the core: `status`, `headers`, `body` (JSON
/// bytes); `error` is the refusal's code (`None` for a challenge, a payment-request answer or
/// a webhook acknowledgement); `token` the `payment_context_token` a challenge carries.
#[pyclass(module = "pay402._native", frozen, get_all)]
#[derive(Debug)]
pub(crate) struct OffersReply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Py<PyBytes>,
    error: Option<&'static str>,
    token: Option<String>,
    expires_at: Option<u64>,
}

#[pymethods]
impl OffersReply {
    fn __repr__(&self) -> String {
        format!(
            "OffersReply(status={}, error={:?})",
            self.status, self.error
        )
    }
}

/// A resource request to serve: the caller's `token` (account), how it was allowed
/// (`access`), and the `record` to persist before serving when a credit was spent.
#[pyclass(module = "pay402._native", frozen, get_all)]
#[derive(Debug)]
pub(crate) struct OffersServe {
    token: String,
    access: Access,
    record: Option<Py<PyBytes>>,
}

#[pymethods]
impl OffersServe {
    fn __repr__(&self) -> String {
        format!("OffersServe(access={:?})", self.access.kind)
    }
}

/// A checked payment request: what the provider must supply (`kind`: `lightning` → an
/// invoice, `onchain` → an address, `checkout` → a checkout URL) for which offer.
#[pyclass(module = "pay402._native", frozen, get_all)]
#[derive(Debug, Clone)]
pub(crate) struct OffersPaymentAsk {
    token: String,
    offer_id: String,
    amount: Uint,
    currency: String,
    method: String,
    kind: &'static str,
    chain: Option<String>,
    asset: Option<String>,
}

#[pymethods]
impl OffersPaymentAsk {
    fn __repr__(&self) -> String {
        format!(
            "OffersPaymentAsk(offer_id={:?}, kind={:?})",
            self.offer_id, self.kind
        )
    }
}

/// A verified, paid webhook: credit `grant` to `token` once — insert `replay_key` into a
/// single-use store (kept until `replay_expires_at`) atomically with the credit.
#[pyclass(module = "pay402._native", frozen, get_all)]
#[derive(Debug, Clone)]
pub(crate) struct OffersWebhookPaid {
    token: String,
    offer_id: String,
    grant: Grant,
    paid_at: u64,
    replay_key: String,
    replay_expires_at: u64,
}

#[pymethods]
impl OffersWebhookPaid {
    fn __repr__(&self) -> String {
        format!(
            "OffersWebhookPaid(offer_id={:?}, paid_at={})",
            self.offer_id, self.paid_at
        )
    }
}

fn reply(
    py: Python<'_>,
    r: pay402::offers::Reply,
    body: &[u8],
    error: Option<&'static str>,
    token: Option<String>,
    expires_at: Option<u64>,
) -> OffersReply {
    OffersReply {
        status: r.status,
        headers: r
            .headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        body: PyBytes::new(py, body).unbind(),
        error,
        token,
        expires_at,
    }
}

fn refusal(
    py: Python<'_>,
    step: pay402::offers::Step,
    e: &pay402::offers::OffersError,
) -> PyResult<OffersReply> {
    use pay402::ErrorCode;
    let mut r = None;
    let body = grow(512, |buf| {
        write_all(buf, |w| {
            r = Some(pay402::offers::write_refusal(step, e, w)?);
            Ok::<(), pay402::offers::OffersError>(())
        })
    })
    .py()?;
    let r = r.ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("no refusal written"))?;
    Ok(reply(py, r, &body, Some(e.code()), None, None))
}

const _: () = assert!(
    pay402::offers::DEFAULT_WEBHOOK_TOLERANCE_SECONDS == 300
        && pay402::offers::DEFAULT_PAYMENT_REQUEST_LIFETIME_SECONDS == 600
);

/// The selling side of the Fewsats offers flow; every status, header, body, verdict and
/// expiry comes from the core. The host stores the entitlement records (keyed by `token`) and
/// the webhook replay keys, asks its provider for payment details, and does HTTP.
#[pyclass(module = "pay402._native", frozen)]
pub(crate) struct OffersServer {
    host: pay402_host::offers_server::OffersHost,
}

impl OffersServer {
    fn with<R>(
        &self,
        f: impl FnOnce(&pay402::offers::OffersServer<'_>) -> PyResult<R>,
    ) -> PyResult<R> {
        self.host
            .with(|e| PyErr::from(CoreError::new(Kind::Offers, e)), f)
    }
}

#[pymethods]
impl OffersServer {
    /// `offers`: a JSON array of offers (str or bytes); `secret`: 32 to 64 random bytes that
    /// tag the context tokens; `webhook_secret`: the webhook sender's shared secret. The
    /// defaults are the core's `DEFAULT_WEBHOOK_TOLERANCE_SECONDS` and
    /// `DEFAULT_PAYMENT_REQUEST_LIFETIME_SECONDS` (checked at compile time). Raises
    /// `OffersError` for anything the core refuses (fail closed).
    #[new]
    #[pyo3(signature = (offers, *, payment_request_url, webhook_secret, secret, terms_url=None,
        webhook_tolerance_seconds=300, payment_request_lifetime_seconds=600))]
    fn new(
        offers: Text,
        payment_request_url: String,
        webhook_secret: Vec<u8>,
        secret: Vec<u8>,
        terms_url: Option<String>,
        webhook_tolerance_seconds: u64,
        payment_request_lifetime_seconds: u64,
    ) -> PyResult<Self> {
        let host = pay402_host::offers_server::OffersHost::new(
            offers.0,
            payment_request_url,
            terms_url,
            webhook_secret,
            secret,
            webhook_tolerance_seconds,
            payment_request_lifetime_seconds,
        )
        .map_err(|e| PyErr::from(CoreError::new(Kind::Offers, &e)))?;
        Ok(Self { host })
    }

    /// The offers sold, as the 402 body lists them.
    #[getter]
    fn offers(&self) -> PyResult<Vec<Offer>> {
        self.with(|s| s.offers().iter().map(Offer::from_core).collect())
    }

    /// The account (`payment_context_token`) an `Authorization` header presents: `None`
    /// without a bearer token, the token, or a 401 `OffersReply` for a token this server did
    /// not mint.
    fn account(&self, py: Python<'_>, authorization: Option<&str>) -> PyResult<Py<PyAny>> {
        self.with(|s| match s.account(authorization) {
            Ok(None) => Ok(py.None()),
            Ok(Some(t)) => Ok(t.as_str().into_pyobject(py)?.into_any().unbind()),
            Err(e) => Ok(refusal(py, pay402::offers::Step::Request, &e)?
                .into_pyobject(py)?
                .into_any()
                .unbind()),
        })
    }

    /// Decides a resource request: `authorization` is the `Authorization` header (or
    /// `None`), `record` the stored entitlement of the bearer's token (or `None`), `random` 16
    /// fresh random bytes. Returns `OffersServe` or an `OffersReply` (the 402 challenge, or a
    /// refusal).
    #[pyo3(signature = (authorization, record, *, now, random))]
    fn request(
        &self,
        py: Python<'_>,
        authorization: Option<&str>,
        record: Option<&[u8]>,
        now: u64,
        random: &[u8],
    ) -> PyResult<Py<PyAny>> {
        let random: [u8; 16] = random
            .try_into()
            .map_err(|_| pyo3::exceptions::PyValueError::new_err("random must be 16 bytes"))?;
        self.with(|s| {
            let (outcome, body) =
                match write_grown(2048, |w| s.request(authorization, record, now, &random, w)) {
                    Ok(done) => done,
                    Err(e) => {
                        return Ok(refusal(py, pay402::offers::Step::Request, &e)?
                            .into_pyobject(py)?
                            .into_any()
                            .unbind());
                    }
                };
            match outcome {
                pay402::offers::RequestOutcome::Serve {
                    token,
                    access,
                    record,
                } => Ok(OffersServe {
                    token: token.as_str().to_owned(),
                    access: access_of(access),
                    record: record.map(|r| PyBytes::new(py, &r).unbind()),
                }
                .into_pyobject(py)?
                .into_any()
                .unbind()),
                pay402::offers::RequestOutcome::Challenge { token, reply: r } => {
                    Ok(
                        reply(py, r, &body, None, Some(token.as_str().to_owned()), None)
                            .into_pyobject(py)?
                            .into_any()
                            .unbind(),
                    )
                }
            }
        })
    }

    /// Checks a payment-request body. Returns `OffersPaymentAsk` or a 400 `OffersReply`.
    fn payment_request(&self, py: Python<'_>, body: Text) -> PyResult<Py<PyAny>> {
        self.with(|s| match s.payment_request(&body.0) {
            Ok(ask) => Ok(OffersPaymentAsk {
                token: ask.token.as_str().to_owned(),
                offer_id: ask.offer.id.to_string(),
                amount: Uint(ask.offer.amount),
                currency: ask.offer.currency.to_string(),
                method: ask.method.to_string(),
                kind: ask.kind.as_str(),
                chain: ask.chain.map(|c| c.to_string()),
                asset: ask.asset.map(|a| a.to_string()),
            }
            .into_pyobject(py)?
            .into_any()
            .unbind()),
            Err(e) => Ok(refusal(py, pay402::offers::Step::PaymentRequest, &e)?
                .into_pyobject(py)?
                .into_any()
                .unbind()),
        })
    }

    /// The answer to a payment-request `body` with the provider's details (`expires_at`:
    /// the provider's expiry, unix seconds): 200 with `expires_at` set, or a 400 refusal.
    #[pyo3(signature = (body, *, now, lightning_invoice=None, checkout_url=None, address=None,
        expires_at=None))]
    fn payment_request_reply(
        &self,
        py: Python<'_>,
        body: Text,
        now: u64,
        lightning_invoice: Option<&str>,
        checkout_url: Option<&str>,
        address: Option<&str>,
        expires_at: Option<u64>,
    ) -> PyResult<OffersReply> {
        let details = pay402::offers::PaymentDetails {
            lightning_invoice,
            checkout_url,
            address,
            expires_at,
        };
        self.with(|s| {
            match write_grown(1024, |w| s.payment_request_reply(&body.0, &details, now, w)) {
                Ok(((r, exp), out)) => Ok(reply(py, r, &out, None, None, Some(exp))),
                Err(e) => refusal(py, pay402::offers::Step::PaymentRequest, &e),
            }
        })
    }

    /// Verifies and reads a webhook (`signature`: the `Fewsats-Signature` value or `None`).
    /// Returns `OffersWebhookPaid`, or an `OffersReply`: the 200 acknowledgement of an event
    /// that grants nothing, or a refusal (401 signature, 400 event).
    #[pyo3(signature = (signature, body, *, now))]
    fn webhook(
        &self,
        py: Python<'_>,
        signature: Option<&str>,
        body: &[u8],
        now: u64,
    ) -> PyResult<Py<PyAny>> {
        self.with(|s| match s.webhook(signature, body, now) {
            Ok(pay402::offers::WebhookOutcome::Paid(g)) => {
                let offer = s.offers().get(g.offer_index).ok_or_else(|| {
                    pyo3::exceptions::PyRuntimeError::new_err("offer index out of range")
                })?;
                Ok(OffersWebhookPaid {
                    token: g.token.as_str().to_owned(),
                    offer_id: offer.id.to_string(),
                    grant: Grant::from_core(g.grant),
                    paid_at: g.paid_at,
                    replay_key: crate::convert::to_0x(&g.replay_key),
                    replay_expires_at: g.replay_expires_at,
                }
                .into_pyobject(py)?
                .into_any()
                .unbind())
            }
            Ok(pay402::offers::WebhookOutcome::NotPaid) => Ok(webhook_ack(py, "ignored")?
                .into_pyobject(py)?
                .into_any()
                .unbind()),
            Err(e) => Ok(refusal(py, pay402::offers::Step::Webhook, &e)?
                .into_pyobject(py)?
                .into_any()
                .unbind()),
        })
    }

    /// Applies a verified grant to a stored record (`None`: none yet) and returns the record
    /// to store, or a 500 `OffersReply` (corrupt record, overflow).
    #[staticmethod]
    fn credit(
        py: Python<'_>,
        record: Option<&[u8]>,
        grant: &Grant,
        paid_at: u64,
    ) -> PyResult<Py<PyAny>> {
        match pay402::offers::credit_record(record, grant.core(), paid_at) {
            Ok(r) => Ok(PyBytes::new(py, &r).into_any().unbind()),
            Err(e) => Ok(refusal(py, pay402::offers::Step::Webhook, &e)?
                .into_pyobject(py)?
                .into_any()
                .unbind()),
        }
    }

    /// The 200 acknowledgement of a verified webhook: `result` is `granted`, `duplicate` or
    /// `ignored`.
    #[staticmethod]
    fn webhook_ack(py: Python<'_>, result: &str) -> PyResult<OffersReply> {
        webhook_ack(py, result)
    }

    fn __repr__(&self) -> String {
        format!(
            "OffersServer(payment_request_url={:?})",
            self.host.payment_request_url()
        )
    }
}

fn webhook_ack(py: Python<'_>, result: &str) -> PyResult<OffersReply> {
    use pay402::offers::WebhookAck;
    let ack = match result {
        "granted" => WebhookAck::Granted,
        "duplicate" => WebhookAck::Duplicate,
        "ignored" => WebhookAck::Ignored,
        other => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "result must be granted, duplicate or ignored, not {other:?}"
            )));
        }
    };
    let mut r = None;
    let body = grow(128, |buf| {
        write_all(buf, |w| {
            r = Some(pay402::offers::write_webhook_ack(ack, w)?);
            Ok::<(), pay402::offers::OffersError>(())
        })
    })
    .py()?;
    let r = r.ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("no ack written"))?;
    Ok(reply(py, r, &body, None, None, None))
}

fn access_of(a: CoreAccess) -> Access {
    let (kind, until, remaining) = match a {
        CoreAccess::OneTime => ("one_time", None, None),
        CoreAccess::Subscription { until } => ("subscription", Some(until), None),
        CoreAccess::Credit { remaining } => ("credit", None, Some(remaining)),
        CoreAccess::PaymentRequired => ("payment_required", None, None),
    };
    Access {
        kind,
        until,
        remaining,
    }
}

/// Registers the offers items.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Grant>()?;
    m.add_class::<Offer>()?;
    m.add_class::<OffersBody>()?;
    m.add_class::<PaymentRequestResponse>()?;
    m.add_class::<Access>()?;
    m.add_class::<Entitlement>()?;
    m.add_class::<OffersServer>()?;
    m.add_class::<OffersReply>()?;
    m.add_class::<OffersServe>()?;
    m.add_class::<OffersPaymentAsk>()?;
    m.add_class::<OffersWebhookPaid>()?;
    m.add_function(wrap_pyfunction!(decode_offers, m)?)?;
    m.add_function(wrap_pyfunction!(encode_offers, m)?)?;
    m.add_function(wrap_pyfunction!(encode_payment_request, m)?)?;
    m.add_function(wrap_pyfunction!(decode_payment_request_response, m)?)?;
    m.add_function(wrap_pyfunction!(verify_webhook, m)?)?;
    m.add_function(wrap_pyfunction!(sign_webhook, m)?)?;
    m.add("ENTITLEMENT_RECORD_LEN", ENTITLEMENT_RECORD_LEN)?;
    m.add("OFFERS_MAX_BODY_BYTES", pay402::offers::MAX_BODY_BYTES)?;
    Ok(())
}
