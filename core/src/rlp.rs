//! Recursive Length Prefix (RLP), the serialization of Ethereum transactions (Ethereum Yellow
//! Paper, Appendix B, <https://ethereum.github.io/yellowpaper/paper.pdf>;
//! <https://ethereum.org/en/developers/docs/data-structures-and-encoding/rlp/>).
//!
//! Encoding writes into any [`Sink`] (a [`Writer`] over a caller buffer, a [`Counter`] that only
//! measures, or a hasher), so a transaction can be measured, hashed and written without a
//! buffer of its own. Integers are big-endian without leading zeros (0 is the empty string,
//! `0x80`). Decoding ([`decode`]) borrows from the input and accepts only the canonical form.
//!
//! ```
//! use pay402::rlp::{self, Item};
//! use pay402::writer::{write_all, Writer};
//!
//! // ["cat", "dog"] and the integer 1024, the Yellow Paper's examples.
//! let mut buf = [0u8; 16];
//! let n = write_all(&mut buf, |w: &mut Writer<'_>| {
//!     rlp::write_list_header(w, rlp::string_len(b"cat") + rlp::string_len(b"dog"))?;
//!     rlp::write_string(w, b"cat")?;
//!     rlp::write_string(w, b"dog")
//! })?;
//! assert_eq!(&buf[..n], b"\xc8\x83cat\x83dog");
//!
//! let mut buf = [0u8; 3];
//! let n = write_all(&mut buf, |w: &mut Writer<'_>| rlp::write_uint(w, &1024u64.to_be_bytes()))?;
//! assert_eq!(&buf[..n], b"\x82\x04\x00");
//!
//! let (item, rest) = rlp::decode(b"\xc8\x83cat\x83dog")?;
//! assert_eq!(item, Item::List(b"\x83cat\x83dog"));
//! assert!(rest.is_empty());
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use crate::error::{BufferTooSmall, ErrorCode};
use crate::writer::Writer;

/// Where encoded bytes go.
pub trait Sink {
    /// Appends `bytes` completely, or fails without appending.
    fn put(&mut self, bytes: &[u8]) -> Result<(), BufferTooSmall>;
}

impl Sink for Writer<'_> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), BufferTooSmall> {
        self.push(bytes)
    }
}

/// A sink that only counts bytes (saturating): the encoded length without encoding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counter(pub usize);

impl Sink for Counter {
    fn put(&mut self, bytes: &[u8]) -> Result<(), BufferTooSmall> {
        self.0 = self.0.saturating_add(bytes.len());
        Ok(())
    }
}

/// `bytes` without its leading zero bytes: the RLP form of a big-endian integer.
pub fn trim_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes.get(first..).unwrap_or_default()
}

/// Number of bytes of `n` in big-endian form without leading zeros (0 for `n == 0`).
fn be_len(n: usize) -> usize {
    let mut len = 0;
    let mut rest = n;
    while rest != 0 {
        len += 1;
        rest >>= 8;
    }
    len
}

/// The length of a string or list header whose payload has `payload_len` bytes, given whether
/// the payload is a single byte below `0x80` (a string encoded as itself).
fn header_len(payload_len: usize) -> usize {
    if payload_len <= 55 {
        1
    } else {
        1 + be_len(payload_len)
    }
}

/// The encoded length of the byte string `bytes`.
pub fn string_len(bytes: &[u8]) -> usize {
    match bytes {
        [b] if *b < 0x80 => 1,
        _ => header_len(bytes.len()).saturating_add(bytes.len()),
    }
}

/// The encoded length of the big-endian integer `be` (leading zeros are dropped).
pub fn uint_len(be: &[u8]) -> usize {
    string_len(trim_leading_zeros(be))
}

/// The encoded length of a list whose items encode to `payload_len` bytes in total.
pub fn list_len(payload_len: usize) -> usize {
    header_len(payload_len).saturating_add(payload_len)
}

