//! The challenge: the 402 answer to a request without (or with a refused) payment, for both x402
//! versions at once, from one [`OfferSet`].
//!
//! v2 (<https://github.com/coinbase/x402/blob/main/specs/transports-v2/http.md>): the
//! `PAYMENT-REQUIRED` header carries the base64 of the v2 `PaymentRequired` JSON
//! `{"x402Version":2,"error"?,"resource":{url,description,mimeType?},"accepts":[…]}`.
//! v1 (<https://github.com/coinbase/x402/blob/main/specs/transports-v1/http.md>): the JSON body
//! `{"x402Version":1,"error"?,"accepts":[…]}`, each entry carrying the resource.
//!
//! Why the 402 is sent is a [`Problem`]: a stable code, the precise cause underneath and a
//! sentence for people. The header's `error` is the code (clients branch on it). The body
//! carries all three, the code as `error`, the cause as `errorDetail` and the sentence as
//! `errorMessage` (named after the `errorReason`/`errorMessage` pair of x402's `SettleResponse`);
//! x402 v1 clients read `accepts` and ignore members they do not know.
//!
//! Guarantees: the status is always 402; the header lists every offer in the set's order; the
//! body is
//! - `{"x402Version":1,"error"?,"errorDetail"?,"errorMessage"?,"accepts":[…]}` listing the offers
//!   sold in v1 ([`super::PreparedOffer::sold_in`]) when there is one;
//! - `{"error","errorDetail"?,"errorMessage"?}` when none is (Permit2, `upto`, or networks
//!   without a v1 name only) and there is a problem;
//! - `None` (send [`Challenge::EMPTY_BODY`]) when there is neither;
//!
//! and on any error both caller buffers are left as they were given, zeroed where written.

use super::error::ServerError;
use super::offer::OfferSet;
use super::settlement::{SETTLEMENT_PENDING, SettleVerdict};
use crate::error::BufferTooSmall;
use crate::json::{ArrayWriter, JsonStr, ObjectWriter};
use crate::writer::{Writer, write_all};
use crate::x402::header;
use crate::x402::{SettleResponse, X402Version};
use core::fmt;

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

/// Why a 402 is sent: what a challenge reports besides the offers.
///
/// `code` is stable `snake_case` (clients branch on it; it is the header's `error`),
/// `detail_code` the precise cause underneath when there is one, and `message` a sentence for
/// people, written from its `Display` straight into the body (codes never change; texts may
/// improve). A message that displays nothing is left out.
///
/// ```
/// use pay402::x402::server::Problem;
/// let problem = Problem::new("no_matching_offer")
///     .with_detail(Some("invalid_network"))
///     .with_message(&"no offer is sold on the payment's network");
/// assert_eq!((problem.code, problem.detail_code), ("no_matching_offer", Some("invalid_network")));
/// ```
#[derive(Clone, Copy)]
pub struct Problem<'a> {
    /// The stable code: the `error` of the header and of the body.
    pub code: &'a str,
    /// The precise cause underneath: the body's `errorDetail`.
    pub detail_code: Option<&'a str>,
    /// The human-readable sentence: the body's `errorMessage`.
    pub message: Option<&'a dyn fmt::Display>,
}

impl<'a> Problem<'a> {
    /// A problem with `code` only.
    pub const fn new(code: &'a str) -> Self {
        Self {
            code,
            detail_code: None,
            message: None,
        }
    }

    /// The same problem with `detail_code` as its cause.
    #[must_use]
    pub const fn with_detail(self, detail_code: Option<&'a str>) -> Self {
        Self {
            detail_code,
            ..self
        }
    }

    /// The same problem with `message` as its sentence.
    #[must_use]
    pub const fn with_message(self, message: &'a dyn fmt::Display) -> Self {
        Self {
            message: Some(message),
            ..self
        }
    }

    /// The problem a settlement that did not succeed reports in its 402: code the
    /// facilitator's `errorReason` (`settlement_pending` for a pending one; `settle_failed` when
    /// the reason is missing or is not plain text), message its `errorMessage` when it gave a
    /// non-empty one, else a sentence of the core's. `None` for a successful settlement.
    ///
    /// ```
    /// use pay402::x402::SettleResponse;
    /// use pay402::x402::server::Problem;
    /// let refused = SettleResponse::from_json(br#"{"success":false,"errorReason":"insufficient_funds","errorMessage":"balance 0","transaction":"","network":"eip155:8453"}"#)?;
    /// let problem = Problem::of_settlement(&refused).unwrap();
    /// assert_eq!((problem.code, problem.message.map(|m| m.to_string())), ("insufficient_funds", Some("balance 0".into())));
    /// # Ok::<(), pay402::x402::DecodeError>(())
    /// ```
    pub fn of_settlement(response: &'a SettleResponse<'a>) -> Option<Self> {
        const REFUSED: &str =
            "the facilitator refused to settle the payment, so the resource is not served";
        const PENDING: &str = "the payment is broadcast but not confirmed yet: the resource is not served, and this authorization cannot be used again";
        let (code, sentence): (&'a str, &'static dyn fmt::Display) =
            match SettleVerdict::of(response) {
                SettleVerdict::Settled => return None,
                SettleVerdict::Pending => (SETTLEMENT_PENDING, &PENDING),
                SettleVerdict::Refused => (
                    response
                        .error_reason
                        .as_ref()
                        .and_then(JsonStr::as_plain)
                        .filter(|r| !r.is_empty())
                        .unwrap_or("settle_failed"),
                    &REFUSED,
                ),
            };
        let message: &'a dyn fmt::Display = match response.error_message.as_ref() {
            Some(given) if !given.is_empty() => given,
            _ => sentence,
        };
        Some(Self::new(code).with_message(message))
    }

    /// The message, when there is one that displays some text.
    fn message(&self) -> Option<&'a dyn fmt::Display> {
        self.message.filter(|m| displays_text(*m))
    }
}

