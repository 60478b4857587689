//! The client's reading of the answer to a paid retry never panics on any status, headers or
//! body, and a served answer is never read as a refusal: a 2xx without a receipt is served.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::x402::client::{PaidResponse, read_paid_response};

fuzz_target!(|data: &[u8]| {
    // [0..2]: the status (big endian); then `name: value` header lines; an empty line; the body.
    let Some((status, rest)) = data.split_first_chunk::<2>() else {
        return;
    };
    let status = u16::from_be_bytes(*status);
    let (head, body) = match rest.windows(2).position(|w| w == b"\n\n") {
        Some(i) => (&rest[..i], &rest[i + 2..]),
        None => (rest, &[][..]),
    };
    let text = String::from_utf8_lossy(head);
    let headers: Vec<(&str, &str)> = text
        .lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim(), v.trim()))
        .collect();
    let mut buf = vec![0u8; 8192];
    let verdict = read_paid_response(status, &headers, body, &mut buf);
    if (200..300).contains(&status) && headers.is_empty() {
        assert!(
            matches!(verdict, PaidResponse::Served { receipt: None }),
            "{status}"
        );
    }
});
