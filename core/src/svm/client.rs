//! Builds the x402 `exact` payment transaction the reference client builds (x402 `exact` SVM
//! scheme): a v0 message whose fee payer is the facilitator's `extra.feePayer` (left unsigned),
//! with `SetComputeUnitLimit`, `SetComputeUnitPrice`, `TransferChecked` from the payer's associated
//! token account to `payTo`'s, and a Memo; partially signed by the payer.
//!
//! The recent blockhash, the mint's decimals and token program (which need RPC) and the memo
//! nonce (which needs randomness) come from the caller.

use super::compact_u16;
use super::instructions::{
    COMPUTE_BUDGET_PROGRAM_ID, MEMO_PROGRAM_ID, SET_COMPUTE_UNIT_LIMIT, SET_COMPUTE_UNIT_PRICE,
    TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID, TRANSFER_CHECKED,
};
use super::pda::associated_token_address;
use super::pubkey::Pubkey;
use crate::error::{BufferTooSmall, ErrorCode};
use crate::writer::Writer;
use core::fmt;
use ed25519_dalek::{Signer, SigningKey};

/// The reference client's compute-unit limit.
pub const DEFAULT_COMPUTE_UNIT_LIMIT: u32 = 20_000;
/// The reference client's compute-unit price, µlamports.
pub const DEFAULT_COMPUTE_UNIT_PRICE: u64 = 1;
/// Longest memo, in bytes (x402 `exact` SVM scheme, `extra.memo`).
pub const MAX_MEMO_LEN: usize = 256;

/// A payer's ed25519 key (the 32-byte seed), zeroized on drop.
pub struct PayerKey(SigningKey);

impl PayerKey {
    /// The key for a 32-byte ed25519 seed (the first half of a Solana 64-byte keypair file).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self(SigningKey::from_bytes(seed))
    }

    /// The payer's address (the ed25519 public key).
    pub fn pubkey(&self) -> Pubkey {
        Pubkey(self.0.verifying_key().to_bytes())
    }

    /// Signs `message` (ed25519, RFC 8032).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }
}

impl fmt::Debug for PayerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PayerKey({})", self.pubkey())
    }
}

/// What the payment transfers, and the values that need RPC or randomness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferParams<'a> {
    /// `extra.feePayer`: the facilitator's key, account 0, left unsigned.
    pub fee_payer: Pubkey,
    /// `asset`: the SPL mint.
    pub mint: Pubkey,
    /// `payTo`: the receiving wallet (its associated token account is derived).
    pub pay_to: Pubkey,
    /// SPL Token or Token-2022: the mint account's owner (RPC).
    pub token_program: Pubkey,
    /// Atomic units (`amount` / `maxAmountRequired`).
    pub amount: u64,
    /// The mint's decimals (RPC).
    pub decimals: u8,
    /// Memo data: `extra.memo`, or a hex nonce of ≥ 16 random bytes; empty = no memo.
    pub memo: &'a [u8],
    /// A recent blockhash (RPC `getLatestBlockhash`).
    pub recent_blockhash: [u8; 32],
    /// `SetComputeUnitLimit` ([`DEFAULT_COMPUTE_UNIT_LIMIT`]).
    pub compute_unit_limit: u32,
    /// `SetComputeUnitPrice`, µlamports ([`DEFAULT_COMPUTE_UNIT_PRICE`]).
    pub compute_unit_price: u64,
}

/// Why a payment transaction could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// The token program is neither SPL Token nor Token-2022 (`unsupported_token_program`).
    UnsupportedTokenProgram,
    /// The payer's key is the fee payer; the fee payer must stay isolated
    /// (`payer_is_fee_payer`).
    PayerIsFeePayer,
    /// The memo is longer than [`MAX_MEMO_LEN`] bytes (`memo_too_long`).
    MemoTooLong,
    /// No off-curve associated token account exists for these keys (`no_associated_token_account`).
    NoAssociatedTokenAccount,
    /// The output buffer is too small (`buffer_too_small`).
    BufferTooSmall,
}

impl From<BufferTooSmall> for BuildError {
    fn from(_: BufferTooSmall) -> Self {
        Self::BufferTooSmall
    }
}

/// An account of the message being compiled.
#[derive(Clone, Copy)]
struct Account {
    key: Pubkey,
    signer: bool,
    writable: bool,
}

impl Account {
    /// The runtime's order: writable signers, read-only signers, writable, read-only.
    fn rank(&self) -> u8 {
        match (self.signer, self.writable) {
            (true, true) => 0,
            (true, false) => 1,
            (false, true) => 2,
            (false, false) => 3,
        }
    }
}

const MAX_ACCOUNTS: usize = 8;

#[derive(Default)]
struct Accounts(heapless::Vec<Account, MAX_ACCOUNTS>);

