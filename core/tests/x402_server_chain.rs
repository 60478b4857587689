//! Admission of smart-wallet payers with the host's RPC ([`admit_with_chain`]). Expected values
//! come from the x402 v2 specification's EIP-3009 example
//! (<https://github.com/coinbase/x402/tree/main/specs>), EIP-1271
//! (<https://eips.ethereum.org/EIPS/eip-1271>: `isValidSignature` selector and magic value
//! `0x1626ba7e`), ERC-6492 (<https://eips.ethereum.org/EIPS/eip-6492>: the wrapper and its
//! suffix) and Multicall3 (<https://github.com/mds1/multicall3>: its address and
//! `tryAggregate`'s `Result[]`), never the output of the code under test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use pay402::evm::Address;
use pay402::u256::U256;
use pay402::x402::server::*;
use pay402::x402::smart_wallet::{CallOutcome, Route};
use pay402::x402::{Verifier, X402Version, header};
use std::string::String;
use std::vec;
use std::vec::Vec;

const PAYER: &str = "0x857b06519E91e3A54538791bDbb0E22373e36b66";
const SPEC_NOW: u64 = 1_740_672_100;
const EOA_SIGNATURE: &str = "2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c";
const ISVALIDSIGNATURE: [u8; 4] = [0x16, 0x26, 0xba, 0x7e];
const TRY_AGGREGATE: [u8; 4] = [0xbc, 0xe3, 0x8b, 0xd7];
const MULTICALL3: &str = "0xcA11bde05977b3631167028862bE2a173976CA11";
const FACTORY: [u8; 20] = [0x11; 20];

fn payment(signature_hex: &str) -> String {
    std::format!(
        r#"{{"x402Version":2,"accepted":{{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{{"name":"USDC","version":"2"}}}},"payload":{{"signature":"0x{signature_hex}","authorization":{{"from":"{PAYER}","to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","value":"10000","validAfter":"1740672089","validBefore":"1740672154","nonce":"0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480"}}}}}}"#
    )
}

fn offers() -> OfferSet<'static, 1> {
    let mut offers = OfferSet::<1>::new();
    offers
        .push(Offer {
            scheme: OfferScheme::ExactEip3009 {
                name: "USDC",
                version: "2",
            },
            network: "eip155:84532",
            asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
            amount: U256::from_u64(10_000),
            pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
            max_timeout_seconds: 60,
        })
        .unwrap();
    offers
}

fn b64(json: &str) -> String {
    let mut out = vec![0u8; json.len() * 2 + 8];
    header::encode(json.as_bytes(), &mut out)
        .unwrap()
        .to_owned()
}

fn hex(bytes: &[u8]) -> String {
    let mut out = vec![0u8; bytes.len() * 2];
    pay402::hex::encode_lower_into(bytes, &mut out)
        .unwrap()
        .to_owned()
}

fn word(n: usize) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[24..].copy_from_slice(&(n as u64).to_be_bytes());
    w
}

fn padded(b: &[u8]) -> Vec<u8> {
    let mut v = b.to_vec();
    v.resize(b.len().div_ceil(32) * 32, 0);
    v
}

/// `abi.encode(factory, calldata, inner) ‖ 0x6492…6492`.
fn erc6492(factory: [u8; 20], calldata: &[u8], inner: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; 12];
    out.extend_from_slice(&factory);
    out.extend_from_slice(&word(0x60));
    out.extend_from_slice(&word(0x60 + 32 + padded(calldata).len()));
    out.extend_from_slice(&word(calldata.len()));
    out.extend(padded(calldata));
    out.extend_from_slice(&word(inner.len()));
    out.extend(padded(inner));
    for _ in 0..16 {
        out.extend_from_slice(&[0x64, 0x92]);
    }
    out
}

fn addr(text: &str) -> Address {
    Address::parse(text.as_bytes()).unwrap()
}

/// A 1271 wallet's signature: longer than an EOA's.
fn wallet_signature() -> Vec<u8> {
    vec![0xab; 100]
}

