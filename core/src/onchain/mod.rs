//! Payments proven by an on-chain transaction: the client pays on chain first, then names the
//! transaction (an EVM transaction hash, a Solana signature), and the server checks it through
//! RPC. `PayPer402` (a Solana signature in the retried request) and WS402's `payment_proof`
//! (a Base transaction hash or a Solana signature) work this way.
//!
//! The host makes the RPC calls and hands the core their JSON `result`s as received; the core
//! decodes them and makes every decision:
//!
//! | chain | RPC results | module |
//! |---|---|---|
//! | EVM | `eth_getTransactionReceipt`, `eth_getBlockByNumber` (its block), `eth_blockNumber`, and for native value `eth_getTransactionByHash` | `onchain::evm` |
//! | Solana | `getTransaction` with `encoding: "jsonParsed"`, and the commitment it was fetched at | `onchain::svm` |
//!
//! A proof is accepted when the transaction is the one claimed, succeeded, moved at least the
//! price of the right asset to the payee, carries the server's reference when one was issued
//! (Solana only, see `onchain::svm`), is not older than the offer allows, and is final enough. The
//! checks run in that order: the refusals that can never turn into an acceptance come first,
//! so a client is not told to wait for finality on a transaction that will be refused anyway;
//! `transaction_not_found` and `transaction_not_final` are the two worth retrying.
//!
//! An accepted proof is spent once: the host inserts [`TxId::write_key`] into its replay store
//! (insert-if-absent, e.g. `dialects::accept_once` or Redis `SET NX`) and refuses the
//! proof when the key was already there or the store cannot answer. Key the store for as long
//! as a proof can be accepted: the offer's maximum age plus the finality wait, or for ever.

#[cfg(feature = "evm")]
pub mod evm;
#[cfg(feature = "svm")]
pub mod svm;

use crate::error::ErrorCode;
use crate::json::{FieldIssue, JsonError};
use crate::u256::U256;
use crate::writer::Writer;
use core::fmt;

/// The longest replay key [`TxId::write_key`] writes: `svm:` and an 88-character base58
/// signature, or `evm:`, a 20-digit chain id, `:` and `0x` with 64 hex digits.
pub const MAX_KEY_LEN: usize = 96;

/// The transaction a proof names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TxId {
    /// An EVM transaction hash on a chain (EIP-155 chain id). Pre-EIP-155 transactions have the
    /// same hash on every chain, so the chain is part of the key.
    #[cfg(feature = "evm")]
    Evm {
        /// The chain id.
        chain_id: u64,
        /// The transaction hash.
        hash: [u8; 32],
    },
    /// A Solana transaction's first signature (its id).
    #[cfg(feature = "svm")]
    Svm([u8; 64]),
}

impl TxId {
    /// Writes the replay-store key: `evm:<chain id>:0x<hash, lowercase hex>` or
    /// `svm:<signature, base58>`; ASCII, at most [`MAX_KEY_LEN`] bytes.
    ///
    /// ```
    /// use pay402::onchain::{MAX_KEY_LEN, TxId};
    /// use pay402::writer::Writer;
    /// let mut buf = [0u8; MAX_KEY_LEN];
    /// let mut w = Writer::new(&mut buf);
    /// TxId::Evm { chain_id: 8453, hash: [0xab; 32] }.write_key(&mut w)?;
    /// assert_eq!(w.written(), b"evm:8453:0xabababababababababababababababababababababababababababababababab");
    /// # Ok::<(), pay402::BufferTooSmall>(())
    /// ```
    pub fn write_key(&self, w: &mut Writer<'_>) -> Result<(), crate::BufferTooSmall> {
        match self {
            #[cfg(feature = "evm")]
            Self::Evm { chain_id, hash } => {
                w.push(b"evm:")?;
                U256::from_u64(*chain_id).write_decimal(w)?;
                w.push(b":")?;
                crate::hex::write_0x_lower(w, hash)
            }
            #[cfg(feature = "svm")]
            Self::Svm(signature) => {
                w.push(b"svm:")?;
                let mut buf = [0u8; 88];
                let len = bs58::encode(signature)
                    .onto(&mut buf[..])
                    .map_err(|_| crate::BufferTooSmall)?;
                w.push(buf.get(..len).ok_or(crate::BufferTooSmall)?)
            }
        }
    }
}

/// Who paid, as the transaction shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Payer {
    /// EVM: the `from` of the first counted `Transfer` log, or the sender of a native transfer.
    #[cfg(feature = "evm")]
    Evm(crate::evm::Address),
    /// Solana: the authority of the first counted token transfer, or the source of a SOL one.
    #[cfg(feature = "svm")]
    Svm(crate::svm::Pubkey),
}

/// An accepted on-chain payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Accepted {
    /// The transaction: the replay key is [`TxId::write_key`].
    pub tx: TxId,
    /// Who paid.
    pub payer: Payer,
    /// What the payee received in this transaction, in atomic units (at least the price).
    pub amount: U256,
}

