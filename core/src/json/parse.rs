//! Strict validation of a whole JSON document (RFC 8259).
//!
//! Iterative (no recursion, so no input can exhaust the stack):
//!
//! 1. **Grammar.** A state machine over the bytes. The kind of every open container (array
//!    or object) is kept in a fixed bit stack of [`MAX_DEPTH_CEILING`] bits (32 bytes), which
//!    is why depth is capped at that ceiling whatever [`Limits::max_depth`] says. The same pass
//!    compares each key (decoded) with the keys before it in its object, for as long as the
//!    keys of the open objects fit a fixed stack ([`KEY_STACK`] keys, objects nested at most
//!    [`KEY_DEPTH`] levels): it remembers the first duplicate of the object that opens first.
//! 2. **Duplicate keys, second pass.** Only for documents that passed 1 and did not fit that
//!    stack: every object, at every depth, is walked member by member and each key is compared
//!    with the keys before it. O(k²) key comparisons per object with `k` members.
//!
//! Either way the verdict is the same: grammar errors are reported before duplicate keys,
//! whatever their offsets, and of several objects with duplicate keys the one whose `{` comes
//! first is reported, at its first key that repeats an earlier one.

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
    let mut keys = Keys::new();
    let (start, end) = grammar(text, limits.max_depth.min(MAX_DEPTH_CEILING), &mut keys)?;
    let value = text
        .get(start..end)
        .ok_or(JsonError::new(JsonErrorKind::Syntax, start))?;
    if keys.overflow {
        reject_duplicate_keys(value, start)?;
    } else if let Some((_, key_at)) = keys.first_duplicate {
        return Err(JsonError::new(JsonErrorKind::DuplicateKey, key_at));
    }
    Ok(value)
}

/// How many keys of the open objects the grammar pass keeps to find duplicates.
const KEY_STACK: usize = 32;
/// How deep an object may be nested for the grammar pass to track its keys.
const KEY_DEPTH: usize = 16;

/// The keys of the open objects, innermost last (see the module documentation).
struct Keys<'t> {
    seen: [&'t str; KEY_STACK],
    /// Bit `i`: `seen[i]` contains a backslash escape.
    escaped: u32,
    len: usize,
    /// Per nesting depth: where the keys of the object open at that depth start in `keys`,
    /// and the offset of its `{`.
    starts: [(usize, usize); KEY_DEPTH],
    /// Set when the keys did not fit: the second pass decides.
    overflow: bool,
    /// (offset of the object's `{`, offset of the repeated key's opening quote).
    first_duplicate: Option<(usize, usize)>,
}

impl<'t> Keys<'t> {
    fn new() -> Self {
        Self {
            seen: [""; KEY_STACK],
            escaped: 0,
            len: 0,
            starts: [(0, 0); KEY_DEPTH],
            overflow: false,
            first_duplicate: None,
        }
    }

    /// An object opens at `at`, at nesting depth `depth` (0 for the top level).
    fn open(&mut self, depth: usize, at: usize) {
        match self.starts.get_mut(depth) {
            Some(slot) => *slot = (self.len, at),
            None => self.overflow = true,
        }
    }

    /// The object at nesting depth `depth` closes: its keys are forgotten.
    fn close(&mut self, depth: usize) {
        if let Some(&(start, _)) = self.starts.get(depth) {
            self.len = start;
        }
    }

