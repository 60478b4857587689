//! Bad-input catalogue for the on-chain proof checks (`pay402::onchain`): each malformed RPC
//! result with the exact error code, and its detail code where the cause is a JSON or field
//! error. Shapes: Ethereum JSON-RPC API (<https://ethereum.org/en/developers/docs/apis/json-rpc/>)
//! and Solana `getTransaction` `jsonParsed` (<https://solana.com/docs/rpc/http/gettransaction>).
#![allow(clippy::unwrap_used, clippy::indexing_slicing, missing_docs)]

use pay402::ErrorCode;
use pay402::U256;
use pay402::evm::Address;
use pay402::onchain::evm::{
    EvmAsset, EvmBlock, EvmExpected, EvmProof, EvmReceipt, parse_block_number,
    verify_evm_transaction,
};
use pay402::onchain::svm::{
    Commitment, SvmAsset, SvmExpected, SvmTransaction, parse_signature, verify_svm_transaction,
};
use pay402::svm::{Pubkey, TOKEN_PROGRAM_ID, associated_token_address};

const HASH: &str = "0x1111111111111111111111111111111111111111111111111111111111111111";
const BLOCK_HASH: &str = "0x2222222222222222222222222222222222222222222222222222222222222222";
const TOPIC0: &str = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";
const FROM: &str = "0x00000000000000000000000000000000000000000000000000000000000000aa";
const TO: &str = "0x00000000000000000000000000000000000000000000000000000000000000bb";
const ONE_THOUSAND: &str = "0x00000000000000000000000000000000000000000000000000000000000003e8";
const MAX: &str = "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

/// An error code and its detail code.
type Code = (&'static str, Option<&'static str>);

/// A bad EVM input: name, receipt, block, head, expected codes.
type EvmRow<'a> = (&'a str, String, String, &'a str, Code);

fn log(topics: &str, data: &str) -> String {
    format!(
        r#"{{"address":"0x00000000000000000000000000000000000000cc","topics":{topics},"data":"{data}"}}"#
    )
}

