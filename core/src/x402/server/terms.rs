//! Payment options: a seller's loose terms ("`exact` on `base-sepolia` for `$0.01` to `0x…`")
//! resolved into the [`Offer`] an [`super::OfferSet`] prepares.
//!
//! The reference servers call this input a *payment option* (a route's `scheme`, `network`,
//! `price`, `payTo`, optional `asset` and `maxTimeoutSeconds`) and build the
//! `PaymentRequirements` of the x402 v2 specification (§5.1.2,
//! <https://github.com/coinbase/x402/blob/main/specs/x402-specification-v2.md>) from it. Every
//! default and every refusal of that step is decided here, once, for every binding:
//!
//! | decision | rule |
//! |---|---|
//! | scheme | `exact` (also when not given) or `upto`; anything else is `unsupported_scheme` |
//! | network | a v1 name or a CAIP-2 id ([`Network::parse`]); empty is `missing_network`, unknown `unknown_network` |
//! | asset | EVM: the chain's default asset ([`default_asset`]) when none is given; else `missing_asset`. Solana: the mint is required |
//! | token details | a default asset (matched by address, any case) fills `decimals`, the EIP-712 `name`/`version` and the transfer method; a given value wins |
//! | `exact` EVM | EIP-3009 unless the transfer method is `permit2`; EIP-3009 needs the token's EIP-712 domain (`missing_asset`, detail `missing_eip712_domain`) |
//! | `upto` | Permit2 only (`transfer_method: eip3009` is `invalid_transfer_method`), bound to a facilitator (`missing_facilitator`); EVM only |
//! | Solana | `exact` only (`unsupported_scheme`), a fee payer (`missing_fee_payer`) |
//! | price | a display price (`"$0.01"`, `"0.01"`) converted exactly with the asset's decimals, or an atomic amount; see [`Price`] |
//! | lifetime | `maxTimeoutSeconds` defaults to [`DEFAULT_MAX_TIMEOUT_SECONDS`]; 0 is refused |
//!
//! Parameters of another scheme are ignored (one set of seller defaults can serve EVM and
//! Solana routes), so a fee payer on an EVM option or a facilitator on an `exact` option is not
//! an error. The offer's own checks (address syntax, EIP-712 text length) run when it is
//! prepared ([`Offer::prepare`], [`super::OfferSet::push`]).
//!
//! ```
//! use pay402::x402::server::{Offer, OfferScheme, PaymentOption, Price, DEFAULT_MAX_TIMEOUT_SECONDS};
//! use pay402::U256;
//! let option = PaymentOption {
//!     price: Price::Display("$0.01"),
//!     ..PaymentOption::new("exact", "base-sepolia", "0x209693Bc6afc0C5328bA36FaF03C514EF312287C")
//! };
//! // Base Sepolia's default asset is USDC (6 decimals, EIP-712 domain "USDC" / "2").
//! assert_eq!(
//!     option.resolve()?,
//!     Offer {
//!         scheme: OfferScheme::ExactEip3009 { name: "USDC", version: "2" },
//!         network: "base-sepolia",
//!         asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
//!         amount: U256::from_u64(10_000),
//!         pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
//!         max_timeout_seconds: DEFAULT_MAX_TIMEOUT_SECONDS,
//!     }
//! );
//! let sub_unit = PaymentOption { price: Price::Display("$0.0000001"), ..option };
//! assert_eq!(pay402::ErrorCode::code(&sub_unit.resolve().unwrap_err()), "sub_unit_amount");
//! # Ok::<(), pay402::x402::server::TermsError>(())
//! ```

use super::offer::{Offer, OfferScheme};
use crate::decimal::{DecimalIssue, MAX_DECIMALS, to_atomic};
use crate::error::ErrorCode;
use crate::evm::{Address, AddressError};
use crate::u256::U256;
use crate::x402::default_assets::{AssetTransferMethod, default_asset};
use crate::x402::network::Network;

