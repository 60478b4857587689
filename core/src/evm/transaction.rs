//! EIP-1559 (type-2) transactions: RLP encoding and signing
//! (<https://eips.ethereum.org/EIPS/eip-1559>, typed envelope
//! <https://eips.ethereum.org/EIPS/eip-2718>, access lists <https://eips.ethereum.org/EIPS/eip-2930>).
//!
//! ```text
//! unsigned = 0x02 ‖ rlp([chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gasLimit, to, value, data, accessList])
//! signed   = 0x02 ‖ rlp([… the same nine …, yParity, r, s])
//! hash     = keccak256(signed)        (what eth_sendRawTransaction returns)
//! ```
//!
//! The signature is over `keccak256(unsigned)`, deterministic (RFC 6979) and low-`s` (EIP-2),
//! with `yParity ∈ {0, 1}`; so the same key and transaction give byte-identical raw
//! transactions here, in viem (`serializeTransaction`) and in eth-account (`sign_transaction`).
//! The signing hash is computed by streaming the encoding into Keccak-256, without a buffer.
//!
//! The published vector of ethereumjs (`packages/tx/test/json/eip1559.json`, entry 0,
//! <https://github.com/ethereumjs/ethereumjs-monorepo>):
//!
//! ```
//! use pay402::evm::{Address, Eip1559Transaction, PrivateKey};
//! use pay402::{hex, U256};
//!
//! let key = PrivateKey::from_hex(b"0x8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63")?;
//! let tx = Eip1559Transaction {
//!     chain_id: 7822,
//!     nonce: 819,
//!     max_priority_fee_per_gas: U256::from_u64(75_853),
//!     max_fee_per_gas: U256::from_u64(121_212),
//!     gas_limit: 35_552,
//!     to: Some(Address::parse(b"0x000000000000000000000000000000000000aaaa")?),
//!     value: U256::from_u64(43_203_529),
//!     data: &[],
//!     access_list: &[],
//! };
//! let mut raw = [0u8; 256];
//! let signed = tx.sign(&key, &mut raw)?;
//! let mut text = [0u8; 512];
//! assert_eq!(
//!     hex::encode_lower_into(signed.raw, &mut text)?,
//!     "02f870821e8e8203338301284d8301d97c828ae094000000000000000000000000000000000000aaaa8402933bc980c080a0d067f2167008c59219652f91cbf8788dbca5f771f6e91e2b7657e85b78b472e0a01d305af9fe81fdba43f0dfcd400ed24dcace0a7e30d4e85701dcaaf484cd079e",
//! );
//! assert_eq!(signed.from.to_string(), "0xFE3B557E8Fb62b89F4916B721be55cEb828dBd73");
//! assert_eq!(signed.hash, pay402::evm::keccak256(signed.raw));
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use sha3::{Digest, Keccak256};

use super::address::Address;
use super::signature::RecoverableSignature;
use super::signer::PrivateKey;
use crate::error::{BufferTooSmall, ErrorCode};
use crate::rlp::{self, Counter, Sink};
use crate::u256::U256;
use crate::writer::{Writer, write_all};

/// The EIP-2718 type byte of an EIP-1559 transaction.
pub const EIP1559_TX_TYPE: u8 = 0x02;

/// One access-list entry (EIP-2930): an address and the storage keys the transaction touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AccessListItem<'a> {
    /// The contract.
    pub address: Address,
    /// Its storage slots.
    pub storage_keys: &'a [[u8; 32]],
}

/// An EIP-1559 transaction, borrowing its calldata and access list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Eip1559Transaction<'a> {
    /// EIP-155 chain id (inside the signed payload; no `v` arithmetic).
    pub chain_id: u64,
    /// The sender's nonce (EIP-2681 caps it at `2^64 - 1`).
    pub nonce: u64,
    /// The tip per gas, in wei.
    pub max_priority_fee_per_gas: U256,
    /// The fee cap per gas, in wei.
    pub max_fee_per_gas: U256,
    /// The gas limit.
    pub gas_limit: u64,
    /// The callee; `None` creates a contract (encoded as the empty string).
    pub to: Option<Address>,
    /// The wei sent along.
    pub value: U256,
    /// The calldata.
    pub data: &'a [u8],
    /// The access list (empty: `0xc0`).
    pub access_list: &'a [AccessListItem<'a>],
}

/// Why a transaction cannot be signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransactionError {
    /// `maxPriorityFeePerGas > maxFeePerGas`, which EIP-1559 declares invalid (viem refuses it
    /// with `TipAboveFeeCapError`).
    TipAboveFeeCap,
    /// The output buffer is too small ([`Eip1559Transaction::max_signed_len`] always suffices).
    BufferTooSmall,
}

