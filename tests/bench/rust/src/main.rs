//! Times pay402 and libsecp256k1 on the inputs `tests/bench/peers.mjs` and `peers.py` time, with
//! the same method (warm-up, calibrated batches, median of the per-operation sample times), and
//! prints one JSON object per measurement.
//!
//! `cargo run --release -- [--samples N] [--sample-ms M] [--warmup-ms W]`; run by `tests/bench/run.sh`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "a benchmark driver: fixtures must decode, timings are f64 nanoseconds"
)]

#[path = "../../../../core/benches/fixtures/mod.rs"]
#[allow(
    dead_code,
    reason = "shared with the criterion benches, which use other fixtures"
)]
mod fixtures;

use fixtures::{
    ANVIL_KEY_HEX, BOLT11_COFFEE, BOLT11_PAYEE_HEX, DIGEST_HEX, FROM, MACAROON, MACAROON_CAVEATS,
    MACAROON_ROOT_KEY, NONCE_HEX, NOW, PAYER, SIGNATURE_HEX, TO, USDC_BASE_SEPOLIA, V1_HEADER,
    V1_REQUIREMENTS, V2_HEADER, V2_PAYMENT_REQUIRED, V2_REQUIREMENTS,
};
use pay402::U256;
use pay402::bolt11::Bolt11Invoice;
use pay402::evm::{Address, SignaturePolicy, keccak256, recover_address};
use pay402::evm::{Eip712Domain, PrivateKey, TransferWithAuthorization};
use pay402::hex::decode_array;
use pay402::macaroon::Macaroon;
use pay402::macaroon::verify::{AcceptList, VerifyPolicy as MacaroonPolicy, verify};
use pay402::x402::client::sign_payment;
use pay402::x402::header::RECOMMENDED_BUFFER_LEN;
use pay402::x402::{PaymentPayload, PaymentRequired};
use pay402::x402::Verifier;
use pay402::x402::server::{Offer, OfferScheme, OfferSet, admit};
use secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
use secp256k1::{Message, Secp256k1};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// The offer a server sells for the spec's v2 example (its `accepts[0]`: `V2_REQUIREMENTS`),
/// prepared once as a server does at start-up (EIP-712 domain separator precomputed).
fn spec_offers() -> OfferSet<'static, 1> {
    let mut offers = OfferSet::new();
    offers
        .push(Offer {
            scheme: OfferScheme::ExactEip3009 {
                name: "USDC",
                version: "2",
            },
            network: "eip155:84532",
            asset: USDC_BASE_SEPOLIA_MIXED,
            amount: pay402::U256::from_u64(10_000),
            pay_to: TO_MIXED,
            max_timeout_seconds: 60,
        })
        .unwrap();
    offers
}

/// The `asset` and `payTo` of `V2_REQUIREMENTS`, as written there (checksum case).
const USDC_BASE_SEPOLIA_MIXED: &str = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const TO_MIXED: &str = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";

/// One server admission of the spec's v2 `PAYMENT-SIGNATURE` header against the prepared offer:
/// base64 + JSON decode, offer match, EIP-712 digest, k256 recovery, checks, replay key.
fn admit_v2(offers: &OfferSet<'static, 1>, buf: &mut [u8]) -> [u8; 20] {
    admit_header(offers, V2_HEADER, buf)
}

/// [`admit_v2`] of any header value.
fn admit_header(offers: &OfferSet<'static, 1>, header: &[u8], buf: &mut [u8]) -> [u8; 20] {
    let admission = admit(
        offers,
        "PAYMENT-SIGNATURE",
        black_box(header),
        NOW,
        &Verifier::EVM,
        buf,
    )
    .unwrap();
    admission.verified.evm().unwrap().payer.0
}

