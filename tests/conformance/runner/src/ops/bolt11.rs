//! `bolt11.*` ops.

use super::{Outcome, code};
use crate::input;
use pay402::bolt11::{Bolt11Invoice, DecodePolicy};
use serde_json::{Map, Value, json};

fn hex(bytes: &[u8]) -> String {
    input::to_0x(bytes).split_off(2)
}

/// `bolt11.decode`: `invoice`, optional `policy` {`require_payment_secret`} → the decoded fields.
pub(crate) fn decode(input: &Value) -> Outcome {
    let text = input::str(input, "invoice")?;
    let mut policy = DecodePolicy::default();
    if let Some(v) = input
        .get("policy")
        .and_then(|p| p.get("require_payment_secret"))
    {
        policy.require_payment_secret = v
            .as_bool()
            .ok_or_else(|| input::bad("policy.require_payment_secret"))?;
    }
    let invoice = Bolt11Invoice::decode_with(text, &policy).map_err(|e| code(&e))?;
    let mut out = Map::new();
    out.insert("network".into(), json!(invoice.network().prefix()));
    out.insert("amount_msat".into(), json!(invoice.amount_msat()));
    out.insert("timestamp".into(), json!(invoice.timestamp()));
    out.insert(
        "payment_hash_hex".into(),
        json!(hex(invoice.payment_hash())),
    );
    if let Some(s) = invoice.payment_secret() {
        out.insert("payment_secret_hex".into(), json!(hex(s)));
    }
    if let Some(d) = invoice.description() {
        let mut buf = vec![0u8; d.len()];
        let text = d.to_str(&mut buf).map_err(|e| code(&e))?;
        out.insert("description".into(), json!(text));
    }
    if let Some(h) = invoice.description_hash() {
        out.insert("description_hash_hex".into(), json!(hex(h)));
    }
    out.insert("expiry".into(), json!(invoice.expiry()));
    out.insert(
        "min_final_cltv_expiry".into(),
        json!(invoice.min_final_cltv_expiry()),
    );
    out.insert("payee_hex".into(), json!(hex(invoice.payee())));
    if let Some(f) = invoice.features() {
        let mut buf = [0u8; 640];
        let bytes = f.to_bytes(&mut buf).map_err(|e| code(&e))?;
        out.insert("features_hex".into(), json!(hex(bytes)));
    }
    if let Some(m) = invoice.metadata() {
        out.insert(
            "metadata_hex".into(),
            json!(hex(&m.bytes().collect::<Vec<_>>())),
        );
    }
    let fallbacks: Vec<Value> = invoice
        .fallbacks()
        .map(|f| {
            json!({
                "version": f.version,
                "program_hex": hex(&f.program.bytes().collect::<Vec<_>>()),
            })
        })
        .collect();
    out.insert("fallbacks".into(), Value::Array(fallbacks));
    let hints: Vec<Value> = invoice
        .route_hints()
        .map(|r| {
            Value::Array(
                r.hops()
                    .map(|h| {
                        json!({
                            "src_node_id_hex": hex(&h.src_node_id),
                            "short_channel_id_hex": hex(&h.short_channel_id.to_be_bytes()),
                            "fee_base_msat": h.fee_base_msat,
                            "fee_proportional_millionths": h.fee_proportional_millionths,
                            "cltv_expiry_delta": h.cltv_expiry_delta,
                        })
                    })
                    .collect(),
            )
        })
        .collect();
    out.insert("route_hints".into(), Value::Array(hints));
    Ok(Value::Object(out))
}
