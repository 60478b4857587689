//! BOLT11 invoices: decode, and the L402 client's pre-payment checks.

use crate::convert::{Bytes, BytesOrHex};
use crate::errors::{CoreError, CoreResult, Kind};
use pay402::bolt11::{
    Bolt11Invoice as CoreInvoice, DecodePolicy, L402InvoiceExpectation, PayeeSource,
};
use pyo3::prelude::*;

/// One hop of a route hint.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RouteHintHop {
    src_node_id: Bytes,
    short_channel_id: u64,
    fee_base_msat: u32,
    fee_proportional_millionths: u32,
    cltv_expiry_delta: u16,
}

/// A fallback on-chain address: `version` (0–16 witness version, 17 P2PKH, 18 P2SH) and the
/// raw `program`.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fallback {
    version: u8,
    program: Bytes,
}

/// A decoded BOLT11 invoice (signature checked, payee known).
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bolt11Invoice {
    invoice: String,
    network: &'static str,
    amount_msat: Option<u64>,
    timestamp: u64,
    payment_hash: Bytes,
    payment_secret: Option<Bytes>,
    description: Option<String>,
    description_hash: Option<Bytes>,
    expiry: u64,
    expires_at: u64,
    min_final_cltv_expiry: u64,
    payee: Bytes,
    payee_source: &'static str,
    features: Option<Bytes>,
    metadata: Option<Bytes>,
    fallbacks: Vec<Fallback>,
    route_hints: Vec<Vec<RouteHintHop>>,
    signature: Bytes,
    require_payment_secret: bool,
}

fn policy(require_payment_secret: bool) -> DecodePolicy {
    DecodePolicy {
        require_payment_secret,
        ..DecodePolicy::default()
    }
}

#[pymethods]
impl Bolt11Invoice {
    /// Decodes and checks an invoice (checksum, signature, required fields, known feature
    /// bits). `require_payment_secret=False` reads pre-2021 invoices. Raises `Bolt11Error`.
    #[staticmethod]
    #[pyo3(signature = (invoice, *, require_payment_secret=true))]
    pub(crate) fn decode(invoice: &str, require_payment_secret: bool) -> PyResult<Self> {
        let inv = CoreInvoice::decode_with(invoice, &policy(require_payment_secret)).py()?;
        let description = match inv.description() {
            None => None,
            Some(d) => {
                let mut buf = vec![0u8; d.len()];
                Some(d.to_str(&mut buf).py()?.to_owned())
            }
        };
        let features = match inv.features() {
            None => None,
            Some(f) => {
                let mut buf = [0u8; 640];
                Some(Bytes(f.to_bytes(&mut buf).py()?.to_vec()))
            }
        };
        Ok(Self {
            invoice: invoice.to_owned(),
            network: inv.network().prefix(),
            amount_msat: inv.amount_msat(),
            timestamp: inv.timestamp(),
            payment_hash: Bytes(inv.payment_hash().to_vec()),
            payment_secret: inv.payment_secret().map(|s| Bytes(s.to_vec())),
            description,
            description_hash: inv.description_hash().map(|h| Bytes(h.to_vec())),
            expiry: inv.expiry(),
            expires_at: inv.expires_at(),
            min_final_cltv_expiry: inv.min_final_cltv_expiry(),
            payee: Bytes(inv.payee().to_vec()),
            payee_source: match inv.payee_source() {
                PayeeSource::Field => "field",
                PayeeSource::Recovered => "recovered",
            },
            features,
            metadata: inv.metadata().map(|m| Bytes(m.bytes().collect())),
            fallbacks: inv
                .fallbacks()
                .map(|f| Fallback {
                    version: f.version,
                    program: Bytes(f.program.bytes().collect()),
                })
                .collect(),
            route_hints: inv
                .route_hints()
                .map(|r| {
                    r.hops()
                        .map(|h| RouteHintHop {
                            src_node_id: Bytes(h.src_node_id.to_vec()),
                            short_channel_id: h.short_channel_id,
                            fee_base_msat: h.fee_base_msat,
                            fee_proportional_millionths: h.fee_proportional_millionths,
                            cltv_expiry_delta: h.cltv_expiry_delta,
                        })
                        .collect()
                })
                .collect(),
            signature: Bytes(inv.signature().to_vec()),
            require_payment_secret,
        })
    }

    /// `True` once `now` (unix seconds) reaches `timestamp + expiry`.
    fn is_expired(&self, now: u64) -> bool {
        now >= self.expires_at
    }

    /// `True` when the description hash commits to `description`.
    fn description_hash_matches(&self, description: &[u8]) -> PyResult<bool> {
        let inv =
            CoreInvoice::decode_with(&self.invoice, &policy(self.require_payment_secret)).py()?;
        Ok(inv.description_hash_matches(description))
    }

    /// The L402 client's checks before paying (as aperture's client): payment hash, network, amount
    /// present and within `budget_msat`, not expired. Raises `Bolt11Error`
    /// `invoice_payment_hash_mismatch`, `invoice_network_mismatch`, `invoice_amount_missing`,
    /// `invoice_over_budget`, `invoice_expired`.
    #[pyo3(signature = (*, payment_hash, network, budget_msat, now))]
    fn check_l402(
        &self,
        payment_hash: BytesOrHex,
        network: &str,
        budget_msat: u64,
        now: u64,
    ) -> PyResult<()> {
        let inv =
            CoreInvoice::decode_with(&self.invoice, &policy(self.require_payment_secret)).py()?;
        let network = network_from_prefix(network)?;
        pay402::bolt11::check_l402_invoice(
            &inv,
            &L402InvoiceExpectation {
                payment_hash: payment_hash.array::<32>("payment_hash")?,
                network,
                budget_msat,
                now,
            },
        )
        .py()
    }

    fn __str__(&self) -> String {
        self.invoice.clone()
    }

    fn __repr__(&self) -> String {
        format!(
            "Bolt11Invoice(network={:?}, amount_msat={:?}, payment_hash={:?})",
            self.network,
            self.amount_msat,
            crate::convert::to_0x(&self.payment_hash.0)
        )
    }
}

/// A network given by its BOLT11 prefix (`bc`, `tb`, `tbs`, `bcrt`, `sb`); `Bolt11Error`
/// `bolt11_unknown_network` otherwise.
pub(crate) fn network_from_prefix(network: &str) -> PyResult<pay402::bolt11::Network> {
    [
        pay402::bolt11::Network::Bitcoin,
        pay402::bolt11::Network::Testnet,
        pay402::bolt11::Network::Signet,
        pay402::bolt11::Network::Regtest,
        pay402::bolt11::Network::Simnet,
    ]
    .into_iter()
    .find(|n| n.prefix() == network)
    .ok_or_else(|| {
        PyErr::from(CoreError::custom(
            Kind::Bolt11,
            "bolt11_unknown_network",
            format!("unknown network prefix {network:?} (bc, tb, tbs, bcrt, sb)"),
        ))
    })
}

/// Decodes a BOLT11 invoice (`Bolt11Invoice.decode`).
#[pyfunction]
#[pyo3(name = "bolt11_decode", signature = (invoice, *, require_payment_secret=true))]
pub(crate) fn decode_bolt11(
    invoice: &str,
    require_payment_secret: bool,
) -> PyResult<Bolt11Invoice> {
    Bolt11Invoice::decode(invoice, require_payment_secret)
}

/// Registers the BOLT11 items.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Bolt11Invoice>()?;
    m.add_class::<RouteHintHop>()?;
    m.add_class::<Fallback>()?;
    m.add_function(wrap_pyfunction!(decode_bolt11, m)?)?;
    Ok(())
}
