//! The client's spending budget with owned state: [`Budget`] is `pay402::budget::Budget` behind a
//! lock (shared by every payer of a binding, across threads), assets are named by owned strings
//! and reservations are owned handles ([`Reservation`]) the host keeps until the payment's
//! outcome is known.
//!
//! Every decision is `pay402::budget`'s: the order of the checks, the codes, the windows, what a
//! commit or a release gives back. This module only names assets, owns the state and turns the
//! core's errors into [`HostError`]s (plus the amounts a refusal reports).
//!
//! - Assets are `(network, asset)` strings. A network that the core knows (an x402 v1 name or a
//!   CAIP-2 id) is keyed by its CAIP-2 id, so `base` and `eip155:8453` are one asset; an asset id
//!   written `0x…` (an EVM address) is lowercased. Anything else is compared as given. L402
//!   payments use [`LIGHTNING_NETWORK`] / [`MSAT`].
//! - [`Budget::any_asset`] counts every payment against one set of limits, whatever its asset
//!   (amounts of different assets are added as they are: use it for one asset).
//! - `now` is injected (Unix seconds) into every call that depends on time.
//!
//! ```
//! use pay402::U256;
//! use pay402_host::budget::{Budget, Limits, Window, LIGHTNING_NETWORK, MSAT};
//! let budget = Budget::new();
//! budget.add(LIGHTNING_NETWORK, MSAT, Limits {
//!     per_request: U256::from_u64(20_000),
//!     total: U256::from_u64(50_000),
//!     window: Some(Window { seconds: 60, amount: U256::from_u64(30_000) }),
//! })?;
//! let now = 1_700_000_000;
//! let paid = budget.reserve(LIGHTNING_NETWORK, MSAT, U256::from_u64(20_000), now).unwrap();
//! paid.commit()?; // the invoice was paid
//! let refused = budget.reserve(LIGHTNING_NETWORK, MSAT, U256::from_u64(20_000), now).unwrap_err();
//! assert_eq!(refused.error.code, "window_budget_exceeded");
//! assert_eq!(refused.remaining, Some(U256::from_u64(10_000)));
//! // The next minute starts a new window.
//! let later = budget.reserve(LIGHTNING_NETWORK, MSAT, U256::from_u64(20_000), now + 60).unwrap();
//! later.release()?; // the payment was not taken: the amount comes back
//! assert_eq!(budget.spent(LIGHTNING_NETWORK, MSAT)?, U256::from_u64(20_000));
//! # Ok::<(), pay402_host::HostError>(())
//! ```

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use pay402::budget::{self as core, AssetKey, BudgetError};
use pay402::u256::LeadingZeros;
use pay402::{ErrorCode, U256};

pub use pay402::budget::{Limits, MAX_ASSETS, Window};

use crate::HostError;

/// The network of L402 payments (Lightning).
pub const LIGHTNING_NETWORK: &str = "lightning";
/// The asset of L402 payments: millisatoshis.
pub const MSAT: &str = "msat";

/// The key every payment of an [`Budget::any_asset`] budget counts under.
const ANY: &str = "*";

#[derive(Debug)]
struct Shared {
    core: core::Budget,
    any_asset: bool,
}

/// A client's budget; cheap to clone (clones share the state) and safe to share between threads.
#[derive(Debug, Clone)]
pub struct Budget {
    shared: Arc<Mutex<Shared>>,
}

impl Default for Budget {
    fn default() -> Self {
        Self::new()
    }
}

/// A refused reservation: the core's error and, for the three limits, the amount asked and
/// what the limit that refused still allows (per request: the per-request limit; total and
/// window: what is left of them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The core's code (`per_request_budget_exceeded`, `total_budget_exceeded`,
    /// `window_budget_exceeded`, `budget_asset_not_listed`, `invalid_budget_asset`) and message.
    pub error: HostError,
    /// The amount asked, for the three limits.
    pub amount: Option<U256>,
    /// What the refusing limit still allows, for the three limits.
    pub remaining: Option<U256>,
}

impl From<BudgetError> for Refusal {
    fn from(e: BudgetError) -> Self {
        let (amount, remaining) = match e {
            BudgetError::PerRequestExceeded { amount, limit } => (Some(amount), Some(limit)),
            BudgetError::TotalExceeded { amount, remaining }
            | BudgetError::WindowExceeded { amount, remaining } => (Some(amount), Some(remaining)),
            _ => (None, None),
        };
        Self {
            error: HostError::of(&e),
            amount,
            remaining,
        }
    }
}

