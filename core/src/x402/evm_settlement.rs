//! The facilitator's settlement of one EVM payment, sans I/O: built → submitted (hash) →
//! confirmed | reverted | pending, and the `SettleResponse` each end produces, with the
//! reference facilitator's reasons and strings.
//!
//! ```text
//! Built --without_transaction (upto, charge 0)----> success, transaction "", amount 0 (terminal)
//!   |---refused(reason)---------------------------> failure, transaction ""      (terminal)
//!   |---transfer_reverted(revert text)------------> failure, transaction ""      (terminal)
//!   `--submitted(hash)--+-- invalid hash ---------> failure, transaction ""      (terminal)
//!                       `-> Submitted --confirmed-> success                      (terminal)
//!                                     |-reverted--> failure, transaction = hash  (terminal)
//!                                     `-receipt_unavailable(error)
//!                                          ------> settlement_pending, transaction = hash
//! ```
//!
//! Each step consumes the state, so a settlement cannot be confirmed before it was submitted
//! or ended twice. The host does the I/O: it signs the transaction
//! ([`crate::evm::Eip1559Transaction`]) over the calldata of [`super::settle_calldata()`],
//! sends it, waits for the receipt, and reports each step here.
//!
//! The reference (`@x402/evm`, <https://github.com/x402-foundation/x402>):
//! `typescript/packages/mechanisms/evm/src/shared/settleReceipt.ts`
//! (`waitAndReturnSettleResponse`: an invalid broadcast hash is terminal, a receipt with
//! `status` ≠ success is terminal with the hash kept, a receipt-wait error is
//! `settlement_pending` with the hash), `typescript/packages/mechanisms/evm/src/utils.ts`
//! (`isValidTxHash`: `0x` + 64 hex digits, not all zero; `truncateErrorMessage`: 500
//! characters) and `typescript/packages/mechanisms/evm/src/exact/facilitator/eip3009.ts`
//! (`parseEip3009TransferError`: revert text → reason). An `upto` charge of zero is settled
//! without a transaction, as `settleUptoPermit2` of
//! `typescript/packages/mechanisms/evm/src/upto/facilitator/permit2.ts` answers it (success,
//! `transaction` `""`, `amount` `"0"`): the host asks [`EvmSettlement::without_transaction`]
//! before it builds any call. The resource server's one retry on
//! `settlement_pending` is the exchange's ([`super::server::Settling`]; see [`super::server::SettleVerdict`]).

use super::server::{SETTLEMENT_PENDING, SettleVerdict};
use crate::error::BufferTooSmall;
use crate::json::ObjectWriter;
use crate::u256::U256;
use crate::writer::Writer;

/// `invalid_exact_evm_payload_authorization_valid_before`.
pub const REASON_VALID_BEFORE: &str = "invalid_exact_evm_payload_authorization_valid_before";
/// `invalid_exact_evm_payload_authorization_valid_after`.
pub const REASON_VALID_AFTER: &str = "invalid_exact_evm_payload_authorization_valid_after";
/// `invalid_exact_evm_nonce_already_used`.
pub const REASON_NONCE_ALREADY_USED: &str = "invalid_exact_evm_nonce_already_used";
/// `invalid_exact_evm_insufficient_balance`.
pub const REASON_INSUFFICIENT_BALANCE: &str = "invalid_exact_evm_insufficient_balance";
/// `invalid_exact_evm_signature`.
pub const REASON_INVALID_SIGNATURE: &str = "invalid_exact_evm_signature";
/// `invalid_exact_evm_transaction_failed`: an EIP-3009 transfer that failed on chain.
pub const REASON_TRANSACTION_FAILED: &str = "invalid_exact_evm_transaction_failed";
/// `invalid_transaction_state`: a Permit2 settlement that failed on chain.
pub const REASON_INVALID_TRANSACTION_STATE: &str = "invalid_transaction_state";
/// `smart_wallet_deployment_failed`: the factory call deploying an undeployed ERC-6492 payer
/// before its transfer reverted or failed (the reference facilitator's EIP-3009 settle,
/// `typescript/packages/mechanisms/evm/src/exact/facilitator/eip3009.ts` of
/// <https://github.com/coinbase/x402>); nothing else was sent.
pub const REASON_SMART_WALLET_DEPLOYMENT_FAILED: &str = "smart_wallet_deployment_failed";

