//! The paywall page server, owned: a checked template and theme, and the page reply built from
//! a challenge the x402 (or L402) server already wrote.
//!
//! Every decision is the core's (`pay402::page`): page or API ([`PageServer::wants_page`]),
//! escaping, the embedded page data, the reply headers and the CSP. This type owns the
//! template and configuration and grows the output buffer.

use pay402::page::{
    CspMode, DisplayHint, L402Offer, PAGE_HEADERS, PageData, PageError, PageInput, PagePolicy,
    Presentation, Price, RpcEndpoint, SvmPayTo, Template, Theme, presentation, write_csp,
    write_page,
};
use pay402::writer::Writer;
use pay402::x402::PaymentRequired;
use pay402::x402::default_assets::default_asset;
use pay402::x402::network::Network;

use crate::HostError;
use crate::x402_server::{Reply, ResourceConfig};

pub use pay402::page::{CspMode as PageCsp, VARY};

/// The header carrying the x402 v2 challenge.
const PAYMENT_REQUIRED: &str = "PAYMENT-REQUIRED";
/// The largest page this server writes (the template and the challenge are bounded by it).
const MAX_PAGE: usize = 4 << 20;

/// A page configuration: theme (`None` fields take [`Theme::DEFAULT`]'s), page data options and
/// the route's policy.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageConfig {
    /// The title (1 to 120 characters).
    pub title: Option<String>,
    /// A `data:image/…;base64,` URL or a same-origin path.
    pub logo: Option<String>,
    /// `#rrggbb`.
    pub background: Option<String>,
    /// `#rrggbb`, at least 4.5:1 on `background`.
    pub text: Option<String>,
    /// `#rrggbb`.
    pub accent: Option<String>,
    /// `#rrggbb`, at least 4.5:1 on `accent`.
    pub accent_text: Option<String>,
    /// The document language.
    pub lang: Option<String>,
    /// JSON-RPC URLs by CAIP-2 network: `(network, url)`.
    pub rpc: Vec<(String, String)>,
    /// Display hints by offer index: `(decimals, symbol)`.
    pub display: Vec<(u8, String)>,
    /// A JSON object of strings overriding the page's English messages.
    pub messages: Option<String>,
    /// Show the receipt before paid HTML replaces the page.
    pub show_receipt: bool,
    /// Minimal (default) or strict `Content-Security-Policy`.
    pub csp: CspMode,
    /// Also require `Mozilla` in `User-Agent` (the x402 reference server's rule).
    pub require_mozilla_user_agent: bool,
    /// `true` turns the page off for this route (every request gets the API 402).
    pub disabled: bool,
}

/// The L402 offer to show, from the server's own (already verified) invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L402PageOffer {
    /// The challenge's macaroon (base64).
    pub macaroon: String,
    /// The BOLT11 invoice.
    pub invoice: String,
    /// Its amount in millisatoshis.
    pub amount_msat: u64,
    /// Unix seconds at which it expires.
    pub expires_at: Option<u64>,
}

/// A checked template and configuration. Cheap to share between threads (`Sync`).
#[derive(Debug, Clone)]
pub struct PageServer {
    template: Vec<u8>,
    config: PageConfig,
    csp: String,
}

impl PageServer {
    /// Checks `template` (`Template::parse`) and the configuration (theme, RPC entries,
    /// display hints, messages) once.
    ///
    /// Errors: the core's codes (`template_slot_missing`, `theme_low_contrast`, …).
    pub fn new(template: &[u8], config: PageConfig) -> Result<Self, HostError> {
        let parsed = Template::parse(template).map_err(|e| HostError::of(&e))?;
        let server = Self {
            template: template.to_vec(),
            config,
            csp: String::new(),
        };
        let theme = server.theme();
        let rpc = server.rpc();
        let display = server.display();
        theme.validate().map_err(|e| HostError::of(&e))?;
        PageData {
            payment_required: Some("e30="),
            ..server.data(&ResourceConfig::default(), None, None, &display, &rpc, &[])
        }
        .validate()
        .map_err(|e| HostError::of(&e))?;
        let csp = grow(|w| write_csp(w, server.config.csp, &parsed, &theme, &rpc))?;
        let csp = String::from_utf8(csp)
            .map_err(|_| HostError::config("page_csp_invalid", "the CSP is not UTF-8"))?;
        Ok(Self { csp, ..server })
    }

