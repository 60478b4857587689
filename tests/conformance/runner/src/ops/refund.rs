//! The refund of part of an x402 `exact` payment (`pay402::x402::refund`, `pay402::evm::erc20`):
//! `evm.erc20.transfer`, `x402.refund.order` and `x402.refund.outcome`.

use super::{Outcome, code};
use crate::input;
use pay402::U256;
use pay402::evm::{Address, erc20};
use pay402::u256::LeadingZeros;
use pay402::writer::write_all;
use pay402::x402::network::Network;
use pay402::x402::refund::{Refund, RefundAsset, RefundOrder, RefundPhase};
use serde_json::{Value, json};

fn amount(input: &Value) -> Result<U256, String> {
    U256::parse_decimal(
        input::str(input, "amount")?.as_bytes(),
        LeadingZeros::Reject,
    )
    .map_err(|_| input::bad("amount"))
}

fn address(input: &Value, key: &str) -> Result<Address, String> {
    Address::parse(input::str(input, key)?.as_bytes()).map_err(|_| input::bad(key))
}

/// `asset`: `"native"` (the chain's native coin) or a token's address.
fn asset(input: &Value) -> Result<RefundAsset, String> {
    if input::str(input, "asset")? == "native" {
        Ok(RefundAsset::Native)
    } else {
        address(input, "asset").map(RefundAsset::Token)
    }
}

fn network(input: &Value) -> Result<Network, String> {
    Network::from_caip2(input::str(input, "network")?).ok_or_else(|| input::bad("network"))
}

/// `evm.erc20.transfer`: {`to`, `amount`} → {`data`} (`0x` + lowercase hex).
pub(crate) fn transfer(input: &Value) -> Outcome {
    let mut buf = [0u8; erc20::TRANSFER_CALLDATA_LEN];
    let data = erc20::transfer_calldata(&address(input, "to")?, &amount(input)?, &mut buf)
        .map_err(|e| code(&e))?;
    Ok(json!({ "data": input::to_0x(data) }))
}

fn order_json(order: &RefundOrder) -> Result<Value, String> {
    let mut net = [0u8; 32];
    let n = write_all(&mut net, |w| order.write_network(w)).map_err(|e| code(&e))?;
    let asset = match order.refund_asset() {
        RefundAsset::Token(token) => input::to_0x(&token.0),
        RefundAsset::Native => "native".to_owned(),
    };
    let mut data = [0u8; erc20::TRANSFER_CALLDATA_LEN];
    let data = order.calldata(&mut data).map_err(|e| code(&e))?;
    Ok(json!({
        "key": input::to_0x(&order.key()).trim_start_matches("0x"),
        "network": core::str::from_utf8(net.get(..n).unwrap_or_default()).unwrap_or_default(),
        "asset": asset,
        "to": input::to_0x(&order.to().0),
        "amount": order.amount().to_string(),
        "tx_to": input::to_0x(&order.tx_to().0),
        "tx_value": order.tx_value().to_string(),
        "calldata": input::to_0x(data),
    }))
}

/// `x402.refund.order`: {`session_id` (32 hex digits), `network`, `asset` (an address or
/// `"native"`), `to`, `amount`} → the order: `key` (hex), `network`, `asset` (lowercase, or
/// `"native"`) and `to` (lowercase), `amount`, and its transaction: `tx_to` (lowercase),
/// `tx_value` (decimal), `calldata` (`0x` hex, `0x` when empty).
pub(crate) fn order(input: &Value) -> Outcome {
    let id = input::hex_array::<16>(input::str(input, "session_id")?, "session_id")?;
    let order = RefundOrder::for_session_in(
        id,
        network(input)?,
        asset(input)?,
        address(input, "to")?,
        amount(input)?,
    )
    .map_err(|e| code(&e))?;
    order_json(&order)
}

/// `x402.refund.outcome`: an `order` {`network`, `asset` (an address or `"native"`), `to`,
/// `amount`} taken through `steps`
/// (objects of one key: `send_failed` text, `submitted` hash, `resume` hash (a restart at
/// submitted), `confirmed`, `reverted`, `receipt_unavailable` text) → the `result` of its end
/// and its `verdict`.
pub(crate) fn outcome(input: &Value) -> Outcome {
    let o = input::get(input, "order")?;
    let order = RefundOrder::new_in(
        [0; 32],
        network(o)?,
        asset(o)?,
        address(o, "to")?,
        amount(o)?,
    )
    .map_err(|e| code(&e))?;
    let steps = input::get(input, "steps")?
        .as_array()
        .ok_or_else(|| input::bad("steps"))?;
    let mut refund = Refund::at(order, RefundPhase::Built);
    let mut end = None;
    for step in steps {
        let (name, value) = step
            .as_object()
            .filter(|o| o.len() == 1)
            .and_then(|o| o.iter().next())
            .ok_or_else(|| input::bad("steps"))?;
        let text = |key: &str| value.as_str().ok_or_else(|| input::bad(key));
        let result = match name.as_str() {
            "send_failed" => Some(refund.send_failed(text(name)?)),
            "submitted" => refund.submitted(text(name)?).transpose(),
            "resume" => {
                refund = Refund::at(order, RefundPhase::Submitted { hash: text(name)? });
                None
            }
            "confirmed" => Some(refund.confirmed()),
            "reverted" => Some(refund.reverted()),
            "receipt_unavailable" => Some(refund.receipt_unavailable(text(name)?)),
            _ => return Err(input::bad("steps")),
        };
        if let Some(result) = result {
            end = Some(result.map_err(|e| code(&e))?);
        }
    }
    let end = end.ok_or_else(|| input::bad("steps"))?;
    let mut buf = vec![0u8; 4096];
    let n = write_all(&mut buf, |w| end.write_json(w)).map_err(|e| code(&e))?;
    let result: Value =
        serde_json::from_slice(buf.get(..n).unwrap_or_default()).map_err(|e| e.to_string())?;
    Ok(json!({ "verdict": end.verdict().name(), "result": result }))
}
