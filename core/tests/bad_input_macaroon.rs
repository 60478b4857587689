//! Bad-input catalogue for the macaroon decoders: every entry must fail with the exact error
//! code (and malformed kind), never panic. Structures follow libmacaroons
//! `doc/format.txt` and go-macaroon; base64 forms as the macaroon libraries accept them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use pay402::ErrorCode;
use pay402::base64::Base64Error;
use pay402::json::JsonErrorKind;
use pay402::macaroon::verify::{Verdict, VerifyPolicy, verify};
use pay402::macaroon::{MAX_DISCHARGES, Macaroon, MacaroonError, Malformed};

/// libmacaroons `serialization_1` (libmacaroons `test/unit`): V2, location, id `keyid`, no caveats.
const SER1: &str =
    "AgETaHR0cDovL2V4YW1wbGUub3JnLwIFa2V5aWQAAAYgfN7nklEcW8b1KEhYBd_psk54XijiqZMB-dcRxgnjjvc";
/// The V1 README token (libmacaroons README).
const README_V1: &str = "MDAxY2xvY2F0aW9uIGh0dHA6Ly9teWJhbmsvCjAwMjZpZGVudGlmaWVyIHdlIHVzZWQgb3VyIHNlY3JldCBrZXkKMDAyZnNpZ25hdHVyZSDj2eApCFJsTAA5rhURQRXZf91ovyujebNCqvD2F9BVLwo";

fn v2(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}
const SIG: [u8; 34] = {
    let mut s = [0x11u8; 34];
    s[0] = 6;
    s[1] = 32;
    s
};

fn binary(bytes: &[u8]) -> Result<Macaroon<'_>, MacaroonError> {
    Macaroon::parse_binary(bytes)
}

fn token(t: &[u8]) -> Result<(), MacaroonError> {
    let mut scratch = vec![0u8; t.len() + 8];
    Macaroon::decode(t, &mut scratch).map(|_| ())
}

#[allow(clippy::needless_pass_by_value, reason = "called with temporaries")]
fn malformed(result: Result<impl Sized, MacaroonError>, kind: Malformed) {
    match result {
        Err(e @ MacaroonError::Malformed(k)) => {
            assert_eq!(e.code(), "malformed");
            assert_eq!(k, kind, "wrong malformed kind");
        }
        Err(other) => panic!("expected malformed {kind:?}, got {other:?}"),
        Ok(_) => panic!("expected malformed {kind:?}, got Ok"),
    }
}

#[test]
fn v2_structure_catalogue() {
    let ok = v2(&[&[2, 2, 1, b'x', 0, 0], &SIG]);
    assert!(binary(&ok).is_ok());
    malformed(binary(&[]), Malformed::Empty);
    malformed(binary(&[3, 0]), Malformed::UnknownFormat);
    // Truncated at every position.
    for n in 1..ok.len() {
        assert!(binary(&ok[..n]).is_err(), "prefix {n} accepted");
    }
    malformed(binary(&ok[..ok.len() - 1]), Malformed::Truncated);
    // Varint over 0x7fffffff as a length, and an 11-byte varint.
    malformed(
        binary(&[2, 2, 0x80, 0x80, 0x80, 0x80, 0x08]),
        Malformed::VarintTooLarge,
    );
    malformed(
        binary(&[
            2, 2, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00,
        ]),
        Malformed::VarintTooLarge,
    );
    // Fields out of order (id before location), duplicated.
    malformed(
        binary(&v2(&[&[2, 2, 1, b'x', 1, 1, b'l', 0, 0], &SIG])),
        Malformed::FieldsOutOfOrder,
    );
    malformed(
        binary(&v2(&[&[2, 2, 1, b'x', 2, 1, b'y', 0, 0], &SIG])),
        Malformed::FieldsOutOfOrder,
    );
    // Unknown field type 3, signature type inside a section.
    malformed(
        binary(&v2(&[&[2, 2, 1, b'x', 3, 0, 0, 0], &SIG])),
        Malformed::UnexpectedField,
    );
    // Header without identifier; header with a vid.
    malformed(
        binary(&v2(&[&[2, 1, 1, b'l', 0, 0], &SIG])),
        Malformed::InvalidHeader,
    );
    malformed(
        binary(&v2(&[&[2, 2, 1, b'x', 4, 1, b'v', 0, 0], &SIG])),
        Malformed::InvalidHeader,
    );
    // Caveat without identifier; location in a first-party caveat.
    malformed(
        binary(&v2(&[&[2, 2, 1, b'x', 0, 4, 1, b'v', 0, 0], &SIG])),
        Malformed::MissingCaveatId,
    );
    malformed(
        binary(&v2(&[
            &[2, 2, 1, b'x', 0, 1, 1, b'l', 2, 1, b'c', 0, 0],
            &SIG,
        ])),
        Malformed::LocationInFirstPartyCaveat,
    );
    // Signature of 31 and 33 bytes, wrong type, trailing bytes.
    let mut s31 = v2(&[&[2, 2, 1, b'x', 0, 0, 6, 31], &[0u8; 31]]);
    malformed(binary(&s31), Malformed::SignatureLength);
    s31.truncate(7);
    malformed(
        binary(&v2(&[&[2, 2, 1, b'x', 0, 0, 6, 33], &[0u8; 33]])),
        Malformed::SignatureLength,
    );
    malformed(
        binary(&v2(&[&[2, 2, 1, b'x', 0, 0, 2, 32], &[0u8; 32]])),
        Malformed::MissingSignature,
    );
    malformed(binary(&v2(&[&ok, &[0]])), Malformed::TrailingBytes);
    let (_, rest) = Macaroon::parse_binary_prefix(&v2(&[&ok, &ok]))
        .map(|(m, r)| (m.id().to_vec(), r.len()))
        .unwrap();
    assert_eq!(rest, ok.len());
}

