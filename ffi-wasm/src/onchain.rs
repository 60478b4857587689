//! Payments proven by an on-chain transaction (`pay402::onchain`): the host makes the RPC calls
//! and passes their JSON `result`s as text (`null` included); the core decodes them and
//! decides. Conversion only: the verdict, its code and the replay key are the core's.

use crate::convert::{Obj, address, address_js, array, bigint, get, present, string, u256, uint};
use crate::errors::{JsResult, arg_error, core_error};
use crate::svm::pubkey;
use pay402::dialects::PayPer402Challenge;
use pay402::onchain::evm::{
    EvmAsset, EvmBlock, EvmExpected, EvmProof, EvmReceipt, EvmTransaction, parse_block_number,
    verify_evm_transaction as core_verify_evm,
};
use pay402::onchain::svm::{
    Commitment, PayPer402Terms, SvmAsset, SvmExpected, SvmTransaction, parse_signature,
    verify_payper402 as core_verify_payper402, verify_svm_transaction as core_verify_svm,
};
use pay402::onchain::{Accepted, MAX_KEY_LEN, Payer, ProofError};
use pay402::svm::Pubkey;
use pay402::writer::Writer;
use wasm_bindgen::prelude::*;

const NAME: &str = "OnchainError";

#[wasm_bindgen(typescript_custom_section)]
const TS: &str = r#"
/** A Solana commitment level, weakest first. */
export type Commitment = "processed" | "confirmed" | "finalized";
/** An EVM payment proof: the JSON-RPC `result`s as received (JSON text, `"null"` included). */
export interface EvmProofInput {
  /** `eth_getTransactionReceipt`. */
  receipt: string;
  /** `eth_getBlockByNumber` of the receipt's block. */
  block: string;
  /** `eth_blockNumber`. */
  head: string;
  /** `eth_getTransactionByHash`: required for `asset: "native"`. */
  transaction?: string | null;
  /** The chain the RPC node serves (EIP-155 chain id). */
  chainId: number | bigint;
  /** The transaction hash the client named (`0x` hex or 32 bytes). */
  txHash: string | Uint8Array;
  /** The token contract, or `"native"` for the chain's coin. */
  asset: string;
  /** The payee. */
  payTo: string;
  /** The price in atomic units: the payee must receive at least this. */
  minAmount: bigint | number | string;
  /** The oldest block time accepted, seconds before `now`; absent: any age. */
  maxAgeSecs?: number | bigint | null;
  /** Confirmations needed (`0` and `1` both mean "included"). */
  minConfirmations: number | bigint;
  /** The current unix time in seconds. */
  now: number | bigint;
}
/** A Solana payment proof: a `getTransaction` result fetched with `encoding: "jsonParsed"`. */
export interface SvmProofInput {
  /** The `getTransaction` result as JSON text (`"null"` included). */
  result: string;
  /** The commitment the result was fetched at. */
  fetchedAt: Commitment;
  /** The transaction signature the client named (base58). */
  signature: string;
  /** The SPL token mint; absent together with `tokenProgram`: SOL in lamports. */
  mint?: string | null;
  /** The mint's token program (SPL Token or Token-2022). */
  tokenProgram?: string | null;
  /** The payee's wallet (its associated token account receives tokens). */
  payTo: string;
  /** The price in atomic units. */
  minAmount: bigint | number | string;
  /** The Solana Pay reference the server issued, if it issued one. */
  reference?: string | null;
  /** The oldest block time accepted, seconds before `now`; absent: any age. */
  maxAgeSecs?: number | bigint | null;
  /** The commitment needed. */
  minCommitment: Commitment;
  /** The current unix time in seconds. */
  now: number | bigint;
}
/** A PayPer402 payment: the challenge the server issued, the client's signature, the server's terms. */
export interface PayPer402ProofInput {
  /** The `WWW-Authenticate` value the server issued (`Bearer realm="PayPer402", amount=…`). */
  challenge: string;
  /** The decimals of the challenge's `amount` (USDC: 6). */
  decimals: number;
  /** The transaction signature the client sent (base58). */
  signature: string;
  /** The `getTransaction` `jsonParsed` result as JSON text (`"null"` included). */
  result: string;
  /** The commitment the result was fetched at. */
  fetchedAt: Commitment;
  /** The token mint `currency` stands for. */
  mint: string;
  /** The mint's token program. */
  tokenProgram: string;
  /** The server's wallet. */
  payTo: string;
  /** The Solana Pay reference the server issued with the challenge, if any. */
  reference?: string | null;
  /** The oldest block time accepted, seconds before `now`. */
  maxAgeSecs?: number | bigint | null;
  /** The commitment needed. */
  minCommitment: Commitment;
  /** The current unix time in seconds. */
  now: number | bigint;
}
/** An accepted on-chain payment. */
export interface OnchainPayment {
  /** The replay-store key (`evm:<chain id>:0x<hash>` or `svm:<signature>`): insert it if absent, so the transaction is accepted once. */
  txKey: string;
  /** Who paid: an EIP-55 address or a base58 Solana address. */
  payer: string;
  /** What the payee received, in atomic units. */
  amount: bigint;
}
"#;