/// The spec's v2 header with one space added inside `accepted` (`{ "scheme"`): the same payment,
/// but its `accepted` is no longer the offer's text byte for byte, so admission takes the full
/// deep-equal comparison (as for a client that re-serializes the offer differently).
fn respaced_v2_header() -> Vec<u8> {
    let mut json = [0u8; RECOMMENDED_BUFFER_LEN];
    let json = pay402::x402::header::decode(V2_HEADER, &mut json).unwrap();
    let text = std::str::from_utf8(json).unwrap();
    let respaced = text.replacen(r#""accepted":{"scheme""#, r#""accepted":{ "scheme""#, 1);
    assert_ne!(respaced, text);
    let mut out = [0u8; RECOMMENDED_BUFFER_LEN];
    pay402::x402::header::encode(respaced.as_bytes(), &mut out)
        .unwrap()
        .as_bytes()
        .to_vec()
}

/// The measurement method shared with the Node and Python scripts.
struct Method {
    samples: usize,
    sample_time: Duration,
    warmup: Duration,
}

impl Method {
    /// Warms up for the warm-up time, sizes a batch to last one sample time (from the warm-up's
    /// rate), then times `samples` batches; prints the median, min and max time per operation.
    fn measure(&self, library: &str, op: &str, mut f: impl FnMut()) {
        let start = Instant::now();
        let mut warm_iters = 0u64;
        while start.elapsed() < self.warmup {
            f();
            warm_iters += 1;
        }
        let per_op = start.elapsed().as_secs_f64() / warm_iters as f64;
        let batch = ((self.sample_time.as_secs_f64() / per_op) as u64).max(1);
        let mut times: Vec<f64> = (0..self.samples)
            .map(|_| {
                let start = Instant::now();
                for _ in 0..batch {
                    f();
                }
                start.elapsed().as_secs_f64() * 1e9 / batch as f64
            })
            .collect();
        times.sort_by(f64::total_cmp);
        println!(
            r#"{{"library":"{library}","op":"{op}","median_ns":{:.1},"min_ns":{:.1},"max_ns":{:.1},"batch":{batch},"samples":{}}}"#,
            times[times.len() / 2],
            times[0],
            times[times.len() - 1],
            times.len()
        );
    }
}

impl Method {
    /// Paired measurement, robust to a changing machine load: after a warm-up of both, times a
    /// batch of `a` then a batch of `b`, `samples` times, and prints the median of the
    /// per-pair ratios `a / b` (each pair runs within a few tens of milliseconds).
    fn ratio(&self, name: &str, mut a: impl FnMut(), mut b: impl FnMut()) {
        let batch = |f: &mut dyn FnMut()| {
            let start = Instant::now();
            let mut n = 0u64;
            while start.elapsed() < self.warmup / 2 {
                f();
                n += 1;
            }
            ((self.sample_time.as_secs_f64() * n as f64 / start.elapsed().as_secs_f64()) as u64)
                .max(1)
        };
        let (batch_a, batch_b) = (batch(&mut a), batch(&mut b));
        let mut ratios: Vec<f64> = (0..self.samples)
            .map(|_| {
                let start = Instant::now();
                for _ in 0..batch_a {
                    a();
                }
                let time_a = start.elapsed().as_secs_f64() / batch_a as f64;
                let start = Instant::now();
                for _ in 0..batch_b {
                    b();
                }
                time_a / (start.elapsed().as_secs_f64() / batch_b as f64)
            })
            .collect();
        ratios.sort_by(f64::total_cmp);
        println!(
            r#"{{"library":"pay402","op":"{name}","paired_ratio":{:.4},"min_ratio":{:.4},"max_ratio":{:.4},"samples":{}}}"#,
            ratios[ratios.len() / 2],
            ratios[0],
            ratios[ratios.len() - 1],
            ratios.len()
        );
    }
}

fn main() {
    // `--repeat OP N`: run one pay402 operation N times without timing, for
    // `valgrind --tool=callgrind` / `perf` (instruction counts are immune to machine load).
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, op, n] = args.as_slice()
        && flag == "--repeat"
    {
        repeat(op, n.parse().expect("--repeat OP N"));
        return;
    }
    let mut method = Method {
        samples: 21,
        sample_time: Duration::from_millis(20),
        warmup: Duration::from_millis(1000),
    };
    for pair in args.chunks(2) {
        match (pair[0].as_str(), pair.get(1)) {
            ("--samples", Some(n)) => method.samples = n.parse().expect("--samples N"),
            ("--sample-ms", Some(n)) => {
                method.sample_time = Duration::from_millis(n.parse().expect("--sample-ms M"));
            }
            ("--warmup-ms", Some(n)) => {
                method.warmup = Duration::from_millis(n.parse().expect("--warmup-ms W"));
            }
            _ => panic!("usage: pay402-bench-timing [--samples N] [--sample-ms M] [--warmup-ms W]"),
        }
    }

    let digest: [u8; 32] = decode_array(DIGEST_HEX).unwrap();
    let signature: [u8; 65] = decode_array(SIGNATURE_HEX).unwrap();
    let payer = Address::parse(PAYER.as_bytes()).unwrap();
    let evm = Verifier::EVM;
    let mut buf = [0u8; RECOMMENDED_BUFFER_LEN];

    // --- x402 / EVM: the x402 spec's EIP-3009 example message
    assert_eq!(
        recover_address(&digest, &signature, SignaturePolicy::default()).unwrap(),
        payer
    );
    method.measure("pay402", "evm.recover", || {
        black_box(
            recover_address(
                black_box(&digest),
                black_box(&signature),
                SignaturePolicy::default(),
            )
            .unwrap(),
        );
    });
    for (op, requirements, header) in [
        ("x402.verify_header.v1", V1_REQUIREMENTS, V1_HEADER),
        ("x402.verify_header.v2", V2_REQUIREMENTS, V2_HEADER),
    ] {
        let verified = evm
            .verify_header(requirements, header, &mut buf, NOW)
            .unwrap()
            .evm()
            .unwrap();
        assert_eq!(verified.payer, payer);
        method.measure("pay402", op, || {
            black_box(
                evm.verify_header(
                    black_box(requirements),
                    black_box(header),
                    &mut buf,
                    NOW)
                .unwrap(),
            );
        });
    }

    let offers = spec_offers();
    assert_eq!(admit_v2(&offers, &mut buf), payer.0);
    method.measure("pay402", "x402.server_admit.v2", || {
        black_box(admit_v2(&offers, &mut buf));
    });

    // The verify/recover target as a paired (interleaved) measurement.
    let mut buf_a = [0u8; RECOMMENDED_BUFFER_LEN];
    method.ratio(
        "ratio.admit_v2_over_recover",
        || {
            black_box(admit_v2(&offers, &mut buf_a));
        },
        || {
            black_box(
                recover_address(
                    black_box(&digest),
                    black_box(&signature),
                    SignaturePolicy::default(),
                )
                .unwrap(),
            );
        },
    );
    for (name, requirements, header) in [
        ("ratio.verify_v1_over_recover", V1_REQUIREMENTS, V1_HEADER),
        ("ratio.verify_v2_over_recover", V2_REQUIREMENTS, V2_HEADER),
    ] {
        method.ratio(
            name,
            || {
                black_box(
                    evm.verify_header(
                        black_box(requirements),
                        black_box(header),
                        &mut buf_a,
                        NOW)
                    .unwrap(),
                );
            },
            || {
                black_box(
                    recover_address(
                        black_box(&digest),
                        black_box(&signature),
                        SignaturePolicy::default(),
                    )
                    .unwrap(),
                );
            },
        );
    }

    // pay402 operations with no peer row: decode, digest, signing.
    for (op, header) in [
        ("x402.decode_header.v1", V1_HEADER),
        ("x402.decode_header.v2", V2_HEADER),
    ] {
        method.measure("pay402", op, || {
            black_box(
                PaymentPayload::from_header(black_box(header), &mut buf)
                    .unwrap()
                    .version(),
            );
        });
    }
    let authorization = TransferWithAuthorization {
        from: Address::parse(FROM).unwrap(),
        to: Address::parse(TO).unwrap(),
        value: U256::from_u64(10_000),
        valid_after: U256::from_u64(1_740_672_089),
        valid_before: U256::from_u64(1_740_672_154),
        nonce: decode_array(NONCE_HEX).unwrap(),
    };
    let domain = Eip712Domain {
        name: Some("USDC"),
        version: Some("2"),
        chain_id: Some(84_532),
        verifying_contract: Some(Address::parse(USDC_BASE_SEPOLIA).unwrap()),
    };
    assert_eq!(authorization.digest(&domain), digest);
    method.measure("pay402", "evm.eip712_digest", || {
        black_box(black_box(&authorization).digest(black_box(&domain)));
    });
    let key = PrivateKey::from_hex(ANVIL_KEY_HEX).unwrap();
    method.measure("pay402", "evm.sign_prehash", || {
        black_box(key.sign_prehash(black_box(&digest)));
    });
    let required = PaymentRequired::from_json(V2_PAYMENT_REQUIRED).unwrap();
    let mut scratch = [0u8; RECOMMENDED_BUFFER_LEN];
    let mut out = [0u8; RECOMMENDED_BUFFER_LEN];
    method.measure("pay402", "x402.sign_payment.v2", || {
        let header = sign_payment(
            black_box(&required),
            0,
            &key,
            NOW,
            &[0x42; 32],
            &mut scratch,
            &mut out,
        )
        .unwrap();
        black_box(header.len());
    });

    // libsecp256k1: parse the compact signature, recover the key, and (to compare with
    // `recover_address`, which returns an address) hash it to an address with pay402's Keccak.
    let secp = Secp256k1::verification_only();
    let libsecp_address = |digest: &[u8; 32], signature: &[u8; 65]| -> [u8; 20] {
        let recid = RecoveryId::try_from(i32::from(signature[64] - 27)).unwrap();
        let sig = RecoverableSignature::from_compact(&signature[..64], recid).unwrap();
        let key = secp
            .recover_ecdsa(Message::from_digest(*digest), &sig)
            .unwrap();
        let hash = keccak256(&key.serialize_uncompressed()[1..]);
        hash[12..].try_into().unwrap()
    };
    assert_eq!(libsecp_address(&digest, &signature), payer.0);
    method.measure("libsecp256k1", "evm.recover", || {
        black_box(libsecp_address(black_box(&digest), black_box(&signature)));
    });
    method.measure("libsecp256k1", "evm.recover_pubkey", || {
        let recid = RecoveryId::try_from(i32::from(signature[64] - 27)).unwrap();
        let sig = RecoverableSignature::from_compact(black_box(&signature[..64]), recid).unwrap();
        black_box(
            secp.recover_ecdsa(Message::from_digest(black_box(digest)), &sig)
                .unwrap(),
        );
    });

    // --- L402
    let mut scratch = [0u8; 512];
    let accept = AcceptList(&MACAROON_CAVEATS);
    {
        let mac = Macaroon::decode(MACAROON, &mut scratch).unwrap();
        verify(
            &mac,
            &MACAROON_ROOT_KEY,
            &[],
            &mut { accept },
            &MacaroonPolicy::STRICT,
        )
        .unwrap();
    }
    method.measure("pay402", "macaroon.decode", || {
        black_box(
            Macaroon::decode(black_box(MACAROON), &mut scratch)
                .unwrap()
                .caveat_count(),
        );
    });
    method.measure("pay402", "macaroon.decode_verify", || {
        let mac = Macaroon::decode(black_box(MACAROON), &mut scratch).unwrap();
        verify(
            &mac,
            black_box(&MACAROON_ROOT_KEY),
            &[],
            &mut { accept },
            &MacaroonPolicy::STRICT,
        )
        .unwrap();
    });
    let payee: [u8; 33] = decode_array(BOLT11_PAYEE_HEX).unwrap();
    assert_eq!(
        Bolt11Invoice::decode(BOLT11_COFFEE).unwrap().payee(),
        &payee
    );
    method.measure("pay402", "bolt11.decode_recover", || {
        black_box(
            *Bolt11Invoice::decode(black_box(BOLT11_COFFEE))
                .unwrap()
                .payee(),
        );
    });
}

