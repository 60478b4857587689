//! `PayPer402`'s challenge: `WWW-Authenticate: Bearer realm="PayPer402", amount="<price>",
//! currency="USDC", network="Solana"` (`PayPer402`, <https://github.com/Russioo/PayPer402>).

use super::decimal_amount::{decimal_to_atomic, write_decimal_amount};
use super::error::DialectError;
use crate::http_auth::{ParamValue, challenges, write_challenge};
use crate::u256::U256;
use crate::writer::Writer;

/// A `PayPer402` payment challenge, with the amount in atomic units.
///
/// ```
/// use pay402::dialects::PayPer402Challenge;
/// use pay402::U256;
/// let header = r#"Bearer realm="PayPer402", amount="0.042", currency="USDC", network="Solana""#;
/// let c = PayPer402Challenge::parse(header, 6)?;
/// assert_eq!(c.amount, U256::from_u64(42_000));
/// assert!(c.currency.is_some_and(|v| v.eq_str("USDC")));
/// # Ok::<(), pay402::dialects::DialectError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PayPer402Challenge<'a> {
    /// `realm`, when given.
    pub realm: Option<ParamValue<'a>>,
    /// `amount` converted exactly to atomic units.
    pub amount: U256,
    /// `currency`, when given.
    pub currency: Option<ParamValue<'a>>,
    /// `network`, when given.
    pub network: Option<ParamValue<'a>>,
}

impl<'a> PayPer402Challenge<'a> {
    /// Finds the first `Bearer` challenge carrying `amount` in a `WWW-Authenticate` value
    /// (other challenges, e.g. an L402 one folded into the same field, are skipped) and converts
    /// the amount with `decimals` (USDC: 6). Errors: `invalid_challenge`,
    /// `no_payment_challenge`, `invalid_amount`, `sub_unit_amount`.
    pub fn parse(field_value: &'a str, decimals: u8) -> Result<Self, DialectError> {
        for c in challenges(field_value) {
            let c = c.map_err(DialectError::Challenge)?;
            if !c.scheme_is("Bearer") {
                continue;
            }
            let Some(amount) = c.params.get("amount") else {
                continue;
            };
            let mut buf = [0u8; 128];
            let text = amount
                .unescape_into(&mut buf)
                .map_err(|_| DialectError::InvalidAmount)?;
            return Ok(Self {
                realm: c.params.get("realm"),
                amount: decimal_to_atomic(text, decimals)?,
                currency: c.params.get("currency"),
                network: c.params.get("network"),
            });
        }
        Err(DialectError::NoPaymentChallenge)
    }
}

/// Writes `Bearer realm="…", amount="…", currency="…", network="…"` with the atomic `amount`
/// rendered with `decimals`.
///
/// ```
/// use pay402::dialects::write_payper402_challenge;
/// use pay402::writer::Writer;
/// use pay402::U256;
/// let mut buf = [0u8; 128];
/// let mut w = Writer::new(&mut buf);
/// write_payper402_challenge(&mut w, "PayPer402", &U256::from_u64(360_000), 6, "USDC", "Solana")?;
/// assert_eq!(w.written(), br#"Bearer realm="PayPer402", amount="0.36", currency="USDC", network="Solana""#);
/// # Ok::<(), pay402::dialects::DialectError>(())
/// ```
pub fn write_payper402_challenge(
    w: &mut Writer<'_>,
    realm: &str,
    amount: &U256,
    decimals: u8,
    currency: &str,
    network: &str,
) -> Result<(), DialectError> {
    let mut buf = [0u8; 160];
    let mut aw = Writer::new(&mut buf);
    write_decimal_amount(&mut aw, amount, decimals)?;
    let text = core::str::from_utf8(aw.written()).map_err(|_| DialectError::InvalidAmount)?;
    write_challenge(
        w,
        "Bearer",
        &[
            ("realm", realm),
            ("amount", text),
            ("currency", currency),
            ("network", network),
        ],
    )
    .map_err(DialectError::Challenge)
}