impl Accounts {
    fn add(&mut self, key: Pubkey, signer: bool, writable: bool) -> Result<(), BuildError> {
        if let Some(a) = self.0.iter_mut().find(|a| a.key == key) {
            a.signer |= signer;
            a.writable |= writable;
            return Ok(());
        }
        self.0
            .push(Account {
                key,
                signer,
                writable,
            })
            .map_err(|_| BuildError::BufferTooSmall)
    }

    fn index(&self, key: &Pubkey) -> Result<u8, BuildError> {
        let i = self
            .0
            .iter()
            .position(|a| a.key == *key)
            .ok_or(BuildError::BufferTooSmall)?;
        u8::try_from(i).map_err(|_| BuildError::BufferTooSmall)
    }

    fn count(&self, f: impl Fn(&Account) -> bool) -> Result<u8, BuildError> {
        u8::try_from(self.0.iter().filter(|a| f(a)).count()).map_err(|_| BuildError::BufferTooSmall)
    }
}

/// Builds and partially signs the payment transaction into `out` and returns its wire bytes
/// (what `getBase64EncodedWireTransaction` encodes): [`build_unsigned_transfer`] for the key's
/// public key, then the key's ed25519 signature in the payer's slot. The fee payer's signature
/// slot is left zero for the facilitator.
///
/// ```
/// use pay402::svm::{build_transfer, Pubkey, PayerKey, Transaction, TransferParams, TOKEN_PROGRAM_ID};
/// let payer = PayerKey::from_seed(&[1; 32]);
/// let params = TransferParams {
///     fee_payer: Pubkey([2; 32]),
///     mint: Pubkey::parse(b"EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v")?,
///     pay_to: Pubkey([3; 32]),
///     token_program: TOKEN_PROGRAM_ID,
///     amount: 10_000,
///     decimals: 6,
///     memo: b"0123456789abcdef0123456789abcdef",
///     recent_blockhash: [4; 32],
///     compute_unit_limit: 20_000,
///     compute_unit_price: 1,
/// };
/// let mut out = [0u8; 1232];
/// let wire = build_transfer(&params, &payer, &mut out)?;
/// let tx = Transaction::decode(wire)?;
/// assert_eq!(tx.message.fee_payer(), Some(Pubkey([2; 32])));
/// assert_eq!(tx.signature(0), Some(&[0u8; 64]));
/// assert_eq!(tx.message.instruction_count(), 4);
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
pub fn build_transfer<'o>(
    params: &TransferParams<'_>,
    payer: &PayerKey,
    out: &'o mut [u8],
) -> Result<&'o [u8], BuildError> {
    let authority = payer.pubkey();
    let len = build_unsigned_transfer(params, authority, out)?.len();
    // The wire form is `compact-u16 signature count ‖ signatures ‖ message`; the count is below
    // 128 (two signers), so one byte, and the v0 message's static keys start with the signers
    // in signature-slot order after its 5 leading bytes (the version prefix 0x80, the 3 header
    // counts and a one-byte key count).
    let signers = usize::from(*out.first().ok_or(BuildError::BufferTooSmall)?);
    let message_start = signers.saturating_mul(64).saturating_add(1);
    let keys_start = message_start.saturating_add(5);
    let slot = (0..signers)
        .find(|i| {
            let at = keys_start.saturating_add(i.saturating_mul(32));
            out.get(at..at.saturating_add(32)) == Some(&authority.0[..])
        })
        .ok_or(BuildError::BufferTooSmall)?;
    let (head, tail) = out.split_at_mut(message_start);
    let message = tail
        .get(..len.saturating_sub(message_start))
        .ok_or(BuildError::BufferTooSmall)?;
    let signature = payer.sign(message);
    let slot_start = slot.saturating_mul(64).saturating_add(1);
    head.get_mut(slot_start..slot_start.saturating_add(64))
        .ok_or(BuildError::BufferTooSmall)?
        .copy_from_slice(&signature);
    let out: &'o [u8] = out;
    out.get(..len).ok_or(BuildError::BufferTooSmall)
}

