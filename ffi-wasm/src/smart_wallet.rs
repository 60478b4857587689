//! Smart-wallet payers (`pay402::x402::smart_wallet`): how a payer's signature is checked once
//! its code (`eth_getCode`) is known. Conversion only: the route, and the refusal with its
//! code, are the core's. In the whole-API module (the host makes the RPC calls, as for the
//! on-chain proofs), not in `pay402/verify`.

use crate::convert::{
    Obj, address, address_js, bytes, get, json_text, opt_bool, present, u8a, uint,
};
use crate::errors::{JsResult, arg_error, coded, core_error};
use js_sys::Array;
use pay402::evm::SignaturePolicy;
use pay402::x402::header::RECOMMENDED_BUFFER_LEN;
use pay402::x402::scheme::exact_eip3009::payload::MAX_SIGNATURE_LEN;
use pay402::x402::smart_wallet::{
    AfterCode, CallOutcome, SignatureCheck, SignatureRoute, SmartWalletError,
    route_signature as core_route,
};
use pay402::x402::{PaymentPayload, PaymentRequirements, Verified, VerifyError};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS: &str = r#"
/** How a payer's signature is checked once its code (`eth_getCode`) is known. */
export interface SignatureRoute {
  /** `ecdsa` (no code: recover the signer), `eip1271` (`isValidSignature` on the payer), `eip7702_eip1271` (the same, on an EIP-7702 delegated EOA) or `erc6492_counterfactual` (deploy through the factory and simulate the transfer). */
  route: "ecdsa" | "eip1271" | "eip7702_eip1271" | "erc6492_counterfactual";
  /** The signature to check: an ERC-6492 wrapper's inner signature, else as sent. */
  signature: Uint8Array;
  /** The EIP-7702 delegate (EIP-55), for `eip7702_eip1271` only. */
  delegate?: string;
  /** The allow-listed ERC-6492 factory (EIP-55), for `erc6492_counterfactual` only. */
  factory?: string;
  /** The call that deploys the wallet, for `erc6492_counterfactual` only. */
  factoryCalldata?: Uint8Array;
}
"#;

/// Routes `signature` (as the payment carries it; `Uint8Array` or hex) on the payer's `code`
/// (`eth_getCode`, empty or `"0x"` for none) as the x402 reference facilitator does: code →
/// EIP-1271 (an EIP-7702 designator is reported), no code and an ERC-6492 wrapper naming a
/// factory of `allowed_factories` → counterfactual, no code otherwise → ECDSA. An empty
/// allow-list denies every counterfactual payer. Throws an `X402Error` with the core's `code`
/// (`invalid_exact_evm_payload_undeployed_smart_wallet`, `eip6492_factory_not_allowed`,
/// `invalid_payload`).
#[wasm_bindgen(js_name = routeSignature, unchecked_return_type = "SignatureRoute")]
pub fn route_signature(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] signature: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] code: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "readonly string[]")] allowed_factories: &JsValue,
) -> JsResult<JsValue> {
    let signature = bytes(signature, "signature")?;
    let code = bytes(code, "code")?;
    if !Array::is_array(allowed_factories) {
        return Err(arg_error("allowed_factories", "an array of addresses"));
    }
    let factories = Array::from(allowed_factories)
        .iter()
        .map(|f| address(&f, "allowed_factories"))
        .collect::<JsResult<Vec<_>>>()?;
    let route =
        core_route(&signature, &code, &factories).map_err(|e| core_error("X402Error", &e, None))?;
    Ok(match route {
        SignatureRoute::Ecdsa { signature } => Obj::new()
            .set("route", "ecdsa")
            .set("signature", u8a(signature)),
        SignatureRoute::Eip1271 {
            signature,
            delegation: None,
        } => Obj::new()
            .set("route", "eip1271")
            .set("signature", u8a(signature)),
        SignatureRoute::Eip1271 {
            signature,
            delegation: Some(delegate),
        } => Obj::new()
            .set("route", "eip7702_eip1271")
            .set("signature", u8a(signature))
            .set("delegate", address_js(&delegate)),
        SignatureRoute::Counterfactual {
            factory,
            factory_calldata,
            signature,
        } => Obj::new()
            .set("route", "erc6492_counterfactual")
            .set("signature", u8a(signature))
            .set("factory", address_js(&factory))
            .set("factoryCalldata", u8a(factory_calldata)),
    }
    .build())
}

#[wasm_bindgen(typescript_custom_section)]
const TS_STEP: &str = r#"
/** What `x402SmartWalletStep` has found so far, fed back on the next call. */
export interface X402SmartWalletAnswers {
  /** The payer's code (`eth_getCode`), as the RPC gave it; absent before it was asked. */
  code?: unknown;
  /** True once the `eth_call` was made. */
  called?: boolean;
  /** The `eth_call`'s return data, as the RPC gave it; `null` when it reverted. */
  callResult?: unknown;
}
/** The next step of a smart-wallet verification. */
export type X402SmartWalletStep =
  | { step: "getCode"; address: string }
  | { step: "call"; to: string; data: string; route: "eip1271" | "eip7702_eip1271" | "erc6492_counterfactual" }
  | { step: "done"; result: X402RpcVerified };
