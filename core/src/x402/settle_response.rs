//! `SettleResponse`: the settlement receipt (v1 `X-PAYMENT-RESPONSE`, v2 `PAYMENT-RESPONSE`, and
//! the facilitator's `/settle` answer): x402 v2 specification §5.3 and §7.2
//! (<https://github.com/coinbase/x402/blob/main/specs/x402-specification-v2.md>), v1 in <https://github.com/coinbase/x402/blob/main/specs/x402-specification-v1.md>.

use super::error::{DecodeError, DecodeReason};
use super::header;
use super::payment_requirements::write_amount;
use crate::error::BufferTooSmall;
use crate::json::{JsonStr, Object, ObjectWriter, RawValue};
use crate::u256::U256;
use crate::writer::Writer;

/// `{success, errorReason?, errorMessage?, transaction, network, payer?, amount?, extensions?}`.
///
/// Which optional fields were present is preserved: a failure receipt without `transaction`
/// (one revision of the v2 spec) re-encodes without it.
#[derive(Debug, Clone, Copy)]
pub struct SettleResponse<'a> {
    /// `success`.
    pub success: bool,
    /// `errorReason`: a reason code, on failure.
    pub error_reason: Option<JsonStr<'a>>,
    /// `errorMessage`: free text, on failure.
    pub error_message: Option<JsonStr<'a>>,
    /// `transaction`: EVM transaction hash or base58 Solana signature; `""` on failure.
    pub transaction: Option<JsonStr<'a>>,
    /// `network`.
    pub network: JsonStr<'a>,
    /// `payer`.
    pub payer: Option<JsonStr<'a>>,
    /// `amount`: the settled amount (v2, for `upto`).
    pub amount: Option<U256>,
    /// `extensions`, echoed verbatim.
    pub extensions: Option<RawValue<'a>>,
}

impl<'a> SettleResponse<'a> {
    /// Decodes the JSON text of a settlement response.
    pub fn from_json(json: &'a [u8]) -> Result<Self, DecodeError> {
        let value =
            RawValue::parse(json).map_err(|e| DecodeError::new("body", DecodeReason::Json(e)))?;
        Self::from_json_value(value)
    }

    /// Decodes an `X-PAYMENT-RESPONSE` / `PAYMENT-RESPONSE` header value into `buf`.
    pub fn from_header(header_value: &[u8], buf: &'a mut [u8]) -> Result<Self, DecodeError> {
        Self::from_json(header::decode(header_value, buf)?)
    }

    /// Decodes an already parsed JSON value.
    pub fn from_json_value(value: RawValue<'a>) -> Result<Self, DecodeError> {
        let obj = Object::from_value(value, "body")?;
        Ok(Self {
            success: obj.field("success").bool()?,
            error_reason: obj.field("errorReason").opt_str()?,
            error_message: obj.field("errorMessage").opt_str()?,
            transaction: obj.field("transaction").opt_str()?,
            network: obj.field("network").str()?,
            payer: obj.field("payer").opt_str()?,
            amount: obj.field("amount").opt_amount()?,
            extensions: obj.field("extensions").opt_raw_object()?,
        })
    }

    /// Writes compact JSON in the order of the spec's examples.
    pub fn write_json(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        let mut o = ObjectWriter::begin(w)?;
        o.field_bool("success", self.success)?;
        if let Some(reason) = &self.error_reason {
            o.field_json_str("errorReason", reason)?;
        }
        if let Some(message) = &self.error_message {
            o.field_json_str("errorMessage", message)?;
        }
        if let Some(transaction) = &self.transaction {
            o.field_json_str("transaction", transaction)?;
        }
        o.field_json_str("network", &self.network)?;
        if let Some(payer) = &self.payer {
            o.field_json_str("payer", payer)?;
        }
        if let Some(amount) = &self.amount {
            o.field_with("amount", |w| write_amount(w, amount))?;
        }
        if let Some(extensions) = &self.extensions {
            o.field_raw("extensions", extensions)?;
        }
        o.end()
    }
}
