//! Prepared offers: the ways a resource can be paid, validated once when the server starts.
//!
//! An [`Offer`] is typed configuration (scheme, network, asset, amount, `payTo`, timeout and the
//! scheme's own parameters). [`Offer::prepare`] checks it once and returns a [`PreparedOffer`],
//! which holds the resolved [`Network`], the EIP-712 domain separator of the scheme (precomputed)
//! and writes the offer as a `PaymentRequirements` entry of either version. An [`OfferSet`] holds
//! up to `N` prepared offers in fixed capacity.
//!
//! Guarantees: a [`PreparedOffer`] has a known network of the scheme's family, a parseable asset
//! and `payTo` (EVM addresses or Solana public keys), a positive amount and timeout, and a
//! non-empty EIP-712 `name`/`version` where the scheme signs with the token's domain; every
//! string it writes is valid JSON. Wire shapes follow the x402 specifications:
//! <https://github.com/coinbase/x402/blob/main/specs/x402-specification-v2.md> (§5.1.2
//! `PaymentRequirements`), the v1 specification
//! <https://github.com/coinbase/x402/blob/main/specs/x402-specification-v1.md>, and the schemes
//! <https://github.com/coinbase/x402/blob/main/specs/schemes/exact/scheme_exact_evm.md>
//! (`extra.name`/`extra.version`, `extra.assetTransferMethod`),
//! <https://github.com/coinbase/x402/blob/main/specs/schemes/upto/scheme_upto_evm.md>
//! (`extra.facilitatorAddress`) and
//! <https://github.com/coinbase/x402/blob/main/specs/schemes/exact/scheme_exact_svm.md>
//! (`extra.feePayer`).

use super::error::{KeyIssue, ServerError};
use crate::error::BufferTooSmall;
use crate::evm::permit2::permit2_domain;
use crate::evm::{Address, Eip712Domain};
use crate::json::{JsonStr, ObjectWriter, RawValue, write_string, write_u64};
#[cfg(feature = "svm")]
use crate::svm::Pubkey;
use crate::u256::U256;
use crate::writer::{Writer, write_all};
use crate::x402::X402Version;
use crate::x402::network::Network;
use crate::x402::payment_requirements::PaymentRequirementsV2;

/// Longest EIP-712 `name`/`version` an offer accepts, in bytes: the verifier's own cap.
pub const MAX_DOMAIN_TEXT: usize = 256;

/// The scheme of an offer and the parameters only that scheme has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferScheme<'a> {
    /// `exact` on EVM with EIP-3009 `transferWithAuthorization`: the token's EIP-712 domain
    /// `name` and `version` (written to `extra`; for USDC on Base Sepolia `USDC` / `2`).
    ExactEip3009 {
        /// The token's EIP-712 domain `name`.
        name: &'a str,
        /// The token's EIP-712 domain `version`.
        version: &'a str,
    },
    /// `exact` on EVM with a Permit2 witness transfer (`extra.assetTransferMethod: "permit2"`).
    /// x402 v2 only.
    ExactPermit2,
    /// `upto` on EVM with Permit2: the payer signs a maximum (the offer's amount) bound to one
    /// facilitator, whose address is written to `extra.facilitatorAddress`. x402 v2 only.
    UptoPermit2 {
        /// The facilitator's address (`0x` + 40 hex digits).
        facilitator: &'a str,
    },
    /// `exact` on Solana: the fee payer (a facilitator signer) written to `extra.feePayer`.
    #[cfg(feature = "svm")]
    ExactSvm {
        /// The fee payer's base58 public key.
        fee_payer: &'a str,
    },
}

impl OfferScheme<'_> {
    /// The wire `scheme`: `exact` or `upto`.
    pub const fn name(&self) -> &'static str {
        match self {
            Self::UptoPermit2 { .. } => "upto",
            _ => "exact",
        }
    }

    const fn is_evm(&self) -> bool {
        match self {
            Self::ExactEip3009 { .. } | Self::ExactPermit2 | Self::UptoPermit2 { .. } => true,
            #[cfg(feature = "svm")]
            Self::ExactSvm { .. } => false,
        }
    }
}

