//! The bad-input catalogue of payment options: every broken seller configuration must be refused
//! with the exact code listed here (and detail code), never a panic, never another code, never a
//! silently rounded or defaulted value.
//!
//! Each row is (what is broken, option, expected code, expected detail code). The codes are the
//! contract the bindings show their users; changing one is a breaking change.
#![cfg(all(feature = "x402", feature = "svm"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines // a catalogue: one row per broken input
)]

use pay402::ErrorCode;
use pay402::U256;
use pay402::x402::server::{PaymentOption, Price};

const PAY_TO: &str = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
const USDC_DEVNET: &str = "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU";
const FEE_PAYER: &str = "J1cezW528jhuvQ5HqUVmLhVFre2PXkE6374HKgtCko5y";

fn option(price: &str) -> PaymentOption<'_> {
    PaymentOption {
        price: Price::Display(price),
        ..PaymentOption::new("exact", "base-sepolia", PAY_TO)
    }
}

#[test]
fn every_broken_option_has_its_code() {
    let solana = PaymentOption {
        network: "solana-devnet",
        asset: Some(USDC_DEVNET),
        decimals: Some(6),
        fee_payer: Some(FEE_PAYER),
        ..option("$0.01")
    };
    let too_big = "1".repeat(80);
    let rows: Vec<(&str, PaymentOption<'_>, &str, Option<&str>)> = vec![
        // scheme and network
        (
            "a scheme x402 does not define",
            PaymentOption {
                scheme: "stream",
                ..option("$0.01")
            },
            "unsupported_scheme",
            None,
        ),
        (
            "a scheme in another case",
            PaymentOption {
                scheme: "Exact",
                ..option("$0.01")
            },
            "unsupported_scheme",
            None,
        ),
        (
            "no network",
            PaymentOption {
                network: "",
                ..option("$0.01")
            },
            "missing_network",
            None,
        ),
        (
            "an unknown v1 name",
            PaymentOption {
                network: "base-goerli",
                ..option("$0.01")
            },
            "unknown_network",
            None,
        ),
        (
            "a CAIP-2 id of another namespace",
            PaymentOption {
                network: "cosmos:cosmoshub-4",
                ..option("$0.01")
            },
            "unknown_network",
            None,
        ),
        (
            "a chain id with a leading zero",
            PaymentOption {
                network: "eip155:084532",
                ..option("$0.01")
            },
            "unknown_network",
            None,
        ),
        (
            "upto on Solana",
            PaymentOption {
                scheme: "upto",
                facilitator: Some(PAY_TO),
                ..solana
            },
            "unsupported_scheme",
            None,
        ),
        // transfer method
        (
            "an unknown transfer method",
            PaymentOption {
                transfer_method: Some("magic"),
                ..option("$0.01")
            },
            "invalid_transfer_method",
            None,
        ),
        (
            "a transfer method in another case",
            PaymentOption {
                transfer_method: Some("Permit2"),
                ..option("$0.01")
            },
            "invalid_transfer_method",
            None,
        ),
        (
            "upto with EIP-3009",
            PaymentOption {
                scheme: "upto",
                transfer_method: Some("eip3009"),
                facilitator: Some(PAY_TO),
                ..option("$0.01")
            },
            "invalid_transfer_method",
            None,
        ),
        // asset and token details
        (
            "no asset on a chain without a default",
            PaymentOption {
                network: "eip155:999999",
                ..option("$0.01")
            },
            "missing_asset",
            Some("missing_asset"),
        ),
        (
            "a custom EIP-3009 token without its EIP-712 domain",
            PaymentOption {
                asset: Some("0x0000000000000000000000000000000000000001"),
                decimals: Some(6),
                ..option("$0.01")
            },
            "missing_asset",
            Some("missing_eip712_domain"),
        ),
        (
            "a custom EIP-3009 token with a name but no version",
            PaymentOption {
                asset: Some("0x0000000000000000000000000000000000000001"),
                decimals: Some(6),
                eip712_name: Some("T"),
                ..option("$0.01")
            },
            "missing_asset",
            Some("missing_eip712_domain"),
        ),
        (
            "a default asset whose domain version is unknown (Abstract)",
            PaymentOption {
                network: "abstract",
                ..option("$0.01")
            },
            "missing_asset",
            Some("missing_eip712_domain"),
        ),
        (
            "a display price of a custom token without decimals",
            PaymentOption {
                asset: Some("0x0000000000000000000000000000000000000001"),
                transfer_method: Some("permit2"),
                ..option("$0.01")
            },
            "missing_asset",
            Some("missing_decimals"),
        ),
        (
            "more decimals than a uint256 holds",
            PaymentOption {
                decimals: Some(78),
                ..option("$0.01")
            },
            "invalid_decimals",
            None,
        ),
        (
            "an asset that is not an address",
            PaymentOption {
                asset: Some("0x1234"),
                ..option("$0.01")
            },
            "invalid_asset",
            Some("address_wrong_length"),
        ),
        (
            "an asset without 0x",
            PaymentOption {
                asset: Some("036CbD53842c5426634e7929541eC2318f3dCF7e"),
                ..option("$0.01")
            },
            "invalid_asset",
            Some("address_missing_prefix"),
        ),
        (
            "a Solana option without its mint",
            PaymentOption {
                asset: None,
                ..solana
            },
            "missing_asset",
            Some("missing_asset"),
        ),
        (
            "a Solana option with an empty mint",
            PaymentOption {
                asset: Some(""),
                ..solana
            },
            "missing_asset",
            Some("missing_asset"),
        ),
        (
            "a Solana display price without decimals",
            PaymentOption {
                decimals: None,
                ..solana
            },
            "missing_asset",
            Some("missing_decimals"),
        ),
        // the scheme's own parameters
        (
            "upto without its facilitator",
            PaymentOption {
                scheme: "upto",
                ..option("$0.01")
            },
            "missing_facilitator",
            None,
        ),
        (
            "upto with an empty facilitator",
            PaymentOption {
                scheme: "upto",
                facilitator: Some(""),
                ..option("$0.01")
            },
            "missing_facilitator",
            None,
        ),
        (
            "Solana without its fee payer",
            PaymentOption {
                fee_payer: None,
                ..solana
            },
            "missing_fee_payer",
            None,
        ),
        // recipient
        (
            "no payTo",
            PaymentOption {
                pay_to: "",
                ..option("$0.01")
            },
            "missing_pay_to",
            None,
        ),
        // price
        ("an empty price", option(""), "invalid_price", None),
        ("a lone `$`", option("$"), "invalid_price", None),
        ("a negative price", option("-1"), "invalid_price", None),
        ("a plus sign", option("+1"), "invalid_price", None),
        (
            "a negative display price",
            option("$-0.01"),
            "invalid_price",
            None,
        ),
        ("a sign before `$`", option("-$0.01"), "invalid_price", None),
        ("a trailing `$`", option("0.01$"), "invalid_price", None),
        ("two `$`", option("$$0.01"), "invalid_price", None),
        ("an exponent", option("1e-2"), "invalid_price", None),
        (
            "an upper-case exponent",
            option("1E3"),
            "invalid_price",
            None,
        ),
        ("a leading space", option(" 0.01"), "invalid_price", None),
        ("a trailing space", option("0.01 "), "invalid_price", None),
        ("a space after `$`", option("$ 0.01"), "invalid_price", None),
        ("digit grouping", option("1,000"), "invalid_price", None),
        (
            "underscore grouping",
            option("1_000"),
            "invalid_price",
            None,
        ),
        ("no integer part", option(".5"), "invalid_price", None),
        ("no fractional digits", option("5."), "invalid_price", None),
        ("two points", option("0.0.1"), "invalid_price", None),
        ("words", option("ten"), "invalid_price", None),
        (
            "a currency code",
            option("0.01 USDC"),
            "invalid_price",
            None,
        ),
        (
            "another currency sign",
            option("€0.01"),
            "invalid_price",
            None,
        ),
        ("full-width digits", option("１"), "invalid_price", None),
        ("infinity", option("inf"), "invalid_price", None),
        ("NaN", option("NaN"), "invalid_price", None),
        ("a hex amount", option("0x10"), "invalid_price", None),
        (
            "above 2^256 - 1 atomic units",
            option(&too_big),
            "invalid_price",
            None,
        ),
        (
            "a sub-unit price",
            option("$0.0000001"),
            "sub_unit_amount",
            None,
        ),
        (
            "a sub-unit digit after zeros",
            option("0.0000000001"),
            "sub_unit_amount",
            None,
        ),
        ("zero", option("$0"), "zero_price", None),
        ("zero with decimals", option("0.000000"), "zero_price", None),
        (
            "zero atomic units",
            PaymentOption {
                price: Price::Atomic(U256::ZERO),
                ..option("")
            },
            "zero_price",
            None,
        ),
        // lifetime
        (
            "maxTimeoutSeconds 0",
            PaymentOption {
                max_timeout_seconds: Some(0),
                ..option("$0.01")
            },
            "invalid_max_timeout_seconds",
            None,
        ),
    ];
    for (what, option, code, detail) in rows {
        let error = option.resolve().expect_err(what);
        assert_eq!(
            (error.code(), error.detail_code()),
            (code, detail),
            "{what}: {error}"
        );
        assert!(!error.to_string().is_empty(), "{what}");
    }
}

