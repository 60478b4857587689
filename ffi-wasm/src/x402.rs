//! x402: codecs, verification (EIP-3009, Permit2, `upto`) and the paying client.

#[cfg(any(feature = "client", feature = "svm"))]
use crate::convert::strings;
use crate::convert::{
    Obj, address, address_js, bigint, get, grow, json_text, opt_string, opt_uint, present, u8a,
    u256, uint,
};
#[cfg(feature = "client")]
use crate::convert::{array, bytes, opt_bool};
use crate::errors::{JsResult, arg_error, core_error};
use pay402::ErrorCode;
use pay402::evm::SignaturePolicy;
#[cfg(feature = "client")]
use pay402::evm::{Address, PrivateKey};
#[cfg(feature = "svm")]
use pay402::svm::Pubkey;
#[cfg(feature = "client")]
use pay402::writer::Writer;
use pay402::writer::write_all;
#[cfg(any(feature = "client", feature = "svm"))]
use pay402::x402::client::ClientError;
#[cfg(feature = "client")]
use pay402::x402::client::{PayerPolicy, PaymentDraft, payment_header_name, select};
use pay402::x402::{
    AcceptedMatch, AmountRule, DecodeError, Network, PaymentKind, PaymentPayload, PaymentRequired,
    SettleResponse, UptoOptions, Verified, Verifier, VerifyError, VerifyPolicy, header,
};
#[cfg(feature = "svm")]
use pay402::x402::{AnyVerified, SvmPolicy, SvmVerified};
#[cfg(feature = "svm")]
use pay402::x402::{DEFAULT_EXTRA_PROGRAMS, HostCheck};
#[cfg(feature = "client")]
use pay402::x402::{PaymentRequirements, sign_permit2_payload};
use wasm_bindgen::prelude::*;

const NAME: &str = "X402Error";

#[wasm_bindgen(typescript_custom_section)]
const TS: &str = r#"
/** Which x402 structure a text holds. */
export type X402Kind = "payment_required" | "payment_payload" | "settle_response";
/** A decoded and canonically re-encoded x402 value. */
export interface X402Decoded { x402Version?: 1 | 2; json: string }
/**
 * Verification policy; defaults: exact amount, strict signatures, 6 s validBefore slack, and
 * the reference facilitator's Solana limits.
 */
