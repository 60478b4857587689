//! The page template: HTML with five slots, parsed and checked once.

use sha2::{Digest as _, Sha256};

use super::MAX_INLINE_BLOCKS;
use super::error::PageError;

/// A slot of the template, in the context its value is written into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// `{{pay402.lang}}`: an attribute value (`<html lang="{{pay402.lang}}">`).
    Lang,
    /// `{{pay402.title}}`: text (`<title>{{pay402.title}}</title>`).
    Title,
    /// `{{pay402.theme}}`: where elements may start; the core writes one `<style>` element.
    Theme,
    /// `{{pay402.summary}}`: where elements may start; the core writes the server-rendered
    /// summary (logo, title, description, prices), readable without JavaScript.
    Summary,
    /// `{{pay402.data}}`: an attribute value (`<meta name="pay402-page" content="{{pay402.data}}">`):
    /// the base64 of the page data.
    Data,
}

impl Slot {
    /// Every slot, in the order errors report them.
    pub const ALL: [Slot; 5] = [
        Slot::Lang,
        Slot::Title,
        Slot::Theme,
        Slot::Summary,
        Slot::Data,
    ];

    /// The slot's text in a template.
    pub fn marker(self) -> &'static str {
        match self {
            Slot::Lang => "{{pay402.lang}}",
            Slot::Title => "{{pay402.title}}",
            Slot::Theme => "{{pay402.theme}}",
            Slot::Summary => "{{pay402.summary}}",
            Slot::Data => "{{pay402.data}}",
        }
    }
}

const SLOT_PREFIX: &str = "{{pay402.";

/// Whether an inline block is a script or a style.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockKind {
    /// `<script>…</script>`.
    Script,
    /// `<style>…</style>`.
    Style,
}

/// A parsed template: the five slots, each exactly once, and the SHA-256 of every inline
/// `<script>` and `<style>` (for a strict `Content-Security-Policy`, CSP Level 3 §2.3.1
/// hash-source, <https://www.w3.org/TR/CSP3/#grammardef-hash-source>).
///
/// ```
/// use pay402::page::Template;
/// let html = br#"<html lang="{{pay402.lang}}"><title>{{pay402.title}}</title>{{pay402.theme}}
/// <meta name="pay402-page" content="{{pay402.data}}">{{pay402.summary}}<script>go()</script></html>"#;
/// let template = Template::parse(html).unwrap();
/// assert_eq!(template.inline_hashes().count(), 1);
/// let broken = b"<title>{{pay402.title}}</title>";
/// assert_eq!(pay402::ErrorCode::code(&Template::parse(broken).unwrap_err()), "template_slot_missing");
/// ```
#[derive(Clone, Debug)]
pub struct Template<'a> {
    text: &'a str,
    /// Slot offsets in template order.
    slots: [(usize, Slot); 5],
    /// Inline blocks' content: kind, start, length (hashed on demand: writing a page never
    /// hashes).
    blocks: [(BlockKind, usize, usize); MAX_INLINE_BLOCKS],
    block_count: usize,
}

impl<'a> Template<'a> {
    /// Parses `bytes`: UTF-8, every slot of [`Slot::ALL`] exactly once, no other `{{pay402.`
    /// marker, the attribute slots as whole double-quoted values, no slot inside an inline script or style, every inline script and style closed,
    /// at most [`MAX_INLINE_BLOCKS`] of them.
    ///
    /// Errors: `template_not_utf8`, `template_slot_missing`, `template_slot_duplicated`,
    /// `template_slot_unknown`, `template_slot_context_invalid`, `template_inline_block_invalid`,
    /// `template_too_many_inline_blocks`.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, PageError> {
        let text = core::str::from_utf8(bytes).map_err(|_| PageError::TemplateNotUtf8)?;
        let mut found: [Option<usize>; 5] = [None; 5];
        let mut from = 0;
        while let Some(at) = text.get(from..).and_then(|t| t.find(SLOT_PREFIX)) {
            let offset = from + at;
            let rest = text.get(offset..).unwrap_or("");
            let index = Slot::ALL
                .iter()
                .position(|s| rest.starts_with(s.marker()))
                .ok_or(PageError::TemplateSlotUnknown { offset })?;
            let slot = Slot::ALL
                .get(index)
                .copied()
                .ok_or(PageError::TemplateSlotUnknown { offset })?;
            let entry = found
                .get_mut(index)
                .ok_or(PageError::TemplateSlotUnknown { offset })?;
            if entry.is_some() {
                return Err(PageError::TemplateSlotDuplicated {
                    slot: slot.marker(),
                });
            }
            *entry = Some(offset);
            from = offset + slot.marker().len();
        }
        let mut slots = [(0usize, Slot::Lang); 5];
        for ((slot, offset), out) in Slot::ALL.iter().zip(found).zip(slots.iter_mut()) {
            let offset = offset.ok_or(PageError::TemplateSlotMissing {
                slot: slot.marker(),
            })?;
            *out = (offset, *slot);
        }
        slots.sort_unstable_by_key(|(offset, _)| *offset);
        for (offset, slot) in slots {
            if matches!(slot, Slot::Lang | Slot::Data) {
                let before = offset.checked_sub(2).and_then(|b| text.get(b..offset));
                let after = text.get(offset + slot.marker().len()..).unwrap_or("");
                if before != Some("=\"") || !after.starts_with('"') {
                    return Err(PageError::TemplateSlotContext {
                        slot: slot.marker(),
                    });
                }
            }
        }

