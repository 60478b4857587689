//! Facilitator HTTP API bodies (x402 v2 specification §7, <https://github.com/coinbase/x402/blob/main/specs/x402-specification-v2.md>): `POST /verify` and
//! `POST /settle` requests,
//! the `/verify` response, and `GET /supported`. The `/settle` response is [`super::SettleResponse`].
//! What a `/settle` body asks for (the requirements to verify against, the `upto` charge) is
//! [`settle_terms`].

use super::X402Version;
use super::error::{DecodeError, DecodeReason};
use super::payment_payload::PaymentPayload;
use super::payment_requirements::PaymentRequirements;
use super::scheme::exact_permit2::payload::ExactPermit2Payload;
use crate::error::BufferTooSmall;
use crate::json::{ArrayWriter, JsonStr, Object, ObjectWriter, RawValue};
use crate::u256::U256;
use crate::writer::Writer;
use heapless::Vec;

fn parse(json: &[u8]) -> Result<RawValue<'_>, DecodeError> {
    RawValue::parse(json).map_err(|e| DecodeError::new("body", DecodeReason::Json(e)))
}

/// `{x402Version, paymentPayload, paymentRequirements}`: the body of `POST /verify` and
/// `POST /settle`.
#[derive(Debug, Clone, Copy)]
pub struct VerifyRequest<'a> {
    /// `x402Version` (v2 copies it from the payload).
    pub x402_version: X402Version,
    /// `paymentPayload`.
    pub payment_payload: PaymentPayload<'a>,
    /// `paymentRequirements`, in the shape of `x402Version`.
    pub payment_requirements: PaymentRequirements<'a>,
}

/// The `/settle` request has the same body as `/verify`.
pub type SettleRequest<'a> = VerifyRequest<'a>;

impl<'a> VerifyRequest<'a> {
    /// Decodes a request body.
    pub fn from_json(json: &'a [u8]) -> Result<Self, DecodeError> {
        let obj = Object::from_value(parse(json)?, "body")?;
        let x402_version = X402Version::read(&obj)?;
        let payment_payload =
            PaymentPayload::from_json_value(obj.field("paymentPayload").required()?)
                .map_err(|e| e.within("paymentPayload"))?;
        let payment_requirements = PaymentRequirements::from_json_value_versioned(
            obj.field("paymentRequirements").required()?,
            x402_version,
        )
        .map_err(|e| e.within("paymentRequirements"))?;
        Ok(Self {
            x402_version,
            payment_payload,
            payment_requirements,
        })
    }

    /// Writes `{"x402Version":…,"paymentPayload":…,"paymentRequirements":…}`.
    pub fn write_json(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        let mut o = ObjectWriter::begin(w)?;
        o.field_u64("x402Version", self.x402_version.number())?;
        o.field_with("paymentPayload", |w| self.payment_payload.write_json(w))?;
        o.field_with("paymentRequirements", |w| {
            self.payment_requirements.write_json(w)
        })?;
        o.end()
    }
}

/// `{isValid, invalidReason?, invalidMessage?, payer?, extensions?}`: the `/verify` answer.
#[derive(Debug, Clone, Copy)]
pub struct VerifyResponse<'a> {
    /// `isValid`.
    pub is_valid: bool,
    /// `invalidReason`: a reason code (opaque: implementations differ, see
    /// [`super::VerifyError::reason`]).
    pub invalid_reason: Option<JsonStr<'a>>,
    /// `invalidMessage`: free text.
    pub invalid_message: Option<JsonStr<'a>>,
    /// `payer`.
    pub payer: Option<JsonStr<'a>>,
    /// `extensions`, echoed verbatim.
    pub extensions: Option<RawValue<'a>>,
}

impl<'a> VerifyResponse<'a> {
    /// Decodes a `/verify` response body.
    pub fn from_json(json: &'a [u8]) -> Result<Self, DecodeError> {
        let obj = Object::from_value(parse(json)?, "body")?;
        Ok(Self {
            is_valid: obj.field("isValid").bool()?,
            invalid_reason: obj.field("invalidReason").opt_str()?,
            invalid_message: obj.field("invalidMessage").opt_str()?,
            payer: obj.field("payer").opt_str()?,
            extensions: obj.field("extensions").opt_raw_object()?,
        })
    }

