//! The `WWW-Authenticate` challenge (aperture `auth/authenticator.go`): parsing on
//! [`crate::http_auth`] and writing exactly what aperture emits.
//!
//! Accepted (the challenge forms aperture, lnget, lsat-js and `l402_middleware` handle): schemes
//! `L402` and `LSAT` in any case; `macaroon=` or `token=` (the 2026-03 revision) and `invoice=`, in
//! any order, quoted or not, with other parameters (`version=`) ignored; challenges of other
//! schemes (`Payment`, `Bearer`, …) in the same comma-folded value are skipped.
//!
//! Written (aperture `FreshChallengeHeader`): `LSAT macaroon="<std base64>", invoice="<bolt11>"`
//! then the same with `L402`, as two `WWW-Authenticate` fields.

use super::{L402Error, Scheme};
use crate::http_auth::{AuthParams, Challenges, ParamValue};
use crate::writer::Writer;

/// One `L402` or `LSAT` challenge, borrowed from the field value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct L402Challenge<'a> {
    /// `L402` or `LSAT`.
    pub scheme: Scheme,
    /// The macaroon (`macaroon=`, else `token=`) as sent: base64 of any variant; decode it with
    /// [`crate::macaroon::Macaroon::decode`].
    pub macaroon: &'a str,
    /// The BOLT11 invoice text; decode it with [`crate::bolt11::Bolt11Invoice::decode`].
    pub invoice: &'a str,
    /// The `version=` parameter of the 2026-03 revision, if sent.
    pub version: Option<&'a str>,
}

impl<'a> L402Challenge<'a> {
    fn from_params(scheme: Scheme, params: AuthParams<'a>) -> Result<Self, L402Error> {
        let macaroon = params
            .get("macaroon")
            .or_else(|| params.get("token"))
            .ok_or(L402Error::MissingMacaroon)?;
        let invoice = params.get("invoice").ok_or(L402Error::MissingInvoice)?;
        Ok(Self {
            scheme,
            macaroon: plain(macaroon)?,
            invoice: plain(invoice)?,
            version: params.get("version").map(|v| v.raw()),
        })
    }
}

fn plain(value: ParamValue<'_>) -> Result<&str, L402Error> {
    match value.as_plain() {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(L402Error::ChallengeParam),
    }
}

/// Iterates the `L402` and `LSAT` challenges of one `WWW-Authenticate` field value (possibly
/// several comma-folded challenges), skipping every other scheme.
///
/// An `L402`/`LSAT` challenge without `macaroon=`/`token=` or `invoice=` yields an error and
/// the iteration goes on; a syntax error of the list (e.g. an unterminated quoted-string)
/// yields [`L402Error::Challenge`] and ends it.
///
/// ```
/// use pay402::l402::{challenges, Scheme};
/// let value = r#"LSAT macaroon="AgE=", invoice="lnbc1", Payment id="x", realm="r", L402 invoice="lnbc1", token="AgE=""#;
/// let found: Vec<_> = challenges(value).collect::<Result<_, _>>()?;
/// assert_eq!(found.len(), 2);
/// assert_eq!((found[0].scheme, found[0].macaroon), (Scheme::Lsat, "AgE="));
/// assert_eq!((found[1].scheme, found[1].invoice), (Scheme::L402, "lnbc1"));
/// # Ok::<(), pay402::l402::L402Error>(())
/// ```
pub fn challenges(field_value: &str) -> L402Challenges<'_> {
    L402Challenges {
        inner: crate::http_auth::challenges(field_value),
    }
}

/// Iterator over the L402 challenges of a field value, see [`challenges`].
#[derive(Clone, Debug)]
pub struct L402Challenges<'a> {
    inner: Challenges<'a>,
}

impl<'a> Iterator for L402Challenges<'a> {
    type Item = Result<L402Challenge<'a>, L402Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let challenge = match self.inner.next()? {
                Ok(challenge) => challenge,
                Err(e) => return Some(Err(L402Error::Challenge(e))),
            };
            if let Some(scheme) = Scheme::from_name(challenge.scheme) {
                return Some(L402Challenge::from_params(scheme, challenge.params));
            }
        }
    }
}

