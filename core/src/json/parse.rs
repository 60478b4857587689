//! Strict validation of a whole JSON document (RFC 8259).
//!
//! Two passes, both iterative (no recursion, so no input can exhaust the stack):
//!
//! 1. **Grammar.** A state machine over the bytes. The kind of every open container (array
//!    or object) is kept in a fixed bit stack of [`MAX_DEPTH_CEILING`] bits (32 bytes), which
//!    is why depth is capped at that ceiling whatever [`Limits::max_depth`] says.
//! 2. **Duplicate keys.** Only for documents that passed 1: every object, at every depth, is
//!    walked member by member and each key is compared (decoded) with the keys before it.
//!    O(k²) key comparisons per object with `k` members, no storage at all.
//!
//! Grammar errors are therefore reported before duplicate keys, whatever their offsets.

use super::cursor::{Cursor, is_ws};
use super::error::{JsonError, JsonErrorKind};
use super::number::scan_number;
use super::string::{JsonStr, scan_string};
use super::{Limits, MAX_DEPTH_CEILING};

/// Validates `input` as one JSON document and returns the value's text without the
/// surrounding whitespace.
pub(crate) fn validate<'a>(input: &'a [u8], limits: &Limits) -> Result<&'a str, JsonError> {
    let text = core::str::from_utf8(input)
        .map_err(|e| JsonError::new(JsonErrorKind::InvalidUtf8, e.valid_up_to()))?;
    let (start, end) = grammar(text.as_bytes(), limits.max_depth.min(MAX_DEPTH_CEILING))?;
    let value = text
        .get(start..end)
        .ok_or(JsonError::new(JsonErrorKind::Syntax, start))?;
    reject_duplicate_keys(value, start)?;
    Ok(value)
}

/// The kinds of the open containers, one bit per level (set = object).
struct Stack {
    bits: [u64; MAX_DEPTH_CEILING / 64],
    depth: usize,
}

impl Stack {
    fn push(&mut self, object: bool, max_depth: usize, at: usize) -> Result<(), JsonError> {
        let too_deep = JsonError::new(JsonErrorKind::TooDeep, at);
        if self.depth >= max_depth {
            return Err(too_deep);
        }
        let word = self.bits.get_mut(self.depth / 64).ok_or(too_deep)?;
        let mask = 1u64 << (self.depth % 64);
        if object {
            *word |= mask;
        } else {
            *word &= !mask;
        }
        self.depth = self.depth.saturating_add(1);
        Ok(())
    }

    fn pop(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// `Some(true)` inside an object, `Some(false)` inside an array, `None` at top level.
    fn in_object(&self) -> Option<bool> {
        let top = self.depth.checked_sub(1)?;
        let word = self.bits.get(top / 64)?;
        Some(word & (1u64 << (top % 64)) != 0)
    }
}

/// What the grammar expects next.
#[derive(Clone, Copy)]
enum Expect {
    /// A value (top level, after `[`/`,` in an array, after `:`).
    Value,
    /// A value or `]` (just after `[`).
    ValueOrEnd,
    /// A key or `}` (just after `{`).
    KeyOrEnd,
    /// A key (after `,` in an object).
    Key,
    /// `,` or the close bracket of the current container, or the end of input at top level.
    AfterValue,
}

/// Pass 1: returns the start and end offsets of the one top-level value.
fn grammar(bytes: &[u8], max_depth: usize) -> Result<(usize, usize), JsonError> {
    let error = |kind, at| Err(JsonError::new(kind, at));
    let mut stack = Stack {
        bits: [0; MAX_DEPTH_CEILING / 64],
        depth: 0,
    };
    let mut i = skip_ws(bytes, 0);
    let start = i;
    if i >= bytes.len() {
        return error(JsonErrorKind::Empty, i);
    }
    let mut expect = Expect::Value;
    loop {
        i = skip_ws(bytes, i);
        let Some(&b) = bytes.get(i) else {
            if stack.depth == 0 && matches!(expect, Expect::AfterValue) {
                return Ok((start, trim_end(bytes, i)));
            }
            return error(JsonErrorKind::UnexpectedEnd, i);
        };
        expect = match expect {
            Expect::Value | Expect::ValueOrEnd => match b {
                b']' if matches!(expect, Expect::ValueOrEnd) => {
                    stack.pop();
                    i = i.saturating_add(1);
                    Expect::AfterValue
                }
                b'[' => {
                    stack.push(false, max_depth, i)?;
                    i = i.saturating_add(1);
                    Expect::ValueOrEnd
                }
                b'{' => {
                    stack.push(true, max_depth, i)?;
                    i = i.saturating_add(1);
                    Expect::KeyOrEnd
                }
                b'"' => {
                    i = scan_string(bytes, i)?;
                    Expect::AfterValue
                }
                b'-' | b'0'..=b'9' | b'+' | b'.' => {
                    i = scan_number(bytes, i)?;
                    Expect::AfterValue
                }
                b't' => literal(bytes, i, b"true", &mut i)?,
                b'f' => literal(bytes, i, b"false", &mut i)?,
                b'n' => literal(bytes, i, b"null", &mut i)?,
                _ => return error(JsonErrorKind::Syntax, i),
            },
            Expect::KeyOrEnd | Expect::Key => match b {
                b'}' if matches!(expect, Expect::KeyOrEnd) => {
                    stack.pop();
                    i = i.saturating_add(1);
                    Expect::AfterValue
                }
                b'"' => {
                    i = skip_ws(bytes, scan_string(bytes, i)?);
                    match bytes.get(i) {
                        Some(b':') => i = i.saturating_add(1),
                        Some(_) => return error(JsonErrorKind::Syntax, i),
                        None => return error(JsonErrorKind::UnexpectedEnd, i),
                    }
                    Expect::Value
                }
                _ => return error(JsonErrorKind::Syntax, i),
            },
            Expect::AfterValue => {
                let Some(in_object) = stack.in_object() else {
                    return error(JsonErrorKind::TrailingCharacters, i);
                };
                i = i.saturating_add(1);
                match (b, in_object) {
                    (b',', true) => Expect::Key,
                    (b',', false) => Expect::Value,
                    (b'}', true) | (b']', false) => {
                        stack.pop();
                        Expect::AfterValue
                    }
                    _ => return error(JsonErrorKind::Syntax, i.saturating_sub(1)),
                }
            }
        };
    }
}

/// Checks the literal `word` at `at`, moves `i` past it.
fn literal(bytes: &[u8], at: usize, word: &[u8], i: &mut usize) -> Result<Expect, JsonError> {
    let end = at.saturating_add(word.len());
    match bytes.get(at..end) {
        Some(found) if found == word => {
            *i = end;
            Ok(Expect::AfterValue)
        }
        _ => {
            // The first byte that differs; if none differs the input ended early.
            let present = bytes.get(at..).unwrap_or_default();
            let same = present.iter().zip(word).take_while(|(a, b)| a == b).count();
            let kind = if same == present.len() {
                JsonErrorKind::UnexpectedEnd
            } else {
                JsonErrorKind::Syntax
            };
            Err(JsonError::new(kind, at.saturating_add(same)))
        }
    }
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).copied().is_some_and(is_ws) {
        i = i.saturating_add(1);
    }
    i
}

