//! The facilitator's settlement of one Solana `exact` payment, sans I/O: built → submitted
//! (signature) → confirmed | failed | pending, and the `SettleResponse` each end produces, with
//! the reference facilitator's reasons and strings. The Solana twin of
//! [`super::evm_settlement`].
//!
//! ```text
//! Built --refused(reason, message)--------------------> failure, transaction ""          (terminal)
//!   |---simulation_failed(err) / simulation_error(msg) -> simulation failed, ""          (terminal)
//!   |---duplicate()-----------------------------------> duplicate_settlement, ""         (terminal)
//!   |---send_failed(message)--------------------------> transaction_failed, ""           (terminal)
//!   `--submitted(signature)--+-- invalid signature ---> transaction_failed, ""           (terminal)
//!                            `-> Submitted --confirmed-> success, transaction = signature (terminal)
//!                                          |-failed(err)-> transaction_failed, ""        (terminal)
//!                                          `-confirmation_timeout(message)
//!                                               ------> settlement_pending, transaction = signature
//! ```
//!
//! Each step consumes the state, so a settlement cannot be confirmed before it was submitted
//! or ended twice. The host does the I/O in the reference's order: the offline checks
//! ([`super::Verifier`]), co-signing ([`crate::svm::cosign::cosign_fee_payer`]),
//! `simulateTransaction`, the duplicate-settlement cache, `sendTransaction`, then
//! `getSignatureStatuses` polled until the transaction is confirmed, and reports each step here.
//!
//! The reference (`@x402/svm`, <https://github.com/coinbase/x402>):
//! `typescript/packages/mechanisms/svm/src/exact/facilitator/scheme.ts` (`settle`: a
//! verification failure keeps its reason with `transaction` `""`; a cache hit is
//! `duplicate_settlement` with `""`; any error while sending or confirming is
//! `transaction_failed` with `""`; success reports the signature),
//! `typescript/packages/mechanisms/svm/src/signer.ts` (`simulateTransaction`: `value.err` becomes
//! `Simulation failed: <JSON of err>`; `confirmTransaction`: `getSignatureStatuses` every second,
//! at most 30 times, until `confirmed` or `finalized`, else `Transaction confirmation timeout`)
//! and `typescript/packages/mechanisms/svm/src/settlement-cache.ts` with
//! `typescript/packages/mechanisms/svm/src/constants.ts` (`SETTLEMENT_TTL_MS`). Later revisions
//! of the reference name the simulation failure `invalid_exact_svm_transaction_simulation_failed`
//! (`exact/facilitator/errors.ts`, which must equal Go's `go/mechanisms/svm/exact/facilitator/errors.go`)
//! and answer a confirmation timeout after a successful send with the non-terminal
//! `settlement_pending` carrying the signature; both are followed here. The resource server's
//! one retry on `settlement_pending` is the exchange's ([`super::server::Settling`]).
//!
//! # The duplicate-settlement cache
//!
//! The key is the payment's `payload.transaction` text exactly as received (the client's
//! base64, before co-signing; a digest of it is as good a key); an entry lives
//! [`SETTLEMENT_CACHE_TTL_SECS`]. The host checks and records it in one atomic step, after the
//! verification and simulation passed and before sending ([`Built::duplicate`] on a hit), and
//! keeps the entry whatever happens next: the same bytes are not settled again in the window.
//!
//! ```
//! use pay402::x402::server::SettleVerdict;
//! use pay402::x402::svm_settlement::{Broadcast, Built};
//! let signature = "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW";
//! let Broadcast::Submitted(sent) = Built::new("solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", "payer").submitted(signature) else {
//!     unreachable!("a valid signature is submitted")
//! };
//! let pending = sent.confirmation_timeout("");
//! assert_eq!((pending.verdict(), pending.transaction), (SettleVerdict::Pending, signature));
//! assert_eq!(pending.error_reason, Some("settlement_pending"));
//! ```

use super::evm_settlement::{MAX_ERROR_MESSAGE_LEN, SettlementStepError};
use super::server::{SETTLEMENT_PENDING, SettleVerdict};
use crate::error::BufferTooSmall;
use crate::json::ObjectWriter;
use crate::writer::Writer;
use core::fmt;

