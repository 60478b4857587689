//! WS402 prepayments proven by an on-chain EVM transaction: the seed's Base clients
//! (WS402 `src/providers/BasePaymentProvider.ts`, `examples/base/public/base-client.html`) read
//! the schema's `paymentDetails`, pay on chain themselves (native ETH `value` to `recipient`, or
//! an ERC-20 `transfer`) and send
//! `{"type":"payment_proof","proof":{"txHash":"0x…","reference":"…","senderAddress":"0x…"}}`.
//!
//! [`ChainProofTerms`] (in [`super::SessionPolicy::chain_proof`]) is what the seller accepts:
//! the chain, the asset, the payee, the least amount and how old and how final the transaction
//! may be. [`write_payment_details`] writes the seed's `paymentDetails` fields for the schema.
//! The session machine ([`super::Session`]) verifies the proof through the host's JSON-RPC node
//! ([`super::Command::Rpc`], [`super::Input::RpcResponse`]) with
//! [`crate::onchain::evm::verify_evm_transaction`].
//!
//! Rules (each one a defect of the seed fixed here, ws402-and-seeds §2.10):
//! - **The amount is what the payee received** in the transaction (the sum of the token's
//!   `Transfer`s to `pay_to`, or the native `value` to it), at least `min_amount`; the seed
//!   accepted any ERC-20 `Transfer` to the merchant, of any amount, and ±1 % of native value.
//! - **The payer is the one the transaction shows**: the `from` of the first counted ERC-20
//!   `Transfer`, or the native transaction's `from`. The refund goes there. The proof's
//!   `senderAddress` and `reference` are never read for money: the seed refunded to
//!   `senderAddress`, so anyone who saw a transaction could claim its refund.
//! - **One transaction, one session**: the replay key is the transaction itself
//!   ([`crate::onchain::TxId::write_key`], `evm:<chain id>:0x<hash>`), reserved before the
//!   session starts and never released. The seed's single-use `reference` was not bound on
//!   chain, so one transaction bought a session per fresh reference.
//! - **Fresh and final**: the block is at most `max_age_secs` old when the proof is checked,
//!   and has `min_confirmations`.
//!
//! What these rules cannot do: a transaction hash proves a payment, not who presents it. Whoever
//! sends a fresh payment's hash first (its payer, or anyone who saw it on chain) gets the session;
//! the refund still goes to the payer. The seed's Base protocol binds nothing of the client into
//! the transaction, so a seller accepting these proofs should give `pay_to` an address that receives
//! nothing else (not the payee of its x402 offers, whose settlements are payments to it too), and
//! prefer x402 prepayments, which the payer signs for the offer.
//!
//! The RPC calls, in order (Ethereum JSON-RPC API): `eth_getTransactionByHash [hash]` (its
//! `blockNumber`: `null` while pending), `eth_getBlockByNumber [<that block>, false]`,
//! `eth_blockNumber []`, `eth_getTransactionReceipt [hash]`. The receipt comes last so that the
//! verification runs over it as received, with nothing of it stored between calls. A
//! transaction not found (or pending), not final yet, or whose receipt names another block than
//! the one fetched (a reorganisation between the calls) is asked for again every
//! [`RPC_RETRY_INTERVAL_MS`] until the proof deadline (the proof's arrival plus
//! [`super::SessionPolicy::proof_timeout_ms`]); then the last refusal is final.

use crate::error::BufferTooSmall;
use crate::evm::Address;
use crate::json::{JsonStr, ObjectWriter, RawValue};
use crate::onchain::evm::{
    EvmAsset, EvmBlock, EvmExpected, EvmProof, EvmReceipt, EvmTransaction, parse_block_number,
    verify_evm_transaction,
};
use crate::onchain::{Accepted, ProofError};
use crate::u256::U256;
use crate::writer::Writer;
use crate::x402::network::Network;
use crate::x402::refund::RefundAsset;
use crate::x402::server::OfferSet;

use super::error::Ws402Error;

/// Milliseconds between two attempts at a transaction not found yet or not final yet.
pub const RPC_RETRY_INTERVAL_MS: u64 = 2_000;

/// Confirmations a chain proof needs unless the seller asks for more: included in a block.
pub const DEFAULT_MIN_CONFIRMATIONS: u64 = 1;

/// The seed's default `paymentTimeout` (WS402 `BasePaymentProvider`), seconds: the oldest block
/// time accepted and the schema's `expiresAt`.
pub const DEFAULT_MAX_AGE_SECS: u64 = 300;

