//! The keys of a WS402 server, derived from one secret: one for sealing session records, one
//! for resume tokens, one for HTTP grants (HMAC-SHA256, RFC 2104, with distinct labels, so a
//! value made with one key is never accepted by another check).
//!
//! `key = HMAC-SHA256(secret, label)` with the labels [`RECORD_KEY_LABEL`],
//! [`RESUME_KEY_LABEL`] and [`GRANT_KEY_LABEL`]. The keys are zeroized when [`SessionKeys`]
//! is dropped.
//!
//! The resume token of a session is `base64url(HMAC-SHA256(resume key, session id ‖ payer))`
//! without padding (43 characters), where the payer is its tag byte (1 EVM, 2 Solana) and its
//! 20 or 32 bytes ([`Payer::write_tagged`]).

use super::error::Ws402Error;
use crate::evm::Address;
use crate::hmac_sha256::hmac_sha256;
use base64ct::{Base64UrlUnpadded, Encoding};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// The label of the record key.
pub const RECORD_KEY_LABEL: &[u8] = b"pay402 ws402 session record v2";
/// The label of the resume-token key.
pub const RESUME_KEY_LABEL: &[u8] = b"pay402 ws402 resume token";
/// The label of the HTTP-grant key.
pub const GRANT_KEY_LABEL: &[u8] = b"pay402 ws402 http grant";
/// The shortest server secret accepted, in bytes.
pub const MIN_SECRET_LEN: usize = 32;
/// The longest server secret accepted, in bytes.
pub const MAX_SECRET_LEN: usize = 64;
/// The length of a session id, in bytes (random, chosen by the host).
pub const SESSION_ID_LEN: usize = 16;
/// The length of a resume token's text (base64url of 32 bytes, no padding).
pub const RESUME_TOKEN_LEN: usize = 43;

/// A session id: 16 random bytes chosen by the host.
pub type SessionId = [u8; SESSION_ID_LEN];

/// The verified payer of a session's prepayment, who receives the refund.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Payer {
    /// An EVM address.
    Evm(Address),
    /// A Solana public key.
    Solana([u8; 32]),
}

impl Payer {
    /// The tag byte: 1 EVM, 2 Solana.
    pub const fn tag(&self) -> u8 {
        match self {
            Self::Evm(_) => 1,
            Self::Solana(_) => 2,
        }
    }

    /// The payer's bytes (20 or 32).
    pub fn bytes(&self) -> &[u8] {
        match self {
            Self::Evm(a) => &a.0,
            Self::Solana(k) => k,
        }
    }

    /// The tag byte followed by the bytes, into `out` (at least 33 bytes); returns the length
    /// (21 or 33), or 0 when `out` is too short.
    pub fn write_tagged(&self, out: &mut [u8]) -> usize {
        let bytes = self.bytes();
        match out.get_mut(..=bytes.len()) {
            Some(slot) => {
                if let Some((tag, rest)) = slot.split_first_mut() {
                    *tag = self.tag();
                    rest.copy_from_slice(bytes);
                }
                bytes.len() + 1
            }
            None => 0,
        }
    }
}

/// A resume token: the text sent in `session_started` and presented in `resume_session`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ResumeToken([u8; RESUME_TOKEN_LEN]);

impl ResumeToken {
    /// The token text (43 base64url characters).
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl core::fmt::Debug for ResumeToken {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ResumeToken(…)")
    }
}

/// The record, resume and grant keys of a WS402 server.
///
/// ```
/// use pay402::evm::Address;
/// use pay402::ws402::{Payer, SessionKeys};
/// let keys = SessionKeys::derive(&[7u8; 32])?;
/// let id = [1u8; 16];
/// let payer = Payer::Evm(Address([0x11; 20]));
/// let token = keys.resume_token(&id, &payer);
/// assert_eq!(token.as_str().len(), 43);
/// keys.check_resume_token(&id, &payer, token.as_str())?;
/// assert!(keys.check_resume_token(&[2u8; 16], &payer, token.as_str()).is_err());
/// # Ok::<(), pay402::ws402::Ws402Error>(())
/// ```
#[derive(Clone)]
pub struct SessionKeys {
    record: Zeroizing<[u8; 32]>,
    resume: Zeroizing<[u8; 32]>,
    #[allow(dead_code, reason = "the key of the HTTP grants")]
    grant: Zeroizing<[u8; 32]>,
}

impl core::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SessionKeys(…)")
    }
}

