//! Base64 (RFC 4648 §4 and §5) with an explicit acceptance policy.
//!
//! The protocols of pay402 disagree about which base64 they accept: x402 headers use the standard
//! alphabet and tolerate missing padding (`coinbase/x402`, reference SDK `core/src/http`), aperture
//! insists on padded standard base64 while other L402 peers emit URL-safe unpadded macaroons
//! (go-macaroon, pymacaroons, js-macaroon, libmacaroons). A [`Base64Policy`] names the choice;
//! [`decode_into`] enforces it and then hands the bit shuffling to [`base64ct`], whose decoder runs
//! in constant time with respect to the encoded data. The policy pass before it is not
//! constant-time: its timing can reveal which alphabet and how much padding an input uses, and
//! where the first invalid byte is — never the decoded bytes' values beyond that.
//!
//! What is always rejected, whatever the policy:
//! - whitespace and line breaks, and every byte outside the chosen alphabet
//!   ([`Base64Error::InvalidCharacter`]);
//! - `=` anywhere but at the end, more padding than the length calls for, or padding on a
//!   length that needs none ([`Base64Error::InvalidPadding`]);
//! - an unpadded length ≡ 1 (mod 4), which no byte string encodes to
//!   ([`Base64Error::InvalidLength`]);
//! - non-zero trailing bits, e.g. `QR==` for the canonical `QQ==` ([`Base64Error::NonCanonical`]),
//!   so that every accepted input has exactly one decoding and one canonical encoding.
//!
//! Encoding always produces standard, padded base64 (RFC 4648 §4), the form every peer in the
//! specs accepts.
//!
//! ```
//! use pay402::base64::{decode_into, encode_into, Base64Policy};
//!
//! let mut buf = [0u8; 16];
//! assert_eq!(encode_into(b"go~!", &mut buf).unwrap(), "Z29+IQ==");
//!
//! let mut out = [0u8; 16];
//! // L402 peers send any of these for the same bytes (go-macaroon `base64DecodeTests`).
//! for encoded in ["Z29+IQ==", "Z29-IQ==", "Z29+IQ", "Z29-IQ"] {
//!     assert_eq!(decode_into(encoded.as_bytes(), &Base64Policy::ANY, &mut out).unwrap(), b"go~!");
//! }
//! assert!(decode_into(b"Z29+IQ===", &Base64Policy::ANY, &mut out).is_err());
//! ```

use base64ct::{Base64, Base64Unpadded, Base64UrlUnpadded, Encoding};

use crate::error::{BufferTooSmall, ErrorCode};
use crate::writer::Writer;

/// Which base64 alphabets a decoder accepts (RFC 4648 §4 and §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Alphabets {
    /// The standard alphabet: `A–Z a–z 0–9 + /` (RFC 4648 §4).
    Standard,
    /// The URL- and filename-safe alphabet: `A–Z a–z 0–9 - _` (RFC 4648 §5).
    UrlSafe,
    /// Either alphabet, but one input never mixes `+`/`/` with `-`/`_`
    /// ([`Base64Error::MixedAlphabets`]), as in go-macaroon's `Base64Decode`.
    Either,
}

/// Whether a decoder requires, tolerates or refuses the trailing `=` padding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Padding {
    /// The encoded length must be a multiple of 4, padded with exactly the `=` it needs.
    Required,
    /// Either no padding or exactly the padding the length needs; never more, never partial
    /// (`Zg=` is rejected).
    Optional,
    /// No `=` at all.
    Forbidden,
}

/// What [`decode_into`] accepts: alphabets × padding. Canonical trailing bits, no whitespace
/// and a valid length are required under every policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Base64Policy {
    /// Accepted alphabets.
    pub alphabets: Alphabets,
    /// Accepted padding.
    pub padding: Padding,
}

impl Base64Policy {
    /// Strict RFC 4648 §4: standard alphabet, padding required. What aperture and lnget accept
    /// (Go `base64.StdEncoding`).
    pub const STANDARD_PADDED: Self = Self {
        alphabets: Alphabets::Standard,
        padding: Padding::Required,
    };

    /// x402 headers (reference SDK `coinbase/x402`, `core/src/http`): standard alphabet, padding
    /// optional — the reference decoder's `^[A-Za-z0-9+/]*={0,2}$` check followed by `atob`.
    /// URL-safe characters are rejected.
    pub const X402: Self = Self {
        alphabets: Alphabets::Standard,
        padding: Padding::Optional,
    };

