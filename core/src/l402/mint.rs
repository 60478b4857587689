//! Minting an L402 token on the server (aperture `mint.MintL402`, with the
//! identifier of `l402/identifier.go` and the caveats of `caveatsForServices`):
//! `macaroon.New(root_key, identifier, location, V2)` plus first-party caveats, with the token
//! id supplied by the caller (aperture draws 32 random bytes) and the caveat texts written by
//! [`services_caveat`], [`capabilities_caveat`] and [`valid_until_caveat`].

use super::L402Error;
use super::identifier::Identifier;
use super::satisfier::{CAPABILITIES_SUFFIX, SERVICES_CONDITION, VALID_UNTIL_SUFFIX};
use crate::error::BufferTooSmall;
use crate::macaroon::builder::V2Builder;
use crate::writer::Writer;

/// The location aperture gives its macaroons.
pub const APERTURE_LOCATION: &str = "lsat";

/// Mints the V2 macaroon of an L402 token into `buf` and returns its bytes: identifier `0 ‖
/// payment_hash ‖ token_id`, signed with `root_key` (derived as in go-macaroon's `crypto.go`), then
/// `caveats` in order. Store `root_key` under [`Identifier::root_key_id`].
///
/// ```
/// use pay402::l402::{mint_token, Identifier, APERTURE_LOCATION};
/// let mut root_key = [0u8; 32];
/// for (i, b) in root_key.iter_mut().enumerate() { *b = i as u8; }
/// let payment_hash = pay402::hex::decode_array(b"60aae3f3299441b06b61b5aaa4db89c4b5c8627de0cc2e5535882d8f42175265")?;
/// let id = Identifier::new(payment_hash, [1; 32]);
/// let mut buf = [0u8; 256];
/// let bytes = mint_token(&mut buf, &root_key, &id, APERTURE_LOCATION,
///     &[b"services=svc:0", b"svc_capabilities=", b"svc_valid_until=1700000000"])?;
/// // vector B (aperture `authenticator_test.go` inputs): 177 bytes, final signature 43dca882…24b9.
/// assert_eq!(bytes.len(), 177);
/// assert_eq!(&bytes[145..], pay402::hex::decode_array::<32>(b"43dca882db6a3c2836a64866f7004383025dcb65d56d821db76e157182ca24b9")?);
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
pub fn mint_token<'b>(
    buf: &'b mut [u8],
    root_key: &[u8],
    identifier: &Identifier,
    location: &str,
    caveats: &[&[u8]],
) -> Result<&'b [u8], L402Error> {
    let id = identifier.to_bytes();
    let mut builder =
        V2Builder::mint(buf, root_key, &id, location.as_bytes()).map_err(L402Error::Macaroon)?;
    for caveat in caveats {
        builder
            .add_first_party(caveat)
            .map_err(L402Error::Macaroon)?;
    }
    builder.finish().map_err(L402Error::Macaroon)
}

/// Writes `services=<name>:<tier>[,<name>:<tier>…]` (aperture `NewServicesCaveat`) into `buf`
/// and returns it. Names must be non-empty and contain none of `,` `:` `=`
/// ([`L402Error::ChallengeParam`]). On error nothing is left in `buf`.
///
/// ```
/// use pay402::l402::services_caveat;
/// let mut buf = [0u8; 32];
/// assert_eq!(services_caveat(&mut buf, &[("svc", 0), ("pro", 2)])?, b"services=svc:0,pro:2");
/// # Ok::<(), pay402::l402::L402Error>(())
/// ```
pub fn services_caveat<'b>(
    buf: &'b mut [u8],
    services: &[(&str, u8)],
) -> Result<&'b [u8], L402Error> {
    if services.is_empty()
        || services
            .iter()
            .any(|(name, _)| name.is_empty() || name.contains([',', ':', '=']))
    {
        return Err(L402Error::ChallengeParam);
    }
    written(buf, |w| {
        w.push_str(SERVICES_CONDITION)?;
        w.push_byte(b'=')?;
        for (i, (name, tier)) in services.iter().enumerate() {
            if i > 0 {
                w.push_byte(b',')?;
            }
            w.push_str(name)?;
            w.push_byte(b':')?;
            write_decimal(w, u64::from(*tier))?;
        }
        Ok(())
    })
}

/// Writes `<service>_capabilities=<cap>[,<cap>…]` into `buf` and returns it (aperture always
/// emits one, even empty: `svc_capabilities=`).
///
/// ```
/// use pay402::l402::capabilities_caveat;
/// let mut buf = [0u8; 32];
/// assert_eq!(capabilities_caveat(&mut buf, "svc", &["read", "write"])?, b"svc_capabilities=read,write");
/// # Ok::<(), pay402::l402::L402Error>(())
/// ```
pub fn capabilities_caveat<'b>(
    buf: &'b mut [u8],
    service: &str,
    capabilities: &[&str],
) -> Result<&'b [u8], L402Error> {
    written(buf, |w| {
        w.push_str(service)?;
        w.push_str(CAPABILITIES_SUFFIX)?;
        w.push_byte(b'=')?;
        for (i, capability) in capabilities.iter().enumerate() {
            if i > 0 {
                w.push_byte(b',')?;
            }
            w.push_str(capability)?;
        }
        Ok(())
    })
}

/// Writes `<service>_valid_until=<unix seconds>` into `buf` and returns it (aperture
/// `NewTimeoutCaveat`: `now + timeout`).
///
/// ```
/// use pay402::l402::valid_until_caveat;
/// let mut buf = [0u8; 40];
/// assert_eq!(valid_until_caveat(&mut buf, "svc", 1_700_000_000)?, b"svc_valid_until=1700000000");
/// # Ok::<(), pay402::l402::L402Error>(())
/// ```
pub fn valid_until_caveat<'b>(
    buf: &'b mut [u8],
    service: &str,
    valid_until: u64,
) -> Result<&'b [u8], L402Error> {
    written(buf, |w| {
        w.push_str(service)?;
        w.push_str(VALID_UNTIL_SUFFIX)?;
        w.push_byte(b'=')?;
        write_decimal(w, valid_until)
    })
}

fn written<'b>(
    buf: &'b mut [u8],
    encode: impl FnOnce(&mut Writer<'_>) -> Result<(), BufferTooSmall>,
) -> Result<&'b [u8], L402Error> {
    let n = crate::writer::write_all(buf, encode)?;
    let buf: &'b [u8] = buf;
    buf.get(..n).ok_or(L402Error::BufferTooSmall)
}

fn write_decimal(w: &mut Writer<'_>, mut value: u64) -> Result<(), BufferTooSmall> {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start = start.saturating_sub(1);
        if let Some(slot) = digits.get_mut(start) {
            // `value % 10` < 10, so the narrowing cannot lose anything.
            *slot = b'0' + u8::try_from(value % 10).unwrap_or(0);
        }
        value /= 10;
        if value == 0 || start == 0 {
            break;
        }
    }
    w.push(digits.get(start..).unwrap_or_default())
}
