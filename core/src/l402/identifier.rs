//! The 66-byte L402 macaroon identifier (`lightninglabs/aperture:l402/identifier.go`).
//!
//! ```text
//! offset 0   2 bytes   version        u16 big-endian, 0
//! offset 2   32 bytes  payment_hash   BOLT11 `p` = sha256(preimage)
//! offset 34  32 bytes  token_id       caller-chosen (aperture: 32 random bytes)
//! ```
//! The root key of a token is looked up by `sha256(identifier)` ([`Identifier::root_key_id`]).

use super::L402Error;
use sha2::{Digest, Sha256};

/// Length of an L402 identifier.
pub const IDENTIFIER_LEN: usize = 66;
/// The only identifier version defined (aperture `LatestVersion`).
pub const IDENTIFIER_VERSION: u16 = 0;
/// Length of the payment hash and of the token id.
pub const HASH_LEN: usize = 32;

/// A decoded L402 identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Identifier {
    /// The version; [`Identifier::parse`] only returns version [`IDENTIFIER_VERSION`].
    pub version: u16,
    /// The payment hash of the invoice that pays for the token.
    pub payment_hash: [u8; HASH_LEN],
    /// The token id ("user id"; aperture keeps it across re-mints).
    pub token_id: [u8; HASH_LEN],
}

impl Identifier {
    /// A version-0 identifier.
    pub const fn new(payment_hash: [u8; HASH_LEN], token_id: [u8; HASH_LEN]) -> Self {
        Self {
            version: IDENTIFIER_VERSION,
            payment_hash,
            token_id,
        }
    }

    /// Parses exactly 66 bytes with version 0.
    ///
    /// The version is read first (as aperture does): fewer than 2 bytes or a wrong total length
    /// is [`L402Error::IdentifierLength`], a version other than 0 is
    /// [`L402Error::UnknownIdentifierVersion`]; both have the code `unknown_identifier_version`.
    ///
    /// ```
    /// use pay402::l402::Identifier;
    /// let mut bytes = [1u8; 66];
    /// bytes[..2].copy_from_slice(&[0, 0]);
    /// let id = Identifier::parse(&bytes)?;
    /// assert_eq!((id.payment_hash, id.token_id), ([1; 32], [1; 32]));
    /// assert_eq!(id.to_bytes(), bytes);
    /// assert!(Identifier::parse(&bytes[..65]).is_err());
    /// # Ok::<(), pay402::l402::L402Error>(())
    /// ```
    pub fn parse(bytes: &[u8]) -> Result<Self, L402Error> {
        let len = bytes.len();
        let (version, rest) = bytes
            .split_first_chunk::<2>()
            .ok_or(L402Error::IdentifierLength { len })?;
        let version = u16::from_be_bytes(*version);
        if version != IDENTIFIER_VERSION {
            return Err(L402Error::UnknownIdentifierVersion { version });
        }
        let (payment_hash, rest) = rest
            .split_first_chunk::<HASH_LEN>()
            .ok_or(L402Error::IdentifierLength { len })?;
        let token_id: &[u8; HASH_LEN] = rest
            .try_into()
            .map_err(|_| L402Error::IdentifierLength { len })?;
        Ok(Self {
            version,
            payment_hash: *payment_hash,
            token_id: *token_id,
        })
    }

    /// The 66 bytes: `version ‖ payment_hash ‖ token_id`.
    pub fn to_bytes(&self) -> [u8; IDENTIFIER_LEN] {
        let mut out = [0u8; IDENTIFIER_LEN];
        let (version, rest) = out.split_at_mut(2);
        version.copy_from_slice(&self.version.to_be_bytes());
        let (hash, token) = rest.split_at_mut(HASH_LEN);
        hash.copy_from_slice(&self.payment_hash);
        token.copy_from_slice(&self.token_id);
        out
    }

    /// `sha256(identifier bytes)`: the key under which the root key is stored (aperture's
    /// `secrets` store).
    pub fn root_key_id(&self) -> [u8; 32] {
        root_key_id(&self.to_bytes())
    }
}

/// `sha256(identifier)` of raw identifier bytes, the key under which aperture's `VerifyL402` looks
/// up the root key.
pub fn root_key_id(identifier: &[u8]) -> [u8; 32] {
    Sha256::digest(identifier).into()
}

/// `sha256(preimage)`: the payment hash a preimage pays.
pub fn payment_hash_of(preimage: &[u8; 32]) -> [u8; 32] {
    Sha256::digest(preimage).into()
}
