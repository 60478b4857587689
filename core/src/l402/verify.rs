//! Server-side verification in aperture's order (`lightninglabs/aperture:mint/mint.go`
//! `VerifyL402`):
//!
//! 1. the identifier is 66 bytes with version 0 → `unknown_identifier_version`;
//! 2. `sha256(preimage) == payment_hash`, in constant time, **before** any key lookup →
//!    `invalid_preimage`;
//! 3. the root key is looked up by `sha256(identifier)` in the caller's [`RootKeyStore`] →
//!    `unknown_root_key`;
//! 4. the macaroon's HMAC chain (with key derivation) → `signature_mismatch`;
//! 5. the satisfiers: services, capabilities (when a capability is requested), valid-until, then
//!    the caller's own → `service_not_allowed`, `capability_not_allowed`, `token_expired`,
//!    `caveat_widened`, or what a caller satisfier returns.
//!
//! aperture then asks lnd whether the invoice is settled (the last step of `VerifyL402`): that is
//! state, and the host's job with the returned [`Identifier::payment_hash`].
//!
//! As in aperture, a condition that does not occur restricts nothing: a token without a
//! `services` caveat is valid for every service.

use super::credential::{Credential, PREIMAGE_LEN, decode_token, select_credential};
use super::identifier::{Identifier, payment_hash_of, root_key_id};
use super::satisfier::{
    CapabilitiesSatisfier, Satisfier, ServicesSatisfier, ValidUntilSatisfier, check_caveats,
};
use super::{L402Error, MAX_CREDENTIAL_MACAROONS};
use crate::macaroon::verify::{Verdict, VerifyPolicy, verify};
use crate::macaroon::{Macaroon, MacaroonError};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Length of an L402 root key (aperture `SecretSize`).
pub const ROOT_KEY_LEN: usize = 32;

/// The caller's root-key store (aperture's `secrets`), keyed by `sha256(identifier)`.
///
/// Closures `Fn(&[u8; 32]) -> Option<[u8; 32]>` implement it.
pub trait RootKeyStore {
    /// The root key minted for the identifier whose SHA-256 is `root_key_id`, or `None` when it
    /// is unknown or revoked.
    fn root_key(&self, root_key_id: &[u8; 32]) -> Option<[u8; ROOT_KEY_LEN]>;
}

impl<F: Fn(&[u8; 32]) -> Option<[u8; ROOT_KEY_LEN]>> RootKeyStore for F {
    fn root_key(&self, root_key_id: &[u8; 32]) -> Option<[u8; ROOT_KEY_LEN]> {
        self(root_key_id)
    }
}

/// What the request asks the token for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target<'t> {
    /// The service (matched against `services=` and used to name `<service>_valid_until`).
    pub service: &'t str,
    /// The capability, if the server enforces `<service>_capabilities` (aperture does not).
    pub capability: Option<&'t str>,
    /// Now, in Unix seconds.
    pub now: u64,
}

