//! The bad-input catalogue of the x402 server: every broken offer configuration and every broken
//! payment header must be answered with the exact code listed here (and the status, for
//! admission), never a panic, never another code.
//!
//! Each row is (what is broken, input, expected code, expected detail code). The codes are the
//! contract bindings map to their errors; changing one is a breaking change.
#![cfg(all(feature = "x402", feature = "svm"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::too_many_lines // catalogues: one row per broken input, read top to bottom
)]

use pay402::ErrorCode;
use pay402::U256;
use pay402::x402::server::{Offer, OfferScheme, OfferSet, admit};
use pay402::x402::{Verifier, header};

const USDC: &str = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const PAY_TO: &str = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";

fn spec_offer() -> Offer<'static> {
    Offer {
        scheme: OfferScheme::ExactEip3009 {
            name: "USDC",
            version: "2",
        },
        network: "eip155:84532",
        asset: USDC,
        amount: U256::from_u64(10_000),
        pay_to: PAY_TO,
        max_timeout_seconds: 60,
    }
}

#[test]
fn every_broken_offer_has_its_code() {
    let svm = Offer {
        scheme: OfferScheme::ExactSvm {
            fee_payer: "J1cezW528jhuvQ5HqUVmLhVFre2PXkE6374HKgtCko5y",
        },
        network: "solana-devnet",
        asset: "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU",
        pay_to: "AKSQxLCef2dEpkNCBccBzHxnL5NNBJNc3BeTMh5hp2P2",
        ..spec_offer()
    };
    let long = "x".repeat(257);
    let rows: Vec<(&str, Offer<'_>, &str, Option<&str>)> = vec![
        (
            "unknown network name",
            Offer {
                network: "base-goerli",
                ..spec_offer()
            },
            "unknown_network",
            None,
        ),
        (
            "CAIP-2 with a leading zero",
            Offer {
                network: "eip155:084532",
                ..spec_offer()
            },
            "unknown_network",
            None,
        ),
        (
            "unknown namespace",
            Offer {
                network: "cosmos:hub",
                ..spec_offer()
            },
            "unknown_network",
            None,
        ),
        (
            "EVM scheme on Solana",
            Offer {
                network: "solana-devnet",
                ..spec_offer()
            },
            "scheme_network_mismatch",
            None,
        ),
        (
            "Solana scheme on EVM",
            Offer {
                network: "eip155:84532",
                ..svm
            },
            "scheme_network_mismatch",
            None,
        ),
        (
            "zero amount",
            Offer {
                amount: U256::ZERO,
                ..spec_offer()
            },
            "invalid_amount",
            None,
        ),
        (
            "zero timeout",
            Offer {
                max_timeout_seconds: 0,
                ..spec_offer()
            },
            "invalid_max_timeout_seconds",
            None,
        ),
        (
            "asset without 0x",
            Offer {
                asset: "036CbD53842c5426634e7929541eC2318f3dCF7e",
                ..spec_offer()
            },
            "invalid_asset",
            Some("address_missing_prefix"),
        ),
        (
            "asset too short",
            Offer {
                asset: "0x036C",
                ..spec_offer()
            },
            "invalid_asset",
            Some("address_wrong_length"),
        ),
        (
            "payTo not hex",
            Offer {
                pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287G",
                ..spec_offer()
            },
            "invalid_pay_to",
            Some("address_invalid_character"),
        ),
        (
            "empty EIP-712 name",
            Offer {
                scheme: OfferScheme::ExactEip3009 {
                    name: "",
                    version: "2",
                },
                ..spec_offer()
            },
            "invalid_eip712_domain",
            None,
        ),
        (
            "empty EIP-712 version",
            Offer {
                scheme: OfferScheme::ExactEip3009 {
                    name: "USDC",
                    version: "",
                },
                ..spec_offer()
            },
            "invalid_eip712_domain",
            None,
        ),
        (
            "EIP-712 name over 256 bytes",
            Offer {
                scheme: OfferScheme::ExactEip3009 {
                    name: &long,
                    version: "2",
                },
                ..spec_offer()
            },
            "invalid_eip712_domain",
            None,
        ),
        (
            "upto facilitator not an address",
            Offer {
                scheme: OfferScheme::UptoPermit2 {
                    facilitator: "dead",
                },
                ..spec_offer()
            },
            "invalid_facilitator_address",
            Some("address_missing_prefix"),
        ),
        (
            "Solana asset not base58",
            Offer {
                asset: "0OIl",
                ..svm
            },
            "invalid_asset",
            Some("pubkey_invalid_character"),
        ),
        (
            "Solana payTo too short",
            Offer {
                pay_to: "1111",
                ..svm
            },
            "invalid_pay_to",
            Some("pubkey_length"),
        ),
        (
            "Solana fee payer not a key",
            Offer {
                scheme: OfferScheme::ExactSvm { fee_payer: "" },
                ..svm
            },
            "invalid_fee_payer",
            Some("pubkey_length"),
        ),
    ];
    for (what, offer, code, detail) in rows {
        let err = offer.prepare().expect_err(what);
        assert_eq!((err.code(), err.detail_code()), (code, detail), "{what}");
    }
}