    /// Every variant L402 peers emit (go-macaroon, pymacaroons, js-macaroon, Fewsats): either
    /// alphabet, never both mixed in one input, padding optional.
    pub const ANY: Self = Self {
        alphabets: Alphabets::Either,
        padding: Padding::Optional,
    };
}

/// Why [`decode_into`] (or an encoder) refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Base64Error {
    /// The byte at `index` of the input is not in the accepted alphabet (this includes
    /// whitespace, line breaks and the other alphabet's `+/` or `-_`).
    InvalidCharacter {
        /// Byte offset in the encoded input.
        index: usize,
    },
    /// `=` in the middle, too much or too little padding, or padding the policy forbids.
    InvalidPadding,
    /// The last character carries non-zero bits that do not belong to any decoded byte.
    NonCanonical,
    /// Both `+`/`/` and `-`/`_` occur in one input.
    MixedAlphabets,
    /// Without its padding the input has a length ≡ 1 (mod 4), which no byte string encodes to.
    InvalidLength,
    /// The output buffer cannot hold the decoded (or encoded) bytes.
    BufferTooSmall,
}

impl core::fmt::Display for Base64Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::InvalidCharacter { index } => {
                write!(f, "base64: invalid character at byte {index}")
            }
            Self::InvalidPadding => {
                f.write_str("base64: misplaced, excess or disallowed '=' padding")
            }
            Self::NonCanonical => f.write_str(
                "base64: non-canonical encoding (non-zero trailing bits in the last character)",
            ),
            Self::MixedAlphabets => f.write_str(
                "base64: mixes the standard ('+', '/') and URL-safe ('-', '_') alphabets",
            ),
            Self::InvalidLength => f.write_str(
                "base64: invalid length (one character left over after the last full group)",
            ),
            Self::BufferTooSmall => f.write_str("base64: the output buffer is too small"),
        }
    }
}

impl core::error::Error for Base64Error {}

impl ErrorCode for Base64Error {
    fn code(&self) -> &'static str {
        match self {
            Self::InvalidCharacter { .. } => "base64_invalid_character",
            Self::InvalidPadding => "base64_invalid_padding",
            Self::NonCanonical => "base64_non_canonical",
            Self::MixedAlphabets => "base64_mixed_alphabets",
            Self::InvalidLength => "base64_invalid_length",
            Self::BufferTooSmall => "buffer_too_small",
        }
    }
}

impl From<BufferTooSmall> for Base64Error {
    fn from(_: BufferTooSmall) -> Self {
        Self::BufferTooSmall
    }
}

/// The largest number of bytes an encoded input of `encoded_len` characters can decode to.
///
/// Padding only makes the real result shorter, so an `out` buffer of this size always suffices
/// for [`decode_into`]. Never overflows.
///
/// ```
/// assert_eq!(pay402::base64::decoded_len_max(8), 6);
/// assert_eq!(pay402::base64::decoded_len_max(6), 4);
/// ```
pub const fn decoded_len_max(encoded_len: usize) -> usize {
    // 3 * (n / 4) + 3 * (n % 4) / 4 cannot overflow: 3 * (n / 4) ≤ 3n/4 < usize::MAX.
    (encoded_len / 4) * 3 + ((encoded_len % 4) * 3) / 4
}

/// The length of the standard, padded encoding of `input_len` bytes (RFC 4648 §4), or `None`
/// when it does not fit in a `usize`.
///
/// ```
/// assert_eq!(pay402::base64::encoded_len(4), Some(8));
/// assert_eq!(pay402::base64::encoded_len(usize::MAX), None);
/// ```
pub const fn encoded_len(input_len: usize) -> Option<usize> {
    input_len.div_ceil(3).checked_mul(4)
}

/// How the bytes of an input are classified against a policy (first pass, before decoding).
struct Scan {
    /// Length of the input without its trailing `=`.
    body_len: usize,
    /// Number of trailing `=`.
    pad_len: usize,
    /// The body uses `-`/`_`.
    url_safe: bool,
}

