//! The session state as a byte record (pay402's WS402 rule: the session state is a serialisable
//! value, and resumption is a state machine over it): [`SessionRecord`] (version 1, a checksum,
//! the per-second [`Meter`]) and [`SealedRecord`] (version 2, authenticated with HMAC-SHA256, the
//! [`TariffMeter`] plus what settling and refunding after a restart needs).
//!
//! Version 1 layout, [`SESSION_RECORD_LEN`] = 188 bytes, integers big-endian:
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
use super::keys::{Payer, SessionId, SessionKeys};
use super::meter::{
    End, EndReason, Meter, MeterConfig, SessionEnd, SessionEndReason, Tariff, TariffConfig,
    TariffMeter, TariffState,
};
use crate::evm::Address;
use crate::onchain::evm::EvmAsset;
use crate::u256::U256;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

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

// ------------------------------------------------------------------------------------------
// Sealed record v2

/// The version byte of a sealed record.
pub const SEALED_RECORD_VERSION: u8 = 2;
/// The longest replay key a sealed record holds, in bytes: an x402 replay key (at most 80) or
/// an on-chain transaction's key ([`crate::onchain::MAX_KEY_LEN`], 96).
pub const MAX_REPLAY_KEY_LEN: usize = crate::onchain::MAX_KEY_LEN;
/// The longest payment header a sealed record holds, in bytes.
pub const MAX_PAYMENT_HEADER_LEN: usize = 4096;
/// The bytes of a sealed record before its replay key.
const SEALED_FIXED_LEN: usize = 430;
/// The HMAC-SHA256 tag at the end of a sealed record.
const TAG_LEN: usize = 32;
/// The shortest sealed record (no replay key, no payment header).
pub const MIN_SEALED_RECORD_LEN: usize = SEALED_FIXED_LEN + TAG_LEN;
/// The longest sealed record.
pub const MAX_SEALED_RECORD_LEN: usize =
    SEALED_FIXED_LEN + MAX_REPLAY_KEY_LEN + MAX_PAYMENT_HEADER_LEN + TAG_LEN;

macro_rules! byte_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $tag:literal, $text:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// The record byte.
            pub const fn tag(self) -> u8 {
                match self { $(Self::$variant => $tag,)+ }
            }
            /// The value of a record byte.
            pub const fn from_tag(tag: u8) -> Option<Self> {
                match tag { $($tag => Some(Self::$variant),)+ _ => None }
            }
            /// The stable name.
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text,)+ }
            }
            /// The value of a stable name.
            pub fn from_name(name: &str) -> Option<Self> {
                match name { $($text => Some(Self::$variant),)+ _ => None }
            }
        }
    };
}

byte_enum! {
    /// Where a session is in its life, as the record says (the meter must agree: `running` and
    /// `suspended` are not ended, the others are).
    RecordPhase {
        /// Metering, with a connection.
        Running = 0, "running";
        /// Metering stopped, waiting for a resume within the grace period.
        Suspended = 1, "suspended";
        /// Ended; the settlement is not final yet.
        Settling = 2, "settling";
        /// Settled; the refund is not final yet.
        Refunding = 3, "refunding";
        /// Settled and refunded (or nothing to refund): nothing left to do.
        Done = 4, "done";
    }
}

byte_enum! {
    /// How the prepayment was made.
    SchemeKind {
        /// x402 `exact` on EVM with an EIP-3009 authorization.
        ExactEip3009 = 1, "exact_eip3009";
        /// x402 `exact` on EVM through Permit2.
        ExactPermit2 = 2, "exact_permit2";
        /// x402 `upto` on EVM through Permit2 (settles the consumed amount).
        UptoPermit2 = 3, "upto_permit2";
        /// x402 `exact` on Solana.
        ExactSvm = 4, "exact_svm";
        /// A transaction on an EVM chain, proven by its hash (the seed's `payment_proof` with
        /// a `txHash`): the money is on chain, nothing is settled, the unused part is refunded
        /// in the paid asset ([`ChainPrepayment`]).
        EvmTransaction = 5, "evm_transaction";
    }
}

