//! WS402 with on-chain prepayments through the owned API: the schema a seed Base client reads
//! (`schema.paymentDetails.{recipient, amountWei, amountETH, chainId, network, reference,
//! tokenAddress?, currency}`, WS402 `examples/base/public/base-client.html` and
//! `src/providers/BasePaymentProvider.ts`), and whole sessions whose proof is
//! `{"txHash","reference","senderAddress"}` verified over the host's JSON-RPC answers (written here
//! in the Ethereum JSON-RPC API's documented shapes). Money is asserted from price × time.

#![allow(clippy::unwrap_used, clippy::panic)] // a specification: a failed unwrap is a failed test
#![allow(clippy::too_many_lines)]
#![cfg(feature = "ws402")]

use pay402::U256;
use pay402::evm::Address;
use pay402::ws402::{Phase, Recovery, RefundOutcome, Reservation};
use pay402::x402::refund::RefundAsset;
use pay402_host::ws402_server::{
    ChainProofConfig, OwnedCommand, SessionInput, Ws402Config, Ws402Server, Ws402Session,
};
use pay402_host::x402_server::{OfferConfig, ResourceConfig};
use serde_json::{Value, json};

const USDC: &str = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const PAY_TO: &str = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
const PAYER: &str = "0x857b06519e91e3a54538791bdbb0e22373e36b66";
const CLAIMED: &str = "0x000000000000000000000000000000000000beef";
const HASH: &str = "0x3333333333333333333333333333333333333333333333333333333333333333";
const BLOCK_HASH: &str = "0x4444444444444444444444444444444444444444444444444444444444444444";
const WS_URL: &str = "wss://example.com/ws402/video";
const T: u64 = 1_800_000_000_000;

fn resource() -> ResourceConfig {
    ResourceConfig {
        url: WS_URL.into(),
        ..ResourceConfig::default()
    }
}

/// 10^12 wei per second for 1 000 s: 10^15 wei = 0.001 ETH asked, on Base Sepolia.
fn native_config() -> Ws402Config {
    let mut c = Ws402Config::new(U256::from_u64(1_000_000_000_000), 3600);
    c.estimated_duration_seconds = Some(1000);
    c.update_interval_ms = 0;
    c.chain_proof = Some(ChainProofConfig::new(84532, PAY_TO.to_lowercase()));
    c
}

