//! EVM primitives: EIP-3009 and Permit2 typed-data hashes, signing, signature recovery.

use crate::Pay402Error;
use crate::convert::{address, array, u256};
use crate::x402::SignaturePolicy;
use pay402::evm::{
    Address, Eip712Domain as CoreDomain, Permit2Witness, PermitWitnessTransferFrom, PrivateKey,
    TokenPermissions, TransferWithAuthorization as CoreTransfer, permit2_domain,
};

/// An EIP-712 domain (fields absent from the token's domain are `None`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Eip712Domain {
    /// `name` (the token's, e.g. `USDC`).
    pub name: Option<String>,
    /// `version` (e.g. `2`).
    pub version: Option<String>,
    /// `chainId`.
    pub chain_id: u64,
    /// `verifyingContract` (the token).
    pub verifying_contract: String,
}

/// An EIP-3009 `TransferWithAuthorization` message. Amounts and times are decimal strings.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TransferWithAuthorization {
    /// The payer.
    pub from: String,
    /// The payee.
    pub to: String,
    /// The amount (token base units).
    pub value: String,
    /// Valid after this unix time.
    pub valid_after: String,
    /// Valid before this unix time.
    pub valid_before: String,
    /// 32 random bytes.
    pub nonce: Vec<u8>,
}

/// The three EIP-712 hashes of a typed message (32 bytes each).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TypedDataHashes {
    /// `hashStruct(domain)`.
    pub domain_separator: Vec<u8>,
    /// `hashStruct(message)`.
    pub struct_hash: Vec<u8>,
    /// `keccak256(0x1901 ‖ domain_separator ‖ struct_hash)`: what is signed.
    pub digest: Vec<u8>,
}

fn hashes(h: &pay402::evm::TypedDataHashes) -> TypedDataHashes {
    TypedDataHashes {
        domain_separator: h.domain_separator.to_vec(),
        struct_hash: h.struct_hash.to_vec(),
        digest: h.digest.to_vec(),
    }
}

struct Eip3009 {
    message: CoreTransfer,
    name: Option<String>,
    version: Option<String>,
    chain_id: u64,
    verifying_contract: Address,
}

impl Eip3009 {
    fn read(
        domain: Eip712Domain,
        message: &TransferWithAuthorization,
    ) -> Result<Self, Pay402Error> {
        Ok(Self {
            message: CoreTransfer {
                from: address(&message.from, "from")?,
                to: address(&message.to, "to")?,
                value: u256(&message.value, "value")?,
                valid_after: u256(&message.valid_after, "valid_after")?,
                valid_before: u256(&message.valid_before, "valid_before")?,
                nonce: array::<32>(&message.nonce, "nonce")?,
            },
            name: domain.name,
            version: domain.version,
            chain_id: domain.chain_id,
            verifying_contract: address(&domain.verifying_contract, "verifying_contract")?,
        })
    }

    fn domain(&self) -> CoreDomain<'_> {
        CoreDomain {
            name: self.name.as_deref(),
            version: self.version.as_deref(),
            chain_id: Some(self.chain_id),
            verifying_contract: Some(self.verifying_contract),
        }
    }
}

/// The EIP-712 hashes of an EIP-3009 `TransferWithAuthorization` under `domain`.
#[uniffi::export]
pub fn eip3009_digest(
    domain: Eip712Domain,
    message: TransferWithAuthorization,
) -> Result<TypedDataHashes, Pay402Error> {
    let data = Eip3009::read(domain, &message)?;
    Ok(hashes(&data.message.digests(&data.domain())))
}

/// Signs an EIP-3009 authorization with a 32-byte secp256k1 key: 65 bytes `r ‖ s ‖ v`,
/// v = 27/28, RFC 6979 deterministic, low s.
#[uniffi::export]
pub fn eip3009_sign(
    private_key: Vec<u8>,
    domain: Eip712Domain,
    message: TransferWithAuthorization,
) -> Result<Vec<u8>, Pay402Error> {
    let key = PrivateKey::from_bytes(&array::<32>(&private_key, "private_key")?)?;
    let data = Eip3009::read(domain, &message)?;
    Ok(key
        .sign_prehash(&data.message.digest(&data.domain()))
        .to_vec())
}