export interface X402VerifyOptions {
  amount?: "exact" | "at_least";
  signature?: "strict" | "lenient";
  validBeforeSlack?: number;
  /** `upto`: the amount to charge now (must not exceed the signed maximum). */
  settleAmount?: bigint;
  /** `upto`: this facilitator's address, the one the witness must name. */
  facilitator?: string;
  /** v2 `accepted` comparison: `deep_equal` (default, the TypeScript server) or `typed` (x402-rs). */
  accepted?: "deep_equal" | "typed";
  /** Solana: the fee-payer keys (base58) this facilitator signs with; default: exactly `extra.feePayer`. */
  feePayers?: string[];
  /** Solana: highest `SetComputeUnitPrice` in µlamports (default 5000000). */
  maxComputeUnitPrice?: number | bigint;
  /** Solana: highest `SetComputeUnitLimit` (default none). */
  maxComputeUnitLimit?: number;
  /** Solana: most instructions (default 6). */
  maxInstructions?: number;
  /** Solana: programs (base58) allowed after the transfer (default Lighthouse and Memo). */
  extraPrograms?: string[];
}
/** A payment that passed every offline check. */
export interface X402Verified {
  x402Version: 1 | 2;
  /** CAIP-2 network id (`eip155:8453`). */
  network: string;
  /** EIP-155 chain id (EVM payments). */
  chainId?: number;
  kind: "exact_eip3009" | "exact_permit2" | "upto_permit2" | "other";
  payer: string;
  /** Amount to charge (atomic units). */
  amount: bigint;
  /** Amount the signature authorizes. */
  authorizedAmount: bigint;
  nonce: Uint8Array;
  validBefore: bigint;
  /** 80 bytes (chain ‖ asset ‖ payer ‖ nonce): record it once (insert-if-absent) before serving. */
  replayKey: Uint8Array;
}
/** A Solana `exact` payment that passed every offline check (x402 `exact` SVM). */
export interface X402SvmVerified {
  x402Version: 1 | 2;
  kind: "exact_svm";
  /** CAIP-2 cluster id. */
  network: string;
  /** The transfer authority (base58), proven by its signature. */
  payer: string;
  /** Atomic units. */
  amount: bigint;
  mint: string;
  source: string;
  destination: string;
  tokenProgram: string;
  decimals: number;
  /** The fee payer whose signature the facilitator adds. */
  feePayer: string;
  computeUnitLimit: number;
  computeUnitPrice: bigint;
  /** base58. */
  recentBlockhash: string;
  /** What the facilitator must still check with RPC before settling. */
  stillToCheck: ("recent_blockhash" | "token_accounts" | "mint" | "simulation" | "duplicate_settlement")[];
}
/** What the payer accepts to pay. */
export interface X402PayerPolicy {
  /** Networks, v1 names (`base-sepolia`) or CAIP-2 (`eip155:84532`). */
  networks: string[];
  /** Token contract addresses. */
  assets: string[];
  /** Most the payer pays for one request, in atomic units. */
  maxAmount: bigint;
  allowPermit2?: boolean;
}
export interface X402Selection { index: number; method: "eip3009" | "permit2"; chainId: number }
/** The authorization parameters of a payment. */
export interface X402DraftInput {
  acceptIndex?: number;
  /** Payer address (wallet signing). */
  from?: string;
  /** Unix seconds. */
  now: number | bigint;
  /** 32 random bytes. */
  nonce: Uint8Array;
}
export interface X402SignInput extends X402DraftInput { privateKey: Uint8Array }
export interface X402WalletSignInput extends X402DraftInput { from: string; signature: Uint8Array | string }
/** The request header to send: `X-PAYMENT` (v1) or `PAYMENT-SIGNATURE` (v2). */
export interface X402Payment {
  headerName: string; headerValue: string; signature: Uint8Array;
  /** @deprecated The same text as `headerValue`. */
  payment: string;
}
/**
 * An EIP-712 typed-data document, as `eth_signTypedData_v4` takes it
 * (https://eips.ethereum.org/EIPS/eip-712, "Specification of the eth_signTypedData JSON RPC").
 */
export interface Eip712TypedData {
  types: Record<string, { name: string; type: string }[]>;
  primaryType: string;
  domain: Record<string, unknown>;
  message: Record<string, unknown>;
}
/** EIP-712 typed data for `eth_signTypedData_v4`, and its digest. */
export interface X402TypedData { digest: Uint8Array; typedData: Eip712TypedData; typedDataJson: string; chainId: number; headerName: string }
export interface Permit2Payload { payload: string; signature: Uint8Array }
"#;

/// The `code` of a decode failure is the verdict a facilitator gives (`invalid_payload`,
/// `invalid_x402_version`); `detailCode` says what was wrong inside.
fn decode_error(e: &DecodeError) -> JsValue {
    let verdict = VerifyError::from_payload(*e);
    crate::errors::coded(NAME, &e.to_string(), verdict.code(), Some(e.code()))
}

/// A verdict, with the core's detail code (`detailCode`) of its nested cause.
fn verify_error(e: &VerifyError) -> JsValue {
    core_error(NAME, e, None)
}

#[cfg(any(feature = "client", feature = "svm"))]
pub(crate) fn client_error(e: &ClientError) -> JsValue {
    core_error(NAME, e, None)
}

/// Base64-decodes a header value into JSON bytes.
fn header_json(value: &str) -> JsResult<Vec<u8>> {
    let mut buf = vec![0u8; value.len()];
    let json = header::decode(value.as_bytes(), &mut buf).map_err(|e| decode_error(&e))?;
    Ok(json.to_vec())
}

fn utf8(bytes: Vec<u8>) -> JsResult<String> {
    String::from_utf8(bytes).map_err(|_| arg_error("json", "UTF-8 text"))
}

