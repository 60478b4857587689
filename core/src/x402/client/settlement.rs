//! Reading the settlement receipt a paid response carries (the HTTP transports, <https://github.com/coinbase/x402/blob/main/specs/transports-v1/http.md>,
//! <https://github.com/coinbase/x402/blob/main/specs/transports-v2/http.md>): header names
//! only, no HTTP.

use crate::x402::error::DecodeError;
use crate::x402::header::{PAYMENT_RESPONSE, X_PAYMENT_RESPONSE, name_is};
use crate::x402::settle_response::SettleResponse;

/// The receipt headers in the order the reference client reads them: v2 `PAYMENT-RESPONSE`
/// first, then v1 `X-PAYMENT-RESPONSE`.
pub const SETTLE_RESPONSE_HEADERS: [&str; 2] = [PAYMENT_RESPONSE, X_PAYMENT_RESPONSE];

/// The value of the receipt header among a response's `(name, value)` pairs: the first
/// `PAYMENT-RESPONSE`, else the first `X-PAYMENT-RESPONSE`; names compare case-insensitively.
///
/// ```
/// use pay402::x402::client::settle_response_header;
/// let headers = [("x-payment-response", "djE="), ("Payment-Response", "djI=")];
/// assert_eq!(settle_response_header(&headers), Some(&b"djI="[..]));
/// assert_eq!(settle_response_header(&[("content-type", "text/plain")]), None);
/// ```
pub fn settle_response_header<N: AsRef<str>, V: AsRef<[u8]>>(headers: &[(N, V)]) -> Option<&[u8]> {
    SETTLE_RESPONSE_HEADERS.iter().find_map(|wanted| {
        headers
            .iter()
            .find(|(name, _)| name_is(name.as_ref(), wanted))
            .map(|(_, value)| value.as_ref())
    })
}

/// Finds the receipt header as [`settle_response_header`] does and decodes it into `buf`.
/// `Ok(None)` when the response carries no receipt.
pub fn read_settle_response<'b, N: AsRef<str>, V: AsRef<[u8]>>(
    headers: &[(N, V)],
    buf: &'b mut [u8],
) -> Result<Option<SettleResponse<'b>>, DecodeError> {
    settle_response_header(headers)
        .map(|value| SettleResponse::from_header(value, buf))
        .transpose()
}
