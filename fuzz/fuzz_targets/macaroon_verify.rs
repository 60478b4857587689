//! Verification of arbitrary concatenated binary macaroons (root first, then discharges, as Go's
//! `Slice`) never panics, in both modes, with a checker that accepts, rejects or does not know.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::macaroon::verify::{Verdict, VerifyPolicy, verify};
use pay402::macaroon::{MAX_DISCHARGES, Macaroon};

fuzz_target!(|data: &[u8]| {
    let Some((&key_len, rest)) = data.split_first() else {
        return;
    };
    let key_len = usize::from(key_len % 48).min(rest.len());
    let (root_key, mut bytes) = rest.split_at(key_len);
    let mut macs = Vec::new();
    while !bytes.is_empty() && macs.len() <= MAX_DISCHARGES + 1 {
        match Macaroon::parse_binary_prefix(bytes) {
            Ok((mac, tail)) => {
                macs.push(mac);
                bytes = tail;
            }
            Err(_) => break,
        }
    }
    let Some((root, discharges)) = macs.split_first() else {
        return;
    };
    for policy in [VerifyPolicy::STRICT, VerifyPolicy::L402] {
        let mut checker = |c: &[u8]| match c.first().map(|b| b % 3) {
            Some(0) => Verdict::Accept,
            Some(1) => Verdict::Reject,
            _ => Verdict::Unknown,
        };
        let _ = verify(root, root_key, discharges, &mut checker, &policy);
    }
});
