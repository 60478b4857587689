//! Decimal amount text converted exactly to atomic units: the one conversion every price in
//! the crate goes through (a dialect's `amount=0.01`, a seller's `"$0.01"` offer price). Exact
//! decimals, never floats; digits below the asset's smallest unit are refused, never rounded.

use crate::u256::U256;

/// The most decimals an asset may have here (10⁷⁷ < 2²⁵⁶ < 10⁷⁸).
pub(crate) const MAX_DECIMALS: u8 = 77;

/// Why a decimal amount text was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DecimalIssue {
    /// Not `<digits>[.<digits>]` (a sign, an exponent, a space, an empty part), more than
    /// [`MAX_DECIMALS`] decimals, or a value above 2²⁵⁶ − 1.
    Malformed,
    /// Non-zero digits below the smallest unit.
    SubUnit,
}

fn push_digit(acc: U256, d: u8) -> Result<U256, DecimalIssue> {
    acc.checked_mul(U256::from_u64(10))
        .and_then(|v| v.checked_add(U256::from_u64(u64::from(d))))
        .ok_or(DecimalIssue::Malformed)
}

/// Converts `"<digits>[.<digits>]"` to atomic units of an asset with `decimals` decimals,
/// exactly. Trailing zeros below the unit are fine; other digits there are
/// [`DecimalIssue::SubUnit`].
pub(crate) fn to_atomic(text: &str, decimals: u8) -> Result<U256, DecimalIssue> {
    if decimals > MAX_DECIMALS {
        return Err(DecimalIssue::Malformed);
    }
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text, None),
    };
    let is_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !is_digits(int) || frac.is_some_and(|f| !is_digits(f)) {
        return Err(DecimalIssue::Malformed);
    }
    let mut acc = U256::ZERO;
    for d in int.bytes() {
        acc = push_digit(acc, d - b'0')?;
    }
    let frac = frac.unwrap_or("").as_bytes();
    let mut used = 0u8;
    for &d in frac {
        if used < decimals {
            acc = push_digit(acc, d - b'0')?;
            used += 1;
        } else if d != b'0' {
            return Err(DecimalIssue::SubUnit);
        }
    }
    while used < decimals {
        acc = push_digit(acc, 0)?;
        used += 1;
    }
    Ok(acc)
}