    /// The route's policy.
    pub fn policy(&self) -> PagePolicy {
        PagePolicy {
            enabled: !self.config.disabled,
            require_mozilla_user_agent: self.config.require_mozilla_user_agent,
        }
    }

    /// `true` when the request (its `method` and `headers`) gets the page rather than the API
    /// 402 (`pay402::page::presentation`).
    pub fn wants_page<'h, I>(&self, method: &str, headers: I) -> bool
    where
        I: IntoIterator<Item = (&'h str, &'h str)>,
    {
        presentation(method, headers, &self.policy()) == Presentation::Page
    }

    /// The page reply for `challenge` (a 402 of `X402Server::challenge` or an L402 challenge
    /// turned into a [`Reply`]): the same status, code and headers — the `PAYMENT-REQUIRED` /
    /// `WWW-Authenticate` values untouched, `Content-Type` replaced — plus the page headers and
    /// the CSP, and the page as body. The page data embeds the challenge's `PAYMENT-REQUIRED`
    /// value byte for byte, and `l402` when given.
    ///
    /// Errors: `page_no_offer` (neither), the core's page errors, `buffer_too_small` beyond
    /// 4 MiB.
    pub fn reply(
        &self,
        challenge: &Reply,
        resource: &ResourceConfig,
        l402: Option<&L402PageOffer>,
    ) -> Result<Reply, HostError> {
        let template = Template::parse(&self.template).map_err(|e| HostError::of(&e))?;
        let payment_required = challenge
            .headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(PAYMENT_REQUIRED))
            .map(|(_, value)| value.as_str());
        let theme = self.theme();
        let rpc = self.rpc();
        let display = self.display();
        let owned_pay_to = svm_pay_to(payment_required)?;
        let pay_to: Vec<SvmPayTo<'_>> = owned_pay_to
            .iter()
            .map(|(index, token, token_2022)| SvmPayTo {
                index: *index,
                token,
                token_2022,
            })
            .collect();
        let data = self.data(resource, payment_required, l402, &display, &rpc, &pay_to);
        let owned_prices = prices(payment_required, &display, l402)?;
        let prices: Vec<Price<'_>> = owned_prices
            .iter()
            .map(|p| Price {
                amount: &p.amount,
                decimals: p.decimals,
                symbol: &p.symbol,
                network: &p.network,
            })
            .collect();
        let input = PageInput {
            theme: &theme,
            data: &data,
            prices: &prices,
        };
        let body = grow_out(|out| write_page(&template, &input, out).map(<[u8]>::len))?;

        let mut headers: Vec<(String, String)> = challenge
            .headers
            .iter()
            .filter(|(name, _)| {
                !name.eq_ignore_ascii_case("content-type")
                    && !name.eq_ignore_ascii_case("content-length")
                    && !PAGE_HEADERS
                        .iter()
                        .any(|(h, _)| name.eq_ignore_ascii_case(h))
            })
            .cloned()
            .collect();
        headers.extend(
            PAGE_HEADERS
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
        );
        headers.push(("Content-Security-Policy".to_owned(), self.csp.clone()));
        Ok(Reply {
            status: challenge.status,
            code: challenge.code,
            detail_code: challenge.detail_code,
            headers,
            body: Some(body),
        })
    }

    fn theme(&self) -> Theme<'_> {
        let c = &self.config;
        let d = Theme::DEFAULT;
        Theme {
            title: c.title.as_deref().unwrap_or(d.title),
            logo: c.logo.as_deref(),
            background: c.background.as_deref().unwrap_or(d.background),
            text: c.text.as_deref().unwrap_or(d.text),
            accent: c.accent.as_deref().unwrap_or(d.accent),
            accent_text: c.accent_text.as_deref().unwrap_or(d.accent_text),
            lang: c.lang.as_deref().unwrap_or(d.lang),
        }
    }

    fn rpc(&self) -> Vec<RpcEndpoint<'_>> {
        self.config
            .rpc
            .iter()
            .map(|(network, url)| RpcEndpoint { network, url })
            .collect()
    }

    fn display(&self) -> Vec<DisplayHint<'_>> {
        self.config
            .display
            .iter()
            .map(|(decimals, symbol)| DisplayHint {
                decimals: *decimals,
                symbol,
            })
            .collect()
    }

    fn data<'a>(
        &'a self,
        resource: &'a ResourceConfig,
        payment_required: Option<&'a str>,
        l402: Option<&'a L402PageOffer>,
        display: &'a [DisplayHint<'a>],
        rpc: &'a [RpcEndpoint<'a>],
        svm_pay_to: &'a [SvmPayTo<'a>],
    ) -> PageData<'a> {
        PageData {
            resource_url: &resource.url,
            description: &resource.description,
            payment_required,
            l402: l402.map(|o| L402Offer {
                macaroon: &o.macaroon,
                invoice: &o.invoice,
                amount_msat: o.amount_msat,
                expires_at: o.expires_at,
            }),
            display,
            rpc,
            svm_pay_to,
            messages: self.config.messages.as_deref(),
            show_receipt: self.config.show_receipt,
        }
    }
}