/// The longest `errorMessage` the reference sends (`MAX_ERROR_MESSAGE_LENGTH`, in UTF-16 code
/// units as JavaScript's `String.prototype.slice` counts them).
pub const MAX_ERROR_MESSAGE_LEN: usize = 500;

/// How the payment is settled, which names the failure of a transaction that reverted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SettleMethod {
    /// `transferWithAuthorization` on the token.
    Eip3009,
    /// `settle` on the x402 Permit2 proxy (`exact` or `upto`).
    Permit2,
}

impl SettleMethod {
    /// `eip3009` or `permit2`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Eip3009 => "eip3009",
            Self::Permit2 => "permit2",
        }
    }

    /// The method named `name` ([`SettleMethod::name`]).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "eip3009" => Some(Self::Eip3009),
            "permit2" => Some(Self::Permit2),
            _ => None,
        }
    }

    /// The reason of a terminal failure after (or instead of) a broadcast:
    /// [`REASON_TRANSACTION_FAILED`] for EIP-3009, [`REASON_INVALID_TRANSACTION_STATE`] for
    /// Permit2.
    pub const fn failed_reason(self) -> &'static str {
        match self {
            Self::Eip3009 => REASON_TRANSACTION_FAILED,
            Self::Permit2 => REASON_INVALID_TRANSACTION_STATE,
        }
    }
}

/// `isValidTxHash`: `0x` followed by exactly 64 hex digits (any case), not all zero.
///
/// ```
/// use pay402::x402::evm_settlement::is_valid_tx_hash;
/// assert!(is_valid_tx_hash("0x1234567890abcdef1234567890abcdef1234567890ABCDEF1234567890abcdef"));
/// assert!(!is_valid_tx_hash("0x0000000000000000000000000000000000000000000000000000000000000000"));
/// assert!(!is_valid_tx_hash("0x1234"));
/// ```
pub fn is_valid_tx_hash(hash: &str) -> bool {
    let Some(digits) = hash.strip_prefix("0x") else {
        return false;
    };
    digits.len() == 64
        && digits.bytes().all(|b| b.is_ascii_hexdigit())
        && digits.bytes().any(|b| b != b'0')
}

/// Whether `parts` occur in `line` in this order, without overlapping, ASCII
/// case-insensitively: the regular expression `part0.*part1.*…` with the `i` flag on one line.
fn in_order(line: &[u8], parts: &[&str]) -> bool {
    let mut rest = line;
    for part in parts {
        let needle = part.as_bytes();
        let Some(at) = rest
            .windows(needle.len())
            .position(|w| w.eq_ignore_ascii_case(needle))
        else {
            return false;
        };
        rest = rest.get(at + needle.len()..).unwrap_or_default();
    }
    true
}

/// Whether any line of `text` (split where JavaScript's `.` stops: `\n`, `\r`, U+2028,
/// U+2029) matches one of `patterns`.
fn any_line(text: &str, patterns: &[&[&str]]) -> bool {
    text.split(['\n', '\r', '\u{2028}', '\u{2029}'])
        .any(|line| patterns.iter().any(|p| in_order(line.as_bytes(), p)))
}