impl core::fmt::Display for TransactionError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::TipAboveFeeCap => f.write_str("maxPriorityFeePerGas is above maxFeePerGas"),
            Self::BufferTooSmall => BufferTooSmall.fmt(f),
        }
    }
}

impl core::error::Error for TransactionError {}

impl ErrorCode for TransactionError {
    fn code(&self) -> &'static str {
        match self {
            Self::TipAboveFeeCap => "tip_above_fee_cap",
            Self::BufferTooSmall => "buffer_too_small",
        }
    }
}

impl From<BufferTooSmall> for TransactionError {
    fn from(_: BufferTooSmall) -> Self {
        Self::BufferTooSmall
    }
}

/// A signed transaction, written into the caller's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedTransaction<'o> {
    /// `0x02 ‖ rlp([…, yParity, r, s])`, what `eth_sendRawTransaction` takes.
    pub raw: &'o [u8],
    /// Keccak-256 of `raw`: the transaction hash.
    pub hash: [u8; 32],
    /// The sender (the signing key's address).
    pub from: Address,
    /// The signature over [`Eip1559Transaction::signing_hash`].
    pub signature: RecoverableSignature,
}

/// Keccak-256 as an RLP sink.
struct Hasher(Keccak256);

impl Sink for Hasher {
    fn put(&mut self, bytes: &[u8]) -> Result<(), BufferTooSmall> {
        self.0.update(bytes);
        Ok(())
    }
}

fn uint_len_u64(v: u64) -> usize {
    rlp::uint_len(&v.to_be_bytes())
}

fn uint_len_u256(v: &U256) -> usize {
    rlp::uint_len(&v.to_be_bytes())
}