/// `maxTimeoutSeconds` of an option that does not set one: 60 seconds, the default of the
/// reference x402 v1 middlewares (`maxTimeoutSeconds ?? 60` in `x402-express`, `x402-hono`,
/// `x402-next`, <https://github.com/coinbase/x402/tree/main/typescript/packages>) and the
/// value of the x402 specifications' `exact` examples. (The v2 `x402ResourceServer` uses 300;
/// a shorter lifetime keeps a signed authorization acceptable for less time.)
pub const DEFAULT_MAX_TIMEOUT_SECONDS: u64 = 60;

/// The price of a payment option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Price<'a> {
    /// An amount of the asset in its display unit: ASCII digits with at most one `.` and
    /// digits on both sides of it, optionally after one leading `$` (USD stablecoins):
    /// `"$0.01"` with 6 decimals is 10 000 atomic units. Converted exactly with the asset's
    /// decimals; signs, exponents, spaces, grouping and other text are `invalid_price`, digits
    /// below the smallest unit `sub_unit_amount`, zero `zero_price`.
    Display(&'a str),
    /// An amount in atomic units (`upto`: the maximum the payer signs). Zero is `zero_price`.
    Atomic(U256),
}

/// A seller's loose terms for one way to pay: what [`PaymentOption::resolve`] turns into an
/// [`Offer`]. Optional fields fall back to the network's default asset and the crate's
/// defaults (see the [module documentation](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentOption<'a> {
    /// `exact` or `upto`; empty: `exact` (the reference v1 middlewares sell `exact` only).
    pub scheme: &'a str,
    /// A v1 network name or a CAIP-2 id (empty: not given).
    pub network: &'a str,
    /// The token contract (EVM) or SPL mint (Solana); `None`: the chain's default asset.
    pub asset: Option<&'a str>,
    /// The price.
    pub price: Price<'a>,
    /// The recipient (empty: not given).
    pub pay_to: &'a str,
    /// The asset's decimals, needed to convert a [`Price::Display`] of a non-default asset.
    pub decimals: Option<u8>,
    /// EIP-3009: the token's EIP-712 domain `name`.
    pub eip712_name: Option<&'a str>,
    /// EIP-3009: the token's EIP-712 domain `version`.
    pub eip712_version: Option<&'a str>,
    /// `eip3009` or `permit2`; `None`: the default asset's method, else EIP-3009 (`exact`) or
    /// Permit2 (`upto`).
    pub transfer_method: Option<&'a str>,
    /// `upto`: the facilitator address the payer binds the permit to.
    pub facilitator: Option<&'a str>,
    /// Solana: the fee payer's public key.
    pub fee_payer: Option<&'a str>,
    /// `maxTimeoutSeconds`; `None`: [`DEFAULT_MAX_TIMEOUT_SECONDS`].
    pub max_timeout_seconds: Option<u64>,
}

