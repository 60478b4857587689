//! The paywall page server: a browser asking a paid URL gets a page, every other client the 402.
//!
//! Sans-I/O, like the rest of the core: [`presentation`] decides page or API from the method and
//! the request headers; [`Theme::validate`] checks the server's theme once (WCAG 2.2 contrast
//! included); [`Template::parse`] checks a template's five slots and hashes its inline scripts
//! and styles; [`write_page`] fills it into a caller buffer with per-context escaping and the
//! page data ([`PageData`]) embedded as base64 in a `<meta>`, never in script; [`PAGE_HEADERS`]
//! and [`write_csp`] are the reply's headers. The status and the challenge headers
//! (`PAYMENT-REQUIRED`, `WWW-Authenticate`) stay the challenge's own.

mod error;
mod negotiation;
mod page_data;
#[cfg(all(feature = "x402", feature = "svm"))]
mod paying;
mod template;
mod theme;
mod write;

pub use error::{ColorName, ColorPair, PageError};
pub use negotiation::{PagePolicy, Presentation, presentation};
pub use page_data::{
    DisplayHint, L402Offer, PAGE_DATA_VERSION, PageData, RpcEndpoint, SvmPayTo, write_page_data,
};
#[cfg(all(feature = "x402", feature = "svm"))]
pub use paying::{
    ERC20_BALANCE_OF, MINT_LEN, TOKEN_ACCOUNT_LEN, balance_covers, erc20_balance_of_call,
    mint_decimals, source_token_account, write_offers,
};
pub use template::{BlockKind, Slot, Template};
pub use theme::{Rgb, Theme, meets_contrast};
pub use write::{
    CspMode, MINIMAL_CSP, PAGE_HEADERS, PageInput, Price, VARY, escape_attribute, escape_text,
    write_amount, write_csp, write_page,
};

/// The longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 120;
/// The longest logo data URL, in bytes (32 KiB).
pub const MAX_LOGO_BYTES: usize = 32 * 1024;
/// The most inline `<script>` and `<style>` elements a template may have.
pub const MAX_INLINE_BLOCKS: usize = 16;
