//! Offline verification of an x402 `exact` payment on Solana (<https://github.com/coinbase/x402/blob/main/specs/schemes/exact/scheme_exact_svm.md>): the
//! reference facilitator's checks in its order, without the ones that need RPC, plus ed25519
//! verification of every present signature.
//!
//! | # | check | error code |
//! |---|---|---|
//! | 1 | payment and requirements have the same `x402Version` | `invalid_x402_version` |
//! | 2 | the requirements' network is a Solana cluster | `invalid_network` |
//! | 3 | both schemes are `exact` | `invalid_exact_svm_unsupported_scheme` |
//! | 4 | the payment's network equals the requirements' | `invalid_exact_svm_network_mismatch` |
//! | 5 | v2: `accepted` equals the requirements | `accepted_requirements_mismatch` |
//! | 6 | `extra.feePayer` present / managed by the facilitator ([`SvmPolicy::fee_payers`]) | `invalid_exact_svm_payload_missing_fee_payer` / `invalid_exact_svm_fee_payer_not_managed_by_facilitator` |
//! | 7 | `payload.transaction` is base64 of a wire transaction (no lookup tables) | `invalid_exact_svm_payload_transaction_could_not_be_decoded` |
//! | 8 | 3 to [`SvmPolicy::max_instructions`] instructions | `invalid_exact_svm_payload_transaction_instructions_length` |
//! | 9 | ix 0 is `SetComputeUnitLimit` (bounded by [`SvmPolicy::max_compute_unit_limit`]) | `…_compute_limit_instruction` / `…_compute_limit_instruction_too_high` |
//! | 10 | ix 1 is `SetComputeUnitPrice` ≤ [`SvmPolicy::max_compute_unit_price`] | `…_compute_price_instruction` / `…_compute_price_instruction_too_high` |
//! | 11 | ix 2 is `TransferChecked` of SPL Token or Token-2022 | `invalid_exact_svm_payload_no_transfer_instruction` |
//! | 12 | its authority is not a facilitator signer | `invalid_exact_svm_payload_transaction_fee_payer_transferring_funds` |
//! | 13 | the fee payer is in no instruction's accounts | `invalid_exact_svm_payload_transaction_fee_payer_included_in_instruction_accounts` |
//! | 14 | mint = `asset` | `invalid_exact_svm_payload_mint_mismatch` |
//! | 15 | destination = ATA(`payTo`, `asset`, the transfer's token program) | `invalid_exact_svm_payload_recipient_mismatch` |
//! | 16 | amount = the required amount, exactly | `invalid_exact_svm_payload_amount_mismatch` |
//! | 17 | ix 3… run programs of [`SvmPolicy::extra_programs`] (Lighthouse, Memo) | `invalid_exact_svm_payload_unknown_{fourth,fifth,sixth,seventh}_instruction`, then `…_unknown_optional_instruction` |
//! | 18 | with `extra.memo`: exactly one Memo, its data = the memo's UTF-8 | `invalid_exact_svm_payload_memo_count` / `invalid_exact_svm_payload_memo_mismatch` |
//! | 19 | account key 0 (the fee payer) = `extra.feePayer` | `invalid_exact_svm_fee_payer_mismatch` |
//! | 20 | the fee payer's signature is the one missing; every other verifies (`verify_strict`) | `invalid_exact_svm_payload_signature_invalid` |
//!
//! Checks 1–18 follow the TypeScript reference facilitator (steps 13 and 19 are the spec's
//! MUSTs it leaves to simulation; 13 uses the legacy/x402-rs string). What remains for the
//! facilitator with RPC is listed in [`SvmVerified::still_to_check`].

