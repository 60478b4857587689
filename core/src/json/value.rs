//! [`RawValue`]: the exact source text of one validated JSON value, with borrowing accessors
//! and iterators.

use super::Limits;
use super::cursor::Cursor;
use super::error::JsonError;
use super::parse::validate;
use super::string::JsonStr;

/// The six kinds of JSON value (RFC 8259 §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `null`
    Null,
    /// `true` or `false`
    Bool,
    /// A number, e.g. `-1.5e3`.
    Number,
    /// A string, e.g. `"USDC"`.
    String,
    /// An array, `[...]`.
    Array,
    /// An object, `{...}`.
    Object,
}

/// The exact source text of one JSON value that has passed strict validation.
///
/// Only [`RawValue::parse`], [`RawValue::parse_with`] and the accessors of an already
/// validated value create one, so its text is always valid JSON: UTF-8, RFC 8259 grammar, no
/// duplicate object keys at any depth, nesting within the limits it was parsed with. The text
/// is borrowed, byte-exact, including insignificant whitespace *inside* the value, so it can be
/// echoed verbatim ([`RawValue::as_text`]) or re-emitted compactly
/// ([`super::write_minified`]).
#[derive(Clone, Copy, Debug)]
pub struct RawValue<'a> {
    text: &'a str,
}

impl<'a> RawValue<'a> {
    /// Parses a whole document with the default [`Limits`].
    ///
    /// Accepts exactly one value with optional JSON whitespace (space, tab, LF, CR) around it,
    /// which is trimmed. Rejects: invalid UTF-8; anything outside the RFC 8259 grammar
    /// (including a UTF-8 byte-order mark, which RFC 8259 §8.1 lets parsers refuse and which
    /// `JSON.parse` refuses too); duplicate object keys at every depth, compared after
    /// unescaping; nesting deeper than [`Limits::max_depth`]; lone or misordered surrogate
    /// escapes; unescaped control characters in strings. Grammar errors are reported before
    /// duplicate keys.
    ///
    /// Cost: one linear pass for the grammar, then per object with `k` members spanning `s`
    /// bytes at most `k × s` steps for the duplicate check (each key is compared with the
    /// ones before it; nothing is allocated). Callers cap inputs (x402 headers: 8 KiB), which
    /// keeps this small. Stack use is constant: validation never recurses.
    ///
    /// ```
    /// use pay402::json::{JsonErrorKind, RawValue};
    /// let v = RawValue::parse(b" {\"a\": [1, 2]} ")?;
    /// assert_eq!(v.as_text(), "{\"a\": [1, 2]}");
    /// let dup = RawValue::parse(br#"{"a":1,"\u0061":2}"#).unwrap_err();
    /// assert_eq!(dup.kind(), JsonErrorKind::DuplicateKey);
    /// assert_eq!(dup.offset(), 7);
    /// # Ok::<(), pay402::json::JsonError>(())
    /// ```
    pub fn parse(input: &'a [u8]) -> Result<Self, JsonError> {
        Self::parse_with(input, &Limits::default())
    }

    /// Parses a whole document like [`RawValue::parse`], with explicit [`Limits`].
    pub fn parse_with(input: &'a [u8], limits: &Limits) -> Result<Self, JsonError> {
        validate(input, limits).map(|text| Self { text })
    }

    /// Wraps a piece of text that is known to be one valid value (a part of a validated one).
    fn sub(text: &'a str) -> Self {
        Self { text }
    }

    /// Wraps text that the crate's own JSON writers ([`super::ObjectWriter`]) produced: one
    /// value, valid by construction (escaped strings, distinct keys), so it is not validated
    /// again. For the x402 server, which reads back the requirements it writes for its offers.
    #[cfg(feature = "x402")]
    pub(crate) fn from_written(text: &'a str) -> Self {
        Self { text }
    }

