//! The EVM building blocks of x402 `exact` payments: Keccak-256, addresses, EIP-712 hashing,
//! EIP-3009 `TransferWithAuthorization`, Permit2 `PermitWitnessTransferFrom`, signature recovery under an explicit policy, and
//! RFC 6979 signing.
//!
//! Sources: the x402 `exact` EVM scheme
//! (<https://github.com/coinbase/x402/blob/main/specs/schemes/exact/scheme_exact_evm.md>), EIP-712
//! (<https://eips.ethereum.org/EIPS/eip-712>), EIP-3009
//! (<https://eips.ethereum.org/EIPS/eip-3009>), Permit2 (<https://github.com/Uniswap/permit2>) and
//! the signature rules of USDC's `FiatTokenV2` `ECRecover`
//! (<https://github.com/circlefin/stablecoin-evm>). "The x402 spec's EIP-3009 example" is the
//! signed authorization printed in the x402 v1 specification §5.2.1
//! (<https://github.com/coinbase/x402/blob/main/specs/x402-specification-v1.md>).
//!
//! One file per concept: [`keccak`] (Keccak-256), [`address`] ([`Address`], EIP-55),
//! [`eip712`] ([`Eip712Domain`], [`typed_data_digest`]), [`transfer_with_authorization`]
//! ([`TransferWithAuthorization`]), [`permit2`] ([`PermitWitnessTransferFrom`]), [`signature`] ([`RecoverableSignature`],
//! [`SignaturePolicy`], [`recover_address`]), [`signer`] ([`PrivateKey`]), [`transaction`]
//! ([`Eip1559Transaction`], signed type-2 transactions), [`abi`] (contract call encoding), [`erc20`] (ERC-20 `transfer` calldata) and
//! [`smart_wallet`] (ERC-6492 wrappers, EIP-1271 `isValidSignature`).
//!
//! Verifying the x402 spec's EIP-3009 example:
//!
//! ```
//! use pay402::evm::{
//!     recover_address, Address, Eip712Domain, SignaturePolicy, TransferWithAuthorization,
//! };
//! use pay402::{hex, U256};
//!
//! let authorization = TransferWithAuthorization {
//!     from: Address::parse(b"0x857b06519E91e3A54538791bDbb0E22373e36b66")?,
//!     to: Address::parse(b"0x209693Bc6afc0C5328bA36FaF03C514EF312287C")?,
//!     value: U256::from_u64(10_000),
//!     valid_after: U256::from_u64(1_740_672_089),
//!     valid_before: U256::from_u64(1_740_672_154),
//!     nonce: hex::decode_array(hex::strip_0x(
//!         b"0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480",
//!     )?)?,
//! };
//! let domain = Eip712Domain {
//!     name: Some("USDC"),
//!     version: Some("2"),
//!     chain_id: Some(84532),
//!     verifying_contract: Some(Address::parse(b"0x036CbD53842c5426634e7929541eC2318f3dCF7e")?),
//! };
//! let signature: [u8; 65] = hex::decode_array(hex::strip_0x(
//!     b"0x2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c",
//! )?)?;
//! let payer = recover_address(&authorization.digest(&domain), &signature, SignaturePolicy::Strict)?;
//! assert_eq!(payer, authorization.from);
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

pub mod abi;
pub mod address;
pub mod eip712;
pub mod erc20;
pub mod keccak;
pub mod permit2;
pub mod signature;
pub mod signer;
pub mod smart_wallet;
pub mod transaction;
pub mod transfer_with_authorization;

