//! JSON strings: validation of the escaped form (RFC 8259 §7) and [`JsonStr`], a string's
//! content that decodes lazily, without a buffer.

use super::cursor::find_special;
use super::error::{JsonError, JsonErrorKind};
use crate::error::BufferTooSmall;

/// A JSON string's content: either the escaped source text between the quotes, or plain,
/// already-decoded Rust text.
///
/// Comparisons ([`PartialEq`], [`JsonStr::eq_str`]), [`JsonStr::chars`],
/// [`JsonStr::decoded_len`] and the writers all work on the decoded text, so `Escaped("A")`,
/// `Escaped("\u0041")` and `Plain("A")` are equal.
///
/// Values handed out by the parser ([`super::RawValue::as_str`], object keys) are always
/// `Escaped` and validated. An `Escaped` built by hand from text that is not valid JSON string
/// content never panics: each malformed escape decodes to U+FFFD and other characters decode
/// as themselves.
#[derive(Clone, Copy, Debug)]
pub enum JsonStr<'a> {
    /// The text between the quotes exactly as written in the JSON source, escapes included.
    Escaped(&'a str),
    /// Decoded text, taken literally (a backslash is just a backslash).
    Plain(&'a str),
}

impl<'a> JsonStr<'a> {
    /// `true` when this is `Escaped` text containing at least one backslash escape, i.e. the
    /// decoded text differs from the source and cannot be borrowed.
    pub fn has_escapes(&self) -> bool {
        match self {
            Self::Escaped(s) => s.as_bytes().contains(&b'\\'),
            Self::Plain(_) => false,
        }
    }

    /// The decoded text, when it can be borrowed: always for `Plain`, for `Escaped` when it
    /// contains no escape.
    pub fn as_plain(&self) -> Option<&'a str> {
        match *self {
            Self::Plain(s) => Some(s),
            Self::Escaped(s) if !self.has_escapes() => Some(s),
            Self::Escaped(_) => None,
        }
    }

    /// Decodes into `buf` and returns the decoded text, a prefix of `buf`.
    ///
    /// Fails with [`BufferTooSmall`] when `buf` is shorter than [`JsonStr::decoded_len`]; the
    /// decoded text is never longer than the escaped one, so a buffer of the escaped length
    /// always suffices.
    pub fn unescape_into<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str, BufferTooSmall> {
        let mut len = 0usize;
        for c in self.chars() {
            let end = len.checked_add(c.len_utf8()).ok_or(BufferTooSmall)?;
            let slot = buf.get_mut(len..end).ok_or(BufferTooSmall)?;
            c.encode_utf8(slot);
            len = end;
        }
        let written: &'b [u8] = buf.get(..len).ok_or(BufferTooSmall)?;
        // Only whole encoded chars were written, so this never fails; no panic path either way.
        core::str::from_utf8(written).map_err(|_| BufferTooSmall)
    }

    /// The decoded text when it is at most `buf.len()` bytes long: borrowed from the source
    /// when it has no escapes, otherwise unescaped into `buf`. `None` when it is longer, so
    /// `buf`'s length is also a cap on what the caller parses further.
    ///
    /// ```
    /// use pay402::json::JsonStr;
    /// let mut buf = [0u8; 4];
    /// assert_eq!(JsonStr::Escaped(r"\u0041B").text_in(&mut buf), Some("AB"));
    /// assert_eq!(JsonStr::Escaped("ABCDE").text_in(&mut buf), None);
    /// ```
    pub fn text_in<'b>(&self, buf: &'b mut [u8]) -> Option<&'b str>
    where
        'a: 'b,
    {
        match self.as_plain() {
            Some(text) if text.len() <= buf.len() => Some(text),
            Some(_) => None,
            None => self.unescape_into(buf).ok(),
        }
    }

    /// `true` when the decoded text equals `s`. Needs no buffer.
    pub fn eq_str(&self, s: &str) -> bool {
        match self.as_plain() {
            Some(plain) => plain == s,
            None => self.chars().eq(s.chars()),
        }
    }

    /// [`JsonStr::eq_str`] for content the parser validated (object keys, string values): a
    /// valid escape decodes to fewer bytes than it is written with, so escaped text as long as
    /// `s` equals it only when the bytes match and there is no escape, and shorter text never
    /// does; most mismatches cost one length comparison.
    pub(crate) fn eq_str_validated(&self, s: &str) -> bool {
        match *self {
            Self::Plain(plain) => plain == s,
            Self::Escaped(text) => match text.len().cmp(&s.len()) {
                core::cmp::Ordering::Less => false,
                core::cmp::Ordering::Equal => text == s && !self.has_escapes(),
                core::cmp::Ordering::Greater => self.has_escapes() && self.chars().eq(s.chars()),
            },
        }
    }

    /// The decoded characters, in order.
    pub fn chars(&self) -> Chars<'a> {
        match *self {
            Self::Escaped(s) => Chars {
                inner: s.chars(),
                escaped: true,
            },
            Self::Plain(s) => Chars {
                inner: s.chars(),
                escaped: false,
            },
        }
    }

    /// Length in bytes of the decoded text encoded as UTF-8.
    pub fn decoded_len(&self) -> usize {
        match self.as_plain() {
            Some(plain) => plain.len(),
            None => self
                .chars()
                .fold(0usize, |n, c| n.saturating_add(c.len_utf8())),
        }
    }

    /// `true` when the decoded text is empty.
    pub fn is_empty(&self) -> bool {
        match self {
            // An escape always decodes to at least one char, so empty source ⇔ empty text.
            Self::Escaped(s) | Self::Plain(s) => s.is_empty(),
        }
    }
}

