//! EVM: EIP-712 digests of EIP-3009 and Permit2 messages, signing, recovery, Keccak-256.

use crate::convert::{
    Obj, address, address_js, array, bytes, get, opt_string, present, u8a, u256, uint,
};
use crate::errors::{JsResult, arg_error, core_error};
#[cfg(feature = "client")]
use crate::x402::private_key;
use pay402::evm::{
    Eip712Domain, Permit2Witness, PermitWitnessTransferFrom, SignaturePolicy, TokenPermissions,
    TransferWithAuthorization, TypedDataHashes as Eip712Hashes, keccak256 as core_keccak,
    permit2_domain, recover_address,
};
use wasm_bindgen::prelude::*;

const NAME: &str = "EvmError";

#[wasm_bindgen(typescript_custom_section)]
const TS: &str = r#"
/** An EIP-712 domain (as in `eth_signTypedData_v4`). */
export interface Eip712Domain { name?: string; version?: string; chainId: number | bigint; verifyingContract: string }
/** An EIP-3009 `TransferWithAuthorization` message. */
export interface TransferWithAuthorization {
  from: string; to: string; value: bigint; validAfter: bigint; validBefore: bigint; nonce: Uint8Array;
}
/** A Permit2 `PermitWitnessTransferFrom` with the x402 witness (`facilitator` for `upto`). */
export interface PermitWitnessTransferFrom {
  permitted: { token: string; amount: bigint };
  spender: string; nonce: bigint; deadline: bigint;
  witness: { to: string; validAfter: bigint; facilitator?: string };
}
export interface Eip712Hashes { domainSeparator: Uint8Array; structHash: Uint8Array; digest: Uint8Array }
export type SignaturePolicy = "strict" | "lenient";
"#;

struct Domain {
    name: Option<String>,
    version: Option<String>,
    chain_id: u64,
    verifying_contract: pay402::evm::Address,
}

impl Domain {
    fn read(v: &JsValue) -> JsResult<Self> {
        Ok(Self {
            name: opt_string(&get(v, "name"), "domain.name")?,
            version: opt_string(&get(v, "version"), "domain.version")?,
            chain_id: uint(&get(v, "chainId"), "domain.chainId")?,
            verifying_contract: address(&get(v, "verifyingContract"), "domain.verifyingContract")?,
        })
    }

    fn view(&self) -> Eip712Domain<'_> {
        Eip712Domain {
            name: self.name.as_deref(),
            version: self.version.as_deref(),
            chain_id: Some(self.chain_id),
            verifying_contract: Some(self.verifying_contract),
        }
    }
}

fn authorization(m: &JsValue) -> JsResult<TransferWithAuthorization> {
    Ok(TransferWithAuthorization {
        from: address(&get(m, "from"), "message.from")?,
        to: address(&get(m, "to"), "message.to")?,
        value: u256(&get(m, "value"), "message.value")?,
        valid_after: u256(&get(m, "validAfter"), "message.validAfter")?,
        valid_before: u256(&get(m, "validBefore"), "message.validBefore")?,
        nonce: array::<32>(&get(m, "nonce"), "message.nonce")?,
    })
}

fn hashes_js(h: &Eip712Hashes) -> JsValue {
    Obj::new()
        .set("domainSeparator", u8a(&h.domain_separator))
        .set("structHash", u8a(&h.struct_hash))
        .set("digest", u8a(&h.digest))
        .build()
}

/// The EIP-712 domain separator, struct hash and digest of an EIP-3009
/// `TransferWithAuthorization`.
#[wasm_bindgen(js_name = eip3009Digest, unchecked_return_type = "Eip712Hashes")]
pub fn eip3009_digest(
    #[wasm_bindgen(unchecked_param_type = "Eip712Domain")] domain: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "TransferWithAuthorization")] message: &JsValue,
) -> JsResult<JsValue> {
    let domain = Domain::read(domain)?;
    Ok(hashes_js(&authorization(message)?.digests(&domain.view())))
}

/// Signs an EIP-3009 authorization (RFC 6979, 65 bytes, v = 27/28); returns the signature
/// and the signer's address.
#[cfg(feature = "client")]
#[wasm_bindgen(js_name = eip3009Sign, unchecked_return_type = "{ signature: Uint8Array; address: string }")]
pub fn eip3009_sign(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] private_key_bytes: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "Eip712Domain")] domain: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "TransferWithAuthorization")] message: &JsValue,
) -> JsResult<JsValue> {
    let key = private_key(private_key_bytes)?;
    let domain = Domain::read(domain)?;
    let signature = key.sign_prehash(&authorization(message)?.digest(&domain.view()));
    Ok(Obj::new()
        .set("signature", u8a(&signature))
        .set("address", address_js(&key.address()))
        .build())
}

