//! The V2 binary format (`rescrv/libmacaroons:doc/format.txt`,
//! `go-macaroon/macaroon:marshal-v2.go`, `packet-v2.go`).
//!
//! ```text
//! macaroon := 0x02  [LOC]  ID  EOS  { [LOC] CID [VID] EOS }*  EOS  SIG
//! packet   := varint(type) varint(len) bytes[len]      EOS = 0x00 (no length)
//! ```
//! Parsing follows Go's rules: field types strictly increasing within a section, header
//! `[LOCATION] IDENTIFIER`, caveat `[LOCATION] IDENTIFIER [VID]` with a location only next to a
//! vid, signature type 6 of exactly 32 bytes. Varints are unsigned LEB128 of at most 10 bytes
//! and at most `0x7fffffff`; non-minimal encodings are accepted, as Go and pymacaroons do.

use super::error::{MacaroonError, Malformed};
use super::{Caveat, SIGNATURE_LEN};
use crate::writer::Writer;

/// The version byte that starts every V2 macaroon.
pub const VERSION_BYTE: u8 = 0x02;
/// Field type: end of section.
pub const FIELD_EOS: u32 = 0;
/// Field type: location (header or caveat).
pub const FIELD_LOCATION: u32 = 1;
/// Field type: identifier (macaroon id or caveat id).
pub const FIELD_IDENTIFIER: u32 = 2;
/// Field type: verification id of a third-party caveat.
pub const FIELD_VID: u32 = 4;
/// Field type: signature.
pub const FIELD_SIGNATURE: u32 = 6;
/// Largest varint value Go accepts.
pub const MAX_VARINT: u32 = 0x7fff_ffff;

/// Reads one unsigned LEB128 varint at `*pos`.
fn read_varint(input: &[u8], pos: &mut usize) -> Result<u32, Malformed> {
    let mut value: u64 = 0;
    for i in 0..10u32 {
        let byte = *input.get(*pos).ok_or(Malformed::Truncated)?;
        *pos = pos.checked_add(1).ok_or(Malformed::Truncated)?;
        let bits = u64::from(byte & 0x7f);
        // Bits beyond 31 make the value too large whatever follows; 7 * 9 = 63 keeps the shift
        // in range.
        if bits != 0 {
            let shifted = bits
                .checked_shl(7 * i)
                .filter(|s| s >> (7 * i) == bits)
                .ok_or(Malformed::VarintTooLarge)?;
            value |= shifted;
        }
        if value > u64::from(MAX_VARINT) {
            return Err(Malformed::VarintTooLarge);
        }
        if byte & 0x80 == 0 {
            return u32::try_from(value).map_err(|_| Malformed::VarintTooLarge);
        }
    }
    Err(Malformed::VarintTooLarge)
}

/// One packet: `EOS` is `None`.
fn read_packet<'a>(input: &'a [u8], pos: &mut usize) -> Result<Option<(u32, &'a [u8])>, Malformed> {
    let ty = read_varint(input, pos)?;
    if ty == FIELD_EOS {
        return Ok(None);
    }
    let len = usize::try_from(read_varint(input, pos)?).map_err(|_| Malformed::Truncated)?;
    let end = pos.checked_add(len).ok_or(Malformed::Truncated)?;
    let data = input.get(*pos..end).ok_or(Malformed::Truncated)?;
    *pos = end;
    Ok(Some((ty, data)))
}

/// The fields of one section, each at most once.
#[derive(Default)]
struct Section<'a> {
    location: Option<&'a [u8]>,
    id: Option<&'a [u8]>,
    vid: Option<&'a [u8]>,
    empty: bool,
}

fn read_section<'a>(input: &'a [u8], pos: &mut usize) -> Result<Section<'a>, Malformed> {
    let mut section = Section {
        empty: true,
        ..Section::default()
    };
    let mut previous = FIELD_EOS;
    while let Some((ty, data)) = read_packet(input, pos)? {
        if ty <= previous {
            return Err(Malformed::FieldsOutOfOrder);
        }
        previous = ty;
        section.empty = false;
        match ty {
            FIELD_LOCATION => section.location = Some(data),
            FIELD_IDENTIFIER => section.id = Some(data),
            FIELD_VID => section.vid = Some(data),
            _ => return Err(Malformed::UnexpectedField),
        }
    }
    Ok(section)
}

/// What one validating pass over a V2 macaroon found.
pub(crate) struct ParsedV2<'a> {
    pub(crate) location: &'a [u8],
    pub(crate) id: &'a [u8],
    pub(crate) body: &'a [u8],
    pub(crate) caveat_count: usize,
    pub(crate) signature: [u8; SIGNATURE_LEN],
    pub(crate) rest: &'a [u8],
}