/// What a sealed record of an on-chain prepayment ([`SchemeKind::EvmTransaction`]) says about
/// it, read from the record's replay key (`evm:<chain id>:0x<hash>`,
/// [`crate::onchain::TxId::write_key`]) and its payment header field (the paid asset: `native`,
/// or the token's address as `0x` and 40 lowercase hex digits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChainPrepayment {
    /// The EIP-155 chain id.
    pub chain_id: u64,
    /// The transaction hash.
    pub tx_hash: [u8; 32],
    /// The asset paid (and refunded).
    pub asset: EvmAsset,
}

/// The longest asset text of a [`ChainPrepayment`]: `0x` and 40 hex digits.
pub const CHAIN_ASSET_TEXT_LEN: usize = 42;

impl ChainPrepayment {
    /// The record's replay key field: [`crate::onchain::TxId::write_key`] of the transaction,
    /// written into `out`.
    pub fn write_replay_key<'b>(&self, out: &'b mut [u8; MAX_REPLAY_KEY_LEN]) -> &'b [u8] {
        let tx = crate::onchain::TxId::Evm {
            chain_id: self.chain_id,
            hash: self.tx_hash,
        };
        let n = crate::writer::write_all(out, |w| tx.write_key(w)).unwrap_or(0);
        out.get(..n).unwrap_or_default()
    }

    /// The record's payment header field: `native`, or the token as `0x` and 40 lowercase hex
    /// digits, written into `out`.
    pub fn write_asset<'b>(&self, out: &'b mut [u8; CHAIN_ASSET_TEXT_LEN]) -> &'b [u8] {
        match self.asset {
            EvmAsset::Native => b"native",
            EvmAsset::Token(token) => {
                let n = crate::writer::write_all(out, |w| crate::hex::write_0x_lower(w, &token.0))
                    .unwrap_or(0);
                out.get(..n).unwrap_or_default()
            }
        }
    }

    /// Reads the two fields back; `None` unless both are exactly as the writers write them.
    fn read(replay_key: &[u8], asset_text: &[u8]) -> Option<Self> {
        let rest = replay_key.strip_prefix(b"evm:")?;
        let colon = rest.iter().position(|&b| b == b':')?;
        let (digits, hash) = rest.split_at(colon);
        let chain_id = core::str::from_utf8(digits).ok()?.parse::<u64>().ok()?;
        let hash = hash.strip_prefix(b":0x")?;
        if hash.len() != 64 {
            return None;
        }
        let tx_hash = crate::hex::decode_array::<32>(hash).ok()?;
        let asset = if asset_text == b"native" {
            EvmAsset::Native
        } else {
            let hex = asset_text.strip_prefix(b"0x")?;
            if hex.len() != 40 {
                return None;
            }
            EvmAsset::Token(Address(crate::hex::decode_array::<20>(hex).ok()?))
        };
        let read = Self {
            chain_id,
            tx_hash,
            asset,
        };
        // Canonical only: lowercase hex, no leading zeros, no sign.
        let mut key = [0u8; MAX_REPLAY_KEY_LEN];
        let mut text = [0u8; CHAIN_ASSET_TEXT_LEN];
        (read.write_replay_key(&mut key) == replay_key && read.write_asset(&mut text) == asset_text)
            .then_some(read)
    }
}

byte_enum! {
    /// The refund order's state. A refund is recorded (`planned`) before it is signed and sent,
    /// and a `signed` one is re-sent, never signed again.
    RefundState {
        /// Not decided yet.
        None = 0, "none";
        /// Nothing to refund.
        NotNeeded = 1, "not_needed";
        /// The amount is decided; no transaction exists yet.
        Planned = 2, "planned";
        /// A transaction is signed (its hash is recorded); it may or may not have been sent.
        Signed = 3, "signed";
        /// The refund transaction is final.
        Confirmed = 4, "confirmed";
        /// The refund failed and needs an operator (it is never skipped silently).
        Failed = 5, "failed";
    }
}

