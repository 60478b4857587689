//! The paywall page server (`pay402_host::page::PageServer`): the checked template and
//! configuration, the page-or-API decision and the page reply for a challenge. Conversion
//! only: every decision (page or API, escaping, page data, headers, CSP) is the core's.

use crate::convert::{Obj, get, opt_bool, opt_string, opt_uint, present, string, u8a, uint};
use crate::errors::{JsResult, arg_error, coded};
use crate::server::{headers_js, pairs};
use js_sys::{Array, Object};
use pay402::page::{CspMode, VARY};
use pay402_host::HostError;
use pay402_host::page::{L402PageOffer, PageConfig, PageServer};
use pay402_host::x402_server::{Reply, ResourceConfig};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS: &str = r#"
/** A paywall page's configuration: theme (absent fields take the default theme's), page data options
 * and the route's policy. `colors` are `#rrggbb`, text on background and accentText on accent at least 4.5:1. */
export interface PaywallPageConfig {
  title?: string; logo?: string; lang?: string;
  colors?: { background?: string; text?: string; accent?: string; accentText?: string };
  /** JSON-RPC URLs by CAIP-2 network, for the page's balance check. */
  rpc?: Record<string, string>;
  /** `{decimals, symbol}` per offer index. */
  display?: { decimals: number; symbol: string }[];
  /** Strings overriding the page's English messages, by key. */
  messages?: Record<string, string>;
  showReceipt?: boolean; csp?: "minimal" | "strict"; requireMozillaUserAgent?: boolean;
}
/** The L402 offer a page shows, from the server's own invoice. */
export interface PaywallPageL402 { macaroon: string; invoice: string; amountMsat: number; expiresAt?: number | null }
/** A page reply: the challenge's status and headers with the page's, and the page. */
export interface PaywallPageReply { status: number; headers: [string, string][]; body: Uint8Array }
"#;

fn error(e: &HostError) -> JsValue {
    coded("X402Error", &e.message, e.code, e.detail_code)
}

const CONFIG_KEYS: &[&str] = &[
    "title",
    "logo",
    "lang",
    "colors",
    "rpc",
    "display",
    "messages",
    "showReceipt",
    "csp",
    "requireMozillaUserAgent",
];

fn entries(value: &JsValue) -> Vec<(String, JsValue)> {
    Object::entries(value.unchecked_ref::<Object>())
        .iter()
        .map(|pair| {
            let pair: Array = pair.unchecked_into();
            (pair.get(0).as_string().unwrap_or_default(), pair.get(1))
        })
        .collect()
}

fn config(value: &JsValue) -> JsResult<PageConfig> {
    let Some(value) = present(value) else {
        return Ok(PageConfig::default());
    };
    if !value.is_object() {
        return Err(arg_error("config", "an object"));
    }
    for (key, _) in entries(value) {
        if !CONFIG_KEYS.contains(&key.as_str()) {
            return Err(error(&HostError::config(
                "unknown_page_option",
                format!("page options are {CONFIG_KEYS:?}, not `{key}`"),
            )));
        }
    }
    let colors = get(value, "colors");
    let color = |key: &str| match present(&colors) {
        Some(c) => opt_string(&get(c, key), key),
        None => Ok(None),
    };
    let rpc = match present(&get(value, "rpc")) {
        Some(r) => entries(r)
            .into_iter()
            .map(|(network, url)| Ok((network, string(&url, "rpc")?)))
            .collect::<JsResult<Vec<_>>>()?,
        None => Vec::new(),
    };
    let display = match present(&get(value, "display")) {
        Some(d) => d
            .dyn_ref::<Array>()
            .ok_or_else(|| arg_error("display", "an array of {decimals, symbol}"))?
            .iter()
            .map(|hint| {
                let decimals = u8::try_from(uint(&get(&hint, "decimals"), "decimals")?)
                    .map_err(|_| arg_error("decimals", "an integer from 0 to 77"))?;
                Ok((decimals, string(&get(&hint, "symbol"), "symbol")?))
            })
            .collect::<JsResult<Vec<_>>>()?,
        None => Vec::new(),
    };
    let messages = match present(&get(value, "messages")) {
        Some(m) => Some(
            js_sys::JSON::stringify(m)
                .map_err(|_| arg_error("messages", "an object of strings"))?
                .as_string()
                .unwrap_or_default(),
        ),
        None => None,
    };
    let csp = match opt_string(&get(value, "csp"), "csp")?.as_deref() {
        None | Some("minimal") => CspMode::Minimal,
        Some("strict") => CspMode::Strict,
        Some(_) => return Err(arg_error("csp", "\"minimal\" or \"strict\"")),
    };
    Ok(PageConfig {
        title: opt_string(&get(value, "title"), "title")?,
        logo: opt_string(&get(value, "logo"), "logo")?,
        background: color("background")?,
        text: color("text")?,
        accent: color("accent")?,
        accent_text: color("accentText")?,
        lang: opt_string(&get(value, "lang"), "lang")?,
        rpc,
        display,
        messages,
        show_receipt: opt_bool(&get(value, "showReceipt"), "showReceipt")?.unwrap_or(false),
        csp,
        require_mozilla_user_agent: opt_bool(
            &get(value, "requireMozillaUserAgent"),
            "requireMozillaUserAgent",
        )?
        .unwrap_or(false),
        disabled: false,
    })
}

