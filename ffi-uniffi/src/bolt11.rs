//! BOLT11 invoices: decode and check the signature (the payee key is recovered or read from
//! the `n` field).

use crate::Pay402Error;
use pay402::bolt11::{Bolt11Invoice, DecodePolicy, Network};

/// The Lightning network of an invoice, by its bech32 prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LightningNetwork {
    /// `bc`: Bitcoin mainnet.
    Bitcoin,
    /// `tb`: testnet.
    Testnet,
    /// `tbs`: signet.
    Signet,
    /// `bcrt`: regtest.
    Regtest,
    /// `sb`: simnet.
    Simnet,
}

impl From<Network> for LightningNetwork {
    fn from(network: Network) -> Self {
        match network {
            Network::Bitcoin => Self::Bitcoin,
            Network::Testnet => Self::Testnet,
            Network::Signet => Self::Signet,
            Network::Regtest => Self::Regtest,
            Network::Simnet => Self::Simnet,
        }
    }
}

impl From<LightningNetwork> for Network {
    fn from(network: LightningNetwork) -> Self {
        match network {
            LightningNetwork::Bitcoin => Self::Bitcoin,
            LightningNetwork::Testnet => Self::Testnet,
            LightningNetwork::Signet => Self::Signet,
            LightningNetwork::Regtest => Self::Regtest,
            LightningNetwork::Simnet => Self::Simnet,
        }
    }
}

/// A fallback on-chain address (`f` field).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Bolt11Fallback {
    /// The witness version (or 17/18 for P2PKH/P2SH).
    pub version: u8,
    /// The program / hash bytes.
    pub program: Vec<u8>,
}

/// One hop of a private route hint (`r` field).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Bolt11RouteHop {
    /// The 33-byte public key of the hop's source node.
    pub src_node_id: Vec<u8>,
    /// The short channel id.
    pub short_channel_id: u64,
    /// Base fee (msat).
    pub fee_base_msat: u32,
    /// Proportional fee (millionths).
    pub fee_proportional_millionths: u32,
    /// CLTV expiry delta.
    pub cltv_expiry_delta: u16,
}

/// A private route: hops in order.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Bolt11RouteHint {
    /// The hops.
    pub hops: Vec<Bolt11RouteHop>,
}

/// A decoded, signature-checked BOLT11 invoice.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Bolt11Info {
    /// The network.
    pub network: LightningNetwork,
    /// The amount in millisatoshi; `None` for an any-amount invoice.
    pub amount_msat: Option<u64>,
    /// Creation time (unix seconds).
    pub timestamp: u64,
    /// The 32-byte payment hash.
    pub payment_hash: Vec<u8>,
    /// The 32-byte payment secret (`s`).
    pub payment_secret: Option<Vec<u8>>,
    /// The description (`d`).
    pub description: Option<String>,
    /// The 32-byte description hash (`h`).
    pub description_hash: Option<Vec<u8>>,
    /// Expiry in seconds after `timestamp` (default 3600).
    pub expiry: u64,
    /// `min_final_cltv_expiry_delta` (default 18).
    pub min_final_cltv_expiry: u64,
    /// The 33-byte payee public key.
    pub payee: Vec<u8>,
    /// The feature bits (`9`), big-endian bytes.
    pub features: Option<Vec<u8>>,
    /// The payment metadata (`m`).
    pub metadata: Option<Vec<u8>>,
    /// Fallback addresses.
    pub fallbacks: Vec<Bolt11Fallback>,
    /// Private route hints.
    pub route_hints: Vec<Bolt11RouteHint>,
}

impl Bolt11Info {
    pub(crate) fn of(invoice: &Bolt11Invoice<'_>) -> Result<Self, Pay402Error> {
        let description = match invoice.description() {
            Some(d) => {
                let mut buf = vec![0u8; d.len()];
                Some(d.to_str(&mut buf)?.to_owned())
            }
            None => None,
        };
        let features = match invoice.features() {
            Some(f) => {
                let mut buf = [0u8; 640];
                Some(f.to_bytes(&mut buf)?.to_vec())
            }
            None => None,
        };
        Ok(Self {
            network: invoice.network().into(),
            amount_msat: invoice.amount_msat(),
            timestamp: invoice.timestamp(),
            payment_hash: invoice.payment_hash().to_vec(),
            payment_secret: invoice.payment_secret().map(|s| s.to_vec()),
            description,
            description_hash: invoice.description_hash().map(|h| h.to_vec()),
            expiry: invoice.expiry(),
            min_final_cltv_expiry: invoice.min_final_cltv_expiry(),
            payee: invoice.payee().to_vec(),
            features,
            metadata: invoice.metadata().map(|m| m.bytes().collect()),
            fallbacks: invoice
                .fallbacks()
                .map(|f| Bolt11Fallback {
                    version: f.version,
                    program: f.program.bytes().collect(),
                })
                .collect(),
            route_hints: invoice
                .route_hints()
                .map(|r| Bolt11RouteHint {
                    hops: r
                        .hops()
                        .map(|h| Bolt11RouteHop {
                            src_node_id: h.src_node_id.to_vec(),
                            short_channel_id: h.short_channel_id,
                            fee_base_msat: h.fee_base_msat,
                            fee_proportional_millionths: h.fee_proportional_millionths,
                            cltv_expiry_delta: h.cltv_expiry_delta,
                        })
                        .collect(),
                })
                .collect(),
        })
    }
}

/// Decodes a BOLT11 invoice and checks its signature. `require_payment_secret` (BOLT11 today:
/// true) rejects invoices without `s`.
///
/// Errors: `Bolt11` with `bolt11_bad_checksum`, `bolt11_missing_payment_secret`, …
#[uniffi::export(default(require_payment_secret = true))]
pub fn bolt11_decode(
    invoice: String,
    require_payment_secret: bool,
) -> Result<Bolt11Info, Pay402Error> {
    let policy = DecodePolicy {
        require_payment_secret,
        ..DecodePolicy::default()
    };
    Bolt11Info::of(&Bolt11Invoice::decode_with(&invoice, &policy)?)
}
