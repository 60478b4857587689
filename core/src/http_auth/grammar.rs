//! The RFC 9110 lexical rules shared by challenges and credentials: `tchar`, `token68`,
//! `quoted-string`, OWS/BWS and list separators, and the `auth-param` production.

use super::AuthError;
use super::params::{AuthParam, ParamValue};

/// `tchar` (RFC 9110 §5.6.2).
pub(super) const fn is_tchar(b: u8) -> bool {
    matches!(b,
        b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.'
        | b'^' | b'_' | b'`' | b'|' | b'~'
        | b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z')
}

/// A `token68` character other than the trailing `=` (RFC 9110 §11.2).
pub(super) const fn is_token68_char(b: u8) -> bool {
    matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/' | b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z')
}

/// A character allowed in the body of an unquoted parameter value: `tchar`, plus `/` so that the
/// token68-shaped values some L402 servers send unquoted are accepted (as lnget and lsat-js parse
/// them).
const fn is_unquoted_value_char(b: u8) -> bool {
    is_tchar(b) || b == b'/'
}

/// `qdtext` (RFC 9110 §5.6.4): HTAB, SP, VCHAR except `"` and `\`, and obs-text.
const fn is_qdtext(b: u8) -> bool {
    matches!(b, b'\t' | b' ' | 0x21 | 0x23..=0x5B | 0x5D..=0x7E | 0x80..=0xFF)
}

/// The character after `\` in a `quoted-pair` (RFC 9110 §5.6.4): HTAB, SP, VCHAR, obs-text.
const fn is_quoted_pair_char(b: u8) -> bool {
    matches!(b, b'\t' | b' ' | 0x21..=0x7E | 0x80..=0xFF)
}

/// A control character (CTL other than HTAB), never allowed in a field value.
pub(super) const fn is_ctl(b: u8) -> bool {
    (b < 0x20 && b != b'\t') || b == 0x7F
}

