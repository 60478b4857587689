//! One offer of the Fewsats 402 body (l402-protocol/l402 README; the field names
//! of go-example, stock.l402.org and the Fewsats API).

use super::error::OffersError;
use crate::json::{ArrayWriter, Field, FieldIssue, JsonStr, Kind, Object, ObjectWriter, RawValue};
use crate::u256::U256;
use crate::writer::Writer;
use heapless::Vec;

/// The most payment methods one offer may list.
pub const MAX_PAYMENT_METHODS: usize = 8;

/// The kinds of offer pay402 knows how to grant (see [`Offer::offer_type`]); the `type` of an
/// [`Offer`] itself is kept as the body gives it, so an offer of a kind added later still
/// decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OfferType {
    /// `one-time` (spec, go-example); also read from `one-off` (Fewsats `create_offers`) and
    /// `one-time-payment` (v0.2).
    OneTime,
    /// `top-up`: buys `balance` credits.
    TopUp,
    /// `subscription`: access for `duration`.
    Subscription,
}

impl OfferType {
    /// The canonical (v0.2.2 spec) name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::OneTime => "one-time",
            Self::TopUp => "top-up",
            Self::Subscription => "subscription",
        }
    }

    /// The kind an offer `type` names: the canonical name or a dialect's alias
    /// (`one-off`, `one-time-payment`); `None` for any other type.
    pub fn parse(s: &JsonStr<'_>) -> Option<Self> {
        if s.eq_str("one-time") || s.eq_str("one-off") || s.eq_str("one-time-payment") {
            Some(Self::OneTime)
        } else if s.eq_str("top-up") {
            Some(Self::TopUp)
        } else if s.eq_str("subscription") {
            Some(Self::Subscription)
        } else {
            None
        }
    }
}

/// A payment method name (`lightning`, `onchain`, `credit_card`, `stripe`, `fake-pay`, …),
/// kept as written: the set is open.
pub type PaymentMethod<'a> = JsonStr<'a>;

/// One offer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer<'a> {
    /// `id` (spec, go-example) or `offer_id` (stock.l402.org, Fewsats API).
    pub id: JsonStr<'a>,
    /// `title`; `None` when absent or `""`.
    pub title: Option<JsonStr<'a>>,
    /// `description`; `None` when absent or `""`.
    pub description: Option<JsonStr<'a>>,
    /// `type` as the body gives it (`one-time`, `one-off`, `top-up`, `pay-per-call`, …): the
    /// set is open, so a type pay402 does not know is kept, never refused.
    /// [`Offer::offer_type`] reads the known kinds.
    pub type_name: JsonStr<'a>,
    /// The price in the currency's smallest unit (USD cents). A JSON integer or a decimal string;
    /// `0` (Go's zero value) counts as absent and is refused.
    pub amount: U256,
    /// ISO currency code as written (`USD`, `EUR`).
    pub currency: JsonStr<'a>,
    /// Credits a `top-up` buys (`balance`, or v0.2's `credits`); `None` when absent or `0`.
    pub balance: Option<u64>,
    /// Free-text subscription length (`"1 month"`); `None` when absent or `""`.
    /// [`super::duration_seconds`] reads the common forms.
    pub duration: Option<JsonStr<'a>>,
    /// Accepted payment methods; strings, or v1.0-draft objects `{"payment_type": …}`.
    pub payment_methods: Vec<PaymentMethod<'a>, MAX_PAYMENT_METHODS>,
}

