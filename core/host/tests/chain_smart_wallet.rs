//! Smart-wallet payers on a real chain: `verify_with_rpc` with a JSON-RPC [`EvmRpc`] over HTTP to
//! the Hardhat node of `tests/chain/run.sh`, against contracts deployed by
//! `tests/chain/smart-wallet.mjs` (an EIP-1271 wallet, its CREATE2 factory, an EIP-3009 token with
//! the `bytes` overload) and Multicall3 at its canonical address. The verdicts are the chain's:
//! the wallet's `isValidSignature` and the token's simulated transfer.
//!
//! Needs `PAY402_SMART_WALLET_DEPLOYMENT` (the `build/smart-wallet.json` the script writes); run
//! by `tests/chain/run.sh` as `cargo test -p pay402-host --test chain_smart_wallet -- --ignored`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::needless_pass_by_value, // test helpers
    clippy::format_push_string,
    clippy::unused_self
)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{SystemTime, UNIX_EPOCH};

use pay402::evm::{Address, Eip712Domain, PrivateKey, TransferWithAuthorization, keccak256};
use pay402::x402::smart_wallet::Route;
use pay402::x402::{PaymentPayload, PaymentRequirements, Verifier};
use pay402::{ErrorCode, U256};
use pay402_host::HostError;
use pay402_host::smart_wallet::{ChainVerified, EthCall, EvmRpc, verify_with_rpc};
use serde_json::{Value, json};

/// JSON-RPC over HTTP/1.0 on loopback (no chunked bodies), one request per connection.
struct HttpRpc {
    host_port: String,
}

impl HttpRpc {
    fn request(&self, method: &str, params: Value) -> Result<Value, HostError> {
        let body =
            json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
        let err = |e: std::io::Error| HostError::config("rpc_unavailable", e.to_string());
        let mut stream = TcpStream::connect(&self.host_port).map_err(err)?;
        write!(
            stream,
            "POST / HTTP/1.0\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
            self.host_port,
            body.len(),
            body
        )
        .map_err(err)?;
        let mut response = String::new();
        stream.read_to_string(&mut response).map_err(err)?;
        let (_, json_body) = response
            .split_once("\r\n\r\n")
            .ok_or_else(|| HostError::config("rpc_unavailable", "no HTTP body"))?;
        serde_json::from_str(json_body.trim())
            .map_err(|e| HostError::config("rpc_unavailable", e.to_string()))
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::from("0x");
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

fn unhex(text: &str) -> Vec<u8> {
    let digits = text.trim_start_matches("0x");
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap())
        .collect()
}

impl EvmRpc for HttpRpc {
    fn get_code(&self, address: &Address) -> Result<Vec<u8>, HostError> {
        let answer = self.request("eth_getCode", json!([address.to_string(), "latest"]))?;
        let code = answer["result"]
            .as_str()
            .ok_or_else(|| HostError::config("rpc_error", answer.to_string()))?;
        Ok(unhex(code))
    }

