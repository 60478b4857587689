//! A smart-wallet payer admitted by the resource server through an RPC
//! ([`X402Server::admit_with_rpc`]). The RPC is in memory and answers with the spec constants:
//! EIP-1271's magic value `0x1626ba7e` (<https://eips.ethereum.org/EIPS/eip-1271>); real
//! wallets answer on the Hardhat node in tests/chain.

#![allow(clippy::unwrap_used)] // a specification: a failed unwrap is a failed test

use base64::Engine;
use core::cell::RefCell;
use pay402::evm::Address;
use pay402_host::HostError;
use pay402_host::smart_wallet::{EthCall, EvmRpc};
use pay402_host::x402_server::{OfferConfig, ResourceConfig, X402Server};

const NOW: u64 = 1_740_672_100;
const PAYER: &str = "0x857b06519E91e3A54538791bDbb0E22373e36b66";

fn server() -> X402Server {
    X402Server::new(
        vec![OfferConfig {
            scheme: "exact".into(),
            network: "eip155:84532".into(),
            asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e".into(),
            amount: "10000".into(),
            pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C".into(),
            max_timeout_seconds: Some(60),
            eip712_name: Some("USDC".into()),
            eip712_version: Some("2".into()),
            ..OfferConfig::default()
        }],
        ResourceConfig {
            url: "https://api.example.com/data".into(),
            ..ResourceConfig::default()
        },
    )
    .unwrap()
}

/// The x402 v2 specification's EIP-3009 example with a 100-byte wallet signature.
fn header() -> String {
    let signature = "ab".repeat(100);
    let json = format!(
        r#"{{"x402Version":2,"accepted":{{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{{"name":"USDC","version":"2"}}}},"payload":{{"signature":"0x{signature}","authorization":{{"from":"{PAYER}","to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","value":"10000","validAfter":"1740672089","validBefore":"1740672154","nonce":"0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480"}}}}}}"#
    );
    base64::engine::general_purpose::STANDARD.encode(json)
}

struct Rpc {
    code: Result<Vec<u8>, HostError>,
    answer: Result<EthCall, HostError>,
    calls: RefCell<Vec<(Address, Vec<u8>)>>,
}

impl EvmRpc for Rpc {
    fn get_code(&self, _: &Address) -> Result<Vec<u8>, HostError> {
        self.code.clone()
    }
    fn call(&self, to: &Address, data: &[u8]) -> Result<EthCall, HostError> {
        self.calls.borrow_mut().push((*to, data.to_vec()));
        self.answer.clone()
    }
}

fn rpc(code: Result<Vec<u8>, HostError>, answer: Result<EthCall, HostError>) -> Rpc {
    Rpc {
        code,
        answer,
        calls: RefCell::new(Vec::new()),
    }
}

fn magic() -> Vec<u8> {
    let mut w = vec![0u8; 32];
    w[..4].copy_from_slice(&[0x16, 0x26, 0xba, 0x7e]);
    w
}

#[test]
fn a_wallet_whose_is_valid_signature_says_yes_is_admitted() {
    let value = header();
    let rpc = rpc(Ok(vec![0x60, 0x80]), Ok(EthCall::Returned(magic())));
    let admitted = server()
        .admit_with_rpc([("PAYMENT-SIGNATURE", value.as_str())], NOW, &rpc, &[])
        .unwrap();
    assert_eq!(admitted.payer, PAYER);
    assert_eq!((admitted.amount.as_str(), admitted.ttl), ("10000", 61));
    let calls = rpc.calls.borrow();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].0.to_string(), PAYER);
    assert_eq!(calls[0].1[..4], [0x16, 0x26, 0xba, 0x7e]);
}

#[test]
fn offline_admission_refuses_the_same_payment_saying_it_needs_rpc() {
    let value = header();
    let reply = server()
        .admit([("PAYMENT-SIGNATURE", value.as_str())], NOW)
        .unwrap_err();
    assert_eq!(
        (reply.status, reply.code, reply.detail_code),
        (
            402,
            "invalid_exact_evm_signature",
            Some("smart_wallet_needs_rpc")
        )
    );
}

#[test]
fn a_stranger_signature_is_a_402_eip1271_rejected_with_the_challenge() {
    let value = header();
    let rpc = rpc(Ok(vec![0x60]), Ok(EthCall::Returned(vec![0u8; 32])));
    let reply = server()
        .admit_with_rpc([("PAYMENT-SIGNATURE", value.as_str())], NOW, &rpc, &[])
        .unwrap_err();
    assert_eq!(
        (reply.status, reply.code, reply.detail_code),
        (402, "invalid_exact_evm_signature", Some("eip1271_rejected"))
    );
    assert_eq!(reply.headers[0].0, "PAYMENT-REQUIRED");
}

#[test]
fn a_failed_read_is_never_an_admission() {
    let value = header();
    let down = || HostError::config("rpc_unavailable", "connection refused");
    for rpc in [
        rpc(Err(down()), Ok(EthCall::Returned(magic()))),
        rpc(Ok(vec![0x60]), Err(down())),
    ] {
        let reply = server()
            .admit_with_rpc([("PAYMENT-SIGNATURE", value.as_str())], NOW, &rpc, &[])
            .unwrap_err();
        assert_eq!(
            (reply.status, reply.code),
            (503, "smart_wallet_check_unavailable")
        );
    }
}
