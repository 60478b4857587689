//! Keccak-256, the hash of the EVM (the original Keccak padding, not NIST SHA3-256).
//!
//! Used for EIP-712 type hashes and struct hashes (EIP-712: EIP-3009 and Permit2 messages), EIP-55
//! checksums and deriving addresses from public keys.
//!
//! ```
//! use pay402::evm::keccak256;
//! assert_eq!(
//!     pay402::hex::decode_array::<32>(b"c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")?,
//!     keccak256(b""),
//! );
//! # Ok::<(), pay402::hex::HexError>(())
//! ```

use sha3::{Digest, Keccak256};

/// Keccak-256 of `data`.
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    Keccak256::digest(data).into()
}

/// Keccak-256 of the concatenation of `parts`, without building the concatenation.
pub fn keccak256_concat(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Keccak256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::hex::decode_array;

    #[test]
    fn hashes_the_empty_string() {
        // The well-known Keccak-256 of "" (the EVM's `keccak256("")`, also the empty code hash).
        assert_eq!(
            keccak256(b""),
            decode_array::<32>(b"c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
                .unwrap()
        );
    }

    #[test]
    fn hashes_hello_as_in_the_toolchain_vector() {
        // A k256 known vector (key 0x11…11).
        assert_eq!(
            keccak256(b"hello"),
            decode_array::<32>(b"1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8")
                .unwrap()
        );
    }

    #[test]
    fn concatenation_hashes_like_one_buffer() {
        assert_eq!(keccak256_concat(&[b"he", b"", b"llo"]), keccak256(b"hello"));
        assert_eq!(keccak256_concat(&[]), keccak256(b""));
    }
}
