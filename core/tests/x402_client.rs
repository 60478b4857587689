//! Behaviour of the x402 client: selection, the wallet path, and sign → verify round trips.
//! Byte-exact agreement with viem is checked by the vectors (`tests/conformance/vectors/x402-sign.viem.json`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests fail loudly on purpose"
)]

use pay402::ErrorCode;
use pay402::evm::signature::SECP256K1_N;
use pay402::evm::{Address, PrivateKey};
use pay402::u256::U256;
use pay402::x402::client::*;
use pay402::x402::{Network, PaymentPayload, PaymentRequired, Verifier, X402Version, header};

const SEP_USDC: &str = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const BASE_USDC: &str = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913";
const NOW: u64 = 1_740_672_100;
const NONCE: [u8; 32] = [0xab; 32];

/// The v2 offer of the x402 v2 HTTP transport's example, with the given network, amount, asset and
/// `extra`.
fn v2_entry(network: &str, amount: &str, asset: &str, extra: &str) -> String {
    format!(
        r#"{{"scheme":"exact","network":"{network}","amount":"{amount}","asset":"{asset}","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{extra}}}"#
    )
}

fn v2(entries: &[String]) -> String {
    format!(
        r#"{{"x402Version":2,"resource":{{"url":"https://api.example.com/premium-data","description":"Access to premium market data","mimeType":"application/json"}},"accepts":[{}],"extensions":{{"bazaar":{{"info":{{"a":1}}}}}}}}"#,
        entries.join(",")
    )
}

const USDC_DOMAIN: &str = r#"{"name":"USDC","version":"2"}"#;

fn v1_body(network: &str, amount: &str) -> String {
    format!(
        r#"{{"x402Version":1,"error":"X-PAYMENT header is required","accepts":[{{"scheme":"exact","network":"{network}","maxAmountRequired":"{amount}","asset":"{SEP_USDC}","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","resource":"https://api.example.com/premium-data","description":"Access to premium market data","mimeType":"application/json","outputSchema":null,"maxTimeoutSeconds":60,"extra":{{"name":"USDC","version":"2"}}}}]}}"#
    )
}

fn addr(s: &str) -> Address {
    Address::parse(s.as_bytes()).unwrap()
}

fn key() -> PrivateKey {
    PrivateKey::from_bytes(&[0x11; 32]).unwrap()
}

fn sepolia() -> [Network; 1] {
    [Network::Eip155 { chain_id: 84532 }]
}

fn select_in(
    body: &str,
    networks: &[Network],
    assets: &[Address],
    max: u64,
) -> Result<usize, ClientError> {
    let required = PaymentRequired::from_json(body.as_bytes()).unwrap();
    select(
        &required,
        &PayerPolicy::new(networks, assets, U256::from_u64(max)),
    )
    .map(|s| s.index)
}

#[test]
fn selects_the_first_acceptable_entry_in_offer_order() {
    let body = v2(&[
        v2_entry("eip155:8453", "1", BASE_USDC, USDC_DOMAIN),
        v2_entry("eip155:84532", "7", SEP_USDC, USDC_DOMAIN),
        v2_entry("eip155:84532", "1", SEP_USDC, USDC_DOMAIN),
    ]);
    assert_eq!(select_in(&body, &sepolia(), &[addr(SEP_USDC)], 10), Ok(1));
}

#[test]
fn never_selects_more_than_the_budget() {
    let body = v2(&[v2_entry("eip155:84532", "10001", SEP_USDC, USDC_DOMAIN)]);
    let e = select_in(&body, &sepolia(), &[addr(SEP_USDC)], 10_000).unwrap_err();
    assert_eq!(e.code(), "amount_exceeds_budget");
    assert_eq!(
        e,
        ClientError::AmountExceedsBudget {
            cheapest: U256::from_u64(10_001),
            budget: U256::from_u64(10_000)
        }
    );
    assert_eq!(
        select_in(&body, &sepolia(), &[addr(SEP_USDC)], 10_001),
        Ok(0)
    );
}

