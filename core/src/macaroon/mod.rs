//! Macaroons: decode V1, V2 binary and V2/V1 JSON into a borrowed view,
//! encode V2, mint and attenuate, third-party caveats and discharges, and verification.
//!
//! Sources: libmacaroons (<https://github.com/rescrv/libmacaroons>, `doc/format.txt`, the README
//! and `test/unit`), go-macaroon v2 (<https://github.com/go-macaroon/macaroon>: `crypto.go`,
//! `packet-v1.go`, `marshal-v2.go`, `marshal_test.go`), the version aperture uses, and pymacaroons
//! (<https://github.com/ecordell/pymacaroons>). `macaroon-spec.md` of
//! <https://github.com/lightninglabs/L402> writes `sig_0 = HMAC(root_key, id)` without the key
//! derivation every implementation applies; that reading is an erratum.
//!
//! # Shape
//!
//! token text → [`Macaroon::decode`] (base64 of any alphabet and padding, or JSON; bytes land
//! in a caller scratch buffer) or binary → [`Macaroon::parse_binary`] → a validated
//! [`Macaroon`] view with a lazy [`Macaroon::caveats`] iterator → [`verify::verify`] with a
//! [`verify::CaveatChecker`]; and for the other side [`builder::V2Builder`] (mint, attenuate,
//! add third-party caveats) → V2 bytes in the caller's buffer → [`crate::base64`].
//!
//! # Capacities
//!
//! - Caveats per macaroon: unbounded (the view re-reads them lazily; nothing is stored).
//! - Field lengths: V2 varints ≤ `0x7fffffff` (Go's limit); V1 packets ≤ `0xffff` bytes.
//! - Discharges per verification: [`MAX_DISCHARGES`] (a fixed "used" bitmap).
//! - Discharge nesting: [`verify::VerifyPolicy::max_depth`], at most [`MAX_DEPTH`].
//!
//! # Example
//!
//! ```
//! use pay402::macaroon::{Macaroon, builder::V2Builder, verify::{verify, Mode, VerifyPolicy, AcceptList}};
//!
//! // Mint (with key derivation, as Go, libmacaroons and pymacaroons do) and attenuate.
//! let mut buf = [0u8; 256];
//! let mut b = V2Builder::mint(&mut buf, b"this is the key", b"keyid", b"http://example.org/")?;
//! b.add_first_party(b"account = 3735928559")?;
//! let bytes = b.finish()?;
//!
//! let mac = Macaroon::parse_binary(bytes)?;
//! let mut sig = [0u8; 64];
//! // A libmacaroons `test/unit` vector.
//! assert_eq!(pay402::hex::encode_lower_into(mac.signature(), &mut sig).unwrap(),
//!            "f54807f6dc6edf88bf0f7306b3822562a362533dbf7339ba61765da4bd259d87");
//!
//! // Strict verification: every first-party caveat must be accepted.
//! let accepted: [&[u8]; 1] = [b"account = 3735928559"];
//! verify(&mac, b"this is the key", &[], &mut AcceptList(&accepted), &VerifyPolicy::STRICT)?;
//! # Ok::<(), pay402::macaroon::MacaroonError>(())
//! ```

pub mod builder;
pub mod crypto;
mod error;
pub mod json;
pub mod third_party;
pub mod v1;
pub mod v2;
pub mod verify;

pub use error::{MacaroonError, Malformed};

use crate::base64::{Base64Policy, decode_into};
use crate::writer::Writer;

/// Length of root-key-derived keys and caveat keys in the chain.
pub const KEY_LEN: usize = 32;
/// Length of a macaroon signature (HMAC-SHA256).
pub const SIGNATURE_LEN: usize = 32;
/// Length of the secretbox nonce at the start of a vid.
pub const NONCE_LEN: usize = 24;
/// Length of a third-party caveat's vid: nonce 24 ‖ tag 16 ‖ sealed key 32.
pub const VID_LEN: usize = 72;
/// Most discharge macaroons one verification accepts.
pub const MAX_DISCHARGES: usize = 32;
/// Deepest discharge nesting [`verify::VerifyPolicy::max_depth`] may ask for.
pub const MAX_DEPTH: usize = 8;

/// The serialization a macaroon was decoded from. Neither version nor location is signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// libmacaroons packet format, or V1 JSON.
    V1,
    /// V2 binary, or V2 JSON.
    V2,
}

