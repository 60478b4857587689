//! Solana: a payment proven by a transaction signature, checked from the `getTransaction`
//! result fetched with `encoding: "jsonParsed"`
//! (<https://solana.com/docs/rpc/http/gettransaction>) and the commitment it was fetched at.
//!
//! # What counts as paid
//!
//! - **SPL tokens**: parsed `transferChecked` instructions of the expected token program whose
//!   `mint` is the expected mint and whose `destination` is the payee's associated token account
//!   (derived here, [`crate::svm::associated_token_address`]); `tokenAmount.amount` is summed
//!   over every such instruction, top level and inner (`meta.innerInstructions`), for the same
//!   reason as on EVM (`onchain::evm`): what reached the payee in this transaction is what was
//!   paid. Plain `transfer` (no mint named, so the asset is not stated by the instruction) does
//!   not count. The token program refuses a `transferChecked` whose mint or decimals are wrong,
//!   so a successful transaction's instruction is what moved.
//! - **SOL**: parsed System program `transfer` instructions to the payee, `lamports` summed.
//!
//! # Reference
//!
//! Solana Pay (<https://docs.solanapay.com/spec>, "reference") has the payer add each reference
//! as a read-only, non-signer account key of the transfer instruction, so the transaction can be
//! found with `getSignaturesForAddress` and is bound to the request. A `jsonParsed` instruction
//! lists only the accounts its parser names, so the check here is on the message's account keys
//! (`transaction.message.accountKeys`, objects with `signer` and `writable` in `jsonParsed`): the
//! reference must be there, not a signer and not writable.
//!
//! # Finality
//!
//! The host says at which [`Commitment`] it fetched the transaction (`getTransaction` accepts
//! `confirmed` and `finalized`); the offer says which it needs.
//!
//! # Flow
//!
//! [`SvmTransaction::parse`] validates the result once; [`verify_svm_transaction`] decides over
//! the parsed view and parses nothing again.

use super::{Accepted, Payer, ProofError, TxId, add, too_old};
use crate::json::{
    Elements, Field, FieldIssue, FieldIssueKind, Kind, MAX_PARSED_TEXT, Object, RawValue,
};
use crate::svm::{Pubkey, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID, associated_token_address};
use crate::u256::U256;

/// The System program, `11111111111111111111111111111111`.
pub const SYSTEM_PROGRAM_ID: Pubkey = Pubkey([0; 32]);

/// A Solana commitment level (<https://solana.com/docs/rpc#configuring-state-commitment>),
/// ordered weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Commitment {
    /// `processed`.
    Processed,
    /// `confirmed`: voted on by a supermajority.
    Confirmed,
    /// `finalized`: rooted.
    Finalized,
}

impl Commitment {
    /// The level named `name` (`processed`, `confirmed`, `finalized`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "processed" => Some(Self::Processed),
            "confirmed" => Some(Self::Confirmed),
            "finalized" => Some(Self::Finalized),
            _ => None,
        }
    }
}

/// The asset a payment must move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SvmAsset {
    /// An SPL token: its mint and the program that owns it (SPL Token or Token-2022).
    Token {
        /// The mint.
        mint: Pubkey,
        /// The token program.
        token_program: Pubkey,
    },
    /// SOL, in lamports.
    Native,
}

/// What the server expects of the transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SvmExpected {
    /// The signature the client named ([`parse_signature`]).
    pub signature: [u8; 64],
    /// The asset.
    pub asset: SvmAsset,
    /// The payee's wallet (its associated token account receives tokens).
    pub pay_to: Pubkey,
    /// The price in atomic units: the payee must receive at least this.
    pub min_amount: U256,
    /// The Solana Pay reference the server issued, if it issued one.
    pub reference: Option<Pubkey>,
    /// The oldest block time accepted, as seconds before `now`; `None` accepts any age.
    pub max_age_secs: Option<u64>,
    /// The commitment needed.
    pub min_commitment: Commitment,
    /// The current unix time in seconds.
    pub now: u64,
}

/// A transaction signature in base58 (64 bytes). Errors: `invalid_transaction_signature`.
pub fn parse_signature(text: &[u8]) -> Result<[u8; 64], ProofError> {
    if text.len() > 88 {
        return Err(ProofError::InvalidSignature);
    }
    let mut out = [0u8; 64];
    match bs58::decode(text).onto(&mut out[..]) {
        Ok(64) => Ok(out),
        _ => Err(ProofError::InvalidSignature),
    }
}

/// A `getTransaction` result fetched with `encoding: "jsonParsed"`, validated: the signature,
/// every instruction (top level and inner) and every account key are well-formed.
#[derive(Clone, Debug)]
pub struct SvmTransaction<'a> {
    /// The transaction's first signature (its id).
    pub signature: [u8; 64],
    /// `meta.err` is set: the transaction failed.
    pub failed: bool,
    /// `blockTime`, unix seconds; `None` when the node does not know it.
    pub block_time: Option<u64>,
    instructions: Elements<'a>,
    inner: Option<Elements<'a>>,
    account_keys: Elements<'a>,
}