#[test]
fn an_eoa_is_admitted_without_the_chain_like_admit() {
    let offers = offers();
    let value = b64(&payment(EOA_SIGNATURE));
    let mut buf = [0u8; header::RECOMMENDED_BUFFER_LEN];
    let step = admit_with_chain(
        &offers,
        "PAYMENT-SIGNATURE",
        value.as_bytes(),
        SPEC_NOW,
        &Verifier::EVM,
        &mut buf,
    )
    .unwrap();
    let ChainAdmission::Admitted(a) = step else {
        panic!("an EOA needs no chain read");
    };
    assert_eq!((a.offer_index, a.version), (0, X402Version::V2));
    assert_eq!(a.verified.evm().unwrap().payer, addr(PAYER));
    // validBefore 1740672154 + slack 6 + 1.
    assert_eq!((a.replay.until, a.replay.ttl), (1_740_672_161, 61));
}

#[test]
fn offline_admission_still_refuses_a_smart_wallet_saying_it_needs_rpc() {
    let offers = offers();
    let value = b64(&payment(&hex(&wallet_signature())));
    let mut buf = [0u8; header::RECOMMENDED_BUFFER_LEN];
    let refusal = admit(
        &offers,
        "PAYMENT-SIGNATURE",
        value.as_bytes(),
        SPEC_NOW,
        &Verifier::EVM,
        &mut buf,
    )
    .unwrap_err();
    assert_eq!(
        (refusal.status, refusal.code, refusal.detail_code),
        (
            402,
            "invalid_exact_evm_signature",
            Some("smart_wallet_needs_rpc")
        )
    );
}

/// The admission's payer and replay lifetime, or the refusal.
type Verdict = Result<(Address, u64, u64), Refusal>;
/// The `eth_call` asked for: `to`, the calldata and the route.
type Asked = Option<(Address, Vec<u8>, Route)>;

/// Runs a smart-wallet payment through code `code`, and when a call is asked, answers `answer`.
fn through_chain(
    signature: &[u8],
    code: &[u8],
    factories: &[Address],
    answer: Option<CallOutcome<'_>>,
) -> (Verdict, Asked) {
    let offers = offers();
    let value = b64(&payment(&hex(signature)));
    let mut buf = [0u8; header::RECOMMENDED_BUFFER_LEN];
    let step = admit_with_chain(
        &offers,
        "PAYMENT-SIGNATURE",
        value.as_bytes(),
        SPEC_NOW,
        &Verifier::EVM,
        &mut buf,
    )
    .unwrap();
    let ChainAdmission::NeedsCode(need) = step else {
        panic!("a smart-wallet signature needs the payer's code");
    };
    assert_eq!((need.payer(), need.offer_index()), (addr(PAYER), 0));
    let mut calldata = [0u8; 8192];
    let call = match need.with_code(code, factories, &mut calldata) {
        Err(r) => return (Err(r), None),
        Ok(AfterPayerCode::Admitted(a)) => {
            return (
                Ok((
                    a.verified.evm().unwrap().payer,
                    a.replay.until,
                    a.replay.ttl,
                )),
                None,
            );
        }
        Ok(AfterPayerCode::NeedsCall(call)) => call,
    };
    let asked = (call.to(), call.calldata().to_vec(), call.route());
    let result = call
        .with_call_result(answer.expect("a call was asked"))
        .map(|a| {
            (
                a.verified.evm().unwrap().payer,
                a.replay.until,
                a.replay.ttl,
            )
        });
    (result, Some(asked))
}

fn magic() -> Vec<u8> {
    let mut w = vec![0u8; 32];
    w[..4].copy_from_slice(&ISVALIDSIGNATURE);
    w
}

#[test]
fn a_deployed_wallet_is_admitted_when_is_valid_signature_returns_the_magic_value() {
    let answer = magic();
    let (result, asked) = through_chain(
        &wallet_signature(),
        &[0x60, 0x80],
        &[],
        Some(CallOutcome::Returned(&answer)),
    );
    assert_eq!(result, Ok((addr(PAYER), 1_740_672_161, 61)));
    let (to, data, route) = asked.unwrap();
    assert_eq!(
        (to, route),
        (addr(PAYER), Route::Eip1271 { delegation: None })
    );
    // isValidSignature(bytes32 digest, bytes signature): selector, digest, offset 0x40, length, bytes.
    assert_eq!(data[..4], ISVALIDSIGNATURE);
    assert_eq!(data[36..68], word(0x40));
    assert_eq!(data[68..100], word(100));
    assert_eq!(data[100..200], wallet_signature()[..]);
    assert_eq!(data.len(), 4 + 32 * 3 + 128);
}

