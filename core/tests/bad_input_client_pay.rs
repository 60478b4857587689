//! The bad-input catalogue of the paying client: every offer the client cannot pay gives exactly
//! the code listed when assessed (and is skipped by `choose`), and the reader of a paid answer
//! never panics on truncated or garbled headers and bodies. The codes are the contract bindings
//! map to exception classes; changing one is a breaking change.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::too_many_lines // catalogues are tables: one row per line reads better than split functions
)]

use pay402::ErrorCode;
use pay402::U256;
use pay402::evm::Address;
use pay402::svm::Pubkey;
use pay402::x402::client::{
    ClientPolicy, PaidResponse, Schemes, assess, choose, read_paid_response,
};
use pay402::x402::{Network, PaymentRequired};

const EIP3009: &str = r#"{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}"#;
const PERMIT2: &str = r#"{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"assetTransferMethod":"permit2"}}"#;
const UPTO: &str = r#"{"scheme":"upto","network":"eip155:84532","amount":"50000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":300,"extra":{"facilitatorAddress":"0x000000000000000000000000000000000000dEaD"}}"#;
const SVM: &str = r#"{"scheme":"exact","network":"solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1","amount":"10000","asset":"4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU","payTo":"2wmVCSfPxGPjrnMMn7rchp4uaeoTqN39mXFC2zhPdri9","maxTimeoutSeconds":60,"extra":{"feePayer":"J1cezW528jhuvQ5HqUVmLhVFre2PXkE6374HKgtCko5y"}}"#;

fn v2(entry: &str) -> String {
    format!(
        r#"{{"x402Version":2,"resource":{{"url":"https://api.example.com/x"}},"accepts":[{entry}]}}"#
    )
}

/// The code `assess` gives the only entry of a v2 402 (`ok` plus the kind when payable).
fn code(body: &str) -> String {
    let required = PaymentRequired::from_json(body.as_bytes()).unwrap();
    match assess(0, required.accept(0).unwrap()) {
        Ok(choice) => format!("ok {}", choice.kind.name()),
        Err(e) => e.code().to_owned(),
    }
}

fn replace(base: &str, from: &str, to: &str) -> String {
    assert!(base.contains(from), "mutation target {from:?} not found");
    base.replacen(from, to, 1)
}

