//! `pay402-host`: the std side every pay402 binding shares.
//!
//! The core (`pay402`) borrows its inputs and writes into caller buffers; a binding (Python,
//! JavaScript, Kotlin/Swift) needs owned values it can hand across a language boundary and keep
//! between calls. This crate does that ownership once, for all of them, and nothing else: every
//! decision (status, headers, body, replay key and lifetime, settle body, receipt, verdict) is
//! the core's. It grows its buffers when the core reports `buffer_too_small`.
//!
//! | part | what it owns | file |
//! |---|---|---|
//! | x402 resource server | the configured offers (prepared once), admission results, the exactly-once exchange between calls | [`x402_server`] |
//! | L402 resource server | the configuration and the server secrets (zeroized); nothing per token or per request | [`l402_server`] |
//! | client budget | one budget per client (x402 and L402), shared between threads; reservations as owned handles | [`budget`] |
//! | offers server | the Fewsats offers configuration and its secrets (zeroized) | [`offers_server`] |
//! | smart-wallet payers | nothing: drives the core's code-routed signature check through the binding's [`smart_wallet::EvmRpc`] | [`smart_wallet`] |
//! | EVM settlement | one facilitator settlement between the host's steps (send, receipt), its `SettleResponse` | [`evm_settlement`] |
//! | paywall page | the checked page template and theme; the page reply for a challenge | [`page`] |
//! | WS402 server | the prepared offers and the policy (shared); per socket the core's session machine and its command buffer | [`ws402_server`] |
//! | errors | one owned error with the core's stable codes | [`error`] |

pub mod budget;
pub mod error;
pub mod evm_settlement;
#[cfg(feature = "l402")]
pub mod l402_server;
#[cfg(feature = "offers")]
pub mod offers_server;
pub mod page;
pub mod refund;
pub mod smart_wallet;
#[cfg(feature = "svm")]
pub mod svm_settlement;
#[cfg(feature = "ws402")]
pub mod ws402_server;
pub mod x402_client;
pub mod x402_server;

pub use error::HostError;
