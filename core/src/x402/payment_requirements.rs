//! `PaymentRequirements`: one way to pay, as offered in a 402 (v1: <https://github.com/coinbase/x402/blob/main/specs/x402-specification-v1.md>; v2: x402 v2
//! specification §5.1.2, <https://github.com/coinbase/x402/blob/main/specs/x402-specification-v2.md>).

use super::X402Version;
use super::error::{DecodeError, DecodeReason};
use crate::error::BufferTooSmall;
use crate::json::{JsonStr, Object, ObjectWriter, RawValue};
use crate::u256::U256;
use crate::writer::Writer;

/// A v1 `accepts[]` entry, borrowed from the decoded JSON.
#[derive(Debug, Clone, Copy)]
pub struct PaymentRequirementsV1<'a> {
    /// `scheme`, e.g. `exact`.
    pub scheme: JsonStr<'a>,
    /// `network`: a v1 network name such as `base-sepolia`.
    pub network: JsonStr<'a>,
    /// `maxAmountRequired` in atomic units.
    pub max_amount_required: U256,
    /// `asset`: token address or SPL mint.
    pub asset: JsonStr<'a>,
    /// `payTo`: the recipient.
    pub pay_to: JsonStr<'a>,
    /// `resource`: the protected URL.
    pub resource: JsonStr<'a>,
    /// `description`, possibly empty.
    pub description: JsonStr<'a>,
    /// `mimeType`, optional.
    pub mime_type: Option<JsonStr<'a>>,
    /// `outputSchema`, optional, echoed verbatim.
    pub output_schema: Option<RawValue<'a>>,
    /// `maxTimeoutSeconds`, positive.
    pub max_timeout_seconds: u64,
    /// `extra`, optional object, echoed verbatim (EVM: the token's EIP-712 `name`/`version`).
    pub extra: Option<RawValue<'a>>,
}

/// A v2 `accepts[]` entry (x402 v2 specification §5.1.2), borrowed from the decoded JSON.
///
/// Keeps the source text of the whole object in [`PaymentRequirementsV2::raw`]: a v2 client echoes
/// it verbatim as `accepted`, and a verifier compares `accepted` with the offer by value.
#[derive(Debug, Clone, Copy)]
pub struct PaymentRequirementsV2<'a> {
    /// `scheme`, e.g. `exact` or `upto`.
    pub scheme: JsonStr<'a>,
    /// `network`: a CAIP-2 id such as `eip155:84532`.
    pub network: JsonStr<'a>,
    /// `amount` in atomic units.
    pub amount: U256,
    /// `asset`: token address or SPL mint.
    pub asset: JsonStr<'a>,
    /// `payTo`: the recipient.
    pub pay_to: JsonStr<'a>,
    /// `maxTimeoutSeconds`, positive.
    pub max_timeout_seconds: u64,
    /// `extra`, optional object, echoed verbatim.
    pub extra: Option<RawValue<'a>>,
    /// The whole object as received, when decoded from JSON.
    pub raw: Option<RawValue<'a>>,
}

