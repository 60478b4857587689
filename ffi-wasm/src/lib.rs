//! wasm-bindgen bindings of the pay402 core: the npm package `pay402`.
//!
//! The binding is thin. Every function converts JS values into core types, calls the core,
//! and converts the result back into plain JS values: `Uint8Array` for bytes, `bigint` for
//! U256 amounts, `number` for times, strings for addresses (EIP-55) and base64 text, plain
//! objects for structures. Buffers are owned here and grown when the core reports
//! `buffer_too_small`. Errors become thrown `Error`s whose `name` says the module
//! (`X402Error`, `EvmError`, …), whose `code` is the core's stable code and, where the core
//! nests a more precise error, whose `detailCode` is the nested code.
//!
//! No protocol logic lives here: see the `pay402` crate for what each function guarantees.

#[cfg(feature = "l402")]
pub mod bolt11;
#[cfg(any(feature = "client", feature = "l402"))]
pub mod budget;
#[cfg(any(
    feature = "x402",
    feature = "l402",
    feature = "ws402",
    feature = "offers"
))]
mod convert;
#[cfg(feature = "onchain")]
pub mod dialects;
mod errors;
#[cfg(feature = "x402")]
pub mod evm;
#[cfg(feature = "l402")]
pub mod l402;
#[cfg(feature = "l402")]
pub mod l402_server;
#[cfg(feature = "l402")]
pub mod macaroon;
#[cfg(feature = "offers")]
pub mod offers;
#[cfg(feature = "onchain")]
pub mod onchain;
// The paywall page's module: built alone (its export names are the page's, some shared with the
// full API's), so it is compiled only without the features whose exports it would clash with.
#[cfg(feature = "x402")]
pub mod page;
#[cfg(feature = "x402")]
pub mod page_server;
#[cfg(all(feature = "paywall", not(feature = "x402"), not(feature = "l402")))]
pub mod paywall;
#[cfg(feature = "x402")]
pub mod server;
#[cfg(feature = "settle")]
pub mod settle;
#[cfg(feature = "onchain")]
pub mod smart_wallet;
#[cfg(feature = "svm")]
pub mod svm;
#[cfg(feature = "ws402")]
pub mod ws402;
#[cfg(feature = "ws402")]
pub mod ws402_client;
#[cfg(all(feature = "ws402", feature = "settle"))]
pub mod ws402_session;
#[cfg(feature = "ws402")]
pub mod ws402_wire;
#[cfg(feature = "x402")]
pub mod x402;
#[cfg(feature = "client")]
pub mod x402_client;

pub use errors::JsResult;
