//! `l402.*` ops.

use super::{Outcome, code};
use crate::input;
use pay402::l402::{
    Credential, Identifier, Scheme, Target, challenges, mint_token, select_credential,
    verify_credential, write_challenge,
};
use pay402::writer::Writer;
use serde_json::{Value, json};

fn hex(bytes: &[u8]) -> String {
    input::to_0x(bytes).split_off(2)
}

fn std_base64(bytes: &[u8]) -> String {
    let mut out = vec![0u8; pay402::base64::encoded_len(bytes.len()).unwrap_or(0)];
    pay402::base64::encode_into(bytes, &mut out)
        .map(str::to_owned)
        .unwrap_or_default()
}

fn strings<'a>(value: &'a Value, key: &str) -> Result<Vec<&'a str>, String> {
    match value.get(key) {
        Some(Value::String(s)) => Ok(vec![s.as_str()]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().ok_or_else(|| input::bad(key)))
            .collect(),
        _ => Err(input::bad(key)),
    }
}

pub(crate) fn challenge_parse(input: &Value) -> Outcome {
    let headers = strings(input, "headers")?;
    let mut found = Vec::new();
    for header in headers {
        for item in challenges(header) {
            let c = item.map_err(|e| code(&e))?;
            found.push(json!({
                "scheme": c.scheme.as_str(),
                "macaroon": c.macaroon,
                "invoice": c.invoice,
            }));
        }
    }
    Ok(json!({ "challenges": found }))
}

pub(crate) fn challenge_encode(input: &Value) -> Outcome {
    let macaroon = input::str(input, "macaroon")?;
    let invoice = input::str(input, "invoice")?;
    let mut bytes = vec![0u8; macaroon.len()];
    let bytes = pay402::base64::decode_into(
        macaroon.as_bytes(),
        &pay402::base64::Base64Policy::ANY,
        &mut bytes,
    )
    .map_err(|e| code(&e))?;
    let mut headers = Vec::new();
    for scheme in Scheme::APERTURE_ORDER {
        let mut buf = vec![0u8; 64 + 2 * macaroon.len() + invoice.len()];
        let mut w = Writer::new(&mut buf);
        write_challenge(&mut w, scheme, bytes, invoice).map_err(|e| code(&e))?;
        headers.push(String::from_utf8_lossy(w.written()).into_owned());
    }
    Ok(json!({ "headers": headers }))
}

pub(crate) fn authorization_parse(input: &Value) -> Outcome {
    let header = input::str(input, "header")?;
    let cred = Credential::parse(header).map_err(|e| code(&e))?;
    let mut macaroons = Vec::new();
    for i in 0..cred.macaroon_count() {
        let mut scratch = vec![0u8; header.len()];
        let mac = cred
            .decode_macaroon(i, &mut scratch)
            .map_err(|e| code(&e))?;
        let _ = mac; // decoded to validate it; the bytes as sent are reported below
        let token = cred.macaroons().nth(i).unwrap_or_default();
        let mut raw = vec![0u8; token.len()];
        let raw = pay402::base64::decode_into(
            token.as_bytes(),
            &pay402::base64::Base64Policy::ANY,
            &mut raw,
        )
        .map_err(|e| code(&e))?;
        macaroons.push(std_base64(raw));
    }
    Ok(json!({
        "scheme": cred.scheme.as_str(),
        "macaroons": macaroons,
        "preimage_hex": hex(&cred.preimage),
    }))
}

pub(crate) fn verify(input: &Value) -> Outcome {
    let headers = strings(input, "authorization")?;
    let root_key = input::hex_array::<32>(input::str(input, "root_key_hex")?, "root_key_hex")?;
    let now = input::u64(input, "now")?;
    let service = input::str(input, "service")?;
    let capability = input::opt_str(input, "capability");
    let cred = select_credential(&headers).map_err(|e| code(&e))?;
    let keys = |_: &[u8; 32]| Some(root_key);
    let mut scratch = vec![0u8; headers.iter().map(|h| h.len()).sum::<usize>()];
    let id = verify_credential(
        &cred,
        &mut scratch,
        &keys,
        &Target {
            service,
            capability,
            now,
        },
        &[],
    )
    .map_err(|e| code(&e))?;
    Ok(json!({
        "payment_hash_hex": hex(&id.payment_hash),
        "token_id_hex": hex(&id.token_id),
    }))
}

pub(crate) fn mint(input: &Value) -> Outcome {
    let root_key = input::hex_bytes(input::str(input, "root_key_hex")?, "root_key_hex")?;
    let payment_hash =
        input::hex_array::<32>(input::str(input, "payment_hash_hex")?, "payment_hash_hex")?;
    let token_id = input::hex_array::<32>(input::str(input, "token_id_hex")?, "token_id_hex")?;
    let location = input::opt_str(input, "location").unwrap_or("lsat");
    let caveats: Vec<&[u8]> = strings(input, "caveats")
        .or_else(|_| Ok::<_, String>(Vec::new()))?
        .into_iter()
        .map(str::as_bytes)
        .collect();
    let size = 128 + location.len() + caveats.iter().map(|c| c.len() + 8).sum::<usize>();
    let mut buf = vec![0u8; size];
    let id = Identifier::new(payment_hash, token_id);
    let bytes = mint_token(&mut buf, &root_key, &id, location, &caveats).map_err(|e| code(&e))?;
    let signature = bytes
        .get(bytes.len().saturating_sub(32)..)
        .unwrap_or_default();
    Ok(json!({ "token": std_base64(bytes), "signature_hex": hex(signature) }))
}