    fn call(&self, to: &Address, data: &[u8]) -> Result<EthCall, HostError> {
        let answer = self.request(
            "eth_call",
            json!([{"to": to.to_string(), "data": hex(data)}, "latest"]),
        )?;
        match (answer["result"].as_str(), answer.get("error")) {
            (Some(result), None) => Ok(EthCall::Returned(unhex(result))),
            // An execution error (revert) is an answer; anything else fails closed.
            (None, Some(e)) if e["message"].as_str().is_some_and(|m| m.contains("revert")) => {
                Ok(EthCall::Reverted)
            }
            _ => Err(HostError::config("rpc_error", answer.to_string())),
        }
    }
}

struct Chain {
    d: Value,
    rpc: HttpRpc,
}

fn chain() -> Chain {
    let path = std::env::var("PAY402_SMART_WALLET_DEPLOYMENT")
        .expect("PAY402_SMART_WALLET_DEPLOYMENT (run tests/chain/run.sh)");
    let d: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let url = d["rpc"].as_str().unwrap();
    let host_port = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    Chain {
        rpc: HttpRpc { host_port },
        d,
    }
}

fn addr(v: &Value) -> Address {
    Address::parse(v.as_str().unwrap().as_bytes()).unwrap()
}

const PAY_TO: &str = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"; // Hardhat #3

impl Chain {
    fn now(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    fn requirements(&self) -> String {
        json!({"scheme": "exact", "network": "eip155:31337", "amount": "10000",
            "asset": self.d["token"], "payTo": PAY_TO, "maxTimeoutSeconds": 60,
            "extra": {"name": self.d["name"], "version": self.d["version"]}})
        .to_string()
    }

    /// The authorization `from` signs, and its EIP-712 digest under the token's domain.
    fn authorization(&self, from: Address, nonce: u8) -> (TransferWithAuthorization, [u8; 32]) {
        let now = self.now();
        let authorization = TransferWithAuthorization {
            from,
            to: Address::parse(PAY_TO.as_bytes()).unwrap(),
            value: U256::from_u64(10_000),
            valid_after: U256::from_u64(now - 60),
            valid_before: U256::from_u64(now + 600),
            nonce: [nonce; 32],
        };
        let domain = Eip712Domain {
            name: self.d["name"].as_str(),
            version: self.d["version"].as_str(),
            chain_id: Some(31337),
            verifying_contract: Some(addr(&self.d["token"])),
        };
        let digest = authorization.digest(&domain);
        (authorization, digest)
    }

    fn verify(
        &self,
        authorization: &TransferWithAuthorization,
        signature: &[u8],
        factories: &[Address],
    ) -> Result<ChainVerified, HostError> {
        let requirements: Value = serde_json::from_str(&self.requirements()).unwrap();
        let payment = json!({"x402Version": 2, "accepted": requirements, "payload": {
            "signature": hex(signature),
            "authorization": {"from": authorization.from.to_string(), "to": authorization.to.to_string(),
                "value": "10000", "validAfter": authorization.valid_after.to_string(),
                "validBefore": authorization.valid_before.to_string(), "nonce": hex(&authorization.nonce)}}})
        .to_string();
        let requirements_json = self.requirements();
        let requirements = PaymentRequirements::from_json(requirements_json.as_bytes()).unwrap();
        let payment = PaymentPayload::from_json(payment.as_bytes()).unwrap();
        verify_with_rpc(
            &Verifier::default(),
            &requirements,
            &payment,
            self.now(),
            &self.rpc,
            factories,
        )
    }

    fn owner(&self) -> PrivateKey {
        PrivateKey::from_hex(self.d["ownerKey"].as_str().unwrap().as_bytes()).unwrap()
    }

    /// `abi.encode(factory, deploy(owner, salt) calldata, inner) ‖ 0x6492…6492` (EIP-6492).
    fn wrap(&self, inner: &[u8]) -> Vec<u8> {
        let word = |n: usize| {
            let mut w = [0u8; 32];
            w[24..].copy_from_slice(&(n as u64).to_be_bytes());
            w
        };
        let mut deploy = keccak256(b"deploy(address,bytes32)")[..4].to_vec();
        deploy.extend_from_slice(&[0u8; 12]);
        deploy.extend_from_slice(&addr(&self.d["owner"]).0);
        deploy.extend_from_slice(&unhex(self.d["counterfactualSalt"].as_str().unwrap()));
        let pad = |b: &[u8]| {
            let mut v = b.to_vec();
            v.resize(b.len().div_ceil(32) * 32, 0);
            v
        };
        let mut out = vec![0u8; 12];
        out.extend_from_slice(&addr(&self.d["factory"]).0);
        out.extend_from_slice(&word(0x60));
        out.extend_from_slice(&word(0x60 + 32 + pad(&deploy).len()));
        out.extend_from_slice(&word(deploy.len()));
        out.extend(pad(&deploy));
        out.extend_from_slice(&word(inner.len()));
        out.extend(pad(inner));
        for _ in 0..16 {
            out.extend_from_slice(&[0x64, 0x92]);
        }
        out
    }
}

#[test]
#[ignore = "needs the Hardhat node and contracts of tests/chain/run.sh"]
fn deployed_eip1271_wallet_verifies_and_a_wrong_signature_is_refused() {
    let c = chain();
    let wallet = addr(&c.d["wallet"]);
    assert!(!c.rpc.get_code(&wallet).unwrap().is_empty());
    let (authorization, digest) = c.authorization(wallet, 1);

    // The owner's ECDSA signature, which the wallet's isValidSignature accepts.
    let signature = c.owner().sign_prehash(&digest);
    let ok = c.verify(&authorization, &signature, &[]).unwrap();
    assert_eq!(ok.route, Some(Route::Eip1271 { delegation: None }));
    assert_eq!(ok.verified.payer, wallet);

    // Signed by another key: the wallet answers 0xffffffff.
    let stranger = PrivateKey::from_bytes(&[0x42; 32]).unwrap();
    let e = c
        .verify(&authorization, &stranger.sign_prehash(&digest), &[])
        .unwrap_err();
    assert_eq!(e.code, "invalid_exact_evm_signature");
    assert_eq!(e.detail_code, Some("eip1271_rejected"));

    // The owner's signature over another digest: refused.
    let (other, _) = c.authorization(wallet, 2);
    let e = c.verify(&other, &signature, &[]).unwrap_err();
    assert_eq!(e.detail_code, Some("eip1271_rejected"));
}

#[test]
#[ignore = "needs the Hardhat node and contracts of tests/chain/run.sh"]
fn counterfactual_wallet_verifies_through_multicall3_with_an_allowed_factory() {
    let c = chain();
    // The simulation runs at the latest block's timestamp, which must be past `validAfter`: mine
    // a block now (an idle Hardhat node's latest block can be minutes old).
    c.rpc.request("evm_mine", json!([])).unwrap();
    let wallet = addr(&c.d["counterfactual"]);
    let factory = addr(&c.d["factory"]);
    assert!(c.rpc.get_code(&wallet).unwrap().is_empty());
    let (authorization, digest) = c.authorization(wallet, 3);
    let wrapped = c.wrap(&c.owner().sign_prehash(&digest));

    // Default deny.
    let e = c.verify(&authorization, &wrapped, &[]).unwrap_err();
    assert_eq!(e.code, "eip6492_factory_not_allowed");
    let e = c
        .verify(&authorization, &wrapped, &[Address([0x11; 20])])
        .unwrap_err();
    assert_eq!(e.code, "eip6492_factory_not_allowed");

    let ok = c.verify(&authorization, &wrapped, &[factory]).unwrap();
    assert_eq!(ok.route, Some(Route::Counterfactual { factory }));
    // The simulation left no trace: still undeployed.
    assert!(c.rpc.get_code(&wallet).unwrap().is_empty());

    // A stranger's signature in the wrapper: the simulated transfer fails.
    let stranger = PrivateKey::from_bytes(&[0x42; 32]).unwrap();
    let bad = c.wrap(&stranger.sign_prehash(&digest));
    let e = c.verify(&authorization, &bad, &[factory]).unwrap_err();
    assert_eq!(e.code, "invalid_exact_evm_signature");
    assert_eq!(e.detail_code, Some("erc6492_simulation_failed"));

    // Offline strict verification refuses it, saying why.
    let requirements_json = c.requirements();
    let requirements = PaymentRequirements::from_json(requirements_json.as_bytes()).unwrap();
    let payment = json!({"x402Version": 2, "accepted": serde_json::from_str::<Value>(&requirements_json).unwrap(),
        "payload": {"signature": hex(&wrapped), "authorization": {"from": wallet.to_string(),
        "to": PAY_TO, "value": "10000", "validAfter": authorization.valid_after.to_string(),
        "validBefore": authorization.valid_before.to_string(), "nonce": hex(&authorization.nonce)}}})
    .to_string();
    let payment = PaymentPayload::from_json(payment.as_bytes()).unwrap();
    let e = Verifier::default()
        .verify(&requirements, &payment, c.now())
        .unwrap_err();
    assert_eq!(e.detail_code(), Some("smart_wallet_needs_rpc"));
}

#[test]
#[ignore = "needs the Hardhat node and contracts of tests/chain/run.sh"]
fn eip7702_delegated_eoa_takes_the_1271_route_without_ecdsa_fallback() {
    let c = chain();
    // An EOA with a known key, delegated (EIP-7702 designator `0xef0100 ‖ delegate`, set with
    // hardhat_setCode) to the deployed OwnerWallet, whose isValidSignature accepts only its owner.
    let key = PrivateKey::from_bytes(&[0x43; 32]).unwrap();
    let eoa = key.address();
    let delegate = addr(&c.d["wallet"]);
    let designator = format!("0xef0100{}", &hex(&delegate.0)[2..]);
    let answer = c
        .rpc
        .request("hardhat_setCode", json!([eoa.to_string(), designator]))
        .unwrap();
    assert!(answer.get("error").is_none(), "{answer}");
    assert_eq!(c.rpc.get_code(&eoa).unwrap().len(), 23);
    let (authorization, digest) = c.authorization(eoa, 4);

    // The EOA's own valid ECDSA signature: the delegate refuses it, and so does verification.
    let own = key.sign_prehash(&digest);
    let e = c.verify(&authorization, &own, &[]).unwrap_err();
    assert_eq!(e.code, "invalid_exact_evm_signature");
    assert_eq!(e.detail_code, Some("eip1271_rejected"));

    // The delegate's owner's signature: accepted through the delegate, reported as EIP-7702.
    let ok = c
        .verify(&authorization, &c.owner().sign_prehash(&digest), &[])
        .unwrap();
    assert_eq!(
        ok.route,
        Some(Route::Eip1271 {
            delegation: Some(delegate)
        })
    );
}
