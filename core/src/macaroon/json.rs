//! JSON macaroons (`go-macaroon/macaroon:marshal.go`, `marshal-v1.go`,
//! `marshal-v2.go`), decoded by transcoding into binary in a caller scratch buffer.
//!
//! **V2 JSON** `{"c":[{"i"|"iH"|"i64", "v"|"vH"|"v64", "l"}], "l", "i"|"iH"|"i64", "s"|"sH"|"s64"}`
//! becomes V2 binary; **V1 JSON** `{"caveats":[{"cid","vid","cl"}], "location", "identifier",
//! "signature"}` becomes V1 packets; a JSON **string** holds base64 of either binary form.
//!
//! Go's rules kept: a plain, hex (`*H`) and base64 (`*64`, any alphabet and padding) form of one
//! field may not both be non-empty ("ambiguous field encoding"); an empty string counts as
//! absent; the signature must be 32 bytes; unknown members (e.g. libmacaroons' `"v":2`) are
//! ignored; members of both the V1 and the V2 format in one object are refused. Differences:
//! keys match exactly (Go's `encoding/json` also matches them case-insensitively), `null` counts
//! as absent, `*H`/`*64`/V1 `vid`/`signature` values must not contain JSON escapes, and a V2
//! first-party caveat with a location is refused (Go accepts it in JSON but cannot re-parse its
//! own binary encoding of it). Duplicate keys are refused at every depth.

use super::error::{MacaroonError, Malformed};
use super::{Macaroon, SIGNATURE_LEN, v1, v2};
use crate::base64::{Base64Error, Base64Policy, decode_into};
use crate::json::{JsonStr, RawValue};
use crate::writer::Writer;

const V1_KEYS: [&str; 4] = ["caveats", "location", "identifier", "signature"];
const V2_KEYS: [&str; 8] = ["c", "l", "i", "iH", "i64", "s", "sH", "s64"];

/// One binary field's value, in whichever form the JSON gave it.
#[derive(Clone, Copy)]
enum Field<'t> {
    Text(JsonStr<'t>),
    Hex(&'t str),
    Base64(&'t str),
}

impl Field<'_> {
    fn len(&self) -> Result<usize, Malformed> {
        match self {
            Self::Text(s) => Ok(s.decoded_len()),
            Self::Hex(h) => {
                if h.len() % 2 == 0 {
                    Ok(h.len() / 2)
                } else {
                    Err(Malformed::JsonBinaryField)
                }
            }
            Self::Base64(b) => {
                let body = b.trim_end_matches('=').len();
                // Exact for every valid input; invalid ones fail in `fill`.
                Ok(body / 4 * 3 + (body % 4).saturating_sub(1))
            }
        }
    }

    fn fill(&self, slot: &mut [u8]) -> Result<(), MacaroonError> {
        let written = match self {
            Self::Text(s) => s.unescape_into(slot)?.len(),
            Self::Hex(h) => crate::hex::decode_into(h.as_bytes(), slot)
                .map_err(|_| Malformed::JsonBinaryField)?
                .len(),
            Self::Base64(b) => match decode_into(b.as_bytes(), &Base64Policy::ANY, slot) {
                Ok(bytes) => bytes.len(),
                Err(_) => {
                    return Err(Malformed::JsonBinaryField.into());
                }
            },
        };
        if written == slot.len() {
            Ok(())
        } else {
            Err(Malformed::JsonBinaryField.into())
        }
    }
}

/// A string member: absent, `null` and `""` are `None`; any other non-string is an error.
fn string<'t>(obj: &RawValue<'t>, key: &str) -> Result<Option<JsonStr<'t>>, Malformed> {
    match obj.get(key) {
        None => Ok(None),
        Some(v) if v.is_null() => Ok(None),
        Some(v) => {
            let s = v.as_str().ok_or(Malformed::JsonFieldType)?;
            Ok((!s.is_empty()).then_some(s))
        }
    }
}

/// A string member that must be given without escapes (hex or base64 text).
fn plain<'t>(obj: &RawValue<'t>, key: &str) -> Result<Option<&'t str>, Malformed> {
    string(obj, key)?
        .map(|s| s.as_plain().ok_or(Malformed::JsonBinaryField))
        .transpose()
}

/// Go's `jsonBinaryField`: at most one of the plain, hex and base64 forms.
fn binary<'t>(
    obj: &RawValue<'t>,
    key: &str,
    hex_key: &str,
    b64_key: &str,
) -> Result<Option<Field<'t>>, Malformed> {
    let text = string(obj, key)?.map(Field::Text);
    let hex = plain(obj, hex_key)?.map(Field::Hex);
    let b64 = plain(obj, b64_key)?.map(Field::Base64);
    match (text, hex, b64) {
        (Some(f), None, None) | (None, Some(f), None) | (None, None, Some(f)) => Ok(Some(f)),
        (None, None, None) => Ok(None),
        _ => Err(Malformed::JsonAmbiguousField),
    }
}

fn write_v2_field(w: &mut Writer<'_>, ty: u32, field: &Field<'_>) -> Result<(), MacaroonError> {
    let len = field.len()?;
    v2::write_packet_header(w, ty, len)?;
    field.fill(w.reserve(len)?)
}

