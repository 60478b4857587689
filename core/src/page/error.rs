//! The one error type of the page server.

use crate::error::{BufferTooSmall, ErrorCode};

/// Which colour pair of a [`super::Theme`] a contrast error names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorPair {
    /// `text` on `background`.
    TextOnBackground,
    /// `accentText` on `accent`.
    AccentTextOnAccent,
}

/// Which colour of a [`super::Theme`] an error names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorName {
    /// The page background.
    Background,
    /// The body text.
    Text,
    /// Buttons and the focus ring.
    Accent,
    /// Text on the accent colour.
    AccentText,
}

impl ColorName {
    /// The configuration key of the colour (`background`, `text`, `accent`, `accentText`).
    pub fn key(self) -> &'static str {
        match self {
            Self::Background => "background",
            Self::Text => "text",
            Self::Accent => "accent",
            Self::AccentText => "accentText",
        }
    }
}

/// Everything the page server refuses: a bad template, a bad theme, bad page data, a small buffer.
///
/// Every variant has a stable `snake_case` code ([`ErrorCode::code`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PageError {
    /// The template is not UTF-8. Code `template_not_utf8`.
    TemplateNotUtf8,
    /// A slot does not occur in the template. Code `template_slot_missing`.
    TemplateSlotMissing {
        /// The slot, e.g. `{{pay402.data}}`.
        slot: &'static str,
    },
    /// A slot occurs more than once. Code `template_slot_duplicated`.
    TemplateSlotDuplicated {
        /// The slot.
        slot: &'static str,
    },
    /// `{{pay402.` starts something that is none of the five slots. Code `template_slot_unknown`.
    TemplateSlotUnknown {
        /// Byte offset in the template.
        offset: usize,
    },
    /// A slot sits inside an inline `<script>` or `<style>` element, where no escaping is
    /// safe, or such an element is not closed. Code `template_inline_block_invalid`.
    TemplateInlineBlock {
        /// Byte offset of the element in the template.
        offset: usize,
    },
    /// The `{{pay402.lang}}` or `{{pay402.data}}` slot is not a whole double-quoted attribute
    /// value (`="{{pay402.data}}"`), the only attribute context the writer escapes for. Code
    /// `template_slot_context_invalid`.
    TemplateSlotContext {
        /// The slot.
        slot: &'static str,
    },
    /// More inline `<script>`/`<style>` elements than [`super::MAX_INLINE_BLOCKS`]. Code
    /// `template_too_many_inline_blocks`.
    TemplateTooManyInlineBlocks,
    /// The title is empty, longer than [`super::MAX_TITLE_CHARS`] characters, or contains a
    /// control character. Code `theme_title_invalid`.
    ThemeTitle,
    /// The logo is neither a `data:image/(png|svg+xml|webp|jpeg);base64,` URL nor a same-origin
    /// path (`/…`, not `//…`), or contains a byte a URL cannot hold. Code `theme_logo_invalid`.
    ThemeLogo,
    /// The logo's data URL is longer than [`super::MAX_LOGO_BYTES`]. Code `theme_logo_too_large`.
    ThemeLogoTooLarge,
    /// A colour is not `#rrggbb`. Code `theme_color_invalid`.
    ThemeColor {
        /// Which colour.
        color: ColorName,
    },
    /// A colour pair's WCAG 2.2 contrast ratio is below 4.5:1 (SC 1.4.3). Code
    /// `theme_low_contrast`.
    ThemeLowContrast {
        /// Which pair.
        pair: ColorPair,
    },
    /// The language tag is empty, longer than 35 bytes, or not ASCII letters, digits and `-`.
    /// Code `theme_lang_invalid`.
    ThemeLang,
    /// An RPC entry's network or URL is not acceptable (the URL must be `https://` or
    /// `http://`, printable ASCII without quotes, spaces, `;` or `,`). Code `page_rpc_invalid`.
    Rpc,
    /// A display hint's decimals exceed 38 or its symbol is empty, longer than 16 bytes or not
    /// printable ASCII. Code `page_display_invalid`.
    Display,
    /// A price's atomic amount is not a decimal integer. Code `page_price_invalid`.
    Price,
    /// The `messages` override is not a JSON object of strings. Code `page_messages_invalid`.
    Messages,
    /// The page has nothing to sell: neither a `PAYMENT-REQUIRED` value nor an L402 offer. Code
    /// `page_no_offer`.
    NoOffer,
    /// The `PAYMENT-REQUIRED` value is not base64 text or an L402 field holds a byte outside
    /// printable ASCII. Code `page_offer_invalid`.
    Offer,
    /// The page data the page read is not what [`super::write_page_data`] writes: not a JSON
    /// object, `v` is not 1, `paymentRequired` does not decode, or a display hint is invalid.
    /// Code `page_data_invalid`; `detail` (the detail code) is the nested error's code.
    Data {
        /// The code of what failed (`json_…`, `base64_…`, `x402_…`, `page_data_version`,
        /// `page_offer_invalid`, `page_display_invalid`).
        detail: &'static str,
    },
    /// A JSON-RPC answer is not what was asked: an `eth_call` result that is no `uint256`. Code
    /// `rpc_answer_invalid`.
    RpcAnswer,
    /// A mint account's owner is neither SPL Token nor Token-2022. Code
    /// `unsupported_token_program`.
    MintProgram,
    /// A mint account's data is not an initialized SPL mint. Code `mint_invalid`.
    Mint,
    /// The payer has no initialized token account of the mint. Code `token_account_missing`.
    NoTokenAccount,
    /// A Solana offer of the page data has no payee token accounts (`svmPayTo`). Code
    /// `page_pay_to_account_missing`.
    NoPayToAccount,
    /// None of the payer's token accounts of the mint holds the price. Code
    /// `insufficient_balance`.
    InsufficientBalance,
    /// The caller's output buffer is too small. Code `buffer_too_small`.
    BufferTooSmall,
}

