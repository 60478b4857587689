//! Facilitator HTTP API bodies (x402 v2 specification §7, <https://github.com/coinbase/x402/blob/main/specs/x402-specification-v2.md>): `POST /verify` and
//! `POST /settle` requests,
//! the `/verify` response, and `GET /supported`. The `/settle` response is [`super::SettleResponse`].

use super::X402Version;
use super::error::{DecodeError, DecodeReason};
use super::payment_payload::PaymentPayload;
use super::payment_requirements::PaymentRequirements;
use crate::error::BufferTooSmall;
use crate::json::{ArrayWriter, JsonStr, Object, ObjectWriter, RawValue};
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