#[test]
fn a_stranger_signature_is_refused_with_eip1271_rejected_and_a_revert_with_eip1271_reverted() {
    let zero = [0u8; 32];
    let (result, _) = through_chain(
        &wallet_signature(),
        &[0x60],
        &[],
        Some(CallOutcome::Returned(&zero)),
    );
    let r = result.unwrap_err();
    assert_eq!(
        (r.status, r.code, r.detail_code),
        (402, "invalid_exact_evm_signature", Some("eip1271_rejected"))
    );
    assert!(r.problem().message.is_some());
    let (result, _) = through_chain(
        &wallet_signature(),
        &[0x60],
        &[],
        Some(CallOutcome::Reverted),
    );
    let r = result.unwrap_err();
    assert_eq!(
        (r.status, r.code, r.detail_code),
        (402, "invalid_exact_evm_signature", Some("eip1271_reverted"))
    );
}

#[test]
fn an_eip7702_delegated_eoa_takes_the_eip1271_route() {
    let mut code = vec![0xef, 0x01, 0x00];
    code.extend_from_slice(&[0x22; 20]);
    let answer = magic();
    let (result, asked) = through_chain(
        &wallet_signature(),
        &code,
        &[],
        Some(CallOutcome::Returned(&answer)),
    );
    assert!(result.is_ok());
    assert_eq!(
        asked.unwrap().2,
        Route::Eip1271 {
            delegation: Some(Address([0x22; 20]))
        }
    );
}

#[test]
fn no_code_and_no_deployment_information_is_an_undeployed_smart_wallet() {
    let (result, asked) = through_chain(&wallet_signature(), &[], &[], None);
    let r = result.unwrap_err();
    assert_eq!(
        (r.status, r.code),
        (402, "invalid_exact_evm_payload_undeployed_smart_wallet")
    );
    assert!(asked.is_none());
}

#[test]
fn a_wrapped_eoa_signature_of_a_payer_without_code_is_recovered_offline() {
    // An ERC-6492 wrapper with the zero factory carries no deployment information: the inner
    // 65-byte signature is the spec example's EOA signature.
    let inner = pay402::hex::decode_array::<65>(EOA_SIGNATURE.as_bytes()).unwrap();
    let (result, asked) = through_chain(&erc6492([0; 20], &[], &inner), &[], &[], None);
    assert_eq!(result, Ok((addr(PAYER), 1_740_672_161, 61)));
    assert!(asked.is_none());
}

#[test]
fn an_undeployed_wallet_needs_its_factory_allow_listed() {
    let signature = erc6492(FACTORY, &[0xde, 0xad, 0xbe, 0xef], &wallet_signature());
    let (result, _) = through_chain(&signature, &[], &[], None);
    let r = result.unwrap_err();
    assert_eq!((r.status, r.code), (402, "eip6492_factory_not_allowed"));
}

/// Multicall3 `Result[]` of two calls: `[(first, 0x), (second, 0x)]`.
fn results(second: bool) -> Vec<u8> {
    let mut d = Vec::new();
    for w in [
        0x20,
        2,
        0x40,
        0xa0,
        1,
        0x40,
        0,
        usize::from(second),
        0x40,
        0,
    ] {
        d.extend_from_slice(&word(w));
    }
    d
}

#[test]
fn an_undeployed_wallet_is_admitted_when_the_multicall_simulation_transfers() {
    let signature = erc6492(FACTORY, &[0xde, 0xad, 0xbe, 0xef], &wallet_signature());
    let ok = results(true);
    let (result, asked) = through_chain(
        &signature,
        &[],
        &[Address(FACTORY)],
        Some(CallOutcome::Returned(&ok)),
    );
    assert_eq!(result, Ok((addr(PAYER), 1_740_672_161, 61)));
    let (to, data, route) = asked.unwrap();
    assert_eq!(
        (to, route),
        (
            addr(MULTICALL3),
            Route::Counterfactual {
                factory: Address(FACTORY)
            }
        )
    );
    assert_eq!(data[..4], TRY_AGGREGATE);
    let failed = results(false);
    let (result, _) = through_chain(
        &signature,
        &[],
        &[Address(FACTORY)],
        Some(CallOutcome::Returned(&failed)),
    );
    let r = result.unwrap_err();
    assert_eq!(
        (r.code, r.detail_code),
        (
            "invalid_exact_evm_signature",
            Some("erc6492_simulation_failed")
        )
    );
}