/// The refund order of a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RecordedRefund {
    /// Its state.
    pub state: RefundState,
    /// The amount to refund (0 in states `none` and `not_needed`).
    pub amount: U256,
    /// The refund transaction's hash (all zero before `signed`).
    pub tx_hash: [u8; 32],
}

impl RecordedRefund {
    /// No refund decided yet.
    pub const NONE: Self = Self {
        state: RefundState::None,
        amount: U256::ZERO,
        tx_hash: [0; 32],
    };
}

/// A WS402 session as a host persists it, sealed with an HMAC-SHA256 tag under the record key
/// of [`SessionKeys`] (version 2). Everything needed to resume, recover, settle and refund
/// after a restart is in it; a record written elsewhere or changed in storage does not open.
///
/// Layout (integers big-endian; offsets in bytes):
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 1 | version ([`SEALED_RECORD_VERSION`] = 2) |
/// | 1 | 1 | phase ([`RecordPhase::tag`]) |
/// | 2 | 1 | scheme kind ([`SchemeKind::tag`]) |
/// | 3 | 1 | x402 version |
/// | 4 | 1 | offer index |
/// | 5 | 1 | payer tag: 0 none, 1 EVM, 2 Solana |
/// | 6 | 1 | refund state ([`RefundState::tag`]) |
/// | 7 | 1 | flags: bit 0 running, bit 1 deadline present, bit 2 ended; other bits 0 |
/// | 8 | 16 | session id |
/// | 24 | 4 | generation |
/// | 28 | 32 × 4 | tariff: per second, per byte in, per byte out, per message |
/// | 156 | 32 | paid |
/// | 188 | 32 | consumed |
/// | 220 | 8 | max session seconds |
/// | 228 | 8 | deadline, ms (0 when absent) |
/// | 236 | 8 | start, ms |
/// | 244 | 8 | last event, ms |
/// | 252 | 8 | active ms (before the current run while running) |
/// | 260 | 8 | running since, ms (0 while suspended or ended suspended) |
/// | 268 | 8 | suspended at, ms |
/// | 276 | 8 | checkpoint, ms |
/// | 284 | 8 × 3 | bytes in, bytes out, messages |
/// | 308 | 8 | active ms at the end (0 while not ended) |
/// | 316 | 1 | end reason ([`super::SessionEndReason::tag`]; 0 while not ended) |
/// | 317 | 2 | close code (0: none) |
/// | 319 | 8 | ended at, ms (0 while not ended) |
/// | 327 | 32 | payer (20 bytes for EVM, then zeros; all zero when absent) |
/// | 359 | 32 | refund amount |
/// | 391 | 32 | refund transaction hash |
/// | 423 | 1 | replay key length (≤ [`MAX_REPLAY_KEY_LEN`]) |
/// | 424 | 2 | payment header length (≤ [`MAX_PAYMENT_HEADER_LEN`]) |
/// | 426 | 4 | HTTP grant generation ([`super::http_grant`]; bumped by every resume) |
/// | 430 | n | replay key |
/// | 430 + n | m | payment header |
/// | 430 + n + m | 32 | HMAC-SHA256 under the record key of every byte before it |
///
/// A prepayment proven by an on-chain EVM transaction is [`SchemeKind::EvmTransaction`]: x402
/// version 0, offer index 0, an EVM payer (or none), the replay key the transaction's
/// `evm:<chain id>:0x<hash>` ([`crate::onchain::TxId::write_key`], up to 91 bytes) and, since
/// nothing is settled, the paid asset in the payment header field (`native`, or the token as
/// `0x` and 40 lowercase hex digits): [`SealedRecord::chain_prepayment`] reads them as a
/// [`ChainPrepayment`], so a resume or a recovery refunds in the paid asset to the recorded
/// payer. Any other form is `inconsistent_record`, on sealing and opening. The layout gained no
/// field (only the replay key's bound grew from 80 to 96 bytes): every record written before
/// opens as before.
///
/// ```
/// use pay402::U256;
/// use pay402::evm::Address;
/// use pay402::ws402::{
///     Payer, RecordPhase, RecordedRefund, SchemeKind, SealedRecord, SessionKeys, Tariff,
///     TariffConfig, TariffMeter,
/// };
/// let keys = SessionKeys::derive(&[7u8; 32])?;
/// let meter = TariffMeter::start(
///     TariffConfig { tariff: Tariff::per_second(U256::from_u64(5)), paid: U256::from_u64(1000),
///                    max_session_seconds: 3600, deadline_ms: None },
///     1_000,
/// );
/// let record = SealedRecord {
///     session_id: [1; 16], generation: 1, phase: RecordPhase::Running,
///     scheme: SchemeKind::ExactEip3009, x402_version: 2, offer_index: 0, meter,
///     checkpoint_ms: 1_000, payer: Some(Payer::Evm(Address([0x11; 20]))),
///     replay_key: b"evm:0x11:nonce", payment_header: b"eyJ4NDAyVmVyc2lvbiI6Mn0=",
///     refund: RecordedRefund::NONE, grant_generation: 0,
/// };
/// let mut buf = [0u8; 600];
/// let n = record.seal(&keys, &mut buf)?;
/// assert_eq!(n, record.sealed_len());
/// assert_eq!(SealedRecord::open(&keys, &buf[..n])?, record);
/// buf[40] ^= 1;
/// assert!(SealedRecord::open(&keys, &buf[..n]).is_err()); // record_tampered
/// # Ok::<(), pay402::ws402::Ws402Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SealedRecord<'a> {
    /// The session id.
    pub session_id: SessionId,
    /// Incremented by every write: a store's compare-and-set on it lets one process act.
    pub generation: u32,
    /// Where the session is.
    pub phase: RecordPhase,
    /// How the prepayment was made.
    pub scheme: SchemeKind,
    /// The prepayment's x402 version.
    pub x402_version: u8,
    /// Which of the server's offers was paid.
    pub offer_index: u8,
    /// The metering state.
    pub meter: TariffMeter,
    /// When the host last persisted the running session.
    pub checkpoint_ms: u64,
    /// The verified payer (the refund recipient).
    pub payer: Option<Payer>,
    /// The prepayment's replay key (at most [`MAX_REPLAY_KEY_LEN`] bytes); for
    /// [`SchemeKind::EvmTransaction`] the transaction's key, `evm:<chain id>:0x<hash>`.
    pub replay_key: &'a [u8],
    /// The prepayment's header value, for the later settlement (at most
    /// [`MAX_PAYMENT_HEADER_LEN`] bytes); for [`SchemeKind::EvmTransaction`] (nothing to
    /// settle) the paid asset instead: `native` or the token's lowercase `0x` address
    /// ([`ChainPrepayment`]).
    pub payment_header: &'a [u8],
    /// The refund order.
    pub refund: RecordedRefund,
    /// The session's HTTP grant generation ([`super::http_grant`]): grants issued below it are
    /// revoked. Not the compare-and-swap `generation`: it moves only when the holder of the
    /// session may have changed (every resume).
    pub grant_generation: u32,
}

