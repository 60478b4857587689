//! EIP-3009 `TransferWithAuthorization`, the message an x402 `exact` EVM payment signs
//! (EIP-3009; x402 `exact` EVM scheme).
//!
//! ```
//! use pay402::evm::{Address, Eip712Domain, TransferWithAuthorization};
//! use pay402::U256;
//! let authorization = TransferWithAuthorization {
//!     from: Address::parse(b"0x857b06519E91e3A54538791bDbb0E22373e36b66")?,
//!     to: Address::parse(b"0x209693Bc6afc0C5328bA36FaF03C514EF312287C")?,
//!     value: U256::from_u64(10_000),
//!     valid_after: U256::from_u64(1_740_672_089),
//!     valid_before: U256::from_u64(1_740_672_154),
//!     nonce: pay402::hex::decode_array(
//!         b"f3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480",
//!     )
//!     .unwrap(),
//! };
//! let domain = Eip712Domain {
//!     name: Some("USDC"),
//!     version: Some("2"),
//!     chain_id: Some(84532),
//!     verifying_contract: Some(Address::parse(b"0x036CbD53842c5426634e7929541eC2318f3dCF7e")?),
//! };
//! let hashes = authorization.digests(&domain);
//! assert_eq!(hashes.digest[..4], [0xf2, 0x56, 0x99, 0x28]); // the x402 spec's EIP-3009 example
//! # Ok::<(), pay402::evm::AddressError>(())
//! ```

use super::keccak::keccak256;

use super::address::Address;
use super::eip712::{Eip712Domain, TypedDataHashes};
use crate::u256::U256;

/// The EIP-712 type string of the message (EIP-3009; x402 `exact` EVM scheme).
pub const TRANSFER_WITH_AUTHORIZATION_TYPE: &str = "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)";

/// Keccak-256 of [`TRANSFER_WITH_AUTHORIZATION_TYPE`]:
/// `0x7c7c6cdb67a18743f49ec6fa9b35f50d52ed05cbed4cc592e13b44501c1a2267` (EIP-3009; x402 `exact` EVM
/// scheme).
pub const TRANSFER_WITH_AUTHORIZATION_TYPEHASH: [u8; 32] = [
    0x7c, 0x7c, 0x6c, 0xdb, 0x67, 0xa1, 0x87, 0x43, 0xf4, 0x9e, 0xc6, 0xfa, 0x9b, 0x35, 0xf5, 0x0d,
    0x52, 0xed, 0x05, 0xcb, 0xed, 0x4c, 0xc5, 0x92, 0xe1, 0x3b, 0x44, 0x50, 0x1c, 0x1a, 0x22, 0x67,
];

/// An EIP-3009 transfer authorization: `from` lets anyone move `value` tokens to `to` while
/// `validAfter < block.timestamp < validBefore`, once per `(from, nonce)`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TransferWithAuthorization {
    /// The payer, who signs.
    pub from: Address,
    /// The payee (`payTo`).
    pub to: Address,
    /// Amount in the token's smallest unit.
    pub value: U256,
    /// Unix seconds; valid strictly after this on chain.
    pub valid_after: U256,
    /// Unix seconds; valid strictly before this on chain.
    pub valid_before: U256,
    /// 32 random bytes chosen by the payer.
    pub nonce: [u8; 32],
}

impl TransferWithAuthorization {
    /// `hashStruct(message)`: `keccak256(TYPEHASH ‖ pad32(from) ‖ pad32(to) ‖ u256(value) ‖
    /// u256(validAfter) ‖ u256(validBefore) ‖ nonce)` (EIP-3009; x402 `exact` EVM scheme).
    pub fn struct_hash(&self) -> [u8; 32] {
        // The seven words in one buffer, hashed in one call (cheaper than seven updates).
        let words: [[u8; 32]; 7] = [
            TRANSFER_WITH_AUTHORIZATION_TYPEHASH,
            self.from.to_word(),
            self.to.to_word(),
            self.value.to_be_bytes(),
            self.valid_after.to_be_bytes(),
            self.valid_before.to_be_bytes(),
            self.nonce,
        ];
        keccak256(words.as_flattened())
    }

    /// The digest the payer signs under `domain`.
    pub fn digest(&self, domain: &Eip712Domain<'_>) -> [u8; 32] {
        self.digests(domain).digest
    }

    /// The domain separator, struct hash and digest together.
    pub fn digests(&self, domain: &Eip712Domain<'_>) -> TypedDataHashes {
        TypedDataHashes::new(domain.separator(), self.struct_hash())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::evm::keccak::keccak256;
    use crate::hex::decode_array;

    #[test]
    fn typehash_matches_its_type_string() {
        let spec: [u8; 32] =
            decode_array(b"7c7c6cdb67a18743f49ec6fa9b35f50d52ed05cbed4cc592e13b44501c1a2267")
                .unwrap();
        assert_eq!(keccak256(TRANSFER_WITH_AUTHORIZATION_TYPE.as_bytes()), spec);
        assert_eq!(TRANSFER_WITH_AUTHORIZATION_TYPEHASH, spec);
    }

    // The published x402 example is tested end to end (domain separator, struct hash, digest,
    // recovered payer, negative domains) in `evm::tests`.
}