/// `invalid_exact_svm_transaction_simulation_failed`: the co-signed transaction failed
/// `simulateTransaction`.
pub const REASON_SIMULATION_FAILED: &str = "invalid_exact_svm_transaction_simulation_failed";
/// `duplicate_settlement`: the same transaction is already being settled (the cache hit).
pub const REASON_DUPLICATE_SETTLEMENT: &str = "duplicate_settlement";
/// `transaction_failed`: sending or confirming failed.
pub const REASON_TRANSACTION_FAILED: &str = "transaction_failed";

/// How long an entry of the duplicate-settlement cache lives, in seconds (the reference's
/// `SETTLEMENT_TTL_MS = 120_000`).
pub const SETTLEMENT_CACHE_TTL_SECS: u64 = 120;
/// How many times the reference asks `getSignatureStatuses` before the confirmation times out.
pub const CONFIRMATION_MAX_POLLS: u32 = 30;
/// The reference's pause between two `getSignatureStatuses` calls, in milliseconds.
pub const CONFIRMATION_POLL_INTERVAL_MS: u64 = 1000;

/// The longest base58 text of a 64-byte signature.
pub const SIGNATURE_BASE58_MAX_LEN: usize = crate::svm::cosign::SIGNATURE_BASE58_MAX_LEN;

/// Whether `signature` is a transaction id: base58 (Bitcoin alphabet) of exactly 64 bytes, not
/// all zero (the placeholder of a missing signature).
///
/// ```
/// use pay402::x402::svm_settlement::is_valid_signature;
/// assert!(is_valid_signature("5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW"));
/// assert!(!is_valid_signature(&"1".repeat(64))); // 64 zero bytes
/// assert!(!is_valid_signature("0xabc"));
/// assert!(!is_valid_signature(""));
/// ```
pub fn is_valid_signature(signature: &str) -> bool {
    if signature.len() > SIGNATURE_BASE58_MAX_LEN {
        return false;
    }
    let mut out = [0u8; 64];
    matches!(bs58::decode(signature).onto(&mut out[..]), Ok(64)) && out.iter().any(|&b| b != 0)
}

/// A [`fmt::Write`] that passes at most [`MAX_ERROR_MESSAGE_LEN`] UTF-16 code units on, cut on
/// a character boundary (as [`super::evm_settlement::truncate_error_message`] cuts).
struct Truncating<'f, 'g> {
    f: &'f mut fmt::Formatter<'g>,
    units: usize,
}

impl fmt::Write for Truncating<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for (at, c) in s.char_indices() {
            let units = self.units + c.len_utf16();
            if units > MAX_ERROR_MESSAGE_LEN {
                self.units = MAX_ERROR_MESSAGE_LEN + 1;
                return self.f.write_str(s.get(..at).unwrap_or_default());
            }
            self.units = units;
        }
        self.f.write_str(s)
    }
}

/// The `errorMessage` of a result; every form is cut to [`MAX_ERROR_MESSAGE_LEN`] UTF-16 code
/// units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorMessage<'a> {
    /// Text from the host (a verification message, an RPC error).
    Text(&'a str),
    /// `Simulation failed: <err>`, `err` being the JSON of the simulation's `value.err`.
    Simulation(&'a str),
    /// `Transaction <signature> failed: <err>`, `err` being the JSON of the status's `err`.
    Failed {
        /// The transaction's signature.
        signature: &'a str,
        /// The JSON of the status's `err`.
        err: &'a str,
    },
    /// `Transaction confirmation timeout`, then `: <detail>` when the host gave one.
    Timeout(&'a str),
    /// `the node returned an invalid transaction signature: <text>`.
    InvalidSignature(&'a str),
}

impl fmt::Display for ErrorMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write as _;
        let mut w = Truncating { f, units: 0 };
        match *self {
            Self::Text(text) => w.write_str(text),
            Self::Simulation(err) => write!(w, "Simulation failed: {err}"),
            Self::Failed { signature, err } => write!(w, "Transaction {signature} failed: {err}"),
            Self::Timeout("") => w.write_str("Transaction confirmation timeout"),
            Self::Timeout(detail) => write!(w, "Transaction confirmation timeout: {detail}"),
            Self::InvalidSignature(text) => {
                write!(
                    w,
                    "the node returned an invalid transaction signature: {text}"
                )
            }
        }
    }
}

/// The end of a settlement: the facilitator's `SettleResponse` (x402 v2 specification §5.3,
/// <https://github.com/coinbase/x402/blob/main/specs/x402-specification-v2.md>).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettlementResult<'a> {
    /// `success`.
    pub success: bool,
    /// `errorReason`, on failure.
    pub error_reason: Option<&'a str>,
    /// `errorMessage`, on failure when there is one.
    pub error_message: Option<ErrorMessage<'a>>,
    /// `transaction`: the signature (base58), or `""`.
    pub transaction: &'a str,
    /// `network`, as the requirements name it.
    pub network: &'a str,
    /// `payer`.
    pub payer: &'a str,
}

