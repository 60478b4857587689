//! WS402 sessions prepaid by an on-chain EVM transaction (the seed's `payment_proof` with a
//! `txHash`), driven through `ws402::Session` as a host would. The host's JSON-RPC node is played
//! by the test: every answer is a JSON-RPC 2.0 response body written here in the Ethereum
//! JSON-RPC API's documented shapes (hex quantities without leading zeros, 32-byte hashes, EIP-20
//! `Transfer` logs with the `keccak256("Transfer(address,address,uint256)")` topic and
//! 32-byte-padded address topics). Amounts are worked out by hand from the tariff and the
//! timeline (`floor(price × ms / 1000)`), never read back from the machine.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::too_many_lines,
    clippy::large_enum_variant,
    missing_docs
)]

use pay402::ErrorCode;
use pay402::evm::Address;
use pay402::onchain::evm::EvmAsset;
use pay402::u256::U256;
use pay402::ws402::{
    ChainProofTerms, Command, Ending, Input, Payer, Phase, Plan, RECOMMENDED_COMMAND_BUFFER_LEN,
    Recovery, RefundOutcome, RefundStatus, Reservation, SchemeKind, SealedRecord, Session,
    SessionEndReason, SessionKeys, SessionPolicy, SettleStatus, Statement, Tariff,
};
use pay402::x402::refund::{RefundAsset, RefundOrder};
use pay402::x402::server::{OfferSet, Resource};

const RESOURCE: Resource<'static> = Resource {
    url: "wss://example.com/ws402/quotes",
    description: "",
    mime_type: None,
};
/// Base mainnet (EIP-155 chain id 8453 = 0x2105).
const CHAIN: u64 = 8453;
const TOKEN: &str = "0x833589fcd6edb6e08f4c7c32d4f71b54bda02913";
const PAYEE: &str = "0x209693bc6afc0c5328ba36faf03c514ef312287c";
/// The payer the transaction shows.
const PAYER: &str = "0x857b06519e91e3a54538791bdbb0e22373e36b66";
/// The address the client names in `senderAddress`: never paid.
const CLAIMED: &str = "0x000000000000000000000000000000000000beef";
const OTHER: &str = "0x00000000000000000000000000000000000000cc";
const HASH: &str = "0x1111111111111111111111111111111111111111111111111111111111111111";
const BLOCK_HASH: &str = "0x2222222222222222222222222222222222222222222222222222222222222222";
const TRANSFER: &str = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";
const ID: [u8; 16] = [0x5a; 16];
/// The socket opens at T0 (ms); the block was mined 10 s before.
const T0: u64 = 1_800_000_000_000;
const BLOCK: u64 = 0x10;

fn addr(text: &str) -> Address {
    Address::parse(text.as_bytes()).unwrap()
}

fn terms(asset: EvmAsset) -> ChainProofTerms {
    ChainProofTerms {
        chain_id: CHAIN,
        asset,
        pay_to: addr(PAYEE),
        min_amount: U256::from_u64(1_000),
        max_age_secs: 300,
        min_confirmations: 1,
    }
}

/// 10 atomic units per second, an hour at most; the proof timeout of 10 s.
fn policy(asset: EvmAsset) -> SessionPolicy<'static> {
    let mut p = SessionPolicy::new(Tariff::per_second(U256::from_u64(10)), 3600);
    p.update_interval_ms = 0;
    p.chain_proof = Some(terms(asset));
    p
}

fn token() -> EvmAsset {
    EvmAsset::Token(addr(TOKEN))
}

