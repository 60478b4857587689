//! The paying side of x402 `exact` on Solana: the partially signed transaction that
//! [`crate::svm::build_transfer`] builds, carried as the scheme payload
//! `{"transaction":"<base64 wire transaction>"}` in `X-PAYMENT` / `PAYMENT-SIGNATURE`
//! (<https://github.com/coinbase/x402/blob/main/specs/schemes/exact/scheme_exact_svm.md>). The facilitator adds the fee payer's signature and submits it.

use crate::json::ObjectWriter;
use crate::svm::Transaction;
use crate::writer::{Writer, write_all};
use crate::x402::client::{ClientError, accepted_entry};
use crate::x402::header;
use crate::x402::network::Network;
use crate::x402::payment_required::PaymentRequired;
use crate::x402::scheme::exact_eip3009::draft::quoted;
use crate::x402::scheme::exact_eip3009::signed::write_envelope;
use crate::x402::scheme::resolve_network;

/// Writes the payment header for `accepts[index]` of `required` with the built transaction into
/// `out`, and returns it; `scratch` receives the JSON on the way (neither is left half-written on
/// error).
///
/// The entry must be `exact` on a Solana network, and `transaction` must decode as a Solana
/// transaction (fail closed: nothing is emitted for bytes a facilitator would refuse to parse).
/// v2 echoes the 402's `resource`, the chosen entry as `accepted` and its `extensions`.
///
/// ```
/// use pay402::svm::{build_transfer, PayerKey, Pubkey, TransferParams, TOKEN_PROGRAM_ID};
/// use pay402::x402::client::write_svm_payment_header;
/// use pay402::x402::{PaymentRequired, Verifier};
///
/// let fee_payer = "J1cezW528jhuvQ5HqUVmLhVFre2PXkE6374HKgtCko5y";
/// let mint = "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU"; // USDC devnet
/// let pay_to = "2wmVCSfPxGPjrnMMn7rchp4uaeoTqN39mXFC2zhPdri9";
/// let entry = format!(r#"{{"scheme":"exact","network":"solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1","amount":"10000","asset":"{mint}","payTo":"{pay_to}","maxTimeoutSeconds":60,"extra":{{"feePayer":"{fee_payer}"}}}}"#);
/// let body = format!(r#"{{"x402Version":2,"resource":{{"url":"https://api.example.com/data"}},"accepts":[{entry}]}}"#);
/// let required = PaymentRequired::from_json(body.as_bytes())?;
///
/// let payer = PayerKey::from_seed(&[7; 32]);
/// let params = TransferParams {
///     fee_payer: Pubkey::parse(fee_payer.as_bytes())?,
///     mint: Pubkey::parse(mint.as_bytes())?,
///     pay_to: Pubkey::parse(pay_to.as_bytes())?,
///     token_program: TOKEN_PROGRAM_ID,
///     amount: 10_000,
///     decimals: 6,
///     memo: b"0123456789abcdef0123456789abcdef",
///     recent_blockhash: [9; 32],
///     compute_unit_limit: 20_000,
///     compute_unit_price: 1,
/// };
/// let mut wire = [0u8; 1232];
/// let transaction = build_transfer(&params, &payer, &mut wire)?;
///
/// let (mut scratch, mut out) = ([0u8; 4096], [0u8; 4096]);
/// let header = write_svm_payment_header(&required, 0, transaction, &mut scratch, &mut out)?;
///
/// // What the facilitator checks offline:
/// let mut buf = [0u8; 4096];
/// let verified = Verifier::default().verify_header(entry.as_bytes(), header.as_bytes(), &mut buf, 0)?;
/// # let _ = verified;
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
pub fn write_svm_payment_header<'o>(
    required: &PaymentRequired<'_>,
    index: usize,
    transaction: &[u8],
    scratch: &mut [u8],
    out: &'o mut [u8],
) -> Result<&'o str, ClientError> {
    let n = write_all(scratch, |w| {
        write_svm_payment_json(w, required, index, transaction)
    })?;
    let json = scratch.get(..n).ok_or(ClientError::BufferTooSmall)?;
    Ok(header::encode(json, out)?)
}

/// Writes the `PaymentPayload` JSON of [`write_svm_payment_header`] into `w`.
pub fn write_svm_payment_json(
    w: &mut Writer<'_>,
    required: &PaymentRequired<'_>,
    index: usize,
    transaction: &[u8],
) -> Result<(), ClientError> {
    let requirements = accepted_entry(required, index)?;
    if !requirements.scheme().eq_str("exact") {
        return Err(ClientError::UnsupportedScheme);
    }
    match resolve_network(requirements.network(), requirements.version()) {
        Some(Network::Solana(_)) => {}
        _ => return Err(ClientError::UnsupportedNetwork),
    }
    Transaction::decode(transaction).map_err(ClientError::Transaction)?;
    let (resource, extensions) = match required {
        PaymentRequired::V1(_) => (None, None),
        PaymentRequired::V2(p) => (Some(&p.resource), p.extensions.as_ref()),
    };
    Ok(write_envelope(
        w,
        &requirements,
        resource,
        extensions,
        |w| {
            let mut p = ObjectWriter::begin(w)?;
            p.field_with("transaction", |w| {
                quoted(w, |w| crate::base64::write(w, transaction))
            })?;
            p.end()
        },
    )?)
}