impl SessionKeys {
    /// Derives the three keys from the server secret ([`MIN_SECRET_LEN`] to
    /// [`MAX_SECRET_LEN`] bytes, else `invalid_server_secret`).
    pub fn derive(secret: &[u8]) -> Result<Self, Ws402Error> {
        if !(MIN_SECRET_LEN..=MAX_SECRET_LEN).contains(&secret.len()) {
            return Err(Ws402Error::InvalidSecret);
        }
        Ok(Self {
            record: Zeroizing::new(hmac_sha256(secret, &[RECORD_KEY_LABEL])),
            resume: Zeroizing::new(hmac_sha256(secret, &[RESUME_KEY_LABEL])),
            grant: Zeroizing::new(hmac_sha256(secret, &[GRANT_KEY_LABEL])),
        })
    }

    /// HMAC-SHA256 under the record key.
    pub(crate) fn record_mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        hmac_sha256(self.record.as_slice(), parts)
    }

    /// HMAC-SHA256 under the grant key.
    #[allow(dead_code, reason = "the MAC of the HTTP grants")]
    pub(crate) fn grant_mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        hmac_sha256(self.grant.as_slice(), parts)
    }

    fn resume_mac(&self, session_id: &SessionId, payer: &Payer) -> [u8; 32] {
        let mut tagged = [0u8; 33];
        let n = payer.write_tagged(&mut tagged);
        hmac_sha256(
            self.resume.as_slice(),
            &[session_id, tagged.get(..n).unwrap_or_default()],
        )
    }

    /// The resume token of a session: `base64url(HMAC-SHA256(resume key, id ‖ payer))`.
    pub fn resume_token(&self, session_id: &SessionId, payer: &Payer) -> ResumeToken {
        let mac = self.resume_mac(session_id, payer);
        let mut text = [0u8; RESUME_TOKEN_LEN];
        // 32 bytes are exactly 43 unpadded base64url characters.
        let _ = Base64UrlUnpadded::encode(&mac, &mut text);
        ResumeToken(text)
    }

    /// Checks a presented resume token in constant time: `resume_token_invalid` unless it is the
    /// token of this session id and payer.
    pub fn check_resume_token(
        &self,
        session_id: &SessionId,
        payer: &Payer,
        presented: &str,
    ) -> Result<(), Ws402Error> {
        let mut mac = [0u8; 32];
        let decoded = presented.len() == RESUME_TOKEN_LEN
            && Base64UrlUnpadded::decode(presented.as_bytes(), &mut mac)
                .is_ok_and(|m| m.len() == 32);
        let expected = self.resume_mac(session_id, payer);
        if decoded && bool::from(mac.ct_eq(&expected)) {
            Ok(())
        } else {
            Err(Ws402Error::ResumeTokenInvalid)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_outside_32_to_64_bytes_are_refused() {
        assert_eq!(
            SessionKeys::derive(&[0; 31]).err(),
            Some(Ws402Error::InvalidSecret)
        );
        assert_eq!(
            SessionKeys::derive(&[0; 65]).err(),
            Some(Ws402Error::InvalidSecret)
        );
        assert!(SessionKeys::derive(&[0; 64]).is_ok());
    }

    #[test]
    fn the_three_keys_differ() {
        let k = SessionKeys::derive(&[9; 32]).unwrap();
        assert_ne!(*k.record, *k.resume);
        assert_ne!(*k.record, *k.grant);
        assert_ne!(*k.resume, *k.grant);
    }

    #[test]
    fn a_token_is_bound_to_the_payer_and_the_secret() {
        let k = SessionKeys::derive(&[9; 32]).unwrap();
        let id = [3; 16];
        let evm = Payer::Evm(Address([0x22; 20]));
        let token = k.resume_token(&id, &evm);
        assert!(k.check_resume_token(&id, &evm, token.as_str()).is_ok());
        let sol = Payer::Solana([0x22; 32]);
        assert!(k.check_resume_token(&id, &sol, token.as_str()).is_err());
        let other = SessionKeys::derive(&[8; 32]).unwrap();
        assert!(other.check_resume_token(&id, &evm, token.as_str()).is_err());
        // A padded, truncated or non-base64url token is refused, not decoded leniently.
        let mut padded = [0u8; 44];
        padded[..43].copy_from_slice(token.as_str().as_bytes());
        padded[43] = b'=';
        let padded = core::str::from_utf8(&padded).unwrap();
        assert!(k.check_resume_token(&id, &evm, padded).is_err());
        assert!(
            k.check_resume_token(&id, &evm, &token.as_str()[..42])
                .is_err()
        );
        assert!(k.check_resume_token(&id, &evm, "").is_err());
    }
}
