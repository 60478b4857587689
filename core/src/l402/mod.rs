//! L402 (formerly LSAT), Lightning Labs' HTTP 402 scheme: the
//! 66-byte identifier, the `WWW-Authenticate` challenge, the `Authorization` credential,
//! aperture-compatible verification with satisfiers, client checks and minting.
//!
//! Sources: the L402 protocol specification
//! (<https://github.com/lightninglabs/L402/blob/master/protocol-specification.md>), bLIP-0026
//! (<https://github.com/lightning/blips/pull/26>) and aperture, the reference server
//! (<https://github.com/lightninglabs/aperture>: `auth/authenticator.go`, `mint/mint.go`,
//! `l402/identifier.go`, `l402/caveat.go`, `l402/satisfier.go`), whose files the item docs name.
//!
//! # Shape
//!
//! Server: [`mint_token`] → [`write_challenge`] (`LSAT`, then `L402`) → … → request with
//! `Authorization` → [`verify_authorization`] (= [`select_credential`] + [`verify_credential`]
//! → [`verify_token`]) → [`Identifier`] (then the host checks that the invoice is settled).
//!
//! A complete sans-I/O server (stateless root keys, invoice checks, admission with revocation)
//! is [`server::L402Server`].
//!
//! Client: [`select_challenge`] → [`check_challenge`] (invoice hash, budget, expiry) → pay →
//! [`PayableChallenge::write_authorization`].
//!
//! Nothing allocates: views borrow from the header text, macaroons are decoded into caller
//! scratch buffers, output goes through [`crate::writer::Writer`].
//!
//! # Example
//!
//! ```
//! use pay402::l402::*;
//! use pay402::writer::Writer;
//!
//! // Server: mint (vector B: the inputs of aperture's `authenticator_test.go`).
//! let mut root_key = [0u8; 32];
//! for (i, b) in root_key.iter_mut().enumerate() { *b = i as u8; }
//! let preimage: [u8; 32] = pay402::hex::decode_array(b"49349dfea4abed3cd14f6d356afa83de9787b609f088c8df09bacc7b4bd21b39")?;
//! let id = Identifier::new(payment_hash_of(&preimage), [1; 32]);
//! let mut mac_buf = [0u8; 256];
//! let mac = mint_token(&mut mac_buf, &root_key, &id, APERTURE_LOCATION, &[b"services=svc:0"])?;
//!
//! // Client, after paying: the credential.
//! let mut header = [0u8; 512];
//! let mut w = Writer::new(&mut header);
//! write_authorization(&mut w, Scheme::L402, mac, &preimage)?;
//! let header = core::str::from_utf8(w.written()).unwrap();
//!
//! // Server: verify.
//! let keys = |lookup: &[u8; 32]| (*lookup == id.root_key_id()).then_some(root_key);
//! let mut scratch = [0u8; 256];
//! let target = Target { service: "svc", capability: None, now: 1_700_000_000 };
//! assert_eq!(verify_authorization(&[header], &mut scratch, &keys, &target, &[])?, id);
//! let other = Target { service: "other", ..target };
//! assert_eq!(verify_authorization(&[header], &mut scratch, &keys, &other, &[]), Err(L402Error::ServiceNotAllowed));
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

mod challenge;
mod client;
mod credential;
mod error;
mod identifier;
mod mint;
mod satisfier;
pub mod server;
mod verify;

pub use challenge::{
    L402Challenge, L402Challenges, challenges, select_challenge, write_challenge,
    write_token_challenge,
};
pub use client::{ClientPolicy, PayableChallenge, check_challenge};
pub use credential::{
    Credential, MAX_CREDENTIAL_MACAROONS, PREIMAGE_CONDITION, PREIMAGE_LEN, parse_macaroon_header,
    select_credential, write_authorization, write_macaroon_header,
};
pub use error::{CredentialFault, L402Error};
pub use identifier::{
    HASH_LEN, IDENTIFIER_LEN, IDENTIFIER_VERSION, Identifier, payment_hash_of, root_key_id,
};
pub use mint::{
    APERTURE_LOCATION, capabilities_caveat, mint_token, services_caveat, valid_until_caveat,
};
pub use satisfier::{
    CAPABILITIES_SUFFIX, CapabilitiesSatisfier, FnSatisfier, SERVICES_CONDITION, Satisfier,
    ServicesSatisfier, VALID_UNTIL_SUFFIX, ValidUntilSatisfier, check_caveats, split_caveat,
};
pub use verify::{
    ROOT_KEY_LEN, RootKeyStore, Target, verify_authorization, verify_credential, verify_token,
};

/// The two names of the scheme (L402 protocol specification): `L402`, and `LSAT` which servers and
/// clients must still accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `L402`.
    L402,
    /// `LSAT`, the old name.
    Lsat,
}

impl Scheme {
    /// The order in which aperture sends its two challenges: `LSAT`, then `L402` (aperture
    /// `FreshChallengeHeader`).
    pub const APERTURE_ORDER: [Self; 2] = [Self::Lsat, Self::L402];

    /// The scheme as written on the wire (exact case).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::L402 => "L402",
            Self::Lsat => "LSAT",
        }
    }

    /// Recognises `L402` or `LSAT`, ASCII case-insensitively (RFC 9110 §11.1).
    pub fn from_name(name: &str) -> Option<Self> {
        if name.eq_ignore_ascii_case("L402") {
            Some(Self::L402)
        } else if name.eq_ignore_ascii_case("LSAT") {
            Some(Self::Lsat)
        } else {
            None
        }
    }
}

impl core::fmt::Display for Scheme {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests;
