//! `PaymentRequired`: the 402 answer (v1 JSON body, <https://github.com/coinbase/x402/blob/main/specs/x402-specification-v1.md>; v2 `PAYMENT-REQUIRED`
//! header, x402 v2 specification §5.1, <https://github.com/coinbase/x402/blob/main/specs/x402-specification-v2.md>).

use super::error::{DecodeError, DecodeReason};
use super::payment_requirements::{
    PaymentRequirements, PaymentRequirementsV1, PaymentRequirementsV2,
};
use super::resource_info::ResourceInfo;
use super::{X402Version, header};
use crate::error::BufferTooSmall;
use crate::json::{ArrayWriter, JsonStr, Object, ObjectWriter, RawValue};
use crate::writer::Writer;
use heapless::Vec;

/// How many `accepts` entries a decoded `PaymentRequired` can hold.
pub const MAX_ACCEPTS: usize = 16;

/// The v1 402 body `{x402Version: 1, error, accepts}`.
#[derive(Debug, Clone)]
pub struct PaymentRequiredV1<'a> {
    /// `error`: human-readable text or a reason code.
    pub error: Option<JsonStr<'a>>,
    /// `accepts`: at least one entry.
    pub accepts: Vec<PaymentRequirementsV1<'a>, MAX_ACCEPTS>,
}

/// The v2 `PAYMENT-REQUIRED` value `{x402Version: 2, error?, resource, accepts, extensions?}`.
#[derive(Debug, Clone)]
pub struct PaymentRequiredV2<'a> {
    /// `error`, optional.
    pub error: Option<JsonStr<'a>>,
    /// `resource`.
    pub resource: ResourceInfo<'a>,
    /// `accepts`: at least one entry.
    pub accepts: Vec<PaymentRequirementsV2<'a>, MAX_ACCEPTS>,
    /// `extensions`, echoed verbatim.
    pub extensions: Option<RawValue<'a>>,
}

/// A `PaymentRequired` of either version.
#[allow(
    clippy::large_enum_variant,
    reason = "no alloc: values live on the caller's stack, boxing is not available"
)]
#[derive(Debug, Clone)]
pub enum PaymentRequired<'a> {
    /// x402 v1.
    V1(PaymentRequiredV1<'a>),
    /// x402 v2.
    V2(PaymentRequiredV2<'a>),
}

impl<'a> PaymentRequired<'a> {
    /// Decodes the JSON text of a `PaymentRequired` (a v1 402 body, or a decoded v2 header).
    ///
    /// Fails with a [`DecodeError`] naming the field on bad JSON, a missing or mistyped field, an
    /// empty `accepts`, or more than [`MAX_ACCEPTS`] entries.
    pub fn from_json(json: &'a [u8]) -> Result<Self, DecodeError> {
        let value =
            RawValue::parse(json).map_err(|e| DecodeError::new("body", DecodeReason::Json(e)))?;
        Self::from_json_value(value)
    }

    /// Decodes a `PAYMENT-REQUIRED` header value (base64 JSON) into `buf`, which then holds the
    /// JSON the result borrows from. The buffer's length caps the decoded size.
    pub fn from_header(header_value: &[u8], buf: &'a mut [u8]) -> Result<Self, DecodeError> {
        Self::from_json(header::decode(header_value, buf)?)
    }

    /// Decodes an already parsed JSON value.
    pub fn from_json_value(value: RawValue<'a>) -> Result<Self, DecodeError> {
        let obj = Object::from_value(value, "body")?;
        match X402Version::read(&obj)? {
            X402Version::V1 => Ok(Self::V1(PaymentRequiredV1 {
                error: obj.field("error").opt_str()?,
                accepts: accepts(&obj, PaymentRequirementsV1::from_json_value)?,
            })),
            X402Version::V2 => Ok(Self::V2(PaymentRequiredV2 {
                error: obj.field("error").opt_str()?,
                resource: ResourceInfo::from_json_value(obj.field("resource").required()?)
                    .map_err(|e| e.within("resource"))?,
                accepts: accepts(&obj, PaymentRequirementsV2::from_json_value)?,
                extensions: obj.field("extensions").opt_raw_object()?,
            })),
        }
    }

    /// The protocol version.
    pub fn version(&self) -> X402Version {
        match self {
            Self::V1(_) => X402Version::V1,
            Self::V2(_) => X402Version::V2,
        }
    }

    /// Number of `accepts` entries.
    pub fn accepts_len(&self) -> usize {
        match self {
            Self::V1(p) => p.accepts.len(),
            Self::V2(p) => p.accepts.len(),
        }
    }

    /// The `accepts` entry at `index`, as a version-tagged [`PaymentRequirements`].
    pub fn accept(&self, index: usize) -> Option<PaymentRequirements<'a>> {
        match self {
            Self::V1(p) => p.accepts.get(index).copied().map(PaymentRequirements::V1),
            Self::V2(p) => p.accepts.get(index).copied().map(PaymentRequirements::V2),
        }
    }

    /// Writes the canonical compact JSON in the spec's key order.
    pub fn write_json(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        let mut o = ObjectWriter::begin(w)?;
        match self {
            Self::V1(p) => {
                o.field_u64("x402Version", 1)?;
                if let Some(error) = &p.error {
                    o.field_json_str("error", error)?;
                }
                o.field_with("accepts", |w| {
                    let mut a = ArrayWriter::begin(w)?;
                    for r in &p.accepts {
                        a.element_with(|w| r.write_json(w))?;
                    }
                    a.end()
                })?;
            }
            Self::V2(p) => {
                o.field_u64("x402Version", 2)?;
                if let Some(error) = &p.error {
                    o.field_json_str("error", error)?;
                }
                o.field_with("resource", |w| p.resource.write_json(w))?;
                o.field_with("accepts", |w| {
                    let mut a = ArrayWriter::begin(w)?;
                    for r in &p.accepts {
                        a.element_with(|w| r.write_json(w))?;
                    }
                    a.end()
                })?;
                if let Some(extensions) = &p.extensions {
                    o.field_raw("extensions", extensions)?;
                }
            }
        }
        o.end()
    }
}

/// Decodes the `accepts` array with `decode` for each entry.
fn accepts<'a, T>(
    obj: &Object<'a>,
    decode: impl Fn(RawValue<'a>) -> Result<T, DecodeError>,
) -> Result<Vec<T, MAX_ACCEPTS>, DecodeError> {
    const KEY: &str = "accepts";
    let elements = obj
        .field(KEY)
        .required()?
        .elements()
        .ok_or(DecodeError::new(KEY, DecodeReason::WrongType))?;
    let mut out = Vec::new();
    for element in elements {
        let entry = decode(element).map_err(|e| e.within("accepts[]"))?;
        out.push(entry).map_err(|_| {
            DecodeError::new(
                KEY,
                DecodeReason::TooManyItems {
                    capacity: MAX_ACCEPTS,
                },
            )
        })?;
    }
    if out.is_empty() {
        return Err(DecodeError::new(KEY, DecodeReason::InvalidValue));
    }
    Ok(out)
}
