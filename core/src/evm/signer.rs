//! Signing EVM digests with a secp256k1 private key, as viem and eth-account do.
//!
//! Signatures are deterministic (RFC 6979 with HMAC-SHA-256, no extra entropy), low-`s` and encoded
//! `r ‖ s ‖ v` with `v ∈ {27, 28}` (x402 reference client,
//! `mechanisms/evm/src/exact/client/eip3009.ts`), so the same key and digest give byte-identical
//! signatures here and in viem (`signTypedData`) or eth-account.
//!
//! ```
//! use pay402::evm::{recover_address, PrivateKey, SignaturePolicy};
//! let key = PrivateKey::from_bytes(&[0x11; 32])?;
//! let digest = pay402::evm::keccak256(b"hello");
//! let signature = key.sign_prehash(&digest);
//! assert_eq!(recover_address(&digest, &signature, SignaturePolicy::Strict), Ok(key.address()));
//! # Ok::<(), pay402::evm::KeyError>(())
//! ```

use k256::ecdsa::SigningKey;
use zeroize::Zeroizing;

use super::address::Address;
use super::signature::RecoverableSignature;
use crate::error::ErrorCode;
use crate::hex::{self, HexError};

/// Why bytes are not a usable private key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyError {
    /// The scalar is zero or not below the group order `n`.
    OutOfRange,
    /// The hex text of the key is malformed (see [`PrivateKey::from_hex`]).
    Hex(HexError),
}

impl core::fmt::Display for KeyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::OutOfRange => f.write_str("private key is zero or not below the secp256k1 order"),
            Self::Hex(e) => write!(f, "private key hex: {e}"),
        }
    }
}

impl core::error::Error for KeyError {}

impl ErrorCode for KeyError {
    /// `invalid_private_key`, or the hex error's code for malformed hex.
    fn code(&self) -> &'static str {
        match self {
            Self::OutOfRange => "invalid_private_key",
            Self::Hex(e) => e.code(),
        }
    }
}

/// A secp256k1 private key. The secret is zeroized when the key is dropped, and `Debug` shows
/// only the address.
#[derive(Clone)]
pub struct PrivateKey(SigningKey);

impl PrivateKey {
    /// The key with scalar `bytes` (big-endian). Zero and values `≥ n` are rejected.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, KeyError> {
        SigningKey::from_slice(bytes)
            .map(Self)
            .map_err(|_| KeyError::OutOfRange)
    }

    /// The key from 64 hex digits, with or without a `0x` prefix. The decoded bytes are
    /// zeroized after use.
    pub fn from_hex(text: &[u8]) -> Result<Self, KeyError> {
        let digits = text.strip_prefix(b"0x").unwrap_or(text);
        if digits.len() != 64 {
            return Err(KeyError::Hex(HexError::WrongLength {
                expected: 64,
                found: digits.len(),
            }));
        }
        // Decode straight into the zeroizing buffer: no plain copy of the secret is left behind.
        let mut bytes = Zeroizing::new([0u8; 32]);
        hex::decode_into(digits, bytes.as_mut_slice()).map_err(KeyError::Hex)?;
        Self::from_bytes(&bytes)
    }

    /// The address that this key signs for.
    pub fn address(&self) -> Address {
        Address::from_verifying_key(self.0.verifying_key())
    }

    /// Signs a 32-byte digest: RFC 6979, low `s`, returned as a [`RecoverableSignature`].
    pub fn sign(&self, digest: &[u8; 32]) -> RecoverableSignature {
        let (signature, recovery_id) = self.0.sign_prehash_recoverable(digest);
        RecoverableSignature::from_k256(&signature, recovery_id)
    }

    /// Signs a 32-byte digest and returns `r ‖ s ‖ v` with `v ∈ {27, 28}` and low `s`,
    /// byte-identical to viem and eth-account.
    pub fn sign_prehash(&self, digest: &[u8; 32]) -> [u8; 65] {
        self.sign(digest).to_bytes()
    }
}

