//! Payments proven by an on-chain transaction (`pay402::onchain`): the host makes the RPC calls
//! and passes their JSON `result`s as text (`null` included); the core decodes them and
//! decides. Conversion only: the verdict, its code and the replay key are the core's.

use crate::Pay402Error;
use crate::convert::{address, pubkey, u256};
use pay402::dialects::PayPer402Challenge;
use pay402::onchain::evm::{
    EvmAsset, EvmBlock, EvmExpected, EvmProof, EvmReceipt, EvmTransaction, parse_block_number,
    verify_evm_transaction as core_verify_evm,
};
use pay402::onchain::svm::{
    Commitment, PayPer402Terms, SvmAsset, SvmExpected, SvmTransaction, parse_signature,
    verify_payper402 as core_verify_payper402, verify_svm_transaction as core_verify_svm,
};
use pay402::onchain::{Accepted, MAX_KEY_LEN, Payer};
use pay402::svm::Pubkey;
use pay402::writer::Writer;

/// An accepted on-chain payment.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OnchainPayment {
    /// The replay-store key (`evm:<chain id>:0x<hash>` or `svm:<signature>`): insert it if
    /// absent, so the transaction is accepted once.
    pub tx_key: String,
    /// Who paid: an EIP-55 address or a base58 Solana address.
    pub payer: String,
    /// What the payee received, atomic units (decimal).
    pub amount: String,
}

fn payment(ok: &Accepted) -> Result<OnchainPayment, Pay402Error> {
    let mut buf = [0u8; MAX_KEY_LEN];
    let mut w = Writer::new(&mut buf);
    ok.tx
        .write_key(&mut w)
        .map_err(|e| Pay402Error::argument_from("tx_key", &e))?;
    let payer = match ok.payer {
        Payer::Evm(a) => a.to_string(),
        Payer::Svm(p) => p.to_string(),
        _ => return Err(Pay402Error::argument("payer: unknown payer kind")),
    };
    Ok(OnchainPayment {
        tx_key: crate::convert::utf8(w.written()),
        payer,
        amount: ok.amount.to_string(),
    })
}

fn commitment(value: &str, name: &str) -> Result<Commitment, Pay402Error> {
    Commitment::from_name(value).ok_or_else(|| {
        Pay402Error::argument(format!(
            "{name}: expected \"processed\", \"confirmed\" or \"finalized\", got {value:?}"
        ))
    })
}

fn opt_pubkey(text: Option<String>, name: &str) -> Result<Option<Pubkey>, Pay402Error> {
    text.map(|t| pubkey(&t, name)).transpose()
}

/// Decides an EVM payment proof from the JSON-RPC results as received: `receipt`
/// (`eth_getTransactionReceipt`), `block` (`eth_getBlockByNumber` of the receipt's block),
/// `head` (`eth_blockNumber`) and, for native value, `transaction`
/// (`eth_getTransactionByHash`). `tx_hash` is `0x` hex; `asset` the token address or
/// `"native"`; `min_amount` decimal atomic units.
///
/// Errors: `Onchain` with the core's code (`transaction_not_found`, `transaction_not_final`,
/// `amount_too_low`, …); `InvalidArgument` for an argument that does not convert.
#[allow(
    clippy::too_many_arguments,
    reason = "one exported call: the RPC results and the expected payment, field by field"
)]
#[uniffi::export]
pub fn verify_evm_transaction(
    receipt: String,
    block: String,
    head: String,
    transaction: Option<String>,
    chain_id: u64,
    tx_hash: String,
    asset: String,
    pay_to: String,
    min_amount: String,
    max_age_secs: Option<u64>,
    min_confirmations: u64,
    now: u64,
) -> Result<OnchainPayment, Pay402Error> {
    let asset = if asset == "native" {
        EvmAsset::Native
    } else {
        EvmAsset::Token(address(&asset, "asset")?)
    };
    let digits = tx_hash.strip_prefix("0x").unwrap_or(&tx_hash);
    let mut hash = [0u8; 32];
    match pay402::hex::decode_into(digits.as_bytes(), &mut hash) {
        Ok(decoded) if decoded.len() == 32 => {}
        _ => {
            return Err(Pay402Error::argument(
                "tx_hash: expected 0x and 64 hex digits",
            ));
        }
    }
    let expected = EvmExpected {
        chain_id,
        tx_hash: hash,
        asset,
        pay_to: address(&pay_to, "pay_to")?,
        min_amount: u256(&min_amount, "min_amount")?,
        max_age_secs,
        min_confirmations,
        now,
    };
    let proof = EvmProof {
        receipt: EvmReceipt::parse(receipt.as_bytes())?,
        block: EvmBlock::parse(block.as_bytes())?,
        head: parse_block_number(head.as_bytes())?,
        transaction: transaction
            .as_deref()
            .map(|t| EvmTransaction::parse(t.as_bytes()))
            .transpose()?,
    };
    payment(&core_verify_evm(&proof, &expected)?)
}

