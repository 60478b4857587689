//! The EVM on-chain proof check never panics on any RPC results. Input: the claimed transaction
//! hash (32 bytes), one byte choosing the asset (even: the token, odd: native value), the token
//! (20 bytes), the payee (20 bytes), then the receipt, block, head and transaction JSON texts
//! separated by NUL bytes (the transaction is absent when there are only three). An accepted
//! proof paid at least the price and its replay key fits `MAX_KEY_LEN`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::U256;
use pay402::evm::Address;
use pay402::onchain::evm::{
    EvmAsset, EvmBlock, EvmExpected, EvmProof, EvmReceipt, EvmTransaction, parse_block_number,
    verify_evm_transaction,
};
use pay402::onchain::{MAX_KEY_LEN, TxId};
use pay402::writer::Writer;

fuzz_target!(|data: &[u8]| {
    if data.len() < 73 {
        return;
    }
    let (prefix, rest) = data.split_at(73);
    let mut tx_hash = [0u8; 32];
    tx_hash.copy_from_slice(&prefix[..32]);
    let mut token = [0u8; 20];
    token.copy_from_slice(&prefix[33..53]);
    let mut pay_to = [0u8; 20];
    pay_to.copy_from_slice(&prefix[53..73]);
    let mut parts = rest.split(|&b| b == 0);
    let (Some(receipt), Some(block), Some(head_json)) = (parts.next(), parts.next(), parts.next())
    else {
        return;
    };
    let (Ok(receipt), Ok(block), Ok(head)) = (
        EvmReceipt::parse(receipt),
        EvmBlock::parse(block),
        parse_block_number(head_json),
    ) else {
        return;
    };
    // Every well-formed log decodes again without error.
    let _ = receipt.transfers().count();
    let transaction = match parts.next().map(EvmTransaction::parse) {
        Some(Ok(tx)) => Some(tx),
        Some(Err(_)) => return,
        None => None,
    };
    let proof = EvmProof {
        receipt,
        block,
        head,
        transaction,
    };
    let expected = EvmExpected {
        chain_id: 8453,
        tx_hash,
        asset: if prefix[32] % 2 == 0 {
            EvmAsset::Token(Address(token))
        } else {
            EvmAsset::Native
        },
        pay_to: Address(pay_to),
        min_amount: U256::from_u64(1000),
        max_age_secs: Some(600),
        min_confirmations: 6,
        now: 1_760_000_000,
    };
    if let Ok(ok) = verify_evm_transaction(&proof, &expected) {
        assert!(ok.amount >= expected.min_amount);
        assert!(matches!(ok.tx, TxId::Evm { hash, .. } if hash == tx_hash));
        let mut buf = [0u8; MAX_KEY_LEN];
        assert!(ok.tx.write_key(&mut Writer::new(&mut buf)).is_ok());
    }
});