#[test]
fn v1_packet_catalogue() {
    let mut out = vec![0u8; 256];
    let good = pay402::base64::decode_into(
        README_V1.as_bytes(),
        &pay402::base64::Base64Policy::ANY,
        &mut out,
    )
    .unwrap()
    .to_vec();
    assert!(binary(&good).is_ok());
    // Uppercase hex length, a too-short length, a missing newline, a missing space.
    let mut upper = good.clone();
    upper[2] = b'1';
    upper[3] = b'C';
    malformed(binary(&upper), Malformed::V1PacketLength);
    malformed(binary(b"0005x\n"), Malformed::V1PacketLength);
    let mut no_newline = good.clone();
    no_newline[0x1b] = b'.';
    malformed(binary(&no_newline), Malformed::V1PacketSyntax);
    malformed(binary(b"0008abcd\n"), Malformed::V1PacketSyntax);
    // Order: identifier first.
    malformed(binary(b"000cidentifier"), Malformed::V1PacketSyntax);
    malformed(binary(b"000acid x\n"), Malformed::InvalidHeader);
    // vid before any cid, a repeated vid, an unknown field, a 31-byte signature.
    let head = &good[..0x1c + 0x26];
    malformed(
        binary(&[head, b"000avid v\n", &good[0x1c + 0x26..]].concat()),
        Malformed::MissingCaveatId,
    );
    malformed(
        binary(
            &[
                head,
                b"000acid c\n000avid v\n000avid v\n",
                &good[0x1c + 0x26..],
            ]
            .concat(),
        ),
        Malformed::RepeatedField,
    );
    malformed(
        binary(&[head, b"000bxxxx y\n", &good[0x1c + 0x26..]].concat()),
        Malformed::UnexpectedField,
    );
    let mut short = head.to_vec();
    short.extend_from_slice(b"002esignature ");
    short.extend_from_slice(&[0u8; 31]);
    short.push(b'\n');
    malformed(binary(&short), Malformed::SignatureLength);
    // Truncated anywhere.
    for n in 0..good.len() {
        assert!(binary(&good[..n]).is_err());
    }
}

#[test]
fn base64_token_catalogue() {
    assert!(token(SER1.as_bytes()).is_ok());
    let mixed = SER1.replacen('-', "+", 1);
    malformed(
        token(mixed.as_bytes()),
        Malformed::Base64(Base64Error::MixedAlphabets),
    );
    malformed(
        token(format!("{SER1}===").as_bytes()),
        Malformed::Base64(Base64Error::InvalidPadding),
    );
    malformed(
        token(format!(" {SER1}").as_bytes()),
        Malformed::Base64(Base64Error::InvalidCharacter { index: 0 }),
    );
    // The L402 spec's placeholder macaroon is over-padded; without the padding it decodes to
    // 21 bytes starting 0x00, which is no macaroon format.
    malformed(
        token(b"AGIAJEemVQUTEyNCR0exk7ek90Cg=="),
        Malformed::Base64(Base64Error::InvalidPadding),
    );
    malformed(
        token(b"AGIAJEemVQUTEyNCR0exk7ek90Cg"),
        Malformed::UnknownFormat,
    );
    malformed(token(b""), Malformed::Empty);
    // A scratch buffer too small is its own error, not "malformed".
    let mut tiny = [0u8; 4];
    assert_eq!(
        Macaroon::decode(SER1.as_bytes(), &mut tiny),
        Err(MacaroonError::BufferTooSmall)
    );
}

