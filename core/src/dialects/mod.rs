//! Other 402 dialects met in the wild — the x402 developer sandbox
//! (<https://github.com/gajarajVish/x402-dev-sandbox>), `PayPer402`
//! (<https://github.com/Russioo/PayPer402>) and single-use tokens — as typed codecs
//! with pay402's rules applied:
//!
//! - [`SandboxRequirements`] / [`SandboxToken`]: the x402 developer sandbox's
//!   `payment_requirements` body and its `mock-sig:` / `devnet-sig:` tokens, typed by mode.
//! - [`PayPer402Challenge`]: `WWW-Authenticate: Bearer realm=…, amount=…, currency=…,
//!   network=…`, parsed with [`crate::http_auth`], the amount converted exactly to atomic
//!   units ([`decimal_to_atomic`], sub-unit amounts refused).
//! - [`accept_once`] over a host [`SingleUseStore`]: a proof identifier is accepted once; a
//!   store failure refuses the proof.

mod decimal_amount;
mod error;
mod payper402;
mod sandbox;
mod single_use;

pub use decimal_amount::{MAX_DECIMALS, decimal_to_atomic, write_decimal_amount};
pub use error::DialectError;
pub use payper402::{PayPer402Challenge, write_payper402_challenge};
pub use sandbox::{SandboxRequirements, SandboxToken};
pub use single_use::{SingleUseStore, accept_once};