/// A position in a field value. Only ever advanced past bytes it has seen, so `pos` never
/// exceeds `src.len()` and every slice it takes lies on ASCII boundaries.
#[derive(Clone, Copy, Debug)]
pub(super) struct Cursor<'a> {
    pub(super) src: &'a str,
    pub(super) pos: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(src: &'a str) -> Self {
        Self { src, pos: 0 }
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    pub(super) fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    fn bump(&mut self) {
        if !self.at_end() {
            self.pos = self.pos.saturating_add(1);
        }
    }

    /// The text between `start` and the current position.
    pub(super) fn since(&self, start: usize) -> &'a str {
        self.src.get(start..self.pos).unwrap_or_default()
    }

    /// Advances over the bytes matching `f` and returns them.
    pub(super) fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(&f) {
            self.bump();
        }
        self.since(start)
    }

    /// Skips OWS / BWS (RFC 9110 §5.6.3): spaces and tabs.
    pub(super) fn skip_ows(&mut self) {
        self.take_while(|b| b == b' ' || b == b'\t');
    }

    /// Skips list separators, including empty list elements (RFC 9110 §5.6.1): OWS and commas.
    pub(super) fn skip_separators(&mut self) {
        self.take_while(|b| b == b' ' || b == b'\t' || b == b',');
    }

    /// If a `token68` (RFC 9110 §11.2) followed by OWS and then a comma or the end starts here,
    /// consumes it (not the OWS) and returns it; otherwise leaves the cursor where it was.
    pub(super) fn token68_element(&mut self) -> Option<&'a str> {
        let start = self.pos;
        let body = self.take_while(is_token68_char);
        self.take_while(|b| b == b'=');
        let end = self.pos;
        self.skip_ows();
        if !body.is_empty() && matches!(self.peek(), None | Some(b',')) {
            self.pos = end;
            Some(self.since(start))
        } else {
            self.pos = start;
            None
        }
    }

    /// Whether the list element starting here is an `auth-param` (`token BWS "="`) rather
    /// than the start of a new challenge. Does not move the cursor.
    pub(super) fn at_auth_param(&self) -> bool {
        let mut look = *self;
        look.take_while(is_tchar);
        look.skip_ows();
        look.peek() == Some(b'=')
    }

    /// Parses one `auth-param = token BWS "=" BWS ( token / quoted-string )` (RFC 9110 §11.2).
    ///
    /// Unquoted values may also contain `/` and end in `=` (token68-shaped; lnget and lsat-js parse
    /// them).
    pub(super) fn auth_param(&mut self) -> Result<AuthParam<'a>, AuthError> {
        let name = self.take_while(is_tchar);
        if name.is_empty() {
            return Err(AuthError::InvalidParam { offset: self.pos });
        }
        self.skip_ows();
        if self.peek() != Some(b'=') {
            return Err(AuthError::InvalidParam { offset: self.pos });
        }
        self.bump();
        self.skip_ows();
        let value = if self.peek() == Some(b'"') {
            ParamValue::Quoted(self.quoted_string()?)
        } else {
            let start = self.pos;
            self.take_while(is_unquoted_value_char);
            self.take_while(|b| b == b'=');
            let token = self.since(start);
            if token.is_empty() {
                return Err(AuthError::InvalidParam { offset: self.pos });
            }
            ParamValue::Token(token)
        };
        Ok(AuthParam { name, value })
    }

    /// Parses a `quoted-string` (RFC 9110 §5.6.4) starting at its opening quote and returns
    /// the text between the quotes, escapes as written.
    fn quoted_string(&mut self) -> Result<&'a str, AuthError> {
        let open = self.pos;
        self.bump();
        let start = self.pos;
        loop {
            match self.peek() {
                None => return Err(AuthError::UnterminatedQuotedString { offset: open }),
                Some(b'"') => {
                    let inner = self.since(start);
                    self.bump();
                    return Ok(inner);
                }
                Some(b'\\') => {
                    self.bump();
                    match self.peek() {
                        None => return Err(AuthError::UnterminatedQuotedString { offset: open }),
                        Some(b) if is_quoted_pair_char(b) => self.bump(),
                        Some(_) => return Err(AuthError::InvalidCharacter { offset: self.pos }),
                    }
                }
                Some(b) if is_qdtext(b) => self.bump(),
                Some(_) => return Err(AuthError::InvalidCharacter { offset: self.pos }),
            }
        }
    }

    /// After an element: OWS, then a comma or the end. Returns `true` at the end.
    pub(super) fn end_of_element(&mut self) -> Result<bool, AuthError> {
        self.skip_ows();
        match self.peek() {
            None => Ok(true),
            Some(b',') => Ok(false),
            Some(_) => Err(AuthError::InvalidCharacter { offset: self.pos }),
        }
    }
}

/// Parses a list of auth-params (with empty elements allowed) that makes up all of `src`,
/// rejecting duplicate names. Returns the span of `src` holding the parameters.
///
/// With `stop_at_challenge`, a list element after the first that is not an auth-param ends
/// the list (it starts the next challenge) and the cursor is left at its start.
pub(super) fn auth_param_list<'a>(
    c: &mut Cursor<'a>,
    stop_at_challenge: bool,
) -> Result<&'a str, AuthError> {
    c.skip_separators();
    let start = c.pos;
    let mut end = c.pos;
    while !c.at_end() {
        // The first element after a scheme is always an auth-param; later ones may start the
        // next challenge.
        if stop_at_challenge && end != start && !c.at_auth_param() {
            break;
        }
        let param_start = c.pos;
        let param = c.auth_param()?;
        let earlier = super::AuthParams::new(c.src.get(start..end).unwrap_or_default());
        if earlier.get(param.name).is_some() {
            return Err(AuthError::DuplicateParam {
                offset: param_start,
            });
        }
        end = c.pos;
        if c.end_of_element()? {
            break;
        }
        c.skip_separators();
    }
    Ok(c.src.get(start..end).unwrap_or_default())
}