#[test]
fn json_catalogue() {
    let s64 = "9UgH9txu34i_D3MGs4IlYqNiUz2_czm6YXZdpL0lnYc";
    assert!(token(format!(r#"{{"i":"keyid","s64":"{s64}"}}"#).as_bytes()).is_ok());
    malformed(
        token(br#"{"i":"keyid""#),
        Malformed::Json(JsonErrorKind::UnexpectedEnd),
    );
    malformed(
        token(format!(r#"{{"i":"a","i":"b","s64":"{s64}"}}"#).as_bytes()),
        Malformed::Json(JsonErrorKind::DuplicateKey),
    );
    malformed(
        token(format!(r#"{{"i":"a","i64":"Yg","s64":"{s64}"}}"#).as_bytes()),
        Malformed::JsonAmbiguousField,
    );
    malformed(
        token(format!(r#"{{"i":"a","s":"x","s64":"{s64}"}}"#).as_bytes()),
        Malformed::JsonAmbiguousField,
    );
    malformed(token(br#"{"i":"keyid"}"#), Malformed::JsonMissingField);
    malformed(
        token(br#"{"i":"keyid","s64":"9UgH9txu34i_D3MGs4IlYqNiUz2_czm6YXZdpL0lnQ"}"#),
        Malformed::SignatureLength,
    );
    malformed(
        token(format!(r#"{{"i":7,"s64":"{s64}"}}"#).as_bytes()),
        Malformed::JsonFieldType,
    );
    malformed(
        token(format!(r#"{{"i":"a","c":{{}},"s64":"{s64}"}}"#).as_bytes()),
        Malformed::JsonFieldType,
    );
    malformed(
        token(format!(r#"{{"i":"a","c":[1],"s64":"{s64}"}}"#).as_bytes()),
        Malformed::JsonFieldType,
    );
    malformed(
        token(format!(r#"{{"i":"a","s64":"{s64}","identifier":"b"}}"#).as_bytes()),
        Malformed::JsonUnknownFormat,
    );
    malformed(token(br#"{"v":2}"#), Malformed::JsonUnknownFormat);
    malformed(
        token(format!(r#"{{"i":"a","s64":"{}!"}}"#, &s64[..42]).as_bytes()),
        Malformed::JsonBinaryField,
    );
    malformed(
        token(br#"{"identifier":"a","signature":"zz"}"#),
        Malformed::SignatureLength,
    );
    malformed(token(br#"{"identifier":"a","signature":"f54807f6dc6edf88bf0f7306b3822562a362533dbf7339ba61765da4bd259dzz"}"#), Malformed::JsonBinaryField);
    malformed(
        token(format!(r#"{{"i":"a","c":[{{"i":"c","l":"x"}}],"s64":"{s64}"}}"#).as_bytes()),
        Malformed::LocationInFirstPartyCaveat,
    );
    malformed(
        token(br#""@@@""#),
        Malformed::Base64(Base64Error::InvalidCharacter { index: 0 }),
    );
    malformed(
        token(b"[1]"),
        Malformed::Base64(Base64Error::InvalidCharacter { index: 0 }),
    );
}

#[test]
fn verification_capacity_catalogue() {
    let mut out = vec![0u8; 128];
    let bytes = pay402::base64::decode_into(
        SER1.as_bytes(),
        &pay402::base64::Base64Policy::ANY,
        &mut out,
    )
    .unwrap()
    .to_vec();
    let mac = Macaroon::parse_binary(&bytes).unwrap();
    let many = vec![mac; MAX_DISCHARGES + 1];
    let mut any = |_: &[u8]| Verdict::Accept;
    let err = verify(
        &mac,
        b"this is the key",
        &many,
        &mut any,
        &VerifyPolicy::STRICT,
    )
    .unwrap_err();
    assert_eq!(err.code(), "too_many_discharges");
    // A third-party caveat whose vid is not 72 bytes.
    let bad_vid = v2(&[&[2, 2, 1, b'x', 0, 2, 1, b'c', 4, 3, 1, 2, 3, 0, 0], &SIG]);
    let mac = Macaroon::parse_binary(&bad_vid).unwrap();
    malformed(
        verify(&mac, b"k", &[], &mut any, &VerifyPolicy::STRICT),
        Malformed::VidLength,
    );
}
