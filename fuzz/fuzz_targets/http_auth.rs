//! RFC 9110 challenge and credential parsing never panics and never loops forever.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::http_auth::{challenges, credentials};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    for challenge in challenges(text).take(64) {
        let Ok(challenge) = challenge else { break };
        for param in challenge.params.iter() {
            let mut buf = [0u8; 1024];
            let _ = param.value.unescape_into(&mut buf);
        }
    }
    if let Ok(c) = credentials(text) {
        let _ = c.token68();
        let _ = c.params().map(|p| p.iter().count());
    }
});
