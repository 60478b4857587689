//! The server's behaviour, stated as specifications. Valid values: Fewsats' published invoice
//! and preimage (fewsats-python README); expected root keys computed independently (Python's
//! `hmac` module, and the `hmac` crate directly).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests fail loudly on purpose"
)]

use core::cell::Cell;
use hmac::{Hmac, KeyInit, Mac};
use pay402::ErrorCode;
use pay402::bolt11::Network;
use pay402::l402::server::*;
use pay402::l402::{
    APERTURE_LOCATION, Identifier, L402Error, Satisfier, Scheme, Target, challenges,
    payment_hash_of, verify_token, write_authorization,
};
use pay402::macaroon::Macaroon;
use pay402::writer::Writer;
use sha2::{Digest, Sha256};
use std::{boxed::Box, format, string::String, vec::Vec};

const INVOICE: &str = "lnbc170n1pnv7wrapp5perxlk25ywqwr05tpgzs0yyhswwg38jfmn9ec3qeqe92ujnpzyusdq024f5kgzgda6hxegcqzzsxqyz5vqsp54ceypjapjxntxrtnhkyfrds7m5u9stn8x6gkmf5dx6z56ksy6l3q9qxpqysgqnkxdtwqxhkvrav3d3wv83yxn45yrdywxu2mnyh4p7ecncuqsv4gn0xrfl6w57hd9lnc5eghdf536dqy5gf2uuly04nrtdjcwvezkt6cqtttnzj";
const PREIMAGE: &str = "b184b87e7a4f802bf41cd26c82d9d883b9cf7bb86f8dcfc4f394634ff711f628";
/// `python3 -c 'import hashlib; print(hashlib.sha256(bytes.fromhex(PREIMAGE)).hexdigest())'`
const PAYMENT_HASH: &str = "0e466fd9542380e1be8b0a05079097839c889e49dccb9c4419064aae4a611139";
/// The invoice's timestamp (1724856445) plus one minute, as the Python web tests use it.
const NOW: u64 = 1_724_856_505;
const SECRET: [u8; 32] = [7; 32];
const MANY: [&[u8]; MAX_CONSTRAINTS + 1] = [b"a=b"; MAX_CONSTRAINTS + 1];
const OTHER_SECRET: [u8; 32] = [9; 32];

fn payment_hash() -> [u8; 32] {
    pay402::hex::decode_array(PAYMENT_HASH.as_bytes()).unwrap()
}

fn preimage() -> [u8; 32] {
    pay402::hex::decode_array(PREIMAGE.as_bytes()).unwrap()
}

fn invoice() -> Invoice<'static> {
    Invoice {
        bolt11: INVOICE,
        payment_hash: payment_hash(),
    }
}

fn config() -> ServerConfig<'static> {
    ServerConfig::new("svc", 17_000, Network::Bitcoin)
}

fn server(secret: &[u8]) -> L402Server<'static> {
    L402Server::new(config(), RootKeys::new(secret).unwrap()).unwrap()
}

/// The root key computed with the `hmac` crate directly, not through the module under test.
fn independent_root_key(secret: &[u8], identifier: &Identifier) -> [u8; 32] {
    let root_key_id: [u8; 32] = Sha256::digest(identifier.to_bytes()).into();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).unwrap();
    mac.update(b"pay402 l402 root key v1");
    mac.update(&root_key_id);
    mac.finalize().into_bytes().into()
}

/// Mints a challenge and returns the binary macaroon of its `L402` value.
fn mint(server: &L402Server<'_>, token_id: [u8; 32], now: u64) -> Vec<u8> {
    let mut out = [0u8; 2048];
    let challenge = server
        .write_challenge(&invoice(), token_id, now, &mut out)
        .unwrap();
    let l402 = challenges(challenge.values().last().unwrap())
        .next()
        .unwrap()
        .unwrap();
    let mut buf = [0u8; MAX_TOKEN_LEN];
    let n = pay402::base64::decode_into(
        l402.macaroon.as_bytes(),
        &pay402::base64::Base64Policy::ANY,
        &mut buf,
    )
    .unwrap()
    .len();
    buf[..n].to_vec()
}

