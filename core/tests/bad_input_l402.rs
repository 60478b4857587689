//! Bad-input catalogue for L402 (aperture's challenge, credential, identifier and caveat
//! rules): every entry must fail with the exact error code, never panic. Valid values are vector B
//! (aperture's `auth/authenticator_test.go` inputs) and the Fewsats triple (fewsats-python README).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use pay402::ErrorCode;
use pay402::l402::{
    Credential, CredentialFault, Identifier, L402Error, Target, challenges, parse_macaroon_header,
    select_challenge, select_credential, verify_authorization,
};

const B_MAC: &str = "AgEEbHNhdAJCAABgquPzKZRBsGthtaqk24nEtchifeDMLlU1iC2PQhdSZQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAAIOc2VydmljZXM9c3ZjOjAAAhFzdmNfY2FwYWJpbGl0aWVzPQACGnN2Y192YWxpZF91bnRpbD0xNzAwMDAwMDAwAAAGIEPcqILbajwoNqZIZvcAQ4MCXctl1W2CHbduFXGCyiS5";
const B_PRE: &str = "49349dfea4abed3cd14f6d356afa83de9787b609f088c8df09bacc7b4bd21b39";
const F_MAC: &str = "AgELZmV3c2F0cy5jb20CQgAADkZv2VQjgOG+iwoFB5CXg5yInkncy5xEGQZKrkphETmU9+MjeNM4bsj1j5l5KKvildd2pHdtrW+ChXQOQ/fZzgACLGZpbGVfaWQ9MmU1NGFjMjktNTk0NS00YjVmLTkzZGItOTk4YTUzNWE1YTQ5AAIfZXhwaXJlc19hdD0yMDI1LTA4LTIzVDE0OjQ3OjI1WgAABiBIoB5sUXEXijxuyL2cjn0WIgLpOCtt8UcGaGn9N/8n0Q==";
const F_PRE: &str = "b184b87e7a4f802bf41cd26c82d9d883b9cf7bb86f8dcfc4f394634ff711f628";
/// Vector A: aperture's `authenticator_test.go` fixture (id "AA==", caveat preimage=…).
const A_HEX: &str = "0201086170657274757265020441413d3d000249707265696d6167653d3439333439646665613461626564336364313466366433353661666138336465393738376236303966303838633864663039626163633762346264323162333900000620a329f0d7149ad54162e7448d868825e9a508d4de95fb86d5d0060002493ca6b5";

fn b_root() -> [u8; 32] {
    core::array::from_fn(|i| u8::try_from(i).unwrap())
}

fn target(now: u64) -> Target<'static> {
    Target {
        service: "svc",
        capability: None,
        now,
    }
}

fn cred_code(header: &str) -> &'static str {
    Credential::parse(header)
        .and_then(|c| {
            let mut scratch = vec![0u8; header.len()];
            (0..c.macaroon_count()).try_for_each(|i| c.decode_macaroon(i, &mut scratch).map(|_| ()))
        })
        .map_or_else(|e| e.code(), |()| "ok")
}

fn fault(header: &str) -> CredentialFault {
    match Credential::parse(header) {
        Err(L402Error::InvalidCredential(f)) => f,
        other => panic!("expected invalid_credential, got {other:?}"),
    }
}

fn verify_code(headers: &[&str], root: [u8; 32], now: u64) -> &'static str {
    let mut scratch = vec![0u8; 4096];
    let keys = move |_: &[u8; 32]| Some(root);
    verify_authorization(headers, &mut scratch, &keys, &target(now), &[])
        .map_or_else(|e| e.code(), |_| "ok")
}

#[test]
fn identifiers_of_65_and_67_bytes_are_unknown_versions() {
    let mut id = [0u8; 67];
    id[2..].fill(1);
    for len in [0, 1, 2, 34, 65, 67] {
        assert_eq!(
            Identifier::parse(&id[..len]).unwrap_err(),
            L402Error::IdentifierLength { len },
            "len {len}"
        );
        assert_eq!(
            Identifier::parse(&id[..len]).unwrap_err().code(),
            "unknown_identifier_version"
        );
    }
    assert!(Identifier::parse(&id[..66]).is_ok());
    id[1] = 1;
    assert_eq!(
        Identifier::parse(&id[..66]).unwrap_err(),
        L402Error::UnknownIdentifierVersion { version: 1 }
    );
}

