//! L402 (and LSAT): challenges, credentials, server verification, minting, the paying client.

use crate::convert::{
    Obj, array, array_of, bigint_u64, bytes, get, grow, opt_string, strings, u8a, uint,
};
use crate::errors::{JsResult, arg_error, core_error};
use crate::macaroon::std_base64;
use pay402::bolt11::Network;
use pay402::l402::{
    ClientPolicy, Credential, Identifier, L402Challenge, L402Error, Scheme, Target, challenges,
    check_challenge, mint_token, select_credential, verify_credential, write_challenge,
};
use pay402::writer::Writer;
use wasm_bindgen::prelude::*;

const NAME: &str = "L402Error";

#[wasm_bindgen(typescript_custom_section)]
const TS: &str = r#"
export type L402Scheme = "L402" | "LSAT";
export interface L402Challenge { scheme: L402Scheme; macaroon: string; invoice: string; version?: string }
export interface L402Authorization { scheme: L402Scheme; macaroons: string[]; preimage: Uint8Array }
export interface L402VerifyTarget { now: number; service: string; capability?: string }
export interface L402Verified { paymentHash: Uint8Array; tokenId: Uint8Array }
export interface L402MintOptions { location?: string; caveats?: string[] }
export type LightningNetwork = "bc" | "tb" | "tbs" | "bcrt" | "sb";
/** What the client accepts to pay: its node's network and its budget per token. */
export interface L402ClientPolicy { network: LightningNetwork; budgetMsat: bigint | number; now: number; scheme?: L402Scheme }
export interface L402Payable { paymentHash: Uint8Array; amountMsat: bigint; invoice: string; macaroon: string }
"#;

fn err(e: &L402Error) -> JsValue {
    let detail = match e {
        L402Error::InvalidCredential(fault) => Some(fault.reason()),
        _ => None,
    };
    core_error(NAME, e, detail)
}

fn scheme_of(text: Option<&str>) -> JsResult<Scheme> {
    match text {
        None | Some("L402") => Ok(Scheme::L402),
        Some("LSAT") => Ok(Scheme::Lsat),
        Some(_) => Err(arg_error("scheme", "\"L402\" or \"LSAT\"")),
    }
}

fn challenge_js(c: &L402Challenge<'_>) -> JsValue {
    let mut o = Obj::new()
        .set("scheme", c.scheme.as_str())
        .set("macaroon", c.macaroon)
        .set("invoice", c.invoice);
    if let Some(v) = c.version {
        o = o.set("version", v);
    }
    o.build()
}

/// The L402/LSAT challenges of `WWW-Authenticate` values (each possibly comma-folded), in
/// header order; other schemes are skipped.
#[wasm_bindgen(js_name = l402ParseChallenges, unchecked_return_type = "L402Challenge[]")]
pub fn l402_parse_challenges(
    #[wasm_bindgen(unchecked_param_type = "string | string[]")] headers: &JsValue,
) -> JsResult<JsValue> {
    let mut found = Vec::new();
    for header in strings(headers, "headers")? {
        for item in challenges(&header) {
            found.push(challenge_js(&item.map_err(|e| err(&e))?));
        }
    }
    Ok(array_of(found))
}

/// The `WWW-Authenticate` values for a macaroon (base64, any variant) and invoice, in
/// aperture's order: LSAT first, then L402.
#[wasm_bindgen(js_name = l402EncodeChallenges, unchecked_return_type = "string[]")]
pub fn l402_encode_challenges(macaroon: &str, invoice: &str) -> JsResult<JsValue> {
    let mut raw = vec![0u8; macaroon.len()];
    let raw = pay402::base64::decode_into(
        macaroon.as_bytes(),
        &pay402::base64::Base64Policy::ANY,
        &mut raw,
    )
    .map_err(|e| core_error(NAME, &e, None))?;
    let mut headers = Vec::new();
    for scheme in Scheme::APERTURE_ORDER {
        let text = grow(64 + 2 * macaroon.len() + invoice.len(), |buf| {
            let mut w = Writer::new(buf);
            write_challenge(&mut w, scheme, raw, invoice)?;
            Ok::<_, L402Error>(String::from_utf8_lossy(w.written()).into_owned())
        })
        .map_err(|e| err(&e))?;
        headers.push(JsValue::from_str(&text));
    }
    Ok(array_of(headers))
}

