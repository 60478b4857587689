//! The checks an L402 client makes on the invoice of a challenge before paying it (aperture's
//! client checks, `l402/client_interceptor.go`): pure functions of the decoded invoice, the
//! macaroon's payment hash, the user's budget and the clock.

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
#[non_exhaustive]
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

/// Runs aperture's client checks in order: payment hash, network, amount present and within budget,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// BOLT11 spec: "$3 for a cup of coffee … within one minute" (250 000 000 msat, x = 60).
    const COFFEE: &str = "lnbc2500u1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpu9qrsgquk0rl77nj30yxdy8j9vdx85fkpmdla2087ne0xh8nhedh8w27kyke0lp53ut353s06fv3qfegext0eh0ymjpf39tuven09sam30g4vgpfna3rh";
    const TS: u64 = 1_496_314_658;

    fn expectation() -> L402InvoiceExpectation {
        L402InvoiceExpectation {
            payment_hash: crate::hex::decode_array(
                b"0001020304050607080900010203040506070809000102030405060708090102",
            )
            .unwrap(),
            network: Network::Bitcoin,
            budget_msat: 250_000_000,
            now: TS + 59,
        }
    }

    #[test]
    fn accepts_a_matching_affordable_unexpired_invoice() {
        let invoice = Bolt11Invoice::decode(COFFEE).unwrap();
        assert_eq!(check_l402_invoice(&invoice, &expectation()), Ok(()));
    }

    #[test]
    fn rejects_in_order_hash_network_budget_expiry() {
        let invoice = Bolt11Invoice::decode(COFFEE).unwrap();
        let mut e = expectation();
        e.payment_hash[0] ^= 1;
        assert_eq!(
            check_l402_invoice(&invoice, &e).map_err(|e| e.code()),
            Err("invoice_payment_hash_mismatch")
        );
        let mut e = expectation();
        e.network = Network::Testnet;
        assert_eq!(
            check_l402_invoice(&invoice, &e).map_err(|e| e.code()),
            Err("invoice_network_mismatch")
        );
        let mut e = expectation();
        e.budget_msat = 249_999_999;
        assert_eq!(
            check_l402_invoice(&invoice, &e),
            Err(InvoiceCheckError::OverBudget {
                amount_msat: 250_000_000
            })
        );
        let mut e = expectation();
        e.now = TS + 60;
        assert_eq!(
            check_l402_invoice(&invoice, &e),
            Err(InvoiceCheckError::Expired {
                expired_at: TS + 60
            })
        );
    }

    #[test]
    fn an_invoice_without_amount_is_never_within_budget() {
        let donation = Bolt11Invoice::decode("lnbc1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpl2pkx2ctnv5sxxmmwwd5kgetjypeh2ursdae8g6twvus8g6rfwvs8qun0dfjkxaq9qrsgq357wnc5r2ueh7ck6q93dj32dlqnls087fxdwk8qakdyafkq3yap9us6v52vjjsrvywa6rt52cm9r9zqt8r2t7mlcwspyetp5h2tztugp9lfyql").unwrap();
        assert!(!donation.amount_within_budget(u64::MAX));
        assert_eq!(
            check_l402_invoice(&donation, &expectation()),
            Err(InvoiceCheckError::AmountMissing)
        );
    }
}
