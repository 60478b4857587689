//! Bad-input catalogue for the Solana transaction decoder: each malformed input with the exact
//! error code (Solana wire format).
#![allow(clippy::unwrap_used, missing_docs)]

use pay402::ErrorCode;
use pay402::svm::Transaction;

/// A legacy transaction: 1 signature, header [1,0,1], keys 0..n, blockhash, instructions.
fn legacy(keys: u8, instructions: &[&[u8]]) -> Vec<u8> {
    let mut tx = vec![1u8];
    tx.extend([0u8; 64]);
    tx.extend([1, 0, 1, keys]);
    for k in 0..keys {
        tx.extend([k.wrapping_add(1); 32]);
    }
    tx.extend([9u8; 32]);
    tx.push(u8::try_from(instructions.len()).unwrap());
    for ix in instructions {
        tx.extend(*ix);
    }
    tx
}

fn code(bytes: &[u8]) -> &'static str {
    Transaction::decode(bytes).unwrap_err().code()
}

#[test]
fn a_well_formed_legacy_transaction_decodes() {
    let tx = legacy(2, &[&[1, 1, 0, 1, 0xaa]]);
    let decoded = Transaction::decode(&tx).unwrap();
    assert_eq!(decoded.message.instruction_count(), 1);
}

#[test]
fn rejects_each_malformed_input_with_its_code() {
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", vec![], "transaction_truncated"),
        (
            "non-canonical signature count",
            vec![0x81, 0x00],
            "transaction_compact_u16",
        ),
        (
            "signature count beyond the bytes",
            vec![2, 0, 0],
            "transaction_truncated",
        ),
        (
            "longer than a packet",
            vec![0u8; 1233],
            "transaction_too_long",
        ),
        (
            "trailing byte",
            [legacy(2, &[]), vec![0]].concat(),
            "transaction_trailing_bytes",
        ),
        (
            "program index out of range",
            legacy(2, &[&[5, 0, 0]]),
            "transaction_index_out_of_range",
        ),
        (
            "fee payer as program",
            legacy(2, &[&[0, 0, 0]]),
            "transaction_index_out_of_range",
        ),
        (
            "account index out of range",
            legacy(2, &[&[1, 1, 7, 0]]),
            "transaction_index_out_of_range",
        ),
        (
            "instruction data truncated",
            legacy(2, &[&[1, 0, 5, 1]]),
            "transaction_truncated",
        ),
    ];
    for (name, bytes, expected) in cases {
        assert_eq!(code(&bytes), expected, "{name}");
    }
}

#[test]
fn rejects_header_inconsistencies() {
    let mut two_sigs = legacy(2, &[]);
    two_sigs[65] = 2; // num_required_signatures 2, one signature
    assert_eq!(code(&two_sigs), "transaction_invalid_header");
    let mut readonly_payer = legacy(2, &[]);
    readonly_payer[66] = 1; // the fee payer read-only
    assert_eq!(code(&readonly_payer), "transaction_invalid_header");
    let mut dup = legacy(2, &[]);
    let second_key = 65 + 4 + 32;
    dup[second_key..second_key + 32].copy_from_slice(&[1u8; 32]);
    assert_eq!(code(&dup), "transaction_duplicate_account_key");
}

#[test]
fn refuses_versions_other_than_0_and_lookup_tables() {
    let mut v1 = vec![1u8];
    v1.extend([0u8; 64]);
    v1.push(0x81);
    assert_eq!(code(&v1), "transaction_unsupported_version");

    // v0 with one lookup table: key, 1 writable index, 0 read-only.
    let legacy = legacy(2, &[]);
    let mut v0 = legacy[..65].to_vec();
    v0.push(0x80);
    v0.extend(&legacy[65..]);
    let mut plain = v0.clone();
    plain.push(0);
    assert!(Transaction::decode(&plain).is_ok());
    v0.push(1);
    v0.extend([5u8; 32]);
    v0.extend([1, 0, 0]);
    assert_eq!(code(&v0), "transaction_address_lookup_tables");
}
