//! Filling the template: per-context escaping, the embedded page data, the reply headers.

use sha2::{Digest as _, Sha256};

use crate::writer::Writer;

use super::error::PageError;
use super::page_data::{PageData, RpcEndpoint, rpc_origin, validate_symbol, write_page_data};
use super::template::{BlockKind, Slot, Template};
use super::theme::{Rgb, Theme};

/// A price line of the server-rendered summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Price<'a> {
    /// The amount in atomic units, a decimal integer (at most 78 digits).
    pub amount: &'a str,
    /// Decimals of the asset (0 to 38): `10000` with 6 decimals shows as `0.01`.
    pub decimals: u8,
    /// The asset's symbol (1 to 16 printable ASCII bytes).
    pub symbol: &'a str,
    /// The network, as shown (e.g. `eip155:8453`).
    pub network: &'a str,
}

/// Everything [`write_page`] fills the template with.
#[derive(Clone, Copy, Debug)]
pub struct PageInput<'a> {
    /// The theme (validated again here).
    pub theme: &'a Theme<'a>,
    /// The embedded page data (validated again here).
    pub data: &'a PageData<'a>,
    /// The price lines of the summary, in offer order.
    pub prices: &'a [Price<'a>],
}

/// Writes the page: the template with its slots filled, each in its context — `lang` and
/// `data` attribute-escaped, `title` text-escaped, `theme` one `<style>` element of CSS custom
/// properties (`--pay402-background`, `--pay402-text`, `--pay402-accent`,
/// `--pay402-accent-text`), `summary` the server-rendered summary (logo, title, description,
/// prices), readable without JavaScript.
///
/// Errors: the theme's and the page data's validation errors, `page_price_invalid`,
/// `page_display_invalid`, `buffer_too_small`. On error `out` is zeroed: nothing is left
/// half-written.
///
/// ```
/// use pay402::page::{write_page, PageData, PageInput, Price, Template, Theme};
/// let template = Template::parse(br#"<html lang="{{pay402.lang}}"><title>{{pay402.title}}</title>{{pay402.theme}}<meta name="pay402-page" content="{{pay402.data}}">{{pay402.summary}}</html>"#).unwrap();
/// let theme = Theme { title: "Tom & Jerry's <report>", ..Theme::DEFAULT };
/// let data = PageData {
///     resource_url: "https://api.example/report",
///     description: "A report",
///     payment_required: Some("eyJ4NDAyVmVyc2lvbiI6Mn0="),
///     l402: None,
///     display: &[],
///     rpc: &[],
///     svm_pay_to: &[],
///     messages: None,
///     show_receipt: false,
/// };
/// let prices = [Price { amount: "10000", decimals: 6, symbol: "USDC", network: "eip155:8453" }];
/// let mut out = [0u8; 2048];
/// let html = write_page(&template, &PageInput { theme: &theme, data: &data, prices: &prices }, &mut out).unwrap();
/// let html = core::str::from_utf8(html).unwrap();
/// assert!(html.contains("<title>Tom &amp; Jerry's &lt;report&gt;</title>"));
/// assert!(html.contains("0.01 USDC"));
/// ```
pub fn write_page<'o>(
    template: &Template<'_>,
    input: &PageInput<'_>,
    out: &'o mut [u8],
) -> Result<&'o [u8], PageError> {
    input.theme.validate()?;
    input.data.validate()?;
    for price in input.prices {
        validate_price(price)?;
    }
    match fill(template, input, out) {
        Ok(len) => Ok(out.get(..len).unwrap_or_default()),
        Err(e) => {
            out.fill(0);
            Err(e)
        }
    }
}

fn fill(
    template: &Template<'_>,
    input: &PageInput<'_>,
    out: &mut [u8],
) -> Result<usize, PageError> {
    let mut pos = 0usize;
    for (text, slot) in template.pieces() {
        pos += append(out, pos, |w| Ok(w.push_str(text)?))?;
        let Some(slot) = slot else { continue };
        pos += match slot {
            Slot::Lang => append(out, pos, |w| Ok(escape_attribute(w, input.theme.lang)?))?,
            Slot::Title => append(out, pos, |w| Ok(escape_text(w, input.theme.title)?))?,
            Slot::Theme => append(out, pos, |w| {
                let (css, len) = theme_css(input.theme)?;
                w.push_str("<style>")?;
                w.push(css.get(..len).unwrap_or_default())?;
                Ok(w.push_str("</style>")?)
            })?,
            Slot::Summary => append(out, pos, |w| write_summary(w, input))?,
            Slot::Data => {
                let tail = out.get_mut(pos..).ok_or(PageError::BufferTooSmall)?;
                write_data_base64(tail, input.data, input.theme)?
            }
        };
    }
    Ok(pos)
}