/// One caveat, borrowed from the macaroon's bytes.
///
/// A caveat is first-party when its `vid` is empty (Go's rule); then `location` is empty too in
/// V2 (V1 may carry a `cl` without a `vid`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caveat<'a> {
    /// Caveat identifier: the condition text of a first-party caveat (`condition=value` text in
    /// L402), the id the third party knows for a third-party one.
    pub id: &'a [u8],
    /// Verification id of a third-party caveat ([`VID_LEN`] bytes when minted by any known
    /// peer); empty for first-party caveats.
    pub vid: &'a [u8],
    /// Location hint of a third-party caveat; empty when absent.
    pub location: &'a [u8],
}

impl Caveat<'_> {
    /// `true` when the caveat has a vid.
    pub fn is_third_party(&self) -> bool {
        !self.vid.is_empty()
    }
}

/// Where the caveats of a view live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Body {
    V1,
    V2,
}

/// A validated macaroon, borrowed from its binary form.
///
/// Construction validates the whole structure once (go-macaroon's rules); the accessors and the
/// caveat iterator never fail afterwards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Macaroon<'a> {
    version: Version,
    body_format: Body,
    location: &'a [u8],
    id: &'a [u8],
    body: &'a [u8],
    caveat_count: usize,
    signature: [u8; SIGNATURE_LEN],
}

impl<'a> Macaroon<'a> {
    /// Parses one binary macaroon (first byte `0x02` → V2, `0-9a-f` → V1) that fills `bytes`
    /// exactly; trailing bytes are [`Malformed::TrailingBytes`] (Go's `UnmarshalBinary` ignores
    /// them, pay402 refuses to).
    ///
    /// ```
    /// use pay402::macaroon::{Macaroon, Version};
    /// let mut buf = [0u8; 128];
    /// let bytes = pay402::base64::decode_into(
    ///     b"AgETaHR0cDovL2V4YW1wbGUub3JnLwIFa2V5aWQAAAYgfN7nklEcW8b1KEhYBd_psk54XijiqZMB-dcRxgnjjvc",
    ///     &pay402::base64::Base64Policy::ANY, &mut buf)?;
    /// let mac = Macaroon::parse_binary(bytes)?;
    /// assert_eq!((mac.version(), mac.location(), mac.id()), (Version::V2, &b"http://example.org/"[..], &b"keyid"[..]));
    /// assert_eq!(mac.caveats().count(), 0);
    /// # Ok::<(), Box<dyn core::error::Error>>(())
    /// ```
    pub fn parse_binary(bytes: &'a [u8]) -> Result<Self, MacaroonError> {
        let (mac, rest) = Self::parse_binary_prefix(bytes)?;
        if rest.is_empty() {
            Ok(mac)
        } else {
            Err(Malformed::TrailingBytes.into())
        }
    }

    /// Parses the binary macaroon at the start of `bytes` and returns it with the bytes after
    /// it: Go's `Slice.UnmarshalBinary` reads a root macaroon and its discharges concatenated.
    pub fn parse_binary_prefix(bytes: &'a [u8]) -> Result<(Self, &'a [u8]), MacaroonError> {
        match bytes.first() {
            None => Err(Malformed::Empty.into()),
            Some(&v2::VERSION_BYTE) => {
                let p = v2::parse(bytes)?;
                Ok((
                    Self {
                        version: Version::V2,
                        body_format: Body::V2,
                        location: p.location,
                        id: p.id,
                        body: p.body,
                        caveat_count: p.caveat_count,
                        signature: p.signature,
                    },
                    p.rest,
                ))
            }
            Some(b'0'..=b'9' | b'a'..=b'f') => {
                let p = v1::parse(bytes)?;
                Ok((
                    Self {
                        version: Version::V1,
                        body_format: Body::V1,
                        location: p.location,
                        id: p.id,
                        body: p.body,
                        caveat_count: p.caveat_count,
                        signature: p.signature,
                    },
                    p.rest,
                ))
            }
            Some(_) => Err(Malformed::UnknownFormat.into()),
        }
    }

