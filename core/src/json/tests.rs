//! Behaviour of the JSON layer as a whole: parse → view → write.
//
// Test-only: the parent module declares it under `#[cfg(test)]`.

use super::*;
use crate::error::{BufferTooSmall, ErrorCode};
use crate::writer::{Writer, write_all};

/// The v2 `PaymentPayload` example of the x402 v2 HTTP transport spec
/// (<https://github.com/coinbase/x402/blob/main/specs/transports-v2/http.md>), decoded from its
/// `PAYMENT-SIGNATURE` header.
const SPEC_V2_PAYMENT_PAYLOAD: &str = r#"{"x402Version":2,"resource":{"url":"https://api.example.com/premium-data","description":"Access to premium market data","mimeType":"application/json"},"accepted":{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}},"payload":{"signature":"0x2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c","authorization":{"from":"0x857b06519E91e3A54538791bDbb0E22373e36b66","to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","value":"10000","validAfter":"1740672089","validBefore":"1740672154","nonce":"0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480"}}}"#;

fn parse(text: &str) -> Result<RawValue<'_>, JsonError> {
    RawValue::parse(text.as_bytes())
}

fn error_of(input: &[u8]) -> (JsonErrorKind, &'static str, usize) {
    let e = RawValue::parse(input).unwrap_err();
    (e.kind(), e.code(), e.offset())
}

fn minify<'b>(buf: &'b mut [u8], v: &RawValue<'_>) -> &'b str {
    let n = write_all(buf, |w| write_minified(w, v)).unwrap();
    core::str::from_utf8(&buf[..n]).unwrap()
}

#[test]
fn every_error_kind_has_its_code_and_offset() {
    use JsonErrorKind as K;
    let cases: &[(&[u8], K, &str, usize)] = &[
        (b"", K::Empty, "json_empty", 0),
        (b" \n\t ", K::Empty, "json_empty", 4),
        (b"[\"a\xff\"]", K::InvalidUtf8, "json_invalid_utf8", 3),
        (b"[1 2]", K::Syntax, "json_syntax", 3),
        (b"[1,", K::UnexpectedEnd, "json_unexpected_end", 3),
        (
            b"{} x",
            K::TrailingCharacters,
            "json_trailing_characters",
            3,
        ),
        (b"[[1]]", K::TooDeep, "json_too_deep", 1), // with max_depth 1, below
        (
            b"{\"a\":1,\"a\":2}",
            K::DuplicateKey,
            "json_duplicate_key",
            7,
        ),
        (b"\"\\x\"", K::InvalidEscape, "json_invalid_escape", 1),
        (
            b"[\"a\tb\"]",
            K::ControlCharacter,
            "json_control_character",
            3,
        ),
        (b"[01]", K::InvalidNumber, "json_invalid_number", 2),
    ];
    for &(input, kind, code, offset) in cases {
        let e = if kind == K::TooDeep {
            RawValue::parse_with(input, &Limits { max_depth: 1 }).unwrap_err()
        } else {
            RawValue::parse(input).unwrap_err()
        };
        assert_eq!(
            (e.kind(), e.code(), e.offset()),
            (kind, code, offset),
            "{input:?}"
        );
        assert_eq!(e.kind().code(), code);
    }
}

