//! Walking text that the parser has already validated.
//!
//! Everything here trusts the grammar only as far as it must to be useful: on text that is
//! not valid JSON it returns `None` or stops early, it never panics and never loops forever.

/// A position in validated JSON text.
#[derive(Clone, Debug)]
pub(crate) struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

pub(crate) fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// The offset of the first byte at or after `from` that is `"`, `\\` or a control character
/// (below 0x20), the bytes that end a plain run of string content; `bytes.len()` when there is
/// none. Eight bytes per step: with `x` the little-endian word, `(x - 0x01..01·n) & !x &
/// 0x80..80` has its lowest set bit in the first byte of `x` below `n` (for `n ≤ 0x80`; borrows
/// only mark bytes above a true one), and a byte equals `c` when the byte of `x ^ c·0x01..01`
/// is below 1 (SWAR, "Bit Twiddling Hacks", <https://graphics.stanford.edu/~seander/bithacks.html#HasLessInWord>).
pub(crate) fn find_special(bytes: &[u8], from: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const QUOTES: u64 = 0x2222_2222_2222_2222;
    const BACKSLASHES: u64 = 0x5C5C_5C5C_5C5C_5C5C;
    const SPACES: u64 = 0x2020_2020_2020_2020;
    let below = |x: u64, n: u64| x.wrapping_sub(n) & !x & HIGH;
    let mut i = from;
    while let Some(Ok(chunk)) = bytes.get(i..i.saturating_add(8)).map(<[u8; 8]>::try_from) {
        let x = u64::from_le_bytes(chunk);
        let hits = below(x ^ QUOTES, ONES) | below(x ^ BACKSLASHES, ONES) | below(x, SPACES);
        if hits != 0 {
            // trailing_zeros / 8 < 8: the index of the first special byte in the word.
            return i
                .saturating_add(usize::try_from(hits.trailing_zeros() / 8).unwrap_or_default());
        }
        i = i.saturating_add(8);
    }
    while let Some(&b) = bytes.get(i) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            return i;
        }
        i = i.saturating_add(1);
    }
    i
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(text: &'a str, pos: usize) -> Self {
        Self { text, pos }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    pub(crate) fn bump(&mut self) {
        self.pos = self.pos.saturating_add(1);
    }

    /// Moves to the end, so every later read sees nothing.
    pub(crate) fn finish(&mut self) {
        self.pos = self.text.len();
    }

    pub(crate) fn skip_ws(&mut self) {
        while self.peek().is_some_and(is_ws) {
            self.bump();
        }
    }

    /// At an opening quote: returns the content between the quotes and moves past the
    /// closing quote.
    pub(crate) fn string_content(&mut self) -> Option<&'a str> {
        if self.peek() != Some(b'"') {
            return None;
        }
        let start = self.pos.saturating_add(1);
        let bytes = self.text.as_bytes();
        let mut i = start;
        loop {
            i = find_special(bytes, i);
            match bytes.get(i)? {
                b'"' => break,
                b'\\' => i = i.saturating_add(2),
                _ => i = i.saturating_add(1),
            }
        }
        let content = self.text.get(start..i)?;
        self.pos = i.saturating_add(1);
        Some(content)
    }

    /// At the first byte of a value: returns the value's text and moves past it.
    pub(crate) fn value(&mut self) -> Option<&'a str> {
        let start = self.pos;
        match self.peek()? {
            b'"' => {
                self.string_content()?;
            }
            b'{' | b'[' => self.skip_container()?,
            b't' | b'n' => self.pos = start.saturating_add(4),
            b'f' => self.pos = start.saturating_add(5),
            _ => {
                while self.peek().is_some_and(|b| {
                    b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E')
                }) {
                    self.bump();
                }
            }
        }
        let text = self.text.get(start..self.pos)?;
        if text.is_empty() { None } else { Some(text) }
    }

    /// At `{` or `[`: moves past the matching close bracket. Needs no stack: in valid JSON,
    /// brackets outside strings balance.
    fn skip_container(&mut self) -> Option<()> {
        let mut depth = 0usize;
        loop {
            match self.peek()? {
                b'"' => {
                    self.string_content()?;
                    continue;
                }
                b'{' | b'[' => depth = depth.saturating_add(1),
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        self.bump();
                        return Some(());
                    }
                }
                _ => {}
            }
            self.bump();
        }
    }

    /// Inside an object (after `{` or after a member): the next member as
    /// (offset of the key's opening quote, key content, value text).
    pub(crate) fn next_member(&mut self) -> Option<(usize, &'a str, &'a str)> {
        self.skip_ws();
        if self.peek() == Some(b',') {
            self.bump();
            self.skip_ws();
        }
        let key_at = self.pos;
        let member = (|| {
            let key = self.string_content()?;
            self.skip_ws();
            (self.peek() == Some(b':')).then_some(())?;
            self.bump();
            self.skip_ws();
            let value = self.value()?;
            Some((key_at, key, value))
        })();
        if member.is_none() {
            self.finish();
        }
        member
    }

    /// Inside an array (after `[` or after an element): the next element's text.
    pub(crate) fn next_element(&mut self) -> Option<&'a str> {
        self.skip_ws();
        if self.peek() == Some(b',') {
            self.bump();
            self.skip_ws();
        }
        if self.peek() == Some(b']') {
            self.finish();
            return None;
        }
        let element = self.value();
        if element.is_none() {
            self.finish();
        }
        element
    }
}