/// One way to pay, as configured: what [`Offer::prepare`] validates.
///
/// `network` is either form ([`Network::parse`]): a v1 name (`base-sepolia`) or a CAIP-2 id
/// (`eip155:84532`). `asset`, `pay_to` are written as given (EVM: `0x` + 40 hex digits in any
/// case; Solana: base58). `amount` is in the token's atomic units; for `upto` it is the maximum
/// the payer signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer<'a> {
    /// The scheme and its parameters.
    pub scheme: OfferScheme<'a>,
    /// The network, a v1 name or a CAIP-2 id.
    pub network: &'a str,
    /// The token contract (EVM) or SPL mint (Solana).
    pub asset: &'a str,
    /// The price in atomic units (`upto`: the maximum).
    pub amount: U256,
    /// The recipient.
    pub pay_to: &'a str,
    /// `maxTimeoutSeconds`: how long a signed payment stays acceptable.
    pub max_timeout_seconds: u64,
}

/// A validated [`Offer`] with its network resolved and its EIP-712 domain separator computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreparedOffer<'a> {
    offer: Offer<'a>,
    network: Network,
    domain_separator: Option<[u8; 32]>,
}

impl<'a> Offer<'a> {
    /// Validates the offer once and precomputes what verification signs over.
    ///
    /// Checks, in order: the network is known (`unknown_network`) and of the scheme's family
    /// (`scheme_network_mismatch`); the amount (`invalid_amount`) and `maxTimeoutSeconds`
    /// (`invalid_max_timeout_seconds`) are positive; `asset` (`invalid_asset`) and `payTo`
    /// (`invalid_pay_to`) parse as the network's keys; then the scheme's own parameters
    /// (`invalid_eip712_domain`, `invalid_facilitator_address`, `invalid_fee_payer`).
    ///
    /// The domain separator is the token's EIP-712 domain `{name, version, chainId,
    /// verifyingContract: asset}` for EIP-3009 and the Permit2 domain `{name: "Permit2",
    /// chainId, verifyingContract: Permit2}` for both Permit2 schemes; Solana signs no typed data.
    ///
    /// ```
    /// use pay402::x402::server::{Offer, OfferScheme};
    /// use pay402::U256;
    /// let offer = Offer {
    ///     scheme: OfferScheme::ExactEip3009 { name: "USDC", version: "2" },
    ///     network: "eip155:84532",
    ///     asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
    ///     amount: U256::from_u64(10_000),
    ///     pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
    ///     max_timeout_seconds: 60,
    /// };
    /// let prepared = offer.prepare()?;
    /// // The x402 spec's EIP-3009 example signs under this domain separator (0x71f17a3b…).
    /// assert_eq!(prepared.domain_separator().map(|s| s[..4] == [0x71, 0xf1, 0x7a, 0x3b]), Some(true));
    ///
    /// let free = Offer { amount: U256::ZERO, ..offer };
    /// assert_eq!(pay402::ErrorCode::code(&free.prepare().unwrap_err()), "invalid_amount");
    /// # Ok::<(), pay402::x402::server::ServerError>(())
    /// ```
    pub fn prepare(self) -> Result<PreparedOffer<'a>, ServerError> {
        let network = Network::parse(self.network).ok_or(ServerError::UnknownNetwork)?;
        let chain_id = match (network, self.scheme.is_evm()) {
            (Network::Eip155 { chain_id }, true) => Some(chain_id),
            (Network::Solana(_), false) => None,
            _ => return Err(ServerError::SchemeNetworkMismatch),
        };
        if self.amount == U256::ZERO {
            return Err(ServerError::ZeroAmount);
        }
        if self.max_timeout_seconds == 0 {
            return Err(ServerError::ZeroTimeout);
        }
        let domain_separator = if let Some(chain_id) = chain_id {
            let asset = Address::parse(self.asset.as_bytes())
                .map_err(|e| ServerError::Asset(KeyIssue::Address(e)))?;
            Address::parse(self.pay_to.as_bytes())
                .map_err(|e| ServerError::PayTo(KeyIssue::Address(e)))?;
            Some(self.evm_separator(chain_id, asset)?)
        } else {
            self.check_svm()?;
            None
        };
        Ok(PreparedOffer {
            offer: self,
            network,
            domain_separator,
        })
    }

    fn evm_separator(&self, chain_id: u64, asset: Address) -> Result<[u8; 32], ServerError> {
        match self.scheme {
            OfferScheme::ExactEip3009 { name, version } => {
                let fits = |s: &str| !s.is_empty() && s.len() <= MAX_DOMAIN_TEXT;
                if !fits(name) || !fits(version) {
                    return Err(ServerError::Eip712Domain);
                }
                Ok(Eip712Domain {
                    name: Some(name),
                    version: Some(version),
                    chain_id: Some(chain_id),
                    verifying_contract: Some(asset),
                }
                .separator())
            }
            OfferScheme::ExactPermit2 => Ok(permit2_domain(chain_id).separator()),
            OfferScheme::UptoPermit2 { facilitator } => {
                Address::parse(facilitator.as_bytes()).map_err(ServerError::FacilitatorAddress)?;
                Ok(permit2_domain(chain_id).separator())
            }
            #[cfg(feature = "svm")]
            OfferScheme::ExactSvm { .. } => Err(ServerError::SchemeNetworkMismatch),
        }
    }

    #[cfg(feature = "svm")]
    fn check_svm(&self) -> Result<(), ServerError> {
        Pubkey::parse(self.asset.as_bytes())
            .map_err(|e| ServerError::Asset(KeyIssue::Pubkey(e)))?;
        Pubkey::parse(self.pay_to.as_bytes())
            .map_err(|e| ServerError::PayTo(KeyIssue::Pubkey(e)))?;
        if let OfferScheme::ExactSvm { fee_payer } = self.scheme {
            Pubkey::parse(fee_payer.as_bytes()).map_err(ServerError::FeePayer)?;
        }
        Ok(())
    }

    #[cfg(not(feature = "svm"))]
    #[allow(
        clippy::unused_self,
        clippy::unnecessary_wraps,
        reason = "without `svm` no offer reaches a Solana network"
    )]
    fn check_svm(&self) -> Result<(), ServerError> {
        Err(ServerError::SchemeNetworkMismatch)
    }
}