impl SettlementResult<'_> {
    /// What the result means to the resource server: settled, refused, or pending (retry the
    /// identical `/settle` once).
    pub fn verdict(&self) -> SettleVerdict {
        if self.success {
            SettleVerdict::Settled
        } else if self.error_reason == Some(SETTLEMENT_PENDING) && !self.transaction.is_empty() {
            SettleVerdict::Pending
        } else {
            SettleVerdict::Refused
        }
    }

    /// Writes the `SettleResponse` JSON, members in the order of the specification's examples:
    /// `success`, `errorReason`, `errorMessage`, `transaction`, `network`, `payer`.
    pub fn write_json(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        let mut o = ObjectWriter::begin(w)?;
        o.field_bool("success", self.success)?;
        if let Some(reason) = self.error_reason {
            o.field_str("errorReason", reason)?;
        }
        if let Some(message) = &self.error_message {
            o.field_display("errorMessage", message)?;
        }
        o.field_str("transaction", self.transaction)?;
        o.field_str("network", self.network)?;
        o.field_str("payer", self.payer)?;
        o.end()
    }
}

/// What every state carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Settlement<'a> {
    network: &'a str,
    payer: &'a str,
}

impl<'a> Settlement<'a> {
    const fn failure(
        self,
        reason: &'a str,
        message: Option<ErrorMessage<'a>>,
        transaction: &'a str,
    ) -> SettlementResult<'a> {
        SettlementResult {
            success: false,
            error_reason: Some(reason),
            error_message: message,
            transaction,
            network: self.network,
            payer: self.payer,
        }
    }
}

/// Host text as a message: none when empty.
const fn text(message: &str) -> Option<ErrorMessage<'_>> {
    if message.is_empty() {
        None
    } else {
        Some(ErrorMessage::Text(message))
    }
}

/// A settlement whose payment passed the offline checks and was co-signed, not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a settlement ends with a SettlementResult"]
pub struct Built<'a>(Settlement<'a>);

impl<'a> Built<'a> {
    /// Starts the settlement of a payment by `payer` (the transfer's authority, base58) on
    /// `network` (the requirements' text).
    pub const fn new(network: &'a str, payer: &'a str) -> Self {
        Self(Settlement { network, payer })
    }