/// What a seller accepts as an on-chain prepayment. The session's balance is what the payee
/// received (at least `min_amount`); the tariff is in this asset's atomic units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChainProofTerms {
    /// The EIP-155 chain id the RPC node serves.
    pub chain_id: u64,
    /// The asset: an ERC-20 token or the native coin.
    pub asset: EvmAsset,
    /// The payee.
    pub pay_to: Address,
    /// The prepayment asked (the schema's `pricing.totalPrice`), in atomic units.
    pub min_amount: U256,
    /// The oldest block time accepted, in seconds before the check (the seed's
    /// `paymentTimeout`: 300 s).
    pub max_age_secs: u64,
    /// Confirmations needed (1: included).
    pub min_confirmations: u64,
}

impl ChainProofTerms {
    /// The network, `eip155:<chain id>`.
    pub const fn network(&self) -> Network {
        Network::Eip155 {
            chain_id: self.chain_id,
        }
    }

    /// The asset a refund of this prepayment pays back in.
    pub const fn refund_asset(&self) -> RefundAsset {
        refund_asset(self.asset)
    }

    fn expected(&self, tx_hash: [u8; 32], now_ms: u64) -> EvmExpected {
        EvmExpected {
            chain_id: self.chain_id,
            tx_hash,
            asset: self.asset,
            pay_to: self.pay_to,
            min_amount: self.min_amount,
            max_age_secs: Some(self.max_age_secs),
            min_confirmations: self.min_confirmations,
            now: now_ms / 1000,
        }
    }
}

/// Refuses chain proof terms whose payee also receives an x402 offer's payments in the same
/// token on the same chain: an x402 settlement (`exact`, or an `upto` final charge) is a
/// `Transfer` of that token to that payee, so its transaction hash, under a replay key of its
/// own, would pass as a second prepayment (and be refunded a second time). Error:
/// `chain_proof_payee_shared`. Native-coin terms never share a payee with an x402 offer (x402
/// offers are tokens); offers on other chains or of other tokens are apart.
///
/// ```
/// use pay402::evm::Address;
/// use pay402::onchain::evm::EvmAsset;
/// use pay402::ws402::{ChainProofTerms, check_payee_apart};
/// use pay402::x402::server::{Offer, OfferScheme, OfferSet};
/// use pay402::{ErrorCode, U256};
/// let usdc = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
/// let mut offers = OfferSet::<1>::new();
/// offers.push(Offer {
///     scheme: OfferScheme::ExactEip3009 { name: "USDC", version: "2" },
///     network: "eip155:84532",
///     asset: usdc,
///     amount: U256::from_u64(10_000),
///     pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
///     max_timeout_seconds: 60,
/// }).unwrap();
/// let mut terms = ChainProofTerms {
///     chain_id: 84532,
///     asset: EvmAsset::Token(Address::parse(usdc.as_bytes()).unwrap()),
///     pay_to: Address::parse(b"0x209693bc6afc0c5328ba36faf03c514ef312287c").unwrap(),
///     min_amount: U256::from_u64(10_000),
///     max_age_secs: 300,
///     min_confirmations: 1,
/// };
/// assert_eq!(check_payee_apart(&offers, &terms).unwrap_err().code(), "chain_proof_payee_shared");
/// terms.pay_to = Address::parse(b"0x00000000000000000000000000000000000000aa").unwrap();
/// assert!(check_payee_apart(&offers, &terms).is_ok());
/// ```
pub fn check_payee_apart<const N: usize>(
    offers: &OfferSet<'_, N>,
    terms: &ChainProofTerms,
) -> Result<(), Ws402Error> {
    let EvmAsset::Token(token) = terms.asset else {
        return Ok(());
    };
    let shared = offers.iter().any(|o| {
        let offer = o.offer();
        o.network() == terms.network()
            && Address::parse(offer.asset.as_bytes()).is_ok_and(|a| a == token)
            && Address::parse(offer.pay_to.as_bytes()).is_ok_and(|a| a == terms.pay_to)
    });
    if shared {
        return Err(Ws402Error::ChainProofPayeeShared);
    }
    Ok(())
}

/// The refund asset of a paid [`EvmAsset`].
pub const fn refund_asset(asset: EvmAsset) -> RefundAsset {
    match asset {
        EvmAsset::Token(token) => RefundAsset::Token(token),
        EvmAsset::Native => RefundAsset::Native,
    }
}

/// The seed's `network` name: `base` (8453), `base-sepolia` (84532), else `eip155:<id>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedNetwork(pub u64);

