//! Behaviour of the RFC 9110 §11 challenge and credential codecs, with inputs from the RFCs
//! and the public specifications each test names.
//
// Test-only: the parent module declares it under `#[cfg(test)]`.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use super::*;
use crate::error::{BufferTooSmall, ErrorCode};
use crate::writer::Writer;

/// Vector B macaroon (aperture `authenticator_test.go` inputs): std base64, no padding needed.
const MACAROON_B: &str = "AgEEbHNhdAJCAABgquPzKZRBsGthtaqk24nEtchifeDMLlU1iC2PQhdSZQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAAIOc2VydmljZXM9c3ZjOjAAAhFzdmNfY2FwYWJpbGl0aWVzPQACGnN2Y192YWxpZF91bnRpbD0xNzAwMDAwMDAwAAAGIEPcqILbajwoNqZIZvcAQ4MCXctl1W2CHbduFXGCyiS5";
/// Fewsats real-world macaroon (fewsats-python README): std base64 with `+`, `/` and `==`.
const MACAROON_FEWSATS: &str = "AgELZmV3c2F0cy5jb20CQgAADkZv2VQjgOG+iwoFB5CXg5yInkncy5xEGQZKrkphETmU9+MjeNM4bsj1j5l5KKvildd2pHdtrW+ChXQOQ/fZzgACLGZpbGVfaWQ9MmU1NGFjMjktNTk0NS00YjVmLTkzZGItOTk4YTUzNWE1YTQ5AAIfZXhwaXJlc19hdD0yMDI1LTA4LTIzVDE0OjQ3OjI1WgAABiBIoB5sUXEXijxuyL2cjn0WIgLpOCtt8UcGaGn9N/8n0Q==";
const INVOICE_FEWSATS: &str = "lnbc170n1pnv7wrapp5perxlk25ywqwr05tpgzs0yyhswwg38jfmn9ec3qeqe92ujnpzyusdq024f5kgzgda6hxegcqzzsxqyz5vqsp54ceypjapjxntxrtnhkyfrds7m5u9stn8x6gkmf5dx6z56ksy6l3q9qxpqysgqnkxdtwqxhkvrav3d3wv83yxn45yrdywxu2mnyh4p7ecncuqsv4gn0xrfl6w57hd9lnc5eghdf536dqy5gf2uuly04nrtdjcwvezkt6cqtttnzj";
/// Preimage of the Fewsats triple (fewsats-python README).
const PREIMAGE_FEWSATS: &str = "b184b87e7a4f802bf41cd26c82d9d883b9cf7bb86f8dcfc4f394634ff711f628";

fn all(value: &str) -> Result<heapless::Vec<Challenge<'_>, 8>, AuthError> {
    let mut out = heapless::Vec::new();
    for challenge in challenges(value) {
        out.push(challenge?).unwrap();
    }
    Ok(out)
}

fn only(value: &str) -> Challenge<'_> {
    let list = all(value).unwrap();
    assert_eq!(list.len(), 1, "{value}");
    list[0]
}

fn names(params: AuthParams<'_>) -> heapless::Vec<&str, 8> {
    params.iter().map(|p| p.name).collect()
}

fn plain<'a>(challenge: &Challenge<'a>, name: &str) -> Option<&'a str> {
    challenge.params.get(name).and_then(|v| v.as_plain())
}

fn first_error(value: &str) -> AuthError {
    challenges(value).find_map(Result::err).unwrap()
}

// ---- challenges: L402 / LSAT (L402 protocol specification, aperture `auth/authenticator.go`) ----

#[test]
fn parses_aperture_l402_challenge() {
    let value = format_args_str(&[
        "L402 macaroon=\"",
        MACAROON_FEWSATS,
        "\", invoice=\"",
        INVOICE_FEWSATS,
        "\"",
    ]);
    let c = only(&value);
    assert!(c.scheme_is("L402"));
    assert_eq!(c.token68, None);
    assert_eq!(names(c.params).as_slice(), ["macaroon", "invoice"]);
    assert_eq!(plain(&c, "macaroon"), Some(MACAROON_FEWSATS));
    assert_eq!(plain(&c, "invoice"), Some(INVOICE_FEWSATS));
}