/// Why a payment option does not resolve to an offer. Codes are stable `snake_case`; the three
/// ways an asset can be incomplete share `missing_asset` and tell themselves apart by
/// [`ErrorCode::detail_code`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TermsError {
    /// The scheme is not `exact` or `upto`, or not sold on the network (`upto` on Solana, or
    /// Solana without the `svm` feature). Code `unsupported_scheme`.
    UnsupportedScheme,
    /// No network. Code `missing_network`.
    MissingNetwork,
    /// The network is neither a known x402 v1 name nor a known CAIP-2 id. Code
    /// `unknown_network`.
    UnknownNetwork,
    /// The transfer method is not `eip3009` or `permit2`, or `eip3009` for `upto`. Code
    /// `invalid_transfer_method`.
    TransferMethod,
    /// No asset, and the network has no default asset. Code `missing_asset` (detail
    /// `missing_asset`).
    MissingAsset,
    /// An EIP-3009 asset that is not the chain's default, without its EIP-712 `name` and
    /// `version`. Code `missing_asset` (detail `missing_eip712_domain`).
    MissingEip712Domain,
    /// A display price for an asset whose decimals are not known. Code `missing_asset` (detail
    /// `missing_decimals`).
    MissingDecimals,
    /// More decimals than a uint256 can hold (77). Code `invalid_decimals`.
    Decimals,
    /// The EVM asset is not an address. Code `invalid_asset` (detail: the address error).
    Asset(AddressError),
    /// An `upto` option without its facilitator. Code `missing_facilitator`.
    MissingFacilitator,
    /// A Solana option without its fee payer. Code `missing_fee_payer`.
    MissingFeePayer,
    /// No recipient. Code `missing_pay_to`.
    MissingPayTo,
    /// The display price is not a price (sign, exponent, space, misplaced `$`, text) or is
    /// above 2²⁵⁶ − 1 atomic units. Code `invalid_price`.
    InvalidPrice,
    /// The display price has digits below the asset's smallest unit. Code `sub_unit_amount`.
    SubUnitPrice,
    /// The price is zero. Code `zero_price`.
    ZeroPrice,
    /// `maxTimeoutSeconds` is 0. Code `invalid_max_timeout_seconds`.
    ZeroTimeout,
}

impl core::fmt::Display for TermsError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::UnsupportedScheme => {
                "the scheme is not `exact` or `upto`, or not sold on this network (Solana: exact only)"
            }
            Self::MissingNetwork => "no network",
            Self::UnknownNetwork => "the network is not a known x402 network",
            Self::TransferMethod => {
                "the transfer method is not `eip3009` or `permit2` (`upto` is permit2 only)"
            }
            Self::MissingAsset => "the network has no default asset; set the asset and decimals",
            Self::MissingEip712Domain => {
                "the asset is not the chain's default; set its EIP-712 name and version"
            }
            Self::MissingDecimals => "the asset is not the chain's default; set its decimals",
            Self::Decimals => "an asset has at most 77 decimals",
            Self::Asset(_) => "the asset is not an EVM address",
            Self::MissingFacilitator => "an upto option names its facilitator address",
            Self::MissingFeePayer => "a Solana option needs the facilitator's fee payer",
            Self::MissingPayTo => "no payTo recipient",
            Self::InvalidPrice => {
                "the price is not a decimal amount (digits, one optional `.`, an optional leading `$`)"
            }
            Self::SubUnitPrice => "the price has digits below the asset's smallest unit",
            Self::ZeroPrice => "the price is zero",
            Self::ZeroTimeout => "maxTimeoutSeconds must be positive",
        })
    }
}

impl core::error::Error for TermsError {}

impl ErrorCode for TermsError {
    fn code(&self) -> &'static str {
        match self {
            Self::UnsupportedScheme => "unsupported_scheme",
            Self::MissingNetwork => "missing_network",
            Self::UnknownNetwork => "unknown_network",
            Self::TransferMethod => "invalid_transfer_method",
            Self::MissingAsset | Self::MissingEip712Domain | Self::MissingDecimals => {
                "missing_asset"
            }
            Self::Decimals => "invalid_decimals",
            Self::Asset(_) => "invalid_asset",
            Self::MissingFacilitator => "missing_facilitator",
            Self::MissingFeePayer => "missing_fee_payer",
            Self::MissingPayTo => "missing_pay_to",
            Self::InvalidPrice => "invalid_price",
            Self::SubUnitPrice => "sub_unit_amount",
            Self::ZeroPrice => "zero_price",
            Self::ZeroTimeout => "invalid_max_timeout_seconds",
        }
    }

    fn detail_code(&self) -> Option<&'static str> {
        match self {
            Self::MissingAsset => Some("missing_asset"),
            Self::MissingEip712Domain => Some("missing_eip712_domain"),
            Self::MissingDecimals => Some("missing_decimals"),
            Self::Asset(e) => Some(e.code()),
            _ => None,
        }
    }
}

