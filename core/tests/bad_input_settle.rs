//! The bad-input catalogue of settlement: the RLP decoder, EIP-1559 signing, ERC-6492 unwrapping
//! and the settlement calldata of x402 payments. Each row is (what is broken, input, expected
//! code); every error path answers with its exact code, never a panic, and leaves the caller's
//! output buffer as it was (all zero).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::too_many_lines, // catalogues: one row per broken input, read top to bottom
)]

use pay402::ErrorCode;
use pay402::U256;
use pay402::evm::{Address, Eip1559Transaction, PrivateKey, unwrap_erc6492};
use pay402::rlp;
use pay402::x402::{PaymentPayload, PaymentRequirements, settle_calldata};

// ---------------------------------------------------------------- RLP

#[test]
fn rlp_defects_have_exact_codes() {
    let rows: &[(&str, &[u8], &str)] = &[
        ("empty input", b"", "rlp_truncated"),
        ("string shorter than its header", b"\x83do", "rlp_truncated"),
        (
            "list shorter than its header",
            b"\xc3\x01\x02",
            "rlp_truncated",
        ),
        ("long header without its length", b"\xb8", "rlp_truncated"),
        ("long list header cut", b"\xf9\x01", "rlp_truncated"),
        (
            "single byte below 0x80 wrapped",
            b"\x81\x7f",
            "rlp_non_canonical",
        ),
        (
            "long form for a short string",
            b"\xb8\x03dog",
            "rlp_non_canonical",
        ),
        (
            "long form for a short list",
            b"\xf8\x00",
            "rlp_non_canonical",
        ),
        (
            "length with a leading zero",
            b"\xb9\x00\x40",
            "rlp_non_canonical",
        ),
    ];
    for (what, input, code) in rows {
        let e = rlp::decode(input).expect_err(what);
        assert_eq!(e.code(), *code, "{what}");
    }
    // 2^64 - 1 bytes: too long for the input (64-bit) or for `usize` (32-bit).
    let huge = rlp::decode(b"\xbf\xff\xff\xff\xff\xff\xff\xff\xff").unwrap_err();
    assert!(
        ["rlp_truncated", "rlp_length_overflow"].contains(&huge.code()),
        "{huge:?}"
    );
}

// ---------------------------------------------------------------- EIP-1559

fn tx() -> Eip1559Transaction<'static> {
    Eip1559Transaction {
        chain_id: 84532,
        nonce: 7,
        max_priority_fee_per_gas: U256::from_u64(1_000_000),
        max_fee_per_gas: U256::from_u64(2_000_000_000),
        gas_limit: 100_000,
        to: Some(Address([0x20; 20])),
        value: U256::ZERO,
        data: &[0xe3, 0xee, 0x16, 0x0e],
        access_list: &[],
    }
}