/// Builds the payment transaction for the payer `payer` into `out`, unsigned, and returns its
/// wire bytes: what a wallet's `solana:signTransaction` takes
/// (<https://github.com/anza-xyz/wallet-standard/blob/master/packages/core/features/src/signTransaction.ts>).
/// Account keys: the fee payer first, then the runtime's groups (writable signers, read-only
/// signers, writable, read-only), each in `@solana/kit`'s address order, so the message equals
/// the reference client's. Both signature slots (the fee payer's and the payer's) are zero;
/// [`build_transfer`] is this plus the payer's signature.
///
/// ```
/// use pay402::svm::{build_unsigned_transfer, Pubkey, Transaction, TransferParams, TOKEN_PROGRAM_ID};
/// let params = TransferParams {
///     fee_payer: Pubkey([2; 32]),
///     mint: Pubkey::parse(b"EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v")?,
///     pay_to: Pubkey([3; 32]),
///     token_program: TOKEN_PROGRAM_ID,
///     amount: 10_000,
///     decimals: 6,
///     memo: b"0123456789abcdef0123456789abcdef",
///     recent_blockhash: [4; 32],
///     compute_unit_limit: 20_000,
///     compute_unit_price: 1,
/// };
/// let payer = Pubkey::parse(b"5ZWj7a1f8tWkjBESHKgrLmXshuXxqeY9SYcfbshpAqPG")?;
/// let mut out = [0u8; 1232];
/// let wire = build_unsigned_transfer(&params, payer, &mut out)?;
/// let tx = Transaction::decode(wire)?;
/// assert_eq!(tx.message.fee_payer(), Some(Pubkey([2; 32])));
/// assert_eq!((tx.signature(0), tx.signature(1)), (Some(&[0u8; 64]), Some(&[0u8; 64])));
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
pub fn build_unsigned_transfer<'o>(
    params: &TransferParams<'_>,
    payer: Pubkey,
    out: &'o mut [u8],
) -> Result<&'o [u8], BuildError> {
    check_params(params, payer)?;
    let ata = |owner| {
        associated_token_address(owner, &params.mint, &params.token_program)
            .ok_or(BuildError::NoAssociatedTokenAccount)
    };
    let accounts = TokenAccounts {
        source: ata(&payer)?,
        destination: ata(&params.pay_to)?,
    };
    build_unsigned_transfer_between(params, payer, &accounts, out)
}

/// The token accounts of a transfer: the payer's `source` and the payee's `destination`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenAccounts {
    /// The payer's token account of the mint.
    pub source: Pubkey,
    /// The payee's token account of the mint: the associated token account of `pay_to`, which
    /// x402 `exact` verifiers require.
    pub destination: Pubkey,
}

/// As [`build_unsigned_transfer`] with the token accounts given rather than derived (a browser
/// page gets the destination from its server and reads the payer's account over RPC, so it
/// carries no SHA-256 or curve25519 code). The bytes are [`build_unsigned_transfer`]'s when the
/// accounts are the associated ones.
#[allow(
    clippy::too_many_lines,
    reason = "one straight-line encoding of the message, in wire order"
)]
pub fn build_unsigned_transfer_between<'o>(
    params: &TransferParams<'_>,
    payer: Pubkey,
    accounts: &TokenAccounts,
    out: &'o mut [u8],
) -> Result<&'o [u8], BuildError> {
    check_params(params, payer)?;
    let authority = payer;
    let TokenAccounts {
        source,
        destination,
    } = *accounts;

    let mut accounts = Accounts::default();
    accounts.add(params.fee_payer, true, true)?;
    accounts.add(authority, true, false)?;
    accounts.add(source, false, true)?;
    accounts.add(destination, false, true)?;
    accounts.add(params.mint, false, false)?;
    accounts.add(COMPUTE_BUDGET_PROGRAM_ID, false, false)?;
    accounts.add(params.token_program, false, false)?;
    if !params.memo.is_empty() {
        accounts.add(MEMO_PROGRAM_ID, false, false)?;
    }
    if let Some((_, rest)) = accounts.0.split_first_mut() {
        // An insertion sort: at most 7 keys, and no general sort in size-bound builds.
        for i in 1..rest.len() {
            for j in (1..=i).rev() {
                let before = j.saturating_sub(1);
                match (rest.get(before), rest.get(j)) {
                    (Some(a), Some(b))
                        if a.rank()
                            .cmp(&b.rank())
                            .then(kit_address_order(&a.key, &b.key))
                            .is_gt() =>
                    {
                        rest.swap(before, j);
                    }
                    _ => break,
                }
            }
        }
    }

    let signers = accounts.count(|a| a.signer)?;
    let mut w = Writer::new(out);
    compact_u16::write(&mut w, u16::from(signers))?;
    let signatures_len = usize::from(signers).saturating_mul(64);
    w.reserve(signatures_len)?.fill(0);

    // v0 message header
    w.push_byte(0x80)?;
    w.push_byte(signers)?;
    w.push_byte(accounts.count(|a| a.signer && !a.writable)?)?;
    w.push_byte(accounts.count(|a| !a.signer && !a.writable)?)?;
    compact_u16::write(&mut w, u16::from(accounts.count(|_| true)?))?;
    for a in &accounts.0 {
        w.push(&a.key.0)?;
    }
    w.push(&params.recent_blockhash)?;
    compact_u16::write(&mut w, if params.memo.is_empty() { 3 } else { 4 })?;

    let compute_budget = accounts.index(&COMPUTE_BUDGET_PROGRAM_ID)?;
    let mut limit = [SET_COMPUTE_UNIT_LIMIT; 5];
    limit
        .get_mut(1..)
        .unwrap_or_default()
        .copy_from_slice(&params.compute_unit_limit.to_le_bytes());
    write_instruction(&mut w, compute_budget, &[], &limit)?;
    let mut price = [SET_COMPUTE_UNIT_PRICE; 9];
    price
        .get_mut(1..)
        .unwrap_or_default()
        .copy_from_slice(&params.compute_unit_price.to_le_bytes());
    write_instruction(&mut w, compute_budget, &[], &price)?;

    let transfer_accounts = [
        accounts.index(&source)?,
        accounts.index(&params.mint)?,
        accounts.index(&destination)?,
        accounts.index(&authority)?,
    ];
    let mut transfer = [0u8; 10];
    for (slot, byte) in transfer.iter_mut().zip(
        [TRANSFER_CHECKED]
            .into_iter()
            .chain(params.amount.to_le_bytes())
            .chain([params.decimals]),
    ) {
        *slot = byte;
    }
    write_instruction(
        &mut w,
        accounts.index(&params.token_program)?,
        &transfer_accounts,
        &transfer,
    )?;
    if !params.memo.is_empty() {
        write_instruction(&mut w, accounts.index(&MEMO_PROGRAM_ID)?, &[], params.memo)?;
    }
    compact_u16::write(&mut w, 0)?; // no address-lookup tables
    let len = w.len();
    let out: &'o [u8] = out;
    out.get(..len).ok_or(BuildError::BufferTooSmall)
}

