//! Paying back part of an x402 `exact` payment: the [`RefundOrder`] (what to pay, to whom, under
//! which idempotency key) and the outcome machine of its ERC-20 `transfer`, sans I/O.
//!
//! The asset is a token ([`RefundAsset::Token`]: an ERC-20 `transfer` to the token contract) or
//! the chain's native coin ([`RefundAsset::Native`]: a value transfer to the recipient, no
//! calldata; a WS402 prepayment proven by a native ETH transaction is paid back this way).
//! Executors send `{to: tx_to, value: tx_value, data: calldata}` and never branch on the asset
//! themselves.
//!
//! It lives next to [`super::evm_settlement`] because it is the settlement layer's other
//! transaction: the settler that received an `exact` payment sends part of it back, on the same
//! network, in the same asset, to the payer the payment proved. WS402 orders a refund of
//! `paid − consumed` when an `exact` session ends (`RefundOrder::for_session`, feature `ws402`); any host that
//! took an `exact` payment and serves less can use it the same way.
//!
//! Rules (each one a defect of the WS402 seed fixed here):
//! - `to` is an address the caller verified: the payer the payment proved (the EIP-3009 `from`,
//!   the Permit2 `owner`, the `from` of an on-chain prepayment's ERC-20 `Transfer` or native
//!   transaction), never an address a client names in a message;
//! - the amount is a [`U256`] in the asset's atomic unit (no floating point), and 0 is no order
//!   ([`RefundError::ZeroAmount`]): nothing is sent;
//! - the key ([`RefundOrder::key`]) identifies the refund: the host records the signed
//!   transaction under it **before** broadcasting, and a second attempt finds the record and
//!   re-sends the same bytes (same hash) instead of signing again, so a refund is paid at most once.
//!
//! The outcome machine ([`Refund`]) is a twin of [`super::evm_settlement::EvmSettlement`] rather
//! than that machine itself: the steps are the same (built → submitted(hash) → confirmed |
//! reverted | pending), but a refund has no x402 `SettleResponse`, no payer signature to blame
//! and its own reasons, so reusing the settlement's reasons (`invalid_exact_evm_*`) would report
//! a refund as a payment failure. It reuses the settlement's hash check
//! ([`super::evm_settlement::is_valid_tx_hash`]) and message truncation.
//!
//! ```text
//! Built --send_failed(text)------------------> refund_send_failed, transaction ""  (failed)
//!   `--submitted(hash)--+-- invalid hash ----> refund_invalid_hash, transaction "" (failed)
//!                       `-> Submitted --confirmed-> success                        (refunded)
//!                                     |-reverted--> refund_reverted, hash kept      (failed)
//!                                     `-receipt_unavailable(error)
//!                                          ------> refund_pending, hash kept        (pending)
//! ```
//!
//! ```
//! use pay402::evm::Address;
//! use pay402::x402::network::Network;
//! use pay402::x402::refund::{Refund, RefundOrder, RefundPhase, RefundVerdict};
//! use pay402::U256;
//! let order = RefundOrder::new(
//!     [7; 32],
//!     Network::Eip155 { chain_id: 8453 },
//!     Address::parse(b"0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913")?,
//!     Address::parse(b"0x857b06519E91e3A54538791bDbb0E22373e36b66")?,
//!     U256::from_u64(1_500),
//! )?;
//! let mut refund = Refund::at(order, RefundPhase::Built);
//! let hash = "0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef";
//! assert_eq!(refund.submitted(hash)?, None);
//! let result = refund.confirmed()?;
//! assert_eq!(result.verdict(), RefundVerdict::Refunded);
//! assert_eq!(result.transaction, hash);
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use super::evm_settlement::{ErrorMessage, is_valid_tx_hash};
use super::network::Network;
use crate::error::BufferTooSmall;
use crate::evm::Address;
use crate::evm::erc20;
use crate::json::ObjectWriter;
use crate::u256::U256;
use crate::writer::Writer;

