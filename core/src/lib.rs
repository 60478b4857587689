#![no_std]
#![forbid(unsafe_code)]
#![doc = include_str!("../README.md")]
#![cfg_attr(not(test), warn(clippy::indexing_slicing))]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

// Shared codecs, each in a module of its own.
pub mod base64;
pub mod error;
pub mod hex;
pub mod http_auth;
pub mod json;
pub mod u256;
pub mod writer;

// Protocols.
pub mod bolt11;
pub mod dialects;
pub mod evm;
pub mod l402;
pub mod macaroon;
pub mod offers;
pub mod svm;
pub mod ws402;
pub mod x402;

// Client policy shared by every scheme.
pub mod budget;

pub use error::{BufferTooSmall, ErrorCode};
pub use u256::U256;

/// The examples of the project README, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ProjectReadmeDoctests;