/// Parses an `Authorization: L402 <macaroons>:<preimage>` value; macaroons come back as
/// standard padded base64.
#[wasm_bindgen(js_name = l402ParseAuthorization, unchecked_return_type = "L402Authorization")]
pub fn l402_parse_authorization(header: &str) -> JsResult<JsValue> {
    let cred = Credential::parse(header).map_err(|e| err(&e))?;
    let mut macaroons = Vec::new();
    for i in 0..cred.macaroon_count() {
        let mut scratch = vec![0u8; header.len()];
        cred.decode_macaroon(i, &mut scratch).map_err(|e| err(&e))?;
        let token = cred.macaroons().nth(i).unwrap_or_default();
        let mut raw = vec![0u8; token.len()];
        let raw = pay402::base64::decode_into(
            token.as_bytes(),
            &pay402::base64::Base64Policy::ANY,
            &mut raw,
        )
        .map_err(|e| core_error(NAME, &e, None))?;
        macaroons.push(JsValue::from_str(&std_base64(raw)));
    }
    Ok(Obj::new()
        .set("scheme", cred.scheme.as_str())
        .set("macaroons", array_of(macaroons))
        .set("preimage", u8a(&cred.preimage))
        .build())
}

/// Verifies `Authorization` values (L402 preferred over LSAT) for `target` with the root key
/// of the token's identifier.
#[wasm_bindgen(js_name = l402Verify, unchecked_return_type = "L402Verified")]
pub fn l402_verify(
    #[wasm_bindgen(unchecked_param_type = "string | string[]")] authorization: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] root_key: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "L402VerifyTarget")] target: &JsValue,
) -> JsResult<JsValue> {
    let headers = strings(authorization, "authorization")?;
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let root_key = array::<32>(root_key, "rootKey")?;
    let now = uint(&get(target, "now"), "now")?;
    let service = crate::convert::field_string(target, "service")?;
    let capability = opt_string(&get(target, "capability"), "capability")?;
    let cred = select_credential(&headers).map_err(|e| err(&e))?;
    let keys = |_: &[u8; 32]| Some(root_key);
    let id = grow(headers.iter().map(|h| h.len()).sum::<usize>(), |scratch| {
        verify_credential(
            &cred,
            scratch,
            &keys,
            &Target {
                service: &service,
                capability: capability.as_deref(),
                now,
            },
            &[],
        )
    })
    .map_err(|e| err(&e))?;
    Ok(Obj::new()
        .set("paymentHash", u8a(&id.payment_hash))
        .set("tokenId", u8a(&id.token_id))
        .build())
}

/// Mints an L402 token (v2 macaroon, base64) for an invoice's payment hash and a token id.
#[wasm_bindgen(js_name = l402Mint, unchecked_return_type = "{ token: string; signature: Uint8Array }")]
pub fn l402_mint(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] root_key: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] payment_hash: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] token_id: &JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "L402MintOptions")] options: Option<JsValue>,
) -> JsResult<JsValue> {
    let options = options.unwrap_or(JsValue::UNDEFINED);
    let root_key = bytes(root_key, "rootKey")?;
    let id = Identifier::new(
        array::<32>(payment_hash, "paymentHash")?,
        array::<32>(token_id, "tokenId")?,
    );
    let location =
        opt_string(&get(&options, "location"), "location")?.unwrap_or_else(|| "lsat".into());
    let caveats = strings(&get(&options, "caveats"), "caveats")?;
    let caveats: Vec<&[u8]> = caveats.iter().map(String::as_bytes).collect();
    let size = 128 + location.len() + caveats.iter().map(|c| c.len() + 8).sum::<usize>();
    let (token, signature) = grow(size, |buf| {
        let bytes = mint_token(buf, &root_key, &id, &location, &caveats)?;
        let signature = bytes
            .get(bytes.len().saturating_sub(32)..)
            .unwrap_or_default()
            .to_vec();
        Ok::<_, L402Error>((std_base64(bytes), signature))
    })
    .map_err(|e| err(&e))?;
    Ok(Obj::new()
        .set("token", token)
        .set("signature", u8a(&signature))
        .build())
}

