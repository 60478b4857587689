//! The host budget's ownership: asset names, owned reservations ended once, threads.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly on purpose"
)]

use pay402::U256;
use pay402_host::budget::{Budget, Limits, Window};

const NOW: u64 = 1_700_000_000;
const USDC_BASE: &str = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913";

fn u(v: u64) -> U256 {
    U256::from_u64(v)
}

fn limits(per_request: u64, total: u64) -> Limits {
    Limits {
        per_request: u(per_request),
        total: u(total),
        window: None,
    }
}

#[test]
fn v1_names_caip2_ids_and_address_case_name_one_asset() {
    let budget = Budget::new();
    budget.add("base", USDC_BASE, limits(10, 15)).unwrap();
    let r = budget
        .reserve("eip155:8453", &USDC_BASE.to_lowercase(), u(10), NOW)
        .unwrap();
    r.commit().unwrap();
    assert_eq!(budget.spent("base", USDC_BASE).unwrap(), u(10));
    assert_eq!(
        budget.allowance("eip155:8453", USDC_BASE, NOW).unwrap(),
        u(5)
    );
    // Another chain is another asset, and not listed.
    let refused = budget
        .reserve("eip155:84532", USDC_BASE, u(1), NOW)
        .unwrap_err();
    assert_eq!(refused.error.code, "budget_asset_not_listed");
    assert_eq!((refused.amount, refused.remaining), (None, None));
    // Listing the same asset under its other name is a duplicate.
    let dup = budget.add("eip155:8453", &USDC_BASE.to_lowercase(), limits(1, 1));
    assert_eq!(dup.unwrap_err().code, "duplicate_budget_asset");
}

#[test]
fn a_reservation_ends_once() {
    let budget = Budget::any_asset(limits(10, 10)).unwrap();
    let r = budget.reserve("lightning", "msat", u(10), NOW).unwrap();
    assert!(r.is_open());
    r.release().unwrap();
    assert!(!r.is_open());
    assert_eq!(r.commit().unwrap_err().code, "unknown_reservation");
    assert_eq!(r.release().unwrap_err().code, "unknown_reservation");
    assert_eq!(budget.spent("x", "y").unwrap(), U256::ZERO);
    assert_eq!(budget.allowance("x", "y", NOW).unwrap(), u(10));
}

#[test]
fn a_dropped_reservation_stays_counted() {
    let budget = Budget::any_asset(limits(10, 10)).unwrap();
    drop(budget.reserve("a", "b", u(7), NOW).unwrap());
    let refused = budget.reserve("a", "b", u(4), NOW).unwrap_err();
    assert_eq!(refused.error.code, "total_budget_exceeded");
    assert_eq!(
        (refused.amount, refused.remaining),
        (Some(u(4)), Some(u(3)))
    );
}

#[test]
fn a_partial_commit_gives_the_rest_back_to_the_window() {
    let budget = Budget::any_asset(Limits {
        per_request: U256::MAX,
        total: U256::MAX,
        window: Some(Window {
            seconds: 60,
            amount: u(100),
        }),
    })
    .unwrap();
    let r = budget.reserve("a", "b", u(100), NOW).unwrap();
    assert_eq!(r.window_start(), NOW - NOW % 60);
    r.commit_partial(u(30)).unwrap();
    assert_eq!(budget.allowance("a", "b", NOW).unwrap(), u(70));
    let over = budget.reserve("a", "b", u(50), NOW).unwrap();
    assert_eq!(
        over.commit_partial(u(51)).unwrap_err().code,
        "commit_exceeds_reservation"
    );
}

#[test]
fn concurrent_reservations_never_exceed_the_total() {
    let budget = Budget::any_asset(limits(3, 100)).unwrap();
    let granted: u64 = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let budget = budget.clone();
                s.spawn(move || {
                    let mut n = 0;
                    for _ in 0..20 {
                        if let Ok(r) = budget.reserve("a", "b", u(3), NOW) {
                            r.commit().unwrap();
                            n += 3;
                        }
                    }
                    n
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    assert_eq!(granted, 99);
    assert_eq!(budget.spent("a", "b").unwrap(), u(99));
}