/// `parseEip3009TransferError`: the reason for the revert text of a `transferWithAuthorization`
/// that failed while being sent, first match wins (the reference's regular expressions, all
/// case-insensitive):
///
/// | revert text matches | reason |
/// |---|---|
/// | `authorization.*(expired\|valid before)`, `AuthorizationExpired` | [`REASON_VALID_BEFORE`] |
/// | `authorization.*not.*valid`, `AuthorizationNotYetValid` | [`REASON_VALID_AFTER`] |
/// | `authorization.*used`, `AuthorizationAlreadyUsed`, `AuthorizationUsedOrCanceled` | [`REASON_NONCE_ALREADY_USED`] |
/// | `transfer.*exceeds.*balance`, `insufficient.*balance`, `ERC20InsufficientBalance` | [`REASON_INSUFFICIENT_BALANCE`] |
/// | `invalid.*signature`, `SignerMismatch`, `InvalidSignatureV`, `InvalidSignatureS` | [`REASON_INVALID_SIGNATURE`] |
/// | anything else | [`REASON_TRANSACTION_FAILED`] |
///
/// ```
/// use pay402::x402::evm_settlement::{REASON_NONCE_ALREADY_USED, eip3009_transfer_error_reason};
/// let text = "execution reverted: FiatTokenV2: authorization is used or canceled";
/// assert_eq!(eip3009_transfer_error_reason(text), REASON_NONCE_ALREADY_USED);
/// ```
pub fn eip3009_transfer_error_reason(revert_text: &str) -> &'static str {
    const RULES: [(&[&[&str]], &str); 5] = [
        (
            &[
                &["authorization", "expired"],
                &["authorization", "valid before"],
                &["AuthorizationExpired"],
            ],
            REASON_VALID_BEFORE,
        ),
        (
            &[
                &["authorization", "not", "valid"],
                &["AuthorizationNotYetValid"],
            ],
            REASON_VALID_AFTER,
        ),
        (
            &[
                &["authorization", "used"],
                &["AuthorizationAlreadyUsed"],
                &["AuthorizationUsedOrCanceled"],
            ],
            REASON_NONCE_ALREADY_USED,
        ),
        (
            &[
                &["transfer", "exceeds", "balance"],
                &["insufficient", "balance"],
                &["ERC20InsufficientBalance"],
            ],
            REASON_INSUFFICIENT_BALANCE,
        ),
        (
            &[
                &["invalid", "signature"],
                &["SignerMismatch"],
                &["InvalidSignatureV"],
                &["InvalidSignatureS"],
            ],
            REASON_INVALID_SIGNATURE,
        ),
    ];
    RULES
        .iter()
        .find(|(patterns, _)| any_line(revert_text, patterns))
        .map_or(REASON_TRANSACTION_FAILED, |(_, reason)| reason)
}

/// `text` cut to [`MAX_ERROR_MESSAGE_LEN`] UTF-16 code units, on a character boundary (where
/// the reference would keep half of a surrogate pair, the character is dropped).
///
/// ```
/// use pay402::x402::evm_settlement::truncate_error_message;
/// let long = "x".repeat(600);
/// assert_eq!(truncate_error_message(&long).len(), 500);
/// assert_eq!(truncate_error_message("timeout"), "timeout");
/// ```
pub fn truncate_error_message(text: &str) -> &str {
    let mut units = 0;
    for (at, c) in text.char_indices() {
        units += c.len_utf16();
        if units > MAX_ERROR_MESSAGE_LEN {
            return text.get(..at).unwrap_or_default();
        }
    }
    text
}

/// The `errorMessage` of a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorMessage<'a> {
    /// Text from the host (a revert reason, an RPC error), cut to [`MAX_ERROR_MESSAGE_LEN`].
    Text(&'a str),
    /// `signer returned an invalid transaction hash: <hash>`.
    InvalidHash(&'a str),
}

impl core::fmt::Display for ErrorMessage<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Text(text) => f.write_str(truncate_error_message(text)),
            Self::InvalidHash(hash) => {
                write!(f, "signer returned an invalid transaction hash: {hash}")
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
    /// `transaction`: the hash, or `""` when nothing was broadcast.
    pub transaction: &'a str,
    /// `network`, as the requirements name it.
    pub network: &'a str,
    /// `payer`.
    pub payer: &'a str,
    /// `amount`: the settled amount of an `upto` payment, on success.
    pub amount: Option<U256>,
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
    /// `success`, `errorReason`, `errorMessage`, `transaction`, `network`, `payer`, `amount`.
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
        if let Some(amount) = &self.amount {
            o.field_display("amount", amount)?;
        }
        o.end()
    }
}

