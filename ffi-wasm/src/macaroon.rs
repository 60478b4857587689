//! Macaroons: decode any serialization, mint v2, verify with discharges, bind.

use crate::convert::{Obj, array, array_of, bytes, get, opt_string, strings, u8a};
use crate::errors::{JsResult, arg_error, core_error};
use pay402::macaroon::builder::V2Builder;
use pay402::macaroon::crypto::bind_for_request;
use pay402::macaroon::verify::{AcceptList, Mode, VerifyPolicy, verify};
use pay402::macaroon::{Macaroon, MacaroonError, Version};
use wasm_bindgen::prelude::*;

const NAME: &str = "MacaroonError";

#[wasm_bindgen(typescript_custom_section)]
const TS: &str = r#"
export interface MacaroonCaveat { id: Uint8Array; vid?: Uint8Array; location?: string }
export interface DecodedMacaroon {
  version: 1 | 2; location: string; identifier: Uint8Array; caveats: MacaroonCaveat[]; signature: Uint8Array;
}
export interface MacaroonVerifyOptions {
  /** Discharge macaroons (any serialization), already bound. */
  discharges?: string[];
  /** First-party caveats accepted exactly; every first-party caveat must be listed. */
  accept?: string[];
  mode?: "strict" | "l402";
}
"#;

pub(crate) fn std_base64(data: &[u8]) -> String {
    let mut out = vec![0u8; pay402::base64::encoded_len(data.len()).unwrap_or(0)];
    pay402::base64::encode_into(data, &mut out)
        .map(str::to_owned)
        .unwrap_or_default()
}

fn err(e: &MacaroonError) -> JsValue {
    core_error(NAME, e, None)
}

/// Decodes a macaroon given as base64 (any variant) of v1/v2 binary, or as v2 JSON text.
#[wasm_bindgen(js_name = macaroonDecode, unchecked_return_type = "DecodedMacaroon")]
pub fn macaroon_decode(token: &str) -> JsResult<JsValue> {
    let mut scratch = vec![0u8; token.len()];
    let mac = Macaroon::decode(token.as_bytes(), &mut scratch).map_err(|e| err(&e))?;
    let caveats = mac.caveats().map(|c| {
        let mut o = Obj::new().set("id", u8a(c.id));
        if !c.vid.is_empty() {
            o = o.set("vid", u8a(c.vid));
        }
        if !c.location.is_empty() {
            o = o.set("location", String::from_utf8_lossy(c.location).into_owned());
        }
        o.build()
    });
    Ok(Obj::new()
        .set(
            "version",
            match mac.version() {
                Version::V1 => 1,
                Version::V2 => 2,
            },
        )
        .set(
            "location",
            String::from_utf8_lossy(mac.location()).into_owned(),
        )
        .set("identifier", u8a(mac.id()))
        .set("caveats", array_of(caveats))
        .set("signature", u8a(mac.signature()))
        .build())
}

/// Mints a v2 macaroon with first-party caveats; returns the token (standard base64 of the
/// v2 binary) and its signature.
#[wasm_bindgen(js_name = macaroonMint, unchecked_return_type = "{ token: string; signature: Uint8Array }")]
pub fn macaroon_mint(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] root_key: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] identifier: &JsValue,
    location: &str,
    #[wasm_bindgen(unchecked_param_type = "string[]")] caveats: &JsValue,
) -> JsResult<JsValue> {
    let root_key = bytes(root_key, "rootKey")?;
    let id = bytes(identifier, "identifier")?;
    let caveats = strings(caveats, "caveats")?;
    let size = 64 + id.len() + location.len() + caveats.iter().map(|c| c.len() + 8).sum::<usize>();
    let (signature, token) = crate::convert::grow(size, |buf| {
        let mut b = V2Builder::mint(buf, &root_key, &id, location.as_bytes())?;
        for caveat in &caveats {
            b.add_first_party(caveat.as_bytes())?;
        }
        let signature = b.signature();
        let bytes = b.finish()?;
        Ok::<_, MacaroonError>((signature, std_base64(bytes)))
    })
    .map_err(|e| err(&e))?;
    Ok(Obj::new()
        .set("token", token)
        .set("signature", u8a(&signature))
        .build())
}

/// Verifies a macaroon against its root key, discharges and accepted caveats. Returns
/// nothing; throws a `MacaroonError` (`signature_mismatch`, `caveat_not_satisfied`, …).
#[wasm_bindgen(js_name = macaroonVerify)]
pub fn macaroon_verify(
    token: &str,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] root_key: &JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "MacaroonVerifyOptions")] options: Option<
        JsValue,
    >,
) -> JsResult<()> {
    let options = options.unwrap_or(JsValue::UNDEFINED);
    let root_key = bytes(root_key, "rootKey")?;
    let discharge_tokens = strings(&get(&options, "discharges"), "discharges")?;
    let accept = strings(&get(&options, "accept"), "accept")?;
    let accept: Vec<&[u8]> = accept.iter().map(String::as_bytes).collect();
    let mode = match opt_string(&get(&options, "mode"), "mode")?.as_deref() {
        None | Some("strict") => Mode::Strict,
        Some("l402") => Mode::L402,
        Some(_) => return Err(arg_error("mode", "\"strict\" or \"l402\"")),
    };
    let mut scratch = vec![0u8; token.len()];
    let mac = Macaroon::decode(token.as_bytes(), &mut scratch).map_err(|e| err(&e))?;
    let mut scratches: Vec<Vec<u8>> = discharge_tokens
        .iter()
        .map(|t| vec![0u8; t.len()])
        .collect();
    let discharges = discharge_tokens
        .iter()
        .zip(scratches.iter_mut())
        .map(|(t, s)| Macaroon::decode(t.as_bytes(), s))
        .collect::<Result<Vec<_>, MacaroonError>>()
        .map_err(|e| err(&e))?;
    let policy = VerifyPolicy {
        mode,
        ..VerifyPolicy::STRICT
    };
    verify(
        &mac,
        &root_key,
        &discharges,
        &mut AcceptList(&accept),
        &policy,
    )
    .map_err(|e| err(&e))
}

/// Binds a discharge signature to the root macaroon's signature for a request.
#[wasm_bindgen(js_name = macaroonBind)]
pub fn macaroon_bind(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] root_signature: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] discharge_signature: &JsValue,
) -> JsResult<Vec<u8>> {
    let root = array::<32>(root_signature, "rootSignature")?;
    let discharge = array::<32>(discharge_signature, "dischargeSignature")?;
    Ok(bind_for_request(&root, &discharge).to_vec())
}
