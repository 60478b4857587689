//! Settlement: the facilitator `/settle` request for an admission, the charge of an `upto`
//! payment, the classification of a `/settle` result and the receipt header.
//!
//! Facilitator API (<https://github.com/coinbase/x402/blob/main/specs/x402-specification-v2.md>,
//! facilitator interface): `POST /settle` with `{x402Version, paymentPayload,
//! paymentRequirements}`; for `upto` the requirements' `amount` is the actual charge, at most
//! the signed maximum (<https://github.com/coinbase/x402/blob/main/specs/schemes/upto/scheme_upto_evm.md>).
//! The receipt is the base64 of the `SettleResponse` JSON in `PAYMENT-RESPONSE` (v2) or
//! `X-PAYMENT-RESPONSE` (v1) (the HTTP transports). A result with `success: false`,
//! `errorReason: "settlement_pending"` and a transaction hash is not final: the reference
//! resource server (`settleWithPendingRetry` in
//! <https://github.com/coinbase/x402/blob/main/typescript/packages/core/src/server/x402ResourceServer.ts>)
//! settles once more.

use super::admission::Admission;
use super::challenge::Resource;
use super::error::ServerError;
use super::offer::{OfferScheme, OfferSet};
use crate::json::ObjectWriter;
use crate::u256::U256;
use crate::writer::{Writer, write_all};
use crate::x402::{PaymentPayload, SettleResponse, X402Version, header};

/// The `errorReason` of a settlement that was broadcast but not yet confirmed.
pub const SETTLEMENT_PENDING: &str = "settlement_pending";

/// The amount to charge: the offer's amount for `exact` (`reported` must be `None`), and for
/// `upto` the amount the handler reports (usage-based), never above the signed maximum; `None`
/// charges the maximum.
///
/// Errors: `settle_amount_exceeds_maximum`, `settle_amount_not_allowed` (an amount reported
/// for an `exact` offer), `no_offers` (the admission's offer is not in this set).
pub fn settle_amount<const N: usize>(
    offers: &OfferSet<'_, N>,
    admission: &Admission<'_>,
    reported: Option<U256>,
) -> Result<U256, ServerError> {
    charge_of(
        offers,
        admission.offer_index,
        admission.max_amount,
        reported,
    )
}

/// [`settle_amount`] from the admission's offer index and signed amount.
fn charge_of<const N: usize>(
    offers: &OfferSet<'_, N>,
    offer_index: usize,
    max_amount: U256,
    reported: Option<U256>,
) -> Result<U256, ServerError> {
    let offer = offers.get(offer_index).ok_or(ServerError::NoOffers)?;
    match (offer.offer().scheme, reported) {
        (OfferScheme::UptoPermit2 { .. }, Some(amount)) if amount > max_amount => {
            Err(ServerError::SettleAmountAboveMaximum)
        }
        (OfferScheme::UptoPermit2 { .. }, Some(amount)) => Ok(amount),
        (_, None) => Ok(offer.offer().amount),
        (_, Some(_)) => Err(ServerError::SettleAmountNotAllowed),
    }
}

/// Writes the `/settle` request body `{"x402Version":…,"paymentPayload":…,"paymentRequirements":…}`
/// for `admission`: the payment as decoded, and the requirements of the offer it paid with the
/// charge of [`settle_amount`] as amount. `resource` fills the v1 requirements' `resource`,
/// `description` and `mimeType`. Nothing is left written on error.
pub fn write_settle_request<const N: usize>(
    offers: &OfferSet<'_, N>,
    admission: &Admission<'_>,
    resource: &Resource<'_>,
    reported: Option<U256>,
    out: &mut [u8],
) -> Result<usize, ServerError> {
    write_settle_terms(
        offers,
        SettleTerms {
            offer_index: admission.offer_index,
            version: admission.version,
            payment: &admission.payment,
            max_amount: admission.max_amount,
        },
        resource,
        reported,
        out,
    )
}

/// What a `/settle` body needs of an admission: a WS402 session restored from its sealed record
/// has these (the payment decoded again from the stored header) but not the verifier's verdict.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SettleTerms<'a, 'b> {
    pub(crate) offer_index: usize,
    pub(crate) version: X402Version,
    pub(crate) payment: &'a PaymentPayload<'b>,
    pub(crate) max_amount: U256,
}

