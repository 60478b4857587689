//! A small, strict, borrowing JSON layer (RFC 8259, <https://www.rfc-editor.org/rfc/rfc8259>):
//! validation, raw value views, typed reading of object members, deep equality and
//! `JSON.stringify`-compatible output, without allocation.
//!
//! # Why hand-written
//!
//! x402 carries JSON inside HTTP headers (base64 of the JSON text) and bodies (the x402 v2 HTTP
//! transport, <https://github.com/coinbase/x402/blob/main/specs/transports-v2/http.md>) and
//! needs three things a general `no_std` deserializer does not give:
//!
//! - **Byte-exact raw slices of nested values.** `extra`, `extensions`, v2 `accepted` and the
//!   scheme `payload` must be echoed or compared as they were received (a v2 client echoes the
//!   requirement it chose as `accepted`, and the reference server matches it by deep equality;
//!   <https://github.com/coinbase/x402/blob/main/specs/x402-specification-v2.md>, `PaymentPayload`).
//!   `serde-json-core` 0.7 cannot hand back the raw text of a nested value and has no
//!   `deserialize_any`.
//! - **Strict validation.** `serde-json-core` skips ignored values with a scanner that
//!   accepts illegal JSON; here every byte of a document is checked against the RFC 8259
//!   grammar, including the parts nobody reads.
//! - **Duplicate-key rejection at every depth**, with keys compared after unescaping
//!   (`"a"` and `"\u0061"` collide), so two peers can never read different values out of
//!   one document.
//!
//! # Shape
//!
//! bytes → [`RawValue::parse`] (validates once) → borrowed accessors and infallible
//! iterators ([`RawValue::get`], [`RawValue::members`], [`RawValue::elements`],
//! [`JsonStr`]) → [`Object`] and [`Field`], the typed member readers every protocol decoder
//! uses, failing with one error, [`FieldIssue`] → [`values_equal`] for the x402 matching
//! rule; and typed values →
//! [`ObjectWriter`] / [`ArrayWriter`] / [`write_minified`] → the caller's [`Writer`].
//!
//! Validation is iterative: nothing in this module recurses on the input except
//! [`values_equal`], whose depth is bounded by the validated nesting depth. Nesting is capped
//! by [`Limits::max_depth`] and, whatever that says, by [`MAX_DEPTH_CEILING`].
//!
//! # Example
//!
//! ```
//! use pay402::json::{ObjectWriter, RawValue, values_equal};
//! use pay402::writer::Writer;
//!
//! let doc = RawValue::parse(br#"{"x402Version":2,"accepted":{"scheme":"exact","extra":{"name":"USDC"}}}"#)?;
//! assert_eq!(doc.get("x402Version").and_then(|v| v.as_u64()), Some(2));
//! let accepted = doc.get("accepted").unwrap();
//! assert_eq!(accepted.as_text(), r#"{"scheme":"exact","extra":{"name":"USDC"}}"#);
//! assert!(accepted.get("scheme").and_then(|s| s.as_str()).is_some_and(|s| s == "exact"));
//!
//! let offer = RawValue::parse(br#"{ "extra": {"name": "USDC"}, "scheme": "exact" }"#)?;
//! assert!(values_equal(&accepted, &offer));
//!
//! let mut buf = [0u8; 128];
//! let mut w = Writer::new(&mut buf);
//! let mut o = ObjectWriter::begin(&mut w).unwrap();
//! o.field_u64("x402Version", 2).unwrap();
//! o.field_raw("accepted", &offer).unwrap();
//! o.end().unwrap();
//! assert_eq!(w.written(), br#"{"x402Version":2,"accepted":{"extra":{"name":"USDC"},"scheme":"exact"}}"#);
//! # Ok::<(), pay402::json::JsonError>(())
//! ```
//!
//! [`Writer`]: crate::writer::Writer

mod cursor;
mod equal;
mod error;
mod number;
mod object;
mod parse;
mod string;
mod value;
mod write;

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly on purpose"
)]
mod tests;

pub use equal::values_equal;
pub use error::{JsonError, JsonErrorKind};
pub use object::{Field, FieldIssue, FieldIssueKind, MAX_PARSED_TEXT, Object};
pub use string::{Chars, JsonStr};
pub use value::{Elements, Kind, Members, RawValue};
pub use write::{
    ArrayWriter, ObjectWriter, write_display, write_json_str, write_minified, write_string,
    write_u64,
};

/// The hard upper bound on nesting depth, whatever [`Limits::max_depth`] asks for.
///
/// The validator keeps one bit per open array or object in a fixed 32-byte stack, so it can
/// never recurse or allocate; 256 levels is far beyond any x402 document.
pub const MAX_DEPTH_CEILING: usize = 256;

/// Resource limits for [`RawValue::parse_with`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Maximum nesting of arrays and objects: `0` allows only scalars, `1` allows `[1]` but
    /// not `[[1]]`. Values above [`MAX_DEPTH_CEILING`] act as the ceiling. Default: 32.
    pub max_depth: usize,
}

impl Limits {
    /// The default limits: `max_depth` 32.
    pub const DEFAULT: Self = Self { max_depth: 32 };
}

impl Default for Limits {
    /// Same as [`Limits::DEFAULT`].
    fn default() -> Self {
        Self::DEFAULT
    }
}
