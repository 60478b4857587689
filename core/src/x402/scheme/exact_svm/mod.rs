//! `exact` on Solana
//! (<https://github.com/coinbase/x402/blob/main/specs/schemes/exact/scheme_exact_svm.md>): the
//! payer partially signs a `TransferChecked` transaction, the facilitator adds the fee payer's
//! signature and submits it.
//!
//! | part | file |
//! |---|---|
//! | the facilitator's checks | [`verify`] |
//! | the payment header around a built transaction | [`pay`] |
//!
//! The transaction itself is built by [`crate::svm::build_transfer`].

pub mod pay;
pub mod verify;
