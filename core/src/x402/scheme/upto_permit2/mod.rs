//! `upto` on EVM with Permit2
//! (<https://github.com/coinbase/x402/tree/main/specs/schemes/upto>): the
//! payer signs a maximum, the facilitator settles the actual charge up to it.
//!
//! The scheme payload is the Permit2 payload of [`super::exact_permit2`] with
//! `witness.facilitator`; its checks are the `upto` rows of
//! [`super::exact_permit2::verify`] and its signer is [`super::exact_permit2::pay`].

pub use super::exact_permit2::pay::sign_permit2_payload;
pub use super::exact_permit2::payload::{ExactPermit2Payload, Permit2Authorization};
