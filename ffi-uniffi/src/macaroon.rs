//! Macaroons (libmacaroons V1/V2/JSON): decode, mint, verify, bind discharges.

use crate::Pay402Error;
use crate::convert::{array, std_base64, utf8};
use pay402::macaroon::builder::V2Builder;
use pay402::macaroon::crypto::bind_for_request;
use pay402::macaroon::verify::{AcceptList, Mode, VerifyPolicy, verify as verify_core};
use pay402::macaroon::{Macaroon, MacaroonError, Version};

/// One caveat of a decoded macaroon.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Caveat {
    /// The caveat identifier (for first-party caveats, the predicate text's bytes).
    pub id: Vec<u8>,
    /// The verification id; empty for first-party caveats.
    pub vid: Vec<u8>,
    /// The location hint; empty for first-party caveats.
    pub location: String,
}

/// A decoded macaroon.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MacaroonInfo {
    /// The serialization it came in: 1 (V1) or 2 (V2 binary or JSON).
    pub version: u8,
    /// The location (lossy UTF-8).
    pub location: String,
    /// The identifier bytes.
    pub identifier: Vec<u8>,
    /// The caveats in order.
    pub caveats: Vec<Caveat>,
    /// The 32-byte HMAC signature.
    pub signature: Vec<u8>,
}

/// Decodes a macaroon token: base64 (any alphabet, padded or not) of V1 or V2, or V2 JSON text.
///
/// Errors: `Macaroon` with `malformed`.
#[uniffi::export]
pub fn macaroon_decode(token: String) -> Result<MacaroonInfo, Pay402Error> {
    let mut scratch = vec![0u8; token.len()];
    let mac = Macaroon::decode(token.as_bytes(), &mut scratch)?;
    Ok(MacaroonInfo {
        version: match mac.version() {
            Version::V1 => 1,
            Version::V2 => 2,
        },
        location: utf8(mac.location()),
        identifier: mac.id().to_vec(),
        caveats: mac
            .caveats()
            .map(|c| Caveat {
                id: c.id.to_vec(),
                vid: c.vid.to_vec(),
                location: utf8(c.location),
            })
            .collect(),
        signature: mac.signature().to_vec(),
    })
}

/// A freshly minted macaroon.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MintedMacaroon {
    /// The V2 binary serialization.
    pub bytes: Vec<u8>,
    /// `bytes` in standard base64 with padding.
    pub base64: String,
    /// The 32-byte signature.
    pub signature: Vec<u8>,
}

/// Mints a V2 macaroon under `root_key` with first-party `caveats`.
#[uniffi::export]
pub fn macaroon_mint(
    root_key: Vec<u8>,
    identifier: Vec<u8>,
    location: String,
    caveats: Vec<String>,
) -> Result<MintedMacaroon, Pay402Error> {
    let size =
        64 + identifier.len() + location.len() + caveats.iter().map(|c| c.len() + 8).sum::<usize>();
    let mut buf = vec![0u8; size];
    let mut builder = V2Builder::mint(&mut buf, &root_key, &identifier, location.as_bytes())?;
    for caveat in &caveats {
        builder.add_first_party(caveat.as_bytes())?;
    }
    let signature = builder.signature().to_vec();
    let bytes = builder.finish()?.to_vec();
    Ok(MintedMacaroon {
        base64: std_base64(&bytes),
        bytes,
        signature,
    })
}

/// How first-party caveats are judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum MacaroonMode {
    /// libmacaroons: every caveat must be accepted.
    Strict,
    /// L402 (aperture): unknown `key=value` caveats are skipped.
    L402,
}

/// Verifies a macaroon token and its discharge tokens under `root_key`; every first-party
/// caveat must be one of `accept` (exact text match).
///
/// Errors: `Macaroon` with `malformed`, `signature_mismatch`, `caveat_not_satisfied`,
/// `discharge_missing`, `discharge_unused`.
#[uniffi::export]
pub fn macaroon_verify(
    token: String,
    root_key: Vec<u8>,
    discharges: Vec<String>,
    accept: Vec<String>,
    mode: MacaroonMode,
) -> Result<(), Pay402Error> {
    let mut scratch = vec![0u8; token.len()];
    let mac = Macaroon::decode(token.as_bytes(), &mut scratch)?;
    let mut scratches: Vec<Vec<u8>> = discharges.iter().map(|t| vec![0u8; t.len()]).collect();
    let discharges = discharges
        .iter()
        .zip(scratches.iter_mut())
        .map(|(t, s)| Macaroon::decode(t.as_bytes(), s))
        .collect::<Result<Vec<_>, MacaroonError>>()?;
    let accept: Vec<&[u8]> = accept.iter().map(String::as_bytes).collect();
    let policy = VerifyPolicy {
        mode: match mode {
            MacaroonMode::Strict => Mode::Strict,
            MacaroonMode::L402 => Mode::L402,
        },
        ..VerifyPolicy::STRICT
    };
    verify_core(
        &mac,
        &root_key,
        &discharges,
        &mut AcceptList(&accept),
        &policy,
    )?;
    Ok(())
}

/// Binds a discharge's 32-byte signature to the root macaroon's for a request.
#[uniffi::export]
pub fn macaroon_bind(
    root_signature: Vec<u8>,
    discharge_signature: Vec<u8>,
) -> Result<Vec<u8>, Pay402Error> {
    let root = array::<32>(&root_signature, "root_signature")?;
    let discharge = array::<32>(&discharge_signature, "discharge_signature")?;
    Ok(bind_for_request(&root, &discharge).to_vec())
}