fn proof_error(e: &ProofError) -> JsValue {
    core_error(NAME, e, None)
}

fn payment(ok: &Accepted) -> JsResult<JsValue> {
    let mut buf = [0u8; MAX_KEY_LEN];
    let mut w = Writer::new(&mut buf);
    ok.tx
        .write_key(&mut w)
        .map_err(|e| core_error(NAME, &e, None))?;
    let key = core::str::from_utf8(w.written())
        .map_err(|_| arg_error("txKey", "ASCII"))?
        .to_owned();
    let payer = match ok.payer {
        Payer::Evm(a) => address_js(&a),
        Payer::Svm(p) => JsValue::from(p.to_string()),
        _ => return Err(arg_error("payer", "a known payer kind")),
    };
    Ok(Obj::new()
        .set("txKey", key)
        .set("payer", payer)
        .set("amount", bigint(&ok.amount))
        .build())
}

fn commitment(v: &JsValue, field: &str) -> JsResult<Commitment> {
    Commitment::from_name(&string(v, field)?)
        .ok_or_else(|| arg_error(field, "\"processed\", \"confirmed\" or \"finalized\""))
}

fn opt_pubkey(input: &JsValue, field: &str) -> JsResult<Option<Pubkey>> {
    present(&get(input, field))
        .map(|v| pubkey(v, field))
        .transpose()
}

fn opt_u64(input: &JsValue, field: &str) -> JsResult<Option<u64>> {
    present(&get(input, field))
        .map(|v| uint(v, field))
        .transpose()
}

/// Decides an EVM payment proof from the JSON-RPC results (`receipt`, `block`, `head`, and
/// `transaction` for native value). Throws an `OnchainError` with the core's `code`
/// (`transaction_not_found`, `transaction_not_final`, `amount_too_low`, …; `detailCode` for
/// `invalid_rpc_result`).
#[wasm_bindgen(js_name = verifyEvmTransaction, unchecked_return_type = "OnchainPayment")]
pub fn verify_evm_transaction(
    #[wasm_bindgen(unchecked_param_type = "EvmProofInput")] input: &JsValue,
) -> JsResult<JsValue> {
    let asset_text = string(&get(input, "asset"), "asset")?;
    let asset = if asset_text == "native" {
        EvmAsset::Native
    } else {
        EvmAsset::Token(address(&get(input, "asset"), "asset")?)
    };
    let expected = EvmExpected {
        chain_id: uint(&get(input, "chainId"), "chainId")?,
        tx_hash: array::<32>(&get(input, "txHash"), "txHash")?,
        asset,
        pay_to: address(&get(input, "payTo"), "payTo")?,
        min_amount: u256(&get(input, "minAmount"), "minAmount")?,
        max_age_secs: opt_u64(input, "maxAgeSecs")?,
        min_confirmations: uint(&get(input, "minConfirmations"), "minConfirmations")?,
        now: uint(&get(input, "now"), "now")?,
    };
    let receipt = string(&get(input, "receipt"), "receipt")?;
    let block = string(&get(input, "block"), "block")?;
    let head = string(&get(input, "head"), "head")?;
    let transaction = present(&get(input, "transaction"))
        .map(|v| string(v, "transaction"))
        .transpose()?;
    let proof = EvmProof {
        receipt: EvmReceipt::parse(receipt.as_bytes()).map_err(|e| proof_error(&e))?,
        block: EvmBlock::parse(block.as_bytes()).map_err(|e| proof_error(&e))?,
        head: parse_block_number(head.as_bytes()).map_err(|e| proof_error(&e))?,
        transaction: transaction
            .as_deref()
            .map(|t| EvmTransaction::parse(t.as_bytes()))
            .transpose()
            .map_err(|e| proof_error(&e))?,
    };
    payment(&core_verify_evm(&proof, &expected).map_err(|e| proof_error(&e))?)
}

