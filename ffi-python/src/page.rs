//! The paywall page's decisions (`pay402::page`): page or API for a request, and the theme check.

use pay402::page::{PagePolicy, Presentation, Theme, presentation};
use pyo3::prelude::*;

use crate::errors::{CoreError, Kind};

/// `"page"` when the request (its `method` and `headers`, `(name, value)` pairs) gets the
/// paywall page, `"api"` when it gets the 402 as is (`pay402::page::presentation`: GET/HEAD
/// only, no payment credential, `Sec-Fetch-Dest` absent or `document`, `text/html` explicitly
/// accepted at least as much as `application/json`). `enabled=False` opts the route out;
/// `require_mozilla_user_agent=True` adds the x402 reference server's User-Agent test.
#[pyfunction]
#[pyo3(signature = (method, headers, *, enabled = true, require_mozilla_user_agent = false))]
pub(crate) fn page_presentation(
    method: &str,
    headers: Vec<(String, String)>,
    enabled: bool,
    require_mozilla_user_agent: bool,
) -> &'static str {
    let policy = PagePolicy {
        enabled,
        require_mozilla_user_agent,
    };
    let pairs = headers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
    match presentation(method, pairs, &policy) {
        Presentation::Page => "page",
        Presentation::Api => "api",
    }
}

/// Checks a page theme (`pay402::page::Theme::validate`): title (1 to 120 characters), logo
/// (a base64 `data:image/…` URL up to 32 KiB or a same-origin path), `#rrggbb` colours with
/// `text` on `background` and `accent_text` on `accent` at least 4.5:1 (WCAG 2.2), language tag. Raises
/// `X402Error` with the core's code (`theme_low_contrast`, `theme_logo_invalid`, …).
#[pyfunction]
#[pyo3(signature = (*, title, background, text, accent, accent_text, lang, logo = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn page_theme_validate(
    title: &str,
    background: &str,
    text: &str,
    accent: &str,
    accent_text: &str,
    lang: &str,
    logo: Option<&str>,
) -> PyResult<()> {
    Theme {
        title,
        logo,
        background,
        text,
        accent,
        accent_text,
        lang,
    }
    .validate()
    .map_err(|e| CoreError::new(Kind::X402, &e).into())
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(page_presentation, m)?)?;
    m.add_function(wrap_pyfunction!(page_theme_validate, m)?)?;
    Ok(())
}
