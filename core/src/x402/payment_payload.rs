//! `PaymentPayload`: the client's payment (v1 `X-PAYMENT`, <https://github.com/coinbase/x402/blob/main/specs/x402-specification-v1.md>; v2 `PAYMENT-SIGNATURE`,
//! x402 v2 specification §5.2, <https://github.com/coinbase/x402/blob/main/specs/x402-specification-v2.md>).

use super::error::{DecodeError, DecodeReason};
use super::payment_requirements::PaymentRequirementsV2;
use super::resource_info::ResourceInfo;
use super::{X402Version, header};
use crate::error::BufferTooSmall;
use crate::json::{JsonStr, Object, ObjectWriter, RawValue};
use crate::writer::Writer;

/// v1 `{x402Version: 1, scheme, network, payload}`.
#[derive(Debug, Clone, Copy)]
pub struct PaymentPayloadV1<'a> {
    /// `scheme`.
    pub scheme: JsonStr<'a>,
    /// `network`: a v1 network name.
    pub network: JsonStr<'a>,
    /// `payload`: the scheme payload, kept as received (see [`super::ExactEvmPayload`]).
    pub payload: RawValue<'a>,
}

/// v2 `{x402Version: 2, resource?, accepted, payload, extensions?}`.
#[derive(Debug, Clone, Copy)]
pub struct PaymentPayloadV2<'a> {
    /// `resource`, optional.
    pub resource: Option<ResourceInfo<'a>>,
    /// `accepted`: the client's verbatim copy of the chosen requirement.
    pub accepted: PaymentRequirementsV2<'a>,
    /// `payload`: the scheme payload, kept as received.
    pub payload: RawValue<'a>,
    /// `extensions`, echoed verbatim.
    pub extensions: Option<RawValue<'a>>,
}

/// A `PaymentPayload` of either version.
#[allow(
    clippy::large_enum_variant,
    reason = "no alloc: values live on the caller's stack, boxing is not available"
)]
#[derive(Debug, Clone, Copy)]
pub enum PaymentPayload<'a> {
    /// x402 v1.
    V1(PaymentPayloadV1<'a>),
    /// x402 v2.
    V2(PaymentPayloadV2<'a>),
}

impl<'a> PaymentPayload<'a> {
    /// Decodes the JSON text of a payment payload.
    pub fn from_json(json: &'a [u8]) -> Result<Self, DecodeError> {
        let value =
            RawValue::parse(json).map_err(|e| DecodeError::new("body", DecodeReason::Json(e)))?;
        Self::from_json_value(value)
    }

    /// Decodes an `X-PAYMENT` or `PAYMENT-SIGNATURE` header value (base64 JSON) into `buf`, which
    /// then holds the JSON the result borrows from. The buffer's length caps the decoded size.
    ///
    /// ```
    /// use pay402::x402::PaymentPayload;
    /// let header = b"eyJ4NDAyVmVyc2lvbiI6MSwic2NoZW1lIjoiZXhhY3QiLCJuZXR3b3JrIjoiYmFzZSIsInBheWxvYWQiOnt9fQ==";
    /// let mut buf = [0u8; 1024];
    /// let payment = PaymentPayload::from_header(header, &mut buf).unwrap();
    /// assert!(payment.network().eq_str("base"));
    /// ```
    pub fn from_header(header_value: &[u8], buf: &'a mut [u8]) -> Result<Self, DecodeError> {
        Self::from_json(header::decode(header_value, buf)?)
    }

    /// Decodes an already parsed JSON value.
    pub fn from_json_value(value: RawValue<'a>) -> Result<Self, DecodeError> {
        let obj = Object::from_value(value, "body")?;
        match X402Version::read(&obj)? {
            X402Version::V1 => Ok(Self::V1(PaymentPayloadV1 {
                scheme: obj.field("scheme").str()?,
                network: obj.field("network").str()?,
                payload: obj.field("payload").raw_object()?,
            })),
            X402Version::V2 => Ok(Self::V2(PaymentPayloadV2 {
                resource: obj
                    .field("resource")
                    .value()
                    .map(ResourceInfo::from_json_value)
                    .transpose()
                    .map_err(|e| e.within("resource"))?,
                accepted: PaymentRequirementsV2::from_json_value(obj.field("accepted").required()?)
                    .map_err(|e| e.within("accepted"))?,
                payload: obj.field("payload").raw_object()?,
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

    /// The scheme the client paid with (`accepted.scheme` in v2).
    pub fn scheme(&self) -> JsonStr<'a> {
        match self {
            Self::V1(p) => p.scheme,
            Self::V2(p) => p.accepted.scheme,
        }
    }

    /// The network the client paid on (`accepted.network` in v2).
    pub fn network(&self) -> JsonStr<'a> {
        match self {
            Self::V1(p) => p.network,
            Self::V2(p) => p.accepted.network,
        }
    }

    /// The scheme payload.
    pub fn payload(&self) -> RawValue<'a> {
        match self {
            Self::V1(p) => p.payload,
            Self::V2(p) => p.payload,
        }
    }

    /// Writes compact JSON in the spec's key order. `accepted`, `payload` and `extensions` are
    /// written as received (minified), so what was signed or must be echoed is preserved.
    pub fn write_json(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        let mut o = ObjectWriter::begin(w)?;
        match self {
            Self::V1(p) => {
                o.field_u64("x402Version", 1)?;
                o.field_json_str("scheme", &p.scheme)?;
                o.field_json_str("network", &p.network)?;
                o.field_raw("payload", &p.payload)?;
            }
            Self::V2(p) => {
                o.field_u64("x402Version", 2)?;
                if let Some(resource) = &p.resource {
                    o.field_with("resource", |w| resource.write_json(w))?;
                }
                o.field_with("accepted", |w| p.accepted.write_echo(w))?;
                o.field_raw("payload", &p.payload)?;
                if let Some(extensions) = &p.extensions {
                    o.field_raw("extensions", extensions)?;
                }
            }
        }
        o.end()
    }
}
