//! Base16 ("hex") decoding and lowercase encoding, without allocation.
//!
//! Decoding accepts upper- and lowercase digits and requires an even number of digits. x402 writes
//! addresses, nonces, hashes and signatures as `0x` + hex (EIP-3009 typed data; x402 reference
//! client `exact/client/eip3009.ts`); [`strip_0x`] removes that prefix, which must be spelled with
//! a lowercase `x` as in the x402 schema regexes. Encoding always produces lowercase digits.
//!
//! ```
//! use pay402::hex;
//! let digits = hex::strip_0x(b"0x1cFF")?;
//! let bytes: [u8; 2] = hex::decode_array(digits)?;
//! assert_eq!(bytes, [0x1c, 0xff]);
//! let mut out = [0u8; 4];
//! assert_eq!(hex::encode_lower_into(&bytes, &mut out)?, "1cff");
//! # Ok::<(), pay402::hex::HexError>(())
//! ```

use crate::error::{BufferTooSmall, ErrorCode};
use crate::writer::Writer;

const LOWER_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Why hex input was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HexError {
    /// The byte at `index` (counted in the input given to the function) is not a hex digit.
    InvalidCharacter {
        /// Position of the offending byte.
        index: usize,
    },
    /// The number of hex digits is odd.
    OddLength,
    /// The input has `found` digits where exactly `expected` are required.
    WrongLength {
        /// Required number of hex digits.
        expected: usize,
        /// Number of hex digits given.
        found: usize,
    },
    /// The input does not start with `0x`.
    MissingPrefix,
    /// The output buffer cannot hold the decoded bytes.
    BufferTooSmall,
}

impl core::fmt::Display for HexError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::InvalidCharacter { index } => {
                write!(f, "invalid hex character at index {index}")
            }
            Self::OddLength => f.write_str("hex input has an odd number of digits"),
            Self::WrongLength { expected, found } => {
                write!(f, "expected {expected} hex digits, found {found}")
            }
            Self::MissingPrefix => f.write_str("hex input does not start with \"0x\""),
            Self::BufferTooSmall => {
                f.write_str("the output buffer is too small for the decoded bytes")
            }
        }
    }
}

impl core::error::Error for HexError {}

impl ErrorCode for HexError {
    fn code(&self) -> &'static str {
        match self {
            Self::InvalidCharacter { .. } => "hex_invalid_character",
            Self::OddLength => "hex_odd_length",
            Self::WrongLength { .. } => "hex_wrong_length",
            Self::MissingPrefix => "hex_missing_prefix",
            Self::BufferTooSmall => "buffer_too_small",
        }
    }
}

impl From<BufferTooSmall> for HexError {
    fn from(_: BufferTooSmall) -> Self {
        Self::BufferTooSmall
    }
}

/// The value of one hex digit (`0-9`, `a-f`, `A-F`), or `None`.
pub const fn digit_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Decodes pairs of digits into `out`, reporting positions relative to `hex`. `out` must have
/// room for `hex.len() / 2` bytes; `hex.len()` must be even (callers check).
fn decode_pairs(hex: &[u8], out: &mut [u8]) -> Result<(), HexError> {
    for (i, (pair, byte)) in hex.chunks_exact(2).zip(out.iter_mut()).enumerate() {
        let [hi, lo] = pair else {
            return Err(HexError::OddLength);
        };
        let at = i.saturating_mul(2);
        let hi = digit_value(*hi).ok_or(HexError::InvalidCharacter { index: at })?;
        let lo = digit_value(*lo).ok_or(HexError::InvalidCharacter {
            index: at.saturating_add(1),
        })?;
        *byte = (hi << 4) | lo;
    }
    Ok(())
}

