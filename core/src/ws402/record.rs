//! The session state as a fixed-size byte record (pay402's WS402 rule: the session
//! state is a serialisable value, and resumption is a state machine over it).
//!
//! Layout, [`SESSION_RECORD_LEN`] = 188 bytes, integers big-endian:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 1 | version ([`SESSION_RECORD_VERSION`] = 1) |
//! | 1 | 1 | flags: bit 0 ended, bit 1 refund recipient present; other bits 0 |
//! | 2 | 1 | end reason: 0 running, 1 `client_close`, 2 `balance_exhausted`, 3 `max_duration` |
//! | 3 | 5 | reserved, zero |
//! | 8 | 32 | `price_per_second` |
//! | 40 | 32 | `paid` |
//! | 72 | 32 | `consumed` |
//! | 104 | 8 | `max_session_seconds` |
//! | 112 | 8 | `start_ms` |
//! | 120 | 8 | last event time, ms |
//! | 128 | 8 | bytes in |
//! | 136 | 8 | bytes out |
//! | 144 | 8 | messages |
//! | 152 | 8 | `ended_at_ms` (0 while running) |
//! | 160 | 20 | refund recipient (the verified payer; zero when absent) |
//! | 180 | 8 | checksum: the first 8 bytes of SHA-256 over bytes 0..180 |
//!
//! The checksum detects corrupted storage; it is not a MAC — a host that keeps records where
//! others can write them must authenticate them itself. Decoding also re-derives `consumed` from
//! the times and refuses a record whose numbers disagree with the metering rules.

use super::error::Ws402Error;
use super::meter::{End, EndReason, Meter, MeterConfig};
use crate::evm::Address;
use crate::u256::U256;
use sha2::{Digest, Sha256};

/// Length of an encoded [`SessionRecord`].
pub const SESSION_RECORD_LEN: usize = 188;
/// The record version this core writes and reads.
pub const SESSION_RECORD_VERSION: u8 = 1;

const BODY_LEN: usize = 180;

/// A metered session plus its refund recipient, as the host persists it.
///
/// ```
/// use pay402::U256;
/// use pay402::evm::Address;
/// use pay402::ws402::{Event, Meter, MeterConfig, SessionRecord};
///
/// let mut meter = Meter::start(
///     MeterConfig { price_per_second: U256::from_u64(5), paid: U256::from_u64(100), max_session_seconds: 60 },
///     0,
/// );
/// meter.on_event(3_000, Event::Tick);
/// let record = SessionRecord { meter, refund_to: Some(Address([0x11; 20])) };
/// let bytes = record.encode();
/// assert_eq!(SessionRecord::decode(&bytes), Ok(record));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SessionRecord {
    /// The metering state.
    pub meter: Meter,
    /// Where the refund goes: the verified payer of the prepayment.
    pub refund_to: Option<Address>,
}

fn put(out: &mut [u8; SESSION_RECORD_LEN], at: usize, bytes: &[u8]) {
    if let Some(slot) = out.get_mut(at..at + bytes.len()) {
        slot.copy_from_slice(bytes);
    }
}

fn take<const N: usize>(input: &[u8; SESSION_RECORD_LEN], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(src) = input.get(at..at + N) {
        out.copy_from_slice(src);
    }
    out
}

fn checksum(body: &[u8]) -> [u8; 8] {
    let digest = Sha256::digest(body);
    let mut out = [0u8; 8];
    if let Some(src) = digest.get(..8) {
        out.copy_from_slice(src);
    }
    out
}

