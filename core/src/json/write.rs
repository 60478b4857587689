//! Compact JSON output in the form JavaScript's `JSON.stringify` emits.
//!
//! On [`BufferTooSmall`] these functions may have written a prefix; run them under
//! [`crate::writer::write_all`] to have it zeroed.

use super::cursor::{Cursor, is_ws};
use super::string::JsonStr;
use super::value::RawValue;
use crate::error::BufferTooSmall;
use crate::writer::Writer;

/// Writes `s` as a JSON string: quotes, and escapes exactly as `JSON.stringify` does.
///
/// `"` → `\"`, `\` → `\\`, U+0008/0009/000A/000C/000D → `\b` `\t` `\n` `\f` `\r`, every other
/// control character below U+0020 → `\u00xx` with lowercase hex. Nothing else is escaped:
/// `/`, DEL, U+2028/U+2029 and all non-ASCII characters are written verbatim as UTF-8 (a
/// `&str` cannot hold the lone surrogates that `JSON.stringify` would escape).
///
/// ```
/// use pay402::json::write_string;
/// use pay402::writer::Writer;
/// let mut buf = [0u8; 32];
/// let mut w = Writer::new(&mut buf);
/// write_string(&mut w, "a\"/é\n\u{1}")?;
/// assert_eq!(w.written(), r#""a\"/é\n\u0001""#.as_bytes());
/// # Ok::<(), pay402::BufferTooSmall>(())
/// ```
pub fn write_string(w: &mut Writer<'_>, s: &str) -> Result<(), BufferTooSmall> {
    w.push_byte(b'"')?;
    write_escaped_content(w, s)?;
    w.push_byte(b'"')
}

/// Writes the text `value` displays as a JSON string, escaped as [`write_string`] does,
/// straight into `w` through a [`core::fmt::Write`] adapter: no intermediate buffer, no
/// allocation. For free text the caller does not hold as a `&str` (an error's message).
///
/// Errors: [`BufferTooSmall`] when the text does not fit, and also when `value`'s `Display`
/// implementation fails on its own (it cannot say more); either way run it under
/// [`crate::writer::write_all`] to have the prefix zeroed.
///
/// ```
/// use pay402::json::write_display;
/// use pay402::writer::Writer;
/// let mut buf = [0u8; 32];
/// let mut w = Writer::new(&mut buf);
/// write_display(&mut w, &format_args!("{} \"{}\"\n", 402, "é"))?;
/// assert_eq!(w.written(), r#""402 \"é\"\n""#.as_bytes());
/// # Ok::<(), pay402::BufferTooSmall>(())
/// ```
pub fn write_display(
    w: &mut Writer<'_>,
    value: &dyn core::fmt::Display,
) -> Result<(), BufferTooSmall> {
    w.push_byte(b'"')?;
    core::fmt::write(&mut Escaping { w }, format_args!("{value}")).map_err(|_| BufferTooSmall)?;
    w.push_byte(b'"')
}

/// A [`core::fmt::Write`] that escapes what it is given as JSON string content.
struct Escaping<'w, 'b> {
    w: &'w mut Writer<'b>,
}

impl core::fmt::Write for Escaping<'_, '_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        write_escaped_content(self.w, s).map_err(|_| core::fmt::Error)
    }
}

/// Writes the escaped content of `s` (no quotes), in runs of bytes that need no escape.
fn write_escaped_content(w: &mut Writer<'_>, s: &str) -> Result<(), BufferTooSmall> {
    let bytes = s.as_bytes();
    let mut run_start = 0usize;
    for (i, &b) in bytes.iter().enumerate() {
        if b >= 0x20 && b != b'"' && b != b'\\' {
            continue;
        }
        w.push(bytes.get(run_start..i).unwrap_or_default())?;
        write_escape(w, b)?;
        run_start = i.saturating_add(1);
    }
    w.push(bytes.get(run_start..).unwrap_or_default())
}

/// Writes the escape sequence for an ASCII byte that `JSON.stringify` escapes.
fn write_escape(w: &mut Writer<'_>, b: u8) -> Result<(), BufferTooSmall> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let short = match b {
        b'"' => b'"',
        b'\\' => b'\\',
        0x08 => b'b',
        0x09 => b't',
        0x0A => b'n',
        0x0C => b'f',
        0x0D => b'r',
        _ => {
            let hi = HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0');
            let lo = HEX.get(usize::from(b & 0x0F)).copied().unwrap_or(b'0');
            return w.push(&[b'\\', b'u', b'0', b'0', hi, lo]);
        }
    };
    w.push(&[b'\\', short])
}

