//! The instructions of an x402 `exact` Solana payment, their program ids and data layouts (Solana
//! transaction format): `ComputeBudget` `SetComputeUnitLimit` / `SetComputeUnitPrice`, SPL Token /
//! Token-2022 `TransferChecked`, Memo, Lighthouse.

use super::pubkey::Pubkey;
use super::transaction::{Instruction, Message};

/// `ComputeBudget111111111111111111111111111111`.
pub const COMPUTE_BUDGET_PROGRAM_ID: Pubkey =
    Pubkey::from_base58_const("ComputeBudget111111111111111111111111111111");
/// SPL Token, `TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA`.
pub const TOKEN_PROGRAM_ID: Pubkey =
    Pubkey::from_base58_const("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
/// Token-2022, `TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb`.
pub const TOKEN_2022_PROGRAM_ID: Pubkey =
    Pubkey::from_base58_const("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb");
/// Associated Token Account program, `ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL`.
pub const ASSOCIATED_TOKEN_PROGRAM_ID: Pubkey =
    Pubkey::from_base58_const("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");
/// SPL Memo (v2), `MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr`.
pub const MEMO_PROGRAM_ID: Pubkey =
    Pubkey::from_base58_const("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr");
/// Lighthouse (wallet guard instructions), `L2TExMFKdjpN9kozasaurPirfHy9P8sbXoAN1qA3S95`.
pub const LIGHTHOUSE_PROGRAM_ID: Pubkey =
    Pubkey::from_base58_const("L2TExMFKdjpN9kozasaurPirfHy9P8sbXoAN1qA3S95");

/// `SetComputeUnitLimit` discriminator.
pub const SET_COMPUTE_UNIT_LIMIT: u8 = 2;
/// `SetComputeUnitPrice` discriminator.
pub const SET_COMPUTE_UNIT_PRICE: u8 = 3;
/// SPL Token `TransferChecked` discriminator.
pub const TRANSFER_CHECKED: u8 = 12;

/// An instruction with its program id and account keys resolved against the message.
#[derive(Debug, Clone, Copy)]
pub struct ResolvedInstruction<'a> {
    /// The program's address.
    pub program_id: Pubkey,
    /// The instruction as encoded (account indices, data).
    pub raw: Instruction<'a>,
}

impl ResolvedInstruction<'_> {
    /// The account key of the instruction's `n`th account.
    pub fn account(&self, message: &Message<'_>, n: usize) -> Option<Pubkey> {
        let index = *self.raw.accounts.get(n)?;
        message.account_key(usize::from(index))
    }
}

/// `SetComputeUnitLimit(units)`: `ComputeBudget`, data `[2] ‖ u32 LE` (exactly 5 bytes).
pub fn compute_unit_limit(ix: &ResolvedInstruction<'_>) -> Option<u32> {
    if ix.program_id != COMPUTE_BUDGET_PROGRAM_ID {
        return None;
    }
    match ix.raw.data {
        [SET_COMPUTE_UNIT_LIMIT, a, b, c, d] => Some(u32::from_le_bytes([*a, *b, *c, *d])),
        _ => None,
    }
}

/// `SetComputeUnitPrice(micro_lamports)`: `ComputeBudget`, data `[3] ‖ u64 LE` (exactly 9 bytes).
pub fn compute_unit_price(ix: &ResolvedInstruction<'_>) -> Option<u64> {
    if ix.program_id != COMPUTE_BUDGET_PROGRAM_ID {
        return None;
    }
    match ix.raw.data {
        [SET_COMPUTE_UNIT_PRICE, rest @ ..] => rest.try_into().ok().map(u64::from_le_bytes),
        _ => None,
    }
}

/// A decoded `TransferChecked` of SPL Token or Token-2022.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferChecked {
    /// The token program (SPL Token or Token-2022).
    pub token_program: Pubkey,
    /// Account 0: the source token account.
    pub source: Pubkey,
    /// Account 1: the mint.
    pub mint: Pubkey,
    /// Account 2: the destination token account.
    pub destination: Pubkey,
    /// Account 3: the owner or delegate authorizing the transfer (the payer).
    pub authority: Pubkey,
    /// Atomic units.
    pub amount: u64,
    /// The mint's decimals as the client stated them (the program checks them on chain).
    pub decimals: u8,
}

/// Decodes `TransferChecked`: program SPL Token or Token-2022, at least 4 accounts
/// `[source, mint, destination, authority, …multisig signers]`, data `[12] ‖ amount u64 LE ‖
/// decimals u8` (exactly 10 bytes).
pub fn transfer_checked(
    ix: &ResolvedInstruction<'_>,
    message: &Message<'_>,
) -> Option<TransferChecked> {
    if ix.program_id != TOKEN_PROGRAM_ID && ix.program_id != TOKEN_2022_PROGRAM_ID {
        return None;
    }
    let [TRANSFER_CHECKED, amount @ .., decimals] = ix.raw.data else {
        return None;
    };
    let amount: [u8; 8] = amount.try_into().ok()?;
    Some(TransferChecked {
        token_program: ix.program_id,
        source: ix.account(message, 0)?,
        mint: ix.account(message, 1)?,
        destination: ix.account(message, 2)?,
        authority: ix.account(message, 3)?,
        amount: u64::from_le_bytes(amount),
        decimals: *decimals,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_id_constants_match_their_base58_text() {
        for (key, text) in [
            (
                COMPUTE_BUDGET_PROGRAM_ID,
                "ComputeBudget111111111111111111111111111111",
            ),
            (
                TOKEN_PROGRAM_ID,
                "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
            ),
            (
                TOKEN_2022_PROGRAM_ID,
                "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb",
            ),
            (
                ASSOCIATED_TOKEN_PROGRAM_ID,
                "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL",
            ),
            (
                MEMO_PROGRAM_ID,
                "MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr",
            ),
            (
                LIGHTHOUSE_PROGRAM_ID,
                "L2TExMFKdjpN9kozasaurPirfHy9P8sbXoAN1qA3S95",
            ),
        ] {
            assert_eq!(key, Pubkey::parse(text.as_bytes()).unwrap(), "{text}");
        }
    }
}