    /// Decodes a macaroon token of any format pay402 knows, detected from its first byte:
    ///
    /// - `{`: a V2 JSON or V1 JSON object ([`json`]);
    /// - `"`: a JSON string holding base64 of the binary (Go's `UnmarshalJSON`);
    /// - otherwise: base64 of V1 or V2 binary, standard or URL-safe, padded or not, never mixed
    ///   ([`Base64Policy::ANY`], as the macaroon libraries together accept).
    ///
    /// The binary form is written into `scratch` and the view borrows from it. A scratch buffer
    /// of `token.len()` bytes always suffices.
    ///
    /// ```
    /// use pay402::macaroon::{Macaroon, Version};
    /// // libmacaroons README, V1, no caveats
    /// let token = b"MDAxY2xvY2F0aW9uIGh0dHA6Ly9teWJhbmsvCjAwMjZpZGVudGlmaWVyIHdlIHVzZWQgb3VyIHNlY3JldCBrZXkKMDAyZnNpZ25hdHVyZSDj2eApCFJsTAA5rhURQRXZf91ovyujebNCqvD2F9BVLwo";
    /// let mut scratch = [0u8; 256];
    /// let mac = Macaroon::decode(token, &mut scratch)?;
    /// assert_eq!(mac.version(), Version::V1);
    /// assert_eq!(mac.id(), b"we used our secret key");
    ///
    /// let json = br#"{"v":2,"l":"http://example.org/","i":"keyid","c":[{"i":"account = 3735928559"}],"s64":"9UgH9txu34i_D3MGs4IlYqNiUz2_czm6YXZdpL0lnYc"}"#;
    /// let mac = Macaroon::decode(json, &mut scratch)?;
    /// assert_eq!(mac.caveats().next().map(|c| c.id), Some(&b"account = 3735928559"[..]));
    /// # Ok::<(), pay402::macaroon::MacaroonError>(())
    /// ```
    pub fn decode(token: &[u8], scratch: &'a mut [u8]) -> Result<Self, MacaroonError> {
        match token.first() {
            None => Err(Malformed::Empty.into()),
            Some(b'{' | b'"') => json::decode(token, scratch),
            Some(_) => {
                let bytes = decode_into(token, &Base64Policy::ANY, scratch).map_err(|e| {
                    if e == crate::base64::Base64Error::BufferTooSmall {
                        MacaroonError::BufferTooSmall
                    } else {
                        MacaroonError::Malformed(Malformed::Base64(e))
                    }
                })?;
                Self::parse_binary(bytes)
            }
        }
    }

    /// The serialization it was decoded from.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The location (unsigned; empty when absent).
    pub fn location(&self) -> &'a [u8] {
        self.location
    }

    /// The identifier.
    pub fn id(&self) -> &'a [u8] {
        self.id
    }

    /// The signature.
    pub fn signature(&self) -> &[u8; SIGNATURE_LEN] {
        &self.signature
    }

    /// Number of caveats.
    pub fn caveat_count(&self) -> usize {
        self.caveat_count
    }

    /// The caveats in order.
    pub fn caveats(&self) -> Caveats<'a> {
        Caveats {
            body: self.body,
            format: self.body_format,
            pos: 0,
        }
    }

    /// Length of [`Macaroon::encode_v2`]'s output (saturating; an unencodable caveat is
    /// counted as if it had no location).
    pub fn v2_len(&self) -> usize {
        let mut n = 2usize
            .saturating_add(v2_field_len(self.location, true))
            .saturating_add(v2_field_len(self.id, false));
        for c in self.caveats() {
            n = n
                .saturating_add(v2_field_len(c.location, true))
                .saturating_add(v2_field_len(c.id, false))
                .saturating_add(v2_field_len(c.vid, true))
                .saturating_add(1);
        }
        n.saturating_add(3 + SIGNATURE_LEN)
    }

    /// Writes the V2 binary form the way Go does (empty location omitted, no vid for
    /// first-party caveats, no trailing bytes). A V1 first-party caveat with a `cl` has no V2
    /// form and is refused with [`Malformed::LocationInFirstPartyCaveat`].
    pub fn encode_v2(&self, w: &mut Writer<'_>) -> Result<(), MacaroonError> {
        v2::write_header(w, self.location, self.id)?;
        for caveat in self.caveats() {
            v2::write_caveat(w, &caveat)?;
        }
        v2::write_trailer(w, &self.signature)
    }
}

/// Bytes of a V2 field (type byte, varint length, data); 0 for an empty optional field.
fn v2_field_len(data: &[u8], optional: bool) -> usize {
    if optional && data.is_empty() {
        return 0;
    }
    let mut n = data.len();
    let mut varint = 1usize;
    while n >= 0x80 {
        n >>= 7;
        varint = varint.saturating_add(1);
    }
    1usize.saturating_add(varint).saturating_add(data.len())
}

/// Iterator over the caveats of a [`Macaroon`], in order; see [`Macaroon::caveats`].
#[derive(Clone, Debug)]
pub struct Caveats<'a> {
    body: &'a [u8],
    format: Body,
    pos: usize,
}

impl<'a> Iterator for Caveats<'a> {
    type Item = Caveat<'a>;

    fn next(&mut self) -> Option<Caveat<'a>> {
        match self.format {
            Body::V1 => v1::next_caveat(self.body, &mut self.pos),
            Body::V2 => v2::next_caveat(self.body, &mut self.pos),
        }
    }
}

#[cfg(test)]
mod tests;