/// Every byte's class and 6-bit value, in one lookup: `0..=63` for `A-Z a-z 0-9`, the value
/// with [`STANDARD_SPECIAL`] for `+ /`, with [`URL_SPECIAL`] for `- _`, [`PAD`] for `=` and
/// [`INVALID`] for everything else.
#[allow(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of range fails the build, not a run"
)]
const CLASSES: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i: u8 = 0;
    while i < 26 {
        table[(b'A' + i) as usize] = i;
        table[(b'a' + i) as usize] = 26 + i;
        if i < 10 {
            table[(b'0' + i) as usize] = 52 + i;
        }
        i += 1;
    }
    table[b'+' as usize] = 0x3E | STANDARD_SPECIAL;
    table[b'/' as usize] = 0x3F | STANDARD_SPECIAL;
    table[b'-' as usize] = 0x3E | URL_SPECIAL;
    table[b'_' as usize] = 0x3F | URL_SPECIAL;
    table[b'=' as usize] = PAD;
    table
};
const STANDARD_SPECIAL: u8 = 0x40;
const URL_SPECIAL: u8 = 0x80;
const PAD: u8 = 0xFE;
const INVALID: u8 = 0xFF;
const SEXTET: u8 = 0x3F;

/// The entry of [`CLASSES`] for `b` (every `u8` has one; the fallback is never taken).
fn class(b: u8) -> u8 {
    CLASSES.get(usize::from(b)).copied().unwrap_or(INVALID)
}

/// The 6-bit value of a base64 digit of either alphabet (`A–Z a–z 0–9 + / - _`), or `None` for
/// `=` and every other byte. For shape checks that read base64 without decoding it whole.
pub(crate) fn sextet(b: u8) -> Option<u8> {
    match class(b) {
        PAD | INVALID => None,
        c => Some(c & SEXTET),
    }
}

fn scan(input: &[u8], alphabets: Alphabets) -> Result<Scan, Base64Error> {
    let pad_len = input.iter().rev().take_while(|&&b| b == b'=').count();
    let body_len = input.len().saturating_sub(pad_len);
    let body = input.get(..body_len).unwrap_or_default();

    let mut first_standard = None;
    let mut first_url = None;
    // Runs of plain alphabet characters (every class bit above `SEXTET` clear) are skipped eight
    // at a time; a run with anything else is looked at character by character below.
    let plain_prefix = body
        .chunks_exact(8)
        .take_while(|run| run.iter().fold(0, |bits, &b| bits | class(b)) & !SEXTET == 0)
        .count()
        .saturating_mul(8);
    let rest = body.get(plain_prefix..).unwrap_or_default();
    for (index, &b) in (plain_prefix..).zip(rest) {
        let class = class(b);
        if class <= SEXTET {
            continue;
        }
        match class {
            PAD => return Err(Base64Error::InvalidPadding),
            INVALID => return Err(Base64Error::InvalidCharacter { index }),
            _ if class & STANDARD_SPECIAL != 0 => {
                if alphabets == Alphabets::UrlSafe {
                    return Err(Base64Error::InvalidCharacter { index });
                }
                first_standard.get_or_insert(index);
            }
            _ => {
                if alphabets == Alphabets::Standard {
                    return Err(Base64Error::InvalidCharacter { index });
                }
                first_url.get_or_insert(index);
            }
        }
    }
    if first_standard.is_some() && first_url.is_some() {
        return Err(Base64Error::MixedAlphabets);
    }
    Ok(Scan {
        body_len,
        pad_len,
        url_safe: first_url.is_some(),
    })
}

fn check_length_and_padding(scan: &Scan, padding: Padding) -> Result<(), Base64Error> {
    let rem = scan.body_len % 4;
    if rem == 1 {
        return Err(Base64Error::InvalidLength);
    }
    // The padding a body of this length needs to reach a multiple of 4: 0, 2 or 1.
    let needed = (4 - rem) % 4;
    let acceptable = match padding {
        Padding::Forbidden => scan.pad_len == 0,
        Padding::Optional => scan.pad_len == 0 || scan.pad_len == needed,
        Padding::Required => scan.pad_len == needed,
    };
    if acceptable {
        Ok(())
    } else {
        Err(Base64Error::InvalidPadding)
    }
}

/// The policy checks both decoders run before writing anything: characters, length and
/// padding under `policy`, then room for the decoded bytes in an output of `out_len` bytes.
/// Returns the unpadded body, whether it uses the URL-safe alphabet, and the decoded length.
fn admit(
    input: &[u8],
    policy: Base64Policy,
    out_len: usize,
) -> Result<(&[u8], bool, usize), Base64Error> {
    let scan = scan(input, policy.alphabets)?;
    check_length_and_padding(&scan, policy.padding)?;
    let decoded_len = decoded_len_max(scan.body_len);
    if out_len < decoded_len {
        return Err(Base64Error::BufferTooSmall);
    }
    let body = input.get(..scan.body_len).unwrap_or_default();
    Ok((body, scan.url_safe, decoded_len))
}

