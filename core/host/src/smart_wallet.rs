//! Smart-wallet payers with an RPC: the driver of the core's sans-I/O
//! [`pay402::x402::smart_wallet`] steps. A binding implements [`EvmRpc`] (two JSON-RPC methods,
//! `eth_getCode` and `eth_call`) and calls [`verify_with_rpc`]; every decision is the core's.

use pay402::evm::Address;
use pay402::x402::smart_wallet::{AfterCode, CallOutcome, Route, SignatureCheck};
use pay402::x402::{PaymentPayload, PaymentRequirements, Verified, Verifier};

use crate::HostError;

/// What an `eth_call` gave: return data, or a revert (an execution error of the call itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EthCall {
    /// The call succeeded with this return data.
    Returned(Vec<u8>),
    /// The call reverted.
    Reverted,
}

/// The two chain reads smart-wallet verification needs, at the latest block. A transport or
/// node failure is an `Err` (never an empty code or a revert): verification then fails closed
/// with that error.
pub trait EvmRpc {
    /// `eth_getCode(address, "latest")`: the code, empty for `0x`.
    fn get_code(&self, address: &Address) -> Result<Vec<u8>, HostError>;
    /// `eth_call({to, data}, "latest")`.
    fn call(&self, to: &Address, data: &[u8]) -> Result<EthCall, HostError>;
}

/// A payment whose signature was checked on chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainVerified {
    /// The verified payment.
    pub verified: Verified,
    /// `None` for an EOA (no code, ECDSA recovery), else the on-chain route taken.
    pub route: Option<Route>,
}

/// Longest signature decoded (the core's `MAX_SIGNATURE_LEN`).
const SIGNATURE_CAP: usize = pay402::x402::scheme::exact_eip3009::payload::MAX_SIGNATURE_LEN;

