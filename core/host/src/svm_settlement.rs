//! The facilitator's settlement of one Solana payment, owned: the core's
//! [`pay402::x402::svm_settlement::SvmSettlement`] with its text kept between the host's steps
//! (simulate, check the duplicate cache, send, poll the status), and each end as an owned
//! [`SettleResult`] (the same owned response as EVM's, `amount` always `None`).

use crate::HostError;
use crate::evm_settlement::{SettleResult, json_of, verdict_name};
use pay402::x402::evm_settlement::SettlementStepError;
use pay402::x402::svm_settlement::{Phase, SettlementResult, SvmSettlement};

fn owned(result: &SettlementResult<'_>) -> Result<SettleResult, HostError> {
    Ok(SettleResult {
        success: result.success,
        error_reason: result.error_reason.map(str::to_owned),
        error_message: result.error_message.map(|m| m.to_string()),
        transaction: result.transaction.to_owned(),
        network: result.network.to_owned(),
        payer: result.payer.to_owned(),
        amount: None,
        verdict: verdict_name(result.verdict()),
        json: json_of(
            result.transaction.len() + result.network.len() + result.payer.len(),
            |w| result.write_json(w),
        )?,
    })
}

/// One Solana settlement, from built to its end (see the core's module for the steps and
/// results).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    network: String,
    payer: String,
    /// `None`: built; `Some(signature)`: submitted; the end is `ended`.
    signature: Option<String>,
    ended: bool,
}

impl Settlement {
    /// A built settlement of a payment by `payer` on `network`.
    pub fn new(network: &str, payer: &str) -> Self {
        Self {
            network: network.to_owned(),
            payer: payer.to_owned(),
            signature: None,
            ended: false,
        }
    }

    /// `built`, `submitted` or `ended`.
    pub fn phase(&self) -> &'static str {
        match (self.ended, &self.signature) {
            (true, _) => "ended",
            (false, Some(_)) => "submitted",
            (false, None) => "built",
        }
    }

    /// The transaction id, once submitted.
    pub fn signature(&self) -> Option<&str> {
        match (self.ended, &self.signature) {
            (false, Some(signature)) => Some(signature),
            _ => None,
        }
    }

    fn step(
        &mut self,
        arg: &str,
        extra: Option<&str>,
        f: impl for<'s> FnOnce(
            &mut SvmSettlement<'s>,
            &'s str,
            Option<&'s str>,
        ) -> Result<Option<SettlementResult<'s>>, SettlementStepError>,
    ) -> Result<Option<SettleResult>, HostError> {
        let (r, ended, signature) = {
            let phase = match (self.ended, &self.signature) {
                (true, _) => Phase::Ended,
                (false, Some(signature)) => Phase::Submitted { signature },
                (false, None) => Phase::Built,
            };
            let mut m = SvmSettlement::at(&self.network, &self.payer, phase);
            let r = f(&mut m, arg, extra).map_err(|e| HostError::of(&e))?;
            let r = r.as_ref().map(owned).transpose()?;
            match m.phase() {
                Phase::Built => (r, false, None),
                Phase::Submitted { signature } => (r, false, Some(signature.to_owned())),
                Phase::Ended => (r, true, None),
            }
        };
        self.ended = ended;
        if signature.is_some() {
            self.signature = signature;
        }
        Ok(r)
    }

    /// Refused before sending with `reason` (a verification verdict) and an optional
    /// `message`; `transaction` is `""`.
    pub fn refused(
        &mut self,
        reason: &str,
        message: Option<&str>,
    ) -> Result<SettleResult, HostError> {
        ended(self.step(reason, message, |m, reason, message| {
            m.refused(reason, message).map(Some)
        }))
    }

    /// `simulateTransaction` answered `value.err` (its JSON).
    pub fn simulation_failed(&mut self, err_json: &str) -> Result<SettleResult, HostError> {
        ended(self.step(err_json, None, |m, e, _| m.simulation_failed(e).map(Some)))
    }

    /// `simulateTransaction` failed (an RPC error).
    pub fn simulation_error(&mut self, message: &str) -> Result<SettleResult, HostError> {
        ended(self.step(message, None, |m, e, _| m.simulation_error(e).map(Some)))
    }

    /// The duplicate-settlement cache already holds the transaction.
    pub fn duplicate(&mut self) -> Result<SettleResult, HostError> {
        ended(self.step("", None, |m, _, _| m.duplicate().map(Some)))
    }

    /// `sendTransaction` was refused.
    pub fn send_failed(&mut self, message: &str) -> Result<SettleResult, HostError> {
        ended(self.step(message, None, |m, e, _| m.send_failed(e).map(Some)))
    }

    /// Sent with `signature`: `None` when it is a transaction id (now submitted), the terminal
    /// result when it is not.
    pub fn submitted(&mut self, signature: &str) -> Result<Option<SettleResult>, HostError> {
        self.step(signature, None, |m, s, _| m.submitted(s))
    }

    /// Confirmed without an error: settled.
    pub fn confirmed(&mut self) -> Result<SettleResult, HostError> {
        ended(self.step("", None, |m, _, _| m.confirmed().map(Some)))
    }

    /// Landed with an error (the JSON of the status's `err`).
    pub fn failed(&mut self, err_json: &str) -> Result<SettleResult, HostError> {
        ended(self.step(err_json, None, |m, e, _| m.failed(e).map(Some)))
    }

    /// Not confirmed in time: `settlement_pending` with the signature.
    pub fn confirmation_timeout(&mut self, message: &str) -> Result<SettleResult, HostError> {
        ended(self.step(message, None, |m, e, _| m.confirmation_timeout(e).map(Some)))
    }
}

/// A step that always ends the settlement.
fn ended(r: Result<Option<SettleResult>, HostError>) -> Result<SettleResult, HostError> {
    r?.ok_or_else(|| {
        HostError::config(
            "settlement_not_ended",
            "the step did not end the settlement",
        )
    })
}