impl core::fmt::Display for SeedNetwork {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            8453 => f.write_str("base"),
            84532 => f.write_str("base-sepolia"),
            id => write!(f, "eip155:{id}"),
        }
    }
}

/// The seed's `reference`, `base_<ms>_<9 base36 characters>` (WS402 `BasePaymentProvider`:
/// `` `base_${Date.now()}_${Math.random().toString(36).substr(2, 9)}` ``), the characters from
/// `random` (8 bytes from the host, read big-endian, modulo 36⁹, as 9 base-36 digits,
/// zero-padded). Informational only: the server never reads a reference back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedReference {
    /// Unix time, milliseconds.
    pub now_ms: u64,
    /// 8 random bytes.
    pub random: [u8; 8],
}

impl core::fmt::Display for SeedReference {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
        let mut n = u64::from_be_bytes(self.random) % 36u64.pow(9);
        let mut out = [b'0'; 9];
        for slot in out.iter_mut().rev() {
            *slot = usize::try_from(n % 36)
                .ok()
                .and_then(|i| DIGITS.get(i))
                .copied()
                .unwrap_or(b'0');
            n /= 36;
        }
        write!(
            f,
            "base_{}_{}",
            self.now_ms,
            core::str::from_utf8(&out).unwrap_or_default()
        )
    }
}

/// `wei / 10^18` as decimal text, as ethers' `formatEther` writes it: the integer part, a
/// point, the fraction without trailing zeros (at least one digit): `1000000000000000` →
/// `0.001`, `10^18` → `1.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ether(pub U256);

impl core::fmt::Display for Ether {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // 2^256 has 78 decimal digits.
        let mut buf = [0u8; 80];
        let mut w = Writer::new(&mut buf);
        self.0.write_decimal(&mut w).map_err(|_| core::fmt::Error)?;
        let digits = w.written();
        let mut padded = [b'0'; 80];
        // At least 19 digits, so there is always an integer digit.
        let len = digits.len().max(19);
        let start = len - digits.len();
        padded
            .get_mut(start..len)
            .ok_or(core::fmt::Error)?
            .copy_from_slice(digits);
        let (int, frac) = padded.get(..len).unwrap_or_default().split_at(len - 18);
        let mut frac_len = frac.len();
        while frac_len > 1 && frac.get(frac_len - 1) == Some(&b'0') {
            frac_len -= 1;
        }
        f.write_str(text(int)?)?;
        f.write_str(".")?;
        f.write_str(text(frac.get(..frac_len).unwrap_or_default())?)
    }
}

fn text(b: &[u8]) -> Result<&str, core::fmt::Error> {
    core::str::from_utf8(b).map_err(|_| core::fmt::Error)
}

