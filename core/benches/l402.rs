//! L402: macaroon decode + verify (one identifier, five first-party caveats) and BOLT11 decode
//! with payee recovery, on a pymacaroons-minted token and the BOLT11 spec's coffee example.
//!
//! `cargo bench -p pay402 --bench l402`. Numbers and the comparison with peer libraries are in
//! `tests/bench/REPORT.md` (`tests/bench/run.sh`).

#![allow(
    clippy::unwrap_used,
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
use fixtures::{BOLT11_COFFEE, BOLT11_PAYEE_HEX, MACAROON, MACAROON_CAVEATS, MACAROON_ROOT_KEY};
use pay402::bolt11::{Bolt11Invoice, PayeeSource};
use pay402::hex::decode_array;
use pay402::macaroon::Macaroon;
use pay402::macaroon::verify::{AcceptList, VerifyPolicy, verify};

fn macaroon(c: &mut Criterion) {
    let mut scratch = [0u8; 512];
    let accept = AcceptList(&MACAROON_CAVEATS);
    {
        let mac = Macaroon::decode(MACAROON, &mut scratch).unwrap();
        assert_eq!(mac.caveat_count(), 5);
        verify(
            &mac,
            &MACAROON_ROOT_KEY,
            &[],
            &mut { accept },
            &VerifyPolicy::STRICT,
        )
        .unwrap();
    }
    c.bench_function("macaroon/decode (V2, 1 id + 5 caveats)", |b| {
        b.iter(|| {
            black_box(
                Macaroon::decode(black_box(MACAROON), &mut scratch)
                    .unwrap()
                    .caveat_count(),
            )
        });
    });
    c.bench_function(
        "macaroon/decode+verify (V2, 1 id + 5 caveats, strict)",
        |b| {
            b.iter(|| {
                let mac = Macaroon::decode(black_box(MACAROON), &mut scratch).unwrap();
                verify(
                    &mac,
                    black_box(&MACAROON_ROOT_KEY),
                    &[],
                    &mut { accept },
                    &VerifyPolicy::STRICT,
                )
                .unwrap();
            });
        },
    );
}

fn bolt11(c: &mut Criterion) {
    let payee: [u8; 33] = decode_array(BOLT11_PAYEE_HEX).unwrap();
    let invoice = Bolt11Invoice::decode(BOLT11_COFFEE).unwrap();
    assert_eq!(invoice.payee(), &payee);
    assert_eq!(invoice.payee_source(), PayeeSource::Recovered);
    c.bench_function("bolt11/decode+recover (spec coffee example, no n)", |b| {
        b.iter(|| {
            black_box(
                *Bolt11Invoice::decode(black_box(BOLT11_COFFEE))
                    .unwrap()
                    .payee(),
            )
        });
    });
}

criterion_group!(benches, macaroon, bolt11);
criterion_main!(benches);