struct OwnedPrice {
    amount: String,
    decimals: u8,
    symbol: String,
    network: String,
}

/// The summary's price lines: each x402 offer (decimals and symbol from the display hint at its
/// index, else the chain's default asset when the offer pays it, else atomic units), then L402.
fn prices(
    payment_required: Option<&str>,
    display: &[DisplayHint<'_>],
    l402: Option<&L402PageOffer>,
) -> Result<Vec<OwnedPrice>, HostError> {
    let mut out = Vec::new();
    if let Some(value) = payment_required {
        let mut buf = vec![0u8; value.len()];
        let required = PaymentRequired::from_header(value.as_bytes(), &mut buf)
            .map_err(|e| HostError::of(&e))?;
        for index in 0..required.accepts_len() {
            let Some(offer) = required.accept(index) else {
                continue;
            };
            let mut text = [0u8; 256];
            let network = offer.network().text_in(&mut text).unwrap_or("").to_owned();
            let asset = offer.asset().text_in(&mut text).unwrap_or("").to_owned();
            let default = Network::parse(&network)
                .and_then(Network::chain_id)
                .and_then(default_asset)
                .filter(|a| a.address.eq_ignore_ascii_case(&asset));
            let (decimals, symbol) = match (display.get(index), default) {
                (Some(hint), _) => (hint.decimals, hint.symbol.to_owned()),
                (None, Some(a)) => (a.decimals, a.symbol.to_owned()),
                (None, None) => (0, "units".to_owned()),
            };
            out.push(OwnedPrice {
                amount: offer.amount().to_string(),
                decimals,
                symbol,
                network,
            });
        }
    }
    if let Some(offer) = l402 {
        out.push(OwnedPrice {
            amount: offer.amount_msat.to_string(),
            decimals: 3,
            symbol: "sat".to_owned(),
            network: "Lightning".to_owned(),
        });
    }
    Ok(out)
}

/// The payee's associated token accounts (SPL Token and Token-2022) of each Solana offer's mint,
/// by offer index, base58: the page builds its transfer to them and derives no address itself.
#[cfg(feature = "svm")]
fn svm_pay_to(payment_required: Option<&str>) -> Result<Vec<(usize, String, String)>, HostError> {
    use pay402::svm::{Pubkey, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID, associated_token_address};
    let mut out = Vec::new();
    let Some(value) = payment_required else {
        return Ok(out);
    };
    let mut buf = vec![0u8; value.len()];
    let required =
        PaymentRequired::from_header(value.as_bytes(), &mut buf).map_err(|e| HostError::of(&e))?;
    for index in 0..required.accepts_len() {
        let Some(offer) = required.accept(index) else {
            continue;
        };
        let mut text = [0u8; 256];
        let network = offer.network().text_in(&mut text).unwrap_or("").to_owned();
        if !matches!(Network::parse(&network), Some(Network::Solana(_))) {
            continue;
        }
        let pubkey = |s: pay402::json::JsonStr<'_>| {
            let mut text = [0u8; 256];
            s.text_in(&mut text)
                .and_then(|t| Pubkey::parse(t.as_bytes()).ok())
        };
        let (Some(mint), Some(pay_to)) = (pubkey(offer.asset()), pubkey(offer.pay_to())) else {
            continue;
        };
        let ata = |program| {
            associated_token_address(&pay_to, &mint, program).map(|a| {
                let mut b58 = [0u8; 44];
                a.to_base58(&mut b58).to_owned()
            })
        };
        if let (Some(token), Some(token_2022)) =
            (ata(&TOKEN_PROGRAM_ID), ata(&TOKEN_2022_PROGRAM_ID))
        {
            out.push((index, token, token_2022));
        }
    }
    Ok(out)
}