#[test]
fn parses_l402_token_revision_with_params_in_any_order() {
    // L402 @8f5a269: `L402 version="0", token="T", invoice="P"`; clients must ignore unknown params.
    for value in [
        r#"L402 version="0", token="AgEE", invoice="lnbc1""#,
        r#"L402 invoice="lnbc1", token="AgEE", version="0""#,
        r#"L402 invoice="lnbc1",token="AgEE" , extra=1, version=0"#,
    ] {
        let c = only(value);
        assert!(c.scheme_is("l402"));
        assert!(c.params.get("token").unwrap().eq_str("AgEE"), "{value}");
        assert!(c.params.get("invoice").unwrap().eq_str("lnbc1"), "{value}");
        assert!(c.params.get("version").unwrap().eq_str("0"), "{value}");
        assert!(c.params.get("macaroon").is_none());
    }
}

#[test]
fn parses_invoice_before_macaroon() {
    let c = only(r#"LSAT invoice="lnbc1", macaroon="AgEEbHNhdA==""#);
    assert!(c.scheme_is("LSAT"));
    assert_eq!(plain(&c, "MACAROON"), Some("AgEEbHNhdA=="));
}

#[test]
fn parses_folded_lsat_l402_and_payment_challenges() {
    // RFC 9110 §5.3: what HTTP stacks make of aperture's three `WWW-Authenticate` lines.
    let value = format_args_str(&[
        "LSAT macaroon=\"",
        MACAROON_B,
        "\", invoice=\"lnbc1\", L402 macaroon=\"",
        MACAROON_B,
        "\", invoice=\"lnbc1\", Payment id=\"aGVsbG8\", realm=\"api.example\", method=\"lightning\", intent=\"charge\", request=\"eyJhIjoxfQ\", expires=\"2026-01-01T00:00:00Z\"",
    ]);
    let list = all(&value).unwrap();
    let schemes: heapless::Vec<&str, 8> = list.iter().map(|c| c.scheme).collect();
    assert_eq!(schemes.as_slice(), ["LSAT", "L402", "Payment"]);
    assert_eq!(plain(&list[0], "macaroon"), Some(MACAROON_B));
    assert_eq!(plain(&list[1], "macaroon"), Some(MACAROON_B));
    assert_eq!(
        names(list[2].params).as_slice(),
        ["id", "realm", "method", "intent", "request", "expires"]
    );
    assert_eq!(plain(&list[2], "expires"), Some("2026-01-01T00:00:00Z"));
}

#[test]
fn parses_payment_challenge_before_l402() {
    let list = all(r#"Payment id="x", method="lightning", L402 macaroon="AgEE", invoice="lnbc1""#)
        .unwrap();
    assert_eq!(list.len(), 2);
    assert!(list[0].scheme_is("payment"));
    assert_eq!(names(list[0].params).as_slice(), ["id", "method"]);
    assert!(list[1].scheme_is("L402"));
    assert_eq!(names(list[1].params).as_slice(), ["macaroon", "invoice"]);
}

#[test]
fn accepts_unquoted_token68_shaped_values() {
    // l402_middleware emits `L402 macaroon=<b64>, invoice=<bolt11>` unquoted (as lnget and lsat-js
    // parse them).
    let value = format_args_str(&[
        "L402 macaroon=",
        MACAROON_FEWSATS,
        ", invoice=",
        INVOICE_FEWSATS,
    ]);
    let c = only(&value);
    assert_eq!(
        c.params.get("macaroon"),
        Some(ParamValue::Token(MACAROON_FEWSATS))
    );
    assert_eq!(
        c.params.get("invoice"),
        Some(ParamValue::Token(INVOICE_FEWSATS))
    );
}

// ---- challenges: other schemes ----

#[test]
fn parses_payper402_bearer_challenge() {
    // PayPer402.
    let c = only(r#"Bearer realm="PayPer402", amount="0.042", currency="USDC", network="Solana""#);
    assert!(c.scheme_is("bearer"));
    assert_eq!(plain(&c, "realm"), Some("PayPer402"));
    assert_eq!(plain(&c, "amount"), Some("0.042"));
    assert_eq!(plain(&c, "currency"), Some("USDC"));
    assert_eq!(plain(&c, "network"), Some("Solana"));
}

#[test]
fn parses_bearer_challenge_with_unquoted_amount() {
    let c = only("Bearer realm=PayPer402, amount=0.042");
    assert_eq!(c.params.get("amount"), Some(ParamValue::Token("0.042")));
}

#[test]
fn parses_basic_challenge_of_rfc7617() {
    // RFC 7617 §2.1.
    let c = only(r#"Basic realm="foo", charset="UTF-8""#);
    assert!(c.scheme_is("BASIC"));
    assert_eq!(plain(&c, "realm"), Some("foo"));
    assert_eq!(plain(&c, "Charset"), Some("UTF-8"));
    let c = only(r#"Basic realm="x", charset="UTF-8""#);
    assert_eq!(plain(&c, "realm"), Some("x"));
}

#[test]
fn parses_the_rfc9110_two_challenge_example() {
    // RFC 9110 §11.6.1.
    let list =
        all(r#"Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple""#)
            .unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].scheme, "Newauth");
    assert_eq!(names(list[0].params).as_slice(), ["realm", "type", "title"]);
    assert_eq!(list[0].params.get("type"), Some(ParamValue::Token("1")));
    let title = list[0].params.get("title").unwrap();
    assert_eq!(title, ParamValue::Quoted(r#"Login to \"apps\""#));
    assert!(title.eq_str(r#"Login to "apps""#));
    assert_eq!(title.as_plain(), None);
    assert_eq!(list[1].scheme, "Basic");
    assert_eq!(plain(&list[1], "realm"), Some("simple"));
}

#[test]
fn parses_token68_challenges() {
    let c = only("Negotiate abc==");
    assert_eq!(c.token68, Some("abc=="));
    assert!(c.params.is_empty());

    let list = all("Negotiate abc== , Basic realm=\"x\", Foo a-b.c~d+e/f").unwrap();
    assert_eq!(list[0].token68, Some("abc=="));
    assert_eq!(list[1].scheme, "Basic");
    assert_eq!(list[2].token68, Some("a-b.c~d+e/f"));
}

#[test]
fn a_token68_ending_in_equals_is_not_an_auth_param() {
    // `realm=` cannot be an auth-param (no value), so it is the token68 `realm=`.
    let list = all("Foo realm=, Bar x=y").unwrap();
    assert_eq!(list[0].token68, Some("realm="));
    assert!(list[0].params.is_empty());
    assert_eq!(list[1].params.get("x"), Some(ParamValue::Token("y")));
}

#[test]
fn parses_bare_schemes() {
    let list = all("Basic, Bearer ,Negotiate").unwrap();
    let schemes: heapless::Vec<&str, 8> = list.iter().map(|c| c.scheme).collect();
    assert_eq!(schemes.as_slice(), ["Basic", "Bearer", "Negotiate"]);
    assert!(
        list.iter()
            .all(|c| c.params.is_empty() && c.token68.is_none())
    );
}

#[test]
fn an_auth_param_after_a_bare_scheme_and_comma_belongs_to_that_scheme() {
    let c = only(r#"Basic , realm="x""#);
    assert_eq!(plain(&c, "realm"), Some("x"));
}

#[test]
fn quoted_strings_may_hold_commas_escapes_and_scheme_like_text() {
    let c = only(r#"Bearer realm="a, b=\"c\", L402 d", error_description="back\\slash", x="""#);
    let realm = c.params.get("realm").unwrap();
    assert_eq!(realm.raw(), r#"a, b=\"c\", L402 d"#);
    assert!(realm.eq_str(r#"a, b="c", L402 d"#));
    assert!(
        c.params
            .get("error_description")
            .unwrap()
            .eq_str(r"back\slash")
    );
    assert_eq!(c.params.get("x"), Some(ParamValue::Quoted("")));
    assert_eq!(
        names(c.params).as_slice(),
        ["realm", "error_description", "x"]
    );
}

#[test]
fn skips_empty_list_elements_and_whitespace() {
    let list = all(
        " ,, Basic realm=\"x\" ,\t, charset = \"UTF-8\" , , L402 macaroon=\"m\",,invoice=\"i\" ,",
    )
    .unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(names(list[0].params).as_slice(), ["realm", "charset"]);
    assert_eq!(names(list[1].params).as_slice(), ["macaroon", "invoice"]);
}

#[test]
fn accepts_utf8_obs_text_inside_quoted_strings() {
    let c = only("Basic realm=\"caf\u{e9} \u{1F512}\"");
    assert_eq!(plain(&c, "realm"), Some("caf\u{e9} \u{1F512}"));
}

// ---- challenges: errors ----

#[test]
fn rejects_duplicate_params_case_insensitively() {
    assert_eq!(
        first_error(r#"Basic realm="a", realm="b""#),
        AuthError::DuplicateParam { offset: 17 }
    );
    assert_eq!(
        first_error(r#"L402 macaroon="a", MACAROON="b""#),
        AuthError::DuplicateParam { offset: 19 }
    );
    // The same name in two different challenges is fine.
    assert_eq!(
        all(r#"LSAT macaroon="a", L402 macaroon="a""#)
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn rejects_unterminated_quoted_strings() {
    assert_eq!(
        first_error(r#"Basic realm="never closed"#),
        AuthError::UnterminatedQuotedString { offset: 12 }
    );
    assert_eq!(
        first_error(r#"Basic realm="ends in backslash\"#),
        AuthError::UnterminatedQuotedString { offset: 12 }
    );
}

#[test]
fn rejects_a_bare_equals_sign() {
    assert_eq!(first_error("="), AuthError::InvalidScheme { offset: 0 });
    assert_eq!(
        first_error("Basic ="),
        AuthError::InvalidParam { offset: 6 }
    );
    assert_eq!(
        first_error(r#"Basic realm="x", =y"#),
        AuthError::InvalidParam { offset: 17 }
    );
    assert_eq!(
        first_error("Basic a=b, realm="),
        AuthError::InvalidParam { offset: 17 }
    );
}

#[test]
fn rejects_a_param_where_a_challenge_must_start() {
    assert_eq!(
        first_error(r#"realm="x""#),
        AuthError::InvalidScheme { offset: 0 }
    );
    // A token68 challenge has no params, so the next element must be a challenge.
    assert_eq!(
        first_error(r#"Negotiate abc==, realm="x""#),
        AuthError::InvalidScheme { offset: 17 }
    );
}

#[test]
fn rejects_control_characters() {
    assert_eq!(
        first_error("Basic realm=\"a\r\nb\""),
        AuthError::InvalidCharacter { offset: 14 }
    );
    assert_eq!(
        first_error("Basic realm=\"a\\\u{7f}\""),
        AuthError::InvalidCharacter { offset: 15 }
    );
    assert_eq!(
        first_error("Basic\u{0} realm=x"),
        AuthError::InvalidCharacter { offset: 5 }
    );
}

#[test]
fn rejects_garbage_after_a_value() {
    assert_eq!(
        first_error(r#"Basic realm="x" charset="y""#),
        AuthError::InvalidCharacter { offset: 16 }
    );
    assert_eq!(
        first_error("Basic a=b c"),
        AuthError::InvalidCharacter { offset: 10 }
    );
    assert_eq!(
        first_error("Basic foo bar"),
        AuthError::InvalidParam { offset: 10 }
    );
}

#[test]
fn an_empty_field_value_is_one_empty_error() {
    for value in ["", "   ", " , ,\t"] {
        let mut it = challenges(value);
        assert_eq!(it.next(), Some(Err(AuthError::Empty)), "{value:?}");
        assert_eq!(it.next(), None);
    }
}

#[test]
fn iteration_stops_after_the_first_error() {
    // After a scheme and a space comes a token68 or an auth-param; `"oops"` is neither.
    let mut it = challenges(r#"Basic realm="x", Bearer "oops", Negotiate abc"#);
    assert!(it.next().unwrap().is_ok());
    assert_eq!(it.next(), Some(Err(AuthError::InvalidParam { offset: 24 })));
    assert_eq!(it.next(), None);
}

#[test]
fn error_codes_are_stable() {
    let cases = [
        (AuthError::Empty, "auth_empty"),
        (
            AuthError::InvalidScheme { offset: 0 },
            "auth_invalid_scheme",
        ),
        (AuthError::InvalidParam { offset: 0 }, "auth_invalid_param"),
        (
            AuthError::UnterminatedQuotedString { offset: 0 },
            "auth_unterminated_quoted_string",
        ),
        (
            AuthError::InvalidCharacter { offset: 0 },
            "auth_invalid_character",
        ),
        (
            AuthError::DuplicateParam { offset: 0 },
            "auth_duplicate_param",
        ),
        (AuthError::BufferTooSmall, "buffer_too_small"),
    ];
    for (error, code) in cases {
        assert_eq!(error.code(), code);
    }
}

#[test]
fn never_panics_and_always_terminates_on_arbitrary_input() {
    // Deterministic xorshift over an alphabet of the grammar's interesting bytes.
    const ALPHABET: &[u8] = b" \t,=\"\\aZ9-._~+/!#\x00\x7f\r\n:";
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut buf = [0u8; 24];
    for _ in 0..20_000 {
        for b in &mut buf {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *b = ALPHABET[usize::try_from(state % 21).unwrap()];
        }
        let text = core::str::from_utf8(&buf).unwrap();
        for end in 0..=text.len() {
            let value = &text[..end];
            let mut count = 0;
            for item in challenges(value) {
                count += 1;
                assert!(count <= value.len() + 1);
                if let Ok(c) = item {
                    for p in c.params {
                        let mut out = [0u8; 24];
                        let _ = p.value.unescape_into(&mut out);
                    }
                }
            }
            if let Ok(cred) = credentials(value) {
                let _ = (cred.token68(), cred.params().map(|p| p.iter().count()));
            }
        }
    }
}

// ---- credentials ----

#[test]
fn parses_l402_credential() {
    // vector B (aperture `authenticator_test.go` inputs).
    let value = format_args_str(&[
        "L402 ",
        MACAROON_B,
        ":49349dfea4abed3cd14f6d356afa83de9787b609f088c8df09bacc7b4bd21b39",
    ]);
    let cred = credentials(&value).unwrap();
    assert!(cred.scheme_is("L402"));
    let (macaroon, preimage) = cred.rest.split_once(':').unwrap();
    assert_eq!(macaroon, MACAROON_B);
    assert_eq!(
        preimage,
        "49349dfea4abed3cd14f6d356afa83de9787b609f088c8df09bacc7b4bd21b39"
    );
    assert_eq!(cred.token68(), None);
    assert_eq!(cred.params(), None);
}

#[test]
fn parses_l402_credential_with_padded_macaroon() {
    // the Fewsats triple (fewsats-python README).
    let value = format_args_str(&["L402 ", MACAROON_FEWSATS, ":", PREIMAGE_FEWSATS]);
    let cred = credentials(&value).unwrap();
    assert_eq!(
        cred.rest.split_once(':'),
        Some((MACAROON_FEWSATS, PREIMAGE_FEWSATS))
    );
}

#[test]
fn parses_lsat_credential_with_several_macaroons() {
    // L402 protocol specification: `macaroons = base64 *("," base64)`.
    let cred = credentials("LSAT a,b:c").unwrap();
    assert!(cred.scheme_is("lsat"));
    assert_eq!(cred.rest, "a,b:c");
    let (macaroons, preimage) = cred.rest.split_once(':').unwrap();
    assert!(macaroons.split(',').eq(["a", "b"]));
    assert_eq!(preimage, "c");
}

#[test]
fn parses_bearer_and_basic_credentials() {
    let bearer = credentials("Bearer abc").unwrap();
    assert!(bearer.scheme_is("bearer"));
    assert_eq!(bearer.token68(), Some("abc"));

    // RFC 7617 §2: "Aladdin:open sesame".
    let basic = credentials("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==").unwrap();
    assert_eq!(basic.token68(), Some("QWxhZGRpbjpvcGVuIHNlc2FtZQ=="));
    let mut out = [0u8; 32];
    let decoded = crate::base64::decode_into(
        basic.token68().unwrap().as_bytes(),
        &crate::base64::Base64Policy::STANDARD_PADDED,
        &mut out,
    )
    .unwrap();
    assert_eq!(decoded, b"Aladdin:open sesame");

    let basic = credentials("Basic dXNlcjpwYXNz").unwrap();
    assert_eq!(
        (basic.scheme, basic.token68()),
        ("Basic", Some("dXNlcjpwYXNz"))
    );
}

#[test]
fn scheme_names_are_case_insensitive() {
    for value in [
        "l402 m:p",
        "lsat m:p",
        "bearer abc",
        "basic dXNlcjpwYXNz",
        "LsAt m:p",
    ] {
        let cred = credentials(value).unwrap();
        assert!(
            cred.scheme_is(
                value
                    .split(' ')
                    .next()
                    .unwrap()
                    .to_ascii_uppercase_str(&mut [0; 8])
            ),
            "{value}"
        );
    }
    assert!(credentials("l402 m:p").unwrap().scheme_is("L402"));
    assert!(!credentials("l402 m:p").unwrap().scheme_is("LSAT"));
}

#[test]
fn parses_auth_param_credentials() {
    // RFC 7616 §3.5-style Digest credentials.
    let cred =
        credentials(r#"Digest username="Mufasa", realm="http-auth@example.org", nc=00000001"#)
            .unwrap();
    let params = cred.params().unwrap();
    assert_eq!(names(params).as_slice(), ["username", "realm", "nc"]);
    assert_eq!(params.get("NC"), Some(ParamValue::Token("00000001")));
    assert_eq!(cred.token68(), None);
    assert_eq!(
        credentials(r#"Digest a="1", A="2""#).unwrap().params(),
        None
    );
}

#[test]
fn credential_whitespace_is_trimmed() {
    let cred = credentials(" \tBearer \t abc \t").unwrap();
    assert_eq!((cred.scheme, cred.rest), ("Bearer", "abc"));
    let bare = credentials("Bearer").unwrap();
    assert_eq!(bare.rest, "");
    assert_eq!(bare.token68(), None);
    assert!(bare.params().unwrap().is_empty());
}

#[test]
fn rejects_malformed_credentials() {
    assert_eq!(credentials(""), Err(AuthError::Empty));
    assert_eq!(credentials("  "), Err(AuthError::Empty));
    assert_eq!(
        credentials(":abc"),
        Err(AuthError::InvalidScheme { offset: 0 })
    );
    assert_eq!(
        credentials("Basic:abc"),
        Err(AuthError::InvalidCharacter { offset: 5 })
    );
    assert_eq!(
        credentials("token=abc"),
        Err(AuthError::InvalidScheme { offset: 0 })
    );
    // L402 protocol specification: control characters make an L402 credential invalid.
    assert_eq!(
        credentials("L402 m\r\n:p"),
        Err(AuthError::InvalidCharacter { offset: 6 })
    );
    assert_eq!(
        credentials("L402 m:p\u{0}"),
        Err(AuthError::InvalidCharacter { offset: 8 })
    );
}

// ---- param values ----

#[test]
fn unescape_into_removes_quoted_pairs() {
    let mut buf = [0u8; 32];
    assert_eq!(
        ParamValue::Quoted(r#"Login to \"apps\""#).unescape_into(&mut buf),
        Ok(r#"Login to "apps""#)
    );
    assert_eq!(
        ParamValue::Quoted(r"\a\\\b").unescape_into(&mut buf),
        Ok(r"a\b")
    );
    assert_eq!(
        ParamValue::Token(r"a\b").unescape_into(&mut buf),
        Ok(r"a\b"),
        "tokens have no escapes"
    );
    assert_eq!(
        ParamValue::Quoted("caf\\\u{e9}").unescape_into(&mut buf),
        Ok("caf\u{e9}")
    );
}

#[test]
fn unescape_into_a_short_buffer_zeroes_what_it_wrote() {
    let mut buf = [0xAAu8; 4];
    assert_eq!(
        ParamValue::Quoted(r"ab\cde").unescape_into(&mut buf),
        Err(BufferTooSmall)
    );
    assert_eq!(buf, [0; 4]);
}

#[test]
fn as_plain_only_without_escapes() {
    assert_eq!(ParamValue::Quoted("abc").as_plain(), Some("abc"));
    assert_eq!(ParamValue::Quoted(r"a\bc").as_plain(), None);
    assert_eq!(ParamValue::Token("abc").as_plain(), Some("abc"));
}

#[test]
fn eq_str_is_exact_and_case_sensitive() {
    assert!(ParamValue::Quoted(r"a\,b").eq_str("a,b"));
    assert!(!ParamValue::Quoted("USDC").eq_str("usdc"));
    assert!(!ParamValue::Quoted("USDC").eq_str("USD"));
    assert!(!ParamValue::Quoted("USD").eq_str("USDC"));
}

// ---- writing ----

fn written<'b>(
    buf: &'b mut [u8],
    scheme: &str,
    params: &[(&str, &str)],
) -> Result<&'b str, AuthError> {
    let mut w = Writer::new(buf);
    write_challenge(&mut w, scheme, params)?;
    Ok(core::str::from_utf8(w.into_written()).unwrap())
}

#[test]
fn writes_aperture_shaped_l402_challenge() {
    let mut buf = [0u8; 1024];
    let text = written(
        &mut buf,
        "L402",
        &[("macaroon", MACAROON_FEWSATS), ("invoice", INVOICE_FEWSATS)],
    )
    .unwrap();
    let expected = format_args_str(&[
        "L402 macaroon=\"",
        MACAROON_FEWSATS,
        "\", invoice=\"",
        INVOICE_FEWSATS,
        "\"",
    ]);
    assert_eq!(text, expected.as_str());
}

#[test]
fn writes_escapes_and_parses_back() {
    let mut buf = [0u8; 128];
    let text = written(
        &mut buf,
        "Newauth",
        &[("title", r#"Login to "apps""#), ("path", r"C:\x")],
    )
    .unwrap();
    assert_eq!(text, r#"Newauth title="Login to \"apps\"", path="C:\\x""#);
    let c = only(text);
    assert!(c.params.get("title").unwrap().eq_str(r#"Login to "apps""#));
    assert!(c.params.get("path").unwrap().eq_str(r"C:\x"));
}

#[test]
fn writes_a_bare_scheme() {
    let mut buf = [0u8; 8];
    assert_eq!(written(&mut buf, "Basic", &[]), Ok("Basic"));
}

#[test]
fn refuses_header_injection_and_invalid_names() {
    let mut buf = [0u8; 128];
    assert_eq!(
        written(&mut buf, "Bearer", &[("realm", "x\r\nSet-Cookie: a=b")]),
        Err(AuthError::InvalidCharacter { offset: 15 })
    );
    assert_eq!(
        written(&mut buf, "Bea rer", &[]),
        Err(AuthError::InvalidScheme { offset: 3 })
    );
    assert_eq!(
        written(&mut buf, "", &[]),
        Err(AuthError::InvalidScheme { offset: 0 })
    );
    assert_eq!(
        written(&mut buf, "Bearer", &[("re alm", "x")]),
        Err(AuthError::InvalidParam { offset: 9 })
    );
    assert_eq!(
        written(&mut buf, "Bearer", &[("realm", "x"), ("Realm", "y")]),
        Err(AuthError::DuplicateParam { offset: 18 })
    );
    assert_eq!(buf, [0; 128], "nothing written");
}

#[test]
fn write_that_does_not_fit_writes_nothing() {
    let mut buf = [0u8; 16];
    let mut w = Writer::new(&mut buf);
    w.push(b"x").unwrap();
    assert_eq!(
        write_challenge(&mut w, "Bearer", &[("realm", "PayPer402")]),
        Err(AuthError::BufferTooSmall)
    );
    assert_eq!(w.written(), b"x");
}

// ---- helpers ----

/// Concatenates `parts` into a fixed-capacity string (the core has no `alloc`).
fn format_args_str(parts: &[&str]) -> heapless::String<1024> {
    let mut s = heapless::String::new();
    for part in parts {
        s.push_str(part).unwrap();
    }
    s
}

trait AsciiUpper {
    fn to_ascii_uppercase_str<'b>(&self, buf: &'b mut [u8; 8]) -> &'b str;
}

impl AsciiUpper for str {
    fn to_ascii_uppercase_str<'b>(&self, buf: &'b mut [u8; 8]) -> &'b str {
        let n = self.len().min(8);
        buf[..n].copy_from_slice(&self.as_bytes()[..n]);
        buf[..n].make_ascii_uppercase();
        core::str::from_utf8(&buf[..n]).unwrap()
    }
}