/// (status, code, detail code) of an admission; `(200, "ok", None)` when admitted.
type Verdict = (u16, &'static str, Option<&'static str>);

fn admit_code(name: &str, value: &[u8]) -> Verdict {
    let mut offers = OfferSet::<1>::new();
    offers.push(spec_offer()).unwrap();
    let mut buf = [0u8; header::RECOMMENDED_BUFFER_LEN];
    match admit(
        &offers,
        name,
        value,
        1_740_672_100,
        &Verifier::EVM,
        &mut buf,
    ) {
        Ok(_) => (200, "ok", None),
        Err(r) => (r.status, r.code, r.detail_code),
    }
}

fn b64(json: &str) -> Vec<u8> {
    let mut out = vec![0u8; json.len() * 2 + 8];
    let n = header::encode(json.as_bytes(), &mut out).unwrap().len();
    out.truncate(n);
    out
}

/// The x402 v2 specification's `PAYMENT-SIGNATURE` example, with holes for mutations.
const V2: &str = r#"{"x402Version":{{V}},"accepted":{"scheme":"{{SCHEME}}","network":"{{NET}}","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}},"payload":{"signature":"{{SIG}}","authorization":{"from":"0x857b06519E91e3A54538791bDbb0E22373e36b66","to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","value":"10000","validAfter":"1740672089","validBefore":"1740672154","nonce":"0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480"}}}"#;
const SIG: &str = "0x2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c";

fn v2(version: &str, scheme: &str, network: &str, sig: &str) -> Vec<u8> {
    b64(&V2
        .replace("{{V}}", version)
        .replace("{{SCHEME}}", scheme)
        .replace("{{NET}}", network)
        .replace("{{SIG}}", sig))
}

#[test]
fn every_broken_payment_header_has_its_status_and_code() {
    let sig_other = SIG.replace("2d6a", "2d6b");
    let rows: Vec<(&str, &str, Vec<u8>, Verdict)> = vec![
        (
            "the spec example",
            "PAYMENT-SIGNATURE",
            v2("2", "exact", "eip155:84532", SIG),
            (200, "ok", None),
        ),
        (
            "unknown header name",
            "Authorization",
            v2("2", "exact", "eip155:84532", SIG),
            (402, "payment_required", None),
        ),
        (
            "not base64",
            "PAYMENT-SIGNATURE",
            b"%%%".to_vec(),
            (402, "invalid_payload", Some("base64_invalid_character")),
        ),
        (
            "URL-safe base64",
            "PAYMENT-SIGNATURE",
            b"e30_".to_vec(),
            (402, "invalid_payload", Some("base64_invalid_character")),
        ),
        (
            "base64 of not JSON",
            "PAYMENT-SIGNATURE",
            b64("{"),
            (402, "invalid_payload", Some("json_unexpected_end")),
        ),
        (
            "empty object",
            "PAYMENT-SIGNATURE",
            b64("{}"),
            (402, "invalid_payload", Some("missing_field")),
        ),
        (
            "a JSON array",
            "PAYMENT-SIGNATURE",
            b64("[]"),
            (402, "invalid_payload", Some("wrong_type")),
        ),
        (
            "x402Version 3",
            "PAYMENT-SIGNATURE",
            v2("3", "exact", "eip155:84532", SIG),
            (402, "invalid_x402_version", None),
        ),
        (
            "x402Version as a string",
            "PAYMENT-SIGNATURE",
            v2("\"2\"", "exact", "eip155:84532", SIG),
            (402, "invalid_payload", Some("wrong_type")),
        ),
        (
            "v2 payment in X-PAYMENT",
            "X-PAYMENT",
            v2("2", "exact", "eip155:84532", SIG),
            (402, "invalid_x402_version", None),
        ),
        (
            "scheme nobody offers",
            "PAYMENT-SIGNATURE",
            v2("2", "deferred", "eip155:84532", SIG),
            (402, "no_matching_offer", Some("unsupported_scheme")),
        ),
        (
            "network nobody offers",
            "PAYMENT-SIGNATURE",
            v2("2", "exact", "eip155:8453", SIG),
            (402, "no_matching_offer", Some("invalid_network")),
        ),
        (
            "unknown network",
            "PAYMENT-SIGNATURE",
            v2("2", "exact", "eip155:x", SIG),
            (402, "no_matching_offer", Some("invalid_network")),
        ),
        // The vectors README's check order: the payment's network before the `accepted` comparison.
        (
            "network as v1 name in v2",
            "PAYMENT-SIGNATURE",
            v2("2", "exact", "base-sepolia", SIG),
            (402, "invalid_exact_evm_network_mismatch", None),
        ),
        (
            "signature of another key",
            "PAYMENT-SIGNATURE",
            v2("2", "exact", "eip155:84532", &sig_other),
            (
                402,
                "invalid_exact_evm_signature",
                Some("signature_wrong_signer"),
            ),
        ),
    ];
    for (what, name, value, expected) in rows {
        assert_eq!(admit_code(name, &value), expected, "{what}");
    }
}
