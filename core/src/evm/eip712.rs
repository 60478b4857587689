//! EIP-712 typed-data hashing: the domain separator and the final `0x19 0x01` digest.
//!
//! x402 signs `TransferWithAuthorization` under the token's domain `{name, version, chainId,
//! verifyingContract}` (EIP-3009; x402 `exact` EVM scheme) and Permit2 messages under `{name,
//! chainId, verifyingContract}` without `version` (x402 `exact` EVM scheme, Permit2).
//! [`Eip712Domain`] covers both: the `EIP712Domain` type string lists exactly the fields present,
//! in EIP-712 order.
//!
//! ```
//! use pay402::evm::{Address, Eip712Domain};
//! let base_sepolia_usdc = Eip712Domain {
//!     name: Some("USDC"),
//!     version: Some("2"),
//!     chain_id: Some(84532),
//!     verifying_contract: Some(Address::parse(b"0x036CbD53842c5426634e7929541eC2318f3dCF7e")?),
//! };
//! let separator = base_sepolia_usdc.separator();
//! assert_eq!(separator[..4], [0x71, 0xf1, 0x7a, 0x3b]); // the x402 spec's EIP-3009 example
//! # Ok::<(), pay402::evm::AddressError>(())
//! ```

use sha3::{Digest, Keccak256};

use super::address::Address;
use super::keccak::keccak256;
use crate::u256::U256;

/// The type string of the four-field domain that USDC and other EIP-3009 tokens use.
pub const EIP712_DOMAIN_TYPE: &str =
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";

/// The type string of the three-field domain (no `version`) that Permit2 uses (x402 `exact` EVM
/// scheme, Permit2).
pub const EIP712_DOMAIN_TYPE_NO_VERSION: &str =
    "EIP712Domain(string name,uint256 chainId,address verifyingContract)";

/// Keccak-256 of [`EIP712_DOMAIN_TYPE`]:
/// `0x8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f` (EIP-3009; x402 `exact` EVM
/// scheme).
pub const EIP712_DOMAIN_TYPEHASH: [u8; 32] = [
    0x8b, 0x73, 0xc3, 0xc6, 0x9b, 0xb8, 0xfe, 0x3d, 0x51, 0x2e, 0xcc, 0x4c, 0xf7, 0x59, 0xcc, 0x79,
    0x23, 0x9f, 0x7b, 0x17, 0x9b, 0x0f, 0xfa, 0xca, 0xa9, 0xa7, 0x5d, 0x52, 0x2b, 0x39, 0x40, 0x0f,
];

/// Keccak-256 of [`EIP712_DOMAIN_TYPE_NO_VERSION`]:
/// `0x8cad95687ba82c2ce50e74f7b754645e5117c3a5bec8151c0726d5857980a866` (x402 `exact` EVM scheme,
/// Permit2).
pub const EIP712_DOMAIN_TYPEHASH_NO_VERSION: [u8; 32] = [
    0x8c, 0xad, 0x95, 0x68, 0x7b, 0xa8, 0x2c, 0x2c, 0xe5, 0x0e, 0x74, 0xf7, 0xb7, 0x54, 0x64, 0x5e,
    0x51, 0x17, 0xc3, 0xa5, 0xbe, 0xc8, 0x15, 0x1c, 0x07, 0x26, 0xd5, 0x85, 0x79, 0x80, 0xa8, 0x66,
];

/// An EIP-712 domain. Absent fields are left out of the `EIP712Domain` type and its encoding.
///
/// `salt` is not supported: no x402 token or Permit2 domain uses it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct Eip712Domain<'a> {
    /// `string name`: the token's `name()` as configured in `requirements.extra.name`.
    pub name: Option<&'a str>,
    /// `string version`: `requirements.extra.version`; absent for Permit2.
    pub version: Option<&'a str>,
    /// `uint256 chainId`.
    pub chain_id: Option<u64>,
    /// `address verifyingContract`: the token (EIP-3009) or the Permit2 contract.
    pub verifying_contract: Option<Address>,
}

impl Eip712Domain<'_> {
    /// Keccak-256 of this domain's `EIP712Domain(...)` type string (fields present, in EIP-712
    /// order: name, version, chainId, verifyingContract).
    pub fn type_hash(&self) -> [u8; 32] {
        // The two shapes x402 signs every time (EIP-3009's four fields, Permit2's three) come
        // from constants that the tests recompute from their type strings.
        match (
            self.name.is_some(),
            self.version.is_some(),
            self.chain_id.is_some(),
            self.verifying_contract.is_some(),
        ) {
            (true, true, true, true) => return EIP712_DOMAIN_TYPEHASH,
            (true, false, true, true) => return EIP712_DOMAIN_TYPEHASH_NO_VERSION,
            _ => {}
        }
        let fields = [
            (self.name.is_some(), "string name"),
            (self.version.is_some(), "string version"),
            (self.chain_id.is_some(), "uint256 chainId"),
            (
                self.verifying_contract.is_some(),
                "address verifyingContract",
            ),
        ];
        let mut hasher = Keccak256::new();
        hasher.update(b"EIP712Domain(");
        let mut first = true;
        for (_, field) in fields.iter().filter(|(present, _)| *present) {
            if !first {
                hasher.update(b",");
            }
            hasher.update(field.as_bytes());
            first = false;
        }
        hasher.update(b")");
        hasher.finalize().into()
    }

    /// The domain separator: `keccak256(typeHash ‖ keccak256(name) ‖ keccak256(version) ‖
    /// u256(chainId) ‖ pad32(verifyingContract))`, with absent fields left out (EIP-712
    /// `hashStruct(domain)`, EIP-712).
    pub fn separator(&self) -> [u8; 32] {
        let mut hasher = Keccak256::new();
        hasher.update(self.type_hash());
        if let Some(name) = self.name {
            hasher.update(Keccak256::digest(name.as_bytes()));
        }
        if let Some(version) = self.version {
            hasher.update(Keccak256::digest(version.as_bytes()));
        }
        if let Some(chain_id) = self.chain_id {
            hasher.update(U256::from_u64(chain_id).to_be_bytes());
        }
        if let Some(contract) = self.verifying_contract {
            hasher.update(contract.to_word());
        }
        hasher.finalize().into()
    }
}

