//! The challenge: the 402 answer to a request without (or with a refused) payment, for both x402
//! versions at once, from one [`OfferSet`].
//!
//! v2 (<https://github.com/coinbase/x402/blob/main/specs/transports-v2/http.md>): the
//! `PAYMENT-REQUIRED` header carries the base64 of the v2 `PaymentRequired` JSON
//! `{"x402Version":2,"error"?,"resource":{url,description,mimeType?},"accepts":[…]}`.
//! v1 (<https://github.com/coinbase/x402/blob/main/specs/transports-v1/http.md>): the JSON body
//! `{"x402Version":1,"error"?,"accepts":[…]}`, each entry carrying the resource.
//!
//! Guarantees: the status is always 402; the header lists every offer in the set's order; the
//! body lists the offers sold in v1 ([`super::PreparedOffer::sold_in`]) and is `None` when there is
//! none (Permit2, `upto`, or networks without a v1 name only); on any error both caller buffers
//! are left as they were given, zeroed where written.

use super::error::ServerError;
use super::offer::OfferSet;
use crate::error::BufferTooSmall;
use crate::json::{ArrayWriter, ObjectWriter};
use crate::writer::{Writer, write_all};
use crate::x402::X402Version;
use crate::x402::header;

/// The protected resource, as the v2 `ResourceInfo` and the v1 entries' `resource`,
/// `description` and `mimeType` describe it. The URL is per request (the host knows it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resource<'a> {
    /// The resource URL; must not be empty.
    pub url: &'a str,
    /// What is sold, possibly empty (always written, as the reference servers do).
    pub description: &'a str,
    /// The MIME type of the response, when known (a host without one from its seller uses
    /// [`Resource::DEFAULT_MIME_TYPE`]).
    pub mime_type: Option<&'a str>,
}

impl Resource<'_> {
    /// The MIME type the bindings announce for a resource whose seller named none: a paid API
    /// answers JSON. Every v1 entry then carries a `mimeType`, which older v1 clients require
    /// (<https://github.com/coinbase/x402/blob/main/specs/transports-v1/http.md>), and one
    /// default here keeps every binding's challenge identical.
    pub const DEFAULT_MIME_TYPE: &'static str = "application/json";
}

/// What the host sends: status 402, one header, and the body when there is one
/// (`Content-Type: application/json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Challenge<'h, 'b> {
    /// Always 402.
    pub status: u16,
    /// Always `PAYMENT-REQUIRED`.
    pub header_name: &'static str,
    /// The base64 of the v2 `PaymentRequired` JSON.
    pub header_value: &'h str,
    /// The v1 `PaymentRequired` JSON, `None` when no offer is sold in v1.
    pub body: Option<&'b [u8]>,
}

impl<'b> Challenge<'_, 'b> {
    /// The body's content type.
    pub const CONTENT_TYPE: &'static str = "application/json";

    /// The body a server without v1 offers sends with its challenge: `{}`, the default of the
    /// x402 v2 HTTP transport (the 402 signal is the header; "the body is a server concern",
    /// <https://github.com/coinbase/x402/blob/main/specs/transports-v2/http.md>).
    pub const EMPTY_BODY: &'static [u8] = b"{}";

    /// The body to send: the v1 body, or [`Self::EMPTY_BODY`] when no offer is sold in v1.
    pub fn body_or_empty(&self) -> &'b [u8] {
        self.body.unwrap_or(Self::EMPTY_BODY)
    }
}

