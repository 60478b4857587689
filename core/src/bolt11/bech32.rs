//! Bech32 (BIP-173) over a borrowed invoice string, without allocation.
//!
//! BOLT11 uses bech32 — not bech32m — without BIP-173's 90-character limit (BOLT 11 §
//! Human-Readable Part). This module is hand-written rather than taken from the `bech32` crate:
//! that crate's no-alloc `CheckedHrpstring` caps the `Bech32` checksum at 1023 characters, so
//! BOLT11 would need a custom checksum type anyway (as LDK defines one), and what pay402 needs —
//! case folding, the checksum and a 5-bit cursor over the text — is about thirty lines.

/// The bech32 data-part alphabet: the character for word `w` is `CHARSET[w]`.
pub const CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/// Generator coefficients of the bech32 BCH code (BIP-173).
const GENERATOR: [u32; 5] = [
    0x3b6a_57b2,
    0x2650_8e6d,
    0x1ea1_19fa,
    0x3d42_33dd,
    0x2a14_62b3,
];

/// The constant the polymod of a valid bech32 string equals (bech32m uses `0x2bc830a3`).
const BECH32_CONST: u32 = 1;

/// The 5-bit value of a data-part character (either case), or `None` if it is not in the charset.
pub fn word_of(c: u8) -> Option<u8> {
    let lower = c.to_ascii_lowercase();
    let mut index = 0u8;
    for &d in CHARSET {
        if d == lower {
            return Some(index);
        }
        index = index.wrapping_add(1);
    }
    None
}

/// A streaming bech32 checksum.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Polymod(u32);

impl Polymod {
    pub(crate) fn new() -> Self {
        Self(1)
    }

    /// Feeds one 5-bit value.
    pub(crate) fn push(&mut self, value: u8) {
        let top = self.0 >> 25;
        self.0 = ((self.0 & 0x01ff_ffff) << 5) ^ u32::from(value & 31);
        for (i, g) in GENERATOR.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                self.0 ^= g;
            }
        }
    }

    /// Feeds the expanded human-readable part: high bits of every char, a zero, low bits.
    pub(crate) fn push_hrp(&mut self, hrp: &[u8]) {
        for c in hrp {
            self.push(c.to_ascii_lowercase() >> 5);
        }
        self.push(0);
        for c in hrp {
            self.push(c.to_ascii_lowercase() & 31);
        }
    }

    /// Whether everything fed so far (hrp, data, checksum) forms a valid bech32 string.
    pub(crate) fn is_valid(self) -> bool {
        self.0 == BECH32_CONST
    }
}

/// A run of data-part characters, read as 5-bit words. The characters have been checked
/// against [`CHARSET`] by the decoder; a character outside it would read as word 0.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Words<'a> {
    chars: &'a [u8],
}

impl<'a> Words<'a> {
    pub(crate) fn new(chars: &'a [u8]) -> Self {
        Self { chars }
    }

    /// The number of 5-bit words.
    pub fn len(&self) -> usize {
        self.chars.len()
    }

