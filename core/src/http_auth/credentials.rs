//! `Authorization` / `Proxy-Authorization` credentials (RFC 9110 §11.6.2, §11.7.2).

use super::grammar::{Cursor, auth_param_list, is_ctl, is_tchar};
use super::{AuthError, AuthParams};

/// A parsed credential: the scheme and the rest of the field value.
///
/// RFC 9110 §11.4 allows `auth-scheme [ 1*SP ( token68 / #auth-param ) ]`, but some schemes send
/// neither: L402's `<macaroons>:<preimage>` (L402 protocol specification) has `:` and `,`. So the
/// rest is kept raw, and [`Credentials::token68`] and [`Credentials::params`] interpret it on
/// request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Credentials<'a> {
    /// The auth-scheme as written; compare it with [`Credentials::scheme_is`].
    pub scheme: &'a str,
    /// The remainder after the scheme and its whitespace, without trailing whitespace. May be
    /// empty. Contains no control characters other than HTAB.
    pub rest: &'a str,
}

impl<'a> Credentials<'a> {
    /// Whether the scheme is `name`, ASCII case-insensitively (RFC 9110 §11.1).
    pub fn scheme_is(&self, name: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(name)
    }

    /// The rest, if it is exactly one `token68` (RFC 9110 §11.2), e.g. Basic's
    /// `dXNlcjpwYXNz`.
    pub fn token68(&self) -> Option<&'a str> {
        let mut c = Cursor::new(self.rest);
        let token68 = c.token68_element()?;
        (c.pos == self.rest.len()).then_some(token68)
    }

    /// The rest as a list of auth-params with unique names, or `None` if it is not one. An
    /// empty rest is an empty list.
    pub fn params(&self) -> Option<AuthParams<'a>> {
        let mut c = Cursor::new(self.rest);
        let span = auth_param_list(&mut c, false).ok()?;
        c.at_end().then_some(AuthParams::new(span))
    }
}

/// Parses an `Authorization` or `Proxy-Authorization` field value: the scheme, then the rest.
///
/// Leading and trailing whitespace is ignored. The scheme must be a token followed by whitespace or
/// the end; control characters (other than HTAB) anywhere are rejected
/// ([`AuthError::InvalidCharacter`], as the L402 protocol specification requires of credentials).
/// Offsets in errors are byte offsets into `field_value`.
///
/// ```
/// use pay402::http_auth::credentials;
///
/// let cred = credentials("l402 AgEEbHNhdA==:0123abcd").unwrap();
/// assert!(cred.scheme_is("L402"));
/// assert_eq!(cred.rest.split_once(':'), Some(("AgEEbHNhdA==", "0123abcd")));
///
/// assert_eq!(credentials("Basic dXNlcjpwYXNz").unwrap().token68(), Some("dXNlcjpwYXNz"));
/// ```
pub fn credentials(field_value: &str) -> Result<Credentials<'_>, AuthError> {
    let mut c = Cursor::new(field_value);
    c.skip_ows();
    if c.at_end() {
        return Err(AuthError::Empty);
    }
    let scheme_start = c.pos;
    let scheme = c.take_while(is_tchar);
    if scheme.is_empty() {
        return Err(AuthError::InvalidScheme {
            offset: scheme_start,
        });
    }
    match c.peek() {
        None | Some(b' ' | b'\t') => c.skip_ows(),
        Some(b'=') => {
            return Err(AuthError::InvalidScheme {
                offset: scheme_start,
            });
        }
        Some(_) => return Err(AuthError::InvalidCharacter { offset: c.pos }),
    }
    let rest_start = c.pos;
    let rest = field_value
        .get(rest_start..)
        .unwrap_or_default()
        .trim_end_matches([' ', '\t']);
    if let Some(i) = rest.bytes().position(is_ctl) {
        return Err(AuthError::InvalidCharacter {
            offset: rest_start.saturating_add(i),
        });
    }
    Ok(Credentials { scheme, rest })
}
