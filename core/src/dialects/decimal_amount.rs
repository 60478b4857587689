//! Decimal amount strings converted exactly to atomic units. pay402's rule for every dialect:
//! price strings are parsed with exact decimals and an explicit rounding mode, never as floats.

use super::error::DialectError;
use crate::decimal::{DecimalIssue, to_atomic};
use crate::u256::U256;
use crate::writer::Writer;

/// The most decimals an asset may have here (10⁷⁷ < 2²⁵⁶ < 10⁷⁸).
pub const MAX_DECIMALS: u8 = crate::decimal::MAX_DECIMALS;

/// Converts `"<digits>[.<digits>]"` to atomic units of an asset with `decimals` decimals,
/// exactly. Sub-unit amounts are refused, never rounded: `"0.0000001"` with 6 decimals is
/// `sub_unit_amount` (x402-connector truncated it to 0). Trailing zeros below the unit are
/// fine. Signs, exponents, `$`, spaces, `".5"` and `"5."` are `invalid_amount`, and so is
/// `decimals > 77`.
///
/// ```
/// use pay402::dialects::decimal_to_atomic;
/// use pay402::U256;
/// assert_eq!(decimal_to_atomic("0.042", 6), Ok(U256::from_u64(42_000)));
/// assert_eq!(decimal_to_atomic("2.01", 6), Ok(U256::from_u64(2_010_000)));
/// assert!(decimal_to_atomic("0.0000001", 6).is_err());
/// ```
pub fn decimal_to_atomic(text: &str, decimals: u8) -> Result<U256, DialectError> {
    to_atomic(text, decimals).map_err(|issue| match issue {
        DecimalIssue::Malformed => DialectError::InvalidAmount,
        DecimalIssue::SubUnit => DialectError::SubUnitAmount,
    })
}

/// Writes `atomic` as a decimal string with `decimals` decimals, trailing fractional zeros
/// removed (`42000`, 6 → `0.042`; `5000000`, 6 → `5`). The inverse of [`decimal_to_atomic`].
pub fn write_decimal_amount(
    w: &mut Writer<'_>,
    atomic: &U256,
    decimals: u8,
) -> Result<(), DialectError> {
    if decimals > MAX_DECIMALS {
        return Err(DialectError::InvalidAmount);
    }
    let mut buf = [0u8; 78];
    let digits = atomic.to_decimal(&mut buf).as_bytes();
    let d = usize::from(decimals);
    let mut padded = [b'0'; 156];
    let width = digits.len().max(d + 1);
    let start = width - digits.len();
    padded
        .get_mut(start..width)
        .ok_or(DialectError::InvalidAmount)?
        .copy_from_slice(digits);
    let whole = padded.get(..width).ok_or(DialectError::InvalidAmount)?;
    let (int, frac) = whole.split_at(width - d);
    let frac_len = frac.iter().rposition(|&c| c != b'0').map_or(0, |p| p + 1);
    w.push(int)?;
    if frac_len > 0 {
        w.push_byte(b'.')?;
        w.push(frac.get(..frac_len).unwrap_or_default())?;
    }
    Ok(())
}
