//! The paying x402 client: `X402Client` and `X402ChosenOffer`.
//!
//! Conversion only; the choice, the payloads, the Permit2 approval and the verdict on a paid
//! answer are `pay402_host::x402_client`'s over the core's `pay402::x402::client`. Errors are
//! thrown as `X402Error` (`code`, `detailCode`), a budget's refusal as `BudgetExceeded`.

// wasm-bindgen hands every JS argument over by value.
#![allow(clippy::needless_pass_by_value)]

use crate::budget::{BudgetReservation, ClientBudget};
use crate::convert::{Obj, array, bigint, bytes, get, strings, u256, uint};
use crate::errors::{JsResult, coded};
use crate::server::pairs;
use pay402_host::HostError;
use pay402_host::budget::Refusal;
use pay402_host::x402_client::{self as host, ClientConfig, PaidOutcome};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS: &str = r#"
export interface X402ClientConfig {
  /** Networks the payer holds funds on: v1 names or CAIP-2 ids, EVM and Solana together. */
  networks: string[];
  /** ERC-20 contracts the payer pays with. */
  evmAssets?: string[];
  /** SPL mints the payer pays with. */
  svmAssets?: string[];
  /** The kinds the payer signs; default all. */
  schemes?: X402PayKind[];
}
export type X402PayKind = "exact_eip3009" | "exact_permit2" | "upto_permit2" | "exact_svm";
/** The ERC-20 approval a Permit2 payment needs: `token.approve(spender, amount)` on `chainId`. */
export interface Permit2Approval { chainId: number; token: string; spender: string; amount: bigint }
/** The Solana chain state a payment needs (the host reads it over RPC). */
export interface SvmChainState { recentBlockhash: string; decimals: number; tokenProgram: string }
/** The verdict on the answer to a paid retry. */
export type X402PaidOutcome =
  | { verdict: "served"; transaction: string | null; settledAmount: bigint | null }
  | { verdict: "refused"; status: number; code: string; detailCode: string | null; message: string | null; definitive: boolean }
  | { verdict: "undetermined" };
"#;

/// A refusal of the budget as `BudgetExceeded` with `amount` and `remaining`, else the error.
fn refusal(r: &Refusal) -> JsValue {
    let e = error(&r.error);
    if e.is_object() && r.amount.is_some() {
        let set = |key: &str, v: Option<pay402::U256>| {
            let _ = js_sys::Reflect::set(&e, &key.into(), &v.map_or(JsValue::NULL, |v| bigint(&v)));
        };
        set("amount", r.amount);
        set("remaining", r.remaining);
    }
    e
}

fn error(e: &HostError) -> JsValue {
    let name = if e.code.ends_with("_budget_exceeded") || e.code == "budget_asset_not_listed" {
        "BudgetExceeded"
    } else {
        "X402Error"
    };
    coded(name, &e.message, e.code, e.detail_code)
}

/// The offer chosen from a 402.
#[wasm_bindgen(js_name = X402ChosenOffer)]
#[derive(Debug)]
pub struct X402ChosenOffer {
    inner: host::Chosen,
}

#[wasm_bindgen(js_class = X402ChosenOffer)]
impl X402ChosenOffer {
    /// Its index in `accepts`.
    #[wasm_bindgen(getter)]
    pub fn index(&self) -> usize {
        self.inner.index
    }

    /// How it is paid.
    #[wasm_bindgen(getter, unchecked_return_type = "X402PayKind")]
    pub fn kind(&self) -> String {
        self.inner.kind.to_owned()
    }

    /// 1 or 2.
    #[wasm_bindgen(getter, js_name = x402Version)]
    pub fn x402_version(&self) -> u8 {
        self.inner.x402_version
    }

    /// The network's CAIP-2 id.
    #[wasm_bindgen(getter)]
    pub fn network(&self) -> String {
        self.inner.network.clone()
    }

    /// The asset (EVM: lowercase hex; Solana: base58).
    #[wasm_bindgen(getter)]
    pub fn asset(&self) -> String {
        self.inner.asset.clone()
    }

