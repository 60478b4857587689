//! JSON numbers: the RFC 8259 §6 grammar and exact decimal equality.
//!
//! ```text
//! number = [ "-" ] int [ frac ] [ exp ]
//! int    = "0" / ( digit1-9 *DIGIT )
//! frac   = "." 1*DIGIT
//! exp    = ( "e" / "E" ) [ "-" / "+" ] 1*DIGIT
//! ```

use super::error::{JsonError, JsonErrorKind};

/// Scans the number that starts at `start` and returns the offset just past it.
///
/// A number must be followed by a delimiter; a letter, digit, `.`, `+` or `-` directly after
/// a complete number (`01`, `0x1`, `1.5.2`, `1e5e`) is an [`JsonErrorKind::InvalidNumber`]
/// at that byte, so every malformed number reports the same kind.
pub(crate) fn scan_number(bytes: &[u8], start: usize) -> Result<usize, JsonError> {
    let invalid = |at: usize| JsonError::new(JsonErrorKind::InvalidNumber, at);
    let at = |i: usize| bytes.get(i).copied();
    let digits_from = |mut i: usize| {
        while at(i).is_some_and(|b| b.is_ascii_digit()) {
            i = i.saturating_add(1);
        }
        i
    };

    let mut i = start;
    if at(i) == Some(b'-') {
        i = i.saturating_add(1);
    }
    match at(i) {
        Some(b'0') => i = i.saturating_add(1),
        Some(b'1'..=b'9') => i = digits_from(i),
        _ => return Err(invalid(i)),
    }
    if at(i) == Some(b'.') {
        let first = i.saturating_add(1);
        i = digits_from(first);
        if i == first {
            return Err(invalid(i));
        }
    }
    if matches!(at(i), Some(b'e' | b'E')) {
        i = i.saturating_add(1);
        if matches!(at(i), Some(b'+' | b'-')) {
            i = i.saturating_add(1);
        }
        let first = i;
        i = digits_from(first);
        if i == first {
            return Err(invalid(i));
        }
    }
    match at(i) {
        Some(b) if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-') => Err(invalid(i)),
        _ => Ok(i),
    }
}

/// The parts of a number text that [`scan_number`] accepted.
struct Parts<'a> {
    negative: bool,
    int: &'a [u8],
    frac: &'a [u8],
    exp_negative: bool,
    exp: &'a [u8],
}

fn split(text: &str) -> Parts<'_> {
    let bytes = text.as_bytes();
    let (negative, rest) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    let mantissa_end = rest
        .iter()
        .position(|b| matches!(b, b'e' | b'E'))
        .unwrap_or(rest.len());
    let (mantissa, exp_part) = rest.split_at_checked(mantissa_end).unwrap_or((rest, &[]));
    let exp_part = exp_part.get(1..).unwrap_or_default();
    let (exp_negative, exp) = match exp_part.split_first() {
        Some((b'-', digits)) => (true, digits),
        Some((b'+', digits)) => (false, digits),
        _ => (false, exp_part),
    };
    let (int, frac) = match mantissa.iter().position(|&b| b == b'.') {
        Some(dot) => (
            mantissa.get(..dot).unwrap_or_default(),
            mantissa.get(dot.saturating_add(1)..).unwrap_or_default(),
        ),
        None => (mantissa, &[][..]),
    };
    Parts {
        negative,
        int,
        frac,
        exp_negative,
        exp,
    }
}

/// The value `±0.d1d2…dn × 10^k` in a canonical form: significant digits without leading or
/// trailing zeros, and the exponent as a big decimal plus a small adjustment.
struct Canonical<'a> {
    parts: Parts<'a>,
    /// Number of significant digits (leading and trailing zeros of `int ++ frac` removed).
    significant: usize,
    /// Leading zeros of `int ++ frac` to skip before the significant digits.
    leading: usize,
    /// The value is `digits × 10^(exp + adjust)`.
    adjust: i128,
}

fn canonical(text: &str) -> Canonical<'_> {
    let parts = split(text);
    let all = || parts.int.iter().chain(parts.frac.iter());
    let total = parts.int.len().saturating_add(parts.frac.len());
    let leading = all().take_while(|&&b| b == b'0').count();
    let trailing = if leading == total {
        0
    } else {
        all().rev().take_while(|&&b| b == b'0').count()
    };
    let significant = total.saturating_sub(leading).saturating_sub(trailing);
    let to_i128 = |n: usize| i128::try_from(n).unwrap_or(i128::MAX);
    let adjust = to_i128(trailing).saturating_sub(to_i128(parts.frac.len()));
    Canonical {
        parts,
        significant,
        leading,
        adjust,
    }
}

impl<'a> Canonical<'a> {
    fn digits(&self) -> impl Iterator<Item = u8> + 'a {
        let parts = &self.parts;
        let (int, frac) = (parts.int, parts.frac);
        int.iter()
            .chain(frac.iter())
            .skip(self.leading)
            .take(self.significant)
            .copied()
    }
}