fn put_at(out: &mut [u8], at: usize, bytes: &[u8]) {
    if let Some(slot) = out.get_mut(at..at + bytes.len()) {
        slot.copy_from_slice(bytes);
    }
}

fn get_at<const N: usize>(input: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(src) = input.get(at..at + N) {
        out.copy_from_slice(src);
    }
    out
}

/// Reads and checks the meter part of a sealed record body (`flags`: byte 7).
fn read_meter(body: &[u8], flags: u8) -> Result<TariffMeter, Ws402Error> {
    let bad = Ws402Error::RecordInconsistent;
    let u64_at = |at| u64::from_be_bytes(get_at::<8>(body, at));
    let u256_at = |at| U256::from_be_bytes(get_at::<32>(body, at));
    if flags & !7 != 0 {
        return Err(bad);
    }
    let deadline = u64_at(228);
    let running = u64_at(260);
    let end_tag = get_at::<1>(body, 316)[0];
    let close = u16::from_be_bytes(get_at::<2>(body, 317));
    let ended_at = u64_at(319);
    let zero_unless = |present: bool, v: u64| present || v == 0;
    if !zero_unless(flags & 2 != 0, deadline)
        || !zero_unless(flags & 1 != 0, running)
        || !zero_unless(flags & 4 != 0, ended_at)
        || (flags & 4 == 0 && (end_tag != 0 || close != 0))
    {
        return Err(bad);
    }
    let end = if flags & 4 != 0 {
        let consumed = u256_at(188);
        let paid = u256_at(156);
        Some(SessionEnd {
            reason: SessionEndReason::from_tag(end_tag).ok_or(bad)?,
            at_ms: ended_at,
            close_code: (close != 0).then_some(close),
            consumed,
            refund: paid.checked_sub(consumed).ok_or(bad)?,
        })
    } else {
        None
    };
    TariffMeter::restore(TariffState {
        config: TariffConfig {
            tariff: Tariff {
                per_second: u256_at(28),
                per_byte_in: u256_at(60),
                per_byte_out: u256_at(92),
                per_message: u256_at(124),
            },
            paid: u256_at(156),
            max_session_seconds: u64_at(220),
            deadline_ms: (flags & 2 != 0).then_some(deadline),
        },
        start_ms: u64_at(236),
        last_ms: u64_at(244),
        active_ms: u64_at(252),
        running_since: (flags & 1 != 0).then_some(running),
        suspended_at: u64_at(268),
        bytes_in: u64_at(284),
        bytes_out: u64_at(292),
        messages: u64_at(300),
        consumed: u256_at(188),
        ended_active_ms: u64_at(308),
        end,
    })
}

