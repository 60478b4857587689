//! Fewsats L402 offers: the 402 body, payment requests, webhooks, the entitlement ledger.

use crate::convert::{Text, Uint, grow, text};
use crate::errors::CoreResult;
use pay402::json::RawValue;
use pay402::offers::{
    Access as CoreAccess, ENTITLEMENT_RECORD_LEN, Entitlement as CoreEntitlement,
    Grant as CoreGrant, Offer as CoreOffer, OffersBody as CoreBody, PaymentRequest as CoreRequest,
    PaymentRequestResponse as CoreResponse,
};
use pay402::writer::write_all;
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

/// Registers the offers items.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Grant>()?;
    m.add_class::<Offer>()?;
    m.add_class::<OffersBody>()?;
    m.add_class::<PaymentRequestResponse>()?;
    m.add_class::<Access>()?;
    m.add_class::<Entitlement>()?;
    m.add_function(wrap_pyfunction!(decode_offers, m)?)?;
    m.add_function(wrap_pyfunction!(encode_offers, m)?)?;
    m.add_function(wrap_pyfunction!(encode_payment_request, m)?)?;
    m.add_function(wrap_pyfunction!(decode_payment_request_response, m)?)?;
    m.add_function(wrap_pyfunction!(verify_webhook, m)?)?;
    m.add_function(wrap_pyfunction!(sign_webhook, m)?)?;
    m.add("ENTITLEMENT_RECORD_LEN", ENTITLEMENT_RECORD_LEN)?;
    Ok(())
}
