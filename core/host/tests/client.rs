//! The paying client against pay402's own resource server, in process: for each kind the server
//! sells (EIP-3009, Permit2 `exact`, `upto`, Solana) the client reads the server's real 402,
//! pays it, and the server's admission (the core's offline verification) accepts the payment.
//! The paid answers are the server's own (a refused settlement's 402), so the budget's
//! outcome is checked against what a real server says.

#![allow(clippy::unwrap_used, clippy::panic)] // a specification: a failed unwrap is a failed test

use pay402::U256;
use pay402::evm::PrivateKey;
use pay402::svm::{PayerKey, Pubkey, TOKEN_PROGRAM_ID};
use pay402::x402::client::SvmChainState;
use pay402_host::budget::{Budget, Limits};
use pay402_host::x402_client::{ClientConfig, PaidOutcome, X402Client};
use pay402_host::x402_server::{Admitted, OfferConfig, ResourceConfig, StepAction, X402Server};
use serde_json::json;

const NOW: u64 = 1_760_000_000;
const BASE_SEPOLIA: &str = "eip155:84532";
const USDC: &str = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const PERMIT2_TOKEN: &str = "0x118917a40FAF1CD7a13dB0Ef56C86De7973Ac503";
const PAY_TO: &str = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
const FACILITATOR: &str = "0x000000000000000000000000000000000000dEaD";
const DEVNET: &str = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
const USDC_DEVNET: &str = "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU";
const FEE_PAYER: &str = "J1cezW528jhuvQ5HqUVmLhVFre2PXkE6374HKgtCko5y";
const SVM_PAY_TO: &str = "2wmVCSfPxGPjrnMMn7rchp4uaeoTqN39mXFC2zhPdri9";

fn offers() -> Vec<OfferConfig> {
    let evm = |scheme: &str, asset: &str, amount: &str| OfferConfig {
        scheme: scheme.into(),
        network: BASE_SEPOLIA.into(),
        asset: asset.into(),
        amount: amount.into(),
        pay_to: PAY_TO.into(),
        max_timeout_seconds: Some(300),
        ..OfferConfig::default()
    };
    vec![
        OfferConfig {
            eip712_name: Some("USDC".into()),
            eip712_version: Some("2".into()),
            ..evm("exact", USDC, "10000")
        },
        OfferConfig {
            transfer_method: Some("permit2".into()),
            ..evm("exact", PERMIT2_TOKEN, "20000")
        },
        OfferConfig {
            facilitator: Some(FACILITATOR.into()),
            ..evm("upto", USDC, "30000")
        },
        OfferConfig {
            scheme: "exact".into(),
            network: DEVNET.into(),
            asset: USDC_DEVNET.into(),
            amount: "40000".into(),
            pay_to: SVM_PAY_TO.into(),
            max_timeout_seconds: Some(300),
            fee_payer: Some(FEE_PAYER.into()),
            ..OfferConfig::default()
        },
    ]
}

fn server() -> X402Server {
    X402Server::new(
        offers(),
        ResourceConfig {
            url: "https://api.example.com/data".into(),
            ..ResourceConfig::default()
        },
    )
    .unwrap()
}

/// One budget across networks: two EVM assets and one Solana mint.
fn budget() -> Budget {
    let budget = Budget::new();
    let limits = Limits {
        per_request: U256::from_u64(50_000),
        total: U256::from_u64(100_000),
        window: None,
    };
    budget.add(BASE_SEPOLIA, USDC, limits).unwrap();
    budget.add(BASE_SEPOLIA, PERMIT2_TOKEN, limits).unwrap();
    budget.add(DEVNET, USDC_DEVNET, limits).unwrap();
    budget
}

fn client(kind: &str, budget: &Budget) -> X402Client {
    X402Client::new(
        &ClientConfig {
            networks: vec![BASE_SEPOLIA.into(), DEVNET.into()],
            evm_assets: vec![USDC.into(), PERMIT2_TOKEN.into()],
            svm_assets: vec![USDC_DEVNET.into()],
            schemes: vec![kind.into()],
        },
        budget.clone(),
    )
    .unwrap()
}

/// The server's 402 for a request without payment.
fn challenge(server: &X402Server) -> (Vec<(String, String)>, Vec<u8>) {
    let reply = server.admit([("accept", "*/*")], NOW).unwrap_err();
    assert_eq!(reply.status, 402);
    (reply.headers, reply.body.unwrap_or_default())
}

fn key() -> PrivateKey {
    PrivateKey::from_bytes(&[0x11; 32]).unwrap()
}

fn admit(server: &X402Server, name: &str, value: &str) -> Admitted {
    server
        .admit([(name, value)], NOW)
        .unwrap_or_else(|r| panic!("server refused: {} {:?}", r.code, r.detail_code))
}