impl fmt::Debug for Problem<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Problem")
            .field("code", &self.code)
            .field("detail_code", &self.detail_code)
            .field("message", &self.message.map(Text))
            .finish()
    }
}

/// A message in [`Problem`]'s `Debug`: its text, quoted.
struct Text<'a>(&'a dyn fmt::Display);

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.0)
    }
}

/// Whether `value` displays at least one byte (it stops at the first).
fn displays_text(value: &dyn fmt::Display) -> bool {
    struct Probe;
    impl fmt::Write for Probe {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            if s.is_empty() {
                Ok(())
            } else {
                Err(fmt::Error)
            }
        }
    }
    fmt::write(&mut Probe, format_args!("{value}")).is_err()
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
    /// The body: the v1 `PaymentRequired` JSON when an offer is sold in v1, else the problem
    /// (`{"error",…}`); `None` when there is neither.
    pub body: Option<&'b [u8]>,
}

impl<'b> Challenge<'_, 'b> {
    /// The body's content type.
    pub const CONTENT_TYPE: &'static str = "application/json";

    /// The body a server without v1 offers sends with a challenge that reports no problem:
    /// `{}`, the default of the x402 v2 HTTP transport (the 402 signal is the header; "the body
    /// is a server concern", <https://github.com/coinbase/x402/blob/main/specs/transports-v2/http.md>).
    pub const EMPTY_BODY: &'static [u8] = b"{}";

    /// The body to send: [`Self::body`], or [`Self::EMPTY_BODY`] when there is none.
    pub fn body_or_empty(&self) -> &'b [u8] {
        self.body.unwrap_or(Self::EMPTY_BODY)
    }
}

/// Writes the challenge for `offers` and `resource` into the caller's buffers.
///
/// `problem`, when given, says why (see [`Problem`]): its code is the `error` of both versions,
/// and the body carries its detail code and message too. `body_buf` also serves
/// as scratch for the v2 JSON before it is base64-encoded into `header_buf`, so it must hold the
/// larger of the two JSON texts; [`crate::x402::header::RECOMMENDED_BUFFER_LEN`] fits a few
/// offers.
///
/// Errors: `no_offers` (empty set), `invalid_resource` (empty URL), `buffer_too_small`.
///
/// ```
/// use pay402::x402::server::{Offer, OfferScheme, OfferSet, Problem, Resource, write_challenge};
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
///
/// let expired = Problem::new("invalid_exact_evm_payload_authorization_valid_before")
///     .with_message(&"the authorization expired");
/// let challenge = write_challenge(&offers, &resource, Some(&expired), &mut header, &mut body)?;
/// assert!(challenge.body.is_some_and(|b| b.starts_with(
///     br#"{"x402Version":1,"error":"invalid_exact_evm_payload_authorization_valid_before","errorMessage":"the authorization expired","accepts":[{"#)));
/// # Ok::<(), pay402::x402::server::ServerError>(())
/// ```
pub fn write_challenge<'h, 'b, const N: usize>(
    offers: &OfferSet<'_, N>,
    resource: &Resource<'_>,
    problem: Option<&Problem<'_>>,
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
    let code = problem.map(|p| p.code);
    let json_len = write_all(body_buf, |w| write_v2(w, offers, resource, code))?;
    let encoded = body_buf
        .get(..json_len)
        .map(|json| header::encode(json, header_buf).map(str::len));
    if let Some(scratch) = body_buf.get_mut(..json_len) {
        scratch.fill(0);
    }
    let Some(Ok(header_len)) = encoded else {
        return Err(ServerError::BufferTooSmall);
    };
    let v1 = offers.iter().any(|o| o.sold_in(X402Version::V1));
    let written = match (v1, problem) {
        (true, _) => Some(write_all(body_buf, |w| {
            write_v1(w, offers, resource, problem)
        })),
        (false, Some(problem)) => Some(write_all(body_buf, |w| {
            let mut o = ObjectWriter::begin(w)?;
            write_problem(&mut o, problem)?;
            o.end()
        })),
        (false, None) => None,
    };
    let body_len = match written {
        Some(Ok(len)) => Some(len),
        Some(Err(BufferTooSmall)) => {
            if let Some(written) = header_buf.get_mut(..header_len) {
                written.fill(0);
            }
            return Err(ServerError::BufferTooSmall);
        }
        None => None,
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
    code: Option<&str>,
) -> Result<(), ServerError> {
    let mut o = ObjectWriter::begin(w)?;
    o.field_u64("x402Version", 2)?;
    if let Some(error) = code {
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

/// The problem's members: `error`, `errorDetail` and `errorMessage`.
fn write_problem(
    o: &mut ObjectWriter<'_, '_>,
    problem: &Problem<'_>,
) -> Result<(), BufferTooSmall> {
    o.field_str("error", problem.code)?;
    if let Some(detail) = problem.detail_code {
        o.field_str("errorDetail", detail)?;
    }
    if let Some(message) = problem.message() {
        o.field_display("errorMessage", message)?;
    }
    Ok(())
}

/// The v1 body: the problem and the offers sold in v1.
fn write_v1<const N: usize>(
    w: &mut Writer<'_>,
    offers: &OfferSet<'_, N>,
    resource: &Resource<'_>,
    problem: Option<&Problem<'_>>,
) -> Result<(), BufferTooSmall> {
    let mut o = ObjectWriter::begin(w)?;
    o.field_u64("x402Version", 1)?;
    if let Some(problem) = problem {
        write_problem(&mut o, problem)?;
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
