//! Which HTTP 402 artifact a piece of text looks like, guessed from cheap shape checks only.
//!
//! A tool that accepts "any 402 artifact" (a command line decoder, a log viewer) must first pick
//! the decoder to run; [`recognize`] makes that guess once, for every binding, without decoding:
//!
//! - a header name in front of the value (`PAYMENT-SIGNATURE: …`, `WWW-Authenticate: …`) decides;
//! - otherwise the value's shape: a BOLT11 human-readable prefix (`lnbc`, `lntb`, `lntbs`,
//!   `lnbcrt`, `lnsb`, optionally behind `lightning:`), an `L402`/`LSAT` auth-scheme, the top-level
//!   keys of a JSON object, the top-level keys of base64-encoded JSON (x402 headers), or the first
//!   bytes of a binary macaroon in base64 or hex.
//!
//! The guess is only a guess: the decoder of the guessed kind still has the last word and says
//! which field failed. Nothing here allocates; the input is read once, byte by byte.
//!
//! ```
//! use pay402::recognize::{recognize, Artifact, Encoding, Evidence};
//! // base64 of {"x402Version":2,"accepts":[]}
//! let r = recognize("eyJ4NDAyVmVyc2lvbiI6MiwiYWNjZXB0cyI6W119");
//! assert_eq!(r.artifact, Artifact::X402PaymentRequired);
//! assert_eq!((r.encoding, r.evidence), (Encoding::Base64Json, Evidence::JsonKeys));
//! let r = recognize("PAYMENT-SIGNATURE: !!!!");
//! assert_eq!((r.artifact, r.evidence), (Artifact::X402PaymentPayload, Evidence::HeaderName));
//! assert_eq!((r.header, r.value), (Some("PAYMENT-SIGNATURE"), "!!!!"));
//! assert_eq!(recognize("lnbc1garbage").artifact, Artifact::Bolt11Invoice);
//! assert_eq!(recognize("hello world").artifact, Artifact::Unknown);
//! ```

use crate::base64;
use crate::hex;

/// The kind of artifact a text looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Artifact {
    /// x402 `PaymentRequired` (the `PAYMENT-REQUIRED` header or a 402 body): top-level `accepts`.
    X402PaymentRequired,
    /// x402 `PaymentPayload` (`PAYMENT-SIGNATURE`, v1 `X-PAYMENT`): top-level `payload`.
    X402PaymentPayload,
    /// x402 `SettleResponse` (`PAYMENT-RESPONSE`, v1 `X-PAYMENT-RESPONSE`): top-level `success`.
    X402SettleResponse,
    /// One x402 `PaymentRequirements` object: top-level `payTo` or `maxAmountRequired`.
    X402PaymentRequirements,
    /// A facilitator `/verify` or `/settle` request: top-level `paymentPayload`.
    X402VerifyRequest,
    /// A facilitator `/verify` response: top-level `isValid`.
    X402VerifyResponse,
    /// A facilitator `/supported` response: top-level `kinds`.
    X402SupportedResponse,
    /// An L402/LSAT challenge (`WWW-Authenticate: L402 macaroon=…, invoice=…`).
    L402Challenge,
    /// An L402/LSAT credential (`Authorization: L402 <macaroon>:<preimage>`).
    L402Authorization,
    /// lnd's `Grpc-Metadata-Macaroon` header (hex macaroon, preimage caveat).
    L402MacaroonHeader,
    /// A macaroon: binary (v1 or v2) in base64 or hex, or the JSON format.
    Macaroon,
    /// A BOLT11 Lightning invoice.
    Bolt11Invoice,
    /// A Fewsats offers body: top-level `offers`.
    OffersBody,
    /// A WS402 message: top-level `type`.
    Ws402Message,
    /// None of the above.
    Unknown,
}

impl Artifact {
    /// A stable `snake_case` name (`x402_payment_required`, `bolt11_invoice`, `unknown`, …).
    pub const fn code(self) -> &'static str {
        match self {
            Self::X402PaymentRequired => "x402_payment_required",
            Self::X402PaymentPayload => "x402_payment_payload",
            Self::X402SettleResponse => "x402_settle_response",
            Self::X402PaymentRequirements => "x402_payment_requirements",
            Self::X402VerifyRequest => "x402_verify_request",
            Self::X402VerifyResponse => "x402_verify_response",
            Self::X402SupportedResponse => "x402_supported_response",
            Self::L402Challenge => "l402_challenge",
            Self::L402Authorization => "l402_authorization",
            Self::L402MacaroonHeader => "l402_macaroon_header",
            Self::Macaroon => "macaroon",
            Self::Bolt11Invoice => "bolt11_invoice",
            Self::OffersBody => "offers",
            Self::Ws402Message => "ws402_message",
            Self::Unknown => "unknown",
        }
    }
}