fn authorization(scheme: Scheme, macaroon: &[u8], preimage: &[u8; 32]) -> String {
    let mut buf = [0u8; 4096];
    let mut w = Writer::new(&mut buf);
    write_authorization(&mut w, scheme, macaroon, preimage).unwrap();
    String::from_utf8(w.written().to_vec()).unwrap()
}

fn admit_code(server: &L402Server<'_>, headers: &[&str], now: u64) -> (u16, &'static str) {
    let mut scratch = [0u8; 4096];
    match server.admit(&Request::new(headers, now), &NoRevocation, &mut scratch) {
        Ok(_) => (200, "ok"),
        Err(r) => (r.status, r.code()),
    }
}

#[test]
fn root_key_is_hmac_sha256_of_the_label_and_the_root_key_id() {
    let id = Identifier::new(payment_hash(), [1; 32]);
    // python3 -c 'import hmac,hashlib; ph=bytes.fromhex(PAYMENT_HASH); i=b"\0\0"+ph+bytes([1]*32);
    //   print(hmac.new(bytes([7]*32), b"pay402 l402 root key v1"+hashlib.sha256(i).digest(),
    //   hashlib.sha256).hexdigest())'
    let python: [u8; 32] = pay402::hex::decode_array(
        b"58524d850790e33d94b1eb4967b05ef884b8423d97a5f71df1988df95c6acff6",
    )
    .unwrap();
    let keys = RootKeys::new(&SECRET).unwrap();
    assert_eq!(*keys.root_key(&id), python);
    assert_eq!(python, independent_root_key(&SECRET, &id));
    let python_root_key_id: [u8; 32] = pay402::hex::decode_array(
        b"44aa3e692215085b373e68eda5be2cf3cf0099c0d922550597f5f80be4a3ef34",
    )
    .unwrap();
    assert_eq!(id.root_key_id(), python_root_key_id);
}

#[test]
fn challenge_is_lsat_then_l402_402_www_authenticate_with_the_invoice() {
    let server = server(&SECRET);
    let mut out = [0u8; 2048];
    let challenge = server
        .write_challenge(&invoice(), [1; 32], NOW, &mut out)
        .unwrap();
    assert_eq!(challenge.status, 402);
    assert_eq!(challenge.header_name, "WWW-Authenticate");
    assert_eq!(
        challenge.identifier,
        Identifier::new(payment_hash(), [1; 32])
    );
    assert_eq!(challenge.valid_until, Some(NOW + 86_400));
    let values = challenge.values();
    assert_eq!(values.len(), 2);
    assert!(values[0].starts_with("LSAT macaroon=\""));
    assert!(values[1].starts_with("L402 macaroon=\""));
    assert_eq!(values[0][4..], values[1][4..]);
    assert!(values[1].ends_with(&format!("\", invoice=\"{INVOICE}\"")));
}

#[test]
fn minted_token_verifies_under_the_independently_derived_root_key_with_aperture_caveats() {
    let server = server(&SECRET);
    let bytes = mint(&server, [1; 32], NOW);
    let mac = Macaroon::parse_binary(&bytes).unwrap();
    let id = Identifier::new(payment_hash(), [1; 32]);
    assert_eq!(mac.id(), id.to_bytes());
    assert_eq!(mac.location(), APERTURE_LOCATION.as_bytes());
    let caveats: Vec<&[u8]> = mac.caveats().map(|c| c.id).collect();
    let until = format!("svc_valid_until={}", NOW + 86_400);
    assert_eq!(
        caveats,
        [
            &b"services=svc:0"[..],
            b"svc_capabilities=",
            until.as_bytes()
        ]
    );
    let root = independent_root_key(&SECRET, &id);
    let keys = |_: &[u8; 32]| Some(root);
    let target = Target {
        service: "svc",
        capability: None,
        now: NOW,
    };
    assert_eq!(
        verify_token(&mac, &[], &preimage(), &keys, &target, &[]),
        Ok(id)
    );
}

