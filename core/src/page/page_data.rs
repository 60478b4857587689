//! The page data: one JSON object the page reads from `<meta name="pay402-page">`, base64.
//!
//! The page's script never receives server values through its source: it decodes this meta,
//! which carries the *same* `PAYMENT-REQUIRED` value the response header carries.

use crate::json::{RawValue, write_string, write_u64};
use crate::writer::Writer;

use super::error::PageError;
use super::theme::Theme;

/// The page data's format version (`"v"`).
pub const PAGE_DATA_VERSION: u64 = 1;

/// What the page sells and how it may reach the chains.
///
/// Its JSON (written by [`write_page_data`]):
/// `{"v":1,"resource":{"url","description"},"paymentRequired"?,"l402":{"macaroon","invoice",
/// "amountMsat","expiresAt"?}?,"display":[{"decimals","symbol"}],"rpc":{"<caip2>":"<url>"},
/// "svmPayTo":[{"index","token","token2022"}],"theme":{"title","logo"?,"lang"},"messages"?:{…},
/// "showReceipt":bool}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageData<'a> {
    /// The protected resource's URL.
    pub resource_url: &'a str,
    /// What is sold.
    pub description: &'a str,
    /// The `PAYMENT-REQUIRED` header value of the same challenge, byte for byte (base64).
    pub payment_required: Option<&'a str>,
    /// The L402 offer of the same challenge.
    pub l402: Option<L402Offer<'a>>,
    /// Display hints, by offer index of `paymentRequired.accepts`.
    pub display: &'a [DisplayHint<'a>],
    /// JSON-RPC URLs by CAIP-2 network, for balance checks and Solana reads.
    pub rpc: &'a [RpcEndpoint<'a>],
    /// The payee's token accounts of the Solana offers (the page derives none itself).
    pub svm_pay_to: &'a [SvmPayTo<'a>],
    /// A JSON object of strings overriding the page's English messages.
    pub messages: Option<&'a str>,
    /// Show the receipt before replacing the page with paid HTML.
    pub show_receipt: bool,
}

/// The L402 offer, from the server's own (already verified) invoice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct L402Offer<'a> {
    /// The macaroon, base64 as in the challenge.
    pub macaroon: &'a str,
    /// The BOLT11 invoice.
    pub invoice: &'a str,
    /// The invoice amount in millisatoshis.
    pub amount_msat: u64,
    /// Unix seconds at which the invoice expires.
    pub expires_at: Option<u64>,
}

/// How to show an offer's amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DisplayHint<'a> {
    /// Decimals of the asset (0 to 38).
    pub decimals: u8,
    /// Its symbol (1 to 16 printable ASCII bytes).
    pub symbol: &'a str,
}

/// The payee's associated token accounts of a Solana offer's mint, one per token program (the
/// page learns which program owns the mint only when it reads the mint account), base58.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SvmPayTo<'a> {
    /// The offer's index in `paymentRequired.accepts`.
    pub index: usize,
    /// The associated token account under SPL Token.
    pub token: &'a str,
    /// The associated token account under Token-2022.
    pub token_2022: &'a str,
}

/// A JSON-RPC endpoint for a network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RpcEndpoint<'a> {
    /// CAIP-2 network id, e.g. `eip155:84532`.
    pub network: &'a str,
    /// `https://…` (or `http://…`).
    pub url: &'a str,
}

impl PageData<'_> {
    /// Checks every field (`page_no_offer`, `page_offer_invalid`, `page_display_invalid`,
    /// `page_rpc_invalid`, `page_messages_invalid`).
    pub fn validate(&self) -> Result<(), PageError> {
        if self.payment_required.is_none() && self.l402.is_none() {
            return Err(PageError::NoOffer);
        }
        if let Some(value) = self.payment_required {
            let base64 = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
            if value.is_empty() || !value.bytes().all(base64) {
                return Err(PageError::Offer);
            }
        }
        if let Some(l402) = self.l402 {
            let printable = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic());
            if !printable(l402.macaroon) || !printable(l402.invoice) {
                return Err(PageError::Offer);
            }
        }
        for hint in self.display {
            validate_symbol(hint.decimals, hint.symbol)?;
        }
        for rpc in self.rpc {
            validate_rpc(rpc)?;
        }
        let base58 = |s: &str| {
            (32..=44).contains(&s.len())
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() && !matches!(b, b'0' | b'O' | b'I' | b'l'))
        };
        for pay_to in self.svm_pay_to {
            if !base58(pay_to.token) || !base58(pay_to.token_2022) {
                return Err(PageError::Offer);
            }
        }
        if let Some(messages) = self.messages {
            let value = RawValue::parse(messages.as_bytes()).map_err(|_| PageError::Messages)?;
            let members = value.members().ok_or(PageError::Messages)?;
            for (_, value) in members {
                if value.as_str().is_none() {
                    return Err(PageError::Messages);
                }
            }
        }
        Ok(())
    }
}

pub(super) fn validate_symbol(decimals: u8, symbol: &str) -> Result<(), PageError> {
    if decimals > 38
        || symbol.is_empty()
        || symbol.len() > 16
        || !symbol.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(PageError::Display);
    }
    Ok(())
}

