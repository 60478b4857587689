#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]
// The README's examples use every protocol, so it is the crate's front page (and its examples
// run as doctests) with the default features; a narrower build gets a one-line summary.
#![cfg_attr(
    all(
        feature = "evm",
        feature = "svm",
        feature = "x402",
        feature = "l402",
        feature = "ws402",
        feature = "offers",
        feature = "dialects"
    ),
    doc = include_str!("../README.md")
)]
#![cfg_attr(
    not(all(
        feature = "evm",
        feature = "svm",
        feature = "x402",
        feature = "l402",
        feature = "ws402",
        feature = "offers",
        feature = "dialects"
    )),
    doc = "`no_std`, allocation-free protocol core for HTTP 402 payments (see `README.md`)."
)]
#![cfg_attr(not(test), warn(clippy::indexing_slicing))]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

// Shared codecs, each in a module of its own: always built.
pub mod base64;
pub mod error;
pub mod hex;
pub mod http_auth;
pub mod json;
pub mod recognize;
pub mod rlp;
pub mod secp256k1;
pub mod u256;
pub mod writer;

// Shared by several protocols, built when one of them is.
#[cfg(any(feature = "dialects", feature = "x402"))]
mod decimal;
#[cfg(any(feature = "l402", feature = "offers", feature = "ws402"))]
mod hmac_sha256;
#[cfg(any(feature = "dialects", feature = "offers"))]
mod rfc3339;

// Protocols, one Cargo feature each (all on by default).
#[cfg(feature = "l402")]
pub mod bolt11;
#[cfg(feature = "dialects")]
pub mod dialects;
#[cfg(feature = "evm")]
pub mod evm;
#[cfg(feature = "l402")]
pub mod l402;
#[cfg(feature = "l402")]
pub mod macaroon;
#[cfg(feature = "offers")]
pub mod offers;
#[cfg(any(feature = "evm", feature = "svm"))]
pub mod onchain;
#[cfg(feature = "page")]
pub mod page;
#[cfg(feature = "svm")]
pub mod svm;
#[cfg(feature = "ws402")]
pub mod ws402;
#[cfg(feature = "x402")]
pub mod x402;

// Client policy shared by every scheme.
pub mod budget;

pub use error::{BufferTooSmall, ErrorCode};
pub use u256::U256;

/// The examples of the project README, compiled and run as doctests (with the default features).
#[cfg(all(
    doctest,
    feature = "evm",
    feature = "svm",
    feature = "x402",
    feature = "l402",
    feature = "ws402",
    feature = "offers",
    feature = "dialects"
))]
#[doc = include_str!("../../README.md")]
pub struct ProjectReadmeDoctests;