/// Picks the challenge a client should answer from all `WWW-Authenticate` values: the first
/// valid `L402` one, else the first valid `LSAT` one (aperture puts the same values in both).
///
/// When there is none, the first error met is returned, or [`L402Error::NoChallenge`].
///
/// ```
/// use pay402::l402::{select_challenge, Scheme};
/// let c = select_challenge(&[r#"LSAT macaroon="AgE=", invoice="lnbc1""#, r#"L402 macaroon="AgE=", invoice="lnbc1""#])?;
/// assert_eq!(c.scheme, Scheme::L402);
/// # Ok::<(), pay402::l402::L402Error>(())
/// ```
pub fn select_challenge<'a>(field_values: &[&'a str]) -> Result<L402Challenge<'a>, L402Error> {
    let mut lsat = None;
    let mut first_error = None;
    for value in field_values {
        for item in challenges(value) {
            match item {
                Ok(c) if c.scheme == Scheme::L402 => return Ok(c),
                Ok(c) => {
                    lsat.get_or_insert(c);
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
    }
    lsat.ok_or(first_error.unwrap_or(L402Error::NoChallenge))
}

/// Appends one challenge as aperture writes it: `<scheme> macaroon="<std padded base64 of
/// macaroon>", invoice="<invoice>"` (aperture `FreshChallengeHeader`). Send
/// [`Scheme::APERTURE_ORDER`] — `LSAT`, then `L402` — as two `WWW-Authenticate` fields.
///
/// `macaroon` is the binary (V2) macaroon. The invoice must not contain `"`, `\` or control
/// characters ([`L402Error::ChallengeParam`]). All or nothing is written.
///
/// ```
/// use pay402::{l402::{write_challenge, Scheme}, writer::Writer};
/// let mut buf = [0u8; 64];
/// let mut w = Writer::new(&mut buf);
/// write_challenge(&mut w, Scheme::Lsat, &[2, 1], "lnbc1")?;
/// assert_eq!(w.written(), br#"LSAT macaroon="AgE=", invoice="lnbc1""#);
/// # Ok::<(), pay402::l402::L402Error>(())
/// ```
pub fn write_challenge(
    w: &mut Writer<'_>,
    scheme: Scheme,
    macaroon: &[u8],
    invoice: &str,
) -> Result<(), L402Error> {
    write_parts(w, scheme.as_str(), " macaroon=\"", macaroon, invoice)
}

/// Appends the 2026-03 revision's form `L402 version="0", token="<std base64>",
/// invoice="<invoice>"` (L402 protocol specification). aperture's client and lnget do not parse it;
/// prefer [`write_challenge`].
pub fn write_token_challenge(
    w: &mut Writer<'_>,
    macaroon: &[u8],
    invoice: &str,
) -> Result<(), L402Error> {
    write_parts(w, "L402", " version=\"0\", token=\"", macaroon, invoice)
}

/// Writes `scheme ‖ opening ‖ base64(macaroon) ‖ ", invoice=\"" ‖ invoice ‖ "\""` after checking
/// that all of it fits, so that nothing is written on error.
fn write_parts(
    w: &mut Writer<'_>,
    scheme: &str,
    opening: &str,
    macaroon: &[u8],
    invoice: &str,
) -> Result<(), L402Error> {
    const MIDDLE: &str = "\", invoice=\"";
    check_value(invoice)?;
    let len = crate::base64::encoded_len(macaroon.len())
        .and_then(|n| n.checked_add(scheme.len()))
        .and_then(|n| n.checked_add(opening.len()))
        .and_then(|n| n.checked_add(MIDDLE.len()))
        .and_then(|n| n.checked_add(invoice.len()))
        .and_then(|n| n.checked_add(1))
        .ok_or(L402Error::BufferTooSmall)?;
    if w.remaining() < len {
        return Err(L402Error::BufferTooSmall);
    }
    w.push_str(scheme)?;
    w.push_str(opening)?;
    crate::base64::write(w, macaroon)?;
    w.push_str(MIDDLE)?;
    w.push_str(invoice)?;
    w.push_str("\"")?;
    Ok(())
}

fn check_value(value: &str) -> Result<(), L402Error> {
    if value.is_empty()
        || value
            .bytes()
            .any(|b| b == b'"' || b == b'\\' || b < 0x20 || b == 0x7f)
    {
        Err(L402Error::ChallengeParam)
    } else {
        Ok(())
    }
}