impl PartialEq for JsonStr<'_> {
    /// Equality of the decoded texts.
    fn eq(&self, other: &Self) -> bool {
        match (self.as_plain(), other.as_plain()) {
            (Some(a), Some(b)) => a == b,
            _ => self.chars().eq(other.chars()),
        }
    }
}

impl Eq for JsonStr<'_> {}

impl PartialEq<str> for JsonStr<'_> {
    fn eq(&self, other: &str) -> bool {
        self.eq_str(other)
    }
}

impl PartialEq<&str> for JsonStr<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.eq_str(other)
    }
}

impl<'a> From<&'a str> for JsonStr<'a> {
    /// Wraps decoded text as [`JsonStr::Plain`].
    fn from(s: &'a str) -> Self {
        Self::Plain(s)
    }
}

impl core::fmt::Display for JsonStr<'_> {
    /// Writes the decoded text.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.as_plain() {
            Some(plain) => f.write_str(plain),
            None => self
                .chars()
                .try_for_each(|c| core::fmt::Write::write_char(f, c)),
        }
    }
}

/// Iterator over the decoded characters of a [`JsonStr`]; see [`JsonStr::chars`].
#[derive(Clone, Debug)]
pub struct Chars<'a> {
    inner: core::str::Chars<'a>,
    escaped: bool,
}

impl Iterator for Chars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let c = self.inner.next()?;
        if !self.escaped || c != '\\' {
            return Some(c);
        }
        Some(match self.inner.next() {
            Some('"') => '"',
            Some('\\') => '\\',
            Some('/') => '/',
            Some('b') => '\u{8}',
            Some('f') => '\u{c}',
            Some('n') => '\n',
            Some('r') => '\r',
            Some('t') => '\t',
            Some('u') => self.unicode_escape(),
            _ => char::REPLACEMENT_CHARACTER,
        })
    }
}

impl Chars<'_> {
    /// Decodes the rest of a `\u` escape (the `\u` is consumed), joining surrogate pairs.
    fn unicode_escape(&mut self) -> char {
        let Some(first) = hex4(&mut self.inner) else {
            return char::REPLACEMENT_CHARACTER;
        };
        if !(0xD800..0xDC00).contains(&first) {
            return char::from_u32(first).unwrap_or(char::REPLACEMENT_CHARACTER);
        }
        // A high surrogate: only a directly following `\uDC00`–`\uDFFF` completes it.
        let mut lookahead = self.inner.clone();
        if lookahead.next() == Some('\\')
            && lookahead.next() == Some('u')
            && let Some(low) = hex4(&mut lookahead).filter(|low| (0xDC00..0xE000).contains(low))
        {
            self.inner = lookahead;
            let code = 0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00);
            return char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
        }
        char::REPLACEMENT_CHARACTER
    }
}

fn hex4(chars: &mut core::str::Chars<'_>) -> Option<u32> {
    let mut value = 0u32;
    for _ in 0..4 {
        value = (value << 4) | chars.next()?.to_digit(16)?;
    }
    Some(value)
}

fn hex4_bytes(bytes: &[u8], at: usize) -> Option<u32> {
    let digits = bytes.get(at..at.checked_add(4)?)?;
    digits.iter().try_fold(0u32, |value, &b| {
        Some((value << 4) | char::from(b).to_digit(16)?)
    })
}

/// Validates the string whose opening quote is at `open` and returns the offset just past
/// its closing quote.
///
/// Rejects unescaped control characters, unknown escapes, `\u` without four hex digits, and
/// surrogate escapes that do not form a high-low pair. `bytes` must be valid UTF-8 (bytes
/// ≥ 0x80 are passed over unchecked).
pub(crate) fn scan_string(bytes: &[u8], open: usize) -> Result<usize, JsonError> {
    let error = JsonError::new;
    let mut i = open.saturating_add(1);
    loop {
        i = find_special(bytes, i);
        let Some(&b) = bytes.get(i) else {
            return Err(error(JsonErrorKind::UnexpectedEnd, i));
        };
        match b {
            b'"' => return Ok(i.saturating_add(1)),
            0x00..=0x1F => return Err(error(JsonErrorKind::ControlCharacter, i)),
            b'\\' => i = scan_escape(bytes, i)?,
            _ => i = i.saturating_add(1),
        }
    }
}