#[test]
fn malformed_credentials_are_invalid_credential_with_their_reason() {
    let cases: [(String, CredentialFault); 9] = [
        (
            format!("L402 {B_MAC}:{}", &B_PRE[1..]),
            CredentialFault::PreimageHex,
        ),
        (
            format!("L402 {B_MAC}:{B_PRE}0"),
            CredentialFault::PreimageHex,
        ),
        (
            format!("L402 {B_MAC}:{}g", &B_PRE[1..]),
            CredentialFault::PreimageHex,
        ),
        (format!("L402 {B_MAC}"), CredentialFault::MissingSeparator),
        (format!("L402 :{B_PRE}"), CredentialFault::EmptyMacaroon),
        (
            format!("L402 {B_MAC},:{B_PRE}"),
            CredentialFault::EmptyMacaroon,
        ),
        (
            format!("L402 {B_MAC} x:{B_PRE}"),
            CredentialFault::MacaroonCharacter,
        ),
        (format!("Bearer {B_MAC}:{B_PRE}"), CredentialFault::Scheme),
        (
            format!("L402 {}:{B_PRE}", [B_MAC; 9].join(",")),
            CredentialFault::TooManyMacaroons,
        ),
    ];
    for (header, expected) in cases {
        assert_eq!(fault(&header), expected, "{header}");
        assert_eq!(cred_code(&header), "invalid_credential");
    }
    assert!(matches!(fault("L402\u{7f}x:y"), CredentialFault::Syntax(_)));
    assert!(matches!(
        fault(&format!("L402 {B_MAC}:{B_PRE}\r\nX: y")),
        CredentialFault::Syntax(_)
    ));
    assert!(matches!(fault(""), CredentialFault::Syntax(_)));
}

#[test]
fn mixed_base64_alphabets_and_bad_padding_are_refused_when_decoding() {
    for mac in [
        F_MAC.replacen('+', "-", 1),
        format!("{F_MAC}="),
        F_MAC.replacen('=', "", 1),
        "AGIAJEemVQUTEyNCR0exk7ek90Cg==".to_owned(),
        format!("{B_MAC}A"),
    ] {
        let header = format!("L402 {mac}:{F_PRE}");
        assert!(Credential::parse(&header).is_ok(), "{header}");
        assert_eq!(cred_code(&header), "invalid_credential", "{header}");
    }
}