/// Verifies `payment` against `requirements` at `now` like [`Verifier::verify`], with the
/// signature checked the way its payer's code requires (EOA, EIP-1271, EIP-7702, or an
/// undeployed ERC-6492 wallet whose factory is in `allowed_factories`; empty denies them all).
pub fn verify_with_rpc(
    verifier: &Verifier<'_>,
    requirements: &PaymentRequirements<'_>,
    payment: &PaymentPayload<'_>,
    now: u64,
    rpc: &dyn EvmRpc,
    allowed_factories: &[Address],
) -> Result<ChainVerified, HostError> {
    let mut signature = vec![0u8; SIGNATURE_CAP];
    let check = SignatureCheck::begin(verifier, requirements, payment, now, &mut signature)
        .map_err(|e| HostError::of(&e))?;
    let code = rpc.get_code(&check.payer())?;
    // The calldata is the signature plus at most a few hundred bytes of ABI framing.
    let mut calldata = vec![0u8; 2 * SIGNATURE_CAP + 1024];
    let call = match check
        .with_code(&code, allowed_factories, &mut calldata)
        .map_err(|e| HostError::of(&e))?
    {
        AfterCode::Verified(eoa) => {
            return Ok(ChainVerified {
                verified: eoa,
                route: None,
            });
        }
        AfterCode::NeedsCall(call) => call,
    };
    let route = call.route;
    let answer = rpc.call(&call.to, call.calldata)?;
    let outcome = match &answer {
        EthCall::Returned(data) => CallOutcome::Returned(data),
        EthCall::Reverted => CallOutcome::Reverted,
    };
    let payment_ok = call
        .with_call_result(outcome)
        .map_err(|e| HostError::of(&e))?;
    Ok(ChainVerified {
        verified: payment_ok,
        route: Some(route),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    //! Pure-logic tests: an in-memory RPC answering with canned bytes built from the spec
    //! constants (EIP-1271's magic value, Multicall3's `Result[]` encoding). Real contract
    //! behaviour is tested on a chain (tests/chain).
    use super::*;
    use core::cell::RefCell;
    use core::fmt::Write as _;
    use pay402::ErrorCode;
    use pay402::x402::smart_wallet::{MULTICALL3_ADDRESS, TRY_AGGREGATE_SELECTOR};

    const REQUIREMENTS: &[u8] = br#"{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}"#;
    /// The x402 v2 specification's EIP-3009 example signature (an EOA's).
    const EOA_SIGNATURE: &str = "2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c";
    const NOW: u64 = 1_740_672_100;

    fn payment_json(signature_hex: &str) -> String {
        format!(
            r#"{{"x402Version":2,"accepted":{{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{{"name":"USDC","version":"2"}}}},"payload":{{"signature":"0x{signature_hex}","authorization":{{"from":"0x857b06519E91e3A54538791bDbb0E22373e36b66","to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","value":"10000","validAfter":"1740672089","validBefore":"1740672154","nonce":"0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480"}}}}}}"#
        )
    }

    struct FakeRpc {
        code: Result<Vec<u8>, HostError>,
        answer: EthCall,
        calls: RefCell<Vec<(Address, Vec<u8>)>>,
    }

    impl FakeRpc {
        fn new(code: Vec<u8>, answer: EthCall) -> Self {
            Self {
                code: Ok(code),
                answer,
                calls: RefCell::new(Vec::new()),
            }
        }
    }

    impl EvmRpc for FakeRpc {
        fn get_code(&self, _: &Address) -> Result<Vec<u8>, HostError> {
            self.code.clone()
        }
        fn call(&self, to: &Address, data: &[u8]) -> Result<EthCall, HostError> {
            self.calls.borrow_mut().push((*to, data.to_vec()));
            Ok(self.answer.clone())
        }
    }

    fn run(
        signature_hex: &str,
        rpc: &FakeRpc,
        factories: &[Address],
    ) -> Result<ChainVerified, HostError> {
        let requirements = PaymentRequirements::from_json(REQUIREMENTS).unwrap();
        let json = payment_json(signature_hex);
        let payment = PaymentPayload::from_json(json.as_bytes()).unwrap();
        verify_with_rpc(
            &Verifier::default(),
            &requirements,
            &payment,
            NOW,
            rpc,
            factories,
        )
    }

    fn magic_word() -> Vec<u8> {
        let mut w = vec![0u8; 32];
        w[..4].copy_from_slice(&[0x16, 0x26, 0xba, 0x7e]);
        w
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
    }

    /// `abi.encode(factory, calldata, inner) ‖ 0x6492…` (EIP-6492's wrapper).
    fn wrap(factory: [u8; 20], calldata: &[u8], inner: &[u8]) -> Vec<u8> {
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
        out.extend_from_slice(&factory);
        out.extend_from_slice(&word(0x60));
        out.extend_from_slice(&word(0x60 + 32 + pad(calldata).len()));
        out.extend_from_slice(&word(calldata.len()));
        out.extend(pad(calldata));
        out.extend_from_slice(&word(inner.len()));
        out.extend(pad(inner));
        for _ in 0..16 {
            out.extend_from_slice(&[0x64, 0x92]);
        }
        out
    }

    fn multicall_results(second: bool) -> Vec<u8> {
        let mut d = vec![0u8; 32 * 10];
        for (word, v) in [
            (0, 0x20),
            (1, 2),
            (2, 0x40),
            (3, 0xa0),
            (5, 0x40),
            (8, 0x40),
        ] {
            d[word * 32 + 31] = v;
        }
        d[7 * 32 + 31] = u8::from(second);
        d
    }

    #[test]
    fn eoa_without_code_recovers() {
        let rpc = FakeRpc::new(vec![], EthCall::Reverted);
        let ok = run(EOA_SIGNATURE, &rpc, &[]).unwrap();
        assert_eq!(ok.route, None);
        assert!(rpc.calls.borrow().is_empty());
    }

    #[test]
    fn contract_payer_goes_through_eip1271() {
        let rpc = FakeRpc::new(vec![0x60, 0x80], EthCall::Returned(magic_word()));
        let ok = run(&"ab".repeat(100), &rpc, &[]).unwrap();
        assert_eq!(ok.route.unwrap().code(), "eip1271");
        let calls = rpc.calls.borrow();
        let (to, data) = &calls[0];
        assert_eq!(to.to_string(), "0x857b06519E91e3A54538791bDbb0E22373e36b66");
        assert_eq!(&data[..4], &[0x16, 0x26, 0xba, 0x7e]);
        assert_eq!(data.len(), 4 + 32 * 3 + 128);

        // Not the magic value, or a revert: the scheme's signature code.
        for answer in [EthCall::Returned(vec![0; 32]), EthCall::Reverted] {
            let rpc = FakeRpc::new(vec![0x60], answer);
            let e = run(&"ab".repeat(100), &rpc, &[]).unwrap_err();
            assert_eq!(e.code, "invalid_exact_evm_signature");
        }
    }

    #[test]
    fn eip7702_payer_takes_the_1271_route_without_ecdsa_fallback() {
        let mut code = vec![0xef, 0x01, 0x00];
        code.extend_from_slice(&[0x44; 20]);
        // The EOA signature is valid ECDSA, but the delegate refuses it: refused.
        let rpc = FakeRpc::new(code.clone(), EthCall::Returned(vec![0; 32]));
        let e = run(EOA_SIGNATURE, &rpc, &[]).unwrap_err();
        assert_eq!(e.detail_code, Some("eip1271_rejected"));
        let rpc = FakeRpc::new(code, EthCall::Returned(magic_word()));
        let ok = run(EOA_SIGNATURE, &rpc, &[]).unwrap();
        assert_eq!(ok.route.unwrap().code(), "eip7702_eip1271");
    }

    #[test]
    fn undeployed_without_deployment_info_is_refused() {
        let rpc = FakeRpc::new(vec![], EthCall::Reverted);
        let e = run(&"ab".repeat(100), &rpc, &[]).unwrap_err();
        assert_eq!(e.code, "invalid_exact_evm_payload_undeployed_smart_wallet");
    }

    #[test]
    fn counterfactual_needs_an_allowed_factory_and_the_simulation() {
        let factory = Address([0x11; 20]);
        let signature = hex(&wrap([0x11; 20], &[0xde, 0xad, 0xbe, 0xef], &[0x77; 100]));
        let rpc = FakeRpc::new(vec![], EthCall::Returned(multicall_results(true)));
        let e = run(&signature, &rpc, &[]).unwrap_err();
        assert_eq!(e.code, "eip6492_factory_not_allowed");
        assert!(rpc.calls.borrow().is_empty());

        let ok = run(&signature, &rpc, &[factory]).unwrap();
        assert_eq!(ok.route.unwrap().code(), "erc6492_counterfactual");
        let calls = rpc.calls.borrow();
        assert_eq!(calls[0].0, MULTICALL3_ADDRESS);
        assert_eq!(&calls[0].1[..4], &TRY_AGGREGATE_SELECTOR);

        let rpc = FakeRpc::new(vec![], EthCall::Returned(multicall_results(false)));
        let e = run(&signature, &rpc, &[factory]).unwrap_err();
        assert_eq!(e.detail_code, Some("erc6492_simulation_failed"));
    }

    #[test]
    fn deployed_wallet_with_a_wrapper_uses_the_inner_signature() {
        let signature = hex(&wrap([0x11; 20], &[0xde, 0xad], &[0x77; 100]));
        let rpc = FakeRpc::new(vec![0x60], EthCall::Returned(magic_word()));
        run(&signature, &rpc, &[]).unwrap();
        let calls = rpc.calls.borrow();
        let data = &calls[0].1;
        assert_eq!(data[4 + 3 * 32 - 1], 100); // the inner signature's length
        assert_eq!(&data[4 + 3 * 32..4 + 3 * 32 + 100], &[0x77; 100][..]);
    }

    #[test]
    fn permit2_contract_payer_signs_the_permit2_digest() {
        // The x402 v2 specification's Permit2 example with a 100-byte contract signature.
        let requirements = br#"{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"assetTransferMethod":"permit2"}}"#;
        let payment = format!(
            r#"{{"x402Version":2,"accepted":{},"payload":{{"signature":"0x{}","permit2Authorization":{{"from":"0x857b06519E91e3A54538791bDbb0E22373e36b66","permitted":{{"token":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","amount":"10000"}},"spender":"0x402085c248EeA27D92E8b30b2C58ed07f9E20001","nonce":"33247007178036348590600198031289925668252061821958005840077069883511451257277","deadline":"1740672154","witness":{{"to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","validAfter":"1740672089"}}}}}}}}"#,
            core::str::from_utf8(requirements).unwrap(),
            "cd".repeat(100)
        );
        let requirements = PaymentRequirements::from_json(requirements).unwrap();
        let payment = PaymentPayload::from_json(payment.as_bytes()).unwrap();
        let verify = |rpc: &FakeRpc| {
            verify_with_rpc(&Verifier::default(), &requirements, &payment, NOW, rpc, &[])
        };
        let rpc = FakeRpc::new(vec![0x60], EthCall::Returned(magic_word()));
        let ok = verify(&rpc).unwrap();
        assert_eq!(ok.verified.kind, pay402::x402::PaymentKind::ExactPermit2);
        // isValidSignature over the Permit2 digest: the one the offline check would recover.
        let mut sig = vec![0u8; SIGNATURE_CAP];
        let check =
            SignatureCheck::begin(&Verifier::default(), &requirements, &payment, NOW, &mut sig)
                .unwrap();
        assert_eq!(&rpc.calls.borrow()[0].1[4..36], &check.digest()[..]);
        let rpc = FakeRpc::new(vec![0x60], EthCall::Reverted);
        let e = verify(&rpc).unwrap_err();
        assert_eq!(e.code, "invalid_permit2_signature");
        assert_eq!(e.detail_code, Some("eip1271_reverted"));
    }

    #[test]
    fn rpc_failure_fails_closed() {
        let rpc = FakeRpc {
            code: Err(HostError::config("rpc_unavailable", "connection refused")),
            answer: EthCall::Reverted,
            calls: RefCell::new(Vec::new()),
        };
        assert_eq!(
            run(EOA_SIGNATURE, &rpc, &[]).unwrap_err().code,
            "rpc_unavailable"
        );
    }

    #[test]
    fn offline_checks_come_first() {
        let rpc = FakeRpc::new(vec![], EthCall::Reverted);
        let requirements = PaymentRequirements::from_json(REQUIREMENTS).unwrap();
        let json = payment_json(&"ab".repeat(100));
        let payment = PaymentPayload::from_json(json.as_bytes()).unwrap();
        let late = verify_with_rpc(
            &Verifier::default(),
            &requirements,
            &payment,
            NOW + 600,
            &rpc,
            &[],
        );
        assert_eq!(
            late.unwrap_err().code,
            "invalid_exact_evm_payload_authorization_valid_before"
        );
        // Offline strict verification still refuses the smart-wallet signature, saying why.
        let e = Verifier::default()
            .verify(&requirements, &payment, NOW)
            .unwrap_err();
        assert_eq!(e.detail_code(), Some("smart_wallet_needs_rpc"));
    }
}