/// `refund_send_failed`: sending was refused before broadcast (the simulation reverted, the
/// node rejected the transaction); nothing was broadcast.
pub const REASON_SEND_FAILED: &str = "refund_send_failed";
/// `refund_invalid_hash`: the node answered a hash that is not one; nothing to wait for.
pub const REASON_INVALID_HASH: &str = "refund_invalid_hash";
/// `refund_reverted`: the transfer was mined and reverted; the hash is kept.
pub const REASON_REVERTED: &str = "refund_reverted";
/// `refund_pending`: sent, no receipt yet; the host keeps the record and asks again.
pub const REASON_PENDING: &str = "refund_pending";

/// The domain-separation prefix of a WS402 session's refund key.
pub const SESSION_KEY_PREFIX: &[u8] = b"pay402 ws402 refund";

/// Why a refund order or step was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RefundError {
    /// The amount is 0: there is nothing to refund and no transaction.
    ZeroAmount,
    /// The network is not an EVM chain (Solana refunds are not built).
    UnsupportedNetwork,
    /// A receipt step before `submitted`, or a broadcast step after it.
    OutOfOrder,
    /// The refund already ended.
    Ended,
}

impl core::fmt::Display for RefundError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::ZeroAmount => "a refund of 0 is not an order: nothing is sent",
            Self::UnsupportedNetwork => "refunds are paid on eip155 networks only",
            Self::OutOfOrder => {
                "refund step out of order (a receipt before the broadcast, or a broadcast step after it)"
            }
            Self::Ended => "the refund already ended",
        })
    }
}

impl core::error::Error for RefundError {}

impl crate::ErrorCode for RefundError {
    fn code(&self) -> &'static str {
        match self {
            Self::ZeroAmount => "refund_amount_zero",
            Self::UnsupportedNetwork => "refund_unsupported_network",
            Self::OutOfOrder => "refund_step_out_of_order",
            Self::Ended => "refund_ended",
        }
    }
}

/// The asset a refund pays back in: the asset of the payment it refunds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefundAsset {
    /// An ERC-20 token: the transaction goes to the token contract with `transfer(to, amount)`
    /// as calldata and no value.
    Token(Address),
    /// The chain's native coin (ETH): the transaction goes to the recipient with `amount` as
    /// its value and no calldata.
    Native,
}

/// One refund: pay `amount` of `asset` on `network` to `to`, identified by `key`.
///
/// `to` must be an address the caller verified: the payer the payment proved, never an address
/// named by the client. The fields are read-only; an order exists only with a non-zero amount
/// on an EVM network.
///
/// The transaction that pays it is `{to: tx_to(), value: tx_value(), data: calldata()}`
/// ([`RefundOrder::tx_to`], [`RefundOrder::tx_value`], [`RefundOrder::calldata`]): an ERC-20
/// `transfer` to the token for [`RefundAsset::Token`], a plain value transfer to the recipient
/// for [`RefundAsset::Native`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RefundOrder {
    key: [u8; 32],
    chain_id: u64,
    asset: RefundAsset,
    to: Address,
    amount: U256,
}

impl RefundOrder {
    /// A token order under the caller's idempotency `key` ([`RefundOrder::new_in`] with
    /// [`RefundAsset::Token`]). Errors: `refund_amount_zero`, `refund_unsupported_network` (a
    /// Solana network).
    pub fn new(
        key: [u8; 32],
        network: Network,
        asset: Address,
        to: Address,
        amount: U256,
    ) -> Result<Self, RefundError> {
        Self::new_in(key, network, RefundAsset::Token(asset), to, amount)
    }

