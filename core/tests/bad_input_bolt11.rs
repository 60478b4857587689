//! The BOLT11 bad-input catalogue: broken invoices and the exact error code each must produce —
//! never a panic, never a different code. Inputs are the BOLT11 spec examples
//! (`lightning/bolts:11-payment-encoding.md`) with one defect each; checksums are recomputed by
//! the small bech32 encoder below (test-only) so that each row reaches the check it targets.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pay402::ErrorCode;
use pay402::bolt11::{Bolt11Invoice, DecodePolicy, bech32::CHARSET, bech32::word_of};

/// BOLT11 spec: "Please send $3 for a cup of coffee to the same peer, within one minute".
const COFFEE: &str = "lnbc2500u1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpu9qrsgquk0rl77nj30yxdy8j9vdx85fkpmdla2087ne0xh8nhedh8w27kyke0lp53ut353s06fv3qfegext0eh0ymjpf39tuven09sam30g4vgpfna3rh";

fn code(text: &str) -> &'static str {
    match Bolt11Invoice::decode(text) {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

fn polymod(values: &[u8]) -> u32 {
    const G: [u32; 5] = [
        0x3b6a_57b2,
        0x2650_8e6d,
        0x1ea1_19fa,
        0x3d42_33dd,
        0x2a14_62b3,
    ];
    let mut chk = 1u32;
    for v in values {
        let top = chk >> 25;
        chk = ((chk & 0x01ff_ffff) << 5) ^ u32::from(*v);
        for (i, g) in G.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk
}

/// BIP-173 encoder: `hrp` + `1` + words + a fresh bech32 checksum.
fn encode(hrp: &str, words: &[u8]) -> String {
    let mut v: Vec<u8> = hrp.bytes().map(|c| c >> 5).collect();
    v.push(0);
    v.extend(hrp.bytes().map(|c| c & 31));
    v.extend_from_slice(words);
    v.extend_from_slice(&[0; 6]);
    let m = polymod(&v) ^ 1;
    let mut s = format!("{hrp}1");
    for w in words {
        s.push(char::from(CHARSET[usize::from(*w)]));
    }
    for i in 0..6 {
        s.push(char::from(CHARSET[((m >> (5 * (5 - i))) & 31) as usize]));
    }
    s
}

/// The hrp and data words (without checksum) of a valid invoice.
fn split(text: &str) -> (String, Vec<u8>) {
    let (hrp, data) = text.rsplit_once('1').unwrap();
    let words: Vec<u8> = data.bytes().map(|c| word_of(c).unwrap()).collect();
    (hrp.to_owned(), words[..words.len() - 6].to_vec())
}

/// Replaces the tagged fields of `COFFEE` (keeps its timestamp and signature words).
fn with_fields(hrp: &str, fields: &[(u8, Vec<u8>)]) -> String {
    let (_, words) = split(COFFEE);
    let mut data = words[..7].to_vec();
    for (tag, d) in fields {
        data.push(*tag);
        data.push(u8::try_from(d.len() >> 5).unwrap());
        data.push(u8::try_from(d.len() & 31).unwrap());
        data.extend_from_slice(d);
    }
    data.extend_from_slice(&words[words.len() - 104..]);
    encode(hrp, &data)
}

fn zeros(n: usize) -> Vec<u8> {
    vec![0; n]
}

#[test]
fn the_catalogue_base_invoice_decodes() {
    assert_eq!(code(COFFEE), "ok");
}

#[test]
fn bech32_framing_defects_have_exact_codes() {
    let too_long = format!("lnbc1{}", "q".repeat(7085));
    let mut mixed = COFFEE.to_owned();
    mixed.replace_range(0..2, "LN");
    let mut bad_char = COFFEE.to_owned();
    bad_char.replace_range(40..41, "b"); // 'b' is not in the bech32 charset
    let mut flipped = COFFEE.to_owned();
    flipped.replace_range(60..61, if &COFFEE[60..61] == "q" { "p" } else { "q" });
    let rows: &[(&str, &str, &str)] = &[
        ("over 7089 characters", &too_long, "bolt11_too_long"),
        ("mixed case", &mixed, "bolt11_mixed_case"),
        (
            "no separator",
            "lnbcqqqqqqqqqqqqq",
            "bolt11_missing_separator",
        ),
        ("empty", "", "bolt11_missing_separator"),
        (
            "character outside the charset",
            &bad_char,
            "bolt11_invalid_character",
        ),
        (
            "non-ASCII in the hrp",
            "lnbc\u{e9}1qqqqqqqq",
            "bolt11_invalid_character",
        ),
        (
            "control byte in the hrp",
            "ln\tbc1qqqqqqqq",
            "bolt11_invalid_character",
        ),
        (
            "data shorter than a checksum",
            "lnbc1qqqq",
            "bolt11_too_short",
        ),
        ("one character changed", &flipped, "bolt11_bad_checksum"),
        (
            "truncated by one character",
            &COFFEE[..COFFEE.len() - 1],
            "bolt11_bad_checksum",
        ),
    ];
    for (what, input, want) in rows {
        assert_eq!(code(input), *want, "{what}");
    }
}

#[test]
fn exactly_7089_characters_is_not_too_long() {
    let text = encode("lnbc", &vec![0u8; 7089 - 5 - 6]);
    assert_eq!(text.len(), 7089);
    assert_ne!(code(&text), "bolt11_too_long");
}

#[test]
fn bech32m_checksum_is_rejected() {
    let (hrp, words) = split(COFFEE);
    let mut v: Vec<u8> = hrp.bytes().map(|c| c >> 5).collect();
    v.push(0);
    v.extend(hrp.bytes().map(|c| c & 31));
    v.extend_from_slice(&words);
    v.extend_from_slice(&[0; 6]);
    let m = polymod(&v) ^ 0x2bc8_30a3;
    let mut s = format!("{hrp}1");
    for w in &words {
        s.push(char::from(CHARSET[usize::from(*w)]));
    }
    for i in 0..6 {
        s.push(char::from(CHARSET[((m >> (5 * (5 - i))) & 31) as usize]));
    }
    assert_eq!(code(&s), "bolt11_bad_checksum");
}

#[test]
fn human_readable_part_defects_have_exact_codes() {
    let (_, words) = split(COFFEE);
    let rows: &[(&str, &str)] = &[
        ("bc2500u", "bolt11_invalid_hrp"),
        ("lnxy2500u", "bolt11_invalid_hrp"),
        ("lx", "bolt11_invalid_hrp"),
        ("lnbc2500x", "bolt11_invalid_multiplier"),
        ("lnbc2500000001p", "bolt11_sub_millisatoshi_amount"),
        ("lnbc0u", "bolt11_invalid_amount"),
        ("lnbc02500u", "bolt11_invalid_amount"),
        ("lnbcu", "bolt11_invalid_amount"),
        ("lnbc25a00u", "bolt11_invalid_amount"),
        ("lnbc99999999999999999999999p", "bolt11_invalid_amount"),
        ("lnbc184467440737095517", "bolt11_invalid_amount"),
    ];
    for (hrp, want) in rows {
        assert_eq!(code(&encode(hrp, &words)), *want, "{hrp}");
    }
}

#[test]
fn too_few_words_for_timestamp_and_signature_is_too_short() {
    // BOLT11 spec invalid example "String is too short".
    assert_eq!(
        code(
            "lnbc1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpl2pkx2ctnv5sxxmmwwd5kgetjypeh2ursdae8g6na6hlh"
        ),
        "bolt11_too_short"
    );
    assert_eq!(code(&encode("lnbc", &[0; 110])), "bolt11_too_short");
}

#[test]
#[allow(clippy::many_single_char_names, clippy::too_many_lines)] // p, s, d, h: the spec's field names
fn tagged_field_defects_have_exact_codes() {
    let p = (1u8, zeros(52));
    let s = (16u8, zeros(52));
    let d = (13u8, vec![2, 0]); // "\x10" — one byte
    let h = (23u8, zeros(52));
    let rows: Vec<(&str, String, &str)> = vec![
        (
            "no p",
            with_fields("lnbc", &[s.clone(), d.clone()]),
            "bolt11_missing_payment_hash",
        ),
        (
            "p of 51 words only",
            with_fields("lnbc", &[(1, zeros(51)), s.clone(), d.clone()]),
            "bolt11_missing_payment_hash",
        ),
        (
            "p of 53 words only",
            with_fields("lnbc", &[(1, zeros(53)), s.clone(), d.clone()]),
            "bolt11_missing_payment_hash",
        ),
        (
            "no s",
            with_fields("lnbc", &[p.clone(), d.clone()]),
            "bolt11_missing_payment_secret",
        ),
        (
            "s of 51 words only",
            with_fields("lnbc", &[p.clone(), (16, zeros(51)), d.clone()]),
            "bolt11_missing_payment_secret",
        ),
        (
            "neither d nor h",
            with_fields("lnbc", &[p.clone(), s.clone()]),
            "bolt11_missing_description",
        ),
        (
            "h of 53 words only",
            with_fields("lnbc", &[p.clone(), s.clone(), (23, zeros(53))]),
            "bolt11_missing_description",
        ),
        (
            "both d and h",
            with_fields("lnbc", &[p.clone(), s.clone(), d.clone(), h.clone()]),
            "bolt11_description_and_hash",
        ),
        (
            "d not UTF-8",
            with_fields("lnbc", &[p.clone(), s.clone(), (13, vec![31, 31])]),
            "bolt11_invalid_description",
        ),
        (
            "unknown even feature 100",
            with_fields(
                "lnbc",
                &[
                    p.clone(),
                    s.clone(),
                    d.clone(),
                    (5, {
                        let mut f = zeros(21);
                        f[0] = 1;
                        f
                    }),
                ],
            ),
            "bolt11_unknown_required_feature",
        ),
        (
            "unknown even feature 2",
            with_fields("lnbc", &[p.clone(), s.clone(), d.clone(), (5, vec![4])]),
            "bolt11_unknown_required_feature",
        ),
        (
            "x over 64 bits",
            with_fields(
                "lnbc",
                &[p.clone(), s.clone(), d.clone(), (6, vec![31; 13])],
            ),
            "bolt11_integer_overflow",
        ),
        (
            "c over 64 bits",
            with_fields(
                "lnbc",
                &[p.clone(), s.clone(), d.clone(), (24, vec![31; 14])],
            ),
            "bolt11_integer_overflow",
        ),
        (
            "r not a whole hop",
            with_fields("lnbc", &[p.clone(), s.clone(), d.clone(), (3, zeros(80))]),
            "bolt11_invalid_route_hint",
        ),
        (
            "n not a curve point",
            with_fields("lnbc", &[p.clone(), s.clone(), d.clone(), (19, zeros(53))]),
            "bolt11_invalid_payee_key",
        ),
    ];
    for (what, input, want) in rows {
        assert_eq!(code(&input), want, "{what}");
    }
}

#[test]
fn field_running_past_the_signature_is_truncated() {
    let (_, words) = split(COFFEE);
    let mut data = words[..7].to_vec();
    data.extend_from_slice(&[1, 31, 31]); // a `p` claiming 1023 words
    data.extend_from_slice(&words[words.len() - 104..]);
    assert_eq!(code(&encode("lnbc", &data)), "bolt11_truncated_field");
    let mut data = words[..7].to_vec();
    data.extend_from_slice(&[1, 0]); // a header cut short
    data.extend_from_slice(&words[words.len() - 104..]);
    assert_eq!(code(&encode("lnbc", &data)), "bolt11_truncated_field");
}

#[test]
fn signature_defects_have_exact_codes() {
    let (hrp, words) = split(COFFEE);
    let sig_start = words.len() - 104;
    // The recovery id is the last signature byte: the low 3 bits of word 102 and all of word
    // 103, so word 103 = 4 makes it at least 4.
    let mut bad_recid = words.clone();
    bad_recid[sig_start + 103] = 4;
    assert_eq!(
        code(&encode(&hrp, &bad_recid)),
        "bolt11_invalid_recovery_id"
    );
    // r ≥ n (all ones): not a valid scalar, no key recovers.
    let mut big_r = words.clone();
    for w in &mut big_r[sig_start..sig_start + 51] {
        *w = 31;
    }
    assert_eq!(code(&encode(&hrp, &big_r)), "bolt11_invalid_signature");
    // BOLT11 spec invalid example "Signature is not recoverable".
    assert_eq!(
        code(
            "lnbc2500u1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpusp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygs9qrsgqwgt7mcn5yqw3yx0w94pswkpq6j9uh6xfqqqtsk4tnarugeektd4hg5975x9am52rz4qskukxdmjemg92vvqz8nvmsye63r5ykel43pgz7zq0g2"
        ),
        "bolt11_invalid_signature"
    );
}

#[test]
fn the_payee_field_must_match_the_signer() {
    // The spec's node key in `n`, but the fields changed: the signature no longer verifies.
    let n: Vec<u8> = "q0n326hr8v9zprg8gsvezcch06gfaqqhde2aj730yg0durunfhv66"
        .bytes()
        .map(|c| word_of(c).unwrap())
        .collect();
    let text = with_fields(
        "lnbc",
        &[(1, zeros(52)), (16, zeros(52)), (13, vec![2, 0]), (19, n)],
    );
    assert_eq!(code(&text), "bolt11_invalid_signature");
}

#[test]
fn a_missing_secret_is_accepted_when_the_policy_allows_it() {
    // The L402 protocol specification's example invoice predates the `s` field.
    let l402 = "lnbc1500n1pw5kjhmpp5fu6xhthlt2vucmzkx6c7wtlh2r625r30cyjsfqhu8rsx4xpz5lwqdpa2fjkzep6yptksct5yp5hxgrrv96hx6twvusycn3qv9jx7ur5d9hkugr5dusx6cqzpgxqr23s79ruapxc4j5uskt4htly2salw4drq979d7rcela9wz02elhypmdzmzlnxuknpgfyfm86pntt8vvkvffma5qc9n50h4mvqhngadqy3ngqjcym5a";
    assert_eq!(code(l402), "bolt11_missing_payment_secret");
    let policy = DecodePolicy {
        require_payment_secret: false,
        ..DecodePolicy::default()
    };
    let invoice = Bolt11Invoice::decode_with(l402, &policy).unwrap();
    assert_eq!(invoice.amount_msat(), Some(150_000));
    assert_eq!(invoice.timestamp(), 1_565_215_483);
    assert_eq!(invoice.min_final_cltv_expiry(), 40);
    assert_eq!(invoice.expiry(), 10_800);
    assert!(
        invoice
            .description()
            .unwrap()
            .eq_str("Read: What is causing LN adoption to m")
    );
    assert_eq!(
        invoice.payment_hash(),
        &pay402::hex::decode_array::<32>(
            b"4f346baeff5a99cc6c5636b1e72ff750f4aa0e2fc1250482fc38e06a9822a7dc"
        )
        .unwrap()
    );
    assert_eq!(
        invoice.payee(),
        &pay402::hex::decode_array::<33>(
            b"03d06758583bb5154774a6eb221b1276c9e82d65bbaceca806d90e20c108f4b1c7"
        )
        .unwrap()
    );
}

#[test]
fn arbitrary_prefixes_of_a_valid_invoice_never_panic() {
    for end in 0..=COFFEE.len() {
        let _ = code(&COFFEE[..end]);
        let _ = code(&COFFEE[end..]);
    }
}