/// One transfer instruction of a transaction, as its parser shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SvmTransfer {
    /// The program that ran it: SPL Token, Token-2022 or System.
    pub program: Pubkey,
    /// The mint of a token `transferChecked`; `None` for a System `transfer` of SOL.
    pub mint: Option<Pubkey>,
    /// The account credited: a token account, or a wallet for SOL.
    pub destination: Pubkey,
    /// Who paid: the token `authority` (`multisigAuthority` when given), or the SOL `source`.
    pub payer: Pubkey,
    /// Atomic units: `tokenAmount.amount`, or `lamports`.
    pub amount: U256,
}

impl<'a> SvmTransaction<'a> {
    /// Parses the `getTransaction` result. Errors: `transaction_not_found` for `null` (unknown,
    /// or not yet at the commitment asked for), `invalid_rpc_result` for malformed JSON, a
    /// missing or malformed field, a malformed transfer instruction or account key.
    pub fn parse(result: &'a [u8]) -> Result<Self, ProofError> {
        let value = RawValue::parse(result)?;
        if value.is_null() {
            return Err(ProofError::NotFound);
        }
        let tx = Object::from_value(value, "result")?;
        let transaction = tx.field("transaction").object()?;
        let first = transaction
            .field("signatures")
            .array()?
            .next()
            .ok_or(FieldIssue::missing("signatures"))?;
        let first = Field::new("signatures", Some(first));
        let mut buf = [0u8; MAX_PARSED_TEXT];
        let signature = parse_signature(first.parsed_text(&mut buf)?.as_bytes())
            .map_err(|_| FieldIssue::new("signatures", FieldIssueKind::InvalidValue))?;
        let meta = tx.field("meta").object()?;
        let message = transaction.field("message").object()?;
        let parsed = Self {
            signature,
            failed: meta.field("err").is_present(),
            block_time: tx.field("blockTime").optional(Field::u64)?,
            instructions: message.field("instructions").array()?,
            inner: meta.field("innerInstructions").opt_array()?,
            account_keys: message.field("accountKeys").array()?,
        };
        for ix in parsed.instructions.clone() {
            decode_instruction(ix)?;
        }
        for group in parsed.inner.clone().into_iter().flatten() {
            let group = Object::from_value(group, "innerInstructions")?;
            for ix in group.field("instructions").array()? {
                decode_instruction(ix)?;
            }
        }
        for key in parsed.account_keys.clone() {
            decode_account_key(key)?;
        }
        Ok(parsed)
    }

    /// The transfers of the transaction, top level then inner, in order: SPL Token and
    /// Token-2022 `transferChecked` and System `transfer`. Other instructions are skipped.
    pub fn transfers(&self) -> impl Iterator<Item = SvmTransfer> + 'a {
        // Everything was decoded once by `parse`, so no error can appear here.
        let inner = self.inner.clone().into_iter().flatten().flat_map(|group| {
            Object::from_value(group, "innerInstructions")
                .ok()
                .and_then(|g| g.field("instructions").array().ok())
                .into_iter()
                .flatten()
        });
        self.instructions
            .clone()
            .chain(inner)
            .filter_map(|ix| decode_instruction(ix).ok().flatten())
    }

    /// `true` when `key` is an account key of the message, read-only and not a signer (a
    /// Solana Pay reference).
    pub fn has_read_only_key(&self, key: &Pubkey) -> bool {
        self.account_keys
            .clone()
            .filter_map(|k| decode_account_key(k).ok())
            .any(|(pubkey, signer, writable)| pubkey == *key && !signer && !writable)
    }
}

