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
//!
//! # Flow
//!
//! Each RPC result is parsed on its own ([`EvmReceipt::parse`], [`EvmBlock::parse`],
//! [`parse_block_number`], [`EvmTransaction::parse`]): the receipt names the block the host
//! fetches next. [`verify_evm_transaction`] then decides over the parsed views and parses nothing
//! again.

use super::{Accepted, Payer, ProofError, TxId, add, too_old};
use crate::evm::Address;
use crate::json::{Elements, Field, FieldIssue, FieldIssueKind, MAX_PARSED_TEXT, Object, RawValue};
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

/// One EIP-20 `Transfer` event of a receipt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Erc20Transfer {
    /// The contract that emitted it (the token).
    pub token: Address,
    /// `from`, topic 1.
    pub from: Address,
    /// `to`, topic 2.
    pub to: Address,
    /// `value`, the data word.
    pub value: U256,
}

/// An `eth_getTransactionReceipt` result, validated: every log is well-formed.
#[derive(Clone, Debug)]
pub struct EvmReceipt<'a> {
    /// `transactionHash`.
    pub transaction_hash: [u8; 32],
    /// `blockNumber`: the block whose time and hash the host fetches next.
    pub block_number: u64,
    /// `blockHash`.
    pub block_hash: [u8; 32],
    /// `status`: 1 success, 0 failure (EIP-658). A pre-Byzantium receipt (a `root` and no
    /// `status`) is refused.
    pub status: u64,
    logs: Elements<'a>,
}

impl<'a> EvmReceipt<'a> {
    /// Parses the receipt JSON-RPC `result`. Errors: `transaction_not_found` for `null` (unknown
    /// or pending), `invalid_rpc_result` for malformed JSON, a missing or malformed field, or a
    /// malformed log (address, topics of 32 bytes, data, `removed`).
    pub fn parse(result: &'a [u8]) -> Result<Self, ProofError> {
        let value = RawValue::parse(result)?;
        if value.is_null() {
            return Err(ProofError::NotFound);
        }
        let receipt = Object::from_value(value, "receipt")?;
        let logs = receipt.field("logs").array()?;
        for log in logs.clone() {
            decode_log(log)?;
        }
        Ok(Self {
            transaction_hash: receipt.field("transactionHash").bytes32()?,
            block_number: quantity(receipt.field("blockNumber"))?,
            block_hash: receipt.field("blockHash").bytes32()?,
            status: quantity(receipt.field("status"))?,
            logs,
        })
    }

    /// The EIP-20 `Transfer` events of the receipt (three topics, one data word, not
    /// `removed`), in log order; other logs are skipped.
    pub fn transfers(&self) -> impl Iterator<Item = Erc20Transfer> + 'a {
        // Every log was decoded once by `parse`, so no error can appear here.
        self.logs
            .clone()
            .filter_map(|log| decode_log(log).ok().flatten())
    }
}

/// An `eth_getBlockByNumber` result: the fields the check reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EvmBlock {
    /// `number`.
    pub number: u64,
    /// `hash`.
    pub hash: [u8; 32],
    /// `timestamp`, unix seconds.
    pub timestamp: u64,
}

impl EvmBlock {
    /// Parses the block JSON-RPC `result`. Errors: `invalid_rpc_result` (`null` included: the
    /// block of a mined receipt exists).
    pub fn parse(result: &[u8]) -> Result<Self, ProofError> {
        let block = Object::from_value(RawValue::parse(result)?, "block")?;
        Ok(Self {
            number: quantity(block.field("number"))?,
            hash: block.field("hash").bytes32()?,
            timestamp: quantity(block.field("timestamp"))?,
        })
    }
}

/// An `eth_getTransactionByHash` result: the fields the check reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EvmTransaction {
    /// `hash`.
    pub hash: [u8; 32],
    /// `chainId`; legacy pre-EIP-155 transactions carry none.
    pub chain_id: Option<u64>,
    /// `from`.
    pub from: Address,
    /// `to`; `None` for a contract creation.
    pub to: Option<Address>,
    /// `value` in wei.
    pub value: U256,
    /// `blockNumber`: the block that includes it; `None` while it is pending (`null`).
    pub block_number: Option<u64>,
}