    /// Writes compact JSON in the spec's key order.
    pub fn write_json(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        let mut o = ObjectWriter::begin(w)?;
        o.field_bool("isValid", self.is_valid)?;
        if let Some(reason) = &self.invalid_reason {
            o.field_json_str("invalidReason", reason)?;
        }
        if let Some(message) = &self.invalid_message {
            o.field_json_str("invalidMessage", message)?;
        }
        if let Some(payer) = &self.payer {
            o.field_json_str("payer", payer)?;
        }
        if let Some(extensions) = &self.extensions {
            o.field_raw("extensions", extensions)?;
        }
        o.end()
    }
}

/// How many `kinds` a decoded `/supported` answer can hold.
pub const MAX_SUPPORTED_KINDS: usize = 32;

/// One `kinds[]` entry of `/supported`: `{x402Version, scheme, network, extra?}`.
#[derive(Debug, Clone, Copy)]
pub struct SupportedKind<'a> {
    /// `x402Version`.
    pub x402_version: X402Version,
    /// `scheme`.
    pub scheme: JsonStr<'a>,
    /// `network`.
    pub network: JsonStr<'a>,
    /// `extra` (SVM: `{feePayer}`; `upto`: `{facilitatorAddress}`).
    pub extra: Option<RawValue<'a>>,
}

/// `GET /supported`: `{kinds, extensions?, signers?}` (v1 facilitators return only `kinds`).
#[derive(Debug, Clone)]
pub struct SupportedResponse<'a> {
    /// `kinds`.
    pub kinds: Vec<SupportedKind<'a>, MAX_SUPPORTED_KINDS>,
    /// `extensions`: an array of extension keys, kept as received.
    pub extensions: Option<RawValue<'a>>,
    /// `signers`: `{"<caip2 pattern>": [address…]}`, kept as received.
    pub signers: Option<RawValue<'a>>,
}

impl<'a> SupportedResponse<'a> {
    /// Decodes a `/supported` body.
    pub fn from_json(json: &'a [u8]) -> Result<Self, DecodeError> {
        let obj = Object::from_value(parse(json)?, "body")?;
        let elements = obj
            .field("kinds")
            .required()?
            .elements()
            .ok_or(DecodeError::new("kinds", DecodeReason::WrongType))?;
        let mut kinds = Vec::new();
        for element in elements {
            let kind = decode_kind(element).map_err(|e| e.within("kinds[]"))?;
            kinds.push(kind).map_err(|_| {
                DecodeError::new(
                    "kinds",
                    DecodeReason::TooManyItems {
                        capacity: MAX_SUPPORTED_KINDS,
                    },
                )
            })?;
        }
        let extensions = obj.field("extensions").value();
        if extensions.is_some_and(|e| e.elements().is_none()) {
            return Err(DecodeError::new("extensions", DecodeReason::WrongType));
        }
        Ok(Self {
            kinds,
            extensions,
            signers: obj.field("signers").opt_raw_object()?,
        })
    }

    /// Writes compact JSON: `kinds`, then `extensions` and `signers` when present.
    pub fn write_json(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        let mut o = ObjectWriter::begin(w)?;
        o.field_with("kinds", |w| {
            let mut a = ArrayWriter::begin(w)?;
            for kind in &self.kinds {
                a.element_with(|w| {
                    let mut k = ObjectWriter::begin(w)?;
                    k.field_u64("x402Version", kind.x402_version.number())?;
                    k.field_json_str("scheme", &kind.scheme)?;
                    k.field_json_str("network", &kind.network)?;
                    if let Some(extra) = &kind.extra {
                        k.field_raw("extra", extra)?;
                    }
                    k.end()
                })?;
            }
            a.end()
        })?;
        if let Some(extensions) = &self.extensions {
            o.field_raw("extensions", extensions)?;
        }
        if let Some(signers) = &self.signers {
            o.field_raw("signers", signers)?;
        }
        o.end()
    }
}

fn decode_kind(value: RawValue<'_>) -> Result<SupportedKind<'_>, DecodeError> {
    let obj = Object::from_value(value, "kinds[]")?;
    Ok(SupportedKind {
        x402_version: X402Version::read(&obj)?,
        scheme: obj.field("scheme").str()?,
        network: obj.field("network").str()?,
        extra: obj.field("extra").opt_raw_object()?,
    })
}

/// What a `/settle` body asks the facilitator to do: the requirements to verify the payment
/// against, and the charge ([`settle_terms`]).
#[derive(Debug, Clone, Copy)]
pub struct SettleTerms<'a> {
    /// The body as decoded, except that for `upto` the requirements' `amount` is the signed
    /// maximum (`permit2Authorization.permitted.amount`): the payment was signed for it, and
    /// verification compares the requirements with what was signed.
    pub request: SettleRequest<'a>,
    /// The `upto` charge: the body's requirements' `amount`, at most the signed maximum (0
    /// settles without a transaction). `None` for every other scheme, which settles the
    /// requirements' `amount` as they are.
    pub charge: Option<U256>,
}

