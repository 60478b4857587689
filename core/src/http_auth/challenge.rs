//! `WWW-Authenticate` / `Proxy-Authenticate` challenge lists (RFC 9110 §11.6.1, §11.7.1).

use super::grammar::{Cursor, auth_param_list, is_tchar};
use super::{AuthError, AuthParams};

/// One challenge: `auth-scheme [ 1*SP ( token68 / #auth-param ) ]` (RFC 9110 §11.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Challenge<'a> {
    /// The auth-scheme as written; compare it with [`Challenge::scheme_is`].
    pub scheme: &'a str,
    /// The auth-params (empty for a token68 challenge or a bare scheme).
    pub params: AuthParams<'a>,
    /// The token68, for challenges of that form (e.g. `Negotiate abc==`).
    pub token68: Option<&'a str>,
}

impl Challenge<'_> {
    /// Whether the scheme is `name`, ASCII case-insensitively (RFC 9110 §11.1).
    pub fn scheme_is(&self, name: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(name)
    }
}

/// Iterates the challenges of one `WWW-Authenticate` (or `Proxy-Authenticate`) field value.
///
/// The value may hold several comma-folded challenges of different schemes, and several field
/// lines may be joined with `", "` before parsing (RFC 9110 §5.3). Empty list elements
/// (`, ,`) are skipped.
///
/// Each item is a [`Challenge`] or the first [`AuthError`]; after an error the iterator ends.
/// A value holding no challenge at all (empty, or only commas and whitespace) yields a single
/// [`AuthError::Empty`].
///
/// # How elements are assigned to challenges
/// RFC 9110's grammar is ambiguous in two places; this parser resolves them as curl's and
/// Go's parsers and the RFC 7235 errata discussion do:
/// - **token68 or auth-params?** After the scheme and its spaces, the rest of the list element
///   is a token68 when it is exactly `token68` (letters, digits, `-._~+/`, then any `=`)
///   followed by OWS and a comma or the end; anything else is parsed as auth-params. So
///   `Negotiate abc==` carries a token68, `Basic realm="x"` and `Basic realm=x` carry a
///   parameter, and `Foo realm=` carries the token68 `realm=` (an auth-param needs a value).
/// - **next parameter or next challenge?** After a comma, an element that starts with
///   `token BWS "="` is another auth-param of the current challenge; any other element starts
///   a new challenge. A token68 challenge never has parameters, so the element after it always
///   starts a new challenge. An auth-param right after a bare scheme and a comma
///   (`Basic, realm="x"`, an empty first list element) belongs to that scheme, since it can
///   belong nowhere else.
///
/// Where RFC 9110 asks for `1*SP` after the scheme, tabs are accepted too (as OWS).
/// Unquoted parameter values may also contain `/` and end in `=` (see [`super::ParamValue::Token`]).
/// Names must be unique within a challenge, ASCII case-insensitively
/// ([`AuthError::DuplicateParam`]). Parsing borrows from `field_value`, never allocates, and
/// is not recursive; the duplicate check makes it quadratic in the number of parameters of one
/// challenge.
///
/// ```
/// use pay402::http_auth::challenges;
///
/// let value = r#"Payment id="x", realm="api", L402 macaroon="AgEE", invoice="lnbc1", Negotiate abc=="#;
/// let mut it = challenges(value);
/// let payment = it.next().unwrap().unwrap();
/// assert!(payment.scheme_is("payment"));
/// assert!(payment.params.get("ID").unwrap().eq_str("x"));
/// let l402 = it.next().unwrap().unwrap();
/// assert_eq!(l402.scheme, "L402");
/// assert_eq!(l402.params.get("invoice").unwrap().as_plain(), Some("lnbc1"));
/// assert_eq!(it.next().unwrap().unwrap().token68, Some("abc=="));
/// assert!(it.next().is_none());
/// ```
pub fn challenges(field_value: &str) -> Challenges<'_> {
    Challenges {
        cursor: Cursor::new(field_value),
        started: false,
        done: false,
    }
}

/// Iterator over the challenges of a field value, see [`challenges`].
#[derive(Clone, Debug)]
pub struct Challenges<'a> {
    cursor: Cursor<'a>,
    started: bool,
    done: bool,
}

impl<'a> Challenges<'a> {
    fn challenge(&mut self) -> Result<Option<Challenge<'a>>, AuthError> {
        let c = &mut self.cursor;
        c.skip_separators();
        if c.at_end() {
            return if self.started {
                Ok(None)
            } else {
                Err(AuthError::Empty)
            };
        }
        self.started = true;

        let scheme_start = c.pos;
        let scheme = c.take_while(is_tchar);
        if scheme.is_empty() {
            return Err(AuthError::InvalidScheme {
                offset: scheme_start,
            });
        }
        let bare = Challenge {
            scheme,
            params: AuthParams::default(),
            token68: None,
        };
        match c.peek() {
            None | Some(b',' | b' ' | b'\t') => c.skip_ows(),
            // `name=` where a challenge must start: an auth-param without a scheme.
            Some(b'=') => {
                return Err(AuthError::InvalidScheme {
                    offset: scheme_start,
                });
            }
            Some(_) => return Err(AuthError::InvalidCharacter { offset: c.pos }),
        }
        if matches!(c.peek(), None | Some(b',')) {
            // `Basic, realm="x"`: an auth-param can only belong to the scheme before it.
            let mut look = *c;
            look.skip_separators();
            if look.at_end() || !look.at_auth_param() {
                return Ok(Some(bare));
            }
        } else if let Some(token68) = c.token68_element() {
            return Ok(Some(Challenge {
                token68: Some(token68),
                ..bare
            }));
        }
        let params = auth_param_list(c, true)?;
        Ok(Some(Challenge {
            params: AuthParams::new(params),
            ..bare
        }))
    }
}

impl<'a> Iterator for Challenges<'a> {
    type Item = Result<Challenge<'a>, AuthError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.challenge() {
            Ok(Some(challenge)) => Some(Ok(challenge)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(error) => {
                self.done = true;
                Some(Err(error))
            }
        }
    }
}

impl core::iter::FusedIterator for Challenges<'_> {}