#[test]
fn reports_the_budget_only_when_everything_else_matched() {
    let body = v2(&[v2_entry("eip155:8453", "99", BASE_USDC, USDC_DOMAIN)]);
    let e = select_in(&body, &sepolia(), &[addr(BASE_USDC)], 10).unwrap_err();
    assert_eq!(e.code(), "no_acceptable_requirements");
}

#[test]
fn skips_unknown_networks() {
    let body = v2(&[
        v2_entry("eip155:999999", "1", SEP_USDC, USDC_DOMAIN),
        v2_entry(
            "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp",
            "1",
            SEP_USDC,
            USDC_DOMAIN,
        ),
    ]);
    let any = [Network::Eip155 { chain_id: 84532 }];
    assert_eq!(
        select_in(&body, &any, &[addr(SEP_USDC)], 10)
            .unwrap_err()
            .code(),
        "no_acceptable_requirements"
    );
}

#[test]
fn skips_permit2_entries_unless_allowed() {
    let permit2 = r#"{"name":"USDC","version":"2","assetTransferMethod":"permit2"}"#;
    let body = v2(&[
        v2_entry("eip155:84532", "1", SEP_USDC, permit2),
        v2_entry("eip155:84532", "2", SEP_USDC, USDC_DOMAIN),
    ]);
    let required = PaymentRequired::from_json(body.as_bytes()).unwrap();
    let (networks, assets) = (sepolia(), [addr(SEP_USDC)]);
    let mut policy = PayerPolicy::new(&networks, &assets, U256::from_u64(10));
    let chosen = select(&required, &policy).unwrap();
    assert_eq!(
        (chosen.index, chosen.method),
        (1, AssetTransferMethod::Eip3009)
    );
    policy.allow_permit2 = true;
    let chosen = select(&required, &policy).unwrap();
    assert_eq!(
        (chosen.index, chosen.method),
        (0, AssetTransferMethod::Permit2)
    );
    // Signing it directly is the Permit2 module's job.
    let e = PaymentDraft::new(&required, 0, key().address(), NOW, &NONCE).unwrap_err();
    assert_eq!(e.code(), "permit2_not_supported");
}

#[test]
fn selects_v1_entries_by_resolved_chain_id() {
    let body = v1_body("base-sepolia", "10000");
    assert_eq!(
        select_in(&body, &sepolia(), &[addr(SEP_USDC)], 10_000),
        Ok(0)
    );
    assert_eq!(
        select_in(&body, &sepolia(), &[addr(SEP_USDC)], 9_999)
            .unwrap_err()
            .code(),
        "amount_exceeds_budget"
    );
    let unknown = v1_body("base-goerli", "1");
    assert_eq!(
        select_in(&unknown, &sepolia(), &[addr(SEP_USDC)], 10)
            .unwrap_err()
            .code(),
        "no_acceptable_requirements"
    );
}

#[test]
fn builds_the_reference_time_window() {
    let body = v1_body("base-sepolia", "10000");
    let required = PaymentRequired::from_json(body.as_bytes()).unwrap();
    let draft = PaymentDraft::new(&required, 0, key().address(), NOW, &NONCE).unwrap();
    let a = draft.authorization();
    assert_eq!(a.valid_after, U256::from_u64(NOW - 600));
    assert_eq!(a.valid_before, U256::from_u64(NOW + 60));
    assert_eq!(a.value, U256::from_u64(10_000));
    assert_eq!(a.to, addr("0x209693Bc6afc0C5328bA36FaF03C514EF312287C"));
    assert_eq!(a.nonce, NONCE);
    assert_eq!(draft.chain_id(), 84532);
    // Early clocks saturate at zero instead of wrapping.
    let early = PaymentDraft::new(&required, 0, key().address(), 599, &NONCE).unwrap();
    assert_eq!(early.authorization().valid_after, U256::ZERO);
}

