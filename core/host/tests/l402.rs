//! The L402 server through the host: a challenge for a real invoice (the fewsats-python README
//! invoice and preimage), the credential a client builds from it admitted, the refusals, and a
//! flat footprint: the server holds no per-token state, so unpaid requests change nothing (the bindings count 10,000 in release builds).
#![allow(clippy::unwrap_used)] // a specification: a failed unwrap is a failed test

use pay402_host::l402_server::{L402Config, L402Server};

const INVOICE: &str = "lnbc170n1pnv7wrapp5perxlk25ywqwr05tpgzs0yyhswwg38jfmn9ec3qeqe92ujnpzyusdq024f5kgzgda6hxegcqzzsxqyz5vqsp54ceypjapjxntxrtnhkyfrds7m5u9stn8x6gkmf5dx6z56ksy6l3q9qxpqysgqnkxdtwqxhkvrav3d3wv83yxn45yrdywxu2mnyh4p7ecncuqsv4gn0xrfl6w57hd9lnc5eghdf536dqy5gf2uuly04nrtdjcwvezkt6cqtttnzj";
const PREIMAGE: &str = "b184b87e7a4f802bf41cd26c82d9d883b9cf7bb86f8dcfc4f394634ff711f628";
const PAYMENT_HASH: &str = "0e466fd9542380e1be8b0a05079097839c889e49dccb9c4419064aae4a611139";
const NOW: u64 = 1_724_856_505;

fn hex32(s: &str) -> [u8; 32] {
    let bytes: Vec<u8> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect();
    bytes.try_into().unwrap()
}

fn server() -> L402Server {
    L402Server::new(L402Config::new("api", 17_000, "bitcoin"), &[7; 32], None).unwrap()
}

/// `L402 <macaroon>:<preimage>` from a challenge value `L402 macaroon="…", invoice="…"`, as a
/// client builds it (the L402 specification's credential form).
fn credential(challenge: &str) -> String {
    let macaroon = challenge
        .split("macaroon=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    format!("L402 {macaroon}:{PREIMAGE}")
}

#[test]
fn a_challenge_paid_with_its_preimage_is_admitted() {
    let server = server();
    let challenge = server
        .challenge(INVOICE, hex32(PAYMENT_HASH), [1; 32], NOW)
        .unwrap();
    assert_eq!(challenge.status, 402);
    let values: Vec<&str> = challenge
        .headers
        .iter()
        .map(|(n, v)| {
            assert_eq!(n, "WWW-Authenticate");
            v.as_str()
        })
        .collect();
    assert!(values[0].starts_with("LSAT macaroon=\"") && values[1].starts_with("L402 macaroon=\""));
    assert!(values[1].ends_with(&format!("invoice=\"{INVOICE}\"")));
    let header = credential(values[1]);
    let admitted = server
        .admit(&[header.as_str()], None, NOW + 60, |_| false)
        .unwrap();
    assert_eq!(admitted.payment_hash, hex32(PAYMENT_HASH));
    assert_eq!(admitted.token_id, [1; 32]);
    assert_eq!(admitted.root_key_id, challenge.root_key_id);
    assert_eq!((admitted.scheme, admitted.previous_secret), ("L402", false));
}

#[test]
fn refusals_carry_status_and_codes() {
    let server = server();
    let challenge = server
        .challenge(INVOICE, hex32(PAYMENT_HASH), [1; 32], NOW)
        .unwrap();
    let header = credential(&challenge.headers[1].1);
    let none = server.admit(&[], None, NOW, |_| false).unwrap_err();
    assert_eq!((none.status, none.code), (402, "payment_required"));
    let wrong = header.replace(PREIMAGE, &"00".repeat(32));
    assert_eq!(
        server
            .admit(&[wrong.as_str()], None, NOW, |_| false)
            .unwrap_err()
            .code,
        "invalid_preimage"
    );
    let revoked = server
        .admit(&[header.as_str()], None, NOW, |_| true)
        .unwrap_err();
    assert_eq!(revoked.code, "token_revoked");
    let other = L402Server::new(L402Config::new("api", 17_000, "bitcoin"), &[9; 32], None).unwrap();
    assert_eq!(
        other
            .admit(&[header.as_str()], None, NOW, |_| false)
            .unwrap_err()
            .code,
        "signature_mismatch"
    );
    let rotated = L402Server::new(
        L402Config::new("api", 17_000, "bitcoin"),
        &[9; 32],
        Some(&[7; 32]),
    )
    .unwrap();
    assert!(
        rotated
            .admit(&[header.as_str()], None, NOW, |_| false)
            .unwrap()
            .previous_secret
    );
}

#[test]
fn invoices_that_do_not_match_are_refused_before_minting() {
    let server = server();
    let wrong_hash = server
        .challenge(INVOICE, [0; 32], [1; 32], NOW)
        .unwrap_err();
    assert_eq!(wrong_hash.code, "invoice_payment_hash_mismatch");
    let regtest =
        L402Server::new(L402Config::new("api", 17_000, "regtest"), &[7; 32], None).unwrap();
    assert!(
        regtest
            .challenge(INVOICE, hex32(PAYMENT_HASH), [1; 32], NOW)
            .is_err()
    );
    assert_eq!(
        L402Server::new(L402Config::new("api", 17_000, "moon"), &[7; 32], None)
            .unwrap_err()
            .code,
        "unknown_network"
    );
    assert_eq!(
        L402Server::new(L402Config::new("api", 17_000, "bitcoin"), &[7; 31], None)
            .unwrap_err()
            .code,
        "invalid_server_secret"
    );
}

#[test]
fn a_thousand_unpaid_requests_leave_the_server_as_it_was() {
    let server = server();
    let before = format!("{server:?}");
    for i in 0..1_000u32 {
        let mut token_id = [0u8; 32];
        token_id[..4].copy_from_slice(&i.to_be_bytes());
        server
            .challenge(INVOICE, hex32(PAYMENT_HASH), token_id, NOW)
            .unwrap();
    }
    // Nothing per token: the server's whole state is its configuration and secrets.
    assert_eq!(format!("{server:?}"), before);
    assert!(!before.contains("[7, 7"), "secrets are never printed");
}
