//! Third-party caveats (go-macaroon `crypto.go`, libmacaroons): the verification id `vid` that
//! carries the caveat key to the verifier, sealed under the running signature.
//!
//! ```text
//! vid = nonce[24] ‖ crypto_secretbox(msg = derive(caveat_key), nonce, key = sig)   → 72 bytes
//!     (secretbox output = tag[16] ‖ ciphertext[32], XSalsa20-Poly1305 as in NaCl)
//! ```
//! The nonce must be fresh and unpredictable for every caveat; this module never draws
//! randomness itself, the caller supplies it.

use super::crypto::derive_key;
use super::error::{MacaroonError, Malformed};
use super::{KEY_LEN, NONCE_LEN, SIGNATURE_LEN, VID_LEN};
use crypto_secretbox::aead::AeadInPlace;
use crypto_secretbox::{KeyInit, XSalsa20Poly1305};
use zeroize::Zeroizing;

/// Poly1305 tag length.
const TAG_LEN: usize = 16;

/// Seals `derive(caveat_key)` under `signature` with `nonce`, giving the 72-byte vid.
///
/// ```
/// use pay402::macaroon::third_party::{open_vid, seal_vid};
/// let sig = [7u8; 32];
/// let vid = seal_vid(&sig, b"caveat root key", &[0u8; 24]).unwrap();
/// let key = open_vid(&sig, &vid).unwrap();
/// assert_eq!(*key, *pay402::macaroon::crypto::derive_key(b"caveat root key"));
/// ```
pub fn seal_vid(
    signature: &[u8; SIGNATURE_LEN],
    caveat_key: &[u8],
    nonce: &[u8; NONCE_LEN],
) -> Result<[u8; VID_LEN], MacaroonError> {
    let cipher = XSalsa20Poly1305::new(&(*signature).into());
    let mut body = derive_key(caveat_key);
    let tag = cipher
        .encrypt_in_place_detached(&(*nonce).into(), b"", &mut *body)
        .map_err(|_| MacaroonError::Secretbox)?;
    let mut vid = [0u8; VID_LEN];
    let (n, rest) = vid.split_at_mut(NONCE_LEN);
    let (t, c) = rest.split_at_mut(TAG_LEN);
    n.copy_from_slice(nonce);
    t.copy_from_slice(&tag);
    c.copy_from_slice(&*body);
    Ok(vid)
}

/// Opens a vid under `signature` and returns the caveat key (already derived: it starts the
/// discharge's chain directly, no second derivation).
///
/// Fails with [`Malformed::VidLength`] when `vid` is not 72 bytes and with
/// [`MacaroonError::SignatureMismatch`] when it does not authenticate under `signature` (the
/// chain up to this caveat is not the one it was sealed under).
pub fn open_vid(
    signature: &[u8; SIGNATURE_LEN],
    vid: &[u8],
) -> Result<Zeroizing<[u8; KEY_LEN]>, MacaroonError> {
    if vid.len() != VID_LEN {
        return Err(Malformed::VidLength.into());
    }
    let (nonce, rest) = vid.split_at(NONCE_LEN);
    let (tag, ciphertext) = rest.split_at(TAG_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| Malformed::VidLength)?;
    let tag: [u8; TAG_LEN] = tag.try_into().map_err(|_| Malformed::VidLength)?;
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    key.copy_from_slice(ciphertext);
    let cipher = XSalsa20Poly1305::new(&(*signature).into());
    cipher
        .decrypt_in_place_detached(&nonce.into(), b"", &mut *key, &tag.into())
        .map_err(|_| MacaroonError::SignatureMismatch)?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base64::{Base64Policy, decode_into};
    use crate::hex::decode_array;

    #[test]
    fn opens_the_libmacaroons_readme_vid() {
        // libmacaroons README: zero nonce, key = sig after `account = 3735928559`.
        let mut buf = [0u8; 80];
        let vid = decode_into(
            b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA027FAuBYhtHwJ58FX6UlVNFtFsGxQHS7uD_w_dedwv4Jjw7UorCREw5rXbRqIKhr",
            &Base64Policy::ANY,
            &mut buf,
        )
        .unwrap();
        let sig =
            decode_array::<32>(b"1434e674ad84fdfdc9bc1aa00785325c8b6d57341fc7ce200ba4680c80786dda")
                .unwrap();
        let key = open_vid(&sig, vid).unwrap();
        assert_eq!(
            *key,
            decode_array::<32>(b"7b46b7aec0ea6cf4eaf4ed0b9855ab698837c6be0ba6883ec526f1c7b997afa8")
                .unwrap()
        );
        let resealed = seal_vid(
            &sig,
            b"4; guaranteed random by a fair toss of the dice",
            &[0; 24],
        );
        assert_eq!(&resealed.unwrap()[..], vid);
    }

    #[test]
    fn a_vid_under_another_signature_does_not_open() {
        let vid = seal_vid(&[1; 32], b"k", &[9; 24]).unwrap();
        assert_eq!(
            open_vid(&[2; 32], &vid),
            Err(MacaroonError::SignatureMismatch)
        );
        assert_eq!(
            open_vid(&[1; 32], &vid[..71]),
            Err(MacaroonError::Malformed(Malformed::VidLength))
        );
    }
}
