//! Bad-input catalogue for the L402 server (`pay402::l402::server`): every `Authorization` set
//! and every provider invoice below must be refused with the exact status, code and detail code,
//! never panic, and never reach the revocation check unless the token is authentic. Valid
//! values are the Fewsats triple (fewsats-python README) and aperture's vector B
//! (`auth/authenticator_test.go` inputs).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::too_many_lines, // the catalogue is one table
    missing_docs
)]

use core::cell::Cell;
use pay402::ErrorCode;
use pay402::bolt11::Network;
use pay402::l402::server::{
    BadCredentialStatus, Invoice, L402Server, Request, RootKeys, ServerConfig,
};
use pay402::l402::{Identifier, Scheme, write_authorization};
use pay402::macaroon::builder::V2Builder;
use pay402::writer::Writer;

const INVOICE: &str = "lnbc170n1pnv7wrapp5perxlk25ywqwr05tpgzs0yyhswwg38jfmn9ec3qeqe92ujnpzyusdq024f5kgzgda6hxegcqzzsxqyz5vqsp54ceypjapjxntxrtnhkyfrds7m5u9stn8x6gkmf5dx6z56ksy6l3q9qxpqysgqnkxdtwqxhkvrav3d3wv83yxn45yrdywxu2mnyh4p7ecncuqsv4gn0xrfl6w57hd9lnc5eghdf536dqy5gf2uuly04nrtdjcwvezkt6cqtttnzj";
const F_PRE: &str = "b184b87e7a4f802bf41cd26c82d9d883b9cf7bb86f8dcfc4f394634ff711f628";
/// sha256 of `F_PRE` (Python `hashlib`).
const F_HASH: &str = "0e466fd9542380e1be8b0a05079097839c889e49dccb9c4419064aae4a611139";
const F_MAC: &str = "AgELZmV3c2F0cy5jb20CQgAADkZv2VQjgOG+iwoFB5CXg5yInkncy5xEGQZKrkphETmU9+MjeNM4bsj1j5l5KKvildd2pHdtrW+ChXQOQ/fZzgACLGZpbGVfaWQ9MmU1NGFjMjktNTk0NS00YjVmLTkzZGItOTk4YTUzNWE1YTQ5AAIfZXhwaXJlc19hdD0yMDI1LTA4LTIzVDE0OjQ3OjI1WgAABiBIoB5sUXEXijxuyL2cjn0WIgLpOCtt8UcGaGn9N/8n0Q==";
const B_MAC: &str = "AgEEbHNhdAJCAABgquPzKZRBsGthtaqk24nEtchifeDMLlU1iC2PQhdSZQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAAIOc2VydmljZXM9c3ZjOjAAAhFzdmNfY2FwYWJpbGl0aWVzPQACGnN2Y192YWxpZF91bnRpbD0xNzAwMDAwMDAwAAAGIEPcqILbajwoNqZIZvcAQ4MCXctl1W2CHbduFXGCyiS5";
const B_PRE: &str = "49349dfea4abed3cd14f6d356afa83de9787b609f088c8df09bacc7b4bd21b39";
const NOW: u64 = 1_724_856_505;
const SECRET: [u8; 32] = [7; 32];

/// `(status, code, detail code)`.
type Verdict = (u16, &'static str, Option<&'static str>);

fn hash() -> [u8; 32] {
    pay402::hex::decode_array(F_HASH.as_bytes()).unwrap()
}

fn server_for(
    service: &'static str,
    secret: &[u8],
    bad: BadCredentialStatus,
) -> L402Server<'static> {
    let config = ServerConfig {
        bad_credential_status: bad,
        ..ServerConfig::new(service, 17_000, Network::Bitcoin)
    };
    L402Server::new(config, RootKeys::new(secret).unwrap()).unwrap()
}

fn server() -> L402Server<'static> {
    server_for("svc", &SECRET, BadCredentialStatus::PaymentRequired)
}

/// A token minted by `server`, as the base64 of its `L402` challenge.
fn token(server: &L402Server<'_>) -> String {
    let mut out = [0u8; 2048];
    let invoice = Invoice {
        bolt11: INVOICE,
        payment_hash: hash(),
    };
    let c = server
        .write_challenge(&invoice, [1; 32], NOW, &mut out)
        .unwrap();
    let v = c.values()[1];
    v["L402 macaroon=\"".len()..v.find("\", invoice=").unwrap()].to_owned()
}

