//! The budget's rules, stated as specifications. Expected codes and texts are those of the
//! Python client (`ffi-python/python/pay402/client.py`, `Budget.reserve`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests fail loudly on purpose"
)]

use pay402::budget::*;
use pay402::{ErrorCode, U256};
use std::string::ToString;

const NOW: u64 = 1_700_000_000;

fn u(v: u64) -> U256 {
    U256::from_u64(v)
}

fn usdc() -> AssetKey {
    AssetKey::new("eip155:8453", "0x833589fcd6edb6e08f4c7c32d4f71b54bda02913").unwrap()
}

fn sats() -> AssetKey {
    AssetKey::new("bitcoin", "msat").unwrap()
}

fn limits(per_request: u64, total: u64) -> Limits {
    Limits {
        per_request: u(per_request),
        total: u(total),
        window: None,
    }
}

fn budget(per_request: u64, total: u64) -> Budget {
    let mut b = Budget::new();
    b.add(usdc(), limits(per_request, total)).unwrap();
    b
}

fn windowed(seconds: u64, amount: u64) -> Budget {
    let mut b = Budget::new();
    b.add(
        usdc(),
        Limits {
            per_request: U256::MAX,
            total: U256::MAX,
            window: Some(Window {
                seconds,
                amount: u(amount),
            }),
        },
    )
    .unwrap();
    b
}

fn code<T>(r: Result<T, BudgetError>) -> &'static str {
    r.map_or_else(|e| e.code(), |_| "ok")
}

#[test]
fn per_request_and_total_codes_and_texts_are_the_python_clients() {
    let mut b = budget(100, 150);
    let e = b.reserve(&usdc(), u(101), NOW).unwrap_err();
    assert_eq!(e.code(), "per_request_budget_exceeded");
    assert_eq!(
        e.to_string(),
        "payment of 101 exceeds the per-request budget of 100"
    );
    let r = b.reserve(&usdc(), u(100), NOW).unwrap();
    b.commit(r).unwrap();
    let e = b.reserve(&usdc(), u(51), NOW).unwrap_err();
    assert_eq!(e.code(), "total_budget_exceeded");
    assert_eq!(
        e.to_string(),
        "payment of 51 exceeds the remaining total budget of 50"
    );
    assert_eq!(code(b.reserve(&usdc(), u(50), NOW)), "ok");
}

#[test]
fn per_request_is_checked_before_total_and_total_before_window() {
    let mut b = Budget::new();
    b.add(
        usdc(),
        Limits {
            per_request: u(10),
            total: u(5),
            window: Some(Window {
                seconds: 60,
                amount: u(1),
            }),
        },
    )
    .unwrap();
    assert_eq!(
        code(b.reserve(&usdc(), u(11), NOW)),
        "per_request_budget_exceeded"
    );
    assert_eq!(code(b.reserve(&usdc(), u(6), NOW)), "total_budget_exceeded");
    assert_eq!(
        code(b.reserve(&usdc(), u(2), NOW)),
        "window_budget_exceeded"
    );
    assert_eq!(code(b.reserve(&usdc(), u(1), NOW)), "ok");
}

#[test]
fn a_refused_reservation_changes_nothing() {
    let mut b = budget(100, 100);
    assert!(b.reserve(&usdc(), u(101), NOW).is_err());
    assert_eq!(b.allowance(&usdc(), NOW), Ok(u(100)));
    assert_eq!(b.spent(&usdc()), Ok(U256::ZERO));
}

#[test]
fn outstanding_reservations_count_against_the_total_until_released() {
    let mut b = budget(100, 150);
    let first = b.reserve(&usdc(), u(100), NOW).unwrap();
    // A second payment prepared concurrently cannot use the reserved part.
    assert_eq!(
        code(b.reserve(&usdc(), u(100), NOW)),
        "total_budget_exceeded"
    );
    assert_eq!(b.allowance(&usdc(), NOW), Ok(u(50)));
    b.release(first).unwrap();
    assert_eq!(b.allowance(&usdc(), NOW), Ok(u(100)));
    assert_eq!(b.spent(&usdc()), Ok(U256::ZERO));
    let second = b.reserve(&usdc(), u(100), NOW).unwrap();
    b.commit(second).unwrap();
    assert_eq!(b.spent(&usdc()), Ok(u(100)));
    assert_eq!(b.allowance(&usdc(), NOW), Ok(u(50)));
}