    /// Terminal failure before sending with the host's `reason` (a verification verdict such
    /// as `invalid_exact_svm_fee_payer_not_managed_by_facilitator`) and an optional message;
    /// `transaction` is `""`.
    pub const fn refused(self, reason: &'a str, message: Option<&'a str>) -> SettlementResult<'a> {
        let message = match message {
            Some(m) => text(m),
            None => None,
        };
        self.0.failure(reason, message, "")
    }

    /// Terminal: `simulateTransaction` answered `value.err` (`err_json`, its JSON).
    /// [`REASON_SIMULATION_FAILED`], message `Simulation failed: <err_json>`, `transaction` `""`.
    pub const fn simulation_failed(self, err_json: &'a str) -> SettlementResult<'a> {
        self.0.failure(
            REASON_SIMULATION_FAILED,
            Some(ErrorMessage::Simulation(err_json)),
            "",
        )
    }

    /// Terminal: `simulateTransaction` itself failed (an RPC error, no `value`): the reference
    /// catches it as a simulation failure. [`REASON_SIMULATION_FAILED`] with `message`,
    /// `transaction` `""`.
    pub const fn simulation_error(self, message: &'a str) -> SettlementResult<'a> {
        self.0.failure(REASON_SIMULATION_FAILED, text(message), "")
    }

    /// Terminal: the duplicate-settlement cache already holds this transaction.
    /// [`REASON_DUPLICATE_SETTLEMENT`], no message, `transaction` `""`.
    pub const fn duplicate(self) -> SettlementResult<'a> {
        self.0.failure(REASON_DUPLICATE_SETTLEMENT, None, "")
    }

    /// Terminal: `sendTransaction` was refused (a JSON-RPC error: preflight failed, blockhash
    /// expired, …), so nothing was broadcast. [`REASON_TRANSACTION_FAILED`] with `message`,
    /// `transaction` `""`.
    pub const fn send_failed(self, message: &'a str) -> SettlementResult<'a> {
        self.0.failure(REASON_TRANSACTION_FAILED, text(message), "")
    }

    /// The transaction was sent (or may have reached a node) and its id is `signature`: the
    /// fee payer's signature in base58. A text that is not [`is_valid_signature`] ends as the
    /// reference's failed send: [`REASON_TRANSACTION_FAILED`], `transaction` `""`.
    pub fn submitted(self, signature: &'a str) -> Broadcast<'a> {
        if is_valid_signature(signature) {
            Broadcast::Submitted(Submitted {
                settlement: self.0,
                signature,
            })
        } else {
            Broadcast::Ended(self.0.failure(
                REASON_TRANSACTION_FAILED,
                Some(ErrorMessage::InvalidSignature(signature)),
                "",
            ))
        }
    }
}

/// What [`Built::submitted`] leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a settlement ends with a SettlementResult"]
pub enum Broadcast<'a> {
    /// The signature is valid: wait for the confirmation.
    Submitted(Submitted<'a>),
    /// The signature is not a transaction id: the terminal result.
    Ended(SettlementResult<'a>),
}

/// A settlement whose transaction was sent with a valid signature, waiting for its
/// confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a settlement ends with a SettlementResult"]
pub struct Submitted<'a> {
    settlement: Settlement<'a>,
    signature: &'a str,
}

impl<'a> Submitted<'a> {
    /// The transaction id.
    pub const fn signature(&self) -> &'a str {
        self.signature
    }

    /// `getSignatureStatuses` reports the transaction `confirmed` (or `finalized`) without an
    /// error: settled, `transaction` = the signature.
    pub const fn confirmed(self) -> SettlementResult<'a> {
        SettlementResult {
            success: true,
            error_reason: None,
            error_message: None,
            transaction: self.signature,
            network: self.settlement.network,
            payer: self.settlement.payer,
        }
    }

    /// The transaction landed with an error (`err_json`, the JSON of the status's `err`): the
    /// transfer did not happen. [`REASON_TRANSACTION_FAILED`], message
    /// `Transaction <signature> failed: <err_json>`, `transaction` `""` as for every error
    /// the reference catches while settling.
    pub const fn failed(self, err_json: &'a str) -> SettlementResult<'a> {
        self.settlement.failure(
            REASON_TRANSACTION_FAILED,
            Some(ErrorMessage::Failed {
                signature: self.signature,
                err: err_json,
            }),
            "",
        )
    }

    /// No confirmation in time (the polls ran out, the RPC did not answer, the send's answer
    /// was lost): `settlement_pending` with the signature, message
    /// `Transaction confirmation timeout` (then `: <message>` when given). Not final: the
    /// resource server settles once more, and the host looks at the same signature again.
    pub const fn confirmation_timeout(self, message: &'a str) -> SettlementResult<'a> {
        self.settlement.failure(
            SETTLEMENT_PENDING,
            Some(ErrorMessage::Timeout(message)),
            self.signature,
        )
    }
}

/// Where an [`SvmSettlement`] stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase<'a> {
    /// Built, not sent.
    Built,
    /// Sent with this valid signature, waiting for the confirmation.
    Submitted {
        /// The transaction id.
        signature: &'a str,
    },
    /// A [`SettlementResult`] was produced; nothing more happens.
    Ended,
}

/// The same machine as [`Built`] → [`Submitted`], with the state as data ([`Phase`]) for
/// hosts that keep it in an object (the bindings): each step checks the phase and moves it.
/// Steps out of order are [`SettlementStepError`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SvmSettlement<'a> {
    settlement: Settlement<'a>,
    phase: Phase<'a>,
}