/// Decodes `input` under `policy` into `out` and returns the decoded prefix of `out`.
///
/// Guarantees:
/// - every accepted input is canonical: re-encoding the result (in the input's alphabet, with
///   the input's padding) gives back `input` byte for byte;
/// - the character checks run first and report the first offending byte's index; the decoding
///   itself is done by [`base64ct`] in constant time;
/// - `out` needs [`decoded_len_max`]`(input.len())` bytes at most; if it is smaller than the
///   exact decoded length, [`Base64Error::BufferTooSmall`] is returned before anything is
///   written;
/// - on every error the bytes of `out` that were written are zeroed again, so no partial
///   plaintext is left behind;
/// - never panics.
///
/// ```
/// use pay402::base64::{decode_into, Base64Error, Base64Policy};
///
/// let mut out = [0u8; 8];
/// assert_eq!(decode_into(b"Zm9vYg==", &Base64Policy::STANDARD_PADDED, &mut out), Ok(&b"foob"[..]));
/// assert_eq!(decode_into(b"Zm9vYg", &Base64Policy::X402, &mut out), Ok(&b"foob"[..]));
/// assert_eq!(
///     decode_into(b"Zm9vYg", &Base64Policy::STANDARD_PADDED, &mut out),
///     Err(Base64Error::InvalidPadding)
/// );
/// ```
pub fn decode_into<'o>(
    input: &[u8],
    policy: &Base64Policy,
    out: &'o mut [u8],
) -> Result<&'o [u8], Base64Error> {
    let (body, url_safe, decoded_len) = admit(input, *policy, out.len())?;

    // Characters, length and padding are valid at this point, and `out` is large enough: the
    // only thing base64ct can still reject is a non-canonical last character.
    let ok = if url_safe {
        Base64UrlUnpadded::decode(body, out).is_ok()
    } else {
        Base64Unpadded::decode(body, out).is_ok()
    };
    if ok {
        out.get(..decoded_len).ok_or(Base64Error::BufferTooSmall)
    } else {
        if let Some(touched) = out.get_mut(..decoded_len) {
            touched.fill(0);
        }
        Err(Base64Error::NonCanonical)
    }
}

/// Decodes public `input` under `policy` into `out`: [`decode_into`] without the constant-time
/// step, for data that is no secret (an x402 payment header is a signed, public authorization).
///
/// Same acceptance, same errors and the same guarantees as [`decode_into`] (canonical inputs
/// only, nothing written before the length check, written bytes zeroed on error, no panics);
/// only the timing differs: the bit shuffling looks each character up in a table, so its time
/// depends on the data. Never use it for keys, macaroons or preimages.
///
/// ```
/// use pay402::base64::{decode_into, decode_public_into, Base64Policy};
///
/// let (mut a, mut b) = ([0u8; 8], [0u8; 8]);
/// let slow = decode_into(b"Zm9vYg", &Base64Policy::X402, &mut a);
/// assert_eq!(decode_public_into(b"Zm9vYg", &Base64Policy::X402, &mut b), slow);
/// ```
pub fn decode_public_into<'o>(
    input: &[u8],
    policy: &Base64Policy,
    out: &'o mut [u8],
) -> Result<&'o [u8], Base64Error> {
    let (body, _, decoded_len) = admit(input, *policy, out.len())?;
    let target = out
        .get_mut(..decoded_len)
        .ok_or(Base64Error::BufferTooSmall)?;
    // `scan` admitted only alphabet characters, so every lookup below is a sextet, and the
    // body length is not ≡ 1 (mod 4), so the tail has 0, 2 or 3 characters.
    let sextets = |chars: &[u8]| {
        chars.iter().enumerate().fold(0u32, |bits, (i, &c)| {
            bits | u32::from(class(c) & SEXTET) << (18 - 6 * i)
        })
    };
    let whole = body.chunks_exact(4);
    let tail = whole.remainder();
    let mut bytes = target.chunks_exact_mut(3);
    for (chars, three) in whole.zip(&mut bytes) {
        let [_, b0, b1, b2] = sextets(chars).to_be_bytes();
        three.copy_from_slice(&[b0, b1, b2]);
    }
    let bits = sextets(tail);
    let [_, b0, b1, _] = bits.to_be_bytes();
    let n = tail.len().saturating_sub(1);
    for (slot, byte) in bytes.into_remainder().iter_mut().zip([b0, b1]) {
        *slot = byte;
    }
    // Bits below the last whole byte must be zero (`QR==` is not `QQ==`).
    if bits & (0x00ff_ffff >> (8 * n)) == 0 {
        Ok(target)
    } else {
        target.fill(0);
        Err(Base64Error::NonCanonical)
    }
}

