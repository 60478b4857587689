//! The Solana on-chain proof check and `PayPer402`'s never panic on any `getTransaction` result.
//! Input: the claimed signature (64 bytes), one byte choosing the asset (even: the token, odd:
//! SOL) and the commitment it was fetched at, the mint, the payee and the reference (32 bytes
//! each), then the result JSON. An accepted proof paid at least the price and its replay key
//! fits `MAX_KEY_LEN`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::U256;
use pay402::dialects::PayPer402Challenge;
use pay402::onchain::svm::{
    Commitment, PayPer402Terms, SvmAsset, SvmExpected, SvmTransaction, verify_payper402,
    verify_svm_transaction,
};
use pay402::onchain::{MAX_KEY_LEN, TxId};
use pay402::svm::{Pubkey, TOKEN_PROGRAM_ID};
use pay402::writer::Writer;

fn key(bytes: &[u8]) -> Pubkey {
    let mut k = [0u8; 32];
    k.copy_from_slice(bytes);
    Pubkey(k)
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 161 {
        return;
    }
    let (head, result) = data.split_at(161);
    let mut signature = [0u8; 64];
    signature.copy_from_slice(&head[..64]);
    let flags = head[64];
    let (mint, pay_to, reference) = (
        key(&head[65..97]),
        key(&head[97..129]),
        key(&head[129..161]),
    );
    let fetched_at = if flags & 2 == 0 {
        Commitment::Confirmed
    } else {
        Commitment::Finalized
    };
    let expected = SvmExpected {
        signature,
        asset: if flags & 1 == 0 {
            SvmAsset::Token {
                mint,
                token_program: TOKEN_PROGRAM_ID,
            }
        } else {
            SvmAsset::Native
        },
        pay_to,
        min_amount: U256::from_u64(1000),
        reference: (flags & 4 != 0).then_some(reference),
        max_age_secs: Some(600),
        min_commitment: Commitment::Confirmed,
        now: 1_760_000_000,
    };
    if let Ok(tx) = SvmTransaction::parse(result) {
        // Everything well-formed decodes again without error.
        let _ = tx.transfers().count();
        let _ = tx.has_read_only_key(&reference);
        if let Ok(ok) = verify_svm_transaction(&tx, fetched_at, &expected) {
            assert!(ok.amount >= expected.min_amount);
            assert!(matches!(ok.tx, TxId::Svm(s) if s == signature));
            let mut buf = [0u8; MAX_KEY_LEN];
            assert!(ok.tx.write_key(&mut Writer::new(&mut buf)).is_ok());
        }
    }
    let challenge =
        r#"Bearer realm="PayPer402", amount="0.001", currency="USDC", network="Solana""#;
    if let Ok(challenge) = PayPer402Challenge::parse(challenge, 6) {
        let terms = PayPer402Terms {
            mint,
            token_program: TOKEN_PROGRAM_ID,
            pay_to,
            reference: None,
            max_age_secs: Some(600),
            min_commitment: Commitment::Confirmed,
            now: 1_760_000_000,
        };
        // The signature as a client sends it: the base58 text of the replay key `svm:<base58>`.
        let mut buf = [0u8; MAX_KEY_LEN];
        let mut w = Writer::new(&mut buf);
        if TxId::Svm(signature).write_key(&mut w).is_ok() {
            let text = w.written().get(4..).unwrap_or_default();
            let _ = verify_payper402(&challenge, text, result, fetched_at, &terms);
        }
    }
});
