//! The Solana payment header: what the client emits verifies offline, and what it must refuse it
//! refuses with the exact code.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use pay402::ErrorCode;
use pay402::base64::encode_into;
use pay402::svm::{PayerKey, Pubkey, TOKEN_PROGRAM_ID, TransferParams, build_transfer};
use pay402::x402::TransactionDecodeFailure;
use pay402::x402::client::write_svm_payment_header;
use pay402::x402::{AnyVerified, PaymentPayload, PaymentRequired, SvmCheck, Verifier, VerifyError};

const FEE_PAYER: &str = "J1cezW528jhuvQ5HqUVmLhVFre2PXkE6374HKgtCko5y";
const MINT: &str = "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU";
const PAY_TO: &str = "2wmVCSfPxGPjrnMMn7rchp4uaeoTqN39mXFC2zhPdri9";

fn entry(network: &str) -> String {
    format!(
        r#"{{"scheme":"exact","network":"{network}","amount":"10000","asset":"{MINT}","payTo":"{PAY_TO}","maxTimeoutSeconds":60,"extra":{{"feePayer":"{FEE_PAYER}"}}}}"#
    )
}

fn v1_entry() -> String {
    format!(
        r#"{{"scheme":"exact","network":"solana-devnet","maxAmountRequired":"10000","asset":"{MINT}","payTo":"{PAY_TO}","resource":"https://api.example.com/data","description":"","maxTimeoutSeconds":60,"extra":{{"feePayer":"{FEE_PAYER}"}}}}"#
    )
}

fn transaction(amount: u64) -> Vec<u8> {
    let params = TransferParams {
        fee_payer: Pubkey::parse(FEE_PAYER.as_bytes()).unwrap(),
        mint: Pubkey::parse(MINT.as_bytes()).unwrap(),
        pay_to: Pubkey::parse(PAY_TO.as_bytes()).unwrap(),
        token_program: TOKEN_PROGRAM_ID,
        amount,
        decimals: 6,
        memo: b"00112233445566778899aabbccddeeff",
        recent_blockhash: [3; 32],
        compute_unit_limit: 20_000,
        compute_unit_price: 1,
    };
    let mut out = [0u8; 1232];
    build_transfer(&params, &PayerKey::from_seed(&[5; 32]), &mut out)
        .unwrap()
        .to_vec()
}

fn header(body: &str, index: usize, tx: &[u8]) -> Result<String, &'static str> {
    let required = PaymentRequired::from_json(body.as_bytes()).unwrap();
    let (mut scratch, mut out) = (vec![0u8; 8192], vec![0u8; 8192]);
    write_svm_payment_header(&required, index, tx, &mut scratch, &mut out)
        .map(str::to_owned)
        .map_err(|e| e.code())
}

fn verify(entry: &str, header: &str) -> Result<AnyVerified, &'static str> {
    let mut buf = vec![0u8; 8192];
    Verifier::default()
        .verify_header(entry.as_bytes(), header.as_bytes(), &mut buf, 0)
        .map_err(|e| e.code())
}

#[test]
fn v2_payment_verifies_and_echoes_the_offer() {
    let entry = entry("solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1");
    let body = format!(
        r#"{{"x402Version":2,"resource":{{"url":"https://api.example.com/data"}},"accepts":[{entry}],"extensions":{{"bazaar":{{"info":{{}}}}}}}}"#
    );
    let header = header(&body, 0, &transaction(10_000)).unwrap();
    assert!(matches!(verify(&entry, &header), Ok(AnyVerified::Svm(_))));
    let mut buf = vec![0u8; 8192];
    let payload = PaymentPayload::from_header(header.as_bytes(), &mut buf).unwrap();
    let PaymentPayload::V2(p) = payload else {
        panic!("expected v2")
    };
    assert!(p.extensions.is_some(), "extensions are echoed");
    assert!(p.payload.get("transaction").is_some());
}

#[test]
fn v1_payment_verifies() {
    let entry = v1_entry();
    let body = format!(r#"{{"x402Version":1,"error":"","accepts":[{entry}]}}"#);
    let header = header(&body, 0, &transaction(10_000)).unwrap();
    assert!(matches!(verify(&entry, &header), Ok(AnyVerified::Svm(_))));
}

#[test]
fn a_transfer_of_another_amount_is_refused_by_the_verifier() {
    let entry = entry("solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1");
    let body =
        format!(r#"{{"x402Version":2,"resource":{{"url":"https://x"}},"accepts":[{entry}]}}"#);
    let header = header(&body, 0, &transaction(9_999)).unwrap();
    assert_eq!(
        verify(&entry, &header).err(),
        Some("invalid_exact_svm_payload_amount_mismatch")
    );
}

#[test]
fn refuses_what_a_facilitator_would_refuse_to_parse() {
    let sol = entry("solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1");
    let body = format!(r#"{{"x402Version":2,"resource":{{"url":"https://x"}},"accepts":[{sol}]}}"#);
    assert!(
        header(&body, 0, b"not a transaction")
            .unwrap_err()
            .starts_with("transaction_")
    );
    assert_eq!(
        header(&body, 1, &transaction(10_000)),
        Err("accept_index_out_of_range")
    );
    let evm = entry("eip155:84532");
    let body = format!(r#"{{"x402Version":2,"resource":{{"url":"https://x"}},"accepts":[{evm}]}}"#);
    assert_eq!(
        header(&body, 0, &transaction(10_000)),
        Err("unsupported_network")
    );
}

/// The transaction text is decoded by the variable-time public base64 decoder: every malformed
/// text is refused with the facilitator's verdict and the exact base64 detail.
#[test]
fn transaction_base64_catalogue() {
    let entry = entry("solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1");
    let mut text = vec![0u8; 2048];
    let good = encode_into(&transaction(10_000), &mut text)
        .unwrap()
        .to_owned();
    let rows = [
        (
            "url-safe alphabet",
            good.replace('+', "-").replace('/', "_"),
            "base64_invalid_character",
        ),
        (
            "space inside",
            format!("{} {}", &good[..40], &good[40..]),
            "base64_invalid_character",
        ),
        (
            "truncated to 4n+1",
            good[..=good.trim_end_matches('=').len() / 4 * 4].to_owned(),
            "base64_invalid_length",
        ),
        (
            "padding in the middle",
            format!("{}=={}", &good[..40], &good[40..]),
            "base64_invalid_padding",
        ),
        (
            "non-canonical trailing bits",
            "AR==".to_owned(),
            "base64_non_canonical",
        ),
    ];
    for (what, transaction, detail) in rows {
        let json = format!(
            r#"{{"x402Version":2,"resource":{{"url":"https://x"}},"accepted":{entry},"payload":{{"transaction":"{transaction}"}}}}"#
        );
        let mut header = vec![0u8; 8192];
        let header = encode_into(json.as_bytes(), &mut header).unwrap();
        let mut buf = vec![0u8; 8192];
        let err = Verifier::default()
            .verify_header(entry.as_bytes(), header.as_bytes(), &mut buf, 0)
            .err()
            .unwrap_or_else(|| panic!("{what}: accepted"));
        assert_eq!(
            err.code(),
            "invalid_exact_svm_payload_transaction_could_not_be_decoded",
            "{what}"
        );
        let VerifyError::Svm(SvmCheck::Undecodable(TransactionDecodeFailure::Base64(e))) = err
        else {
            panic!("{what}: {err:?}")
        };
        assert_eq!(e.code(), detail, "{what}");
    }
}
