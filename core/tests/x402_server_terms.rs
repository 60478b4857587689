//! Payment options resolved into offers, as a specification: each row is a seller's loose terms
//! and the offer they must become. Expected offers are written by hand from the x402 v2
//! specification's `PaymentRequirements` example
//! (<https://github.com/coinbase/x402/blob/main/specs/x402-specification-v2.md> §5.1.2: USDC on
//! Base Sepolia, `0x036CbD…CF7e`, 6 decimals, `extra: {name: "USDC", version: "2"}`, `$0.01` =
//! `10000`) and the reference SDKs' default-asset tables (Base `USD Coin`, `MegaUSD`'s Permit2 with
//! 18 decimals), never from running the code under test.
#![cfg(all(feature = "x402", feature = "svm"))]
#![allow(clippy::unwrap_used, clippy::too_many_lines)]

use pay402::U256;
use pay402::x402::server::{Offer, OfferScheme, OfferSet, PaymentOption, Price};

const USDC_BASE_SEPOLIA: &str = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const USDC_BASE: &str = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913";
const MEGA_USD: &str = "0xFAfDdbb3FC7688494971a79cc65DCa3EF82079E7";
const PAY_TO: &str = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
const FACILITATOR: &str = "0x4020a4f3b7b90cca423b9fabcc0ce57c6c240002";
const USDC_DEVNET: &str = "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU";
const FEE_PAYER: &str = "J1cezW528jhuvQ5HqUVmLhVFre2PXkE6374HKgtCko5y";
const SOL_PAY_TO: &str = "AKSQxLCef2dEpkNCBccBzHxnL5NNBJNc3BeTMh5hp2P2";

fn option(price: &str) -> PaymentOption<'_> {
    PaymentOption {
        price: Price::Display(price),
        ..PaymentOption::new("exact", "base-sepolia", PAY_TO)
    }
}

fn usdc_offer(amount: u64) -> Offer<'static> {
    Offer {
        scheme: OfferScheme::ExactEip3009 {
            name: "USDC",
            version: "2",
        },
        network: "base-sepolia",
        asset: USDC_BASE_SEPOLIA,
        amount: U256::from_u64(amount),
        pay_to: PAY_TO,
        max_timeout_seconds: 60,
    }
}