    /// The amount reserved: the price, or an `upto` offer's maximum.
    #[wasm_bindgen(getter, unchecked_return_type = "bigint")]
    pub fn amount(&self) -> JsValue {
        bigint(&self.inner.amount)
    }

    /// The request header the payment goes in.
    #[wasm_bindgen(getter, js_name = headerName)]
    pub fn header_name(&self) -> String {
        host::X402Client::header_name(&self.inner).to_owned()
    }

    /// The Permit2 approval the payment needs, `null` for other kinds.
    #[wasm_bindgen(getter, unchecked_return_type = "Permit2Approval | null")]
    pub fn approval(&self) -> JsValue {
        self.inner.approval.as_ref().map_or(JsValue::NULL, |a| {
            #[allow(clippy::cast_precision_loss, reason = "chain ids are small")]
            let chain_id = a.chain_id as f64;
            Obj::new()
                .set("chainId", chain_id)
                .set("token", a.token.as_str())
                .set("spender", a.spender.as_str())
                .set("amount", bigint(&a.amount))
                .build()
        })
    }
}

/// The paying client: a policy (networks, EVM and Solana assets, kinds) and a `ClientBudget`.
#[wasm_bindgen(js_name = X402Client)]
#[derive(Debug)]
pub struct X402Client {
    inner: host::X402Client,
}

