//! The one error enum of the offers module.

use crate::error::{BufferTooSmall, ErrorCode};
use crate::json::{FieldIssue, JsonError};

/// Why a Fewsats offers document, webhook or entitlement record was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OffersError {
    /// The text is not valid JSON (RFC 8259, no duplicate keys).
    Json(JsonError),
    /// The document (or an offer) is not a JSON object.
    NotAnObject,
    /// A member is missing, of the wrong JSON type or has an unusable value; the code is the
    /// issue's (`missing_field`, `wrong_type`, `invalid_value`).
    Field(FieldIssue),
    /// [`super::Grant::of`] was asked what an offer of a `type` other than
    /// `one-time`/`one-off`/`one-time-payment`/`top-up`/`subscription` grants (decoding keeps
    /// such offers).
    UnknownOfferType,
    /// More offers or payment methods than the fixed capacity.
    TooMany(&'static str),
    /// No offer at all.
    NoOffers,
    /// A payment-request response offers no way to pay (no invoice, checkout URL or address).
    NoPaymentOption,
    /// The `Fewsats-Signature` header is not `t=<unix>,v1=<hex>`.
    WebhookHeader,
    /// The webhook timestamp is outside the tolerance around `now`.
    WebhookTimestamp,
    /// No `v1` signature matches the body.
    WebhookSignature,
    /// An entitlement record is malformed (length, version, checksum, flags).
    InvalidRecord,
    /// Crediting would overflow the credit counter or the subscription end.
    Overflow,
    /// The output buffer is too small.
    BufferTooSmall,
    /// A `payment_context_token` (or `Authorization: Bearer` value) this server did not mint:
    /// wrong shape or a tag that does not verify.
    InvalidContextToken,
    /// The payment request or webhook names an offer this server does not sell.
    UnknownOffer,
    /// The payment request asks for a payment method the chosen offer does not list.
    PaymentMethodNotOffered,
    /// The paid webhook's `amount` (detail `amount`) or `currency` (detail `currency`) differs
    /// from the offer's.
    WebhookMismatch(&'static str),
    /// Two offers of one server share an id.
    DuplicateOfferId,
    /// The server secret is shorter than 32 or longer than 64 bytes.
    InvalidServerSecret,
    /// The payment details from the host's provider expired already.
    PaymentDetailsExpired,
    /// A payment-request or webhook body is longer than [`super::MAX_BODY_BYTES`]; the host
    /// stops reading it and answers with this refusal (status 413).
    BodyTooLarge,
}

impl From<FieldIssue> for OffersError {
    fn from(issue: FieldIssue) -> Self {
        Self::Field(issue)
    }
}

impl From<BufferTooSmall> for OffersError {
    fn from(_: BufferTooSmall) -> Self {
        Self::BufferTooSmall
    }
}

impl From<JsonError> for OffersError {
    fn from(e: JsonError) -> Self {
        Self::Json(e)
    }
}

impl core::fmt::Display for OffersError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Json(e) => write!(f, "offers document is not valid JSON: {e}"),
            Self::NotAnObject => f.write_str("offers document or offer is not a JSON object"),
            Self::Field(issue) => write!(f, "offers document member {issue}"),
            Self::UnknownOfferType => f.write_str("offer `type` is not a known offer type"),
            Self::TooMany(k) => write!(f, "too many `{k}` for the fixed capacity"),
            Self::NoOffers => f.write_str("the 402 body holds no offer"),
            Self::NoPaymentOption => {
                f.write_str("the payment request response offers no way to pay")
            }
            Self::WebhookHeader => f.write_str("Fewsats-Signature header is malformed"),
            Self::WebhookTimestamp => f.write_str("webhook timestamp is outside the tolerance"),
            Self::WebhookSignature => f.write_str("webhook signature does not match"),
            Self::InvalidRecord => f.write_str("entitlement record is malformed"),
            Self::Overflow => f.write_str("entitlement counter would overflow"),
            Self::BufferTooSmall => f.write_str("the output buffer is too small"),
            Self::InvalidContextToken => {
                f.write_str("payment context token was not issued by this server")
            }
            Self::UnknownOffer => f.write_str("no offer of this server has that id"),
            Self::PaymentMethodNotOffered => {
                f.write_str("the offer does not list that payment method")
            }
            Self::WebhookMismatch(k) => write!(f, "webhook `{k}` differs from the offer's"),
            Self::DuplicateOfferId => f.write_str("two offers share an id"),
            Self::InvalidServerSecret => f.write_str("server secret must be 32 to 64 bytes"),
            Self::PaymentDetailsExpired => f.write_str("the payment details expired already"),
            Self::BodyTooLarge => f.write_str("the request body is longer than the server reads"),
        }
    }
}

impl core::error::Error for OffersError {}

impl ErrorCode for OffersError {
    fn code(&self) -> &'static str {
        match self {
            Self::Json(_) => "invalid_json",
            Self::NotAnObject => "not_an_object",
            Self::Field(issue) => issue.code(),
            Self::UnknownOfferType => "unknown_offer_type",
            Self::TooMany(_) => "too_many",
            Self::NoOffers => "no_offers",
            Self::NoPaymentOption => "no_payment_option",
            Self::WebhookHeader => "webhook_header_malformed",
            Self::WebhookTimestamp => "webhook_timestamp_out_of_tolerance",
            Self::WebhookSignature => "webhook_signature_mismatch",
            Self::InvalidRecord => "invalid_entitlement_record",
            Self::Overflow => "entitlement_overflow",
            Self::BufferTooSmall => "buffer_too_small",
            Self::InvalidContextToken => "invalid_payment_context_token",
            Self::UnknownOffer => "unknown_offer",
            Self::PaymentMethodNotOffered => "payment_method_not_offered",
            Self::WebhookMismatch(_) => "webhook_payment_mismatch",
            Self::DuplicateOfferId => "duplicate_offer_id",
            Self::InvalidServerSecret => "invalid_server_secret",
            Self::PaymentDetailsExpired => "payment_details_expired",
            Self::BodyTooLarge => "request_body_too_large",
        }
    }

    fn detail_code(&self) -> Option<&'static str> {
        match self {
            Self::Field(issue) => issue.detail_code(),
            Self::WebhookMismatch(k) => Some(k),
            _ => None,
        }
    }
}
