//! The bad-input catalogue of the shared JSON object reader (`json::Object`, `json::Field`):
//! every typed reader is fed a member that is absent, `null`, of the wrong type or of an
//! unusable value, and must answer with the exact `FieldIssue` listed here (key, kind, code and
//! detail code) — never a panic, never a different answer. Then the mapping of each issue into
//! the protocol errors: x402's `DecodeError` keeps the precise reason, the offers, WS402 and
//! sandbox errors keep the issue's own code.
//!
//! Expected values come from RFC 8259 (what is a string, a number, an integer) and the
//! documented rules of the parsers underneath (uint256 decimal and `0x` hex, EVM addresses,
//! 32-byte hex), not from running the reader.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::too_many_lines, // catalogues: one row per broken input, read top to bottom
)]

use pay402::ErrorCode;
use pay402::dialects::DialectError;
use pay402::evm::AddressError;
use pay402::hex::HexError;
use pay402::json::{Field, FieldIssue, FieldIssueKind, MAX_PARSED_TEXT, Object, RawValue};
use pay402::offers::OffersError;
use pay402::u256::U256Error;
use pay402::ws402::Ws402Error;
use pay402::x402::{DecodeError, DecodeReason, PaymentRequirements};
use pay402::{U256, evm::Address};

/// The typed readers of `Field`, by name.
#[derive(Clone, Copy, Debug)]
enum Reader {
    Required,
    Str,
    OptStr,
    NonemptyStr,
    OptNonemptyStr,
    Bool,
    U64,
    PositiveU64,
    U64OrString,
    Amount,
    OptAmount,
    Uint256,
    Address,
    Bytes32,
    Array,
    OptArray,
    Object,
    RawObject,
    OptRawObject,
}

/// Runs `reader` on `field`, keeping only whether it succeeded.
fn run(reader: Reader, field: Field<'_>) -> Result<(), FieldIssue> {
    match reader {
        Reader::Required => field.required().map(drop),
        Reader::Str => field.str().map(drop),
        Reader::OptStr => field.opt_str().map(drop),
        Reader::NonemptyStr => field.nonempty_str().map(drop),
        Reader::OptNonemptyStr => field.opt_nonempty_str().map(drop),
        Reader::Bool => field.bool().map(drop),
        Reader::U64 => field.u64().map(drop),
        Reader::PositiveU64 => field.positive_u64().map(drop),
        Reader::U64OrString => field.u64_or_string().map(drop),
        Reader::Amount => field.amount().map(drop),
        Reader::OptAmount => field.opt_amount().map(drop),
        Reader::Uint256 => field.uint256().map(drop),
        Reader::Address => field.address().map(drop),
        Reader::Bytes32 => field.bytes32().map(drop),
        Reader::Array => field.array().map(drop),
        Reader::OptArray => field.opt_array().map(drop),
        Reader::Object => field.object().map(drop),
        Reader::RawObject => field.raw_object().map(drop),
        Reader::OptRawObject => field.opt_raw_object().map(drop),
    }
}

/// Reads member `k` of `doc` with `reader`, through the indexed `Object` and through
/// `RawValue::field`; both must give the same answer.
fn read(doc: &str, reader: Reader) -> Result<(), FieldIssue> {
    let value = RawValue::parse(doc.as_bytes()).unwrap();
    let indexed = run(reader, Object::new(value).unwrap().field("k"));
    let walked = run(reader, value.field("k"));
    assert_eq!(indexed, walked, "{doc} with {reader:?}");
    indexed
}

const HEX40: &str = "209693bc6afc0c5328ba36faf03c514ef312287c";
const HEX64: &str = "f3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480";
/// 2^256, one more than the largest uint256.
const TWO_POW_256: &str =
    "115792089237316195423570985008687907853269984665640564039457584007913129639936";

/// (what is broken, document with member `k`, reader, kind, code, detail code).
type Row = (
    &'static str,
    String,
    Reader,
    FieldIssueKind,
    &'static str,
    Option<&'static str>,
);