/// Why a `/settle` body gives no [`SettleTerms`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SettleTermsError {
    /// The body does not decode (a requirements `amount` that is not a decimal string
    /// included): the decode error's code.
    Decode(DecodeError),
    /// An `upto` payment without a Permit2 authorization to read the signed maximum from:
    /// `invalid_payload`.
    InvalidPayload(DecodeError),
    /// An `upto` charge above the signed maximum:
    /// `invalid_upto_evm_payload_settlement_exceeds_amount` (the reference's reason).
    SettlementExceedsAmount,
}

impl core::fmt::Display for SettleTermsError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Decode(e) => e.fmt(f),
            Self::InvalidPayload(e) => write!(f, "invalid payload: {e}"),
            Self::SettlementExceedsAmount => {
                f.write_str("upto settle amount exceeds the signed maximum")
            }
        }
    }
}

impl core::error::Error for SettleTermsError {}

impl crate::ErrorCode for SettleTermsError {
    fn code(&self) -> &'static str {
        match self {
            Self::Decode(e) => e.code(),
            Self::InvalidPayload(_) => "invalid_payload",
            Self::SettlementExceedsAmount => "invalid_upto_evm_payload_settlement_exceeds_amount",
        }
    }

    fn detail_code(&self) -> Option<&'static str> {
        match self {
            Self::InvalidPayload(e) => Some(e.code()),
            _ => None,
        }
    }
}

/// Reads a `/settle` body as the reference facilitator does (`settleUptoPermit2` in
/// `typescript/packages/mechanisms/evm/src/upto/facilitator/permit2.ts` of
/// <https://github.com/coinbase/x402>; the `upto` EVM scheme,
/// <https://github.com/coinbase/x402/blob/main/specs/schemes/upto/scheme_upto_evm.md>): an `upto`
/// body carries the charge as `paymentRequirements.amount` while the payment was signed for a
/// maximum (`permit2Authorization.permitted.amount`), so the payment is verified against the
/// requirements with the maximum as their `amount` and settles the charge. Any other scheme
/// (`exact`) is verified and settled as sent, without a charge. Borrows `body`.
///
/// ```
/// use pay402::ErrorCode;
/// use pay402::x402::facilitator::settle_terms;
/// use pay402::U256;
/// let body = br#"{"x402Version":2,"paymentPayload":{"x402Version":2,"accepted":{"scheme":"upto","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60},"payload":{"signature":"0x00","permit2Authorization":{"from":"0x857b06519E91e3A54538791bDbb0E22373e36b66","permitted":{"token":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","amount":"10000"},"spender":"0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002","nonce":"1","deadline":"1740672154","witness":{"to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","facilitator":"0xfDfF19Bb83a11454fD8999873EEDc0Ca466Cc745","validAfter":"0"}}}},"paymentRequirements":{"scheme":"upto","network":"eip155:84532","amount":"1500","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60}}"#;
/// let terms = settle_terms(body)?;
/// assert_eq!(terms.charge, Some(U256::from_u64(1500)));
/// assert_eq!(terms.request.payment_requirements.amount(), U256::from_u64(10_000));
/// let over = core::str::from_utf8(body)?.replace(r#""amount":"1500""#, r#""amount":"10001""#);
/// assert_eq!(
///     settle_terms(over.as_bytes()).unwrap_err().code(),
///     "invalid_upto_evm_payload_settlement_exceeds_amount"
/// );
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
pub fn settle_terms(body: &[u8]) -> Result<SettleTerms<'_>, SettleTermsError> {
    let mut request = SettleRequest::from_json(body).map_err(SettleTermsError::Decode)?;
    let PaymentRequirements::V2(requirements) = &mut request.payment_requirements else {
        return Ok(SettleTerms {
            request,
            charge: None,
        });
    };
    if !requirements.scheme.eq_str("upto") {
        return Ok(SettleTerms {
            request,
            charge: None,
        });
    }
    let payload = ExactPermit2Payload::from_json_value(request.payment_payload.payload())
        .map_err(|e| SettleTermsError::InvalidPayload(e.within("paymentPayload.payload")))?;
    let maximum = payload.authorization.permit.permitted.amount;
    let charge = requirements.amount;
    if charge > maximum {
        return Err(SettleTermsError::SettlementExceedsAmount);
    }
    requirements.amount = maximum;
    requirements.raw = None;
    Ok(SettleTerms {
        request,
        charge: Some(charge),
    })
}