/// Runs `f` on a writer over `out[pos..]`; the number of bytes it wrote.
fn append(
    out: &mut [u8],
    pos: usize,
    f: impl FnOnce(&mut Writer<'_>) -> Result<(), PageError>,
) -> Result<usize, PageError> {
    let mut w = Writer::new(out.get_mut(pos..).ok_or(PageError::BufferTooSmall)?);
    f(&mut w)?;
    Ok(w.len())
}

/// The page data's JSON, base64-encoded in place at the start of `tail`; its length.
///
/// The JSON is written first, moved to the end of `tail`, then encoded forward three bytes at a
/// time: output chunk `i` ends at `4 i + 4`, input chunk `i + 1` starts at `len − n + 3 i + 3`,
/// and `len ≥ 4 ⌈n / 3⌉ ≥ n + ⌈n / 3⌉` keeps the writes behind the reads.
fn write_data_base64(
    tail: &mut [u8],
    data: &PageData<'_>,
    theme: &Theme<'_>,
) -> Result<usize, PageError> {
    let n = {
        let mut w = Writer::new(&mut *tail);
        write_page_data(&mut w, data, theme)?;
        w.len()
    };
    let len = tail.len();
    let encoded = n
        .div_ceil(3)
        .checked_mul(4)
        .ok_or(PageError::BufferTooSmall)?;
    if encoded > len {
        return Err(PageError::BufferTooSmall);
    }
    let start = len - n;
    tail.copy_within(0..n, start);
    let mut read = start;
    let mut written = 0;
    while read < len {
        let end = (read + 3).min(len);
        let mut chunk = [0u8; 3];
        let input = tail.get(read..end).unwrap_or_default();
        let k = input.len();
        chunk
            .get_mut(..k)
            .unwrap_or_default()
            .copy_from_slice(input);
        let mut quad = [0u8; 4];
        crate::base64::encode_into(chunk.get(..k).unwrap_or_default(), &mut quad)?;
        tail.get_mut(written..written + 4)
            .ok_or(PageError::BufferTooSmall)?
            .copy_from_slice(&quad);
        written += 4;
        read = end;
    }
    // The JSON's remains past the encoding are not part of the page.
    if let Some(rest) = tail.get_mut(written..) {
        rest.fill(0);
    }
    Ok(written)
}

fn write_summary(w: &mut Writer<'_>, input: &PageInput<'_>) -> Result<(), PageError> {
    let theme = input.theme;
    w.push_str("<header class=\"pay402-summary\">")?;
    if let Some(logo) = theme.logo {
        w.push_str("<img class=\"pay402-logo\" src=\"")?;
        escape_attribute(w, logo)?;
        w.push_str("\" alt=\"\" width=\"48\" height=\"48\">")?;
    }
    w.push_str("<h1 class=\"pay402-title\">")?;
    escape_text(w, theme.title)?;
    w.push_str("</h1>")?;
    if !input.data.description.is_empty() {
        w.push_str("<p class=\"pay402-description\">")?;
        escape_text(w, input.data.description)?;
        w.push_str("</p>")?;
    }
    if !input.prices.is_empty() {
        w.push_str("<ul class=\"pay402-prices\">")?;
        for price in input.prices {
            w.push_str("<li><span class=\"pay402-amount\">")?;
            write_amount(w, price.amount, price.decimals)?;
            w.push_byte(b' ')?;
            escape_text(w, price.symbol)?;
            w.push_str("</span> <span class=\"pay402-network\">")?;
            escape_text(w, price.network)?;
            w.push_str("</span></li>")?;
        }
        w.push_str("</ul>")?;
    }
    w.push_str("</header>")?;
    Ok(())
}

fn validate_price(price: &Price<'_>) -> Result<(), PageError> {
    if price.amount.is_empty()
        || price.amount.len() > 78
        || !price.amount.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(PageError::Price);
    }
    if price.network.is_empty() || price.network.chars().any(char::is_control) {
        return Err(PageError::Price);
    }
    validate_symbol(price.decimals, price.symbol)
}