impl EvmTransaction {
    /// Parses the transaction JSON-RPC `result`. Errors: `transaction_not_found` for `null`,
    /// `invalid_rpc_result`. A pending transaction (`blockNumber` `null` or absent) parses,
    /// with `block_number` `None`.
    pub fn parse(result: &[u8]) -> Result<Self, ProofError> {
        let value = RawValue::parse(result)?;
        if value.is_null() {
            return Err(ProofError::NotFound);
        }
        let tx = Object::from_value(value, "transaction")?;
        let chain = tx.field("chainId");
        let block = tx.field("blockNumber");
        Ok(Self {
            block_number: if block.is_present() {
                Some(quantity(block)?)
            } else {
                None
            },
            hash: tx.field("hash").bytes32()?,
            chain_id: if chain.is_present() {
                Some(quantity(chain)?)
            } else {
                None
            },
            from: tx.field("from").address()?,
            to: tx.field("to").optional(Field::address)?,
            value: quantity_u256(tx.field("value"))?,
        })
    }
}

/// Parses the `eth_blockNumber` result (a quantity, e.g. `"0x1b4"`). Errors: `invalid_rpc_result`.
pub fn parse_block_number(result: &[u8]) -> Result<u64, ProofError> {
    quantity(Field::new("head", Some(RawValue::parse(result)?)))
}

/// The parsed RPC results for one claimed transaction.
#[derive(Clone, Debug)]
pub struct EvmProof<'a> {
    /// The receipt.
    pub receipt: EvmReceipt<'a>,
    /// The receipt's block.
    pub block: EvmBlock,
    /// The latest block number.
    pub head: u64,
    /// The transaction: required for [`EvmAsset::Native`], checked when given.
    pub transaction: Option<EvmTransaction>,
}