impl<'a> PreparedOffer<'a> {
    /// The configuration this offer was prepared from.
    pub const fn offer(&self) -> &Offer<'a> {
        &self.offer
    }

    /// The resolved network.
    pub const fn network(&self) -> Network {
        self.network
    }

    /// The EIP-712 domain separator the payer signs under: the token's domain for `exact`
    /// EIP-3009, the Permit2 domain for `exact`/`upto` Permit2, `None` on Solana.
    ///
    /// Admission ([`super::admit`]) signs the EIP-3009 digest with it instead of hashing the
    /// domain again; the Permit2 checks still derive the Permit2 domain themselves.
    pub const fn domain_separator(&self) -> Option<[u8; 32]> {
        self.domain_separator
    }

    /// Whether the offer can be sold under `version`: v2 sells every scheme; v1 sells `exact`
    /// EIP-3009 and `exact` Solana on networks that have a v1 name (Permit2 and `upto` are
    /// v2-only, as the `exact` EVM scheme specification says).
    pub fn sold_in(&self, version: X402Version) -> bool {
        match version {
            X402Version::V2 => true,
            X402Version::V1 => {
                let v1_scheme = match self.offer.scheme {
                    OfferScheme::ExactEip3009 { .. } => true,
                    OfferScheme::ExactPermit2 | OfferScheme::UptoPermit2 { .. } => false,
                    #[cfg(feature = "svm")]
                    OfferScheme::ExactSvm { .. } => true,
                };
                v1_scheme && self.network.v1_name().is_some()
            }
        }
    }

    /// Writes the v2 `PaymentRequirements` object in the spec's key order: `scheme`, `network`
    /// (CAIP-2), `amount`, `asset`, `payTo`, `maxTimeoutSeconds`, `extra`.
    ///
    /// ```
    /// use pay402::x402::server::{Offer, OfferScheme};
    /// use pay402::writer::{write_all, Writer};
    /// use pay402::U256;
    /// let prepared = Offer {
    ///     scheme: OfferScheme::ExactEip3009 { name: "USDC", version: "2" },
    ///     network: "base-sepolia",
    ///     asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
    ///     amount: U256::from_u64(10_000),
    ///     pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
    ///     max_timeout_seconds: 60,
    /// }
    /// .prepare()?;
    /// let mut buf = [0u8; 512];
    /// let n = write_all(&mut buf, |w: &mut Writer<'_>| prepared.write_requirements_v2(w))?;
    /// // The accepts[0] of the x402 v2 specification's PaymentRequired example.
    /// assert_eq!(
    ///     core::str::from_utf8(&buf[..n]).unwrap_or(""),
    ///     r#"{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}"#
    /// );
    /// # Ok::<(), pay402::x402::server::ServerError>(())
    /// ```
    pub fn write_requirements_v2(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        self.write_v2_entry(w, &self.offer.amount)
    }

    /// The v2 entry with `amount` in place of the offer's (an `upto` settlement's charge).
    pub(super) fn write_v2_entry(
        &self,
        w: &mut Writer<'_>,
        amount: &U256,
    ) -> Result<(), BufferTooSmall> {
        self.write_v2_entry_spans(w, amount).map(|_| ())
    }

    /// [`PreparedOffer::write_v2_entry`], returning where each value it wrote lies in `w`.
    fn write_v2_entry_spans(
        &self,
        w: &mut Writer<'_>,
        amount: &U256,
    ) -> Result<EntrySpans, BufferTooSmall> {
        let mut spans = EntrySpans::default();
        // Records the span of the value `write` puts into the writer.
        let span =
            |w: &mut Writer<'_>,
             at: &mut (usize, usize),
             write: &dyn Fn(&mut Writer<'_>) -> Result<(), BufferTooSmall>| {
                let start = w.len();
                write(w)?;
                *at = (start, w.len());
                Ok(())
            };
        let mut o = ObjectWriter::begin(w)?;
        o.field_with("scheme", |w| {
            span(w, &mut spans.scheme, &|w| {
                write_string(w, self.offer.scheme.name())
            })
        })?;
        o.field_with("network", |w| {
            span(w, &mut spans.network, &|w| self.write_caip2(w))
        })?;
        o.field_with("amount", |w| write_amount(w, amount))?;
        o.field_with("asset", |w| {
            span(w, &mut spans.asset, &|w| write_string(w, self.offer.asset))
        })?;
        o.field_with("payTo", |w| {
            span(w, &mut spans.pay_to, &|w| {
                write_string(w, self.offer.pay_to)
            })
        })?;
        o.field_u64("maxTimeoutSeconds", self.offer.max_timeout_seconds)?;
        o.field_with("extra", |w| {
            span(w, &mut spans.extra, &|w| self.write_extra(w))
        })?;
        o.end()?;
        Ok(spans)
    }

    /// The v2 requirements of this offer as the verifier reads them, written into `scratch`
    /// ([`PreparedOffer::write_requirements_v2`]) and read back without parsing: the fields are
    /// the offer's own values and the JSON texts (`extra` and the whole entry, which the v2
    /// `accepted` comparison reads) are the ones written. The same values as
    /// `PaymentRequirementsV2::from_json_value` of the written text, without validating and
    /// indexing text this crate wrote itself. `None` when `scratch` is too small.
    pub(crate) fn requirements_v2<'s>(
        &self,
        scratch: &'s mut [u8],
    ) -> Option<PaymentRequirementsV2<'s>>
    where
        'a: 's,
    {
        let mut spans = None;
        let len = write_all(scratch, |w| {
            spans = Some(self.write_v2_entry_spans(w, &self.offer.amount)?);
            Ok::<(), BufferTooSmall>(())
        })
        .ok()?;
        let spans = spans?;
        let text = core::str::from_utf8(scratch.get(..len)?).ok()?;
        // A string value's content, between its quotes.
        let content = |(start, end): (usize, usize)| {
            text.get(start.checked_add(1)?..end.checked_sub(1)?)
                .map(JsonStr::Escaped)
        };
        Some(PaymentRequirementsV2 {
            scheme: content(spans.scheme)?,
            network: content(spans.network)?,
            amount: self.offer.amount,
            asset: content(spans.asset)?,
            pay_to: content(spans.pay_to)?,
            max_timeout_seconds: self.offer.max_timeout_seconds,
            extra: Some(RawValue::from_written(
                text.get(spans.extra.0..spans.extra.1)?,
            )),
            raw: Some(RawValue::from_written(text)),
        })
    }

    /// Writes the v1 `PaymentRequirements` object for `resource`, in the order the core's v1
    /// codec writes: `scheme`, `network` (v1 name), `maxAmountRequired`, `asset`, `payTo`,
    /// `resource`, `description`, `mimeType` (when given), `maxTimeoutSeconds`, `extra`.
    ///
    /// Fails with [`ServerError::SchemeNetworkMismatch`] when the offer is not sold in v1
    /// ([`PreparedOffer::sold_in`]); nothing is written then.
    pub fn write_requirements_v1(
        &self,
        w: &mut Writer<'_>,
        resource: &super::Resource<'_>,
    ) -> Result<(), ServerError> {
        let network = self
            .v1_network()
            .ok_or(ServerError::SchemeNetworkMismatch)?;
        Ok(self.write_v1_entry(w, network, resource, &self.offer.amount)?)
    }

    /// The v1 network name when the offer is sold in v1.
    pub(super) fn v1_network(&self) -> Option<&'static str> {
        if self.sold_in(X402Version::V1) {
            self.network.v1_name()
        } else {
            None
        }
    }

    /// The v1 entry under the v1 name `network`, charging `amount`.
    pub(super) fn write_v1_entry(
        &self,
        w: &mut Writer<'_>,
        network: &str,
        resource: &super::Resource<'_>,
        amount: &U256,
    ) -> Result<(), BufferTooSmall> {
        let mut o = ObjectWriter::begin(w)?;
        o.field_str("scheme", self.offer.scheme.name())?;
        o.field_str("network", network)?;
        o.field_with("maxAmountRequired", |w| write_amount(w, amount))?;
        o.field_str("asset", self.offer.asset)?;
        o.field_str("payTo", self.offer.pay_to)?;
        o.field_str("resource", resource.url)?;
        o.field_str("description", resource.description)?;
        if let Some(mime_type) = resource.mime_type {
            o.field_str("mimeType", mime_type)?;
        }
        o.field_u64("maxTimeoutSeconds", self.offer.max_timeout_seconds)?;
        o.field_with("extra", |w| self.write_extra(w))?;
        o.end()
    }

    /// `eip155:<chain id>` or the Solana cluster's CAIP-2 id, as a JSON string.
    fn write_caip2(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        match self.network {
            Network::Eip155 { chain_id } => {
                w.push_str("\"eip155:")?;
                write_u64(w, chain_id)?;
                w.push_byte(b'"')
            }
            Network::Solana(cluster) => write_string(w, cluster.caip2()),
        }
    }

    /// The scheme's `extra` object.
    fn write_extra(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        let mut o = ObjectWriter::begin(w)?;
        match self.offer.scheme {
            OfferScheme::ExactEip3009 { name, version } => {
                o.field_str("name", name)?;
                o.field_str("version", version)?;
            }
            OfferScheme::ExactPermit2 => o.field_str("assetTransferMethod", "permit2")?,
            OfferScheme::UptoPermit2 { facilitator } => {
                o.field_str("facilitatorAddress", facilitator)?;
            }
            #[cfg(feature = "svm")]
            OfferScheme::ExactSvm { fee_payer } => o.field_str("feePayer", fee_payer)?,
        }
        o.end()
    }
}

