//! [`U256`]: the 256-bit unsigned integer of EVM amounts, timestamps and nonces.
//!
//! x402 carries `value`, `validAfter`, `validBefore` (EIP-3009; x402 `exact` EVM scheme) and the
//! Permit2 `nonce` and `deadline` (x402 `exact` EVM scheme, Permit2) as decimal strings of Solidity
//! `uint256` values. [`U256::parse_decimal`] accepts exactly ASCII digits (no sign, space, `.`,
//! exponent or `_`), so that a value that parses here means the same number on chain. Arithmetic is
//! checked: nothing wraps or panics.
//!
//! ```
//! use pay402::u256::{LeadingZeros, U256};
//! let value = U256::parse_decimal(b"10000", LeadingZeros::Reject)?;
//! assert_eq!(value.to_u64(), Some(10_000));
//! let mut buf = [0u8; 78];
//! assert_eq!(U256::MAX.to_decimal(&mut buf).len(), 78);
//! # Ok::<(), pay402::u256::U256Error>(())
//! ```

use crate::error::{BufferTooSmall, ErrorCode};
use crate::writer::Writer;

/// An unsigned 256-bit integer.
///
/// Stored as four 64-bit limbs, most significant first, so the derived `Ord` is numeric order.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Debug)]
pub struct U256([u64; 4]);

/// Whether [`U256::parse_decimal`] accepts superfluous leading zeros (`"007"`).
///
/// `"0"` itself is always accepted.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
#[non_exhaustive]
pub enum LeadingZeros {
    /// Accept `"007"` as 7 (what `BigInt("007")` and Solidity tooling do).
    #[default]
    Allow,
    /// Reject `"007"`: one canonical spelling per number.
    Reject,
}

/// Why a string is not a `uint256`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum U256Error {
    /// The input has no digits.
    Empty,
    /// The byte at `index` (counted in the whole input, prefix included) is not an allowed digit.
    InvalidDigit {
        /// Position of the offending byte.
        index: usize,
    },
    /// A leading zero was given while [`LeadingZeros::Reject`] was in force.
    LeadingZero,
    /// The number does not fit in 256 bits.
    Overflow,
}

impl core::fmt::Display for U256Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Empty => f.write_str("uint256 value has no digits"),
            Self::InvalidDigit { index } => write!(f, "invalid uint256 digit at index {index}"),
            Self::LeadingZero => f.write_str("uint256 value has a leading zero"),
            Self::Overflow => f.write_str("value does not fit in a uint256"),
        }
    }
}

impl core::error::Error for U256Error {}

impl ErrorCode for U256Error {
    fn code(&self) -> &'static str {
        match self {
            Self::Empty => "u256_empty",
            Self::InvalidDigit { .. } => "u256_invalid_digit",
            Self::LeadingZero => "u256_leading_zero",
            Self::Overflow => "u256_overflow",
        }
    }
}

/// The low 64 bits of `x`; the truncation is the point.
#[allow(clippy::cast_possible_truncation)]
const fn low64(x: u128) -> u64 {
    x as u64
}

/// The largest power of ten that fits in a `u64`, and its exponent.
const TEN_POW_19: u64 = 10_000_000_000_000_000_000;

impl U256 {
    /// 0.
    pub const ZERO: Self = Self([0; 4]);
    /// 1.
    pub const ONE: Self = Self([0, 0, 0, 1]);
    /// 2²⁵⁶ − 1.
    pub const MAX: Self = Self([u64::MAX; 4]);

    /// The value `v`.
    pub const fn from_u64(v: u64) -> Self {
        Self([0, 0, 0, v])
    }

    /// The value `v`.
    pub const fn from_u128(v: u128) -> Self {
        Self([0, 0, low64(v >> 64), low64(v)])
    }