/// Writes the schema's `paymentDetails` with the seed's fields: the members of `base` first
/// (the x402 `PaymentRequired` object when the server also sells with x402 offers; members the
/// seed fields name are left out of it), then `type: "base"`, `network` ([`SeedNetwork`]),
/// `chainId`, `recipient` (EIP-55), `amount` and `amountWei` (the price in atomic units,
/// decimal: a JSON number up to 2⁵³ − 1, a string above), `amountETH` (native only, [`Ether`]),
/// `currency` (`"ETH"` or `"ERC20"`), `tokenAddress` (tokens only, EIP-55), `reference`
/// ([`SeedReference`] of `now_ms` and `reference_random`) and `expiresAt` (`now_ms` plus
/// `max_age_secs`, milliseconds). A `base` that is not an object is left out.
///
/// ```
/// use pay402::U256;
/// use pay402::evm::Address;
/// use pay402::onchain::evm::EvmAsset;
/// use pay402::writer::write_all;
/// use pay402::ws402::{ChainProofTerms, write_payment_details};
/// let terms = ChainProofTerms {
///     chain_id: 84532,
///     asset: EvmAsset::Native,
///     pay_to: Address::parse(b"0x209693Bc6afc0C5328bA36FaF03C514EF312287C")?,
///     min_amount: U256::from_u64(1_000_000_000_000_000),
///     max_age_secs: 300,
///     min_confirmations: 1,
/// };
/// let mut out = [0u8; 512];
/// let n = write_all(&mut out, |w| write_payment_details(&terms, None, 1_731_300_000_000, [0; 8], w))?;
/// assert_eq!(
///     core::str::from_utf8(&out[..n])?,
///     r#"{"type":"base","network":"base-sepolia","chainId":84532,"recipient":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","amount":1000000000000000,"amountWei":1000000000000000,"amountETH":"0.001","currency":"ETH","reference":"base_1731300000000_000000000","expiresAt":1731300300000}"#
/// );
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
pub fn write_payment_details(
    terms: &ChainProofTerms,
    base: Option<RawValue<'_>>,
    now_ms: u64,
    reference_random: [u8; 8],
    w: &mut Writer<'_>,
) -> Result<(), BufferTooSmall> {
    const SEED_FIELDS: [&str; 11] = [
        "type",
        "network",
        "chainId",
        "recipient",
        "amount",
        "amountWei",
        "amountETH",
        "currency",
        "tokenAddress",
        "reference",
        "expiresAt",
    ];
    let mut o = ObjectWriter::begin(w)?;
    if let Some(members) = base.and_then(|b| b.members()) {
        for (key, value) in members {
            if SEED_FIELDS.iter().any(|name| key.eq_str(name)) {
                continue;
            }
            let mut buf = [0u8; 256];
            // A key longer than 256 bytes is not an x402 member: left out.
            if let Ok(k) = key.unescape_into(&mut buf) {
                o.field_raw(k, &value)?;
            }
        }
    }
    let amount = |w: &mut Writer<'_>| {
        let safe = terms.min_amount <= U256::from_u64(super::MAX_SAFE_JSON_INTEGER);
        if !safe {
            w.push_byte(b'"')?;
        }
        terms.min_amount.write_decimal(w)?;
        if !safe {
            w.push_byte(b'"')?;
        }
        Ok(())
    };
    o.field_str("type", "base")?;
    o.field_display("network", &SeedNetwork(terms.chain_id))?;
    o.field_u64("chainId", terms.chain_id)?;
    let mut addr = [0u8; 42];
    o.field_str("recipient", terms.pay_to.to_checksum(&mut addr))?;
    o.field_with("amount", amount)?;
    o.field_with("amountWei", amount)?;
    match terms.asset {
        EvmAsset::Native => {
            o.field_display("amountETH", &Ether(terms.min_amount))?;
            o.field_str("currency", "ETH")?;
        }
        EvmAsset::Token(token) => {
            o.field_str("currency", "ERC20")?;
            o.field_str("tokenAddress", token.to_checksum(&mut addr))?;
        }
    }
    o.field_display(
        "reference",
        &SeedReference {
            now_ms,
            random: reference_random,
        },
    )?;
    o.field_u64(
        "expiresAt",
        now_ms.saturating_add(terms.max_age_secs.saturating_mul(1000)),
    )?;
    o.end()
}

/// The transaction hash of an object `proof` (`txHash`: `0x` and 64 hex digits, either case);
/// `None` for anything else. `reference` and `senderAddress` are not read.
pub(crate) fn proof_tx_hash(proof: &RawValue<'_>) -> Option<[u8; 32]> {
    let hash: JsonStr<'_> = proof.get("txHash")?.as_str()?;
    let mut buf = [0u8; 66];
    let text = hash.unescape_into(&mut buf).ok()?;
    let hex = text.as_bytes().strip_prefix(b"0x")?;
    if hex.len() != 64 {
        return None;
    }
    crate::hex::decode_array::<32>(hex).ok()
}

/// Which JSON-RPC call a [`ChainCheck`] waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Transaction,
    Block,
    Head,
    Receipt,
}

/// What a [`ChainCheck`] needs next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Progress {
    /// Ask the RPC node ([`ChainCheck::method`], [`ChainCheck::write_params`]).
    Ask,
    /// Wait for the timer at this instant, then ask again from the start.
    Wait(u64),
    /// The proof is accepted.
    Accepted(Accepted),
    /// The proof is refused for good.
    Refused(ProofError),
    /// The RPC node did not answer, answered an `error` or an unreadable body.
    RpcFailed,
}

/// The verification of one transaction hash over JSON-RPC answers: the calls in order, the
/// retries and their deadline. Holds the parsed transaction, block and head between calls
/// (all `Copy`), never an RPC body.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChainCheck {
    hash: [u8; 32],
    step: Step,
    asking: bool,
    tx: Option<EvmTransaction>,
    block: Option<EvmBlock>,
    head: u64,
    retry_at: Option<u64>,
    deadline_ms: u64,
    last: ProofError,
}