/// The order of the checks is part of the contract: an option broken twice reports the first
/// broken field in the documented order (scheme, network, transfer method, asset, scheme
/// parameters, payTo, price, lifetime).
/// Repairs one field of an option.
type Fix = fn(PaymentOption<'static>) -> PaymentOption<'static>;

#[test]
fn the_first_broken_field_in_order_is_reported() {
    let all_broken = PaymentOption {
        scheme: "stream",
        network: "",
        transfer_method: Some("magic"),
        pay_to: "",
        max_timeout_seconds: Some(0),
        ..option("ten")
    };
    let steps: [(&str, Fix); 6] = [
        ("unsupported_scheme", |o| PaymentOption {
            scheme: "exact",
            ..o
        }),
        ("missing_network", |o| PaymentOption {
            network: "base-sepolia",
            ..o
        }),
        ("invalid_transfer_method", |o| PaymentOption {
            transfer_method: None,
            ..o
        }),
        ("missing_pay_to", |o| PaymentOption {
            pay_to: PAY_TO,
            ..o
        }),
        ("invalid_price", |o| PaymentOption {
            price: Price::Display("1"),
            ..o
        }),
        ("invalid_max_timeout_seconds", |o| PaymentOption {
            max_timeout_seconds: None,
            ..o
        }),
    ];
    let mut current = all_broken;
    for (code, fix) in steps {
        assert_eq!(current.resolve().unwrap_err().code(), code);
        current = fix(current);
    }
    assert!(current.resolve().is_ok());
}
