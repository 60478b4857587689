//! The tariff meter: arbitrary prices, limits, deadline and events (suspend/resume, grace expiry,
//! closes, bytes, messages, `may_send`) never panic; consumed stays ≤ paid and never decreases;
//! an end is returned at most once and `consumed + refund = paid`; a refused event changes
//! nothing; the active time never exceeds the maximum; a time-only tariff without a deadline
//! meters exactly like the v1 [`Meter`] on the same events.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::U256;
use pay402::ws402::{
    Event, Meter, MeterConfig, Outcome, SessionEvent, SessionOutcome, Tariff, TariffConfig,
    TariffMeter,
};

fn u64_at(d: &[u8], i: usize) -> u64 {
    let mut b = [0u8; 8];
    for (k, slot) in b.iter_mut().enumerate() {
        *slot = d.get(i + k).copied().unwrap_or(0);
    }
    u64::from_le_bytes(b)
}

/// A price from 8 bytes: small, or shifted high so that products overflow 2^256.
fn price(d: &[u8], i: usize) -> U256 {
    let v = u64_at(d, i);
    let shift = (v >> 58) as usize * 4;
    let mut b = [0u8; 32];
    b[24..].copy_from_slice(&(v & ((1 << 58) - 1)).to_be_bytes());
    let mut out = U256::from_be_bytes(b);
    for _ in 0..shift {
        out = out.checked_mul(U256::from_u64(2)).unwrap_or(out);
    }
    out
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 56 {
        return;
    }
    let time_only = data[0] & 1 == 0;
    let tariff = if time_only {
        Tariff::per_second(price(data, 1))
    } else {
        Tariff {
            per_second: price(data, 1),
            per_byte_in: price(data, 9),
            per_byte_out: price(data, 17),
            per_message: price(data, 25),
        }
    };
    let start = u64_at(data, 33) % (1 << 50);
    let config = TariffConfig {
        tariff,
        paid: price(data, 41),
        max_session_seconds: u64::from(data[49]) * 7,
        deadline_ms: (!time_only && data[50] & 1 == 1).then(|| {
            start
                .saturating_add(u64_at(data, 48) % 2_000_000)
                .saturating_sub(1000)
        }),
    };
    let mut v1 = time_only.then(|| {
        Meter::start(
            MeterConfig {
                price_per_second: config.tariff.per_second,
                paid: config.paid,
                max_session_seconds: config.max_session_seconds,
            },
            start,
        )
    });
    let mut meter = TariffMeter::start(config, start);
    let mut ended = 0;
    let mut last_consumed = U256::ZERO;
    let max_ms = u128::from(config.max_session_seconds) * 1000;
    for chunk in data[56..].chunks(9) {
        let kind = chunk[0] % 11;
        let at = start.saturating_add(u64_at(chunk, 1) % 1_000_000);
        let n = u64_at(chunk, 1) >> (chunk[0] >> 4);
        let before = meter;
        let result = if kind == 10 {
            meter.may_send(at, n, u64::from(chunk[0] >> 6))
        } else {
            meter.on_event(
                at,
                match kind {
                    0 => SessionEvent::Tick,
                    1 => SessionEvent::ClientClose,
                    2 => SessionEvent::ServerClose,
                    3 => SessionEvent::ServerError,
                    4 => SessionEvent::Suspend,
                    5 => SessionEvent::Resume,
                    6 => SessionEvent::GraceExpired,
                    7 => SessionEvent::BytesIn(n),
                    8 => SessionEvent::BytesOut(n),
                    _ => SessionEvent::Message(n),
                },
            )
        };
        match result {
            Ok(SessionOutcome::Ended(end)) => {
                ended += 1;
                assert_eq!(end.consumed.checked_add(end.refund), Some(config.paid));
                assert!(end.at_ms >= start);
            }
            Ok(_) => {}
            Err(_) => assert_eq!(meter, before),
        }
        assert!(meter.consumed() <= config.paid);
        assert!(meter.consumed() >= last_consumed);
        assert!(u128::from(meter.active_ms()) <= max_ms);
        last_consumed = meter.consumed();
        if let Some(m) = v1.as_mut() {
            let twin = match kind {
                0 | 2..=6 | 10 => None,
                1 => Some(Event::Close),
                7 => Some(Event::BytesIn(n)),
                8 => Some(Event::BytesOut(n)),
                _ => Some(Event::Message(n)),
            };
            // Only compare while the tariff meter saw the same events (never suspended, no
            // server end, no may_send).
            let Some(ev) = twin else {
                v1 = None;
                continue;
            };
            let o = m.on_event(at, ev);
            assert_eq!(m.consumed(), meter.consumed());
            assert_eq!(
                (m.bytes_in(), m.bytes_out(), m.messages()),
                (meter.bytes_in(), meter.bytes_out(), meter.messages())
            );
            assert_eq!(
                m.end().map(|e| (e.reason.as_str(), e.at_ms, e.refund)),
                meter.end().map(|e| (e.reason.as_str(), e.at_ms, e.refund))
            );
            assert_eq!(
                matches!(o, Outcome::Ended(_)),
                matches!(result, Ok(SessionOutcome::Ended(_)))
            );
        }
    }
    assert!(ended <= 1);
});