/// Signs a 32-byte digest (RFC 6979); 65 bytes `r‖s‖v`, v = 27/28, low s.
#[cfg(feature = "client")]
#[wasm_bindgen(js_name = signDigest)]
pub fn sign_digest(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] private_key_bytes: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] digest: &JsValue,
) -> JsResult<Vec<u8>> {
    let key = private_key(private_key_bytes)?;
    Ok(key.sign_prehash(&array::<32>(digest, "digest")?).to_vec())
}

/// The EIP-55 address of a private key.
#[cfg(feature = "client")]
#[wasm_bindgen(js_name = privateKeyToAddress, unchecked_return_type = "string")]
pub fn private_key_to_address(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] private_key_bytes: &JsValue,
) -> JsResult<JsValue> {
    Ok(address_js(&private_key(private_key_bytes)?.address()))
}

/// The address that signed `digest` (ECDSA recovery); `policy` `strict` (default: 65 bytes,
/// v 27/28, low s) or `lenient` (also v 0/1, high s, 64-byte ERC-2098).
#[wasm_bindgen(js_name = recoverAddress, unchecked_return_type = "string")]
pub fn recover(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] digest: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] signature: &JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "SignaturePolicy")] policy: Option<JsValue>,
) -> JsResult<JsValue> {
    let digest = array::<32>(digest, "digest")?;
    let signature = bytes(signature, "signature")?;
    let policy = policy
        .map(|p| crate::convert::string(&p, "policy"))
        .transpose()?;
    let policy = match policy.as_deref() {
        None | Some("strict") => SignaturePolicy::Strict,
        Some("lenient") => SignaturePolicy::Lenient,
        Some(_) => return Err(arg_error("policy", "\"strict\" or \"lenient\"")),
    };
    let address =
        recover_address(&digest, &signature, policy).map_err(|e| core_error(NAME, &e, None))?;
    Ok(address_js(&address))
}

/// The Permit2 EIP-712 hashes of a `PermitWitnessTransferFrom` with the x402 witness on
/// `chainId`.
#[wasm_bindgen(js_name = permit2Digest, unchecked_return_type = "Eip712Hashes")]
pub fn permit2_digest(
    #[wasm_bindgen(unchecked_param_type = "number | bigint")] chain_id: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "PermitWitnessTransferFrom")] permit: &JsValue,
) -> JsResult<JsValue> {
    let chain_id = uint(chain_id, "chainId")?;
    let permitted = get(permit, "permitted");
    let witness = get(permit, "witness");
    let to = address(&get(&witness, "to"), "witness.to")?;
    let valid_after = u256(&get(&witness, "validAfter"), "witness.validAfter")?;
    let facilitator = get(&witness, "facilitator");
    let witness = match present(&facilitator) {
        None => Permit2Witness::Exact { to, valid_after },
        Some(f) => Permit2Witness::Upto {
            to,
            facilitator: address(f, "witness.facilitator")?,
            valid_after,
        },
    };
    let message = PermitWitnessTransferFrom {
        permitted: TokenPermissions {
            token: address(&get(&permitted, "token"), "permitted.token")?,
            amount: u256(&get(&permitted, "amount"), "permitted.amount")?,
        },
        spender: address(&get(permit, "spender"), "spender")?,
        nonce: u256(&get(permit, "nonce"), "nonce")?,
        deadline: u256(&get(permit, "deadline"), "deadline")?,
        witness,
    };
    Ok(hashes_js(&message.digests(&permit2_domain(chain_id))))
}

/// Keccak-256.
#[wasm_bindgen]
pub fn keccak256(data: &[u8]) -> Vec<u8> {
    core_keccak(data).to_vec()
}

/// An address in EIP-55 form (validates the checksum of mixed-case input).
#[wasm_bindgen(js_name = checksumAddress, unchecked_return_type = "string")]
pub fn checksum_address(
    #[wasm_bindgen(unchecked_param_type = "string")] text: &JsValue,
) -> JsResult<JsValue> {
    Ok(address_js(&address(text, "address")?))
}