/// The token an EVM option pays with, after the chain's default filled the gaps.
struct Token<'a> {
    asset: &'a str,
    decimals: Option<u8>,
    name: Option<&'a str>,
    version: Option<&'a str>,
    method: Option<AssetTransferMethod>,
}

impl<'a> PaymentOption<'a> {
    /// An option with `scheme`, `network` and `pay_to`, a zero price (set [`PaymentOption::price`])
    /// and nothing else given.
    pub const fn new(scheme: &'a str, network: &'a str, pay_to: &'a str) -> Self {
        Self {
            scheme,
            network,
            asset: None,
            price: Price::Atomic(U256::ZERO),
            pay_to,
            decimals: None,
            eip712_name: None,
            eip712_version: None,
            transfer_method: None,
            facilitator: None,
            fee_payer: None,
            max_timeout_seconds: None,
        }
    }

    /// Resolves the option into an [`Offer`]: defaults applied, the price converted to atomic
    /// units, the scheme's parameters chosen. Checks, in order: scheme, network, transfer
    /// method, asset and its token details, the scheme's own parameters, `payTo` present, price,
    /// `maxTimeoutSeconds`. The first failure is returned; see [`TermsError`] for the codes.
    pub fn resolve(&self) -> Result<Offer<'a>, TermsError> {
        let upto = match self.scheme {
            "exact" | "" => false,
            "upto" => true,
            _ => return Err(TermsError::UnsupportedScheme),
        };
        if self.network.is_empty() {
            return Err(TermsError::MissingNetwork);
        }
        let network = Network::parse(self.network).ok_or(TermsError::UnknownNetwork)?;
        let method = match self.transfer_method {
            None => None,
            Some("eip3009") => Some(AssetTransferMethod::Eip3009),
            Some("permit2") => Some(AssetTransferMethod::Permit2),
            Some(_) => return Err(TermsError::TransferMethod),
        };
        let (scheme, asset, decimals) = match network {
            Network::Eip155 { chain_id } => self.evm(chain_id, upto, method)?,
            Network::Solana(_) => self.svm(upto)?,
        };
        if self.pay_to.is_empty() {
            return Err(TermsError::MissingPayTo);
        }
        let amount = self.price.to_atomic(decimals)?;
        let max_timeout_seconds = match self.max_timeout_seconds {
            None => DEFAULT_MAX_TIMEOUT_SECONDS,
            Some(0) => return Err(TermsError::ZeroTimeout),
            Some(seconds) => seconds,
        };
        Ok(Offer {
            scheme,
            network: self.network,
            asset,
            amount,
            pay_to: self.pay_to,
            max_timeout_seconds,
        })
    }

    /// The scheme, asset and decimals of an EVM option.
    fn evm(
        &self,
        chain_id: u64,
        upto: bool,
        method: Option<AssetTransferMethod>,
    ) -> Result<(OfferScheme<'a>, &'a str, Option<u8>), TermsError> {
        let token = self.token(chain_id)?;
        if let Some(decimals) = token.decimals
            && decimals > MAX_DECIMALS
        {
            return Err(TermsError::Decimals);
        }
        let scheme = if upto {
            if method == Some(AssetTransferMethod::Eip3009) {
                return Err(TermsError::TransferMethod);
            }
            OfferScheme::UptoPermit2 {
                facilitator: self
                    .facilitator
                    .filter(|f| !f.is_empty())
                    .ok_or(TermsError::MissingFacilitator)?,
            }
        } else {
            match method.or(token.method) {
                Some(AssetTransferMethod::Permit2) => OfferScheme::ExactPermit2,
                None | Some(AssetTransferMethod::Eip3009) => match (token.name, token.version) {
                    (Some(name), Some(version)) => OfferScheme::ExactEip3009 { name, version },
                    _ => return Err(TermsError::MissingEip712Domain),
                },
            }
        };
        Ok((scheme, token.asset, token.decimals))
    }

    /// The option's token, with the chain's default asset filling what the option leaves out
    /// when the asset is that default (or not given).
    fn token(&self, chain_id: u64) -> Result<Token<'a>, TermsError> {
        let known = default_asset(chain_id);
        let given = Token {
            asset: "",
            decimals: self.decimals,
            name: self.eip712_name,
            version: self.eip712_version,
            method: None,
        };
        let asset = match self.asset {
            Some(asset) => asset,
            None => known.ok_or(TermsError::MissingAsset)?.address,
        };
        let parsed = Address::parse(asset.as_bytes()).map_err(TermsError::Asset)?;
        let default = known.filter(|k| Address::parse(k.address.as_bytes()) == Ok(parsed));
        Ok(match default {
            Some(k) => Token {
                asset,
                decimals: given.decimals.or(Some(k.decimals)),
                name: given.name.or(Some(k.eip712_name)),
                version: given.version.or(k.eip712_version),
                method: Some(k.transfer_method),
            },
            None => Token { asset, ..given },
        })
    }

    /// The scheme, asset and decimals of a Solana option.
    #[cfg(feature = "svm")]
    fn svm(&self, upto: bool) -> Result<(OfferScheme<'a>, &'a str, Option<u8>), TermsError> {
        if upto {
            return Err(TermsError::UnsupportedScheme);
        }
        let asset = self
            .asset
            .filter(|a| !a.is_empty())
            .ok_or(TermsError::MissingAsset)?;
        let fee_payer = self
            .fee_payer
            .filter(|f| !f.is_empty())
            .ok_or(TermsError::MissingFeePayer)?;
        if self.decimals.is_some_and(|d| d > MAX_DECIMALS) {
            return Err(TermsError::Decimals);
        }
        Ok((OfferScheme::ExactSvm { fee_payer }, asset, self.decimals))
    }

    #[cfg(not(feature = "svm"))]
    #[allow(
        clippy::unused_self,
        reason = "without `svm` no option reaches a Solana offer"
    )]
    fn svm(&self, _upto: bool) -> Result<(OfferScheme<'a>, &'a str, Option<u8>), TermsError> {
        Err(TermsError::UnsupportedScheme)
    }
}

