//! The page server's bad-input catalogue: every broken template, theme, page data and buffer is
//! answered with the exact code listed here — never a panic, never a different code — and a
//! failed write leaves nothing behind.
#![cfg(feature = "page")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::too_many_lines // catalogues: one row per broken input, read top to bottom
)]

use pay402::ErrorCode;
use pay402::page::{
    DisplayHint, L402Offer, PageData, PageInput, PagePolicy, Presentation, Price, RpcEndpoint,
    Template, Theme, presentation, write_page,
};

const TEMPLATE: &str = concat!(
    "<!doctype html><html lang=\"{{pay402.lang}}\"><head><title>{{pay402.title}}</title>",
    "{{pay402.theme}}<meta name=\"pay402-page\" content=\"{{pay402.data}}\"></head>",
    "<body>{{pay402.summary}}<script>start()</script></body></html>"
);

const DATA: PageData<'static> = PageData {
    resource_url: "https://api.example/report",
    description: "A report",
    payment_required: Some("eyJ4NDAyVmVyc2lvbiI6Mn0="),
    l402: None,
    display: &[],
    rpc: &[],
    svm_pay_to: &[],
    messages: None,
    show_receipt: false,
};

fn template_code(text: &str) -> &'static str {
    match Template::parse(text.as_bytes()) {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

#[test]
fn template_catalogue() {
    let rows: &[(&str, String, &str)] = &[
        ("the reference template", TEMPLATE.to_owned(), "ok"),
        (
            "slot missing",
            TEMPLATE.replace("{{pay402.summary}}", ""),
            "template_slot_missing",
        ),
        (
            "slot twice",
            TEMPLATE.replace("</body>", "{{pay402.title}}</body>"),
            "template_slot_duplicated",
        ),
        (
            "unknown slot",
            TEMPLATE.replace("</body>", "{{pay402.price}}</body>"),
            "template_slot_unknown",
        ),
        (
            "unterminated slot prefix",
            TEMPLATE.replace("</body>", "{{pay402.</body>"),
            "template_slot_unknown",
        ),
        (
            "slot inside a script",
            TEMPLATE
                .replace("{{pay402.summary}}", "")
                .replace("start()", "start({{pay402.summary}})"),
            "template_inline_block_invalid",
        ),
        (
            "slot inside a style",
            TEMPLATE.replace("{{pay402.theme}}", "<style>{{pay402.theme}}</style>"),
            "template_inline_block_invalid",
        ),
        (
            "script never closed",
            TEMPLATE.replace("</script>", ""),
            "template_inline_block_invalid",
        ),
        (
            "data slot unquoted",
            TEMPLATE.replace("\"{{pay402.data}}\"", "{{pay402.data}}"),
            "template_slot_context_invalid",
        ),
        (
            "lang slot single-quoted",
            TEMPLATE.replace("\"{{pay402.lang}}\"", "'{{pay402.lang}}'"),
            "template_slot_context_invalid",
        ),
        (
            "data slot part of a value",
            TEMPLATE.replace("\"{{pay402.data}}\"", "\"x{{pay402.data}}\""),
            "template_slot_context_invalid",
        ),
        (
            "seventeen inline scripts",
            TEMPLATE.replace("</body>", &"<script>x</script>".repeat(16)),
            "template_too_many_inline_blocks",
        ),
        (
            "upper-case SCRIPT closed by upper-case tag",
            TEMPLATE.replace("</body>", "<SCRIPT>y</SCRIPT></body>"),
            "ok",
        ),
    ];
    for (what, text, want) in rows {
        assert_eq!(template_code(text), *want, "{what}");
    }
    assert_eq!(
        Template::parse(&[0xc3, 0x28]).unwrap_err().code(),
        "template_not_utf8"
    );
}

fn write_code(data: &PageData<'_>, prices: &[Price<'_>], theme: &Theme<'_>) -> &'static str {
    let template = Template::parse(TEMPLATE.as_bytes()).unwrap();
    let mut out = vec![0u8; 1 << 16];
    let input = PageInput {
        theme,
        data,
        prices,
    };
    match write_page(&template, &input, &mut out) {
        Ok(_) => "ok",
        Err(e) => {
            assert!(out.iter().all(|b| *b == 0), "nothing half-written");
            e.code()
        }
    }
}

#[test]
fn page_data_and_price_catalogue() {
    let t = Theme::DEFAULT;
    let usdc = Price {
        amount: "10000",
        decimals: 6,
        symbol: "USDC",
        network: "eip155:8453",
    };
    let rows: &[(&str, PageData<'_>, Price<'_>, &str)] = &[
        ("valid", DATA, usdc, "ok"),
        (
            "no offer at all",
            PageData {
                payment_required: None,
                ..DATA
            },
            usdc,
            "page_no_offer",
        ),
        (
            "PAYMENT-REQUIRED with a quote",
            PageData {
                payment_required: Some("e30=\"onload"),
                ..DATA
            },
            usdc,
            "page_offer_invalid",
        ),
        (
            "L402 invoice with a space",
            PageData {
                l402: Some(L402Offer {
                    macaroon: "AgE=",
                    invoice: "lnbc 1",
                    amount_msat: 1000,
                    expires_at: None,
                }),
                ..DATA
            },
            usdc,
            "page_offer_invalid",
        ),
        (
            "display decimals 39",
            PageData {
                display: &[DisplayHint {
                    decimals: 39,
                    symbol: "X",
                }],
                ..DATA
            },
            usdc,
            "page_display_invalid",
        ),
        (
            "RPC URL javascript:",
            PageData {
                rpc: &[RpcEndpoint {
                    network: "eip155:1",
                    url: "javascript:alert(1)",
                }],
                ..DATA
            },
            usdc,
            "page_rpc_invalid",
        ),
        (
            "RPC URL with a quote (would break out of the CSP)",
            PageData {
                rpc: &[RpcEndpoint {
                    network: "eip155:1",
                    url: "https://rpc.example/';script-src *",
                }],
                ..DATA
            },
            usdc,
            "page_rpc_invalid",
        ),
        (
            "messages not an object",
            PageData {
                messages: Some("[\"a\"]"),
                ..DATA
            },
            usdc,
            "page_messages_invalid",
        ),
        (
            "messages with a number",
            PageData {
                messages: Some("{\"pay\":1}"),
                ..DATA
            },
            usdc,
            "page_messages_invalid",
        ),
        (
            "amount with a sign",
            DATA,
            Price {
                amount: "-1",
                ..usdc
            },
            "page_price_invalid",
        ),
        (
            "amount empty",
            DATA,
            Price { amount: "", ..usdc },
            "page_price_invalid",
        ),
        (
            "symbol with a space",
            DATA,
            Price {
                symbol: "US DC",
                ..usdc
            },
            "page_display_invalid",
        ),
    ];
    for (what, data, price, want) in rows {
        assert_eq!(write_code(data, &[*price], &t), *want, "{what}");
    }
    let low = Theme {
        accent_text: "#0b57d0",
        ..t
    };
    assert_eq!(write_code(&DATA, &[usdc], &low), "theme_low_contrast");
}

#[test]
fn a_small_buffer_fails_cleanly_at_every_size() {
    let template = Template::parse(TEMPLATE.as_bytes()).unwrap();
    let prices = [Price {
        amount: "10000",
        decimals: 6,
        symbol: "USDC",
        network: "eip155:8453",
    }];
    let input = PageInput {
        theme: &Theme::DEFAULT,
        data: &DATA,
        prices: &prices,
    };
    let mut big = vec![0u8; 1 << 16];
    let full = write_page(&template, &input, &mut big).unwrap().len();
    for size in 0..full {
        let mut out = vec![0xaau8; size];
        let e = write_page(&template, &input, &mut out).unwrap_err();
        assert_eq!(e.code(), "buffer_too_small", "size {size}");
        assert!(
            out.iter().all(|b| *b == 0),
            "size {size}: bytes left behind"
        );
    }
    let mut exact = vec![0u8; full];
    assert!(write_page(&template, &input, &mut exact).is_ok());
}

#[test]
fn amounts_are_shifted_exactly() {
    let cases = [
        ("10000", 6, "0.01"),
        ("1500000", 6, "1.5"),
        ("0", 6, "0"),
        ("000", 0, "0"),
        ("1", 18, "0.000000000000000001"),
        ("1000000000000000000", 18, "1"),
        ("123", 0, "123"),
        ("1000", 3, "1"),
        ("1001", 3, "1.001"),
        (
            "115792089237316195423570985008687907853269984665640564039457584007913129639935",
            6,
            "115792089237316195423570985008687907853269984665640564039457584007913129.639935",
        ),
    ];
    for (amount, decimals, want) in cases {
        let mut buf = [0u8; 128];
        let mut w = pay402::writer::Writer::new(&mut buf);
        pay402::page::write_amount(&mut w, amount, decimals).unwrap();
        assert_eq!(
            core::str::from_utf8(w.written()).unwrap(),
            want,
            "{amount}/{decimals}"
        );
    }
}

#[test]
fn presentation_survives_hostile_headers() {
    let policy = PagePolicy::default();
    let long = "text/html;".repeat(10_000);
    let rows: &[(&str, &str, Presentation)] = &[
        ("Accept", &long, Presentation::Api),
        ("Accept", "text/html;q=", Presentation::Api),
        ("Accept", "text/html;q=\"1\"", Presentation::Api),
        ("Accept", "text/html;a=\"unterminated", Presentation::Api),
        (
            "Accept",
            "text/html;a=\"esc\\\"aped\";q=1",
            Presentation::Page,
        ),
        ("Accept", "text/html;q=0.5;q=0.6", Presentation::Api),
        ("Accept", "/", Presentation::Api),
        ("Accept", "\u{e9}/html", Presentation::Api),
        ("Accept", "text/html ; q=1.0", Presentation::Page),
        ("Authorization", "", Presentation::Page),
        ("Sec-Fetch-Dest", "", Presentation::Api),
    ];
    for (name, value, want) in rows {
        let headers = [("Accept", "text/html"), (*name, *value)];
        let headers: &[(&str, &str)] = if *name == "Accept" {
            &headers[1..]
        } else {
            &headers
        };
        assert_eq!(
            presentation("GET", headers.iter().copied(), &policy),
            *want,
            "{name}: {value:.40}"
        );
    }
}