#[test]
fn an_unavailable_chain_is_a_503_that_is_never_an_admission() {
    let r = Refusal::CHAIN_UNAVAILABLE;
    assert_eq!(
        (r.status, r.code, r.detail_code),
        (503, "smart_wallet_check_unavailable", None)
    );
    assert!(r.to_string().contains("retry"));
}

#[test]
fn a_small_buffer_is_a_server_fault_to_grow_never_a_payer_error() {
    let offers = offers();
    let value = b64(&payment(&hex(&vec![0xab; 1000])));
    // Room for the JSON and the requirements, not for a 1000-byte signature besides them.
    let mut buf = vec![0u8; value.len() / 4 * 3 + 3 + 700];
    let r = admit_with_chain(
        &offers,
        "PAYMENT-SIGNATURE",
        value.as_bytes(),
        SPEC_NOW,
        &Verifier::EVM,
        &mut buf,
    )
    .unwrap_err();
    assert_eq!((r.status, r.code), (500, "buffer_too_small"));
}

/// The spec example's signature under another `from`: ECDSA recovers someone else, as a smart
/// wallet's owner signature does.
fn owner_signed_payment() -> String {
    payment(EOA_SIGNATURE).replace(PAYER, "0x1111111111111111111111111111111111111111")
}

#[test]
fn an_ecdsa_signature_of_another_key_is_decided_by_the_payers_code() {
    let offers = offers();
    let value = b64(&owner_signed_payment());
    let mut buf = [0u8; header::RECOMMENDED_BUFFER_LEN];
    let r = admit(
        &offers,
        "PAYMENT-SIGNATURE",
        value.as_bytes(),
        SPEC_NOW,
        &Verifier::EVM,
        &mut buf,
    )
    .unwrap_err();
    assert_eq!(
        (r.code, r.detail_code),
        (
            "invalid_exact_evm_signature",
            Some("signature_wrong_signer")
        )
    );
    let wallet = Address([0x11; 20]);
    // A contract at the payer: its EIP-1271 answer decides.
    let ChainAdmission::NeedsCode(need) = admit_with_chain(
        &offers,
        "PAYMENT-SIGNATURE",
        value.as_bytes(),
        SPEC_NOW,
        &Verifier::EVM,
        &mut buf,
    )
    .unwrap() else {
        panic!("the payer's code decides");
    };
    assert_eq!(need.payer(), wallet);
    let mut calldata = [0u8; 4096];
    let Ok(AfterPayerCode::NeedsCall(call)) = need.with_code(&[0x60], &[], &mut calldata) else {
        panic!("a contract answers through EIP-1271");
    };
    assert_eq!(
        (call.to(), &call.calldata()[..4]),
        (wallet, &ISVALIDSIGNATURE[..])
    );
    let answer = magic();
    assert!(
        call.with_call_result(CallOutcome::Returned(&answer))
            .is_ok()
    );
    // No code: the ECDSA verdict stands.
    let mut buf = [0u8; header::RECOMMENDED_BUFFER_LEN];
    let ChainAdmission::NeedsCode(need) = admit_with_chain(
        &offers,
        "PAYMENT-SIGNATURE",
        value.as_bytes(),
        SPEC_NOW,
        &Verifier::EVM,
        &mut buf,
    )
    .unwrap() else {
        panic!("the payer's code decides");
    };
    let r = need.with_code(&[], &[], &mut calldata).unwrap_err();
    assert_eq!(
        (r.status, r.code, r.detail_code),
        (
            402,
            "invalid_exact_evm_signature",
            Some("signature_wrong_signer")
        )
    );
}