    /// The number whose 32-byte big-endian encoding (the ABI encoding of `uint256`) is `bytes`.
    pub fn from_be_bytes(bytes: [u8; 32]) -> Self {
        let mut limbs = [0u64; 4];
        for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            *limb = u64::from_be_bytes(word);
        }
        Self(limbs)
    }

    /// The 32-byte big-endian encoding (the ABI encoding of `uint256`, EIP-712 `uint256`).
    pub fn to_be_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (chunk, limb) in out.chunks_exact_mut(8).zip(self.0) {
            chunk.copy_from_slice(&limb.to_be_bytes());
        }
        out
    }

    /// The value as a `u64`, or `None` if it is larger.
    pub fn to_u64(&self) -> Option<u64> {
        match self.0 {
            [0, 0, 0, v] => Some(v),
            _ => None,
        }
    }

    /// The value as a `u128`, or `None` if it is larger.
    pub fn to_u128(&self) -> Option<u128> {
        match self.0 {
            [0, 0, hi, lo] => Some((u128::from(hi) << 64) | u128::from(lo)),
            _ => None,
        }
    }

    /// `true` for 0.
    pub fn is_zero(&self) -> bool {
        self.0 == [0; 4]
    }

    /// `self + rhs`, or `None` on overflow.
    pub fn checked_add(self, rhs: Self) -> Option<Self> {
        let mut out = [0u64; 4];
        let mut carry = false;
        for ((o, a), b) in out.iter_mut().zip(self.0).zip(rhs.0).rev() {
            let (sum, c1) = a.overflowing_add(b);
            let (sum, c2) = sum.overflowing_add(u64::from(carry));
            *o = sum;
            carry = c1 || c2;
        }
        (!carry).then_some(Self(out))
    }

    /// `self - rhs`, or `None` when `rhs > self`.
    pub fn checked_sub(self, rhs: Self) -> Option<Self> {
        let mut out = [0u64; 4];
        let mut borrow = false;
        for ((o, a), b) in out.iter_mut().zip(self.0).zip(rhs.0).rev() {
            let (diff, b1) = a.overflowing_sub(b);
            let (diff, b2) = diff.overflowing_sub(u64::from(borrow));
            *o = diff;
            borrow = b1 || b2;
        }
        (!borrow).then_some(Self(out))
    }

    /// `self * rhs`, or `None` on overflow.
    pub fn checked_mul(self, rhs: Self) -> Option<Self> {
        // Schoolbook multiplication on little-endian limbs.
        let a = self.le_limbs();
        let b = rhs.le_limbs();
        let mut acc = [0u64; 4];
        for (i, &bi) in b.iter().enumerate() {
            if bi == 0 {
                continue;
            }
            let mut carry: u128 = 0;
            for (j, &aj) in a.iter().enumerate() {
                // aj * bi + acc + carry ≤ (2⁶⁴−1)² + 2(2⁶⁴−1) = 2¹²⁸ − 1: never overflows.
                let product = u128::from(aj) * u128::from(bi) + carry;
                match acc.get_mut(i.saturating_add(j)) {
                    Some(slot) => {
                        let t = product + u128::from(*slot);
                        *slot = low64(t);
                        carry = t >> 64;
                    }
                    None if product != 0 => return None,
                    None => carry = 0,
                }
            }
            if carry != 0 {
                return None;
            }
        }
        Some(Self::from_le_limbs(acc))
    }

    /// `self * rhs` for a small factor, or `None` on overflow.
    fn checked_mul_u64(self, rhs: u64) -> Option<Self> {
        let mut out = [0u64; 4];
        let mut carry: u128 = 0;
        for (o, a) in out.iter_mut().zip(self.0).rev() {
            let t = u128::from(a) * u128::from(rhs) + carry;
            *o = low64(t);
            carry = t >> 64;
        }
        (carry == 0).then_some(Self(out))
    }

    /// `(self / d, self % d)`, or `None` when `d == 0`.
    pub fn div_rem_u64(self, d: u64) -> Option<(Self, u64)> {
        if d == 0 {
            return None;
        }
        let divisor = u128::from(d);
        let mut quotient = [0u64; 4];
        let mut rem: u128 = 0;
        for (q, limb) in quotient.iter_mut().zip(self.0) {
            // rem < d, so the running value is below d · 2⁶⁴ and the quotient digit fits a u64.
            let cur = (rem << 64) | u128::from(limb);
            *q = low64(cur / divisor);
            rem = cur % divisor;
        }
        Some((Self(quotient), low64(rem)))
    }

    /// Parses a decimal `uint256`: one or more ASCII digits and nothing else.
    ///
    /// Checks, in order: [`U256Error::Empty`], [`U256Error::InvalidDigit`] (the first byte that is
    /// not `0-9`, so `+1`, `-1`, ` 1`, `1.0`, `1e3`, `1_000` all fail), [`U256Error::LeadingZero`]
    /// (only with [`LeadingZeros::Reject`]), [`U256Error::Overflow`] (above 2²⁵⁶ − 1).
    ///
    /// ```
    /// use pay402::u256::{LeadingZeros, U256, U256Error};
    /// assert_eq!(U256::parse_decimal(b"007", LeadingZeros::Allow), Ok(U256::from_u64(7)));
    /// assert_eq!(U256::parse_decimal(b"007", LeadingZeros::Reject), Err(U256Error::LeadingZero));
    /// assert_eq!(U256::parse_decimal(b"1e3", LeadingZeros::Allow), Err(U256Error::InvalidDigit { index: 1 }));
    /// ```
    pub fn parse_decimal(s: &[u8], leading_zeros: LeadingZeros) -> Result<Self, U256Error> {
        if s.is_empty() {
            return Err(U256Error::Empty);
        }
        if let Some(index) = s.iter().position(|c| !c.is_ascii_digit()) {
            return Err(U256Error::InvalidDigit { index });
        }
        if leading_zeros == LeadingZeros::Reject && s.len() > 1 && s.first() == Some(&b'0') {
            return Err(U256Error::LeadingZero);
        }
        // Up to 19 digits at a time (10¹⁹ − 1 < 2⁶⁴): value = value · 10^k + chunk. Every
        // intermediate value is a prefix of the number, so one overflows only if the number does.
        let mut value = Self::ZERO;
        for chunk in s.chunks(19) {
            let (digits, scale) = chunk.iter().fold((0u64, 1u64), |(n, scale), &c| {
                (
                    n.wrapping_mul(10)
                        .wrapping_add(u64::from(c.wrapping_sub(b'0'))),
                    scale.wrapping_mul(10),
                )
            });
            value = value
                .checked_mul_u64(scale)
                .and_then(|v| v.checked_add(Self::from_u64(digits)))
                .ok_or(U256Error::Overflow)?;
        }
        Ok(value)
    }

    /// Parses `0x` followed by 1 to 64 hex digits (any case; leading zeros allowed).
    ///
    /// A missing `0x` (or `0X`) is reported as [`U256Error::InvalidDigit`] at the first wrong
    /// byte; `"0x"` alone is [`U256Error::Empty`]; more than 64 digits is [`U256Error::Overflow`].
    ///
    /// ```
    /// use pay402::U256;
    /// assert_eq!(U256::parse_hex_prefixed(b"0x2710"), Ok(U256::from_u64(10_000)));
    /// ```
    pub fn parse_hex_prefixed(s: &[u8]) -> Result<Self, U256Error> {
        let digits = match s {
            [] => return Err(U256Error::Empty),
            [b'0', b'x', rest @ ..] => rest,
            [b'0', ..] => return Err(U256Error::InvalidDigit { index: 1 }),
            [_, ..] => return Err(U256Error::InvalidDigit { index: 0 }),
        };
        if digits.is_empty() {
            return Err(U256Error::Empty);
        }
        let mut values = [0u8; 64];
        for (i, (&c, v)) in digits.iter().zip(values.iter_mut()).enumerate() {
            *v = crate::hex::digit_value(c).ok_or(U256Error::InvalidDigit {
                index: i.saturating_add(2),
            })?;
        }
        if digits.len() > 64 {
            // Report a bad character beyond the 64th digit before the overflow.
            if let Some(i) = digits
                .iter()
                .skip(64)
                .position(|&c| crate::hex::digit_value(c).is_none())
            {
                return Err(U256Error::InvalidDigit {
                    index: i.saturating_add(66),
                });
            }
            return Err(U256Error::Overflow);
        }
        let used = values.get(..digits.len()).unwrap_or_default();
        let mut limbs = [0u64; 4];
        // Digits fill the number from its least significant end.
        for (k, &v) in used.iter().rev().enumerate() {
            let limb_from_low = k / 16;
            let shift = (k % 16) * 4;
            if let Some(limb) = limbs.get_mut(3usize.saturating_sub(limb_from_low)) {
                *limb |= u64::from(v) << shift;
            }
        }
        Ok(Self(limbs))
    }

    /// Writes the value in decimal (no leading zeros; `0` for zero), all of it or nothing.
    pub fn write_decimal(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        let mut buf = [0u8; 78];
        w.push_str(self.to_decimal(&mut buf))
    }

    /// Renders the value in decimal into `buf` (2²⁵⁶ − 1 has 78 digits) and returns the digits.
    pub fn to_decimal<'b>(&self, buf: &'b mut [u8; 78]) -> &'b str {
        let mut start = buf.len();
        let mut rest = *self;
        // Peel off 19 decimal digits at a time; every chunk but the most significant is padded.
        while let Some((quotient, mut chunk)) = rest.div_rem_u64(TEN_POW_19) {
            rest = quotient;
            let mut written = 0;
            while let Some(i) = start.checked_sub(1) {
                if let Some(slot) = buf.get_mut(i) {
                    *slot = b'0' + u8::try_from(chunk % 10).unwrap_or(0);
                }
                start = i;
                chunk /= 10;
                written += 1;
                if chunk == 0 && (rest.is_zero() || written == 19) {
                    break;
                }
            }
            if rest.is_zero() {
                break;
            }
        }
        let digits = buf.get(start..).unwrap_or_default();
        // Only ASCII digits were written, so this never falls back.
        core::str::from_utf8(digits).unwrap_or_default()
    }

    fn le_limbs(self) -> [u64; 4] {
        let [a, b, c, d] = self.0;
        [d, c, b, a]
    }

    fn from_le_limbs(limbs: [u64; 4]) -> Self {
        let [a, b, c, d] = limbs;
        Self([d, c, b, a])
    }
}

