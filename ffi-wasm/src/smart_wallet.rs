//! Smart-wallet payers (`pay402::x402::smart_wallet`): how a payer's signature is checked once
//! its code (`eth_getCode`) is known. Conversion only: the route, and the refusal with its
//! code, are the core's. In the whole-API module (the host makes the RPC calls, as for the
//! on-chain proofs), not in `pay402/verify`.

use crate::convert::{Obj, address, address_js, bytes, u8a};
use crate::errors::{JsResult, arg_error, core_error};
use js_sys::Array;
use pay402::x402::smart_wallet::{SignatureRoute, route_signature as core_route};
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