#[wasm_bindgen(js_class = X402Client)]
impl X402Client {
    /// A client spending from `budget`; throws `X402Error` `invalid_client_config`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "X402ClientConfig")] config: &JsValue,
        budget: &ClientBudget,
    ) -> JsResult<X402Client> {
        let config = ClientConfig {
            networks: strings(&get(config, "networks"), "networks")?,
            evm_assets: strings(&get(config, "evmAssets"), "evmAssets")?,
            svm_assets: strings(&get(config, "svmAssets"), "svmAssets")?,
            schemes: strings(&get(config, "schemes"), "schemes")?,
        };
        host::X402Client::new(&config, budget.host().clone())
            .map(|inner| Self { inner })
            .map_err(|e| error(&e))
    }

    /// Reads a 402 (`headers` as `[name, value]` pairs, `body` its text) and chooses the offer
    /// to pay at `now`. Throws `X402Error` (`no_acceptable_requirements`, the decoder's codes) or
    /// `BudgetExceeded` (which limit refuses the cheapest payable offer).
    pub fn choose(
        &self,
        #[wasm_bindgen(unchecked_param_type = "[string, string][]")] headers: &JsValue,
        body: &str,
        #[wasm_bindgen(unchecked_param_type = "number | bigint")] now: &JsValue,
    ) -> JsResult<X402ChosenOffer> {
        self.inner
            .choose(&pairs(headers)?, body.as_bytes(), uint(now, "now")?)
            .map(|inner| X402ChosenOffer { inner })
            .map_err(|r| refusal(&r))
    }

    /// Throws `X402Error` `permit2_allowance_required` (its message names the approval) when
    /// `allowance`, the payer's ERC-20 allowance to Permit2, is below a Permit2 offer's amount.
    #[wasm_bindgen(js_name = checkAllowance)]
    pub fn check_allowance(
        &self,
        chosen: &X402ChosenOffer,
        #[wasm_bindgen(unchecked_param_type = "bigint | number | string")] allowance: &JsValue,
    ) -> JsResult<()> {
        self.inner
            .check_allowance(&chosen.inner, u256(allowance, "allowance")?)
            .map_err(|e| error(&e))
    }

    /// Reserves the chosen amount at `now`, before anything is signed; throws `BudgetExceeded`.
    pub fn reserve(
        &self,
        chosen: &X402ChosenOffer,
        #[wasm_bindgen(unchecked_param_type = "number | bigint")] now: &JsValue,
    ) -> JsResult<BudgetReservation> {
        self.inner
            .reserve(&chosen.inner, uint(now, "now")?)
            .map(BudgetReservation::from_host)
            .map_err(|r| refusal(&r))
    }

    /// The `eth_signTypedData_v4` parameter and the digest a wallet signs for an EVM offer paid
    /// by `from` at `now` with 32 random `nonce` bytes.
    #[wasm_bindgen(js_name = typedData, unchecked_return_type = "{ typedData: Eip712TypedData; digest: Uint8Array }")]
    pub fn typed_data(
        &self,
        chosen: &X402ChosenOffer,
        from: &str,
        #[wasm_bindgen(unchecked_param_type = "number | bigint")] now: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] nonce: &JsValue,
    ) -> JsResult<JsValue> {
        let (json, digest) = self
            .inner
            .typed_data(
                &chosen.inner,
                from,
                uint(now, "now")?,
                &array::<32>(nonce, "nonce")?,
            )
            .map_err(|e| error(&e))?;
        let typed = js_sys::JSON::parse(&json)?;
        Ok(Obj::new()
            .set("typedData", typed)
            .set("digest", crate::convert::u8a(&digest))
            .build())
    }

    /// The header value with the wallet's `signature` (bytes or hex) over `typedData(…)` with
    /// the same `from`, `now` and `nonce`; throws when it does not recover `from`.
    #[wasm_bindgen(js_name = finishEvm)]
    pub fn finish_evm(
        &self,
        chosen: &X402ChosenOffer,
        from: &str,
        #[wasm_bindgen(unchecked_param_type = "number | bigint")] now: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] nonce: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] signature: &JsValue,
    ) -> JsResult<String> {
        self.inner
            .finish_evm(
                &chosen.inner,
                from,
                uint(now, "now")?,
                &array::<32>(nonce, "nonce")?,
                &bytes(signature, "signature")?,
            )
            .map_err(|e| error(&e))
    }

    /// The Solana payment header: the transfer built and partially signed with the payer's
    /// 32-byte ed25519 `seed`, the chain state the host read and 16 random `memoNonce` bytes.
    #[cfg(feature = "svm")]
    #[wasm_bindgen(js_name = buildSvm)]
    pub fn build_svm(
        &self,
        chosen: &X402ChosenOffer,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] seed: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "SvmChainState")] chain: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] memo_nonce: &JsValue,
    ) -> JsResult<String> {
        use pay402::svm::{PayerKey, Pubkey};
        let pubkey = |key: &str| -> JsResult<Pubkey> {
            let text = crate::convert::string(&get(chain, key), key)?;
            Pubkey::parse(text.as_bytes())
                .map_err(|e| crate::errors::core_error("SvmError", &e, None))
        };
        let decimals = uint(&get(chain, "decimals"), "decimals")?;
        let chain = pay402::x402::client::SvmChainState {
            recent_blockhash: pubkey("recentBlockhash")?.0,
            decimals: u8::try_from(decimals)
                .map_err(|_| crate::errors::arg_error("decimals", "0 to 255"))?,
            token_program: pubkey("tokenProgram")?,
        };
        let key = PayerKey::from_seed(&array::<32>(seed, "seed")?);
        self.inner
            .build_svm(
                &chosen.inner,
                &key,
                &chain,
                &array::<16>(memo_nonce, "memoNonce")?,
            )
            .map_err(|e| error(&e))
    }

    /// Reads the answer to the paid retry and ends `reservation` by the core's verdict: served →
    /// committed (an `upto` receipt's settled amount; the rest back), definitively refused →
    /// released, otherwise kept counted.
    #[wasm_bindgen(unchecked_return_type = "X402PaidOutcome")]
    pub fn complete(
        &self,
        chosen: &X402ChosenOffer,
        reservation: &BudgetReservation,
        status: u16,
        #[wasm_bindgen(unchecked_param_type = "[string, string][]")] headers: &JsValue,
        body: &str,
    ) -> JsResult<JsValue> {
        let outcome = host::X402Client::complete_reservation(
            reservation.host(),
            chosen.inner.kind,
            status,
            &pairs(headers)?,
            body.as_bytes(),
        );
        let text = |s: Option<String>| s.map_or(JsValue::NULL, JsValue::from);
        Ok(match outcome {
            PaidOutcome::Served {
                transaction,
                settled_amount,
            } => Obj::new()
                .set("verdict", "served")
                .set("transaction", text(transaction))
                .set(
                    "settledAmount",
                    settled_amount.map_or(JsValue::NULL, |a| bigint(&a)),
                )
                .build(),
            PaidOutcome::Refused(r) => Obj::new()
                .set("verdict", "refused")
                .set("status", r.status)
                .set("code", r.code)
                .set("detailCode", text(r.detail_code))
                .set("message", text(r.message))
                .set("definitive", r.definitive)
                .build(),
            PaidOutcome::Undetermined => Obj::new().set("verdict", "undetermined").build(),
        })
    }
}

