//! Fewsats L402 offers (l402-protocol/l402): the 402 body that lists what can be bought.

use crate::Pay402Error;
use crate::convert::utf8;
use pay402::offers::OffersBody;
use pay402::writer::Writer;

/// One offer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Offer {
    /// `offer_id`.
    pub id: String,
    /// `title`.
    pub title: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// The price (decimal, in the currency's smallest unit).
    pub amount: String,
    /// `currency`.
    pub currency: String,
    /// `type` as the body gives it (`one-time`, `one-off`, `top-up`, `subscription`, or a
    /// type pay402 does not know, such as `pay-per-call`: such offers are kept).
    pub offer_type: String,
    /// `balance` (credits granted).
    pub balance: Option<u64>,
    /// `duration` text (subscriptions).
    pub duration: Option<String>,
    /// `payment_methods` (`lightning`, `credit_card`, `coinbase_commerce`, …).
    pub payment_methods: Vec<String>,
}

/// A decoded offers body.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OffersInfo {
    /// `version`.
    pub version: String,
    /// `payment_request_url`.
    pub payment_request_url: String,
    /// `payment_context_token`.
    pub payment_context_token: String,
    /// The offers in order.
    pub offers: Vec<Offer>,
    /// `terms_url`.
    pub terms_url: Option<String>,
    /// The body re-encoded canonically (compact JSON, v0.2.2 key names).
    pub canonical_json: String,
}

/// Decodes a 402 offers body (JSON text).
///
/// Errors: `Offers` with `invalid_json`, `missing_field`, `wrong_type`, `no_offers`, …
#[uniffi::export]
pub fn offers_decode(body: String) -> Result<OffersInfo, Pay402Error> {
    let decoded = OffersBody::decode(body.as_bytes())?;
    let mut buf = vec![0u8; body.len() * 2 + 256];
    let mut w = Writer::new(&mut buf);
    decoded.encode(&mut w)?;
    let canonical_json = utf8(w.written());
    let text = |s: Option<pay402::json::JsonStr<'_>>| s.map(|s| s.to_string());
    Ok(OffersInfo {
        version: decoded.version.to_string(),
        payment_request_url: decoded.payment_request_url.to_string(),
        payment_context_token: decoded.payment_context_token.to_string(),
        offers: decoded
            .offers
            .iter()
            .map(|o| Offer {
                id: o.id.to_string(),
                title: text(o.title),
                description: text(o.description),
                amount: o.amount.to_string(),
                currency: o.currency.to_string(),
                offer_type: o.type_name.to_string(),
                balance: o.balance,
                duration: text(o.duration),
                payment_methods: o.payment_methods.iter().map(ToString::to_string).collect(),
            })
            .collect(),
        terms_url: text(decoded.terms_url),
        canonical_json,
    })
}
