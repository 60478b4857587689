//! Specifications of the prepared offers and the challenge. Expected values are the x402
//! specifications' examples (<https://github.com/coinbase/x402/tree/main/specs>) or written by
//! hand from the wire shapes they define, never the output of the code under test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use pay402::ErrorCode;
use pay402::u256::U256;
use pay402::x402::server::*;
use pay402::x402::{PaymentRequired, X402Version, header};
use std::borrow::ToOwned;
use std::format;
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
    pay402::hex::decode_array::<32>(hex.trim_start_matches("0x").as_bytes()).unwrap()
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
    let n = pay402::writer::write_all(&mut buf, |w| prepared.write_requirements_v2(w)).unwrap();
    String::from_utf8(buf[..n].to_vec()).unwrap()
}

fn challenge_of<const N: usize>(
    offers: &OfferSet<'_, N>,
    error: Option<&str>,
) -> (String, String, Option<String>) {
    let (mut header_buf, mut body_buf) = ([0u8; 4096], [0u8; 4096]);
    let problem = error.map(Problem::new);
    let c = write_challenge(
        offers,
        &SPEC_RESOURCE,
        problem.as_ref(),
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
    let expected = pay402::evm::permit2::permit2_domain(84_532).separator();
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
    let c = write_challenge(
        &offers,
        &resource,
        Some(&Problem::new("\u{1}")),
        &mut h,
        &mut b,
    )
    .unwrap();
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
            Some(&Problem::new("PAYMENT-SIGNATURE header is required")),
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
        Some(&Problem::new("PAYMENT-SIGNATURE header is required")),
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

// ---- admission ----------------------------------------------------------------------------

/// The x402 v2 specification's `PAYMENT-SIGNATURE` example payload (EIP-3009 on Base Sepolia,
/// payer 0x857b…6b66, valid from 1740672089 to 1740672154).
const SPEC_V2_PAYMENT: &str = r#"{"x402Version":2,"resource":{"url":"https://api.example.com/premium-data","description":"Access to premium market data","mimeType":"application/json"},"accepted":{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}},"payload":{"signature":"0x2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c","authorization":{"from":"0x857b06519E91e3A54538791bDbb0E22373e36b66","to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","value":"10000","validAfter":"1740672089","validBefore":"1740672154","nonce":"0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480"}}}"#;

/// The x402 v1 HTTP transport's `X-PAYMENT` example (same authorization, v1 envelope).
const SPEC_V1_PAYMENT: &str = r#"{"x402Version":1,"scheme":"exact","network":"base-sepolia","payload":{"signature":"0x2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c","authorization":{"from":"0x857b06519E91e3A54538791bDbb0E22373e36b66","to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","value":"10000","validAfter":"1740672089","validBefore":"1740672154","nonce":"0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480"}}}"#;

const SPEC_NOW: u64 = 1_740_672_100;

fn b64(json: &str) -> String {
    let mut out = vec![0u8; json.len() * 2 + 8];
    header::encode(json.as_bytes(), &mut out)
        .unwrap()
        .to_owned()
}

fn admit_with<const N: usize>(
    offers: &OfferSet<'_, N>,
    name: &str,
    json: &str,
    now: u64,
) -> Result<(usize, X402Version, String, U256, Replay), Refusal> {
    let mut buf = [0u8; header::RECOMMENDED_BUFFER_LEN];
    let value = b64(json);
    let a = admit(
        offers,
        name,
        value.as_bytes(),
        now,
        &pay402::x402::Verifier::EVM,
        &mut buf,
    )?;
    let payer = a.verified.evm().unwrap().payer;
    let mut text = [0u8; 42];
    Ok((
        a.offer_index,
        a.version,
        payer.to_checksum(&mut text).to_owned(),
        a.max_amount,
        a.replay,
    ))
}

/// chain id (8 bytes, big-endian) ‖ asset ‖ payer ‖ nonce, from the spec example's values.
fn spec_replay_bytes() -> [u8; 80] {
    let mut out = [0u8; 80];
    out[..8].copy_from_slice(&84_532u64.to_be_bytes());
    out[8..28].copy_from_slice(
        &pay402::hex::decode_array::<20>(b"036CbD53842c5426634e7929541eC2318f3dCF7e").unwrap(),
    );
    out[28..48].copy_from_slice(
        &pay402::hex::decode_array::<20>(b"857b06519E91e3A54538791bDbb0E22373e36b66").unwrap(),
    );
    out[48..].copy_from_slice(&h32(
        "0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480",
    ));
    out
}

#[test]
fn spec_v2_payment_is_admitted_with_its_replay_key_until_valid_before_plus_slack_plus_one() {
    let mut offers = OfferSet::<1>::new();
    offers.push(eip3009("eip155:84532")).unwrap();
    let (index, version, payer, max, replay) =
        admit_with(&offers, "Payment-Signature", SPEC_V2_PAYMENT, SPEC_NOW).unwrap();
    assert_eq!((index, version), (0, X402Version::V2));
    assert_eq!(payer, "0x857b06519E91e3A54538791bDbb0E22373e36b66");
    assert_eq!(max, U256::from_u64(10_000));
    // validBefore 1740672154 + slack 6 + 1; ttl from now 1740672100.
    assert_eq!((replay.until, replay.ttl), (1_740_672_161, 61));
    let mut bytes = [0u8; 80];
    assert_eq!(replay.key.write_bytes(&mut bytes), &spec_replay_bytes()[..]);
}

#[test]
fn spec_v1_payment_is_admitted_from_x_payment() {
    let mut offers = OfferSet::<1>::new();
    offers.push(eip3009("base-sepolia")).unwrap();
    let (index, version, payer, _, replay) =
        admit_with(&offers, "X-PAYMENT", SPEC_V1_PAYMENT, SPEC_NOW).unwrap();
    assert_eq!((index, version), (0, X402Version::V1));
    assert_eq!(payer, "0x857b06519E91e3A54538791bDbb0E22373e36b66");
    assert_eq!(replay.until, 1_740_672_161);
}

#[test]
fn payment_version_must_match_its_header() {
    let mut offers = OfferSet::<1>::new();
    offers.push(eip3009("base-sepolia")).unwrap();
    let refusal = admit_with(&offers, "X-PAYMENT", SPEC_V2_PAYMENT, SPEC_NOW).unwrap_err();
    assert_eq!(
        (refusal.status, refusal.code),
        (402, "invalid_x402_version")
    );
    let refusal = admit_with(&offers, "PAYMENT-SIGNATURE", SPEC_V1_PAYMENT, SPEC_NOW).unwrap_err();
    assert_eq!(refusal.code, "invalid_x402_version");
    let refusal = admit_with(&offers, "Authorization", SPEC_V1_PAYMENT, SPEC_NOW).unwrap_err();
    assert_eq!(refusal, Refusal::NO_PAYMENT);
}

#[test]
fn the_offer_the_payment_names_is_found_among_several() {
    let mut offers = OfferSet::<3>::new();
    offers.push(upto()).unwrap();
    offers.push(permit2()).unwrap();
    offers.push(eip3009("eip155:84532")).unwrap();
    let (index, ..) = admit_with(&offers, "PAYMENT-SIGNATURE", SPEC_V2_PAYMENT, SPEC_NOW).unwrap();
    assert_eq!(index, 2);
}

#[test]
fn a_later_check_of_a_matching_offer_beats_an_accepted_mismatch() {
    let mut offers = OfferSet::<2>::new();
    offers
        .push(Offer {
            amount: U256::from_u64(20_000),
            ..eip3009("eip155:84532")
        })
        .unwrap();
    offers.push(eip3009("eip155:84532")).unwrap();
    // 3 s before validBefore: inside the verifier's 6 s slack.
    let refusal =
        admit_with(&offers, "PAYMENT-SIGNATURE", SPEC_V2_PAYMENT, 1_740_672_151).unwrap_err();
    assert_eq!(
        (refusal.status, refusal.code),
        (402, "invalid_exact_evm_payload_authorization_valid_before")
    );
    let mut only_other = OfferSet::<1>::new();
    only_other
        .push(Offer {
            amount: U256::from_u64(20_000),
            ..eip3009("eip155:84532")
        })
        .unwrap();
    let refusal =
        admit_with(&only_other, "PAYMENT-SIGNATURE", SPEC_V2_PAYMENT, SPEC_NOW).unwrap_err();
    assert_eq!(refusal.code, "accepted_requirements_mismatch");
}

#[test]
fn no_offer_on_the_scheme_or_network_is_no_matching_offer_with_the_reason() {
    let mut base = OfferSet::<1>::new();
    base.push(eip3009("eip155:8453")).unwrap();
    let refusal = admit_with(&base, "PAYMENT-SIGNATURE", SPEC_V2_PAYMENT, SPEC_NOW).unwrap_err();
    assert_eq!(
        (refusal.status, refusal.code, refusal.detail_code),
        (402, "no_matching_offer", Some("invalid_network"))
    );
    let mut upto_only = OfferSet::<1>::new();
    upto_only.push(upto()).unwrap();
    let refusal =
        admit_with(&upto_only, "PAYMENT-SIGNATURE", SPEC_V2_PAYMENT, SPEC_NOW).unwrap_err();
    assert_eq!(refusal.detail_code, Some("unsupported_scheme"));
    // A v2-only offer does not take a v1 payment.
    let mut permit2_only = OfferSet::<1>::new();
    permit2_only.push(permit2()).unwrap();
    let refusal = admit_with(&permit2_only, "X-PAYMENT", SPEC_V1_PAYMENT, SPEC_NOW).unwrap_err();
    assert_eq!(refusal.code, "no_matching_offer");
}

#[test]
fn undecodable_header_is_invalid_payload() {
    let mut offers = OfferSet::<1>::new();
    offers.push(eip3009("eip155:84532")).unwrap();
    let mut buf = [0u8; 256];
    let refusal = admit(
        &offers,
        "PAYMENT-SIGNATURE",
        b"not base64!",
        SPEC_NOW,
        &pay402::x402::Verifier::EVM,
        &mut buf,
    )
    .unwrap_err();
    assert_eq!((refusal.status, refusal.code), (402, "invalid_payload"));
}

// ---- settlement and the exchange ------------------------------------------------------------

/// The facilitator `/settle` success example (x402 v2 specification, `SettleResponse`).
const SPEC_SETTLED: &str = r#"{"success":true,"transaction":"0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef","network":"base-sepolia","payer":"0x857b06519E91e3A54538791bDbb0E22373e36b66"}"#;
const REFUSED: &str = r#"{"success":false,"errorReason":"invalid_exact_evm_nonce_already_used","transaction":"","network":"eip155:84532","payer":"0x857b06519E91e3A54538791bDbb0E22373e36b66"}"#;
const PENDING: &str = r#"{"success":false,"errorReason":"settlement_pending","transaction":"0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef","network":"eip155:84532","payer":"0x857b06519E91e3A54538791bDbb0E22373e36b66"}"#;

fn settle_body<const N: usize>(
    offers: &OfferSet<'_, N>,
    name: &str,
    json: &str,
    reported: Option<U256>,
) -> Result<String, ServerError> {
    let mut buf = [0u8; header::RECOMMENDED_BUFFER_LEN];
    let value = b64(json);
    let a = admit(
        offers,
        name,
        value.as_bytes(),
        SPEC_NOW,
        &pay402::x402::Verifier::EVM,
        &mut buf,
    )
    .unwrap();
    let mut out = [0u8; 4096];
    let n = write_settle_request(offers, &a, &SPEC_RESOURCE, reported, &mut out)?;
    Ok(String::from_utf8(out[..n].to_vec()).unwrap())
}

#[test]
fn settle_body_carries_the_payment_and_the_offer_it_paid() {
    let mut offers = OfferSet::<1>::new();
    offers.push(eip3009("eip155:84532")).unwrap();
    let body = settle_body(&offers, "PAYMENT-SIGNATURE", SPEC_V2_PAYMENT, None).unwrap();
    // v2: paymentRequirements equals `accepted` of the spec payment.
    let accepted = r#"{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}"#;
    assert!(
        body.starts_with(r#"{"x402Version":2,"paymentPayload":{"x402Version":2,"#),
        "{body}"
    );
    assert!(body.ends_with(&format!(r#","paymentRequirements":{accepted}}}"#)));
    let request = pay402::x402::SettleRequest::from_json(body.as_bytes()).unwrap();
    assert_eq!(
        request.payment_requirements.amount(),
        U256::from_u64(10_000)
    );
    // An exact offer charges its amount; no other may be reported.
    let err = settle_body(
        &offers,
        "PAYMENT-SIGNATURE",
        SPEC_V2_PAYMENT,
        Some(U256::from_u64(1)),
    );
    assert_eq!(err.unwrap_err().code(), "settle_amount_not_allowed");
}

#[test]
fn v1_settle_body_has_the_spec_v1_requirements() {
    let mut offers = OfferSet::<1>::new();
    offers.push(eip3009("base-sepolia")).unwrap();
    let body = settle_body(&offers, "X-PAYMENT", SPEC_V1_PAYMENT, None).unwrap();
    let spec_entry = &SPEC_V1_BODY[SPEC_V1_BODY.find("[{").unwrap() + 1..SPEC_V1_BODY.len() - 2];
    assert!(body.starts_with(r#"{"x402Version":1,"paymentPayload":{"x402Version":1,"#));
    assert!(
        body.ends_with(&format!(r#""paymentRequirements":{spec_entry}}}"#)),
        "{body}"
    );
}

#[test]
fn receipt_is_the_base64_of_the_settle_response_under_the_version_header() {
    let response = pay402::x402::SettleResponse::from_json(SPEC_SETTLED.as_bytes()).unwrap();
    let (mut scratch, mut out) = ([0u8; 512], [0u8; 512]);
    let value = write_receipt(&response, &mut scratch, &mut out).unwrap();
    let mut json = [0u8; 512];
    assert_eq!(
        header::decode(value.as_bytes(), &mut json).unwrap(),
        SPEC_SETTLED.as_bytes()
    );
    assert_eq!(receipt_header_name(X402Version::V2), "PAYMENT-RESPONSE");
    assert_eq!(receipt_header_name(X402Version::V1), "X-PAYMENT-RESPONSE");
}

fn response(json: &str) -> SettleOutcome<'_> {
    SettleOutcome::Response(pay402::x402::SettleResponse::from_json(json.as_bytes()).unwrap())
}

fn spec_admission<'b>(offers: &OfferSet<'_, 1>, buf: &'b mut [u8]) -> Admission<'b> {
    let value = b64(SPEC_V2_PAYMENT);
    admit(
        offers,
        "PAYMENT-SIGNATURE",
        value.as_bytes(),
        SPEC_NOW,
        &pay402::x402::Verifier::EVM,
        buf,
    )
    .unwrap()
}

fn handler_first(options: ExchangeOptions, admission: &Admission<'_>) -> Handling<'static> {
    let (reserving, action) = begin(admission, options);
    let Action::ReserveReplayKey { ttl, .. } = action else {
        panic!("{action:?}")
    };
    assert_eq!(ttl, 61);
    let Next::Handle(handling) = reserving.reserved(true) else {
        panic!()
    };
    handling
}

#[test]
fn handler_ok_then_settled_serves_once_with_the_receipt() {
    let mut offers = OfferSet::<1>::new();
    offers.push(eip3009("eip155:84532")).unwrap();
    let mut buf = [0u8; 4096];
    let a = spec_admission(&offers, &mut buf);
    let handling = handler_first(ExchangeOptions::default(), &a);
    let Next::Settle(settling, Action::Settle { attempt: 1 }) =
        handling.handled(HandlerOutcome::from_status(200))
    else {
        panic!()
    };
    let Next::Done(Action::Serve {
        status: 200,
        receipt: Some(r),
    }) = settling.settled(response(SPEC_SETTLED))
    else {
        panic!()
    };
    assert_eq!(r.header_name, "PAYMENT-RESPONSE");
}

#[test]
fn handler_failure_releases_the_reservation_and_settles_nothing() {
    let mut offers = OfferSet::<1>::new();
    offers.push(eip3009("eip155:84532")).unwrap();
    let mut buf = [0u8; 4096];
    let a = spec_admission(&offers, &mut buf);
    for status in [400, 404, 500] {
        let handling = handler_first(ExchangeOptions::default(), &a);
        let next = handling.handled(HandlerOutcome::from_status(status));
        assert!(
            matches!(next, Next::Done(Action::ReleaseReservation { status: s }) if s == status)
        );
    }
}

#[test]
fn refused_settlement_withholds_with_the_failure_receipt() {
    let mut offers = OfferSet::<1>::new();
    offers.push(eip3009("eip155:84532")).unwrap();
    let mut buf = [0u8; 4096];
    let a = spec_admission(&offers, &mut buf);
    let Next::Settle(settling, _) =
        handler_first(ExchangeOptions::default(), &a).handled(HandlerOutcome::from_status(200))
    else {
        panic!()
    };
    let Next::Done(Action::Withhold {
        status: 402,
        receipt,
    }) = settling.settled(response(REFUSED))
    else {
        panic!()
    };
    assert!(
        receipt
            .response
            .error_reason
            .unwrap()
            .eq_str("invalid_exact_evm_nonce_already_used")
    );
}

#[test]
fn settlement_pending_is_retried_once_then_kept_pending() {
    let mut offers = OfferSet::<1>::new();
    offers.push(eip3009("eip155:84532")).unwrap();
    let mut buf = [0u8; 4096];
    let a = spec_admission(&offers, &mut buf);
    let Next::Settle(first, _) =
        handler_first(ExchangeOptions::default(), &a).handled(HandlerOutcome::from_status(200))
    else {
        panic!()
    };
    let Next::Settle(second, Action::Settle { attempt: 2 }) = first.settled(response(PENDING))
    else {
        panic!()
    };
    assert_eq!(second.attempt(), 2);
    let Next::Done(Action::KeepReservationPending {
        status: 402,
        receipt: Some(_),
    }) = second.settled(response(PENDING))
    else {
        panic!()
    };
    // The retry may settle.
    let Next::Settle(first, _) =
        handler_first(ExchangeOptions::default(), &a).handled(HandlerOutcome::from_status(200))
    else {
        panic!()
    };
    let Next::Settle(second, _) = first.settled(response(PENDING)) else {
        panic!()
    };
    assert!(matches!(
        second.settled(response(SPEC_SETTLED)),
        Next::Done(Action::Serve { status: 200, .. })
    ));
}

#[test]
fn unavailable_facilitator_is_not_retried_and_keeps_the_reservation() {
    let mut offers = OfferSet::<1>::new();
    offers.push(eip3009("eip155:84532")).unwrap();
    let mut buf = [0u8; 4096];
    let a = spec_admission(&offers, &mut buf);
    let Next::Settle(first, _) =
        handler_first(ExchangeOptions::default(), &a).handled(HandlerOutcome::from_status(200))
    else {
        panic!()
    };
    assert!(matches!(
        first.settled(SettleOutcome::Unavailable),
        Next::Done(Action::KeepReservationPending {
            status: 502,
            receipt: None
        })
    ));
}

#[test]
fn replay_key_already_held_is_refused() {
    let mut offers = OfferSet::<1>::new();
    offers.push(eip3009("eip155:84532")).unwrap();
    let mut buf = [0u8; 4096];
    let a = spec_admission(&offers, &mut buf);
    let (reserving, _) = begin(&a, ExchangeOptions::default());
    assert!(matches!(
        reserving.reserved(false),
        Next::Done(Action::RefuseReplay)
    ));
    assert_eq!(Refusal::ALREADY_USED.code, "payment_already_used");
}

#[test]
fn settle_before_handler_runs_the_handler_only_after_settlement() {
    let mut offers = OfferSet::<1>::new();
    offers.push(eip3009("eip155:84532")).unwrap();
    let mut buf = [0u8; 4096];
    let a = spec_admission(&offers, &mut buf);
    let options = ExchangeOptions {
        settle_before_handler: true,
    };
    let (reserving, _) = begin(&a, options);
    let Next::Settle(settling, Action::Settle { attempt: 1 }) = reserving.reserved(true) else {
        panic!()
    };
    let Next::Handle(handling) = settling.settled(response(SPEC_SETTLED)) else {
        panic!()
    };
    assert_eq!(
        handling.receipt().map(|r| r.header_name),
        Some("PAYMENT-RESPONSE")
    );
    // Paid: even a failing handler's response is served (nothing is released).
    assert!(matches!(
        handling.handled(HandlerOutcome::from_status(500)),
        Next::Done(Action::Serve {
            status: 500,
            receipt: Some(_)
        })
    ));
    let (reserving, _) = begin(&a, options);
    let Next::Settle(settling, _) = reserving.reserved(true) else {
        panic!()
    };
    assert!(matches!(
        settling.settled(response(REFUSED)),
        Next::Done(Action::Withhold { .. })
    ));
}

#[test]
fn upto_charge_is_the_reported_usage_never_above_the_signed_maximum() {
    // Admission of an `upto` payment needs a signed Permit2 payload; the charge rule is checked
    // on an admission whose maximum is the spec example's 10000.
    let mut offers = OfferSet::<1>::new();
    offers
        .push(Offer {
            scheme: OfferScheme::UptoPermit2 {
                facilitator: "0x000000000000000000000000000000000000dEaD",
            },
            ..eip3009("eip155:84532")
        })
        .unwrap();
    let mut exact = OfferSet::<1>::new();
    exact.push(eip3009("eip155:84532")).unwrap();
    let mut buf = [0u8; 4096];
    let a = spec_admission(&exact, &mut buf);
    assert_eq!(
        settle_amount(&offers, &a, Some(U256::from_u64(500))),
        Ok(U256::from_u64(500))
    );
    assert_eq!(
        settle_amount(&offers, &a, Some(U256::from_u64(10_000))),
        Ok(U256::from_u64(10_000))
    );
    assert_eq!(settle_amount(&offers, &a, None), Ok(U256::from_u64(10_000)));
    assert_eq!(
        settle_amount(&offers, &a, Some(U256::from_u64(10_001)))
            .unwrap_err()
            .code(),
        "settle_amount_exceeds_maximum"
    );
}

/// `upto reference client #3 ok` of tests/conformance/vectors/x402-verify-permit2.peers.json: an
/// `upto` payment made by the @x402/evm 2.27.0 reference client, maximum 1075246299675.
const PEER_UPTO_HEADER: &str = "eyJ4NDAyVmVyc2lvbiI6MiwicGF5bG9hZCI6eyJzaWduYXR1cmUiOiIweDk1NWFhOTZiNDhiYmJkMjAzZmFmOTUxYTRlOWIwYzY0ZjUyMzE0MjhjYzcxMmJhNDJhMGUzOWI0MzU2NWM4NzE3NzVhMThlMzQyNGI2ZjdmYmRjYjA3ZGJhZmZhMmI4YTdlM2NhMTdiYjdmNmM4ODM1ZDQzOWM4MjY2M2U2MjRjMWIiLCJwZXJtaXQyQXV0aG9yaXphdGlvbiI6eyJmcm9tIjoiMHg3MDY4Mzg4NTMyNGE5ODgyMmU1MWU3ZDlDRTRGODAzY0E1N2NCMUExIiwicGVybWl0dGVkIjp7InRva2VuIjoiMHg0NTgwMEIwQWVDZjU5ODlCMTYwMTA1NGFEOTBBYjBmMzdCMGUyN0ZlIiwiYW1vdW50IjoiMTA3NTI0NjI5OTY3NSJ9LCJzcGVuZGVyIjoiMHg0MDIwQTRmM2I3YjkwY2NBNDIzQjlmYWJDYzBDRTU3QzZDMjQwMDAyIiwibm9uY2UiOiI0MjA3NTA4MTkyODEwMzM5NTUwMTc3MDI1Mjc5NTAxNzg4MzgyNTA5NzY0NDAwNDU0MzAzMDgyNzg1NzY0OTIxMTk5ODE4MTk1NTk3MiIsImRlYWRsaW5lIjoiMTc2MDIwMDkxNiIsIndpdG5lc3MiOnsidG8iOiIweDdiY2Y3ZTIzMjk0ODlhZjM1MzUzZDU1Q0E0M0MwMGVDNDc1YTI4ZTkiLCJmYWNpbGl0YXRvciI6IjB4RTg3OTllODdDOTJkOTcwYjU3MDZGZkI0NzgwZEVCN0E3OTA4NkQyOCIsInZhbGlkQWZ0ZXIiOiIwIn19fSwicmVzb3VyY2UiOnsidXJsIjoiaHR0cHM6Ly9hcGkuZXhhbXBsZS5jb20vdjIvYTE5ZTY5MDAiLCJkZXNjcmlwdGlvbiI6Im1ldGVyZWQiLCJtaW1lVHlwZSI6ImFwcGxpY2F0aW9uL2pzb24ifSwiYWNjZXB0ZWQiOnsic2NoZW1lIjoidXB0byIsIm5ldHdvcmsiOiJlaXAxNTU6ODQ1MzIiLCJhbW91bnQiOiIxMDc1MjQ2Mjk5Njc1IiwiYXNzZXQiOiIweDQ1ODAwYjBhZWNmNTk4OWIxNjAxMDU0YWQ5MGFiMGYzN2IwZTI3ZmUiLCJwYXlUbyI6IjB4N2JjZjdlMjMyOTQ4OWFmMzUzNTNkNTVDQTQzQzAwZUM0NzVhMjhlOSIsIm1heFRpbWVvdXRTZWNvbmRzIjozMDAsImV4dHJhIjp7ImZhY2lsaXRhdG9yQWRkcmVzcyI6IjB4RTg3OTllODdDOTJkOTcwYjU3MDZGZkI0NzgwZEVCN0E3OTA4NkQyOCJ9fX0=";

#[test]
fn upto_settle_body_charges_the_reported_usage_and_refuses_more_than_the_maximum() {
    let mut offers = OfferSet::<1>::new();
    offers
        .push(Offer {
            scheme: OfferScheme::UptoPermit2 {
                facilitator: "0xE8799e87C92d970b5706FfB4780dEB7A79086D28",
            },
            network: "eip155:84532",
            asset: "0x45800b0aecf5989b1601054ad90ab0f37b0e27fe",
            amount: U256::from_u64(1_075_246_299_675),
            pay_to: "0x7bcf7e2329489af35353d55CA43C00eC475a28e9",
            max_timeout_seconds: 300,
        })
        .unwrap();
    let mut buf = [0u8; header::RECOMMENDED_BUFFER_LEN];
    let a = admit(
        &offers,
        "PAYMENT-SIGNATURE",
        PEER_UPTO_HEADER.as_bytes(),
        1_760_200_616,
        &pay402::x402::Verifier::EVM,
        &mut buf,
    )
    .unwrap();
    assert_eq!(a.max_amount, U256::from_u64(1_075_246_299_675));
    // deadline 1760200916 + 6 + 1 - now 1760200616.
    assert_eq!(a.replay.ttl, 307);
    let mut out = [0u8; 4096];
    let n = write_settle_request(
        &offers,
        &a,
        &SPEC_RESOURCE,
        Some(U256::from_u64(500)),
        &mut out,
    )
    .unwrap();
    let request = pay402::x402::SettleRequest::from_json(&out[..n]).unwrap();
    assert_eq!(request.payment_requirements.amount(), U256::from_u64(500));
    assert!(request.payment_requirements.scheme().eq_str("upto"));
    let over = U256::from_u64(1_075_246_299_676);
    let mut out = [0u8; 4096];
    let err = write_settle_request(&offers, &a, &SPEC_RESOURCE, Some(over), &mut out).unwrap_err();
    assert_eq!(err.code(), "settle_amount_exceeds_maximum");
    assert!(out.iter().all(|&b| b == 0));
}

/// The facilitator's settlement machine and the resource server's exchange agree: a
/// `settlement_pending` the machine writes is retried exactly once with the same body, an
/// invalid broadcast hash (terminal, no transaction) is not retried at all.
#[test]
fn the_settlement_machines_pending_result_is_retried_once_and_its_invalid_hash_never() {
    use pay402::writer::write_all;
    use pay402::x402::evm_settlement::{EvmSettlement, Phase, SettleMethod};
    const HASH: &str = "0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef";
    let payer = "0x857b06519E91e3A54538791bDbb0E22373e36b66";
    let written = |steps: &dyn Fn(
        &mut EvmSettlement<'static>,
    )
        -> pay402::x402::evm_settlement::SettlementResult<'static>| {
        let mut s = EvmSettlement::at(
            "eip155:84532",
            payer,
            SettleMethod::Eip3009,
            None,
            Phase::Built,
        );
        let result = steps(&mut s);
        let mut out = vec![0u8; 1024];
        let n = write_all(&mut out, |w| result.write_json(w)).unwrap();
        out.truncate(n);
        String::from_utf8(out).unwrap()
    };
    let pending = written(&|s| {
        assert_eq!(s.submitted(HASH), Ok(None));
        s.receipt_unavailable("timed out").unwrap()
    });
    let invalid = written(&|s| s.submitted("0x").unwrap().unwrap());

    let mut offers = OfferSet::<1>::new();
    offers.push(eip3009("eip155:84532")).unwrap();
    let mut buf = [0u8; 4096];
    let a = spec_admission(&offers, &mut buf);
    let Next::Settle(first, _) =
        handler_first(ExchangeOptions::default(), &a).handled(HandlerOutcome::from_status(200))
    else {
        panic!()
    };
    let Next::Settle(second, Action::Settle { attempt: 2 }) = first.settled(response(&pending))
    else {
        panic!("pending is settled once more")
    };
    assert!(
        matches!(
            second.settled(response(&pending)),
            Next::Done(Action::KeepReservationPending { status: 402, .. })
        ),
        "never a third call"
    );

    let Next::Settle(first, _) =
        handler_first(ExchangeOptions::default(), &a).handled(HandlerOutcome::from_status(200))
    else {
        panic!()
    };
    assert!(
        matches!(
            first.settled(response(&invalid)),
            Next::Done(Action::Withhold { .. })
        ),
        "an invalid hash is terminal: no retry"
    );
}

/// An `upto` charge of zero, as the reference answers it end to end: the facilitator's machine
/// ends without a transaction (`settleUptoPermit2`: success, `transaction` `""`, `amount` `"0"`)
/// and the resource server's exchange serves the content with that receipt.
#[test]
fn a_zero_upto_charge_settles_without_a_transaction_and_the_content_is_served() {
    use pay402::writer::write_all;
    use pay402::x402::evm_settlement::{EvmSettlement, Phase, SettleMethod};
    let mut offers = OfferSet::<1>::new();
    offers
        .push(Offer {
            scheme: OfferScheme::UptoPermit2 {
                facilitator: "0xE8799e87C92d970b5706FfB4780dEB7A79086D28",
            },
            network: "eip155:84532",
            asset: "0x45800b0aecf5989b1601054ad90ab0f37b0e27fe",
            amount: U256::from_u64(1_075_246_299_675),
            pay_to: "0x7bcf7e2329489af35353d55CA43C00eC475a28e9",
            max_timeout_seconds: 300,
        })
        .unwrap();
    let mut buf = [0u8; header::RECOMMENDED_BUFFER_LEN];
    let a = admit(
        &offers,
        "PAYMENT-SIGNATURE",
        PEER_UPTO_HEADER.as_bytes(),
        1_760_200_616,
        &pay402::x402::Verifier::EVM,
        &mut buf,
    )
    .unwrap();
    // The resource server reports usage 0: the /settle body carries amount "0".
    assert_eq!(settle_amount(&offers, &a, Some(U256::ZERO)), Ok(U256::ZERO));
    let mut out = [0u8; 4096];
    let n = write_settle_request(&offers, &a, &SPEC_RESOURCE, Some(U256::ZERO), &mut out).unwrap();
    let request = pay402::x402::SettleRequest::from_json(&out[..n]).unwrap();
    assert_eq!(request.payment_requirements.amount(), U256::ZERO);

    // The facilitator: nothing to send.
    let payer = "0x70683885324a98822e51e7d9CE4F803cA57cB1A1";
    let mut s = EvmSettlement::at(
        "eip155:84532",
        payer,
        SettleMethod::Permit2,
        Some(U256::ZERO),
        Phase::Built,
    );
    let end = s.without_transaction().unwrap().unwrap();
    let mut json = [0u8; 1024];
    let n = write_all(&mut json, |w| end.write_json(w)).unwrap();
    let json = core::str::from_utf8(&json[..n]).unwrap();
    assert_eq!(
        json,
        r#"{"success":true,"transaction":"","network":"eip155:84532","payer":"0x70683885324a98822e51e7d9CE4F803cA57cB1A1","amount":"0"}"#
    );

    // The resource server: served, with that receipt.
    let (reserving, _) = begin(&a, ExchangeOptions::default());
    let Next::Handle(handling) = reserving.reserved(true) else {
        panic!()
    };
    let Next::Settle(settling, Action::Settle { attempt: 1 }) =
        handling.handled(HandlerOutcome::from_status(200))
    else {
        panic!()
    };
    let Next::Done(Action::Serve {
        status: 200,
        receipt: Some(r),
    }) = settling.settled(response(json))
    else {
        panic!("a zero charge is served")
    };
    assert_eq!(r.header_name, "PAYMENT-RESPONSE");
    assert!(r.response.success);
    assert!(r.response.transaction.is_some_and(|t| t.is_empty()));
}
