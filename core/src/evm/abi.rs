//! The Solidity contract ABI encoding used by settlement calldata: 32-byte words, dynamic `bytes`
//! as an offset in the head and `length ‖ data ‖ zero padding` in the tail
//! (<https://docs.soliditylang.org/en/latest/abi-spec.html#formal-specification-of-the-encoding>).
//!
//! ```
//! use pay402::evm::abi;
//! use pay402::writer::{write_all, Writer};
//! let mut buf = [0u8; 96];
//! let n = write_all(&mut buf, |w: &mut Writer<'_>| abi::write_bytes_tail(w, &[0xde, 0xad]))?;
//! assert_eq!(n, 64);
//! assert_eq!(buf[31], 2);
//! assert_eq!(&buf[32..35], &[0xde, 0xad, 0]);
//! # Ok::<(), pay402::BufferTooSmall>(())
//! ```

use super::address::Address;
use crate::error::BufferTooSmall;
use crate::u256::U256;
use crate::writer::Writer;

/// `n` rounded up to a multiple of 32 (saturating).
pub fn padded_len(n: usize) -> usize {
    n.div_ceil(32).saturating_mul(32)
}

/// The length of a dynamic `bytes` tail: the length word plus the padded data.
pub fn bytes_tail_len(data: &[u8]) -> usize {
    padded_len(data.len()).saturating_add(32)
}

/// Writes one word.
pub fn write_word(w: &mut Writer<'_>, word: &[u8; 32]) -> Result<(), BufferTooSmall> {
    w.push(word)
}

/// Writes an address as a word (left-padded with zeros).
pub fn write_address(w: &mut Writer<'_>, address: &Address) -> Result<(), BufferTooSmall> {
    w.push(&address.to_word())
}

/// Writes a `uint256`.
pub fn write_uint(w: &mut Writer<'_>, value: &U256) -> Result<(), BufferTooSmall> {
    w.push(&value.to_be_bytes())
}

/// Writes a small unsigned integer (`uint8`, an offset, a length) as a word.
pub fn write_usize(w: &mut Writer<'_>, value: usize) -> Result<(), BufferTooSmall> {
    let value = u64::try_from(value).map_err(|_| BufferTooSmall)?;
    write_uint(w, &U256::from_u64(value))
}

/// Writes the tail of a dynamic `bytes` value: its length, the data, zeros to a word boundary.
pub fn write_bytes_tail(w: &mut Writer<'_>, data: &[u8]) -> Result<(), BufferTooSmall> {
    write_usize(w, data.len())?;
    w.push(data)?;
    let pad = padded_len(data.len()).saturating_sub(data.len());
    w.reserve(pad)?.fill(0);
    Ok(())
}

/// Reads the word at byte `at` of `data`.
pub(crate) fn word_at(data: &[u8], at: usize) -> Option<&[u8; 32]> {
    data.get(at..at.checked_add(32)?)?.try_into().ok()
}

/// Reads a word that must be a `usize` (an offset or a length): the high bytes must be zero.
pub(crate) fn usize_at(data: &[u8], at: usize) -> Option<usize> {
    let word = word_at(data, at)?;
    let (high, low) = word.split_at(24);
    if high.iter().any(|b| *b != 0) {
        return None;
    }
    let low: [u8; 8] = low.try_into().ok()?;
    usize::try_from(u64::from_be_bytes(low)).ok()
}

/// Reads the dynamic `bytes` whose head word (its offset, relative to `base`) is at `head`.
pub(crate) fn bytes_at(data: &[u8], base: usize, head: usize) -> Option<&[u8]> {
    let start = base.checked_add(usize_at(data, head)?)?;
    let len = usize_at(data, start)?;
    let from = start.checked_add(32)?;
    data.get(from..from.checked_add(len)?)
}

/// Reads an address word: the 12 high bytes must be zero.
pub(crate) fn address_at(data: &[u8], at: usize) -> Option<Address> {
    let word = word_at(data, at)?;
    let (high, low) = word.split_at(12);
    if high.iter().any(|b| *b != 0) {
        return None;
    }
    Some(Address(low.try_into().ok()?))
}
