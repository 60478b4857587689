//! EVM: a payment proven by a transaction hash, checked from the JSON-RPC results of
//! `eth_getTransactionReceipt`, `eth_getBlockByNumber` (the receipt's block), `eth_blockNumber`
//! and, for native value, `eth_getTransactionByHash` (Ethereum JSON-RPC API,
//! <https://ethereum.org/en/developers/docs/apis/json-rpc/>).
//!
//! # What counts as paid
//!
//! - **ERC-20**: the `Transfer(address indexed from, address indexed to, uint256 value)` event
//!   of EIP-20 (<https://eips.ethereum.org/EIPS/eip-20#transfer-1>), topic 0
//!   [`TRANSFER_TOPIC`]. Only logs whose `address` is the token contract count (nobody else can
//!   emit a log under that address), with exactly three topics (ERC-721's `Transfer` has four),
//!   32 bytes of data, and not `removed` (a log dropped by a reorganisation). The values of
//!   **every** such log to the payee are summed: a wallet contract or a batch may split one
//!   payment across several transfers, and what the seller is owed is what reached it in this
//!   transaction. Transfers out of the payee in the same transaction are not netted: the payee
//!   is the server, which does not sign the client's transaction.
//! - **Native value**: the transaction's own `to` and `value` (from `eth_getTransactionByHash`).
//!   Value moved by an internal call is invisible in receipts and is not counted.
//!
//! # References
//!
//! No public specification defines how an EVM transfer carries a payee-issued reference (ERC-20
//! `transfer` has no memo field), so the EVM check takes none; WS402's `reference` over Base is
//! bound on the server only. The single-use rule over the transaction hash ([`TxId::write_key`])
//! is what stops one transaction paying twice.
//!
//! # Finality
//!
//! Confirmations are `head - blockNumber + 1` (the receipt's block counts as one); the offer
//! sets how many it needs.

use super::{Accepted, Payer, ProofError, TxId, add, too_old};
use crate::evm::Address;
use crate::json::{Field, FieldIssue, FieldIssueKind, MAX_PARSED_TEXT, Object, RawValue};
use crate::u256::U256;

/// `keccak256("Transfer(address,address,uint256)")`, topic 0 of the EIP-20 `Transfer` event.
pub const TRANSFER_TOPIC: [u8; 32] = [
    0xdd, 0xf2, 0x52, 0xad, 0x1b, 0xe2, 0xc8, 0x9b, 0x69, 0xc2, 0xb0, 0x68, 0xfc, 0x37, 0x8d, 0xaa,
    0x95, 0x2b, 0xa7, 0xf1, 0x63, 0xc4, 0xa1, 0x16, 0x28, 0xf5, 0x5a, 0x4d, 0xf5, 0x23, 0xb3, 0xef,
];

/// The asset a payment must move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EvmAsset {
    /// An ERC-20 token contract.
    Token(Address),
    /// The chain's native coin (ETH on Base).
    Native,
}

/// What the server expects of the transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EvmExpected {
    /// The chain the RPC node serves (EIP-155 chain id).
    pub chain_id: u64,
    /// The transaction hash the client named.
    pub tx_hash: [u8; 32],
    /// The asset.
    pub asset: EvmAsset,
    /// The payee.
    pub pay_to: Address,
    /// The price in atomic units: the payee must receive at least this.
    pub min_amount: U256,
    /// The oldest block time accepted, as seconds before `now`; `None` accepts any age.
    pub max_age_secs: Option<u64>,
    /// Confirmations needed (`0` and `1` both mean "included").
    pub min_confirmations: u64,
    /// The current unix time in seconds.
    pub now: u64,
}

/// The JSON-RPC `result`s, as received (the `result` member's value, `null` included).
#[derive(Clone, Copy, Debug)]
pub struct EvmRpcResults<'a> {
    /// `eth_getTransactionReceipt(tx_hash)`.
    pub receipt: &'a [u8],
    /// `eth_getBlockByNumber(receipt.blockNumber, false)`.
    pub block: &'a [u8],
    /// `eth_blockNumber`.
    pub head: &'a [u8],
    /// `eth_getTransactionByHash(tx_hash)`: required for [`EvmAsset::Native`], checked when given.
    pub transaction: Option<&'a [u8]>,
}