/// Validates the escape whose backslash is at `at`; returns the offset just past it.
fn scan_escape(bytes: &[u8], at: usize) -> Result<usize, JsonError> {
    let invalid = JsonError::new(JsonErrorKind::InvalidEscape, at);
    let end = JsonError::new(JsonErrorKind::UnexpectedEnd, bytes.len());
    let next = at.saturating_add(1);
    match bytes.get(next) {
        None => Err(end),
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(next.saturating_add(1)),
        Some(b'u') => {
            let digits = next.saturating_add(1);
            let after = digits.saturating_add(4);
            let Some(code) = hex4_bytes(bytes, digits) else {
                return Err(if cut_short(bytes, digits, b"xxxx") {
                    end
                } else {
                    invalid
                });
            };
            match code {
                // A high surrogate must be followed directly by `\u` and a low surrogate.
                0xD800..=0xDBFF => match bytes.get(after..after.saturating_add(2)) {
                    Some(b"\\u") => match hex4_bytes(bytes, after.saturating_add(2)) {
                        Some(0xDC00..=0xDFFF) => Ok(after.saturating_add(6)),
                        None if cut_short(bytes, after, b"\\uxxxx") => Err(end),
                        _ => Err(invalid),
                    },
                    _ if cut_short(bytes, after, b"\\uxxxx") => Err(end),
                    _ => Err(invalid),
                },
                0xDC00..=0xDFFF => Err(invalid),
                _ => Ok(after),
            }
        }
        Some(_) => Err(invalid),
    }
}

