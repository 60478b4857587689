//! The checks an L402 client makes on the invoice of a challenge before paying it
//! (l402 spec §15.5): pure functions of the decoded invoice, the macaroon's payment hash, the
//! user's budget and the clock.

use super::hrp::Network;
use super::invoice::Bolt11Invoice;
use crate::error::ErrorCode;

/// What the client expects of the invoice.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct L402InvoiceExpectation {
    /// The payment hash the macaroon identifier commits to (`id[2..34]`).
    pub payment_hash: [u8; 32],
    /// The network the client's node pays on.
    pub network: Network,
    /// The most the client will pay, in msat (aperture's client defaults to 1000 sat).
    pub budget_msat: u64,
    /// Now, in Unix seconds.
    pub now: u64,
}

/// Why an invoice is not one the L402 client should pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvoiceCheckError {
    /// The invoice's payment hash differs from the macaroon's.
    PaymentHashMismatch,
    /// The invoice is for another network.
    NetworkMismatch {
        /// The invoice's network.
        found: Network,
    },
    /// The invoice has no amount.
    AmountMissing,
    /// The amount exceeds the budget.
    OverBudget {
        /// The invoice amount in msat.
        amount_msat: u64,
    },
    /// The invoice expired at `expired_at` (Unix seconds).
    Expired {
        /// `timestamp + expiry`.
        expired_at: u64,
    },
}

impl core::fmt::Display for InvoiceCheckError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::PaymentHashMismatch => {
                f.write_str("invoice payment hash differs from the macaroon's")
            }
            Self::NetworkMismatch { found } => write!(f, "invoice is for network '{found}'"),
            Self::AmountMissing => f.write_str("invoice has no amount"),
            Self::OverBudget { amount_msat } => {
                write!(f, "invoice amount {amount_msat} msat exceeds the budget")
            }
            Self::Expired { expired_at } => write!(f, "invoice expired at {expired_at}"),
        }
    }
}

impl core::error::Error for InvoiceCheckError {}

impl ErrorCode for InvoiceCheckError {
    fn code(&self) -> &'static str {
        match self {
            Self::PaymentHashMismatch => "invoice_payment_hash_mismatch",
            Self::NetworkMismatch { .. } => "invoice_network_mismatch",
            Self::AmountMissing => "invoice_amount_missing",
            Self::OverBudget { .. } => "invoice_over_budget",
            Self::Expired { .. } => "invoice_expired",
        }
    }
}

/// Runs the §15.5 checks in order: payment hash, network, amount present and within budget,
/// not expired.
pub fn check_l402_invoice(
    invoice: &Bolt11Invoice<'_>,
    expected: &L402InvoiceExpectation,
) -> Result<(), InvoiceCheckError> {
    if invoice.payment_hash() != &expected.payment_hash {
        return Err(InvoiceCheckError::PaymentHashMismatch);
    }
    if invoice.network() != expected.network {
        return Err(InvoiceCheckError::NetworkMismatch {
            found: invoice.network(),
        });
    }
    let amount_msat = invoice
        .amount_msat()
        .ok_or(InvoiceCheckError::AmountMissing)?;
    if !invoice.amount_within_budget(expected.budget_msat) {
        return Err(InvoiceCheckError::OverBudget { amount_msat });
    }
    if invoice.is_expired(expected.now) {
        return Err(InvoiceCheckError::Expired {
            expired_at: invoice.expires_at(),
        });
    }
    Ok(())
}