    /// An order in `asset` (a token or the native coin) under the caller's idempotency `key`.
    /// Errors: `refund_amount_zero`, `refund_unsupported_network` (a Solana network).
    ///
    /// ```
    /// use pay402::evm::Address;
    /// use pay402::x402::network::Network;
    /// use pay402::x402::refund::{RefundAsset, RefundOrder};
    /// use pay402::U256;
    /// let payer = Address::parse(b"0x857b06519E91e3A54538791bDbb0E22373e36b66")?;
    /// let order = RefundOrder::new_in(
    ///     [7; 32], Network::Eip155 { chain_id: 8453 }, RefundAsset::Native, payer,
    ///     U256::from_u64(1_000_000_000_000_000),
    /// )?;
    /// assert_eq!(order.tx_to(), payer); // a value transfer to the payer
    /// assert_eq!(order.tx_value(), U256::from_u64(1_000_000_000_000_000));
    /// assert_eq!(order.calldata(&mut [0u8; 68])?, b""); // no calldata
    /// # Ok::<(), Box<dyn core::error::Error>>(())
    /// ```
    pub fn new_in(
        key: [u8; 32],
        network: Network,
        asset: RefundAsset,
        to: Address,
        amount: U256,
    ) -> Result<Self, RefundError> {
        let chain_id = network.chain_id().ok_or(RefundError::UnsupportedNetwork)?;
        if amount.is_zero() {
            return Err(RefundError::ZeroAmount);
        }
        Ok(Self {
            key,
            chain_id,
            asset,
            to,
            amount,
        })
    }

    /// The refund of a WS402 session: the key is [`RefundOrder::session_key`] of `session_id`,
    /// so one session has one refund whatever process or retry orders it.
    #[cfg(feature = "ws402")]
    pub fn for_session(
        session_id: [u8; 16],
        network: Network,
        asset: Address,
        to: Address,
        amount: U256,
    ) -> Result<Self, RefundError> {
        Self::new(Self::session_key(session_id), network, asset, to, amount)
    }

    /// The refund of a WS402 session in `asset` (a token or the native coin), under
    /// [`RefundOrder::session_key`] of `session_id` like [`RefundOrder::for_session`].
    #[cfg(feature = "ws402")]
    pub fn for_session_in(
        session_id: [u8; 16],
        network: Network,
        asset: RefundAsset,
        to: Address,
        amount: U256,
    ) -> Result<Self, RefundError> {
        Self::new_in(Self::session_key(session_id), network, asset, to, amount)
    }