/// [`write_settle_request`] from [`SettleTerms`].
pub(crate) fn write_settle_terms<const N: usize>(
    offers: &OfferSet<'_, N>,
    terms: SettleTerms<'_, '_>,
    resource: &Resource<'_>,
    reported: Option<U256>,
    out: &mut [u8],
) -> Result<usize, ServerError> {
    let amount = charge_of(offers, terms.offer_index, terms.max_amount, reported)?;
    let offer = offers.get(terms.offer_index).ok_or(ServerError::NoOffers)?;
    let v1_network = match terms.version {
        X402Version::V1 => Some(
            offer
                .v1_network()
                .ok_or(ServerError::SchemeNetworkMismatch)?,
        ),
        X402Version::V2 => None,
    };
    Ok(write_all(out, |w: &mut Writer<'_>| {
        let mut o = ObjectWriter::begin(w)?;
        o.field_u64("x402Version", terms.version.number())?;
        o.field_with("paymentPayload", |w| terms.payment.write_json(w))?;
        o.field_with("paymentRequirements", |w| match v1_network {
            Some(network) => offer.write_v1_entry(w, network, resource, &amount),
            None => offer.write_v2_entry(w, &amount),
        })?;
        o.end()
    })?)
}

/// What a `/settle` result means for the exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettleVerdict {
    /// `success: true`: serve, with the receipt.
    Settled,
    /// `success: false` with a final reason: withhold the content, release the reservation.
    Refused,
    /// `settlement_pending` with a transaction hash: the outcome is not known yet.
    Pending,
}

impl SettleVerdict {
    /// Classifies a facilitator's `SettleResponse`.
    ///
    /// ```
    /// use pay402::x402::SettleResponse;
    /// use pay402::x402::server::SettleVerdict;
    /// let pending = br#"{"success":false,"errorReason":"settlement_pending","transaction":"0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef","network":"eip155:8453"}"#;
    /// assert_eq!(SettleVerdict::of(&SettleResponse::from_json(pending)?), SettleVerdict::Pending);
    /// let empty_tx = br#"{"success":false,"errorReason":"settlement_pending","transaction":"","network":"eip155:8453"}"#;
    /// assert_eq!(SettleVerdict::of(&SettleResponse::from_json(empty_tx)?), SettleVerdict::Refused);
    /// # Ok::<(), pay402::x402::DecodeError>(())
    /// ```
    pub fn of(response: &SettleResponse<'_>) -> Self {
        if response.success {
            return Self::Settled;
        }
        let pending = response
            .error_reason
            .is_some_and(|r| r.eq_str(SETTLEMENT_PENDING));
        let has_transaction = response.transaction.is_some_and(|t| !t.is_empty());
        if pending && has_transaction {
            Self::Pending
        } else {
            Self::Refused
        }
    }
}

/// The receipt header's name: `PAYMENT-RESPONSE` (v2) or `X-PAYMENT-RESPONSE` (v1).
pub const fn receipt_header_name(version: X402Version) -> &'static str {
    match version {
        X402Version::V1 => header::X_PAYMENT_RESPONSE,
        X402Version::V2 => header::PAYMENT_RESPONSE,
    }
}

/// Writes the receipt header value (base64 of the `SettleResponse` JSON, as received from the
/// facilitator, re-encoded canonically) into `out`, using `scratch` for the JSON. Both buffers
/// are left zeroed on error.
pub fn write_receipt<'o>(
    response: &SettleResponse<'_>,
    scratch: &mut [u8],
    out: &'o mut [u8],
) -> Result<&'o str, ServerError> {
    let len = write_all(scratch, |w| response.write_json(w))?;
    let encoded = scratch
        .get(..len)
        .map(|json| header::encode(json, out).map(str::len));
    if let Some(json) = scratch.get_mut(..len) {
        json.fill(0);
    }
    match encoded {
        Some(Ok(n)) => out
            .get(..n)
            .and_then(|b| core::str::from_utf8(b).ok())
            .ok_or(ServerError::BufferTooSmall),
        _ => Err(ServerError::BufferTooSmall),
    }
}