/// Decodes `hex` (an even number of digits, any case, no prefix) into the front of `out` and
/// returns the decoded bytes.
///
/// Fails with [`HexError::OddLength`], [`HexError::BufferTooSmall`] (when `out` is shorter than
/// `hex.len() / 2`) or [`HexError::InvalidCharacter`]. On error `out` is left zeroed where it was
/// written.
///
/// ```
/// let mut out = [0u8; 8];
/// assert_eq!(pay402::hex::decode_into(b"00ffAb", &mut out)?, &[0x00, 0xff, 0xab]);
/// # Ok::<(), pay402::hex::HexError>(())
/// ```
pub fn decode_into<'o>(hex: &[u8], out: &'o mut [u8]) -> Result<&'o [u8], HexError> {
    if !hex.len().is_multiple_of(2) {
        return Err(HexError::OddLength);
    }
    let n = hex.len() / 2;
    let out = out.get_mut(..n).ok_or(HexError::BufferTooSmall)?;
    match decode_pairs(hex, out) {
        Ok(()) => Ok(out),
        Err(e) => {
            out.fill(0);
            Err(e)
        }
    }
}

/// Decodes exactly `2 * N` hex digits (any case, no prefix) into an array.
///
/// ```
/// let nonce: [u8; 2] = pay402::hex::decode_array(b"F374")?;
/// assert_eq!(nonce, [0xf3, 0x74]);
/// assert_eq!(
///     pay402::hex::decode_array::<2>(b"f3"),
///     Err(pay402::hex::HexError::WrongLength { expected: 4, found: 2 })
/// );
/// # Ok::<(), pay402::hex::HexError>(())
/// ```
pub fn decode_array<const N: usize>(hex: &[u8]) -> Result<[u8; N], HexError> {
    let expected = N.saturating_mul(2);
    if hex.len() != expected {
        return Err(HexError::WrongLength {
            expected,
            found: hex.len(),
        });
    }
    let mut out = [0u8; N];
    decode_pairs(hex, &mut out)?;
    Ok(out)
}

/// Returns the digits after a leading `0x` (lowercase `x`, as the x402 regexes `^0x…` require).
///
/// Fails with [`HexError::MissingPrefix`] otherwise, including for `0X`.
pub fn strip_0x(s: &[u8]) -> Result<&[u8], HexError> {
    s.strip_prefix(b"0x").ok_or(HexError::MissingPrefix)
}

/// Writes `bytes` as lowercase hex digits (two per byte, no prefix).
///
/// Writes all `2 * bytes.len()` digits or nothing.
pub fn write_lower(w: &mut Writer<'_>, bytes: &[u8]) -> Result<(), BufferTooSmall> {
    let n = bytes.len().checked_mul(2).ok_or(BufferTooSmall)?;
    let slot = w.reserve(n)?;
    fill_lower(bytes, slot);
    Ok(())
}

/// Writes `0x` followed by `bytes` as lowercase hex digits; all of it or nothing.
pub fn write_0x_lower(w: &mut Writer<'_>, bytes: &[u8]) -> Result<(), BufferTooSmall> {
    let n = bytes
        .len()
        .checked_mul(2)
        .and_then(|n| n.checked_add(2))
        .ok_or(BufferTooSmall)?;
    let slot = w.reserve(n)?;
    if let Some((prefix, digits)) = slot.split_at_mut_checked(2) {
        prefix.copy_from_slice(b"0x");
        fill_lower(bytes, digits);
    }
    Ok(())
}

/// Encodes `bytes` as lowercase hex into the front of `out` and returns the digits as text.
///
/// Fails when `out` is shorter than `2 * bytes.len()`.
pub fn encode_lower_into<'o>(bytes: &[u8], out: &'o mut [u8]) -> Result<&'o str, BufferTooSmall> {
    let n = bytes.len().checked_mul(2).ok_or(BufferTooSmall)?;
    let out = out.get_mut(..n).ok_or(BufferTooSmall)?;
    fill_lower(bytes, out);
    // Only ASCII hex digits were written, so this never falls back.
    Ok(core::str::from_utf8(out).unwrap_or_default())
}