#[test]
fn transaction_signing_defects_have_exact_codes_and_write_nothing() {
    let key = PrivateKey::from_bytes(&[0x11; 32]).unwrap();
    let rows: &[(&str, Eip1559Transaction<'static>, usize, &str)] = &[
        (
            "tip above the fee cap",
            Eip1559Transaction {
                max_priority_fee_per_gas: U256::from_u64(2_000_000_001),
                ..tx()
            },
            512,
            "tip_above_fee_cap",
        ),
        (
            "tip above a zero fee cap",
            Eip1559Transaction {
                max_fee_per_gas: U256::ZERO,
                ..tx()
            },
            512,
            "tip_above_fee_cap",
        ),
        ("buffer of one byte", tx(), 1, "buffer_too_small"),
        ("buffer one byte short", tx(), 0, "buffer_too_small"),
    ];
    for (what, transaction, len, code) in rows {
        let len = if *len == 0 {
            // the exact signed length minus one
            let mut full = [0u8; 512];
            transaction.sign(&key, &mut full).unwrap().raw.len() - 1
        } else {
            *len
        };
        let mut out = vec![0u8; len];
        let e = transaction.sign(&key, &mut out).expect_err(what);
        assert_eq!(e.code(), *code, "{what}");
        assert!(out.iter().all(|b| *b == 0), "{what}: output touched");
    }
}

// ---------------------------------------------------------------- ERC-6492

fn wrapper(factory_word: [u8; 32], offsets: (u8, u8), tail: &[u8]) -> Vec<u8> {
    let mut v = factory_word.to_vec();
    let mut word = [0u8; 32];
    word[31] = offsets.0;
    v.extend_from_slice(&word);
    word[31] = offsets.1;
    v.extend_from_slice(&word);
    v.extend_from_slice(tail);
    v.extend_from_slice(&[0x64, 0x92].repeat(16));
    v
}

#[test]
fn erc6492_defects_have_exact_codes() {
    let mut factory = [0u8; 32];
    factory[12..].copy_from_slice(&[0x11; 20]);
    let mut dirty = factory;
    dirty[0] = 1;
    let empty_tails = [[0u8; 32], [0u8; 32]].concat();
    let rows: Vec<(&str, Vec<u8>)> = vec![
        ("only the magic", [0x64, 0x92].repeat(16)),
        ("head cut short", {
            let mut v = vec![0u8; 40];
            v.extend_from_slice(&[0x64, 0x92].repeat(16));
            v
        }),
        (
            "address word with high bytes",
            wrapper(dirty, (0x60, 0x80), &empty_tails),
        ),
        (
            "calldata offset past the end",
            wrapper(factory, (0xe0, 0x80), &empty_tails),
        ),
        (
            "signature offset past the end",
            wrapper(factory, (0x60, 0xf0), &empty_tails),
        ),
        ("length past the end", {
            let mut tails = empty_tails.clone();
            tails[31] = 0x40;
            wrapper(factory, (0x60, 0x80), &tails)
        }),
        ("length word above usize", {
            let mut tails = empty_tails.clone();
            tails[0] = 0xff;
            wrapper(factory, (0x60, 0x80), &tails)
        }),
    ];
    for (what, input) in &rows {
        let e = unwrap_erc6492(input).expect_err(what);
        assert_eq!(e.code(), "erc6492_malformed", "{what}");
    }
    // The well-formed base of the rows above decodes.
    let base = wrapper(factory, (0x60, 0x80), &empty_tails);
    let ok = unwrap_erc6492(&base).unwrap().unwrap();
    assert_eq!(ok.factory, Address([0x11; 20]));
    assert!(ok.factory_calldata.is_empty() && ok.signature.is_empty());
}

// ---------------------------------------------------------------- settlement calldata

const SIG: &str = "0x2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c";

const REQ_3009: &str = r#"{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}"#;

const PAY_3009: &str = r#"{"x402Version":2,"accepted":{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}},"payload":{"signature":"SIG","authorization":{"from":"0x857b06519E91e3A54538791bDbb0E22373e36b66","to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","value":"10000","validAfter":"1740672089","validBefore":"1740672154","nonce":"0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480"}}}"#;

const REQ_UPTO: &str = r#"{"scheme":"upto","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"facilitatorAddress":"0x000000000000000000000000000000000000dEaD"}}"#;

const PAY_UPTO: &str = r#"{"x402Version":2,"accepted":{"scheme":"upto","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60},"payload":{"signature":"SIG","permit2Authorization":{"from":"0x857b06519E91e3A54538791bDbb0E22373e36b66","permitted":{"token":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","amount":"10000"},"spender":"0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002","nonce":"1","deadline":"1740672154","witness":{"to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","facilitator":"0x000000000000000000000000000000000000dEaD","validAfter":"0"}}}}"#;

const REQ_PERMIT2_EXACT: &str = r#"{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"assetTransferMethod":"permit2"}}"#;

/// (what is broken, requirements, payment with `SIG`, signature, settle amount, output length,
/// expected code).
type Row<'a> = (
    &'a str,
    &'a str,
    String,
    String,
    Option<u64>,
    usize,
    &'a str,
);

