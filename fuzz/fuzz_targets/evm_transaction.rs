//! Signing arbitrary EIP-1559 transactions never panics; the raw transaction is `0x02` and one
//! RLP list of exactly twelve items, its hash is Keccak-256 of the bytes, the signature recovers
//! the key's address over the signing hash, and a buffer one byte short is refused and left zero.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::U256;
use pay402::evm::{
    AccessListItem, Address, Eip1559Transaction, PrivateKey, SignaturePolicy, TransactionError,
    keccak256, recover_address,
};
use pay402::rlp::{self, Item};

fn take<const N: usize>(data: &mut &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    let n = data.len().min(N);
    out[..n].copy_from_slice(&data[..n]);
    *data = &data[n..];
    out
}

fuzz_target!(|input: &[u8]| {
    let mut data = input;
    let chain_id = u64::from_be_bytes(take(&mut data));
    let nonce = u64::from_be_bytes(take(&mut data));
    let tip = U256::from_be_bytes(take(&mut data));
    let fee = U256::from_be_bytes(take(&mut data));
    let gas_limit = u64::from_be_bytes(take(&mut data));
    let [flags] = take::<1>(&mut data);
    let to: [u8; 20] = take(&mut data);
    let value = U256::from_be_bytes(take(&mut data));
    let keys: Vec<[u8; 32]> = (0..(flags >> 4) & 3).map(|_| take(&mut data)).collect();
    let items: Vec<AccessListItem<'_>> = (0..(flags >> 6))
        .map(|i| AccessListItem {
            address: Address([i; 20]),
            storage_keys: &keys[..usize::from(i).min(keys.len())],
        })
        .collect();
    let tx = Eip1559Transaction {
        chain_id,
        nonce,
        max_priority_fee_per_gas: tip,
        max_fee_per_gas: fee,
        gas_limit,
        to: (flags & 1 == 0).then_some(Address(to)),
        value,
        data,
        access_list: &items,
    };
    let key = PrivateKey::from_bytes(&[0x42; 32]).unwrap();
    let mut out = vec![0u8; tx.max_signed_len()];
    let signed = match tx.sign(&key, &mut out) {
        Ok(signed) => signed,
        Err(e) => {
            assert_eq!(e, TransactionError::TipAboveFeeCap);
            assert!(tip > fee);
            assert!(out.iter().all(|b| *b == 0));
            return;
        }
    };
    let raw = signed.raw.to_vec();
    assert_eq!(signed.hash, keccak256(&raw));
    assert_eq!(
        recover_address(
            &tx.signing_hash(),
            &signed.signature.to_bytes(),
            SignaturePolicy::Strict
        ),
        Ok(key.address())
    );
    assert_eq!(raw[0], 2);
    let (Item::List(mut fields), rest) = rlp::decode(&raw[1..]).unwrap() else {
        panic!("not a list");
    };
    assert!(rest.is_empty());
    let mut count = 0;
    while !fields.is_empty() {
        fields = rlp::decode(fields).unwrap().1;
        count += 1;
    }
    assert_eq!(count, 12);
    let mut short = vec![0u8; raw.len() - 1];
    assert_eq!(
        tx.sign(&key, &mut short),
        Err(TransactionError::BufferTooSmall)
    );
    assert!(short.iter().all(|b| *b == 0));
});