/// Decides an EVM transaction proof: [`Accepted`] or the first refusal (order in [`super`]).
/// Errors: `transaction_mismatch` (another hash, block or chain), `invalid_rpc_result` (native
/// value without the transaction), `transaction_reverted`, `wrong_asset`, `wrong_payee`,
/// `amount_too_low`, `transaction_too_old`, `transaction_not_final`.
///
/// ```
/// use pay402::onchain::evm::{
///     EvmAsset, EvmBlock, EvmExpected, EvmProof, EvmReceipt, parse_block_number,
///     verify_evm_transaction,
/// };
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
/// let receipt = EvmReceipt::parse(receipt)?;
/// assert_eq!(receipt.block_number, 16); // the host fetches this block next
/// let block = EvmBlock::parse(br#"{"number":"0x10","hash":"0x2222222222222222222222222222222222222222222222222222222222222222","timestamp":"0x64"}"#)?;
/// let proof = EvmProof { receipt, block, head: parse_block_number(br#""0x11""#)?, transaction: None };
/// let mut expected = EvmExpected {
///     chain_id: 8453,
///     tx_hash: [0x11; 32],
///     asset: EvmAsset::Token(Address::parse(b"0x00000000000000000000000000000000000000cc").unwrap()),
///     pay_to: Address::parse(b"0x00000000000000000000000000000000000000bb").unwrap(),
///     min_amount: U256::from_u64(1000),
///     max_age_secs: Some(600),
///     min_confirmations: 2,
///     now: 160,
/// };
/// assert_eq!(verify_evm_transaction(&proof, &expected)?.amount, U256::from_u64(1000));
///
/// expected.min_amount = U256::from_u64(1001);
/// assert_eq!(verify_evm_transaction(&proof, &expected).unwrap_err().code(), "amount_too_low");
/// # Ok::<(), pay402::onchain::ProofError>(())
/// ```
pub fn verify_evm_transaction(
    proof: &EvmProof<'_>,
    expected: &EvmExpected,
) -> Result<Accepted, ProofError> {
    let EvmProof {
        receipt,
        block,
        head,
        transaction,
    } = proof;
    if receipt.transaction_hash != expected.tx_hash {
        return Err(ProofError::Mismatch("transaction"));
    }
    if let Some(tx) = transaction {
        if tx.hash != expected.tx_hash {
            return Err(ProofError::Mismatch("transaction"));
        }
        if tx.chain_id.is_some_and(|id| id != expected.chain_id) {
            return Err(ProofError::Mismatch("chain"));
        }
    }
    if block.number != receipt.block_number || block.hash != receipt.block_hash {
        return Err(ProofError::Mismatch("block"));
    }
    if receipt.status != 1 {
        return Err(ProofError::Reverted);
    }
    let (payer, amount) = match expected.asset {
        EvmAsset::Token(token) => token_transfers(receipt, &token, &expected.pay_to)?,
        EvmAsset::Native => {
            let tx = transaction.ok_or(ProofError::InvalidRpcResult(FieldIssue::missing(
                "transaction",
            )))?;
            if tx.value.is_zero() {
                return Err(ProofError::WrongAsset);
            }
            // A contract creation (no `to`) pays no one.
            if tx.to != Some(expected.pay_to) {
                return Err(ProofError::WrongPayee);
            }
            (tx.from, tx.value)
        }
    };
    if amount < expected.min_amount {
        return Err(ProofError::AmountTooLow);
    }
    if too_old(block.timestamp, expected.now, expected.max_age_secs) {
        return Err(ProofError::TooOld);
    }
    let confirmations = head
        .checked_sub(receipt.block_number)
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

/// Sums the EIP-20 `Transfer` events of `token` to `pay_to`; the payer is the `from` of the
/// first one counted.
fn token_transfers(
    receipt: &EvmReceipt<'_>,
    token: &Address,
    pay_to: &Address,
) -> Result<(Address, U256), ProofError> {
    let mut any_of_token = false;
    let mut payer = None;
    let mut total = U256::ZERO;
    for t in receipt.transfers().filter(|t| t.token == *token) {
        any_of_token = true;
        if t.to != *pay_to {
            continue;
        }
        payer.get_or_insert(t.from);
        total = add(total, t.value, "logs")?;
    }
    match payer {
        Some(payer) => Ok((payer, total)),
        None if any_of_token => Err(ProofError::WrongPayee),
        None => Err(ProofError::WrongAsset),
    }
}

/// Decodes one receipt log: `Some` for an EIP-20 `Transfer`, `None` for any other well-formed
/// log (another event, ERC-721's four-topic `Transfer`, an address topic with high bytes set,
/// data other than one word) or a `removed` one.
fn decode_log(log: RawValue<'_>) -> Result<Option<Erc20Transfer>, ProofError> {
    let log = Object::from_value(log, "logs")?;
    let token = log.field("address").address()?;
    let removed = log.field("removed").optional(Field::bool)? == Some(true);
    let mut words = [[0u8; 32]; 3];
    let mut count = 0usize;
    for topic in log.field("topics").array()? {
        let word = Field::new("topics", Some(topic)).bytes32()?;
        if let Some(slot) = words.get_mut(count) {
            *slot = word;
        }
        count = count.saturating_add(1);
    }
    let data = data_word(log.field("data"))?;
    let [signature, from, to] = words;
    if removed || count != 3 || signature != TRANSFER_TOPIC {
        return Ok(None);
    }
    let (Some(from), Some(to), Some(value)) = (word_address(&from), word_address(&to), data) else {
        return Ok(None);
    };
    Ok(Some(Erc20Transfer {
        token,
        from,
        to,
        value,
    }))
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

/// A JSON-RPC quantity of up to 256 bits (`value`): `0x` and 1 to 64 hex digits, no leading
/// zero.
fn quantity_u256(field: Field<'_>) -> Result<U256, ProofError> {
    let key = field.key();
    let mut buf = [0u8; MAX_PARSED_TEXT];
    let text = field.parsed_text(&mut buf)?;
    let digits = text.strip_prefix("0x").unwrap_or_default();
    if digits.is_empty() || (digits.len() > 1 && digits.starts_with('0')) {
        return Err(FieldIssue::new(key, FieldIssueKind::InvalidValue).into());
    }
    U256::parse_hex_prefixed(text.as_bytes())
        .map_err(|e| FieldIssue::new(key, FieldIssueKind::Amount(e)).into())
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