fn write_header<S: Sink + ?Sized>(
    sink: &mut S,
    short: u8,
    payload_len: usize,
) -> Result<(), BufferTooSmall> {
    if let Ok(small) = u8::try_from(payload_len)
        && small <= 55
    {
        // The sum stays below `short + 56`.
        return sink.put(&[short.wrapping_add(small)]);
    }
    let be = u64::try_from(payload_len).unwrap_or(u64::MAX).to_be_bytes();
    let size = be_len(payload_len).min(8);
    let mut header = [0u8; 9];
    // `size <= 8`: a usize has at most 8 bytes.
    header[0] = short
        .wrapping_add(55)
        .wrapping_add(u8::try_from(size).unwrap_or(8));
    let digits = be.get(8 - size..).unwrap_or_default();
    let slot = header.get_mut(1..=size).ok_or(BufferTooSmall)?;
    slot.copy_from_slice(digits);
    sink.put(header.get(..=size).ok_or(BufferTooSmall)?)
}

/// Writes the byte string `bytes`.
pub fn write_string<S: Sink + ?Sized>(sink: &mut S, bytes: &[u8]) -> Result<(), BufferTooSmall> {
    match bytes {
        [b] if *b < 0x80 => sink.put(bytes),
        _ => {
            write_header(sink, 0x80, bytes.len())?;
            sink.put(bytes)
        }
    }
}

/// Writes the big-endian integer `be` without its leading zeros (0 is `0x80`).
pub fn write_uint<S: Sink + ?Sized>(sink: &mut S, be: &[u8]) -> Result<(), BufferTooSmall> {
    write_string(sink, trim_leading_zeros(be))
}

/// Writes the header of a list whose items encode to `payload_len` bytes; the caller writes the
/// items next.
pub fn write_list_header<S: Sink + ?Sized>(
    sink: &mut S,
    payload_len: usize,
) -> Result<(), BufferTooSmall> {
    write_header(sink, 0xc0, payload_len)
}

/// One decoded RLP item, borrowed from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item<'a> {
    /// A byte string.
    String(&'a [u8]),
    /// A list: the concatenated encodings of its items (decode them with [`decode`] in turn).
    List(&'a [u8]),
}

/// Why bytes are not one canonical RLP item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RlpError {
    /// The input ends before the item does.
    Truncated,
    /// A length or a single byte is not in its shortest form (a long header for a short
    /// payload, a length with a leading zero, or `0x81 b` with `b < 0x80`).
    NonCanonical,
    /// A length does not fit in this platform's `usize`.
    LengthOverflow,
}

impl core::fmt::Display for RlpError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Truncated => "RLP input ends inside an item",
            Self::NonCanonical => "RLP item is not in canonical (shortest) form",
            Self::LengthOverflow => "RLP length does not fit in memory",
        })
    }
}

impl core::error::Error for RlpError {}

impl ErrorCode for RlpError {
    fn code(&self) -> &'static str {
        match self {
            Self::Truncated => "rlp_truncated",
            Self::NonCanonical => "rlp_non_canonical",
            Self::LengthOverflow => "rlp_length_overflow",
        }
    }
}

/// Reads a long-form length of `size` bytes from the start of `input`.
fn long_len(input: &[u8], size: usize) -> Result<usize, RlpError> {
    let digits = input.get(..size).ok_or(RlpError::Truncated)?;
    if digits.first() == Some(&0) {
        return Err(RlpError::NonCanonical);
    }
    let mut n: usize = 0;
    for d in digits {
        n = n
            .checked_mul(256)
            .and_then(|n| n.checked_add(usize::from(*d)))
            .ok_or(RlpError::LengthOverflow)?;
    }
    if n <= 55 {
        return Err(RlpError::NonCanonical);
    }
    Ok(n)
}