/// Fills `out` (of length `2 * bytes.len()`) with the lowercase digits of `bytes`.
fn fill_lower(bytes: &[u8], out: &mut [u8]) {
    for (byte, pair) in bytes.iter().zip(out.chunks_exact_mut(2)) {
        if let [hi, lo] = pair {
            *hi = nibble_digit(byte >> 4);
            *lo = nibble_digit(byte & 0x0f);
        }
    }
}

/// The lowercase digit of a value below 16.
fn nibble_digit(nibble: u8) -> u8 {
    LOWER_DIGITS
        .get(usize::from(nibble & 0x0f))
        .copied()
        .unwrap_or(b'0')
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn decodes_mixed_case() {
        let mut out = [0u8; 4];
        assert_eq!(
            decode_into(b"DeadBEEF", &mut out).unwrap(),
            &[0xde, 0xad, 0xbe, 0xef]
        );
        assert_eq!(decode_into(b"", &mut out).unwrap(), &[] as &[u8]);
    }

    #[test]
    fn rejects_invalid_character_with_its_index() {
        let mut out = [0u8; 4];
        let e = decode_into(b"00g0", &mut out).unwrap_err();
        assert_eq!(e, HexError::InvalidCharacter { index: 2 });
        assert_eq!(e.code(), "hex_invalid_character");
        assert_eq!(
            decode_array::<2>(b"000x"),
            Err(HexError::InvalidCharacter { index: 3 })
        );
    }

    #[test]
    fn failed_decode_leaves_output_zeroed() {
        let mut out = [0u8; 4];
        assert!(decode_into(b"ffff zz", &mut out).is_err());
        assert!(decode_into(b"ffffzz", &mut out).is_err());
        assert_eq!(out, [0; 4]);
    }

    #[test]
    fn rejects_odd_length() {
        let mut out = [0u8; 4];
        let e = decode_into(b"abc", &mut out).unwrap_err();
        assert_eq!(e, HexError::OddLength);
        assert_eq!(e.code(), "hex_odd_length");
    }

    #[test]
    fn rejects_wrong_length_for_arrays() {
        let e = decode_array::<32>(b"abcd").unwrap_err();
        assert_eq!(
            e,
            HexError::WrongLength {
                expected: 64,
                found: 4
            }
        );
        assert_eq!(e.code(), "hex_wrong_length");
    }

    #[test]
    fn requires_lowercase_0x_prefix() {
        assert_eq!(strip_0x(b"0xab").unwrap(), b"ab");
        assert_eq!(strip_0x(b"0x").unwrap(), b"");
        for bad in [&b"0Xab"[..], b"ab", b"", b"0"] {
            let e = strip_0x(bad).unwrap_err();
            assert_eq!(e, HexError::MissingPrefix);
            assert_eq!(e.code(), "hex_missing_prefix");
        }
    }

    #[test]
    fn reports_small_output_buffer() {
        let mut out = [0u8; 1];
        let e = decode_into(b"abcd", &mut out).unwrap_err();
        assert_eq!(e, HexError::BufferTooSmall);
        assert_eq!(e.code(), "buffer_too_small");
        assert_eq!(
            encode_lower_into(&[1, 2], &mut [0u8; 3]),
            Err(BufferTooSmall)
        );
    }

    #[test]
    fn encodes_lowercase_with_and_without_prefix() {
        let mut buf = [0u8; 8];
        let mut w = Writer::new(&mut buf);
        write_0x_lower(&mut w, &[0xAB, 0x01]).unwrap();
        assert_eq!(w.written(), b"0xab01");
        assert_eq!(write_lower(&mut w, &[0xff, 0xff]), Err(BufferTooSmall));
        write_lower(&mut w, &[0xC0]).unwrap();
        assert_eq!(w.written(), b"0xab01c0");
    }

    #[test]
    fn every_error_has_a_message() {
        use core::fmt::Write as _;
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        write!(w, "{}", HexError::InvalidCharacter { index: 7 }).unwrap();
        assert_eq!(w.written(), b"invalid hex character at index 7");
    }
}
