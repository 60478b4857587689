//! The WS402 client tracker never panics on any sequence of server frames: the input is split
//! at `\n` into frames fed in order. After every frame, accepted or not, the tracker's figures
//! hold together: consumed ≤ balance ≤ authorized, remaining = balance − consumed, consumed
//! never decreases, a refused frame changes nothing, and a terminal phase stays terminal.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::U256;
use pay402::ws402::{ClientSession, MAX_CLIENT_SESSION_ID_LEN};

fuzz_target!(|data: &[u8]| {
    let (head, frames) = data.split_at(data.len().min(2));
    let authorized = U256::from_u64(u64::from(head.first().copied().unwrap_or(0)) * 100);
    let price = U256::from_u64(u64::from(head.get(1).copied().unwrap_or(1) % 4));
    let mut s = ClientSession::new(authorized, price);
    let mut out = [0u8; 1024];
    for frame in frames.split(|&b| b == b'\n') {
        let before = (s.phase(), s.balance(), s.consumed(), s.resume_token().map(str::to_owned));
        let accepted = s.on_text(frame).is_ok();
        let after = (s.phase(), s.balance(), s.consumed(), s.resume_token().map(str::to_owned));
        if !accepted {
            assert_eq!(before, after, "a refused frame changed the session");
        }
        if before.0.is_terminal() {
            assert_eq!(before, after, "a terminal session changed");
        }
        assert!(s.consumed() >= before.2, "consumed decreased");
        assert!(s.consumed() <= s.balance() && s.balance() <= s.authorized());
        assert_eq!(s.remaining().checked_add(s.consumed()), Some(s.balance()));
        let mut id = [0u8; MAX_CLIENT_SESSION_ID_LEN];
        assert!(s.session_id(&mut id).is_ok());
        // The writers never panic either; a resume write only moves to `resuming`.
        let _ = s.write_end_session(&mut out);
        let _ = s.write_payment_proof("eyJ4NDAyVmVyc2lvbiI6Mn0=", &mut out);
    }
    let phase = s.phase();
    if s.write_resume_session(&mut out).is_ok() {
        assert_eq!(s.phase().as_str(), "resuming");
    } else {
        assert_eq!(s.phase(), phase);
    }
});
