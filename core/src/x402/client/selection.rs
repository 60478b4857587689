//! Choosing one `accepts` entry of a 402 under the payer's policy.
//!
//! The reference client keeps the entries whose `(scheme, network)` it has a signer for and takes
//! the first (`x402Client.selectPaymentRequirements`, default selector `accepts[0]`). Here an
//! entry is acceptable when, checked in this order:
//!
//! 1. its scheme is `exact`, its network a known EVM network (v1 name or `eip155:<id>`), and
//!    `extra.assetTransferMethod` is absent, `eip3009`, or `permit2` with
//!    [`PayerPolicy::allow_permit2`] set;
//! 2. for EIP-3009, `extra.name` and `extra.version` are non-empty strings (the EIP-712 domain);
//!    `asset` and `payTo` are EVM addresses (mixed case must be a valid EIP-55 checksum, as
//!    viem's `getAddress` requires);
//! 3. the network is one of [`PayerPolicy::networks`] and the asset one of
//!    [`PayerPolicy::assets`];
//! 4. the amount is at most [`PayerPolicy::max_amount`].
//!
//! The first acceptable entry in offer order wins. When none is, the error is
//! `amount_exceeds_budget` if some entry failed only step 4, else `no_acceptable_requirements`.

use super::ClientError;
use super::DOMAIN_TEXT_CAP;
use crate::evm::Address;
use crate::json::{JsonStr, RawValue};
use crate::u256::U256;
use crate::x402::X402Version;
use crate::x402::network::Network;
use crate::x402::payment_required::PaymentRequired;
use crate::x402::payment_requirements::PaymentRequirements;

pub use crate::x402::default_assets::AssetTransferMethod;

/// What the payer can and will pay.
///
/// ```
/// use pay402::evm::Address;
/// use pay402::x402::client::PayerPolicy;
/// use pay402::x402::Network;
/// use pay402::U256;
///
/// let networks = [Network::Eip155 { chain_id: 84532 }];
/// let assets = [Address::parse(b"0x036CbD53842c5426634e7929541eC2318f3dCF7e")?];
/// let policy = PayerPolicy::new(&networks, &assets, U256::from_u64(50_000));
/// assert!(!policy.allow_permit2);
/// # Ok::<(), pay402::evm::AddressError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayerPolicy<'p> {
    /// Networks the payer holds funds on. A v1 name and its CAIP-2 id resolve to the same
    /// [`Network`], so `base` matches `Network::Eip155 { chain_id: 8453 }`.
    pub networks: &'p [Network],
    /// Token contracts the payer is willing to pay with, on any of `networks`.
    pub assets: &'p [Address],
    /// The most the payer pays for one request, in the token's atomic units. Never exceeded.
    pub max_amount: U256,
    /// Whether Permit2 entries are acceptable. Default `false`. [`super::choose`] with
    /// [`super::Schemes`] selects and [`super::pay_evm`] signs Permit2 (and `upto`) payments.
    pub allow_permit2: bool,
}

impl<'p> PayerPolicy<'p> {
    /// A policy for EIP-3009 payments on `networks` with `assets`, up to `max_amount`.
    pub const fn new(networks: &'p [Network], assets: &'p [Address], max_amount: U256) -> Self {
        Self {
            networks,
            assets,
            max_amount,
            allow_permit2: false,
        }
    }
}

/// The chosen entry.
#[derive(Debug, Clone, Copy)]
pub struct Selection<'a> {
    /// Its index in `accepts`.
    pub index: usize,
    /// The entry itself.
    pub requirements: PaymentRequirements<'a>,
    /// How it is paid.
    pub method: AssetTransferMethod,
    /// The resolved EIP-155 chain id.
    pub chain_id: u64,
}

