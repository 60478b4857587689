//! The paywall page's decisions (`pay402::page`): page or API for a request, and the theme check.

use pay402::ErrorCode;
use pay402::page::{PagePolicy, Presentation, Theme, presentation};

use crate::error::Pay402Error;

/// A request header: name and value.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PageHeader {
    /// The header name.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// `"page"` when the request (`method`, `headers`) gets the paywall page, `"api"` when it gets
/// the 402 as is (`pay402::page::presentation`). `enabled = false` opts the route out;
/// `require_mozilla_user_agent` adds the x402 reference server's User-Agent test.
#[uniffi::export(default(enabled = true, require_mozilla_user_agent = false))]
pub fn page_presentation(
    method: String,
    headers: Vec<PageHeader>,
    enabled: bool,
    require_mozilla_user_agent: bool,
) -> String {
    let policy = PagePolicy {
        enabled,
        require_mozilla_user_agent,
    };
    let pairs = headers.iter().map(|h| (h.name.as_str(), h.value.as_str()));
    match presentation(&method, pairs, &policy) {
        Presentation::Page => "page".to_owned(),
        Presentation::Api => "api".to_owned(),
    }
}

/// Checks a page theme (`pay402::page::Theme::validate`); the error is
/// `Pay402Error::X402` with the core's code (`theme_low_contrast`, `theme_logo_invalid`, …).
#[uniffi::export(default(logo = None))]
#[allow(clippy::too_many_arguments)]
pub fn page_theme_validate(
    title: String,
    background: String,
    text: String,
    accent: String,
    accent_text: String,
    lang: String,
    logo: Option<String>,
) -> Result<(), Pay402Error> {
    Theme {
        title: &title,
        logo: logo.as_deref(),
        background: &background,
        text: &text,
        accent: &accent,
        accent_text: &accent_text,
        lang: &lang,
    }
    .validate()
    .map_err(|e| Pay402Error::X402 {
        code: e.code().to_owned(),
        reason: e.to_string(),
        detail_code: None,
    })
}
