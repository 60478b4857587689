//! x402 on EVM: header decode, EIP-712 digest, k256 recovery, full verify, a server's admission
//! with prepared offers and signing, on the x402
//! spec's published examples (the v2 `PAYMENT-REQUIRED` and `PAYMENT-SIGNATURE` examples of the
//! x402 v2 HTTP transport, the EIP-3009 example of the x402 v1 specification §5.2.1 and the header
//! strings that carry it).
//!
//! `cargo bench -p pay402 --bench x402`. Numbers and the comparison with peer libraries are in
//! `tests/bench/REPORT.md` (`tests/bench/run.sh`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "a bench fails loudly when a fixture stops decoding; criterion_group! emits undocumented fns"
)]

#[allow(
    dead_code,
    reason = "each bench target uses its own subset of the fixtures"
)]
mod fixtures;

use core::hint::black_box;
use criterion::{Criterion, criterion_group, criterion_main};
use fixtures::{
    ANVIL_KEY_HEX, DIGEST_HEX, FROM, NONCE_HEX, NOW, PAYER, SIGNATURE_HEX, TO, USDC_BASE_SEPOLIA,
    V1_HEADER, V1_REQUIREMENTS, V2_HEADER, V2_PAYMENT_REQUIRED, V2_REQUIREMENTS,
};
use pay402::U256;
use pay402::evm::{
    Address, Eip712Domain, PrivateKey, SignaturePolicy, TransferWithAuthorization, recover_address,
};
use pay402::hex::decode_array;
use pay402::x402::client::sign_payment;
use pay402::x402::header::RECOMMENDED_BUFFER_LEN;
use pay402::x402::server::{Offer, OfferScheme, OfferSet, admit};
use pay402::x402::{PaymentPayload, PaymentRequired, Verifier};

/// The authorization of the x402 spec's EIP-3009 example.
fn authorization() -> TransferWithAuthorization {
    TransferWithAuthorization {
        from: Address::parse(FROM).unwrap(),
        to: Address::parse(TO).unwrap(),
        value: U256::from_u64(10_000),
        valid_after: U256::from_u64(1_740_672_089),
        valid_before: U256::from_u64(1_740_672_154),
        nonce: decode_array(NONCE_HEX).unwrap(),
    }
}

fn decode(c: &mut Criterion) {
    let mut buf = [0u8; RECOMMENDED_BUFFER_LEN];
    c.bench_function("x402/decode_header/v1 (648 B, spec example)", |b| {
        b.iter(|| {
            let payment = PaymentPayload::from_header(black_box(V1_HEADER), &mut buf).unwrap();
            black_box(payment.version());
        });
    });
    c.bench_function("x402/decode_header/v2 (1088 B, spec example)", |b| {
        b.iter(|| {
            let payment = PaymentPayload::from_header(black_box(V2_HEADER), &mut buf).unwrap();
            black_box(payment.version());
        });
    });
}

fn digest(c: &mut Criterion) {
    let authorization = authorization();
    let asset = Address::parse(USDC_BASE_SEPOLIA).unwrap();
    let expected: [u8; 32] = decode_array(DIGEST_HEX).unwrap();
    let domain = Eip712Domain {
        name: Some("USDC"),
        version: Some("2"),
        chain_id: Some(84_532),
        verifying_contract: Some(asset),
    };
    assert_eq!(
        authorization.digest(&domain),
        expected,
        "EIP-3009 spec-example digest"
    );
    c.bench_function("evm/eip712_digest/eip3009 (spec example)", |b| {
        b.iter(|| black_box(black_box(&authorization).digest(black_box(&domain))));
    });
}

fn recover(c: &mut Criterion) {
    let digest: [u8; 32] = decode_array(DIGEST_HEX).unwrap();
    let signature: [u8; 65] = decode_array(SIGNATURE_HEX).unwrap();
    let payer = recover_address(&digest, &signature, SignaturePolicy::default()).unwrap();
    assert_eq!(payer.to_string(), PAYER, "spec-example payer");
    c.bench_function("evm/recover_address (k256, spec example)", |b| {
        b.iter(|| {
            black_box(
                recover_address(
                    black_box(&digest),
                    black_box(&signature),
                    SignaturePolicy::default(),
                )
                .unwrap(),
            )
        });
    });
}

fn verify(c: &mut Criterion) {
    let evm = Verifier::EVM;
    let mut buf = [0u8; RECOMMENDED_BUFFER_LEN];
    for (name, requirements, header) in [
        (
            "x402/verify_payment_header/v1 (spec example)",
            V1_REQUIREMENTS,
            V1_HEADER,
        ),
        (
            "x402/verify_payment_header/v2 (spec example)",
            V2_REQUIREMENTS,
            V2_HEADER,
        ),
    ] {
        let verified = evm
            .verify_header(requirements, header, &mut buf, NOW)
            .unwrap()
            .evm()
            .unwrap();
        assert_eq!(verified.payer.to_string(), PAYER);
        c.bench_function(name, |b| {
            b.iter(|| {
                black_box(
                    evm.verify_header(black_box(requirements), black_box(header), &mut buf, NOW)
                        .unwrap(),
                )
            });
        });
    }
}

/// A server's admission of the spec's v2 header against the prepared offer of its `accepts[0]`
/// (`V2_REQUIREMENTS`): what `tests/bench/run.sh` compares with the bare recovery in instructions.
fn server_admit(c: &mut Criterion) {
    let mut offers = OfferSet::<1>::new();
    offers
        .push(Offer {
            scheme: OfferScheme::ExactEip3009 {
                name: "USDC",
                version: "2",
            },
            network: "eip155:84532",
            asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
            amount: U256::from_u64(10_000),
            pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
            max_timeout_seconds: 60,
        })
        .unwrap();
    let mut buf = [0u8; RECOMMENDED_BUFFER_LEN];
    let admitted = admit(
        &offers,
        "PAYMENT-SIGNATURE",
        V2_HEADER,
        NOW,
        &Verifier::EVM,
        &mut buf,
    )
    .unwrap();
    assert_eq!(admitted.verified.evm().unwrap().payer.to_string(), PAYER);
    c.bench_function("x402/server_admit/v2 (prepared offer, spec example)", |b| {
        b.iter(|| {
            let admission = admit(
                &offers,
                "PAYMENT-SIGNATURE",
                black_box(V2_HEADER),
                NOW,
                &Verifier::EVM,
                &mut buf,
            )
            .unwrap();
            black_box(admission.replay.ttl)
        });
    });
}

fn sign(c: &mut Criterion) {
    let key = PrivateKey::from_hex(ANVIL_KEY_HEX).unwrap();
    let digest: [u8; 32] = decode_array(DIGEST_HEX).unwrap();
    c.bench_function("evm/sign_prehash (k256, RFC 6979)", |b| {
        b.iter(|| black_box(key.sign_prehash(black_box(&digest))));
    });

    let required = PaymentRequired::from_json(V2_PAYMENT_REQUIRED).unwrap();
    let nonce = [0x42; 32];
    let mut scratch = [0u8; RECOMMENDED_BUFFER_LEN];
    let mut out = [0u8; RECOMMENDED_BUFFER_LEN];
    c.bench_function("x402/sign_payment/v2 (draft + sign + header)", |b| {
        b.iter(|| {
            let header = sign_payment(
                black_box(&required),
                0,
                &key,
                NOW,
                &nonce,
                &mut scratch,
                &mut out,
            )
            .unwrap();
            black_box(header.len())
        });
    });
}

criterion_group!(benches, decode, digest, recover, verify, server_admit, sign);
criterion_main!(benches);
