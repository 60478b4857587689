//! Step 2 of the offers flow: the payment request and its response (l402-protocol/l402 README).

use super::error::OffersError;
use crate::json::{FieldIssue, JsonStr, Object, ObjectWriter, RawValue};
use crate::writer::Writer;

/// The body `POST`ed to `payment_request_url`.
///
/// ```
/// use pay402::json::JsonStr;
/// use pay402::offers::PaymentRequest;
/// use pay402::writer::Writer;
/// let req = PaymentRequest {
///     offer_id: JsonStr::from("offer_12345"),
///     payment_method: JsonStr::from("onchain"),
///     payment_context_token: JsonStr::from("pct_abc123xyz"),
///     chain: Some(JsonStr::from("base-mainnet")),
///     asset: Some(JsonStr::from("usdc")),
/// };
/// let mut buf = [0u8; 256];
/// let mut w = Writer::new(&mut buf);
/// req.encode(&mut w)?;
/// assert_eq!(w.written(), br#"{"offer_id":"offer_12345","payment_method":"onchain","payment_context_token":"pct_abc123xyz","chain":"base-mainnet","asset":"usdc"}"#);
/// assert_eq!(PaymentRequest::decode(w.written())?, req);
/// # Ok::<(), pay402::offers::OffersError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaymentRequest<'a> {
    /// The chosen offer.
    pub offer_id: JsonStr<'a>,
    /// The chosen method (`lightning`, `onchain`, `credit_card`, …).
    pub payment_method: JsonStr<'a>,
    /// The token from the 402 body.
    pub payment_context_token: JsonStr<'a>,
    /// On-chain: the chain (`base-mainnet`).
    pub chain: Option<JsonStr<'a>>,
    /// On-chain: the asset (`usdc`).
    pub asset: Option<JsonStr<'a>>,
}

impl<'a> PaymentRequest<'a> {
    /// Decodes a payment request body (Go zero values as absent).
    pub fn decode(text: &'a [u8]) -> Result<Self, OffersError> {
        let o = Object::new(RawValue::parse(text)?).ok_or(OffersError::NotAnObject)?;
        Ok(Self {
            offer_id: o.field("offer_id").nonempty_str()?,
            payment_method: o.field("payment_method").nonempty_str()?,
            payment_context_token: o.field("payment_context_token").nonempty_str()?,
            chain: o.field("chain").opt_nonempty_str()?,
            asset: o.field("asset").opt_nonempty_str()?,
        })
    }

    /// Writes the canonical compact JSON in the spec's key order.
    pub fn encode(&self, w: &mut Writer<'_>) -> Result<(), OffersError> {
        let mut o = ObjectWriter::begin(w)?;
        o.field_json_str("offer_id", &self.offer_id)?;
        o.field_json_str("payment_method", &self.payment_method)?;
        o.field_json_str("payment_context_token", &self.payment_context_token)?;
        if let Some(c) = &self.chain {
            o.field_json_str("chain", c)?;
        }
        if let Some(a) = &self.asset {
            o.field_json_str("asset", a)?;
        }
        o.end()?;
        Ok(())
    }
}

