//! The facilitator's settlement of one EVM payment, owned: the core's
//! [`pay402::x402::evm_settlement::EvmSettlement`] with its text kept between the host's steps
//! (sign, send, wait for the receipt), and each end as an owned [`SettleResult`].

use crate::HostError;
use pay402::BufferTooSmall;
use pay402::U256;
use pay402::writer::{Writer, write_all};
use pay402::x402::evm_settlement::{
    EvmSettlement, Phase, SettleMethod, SettlementResult, SettlementStepError,
};
use pay402::x402::server::SettleVerdict;

/// A `SettleResponse` the facilitator answers, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettleResult {
    /// `success`.
    pub success: bool,
    /// `errorReason`.
    pub error_reason: Option<String>,
    /// `errorMessage`.
    pub error_message: Option<String>,
    /// `transaction` (`""` when nothing was broadcast).
    pub transaction: String,
    /// `network`.
    pub network: String,
    /// `payer`.
    pub payer: String,
    /// `amount` (`upto`, on success).
    pub amount: Option<U256>,
    /// What the resource server does: `settled`, `refused` or `pending` (settle once more).
    pub verdict: &'static str,
    /// The `SettleResponse` JSON.
    pub json: String,
}

impl SettleResult {
    fn of(result: &SettlementResult<'_>) -> Result<Self, HostError> {
        Ok(Self {
            success: result.success,
            error_reason: result.error_reason.map(str::to_owned),
            error_message: result.error_message.map(|m| m.to_string()),
            transaction: result.transaction.to_owned(),
            network: result.network.to_owned(),
            payer: result.payer.to_owned(),
            amount: result.amount,
            verdict: verdict_name(result.verdict()),
            json: json_of(result.transaction.len() + result.network.len(), |w| {
                result.write_json(w)
            })?,
        })
    }
}

/// `settled`, `refused` or `pending`.
pub(crate) const fn verdict_name(verdict: SettleVerdict) -> &'static str {
    match verdict {
        SettleVerdict::Settled => "settled",
        SettleVerdict::Refused => "refused",
        SettleVerdict::Pending => "pending",
    }
}

/// The JSON `write` produces, in a buffer grown until it fits; `hint` is the length of the
/// longest texts it copies.
pub(crate) fn json_of(
    hint: usize,
    write: impl Fn(&mut Writer<'_>) -> Result<(), BufferTooSmall>,
) -> Result<String, HostError> {
    let mut size = 512 + 6 * (hint + 1024);
    loop {
        let mut buf = vec![0u8; size];
        match write_all(&mut buf, |w| write(w)) {
            Ok(n) => {
                buf.truncate(n);
                return String::from_utf8(buf).map_err(|_| {
                    HostError::config("invalid_utf8", "the core wrote invalid UTF-8")
                });
            }
            Err(_) if size < 1 << 20 => size *= 2,
            Err(e) => return Err(HostError::of(&e)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum OwnedPhase {
    Built,
    Submitted(String),
    Ended,
}

impl OwnedPhase {
    fn of(phase: Phase<'_>) -> Self {
        match phase {
            Phase::Built => Self::Built,
            Phase::Submitted { hash } => Self::Submitted(hash.to_owned()),
            Phase::Ended => Self::Ended,
        }
    }
}

/// One settlement, from built to its end (see the core's module for the steps and results).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    network: String,
    payer: String,
    method: SettleMethod,
    amount: Option<U256>,
    phase: OwnedPhase,
}

impl Settlement {
    /// A built settlement of a payment by `payer` on `network` by `method` (`eip3009` or
    /// `permit2`); `amount` is the `upto` charge. Error: `invalid_settle_method`.
    pub fn new(
        network: &str,
        payer: &str,
        method: &str,
        amount: Option<U256>,
    ) -> Result<Self, HostError> {
        let method = SettleMethod::from_name(method).ok_or_else(|| {
            HostError::config(
                "invalid_settle_method",
                format!("settle method {method:?} is not \"eip3009\" or \"permit2\""),
            )
        })?;
        Ok(Self {
            network: network.to_owned(),
            payer: payer.to_owned(),
            method,
            amount,
            phase: OwnedPhase::Built,
        })
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

    fn machine(&self) -> EvmSettlement<'_> {
        let phase = match &self.phase {
            OwnedPhase::Built => Phase::Built,
            OwnedPhase::Submitted(hash) => Phase::Submitted { hash },
            OwnedPhase::Ended => Phase::Ended,
        };
        EvmSettlement::at(&self.network, &self.payer, self.method, self.amount, phase)
    }

    /// The end without a transaction (an `upto` charge of zero: success, `transaction` `""`,
    /// `amount` `0`), or `None` when the settlement needs its transaction (still built).
    pub fn without_transaction(&mut self) -> Result<Option<SettleResult>, HostError> {
        let mut m = self.machine();
        let r = own(m.without_transaction());
        self.phase = OwnedPhase::of(m.phase());
        r
    }

    /// Refused before broadcast with `reason` (a verification verdict) and an optional
    /// `message`; `transaction` is `""`.
    pub fn refused(
        &mut self,
        reason: &str,
        message: Option<&str>,
    ) -> Result<SettleResult, HostError> {
        let mut m = self.machine();
        let r = own(m.refused(reason, message).map(Some));
        self.phase = OwnedPhase::of(m.phase());
        ended(r)
    }

    /// Sending reverted with `revert_text` (EIP-3009: the reason from the text).
    pub fn transfer_reverted(&mut self, revert_text: &str) -> Result<SettleResult, HostError> {
        let mut m = self.machine();
        let r = own(m.transfer_reverted(revert_text).map(Some));
        self.phase = OwnedPhase::of(m.phase());
        ended(r)
    }

    /// Sent with `hash`: `None` when the hash is valid (now submitted), the terminal result
    /// when it is not.
    pub fn submitted(&mut self, hash: &str) -> Result<Option<SettleResult>, HostError> {
        let mut m = self.machine();
        let r = own(m.submitted(hash));
        self.phase = OwnedPhase::of(m.phase());
        r
    }

    /// The receipt succeeded: settled.
    pub fn confirmed(&mut self) -> Result<SettleResult, HostError> {
        let mut m = self.machine();
        let r = own(m.confirmed().map(Some));
        self.phase = OwnedPhase::of(m.phase());
        ended(r)
    }

    /// The receipt has status 0: terminal failure, hash kept.
    pub fn reverted(&mut self) -> Result<SettleResult, HostError> {
        let mut m = self.machine();
        let r = own(m.reverted().map(Some));
        self.phase = OwnedPhase::of(m.phase());
        ended(r)
    }

    /// No receipt (timeout, RPC error): `settlement_pending` with the hash.
    pub fn receipt_unavailable(&mut self, error: &str) -> Result<SettleResult, HostError> {
        let mut m = self.machine();
        let r = own(m.receipt_unavailable(error).map(Some));
        self.phase = OwnedPhase::of(m.phase());
        ended(r)
    }
}

fn own(
    r: Result<Option<SettlementResult<'_>>, SettlementStepError>,
) -> Result<Option<SettleResult>, HostError> {
    r.map_err(|e| HostError::of(&e))?
        .as_ref()
        .map(SettleResult::of)
        .transpose()
}

/// A step that always ends the settlement (the core returns a result or an error).
fn ended(r: Result<Option<SettleResult>, HostError>) -> Result<SettleResult, HostError> {
    r?.ok_or_else(|| {
        HostError::config(
            "settlement_not_ended",
            "the step did not end the settlement",
        )
    })
}
