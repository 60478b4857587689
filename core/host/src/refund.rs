//! The refund of part of an `exact` payment, owned: the core's
//! [`pay402::x402::refund::RefundOrder`] built from text, the transaction that pays it
//! ([`calldata`]: ERC-20 `transfer` to the token, or nothing for a native-coin value transfer to
//! the payer; `tx_to` and `tx_value` from the core), and the core's outcome machine
//! ([`pay402::x402::refund::Refund`]) with its hash kept between the host's steps (sign, record,
//! send, wait for the receipt), each end as an owned [`RefundResult`].
//!
//! The asset is text: a token's address, or [`NATIVE`] (`"native"`) for the chain's native coin,
//! as the result JSON writes it ([`asset_text`]), so a stored order reads back as it was built.

use crate::HostError;
use crate::evm_settlement::json_of;
use pay402::U256;
use pay402::evm::{Address, erc20};
use pay402::x402::network::Network;
use pay402::x402::refund::{
    Refund, RefundAsset, RefundError, RefundOrder, RefundPhase, RefundResult as CoreResult,
};

/// The asset text of the chain's native coin (ETH): [`RefundAsset::Native`].
pub const NATIVE: &str = "native";

fn address(text: &str, what: &'static str) -> Result<Address, HostError> {
    Address::parse(text.as_bytes()).map_err(|e| {
        HostError::config(
            "invalid_address",
            format!("{what} {text:?} is not an address: {e}"),
        )
    })
}

fn network(text: &str) -> Result<Network, HostError> {
    Network::parse(text).ok_or_else(|| {
        HostError::config(
            "unsupported_network",
            format!("{text:?} is not a known network"),
        )
    })
}

/// The asset of `text`: [`NATIVE`] (`"native"`, exactly) is the native coin, anything else
/// must be the token's address (`invalid_address`).
pub fn refund_asset(text: &str) -> Result<RefundAsset, HostError> {
    if text == NATIVE {
        Ok(RefundAsset::Native)
    } else {
        address(text, "asset").map(RefundAsset::Token)
    }
}

/// The order's asset as text: the token's EIP-55 address, or [`NATIVE`]; [`refund_asset`] reads
/// it back.
pub fn asset_text(order: &RefundOrder) -> String {
    match order.refund_asset() {
        RefundAsset::Token(token) => token.to_checksum(&mut [0u8; 42]).to_owned(),
        RefundAsset::Native => NATIVE.to_owned(),
    }
}

/// The calldata of the transaction paying `order` (to `order.tx_to()`, with value
/// `order.tx_value()`): ERC-20 `transfer(to, amount)` for a token, empty for the native coin.
pub fn calldata(order: &RefundOrder) -> Result<Vec<u8>, HostError> {
    let mut buf = [0u8; erc20::TRANSFER_CALLDATA_LEN];
    let data = order.calldata(&mut buf).map_err(|e| HostError::of(&e))?;
    Ok(data.to_vec())
}

/// The order paying `amount` of `asset` (a token's address, or `"native"` for the chain's native
/// coin) on `network` back to `to` under `key` (32 bytes). Errors: `refund_amount_zero`,
/// `refund_unsupported_network`, `invalid_address`, `unsupported_network`, `invalid_refund_key`.
pub fn order(
    key: &[u8],
    network_id: &str,
    asset: &str,
    to: &str,
    amount: U256,
) -> Result<RefundOrder, HostError> {
    let key: [u8; 32] = key
        .try_into()
        .map_err(|_| HostError::config("invalid_refund_key", "a refund key is 32 bytes"))?;
    RefundOrder::new_in(
        key,
        network(network_id)?,
        refund_asset(asset)?,
        address(to, "to")?,
        amount,
    )
    .map_err(|e| HostError::of(&e))
}

/// The refund order of a WS402 session (16-byte id): the key is
/// [`RefundOrder::session_key`]. Errors as [`order`], and `invalid_session_id`.
#[cfg(feature = "ws402")]
pub fn session_order(
    session_id: &[u8],
    network_id: &str,
    asset: &str,
    to: &str,
    amount: U256,
) -> Result<RefundOrder, HostError> {
    let id: [u8; 16] = session_id
        .try_into()
        .map_err(|_| HostError::config("invalid_session_id", "a session id is 16 bytes"))?;
    order(&RefundOrder::session_key(id), network_id, asset, to, amount)
}

/// ERC-20 `transfer(to, amount)` calldata.
pub fn transfer_calldata(to: &str, amount: U256) -> Result<Vec<u8>, HostError> {
    let mut buf = [0u8; erc20::TRANSFER_CALLDATA_LEN];
    let data = erc20::transfer_calldata(&address(to, "to")?, &amount, &mut buf)
        .map_err(|e| HostError::of(&e))?;
    Ok(data.to_vec())
}

/// The order's network as its CAIP-2 id.
pub fn network_id(order: &RefundOrder) -> String {
    format!("eip155:{}", order.chain_id())
}

/// The end of one refund attempt, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundResult {
    /// The transfer was mined with status success.
    pub success: bool,
    /// `errorReason`: `refund_send_failed`, `refund_invalid_hash`, `refund_reverted`,
    /// `refund_pending`.
    pub error_reason: Option<String>,
    /// `errorMessage`.
    pub error_message: Option<String>,
    /// The hash, `""` when nothing was broadcast.
    pub transaction: String,
    /// `refunded`, `failed` or `pending`.
    pub verdict: &'static str,
    /// The result JSON (with `network`, `asset`, `to`, `amount`).
    pub json: String,
}

