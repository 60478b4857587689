//! Uniswap Permit2 `PermitWitnessTransferFrom`, the message an x402 `exact` payment with
//! `assetTransferMethod: "permit2"` and an `upto` payment sign (x402 `exact` EVM scheme, Permit2).
//!
//! The payer signs, under the Permit2 domain `{name: "Permit2", chainId, verifyingContract:
//! PERMIT2}` (no `version`), a transfer of `permitted.amount` of `permitted.token` that only
//! `spender` (the x402 proxy) may execute, once per `(owner, nonce)`, until `deadline`. The
//! proxy adds a witness the signature also covers: for `exact` `Witness(address to,uint256
//! validAfter)`, for `upto` `Witness(address to,address facilitator,uint256 validAfter)`.
//!
//! ```
//! use pay402::evm::permit2::{
//!     permit2_domain, Permit2Witness, PermitWitnessTransferFrom, TokenPermissions,
//!     X402_EXACT_PERMIT2_PROXY,
//! };
//! use pay402::evm::Address;
//! use pay402::U256;
//!
//! // The x402 spec's Permit2 example (x402 `exact` EVM scheme, Permit2) on Base Sepolia.
//! let permit = PermitWitnessTransferFrom {
//!     permitted: TokenPermissions {
//!         token: Address::parse(b"0x036CbD53842c5426634e7929541eC2318f3dCF7e")?,
//!         amount: U256::from_u64(10_000),
//!     },
//!     spender: X402_EXACT_PERMIT2_PROXY,
//!     nonce: U256::parse_decimal(
//!         b"33247007178036348590600198031289925668252061821958005840077069883511451257277",
//!         pay402::u256::LeadingZeros::Reject,
//!     )?,
//!     deadline: U256::from_u64(1_740_672_154),
//!     witness: Permit2Witness::Exact {
//!         to: Address::parse(b"0x209693Bc6afc0C5328bA36FaF03C514EF312287C")?,
//!         valid_after: U256::from_u64(1_740_672_089),
//!     },
//! };
//! let hashes = permit.digests(&permit2_domain(84532));
//! assert_eq!(hashes.digest[..4], [0x21, 0x52, 0x8e, 0x14]); // viem hashTypedData
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use sha3::{Digest, Keccak256};

use super::address::Address;
use super::eip712::{Eip712Domain, TypedDataHashes};
use crate::u256::U256;

/// The canonical Permit2 contract, the same address on every chain (x402 `exact` EVM scheme,
/// Permit2): `0x000000000022D473030F116dDEE9F6B43aC78BA3`.
pub const PERMIT2_ADDRESS: Address = Address([
    0x00, 0x00, 0x00, 0x00, 0x00, 0x22, 0xd4, 0x73, 0x03, 0x0f, 0x11, 0x6d, 0xde, 0xe9, 0xf6, 0xb4,
    0x3a, 0xc7, 0x8b, 0xa3,
]);

/// `x402ExactPermit2Proxy` (CREATE2, the same on every chain), the spender of an `exact` Permit2
/// payment: `0x402085c248EeA27D92E8b30b2C58ed07f9E20001` (x402 `exact` EVM scheme, Permit2).
pub const X402_EXACT_PERMIT2_PROXY: Address = Address([
    0x40, 0x20, 0x85, 0xc2, 0x48, 0xee, 0xa2, 0x7d, 0x92, 0xe8, 0xb3, 0x0b, 0x2c, 0x58, 0xed, 0x07,
    0xf9, 0xe2, 0x00, 0x01,
]);

/// `x402UptoPermit2Proxy`, the spender of an `upto` payment:
/// `0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002` (x402 `exact` EVM scheme, Permit2).
pub const X402_UPTO_PERMIT2_PROXY: Address = Address([
    0x40, 0x20, 0xa4, 0xf3, 0xb7, 0xb9, 0x0c, 0xca, 0x42, 0x3b, 0x9f, 0xab, 0xcc, 0x0c, 0xe5, 0x7c,
    0x6c, 0x24, 0x00, 0x02,
]);