fn write_v1_field(w: &mut Writer<'_>, name: &[u8], field: &Field<'_>) -> Result<(), MacaroonError> {
    let len = field.len()?;
    v1::write_packet_header(w, name, len)?;
    field.fill(w.reserve(len)?)?;
    Ok(w.push_byte(b'\n')?)
}

fn caveat_objects<'t>(
    obj: &RawValue<'t>,
    key: &str,
) -> Result<impl Iterator<Item = RawValue<'t>>, Malformed> {
    let elements = match obj.get(key) {
        None => None,
        Some(v) if v.is_null() => None,
        Some(v) => Some(v.elements().ok_or(Malformed::JsonFieldType)?),
    };
    Ok(elements.into_iter().flatten())
}

fn signature_field(field: Option<Field<'_>>) -> Result<Field<'_>, Malformed> {
    let field = field.ok_or(Malformed::JsonMissingField)?;
    if field.len()? == SIGNATURE_LEN {
        Ok(field)
    } else {
        Err(Malformed::SignatureLength)
    }
}

fn transcode_v2(doc: &RawValue<'_>, w: &mut Writer<'_>) -> Result<(), MacaroonError> {
    w.push_byte(v2::VERSION_BYTE)?;
    if let Some(location) = string(doc, "l")? {
        write_v2_field(w, v2::FIELD_LOCATION, &Field::Text(location))?;
    }
    let id = binary(doc, "i", "iH", "i64")?.unwrap_or(Field::Text(JsonStr::Plain("")));
    write_v2_field(w, v2::FIELD_IDENTIFIER, &id)?;
    w.push_byte(0)?;
    for caveat in caveat_objects(doc, "c")? {
        if caveat.members().is_none() {
            return Err(Malformed::JsonFieldType.into());
        }
        if let Some(location) = string(&caveat, "l")? {
            write_v2_field(w, v2::FIELD_LOCATION, &Field::Text(location))?;
        }
        let cid = binary(&caveat, "i", "iH", "i64")?.unwrap_or(Field::Text(JsonStr::Plain("")));
        write_v2_field(w, v2::FIELD_IDENTIFIER, &cid)?;
        if let Some(vid) = binary(&caveat, "v", "vH", "v64")? {
            write_v2_field(w, v2::FIELD_VID, &vid)?;
        }
        w.push_byte(0)?;
    }
    w.push_byte(0)?;
    let sig = signature_field(binary(doc, "s", "sH", "s64")?)?;
    write_v2_field(w, v2::FIELD_SIGNATURE, &sig)
}

fn transcode_v1(doc: &RawValue<'_>, w: &mut Writer<'_>) -> Result<(), MacaroonError> {
    let empty = Field::Text(JsonStr::Plain(""));
    let location = string(doc, "location")?.map_or(empty, Field::Text);
    write_v1_field(w, b"location", &location)?;
    let id = string(doc, "identifier")?.map_or(empty, Field::Text);
    write_v1_field(w, b"identifier", &id)?;
    for caveat in caveat_objects(doc, "caveats")? {
        if caveat.members().is_none() {
            return Err(Malformed::JsonFieldType.into());
        }
        let cid = string(&caveat, "cid")?.map_or(empty, Field::Text);
        write_v1_field(w, b"cid", &cid)?;
        if let Some(vid) = plain(&caveat, "vid")? {
            write_v1_field(w, b"vid", &Field::Base64(vid))?;
        }
        if let Some(cl) = string(&caveat, "cl")? {
            write_v1_field(w, b"cl", &Field::Text(cl))?;
        }
    }
    let sig = signature_field(plain(doc, "signature")?.map(Field::Hex))?;
    write_v1_field(w, b"signature", &sig)
}

/// Decodes a JSON token (object or string) into `scratch`; see [`Macaroon::decode`].
pub(crate) fn decode<'a>(
    token: &[u8],
    scratch: &'a mut [u8],
) -> Result<Macaroon<'a>, MacaroonError> {
    let doc = RawValue::parse(token).map_err(|e| Malformed::Json(e.kind()))?;
    if let Some(s) = doc.as_str() {
        let text = s.as_plain().ok_or(Malformed::JsonBinaryField)?;
        let bytes = decode_into(text.as_bytes(), &Base64Policy::ANY, scratch).map_err(|e| {
            if e == Base64Error::BufferTooSmall {
                MacaroonError::BufferTooSmall
            } else {
                MacaroonError::Malformed(Malformed::Base64(e))
            }
        })?;
        return Macaroon::parse_binary(bytes);
    }
    if doc.members().is_none() {
        return Err(Malformed::JsonFieldType.into());
    }
    let has_v1 = V1_KEYS.iter().any(|k| doc.get(k).is_some());
    let has_v2 = V2_KEYS.iter().any(|k| doc.get(k).is_some());
    let len = {
        let mut w = Writer::new(scratch);
        match (has_v1, has_v2) {
            (true, false) => transcode_v1(&doc, &mut w)?,
            (false, true) => transcode_v2(&doc, &mut w)?,
            _ => return Err(Malformed::JsonUnknownFormat.into()),
        }
        w.len()
    };
    let scratch: &'a [u8] = scratch;
    Macaroon::parse_binary(scratch.get(..len).unwrap_or_default())
}