/// `true` when two number texts accepted by [`scan_number`] denote the same decimal value.
///
/// Exact: compares significant digits and exponents as decimal strings, so `1`, `1.0`,
/// `1e0` and `10e-1` are equal, `-0` equals `0`, and exponents of any length neither
/// overflow nor round.
pub(crate) fn numbers_equal(a: &str, b: &str) -> bool {
    let a = canonical(a);
    let b = canonical(b);
    if a.significant == 0 || b.significant == 0 {
        return a.significant == b.significant; // both zero, whatever the sign
    }
    if a.parts.negative != b.parts.negative || a.significant != b.significant {
        return false;
    }
    if !a.digits().eq(b.digits()) {
        return false;
    }
    // Same digits: equal when exp_a + adjust_a == exp_b + adjust_b, i.e.
    // sa·Ea − sb·Eb == adjust_b − adjust_a.
    let Some(target) = b.adjust.checked_sub(a.adjust) else {
        return false;
    };
    let (ea, eb) = (a.parts.exp, b.parts.exp);
    match (a.parts.exp_negative, b.parts.exp_negative) {
        // Ea − Eb == target  ⇔  Ea == Eb + target (or Eb == Ea − target).
        (false, false) => difference_is(ea, eb, target),
        // −Ea + Eb == target  ⇔  Eb − Ea == target.
        (true, true) => difference_is(eb, ea, target),
        // Ea + Eb == target.
        (false, true) => sum_is(ea, eb, target),
        // −Ea − Eb == target  ⇔  Ea + Eb == −target.
        (true, false) => target.checked_neg().is_some_and(|t| sum_is(ea, eb, t)),
    }
}

/// `x − y == target` for decimal digit strings `x`, `y`.
fn difference_is(x: &[u8], y: &[u8], target: i128) -> bool {
    if target >= 0 {
        equals_sum(x, y, target.unsigned_abs())
    } else {
        equals_sum(y, x, target.unsigned_abs())
    }
}

/// `x + y == target` for decimal digit strings `x`, `y`.
fn sum_is(x: &[u8], y: &[u8], target: i128) -> bool {
    let Ok(target) = u128::try_from(target) else {
        return false; // x + y is never negative
    };
    match (parse_u128(x), parse_u128(y)) {
        (Some(x), Some(y)) => x.checked_add(y) == Some(target),
        _ => false, // one of them alone exceeds any possible target
    }
}

fn parse_u128(digits: &[u8]) -> Option<u128> {
    digits.iter().try_fold(0u128, |acc, &d| {
        acc.checked_mul(10)?
            .checked_add(u128::from(d.wrapping_sub(b'0')))
    })
}

/// `a == b + t` for decimal digit strings `a`, `b` (leading zeros allowed) and a small `t`,
/// computed digit by digit from the least significant end without any big-number storage.
fn equals_sum(a: &[u8], b: &[u8], t: u128) -> bool {
    let digit_at = |s: &[u8], i: usize| -> u128 {
        s.len()
            .checked_sub(i.saturating_add(1))
            .and_then(|j| s.get(j))
            .map_or(0, |&d| u128::from(d.wrapping_sub(b'0')))
    };
    let mut rest = t;
    let mut carry = 0u128;
    let mut i = 0usize;
    while i < a.len() || i < b.len() || rest != 0 || carry != 0 {
        let sum = digit_at(b, i) + rest % 10 + carry; // at most 9 + 9 + 1
        rest /= 10;
        carry = sum / 10;
        if sum % 10 != digit_at(a, i) {
            return false;
        }
        i = i.saturating_add(1);
        if i == usize::MAX {
            return false;
        }
    }
    true
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly on purpose")]
mod tests {
    use super::*;

    fn kind_of(text: &str) -> Result<usize, JsonErrorKind> {
        scan_number(text.as_bytes(), 0).map_err(|e| e.kind())
    }

    #[test]
    fn accepts_rfc_8259_numbers() {
        for ok in [
            "0",
            "-0",
            "0.5",
            "-0.5",
            "1e+5",
            "1E-5",
            "1e5",
            "123",
            "12.340e10",
            "0e0",
        ] {
            assert_eq!(kind_of(ok), Ok(ok.len()), "{ok}");
        }
    }

    #[test]
    fn rejects_numbers_outside_the_rfc_8259_grammar() {
        for (bad, at) in [
            ("01", 1),
            ("+1", 0),
            (".5", 0),
            ("1.", 2),
            ("1e", 2),
            ("1e+", 3),
            ("0x1", 1),
            ("-", 1),
            ("-a", 1),
            ("1.5.2", 3),
            ("00", 1),
            ("-01", 2),
        ] {
            let err = scan_number(bad.as_bytes(), 0).unwrap_err();
            assert_eq!(err.kind(), JsonErrorKind::InvalidNumber, "{bad}");
            assert_eq!(err.offset(), at, "{bad}");
        }
    }

    #[test]
    fn equal_decimal_values_compare_equal_whatever_their_spelling() {
        for (a, b) in [
            ("1", "1.0"),
            ("1", "1e0"),
            ("1", "10e-1"),
            ("0.5", "5e-1"),
            ("-0", "0"),
            ("0", "0.000e99"),
            ("100", "1e2"),
            ("100", "1E+2"),
            ("1.25", "125e-2"),
            ("-3.0", "-0.3e1"),
            (
                "1e999999999999999999999999999999",
                "10e999999999999999999999999999998",
            ),
            (
                "1e-999999999999999999999999999999",
                "0.1e-999999999999999999999999999998",
            ),
            ("1e-1", "0.1e-0"),
            ("12e-1", "0.012e2"),
        ] {
            assert!(numbers_equal(a, b), "{a} == {b}");
            assert!(numbers_equal(b, a), "{b} == {a}");
        }
    }

    #[test]
    fn different_decimal_values_compare_unequal() {
        for (a, b) in [
            ("1", "2"),
            ("1", "-1"),
            ("1", "1e1"),
            ("1", "0.1"),
            ("10", "1"),
            (
                "1e999999999999999999999999999999",
                "1e999999999999999999999999999998",
            ),
            ("1e5", "1e-5"),
            ("1e1", "1e-1"),
            ("0", "1e-99999999999999999999999999999999999999999"),
            ("123", "1230e-2"),
        ] {
            assert!(!numbers_equal(a, b), "{a} != {b}");
            assert!(!numbers_equal(b, a), "{b} != {a}");
        }
    }
}
