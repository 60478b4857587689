//! The V1 "libmacaroons packet" format (`go-macaroon/macaroon:packet-v1.go`,
//! `marshal-v1.go`, `rescrv/libmacaroons:packet.c`).
//!
//! Packets are `HHHH name SP data LF`, where `HHHH` is four lowercase hex digits giving the whole
//! packet length (at most `0xffff`). Order: `location`, `identifier`, per caveat `cid` then
//! optionally `vid` and `cl` (each at most once, in either order), then `signature` (32 raw
//! bytes). Stricter than Go in one point: a `vid` or `cl` before any `cid` is refused (Go drops
//! it silently).

use super::error::{MacaroonError, Malformed};
use super::{Caveat, SIGNATURE_LEN};
use crate::hex::digit_value;
use crate::writer::Writer;

/// Largest V1 packet, header included.
pub const MAX_PACKET_LEN: usize = 0xffff;

/// One V1 packet: field name, data.
fn read_packet<'a>(input: &'a [u8], pos: &mut usize) -> Result<(&'a [u8], &'a [u8]), Malformed> {
    let rest = input.get(*pos..).ok_or(Malformed::Truncated)?;
    let header = rest.get(..4).ok_or(Malformed::Truncated)?;
    let mut len = 0usize;
    for &c in header {
        // Lowercase only: libmacaroons knows nothing else.
        if c.is_ascii_uppercase() {
            return Err(Malformed::V1PacketLength);
        }
        let digit = digit_value(c).ok_or(Malformed::V1PacketLength)?;
        len = len * 16 + usize::from(digit);
    }
    // 4 digits + a 1-byte name + space + newline.
    if len < 7 {
        return Err(Malformed::V1PacketLength);
    }
    let packet = rest.get(4..len).ok_or(Malformed::Truncated)?;
    let (last, inner) = packet.split_last().ok_or(Malformed::V1PacketSyntax)?;
    if *last != b'\n' {
        return Err(Malformed::V1PacketSyntax);
    }
    let space = inner
        .iter()
        .position(|&b| b == b' ')
        .filter(|&i| i > 0)
        .ok_or(Malformed::V1PacketSyntax)?;
    let name = inner.get(..space).unwrap_or_default();
    let data = inner.get(space.saturating_add(1)..).unwrap_or_default();
    *pos = pos.checked_add(len).ok_or(Malformed::Truncated)?;
    Ok((name, data))
}

/// What one validating pass over a V1 macaroon found.
pub(crate) struct ParsedV1<'a> {
    pub(crate) location: &'a [u8],
    pub(crate) id: &'a [u8],
    pub(crate) body: &'a [u8],
    pub(crate) caveat_count: usize,
    pub(crate) signature: [u8; SIGNATURE_LEN],
    pub(crate) rest: &'a [u8],
}

/// Validates a V1 macaroon at the start of `input`.
pub(crate) fn parse(input: &[u8]) -> Result<ParsedV1<'_>, Malformed> {
    let mut pos = 0usize;
    let (name, location) = read_packet(input, &mut pos)?;
    if name != b"location" {
        return Err(Malformed::InvalidHeader);
    }
    let (name, id) = read_packet(input, &mut pos)?;
    if name != b"identifier" {
        return Err(Malformed::InvalidHeader);
    }
    let body_start = pos;
    let mut caveat_count = 0usize;
    let mut state = CaveatState::None;
    loop {
        let packet_start = pos;
        let (name, data) = read_packet(input, &mut pos)?;
        match name {
            b"signature" => {
                let signature: [u8; SIGNATURE_LEN] =
                    data.try_into().map_err(|_| Malformed::SignatureLength)?;
                return Ok(ParsedV1 {
                    location,
                    id,
                    body: input.get(body_start..packet_start).unwrap_or_default(),
                    caveat_count,
                    signature,
                    rest: input.get(pos..).unwrap_or_default(),
                });
            }
            b"cid" => {
                caveat_count = caveat_count.saturating_add(1);
                state = CaveatState::Open {
                    vid: false,
                    cl: false,
                };
            }
            b"vid" | b"cl" => {
                let CaveatState::Open { vid, cl } = &mut state else {
                    return Err(Malformed::MissingCaveatId);
                };
                let seen = if name == b"vid" { vid } else { cl };
                if *seen {
                    return Err(Malformed::RepeatedField);
                }
                *seen = true;
            }
            _ => return Err(Malformed::UnexpectedField),
        }
    }
}

enum CaveatState {
    None,
    Open { vid: bool, cl: bool },
}

/// Lazily re-reads the caveats of a validated body: a `cid` packet and the `vid`/`cl` packets
/// after it.
pub(crate) fn next_caveat<'a>(body: &'a [u8], pos: &mut usize) -> Option<Caveat<'a>> {
    let (name, id) = read_packet(body, pos).ok()?;
    if name != b"cid" {
        return None;
    }
    let mut caveat = Caveat {
        id,
        vid: &[],
        location: &[],
    };
    loop {
        let mut look = *pos;
        match read_packet(body, &mut look) {
            Ok((b"vid", data)) => caveat.vid = data,
            Ok((b"cl", data)) => caveat.location = data,
            _ => return Some(caveat),
        }
        *pos = look;
    }
}

/// Writes the `HHHH name SP` header of a V1 packet whose data is `data_len` bytes; the caller
/// then writes the data and a newline. Refuses a packet longer than [`MAX_PACKET_LEN`].
pub(crate) fn write_packet_header(
    w: &mut Writer<'_>,
    name: &[u8],
    data_len: usize,
) -> Result<(), MacaroonError> {
    let len = name
        .len()
        .checked_add(data_len)
        .and_then(|n| n.checked_add(6))
        .filter(|&n| n <= MAX_PACKET_LEN)
        .ok_or(Malformed::V1PacketTooLong)?;
    let digits = b"0123456789abcdef";
    for shift in [12u32, 8, 4, 0] {
        let nibble = (len >> shift) & 0xf;
        w.push_byte(*digits.get(nibble).unwrap_or(&b'0'))?;
    }
    w.push(name)?;
    Ok(w.push_byte(b' ')?)
}
