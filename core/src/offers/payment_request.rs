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
        rfc3339_unix(s)
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

fn digits(s: &[u8]) -> Option<u64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0u64, |acc, d| {
        acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// RFC 3339 `date-time` (`YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, `T`/`t`/space separator) as
/// unix seconds; `None` when malformed or before 1970.
pub(crate) fn rfc3339_unix(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let field = |from: usize, to: usize| b.get(from..to).and_then(digits);
    let sep = |at: usize, c: &[u8]| b.get(at).is_some_and(|x| c.contains(x));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let (year, month, day) = (field(0, 4)?, field(5, 7)?, field(8, 10)?);
    let (hour, minute, second) = (field(11, 13)?, field(14, 16)?, field(17, 19)?);
    let mut rest = b.get(19..)?;
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        rest = frac.get(n..)?;
    }
    let offset: i64 = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let h = i64::try_from(digits(&[*h1, *h2])?).ok()?;
            let m = i64::try_from(digits(&[*m1, *m2])?).ok()?;
            if h > 23 || m > 59 {
                return None;
            }
            let off = h * 3600 + m * 60;
            if *sign == b'+' { off } else { -off }
        }
        _ => return None,
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let max_day = *month_days.get(usize::try_from(month.checked_sub(1)?).ok()?)?;
    if day == 0 || day > max_day || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    // days_from_civil (H. Hinnant), all in i64: year ≤ 9999 keeps every product small.
    let y = i64::try_from(year).ok()? - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::try_from(month).ok()?;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::try_from(day).ok()? - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + i64::try_from(hour * 3600 + minute * 60 + second).ok()? - offset;
    u64::try_from(secs).ok()
}