/// The settle-calldata verdict of `payment` (with `SIG` replaced by `signature`) against
/// `requirements`; the output buffer must stay untouched on error.
fn calldata_code(
    requirements: &str,
    payment: &str,
    signature: &str,
    settle_amount: Option<u64>,
    out_len: usize,
) -> &'static str {
    let requirements = PaymentRequirements::from_json(requirements.as_bytes()).unwrap();
    let payment = payment.replace("SIG", signature);
    let payment = PaymentPayload::from_json(payment.as_bytes()).unwrap();
    let mut out = vec![0u8; out_len];
    match settle_calldata(
        &requirements,
        &payment,
        settle_amount.map(U256::from_u64),
        &mut out,
    ) {
        Ok(_) => "ok",
        Err(e) => {
            assert!(out.iter().all(|b| *b == 0), "{}: output touched", e.code());
            e.code()
        }
    }
}

#[test]
fn settlement_calldata_defects_have_exact_codes() {
    let v1_requirements = r#"{"scheme":"exact","network":"base-sepolia","maxAmountRequired":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","resource":"https://api.example.com/premium-data","description":"d","mimeType":"application/json","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}"#;
    let v_29 = format!("{}1d", &SIG[..130]);
    let r_zero = format!("0x{}{}", "0".repeat(64), &SIG[66..]);
    let s_n = format!(
        "{}fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd03641411c",
        &SIG[..66]
    );
    let bad_6492 = format!("0x{}{}", "00".repeat(40), "6492".repeat(16));
    let solana_requirements = r#"{"scheme":"exact","network":"solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1","amount":"10000","asset":"EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v","payTo":"2wKupLR9q6wXYppw8Gr2NvWxKBUqm4PPJKkQfoxHDBg4","maxTimeoutSeconds":60,"extra":{"feePayer":"2wKupLR9q6wXYppw8Gr2NvWxKBUqm4PPJKkQfoxHDBg4"}}"#;
    let unknown_network = REQ_3009.replace("eip155:84532", "eip155:bogus");
    let bad_asset = REQ_3009.replace(
        "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
        "0x036CbD53842c5426634e7929541eC2318f3dCF7",
    );
    let solana_payload = r#"{"x402Version":2,"accepted":{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60},"payload":{"transaction":"AQ=="}}"#;
    let no_facilitator = PAY_UPTO.replace(
        r#""facilitator":"0x000000000000000000000000000000000000dEaD","#,
        "",
    );
    let v1_permit2 = r#"{"x402Version":1,"scheme":"exact","network":"base-sepolia","payload":{"signature":"SIG","permit2Authorization":{}}}"#;
    let stream = REQ_UPTO.replace(r#""scheme":"upto""#, r#""scheme":"stream""#);
    let bad_from = PAY_3009.replace(
        r#""from":"0x857b06519E91e3A54538791bDbb0E22373e36b66""#,
        r#""from":"0x857b""#,
    );
    let rows: Vec<Row<'_>> = vec![
        (
            "the well-formed base",
            REQ_3009,
            PAY_3009.into(),
            SIG.into(),
            None,
            512,
            "ok",
        ),
        (
            "v2 payment for v1 requirements",
            v1_requirements,
            PAY_3009.into(),
            SIG.into(),
            None,
            512,
            "invalid_x402_version",
        ),
        (
            "unknown network",
            &unknown_network,
            PAY_3009.into(),
            SIG.into(),
            None,
            512,
            "invalid_network",
        ),
        (
            "Solana requirements",
            solana_requirements,
            PAY_3009.into(),
            SIG.into(),
            None,
            512,
            "invalid_network",
        ),
        (
            "a Solana transaction payload on EVM",
            REQ_3009,
            solana_payload.into(),
            SIG.into(),
            None,
            512,
            "unsupported_payload_type",
        ),
        (
            "Permit2 payload in v1",
            v1_requirements,
            v1_permit2.into(),
            SIG.into(),
            None,
            512,
            "unsupported_payload_type",
        ),
        (
            "Permit2 payload for another scheme",
            &stream,
            PAY_UPTO.into(),
            SIG.into(),
            None,
            512,
            "unsupported_payload_type",
        ),
        (
            "authorization.from is not an address",
            REQ_3009,
            bad_from,
            SIG.into(),
            None,
            512,
            "invalid_payload",
        ),
        (
            "upto witness without facilitator",
            REQ_UPTO,
            no_facilitator,
            SIG.into(),
            None,
            512,
            "invalid_payload",
        ),
        (
            "asset is not an address",
            &bad_asset,
            PAY_3009.into(),
            SIG.into(),
            None,
            512,
            "invalid_payment_requirements",
        ),
        (
            "ERC-6492 suffix on a malformed wrapper",
            REQ_3009,
            PAY_3009.into(),
            bad_6492,
            None,
            512,
            "erc6492_malformed",
        ),
        (
            "65-byte signature with v = 29",
            REQ_3009,
            PAY_3009.into(),
            v_29,
            None,
            512,
            "signature_v",
        ),
        (
            "65-byte signature with r = 0",
            REQ_3009,
            PAY_3009.into(),
            r_zero,
            None,
            512,
            "signature_invalid",
        ),
        (
            "65-byte signature with s = n",
            REQ_3009,
            PAY_3009.into(),
            s_n,
            None,
            512,
            "signature_invalid",
        ),
        (
            "settle amount for exact EIP-3009",
            REQ_3009,
            PAY_3009.into(),
            SIG.into(),
            Some(1),
            512,
            "settle_amount_not_upto",
        ),
        (
            "settle amount for exact Permit2",
            REQ_PERMIT2_EXACT,
            PAY_UPTO.replace(r#""scheme":"upto""#, r#""scheme":"exact""#),
            SIG.into(),
            Some(1),
            512,
            "settle_amount_not_upto",
        ),
        (
            "upto charge of zero",
            REQ_UPTO,
            PAY_UPTO.into(),
            SIG.into(),
            Some(0),
            512,
            "upto_settle_amount_zero",
        ),
        (
            "upto charge above the signed maximum",
            REQ_UPTO,
            PAY_UPTO.into(),
            SIG.into(),
            Some(10_001),
            512,
            "invalid_upto_evm_payload_settlement_exceeds_amount",
        ),
        (
            "EIP-3009 call into a short buffer",
            REQ_3009,
            PAY_3009.into(),
            SIG.into(),
            None,
            291,
            "buffer_too_small",
        ),
        (
            "upto call into a short buffer",
            REQ_UPTO,
            PAY_UPTO.into(),
            SIG.into(),
            Some(1),
            451,
            "buffer_too_small",
        ),
    ];
    for (what, requirements, payment, signature, amount, out_len, code) in &rows {
        assert_eq!(
            calldata_code(requirements, payment, signature, *amount, *out_len),
            *code,
            "{what}"
        );
    }
    // The exact sizes fit: 292 bytes (v, r, s) and 452 bytes (upto, 65-byte signature).
    assert_eq!(calldata_code(REQ_3009, PAY_3009, SIG, None, 292), "ok");
    assert_eq!(calldata_code(REQ_UPTO, PAY_UPTO, SIG, Some(1), 452), "ok");
}

// ---------------------------------------------------------------- the settlement machine

#[test]
fn settlement_steps_out_of_order_have_exact_codes_and_keep_the_phase() {
    use pay402::x402::evm_settlement::{EvmSettlement, Phase, SettleMethod};
    type Step = fn(&mut EvmSettlement<'static>) -> Result<(), &'static str>;
    fn code<T>(
        r: Result<T, pay402::x402::evm_settlement::SettlementStepError>,
    ) -> Result<(), &'static str> {
        r.map(|_| ()).map_err(|e| e.code())
    }
    const HASH: &str = "0x00000000000000000000000000000000000000000000000000000000000000ff";
    let new = || {
        EvmSettlement::at(
            "eip155:8453",
            "0x857b06519E91e3A54538791bDbb0E22373e36b66",
            SettleMethod::Eip3009,
            None,
            Phase::Built,
        )
    };
    let receipts: &[(&str, Step)] = &[
        ("confirmed", |s| code(s.confirmed())),
        ("reverted", |s| code(s.reverted())),
        ("receipt_unavailable", |s| {
            code(s.receipt_unavailable("timeout"))
        }),
    ];
    let broadcasts: &[(&str, Step)] = &[
        ("refused", |s| {
            code(s.refused("invalid_exact_evm_signature", None))
        }),
        ("transfer_reverted", |s| {
            code(s.transfer_reverted("reverted"))
        }),
        ("submitted", |s| code(s.submitted(HASH))),
    ];
    for (what, step) in receipts {
        let mut s = new();
        assert_eq!(
            step(&mut s),
            Err("settlement_step_out_of_order"),
            "{what} before submitted"
        );
        assert_eq!(
            s.phase(),
            Phase::Built,
            "{what} before submitted leaves the phase"
        );
    }
    for (what, step) in broadcasts {
        let mut s = new();
        assert_eq!(s.submitted(HASH), Ok(None));
        assert_eq!(
            step(&mut s),
            Err("settlement_step_out_of_order"),
            "{what} after submitted"
        );
        assert_eq!(
            s.phase(),
            Phase::Submitted { hash: HASH },
            "{what} after submitted leaves the phase"
        );
    }
    for (what, step) in receipts.iter().chain(broadcasts) {
        let mut ended = new();
        assert!(ended.refused("invalid_exact_evm_signature", None).is_ok());
        assert_eq!(
            step(&mut ended),
            Err("settlement_ended"),
            "{what} after the end"
        );
        assert_eq!(ended.phase(), Phase::Ended);
    }
}

#[test]
fn invalid_broadcast_hashes_end_the_settlement_without_a_transaction() {
    use pay402::x402::evm_settlement::{EvmSettlement, Phase, SettleMethod};
    let rows: &[(&str, &str)] = &[
        ("empty", ""),
        (
            "no 0x",
            "00000000000000000000000000000000000000000000000000000000000000ff",
        ),
        (
            "0X prefix",
            "0X00000000000000000000000000000000000000000000000000000000000000ff",
        ),
        (
            "63 digits",
            "0x0000000000000000000000000000000000000000000000000000000000000ff",
        ),
        (
            "65 digits",
            "0x00000000000000000000000000000000000000000000000000000000000000fff",
        ),
        (
            "non-hex digit",
            "0x00000000000000000000000000000000000000000000000000000000000000fg",
        ),
        (
            "all zero",
            "0x0000000000000000000000000000000000000000000000000000000000000000",
        ),
        (
            "space inside",
            "0x00000000000000000000000000000000 0000000000000000000000000000000f",
        ),
        (
            "non-ASCII digit",
            "0x00000000000000000000000000000000000000000000000000000000000000f٣",
        ),
    ];
    for (what, hash) in rows {
        let mut s = EvmSettlement::at(
            "base",
            "0x857b06519E91e3A54538791bDbb0E22373e36b66",
            SettleMethod::Permit2,
            None,
            Phase::Built,
        );
        let r = s.submitted(hash).expect(what).expect(what);
        assert_eq!(r.transaction, "", "{what}");
        assert_eq!(r.error_reason, Some("invalid_transaction_state"), "{what}");
        assert_eq!(s.phase(), Phase::Ended, "{what}");
    }
}

// ---------------------------------------------------------------- the Solana settlement machine

#[test]
fn svm_settlement_steps_out_of_order_have_exact_codes_and_keep_the_phase() {
    use pay402::x402::svm_settlement::{Phase, SvmSettlement};
    type Step = fn(&mut SvmSettlement<'static>) -> Result<(), &'static str>;
    fn code<T>(
        r: Result<T, pay402::x402::evm_settlement::SettlementStepError>,
    ) -> Result<(), &'static str> {
        r.map(|_| ()).map_err(|e| e.code())
    }
    const SIG: &str =
        "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW";
    let new = || {
        SvmSettlement::at(
            "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1",
            "2wKupLR9q6wXYppw8Gr2NvWxKBUqm4PPJKkQfoxHDBg4",
            Phase::Built,
        )
    };
    let after_send: &[(&str, Step)] = &[
        ("confirmed", |s| code(s.confirmed())),
        ("failed", |s| code(s.failed("{}"))),
        ("confirmation_timeout", |s| code(s.confirmation_timeout(""))),
    ];
    let before_send: &[(&str, Step)] = &[
        ("refused", |s| {
            code(s.refused("invalid_exact_svm_payload_amount_mismatch", None))
        }),
        ("simulation_failed", |s| code(s.simulation_failed("{}"))),
        ("simulation_error", |s| code(s.simulation_error("rpc"))),
        ("duplicate", |s| code(s.duplicate())),
        ("send_failed", |s| code(s.send_failed("rpc"))),
        ("submitted", |s| code(s.submitted(SIG))),
    ];
    for (what, step) in after_send {
        let mut s = new();
        assert_eq!(
            step(&mut s),
            Err("settlement_step_out_of_order"),
            "{what} before submitted"
        );
        assert_eq!(
            s.phase(),
            Phase::Built,
            "{what} before submitted leaves the phase"
        );
    }
    for (what, step) in before_send {
        let mut s = new();
        assert_eq!(s.submitted(SIG), Ok(None));
        assert_eq!(
            step(&mut s),
            Err("settlement_step_out_of_order"),
            "{what} after submitted"
        );
        assert_eq!(
            s.phase(),
            Phase::Submitted { signature: SIG },
            "{what} after submitted leaves the phase"
        );
    }
    for (what, step) in after_send.iter().chain(before_send) {
        let mut ended = new();
        assert!(ended.duplicate().is_ok());
        assert_eq!(
            step(&mut ended),
            Err("settlement_ended"),
            "{what} after the end"
        );
        assert_eq!(ended.phase(), Phase::Ended);
    }
}

#[test]
fn invalid_signatures_end_the_svm_settlement_as_a_failed_send() {
    use pay402::x402::svm_settlement::{Phase, SvmSettlement};
    const SIG: &str =
        "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW";
    let zeros = "1".repeat(64);
    let too_long = format!("2{SIG}");
    let rows: &[(&str, &str)] = &[
        ("empty", ""),
        ("63 bytes (two characters short)", &SIG[..86]),
        ("65 bytes", &too_long),
        ("64 zero bytes", &zeros),
        (
            "0 is not base58",
            "0VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW",
        ),
        (
            "O is not base58",
            "OVERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW",
        ),
        (
            "l is not base58",
            "lVERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW",
        ),
        (
            "space inside",
            "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjB nbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW",
        ),
        (
            "an EVM hash",
            "0x00000000000000000000000000000000000000000000000000000000000000ff",
        ),
        (
            "non-ASCII",
            "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQU٣",
        ),
    ];
    for (what, signature) in rows {
        let mut s = SvmSettlement::at("solana", "payer", Phase::Built);
        let r = s.submitted(signature).expect(what).expect(what);
        assert_eq!(r.transaction, "", "{what}");
        assert_eq!(r.error_reason, Some("transaction_failed"), "{what}");
        assert_eq!(s.phase(), Phase::Ended, "{what}");
    }
}

// ---------------------------------------------------------------- Solana co-signing

#[test]
fn cosigning_defects_have_exact_codes_and_write_nothing() {
    // (what is broken, input, output length, code, detail code)
    type Row<'a> = (&'a str, &'a [u8], usize, &'a str, Option<&'a str>);
    use pay402::svm::PayerKey;
    use pay402::svm::cosign::cosign_fee_payer;
    let key = PayerKey::from_seed(&[5; 32]);
    // One signer (the fee payer), one key, a blockhash, no instructions.
    let mut tx = vec![1u8];
    tx.extend([0u8; 64]);
    tx.extend([1, 0, 0, 1]);
    tx.extend(key.pubkey().0);
    tx.extend([9u8; 32]);
    tx.push(0);
    let mut other = tx.clone();
    other[70] ^= 1; // key 0 is another key
    let mut trailing = tx.clone();
    trailing.push(0);
    let too_long = vec![0u8; 1233];
    let rows: &[Row<'_>] = &[
        (
            "empty",
            b"",
            64,
            "invalid_exact_svm_payload_transaction",
            Some("transaction_truncated"),
        ),
        (
            "cut in the message",
            &tx[..80],
            200,
            "invalid_exact_svm_payload_transaction",
            Some("transaction_truncated"),
        ),
        (
            "a byte after the message",
            &trailing,
            200,
            "invalid_exact_svm_payload_transaction",
            Some("transaction_trailing_bytes"),
        ),
        (
            "longer than a packet",
            &too_long,
            2000,
            "invalid_exact_svm_payload_transaction",
            Some("transaction_too_long"),
        ),
        (
            "another fee payer",
            &other,
            200,
            "invalid_exact_svm_fee_payer_mismatch",
            None,
        ),
        (
            "output one byte short",
            &tx,
            tx.len() - 1,
            "buffer_too_small",
            None,
        ),
    ];
    for (what, input, out_len, code, detail) in rows {
        let mut out = vec![0u8; *out_len];
        let e = cosign_fee_payer(input, &key, &mut out).expect_err(what);
        assert_eq!((e.code(), e.detail_code()), (*code, *detail), "{what}");
        assert!(out.iter().all(|b| *b == 0), "{what}: output untouched");
    }
    let mut out = vec![0u8; tx.len()];
    assert!(
        cosign_fee_payer(&tx, &key, &mut out).is_ok(),
        "the exact size fits"
    );
}

// ---------------------------------------------------------------- refunds

#[test]
fn refund_defects_have_exact_codes() {
    type Step = fn(&mut Refund<'static>) -> Result<(), pay402::x402::refund::RefundError>;
    use pay402::x402::network::{Network, SolanaCluster};
    use pay402::x402::refund::{Refund, RefundOrder, RefundPhase};
    let to = Address([0xbb; 20]);
    let asset = Address([0xaa; 20]);
    let base = Network::Eip155 { chain_id: 8453 };
    let orders: &[(&str, Network, U256, &str)] = &[
        (
            "amount 0: nothing to pay",
            base,
            U256::ZERO,
            "refund_amount_zero",
        ),
        (
            "a Solana network: no ERC-20 refund",
            Network::Solana(SolanaCluster::Mainnet),
            U256::from_u64(1),
            "refund_unsupported_network",
        ),
        (
            "amount 0 on Solana: the network is named first",
            Network::Solana(SolanaCluster::Devnet),
            U256::ZERO,
            "refund_unsupported_network",
        ),
    ];
    for (what, network, amount, code) in orders {
        let e = RefundOrder::for_session([7; 16], *network, asset, to, *amount).expect_err(what);
        assert_eq!(e.code(), *code, "{what}");
    }
    let order = RefundOrder::for_session([7; 16], base, asset, to, U256::from_u64(5)).unwrap();
    let steps: &[(&str, RefundPhase<'static>, Step, &str)] = &[
        (
            "confirmed before the broadcast",
            RefundPhase::Built,
            |r| r.confirmed().map(drop),
            "refund_step_out_of_order",
        ),
        (
            "reverted before the broadcast",
            RefundPhase::Built,
            |r| r.reverted().map(drop),
            "refund_step_out_of_order",
        ),
        (
            "receipt unavailable before the broadcast",
            RefundPhase::Built,
            |r| r.receipt_unavailable("x").map(drop),
            "refund_step_out_of_order",
        ),
        (
            "submitted twice",
            RefundPhase::Submitted { hash: "0x12" },
            |r| r.submitted("0x12").map(drop),
            "refund_step_out_of_order",
        ),
        (
            "send failed after the broadcast",
            RefundPhase::Submitted { hash: "0x12" },
            |r| r.send_failed("x").map(drop),
            "refund_step_out_of_order",
        ),
        (
            "confirmed after the end",
            RefundPhase::Ended,
            |r| r.confirmed().map(drop),
            "refund_ended",
        ),
        (
            "submitted after the end",
            RefundPhase::Ended,
            |r| r.submitted("0x12").map(drop),
            "refund_ended",
        ),
    ];
    for (what, phase, step, code) in steps {
        let mut r = Refund::at(order, *phase);
        let e = step(&mut r).expect_err(what);
        assert_eq!(e.code(), *code, "{what}");
        assert_eq!(r.phase(), *phase, "{what}: a refused step moves nothing");
    }
    // a hash that is not one ends the refund without a transaction
    let mut r = Refund::at(order, RefundPhase::Built);
    let end = r.submitted("0xnothex").unwrap().unwrap();
    assert_eq!(
        (end.reason, end.transaction),
        (Some("refund_invalid_hash"), "")
    );
    // the calldata never half-writes into a short buffer
    let mut short = [0u8; 67];
    assert_eq!(
        order.calldata(&mut short).unwrap_err().code(),
        "buffer_too_small"
    );
    assert!(short.iter().all(|b| *b == 0));
}