/// Reads the payer of a sealed record body: its tag, then its bytes, zero-padded.
fn read_payer(body: &[u8], payer_tag: u8) -> Result<Option<Payer>, Ws402Error> {
    let bad = Ws402Error::RecordInconsistent;
    let payer_bytes = get_at::<32>(body, 327);
    Ok(match payer_tag {
        0 if payer_bytes == [0; 32] => None,
        1 if payer_bytes
            .get(20..)
            .is_some_and(|z| z.iter().all(|&b| b == 0)) =>
        {
            Some(Payer::Evm(Address(get_at::<20>(&payer_bytes, 0))))
        }
        2 => Some(Payer::Solana(payer_bytes)),
        _ => return Err(bad),
    })
}

impl<'a> SealedRecord<'a> {
    /// The length [`SealedRecord::seal`] writes.
    pub fn sealed_len(&self) -> usize {
        SEALED_FIXED_LEN + self.replay_key.len() + self.payment_header.len() + TAG_LEN
    }

    fn phase_fits(&self) -> bool {
        match self.phase {
            RecordPhase::Running => self.meter.end().is_none() && !self.meter.is_suspended(),
            RecordPhase::Suspended => self.meter.is_suspended(),
            _ => self.meter.end().is_some(),
        }
    }

    /// An on-chain record names its transaction and asset canonically, no x402 version or
    /// offer, and an EVM payer if any; an x402 record is not read here.
    fn chain_fits(&self) -> bool {
        self.scheme != SchemeKind::EvmTransaction
            || (self.x402_version == 0
                && self.offer_index == 0
                && matches!(self.payer, None | Some(Payer::Evm(_)))
                && self.chain_prepayment().is_some())
    }