/// The decimals and token program of a mint the reference packages list (USDC on Solana
/// mainnet and devnet), or `null`: `{ decimals, tokenProgram }`.
#[cfg(feature = "svm")]
#[wasm_bindgen(js_name = svmKnownMint, unchecked_return_type = "{ decimals: number; tokenProgram: string } | null")]
pub fn svm_known_mint(mint: &str) -> JsValue {
    pay402::svm::Pubkey::parse(mint.as_bytes())
        .ok()
        .and_then(|m| pay402::x402::client::known_mint(&m))
        .map_or(JsValue::NULL, |(decimals, program)| {
            Obj::new()
                .set("decimals", decimals)
                .set("tokenProgram", program.to_string())
                .build()
        })
}

// ---------------------------------------------------------------- the core's client, call by call

#[wasm_bindgen(typescript_custom_section)]
const TS_LOW: &str = r#"
/** A payer's policy for `x402Choose`: one maximum for every listed asset. */
export interface X402ChoosePolicy extends X402ClientConfig {
  maxAmount: bigint | number | string;
  /** The payer's ERC-20 allowance to Permit2 (what the host read); a Permit2 offer above it throws `permit2_allowance_required`. */
  permit2Allowance?: bigint | number | string;
}
export interface X402Choice { index: number; kind: X402PayKind; asset: string; amount: bigint; approval: Permit2Approval | null }
"#;

/// The core's policy from a JS object (`networks`, `evmAssets`, `svmAssets`, `schemes`).
struct Policy {
    networks: Vec<pay402::x402::Network>,
    evm: Vec<pay402::evm::Address>,
    #[cfg(feature = "svm")]
    svm: Vec<pay402::svm::Pubkey>,
    schemes: pay402::x402::client::Schemes,
}

fn policy_of(policy: &JsValue) -> JsResult<Policy> {
    use crate::errors::arg_error;
    let schemes = strings(&get(policy, "schemes"), "schemes")?;
    let has = |k: &str| schemes.is_empty() || schemes.iter().any(|s| s == k);
    Ok(Policy {
        networks: strings(&get(policy, "networks"), "networks")?
            .iter()
            .map(|n| {
                pay402::x402::Network::parse(n)
                    .ok_or_else(|| arg_error("networks", "known networks"))
            })
            .collect::<JsResult<_>>()?,
        evm: strings(&get(policy, "evmAssets"), "evmAssets")?
            .iter()
            .map(|a| {
                pay402::evm::Address::parse(a.as_bytes())
                    .map_err(|_| arg_error("evmAssets", "EVM addresses"))
            })
            .collect::<JsResult<_>>()?,
        #[cfg(feature = "svm")]
        svm: strings(&get(policy, "svmAssets"), "svmAssets")?
            .iter()
            .map(|a| {
                pay402::svm::Pubkey::parse(a.as_bytes())
                    .map_err(|_| arg_error("svmAssets", "Solana mints"))
            })
            .collect::<JsResult<_>>()?,
        schemes: pay402::x402::client::Schemes {
            exact_eip3009: has("exact_eip3009"),
            exact_permit2: has("exact_permit2"),
            upto_permit2: has("upto_permit2"),
            exact_svm: has("exact_svm"),
        },
    })
}