    /// The key `key` (escaped content, its opening quote at `at`) of the object at `depth`.
    fn key(&mut self, depth: usize, key: &'t str, at: usize) {
        if self.overflow {
            return;
        }
        let Some(&(start, open)) = self.starts.get(depth) else {
            self.overflow = true;
            return;
        };
        let escaped = key.as_bytes().contains(&b'\\');
        let earlier = self.seen.get(start..self.len).unwrap_or_default();
        let repeated = earlier.iter().enumerate().any(|(i, previous)| {
            let previous_escaped = self.escaped & (1u32 << (start.saturating_add(i) % 32)) != 0;
            if escaped || previous_escaped {
                JsonStr::Escaped(previous) == JsonStr::Escaped(key)
            } else {
                *previous == key
            }
        });
        if repeated && self.first_duplicate.is_none_or(|(first, _)| open < first) {
            self.first_duplicate = Some((open, at));
        }
        match self.seen.get_mut(self.len) {
            Some(slot) => {
                *slot = key;
                let bit = 1u32 << (self.len % 32);
                if escaped {
                    self.escaped |= bit;
                } else {
                    self.escaped &= !bit;
                }
                self.len = self.len.saturating_add(1);
            }
            None => self.overflow = true,
        }
    }
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

/// Pass 1: returns the start and end offsets of the one top-level value; `keys` learns the
/// object keys.
fn grammar<'t>(
    text: &'t str,
    max_depth: usize,
    keys: &mut Keys<'t>,
) -> Result<(usize, usize), JsonError> {
    let bytes = text.as_bytes();
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
                    keys.open(stack.depth, i);
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
                    keys.close(stack.depth);
                    i = i.saturating_add(1);
                    Expect::AfterValue
                }
                b'"' => {
                    let key_at = i;
                    let after = scan_string(bytes, i)?;
                    let content = text
                        .get(key_at.saturating_add(1)..after.saturating_sub(1))
                        .unwrap_or_default();
                    keys.key(stack.depth.saturating_sub(1), content, key_at);
                    i = skip_ws(bytes, after);
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
                    (b'}', true) => {
                        stack.pop();
                        keys.close(stack.depth);
                        Expect::AfterValue
                    }
                    (b']', false) => {
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

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly on purpose")]
mod tests {
    use super::*;

    /// The verdict of the two separate passes (grammar, then the second duplicate-key pass on
    /// every object), which the one-pass key tracking must reproduce.
    fn two_pass(input: &[u8]) -> Result<&str, JsonError> {
        let text = core::str::from_utf8(input)
            .map_err(|e| JsonError::new(JsonErrorKind::InvalidUtf8, e.valid_up_to()))?;
        let mut keys = Keys::new();
        keys.overflow = true;
        let (start, end) = grammar(text, 32, &mut keys)?;
        let value = text.get(start..end).unwrap();
        reject_duplicate_keys(value, start)?;
        Ok(value)
    }

    /// A fixed buffer (the crate has no allocator); `full` once something did not fit.
    struct Doc {
        bytes: [u8; 16_384],
        len: usize,
        full: bool,
    }

    impl Doc {
        fn push(&mut self, s: &str) {
            match self.bytes.get_mut(self.len..self.len + s.len()) {
                Some(slot) => {
                    slot.copy_from_slice(s.as_bytes());
                    self.len += s.len();
                }
                None => self.full = true,
            }
        }
    }

    /// A deterministic generator of small documents full of objects whose keys collide,
    /// directly or through escapes, nested up to past [`KEY_DEPTH`] and wider than
    /// [`KEY_STACK`].
    struct Gen(u64);

    const KEYS: [&str; 12] = [
        "\"a\"",
        "\"\\u0061\"",
        "\"b\"",
        "\"\\u0062\"",
        "\"k4\"",
        "\"k5\"",
        "\"k6\"",
        "\"k7\"",
        "\"k8\"",
        "\"k9\"",
        "\"k10\"",
        "\"k11\"",
    ];
    const WIDE_KEYS: [&str; 40] = [
        "\"a\"",
        "\"\\u0061\"",
        "\"b\"",
        "\"\\u0062\"",
        "\"w4\"",
        "\"w5\"",
        "\"w6\"",
        "\"w7\"",
        "\"w8\"",
        "\"w9\"",
        "\"w10\"",
        "\"w11\"",
        "\"w12\"",
        "\"w13\"",
        "\"w14\"",
        "\"w15\"",
        "\"w16\"",
        "\"w17\"",
        "\"w18\"",
        "\"w19\"",
        "\"w20\"",
        "\"w21\"",
        "\"w22\"",
        "\"w23\"",
        "\"w24\"",
        "\"w25\"",
        "\"w26\"",
        "\"w27\"",
        "\"w28\"",
        "\"w29\"",
        "\"w30\"",
        "\"w31\"",
        "\"w32\"",
        "\"w33\"",
        "\"w34\"",
        "\"w35\"",
        "\"w36\"",
        "\"w37\"",
        "\"w38\"",
        "\"w39\"",
    ];

    impl Gen {
        fn next(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            usize::try_from(self.0 % n as u64).unwrap()
        }

        fn value(&mut self, out: &mut Doc, depth: usize) {
            if out.full || out.len > 2_000 {
                out.push("0");
                return;
            }
            match self.next(if depth > 20 { 2 } else { 5 }) {
                0 => out.push("1"),
                1 => out.push("\"v\""),
                2 | 3 => {
                    out.push("{");
                    let wide = self.next(16) == 0;
                    let members = if wide {
                        30 + self.next(10)
                    } else {
                        self.next(4)
                    };
                    for m in 0..members {
                        if m > 0 {
                            out.push(",");
                        }
                        let key = if wide {
                            WIDE_KEYS[self.next(WIDE_KEYS.len())]
                        } else {
                            KEYS[self.next(KEYS.len())]
                        };
                        out.push(key);
                        out.push(":");
                        self.value(out, depth + 1);
                    }
                    out.push("}");
                }
                _ => {
                    out.push("[");
                    for e in 0..self.next(3) {
                        if e > 0 {
                            out.push(",");
                        }
                        self.value(out, depth + 1);
                    }
                    out.push("]");
                }
            }
        }
    }

    #[test]
    fn one_pass_duplicate_keys_agree_with_two_passes() {
        let mut generator = Gen(0x9E37_79B9_7F4A_7C15);
        let mut duplicates = 0;
        for _ in 0..20_000 {
            let mut doc = Doc {
                bytes: [0; 16_384],
                len: 0,
                full: false,
            };
            generator.value(&mut doc, 0);
            if doc.full {
                continue;
            }
            let input = &doc.bytes[..doc.len];
            let one = validate(input, &Limits { max_depth: 32 });
            assert_eq!(
                one.map_err(|e| (e.kind(), e.offset())),
                two_pass(input).map_err(|e| (e.kind(), e.offset())),
                "{}",
                core::str::from_utf8(input).unwrap()
            );
            duplicates += usize::from(one.is_err());
        }
        // The generator must exercise both verdicts.
        assert!(duplicates > 1_000, "{duplicates}");
    }
}
