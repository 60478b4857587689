//! Specifications of the prepared offers and the challenge. Expected values are the x402
//! specifications' examples (<https://github.com/coinbase/x402/tree/main/specs>) or written by
//! hand from the wire shapes they define, never the output of the code under test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

extern crate std;

use super::*;
use crate::ErrorCode;
use crate::u256::U256;
use crate::x402::{PaymentRequired, header};
use std::borrow::ToOwned;
use std::string::String;
use std::vec;
use std::vec::Vec;

const USDC_BASE_SEPOLIA: &str = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const PAY_TO: &str = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";

/// The x402 v2 specification's `PaymentRequired` example (§5.1), as one line.
const SPEC_V2_REQUIRED: &str = r#"{"x402Version":2,"error":"PAYMENT-SIGNATURE header is required","resource":{"url":"https://api.example.com/premium-data","description":"Access to premium market data","mimeType":"application/json"},"accepts":[{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}]}"#;

/// The x402 v1 specification's `PaymentRequirementsResponse` example, minified, without its
/// `"outputSchema":null` (an optional member this server does not write).
const SPEC_V1_BODY: &str = r#"{"x402Version":1,"error":"X-PAYMENT header is required","accepts":[{"scheme":"exact","network":"base-sepolia","maxAmountRequired":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","resource":"https://api.example.com/premium-data","description":"Access to premium market data","mimeType":"application/json","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}]}"#;

const SPEC_RESOURCE: Resource<'static> = Resource {
    url: "https://api.example.com/premium-data",
    description: "Access to premium market data",
    mime_type: Some("application/json"),
};

fn h32(hex: &str) -> [u8; 32] {
    crate::hex::decode_array::<32>(hex.trim_start_matches("0x").as_bytes()).unwrap()
}

fn eip3009(network: &'static str) -> Offer<'static> {
    Offer {
        scheme: OfferScheme::ExactEip3009 {
            name: "USDC",
            version: "2",
        },
        network,
        asset: USDC_BASE_SEPOLIA,
        amount: U256::from_u64(10_000),
        pay_to: PAY_TO,
        max_timeout_seconds: 60,
    }
}

fn permit2() -> Offer<'static> {
    Offer {
        scheme: OfferScheme::ExactPermit2,
        ..eip3009("eip155:84532")
    }
}

fn upto() -> Offer<'static> {
    Offer {
        scheme: OfferScheme::UptoPermit2 {
            facilitator: "0x000000000000000000000000000000000000dEaD",
        },
        amount: U256::from_u64(50_000),
        max_timeout_seconds: 300,
        ..eip3009("eip155:84532")
    }
}

#[cfg(feature = "svm")]
fn svm() -> Offer<'static> {
    Offer {
        scheme: OfferScheme::ExactSvm {
            fee_payer: "EwWqGE4ZFKLofuestmU4LDdK7XM1N4ALgdZccwYugwGd",
        },
        network: "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1",
        asset: "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU",
        amount: U256::from_u64(10_000),
        pay_to: "2wKupLR9q6wXYppw8Gr2NvWxKBUqm4PPJKkQfoxHDBg4",
        max_timeout_seconds: 60,
    }
}

fn v2_entry(offer: Offer<'_>) -> String {
    let prepared = offer.prepare().unwrap();
    let mut buf = [0u8; 1024];
    let n = crate::writer::write_all(&mut buf, |w| prepared.write_requirements_v2(w)).unwrap();
    String::from_utf8(buf[..n].to_vec()).unwrap()
}

fn challenge_of<const N: usize>(
    offers: &OfferSet<'_, N>,
    error: Option<&str>,
) -> (String, String, Option<String>) {
    let (mut header_buf, mut body_buf) = ([0u8; 4096], [0u8; 4096]);
    let c = write_challenge(
        offers,
        &SPEC_RESOURCE,
        error,
        &mut header_buf,
        &mut body_buf,
    )
    .unwrap();
    assert_eq!((c.status, c.header_name), (402, "PAYMENT-REQUIRED"));
    let mut json = [0u8; 4096];
    let decoded = header::decode(c.header_value.as_bytes(), &mut json).unwrap();
    (
        c.header_value.to_owned(),
        String::from_utf8(decoded.to_vec()).unwrap(),
        c.body.map(|b| String::from_utf8(b.to_vec()).unwrap()),
    )
}

#[test]
fn challenge_for_the_spec_offer_is_the_spec_v2_payment_required_and_v1_body() {
    let mut offers = OfferSet::<1>::new();
    offers.push(eip3009("eip155:84532")).unwrap();
    let (_, v2, _) = challenge_of(&offers, Some("PAYMENT-SIGNATURE header is required"));
    assert_eq!(v2, SPEC_V2_REQUIRED);
    let (_, _, v1) = challenge_of(&offers, Some("X-PAYMENT header is required"));
    assert_eq!(v1.as_deref(), Some(SPEC_V1_BODY));
}