/// What every state carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Settlement<'a> {
    network: &'a str,
    payer: &'a str,
    method: SettleMethod,
    amount: Option<U256>,
}

impl<'a> Settlement<'a> {
    fn failure(
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
            amount: None,
        }
    }
}

/// A settlement whose transaction is built (verified again, calldata written, signed) but not
/// sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a settlement ends with a SettlementResult"]
pub struct Built<'a>(Settlement<'a>);

impl<'a> Built<'a> {
    /// Starts the settlement of a payment by `payer` on `network` (the requirements' text) by
    /// `method`; `amount` is the charge of an `upto` payment (reported on success), `None`
    /// for `exact`.
    pub const fn new(
        network: &'a str,
        payer: &'a str,
        method: SettleMethod,
        amount: Option<U256>,
    ) -> Self {
        Self(Settlement {
            network,
            payer,
            method,
            amount,
        })
    }

    /// The settlement without a transaction: an `upto` charge of zero (`amount` `Some(0)`)
    /// ends here as the reference facilitator ends it, `success` with `transaction` `""` and
    /// `amount` `0`; nothing is sent. Any other settlement needs its transaction: `Err(self)`.
    ///
    /// ```
    /// use pay402::x402::evm_settlement::{Built, SettleMethod};
    /// use pay402::U256;
    /// let zero = Built::new("eip155:8453", "0x857b06519E91e3A54538791bDbb0E22373e36b66", SettleMethod::Permit2, Some(U256::ZERO));
    /// let end = zero.without_transaction().ok().unwrap();
    /// assert!(end.success);
    /// assert_eq!((end.transaction, end.amount), ("", Some(U256::ZERO)));
    /// let charge = Built::new("eip155:8453", "0x857b06519E91e3A54538791bDbb0E22373e36b66", SettleMethod::Permit2, Some(U256::ONE));
    /// assert!(charge.without_transaction().is_err());
    /// ```
    pub fn without_transaction(self) -> Result<SettlementResult<'a>, Self> {
        match self.0.amount {
            Some(amount) if amount.is_zero() => Ok(SettlementResult {
                success: true,
                error_reason: None,
                error_message: None,
                transaction: "",
                network: self.0.network,
                payer: self.0.payer,
                amount: Some(amount),
            }),
            _ => Err(self),
        }
    }

    /// Terminal failure before broadcast with the host's `reason` (a verification verdict
    /// such as `invalid_exact_evm_nonce_already_used`, a refused factory, …) and an optional
    /// message; `transaction` is `""`.
    pub const fn refused(self, reason: &'a str, message: Option<&'a str>) -> SettlementResult<'a> {
        let message = match message {
            Some(text) => Some(ErrorMessage::Text(text)),
            None => None,
        };
        SettlementResult {
            success: false,
            error_reason: Some(reason),
            error_message: message,
            transaction: "",
            network: self.0.network,
            payer: self.0.payer,
            amount: None,
        }
    }

    /// Terminal failure before broadcast: sending (gas estimation included) reverted with
    /// `revert_text`. EIP-3009 names the reason from the text
    /// ([`eip3009_transfer_error_reason`]); Permit2 reports [`SettleMethod::failed_reason`].
    /// The text is the `errorMessage`; `transaction` is `""`.
    pub fn transfer_reverted(self, revert_text: &'a str) -> SettlementResult<'a> {
        let reason = match self.0.method {
            SettleMethod::Eip3009 => eip3009_transfer_error_reason(revert_text),
            SettleMethod::Permit2 => self.0.method.failed_reason(),
        };
        self.0
            .failure(reason, Some(ErrorMessage::Text(revert_text)), "")
    }

    /// The transaction was sent and the node answered `hash`. A hash that is not
    /// [`is_valid_tx_hash`] reconciles to nothing: terminal failure with
    /// [`SettleMethod::failed_reason`] and `transaction` `""`.
    pub fn submitted(self, hash: &'a str) -> Broadcast<'a> {
        if is_valid_tx_hash(hash) {
            Broadcast::Submitted(Submitted {
                settlement: self.0,
                hash,
            })
        } else {
            Broadcast::Ended(self.0.failure(
                self.0.method.failed_reason(),
                Some(ErrorMessage::InvalidHash(hash)),
                "",
            ))
        }
    }
}

/// What [`Built::submitted`] leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a settlement ends with a SettlementResult"]
pub enum Broadcast<'a> {
    /// The hash is valid: wait for the receipt.
    Submitted(Submitted<'a>),
    /// The hash reconciles to nothing: the terminal result.
    Ended(SettlementResult<'a>),
}

/// A settlement whose transaction was broadcast with a valid hash, waiting for its receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a settlement ends with a SettlementResult"]
pub struct Submitted<'a> {
    settlement: Settlement<'a>,
    hash: &'a str,
}

impl<'a> Submitted<'a> {
    /// The broadcast hash.
    pub const fn hash(&self) -> &'a str {
        self.hash
    }

    /// The receipt has `status` success: settled, with the hash, network, payer and (for
    /// `upto`) the amount.
    pub const fn confirmed(self) -> SettlementResult<'a> {
        SettlementResult {
            success: true,
            error_reason: None,
            error_message: None,
            transaction: self.hash,
            network: self.settlement.network,
            payer: self.settlement.payer,
            amount: self.settlement.amount,
        }
    }

    /// The receipt has `status` 0: terminal failure with [`SettleMethod::failed_reason`] and
    /// the hash kept.
    pub fn reverted(self) -> SettlementResult<'a> {
        self.settlement
            .failure(self.settlement.method.failed_reason(), None, self.hash)
    }

    /// No receipt (the wait timed out, the RPC failed, the receipt could not be processed):
    /// `settlement_pending` with the hash, `error` as the message (cut to
    /// [`MAX_ERROR_MESSAGE_LEN`]). Not final: the resource server settles once more.
    pub fn receipt_unavailable(self, error: &'a str) -> SettlementResult<'a> {
        self.settlement.failure(
            SETTLEMENT_PENDING,
            Some(ErrorMessage::Text(error)),
            self.hash,
        )
    }
}