#[test]
fn options_resolve_to_the_offers_the_spec_and_default_tables_give() {
    let rows: Vec<(&str, PaymentOption<'_>, Offer<'_>)> = vec![
        (
            "the spec's example: $0.01 of Base Sepolia USDC, 60 s",
            option("$0.01"),
            usdc_offer(10_000),
        ),
        (
            "a display price without `$`",
            option("0.01"),
            usdc_offer(10_000),
        ),
        (
            "trailing zeros below the unit are exact",
            option("0.0100000000"),
            usdc_offer(10_000),
        ),
        ("whole units", option("$2"), usdc_offer(2_000_000)),
        ("the smallest unit", option("0.000001"), usdc_offer(1)),
        (
            "an atomic amount needs no conversion",
            PaymentOption {
                price: Price::Atomic(U256::from_u64(123)),
                ..option("")
            },
            usdc_offer(123),
        ),
        (
            "a CAIP-2 network is kept as given",
            PaymentOption {
                network: "eip155:84532",
                ..option("$0.01")
            },
            Offer {
                network: "eip155:84532",
                ..usdc_offer(10_000)
            },
        ),
        (
            "the default asset given in lower case still fills its domain and decimals",
            PaymentOption {
                asset: Some("0x036cbd53842c5426634e7929541ec2318f3dcf7e"),
                ..option("$0.01")
            },
            Offer {
                asset: "0x036cbd53842c5426634e7929541ec2318f3dcf7e",
                ..usdc_offer(10_000)
            },
        ),
        (
            "Base mainnet's USDC signs as `USD Coin`",
            PaymentOption {
                network: "base",
                ..option("$0.01")
            },
            Offer {
                scheme: OfferScheme::ExactEip3009 {
                    name: "USD Coin",
                    version: "2",
                },
                network: "base",
                asset: USDC_BASE,
                ..usdc_offer(10_000)
            },
        ),
        (
            "a given EIP-712 name wins over the default's",
            PaymentOption {
                eip712_name: Some("USD Coin"),
                ..option("$0.01")
            },
            Offer {
                scheme: OfferScheme::ExactEip3009 {
                    name: "USD Coin",
                    version: "2",
                },
                ..usdc_offer(10_000)
            },
        ),
        (
            "exact with Permit2 on request",
            PaymentOption {
                transfer_method: Some("permit2"),
                ..option("$0.01")
            },
            Offer {
                scheme: OfferScheme::ExactPermit2,
                ..usdc_offer(10_000)
            },
        ),
        (
            "a default asset that moves by Permit2 (MegaUSD, 18 decimals)",
            PaymentOption {
                network: "eip155:4326",
                ..option("$1")
            },
            Offer {
                scheme: OfferScheme::ExactPermit2,
                network: "eip155:4326",
                asset: MEGA_USD,
                amount: U256::from_u128(1_000_000_000_000_000_000),
                ..usdc_offer(0)
            },
        ),
        (
            "upto is Permit2 bound to its facilitator; the price is the maximum",
            PaymentOption {
                scheme: "upto",
                facilitator: Some(FACILITATOR),
                max_timeout_seconds: Some(300),
                ..option("$0.05")
            },
            Offer {
                scheme: OfferScheme::UptoPermit2 {
                    facilitator: FACILITATOR,
                },
                max_timeout_seconds: 300,
                ..usdc_offer(50_000)
            },
        ),
        (
            "a custom EIP-3009 token with its domain and decimals",
            PaymentOption {
                asset: Some("0x0000000000000000000000000000000000000001"),
                decimals: Some(18),
                eip712_name: Some("Token"),
                eip712_version: Some("1"),
                ..option("1.5")
            },
            Offer {
                scheme: OfferScheme::ExactEip3009 {
                    name: "Token",
                    version: "1",
                },
                asset: "0x0000000000000000000000000000000000000001",
                amount: U256::from_u128(1_500_000_000_000_000_000),
                ..usdc_offer(0)
            },
        ),
        (
            "a custom Permit2 token priced in atomic units needs no decimals",
            PaymentOption {
                asset: Some("0x0000000000000000000000000000000000000001"),
                transfer_method: Some("permit2"),
                price: Price::Atomic(U256::from_u64(7)),
                ..option("")
            },
            Offer {
                scheme: OfferScheme::ExactPermit2,
                asset: "0x0000000000000000000000000000000000000001",
                ..usdc_offer(7)
            },
        ),
        (
            "Solana exact: the mint, its decimals and the fee payer",
            PaymentOption {
                network: "solana-devnet",
                asset: Some(USDC_DEVNET),
                decimals: Some(6),
                fee_payer: Some(FEE_PAYER),
                pay_to: SOL_PAY_TO,
                ..option("$0.01")
            },
            Offer {
                scheme: OfferScheme::ExactSvm {
                    fee_payer: FEE_PAYER,
                },
                network: "solana-devnet",
                asset: USDC_DEVNET,
                pay_to: SOL_PAY_TO,
                ..usdc_offer(10_000)
            },
        ),
        (
            "no scheme is exact",
            PaymentOption {
                scheme: "",
                ..option("$0.01")
            },
            usdc_offer(10_000),
        ),
        (
            "parameters of another scheme are ignored (shared seller defaults)",
            PaymentOption {
                fee_payer: Some(FEE_PAYER),
                facilitator: Some(FACILITATOR),
                ..option("$0.01")
            },
            usdc_offer(10_000),
        ),
    ];
    for (what, option, expected) in rows {
        assert_eq!(option.resolve(), Ok(expected), "{what}");
        // Every resolved offer is one the offer set prepares.
        assert!(OfferSet::<1>::new().push(expected).is_ok(), "{what}");
    }
}