    /// The exact source text of the value, without surrounding whitespace.
    pub fn as_text(&self) -> &'a str {
        self.text
    }

    /// Which of the six kinds of value this is.
    pub fn kind(&self) -> Kind {
        match self.text.as_bytes().first() {
            Some(b'n') => Kind::Null,
            Some(b't' | b'f') => Kind::Bool,
            Some(b'"') => Kind::String,
            Some(b'[') => Kind::Array,
            Some(b'{') => Kind::Object,
            _ => Kind::Number,
        }
    }

    /// `true` for `null`.
    pub fn is_null(&self) -> bool {
        self.kind() == Kind::Null
    }

    /// The boolean, for `true` and `false`; `None` for every other kind.
    pub fn as_bool(&self) -> Option<bool> {
        match self.text {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }

    /// The string's content (escaped, as written between the quotes) for a string; `None`
    /// for every other kind.
    pub fn as_str(&self) -> Option<JsonStr<'a>> {
        if self.kind() != Kind::String {
            return None;
        }
        Cursor::new(self.text, 0)
            .string_content()
            .map(JsonStr::Escaped)
    }

    /// The number's source text (e.g. `"1.50e2"`) for a number; `None` for every other kind.
    pub fn as_number(&self) -> Option<&'a str> {
        (self.kind() == Kind::Number).then_some(self.text)
    }

    /// The value of a plain non-negative integer number (`0`, `60`, `10000`) that fits a
    /// `u64`. `None` for a sign, fraction or exponent (`-0`, `1.0`, `1e3`), for overflow and
    /// for every other kind.
    pub fn as_u64(&self) -> Option<u64> {
        let digits = self.as_number()?;
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok()
    }

    /// The members of an object, in source order; `None` for every other kind.
    pub fn members(&self) -> Option<Members<'a>> {
        (self.kind() == Kind::Object).then(|| Members {
            cursor: Cursor::new(self.text, 1),
        })
    }

    /// The elements of an array, in source order; `None` for every other kind.
    pub fn elements(&self) -> Option<Elements<'a>> {
        (self.kind() == Kind::Array).then(|| Elements {
            cursor: Cursor::new(self.text, 1),
        })
    }

    /// The value of the object member whose decoded key equals `key`; `None` when there is
    /// no such member or this is not an object. Keys are unique (validated), so at most one
    /// member matches.
    pub fn get(&self, key: &str) -> Option<RawValue<'a>> {
        self.members()?
            .find(|(k, _)| k.eq_str(key))
            .map(|(_, value)| value)
    }

    /// Number of members of an object or elements of an array; `None` for every other kind.
    pub fn len(&self) -> Option<usize> {
        match self.kind() {
            Kind::Object => self.members().map(Iterator::count),
            Kind::Array => self.elements().map(Iterator::count),
            _ => None,
        }
    }

    /// `Some(true)` for `{}` and `[]` (whatever whitespace inside), `Some(false)` for
    /// non-empty objects and arrays, `None` for every other kind.
    pub fn is_empty(&self) -> Option<bool> {
        match self.kind() {
            Kind::Object => self.members().map(|mut m| m.next().is_none()),
            Kind::Array => self.elements().map(|mut e| e.next().is_none()),
            _ => None,
        }
    }
}

impl core::fmt::Display for RawValue<'_> {
    /// Writes the exact source text ([`RawValue::as_text`]).
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.text)
    }
}

/// Iterator over the members of a JSON object as (key, value), in source order; see
/// [`RawValue::members`].
#[derive(Clone, Debug)]
pub struct Members<'a> {
    cursor: Cursor<'a>,
}

impl<'a> Iterator for Members<'a> {
    type Item = (JsonStr<'a>, RawValue<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        self.cursor
            .next_member()
            .map(|(_, key, value)| (JsonStr::Escaped(key), RawValue::sub(value)))
    }
}

impl core::iter::FusedIterator for Members<'_> {}

/// Iterator over the elements of a JSON array, in source order; see [`RawValue::elements`].
#[derive(Clone, Debug)]
pub struct Elements<'a> {
    cursor: Cursor<'a>,
}

impl<'a> Iterator for Elements<'a> {
    type Item = RawValue<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        self.cursor.next_element().map(RawValue::sub)
    }
}

impl core::iter::FusedIterator for Elements<'_> {}