/// Where an [`EvmSettlement`] stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase<'a> {
    /// Built, not sent.
    Built,
    /// Broadcast with this valid hash, waiting for the receipt.
    Submitted {
        /// The broadcast hash.
        hash: &'a str,
    },
    /// A [`SettlementResult`] was produced; nothing more happens.
    Ended,
}

/// Why a step of an [`EvmSettlement`] was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SettlementStepError {
    /// A receipt step (`confirmed`, `reverted`, `receipt_unavailable`) before `submitted`, or a
    /// pre-broadcast step (`refused`, `transfer_reverted`, `submitted`) after it.
    OutOfOrder,
    /// The settlement already ended.
    Ended,
}

impl core::fmt::Display for SettlementStepError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::OutOfOrder => "settlement step out of order (a receipt before the broadcast, or a broadcast step after it)",
            Self::Ended => "the settlement already ended",
        })
    }
}

impl core::error::Error for SettlementStepError {}

impl crate::ErrorCode for SettlementStepError {
    fn code(&self) -> &'static str {
        match self {
            Self::OutOfOrder => "settlement_step_out_of_order",
            Self::Ended => "settlement_ended",
        }
    }
}

/// The same machine as [`Built`] → [`Submitted`], with the state as data ([`Phase`]) for
/// hosts that keep it in an object (the bindings): each step checks the phase and moves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvmSettlement<'a> {
    settlement: Settlement<'a>,
    phase: Phase<'a>,
}