impl<'a> SvmSettlement<'a> {
    /// A settlement at `phase` (a new one is [`Phase::Built`]); the arguments are
    /// [`Built::new`]'s.
    pub const fn at(network: &'a str, payer: &'a str, phase: Phase<'a>) -> Self {
        Self {
            settlement: Settlement { network, payer },
            phase,
        }
    }

    /// The current phase.
    pub const fn phase(&self) -> Phase<'a> {
        self.phase
    }

    fn built(&self) -> Result<Built<'a>, SettlementStepError> {
        match self.phase {
            Phase::Built => Ok(Built(self.settlement)),
            Phase::Submitted { .. } => Err(SettlementStepError::OutOfOrder),
            Phase::Ended => Err(SettlementStepError::Ended),
        }
    }

    fn submitted_state(&self) -> Result<Submitted<'a>, SettlementStepError> {
        match self.phase {
            Phase::Submitted { signature } => Ok(Submitted {
                settlement: self.settlement,
                signature,
            }),
            Phase::Built => Err(SettlementStepError::OutOfOrder),
            Phase::Ended => Err(SettlementStepError::Ended),
        }
    }

    fn end(&mut self, result: SettlementResult<'a>) -> SettlementResult<'a> {
        self.phase = Phase::Ended;
        result
    }

    /// [`Built::refused`].
    pub fn refused(
        &mut self,
        reason: &'a str,
        message: Option<&'a str>,
    ) -> Result<SettlementResult<'a>, SettlementStepError> {
        let result = self.built()?.refused(reason, message);
        Ok(self.end(result))
    }

    /// [`Built::simulation_failed`].
    pub fn simulation_failed(
        &mut self,
        err_json: &'a str,
    ) -> Result<SettlementResult<'a>, SettlementStepError> {
        let result = self.built()?.simulation_failed(err_json);
        Ok(self.end(result))
    }

    /// [`Built::simulation_error`].
    pub fn simulation_error(
        &mut self,
        message: &'a str,
    ) -> Result<SettlementResult<'a>, SettlementStepError> {
        let result = self.built()?.simulation_error(message);
        Ok(self.end(result))
    }

    /// [`Built::duplicate`].
    pub fn duplicate(&mut self) -> Result<SettlementResult<'a>, SettlementStepError> {
        let result = self.built()?.duplicate();
        Ok(self.end(result))
    }

    /// [`Built::send_failed`].
    pub fn send_failed(
        &mut self,
        message: &'a str,
    ) -> Result<SettlementResult<'a>, SettlementStepError> {
        let result = self.built()?.send_failed(message);
        Ok(self.end(result))
    }

    /// [`Built::submitted`]: `None` when the signature is valid (now [`Phase::Submitted`]), the
    /// terminal result when it is not.
    pub fn submitted(
        &mut self,
        signature: &'a str,
    ) -> Result<Option<SettlementResult<'a>>, SettlementStepError> {
        match self.built()?.submitted(signature) {
            Broadcast::Submitted(submitted) => {
                self.phase = Phase::Submitted {
                    signature: submitted.signature,
                };
                Ok(None)
            }
            Broadcast::Ended(result) => Ok(Some(self.end(result))),
        }
    }

    /// [`Submitted::confirmed`].
    pub fn confirmed(&mut self) -> Result<SettlementResult<'a>, SettlementStepError> {
        let result = self.submitted_state()?.confirmed();
        Ok(self.end(result))
    }

    /// [`Submitted::failed`].
    pub fn failed(
        &mut self,
        err_json: &'a str,
    ) -> Result<SettlementResult<'a>, SettlementStepError> {
        let result = self.submitted_state()?.failed(err_json);
        Ok(self.end(result))
    }

    /// [`Submitted::confirmation_timeout`].
    pub fn confirmation_timeout(
        &mut self,
        message: &'a str,
    ) -> Result<SettlementResult<'a>, SettlementStepError> {
        let result = self.submitted_state()?.confirmation_timeout(message);
        Ok(self.end(result))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::writer::write_all;

    const SIG: &str =
        "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW";
    const NET: &str = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
    const PAYER: &str = "2wKupLR9q6wXYppw8Gr2NvWxKBUqm4PPJKkQfoxHDBg4";

    fn json<'b>(r: &SettlementResult<'_>, buf: &'b mut [u8]) -> &'b str {
        let n = write_all(buf, |w| r.write_json(w)).unwrap_or(0);
        core::str::from_utf8(buf.get(..n).unwrap_or_default()).unwrap_or_default()
    }

    fn submit(signature: &str) -> Option<Submitted<'_>> {
        match Built::new(NET, PAYER).submitted(signature) {
            Broadcast::Submitted(s) => Some(s),
            Broadcast::Ended(_) => None,
        }
    }

    #[test]
    fn confirmed_reports_the_signature() {
        let r = submit(SIG).map(Submitted::confirmed);
        let mut buf = [0u8; 512];
        assert_eq!(
            r.as_ref().map(|r| json(r, &mut buf)),
            Some(
                r#"{"success":true,"transaction":"5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW","network":"solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1","payer":"2wKupLR9q6wXYppw8Gr2NvWxKBUqm4PPJKkQfoxHDBg4"}"#
            )
        );
        assert_eq!(r.map(|r| r.verdict()), Some(SettleVerdict::Settled));
    }

    #[test]
    fn a_duplicate_has_no_transaction_and_no_message() {
        let r = Built::new(NET, PAYER).duplicate();
        let mut buf = [0u8; 512];
        assert_eq!(
            json(&r, &mut buf),
            r#"{"success":false,"errorReason":"duplicate_settlement","transaction":"","network":"solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1","payer":"2wKupLR9q6wXYppw8Gr2NvWxKBUqm4PPJKkQfoxHDBg4"}"#
        );
        assert_eq!(r.verdict(), SettleVerdict::Refused);
    }

    #[test]
    fn a_signature_that_is_not_64_bytes_is_terminal() {
        let short = SIG.get(..SIG.len() - 2).unwrap_or_default();
        assert!(submit(short).is_none());
        assert!(submit("0OIl").is_none());
        assert!(submit(&SIG.repeat(2)).is_none());
    }

    #[test]
    fn steps_out_of_order_are_refused() {
        let mut s = SvmSettlement::at(NET, PAYER, Phase::Built);
        assert_eq!(s.confirmed().err(), Some(SettlementStepError::OutOfOrder));
        assert_eq!(s.submitted(SIG), Ok(None));
        assert_eq!(s.phase(), Phase::Submitted { signature: SIG });
        assert_eq!(s.duplicate().err(), Some(SettlementStepError::OutOfOrder));
        assert_eq!(s.failed("{}").map(|r| r.transaction), Ok(""));
        assert_eq!(
            s.confirmation_timeout("").err(),
            Some(SettlementStepError::Ended)
        );
    }

    #[test]
    fn messages_are_cut_to_500_units() {
        let long = [b'x'; 600];
        let long = core::str::from_utf8(&long).unwrap_or_default();
        let r = Built::new(NET, PAYER).simulation_failed(long);
        let mut buf = [0u8; 1024];
        let text = json(&r, &mut buf);
        let message = text
            .split("\"errorMessage\":\"")
            .nth(1)
            .and_then(|m| m.split('"').next())
            .unwrap_or_default();
        assert_eq!(message.len(), MAX_ERROR_MESSAGE_LEN);
        assert!(message.starts_with("Simulation failed: xxx"));
    }
}
