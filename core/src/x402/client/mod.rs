//! The paying side of x402 `exact` on EVM with EIP-3009: choose an offer, build and sign the
//! authorization, emit the `X-PAYMENT` / `PAYMENT-SIGNATURE` header, read the receipt
//! (x402 v2 specification §5 and §6.1, <https://github.com/coinbase/x402/blob/main/specs/x402-specification-v2.md>; the conformance vectors `x402.sign` and
//! `x402.select` in `tests/conformance/vectors/`).
//!
//! | step | item | file |
//! |---|---|---|
//! | choose an `accepts` entry under a [`PayerPolicy`] | [`select`] | `selection.rs` |
//! | build the authorization (`validAfter = now − 600`, `validBefore = now + maxTimeoutSeconds`) | [`PaymentDraft::new`] | `draft.rs` |
//! | sign with a key, or hand [`PaymentDraft::digest`] / [`PaymentDraft::write_typed_data`] to a wallet | [`PaymentDraft::sign`], [`PaymentDraft::with_wallet_signature`] | `draft.rs`, `signed.rs` |
//! | emit the header | [`SignedPayment::write_header`] | `signed.rs` |
//! | read the receipt | [`read_settle_response`] | `settlement.rs` |
//!
//! Every scheme a server sells, under one policy listing EVM and Solana assets together
//! (`pay.rs`, `answer.rs`):
//!
//! | step | item |
//! |---|---|
//! | choose among `exact` EIP-3009, `exact` Permit2, `upto` and Solana `exact` offers, with a limit per asset | [`choose`] under a [`ClientPolicy`] |
//! | the ERC-20 approval a Permit2 payment needs, and the check of the allowance the host read | [`Choice::permit2_approval`], [`check_permit2_allowance`] |
//! | build and sign the EVM payment with a key, or hand the typed data to a wallet | [`pay_evm`], [`Permit2Draft`] |
//! | build and partially sign the Solana payment with the chain state the host fetched | `pay_svm`, `SvmChainState` (feature `svm`) |
//! | read the answer to the paid retry: served, refused (code, detail, message, definitive) or undetermined | [`read_paid_response`] |
//!
//! Randomness (the nonce) and time (`now`) come from the caller; output goes into caller
//! buffers. [`select`] keeps its EIP-3009-first rules: Permit2 entries
//! (`extra.assetTransferMethod: "permit2"`) are skipped unless [`PayerPolicy::allow_permit2`].
//!
//! ```
//! use pay402::evm::{Address, PrivateKey};
//! use pay402::x402::client::{select, PayerPolicy, PaymentDraft};
//! use pay402::x402::{header, Network, PaymentRequired, Verifier};
//! use pay402::U256;
//!
//! // The 402 of the x402 v2 specification §5.1.1 (decoded PAYMENT-REQUIRED).
//! let body = br#"{"x402Version":2,"resource":{"url":"https://api.example.com/premium-data","description":"Access to premium market data","mimeType":"application/json"},"accepts":[{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}]}"#;
//! let required = PaymentRequired::from_json(body)?;
//!
//! let networks = [Network::Eip155 { chain_id: 84532 }];
//! let assets = [Address::parse(b"0x036CbD53842c5426634e7929541eC2318f3dCF7e")?];
//! let chosen = select(&required, &PayerPolicy::new(&networks, &assets, U256::from_u64(20_000)))?;
//!
//! let key = PrivateKey::from_bytes(&[0x11; 32])?;
//! let now = 1_740_672_100;
//! let nonce = [0x42; 32]; // from a CSPRNG in real use
//! let draft = PaymentDraft::new(&required, chosen.index, key.address(), now, &nonce)?;
//! let signed = draft.sign(&key)?;
//! let mut scratch = [0u8; header::RECOMMENDED_BUFFER_LEN];
//! let mut out = [0u8; header::RECOMMENDED_BUFFER_LEN];
//! let value = signed.write_header(&mut scratch, &mut out)?;
//! assert_eq!(signed.header_name(), "PAYMENT-SIGNATURE");
//!
//! // What the server's facilitator will check:
//! let offer = br#"{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}"#;
//! let mut buf = [0u8; header::RECOMMENDED_BUFFER_LEN];
//! let verified = Verifier::default().verify_header(offer, value.as_bytes(), &mut buf, now)?;
//! let verified = verified.evm().ok_or("not an EVM payment")?;
//! assert_eq!(verified.payer, key.address());
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

mod answer;
mod error;
mod pay;
pub(crate) mod selection;
mod settlement;

pub use crate::x402::scheme::exact_eip3009::draft::PaymentDraft;
pub use crate::x402::scheme::exact_eip3009::signed::{SignedPayment, payment_header_name};
pub use crate::x402::scheme::exact_eip3009::wallet_signed::WalletSignedPayment;
#[cfg(feature = "svm")]
pub use crate::x402::scheme::exact_svm::pay::{write_svm_payment_header, write_svm_payment_json};
pub use answer::{PAYMENT_REFUSED, PaidRefusal, PaidResponse, read_paid_response};
pub use error::ClientError;
pub use pay::{
    AssetId, Choice, ClientPolicy, PayKind, Permit2Approval, Permit2Draft, Schemes, assess,
    check_permit2_allowance, choose, pay_evm,
};
#[cfg(feature = "svm")]
pub use pay::{
    SvmChainState, known_mint, pay_svm, svm_unsigned_transfer, svm_unsigned_transfer_between,
};
pub use selection::{AssetTransferMethod, PayerPolicy, Selection, select};
pub use settlement::{SETTLE_RESPONSE_HEADERS, read_settle_response, settle_response_header};

use crate::evm::PrivateKey;
use crate::x402::payment_required::PaymentRequired;

/// `accepts[index]` of `required`, or `accept_index_out_of_range` naming how many there are:
/// the first step of every payment the client builds.
pub(crate) fn accepted_entry<'a>(
    required: &PaymentRequired<'a>,
    index: usize,
) -> Result<crate::x402::PaymentRequirements<'a>, ClientError> {
    required
        .accept(index)
        .ok_or(ClientError::AcceptIndexOutOfRange {
            index,
            len: required.accepts_len(),
        })
}

/// Longest EIP-712 domain `name` or `version` the client signs for, in bytes (decoded). The
/// verifier decodes the same length.
pub const DOMAIN_TEXT_CAP: usize = 256;

/// How far `validAfter` lies before `now`, in seconds: the reference client's 10 minutes of
/// clock-skew tolerance.
pub const VALID_AFTER_BACKDATE: u64 = 600;

/// Builds, signs and encodes the payment for `accepts[index]` in one call: the vectors'
/// `x402.sign`. The payer is `key`'s address; `scratch` receives the JSON, `out` the header
/// value, which is returned.
///
/// Equivalent to [`PaymentDraft::new`], [`PaymentDraft::sign`] and
/// [`SignedPayment::write_header`].
pub fn sign_payment<'o>(
    required: &PaymentRequired<'_>,
    index: usize,
    key: &PrivateKey,
    now: u64,
    nonce: &[u8; 32],
    scratch: &mut [u8],
    out: &'o mut [u8],
) -> Result<&'o str, ClientError> {
    PaymentDraft::new(required, index, key.address(), now, nonce)?
        .sign(key)?
        .write_header(scratch, out)
}
