//! The page server's parsers never panic: `presentation` over arbitrary request headers (the
//! Accept grammar, credentials, Sec-Fetch-Dest), `Template::parse` over arbitrary bytes, and
//! `write_page` of any template that parses, into a buffer that may be too small.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::page::{
    PageData, PageInput, PagePolicy, Price, Template, Theme, presentation, write_page,
};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    if selector & 1 == 0 {
        // Headers: one `name:value` per line; the method is the first line.
        let Ok(text) = core::str::from_utf8(rest) else {
            return;
        };
        let mut lines = text.split('\n');
        let method = lines.next().unwrap_or("");
        let headers = lines.filter_map(|line| line.split_once(':'));
        let policy = PagePolicy {
            enabled: true,
            require_mozilla_user_agent: selector & 2 != 0,
        };
        let _ = presentation(method, headers, &policy);
    } else {
        let Ok(template) = Template::parse(rest) else {
            return;
        };
        let _ = template.inline_hashes().count();
        let data = PageData {
            resource_url: "https://api.example/r",
            description: "<d>",
            payment_required: Some("eyJ4NDAyVmVyc2lvbiI6Mn0="),
            l402: None,
            display: &[],
            svm_pay_to: &[],
            rpc: &[],
            messages: None,
            show_receipt: false,
        };
        let prices = [Price {
            amount: "10000",
            decimals: 6,
            symbol: "USDC",
            network: "eip155:8453",
        }];
        let input = PageInput {
            theme: &Theme::DEFAULT,
            data: &data,
            prices: &prices,
        };
        let mut out = vec![0u8; usize::from(selector >> 1) * 64];
        if write_page(&template, &input, &mut out).is_err() {
            assert!(
                out.iter().all(|b| *b == 0),
                "a failed write_page left bytes behind"
            );
        }
    }
});