fn json_of(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

#[test]
fn the_schema_carries_the_seeds_native_payment_details() {
    let server = Ws402Server::new(vec![], resource(), native_config()).unwrap();
    // Random bytes 00…0100 = 256 = 7 × 36 + 4: the reference's 9 base-36 characters "000000074".
    let schema = json_of(
        &server
            .schema_at(WS_URL, T, [0, 0, 0, 0, 0, 0, 1, 0])
            .unwrap(),
    );
    assert_eq!(schema["websocketEndpoint"], WS_URL);
    assert_eq!(schema["pricing"]["totalPrice"], "1000000000000000");
    assert_eq!(schema["pricing"]["estimatedDuration"], 1000);
    assert_eq!(schema["pricing"]["currency"], "ETH");
    let d = &schema["paymentDetails"];
    assert_eq!(d["type"], "base");
    assert_eq!(d["network"], "base-sepolia");
    assert_eq!(d["chainId"], 84532);
    assert_eq!(d["recipient"], PAY_TO); // EIP-55, whatever case was configured
    assert_eq!(d["amount"], 1_000_000_000_000_000u64);
    assert_eq!(d["amountWei"], 1_000_000_000_000_000u64);
    assert_eq!(d["amountETH"], "0.001");
    assert_eq!(d["currency"], "ETH");
    assert_eq!(d["reference"], "base_1800000000000_000000074");
    assert_eq!(d["expiresAt"], T + 300_000);
    assert!(d.get("tokenAddress").is_none());
    assert_eq!(d.as_object().unwrap().len(), 10);
    // Without the clock and the random bytes the schema has no seed fields (and here no offers).
    assert!(json_of(&server.schema(WS_URL).unwrap())["paymentDetails"].is_null());
}

#[test]
fn the_schema_of_a_token_server_with_x402_offers_merges_both() {
    let mut c = Ws402Config::new(U256::from_u64(10_000_000_000_000_000), 3600);
    c.estimated_duration_seconds = Some(1000);
    c.chain_proof = Some(ChainProofConfig {
        chain_id: 8453,
        asset: Some(USDC.into()),
        pay_to: PAY_TO.into(),
        min_confirmations: 2,
        max_age_seconds: 120,
    });
    let offer = OfferConfig {
        scheme: "exact".into(),
        network: "eip155:84532".into(),
        asset: USDC.into(),
        amount: "10000".into(),
        pay_to: PAY_TO.into(),
        max_timeout_seconds: Some(300),
        eip712_name: Some("USDC".into()),
        eip712_version: Some("2".into()),
        ..OfferConfig::default()
    };
    let server = Ws402Server::new(vec![offer], resource(), c).unwrap();
    let schema = json_of(&server.schema_at(WS_URL, T, [0; 8]).unwrap());
    let d = &schema["paymentDetails"];
    // The x402 PaymentRequired members stay.
    assert_eq!(d["x402Version"], 2);
    assert_eq!(d["accepts"][0]["scheme"], "exact");
    assert_eq!(d["type"], "base");
    assert_eq!(d["network"], "base");
    assert_eq!(d["chainId"], 8453);
    // 10^16 × 1000 = 10^19 > 2^53 − 1: a string, so a JavaScript client does not round it.
    assert_eq!(d["amount"], "10000000000000000000");
    assert_eq!(d["amountWei"], "10000000000000000000");
    assert_eq!(d["currency"], "ERC20");
    assert_eq!(d["tokenAddress"], USDC);
    assert!(d.get("amountETH").is_none());
    assert_eq!(d["expiresAt"], T + 120_000);
    assert_eq!(d["reference"], "base_1800000000000_000000000");
    // `schema` keeps the x402 details alone.
    let plain = json_of(&server.schema(WS_URL).unwrap());
    assert!(plain["paymentDetails"].get("type").is_none());
    assert_eq!(plain["paymentDetails"]["x402Version"], 2);
}

#[test]
fn configuration_errors_are_typed() {
    let code = |c: Ws402Config, offers: Vec<OfferConfig>| {
        Ws402Server::new(offers, resource(), c).err().unwrap().code
    };
    let plain = Ws402Config::new(U256::ONE, 60);
    assert_eq!(code(plain, vec![]), "no_offers");
    let with = |f: fn(&mut ChainProofConfig)| {
        let mut c = native_config();
        f(c.chain_proof.as_mut().unwrap());
        c
    };
    assert_eq!(
        code(with(|c| c.pay_to = "0x12".into()), vec![]),
        "invalid_pay_to"
    );
    assert_eq!(code(with(|c| c.chain_id = 0), vec![]), "invalid_chain_id");
    assert_eq!(
        code(with(|c| c.asset = Some("USDC".into())), vec![]),
        "invalid_asset"
    );
}

fn rpc(result: &str) -> Vec<u8> {
    format!(r#"{{"jsonrpc":"2.0","id":1,"result":{result}}}"#).into_bytes()
}

/// Answers `rpc` commands like a JSON-RPC node that knows one native transfer of `value` wei from
/// `PAYER` to `PAY_TO` in block 0x20, 5 s old, with the head at 0x21.
fn node(method: &str, params: &str) -> Vec<u8> {
    let hash_params = format!(r#"["{HASH}"]"#);
    match method {
        "eth_getTransactionByHash" => {
            assert_eq!(params, hash_params);
            rpc(&format!(
                r#"{{"hash":"{HASH}","blockNumber":"0x20","from":"{PAYER}","to":"{}","value":"{:#x}","chainId":"0x14a34"}}"#,
                PAY_TO.to_lowercase(),
                1_500_000_000_000_000u64
            ))
        }
        "eth_getBlockByNumber" => {
            assert_eq!(params, r#"["0x20",false]"#);
            rpc(&format!(
                r#"{{"number":"0x20","hash":"{BLOCK_HASH}","timestamp":"{:#x}"}}"#,
                T / 1000 - 5
            ))
        }
        "eth_blockNumber" => {
            assert_eq!(params, "[]");
            rpc(r#""0x21""#)
        }
        "eth_getTransactionReceipt" => {
            assert_eq!(params, hash_params);
            rpc(&format!(
                r#"{{"transactionHash":"{HASH}","blockNumber":"0x20","blockHash":"{BLOCK_HASH}","status":"0x1","logs":[]}}"#
            ))
        }
        other => panic!("unexpected method {other}"),
    }
}

/// Feeds the node's answers until the machine asks for something else.
fn verify(session: &mut Ws402Session, at: u64, mut cmds: Vec<OwnedCommand>) -> Vec<OwnedCommand> {
    let mut calls = 0;
    while let [OwnedCommand::Rpc { method, params }] = &cmds[..] {
        assert_eq!(cmds[0].kind(), "rpc");
        calls += 1;
        let body = node(method, params);
        cmds = session
            .handle(at, SessionInput::RpcResponse(Some(&body)))
            .unwrap();
    }
    assert_eq!(calls, 4);
    cmds
}

fn proof() -> Vec<u8> {
    format!(
        r#"{{"type":"payment_proof","proof":{{"txHash":"{HASH}","reference":"base_1800000000000_000000074","senderAddress":"{CLAIMED}"}}}}"#
    )
    .into_bytes()
}

#[test]
fn a_native_prepaid_session_runs_and_refunds_the_rest_to_the_sender() {
    let server = Ws402Server::new(vec![], resource(), native_config()).unwrap();
    let mut session = server.accept(T, [1; 16]);
    let cmds = session
        .handle(T + 100, SessionInput::Text(&proof()))
        .unwrap();
    assert_eq!(session.phase(), Phase::VerifyingTransaction);
    let cmds = verify(&mut session, T + 200, cmds);
    let key = format!("evm:84532:{HASH}").into_bytes();
    assert_eq!(
        cmds,
        vec![OwnedCommand::Reserve {
            key,
            ttl: 300 + 10 + 86_400
        }]
    );
    let cmds = session
        .handle(T + 300, SessionInput::Reserved(Reservation::Fresh))
        .unwrap();
    let OwnedCommand::Send(started) = &cmds[0] else {
        panic!("{cmds:?}")
    };
    let started = json_of(started.as_bytes());
    assert_eq!(started["type"], "session_started");
    assert_eq!(started["balance"], "1500000000000000");
    // 100 s at 10^12 wei: 10^14 consumed, 1.4 × 10^15 back.
    let cmds = session
        .handle(
            T + 100_300,
            SessionInput::Text(br#"{"type":"end_session"}"#),
        )
        .unwrap();
    let Some(OwnedCommand::Refund(order)) = cmds.last() else {
        panic!("{cmds:?}")
    };
    assert_eq!(order.refund_asset(), RefundAsset::Native);
    let payer = Address::parse(PAYER.as_bytes()).unwrap();
    assert_eq!(order.tx_to(), payer);
    assert_eq!(order.tx_value(), U256::from_u64(1_400_000_000_000_000));
    let cmds = session
        .handle(
            T + 101_000,
            SessionInput::Refunded(RefundOutcome::Confirmed),
        )
        .unwrap();
    let OwnedCommand::Send(ended) = &cmds[0] else {
        panic!("{cmds:?}")
    };
    assert_eq!(
        json_of(ended.as_bytes()),
        json!({"type":"session_ended","sessionId":"01010101010101010101010101010101",
            "endedBy":"client_close","paid":"1500000000000000","consumed":"100000000000000",
            "settled":"1500000000000000","refund":"1400000000000000","payer":PAYER,"settlementTx":HASH})
    );
    assert_eq!(cmds[1], OwnedCommand::Close(1000));
    assert_eq!(cmds[2].kind(), "finished");
}

#[test]
fn a_failed_rpc_call_rejects_with_rpc_unavailable() {
    let server = Ws402Server::new(vec![], resource(), native_config()).unwrap();
    let mut session = server.accept(T, [2; 16]);
    session.handle(T, SessionInput::Text(&proof())).unwrap();
    let cmds = session
        .handle(T + 1, SessionInput::RpcResponse(None))
        .unwrap();
    assert_eq!(
        cmds[..2],
        [
            OwnedCommand::Send(r#"{"type":"payment_rejected","reason":"rpc_unavailable"}"#.into()),
            OwnedCommand::Close(1011)
        ]
    );
}

#[test]
fn a_restarted_server_recovers_an_on_chain_session_into_its_native_refund() {
    let server = Ws402Server::new(vec![], resource(), native_config())
        .unwrap()
        .with_secret(&[9; 32])
        .unwrap();
    let mut session = server.accept(T, [3; 16]);
    let cmds = session.handle(T, SessionInput::Text(&proof())).unwrap();
    verify(&mut session, T, cmds);
    let cmds = session
        .handle(T + 1_000, SessionInput::Reserved(Reservation::Fresh))
        .unwrap();
    let OwnedCommand::Persist { record, .. } = &cmds[0] else {
        panic!("{cmds:?}")
    };
    // The process dies; an hour later the running record has no live owner and no grace: it
    // ends at its checkpoint (nothing consumed) and refunds everything to the sender.
    let (mut recovered, recovery) = server.recover(record, T + 3_600_000).unwrap();
    assert_eq!(recovery, Recovery::End);
    let cmds = recovered.pending().unwrap();
    assert_eq!(cmds.len(), 1);
    assert_eq!(cmds[0].kind(), "persist");
    let cmds = recovered
        .handle(T + 3_600_000, SessionInput::Persisted(true))
        .unwrap();
    let [OwnedCommand::Refund(order)] = &cmds[..] else {
        panic!("{cmds:?}")
    };
    assert_eq!(order.refund_asset(), RefundAsset::Native);
    assert_eq!(order.tx_to(), Address::parse(PAYER.as_bytes()).unwrap());
    assert_eq!(order.tx_value(), U256::from_u64(1_500_000_000_000_000));
}

/// An x402 settlement to the chain proof's payee, in its token, on its chain, is itself a
/// `Transfer` a chain proof would count: its hash would buy a second session (and a second
/// refund). Such a configuration is refused; a payee of their own, or another chain, is apart.
#[test]
fn chain_proofs_need_a_payee_apart_from_the_x402_offers_in_the_same_token() {
    let offer = |network: &str| OfferConfig {
        scheme: "exact".into(),
        network: network.into(),
        asset: USDC.into(),
        amount: "10000".into(),
        pay_to: PAY_TO.to_lowercase(),
        max_timeout_seconds: Some(300),
        eip712_name: Some("USDC".into()),
        eip712_version: Some("2".into()),
        ..OfferConfig::default()
    };
    let config = |pay_to: &str| {
        let mut c = Ws402Config::new(U256::from_u64(10), 3600);
        c.estimated_duration_seconds = Some(1000);
        c.chain_proof = Some(ChainProofConfig {
            asset: Some(USDC.into()),
            ..ChainProofConfig::new(84532, pay_to)
        });
        c
    };
    let shared = Ws402Server::new(vec![offer("eip155:84532")], resource(), config(PAY_TO));
    assert_eq!(shared.err().unwrap().code, "chain_proof_payee_shared");
    assert!(Ws402Server::new(vec![offer("eip155:84532")], resource(), config(CLAIMED)).is_ok());
    assert!(Ws402Server::new(vec![offer("eip155:8453")], resource(), config(PAY_TO)).is_ok());
    // Native-coin chain proofs never meet an x402 offer's token.
    let mut native = config(PAY_TO);
    if let Some(c) = native.chain_proof.as_mut() {
        c.asset = None;
    }
    assert!(Ws402Server::new(vec![offer("eip155:84532")], resource(), native).is_ok());
}
