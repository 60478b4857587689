//! Fewsats L402 offers (the 402 JSON body).

use crate::convert::{Obj, array_of, bigint, number};
use crate::errors::{JsResult, core_error};
use pay402::offers::OffersBody;
use pay402_host::offers_server::write_grown;
use wasm_bindgen::JsCast;
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

// ------------------------------------------------------------------------------ the server

#[wasm_bindgen(typescript_custom_section)]
const TS_SERVER: &str = r#"
export interface OffersServerConfig {
  /** The offers sold: a JSON array (text) or the offer objects. */
  offers: string | object[];
  paymentRequestUrl: string;
  /** The webhook sender's shared secret (`Fewsats-Signature`). */
  webhookSecret: Uint8Array | string;
  /** 32 to 64 random bytes tagging the context tokens. */
  secret: Uint8Array;
  termsUrl?: string;
  webhookToleranceSeconds?: number;
  paymentRequestLifetimeSeconds?: number;
}
/** An answer the core decided: status, headers, JSON body; `error` is a refusal's code. */
export interface OffersReply {
  kind: "reply"; status: number; headers: [string, string][]; body: string;
  error: string | null; token: string | null; expiresAt: number | null;
}
export interface OffersAccess { kind: "one_time" | "subscription" | "credit"; until?: number; remaining?: number }
export interface OffersServe { kind: "serve"; token: string; access: OffersAccess; record: Uint8Array | null }
export interface OffersPaymentAsk {
  kind: "ask"; token: string; offerId: string; amount: bigint; currency: string; method: string;
  /** What the provider must supply: an invoice, an address, or a checkout URL. */
  methodKind: "lightning" | "onchain" | "checkout"; chain: string | null; asset: string | null;
}
export interface OffersGrant { kind: "one_time" | "top_up" | "subscription"; credits?: number; durationSeconds?: number }
export interface OffersWebhookPaid {
  kind: "paid"; token: string; offerId: string; grant: OffersGrant; paidAt: number;
  /** Insert into a single-use store (until `replayExpiresAt`) atomically with the credit. */
  replayKey: string; replayExpiresAt: number;
}
export interface OffersPaymentDetails { lightningInvoice?: string | undefined; checkoutUrl?: string | undefined; address?: string | undefined; expiresAt?: number | undefined }
"#;