impl core::fmt::Display for U256 {
    /// Decimal, as in x402 JSON amounts.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut buf = [0u8; 78];
        f.pad_integral(true, "", self.to_decimal(&mut buf))
    }
}

impl From<u64> for U256 {
    fn from(v: u64) -> Self {
        Self::from_u64(v)
    }
}

impl From<u128> for U256 {
    fn from(v: u128) -> Self {
        Self::from_u128(v)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// 2²⁵⁶ − 1 in decimal (78 digits).
    const MAX_DEC: &[u8] =
        b"115792089237316195423570985008687907853269984665640564039457584007913129639935";
    /// 2²⁵⁶ in decimal.
    const TWO_POW_256_DEC: &[u8] =
        b"115792089237316195423570985008687907853269984665640564039457584007913129639936";

    fn dec(s: &str) -> U256 {
        U256::parse_decimal(s.as_bytes(), LeadingZeros::Allow).unwrap()
    }

    fn decimal(v: U256) -> heapless::String<78> {
        let mut buf = [0u8; 78];
        let mut s = heapless::String::new();
        s.push_str(v.to_decimal(&mut buf)).unwrap();
        s
    }

    #[test]
    fn parses_zero_and_small_values() {
        assert_eq!(dec("0"), U256::ZERO);
        assert_eq!(dec("1"), U256::ONE);
        assert_eq!(dec("10000").to_u64(), Some(10_000));
        assert_eq!(
            U256::parse_decimal(b"0", LeadingZeros::Reject),
            Ok(U256::ZERO)
        );
    }

    #[test]
    fn leading_zeros_follow_the_policy() {
        assert_eq!(dec("007").to_u64(), Some(7));
        assert_eq!(dec("000").to_u64(), Some(0));
        for s in [&b"007"[..], b"00", b"01"] {
            let e = U256::parse_decimal(s, LeadingZeros::Reject).unwrap_err();
            assert_eq!(e, U256Error::LeadingZero);
            assert_eq!(e.code(), "u256_leading_zero");
        }
    }

    #[test]
    fn parses_max_and_rejects_two_pow_256() {
        assert_eq!(
            U256::parse_decimal(MAX_DEC, LeadingZeros::Reject),
            Ok(U256::MAX)
        );
        let e = U256::parse_decimal(TWO_POW_256_DEC, LeadingZeros::Reject).unwrap_err();
        assert_eq!(e, U256Error::Overflow);
        assert_eq!(e.code(), "u256_overflow");
        // Leading zeros do not count towards overflow.
        let mut padded = [b'0'; 100];
        padded[100 - MAX_DEC.len()..].copy_from_slice(MAX_DEC);
        assert_eq!(
            U256::parse_decimal(&padded, LeadingZeros::Allow),
            Ok(U256::MAX)
        );
    }

    #[test]
    fn rejects_everything_but_ascii_digits() {
        let cases: [(&[u8], usize); 9] = [
            (b"+1", 0),
            (b"-1", 0),
            (b" 1", 0),
            (b"1 ", 1),
            (b"1e3", 1),
            (b"1.0", 1),
            (b"1_000", 1),
            (b"0x10", 1),
            ("１".as_bytes(), 0),
        ];
        for (s, index) in cases {
            let e = U256::parse_decimal(s, LeadingZeros::Allow).unwrap_err();
            assert_eq!(e, U256Error::InvalidDigit { index }, "{s:?}");
            assert_eq!(e.code(), "u256_invalid_digit");
        }
    }

    #[test]
    fn rejects_empty_input() {
        let e = U256::parse_decimal(b"", LeadingZeros::Allow).unwrap_err();
        assert_eq!(e, U256Error::Empty);
        assert_eq!(e.code(), "u256_empty");
        assert_eq!(U256::parse_hex_prefixed(b""), Err(U256Error::Empty));
        assert_eq!(U256::parse_hex_prefixed(b"0x"), Err(U256Error::Empty));
    }

    #[test]
    fn parses_prefixed_hex() {
        assert_eq!(U256::parse_hex_prefixed(b"0x0"), Ok(U256::ZERO));
        assert_eq!(
            U256::parse_hex_prefixed(b"0xDeadBeef").unwrap().to_u64(),
            Some(0xdead_beef)
        );
        assert_eq!(
            U256::parse_hex_prefixed(b"0x10000000000000000").unwrap(),
            U256::from_u128(1 << 64)
        );
        let mut max = [b'f'; 66];
        max[..2].copy_from_slice(b"0x");
        assert_eq!(U256::parse_hex_prefixed(&max), Ok(U256::MAX));
        let mut too_long = [b'0'; 67];
        too_long[..2].copy_from_slice(b"0x");
        assert_eq!(
            U256::parse_hex_prefixed(&too_long),
            Err(U256Error::Overflow)
        );
    }

    #[test]
    fn rejects_bad_hex() {
        assert_eq!(
            U256::parse_hex_prefixed(b"10"),
            Err(U256Error::InvalidDigit { index: 0 })
        );
        assert_eq!(
            U256::parse_hex_prefixed(b"0X10"),
            Err(U256Error::InvalidDigit { index: 1 })
        );
        assert_eq!(
            U256::parse_hex_prefixed(b"x10"),
            Err(U256Error::InvalidDigit { index: 0 })
        );
        assert_eq!(
            U256::parse_hex_prefixed(b"0x1g"),
            Err(U256Error::InvalidDigit { index: 3 })
        );
    }

    #[test]
    fn formats_max_as_78_digits() {
        let s = decimal(U256::MAX);
        assert_eq!(s.as_bytes(), MAX_DEC);
        assert_eq!(s.len(), 78);
        assert_eq!(decimal(U256::ZERO), "0");
        assert_eq!(
            decimal(U256::from_u64(10_000_000_000_000_000_000)),
            "10000000000000000000"
        );
        assert_eq!(decimal(U256::from_u64(u64::MAX)), "18446744073709551615");
        assert_eq!(
            decimal(U256::from_u128(u128::MAX)),
            "340282366920938463463374607431768211455"
        );
    }

    #[test]
    fn display_and_writer_agree_with_to_decimal() {
        use core::fmt::Write as _;
        let mut buf = [0u8; 90];
        let mut w = Writer::new(&mut buf);
        write!(w, "{}", U256::from_u64(1_740_672_089)).unwrap();
        U256::from_u64(5).write_decimal(&mut w).unwrap();
        assert_eq!(w.written(), b"17406720895");
        let mut small = [0u8; 77];
        assert_eq!(
            U256::MAX.write_decimal(&mut Writer::new(&mut small)),
            Err(BufferTooSmall)
        );
    }

    #[test]
    fn round_trips_big_endian_bytes() {
        let mut bytes = [0u8; 32];
        bytes[31] = 0x10;
        bytes[30] = 0x27; // 0x2710 = 10000
        assert_eq!(U256::from_be_bytes(bytes).to_u64(), Some(10_000));
        assert_eq!(U256::from_u64(10_000).to_be_bytes(), bytes);
        assert_eq!(U256::MAX.to_be_bytes(), [0xff; 32]);
        bytes[0] = 1;
        assert_eq!(U256::from_be_bytes(bytes).to_u128(), None);
    }

    #[test]
    fn checked_add_and_sub_detect_overflow() {
        assert_eq!(U256::MAX.checked_add(U256::ONE), None);
        assert_eq!(U256::ZERO.checked_sub(U256::ONE), None);
        // Carry across every limb: (2¹⁹² − 1) + 1 = 2¹⁹².
        let low_three = dec("6277101735386680763835789423207666416102355444464034512895");
        let two_192 = dec("6277101735386680763835789423207666416102355444464034512896");
        assert_eq!(low_three.checked_add(U256::ONE), Some(two_192));
        assert_eq!(two_192.checked_sub(U256::ONE), Some(low_three));
        assert_eq!(U256::MAX.checked_sub(U256::MAX), Some(U256::ZERO));
    }

    #[test]
    fn checked_mul_detects_overflow() {
        // (2¹²⁸ − 1)² = 2²⁵⁶ − 2¹²⁹ + 1 fits.
        let m = U256::from_u128(u128::MAX);
        assert_eq!(
            m.checked_mul(m),
            Some(dec(
                "115792089237316195423570985008687907852589419931798687112530834793049593217025"
            ))
        );
        // 2¹²⁸ · 2¹²⁸ = 2²⁵⁶ does not.
        let two_128 = dec("340282366920938463463374607431768211456");
        assert_eq!(two_128.checked_mul(two_128), None);
        assert_eq!(U256::MAX.checked_mul(U256::ONE), Some(U256::MAX));
        assert_eq!(U256::MAX.checked_mul(U256::ZERO), Some(U256::ZERO));
        assert_eq!(U256::MAX.checked_mul(U256::from_u64(2)), None);
        assert_eq!(
            dec("1000000").checked_mul(dec("1740672154")),
            Some(dec("1740672154000000"))
        );
    }

    #[test]
    fn div_rem_u64_divides_and_refuses_zero() {
        assert_eq!(U256::ONE.div_rem_u64(0), None);
        assert_eq!(
            U256::MAX.div_rem_u64(10),
            Some((
                dec(
                    "11579208923731619542357098500868790785326998466564056403945758400791312963993"
                ),
                5
            ))
        );
        assert_eq!(
            U256::from_u64(10_000).div_rem_u64(3),
            Some((U256::from_u64(3333), 1))
        );
    }

    #[test]
    fn ordering_is_numeric_across_limbs() {
        let two_64 = U256::from_u128(1 << 64);
        let below = U256::from_u64(u64::MAX);
        assert!(below < two_64);
        assert!(U256::from_u128(u128::MAX) < dec("340282366920938463463374607431768211456"));
        assert!(U256::ZERO < U256::ONE);
        assert!(U256::MAX > dec("6277101735386680763835789423207666416102355444464034512896"));
        assert_eq!(below.max(two_64), two_64);
    }
}
