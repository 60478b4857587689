//! The L402 credential (L402 protocol specification): `Authorization: L402 <macaroons>:<preimage>`
//! and the hex forms `Grpc-Metadata-Macaroon` / `Macaroon`.
//!
//! Accepted: scheme `L402` or `LSAT` in any case, then whitespace; the value is split at the
//! **last** `:`; the macaroons are a comma-separated list (no spaces), each base64 standard or
//! URL-safe, padded or not, never mixed (decoded on demand with
//! [`Credential::decode_macaroon`]); the preimage is exactly 64 hex digits of either case.
//! Written: `L402 <standard padded base64>:<64 lowercase hex>`.

use super::{L402Error, Scheme};
use crate::error::BufferTooSmall;
use crate::macaroon::builder::V2Builder;
use crate::macaroon::{Macaroon, MacaroonError};
use crate::writer::Writer;

use super::error::CredentialFault;

/// Most macaroons one credential may carry (the root macaroon and its discharges).
pub const MAX_CREDENTIAL_MACAROONS: usize = 8;
/// Length of a payment preimage.
pub const PREIMAGE_LEN: usize = 32;
/// The caveat condition under which aperture's gRPC client puts the preimage (L402 protocol
/// specification).
pub const PREIMAGE_CONDITION: &str = "preimage";

/// A parsed `Authorization: L402 …` (or `LSAT …`) credential, borrowed from the field value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Credential<'a> {
    /// The scheme sent.
    pub scheme: Scheme,
    macaroons: &'a str,
    /// The payment preimage.
    pub preimage: [u8; PREIMAGE_LEN],
}

impl<'a> Credential<'a> {
    /// Parses one `Authorization` field value (see the module docs for what is accepted).
    /// Every failure is [`L402Error::InvalidCredential`].
    ///
    /// ```
    /// use pay402::l402::{Credential, Scheme};
    /// let pre = "49349DFEA4ABED3CD14F6D356AFA83DE9787B609F088C8DF09BACC7B4BD21B39";
    /// let header = format!("lsat AgE,AgI:{pre}");
    /// let cred = Credential::parse(&header)?;
    /// assert_eq!(cred.scheme, Scheme::Lsat);
    /// assert_eq!(cred.macaroons().collect::<Vec<_>>(), ["AgE", "AgI"]);
    /// assert_eq!(cred.preimage[0], 0x49);
    /// assert!(Credential::parse(&format!("L402 AgE:{}", &pre[1..])).is_err());
    /// # Ok::<(), pay402::l402::L402Error>(())
    /// ```
    pub fn parse(field_value: &'a str) -> Result<Self, L402Error> {
        let cred = crate::http_auth::credentials(field_value).map_err(CredentialFault::Syntax)?;
        let scheme = Scheme::from_name(cred.scheme).ok_or(CredentialFault::Scheme)?;
        let (macaroons, preimage) = cred
            .rest
            .rsplit_once(':')
            .ok_or(CredentialFault::MissingSeparator)?;
        let preimage = crate::hex::decode_array::<PREIMAGE_LEN>(preimage.as_bytes())
            .map_err(|_| CredentialFault::PreimageHex)?;
        let mut count = 0usize;
        for token in macaroons.split(',') {
            if token.is_empty() {
                return Err(CredentialFault::EmptyMacaroon.into());
            }
            if !token.bytes().all(is_base64_char) {
                return Err(CredentialFault::MacaroonCharacter.into());
            }
            count = count.saturating_add(1);
        }
        if count > MAX_CREDENTIAL_MACAROONS {
            return Err(CredentialFault::TooManyMacaroons.into());
        }
        Ok(Self {
            scheme,
            macaroons,
            preimage,
        })
    }