/// Byte offsets `(start, end)` of the values a v2 entry was written with.
#[derive(Default)]
struct EntrySpans {
    scheme: (usize, usize),
    network: (usize, usize),
    asset: (usize, usize),
    pay_to: (usize, usize),
    extra: (usize, usize),
}

/// A uint256 as a JSON string of decimal digits.
fn write_amount(w: &mut Writer<'_>, amount: &U256) -> Result<(), BufferTooSmall> {
    w.push_byte(b'"')?;
    amount.write_decimal(w)?;
    w.push_byte(b'"')
}

/// Up to `N` prepared offers in fixed capacity, in the order they were added (the order of the
/// challenge's `accepts`).
///
/// ```
/// use pay402::x402::server::{Offer, OfferScheme, OfferSet};
/// use pay402::U256;
/// let offer = Offer {
///     scheme: OfferScheme::ExactPermit2,
///     network: "eip155:84532",
///     asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
///     amount: U256::from_u64(10_000),
///     pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
///     max_timeout_seconds: 60,
/// };
/// let mut set = OfferSet::<1>::new();
/// assert_eq!(set.push(offer)?, 0);
/// assert_eq!(pay402::ErrorCode::code(&set.push(offer).unwrap_err()), "too_many_offers");
/// assert_eq!(set.len(), 1);
/// # Ok::<(), pay402::x402::server::ServerError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct OfferSet<'a, const N: usize> {
    offers: heapless::Vec<PreparedOffer<'a>, N>,
}