impl Price<'_> {
    /// The price in atomic units of an asset with `decimals` decimals (needed only for a
    /// [`Price::Display`]): exact, never rounded, never zero.
    ///
    /// ```
    /// use pay402::x402::server::Price;
    /// use pay402::U256;
    /// assert_eq!(Price::Display("$0.01").to_atomic(Some(6)), Ok(U256::from_u64(10_000)));
    /// assert_eq!(Price::Display("1.5").to_atomic(Some(0)).map_err(|e| pay402::ErrorCode::code(&e)), Err("sub_unit_amount"));
    /// assert_eq!(Price::Atomic(U256::from_u64(7)).to_atomic(None), Ok(U256::from_u64(7)));
    /// ```
    pub fn to_atomic(&self, decimals: Option<u8>) -> Result<U256, TermsError> {
        let amount = match *self {
            Price::Atomic(amount) => amount,
            Price::Display(text) => {
                let decimals = decimals.ok_or(TermsError::MissingDecimals)?;
                if decimals > MAX_DECIMALS {
                    return Err(TermsError::Decimals);
                }
                // One optional leading `$`, then the exact decimal conversion.
                let digits = text.strip_prefix('$').unwrap_or(text);
                to_atomic(digits, decimals).map_err(|issue| match issue {
                    DecimalIssue::Malformed => TermsError::InvalidPrice,
                    DecimalIssue::SubUnit => TermsError::SubUnitPrice,
                })?
            }
        };
        if amount == U256::ZERO {
            return Err(TermsError::ZeroPrice);
        }
        Ok(amount)
    }
}
