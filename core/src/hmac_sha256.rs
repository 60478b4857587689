//! HMAC-SHA256 (RFC 2104, <https://www.rfc-editor.org/rfc/rfc2104>) over several parts, shared by
//! the macaroon signature chain (`macaroon::crypto`) and the Fewsats webhook signature
//! (`offers::verify_webhook`).

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

/// SHA-256's block size: HMAC keys up to this length are zero-padded, longer ones hashed.
const BLOCK_LEN: usize = 64;

/// HMAC-SHA256 of the concatenation of `parts` under `key` (RFC 2104), for keys of any length.
///
/// The key block is built here (hashing keys longer than 64 bytes, zero-padding the rest), so
/// the HMAC is constructed from a full-size block and no fallible constructor is involved. The
/// key block is zeroized afterwards.
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut block = Zeroizing::new([0u8; BLOCK_LEN]);
    if key.len() > BLOCK_LEN {
        let mut digest: [u8; 32] = Sha256::digest(key).into();
        if let Some(head) = block.get_mut(..32) {
            head.copy_from_slice(&digest);
        }
        digest.zeroize();
    } else if let Some(head) = block.get_mut(..key.len()) {
        head.copy_from_slice(key);
    }
    let mut mac = <Hmac<Sha256> as KeyInit>::new(&(*block).into());
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}
