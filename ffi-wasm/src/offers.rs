//! Fewsats L402 offers (the 402 JSON body).

use crate::convert::{Obj, array_of, bigint, number};
use crate::errors::{JsResult, core_error};
use pay402::offers::OffersBody;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS: &str = r#"
export interface Offer {
  id: string; title: string | null; description: string | null; amount: bigint; currency: string;
  /** As the body gives it, known to pay402 or not (`one-time`, `top-up`, `pay-per-call`, …). */
  type: string; balance?: number; duration?: string; paymentMethods: string[];
}
export interface OffersBody {
  version: string; paymentRequestUrl: string; paymentContextToken: string; offers: Offer[]; termsUrl: string | null;
  /** The body re-encoded canonically. */
  json: string;
}
"#;

/// Decodes a Fewsats offers 402 body.
#[wasm_bindgen(js_name = offersDecode, unchecked_return_type = "OffersBody")]
pub fn offers_decode(body: &str) -> JsResult<JsValue> {
    let err = |e: &pay402::offers::OffersError| core_error("OffersError", e, None);
    let decoded = OffersBody::decode(body.as_bytes()).map_err(|e| err(&e))?;
    let json = crate::convert::grow(body.len() * 2 + 256, |buf| {
        let mut w = pay402::writer::Writer::new(buf);
        decoded.encode(&mut w)?;
        Ok(String::from_utf8_lossy(w.written()).into_owned())
    })
    .map_err(|e| err(&e))?;
    let offers = decoded.offers.iter().map(|o| {
        let mut m = Obj::new()
            .set("id", o.id.to_string())
            .set(
                "title",
                o.title.map_or(JsValue::NULL, |t| t.to_string().into()),
            )
            .set(
                "description",
                o.description
                    .map_or(JsValue::NULL, |t| t.to_string().into()),
            )
            .set("amount", bigint(&o.amount))
            .set("currency", o.currency.to_string())
            .set("type", o.type_name.to_string());
        if let Some(b) = o.balance {
            m = m.set("balance", number(b));
        }
        if let Some(d) = o.duration {
            m = m.set("duration", d.to_string());
        }
        m.set(
            "paymentMethods",
            array_of(o.payment_methods.iter().map(|p| p.to_string().into())),
        )
        .build()
    });
    Ok(Obj::new()
        .set("version", decoded.version.to_string())
        .set("paymentRequestUrl", decoded.payment_request_url.to_string())
        .set(
            "paymentContextToken",
            decoded.payment_context_token.to_string(),
        )
        .set("offers", array_of(offers))
        .set(
            "termsUrl",
            decoded
                .terms_url
                .map_or(JsValue::NULL, |t| t.to_string().into()),
        )
        .set("json", json)
        .build())
}