    /// Whether there are no words.
    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// The 5-bit words, in order.
    pub fn iter(&self) -> impl Iterator<Item = u8> + 'a {
        self.chars.iter().map(|&c| word_of(c).unwrap_or(0))
    }

    /// The first `n` words and the rest (`None` when fewer than `n` remain).
    pub(crate) fn split_at(&self, n: usize) -> Option<(Self, Self)> {
        let (a, b) = self.chars.split_at_checked(n)?;
        Some((Self::new(a), Self::new(b)))
    }

    /// The words as a big-endian unsigned integer, or `None` when it exceeds `u64`.
    pub fn to_u64(&self) -> Option<u64> {
        self.iter().try_fold(0u64, |acc, w| {
            if acc >> 59 != 0 {
                return None;
            }
            Some((acc << 5) | u64::from(w))
        })
    }

    /// The number of whole bytes the words pack into (trailing pad bits dropped).
    pub fn byte_len(&self) -> usize {
        // len ≤ 7089, so len * 5 cannot overflow; saturate anyway.
        self.chars.len().saturating_mul(5) / 8
    }

    /// The words regrouped into 8-bit bytes, most significant bit first; the trailing
    /// `len·5 mod 8` pad bits are dropped (BOLT11 "MUST pad field data to a multiple of 5 bits").
    pub fn bytes(&self) -> Bytes<'a> {
        Bytes {
            words: self.chars.iter(),
            acc: 0,
            bits: 0,
            remaining: self.byte_len(),
        }
    }

    /// Copies [`Words::bytes`] into the front of `out`.
    pub fn copy_into<'o>(
        &self,
        out: &'o mut [u8],
    ) -> Result<&'o [u8], crate::error::BufferTooSmall> {
        let n = self.byte_len();
        let dst = out.get_mut(..n).ok_or(crate::error::BufferTooSmall)?;
        for (d, b) in dst.iter_mut().zip(self.bytes()) {
            *d = b;
        }
        Ok(dst)
    }

    /// Reads the first `N` bytes (pad bits beyond `N·8` ignored); zeros past the end.
    pub(crate) fn to_array<const N: usize>(self) -> [u8; N] {
        let mut out = [0u8; N];
        for (o, b) in out.iter_mut().zip(self.bytes()) {
            *o = b;
        }
        out
    }
}

/// The bytes of a run of [`Words`], produced on demand.
#[derive(Clone, Debug)]
pub struct Bytes<'a> {
    words: core::slice::Iter<'a, u8>,
    acc: u16,
    bits: u8,
    remaining: usize,
}

impl Iterator for Bytes<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        if self.remaining == 0 {
            return None;
        }
        while self.bits < 8 {
            let w = word_of(*self.words.next()?).unwrap_or(0);
            self.acc = ((self.acc << 5) | u16::from(w)) & 0x1fff;
            self.bits += 5;
        }
        self.bits -= 8;
        self.remaining -= 1;
        Some(((self.acc >> self.bits) & 0xff).to_le_bytes()[0])
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for Bytes<'_> {}

/// Packs 5-bit words into bytes MSB-first, zero-padding the last byte, and hands each byte to
/// `sink`: the BOLT11 signing pre-image's data part ("Data Part": "with 0 bits appended to
/// pad the data to the next byte boundary").
pub(crate) fn pack_padded(words: Words<'_>, mut sink: impl FnMut(u8)) {
    let mut acc: u16 = 0;
    let mut bits: u8 = 0;
    for w in words.iter() {
        acc = ((acc << 5) | u16::from(w)) & 0x1fff;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            sink(((acc >> bits) & 0xff).to_le_bytes()[0]);
        }
    }
    if bits > 0 {
        sink(((acc << (8 - bits)) & 0xff).to_le_bytes()[0]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checksum_ok(s: &str) -> bool {
        let (hrp, data) = s.rsplit_once('1').unwrap();
        let mut p = Polymod::new();
        p.push_hrp(hrp.as_bytes());
        for c in data.bytes() {
            p.push(word_of(c).unwrap());
        }
        p.is_valid()
    }

    #[test]
    fn accepts_the_bip173_valid_bech32_strings() {
        // BIP-173 "Test vectors": valid Bech32.
        for s in [
            "A12UEL5L",
            "a12uel5l",
            "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
            "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
            "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
        ] {
            assert!(checksum_ok(s), "{s}");
        }
    }

    #[test]
    fn rejects_a_bech32m_checksum() {
        // BIP-350 valid bech32m strings are not valid bech32.
        assert!(!checksum_ok("a1lqfn3a"));
        assert!(!checksum_ok(
            "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx"
        ));
    }

    #[test]
    fn bytes_drop_pad_bits_and_padded_packing_keeps_them() {
        // "qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypq" is the spec's payment hash.
        let w = Words::new(b"qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypq");
        assert_eq!(w.byte_len(), 32);
        let h: [u8; 32] = w.to_array();
        assert_eq!(
            h,
            crate::hex::decode_array::<32>(
                b"0001020304050607080900010203040506070809000102030405060708090102"
            )
            .unwrap()
        );
        let mut n = 0;
        pack_padded(w, |_| n += 1);
        assert_eq!(n, 33);
    }
}