/// The core's choice among a 402's offers under one maximum for every listed asset (no
/// budget: `X402Client.choose` is the budgeted one). Throws `X402Error`
/// (`no_acceptable_requirements`, `amount_exceeds_budget`, `permit2_allowance_required`, …).
#[wasm_bindgen(js_name = x402Choose, unchecked_return_type = "X402Choice")]
pub fn x402_choose(
    #[wasm_bindgen(unchecked_param_type = "string | object")] payment_required: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "X402ChoosePolicy")] policy: &JsValue,
) -> JsResult<JsValue> {
    use crate::x402::{client_error, decode_required, required_text};
    let json = required_text(payment_required)?;
    let required = decode_required(&json)?;
    let p = policy_of(policy)?;
    let max = u256(&get(policy, "maxAmount"), "maxAmount")?;
    let core_policy = pay402::x402::client::ClientPolicy {
        networks: &p.networks,
        evm_assets: &p.evm,
        #[cfg(feature = "svm")]
        svm_assets: &p.svm,
        schemes: p.schemes,
    };
    let choice = pay402::x402::client::choose(&required, &core_policy, |_, _| Some(max))
        .map_err(|e| client_error(&e))?;
    if let Some(allowance) = crate::convert::present(&get(policy, "permit2Allowance")) {
        pay402::x402::client::check_permit2_allowance(
            &choice,
            u256(allowance, "permit2Allowance")?,
        )
        .map_err(|e| client_error(&e))?;
    }
    let approval = choice.permit2_approval().map_or(JsValue::NULL, |a| {
        #[allow(clippy::cast_precision_loss, reason = "chain ids are small")]
        let chain_id = a.chain_id as f64;
        Obj::new()
            .set("chainId", chain_id)
            .set("token", a.token.to_string())
            .set("spender", a.spender.to_string())
            .set("amount", bigint(&a.amount))
            .build()
    });
    #[allow(clippy::cast_precision_loss, reason = "at most MAX_ACCEPTS")]
    let index = choice.index as f64;
    Ok(Obj::new()
        .set("index", index)
        .set("kind", choice.kind.name())
        .set("asset", choice.asset.to_string())
        .set("amount", bigint(&choice.amount))
        .set("approval", approval)
        .build())
}

/// The EVM payment header (EIP-3009, Permit2 `exact` or `upto`, by the entry) for
/// `accepts[acceptIndex]`, signed with `privateKey` at `now` with 32 random `nonce` bytes.
#[wasm_bindgen(js_name = x402PayEvm, unchecked_return_type = "{ headerName: string; payment: string }")]
pub fn x402_pay_evm(
    #[wasm_bindgen(unchecked_param_type = "string | object")] payment_required: &JsValue,
    #[wasm_bindgen(
        unchecked_param_type = "{ acceptIndex?: number; privateKey: Uint8Array | string; now: number | bigint; nonce: Uint8Array | string }"
    )]
    options: &JsValue,
) -> JsResult<JsValue> {
    use crate::x402::{client_error, decode_required, required_text};
    let json = required_text(payment_required)?;
    let required = decode_required(&json)?;
    let index = crate::convert::opt_uint(&get(options, "acceptIndex"), "acceptIndex")?.unwrap_or(0);
    let index =
        usize::try_from(index).map_err(|_| crate::errors::arg_error("acceptIndex", "an index"))?;
    let key = pay402::evm::PrivateKey::from_bytes(&array::<32>(
        &get(options, "privateKey"),
        "privateKey",
    )?)
    .map_err(|e| crate::errors::core_error("EvmError", &e, None))?;
    let now = uint(&get(options, "now"), "now")?;
    let nonce = array::<32>(&get(options, "nonce"), "nonce")?;
    let payment = crate::convert::grow(8192, |buf| {
        let (scratch, out) = buf.split_at_mut(buf.len() / 2);
        pay402::x402::client::pay_evm(&required, index, &key, now, &nonce, scratch, out)
            .map(str::to_owned)
    })
    .map_err(|e| client_error(&e))?;
    Ok(Obj::new()
        .set(
            "headerName",
            pay402::x402::client::payment_header_name(required.version()),
        )
        .set("payment", payment)
        .build())
}

