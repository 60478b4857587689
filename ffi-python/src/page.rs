//! The paywall page's decisions (`pay402::page`): page or API for a request, and the theme check.

use pay402::page::{CspMode, PagePolicy, Presentation, Theme, VARY, presentation};
use pay402_host::HostError;
use pay402_host::page::{L402PageOffer, PageConfig, PageServer};
use pay402_host::x402_server::{Reply as HostReply, ResourceConfig};
use pyo3::prelude::*;
use pyo3::types::PyMapping;

use crate::errors::{CoreError, Kind};
use crate::server::{Reply, required};

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
    m.add_class::<PaywallPage>()?;
    Ok(())
}

/// The paywall page server of one route (`pay402_host::page::PageServer`): the checked
/// template and configuration, the page-or-API decision and the page reply for a challenge.
#[pyclass(module = "pay402._native", frozen)]
#[derive(Debug)]
pub(crate) struct PaywallPage {
    inner: PageServer,
}

fn host_error(e: &HostError) -> PyErr {
    CoreError::custom(Kind::X402, e.code, e.message.clone())
        .detail(e.detail_code)
        .into()
}

#[pymethods]
impl PaywallPage {
    /// Checks `template` (its five slots) and the configuration once: theme (`title`, `logo`,
    /// `#rrggbb` colours with WCAG 2.2 contrast, `lang`; `None` takes the default), `rpc`
    /// (`(CAIP-2 network, URL)` pairs), `display` (`(decimals, symbol)` per offer index),
    /// `messages` (a JSON object of strings), `show_receipt`, `csp` (`"minimal"` or
    /// `"strict"`), `require_mozilla_user_agent`, `enabled`. Raises `X402Error` with the
    /// core's code (`template_slot_missing`, `theme_low_contrast`, `page_rpc_invalid`, …).
    #[new]
    #[pyo3(signature = (template, *, title=None, logo=None, background=None, text=None,
        accent=None, accent_text=None, lang=None, rpc=Vec::new(), display=Vec::new(),
        messages=None, show_receipt=false, csp="minimal", require_mozilla_user_agent=false,
        enabled=true))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        template: &[u8],
        title: Option<String>,
        logo: Option<String>,
        background: Option<String>,
        text: Option<String>,
        accent: Option<String>,
        accent_text: Option<String>,
        lang: Option<String>,
        rpc: Vec<(String, String)>,
        display: Vec<(u8, String)>,
        messages: Option<String>,
        show_receipt: bool,
        csp: &str,
        require_mozilla_user_agent: bool,
        enabled: bool,
    ) -> PyResult<Self> {
        let csp = match csp {
            "minimal" => CspMode::Minimal,
            "strict" => CspMode::Strict,
            _ => {
                return Err(CoreError::custom(
                    Kind::X402,
                    "page_csp_invalid",
                    "`csp` is \"minimal\" or \"strict\"",
                )
                .into());
            }
        };
        let config = PageConfig {
            title,
            logo,
            background,
            text,
            accent,
            accent_text,
            lang,
            rpc,
            display,
            messages,
            show_receipt,
            csp,
            require_mozilla_user_agent,
            disabled: !enabled,
        };
        PageServer::new(template, config)
            .map(|inner| Self { inner })
            .map_err(|e| host_error(&e))
    }

    /// True when the request (`method`, `headers` as `(name, value)` pairs) gets the page
    /// rather than the API 402 (`pay402::page::presentation` under this route's policy).
    fn wants_page(&self, method: &str, headers: Vec<(String, String)>) -> bool {
        self.inner.wants_page(
            method,
            headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        )
    }

    /// The page reply for a 402 challenge (`status`, `headers` as `(name, value)` pairs: an
    /// `X402Server.challenge` reply's, and/or the L402 `WWW-Authenticate` values): the same
    /// status and challenge headers, the page headers (content type, `Cache-Control`, `Vary`,
    /// CSP, …) and the page as body. The page embeds the challenge's `PAYMENT-REQUIRED` value
    /// byte for byte; `l402` (`macaroon`, `invoice`, `amount_msat`, `expires_at`) adds the L402
    /// offer from the server's own invoice.
    #[pyo3(signature = (status, headers, *, url, description="", l402=None))]
    fn reply(
        &self,
        status: u16,
        headers: Vec<(String, String)>,
        url: &str,
        description: &str,
        l402: Option<Bound<'_, PyMapping>>,
    ) -> PyResult<Reply> {
        let challenge = HostReply {
            status,
            code: "payment_required",
            detail_code: None,
            headers,
            body: None,
        };
        let resource = ResourceConfig {
            url: url.to_owned(),
            description: description.to_owned(),
            mime_type: None,
        };
        let offer = match l402 {
            Some(map) => Some(L402PageOffer {
                macaroon: required(&map, "macaroon")?,
                invoice: required(&map, "invoice")?,
                amount_msat: map.get_item("amount_msat")?.extract()?,
                expires_at: match map.get_item("expires_at") {
                    Ok(v) if !v.is_none() => Some(v.extract()?),
                    _ => None,
                },
            }),
            None => None,
        };
        self.inner
            .reply(&challenge, &resource, offer.as_ref())
            .map(Reply::from)
            .map_err(|e| host_error(&e))
    }

    /// The `Vary` value the page's routes carry on every 402, page or API.
    #[classattr]
    const VARY: &'static str = VARY;
}