/// Decides a Solana transaction proof from the parsed `getTransaction` result, fetched at
/// `fetched_at`: [`Accepted`] or the first refusal (order in [`super`]). Errors:
/// `transaction_mismatch`, `transaction_reverted`, `wrong_asset`, `wrong_payee`,
/// `amount_too_low`, `reference_missing`, `transaction_too_old`, `block_time_unknown`,
/// `transaction_not_final`.
///
/// ```
/// use pay402::onchain::svm::{Commitment, SvmAsset, SvmExpected, SvmTransaction, verify_svm_transaction};
/// use pay402::onchain::{MAX_KEY_LEN, Payer};
/// use pay402::svm::Pubkey;
/// use pay402::writer::Writer;
/// use pay402::{ErrorCode, U256};
///
/// let (payer, payee) = (Pubkey([9; 32]), Pubkey([5; 32]));
/// let sig = "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW";
/// let result = format!(r#"{{"blockTime":1700000000,"slot":7,"meta":{{"err":null}},
///   "transaction":{{"signatures":["{sig}"],"message":{{"accountKeys":[],"instructions":[
///     {{"programId":"11111111111111111111111111111111","program":"system",
///       "parsed":{{"type":"transfer","info":{{"source":"{payer}","destination":"{payee}","lamports":5000}}}}}}]}}}}}}"#);
/// let tx = SvmTransaction::parse(result.as_bytes())?;
/// let mut expected = SvmExpected {
///     signature: tx.signature,
///     asset: SvmAsset::Native,
///     pay_to: payee,
///     min_amount: U256::from_u64(5000),
///     reference: None,
///     max_age_secs: Some(600),
///     min_commitment: Commitment::Finalized,
///     now: 1_700_000_060,
/// };
/// let ok = verify_svm_transaction(&tx, Commitment::Finalized, &expected)?;
/// assert_eq!((ok.payer, ok.amount), (Payer::Svm(payer), U256::from_u64(5000)));
/// let mut key = [0u8; MAX_KEY_LEN];
/// let mut w = Writer::new(&mut key);
/// ok.tx.write_key(&mut w).unwrap();
/// assert_eq!(w.written(), format!("svm:{sig}").as_bytes());
///
/// // Fetched at `confirmed` while the offer asks for `finalized`: retry later.
/// let err = verify_svm_transaction(&tx, Commitment::Confirmed, &expected).unwrap_err();
/// assert_eq!(err.code(), "transaction_not_final");
/// # Ok::<(), pay402::onchain::ProofError>(())
/// ```
pub fn verify_svm_transaction(
    tx: &SvmTransaction<'_>,
    fetched_at: Commitment,
    expected: &SvmExpected,
) -> Result<Accepted, ProofError> {
    if tx.signature != expected.signature {
        return Err(ProofError::Mismatch("transaction"));
    }
    if tx.failed {
        return Err(ProofError::Reverted);
    }
    let (program, mint, destination) = match expected.asset {
        SvmAsset::Token {
            mint,
            token_program,
        } => (
            token_program,
            Some(mint),
            associated_token_address(&expected.pay_to, &mint, &token_program)
                .ok_or(ProofError::WrongPayee)?,
        ),
        SvmAsset::Native => (SYSTEM_PROGRAM_ID, None, expected.pay_to),
    };
    let mut any_of_asset = false;
    let mut payer = None;
    let mut total = U256::ZERO;
    for t in tx
        .transfers()
        .filter(|t| t.program == program && t.mint == mint)
    {
        any_of_asset = true;
        if t.destination != destination {
            continue;
        }
        payer.get_or_insert(t.payer);
        total = add(total, t.amount, "instructions")?;
    }
    let payer = match payer {
        Some(payer) => payer,
        None if any_of_asset => return Err(ProofError::WrongPayee),
        None => return Err(ProofError::WrongAsset),
    };
    if total < expected.min_amount {
        return Err(ProofError::AmountTooLow);
    }
    if let Some(reference) = expected.reference
        && !tx.has_read_only_key(&reference)
    {
        return Err(ProofError::ReferenceMissing);
    }
    if expected.max_age_secs.is_some() {
        let time = tx.block_time.ok_or(ProofError::BlockTimeUnknown)?;
        if too_old(time, expected.now, expected.max_age_secs) {
            return Err(ProofError::TooOld);
        }
    }
    if fetched_at < expected.min_commitment {
        return Err(ProofError::NotFinal);
    }
    Ok(Accepted {
        tx: TxId::Svm(expected.signature),
        payer: Payer::Svm(payer),
        amount: total,
    })
}

/// Decodes one instruction: `Some` for a token `transferChecked` or a System `transfer`,
/// `None` for any other (no parser: `{programId, accounts, data}`; the Memo parser's string;
/// other parsed types, including a token `transfer`, which names no mint).
fn decode_instruction(ix: RawValue<'_>) -> Result<Option<SvmTransfer>, ProofError> {
    let ix = Object::from_value(ix, "instructions")?;
    let program = pubkey(ix.field("programId"))?;
    let Some(parsed) = ix.get("parsed").filter(|p| p.kind() == Kind::Object) else {
        return Ok(None);
    };
    let parsed = Object::from_value(parsed, "parsed")?;
    let kind = parsed.field("type").str()?;
    let token = program == TOKEN_PROGRAM_ID || program == TOKEN_2022_PROGRAM_ID;
    if token && kind.eq_str("transferChecked") {
        let info = parsed.field("info").object()?;
        let multisig = info.field("multisigAuthority");
        let authority = if multisig.is_present() {
            multisig
        } else {
            info.field("authority")
        };
        return Ok(Some(SvmTransfer {
            program,
            mint: Some(pubkey(info.field("mint"))?),
            destination: pubkey(info.field("destination"))?,
            payer: pubkey(authority)?,
            amount: info
                .field("tokenAmount")
                .object()?
                .field("amount")
                .amount()?,
        }));
    }
    if program == SYSTEM_PROGRAM_ID && kind.eq_str("transfer") {
        let info = parsed.field("info").object()?;
        return Ok(Some(SvmTransfer {
            program,
            mint: None,
            destination: pubkey(info.field("destination"))?,
            payer: pubkey(info.field("source"))?,
            amount: info.field("lamports").amount()?,
        }));
    }
    Ok(None)
}

