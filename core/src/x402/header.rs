//! x402 HTTP header names and the header value encoding: `base64(UTF-8(JSON))` (the HTTP
//! transports, <https://github.com/coinbase/x402/blob/main/specs/transports-v1/http.md> and <https://github.com/coinbase/x402/blob/main/specs/transports-v2/http.md>).

use super::error::{DecodeError, DecodeReason};
use crate::base64::{self, Base64Error, Base64Policy};
use crate::error::BufferTooSmall;

/// v1 payment request header.
pub const X_PAYMENT: &str = "X-PAYMENT";
/// v1 settlement response header.
pub const X_PAYMENT_RESPONSE: &str = "X-PAYMENT-RESPONSE";
/// v2 402 header carrying `PaymentRequired`.
pub const PAYMENT_REQUIRED: &str = "PAYMENT-REQUIRED";
/// v2 payment request header.
pub const PAYMENT_SIGNATURE: &str = "PAYMENT-SIGNATURE";
/// v2 settlement response header.
pub const PAYMENT_RESPONSE: &str = "PAYMENT-RESPONSE";

/// Buffer size that holds any header the reference SDKs produce with room to spare (ports cap
/// decoded headers at 8 KiB).
pub const RECOMMENDED_BUFFER_LEN: usize = 8192;

/// HTTP status for "payment required or failed".
pub const STATUS_PAYMENT_REQUIRED: u16 = 402;
/// HTTP status the reference server uses for `permit2_allowance_required`.
pub const STATUS_PRECONDITION_FAILED: u16 = 412;

/// ASCII case-insensitive header-name comparison (`Payment-Signature` is `PAYMENT-SIGNATURE`).
///
/// ```
/// use pay402::x402::header::{name_is, PAYMENT_SIGNATURE};
/// assert!(name_is("Payment-Signature", PAYMENT_SIGNATURE));
/// ```
pub fn name_is(name: &str, expected: &str) -> bool {
    name.eq_ignore_ascii_case(expected)
}

/// Decodes a header value into `buf` and returns the JSON bytes.
///
/// Accepts what the reference decoder accepts: the standard alphabet, padding optional; rejects
/// URL-safe characters and whitespace. A value that decodes to more than `buf.len()` bytes fails
/// with `input_too_long`. The header is public (a signed authorization), so it is decoded with
/// the variable-time [`base64::decode_public_into`].
pub fn decode<'b>(value: &[u8], buf: &'b mut [u8]) -> Result<&'b [u8], DecodeError> {
    let limit = buf.len();
    base64::decode_public_into(value, &Base64Policy::X402, buf).map_err(|e| match e {
        Base64Error::BufferTooSmall => DecodeError::new("header", DecodeReason::TooLong { limit }),
        other => DecodeError::new("header", DecodeReason::Base64(other)),
    })
}

/// Encodes JSON bytes as a header value (standard base64, padded) into `out`.
pub fn encode<'o>(json: &[u8], out: &'o mut [u8]) -> Result<&'o str, BufferTooSmall> {
    base64::encode_into(json, out)
}
