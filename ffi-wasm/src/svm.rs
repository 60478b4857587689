//! Solana: the reference client's payment transaction, the payment header around it and
//! associated token addresses.
//! (Verification goes through `x402Verify`, which routes Solana requirements to the core's
//! `verify_exact_svm`.)

use crate::convert::{Obj, array, get, grow, opt_string, opt_uint, string, u256};
use crate::errors::{JsResult, arg_error, coded, core_error};
use crate::x402::{accept_index, client_error, decode_required, required_text};
use js_sys::Uint8Array;
use pay402::base64::{Base64Policy, decode_public_into, decoded_len_max};
use pay402::svm::client::{DEFAULT_COMPUTE_UNIT_LIMIT, DEFAULT_COMPUTE_UNIT_PRICE};
use pay402::svm::transaction::MAX_TRANSACTION_LEN;
use pay402::svm::{
    PayerKey, Pubkey, TOKEN_PROGRAM_ID, TransferParams, associated_token_address, build_transfer,
};
use pay402::x402::client::{payment_header_name, write_svm_payment_header};
use pay402::x402::header;
use wasm_bindgen::prelude::*;

const NAME: &str = "SvmError";

#[wasm_bindgen(typescript_custom_section)]
const TS: &str = r#"
/** The payer's side of a Solana `exact` payment (x402 `exact` SVM). Keys are base58 text. */
export interface SvmTransferInput {
  /** The payer's 32-byte ed25519 seed (`Uint8Array` or hex). */
  payerSeed: Uint8Array | string;
  /** `extra.feePayer` of the requirements. */
  feePayer: string;
  /** `asset`. */
  mint: string;
  /** `payTo` (the owner; the transfer goes to its associated token account). */
  payTo: string;
  /** SPL Token or Token-2022 (default SPL Token). */
  tokenProgram?: string;
  /** Atomic units. */
  amount: bigint | number;
  /** The mint's decimals. */
  decimals: number;
  /** Memo text (`extra.memo`, or a random nonce as the reference client); absent: no memo. */
  memo?: string;
  /** A recent blockhash (base58). */
  recentBlockhash: string;
  /** Default 20000, as the reference client. */
  computeUnitLimit?: number;
  /** µlamports; default 1, as the reference client. */
  computeUnitPrice?: number | bigint;
}
/** The partially signed transaction (the fee payer's signature slot is empty). */
export interface SvmTransfer {
  /** Base64 wire transaction: `payload.transaction` of the payment. */
  transaction: string;
  /** The payer's public key (the transfer authority). */
  payer: string;
}
/** What `svmPaymentHeader` wraps. */
export interface SvmPaymentInput {
  /** The built transaction: `SvmTransfer.transaction` (base64) or the wire bytes. */
  transaction: string | Uint8Array;
  /** The `accepts` entry it pays (default 0). */
  acceptIndex?: number;
}
/** The request header to send: `X-PAYMENT` (v1) or `PAYMENT-SIGNATURE` (v2). */
export interface SvmPayment {
  headerName: string; headerValue: string;
  /** @deprecated The same text as `headerValue`. */
  payment: string;
}
"#;

/// A base58 public key.
pub(crate) fn pubkey(v: &JsValue, field: &str) -> JsResult<Pubkey> {
    let text = string(v, field)?;
    Pubkey::parse(text.as_bytes()).map_err(|e| core_error(NAME, &e, None))
}

fn opt_pubkey(v: &JsValue, field: &str, default: Pubkey) -> JsResult<Pubkey> {
    match crate::convert::present(v) {
        Some(v) => pubkey(v, field),
        None => Ok(default),
    }
}

fn u64_value(v: &JsValue, field: &str) -> JsResult<u64> {
    u256(v, field)?
        .to_u64()
        .ok_or_else(|| arg_error(field, "an integer below 2^64"))
}