/** A payment verified with its payer's code known: `x402Verify`'s result and the route taken. */
export type X402RpcVerified = X402Verified & {
  /** `null` for an EOA (ECDSA recovery), else `eip1271`, `eip7702_eip1271` or `erc6492_counterfactual`. */
  route: "eip1271" | "eip7702_eip1271" | "erc6492_counterfactual" | null;
};
"#;

/// An RPC answer that is not bytes: `invalid_rpc_result` (fail closed).
fn rpc_bytes(v: &JsValue, method: &str) -> JsResult<Vec<u8>> {
    bytes(v, method).map_err(|_| {
        coded(
            "X402Error",
            &format!("rpc.{method} must return a Uint8Array or 0x hex text"),
            "invalid_rpc_result",
            None,
        )
    })
}

/// One step of verifying an x402 EVM payment with the payer's code known (the core's
/// `SignatureCheck` → `with_code` → `with_call_result`), stateless: each call re-runs the core's
/// steps on the RPC answers gathered so far (`answers`) and says what is needed next — the
/// payer's code, one `eth_call`, or the verdict. `options` are `x402Verify`'s EVM options plus
/// `allowedFactories` (the ERC-6492 factory allow-list; absent or empty denies every
/// counterfactual payer). The signature policy is always strict. Throws an `X402Error` with the
/// core's code; an answer that is not bytes is `invalid_rpc_result`. `verifyPaymentWithRpc`
/// drives it with an async RPC.
#[wasm_bindgen(js_name = x402SmartWalletStep, unchecked_return_type = "X402SmartWalletStep")]
pub fn smart_wallet_step(
    #[wasm_bindgen(unchecked_param_type = "string | object")] requirements: &JsValue,
    payment: &str,
    #[wasm_bindgen(unchecked_param_type = "number | bigint")] now: &JsValue,
    #[wasm_bindgen(
        unchecked_param_type = "X402VerifyOptions & { allowedFactories?: readonly string[] }"
    )]
    options: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "X402SmartWalletAnswers")] answers: &JsValue,
) -> JsResult<JsValue> {
    let fail = |e: &SmartWalletError| core_error("X402Error", e, None);
    let mut verifier = crate::x402::verify_policy(options)?;
    verifier.policy.signature = SignaturePolicy::Strict;
    let now = uint(now, "now")?;
    let factories_js = get(options, "allowedFactories");
    let factories = match present(&factories_js) {
        None => Vec::new(),
        Some(list) if Array::is_array(list) => Array::from(list)
            .iter()
            .map(|f| address(&f, "allowedFactories"))
            .collect::<JsResult<Vec<_>>>()?,
        Some(_) => return Err(arg_error("allowedFactories", "an array of addresses")),
    };
    let requirements_text = json_text(requirements, "requirements")?;
    let requirements = PaymentRequirements::from_json(requirements_text.as_bytes())
        .map_err(|e| fail(&VerifyError::InvalidPaymentRequirements(e).into()))?;
    let mut buf = vec![0u8; RECOMMENDED_BUFFER_LEN.max(payment.len() + 4)];
    let payment = PaymentPayload::from_header(payment.as_bytes(), &mut buf)
        .map_err(|e| fail(&VerifyError::from_payload(e).into()))?;
    let mut signature = vec![0u8; MAX_SIGNATURE_LEN];
    let check = SignatureCheck::begin(&verifier, &requirements, &payment, now, &mut signature)
        .map_err(|e| fail(&e))?;
    let code = get(answers, "code");
    if code.is_undefined() {
        return Ok(Obj::new()
            .set("step", "getCode")
            .set("address", address_js(&check.payer()))
            .build());
    }
    let code = rpc_bytes(&code, "getCode")?;
    // The calldata is the signature plus at most a few hundred bytes of ABI framing.
    let mut calldata = vec![0u8; 2 * MAX_SIGNATURE_LEN + 1024];
    let call = match check
        .with_code(&code, &factories, &mut calldata)
        .map_err(|e| fail(&e))?
    {
        AfterCode::Verified(eoa) => return Ok(done(&eoa, None)),
        AfterCode::NeedsCall(call) => call,
    };
    let route = call.route.code();
    if opt_bool(&get(answers, "called"), "called")? != Some(true) {
        let mut hex = vec![0u8; 2 * call.calldata.len()];
        let data = pay402::hex::encode_lower_into(call.calldata, &mut hex)
            .map_err(|_| fail(&SmartWalletError::BufferTooSmall))?;
        return Ok(Obj::new()
            .set("step", "call")
            .set("to", address_js(&call.to))
            .set("data", format!("0x{data}"))
            .set("route", route)
            .build());
    }
    let answer = get(answers, "callResult");
    let returned = if answer.is_null() {
        None
    } else {
        Some(rpc_bytes(&answer, "call")?)
    };
    let outcome = match &returned {
        Some(data) => CallOutcome::Returned(data),
        None => CallOutcome::Reverted,
    };
    let payment_ok = call.with_call_result(outcome).map_err(|e| fail(&e))?;
    Ok(done(&payment_ok, Some(route)))
}

/// `{step: "done", result}`: `x402Verify`'s object plus `route`.
fn done(verified: &Verified, route: Option<&str>) -> JsValue {
    let result = crate::x402::verified_js(verified);
    let route = route.map_or(JsValue::NULL, JsValue::from);
    // Reflect::set on a fresh plain object cannot fail; a failure would only lose the property.
    let _ = js_sys::Reflect::set(&result, &"route".into(), &route);
    Obj::new().set("step", "done").set("result", result).build()
}