use crate::base64::{self, Base64Error, Base64Policy};
use crate::error::ErrorCode;
use crate::json::JsonStr;
use crate::svm::client::MAX_MEMO_LEN;
use crate::svm::instructions::{
    self, LIGHTHOUSE_PROGRAM_ID, MEMO_PROGRAM_ID, ResolvedInstruction, TransferChecked,
};
use crate::svm::pda::associated_token_address;
use crate::svm::pubkey::Pubkey;
use crate::svm::transaction::{
    Instruction, MAX_TRANSACTION_LEN, Message, Transaction, TransactionError,
};
use crate::u256::U256;
use crate::x402::X402Version;
use crate::x402::error::{DecodeError, DecodeReason, EnvelopeCheck, VerifyError};
use crate::x402::network::{Network, SolanaCluster};
use crate::x402::payment_payload::PaymentPayload;
use crate::x402::payment_requirements::PaymentRequirements;
use crate::x402::policy::AcceptedMatch;
use crate::x402::scheme::{accepted_matches, resolve_network};
use core::fmt;

/// The extra programs the reference facilitator allows after the transfer.
pub const DEFAULT_EXTRA_PROGRAMS: [Pubkey; 2] = [LIGHTHOUSE_PROGRAM_ID, MEMO_PROGRAM_ID];

/// The facilitator's choices for Solana verification. [`SvmPolicy::default`] is the reference.
///
/// ```
/// use pay402::svm::Pubkey;
/// use pay402::x402::SvmPolicy;
/// // A facilitator with two fee-payer keys that also accepts a 7th instruction.
/// let signers = [Pubkey([1; 32]), Pubkey([2; 32])];
/// let policy = SvmPolicy { fee_payers: &signers, max_instructions: 7, ..SvmPolicy::default() };
/// assert_eq!(policy.max_compute_unit_price, 5_000_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SvmPolicy<'p> {
    /// The fee-payer keys this facilitator manages (signs with). Empty (the default): exactly
    /// the requirements' `extra.feePayer`.
    pub fee_payers: &'p [Pubkey],
    /// Highest `SetComputeUnitPrice`, µlamports (default 5,000,000 = 5 lamports per CU).
    pub max_compute_unit_price: u64,
    /// Highest `SetComputeUnitLimit` (default `None`: unbounded, as the reference; x402-rs uses
    /// 400,000).
    pub max_compute_unit_limit: Option<u32>,
    /// Most instructions (default 6; at least 3 are always required).
    pub max_instructions: usize,
    /// Programs allowed for instructions after the transfer (default Lighthouse, Memo).
    pub extra_programs: &'p [Pubkey],
    /// v2 `accepted` comparison (default [`AcceptedMatch::DeepEqual`]).
    pub accepted: AcceptedMatch,
}

impl SvmPolicy<'static> {
    /// The reference facilitator's highest `SetComputeUnitPrice`, µlamports.
    pub const DEFAULT_MAX_COMPUTE_UNIT_PRICE: u64 = 5_000_000;
    /// The reference facilitator's most instructions in a payment transaction.
    pub const DEFAULT_MAX_INSTRUCTIONS: usize = 6;

    /// The reference facilitator's policy.
    pub const DEFAULT: Self = Self {
        fee_payers: &[],
        max_compute_unit_price: Self::DEFAULT_MAX_COMPUTE_UNIT_PRICE,
        max_compute_unit_limit: None,
        max_instructions: Self::DEFAULT_MAX_INSTRUCTIONS,
        extra_programs: &DEFAULT_EXTRA_PROGRAMS,
        accepted: AcceptedMatch::DeepEqual,
    };
}

impl Default for SvmPolicy<'static> {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// What the facilitator must still check on chain before settling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HostCheck {
    /// The recent blockhash is still valid.
    RecentBlockhash,
    /// The source and destination token accounts exist (and the source holds the amount).
    TokenAccounts,
    /// The mint is owned by the transfer's token program and has the stated decimals.
    Mint,
    /// `simulateTransaction` with the fee payer's signature succeeds.
    Simulation,
    /// The same transaction is not settled twice (cache keyed by the base64 transaction, 120 s).
    DuplicateSettlement,
}

/// Every [`HostCheck`], in the order a facilitator makes them.
pub const HOST_CHECKS: [HostCheck; 5] = [
    HostCheck::RecentBlockhash,
    HostCheck::TokenAccounts,
    HostCheck::Mint,
    HostCheck::Simulation,
    HostCheck::DuplicateSettlement,
];