/// The EIP-712 signing digest `keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ structHash)`.
pub fn typed_data_digest(domain_separator: &[u8; 32], struct_hash: &[u8; 32]) -> [u8; 32] {
    let mut message = [0u8; 66];
    let (prefix, rest) = message.split_at_mut(2);
    let (separator, hash) = rest.split_at_mut(32);
    prefix.copy_from_slice(b"\x19\x01");
    separator.copy_from_slice(domain_separator);
    hash.copy_from_slice(struct_hash);
    keccak256(&message)
}

/// The three hashes of one EIP-712 message, for callers that want the intermediate values
/// (the `evm.*.digest` vector ops report all three).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TypedDataHashes {
    /// [`Eip712Domain::separator`].
    pub domain_separator: [u8; 32],
    /// `hashStruct(message)`.
    pub struct_hash: [u8; 32],
    /// [`typed_data_digest`] of the two: what is signed.
    pub digest: [u8; 32],
}

impl TypedDataHashes {
    /// Computes the digest from a domain separator and a struct hash.
    pub fn new(domain_separator: [u8; 32], struct_hash: [u8; 32]) -> Self {
        Self {
            domain_separator,
            struct_hash,
            digest: typed_data_digest(&domain_separator, &struct_hash),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::evm::keccak::keccak256;
    use crate::hex::decode_array;

    fn h32(s: &str) -> [u8; 32] {
        decode_array(s.strip_prefix("0x").unwrap().as_bytes()).unwrap()
    }

    fn addr(s: &str) -> Address {
        Address::parse(s.as_bytes()).unwrap()
    }

    #[test]
    fn domain_typehashes_match_their_type_strings() {
        assert_eq!(
            keccak256(EIP712_DOMAIN_TYPE.as_bytes()),
            h32("0x8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f")
        );
        assert_eq!(
            keccak256(EIP712_DOMAIN_TYPE.as_bytes()),
            EIP712_DOMAIN_TYPEHASH
        );
        assert_eq!(
            keccak256(EIP712_DOMAIN_TYPE_NO_VERSION.as_bytes()),
            h32("0x8cad95687ba82c2ce50e74f7b754645e5117c3a5bec8151c0726d5857980a866")
        );
        assert_eq!(
            keccak256(EIP712_DOMAIN_TYPE_NO_VERSION.as_bytes()),
            EIP712_DOMAIN_TYPEHASH_NO_VERSION
        );
    }

    #[test]
    fn domain_type_lists_only_present_fields() {
        let full = Eip712Domain {
            name: Some("USDC"),
            version: Some("2"),
            chain_id: Some(1),
            verifying_contract: Some(Address::ZERO),
        };
        assert_eq!(full.type_hash(), EIP712_DOMAIN_TYPEHASH);
        let permit2 = Eip712Domain {
            version: None,
            ..full
        };
        assert_eq!(permit2.type_hash(), EIP712_DOMAIN_TYPEHASH_NO_VERSION);
        assert_eq!(
            Eip712Domain::default().type_hash(),
            keccak256(b"EIP712Domain()")
        );
        // A shape without a constant goes through the general path.
        let name_and_contract = Eip712Domain {
            version: None,
            chain_id: None,
            ..full
        };
        assert_eq!(
            name_and_contract.type_hash(),
            keccak256(b"EIP712Domain(string name,address verifyingContract)")
        );
    }

    #[test]
    fn base_sepolia_usdc_separator_matches_the_spec() {
        // The x402 spec's EIP-3009 example.
        let domain = Eip712Domain {
            name: Some("USDC"),
            version: Some("2"),
            chain_id: Some(84532),
            verifying_contract: Some(addr("0x036CbD53842c5426634e7929541eC2318f3dCF7e")),
        };
        assert_eq!(
            domain.separator(),
            h32("0x71f17a3b2ff373b803d70a5a07c046c1a2bc8e89c09ef722fcb047abe94c9818")
        );
    }

    #[test]
    fn base_mainnet_usdc_separator_matches_the_spec() {
        // The x402 spec's EIP-3009 example, "Base-mainnet USDC domain separator".
        let domain = Eip712Domain {
            name: Some("USD Coin"),
            version: Some("2"),
            chain_id: Some(8453),
            verifying_contract: Some(addr("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913")),
        };
        assert_eq!(
            domain.separator(),
            h32("0x02fa7265e7c5d81118673727957699e4d68f74cd74b7db77da710fe8a2c7834f")
        );
    }

    #[test]
    fn digest_prefixes_0x1901() {
        // The x402 spec's EIP-3009 example: digest from the published separator and struct hash.
        let separator = h32("0x71f17a3b2ff373b803d70a5a07c046c1a2bc8e89c09ef722fcb047abe94c9818");
        let struct_hash = h32("0x49ad644555c7bdf3ea4fc022a4940ae5589b230b1dde0065c5504fa19bbe39a4");
        let expected = h32("0xf256992871671abcb27ff92885a7afa46218724e5fc0bac35d050115aa1d22e6");
        assert_eq!(typed_data_digest(&separator, &struct_hash), expected);
        assert_eq!(
            TypedDataHashes::new(separator, struct_hash).digest,
            expected
        );
    }
}