impl SessionRecord {
    /// Encodes the record (always [`SESSION_RECORD_LEN`] bytes).
    pub fn encode(&self) -> [u8; SESSION_RECORD_LEN] {
        let m = &self.meter;
        let mut out = [0u8; SESSION_RECORD_LEN];
        let mut flags = 0u8;
        if m.end.is_some() {
            flags |= 1;
        }
        if self.refund_to.is_some() {
            flags |= 2;
        }
        put(
            &mut out,
            0,
            &[
                SESSION_RECORD_VERSION,
                flags,
                m.end.map_or(0, |e| e.reason.tag()),
            ],
        );
        put(&mut out, 8, &m.config.price_per_second.to_be_bytes());
        put(&mut out, 40, &m.config.paid.to_be_bytes());
        put(&mut out, 72, &m.consumed.to_be_bytes());
        put(&mut out, 104, &m.config.max_session_seconds.to_be_bytes());
        put(&mut out, 112, &m.start_ms.to_be_bytes());
        put(&mut out, 120, &m.last_ms.to_be_bytes());
        put(&mut out, 128, &m.bytes_in.to_be_bytes());
        put(&mut out, 136, &m.bytes_out.to_be_bytes());
        put(&mut out, 144, &m.messages.to_be_bytes());
        put(&mut out, 152, &m.end.map_or(0, |e| e.at_ms).to_be_bytes());
        put(&mut out, 160, &self.refund_to.map_or([0; 20], |a| a.0));
        let sum = checksum(out.get(..BODY_LEN).unwrap_or_default());
        put(&mut out, BODY_LEN, &sum);
        out
    }

    /// Decodes and checks a record: length, version, checksum, then consistency with the
    /// metering rules. Errors: `invalid_record_length`, `unsupported_record_version`,
    /// `record_checksum_mismatch`, `inconsistent_record`.
    pub fn decode(bytes: &[u8]) -> Result<Self, Ws402Error> {
        let input: &[u8; SESSION_RECORD_LEN] =
            bytes.try_into().map_err(|_| Ws402Error::RecordLength)?;
        let [version, flags, tag] = take::<3>(input, 0);
        if version != SESSION_RECORD_VERSION {
            return Err(Ws402Error::RecordVersion);
        }
        if take::<8>(input, BODY_LEN) != checksum(input.get(..BODY_LEN).unwrap_or_default()) {
            return Err(Ws402Error::RecordChecksum);
        }
        let bad = Ws402Error::RecordInconsistent;
        if flags & !3 != 0 || take::<5>(input, 3) != [0; 5] {
            return Err(bad);
        }
        let u64_at = |at| u64::from_be_bytes(take::<8>(input, at));
        let config = MeterConfig {
            price_per_second: U256::from_be_bytes(take::<32>(input, 8)),
            paid: U256::from_be_bytes(take::<32>(input, 40)),
            max_session_seconds: u64_at(104),
        };
        let consumed = U256::from_be_bytes(take::<32>(input, 72));
        let start_ms = u64_at(112);
        let last_ms = u64_at(120);
        let ended_at = u64_at(152);
        if last_ms < start_ms || consumed > config.paid {
            return Err(bad);
        }
        let end = if flags & 1 == 1 {
            let reason = EndReason::from_tag(tag).ok_or(bad)?;
            if ended_at < start_ms || ended_at > last_ms {
                return Err(bad);
            }
            let elapsed = ended_at - start_ms;
            if u128::from(elapsed) > config.max_elapsed_ms()
                || consumed != config.consumed_at(elapsed)
            {
                return Err(bad);
            }
            Some(End {
                reason,
                at_ms: ended_at,
                consumed,
                refund: config.paid.checked_sub(consumed).ok_or(bad)?,
            })
        } else {
            let elapsed = config.cap(last_ms - start_ms);
            if tag != 0 || ended_at != 0 || consumed != config.consumed_at(elapsed) {
                return Err(bad);
            }
            None
        };
        let payer = take::<20>(input, 160);
        let refund_to = if flags & 2 == 2 {
            Some(Address(payer))
        } else if payer == [0; 20] {
            None
        } else {
            return Err(bad);
        };
        Ok(Self {
            meter: Meter {
                config,
                start_ms,
                last_ms,
                consumed,
                bytes_in: u64_at(128),
                bytes_out: u64_at(136),
                messages: u64_at(144),
                end,
            },
            refund_to,
        })
    }
}
