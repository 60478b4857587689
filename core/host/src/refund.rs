//! The refund of part of an `exact` payment, owned: the core's
//! [`pay402::x402::refund::RefundOrder`] built from text, its ERC-20 `transfer` calldata, and
//! the core's outcome machine ([`pay402::x402::refund::Refund`]) with its hash kept between the
//! host's steps (sign, record, send, wait for the receipt), each end as an owned
//! [`RefundResult`].

use crate::HostError;
use crate::evm_settlement::json_of;
use pay402::U256;
use pay402::evm::{Address, erc20};
use pay402::x402::network::Network;
use pay402::x402::refund::{
    Refund, RefundError, RefundOrder, RefundPhase, RefundResult as CoreResult,
};

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

/// The order paying `amount` of `asset` on `network` back to `to` under `key` (32 bytes).
/// Errors: `refund_amount_zero`, `refund_unsupported_network`, `invalid_address`,
/// `unsupported_network`, `invalid_refund_key`.
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
    RefundOrder::new(
        key,
        network(network_id)?,
        address(asset, "asset")?,
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
