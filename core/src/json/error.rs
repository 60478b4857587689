//! The one error type of the JSON layer.

use crate::error::ErrorCode;

/// What was wrong with a JSON document.
///
/// Every kind has a stable `snake_case` code (see [`JsonErrorKind::code`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JsonErrorKind {
    /// The input holds no value at all (empty, or only whitespace). Code `json_empty`.
    Empty,
    /// The input is not valid UTF-8. Code `json_invalid_utf8`.
    InvalidUtf8,
    /// A byte that the JSON grammar does not allow at this place (includes a leading
    /// byte-order mark, unknown literals such as `NaN`, trailing commas and mismatched
    /// brackets). Code `json_syntax`.
    Syntax,
    /// The input ends in the middle of a value. Code `json_unexpected_end`.
    UnexpectedEnd,
    /// Something other than whitespace follows the one top-level value.
    /// Code `json_trailing_characters`.
    TrailingCharacters,
    /// Arrays and objects are nested deeper than [`super::Limits::max_depth`].
    /// Code `json_too_deep`.
    TooDeep,
    /// An object has two members whose keys are equal after unescaping.
    /// Code `json_duplicate_key`.
    DuplicateKey,
    /// A backslash escape that RFC 8259 does not define, a `\u` escape without four hex
    /// digits, or a lone or misordered UTF-16 surrogate. Code `json_invalid_escape`.
    InvalidEscape,
    /// An unescaped control character (U+0000 to U+001F) inside a string.
    /// Code `json_control_character`.
    ControlCharacter,
    /// A number that breaks the RFC 8259 number grammar (leading zero, `+` sign, missing
    /// digits, hex, ...). Code `json_invalid_number`.
    InvalidNumber,
}

impl JsonErrorKind {
    /// The stable `snake_case` code of this kind, e.g. `"json_duplicate_key"`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Empty => "json_empty",
            Self::InvalidUtf8 => "json_invalid_utf8",
            Self::Syntax => "json_syntax",
            Self::UnexpectedEnd => "json_unexpected_end",
            Self::TrailingCharacters => "json_trailing_characters",
            Self::TooDeep => "json_too_deep",
            Self::DuplicateKey => "json_duplicate_key",
            Self::InvalidEscape => "json_invalid_escape",
            Self::ControlCharacter => "json_control_character",
            Self::InvalidNumber => "json_invalid_number",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Empty => "no JSON value in the input",
            Self::InvalidUtf8 => "invalid UTF-8",
            Self::Syntax => "JSON syntax error",
            Self::UnexpectedEnd => "JSON input ends in the middle of a value",
            Self::TrailingCharacters => "characters after the JSON value",
            Self::TooDeep => "JSON arrays and objects nested too deeply",
            Self::DuplicateKey => "duplicate key in a JSON object",
            Self::InvalidEscape => "invalid escape in a JSON string",
            Self::ControlCharacter => "unescaped control character in a JSON string",
            Self::InvalidNumber => "invalid JSON number",
        }
    }
}

/// A JSON document was rejected: what was wrong ([`JsonError::kind`]) and at which byte
/// offset of the input ([`JsonError::offset`]).
///
/// `Display` reads like `duplicate key in a JSON object at byte 9`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct JsonError {
    kind: JsonErrorKind,
    offset: usize,
}

impl JsonError {
    pub(crate) fn new(kind: JsonErrorKind, offset: usize) -> Self {
        Self { kind, offset }
    }

    /// What was wrong.
    pub fn kind(&self) -> JsonErrorKind {
        self.kind
    }

    /// Byte offset into the input given to the parser where the problem was found.
    ///
    /// For [`JsonErrorKind::DuplicateKey`] this is the opening quote of the second key; for
    /// [`JsonErrorKind::InvalidUtf8`] the first byte that is not valid UTF-8; for
    /// [`JsonErrorKind::TooDeep`] the bracket that opened one level too many.
    pub fn offset(&self) -> usize {
        self.offset
    }
}

impl core::fmt::Display for JsonError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} at byte {}", self.kind.describe(), self.offset)
    }
}

impl ErrorCode for JsonError {
    fn code(&self) -> &'static str {
        self.kind.code()
    }
}

impl core::error::Error for JsonError {}
