//! [`Object`] and [`Field`]: typed, named reading of the members of a JSON object, shared by
//! every wire format of the crate (x402, Fewsats offers, WS402, the developer sandbox), and
//! [`FieldIssue`], the one error they report.
//!
//! # Reading rules
//!
//! - A member whose value is `null` counts as absent: peers write `"extra": null` for a field
//!   they have no value for.
//! - Unknown members are ignored. Duplicate keys never reach this layer: [`RawValue::parse`]
//!   refuses them at every depth.
//! - Amounts ([`Field::amount`]) are unsigned integers written as a decimal string or as a JSON
//!   integer (RFC 8259 §6, <https://www.rfc-editor.org/rfc/rfc8259#section-6>); leading zeros
//!   in a string are allowed (`"007"` is 7, as JavaScript's `BigInt("007")` reads it); a
//!   fraction, an exponent, a sign or a hex string is refused.
//! - Strings that are parsed further (amounts, addresses, 32-byte hex values) are at most
//!   [`MAX_PARSED_TEXT`] bytes once decoded; longer ones are refused before any parsing.
//! - Every failure is a [`FieldIssue`] naming the member. Each protocol maps it into its own
//!   error type once (`From<FieldIssue>`); the field name travels with it.
//!
//! # Example
//!
//! ```
//! use pay402::json::{FieldIssue, FieldIssueKind, Object, RawValue};
//! use pay402::u256::U256Error;
//! use pay402::ErrorCode;
//!
//! let doc = RawValue::parse(br#"{"scheme":"exact","amount":"10000","extra":null,"maxTimeoutSeconds":60}"#)?;
//! let obj = Object::new(doc).ok_or(FieldIssue::wrong_type("body"))?;
//! assert_eq!(obj.field("scheme").str()?, "exact");
//! assert_eq!(obj.field("amount").amount()?, pay402::U256::from_u64(10_000));
//! assert_eq!(obj.field("maxTimeoutSeconds").u64()?, 60);
//! assert!(obj.field("extra").opt_raw_object()?.is_none()); // `null` is absent
//!
//! let issue = obj.field("payTo").str().unwrap_err();
//! assert_eq!((issue.key(), issue.kind()), ("payTo", FieldIssueKind::Missing));
//! assert_eq!(issue.code(), "missing_field");
//!
//! let big = RawValue::parse(br#"{"amount":"115792089237316195423570985008687907853269984665640564039457584007913129639936"}"#)?;
//! let issue = Object::new(big).unwrap().field("amount").amount().unwrap_err();
//! assert_eq!(issue.kind(), FieldIssueKind::Amount(U256Error::Overflow));
//! assert_eq!((issue.code(), issue.detail_code()), ("invalid_value", Some("u256_overflow")));
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use super::{Elements, JsonStr, Kind, RawValue};
use crate::error::ErrorCode;
#[cfg(feature = "evm")]
use crate::evm::{Address, AddressError};
use crate::hex::HexError;
use crate::u256::{LeadingZeros, U256, U256Error};
use core::fmt;

/// The longest decoded text accepted for a string that is parsed further: an amount, an EVM
/// address, a 32-byte hex value. The longest valid one (a uint256 in hex, `0x` + 64 digits) is
/// 66 bytes; the rest is room for leading zeros.
pub const MAX_PARSED_TEXT: usize = 160;

/// How many members one [`Object`] indexes in its single walk. An object with more members is
/// still read correctly: lookups that miss the index walk the object again.
const INDEXED_MEMBERS: usize = 24;

/// What is wrong with one member of a JSON object, and which member.
///
/// Every typed reader of [`Field`] (and so of [`Object`]) returns this. Protocol modules map
/// it into their own error once: x402's `DecodeError` keeps the precise kind, the Fewsats
/// offers, WS402 and sandbox errors carry it whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FieldIssue {
    key: &'static str,
    kind: FieldIssueKind,
}