fn client_policy(policy: &JsValue) -> JsResult<(ClientPolicy, u64)> {
    let network = match crate::convert::field_string(policy, "network")?.as_str() {
        "bc" => Network::Bitcoin,
        "tb" => Network::Testnet,
        "tbs" => Network::Signet,
        "bcrt" => Network::Regtest,
        "sb" => Network::Simnet,
        _ => return Err(arg_error("network", "bc, tb, tbs, bcrt or sb")),
    };
    let budget_msat = uint(&get(policy, "budgetMsat"), "budgetMsat")?;
    let now = uint(&get(policy, "now"), "now")?;
    Ok((
        ClientPolicy {
            network,
            budget_msat,
        },
        now,
    ))
}

fn challenge_in<'a>(
    c: &JsValue,
    macaroon: &'a str,
    invoice: &'a str,
) -> JsResult<L402Challenge<'a>> {
    Ok(L402Challenge {
        scheme: scheme_of(opt_string(&get(c, "scheme"), "scheme")?.as_deref())?,
        macaroon,
        invoice,
        version: None,
    })
}

/// The client's check before paying (as aperture's client): the invoice pays for the macaroon's
/// payment hash, on the policy's network, within budget, not expired.
#[wasm_bindgen(js_name = l402CheckChallenge, unchecked_return_type = "L402Payable")]
pub fn l402_check_challenge(
    #[wasm_bindgen(unchecked_param_type = "L402Challenge")] challenge: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "L402ClientPolicy")] policy: &JsValue,
) -> JsResult<JsValue> {
    let macaroon = crate::convert::field_string(challenge, "macaroon")?;
    let invoice = crate::convert::field_string(challenge, "invoice")?;
    let c = challenge_in(challenge, &macaroon, &invoice)?;
    let (policy, now) = client_policy(policy)?;
    let mut scratch = vec![0u8; macaroon.len()];
    let payable = check_challenge(&c, &policy, now, &mut scratch).map_err(|e| err(&e))?;
    Ok(Obj::new()
        .set("paymentHash", u8a(&payable.identifier.payment_hash))
        .set(
            "amountMsat",
            bigint_u64(payable.invoice.amount_msat().unwrap_or(0)),
        )
        .set("invoice", invoice.as_str())
        .set("macaroon", macaroon.as_str())
        .build())
}

/// After paying: checks `sha256(preimage)` against the token's payment hash and returns the
/// `Authorization` value `L402 <macaroon>:<preimage hex>` (scheme from `policy.scheme`).
#[wasm_bindgen(js_name = l402Authorization)]
pub fn l402_authorization(
    #[wasm_bindgen(unchecked_param_type = "L402Challenge")] challenge: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] preimage: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "L402ClientPolicy")] policy: &JsValue,
) -> JsResult<String> {
    let macaroon = crate::convert::field_string(challenge, "macaroon")?;
    let invoice = crate::convert::field_string(challenge, "invoice")?;
    let c = challenge_in(challenge, &macaroon, &invoice)?;
    let preimage = array::<32>(preimage, "preimage")?;
    let scheme = scheme_of(opt_string(&get(policy, "scheme"), "scheme")?.as_deref())?;
    let (policy, now) = client_policy(policy)?;
    let mut scratch = vec![0u8; macaroon.len()];
    let payable = check_challenge(&c, &policy, now, &mut scratch).map_err(|e| err(&e))?;
    grow(64 + macaroon.len() * 2, |buf| {
        let mut w = Writer::new(buf);
        payable.write_authorization(&mut w, scheme, &preimage)?;
        Ok::<_, L402Error>(String::from_utf8_lossy(w.written()).into_owned())
    })
    .map_err(|e| err(&e))
}