fn rpc(result: &str) -> String {
    format!(r#"{{"jsonrpc":"2.0","id":1,"result":{result}}}"#)
}

/// An ABI word holding an address (12 zero bytes, then the 20 bytes).
fn topic(address: &str) -> String {
    format!("0x000000000000000000000000{}", &address[2..])
}

fn word(value: u64) -> String {
    format!("0x{value:064x}")
}

/// `eth_getTransactionByHash`: a transaction in block 0x10 from `from` to `to` with `value`.
fn tx(from: &str, to: &str, value: u64) -> String {
    rpc(&format!(
        r#"{{"hash":"{HASH}","blockNumber":"{BLOCK:#x}","blockHash":"{BLOCK_HASH}","from":"{from}","to":"{to}","value":"{value:#x}","chainId":"{CHAIN:#x}","nonce":"0x1","input":"0x"}}"#
    ))
}

/// `eth_getBlockByNumber`: block 0x10, mined `age_s` seconds before T0.
fn block(age_s: u64) -> String {
    let timestamp = T0 / 1000 - age_s;
    rpc(&format!(
        r#"{{"number":"{BLOCK:#x}","hash":"{BLOCK_HASH}","timestamp":"{timestamp:#x}","transactions":[]}}"#
    ))
}

fn head(number: u64) -> String {
    rpc(&format!(r#""{number:#x}""#))
}

/// One EIP-20 `Transfer` log of `token` from `from` to `to` of `value`.
fn transfer_log(token: &str, from: &str, to: &str, value: u64) -> String {
    format!(
        r#"{{"address":"{token}","removed":false,"topics":["{TRANSFER}","{}","{}"],"data":"{}","logIndex":"0x0"}}"#,
        topic(from),
        topic(to),
        word(value)
    )
}

/// `eth_getTransactionReceipt`: `status` and `logs`.
fn receipt(status: u64, logs: &[String]) -> String {
    rpc(&format!(
        r#"{{"transactionHash":"{HASH}","blockNumber":"{BLOCK:#x}","blockHash":"{BLOCK_HASH}","status":"{status:#x}","logs":[{}]}}"#,
        logs.join(",")
    ))
}

fn proof_frame(hash: &str, sender: &str) -> String {
    format!(
        r#"{{"type":"payment_proof","proof":{{"txHash":"{hash}","reference":"base_1800000000000_abcdefghi","senderAddress":"{sender}"}}}}"#
    )
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Cmd {
    Send(String),
    Close(u16),
    Reserve(Vec<u8>, u64),
    Release(Vec<u8>),
    Refund(RefundOrder),
    Finished(Statement),
    Rpc(String, String),
    Persist(Vec<u8>, u32, Option<u32>),
    Other(&'static str),
}

struct Host<'o> {
    session: Session<'o, 1>,
}

impl Host<'_> {
    fn on(&mut self, at: u64, input: Input<'_>) -> Vec<Cmd> {
        self.session.handle(at, input).unwrap();
        self.drain()
    }

    fn drain(&mut self) -> Vec<Cmd> {
        let mut out = vec![0u8; RECOMMENDED_COMMAND_BUFFER_LEN];
        let mut cmds = Vec::new();
        while let Some(c) = self.session.poll_command(&mut out).unwrap() {
            cmds.push(match c {
                Command::Send(t) => Cmd::Send(t.to_owned()),
                Command::Close { code } => Cmd::Close(code),
                Command::Reserve { key, ttl } => Cmd::Reserve(key.to_vec(), ttl),
                Command::Release { key } => Cmd::Release(key.to_vec()),
                Command::Refund(order) => Cmd::Refund(order),
                Command::Finished(st) => Cmd::Finished(st),
                Command::Rpc { method, params } => Cmd::Rpc(
                    method.to_owned(),
                    String::from_utf8(params.to_vec()).unwrap(),
                ),
                Command::Persist {
                    record,
                    generation,
                    expect,
                    ..
                } => Cmd::Persist(record.to_vec(), generation, expect),
                Command::SendAppFrame => Cmd::Other("send_app_frame"),
                Command::DeliverToApp => Cmd::Other("deliver_to_app"),
                Command::ServeHttp => Cmd::Other("serve_http"),
                Command::Settle { .. } => Cmd::Other("settle"),
                Command::Load { .. } => Cmd::Other("load"),
                Command::Abandoned => Cmd::Other("abandoned"),
            });
        }
        cmds
    }

    fn rpc(&mut self, at: u64, body: &str) -> Vec<Cmd> {
        self.on(at, Input::RpcResponse(Some(body.as_bytes())))
    }
}

fn call(method: &str, params: &str) -> Cmd {
    Cmd::Rpc(method.to_owned(), params.to_owned())
}

fn tx_call() -> Cmd {
    call("eth_getTransactionByHash", &format!(r#"["{HASH}"]"#))
}

fn block_call() -> Cmd {
    call("eth_getBlockByNumber", r#"["0x10",false]"#)
}

fn head_call() -> Cmd {
    call("eth_blockNumber", "[]")
}

fn receipt_call() -> Cmd {
    call("eth_getTransactionReceipt", &format!(r#"["{HASH}"]"#))
}

/// `evm:<chain id>:0x<hash>` (pay402's replay key of a transaction).
fn tx_key() -> Vec<u8> {
    format!("evm:{CHAIN}:{HASH}").into_bytes()
}

fn rejected(reason: &str, code: u16) -> Vec<Cmd> {
    vec![
        Cmd::Send(format!(
            r#"{{"type":"payment_rejected","reason":"{reason}"}}"#
        )),
        Cmd::Close(code),
    ]
}

/// The commands without the final `Finished`, and that statement.
fn split_finished(mut cmds: Vec<Cmd>) -> (Vec<Cmd>, Statement) {
    match cmds.pop() {
        Some(Cmd::Finished(st)) => (cmds, st),
        other => panic!("expected Finished last, got {other:?}"),
    }
}

fn offers() -> OfferSet<'static, 1> {
    OfferSet::new()
}

/// Proof, then the four RPC answers for a token transfer of `amount` from PAYER to PAYEE;
/// returns the commands after the receipt.
fn pay_token(host: &mut Host<'_>, at: u64, amount: u64) -> Vec<Cmd> {
    let proof = proof_frame(HASH, CLAIMED);
    assert_eq!(host.on(at, Input::Text(proof.as_bytes())), vec![tx_call()]);
    assert_eq!(host.session.phase(), Phase::VerifyingTransaction);
    assert_eq!(host.rpc(at + 100, &tx(PAYER, TOKEN, 0)), vec![block_call()]);
    assert_eq!(host.rpc(at + 200, &block(10)), vec![head_call()]);
    assert_eq!(host.rpc(at + 300, &head(BLOCK)), vec![receipt_call()]);
    host.rpc(
        at + 400,
        &receipt(1, &[transfer_log(TOKEN, PAYER, PAYEE, amount)]),
    )
}

#[test]
fn an_erc20_transfer_prepays_the_session_and_the_rest_is_refunded_to_its_from() {
    let offers = offers();
    let mut host = Host {
        session: Session::accept(&offers, RESOURCE, policy(token()), ID, T0),
    };
    // 1 500 received, more than the 1 000 asked: the balance is what the payee received.
    let cmds = pay_token(&mut host, T0 + 1_000, 1_500);
    // Kept as long as the transaction could be accepted again: 300 s of age, the 10 s proof
    // timeout and a day of slack.
    assert_eq!(cmds, vec![Cmd::Reserve(tx_key(), 300 + 10 + 86_400)]);
    assert_eq!(host.session.phase(), Phase::Reserving);
    let started = T0 + 2_000;
    let cmds = host.on(started, Input::Reserved(Reservation::Fresh));
    assert_eq!(
        cmds,
        vec![Cmd::Send(
            r#"{"type":"session_started","sessionId":"5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a","balance":"1500","pricePerSecond":"10"}"#
                .to_owned()
        )]
    );
    // 20.5 s later the client ends: floor(10 × 20 500 / 1000) = 205 consumed, 1 295 refunded.
    let cmds = host.on(started + 20_500, Input::Text(br#"{"type":"end_session"}"#));
    let order = RefundOrder::for_session_in(
        ID,
        pay402::x402::network::Network::Eip155 { chain_id: CHAIN },
        RefundAsset::Token(addr(TOKEN)),
        addr(PAYER),
        U256::from_u64(1_295),
    )
    .unwrap();
    assert_eq!(cmds.last(), Some(&Cmd::Refund(order)));
    // To the Transfer's `from`, never to `senderAddress`.
    assert_eq!(order.to(), addr(PAYER));
    assert_ne!(order.to(), addr(CLAIMED));
    assert_eq!((order.tx_to(), order.tx_value()), (addr(TOKEN), U256::ZERO));
    assert_eq!(host.session.phase(), Phase::Refunding);
    let (cmds, st) =
        split_finished(host.on(started + 25_000, Input::Refunded(RefundOutcome::Confirmed)));
    assert_eq!(
        cmds,
        vec![
            Cmd::Send(format!(
                r#"{{"type":"session_ended","sessionId":"5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a","endedBy":"client_close","paid":"1500","consumed":"205","settled":"1500","refund":"1295","payer":"{PAYER}","settlementTx":"{HASH}"}}"#
            )),
            Cmd::Close(1000),
        ]
    );
    assert_eq!(st.plan, Some(Plan::Exact));
    assert_eq!(st.offer_index, None);
    assert_eq!(st.payer, Some(Payer::Evm(addr(PAYER))));
    assert_eq!(
        (st.paid, st.consumed),
        (U256::from_u64(1_500), U256::from_u64(205))
    );
    let settlement = st.settlement.unwrap();
    assert_eq!(
        (settlement.amount, settlement.status),
        (U256::from_u64(1_500), SettleStatus::Settled)
    );
    let refund = st.refund.unwrap();
    assert_eq!(
        (refund.amount, refund.status, refund.order),
        (U256::from_u64(1_295), RefundStatus::Confirmed, Some(order))
    );
    assert!(matches!(
        st.ending,
        Ending::Ended(e) if e.reason == SessionEndReason::ClientClose
    ));
}

#[test]
fn native_eth_prepays_and_is_refunded_as_a_value_transfer_to_the_transactions_from() {
    let offers = offers();
    let mut host = Host {
        session: Session::accept(&offers, RESOURCE, policy(EvmAsset::Native), ID, T0),
    };
    let proof = proof_frame(HASH, CLAIMED);
    assert_eq!(host.on(T0, Input::Text(proof.as_bytes())), vec![tx_call()]);
    assert_eq!(
        host.rpc(T0 + 100, &tx(PAYER, PAYEE, 2_000)),
        vec![block_call()]
    );
    assert_eq!(host.rpc(T0 + 200, &block(10)), vec![head_call()]);
    assert_eq!(host.rpc(T0 + 300, &head(BLOCK + 3)), vec![receipt_call()]);
    assert_eq!(
        host.rpc(T0 + 400, &receipt(1, &[])),
        vec![Cmd::Reserve(tx_key(), 86_710)]
    );
    let cmds = host.on(T0 + 500, Input::Reserved(Reservation::Fresh));
    assert!(matches!(&cmds[..], [Cmd::Send(s)] if s.contains(r#""balance":"2000""#)));
    // The application ends after 100 s: 1 000 consumed, 1 000 wei back to the sender.
    let cmds = host.on(T0 + 100_500, Input::AppEnded { error: false });
    let order = RefundOrder::for_session_in(
        ID,
        pay402::x402::network::Network::Eip155 { chain_id: CHAIN },
        RefundAsset::Native,
        addr(PAYER),
        U256::from_u64(1_000),
    )
    .unwrap();
    assert_eq!(cmds.last(), Some(&Cmd::Refund(order)));
    assert_eq!(order.refund_asset(), RefundAsset::Native);
    assert_eq!(
        (order.tx_to(), order.tx_value()),
        (addr(PAYER), U256::from_u64(1_000))
    );
    assert_eq!(order.calldata(&mut [0u8; 68]).unwrap(), b"");
}

/// Drives a token proof whose receipt (or an earlier answer) is replaced; returns the commands
/// of the last answer.
fn refused_with(tx_answer: &str, receipt_answer: &str, asset: EvmAsset) -> (Vec<Cmd>, Statement) {
    let offers = offers();
    let mut host = Host {
        session: Session::accept(&offers, RESOURCE, policy(asset), ID, T0),
    };
    let proof = proof_frame(HASH, CLAIMED);
    host.on(T0, Input::Text(proof.as_bytes()));
    host.rpc(T0 + 100, tx_answer);
    host.rpc(T0 + 200, &block(10));
    host.rpc(T0 + 300, &head(BLOCK));
    let (cmds, st) = split_finished(host.rpc(T0 + 400, receipt_answer));
    assert_eq!(host.session.phase(), Phase::Finished);
    (cmds, st)
}

#[test]
fn too_little_to_the_payee_is_amount_too_low() {
    let (cmds, st) = refused_with(
        &tx(PAYER, TOKEN, 0),
        &receipt(1, &[transfer_log(TOKEN, PAYER, PAYEE, 999)]),
        token(),
    );
    assert_eq!(cmds, rejected("amount_too_low", 1008));
    assert!(matches!(
        st.ending,
        Ending::Rejected {
            reason: "amount_too_low",
            ..
        }
    ));
    assert_eq!(st.paid, U256::ZERO);
}

#[test]
fn a_transfer_to_someone_else_is_wrong_payee_and_another_token_wrong_asset() {
    let (cmds, _) = refused_with(
        &tx(PAYER, TOKEN, 0),
        &receipt(1, &[transfer_log(TOKEN, PAYER, OTHER, 5_000)]),
        token(),
    );
    assert_eq!(cmds, rejected("wrong_payee", 1008));
    let (cmds, _) = refused_with(
        &tx(PAYER, OTHER, 0),
        &receipt(1, &[transfer_log(OTHER, PAYER, PAYEE, 5_000)]),
        token(),
    );
    assert_eq!(cmds, rejected("wrong_asset", 1008));
    // Native value to someone else.
    let (cmds, _) = refused_with(&tx(PAYER, OTHER, 5_000), &receipt(1, &[]), EvmAsset::Native);
    assert_eq!(cmds, rejected("wrong_payee", 1008));
}

#[test]
fn a_reverted_transaction_is_refused() {
    let (cmds, _) = refused_with(
        &tx(PAYER, TOKEN, 0),
        &receipt(0, &[transfer_log(TOKEN, PAYER, PAYEE, 5_000)]),
        token(),
    );
    assert_eq!(cmds, rejected("transaction_reverted", 1008));
}

#[test]
fn a_receipt_of_another_transaction_is_a_mismatch_and_a_malformed_one_invalid() {
    let other = receipt(1, &[transfer_log(TOKEN, PAYER, PAYEE, 5_000)]).replace(
        &format!(r#""transactionHash":"{HASH}""#),
        &format!(r#""transactionHash":"{}""#, word(7)),
    );
    let (cmds, _) = refused_with(&tx(PAYER, TOKEN, 0), &other, token());
    assert_eq!(cmds, rejected("transaction_mismatch", 1008));
    let (cmds, _) = refused_with(&tx(PAYER, TOKEN, 0), &rpc(r#"{"status":"0x1"}"#), token());
    assert_eq!(cmds, rejected("invalid_rpc_result", 1008));
}

#[test]
fn a_block_older_than_the_maximum_age_is_too_old() {
    let offers = offers();
    let mut host = Host {
        session: Session::accept(&offers, RESOURCE, policy(token()), ID, T0),
    };
    host.on(T0, Input::Text(proof_frame(HASH, PAYER).as_bytes()));
    host.rpc(T0, &tx(PAYER, TOKEN, 0));
    host.rpc(T0, &block(301));
    host.rpc(T0, &head(BLOCK));
    let (cmds, _) =
        split_finished(host.rpc(T0, &receipt(1, &[transfer_log(TOKEN, PAYER, PAYEE, 5_000)])));
    assert_eq!(cmds, rejected("transaction_too_old", 1008));
}

#[test]
fn a_used_transaction_is_payment_already_used_and_its_key_stays_held() {
    let offers = offers();
    let mut host = Host {
        session: Session::accept(&offers, RESOURCE, policy(token()), ID, T0),
    };
    assert_eq!(
        pay_token(&mut host, T0, 1_000),
        vec![Cmd::Reserve(tx_key(), 86_710)]
    );
    let (cmds, st) = split_finished(host.on(T0 + 500, Input::Reserved(Reservation::AlreadyUsed)));
    // No `Release`: the key belongs to the session that used the transaction.
    assert_eq!(cmds, rejected("payment_already_used", 1008));
    assert!(st.refund.is_none() && st.settlement.is_none());
    let (cmds, _) = {
        let mut host = Host {
            session: Session::accept(&offers, RESOURCE, policy(token()), ID, T0),
        };
        pay_token(&mut host, T0, 1_000);
        split_finished(host.on(T0 + 500, Input::Reserved(Reservation::Unavailable)))
    };
    assert_eq!(cmds, rejected("replay_store_unavailable", 1011));
}

#[test]
fn not_found_is_asked_again_after_the_retry_interval_and_then_accepted() {
    let offers = offers();
    let mut host = Host {
        session: Session::accept(&offers, RESOURCE, policy(token()), ID, T0),
    };
    let at = T0 + 1_000;
    assert_eq!(
        host.on(at, Input::Text(proof_frame(HASH, PAYER).as_bytes())),
        vec![tx_call()]
    );
    // Not known to the node yet (`null`): nothing now, a timer 2 s later.
    assert_eq!(host.rpc(at + 50, &rpc("null")), vec![]);
    assert_eq!(host.session.poll_timeout(), Some(at + 50 + 2_000));
    // An early timer does nothing.
    assert_eq!(host.on(at + 1_000, Input::Timer), vec![]);
    assert_eq!(host.on(at + 2_050, Input::Timer), vec![tx_call()]);
    // Pending (no block yet) counts as not found too.
    let pending = tx(PAYER, TOKEN, 0).replace(r#""blockNumber":"0x10""#, r#""blockNumber":null"#);
    assert_eq!(host.rpc(at + 2_100, &pending), vec![]);
    assert_eq!(host.on(at + 4_100, Input::Timer), vec![tx_call()]);
    assert_eq!(
        host.rpc(at + 4_200, &tx(PAYER, TOKEN, 0)),
        vec![block_call()]
    );
    assert_eq!(host.rpc(at + 4_300, &block(10)), vec![head_call()]);
    assert_eq!(host.rpc(at + 4_400, &head(BLOCK)), vec![receipt_call()]);
    assert_eq!(
        host.rpc(
            at + 4_500,
            &receipt(1, &[transfer_log(TOKEN, PAYER, PAYEE, 1_000)])
        ),
        vec![Cmd::Reserve(tx_key(), 86_710)]
    );
}

#[test]
fn not_final_waits_for_confirmations() {
    let offers = offers();
    let mut p = policy(token());
    p.chain_proof = Some(ChainProofTerms {
        min_confirmations: 3,
        ..terms(token())
    });
    let mut host = Host {
        session: Session::accept(&offers, RESOURCE, p, ID, T0),
    };
    host.on(T0, Input::Text(proof_frame(HASH, PAYER).as_bytes()));
    host.rpc(T0, &tx(PAYER, TOKEN, 0));
    host.rpc(T0, &block(10));
    // Head 0x11: 2 confirmations of 3.
    host.rpc(T0, &head(BLOCK + 1));
    let log = [transfer_log(TOKEN, PAYER, PAYEE, 1_000)];
    assert_eq!(host.rpc(T0, &receipt(1, &log)), vec![]);
    assert_eq!(host.session.poll_timeout(), Some(T0 + 2_000));
    assert_eq!(host.on(T0 + 2_000, Input::Timer), vec![tx_call()]);
    host.rpc(T0 + 2_000, &tx(PAYER, TOKEN, 0));
    host.rpc(T0 + 2_000, &block(10));
    host.rpc(T0 + 2_000, &head(BLOCK + 2));
    assert_eq!(
        host.rpc(T0 + 2_000, &receipt(1, &log)),
        vec![Cmd::Reserve(tx_key(), 86_710)]
    );
}

#[test]
fn not_found_until_the_proof_timeout_is_transaction_not_found() {
    let offers = offers();
    let mut host = Host {
        session: Session::accept(&offers, RESOURCE, policy(token()), ID, T0),
    };
    let at = T0 + 3_000;
    host.on(at, Input::Text(proof_frame(HASH, PAYER).as_bytes()));
    let mut now = at;
    // Retries every 2 s until the proof's arrival + the 10 s proof timeout.
    for _ in 0..4 {
        assert_eq!(host.rpc(now, &rpc("null")), vec![]);
        now += 2_000;
        assert_eq!(host.on(now, Input::Timer), vec![tx_call()]);
    }
    assert_eq!(host.rpc(now, &rpc("null")), vec![]);
    assert_eq!(host.session.poll_timeout(), Some(at + 10_000));
    let (cmds, st) = split_finished(host.on(at + 10_000, Input::Timer));
    assert_eq!(cmds, rejected("transaction_not_found", 1008));
    assert!(matches!(
        st.ending,
        Ending::Rejected { reason: "transaction_not_found", at_ms } if at_ms == at + 10_000
    ));
}

#[test]
fn an_rpc_failure_or_an_error_member_is_rpc_unavailable() {
    let offers = offers();
    for answer in [
        None,
        Some(r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"internal error"}}"#),
        Some("<html>502 Bad Gateway</html>"),
        Some(r#"{"jsonrpc":"2.0","id":1}"#),
    ] {
        let mut host = Host {
            session: Session::accept(&offers, RESOURCE, policy(token()), ID, T0),
        };
        host.on(T0, Input::Text(proof_frame(HASH, PAYER).as_bytes()));
        let (cmds, _) =
            split_finished(host.on(T0 + 100, Input::RpcResponse(answer.map(str::as_bytes))));
        assert_eq!(cmds, rejected("rpc_unavailable", 1011), "{answer:?}");
    }
}

#[test]
fn a_proof_without_a_transaction_hash_is_refused_and_without_terms_unsupported() {
    let offers = offers();
    for proof in [
        r#"{"type":"payment_proof","proof":{"signature":"5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnb","reference":"r"}}"#,
        r#"{"type":"payment_proof","proof":{"txHash":"0x1234"}}"#,
        r#"{"type":"payment_proof","proof":{"txHash":"1111111111111111111111111111111111111111111111111111111111111111"}}"#,
    ] {
        let mut host = Host {
            session: Session::accept(&offers, RESOURCE, policy(token()), ID, T0),
        };
        let (cmds, _) = split_finished(host.on(T0, Input::Text(proof.as_bytes())));
        assert_eq!(cmds, rejected("invalid_transaction_hash", 1008), "{proof}");
    }
    let mut host = Host {
        session: Session::accept(
            &offers,
            RESOURCE,
            SessionPolicy::new(Tariff::per_second(U256::ONE), 60),
            ID,
            T0,
        ),
    };
    let (cmds, _) = split_finished(host.on(T0, Input::Text(proof_frame(HASH, PAYER).as_bytes())));
    assert_eq!(cmds, rejected("legacy_proof_unsupported", 1008));
}

#[test]
fn inputs_out_of_place_while_verifying_change_nothing() {
    let offers = offers();
    let mut host = Host {
        session: Session::accept(&offers, RESOURCE, policy(token()), ID, T0),
    };
    host.on(T0, Input::Text(proof_frame(HASH, PAYER).as_bytes()));
    let g = host.session.generation();
    for input in [
        Input::Text(b"{}"),
        Input::Reserved(Reservation::Fresh),
        Input::AppSend { bytes: 1 },
    ] {
        assert!(host.session.handle(T0, input).is_err());
    }
    assert_eq!(host.session.generation(), g);
    // An answer nobody asked for (none is outstanding while a retry waits).
    host.rpc(T0, &rpc("null"));
    let e = host
        .session
        .handle(T0, Input::RpcResponse(Some(b"{}")))
        .unwrap_err();
    assert_eq!(e.code(), "session_out_of_order");
}

#[test]
fn a_client_that_leaves_while_verifying_gets_nothing_and_no_key_is_taken() {
    let offers = offers();
    let mut host = Host {
        session: Session::accept(&offers, RESOURCE, policy(token()), ID, T0),
    };
    host.on(T0, Input::Text(proof_frame(HASH, PAYER).as_bytes()));
    // It ends at the close (nothing is reserved); the answer of the call under way is taken
    // and ignored, a second one is out of order.
    let (cmds, st) = split_finished(host.on(T0 + 10, Input::Closed { code: Some(1000) }));
    assert_eq!(cmds, vec![]);
    assert!(matches!(
        st.ending,
        Ending::Rejected {
            reason: "connection_closed",
            ..
        }
    ));
    assert_eq!(host.rpc(T0 + 20, &tx(PAYER, TOKEN, 0)), vec![]);
    assert_eq!(
        host.session
            .handle(T0 + 30, Input::RpcResponse(None))
            .unwrap_err()
            .code(),
        "session_out_of_order"
    );
}

#[test]
fn a_client_that_leaves_while_reserving_is_refunded_in_full() {
    let offers = offers();
    let mut host = Host {
        session: Session::accept(&offers, RESOURCE, policy(token()), ID, T0),
    };
    pay_token(&mut host, T0, 1_200);
    assert_eq!(
        host.on(T0 + 450, Input::Closed { code: Some(1000) }),
        vec![]
    );
    let cmds = host.on(T0 + 500, Input::Reserved(Reservation::Fresh));
    let order = RefundOrder::for_session_in(
        ID,
        pay402::x402::network::Network::Eip155 { chain_id: CHAIN },
        RefundAsset::Token(addr(TOKEN)),
        addr(PAYER),
        U256::from_u64(1_200),
    )
    .unwrap();
    assert_eq!(cmds, vec![Cmd::Refund(order)]);
}

/// Persistence and recovery: the on-chain session's records say so, and a restart after the
/// drop refunds the same order in the paid asset to the same payer.
#[test]
fn a_recovered_on_chain_session_ends_in_its_refund() {
    let keys = SessionKeys::derive(&[0x42; 32]).unwrap();
    let offers = offers();
    let mut p = policy(EvmAsset::Native);
    p.resume_grace_ms = 30_000;
    let mut host = Host {
        session: Session::accept(&offers, RESOURCE, p, ID, T0).with_keys(keys.clone()),
    };
    host.on(T0, Input::Text(proof_frame(HASH, CLAIMED).as_bytes()));
    host.rpc(T0, &tx(PAYER, PAYEE, 3_000));
    host.rpc(T0, &block(10));
    host.rpc(T0, &head(BLOCK));
    host.rpc(T0, &receipt(1, &[]));
    let cmds = host.on(T0 + 1_000, Input::Reserved(Reservation::Fresh));
    let Some(Cmd::Persist(first, 1, None)) = cmds.first().cloned() else {
        panic!("the start is recorded first: {cmds:?}");
    };
    let opened = SealedRecord::open(&keys, &first).unwrap();
    assert_eq!(opened.scheme, SchemeKind::EvmTransaction);
    assert_eq!((opened.x402_version, opened.offer_index), (0, 0));
    assert_eq!(opened.replay_key, tx_key().as_slice());
    assert_eq!(opened.payment_header, b"native");
    assert_eq!(opened.payer, Some(Payer::Evm(addr(PAYER))));
    let chain = opened.chain_prepayment().unwrap();
    assert_eq!((chain.chain_id, chain.asset), (CHAIN, EvmAsset::Native));
    assert_eq!(chain.tx_hash, [0x11; 32]);
    assert!(matches!(&cmds[1], Cmd::Send(s) if s.contains("resumeToken")));
    host.on(T0 + 1_000, Input::Persisted(true));
    // The socket drops 40 s in; the record says suspended at T0 + 41 000.
    let cmds = host.on(T0 + 41_000, Input::Closed { code: None });
    let Some(Cmd::Persist(suspended, 2, Some(1))) = cmds.first().cloned() else {
        panic!("{cmds:?}");
    };
    host.on(T0 + 41_000, Input::Persisted(true));
    // The process restarts after the grace: the recovered session ends connection_lost at the
    // drop (40 s × 10 = 400 consumed) and refunds 2 600 wei to the transaction's sender.
    let (session, recovery) =
        Session::recover(&offers, RESOURCE, p, keys.clone(), &suspended, T0 + 80_000).unwrap();
    assert_eq!(recovery, Recovery::End);
    let mut host = Host { session };
    let cmds = host.drain();
    let Some(Cmd::Persist(ending, 3, Some(2))) = cmds.first().cloned() else {
        panic!("{cmds:?}");
    };
    let ending = SealedRecord::open(&keys, &ending).unwrap();
    assert_eq!(ending.refund.amount, U256::from_u64(2_600));
    let order = RefundOrder::for_session_in(
        ID,
        pay402::x402::network::Network::Eip155 { chain_id: CHAIN },
        RefundAsset::Native,
        addr(PAYER),
        U256::from_u64(2_600),
    )
    .unwrap();
    assert_eq!(
        host.on(T0 + 80_000, Input::Persisted(true)),
        vec![Cmd::Refund(order)]
    );
    // The refund's answer ends it; the last record still says what was paid, on chain.
    let record = {
        let cmds = host.on(T0 + 81_000, Input::Refunded(RefundOutcome::Pending));
        let (cmds, st) = split_finished(cmds);
        assert_eq!(st.refund.unwrap().status, RefundStatus::Pending);
        assert_eq!(st.settlement.unwrap().status, SettleStatus::Settled);
        match cmds.last() {
            Some(Cmd::Persist(r, 4, Some(3))) => r.clone(),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(
        SealedRecord::open(&keys, &record)
            .unwrap()
            .chain_prepayment(),
        Some(chain)
    );
    // A server without chain proofs cannot take the record over.
    let err = Session::recover(
        &offers,
        RESOURCE,
        SessionPolicy::new(Tariff::per_second(U256::from_u64(10)), 3600),
        keys,
        &suspended,
        T0 + 80_000,
    )
    .err()
    .unwrap();
    assert_eq!(err.code(), "inconsistent_record");
}

/// A dropped on-chain session resumed on a new socket keeps its payment: the resumed session's
/// refund is the same asset to the same payer.
#[test]
fn a_resumed_on_chain_session_refunds_in_the_paid_asset() {
    let keys = SessionKeys::derive(&[0x24; 32]).unwrap();
    let offers = offers();
    let mut p = policy(token());
    p.resume_grace_ms = 30_000;
    let mut host = Host {
        session: Session::accept(&offers, RESOURCE, p, ID, T0).with_keys(keys.clone()),
    };
    pay_token(&mut host, T0, 2_000);
    let cmds = host.on(T0 + 1_000, Input::Reserved(Reservation::Fresh));
    let Some(Cmd::Send(started)) = cmds.get(1) else {
        panic!("{cmds:?}")
    };
    let token_at = started.find(r#""resumeToken":""#).unwrap() + r#""resumeToken":""#.len();
    let resume_token = started[token_at..].split('"').next().unwrap().to_owned();
    host.on(T0 + 1_000, Input::Persisted(true));
    // 10 s in, the socket drops.
    let cmds = host.on(T0 + 11_000, Input::Closed { code: None });
    let Some(Cmd::Persist(suspended, _, _)) = cmds.first().cloned() else {
        panic!("{cmds:?}")
    };
    host.on(T0 + 11_000, Input::Persisted(true));
    // A new socket resumes 5 s later.
    let mut new = Host {
        session: Session::accept(&offers, RESOURCE, p, [0x77; 16], T0 + 16_000)
            .with_keys(keys.clone()),
    };
    let frame = format!(
        r#"{{"type":"resume_session","sessionId":"5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a","resumeToken":"{resume_token}"}}"#
    );
    assert_eq!(
        new.on(T0 + 16_000, Input::Text(frame.as_bytes())),
        vec![Cmd::Other("load")]
    );
    let cmds = new.on(T0 + 16_000, Input::Loaded(Some(&suspended)));
    assert!(matches!(cmds.first(), Some(Cmd::Persist(..))), "{cmds:?}");
    let cmds = new.on(T0 + 16_000, Input::Persisted(true));
    assert!(
        matches!(&cmds[..], [Cmd::Send(s)] if s.contains(r#""type":"session_resumed""#) && s.contains(r#""consumedAmount":"100""#)),
        "{cmds:?}"
    );
    // 20 s more, then the client ends: 300 consumed, 1 700 back to the Transfer's from.
    let cmds = new.on(T0 + 36_000, Input::Text(br#"{"type":"end_session"}"#));
    let Some(Cmd::Persist(..)) = cmds.last() else {
        panic!("the end is recorded before the refund: {cmds:?}")
    };
    let order = RefundOrder::for_session_in(
        ID,
        pay402::x402::network::Network::Eip155 { chain_id: CHAIN },
        RefundAsset::Token(addr(TOKEN)),
        addr(PAYER),
        U256::from_u64(1_700),
    )
    .unwrap();
    assert_eq!(
        new.on(T0 + 36_000, Input::Persisted(true)),
        vec![Cmd::Refund(order)]
    );
}

/// A receipt in another block than the one fetched (the chain reorganised between the calls) is
/// asked for again, not refused.
#[test]
fn a_reorganisation_between_the_calls_is_retried() {
    let offers = offers();
    let mut host = Host {
        session: Session::accept(&offers, RESOURCE, policy(token()), ID, T0),
    };
    host.on(T0, Input::Text(proof_frame(HASH, PAYER).as_bytes()));
    host.rpc(T0, &tx(PAYER, TOKEN, 0));
    host.rpc(T0, &block(10));
    host.rpc(T0, &head(BLOCK + 1));
    let log = [transfer_log(TOKEN, PAYER, PAYEE, 1_000)];
    let moved = receipt(1, &log)
        .replace(r#""blockNumber":"0x10""#, r#""blockNumber":"0x11""#)
        .replace(BLOCK_HASH, &word(9));
    assert_eq!(host.rpc(T0 + 100, &moved), vec![]);
    assert_eq!(host.on(T0 + 2_100, Input::Timer), vec![tx_call()]);
    host.rpc(T0 + 2_100, &tx(PAYER, TOKEN, 0));
    host.rpc(T0 + 2_100, &block(10));
    host.rpc(T0 + 2_100, &head(BLOCK + 1));
    assert_eq!(
        host.rpc(T0 + 2_100, &receipt(1, &log)),
        vec![Cmd::Reserve(tx_key(), 86_710)]
    );
}

#[test]
fn a_block_the_node_does_not_have_yet_is_asked_again_and_an_error_null_beside_a_result_is_read() {
    let offers = offers();
    let mut host = Host {
        session: Session::accept(&offers, RESOURCE, policy(token()), ID, T0),
    };
    let at = T0 + 1_000;
    host.on(at, Input::Text(proof_frame(HASH, PAYER).as_bytes()));
    // Some servers answer `"error": null` beside the result (JSON-RPC 2.0 allows only one of
    // them, but a null error is no error).
    let with_null_error = tx(PAYER, TOKEN, 0).replacen('{', r#"{"error":null,"#, 1);
    assert_eq!(host.rpc(at + 100, &with_null_error), vec![block_call()]);
    // A load-balanced node behind the one that found the transaction: its block is `null`,
    // not found yet, asked again from the transaction after the retry interval.
    assert_eq!(host.rpc(at + 200, &rpc("null")), vec![]);
    assert_eq!(host.session.poll_timeout(), Some(at + 200 + 2_000));
    assert_eq!(host.on(at + 2_200, Input::Timer), vec![tx_call()]);
    assert_eq!(
        host.rpc(at + 2_300, &tx(PAYER, TOKEN, 0)),
        vec![block_call()]
    );
    assert_eq!(host.rpc(at + 2_400, &block(10)), vec![head_call()]);
    assert_eq!(host.rpc(at + 2_500, &head(BLOCK)), vec![receipt_call()]);
    assert_eq!(
        host.rpc(
            at + 2_600,
            &receipt(1, &[transfer_log(TOKEN, PAYER, PAYEE, 1_000)])
        ),
        vec![Cmd::Reserve(tx_key(), 86_710)]
    );
}
