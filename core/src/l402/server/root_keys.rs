//! Stateless root keys: every token's root key is derived from one server secret and the token's
//! root key id, so minting stores nothing and verification derives the key again.
//!
//! ```text
//! root_key_id = sha256(identifier)                                  (aperture's lookup key)
//! root_key    = HMAC-SHA256(key = secret, msg = ROOT_KEY_LABEL ‖ root_key_id)
//! ```
//!
//! HMAC-SHA256 is RFC 2104 over FIPS 180-4 SHA-256. aperture (`mint/mint.go`) draws a random
//! root key per token and stores it under `sha256(identifier)`; here the identifier's random
//! token id (the caller's randomness) makes `root_key_id` unique, and the key follows from it.
//! Revoking one token is then a revocation list entry ([`super::Revocation`]), revoking all
//! tokens a secret rotation.

use super::L402ServerError;
use crate::l402::{Identifier, ROOT_KEY_LEN};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

/// The domain-separation label prefixed to the root key id before the HMAC.
pub const ROOT_KEY_LABEL: &[u8] = b"pay402 l402 root key v1";
/// The shortest server secret accepted (256 bits).
pub const MIN_SECRET_LEN: usize = 32;
/// The longest server secret accepted (the SHA-256 block; longer HMAC keys are hashed first and
/// gain nothing).
pub const MAX_SECRET_LEN: usize = 64;

/// One server secret: 32 to 64 bytes, zeroized on drop, never printed.
pub struct ServerSecret {
    bytes: [u8; MAX_SECRET_LEN],
    len: usize,
}

impl ServerSecret {
    /// Copies `secret`. Fails with [`L402ServerError::SecretLength`] (code
    /// `invalid_server_secret`) unless it is 32 to 64 bytes long.
    pub fn new(secret: &[u8]) -> Result<Self, L402ServerError> {
        let len = secret.len();
        if !(MIN_SECRET_LEN..=MAX_SECRET_LEN).contains(&len) {
            return Err(L402ServerError::SecretLength { len });
        }
        let mut bytes = [0u8; MAX_SECRET_LEN];
        bytes
            .get_mut(..len)
            .ok_or(L402ServerError::SecretLength { len })?
            .copy_from_slice(secret);
        Ok(Self { bytes, len })
    }

    /// `HMAC-SHA256(secret, ROOT_KEY_LABEL ‖ root_key_id)`.
    pub fn root_key(&self, root_key_id: &[u8; 32]) -> Zeroizing<[u8; ROOT_KEY_LEN]> {
        let key = self.bytes.get(..self.len).unwrap_or(&self.bytes);
        // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
        let mut out = Zeroizing::new([0u8; ROOT_KEY_LEN]);
        if let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
            mac.update(ROOT_KEY_LABEL);
            mac.update(root_key_id);
            out.copy_from_slice(&mac.finalize().into_bytes());
        }
        out
    }
}

impl Drop for ServerSecret {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl core::fmt::Debug for ServerSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ServerSecret(<redacted>)")
    }
}

/// Which secret verified a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyGeneration {
    /// The current secret (every token minted now).
    Current,
    /// The previous secret, kept for verification only during a rotation. Hosts may answer such a
    /// request normally and re-mint later; nothing is minted with it.
    Previous,
}

/// The current server secret and, during a rotation, the previous one.
///
/// Minting always derives from the current secret. Verification derives from the current secret
/// and, when that key does not verify the macaroon, from the previous one.
#[derive(Debug)]
pub struct RootKeys {
    current: ServerSecret,
    previous: Option<ServerSecret>,
}

impl RootKeys {
    /// One secret, no rotation in progress.
    ///
    /// ```
    /// use pay402::l402::server::RootKeys;
    /// let keys = RootKeys::new(&[7; 32])?;
    /// assert_eq!(format!("{keys:?}"), "RootKeys { current: ServerSecret(<redacted>), previous: None }");
    /// assert_eq!(RootKeys::new(&[7; 31]).unwrap_err().to_string(),
    ///            "the L402 server secret is 31 bytes; 32 to 64 are needed");
    /// # Ok::<(), pay402::l402::server::L402ServerError>(())
    /// ```
    pub fn new(current: &[u8]) -> Result<Self, L402ServerError> {
        Ok(Self {
            current: ServerSecret::new(current)?,
            previous: None,
        })
    }

    /// A rotation: `current` mints and verifies, `previous` only verifies.
    pub fn rotating(current: &[u8], previous: &[u8]) -> Result<Self, L402ServerError> {
        Ok(Self {
            current: ServerSecret::new(current)?,
            previous: Some(ServerSecret::new(previous)?),
        })
    }

    /// The root key a token with this identifier is minted with (from the current secret).
    pub fn root_key(&self, identifier: &Identifier) -> Zeroizing<[u8; ROOT_KEY_LEN]> {
        self.current.root_key(&identifier.root_key_id())
    }

    /// The root key of one generation for `root_key_id`, or `None` for
    /// [`KeyGeneration::Previous`] when no rotation is in progress.
    pub fn root_key_of(
        &self,
        generation: KeyGeneration,
        root_key_id: &[u8; 32],
    ) -> Option<Zeroizing<[u8; ROOT_KEY_LEN]>> {
        match generation {
            KeyGeneration::Current => Some(self.current.root_key(root_key_id)),
            KeyGeneration::Previous => self.previous.as_ref().map(|s| s.root_key(root_key_id)),
        }
    }
}