#[test]
fn every_unpayable_offer_has_its_code() {
    let rows: Vec<(&str, String, &str)> = vec![
        ("EIP-3009", v2(EIP3009), "ok exact_eip3009"),
        ("Permit2", v2(PERMIT2), "ok exact_permit2"),
        ("upto", v2(UPTO), "ok upto_permit2"),
        ("Solana", v2(SVM), "ok exact_svm"),
        (
            "unknown scheme",
            v2(&replace(EIP3009, r#""exact""#, r#""deferred""#)),
            "unsupported_scheme",
        ),
        (
            "unknown namespace",
            v2(&replace(EIP3009, "eip155:84532", "cosmos:hub")),
            "unsupported_network",
        ),
        (
            "no EIP-712 domain",
            v2(&replace(
                EIP3009,
                r#""name":"USDC","version":"2""#,
                r#""name":"USDC""#,
            )),
            "missing_eip712_domain",
        ),
        (
            "empty domain name",
            v2(&replace(EIP3009, r#""name":"USDC""#, r#""name":"""#)),
            "missing_eip712_domain",
        ),
        (
            "unknown transfer method",
            v2(&replace(PERMIT2, r#""permit2""#, r#""erc7710""#)),
            "unsupported_asset_transfer_method",
        ),
        (
            "wrong EIP-55 checksum of payTo",
            v2(&replace(
                EIP3009,
                "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
                "0x209693bc6afc0C5328bA36FaF03C514EF312287C",
            )),
            "invalid_payment_requirements",
        ),
        (
            "asset not an address",
            v2(&replace(
                PERMIT2,
                "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
                "usdc",
            )),
            "invalid_payment_requirements",
        ),
        (
            "upto without facilitatorAddress",
            v2(&replace(
                UPTO,
                r#""facilitatorAddress":"0x000000000000000000000000000000000000dEaD""#,
                r#""other":1"#,
            )),
            "missing_facilitator_address",
        ),
        (
            "upto facilitator not an address",
            v2(&replace(
                UPTO,
                "0x000000000000000000000000000000000000dEaD",
                "dead",
            )),
            "invalid_payment_requirements",
        ),
        (
            "upto on Solana",
            v2(&replace(SVM, r#""exact""#, r#""upto""#)),
            "unsupported_scheme",
        ),
        (
            "Solana without feePayer",
            v2(&replace(
                SVM,
                r#""feePayer":"J1cezW528jhuvQ5HqUVmLhVFre2PXkE6374HKgtCko5y""#,
                r#""memo":"m""#,
            )),
            "missing_fee_payer",
        ),
        (
            "Solana feePayer not base58",
            v2(&replace(
                SVM,
                "J1cezW528jhuvQ5HqUVmLhVFre2PXkE6374HKgtCko5y",
                "0OIl",
            )),
            "invalid_payment_requirements",
        ),
        (
            "Solana mint not a key",
            v2(&replace(
                SVM,
                "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU",
                "USDC",
            )),
            "invalid_payment_requirements",
        ),
        (
            "Solana amount beyond u64",
            v2(&replace(
                SVM,
                r#""amount":"10000""#,
                r#""amount":"18446744073709551616""#,
            )),
            "amount_too_large",
        ),
    ];
    let mut failures = Vec::new();
    for (name, body, want) in &rows {
        let got = code(body);
        if got != *want {
            failures.push(format!("{name}: expected {want}, got {got}"));
        }
    }
    // Permit2 and upto exist only in x402 v2: a v1 entry asking for them is not payable.
    let v1 = r#"{"x402Version":1,"accepts":[{"scheme":"exact","network":"base-sepolia","maxAmountRequired":"10000","resource":"https://api.example.com/x","description":"","mimeType":"application/json","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"assetTransferMethod":"permit2"}}]}"#;
    if code(v1) != "unsupported_scheme" {
        failures.push(format!("v1 Permit2: got {}", code(v1)));
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn choose_skips_unpayable_offers_and_names_the_reason_of_none() {
    let networks = [
        Network::Eip155 { chain_id: 84532 },
        Network::parse("solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1").unwrap(),
    ];
    let evm = [Address::parse(b"0x036CbD53842c5426634e7929541eC2318f3dCF7e").unwrap()];
    let svm = [Pubkey::parse(b"4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU").unwrap()];
    let policy = ClientPolicy {
        networks: &networks,
        evm_assets: &evm,
        svm_assets: &svm,
        schemes: Schemes::ALL,
    };
    let broken = replace(UPTO, "0x000000000000000000000000000000000000dEaD", "dead");
    let body = format!(
        r#"{{"x402Version":2,"resource":{{"url":"u"}},"accepts":[{broken},{SVM},{EIP3009}]}}"#
    );
    let required = PaymentRequired::from_json(body.as_bytes()).unwrap();
    let max = |_: &Network, _: &_| Some(U256::from_u64(10_000));
    assert_eq!(choose(&required, &policy, max).unwrap().index, 1);
    // The Solana asset unlisted in the budget (limit None): the EVM one.
    let evm_only = |n: &Network, _: &_| n.chain_id().map(|_| U256::from_u64(10_000));
    assert_eq!(choose(&required, &policy, evm_only).unwrap().index, 2);
    // Nothing within 9 999: the budget, not the offers, refuses.
    let poor = |_: &Network, _: &_| Some(U256::from_u64(9_999));
    assert_eq!(
        choose(&required, &policy, poor).unwrap_err().code(),
        "amount_exceeds_budget"
    );
    // No kind the payer signs.
    let none = ClientPolicy {
        schemes: Schemes::EIP3009,
        networks: &networks[1..],
        ..policy
    };
    assert_eq!(
        choose(&required, &none, max).unwrap_err().code(),
        "no_acceptable_requirements"
    );
}

#[test]
fn a_paid_answer_never_panics_on_broken_headers_or_bodies() {
    let receipt = "eyJzdWNjZXNzIjpmYWxzZSwiZXJyb3JSZWFzb24iOiJpbnN1ZmZpY2llbnRfZnVuZHMiLCJ0cmFuc2FjdGlvbiI6IiIsIm5ldHdvcmsiOiJlaXAxNTU6ODQ1MzIifQ==";
    let body = r#"{"error":"invalid_payment","errorDetail":"invalid_exact_evm_signature","errorMessage":"no"}"#;
    let mut buf = vec![0u8; 16 * 1024];
    for cut in 0..=receipt.len() {
        for status in [200u16, 402, 412, 500, 502] {
            let headers = [
                ("PAYMENT-RESPONSE", &receipt[..cut]),
                ("PAYMENT-REQUIRED", &receipt[cut..]),
            ];
            let body = &body[..cut.min(body.len())];
            match read_paid_response(status, &headers, body.as_bytes(), &mut buf) {
                PaidResponse::Refused(r) => assert!(!r.code.is_empty()),
                PaidResponse::Served { .. } | PaidResponse::Undetermined => {}
            }
        }
    }
    // A whole failure receipt with a 200 is still a refusal; its reason is the code.
    let PaidResponse::Refused(r) =
        read_paid_response(200, &[("payment-response", receipt)], b"", &mut buf)
    else {
        panic!("a failure receipt is a refusal");
    };
    assert!(r.code.eq_str("insufficient_funds") && r.definitive);
    // A buffer too small to decode the headers: the status decides.
    let mut tiny = [0u8; 4];
    let PaidResponse::Refused(r) =
        read_paid_response(402, &[("payment-response", receipt)], b"", &mut tiny)
    else {
        panic!("402 is a refusal");
    };
    assert!(r.code.eq_str("payment_refused"));
}

/// The wallet signatures a page hands over unverified (`with_unverified_wallet_signature`): the
/// form checks by bytes, each with its code; other lengths pass verbatim.
#[test]
fn every_unverified_wallet_signature_has_its_code() {
    use pay402::secp256k1::{SECP256K1_HALF_N, SECP256K1_N};
    use pay402::x402::client::PaymentDraft;
    let body = v2(EIP3009);
    let required = PaymentRequired::from_json(body.as_bytes()).unwrap();
    let draft = PaymentDraft::new(&required, 0, Address([9; 20]), 1_000_000, &[1; 32]).unwrap();
    let eoa = |r: [u8; 32], s: [u8; 32], v: u8| {
        let mut b = vec![0u8; 65];
        b[..32].copy_from_slice(&r);
        b[32..64].copy_from_slice(&s);
        b[64] = v;
        b
    };
    let mut above_half = SECP256K1_HALF_N;
    above_half[31] += 1;
    let rows: Vec<(&str, Vec<u8>, &str)> = vec![
        ("v 27", eoa([1; 32], [2; 32], 27), "ok"),
        ("v 28", eoa([1; 32], [2; 32], 28), "ok"),
        ("v 0 (normalized)", eoa([1; 32], [2; 32], 0), "ok"),
        ("v 1 (normalized)", eoa([1; 32], [2; 32], 1), "ok"),
        ("v 2", eoa([1; 32], [2; 32], 2), "signature_v"),
        ("v 26", eoa([1; 32], [2; 32], 26), "signature_v"),
        ("v 29", eoa([1; 32], [2; 32], 29), "signature_v"),
        ("v 255", eoa([1; 32], [2; 32], 255), "signature_v"),
        ("s = n/2", eoa([1; 32], SECP256K1_HALF_N, 27), "ok"),
        (
            "s = n/2 + 1",
            eoa([1; 32], above_half, 27),
            "signature_high_s",
        ),
        ("s = n", eoa([1; 32], SECP256K1_N, 27), "signature_invalid"),
        ("s = 0", eoa([1; 32], [0; 32], 27), "signature_invalid"),
        ("r = 0", eoa([0; 32], [2; 32], 27), "signature_invalid"),
        ("r = n", eoa(SECP256K1_N, [2; 32], 27), "signature_invalid"),
        (
            "r all ones",
            eoa([0xff; 32], [2; 32], 27),
            "signature_invalid",
        ),
        ("empty", vec![], "signature_length"),
        ("1 byte (verbatim)", vec![1], "ok"),
        ("64 bytes, ERC-2098 (verbatim)", vec![1; 64], "ok"),
        ("66 bytes (verbatim)", vec![1; 66], "ok"),
        ("ERC-6492 wrapped (verbatim)", vec![0x64; 500], "ok"),
    ];
    for (what, sig, expected) in rows {
        let got = match draft.with_unverified_wallet_signature(&sig) {
            Ok(signed) => {
                let carried = signed.signature();
                if sig.len() == 65 {
                    assert_eq!(carried[..64], sig[..64], "{what}");
                    assert!(carried[64] == 27 || carried[64] == 28, "{what}");
                } else {
                    assert_eq!(carried, &sig[..], "{what}: carried verbatim");
                }
                "ok"
            }
            Err(e) => e.code(),
        };
        assert_eq!(got, expected, "{what}");
    }
}

/// What `svm_unsigned_transfer` refuses, each with its code.
#[test]
fn every_unbuildable_unsigned_transfer_has_its_code() {
    use pay402::svm::TOKEN_PROGRAM_ID;
    use pay402::x402::client::{SvmChainState, svm_unsigned_transfer};
    let chain = |token_program| SvmChainState {
        recent_blockhash: [3; 32],
        decimals: 6,
        token_program,
    };
    let payer = Pubkey([5; 32]);
    let fee_payer = Pubkey::parse(b"J1cezW528jhuvQ5HqUVmLhVFre2PXkE6374HKgtCko5y").unwrap();
    let long_memo = replace(
        SVM,
        r#""feePayer""#,
        &format!(r#""memo":"{}","feePayer""#, "m".repeat(257)),
    );
    let rows: Vec<(&str, String, Pubkey, SvmChainState, &str)> = vec![
        ("Solana", v2(SVM), payer, chain(TOKEN_PROGRAM_ID), "ok"),
        (
            "an EVM offer",
            v2(EIP3009),
            payer,
            chain(TOKEN_PROGRAM_ID),
            "unsupported_network",
        ),
        (
            "no fee payer",
            v2(&replace(
                SVM,
                r#","extra":{"feePayer":"J1cezW528jhuvQ5HqUVmLhVFre2PXkE6374HKgtCko5y"}"#,
                "",
            )),
            payer,
            chain(TOKEN_PROGRAM_ID),
            "missing_fee_payer",
        ),
        (
            "payer is the fee payer",
            v2(SVM),
            fee_payer,
            chain(TOKEN_PROGRAM_ID),
            "payer_is_fee_payer",
        ),
        (
            "not a token program",
            v2(SVM),
            payer,
            chain(Pubkey([7; 32])),
            "unsupported_token_program",
        ),
        (
            "memo over 256 bytes (extra.memo)",
            v2(&long_memo),
            payer,
            chain(TOKEN_PROGRAM_ID),
            "invalid_payment_requirements",
        ),
    ];
    for (what, body, payer, chain, expected) in rows {
        let required = PaymentRequired::from_json(body.as_bytes()).unwrap();
        let mut wire = [0u8; 1232];
        let got = match svm_unsigned_transfer(&required, 0, payer, &chain, &[0xab; 16], &mut wire) {
            Ok(tx) => {
                assert!(
                    tx[1..129].iter().all(|&b| b == 0),
                    "{what}: both signature slots zero"
                );
                "ok"
            }
            Err(e) => e.code(),
        };
        assert_eq!(got, expected, "{what}");
    }
    let body = v2(SVM);
    let required = PaymentRequired::from_json(body.as_bytes()).unwrap();
    let mut wire = [0u8; 1232];
    assert_eq!(
        svm_unsigned_transfer(
            &required,
            1,
            payer,
            &chain(TOKEN_PROGRAM_ID),
            &[0; 16],
            &mut wire
        )
        .unwrap_err()
        .code(),
        "accept_index_out_of_range"
    );
}
