//! Solana's compact-u16 ("shortvec") length prefix: 1 to 3 bytes, 7 bits per byte, low bits
//! first, the high bit set on every byte but the last (Solana transaction format).
//!
//! Decoding is canonical, as the Solana runtime's `decode_shortu16_len` is: the shortest
//! encoding only (no trailing `0x00` continuation byte), and at most `0xffff`.

use crate::error::BufferTooSmall;
use crate::writer::Writer;

/// Why a compact-u16 could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CompactU16Error {
    /// The input ended inside the value.
    Truncated,
    /// The value is not in its shortest encoding.
    NonCanonical,
    /// The value needs more than 16 bits.
    Overflow,
}

/// Decodes a compact-u16 at the start of `input`; returns the value and the bytes it used.
///
/// ```
/// use pay402::svm::compact_u16::{decode, CompactU16Error};
/// assert_eq!(decode(&[0x05]), Ok((5, 1)));
/// assert_eq!(decode(&[0x80, 0x01]), Ok((128, 2)));
/// assert_eq!(decode(&[0xff, 0xff, 0x03]), Ok((0xffff, 3)));
/// assert_eq!(decode(&[0x80, 0x00]), Err(CompactU16Error::NonCanonical));
/// ```
pub fn decode(input: &[u8]) -> Result<(u16, usize), CompactU16Error> {
    let mut value: u32 = 0;
    for (i, shift) in [0u32, 7, 14].into_iter().enumerate() {
        let byte = *input.get(i).ok_or(CompactU16Error::Truncated)?;
        let bits = u32::from(byte & 0x7f);
        // A continuation byte that adds nothing (`0x80 0x00`) is an alias of a shorter form.
        if i > 0 && byte == 0 {
            return Err(CompactU16Error::NonCanonical);
        }
        value |= bits << shift;
        if byte & 0x80 == 0 {
            let value = u16::try_from(value).map_err(|_| CompactU16Error::Overflow)?;
            return Ok((value, i.saturating_add(1)));
        }
    }
    Err(CompactU16Error::Overflow)
}

/// Appends the compact-u16 encoding of `value` to `w`.
///
/// ```
/// use pay402::writer::Writer;
/// let mut buf = [0u8; 3];
/// let mut w = Writer::new(&mut buf);
/// pay402::svm::compact_u16::write(&mut w, 300).unwrap();
/// assert_eq!(w.written(), &[0xac, 0x02]);
/// ```
pub fn write(w: &mut Writer<'_>, value: u16) -> Result<(), BufferTooSmall> {
    let mut rest = value;
    loop {
        let low = u8::try_from(rest & 0x7f).unwrap_or_default();
        rest >>= 7;
        if rest == 0 {
            return w.push_byte(low);
        }
        w.push_byte(low | 0x80)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected encodings from the Solana SDK's `short_vec` tests (solana-short-vec).
    const KNOWN: [(u16, &[u8]); 8] = [
        (0x0, &[0x0]),
        (0x7f, &[0x7f]),
        (0x80, &[0x80, 0x01]),
        (0xff, &[0xff, 0x01]),
        (0x100, &[0x80, 0x02]),
        (0x7fff, &[0xff, 0xff, 0x01]),
        (0x3fff, &[0xff, 0x7f]),
        (0xffff, &[0xff, 0xff, 0x03]),
    ];

    #[test]
    fn encodes_and_decodes_the_sdk_examples() {
        for (value, bytes) in KNOWN {
            let mut buf = [0u8; 3];
            let mut w = Writer::new(&mut buf);
            write(&mut w, value).unwrap();
            assert_eq!(w.written(), bytes, "{value:#x}");
            assert_eq!(decode(bytes), Ok((value, bytes.len())));
        }
    }

    #[test]
    fn rejects_aliases_overflow_and_truncation() {
        assert_eq!(decode(&[0x80, 0x00]), Err(CompactU16Error::NonCanonical));
        assert_eq!(
            decode(&[0xff, 0x80, 0x00]),
            Err(CompactU16Error::NonCanonical)
        );
        assert_eq!(decode(&[0x80, 0x80, 0x04]), Err(CompactU16Error::Overflow));
        assert_eq!(decode(&[0xff, 0xff, 0x83]), Err(CompactU16Error::Overflow));
        assert_eq!(decode(&[0x80]), Err(CompactU16Error::Truncated));
        assert_eq!(decode(&[]), Err(CompactU16Error::Truncated));
    }
}
