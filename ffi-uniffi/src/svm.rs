//! Solana, the paying side: the reference client's partially signed `exact` payment
//! transaction (x402 `exact` SVM), the payment header around it and the address derivations it
//! needs. Keys are base58 text, seeds, blockhashes and transactions raw bytes, amounts decimal
//! text.

use crate::Pay402Error;
use crate::client::{decode, index};
use crate::convert::{array, pubkey};
use pay402::svm::transaction::MAX_TRANSACTION_LEN;
use pay402::svm::{BuildError, PayerKey, TransferParams, associated_token_address, build_transfer};
use pay402::x402::client::{payment_header_name, write_svm_payment_header};
use pay402::x402::header;

/// An atomic token amount: decimal text that fits a `u64`.
fn parse_amount(text: &str) -> Result<u64, Pay402Error> {
    if text.is_empty()
        || !text.bytes().all(|b| b.is_ascii_digit())
        || (text.len() > 1 && text.starts_with('0'))
    {
        return Err(Pay402Error::argument(format!(
            "amount: not a decimal without leading zeros: {text:?}"
        )));
    }
    text.parse()
        .map_err(|_| Pay402Error::argument(format!("amount: exceeds u64: {text}")))
}

/// Builds and partially signs the payment transaction the reference client builds for an
/// `exact` Solana offer, and returns its wire bytes (base64 them for `payload.transaction`).
///
/// - `payer_seed`: the payer's 32-byte ed25519 seed (the first half of a Solana keypair file);
/// - `fee_payer`: `extra.feePayer` (base58), account 0, left unsigned for the facilitator;
/// - `mint`, `pay_to`: the offer's `asset` and `payTo` (base58);
/// - `token_program`: the mint's owner, SPL Token or Token-2022 (RPC; base58);
/// - `amount`: the offer's amount (decimal, fits a `u64`); `decimals`: the mint's (RPC);
/// - `recent_blockhash`: 32 bytes (RPC `getLatestBlockhash`);
/// - `memo`: `extra.memo`, or a hex nonce of ≥ 16 random bytes; `None` or empty: no memo;
/// - `compute_unit_limit` / `compute_unit_price`: default the reference client's 20,000 / 1.
///
/// Errors: `Svm` (`unsupported_token_program`, `payer_is_fee_payer`, `memo_too_long`,
/// `no_associated_token_account`); `InvalidArgument` for a key that is not base58 of 32 bytes
/// (`pubkey_length`, `pubkey_invalid_character`), a seed or blockhash of the wrong length, or
/// an amount that is not a decimal `u64`.
#[allow(
    clippy::too_many_arguments,
    reason = "Kotlin/Swift named arguments with defaults"
)]
#[uniffi::export(default(memo = None, compute_unit_limit = 20000, compute_unit_price = 1))]
pub fn svm_build_transfer(
    payer_seed: Vec<u8>,
    fee_payer: String,
    mint: String,
    pay_to: String,
    token_program: String,
    amount: String,
    decimals: u8,
    recent_blockhash: Vec<u8>,
    memo: Option<String>,
    compute_unit_limit: u32,
    compute_unit_price: u64,
) -> Result<Vec<u8>, Pay402Error> {
    let seed: [u8; 32] = array(&payer_seed, "payer_seed")?;
    let memo = memo.unwrap_or_default();
    let params = TransferParams {
        fee_payer: pubkey(&fee_payer, "fee_payer")?,
        mint: pubkey(&mint, "mint")?,
        pay_to: pubkey(&pay_to, "pay_to")?,
        token_program: pubkey(&token_program, "token_program")?,
        amount: parse_amount(&amount)?,
        decimals,
        memo: memo.as_bytes(),
        recent_blockhash: array(&recent_blockhash, "recent_blockhash")?,
        compute_unit_limit,
        compute_unit_price,
    };
    let mut out = vec![0u8; MAX_TRANSACTION_LEN];
    let n = build_transfer(&params, &PayerKey::from_seed(&seed), &mut out)?.len();
    out.truncate(n);
    Ok(out)
}

