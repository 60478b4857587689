//! A client's spending budget, one type for every scheme (x402 and L402): limits per request,
//! in total and per time window, per asset, in integer atomic units.
//!
//! A pure state machine: the host injects `now` (Unix seconds) and keeps the [`Budget`] for as
//! long as the budget should last (a process, a session, a user). Nothing allocates: the assets
//! live in a fixed table of [`MAX_ASSETS`] entries.
//!
//! # Rules
//!
//! - An asset is a [`AssetKey`]: a network and an asset id, compared byte for byte (normalise
//!   before building the key, e.g. lowercase EVM addresses; Solana mints are case-sensitive). A
//!   payment in an asset the budget does not list is refused (`budget_asset_not_listed`).
//! - [`Budget::reserve`] checks, in this order, the per-request limit
//!   (`per_request_budget_exceeded`), the total limit (`total_budget_exceeded`) and the window
//!   limit (`window_budget_exceeded`). Reserved amounts count against the total and the window
//!   at once, so two payments prepared concurrently cannot both use the last allowance.
//! - Every [`Reservation`] ends exactly once: [`Budget::commit`] (paid), [`Budget::commit_partial`]
//!   (paid less than reserved, e.g. an x402 `upto` settlement; the rest comes back) or
//!   [`Budget::release`] (the payment was definitively refused, the amount comes back). These
//!   take the reservation by value and it is neither `Clone` nor `Copy`, so a reservation cannot
//!   be ended twice. A reservation that is dropped stays counted: fail closed.
//! - Windows are fixed, aligned on multiples of [`Window::seconds`] since the Unix epoch (the
//!   window of `now` starts at `now - now % seconds`). A new window starts empty. Releasing a
//!   reservation of an earlier window gives nothing back to the current one. Time that runs
//!   backwards stays in the latest window seen.
//! - The codes `per_request_budget_exceeded` and `total_budget_exceeded` are those the Python
//!   client has always used.
//!
//! # With the protocols
//!
//! - L402: the asset is the Lightning network and `msat`; reserve the invoice amount before
//!   paying it, commit when the payment succeeds, release when it definitively fails.
//! - x402: client selection keeps its own per-offer filter (`amount_exceeds_budget`); a client
//!   passes [`Budget::allowance`] of each offer's asset as that filter's budget, then reserves the
//!   chosen offer's amount before signing, commits on settlement and releases on a definitive
//!   refusal.
//!
//! # Example
//!
//! ```
//! use pay402::budget::{AssetKey, Budget, Limits, Window};
//! use pay402::{ErrorCode, U256};
//!
//! let usdc = AssetKey::new("eip155:8453", "0x833589fcd6edb6e08f4c7c32d4f71b54bda02913")?;
//! let mut budget = Budget::new();
//! budget.add(usdc.clone(), Limits {
//!     per_request: U256::from_u64(1_000_000),
//!     total: U256::from_u64(5_000_000),
//!     window: Some(Window { seconds: 3600, amount: U256::from_u64(2_000_000) }),
//! })?;
//!
//! let now = 1_700_000_000;
//! let paid = budget.reserve(&usdc, U256::from_u64(1_000_000), now)?;
//! budget.commit(paid)?;
//! let refused = budget.reserve(&usdc, U256::from_u64(1_000_000), now)?;
//! budget.release(refused)?; // the server refused the payment: the amount comes back
//! let second = budget.reserve(&usdc, U256::from_u64(1_000_000), now)?;
//! budget.commit(second)?;
//! // The hour's 2 USDC are spent.
//! let e = budget.reserve(&usdc, U256::ONE, now).unwrap_err();
//! assert_eq!(e.code(), "window_budget_exceeded");
//! assert_eq!(budget.reserve(&usdc, U256::from_u64(2_000_000), now).unwrap_err().code(),
//!            "per_request_budget_exceeded");
//! # Ok::<(), pay402::budget::BudgetError>(())
//! ```

use crate::error::ErrorCode;
use crate::u256::U256;

/// How many assets one budget lists at most.
pub const MAX_ASSETS: usize = 8;
/// The longest network name of an [`AssetKey`] (a CAIP-2 chain id such as
/// `solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp` is 39 bytes).
pub const MAX_NETWORK_LEN: usize = 48;
/// The longest asset id of an [`AssetKey`] (an EVM address is 42 bytes, a Solana mint at most 44).
pub const MAX_ASSET_ID_LEN: usize = 64;