/// Without Solana, no offer has token accounts.
#[cfg(not(feature = "svm"))]
#[allow(
    clippy::unnecessary_wraps,
    reason = "the signature of the Solana build"
)]
fn svm_pay_to(_: Option<&str>) -> Result<Vec<(usize, String, String)>, HostError> {
    Ok(Vec::new())
}

/// Runs `write` into a buffer grown on `buffer_too_small` (up to [`MAX_PAGE`]).
fn grow(write: impl Fn(&mut Writer<'_>) -> Result<(), PageError>) -> Result<Vec<u8>, HostError> {
    grow_out(|out| {
        let mut w = Writer::new(out);
        write(&mut w)?;
        Ok(w.len())
    })
}

fn grow_out(write: impl Fn(&mut [u8]) -> Result<usize, PageError>) -> Result<Vec<u8>, HostError> {
    let mut size = 16 * 1024;
    loop {
        let mut out = vec![0u8; size];
        match write(&mut out) {
            Ok(len) => {
                out.truncate(len);
                return Ok(out);
            }
            Err(PageError::BufferTooSmall) if size < MAX_PAGE => size *= 2,
            Err(e) => return Err(HostError::of(&e)),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::x402_server::{OfferConfig, X402Server};
    use base64::Engine as _;
    use sha2::Digest as _;

    const TEMPLATE: &str = concat!(
        "<!doctype html><html lang=\"{{pay402.lang}}\"><head><title>{{pay402.title}}</title>",
        "{{pay402.theme}}<meta name=\"pay402-page\" content=\"{{pay402.data}}\"></head>",
        "<body>{{pay402.summary}}<script>start()</script></body></html>"
    );

    fn x402() -> X402Server {
        X402Server::new(
            vec![OfferConfig {
                scheme: "exact".into(),
                network: "eip155:84532".into(),
                asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e".into(),
                amount: "10000".into(),
                pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C".into(),
                max_timeout_seconds: Some(60),
                eip712_name: Some("USDC".into()),
                eip712_version: Some("2".into()),
                ..OfferConfig::default()
            }],
            resource(),
        )
        .unwrap()
    }

    fn resource() -> ResourceConfig {
        ResourceConfig {
            url: "https://api.example.com/report".into(),
            description: "The <b>report</b> & \"more\"".into(),
            mime_type: None,
        }
    }

    /// The page data the meta carries, decoded by the `base64` crate and `serde_json`.
    fn meta_data(body: &str) -> serde_json::Value {
        let marker = "<meta name=\"pay402-page\" content=\"";
        let start = body.find(marker).unwrap() + marker.len();
        let end = start + body[start..].find('"').unwrap();
        let json = base64::engine::general_purpose::STANDARD
            .decode(&body[start..end])
            .unwrap();
        serde_json::from_slice(&json).unwrap()
    }

    #[test]
    fn page_reply_keeps_the_challenge_and_embeds_it_byte_for_byte() {
        let server = x402();
        let challenge = server.challenge(None, None).unwrap();
        let page = PageServer::new(TEMPLATE.as_bytes(), PageConfig::default()).unwrap();
        let reply = page.reply(&challenge, &resource(), None).unwrap();
        assert_eq!((reply.status, reply.code), (402, "payment_required"));
        let header = |name: &str| {
            reply
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        let required = &challenge.headers[0];
        assert_eq!(required.0, "PAYMENT-REQUIRED");
        assert_eq!(header("PAYMENT-REQUIRED"), Some(required.1.as_str()));
        assert_eq!(header("Content-Type"), Some("text/html; charset=utf-8"));
        assert_eq!(header("Cache-Control"), Some("no-store"));
        assert_eq!(header("Vary"), Some("Accept, Sec-Fetch-Dest"));
        assert_eq!(header("X-Content-Type-Options"), Some("nosniff"));
        assert_eq!(header("Referrer-Policy"), Some("no-referrer"));
        assert_eq!(
            header("Content-Security-Policy"),
            Some("frame-ancestors 'none'; object-src 'none'")
        );
        assert_eq!(
            reply
                .headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                .count(),
            1
        );
        let body = String::from_utf8(reply.body.unwrap()).unwrap();
        let data = meta_data(&body);
        assert_eq!(data["v"], 1);
        assert_eq!(data["paymentRequired"], required.1.as_str());
        assert_eq!(
            data["resource"]["description"],
            "The <b>report</b> & \"more\""
        );
        assert_eq!(data["theme"]["title"], "Payment required");
        assert_eq!(data["showReceipt"], false);
        // Text context: markup escaped, never interpreted.
        assert!(body.contains(
            "<p class=\"pay402-description\">The &lt;b&gt;report&lt;/b&gt; &amp; \"more\"</p>"
        ));
        assert!(!body.contains("<b>report"));
        // 10000 atomic units of Base Sepolia USDC (6 decimals, the default asset).
        assert!(body.contains("0.01 USDC"), "{body}");
        assert!(body.contains("eip155:84532"));
        assert!(body.starts_with("<!doctype html><html lang=\"en\"><head><title>Payment required</title><style>:root{--pay402-background:#ffffff;"));
    }

    /// A Solana offer's page data lists the payee's associated token accounts under both token
    /// programs; expected values from @solana-program/token 0.9.0's `findAssociatedTokenPda`.
    #[cfg(feature = "svm")]
    #[test]
    fn solana_offers_carry_the_payee_token_accounts() {
        let server = X402Server::new(
            vec![
                OfferConfig {
                    scheme: "exact".into(),
                    network: "eip155:84532".into(),
                    asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e".into(),
                    amount: "10000".into(),
                    pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C".into(),
                    eip712_name: Some("USDC".into()),
                    eip712_version: Some("2".into()),
                    ..OfferConfig::default()
                },
                OfferConfig {
                    scheme: "exact".into(),
                    network: "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1".into(),
                    asset: "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU".into(),
                    amount: "10000".into(),
                    pay_to: "2wKupLR9q6wXYppw8Gr2NvWxKBUqm4PPJKkQfoxHDBg4".into(),
                    fee_payer: Some("EwWqGE4ZFKLofuestmU4LDdK7XM1N4ALgdZccwYugwGd".into()),
                    ..OfferConfig::default()
                },
            ],
            resource(),
        )
        .unwrap();
        let challenge = server.challenge(None, None).unwrap();
        let page = PageServer::new(TEMPLATE.as_bytes(), PageConfig::default()).unwrap();
        let reply = page.reply(&challenge, &resource(), None).unwrap();
        let data = meta_data(&String::from_utf8(reply.body.unwrap()).unwrap());
        assert_eq!(
            data["svmPayTo"],
            serde_json::json!([{
                "index": 1,
                "token": "A6cvo72FWB5PKDznP79KJv64DbT1aw7YbEfCm4AALHg8",
                "token2022": "5eD3tSGEa4krDehZJuKTkS3N8RZUDkob8FKv9qcPXG9o",
            }])
        );
        // an EVM-only page lists none
        let evm = page
            .reply(&x402().challenge(None, None).unwrap(), &resource(), None)
            .unwrap();
        let data = meta_data(&String::from_utf8(evm.body.unwrap()).unwrap());
        assert_eq!(data["svmPayTo"], serde_json::json!([]));
    }

    #[test]
    fn theme_and_l402_and_strict_csp() {
        let config = PageConfig {
            title: Some("Tom's <report>".into()),
            accent: Some("#005A9C".into()),
            rpc: vec![(
                "eip155:84532".into(),
                "https://sepolia.base.org/rpc?key=1".into(),
            )],
            display: vec![(6, "USDC".into())],
            messages: Some(r#"{"pay":"Bezahlen"}"#.into()),
            show_receipt: true,
            csp: CspMode::Strict,
            ..PageConfig::default()
        };
        let page = PageServer::new(TEMPLATE.as_bytes(), config).unwrap();
        let l402 = L402PageOffer {
            macaroon: "AgEEbHNhdA==".into(),
            invoice: "lnbcrt10u1p".into(),
            amount_msat: 1_000_000,
            expires_at: Some(1_700_000_600),
        };
        let challenge = Reply {
            status: 402,
            code: "payment_required",
            detail_code: None,
            headers: vec![(
                "WWW-Authenticate".into(),
                "L402 macaroon=\"AgEEbHNhdA==\", invoice=\"lnbcrt10u1p\"".into(),
            )],
            body: None,
        };
        let reply = page.reply(&challenge, &resource(), Some(&l402)).unwrap();
        assert_eq!(reply.headers[0], challenge.headers[0]);
        let body = String::from_utf8(reply.body.unwrap()).unwrap();
        assert!(body.contains("<title>Tom's &lt;report&gt;</title>"));
        assert!(body.contains("--pay402-accent:#005a9c;"));
        assert!(body.contains("1000 sat"));
        let data = meta_data(&body);
        assert_eq!(data["l402"]["invoice"], "lnbcrt10u1p");
        assert_eq!(data["l402"]["amountMsat"], 1_000_000);
        assert_eq!(data["messages"]["pay"], "Bezahlen");
        assert_eq!(
            data["rpc"]["eip155:84532"],
            "https://sepolia.base.org/rpc?key=1"
        );
        assert!(data.get("paymentRequired").is_none());
        let csp = &reply
            .headers
            .iter()
            .find(|(n, _)| n == "Content-Security-Policy")
            .unwrap()
            .1;
        // SHA-256 of the inline script and of the theme's style, computed here with sha2.
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
        let script = b64(&sha2::Sha256::digest(b"start()"));
        assert!(csp.contains(&format!("script-src 'wasm-unsafe-eval' 'sha256-{script}';")));
        let style_start = body.find("<style>").unwrap() + 7;
        let style_end = body.find("</style>").unwrap();
        let style = b64(&sha2::Sha256::digest(
            &body.as_bytes()[style_start..style_end],
        ));
        assert!(
            csp.contains(&format!("style-src 'sha256-{style}';")),
            "{csp}"
        );
        assert!(csp.contains("connect-src 'self' https://sepolia.base.org;"));
        assert!(csp.ends_with("frame-ancestors 'none'; object-src 'none'"));
    }

    #[test]
    fn wants_page_follows_the_core_and_the_opt_out() {
        let page = PageServer::new(TEMPLATE.as_bytes(), PageConfig::default()).unwrap();
        let nav = [
            ("Accept", "text/html,*/*;q=0.8"),
            ("Sec-Fetch-Dest", "document"),
        ];
        assert!(page.wants_page("GET", nav));
        assert!(!page.wants_page("GET", [("Accept", "*/*")]));
        assert!(!page.wants_page("GET", [("Accept", "text/html"), ("X-PAYMENT", "x")]));
        let off = PageServer::new(
            TEMPLATE.as_bytes(),
            PageConfig {
                disabled: true,
                ..PageConfig::default()
            },
        )
        .unwrap();
        assert!(!off.wants_page("GET", nav));
    }

    #[test]
    fn configuration_errors_carry_core_codes() {
        let code = |template: &str, config: PageConfig| {
            PageServer::new(template.as_bytes(), config)
                .unwrap_err()
                .code
        };
        assert_eq!(
            code("<title>{{pay402.title}}</title>", PageConfig::default()),
            "template_slot_missing"
        );
        let low = PageConfig {
            text: Some("#777777".into()),
            ..PageConfig::default()
        };
        assert_eq!(code(TEMPLATE, low), "theme_low_contrast");
        let rpc = PageConfig {
            rpc: vec![("eip155:1".into(), "javascript:alert(1)".into())],
            ..PageConfig::default()
        };
        assert_eq!(code(TEMPLATE, rpc), "page_rpc_invalid");
        let messages = PageConfig {
            messages: Some("[1]".into()),
            ..PageConfig::default()
        };
        assert_eq!(code(TEMPLATE, messages), "page_messages_invalid");
        let page = PageServer::new(TEMPLATE.as_bytes(), PageConfig::default()).unwrap();
        let empty = Reply {
            status: 402,
            code: "payment_required",
            detail_code: None,
            headers: vec![],
            body: None,
        };
        assert_eq!(
            page.reply(&empty, &resource(), None).unwrap_err().code,
            "page_no_offer"
        );
    }
}