impl<'a> Offer<'a> {
    /// Reads one offer object, tolerating the field names of every server in use.
    pub fn from_value(v: RawValue<'a>) -> Result<Self, OffersError> {
        let o = Object::new(v).ok_or(OffersError::NotAnObject)?;
        let type_name = o.field("type").nonempty_str()?;
        let amount = o.field("amount").opt_amount()?.unwrap_or(U256::ZERO);
        if amount.is_zero() {
            return Err(FieldIssue::missing("amount").into());
        }
        let balance = o
            .field_any(&["balance", "credits"])
            .optional(Field::u64_or_string)?
            .filter(|b| *b != 0);
        let mut payment_methods = Vec::new();
        if let Some(elements) = o.field("payment_methods").opt_array()? {
            for e in elements {
                let name = match e.kind() {
                    Kind::String => e.as_str(),
                    Kind::Object => e.field("payment_type").value().and_then(|t| t.as_str()),
                    _ => None,
                }
                .ok_or(FieldIssue::wrong_type("payment_methods"))?;
                if name.is_empty() {
                    continue;
                }
                payment_methods
                    .push(name)
                    .map_err(|_| OffersError::TooMany("payment_methods"))?;
            }
        }
        Ok(Self {
            id: o.field_any(&["id", "offer_id"]).nonempty_str()?,
            title: o.field("title").opt_nonempty_str()?,
            description: o.field("description").opt_nonempty_str()?,
            type_name,
            amount,
            currency: o.field("currency").nonempty_str()?,
            balance,
            duration: o.field("duration").opt_nonempty_str()?,
            payment_methods,
        })
    }

    /// The kind of this offer, when its `type` is one pay402 knows (aliases included);
    /// `None` for any other type.
    pub fn offer_type(&self) -> Option<OfferType> {
        OfferType::parse(&self.type_name)
    }

    /// Writes the canonical (v0.2.2 spec) form: `id`, `title`, `description`, `type` (as given),
    /// `balance`?, `duration`?, `amount` (a JSON integer), `currency`, `payment_methods`.
    pub fn encode(&self, w: &mut Writer<'_>) -> Result<(), OffersError> {
        let mut o = ObjectWriter::begin(w)?;
        o.field_json_str("id", &self.id)?;
        if let Some(t) = &self.title {
            o.field_json_str("title", t)?;
        }
        if let Some(d) = &self.description {
            o.field_json_str("description", d)?;
        }
        o.field_json_str("type", &self.type_name)?;
        if let Some(b) = self.balance {
            o.field_u64("balance", b)?;
        }
        if let Some(d) = &self.duration {
            o.field_json_str("duration", d)?;
        }
        o.field_with("amount", |w| self.amount.write_decimal(w))?;
        o.field_json_str("currency", &self.currency)?;
        o.field_with("payment_methods", |w| {
            let mut a = ArrayWriter::begin(w)?;
            for m in &self.payment_methods {
                a.element_json_str(m)?;
            }
            a.end()
        })?;
        o.end()?;
        Ok(())
    }
}

/// Reads a free-text subscription `duration` as seconds: `"<n> <unit>"` with unit
/// `second(s)`, `minute(s)`, `hour(s)`, `day(s)`, `week(s)`, `month(s)` (30 days) or
/// `year(s)` (365 days), case-insensitive; `None` for anything else or on overflow. The month
/// and year lengths are pay402's choice: the spec gives only examples (`"1 month"`,
/// `"30 days"`); a host with other calendars computes the duration itself.
///
/// ```
/// use pay402::offers::duration_seconds;
/// assert_eq!(duration_seconds("1 month"), Some(2_592_000));
/// assert_eq!(duration_seconds("30 days"), Some(2_592_000));
/// assert_eq!(duration_seconds("forever"), None);
/// ```
pub fn duration_seconds(text: &str) -> Option<u64> {
    let mut parts = text.split_ascii_whitespace();
    let n: u64 = parts.next()?.parse().ok()?;
    let unit = parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    let unit_seconds = [
        ("second", 1u64),
        ("minute", 60),
        ("hour", 3600),
        ("day", 86_400),
        ("week", 604_800),
        ("month", 2_592_000),
        ("year", 31_536_000),
    ]
    .iter()
    .find(|(name, _)| {
        unit.eq_ignore_ascii_case(name)
            || unit
                .strip_suffix(['s', 'S'])
                .is_some_and(|u| u.eq_ignore_ascii_case(name))
    })?
    .1;
    n.checked_mul(unit_seconds)
}
