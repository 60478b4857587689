//! EVM payments with Permit2 `permitWitnessTransferFrom`: `exact` with
//! `extra.assetTransferMethod: "permit2"`
//! (<https://github.com/coinbase/x402/blob/main/specs/schemes/exact/scheme_exact_evm.md>), and
//! `upto` ([`super::upto_permit2`]), which share the payload, the checks and the signer.
//!
//! | part | file |
//! |---|---|
//! | the scheme payload `{signature, permit2Authorization}` | [`payload`] |
//! | the facilitator's checks (`exact` and `upto`) | [`verify`] |
//! | build, sign and write the payload | [`pay`] |

pub mod pay;
pub mod payload;
pub mod verify;