    /// The on-chain prepayment of a [`SchemeKind::EvmTransaction`] record; `None` for an x402
    /// record (or fields that do not read as one: such a record neither seals nor opens).
    pub fn chain_prepayment(&self) -> Option<ChainPrepayment> {
        if self.scheme != SchemeKind::EvmTransaction {
            return None;
        }
        ChainPrepayment::read(self.replay_key, self.payment_header)
    }

    fn refund_fits(&self) -> bool {
        let r = &self.refund;
        match r.state {
            RefundState::None | RefundState::NotNeeded => {
                r.amount == U256::ZERO && r.tx_hash == [0; 32]
            }
            RefundState::Planned => r.tx_hash == [0; 32],
            _ => true,
        }
    }

    /// Writes the sealed record into `out` and returns its length ([`SealedRecord::sealed_len`]).
    /// Errors, with `out` untouched: `record_field_too_long` (replay key or payment header),
    /// `inconsistent_record` (the phase disagrees with the meter, or a refund field is set in a
    /// state that has none), `buffer_too_small`.
    pub fn seal(&self, keys: &SessionKeys, out: &mut [u8]) -> Result<usize, Ws402Error> {
        if self.replay_key.len() > MAX_REPLAY_KEY_LEN
            || self.payment_header.len() > MAX_PAYMENT_HEADER_LEN
        {
            return Err(Ws402Error::RecordFieldTooLong);
        }
        if !self.phase_fits() || !self.refund_fits() || !self.chain_fits() {
            return Err(Ws402Error::RecordInconsistent);
        }
        let len = self.sealed_len();
        let out = out.get_mut(..len).ok_or(Ws402Error::BufferTooSmall)?;
        out.fill(0);
        let s = self.meter.state();
        let mut flags = 0u8;
        if s.running_since.is_some() {
            flags |= 1;
        }
        if s.config.deadline_ms.is_some() {
            flags |= 2;
        }
        if s.end.is_some() {
            flags |= 4;
        }
        let n = self.replay_key.len();
        put_at(
            out,
            0,
            &[
                SEALED_RECORD_VERSION,
                self.phase.tag(),
                self.scheme.tag(),
                self.x402_version,
                self.offer_index,
                self.payer.map_or(0, |p| p.tag()),
                self.refund.state.tag(),
                flags,
            ],
        );
        put_at(out, 8, &self.session_id);
        put_at(out, 24, &self.generation.to_be_bytes());
        let t = &s.config.tariff;
        for (i, price) in [t.per_second, t.per_byte_in, t.per_byte_out, t.per_message]
            .iter()
            .enumerate()
        {
            put_at(out, 28 + 32 * i, &price.to_be_bytes());
        }
        put_at(out, 156, &s.config.paid.to_be_bytes());
        put_at(out, 188, &s.consumed.to_be_bytes());
        let end = s.end;
        for (at, v) in [
            (220, s.config.max_session_seconds),
            (228, s.config.deadline_ms.unwrap_or(0)),
            (236, s.start_ms),
            (244, s.last_ms),
            (252, s.active_ms),
            (260, s.running_since.unwrap_or(0)),
            (268, s.suspended_at),
            (276, self.checkpoint_ms),
            (284, s.bytes_in),
            (292, s.bytes_out),
            (300, s.messages),
            (308, s.ended_active_ms),
            (319, end.map_or(0, |e| e.at_ms)),
        ] {
            put_at(out, at, &v.to_be_bytes());
        }
        put_at(out, 316, &[end.map_or(0, |e| e.reason.tag())]);
        put_at(
            out,
            317,
            &end.and_then(|e| e.close_code).unwrap_or(0).to_be_bytes(),
        );
        if let Some(p) = &self.payer {
            put_at(out, 327, p.bytes());
        }
        put_at(out, 359, &self.refund.amount.to_be_bytes());
        put_at(out, 391, &self.refund.tx_hash);
        put_at(out, 423, &[u8::try_from(n).unwrap_or(u8::MAX)]);
        put_at(
            out,
            424,
            &u16::try_from(self.payment_header.len())
                .unwrap_or(u16::MAX)
                .to_be_bytes(),
        );
        put_at(out, 426, &self.grant_generation.to_be_bytes());
        put_at(out, SEALED_FIXED_LEN, self.replay_key);
        put_at(out, SEALED_FIXED_LEN + n, self.payment_header);
        let body = len - TAG_LEN;
        let tag = keys.record_mac(&[out.get(..body).unwrap_or_default()]);
        put_at(out, body, &tag);
        Ok(len)
    }