/// The paywall page server of one route. Throws `X402Error` with the core's code
/// (`template_slot_missing`, `theme_low_contrast`, `page_rpc_invalid`, …).
#[wasm_bindgen(js_name = PaywallPage)]
#[derive(Debug)]
pub struct PaywallPage {
    inner: PageServer,
}

#[wasm_bindgen(js_class = PaywallPage)]
impl PaywallPage {
    /// Checks `template` (the page with its five `{{pay402.*}}` slots) and `config` once.
    #[wasm_bindgen(constructor)]
    pub fn new(
        template: &str,
        #[wasm_bindgen(unchecked_param_type = "PaywallPageConfig | undefined")] config: &JsValue,
    ) -> JsResult<PaywallPage> {
        let config = self::config(config)?;
        PageServer::new(template.as_bytes(), config)
            .map(|inner| Self { inner })
            .map_err(|e| error(&e))
    }

    /// `true` when the request (`method`, `headers` as `[name, value]` pairs) gets the page
    /// rather than the API 402 (`pay402::page::presentation`).
    #[wasm_bindgen(js_name = wantsPage)]
    pub fn wants_page(
        &self,
        method: &str,
        #[wasm_bindgen(unchecked_param_type = "[string, string][]")] headers: &JsValue,
    ) -> JsResult<bool> {
        let headers = pairs(headers)?;
        Ok(self.inner.wants_page(
            method,
            headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        ))
    }

    /// The page reply for a 402 challenge (`status`, `headers` as `[name, value]` pairs): the
    /// same status and challenge headers, the page headers (content type, `Cache-Control`,
    /// `Vary`, CSP, …) and the page. The page embeds the challenge's `PAYMENT-REQUIRED` value
    /// byte for byte; `l402` adds the L402 offer from the server's own invoice.
    #[wasm_bindgen(unchecked_return_type = "PaywallPageReply")]
    pub fn reply(
        &self,
        status: u16,
        #[wasm_bindgen(unchecked_param_type = "[string, string][]")] headers: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "{ url: string; description?: string }")]
        resource: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "PaywallPageL402 | null | undefined")] l402: &JsValue,
    ) -> JsResult<JsValue> {
        let challenge = Reply {
            status,
            code: "payment_required",
            detail_code: None,
            headers: pairs(headers)?,
            body: None,
        };
        let resource = ResourceConfig {
            url: string(&get(resource, "url"), "url")?,
            description: opt_string(&get(resource, "description"), "description")?
                .unwrap_or_default(),
            mime_type: None,
        };
        let offer = match present(l402) {
            Some(o) => Some(L402PageOffer {
                macaroon: string(&get(o, "macaroon"), "macaroon")?,
                invoice: string(&get(o, "invoice"), "invoice")?,
                amount_msat: uint(&get(o, "amountMsat"), "amountMsat")?,
                expires_at: opt_uint(&get(o, "expiresAt"), "expiresAt")?,
            }),
            None => None,
        };
        let r = self
            .inner
            .reply(&challenge, &resource, offer.as_ref())
            .map_err(|e| error(&e))?;
        Ok(Obj::new()
            .set("status", r.status)
            .set("headers", headers_js(&r.headers))
            .set("body", u8a(r.body.as_deref().unwrap_or_default()))
            .build())
    }
}

/// The `Vary` value of every unpaid 402 on a route that serves the paywall page.
#[wasm_bindgen(js_name = paywallPageVary)]
pub fn paywall_page_vary() -> String {
    VARY.to_owned()
}
