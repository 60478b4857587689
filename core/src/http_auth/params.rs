//! Borrowed views of parsed auth-params: [`AuthParams`], [`AuthParam`], [`ParamValue`].

use super::grammar::Cursor;
use crate::error::BufferTooSmall;

/// The auth-params of one challenge or credential, in the order they were sent.
///
/// A borrowed, already validated span of the field value: iterating re-reads it and never
/// fails, and names are unique (ASCII case-insensitively). `Copy`, so it can be iterated as
/// often as needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct AuthParams<'a> {
    span: &'a str,
}

impl<'a> AuthParams<'a> {
    /// `span` must hold only auth-params and list separators (checked by the parsers).
    pub(super) const fn new(span: &'a str) -> Self {
        Self { span }
    }

    /// The parameters in order.
    pub fn iter(&self) -> AuthParamsIter<'a> {
        AuthParamsIter {
            cursor: Cursor::new(self.span),
        }
    }

    /// The value of the parameter called `name` (ASCII case-insensitive, RFC 9110 §11.2), if
    /// present.
    pub fn get(&self, name: &str) -> Option<ParamValue<'a>> {
        self.iter()
            .find(|param| param.name.eq_ignore_ascii_case(name))
            .map(|param| param.value)
    }

    /// `true` when there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.span.is_empty()
    }

    /// The parameters as written in the field value, from the first name to the end of the
    /// last value.
    pub fn as_str(&self) -> &'a str {
        self.span
    }
}

impl<'a> IntoIterator for &AuthParams<'a> {
    type Item = AuthParam<'a>;
    type IntoIter = AuthParamsIter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a> IntoIterator for AuthParams<'a> {
    type Item = AuthParam<'a>;
    type IntoIter = AuthParamsIter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Iterator over [`AuthParams`], see [`AuthParams::iter`].
#[derive(Clone, Debug)]
pub struct AuthParamsIter<'a> {
    cursor: Cursor<'a>,
}

impl<'a> Iterator for AuthParamsIter<'a> {
    type Item = AuthParam<'a>;

    fn next(&mut self) -> Option<AuthParam<'a>> {
        self.cursor.skip_separators();
        if self.cursor.at_end() {
            return None;
        }
        if let Ok(param) = self.cursor.auth_param() {
            Some(param)
        } else {
            // Not reachable for a span the parsers validated; stop rather than loop.
            self.cursor.pos = self.cursor.src.len();
            None
        }
    }
}

/// One `auth-param` (RFC 9110 §11.2): `name=value`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthParam<'a> {
    /// The name as written; compare it ASCII case-insensitively.
    pub name: &'a str,
    /// The value.
    pub value: ParamValue<'a>,
}

/// The value of an auth-param: a bare token or a quoted-string (RFC 9110 §5.6.2, §5.6.4).
///
/// Both forms are equivalent in meaning (RFC 9110 §11.2); use [`ParamValue::eq_str`],
/// [`ParamValue::as_plain`] or [`ParamValue::unescape_into`] rather than matching on the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamValue<'a> {
    /// An unquoted value. Besides RFC 9110 `tchar` it may contain `/` and end in `=`
    /// (token68-shaped values, sent unquoted by some L402 servers; lnget and lsat-js parse them).
    Token(&'a str),
    /// The text between the quotes of a quoted-string, with `\` quoted-pairs as written.
    Quoted(&'a str),
}

impl<'a> ParamValue<'a> {
    /// The value as written, without quotes but with escapes.
    pub fn raw(&self) -> &'a str {
        match *self {
            Self::Token(s) | Self::Quoted(s) => s,
        }
    }

    /// The characters of the value after undoing quoted-pairs.
    fn unescaped_chars(&self) -> impl Iterator<Item = char> + 'a {
        let quoted = matches!(self, Self::Quoted(_));
        let mut chars = self.raw().chars();
        core::iter::from_fn(move || match chars.next() {
            Some('\\') if quoted => chars.next(),
            other => other,
        })
    }

    /// Whether the value, after undoing quoted-pairs, is exactly `s` (case-sensitive).
    ///
    /// ```
    /// use pay402::http_auth::ParamValue;
    /// assert!(ParamValue::Quoted(r#"say \"hi\""#).eq_str(r#"say "hi""#));
    /// assert!(ParamValue::Token("USDC").eq_str("USDC"));
    /// ```
    pub fn eq_str(&self, s: &str) -> bool {
        self.unescaped_chars().eq(s.chars())
    }

    /// The value itself when it needs no unescaping (a token, or a quoted-string without `\`).
    pub fn as_plain(&self) -> Option<&'a str> {
        match *self {
            Self::Token(s) => Some(s),
            Self::Quoted(s) if !s.contains('\\') => Some(s),
            Self::Quoted(_) => None,
        }
    }

    /// Writes the value with its quoted-pairs undone into `buf` and returns it.
    ///
    /// The result is at most as long as [`ParamValue::raw`]. If `buf` is too small, the bytes
    /// written are zeroed again and [`BufferTooSmall`] is returned.
    ///
    /// ```
    /// use pay402::http_auth::ParamValue;
    /// let mut buf = [0u8; 16];
    /// assert_eq!(ParamValue::Quoted(r"a\\b\,c").unescape_into(&mut buf).unwrap(), r"a\b,c");
    /// ```
    pub fn unescape_into<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str, BufferTooSmall> {
        let mut len = 0usize;
        let mut failed = false;
        for ch in self.unescaped_chars() {
            let end = len.saturating_add(ch.len_utf8());
            if let Some(slot) = buf.get_mut(len..end) {
                ch.encode_utf8(slot);
                len = end;
            } else {
                failed = true;
                break;
            }
        }
        if failed {
            if let Some(dirty) = buf.get_mut(..len) {
                dirty.fill(0);
            }
            return Err(BufferTooSmall);
        }
        let buf: &'b [u8] = buf;
        let written = buf.get(..len).unwrap_or_default();
        // Whole `char`s were written, so this is valid UTF-8.
        core::str::from_utf8(written).map_err(|_| BufferTooSmall)
    }
}
