//! Refund orders built from text, as the bindings build them: a token's address or `"native"` for
//! the chain's native coin. The transaction each order asks for is checked against its
//! definition: a token refund is EIP-20 `transfer(address,uint256)` (selector `a9059cbb`, the
//! recipient and the amount as 32-byte words) sent to the token with no value; a native refund is
//! a plain value transfer of the amount to the payer, with no calldata.

#![allow(clippy::unwrap_used, clippy::panic)] // a specification: a failed unwrap is a failed test

use pay402::U256;
use pay402::evm::Address;
use pay402::x402::refund::RefundAsset;
use pay402_host::refund::{NATIVE, asset_text, calldata, order, refund_asset};

const USDC: &str = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913";
const PAYER: &str = "0x857b06519E91e3A54538791bDbb0E22373e36b66";

fn addr(text: &str) -> Address {
    Address::parse(text.as_bytes()).unwrap()
}

#[test]
fn native_is_a_value_transfer_of_the_amount_to_the_payer_without_calldata() {
    let wei = U256::from_u64(1_000_000_000_000_000_001);
    let o = order(&[7; 32], "eip155:8453", "native", PAYER, wei).unwrap();
    assert_eq!(o.refund_asset(), RefundAsset::Native);
    assert_eq!(o.tx_to(), addr(PAYER));
    assert_eq!(o.tx_value(), wei);
    assert_eq!(calldata(&o).unwrap(), Vec::<u8>::new());
    assert_eq!(asset_text(&o), NATIVE);
    assert_eq!(NATIVE, "native");
}

#[test]
fn a_token_is_a_transfer_call_to_the_token_without_value() {
    let o = order(&[7; 32], "eip155:8453", USDC, PAYER, U256::from_u64(1500)).unwrap();
    assert_eq!(o.refund_asset(), RefundAsset::Token(addr(USDC)));
    assert_eq!(o.tx_to(), addr(USDC));
    assert_eq!(o.tx_value(), U256::ZERO);
    let mut want = vec![0xa9, 0x05, 0x9c, 0xbb];
    want.extend_from_slice(&[0; 12]);
    want.extend_from_slice(&addr(PAYER).0);
    want.extend_from_slice(&[0; 30]);
    want.extend_from_slice(&1500u16.to_be_bytes());
    assert_eq!(calldata(&o).unwrap(), want);
    assert_eq!(asset_text(&o), USDC); // EIP-55, as written
}

#[test]
fn the_asset_text_reads_back_as_the_same_order() {
    for asset in ["native", USDC] {
        let o = order(&[9; 32], "eip155:1", asset, PAYER, U256::from_u64(5)).unwrap();
        let again = order(&o.key(), "eip155:1", &asset_text(&o), PAYER, o.amount()).unwrap();
        assert_eq!(again, o);
    }
}

#[test]
fn only_the_exact_word_native_names_the_coin() {
    for text in ["Native", "NATIVE", "eth", "ETH", "", " native", "0x"] {
        let e = refund_asset(text).unwrap_err();
        assert_eq!(e.code, "invalid_address", "{text:?}");
    }
    assert_eq!(refund_asset("native").unwrap(), RefundAsset::Native);
}

#[test]
fn native_orders_keep_the_order_rules() {
    let zero = order(&[1; 32], "eip155:8453", "native", PAYER, U256::ZERO).unwrap_err();
    assert_eq!(zero.code, "refund_amount_zero");
    let solana = order(
        &[1; 32],
        "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1",
        "native",
        PAYER,
        U256::ONE,
    )
    .unwrap_err();
    assert_eq!(solana.code, "refund_unsupported_network");
    let bad_to = order(&[1; 32], "eip155:8453", "native", "native", U256::ONE).unwrap_err();
    assert_eq!(bad_to.code, "invalid_address");
}

#[cfg(feature = "ws402")]
#[test]
fn one_session_has_one_refund_key_whatever_the_asset() {
    use pay402_host::refund::session_order;
    let native = session_order(&[3; 16], "eip155:1", "native", PAYER, U256::ONE).unwrap();
    let token = session_order(&[3; 16], "eip155:1", USDC, PAYER, U256::ONE).unwrap();
    assert_eq!(native.key(), token.key());
    let mut h = <sha2::Sha256 as sha2::Digest>::new();
    sha2::Digest::update(&mut h, b"pay402 ws402 refund");
    sha2::Digest::update(&mut h, [3u8; 16]);
    let want: [u8; 32] = sha2::Digest::finalize(h).into();
    assert_eq!(native.key(), want);
}

/// The most a transaction can take from its sender is `value + gas × maxFeePerGas` (EIP-1559:
/// the sender must hold `gas_limit × max_fee_per_gas + value` for the transaction to be valid).
#[test]
fn the_balance_must_cover_the_value_and_the_most_gas_can_cost() {
    use pay402_host::refund::RefundStep;
    let wei = U256::from_u64(10_000_000_000_000_000); // 0.01 ETH
    let gas = U256::from_u64(21_000);
    let fee = U256::from_u64(2_000_000_000); // 2 gwei
    let need = 10_000_000_000_000_000 + 21_000 * 2_000_000_000; // computed here: 10_042_000_000_000_000
    let native = order(&[7; 32], "eip155:8453", "native", PAYER, wei).unwrap();

    let mut enough = RefundStep::new(native);
    assert_eq!(
        enough
            .check_balance(U256::from_u64(need), gas, fee)
            .unwrap(),
        None
    );
    assert_eq!(enough.phase(), "built"); // still to be signed

    let mut short = RefundStep::new(native);
    let r = short
        .check_balance(U256::from_u64(need - 1), gas, fee)
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            r.success,
            r.error_reason.as_deref(),
            r.transaction.as_str(),
            r.verdict
        ),
        (false, Some("refund_send_failed"), "", "failed")
    );
    let message = r.error_message.unwrap();
    assert!(
        message.contains("10041999999999999") && message.contains("10042000000000000"),
        "{message}"
    );
    assert_eq!(short.phase(), "ended");

    // A token refund has no value: only the gas must be covered.
    let token = order(&[7; 32], "eip155:8453", USDC, PAYER, wei).unwrap();
    let gas_only = 21_000 * 2_000_000_000;
    assert_eq!(
        RefundStep::new(token)
            .check_balance(U256::from_u64(gas_only), gas, fee)
            .unwrap(),
        None
    );
    let r = RefundStep::new(token)
        .check_balance(U256::from_u64(gas_only - 1), gas, fee)
        .unwrap()
        .unwrap();
    assert_eq!(r.error_reason.as_deref(), Some("refund_send_failed"));

    // An overflowing cost is never covered.
    let max = U256::MAX;
    let r = RefundStep::new(native)
        .check_balance(max, max, U256::from_u64(2))
        .unwrap()
        .unwrap();
    assert_eq!(r.error_reason.as_deref(), Some("refund_send_failed"));

    // Only before the broadcast.
    let mut sent = RefundStep::resume(
        native,
        "0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef",
    );
    assert_eq!(
        sent.check_balance(max, gas, fee).unwrap_err().code,
        "refund_step_out_of_order"
    );
}