/// Decodes `json` as `kind`, re-encodes it canonically.
fn reencode(kind: &str, json: &[u8]) -> JsResult<JsValue> {
    let (version, out) = match kind {
        "payment_required" => {
            let v = PaymentRequired::from_json(json).map_err(|e| decode_error(&e))?;
            let out = grow(json.len() * 2, |buf| {
                write_all(buf, |w| v.write_json(w)).map(|n| buf[..n].to_vec())
            });
            (Some(v.version().number()), out)
        }
        "payment_payload" => {
            let v = PaymentPayload::from_json(json).map_err(|e| decode_error(&e))?;
            let out = grow(json.len() * 2, |buf| {
                write_all(buf, |w| v.write_json(w)).map(|n| buf[..n].to_vec())
            });
            (Some(v.version().number()), out)
        }
        "settle_response" => {
            let v = SettleResponse::from_json(json).map_err(|e| decode_error(&e))?;
            let out = grow(json.len() * 2, |buf| {
                write_all(buf, |w| v.write_json(w)).map(|n| buf[..n].to_vec())
            });
            (None, out)
        }
        _ => {
            return Err(arg_error(
                "kind",
                "payment_required, payment_payload or settle_response",
            ));
        }
    };
    let text = utf8(out.map_err(|e| core_error(NAME, &e, None))?)?;
    let mut result = Obj::new().set("json", text);
    if let Some(v) = version {
        result = result.set("x402Version", crate::convert::number(v));
    }
    Ok(result.build())
}

/// Decodes an x402 value from a header value (base64 JSON) and re-encodes it as compact
/// canonical JSON.
#[wasm_bindgen(js_name = x402DecodeHeader, unchecked_return_type = "X402Decoded")]
pub fn x402_decode_header(
    #[wasm_bindgen(unchecked_param_type = "X402Kind")] kind: &str,
    header: &str,
) -> JsResult<JsValue> {
    reencode(kind, &header_json(header)?)
}

/// Decodes an x402 value from JSON text (a v1 402 body) and re-encodes it canonically.
#[wasm_bindgen(js_name = x402DecodeJson, unchecked_return_type = "X402Decoded")]
pub fn x402_decode_json(
    #[wasm_bindgen(unchecked_param_type = "X402Kind")] kind: &str,
    json: &str,
) -> JsResult<JsValue> {
    reencode(kind, json.as_bytes())
}

/// Base64-encodes JSON text as an x402 header value (standard alphabet, padded).
#[wasm_bindgen(js_name = x402EncodeHeader)]
pub fn x402_encode_header(json: &str) -> JsResult<String> {
    grow(json.len() * 4 / 3 + 8, |buf| {
        header::encode(json.as_bytes(), buf).map(str::to_owned)
    })
    .map_err(|e| core_error(NAME, &e, None))
}

/// The JSON text inside a base64 x402 header value (standard or URL-safe alphabet).
#[wasm_bindgen(js_name = x402HeaderToJson)]
pub fn x402_header_to_json(header: &str) -> JsResult<String> {
    utf8(header_json(header)?)
}

/// The EVM policy and the `upto` options of `options` (no Solana policy).
pub(crate) fn verify_policy(options: &JsValue) -> JsResult<Verifier<'static>> {
    let mut policy = VerifyPolicy::default();
    match opt_string(&get(options, "amount"), "amount")?.as_deref() {
        None | Some("exact") => {}
        Some("at_least") => policy.amount = AmountRule::AtLeast,
        Some(_) => return Err(arg_error("amount", "\"exact\" or \"at_least\"")),
    }
    match opt_string(&get(options, "signature"), "signature")?.as_deref() {
        None | Some("strict") => {}
        Some("lenient") => policy.signature = SignaturePolicy::Lenient,
        Some(_) => return Err(arg_error("signature", "\"strict\" or \"lenient\"")),
    }
    if let Some(slack) = opt_uint(&get(options, "validBeforeSlack"), "validBeforeSlack")? {
        policy.valid_before_slack = slack;
    }
    policy.accepted = accepted_match(options)?;
    let settle = get(options, "settleAmount");
    let facilitator = get(options, "facilitator");
    Ok(Verifier {
        policy,
        svm: None,
        upto: UptoOptions {
            settle_amount: present(&settle)
                .map(|v| u256(v, "settleAmount"))
                .transpose()?,
            facilitator: present(&facilitator)
                .map(|v| address(v, "facilitator"))
                .transpose()?,
        },
    })
}

/// The CAIP-2 text of a network (`eip155:8453`, `solana:5eykt4…`).
fn network_text(n: Network) -> String {
    match n {
        Network::Eip155 { chain_id } => format!("eip155:{chain_id}"),
        Network::Solana(cluster) => cluster.caip2().to_owned(),
    }
}