    /// The macaroons as sent (base64 text), the root macaroon first.
    pub fn macaroons(&self) -> core::str::Split<'a, char> {
        self.macaroons.split(',')
    }

    /// Number of macaroons (at least 1, at most [`MAX_CREDENTIAL_MACAROONS`]).
    pub fn macaroon_count(&self) -> usize {
        self.macaroons().count()
    }

    /// Decodes macaroon `index` into `scratch` (which needs at most the token's length) and
    /// parses it. The binary must be exactly one macaroon (no trailing bytes).
    pub fn decode_macaroon<'s>(
        &self,
        index: usize,
        scratch: &'s mut [u8],
    ) -> Result<Macaroon<'s>, L402Error> {
        let token = self
            .macaroons()
            .nth(index)
            .ok_or(CredentialFault::EmptyMacaroon)?;
        decode_token(token, scratch)
    }

    /// Whether two credentials carry the same preimage and the same macaroon bytes (whatever
    /// base64 variant each used).
    pub fn same_token_as(&self, other: &Credential<'_>) -> bool {
        self.preimage == other.preimage
            && self.macaroon_count() == other.macaroon_count()
            && self
                .macaroons()
                .zip(other.macaroons())
                .all(|(a, b)| same_base64(a, b))
    }
}

/// Decodes one base64 macaroon token of a credential into `scratch`.
pub(super) fn decode_token<'s>(
    token: &str,
    scratch: &'s mut [u8],
) -> Result<Macaroon<'s>, L402Error> {
    Macaroon::decode(token.as_bytes(), scratch).map_err(|e| match e {
        MacaroonError::BufferTooSmall => L402Error::BufferTooSmall,
        other => CredentialFault::Macaroon(other).into(),
    })
}

fn is_base64_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_' | b'=')
}

/// Equality of the bytes two base64 texts encode, for texts the decoder accepts: with the
/// padding stripped and the URL-safe characters mapped to the standard ones, every byte string
/// has exactly one text (canonical trailing bits are required by [`crate::base64`]).
fn same_base64(a: &str, b: &str) -> bool {
    fn norm(c: u8) -> u8 {
        match c {
            b'-' => b'+',
            b'_' => b'/',
            other => other,
        }
    }
    let a = a.trim_end_matches('=');
    let b = b.trim_end_matches('=');
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| norm(x) == norm(y))
}