impl Eip1559Transaction<'_> {
    fn callee(&self) -> &[u8] {
        match &self.to {
            Some(address) => &address.0,
            None => &[],
        }
    }

    fn access_list_payload_len(&self) -> usize {
        self.access_list.iter().fold(0usize, |total, item| {
            total.saturating_add(rlp::list_len(Self::item_payload_len(item)))
        })
    }

    fn item_payload_len(item: &AccessListItem<'_>) -> usize {
        // address (0x94 ‖ 20 bytes) + the list of 33-byte keys (0xa0 ‖ 32 bytes).
        21usize.saturating_add(rlp::list_len(item.storage_keys.len().saturating_mul(33)))
    }

    /// The length of the nine fields' encodings.
    fn fields_len(&self) -> usize {
        [
            uint_len_u64(self.chain_id),
            uint_len_u64(self.nonce),
            uint_len_u256(&self.max_priority_fee_per_gas),
            uint_len_u256(&self.max_fee_per_gas),
            uint_len_u64(self.gas_limit),
            rlp::string_len(self.callee()),
            uint_len_u256(&self.value),
            rlp::string_len(self.data),
            rlp::list_len(self.access_list_payload_len()),
        ]
        .iter()
        .fold(0usize, |a, b| a.saturating_add(*b))
    }

    fn write_fields<S: Sink + ?Sized>(&self, sink: &mut S) -> Result<(), BufferTooSmall> {
        rlp::write_uint(sink, &self.chain_id.to_be_bytes())?;
        rlp::write_uint(sink, &self.nonce.to_be_bytes())?;
        rlp::write_uint(sink, &self.max_priority_fee_per_gas.to_be_bytes())?;
        rlp::write_uint(sink, &self.max_fee_per_gas.to_be_bytes())?;
        rlp::write_uint(sink, &self.gas_limit.to_be_bytes())?;
        rlp::write_string(sink, self.callee())?;
        rlp::write_uint(sink, &self.value.to_be_bytes())?;
        rlp::write_string(sink, self.data)?;
        rlp::write_list_header(sink, self.access_list_payload_len())?;
        for item in self.access_list {
            rlp::write_list_header(sink, Self::item_payload_len(item))?;
            rlp::write_string(sink, &item.address.0)?;
            rlp::write_list_header(sink, item.storage_keys.len().saturating_mul(33))?;
            for key in item.storage_keys {
                rlp::write_string(sink, key)?;
            }
        }
        Ok(())
    }

    fn signature_len(signature: &RecoverableSignature) -> usize {
        1usize
            .saturating_add(rlp::uint_len(signature.r()))
            .saturating_add(rlp::uint_len(signature.s()))
    }

    fn write_envelope<S: Sink + ?Sized>(
        &self,
        sink: &mut S,
        signature: Option<&RecoverableSignature>,
    ) -> Result<(), BufferTooSmall> {
        let payload = self
            .fields_len()
            .saturating_add(signature.map_or(0, Self::signature_len));
        sink.put(&[EIP1559_TX_TYPE])?;
        rlp::write_list_header(sink, payload)?;
        self.write_fields(sink)?;
        if let Some(signature) = signature {
            rlp::write_uint(sink, &[u8::from(signature.y_parity())])?;
            rlp::write_uint(sink, signature.r())?;
            rlp::write_uint(sink, signature.s())?;
        }
        Ok(())
    }

    /// The length of [`Eip1559Transaction::encode_unsigned`]'s output.
    pub fn unsigned_len(&self) -> usize {
        let mut counter = Counter::default();
        // A counter never fails.
        let _ = self.write_envelope(&mut counter, None);
        counter.0
    }

    /// The longest the signed encoding can be (with 32-byte `r` and `s`): a buffer of this size
    /// always holds [`Eip1559Transaction::sign`]'s output.
    pub fn max_signed_len(&self) -> usize {
        let payload = self.fields_len().saturating_add(1 + 33 + 33);
        rlp::list_len(payload).saturating_add(1)
    }

    /// Writes `0x02 ‖ rlp([nine fields])`, the payload whose hash is signed.
    pub fn encode_unsigned(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        self.write_envelope(w, None)
    }

    /// Writes `0x02 ‖ rlp([nine fields, yParity, r, s])`.
    pub fn encode_signed(
        &self,
        signature: &RecoverableSignature,
        w: &mut Writer<'_>,
    ) -> Result<(), BufferTooSmall> {
        self.write_envelope(w, Some(signature))
    }

    /// `keccak256(0x02 ‖ rlp([nine fields]))`, the digest the sender signs.
    ///
    /// ```
    /// use pay402::evm::{Address, Eip1559Transaction};
    /// use pay402::writer::write_all;
    /// use pay402::U256;
    /// let tx = Eip1559Transaction {
    ///     chain_id: 1,
    ///     nonce: 0,
    ///     max_priority_fee_per_gas: U256::ZERO,
    ///     max_fee_per_gas: U256::ZERO,
    ///     gas_limit: 21_000,
    ///     to: Some(Address([0xaa; 20])),
    ///     value: U256::ZERO,
    ///     data: &[],
    ///     access_list: &[],
    /// };
    /// // The streamed hash equals the hash of the written encoding.
    /// let mut buf = [0u8; 64];
    /// let n = write_all(&mut buf, |w| tx.encode_unsigned(w))?;
    /// assert_eq!(n, tx.unsigned_len());
    /// assert_eq!(tx.signing_hash(), pay402::evm::keccak256(&buf[..n]));
    /// # Ok::<(), pay402::BufferTooSmall>(())
    /// ```
    pub fn signing_hash(&self) -> [u8; 32] {
        let mut hasher = Hasher(Keccak256::new());
        // The hasher never fails.
        let _ = self.write_envelope(&mut hasher, None);
        hasher.0.finalize().into()
    }

    /// Signs with `key` (RFC 6979, low `s`) and writes the raw transaction into `out`; on error
    /// nothing is left in `out` ([`Eip1559Transaction::max_signed_len`] bytes always suffice).
    /// A tip above the fee cap is refused before anything is signed.
    pub fn sign<'o>(
        &self,
        key: &PrivateKey,
        out: &'o mut [u8],
    ) -> Result<SignedTransaction<'o>, TransactionError> {
        if self.max_priority_fee_per_gas > self.max_fee_per_gas {
            return Err(TransactionError::TipAboveFeeCap);
        }
        let signature = key.sign(&self.signing_hash());
        let n = write_all(out, |w| self.encode_signed(&signature, w))?;
        let raw: &'o [u8] = out.get(..n).ok_or(TransactionError::BufferTooSmall)?;
        Ok(SignedTransaction {
            raw,
            hash: super::keccak::keccak256(raw),
            from: key.address(),
            signature,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evm::signature::recover_address;
    use crate::evm::{SignaturePolicy, keccak256};
    use crate::hex;

    fn key() -> PrivateKey {
        PrivateKey::from_hex(b"0x8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63")
            .unwrap()
    }

    fn ejs(
        nonce: u64,
        tip: u64,
        max_fee: u64,
        gas: u64,
        value: u64,
    ) -> Eip1559Transaction<'static> {
        Eip1559Transaction {
            chain_id: 7822,
            nonce,
            max_priority_fee_per_gas: U256::from_u64(tip),
            max_fee_per_gas: U256::from_u64(max_fee),
            gas_limit: gas,
            to: Some(Address::parse(b"0x000000000000000000000000000000000000aaaa").unwrap()),
            value: U256::from_u64(value),
            data: &[],
            access_list: &[],
        }
    }

    fn unhex(s: &str) -> ([u8; 256], usize) {
        let mut buf = [0u8; 256];
        let n = hex::decode_into(s.as_bytes(), &mut buf).unwrap().len();
        (buf, n)
    }

    #[test]
    fn matches_ethereumjs_eip1559_entries_0_and_1() {
        // ethereumjs-monorepo packages/tx/test/json/eip1559.json, entries 0 and 1 (yParity 0, 1).
        let cases = [
            (
                ejs(819, 75_853, 121_212, 35_552, 43_203_529),
                "02ed821e8e8203338301284d8301d97c828ae094000000000000000000000000000000000000aaaa8402933bc980c0",
                "02f870821e8e8203338301284d8301d97c828ae094000000000000000000000000000000000000aaaa8402933bc980c080a0d067f2167008c59219652f91cbf8788dbca5f771f6e91e2b7657e85b78b472e0a01d305af9fe81fdba43f0dfcd400ed24dcace0a7e30d4e85701dcaaf484cd079e",
            ),
            (
                ejs(353, 38_850, 136_295, 32_593, 61_901_619),
                "",
                "02f86f821e8e8201618297c283021467827f5194000000000000000000000000000000000000aaaa8403b08b3380c001a004205678f13fc1d7b10feea6513dfa76e24418b6e08097d95c6f93a3b64e536da01d45ad61bfece43862de2cce7d2575a8c1d08c26c87f3cb5f26d7b0be54a91b2",
            ),
        ];
        for (tx, unsigned, signed) in cases {
            if !unsigned.is_empty() {
                let (expected, n) = unhex(unsigned);
                let mut buf = [0u8; 256];
                let len = write_all(&mut buf, |w| tx.encode_unsigned(w)).unwrap();
                assert_eq!(&buf[..len], &expected[..n]);
                assert_eq!(tx.unsigned_len(), n);
                assert_eq!(tx.signing_hash(), keccak256(&expected[..n]));
            }
            let (expected, n) = unhex(signed);
            let mut out = [0u8; 256];
            let result = tx.sign(&key(), &mut out).unwrap();
            assert_eq!(result.raw, &expected[..n]);
            assert_eq!(result.hash, keccak256(&expected[..n]));
            assert!(n <= tx.max_signed_len());
            assert_eq!(
                recover_address(
                    &tx.signing_hash(),
                    &result.signature.to_bytes(),
                    SignaturePolicy::Strict
                ),
                Ok(result.from)
            );
        }
    }

    #[test]
    fn too_small_a_buffer_leaves_nothing_written() {
        let tx = ejs(819, 75_853, 121_212, 35_552, 43_203_529);
        let mut out = [0u8; 100];
        assert_eq!(
            tx.sign(&key(), &mut out),
            Err(TransactionError::BufferTooSmall)
        );
        assert_eq!(out, [0u8; 100]);
        let greedy = Eip1559Transaction {
            max_priority_fee_per_gas: U256::from_u64(121_213),
            ..tx
        };
        let mut out = [0u8; 256];
        let e = greedy.sign(&key(), &mut out).unwrap_err();
        assert_eq!(e.code(), "tip_above_fee_cap");
        assert_eq!(out, [0u8; 256]);
    }

    #[test]
    fn access_list_and_long_data_encode_with_long_headers() {
        let keys = [[0x11u8; 32], [0u8; 32]];
        let list = [
            AccessListItem {
                address: Address([0xaa; 20]),
                storage_keys: &keys,
            },
            AccessListItem {
                address: Address([0xbb; 20]),
                storage_keys: &[],
            },
        ];
        let data = [0x5au8; 300];
        let tx = Eip1559Transaction {
            data: &data,
            access_list: &list,
            to: None,
            value: U256::MAX,
            ..ejs(0, 0, 0, 0, 0)
        };
        let mut buf = [0u8; 1024];
        let n = write_all(&mut buf, |w| tx.encode_unsigned(w)).unwrap();
        assert_eq!(n, tx.unsigned_len());
        // Walk the encoding back with the decoder: nine items, the last the access list.
        let (rlp::Item::List(mut fields), rest) = rlp::decode(&buf[1..n]).unwrap() else {
            panic!("not a list")
        };
        assert!(rest.is_empty());
        let mut items = [rlp::Item::String(&[]); 9];
        for item in &mut items {
            let (next, after) = rlp::decode(fields).unwrap();
            *item = next;
            fields = after;
        }
        assert!(fields.is_empty());
        assert_eq!(items[1], rlp::Item::String(&[]));
        assert_eq!(items[5], rlp::Item::String(&[]));
        assert_eq!(items[6], rlp::Item::String(&[0xff; 32]));
        assert_eq!(items[7], rlp::Item::String(&data));
        let rlp::Item::List(access) = items[8] else {
            panic!("access list")
        };
        // Item 1: a long list header (88 bytes), the address, a long header for the 66 key bytes.
        assert_eq!(access.len(), (2 + 21 + 2 + 66) + (1 + 21 + 1));
    }
}