/// The Solana payment header for `accepts[acceptIndex]`: the transfer built and partially signed
/// with the payer's `seed`, the chain state and 16 random `memoNonce` bytes.
#[cfg(feature = "svm")]
#[wasm_bindgen(js_name = x402PaySvm, unchecked_return_type = "{ headerName: string; payment: string }")]
pub fn x402_pay_svm(
    #[wasm_bindgen(unchecked_param_type = "string | object")] payment_required: &JsValue,
    #[wasm_bindgen(
        unchecked_param_type = "{ acceptIndex?: number; seed: Uint8Array | string; chain: SvmChainState; memoNonce: Uint8Array | string }"
    )]
    options: &JsValue,
) -> JsResult<JsValue> {
    use crate::x402::{client_error, decode_required, required_text};
    use pay402::svm::{PayerKey, Pubkey};
    let json = required_text(payment_required)?;
    let required = decode_required(&json)?;
    let index = crate::convert::opt_uint(&get(options, "acceptIndex"), "acceptIndex")?.unwrap_or(0);
    let index =
        usize::try_from(index).map_err(|_| crate::errors::arg_error("acceptIndex", "an index"))?;
    let chain = get(options, "chain");
    let pubkey = |key: &str| -> JsResult<Pubkey> {
        let text = crate::convert::string(&get(&chain, key), key)?;
        Pubkey::parse(text.as_bytes()).map_err(|e| crate::errors::core_error("SvmError", &e, None))
    };
    let chain_state = pay402::x402::client::SvmChainState {
        recent_blockhash: pubkey("recentBlockhash")?.0,
        decimals: u8::try_from(uint(&get(&chain, "decimals"), "decimals")?)
            .map_err(|_| crate::errors::arg_error("decimals", "0 to 255"))?,
        token_program: pubkey("tokenProgram")?,
    };
    let key = PayerKey::from_seed(&array::<32>(&get(options, "seed"), "seed")?);
    let memo_nonce = array::<16>(&get(options, "memoNonce"), "memoNonce")?;
    let payment = crate::convert::grow(8192, |buf| {
        let (scratch, out) = buf.split_at_mut(buf.len() / 2);
        let mut wire = [0u8; 1232];
        pay402::x402::client::pay_svm(
            &required,
            index,
            &key,
            &chain_state,
            &memo_nonce,
            &mut wire,
            scratch,
            out,
        )
        .map(str::to_owned)
    })
    .map_err(|e| client_error(&e))?;
    Ok(Obj::new()
        .set(
            "headerName",
            pay402::x402::client::payment_header_name(required.version()),
        )
        .set("payment", payment)
        .build())
}

/// The core's verdict on the answer to a paid retry (`status`, `[name, value]` headers, body
/// text), ending nothing: `X402Client.complete` ends a reservation by it.
#[wasm_bindgen(js_name = x402PaidResponse, unchecked_return_type = "X402PaidOutcome")]
pub fn x402_paid_response(
    status: u16,
    #[wasm_bindgen(unchecked_param_type = "[string, string][]")] headers: &JsValue,
    body: &str,
) -> JsResult<JsValue> {
    use pay402::x402::client::{PaidResponse, read_paid_response};
    let headers = pairs(headers)?;
    let mut buf = vec![0u8; pay402::x402::header::RECOMMENDED_BUFFER_LEN * 2];
    let text = |s: &pay402::json::JsonStr<'_>| JsValue::from(s.chars().collect::<String>());
    let opt = |s: Option<pay402::json::JsonStr<'_>>| s.as_ref().map_or(JsValue::NULL, text);
    Ok(
        match read_paid_response(status, &headers, body.as_bytes(), &mut buf) {
            PaidResponse::Served { receipt } => Obj::new()
                .set("verdict", "served")
                .set("transaction", opt(receipt.and_then(|r| r.transaction)))
                .set(
                    "settledAmount",
                    receipt
                        .and_then(|r| r.amount)
                        .map_or(JsValue::NULL, |a| bigint(&a)),
                )
                .build(),
            PaidResponse::Refused(r) => Obj::new()
                .set("verdict", "refused")
                .set("status", r.status)
                .set("code", text(&r.code))
                .set("detailCode", opt(r.detail_code))
                .set("message", opt(r.message))
                .set("definitive", r.definitive)
                .build(),
            PaidResponse::Undetermined => Obj::new().set("verdict", "undetermined").build(),
        },
    )
}