/// How the value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Encoding {
    /// A JSON text.
    Json,
    /// Base64 (either alphabet) of a JSON text: the x402 headers.
    Base64Json,
    /// Base64 (either alphabet) of binary bytes: a macaroon.
    Base64Binary,
    /// Hex digits (optionally `0x`-prefixed) of binary bytes: a macaroon.
    Hex,
    /// Text with a grammar of its own: an HTTP auth-scheme with parameters, a bech32 invoice.
    Text,
    /// Nothing recognizable.
    Unknown,
}

impl Encoding {
    /// A stable `snake_case` name (`json`, `base64_json`, `base64_binary`, `hex`, `text`, `unknown`).
    pub const fn code(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Base64Json => "base64_json",
            Self::Base64Binary => "base64_binary",
            Self::Hex => "hex",
            Self::Text => "text",
            Self::Unknown => "unknown",
        }
    }
}

/// What the guess rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Evidence {
    /// The header name given in front of the value.
    HeaderName,
    /// A prefix: an auth-scheme (`L402`, `LSAT`) or a BOLT11 human-readable part (`lnbc…`).
    Prefix,
    /// The top-level keys of the (possibly base64-encoded) JSON object.
    JsonKeys,
    /// The first bytes of a binary macaroon (version byte 2, or a v1 packet header).
    MacaroonBytes,
    /// Nothing matched.
    Nothing,
}

impl Evidence {
    /// A stable `snake_case` name (`header_name`, `prefix`, `json_keys`, `macaroon_bytes`, `nothing`).
    pub const fn code(self) -> &'static str {
        match self {
            Self::HeaderName => "header_name",
            Self::Prefix => "prefix",
            Self::JsonKeys => "json_keys",
            Self::MacaroonBytes => "macaroon_bytes",
            Self::Nothing => "nothing",
        }
    }
}

/// The guess of [`recognize`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recognized<'a> {
    /// The kind the text looks like.
    pub artifact: Artifact,
    /// How the value is written.
    pub encoding: Encoding,
    /// What the guess rests on.
    pub evidence: Evidence,
    /// The header name given in front of the value, as written (only the names this module
    /// knows are taken as header names).
    pub header: Option<&'a str>,
    /// The value to decode: the input without the header name, surrounding whitespace and a
    /// `lightning:` URI prefix.
    pub value: &'a str,
}

/// Guesses which 402 artifact `input` is (see the module documentation for the checks).
///
/// Never fails: a text that matches nothing is [`Artifact::Unknown`]. Runs in time linear in
/// the input's length, with a fixed amount of stack.
pub fn recognize(input: &str) -> Recognized<'_> {
    let input = input.trim();
    let (header, value) = split_header(input);
    let value = strip_lightning(value);
    let shape = shape_of(value);
    let Some(name) = header else {
        return Recognized {
            artifact: shape.0,
            encoding: shape.1,
            evidence: shape.2,
            header: None,
            value,
        };
    };
    let by_name = header_artifact(name);
    let encoding = if shape.0 == by_name {
        shape.1
    } else {
        // The name decides the kind; the encoding is what that kind would be written in.
        match by_name {
            Artifact::L402Challenge | Artifact::L402Authorization => Encoding::Text,
            Artifact::L402MacaroonHeader => Encoding::Hex,
            _ if value.starts_with('{') => Encoding::Json,
            _ => Encoding::Base64Json,
        }
    };
    Recognized {
        artifact: by_name,
        encoding,
        evidence: Evidence::HeaderName,
        header: Some(name),
        value,
    }
}

