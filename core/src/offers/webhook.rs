//! The Fewsats webhook signature, `Fewsats-Signature: t=<unix>,v1=<hex>` with
//! `hex = HMAC-SHA256(webhook_secret, "<t>.<raw body>")` (l402-protocol/l402 README).

use super::error::OffersError;
use crate::hmac_sha256::hmac_sha256;
use crate::writer::Writer;
use subtle::ConstantTimeEq;

/// The most `v1=` signatures one header may carry (secret rotation sends two).
const MAX_SIGNATURES: usize = 4;

/// A common `tolerance_seconds` for [`verify_webhook`]: five minutes, as Stripe-style webhook
/// signatures use. Bindings take their default from here.
pub const DEFAULT_WEBHOOK_TOLERANCE_SECONDS: u64 = 300;

/// Verifies a webhook delivery and returns its timestamp.
///
/// `header` is the `Fewsats-Signature` value: comma-separated `key=value` items with exactly
/// one `t` (decimal unix seconds) and one to four `v1` (64 hex digits); other keys are ignored.
/// The delivery passes when `|now − t| ≤ tolerance_seconds` and some `v1` equals the HMAC,
/// compared in constant time. Checks run in this order: header shape
/// (`webhook_header_malformed`), timestamp (`webhook_timestamp_out_of_tolerance`), signature
/// (`webhook_signature_mismatch`).
///
/// Replay inside the tolerance window is the host's concern: record the event's
/// `payment_context_token` + `offer_id` with a single-use store (`dialects::accept_once`, with
/// the `dialects` feature).
///
/// ```
/// use pay402::offers::{sign_webhook, verify_webhook};
/// use pay402::writer::Writer;
/// let body = br#"{"offer_id":"offer_0001","status":"paid"}"#;
/// let mut buf = [0u8; 96];
/// let mut w = Writer::new(&mut buf);
/// sign_webhook(b"whsec_test", 1_700_000_000, body, &mut w)?;
/// let header = core::str::from_utf8(w.written()).unwrap();
/// assert_eq!(verify_webhook(header, body, b"whsec_test", 1_700_000_100, 300)?, 1_700_000_000);
/// assert!(verify_webhook(header, body, b"whsec_other", 1_700_000_100, 300).is_err());
/// # Ok::<(), pay402::offers::OffersError>(())
/// ```
pub fn verify_webhook(
    header: &str,
    body: &[u8],
    secret: &[u8],
    now: u64,
    tolerance_seconds: u64,
) -> Result<u64, OffersError> {
    let mut timestamp: Option<(u64, &str)> = None;
    let mut signatures = [[0u8; 32]; MAX_SIGNATURES];
    let mut count = 0usize;
    for item in header.split(',') {
        let (key, value) = item
            .trim()
            .split_once('=')
            .ok_or(OffersError::WebhookHeader)?;
        match key {
            "t" => {
                if timestamp.is_some()
                    || value.is_empty()
                    || !value.bytes().all(|c| c.is_ascii_digit())
                {
                    return Err(OffersError::WebhookHeader);
                }
                let t = value.parse().map_err(|_| OffersError::WebhookHeader)?;
                timestamp = Some((t, value));
            }
            "v1" => {
                let slot = signatures
                    .get_mut(count)
                    .ok_or(OffersError::WebhookHeader)?;
                *slot = crate::hex::decode_array::<32>(value.as_bytes())
                    .map_err(|_| OffersError::WebhookHeader)?;
                count += 1;
            }
            _ => {}
        }
    }
    let (t, t_text) = timestamp.ok_or(OffersError::WebhookHeader)?;
    if count == 0 {
        return Err(OffersError::WebhookHeader);
    }
    if now.abs_diff(t) > tolerance_seconds {
        return Err(OffersError::WebhookTimestamp);
    }
    let expected = hmac_sha256(secret, &[t_text.as_bytes(), b".", body]);
    let mut matched = subtle::Choice::from(0u8);
    for sig in signatures.iter().take(count) {
        matched |= sig.ct_eq(&expected);
    }
    if bool::from(matched) {
        Ok(t)
    } else {
        Err(OffersError::WebhookSignature)
    }
}

/// Writes a `Fewsats-Signature` value `t=<timestamp>,v1=<hex>` for `body` (for gateways and
/// tests).
pub fn sign_webhook(
    secret: &[u8],
    timestamp: u64,
    body: &[u8],
    w: &mut Writer<'_>,
) -> Result<(), OffersError> {
    let mut digits = [0u8; 20];
    let mut dw = Writer::new(&mut digits);
    crate::json::write_u64(&mut dw, timestamp)?;
    let t = dw.into_written();
    let mac = hmac_sha256(secret, &[t, b".", body]);
    w.push_str("t=")?;
    w.push(t)?;
    w.push_str(",v1=")?;
    crate::hex::write_lower(w, &mac)?;
    Ok(())
}
