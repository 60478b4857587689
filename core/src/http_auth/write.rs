//! Writing a challenge (RFC 9110 §11.3) into a caller buffer.

use super::AuthError;
use super::grammar::{is_ctl, is_tchar};
use crate::writer::Writer;

/// Appends the challenge `scheme name1="value1", name2="value2"` to `w`.
///
/// Every value is written as a quoted-string (RFC 9110 §5.6.4) with `"` and `\` escaped as
/// quoted-pairs; the parameter separator is `", "`, as aperture emits (aperture
/// `FreshChallengeHeader`). To send several challenges in one field value, separate them with `",
/// "`.
///
/// Everything is checked before anything is written, so either the whole challenge is
/// appended or nothing is:
/// - the scheme and every name must be RFC 9110 tokens ([`AuthError::InvalidScheme`],
///   [`AuthError::InvalidParam`]);
/// - names must be unique, ASCII case-insensitively ([`AuthError::DuplicateParam`]);
/// - values must not contain control characters other than HTAB — a CR or LF would inject
///   header lines ([`AuthError::InvalidCharacter`]);
/// - the buffer must be large enough ([`AuthError::BufferTooSmall`]).
///
/// Offsets in these errors are byte offsets into the challenge as it would have been written.
///
/// ```
/// use pay402::{http_auth::write_challenge, writer::Writer};
///
/// let mut buf = [0u8; 96];
/// let mut w = Writer::new(&mut buf);
/// write_challenge(&mut w, "Bearer", &[("realm", "PayPer402"), ("amount", "0.042")]).unwrap();
/// assert_eq!(w.written(), br#"Bearer realm="PayPer402", amount="0.042""#);
/// ```
pub fn write_challenge(
    w: &mut Writer<'_>,
    scheme: &str,
    params: &[(&str, &str)],
) -> Result<(), AuthError> {
    let len = checked_len(scheme, params)?;
    let slot = w.reserve(len)?;
    let mut out = Writer::new(&mut *slot);
    let complete = write_unchecked(&mut out, scheme, params).is_ok() && out.remaining() == 0;
    if !complete {
        // Not reachable: `len` is the exact length. Zero the claimed bytes rather than leave
        // a malformed header behind.
        slot.fill(0);
        return Err(AuthError::BufferTooSmall);
    }
    Ok(())
}

/// The byte length of the challenge, after checking every part.
fn checked_len(scheme: &str, params: &[(&str, &str)]) -> Result<usize, AuthError> {
    fn add(len: usize, n: usize) -> Result<usize, AuthError> {
        len.checked_add(n).ok_or(AuthError::BufferTooSmall)
    }
    fn first_non_tchar(s: &str) -> Option<usize> {
        if s.is_empty() {
            Some(0)
        } else {
            s.bytes().position(|b| !is_tchar(b))
        }
    }

    if let Some(i) = first_non_tchar(scheme) {
        return Err(AuthError::InvalidScheme { offset: i });
    }
    let mut len = scheme.len();
    for (index, &(name, value)) in params.iter().enumerate() {
        len = add(len, if index == 0 { 1 } else { 2 })?; // " " or ", "
        if let Some(i) = first_non_tchar(name) {
            return Err(AuthError::InvalidParam {
                offset: add(len, i)?,
            });
        }
        if params
            .iter()
            .take(index)
            .any(|&(earlier, _)| earlier.eq_ignore_ascii_case(name))
        {
            return Err(AuthError::DuplicateParam { offset: len });
        }
        len = add(len, name.len())?;
        len = add(len, 2)?; // `="`
        for b in value.bytes() {
            if is_ctl(b) {
                return Err(AuthError::InvalidCharacter { offset: len });
            }
            len = add(len, if b == b'"' || b == b'\\' { 2 } else { 1 })?;
        }
        len = add(len, 1)?; // closing `"`
    }
    Ok(len)
}

/// Writes the already checked challenge.
fn write_unchecked(
    w: &mut Writer<'_>,
    scheme: &str,
    params: &[(&str, &str)],
) -> Result<(), crate::error::BufferTooSmall> {
    w.push_str(scheme)?;
    for (index, &(name, value)) in params.iter().enumerate() {
        w.push_str(if index == 0 { " " } else { ", " })?;
        w.push_str(name)?;
        w.push_str("=\"")?;
        for b in value.bytes() {
            if b == b'"' || b == b'\\' {
                w.push_byte(b'\\')?;
            }
            w.push_byte(b)?;
        }
        w.push_byte(b'"')?;
    }
    Ok(())
}