#[test]
fn a_partial_commit_spends_what_was_paid_and_gives_back_the_rest() {
    let mut b = Budget::new();
    b.add(
        usdc(),
        Limits {
            per_request: u(100),
            total: u(1000),
            window: Some(Window {
                seconds: 3600,
                amount: u(150),
            }),
        },
    )
    .unwrap();
    let r = b.reserve(&usdc(), u(100), NOW).unwrap();
    assert_eq!(r.amount(), u(100));
    b.commit_partial(r, u(30)).unwrap();
    assert_eq!(b.spent(&usdc()), Ok(u(30)));
    // Window: 150 - 30 = 120 left; per-request caps the allowance at 100.
    assert_eq!(b.allowance(&usdc(), NOW), Ok(u(100)));
    let r = b.reserve(&usdc(), u(100), NOW).unwrap();
    assert_eq!(b.allowance(&usdc(), NOW), Ok(u(20)));
    assert_eq!(
        b.commit_partial(r, u(101)),
        Err(BudgetError::CommitExceedsReservation)
    );
    // The refused commit consumed the reservation, which stays counted: fail closed.
    assert_eq!(b.allowance(&usdc(), NOW), Ok(u(20)));
}

#[test]
fn windows_are_fixed_and_aligned_on_multiples_of_their_length() {
    let mut b = windowed(60, 10);
    // 1_700_000_000 = 28_333_333 × 60 + 20: this window is [1_699_999_980, 1_700_000_040).
    let r = b.reserve(&usdc(), u(10), NOW).unwrap();
    b.commit(r).unwrap();
    assert_eq!(
        code(b.reserve(&usdc(), u(1), 1_700_000_039)),
        "window_budget_exceeded"
    );
    assert_eq!(b.allowance(&usdc(), 1_700_000_039), Ok(U256::ZERO));
    assert_eq!(b.allowance(&usdc(), 1_700_000_040), Ok(u(10)));
    assert_eq!(code(b.reserve(&usdc(), u(10), 1_700_000_040)), "ok");
    assert_eq!(b.spent(&usdc()), Ok(u(10)));
}

#[test]
fn releasing_a_reservation_of_an_earlier_window_gives_nothing_to_the_current_one() {
    let mut b = windowed(60, 10);
    let old = b.reserve(&usdc(), u(10), NOW).unwrap();
    let now = NOW + 60;
    let current = b.reserve(&usdc(), u(10), now).unwrap();
    b.release(old).unwrap();
    assert_eq!(b.allowance(&usdc(), now), Ok(U256::ZERO));
    b.release(current).unwrap();
    assert_eq!(b.allowance(&usdc(), now), Ok(u(10)));
}

#[test]
fn time_running_backwards_stays_in_the_latest_window() {
    let mut b = windowed(60, 10);
    let r = b.reserve(&usdc(), u(10), NOW + 60).unwrap();
    b.commit(r).unwrap();
    assert_eq!(
        code(b.reserve(&usdc(), u(1), NOW)),
        "window_budget_exceeded"
    );
}

#[test]
fn assets_of_several_networks_have_separate_limits() {
    let mut b = budget(100, 100);
    let sol = AssetKey::new(
        "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp",
        "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
    )
    .unwrap();
    b.add(sol.clone(), limits(5, 5)).unwrap();
    b.add(sats(), limits(1_000_000, 10_000_000)).unwrap();
    let r = b.reserve(&usdc(), u(100), NOW).unwrap();
    b.commit(r).unwrap();
    assert_eq!(code(b.reserve(&sol, u(5), NOW)), "ok");
    assert_eq!(code(b.reserve(&sats(), u(17_000), NOW)), "ok");
    assert_eq!(code(b.reserve(&sol, u(1), NOW)), "total_budget_exceeded");
    // Same asset id on another network is another asset.
    let usdc_base_sepolia =
        AssetKey::new("eip155:84532", "0x833589fcd6edb6e08f4c7c32d4f71b54bda02913").unwrap();
    assert_eq!(
        code(b.reserve(&usdc_base_sepolia, u(1), NOW)),
        "budget_asset_not_listed"
    );
}

#[test]
fn amounts_beyond_64_bits_are_exact() {
    let mut b = Budget::new();
    let big = U256::from_u128(1 << 100);
    b.add(
        usdc(),
        Limits {
            per_request: big,
            total: big.checked_add(U256::ONE).unwrap(),
            window: None,
        },
    )
    .unwrap();
    let r = b.reserve(&usdc(), big, NOW).unwrap();
    b.commit(r).unwrap();
    assert_eq!(b.allowance(&usdc(), NOW), Ok(U256::ONE));
    assert_eq!(code(b.reserve(&usdc(), u(2), NOW)), "total_budget_exceeded");
}

