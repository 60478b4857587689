//! The bad-input catalogue of smart-wallet verification (`pay402::x402::smart_wallet`): broken
//! signatures, codes and `eth_call` answers. Each row is (what is broken, input, expected code and
//! detail code); every error path answers with its exact code, never a panic, and leaves the
//! caller's calldata buffer as it was (all zero).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::format_collect,  // test inputs in hex
    clippy::type_complexity, // catalogues: one tuple per row
)]

use pay402::ErrorCode;
use pay402::evm::{Address, ERC6492_MAGIC_SUFFIX};
use pay402::x402::smart_wallet::{AfterCode, CallOutcome, SignatureCheck};
use pay402::x402::{PaymentPayload, PaymentRequirements, Verifier};

const NOW: u64 = 1_740_672_100;
/// The x402 v2 specification's EIP-3009 example requirements (section 5).
const EIP3009_REQUIREMENTS: &str = r#"{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}"#;
const EOA_SIGNATURE: &str = "2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c";

fn eip3009_payment(signature_hex: &str, from: &str) -> String {
    format!(
        r#"{{"x402Version":2,"accepted":{EIP3009_REQUIREMENTS},"payload":{{"signature":"0x{signature_hex}","authorization":{{"from":"{from}","to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","value":"10000","validAfter":"1740672089","validBefore":"1740672154","nonce":"0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480"}}}}}}"#
    )
}

const PAYER: &str = "0x857b06519E91e3A54538791bDbb0E22373e36b66";

/// The x402 v2 specification's Permit2 example (every check but the signature passes at `NOW`).
const PERMIT2_REQUIREMENTS: &str = r#"{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"assetTransferMethod":"permit2"}}"#;

