//! `ws402.message.*` ops: the WS402 wire messages (and later the sealed record and HTTP grants).

use super::{Outcome, code};
use crate::input;
use pay402::ws402::{AmountEncoding, Message};
use serde_json::{Value, json};

fn frame_of(msg: &Message<'_>, amounts: AmountEncoding, hint: usize) -> Outcome {
    let mut buf = vec![0u8; hint * 2 + 256];
    let n = msg.write(&mut buf, amounts).map_err(|e| code(&e))?;
    buf.truncate(n);
    String::from_utf8(buf)
        .map_err(|_| "frame is not UTF-8".to_owned())
        .map(Value::String)
}

/// `ws402.message.decode`: `frame` (text) → `type`, `frame` (the canonical frame, amounts as
/// decimal strings).
pub(crate) fn message_decode(input: &Value) -> Outcome {
    let frame = input::str(input, "frame")?;
    let msg = Message::decode(frame.as_bytes()).map_err(|e| code(&e))?;
    Ok(json!({
        "type": msg.type_name(),
        "frame": frame_of(&msg, AmountEncoding::String, frame.len())?,
    }))
}

/// `ws402.message.encode`: `message` (a JSON object), `amounts`? (`string`, the default, or
/// `number_when_safe`) → `frame`.
pub(crate) fn message_encode(input: &Value) -> Outcome {
    let message = input::get(input, "message")?.to_string();
    let amounts = match input.get("amounts") {
        None => AmountEncoding::String,
        Some(_) => AmountEncoding::from_name(input::str(input, "amounts")?)
            .ok_or_else(|| input::bad("amounts"))?,
    };
    let msg = Message::decode(message.as_bytes()).map_err(|e| code(&e))?;
    Ok(json!({ "frame": frame_of(&msg, amounts, message.len())? }))
}

// ---------------------------------------------------------------- keys and sealed records

use pay402::U256;
use pay402::evm::Address;
use pay402::u256::LeadingZeros;
use pay402::ws402::{
    Payer, RecordPhase, RecordedRefund, RefundState, SchemeKind, SealedRecord, SessionEnd,
    SessionEndReason, SessionKeys, Tariff, TariffConfig, TariffMeter, TariffState,
};

fn hex_field(input: &Value, key: &str) -> Result<Vec<u8>, String> {
    input::hex_bytes(input::str(input, key)?, key)
}

fn amount(input: &Value, key: &str) -> Result<U256, String> {
    U256::parse_decimal(input::str(input, key)?.as_bytes(), LeadingZeros::Reject)
        .map_err(|_| input::bad(key))
}

fn opt_u64(input: &Value, key: &str) -> Result<Option<u64>, String> {
    match input.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => input::u64(input, key).map(Some),
    }
}

fn keys(input: &Value) -> Result<SessionKeys, String> {
    SessionKeys::derive(&hex_field(input, "secret_hex")?).map_err(|e| code(&e))
}

fn payer_of(v: &Value) -> Result<Option<Payer>, String> {
    if v.is_null() {
        return Ok(None);
    }
    let bytes = hex_field(v, "hex")?;
    match input::str(v, "kind")? {
        "evm" => Ok(Some(Payer::Evm(Address(
            bytes.try_into().map_err(|_| input::bad("payer"))?,
        )))),
        "solana" => Ok(Some(Payer::Solana(
            bytes.try_into().map_err(|_| input::bad("payer"))?,
        ))),
        _ => Err(input::bad("payer")),
    }
}

fn payer_json(p: Option<&Payer>) -> Value {
    match p {
        None => Value::Null,
        Some(p) => json!({
            "kind": match p { Payer::Evm(_) => "evm", Payer::Solana(_) => "solana" },
            "hex": hex::encode(p.bytes()),
        }),
    }
}

fn session_id(input: &Value) -> Result<[u8; 16], String> {
    input::hex_array::<16>(input::str(input, "session_id_hex")?, "session_id_hex")
}

/// `ws402.resume_token`: `secret_hex`, `session_id_hex`, `payer` {`kind`, `hex`}, `presented`?
/// → `token` (after checking `presented` when given).
pub(crate) fn resume_token(input: &Value) -> Outcome {
    let keys = keys(input)?;
    let id = session_id(input)?;
    let payer = payer_of(input::get(input, "payer")?)?.ok_or_else(|| input::bad("payer"))?;
    if let Some(presented) = input::opt_str(input, "presented") {
        keys.check_resume_token(&id, &payer, presented)
            .map_err(|e| code(&e))?;
    }
    Ok(json!({ "token": keys.resume_token(&id, &payer).as_str() }))
}

fn name<T>(input: &Value, key: &str, parse: fn(&str) -> Option<T>) -> Result<T, String> {
    parse(input::str(input, key)?).ok_or_else(|| input::bad(key))
}

fn small<T: TryFrom<u64>>(input: &Value, key: &str) -> Result<T, String> {
    T::try_from(input::u64(input, key)?).map_err(|_| input::bad(key))
}

