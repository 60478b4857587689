//! `page.presentation` and `page.theme`: the paywall page's negotiation and theme validation
//! (`pay402::page`).

use super::{Outcome, code};
use crate::input;
use pay402::page::{PagePolicy, Presentation, Theme, presentation};
use serde_json::{Value, json};

/// `{method, headers: [[name, value]…], policy?: {enabled?, require_mozilla_user_agent?}}` →
/// `{"presentation": "page" | "api"}`.
pub(crate) fn presentation_op(input: &Value) -> Outcome {
    let method = input::str(input, "method")?;
    let headers = input::get(input, "headers")?
        .as_array()
        .ok_or_else(|| input::bad("headers"))?
        .iter()
        .map(|pair| match pair.as_array().map(Vec::as_slice) {
            Some([Value::String(n), Value::String(v)]) => Ok((n.as_str(), v.as_str())),
            _ => Err(input::bad("headers")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut policy = PagePolicy::default();
    if let Some(p) = input.get("policy") {
        let flag = |key: &str, default: bool| match p.get(key) {
            None => Ok(default),
            Some(v) => v.as_bool().ok_or_else(|| input::bad(key)),
        };
        policy.enabled = flag("enabled", policy.enabled)?;
        policy.require_mozilla_user_agent = flag(
            "require_mozilla_user_agent",
            policy.require_mozilla_user_agent,
        )?;
    }
    let answer = match presentation(method, headers, &policy) {
        Presentation::Page => "page",
        Presentation::Api => "api",
    };
    Ok(json!({ "presentation": answer }))
}

/// `{title, logo?, colors: {background, text, accent, accentText}, lang}` → `{}` or the code.
pub(crate) fn theme_op(input: &Value) -> Outcome {
    let colors = input::get(input, "colors")?;
    let theme = Theme {
        title: input::str(input, "title")?,
        logo: input::opt_str(input, "logo"),
        background: input::str(colors, "background")?,
        text: input::str(colors, "text")?,
        accent: input::str(colors, "accent")?,
        accent_text: input::str(colors, "accentText")?,
        lang: input::str(input, "lang")?,
    };
    theme.validate().map_err(|e| code(&e))?;
    Ok(json!({}))
}
