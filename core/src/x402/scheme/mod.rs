//! One module per payment scheme: its scheme payload, its verification (the checks in the
//! reference order) and its paying side.
//!
//! | scheme | payload | verify | pay |
//! |---|---|---|---|
//! | `exact` on EVM with EIP-3009 | [`exact_eip3009::payload`] | [`exact_eip3009::verify`] | [`exact_eip3009::draft`], [`exact_eip3009::signed`] |
//! | `exact` on EVM with Permit2 | [`exact_permit2::payload`] | [`exact_permit2::verify`] | [`exact_permit2::pay`] |
//! | `upto` on EVM with Permit2 | the Permit2 payload ([`upto_permit2`]) | [`exact_permit2::verify`] | [`exact_permit2::pay`] |
//! | `exact` on Solana | `{"transaction": …}` | [`exact_svm::verify`] | [`exact_svm::pay`] (built by [`crate::svm::build_transfer`]) |

pub mod exact_eip3009;
pub mod exact_permit2;
pub mod exact_svm;
pub mod upto_permit2;