/// The 200 response to a payment request.
///
/// Decoding reads `lightning_invoice` (or the earlier drafts' `invoice`), `checkout_url` (or
/// the go-example's `check_url`), and `address` with its `asset` and `chain` (all three
/// required together). At least one way to pay must be present (`no_payment_option`).
///
/// ```
/// use pay402::offers::PaymentRequestResponse;
/// let text = br#"{"version":"0.2.2","payment_request":{"lightning_invoice":"","address":"","asset":"","chain":"",
///   "check_url":"http://localhost:8081/checkout?offer_id=offer_0001"},"expires_at":"2025-12-31T23:59:59Z"}"#;
/// let resp = PaymentRequestResponse::decode(text)?;
/// assert!(resp.checkout_url.is_some() && resp.lightning_invoice.is_none() && resp.address.is_none());
/// assert_eq!(resp.expires_at_unix()?, Some(1_767_225_599));
/// # Ok::<(), pay402::offers::OffersError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaymentRequestResponse<'a> {
    /// `version`, when given.
    pub version: Option<JsonStr<'a>>,
    /// `offer_id`, when given (stock.l402.org, Fewsats).
    pub offer_id: Option<JsonStr<'a>>,
    /// A BOLT11 invoice.
    pub lightning_invoice: Option<JsonStr<'a>>,
    /// A checkout page URL.
    pub checkout_url: Option<JsonStr<'a>>,
    /// An on-chain address.
    pub address: Option<JsonStr<'a>>,
    /// The asset to send to `address`.
    pub asset: Option<JsonStr<'a>>,
    /// The chain of `address`.
    pub chain: Option<JsonStr<'a>>,
    /// `expires_at` (RFC 3339), as written.
    pub expires_at: Option<JsonStr<'a>>,
}

impl<'a> PaymentRequestResponse<'a> {
    /// Decodes the response body.
    pub fn decode(text: &'a [u8]) -> Result<Self, OffersError> {
        let o = Object::new(RawValue::parse(text)?).ok_or(OffersError::NotAnObject)?;
        let pr = o.field("payment_request").object()?;
        let s = |k: &'static [&'static str]| pr.field_any(k).opt_nonempty_str();
        let resp = Self {
            version: o.field("version").opt_nonempty_str()?,
            offer_id: o.field("offer_id").opt_nonempty_str()?,
            lightning_invoice: s(&["lightning_invoice", "invoice"])?,
            checkout_url: s(&["checkout_url", "check_url"])?,
            address: s(&["address"])?,
            asset: s(&["asset"])?,
            chain: s(&["chain"])?,
            expires_at: o.field("expires_at").opt_nonempty_str()?,
        };
        if resp.address.is_some() {
            resp.asset.ok_or(FieldIssue::missing("asset"))?;
            resp.chain.ok_or(FieldIssue::missing("chain"))?;
        }
        if resp.lightning_invoice.is_none() && resp.checkout_url.is_none() && resp.address.is_none()
        {
            return Err(OffersError::NoPaymentOption);
        }
        resp.expires_at_unix()?;
        Ok(resp)
    }

    /// `expires_at` as unix seconds (fractions truncated), or `None` when absent.
    pub fn expires_at_unix(&self) -> Result<Option<u64>, OffersError> {
        let Some(text) = self.expires_at else {
            return Ok(None);
        };
        let mut buf = [0u8; 64];
        let s = text
            .unescape_into(&mut buf)
            .map_err(|_| FieldIssue::invalid_value("expires_at"))?;
        crate::rfc3339::unix_seconds(s)
            .map(Some)
            .ok_or(OffersError::Field(FieldIssue::invalid_value("expires_at")))
    }

    /// Writes the canonical compact JSON: `version`?, `offer_id`?, `payment_request`
    /// {`lightning_invoice`?, `checkout_url`?, `address`?, `asset`?, `chain`?}, `expires_at`?.
    pub fn encode(&self, w: &mut Writer<'_>) -> Result<(), OffersError> {
        let mut o = ObjectWriter::begin(w)?;
        if let Some(v) = &self.version {
            o.field_json_str("version", v)?;
        }
        if let Some(v) = &self.offer_id {
            o.field_json_str("offer_id", v)?;
        }
        o.field_with("payment_request", |w| {
            let mut p = ObjectWriter::begin(w)?;
            for (k, v) in [
                ("lightning_invoice", &self.lightning_invoice),
                ("checkout_url", &self.checkout_url),
                ("address", &self.address),
                ("asset", &self.asset),
                ("chain", &self.chain),
            ] {
                if let Some(v) = v {
                    p.field_json_str(k, v)?;
                }
            }
            p.end()
        })?;
        if let Some(v) = &self.expires_at {
            o.field_json_str("expires_at", v)?;
        }
        o.end()?;
        Ok(())
    }
}
