//! Sealed session records (v2) and resume tokens: opening any bytes never panics (and a record
//! that opens reseals to the same bytes); a tariff meter driven by arbitrary events seals and
//! opens to the same record at every step, its state restores to the same meter, and any one
//! flipped byte is `record_tampered`; checking any text as a resume token never panics and
//! accepts only the token itself.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::U256;
use pay402::evm::Address;
use pay402::ws402::{
    Payer, RecordPhase, RecordedRefund, SchemeKind, SealedRecord, SessionEvent, SessionKeys,
    Tariff, TariffConfig, TariffMeter, Ws402Error,
};

fn u64_at(d: &[u8], i: usize) -> u64 {
    let mut b = [0u8; 8];
    for (k, slot) in b.iter_mut().enumerate() {
        *slot = d.get(i + k).copied().unwrap_or(0);
    }
    u64::from_le_bytes(b)
}

fn price(d: &[u8], i: usize) -> U256 {
    U256::from_u64(u64_at(d, i) % 1_000_000)
}

fuzz_target!(|data: &[u8]| {
    let keys = SessionKeys::derive(&[0x5a; 32]).unwrap();
    if let Ok(record) = SealedRecord::open(&keys, data) {
        let mut buf = vec![0u8; record.sealed_len()];
        let n = record.seal(&keys, &mut buf).unwrap();
        assert_eq!(&buf[..n], data);
    }
    let id = [data.first().copied().unwrap_or(0); 16];
    let payer = Payer::Evm(Address([0x11; 20]));
    let token = keys.resume_token(&id, &payer);
    if let Ok(text) = core::str::from_utf8(data) {
        assert_eq!(
            keys.check_resume_token(&id, &payer, text).is_ok(),
            text == token.as_str()
        );
    }
    if data.len() < 48 {
        return;
    }
    let config = TariffConfig {
        tariff: Tariff {
            per_second: price(data, 0),
            per_byte_in: price(data, 8),
            per_byte_out: price(data, 16),
            per_message: price(data, 24),
        },
        paid: U256::from_u64(u64_at(data, 32)),
        max_session_seconds: u64_at(data, 40) % 100_000,
        deadline_ms: (data[47] & 1 == 1).then(|| u64_at(data, 40) % 10_000_000),
    };
    let mut meter = TariffMeter::start(config, 0);
    for (step, chunk) in data[48..].chunks(9).enumerate() {
        let at = u64_at(chunk, 1) % 10_000_000;
        let n = u64_at(chunk, 1) % 100_000;
        let event = match chunk[0] % 10 {
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
        };
        let _ = meter.on_event(at, event);
        assert_eq!(TariffMeter::restore(meter.state()), Ok(meter));
        let phase = if meter.end().is_some() {
            RecordPhase::Settling
        } else if meter.is_suspended() {
            RecordPhase::Suspended
        } else {
            RecordPhase::Running
        };
        let record = SealedRecord {
            session_id: id,
            generation: u32::try_from(step).unwrap_or(u32::MAX),
            phase,
            scheme: SchemeKind::UptoPermit2,
            x402_version: 2,
            offer_index: 0,
            meter,
            checkpoint_ms: at,
            payer: Some(payer),
            replay_key: &chunk[..chunk.len().min(5)],
            payment_header: chunk,
            refund: RecordedRefund::NONE,
            grant_generation: u32::from(chunk[0]),
        };
        let mut buf = vec![0u8; record.sealed_len()];
        let len = record.seal(&keys, &mut buf).unwrap();
        assert_eq!(SealedRecord::open(&keys, &buf[..len]), Ok(record));
        let flip = usize::try_from(at).unwrap_or(0) % len;
        buf[flip] ^= 1 << (chunk[0] % 8);
        assert_eq!(
            SealedRecord::open(&keys, &buf[..len]),
            Err(Ws402Error::RecordTampered)
        );
    }
});