#[test]
fn every_reader_refuses_with_the_exact_issue() {
    use FieldIssueKind as K;
    use Reader as R;
    let long_zeros = format!(r#"{{"k":"{}1"}}"#, "0".repeat(MAX_PARSED_TEXT));
    let rows: Vec<Row> = vec![
        // absent and null
        (
            "absent, required",
            r"{}".into(),
            R::Required,
            K::Missing,
            "missing_field",
            None,
        ),
        (
            "null is absent",
            r#"{"k":null}"#.into(),
            R::Required,
            K::Missing,
            "missing_field",
            None,
        ),
        (
            "absent string",
            r"{}".into(),
            R::Str,
            K::Missing,
            "missing_field",
            None,
        ),
        (
            "null string",
            r#"{"k":null}"#.into(),
            R::Str,
            K::Missing,
            "missing_field",
            None,
        ),
        (
            "absent amount",
            r"{}".into(),
            R::Amount,
            K::Missing,
            "missing_field",
            None,
        ),
        (
            "absent address",
            r"{}".into(),
            R::Address,
            K::Missing,
            "missing_field",
            None,
        ),
        (
            "absent object",
            r"{}".into(),
            R::Object,
            K::Missing,
            "missing_field",
            None,
        ),
        (
            "empty string (Go zero)",
            r#"{"k":""}"#.into(),
            R::NonemptyStr,
            K::Missing,
            "missing_field",
            None,
        ),
        // wrong JSON type
        (
            "number for a string",
            r#"{"k":1}"#.into(),
            R::Str,
            K::WrongType,
            "wrong_type",
            None,
        ),
        (
            "object for an optional string",
            r#"{"k":{}}"#.into(),
            R::OptStr,
            K::WrongType,
            "wrong_type",
            None,
        ),
        (
            "array for an optional non-empty string",
            r#"{"k":[]}"#.into(),
            R::OptNonemptyStr,
            K::WrongType,
            "wrong_type",
            None,
        ),
        (
            "string for a boolean",
            r#"{"k":"true"}"#.into(),
            R::Bool,
            K::WrongType,
            "wrong_type",
            None,
        ),
        (
            "number for a boolean",
            r#"{"k":1}"#.into(),
            R::Bool,
            K::WrongType,
            "wrong_type",
            None,
        ),
        (
            "string for a JSON integer",
            r#"{"k":"60"}"#.into(),
            R::U64,
            K::WrongType,
            "wrong_type",
            None,
        ),
        (
            "boolean for an amount",
            r#"{"k":true}"#.into(),
            R::Amount,
            K::WrongType,
            "wrong_type",
            None,
        ),
        (
            "object for an amount",
            r#"{"k":{}}"#.into(),
            R::Amount,
            K::WrongType,
            "wrong_type",
            None,
        ),
        (
            "array for an optional amount",
            r#"{"k":[1]}"#.into(),
            R::OptAmount,
            K::WrongType,
            "wrong_type",
            None,
        ),
        (
            "array for a counter",
            r#"{"k":[1]}"#.into(),
            R::U64OrString,
            K::WrongType,
            "wrong_type",
            None,
        ),
        (
            "boolean for a uint256",
            r#"{"k":false}"#.into(),
            R::Uint256,
            K::WrongType,
            "wrong_type",
            None,
        ),
        (
            "number for an address",
            r#"{"k":1}"#.into(),
            R::Address,
            K::WrongType,
            "wrong_type",
            None,
        ),
        (
            "array for 32 bytes",
            r#"{"k":[]}"#.into(),
            R::Bytes32,
            K::WrongType,
            "wrong_type",
            None,
        ),
        (
            "object for an array",
            r#"{"k":{}}"#.into(),
            R::Array,
            K::WrongType,
            "wrong_type",
            None,
        ),
        (
            "string for an optional array",
            r#"{"k":"a"}"#.into(),
            R::OptArray,
            K::WrongType,
            "wrong_type",
            None,
        ),
        (
            "array for an object",
            r#"{"k":[]}"#.into(),
            R::Object,
            K::WrongType,
            "wrong_type",
            None,
        ),
        (
            "string for a raw object",
            r#"{"k":"{}"}"#.into(),
            R::RawObject,
            K::WrongType,
            "wrong_type",
            None,
        ),
        (
            "number for an optional raw object",
            r#"{"k":0}"#.into(),
            R::OptRawObject,
            K::WrongType,
            "wrong_type",
            None,
        ),
        // JSON integers (RFC 8259 §6: a fraction or exponent makes a number non-integer)
        (
            "fraction",
            r#"{"k":1.0}"#.into(),
            R::U64,
            K::InvalidValue,
            "invalid_value",
            None,
        ),
        (
            "exponent",
            r#"{"k":1e3}"#.into(),
            R::U64,
            K::InvalidValue,
            "invalid_value",
            None,
        ),
        (
            "negative",
            r#"{"k":-1}"#.into(),
            R::U64,
            K::InvalidValue,
            "invalid_value",
            None,
        ),
        (
            "negative zero",
            r#"{"k":-0}"#.into(),
            R::U64,
            K::InvalidValue,
            "invalid_value",
            None,
        ),
        (
            "2^64",
            r#"{"k":18446744073709551616}"#.into(),
            R::U64,
            K::InvalidValue,
            "invalid_value",
            None,
        ),
        (
            "zero where positive",
            r#"{"k":0}"#.into(),
            R::PositiveU64,
            K::InvalidValue,
            "invalid_value",
            None,
        ),
        (
            "counter above u64",
            r#"{"k":"18446744073709551616"}"#.into(),
            R::U64OrString,
            K::InvalidValue,
            "invalid_value",
            None,
        ),
        (
            "negative counter string",
            r#"{"k":"-1"}"#.into(),
            R::U64OrString,
            K::Amount(U256Error::InvalidDigit { index: 0 }),
            "invalid_value",
            Some("u256_invalid_digit"),
        ),
        // amounts: decimal digits only
        (
            "fractional amount",
            r#"{"k":1.5}"#.into(),
            R::Amount,
            K::Amount(U256Error::InvalidDigit { index: 1 }),
            "invalid_value",
            Some("u256_invalid_digit"),
        ),
        (
            "negative amount",
            r#"{"k":-5}"#.into(),
            R::Amount,
            K::Amount(U256Error::InvalidDigit { index: 0 }),
            "invalid_value",
            Some("u256_invalid_digit"),
        ),
        (
            "exponent in a string",
            r#"{"k":"1e3"}"#.into(),
            R::Amount,
            K::Amount(U256Error::InvalidDigit { index: 1 }),
            "invalid_value",
            Some("u256_invalid_digit"),
        ),
        (
            "hex amount",
            r#"{"k":"0x10"}"#.into(),
            R::Amount,
            K::Amount(U256Error::InvalidDigit { index: 1 }),
            "invalid_value",
            Some("u256_invalid_digit"),
        ),
        (
            "plus sign",
            r#"{"k":"+1"}"#.into(),
            R::Amount,
            K::Amount(U256Error::InvalidDigit { index: 0 }),
            "invalid_value",
            Some("u256_invalid_digit"),
        ),
        (
            "inner space",
            r#"{"k":"1 0"}"#.into(),
            R::Amount,
            K::Amount(U256Error::InvalidDigit { index: 1 }),
            "invalid_value",
            Some("u256_invalid_digit"),
        ),
        (
            "empty amount",
            r#"{"k":""}"#.into(),
            R::Amount,
            K::Amount(U256Error::Empty),
            "invalid_value",
            Some("u256_empty"),
        ),
        (
            "2^256 as a string",
            format!(r#"{{"k":"{TWO_POW_256}"}}"#),
            R::Amount,
            K::Amount(U256Error::Overflow),
            "invalid_value",
            Some("u256_overflow"),
        ),
        (
            "2^256 as a number",
            format!(r#"{{"k":{TWO_POW_256}}}"#),
            R::OptAmount,
            K::Amount(U256Error::Overflow),
            "invalid_value",
            Some("u256_overflow"),
        ),
        (
            "longer than the parse cap",
            long_zeros.clone(),
            R::Amount,
            K::TooLong {
                limit: MAX_PARSED_TEXT,
            },
            "invalid_value",
            Some("value_too_long"),
        ),
        // uint256: decimal, or 0x + 1 to 64 hex digits
        (
            "0x alone",
            r#"{"k":"0x"}"#.into(),
            R::Uint256,
            K::Amount(U256Error::Empty),
            "invalid_value",
            Some("u256_empty"),
        ),
        (
            "65 hex digits",
            format!(r#"{{"k":"0x1{HEX64}"}}"#),
            R::Uint256,
            K::Amount(U256Error::Overflow),
            "invalid_value",
            Some("u256_overflow"),
        ),
        (
            "bad hex digit",
            r#"{"k":"0x1g"}"#.into(),
            R::Uint256,
            K::Amount(U256Error::InvalidDigit { index: 3 }),
            "invalid_value",
            Some("u256_invalid_digit"),
        ),
        (
            "upper-case 0X",
            r#"{"k":"0X10"}"#.into(),
            R::Uint256,
            K::Amount(U256Error::InvalidDigit { index: 1 }),
            "invalid_value",
            Some("u256_invalid_digit"),
        ),
        (
            "uint256 past the cap",
            long_zeros,
            R::Uint256,
            K::TooLong {
                limit: MAX_PARSED_TEXT,
            },
            "invalid_value",
            Some("value_too_long"),
        ),
        // EVM addresses: 0x + 40 hex digits
        (
            "address without 0x",
            format!(r#"{{"k":"{HEX40}"}}"#),
            R::Address,
            K::Address(AddressError::MissingPrefix),
            "invalid_value",
            Some("address_missing_prefix"),
        ),
        (
            "address of 39 digits",
            format!(r#"{{"k":"0x{}"}}"#, &HEX40[1..]),
            R::Address,
            K::Address(AddressError::WrongLength),
            "invalid_value",
            Some("address_wrong_length"),
        ),
        (
            "address with a non-hex digit",
            format!(r#"{{"k":"0xg{}"}}"#, &HEX40[1..]),
            R::Address,
            K::Address(AddressError::InvalidCharacter { index: 2 }),
            "invalid_value",
            Some("address_invalid_character"),
        ),
        (
            "address past the cap",
            format!(r#"{{"k":"0x{}"}}"#, "0".repeat(MAX_PARSED_TEXT)),
            R::Address,
            K::TooLong {
                limit: MAX_PARSED_TEXT,
            },
            "invalid_value",
            Some("value_too_long"),
        ),
        // 32-byte hex: 0x + 64 hex digits
        (
            "32 bytes without 0x",
            format!(r#"{{"k":"{HEX64}"}}"#),
            R::Bytes32,
            K::Hex(HexError::MissingPrefix),
            "invalid_value",
            Some("hex_missing_prefix"),
        ),
        (
            "63 hex digits",
            format!(r#"{{"k":"0x{}"}}"#, &HEX64[1..]),
            R::Bytes32,
            K::Hex(HexError::WrongLength {
                expected: 64,
                found: 63,
            }),
            "invalid_value",
            Some("hex_wrong_length"),
        ),
        (
            "non-hex digit",
            format!(r#"{{"k":"0x{}z"}}"#, &HEX64[1..]),
            R::Bytes32,
            K::Hex(HexError::InvalidCharacter { index: 63 }),
            "invalid_value",
            Some("hex_invalid_character"),
        ),
    ];
    let mut failures = Vec::new();
    for (what, doc, reader, kind, code, detail) in &rows {
        match read(doc, *reader) {
            Ok(()) => failures.push(format!("{what}: {reader:?} accepted {doc}")),
            Err(issue) => {
                let got = (issue.key(), issue.kind(), issue.code(), issue.detail_code());
                if got != ("k", *kind, *code, *detail) {
                    failures.push(format!(
                        "{what}: expected {kind:?} {code} {detail:?}, got {got:?}"
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_reader_accepts_what_its_peers_write() {
    use Reader as R;
    let rows: &[(&str, &str, Reader)] = &[
        ("absent optional string", r"{}", R::OptStr),
        ("null optional string", r#"{"k":null}"#, R::OptStr),
        ("null optional amount", r#"{"k":null}"#, R::OptAmount),
        ("null optional raw object", r#"{"k":null}"#, R::OptRawObject),
        ("null optional array", r#"{"k":null}"#, R::OptArray),
        (
            "empty optional non-empty string",
            r#"{"k":""}"#,
            R::OptNonemptyStr,
        ),
        ("empty string", r#"{"k":""}"#, R::Str),
        ("any value", r#"{"k":[1,{"a":null}]}"#, R::Required),
        ("false", r#"{"k":false}"#, R::Bool),
        ("u64::MAX", r#"{"k":18446744073709551615}"#, R::U64),
        ("zero", r#"{"k":0}"#, R::U64),
        ("counter as a string", r#"{"k":"42"}"#, R::U64OrString),
        ("counter as a number", r#"{"k":42}"#, R::U64OrString),
        ("amount with leading zeros", r#"{"k":"007"}"#, R::Amount),
        ("amount as a JSON integer", r#"{"k":10000}"#, R::Amount),
        (
            "amount written with escapes",
            r#"{"k":"\u0031\u0030"}"#,
            R::Amount,
        ),
        ("uint256 in hex", r#"{"k":"0xFF"}"#, R::Uint256),
        ("uint256 in decimal", r#"{"k":"255"}"#, R::Uint256),
        (
            "upper-case address",
            r#"{"k":"0x209693BC6AFC0C5328BA36FAF03C514EF312287C"}"#,
            R::Address,
        ),
        ("empty array", r#"{"k":[]}"#, R::Array),
        ("empty object", r#"{"k":{}}"#, R::Object),
    ];
    for (what, doc, reader) in rows {
        assert_eq!(read(doc, *reader), Ok(()), "{what}");
    }
}

#[test]
fn readers_return_the_values_written() {
    let doc = format!(
        r#"{{"s":"a\"b","n":60,"a":"007","h":"0x2710","addr":"0x{HEX40}","b":"0x{HEX64}","o":{{"x":1}}}}"#
    );
    let obj = Object::new(RawValue::parse(doc.as_bytes()).unwrap()).unwrap();
    assert_eq!(obj.field("s").str().unwrap(), "a\"b");
    assert_eq!(obj.field("n").u64().unwrap(), 60);
    assert_eq!(obj.field("a").amount().unwrap(), U256::from_u64(7));
    assert_eq!(obj.field("h").uint256().unwrap(), U256::from_u64(10_000));
    assert_eq!(
        obj.field("addr").address().unwrap(),
        Address::parse(format!("0x{HEX40}").as_bytes()).unwrap()
    );
    assert_eq!(obj.field("b").bytes32().unwrap()[0], 0xf3);
    assert_eq!(obj.field("o").object().unwrap().field("x").u64(), Ok(1));
    assert_eq!(obj.field("o").raw_object().unwrap().as_text(), r#"{"x":1}"#);
}

#[test]
fn an_object_with_more_members_than_the_index_is_read_in_full() {
    let members: Vec<String> = (0..40).map(|i| format!(r#""m{i}":{i}"#)).collect();
    let doc = format!("{{{}}}", members.join(","));
    let obj = Object::new(RawValue::parse(doc.as_bytes()).unwrap()).unwrap();
    assert_eq!(obj.field("m0").u64(), Ok(0));
    assert_eq!(obj.field("m39").u64(), Ok(39));
    assert_eq!(obj.field("m40").u64(), Err(FieldIssue::missing("m40")));
}

#[test]
fn aliases_name_the_key_that_matched() {
    let obj = Object::new(RawValue::parse(br#"{"offer_id":5,"credits":"x"}"#).unwrap()).unwrap();
    assert_eq!(
        obj.field_any(&["id", "offer_id"]).str(),
        Err(FieldIssue::wrong_type("offer_id"))
    );
    assert_eq!(
        obj.field_any(&["balance", "credits"]).u64_or_string(),
        Err(FieldIssue::new(
            "credits",
            FieldIssueKind::Amount(U256Error::InvalidDigit { index: 0 })
        ))
    );
    // None present: the issue names the preferred key.
    assert_eq!(
        obj.field_any(&["title", "name"]).str(),
        Err(FieldIssue::missing("title"))
    );
    // The preferred key wins even when both are present.
    let both = Object::new(RawValue::parse(br#"{"id":"a","offer_id":"b"}"#).unwrap()).unwrap();
    assert_eq!(both.field_any(&["id", "offer_id"]).str().unwrap(), "a");
}

#[test]
fn a_value_that_is_not_an_object_is_wrong_type_at_its_key() {
    for doc in [&b"[]"[..], b"1", b"\"{}\"", b"null", b"true"] {
        let value = RawValue::parse(doc).unwrap();
        assert!(Object::new(value).is_none());
        assert_eq!(
            Object::from_value(value, "body").err(),
            Some(FieldIssue::wrong_type("body"))
        );
        // A member lookup in a non-object finds nothing.
        assert!(!value.field("k").is_present());
    }
}

/// Each issue kind and the `DecodeReason` (and code) x402 reports for it.
#[test]
fn x402_decode_error_keeps_every_reason_and_code() {
    use FieldIssueKind as K;
    let rows: &[(FieldIssueKind, DecodeReason, &str)] = &[
        (K::Missing, DecodeReason::MissingField, "missing_field"),
        (K::WrongType, DecodeReason::WrongType, "wrong_type"),
        (K::InvalidValue, DecodeReason::InvalidValue, "invalid_value"),
        (
            K::TooLong {
                limit: MAX_PARSED_TEXT,
            },
            DecodeReason::InvalidValue,
            "invalid_value",
        ),
        (
            K::Amount(U256Error::Overflow),
            DecodeReason::Amount(U256Error::Overflow),
            "u256_overflow",
        ),
        (
            K::Amount(U256Error::Empty),
            DecodeReason::Amount(U256Error::Empty),
            "u256_empty",
        ),
        (
            K::Address(AddressError::WrongLength),
            DecodeReason::Address(AddressError::WrongLength),
            "address_wrong_length",
        ),
        (
            K::Hex(HexError::MissingPrefix),
            DecodeReason::Hex(HexError::MissingPrefix),
            "hex_missing_prefix",
        ),
    ];
    for (kind, reason, code) in rows {
        let e = DecodeError::from(FieldIssue::new("amount", *kind));
        assert_eq!((e.object(), e.field(), e.reason()), ("", "amount", *reason));
        assert_eq!(e.code(), *code, "{kind:?}");
    }
}

/// Through a real decoder: the field, its object and the code, as the vectors pin them.
#[test]
fn x402_requirements_report_field_and_code() {
    const V2: &str = r#"{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60}"#;
    let rows: &[(&str, &str, &str, &str, &str)] = &[
        ("not JSON", "{", "", "body", "json_unexpected_end"),
        (
            "not an object",
            "[]",
            "",
            "paymentRequirements",
            "wrong_type",
        ),
        (
            "missing payTo",
            r#""payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","#,
            "",
            "payTo",
            "missing_field",
        ),
        (
            "number scheme",
            r#""scheme":"exact""#,
            "",
            "scheme",
            "wrong_type",
        ),
        (
            "amount overflows",
            r#""amount":"10000""#,
            "",
            "amount",
            "u256_overflow",
        ),
        (
            "amount past the cap",
            r#""amount":"10000""#,
            "",
            "amount",
            "invalid_value",
        ),
        (
            "zero timeout",
            r#""maxTimeoutSeconds":60"#,
            "",
            "maxTimeoutSeconds",
            "invalid_value",
        ),
        (
            "extra is a string",
            r#""maxTimeoutSeconds":60"#,
            "",
            "extra",
            "wrong_type",
        ),
    ];
    let replacements: [Option<String>; 8] = [
        None,
        None,
        Some(String::new()),
        Some(r#""scheme":1"#.into()),
        Some(format!(r#""amount":"{TWO_POW_256}""#)),
        Some(format!(r#""amount":"{}1""#, "0".repeat(MAX_PARSED_TEXT))),
        Some(r#""maxTimeoutSeconds":0"#.into()),
        Some(r#""maxTimeoutSeconds":60,"extra":"USDC""#.into()),
    ];
    for ((what, from, object, field, code), to) in rows.iter().zip(replacements) {
        let json = match to {
            None => (*from).to_owned(),
            Some(to) => {
                assert!(V2.contains(from), "{what}");
                V2.replacen(from, &to, 1)
            }
        };
        let e = PaymentRequirements::from_json(json.as_bytes()).unwrap_err();
        assert_eq!(
            (e.object(), e.field(), e.code()),
            (*object, *field, *code),
            "{what}"
        );
    }
    assert!(PaymentRequirements::from_json(V2.as_bytes()).is_ok());
}

/// The offers, WS402 and sandbox errors carry the issue whole: its code is theirs.
#[test]
fn protocol_errors_carry_the_issue_and_its_code() {
    let issues = [
        FieldIssue::missing("amount"),
        FieldIssue::wrong_type("payment_methods"),
        FieldIssue::invalid_value("expires_at"),
        FieldIssue::new("balance", FieldIssueKind::Amount(U256Error::Overflow)),
        FieldIssue::new(
            "k",
            FieldIssueKind::TooLong {
                limit: MAX_PARSED_TEXT,
            },
        ),
    ];
    let codes = [
        "missing_field",
        "wrong_type",
        "invalid_value",
        "invalid_value",
        "invalid_value",
    ];
    for (issue, code) in issues.into_iter().zip(codes) {
        assert_eq!(OffersError::from(issue), OffersError::Field(issue));
        assert_eq!(OffersError::from(issue).code(), code);
        assert_eq!(Ws402Error::from(issue).code(), code);
        assert_eq!(DialectError::from(issue).code(), code);
        let text = OffersError::from(issue).to_string();
        assert!(text.contains(&format!("`{}`", issue.key())), "{text}");
    }
}

/// End to end through each protocol's decoder: the code, and the member the issue names.
#[test]
fn protocol_decoders_name_the_member() {
    let offers = pay402::offers::OffersBody::decode(
        br#"{"version":"0.2.2","payment_request_url":"u","payment_context_token":"t","offers":[{"id":"o","type":"top-up","amount":"1.5","currency":"USD"}]}"#,
    )
    .unwrap_err();
    assert_eq!(
        offers,
        OffersError::Field(FieldIssue::new(
            "amount",
            FieldIssueKind::Amount(U256Error::InvalidDigit { index: 1 })
        ))
    );
    assert_eq!(offers.code(), "invalid_value");

    let ws = pay402::ws402::Message::decode(
        br#"{"type":"session_started","sessionId":"s","balance":"300"}"#,
    )
    .unwrap_err();
    assert_eq!(ws, Ws402Error::Field(FieldIssue::missing("pricePerSecond")));
    assert_eq!(ws.code(), "missing_field");

    let sandbox = pay402::dialects::SandboxRequirements::decode(br#"{"payment_requirements":[]}"#)
        .unwrap_err();
    assert_eq!(
        sandbox,
        DialectError::Field(FieldIssue::wrong_type("payment_requirements"))
    );
    assert_eq!(sandbox.code(), "wrong_type");
}
