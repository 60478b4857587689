//! BOLT11 invoices.

use crate::convert::{Obj, array_of, bigint_u64, get, number, opt_bool, u8a};
use crate::errors::{JsResult, core_error};
use pay402::bolt11::{Bolt11Invoice, DecodePolicy};
use wasm_bindgen::prelude::*;

const NAME: &str = "Bolt11Error";

#[wasm_bindgen(typescript_custom_section)]
const TS: &str = r#"
export interface Bolt11RouteHop {
  srcNodeId: Uint8Array; shortChannelId: Uint8Array; feeBaseMsat: number; feeProportionalMillionths: number; cltvExpiryDelta: number;
}
export interface Bolt11Invoice {
  network: "bc" | "tb" | "tbs" | "bcrt" | "sb";
  amountMsat: bigint | null;
  timestamp: number;
  paymentHash: Uint8Array;
  paymentSecret?: Uint8Array;
  description?: string;
  descriptionHash?: Uint8Array;
  expiry: number;
  minFinalCltvExpiry: number;
  payee: Uint8Array;
  features?: Uint8Array;
  metadata?: Uint8Array;
  fallbacks: { version: number; program: Uint8Array }[];
  routeHints: Bolt11RouteHop[][];
}
export interface Bolt11DecodeOptions { requirePaymentSecret?: boolean }
"#;

/// Decodes and checks a BOLT11 invoice (checksum, signature / payee recovery, fields).
#[wasm_bindgen(js_name = bolt11Decode, unchecked_return_type = "Bolt11Invoice")]
pub fn bolt11_decode(
    invoice: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "Bolt11DecodeOptions")] options: Option<JsValue>,
) -> JsResult<JsValue> {
    let options = options.unwrap_or(JsValue::UNDEFINED);
    let mut policy = DecodePolicy::default();
    if let Some(v) = opt_bool(
        &get(&options, "requirePaymentSecret"),
        "requirePaymentSecret",
    )? {
        policy.require_payment_secret = v;
    }
    let inv =
        Bolt11Invoice::decode_with(invoice, &policy).map_err(|e| core_error(NAME, &e, None))?;
    let mut o = Obj::new()
        .set("network", inv.network().prefix())
        .set(
            "amountMsat",
            inv.amount_msat().map_or(JsValue::NULL, bigint_u64),
        )
        .set("timestamp", number(inv.timestamp()))
        .set("paymentHash", u8a(inv.payment_hash()));
    if let Some(s) = inv.payment_secret() {
        o = o.set("paymentSecret", u8a(s));
    }
    if let Some(d) = inv.description() {
        let mut buf = vec![0u8; d.len()];
        let text = d.to_str(&mut buf).map_err(|e| core_error(NAME, &e, None))?;
        o = o.set("description", text);
    }
    if let Some(h) = inv.description_hash() {
        o = o.set("descriptionHash", u8a(h));
    }
    o = o
        .set("expiry", number(inv.expiry()))
        .set("minFinalCltvExpiry", number(inv.min_final_cltv_expiry()))
        .set("payee", u8a(inv.payee()));
    if let Some(f) = inv.features() {
        let mut buf = [0u8; 640];
        let bytes = f
            .to_bytes(&mut buf)
            .map_err(|e| core_error(NAME, &e, None))?;
        o = o.set("features", u8a(bytes));
    }
    if let Some(m) = inv.metadata() {
        o = o.set("metadata", u8a(&m.bytes().collect::<Vec<_>>()));
    }
    let fallbacks = inv.fallbacks().map(|f| {
        Obj::new()
            .set("version", f.version)
            .set("program", u8a(&f.program.bytes().collect::<Vec<_>>()))
            .build()
    });
    let hints = inv.route_hints().map(|r| {
        array_of(r.hops().map(|h| {
            Obj::new()
                .set("srcNodeId", u8a(&h.src_node_id))
                .set("shortChannelId", u8a(&h.short_channel_id.to_be_bytes()))
                .set("feeBaseMsat", h.fee_base_msat)
                .set("feeProportionalMillionths", h.fee_proportional_millionths)
                .set("cltvExpiryDelta", h.cltv_expiry_delta)
                .build()
        }))
    });
    Ok(o.set("fallbacks", array_of(fallbacks))
        .set("routeHints", array_of(hints))
        .build())
}