impl RefundResult {
    fn of(result: &CoreResult<'_>) -> Result<Self, HostError> {
        Ok(Self {
            success: result.success,
            error_reason: result.reason.map(str::to_owned),
            error_message: result.message.map(|m| m.to_string()),
            transaction: result.transaction.to_owned(),
            verdict: result.verdict().name(),
            json: json_of(result.transaction.len(), |w| result.write_json(w))?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum OwnedPhase {
    Built,
    Submitted(String),
    Ended,
}

/// One refund attempt, from built to its end (see the core's module for the steps).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundStep {
    order: RefundOrder,
    phase: OwnedPhase,
}

impl RefundStep {
    /// A built refund of `order`.
    pub fn new(order: RefundOrder) -> Self {
        Self {
            order,
            phase: OwnedPhase::Built,
        }
    }

    /// A refund already broadcast with `hash` (a record read back after a restart).
    pub fn resume(order: RefundOrder, hash: &str) -> Self {
        Self {
            order,
            phase: OwnedPhase::Submitted(hash.to_owned()),
        }
    }

    /// The order.
    pub fn order(&self) -> &RefundOrder {
        &self.order
    }

    /// `built`, `submitted` or `ended`.
    pub fn phase(&self) -> &'static str {
        match self.phase {
            OwnedPhase::Built => "built",
            OwnedPhase::Submitted(_) => "submitted",
            OwnedPhase::Ended => "ended",
        }
    }

    /// The broadcast hash, once submitted.
    pub fn hash(&self) -> Option<&str> {
        match &self.phase {
            OwnedPhase::Submitted(hash) => Some(hash),
            _ => None,
        }
    }

    fn machine(&self) -> Refund<'_> {
        let phase = match &self.phase {
            OwnedPhase::Built => RefundPhase::Built,
            OwnedPhase::Submitted(hash) => RefundPhase::Submitted { hash },
            OwnedPhase::Ended => RefundPhase::Ended,
        };
        Refund::at(self.order, phase)
    }

    fn owned(phase: RefundPhase<'_>) -> OwnedPhase {
        match phase {
            RefundPhase::Built => OwnedPhase::Built,
            RefundPhase::Submitted { hash } => OwnedPhase::Submitted(hash.to_owned()),
            RefundPhase::Ended => OwnedPhase::Ended,
        }
    }

    /// Before signing: can a sender holding `balance` wei pay the order's transaction with `gas`
    /// at `max_fee_per_gas`? The core decides ([`RefundOrder::sender_covers`]). `None` when the
    /// balance covers it (go on and sign); otherwise the end `refund_send_failed` with both
    /// amounts in its message, and nothing may be signed or sent. Errors: `refund_step_out_of_order` (already broadcast), `refund_ended`.
    pub fn check_balance(
        &mut self,
        balance: U256,
        gas: U256,
        max_fee_per_gas: U256,
    ) -> Result<Option<RefundResult>, HostError> {
        match self.phase {
            OwnedPhase::Built => {}
            OwnedPhase::Submitted(_) => return Err(HostError::of(&RefundError::OutOfOrder)),
            OwnedPhase::Ended => return Err(HostError::of(&RefundError::Ended)),
        }
        if self.order.sender_covers(balance, gas, max_fee_per_gas) {
            return Ok(None);
        }
        let value = self.order.tx_value();
        let cost = self
            .order
            .max_cost(gas, max_fee_per_gas)
            .map_or_else(|| "more than 2^256 − 1".to_owned(), |c| c.to_string());
        let text = format!(
            "insufficient funds: the sender holds {balance} wei, the refund transaction may cost {cost} wei (value {value} + gas {gas} × maxFeePerGas {max_fee_per_gas})"
        );
        self.send_failed(&text).map(Some)
    }

    /// Refused before broadcast (`text`: the revert or the node's error): `refund_send_failed`.
    pub fn send_failed(&mut self, text: &str) -> Result<RefundResult, HostError> {
        let mut m = self.machine();
        let r = own(m.send_failed(text));
        self.phase = Self::owned(m.phase());
        r
    }

    /// Sent with `hash`: `None` when valid (now submitted), else `refund_invalid_hash`.
    pub fn submitted(&mut self, hash: &str) -> Result<Option<RefundResult>, HostError> {
        let mut m = self.machine();
        let r = m
            .submitted(hash)
            .map_err(|e| HostError::of(&e))
            .and_then(|r| r.as_ref().map(RefundResult::of).transpose());
        self.phase = Self::owned(m.phase());
        r
    }

    /// The receipt succeeded: refunded.
    pub fn confirmed(&mut self) -> Result<RefundResult, HostError> {
        let mut m = self.machine();
        let r = own(m.confirmed());
        self.phase = Self::owned(m.phase());
        r
    }

    /// The receipt has status 0: `refund_reverted`, hash kept.
    pub fn reverted(&mut self) -> Result<RefundResult, HostError> {
        let mut m = self.machine();
        let r = own(m.reverted());
        self.phase = Self::owned(m.phase());
        r
    }

    /// No receipt (yet): `refund_pending`, hash kept.
    pub fn receipt_unavailable(&mut self, error: &str) -> Result<RefundResult, HostError> {
        let mut m = self.machine();
        let r = own(m.receipt_unavailable(error));
        self.phase = Self::owned(m.phase());
        r
    }
}

fn own(r: Result<CoreResult<'_>, RefundError>) -> Result<RefundResult, HostError> {
    RefundResult::of(&r.map_err(|e| HostError::of(&e))?)
}