/// Chooses the first `accepts` entry the payer can pay (see the module documentation).
///
/// ```
/// use pay402::evm::Address;
/// use pay402::x402::client::{select, PayerPolicy};
/// use pay402::x402::{Network, PaymentRequired};
/// use pay402::{ErrorCode, U256};
///
/// // The x402 v2 specification §5.1.1.
/// let body = br#"{"x402Version":2,"resource":{"url":"https://api.example.com/premium-data"},"accepts":[{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}]}"#;
/// let required = PaymentRequired::from_json(body)?;
/// let networks = [Network::Eip155 { chain_id: 84532 }];
/// let assets = [Address::parse(b"0x036cbd53842c5426634e7929541ec2318f3dcf7e")?];
///
/// let chosen = select(&required, &PayerPolicy::new(&networks, &assets, U256::from_u64(10_000)))?;
/// assert_eq!(chosen.index, 0);
///
/// let poor = select(&required, &PayerPolicy::new(&networks, &assets, U256::from_u64(9_999)));
/// assert_eq!(poor.unwrap_err().code(), "amount_exceeds_budget");
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
pub fn select<'a>(
    required: &PaymentRequired<'a>,
    policy: &PayerPolicy<'_>,
) -> Result<Selection<'a>, ClientError> {
    let mut cheapest: Option<U256> = None;
    for index in 0..required.accepts_len() {
        let Some(requirements) = required.accept(index) else {
            break;
        };
        let Ok(offer) = Offer::assess(&requirements) else {
            continue;
        };
        let method_ok = match offer.method {
            AssetTransferMethod::Eip3009 => true,
            AssetTransferMethod::Permit2 => policy.allow_permit2,
        };
        if !method_ok
            || !policy.networks.contains(&offer.network)
            || !policy.assets.contains(&offer.asset)
        {
            continue;
        }
        let amount = requirements.amount();
        if amount > policy.max_amount {
            cheapest = Some(cheapest.map_or(amount, |c| c.min(amount)));
            continue;
        }
        return Ok(Selection {
            index,
            requirements,
            method: offer.method,
            chain_id: offer.chain_id,
        });
    }
    Err(match cheapest {
        Some(cheapest) => ClientError::AmountExceedsBudget {
            cheapest,
            budget: policy.max_amount,
        },
        None => ClientError::NoAcceptableRequirements,
    })
}

/// An entry that passed the protocol checks (steps 1–2): what signing it needs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Offer<'a> {
    pub(crate) network: Network,
    pub(crate) chain_id: u64,
    pub(crate) method: AssetTransferMethod,
    pub(crate) asset: Address,
    pub(crate) pay_to: Address,
    /// `extra.name` and `extra.version`; `None` for Permit2, whose domain is Permit2's own.
    pub(crate) domain: Option<(JsonStr<'a>, JsonStr<'a>)>,
}

impl<'a> Offer<'a> {
    /// Steps 1–2 of the module documentation, failing with the first unmet one.
    pub(crate) fn assess(requirements: &PaymentRequirements<'a>) -> Result<Self, ClientError> {
        if !requirements.scheme().eq_str("exact") {
            return Err(ClientError::UnsupportedScheme);
        }
        let network = resolve_network(requirements.network(), requirements.version())
            .ok_or(ClientError::UnsupportedNetwork)?;
        let chain_id = network.chain_id().ok_or(ClientError::UnsupportedNetwork)?;
        let extra = requirements.extra();
        let method = transfer_method(extra.as_ref())?;
        let domain = match method {
            AssetTransferMethod::Eip3009 => Some(domain(extra.as_ref())?),
            AssetTransferMethod::Permit2 => None,
        };
        Ok(Self {
            network,
            chain_id,
            method,
            asset: address(requirements.asset(), "asset")?,
            pay_to: address(requirements.pay_to(), "payTo")?,
            domain,
        })
    }
}

pub(crate) fn resolve_network(network: JsonStr<'_>, version: X402Version) -> Option<Network> {
    let mut buf = [0u8; 128];
    let text = network.text_in(&mut buf)?;
    match version {
        X402Version::V1 => Network::from_v1_name(text),
        X402Version::V2 => Network::from_caip2(text),
    }
}

pub(crate) fn transfer_method(
    extra: Option<&RawValue<'_>>,
) -> Result<AssetTransferMethod, ClientError> {
    let Some(method) = extra.and_then(|e| e.field("assetTransferMethod").value()) else {
        return Ok(AssetTransferMethod::Eip3009);
    };
    match method.as_str() {
        Some(m) if m.eq_str("eip3009") => Ok(AssetTransferMethod::Eip3009),
        Some(m) if m.eq_str("permit2") => Ok(AssetTransferMethod::Permit2),
        _ => Err(ClientError::UnsupportedAssetTransferMethod),
    }
}

/// `extra.name` and `extra.version`: non-empty strings of at most [`DOMAIN_TEXT_CAP`] bytes.
pub(crate) fn domain<'a>(
    extra: Option<&RawValue<'a>>,
) -> Result<(JsonStr<'a>, JsonStr<'a>), ClientError> {
    let text = |key: &'static str| {
        extra
            .and_then(|e| e.field(key).value())
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty() && s.decoded_len() <= DOMAIN_TEXT_CAP)
            .ok_or(ClientError::MissingEip712Domain)
    };
    Ok((text("name")?, text("version")?))
}

/// `asset` / `payTo` as an address; mixed case must be the EIP-55 checksum (viem `getAddress`).
pub(crate) fn address(text: JsonStr<'_>, field_name: &'static str) -> Result<Address, ClientError> {
    let mut buf = [0u8; 64];
    text.text_in(&mut buf)
        .and_then(|t| Address::parse_checksummed(t.as_bytes()).ok())
        .ok_or(ClientError::InvalidRequirements { field: field_name })
}