    /// SHA-256(`"pay402 ws402 refund"` ‖ `session_id`).
    #[cfg(feature = "ws402")]
    pub fn session_key(session_id: [u8; 16]) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        hash.update(SESSION_KEY_PREFIX);
        hash.update(session_id);
        hash.finalize().into()
    }

    /// The idempotency key.
    pub const fn key(&self) -> [u8; 32] {
        self.key
    }

    /// The network.
    pub const fn network(&self) -> Network {
        Network::Eip155 {
            chain_id: self.chain_id,
        }
    }

    /// The EIP-155 chain id.
    pub const fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// The token of a token order. The native coin has no contract: for a
    /// [`RefundAsset::Native`] order this is the zero address, which is no transaction target
    /// — executors build the transaction from [`RefundOrder::tx_to`], [`RefundOrder::tx_value`]
    /// and [`RefundOrder::calldata`], and read the asset with [`RefundOrder::refund_asset`].
    pub const fn asset(&self) -> Address {
        match self.asset {
            RefundAsset::Token(token) => token,
            RefundAsset::Native => Address([0; 20]),
        }
    }

    /// The asset paid back: a token or the native coin.
    pub const fn refund_asset(&self) -> RefundAsset {
        self.asset
    }

    /// The refund transaction's `to`: the token contract ([`RefundAsset::Token`]) or the
    /// recipient ([`RefundAsset::Native`]).
    pub const fn tx_to(&self) -> Address {
        match self.asset {
            RefundAsset::Token(token) => token,
            RefundAsset::Native => self.to,
        }
    }

    /// The refund transaction's `value` in wei: 0 for a token, the amount for the native coin.
    pub const fn tx_value(&self) -> U256 {
        match self.asset {
            RefundAsset::Token(_) => U256::ZERO,
            RefundAsset::Native => self.amount,
        }
    }

    /// The most the refund transaction can take from its sender with `gas` at
    /// `max_fee_per_gas`: `tx_value + gas × max_fee_per_gas` wei; `None` above 2²⁵⁶ − 1.
    pub fn max_cost(&self, gas: U256, max_fee_per_gas: U256) -> Option<U256> {
        gas.checked_mul(max_fee_per_gas)
            .and_then(|fees| fees.checked_add(self.tx_value()))
    }

    /// Whether a sender holding `balance` wei can pay the refund transaction with `gas` at
    /// `max_fee_per_gas` ([`RefundOrder::max_cost`]; a cost above 2²⁵⁶ − 1 is never covered).
    /// Check it before signing: a node's simulation does not always check the sender's balance
    /// (Hardhat's `eth_estimateGas` does not), and a transaction its sender cannot pay is never
    /// mined.
    ///
    /// ```
    /// use pay402::evm::Address;
    /// use pay402::x402::network::Network;
    /// use pay402::x402::refund::{RefundAsset, RefundOrder};
    /// use pay402::U256;
    /// let payer = Address::parse(b"0x857b06519E91e3A54538791bDbb0E22373e36b66")?;
    /// let order = RefundOrder::new_in([7; 32], Network::Eip155 { chain_id: 8453 },
    ///     RefundAsset::Native, payer, U256::from_u64(1_000))?;
    /// let (gas, fee) = (U256::from_u64(21_000), U256::from_u64(2));
    /// assert!(order.sender_covers(U256::from_u64(43_000), gas, fee)); // 1 000 + 42 000
    /// assert!(!order.sender_covers(U256::from_u64(42_999), gas, fee));
    /// # Ok::<(), Box<dyn core::error::Error>>(())
    /// ```
    pub fn sender_covers(&self, balance: U256, gas: U256, max_fee_per_gas: U256) -> bool {
        self.max_cost(gas, max_fee_per_gas)
            .is_some_and(|cost| balance >= cost)
    }

    /// The recipient (the verified payer).
    pub const fn to(&self) -> Address {
        self.to
    }

    /// The amount in the asset's atomic unit (never 0).
    pub const fn amount(&self) -> U256 {
        self.amount
    }

    /// The calldata of the refund transaction (to [`RefundOrder::tx_to`]): ERC-20
    /// `transfer(to, amount)` ([`erc20::TRANSFER_CALLDATA_LEN`] bytes) for a token, empty for
    /// the native coin (a plain value transfer).
    pub fn calldata<'b>(&self, out: &'b mut [u8]) -> Result<&'b [u8], BufferTooSmall> {
        match self.asset {
            RefundAsset::Token(_) => erc20::transfer_calldata(&self.to, &self.amount, out),
            RefundAsset::Native => Ok(out.get(..0).unwrap_or_default()),
        }
    }

    /// Writes the network's CAIP-2 id, `eip155:<chain id>`.
    pub fn write_network(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        use core::fmt::Write as _;
        write!(w, "eip155:{}", self.chain_id).map_err(|_| BufferTooSmall)
    }
}

/// What a refund's result means to the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefundVerdict {
    /// The transfer was mined with status success: paid, never pay again.
    Refunded,
    /// Nothing was paid and this attempt is over (`refund_send_failed`, `refund_invalid_hash`,
    /// `refund_reverted`): the host reports it; it is never skipped silently.
    Failed,
    /// Sent, outcome unknown (`refund_pending`): keep the record, ask again with the same hash.
    Pending,
}

impl RefundVerdict {
    /// `refunded`, `failed` or `pending`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Refunded => "refunded",
            Self::Failed => "failed",
            Self::Pending => "pending",
        }
    }
}

/// The end of one refund attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundResult<'a> {
    /// The transfer was mined with status success.
    pub success: bool,
    /// The reason, on failure or pending.
    pub reason: Option<&'static str>,
    /// The host's text (revert reason, RPC error), cut to 500 UTF-16 units.
    pub message: Option<ErrorMessage<'a>>,
    /// The hash, or `""` when nothing was broadcast.
    pub transaction: &'a str,
    /// The order.
    pub order: RefundOrder,
}