pub(crate) fn verified_js(v: &Verified) -> JsValue {
    let kind = match v.kind {
        PaymentKind::ExactEip3009 => "exact_eip3009",
        PaymentKind::ExactPermit2 => "exact_permit2",
        PaymentKind::UptoPermit2 => "upto_permit2",
    };
    let mut o = Obj::new()
        .set(
            "x402Version",
            crate::convert::number(v.x402_version.number()),
        )
        .set("network", network_text(v.network))
        .set("kind", kind)
        .set("payer", address_js(&v.payer))
        .set("amount", bigint(&v.amount))
        .set("authorizedAmount", bigint(&v.authorized_amount))
        .set("nonce", u8a(&v.nonce))
        .set("validBefore", bigint(&v.valid_before))
        .set("replayKey", u8a(&v.replay_key.to_bytes()));
    if let Network::Eip155 { chain_id } = v.network {
        o = o.set("chainId", crate::convert::number(chain_id));
    }
    o.build()
}

fn accepted_match(options: &JsValue) -> JsResult<AcceptedMatch> {
    match opt_string(&get(options, "accepted"), "accepted")?.as_deref() {
        None | Some("deep_equal") => Ok(AcceptedMatch::DeepEqual),
        Some("typed") => Ok(AcceptedMatch::Typed),
        Some(_) => Err(arg_error("accepted", "\"deep_equal\" or \"typed\"")),
    }
}

#[cfg(feature = "svm")]
/// Base58 keys given as an array of strings (absent: `None`).
fn pubkeys(options: &JsValue, field: &str) -> JsResult<Option<Vec<Pubkey>>> {
    let v = get(options, field);
    if present(&v).is_none() {
        return Ok(None);
    }
    strings(&v, field)?
        .iter()
        .map(|k| crate::svm::pubkey(&JsValue::from_str(k), field))
        .collect::<JsResult<Vec<_>>>()
        .map(Some)
}

#[cfg(feature = "svm")]
/// The Solana limits of `options` (the keys stay in `fee_payers` / `extra_programs`).
fn svm_policy<'p>(
    options: &JsValue,
    fee_payers: &'p [Pubkey],
    extra_programs: &'p [Pubkey],
) -> JsResult<SvmPolicy<'p>> {
    let mut policy = SvmPolicy {
        fee_payers,
        extra_programs,
        accepted: accepted_match(options)?,
        ..SvmPolicy::DEFAULT
    };
    if let Some(price) = opt_uint(&get(options, "maxComputeUnitPrice"), "maxComputeUnitPrice")? {
        policy.max_compute_unit_price = price;
    }
    if let Some(limit) = opt_uint(&get(options, "maxComputeUnitLimit"), "maxComputeUnitLimit")? {
        policy.max_compute_unit_limit =
            Some(u32::try_from(limit).map_err(|_| arg_error("maxComputeUnitLimit", "a u32"))?);
    }
    if let Some(n) = opt_uint(&get(options, "maxInstructions"), "maxInstructions")? {
        policy.max_instructions =
            usize::try_from(n).map_err(|_| arg_error("maxInstructions", "a count"))?;
    }
    Ok(policy)
}

#[cfg(feature = "svm")]
fn host_check(c: HostCheck) -> JsValue {
    JsValue::from_str(match c {
        HostCheck::RecentBlockhash => "recent_blockhash",
        HostCheck::TokenAccounts => "token_accounts",
        HostCheck::Mint => "mint",
        HostCheck::Simulation => "simulation",
        HostCheck::DuplicateSettlement => "duplicate_settlement",
    })
}

#[cfg(feature = "svm")]
fn svm_verified_js(v: &SvmVerified) -> JsValue {
    let t = &v.transfer;
    Obj::new()
        .set(
            "x402Version",
            crate::convert::number(v.x402_version.number()),
        )
        .set("kind", "exact_svm")
        .set("network", v.cluster.caip2())
        .set("payer", v.payer.to_string())
        .set("amount", crate::convert::bigint_u64(v.amount))
        .set("mint", t.mint.to_string())
        .set("source", t.source.to_string())
        .set("destination", t.destination.to_string())
        .set("tokenProgram", t.token_program.to_string())
        .set("decimals", t.decimals)
        .set("feePayer", v.fee_payer.to_string())
        .set("computeUnitLimit", v.compute_unit_limit)
        .set(
            "computeUnitPrice",
            crate::convert::bigint_u64(v.compute_unit_price),
        )
        .set("recentBlockhash", Pubkey(v.recent_blockhash).to_string())
        .set(
            "stillToCheck",
            crate::convert::array_of(v.still_to_check.iter().map(|c| host_check(*c))),
        )
        .build()
}