/// Decides a Solana payment proof from a `getTransaction` result fetched with
/// `encoding: "jsonParsed"` at `fetchedAt`. Throws an `OnchainError`.
#[wasm_bindgen(js_name = verifySvmTransaction, unchecked_return_type = "OnchainPayment")]
pub fn verify_svm_transaction(
    #[wasm_bindgen(unchecked_param_type = "SvmProofInput")] input: &JsValue,
) -> JsResult<JsValue> {
    let asset = match (
        opt_pubkey(input, "mint")?,
        opt_pubkey(input, "tokenProgram")?,
    ) {
        (Some(mint), Some(token_program)) => SvmAsset::Token {
            mint,
            token_program,
        },
        (None, None) => SvmAsset::Native,
        _ => {
            return Err(arg_error(
                "mint",
                "mint and tokenProgram together (both absent: SOL)",
            ));
        }
    };
    let signature = string(&get(input, "signature"), "signature")?;
    let expected = SvmExpected {
        signature: parse_signature(signature.as_bytes()).map_err(|e| proof_error(&e))?,
        asset,
        pay_to: pubkey(&get(input, "payTo"), "payTo")?,
        min_amount: u256(&get(input, "minAmount"), "minAmount")?,
        reference: opt_pubkey(input, "reference")?,
        max_age_secs: opt_u64(input, "maxAgeSecs")?,
        min_commitment: commitment(&get(input, "minCommitment"), "minCommitment")?,
        now: uint(&get(input, "now"), "now")?,
    };
    let fetched_at = commitment(&get(input, "fetchedAt"), "fetchedAt")?;
    let result = string(&get(input, "result"), "result")?;
    let tx = SvmTransaction::parse(result.as_bytes()).map_err(|e| proof_error(&e))?;
    payment(&core_verify_svm(&tx, fetched_at, &expected).map_err(|e| proof_error(&e))?)
}

/// Decides a `PayPer402` payment: the challenge the server issued, the signature the client
/// sent and the `getTransaction` `jsonParsed` result. Throws a `DialectError` for a malformed
/// challenge, else an `OnchainError` (`unsupported_network`, `invalid_transaction_signature`,
/// …).
#[wasm_bindgen(js_name = verifyPayper402, unchecked_return_type = "OnchainPayment")]
pub fn verify_payper402(
    #[wasm_bindgen(unchecked_param_type = "PayPer402ProofInput")] input: &JsValue,
) -> JsResult<JsValue> {
    let decimals = u8::try_from(uint(&get(input, "decimals"), "decimals")?)
        .map_err(|_| arg_error("decimals", "a u8"))?;
    let challenge_text = string(&get(input, "challenge"), "challenge")?;
    let challenge = PayPer402Challenge::parse(&challenge_text, decimals)
        .map_err(|e| core_error("DialectError", &e, None))?;
    let terms = PayPer402Terms {
        mint: pubkey(&get(input, "mint"), "mint")?,
        token_program: pubkey(&get(input, "tokenProgram"), "tokenProgram")?,
        pay_to: pubkey(&get(input, "payTo"), "payTo")?,
        reference: opt_pubkey(input, "reference")?,
        max_age_secs: opt_u64(input, "maxAgeSecs")?,
        min_commitment: commitment(&get(input, "minCommitment"), "minCommitment")?,
        now: uint(&get(input, "now"), "now")?,
    };
    let signature = string(&get(input, "signature"), "signature")?;
    let result = string(&get(input, "result"), "result")?;
    let fetched_at = commitment(&get(input, "fetchedAt"), "fetchedAt")?;
    payment(
        &core_verify_payper402(
            &challenge,
            signature.as_bytes(),
            result.as_bytes(),
            fetched_at,
            &terms,
        )
        .map_err(|e| proof_error(&e))?,
    )
}
