//! Tagged fields: `type` (5 bits) ‖ `data_length` (10 bits) ‖ data (BOLT11 "Tagged Fields";
//! BOLT 11 § Tagged Fields), and the typed views of the variable-length ones.

use super::bech32::{Bytes, Words};

/// The 5-bit field types, named by their bech32 character.
pub mod tag {
    /// `p` (1): payment hash, 52 words.
    pub const PAYMENT_HASH: u8 = 1;
    /// `r` (3): route hint, 51-byte hops.
    pub const ROUTE_HINT: u8 = 3;
    /// `9` (5): feature bits.
    pub const FEATURES: u8 = 5;
    /// `x` (6): expiry in seconds.
    pub const EXPIRY: u8 = 6;
    /// `f` (9): on-chain fallback address.
    pub const FALLBACK: u8 = 9;
    /// `d` (13): UTF-8 description.
    pub const DESCRIPTION: u8 = 13;
    /// `s` (16): payment secret, 52 words.
    pub const PAYMENT_SECRET: u8 = 16;
    /// `n` (19): payee public key, 53 words.
    pub const PAYEE: u8 = 19;
    /// `h` (23): SHA-256 of the description, 52 words.
    pub const DESCRIPTION_HASH: u8 = 23;
    /// `c` (24): `min_final_cltv_expiry_delta`.
    pub const MIN_FINAL_CLTV_EXPIRY: u8 = 24;
    /// `m` (27): payment metadata.
    pub const METADATA: u8 = 27;
}

/// One tagged field: its 5-bit type and its data words.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TaggedField<'a> {
    /// The 5-bit type (see [`tag`]); its bech32 character is `CHARSET[tag]`.
    pub tag: u8,
    /// The field data.
    pub data: Words<'a>,
}

/// Walks the tagged fields of a data part (timestamp and signature excluded).
///
/// Yields `Err(offset)` once — and then stops — when a field header or its data runs past the
/// end; offsets count words from the start of the tagged fields.
#[derive(Clone, Debug)]
pub struct TaggedFields<'a> {
    rest: Words<'a>,
    offset: usize,
}

impl<'a> TaggedFields<'a> {
    pub(crate) fn new(words: Words<'a>) -> Self {
        Self {
            rest: words,
            offset: 0,
        }
    }
}

impl<'a> Iterator for TaggedFields<'a> {
    type Item = Result<TaggedField<'a>, usize>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let offset = self.offset;
        let parsed = self.rest.split_at(3).and_then(|(header, rest)| {
            let mut h = header.iter();
            let tag = h.next()?;
            let len = usize::from(h.next()?) << 5 | usize::from(h.next()?);
            let (data, rest) = rest.split_at(len)?;
            Some((TaggedField { tag, data }, rest, len))
        });
        if let Some((field, rest, len)) = parsed {
            self.rest = rest;
            self.offset = offset.saturating_add(3).saturating_add(len);
            Some(Ok(field))
        } else {
            self.rest = Words::new(&[]);
            Some(Err(offset))
        }
    }
}

/// One hop of a route hint: 51 bytes `pubkey[33] ‖ short_channel_id u64 ‖ fee_base_msat u32 ‖
/// fee_proportional_millionths u32 ‖ cltv_expiry_delta u16`, big-endian.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct RouteHintHop {
    /// Node id of the start of the channel (33-byte compressed key, not checked for validity).
    pub src_node_id: [u8; 33],
    /// The channel's short channel id (`block << 40 | tx << 16 | output`).
    pub short_channel_id: u64,
    /// Base fee in msat.
    pub fee_base_msat: u32,
    /// Proportional fee in millionths.
    pub fee_proportional_millionths: u32,
    /// CLTV delta of the channel.
    pub cltv_expiry_delta: u16,
}

/// Bytes per route-hint hop.
pub const ROUTE_HINT_HOP_LEN: usize = 51;

/// One `r` field: an ordered route from a public node to the payee, read hop by hop from the
/// borrowed invoice text.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct RouteHint<'a> {
    data: Words<'a>,
}

impl<'a> RouteHint<'a> {
    pub(crate) fn new(data: Words<'a>) -> Self {
        Self { data }
    }

    /// The number of hops.
    pub fn len(&self) -> usize {
        self.data.byte_len() / ROUTE_HINT_HOP_LEN
    }

