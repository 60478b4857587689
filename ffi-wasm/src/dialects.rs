//! Other 402 dialects (`pay402::dialects`): `PayPer402`'s `Bearer` challenge, written by a
//! server and parsed by a client. Conversion only: the text and the amount are the core's.

use crate::convert::{Obj, bigint, get, grow, string, u256, uint};
use crate::errors::{JsResult, arg_error, core_error};
use pay402::dialects::{PayPer402Challenge, write_payper402_challenge};
use pay402::http_auth::ParamValue;
use pay402::writer::write_all;
use wasm_bindgen::prelude::*;

const NAME: &str = "DialectError";

#[wasm_bindgen(typescript_custom_section)]
const TS: &str = r#"
/** What a `PayPer402` challenge says (`Bearer realm="PayPer402", amount="0.042", currency="USDC", network="Solana"`). */
export interface PayPer402Challenge {
  /** `realm`, when given. */
  realm: string | null;
  /** `amount` in atomic units (converted exactly with the caller's `decimals`). */
  amount: bigint;
  /** `currency`, when given. */
  currency: string | null;
  /** `network`, when given. */
  network: string | null;
}
/** The server's side of a `PayPer402` challenge; `amount` in atomic units. */
export interface PayPer402ChallengeInput {
  realm: string;
  amount: bigint | number | string;
  /** The asset's decimals (USDC: 6): the amount is written as a decimal with these. */
  decimals: number;
  currency: string;
  network: string;
}
"#;

fn decimals_of(v: &JsValue) -> JsResult<u8> {
    u8::try_from(uint(v, "decimals")?).map_err(|_| arg_error("decimals", "a u8"))
}

fn param(v: Option<ParamValue<'_>>) -> JsResult<JsValue> {
    let Some(v) = v else {
        return Ok(JsValue::NULL);
    };
    let mut buf = vec![0u8; v.raw().len()];
    let text = v
        .unescape_into(&mut buf)
        .map_err(|e| core_error(NAME, &e, None))?;
    Ok(JsValue::from_str(text))
}

/// Writes a `PayPer402` challenge, the `WWW-Authenticate` value of its 402:
/// `Bearer realm="…", amount="…", currency="…", network="…"` with the amount as a decimal of
/// `decimals`. Throws a `DialectError` (`code`: `invalid_amount`, `invalid_challenge` for a value
/// a header cannot carry).
#[wasm_bindgen(js_name = payper402Challenge)]
pub fn payper402_challenge(
    #[wasm_bindgen(unchecked_param_type = "PayPer402ChallengeInput")] input: &JsValue,
) -> JsResult<String> {
    let realm = string(&get(input, "realm"), "realm")?;
    let amount = u256(&get(input, "amount"), "amount")?;
    let decimals = decimals_of(&get(input, "decimals"))?;
    let currency = string(&get(input, "currency"), "currency")?;
    let network = string(&get(input, "network"), "network")?;
    // a quoted value at most doubles (every character escaped)
    grow(
        256 + 2 * (realm.len() + currency.len() + network.len()),
        |buf| {
            write_all(buf, |w| {
                write_payper402_challenge(w, &realm, &amount, decimals, &currency, &network)
            })
            .map(|n| String::from_utf8_lossy(&buf[..n]).into_owned())
        },
    )
    .map_err(|e| core_error(NAME, &e, None))
}

/// Finds the first `Bearer` challenge with an `amount` in a `WWW-Authenticate` value (other
/// challenges folded into it are skipped) and converts the amount with `decimals` (USDC: 6).
/// Throws a `DialectError` (`code`: `invalid_challenge`, `no_payment_challenge`,
/// `invalid_amount`, `sub_unit_amount`).
#[wasm_bindgen(js_name = parsePayper402Challenge, unchecked_return_type = "PayPer402Challenge")]
pub fn parse_payper402_challenge(
    value: &str,
    #[wasm_bindgen(unchecked_param_type = "number")] decimals: &JsValue,
) -> JsResult<JsValue> {
    let c = PayPer402Challenge::parse(value, decimals_of(decimals)?)
        .map_err(|e| core_error(NAME, &e, None))?;
    Ok(Obj::new()
        .set("realm", param(c.realm)?)
        .set("amount", bigint(&c.amount))
        .set("currency", param(c.currency)?)
        .set("network", param(c.network)?)
        .build())
}
