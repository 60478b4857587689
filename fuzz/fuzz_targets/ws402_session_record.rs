//! Session records: decoding any bytes never panics and a decoded record re-encodes to the same
//! bytes. Driving a meter with arbitrary events never panics, keeps consumed ≤ paid, ends at
//! most once, and survives a persist/resume round trip at every step.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::U256;
use pay402::ws402::{Event, Meter, MeterConfig, Outcome, SESSION_RECORD_LEN, SessionRecord};

fn u64_at(d: &[u8], i: usize) -> u64 {
    let mut b = [0u8; 8];
    for (k, slot) in b.iter_mut().enumerate() {
        *slot = d.get(i + k).copied().unwrap_or(0);
    }
    u64::from_le_bytes(b)
}

fuzz_target!(|data: &[u8]| {
    if let Ok(record) = SessionRecord::decode(data) {
        assert_eq!(&record.encode()[..], data);
    }
    if data.len() < 2 * 32 + 16 {
        return;
    }
    let mut p = [0u8; 32];
    p.copy_from_slice(&data[..32]);
    let mut q = [0u8; 32];
    q.copy_from_slice(&data[32..64]);
    let config = MeterConfig {
        price_per_second: U256::from_be_bytes(p),
        paid: U256::from_be_bytes(q),
        max_session_seconds: u64_at(data, 64) % 1_000_000,
    };
    let start = u64_at(data, 72);
    let mut meter = Meter::start(config, start);
    let mut ended = 0;
    for chunk in data[80..].chunks(9) {
        let kind = chunk[0] % 5;
        let at = start.saturating_add(u64_at(chunk, 1) % 10_000_000);
        let n = u64_at(chunk, 1);
        let event = match kind {
            0 => Event::Tick,
            1 => Event::Close,
            2 => Event::BytesIn(n),
            3 => Event::BytesOut(n),
            _ => Event::Message(n),
        };
        if let Outcome::Ended(end) = meter.on_event(at, event) {
            ended += 1;
            assert_eq!(end.consumed.checked_add(end.refund), Some(config.paid));
        }
        assert!(meter.consumed() <= config.paid);
        let bytes = SessionRecord {
            meter,
            refund_to: None,
        }
        .encode();
        assert_eq!(bytes.len(), SESSION_RECORD_LEN);
        meter = SessionRecord::decode(&bytes)
            .expect("own record decodes")
            .meter;
    }
    assert!(ended <= 1);
});