/// `true` when the input ends before `pattern` is complete at `from` and every byte that is
/// there fits it (`x` stands for a hex digit): the escape was cut short, not malformed.
fn cut_short(bytes: &[u8], from: usize, pattern: &[u8]) -> bool {
    let present = bytes.get(from..).unwrap_or_default();
    present.len() < pattern.len()
        && present.iter().zip(pattern).all(|(&b, &p)| {
            if p == b'x' {
                b.is_ascii_hexdigit()
            } else {
                b == p
            }
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly on purpose")]
mod tests {
    use super::*;

    fn scan(text: &str) -> Result<usize, (JsonErrorKind, usize)> {
        scan_string(text.as_bytes(), 0).map_err(|e| (e.kind(), e.offset()))
    }

    #[test]
    fn accepts_every_rfc_8259_escape() {
        let text = r#""\" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00 \u0000""#;
        assert_eq!(scan(text), Ok(text.len()));
    }

    #[test]
    fn rejects_unknown_escapes() {
        assert_eq!(scan(r#""a\x""#), Err((JsonErrorKind::InvalidEscape, 2)));
        assert_eq!(scan(r#""\'""#), Err((JsonErrorKind::InvalidEscape, 1)));
        assert_eq!(scan(r#""\u12g4""#), Err((JsonErrorKind::InvalidEscape, 1)));
        assert_eq!(scan(r#""\U0041""#), Err((JsonErrorKind::InvalidEscape, 1)));
    }

    #[test]
    fn rejects_lone_and_misordered_surrogates() {
        assert_eq!(scan(r#""\ud800""#), Err((JsonErrorKind::InvalidEscape, 1)));
        assert_eq!(scan(r#""\ud800x""#), Err((JsonErrorKind::InvalidEscape, 1)));
        assert_eq!(
            scan(r#""\ude00\ud83d""#),
            Err((JsonErrorKind::InvalidEscape, 1))
        );
        assert_eq!(
            scan(r#""\ud83d\ud83d""#),
            Err((JsonErrorKind::InvalidEscape, 1))
        );
        assert_eq!(
            scan(r#""\ud83d\n""#),
            Err((JsonErrorKind::InvalidEscape, 1))
        );
    }

    #[test]
    fn rejects_raw_control_characters() {
        assert_eq!(scan("\"a\nb\""), Err((JsonErrorKind::ControlCharacter, 2)));
        assert_eq!(scan("\"\t\""), Err((JsonErrorKind::ControlCharacter, 1)));
        assert_eq!(scan("\"\u{0}\""), Err((JsonErrorKind::ControlCharacter, 1)));
        assert_eq!(scan("\"\u{7f}\""), Ok(3)); // DEL is not a control character in JSON
    }

    #[test]
    fn reports_a_string_cut_short_as_unexpected_end() {
        assert_eq!(scan(r#""abc"#), Err((JsonErrorKind::UnexpectedEnd, 4)));
        assert_eq!(scan(r#""\"#), Err((JsonErrorKind::UnexpectedEnd, 2)));
        assert_eq!(scan(r#""\u00"#), Err((JsonErrorKind::UnexpectedEnd, 5)));
        assert_eq!(scan(r#""\ud83d"#), Err((JsonErrorKind::UnexpectedEnd, 7)));
        assert_eq!(
            scan(r#""\ud83d\ude"#),
            Err((JsonErrorKind::UnexpectedEnd, 11))
        );
    }

    #[test]
    fn decodes_escapes_and_surrogate_pairs() {
        let s = JsonStr::Escaped(r"caf\u00e9 \ud83d\ude00 \/\t\u0041");
        let mut buf = [0u8; 32];
        assert_eq!(s.unescape_into(&mut buf), Ok("café 😀 /\tA"));
        assert_eq!(s.decoded_len(), "café 😀 /\tA".len());
        assert!(s.eq_str("café 😀 /\tA"));
        assert!(!s.eq_str("café 😀 /\tB"));
        assert!(s.has_escapes());
        assert_eq!(s.as_plain(), None);
    }

    #[test]
    fn unescape_into_a_short_buffer_is_buffer_too_small() {
        let s = JsonStr::Escaped(r"\u00e9\u00e9");
        let mut buf = [0u8; 3];
        assert_eq!(s.unescape_into(&mut buf), Err(BufferTooSmall));
        let mut buf = [0u8; 4];
        assert_eq!(s.unescape_into(&mut buf), Ok("éé"));
    }

    #[test]
    fn escaped_and_plain_forms_of_the_same_text_are_equal() {
        assert_eq!(JsonStr::Escaped(r"\u0061"), JsonStr::Plain("a"));
        assert_eq!(JsonStr::Escaped(r"\u0061"), JsonStr::Escaped("a"));
        assert_ne!(JsonStr::Escaped(r"\\n"), JsonStr::Plain("\n"));
        assert_eq!(JsonStr::Plain(r"\n"), JsonStr::Escaped(r"\\n"));
        assert_eq!(JsonStr::from("x"), JsonStr::Escaped("x"));
        assert!(JsonStr::Plain("").is_empty());
        assert!(!JsonStr::Escaped(r"\u0000").is_empty());
        assert_eq!(JsonStr::Escaped(r"\u0000").decoded_len(), 1);
        assert_eq!(JsonStr::Escaped("plain").as_plain(), Some("plain"));
        assert!(!JsonStr::Plain(r"a\b").has_escapes());
    }

    #[test]
    fn hand_built_malformed_escapes_decode_to_replacement_characters() {
        let s = JsonStr::Escaped(r"\x\ud800\u12\");
        assert!(
            s.chars()
                .all(|c| c == char::REPLACEMENT_CHARACTER || c.is_ascii())
        );
        assert!(s.decoded_len() > 0);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly on purpose")]
mod fast_path_tests {
    use super::super::RawValue;
    use super::super::cursor::find_special;

    /// `eq_str_validated` answers as `eq_str` on parser-validated strings.
    #[test]
    fn validated_comparison_agrees_with_eq_str() {
        let docs: [&str; 8] = [
            r#""a""#,
            r#""\u0061""#,
            r#""ab""#,
            r#""a\"b""#,
            r#""\ud83d\ude00""#,
            r#""""#,
            r#""\\""#,
            r#""é\n""#,
        ];
        let others = [
            "a", "ab", "a\"b", "😀", "", "\\", "é\n", "\\u0061", "b", "aa",
        ];
        for doc in docs {
            let s = RawValue::parse(doc.as_bytes()).unwrap().as_str().unwrap();
            for other in others {
                assert_eq!(
                    s.eq_str_validated(other),
                    s.eq_str(other),
                    "{doc:?} {other}"
                );
            }
        }
    }

    /// `find_special` finds the first `"`, `\` or control byte at every position of a word.
    #[test]
    fn find_special_finds_the_first_special_byte() {
        for special in [b'"', b'\\', 0x00, 0x1f] {
            for len in 0..40 {
                for at in 0..=len {
                    let mut bytes = [b'x'; 40];
                    // Bytes at and above 0x80 and just above the specials are plain.
                    for (i, b) in bytes.iter_mut().enumerate().take(len) {
                        *b = [b'x', 0x80, 0xff, b'#', b']', b' '][i % 6];
                    }
                    if at < len {
                        bytes[at] = special;
                    }
                    assert_eq!(find_special(&bytes[..len], 0), at, "{special} {len} {at}");
                }
            }
        }
    }
}
