//! x402 codecs and the verifying side: decode and re-encode the three wire objects, base64
//! headers, offline verification of a payment header against one `PaymentRequirements`.

use crate::Pay402Error;
use crate::convert::{address, u256, utf8};
use pay402::evm::SignaturePolicy as CoreSignaturePolicy;
use pay402::writer::write_all;
use pay402::x402::{
    AmountRule as CoreAmountRule, DecodeError, PaymentKind as CorePaymentKind, PaymentPayload,
    PaymentRequired, SettleResponse, VerifyError, VerifyInput, VerifyPolicy, header,
    verify_payment_header_with,
};

/// Which x402 wire object a JSON text or header holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum X402Kind {
    /// The 402 body (v1) or `PAYMENT-REQUIRED` header (v2).
    PaymentRequired,
    /// The `X-PAYMENT` (v1) or `PAYMENT-SIGNATURE` (v2) header.
    PaymentPayload,
    /// The `X-PAYMENT-RESPONSE` / `PAYMENT-RESPONSE` receipt.
    SettleResponse,
}

/// A decoded x402 object, re-encoded canonically.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct X402Decoded {
    /// `x402Version` (1 or 2); `None` for a settle response, which carries none.
    pub x402_version: Option<u64>,
    /// The value re-encoded as compact JSON in the spec's key order.
    pub json: String,
}

/// A decode failure as the verifier reports it: `invalid_x402_version` for an unsupported
/// version, else `invalid_payload`; the reason keeps the decoder's detail.
fn decode_verdict(error: DecodeError) -> Pay402Error {
    let reason = error.to_string();
    match Pay402Error::from(VerifyError::from_payload(error)) {
        Pay402Error::X402 { code, .. } => Pay402Error::X402 { code, reason },
        other => other,
    }
}

/// Decodes `json` (the JSON text of a `kind` object) and re-encodes it canonically.
///
/// Errors: `X402` with `invalid_payload` or `invalid_x402_version`.
#[uniffi::export]
pub fn x402_decode_json(kind: X402Kind, json: String) -> Result<X402Decoded, Pay402Error> {
    let json = json.as_bytes();
    let mut out = vec![0u8; json.len() * 2 + 4096];
    let (x402_version, n) = match kind {
        X402Kind::PaymentRequired => {
            let value = PaymentRequired::from_json(json).map_err(decode_verdict)?;
            let n = write_all(&mut out, |w| value.write_json(w))?;
            (Some(value.version().number()), n)
        }
        X402Kind::PaymentPayload => {
            let value = PaymentPayload::from_json(json).map_err(decode_verdict)?;
            let n = write_all(&mut out, |w| value.write_json(w))?;
            (Some(value.version().number()), n)
        }
        X402Kind::SettleResponse => {
            let value = SettleResponse::from_json(json).map_err(decode_verdict)?;
            (None, write_all(&mut out, |w| value.write_json(w))?)
        }
    };
    out.truncate(n);
    Ok(X402Decoded {
        x402_version,
        json: utf8(&out),
    })
}

/// Decodes a base64 header value (`PAYMENT-REQUIRED`, `X-PAYMENT`/`PAYMENT-SIGNATURE`,
/// `X-PAYMENT-RESPONSE`/`PAYMENT-RESPONSE`) holding a `kind` object, and re-encodes it as
/// [`x402_decode_json`] does.
#[uniffi::export]
pub fn x402_decode_header(kind: X402Kind, header: String) -> Result<X402Decoded, Pay402Error> {
    x402_decode_json(kind, header_to_json(header)?)
}

/// The JSON text inside a base64 x402 header value (standard or URL-safe alphabet).
///
/// Errors: `X402` with `invalid_payload`.
#[uniffi::export]
pub fn header_to_json(header: String) -> Result<String, Pay402Error> {
    let mut buf = vec![0u8; header.len()];
    let json = header::decode(header.as_bytes(), &mut buf).map_err(decode_verdict)?;
    Ok(utf8(json))
}

/// The base64 header value (standard alphabet, padded) carrying `json`.
#[uniffi::export]
pub fn json_to_header(json: String) -> Result<String, Pay402Error> {
    let mut out = vec![0u8; json.len() * 4 / 3 + 8];
    Ok(header::encode(json.as_bytes(), &mut out)?.to_owned())
}

/// How the paid amount must compare with the required one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AmountRule {
    /// Equal (the reference facilitator; the default).
    Exact,
    /// At least the required amount.
    AtLeast,
}