fn permit2_payment(signature_hex: &str) -> String {
    format!(
        r#"{{"x402Version":2,"accepted":{PERMIT2_REQUIREMENTS},"payload":{{"signature":"0x{signature_hex}","permit2Authorization":{{"from":"{PAYER}","permitted":{{"token":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","amount":"10000"}},"spender":"0x402085c248EeA27D92E8b30b2C58ed07f9E20001","nonce":"33247007178036348590600198031289925668252061821958005840077069883511451257277","deadline":"1740672154","witness":{{"to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","validAfter":"1740672089"}}}}}}}}"#
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `abi.encode(factory, calldata, inner) ‖ magic`.
fn wrap(factory: u8, calldata: &[u8], inner: &[u8]) -> Vec<u8> {
    let word = |n: usize| {
        let mut w = [0u8; 32];
        w[24..].copy_from_slice(&(n as u64).to_be_bytes());
        w
    };
    let pad = |b: &[u8]| {
        let mut v = b.to_vec();
        v.resize(b.len().div_ceil(32) * 32, 0);
        v
    };
    let mut out = vec![0u8; 12];
    out.extend_from_slice(&[factory; 20]);
    out.extend_from_slice(&word(0x60));
    out.extend_from_slice(&word(0x60 + 32 + pad(calldata).len()));
    out.extend_from_slice(&word(calldata.len()));
    out.extend(pad(calldata));
    out.extend_from_slice(&word(inner.len()));
    out.extend(pad(inner));
    out.extend_from_slice(&ERC6492_MAGIC_SUFFIX);
    out
}

/// Runs the steps up to the code; the error's (code, detail code), with the calldata buffer
/// checked to be untouched.
fn with_code(
    requirements: &str,
    payment: &str,
    code: &[u8],
    factories: &[Address],
    calldata_len: usize,
) -> (&'static str, Option<&'static str>) {
    let requirements = PaymentRequirements::from_json(requirements.as_bytes()).unwrap();
    let payment = PaymentPayload::from_json(payment.as_bytes()).unwrap();
    let mut signature = vec![0u8; 2048];
    let check = SignatureCheck::begin(
        &Verifier::default(),
        &requirements,
        &payment,
        NOW,
        &mut signature,
    )
    .unwrap();
    let mut calldata = vec![0u8; calldata_len];
    let e = check
        .with_code(code, factories, &mut calldata)
        .map(|_| ())
        .expect_err("must be refused");
    assert!(calldata.iter().all(|b| *b == 0), "calldata buffer touched");
    (e.code(), e.detail_code())
}

#[test]
fn code_step_defects_have_exact_codes() {
    let wrapped = hex(&wrap(0x11, &[0xde, 0xad], &[0x77; 100]));
    let mut malformed = vec![0u8; 40];
    malformed.extend_from_slice(&ERC6492_MAGIC_SUFFIX);
    let other_key = "0x0000000000000000000000000000000000000001";
    let rows: &[(
        &str,
        String,
        String,
        Vec<u8>,
        Vec<Address>,
        usize,
        (&str, Option<&str>),
    )] = &[
        (
            "ERC-6492 magic after a truncated head",
            EIP3009_REQUIREMENTS.into(),
            eip3009_payment(&hex(&malformed), PAYER),
            vec![],
            vec![],
            4096,
            ("invalid_payload", Some("erc6492_malformed")),
        ),
        (
            "no code, no deployment info, a 100-byte signature",
            EIP3009_REQUIREMENTS.into(),
            eip3009_payment(&"ab".repeat(100), PAYER),
            vec![],
            vec![],
            4096,
            ("invalid_exact_evm_payload_undeployed_smart_wallet", None),
        ),
        (
            "no code, a 65-byte signature by another key",
            EIP3009_REQUIREMENTS.into(),
            eip3009_payment(EOA_SIGNATURE, other_key),
            vec![],
            vec![],
            4096,
            (
                "invalid_exact_evm_signature",
                Some("signature_wrong_signer"),
            ),
        ),
        (
            "counterfactual wallet, empty allow-list",
            EIP3009_REQUIREMENTS.into(),
            eip3009_payment(&wrapped, PAYER),
            vec![],
            vec![],
            4096,
            ("eip6492_factory_not_allowed", None),
        ),
        (
            "counterfactual wallet, factory not in the allow-list",
            EIP3009_REQUIREMENTS.into(),
            eip3009_payment(&wrapped, PAYER),
            vec![],
            vec![Address([0x12; 20])],
            4096,
            ("eip6492_factory_not_allowed", None),
        ),
        (
            "counterfactual Permit2 payer",
            PERMIT2_REQUIREMENTS.into(),
            permit2_payment(&wrapped),
            vec![],
            vec![Address([0x11; 20])],
            4096,
            ("eip6492_permit2_unsupported", None),
        ),
        (
            "1271 calldata larger than the buffer",
            EIP3009_REQUIREMENTS.into(),
            eip3009_payment(&"ab".repeat(100), PAYER),
            vec![0x60],
            vec![],
            100,
            ("buffer_too_small", None),
        ),
        (
            "Multicall3 calldata larger than the buffer",
            EIP3009_REQUIREMENTS.into(),
            eip3009_payment(&wrapped, PAYER),
            vec![],
            vec![Address([0x11; 20])],
            300,
            ("buffer_too_small", None),
        ),
    ];
    for (what, requirements, payment, code, factories, len, expected) in rows {
        assert_eq!(
            with_code(requirements, payment, code, factories, *len),
            *expected,
            "{what}"
        );
    }
}

#[test]
fn begin_defects_have_exact_codes() {
    let requirements = PaymentRequirements::from_json(EIP3009_REQUIREMENTS.as_bytes()).unwrap();
    let json = eip3009_payment(&"ab".repeat(100), PAYER);
    let payment = PaymentPayload::from_json(json.as_bytes()).unwrap();
    // The signature does not fit the caller's buffer.
    let mut small = [0u8; 64];
    let e = SignatureCheck::begin(
        &Verifier::default(),
        &requirements,
        &payment,
        NOW,
        &mut small,
    )
    .unwrap_err();
    assert_eq!(
        (e.code(), e.detail_code()),
        ("invalid_payload", Some("input_too_long"))
    );
    // Offline checks come first: expired.
    let mut buf = [0u8; 2048];
    let e = SignatureCheck::begin(
        &Verifier::default(),
        &requirements,
        &payment,
        NOW + 600,
        &mut buf,
    )
    .unwrap_err();
    assert_eq!(
        e.code(),
        "invalid_exact_evm_payload_authorization_valid_before"
    );
    // A network that is not an EVM one the verifier knows.
    let unknown =
        EIP3009_REQUIREMENTS.replace("eip155:84532", "bip122:000000000019d6689c085ae165831e93");
    let requirements = PaymentRequirements::from_json(unknown.as_bytes()).unwrap();
    let e = SignatureCheck::begin(&Verifier::default(), &requirements, &payment, NOW, &mut buf)
        .unwrap_err();
    assert_eq!(e.code(), "invalid_network");
}

#[test]
fn call_step_defects_have_exact_codes() {
    let requirements = PaymentRequirements::from_json(EIP3009_REQUIREMENTS.as_bytes()).unwrap();
    let wrapped = hex(&wrap(0x11, &[0xde, 0xad], &[0x77; 100]));
    let mut magic_with_dirt = [0u8; 32];
    magic_with_dirt[..4].copy_from_slice(&[0x16, 0x26, 0xba, 0x7e]);
    magic_with_dirt[31] = 1;
    let rows: &[(&str, String, &[u8], CallOutcome<'_>, &str)] = &[
        (
            "1271: empty return",
            "ab".repeat(100),
            &[0x60],
            CallOutcome::Returned(&[]),
            "eip1271_rejected",
        ),
        (
            "1271: bare 4-byte magic",
            "ab".repeat(100),
            &[0x60],
            CallOutcome::Returned(&[0x16, 0x26, 0xba, 0x7e]),
            "eip1271_rejected",
        ),
        (
            "1271: magic with a dirty tail",
            "ab".repeat(100),
            &[0x60],
            CallOutcome::Returned(&magic_with_dirt),
            "eip1271_rejected",
        ),
        (
            "1271: revert",
            "ab".repeat(100),
            &[0x60],
            CallOutcome::Reverted,
            "eip1271_reverted",
        ),
        (
            "7702 delegate refusing an ECDSA signature",
            EOA_SIGNATURE.into(),
            &[
                0xef, 0x01, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
                19, 20,
            ],
            CallOutcome::Returned(&[0; 32]),
            "eip1271_rejected",
        ),
        (
            "Multicall3: empty return",
            wrapped.clone(),
            &[],
            CallOutcome::Returned(&[]),
            "erc6492_simulation_failed",
        ),
        (
            "Multicall3: an offset past the end",
            wrapped.clone(),
            &[],
            CallOutcome::Returned(&[0xff; 64]),
            "erc6492_simulation_failed",
        ),
        (
            "Multicall3: revert",
            wrapped,
            &[],
            CallOutcome::Reverted,
            "erc6492_simulation_failed",
        ),
    ];
    for (what, signature, code, outcome, detail) in rows {
        let json = eip3009_payment(signature, PAYER);
        let payment = PaymentPayload::from_json(json.as_bytes()).unwrap();
        let mut sig = [0u8; 2048];
        let check =
            SignatureCheck::begin(&Verifier::default(), &requirements, &payment, NOW, &mut sig)
                .unwrap();
        let mut calldata = [0u8; 4096];
        let AfterCode::NeedsCall(call) = check
            .with_code(code, &[Address([0x11; 20])], &mut calldata)
            .unwrap()
        else {
            panic!("{what}: expected a call");
        };
        let e = call.with_call_result(*outcome).unwrap_err();
        assert_eq!(e.code(), "invalid_exact_evm_signature", "{what}");
        assert_eq!(e.detail_code(), Some(*detail), "{what}");
    }
}