/// Why an on-chain proof is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProofError {
    /// An RPC result lacks a field, or a field is malformed.
    /// Code `invalid_rpc_result`, detail the [`FieldIssue`] code.
    InvalidRpcResult(FieldIssue),
    /// An RPC result is not valid JSON. Code `invalid_rpc_result`, detail the [`JsonError`] code.
    InvalidJson(JsonError),
    /// The RPC answered `null`: the transaction is unknown or still pending; retry later.
    NotFound,
    /// The RPC result is for another transaction, block or chain than the one claimed.
    Mismatch(&'static str),
    /// The transaction failed on chain (EVM `status` 0, Solana `meta.err` set).
    Reverted,
    /// No transfer of the expected asset in the transaction.
    WrongAsset,
    /// Transfers of the expected asset, none to the payee.
    WrongPayee,
    /// The payee received less than the price.
    AmountTooLow,
    /// The server issued a reference and the transaction does not carry it.
    ReferenceMissing,
    /// The transaction is older than the offer allows.
    TooOld,
    /// The chain reports no time for the transaction's block, so its age cannot be checked.
    BlockTimeUnknown,
    /// Not final yet (too few confirmations, or a weaker commitment); retry later.
    NotFinal,
    /// The challenge names a network this check does not cover.
    UnsupportedNetwork,
    /// The transaction signature the client sent is not 64 bytes of base58.
    InvalidSignature,
}

impl From<JsonError> for ProofError {
    fn from(error: JsonError) -> Self {
        Self::InvalidJson(error)
    }
}

impl From<FieldIssue> for ProofError {
    fn from(issue: FieldIssue) -> Self {
        Self::InvalidRpcResult(issue)
    }
}

impl ErrorCode for ProofError {
    fn code(&self) -> &'static str {
        match self {
            Self::InvalidRpcResult(_) | Self::InvalidJson(_) => "invalid_rpc_result",
            Self::NotFound => "transaction_not_found",
            Self::Mismatch(_) => "transaction_mismatch",
            Self::Reverted => "transaction_reverted",
            Self::WrongAsset => "wrong_asset",
            Self::WrongPayee => "wrong_payee",
            Self::AmountTooLow => "amount_too_low",
            Self::ReferenceMissing => "reference_missing",
            Self::TooOld => "transaction_too_old",
            Self::BlockTimeUnknown => "block_time_unknown",
            Self::NotFinal => "transaction_not_final",
            Self::UnsupportedNetwork => "unsupported_network",
            Self::InvalidSignature => "invalid_transaction_signature",
        }
    }

    fn detail_code(&self) -> Option<&'static str> {
        match self {
            Self::InvalidRpcResult(issue) => Some(issue.code()),
            Self::InvalidJson(error) => Some(error.code()),
            _ => None,
        }
    }
}

impl fmt::Display for ProofError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidRpcResult(issue) => write!(f, "the RPC result is malformed: {issue}"),
            Self::InvalidJson(error) => write!(f, "the RPC result is not valid JSON: {error}"),
            Self::NotFound => f.write_str(
                "the transaction is not known to the RPC node, or still pending; retry later",
            ),
            Self::Mismatch(what) => write!(f, "the RPC result is for another {what} than claimed"),
            Self::Reverted => f.write_str("the transaction failed on chain"),
            Self::WrongAsset => f.write_str("the transaction moves none of the expected asset"),
            Self::WrongPayee => {
                f.write_str("the transaction moves the expected asset, but not to the payee")
            }
            Self::AmountTooLow => f.write_str("the payee received less than the price"),
            Self::ReferenceMissing => {
                f.write_str("the transaction does not carry the reference the server issued")
            }
            Self::TooOld => f.write_str("the transaction is older than the offer allows"),
            Self::BlockTimeUnknown => {
                f.write_str("the chain reports no time for the transaction's block")
            }
            Self::NotFinal => f.write_str("the transaction is not final yet; retry later"),
            Self::UnsupportedNetwork => {
                f.write_str("the payment names a network this check does not cover")
            }
            Self::InvalidSignature => {
                f.write_str("the transaction signature is not 64 bytes of base58")
            }
        }
    }
}

impl core::error::Error for ProofError {}

/// Adds `amount` to a running total; a sum beyond 256 bits is a malformed result.
fn add(total: U256, amount: U256, key: &'static str) -> Result<U256, ProofError> {
    total
        .checked_add(amount)
        .ok_or(ProofError::InvalidRpcResult(FieldIssue::new(
            key,
            crate::json::FieldIssueKind::InvalidValue,
        )))
}

/// `now - block_time > max_age` (a block time after `now`, clock skew, counts as age 0).
fn too_old(block_time: u64, now: u64, max_age_secs: Option<u64>) -> bool {
    max_age_secs.is_some_and(|max| now.saturating_sub(block_time) > max)
}