/// The EIP-712 type string of `TokenPermissions`.
pub const TOKEN_PERMISSIONS_TYPE: &str = "TokenPermissions(address token,uint256 amount)";

/// Keccak-256 of [`TOKEN_PERMISSIONS_TYPE`].
pub const TOKEN_PERMISSIONS_TYPEHASH: [u8; 32] = [
    0x61, 0x83, 0x58, 0xac, 0x3d, 0xb8, 0xdc, 0x27, 0x4f, 0x0c, 0xd8, 0x82, 0x9d, 0xa7, 0xe2, 0x34,
    0xbd, 0x48, 0xcd, 0x73, 0xc4, 0xa7, 0x40, 0xae, 0xde, 0x1a, 0xde, 0xc9, 0x84, 0x6d, 0x06, 0xa1,
];

/// The `exact` witness type string.
pub const EXACT_WITNESS_TYPE: &str = "Witness(address to,uint256 validAfter)";

/// Keccak-256 of [`EXACT_WITNESS_TYPE`].
pub const EXACT_WITNESS_TYPEHASH: [u8; 32] = [
    0xd9, 0x7b, 0x32, 0x39, 0xa7, 0xf3, 0x22, 0x95, 0x51, 0x7b, 0xd1, 0x4c, 0xb0, 0x74, 0xed, 0xfd,
    0xd1, 0x88, 0xdf, 0xe5, 0xeb, 0x42, 0xf8, 0x02, 0xbb, 0x26, 0xd4, 0xfd, 0x1e, 0xb1, 0x2c, 0x37,
];

/// The `upto` witness type string.
pub const UPTO_WITNESS_TYPE: &str = "Witness(address to,address facilitator,uint256 validAfter)";

/// Keccak-256 of [`UPTO_WITNESS_TYPE`].
pub const UPTO_WITNESS_TYPEHASH: [u8; 32] = [
    0xd4, 0x17, 0x1c, 0x44, 0x5a, 0x74, 0x21, 0x8b, 0x01, 0xd4, 0xfd, 0x8a, 0xf3, 0x4f, 0xf1, 0x10,
    0x65, 0x80, 0xea, 0x1e, 0x36, 0xff, 0x83, 0x7e, 0x64, 0x48, 0x4b, 0xfa, 0xa2, 0x25, 0x3b, 0x75,
];

/// The full `exact` type string: the primary type, then the referenced types in alphabetical
/// order (EIP-712 `encodeType`).
pub const PERMIT_WITNESS_TRANSFER_FROM_EXACT_TYPE: &str = "PermitWitnessTransferFrom(TokenPermissions permitted,address spender,uint256 nonce,uint256 deadline,Witness witness)TokenPermissions(address token,uint256 amount)Witness(address to,uint256 validAfter)";

/// Keccak-256 of [`PERMIT_WITNESS_TRANSFER_FROM_EXACT_TYPE`]:
/// `0xebc156cd23678a74c94df13d772ef5478420637f0c94bd10d509e1dc98f521c7` (x402 `exact` EVM scheme,
/// Permit2).
pub const PERMIT_WITNESS_TRANSFER_FROM_EXACT_TYPEHASH: [u8; 32] = [
    0xeb, 0xc1, 0x56, 0xcd, 0x23, 0x67, 0x8a, 0x74, 0xc9, 0x4d, 0xf1, 0x3d, 0x77, 0x2e, 0xf5, 0x47,
    0x84, 0x20, 0x63, 0x7f, 0x0c, 0x94, 0xbd, 0x10, 0xd5, 0x09, 0xe1, 0xdc, 0x98, 0xf5, 0x21, 0xc7,
];

/// The full `upto` type string.
pub const PERMIT_WITNESS_TRANSFER_FROM_UPTO_TYPE: &str = "PermitWitnessTransferFrom(TokenPermissions permitted,address spender,uint256 nonce,uint256 deadline,Witness witness)TokenPermissions(address token,uint256 amount)Witness(address to,address facilitator,uint256 validAfter)";