/// A Solana payment that passed every offline check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SvmVerified {
    /// The protocol version of the payment.
    pub x402_version: X402Version,
    /// The cluster.
    pub cluster: SolanaCluster,
    /// The payer: the transfer's authority, proven by its signature.
    pub payer: Pubkey,
    /// The amount transferred, atomic units.
    pub amount: u64,
    /// The decoded transfer.
    pub transfer: TransferChecked,
    /// The fee payer (`extra.feePayer`), whose signature the facilitator adds.
    pub fee_payer: Pubkey,
    /// `SetComputeUnitLimit`.
    pub compute_unit_limit: u32,
    /// `SetComputeUnitPrice`, µlamports.
    pub compute_unit_price: u64,
    /// The transaction's recent blockhash.
    pub recent_blockhash: [u8; 32],
    /// What is left for the facilitator to check with RPC ([`HOST_CHECKS`]).
    pub still_to_check: &'static [HostCheck],
}

/// Why a transaction could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransactionDecodeFailure {
    /// `payload.transaction` is not base64 (or longer than a packet).
    Base64(Base64Error),
    /// The bytes are not a transaction pay402 can verify.
    Transaction(TransactionError),
}

/// A failed Solana check; the code is the reference facilitator's string (module table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SvmCheck {
    /// Not `exact`.
    UnsupportedScheme,
    /// The payment's network differs from the requirements'.
    NetworkMismatch,
    /// `extra.feePayer` is missing or not a string.
    MissingFeePayer,
    /// `extra.feePayer` is not one of this facilitator's keys.
    FeePayerNotManaged,
    /// The transaction could not be decoded.
    Undecodable(TransactionDecodeFailure),
    /// Fewer than 3 or more than the maximum instructions.
    InstructionsLength,
    /// Instruction 0 is not `SetComputeUnitLimit`.
    ComputeLimitInstruction,
    /// The compute-unit limit exceeds the policy's maximum.
    ComputeLimitTooHigh,
    /// Instruction 1 is not `SetComputeUnitPrice`.
    ComputePriceInstruction,
    /// The compute-unit price exceeds the policy's maximum.
    ComputePriceTooHigh,
    /// Instruction 2 is not a `TransferChecked` of SPL Token or Token-2022.
    NoTransferInstruction,
    /// The transfer's authority is a facilitator key.
    FeePayerTransferringFunds,
    /// The fee payer appears in an instruction's accounts.
    FeePayerInInstructionAccounts,
    /// The mint is not `asset`.
    MintMismatch,
    /// The destination is not `payTo`'s associated token account.
    RecipientMismatch,
    /// The amount is not the required amount.
    AmountMismatch,
    /// An instruction after the transfer runs a program outside the allow-list.
    UnknownInstruction {
        /// Its position (0-based; 3 is the fourth instruction).
        position: usize,
    },
    /// With `extra.memo`: not exactly one Memo instruction.
    MemoCount,
    /// With `extra.memo`: the Memo's data differs.
    MemoMismatch,
    /// Account key 0 is not `extra.feePayer`.
    FeePayerMismatch,
    /// A present signature fails, or a signer other than the fee payer has not signed (or the
    /// fee payer has).
    SignatureInvalid {
        /// The signer's index.
        index: usize,
    },
}

