//! The x402 developer sandbox's 402 body and `X-PAYMENT` token
//! (<https://github.com/gajarajVish/x402-dev-sandbox>, `src/mock-seller`, `src/mock-facilitator`).

use super::error::DialectError;
use crate::json::{FieldIssue, JsonStr, Object, ObjectWriter, RawValue};
use crate::u256::U256;
use crate::writer::Writer;

/// `payment_requirements{id, product, amount, currency, chain, facilitator, expires_at,
/// recipient?}`.
///
/// ```
/// use pay402::dialects::SandboxRequirements;
/// let body = br#"{"error":"payment_required","message":"Payment required","payment_requirements":
///   {"id":"req_0123456789abcdef","product":"api_inference_v1","amount":1000,"currency":"USDC","chain":"solana",
///    "facilitator":"http://localhost:5000/verify","expires_at":"2025-11-13T12:05:00.000Z"}}"#;
/// let req = SandboxRequirements::decode(body)?;
/// assert_eq!(req.amount, pay402::U256::from_u64(1000));
/// assert_eq!(req.expires_at_unix, 1_763_035_500);
/// assert!(req.is_expired(1_763_035_500) && !req.is_expired(1_763_035_499));
/// # Ok::<(), pay402::dialects::DialectError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SandboxRequirements<'a> {
    /// `req_` + 16 hex: the challenge id a proof must be bound to.
    pub id: JsonStr<'a>,
    /// The product.
    pub product: JsonStr<'a>,
    /// Minor units (a JSON integer or a decimal string; fractions refused).
    pub amount: U256,
    /// The currency (`USDC`).
    pub currency: JsonStr<'a>,
    /// The chain (`solana`).
    pub chain: JsonStr<'a>,
    /// The facilitator URL the server names. A client must not trust it blindly (the
    /// sandbox SDK posted proofs to any server-supplied URL).
    pub facilitator: JsonStr<'a>,
    /// `expires_at`, RFC 3339, as written.
    pub expires_at: JsonStr<'a>,
    /// `expires_at` in unix seconds.
    pub expires_at_unix: u64,
    /// The seller's wallet, when given.
    pub recipient: Option<JsonStr<'a>>,
}

impl<'a> SandboxRequirements<'a> {
    /// Decodes the 402 body `{error, message, payment_requirements}` (or a bare
    /// `payment_requirements` object).
    pub fn decode(body: &'a [u8]) -> Result<Self, DialectError> {
        let root = RawValue::parse(body)?;
        let o = match root.field("payment_requirements").value() {
            Some(inner) => Object::from_value(inner, "payment_requirements")?,
            None => Object::new(root).ok_or(DialectError::NotAnObject)?,
        };
        let s = |k: &'static str| o.field(k).str();
        let amount = o.field("amount");
        amount.required()?;
        let expires_at = s("expires_at")?;
        let mut buf = [0u8; 64];
        let text = expires_at
            .unescape_into(&mut buf)
            .map_err(|_| FieldIssue::invalid_value("expires_at"))?;
        Ok(Self {
            id: s("id")?,
            product: s("product")?,
            amount: amount.amount()?,
            currency: s("currency")?,
            chain: s("chain")?,
            facilitator: s("facilitator")?,
            expires_at,
            expires_at_unix: crate::rfc3339::unix_seconds(text)
                .ok_or(FieldIssue::invalid_value("expires_at"))?,
            recipient: o.field("recipient").opt_str()?,
        })
    }

    /// Whether the requirements have expired at `now` (unix seconds): `now ≥ expires_at`.
    /// The sandbox emitted expiries and never enforced them.
    pub fn is_expired(&self, now: u64) -> bool {
        now >= self.expires_at_unix
    }

    /// Writes the 402 body `{"error":"payment_required","message":…,"payment_requirements":{…}}`
    /// with the amount as a JSON integer, as the sandbox sends it.
    pub fn encode_body(&self, w: &mut Writer<'_>, message: &str) -> Result<(), DialectError> {
        let mut o = ObjectWriter::begin(w)?;
        o.field_str("error", "payment_required")?;
        o.field_str("message", message)?;
        o.field_with("payment_requirements", |w| {
            let mut p = ObjectWriter::begin(w)?;
            p.field_json_str("id", &self.id)?;
            p.field_json_str("product", &self.product)?;
            p.field_with("amount", |w| self.amount.write_decimal(w))?;
            p.field_json_str("currency", &self.currency)?;
            p.field_json_str("chain", &self.chain)?;
            p.field_json_str("facilitator", &self.facilitator)?;
            p.field_json_str("expires_at", &self.expires_at)?;
            if let Some(r) = &self.recipient {
                p.field_json_str("recipient", r)?;
            }
            p.end()
        })?;
        o.end()?;
        Ok(())
    }
}

/// The sandbox's `X-PAYMENT` token, typed by mode so a mock token can never pass for a real
/// one: pay402 makes a mock or demo mode an explicit type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SandboxToken<'a> {
    /// `mock-sig:<id>`: issued by the mock facilitator; proves nothing.
    Mock(&'a str),
    /// `devnet-sig:<id>`: issued after a devnet transaction lookup.
    Devnet(&'a str),
}

impl<'a> SandboxToken<'a> {
    /// Classifies a header value; anything else, or an empty id, is `invalid_token`.
    /// The token is opaque: bind it to the challenge with [`super::accept_once`] keyed by
    /// `(requirements id, token)`.
    pub fn parse(header: &'a str) -> Result<Self, DialectError> {
        let token = if let Some(id) = header.strip_prefix("mock-sig:") {
            Self::Mock(id)
        } else if let Some(id) = header.strip_prefix("devnet-sig:") {
            Self::Devnet(id)
        } else {
            return Err(DialectError::InvalidToken);
        };
        match token {
            Self::Mock(id) | Self::Devnet(id) if id.is_empty() => Err(DialectError::InvalidToken),
            t => Ok(t),
        }
    }
}