/// Keccak-256 of [`PERMIT_WITNESS_TRANSFER_FROM_UPTO_TYPE`]:
/// `0x51dff6974ad4388c499e7fcfe838d2bd767162553a144098ce20ea661d70c2ee` (x402 `exact` EVM scheme,
/// Permit2).
pub const PERMIT_WITNESS_TRANSFER_FROM_UPTO_TYPEHASH: [u8; 32] = [
    0x51, 0xdf, 0xf6, 0x97, 0x4a, 0xd4, 0x38, 0x8c, 0x49, 0x9e, 0x7f, 0xcf, 0xe8, 0x38, 0xd2, 0xbd,
    0x76, 0x71, 0x62, 0x55, 0x3a, 0x14, 0x40, 0x98, 0xce, 0x20, 0xea, 0x66, 0x1d, 0x70, 0xc2, 0xee,
];

/// The Permit2 EIP-712 domain on `chain_id`: `{name: "Permit2", chainId, verifyingContract:
/// PERMIT2_ADDRESS}`, without `version` (x402 `exact` EVM scheme, Permit2).
pub const fn permit2_domain(chain_id: u64) -> Eip712Domain<'static> {
    Eip712Domain {
        name: Some("Permit2"),
        version: None,
        chain_id: Some(chain_id),
        verifying_contract: Some(PERMIT2_ADDRESS),
    }
}

/// `TokenPermissions {token, amount}`: what the spender may transfer at most.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TokenPermissions {
    /// The ERC-20 token.
    pub token: Address,
    /// The maximum amount in the token's smallest unit.
    pub amount: U256,
}

impl TokenPermissions {
    /// `hashStruct(TokenPermissions)`.
    pub fn struct_hash(&self) -> [u8; 32] {
        let mut hasher = Keccak256::new();
        hasher.update(TOKEN_PERMISSIONS_TYPEHASH);
        hasher.update(self.token.to_word());
        hasher.update(self.amount.to_be_bytes());
        hasher.finalize().into()
    }
}

/// Which x402 witness a Permit2 message carries.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum WitnessShape {
    /// `Witness(address to,uint256 validAfter)`, scheme `exact`.
    Exact,
    /// `Witness(address to,address facilitator,uint256 validAfter)`, scheme `upto`.
    Upto,
}

/// The x402 witness, in one of its two shapes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Permit2Witness {
    /// `exact`: `Witness(address to,uint256 validAfter)`.
    Exact {
        /// The payee (`payTo`).
        to: Address,
        /// Unix seconds; the proxy refuses to settle before this.
        valid_after: U256,
    },
    /// `upto`: `Witness(address to,address facilitator,uint256 validAfter)`.
    Upto {
        /// The payee (`payTo`).
        to: Address,
        /// The only facilitator allowed to settle.
        facilitator: Address,
        /// Unix seconds; the proxy refuses to settle before this.
        valid_after: U256,
    },
}

impl Permit2Witness {
    /// The payee.
    pub const fn to(&self) -> Address {
        match self {
            Self::Exact { to, .. } | Self::Upto { to, .. } => *to,
        }
    }

    /// `validAfter`.
    pub const fn valid_after(&self) -> U256 {
        match self {
            Self::Exact { valid_after, .. } | Self::Upto { valid_after, .. } => *valid_after,
        }
    }

    /// The facilitator of an `upto` witness.
    pub const fn facilitator(&self) -> Option<Address> {
        match self {
            Self::Exact { .. } => None,
            Self::Upto { facilitator, .. } => Some(*facilitator),
        }
    }

    /// The shape of this witness.
    pub const fn shape(&self) -> WitnessShape {
        match self {
            Self::Exact { .. } => WitnessShape::Exact,
            Self::Upto { .. } => WitnessShape::Upto,
        }
    }

