//! The L402 server on any input: any set of `Authorization` values is admitted or refused
//! without panicking, never admitted unless it carries a token this server minted, and a refusal
//! is 402 or 401 with a non-empty code; any provider invoice text either yields a challenge or
//! an error with nothing written.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::bolt11::Network;
use pay402::l402::server::{
    BadCredentialStatus, Invoice, L402Server, Request, RootKeys, ServerConfig,
};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = core::str::from_utf8(rest) else {
        return;
    };
    let config = ServerConfig {
        bad_credential_status: if mode & 2 == 0 {
            BadCredentialStatus::PaymentRequired
        } else {
            BadCredentialStatus::Unauthorized
        },
        capabilities: &["read"],
        ..ServerConfig::new("svc", 17_000, Network::Bitcoin)
    };
    let Ok(keys) = RootKeys::rotating(&[7; 32], &[9; 32]) else {
        return;
    };
    let Ok(server) = L402Server::new(config, keys) else {
        return;
    };
    let now = 1_724_856_505;
    if mode & 1 == 0 {
        let values: Vec<&str> = text.split('\n').collect();
        let mut scratch = vec![0u8; text.len() + 8];
        let mut request = Request::new(&values, now);
        request.capability = (mode & 4 != 0).then_some("read");
        match server.admit(&request, &|_: &[u8; 32]| false, &mut scratch) {
            // No input holds a token signed by one of these secrets and its preimage unless the
            // fuzzer forged an HMAC-SHA256: admission here would be a bug.
            Ok(admitted) => panic!("admitted a token this server never minted: {admitted:?}"),
            Err(refusal) => {
                assert!(refusal.status == 402 || refusal.status == 401);
                assert!(!refusal.code().is_empty());
            }
        }
    } else {
        let mut out = vec![0u8; 4096];
        let invoice = Invoice {
            bolt11: text,
            payment_hash: [0; 32],
        };
        if server
            .write_challenge(&invoice, [1; 32], now, &mut out)
            .is_err()
        {
            assert!(out.iter().all(|&b| b == 0), "output left after an error");
        }
    }
});
