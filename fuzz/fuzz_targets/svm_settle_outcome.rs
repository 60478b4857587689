//! The facilitator's Solana settlement machine never panics: the signature check takes any text
//! (and accepts only base58 text of a 64-byte length that is not all zero), every step sequence ends in a
//! `SettleResponse` that decodes, an out-of-order step is refused, and the `errorMessage` is at
//! most 500 UTF-16 code units.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::writer::write_all;
use pay402::x402::SettleResponse;
use pay402::x402::evm_settlement::MAX_ERROR_MESSAGE_LEN;
use pay402::x402::svm_settlement::{Phase, SvmSettlement, is_valid_signature};

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = core::str::from_utf8(rest) else {
        return;
    };
    if is_valid_signature(text) {
        const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
        assert!((64..=88).contains(&text.len()));
        assert!(text.bytes().all(|b| ALPHABET.contains(&b)));
        assert!(text.bytes().any(|b| b != b'1'));
    }

    let mut s = SvmSettlement::at(
        "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1",
        text,
        Phase::Built,
    );
    let mut end = None;
    // Three bits per step, two steps, from the control byte; the last two bits pick a third.
    for step in 0..3 {
        let pick = if step < 2 {
            (control >> (3 * step)) & 7
        } else {
            control >> 6
        };
        let result = match pick {
            0 => s.submitted(text),
            1 => s.refused(text, Some(text)).map(Some),
            2 => s.simulation_failed(text).map(Some),
            3 => s.duplicate().map(Some),
            4 => s.send_failed(text).map(Some),
            5 => s.failed(text).map(Some),
            6 => s.confirmation_timeout(text).map(Some),
            _ => s.confirmed().map(Some),
        };
        match result {
            Ok(Some(r)) => {
                assert_eq!(s.phase(), Phase::Ended);
                if let Some(m) = r.error_message {
                    let m = m.to_string();
                    assert!(m.encode_utf16().count() <= MAX_ERROR_MESSAGE_LEN);
                }
                end = Some(r);
            }
            Ok(None) => assert!(is_valid_signature(text)),
            Err(_) => {}
        }
    }
    if let Some(r) = end {
        let mut buf = vec![0u8; 64 + 12 * text.len() + 4096];
        let n = write_all(&mut buf, |w| r.write_json(w)).expect("fits");
        let decoded = SettleResponse::from_json(&buf[..n]).expect("the result decodes");
        assert_eq!(decoded.success, r.success);
    }
});