impl<'a> EvmSettlement<'a> {
    /// A settlement at `phase` (a new one is [`Phase::Built`]); the arguments are
    /// [`Built::new`]'s.
    pub const fn at(
        network: &'a str,
        payer: &'a str,
        method: SettleMethod,
        amount: Option<U256>,
        phase: Phase<'a>,
    ) -> Self {
        Self {
            settlement: Settlement {
                network,
                payer,
                method,
                amount,
            },
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
            Phase::Submitted { hash } => Ok(Submitted {
                settlement: self.settlement,
                hash,
            }),
            Phase::Built => Err(SettlementStepError::OutOfOrder),
            Phase::Ended => Err(SettlementStepError::Ended),
        }
    }

    fn end(&mut self, result: SettlementResult<'a>) -> SettlementResult<'a> {
        self.phase = Phase::Ended;
        result
    }

    /// [`Built::without_transaction`]: the terminal result when the settlement needs no
    /// transaction (an `upto` charge of zero), `None` when it does (still [`Phase::Built`]).
    /// A host asks this before it builds the call.
    pub fn without_transaction(
        &mut self,
    ) -> Result<Option<SettlementResult<'a>>, SettlementStepError> {
        match self.built()?.without_transaction() {
            Ok(result) => Ok(Some(self.end(result))),
            Err(_) => Ok(None),
        }
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

    /// [`Built::transfer_reverted`].
    pub fn transfer_reverted(
        &mut self,
        revert_text: &'a str,
    ) -> Result<SettlementResult<'a>, SettlementStepError> {
        let result = self.built()?.transfer_reverted(revert_text);
        Ok(self.end(result))
    }