/// The checks both transfer builders make before writing a byte: a token program the verifiers
/// accept, a payer other than the fee payer, a memo of at most [`MAX_MEMO_LEN`] bytes.
fn check_params(params: &TransferParams<'_>, payer: Pubkey) -> Result<(), BuildError> {
    if params.token_program != TOKEN_PROGRAM_ID && params.token_program != TOKEN_2022_PROGRAM_ID {
        return Err(BuildError::UnsupportedTokenProgram);
    }
    if payer == params.fee_payer {
        return Err(BuildError::PayerIsFeePayer);
    }
    if params.memo.len() > MAX_MEMO_LEN {
        return Err(BuildError::MemoTooLong);
    }
    Ok(())
}

/// `@solana/kit`'s address order within a group: its base58 texts compared by
/// `Intl.Collator("en", {caseFirst: "lower", sensitivity: "variant"})` — letters
/// case-insensitively after digits first, then lower case before upper case at the first
/// difference.
fn kit_address_order(a: &Pubkey, b: &Pubkey) -> core::cmp::Ordering {
    let mut a_buf = [0u8; super::pubkey::BASE58_MAX_LEN];
    let mut b_buf = [0u8; super::pubkey::BASE58_MAX_LEN];
    let a = a.to_base58(&mut a_buf).as_bytes();
    let b = b.to_base58(&mut b_buf).as_bytes();
    let primary = |c: &u8| c.to_ascii_lowercase();
    let tertiary = |c: &u8| c.is_ascii_uppercase();
    a.iter()
        .map(primary)
        .cmp(b.iter().map(primary))
        .then_with(|| a.iter().map(tertiary).cmp(b.iter().map(tertiary)))
}

fn write_instruction(
    w: &mut Writer<'_>,
    program: u8,
    accounts: &[u8],
    data: &[u8],
) -> Result<(), BuildError> {
    w.push_byte(program)?;
    compact_u16::write(
        w,
        u16::try_from(accounts.len()).map_err(|_| BuildError::BufferTooSmall)?,
    )?;
    w.push(accounts)?;
    compact_u16::write(
        w,
        u16::try_from(data.len()).map_err(|_| BuildError::BufferTooSmall)?,
    )?;
    w.push(data)?;
    Ok(())
}

impl ErrorCode for BuildError {
    fn code(&self) -> &'static str {
        match self {
            Self::UnsupportedTokenProgram => "unsupported_token_program",
            Self::PayerIsFeePayer => "payer_is_fee_payer",
            Self::MemoTooLong => "memo_too_long",
            Self::NoAssociatedTokenAccount => "no_associated_token_account",
            Self::BufferTooSmall => "buffer_too_small",
        }
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedTokenProgram => {
                f.write_str("the token program is neither SPL Token nor Token-2022")
            }
            Self::PayerIsFeePayer => f.write_str("the payer's key is the facilitator's fee payer"),
            Self::MemoTooLong => write!(f, "the memo is longer than {MAX_MEMO_LEN} bytes"),
            Self::NoAssociatedTokenAccount => {
                f.write_str("no associated token account can be derived for these keys")
            }
            Self::BufferTooSmall => f.write_str("the output buffer is too small"),
        }
    }
}

impl core::error::Error for BuildError {}
