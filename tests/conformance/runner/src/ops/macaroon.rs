//! `macaroon.*` ops.

use super::{Outcome, code};
use crate::input;
use pay402::macaroon::builder::V2Builder;
use pay402::macaroon::crypto::bind_for_request;
use pay402::macaroon::verify::{AcceptList, Mode, VerifyPolicy, verify as verify_macaroon};
use pay402::macaroon::{Macaroon, MacaroonError, Version};
use serde_json::{Map, Value, json};

fn hex(bytes: &[u8]) -> String {
    input::to_0x(bytes).split_off(2)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn std_base64(bytes: &[u8]) -> String {
    let mut out = vec![0u8; pay402::base64::encoded_len(bytes.len()).unwrap_or(0)];
    pay402::base64::encode_into(bytes, &mut out)
        .map(str::to_owned)
        .unwrap_or_default()
}

pub(crate) fn decode(input: &Value) -> Outcome {
    let token = input::str(input, "token")?;
    let mut scratch = vec![0u8; token.len()];
    let mac = Macaroon::decode(token.as_bytes(), &mut scratch).map_err(|e| code(&e))?;
    let caveats: Vec<Value> = mac
        .caveats()
        .map(|c| {
            let mut o = Map::new();
            o.insert("id_hex".into(), hex(c.id).into());
            if !c.vid.is_empty() {
                o.insert("vid_hex".into(), hex(c.vid).into());
            }
            if !c.location.is_empty() {
                o.insert("location".into(), text(c.location).into());
            }
            Value::Object(o)
        })
        .collect();
    Ok(json!({
        "version": match mac.version() { Version::V1 => 1, Version::V2 => 2 },
        "location": text(mac.location()),
        "identifier_hex": hex(mac.id()),
        "caveats": caveats,
        "signature_hex": hex(mac.signature()),
    }))
}

pub(crate) fn mint(input: &Value) -> Outcome {
    let root_key = input::hex_bytes(input::str(input, "root_key_hex")?, "root_key_hex")?;
    let id = input::hex_bytes(input::str(input, "identifier_hex")?, "identifier_hex")?;
    let location = input::str(input, "location")?;
    let caveats = input::get(input, "caveats")?
        .as_array()
        .ok_or_else(|| input::bad("caveats"))?;
    let size = 64
        + id.len()
        + location.len()
        + caveats.len() * 8
        + caveats
            .iter()
            .filter_map(Value::as_str)
            .map(str::len)
            .sum::<usize>();
    let mut buf = vec![0u8; size];
    let mut b =
        V2Builder::mint(&mut buf, &root_key, &id, location.as_bytes()).map_err(|e| code(&e))?;
    for caveat in caveats {
        let caveat = caveat.as_str().ok_or_else(|| input::bad("caveats"))?;
        b.add_first_party(caveat.as_bytes()).map_err(|e| code(&e))?;
    }
    let signature = b.signature();
    let bytes = b.finish().map_err(|e| code(&e))?;
    Ok(json!({ "signature_hex": hex(&signature), "v2_base64": std_base64(bytes) }))
}

pub(crate) fn verify(input: &Value) -> Outcome {
    let token = input::str(input, "token")?;
    let root_key = input::hex_bytes(input::str(input, "root_key_hex")?, "root_key_hex")?;
    let discharge_tokens: Vec<&str> = match input.get("discharges") {
        None => Vec::new(),
        Some(v) => v
            .as_array()
            .ok_or_else(|| input::bad("discharges"))?
            .iter()
            .map(|t| t.as_str().ok_or_else(|| input::bad("discharges")))
            .collect::<Result<_, _>>()?,
    };
    let accept: Vec<&[u8]> = match input.get("accept") {
        None => Vec::new(),
        Some(v) => v
            .as_array()
            .ok_or_else(|| input::bad("accept"))?
            .iter()
            .map(|t| {
                t.as_str()
                    .map(str::as_bytes)
                    .ok_or_else(|| input::bad("accept"))
            })
            .collect::<Result<_, _>>()?,
    };
    let mode = match input::opt_str(input, "mode") {
        None | Some("strict") => Mode::Strict,
        Some("l402") => Mode::L402,
        Some(_) => return Err(input::bad("mode")),
    };
    let mut scratch = vec![0u8; token.len()];
    let mac = Macaroon::decode(token.as_bytes(), &mut scratch).map_err(|e| code(&e))?;
    let mut scratches: Vec<Vec<u8>> = discharge_tokens
        .iter()
        .map(|t| vec![0u8; t.len()])
        .collect();
    let discharges = discharge_tokens
        .iter()
        .zip(scratches.iter_mut())
        .map(|(t, s)| Macaroon::decode(t.as_bytes(), s))
        .collect::<Result<Vec<_>, MacaroonError>>()
        .map_err(|e| code(&e))?;
    let policy = VerifyPolicy {
        mode,
        ..VerifyPolicy::STRICT
    };
    verify_macaroon(
        &mac,
        &root_key,
        &discharges,
        &mut AcceptList(&accept),
        &policy,
    )
    .map_err(|e| code(&e))?;
    Ok(json!({}))
}

pub(crate) fn bind(input: &Value) -> Outcome {
    let root = input::hex_array::<32>(
        input::str(input, "root_signature_hex")?,
        "root_signature_hex",
    )?;
    let discharge = input::hex_array::<32>(
        input::str(input, "discharge_signature_hex")?,
        "discharge_signature_hex",
    )?;
    Ok(json!({ "signature_hex": hex(&bind_for_request(&root, &discharge)) }))
}
