//! The client budget: `ClientBudget` and `BudgetReservation`.
//!
//! Conversion only; the budget and its decisions are `pay402_host::budget` over the core's
//! `pay402::budget`. A refused reservation throws an `Error` named `BudgetExceeded` (`code`:
//! `per_request_budget_exceeded`, `total_budget_exceeded`, `window_budget_exceeded`,
//! `budget_asset_not_listed`, `invalid_budget_asset`; `amount` and `remaining` as `bigint`s
//! for the three limits); a configuration mistake or a reservation ended twice throws
//! `BudgetError`.

// wasm-bindgen hands every JS argument over by value.
#![allow(clippy::needless_pass_by_value)]

use crate::convert::{bigint, get, number, present, u256, uint};
use crate::errors::{JsResult, coded};
use js_sys::Reflect;
use pay402::U256;
use pay402_host::HostError;
use pay402_host::budget::{self as host, Limits, Window};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS: &str = r#"
export interface BudgetLimits {
  /** The most one payment may cost (atomic units; msat for L402). */
  perRequest: bigint | number | string;
  /** The most all payments together may cost. */
  total: bigint | number | string;
  /** At most `amount` within each fixed window of `seconds` (aligned on multiples of `seconds` since the epoch). */
  window?: { seconds: number; amount: bigint | number | string };
}
"#;

fn error(e: &HostError) -> JsValue {
    coded("BudgetError", &e.message, e.code, e.detail_code)
}

fn limits(options: &JsValue) -> JsResult<Limits> {
    let window = match present(&get(options, "window")) {
        Some(w) => Some(Window {
            seconds: uint(&get(w, "seconds"), "window.seconds")?,
            amount: u256(&get(w, "amount"), "window.amount")?,
        }),
        None => None,
    };
    Ok(Limits {
        per_request: u256(&get(options, "perRequest"), "perRequest")?,
        total: u256(&get(options, "total"), "total")?,
        window,
    })
}

/// A client's spending budget over assets named `(network, asset)`, in atomic units (L402:
/// network `"lightning"`, asset `"msat"`). Known x402 networks are keyed by their CAIP-2 id and
/// `0x` addresses lowercased, so `"base"` and `"eip155:8453"` name one asset. `now` is Unix
/// seconds.
#[wasm_bindgen(js_name = ClientBudget)]
#[derive(Debug)]
pub struct ClientBudget {
    inner: host::Budget,
}

/// An amount counted against a budget until `commit()`, `commitPartial(paid)` or `release()`,
/// exactly once (a second end throws `BudgetError` `unknown_reservation`). Never ended, it
/// stays counted.
#[wasm_bindgen(js_name = BudgetReservation)]
#[derive(Debug)]
pub struct BudgetReservation {
    inner: host::Reservation,
}

