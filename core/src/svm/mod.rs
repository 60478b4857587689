//! Solana (SVM) building blocks for x402 `exact` on Solana (x402 `exact` SVM scheme,
//! <https://github.com/coinbase/x402/blob/main/specs/schemes/exact/scheme_exact_svm.md>): the wire
//! transaction codec, addresses, program-derived addresses, the instructions of a payment, and
//! the client-side transaction builder. The x402 checks themselves are
//! `x402::scheme::exact_svm` (with the `x402` feature).
//!
//! | concept | file |
//! |---|---|
//! | compact-u16 lengths | [`compact_u16`] |
//! | addresses, base58 | [`pubkey`] |
//! | wire transaction, legacy and v0 messages | [`transaction`] |
//! | PDA and associated token account | [`pda`] |
//! | `ComputeBudget`, `TransferChecked`, Memo, Lighthouse | [`instructions`] |
//! | building the payment transaction | [`client`] |
//! | the facilitator's fee-payer co-signature | [`cosign`] |
//!
//! Everything borrows from the input and writes into caller buffers; nothing allocates.

pub mod client;
pub mod compact_u16;
pub mod cosign;
pub mod instructions;
pub mod pda;
pub mod pubkey;
pub mod transaction;

pub use client::{
    BuildError, DEFAULT_COMPUTE_UNIT_LIMIT, DEFAULT_COMPUTE_UNIT_PRICE, MAX_MEMO_LEN, PayerKey,
    TokenAccounts, TransferParams, build_transfer, build_unsigned_transfer,
    build_unsigned_transfer_between,
};
pub use instructions::{
    ASSOCIATED_TOKEN_PROGRAM_ID, COMPUTE_BUDGET_PROGRAM_ID, LIGHTHOUSE_PROGRAM_ID, MEMO_PROGRAM_ID,
    TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID, TransferChecked,
};
pub use pda::{associated_token_address, find_program_address};
pub use pubkey::{Pubkey, PubkeyError};
pub use transaction::{Instruction, Message, Transaction, TransactionError};