#[test]
fn error_display_says_what_and_where() {
    let e = parse(r#"{"a":1,"a":2}"#).unwrap_err();
    let mut buf = [0u8; 64];
    let mut w = Writer::new(&mut buf);
    core::fmt::Write::write_fmt(&mut w, format_args!("{e}")).unwrap();
    assert_eq!(w.written(), b"duplicate key in a JSON object at byte 7");
}

#[test]
fn accepts_rfc_8259_number_edge_cases() {
    for ok in [
        "-0",
        "0.5",
        "1e+5",
        "1E-5",
        "-1.25e10",
        "[0,-0,0.0]",
        "123456789012345678901234567890",
    ] {
        assert_eq!(parse(ok).unwrap().as_text(), ok);
    }
}

#[test]
fn rejects_numbers_outside_the_grammar() {
    for bad in [
        "01",
        "+1",
        ".5",
        "1.",
        "1e",
        "0x1",
        "-",
        "[1.]",
        "{\"a\":-}",
        "1e+",
    ] {
        assert_eq!(
            parse(bad).unwrap_err().kind(),
            JsonErrorKind::InvalidNumber,
            "{bad}"
        );
    }
}

#[test]
fn rejects_non_json_number_literals() {
    for bad in ["NaN", "Infinity", "-Infinity", "nul", "True", "[undefined]"] {
        let kind = parse(bad).unwrap_err().kind();
        assert!(
            matches!(
                kind,
                JsonErrorKind::Syntax | JsonErrorKind::InvalidNumber | JsonErrorKind::UnexpectedEnd
            ),
            "{bad}: {kind:?}"
        );
    }
    assert_eq!(error_of(b"NaN").0, JsonErrorKind::Syntax);
    assert_eq!(error_of(b"Infinity").0, JsonErrorKind::Syntax);
    assert_eq!(
        error_of(b"-Infinity"),
        (JsonErrorKind::InvalidNumber, "json_invalid_number", 1)
    );
    assert_eq!(
        error_of(b"nul"),
        (JsonErrorKind::UnexpectedEnd, "json_unexpected_end", 3)
    );
    assert_eq!(error_of(b"nulL"), (JsonErrorKind::Syntax, "json_syntax", 3));
}

#[test]
fn accepts_escapes_and_surrogate_pairs() {
    let v = parse(r#""\u00e9 \ud83d\ude00 \"\\\/\b\f\n\r\t""#).unwrap();
    let s = v.as_str().unwrap();
    assert!(s.eq_str("é 😀 \"\\/\u{8}\u{c}\n\r\t"));
}

#[test]
fn rejects_lone_surrogates_and_unknown_escapes() {
    assert_eq!(
        error_of(br#""\ud800""#),
        (JsonErrorKind::InvalidEscape, "json_invalid_escape", 1)
    );
    assert_eq!(error_of(br#"["\udc00"]"#).0, JsonErrorKind::InvalidEscape);
    assert_eq!(
        error_of(br#"{"k":"\x"}"#),
        (JsonErrorKind::InvalidEscape, "json_invalid_escape", 6)
    );
}

#[test]
fn rejects_raw_control_characters_in_strings() {
    assert_eq!(error_of(b"\"a\nb\"").0, JsonErrorKind::ControlCharacter);
    assert_eq!(
        error_of(b"{\"\x01\":1}"),
        (JsonErrorKind::ControlCharacter, "json_control_character", 2)
    );
}

#[test]
fn rejects_a_byte_order_mark() {
    // RFC 8259 §8.1: parsers MAY ignore a BOM; we refuse it, as JSON.parse does.
    assert_eq!(
        error_of(b"\xEF\xBB\xBF{}"),
        (JsonErrorKind::Syntax, "json_syntax", 0)
    );
}

#[test]
fn rejects_invalid_utf8_at_the_first_bad_byte() {
    assert_eq!(
        error_of(b"\"\xC3\""),
        (JsonErrorKind::InvalidUtf8, "json_invalid_utf8", 1)
    );
    assert_eq!(
        error_of(b"[\"ok\", \"\xED\xA0\x80\"]").0,
        JsonErrorKind::InvalidUtf8
    ); // encoded surrogate
    assert_eq!(error_of(b"\xC0\xAF").0, JsonErrorKind::InvalidUtf8); // overlong
}

#[test]
fn accepts_non_ascii_text_verbatim() {
    let v = parse("\"ü€😀\"").unwrap();
    assert_eq!(v.as_str().unwrap().as_plain(), Some("ü€😀"));
}

#[test]
fn rejects_duplicate_keys_in_nested_objects() {
    let input = r#"{"a":{"b":[{"x":1,"y":2,"x":3}]}}"#;
    let e = parse(input).unwrap_err();
    assert_eq!(e.kind(), JsonErrorKind::DuplicateKey);
    assert_eq!(e.offset(), input.find(r#""x":3"#).unwrap());
}

#[test]
fn rejects_keys_that_are_equal_only_after_unescaping() {
    let input = r#"{"n":{"a":1,"\u0061":2}}"#;
    let e = parse(input).unwrap_err();
    assert_eq!((e.kind(), e.offset()), (JsonErrorKind::DuplicateKey, 12));
    assert!(parse(r#"{"a\/b":1,"a/b":2}"#).is_err());
}

#[test]
fn allows_the_same_key_in_different_objects() {
    let v = parse(r#"{"a":{"a":1},"b":[{"a":1},{"a":2}],"c":"a"}"#).unwrap();
    assert_eq!(v.len(), Some(3));
}

#[test]
fn duplicate_key_offset_counts_leading_whitespace() {
    let e = parse("  {\"k\":1, \"k\":2}").unwrap_err();
    assert_eq!((e.kind(), e.offset()), (JsonErrorKind::DuplicateKey, 10));
}

fn nested_arrays(depth: usize, buf: &mut [u8]) -> &[u8] {
    for (i, b) in buf.iter_mut().enumerate().take(depth * 2) {
        *b = if i < depth { b'[' } else { b']' };
    }
    &buf[..depth * 2]
}

#[test]
fn default_limits_allow_32_levels() {
    assert_eq!(Limits::default().max_depth, 32);
    assert_eq!(Limits::default(), Limits::DEFAULT);
}

#[test]
fn accepts_nesting_up_to_the_depth_limit() {
    let mut buf = [0u8; 128];
    assert!(RawValue::parse(nested_arrays(32, &mut buf)).is_ok());
}

#[test]
fn rejects_nesting_beyond_the_depth_limit() {
    let mut buf = [0u8; 128];
    let e = RawValue::parse(nested_arrays(33, &mut buf)).unwrap_err();
    assert_eq!(
        (e.kind(), e.code(), e.offset()),
        (JsonErrorKind::TooDeep, "json_too_deep", 32)
    );
    let deep = Limits { max_depth: 40 };
    assert!(RawValue::parse_with(nested_arrays(33, &mut buf), &deep).is_ok());
    assert!(RawValue::parse_with(b"1", &Limits { max_depth: 0 }).is_ok());
    assert!(RawValue::parse_with(b"{}", &Limits { max_depth: 0 }).is_err());
}

#[test]
fn depth_beyond_the_ceiling_is_rejected_not_a_crash() {
    let mut buf = [0u8; 2 * 300];
    let huge = Limits {
        max_depth: usize::MAX,
    };
    assert!(RawValue::parse_with(nested_arrays(MAX_DEPTH_CEILING, &mut buf), &huge).is_ok());
    let e =
        RawValue::parse_with(nested_arrays(MAX_DEPTH_CEILING + 1, &mut buf), &huge).unwrap_err();
    assert_eq!(e.kind(), JsonErrorKind::TooDeep);
    // Unclosed deep input reports depth first, never recursing.
    assert_eq!(error_of(&[b'['; 10_000]).0, JsonErrorKind::TooDeep);
}

#[test]
fn rejects_structural_mistakes() {
    use JsonErrorKind as K;
    for (bad, kind) in [
        ("[1,]", K::Syntax),
        (r#"{"a":1,}"#, K::Syntax),
        ("[}", K::Syntax),
        ("{]", K::Syntax),
        (r#"{"a" 1}"#, K::Syntax),
        ("{a:1}", K::Syntax),
        ("{'a':1}", K::Syntax),
        (r#"{"a":1"#, K::UnexpectedEnd),
        (r#"{"a""#, K::UnexpectedEnd),
        ("[", K::UnexpectedEnd),
        ("[1]]", K::TrailingCharacters),
        ("1 2", K::TrailingCharacters),
        ("\"a\"\"b\"", K::TrailingCharacters),
        ("[1]\u{a0}", K::TrailingCharacters), // NBSP is not JSON whitespace
        ("\u{c}1", K::Syntax),                // nor is form feed
    ] {
        assert_eq!(parse(bad).unwrap_err().kind(), kind, "{bad}");
    }
}

#[test]
fn trims_surrounding_whitespace_and_keeps_inner_text() {
    let v = parse(" \r\n\t{ \"a\" : [ 1 ] }\n ").unwrap();
    assert_eq!(v.as_text(), r#"{ "a" : [ 1 ] }"#);
    assert_eq!(v.kind(), Kind::Object);
}

#[test]
fn accessors_return_borrowed_views_by_kind() {
    let v = parse(
        r#"{"n":null,"t":true,"f":false,"i":60,"x":-1.5e3,"s":"h\u0069","a":[1,"2",[]],"o":{}}"#,
    )
    .unwrap();
    assert!(v.get("n").unwrap().is_null());
    assert_eq!(v.get("t").unwrap().as_bool(), Some(true));
    assert_eq!(v.get("f").unwrap().as_bool(), Some(false));
    assert_eq!(v.get("i").unwrap().as_u64(), Some(60));
    assert_eq!(v.get("x").unwrap().as_number(), Some("-1.5e3"));
    assert_eq!(v.get("x").unwrap().as_u64(), None);
    assert!(v.get("s").unwrap().as_str().unwrap().eq_str("hi"));
    assert_eq!(v.get("s").unwrap().as_number(), None);
    assert_eq!(v.get("i").unwrap().as_str().map(|s| s.decoded_len()), None);
    let a = v.get("a").unwrap();
    assert_eq!(a.len(), Some(3));
    let kinds: [Kind; 3] = {
        let mut e = a.elements().unwrap();
        [
            e.next().unwrap().kind(),
            e.next().unwrap().kind(),
            e.next().unwrap().kind(),
        ]
    };
    assert_eq!(kinds, [Kind::Number, Kind::String, Kind::Array]);
    assert_eq!(v.get("o").unwrap().is_empty(), Some(true));
    assert_eq!(v.get("o").unwrap().len(), Some(0));
    assert!(v.get("missing").is_none());
    assert!(a.get("0").is_none());
    assert!(a.members().is_none());
    assert!(v.elements().is_none());
    assert_eq!(v.len(), Some(8));
    let keys = v.members().unwrap().map(|(k, _)| k);
    assert!(keys.eq(["n", "t", "f", "i", "x", "s", "a", "o"].map(JsonStr::Plain)));
}

#[test]
fn as_u64_accepts_only_plain_integers_that_fit() {
    assert_eq!(
        parse("18446744073709551615").unwrap().as_u64(),
        Some(u64::MAX)
    );
    for no in ["18446744073709551616", "-0", "-1", "1.0", "1e3", "\"1\""] {
        assert_eq!(parse(no).unwrap().as_u64(), None, "{no}");
    }
}

#[test]
fn iterators_end_and_stay_ended() {
    let v = parse("[ 1 , { \"k\" : [ ] } ]").unwrap();
    let mut e = v.elements().unwrap();
    assert_eq!(e.next().unwrap().as_text(), "1");
    assert_eq!(e.next().unwrap().as_text(), r#"{ "k" : [ ] }"#);
    assert!(e.next().is_none());
    assert!(e.next().is_none());
    let inner = parse(r#"{ "k" : [ ] }"#).unwrap();
    let mut m = inner.members().unwrap();
    let (k, val) = m.next().unwrap();
    assert_eq!((k, val.as_text()), (JsonStr::Plain("k"), "[ ]"));
    assert!(m.next().is_none());
    assert!(val.elements().unwrap().next().is_none());
}

#[test]
fn minifies_and_re_escapes_like_json_stringify() {
    let v = parse(r#"{ "b" : [1, 2 ] , "a":"\u0041/\n" }"#).unwrap();
    let mut buf = [0u8; 64];
    assert_eq!(minify(&mut buf, &v), r#"{"b":[1,2],"a":"A/\n"}"#);
}

#[test]
fn minify_canonicalises_escapes_in_keys_and_values() {
    let v = parse(r#"{"\u006b\/" : "\u00e9\u001F\ud83d\ude00\b\f\r\t\"\\\u2028", "n": 1.50E+3}"#)
        .unwrap();
    let mut buf = [0u8; 96];
    assert_eq!(
        minify(&mut buf, &v),
        "{\"k/\":\"é\\u001f😀\\b\\f\\r\\t\\\"\\\\\u{2028}\",\"n\":1.50E+3}"
    );
}

#[test]
fn spec_v2_payment_payload_round_trips_byte_for_byte() {
    let v = parse(SPEC_V2_PAYMENT_PAYLOAD).unwrap();
    assert_eq!(v.as_text(), SPEC_V2_PAYMENT_PAYLOAD);
    let mut buf = [0u8; 1024];
    assert_eq!(minify(&mut buf, &v), SPEC_V2_PAYMENT_PAYLOAD);
    // The decoded `PAYMENT-SIGNATURE` example of the x402 v2 HTTP transport spec.
    assert_eq!(SPEC_V2_PAYMENT_PAYLOAD.len(), 815);
    let accepted = v.get("accepted").unwrap();
    assert_eq!(
        accepted.get("maxTimeoutSeconds").unwrap().as_u64(),
        Some(60)
    );
    assert_eq!(
        accepted.get("extra").unwrap().as_text(),
        r#"{"name":"USDC","version":"2"}"#
    );
}

#[test]
fn rebuilding_the_spec_payload_with_writers_matches_byte_for_byte() {
    let v = parse(SPEC_V2_PAYMENT_PAYLOAD).unwrap();
    let mut buf = [0u8; 1024];
    let n = write_all(&mut buf, |w| {
        let mut o = ObjectWriter::begin(w)?;
        o.field_u64("x402Version", 2)?;
        o.field_with("resource", |w| {
            let mut r = ObjectWriter::begin(w)?;
            for key in ["url", "description", "mimeType"] {
                let value = v
                    .get("resource")
                    .and_then(|r| r.get(key))
                    .and_then(|s| s.as_str());
                r.field_json_str(key, &value.unwrap_or(JsonStr::Plain("")))?;
            }
            r.end()
        })?;
        for key in ["accepted", "payload"] {
            if let Some(raw) = v.get(key) {
                o.field_raw(key, &raw)?;
            }
        }
        o.end()
    })
    .unwrap();
    assert_eq!(&buf[..n], SPEC_V2_PAYMENT_PAYLOAD.as_bytes());
}

/// Handcrafted documents for the fixed-point property.
const DOCUMENTS: &[&str] = &[
    "null",
    " true ",
    "-0.0e-0",
    r#""\u0000\u001f\u007f\ud83d\ude00\/""#,
    r#"{ "a" : [ 1 , 2.5 , -3e+2 , { } , [ ] , "" ] , "\u00e9" : { "x" : null } }"#,
    "[[[[[[[[[[]]]]]]]]]]",
    "[\n\t{\"k\": \"v\\nw\"},\r\n\t{\"k\": \"\\\"\"}\n]",
    r#"{"\"":"\\","\\":"\"","/":"\/"}"#,
    r#"["é", "\u00e9", "€", "\u20ac", "\u2028\u2029"]"#,
    SPEC_V2_PAYMENT_PAYLOAD,
];

#[test]
fn minify_is_a_fixed_point_after_one_pass() {
    for doc in DOCUMENTS {
        let first = parse(doc).unwrap();
        let mut once = [0u8; 1024];
        let once = minify(&mut once, &first);
        let second = parse(once).unwrap();
        assert!(values_equal(&first, &second), "{doc}");
        let mut twice = [0u8; 1024];
        assert_eq!(minify(&mut twice, &second), once, "{doc}");
        assert!(once.len() <= doc.trim().len());
    }
}

#[test]
fn writers_report_a_too_small_buffer() {
    let v = parse(r#"{"a":[1,2,3]}"#).unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(
        write_all(&mut buf, |w| write_minified(w, &v)),
        Err(BufferTooSmall)
    );
    assert_eq!(buf, [0; 8]);
    assert_eq!(
        write_all(&mut buf, |w| write_string(w, "123456789")),
        Err(BufferTooSmall)
    );
    assert_eq!(
        write_all(&mut buf, |w| write_u64(w, 123_456_789)),
        Err(BufferTooSmall)
    );
    assert_eq!(
        write_all(&mut buf, |w| write_json_str(
            w,
            &JsonStr::Escaped(r"\u00e9\u00e9\u00e9\u00e9")
        )),
        Err(BufferTooSmall)
    );
    assert_eq!(
        write_all(&mut buf, |w| {
            let mut o = ObjectWriter::begin(w)?;
            o.field_str("key", "v")?;
            o.end()
        }),
        Err(BufferTooSmall)
    );
    assert_eq!(
        write_all(&mut buf, |w| {
            let mut a = ArrayWriter::begin(w)?;
            a.element_raw(&v)?;
            a.end()
        }),
        Err(BufferTooSmall)
    );
    let mut exact = [0u8; 13];
    assert_eq!(write_all(&mut exact, |w| write_minified(w, &v)), Ok(13));
}

#[test]
fn write_string_escapes_exactly_like_json_stringify() {
    let mut buf = [0u8; 128];
    let n = write_all(&mut buf, |w| {
        write_string(
            w,
            "\"\\/\u{8}\u{9}\u{a}\u{b}\u{c}\u{d}\u{0}\u{1f}\u{7f}é\u{2028}😀",
        )
    })
    .unwrap();
    assert_eq!(
        core::str::from_utf8(&buf[..n]).unwrap(),
        "\"\\\"\\\\/\\b\\t\\n\\u000b\\f\\r\\u0000\\u001f\u{7f}é\u{2028}😀\""
    );
}

#[test]
fn write_u64_writes_decimal_without_padding() {
    let mut buf = [0u8; 20];
    for (value, text) in [
        (0, "0"),
        (7, "7"),
        (60, "60"),
        (u64::MAX, "18446744073709551615"),
    ] {
        let n = write_all(&mut buf, |w| write_u64(w, value)).unwrap();
        assert_eq!(&buf[..n], text.as_bytes());
    }
}

#[test]
fn object_and_array_writers_place_commas_and_nest() {
    let raw = parse(r#"{ "z" : 1 }"#).unwrap();
    let mut buf = [0u8; 128];
    let n = write_all(&mut buf, |w| {
        let mut o = ObjectWriter::begin(w)?;
        o.field_str("s", "a\"b")?;
        o.field_json_str("j", &JsonStr::Escaped(r"\u0041"))?;
        o.field_u64("u", 1)?;
        o.field_bool("b", false)?;
        o.field_null("n")?;
        o.field_raw("r", &raw)?;
        o.field_with("a", |w| {
            let mut a = ArrayWriter::begin(w)?;
            a.element_str("x")?;
            a.element_json_str(&JsonStr::Plain("\n"))?;
            a.element_raw(&raw)?;
            a.element_u64(2)?;
            a.element_with(|w| ArrayWriter::begin(w)?.end())?;
            a.end()
        })?;
        o.field_with("e", |w| ObjectWriter::begin(w)?.end())?;
        o.end()
    })
    .unwrap();
    let out = core::str::from_utf8(&buf[..n]).unwrap();
    assert_eq!(
        out,
        r#"{"s":"a\"b","j":"A","u":1,"b":false,"n":null,"r":{"z":1},"a":["x","\n",{"z":1},2,[]],"e":{}}"#
    );
    assert!(parse(out).is_ok());
}

#[test]
fn json_str_decodes_compares_and_measures() {
    let v = parse(r#""a\u00e9\n""#).unwrap();
    let s = v.as_str().unwrap();
    assert!(s.has_escapes());
    assert_eq!(s.as_plain(), None);
    assert_eq!(s.decoded_len(), 4);
    assert!(!s.is_empty());
    assert!(s.chars().eq("aé\n".chars()));
    assert_eq!(s, JsonStr::Plain("aé\n"));
    assert!(s == "aé\n");
    let mut buf = [0u8; 4];
    assert_eq!(s.unescape_into(&mut buf), Ok("aé\n"));
    let empty = parse(r#""""#).unwrap().as_str().unwrap();
    assert!(empty.is_empty());
    assert_eq!(empty.decoded_len(), 0);
}

#[test]
fn parsing_arbitrary_bytes_never_panics() {
    // A cheap deterministic sweep: every prefix and every single-byte mutation of a document.
    let doc = br#"{"a":[1,-2.5e3,true,null,"x\u00e9\ud83d\ude00"],"b":{"c":"\\"}}"#;
    let limits = Limits { max_depth: 3 };
    for end in 0..=doc.len() {
        let _ = RawValue::parse_with(&doc[..end], &limits);
    }
    let mut mutated = *doc;
    for i in 0..doc.len() {
        for b in [
            0u8, b'"', b'\\', b'{', b'}', b'[', b']', b',', b':', b'u', b'0', 0xFF, 0xC3,
        ] {
            mutated[i] = b;
            if let Ok(v) = RawValue::parse(&mutated) {
                let mut out = [0u8; 128];
                let once = minify(&mut out, &v);
                assert!(parse(once).is_ok());
                let _ = v.len();
                assert!(values_equal(&v, &v));
            }
        }
        mutated[i] = doc[i];
    }
}

/// `{"k0":1,…,"k39":1,"<last>":1}` written into `buf`.
fn forty_keys_then<'b>(buf: &'b mut [u8], last: &str) -> &'b [u8] {
    use core::fmt::Write as _;
    let mut w = Writer::new(buf);
    let _ = w.push_byte(b'{');
    for i in 0..40 {
        let _ = write!(w, "\"k{i}\":1,");
    }
    let _ = write!(w, "\"{last}\":1}}");
    w.into_written()
}

#[test]
fn rejects_duplicates_in_objects_wider_than_the_key_cache() {
    let mut buf = [0u8; 1024];
    assert!(RawValue::parse(forty_keys_then(&mut buf, "k40")).is_ok());
    // a duplicate of a key the cache remembers, found after the cache is full
    let mut buf = [0u8; 1024];
    let err = RawValue::parse(forty_keys_then(&mut buf, "k3")).unwrap_err();
    assert_eq!(err.kind(), JsonErrorKind::DuplicateKey);
    // a duplicate of a key past the cache, found by walking the object again
    let mut buf = [0u8; 1024];
    let err = RawValue::parse(forty_keys_then(&mut buf, "k35")).unwrap_err();
    assert_eq!(err.kind(), JsonErrorKind::DuplicateKey);
    // an escaped spelling of a key past the cache is still the same key
    let mut buf = [0u8; 1024];
    let err = RawValue::parse(forty_keys_then(&mut buf, "\\u006b36")).unwrap_err();
    assert_eq!(err.kind(), JsonErrorKind::DuplicateKey);
}