/// Header names this module knows, with the artifact each carries.
const HEADERS: [(&str, Artifact); 8] = [
    ("payment-required", Artifact::X402PaymentRequired),
    ("payment-signature", Artifact::X402PaymentPayload),
    ("x-payment", Artifact::X402PaymentPayload),
    ("payment-response", Artifact::X402SettleResponse),
    ("x-payment-response", Artifact::X402SettleResponse),
    ("www-authenticate", Artifact::L402Challenge),
    ("authorization", Artifact::L402Authorization),
    ("grpc-metadata-macaroon", Artifact::L402MacaroonHeader),
];

fn header_artifact(name: &str) -> Artifact {
    HEADERS
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(name))
        .map_or(Artifact::Unknown, |(_, a)| *a)
}

/// `Name: value` with a known `Name` → `(Some(name), value)`; anything else → `(None, input)`.
fn split_header(input: &str) -> (Option<&str>, &str) {
    match input.split_once(':') {
        Some((name, rest)) if header_artifact(name.trim()) != Artifact::Unknown => {
            (Some(name.trim()), rest.trim())
        }
        _ => (None, input),
    }
}

fn strip_lightning(value: &str) -> &str {
    const URI: &str = "lightning:";
    match value.get(..URI.len()) {
        Some(head) if head.eq_ignore_ascii_case(URI) => {
            value.get(URI.len()..).unwrap_or(value).trim()
        }
        _ => value,
    }
}

fn starts_with_ci(value: &str, prefix: &str) -> bool {
    value
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// The shape of a value without a header name.
fn shape_of(value: &str) -> (Artifact, Encoding, Evidence) {
    // BOLT 11 § Human-Readable Part: `ln` + currency prefix (`bc`, `tb`, `tbs`, `bcrt`, `sb`),
    // and a bech32 separator `1`.
    if ["lnbc", "lntb", "lnsb"]
        .iter()
        .any(|p| starts_with_ci(value, p))
        && value.contains('1')
    {
        return (Artifact::Bolt11Invoice, Encoding::Text, Evidence::Prefix);
    }
    // An auth-scheme token followed by a space (RFC 9110 §11.4).
    let scheme = value.split(' ').next().unwrap_or_default();
    if value.len() > scheme.len()
        && (scheme.eq_ignore_ascii_case("L402") || scheme.eq_ignore_ascii_case("LSAT"))
    {
        let rest = value.get(scheme.len()..).unwrap_or_default();
        let challenge = contains_ci(rest, "macaroon=") || contains_ci(rest, "invoice=");
        let artifact = if challenge {
            Artifact::L402Challenge
        } else {
            Artifact::L402Authorization
        };
        return (artifact, Encoding::Text, Evidence::Prefix);
    }
    if value.starts_with('{') {
        let mut keys = KeyScan::default();
        value.bytes().for_each(|b| keys.feed(b));
        return match keys.artifact() {
            Artifact::Unknown => (Artifact::Unknown, Encoding::Json, Evidence::Nothing),
            a => (a, Encoding::Json, Evidence::JsonKeys),
        };
    }
    let hex_digits = hex::strip_0x(value.as_bytes()).unwrap_or(value.as_bytes());
    if hex_digits.len() >= 8
        && hex_digits.len().is_multiple_of(2)
        && hex_digits.iter().all(|&b| hex::digit_value(b).is_some())
    {
        let mut head = Head::default();
        for pair in hex_digits.chunks_exact(2).take(HEAD_LEN) {
            if let [hi, lo] = pair {
                let byte =
                    (hex::digit_value(*hi).unwrap_or(0) << 4) | hex::digit_value(*lo).unwrap_or(0);
                head.push(byte);
            }
        }
        if head.is_macaroon() {
            return (Artifact::Macaroon, Encoding::Hex, Evidence::MacaroonBytes);
        }
    }
    base64_shape(value)
}

fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Reads `value` as base64 of either alphabet (trailing `=` allowed), streaming the decoded
/// bytes into a macaroon check and a JSON key scan.
fn base64_shape(value: &str) -> (Artifact, Encoding, Evidence) {
    const NOTHING: (Artifact, Encoding, Evidence) =
        (Artifact::Unknown, Encoding::Unknown, Evidence::Nothing);
    let body = value.trim_end_matches('=');
    if body.len() < 4 || value.len() - body.len() > 2 {
        return NOTHING;
    }
    let mut head = Head::default();
    let mut keys = KeyScan::default();
    let mut bits: u32 = 0;
    let mut nbits: u32 = 0;
    for b in body.bytes() {
        let Some(v) = base64::sextet(b) else {
            return NOTHING;
        };
        bits = ((bits << 6) | u32::from(v)) & 0xFFFF;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            let byte = u8::try_from((bits >> nbits) & 0xFF).unwrap_or(0);
            head.push(byte);
            keys.feed(byte);
        }
    }
    if head.is_macaroon() {
        return (
            Artifact::Macaroon,
            Encoding::Base64Binary,
            Evidence::MacaroonBytes,
        );
    }
    match keys.artifact() {
        Artifact::Unknown if keys.is_json() => {
            (Artifact::Unknown, Encoding::Base64Json, Evidence::Nothing)
        }
        Artifact::Unknown => NOTHING,
        a => (a, Encoding::Base64Json, Evidence::JsonKeys),
    }
}

