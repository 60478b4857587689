//! The WS402 prepayment as an x402 `exact` payment verified by the core (pay402's WS402 rule:
//! the refund recipient is derived from the verified payment, never from client fields).

use super::error::Ws402Error;
use super::meter::{Meter, MeterConfig};
use super::record::SessionRecord;
use crate::u256::U256;
use crate::x402::{EnvelopeCheck, Verified, Verifier, VerifyError, VerifyPolicy};

/// A session started from a verified prepayment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prepaid {
    /// The new session: `paid` = the verified amount, `refund_to` = the verified payer.
    pub session: SessionRecord,
    /// The verified payment. The host must record `verified.replay_key` in its replay store
    /// (atomic insert-if-absent) before sending `session_started`, and settle the payment.
    pub verified: Verified,
}

/// Verifies `payment_header` (the `proof` of a `payment_proof` message, an x402 payment header
/// value) against `requirements_json` (the x402 `PaymentRequirements` the schema offered) at
/// `now_ms`, and starts a session at `now_ms` with the verified amount as `paid`.
///
/// The price and the maximum duration come from the host's schema, never from the message.
/// `buf` receives the decoded header JSON (2 KiB is plenty). Errors: the x402 verification code
/// ([`Ws402Error::Prepayment`]), or `prepayment_too_small` when the verified amount is zero.
///
/// ```
/// use pay402::U256;
/// use pay402::x402::VerifyPolicy;
/// use pay402::ws402::start_with_x402;
/// let mut buf = [0u8; 2048];
/// let err = start_with_x402(b"{}", b"not base64", &mut buf, 1_700_000_000_000, &VerifyPolicy::default(), U256::ONE, 3600)
///     .unwrap_err();
/// assert_eq!(pay402::ErrorCode::code(&err), "invalid_payment_requirements");
/// ```
pub fn start_with_x402(
    requirements_json: &[u8],
    payment_header: &[u8],
    buf: &mut [u8],
    now_ms: u64,
    policy: &VerifyPolicy,
    price_per_second: U256,
    max_session_seconds: u64,
) -> Result<Prepaid, Ws402Error> {
    let verified = Verifier {
        policy: *policy,
        ..Verifier::EVM
    }
    .verify_header(requirements_json, payment_header, buf, now_ms / 1000)
    .map_err(Ws402Error::Prepayment)?
    .evm()
    .ok_or(Ws402Error::Prepayment(VerifyError::Envelope(
        EnvelopeCheck::InvalidNetwork,
    )))?;
    if verified.amount.is_zero() {
        return Err(Ws402Error::PrepaymentTooSmall);
    }
    let meter = Meter::start(
        MeterConfig {
            price_per_second,
            paid: verified.amount,
            max_session_seconds,
        },
        now_ms,
    );
    Ok(Prepaid {
        session: SessionRecord {
            meter,
            refund_to: Some(verified.payer),
        },
        verified,
    })
}
