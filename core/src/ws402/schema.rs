//! The WS402 pricing schema served over HTTP before a session (WS402 `src/WS402.ts`
//! `generateSchema`).

use super::error::Ws402Error;
use crate::json::{FieldIssue, JsonStr, Object, ObjectWriter, RawValue};
use crate::u256::U256;
use crate::writer::Writer;

/// `pricing` of a [`Schema`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pricing<'a> {
    /// Atomic units per second.
    pub price_per_second: U256,
    /// The unit name (`"wei"`, an asset symbol); informational.
    pub currency: JsonStr<'a>,
    /// The prepaid duration in seconds.
    pub estimated_duration: u64,
    /// `price_per_second × estimated_duration`: the prepayment asked for.
    pub total_price: U256,
}

impl Pricing<'_> {
    /// `price_per_second × estimated_duration`, or `None` above 2²⁵⁶ − 1.
    pub fn computed_total(&self) -> Option<U256> {
        self.price_per_second
            .checked_mul(U256::from_u64(self.estimated_duration))
    }
}

/// The WS402 schema: `{"protocol":"ws402","version",…,"pricing",…,"maxSessionDuration"}`.
///
/// Decoding accepts the bare schema and the wrapped forms the examples serve
/// (`{"ws402Schema":{…}}`, `{"resource":…,"ws402Schema":{…}}`). Amounts may be JSON integers
/// or decimal strings; fractions are refused (money is integer atomic units).
/// `totalPrice` must equal `pricePerSecond × estimatedDuration`. Encoding writes amounts as
/// decimal strings (exact beyond 2⁵³) and only the fields the host set — never a placeholder.
///
/// ```
/// use pay402::ws402::Schema;
/// use pay402::writer::Writer;
/// let text = br#"{"protocol":"ws402","version":"0.1.2","resourceId":"video-123",
///   "websocketEndpoint":"wss://example.com/ws402/video-123",
///   "pricing":{"pricePerSecond":1,"currency":"wei","estimatedDuration":300,"totalPrice":300},
///   "paymentDetails":{"provider":"mock"},"maxSessionDuration":3600}"#;
/// let schema = Schema::decode(text)?;
/// assert_eq!(schema.pricing.total_price, pay402::U256::from_u64(300));
/// let mut buf = [0u8; 512];
/// let mut w = Writer::new(&mut buf);
/// schema.encode(&mut w)?;
/// assert!(w.written().starts_with(br#"{"protocol":"ws402","version":"0.1.2","resourceId":"video-123""#));
/// # Ok::<(), pay402::ws402::Ws402Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Schema<'a> {
    /// The schema version string (from configuration).
    pub version: JsonStr<'a>,
    /// The resource the session pays for.
    pub resource_id: JsonStr<'a>,
    /// Where to open the WebSocket.
    pub websocket_endpoint: JsonStr<'a>,
    /// Prices.
    pub pricing: Pricing<'a>,
    /// Provider-specific payment details, kept raw (for pay402: an x402 `PaymentRequirements`).
    pub payment_details: Option<RawValue<'a>>,
    /// The longest a session may last, seconds.
    pub max_session_duration: u64,
    /// Application metadata, kept raw.
    pub resource_info: Option<RawValue<'a>>,
}

impl<'a> Schema<'a> {
    /// Decodes a schema document (bare or wrapped).
    pub fn decode(text: &'a [u8]) -> Result<Self, Ws402Error> {
        let root = RawValue::parse(text)?;
        let obj = match root.field("ws402Schema").value() {
            Some(inner) => Object::from_value(inner, "ws402Schema")?,
            None => Object::new(root).ok_or(Ws402Error::NotAnObject)?,
        };
        Self::read(&obj)
    }

    /// Decodes a schema from an already parsed object (`not_an_object` for any other value).
    pub fn from_value(obj: &RawValue<'a>) -> Result<Self, Ws402Error> {
        Self::read(&Object::new(*obj).ok_or(Ws402Error::NotAnObject)?)
    }

    fn read(obj: &Object<'a>) -> Result<Self, Ws402Error> {
        let protocol = obj.field("protocol").str()?;
        if !protocol.eq_str("ws402") {
            return Err(FieldIssue::invalid_value("protocol").into());
        }
        let p = obj.field("pricing").object()?;
        let pricing = Pricing {
            price_per_second: p.field("pricePerSecond").amount()?,
            currency: p.field("currency").str()?,
            estimated_duration: p.field("estimatedDuration").u64_or_string()?,
            total_price: p.field("totalPrice").amount()?,
        };
        if pricing.computed_total() != Some(pricing.total_price) {
            return Err(FieldIssue::invalid_value("totalPrice").into());
        }
        Ok(Self {
            version: obj.field("version").str()?,
            resource_id: obj.field("resourceId").str()?,
            websocket_endpoint: obj.field("websocketEndpoint").str()?,
            pricing,
            payment_details: obj.field("paymentDetails").opt_raw_object()?,
            max_session_duration: obj.field("maxSessionDuration").u64_or_string()?,
            resource_info: obj.field("resourceInfo").opt_raw_object()?,
        })
    }

    /// Writes the canonical compact JSON (key order as in WS402 `generateSchema`).
    pub fn encode(&self, w: &mut Writer<'_>) -> Result<(), Ws402Error> {
        let mut o = ObjectWriter::begin(w)?;
        o.field_str("protocol", "ws402")?;
        o.field_json_str("version", &self.version)?;
        o.field_json_str("resourceId", &self.resource_id)?;
        o.field_json_str("websocketEndpoint", &self.websocket_endpoint)?;
        o.field_with("pricing", |w| {
            let mut p = ObjectWriter::begin(w)?;
            p.field_with("pricePerSecond", |w| {
                quoted_amount(w, &self.pricing.price_per_second)
            })?;
            p.field_json_str("currency", &self.pricing.currency)?;
            p.field_u64("estimatedDuration", self.pricing.estimated_duration)?;
            p.field_with("totalPrice", |w| {
                quoted_amount(w, &self.pricing.total_price)
            })?;
            p.end()
        })?;
        if let Some(d) = &self.payment_details {
            o.field_raw("paymentDetails", d)?;
        }
        o.field_u64("maxSessionDuration", self.max_session_duration)?;
        if let Some(r) = &self.resource_info {
            o.field_raw("resourceInfo", r)?;
        }
        o.end()?;
        Ok(())
    }
}

/// Writes `"<decimal>"`.
pub(crate) fn quoted_amount(
    w: &mut Writer<'_>,
    amount: &U256,
) -> Result<(), crate::error::BufferTooSmall> {
    w.push_byte(b'"')?;
    amount.write_decimal(w)?;
    w.push_byte(b'"')
}