impl SvmCheck {
    /// The reference string (see the module table).
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnsupportedScheme => "invalid_exact_svm_unsupported_scheme",
            Self::NetworkMismatch => "invalid_exact_svm_network_mismatch",
            Self::MissingFeePayer => "invalid_exact_svm_payload_missing_fee_payer",
            Self::FeePayerNotManaged => "invalid_exact_svm_fee_payer_not_managed_by_facilitator",
            Self::Undecodable(_) => "invalid_exact_svm_payload_transaction_could_not_be_decoded",
            Self::InstructionsLength => "invalid_exact_svm_payload_transaction_instructions_length",
            Self::ComputeLimitInstruction => {
                "invalid_exact_svm_payload_transaction_instructions_compute_limit_instruction"
            }
            Self::ComputeLimitTooHigh => {
                "invalid_exact_svm_payload_transaction_instructions_compute_limit_instruction_too_high"
            }
            Self::ComputePriceInstruction => {
                "invalid_exact_svm_payload_transaction_instructions_compute_price_instruction"
            }
            Self::ComputePriceTooHigh => {
                "invalid_exact_svm_payload_transaction_instructions_compute_price_instruction_too_high"
            }
            Self::NoTransferInstruction => "invalid_exact_svm_payload_no_transfer_instruction",
            Self::FeePayerTransferringFunds => {
                "invalid_exact_svm_payload_transaction_fee_payer_transferring_funds"
            }
            Self::FeePayerInInstructionAccounts => {
                "invalid_exact_svm_payload_transaction_fee_payer_included_in_instruction_accounts"
            }
            Self::MintMismatch => "invalid_exact_svm_payload_mint_mismatch",
            Self::RecipientMismatch => "invalid_exact_svm_payload_recipient_mismatch",
            Self::AmountMismatch => "invalid_exact_svm_payload_amount_mismatch",
            Self::UnknownInstruction { position } => match position {
                3 => "invalid_exact_svm_payload_unknown_fourth_instruction",
                4 => "invalid_exact_svm_payload_unknown_fifth_instruction",
                5 => "invalid_exact_svm_payload_unknown_sixth_instruction",
                6 => "invalid_exact_svm_payload_unknown_seventh_instruction",
                _ => "invalid_exact_svm_payload_unknown_optional_instruction",
            },
            Self::MemoCount => "invalid_exact_svm_payload_memo_count",
            Self::MemoMismatch => "invalid_exact_svm_payload_memo_mismatch",
            Self::FeePayerMismatch => "invalid_exact_svm_fee_payer_mismatch",
            Self::SignatureInvalid { .. } => "invalid_exact_svm_payload_signature_invalid",
        }
    }

    /// x402-rs's `ErrorReason` for this failure.
    pub(crate) fn x402_rs_reason(&self) -> &'static str {
        match self {
            Self::UnsupportedScheme => "unsupported_scheme",
            Self::NetworkMismatch => "chain_id_mismatch",
            Self::Undecodable(_) => "invalid_format",
            Self::MintMismatch => "asset_mismatch",
            Self::RecipientMismatch => "recipient_mismatch",
            Self::AmountMismatch => "invalid_payment_amount",
            Self::SignatureInvalid { .. } => "invalid_signature",
            _ => self.code(),
        }
    }
}

impl fmt::Display for SvmCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedScheme => f.write_str("the scheme is not `exact`"),
            Self::NetworkMismatch => {
                f.write_str("the payment's network differs from the requirements'")
            }
            Self::MissingFeePayer => f.write_str("requirements.extra.feePayer is missing"),
            Self::FeePayerNotManaged => {
                f.write_str("extra.feePayer is not a key this facilitator manages")
            }
            Self::Undecodable(TransactionDecodeFailure::Base64(e)) => {
                write!(f, "payload.transaction is not base64: {e}")
            }
            Self::Undecodable(TransactionDecodeFailure::Transaction(e)) => {
                write!(f, "payload.transaction: {e}")
            }
            Self::InstructionsLength => {
                f.write_str("the transaction has too few or too many instructions")
            }
            Self::ComputeLimitInstruction => {
                f.write_str("instruction 0 is not ComputeBudget SetComputeUnitLimit")
            }
            Self::ComputeLimitTooHigh => f.write_str("the compute-unit limit exceeds the maximum"),
            Self::ComputePriceInstruction => {
                f.write_str("instruction 1 is not ComputeBudget SetComputeUnitPrice")
            }
            Self::ComputePriceTooHigh => f.write_str("the compute-unit price exceeds the maximum"),
            Self::NoTransferInstruction => {
                f.write_str("instruction 2 is not a TransferChecked of SPL Token or Token-2022")
            }
            Self::FeePayerTransferringFunds => {
                f.write_str("the transfer's authority is a facilitator fee payer")
            }
            Self::FeePayerInInstructionAccounts => {
                f.write_str("the fee payer appears in an instruction's accounts")
            }
            Self::MintMismatch => f.write_str("the transfer's mint is not the required asset"),
            Self::RecipientMismatch => {
                f.write_str("the transfer's destination is not payTo's associated token account")
            }
            Self::AmountMismatch => f.write_str("the transfer's amount is not the required amount"),
            Self::UnknownInstruction { position } => {
                write!(
                    f,
                    "instruction {position} runs a program outside the allow-list"
                )
            }
            Self::MemoCount => {
                f.write_str("extra.memo is set but the transaction has not exactly one Memo")
            }
            Self::MemoMismatch => f.write_str("the Memo's data differs from extra.memo"),
            Self::FeePayerMismatch => f.write_str("account key 0 is not extra.feePayer"),
            Self::SignatureInvalid { index } => write!(
                f,
                "signature {index} is invalid, or missing (only the fee payer's may be missing)"
            ),
        }
    }
}

