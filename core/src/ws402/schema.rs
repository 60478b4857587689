//! The WS402 pricing schema served over HTTP before a session (WS402 `src/WS402.ts`
//! `generateSchema`).

use super::error::Ws402Error;
use crate::json::{JsonStr, Kind, ObjectWriter, RawValue};
use crate::members::{self, FieldIssue, member, member_any};
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
        if root.kind() != Kind::Object {
            return Err(Ws402Error::NotAnObject);
        }
        let obj = match member(&root, "ws402Schema") {
            Some(inner) => members::object(inner, "ws402Schema")?,
            None => root,
        };
        Self::from_value(&obj)
    }

    /// Decodes a schema from an already parsed object.
    pub fn from_value(obj: &RawValue<'a>) -> Result<Self, Ws402Error> {
        let protocol = members::req_str(obj, &["protocol"], false)?;
        if !protocol.eq_str("ws402") {
            return Err(Ws402Error::InvalidValue("protocol"));
        }
        let p = members::req_object(obj, &["pricing"])?;
        let req = |o: &RawValue<'a>, k: &'static str| member(o, k).ok_or(FieldIssue::Missing(k));
        let pricing = Pricing {
            price_per_second: members::amount("pricePerSecond", &req(&p, "pricePerSecond")?)?,
            currency: members::req_str(&p, &["currency"], false)?,
            estimated_duration: members::uint("estimatedDuration", &req(&p, "estimatedDuration")?)?,
            total_price: members::amount("totalPrice", &req(&p, "totalPrice")?)?,
        };
        if pricing.computed_total() != Some(pricing.total_price) {
            return Err(Ws402Error::InvalidValue("totalPrice"));
        }
        let raw_object = |k: &'static str| -> Result<Option<RawValue<'a>>, FieldIssue> {
            member_any(obj, &[k])
                .map(|(k, v)| members::object(v, k))
                .transpose()
        };
        Ok(Self {
            version: members::req_str(obj, &["version"], false)?,
            resource_id: members::req_str(obj, &["resourceId"], false)?,
            websocket_endpoint: members::req_str(obj, &["websocketEndpoint"], false)?,
            pricing,
            payment_details: raw_object("paymentDetails")?,
            max_session_duration: members::uint(
                "maxSessionDuration",
                &req(obj, "maxSessionDuration")?,
            )?,
            resource_info: raw_object("resourceInfo")?,
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