/// Verifies a payment header value (`X-PAYMENT` / `PAYMENT-SIGNATURE`) against the server's
/// requirements (one `PaymentRequirements` object, v1 or v2, as JSON text or a plain object)
/// at `now` (unix seconds; unused for Solana). EVM requirements give an `X402Verified`, Solana
/// ones (`exact` on a Solana cluster) an `X402SvmVerified` (`kind: "exact_svm"`). Throws an
/// `X402Error` whose `code` is the facilitator's `invalidReason`.
#[wasm_bindgen(
    js_name = x402Verify,
    unchecked_return_type = "X402Verified | X402SvmVerified"
)]
pub fn x402_verify(
    #[wasm_bindgen(unchecked_param_type = "string | object")] requirements: &JsValue,
    payment: &str,
    #[wasm_bindgen(unchecked_param_type = "number | bigint")] now: &JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "X402VerifyOptions")] options: Option<JsValue>,
) -> JsResult<JsValue> {
    let requirements = json_text(requirements, "requirements")?;
    let options = options.unwrap_or(JsValue::UNDEFINED);
    let verifier = verify_policy(&options)?;
    let now = uint(now, "now")?;
    verify_header(&requirements, payment, &verifier, now, &options)
}

/// Without the `svm` feature, Solana requirements are refused by the core's EVM verifier.
#[cfg(not(feature = "svm"))]
fn verify_header(
    requirements: &str,
    payment: &str,
    base: &Verifier<'_>,
    now: u64,
    _options: &JsValue,
) -> JsResult<JsValue> {
    let verified = grow(header::RECOMMENDED_BUFFER_LEN.max(payment.len()), |buf| {
        base.verify_header(requirements.as_bytes(), payment.as_bytes(), buf, now)
            .and_then(|v| {
                v.evm()
                    .ok_or(pay402::x402::EnvelopeCheck::InvalidNetwork.into())
            })
    })
    .map_err(|e| verify_error(&e))?;
    Ok(verified_js(&verified))
}

#[cfg(feature = "svm")]
fn verify_header(
    requirements: &str,
    payment: &str,
    base: &Verifier<'_>,
    now: u64,
    options: &JsValue,
) -> JsResult<JsValue> {
    let options = options.clone();
    let fee_payers = pubkeys(&options, "feePayers")?.unwrap_or_default();
    let extra_programs = pubkeys(&options, "extraPrograms")?;
    let svm = svm_policy(
        &options,
        &fee_payers,
        extra_programs.as_deref().unwrap_or(&DEFAULT_EXTRA_PROGRAMS),
    )?;
    let with_svm = Verifier {
        svm: Some(svm),
        ..*base
    };
    let verified = grow(header::RECOMMENDED_BUFFER_LEN.max(payment.len()), |buf| {
        with_svm.verify_header(requirements.as_bytes(), payment.as_bytes(), buf, now)
    })
    .map_err(|e| verify_error(&e))?;
    Ok(match verified {
        AnyVerified::Evm(v) => verified_js(&v),
        AnyVerified::Svm(v) => svm_verified_js(&v),
    })
}

#[cfg(any(feature = "client", feature = "svm"))]
pub(crate) fn required_text(v: &JsValue) -> JsResult<String> {
    json_text(v, "paymentRequired")
}

#[cfg(any(feature = "client", feature = "svm"))]
pub(crate) fn decode_required(json: &str) -> JsResult<PaymentRequired<'_>> {
    PaymentRequired::from_json(json.as_bytes()).map_err(|e| decode_error(&e))
}