/// Verifies a decoded Solana payment against one requirement (module table).
///
/// ```
/// use pay402::svm::{build_transfer, PayerKey, Pubkey, TransferParams, TOKEN_PROGRAM_ID};
/// use pay402::x402::{PaymentPayload, PaymentRequirements, Verifier};
/// use pay402::json::RawValue;
///
/// let payer = PayerKey::from_seed(&[1; 32]);
/// let fee_payer = Pubkey([2; 32]);
/// let usdc = Pubkey::parse(b"EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v")?;
/// let pay_to = Pubkey([3; 32]);
/// let params = TransferParams {
///     fee_payer, mint: usdc, pay_to, token_program: TOKEN_PROGRAM_ID, amount: 10_000, decimals: 6,
///     memo: b"00112233445566778899aabbccddeeff", recent_blockhash: [4; 32],
///     compute_unit_limit: 20_000, compute_unit_price: 1,
/// };
/// let mut wire = [0u8; 1232];
/// let wire = build_transfer(&params, &payer, &mut wire)?;
/// let mut b64 = [0u8; 1700];
/// let b64 = pay402::base64::encode_into(wire, &mut b64)?;
///
/// let requirements = format!(r#"{{"scheme":"exact","network":"solana","maxAmountRequired":"10000","resource":"https://x","description":"","mimeType":"","payTo":"{pay_to}","maxTimeoutSeconds":60,"asset":"{usdc}","extra":{{"feePayer":"{fee_payer}"}}}}"#);
/// let payment = format!(r#"{{"x402Version":1,"scheme":"exact","network":"solana","payload":{{"transaction":"{b64}"}}}}"#);
/// let requirements = PaymentRequirements::from_json_value(RawValue::parse(requirements.as_bytes())?)?;
/// let payment = PaymentPayload::from_json(payment.as_bytes())?;
/// let verified = Verifier::default().verify(&requirements, &payment, 0)?.svm().ok_or("not Solana")?;
/// assert_eq!(verified.payer, payer.pubkey());
/// assert_eq!(verified.amount, 10_000);
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[allow(
    clippy::too_many_lines,
    reason = "the checks in the reference order, numbered as in the module table"
)]
pub(crate) fn verify_exact_svm(
    requirements: &PaymentRequirements<'_>,
    payment: &PaymentPayload<'_>,
    policy: &SvmPolicy<'_>,
) -> Result<SvmVerified, VerifyError> {
    let svm = VerifyError::Svm;
    // 1. version
    if payment.version() != requirements.version() {
        return Err(VerifyError::Envelope(EnvelopeCheck::InvalidX402Version));
    }
    // 2. network
    let Some(Network::Solana(cluster)) =
        resolve_network(requirements.network(), requirements.version())
    else {
        return Err(VerifyError::Envelope(EnvelopeCheck::InvalidNetwork));
    };
    // 3. scheme
    if !payment.scheme().eq_str("exact") || !requirements.scheme().eq_str("exact") {
        return Err(svm(SvmCheck::UnsupportedScheme));
    }
    // 4. network equality
    if payment.network() != requirements.network() {
        return Err(svm(SvmCheck::NetworkMismatch));
    }
    // 5. v2 accepted
    if let (PaymentPayload::V2(p), PaymentRequirements::V2(r)) = (payment, requirements)
        && !accepted_matches(&p.accepted, r, policy.accepted)
    {
        return Err(VerifyError::Envelope(
            EnvelopeCheck::AcceptedRequirementsMismatch,
        ));
    }
    // 6. fee payer
    let extra = requirements.extra();
    let fee_payer_text = extra
        .as_ref()
        .and_then(|e| e.field("feePayer").value())
        .and_then(|v| v.as_str())
        .ok_or(svm(SvmCheck::MissingFeePayer))?;
    let fee_payer = pubkey_field(fee_payer_text, "feePayer");
    let managed = |key: &Pubkey| {
        if policy.fee_payers.is_empty() {
            fee_payer.as_ref().ok() == Some(key)
        } else {
            policy.fee_payers.contains(key)
        }
    };
    let fee_payer = match fee_payer {
        Ok(key) if managed(&key) => key,
        Ok(_) => return Err(svm(SvmCheck::FeePayerNotManaged)),
        Err(_) if !policy.fee_payers.is_empty() => return Err(svm(SvmCheck::FeePayerNotManaged)),
        Err(e) => return Err(e),
    };
    let asset = pubkey_field(requirements.asset(), "asset")?;
    let pay_to = pubkey_field(requirements.pay_to(), "payTo")?;
    let mut memo_buf = [0u8; MAX_MEMO_LEN];
    let memo = extra
        .as_ref()
        .map(|e| e.field("memo").opt_str())
        .transpose()
        .map_err(|e| VerifyError::InvalidPaymentRequirements(DecodeError::from(e).within("extra")))?
        .flatten()
        .map(|m| {
            m.text_in(&mut memo_buf)
                .ok_or(VerifyError::InvalidPaymentRequirements(
                    DecodeError::new("memo", DecodeReason::InvalidValue).within("extra"),
                ))
        })
        .transpose()?;
    // 7. decode
    let transaction_text = payment
        .payload()
        .field("transaction")
        .str()
        .map_err(|e| VerifyError::InvalidPayload(DecodeError::from(e).within("payload")))?;
    let mut wire = [0u8; MAX_TRANSACTION_LEN];
    let undecodable = |f| svm(SvmCheck::Undecodable(f));
    let text = transaction_text
        .as_plain()
        .ok_or(undecodable(TransactionDecodeFailure::Base64(
            Base64Error::InvalidCharacter { index: 0 },
        )))?;
    let bytes = base64::decode_public_into(text.as_bytes(), &Base64Policy::X402, &mut wire)
        .map_err(|e| undecodable(TransactionDecodeFailure::Base64(e)))?;
    let tx = Transaction::decode(bytes)
        .map_err(|e| undecodable(TransactionDecodeFailure::Transaction(e)))?;
    let message = &tx.message;
    // 8. instruction count
    let count = message.instruction_count();
    if count < 3 || count > policy.max_instructions {
        return Err(svm(SvmCheck::InstructionsLength));
    }
    let mut ixs = message
        .instructions()
        .filter_map(|raw| resolve_instruction(message, raw));
    // 9., 10. compute budget
    let compute_unit_limit = ixs
        .next()
        .as_ref()
        .and_then(instructions::compute_unit_limit)
        .ok_or(svm(SvmCheck::ComputeLimitInstruction))?;
    if policy
        .max_compute_unit_limit
        .is_some_and(|max| compute_unit_limit > max)
    {
        return Err(svm(SvmCheck::ComputeLimitTooHigh));
    }
    let compute_unit_price = ixs
        .next()
        .as_ref()
        .and_then(instructions::compute_unit_price)
        .ok_or(svm(SvmCheck::ComputePriceInstruction))?;
    if compute_unit_price > policy.max_compute_unit_price {
        return Err(svm(SvmCheck::ComputePriceTooHigh));
    }
    // 11. transfer
    let transfer = ixs
        .next()
        .and_then(|ix| instructions::transfer_checked(&ix, message))
        .ok_or(svm(SvmCheck::NoTransferInstruction))?;
    // 12. the facilitator's keys do not pay
    if managed(&transfer.authority) {
        return Err(svm(SvmCheck::FeePayerTransferringFunds));
    }
    // 13. fee payer isolation
    let in_accounts = message.instructions().any(|ix| {
        ix.accounts
            .iter()
            .any(|&i| message.account_key(usize::from(i)) == Some(fee_payer))
    });
    if in_accounts {
        return Err(svm(SvmCheck::FeePayerInInstructionAccounts));
    }
    // 14. mint
    if transfer.mint != asset {
        return Err(svm(SvmCheck::MintMismatch));
    }
    // 15. destination
    if associated_token_address(&pay_to, &asset, &transfer.token_program)
        != Some(transfer.destination)
    {
        return Err(svm(SvmCheck::RecipientMismatch));
    }
    // 16. amount
    if U256::from_u64(transfer.amount) != requirements.amount() {
        return Err(svm(SvmCheck::AmountMismatch));
    }
    // 17. extra instructions
    for (offset, ix) in ixs.by_ref().enumerate() {
        if !policy.extra_programs.contains(&ix.program_id) {
            return Err(svm(SvmCheck::UnknownInstruction {
                position: offset.saturating_add(3),
            }));
        }
    }
    // 18. memo
    if let Some(memo) = memo {
        let mut memos = message
            .instructions()
            .filter_map(|raw| resolve_instruction(message, raw))
            .filter(|ix| ix.program_id == MEMO_PROGRAM_ID);
        let (Some(only), None) = (memos.next(), memos.next()) else {
            return Err(svm(SvmCheck::MemoCount));
        };
        if only.raw.data != memo.as_bytes() {
            return Err(svm(SvmCheck::MemoMismatch));
        }
    }
    // 19. fee payer slot
    if message.fee_payer() != Some(fee_payer) {
        return Err(svm(SvmCheck::FeePayerMismatch));
    }
    // 20. signatures
    check_signatures(&tx)?;
    Ok(SvmVerified {
        x402_version: payment.version(),
        cluster,
        payer: transfer.authority,
        amount: transfer.amount,
        transfer,
        fee_payer,
        compute_unit_limit,
        compute_unit_price,
        recent_blockhash: message.recent_blockhash,
        still_to_check: &HOST_CHECKS,
    })
}