/// Which ECDSA signature encodings are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SignaturePolicy {
    /// 65 bytes, v ∈ {27, 28}, s ≤ n/2: what the USDC contract accepts (the default).
    Strict,
    /// Also v ∈ {0, 1}, high s (normalized) and 64-byte ERC-2098 compact signatures.
    Lenient,
}

impl From<SignaturePolicy> for CoreSignaturePolicy {
    fn from(policy: SignaturePolicy) -> Self {
        match policy {
            SignaturePolicy::Strict => Self::Strict,
            SignaturePolicy::Lenient => Self::Lenient,
        }
    }
}

/// The verifier's policy and the `upto` settlement inputs. Every field has the core's default.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VerifyOptions {
    /// Amount comparison (`None`: the default, exact).
    #[uniffi(default = None)]
    pub amount: Option<AmountRule>,
    /// Signature encodings accepted (`None`: the default, strict).
    #[uniffi(default = None)]
    pub signature: Option<SignaturePolicy>,
    /// Seconds `validBefore` must lie after `now` (default 6, the reference facilitator's).
    #[uniffi(default = 6)]
    pub valid_before_slack: u64,
    /// `upto` only: the amount to settle (decimal; at most the signed amount).
    #[uniffi(default = None)]
    pub settle_amount: Option<String>,
    /// `upto` only: the facilitator address the witness must name.
    #[uniffi(default = None)]
    pub facilitator: Option<String>,
}

/// Which settlement call a verified payment needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PaymentKind {
    /// `exact` with EIP-3009: the token's `transferWithAuthorization`.
    ExactEip3009,
    /// `exact` with Permit2: the exact Permit2 proxy's `settle`.
    ExactPermit2,
    /// `upto` with Permit2: the upto proxy's `settle` with the charged amount.
    UptoPermit2,
}

/// A payment that passed every offline check.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VerifiedPayment {
    /// The settlement call it needs.
    pub kind: PaymentKind,
    /// The payer (EIP-55 checksummed).
    pub payer: String,
    /// The amount to settle (decimal).
    pub amount: String,
    /// The amount the payer signed for (decimal).
    pub authorized_amount: String,
    /// The authorization nonce (32 bytes).
    pub nonce: Vec<u8>,
    /// `validBefore` of the authorization (decimal unix seconds).
    pub valid_before: String,
}

/// Verifies a payment header value (`X-PAYMENT` / `PAYMENT-SIGNATURE`) against one offered
/// `PaymentRequirements` JSON object at unix time `now`: everything a facilitator checks
/// without a chain (x402.md §6).
///
/// Errors: `X402` with the facilitator's `invalidReason` (`invalid_exact_evm_signature`,
/// `permit2_deadline_expired`, …); `InvalidArgument` for a malformed `settle_amount` or
/// `facilitator`.
#[uniffi::export]
pub fn verify_payment(
    requirements_json: String,
    payment_header: String,
    now: u64,
    options: VerifyOptions,
) -> Result<VerifiedPayment, Pay402Error> {
    let mut policy = VerifyPolicy {
        signature: options.signature.unwrap_or(SignaturePolicy::Strict).into(),
        valid_before_slack: options.valid_before_slack,
        ..VerifyPolicy::default()
    };
    if options.amount == Some(AmountRule::AtLeast) {
        policy.amount = CoreAmountRule::AtLeast;
    }
    let input = VerifyInput {
        now,
        policy,
        settle_amount: options
            .settle_amount
            .as_deref()
            .map(|s| u256(s, "settle_amount"))
            .transpose()?,
        facilitator: options
            .facilitator
            .as_deref()
            .map(|s| address(s, "facilitator"))
            .transpose()?,
    };
    let mut buf = vec![0u8; header::RECOMMENDED_BUFFER_LEN.max(payment_header.len())];
    let verified = verify_payment_header_with(
        requirements_json.as_bytes(),
        payment_header.as_bytes(),
        &mut buf,
        &input,
    )?;
    Ok(VerifiedPayment {
        kind: match verified.kind {
            CorePaymentKind::ExactEip3009 => PaymentKind::ExactEip3009,
            CorePaymentKind::ExactPermit2 => PaymentKind::ExactPermit2,
            CorePaymentKind::UptoPermit2 => PaymentKind::UptoPermit2,
        },
        payer: verified.payer.to_string(),
        amount: verified.amount.to_string(),
        authorized_amount: verified.authorized_amount.to_string(),
        nonce: verified.nonce.to_vec(),
        valid_before: verified.valid_before.to_string(),
    })
}