/// Decides a Solana payment proof from a `getTransaction` result fetched with
/// `encoding: "jsonParsed"` at commitment `fetched_at` (`processed`, `confirmed`,
/// `finalized`). `mint` and `token_program` name the SPL token (both absent: SOL in lamports);
/// `pay_to` is the payee's wallet.
///
/// Errors: `Onchain` with the core's code; `InvalidArgument` for an argument that does not
/// convert.
#[allow(
    clippy::too_many_arguments,
    reason = "one exported call: the RPC results and the expected payment, field by field"
)]
#[uniffi::export]
pub fn verify_svm_transaction(
    result: String,
    fetched_at: String,
    signature: String,
    mint: Option<String>,
    token_program: Option<String>,
    pay_to: String,
    min_amount: String,
    reference: Option<String>,
    max_age_secs: Option<u64>,
    min_commitment: String,
    now: u64,
) -> Result<OnchainPayment, Pay402Error> {
    let asset = match (
        opt_pubkey(mint, "mint")?,
        opt_pubkey(token_program, "token_program")?,
    ) {
        (Some(mint), Some(token_program)) => SvmAsset::Token {
            mint,
            token_program,
        },
        (None, None) => SvmAsset::Native,
        _ => {
            return Err(Pay402Error::argument(
                "mint and token_program go together (both absent: SOL)",
            ));
        }
    };
    let expected = SvmExpected {
        signature: parse_signature(signature.as_bytes())?,
        asset,
        pay_to: pubkey(&pay_to, "pay_to")?,
        min_amount: u256(&min_amount, "min_amount")?,
        reference: opt_pubkey(reference, "reference")?,
        max_age_secs,
        min_commitment: commitment(&min_commitment, "min_commitment")?,
        now,
    };
    let fetched_at = commitment(&fetched_at, "fetched_at")?;
    let tx = SvmTransaction::parse(result.as_bytes())?;
    payment(&core_verify_svm(&tx, fetched_at, &expected)?)
}

/// Decides a `PayPer402` payment: the `WWW-Authenticate` value the server issued
/// (`challenge`, its amount in `decimals`), the transaction signature the client sent and the
/// `getTransaction` `jsonParsed` result fetched at `fetched_at`. The payee, mint and reference
/// are the server's own terms.
///
/// Errors: `Onchain` with the core's code (`unsupported_network`,
/// `invalid_transaction_signature`, …); `InvalidArgument` with the dialect's code for a
/// malformed challenge.
#[allow(
    clippy::too_many_arguments,
    reason = "one exported call: the RPC results and the expected payment, field by field"
)]
#[uniffi::export]
pub fn verify_payper402(
    challenge: String,
    decimals: u8,
    signature: String,
    result: String,
    fetched_at: String,
    mint: String,
    token_program: String,
    pay_to: String,
    reference: Option<String>,
    max_age_secs: Option<u64>,
    min_commitment: String,
    now: u64,
) -> Result<OnchainPayment, Pay402Error> {
    let parsed = PayPer402Challenge::parse(&challenge, decimals)
        .map_err(|e| Pay402Error::argument_from("challenge", &e))?;
    let terms = PayPer402Terms {
        mint: pubkey(&mint, "mint")?,
        token_program: pubkey(&token_program, "token_program")?,
        pay_to: pubkey(&pay_to, "pay_to")?,
        reference: opt_pubkey(reference, "reference")?,
        max_age_secs,
        min_commitment: commitment(&min_commitment, "min_commitment")?,
        now,
    };
    let fetched_at = commitment(&fetched_at, "fetched_at")?;
    payment(&core_verify_payper402(
        &parsed,
        signature.as_bytes(),
        result.as_bytes(),
        fetched_at,
        &terms,
    )?)
}