/// Decides an EVM transaction proof: [`Accepted`] or the first refusal (order in
/// [`super`]). Errors: `invalid_rpc_result`, `transaction_not_found`, `transaction_mismatch`,
/// `transaction_reverted`, `wrong_asset`, `wrong_payee`, `amount_too_low`,
/// `transaction_too_old`, `transaction_not_final`.
///
/// ```
/// use pay402::onchain::evm::{EvmAsset, EvmExpected, EvmRpcResults, verify_evm_transaction};
/// use pay402::evm::Address;
/// use pay402::{ErrorCode, U256};
///
/// let receipt = br#"{"transactionHash":"0x1111111111111111111111111111111111111111111111111111111111111111",
///   "blockNumber":"0x10","blockHash":"0x2222222222222222222222222222222222222222222222222222222222222222",
///   "status":"0x1","from":"0x00000000000000000000000000000000000000aa","to":"0x00000000000000000000000000000000000000cc",
///   "logs":[{"address":"0x00000000000000000000000000000000000000cc","removed":false,
///     "topics":["0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",
///       "0x00000000000000000000000000000000000000000000000000000000000000aa",
///       "0x00000000000000000000000000000000000000000000000000000000000000bb"],
///     "data":"0x00000000000000000000000000000000000000000000000000000000000003e8"}]}"#;
/// let block = br#"{"number":"0x10","hash":"0x2222222222222222222222222222222222222222222222222222222222222222","timestamp":"0x64"}"#;
/// let mut expected = EvmExpected {
///     chain_id: 8453,
///     tx_hash: [0x11; 32],
///     asset: EvmAsset::Token(Address::parse(b"0x00000000000000000000000000000000000000cc")?),
///     pay_to: Address::parse(b"0x00000000000000000000000000000000000000bb")?,
///     min_amount: U256::from_u64(1000),
///     max_age_secs: Some(600),
///     min_confirmations: 2,
///     now: 160,
/// };
/// let rpc = EvmRpcResults { receipt, block, head: br#""0x11""#, transaction: None };
/// let ok = verify_evm_transaction(&rpc, &expected).unwrap();
/// assert_eq!(ok.amount, U256::from_u64(1000));
///
/// expected.min_amount = U256::from_u64(1001);
/// assert_eq!(verify_evm_transaction(&rpc, &expected).unwrap_err().code(), "amount_too_low");
/// # Ok::<(), pay402::evm::AddressError>(())
/// ```
pub fn verify_evm_transaction(
    rpc: &EvmRpcResults<'_>,
    expected: &EvmExpected,
) -> Result<Accepted, ProofError> {
    let receipt = RawValue::parse(rpc.receipt)?;
    if receipt.is_null() {
        return Err(ProofError::NotFound);
    }
    let receipt = Object::from_value(receipt, "receipt")?;
    if receipt.field("transactionHash").bytes32()? != expected.tx_hash {
        return Err(ProofError::Mismatch("transaction"));
    }
    let block_number = quantity(receipt.field("blockNumber"))?;
    let block_hash = receipt.field("blockHash").bytes32()?;
    let status = quantity(receipt.field("status"))?;

    let transaction = match rpc.transaction {
        Some(text) => {
            let value = RawValue::parse(text)?;
            if value.is_null() {
                return Err(ProofError::NotFound);
            }
            let tx = Object::from_value(value, "transaction")?;
            if tx.field("hash").bytes32()? != expected.tx_hash {
                return Err(ProofError::Mismatch("transaction"));
            }
            // Legacy pre-EIP-155 transactions carry no chain id.
            let chain = tx.field("chainId");
            if chain.is_present() && quantity(chain)? != expected.chain_id {
                return Err(ProofError::Mismatch("chain"));
            }
            Some(tx)
        }
        None => None,
    };

    let block = Object::from_value(RawValue::parse(rpc.block)?, "block")?;
    if quantity(block.field("number"))? != block_number
        || block.field("hash").bytes32()? != block_hash
    {
        return Err(ProofError::Mismatch("block"));
    }
    let timestamp = quantity(block.field("timestamp"))?;
    let head = quantity(Field::new("head", Some(RawValue::parse(rpc.head)?)))?;

    if status != 1 {
        return Err(ProofError::Reverted);
    }

    let (payer, amount) = match expected.asset {
        EvmAsset::Token(token) => token_transfers(&receipt, &token, &expected.pay_to)?,
        EvmAsset::Native => {
            let tx = transaction.ok_or(ProofError::InvalidRpcResult(FieldIssue::missing(
                "transaction",
            )))?;
            let to = tx.field("to");
            if !to.is_present() {
                // A contract creation pays no one.
                return Err(ProofError::WrongPayee);
            }
            let value = tx.field("value").uint256()?;
            if value.is_zero() {
                return Err(ProofError::WrongAsset);
            }
            if to.address()? != expected.pay_to {
                return Err(ProofError::WrongPayee);
            }
            (tx.field("from").address()?, value)
        }
    };
    if amount < expected.min_amount {
        return Err(ProofError::AmountTooLow);
    }
    if too_old(timestamp, expected.now, expected.max_age_secs) {
        return Err(ProofError::TooOld);
    }
    let confirmations = head
        .checked_sub(block_number)
        .map_or(0, |d| d.saturating_add(1));
    if confirmations < expected.min_confirmations {
        return Err(ProofError::NotFinal);
    }
    Ok(Accepted {
        tx: TxId::Evm {
            chain_id: expected.chain_id,
            hash: expected.tx_hash,
        },
        payer: Payer::Evm(payer),
        amount,
    })
}