#[test]
fn l402_only_form_writes_one_value() {
    let config = ServerConfig {
        challenge_form: ChallengeForm::L402Only,
        ..config()
    };
    let server = L402Server::new(config, RootKeys::new(&SECRET).unwrap()).unwrap();
    let mut out = [0u8; 2048];
    let challenge = server
        .write_challenge(&invoice(), [1; 32], NOW, &mut out)
        .unwrap();
    assert_eq!(challenge.values().len(), 1);
    assert!(challenge.values()[0].starts_with("L402 macaroon=\""));
}

#[test]
fn zero_lifetime_writes_no_expiry_caveat() {
    let config = ServerConfig {
        token_lifetime: 0,
        ..config()
    };
    let server = L402Server::new(config, RootKeys::new(&SECRET).unwrap()).unwrap();
    let bytes = mint(&server, [1; 32], NOW);
    let mac = Macaroon::parse_binary(&bytes).unwrap();
    assert_eq!(mac.caveats().count(), 2);
}

#[test]
fn admits_a_paid_l402_or_lsat_credential_and_returns_the_token() {
    let server = server(&SECRET);
    let mac = mint(&server, [3; 32], NOW);
    for scheme in [Scheme::L402, Scheme::Lsat] {
        let header = authorization(scheme, &mac, &preimage());
        let mut scratch = [0u8; 1024];
        let admitted = server
            .admit(
                &Request::new(&["Bearer x", &header], NOW),
                &NoRevocation,
                &mut scratch,
            )
            .unwrap();
        let id = Identifier::new(payment_hash(), [3; 32]);
        assert_eq!(admitted.identifier, id);
        assert_eq!(admitted.root_key_id, id.root_key_id());
        assert_eq!(admitted.key_generation, KeyGeneration::Current);
        assert_eq!(admitted.scheme, scheme);
        assert_eq!(admitted.macaroon.caveats().count(), 3);
    }
}

#[test]
fn no_credential_is_402_payment_required_whatever_the_bad_credential_status() {
    for bad_credential_status in [
        BadCredentialStatus::PaymentRequired,
        BadCredentialStatus::Unauthorized,
    ] {
        let config = ServerConfig {
            bad_credential_status,
            ..config()
        };
        let server = L402Server::new(config, RootKeys::new(&SECRET).unwrap()).unwrap();
        assert_eq!(admit_code(&server, &[], NOW), (402, "payment_required"));
        assert_eq!(
            admit_code(&server, &["Bearer abc", "Basic eDp5"], NOW),
            (402, "payment_required")
        );
    }
}

#[test]
fn wrong_preimage_is_invalid_preimage_with_402_or_401() {
    let server402 = server(&SECRET);
    let mac = mint(&server402, [1; 32], NOW);
    let header = authorization(Scheme::L402, &mac, &[0x42; 32]);
    assert_eq!(
        admit_code(&server402, &[&header], NOW),
        (402, "invalid_preimage")
    );
    let config = ServerConfig {
        bad_credential_status: BadCredentialStatus::Unauthorized,
        ..config()
    };
    let server401 = L402Server::new(config, RootKeys::new(&SECRET).unwrap()).unwrap();
    assert_eq!(
        admit_code(&server401, &[&header], NOW),
        (401, "invalid_preimage")
    );
}

#[test]
fn malformed_credential_has_invalid_credential_and_a_detail_code() {
    let server = server(&SECRET);
    let mut scratch = [0u8; 256];
    let refusal = server
        .admit(
            &Request::new(&["L402 AgE=:abcd"], NOW),
            &NoRevocation,
            &mut scratch,
        )
        .unwrap_err();
    assert_eq!(refusal.status, 402);
    assert_eq!(refusal.code(), "invalid_credential");
    assert_eq!(refusal.detail_code(), Some("preimage_hex"));
}

#[test]
fn token_of_another_secret_is_signature_mismatch() {
    let mac = mint(&server(&OTHER_SECRET), [1; 32], NOW);
    let header = authorization(Scheme::L402, &mac, &preimage());
    assert_eq!(
        admit_code(&server(&SECRET), &[&header], NOW),
        (402, "signature_mismatch")
    );
}

