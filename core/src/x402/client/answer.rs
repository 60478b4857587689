//! Reading the answer to a paid retry: served (with the receipt), refused (with the server's
//! code, detail code and message, and whether the payment is definitively not taken), or
//! undetermined.
//!
//! Where a refusal's words come from (the HTTP transports,
//! <https://github.com/coinbase/x402/blob/main/specs/transports-v2/http.md>, and the problem
//! body pay402 servers write, `crate::x402::server::Problem`):
//!
//! | item | first found in |
//! |---|---|
//! | code | the v2 `PAYMENT-REQUIRED` header's `error`; the JSON body's `error`; the `PAYMENT-RESPONSE` failure receipt's `errorReason`; else `payment_refused` |
//! | detail code | the body's `errorDetail` |
//! | message | the body's `errorMessage`; the receipt's `errorMessage` |
//!
//! The verdict, from the receipt first and the status second:
//!
//! | answer | verdict | the reservation |
//! |---|---|---|
//! | a receipt with `success: true` | [`PaidResponse::Served`] | commit (for `upto`, the receipt's `amount`) |
//! | a receipt `settlement_pending`, or a refusal coded `settlement_pending` | [`PaidResponse::Refused`], not definitive | keep (the payment may still land) |
//! | any other failure receipt, or status 402 / 412 | [`PaidResponse::Refused`], definitive | release |
//! | status 500 or more without a receipt | [`PaidResponse::Undetermined`] | keep (the server may have settled) |
//! | any other status without a receipt | [`PaidResponse::Served`] | commit |

use crate::json::{JsonStr, RawValue};
use crate::x402::header::{PAYMENT_REQUIRED, name_is};
use crate::x402::server::{SETTLEMENT_PENDING, SettleVerdict};
use crate::x402::settle_response::SettleResponse;

use super::settlement::settle_response_header;

/// The code of a refusal that names none.
pub const PAYMENT_REFUSED: &str = "payment_refused";

/// A refused paid retry.
#[derive(Debug, Clone, Copy)]
pub struct PaidRefusal<'b> {
    /// The HTTP status.
    pub status: u16,
    /// The server's code (see the module documentation), or [`PAYMENT_REFUSED`].
    pub code: JsonStr<'b>,
    /// The server's detail code (`errorDetail`), when given.
    pub detail_code: Option<JsonStr<'b>>,
    /// The server's (or the facilitator's) message, when given.
    pub message: Option<JsonStr<'b>>,
    /// Whether the payment is definitively not taken (give the budget back). `false` when it
    /// may still land (`settlement_pending`).
    pub definitive: bool,
    /// The failure receipt, when the answer carried one.
    pub receipt: Option<SettleResponse<'b>>,
}

/// The verdict on the answer to a paid retry.
#[derive(Debug, Clone, Copy)]
pub enum PaidResponse<'b> {
    /// The resource was served: the payment is taken (commit).
    Served {
        /// The settlement receipt, when the server sent one (a v2 receipt of an `upto` payment
        /// carries the settled `amount`).
        receipt: Option<SettleResponse<'b>>,
    },
    /// The server refused the payment.
    Refused(PaidRefusal<'b>),
    /// The server failed (status 500 or more) without saying whether it settled: keep the
    /// amount counted.
    Undetermined,
}

/// Reads the answer to a paid retry: `status`, the response's `(name, value)` headers and its
/// `body` (may be empty). `buf` receives the decoded headers (twice
/// [`crate::x402::header::RECOMMENDED_BUFFER_LEN`] is ample); a header that does not decode is
/// ignored (fail closed: the status decides).
///
/// ```
/// use pay402::x402::client::{read_paid_response, PaidResponse};
/// let body = br#"{"error":"payment_refused","errorDetail":"insufficient_funds","errorMessage":"balance 0"}"#;
/// let mut buf = [0u8; 8192];
/// let headers: [(&str, &str); 0] = [];
/// let PaidResponse::Refused(r) = read_paid_response(402, &headers, body, &mut buf) else { panic!() };
/// assert!(r.code.eq_str("payment_refused") && r.definitive);
/// assert!(r.detail_code.is_some_and(|d| d.eq_str("insufficient_funds")));
/// ```
pub fn read_paid_response<'b, N: AsRef<str>, V: AsRef<[u8]>>(
    status: u16,
    headers: &[(N, V)],
    body: &'b [u8],
    buf: &'b mut [u8],
) -> PaidResponse<'b> {
    let half = buf.len() / 2;
    let (receipt_buf, required_buf) = buf.split_at_mut(half);
    let receipt = settle_response_header(headers)
        .and_then(|value| SettleResponse::from_header(value, receipt_buf).ok());
    let verdict = receipt.as_ref().map(SettleVerdict::of);
    if verdict == Some(SettleVerdict::Settled) {
        return PaidResponse::Served { receipt };
    }
    let refused_status = status == 402 || status == 412;
    if verdict.is_none() && !refused_status {
        return if status >= 500 {
            PaidResponse::Undetermined
        } else {
            PaidResponse::Served { receipt: None }
        };
    }
    let header_error = headers
        .iter()
        .find(|(name, _)| name_is(name.as_ref(), PAYMENT_REQUIRED))
        .and_then(|(_, value)| crate::x402::header::decode(value.as_ref(), required_buf).ok())
        .and_then(|json| RawValue::parse(json).ok())
        .and_then(|v| text(&v, "error"));
    let body = RawValue::parse(body).ok();
    let body_text = |key| body.as_ref().and_then(|b| text(b, key));
    let code = header_error
        .or_else(|| body_text("error"))
        .or_else(|| receipt.and_then(|r| r.error_reason.filter(|r| !r.is_empty())))
        .unwrap_or(JsonStr::Plain(PAYMENT_REFUSED));
    let pending = verdict == Some(SettleVerdict::Pending) || code.eq_str(SETTLEMENT_PENDING);
    PaidResponse::Refused(PaidRefusal {
        status,
        code,
        detail_code: body_text("errorDetail"),
        message: body_text("errorMessage")
            .or_else(|| receipt.and_then(|r| r.error_message.filter(|m| !m.is_empty()))),
        definitive: !pending,
        receipt,
    })
}

/// A non-empty string member of an object.
fn text<'a>(value: &RawValue<'a>, key: &'static str) -> Option<JsonStr<'a>> {
    value
        .field(key)
        .value()
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
}