/// Builds and signs (as the payer) the reference client's Solana payment transaction:
/// `SetComputeUnitLimit`, `SetComputeUnitPrice`, `TransferChecked` to `payTo`'s associated
/// token account, optional Memo. Throws an `SvmError` (`code`: `unsupported_token_program`,
/// `payer_is_fee_payer`, `memo_too_long`, `no_associated_token_account`, or a key's parse code).
#[wasm_bindgen(js_name = svmBuildTransfer, unchecked_return_type = "SvmTransfer")]
pub fn svm_build_transfer(
    #[wasm_bindgen(unchecked_param_type = "SvmTransferInput")] input: &JsValue,
) -> JsResult<JsValue> {
    let seed = array::<32>(&get(input, "payerSeed"), "payerSeed")?;
    let memo = opt_string(&get(input, "memo"), "memo")?.unwrap_or_default();
    let limit = opt_uint(&get(input, "computeUnitLimit"), "computeUnitLimit")?
        .map(|n| u32::try_from(n).map_err(|_| arg_error("computeUnitLimit", "a u32")))
        .transpose()?
        .unwrap_or(DEFAULT_COMPUTE_UNIT_LIMIT);
    let price = opt_uint(&get(input, "computeUnitPrice"), "computeUnitPrice")?
        .unwrap_or(DEFAULT_COMPUTE_UNIT_PRICE);
    let decimals = u8::try_from(crate::convert::uint(&get(input, "decimals"), "decimals")?)
        .map_err(|_| arg_error("decimals", "a u8"))?;
    let params = TransferParams {
        fee_payer: pubkey(&get(input, "feePayer"), "feePayer")?,
        mint: pubkey(&get(input, "mint"), "mint")?,
        pay_to: pubkey(&get(input, "payTo"), "payTo")?,
        token_program: opt_pubkey(
            &get(input, "tokenProgram"),
            "tokenProgram",
            TOKEN_PROGRAM_ID,
        )?,
        amount: u64_value(&get(input, "amount"), "amount")?,
        decimals,
        memo: memo.as_bytes(),
        recent_blockhash: pubkey(&get(input, "recentBlockhash"), "recentBlockhash")?.0,
        compute_unit_limit: limit,
        compute_unit_price: price,
    };
    let key = PayerKey::from_seed(&seed);
    let mut out = vec![0u8; MAX_TRANSACTION_LEN];
    let wire = build_transfer(&params, &key, &mut out).map_err(|e| core_error(NAME, &e, None))?;
    let mut b64 = vec![0u8; wire.len().div_ceil(3) * 4];
    let text =
        pay402::base64::encode_into(wire, &mut b64).map_err(|e| core_error(NAME, &e, None))?;
    Ok(Obj::new()
        .set("transaction", text)
        .set("payer", key.pubkey().to_string())
        .build())
}

/// The wire bytes of `transaction`: a `Uint8Array`, or base64 text (standard, padded).
fn transaction_bytes(v: &JsValue) -> JsResult<Vec<u8>> {
    if let Some(array) = v.dyn_ref::<Uint8Array>() {
        return Ok(array.to_vec());
    }
    let expected = || arg_error("transaction", "base64 text or a Uint8Array");
    let text = v.as_string().ok_or_else(expected)?;
    let mut out = vec![0u8; decoded_len_max(text.len())];
    let n = decode_public_into(text.as_bytes(), &Base64Policy::STANDARD_PADDED, &mut out)
        .map_err(|_| expected())?
        .len();
    out.truncate(n);
    Ok(out)
}

/// Wraps a built transaction into the payment header for `accepts[acceptIndex]` of a 402
/// (decoded `PaymentRequired`, JSON text or object): `{"transaction": base64}` in the v1 / v2
/// envelope (x402 `exact` SVM), v2 echoing `resource`, the entry as `accepted` and
/// `extensions`. Throws an `X402Error` (`code`: `accept_index_out_of_range`,
/// `unsupported_scheme`, `unsupported_network` for an entry that is not on Solana, or the
/// transaction's decode code such as `transaction_truncated`).
#[wasm_bindgen(js_name = svmPaymentHeader, unchecked_return_type = "SvmPayment")]
pub fn svm_payment_header(
    #[wasm_bindgen(unchecked_param_type = "string | object")] payment_required: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "SvmPaymentInput")] input: &JsValue,
) -> JsResult<JsValue> {
    let json = required_text(payment_required)?;
    let required = decode_required(&json)?;
    let transaction = transaction_bytes(&get(input, "transaction"))?;
    let index = accept_index(input)?;
    let hint = header::RECOMMENDED_BUFFER_LEN.max(3 * (json.len() + 2 * transaction.len()));
    let payment = grow(hint, |buf| {
        let (scratch, out) = buf.split_at_mut(buf.len() / 3);
        write_svm_payment_header(&required, index, &transaction, scratch, out).map(str::to_owned)
    })
    .map_err(|e| client_error(&e))?;
    Ok(Obj::new()
        .set("headerName", payment_header_name(required.version()))
        .set("headerValue", payment.as_str())
        .set("payment", payment)
        .build())
}

/// The Solana address (base58) of a 32-byte ed25519 seed: the payer `svmBuildTransfer` signs
/// as.
#[wasm_bindgen(js_name = svmPublicKey)]
pub fn svm_public_key(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] seed: &JsValue,
) -> JsResult<String> {
    let seed: [u8; 32] = array(seed, "seed")?;
    Ok(PayerKey::from_seed(&seed).pubkey().to_string())
}

/// The associated token account of `owner` for `mint` under `tokenProgram` (default SPL
/// Token), as base58. Throws an `SvmError` (`no_associated_token_account` when no off-curve
/// address exists, or a key's parse code).
#[wasm_bindgen(js_name = svmAssociatedTokenAddress)]
pub fn svm_associated_token_address(
    #[wasm_bindgen(unchecked_param_type = "string")] owner: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] mint: &JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "string")] token_program: Option<JsValue>,
) -> JsResult<String> {
    let owner = pubkey(owner, "owner")?;
    let mint = pubkey(mint, "mint")?;
    let program = opt_pubkey(
        &token_program.unwrap_or(JsValue::UNDEFINED),
        "tokenProgram",
        TOKEN_PROGRAM_ID,
    )?;
    associated_token_address(&owner, &mint, &program)
        .map(|key| key.to_string())
        .ok_or_else(|| {
            coded(
                NAME,
                "no off-curve associated token address exists for these keys",
                "no_associated_token_account",
                None,
            )
        })
}