/// Writes the challenge for `offers` and `resource` into the caller's buffers.
///
/// `error` is the optional human-readable `error` text of both versions. `body_buf` also serves
/// as scratch for the v2 JSON before it is base64-encoded into `header_buf`, so it must hold the
/// larger of the two JSON texts; [`crate::x402::header::RECOMMENDED_BUFFER_LEN`] fits a few
/// offers.
///
/// Errors: `no_offers` (empty set), `invalid_resource` (empty URL), `buffer_too_small`.
///
/// ```
/// use pay402::x402::server::{Offer, OfferScheme, OfferSet, Resource, write_challenge};
/// use pay402::U256;
/// let mut offers = OfferSet::<2>::new();
/// offers.push(Offer {
///     scheme: OfferScheme::ExactEip3009 { name: "USDC", version: "2" },
///     network: "eip155:84532",
///     asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
///     amount: U256::from_u64(10_000),
///     pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
///     max_timeout_seconds: 60,
/// })?;
/// let resource = Resource {
///     url: "https://api.example.com/premium-data",
///     description: "Access to premium market data",
///     mime_type: Some("application/json"),
/// };
/// let (mut header, mut body) = ([0u8; 2048], [0u8; 2048]);
/// let challenge = write_challenge(&offers, &resource, None, &mut header, &mut body)?;
/// assert_eq!((challenge.status, challenge.header_name), (402, "PAYMENT-REQUIRED"));
/// assert!(challenge.header_value.starts_with("eyJ4NDAyVmVyc2lvbiI6Mi")); // {"x402Version":2
/// assert!(challenge.body.is_some_and(|b| b.starts_with(br#"{"x402Version":1,"accepts":[{"scheme":"exact","network":"base-sepolia""#)));
/// # Ok::<(), pay402::x402::server::ServerError>(())
/// ```
pub fn write_challenge<'h, 'b, const N: usize>(
    offers: &OfferSet<'_, N>,
    resource: &Resource<'_>,
    error: Option<&str>,
    header_buf: &'h mut [u8],
    body_buf: &'b mut [u8],
) -> Result<Challenge<'h, 'b>, ServerError> {
    if offers.is_empty() {
        return Err(ServerError::NoOffers);
    }
    if resource.url.is_empty() {
        return Err(ServerError::ResourceUrl);
    }
    // The v2 JSON, in the body buffer as scratch, then base64 into the header buffer.
    let json_len = write_all(body_buf, |w| write_v2(w, offers, resource, error))?;
    let encoded = body_buf
        .get(..json_len)
        .map(|json| header::encode(json, header_buf).map(str::len));
    if let Some(scratch) = body_buf.get_mut(..json_len) {
        scratch.fill(0);
    }
    let Some(Ok(header_len)) = encoded else {
        return Err(ServerError::BufferTooSmall);
    };
    let body_len = if offers.iter().any(|o| o.sold_in(X402Version::V1)) {
        let Ok(len) = write_all(body_buf, |w| write_v1(w, offers, resource, error)) else {
            if let Some(written) = header_buf.get_mut(..header_len) {
                written.fill(0);
            }
            return Err(ServerError::BufferTooSmall);
        };
        Some(len)
    } else {
        None
    };
    let header_value = header_buf
        .get(..header_len)
        .and_then(|h| core::str::from_utf8(h).ok())
        .ok_or(ServerError::BufferTooSmall)?;
    let body = match body_len {
        Some(len) => Some(body_buf.get(..len).ok_or(ServerError::BufferTooSmall)?),
        None => None,
    };
    Ok(Challenge {
        status: header::STATUS_PAYMENT_REQUIRED,
        header_name: header::PAYMENT_REQUIRED,
        header_value,
        body,
    })
}

/// The v2 `PaymentRequired` JSON: every offer.
fn write_v2<const N: usize>(
    w: &mut Writer<'_>,
    offers: &OfferSet<'_, N>,
    resource: &Resource<'_>,
    error: Option<&str>,
) -> Result<(), ServerError> {
    let mut o = ObjectWriter::begin(w)?;
    o.field_u64("x402Version", 2)?;
    if let Some(error) = error {
        o.field_str("error", error)?;
    }
    o.field_with("resource", |w| {
        let mut r = ObjectWriter::begin(w)?;
        r.field_str("url", resource.url)?;
        r.field_str("description", resource.description)?;
        if let Some(mime_type) = resource.mime_type {
            r.field_str("mimeType", mime_type)?;
        }
        r.end()
    })?;
    o.field_with("accepts", |w| {
        let mut a = ArrayWriter::begin(w)?;
        for offer in offers {
            a.element_with(|w| offer.write_requirements_v2(w))?;
        }
        a.end()
    })?;
    Ok(o.end()?)
}

/// The v1 body: the offers sold in v1.
fn write_v1<const N: usize>(
    w: &mut Writer<'_>,
    offers: &OfferSet<'_, N>,
    resource: &Resource<'_>,
    error: Option<&str>,
) -> Result<(), BufferTooSmall> {
    let mut o = ObjectWriter::begin(w)?;
    o.field_u64("x402Version", 1)?;
    if let Some(error) = error {
        o.field_str("error", error)?;
    }
    o.field_with("accepts", |w| {
        let mut a = ArrayWriter::begin(w)?;
        for offer in offers {
            if let Some(network) = offer.v1_network() {
                a.element_with(|w| {
                    offer.write_v1_entry(w, network, resource, &offer.offer().amount)
                })?;
            }
        }
        a.end()
    })?;
    o.end()
}