/// Chooses the first `accepts` entry of a 402 (decoded `PaymentRequired`, JSON text or object)
/// the payer can pay under `policy`.
#[cfg(feature = "client")]
#[wasm_bindgen(js_name = x402Select, unchecked_return_type = "X402Selection")]
pub fn x402_select(
    #[wasm_bindgen(unchecked_param_type = "string | object")] payment_required: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "X402PayerPolicy")] policy: &JsValue,
) -> JsResult<JsValue> {
    let json = required_text(payment_required)?;
    let required = decode_required(&json)?;
    let networks = strings(&get(policy, "networks"), "networks")?
        .iter()
        .map(|n| Network::parse(n).ok_or_else(|| arg_error("networks", "known network names")))
        .collect::<JsResult<Vec<_>>>()?;
    let assets = strings(&get(policy, "assets"), "assets")?
        .iter()
        .map(|a| Address::parse(a.as_bytes()).map_err(|_| arg_error("assets", "EVM addresses")))
        .collect::<JsResult<Vec<_>>>()?;
    let max_amount = u256(&get(policy, "maxAmount"), "maxAmount")?;
    let mut payer = PayerPolicy::new(&networks, &assets, max_amount);
    payer.allow_permit2 = opt_bool(&get(policy, "allowPermit2"), "allowPermit2")?.unwrap_or(false);
    let chosen = select(&required, &payer).map_err(|e| client_error(&e))?;
    let method = chosen.method.as_str();
    Ok(Obj::new()
        .set("index", crate::convert::number(chosen.index as u64))
        .set("method", method)
        .set("chainId", crate::convert::number(chosen.chain_id))
        .build())
}

#[cfg(any(feature = "client", feature = "svm"))]
pub(crate) fn accept_index(input: &JsValue) -> JsResult<usize> {
    let index = opt_uint(&get(input, "acceptIndex"), "acceptIndex")?.unwrap_or(0);
    usize::try_from(index).map_err(|_| arg_error("acceptIndex", "an index"))
}

#[cfg(feature = "client")]
fn nonce(input: &JsValue) -> JsResult<[u8; 32]> {
    array::<32>(&get(input, "nonce"), "nonce")
}

#[cfg(feature = "client")]
fn now(input: &JsValue) -> JsResult<u64> {
    uint(&get(input, "now"), "now")
}

#[cfg(feature = "client")]
fn payment_js(signed: &pay402::x402::client::SignedPayment<'_>) -> JsResult<JsValue> {
    let payment = grow(header::RECOMMENDED_BUFFER_LEN, |buf| {
        let (scratch, out) = buf.split_at_mut(buf.len() / 3);
        signed.write_header(scratch, out).map(str::to_owned)
    })
    .map_err(|e| client_error(&e))?;
    Ok(Obj::new()
        .set("headerName", signed.header_name())
        .set("headerValue", payment.as_str())
        .set("payment", payment)
        .set("signature", u8a(&signed.signature()))
        .build())
}

/// Builds and signs the EIP-3009 payment for `accepts[acceptIndex]` with a private key, as the
/// reference client does (`validAfter = now − 600`, `validBefore = now + maxTimeoutSeconds`).
#[cfg(feature = "client")]
#[wasm_bindgen(js_name = x402Sign, unchecked_return_type = "X402Payment")]
pub fn x402_sign(
    #[wasm_bindgen(unchecked_param_type = "string | object")] payment_required: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "X402SignInput")] input: &JsValue,
) -> JsResult<JsValue> {
    let json = required_text(payment_required)?;
    let required = decode_required(&json)?;
    let key = private_key(&get(input, "privateKey"))?;
    let draft = PaymentDraft::new(
        &required,
        accept_index(input)?,
        key.address(),
        now(input)?,
        &nonce(input)?,
    )
    .map_err(|e| client_error(&e))?;
    let signed = draft.sign(&key).map_err(|e| client_error(&e))?;
    payment_js(&signed)
}

#[cfg(feature = "client")]
pub(crate) fn private_key(v: &JsValue) -> JsResult<PrivateKey> {
    let bytes = array::<32>(v, "privateKey")?;
    PrivateKey::from_bytes(&bytes).map_err(|e| core_error("EvmError", &e, None))
}