/// Validates a V2 macaroon at the start of `input` (which begins with the version byte).
pub(crate) fn parse(input: &[u8]) -> Result<ParsedV2<'_>, Malformed> {
    if input.first() != Some(&VERSION_BYTE) {
        return Err(Malformed::UnknownFormat);
    }
    let mut pos = 1usize;
    let header = read_section(input, &mut pos)?;
    if header.vid.is_some() {
        return Err(Malformed::InvalidHeader);
    }
    let id = header.id.ok_or(Malformed::InvalidHeader)?;
    let body_start = pos;
    let mut body_end = pos;
    let mut caveat_count = 0usize;
    loop {
        let section = read_section(input, &mut pos)?;
        if section.empty {
            break;
        }
        caveat_section(&section)?;
        caveat_count = caveat_count.saturating_add(1);
        body_end = pos;
    }
    let (ty, sig) = read_packet(input, &mut pos)?.ok_or(Malformed::MissingSignature)?;
    if ty != FIELD_SIGNATURE {
        return Err(Malformed::MissingSignature);
    }
    let signature: [u8; SIGNATURE_LEN] = sig.try_into().map_err(|_| Malformed::SignatureLength)?;
    Ok(ParsedV2 {
        location: header.location.unwrap_or_default(),
        id,
        body: input.get(body_start..body_end).unwrap_or_default(),
        caveat_count,
        signature,
        rest: input.get(pos..).unwrap_or_default(),
    })
}

fn caveat_section<'a>(section: &Section<'a>) -> Result<Caveat<'a>, Malformed> {
    let id = section.id.ok_or(Malformed::MissingCaveatId)?;
    if section.location.is_some() && section.vid.is_none() {
        return Err(Malformed::LocationInFirstPartyCaveat);
    }
    Ok(Caveat {
        id,
        vid: section.vid.unwrap_or_default(),
        location: section.location.unwrap_or_default(),
    })
}

/// Lazily re-reads the caveat sections of a validated body.
pub(crate) fn next_caveat<'a>(body: &'a [u8], pos: &mut usize) -> Option<Caveat<'a>> {
    let section = read_section(body, pos).ok()?;
    if section.empty {
        return None;
    }
    caveat_section(&section).ok()
}

fn write_varint(w: &mut Writer<'_>, mut value: usize) -> Result<(), MacaroonError> {
    loop {
        let low = u8::try_from(value & 0x7f).unwrap_or_default();
        value >>= 7;
        if value == 0 {
            return Ok(w.push_byte(low)?);
        }
        w.push_byte(low | 0x80)?;
    }
}

/// Writes a packet header (type and length); refuses data longer than [`MAX_VARINT`] (Go's
/// limit).
pub(crate) fn write_packet_header(
    w: &mut Writer<'_>,
    ty: u32,
    len: usize,
) -> Result<(), MacaroonError> {
    if len > usize::try_from(MAX_VARINT).unwrap_or(usize::MAX) {
        return Err(Malformed::VarintTooLarge.into());
    }
    write_varint(w, usize::try_from(ty).unwrap_or_default())?;
    write_varint(w, len)
}

/// Writes a packet header and its data.
pub(crate) fn write_field(w: &mut Writer<'_>, ty: u32, data: &[u8]) -> Result<(), MacaroonError> {
    write_packet_header(w, ty, data.len())?;
    Ok(w.push(data)?)
}

/// Writes one caveat section the way Go does: empty location and empty vid omitted.
pub(crate) fn write_caveat(w: &mut Writer<'_>, caveat: &Caveat<'_>) -> Result<(), MacaroonError> {
    if !caveat.location.is_empty() {
        if caveat.vid.is_empty() {
            return Err(Malformed::LocationInFirstPartyCaveat.into());
        }
        write_field(w, FIELD_LOCATION, caveat.location)?;
    }
    write_field(w, FIELD_IDENTIFIER, caveat.id)?;
    if !caveat.vid.is_empty() {
        write_field(w, FIELD_VID, caveat.vid)?;
    }
    Ok(w.push_byte(0)?)
}

/// Writes the version byte and the header section (empty location omitted).
pub(crate) fn write_header(
    w: &mut Writer<'_>,
    location: &[u8],
    id: &[u8],
) -> Result<(), MacaroonError> {
    w.push_byte(VERSION_BYTE)?;
    if !location.is_empty() {
        write_field(w, FIELD_LOCATION, location)?;
    }
    write_field(w, FIELD_IDENTIFIER, id)?;
    Ok(w.push_byte(0)?)
}

/// Writes the terminating `EOS` and the signature packet.
pub(crate) fn write_trailer(
    w: &mut Writer<'_>,
    signature: &[u8; SIGNATURE_LEN],
) -> Result<(), MacaroonError> {
    w.push_byte(0)?;
    write_field(w, FIELD_SIGNATURE, signature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_accepts_non_minimal_encodings_like_go() {
        let mut pos = 0;
        assert_eq!(read_varint(&[0x80, 0x80, 0x00], &mut pos), Ok(0));
        assert_eq!(pos, 3);
    }

    #[test]
    fn varint_rejects_values_over_0x7fffffff() {
        let mut pos = 0;
        assert_eq!(
            read_varint(&[0xff, 0xff, 0xff, 0xff, 0x07], &mut pos),
            Ok(MAX_VARINT)
        );
        let mut pos = 0;
        assert_eq!(
            read_varint(&[0x80, 0x80, 0x80, 0x80, 0x08], &mut pos),
            Err(Malformed::VarintTooLarge)
        );
        let mut pos = 0;
        assert_eq!(
            read_varint(&[0x80; 11], &mut pos),
            Err(Malformed::VarintTooLarge)
        );
    }
}