fn validate_rpc(rpc: &RpcEndpoint<'_>) -> Result<(), PageError> {
    let network_ok = !rpc.network.is_empty()
        && rpc.network.len() <= 64
        && rpc.network.bytes().all(|b| b.is_ascii_graphic());
    let rest = rpc
        .url
        .strip_prefix("https://")
        .or_else(|| rpc.url.strip_prefix("http://"));
    let url_ok = rpc.url.len() <= 2048
        && rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
        && rpc.url.bytes().all(|b| {
            b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b';' | b',' | b'<' | b'>' | b'\\')
        });
    if network_ok && url_ok {
        Ok(())
    } else {
        Err(PageError::Rpc)
    }
}

/// The origin (`scheme://authority`) of a validated RPC URL, for `connect-src`.
pub(super) fn rpc_origin(url: &str) -> &str {
    let after = url.find("://").map_or(0, |i| i + 3);
    let end = url
        .get(after..)
        .and_then(|r| r.find(['/', '?', '#']))
        .map_or(url.len(), |i| after + i);
    url.get(..end).unwrap_or(url)
}

/// Writes the page data's JSON (see [`PageData`]) after validating it; `theme` gives the
/// `theme` member. Run under [`crate::writer::write_all`] for nothing half-written.
///
/// ```
/// use pay402::page::{write_page_data, PageData, Theme};
/// use pay402::writer::Writer;
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
/// let mut buf = [0u8; 512];
/// let mut w = Writer::new(&mut buf);
/// write_page_data(&mut w, &data, &Theme::DEFAULT).unwrap();
/// assert!(w.written().starts_with(br#"{"v":1,"resource":{"url":"https://api.example/report""#));
/// ```
pub fn write_page_data(
    w: &mut Writer<'_>,
    data: &PageData<'_>,
    theme: &Theme<'_>,
) -> Result<(), PageError> {
    data.validate()?;
    theme.validate()?;
    w.push_str("{\"v\":")?;
    write_u64(w, PAGE_DATA_VERSION)?;
    w.push_str(",\"resource\":{\"url\":")?;
    write_string(w, data.resource_url)?;
    w.push_str(",\"description\":")?;
    write_string(w, data.description)?;
    w.push_byte(b'}')?;
    if let Some(value) = data.payment_required {
        w.push_str(",\"paymentRequired\":")?;
        write_string(w, value)?;
    }
    if let Some(l402) = data.l402 {
        w.push_str(",\"l402\":{\"macaroon\":")?;
        write_string(w, l402.macaroon)?;
        w.push_str(",\"invoice\":")?;
        write_string(w, l402.invoice)?;
        w.push_str(",\"amountMsat\":")?;
        write_u64(w, l402.amount_msat)?;
        if let Some(at) = l402.expires_at {
            w.push_str(",\"expiresAt\":")?;
            write_u64(w, at)?;
        }
        w.push_byte(b'}')?;
    }
    w.push_str(",\"display\":[")?;
    for (i, hint) in data.display.iter().enumerate() {
        if i > 0 {
            w.push_byte(b',')?;
        }
        w.push_str("{\"decimals\":")?;
        write_u64(w, u64::from(hint.decimals))?;
        w.push_str(",\"symbol\":")?;
        write_string(w, hint.symbol)?;
        w.push_byte(b'}')?;
    }
    w.push_str("],\"rpc\":{")?;
    for (i, rpc) in data.rpc.iter().enumerate() {
        if i > 0 {
            w.push_byte(b',')?;
        }
        write_string(w, rpc.network)?;
        w.push_byte(b':')?;
        write_string(w, rpc.url)?;
    }
    w.push_str("},\"svmPayTo\":[")?;
    for (i, pay_to) in data.svm_pay_to.iter().enumerate() {
        if i > 0 {
            w.push_byte(b',')?;
        }
        w.push_str("{\"index\":")?;
        write_u64(w, u64::try_from(pay_to.index).unwrap_or(u64::MAX))?;
        w.push_str(",\"token\":")?;
        write_string(w, pay_to.token)?;
        w.push_str(",\"token2022\":")?;
        write_string(w, pay_to.token_2022)?;
        w.push_byte(b'}')?;
    }
    w.push_str("],\"theme\":{\"title\":")?;
    write_string(w, theme.title)?;
    if let Some(logo) = theme.logo {
        w.push_str(",\"logo\":")?;
        write_string(w, logo)?;
    }
    w.push_str(",\"lang\":")?;
    write_string(w, theme.lang)?;
    w.push_byte(b'}')?;
    if let Some(messages) = data.messages {
        let value = RawValue::parse(messages.as_bytes()).map_err(|_| PageError::Messages)?;
        w.push_str(",\"messages\":")?;
        crate::json::write_minified(w, &value)?;
    }
    w.push_str(",\"showReceipt\":")?;
    w.push_str(if data.show_receipt { "true" } else { "false" })?;
    w.push_byte(b'}')?;
    Ok(())
}