#[cfg(feature = "client")]
fn with_draft<T>(
    payment_required: &JsValue,
    input: &JsValue,
    f: impl FnOnce(&PaymentDraft<'_>) -> JsResult<T>,
) -> JsResult<T> {
    let json = required_text(payment_required)?;
    let required = decode_required(&json)?;
    let from = address(&get(input, "from"), "from")?;
    let draft = PaymentDraft::new(
        &required,
        accept_index(input)?,
        from,
        now(input)?,
        &nonce(input)?,
    )
    .map_err(|e| client_error(&e))?;
    f(&draft)
}

/// The EIP-712 typed data (for `eth_signTypedData_v4`) and digest of the EIP-3009 payment for
/// `accepts[acceptIndex]` from `from`.
#[cfg(feature = "client")]
#[wasm_bindgen(js_name = x402TypedData, unchecked_return_type = "X402TypedData")]
pub fn x402_typed_data(
    #[wasm_bindgen(unchecked_param_type = "string | object")] payment_required: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "X402DraftInput")] input: &JsValue,
) -> JsResult<JsValue> {
    with_draft(payment_required, input, |draft| {
        let text = grow(4096, |buf| {
            write_all(buf, |w| draft.write_typed_data(w)).map(|n| buf[..n].to_vec())
        })
        .map_err(|e| core_error(NAME, &e, None))?;
        let text = utf8(text)?;
        let typed = js_sys::JSON::parse(&text)?;
        Ok(Obj::new()
            .set("digest", u8a(&draft.digest()))
            .set("typedData", typed)
            .set("typedDataJson", text)
            .set("chainId", crate::convert::number(draft.chain_id()))
            .set("headerName", payment_header_name(draft.version()))
            .build())
    })
}

/// Completes the payment of [`x402_typed_data`] with a wallet's signature (65 bytes, or the
/// `0x` hex text a wallet returns); the signature must recover to `from`.
#[cfg(feature = "client")]
#[wasm_bindgen(js_name = x402WalletSign, unchecked_return_type = "X402Payment")]
pub fn x402_wallet_sign(
    #[wasm_bindgen(unchecked_param_type = "string | object")] payment_required: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "X402WalletSignInput")] input: &JsValue,
) -> JsResult<JsValue> {
    let signature = get(input, "signature");
    let signature = if let Some(text) = signature.as_string() {
        text.into_bytes()
    } else {
        let raw = bytes(&signature, "signature")?;
        let mut text = vec![0u8; 2 + raw.len() * 2];
        let mut w = Writer::new(&mut text);
        pay402::hex::write_0x_lower(&mut w, &raw).map_err(|e| core_error(NAME, &e, None))?;
        text
    };
    with_draft(payment_required, input, |draft| {
        let signed = draft
            .with_wallet_signature_hex(&signature)
            .map_err(|e| client_error(&e))?;
        payment_js(&signed)
    })
}

/// Builds and signs the Permit2 scheme payload (`{"signature","permit2Authorization"}`) for one
/// v2 requirements object (`exact` with `assetTransferMethod: "permit2"`, or `upto`).
#[cfg(feature = "client")]
#[wasm_bindgen(js_name = permit2SignPayload, unchecked_return_type = "Permit2Payload")]
pub fn permit2_sign_payload(
    #[wasm_bindgen(unchecked_param_type = "string | object")] requirements: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] private_key_bytes: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "bigint")] permit_nonce: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "number | bigint")] now: &JsValue,
) -> JsResult<JsValue> {
    let json = json_text(requirements, "requirements")?;
    let raw =
        pay402::json::RawValue::parse(json.as_bytes()).map_err(|e| core_error(NAME, &e, None))?;
    let requirements = PaymentRequirements::from_json_value(raw).map_err(|e| decode_error(&e))?;
    let key = private_key(private_key_bytes)?;
    let nonce = u256(permit_nonce, "nonce")?;
    let now = uint(now, "now")?;
    let (payload, signature) = grow(1024, |buf| {
        let mut w = Writer::new(buf);
        let (_, signature) = sign_permit2_payload(&mut w, &requirements, &key, nonce, now)?;
        Ok((w.written().to_vec(), signature))
    })
    .map_err(|e: pay402::x402::Permit2SignError| core_error(NAME, &e, None))?;
    Ok(Obj::new()
        .set("payload", utf8(payload)?)
        .set("signature", u8a(&signature))
        .build())
}

/// The request header name for an x402 version: `X-PAYMENT` (1) or `PAYMENT-SIGNATURE` (2).
#[wasm_bindgen(js_name = x402PaymentHeaderName)]
pub fn x402_payment_header_name(version: u32) -> JsResult<String> {
    match version {
        1 => Ok(header::X_PAYMENT.into()),
        2 => Ok(header::PAYMENT_SIGNATURE.into()),
        _ => Err(arg_error("version", "1 or 2")),
    }
}
