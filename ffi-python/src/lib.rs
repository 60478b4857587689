//! `pay402._native`: the pyo3 extension module of the `pay402` Python package.
//!
//! Thin by design: every protocol rule lives in the core; this crate converts types
//! (Python `bytes`, `int` for uint256, `str`), owns the buffers the core writes into (growing
//! them when the core reports `buffer_too_small`) and maps core errors to the exception classes
//! of [`errors`]. The stubs are hand-written in `python/pay402/_native.pyi` and checked with
//! `mypy.stubtest`.
//!
//! Panics: the workspace `release` profile unwinds, so a panic surfaces as
//! `pyo3_runtime.PanicException` instead of aborting the interpreter.

// Reasoned allows for the binding crate only:
// - pyo3 extracts every Python argument into an owned value; `#[pyfunction]` signatures take
//   them by value by design (`needless_pass_by_value`).
// - keyword-only parameters mirror the core's policy structs field by field
//   (`too_many_arguments`).
#![allow(clippy::needless_pass_by_value, clippy::too_many_arguments)]

mod bolt11;
mod budget;
mod client_pay;
mod codec;
mod convert;
mod dialects;
mod errors;
mod evm;
mod http_auth;
mod l402;
mod l402_server;
mod macaroon;
mod offers;
mod onchain;
mod page;
mod recognize;
mod server;
mod settle;
mod smart_wallet;
mod svm;
mod ws402;
mod ws402_client;
mod ws402_session;
mod ws402_wire;
mod x402;
mod x402_client;

use pyo3::prelude::*;

/// The extension module. The GIL is kept (`gil_used = true`): `Meter` and `Entitlement` are
/// mutable objects, and abi3 wheels do not run on free-threaded builds anyway.
#[pymodule(gil_used = true)]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    x402::register(m)?;
    evm::register(m)?;
    macaroon::register(m)?;
    bolt11::register(m)?;
    l402::register(m)?;
    l402_server::register(m)?;
    budget::register(m)?;
    codec::register(m)?;
    offers::register(m)?;
    server::register(m)?;
    settle::register(m)?;
    ws402::register(m)?;
    ws402_wire::register(m)?;
    ws402_session::register(m)?;
    ws402_client::register(m)?;
    dialects::register(m)?;
    svm::register(m)?;
    client_pay::register(m)?;
    x402_client::register(m)?;
    page::register(m)?;
    http_auth::register(m)?;
    recognize::register(m)?;
    onchain::register(m)?;
    smart_wallet::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