pub use address::{Address, AddressError};
pub use eip712::{
    EIP712_DOMAIN_TYPEHASH, EIP712_DOMAIN_TYPEHASH_NO_VERSION, Eip712Domain, TypedDataHashes,
    typed_data_digest,
};
pub use keccak::{keccak256, keccak256_concat};
pub use permit2::{
    PERMIT2_ADDRESS, Permit2Witness, PermitWitnessTransferFrom, TokenPermissions, WitnessShape,
    X402_EXACT_PERMIT2_PROXY, X402_UPTO_PERMIT2_PROXY, permit2_domain,
};
pub use signature::{RecoverableSignature, SignatureError, SignaturePolicy, recover_address};
pub use signer::{KeyError, PrivateKey};
pub use smart_wallet::{
    EIP1271_MAGIC_VALUE, ERC6492_MAGIC_SUFFIX, Erc6492Error, Erc6492Signature, is_erc6492,
    is_valid_signature_calldata, is_valid_signature_result, strip_erc6492, unwrap_erc6492,
};
pub use transaction::{
    AccessListItem, EIP1559_TX_TYPE, Eip1559Transaction, SignedTransaction, TransactionError,
};
pub use transfer_with_authorization::{
    TRANSFER_WITH_AUTHORIZATION_TYPEHASH, TransferWithAuthorization,
};

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    //! The published x402 EIP-3009 example , end to end.

    use super::*;
    use crate::hex;
    use crate::u256::{LeadingZeros, U256};

    fn h32(s: &str) -> [u8; 32] {
        hex::decode_array(hex::strip_0x(s.as_bytes()).unwrap()).unwrap()
    }

    fn addr(s: &str) -> Address {
        Address::parse(s.as_bytes()).unwrap()
    }

    fn dec(s: &str) -> U256 {
        U256::parse_decimal(s.as_bytes(), LeadingZeros::Reject).unwrap()
    }

    fn authorization() -> TransferWithAuthorization {
        TransferWithAuthorization {
            from: addr("0x857b06519E91e3A54538791bDbb0E22373e36b66"),
            to: addr("0x209693Bc6afc0C5328bA36FaF03C514EF312287C"),
            value: dec("10000"),
            valid_after: dec("1740672089"),
            valid_before: dec("1740672154"),
            nonce: h32("0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480"),
        }
    }

    fn signature() -> [u8; 65] {
        hex::decode_array(hex::strip_0x(b"0x2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c").unwrap()).unwrap()
    }

    fn domain<'a>(name: &'a str, chain_id: u64, contract: &str) -> Eip712Domain<'a> {
        Eip712Domain {
            name: Some(name),
            version: Some("2"),
            chain_id: Some(chain_id),
            verifying_contract: Some(addr(contract)),
        }
    }

    const BASE_SEPOLIA_USDC: &str = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
    const BASE_USDC: &str = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913";

    #[test]
    fn published_example_hashes_match_the_spec() {
        let hashes = authorization().digests(&domain("USDC", 84532, BASE_SEPOLIA_USDC));
        assert_eq!(
            hashes.domain_separator,
            h32("0x71f17a3b2ff373b803d70a5a07c046c1a2bc8e89c09ef722fcb047abe94c9818")
        );
        assert_eq!(
            hashes.struct_hash,
            h32("0x49ad644555c7bdf3ea4fc022a4940ae5589b230b1dde0065c5504fa19bbe39a4")
        );
        assert_eq!(
            hashes.digest,
            h32("0xf256992871671abcb27ff92885a7afa46218724e5fc0bac35d050115aa1d22e6")
        );
        assert_eq!(
            authorization().struct_hash(),
            h32("0x49ad644555c7bdf3ea4fc022a4940ae5589b230b1dde0065c5504fa19bbe39a4")
        );
    }

    #[test]
    fn published_signature_recovers_the_payer_with_v_28_and_low_s() {
        let digest = authorization().digest(&domain("USDC", 84532, BASE_SEPOLIA_USDC));
        let parsed = RecoverableSignature::parse(&signature(), SignaturePolicy::Strict).unwrap();
        assert_eq!(parsed.v(), 28);
        assert_eq!(
            parsed.recover(&digest),
            Ok(addr("0x857b06519e91e3a54538791bdbb0e22373e36b66"))
        );
    }

    #[test]
    fn negative_domains_give_other_digests_and_other_signers() {
        // The x402 spec's EIP-3009 example, "Negative domain variants".
        let cases = [
            (
                domain("USD Coin", 84532, BASE_SEPOLIA_USDC),
                "0x08b2e57b843f2308c5dd5a889c935d2d02976522e733ee56dacccd429ef3072a",
                "0xed07b31fa76779c7a25ba712fb1bfbecefa2ad7e",
            ),
            (
                domain("USDC", 8453, BASE_USDC),
                "0xcb6fddf88e01fd79bccb714a6cd964622528f5b47f8762d6b7aeda2148526b83",
                "0x33bb443ad7435b24f55f58f6d4525ad46058ac8b",
            ),
            (
                domain("USD Coin", 8453, BASE_USDC),
                "0x444525a9689ec738b55da4d54465ff77ab6928e5ea97a13f4037262ba070684a",
                "0x34ae57701723c302054fe521ac33679a9a94fe42",
            ),
            (
                domain("USDC", 8453, BASE_SEPOLIA_USDC),
                "0xf0f69531529c84ef4fc51b1865c50302f489f7f42f849161b2a957c97aeb7cc3",
                "0x46e5af7a18131f1bc0947cf44151ee84b58c92a9",
            ),
        ];
        for (domain, digest, signer) in cases {
            let computed = authorization().digest(&domain);
            assert_eq!(computed, h32(digest), "{domain:?}");
            assert_eq!(
                recover_address(&computed, &signature(), SignaturePolicy::Strict),
                Ok(addr(signer)),
                "{domain:?}"
            );
        }
    }

    #[test]
    fn base_mainnet_usdc_domain_separator_matches_the_spec() {
        assert_eq!(
            domain("USD Coin", 8453, BASE_USDC).separator(),
            h32("0x02fa7265e7c5d81118673727957699e4d68f74cd74b7db77da710fe8a2c7834f")
        );
    }
}