impl core::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PrivateKey")
            .field("address", &format_args!("{}", self.address()))
            .field("secret", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::evm::keccak::keccak256;
    use crate::evm::signature::{SECP256K1_HALF_N, SECP256K1_N, SignaturePolicy, recover_address};
    use crate::hex::decode_array;
    use crate::writer::Writer;

    fn key_11() -> PrivateKey {
        PrivateKey::from_bytes(&[0x11; 32]).unwrap()
    }

    #[test]
    fn derives_the_toolchain_vector_address() {
        // A k256 known vector: key 0x11…11 → 0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a.
        assert_eq!(
            key_11().address(),
            Address::parse(b"0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a").unwrap()
        );
    }

    #[test]
    fn signature_over_keccak_hello_recovers_the_toolchain_address() {
        let digest = keccak256(b"hello");
        let signature = key_11().sign_prehash(&digest);
        assert_eq!(
            recover_address(&digest, &signature, SignaturePolicy::Strict),
            Ok(Address::parse(b"0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a").unwrap())
        );
    }

    #[test]
    fn signs_the_published_digest_low_s_deterministically() {
        // The digest of the x402 spec's EIP-3009 example; no published signature exists for key
        // 0x11…11.
        let digest: [u8; 32] =
            decode_array(b"f256992871671abcb27ff92885a7afa46218724e5fc0bac35d050115aa1d22e6")
                .unwrap();
        let key = key_11();
        let signature = key.sign_prehash(&digest);
        assert!(signature[64] == 27 || signature[64] == 28);
        assert!(signature[32..64] <= SECP256K1_HALF_N[..]);
        assert_eq!(key.sign_prehash(&digest), signature);
        assert_eq!(
            recover_address(&digest, &signature, SignaturePolicy::Strict),
            Ok(key.address())
        );
    }

    #[test]
    fn matches_the_web3js_rfc6979_vector() {
        // web3.js documentation, `web3.eth.accounts.sign('Some data', '0x4c08…2318')`
        // (https://docs.web3js.org/api/web3-eth-accounts/function/sign): an RFC 6979 signature
        // over the EIP-191 hash of "Some data".
        let key = PrivateKey::from_hex(
            b"0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318",
        )
        .unwrap();
        let message_hash: [u8; 32] =
            decode_array(b"1da44b586eb0729ff70a73c326926f6ed5a25f5b056e7f47fbc6e58d86871655")
                .unwrap();
        assert_eq!(
            keccak256(b"\x19Ethereum Signed Message:\n9Some data"),
            message_hash
        );
        let expected: [u8; 65] = decode_array(b"b91467e570a6466aa9e9876cbcd013baba02900b8979d43fe208a4a4f339f5fd6007e74cd82e037b800186422fc2da167c747ef045e5d18a5f5d4300f8e1a0291c").unwrap();
        assert_eq!(key.sign_prehash(&message_hash), expected);
    }

    #[test]
    fn rejects_zero_and_out_of_range_keys() {
        for bytes in [[0u8; 32], SECP256K1_N, [0xff; 32]] {
            let e = PrivateKey::from_bytes(&bytes).unwrap_err();
            assert_eq!(e, KeyError::OutOfRange);
            assert_eq!(e.code(), "invalid_private_key");
        }
        let mut n_minus_1 = SECP256K1_N;
        n_minus_1[31] -= 1;
        assert!(PrivateKey::from_bytes(&n_minus_1).is_ok());
    }

    #[test]
    fn from_hex_reports_hex_errors() {
        assert_eq!(
            PrivateKey::from_hex(b"0x1111").unwrap_err().code(),
            "hex_wrong_length"
        );
        assert_eq!(
            PrivateKey::from_hex(&[b'1'; 64]).unwrap().address(),
            key_11().address()
        );
    }

    #[test]
    fn debug_does_not_reveal_the_secret() {
        use core::fmt::Write as _;
        let mut buf = [0u8; 256];
        let mut w = Writer::new(&mut buf);
        write!(w, "{:?}", key_11()).unwrap();
        let text = core::str::from_utf8(w.written()).unwrap();
        let (head, tail) = text.split_at(24);
        assert_eq!(head, "PrivateKey { address: 0x");
        assert!(tail[..40].eq_ignore_ascii_case("19e7e376e7c213b7e7e7e46cc70a5dd086daff2a"));
        assert_eq!(&tail[40..], ", secret: \"<redacted>\" }");
        assert!(!text.contains("1111"));
    }
}