const HEAD_LEN: usize = 16;

/// The first bytes of a decoded value.
#[derive(Default)]
struct Head {
    bytes: [u8; HEAD_LEN],
    len: usize,
}

impl Head {
    fn push(&mut self, b: u8) {
        if let Some(slot) = self.bytes.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    /// A v2 binary macaroon starts with its version byte 2 (libmacaroons `v2` format); a v1
    /// binary macaroon with a packet: four hex digits of length, then `location ` or
    /// `identifier `.
    fn is_macaroon(&self) -> bool {
        let bytes = self.bytes.get(..self.len).unwrap_or_default();
        match bytes {
            [2, field, ..] => matches!(field, 1 | 2),
            [a, b, c, d, rest @ ..] => {
                [a, b, c, d].iter().all(|x| hex::digit_value(**x).is_some())
                    && (rest.starts_with(b"location ") || rest.starts_with(b"identifier "))
            }
            _ => false,
        }
    }
}

/// Top-level keys that decide a kind, as bit positions of [`KeyScan::seen`].
const KEYS: [&[u8]; 17] = [
    b"accepts",           // 0
    b"payload",           // 1
    b"success",           // 2
    b"paymentPayload",    // 3
    b"isValid",           // 4
    b"kinds",             // 5
    b"offers",            // 6
    b"payTo",             // 7
    b"maxAmountRequired", // 8
    b"type",              // 9
    b"identifier",        // 10
    b"signature",         // 11
    b"i",                 // 12
    b"i64",               // 13
    b"s",                 // 14
    b"s64",               // 15
    b"x402Version",       // 16
];
const KEY_CAP: usize = 24;

/// A streaming scanner of a JSON object's top-level keys (nothing is validated: a guess).
#[allow(
    clippy::struct_excessive_bools,
    reason = "the flags are the independent states of a byte-at-a-time JSON lexer"
)]
#[derive(Default)]
struct KeyScan {
    started: bool,
    not_object: bool,
    depth: u32,
    in_string: bool,
    escape: bool,
    /// The string being read is a key of the top-level object.
    reading_key: bool,
    /// The key just read, waiting for its `:`.
    pending: Option<usize>,
    expect_key: bool,
    key: [u8; KEY_CAP],
    key_len: usize,
    key_spoiled: bool,
    seen: u32,
}

