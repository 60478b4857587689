//! The refund order and its outcome machine never panic: any bytes make an order or a typed
//! error (amount 0: `refund_amount_zero`), the `transfer` calldata is always 68 bytes with the
//! selector and the amount's word, every step sequence ends in JSON that parses back with the
//! order's amount, an out-of-order step is refused, and only a valid hash is submitted.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::ErrorCode;
use pay402::U256;
use pay402::evm::{Address, erc20};
use pay402::writer::write_all;
use pay402::x402::evm_settlement::is_valid_tx_hash;
use pay402::x402::network::Network;
use pay402::x402::refund::{Refund, RefundOrder, RefundPhase, RefundVerdict};

fuzz_target!(|data: &[u8]| {
    if data.len() < 1 + 16 + 20 + 32 {
        return;
    }
    let (control, rest) = data.split_at(1);
    let (id, rest) = rest.split_at(16);
    let (to, rest) = rest.split_at(20);
    let (amount, rest) = rest.split_at(32);
    let Ok(text) = core::str::from_utf8(rest) else {
        return;
    };
    let control = control[0];
    let amount = U256::from_be_bytes(amount.try_into().expect("32"));
    let id: [u8; 16] = id.try_into().expect("16");
    let to = Address(to.try_into().expect("20"));
    let order = match RefundOrder::for_session(
        id,
        Network::Eip155 {
            chain_id: u64::from(control),
        },
        Address([0x11; 20]),
        to,
        amount,
    ) {
        Ok(order) => order,
        Err(e) => {
            assert!(amount.is_zero());
            assert_eq!(e.code(), "refund_amount_zero");
            return;
        }
    };
    assert_eq!(order.key(), RefundOrder::session_key(id));
    let mut call = [0u8; erc20::TRANSFER_CALLDATA_LEN];
    let data = order.calldata(&mut call).expect("fits");
    assert_eq!(&data[..4], &erc20::TRANSFER_SELECTOR);
    assert_eq!(&data[36..], &amount.to_be_bytes());

    let mut r = Refund::at(order, RefundPhase::Built);
    let mut end = None;
    // Two bits per step, up to three steps, from the control byte.
    for step in 0..3 {
        let result = match (control >> (2 * step)) & 3 {
            0 => r.submitted(text),
            1 => r.send_failed(text).map(Some),
            2 => r.receipt_unavailable(text).map(Some),
            _ => r.confirmed().map(Some),
        };
        match result {
            Ok(Some(result)) => {
                assert_eq!(r.phase(), RefundPhase::Ended);
                end = Some(result);
            }
            Ok(None) => assert!(is_valid_tx_hash(text)),
            Err(_) => {}
        }
    }
    if let Some(result) = end {
        assert_eq!(result.verdict() == RefundVerdict::Refunded, result.success);
        let mut buf = vec![0u8; 64 + 12 * text.len() + 1024];
        let n = write_all(&mut buf, |w| result.write_json(w)).expect("fits");
        let json = core::str::from_utf8(&buf[..n]).expect("utf-8");
        let needle = format!("\"amount\":\"{amount}\"");
        assert!(json.ends_with(&format!("{needle}}}")), "{json}");
    }
});
