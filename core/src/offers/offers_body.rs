//! The Fewsats 402 body, step 1 of the offers flow (l402-protocol/l402 README).

use super::error::OffersError;
use super::offer::Offer;
use crate::json::{ArrayWriter, JsonStr, Object, ObjectWriter, RawValue};
use crate::writer::Writer;
use heapless::Vec;

/// The most offers one 402 body may carry.
pub const MAX_OFFERS: usize = 16;

/// `{version, payment_request_url, payment_context_token, offers, terms_url}`.
///
/// Decoding tolerates every dialect in use: `offers` or `offer` (go-example),
/// `id` or `offer_id`, any offer `type` (kept as given: `one-off` stays `one-off`, a type added
/// later stays readable), Go zero values (`""`, `0`) as absent; unknown members (`metadata`,
/// `expiry`) are ignored. Encoding writes the v0.2.2 spec form.
///
/// ```
/// use pay402::offers::{OfferType, OffersBody};
/// use pay402::writer::Writer;
/// // The go-example gateway's body: key `offer`, `"balance":0` for "not set".
/// let text = br#"{"version":"0.2.2","payment_request_url":"http://localhost:8081/payment-request",
///   "payment_context_token":"demo-token-123","offer":[{"id":"offer_0001","title":"Pro",
///   "description":"10 credits for all the datasets","type":"top-up","balance":0,"amount":10,
///   "currency":"USD","payment_methods":["lightning","fake-pay"]}],"terms_url":""}"#;
/// let body = OffersBody::decode(text)?;
/// assert_eq!(body.offers.len(), 1);
/// assert!(body.offers[0].type_name.eq_str("top-up"));
/// assert_eq!(body.offers[0].offer_type(), Some(OfferType::TopUp));
/// assert_eq!(body.offers[0].balance, None);
/// assert!(body.terms_url.is_none());
/// let mut buf = [0u8; 512];
/// let mut w = Writer::new(&mut buf);
/// body.encode(&mut w)?;
/// assert!(w.written().windows(9).any(|s| s == br#""offers":"#));
/// # Ok::<(), pay402::offers::OffersError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OffersBody<'a> {
    /// `version` (`0.2.2`, `0.2.1`, …) as written.
    pub version: JsonStr<'a>,
    /// Where to POST the payment request.
    pub payment_request_url: JsonStr<'a>,
    /// The context token to echo in the payment request.
    pub payment_context_token: JsonStr<'a>,
    /// The offers, in document order (at least one).
    pub offers: Vec<Offer<'a>, MAX_OFFERS>,
    /// `terms_url`; `None` when absent or `""`.
    pub terms_url: Option<JsonStr<'a>>,
}

impl<'a> OffersBody<'a> {
    /// Decodes a 402 response body.
    pub fn decode(text: &'a [u8]) -> Result<Self, OffersError> {
        let o = Object::new(RawValue::parse(text)?).ok_or(OffersError::NotAnObject)?;
        let elements = o
            .field_any(&["offers", "offer"])
            .opt_array()?
            .ok_or(OffersError::NoOffers)?;
        let mut offers = Vec::new();
        for e in elements {
            offers
                .push(Offer::from_value(e)?)
                .map_err(|_| OffersError::TooMany("offers"))?;
        }
        if offers.is_empty() {
            return Err(OffersError::NoOffers);
        }
        Ok(Self {
            version: o.field("version").nonempty_str()?,
            payment_request_url: o.field("payment_request_url").nonempty_str()?,
            payment_context_token: o.field("payment_context_token").nonempty_str()?,
            offers,
            terms_url: o.field("terms_url").opt_nonempty_str()?,
        })
    }

    /// The offer with this id.
    pub fn offer(&self, id: &str) -> Option<&Offer<'a>> {
        self.offers.iter().find(|o| o.id.eq_str(id))
    }

    /// Writes the canonical compact JSON (v0.2.2 spec key names and order).
    pub fn encode(&self, w: &mut Writer<'_>) -> Result<(), OffersError> {
        let mut o = ObjectWriter::begin(w)?;
        o.field_json_str("version", &self.version)?;
        o.field_json_str("payment_request_url", &self.payment_request_url)?;
        o.field_json_str("payment_context_token", &self.payment_context_token)?;
        let mut inner = Ok(());
        o.field_with("offers", |w| {
            let mut a = ArrayWriter::begin(w)?;
            for offer in &self.offers {
                a.element_with(|w| match offer.encode(w) {
                    Ok(()) => Ok(()),
                    Err(e) => {
                        inner = Err(e);
                        Err(crate::error::BufferTooSmall)
                    }
                })?;
            }
            a.end()
        })?;
        inner?;
        if let Some(t) = &self.terms_url {
            o.field_json_str("terms_url", t)?;
        }
        o.end()?;
        Ok(())
    }
}