/// Parses a decimal amount of atomic units (ASCII digits; leading zeros allowed), for bindings
/// that receive amounts as text. Fails with the core's `U256` codes.
pub fn parse_amount(text: &str) -> Result<U256, HostError> {
    U256::parse_decimal(text.as_bytes(), LeadingZeros::Allow).map_err(|e| HostError::of(&e))
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    // The core's state is consistent after every call (nothing panics half-way): keep using it.
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The core's key of `(network, asset)`; see the module docs.
fn key(network: &str, asset: &str) -> Result<AssetKey, BudgetError> {
    let network = match pay402::x402::Network::parse(network) {
        Some(pay402::x402::Network::Eip155 { chain_id }) => format!("eip155:{chain_id}"),
        Some(pay402::x402::Network::Solana(cluster)) => cluster.caip2().to_owned(),
        None => network.to_owned(),
    };
    let asset = if asset.starts_with("0x") || asset.starts_with("0X") {
        asset.to_ascii_lowercase()
    } else {
        asset.to_owned()
    };
    AssetKey::new(&network, &asset)
}

impl Shared {
    fn key(&self, network: &str, asset: &str) -> Result<AssetKey, BudgetError> {
        if self.any_asset {
            AssetKey::new(ANY, ANY)
        } else {
            key(network, asset)
        }
    }
}

impl Budget {
    /// A budget that lists no asset yet (and so refuses every payment until [`Budget::add`]).
    pub fn new() -> Self {
        Self {
            shared: Arc::new(Mutex::new(Shared {
                core: core::Budget::new(),
                any_asset: false,
            })),
        }
    }

    /// A budget whose `limits` count every payment, whatever its asset.
    pub fn any_asset(limits: Limits) -> Result<Self, HostError> {
        let mut core = core::Budget::new();
        let any = AssetKey::new(ANY, ANY).map_err(|e| HostError::of(&e))?;
        core.add(any, limits).map_err(|e| HostError::of(&e))?;
        Ok(Self {
            shared: Arc::new(Mutex::new(Shared {
                core,
                any_asset: true,
            })),
        })
    }

    /// Lists an asset with its limits (at most [`MAX_ASSETS`]). Fails with the core's codes
    /// (`invalid_budget_asset`, `duplicate_budget_asset`, `too_many_budget_assets`,
    /// `invalid_budget_window`); on an [`Budget::any_asset`] budget, `duplicate_budget_asset`.
    pub fn add(&self, network: &str, asset: &str, limits: Limits) -> Result<(), HostError> {
        let mut shared = lock(&self.shared);
        if shared.any_asset {
            return Err(HostError::of(&BudgetError::DuplicateAsset));
        }
        let key = key(network, asset).map_err(|e| HostError::of(&e))?;
        shared.core.add(key, limits).map_err(|e| HostError::of(&e))
    }

    /// Whether this budget counts every asset together ([`Budget::any_asset`]).
    pub fn is_any_asset(&self) -> bool {
        lock(&self.shared).any_asset
    }

    /// The most one payment in `(network, asset)` may cost at `now`.
    pub fn allowance(&self, network: &str, asset: &str, now: u64) -> Result<U256, HostError> {
        let shared = lock(&self.shared);
        let key = shared.key(network, asset).map_err(|e| HostError::of(&e))?;
        shared
            .core
            .allowance(&key, now)
            .map_err(|e| HostError::of(&e))
    }

    /// What was committed in `(network, asset)` so far.
    pub fn spent(&self, network: &str, asset: &str) -> Result<U256, HostError> {
        let shared = lock(&self.shared);
        let key = shared.key(network, asset).map_err(|e| HostError::of(&e))?;
        shared.core.spent(&key).map_err(|e| HostError::of(&e))
    }

    /// Reserves `amount` of `(network, asset)` at `now` (before signing or paying), or refuses
    /// it and changes nothing.
    pub fn reserve(
        &self,
        network: &str,
        asset: &str,
        amount: U256,
        now: u64,
    ) -> Result<Reservation, Box<Refusal>> {
        let mut shared = lock(&self.shared);
        let refuse = |e: BudgetError| Box::new(Refusal::from(e));
        let key = shared.key(network, asset).map_err(refuse)?;
        let reservation = shared.core.reserve(&key, amount, now).map_err(refuse)?;
        Ok(Reservation {
            shared: Arc::clone(&self.shared),
            amount: reservation.amount(),
            window_start: reservation.window_start(),
            inner: Mutex::new(Some(reservation)),
        })
    }
}

/// An amount counted against a [`Budget`] until it is committed or released, exactly once.
///
/// Unlike the core's, this handle is ended through `&self` (a binding's object is shared): a
/// second end fails with `unknown_reservation` and changes nothing. Dropped without an end, the
/// amount stays counted (fail closed).
#[derive(Debug)]
pub struct Reservation {
    shared: Arc<Mutex<Shared>>,
    amount: U256,
    window_start: u64,
    inner: Mutex<Option<core::Reservation>>,
}

impl Reservation {
    /// The amount reserved.
    pub fn amount(&self) -> U256 {
        self.amount
    }

    /// The start (Unix seconds) of the window the amount counts against; `0` without a window.
    pub fn window_start(&self) -> u64 {
        self.window_start
    }

    /// Whether the reservation is still open (neither committed nor released).
    pub fn is_open(&self) -> bool {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }

    fn end(
        &self,
        f: impl FnOnce(&mut core::Budget, core::Reservation) -> Result<(), BudgetError>,
    ) -> Result<(), HostError> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let reservation = inner.take().ok_or_else(|| HostError {
            code: BudgetError::ForeignReservation.code(),
            detail_code: None,
            message: "the reservation was already committed or released".into(),
        })?;
        let mut shared = lock(&self.shared);
        f(&mut shared.core, reservation).map_err(|e| HostError::of(&e))
    }

    /// The payment was made: the amount is spent.
    pub fn commit(&self) -> Result<(), HostError> {
        self.end(core::Budget::commit)
    }

    /// The payment was made for `paid` (at most the amount reserved, else
    /// `commit_exceeds_reservation` and the reservation is ended with the whole amount counted
    /// as reserved — fail closed): `paid` is spent and the rest comes back.
    pub fn commit_partial(&self, paid: U256) -> Result<(), HostError> {
        self.end(|budget, reservation| budget.commit_partial(reservation, paid))
    }

    /// The payment was not taken: the whole amount comes back.
    pub fn release(&self) -> Result<(), HostError> {
        self.end(core::Budget::release)
    }
}