impl RefundResult<'_> {
    /// What the result means: [`RefundVerdict`].
    pub fn verdict(&self) -> RefundVerdict {
        match (self.success, self.reason) {
            (true, _) => RefundVerdict::Refunded,
            (false, Some(REASON_PENDING)) if !self.transaction.is_empty() => RefundVerdict::Pending,
            _ => RefundVerdict::Failed,
        }
    }

    /// Writes the result as JSON: `success`, `errorReason`, `errorMessage`, `transaction`,
    /// `network`, `asset` (the token's EIP-55 address, or `"native"` for the native coin),
    /// `to`, `amount` (decimal string), as a `SettleResponse` names its members.
    pub fn write_json(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        let mut o = ObjectWriter::begin(w)?;
        o.field_bool("success", self.success)?;
        if let Some(reason) = self.reason {
            o.field_str("errorReason", reason)?;
        }
        if let Some(message) = &self.message {
            o.field_display("errorMessage", message)?;
        }
        o.field_str("transaction", self.transaction)?;
        o.field_display("network", &Caip2(self.order.chain_id))?;
        let mut asset = [0u8; 42];
        o.field_str(
            "asset",
            match self.order.asset {
                RefundAsset::Token(token) => token.to_checksum(&mut asset),
                RefundAsset::Native => "native",
            },
        )?;
        let mut to = [0u8; 42];
        o.field_str("to", self.order.to.to_checksum(&mut to))?;
        o.field_display("amount", &self.order.amount)?;
        o.end()
    }
}

/// `eip155:<chain id>` for [`ObjectWriter::field_display`].
struct Caip2(u64);

impl core::fmt::Display for Caip2 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "eip155:{}", self.0)
    }
}

/// Where a [`Refund`] stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefundPhase<'a> {
    /// Built (calldata written, maybe signed and recorded), not broadcast.
    Built,
    /// Broadcast with this valid hash, waiting for the receipt.
    Submitted {
        /// The broadcast hash.
        hash: &'a str,
    },
    /// A [`RefundResult`] was produced; nothing more happens.
    Ended,
}

/// The outcome machine of one refund attempt, with the state as data ([`RefundPhase`]): each
/// step checks the phase and moves it, so a refund cannot be confirmed before it was
/// submitted or end twice. A host that restarts with a recorded hash resumes at
/// [`RefundPhase::Submitted`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refund<'a> {
    order: RefundOrder,
    phase: RefundPhase<'a>,
}

impl<'a> Refund<'a> {
    /// The refund of `order` at `phase` (a new one is [`RefundPhase::Built`]).
    pub const fn at(order: RefundOrder, phase: RefundPhase<'a>) -> Self {
        Self { order, phase }
    }

    /// The order.
    pub const fn order(&self) -> &RefundOrder {
        &self.order
    }