impl From<BufferTooSmall> for PageError {
    fn from(_: BufferTooSmall) -> Self {
        Self::BufferTooSmall
    }
}

impl core::fmt::Display for PageError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::TemplateNotUtf8 => f.write_str("the page template is not UTF-8"),
            Self::TemplateSlotMissing { slot } => {
                write!(f, "the page template lacks the slot {slot}")
            }
            Self::TemplateSlotDuplicated { slot } => {
                write!(f, "the page template has the slot {slot} more than once")
            }
            Self::TemplateSlotUnknown { offset } => {
                write!(f, "the page template has an unknown slot at byte {offset}")
            }
            Self::TemplateInlineBlock { offset } => write!(
                f,
                "the inline script or style at byte {offset} of the page template holds a slot or is not closed"
            ),
            Self::TemplateSlotContext { slot } => write!(
                f,
                "the page template's slot {slot} is not a whole double-quoted attribute value"
            ),
            Self::TemplateTooManyInlineBlocks => write!(
                f,
                "the page template has more than {} inline scripts and styles",
                super::MAX_INLINE_BLOCKS
            ),
            Self::ThemeTitle => write!(
                f,
                "the page title is empty, longer than {} characters or holds a control character",
                super::MAX_TITLE_CHARS
            ),
            Self::ThemeLogo => f.write_str(
                "the page logo is neither a base64 data:image/(png|svg+xml|webp|jpeg) URL nor a same-origin path",
            ),
            Self::ThemeLogoTooLarge => write!(
                f,
                "the page logo's data URL is longer than {} bytes",
                super::MAX_LOGO_BYTES
            ),
            Self::ThemeColor { color } => {
                write!(f, "the page colour {} is not #rrggbb", color.key())
            }
            Self::ThemeLowContrast { pair } => match pair {
                ColorPair::TextOnBackground => f.write_str(
                    "the page colours text on background contrast less than 4.5:1 (WCAG 2.2 SC 1.4.3)",
                ),
                ColorPair::AccentTextOnAccent => f.write_str(
                    "the page colours accentText on accent contrast less than 4.5:1 (WCAG 2.2 SC 1.4.3)",
                ),
            },
            Self::ThemeLang => f.write_str("the page language tag is not a valid tag"),
            Self::Rpc => f.write_str("a page RPC entry is not an http(s) URL for a network"),
            Self::Display => f.write_str("a page display hint's decimals or symbol is invalid"),
            Self::Price => f.write_str("a page price is not a decimal amount"),
            Self::Messages => f.write_str("the page messages are not a JSON object of strings"),
            Self::NoOffer => f.write_str("the page has neither an x402 nor an L402 offer"),
            Self::Offer => f.write_str("the page's offer holds bytes it cannot embed"),
            Self::Data { detail } => write!(f, "the page data is invalid ({detail})"),
            Self::RpcAnswer => f.write_str("the JSON-RPC answer is not a uint256"),
            Self::MintProgram => {
                f.write_str("the mint account is owned by neither SPL Token nor Token-2022")
            }
            Self::Mint => f.write_str("the mint account's data is not an initialized mint"),
            Self::NoTokenAccount => f.write_str("the payer has no token account of the mint"),
            Self::NoPayToAccount => f.write_str("the page data has no payee token account"),
            Self::InsufficientBalance => {
                f.write_str("no token account of the payer holds the price")
            }
            Self::BufferTooSmall => BufferTooSmall.fmt(f),
        }
    }
}

impl core::error::Error for PageError {}

impl ErrorCode for PageError {
    fn code(&self) -> &'static str {
        match self {
            Self::TemplateNotUtf8 => "template_not_utf8",
            Self::TemplateSlotMissing { .. } => "template_slot_missing",
            Self::TemplateSlotDuplicated { .. } => "template_slot_duplicated",
            Self::TemplateSlotUnknown { .. } => "template_slot_unknown",
            Self::TemplateInlineBlock { .. } => "template_inline_block_invalid",
            Self::TemplateSlotContext { .. } => "template_slot_context_invalid",
            Self::TemplateTooManyInlineBlocks => "template_too_many_inline_blocks",
            Self::ThemeTitle => "theme_title_invalid",
            Self::ThemeLogo => "theme_logo_invalid",
            Self::ThemeLogoTooLarge => "theme_logo_too_large",
            Self::ThemeColor { .. } => "theme_color_invalid",
            Self::ThemeLowContrast { .. } => "theme_low_contrast",
            Self::ThemeLang => "theme_lang_invalid",
            Self::Rpc => "page_rpc_invalid",
            Self::Display => "page_display_invalid",
            Self::Price => "page_price_invalid",
            Self::Messages => "page_messages_invalid",
            Self::NoOffer => "page_no_offer",
            Self::Offer => "page_offer_invalid",
            Self::Data { .. } => "page_data_invalid",
            Self::RpcAnswer => "rpc_answer_invalid",
            Self::MintProgram => "unsupported_token_program",
            Self::Mint => "mint_invalid",
            Self::NoTokenAccount => "token_account_missing",
            Self::NoPayToAccount => "page_pay_to_account_missing",
            Self::InsufficientBalance => "insufficient_balance",
            Self::BufferTooSmall => "buffer_too_small",
        }
    }

    fn detail_code(&self) -> Option<&'static str> {
        match self {
            Self::Data { detail } => Some(detail),
            _ => None,
        }
    }
}
