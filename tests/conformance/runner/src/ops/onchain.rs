//! `onchain.*` ops: payments proven by an on-chain transaction (`pay402::onchain`).

use super::{Outcome, code};
use crate::input;
use pay402::U256;
use pay402::dialects::PayPer402Challenge;
use pay402::evm::Address;
use pay402::onchain::evm::{
    EvmAsset, EvmBlock, EvmExpected, EvmProof, EvmReceipt, EvmTransaction, parse_block_number,
    verify_evm_transaction,
};
use pay402::onchain::svm::{
    Commitment, PayPer402Terms, SvmAsset, SvmExpected, SvmTransaction, parse_signature,
    verify_payper402, verify_svm_transaction,
};
use pay402::onchain::{Accepted, MAX_KEY_LEN, Payer};
use pay402::svm::Pubkey;
use pay402::u256::LeadingZeros;
use pay402::writer::Writer;
use serde_json::{Value, json};

fn address(value: &Value, key: &str) -> Result<Address, String> {
    Address::parse(input::str(value, key)?.as_bytes()).map_err(|_| input::bad(key))
}

fn pubkey(value: &Value, key: &str) -> Result<Pubkey, String> {
    Pubkey::parse(input::str(value, key)?.as_bytes()).map_err(|_| input::bad(key))
}

fn u256(value: &Value, key: &str) -> Result<U256, String> {
    U256::parse_decimal(input::str(value, key)?.as_bytes(), LeadingZeros::Reject)
        .map_err(|_| input::bad(key))
}

fn opt_u64(value: &Value, key: &str) -> Result<Option<u64>, String> {
    match value.get(key) {
        None => Ok(None),
        Some(_) => input::u64(value, key).map(Some),
    }
}

fn commitment(value: &Value, key: &str) -> Result<Commitment, String> {
    Commitment::from_name(input::str(value, key)?).ok_or_else(|| input::bad(key))
}

/// `{tx_key, payer, amount}` of an accepted proof.
fn accepted(ok: &Accepted) -> Outcome {
    let mut buf = [0u8; MAX_KEY_LEN];
    let mut w = Writer::new(&mut buf);
    ok.tx.write_key(&mut w).map_err(|e| code(&e))?;
    let key = String::from_utf8(w.written().to_vec()).map_err(|_| "non_utf8_key".to_owned())?;
    let payer = match ok.payer {
        Payer::Evm(a) => input::to_0x(&a.0),
        Payer::Svm(p) => p.to_string(),
        _ => return Err("unknown payer kind".into()),
    };
    Ok(json!({ "tx_key": key, "payer": payer, "amount": ok.amount.to_string() }))
}

pub(crate) fn evm_verify(input: &Value) -> Outcome {
    let asset = match input::str(input, "asset")? {
        "native" => EvmAsset::Native,
        _ => EvmAsset::Token(address(input, "asset")?),
    };
    let expected = EvmExpected {
        chain_id: input::u64(input, "chain_id")?,
        tx_hash: input::hex_array::<32>(input::str(input, "tx_hash")?, "tx_hash")?,
        asset,
        pay_to: address(input, "pay_to")?,
        min_amount: u256(input, "min_amount")?,
        max_age_secs: opt_u64(input, "max_age_secs")?,
        min_confirmations: input::u64(input, "min_confirmations")?,
        now: input::u64(input, "now")?,
    };
    // As a host does it: the receipt first (it names the block), then the block, the head and
    // the transaction.
    let receipt =
        EvmReceipt::parse(input::str(input, "receipt_json")?.as_bytes()).map_err(|e| code(&e))?;
    let block =
        EvmBlock::parse(input::str(input, "block_json")?.as_bytes()).map_err(|e| code(&e))?;
    let head =
        parse_block_number(input::str(input, "head_json")?.as_bytes()).map_err(|e| code(&e))?;
    let transaction = match input::opt_str(input, "transaction_json") {
        Some(text) => Some(EvmTransaction::parse(text.as_bytes()).map_err(|e| code(&e))?),
        None => None,
    };
    let proof = EvmProof {
        receipt,
        block,
        head,
        transaction,
    };
    accepted(&verify_evm_transaction(&proof, &expected).map_err(|e| code(&e))?)
}

pub(crate) fn svm_verify(input: &Value) -> Outcome {
    let asset_value = input::get(input, "asset")?;
    let asset = if asset_value.as_str() == Some("native") {
        SvmAsset::Native
    } else {
        SvmAsset::Token {
            mint: pubkey(asset_value, "mint")?,
            token_program: pubkey(asset_value, "token_program")?,
        }
    };
    let reference = match input.get("reference") {
        None => None,
        Some(_) => Some(pubkey(input, "reference")?),
    };
    let expected = SvmExpected {
        signature: parse_signature(input::str(input, "signature")?.as_bytes())
            .map_err(|_| input::bad("signature"))?,
        asset,
        pay_to: pubkey(input, "pay_to")?,
        min_amount: u256(input, "min_amount")?,
        reference,
        max_age_secs: opt_u64(input, "max_age_secs")?,
        min_commitment: commitment(input, "min_commitment")?,
        now: input::u64(input, "now")?,
    };
    let fetched_at = commitment(input, "fetched_at")?;
    let tx = SvmTransaction::parse(input::str(input, "result_json")?.as_bytes())
        .map_err(|e| code(&e))?;
    accepted(&verify_svm_transaction(&tx, fetched_at, &expected).map_err(|e| code(&e))?)
}

pub(crate) fn payper402_verify(input: &Value) -> Outcome {
    let decimals =
        u8::try_from(input::u64(input, "decimals")?).map_err(|_| input::bad("decimals"))?;
    let challenge = PayPer402Challenge::parse(input::str(input, "challenge")?, decimals)
        .map_err(|e| code(&e))?;
    let terms = PayPer402Terms {
        mint: pubkey(input, "mint")?,
        token_program: pubkey(input, "token_program")?,
        pay_to: pubkey(input, "pay_to")?,
        reference: match input.get("reference") {
            None => None,
            Some(_) => Some(pubkey(input, "reference")?),
        },
        max_age_secs: opt_u64(input, "max_age_secs")?,
        min_commitment: commitment(input, "min_commitment")?,
        now: input::u64(input, "now")?,
    };
    let ok = verify_payper402(
        &challenge,
        input::str(input, "signature")?.as_bytes(),
        input::str(input, "result_json")?.as_bytes(),
        commitment(input, "fetched_at")?,
        &terms,
    )
    .map_err(|e| code(&e))?;
    accepted(&ok)
}
