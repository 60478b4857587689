//! Co-signing never panics: any bytes are refused with the output untouched, or co-signed into
//! a transaction that decodes, differs from the input only in slot 0, and carries the
//! signature the result reports.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::svm::PayerKey;
use pay402::svm::cosign::cosign_fee_payer;
use pay402::svm::transaction::Transaction;

fuzz_target!(|data: &[u8]| {
    let key = PayerKey::from_seed(&[7; 32]);
    // Also try the input with key 0 replaced by the fee payer, so the signing path is reached.
    let mut patched = data.to_vec();
    if let Ok(tx) = Transaction::decode(data) {
        let keys_at = data.len() - tx.message.bytes().len();
        let header = if tx.message.bytes().first().is_some_and(|b| b & 0x80 != 0) {
            1
        } else {
            0
        };
        // version byte?, 3 header bytes, the key count (one byte below 128 keys)
        let key0 = keys_at + header + 4;
        if let Some(slot) = patched.get_mut(key0..key0 + 32) {
            slot.copy_from_slice(&key.pubkey().0);
        }
    }
    for input in [data, &patched[..]] {
        let mut out = vec![0u8; input.len()];
        match cosign_fee_payer(input, &key, &mut out) {
            Err(_) => assert!(out.iter().all(|b| *b == 0)),
            Ok(c) => {
                let tx =
                    Transaction::decode(c.transaction).expect("the co-signed transaction decodes");
                assert_eq!(tx.signature(0), Some(&c.signature));
                let slot0 = input.len() - tx.message.bytes().len() - 64 * tx.signature_count();
                assert_eq!(&c.transaction[..slot0], &input[..slot0]);
                assert_eq!(&c.transaction[slot0 + 64..], &input[slot0 + 64..]);
            }
        }
    }
});