/// Verifies a decoded token: the root macaroon, its discharges (aperture sends none) and the
/// preimage, in the order of the module docs. Returns the identifier.
///
/// `extra` satisfiers run after the built-in ones, over the same caveats (root first, then
/// each discharge's first-party caveats).
pub fn verify_token(
    mac: &Macaroon<'_>,
    discharges: &[Macaroon<'_>],
    preimage: &[u8; PREIMAGE_LEN],
    keys: &impl RootKeyStore,
    target: &Target<'_>,
    extra: &[&dyn Satisfier],
) -> Result<Identifier, L402Error> {
    let id = Identifier::parse(mac.id())?;
    let hash = payment_hash_of(preimage);
    if !bool::from(hash.ct_eq(&id.payment_hash)) {
        return Err(L402Error::InvalidPreimage);
    }
    let root_key = Zeroizing::new(
        keys.root_key(&root_key_id(mac.id()))
            .ok_or(L402Error::UnknownRootKey)?,
    );
    let mut crypto_only = |_: &[u8]| Verdict::Unknown;
    verify(
        mac,
        &*root_key,
        discharges,
        &mut crypto_only,
        &VerifyPolicy::L402,
    )
    .map_err(|e| match e {
        MacaroonError::Malformed(_) => {
            L402Error::InvalidCredential(super::CredentialFault::Macaroon(e))
        }
        _ => L402Error::SignatureMismatch,
    })?;

    let caveats = core::iter::once(mac)
        .chain(discharges.iter())
        .flat_map(Macaroon::caveats)
        .filter(|c| !c.is_third_party())
        .map(|c| c.id);
    let services = ServicesSatisfier {
        service: target.service,
    };
    let until = ValidUntilSatisfier {
        service: target.service,
        now: target.now,
    };
    match target.capability {
        Some(capability) => {
            let capabilities = CapabilitiesSatisfier {
                service: target.service,
                capability,
            };
            check_caveats(&caveats, &[&services, &capabilities, &until])?;
        }
        None => check_caveats(&caveats, &[&services, &until])?,
    }
    check_caveats(&caveats, extra)?;
    Ok(id)
}

/// Verifies a parsed `Authorization` credential: decodes its macaroons into `scratch` (the
/// credential's macaroon text length suffices) and runs [`verify_token`] with the first as the
/// root and the rest as discharges.
pub fn verify_credential(
    credential: &Credential<'_>,
    scratch: &mut [u8],
    keys: &impl RootKeyStore,
    target: &Target<'_>,
    extra: &[&dyn Satisfier],
) -> Result<Identifier, L402Error> {
    let mut macaroons: heapless::Vec<Macaroon<'_>, MAX_CREDENTIAL_MACAROONS> = heapless::Vec::new();
    let mut rest = scratch;
    for token in credential.macaroons() {
        let need = crate::base64::decoded_len_max(token.len());
        let (head, tail) = rest
            .split_at_mut_checked(need)
            .ok_or(L402Error::BufferTooSmall)?;
        rest = tail;
        let mac = decode_token(token, head)?;
        macaroons
            .push(mac)
            .map_err(|_| super::CredentialFault::TooManyMacaroons)?;
    }
    let (root, discharges) = macaroons
        .split_first()
        .ok_or(super::CredentialFault::EmptyMacaroon)?;
    verify_token(root, discharges, &credential.preimage, keys, target, extra)
}

/// Picks the credential among all `Authorization` values ([`select_credential`]) and verifies
/// it ([`verify_credential`]). The server's one call per request.
///
/// ```
/// use pay402::l402::{verify_authorization, Target};
/// // vector B (aperture `authenticator_test.go` inputs): root key 00 01 … 1f, target "svc", valid until 1700000000.
/// let header = "L402 AgEEbHNhdAJCAABgquPzKZRBsGthtaqk24nEtchifeDMLlU1iC2PQhdSZQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAAIOc2VydmljZXM9c3ZjOjAAAhFzdmNfY2FwYWJpbGl0aWVzPQACGnN2Y192YWxpZF91bnRpbD0xNzAwMDAwMDAwAAAGIEPcqILbajwoNqZIZvcAQ4MCXctl1W2CHbduFXGCyiS5:49349dfea4abed3cd14f6d356afa83de9787b609f088c8df09bacc7b4bd21b39";
/// let mut root_key = [0u8; 32];
/// for (i, b) in root_key.iter_mut().enumerate() { *b = i as u8; }
/// let keys = |_: &[u8; 32]| Some(root_key);
/// let mut scratch = [0u8; 256];
/// let id = verify_authorization(&[header], &mut scratch, &keys,
///     &Target { service: "svc", capability: None, now: 1_699_999_999 }, &[])?;
/// assert_eq!(id.token_id, [1; 32]);
/// let late = Target { service: "svc", capability: None, now: 1_700_000_000 };
/// assert_eq!(verify_authorization(&[header], &mut scratch, &keys, &late, &[]).unwrap_err().to_string(),
///            "the token's valid_until time has passed");
/// # Ok::<(), pay402::l402::L402Error>(())
/// ```
pub fn verify_authorization(
    field_values: &[&str],
    scratch: &mut [u8],
    keys: &impl RootKeyStore,
    target: &Target<'_>,
    extra: &[&dyn Satisfier],
) -> Result<Identifier, L402Error> {
    let credential = select_credential(field_values)?;
    verify_credential(&credential, scratch, keys, target, extra)
}