fn js_get(obj: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn type_error(field: &str, expected: &str) -> JsValue {
    let error: JsValue = js_sys::TypeError::new(&format!("`{field}`: expected {expected}")).into();
    let _ = js_sys::Reflect::set(&error, &"code".into(), &"invalid_argument".into());
    let _ = js_sys::Reflect::set(&error, &"field".into(), &field.into());
    error
}

fn opt_text(obj: &JsValue, key: &str) -> JsResult<Option<String>> {
    let v = js_get(obj, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_string()
        .map(Some)
        .ok_or_else(|| type_error(key, "a string"))
}

fn secs(v: &JsValue, field: &str) -> JsResult<u64> {
    match v.as_f64() {
        Some(n) if (0.0..=9_007_199_254_740_991.0).contains(&n) && n.fract() == 0.0 =>
        {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Ok(n as u64)
        }
        _ => Err(type_error(field, "a non-negative integer number")),
    }
}

fn opt_secs(obj: &JsValue, key: &str) -> JsResult<Option<u64>> {
    let v = js_get(obj, key);
    if v.is_undefined() || v.is_null() {
        Ok(None)
    } else {
        secs(&v, key).map(Some)
    }
}

fn key_bytes(v: &JsValue, field: &str) -> JsResult<Vec<u8>> {
    if let Some(a) = v.dyn_ref::<js_sys::Uint8Array>() {
        Ok(a.to_vec())
    } else if let Some(s) = v.as_string() {
        Ok(s.into_bytes())
    } else {
        Err(type_error(field, "a Uint8Array or a string"))
    }
}

fn offers_err(e: &pay402::offers::OffersError) -> JsValue {
    core_error("OffersError", e, None)
}

fn reply_js(
    r: pay402::offers::Reply,
    body: &[u8],
    error: Option<&'static str>,
    token: Option<&str>,
    expires_at: Option<u64>,
) -> JsValue {
    let headers = array_of(
        r.headers
            .iter()
            .map(|(k, v)| array_of([JsValue::from_str(k), JsValue::from_str(v)])),
    );
    Obj::new()
        .set("kind", "reply")
        .set("status", r.status)
        .set("headers", headers)
        .set("body", String::from_utf8_lossy(body).into_owned())
        .set("error", error.map_or(JsValue::NULL, JsValue::from_str))
        .set("token", token.map_or(JsValue::NULL, JsValue::from_str))
        .set("expiresAt", expires_at.map_or(JsValue::NULL, number))
        .build()
}

fn refusal_js(step: pay402::offers::Step, e: &pay402::offers::OffersError) -> JsResult<JsValue> {
    use pay402::ErrorCode;
    let mut out = None;
    let body = crate::convert::grow(512, |buf| {
        let mut w = pay402::writer::Writer::new(buf);
        out = Some(pay402::offers::write_refusal(step, e, &mut w)?);
        Ok::<Vec<u8>, pay402::offers::OffersError>(w.written().to_vec())
    })
    .map_err(|e| offers_err(&e))?;
    let r = out.ok_or_else(|| JsValue::from_str("no refusal written"))?;
    Ok(reply_js(r, &body, Some(e.code()), None, None))
}

fn grant_js(g: pay402::offers::Grant) -> JsValue {
    use pay402::offers::Grant as G;
    match g {
        G::OneTime => Obj::new().set("kind", "one_time").build(),
        G::TopUp { credits } => Obj::new()
            .set("kind", "top_up")
            .set("credits", number(credits))
            .build(),
        G::Subscription { duration_seconds } => Obj::new()
            .set("kind", "subscription")
            .set("durationSeconds", number(duration_seconds))
            .build(),
    }
}

fn grant_of(v: &JsValue) -> JsResult<pay402::offers::Grant> {
    use pay402::offers::Grant as G;
    match js_get(v, "kind").as_string().as_deref() {
        Some("one_time") => Ok(G::OneTime),
        Some("top_up") => Ok(G::TopUp {
            credits: secs(&js_get(v, "credits"), "grant.credits")?,
        }),
        Some("subscription") => Ok(G::Subscription {
            duration_seconds: secs(&js_get(v, "durationSeconds"), "grant.durationSeconds")?,
        }),
        _ => Err(type_error(
            "grant.kind",
            "\"one_time\", \"top_up\" or \"subscription\"",
        )),
    }
}

fn ack_js(ack: pay402::offers::WebhookAck) -> JsResult<JsValue> {
    let mut out = None;
    let body = crate::convert::grow(128, |buf| {
        let mut w = pay402::writer::Writer::new(buf);
        out = Some(pay402::offers::write_webhook_ack(ack, &mut w)?);
        Ok::<Vec<u8>, pay402::offers::OffersError>(w.written().to_vec())
    })
    .map_err(|e| offers_err(&e))?;
    let r = out.ok_or_else(|| JsValue::from_str("no ack written"))?;
    Ok(reply_js(r, &body, None, None, None))
}

/// The selling side of the Fewsats offers flow: every status, header, body, verdict and expiry
/// comes from the core; the host keeps the records (by token) and the webhook replay keys, calls
/// its payment-details provider and does HTTP (`pay402/offers-server` does it for `node:http`).
#[wasm_bindgen(js_name = OffersServer)]
#[derive(Debug)]
pub struct OffersServer {
    host: pay402_host::offers_server::OffersHost,
}

impl OffersServer {
    fn with<R>(
        &self,
        f: impl FnOnce(&pay402::offers::OffersServer<'_>) -> JsResult<R>,
    ) -> JsResult<R> {
        self.host.with(offers_err, f)
    }
}

// wasm-bindgen hands optional strings and byte arrays over as owned values.
#[allow(clippy::needless_pass_by_value)]
#[wasm_bindgen(js_class = OffersServer)]
impl OffersServer {
    /// Reads the configuration; throws `OffersError` for anything the core refuses.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "OffersServerConfig")] config: &JsValue,
    ) -> JsResult<OffersServer> {
        let offers = js_get(config, "offers");
        let offers = match offers.as_string() {
            Some(s) => s,
            None => js_sys::JSON::stringify(&offers)
                .ok()
                .and_then(|s| s.as_string())
                .ok_or_else(|| type_error("offers", "JSON text or an array of offers"))?,
        };
        let host = pay402_host::offers_server::OffersHost::new(
            offers.into_bytes(),
            opt_text(config, "paymentRequestUrl")?.unwrap_or_default(),
            opt_text(config, "termsUrl")?,
            key_bytes(&js_get(config, "webhookSecret"), "webhookSecret")?,
            key_bytes(&js_get(config, "secret"), "secret")?,
            opt_secs(config, "webhookToleranceSeconds")?
                .unwrap_or(pay402::offers::DEFAULT_WEBHOOK_TOLERANCE_SECONDS),
            opt_secs(config, "paymentRequestLifetimeSeconds")?
                .unwrap_or(pay402::offers::DEFAULT_PAYMENT_REQUEST_LIFETIME_SECONDS),
        )
        .map_err(|e| offers_err(&e))?;
        Ok(Self { host })
    }

    /// The longest payment-request or webhook body the server reads (the core's limit): a
    /// host reads one byte more at most and hands it over, and the server refuses it (413).
    #[wasm_bindgen(js_name = maxBodyBytes)]
    pub fn max_body_bytes() -> u32 {
        u32::try_from(pay402::offers::MAX_BODY_BYTES).unwrap_or(u32::MAX)
    }

    /// The account an `Authorization` value presents: `null` without a bearer token, the
    /// token, or a 401 reply for a token this server did not mint.
    #[wasm_bindgen(unchecked_return_type = "string | null | OffersReply")]
    pub fn account(&self, authorization: Option<String>) -> JsResult<JsValue> {
        self.with(|s| match s.account(authorization.as_deref()) {
            Ok(None) => Ok(JsValue::NULL),
            Ok(Some(t)) => Ok(JsValue::from_str(t.as_str())),
            Err(e) => refusal_js(pay402::offers::Step::Request, &e),
        })
    }

    /// Decides a resource request (`record`: the stored entitlement of the bearer's token;
    /// `random`: 16 fresh random bytes): serve, the 402 challenge, or a refusal.
    #[wasm_bindgen(unchecked_return_type = "OffersServe | OffersReply")]
    pub fn request(
        &self,
        authorization: Option<String>,
        record: Option<Vec<u8>>,
        now: f64,
        random: &[u8],
    ) -> JsResult<JsValue> {
        let now = secs(&JsValue::from_f64(now), "now")?;
        let random: [u8; 16] = random
            .try_into()
            .map_err(|_| type_error("random", "16 bytes"))?;
        self.with(|s| {
            let result = write_grown(2048, |w| {
                s.request(authorization.as_deref(), record.as_deref(), now, &random, w)
            });
            let (outcome, body) = match result {
                Ok(done) => done,
                Err(e) => return refusal_js(pay402::offers::Step::Request, &e),
            };
            match outcome {
                pay402::offers::RequestOutcome::Serve {
                    token,
                    access,
                    record,
                } => {
                    use pay402::offers::Access as A;
                    let access = match access {
                        A::OneTime => Obj::new().set("kind", "one_time"),
                        A::Subscription { until } => Obj::new()
                            .set("kind", "subscription")
                            .set("until", number(until)),
                        A::Credit { remaining } => Obj::new()
                            .set("kind", "credit")
                            .set("remaining", number(remaining)),
                        A::PaymentRequired => Obj::new().set("kind", "payment_required"),
                    }
                    .build();
                    Ok(Obj::new()
                        .set("kind", "serve")
                        .set("token", token.as_str())
                        .set("access", access)
                        .set(
                            "record",
                            record
                                .map_or(JsValue::NULL, |r| js_sys::Uint8Array::from(&r[..]).into()),
                        )
                        .build())
                }
                pay402::offers::RequestOutcome::Challenge { token, reply } => {
                    Ok(reply_js(reply, &body, None, Some(token.as_str()), None))
                }
            }
        })
    }

    /// Checks a payment-request body: what the provider must supply, or a 400 reply.
    #[wasm_bindgen(js_name = paymentRequest, unchecked_return_type = "OffersPaymentAsk | OffersReply")]
    pub fn payment_request(&self, body: &str) -> JsResult<JsValue> {
        self.with(|s| match s.payment_request(body.as_bytes()) {
            Ok(ask) => Ok(Obj::new()
                .set("kind", "ask")
                .set("token", ask.token.as_str())
                .set("offerId", ask.offer.id.to_string())
                .set("amount", bigint(&ask.offer.amount))
                .set("currency", ask.offer.currency.to_string())
                .set("method", ask.method.to_string())
                .set("methodKind", ask.kind.as_str())
                .set(
                    "chain",
                    ask.chain.map_or(JsValue::NULL, |c| c.to_string().into()),
                )
                .set(
                    "asset",
                    ask.asset.map_or(JsValue::NULL, |a| a.to_string().into()),
                )
                .build()),
            Err(e) => refusal_js(pay402::offers::Step::PaymentRequest, &e),
        })
    }

    /// The answer to a payment-request `body` with the provider's details: 200 with
    /// `expiresAt`, or a 400 refusal.
    #[wasm_bindgen(js_name = paymentRequestReply, unchecked_return_type = "OffersReply")]
    pub fn payment_request_reply(
        &self,
        body: &str,
        #[wasm_bindgen(unchecked_param_type = "OffersPaymentDetails")] details: &JsValue,
        now: f64,
    ) -> JsResult<JsValue> {
        let now = secs(&JsValue::from_f64(now), "now")?;
        let invoice = opt_text(details, "lightningInvoice")?;
        let checkout = opt_text(details, "checkoutUrl")?;
        let address = opt_text(details, "address")?;
        let details = pay402::offers::PaymentDetails {
            lightning_invoice: invoice.as_deref(),
            checkout_url: checkout.as_deref(),
            address: address.as_deref(),
            expires_at: opt_secs(details, "expiresAt")?,
        };
        self.with(|s| {
            match write_grown(1024, |w| {
                s.payment_request_reply(body.as_bytes(), &details, now, w)
            }) {
                Ok(((r, exp), out)) => Ok(reply_js(r, &out, None, None, Some(exp))),
                Err(e) => refusal_js(pay402::offers::Step::PaymentRequest, &e),
            }
        })
    }

    /// Verifies and reads a webhook (`signature`: the `Fewsats-Signature` value): the paid
    /// grant, or a reply (the 200 acknowledgement of an event that grants nothing, or a
    /// refusal: 401 signature, 400 event).
    #[wasm_bindgen(unchecked_return_type = "OffersWebhookPaid | OffersReply")]
    pub fn webhook(&self, signature: Option<String>, body: &[u8], now: f64) -> JsResult<JsValue> {
        let now = secs(&JsValue::from_f64(now), "now")?;
        self.with(|s| match s.webhook(signature.as_deref(), body, now) {
            Ok(pay402::offers::WebhookOutcome::Paid(g)) => {
                let offer = s
                    .offers()
                    .get(g.offer_index)
                    .ok_or_else(|| JsValue::from_str("offer index out of range"))?;
                let mut key = [0u8; 64];
                let key = pay402::hex::encode_lower_into(&g.replay_key, &mut key)
                    .map_err(|_| JsValue::from_str("replay key"))?;
                Ok(Obj::new()
                    .set("kind", "paid")
                    .set("token", g.token.as_str())
                    .set("offerId", offer.id.to_string())
                    .set("grant", grant_js(g.grant))
                    .set("paidAt", number(g.paid_at))
                    .set("replayKey", key)
                    .set("replayExpiresAt", number(g.replay_expires_at))
                    .build())
            }
            Ok(pay402::offers::WebhookOutcome::NotPaid) => {
                ack_js(pay402::offers::WebhookAck::Ignored)
            }
            Err(e) => refusal_js(pay402::offers::Step::Webhook, &e),
        })
    }

    /// Applies a verified grant to a stored record (`null`: none yet): the record to store,
    /// or a 500 reply (corrupt record, overflow).
    #[wasm_bindgen(unchecked_return_type = "Uint8Array | OffersReply")]
    pub fn credit(
        record: Option<Vec<u8>>,
        #[wasm_bindgen(unchecked_param_type = "OffersGrant")] grant: &JsValue,
        paid_at: f64,
    ) -> JsResult<JsValue> {
        let paid_at = secs(&JsValue::from_f64(paid_at), "paidAt")?;
        match pay402::offers::credit_record(record.as_deref(), grant_of(grant)?, paid_at) {
            Ok(r) => Ok(js_sys::Uint8Array::from(&r[..]).into()),
            Err(e) => refusal_js(pay402::offers::Step::Webhook, &e),
        }
    }

    /// The 200 acknowledgement of a verified webhook.
    #[wasm_bindgen(js_name = webhookAck, unchecked_return_type = "OffersReply")]
    pub fn webhook_ack(
        #[wasm_bindgen(unchecked_param_type = "\"granted\" | \"duplicate\" | \"ignored\"")]
        result: &str,
    ) -> JsResult<JsValue> {
        use pay402::offers::WebhookAck as A;
        ack_js(match result {
            "granted" => A::Granted,
            "duplicate" => A::Duplicate,
            "ignored" => A::Ignored,
            _ => return Err(type_error("result", "granted, duplicate or ignored")),
        })
    }
}