/// The EVM address (EIP-55 checksummed) of a 32-byte secp256k1 private key.
#[uniffi::export]
pub fn private_key_to_address(private_key: Vec<u8>) -> Result<String, Pay402Error> {
    let key = PrivateKey::from_bytes(&array::<32>(&private_key, "private_key")?)?;
    Ok(key.address().to_string())
}

/// Signs a 32-byte digest with a 32-byte secp256k1 key: 65 bytes `r ‖ s ‖ v`, v = 27/28,
/// RFC 6979 deterministic, low s.
#[uniffi::export]
pub fn sign_digest(private_key: Vec<u8>, digest: Vec<u8>) -> Result<Vec<u8>, Pay402Error> {
    let key = PrivateKey::from_bytes(&array::<32>(&private_key, "private_key")?)?;
    Ok(key.sign_prehash(&array::<32>(&digest, "digest")?).to_vec())
}

/// Keccak-256.
#[uniffi::export]
pub fn keccak256(data: Vec<u8>) -> Vec<u8> {
    pay402::evm::keccak256(&data).to_vec()
}

/// The EIP-55 checksummed form of an address (`0x` + 40 hex digits, any case).
///
/// Errors: `InvalidArgument` for text that is not an address.
#[uniffi::export]
pub fn checksum_address(address: String) -> Result<String, Pay402Error> {
    Ok(crate::convert::address(&address, "address")?.to_string())
}

/// The address (EIP-55 checksummed) that signed a 32-byte `digest`.
///
/// Errors: `Evm` with `signature_length`, `signature_v`, `signature_high_s`,
/// `signature_invalid`.
#[uniffi::export]
pub fn recover_address(
    digest: Vec<u8>,
    signature: Vec<u8>,
    policy: SignaturePolicy,
) -> Result<String, Pay402Error> {
    let digest = array::<32>(&digest, "digest")?;
    Ok(pay402::evm::recover_address(&digest, &signature, policy.into())?.to_string())
}

/// A Permit2 `PermitWitnessTransferFrom` with the x402 witness. Amounts, nonce and deadline
/// are decimal strings; `facilitator` set means the `upto` witness.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Permit2Transfer {
    /// `permitted.token`.
    pub token: String,
    /// `permitted.amount`.
    pub amount: String,
    /// The spender (the x402 Permit2 proxy).
    pub spender: String,
    /// The Permit2 nonce.
    pub nonce: String,
    /// The deadline (unix seconds).
    pub deadline: String,
    /// `witness.to`.
    pub to: String,
    /// `witness.validAfter`.
    pub valid_after: String,
    /// `witness.facilitator` (`upto` only).
    #[uniffi(default = None)]
    pub facilitator: Option<String>,
}

/// The EIP-712 hashes of a Permit2 witness transfer on `chain_id`.
#[uniffi::export]
pub fn permit2_digest(
    chain_id: u64,
    permit: Permit2Transfer,
) -> Result<TypedDataHashes, Pay402Error> {
    let to = address(&permit.to, "to")?;
    let valid_after = u256(&permit.valid_after, "valid_after")?;
    let witness = match permit.facilitator.as_deref() {
        None => Permit2Witness::Exact { to, valid_after },
        Some(f) => Permit2Witness::Upto {
            to,
            facilitator: address(f, "facilitator")?,
            valid_after,
        },
    };
    let message = PermitWitnessTransferFrom {
        permitted: TokenPermissions {
            token: address(&permit.token, "token")?,
            amount: u256(&permit.amount, "amount")?,
        },
        spender: address(&permit.spender, "spender")?,
        nonce: u256(&permit.nonce, "nonce")?,
        deadline: u256(&permit.deadline, "deadline")?,
        witness,
    };
    Ok(hashes(&message.digests(&permit2_domain(chain_id))))
}