/// A macaroon signed with the server's derived key whose identifier has version 1.
fn version_1_token() -> String {
    let mut id = Identifier::new(hash(), [1; 32]).to_bytes();
    id[1] = 1;
    let root_key_id: [u8; 32] = {
        use sha2::Digest;
        sha2::Sha256::digest(id).into()
    };
    let root = {
        use hmac::{KeyInit, Mac};
        let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&SECRET).unwrap();
        mac.update(b"pay402 l402 root key v1");
        mac.update(&root_key_id);
        mac.finalize().into_bytes()
    };
    let mut buf = [0u8; 256];
    let bytes = V2Builder::mint(&mut buf, &root, &id, b"lsat")
        .unwrap()
        .finish()
        .unwrap()
        .to_vec();
    let mut text = [0u8; 512];
    let mut w = Writer::new(&mut text);
    write_authorization(&mut w, Scheme::L402, &bytes, &[0; 32]).unwrap();
    let s = core::str::from_utf8(w.written()).unwrap();
    s["L402 ".len()..s.find(':').unwrap()].to_owned()
}

/// `(status, code, detail)` of admitting `headers`, and whether the revocation check was asked.
fn admit(server: &L402Server<'_>, headers: &[&str]) -> (Verdict, bool) {
    let asked = Cell::new(false);
    let revocation = |_: &[u8; 32]| {
        asked.set(true);
        false
    };
    let mut scratch = vec![0u8; 4096];
    let verdict = match server.admit(&Request::new(headers, NOW), &revocation, &mut scratch) {
        Ok(_) => (200, "ok", None),
        Err(r) => (r.status, r.code(), r.detail_code()),
    };
    (verdict, asked.get())
}

#[test]
fn every_bad_authorization_is_refused_with_its_status_code_and_detail() {
    let ours = token(&server());
    let foreign = token(&server_for(
        "svc",
        &[9; 32],
        BadCredentialStatus::PaymentRequired,
    ));
    let other_service = token(&server_for(
        "other",
        &SECRET,
        BadCredentialStatus::PaymentRequired,
    ));
    let v1 = version_1_token();
    let zeros = "0".repeat(64);
    let huge = format!("L402 {}:{F_PRE}", "A".repeat(8192));
    let nine = format!("L402 {}:{F_PRE}", [ours.as_str(); 9].join(","));
    let cases: Vec<(&str, Vec<String>, Verdict)> = vec![
        ("no header", vec![], (402, "payment_required", None)),
        (
            "other schemes only",
            vec!["Bearer x".into(), "Basic eDp5".into()],
            (402, "payment_required", None),
        ),
        (
            "missing separator",
            vec![format!("L402 {ours}")],
            (402, "invalid_credential", Some("missing_separator")),
        ),
        (
            "empty macaroon",
            vec![format!("L402 :{F_PRE}")],
            (402, "invalid_credential", Some("empty_macaroon")),
        ),
        (
            "short preimage",
            vec![format!("L402 {ours}:{}", &F_PRE[1..])],
            (402, "invalid_credential", Some("preimage_hex")),
        ),
        (
            "non-hex preimage",
            vec![format!("L402 {ours}:{}g", &F_PRE[1..])],
            (402, "invalid_credential", Some("preimage_hex")),
        ),
        (
            "space in macaroon",
            vec![format!("L402 {ours} x:{F_PRE}")],
            (402, "invalid_credential", Some("macaroon_character")),
        ),
        (
            "not a macaroon",
            vec![format!("L402 AgE=:{F_PRE}")],
            (402, "invalid_credential", Some("macaroon")),
        ),
        (
            "nine macaroons",
            vec![nine],
            (402, "invalid_credential", Some("too_many_macaroons")),
        ),
        // A value that is not RFC 9110 credentials syntax is no L402 credential at all.
        (
            "CRLF injection",
            vec![format!("L402 {ours}:{F_PRE}\r\nX: y")],
            (402, "payment_required", None),
        ),
        (
            "LSAT and L402 disagree",
            vec![
                format!("LSAT {foreign}:{F_PRE}"),
                format!("L402 {ours}:{F_PRE}"),
            ],
            (402, "invalid_credential", Some("schemes_disagree")),
        ),
        (
            "wrong preimage",
            vec![format!("L402 {ours}:{zeros}")],
            (402, "invalid_preimage", None),
        ),
        (
            "identifier version 1",
            vec![format!("L402 {v1}:{zeros}")],
            (402, "unknown_identifier_version", None),
        ),
        (
            "another server's secret",
            vec![format!("L402 {foreign}:{F_PRE}")],
            (402, "signature_mismatch", None),
        ),
        (
            "Fewsats' own token",
            vec![format!("L402 {F_MAC}:{F_PRE}")],
            (402, "signature_mismatch", None),
        ),
        (
            "aperture vector B",
            vec![format!("L402 {B_MAC}:{B_PRE}")],
            (402, "signature_mismatch", None),
        ),
        (
            "another service",
            vec![format!("L402 {other_service}:{F_PRE}")],
            (402, "service_not_allowed", None),
        ),
        (
            "larger than the scratch",
            vec![huge],
            (402, "buffer_too_small", None),
        ),
    ];
    for (name, headers, expected) in &cases {
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        let (verdict, asked) = admit(&server(), &headers);
        assert_eq!(verdict, *expected, "{name}");
        assert!(
            !asked,
            "{name}: the revocation check saw an unauthentic token"
        );
    }
    // The valid credential, in both schemes, is admitted and checked for revocation.
    for scheme in ["L402", "LSAT", "l402"] {
        let header = format!("{scheme} {ours}:{F_PRE}");
        assert_eq!(
            admit(&server(), &[&header]),
            ((200, "ok", None), true),
            "{scheme}"
        );
    }
}