#[test]
fn spec_challenge_header_is_584_base64_characters() {
    // The v2 HTTP transport notes a 584-character PAYMENT-REQUIRED for the one-entry example.
    let mut offers = OfferSet::<1>::new();
    offers.push(eip3009("base-sepolia")).unwrap();
    let (header_value, _, _) = challenge_of(&offers, Some("PAYMENT-SIGNATURE header is required"));
    assert_eq!(header_value.len(), 584);
}

#[test]
fn network_is_written_as_caip2_in_v2_and_as_its_v1_name_in_v1_whichever_form_was_configured() {
    for configured in ["base-sepolia", "eip155:84532"] {
        let mut offers = OfferSet::<1>::new();
        offers.push(eip3009(configured)).unwrap();
        let (_, v2, v1) = challenge_of(&offers, None);
        assert!(v2.contains(r#""network":"eip155:84532""#), "{v2}");
        assert!(v1.unwrap().contains(r#""network":"base-sepolia""#));
    }
}

#[test]
fn error_text_is_optional_and_omitted_when_absent() {
    let mut offers = OfferSet::<1>::new();
    offers.push(eip3009("eip155:84532")).unwrap();
    let (_, v2, v1) = challenge_of(&offers, None);
    assert!(v2.starts_with(r#"{"x402Version":2,"resource":"#));
    assert!(v1.unwrap().starts_with(r#"{"x402Version":1,"accepts":"#));
}

#[test]
fn eip3009_domain_separator_is_the_spec_example_separator() {
    // Base Sepolia USDC {name "USDC", version "2"}: the separator of the x402 spec's EIP-3009
    // example; Base USDC {name "USD Coin", version "2"} as the token contract reports it.
    let prepared = eip3009("eip155:84532").prepare().unwrap();
    assert_eq!(
        prepared.domain_separator(),
        Some(h32(
            "0x71f17a3b2ff373b803d70a5a07c046c1a2bc8e89c09ef722fcb047abe94c9818"
        ))
    );
    let base = Offer {
        scheme: OfferScheme::ExactEip3009 {
            name: "USD Coin",
            version: "2",
        },
        asset: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
        ..eip3009("eip155:8453")
    };
    assert_eq!(
        base.prepare().unwrap().domain_separator(),
        Some(h32(
            "0x02fa7265e7c5d81118673727957699e4d68f74cd74b7db77da710fe8a2c7834f"
        ))
    );
}

#[test]
fn permit2_offers_sign_under_the_permit2_domain_of_their_chain() {
    let expected = crate::evm::permit2::permit2_domain(84_532).separator();
    assert_eq!(
        permit2().prepare().unwrap().domain_separator(),
        Some(expected)
    );
    assert_eq!(upto().prepare().unwrap().domain_separator(), Some(expected));
    let other_chain = Offer {
        network: "eip155:8453",
        ..permit2()
    };
    assert_ne!(
        other_chain.prepare().unwrap().domain_separator(),
        Some(expected)
    );
}

#[test]
fn exact_permit2_entry_carries_asset_transfer_method_permit2() {
    // The shape of the `exact` EVM scheme's Permit2 requirements (`extra.assetTransferMethod`).
    assert_eq!(
        v2_entry(permit2()),
        r#"{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"assetTransferMethod":"permit2"}}"#
    );
}

#[test]
fn upto_entry_carries_the_facilitator_address_and_the_signed_maximum_as_amount() {
    // The `upto` EVM scheme: `amount` is the maximum, `extra.facilitatorAddress` the facilitator.
    assert_eq!(
        v2_entry(upto()),
        r#"{"scheme":"upto","network":"eip155:84532","amount":"50000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":300,"extra":{"facilitatorAddress":"0x000000000000000000000000000000000000dEaD"}}"#
    );
}

#[cfg(feature = "svm")]
#[test]
fn svm_entry_carries_the_fee_payer_and_no_domain_separator() {
    let prepared = svm().prepare().unwrap();
    assert_eq!(prepared.domain_separator(), None);
    assert_eq!(
        v2_entry(svm()),
        r#"{"scheme":"exact","network":"solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1","amount":"10000","asset":"4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU","payTo":"2wKupLR9q6wXYppw8Gr2NvWxKBUqm4PPJKkQfoxHDBg4","maxTimeoutSeconds":60,"extra":{"feePayer":"EwWqGE4ZFKLofuestmU4LDdK7XM1N4ALgdZccwYugwGd"}}"#
    );
}

#[cfg(feature = "svm")]
#[test]
fn svm_offer_is_sold_in_v1_under_its_cluster_name() {
    let mut offers = OfferSet::<1>::new();
    offers.push(svm()).unwrap();
    let (_, _, v1) = challenge_of(&offers, None);
    assert!(v1.unwrap().contains(r#""network":"solana-devnet""#));
}

#[test]
fn v2_lists_every_offer_in_order_and_v1_only_those_sold_in_v1() {
    let mut offers = OfferSet::<3>::new();
    assert_eq!(offers.push(upto()).unwrap(), 0);
    assert_eq!(offers.push(eip3009("eip155:84532")).unwrap(), 1);
    assert_eq!(offers.push(permit2()).unwrap(), 2);
    let (_, v2, v1) = challenge_of(&offers, None);
    let required = PaymentRequired::from_json(v2.as_bytes()).unwrap();
    assert_eq!(required.accepts_len(), 3);
    let schemes: Vec<_> = (0..3)
        .map(|i| {
            let r = required.accept(i).unwrap();
            let method = r
                .extra()
                .and_then(|e| e.get("assetTransferMethod"))
                .is_some();
            (r.scheme().eq_str("upto"), method)
        })
        .collect();
    assert_eq!(schemes, [(true, false), (false, false), (false, true)]);
    let v1 = v1.unwrap();
    let body = PaymentRequired::from_json(v1.as_bytes()).unwrap();
    assert_eq!(body.accepts_len(), 1);
    assert!(body.accept(0).unwrap().network().eq_str("base-sepolia"));
}

#[test]
fn no_v1_body_when_no_offer_is_sold_in_v1() {
    // Permit2 and `upto` are x402 v2 only; so is a chain without a v1 name.
    let mut offers = OfferSet::<3>::new();
    offers.push(upto()).unwrap();
    offers.push(permit2()).unwrap();
    offers.push(eip3009("eip155:999999")).unwrap();
    let (_, v2, v1) = challenge_of(&offers, None);
    assert_eq!(v1, None);
    assert!(v2.contains(r#""network":"eip155:999999""#));
}

#[test]
fn texts_are_escaped_as_json() {
    let mut offers = OfferSet::<1>::new();
    offers
        .push(Offer {
            scheme: OfferScheme::ExactEip3009 {
                name: "US\"D",
                version: "2",
            },
            ..eip3009("eip155:84532")
        })
        .unwrap();
    let resource = Resource {
        url: "https://x.test/a",
        description: "line\nbreak",
        mime_type: None,
    };
    let (mut h, mut b) = ([0u8; 2048], [0u8; 2048]);
    let c = write_challenge(&offers, &resource, Some("\u{1}"), &mut h, &mut b).unwrap();
    let body = core::str::from_utf8(c.body.unwrap()).unwrap();
    assert!(body.contains(r#""error":"\u0001""#), "{body}");
    assert!(body.contains(r#""description":"line\nbreak""#));
    assert!(body.contains(r#""name":"US\"D""#));
    assert!(PaymentRequired::from_json(body.as_bytes()).is_ok());
}

#[test]
fn empty_set_and_empty_url_are_refused() {
    let (mut h, mut b) = ([0u8; 64], [0u8; 64]);
    let empty = OfferSet::<1>::new();
    let err = write_challenge(&empty, &SPEC_RESOURCE, None, &mut h, &mut b).unwrap_err();
    assert_eq!(err.code(), "no_offers");
    let mut offers = OfferSet::<1>::new();
    offers.push(eip3009("eip155:84532")).unwrap();
    let no_url = Resource {
        url: "",
        ..SPEC_RESOURCE
    };
    let err = write_challenge(&offers, &no_url, None, &mut h, &mut b).unwrap_err();
    assert_eq!(err.code(), "invalid_resource");
}

#[test]
fn small_buffers_fail_with_buffer_too_small_and_leave_both_buffers_zeroed() {
    let mut offers = OfferSet::<1>::new();
    offers.push(eip3009("eip155:84532")).unwrap();
    // 438 bytes of v2 JSON -> 584 of base64; the v1 body with this error text is 441 bytes.
    for (header_len, body_len) in [(4096, 100), (100, 4096), (583, 4096), (584, 440)] {
        let (mut h, mut b) = (vec![0u8; header_len], vec![0u8; body_len]);
        let err = write_challenge(
            &offers,
            &SPEC_RESOURCE,
            Some("PAYMENT-SIGNATURE header is required"),
            &mut h,
            &mut b,
        )
        .unwrap_err();
        assert_eq!(err, ServerError::BufferTooSmall, "{header_len}/{body_len}");
        assert!(h.iter().all(|&x| x == 0) && b.iter().all(|&x| x == 0));
    }
    let (mut h, mut b) = ([0u8; 584], [0u8; 441]);
    let c = write_challenge(
        &offers,
        &SPEC_RESOURCE,
        Some("PAYMENT-SIGNATURE header is required"),
        &mut h,
        &mut b,
    )
    .unwrap();
    assert_eq!(
        (c.header_value.len(), c.body.map(<[u8]>::len)),
        (584, Some(441))
    );
}

#[test]
fn offer_set_is_unchanged_when_an_offer_is_refused() {
    let mut offers = OfferSet::<2>::new();
    offers.push(eip3009("eip155:84532")).unwrap();
    let bad = Offer {
        pay_to: "0x12",
        ..eip3009("eip155:84532")
    };
    let err = offers.push(bad).unwrap_err();
    assert_eq!(
        (err.code(), err.detail_code()),
        ("invalid_pay_to", Some("address_wrong_length"))
    );
    assert_eq!(offers.len(), 1);
}