#[test]
fn challenges_missing_parameters_or_quotes_fail_with_exact_codes() {
    let code = |v: &str| {
        challenges(v)
            .find_map(Result::err)
            .map_or("ok", |e| e.code())
    };
    assert_eq!(code(r#"L402 invoice="lnbc1""#), "missing_macaroon");
    assert_eq!(code(r#"LSAT macaroon="AgE=""#), "missing_invoice");
    assert_eq!(code("L402"), "missing_macaroon");
    assert_eq!(code("L402 AgE="), "missing_macaroon");
    assert_eq!(
        code(r#"L402 macaroon="AgE=", invoice="lnbc1"#),
        "auth_unterminated_quoted_string"
    );
    assert_eq!(
        code(r#"L402 macaroon="", invoice="lnbc1""#),
        "invalid_challenge_param"
    );
    assert_eq!(
        code(r#"L402 macaroon="A\"gE", invoice="lnbc1""#),
        "invalid_challenge_param"
    );
    assert_eq!(
        code(r#"L402 macaroon="AgE=", macaroon="AgE=", invoice="x""#),
        "auth_duplicate_param"
    );
    assert_eq!(
        code("L402 macaroon=\"Ag\u{1}E=\", invoice=\"x\""),
        "auth_invalid_character"
    );
    assert_eq!(code(""), "auth_empty");
    assert_eq!(
        select_challenge(&["Bearer realm=\"x\""])
            .unwrap_err()
            .code(),
        "no_l402_challenge"
    );
    assert_eq!(
        select_challenge(&[r#"L402 invoice="x""#])
            .unwrap_err()
            .code(),
        "missing_macaroon"
    );
}

#[test]
fn verification_failures_come_in_aperture_order() {
    let ok = format!("L402 {B_MAC}:{B_PRE}");
    assert_eq!(verify_code(&[&ok], b_root(), 1_699_999_999), "ok");
    // Wrong preimage is reported before the (wrong) root key is ever used.
    assert_eq!(
        verify_code(&[&format!("L402 {B_MAC}:{F_PRE}")], [0; 32], 0),
        "invalid_preimage"
    );
    assert_eq!(
        verify_code(&[&ok], [0; 32], 1_699_999_999),
        "signature_mismatch"
    );
    // An expired token with a wrong key is a signature error: signatures come before caveats.
    assert_eq!(
        verify_code(&[&ok], [0; 32], 1_800_000_000),
        "signature_mismatch"
    );
    assert_eq!(
        verify_code(&[&ok], b_root(), 1_700_000_000),
        "token_expired"
    );
    // No credential at all; the other scheme is skipped.
    assert_eq!(
        verify_code(&["Bearer abc"], b_root(), 0),
        "invalid_credential"
    );
    // The key store does not know the token.
    let mut scratch = vec![0u8; 1024];
    let none = |_: &[u8; 32]| None;
    assert_eq!(
        verify_authorization(&[&ok], &mut scratch, &none, &target(0), &[]).unwrap_err(),
        L402Error::UnknownRootKey
    );
    // Too small a scratch buffer is reported, not a panic.
    let mut tiny = [0u8; 8];
    let keys = |_: &[u8; 32]| Some(b_root());
    assert_eq!(
        verify_authorization(&[&ok], &mut tiny, &keys, &target(0), &[]).unwrap_err(),
        L402Error::BufferTooSmall
    );
}

#[test]
fn lsat_and_l402_values_that_differ_are_refused() {
    let l402 = format!("L402 {B_MAC}:{B_PRE}");
    let lsat_other_preimage = format!("LSAT {B_MAC}:{F_PRE}");
    assert_eq!(
        select_credential(&[&lsat_other_preimage, &l402]).unwrap_err(),
        L402Error::InvalidCredential(CredentialFault::SchemesDisagree)
    );
    let lsat_other_mac = format!("LSAT {F_MAC}:{B_PRE}");
    assert_eq!(
        select_credential(&[&l402, &lsat_other_mac])
            .unwrap_err()
            .code(),
        "invalid_credential"
    );
}

#[test]
fn hex_header_forms_need_hex_and_a_preimage_caveat() {
    let mut scratch = vec![0u8; 512];
    let (_, pre) = parse_macaroon_header(A_HEX, &mut scratch).unwrap();
    assert_eq!(
        pre,
        pay402::hex::decode_array::<32>(B_PRE.as_bytes()).unwrap()
    );
    let code = |v: &str| {
        let mut s = vec![0u8; 512];
        parse_macaroon_header(v, &mut s).map_or_else(|e| e.code(), |_| "ok")
    };
    assert_eq!(code(&A_HEX[1..]), "invalid_credential");
    assert_eq!(code(&format!("{A_HEX}zz")), "invalid_credential");
    assert_eq!(code(&format!("{A_HEX}00")), "invalid_credential");
    // serialization_1 of libmacaroons: a valid macaroon without a preimage caveat.
    let no_caveat = "020113687474703a2f2f6578616d706c652e6f72672f02056b65796964000006207cdee792511c5bc6f528485805dfe9b24e785e28e2a99301f9d711c609e38ef7";
    assert_eq!(code(no_caveat), "invalid_credential");
    assert_eq!(code(""), "invalid_credential");
}