#[test]
fn under_the_401_policy_only_a_missing_credential_keeps_402() {
    let strict = server_for("svc", &SECRET, BadCredentialStatus::Unauthorized);
    let ours = token(&strict);
    assert_eq!(admit(&strict, &[]).0, (402, "payment_required", None));
    let zeros = "0".repeat(64);
    assert_eq!(
        admit(&strict, &[&format!("L402 {ours}:{zeros}")]).0,
        (401, "invalid_preimage", None)
    );
    assert_eq!(
        admit(&strict, &[&format!("L402 {ours}")]).0,
        (401, "invalid_credential", Some("missing_separator"))
    );
}

#[test]
fn every_bad_provider_invoice_is_refused_with_its_code() {
    let other_hash = Invoice {
        bolt11: INVOICE,
        payment_hash: [0; 32],
    };
    let truncated = &INVOICE[..INVOICE.len() - 1];
    let upper = INVOICE.to_ascii_uppercase();
    let mixed = format!("L{}", &INVOICE[1..]);
    let quoted = format!("{INVOICE}\"");
    let cases: Vec<(&str, Invoice<'_>, &str)> = vec![
        (
            "empty",
            Invoice {
                bolt11: "",
                payment_hash: hash(),
            },
            "bolt11_missing_separator",
        ),
        (
            "checksum",
            Invoice {
                bolt11: truncated,
                payment_hash: hash(),
            },
            "bolt11_bad_checksum",
        ),
        (
            "mixed case",
            Invoice {
                bolt11: &mixed,
                payment_hash: hash(),
            },
            "bolt11_mixed_case",
        ),
        (
            "quote",
            Invoice {
                bolt11: &quoted,
                payment_hash: hash(),
            },
            "bolt11_invalid_character",
        ),
        (
            "other payment hash",
            other_hash,
            "invoice_payment_hash_mismatch",
        ),
    ];
    let server = server();
    for (name, invoice, expected) in cases {
        let mut out = [0u8; 2048];
        let code = server
            .write_challenge(&invoice, [1; 32], NOW, &mut out)
            .map_or_else(|e| e.code(), |_| "ok");
        assert_eq!(code, expected, "{name}");
        assert!(out.iter().all(|&b| b == 0), "{name}: output written");
    }
    // An all-uppercase invoice is valid bech32 (BIP 173) and is accepted as it is.
    let mut out = [0u8; 2048];
    let ok = Invoice {
        bolt11: &upper,
        payment_hash: hash(),
    };
    assert!(server.write_challenge(&ok, [1; 32], NOW, &mut out).is_ok());
}