fn pay_evm_kind(kind: &str, offer_index: usize, amount: u64) {
    let server = server();
    let budget = budget();
    let client = client(kind, &budget);
    let (headers, body) = challenge(&server);
    let chosen = client.choose(&headers, &body, NOW).unwrap();
    assert_eq!(
        (chosen.kind, chosen.index, chosen.amount),
        (kind, offer_index, U256::from_u64(amount))
    );
    let payment = client
        .pay_evm(&chosen, &key(), NOW, &[7; 32], Some(U256::from_u64(amount)))
        .unwrap();
    assert_eq!(payment.header_name, "PAYMENT-SIGNATURE");
    let admitted = admit(&server, payment.header_name, &payment.header_value);
    assert_eq!(admitted.offer_index, offer_index);
    assert_eq!(admitted.payer, key().address().to_string());
    assert_eq!(admitted.amount, amount.to_string());
    assert!(payment.reservation.is_open());
    // The same payment signed by another key is refused by the server: the check is real.
    let other = PrivateKey::from_bytes(&[0x22; 32]).unwrap();
    let forged = client
        .typed_data(&chosen, &key().address().to_string(), NOW, &[7; 32])
        .unwrap();
    let signature = other.sign(&forged.1).to_bytes();
    assert_eq!(
        client
            .finish_evm(
                &chosen,
                &key().address().to_string(),
                NOW,
                &[7; 32],
                &signature
            )
            .unwrap_err()
            .code,
        "signature_wrong_signer"
    );
    let own = key().sign(&forged.1).to_bytes();
    let by_wallet = client
        .finish_evm(&chosen, &key().address().to_string(), NOW, &[7; 32], &own)
        .unwrap();
    assert_eq!(
        by_wallet, payment.header_value,
        "a wallet's signature gives the same header"
    );
}

#[test]
fn pays_exact_eip3009() {
    pay_evm_kind("exact_eip3009", 0, 10_000);
}

#[test]
fn pays_exact_permit2() {
    pay_evm_kind("exact_permit2", 1, 20_000);
}

#[test]
fn pays_upto_bound_to_the_facilitator() {
    pay_evm_kind("upto_permit2", 2, 30_000);
}

#[test]
fn pays_solana_with_the_hosts_blockhash() {
    let server = server();
    let budget = budget();
    let client = client("exact_svm", &budget);
    let (headers, body) = challenge(&server);
    let chosen = client.choose(&headers, &body, NOW).unwrap();
    assert_eq!((chosen.kind, chosen.index), ("exact_svm", 3));
    assert_eq!(
        (chosen.network.as_str(), chosen.asset.as_str()),
        (DEVNET, USDC_DEVNET)
    );
    let payer = PayerKey::from_seed(&[9; 32]);
    let chain = SvmChainState {
        recent_blockhash: [5; 32],
        decimals: 6,
        token_program: TOKEN_PROGRAM_ID,
    };
    let payment = client
        .pay_svm(&chosen, &payer, &chain, &[1; 16], NOW)
        .unwrap();
    let admitted = admit(&server, payment.header_name, &payment.header_value);
    assert_eq!(admitted.offer_index, 3);
    assert_eq!(admitted.payer, payer.pubkey().to_string());
    // Reserved in the Solana asset of the one budget.
    assert_eq!(
        budget.allowance(DEVNET, USDC_DEVNET, NOW).unwrap(),
        U256::from_u64(50_000)
    );
    payment.reservation.commit().unwrap();
    assert_eq!(
        budget.spent(DEVNET, USDC_DEVNET).unwrap(),
        U256::from_u64(40_000)
    );
    assert_eq!(budget.spent(BASE_SEPOLIA, USDC).unwrap(), U256::ZERO);
    let _ = Pubkey::parse(FEE_PAYER.as_bytes()).unwrap();
}

#[test]
fn a_short_permit2_allowance_names_the_approval_and_reserves_nothing() {
    let server = server();
    let budget = budget();
    let client = client("exact_permit2", &budget);
    let (headers, body) = challenge(&server);
    let chosen = client.choose(&headers, &body, NOW).unwrap();
    let approval = chosen.approval.clone().unwrap();
    assert_eq!(approval.token, PERMIT2_TOKEN);
    assert_eq!(
        approval.spender,
        "0x000000000022D473030F116dDEE9F6B43aC78BA3"
    );
    assert_eq!(
        (approval.chain_id, approval.amount),
        (84_532, U256::from_u64(20_000))
    );
    let e = client
        .pay_evm(&chosen, &key(), NOW, &[7; 32], Some(U256::from_u64(19_999)))
        .unwrap_err();
    assert_eq!(e.code, "permit2_allowance_required");
    assert!(
        e.message
            .contains("0x000000000022D473030F116dDEE9F6B43aC78BA3"),
        "{}",
        e.message
    );
    assert_eq!(
        budget.allowance(BASE_SEPOLIA, PERMIT2_TOKEN, NOW).unwrap(),
        U256::from_u64(50_000)
    );
}