    /// `hashStruct(Witness)` under this witness's own type.
    pub fn struct_hash(&self) -> [u8; 32] {
        let mut hasher = Keccak256::new();
        match self {
            Self::Exact { to, valid_after } => {
                hasher.update(EXACT_WITNESS_TYPEHASH);
                hasher.update(to.to_word());
                hasher.update(valid_after.to_be_bytes());
            }
            Self::Upto {
                to,
                facilitator,
                valid_after,
            } => {
                hasher.update(UPTO_WITNESS_TYPEHASH);
                hasher.update(to.to_word());
                hasher.update(facilitator.to_word());
                hasher.update(valid_after.to_be_bytes());
            }
        }
        hasher.finalize().into()
    }
}

/// A Permit2 `PermitWitnessTransferFrom` message with an x402 witness.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct PermitWitnessTransferFrom {
    /// Token and maximum amount.
    pub permitted: TokenPermissions,
    /// The only address allowed to execute the transfer (an x402 proxy).
    pub spender: Address,
    /// Permit2's unordered nonce: one use per `(owner, nonce)`.
    pub nonce: U256,
    /// Unix seconds after which Permit2 rejects the signature.
    pub deadline: U256,
    /// The x402 witness.
    pub witness: Permit2Witness,
}

impl PermitWitnessTransferFrom {
    /// The typehash of the primary type with this message's witness shape.
    pub const fn type_hash(&self) -> [u8; 32] {
        match self.witness.shape() {
            WitnessShape::Exact => PERMIT_WITNESS_TRANSFER_FROM_EXACT_TYPEHASH,
            WitnessShape::Upto => PERMIT_WITNESS_TRANSFER_FROM_UPTO_TYPEHASH,
        }
    }

    /// `hashStruct(message)`: `keccak256(TYPEHASH ‖ hashStruct(permitted) ‖ pad32(spender) ‖
    /// u256(nonce) ‖ u256(deadline) ‖ hashStruct(witness))`.
    pub fn struct_hash(&self) -> [u8; 32] {
        let mut hasher = Keccak256::new();
        hasher.update(self.type_hash());
        hasher.update(self.permitted.struct_hash());
        hasher.update(self.spender.to_word());
        hasher.update(self.nonce.to_be_bytes());
        hasher.update(self.deadline.to_be_bytes());
        hasher.update(self.witness.struct_hash());
        hasher.finalize().into()
    }

    /// The digest the owner signs under `domain` (normally [`permit2_domain`]).
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
    use crate::u256::LeadingZeros;

    fn h32(s: &str) -> [u8; 32] {
        decode_array(s.strip_prefix("0x").unwrap().as_bytes()).unwrap()
    }

    fn addr(s: &str) -> Address {
        Address::parse(s.as_bytes()).unwrap()
    }

    #[test]
    fn outer_typehashes_match_the_spec_and_their_type_strings() {
        // x402 `exact` EVM scheme, Permit2.
        let exact = h32("0xebc156cd23678a74c94df13d772ef5478420637f0c94bd10d509e1dc98f521c7");
        let upto = h32("0x51dff6974ad4388c499e7fcfe838d2bd767162553a144098ce20ea661d70c2ee");
        assert_eq!(
            keccak256(PERMIT_WITNESS_TRANSFER_FROM_EXACT_TYPE.as_bytes()),
            exact
        );
        assert_eq!(PERMIT_WITNESS_TRANSFER_FROM_EXACT_TYPEHASH, exact);
        assert_eq!(
            keccak256(PERMIT_WITNESS_TRANSFER_FROM_UPTO_TYPE.as_bytes()),
            upto
        );
        assert_eq!(PERMIT_WITNESS_TRANSFER_FROM_UPTO_TYPEHASH, upto);
    }