#[test]
fn rotation_verifies_tokens_of_the_previous_secret_and_mints_with_the_current() {
    let old_server = server(&OTHER_SECRET);
    let old_mac = mint(&old_server, [1; 32], NOW);
    let rotating = L402Server::new(
        config(),
        RootKeys::rotating(&SECRET, &OTHER_SECRET).unwrap(),
    )
    .unwrap();
    let header = authorization(Scheme::L402, &old_mac, &preimage());
    let mut scratch = [0u8; 1024];
    let admitted = rotating
        .admit(&Request::new(&[&header], NOW), &NoRevocation, &mut scratch)
        .unwrap();
    assert_eq!(admitted.key_generation, KeyGeneration::Previous);

    // New tokens come from the current secret: the old server no longer accepts them.
    let new_mac = mint(&rotating, [2; 32], NOW);
    let id = Identifier::new(payment_hash(), [2; 32]);
    let mac = Macaroon::parse_binary(&new_mac).unwrap();
    let root = independent_root_key(&SECRET, &id);
    let target = Target {
        service: "svc",
        capability: None,
        now: NOW,
    };
    assert_eq!(
        verify_token(
            &mac,
            &[],
            &preimage(),
            &|_: &[u8; 32]| Some(root),
            &target,
            &[]
        ),
        Ok(id)
    );
    let header = authorization(Scheme::L402, &new_mac, &preimage());
    assert_eq!(
        admit_code(&old_server, &[&header], NOW),
        (402, "signature_mismatch")
    );
}

#[test]
fn revoked_token_is_refused_and_only_authentic_tokens_reach_the_revocation_check() {
    let server = server(&SECRET);
    let mac = mint(&server, [1; 32], NOW);
    let revoked_id = Identifier::new(payment_hash(), [1; 32]).root_key_id();
    let asked = Cell::new(0);
    let list = |id: &[u8; 32]| {
        asked.set(asked.get() + 1);
        *id == revoked_id
    };
    let mut scratch = [0u8; 1024];
    let header = authorization(Scheme::L402, &mac, &preimage());
    let refusal = server
        .admit(&Request::new(&[&header], NOW), &list, &mut scratch)
        .unwrap_err();
    assert_eq!((refusal.status, refusal.code()), (402, "token_revoked"));
    assert_eq!(asked.get(), 1);

    let forged = mint(&self::server(&OTHER_SECRET), [1; 32], NOW);
    let header = authorization(Scheme::L402, &forged, &preimage());
    let refusal = server
        .admit(&Request::new(&[&header], NOW), &list, &mut scratch)
        .unwrap_err();
    assert_eq!(refusal.code(), "signature_mismatch");
    assert_eq!(asked.get(), 1);

    let other = mint(&server, [2; 32], NOW);
    let header = authorization(Scheme::L402, &other, &preimage());
    assert!(
        server
            .admit(&Request::new(&[&header], NOW), &list, &mut scratch)
            .is_ok()
    );
}

#[test]
fn token_is_refused_from_its_valid_until_time() {
    let server = server(&SECRET);
    let mac = mint(&server, [1; 32], NOW);
    let header = authorization(Scheme::L402, &mac, &preimage());
    assert_eq!(admit_code(&server, &[&header], NOW + 86_399), (200, "ok"));
    assert_eq!(
        admit_code(&server, &[&header], NOW + 86_400),
        (402, "token_expired")
    );
}

#[test]
fn capability_is_enforced_when_the_request_names_one() {
    let config = ServerConfig {
        capabilities: &["read"],
        ..config()
    };
    let server = L402Server::new(config, RootKeys::new(&SECRET).unwrap()).unwrap();
    let mac = mint(&server, [1; 32], NOW);
    let header = authorization(Scheme::L402, &mac, &preimage());
    let mut scratch = [0u8; 1024];
    let headers = [header.as_str()];
    let mut request = Request::new(&headers, NOW);
    request.capability = Some("read");
    assert!(server.admit(&request, &NoRevocation, &mut scratch).is_ok());
    request.capability = Some("write");
    let refusal = server
        .admit(&request, &NoRevocation, &mut scratch)
        .unwrap_err();
    assert_eq!(refusal.code(), "capability_not_allowed");
}