/// One asset: a network and an asset id, compared byte for byte.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AssetKey {
    network: heapless::String<MAX_NETWORK_LEN>,
    asset: heapless::String<MAX_ASSET_ID_LEN>,
}

impl AssetKey {
    /// Copies the two names. Fails with [`BudgetError::AssetKey`] when one is empty or longer
    /// than [`MAX_NETWORK_LEN`] / [`MAX_ASSET_ID_LEN`].
    pub fn new(network: &str, asset: &str) -> Result<Self, BudgetError> {
        if network.is_empty() || asset.is_empty() {
            return Err(BudgetError::AssetKey);
        }
        let mut key = Self {
            network: heapless::String::new(),
            asset: heapless::String::new(),
        };
        key.network
            .push_str(network)
            .map_err(|_| BudgetError::AssetKey)?;
        key.asset
            .push_str(asset)
            .map_err(|_| BudgetError::AssetKey)?;
        Ok(key)
    }

    /// The network.
    pub fn network(&self) -> &str {
        &self.network
    }

    /// The asset id.
    pub fn asset(&self) -> &str {
        &self.asset
    }
}

/// A limit over a fixed window of time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Window {
    /// The window length in seconds (more than 0).
    pub seconds: u64,
    /// The most spent (and reserved) within one window.
    pub amount: U256,
}

/// The limits of one asset, in its atomic units. [`U256::MAX`] means no limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Limits {
    /// The most one payment may cost.
    pub per_request: U256,
    /// The most all payments together may cost.
    pub total: U256,
    /// An optional limit per window of time.
    pub window: Option<Window>,
}

#[derive(Clone, Debug)]
struct Entry {
    asset: AssetKey,
    limits: Limits,
    /// Committed payments.
    spent: U256,
    /// Outstanding reservations.
    reserved: U256,
    /// Start of the current window, and what was spent or reserved within it.
    window_start: u64,
    window_used: U256,
}

impl Entry {
    /// Starts the window of `now` if it is later than the current one.
    fn roll(&mut self, now: u64) {
        if let Some(window) = self.limits.window {
            let start = now - now % window.seconds.max(1);
            if start > self.window_start {
                self.window_start = start;
                self.window_used = U256::ZERO;
            }
        }
    }

    fn total_remaining(&self) -> U256 {
        let used = self.spent.checked_add(self.reserved).unwrap_or(U256::MAX);
        self.limits.total.checked_sub(used).unwrap_or(U256::ZERO)
    }

    fn window_remaining(&self) -> U256 {
        self.limits.window.map_or(U256::MAX, |w| {
            w.amount.checked_sub(self.window_used).unwrap_or(U256::ZERO)
        })
    }
}

/// A budget over up to [`MAX_ASSETS`] assets; see the module docs for the rules.
#[derive(Clone, Debug, Default)]
pub struct Budget {
    entries: heapless::Vec<Entry, MAX_ASSETS>,
}

/// An amount counted against a budget until it is committed or released, exactly once.
///
/// Ending it consumes it; a second end does not compile:
///
/// ```compile_fail
/// use pay402::budget::{AssetKey, Budget, Limits};
/// use pay402::U256;
/// let asset = AssetKey::new("bitcoin", "msat").unwrap();
/// let mut budget = Budget::new();
/// budget.add(asset.clone(), Limits { per_request: U256::MAX, total: U256::MAX, window: None }).unwrap();
/// let r = budget.reserve(&asset, U256::ONE, 0).unwrap();
/// budget.commit(r).unwrap();
/// budget.release(r).unwrap(); // error: use of moved value `r`
/// ```
#[derive(Debug, PartialEq, Eq)]
#[must_use = "a reservation must be committed or released; dropped, it stays counted"]
pub struct Reservation {
    index: usize,
    amount: U256,
    window_start: u64,
}

impl Reservation {
    /// The start (unix seconds) of the time window the reservation counts against; `0` when
    /// the asset has no window limit.
    pub fn window_start(&self) -> u64 {
        self.window_start
    }

    /// The amount reserved.
    pub fn amount(&self) -> U256 {
        self.amount
    }
}

impl Budget {
    /// A budget that lists no asset yet (and so refuses every payment).
    pub const fn new() -> Self {
        Self {
            entries: heapless::Vec::new(),
        }
    }

