//! Macaroon cryptography (go-macaroon `crypto.go`, libmacaroons): key derivation, the HMAC-SHA256
//! chain, `hash2` and discharge binding.
//!
//! ```text
//! derive(k) = HMAC-SHA256(key = "macaroons-key-generator", msg = k)
//! sig_0     = HMAC-SHA256(key = derive(root_key), msg = identifier)
//! sig_i     = HMAC-SHA256(key = sig_{i-1}, msg = caveat_id_i)            first-party caveat
//! hash2(k, a, b) = HMAC(k, HMAC(k, a) ‖ HMAC(k, b))                      third-party caveat, binding
//! bind(root_sig, discharge_sig) = hash2(0³², root_sig, discharge_sig)
//! ```
//! Key derivation is not optional: every peer that interoperates derives, and
//! `lightninglabs/L402:macaroon-spec.md`'s `sig_0 = HMAC(root_key, id)` is an erratum.

use super::{KEY_LEN, SIGNATURE_LEN};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

/// The key of the key-derivation HMAC: 23 ASCII bytes (libmacaroons zero-pads it to 32, which
/// HMAC does anyway).
pub const KEYGEN: &[u8] = b"macaroons-key-generator";

/// HMAC-SHA256 of the concatenation of `parts` under `key` (RFC 2104), for keys of any length.
///
/// The key block is built from the key (hashing keys longer than 64 bytes, zero-padding the
/// rest), so no fallible constructor is involved; it is zeroized afterwards.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; SIGNATURE_LEN] {
    crate::hmac_sha256::hmac_sha256(key, parts)
}

/// `derive(k) = HMAC-SHA256("macaroons-key-generator", k)`: the key that starts the chain of a
/// macaroon minted with root key `k`, and the key sealed into a third-party caveat's `vid`.
///
/// ```
/// use pay402::macaroon::crypto::derive_key;
/// // libmacaroons README: derive("4; guaranteed random by a fair toss of the dice")
/// let key = derive_key(b"4; guaranteed random by a fair toss of the dice");
/// assert_eq!(pay402::hex::encode_lower_into(&*key, &mut [0u8; 64]).unwrap(),
///            "7b46b7aec0ea6cf4eaf4ed0b9855ab698837c6be0ba6883ec526f1c7b997afa8");
/// ```
pub fn derive_key(root_key: &[u8]) -> Zeroizing<[u8; KEY_LEN]> {
    Zeroizing::new(hmac_sha256(KEYGEN, &[root_key]))
}

/// `hash2(k, a, b) = HMAC(k, HMAC(k, a) ‖ HMAC(k, b))` (Go `keyedHash2`, libmacaroons
/// `macaroon_hash2`, pymacaroons `hmac_concat`).
pub fn hash2(key: &[u8; SIGNATURE_LEN], a: &[u8], b: &[u8]) -> [u8; SIGNATURE_LEN] {
    let mut ha = hmac_sha256(key, &[a]);
    let mut hb = hmac_sha256(key, &[b]);
    let out = hmac_sha256(key, &[&ha, &hb]);
    ha.zeroize();
    hb.zeroize();
    out
}

/// Binds a discharge's signature to the root macaroon it is sent with:
/// `hash2(0³², root_sig, discharge_sig)` (libmacaroons `macaroon_prepare_for_request`,
/// pymacaroons `prepare_for_request`, Go `bindForRequest`).
///
/// Always binds. Go returns `discharge_sig` unchanged when it equals `root_sig`; that case needs
/// an HMAC collision to arise from honest minting and is not reproduced.
///
/// ```
/// use pay402::macaroon::crypto::bind_for_request;
/// use pay402::hex::decode_array;
/// // libmacaroons README
/// let root = decode_array::<32>(b"d27db2fd1f22760e4c3dae8137e2d8fc1df6c0741c18aed4b97256bf78d1f55c").unwrap();
/// let discharge = decode_array::<32>(b"2ed1049876e9d5840950274b579b0770317df54d338d9d3039c7c67d0d91d63c").unwrap();
/// let bound = decode_array::<32>(b"d115ef1c133b1126978d5ab27f69d99ba9d0468cd6c1b7e47b8c1c59019cb019").unwrap();
/// assert_eq!(bind_for_request(&root, &discharge), bound);
/// ```
pub fn bind_for_request(
    root_signature: &[u8; SIGNATURE_LEN],
    discharge_signature: &[u8; SIGNATURE_LEN],
) -> [u8; SIGNATURE_LEN] {
    hash2(&[0u8; SIGNATURE_LEN], root_signature, discharge_signature)
}

/// Compares two signatures in constant time.
pub fn signatures_equal(a: &[u8; SIGNATURE_LEN], b: &[u8; SIGNATURE_LEN]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hex::decode_array;

    fn h(s: &str) -> [u8; 32] {
        decode_array(s.as_bytes()).unwrap()
    }

    #[test]
    fn keys_longer_than_a_block_are_hashed_as_rfc_4231_case_6_says() {
        // RFC 4231 test case 6: 131-byte key 0xaa.., "Test Using Larger Than Block-Size Key - Hash Key First"
        let key = [0xaau8; 131];
        assert_eq!(
            hmac_sha256(
                &key,
                &[b"Test Using Larger Than Block-Size Key - Hash Key First"]
            ),
            h("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        );
    }

    #[test]
    fn rfc_4231_case_2_short_key() {
        assert_eq!(
            hmac_sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"]),
            h("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        );
    }
}
