//! `x402.offer_terms`: a seller's payment option resolved by the core
//! (`pay402::x402::server::PaymentOption`) and prepared as an offer; the result is the v2
//! `PaymentRequirements` entry the challenge would carry.

use super::Outcome;
use crate::input;
use pay402::U256;
use pay402::u256::LeadingZeros;
use pay402::writer::write_all;
use pay402::x402::server::{OfferSet, PaymentOption, Price};
use serde_json::{Value, json};

/// Runs one case: `input.option` → `{"requirements": <v2 entry>}` or the core's code.
pub(crate) fn offer_terms(input: &Value) -> Outcome {
    let o = input::get(input, "option")?;
    let text = |key: &str| input::opt_str(o, key);
    let price = match (text("price"), text("amount")) {
        (Some(price), None) => Price::Display(price),
        (None, Some(amount)) => Price::Atomic(
            U256::parse_decimal(amount.as_bytes(), LeadingZeros::Reject)
                .map_err(|_| input::bad("amount"))?,
        ),
        _ => return Err(input::bad("price")),
    };
    let decimals = match o.get("decimals") {
        None => None,
        Some(d) => Some(
            d.as_u64()
                .and_then(|d| u8::try_from(d).ok())
                .ok_or_else(|| input::bad("decimals"))?,
        ),
    };
    let max_timeout_seconds = match o.get("max_timeout_seconds") {
        None => None,
        Some(_) => Some(input::u64(o, "max_timeout_seconds")?),
    };
    let option = PaymentOption {
        scheme: text("scheme").unwrap_or(""),
        network: text("network").unwrap_or(""),
        asset: text("asset"),
        price,
        pay_to: text("pay_to").unwrap_or(""),
        decimals,
        eip712_name: text("eip712_name"),
        eip712_version: text("eip712_version"),
        transfer_method: text("transfer_method"),
        facilitator: text("facilitator"),
        fee_payer: text("fee_payer"),
        max_timeout_seconds,
    };
    let offer = option.resolve().map_err(|e| super::code(&e))?;
    let mut set = OfferSet::<1>::new();
    set.push(offer).map_err(|e| super::code(&e))?;
    let prepared = set.get(0).ok_or("no offer")?;
    let mut buf = [0u8; 2048];
    let len =
        write_all(&mut buf, |w| prepared.write_requirements_v2(w)).map_err(|e| super::code(&e))?;
    let requirements: Value =
        serde_json::from_slice(&buf[..len]).map_err(|_| "requirements are not JSON".to_owned())?;
    Ok(json!({ "requirements": requirements }))
}