/// The server's own 402 for a settlement the facilitator refused.
fn refused_settlement(
    server: &X402Server,
    admitted: &Admitted,
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut ex = server.exchange(admitted, false).unwrap();
    ex.reserved(true).unwrap();
    ex.handled(200).unwrap();
    let refusal = json!({"success": false, "errorReason": "insufficient_funds", "errorMessage": "balance 0", "transaction": "", "network": BASE_SEPOLIA});
    let step = ex.settled(Some(refusal.to_string().as_bytes())).unwrap();
    assert_eq!(step.action, StepAction::Withhold);
    (step.status, step.headers, step.body.unwrap_or_default())
}

#[test]
fn a_refused_paid_retry_is_typed_and_gives_the_budget_back() {
    let server = server();
    let budget = budget();
    let client = client("exact_eip3009", &budget);
    let (headers, body) = challenge(&server);
    let chosen = client.choose(&headers, &body, NOW).unwrap();
    let payment = client
        .pay_evm(&chosen, &key(), NOW, &[8; 32], None)
        .unwrap();
    assert_eq!(
        budget.allowance(BASE_SEPOLIA, USDC, NOW).unwrap(),
        U256::from_u64(50_000)
    );
    let admitted = admit(&server, payment.header_name, &payment.header_value);
    let (status, headers, body) = refused_settlement(&server, &admitted);
    let PaidOutcome::Refused(r) = client.complete(&payment, status, &headers, &body) else {
        panic!("not refused");
    };
    assert_eq!(
        (r.status, r.code.as_str(), r.definitive),
        (402, "insufficient_funds", true)
    );
    assert_eq!(r.message.as_deref(), Some("balance 0"));
    assert!(!payment.reservation.is_open());
    assert_eq!(budget.spent(BASE_SEPOLIA, USDC).unwrap(), U256::ZERO);
    // Total back to 100 000: two payments of the per-request maximum fit again.
    assert_eq!(
        budget.allowance(BASE_SEPOLIA, USDC, NOW).unwrap(),
        U256::from_u64(50_000)
    );
}

#[test]
fn a_served_upto_payment_spends_what_was_settled() {
    let server = server();
    let budget = budget();
    let client = client("upto_permit2", &budget);
    let (headers, body) = challenge(&server);
    let chosen = client.choose(&headers, &body, NOW).unwrap();
    let payment = client
        .pay_evm(&chosen, &key(), NOW, &[9; 32], None)
        .unwrap();
    let admitted = admit(&server, payment.header_name, &payment.header_value);
    let mut ex = server.exchange(&admitted, false).unwrap();
    ex.reserved(true).unwrap();
    ex.handled(200).unwrap();
    let settled = json!({"success": true, "transaction": format!("0x{}", "ab".repeat(32)), "network": BASE_SEPOLIA, "amount": "1234"});
    let step = ex.settled(Some(settled.to_string().as_bytes())).unwrap();
    assert_eq!(step.action, StepAction::Serve);
    let outcome = client.complete(&payment, step.status, &step.headers, b"{}");
    assert_eq!(
        outcome,
        PaidOutcome::Served {
            transaction: Some(format!("0x{}", "ab".repeat(32))),
            settled_amount: Some(U256::from_u64(1234)),
        }
    );
    assert_eq!(
        budget.spent(BASE_SEPOLIA, USDC).unwrap(),
        U256::from_u64(1234)
    );
}

#[test]
fn an_offer_over_the_budget_names_the_limit() {
    let server = server();
    let budget = Budget::new();
    let small = Limits {
        per_request: U256::from_u64(5_000),
        total: U256::from_u64(100_000),
        window: None,
    };
    budget.add(BASE_SEPOLIA, USDC, small).unwrap();
    let client = client("exact_eip3009", &budget);
    let (headers, body) = challenge(&server);
    let e = client.choose(&headers, &body, NOW).unwrap_err();
    assert_eq!(e.error.code, "per_request_budget_exceeded");
    assert_eq!(
        (e.amount, e.remaining),
        (Some(U256::from_u64(10_000)), Some(U256::from_u64(5_000)))
    );
    // An asset the budget does not list is not payable at all.
    let none = X402Client::new(
        &ClientConfig {
            networks: vec![BASE_SEPOLIA.into()],
            evm_assets: vec![PERMIT2_TOKEN.into()],
            ..ClientConfig::default()
        },
        budget,
    )
    .unwrap();
    assert_eq!(
        none.choose(&headers, &body, NOW).unwrap_err().error.code,
        "no_acceptable_requirements"
    );
}