/// Writes a [`JsonStr`] as a JSON string: decodes it, then escapes canonically as
/// [`write_string`] does. `"\u0041\/"` comes out as `"A/"`.
pub fn write_json_str(w: &mut Writer<'_>, s: &JsonStr<'_>) -> Result<(), BufferTooSmall> {
    if let Some(plain) = s.as_plain() {
        return write_string(w, plain);
    }
    w.push_byte(b'"')?;
    let mut utf8 = [0u8; 4];
    for c in s.chars() {
        write_escaped_content(w, c.encode_utf8(&mut utf8))?;
    }
    w.push_byte(b'"')
}

/// Writes `value` in decimal, as `JSON.stringify` writes an integer.
pub fn write_u64(w: &mut Writer<'_>, value: u64) -> Result<(), BufferTooSmall> {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = value;
    loop {
        start = start.saturating_sub(1);
        if let Some(slot) = digits.get_mut(start) {
            // `rest % 10` is below 10, so the narrowing cannot lose anything.
            *slot = b'0' + u8::try_from(rest % 10).unwrap_or(0);
        }
        rest /= 10;
        if rest == 0 || start == 0 {
            break;
        }
    }
    w.push(digits.get(start..).unwrap_or_default())
}

/// Writes `value` compactly: all insignificant whitespace removed, member order kept,
/// strings (keys included) decoded and re-escaped as [`write_string`] does, numbers and
/// literals verbatim. For a document produced by `JSON.stringify` this reproduces it byte for
/// byte. Iterative: no recursion whatever the nesting.
///
/// ```
/// use pay402::json::{RawValue, write_minified};
/// use pay402::writer::Writer;
/// let v = RawValue::parse(br#"{ "b" : [1, 2 ] , "a":"\u0041\/" }"#)?;
/// let mut buf = [0u8; 64];
/// let mut w = Writer::new(&mut buf);
/// write_minified(&mut w, &v).unwrap();
/// assert_eq!(w.written(), br#"{"b":[1,2],"a":"A/"}"#);
/// # Ok::<(), pay402::json::JsonError>(())
/// ```
pub fn write_minified(w: &mut Writer<'_>, value: &RawValue<'_>) -> Result<(), BufferTooSmall> {
    let text = value.as_text();
    let bytes = text.as_bytes();
    let mut i = 0usize;
    // Start of the pending run of bytes that are copied verbatim.
    let mut run_start = 0usize;
    while let Some(&b) = bytes.get(i) {
        if b == b'"' || is_ws(b) {
            w.push(bytes.get(run_start..i).unwrap_or_default())?;
            if b == b'"' {
                let mut cursor = Cursor::new(text, i);
                let Some(content) = cursor.string_content() else {
                    return Ok(()); // impossible: the value was validated
                };
                write_json_str(w, &JsonStr::Escaped(content))?;
                i = cursor.pos();
            } else {
                i = i.saturating_add(1);
            }
            run_start = i;
        } else {
            i = i.saturating_add(1);
        }
    }
    w.push(bytes.get(run_start..).unwrap_or_default())
}

/// Writes an object member's `"key":` prefix, preceded by a comma unless it is the first.
fn write_key(w: &mut Writer<'_>, first: &mut bool, key: &str) -> Result<(), BufferTooSmall> {
    write_separator(w, first)?;
    write_string(w, key)?;
    w.push_byte(b':')
}

fn write_separator(w: &mut Writer<'_>, first: &mut bool) -> Result<(), BufferTooSmall> {
    if *first {
        *first = false;
        Ok(())
    } else {
        w.push_byte(b',')
    }
}

/// Writes a compact JSON object member by member, keys in call order, commas handled.
///
/// [`ObjectWriter::begin`] writes `{`, [`ObjectWriter::end`] writes `}`; every `field_*`
/// writes `"key":value` with the key escaped as [`write_string`] does. Keys are not checked
/// for duplicates: writing each key once is the caller's job.
///
/// ```
/// use pay402::json::ObjectWriter;
/// use pay402::writer::Writer;
/// let mut buf = [0u8; 96];
/// let mut w = Writer::new(&mut buf);
/// let mut o = ObjectWriter::begin(&mut w)?;
/// o.field_u64("x402Version", 2)?;
/// o.field_with("extra", |w| {
///     let mut extra = ObjectWriter::begin(w)?;
///     extra.field_str("name", "USDC")?;
///     extra.end()
/// })?;
/// o.field_bool("ok", true)?;
/// o.end()?;
/// assert_eq!(w.written(), br#"{"x402Version":2,"extra":{"name":"USDC"},"ok":true}"#);
/// # Ok::<(), pay402::BufferTooSmall>(())
/// ```
#[derive(Debug)]
pub struct ObjectWriter<'w, 'b> {
    w: &'w mut Writer<'b>,
    first: bool,
}

impl<'w, 'b> ObjectWriter<'w, 'b> {
    /// Writes `{` and starts an object.
    pub fn begin(w: &'w mut Writer<'b>) -> Result<Self, BufferTooSmall> {
        w.push_byte(b'{')?;
        Ok(Self { w, first: true })
    }