fn transfer(data: &str) -> String {
    log(&format!(r#"["{TOPIC0}","{FROM}","{TO}"]"#), data)
}

fn receipt(logs: &str) -> String {
    format!(
        r#"{{"transactionHash":"{HASH}","blockNumber":"0x10","blockHash":"{BLOCK_HASH}","status":"0x1","logs":[{logs}]}}"#
    )
}

fn block() -> String {
    format!(r#"{{"number":"0x10","hash":"{BLOCK_HASH}","timestamp":"0x64"}}"#)
}

fn expected() -> EvmExpected {
    EvmExpected {
        chain_id: 8453,
        tx_hash: [0x11; 32],
        asset: EvmAsset::Token(
            Address::parse(b"0x00000000000000000000000000000000000000cc").unwrap(),
        ),
        pay_to: Address::parse(b"0x00000000000000000000000000000000000000bb").unwrap(),
        min_amount: U256::from_u64(1000),
        max_age_secs: None,
        min_confirmations: 1,
        now: 200,
    }
}

fn evm(
    receipt: &str,
    block: &str,
    head: &str,
) -> Result<U256, (&'static str, Option<&'static str>)> {
    let code = |e: pay402::onchain::ProofError| (e.code(), e.detail_code());
    let proof = EvmProof {
        receipt: EvmReceipt::parse(receipt.as_bytes()).map_err(code)?,
        block: EvmBlock::parse(block.as_bytes()).map_err(code)?,
        head: parse_block_number(head.as_bytes()).map_err(code)?,
        transaction: None,
    };
    verify_evm_transaction(&proof, &expected())
        .map(|ok| ok.amount)
        .map_err(code)
}

#[test]
fn a_well_formed_evm_proof_is_accepted() {
    assert_eq!(
        evm(&receipt(&transfer(ONE_THOUSAND)), &block(), r#""0x10""#),
        Ok(U256::from_u64(1000))
    );
}

#[test]
#[allow(clippy::too_many_lines, reason = "one row per bad input")]
fn rejects_each_malformed_evm_result_with_its_code() {
    let good = receipt(&transfer(ONE_THOUSAND));
    let bad = "invalid_rpc_result";
    let deep = "[".repeat(40);
    let cases: Vec<EvmRow<'_>> = vec![
        (
            "empty receipt",
            String::new(),
            block(),
            r#""0x10""#,
            (bad, Some("json_empty")),
        ),
        (
            "truncated receipt",
            good[..good.len() - 1].to_owned(),
            block(),
            r#""0x10""#,
            (bad, Some("json_unexpected_end")),
        ),
        (
            "receipt is an array",
            "[]".into(),
            block(),
            r#""0x10""#,
            (bad, Some("wrong_type")),
        ),
        (
            "duplicate key",
            good.replacen('{', r#"{"status":"0x1","#, 1),
            block(),
            r#""0x10""#,
            (bad, Some("json_duplicate_key")),
        ),
        (
            "status missing",
            good.replace(r#""status":"0x1","#, ""),
            block(),
            r#""0x10""#,
            (bad, Some("missing_field")),
        ),
        (
            "status a number",
            good.replace(r#""status":"0x1""#, r#""status":1"#),
            block(),
            r#""0x10""#,
            (bad, Some("wrong_type")),
        ),
        (
            "status with a leading zero",
            good.replace(r#""status":"0x1""#, r#""status":"0x01""#),
            block(),
            r#""0x10""#,
            (bad, Some("invalid_value")),
        ),
        (
            "block number beyond u64",
            good.replace(
                r#""blockNumber":"0x10""#,
                r#""blockNumber":"0x10000000000000000""#,
            ),
            block(),
            r#""0x10""#,
            (bad, Some("invalid_value")),
        ),
        (
            "hash too short",
            good.replace(HASH, "0x11"),
            block(),
            r#""0x10""#,
            (bad, Some("invalid_value")),
        ),
        (
            "logs an object",
            receipt("").replace(r#""logs":[]"#, r#""logs":{}"#),
            block(),
            r#""0x10""#,
            (bad, Some("wrong_type")),
        ),
        (
            "log a string",
            receipt(r#""log""#),
            block(),
            r#""0x10""#,
            (bad, Some("wrong_type")),
        ),
        (
            "log address not hex",
            receipt(
                &transfer(ONE_THOUSAND)
                    .replace("0x00000000000000000000000000000000000000cc", "0xzz"),
            ),
            block(),
            r#""0x10""#,
            (bad, Some("invalid_value")),
        ),
        (
            "topic not 32 bytes",
            receipt(&log(r#"["0xdd"]"#, ONE_THOUSAND)),
            block(),
            r#""0x10""#,
            (bad, Some("invalid_value")),
        ),
        (
            "data not hex",
            receipt(&transfer(
                "0xzz00000000000000000000000000000000000000000000000000000000000000",
            )),
            block(),
            r#""0x10""#,
            (bad, Some("invalid_value")),
        ),
        (
            "two transfers summing past 2^256",
            receipt(&format!("{},{}", transfer(MAX), transfer(MAX))),
            block(),
            r#""0x10""#,
            (bad, Some("invalid_value")),
        ),
        (
            "block timestamp missing",
            good.clone(),
            block().replace(r#","timestamp":"0x64""#, ""),
            r#""0x10""#,
            (bad, Some("missing_field")),
        ),
        (
            "block not JSON",
            good.clone(),
            "{".into(),
            r#""0x10""#,
            (bad, Some("json_unexpected_end")),
        ),
        (
            "head a number",
            good.clone(),
            block(),
            "16",
            (bad, Some("wrong_type")),
        ),
        (
            "head with a sign",
            good.clone(),
            block(),
            r#""0x+10""#,
            (bad, Some("invalid_value")),
        ),
        (
            "head deeper than the nesting limit",
            good.clone(),
            block(),
            &deep,
            (bad, Some("json_too_deep")),
        ),
        (
            "receipt null",
            "null".into(),
            block(),
            r#""0x10""#,
            ("transaction_not_found", None),
        ),
    ];
    for (name, receipt, block, head, expected) in cases {
        assert_eq!(evm(&receipt, &block, head).unwrap_err(), expected, "{name}");
    }
}

fn svm_expected() -> SvmExpected {
    SvmExpected {
        signature: [7; 64],
        asset: SvmAsset::Token {
            mint: Pubkey([3; 32]),
            token_program: TOKEN_PROGRAM_ID,
        },
        pay_to: Pubkey([5; 32]),
        min_amount: U256::from_u64(1000),
        reference: None,
        max_age_secs: None,
        min_commitment: Commitment::Confirmed,
        now: 200,
    }
}

fn svm_result(amount: &str) -> String {
    let ata =
        associated_token_address(&Pubkey([5; 32]), &Pubkey([3; 32]), &TOKEN_PROGRAM_ID).unwrap();
    let sig = bs58_of(&[7; 64]);
    format!(
        r#"{{"blockTime":100,"meta":{{"err":null}},"slot":1,"transaction":{{"signatures":["{sig}"],"message":{{"accountKeys":[],"instructions":[{{"programId":"{TOKEN_PROGRAM_ID}","parsed":{{"type":"transferChecked","info":{{"mint":"{mint}","source":"{src}","destination":"{ata}","authority":"{src}","tokenAmount":{{"amount":{amount},"decimals":6}}}}}}}}]}}}}}}"#,
        mint = Pubkey([3; 32]),
        src = Pubkey([9; 32]),
    )
}

fn bs58_of(bytes: &[u8; 64]) -> String {
    let mut buf = [0u8; pay402::onchain::MAX_KEY_LEN];
    let mut w = pay402::writer::Writer::new(&mut buf);
    pay402::onchain::TxId::Svm(*bytes)
        .write_key(&mut w)
        .unwrap();
    String::from_utf8(w.written()[4..].to_vec()).unwrap()
}

fn svm(result: &str) -> Result<U256, Code> {
    let code = |e: pay402::onchain::ProofError| (e.code(), e.detail_code());
    let tx = SvmTransaction::parse(result.as_bytes()).map_err(code)?;
    verify_svm_transaction(&tx, Commitment::Confirmed, &svm_expected())
        .map(|ok| ok.amount)
        .map_err(code)
}

#[test]
fn a_well_formed_svm_proof_is_accepted() {
    assert_eq!(svm(&svm_result(r#""1000""#)), Ok(U256::from_u64(1000)));
}

#[test]
#[allow(clippy::too_many_lines, reason = "one row per bad input")]
fn rejects_each_malformed_svm_result_with_its_code() {
    let good = svm_result(r#""1000""#);
    let bad = "invalid_rpc_result";
    let cases: Vec<(&str, String, Code)> = vec![
        ("empty", String::new(), (bad, Some("json_empty"))),
        (
            "a byte-order mark",
            format!("\u{feff}{good}"),
            (bad, Some("json_syntax")),
        ),
        (
            "result a string",
            r#""tx""#.into(),
            (bad, Some("wrong_type")),
        ),
        (
            "transaction missing",
            r#"{"meta":{"err":null}}"#.into(),
            (bad, Some("missing_field")),
        ),
        (
            "no signatures",
            good.replace(&format!(r#""{}""#, bs58_of(&[7; 64])), ""),
            (bad, Some("missing_field")),
        ),
        (
            "signature a number",
            good.replace(&format!(r#""{}""#, bs58_of(&[7; 64])), "1"),
            (bad, Some("wrong_type")),
        ),
        (
            "meta null",
            good.replace(r#""meta":{"err":null}"#, r#""meta":null"#),
            (bad, Some("missing_field")),
        ),
        (
            "blockTime negative",
            good.replace(r#""blockTime":100"#, r#""blockTime":-1"#),
            (bad, Some("invalid_value")),
        ),
        (
            "instructions an object",
            good.replace(r#""instructions":["#, r#""instructions":{"a":["#)
                .replace("}]}}}", "}]}}}}"),
            (bad, Some("wrong_type")),
        ),
        (
            "programId not base58",
            good.replace(
                &format!(r#""programId":"{TOKEN_PROGRAM_ID}""#),
                r#""programId":"0OIl""#,
            ),
            (bad, Some("invalid_value")),
        ),
        (
            "amount with a fraction",
            svm_result("1000.5"),
            (bad, Some("invalid_value")),
        ),
        (
            "amount beyond 2^256",
            svm_result(&format!(r#""{}0""#, U256::MAX)),
            (bad, Some("invalid_value")),
        ),
        (
            "amount a boolean",
            svm_result("true"),
            (bad, Some("wrong_type")),
        ),
        (
            "meta.err set",
            good.replace(
                r#""err":null"#,
                r#""err":{"InstructionError":[0,"InvalidAccountData"]}"#,
            ),
            ("transaction_reverted", None),
        ),
        (
            "result null",
            "null".into(),
            ("transaction_not_found", None),
        ),
    ];
    for (name, result, expected) in cases {
        assert_eq!(svm(&result).unwrap_err(), expected, "{name}");
    }
}

#[test]
fn rejects_malformed_signatures() {
    for bad in [&b""[..], b"0OIl", b"1111", &[b'2'; 89][..], b"\xff"] {
        assert_eq!(
            parse_signature(bad).unwrap_err().code(),
            "invalid_transaction_signature"
        );
    }
}