    /// Lists an asset with its limits. Fails with [`BudgetError::DuplicateAsset`],
    /// [`BudgetError::TooManyAssets`] or, for a window of 0 seconds,
    /// [`BudgetError::InvalidWindow`].
    pub fn add(&mut self, asset: AssetKey, limits: Limits) -> Result<(), BudgetError> {
        if limits.window.is_some_and(|w| w.seconds == 0) {
            return Err(BudgetError::InvalidWindow);
        }
        if self.entries.iter().any(|e| e.asset == asset) {
            return Err(BudgetError::DuplicateAsset);
        }
        self.entries
            .push(Entry {
                asset,
                limits,
                spent: U256::ZERO,
                reserved: U256::ZERO,
                window_start: 0,
                window_used: U256::ZERO,
            })
            .map_err(|_| BudgetError::TooManyAssets)
    }

    fn index_of(&self, asset: &AssetKey) -> Result<usize, BudgetError> {
        self.entries
            .iter()
            .position(|e| e.asset == *asset)
            .ok_or(BudgetError::AssetNotListed)
    }

    /// The most one payment in `asset` may cost at `now`: the smallest of the per-request limit,
    /// the total left and the window left.
    pub fn allowance(&self, asset: &AssetKey, now: u64) -> Result<U256, BudgetError> {
        let mut entry = self
            .entries
            .get(self.index_of(asset)?)
            .ok_or(BudgetError::AssetNotListed)?
            .clone();
        entry.roll(now);
        Ok(entry
            .limits
            .per_request
            .min(entry.total_remaining())
            .min(entry.window_remaining()))
    }

    /// What was committed in `asset` so far.
    pub fn spent(&self, asset: &AssetKey) -> Result<U256, BudgetError> {
        let index = self.index_of(asset)?;
        self.entries
            .get(index)
            .map(|e| e.spent)
            .ok_or(BudgetError::AssetNotListed)
    }

    /// Reserves `amount` of `asset` at `now`, or refuses it and changes nothing.
    pub fn reserve(
        &mut self,
        asset: &AssetKey,
        amount: U256,
        now: u64,
    ) -> Result<Reservation, BudgetError> {
        let index = self.index_of(asset)?;
        let entry = self
            .entries
            .get_mut(index)
            .ok_or(BudgetError::AssetNotListed)?;
        if amount > entry.limits.per_request {
            return Err(BudgetError::PerRequestExceeded {
                amount,
                limit: entry.limits.per_request,
            });
        }
        let total_remaining = entry.total_remaining();
        if amount > total_remaining {
            return Err(BudgetError::TotalExceeded {
                amount,
                remaining: total_remaining,
            });
        }
        entry.roll(now);
        let window_remaining = entry.window_remaining();
        if amount > window_remaining {
            return Err(BudgetError::WindowExceeded {
                amount,
                remaining: window_remaining,
            });
        }
        // Both sums are bounded by the limits just checked.
        entry.reserved = entry.reserved.checked_add(amount).unwrap_or(U256::MAX);
        entry.window_used = entry.window_used.checked_add(amount).unwrap_or(U256::MAX);
        Ok(Reservation {
            index,
            amount,
            window_start: entry.window_start,
        })
    }

    /// The reserved payment was made: its amount is spent.
    pub fn commit(&mut self, reservation: Reservation) -> Result<(), BudgetError> {
        let amount = reservation.amount;
        self.commit_partial(reservation, amount)
    }

    /// The reserved payment was made for `paid` (at most the amount reserved, else
    /// [`BudgetError::CommitExceedsReservation`] and nothing changes — the reservation is then
    /// still counted): `paid` is spent and the rest comes back.
    pub fn commit_partial(
        &mut self,
        reservation: Reservation,
        paid: U256,
    ) -> Result<(), BudgetError> {
        if paid > reservation.amount {
            return Err(BudgetError::CommitExceedsReservation);
        }
        let unused = reservation.amount.checked_sub(paid).unwrap_or(U256::ZERO);
        let entry = self.end(reservation, unused)?;
        entry.spent = entry.spent.checked_add(paid).unwrap_or(U256::MAX);
        Ok(())
    }

    /// The reserved payment was definitively refused: its whole amount comes back.
    pub fn release(&mut self, reservation: Reservation) -> Result<(), BudgetError> {
        let amount = reservation.amount;
        self.end(reservation, amount).map(|_| ())
    }