    /// [`Built::submitted`]: `None` when the hash is valid (now [`Phase::Submitted`]), the
    /// terminal result when it is not.
    pub fn submitted(
        &mut self,
        hash: &'a str,
    ) -> Result<Option<SettlementResult<'a>>, SettlementStepError> {
        match self.built()?.submitted(hash) {
            Broadcast::Submitted(submitted) => {
                self.phase = Phase::Submitted {
                    hash: submitted.hash,
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

    /// [`Submitted::reverted`].
    pub fn reverted(&mut self) -> Result<SettlementResult<'a>, SettlementStepError> {
        let result = self.submitted_state()?.reverted();
        Ok(self.end(result))
    }

    /// [`Submitted::receipt_unavailable`].
    pub fn receipt_unavailable(
        &mut self,
        error: &'a str,
    ) -> Result<SettlementResult<'a>, SettlementStepError> {
        let result = self.submitted_state()?.receipt_unavailable(error);
        Ok(self.end(result))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::writer::write_all;

    const HASH: &str = "0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef";
    const PAYER: &str = "0x857b06519E91e3A54538791bDbb0E22373e36b66";

    fn submit<'a>(s: Built<'a>, hash: &'a str) -> Option<Submitted<'a>> {
        match s.submitted(hash) {
            Broadcast::Submitted(s) => Some(s),
            Broadcast::Ended(_) => None,
        }
    }

    fn json<'b>(r: &SettlementResult<'_>, buf: &'b mut [u8]) -> &'b str {
        let n = write_all(buf, |w| r.write_json(w)).unwrap_or(0);
        core::str::from_utf8(buf.get(..n).unwrap_or_default()).unwrap_or_default()
    }

    #[test]
    fn a_zero_upto_charge_ends_without_a_transaction() {
        // settleUptoPermit2 (upto/facilitator/permit2.ts): amount 0 → success, no transaction.
        let mut buf = [0u8; 512];
        let mut m = EvmSettlement::at(
            "eip155:8453",
            PAYER,
            SettleMethod::Permit2,
            Some(U256::ZERO),
            Phase::Built,
        );
        let end = m.without_transaction().ok().flatten();
        assert!(end.is_some_and(|r| r.verdict() == SettleVerdict::Settled));
        assert_eq!(
            end.as_ref().map(|r| json(r, &mut buf)),
            Some(
                r#"{"success":true,"transaction":"","network":"eip155:8453","payer":"0x857b06519E91e3A54538791bDbb0E22373e36b66","amount":"0"}"#
            )
        );
        assert_eq!(m.phase(), Phase::Ended);
        assert_eq!(m.submitted(HASH), Err(SettlementStepError::Ended));
        // A charge, or exact: the transaction is needed and the machine stays built.
        for amount in [Some(U256::ONE), None] {
            let mut m = EvmSettlement::at(
                "eip155:8453",
                PAYER,
                SettleMethod::Permit2,
                amount,
                Phase::Built,
            );
            assert_eq!(m.without_transaction(), Ok(None));
            assert_eq!(m.phase(), Phase::Built);
            assert_eq!(m.submitted(HASH), Ok(None));
            assert_eq!(
                m.without_transaction(),
                Err(SettlementStepError::OutOfOrder)
            );
        }
    }

    #[test]
    fn confirmed_is_the_specifications_success_example() {
        let s = Built::new("eip155:8453", PAYER, SettleMethod::Eip3009, None);
        let r = submit(s, HASH).map(Submitted::confirmed);
        let mut buf = [0u8; 512];
        assert_eq!(
            r.as_ref().map(|r| json(r, &mut buf)),
            Some(
                r#"{"success":true,"transaction":"0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef","network":"eip155:8453","payer":"0x857b06519E91e3A54538791bDbb0E22373e36b66"}"#
            )
        );
        assert_eq!(r.map(|r| r.verdict()), Some(SettleVerdict::Settled));
    }

    #[test]
    fn a_receipt_wait_error_is_pending_with_the_hash() {
        let s = Built::new("eip155:8453", PAYER, SettleMethod::Permit2, None);
        let r = submit(s, HASH).map(|s| s.receipt_unavailable("timed out"));
        assert_eq!(
            r.map(|r| (r.verdict(), r.transaction)),
            Some((SettleVerdict::Pending, HASH))
        );
    }

    #[test]
    fn an_all_zero_hash_is_terminal_without_a_transaction() {
        let zero = "0x0000000000000000000000000000000000000000000000000000000000000000";
        let s = Built::new("eip155:8453", PAYER, SettleMethod::Permit2, None);
        let r = match s.submitted(zero) {
            Broadcast::Ended(r) => Some(r),
            Broadcast::Submitted(_) => None,
        };
        assert_eq!(r.map(|r| r.transaction), Some(""));
        assert_eq!(
            r.and_then(|r| r.error_reason),
            Some(REASON_INVALID_TRANSACTION_STATE)
        );
        assert_eq!(r.map(|r| r.verdict()), Some(SettleVerdict::Refused));
    }

    #[test]
    fn steps_out_of_order_are_refused_with_their_code() {
        use crate::ErrorCode;
        let mut s = EvmSettlement::at("base", PAYER, SettleMethod::Eip3009, None, Phase::Built);
        assert_eq!(
            s.confirmed().err().map(|e| e.code()),
            Some("settlement_step_out_of_order")
        );
        assert_eq!(s.submitted(HASH), Ok(None));
        assert_eq!(s.phase(), Phase::Submitted { hash: HASH });
        assert_eq!(
            s.submitted(HASH).err(),
            Some(SettlementStepError::OutOfOrder)
        );
        assert_eq!(s.reverted().map(|r| r.transaction), Ok(HASH));
        assert_eq!(
            s.receipt_unavailable("x").err().map(|e| e.code()),
            Some("settlement_ended")
        );
    }

    #[test]
    fn dot_star_does_not_cross_a_line_break() {
        assert_eq!(
            eip3009_transfer_error_reason("authorization\nused"),
            REASON_TRANSACTION_FAILED
        );
        assert_eq!(
            eip3009_transfer_error_reason("AUTHORIZATION was USED"),
            REASON_NONCE_ALREADY_USED
        );
    }

    #[test]
    fn truncation_never_splits_a_surrogate_pair() {
        let mut text = [b'x'; 503];
        // U+1F4B5 (two UTF-16 units) starting at unit 499: it would end at unit 501.
        if let Some(tail) = text.get_mut(499..503) {
            tail.copy_from_slice("💵".as_bytes());
        }
        let text = core::str::from_utf8(&text).unwrap_or_default();
        assert_eq!(truncate_error_message(text).len(), 499);
    }
}