    /// Opens a sealed record: length, then the tag (in constant time), then the version and the
    /// consistency of every field ([`TariffMeter::restore`], the phase, the refund order).
    /// Errors: `invalid_record_length`, `record_tampered` (a wrong key, a changed or missing
    /// byte), `unsupported_record_version` (a v1 record, 188 bytes with version 1: read it with
    /// [`SessionRecord::decode`]; or another version under a valid tag), `inconsistent_record`.
    pub fn open(keys: &SessionKeys, bytes: &'a [u8]) -> Result<Self, Ws402Error> {
        if bytes.len() == SESSION_RECORD_LEN && bytes.first() == Some(&SESSION_RECORD_VERSION) {
            return Err(Ws402Error::RecordVersion);
        }
        if !(MIN_SEALED_RECORD_LEN..=MAX_SEALED_RECORD_LEN).contains(&bytes.len()) {
            return Err(Ws402Error::RecordLength);
        }
        let body_len = bytes.len() - TAG_LEN;
        let body = bytes.get(..body_len).unwrap_or_default();
        let tag = bytes.get(body_len..).unwrap_or_default();
        if !bool::from(keys.record_mac(&[body]).ct_eq(tag)) {
            return Err(Ws402Error::RecordTampered);
        }
        let [
            version,
            phase,
            scheme,
            x402_version,
            offer_index,
            payer_tag,
            refund_state,
            flags,
        ] = get_at::<8>(body, 0);
        if version != SEALED_RECORD_VERSION {
            return Err(Ws402Error::RecordVersion);
        }
        let bad = Ws402Error::RecordInconsistent;
        let n = usize::from(get_at::<1>(body, 423)[0]);
        let m = usize::from(u16::from_be_bytes(get_at::<2>(body, 424)));
        if n > MAX_REPLAY_KEY_LEN
            || m > MAX_PAYMENT_HEADER_LEN
            || SEALED_FIXED_LEN + n + m != body_len
        {
            return Err(bad);
        }
        let payer = read_payer(body, payer_tag)?;
        let record = Self {
            session_id: get_at::<16>(body, 8),
            generation: u32::from_be_bytes(get_at::<4>(body, 24)),
            phase: RecordPhase::from_tag(phase).ok_or(bad)?,
            scheme: SchemeKind::from_tag(scheme).ok_or(bad)?,
            x402_version,
            offer_index,
            meter: read_meter(body, flags)?,
            checkpoint_ms: u64::from_be_bytes(get_at::<8>(body, 276)),
            payer,
            replay_key: body
                .get(SEALED_FIXED_LEN..SEALED_FIXED_LEN + n)
                .unwrap_or_default(),
            payment_header: body.get(SEALED_FIXED_LEN + n..body_len).unwrap_or_default(),
            refund: RecordedRefund {
                state: RefundState::from_tag(refund_state).ok_or(bad)?,
                amount: U256::from_be_bytes(get_at::<32>(body, 359)),
                tx_hash: get_at::<32>(body, 391),
            },
            grant_generation: u32::from_be_bytes(get_at::<4>(body, 426)),
        };
        if !record.phase_fits() || !record.refund_fits() || !record.chain_fits() {
            return Err(bad);
        }
        Ok(record)
    }
}

