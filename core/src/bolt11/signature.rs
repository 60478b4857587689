//! The invoice signature: `r[32] ‖ s[32] ‖ recovery_id[1]`, ECDSA/secp256k1 over
//! `sha256(hrp ‖ data words packed into bytes)` (BOLT 11 § Data Part).
//!
//! With an `n` field the signature is verified against it and a high `s` is rejected (k256's
//! verifier enforces low-S, as libsecp256k1's does). Without `n` the payee key is recovered
//! from the raw `(r, s, recovery_id)` and a high `s` is accepted, as libsecp256k1's
//! `ecdsa_recover` accepts it.

use k256::ecdsa::{RecoveryId, Signature, VerifyingKey, signature::hazmat::PrehashVerifier};

use super::error::Bolt11Error;
use crate::secp256k1::SECP256K1_HALF_N;

/// Verifies `sig` over `digest` against the 33-byte compressed key `payee`.
pub(crate) fn verify(
    digest: &[u8; 32],
    sig: &[u8; 65],
    payee: &[u8; 33],
) -> Result<(), Bolt11Error> {
    let (r, s, recid) = split(sig)?;
    let key = VerifyingKey::from_sec1_bytes(payee).map_err(|_| Bolt11Error::InvalidPayeeKey)?;
    if s > SECP256K1_HALF_N {
        return Err(Bolt11Error::HighS);
    }
    // The recovery id is not needed to verify against a known key (as in LDK and lnd).
    let _ = recid;
    let signature = Signature::from_scalars(r, s).map_err(|_| Bolt11Error::InvalidSignature)?;
    key.verify_prehash(digest, &signature)
        .map_err(|_| Bolt11Error::InvalidSignature)
}

/// Recovers the compressed public key that signed `digest`.
pub(crate) fn recover(digest: &[u8; 32], sig: &[u8; 65]) -> Result<[u8; 33], Bolt11Error> {
    let (r, s, recid) = split(sig)?;
    let signature = Signature::from_scalars(r, s).map_err(|_| Bolt11Error::InvalidSignature)?;
    let recovery_id = RecoveryId::from_byte(recid).ok_or(Bolt11Error::InvalidSignature)?;
    let key = VerifyingKey::recover_from_prehash(digest, &signature, recovery_id)
        .map_err(|_| Bolt11Error::InvalidSignature)?;
    let point = key.to_sec1_point(true);
    <[u8; 33]>::try_from(point.as_bytes()).map_err(|_| Bolt11Error::InvalidSignature)
}

/// Splits 65 bytes into `r`, `s` and a recovery id in 0..=3.
fn split(sig: &[u8; 65]) -> Result<([u8; 32], [u8; 32], u8), Bolt11Error> {
    let (r, rest) = sig
        .split_first_chunk::<32>()
        .ok_or(Bolt11Error::InvalidSignature)?;
    let (s, rest) = rest
        .split_first_chunk::<32>()
        .ok_or(Bolt11Error::InvalidSignature)?;
    let recid = rest.first().copied().ok_or(Bolt11Error::InvalidSignature)?;
    if recid > 3 {
        return Err(Bolt11Error::InvalidRecoveryId { found: recid });
    }
    Ok((*r, *s, recid))
}