#[test]
fn a_budget_lists_each_asset_once_and_at_most_max_assets() {
    let mut b = budget(1, 1);
    assert_eq!(code(b.add(usdc(), limits(1, 1))), "duplicate_budget_asset");
    for i in 1..MAX_ASSETS {
        let key = AssetKey::new("eip155:1", &std::format!("0x{i:040x}")).unwrap();
        b.add(key, limits(1, 1)).unwrap();
    }
    let one_more = AssetKey::new("eip155:2", "0x0").unwrap();
    assert_eq!(
        code(b.add(one_more, limits(1, 1))),
        "too_many_budget_assets"
    );
    let zero = Limits {
        window: Some(Window {
            seconds: 0,
            amount: u(1),
        }),
        ..limits(1, 1)
    };
    assert_eq!(
        code(Budget::new().add(usdc(), zero)),
        "invalid_budget_window"
    );
}

#[test]
fn asset_keys_are_bounded_and_non_empty() {
    assert_eq!(code(AssetKey::new("", "x")), "invalid_budget_asset");
    assert_eq!(code(AssetKey::new("x", "")), "invalid_budget_asset");
    let long = "x".repeat(MAX_NETWORK_LEN + 1);
    assert_eq!(code(AssetKey::new(&long, "x")), "invalid_budget_asset");
    let long = "x".repeat(MAX_ASSET_ID_LEN + 1);
    assert_eq!(code(AssetKey::new("x", &long)), "invalid_budget_asset");
    let key = AssetKey::new(&"n".repeat(MAX_NETWORK_LEN), &"a".repeat(MAX_ASSET_ID_LEN)).unwrap();
    assert_eq!(key.network().len(), MAX_NETWORK_LEN);
    assert_eq!(key.asset().len(), MAX_ASSET_ID_LEN);
}

#[test]
fn an_empty_budget_refuses_every_payment() {
    let mut b = Budget::new();
    assert_eq!(
        code(b.reserve(&usdc(), U256::ZERO, NOW)),
        "budget_asset_not_listed"
    );
    assert_eq!(code(b.allowance(&usdc(), NOW)), "budget_asset_not_listed");
}

#[test]
fn a_reservation_of_another_budget_is_refused() {
    let mut a = budget(100, 100);
    let mut b = budget(100, 100);
    let r = a.reserve(&usdc(), u(10), NOW).unwrap();
    assert_eq!(b.release(r), Err(BudgetError::ForeignReservation));
    assert_eq!(b.allowance(&usdc(), NOW), Ok(u(100)));
}

/// A deterministic xorshift64 sequence, so the property test needs no dependency.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn no_sequence_of_operations_spends_beyond_a_limit() {
    const PER_REQUEST: u64 = 50;
    const TOTAL: u64 = 2_000;
    const WINDOW: u64 = 120;
    const SECONDS: u64 = 30;
    let mut rng = Xorshift(0x9e37_79b9_7f4a_7c15);
    let mut b = Budget::new();
    b.add(
        usdc(),
        Limits {
            per_request: u(PER_REQUEST),
            total: u(TOTAL),
            window: Some(Window {
                seconds: SECONDS,
                amount: u(WINDOW),
            }),
        },
    )
    .unwrap();
    let mut open: Vec<Reservation> = Vec::new();
    let mut now = NOW;
    // Independent bookkeeping: what was committed, per window and in total.
    let mut spent = 0u64;
    let mut window_committed = std::collections::BTreeMap::<u64, u64>::new();
    for _ in 0..20_000 {
        now += rng.next() % 4;
        match rng.next() % 4 {
            0 | 1 => {
                let amount = rng.next() % (PER_REQUEST + 10);
                let allowance = b.allowance(&usdc(), now).unwrap();
                match b.reserve(&usdc(), u(amount), now) {
                    Ok(r) => {
                        assert!(u(amount) <= allowance);
                        open.push(r);
                    }
                    Err(e) => {
                        assert!(u(amount) > allowance, "{e}");
                    }
                }
            }
            2 if !open.is_empty() => {
                let r = open.swap_remove(usize::try_from(rng.next()).unwrap() % open.len());
                let paid = r.amount().to_u64().unwrap() / 2;
                let window = r.window_start();
                b.commit_partial(r, u(paid)).unwrap();
                spent += paid;
                *window_committed.entry(window).or_default() += paid;
            }
            _ if !open.is_empty() => {
                let r = open.swap_remove(usize::try_from(rng.next()).unwrap() % open.len());
                b.release(r).unwrap();
            }
            _ => {}
        }
        let outstanding: u64 = open.iter().map(|r| r.amount().to_u64().unwrap()).sum();
        assert_eq!(b.spent(&usdc()), Ok(u(spent)));
        assert!(spent + outstanding <= TOTAL);
        assert!(window_committed.values().all(|&w| w <= WINDOW));
    }
    assert!(spent > 0);
}