/// Encodes `input` as standard, padded base64 (RFC 4648 §4) into `out` and returns the text.
///
/// `out` needs [`encoded_len`]`(input.len())` bytes; when it is smaller nothing is written and
/// [`BufferTooSmall`] is returned.
///
/// ```
/// let mut out = [0u8; 8];
/// assert_eq!(pay402::base64::encode_into(b"foob", &mut out).unwrap(), "Zm9vYg==");
/// ```
pub fn encode_into<'o>(input: &[u8], out: &'o mut [u8]) -> Result<&'o str, BufferTooSmall> {
    Base64::encode(input, out).map_err(|_| BufferTooSmall)
}

/// Appends the standard, padded base64 (RFC 4648 §4) of `input` to `w`.
///
/// Either the whole encoding is appended or nothing is and [`BufferTooSmall`] is returned.
///
/// ```
/// use pay402::writer::Writer;
/// let mut buf = [0u8; 16];
/// let mut w = Writer::new(&mut buf);
/// w.push(b"L402 ").unwrap();
/// pay402::base64::write(&mut w, b"fo").unwrap();
/// assert_eq!(w.written(), b"L402 Zm8=");
/// ```
pub fn write(w: &mut Writer<'_>, input: &[u8]) -> Result<(), BufferTooSmall> {
    let len = encoded_len(input.len()).ok_or(BufferTooSmall)?;
    if w.remaining() < len {
        return Err(BufferTooSmall);
    }
    let slot = w.reserve(len)?;
    // `slot` has exactly the encoded length, so this cannot fail; should it ever, the claimed
    // bytes are zeroed rather than left with stale contents.
    if Base64::encode(input, slot).is_err() {
        slot.fill(0);
        return Err(BufferTooSmall);
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    type Decoded<'o> = Result<&'o [u8], Base64Error>;

    const STD: Base64Policy = Base64Policy::STANDARD_PADDED;
    const X402: Base64Policy = Base64Policy::X402;
    const ANY: Base64Policy = Base64Policy::ANY;
    const URL_PADDED: Base64Policy = Base64Policy {
        alphabets: Alphabets::UrlSafe,
        padding: Padding::Required,
    };
    const URL_UNPADDED: Base64Policy = Base64Policy {
        alphabets: Alphabets::UrlSafe,
        padding: Padding::Forbidden,
    };
    const STD_UNPADDED: Base64Policy = Base64Policy {
        alphabets: Alphabets::Standard,
        padding: Padding::Forbidden,
    };

    /// RFC 4648 §10 test vectors.
    const RFC4648: [(&[u8], &str); 7] = [
        (b"", ""),
        (b"f", "Zg=="),
        (b"fo", "Zm8="),
        (b"foo", "Zm9v"),
        (b"foob", "Zm9vYg=="),
        (b"fooba", "Zm9vYmE="),
        (b"foobar", "Zm9vYmFy"),
    ];

    fn decode<'o>(
        input: &str,
        policy: Base64Policy,
        out: &'o mut [u8],
    ) -> Result<&'o [u8], Base64Error> {
        decode_into(input.as_bytes(), &policy, out)
    }

    #[test]
    fn encodes_rfc4648_vectors() {
        for (plain, encoded) in RFC4648 {
            let mut out = [0u8; 8];
            assert_eq!(encode_into(plain, &mut out), Ok(encoded));
            assert_eq!(encoded_len(plain.len()), Some(encoded.len()));
        }
    }

    #[test]
    fn decodes_rfc4648_vectors_under_every_policy_that_allows_padding() {
        for (plain, encoded) in RFC4648 {
            for policy in [STD, X402, ANY, URL_PADDED] {
                let mut out = [0u8; 6];
                assert_eq!(
                    decode(encoded, policy, &mut out),
                    Ok(plain),
                    "{encoded} {policy:?}"
                );
            }
        }
    }

    #[test]
    fn decodes_rfc4648_vectors_without_padding_when_padding_is_optional_or_forbidden() {
        for (plain, encoded) in RFC4648 {
            let unpadded = encoded.trim_end_matches('=');
            for policy in [X402, ANY, STD_UNPADDED, URL_UNPADDED] {
                let mut out = [0u8; 6];
                assert_eq!(
                    decode(unpadded, policy, &mut out),
                    Ok(plain),
                    "{unpadded} {policy:?}"
                );
            }
        }
    }

    #[test]
    fn decodes_go_macaroon_vectors_in_every_variant_under_any() {
        // go-macaroon `base64DecodeTests`: all decode to `go~!`.
        let mut out = [0u8; 8];
        for encoded in ["Z29+IQ==", "Z29-IQ==", "Z29+IQ", "Z29-IQ"] {
            assert_eq!(
                decode(encoded, ANY, &mut out),
                Ok(&b"go~!"[..]),
                "{encoded}"
            );
        }
        assert_eq!(
            decode("Z29+IQ===", ANY, &mut out),
            Err(Base64Error::InvalidPadding)
        );
    }

    #[test]
    fn policy_matrix_gives_exact_results() {
        // Inputs for `go~!` (`?` is 0x3f → `/` or `_` in the last full group of `??~`).
        let padded = "Z29+IQ==";
        let unpadded = "Z29+IQ";
        let url = "Z29-IQ==";
        let url_unpadded = "Z29-IQ";
        let mixed = "Pz8-Pz8/"; // `??>??\x3f`-ish: both `-` and `/`
        let ok = Ok(&b"go~!"[..]);
        let cases: [(Base64Policy, &str, Decoded<'_>); 20] = [
            (STD, padded, ok),
            (STD, unpadded, Err(Base64Error::InvalidPadding)),
            (STD, url, Err(Base64Error::InvalidCharacter { index: 3 })),
            (
                STD,
                url_unpadded,
                Err(Base64Error::InvalidCharacter { index: 3 }),
            ),
            (STD, mixed, Err(Base64Error::InvalidCharacter { index: 3 })),
            (X402, padded, ok),
            (X402, unpadded, ok),
            (X402, url, Err(Base64Error::InvalidCharacter { index: 3 })),
            (
                X402,
                url_unpadded,
                Err(Base64Error::InvalidCharacter { index: 3 }),
            ),
            (X402, mixed, Err(Base64Error::InvalidCharacter { index: 3 })),
            (ANY, padded, ok),
            (ANY, unpadded, ok),
            (ANY, url, ok),
            (ANY, url_unpadded, ok),
            (ANY, mixed, Err(Base64Error::MixedAlphabets)),
            (
                URL_UNPADDED,
                padded,
                Err(Base64Error::InvalidCharacter { index: 3 }),
            ),
            (URL_UNPADDED, url, Err(Base64Error::InvalidPadding)),
            (URL_UNPADDED, url_unpadded, ok),
            (
                URL_UNPADDED,
                mixed,
                Err(Base64Error::InvalidCharacter { index: 7 }),
            ),
            (URL_PADDED, url_unpadded, Err(Base64Error::InvalidPadding)),
        ];
        for (policy, input, expected) in cases {
            let mut out = [0u8; 8];
            assert_eq!(
                decode(input, policy, &mut out),
                expected,
                "{input} {policy:?}"
            );
        }
    }

    #[test]
    fn error_codes_are_stable() {
        let cases = [
            (
                Base64Error::InvalidCharacter { index: 0 },
                "base64_invalid_character",
            ),
            (Base64Error::InvalidPadding, "base64_invalid_padding"),
            (Base64Error::NonCanonical, "base64_non_canonical"),
            (Base64Error::MixedAlphabets, "base64_mixed_alphabets"),
            (Base64Error::InvalidLength, "base64_invalid_length"),
            (Base64Error::BufferTooSmall, "buffer_too_small"),
        ];
        for (error, code) in cases {
            assert_eq!(error.code(), code);
        }
    }

    #[test]
    fn rejects_non_zero_trailing_bits() {
        let mut out = [0u8; 4];
        // RFC 4648 §3.5: `QQ==` is the canonical encoding of "A"; `QR==` sets a pad bit.
        assert_eq!(decode("QQ==", STD, &mut out), Ok(&b"A"[..]));
        for (input, policy) in [
            ("QR==", STD),
            ("QR", X402),
            ("QR", ANY),
            ("QUJ=", STD),
            ("QUJ", ANY),
        ] {
            assert_eq!(
                decode(input, policy, &mut out),
                Err(Base64Error::NonCanonical),
                "{input}"
            );
        }
        assert_eq!(decode("QUI=", STD, &mut out), Ok(&b"AB"[..]));
    }

    #[test]
    fn rejects_padding_in_the_middle() {
        let mut out = [0u8; 8];
        for policy in [STD, X402, ANY] {
            assert_eq!(
                decode("Zg==Zg==", policy, &mut out),
                Err(Base64Error::InvalidPadding)
            );
            assert_eq!(
                decode("Zm=v", policy, &mut out),
                Err(Base64Error::InvalidPadding)
            );
        }
    }

    #[test]
    fn rejects_wrong_amounts_of_padding() {
        let mut out = [0u8; 8];
        for policy in [STD, X402, ANY] {
            for input in ["Zg=", "Zg===", "Zm8==", "Zm9v=", "====", "="] {
                assert_eq!(
                    decode(input, policy, &mut out),
                    Err(Base64Error::InvalidPadding),
                    "{input}"
                );
            }
        }
        assert_eq!(
            decode("Zg==", STD_UNPADDED, &mut out),
            Err(Base64Error::InvalidPadding)
        );
    }

    #[test]
    fn rejects_whitespace_and_line_breaks() {
        let mut out = [0u8; 8];
        for policy in [STD, X402, ANY] {
            for (input, index) in [
                ("Zm9v Yg==", 4),
                ("Zm9v\r\nYg==", 4),
                ("\tZm9v", 0),
                ("Zm9v\n", 4),
            ] {
                assert_eq!(
                    decode(input, policy, &mut out),
                    Err(Base64Error::InvalidCharacter { index }),
                    "{input:?}"
                );
            }
        }
    }

    #[test]
    fn rejects_a_single_leftover_character() {
        let mut out = [0u8; 8];
        for policy in [STD, X402, ANY, URL_UNPADDED] {
            assert_eq!(
                decode("Zm9vY", policy, &mut out),
                Err(Base64Error::InvalidLength)
            );
            assert_eq!(
                decode("Z", policy, &mut out),
                Err(Base64Error::InvalidLength)
            );
        }
        assert_eq!(
            decode("Zm9vY===", STD, &mut out),
            Err(Base64Error::InvalidLength)
        );
    }

    #[test]
    fn buffer_too_small_leaves_out_untouched_and_zeroed() {
        let mut out = [0u8; 3];
        assert_eq!(
            decode("Zm9vYg==", STD, &mut out),
            Err(Base64Error::BufferTooSmall)
        );
        assert_eq!(out, [0; 3]);
        let mut sentinel = [0xAAu8; 3];
        assert_eq!(
            decode("Zm9vYg==", STD, &mut sentinel),
            Err(Base64Error::BufferTooSmall)
        );
        assert_eq!(sentinel, [0xAA; 3], "nothing was touched");
    }

    #[test]
    fn exact_size_buffer_suffices_for_padded_input() {
        let mut out = [0u8; 4];
        assert_eq!(decode("Zm9vYg==", STD, &mut out), Ok(&b"foob"[..]));
    }

    #[test]
    fn non_canonical_error_zeroes_the_bytes_it_wrote() {
        let mut out = [0xAAu8; 8];
        assert_eq!(
            decode("Zm9vYh==", STD, &mut out),
            Err(Base64Error::NonCanonical)
        );
        assert_eq!(out, [0, 0, 0, 0, 0xAA, 0xAA, 0xAA, 0xAA]);
    }

    #[test]
    fn encode_into_a_short_buffer_fails_without_writing() {
        let mut out = [0u8; 7];
        assert_eq!(encode_into(b"foob", &mut out), Err(BufferTooSmall));
        assert_eq!(out, [0; 7]);
    }

    #[test]
    fn write_appends_whole_encoding_or_nothing() {
        let mut buf = [0u8; 10];
        let mut w = Writer::new(&mut buf);
        w.push(b"x").unwrap();
        assert_eq!(write(&mut w, b"foobar"), Ok(()));
        assert_eq!(w.written(), b"xZm9vYmFy");
        assert_eq!(write(&mut w, b"f"), Err(BufferTooSmall));
        assert_eq!(w.written(), b"xZm9vYmFy");
    }

    #[test]
    fn length_helpers_never_overflow() {
        assert_eq!(decoded_len_max(usize::MAX), usize::MAX / 4 * 3 + 2);
        assert_eq!(encoded_len(usize::MAX / 4 * 3), Some(usize::MAX / 4 * 4));
        assert_eq!(encoded_len(usize::MAX / 4 * 3 + 1), None);
        assert_eq!(decoded_len_max(0), 0);
        assert_eq!(encoded_len(0), Some(0));
    }

    #[test]
    fn decodes_the_x402_v1_spec_payment_header() {
        // The `X-PAYMENT` example of coinbase/x402 specs/transports-v1/http.md (648 chars, 484
        // bytes).
        const X_PAYMENT: &str = "eyJ4NDAyVmVyc2lvbiI6MSwic2NoZW1lIjoiZXhhY3QiLCJuZXR3b3JrIjoiYmFzZS1zZXBvbGlhIiwicGF5bG9hZCI6eyJzaWduYXR1cmUiOiIweDJkNmE3NTg4ZDZhY2NhNTA1Y2JmMGQ5YTRhMjI3ZTBjNTJjNmMzNDAwOGM4ZTg5ODZhMTI4MzI1OTc2NDE3MzYwOGEyY2U2NDk2NjQyZTM3N2Q2ZGE4ZGJiZjU4MzZlOWJkMTUwOTJmOWVjYWIwNWRlZDNkNjI5M2FmMTQ4YjU3MWMiLCJhdXRob3JpemF0aW9uIjp7ImZyb20iOiIweDg1N2IwNjUxOUU5MWUzQTU0NTM4NzkxYkRiYjBFMjIzNzNlMzZiNjYiLCJ0byI6IjB4MjA5NjkzQmM2YWZjMEM1MzI4YkEzNkZhRjAzQzUxNEVGMzEyMjg3QyIsInZhbHVlIjoiMTAwMDAiLCJ2YWxpZEFmdGVyIjoiMTc0MDY3MjA4OSIsInZhbGlkQmVmb3JlIjoiMTc0MDY3MjE1NCIsIm5vbmNlIjoiMHhmMzc0NjYxM2MyZDkyMGI1ZmRhYmMwODU2ZjJhZWIyZDRmODhlZTYwMzdiOGNjNWQwNGE3MWE0NDYyZjEzNDgwIn19fQ==";
        assert_eq!(X_PAYMENT.len(), 648);
        let mut out = [0u8; 486];
        let json = decode(X_PAYMENT, X402, &mut out).unwrap();
        assert_eq!(json.len(), 484);
        assert!(json.starts_with(br#"{"x402Version":1"#));
        assert!(json.ends_with(b"}}}"));

        // Re-encoding is byte-identical (the x402 spec's header strings).
        let mut again = [0u8; 648];
        assert_eq!(encode_into(json, &mut again), Ok(X_PAYMENT));
    }

    #[test]
    fn decodes_x402_header_with_padding_stripped() {
        // The reference decoder (`coinbase/x402`, `core/src/http`) tolerates missing padding.
        let mut out = [0u8; 8];
        assert_eq!(decode("eyJhIjoxfQ", X402, &mut out), Ok(&br#"{"a":1}"#[..]));
    }

    /// The public decoder agrees with the constant-time one, result and error, on every string
    /// of up to 5 characters over a small alphabet with both alphabets' specials, `=` and
    /// junk, under every policy, and on every buffer size around the decoded length.
    #[test]
    fn public_decoder_agrees_with_the_constant_time_one() {
        const CHARS: &[u8] = b"AQgw+/-_=z9 ";
        let policies = [STD, X402, ANY, URL_PADDED, URL_UNPADDED, STD_UNPADDED];
        let mut input = [0u8; 5];
        let mut checked = 0u32;
        for len in 0..=input.len() {
            let total = CHARS.len().pow(u32::try_from(len).unwrap());
            for mut n in 0..total {
                for slot in &mut input[..len] {
                    *slot = CHARS[n % CHARS.len()];
                    n /= CHARS.len();
                }
                for policy in &policies {
                    for size in [0, 1, 2, 3, 4, 5] {
                        let (mut a, mut b) = ([0xAAu8; 5], [0xAAu8; 5]);
                        let slow =
                            decode_into(&input[..len], policy, &mut a[..size]).map(<[u8]>::to_vec);
                        let fast = decode_public_into(&input[..len], policy, &mut b[..size])
                            .map(<[u8]>::to_vec);
                        assert_eq!(fast, slow, "{:?} {policy:?} size {size}", &input[..len]);
                        assert_eq!(a, b, "buffer contents after {:?}", &input[..len]);
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 100_000);
    }
}