/// The kind of a [`FieldIssue`].
///
/// [`FieldIssue::code`] is one of three stable codes (`missing_field`, `wrong_type`,
/// `invalid_value`); the kinds that wrap a parser's error also give that error's code as
/// [`FieldIssue::detail_code`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldIssueKind {
    /// A required member is absent or `null` (or `""` where [`Field::nonempty_str`] reads it).
    /// Code `missing_field`.
    Missing,
    /// The member has the wrong JSON type (a number where a string is required, …).
    /// Code `wrong_type`.
    WrongType,
    /// The member has the right type but a value that is not allowed (a zero timeout, an
    /// integer that does not fit a `u64`, a fraction where an integer is required).
    /// Code `invalid_value`.
    InvalidValue,
    /// A string that is parsed further is longer than `limit` bytes once decoded.
    /// Code `invalid_value`, detail `value_too_long`.
    TooLong {
        /// The limit in bytes ([`MAX_PARSED_TEXT`]).
        limit: usize,
    },
    /// An amount or other uint256 is malformed or does not fit 256 bits.
    /// Code `invalid_value`, detail the [`U256Error`] code (`u256_overflow`, …).
    Amount(U256Error),
    /// An EVM address is malformed. Code `invalid_value`, detail the [`AddressError`] code.
    #[cfg(feature = "evm")]
    Address(AddressError),
    /// A hex value is malformed. Code `invalid_value`, detail the [`HexError`] code.
    Hex(HexError),
}

impl FieldIssue {
    /// The issue `kind` at member `key`.
    pub const fn new(key: &'static str, kind: FieldIssueKind) -> Self {
        Self { key, kind }
    }

    /// Member `key` is required and absent.
    pub const fn missing(key: &'static str) -> Self {
        Self::new(key, FieldIssueKind::Missing)
    }

    /// Member `key` has the wrong JSON type.
    pub const fn wrong_type(key: &'static str) -> Self {
        Self::new(key, FieldIssueKind::WrongType)
    }

    /// Member `key` has a value that is not allowed.
    pub const fn invalid_value(key: &'static str) -> Self {
        Self::new(key, FieldIssueKind::InvalidValue)
    }

    /// The member's key as the reader was asked for it (for aliases, the one that matched).
    pub const fn key(&self) -> &'static str {
        self.key
    }

    /// What is wrong.
    pub const fn kind(&self) -> FieldIssueKind {
        self.kind
    }
}

impl ErrorCode for FieldIssue {
    fn code(&self) -> &'static str {
        match self.kind {
            FieldIssueKind::Missing => "missing_field",
            FieldIssueKind::WrongType => "wrong_type",
            FieldIssueKind::InvalidValue
            | FieldIssueKind::TooLong { .. }
            | FieldIssueKind::Amount(_)
            | FieldIssueKind::Hex(_) => "invalid_value",
            #[cfg(feature = "evm")]
            FieldIssueKind::Address(_) => "invalid_value",
        }
    }

    /// The code of the parser error behind an `invalid_value` (`u256_overflow`,
    /// `address_missing_prefix`, `value_too_long`, …); `None` for the other kinds.
    fn detail_code(&self) -> Option<&'static str> {
        match &self.kind {
            FieldIssueKind::Missing | FieldIssueKind::WrongType | FieldIssueKind::InvalidValue => {
                None
            }
            FieldIssueKind::TooLong { .. } => Some("value_too_long"),
            FieldIssueKind::Amount(e) => Some(e.code()),
            #[cfg(feature = "evm")]
            FieldIssueKind::Address(e) => Some(e.code()),
            FieldIssueKind::Hex(e) => Some(e.code()),
        }
    }
}

impl fmt::Display for FieldIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: ", self.key)?;
        match &self.kind {
            FieldIssueKind::Missing => f.write_str("required field is missing"),
            FieldIssueKind::WrongType => f.write_str("field has the wrong JSON type"),
            FieldIssueKind::InvalidValue => f.write_str("value is not allowed"),
            FieldIssueKind::TooLong { limit } => write!(f, "longer than {limit} bytes"),
            FieldIssueKind::Amount(e) => write!(f, "{e}"),
            #[cfg(feature = "evm")]
            FieldIssueKind::Address(e) => write!(f, "{e}"),
            FieldIssueKind::Hex(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for FieldIssue {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match &self.kind {
            FieldIssueKind::Amount(e) => Some(e),
            #[cfg(feature = "evm")]
            FieldIssueKind::Address(e) => Some(e),
            FieldIssueKind::Hex(e) => Some(e),
            _ => None,
        }
    }
}

/// A JSON object whose members were indexed in one walk, so that reading a dozen fields does
/// not walk (and skip over the nested values of) the object a dozen times.
///
/// Read members with [`Object::field`] (or [`Object::field_any`] for a member known under
/// several names) and the typed readers of [`Field`]. For one or two lookups in an object,
/// [`RawValue::field`] does the same without the index.
///
/// ```
/// use pay402::json::{Object, RawValue};
/// let doc = RawValue::parse(br#"{"offer_id":"o1","title":"","amount":"0"}"#)?;
/// let obj = Object::new(doc).unwrap();
/// // An alias: the first of the names that is present.
/// assert_eq!(obj.field_any(&["id", "offer_id"]).str()?, "o1");
/// // Go writes `""` for "not set".
/// assert_eq!(obj.field("title").opt_nonempty_str()?, None);
/// assert_eq!(obj.field("title").opt_str()?.map(|s| s.is_empty()), Some(true));
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Object<'a> {
    raw: RawValue<'a>,
    members: heapless::Vec<(JsonStr<'a>, RawValue<'a>), INDEXED_MEMBERS>,
    complete: bool,
}

