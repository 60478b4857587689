//! `exact` on EVM with EIP-3009 `transferWithAuthorization`
//! (<https://github.com/coinbase/x402/blob/main/specs/schemes/exact/scheme_exact_evm.md>,
//! <https://eips.ethereum.org/EIPS/eip-3009>).
//!
//! | part | file |
//! |---|---|
//! | the scheme payload `{signature, authorization}` | [`payload`] |
//! | the facilitator's checks | [`verify`] |
//! | build the authorization, present it to a signer | [`draft`] |
//! | the signed payment and its header | [`signed`] |
//! | a wallet's signature carried without recovery (no secp256k1 code) | [`wallet_signed`] |

pub mod draft;
pub mod payload;
pub mod signed;
pub mod verify;
pub mod wallet_signed;