#[test]
fn constraints_are_minted_and_checked_by_the_request_satisfiers() {
    let config = ServerConfig {
        constraints: &[b"tenant=acme"],
        ..config()
    };
    let server = L402Server::new(config, RootKeys::new(&SECRET).unwrap()).unwrap();
    let mac = mint(&server, [1; 32], NOW);
    let header = authorization(Scheme::L402, &mac, &preimage());
    let tenant_is = |want: &'static [u8]| pay402::l402::FnSatisfier {
        condition: "tenant",
        previous: |_: &[u8], _: &[u8]| Ok(()),
        last: move |v: &[u8]| {
            if v == want {
                Ok(())
            } else {
                Err(L402Error::CaveatNotSatisfied)
            }
        },
    };
    let acme = tenant_is(b"acme");
    let other = tenant_is(b"other");
    let mut scratch = [0u8; 1024];
    let headers = [header.as_str()];
    let mut request = Request::new(&headers, NOW);
    let (acme, other): (&dyn Satisfier, &dyn Satisfier) = (&acme, &other);
    let (acme, other) = ([acme], [other]);
    request.satisfiers = &acme;
    assert!(server.admit(&request, &NoRevocation, &mut scratch).is_ok());
    request.satisfiers = &other;
    assert_eq!(
        server
            .admit(&request, &NoRevocation, &mut scratch)
            .unwrap_err()
            .code(),
        "caveat_not_satisfied"
    );
}

#[test]
fn provider_invoice_must_match_hash_network_price_and_be_unexpired() {
    let server = server(&SECRET);
    let mut out = [0u8; 2048];
    let mut code = |server: &L402Server<'_>, invoice: Invoice<'_>, now| {
        server
            .write_challenge(&invoice, [1; 32], now, &mut out)
            .map_or_else(|e| e.code(), |_| "ok")
    };
    let wrong_hash = Invoice {
        payment_hash: [0; 32],
        ..invoice()
    };
    assert_eq!(
        code(&server, wrong_hash, NOW),
        "invoice_payment_hash_mismatch"
    );
    assert_eq!(code(&server, invoice(), u64::MAX / 2), "invoice_expired");
    let not_bolt11 = Invoice {
        bolt11: "lnbc1notaninvoice",
        ..invoice()
    };
    assert_ne!(code(&server, not_bolt11, NOW), "ok");
    let testnet = L402Server::new(
        ServerConfig::new("svc", 17_000, Network::Testnet),
        RootKeys::new(&SECRET).unwrap(),
    )
    .unwrap();
    assert_eq!(code(&testnet, invoice(), NOW), "invoice_network_mismatch");
    let dearer = L402Server::new(
        ServerConfig::new("svc", 18_000, Network::Bitcoin),
        RootKeys::new(&SECRET).unwrap(),
    )
    .unwrap();
    assert_eq!(code(&dearer, invoice(), NOW), "invoice_amount_mismatch");
}

#[test]
fn amountless_invoice_is_refused() {
    // BOLT 11 example "Please make a donation of any amount": no amount.
    let bolt11 = "lnbc1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpl2pkx2ctnv5sxxmmwwd5kgetjypeh2ursdae8g6twvus8g6rfwvs8qun0dfjkxaq9qrsgq357wnc5r2ueh7ck6q93dj32dlqnls087fxdwk8qakdyafkq3yap9us6v52vjjsrvywa6rt52cm9r9zqt8r2t7mlcwspyetp5h2tztugp9lfyql";
    let payment_hash = pay402::hex::decode_array(
        b"0001020304050607080900010203040506070809000102030405060708090102",
    )
    .unwrap();
    let server = server(&SECRET);
    let mut out = [0u8; 2048];
    let err = server
        .write_challenge(
            &Invoice {
                bolt11,
                payment_hash,
            },
            [1; 32],
            1_496_314_658,
            &mut out,
        )
        .unwrap_err();
    assert_eq!(err.code(), "invoice_amount_missing");
}