/// One `jsonParsed` account key: `{pubkey, signer, writable}`.
fn decode_account_key(key: RawValue<'_>) -> Result<(Pubkey, bool, bool), ProofError> {
    let key = Object::from_value(key, "accountKeys")?;
    Ok((
        pubkey(key.field("pubkey"))?,
        key.field("signer").bool()?,
        key.field("writable").bool()?,
    ))
}

/// A base58 address member.
fn pubkey(field: Field<'_>) -> Result<Pubkey, ProofError> {
    let key = field.key();
    let mut buf = [0u8; MAX_PARSED_TEXT];
    let text = field.parsed_text(&mut buf)?;
    Pubkey::parse(text.as_bytes())
        .map_err(|_| FieldIssue::new(key, FieldIssueKind::InvalidValue).into())
}

/// `PayPer402`'s check (<https://github.com/Russioo/PayPer402>): the client paid the challenge's
/// amount on Solana and retried with the transaction signature (`paymentSignature` in the JSON
/// body). The challenge names no payee, mint or reference: those are the server's own terms.
#[cfg(feature = "dialects")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PayPer402Terms {
    /// The token mint `currency` stands for (USDC: `EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v`).
    pub mint: Pubkey,
    /// The mint's token program.
    pub token_program: Pubkey,
    /// The server's wallet.
    pub pay_to: Pubkey,
    /// The Solana Pay reference the server issued with the challenge, if any.
    pub reference: Option<Pubkey>,
    /// The oldest block time accepted, seconds before `now`.
    pub max_age_secs: Option<u64>,
    /// The commitment needed.
    pub min_commitment: Commitment,
    /// The current unix time in seconds.
    pub now: u64,
}

/// Decides a `PayPer402` payment: the challenge the server issued (its `amount` is the price;
/// its `network`, when given, must be `Solana`), the signature the client sent, and the
/// `getTransaction` `jsonParsed` result fetched at `fetched_at`. Errors: those of
/// [`verify_svm_transaction`], `unsupported_network`, `invalid_transaction_signature`.
///
/// ```
/// use pay402::dialects::PayPer402Challenge;
/// use pay402::onchain::svm::{Commitment, PayPer402Terms, verify_payper402};
/// use pay402::svm::{Pubkey, TOKEN_PROGRAM_ID};
/// use pay402::ErrorCode;
///
/// let challenge = PayPer402Challenge::parse(
///     r#"Bearer realm="PayPer402", amount="0.042", currency="USDC", network="Solana""#, 6)?;
/// let terms = PayPer402Terms {
///     mint: Pubkey::parse(b"EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v").unwrap(),
///     token_program: TOKEN_PROGRAM_ID,
///     pay_to: Pubkey([7; 32]),
///     reference: None,
///     max_age_secs: Some(600),
///     min_commitment: Commitment::Confirmed,
///     now: 1_700_000_000,
/// };
/// let sig = "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW";
/// let err = verify_payper402(&challenge, sig.as_bytes(), b"null", Commitment::Confirmed, &terms).unwrap_err();
/// assert_eq!(err.code(), "transaction_not_found");
/// # Ok::<(), pay402::dialects::DialectError>(())
/// ```
#[cfg(feature = "dialects")]
pub fn verify_payper402(
    challenge: &crate::dialects::PayPer402Challenge<'_>,
    signature: &[u8],
    result: &[u8],
    fetched_at: Commitment,
    terms: &PayPer402Terms,
) -> Result<Accepted, ProofError> {
    if challenge.network.is_some_and(|n| !n.eq_str("Solana")) {
        return Err(ProofError::UnsupportedNetwork);
    }
    let expected = SvmExpected {
        signature: parse_signature(signature)?,
        asset: SvmAsset::Token {
            mint: terms.mint,
            token_program: terms.token_program,
        },
        pay_to: terms.pay_to,
        min_amount: challenge.amount,
        reference: terms.reference,
        max_age_secs: terms.max_age_secs,
        min_commitment: terms.min_commitment,
        now: terms.now,
    };
    verify_svm_transaction(&SvmTransaction::parse(result)?, fetched_at, &expected)
}