impl KeyScan {
    fn feed(&mut self, b: u8) {
        if self.not_object {
            return;
        }
        if !self.started {
            match b {
                b' ' | b'\t' | b'\r' | b'\n' => return,
                b'{' => self.started = true,
                _ => {
                    self.not_object = true;
                    return;
                }
            }
        }
        if self.in_string {
            if self.escape {
                self.escape = false;
            } else if b == b'\\' {
                self.escape = true;
                self.key_spoiled = true;
            } else if b == b'"' {
                self.in_string = false;
                if self.reading_key && !self.key_spoiled {
                    let key = self.key.get(..self.key_len).unwrap_or_default();
                    self.pending = KEYS.iter().position(|k| *k == key);
                }
            } else if self.reading_key {
                match self.key.get_mut(self.key_len) {
                    Some(slot) => {
                        *slot = b;
                        self.key_len += 1;
                    }
                    None => self.key_spoiled = true,
                }
            }
            return;
        }
        match b {
            b'"' => {
                self.in_string = true;
                self.reading_key = self.depth == 1 && self.expect_key;
                self.key_len = 0;
                self.key_spoiled = false;
                self.pending = None;
            }
            b':' if self.depth == 1 => {
                if let Some(i) = self.pending.take() {
                    self.seen |= 1 << i;
                }
                self.expect_key = false;
            }
            b',' if self.depth == 1 => self.expect_key = true,
            b'{' | b'[' => {
                self.depth = self.depth.saturating_add(1);
                if self.depth == 1 {
                    self.expect_key = true;
                }
            }
            b'}' | b']' => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
    }

    fn is_json(&self) -> bool {
        self.started
    }

    fn has(&self, key: usize) -> bool {
        self.seen & (1 << key) != 0
    }

    /// The kind the keys seen point to, most specific first.
    fn artifact(&self) -> Artifact {
        if !self.started {
            return Artifact::Unknown;
        }
        let any = |keys: &[usize]| keys.iter().any(|&k| self.has(k));
        if self.has(3) {
            Artifact::X402VerifyRequest
        } else if self.has(0) {
            Artifact::X402PaymentRequired
        } else if self.has(1) {
            Artifact::X402PaymentPayload
        } else if self.has(4) {
            Artifact::X402VerifyResponse
        } else if self.has(2) {
            Artifact::X402SettleResponse
        } else if self.has(5) {
            Artifact::X402SupportedResponse
        } else if self.has(6) {
            Artifact::OffersBody
        } else if any(&[7, 8]) {
            Artifact::X402PaymentRequirements
        } else if any(&[10, 12, 13]) && any(&[11, 14, 15]) {
            Artifact::Macaroon
        } else if self.has(9) {
            Artifact::Ws402Message
        } else if self.has(16) {
            // An x402 object whose deciding key is missing: the decoder says which.
            Artifact::X402PaymentRequired
        } else {
            Artifact::Unknown
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(json: &str) -> heapless::String<1024> {
        let mut out = [0u8; 1024];
        let text = base64::encode_into(json.as_bytes(), &mut out).unwrap();
        let mut s = heapless::String::new();
        s.push_str(text).unwrap();
        s
    }

    #[test]
    fn header_names_decide_whatever_the_value() {
        for (input, artifact) in [
            ("PAYMENT-SIGNATURE: !!!!", Artifact::X402PaymentPayload),
            ("x-payment: e30=", Artifact::X402PaymentPayload),
            ("Payment-Required: {}", Artifact::X402PaymentRequired),
            ("PAYMENT-RESPONSE: garbage", Artifact::X402SettleResponse),
            ("X-PAYMENT-RESPONSE: e30", Artifact::X402SettleResponse),
            ("WWW-Authenticate: L402 foo", Artifact::L402Challenge),
            ("Authorization: LSAT abc:def", Artifact::L402Authorization),
            ("Grpc-Metadata-Macaroon: zz", Artifact::L402MacaroonHeader),
        ] {
            let r = recognize(input);
            assert_eq!(
                (r.artifact, r.evidence),
                (artifact, Evidence::HeaderName),
                "{input}"
            );
            assert!(r.header.is_some());
        }
        let r = recognize("  Payment-Required:  {\"a\":1}  ");
        assert_eq!(
            (r.header, r.value, r.encoding),
            (Some("Payment-Required"), "{\"a\":1}", Encoding::Json)
        );
    }

    #[test]
    fn unknown_header_names_are_part_of_the_value() {
        let r = recognize("Content-Type: text/plain");
        assert_eq!((r.artifact, r.header), (Artifact::Unknown, None));
    }

    #[test]
    fn bolt11_prefixes_of_every_network() {
        for input in [
            "lnbc170n1pnv7",
            "LNBC1garbage",
            "lntb1x",
            "lntbs10u1x",
            "lnbcrt1x",
            "lnsb1x",
            "lightning:lnbc1abc",
        ] {
            let r = recognize(input);
            assert_eq!(
                (r.artifact, r.evidence),
                (Artifact::Bolt11Invoice, Evidence::Prefix),
                "{input}"
            );
        }
        assert_eq!(recognize("lightning:LNBC1abc").value, "LNBC1abc");
        assert_eq!(recognize("lightning: lnbc1abc ").value, "lnbc1abc");
        assert_eq!(recognize("lnbc").artifact, Artifact::Unknown);
    }

    #[test]
    fn l402_schemes_split_challenge_and_credential() {
        assert_eq!(
            recognize("L402 macaroon=\"AgE\", invoice=\"lnbc1\"").artifact,
            Artifact::L402Challenge
        );
        assert_eq!(
            recognize("LSAT Invoice=\"lnbc1\"").artifact,
            Artifact::L402Challenge
        );
        assert_eq!(
            recognize("L402 AgEx:00ff").artifact,
            Artifact::L402Authorization
        );
        assert_eq!(
            recognize("lsat AgEx:00ff").artifact,
            Artifact::L402Authorization
        );
        assert_eq!(recognize("L402").artifact, Artifact::Unknown);
    }

    #[test]
    fn json_top_level_keys_decide() {
        for (json, artifact) in [
            (
                r#"{"x402Version":2,"accepts":[{"payload":1}]}"#,
                Artifact::X402PaymentRequired,
            ),
            (
                r#"{"x402Version":1,"scheme":"exact","payload":{"accepts":1}}"#,
                Artifact::X402PaymentPayload,
            ),
            (
                r#"{ "success" : true, "transaction": "0x"}"#,
                Artifact::X402SettleResponse,
            ),
            (
                r#"{"paymentPayload":{},"paymentRequirements":{}}"#,
                Artifact::X402VerifyRequest,
            ),
            (
                r#"{"isValid":false,"invalidReason":"x"}"#,
                Artifact::X402VerifyResponse,
            ),
            (r#"{"kinds":[]}"#, Artifact::X402SupportedResponse),
            (
                r#"{"scheme":"exact","payTo":"0x"}"#,
                Artifact::X402PaymentRequirements,
            ),
            (r#"{"offers":[],"version":"0.2.2"}"#, Artifact::OffersBody),
            (r#"{"type":"usage_update"}"#, Artifact::Ws402Message),
            (r#"{"v":2,"i":"abc","s64":"x"}"#, Artifact::Macaroon),
            (r#"{"x402Version":2}"#, Artifact::X402PaymentRequired),
        ] {
            let r = recognize(json);
            assert_eq!(
                (r.artifact, r.encoding, r.evidence),
                (artifact, Encoding::Json, Evidence::JsonKeys),
                "{json}"
            );
            let encoded = b64(json);
            let r = recognize(&encoded);
            assert_eq!(
                (r.artifact, r.encoding),
                (artifact, Encoding::Base64Json),
                "base64 {json}"
            );
        }
    }

    #[test]
    fn nested_and_escaped_keys_do_not_count() {
        assert_eq!(
            recognize(r#"{"data":{"accepts":[]}}"#).artifact,
            Artifact::Unknown
        );
        assert_eq!(
            recognize(r#"{"a":"\"accepts\":1"}"#).artifact,
            Artifact::Unknown
        );
        assert_eq!(
            recognize(r#"{"acc\u0065pts":[]}"#).artifact,
            Artifact::Unknown
        );
        assert_eq!(
            recognize(r#"{"list":["accepts", "x"]}"#).artifact,
            Artifact::Unknown
        );
        let r = recognize(r#"{"a":1}"#);
        assert_eq!(
            (r.artifact, r.encoding),
            (Artifact::Unknown, Encoding::Json)
        );
    }

    #[test]
    fn binary_macaroons_in_base64_and_hex() {
        // v2: version byte 2, then field type 1 (location) or 2 (identifier).
        let r = recognize("AgEDbHNhdAJC");
        assert_eq!(
            (r.artifact, r.encoding),
            (Artifact::Macaroon, Encoding::Base64Binary)
        );
        assert_eq!(r.evidence, Evidence::MacaroonBytes);
        let r = recognize("0201036c736174");
        assert_eq!(
            (r.artifact, r.encoding),
            (Artifact::Macaroon, Encoding::Hex)
        );
        // v1: a packet "0010location x\n" in base64.
        let encoded = b64("0010location x\n0010identifier");
        let r = recognize(&encoded);
        assert_eq!(r.artifact, Artifact::Macaroon);
        assert_eq!(recognize("0301036c736174").artifact, Artifact::Unknown);
    }

    #[test]
    fn garbage_is_unknown() {
        for input in [
            "",
            "hello world",
            "!!!!",
            "e30====",
            "abc",
            "{",
            "[1,2]",
            "ZZZZ",
        ] {
            assert_eq!(recognize(input).artifact, Artifact::Unknown, "{input}");
        }
        assert_eq!(recognize("!!!!").encoding, Encoding::Unknown);
    }
}