    /// Writes a member with a string value, escaped as [`write_string`] does.
    pub fn field_str(&mut self, key: &str, value: &str) -> Result<(), BufferTooSmall> {
        self.field_with(key, |w| write_string(w, value))
    }

    /// Writes a member with a [`JsonStr`] value, decoded and re-escaped canonically.
    pub fn field_json_str(&mut self, key: &str, value: &JsonStr<'_>) -> Result<(), BufferTooSmall> {
        self.field_with(key, |w| write_json_str(w, value))
    }

    /// Writes a member with the text `value` displays, escaped as [`write_display`] does.
    pub fn field_display(
        &mut self,
        key: &str,
        value: &dyn core::fmt::Display,
    ) -> Result<(), BufferTooSmall> {
        self.field_with(key, |w| write_display(w, value))
    }

    /// Writes a member with an integer value.
    pub fn field_u64(&mut self, key: &str, value: u64) -> Result<(), BufferTooSmall> {
        self.field_with(key, |w| write_u64(w, value))
    }

    /// Writes a member with `true` or `false`.
    pub fn field_bool(&mut self, key: &str, value: bool) -> Result<(), BufferTooSmall> {
        self.field_with(key, |w| w.push_str(if value { "true" } else { "false" }))
    }

    /// Writes a member with `null`.
    pub fn field_null(&mut self, key: &str) -> Result<(), BufferTooSmall> {
        self.field_with(key, |w| w.push_str("null"))
    }

    /// Writes a member with a parsed value, minified as [`write_minified`] does.
    pub fn field_raw(&mut self, key: &str, value: &RawValue<'_>) -> Result<(), BufferTooSmall> {
        self.field_with(key, |w| write_minified(w, value))
    }

    /// Writes `"key":` and lets `value` write the value itself (a nested object or array, a
    /// custom encoding). The closure must write exactly one JSON value.
    pub fn field_with(
        &mut self,
        key: &str,
        value: impl FnOnce(&mut Writer<'b>) -> Result<(), BufferTooSmall>,
    ) -> Result<(), BufferTooSmall> {
        write_key(self.w, &mut self.first, key)?;
        value(self.w)
    }

    /// Writes `}` and ends the object.
    pub fn end(self) -> Result<(), BufferTooSmall> {
        self.w.push_byte(b'}')
    }
}

/// Writes a compact JSON array element by element, commas handled.
///
/// [`ArrayWriter::begin`] writes `[`, [`ArrayWriter::end`] writes `]`.
///
/// ```
/// use pay402::json::{ArrayWriter, ObjectWriter};
/// use pay402::writer::Writer;
/// let mut buf = [0u8; 32];
/// let mut w = Writer::new(&mut buf);
/// let mut a = ArrayWriter::begin(&mut w)?;
/// a.element_str("exact")?;
/// a.element_with(|w| ObjectWriter::begin(w)?.end())?;
/// a.element_u64(7)?;
/// a.end()?;
/// assert_eq!(w.written(), br#"["exact",{},7]"#);
/// # Ok::<(), pay402::BufferTooSmall>(())
/// ```
#[derive(Debug)]
pub struct ArrayWriter<'w, 'b> {
    w: &'w mut Writer<'b>,
    first: bool,
}

impl<'w, 'b> ArrayWriter<'w, 'b> {
    /// Writes `[` and starts an array.
    pub fn begin(w: &'w mut Writer<'b>) -> Result<Self, BufferTooSmall> {
        w.push_byte(b'[')?;
        Ok(Self { w, first: true })
    }

    /// Writes a string element, escaped as [`write_string`] does.
    pub fn element_str(&mut self, value: &str) -> Result<(), BufferTooSmall> {
        self.element_with(|w| write_string(w, value))
    }

    /// Writes a [`JsonStr`] element, decoded and re-escaped canonically.
    pub fn element_json_str(&mut self, value: &JsonStr<'_>) -> Result<(), BufferTooSmall> {
        self.element_with(|w| write_json_str(w, value))
    }

    /// Writes an integer element.
    pub fn element_u64(&mut self, value: u64) -> Result<(), BufferTooSmall> {
        self.element_with(|w| write_u64(w, value))
    }

    /// Writes a parsed value as an element, minified as [`write_minified`] does.
    pub fn element_raw(&mut self, value: &RawValue<'_>) -> Result<(), BufferTooSmall> {
        self.element_with(|w| write_minified(w, value))
    }

    /// Writes the separator and lets `value` write one JSON value itself.
    pub fn element_with(
        &mut self,
        value: impl FnOnce(&mut Writer<'b>) -> Result<(), BufferTooSmall>,
    ) -> Result<(), BufferTooSmall> {
        write_separator(self.w, &mut self.first)?;
        value(self.w)
    }

    /// Writes `]` and ends the array.
    pub fn end(self) -> Result<(), BufferTooSmall> {
        self.w.push_byte(b']')
    }
}