    /// Ends a reservation: removes it from the outstanding amount and gives `give_back` back to
    /// its window if that window is still the current one. Consumes the reservation.
    // Taking the reservation by value is the exactly-once guarantee, not an oversight.
    #[allow(clippy::needless_pass_by_value)]
    fn end(
        &mut self,
        reservation: Reservation,
        give_back: U256,
    ) -> Result<&mut Entry, BudgetError> {
        let Reservation {
            index,
            amount,
            window_start,
        } = reservation;
        let entry = self
            .entries
            .get_mut(index)
            .ok_or(BudgetError::ForeignReservation)?;
        entry.reserved = entry
            .reserved
            .checked_sub(amount)
            .ok_or(BudgetError::ForeignReservation)?;
        if entry.limits.window.is_some() && window_start == entry.window_start {
            entry.window_used = entry
                .window_used
                .checked_sub(give_back)
                .unwrap_or(U256::ZERO);
        }
        Ok(entry)
    }
}

/// Why a budget refuses a payment or an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BudgetError {
    /// The payment costs more than one payment may. Code `per_request_budget_exceeded`.
    PerRequestExceeded {
        /// The amount asked.
        amount: U256,
        /// The per-request limit.
        limit: U256,
    },
    /// The payment costs more than the total left. Code `total_budget_exceeded`.
    TotalExceeded {
        /// The amount asked.
        amount: U256,
        /// The total left (reservations count as spent).
        remaining: U256,
    },
    /// The payment costs more than the current window has left. Code `window_budget_exceeded`.
    WindowExceeded {
        /// The amount asked.
        amount: U256,
        /// What the window has left.
        remaining: U256,
    },
    /// The budget does not list the payment's asset. Code `budget_asset_not_listed`.
    AssetNotListed,
    /// An asset key's network or asset id is empty or too long. Code `invalid_budget_asset`.
    AssetKey,
    /// The asset is listed twice. Code `duplicate_budget_asset`.
    DuplicateAsset,
    /// More than [`MAX_ASSETS`] assets. Code `too_many_budget_assets`.
    TooManyAssets,
    /// A window of 0 seconds. Code `invalid_budget_window`.
    InvalidWindow,
    /// The reservation was not made by this budget. Code `unknown_reservation`.
    ForeignReservation,
    /// A commit of more than was reserved. Code `commit_exceeds_reservation`.
    CommitExceedsReservation,
}

impl core::fmt::Display for BudgetError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::PerRequestExceeded { amount, limit } => write!(
                f,
                "payment of {amount} exceeds the per-request budget of {limit}"
            ),
            Self::TotalExceeded { amount, remaining } => write!(
                f,
                "payment of {amount} exceeds the remaining total budget of {remaining}"
            ),
            Self::WindowExceeded { amount, remaining } => write!(
                f,
                "payment of {amount} exceeds the {remaining} left in the current budget window"
            ),
            Self::AssetNotListed => f.write_str("the budget does not list the payment's asset"),
            Self::AssetKey => write!(
                f,
                "a budget asset needs a network of 1 to {MAX_NETWORK_LEN} bytes and an asset id of 1 to {MAX_ASSET_ID_LEN} bytes"
            ),
            Self::DuplicateAsset => f.write_str("the budget lists this asset already"),
            Self::TooManyAssets => write!(f, "a budget lists at most {MAX_ASSETS} assets"),
            Self::InvalidWindow => f.write_str("a budget window must be longer than 0 seconds"),
            Self::ForeignReservation => f.write_str("the reservation was not made by this budget"),
            Self::CommitExceedsReservation => {
                f.write_str("the amount committed exceeds the amount reserved")
            }
        }
    }
}

impl core::error::Error for BudgetError {}

impl ErrorCode for BudgetError {
    fn code(&self) -> &'static str {
        match self {
            Self::PerRequestExceeded { .. } => "per_request_budget_exceeded",
            Self::TotalExceeded { .. } => "total_budget_exceeded",
            Self::WindowExceeded { .. } => "window_budget_exceeded",
            Self::AssetNotListed => "budget_asset_not_listed",
            Self::AssetKey => "invalid_budget_asset",
            Self::DuplicateAsset => "duplicate_budget_asset",
            Self::TooManyAssets => "too_many_budget_assets",
            Self::InvalidWindow => "invalid_budget_window",
            Self::ForeignReservation => "unknown_reservation",
            Self::CommitExceedsReservation => "commit_exceeds_reservation",
        }
    }
}
