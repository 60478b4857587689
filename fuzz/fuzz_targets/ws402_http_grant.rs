//! HTTP grants: checking any `Authorization` text never panics; only a value carrying the
//! issued token is granted, and then `lookup_id` names the granted session; a token issued from
//! the input's fields checks back to the same grant, and any one changed character of it is
//! refused.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::ws402::{GrantSession, RecordPhase, SessionKeys, http_grant};

fn u64_at(d: &[u8], i: usize) -> u64 {
    let mut b = [0u8; 8];
    for (k, slot) in b.iter_mut().enumerate() {
        *slot = d.get(i + k).copied().unwrap_or(0);
    }
    u64::from_le_bytes(b)
}

fuzz_target!(|data: &[u8]| {
    let keys = SessionKeys::derive(&[0x5a; 32]).unwrap();
    let id = [data.first().copied().unwrap_or(0); 16];
    let url = "https://example.com/r";
    let session = GrantSession {
        session_id: id,
        phase: RecordPhase::Running,
        generation: 0,
    };
    let mut buf = [0u8; http_grant::GRANT_TOKEN_LEN];
    let token = http_grant::issue(&keys, &id, url, 0, u64::MAX, &mut buf).unwrap();
    if let Ok(text) = core::str::from_utf8(data) {
        let verdict = http_grant::check(&keys, Some(text), url, 0, session);
        let _ = http_grant::lookup_id(Some(text));
        if let Ok(grant) = verdict {
            assert!(text.contains(token));
            assert_eq!(grant.session_id, id);
            assert_eq!(http_grant::lookup_id(Some(text)), Some(id));
        }
    }
    let generation = u32::try_from(u64_at(data, 1) & 0xffff_ffff).unwrap_or(0);
    let expires = u64_at(data, 5);
    let now = u64_at(data, 13);
    let url = core::str::from_utf8(data.get(21..).unwrap_or_default()).unwrap_or("");
    let token = http_grant::issue(&keys, &id, url, generation, expires, &mut buf)
        .unwrap()
        .to_owned();
    let at = GrantSession {
        generation,
        ..session
    };
    let header = format!("WS402 {token}");
    let verdict = http_grant::check(&keys, Some(&header), url, now, at);
    if now < expires {
        let grant = verdict.unwrap();
        assert_eq!(
            (grant.session_id, grant.generation, grant.expires_ms),
            (id, generation, expires)
        );
    } else {
        assert_eq!(verdict, Err(pay402::ws402::GrantRefusal::GrantExpired));
    }
    let i = usize::from(data.get(4).copied().unwrap_or(0)) % token.len();
    let mut changed = token.into_bytes();
    changed[i] = if changed[i] == b'A' { b'B' } else { b'A' };
    let changed = String::from_utf8(changed).unwrap();
    assert!(http_grant::check(&keys, Some(&format!("WS402 {changed}")), url, now, at).is_err());
});