impl ChainCheck {
    /// A check of `hash` that gives up retrying at `deadline_ms`; ask first.
    pub(crate) fn new(hash: [u8; 32], deadline_ms: u64) -> Self {
        Self {
            hash,
            step: Step::Transaction,
            asking: true,
            tx: None,
            block: None,
            head: 0,
            retry_at: None,
            deadline_ms,
            last: ProofError::NotFound,
        }
    }

    /// `true` while an RPC answer is awaited.
    pub(crate) fn asking(&self) -> bool {
        self.asking
    }

    /// The awaited answer will not be read (the session ended meanwhile).
    pub(crate) fn ignore_answer(&mut self) {
        self.asking = false;
    }

    /// When the timer must fire (a retry is waiting).
    pub(crate) fn timeout(&self) -> Option<u64> {
        self.retry_at
    }

    /// The JSON-RPC method of the call awaited.
    pub(crate) fn method(&self) -> &'static str {
        match self.step {
            Step::Transaction => "eth_getTransactionByHash",
            Step::Block => "eth_getBlockByNumber",
            Step::Head => "eth_blockNumber",
            Step::Receipt => "eth_getTransactionReceipt",
        }
    }

    /// Writes the call's `params` (a JSON array).
    pub(crate) fn write_params(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        use core::fmt::Write as _;
        match self.step {
            Step::Transaction | Step::Receipt => {
                w.push(b"[\"")?;
                crate::hex::write_0x_lower(w, &self.hash)?;
                w.push(b"\"]")
            }
            Step::Block => {
                let number = self.tx.and_then(|t| t.block_number).unwrap_or(0);
                write!(w, "[\"{number:#x}\",false]").map_err(|_| BufferTooSmall)
            }
            Step::Head => w.push(b"[]"),
        }
    }

    /// The timer fired at `now`: `Ask` when a retry is due, `Refused` with the last refusal
    /// at the deadline, `None` otherwise.
    pub(crate) fn timer(&mut self, now: u64) -> Option<Progress> {
        let at = self.retry_at?;
        if now >= self.deadline_ms {
            self.retry_at = None;
            return Some(Progress::Refused(self.last));
        }
        if now < at {
            return None;
        }
        self.retry_at = None;
        self.step = Step::Transaction;
        self.asking = true;
        Some(Progress::Ask)
    }

    /// The RPC answer (`None`: the call failed) to the call awaited, at `now`.
    pub(crate) fn answer(
        &mut self,
        terms: &ChainProofTerms,
        now: u64,
        body: Option<&[u8]>,
    ) -> Progress {
        self.asking = false;
        let Some(result) = body.and_then(rpc_result) else {
            return Progress::RpcFailed;
        };
        let result = result.as_text().as_bytes();
        let step = match self.step {
            Step::Transaction => EvmTransaction::parse(result).and_then(|tx| {
                // A pending transaction is not in a block yet: not found, retry.
                tx.block_number.ok_or(ProofError::NotFound)?;
                self.tx = Some(tx);
                Ok(Step::Block)
            }),
            // A node behind the one that found the transaction may not have its block yet.
            Step::Block if result == b"null" => Err(ProofError::NotFound),
            Step::Block => EvmBlock::parse(result).map(|block| {
                self.block = Some(block);
                Step::Head
            }),
            Step::Head => parse_block_number(result).map(|head| {
                self.head = head;
                Step::Receipt
            }),
            Step::Receipt => {
                return match self.verify(terms, now, result) {
                    Ok(accepted) => Progress::Accepted(accepted),
                    Err(e) => self.refused(now, e),
                };
            }
        };
        match step {
            Ok(next) => {
                self.step = next;
                self.asking = true;
                Progress::Ask
            }
            Err(e) => self.refused(now, e),
        }
    }

    fn verify(
        &self,
        terms: &ChainProofTerms,
        now: u64,
        receipt: &[u8],
    ) -> Result<Accepted, ProofError> {
        let receipt = EvmReceipt::parse(receipt)?;
        let block = self.block.ok_or(ProofError::NotFound)?;
        let proof = EvmProof {
            receipt,
            block,
            head: self.head,
            transaction: self.tx,
        };
        verify_evm_transaction(&proof, &terms.expected(self.hash, now))
    }

    /// A refusal at `now`: not found, not final, and a receipt in another block than the one
    /// fetched (a reorganisation between the calls) wait for a retry until the deadline.
    fn refused(&mut self, now: u64, error: ProofError) -> Progress {
        self.last = error;
        let retryable = matches!(
            error,
            ProofError::NotFound | ProofError::NotFinal | ProofError::Mismatch("block")
        );
        if !retryable || now >= self.deadline_ms {
            return Progress::Refused(error);
        }
        let at = now
            .saturating_add(RPC_RETRY_INTERVAL_MS)
            .min(self.deadline_ms);
        self.retry_at = Some(at);
        Progress::Wait(at)
    }
}