#[test]
fn too_small_output_is_buffer_too_small_and_leaves_nothing_written() {
    let server = server(&SECRET);
    let mut out = [0u8; 600];
    let err = server
        .write_challenge(&invoice(), [1; 32], NOW, &mut out)
        .unwrap_err();
    assert_eq!(err, L402ServerError::BufferTooSmall);
    assert!(out.iter().all(|&b| b == 0));
}

#[test]
fn too_small_scratch_is_a_refusal_not_a_panic() {
    let server = server(&SECRET);
    let mac = mint(&server, [1; 32], NOW);
    let header = authorization(Scheme::L402, &mac, &preimage());
    let mut scratch = [0u8; 16];
    let refusal = server
        .admit(&Request::new(&[&header], NOW), &NoRevocation, &mut scratch)
        .unwrap_err();
    assert_eq!(refusal.code(), "buffer_too_small");
}

#[test]
fn configuration_is_checked_when_the_server_is_built() {
    let build = |config: ServerConfig<'static>, secret: &[u8]| {
        RootKeys::new(secret)
            .and_then(|keys| L402Server::new(config, keys))
            .map_or_else(|e| e.code(), |_| "ok")
    };
    assert_eq!(build(config(), &[1; 31]), "invalid_server_secret");
    assert_eq!(build(config(), &[1; 65]), "invalid_server_secret");
    assert_eq!(build(config(), &[1; 64]), "ok");
    for service in ["", "a:b", "a,b", "a=b", "a b", "é"] {
        let c = ServerConfig {
            service,
            ..config()
        };
        assert_eq!(build(c, &SECRET), "invalid_service_name", "{service:?}");
    }
    for capabilities in [&[""][..], &["a,b"], &["a b"]] {
        let c = ServerConfig {
            capabilities,
            ..config()
        };
        assert_eq!(build(c, &SECRET), "invalid_capability");
    }
    let c = ServerConfig {
        price_msat: 0,
        ..config()
    };
    assert_eq!(build(c, &SECRET), "invalid_price");
    let c = ServerConfig {
        constraints: &MANY,
        ..config()
    };
    assert_eq!(build(c, &SECRET), "token_too_large");
    let big = [b'x'; MAX_TOKEN_LEN];
    let big: &'static [u8] = Box::leak(Box::new(big));
    let c = ServerConfig {
        constraints: Box::leak(Box::new([big])),
        ..config()
    };
    assert_eq!(build(c, &SECRET), "token_too_large");
}

#[test]
fn secrets_never_print() {
    let secret = ServerSecret::new(&[0x5a; 32]).unwrap();
    assert_eq!(format!("{secret:?}"), "ServerSecret(<redacted>)");
    let keys = RootKeys::rotating(&[0x5a; 32], &[0x5b; 32]).unwrap();
    let text = format!("{:?}", server(&SECRET)) + &format!("{keys:?}");
    assert!(!text.contains("90") && !text.contains("5a") && !text.contains("91"));
}

#[test]
fn ten_thousand_unpaid_requests_leave_the_server_unchanged() {
    let server = server(&SECRET);
    let size = size_of_val(&server);
    let before = format!("{server:?}");
    let first = mint(&server, [0; 32], NOW);
    let mut out = [0u8; 2048];
    for i in 1..10_000u32 {
        let mut token_id = [0u8; 32];
        token_id[..4].copy_from_slice(&i.to_be_bytes());
        // The unpaid request: refused, then challenged.
        assert_eq!(admit_code(&server, &[], NOW), (402, "payment_required"));
        server
            .write_challenge(&invoice(), token_id, NOW, &mut out)
            .unwrap();
    }
    // `admit` and `write_challenge` take `&self`: nothing can have been stored.
    assert_eq!(size_of_val(&server), size);
    assert_eq!(size, size_of::<L402Server<'static>>());
    assert_eq!(format!("{server:?}"), before);
    let header = authorization(Scheme::L402, &first, &preimage());
    assert_eq!(admit_code(&server, &[&header], NOW), (200, "ok"));
    assert_eq!(payment_hash_of(&preimage()), payment_hash());
}
