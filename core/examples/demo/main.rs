//! The pay402 demo: full 402 round trips over real HTTP on localhost.
//!
//! ```text
//! cargo run --release --example demo
//! ```
//!
//! Exits 0 when every round trip behaves as the protocol says, non-zero otherwise.
//! The client pays with a built-in, publicly known test key. When a local development chain
//! (Hardhat or Anvil, chain id 31337) answers on `PAY402_DEMO_RPC` (default
//! `http://127.0.0.1:8545`), the x402 v2 payment and the WS402 session's prepayment and refund
//! are settled on it for real (`chain.rs`); otherwise, and for the other rounds, settlement is a
//! clearly labelled local stand-in and no chain or Lightning node is contacted.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a demo program, not the core"
)]

mod chain;
mod http;
mod l402_round;
mod show;
mod ws402_round;
mod x402_round;

use std::process::ExitCode;

fn main() -> ExitCode {
    println!("pay402 demo: HTTP 402 round trips on localhost");
    match x402_round::run().and_then(|(key, chain)| {
        l402_round::run()?;
        ws402_round::run(&key, chain.as_deref())
    }) {
        Ok(()) => {
            println!("\ndemo: all round trips succeeded");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("\ndemo FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}