/// The `result` of a JSON-RPC 2.0 response body; `None` for a body that is not a JSON object,
/// has a non-null `error` member, or has no `result` member (JSON-RPC 2.0 §5: exactly one of
/// them; some servers add `"error": null` beside a result).
pub(crate) fn rpc_result(body: &[u8]) -> Option<RawValue<'_>> {
    let value = RawValue::parse(body).ok()?;
    value.members()?;
    if value.get("error").is_some_and(|e| !e.is_null()) {
        return None;
    }
    value.get("result")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: impl core::fmt::Display) -> heapless::String<128> {
        use core::fmt::Write as _;
        let mut s = heapless::String::new();
        let _ = write!(s, "{v}");
        s
    }

    #[test]
    fn ether_is_written_as_format_ether_writes_it() {
        // ethers v6 formatEther: "0.0", "0.000000000000000001", "1.0", "1.5", "0.001".
        assert_eq!(text(Ether(U256::ZERO)), "0.0");
        assert_eq!(text(Ether(U256::ONE)), "0.000000000000000001");
        assert_eq!(
            text(Ether(U256::from_u64(1_000_000_000_000_000_000))),
            "1.0"
        );
        assert_eq!(
            text(Ether(U256::from_u64(1_500_000_000_000_000_000))),
            "1.5"
        );
        assert_eq!(text(Ether(U256::from_u64(1_000_000_000_000_000))), "0.001");
        assert_eq!(
            text(Ether(U256::from_u64(12_345_000_000_000_000_000))),
            "12.345"
        );
    }

    #[test]
    fn the_reference_has_the_seeds_shape() {
        // 36^9 = 101559956668416; u64::MAX mod 36^9 = 18446744073709551615 mod 101559956668416.
        let r = text(SeedReference {
            now_ms: 1_731_300_000_000,
            random: [0xff; 8],
        });
        // Python: n = (2**64 - 1) % 36**9; base36(n) zero-padded to 9.
        assert_eq!(r.len(), "base_1731300000000_".len() + 9);
        assert!(r.starts_with("base_1731300000000_"));
        assert_eq!(
            text(SeedReference {
                now_ms: 5,
                random: [0, 0, 0, 0, 0, 0, 0, 35]
            }),
            "base_5_00000000z"
        );
        assert_eq!(
            text(SeedReference {
                now_ms: 5,
                random: [0, 0, 0, 0, 0, 0, 0, 36]
            }),
            "base_5_000000010"
        );
    }

    #[test]
    fn seed_networks() {
        assert_eq!(text(SeedNetwork(8453)), "base");
        assert_eq!(text(SeedNetwork(84532)), "base-sepolia");
        assert_eq!(text(SeedNetwork(31337)), "eip155:31337");
    }

    #[test]
    fn rpc_results_are_read_from_the_response_body() {
        let ok = br#"{"jsonrpc":"2.0","id":1,"result":"0x10"}"#;
        assert_eq!(rpc_result(ok).map(|r| r.as_text()), Some(r#""0x10""#));
        let null = br#"{"jsonrpc":"2.0","id":1,"result":null}"#;
        assert_eq!(rpc_result(null).map(|r| r.as_text()), Some("null"));
        let error = br#"{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"x"}}"#;
        assert!(rpc_result(error).is_none());
        assert!(rpc_result(b"not json").is_none());
        assert!(rpc_result(br#"{"jsonrpc":"2.0","id":1}"#).is_none());
        assert!(rpc_result(br#"["0x10"]"#).is_none());
    }

    #[test]
    fn tx_hashes_are_0x_and_64_hex_digits() {
        let hash = |proof: &[u8]| proof_tx_hash(&RawValue::parse(proof).unwrap());
        assert_eq!(
            hash(br#"{"txHash":"0xABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB"}"#),
            Some([0xab; 32])
        );
        assert_eq!(hash(br#"{"txHash":"0xabab"}"#), None);
        assert_eq!(hash(br#"{"signature":"5abc"}"#), None);
        assert_eq!(hash(br#"{"txHash":12}"#), None);
        assert_eq!(
            hash(
                br#"{"txHash":"abababababababababababababababababababababababababababababababab"}"#
            ),
            None
        );
    }
}