/// Decodes the first item of `input`; returns it and the bytes after it. Only canonical
/// encodings are accepted (as Ethereum clients require of transactions).
pub fn decode(input: &[u8]) -> Result<(Item<'_>, &[u8]), RlpError> {
    let (&first, rest) = input.split_first().ok_or(RlpError::Truncated)?;
    let (is_list, header, len) = match first {
        0x00..=0x7f => {
            let (single, after) = input.split_at_checked(1).ok_or(RlpError::Truncated)?;
            return Ok((Item::String(single), after));
        }
        0x80..=0xb7 => (false, 1, usize::from(first - 0x80)),
        0xb8..=0xbf => {
            let size = usize::from(first - 0xb7);
            (false, 1 + size, long_len(rest, size)?)
        }
        0xc0..=0xf7 => (true, 1, usize::from(first - 0xc0)),
        0xf8..=0xff => {
            let size = usize::from(first - 0xf7);
            (true, 1 + size, long_len(rest, size)?)
        }
    };
    let body = input.get(header..).ok_or(RlpError::Truncated)?;
    let (payload, after) = body.split_at_checked(len).ok_or(RlpError::Truncated)?;
    if is_list {
        return Ok((Item::List(payload), after));
    }
    if let [b] = payload
        && *b < 0x80
    {
        return Err(RlpError::NonCanonical);
    }
    Ok((Item::String(payload), after))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::writer::write_all;

    fn enc(f: impl FnOnce(&mut Writer<'_>) -> Result<(), BufferTooSmall>) -> ([u8; 128], usize) {
        let mut buf = [0u8; 128];
        let n = write_all(&mut buf, f).unwrap();
        (buf, n)
    }

    #[test]
    fn encodes_the_reference_examples() {
        // ethereum.org RLP page: "dog", [], "", 0, 15, 1024, the 56-byte string header.
        let (b, n) = enc(|w| write_string(w, b"dog"));
        assert_eq!(&b[..n], b"\x83dog");
        let (b, n) = enc(|w| write_list_header(w, 0));
        assert_eq!(&b[..n], b"\xc0");
        let (b, n) = enc(|w| write_string(w, b""));
        assert_eq!(&b[..n], b"\x80");
        let (b, n) = enc(|w| write_uint(w, &[0, 0]));
        assert_eq!(&b[..n], b"\x80");
        let (b, n) = enc(|w| write_uint(w, &[0x0f]));
        assert_eq!(&b[..n], b"\x0f");
        let (b, n) = enc(|w| write_string(w, &[0x80]));
        assert_eq!(&b[..n], b"\x81\x80");
        let text = b"Lorem ipsum dolor sit amet, consectetur adipisicing elit";
        let (b, n) = enc(|w| write_string(w, text));
        assert_eq!(&b[..2], b"\xb8\x38");
        assert_eq!(&b[2..n], text);
        assert_eq!(string_len(text), n);
        assert_eq!(list_len(56), 58);
        assert_eq!(list_len(0x1_0000), 0x1_0000 + 4);
    }

    #[test]
    fn decodes_canonical_items_and_refuses_the_rest() {
        assert_eq!(decode(b"\x83dog"), Ok((Item::String(b"dog"), &b""[..])));
        assert_eq!(
            decode(b"\x05\x06"),
            Ok((Item::String(b"\x05"), &b"\x06"[..]))
        );
        assert_eq!(decode(b"\xc0"), Ok((Item::List(b""), &b""[..])));
        assert_eq!(decode(b""), Err(RlpError::Truncated));
        assert_eq!(decode(b"\x83do"), Err(RlpError::Truncated));
        assert_eq!(decode(b"\x81\x05"), Err(RlpError::NonCanonical));
        assert_eq!(decode(b"\xb8\x05hello"), Err(RlpError::NonCanonical));
        assert_eq!(decode(b"\xb9\x00\x38"), Err(RlpError::NonCanonical));
        assert_eq!(decode(b"\xb8"), Err(RlpError::Truncated));
        // 2^64 - 1 bytes: more than a 32-bit `usize`, more than the input on 64 bits.
        assert!(matches!(
            decode(b"\xbf\xff\xff\xff\xff\xff\xff\xff\xff"),
            Err(RlpError::Truncated | RlpError::LengthOverflow)
        ));
        assert_eq!(RlpError::NonCanonical.code(), "rlp_non_canonical");
    }
}