    /// Whether the field holds no hop.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The hops, in order.
    pub fn hops(&self) -> RouteHintHops<'a> {
        RouteHintHops {
            bytes: self.data.bytes(),
            remaining: self.len(),
        }
    }
}

/// Iterator over the hops of a [`RouteHint`].
#[derive(Clone, Debug)]
pub struct RouteHintHops<'a> {
    bytes: Bytes<'a>,
    remaining: usize,
}

impl Iterator for RouteHintHops<'_> {
    type Item = RouteHintHop;

    fn next(&mut self) -> Option<RouteHintHop> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let mut raw = [0u8; ROUTE_HINT_HOP_LEN];
        for r in &mut raw {
            *r = self.bytes.next()?;
        }
        let (src_node_id, rest) = raw.split_first_chunk::<33>()?;
        let (scid, rest) = rest.split_first_chunk::<8>()?;
        let (base, rest) = rest.split_first_chunk::<4>()?;
        let (ppm, rest) = rest.split_first_chunk::<4>()?;
        let (cltv, _) = rest.split_first_chunk::<2>()?;
        Some(RouteHintHop {
            src_node_id: *src_node_id,
            short_channel_id: u64::from_be_bytes(*scid),
            fee_base_msat: u32::from_be_bytes(*base),
            fee_proportional_millionths: u32::from_be_bytes(*ppm),
            cltv_expiry_delta: u16::from_be_bytes(*cltv),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.remaining))
    }
}

/// An `f` field with a known version: 0–16 (segwit witness version), 17 (P2PKH hash) or
/// 18 (P2SH hash). The program is exposed raw; its length is not checked.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Fallback<'a> {
    /// 0–16: witness version; 17: P2PKH; 18: P2SH.
    pub version: u8,
    /// The witness program or the 20-byte hash.
    pub program: Words<'a>,
}

impl<'a> Fallback<'a> {
    /// Splits an `f` field; `None` for an empty field or an unknown version (19–31), which
    /// readers must skip.
    pub(crate) fn parse(data: Words<'a>) -> Option<Self> {
        let (version, program) = data.split_at(1)?;
        let version = version.iter().next()?;
        (version <= 18).then_some(Self { version, program })
    }
}

/// The `9` field: a big-endian bitfield of 5-bit words, bit 0 = least significant bit of the
/// last word (BOLT11 "Feature Bits").
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Features<'a> {
    words: Words<'a>,
}

impl<'a> Features<'a> {
    pub(crate) fn new(words: Words<'a>) -> Self {
        Self { words }
    }

    /// Whether feature bit `bit` is set.
    pub fn is_set(&self, bit: usize) -> bool {
        self.set_bits().any(|b| b == bit)
    }

    /// The numbers of the set bits, highest first.
    pub fn set_bits(&self) -> impl Iterator<Item = usize> + 'a {
        let total = self.words.len().saturating_mul(5);
        self.words.iter().enumerate().flat_map(move |(i, w)| {
            (0..5usize).filter_map(move |j| {
                let from_msb = i.saturating_mul(5).saturating_add(j);
                let bit = total.checked_sub(from_msb)?.checked_sub(1)?;
                ((w >> (4 - j)) & 1 == 1).then_some(bit)
            })
        })
    }

    /// The bitfield as the minimal big-endian byte string (no leading zero bytes), the form
    /// Lightning feature vectors take on the wire: bit `b` is bit `b % 8` of byte
    /// `len - 1 - b / 8`. Empty when no bit is set.
    pub fn to_bytes<'o>(&self, out: &'o mut [u8]) -> Result<&'o [u8], crate::BufferTooSmall> {
        let len = self.set_bits().next().map_or(0, |top| top / 8 + 1);
        let dst = out.get_mut(..len).ok_or(crate::BufferTooSmall)?;
        dst.fill(0);
        for bit in self.set_bits() {
            let index = len.checked_sub(1 + bit / 8);
            if let Some(byte) = index.and_then(|i| dst.get_mut(i)) {
                *byte |= 1 << (bit % 8);
            }
        }
        Ok(dst)
    }

    /// The raw words of the field.
    pub fn words(&self) -> Words<'a> {
        self.words
    }
}