/// Picks the credential from all `Authorization` field values: values of other schemes are
/// skipped; the first valid `L402` value wins over `LSAT`; when both an `L402` and an `LSAT`
/// value are valid they must carry the same token ([`CredentialFault::SchemesDisagree`]) —
/// aperture's client sends both, and reading only the last one is aperture's bug (its
/// `l402/header.go` loop has no `break`), not a rule.
///
/// ```
/// use pay402::l402::{select_credential, Scheme};
/// let pre = "49349dfea4abed3cd14f6d356afa83de9787b609f088c8df09bacc7b4bd21b39";
/// let (lsat, l402) = (format!("LSAT AgE+:{pre}"), format!("L402 AgE-:{pre}"));
/// assert_eq!(select_credential(&["Bearer x", &lsat, &l402])?.scheme, Scheme::L402);
/// let other = format!("L402 AgI:{pre}");
/// assert!(select_credential(&[&lsat, &other]).is_err());
/// # Ok::<(), pay402::l402::L402Error>(())
/// ```
pub fn select_credential<'a>(field_values: &[&'a str]) -> Result<Credential<'a>, L402Error> {
    let mut l402 = None;
    let mut lsat = None;
    let mut first_error = None;
    for value in field_values {
        let is_ours = crate::http_auth::credentials(value)
            .ok()
            .and_then(|c| Scheme::from_name(c.scheme))
            .is_some();
        if !is_ours {
            continue;
        }
        match Credential::parse(value) {
            Ok(c) if c.scheme == Scheme::L402 => {
                l402.get_or_insert(c);
            }
            Ok(c) => {
                lsat.get_or_insert(c);
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match (l402, lsat) {
        (Some(a), Some(b)) if !a.same_token_as(&b) => Err(CredentialFault::SchemesDisagree.into()),
        (Some(c), _) | (None, Some(c)) => Ok(c),
        (None, None) => {
            Err(first_error.unwrap_or(L402Error::InvalidCredential(CredentialFault::NoCredential)))
        }
    }
}

/// Appends `<scheme> <std padded base64 of macaroon>:<lowercase hex preimage>` (L402 protocol
/// specification, "Authorization"; standard padded base64 and lowercase hex are what aperture
/// reads). Send
/// the **unmodified** base macaroon. All or nothing is written.
///
/// ```
/// use pay402::{l402::{write_authorization, Scheme}, writer::Writer};
/// let mut buf = [0u8; 80];
/// let mut w = Writer::new(&mut buf);
/// write_authorization(&mut w, Scheme::L402, &[2, 1], &[0xab; 32])?;
/// assert_eq!(&w.written()[..10], b"L402 AgE=:");
/// assert_eq!(w.len(), 10 + 64);
/// # Ok::<(), pay402::l402::L402Error>(())
/// ```
pub fn write_authorization(
    w: &mut Writer<'_>,
    scheme: Scheme,
    macaroon: &[u8],
    preimage: &[u8; PREIMAGE_LEN],
) -> Result<(), L402Error> {
    let len = crate::base64::encoded_len(macaroon.len())
        .and_then(|n| n.checked_add(scheme.as_str().len() + 2 + 2 * PREIMAGE_LEN))
        .ok_or(BufferTooSmall)?;
    if w.remaining() < len {
        return Err(L402Error::BufferTooSmall);
    }
    w.push_str(scheme.as_str())?;
    w.push_byte(b' ')?;
    crate::base64::write(w, macaroon)?;
    w.push_byte(b':')?;
    crate::hex::write_lower(w, preimage)?;
    Ok(())
}

/// Parses a `Grpc-Metadata-Macaroon` or `Macaroon` value (aperture's gRPC metadata forms): hex of a
/// binary macaroon whose **last** `preimage=<64 hex>` first-party caveat carries the preimage.
///
/// The macaroon is decoded into `scratch` (`value.len() / 2` bytes suffice).
pub fn parse_macaroon_header<'s>(
    value: &str,
    scratch: &'s mut [u8],
) -> Result<(Macaroon<'s>, [u8; PREIMAGE_LEN]), L402Error> {
    let value = value.trim_matches([' ', '\t']);
    if value.len() / 2 > scratch.len() {
        return Err(L402Error::BufferTooSmall);
    }
    let bytes = crate::hex::decode_into(value.as_bytes(), scratch)
        .map_err(|_| CredentialFault::MacaroonHex)?;
    let mac = Macaroon::parse_binary(bytes).map_err(CredentialFault::Macaroon)?;
    let mut preimage = None;
    for caveat in mac.caveats().filter(|c| !c.is_third_party()) {
        if let Some((condition, value)) = super::satisfier::split_caveat(caveat.id)
            && condition == PREIMAGE_CONDITION.as_bytes()
        {
            preimage = Some(value);
        }
    }
    let text = preimage.ok_or(CredentialFault::MissingPreimageCaveat)?;
    let preimage =
        crate::hex::decode_array::<PREIMAGE_LEN>(text).map_err(|_| CredentialFault::PreimageHex)?;
    Ok((mac, preimage))
}

/// Appends the value aperture's gRPC client sends as `macaroon` metadata (L402 protocol
/// specification): lowercase hex of `mac` attenuated with the caveat `preimage=<64 lowercase hex>`.
/// `scratch` holds the attenuated binary (`mac.v2_len() + 76` bytes suffice).
pub fn write_macaroon_header(
    w: &mut Writer<'_>,
    mac: &Macaroon<'_>,
    preimage: &[u8; PREIMAGE_LEN],
    scratch: &mut [u8],
) -> Result<(), L402Error> {
    let mut caveat = [0u8; PREIMAGE_CONDITION.len() + 1 + 2 * PREIMAGE_LEN];
    let caveat_len = crate::writer::write_all(&mut caveat, |cw| {
        cw.push_str(PREIMAGE_CONDITION)?;
        cw.push_byte(b'=')?;
        crate::hex::write_lower(cw, preimage)
    })?;
    let caveat = caveat.get(..caveat_len).ok_or(BufferTooSmall)?;
    let mut builder = V2Builder::attenuate(scratch, mac).map_err(L402Error::Macaroon)?;
    builder
        .add_first_party(caveat)
        .map_err(L402Error::Macaroon)?;
    let bytes = builder.finish().map_err(L402Error::Macaroon)?;
    crate::hex::write_lower(w, bytes)?;
    Ok(())
}