/// One payment requirement of either version.
#[derive(Debug, Clone, Copy)]
pub enum PaymentRequirements<'a> {
    /// x402 v1.
    V1(PaymentRequirementsV1<'a>),
    /// x402 v2.
    V2(PaymentRequirementsV2<'a>),
}

impl<'a> PaymentRequirementsV1<'a> {
    /// Decodes a v1 requirements object.
    pub fn from_json_value(value: RawValue<'a>) -> Result<Self, DecodeError> {
        let obj = Object::from_value(value, "paymentRequirements")?;
        Ok(Self {
            scheme: obj.field("scheme").str()?,
            network: obj.field("network").str()?,
            max_amount_required: obj.field("maxAmountRequired").amount()?,
            asset: obj.field("asset").str()?,
            pay_to: obj.field("payTo").str()?,
            resource: obj.field("resource").str()?,
            description: obj.field("description").str()?,
            mime_type: obj.field("mimeType").opt_str()?,
            output_schema: obj.field("outputSchema").value(),
            max_timeout_seconds: obj.field("maxTimeoutSeconds").positive_u64()?,
            extra: obj.field("extra").opt_raw_object()?,
        })
    }

    /// Writes the canonical compact JSON in the spec's key order; absent optional fields are omitted.
    pub fn write_json(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        let mut o = ObjectWriter::begin(w)?;
        o.field_json_str("scheme", &self.scheme)?;
        o.field_json_str("network", &self.network)?;
        o.field_with("maxAmountRequired", |w| {
            write_amount(w, &self.max_amount_required)
        })?;
        o.field_json_str("asset", &self.asset)?;
        o.field_json_str("payTo", &self.pay_to)?;
        o.field_json_str("resource", &self.resource)?;
        o.field_json_str("description", &self.description)?;
        if let Some(mime_type) = &self.mime_type {
            o.field_json_str("mimeType", mime_type)?;
        }
        if let Some(schema) = &self.output_schema {
            o.field_raw("outputSchema", schema)?;
        }
        o.field_u64("maxTimeoutSeconds", self.max_timeout_seconds)?;
        if let Some(extra) = &self.extra {
            o.field_raw("extra", extra)?;
        }
        o.end()
    }
}

impl<'a> PaymentRequirementsV2<'a> {
    /// Decodes a v2 requirements object, keeping its source text.
    pub fn from_json_value(value: RawValue<'a>) -> Result<Self, DecodeError> {
        let obj = Object::from_value(value, "paymentRequirements")?;
        Ok(Self {
            scheme: obj.field("scheme").str()?,
            network: obj.field("network").str()?,
            amount: obj.field("amount").amount()?,
            asset: obj.field("asset").str()?,
            pay_to: obj.field("payTo").str()?,
            max_timeout_seconds: obj.field("maxTimeoutSeconds").positive_u64()?,
            extra: obj.field("extra").opt_raw_object()?,
            raw: Some(obj.raw()),
        })
    }

    /// Writes the canonical compact JSON in the spec's key order; absent `extra` is omitted.
    pub fn write_json(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        let mut o = ObjectWriter::begin(w)?;
        o.field_json_str("scheme", &self.scheme)?;
        o.field_json_str("network", &self.network)?;
        o.field_with("amount", |w| write_amount(w, &self.amount))?;
        o.field_json_str("asset", &self.asset)?;
        o.field_json_str("payTo", &self.pay_to)?;
        o.field_u64("maxTimeoutSeconds", self.max_timeout_seconds)?;
        if let Some(extra) = &self.extra {
            o.field_raw("extra", extra)?;
        }
        o.end()
    }

    /// Writes the object as a v2 client must echo it in `accepted`: the received text, minified,
    /// when there is one; otherwise the canonical form.
    pub fn write_echo(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        match &self.raw {
            Some(raw) => crate::json::write_minified(w, raw),
            None => self.write_json(w),
        }
    }
}

impl<'a> PaymentRequirements<'a> {
    /// Decodes the JSON text of one requirements object (v1 or v2, told apart as
    /// [`PaymentRequirements::from_json_value`] does). Text that is not JSON fails at `body`.
    ///
    /// ```
    /// use pay402::x402::{PaymentRequirements, X402Version};
    /// let json = br#"{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60}"#;
    /// let requirements = PaymentRequirements::from_json(json)?;
    /// assert_eq!(requirements.version(), X402Version::V2);
    /// let err = PaymentRequirements::from_json(b"{").unwrap_err();
    /// assert_eq!((err.field(), pay402::ErrorCode::code(&err)), ("body", "json_unexpected_end"));
    /// # Ok::<(), pay402::x402::DecodeError>(())
    /// ```
    pub fn from_json(json: &'a [u8]) -> Result<Self, DecodeError> {
        let value =
            RawValue::parse(json).map_err(|e| DecodeError::new("body", DecodeReason::Json(e)))?;
        Self::from_json_value(value)
    }

    /// Decodes a requirements object; the version is told by its amount field (`amount` for v2,
    /// `maxAmountRequired` for v1).
    pub fn from_json_value(value: RawValue<'a>) -> Result<Self, DecodeError> {
        let obj = Object::from_value(value, "paymentRequirements")?;
        if obj.field("amount").is_present() {
            PaymentRequirementsV2::from_json_value(obj.raw()).map(Self::V2)
        } else {
            PaymentRequirementsV1::from_json_value(obj.raw()).map(Self::V1)
        }
    }

    /// Decodes a requirements object of a known version.
    pub fn from_json_value_versioned(
        value: RawValue<'a>,
        version: X402Version,
    ) -> Result<Self, DecodeError> {
        match version {
            X402Version::V1 => PaymentRequirementsV1::from_json_value(value).map(Self::V1),
            X402Version::V2 => PaymentRequirementsV2::from_json_value(value).map(Self::V2),
        }
    }

    /// The protocol version.
    pub fn version(&self) -> X402Version {
        match self {
            Self::V1(_) => X402Version::V1,
            Self::V2(_) => X402Version::V2,
        }
    }

    /// `scheme`.
    pub fn scheme(&self) -> JsonStr<'a> {
        match self {
            Self::V1(r) => r.scheme,
            Self::V2(r) => r.scheme,
        }
    }

    /// `network` as written.
    pub fn network(&self) -> JsonStr<'a> {
        match self {
            Self::V1(r) => r.network,
            Self::V2(r) => r.network,
        }
    }

    /// The required amount (`maxAmountRequired` in v1, `amount` in v2).
    pub fn amount(&self) -> U256 {
        match self {
            Self::V1(r) => r.max_amount_required,
            Self::V2(r) => r.amount,
        }
    }

    /// `asset`.
    pub fn asset(&self) -> JsonStr<'a> {
        match self {
            Self::V1(r) => r.asset,
            Self::V2(r) => r.asset,
        }
    }

    /// `payTo`.
    pub fn pay_to(&self) -> JsonStr<'a> {
        match self {
            Self::V1(r) => r.pay_to,
            Self::V2(r) => r.pay_to,
        }
    }

    /// `maxTimeoutSeconds`.
    pub fn max_timeout_seconds(&self) -> u64 {
        match self {
            Self::V1(r) => r.max_timeout_seconds,
            Self::V2(r) => r.max_timeout_seconds,
        }
    }

    /// `extra`, when present.
    pub fn extra(&self) -> Option<RawValue<'a>> {
        match self {
            Self::V1(r) => r.extra,
            Self::V2(r) => r.extra,
        }
    }

    /// Writes the canonical compact JSON of the requirements.
    pub fn write_json(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        match self {
            Self::V1(r) => r.write_json(w),
            Self::V2(r) => r.write_json(w),
        }
    }
}

/// Writes a uint256 as a JSON string of decimal digits, as every x402 amount is written.
pub(crate) fn write_amount(w: &mut Writer<'_>, amount: &U256) -> Result<(), BufferTooSmall> {
    w.push_byte(b'"')?;
    amount.write_decimal(w)?;
    w.push_byte(b'"')
}
