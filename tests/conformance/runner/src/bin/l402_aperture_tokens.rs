#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
//! Writes (to stdout) L402 credentials minted by pay402, with pay402's verdict for each, for
//! `tests/conformance/peers/aperture/regenerate.sh` to check against aperture's `l402.FromHeader` and
//! `mint.VerifyL402` (the pay402 → aperture direction).

use pay402::l402::{
    Identifier, Scheme, mint_token, payment_hash_of, services_caveat, valid_until_caveat,
    write_authorization,
};
use pay402::writer::Writer;
use serde_json::{Value, json};
use sha2_free::sha;

/// A tiny deterministic byte source: not cryptographic, only distinct per seed.
mod sha2_free {
    pub(crate) fn sha(seed: &str) -> [u8; 32] {
        let mut out = [0u8; 32];
        let mut state: u64 = 0xcbf2_9ce4_8422_2325;
        for b in seed.bytes() {
            state = (state ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        for chunk in out.chunks_mut(8) {
            state = (state ^ 0x9e37_79b9_7f4a_7c15).wrapping_mul(0x0100_0000_01b3);
            chunk.copy_from_slice(&state.to_be_bytes());
        }
        out
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut out = vec![0u8; 2 * bytes.len()];
    pay402::hex::encode_lower_into(bytes, &mut out)
        .unwrap()
        .to_owned()
}

fn header(scheme: Scheme, mac: &[u8], preimage: &[u8; 32]) -> String {
    let mut buf = vec![0u8; 2 * mac.len() + 128];
    let mut w = Writer::new(&mut buf);
    write_authorization(&mut w, scheme, mac, preimage).expect("buffer sized for the header");
    String::from_utf8(w.written().to_vec()).expect("ASCII")
}

fn main() {
    const T: u64 = 1_700_000_000;
    let mut items: Vec<Value> = Vec::new();
    let shapes: [(&str, Vec<Vec<u8>>); 4] = [
        ("services svc, timeout T", {
            let mut a = [0u8; 64];
            let mut b = [0u8; 64];
            vec![
                services_caveat(&mut a, &[("svc", 0)]).unwrap().to_vec(),
                b"svc_capabilities=".to_vec(),
                valid_until_caveat(&mut b, "svc", T).unwrap().to_vec(),
            ]
        }),
        ("two services, narrowed", {
            let mut a = [0u8; 64];
            let mut b = [0u8; 64];
            vec![
                services_caveat(&mut a, &[("svc", 0), ("other", 1)])
                    .unwrap()
                    .to_vec(),
                services_caveat(&mut b, &[("svc", 0)]).unwrap().to_vec(),
            ]
        }),
        (
            "widening services",
            vec![
                b"services=svc:0".to_vec(),
                b"services=svc:0,evil:0".to_vec(),
            ],
        ),
        (
            "widening timeout",
            vec![
                b"svc_valid_until=1700000000".to_vec(),
                b"svc_valid_until=1700000100".to_vec(),
            ],
        ),
    ];
    for (i, (name, caveats)) in shapes.iter().enumerate() {
        let root_key = sha(&format!("pay402 root {i}"));
        let preimage = sha(&format!("pay402 preimage {i}"));
        let id = Identifier::new(
            payment_hash_of(&preimage),
            sha(&format!("pay402 token {i}")),
        );
        let mut buf = vec![0u8; 1024];
        let refs: Vec<&[u8]> = caveats.iter().map(Vec::as_slice).collect();
        let mac = mint_token(&mut buf, &root_key, &id, "lsat", &refs).expect("mint");
        let both = vec![
            header(Scheme::Lsat, mac, &preimage),
            header(Scheme::L402, mac, &preimage),
        ];
        let l402_only = vec![header(Scheme::L402, mac, &preimage)];
        let scenarios: [(&str, &Vec<String>, &str, u64); 4] = [
            ("svc before T", &both, "svc", T - 1),
            ("svc at T", &l402_only, "svc", T),
            ("other before T", &l402_only, "other", T - 1),
            ("evil before T", &both, "evil", T - 1),
        ];
        for (scenario, headers, service, now) in scenarios {
            let mut scratch = vec![0u8; 2048];
            let keys = |_: &[u8; 32]| Some(root_key);
            let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
            let verdict = pay402::l402::verify_authorization(
                &refs,
                &mut scratch,
                &keys,
                &pay402::l402::Target {
                    service,
                    capability: None,
                    now,
                },
                &[],
            );
            let expect = match verdict {
                Ok(_) => "ok".to_owned(),
                Err(e) => pay402::ErrorCode::code(&e).to_owned(),
            };
            items.push(json!({
                "name": format!("{name}: {scenario}"),
                "authorization": headers,
                "root_key_hex": hex(&root_key),
                "service": service,
                "now": now,
                "expect": expect,
            }));
        }
    }
    println!("{}", serde_json::to_string_pretty(&items).expect("JSON"));
}
