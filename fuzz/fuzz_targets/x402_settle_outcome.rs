//! The facilitator's EVM settlement machine never panics: the revert-text matcher and the
//! message cut take any text, every step sequence ends in a `SettleResponse` that decodes, an
//! out-of-order step is refused, and the `errorMessage` is a prefix of the host's text of at
//! most 500 UTF-16 code units.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::writer::write_all;
use pay402::x402::SettleResponse;
use pay402::x402::evm_settlement::{
    EvmSettlement, MAX_ERROR_MESSAGE_LEN, Phase, SettleMethod, eip3009_transfer_error_reason,
    is_valid_tx_hash, truncate_error_message,
};

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = core::str::from_utf8(rest) else {
        return;
    };
    let reason = eip3009_transfer_error_reason(text);
    assert!(reason.starts_with("invalid_exact_evm_"));
    let cut = truncate_error_message(text);
    assert!(text.starts_with(cut));
    assert!(cut.encode_utf16().count() <= MAX_ERROR_MESSAGE_LEN);

    let method = if control & 1 == 0 {
        SettleMethod::Eip3009
    } else {
        SettleMethod::Permit2
    };
    let mut s = EvmSettlement::at("eip155:8453", text, method, None, Phase::Built);
    let mut end = None;
    // Two bits per step, up to three steps, from the control byte's upper bits.
    for step in 0..3 {
        let result = match (control >> (1 + 2 * step)) & 3 {
            0 => s.submitted(text),
            1 => s.transfer_reverted(text).map(Some),
            2 => s.receipt_unavailable(text).map(Some),
            _ => s.confirmed().map(Some),
        };
        match result {
            Ok(Some(r)) => {
                assert_eq!(s.phase(), Phase::Ended);
                end = Some(r);
            }
            Ok(None) => assert!(is_valid_tx_hash(text)),
            Err(_) => {}
        }
    }
    if let Some(r) = end {
        let mut buf = vec![0u8; 64 + 12 * text.len() + 512];
        let n = write_all(&mut buf, |w| r.write_json(w)).expect("fits");
        let decoded = SettleResponse::from_json(&buf[..n]).expect("the result decodes");
        assert_eq!(decoded.success, r.success);
    }
});