#[cfg(test)]
mod sealed_tests {
    use super::*;
    use crate::ws402::SessionEvent;

    fn meter() -> TariffMeter {
        let mut m = TariffMeter::start(
            TariffConfig {
                tariff: Tariff {
                    per_byte_out: U256::from_u64(2),
                    ..Tariff::per_second(U256::from_u64(7))
                },
                paid: U256::from_u64(10_000),
                max_session_seconds: 600,
                deadline_ms: Some(900_000),
            },
            1_000,
        );
        m.on_event(2_000, SessionEvent::BytesOut(30)).unwrap();
        m.on_event(5_000, SessionEvent::Suspend).unwrap();
        m.on_event(9_000, SessionEvent::Resume).unwrap();
        m.on_event(9_500, SessionEvent::Tick).unwrap();
        m
    }

    fn record(m: &TariffMeter) -> SealedRecord<'static> {
        SealedRecord {
            session_id: [9; 16],
            generation: 3,
            phase: RecordPhase::Running,
            scheme: SchemeKind::UptoPermit2,
            x402_version: 2,
            offer_index: 1,
            meter: *m,
            checkpoint_ms: 9_000,
            payer: Some(Payer::Solana([4; 32])),
            replay_key: b"permit2:nonce",
            payment_header: b"eyJ9",
            refund: RecordedRefund::NONE,
            grant_generation: 2,
        }
    }

    #[test]
    fn every_flipped_bit_is_record_tampered() {
        let keys = SessionKeys::derive(&[1; 32]).unwrap();
        let rec = record(&meter());
        let mut buf = [0u8; 600];
        let n = rec.seal(&keys, &mut buf).unwrap();
        assert_eq!(SealedRecord::open(&keys, &buf[..n]), Ok(rec));
        for i in 0..n {
            for bit in [0u8, 7] {
                let mut b = buf;
                b[i] ^= 1 << bit;
                assert_eq!(
                    SealedRecord::open(&keys, &b[..n]),
                    Err(Ws402Error::RecordTampered),
                    "byte {i}"
                );
            }
        }
        let other = SessionKeys::derive(&[2; 32]).unwrap();
        assert_eq!(
            SealedRecord::open(&other, &buf[..n]),
            Err(Ws402Error::RecordTampered)
        );
    }

    #[test]
    fn a_seal_that_does_not_fit_or_is_refused_writes_nothing() {
        let keys = SessionKeys::derive(&[1; 32]).unwrap();
        let rec = record(&meter());
        let mut buf = [0xEEu8; 600];
        let short = rec.sealed_len() - 1;
        assert_eq!(
            rec.seal(&keys, &mut buf[..short]),
            Err(Ws402Error::BufferTooSmall)
        );
        assert!(buf.iter().all(|&b| b == 0xEE));
        let suspended = SealedRecord {
            phase: RecordPhase::Suspended,
            ..rec
        };
        assert_eq!(
            suspended.seal(&keys, &mut buf),
            Err(Ws402Error::RecordInconsistent)
        );
        assert!(buf.iter().all(|&b| b == 0xEE));
    }

    #[test]
    fn the_meter_state_restores_and_refuses_a_changed_consumed() {
        let m = meter();
        assert_eq!(TariffMeter::restore(m.state()), Ok(m));
        let mut s = m.state();
        s.consumed = s.consumed.checked_add(U256::from_u64(1)).unwrap();
        assert_eq!(TariffMeter::restore(s), Err(Ws402Error::RecordInconsistent));
    }

    #[test]
    fn a_v1_record_is_named_as_such() {
        let keys = SessionKeys::derive(&[1; 32]).unwrap();
        let mut v1 = [0u8; SESSION_RECORD_LEN];
        v1[0] = 1;
        assert_eq!(
            SealedRecord::open(&keys, &v1),
            Err(Ws402Error::RecordVersion)
        );
    }
}