#[wasm_bindgen(js_class = ClientBudget)]
impl ClientBudget {
    /// A budget that lists no asset yet; add them with `add`.
    #[wasm_bindgen(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> ClientBudget {
        Self {
            inner: host::Budget::new(),
        }
    }

    /// A budget whose limits count every payment, whatever its asset.
    #[wasm_bindgen(js_name = anyAsset)]
    pub fn any_asset(
        #[wasm_bindgen(unchecked_param_type = "BudgetLimits")] limits_: &JsValue,
    ) -> JsResult<ClientBudget> {
        host::Budget::any_asset(limits(limits_)?)
            .map(|inner| Self { inner })
            .map_err(|e| error(&e))
    }

    /// Lists an asset with its limits.
    pub fn add(
        &self,
        network: &str,
        asset: &str,
        #[wasm_bindgen(unchecked_param_type = "BudgetLimits")] limits_: &JsValue,
    ) -> JsResult<()> {
        self.inner
            .add(network, asset, limits(limits_)?)
            .map_err(|e| error(&e))
    }

    /// Whether the limits count every asset together.
    #[wasm_bindgen(getter, js_name = isAnyAsset)]
    pub fn is_any_asset(&self) -> bool {
        self.inner.is_any_asset()
    }

    /// The most one payment in the asset may cost at `now`.
    #[wasm_bindgen(unchecked_return_type = "bigint")]
    pub fn allowance(
        &self,
        network: &str,
        asset: &str,
        #[wasm_bindgen(unchecked_param_type = "number | bigint")] now: &JsValue,
    ) -> JsResult<JsValue> {
        self.inner
            .allowance(network, asset, uint(now, "now")?)
            .map(|v| bigint(&v))
            .map_err(|e| error(&e))
    }

    /// What was committed in the asset so far.
    #[wasm_bindgen(unchecked_return_type = "bigint")]
    pub fn spent(&self, network: &str, asset: &str) -> JsResult<JsValue> {
        self.inner
            .spent(network, asset)
            .map(|v| bigint(&v))
            .map_err(|e| error(&e))
    }

    /// Reserves `amount` at `now` before anything is signed or paid; throws `BudgetExceeded`
    /// (nothing counted) when it does not fit.
    pub fn reserve(
        &self,
        network: &str,
        asset: &str,
        #[wasm_bindgen(unchecked_param_type = "bigint | number | string")] amount: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | bigint")] now: &JsValue,
    ) -> JsResult<BudgetReservation> {
        let amount = u256(amount, "amount")?;
        match self
            .inner
            .reserve(network, asset, amount, uint(now, "now")?)
        {
            Ok(inner) => Ok(BudgetReservation { inner }),
            Err(refusal) => {
                let e = coded(
                    "BudgetExceeded",
                    &refusal.error.message,
                    refusal.error.code,
                    refusal.error.detail_code,
                );
                let set = |key: &str, v: Option<U256>| {
                    // Reflect::set on a fresh Error object cannot fail.
                    let _ = Reflect::set(&e, &key.into(), &v.map_or(JsValue::NULL, |v| bigint(&v)));
                };
                set("amount", refusal.amount);
                set("remaining", refusal.remaining);
                Err(e)
            }
        }
    }
}

impl ClientBudget {
    /// The host budget (shared with the x402 client).
    #[cfg(feature = "client")]
    pub(crate) fn host(&self) -> &host::Budget {
        &self.inner
    }
}

impl BudgetReservation {
    /// Wraps a host reservation (made by the x402 client).
    #[cfg(feature = "client")]
    pub(crate) fn from_host(inner: host::Reservation) -> Self {
        Self { inner }
    }

    /// The host reservation.
    #[cfg(feature = "client")]
    pub(crate) fn host(&self) -> &host::Reservation {
        &self.inner
    }
}

#[wasm_bindgen(js_class = BudgetReservation)]
impl BudgetReservation {
    /// The amount reserved.
    #[wasm_bindgen(getter, unchecked_return_type = "bigint")]
    pub fn amount(&self) -> JsValue {
        bigint(&self.inner.amount())
    }

    /// The start (Unix seconds) of the window the amount counts against; 0 without a window.
    #[wasm_bindgen(getter, js_name = windowStart, unchecked_return_type = "number")]
    pub fn window_start(&self) -> JsValue {
        number(self.inner.window_start())
    }

    /// Whether it is neither committed nor released yet.
    #[wasm_bindgen(getter, js_name = isOpen)]
    pub fn is_open(&self) -> bool {
        self.inner.is_open()
    }

    /// The payment was made: the amount is spent.
    pub fn commit(&self) -> JsResult<()> {
        self.inner.commit().map_err(|e| error(&e))
    }

    /// The payment was made for `paid` (at most the amount): the rest comes back.
    #[wasm_bindgen(js_name = commitPartial)]
    pub fn commit_partial(
        &self,
        #[wasm_bindgen(unchecked_param_type = "bigint | number | string")] paid: &JsValue,
    ) -> JsResult<()> {
        self.inner
            .commit_partial(u256(paid, "paid")?)
            .map_err(|e| error(&e))
    }

    /// The payment was not taken: the amount comes back.
    pub fn release(&self) -> JsResult<()> {
        self.inner.release().map_err(|e| error(&e))
    }
}