fn trim_end(bytes: &[u8], mut end: usize) -> usize {
    while end > 0 && bytes.get(end.saturating_sub(1)).copied().is_some_and(is_ws) {
        end = end.saturating_sub(1);
    }
    end
}

/// Pass 2: visits every `{` outside strings and compares each key with the keys before it.
/// `base` is the offset of `text` in the input, for error offsets.
fn reject_duplicate_keys(text: &str, base: usize) -> Result<(), JsonError> {
    let bytes = text.as_bytes();
    let mut i = 0usize;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                let mut cursor = Cursor::new(text, i);
                if cursor.string_content().is_none() {
                    return Ok(()); // impossible after pass 1
                }
                i = cursor.pos();
                continue;
            }
            b'{' => check_object(text, i.saturating_add(1), base)?,
            _ => {}
        }
        i = i.saturating_add(1);
    }
    Ok(())
}

/// How many keys of one object [`check_object`] remembers on the stack; keys beyond it are
/// compared by walking the object again (slower, same verdict).
const KEY_CACHE: usize = 32;

fn check_object(text: &str, body: usize, base: usize) -> Result<(), JsonError> {
    let mut members = Cursor::new(text, body);
    let mut seen: [&str; KEY_CACHE] = [""; KEY_CACHE];
    let mut index = 0usize;
    while let Some((key_at, key, _)) = members.next_member() {
        let cached = index.min(KEY_CACHE);
        let duplicate = seen
            .get(..cached)
            .unwrap_or_default()
            .iter()
            .any(|p| same_key(p, key))
            || (index > KEY_CACHE && seen_after_cache(text, body, index, key));
        if duplicate {
            return Err(JsonError::new(
                JsonErrorKind::DuplicateKey,
                base.saturating_add(key_at),
            ));
        }
        if let Some(slot) = seen.get_mut(index) {
            *slot = key;
        }
        index = index.saturating_add(1);
    }
    Ok(())
}

/// Keys compare after unescaping; keys without escapes (nearly all) compare as bytes.
fn same_key(a: &str, b: &str) -> bool {
    if a.contains('\\') || b.contains('\\') {
        JsonStr::Escaped(a) == JsonStr::Escaped(b)
    } else {
        a == b
    }
}

/// Whether `key` equals one of the members `KEY_CACHE..index` of the object at `body`.
fn seen_after_cache(text: &str, body: usize, index: usize, key: &str) -> bool {
    let mut earlier = Cursor::new(text, body);
    for position in 0..index {
        match earlier.next_member() {
            Some((_, previous, _)) if position >= KEY_CACHE && same_key(previous, key) => {
                return true;
            }
            Some(_) => {}
            None => return false,
        }
    }
    false
}