fn meter_of(r: &Value) -> Result<TariffMeter, String> {
    let t = input::get(r, "tariff")?;
    let config = TariffConfig {
        tariff: Tariff {
            per_second: amount(t, "per_second")?,
            per_byte_in: amount(t, "per_byte_in")?,
            per_byte_out: amount(t, "per_byte_out")?,
            per_message: amount(t, "per_message")?,
        },
        paid: amount(r, "paid")?,
        max_session_seconds: input::u64(r, "max_session_seconds")?,
        deadline_ms: opt_u64(r, "deadline_ms")?,
    };
    let consumed = amount(r, "consumed")?;
    let end = match input::get(r, "end")? {
        Value::Null => None,
        e => Some(SessionEnd {
            reason: name(e, "reason", |s| {
                [
                    SessionEndReason::ClientClose,
                    SessionEndReason::BalanceExhausted,
                    SessionEndReason::MaxDuration,
                    SessionEndReason::Deadline,
                    SessionEndReason::ServerClose,
                    SessionEndReason::ConnectionLost,
                ]
                .into_iter()
                .find(|r| r.as_str() == s)
            })?,
            at_ms: input::u64(e, "at_ms")?,
            close_code: opt_u64(e, "close_code")?
                .map(|c| u16::try_from(c).map_err(|_| input::bad("close_code")))
                .transpose()?,
            consumed,
            refund: config.paid.checked_sub(consumed).unwrap_or_default(),
        }),
    };
    TariffMeter::restore(TariffState {
        config,
        start_ms: input::u64(r, "start_ms")?,
        last_ms: input::u64(r, "last_ms")?,
        active_ms: input::u64(r, "active_ms")?,
        running_since: opt_u64(r, "running_since")?,
        suspended_at: input::u64(r, "suspended_at")?,
        bytes_in: input::u64(r, "bytes_in")?,
        bytes_out: input::u64(r, "bytes_out")?,
        messages: input::u64(r, "messages")?,
        consumed,
        ended_active_ms: input::u64(r, "ended_active_ms")?,
        end,
    })
    .map_err(|e| code(&e))
}

fn record_json(rec: &SealedRecord<'_>) -> Value {
    let s = rec.meter.state();
    let t = &s.config.tariff;
    json!({
        "session_id_hex": hex::encode(rec.session_id),
        "generation": rec.generation,
        "phase": rec.phase.as_str(),
        "scheme": rec.scheme.as_str(),
        "x402_version": rec.x402_version,
        "offer_index": rec.offer_index,
        "tariff": {
            "per_second": t.per_second.to_string(),
            "per_byte_in": t.per_byte_in.to_string(),
            "per_byte_out": t.per_byte_out.to_string(),
            "per_message": t.per_message.to_string(),
        },
        "paid": s.config.paid.to_string(),
        "max_session_seconds": s.config.max_session_seconds,
        "deadline_ms": s.config.deadline_ms,
        "start_ms": s.start_ms,
        "last_ms": s.last_ms,
        "active_ms": s.active_ms,
        "running_since": s.running_since,
        "suspended_at": s.suspended_at,
        "checkpoint_ms": rec.checkpoint_ms,
        "bytes_in": s.bytes_in,
        "bytes_out": s.bytes_out,
        "messages": s.messages,
        "consumed": s.consumed.to_string(),
        "ended_active_ms": s.ended_active_ms,
        "end": s.end.map(|e| json!({
            "reason": e.reason.as_str(),
            "at_ms": e.at_ms,
            "close_code": e.close_code,
        })),
        "payer": payer_json(rec.payer.as_ref()),
        "replay_key_hex": hex::encode(rec.replay_key),
        "payment_header": String::from_utf8_lossy(rec.payment_header),
        "refund": {
            "state": rec.refund.state.as_str(),
            "amount": rec.refund.amount.to_string(),
            "tx_hash_hex": hex::encode(rec.refund.tx_hash),
        },
        "grant_generation": rec.grant_generation,
    })
}

/// `ws402.record.seal`: `secret_hex`, `record` (the fields of `ws402.record.open`'s result) →
/// `record_hex`. The runner also opens what it sealed and requires the same record back.
pub(crate) fn record_seal(input: &Value) -> Outcome {
    let keys = keys(input)?;
    let r = input::get(input, "record")?;
    let replay_key = hex_field(r, "replay_key_hex")?;
    let header = input::str(r, "payment_header")?;
    let refund = input::get(r, "refund")?;
    let record = SealedRecord {
        session_id: session_id(r)?,
        generation: small(r, "generation")?,
        phase: name(r, "phase", RecordPhase::from_name)?,
        scheme: name(r, "scheme", SchemeKind::from_name)?,
        x402_version: small(r, "x402_version")?,
        offer_index: small(r, "offer_index")?,
        meter: meter_of(r)?,
        checkpoint_ms: input::u64(r, "checkpoint_ms")?,
        payer: payer_of(input::get(r, "payer")?)?,
        replay_key: &replay_key,
        payment_header: header.as_bytes(),
        refund: RecordedRefund {
            state: name(refund, "state", RefundState::from_name)?,
            amount: amount(refund, "amount")?,
            tx_hash: input::hex_array::<32>(input::str(refund, "tx_hash_hex")?, "tx_hash_hex")?,
        },
        grant_generation: small(r, "grant_generation")?,
    };
    let mut buf = vec![0u8; record.sealed_len()];
    let n = record.seal(&keys, &mut buf).map_err(|e| code(&e))?;
    let opened = SealedRecord::open(&keys, &buf[..n]).map_err(|e| code(&e))?;
    if opened != record {
        return Err("the sealed record opens to another record".into());
    }
    Ok(json!({ "record_hex": hex::encode(&buf[..n]) }))
}

/// `ws402.record.open`: `secret_hex`, `record_hex` → `record`.
pub(crate) fn record_open(input: &Value) -> Outcome {
    let keys = keys(input)?;
    let bytes = hex_field(input, "record_hex")?;
    let record = SealedRecord::open(&keys, &bytes).map_err(|e| code(&e))?;
    Ok(json!({ "record": record_json(&record) }))
}

mod hex {
    pub(super) fn encode(bytes: impl AsRef<[u8]>) -> String {
        crate::input::to_0x(bytes.as_ref())[2..].to_owned()
    }
}
