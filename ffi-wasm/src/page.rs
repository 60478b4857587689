//! The paywall page's decisions (`pay402::page`): page or API for a request, and the theme check.

use pay402::page::{PagePolicy, Presentation, Theme, presentation};
use wasm_bindgen::prelude::*;

use crate::convert::{get, opt_bool, opt_string, present, string};
use crate::errors::{JsResult, core_error};
use crate::server::pairs;

/// `"page"` when the request (`method`, `headers` as `[name, value]` pairs) gets the paywall
/// page, `"api"` when it gets the 402 as is (`pay402::page::presentation`). `options`:
/// `{enabled = true, requireMozillaUserAgent = false}`.
#[wasm_bindgen(js_name = pagePresentation, unchecked_return_type = "\"page\" | \"api\"")]
pub fn page_presentation(
    method: &str,
    #[wasm_bindgen(unchecked_param_type = "[string, string][]")] headers: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "PagePresentationOptions | undefined")] options: &JsValue,
) -> JsResult<JsValue> {
    let headers = pairs(headers)?;
    let defaults = PagePolicy::default();
    let (enabled, mozilla) = match present(options) {
        Some(o) => (
            opt_bool(&get(o, "enabled"), "enabled")?.unwrap_or(defaults.enabled),
            opt_bool(
                &get(o, "requireMozillaUserAgent"),
                "requireMozillaUserAgent",
            )?
            .unwrap_or(defaults.require_mozilla_user_agent),
        ),
        None => (defaults.enabled, defaults.require_mozilla_user_agent),
    };
    let policy = PagePolicy {
        enabled,
        require_mozilla_user_agent: mozilla,
    };
    let answer = match presentation(
        method,
        headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        &policy,
    ) {
        Presentation::Page => "page",
        Presentation::Api => "api",
    };
    Ok(answer.into())
}

/// Checks a page theme `{title, logo?, colors: {background, text, accent, accentText}, lang}`
/// (`pay402::page::Theme::validate`); throws an `X402Error` with the core's code
/// (`theme_low_contrast`, `theme_logo_invalid`, …).
#[wasm_bindgen(js_name = pageThemeValidate)]
pub fn page_theme_validate(
    #[wasm_bindgen(unchecked_param_type = "PageTheme")] theme: &JsValue,
) -> JsResult<()> {
    let field_string = |obj: &JsValue, key: &str| string(&get(obj, key), key);
    let colors = get(theme, "colors");
    let title = field_string(theme, "title")?;
    let logo = opt_string(&get(theme, "logo"), "logo")?;
    let background = field_string(&colors, "background")?;
    let text = field_string(&colors, "text")?;
    let accent = field_string(&colors, "accent")?;
    let accent_text = field_string(&colors, "accentText")?;
    let lang = field_string(theme, "lang")?;
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
    .map_err(|e| core_error("X402Error", &e, None))
}

#[wasm_bindgen(typescript_custom_section)]
const TS: &str = r#"
export interface PagePresentationOptions { enabled?: boolean; requireMozillaUserAgent?: boolean; }
export interface PageTheme {
  title: string; logo?: string | null; lang: string;
  colors: { background: string; text: string; accent: string; accentText: string };
}
"#;