fn resolve_instruction<'a>(
    message: &Message<'_>,
    raw: Instruction<'a>,
) -> Option<ResolvedInstruction<'a>> {
    message
        .account_key(usize::from(raw.program_id_index))
        .map(|program_id| ResolvedInstruction { program_id, raw })
}

/// Signer 0 (the fee payer) must not have signed yet; every other signer must have, validly.
fn check_signatures(tx: &Transaction<'_>) -> Result<(), VerifyError> {
    let message = tx.message.bytes();
    for (index, signature) in tx.signatures().enumerate() {
        let invalid = VerifyError::Svm(SvmCheck::SignatureInvalid { index });
        let missing = signature.iter().all(|&b| b == 0);
        if index == 0 {
            if missing {
                continue;
            }
            return Err(invalid);
        }
        let key = tx.message.account_key(index).ok_or(invalid)?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(&key.0).map_err(|_| invalid)?;
        let signature = ed25519_dalek::Signature::from_bytes(signature);
        key.verify_strict(message, &signature)
            .map_err(|_| invalid)?;
    }
    Ok(())
}

fn pubkey_field(text: JsonStr<'_>, name: &'static str) -> Result<Pubkey, VerifyError> {
    let mut buf = [0u8; 64];
    text.text_in(&mut buf)
        .and_then(|t| Pubkey::parse(t.as_bytes()).ok())
        .ok_or(VerifyError::InvalidPaymentRequirements(DecodeError::new(
            name,
            DecodeReason::InvalidValue,
        )))
}

impl ErrorCode for SvmCheck {
    fn code(&self) -> &'static str {
        SvmCheck::code(self)
    }

    /// The base64 or transaction code of an undecodable transaction.
    fn detail_code(&self) -> Option<&'static str> {
        match self {
            Self::Undecodable(TransactionDecodeFailure::Base64(e)) => Some(e.code()),
            Self::Undecodable(TransactionDecodeFailure::Transaction(e)) => Some(e.code()),
            _ => None,
        }
    }
}

impl core::error::Error for SvmCheck {}