impl<'a> Object<'a> {
    /// Indexes `value`'s members; `None` when `value` is not an object.
    pub fn new(value: RawValue<'a>) -> Option<Self> {
        let iter = value.members()?;
        let mut members = heapless::Vec::new();
        let mut complete = true;
        for member in iter {
            if members.push(member).is_err() {
                complete = false;
                break;
            }
        }
        Some(Self {
            raw: value,
            members,
            complete,
        })
    }

    /// Indexes `value`, the value of member (or document part) `key`: a
    /// [`FieldIssueKind::WrongType`] at `key` when it is not an object (`null` included).
    pub fn from_value(value: RawValue<'a>, key: &'static str) -> Result<Self, FieldIssue> {
        Self::new(value).ok_or(FieldIssue::wrong_type(key))
    }

    /// The object as received.
    pub fn raw(&self) -> RawValue<'a> {
        self.raw
    }

    /// The value of member `key` as written, `null` included; `None` when there is none.
    pub fn get(&self, key: &str) -> Option<RawValue<'a>> {
        // Keys come from the parser: validated escapes.
        match self.members.iter().find(|(k, _)| k.eq_str_validated(key)) {
            Some((_, value)) => Some(*value),
            None if self.complete => None,
            None => self.raw.get(key),
        }
    }

    /// Member `key`, for a typed reader; `null` counts as absent.
    pub fn field(&self, key: &'static str) -> Field<'a> {
        Field::new(key, self.get(key))
    }

    /// The value of the member whose decoded key equals `key` (compared as [`JsonStr`]s, so a
    /// key as the parser hands it out, escapes and all); `None` when there is none.
    pub(crate) fn get_key(&self, key: &JsonStr<'_>) -> Option<RawValue<'a>> {
        let found = match key.as_plain() {
            Some(plain) => self.members.iter().find(|(k, _)| k.eq_str_validated(plain)),
            None => self.members.iter().find(|(k, _)| k == key),
        };
        match found {
            Some((_, value)) => Some(*value),
            None if self.complete => None,
            None => self.raw.members()?.find(|(k, _)| k == key).map(|(_, v)| v),
        }
    }

    /// The number of members.
    pub(crate) fn len(&self) -> Option<usize> {
        if self.complete {
            Some(self.members.len())
        } else {
            self.raw.len()
        }
    }

    /// The first present member among `keys` (names of one field in several dialects,
    /// preferred name first). An issue names the key that matched, or the first key when none
    /// is present.
    pub fn field_any(&self, keys: &[&'static str]) -> Field<'a> {
        keys.iter()
            .map(|key| self.field(key))
            .find(Field::is_present)
            .unwrap_or(Field {
                key: keys.first().copied().unwrap_or(""),
                value: None,
            })
    }
}

impl<'a> RawValue<'a> {
    /// Member `key` of this object, for a typed reader; `null` counts as absent, and so does
    /// every member of a value that is not an object. Walks the object once per call: to read
    /// many members, index them once with [`Object::new`].
    ///
    /// ```
    /// use pay402::json::RawValue;
    /// let extra = RawValue::parse(br#"{"name":"USDC","memo":null}"#)?;
    /// assert_eq!(extra.field("name").opt_str()?.map(|s| s == "USDC"), Some(true));
    /// assert_eq!(extra.field("memo").value().map(|v| v.as_text()), None);
    /// # Ok::<(), Box<dyn core::error::Error>>(())
    /// ```
    pub fn field(&self, key: &'static str) -> Field<'a> {
        Field::new(key, self.get(key))
    }
}

/// One member looked up by name: its key (which every [`FieldIssue`] carries) and its value,
/// `null` counting as absent. Made by [`Object::field`], [`Object::field_any`] and
/// [`RawValue::field`]; the typed readers below consume it.
///
/// Required readers (`str`, `amount`, …) give [`FieldIssueKind::Missing`] for an absent member;
/// the `opt_` readers give `Ok(None)`. A present member of the wrong JSON type is
/// [`FieldIssueKind::WrongType`] in both.
#[derive(Clone, Copy, Debug)]
pub struct Field<'a> {
    key: &'static str,
    value: Option<RawValue<'a>>,
}

impl<'a> Field<'a> {
    /// Member `key` with `value` as looked up; a `null` value counts as absent.
    pub fn new(key: &'static str, value: Option<RawValue<'a>>) -> Self {
        Self {
            key,
            value: value.filter(|v| !v.is_null()),
        }
    }

    /// The member's key.
    pub fn key(&self) -> &'static str {
        self.key
    }

    /// The value, `None` when absent or `null`.
    pub fn value(&self) -> Option<RawValue<'a>> {
        self.value
    }

    /// `true` when the member is present and not `null`.
    pub fn is_present(&self) -> bool {
        self.value.is_some()
    }

    fn issue(&self, kind: FieldIssueKind) -> FieldIssue {
        FieldIssue::new(self.key, kind)
    }

    /// The value, of any type; [`FieldIssueKind::Missing`] when absent.
    pub fn required(self) -> Result<RawValue<'a>, FieldIssue> {
        self.value.ok_or(self.issue(FieldIssueKind::Missing))
    }

    /// Applies a required reader (one of the methods below) to a member that may be absent:
    /// `Ok(None)` when it is.
    pub fn optional<T>(
        self,
        read: impl FnOnce(Self) -> Result<T, FieldIssue>,
    ) -> Result<Option<T>, FieldIssue> {
        if self.is_present() {
            read(self).map(Some)
        } else {
            Ok(None)
        }
    }

    /// A required string.
    pub fn str(self) -> Result<JsonStr<'a>, FieldIssue> {
        self.required()?
            .as_str()
            .ok_or(self.issue(FieldIssueKind::WrongType))
    }

    /// An optional string.
    pub fn opt_str(self) -> Result<Option<JsonStr<'a>>, FieldIssue> {
        self.optional(Self::str)
    }

    /// A required non-empty string: `""` counts as absent, as Go's zero value does in the
    /// Fewsats documents (Go emits every field and writes `""` for "not set").
    pub fn nonempty_str(self) -> Result<JsonStr<'a>, FieldIssue> {
        self.opt_nonempty_str()?
            .ok_or(self.issue(FieldIssueKind::Missing))
    }

    /// An optional string, `""` counting as absent ([`Field::nonempty_str`]).
    pub fn opt_nonempty_str(self) -> Result<Option<JsonStr<'a>>, FieldIssue> {
        Ok(self.opt_str()?.filter(|s| !s.is_empty()))
    }

    /// A required boolean.
    pub fn bool(self) -> Result<bool, FieldIssue> {
        self.required()?
            .as_bool()
            .ok_or(self.issue(FieldIssueKind::WrongType))
    }

    /// A required JSON integer (no fraction, exponent or sign) that fits a `u64`. A string is
    /// [`FieldIssueKind::WrongType`]; `1.0`, `-1` or `2^64` is [`FieldIssueKind::InvalidValue`].
    pub fn u64(self) -> Result<u64, FieldIssue> {
        let value = self.required()?;
        if value.kind() != Kind::Number {
            return Err(self.issue(FieldIssueKind::WrongType));
        }
        value
            .as_u64()
            .ok_or(self.issue(FieldIssueKind::InvalidValue))
    }

    /// A required positive [`Field::u64`]: `0` is [`FieldIssueKind::InvalidValue`].
    pub fn positive_u64(self) -> Result<u64, FieldIssue> {
        match self.u64()? {
            0 => Err(self.issue(FieldIssueKind::InvalidValue)),
            n => Ok(n),
        }
    }

    /// A required `u64` written like an amount ([`Field::amount`]: a JSON integer or a
    /// decimal string); a value above `u64::MAX` is [`FieldIssueKind::InvalidValue`].
    pub fn u64_or_string(self) -> Result<u64, FieldIssue> {
        self.amount()?
            .to_u64()
            .ok_or(self.issue(FieldIssueKind::InvalidValue))
    }

    /// A required uint256 amount: a decimal string (leading zeros allowed) or a JSON integer.
    /// Anything else of those two types is [`FieldIssueKind::Amount`] with the parser's error
    /// (`1.5` and `"1e3"` are `u256_invalid_digit`, `"0x10"` too); a longer string than
    /// [`MAX_PARSED_TEXT`] is [`FieldIssueKind::TooLong`].
    pub fn amount(self) -> Result<U256, FieldIssue> {
        let value = self.required()?;
        let mut buf = [0u8; MAX_PARSED_TEXT];
        let digits = match value.kind() {
            Kind::String => self.parsed_text(&mut buf)?,
            Kind::Number => value.as_number().unwrap_or_default(),
            _ => return Err(self.issue(FieldIssueKind::WrongType)),
        };
        U256::parse_decimal(digits.as_bytes(), LeadingZeros::Allow)
            .map_err(|e| self.issue(FieldIssueKind::Amount(e)))
    }

    /// An optional [`Field::amount`].
    pub fn opt_amount(self) -> Result<Option<U256>, FieldIssue> {
        self.optional(Self::amount)
    }

    /// A required uint256 written as an amount ([`Field::amount`]) or as `0x` + 1 to 64 hex
    /// digits (JavaScript's `BigInt()` reads both; the Permit2 `nonce` of the x402 `upto` scheme
    /// is written in hex).
    pub fn uint256(self) -> Result<U256, FieldIssue> {
        let value = self.required()?;
        if value.kind() == Kind::String {
            let mut buf = [0u8; MAX_PARSED_TEXT];
            let text = self.parsed_text(&mut buf)?;
            if text.starts_with("0x") {
                return U256::parse_hex_prefixed(text.as_bytes())
                    .map_err(|e| self.issue(FieldIssueKind::Amount(e)));
            }
        }
        self.amount()
    }

    /// A required EVM address string: `0x` + 40 hex digits, any case (the EIP-55 checksum is
    /// not checked).
    #[cfg(feature = "evm")]
    pub fn address(self) -> Result<Address, FieldIssue> {
        let mut buf = [0u8; MAX_PARSED_TEXT];
        let text = self.parsed_text(&mut buf)?;
        Address::parse(text.as_bytes()).map_err(|e| self.issue(FieldIssueKind::Address(e)))
    }

    /// A required 32-byte value written as `0x` + 64 hex digits, any case.
    pub fn bytes32(self) -> Result<[u8; 32], FieldIssue> {
        let mut buf = [0u8; MAX_PARSED_TEXT];
        let text = self.parsed_text(&mut buf)?;
        crate::hex::strip_0x(text.as_bytes())
            .and_then(crate::hex::decode_array::<32>)
            .map_err(|e| self.issue(FieldIssueKind::Hex(e)))
    }

    /// The decoded text of a required string that is parsed further: borrowed when it has no
    /// escapes (nearly always), otherwise unescaped into `buf`. Longer than
    /// [`MAX_PARSED_TEXT`] bytes is [`FieldIssueKind::TooLong`].
    pub fn parsed_text<'b>(self, buf: &'b mut [u8; MAX_PARSED_TEXT]) -> Result<&'b str, FieldIssue>
    where
        'a: 'b,
    {
        self.str()?
            .text_in(buf)
            .ok_or(self.issue(FieldIssueKind::TooLong {
                limit: MAX_PARSED_TEXT,
            }))
    }

    /// A required array, as its elements.
    pub fn array(self) -> Result<Elements<'a>, FieldIssue> {
        self.required()?
            .elements()
            .ok_or(self.issue(FieldIssueKind::WrongType))
    }

    /// An optional array.
    pub fn opt_array(self) -> Result<Option<Elements<'a>>, FieldIssue> {
        self.optional(Self::array)
    }

    /// A required object, indexed for reading its own members.
    pub fn object(self) -> Result<Object<'a>, FieldIssue> {
        Object::from_value(self.required()?, self.key)
    }

    /// A required object, checked but not indexed: for a value kept raw or handed to another
    /// decoder.
    pub fn raw_object(self) -> Result<RawValue<'a>, FieldIssue> {
        let value = self.required()?;
        if value.kind() == Kind::Object {
            Ok(value)
        } else {
            Err(self.issue(FieldIssueKind::WrongType))
        }
    }

    /// An optional [`Field::raw_object`].
    pub fn opt_raw_object(self) -> Result<Option<RawValue<'a>>, FieldIssue> {
        self.optional(Self::raw_object)
    }
}