/// Signs `body` with the test key and verifies the header against `accepts[index]` as a
/// facilitator would.
fn sign_and_verify(body: &str, index: usize, requirements: &str) {
    let required = PaymentRequired::from_json(body.as_bytes()).unwrap();
    let mut scratch = [0u8; header::RECOMMENDED_BUFFER_LEN];
    let mut out = [0u8; header::RECOMMENDED_BUFFER_LEN];
    let value = sign_payment(
        &required,
        index,
        &key(),
        NOW,
        &NONCE,
        &mut scratch,
        &mut out,
    )
    .unwrap();
    let mut buf = [0u8; header::RECOMMENDED_BUFFER_LEN];
    let verified = Verifier::EVM
        .verify_header(requirements.as_bytes(), value.as_bytes(), &mut buf, NOW)
        .unwrap()
        .evm()
        .unwrap();
    assert_eq!(verified.payer, key().address());
    assert_eq!(verified.nonce, NONCE);
}

#[test]
fn v1_header_round_trips_through_the_verifier() {
    let body = v1_body("base-sepolia", "10000");
    let value = PaymentRequired::from_json(body.as_bytes()).unwrap();
    let PaymentRequired::V1(p) = &value else {
        panic!("v1")
    };
    let mut req = [0u8; 1024];
    let n = pay402::writer::write_all(&mut req, |w| p.accepts[0].write_json(w)).unwrap();
    sign_and_verify(&body, 0, core::str::from_utf8(&req[..n]).unwrap());
}

