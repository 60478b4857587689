//! `page.presentation` and `page.theme`: the paywall page's negotiation and theme validation;
//! `page.offers`, `page.balance_covers`, `page.erc20_balance_call`, `page.svm_mint`: what the
//! page decides when it pays (`pay402::page`).

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

/// `{pageData: <the page data JSON>}` → `{"offers": [...]}` ([`pay402::page::write_offers`]).
pub(crate) fn offers_op(input: &Value) -> Outcome {
    let data =
        serde_json::to_vec(input::get(input, "pageData")?).map_err(|_| input::bad("pageData"))?;
    let mut scratch = vec![0u8; data.len()];
    let mut out = vec![0u8; 4 * data.len() + 64];
    let n = pay402::writer::write_all(&mut out, |w| {
        pay402::page::write_offers(w, &data, &mut scratch)
    })
    .map_err(|e| code(&e))?;
    let offers: Value =
        serde_json::from_slice(out.get(..n).unwrap_or_default()).map_err(|e| e.to_string())?;
    Ok(json!({ "offers": offers }))
}

/// `{result, amount}` → `{"covers": bool}` ([`pay402::page::balance_covers`]).
pub(crate) fn balance_covers_op(input: &Value) -> Outcome {
    let amount = input::str(input, "amount")?;
    let amount =
        pay402::u256::U256::parse_decimal(amount.as_bytes(), pay402::u256::LeadingZeros::Reject)
            .map_err(|_| input::bad("amount"))?;
    let covers = pay402::page::balance_covers(input::str(input, "result")?.as_bytes(), amount)
        .map_err(|e| code(&e))?;
    Ok(json!({ "covers": covers }))
}

/// `{owner}` → `{"data": "0x…"}` ([`pay402::page::erc20_balance_of_call`]).
pub(crate) fn erc20_balance_call_op(input: &Value) -> Outcome {
    let owner = pay402::evm::Address::parse(input::str(input, "owner")?.as_bytes())
        .map_err(|_| input::bad("owner"))?;
    let call = pay402::page::erc20_balance_of_call(&owner);
    let mut data = String::from("0x");
    for b in call {
        use core::fmt::Write;
        let _ = write!(data, "{b:02x}");
    }
    Ok(json!({ "data": data }))
}

/// `{owner, data: <base64>}` → `{"decimals": n}` ([`pay402::page::mint_decimals`]).
pub(crate) fn svm_mint_op(input: &Value) -> Outcome {
    let owner = pay402::svm::Pubkey::parse(input::str(input, "owner")?.as_bytes())
        .map_err(|_| input::bad("owner"))?;
    let text = input::str(input, "data")?;
    let mut data = vec![0u8; text.len()];
    let data = pay402::base64::decode_public_into(
        text.as_bytes(),
        &pay402::base64::Base64Policy::STANDARD_PADDED,
        &mut data,
    )
    .map_err(|_| input::bad("data"))?;
    let decimals = pay402::page::mint_decimals(&owner, data).map_err(|e| code(&e))?;
    Ok(json!({ "decimals": decimals }))
}
