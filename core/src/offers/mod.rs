//! Fewsats "L402 offers" (v0.2.x, <https://github.com/l402-protocol/l402> README;
//! <https://github.com/l402-protocol/go-example>): the JSON-offers flow — not Lightning Labs'
//! macaroon L402 (`crate::l402`).
//!
//! 1. [`OffersBody`]: the 402 body with its offers, decoded tolerating every dialect of
//!    field names the servers in use emit, and encoded in the v0.2.2 spec form.
//! 2. [`PaymentRequest`] / [`PaymentRequestResponse`]: the payment request and its answer
//!    (lightning invoice, checkout URL, on-chain address + asset + chain, `expires_at`).
//! 3. [`verify_webhook`]: the `Fewsats-Signature` HMAC, constant time, with a timestamp
//!    tolerance.
//! 4. [`Entitlement`]: the ledger — one-time, top-up credits, subscription expiry — as a pure
//!    state machine over a fixed-size record the host persists.
//! 5. [`OffersServer`]: the selling side — the 402 challenge with a stateless context token,
//!    the payment-request answer, the webhook's grant and replay key, every reply's status.

mod error;
mod ledger;
mod offer;
mod offers_body;
mod payment_request;
mod server;
mod webhook;

pub use error::OffersError;
pub use ledger::{Access, ENTITLEMENT_RECORD_LEN, Entitlement, Grant};
pub use offer::{MAX_PAYMENT_METHODS, Offer, OfferType, PaymentMethod, duration_seconds};
pub use offers_body::{MAX_OFFERS, OffersBody};
pub use payment_request::{PaymentRequest, PaymentRequestResponse};
pub use server::{
    CONTEXT_TOKEN_LEN, ContextToken, DEFAULT_PAYMENT_REQUEST_LIFETIME_SECONDS, JSON_HEADERS,
    MAX_BODY_BYTES, MethodKind, OFFERS_VERSION, OffersConfig, OffersServer, PAID_STATUSES,
    PaymentAsk, PaymentDetails, Reply, RequestOutcome, SIGNATURE_HEADER, STATUS_PAYMENT_REQUIRED,
    Step, WEBHOOK_RETENTION_SECONDS, WebhookAck, WebhookGrant, WebhookOutcome, credit_record,
    refusal_status, write_refusal, write_webhook_ack,
};
pub use webhook::{DEFAULT_WEBHOOK_TOLERANCE_SECONDS, sign_webhook, verify_webhook};