#[test]
fn v2_header_round_trips_and_echoes_the_offer() {
    let entries = [
        v2_entry(
            "eip155:8453",
            "5",
            BASE_USDC,
            r#"{"name":"USD Coin","version":"2"}"#,
        ),
        v2_entry(
            "eip155:84532",
            "10000",
            SEP_USDC,
            r#"{ "version" : "2", "name":"US\u0044C", "n":[1.5e3] }"#,
        ),
    ];
    let body = v2(&entries);
    sign_and_verify(&body, 1, &entries[1]);
    sign_and_verify(&body, 0, &entries[0]);
    // accepted, resource and extensions are the 402's, minified.
    let required = PaymentRequired::from_json(body.as_bytes()).unwrap();
    let signed = PaymentDraft::new(&required, 1, key().address(), NOW, &NONCE)
        .unwrap()
        .sign(&key())
        .unwrap();
    let mut json = [0u8; 4096];
    let n = pay402::writer::write_all(&mut json, |w| signed.write_json(w)).unwrap();
    let text = core::str::from_utf8(&json[..n]).unwrap();
    assert!(text.starts_with(r#"{"x402Version":2,"resource":{"url":"https://api.example.com/premium-data","description":"Access to premium market data","mimeType":"application/json"},"accepted":{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"version":"2","name":"USDC","n":[1.5e3]}},"payload":{"signature":"0x"#), "{text}");
    assert!(
        text.ends_with(r#""}},"extensions":{"bazaar":{"info":{"a":1}}}}"#),
        "{text}"
    );
    assert!(text.contains(r#""authorization":{"from":"0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A","to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","value":"10000","validAfter":"1740671500","validBefore":"1740672160","nonce":"0xabababababababababababababababababababababababababababababababab"}"#), "{text}");
    let decoded = PaymentPayload::from_json(&json[..n]).unwrap();
    assert_eq!(decoded.version(), X402Version::V2);
    assert_eq!(signed.header_name(), "PAYMENT-SIGNATURE");
}

#[test]
fn refuses_a_key_that_is_not_the_payer() {
    let body = v1_body("base-sepolia", "1");
    let required = PaymentRequired::from_json(body.as_bytes()).unwrap();
    let draft = PaymentDraft::new(&required, 0, addr(SEP_USDC), NOW, &NONCE).unwrap();
    assert_eq!(
        draft.sign(&key()).unwrap_err().code(),
        "signature_wrong_signer"
    );
}

fn draft_and_signature(body: &str) -> ([u8; 65], String) {
    let required = PaymentRequired::from_json(body.as_bytes()).unwrap();
    let draft = PaymentDraft::new(&required, 0, key().address(), NOW, &NONCE).unwrap();
    (key().sign_prehash(&draft.digest()), body.to_owned())
}

fn wallet(body: &str, signature: &[u8]) -> Result<[u8; 65], ClientError> {
    let required = PaymentRequired::from_json(body.as_bytes()).unwrap();
    let draft = PaymentDraft::new(&required, 0, key().address(), NOW, &NONCE).unwrap();
    draft
        .with_wallet_signature(signature)
        .map(|s| s.signature())
}

#[test]
fn normalizes_wallet_v_0_and_1_to_27_and_28() {
    let (signature, body) = draft_and_signature(&v1_body("base-sepolia", "10000"));
    let mut zero_one = signature;
    zero_one[64] -= 27;
    assert_eq!(wallet(&body, &zero_one), Ok(signature));
    assert_eq!(wallet(&body, &signature), Ok(signature));
}

#[test]
fn rejects_a_high_s_wallet_signature() {
    let (signature, body) = draft_and_signature(&v1_body("base-sepolia", "10000"));
    // The twin (r, n − s, flipped v) recovers the same key but USDC reverts on it.
    let n_minus_s = U256::from_be_bytes(SECP256K1_N)
        .checked_sub(U256::from_be_bytes(signature[32..64].try_into().unwrap()))
        .unwrap();
    let mut twin = signature;
    twin[32..64].copy_from_slice(&n_minus_s.to_be_bytes());
    twin[64] = if signature[64] == 27 { 28 } else { 27 };
    assert_eq!(wallet(&body, &twin).unwrap_err().code(), "signature_high_s");
}

#[test]
fn rejects_wallet_signatures_of_other_lengths_and_v() {
    let (signature, body) = draft_and_signature(&v1_body("base-sepolia", "10000"));
    assert_eq!(
        wallet(&body, &signature[..64]).unwrap_err().code(),
        "signature_length"
    );
    assert_eq!(wallet(&body, &[]).unwrap_err().code(), "signature_length");
    let mut long = [0u8; 66];
    long[..65].copy_from_slice(&signature);
    assert_eq!(wallet(&body, &long).unwrap_err().code(), "signature_length");
    let mut v = signature;
    v[64] = 2;
    assert_eq!(wallet(&body, &v).unwrap_err().code(), "signature_v");
}

#[test]
fn rejects_a_wallet_signature_by_another_key() {
    let body = v1_body("base-sepolia", "10000");
    let required = PaymentRequired::from_json(body.as_bytes()).unwrap();
    let draft = PaymentDraft::new(&required, 0, key().address(), NOW, &NONCE).unwrap();
    let other = PrivateKey::from_bytes(&[0x22; 32]).unwrap();
    let e = draft
        .with_wallet_signature(&other.sign_prehash(&draft.digest()))
        .unwrap_err();
    assert_eq!(
        e,
        ClientError::WrongSigner {
            expected: key().address(),
            found: other.address()
        }
    );
}

#[test]
fn accepts_wallet_hex_with_or_without_prefix() {
    let (signature, body) = draft_and_signature(&v1_body("base-sepolia", "10000"));
    let required = PaymentRequired::from_json(body.as_bytes()).unwrap();
    let draft = PaymentDraft::new(&required, 0, key().address(), NOW, &NONCE).unwrap();
    let mut hex = [0u8; 132];
    hex[..2].copy_from_slice(b"0x");
    pay402::hex::encode_lower_into(&signature, &mut hex[2..]).unwrap();
    assert_eq!(
        draft.with_wallet_signature_hex(&hex).unwrap().signature(),
        signature
    );
    assert_eq!(
        draft
            .with_wallet_signature_hex(&hex[2..])
            .unwrap()
            .signature(),
        signature
    );
    assert_eq!(
        draft
            .with_wallet_signature_hex(&hex[..130])
            .unwrap_err()
            .code(),
        "signature_length"
    );
    hex[5] = b'g';
    assert_eq!(
        draft.with_wallet_signature_hex(&hex).unwrap_err().code(),
        "signature_invalid"
    );
}

#[test]
fn typed_data_is_the_eth_sign_typed_data_v4_shape() {
    let body = v1_body("base-sepolia", "10000");
    let required = PaymentRequired::from_json(body.as_bytes()).unwrap();
    let draft = PaymentDraft::new(&required, 0, key().address(), NOW, &NONCE).unwrap();
    let mut buf = [0u8; 2048];
    let n = pay402::writer::write_all(&mut buf, |w| draft.write_typed_data(w)).unwrap();
    let expected = concat!(
        r#"{"types":{"EIP712Domain":[{"name":"name","type":"string"},{"name":"version","type":"string"},{"name":"chainId","type":"uint256"},{"name":"verifyingContract","type":"address"}],"#,
        r#""TransferWithAuthorization":[{"name":"from","type":"address"},{"name":"to","type":"address"},{"name":"value","type":"uint256"},{"name":"validAfter","type":"uint256"},{"name":"validBefore","type":"uint256"},{"name":"nonce","type":"bytes32"}]},"#,
        r#""primaryType":"TransferWithAuthorization","domain":{"name":"USDC","version":"2","chainId":84532,"verifyingContract":"0x036cbd53842c5426634e7929541ec2318f3dcf7e"},"#,
        r#""message":{"from":"0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a","to":"0x209693bc6afc0c5328ba36faf03c514ef312287c","value":"10000","validAfter":"1740671500","validBefore":"1740672160","nonce":"0xabababababababababababababababababababababababababababababababab"}}"#
    );
    assert_eq!(core::str::from_utf8(&buf[..n]).unwrap(), expected);
    // A buffer one byte short fails and is left zeroed.
    let mut short = [0u8; 2048];
    assert!(pay402::writer::write_all(&mut short[..n - 1], |w| draft.write_typed_data(w)).is_err());
    assert!(short.iter().all(|&b| b == 0));
}

#[test]
fn header_that_does_not_fit_leaves_nothing_behind() {
    let body = v1_body("base-sepolia", "10000");
    let required = PaymentRequired::from_json(body.as_bytes()).unwrap();
    let mut scratch = [0u8; 100];
    let mut out = [0u8; 4096];
    let e = sign_payment(&required, 0, &key(), NOW, &NONCE, &mut scratch, &mut out).unwrap_err();
    assert_eq!(e.code(), "buffer_too_small");
    assert!(scratch.iter().chain(out.iter()).all(|&b| b == 0));
    let mut scratch = [0u8; 4096];
    let mut out = [0u8; 100];
    assert!(sign_payment(&required, 0, &key(), NOW, &NONCE, &mut scratch, &mut out).is_err());
    assert!(out.iter().all(|&b| b == 0));
}

#[test]
fn reads_payment_response_before_x_payment_response() {
    // The receipts of the x402 spec's header examples: v2 success, v1 failure.
    let v2 = "eyJzdWNjZXNzIjp0cnVlLCJ0cmFuc2FjdGlvbiI6IjB4MTIzNDU2Nzg5MGFiY2RlZjEyMzQ1Njc4OTBhYmNkZWYxMjM0NTY3ODkwYWJjZGVmMTIzNDU2Nzg5MGFiY2RlZiIsIm5ldHdvcmsiOiJlaXAxNTU6ODQ1MzIiLCJwYXllciI6IjB4ODU3YjA2NTE5RTkxZTNBNTQ1Mzg3OTFiRGJiMEUyMjM3M2UzNmI2NiJ9";
    let v1 = "eyJzdWNjZXNzIjpmYWxzZSwiZXJyb3JSZWFzb24iOiJpbnN1ZmZpY2llbnRfZnVuZHMiLCJ0cmFuc2FjdGlvbiI6IiIsIm5ldHdvcmsiOiJiYXNlLXNlcG9saWEiLCJwYXllciI6IjB4ODU3YjA2NTE5RTkxZTNBNTQ1Mzg3OTFiRGJiMEUyMjM3M2UzNmI2NiJ9";
    let mut buf = [0u8; 1024];
    let both = [("X-Payment-Response", v1), ("payment-response", v2)];
    let receipt = read_settle_response(&both, &mut buf).unwrap().unwrap();
    assert!(receipt.success);
    assert!(receipt.network.eq_str("eip155:84532"));
    let mut buf = [0u8; 1024];
    let receipt = read_settle_response(&both[..1], &mut buf).unwrap().unwrap();
    assert!(!receipt.success);
    let mut buf = [0u8; 1024];
    assert!(
        read_settle_response::<&str, &str>(&[], &mut buf)
            .unwrap()
            .is_none()
    );
}