impl<'a, const N: usize> OfferSet<'a, N> {
    /// An empty set.
    pub const fn new() -> Self {
        Self {
            offers: heapless::Vec::new(),
        }
    }

    /// Prepares `offer` and appends it; returns its index. Fails with the preparation's error,
    /// or `too_many_offers` when the set already holds `N`; the set is unchanged on error.
    pub fn push(&mut self, offer: Offer<'a>) -> Result<usize, ServerError> {
        let prepared = offer.prepare()?;
        let index = self.offers.len();
        self.offers
            .push(prepared)
            .map_err(|_| ServerError::TooManyOffers { capacity: N })?;
        Ok(index)
    }

    /// The offer at `index`.
    pub fn get(&self, index: usize) -> Option<&PreparedOffer<'a>> {
        self.offers.get(index)
    }

    /// The offers in order.
    pub fn iter(&self) -> core::slice::Iter<'_, PreparedOffer<'a>> {
        self.offers.iter()
    }

    /// How many offers the set holds.
    pub fn len(&self) -> usize {
        self.offers.len()
    }

    /// Whether the set holds no offer.
    pub fn is_empty(&self) -> bool {
        self.offers.is_empty()
    }
}

impl<'s, 'a, const N: usize> IntoIterator for &'s OfferSet<'a, N> {
    type Item = &'s PreparedOffer<'a>;
    type IntoIter = core::slice::Iter<'s, PreparedOffer<'a>>;
    fn into_iter(self) -> Self::IntoIter {
        self.offers.iter()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly on purpose")]
mod tests {
    use super::*;
    use crate::x402::payment_requirements::PaymentRequirementsV2;

    /// The requirements admission reads back unparsed are the ones parsing the written entry
    /// gives, for every scheme (escapes in the EIP-712 name included).
    #[test]
    fn requirements_read_back_equal_the_parsed_entry() {
        let base = Offer {
            scheme: OfferScheme::ExactPermit2,
            network: "base-sepolia",
            asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
            amount: U256::from_u64(10_000),
            pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
            max_timeout_seconds: 60,
        };
        let schemes = [
            OfferScheme::ExactEip3009 {
                name: "USD \"Coin\"\\\u{1}é",
                version: "2",
            },
            OfferScheme::ExactPermit2,
            OfferScheme::UptoPermit2 {
                facilitator: "0x4020a4f3b7b90cca423b9fabcc0ce57c6c240002",
            },
        ];
        for scheme in schemes {
            let prepared = Offer { scheme, ..base }.prepare().unwrap();
            let mut written = [0u8; 1024];
            let len = write_all(&mut written, |w| prepared.write_requirements_v2(w)).unwrap();
            let parsed =
                PaymentRequirementsV2::from_json_value(RawValue::parse(&written[..len]).unwrap())
                    .unwrap();
            let mut scratch = [0u8; 1024];
            let read = prepared.requirements_v2(&mut scratch).unwrap();
            assert_eq!(read.scheme, parsed.scheme);
            assert_eq!(read.network, parsed.network);
            assert_eq!(read.amount, parsed.amount);
            assert_eq!(read.asset, parsed.asset);
            assert_eq!(read.pay_to, parsed.pay_to);
            assert_eq!(read.max_timeout_seconds, parsed.max_timeout_seconds);
            assert_eq!(
                read.extra.map(|v| v.as_text()),
                parsed.extra.map(|v| v.as_text())
            );
            assert_eq!(
                read.raw.map(|v| v.as_text()),
                parsed.raw.map(|v| v.as_text())
            );
            // Too small a scratch buffer is `None`, never a partial entry.
            assert!(prepared.requirements_v2(&mut scratch[..len - 1]).is_none());
        }
    }
}