/// Writes the atomic decimal `amount` shifted by `decimals`: no leading zeros in the integer
/// part, no trailing zeros in the fraction (`10000`, 6 → `0.01`; `1500000`, 6 → `1.5`).
///
/// ```
/// use pay402::page::write_amount;
/// use pay402::writer::Writer;
/// let mut buf = [0u8; 32];
/// let mut w = Writer::new(&mut buf);
/// write_amount(&mut w, "0012000", 3).unwrap();
/// assert_eq!(w.written(), b"12");
/// ```
pub fn write_amount(w: &mut Writer<'_>, amount: &str, decimals: u8) -> Result<(), PageError> {
    if amount.is_empty() || !amount.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PageError::Price);
    }
    let digits = amount.trim_start_matches('0').as_bytes();
    let decimals = usize::from(decimals);
    let split = digits.len().saturating_sub(decimals);
    let (int, frac) = digits.split_at(split);
    if int.is_empty() {
        w.push_byte(b'0')?;
    } else {
        w.push(int)?;
    }
    let zeros = frac.iter().rev().take_while(|b| **b == b'0').count();
    let significant = frac.get(..frac.len() - zeros).unwrap_or_default();
    if !significant.is_empty() {
        w.push_byte(b'.')?;
        for _ in 0..decimals - frac.len() {
            w.push_byte(b'0')?;
        }
        w.push(significant)?;
    }
    Ok(())
}

/// Escapes text content (the HTML Standard's data and RCDATA states): `&`, `<`,
/// `>` become character references.
///
/// ```
/// use pay402::page::escape_text;
/// use pay402::writer::Writer;
/// let mut buf = [0u8; 32];
/// let mut w = Writer::new(&mut buf);
/// escape_text(&mut w, "a<b & \"c\"").unwrap();
/// assert_eq!(w.written(), b"a&lt;b &amp; \"c\"");
/// ```
pub fn escape_text(w: &mut Writer<'_>, s: &str) -> Result<(), crate::BufferTooSmall> {
    escape(w, s, false)
}

/// Escapes a double-quoted attribute value: `&`, `<`, `>`, `"` and `'` become character
/// references.
///
/// ```
/// use pay402::page::escape_attribute;
/// use pay402::writer::Writer;
/// let mut buf = [0u8; 32];
/// let mut w = Writer::new(&mut buf);
/// escape_attribute(&mut w, "x\" onload='y'").unwrap();
/// assert_eq!(w.written(), b"x&quot; onload=&#39;y&#39;");
/// ```
pub fn escape_attribute(w: &mut Writer<'_>, s: &str) -> Result<(), crate::BufferTooSmall> {
    escape(w, s, true)
}

fn escape(w: &mut Writer<'_>, s: &str, attribute: bool) -> Result<(), crate::BufferTooSmall> {
    let bytes = s.as_bytes();
    let mut run = 0;
    for (i, b) in bytes.iter().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' if attribute => "&quot;",
            b'\'' if attribute => "&#39;",
            _ => continue,
        };
        w.push(bytes.get(run..i).unwrap_or_default())?;
        w.push_str(entity)?;
        run = i + 1;
    }
    w.push(bytes.get(run..).unwrap_or_default())
}

/// The theme's CSS (without the `<style>` tags) in a fixed buffer, and its length.
fn theme_css(theme: &Theme<'_>) -> Result<([u8; 160], usize), PageError> {
    let mut buf = [0u8; 160];
    let len = {
        let mut w = Writer::new(&mut buf);
        w.push_str(":root{")?;
        for (name, value) in [
            ("--pay402-background", theme.background),
            ("--pay402-text", theme.text),
            ("--pay402-accent", theme.accent),
            ("--pay402-accent-text", theme.accent_text),
        ] {
            let Rgb(rgb) = Rgb::parse(value).ok_or(PageError::ThemeColor {
                color: super::error::ColorName::Background,
            })?;
            w.push_str(name)?;
            w.push_str(":#")?;
            crate::hex::write_lower(&mut w, &rgb)?;
            w.push_byte(b';')?;
        }
        w.push_byte(b'}')?;
        w.len()
    };
    Ok((buf, len))
}