/// A Solana payment, ready to send.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SvmPaymentHeader {
    /// `X-PAYMENT` (v1) or `PAYMENT-SIGNATURE` (v2).
    pub header_name: String,
    /// The base64 header value.
    pub header_value: String,
}

/// Wraps a transaction built by [`svm_build_transfer`] (its wire bytes) into the payment header
/// for `accepts[accept_index]` of a 402 (JSON text, as for [`crate::client::sign_payment`]):
/// `{"transaction": base64}` in the v1 / v2 envelope (x402 `exact` SVM), v2 echoing
/// `resource`, the entry as `accepted` and `extensions`.
///
/// Errors: `Client` (`accept_index_out_of_range`, `unsupported_scheme`, `unsupported_network`
/// for an entry that is not on Solana, or the transaction's decode code such as
/// `transaction_truncated`: nothing is emitted for bytes a facilitator could not parse); `X402`
/// for an undecodable 402.
#[uniffi::export]
pub fn svm_payment_header(
    payment_required_json: String,
    accept_index: u32,
    transaction: Vec<u8>,
) -> Result<SvmPaymentHeader, Pay402Error> {
    let required = decode(&payment_required_json)?;
    // The JSON echoes parts of the 402 around the base64 transaction; the header is base64 of it.
    let json_len = header::RECOMMENDED_BUFFER_LEN
        .max(payment_required_json.len() + 2 * transaction.len() + 256);
    let mut scratch = vec![0u8; json_len];
    let mut out = vec![0u8; json_len / 3 * 4 + 4];
    let value = write_svm_payment_header(
        &required,
        index(accept_index)?,
        &transaction,
        &mut scratch,
        &mut out,
    )?;
    Ok(SvmPaymentHeader {
        header_name: payment_header_name(required.version()).to_owned(),
        header_value: value.to_owned(),
    })
}

/// The Solana address (base58) of a 32-byte ed25519 seed: the payer that
/// [`svm_build_transfer`] signs as.
///
/// Errors: `InvalidArgument` for a seed that is not 32 bytes.
#[uniffi::export]
pub fn svm_public_key(payer_seed: Vec<u8>) -> Result<String, Pay402Error> {
    let seed: [u8; 32] = array(&payer_seed, "payer_seed")?;
    Ok(PayerKey::from_seed(&seed).pubkey().to_string())
}

/// The associated token account (base58) of `owner` for `mint` under `token_program` (SPL
/// Token or Token-2022): where a payment to `owner` lands.
///
/// Errors: `Svm` with `no_associated_token_account` when no off-curve address exists;
/// `InvalidArgument` for a key that is not base58 of 32 bytes.
#[uniffi::export(default(token_program = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"))]
pub fn svm_associated_token_address(
    owner: String,
    mint: String,
    token_program: String,
) -> Result<String, Pay402Error> {
    associated_token_address(
        &pubkey(&owner, "owner")?,
        &pubkey(&mint, "mint")?,
        &pubkey(&token_program, "token_program")?,
    )
    .map(|key| key.to_string())
    .ok_or_else(|| BuildError::NoAssociatedTokenAccount.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use pay402::svm::client::{DEFAULT_COMPUTE_UNIT_LIMIT, DEFAULT_COMPUTE_UNIT_PRICE};

    #[test]
    fn the_default_token_program_is_spl_token() {
        assert_eq!(
            pubkey("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", "p").ok(),
            Some(pay402::svm::TOKEN_PROGRAM_ID)
        );
        assert_eq!(DEFAULT_COMPUTE_UNIT_LIMIT, 20_000);
        assert_eq!(DEFAULT_COMPUTE_UNIT_PRICE, 1);
    }

    #[test]
    fn amounts_are_decimal_u64() {
        assert_eq!(parse_amount("0").ok(), Some(0));
        assert_eq!(parse_amount("18446744073709551615").ok(), Some(u64::MAX));
        for bad in ["", "01", "-1", "1e3", "18446744073709551616"] {
            assert!(parse_amount(bad).is_err(), "{bad}");
        }
    }
}