        let mut template = Template {
            text,
            slots,
            blocks: [(BlockKind::Script, 0, 0); MAX_INLINE_BLOCKS],
            block_count: 0,
        };
        template.find_inline_blocks()?;
        Ok(template)
    }

    fn find_inline_blocks(&mut self) -> Result<(), PageError> {
        let text = self.text;
        let bytes = text.as_bytes();
        let mut i = 0;
        while let Some(lt) = bytes
            .get(i..)
            .and_then(|b| b.iter().position(|c| *c == b'<'))
        {
            let start = i + lt;
            let rest = bytes.get(start + 1..).unwrap_or(&[]);
            let kind = if starts_tag(rest, b"script") {
                BlockKind::Script
            } else if starts_tag(rest, b"style") {
                BlockKind::Style
            } else {
                i = start + 1;
                continue;
            };
            let close: &[u8] = match kind {
                BlockKind::Script => b"</script",
                BlockKind::Style => b"</style",
            };
            let invalid = PageError::TemplateInlineBlock { offset: start };
            let open_end = bytes
                .get(start..)
                .and_then(|b| b.iter().position(|c| *c == b'>'))
                .map(|p| start + p + 1)
                .ok_or(invalid)?;
            let content_len = bytes
                .get(open_end..)
                .and_then(|b| find_ignore_case(b, close))
                .ok_or(invalid)?;
            let content = text.get(open_end..open_end + content_len).ok_or(invalid)?;
            if content.contains(SLOT_PREFIX) {
                return Err(invalid);
            }
            if !content.is_empty() {
                let slot = self
                    .blocks
                    .get_mut(self.block_count)
                    .ok_or(PageError::TemplateTooManyInlineBlocks)?;
                *slot = (kind, open_end, content_len);
                self.block_count += 1;
            }
            i = open_end + content_len + close.len();
        }
        Ok(())
    }

    /// The template text.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The SHA-256 of each non-empty inline `<script>` and `<style>` content, in template order
    /// (computed on each call).
    pub fn inline_hashes(&self) -> impl Iterator<Item = (BlockKind, [u8; 32])> + '_ {
        self.blocks
            .get(..self.block_count)
            .unwrap_or(&[])
            .iter()
            .map(|&(kind, start, len)| {
                let content = self.text.get(start..start + len).unwrap_or("");
                (kind, Sha256::digest(content.as_bytes()).into())
            })
    }

    /// The template cut at its slots: text, slot, text, …, slot, text.
    pub(super) fn pieces(&self) -> impl Iterator<Item = (&'a str, Option<Slot>)> + '_ {
        let text = self.text;
        let mut at = 0;
        let mut slots = self.slots.iter();
        core::iter::from_fn(move || {
            if at > text.len() {
                return None;
            }
            if let Some(&(offset, slot)) = slots.next() {
                let piece = text.get(at..offset).unwrap_or("");
                at = offset + slot.marker().len();
                Some((piece, Some(slot)))
            } else {
                let piece = text.get(at..).unwrap_or("");
                at = text.len() + 1;
                Some((piece, None))
            }
        })
    }
}

/// `true` when `rest` (after `<`) starts the tag `name` (ASCII case-insensitive) followed by
/// whitespace, `/` or `>`.
fn starts_tag(rest: &[u8], name: &[u8]) -> bool {
    rest.get(..name.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(name))
        && matches!(
            rest.get(name.len()),
            Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>')
        )
}

fn find_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = "<html lang=\"{{pay402.lang}}\"><title>{{pay402.title}}</title>{{pay402.theme}}<meta content=\"{{pay402.data}}\">{{pay402.summary}}<script>a()</script><STYLE media=x>b{}</STYLE ></html>";

    #[test]
    fn parses_and_hashes() {
        let t = Template::parse(OK.as_bytes()).unwrap();
        let hashes: heapless::Vec<_, 4> = t.inline_hashes().collect();
        assert_eq!(hashes.len(), 2);
        assert_eq!(hashes[0].0, BlockKind::Script);
        assert_eq!(hashes[0].1, <[u8; 32]>::from(Sha256::digest(b"a()")));
        assert_eq!(hashes[1].0, BlockKind::Style);
        let pieces: heapless::Vec<_, 8> = t.pieces().collect();
        assert_eq!(pieces.len(), 6);
        assert_eq!(pieces[0], ("<html lang=\"", Some(Slot::Lang)));
        assert_eq!(pieces[5].1, None);
    }
}