/// Sums the EIP-20 `Transfer` logs of `token` to `pay_to`; the payer is the `from` of the
/// first one counted.
fn token_transfers(
    receipt: &Object<'_>,
    token: &Address,
    pay_to: &Address,
) -> Result<(Address, U256), ProofError> {
    let mut any_of_token = false;
    let mut payer = None;
    let mut total = U256::ZERO;
    for log in receipt.field("logs").array()? {
        let log = Object::from_value(log, "logs")?;
        if log.field("address").address()? != *token {
            continue;
        }
        if log.field("removed").optional(Field::bool)? == Some(true) {
            continue;
        }
        let mut log_topics = log.field("topics").array()?;
        let mut words = [[0u8; 32]; 3];
        let mut count = 0usize;
        for topic in log_topics.by_ref() {
            let word = Field::new("topics", Some(topic)).bytes32()?;
            if let Some(slot) = words.get_mut(count) {
                *slot = word;
            }
            count = count.saturating_add(1);
        }
        let [signature, from, to] = words;
        if count != 3 || signature != TRANSFER_TOPIC {
            continue;
        }
        let (Some(from), Some(to)) = (word_address(&from), word_address(&to)) else {
            continue;
        };
        let Some(value) = data_word(log.field("data"))? else {
            continue;
        };
        any_of_token = true;
        if to != *pay_to {
            continue;
        }
        payer.get_or_insert(from);
        total = add(total, value, "logs")?;
    }
    match payer {
        Some(payer) => Ok((payer, total)),
        None if any_of_token => Err(ProofError::WrongPayee),
        None => Err(ProofError::WrongAsset),
    }
}

/// An address in an ABI word: 12 zero bytes, then the 20 address bytes.
fn word_address(word: &[u8; 32]) -> Option<Address> {
    let (pad, addr) = word.split_at(12);
    if pad.iter().any(|b| *b != 0) {
        return None;
    }
    <[u8; 20]>::try_from(addr).ok().map(Address)
}

/// A log's `data` when it is exactly one 32-byte word; `None` otherwise (not an EIP-20 log).
fn data_word(field: Field<'_>) -> Result<Option<U256>, ProofError> {
    let key = field.key();
    let mut buf = [0u8; MAX_PARSED_TEXT];
    let text = match field.parsed_text(&mut buf) {
        Ok(text) => text,
        Err(issue) if matches!(issue.kind(), FieldIssueKind::TooLong { .. }) => return Ok(None),
        Err(issue) => return Err(issue.into()),
    };
    let hex = crate::hex::strip_0x(text.as_bytes())
        .map_err(|e| FieldIssue::new(key, FieldIssueKind::Hex(e)))?;
    if hex.len() != 64 {
        return Ok(None);
    }
    crate::hex::decode_array::<32>(hex)
        .map(|word| Some(U256::from_be_bytes(word)))
        .map_err(|e| FieldIssue::new(key, FieldIssueKind::Hex(e)).into())
}

/// A JSON-RPC quantity: `0x` and 1 to 16 hex digits, no leading zero (Ethereum JSON-RPC
/// "hex encoding"), read as a `u64`.
fn quantity(field: Field<'_>) -> Result<u64, ProofError> {
    let key = field.key();
    let mut buf = [0u8; MAX_PARSED_TEXT];
    let text = field.parsed_text(&mut buf)?;
    let invalid =
        || ProofError::InvalidRpcResult(FieldIssue::new(key, FieldIssueKind::InvalidValue));
    let digits = text.strip_prefix("0x").ok_or_else(invalid)?;
    if digits.is_empty()
        || digits.len() > 16
        || (digits.len() > 1 && digits.starts_with('0'))
        || !digits.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(invalid());
    }
    u64::from_str_radix(digits, 16).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transfer_topic_is_the_keccak_of_the_eip20_signature() {
        assert_eq!(
            crate::evm::keccak256(b"Transfer(address,address,uint256)"),
            TRANSFER_TOPIC
        );
    }

    #[test]
    fn quantities_follow_the_json_rpc_hex_encoding() {
        let q = |t: &[u8]| quantity(Field::new("q", Some(RawValue::parse(t).unwrap())));
        assert_eq!(q(br#""0x0""#), Ok(0));
        assert_eq!(q(br#""0x41""#), Ok(65));
        assert_eq!(q(br#""0xffffffffffffffff""#), Ok(u64::MAX));
        for bad in [
            &br#""0x""#[..],
            br#""0x041""#,
            br#""41""#,
            br#""0x1ffffffffffffffff""#,
            br#""0x+1""#,
            b"65",
        ] {
            assert_eq!(q(bad).unwrap_err().code(), "invalid_rpc_result", "{bad:?}");
        }
    }
    use crate::ErrorCode;
}
