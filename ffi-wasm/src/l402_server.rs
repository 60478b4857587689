//! The L402 resource server: `L402Server`.
//!
//! Conversion only; the server and its decisions are `pay402_host::l402_server` over the core's
//! `pay402::l402::server`. Root keys are derived from the server secret: nothing is stored per
//! token or per unpaid request.

// wasm-bindgen hands every JS argument over by value.
#![allow(clippy::needless_pass_by_value)]

use crate::convert::{Obj, array, get, opt_bool, opt_string, present, strings, u8a, uint};
use crate::errors::{JsResult, coded};
use js_sys::Function;
use pay402_host::HostError;
use pay402_host::l402_server::{self as host, L402Config};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS: &str = r#"
export interface L402ServerOptions {
  service: string; priceMsat: number | bigint; network: "bitcoin" | "testnet" | "signet" | "regtest";
  /** 32 to 64 bytes: every root key is derived from it. */
  secret: Uint8Array; previousSecret?: Uint8Array; tier?: number; capabilities?: string[];
  tokenLifetime?: number; location?: string; l402Only?: boolean; unauthorizedForBadCredentials?: boolean;
}
export interface L402ServerChallenge {
  status: number; headers: [string, string][]; identifier: Uint8Array; rootKeyId: Uint8Array; validUntil: number | null;
}
export type L402Admission =
  | { admitted: true; paymentHash: Uint8Array; tokenId: Uint8Array; rootKeyId: Uint8Array; scheme: "L402" | "LSAT"; previousSecret: boolean }
  | { admitted: false; status: number; code: string; detailCode: string | null };
"#;

fn error(e: &HostError) -> JsValue {
    coded("L402Error", &e.message, e.code, e.detail_code)
}

/// The L402 server of one service: mints challenges for your invoices and admits credentials.
#[wasm_bindgen(js_name = L402Server)]
#[derive(Debug)]
pub struct L402Server {
    inner: host::L402Server,
}

#[wasm_bindgen(js_class = L402Server)]
impl L402Server {
    /// Checks the options; throws `L402Error` (`code`) on anything invalid.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "L402ServerOptions")] options: &JsValue,
    ) -> JsResult<L402Server> {
        let text = |key: &str| -> JsResult<String> {
            opt_string(&get(options, key), key)?.ok_or_else(|| {
                error(&HostError::config(
                    "missing_parameter",
                    format!("`{key}` is required"),
                ))
            })
        };
        let defaults = L402Config::new(
            &text("service")?,
            uint(&get(options, "priceMsat"), "priceMsat")?,
            &text("network")?,
        );
        let tier = match present(&get(options, "tier")) {
            Some(t) => u8::try_from(uint(t, "tier")?)
                .map_err(|_| crate::errors::arg_error("tier", "0 to 255"))?,
            None => defaults.tier,
        };
        let config = L402Config {
            tier,
            capabilities: strings(&get(options, "capabilities"), "capabilities")?,
            token_lifetime: match present(&get(options, "tokenLifetime")) {
                Some(t) => uint(t, "tokenLifetime")?,
                None => defaults.token_lifetime,
            },
            location: opt_string(&get(options, "location"), "location")?
                .unwrap_or_else(|| defaults.location.clone()),
            l402_only: opt_bool(&get(options, "l402Only"), "l402Only")?.unwrap_or(false),
            unauthorized_for_bad_credentials: opt_bool(
                &get(options, "unauthorizedForBadCredentials"),
                "unauthorizedForBadCredentials",
            )?
            .unwrap_or(false),
            ..defaults
        };
        let secret = crate::convert::bytes(&get(options, "secret"), "secret")?;
        let previous = match present(&get(options, "previousSecret")) {
            Some(p) => Some(crate::convert::bytes(p, "previousSecret")?),
            None => None,
        };
        Ok(Self {
            inner: host::L402Server::new(config, &secret, previous.as_deref())
                .map_err(|e| error(&e))?,
        })
    }

    /// The challenge for your invoice (`bolt11` and the payment hash your node reported) with a
    /// fresh random 32-byte `tokenId`, at `now` (unix seconds).
    #[wasm_bindgen(unchecked_return_type = "L402ServerChallenge")]
    pub fn challenge(
        &self,
        bolt11: &str,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] payment_hash: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] token_id: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | bigint")] now: &JsValue,
    ) -> JsResult<JsValue> {
        let c = self
            .inner
            .challenge(
                bolt11,
                array(payment_hash, "paymentHash")?,
                array(token_id, "tokenId")?,
                uint(now, "now")?,
            )
            .map_err(|e| error(&e))?;
        let headers: js_sys::Array = c
            .headers
            .iter()
            .map(|(n, v)| -> JsValue {
                [JsValue::from_str(n), JsValue::from_str(v)]
                    .into_iter()
                    .collect::<js_sys::Array>()
                    .into()
            })
            .collect();
        Ok(Obj::new()
            .set("status", c.status)
            .set("headers", headers)
            .set("identifier", u8a(&c.identifier))
            .set("rootKeyId", u8a(&c.root_key_id))
            .set(
                "validUntil",
                c.valid_until.map_or(JsValue::NULL, crate::convert::number),
            )
            .build())
    }

    /// Admits the credential among `authorization` (every `Authorization` value) at `now`.
    /// `options.capability`: a capability the token must grant; `options.revoked(rootKeyId)`:
    /// a synchronous revocation check, a throw counts as revoked (fail closed).
    #[wasm_bindgen(unchecked_return_type = "L402Admission")]
    pub fn admit(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string[]")] authorization: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | bigint")] now: &JsValue,
        #[wasm_bindgen(
            unchecked_optional_param_type = "{ capability?: string; revoked?: (rootKeyId: Uint8Array) => boolean }"
        )]
        options: Option<JsValue>,
    ) -> JsResult<JsValue> {
        let values = strings(authorization, "authorization")?;
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        let options = options.unwrap_or(JsValue::UNDEFINED);
        let capability = opt_string(&get(&options, "capability"), "capability")?;
        let revoked = get(&options, "revoked").dyn_into::<Function>().ok();
        let is_revoked = |id: &[u8; 32]| match &revoked {
            None => false,
            Some(f) => f
                .call1(&JsValue::NULL, &u8a(id))
                .map_or(true, |r| r.is_truthy()),
        };
        Ok(
            match self.inner.admit(
                &values,
                capability.as_deref(),
                uint(now, "now")?,
                is_revoked,
            ) {
                Ok(a) => Obj::new()
                    .set("admitted", true)
                    .set("paymentHash", u8a(&a.payment_hash))
                    .set("tokenId", u8a(&a.token_id))
                    .set("rootKeyId", u8a(&a.root_key_id))
                    .set("scheme", a.scheme)
                    .set("previousSecret", a.previous_secret)
                    .build(),
                Err(r) => Obj::new()
                    .set("admitted", false)
                    .set("status", r.status)
                    .set("code", r.code)
                    .set(
                        "detailCode",
                        r.detail_code.map_or(JsValue::NULL, JsValue::from_str),
                    )
                    .build(),
            },
        )
    }
}