    #[test]
    fn inner_typehashes_match_their_type_strings() {
        assert_eq!(
            keccak256(TOKEN_PERMISSIONS_TYPE.as_bytes()),
            TOKEN_PERMISSIONS_TYPEHASH
        );
        assert_eq!(
            keccak256(EXACT_WITNESS_TYPE.as_bytes()),
            EXACT_WITNESS_TYPEHASH
        );
        assert_eq!(
            keccak256(UPTO_WITNESS_TYPE.as_bytes()),
            UPTO_WITNESS_TYPEHASH
        );
        // The outer strings are the primary type followed by the two inner ones.
        let (_, tail) = PERMIT_WITNESS_TRANSFER_FROM_EXACT_TYPE
            .split_once(')')
            .unwrap();
        assert_eq!(
            tail.split_at(TOKEN_PERMISSIONS_TYPE.len()),
            (TOKEN_PERMISSIONS_TYPE, EXACT_WITNESS_TYPE)
        );
        let (_, tail) = PERMIT_WITNESS_TRANSFER_FROM_UPTO_TYPE
            .split_once(')')
            .unwrap();
        assert_eq!(
            tail.split_at(TOKEN_PERMISSIONS_TYPE.len()),
            (TOKEN_PERMISSIONS_TYPE, UPTO_WITNESS_TYPE)
        );
    }

    #[test]
    fn addresses_match_the_spec() {
        assert_eq!(
            PERMIT2_ADDRESS,
            addr("0x000000000022D473030F116dDEE9F6B43aC78BA3")
        );
        assert_eq!(
            X402_EXACT_PERMIT2_PROXY,
            addr("0x402085c248EeA27D92E8b30b2C58ed07f9E20001")
        );
        assert_eq!(
            X402_UPTO_PERMIT2_PROXY,
            addr("0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002")
        );
    }

    fn example(witness: Permit2Witness, spender: Address) -> PermitWitnessTransferFrom {
        PermitWitnessTransferFrom {
            permitted: TokenPermissions {
                token: addr("0x036CbD53842c5426634e7929541eC2318f3dCF7e"),
                amount: U256::from_u64(10_000),
            },
            spender,
            nonce: U256::parse_decimal(
                b"33247007178036348590600198031289925668252061821958005840077069883511451257277",
                LeadingZeros::Reject,
            )
            .unwrap(),
            deadline: U256::from_u64(1_740_672_154),
            witness,
        }
    }

    #[test]
    fn exact_example_hashes_match_viem() {
        // viem 2.57.20 hashDomain / hashStruct / hashTypedData of the Permit2 example of the x402
        // `exact` EVM scheme on chain 84532.
        let permit = example(
            Permit2Witness::Exact {
                to: addr("0x209693Bc6afc0C5328bA36FaF03C514EF312287C"),
                valid_after: U256::from_u64(1_740_672_089),
            },
            X402_EXACT_PERMIT2_PROXY,
        );
        let hashes = permit.digests(&permit2_domain(84532));
        assert_eq!(
            hashes.domain_separator,
            h32("0x010f27a92fb9a32622f44f001dc4d15706a85b33499cfc2ce9033113ab26592c")
        );
        assert_eq!(
            hashes.struct_hash,
            h32("0xf9efd2ab5ec37a11f062cfbde5dd2654b11aa7c03eedbac1f9bf0efd67b2d8b4")
        );
        assert_eq!(
            hashes.digest,
            h32("0x21528e1468aac114016416353e2309329f217dc180b21baa1d81cde941095685")
        );
    }

    #[test]
    fn upto_example_hashes_match_viem() {
        let permit = example(
            Permit2Witness::Upto {
                to: addr("0x209693Bc6afc0C5328bA36FaF03C514EF312287C"),
                facilitator: addr("0x857b06519E91e3A54538791bDbb0E22373e36b66"),
                valid_after: U256::ZERO,
            },
            X402_UPTO_PERMIT2_PROXY,
        );
        assert_eq!(
            permit.struct_hash(),
            h32("0x0fc527662337b27f142b1414b4fe3c4f9cbc6b4a43940fe41f775a3ab52e6a65")
        );
        assert_eq!(
            permit.digest(&permit2_domain(84532)),
            h32("0x37ad598eabd163ec7ca46fa57fb51456614eb63a0c5dc81cfbd6712276b27016")
        );
    }

    #[test]
    fn permit2_domain_has_no_version() {
        assert_eq!(
            permit2_domain(1).type_hash(),
            crate::evm::EIP712_DOMAIN_TYPEHASH_NO_VERSION
        );
    }
}