/// The headers every page reply carries besides its CSP, in order.
pub const PAGE_HEADERS: [(&str, &str); 5] = [
    ("Content-Type", "text/html; charset=utf-8"),
    // L402 invoices and x402 offers are per request.
    ("Cache-Control", "no-store"),
    ("Vary", VARY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
];

/// The `Vary` value of every reply of a page-enabled route (page or API), since
/// [`super::presentation`] reads these request headers.
pub const VARY: &str = "Accept, Sec-Fetch-Dest";

/// The default `Content-Security-Policy`: no framing, no plugins. A stricter policy would also
/// bind the paid HTML that replaces the document in place.
pub const MINIMAL_CSP: &str = "frame-ancestors 'none'; object-src 'none'";

/// Which `Content-Security-Policy` a page reply carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CspMode {
    /// [`MINIMAL_CSP`].
    #[default]
    Minimal,
    /// Scripts and styles only by their SHA-256 (the template's inline blocks and the theme's
    /// style), `'wasm-unsafe-eval'` for the page's wasm, images from the origin, `data:` and
    /// `blob:`, connections to the origin and the configured RPC origins; nothing else. For
    /// routes whose paid content is not HTML.
    Strict,
}

/// Writes the `Content-Security-Policy` value for `mode` (CSP Level 3,
/// <https://www.w3.org/TR/CSP3/>).
///
/// ```
/// use pay402::page::{write_csp, CspMode, Template, Theme, MINIMAL_CSP};
/// use pay402::writer::Writer;
/// let template = Template::parse(br#"<html lang="{{pay402.lang}}"><title>{{pay402.title}}</title>{{pay402.theme}}<meta content="{{pay402.data}}">{{pay402.summary}}<script>go()</script></html>"#).unwrap();
/// let mut buf = [0u8; 1024];
/// let mut w = Writer::new(&mut buf);
/// write_csp(&mut w, CspMode::Minimal, &template, &Theme::DEFAULT, &[]).unwrap();
/// assert_eq!(w.written(), MINIMAL_CSP.as_bytes());
/// let mut w = Writer::new(&mut buf);
/// write_csp(&mut w, CspMode::Strict, &template, &Theme::DEFAULT, &[]).unwrap();
/// assert!(w.written().starts_with(b"default-src 'none'; script-src 'wasm-unsafe-eval' 'sha256-"));
/// ```
pub fn write_csp(
    w: &mut Writer<'_>,
    mode: CspMode,
    template: &Template<'_>,
    theme: &Theme<'_>,
    rpc: &[RpcEndpoint<'_>],
) -> Result<(), PageError> {
    if mode == CspMode::Minimal {
        w.push_str(MINIMAL_CSP)?;
        return Ok(());
    }
    theme.validate()?;
    for endpoint in rpc {
        PageData {
            resource_url: "",
            description: "",
            payment_required: Some("e30="),
            l402: None,
            display: &[],
            rpc: core::slice::from_ref(endpoint),
            svm_pay_to: &[],
            messages: None,
            show_receipt: false,
        }
        .validate()?;
    }
    w.push_str("default-src 'none'; script-src 'wasm-unsafe-eval'")?;
    for (kind, hash) in template.inline_hashes() {
        if kind == BlockKind::Script {
            write_hash_source(w, &hash)?;
        }
    }
    w.push_str("; style-src")?;
    let (css, len) = theme_css(theme)?;
    write_hash_source(
        w,
        &Sha256::digest(css.get(..len).unwrap_or_default()).into(),
    )?;
    for (kind, hash) in template.inline_hashes() {
        if kind == BlockKind::Style {
            write_hash_source(w, &hash)?;
        }
    }
    w.push_str("; img-src 'self' data: blob:; connect-src 'self'")?;
    for endpoint in rpc {
        w.push_byte(b' ')?;
        w.push_str(rpc_origin(endpoint.url))?;
    }
    w.push_str("; base-uri 'none'; form-action 'none'; ")?;
    w.push_str(MINIMAL_CSP)?;
    Ok(())
}

fn write_hash_source(w: &mut Writer<'_>, hash: &[u8; 32]) -> Result<(), PageError> {
    w.push_str(" 'sha256-")?;
    crate::base64::write(w, hash)?;
    w.push_byte(b'\'')?;
    Ok(())
}