    /// The current phase.
    pub const fn phase(&self) -> RefundPhase<'a> {
        self.phase
    }

    fn result(
        &mut self,
        success: bool,
        reason: Option<&'static str>,
        message: Option<ErrorMessage<'a>>,
        transaction: &'a str,
    ) -> RefundResult<'a> {
        self.phase = RefundPhase::Ended;
        RefundResult {
            success,
            reason,
            message,
            transaction,
            order: self.order,
        }
    }

    fn built(&self) -> Result<(), RefundError> {
        match self.phase {
            RefundPhase::Built => Ok(()),
            RefundPhase::Submitted { .. } => Err(RefundError::OutOfOrder),
            RefundPhase::Ended => Err(RefundError::Ended),
        }
    }

    fn hash(&self) -> Result<&'a str, RefundError> {
        match self.phase {
            RefundPhase::Submitted { hash } => Ok(hash),
            RefundPhase::Built => Err(RefundError::OutOfOrder),
            RefundPhase::Ended => Err(RefundError::Ended),
        }
    }

    /// Sending was refused before broadcast (`text`: the revert or the node's error):
    /// `refund_send_failed`, transaction `""`.
    pub fn send_failed(&mut self, text: &'a str) -> Result<RefundResult<'a>, RefundError> {
        self.built()?;
        Ok(self.result(
            false,
            Some(REASON_SEND_FAILED),
            Some(ErrorMessage::Text(text)),
            "",
        ))
    }

    /// The node answered `hash`: `None` when it is a valid hash (now
    /// [`RefundPhase::Submitted`]), else the terminal `refund_invalid_hash`.
    pub fn submitted(&mut self, hash: &'a str) -> Result<Option<RefundResult<'a>>, RefundError> {
        self.built()?;
        if is_valid_tx_hash(hash) {
            self.phase = RefundPhase::Submitted { hash };
            Ok(None)
        } else {
            Ok(Some(self.result(
                false,
                Some(REASON_INVALID_HASH),
                Some(ErrorMessage::InvalidHash(hash)),
                "",
            )))
        }
    }

    /// The receipt has status success: refunded.
    pub fn confirmed(&mut self) -> Result<RefundResult<'a>, RefundError> {
        let hash = self.hash()?;
        Ok(self.result(true, None, None, hash))
    }

    /// The receipt has status 0: `refund_reverted`, the hash kept.
    pub fn reverted(&mut self) -> Result<RefundResult<'a>, RefundError> {
        let hash = self.hash()?;
        Ok(self.result(false, Some(REASON_REVERTED), None, hash))
    }

    /// No receipt (yet): `refund_pending`, the hash kept, `error` as the message.
    pub fn receipt_unavailable(&mut self, error: &'a str) -> Result<RefundResult<'a>, RefundError> {
        let hash = self.hash()?;
        Ok(self.result(
            false,
            Some(REASON_PENDING),
            Some(ErrorMessage::Text(error)),
            hash,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;
    use crate::writer::write_all;

    const HASH: &str = "0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef";

    fn order(amount: u64) -> Result<RefundOrder, RefundError> {
        RefundOrder::new(
            [1; 32],
            Network::Eip155 { chain_id: 31_337 },
            Address([0xaa; 20]),
            Address([0xbb; 20]),
            U256::from_u64(amount),
        )
    }

    #[test]
    fn zero_and_solana_are_not_orders() {
        assert_eq!(order(0).err().map(|e| e.code()), Some("refund_amount_zero"));
        let solana = RefundOrder::new(
            [1; 32],
            Network::Solana(crate::x402::network::SolanaCluster::Devnet),
            Address([0xaa; 20]),
            Address([0xbb; 20]),
            U256::from_u64(1),
        );
        assert_eq!(
            solana.err().map(|e| e.code()),
            Some("refund_unsupported_network")
        );
    }

    #[test]
    fn the_session_key_is_sha256_of_prefix_and_id() {
        // Python: hashlib.sha256(b"pay402 ws402 refund" + bytes(16)).hexdigest()
        let want: [u8; 32] = crate::hex::decode_array(
            b"c57d3192a2e64489325cfd330725dd2b91ccf9f4c9a3c8b33fce62334c0c6ff5",
        )
        .unwrap_or_default();
        assert_eq!(RefundOrder::session_key([0; 16]), want);
        assert_ne!(want, RefundOrder::session_key([1; 16]));
    }

    #[test]
    fn confirmed_writes_the_order() {
        let mut r = Refund::at(order(1500).unwrap(), RefundPhase::Built);
        assert_eq!(r.confirmed().err(), Some(RefundError::OutOfOrder));
        assert_eq!(r.submitted(HASH), Ok(None));
        assert_eq!(r.submitted(HASH).err(), Some(RefundError::OutOfOrder));
        let result = r.confirmed().unwrap();
        let mut buf = [0u8; 512];
        let n = write_all(&mut buf, |w| result.write_json(w)).unwrap_or(0);
        assert_eq!(
            core::str::from_utf8(buf.get(..n).unwrap_or_default()).unwrap_or_default(),
            r#"{"success":true,"transaction":"0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef","network":"eip155:31337","asset":"0xaAaAaAaaAaAaAaaAaAAAAAAAAaaaAaAaAaaAaaAa","to":"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB","amount":"1500"}"#
        );
        assert_eq!(r.reverted().err(), Some(RefundError::Ended));
    }

    #[test]
    fn a_token_order_transfers_through_the_token() {
        let o = order(1500).unwrap();
        assert_eq!(o.refund_asset(), RefundAsset::Token(Address([0xaa; 20])));
        assert_eq!((o.tx_to(), o.tx_value()), (Address([0xaa; 20]), U256::ZERO));
        let mut buf = [0u8; 68];
        let data = o.calldata(&mut buf).unwrap();
        // EIP-20 transfer(address,uint256): selector a9059cbb, the recipient word, the amount word.
        assert_eq!(data.len(), 68);
        assert_eq!(data.get(..4), Some(&[0xa9, 0x05, 0x9c, 0xbb][..]));
        assert_eq!(data.get(16..36), Some(&[0xbb; 20][..]));
        assert_eq!(data.get(66..), Some(&[0x05, 0xdc][..]));
    }

    #[test]
    fn a_native_order_is_a_value_transfer_to_the_payer() {
        let o = RefundOrder::new_in(
            [2; 32],
            Network::Eip155 { chain_id: 8453 },
            RefundAsset::Native,
            Address([0xbb; 20]),
            U256::from_u64(1_000_000_000_000_000),
        )
        .unwrap();
        assert_eq!(o.refund_asset(), RefundAsset::Native);
        assert_eq!(o.tx_to(), Address([0xbb; 20]));
        assert_eq!(o.tx_value(), U256::from_u64(1_000_000_000_000_000));
        assert_eq!(o.asset(), Address([0; 20]));
        let mut buf = [0u8; 68];
        assert_eq!(o.calldata(&mut buf), Ok(&b""[..]));
        // Even an empty buffer holds no calldata.
        assert_eq!(o.calldata(&mut []), Ok(&b""[..]));
        let mut r = Refund::at(o, RefundPhase::Submitted { hash: HASH });
        let result = r.confirmed().unwrap();
        let mut out = [0u8; 512];
        let n = write_all(&mut out, |w| result.write_json(w)).unwrap_or(0);
        assert_eq!(
            core::str::from_utf8(out.get(..n).unwrap_or_default()).unwrap_or_default(),
            r#"{"success":true,"transaction":"0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef","network":"eip155:8453","asset":"native","to":"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB","amount":"1000000000000000"}"#
        );
    }

    #[test]
    fn native_orders_keep_the_order_rules() {
        let native = |amount, network| {
            RefundOrder::new_in(
                [1; 32],
                network,
                RefundAsset::Native,
                Address([0xbb; 20]),
                U256::from_u64(amount),
            )
            .err()
            .map(|e| e.code())
        };
        assert_eq!(
            native(0, Network::Eip155 { chain_id: 1 }),
            Some("refund_amount_zero")
        );
        assert_eq!(
            native(
                1,
                Network::Solana(crate::x402::network::SolanaCluster::Devnet)
            ),
            Some("refund_unsupported_network")
        );
        // One session, one refund key, whatever the asset.
        let a = RefundOrder::for_session_in(
            [3; 16],
            Network::Eip155 { chain_id: 1 },
            RefundAsset::Native,
            Address([0xbb; 20]),
            U256::ONE,
        )
        .unwrap();
        let b = RefundOrder::for_session(
            [3; 16],
            Network::Eip155 { chain_id: 1 },
            Address([0xaa; 20]),
            Address([0xbb; 20]),
            U256::ONE,
        )
        .unwrap();
        assert_eq!(a.key(), b.key());
        assert_eq!(a.key(), RefundOrder::session_key([3; 16]));
    }

    #[test]
    fn pending_keeps_the_hash_and_an_invalid_hash_is_failed() {
        let mut r = Refund::at(order(1).unwrap(), RefundPhase::Submitted { hash: HASH });
        let p = r.receipt_unavailable("timeout").unwrap();
        assert_eq!((p.verdict(), p.transaction), (RefundVerdict::Pending, HASH));
        let mut r = Refund::at(order(1).unwrap(), RefundPhase::Built);
        let f = r.submitted("0x00").unwrap().unwrap();
        assert_eq!(
            (f.verdict(), f.reason),
            (RefundVerdict::Failed, Some(REASON_INVALID_HASH))
        );
    }
}