/// Runs one pay402 operation `n` times (see `--repeat` in `main`).
fn repeat(op: &str, n: u64) {
    let digest: [u8; 32] = decode_array(DIGEST_HEX).unwrap();
    let signature: [u8; 65] = decode_array(SIGNATURE_HEX).unwrap();
    let evm = Verifier::EVM;
    let mut buf = [0u8; RECOMMENDED_BUFFER_LEN];
    let offers = spec_offers();
    let payer = recover_address(&digest, &signature, SignaturePolicy::default()).unwrap();
    assert_eq!(admit_v2(&offers, &mut buf), payer.0);
    let respaced = respaced_v2_header();
    assert_eq!(admit_header(&offers, &respaced, &mut buf), payer.0);
    for _ in 0..n {
        match op {
            "evm.recover" => {
                black_box(
                    recover_address(
                        black_box(&digest),
                        black_box(&signature),
                        SignaturePolicy::default(),
                    )
                    .unwrap(),
                );
            }
            "x402.verify_header.v1" => {
                black_box(
                    evm.verify_header(
                        black_box(V1_REQUIREMENTS),
                        black_box(V1_HEADER),
                        &mut buf,
                        NOW)
                    .unwrap(),
                );
            }
            "x402.verify_header.v2" => {
                black_box(
                    evm.verify_header(
                        black_box(V2_REQUIREMENTS),
                        black_box(V2_HEADER),
                        &mut buf,
                        NOW)
                    .unwrap(),
                );
            }
            "x402.server_admit.v2" => {
                black_box(admit_v2(&offers, &mut buf));
            }
            "x402.server_admit.v2.respaced" => {
                black_box(admit_header(&offers, &respaced, &mut buf));
            }
            "x402.decode_header.v2" => {
                black_box(PaymentPayload::from_header(black_box(V2_HEADER), &mut buf).unwrap());
            }
            _ => panic!("--repeat: unknown op {op}"),
        }
    }
}
