//! Paying every scheme a server sells, under one policy: `exact` with EIP-3009, `exact` with
//! Permit2 (the witness transfer through `x402ExactPermit2Proxy`), `upto` with Permit2 (bound to
//! the facilitator in `extra.facilitatorAddress`) and `exact` on Solana.
//!
//! [`choose`] picks one `accepts` entry; the payload for it is built by [`pay_evm`] (a key in
//! hand), [`Permit2Draft`] / [`crate::x402::client::PaymentDraft`] (an external wallet) or
//! `pay_svm` (Solana, feature `svm`, with the chain state the host fetched: `SvmChainState`).
//!
//! An entry is acceptable when, in this order:
//!
//! 1. its scheme is `exact` or `upto` and its network a known EVM network or Solana cluster
//!    (v1 name or CAIP-2 id);
//! 2. it is signable: EVM `exact` names an EIP-3009 domain (`extra.name`, `extra.version`) or
//!    `extra.assetTransferMethod: "permit2"` (x402 v2 only); `upto` is EVM, v2, and carries
//!    `extra.facilitatorAddress`; Solana `exact` carries `extra.feePayer` and an amount that fits
//!    a `u64`; `asset` and `payTo` are addresses of the network's kind (EVM addresses with a
//!    valid EIP-55 checksum when mixed case, as viem's `getAddress` requires);
//! 3. its kind is one of [`ClientPolicy::schemes`], its network one of
//!    [`ClientPolicy::networks`], its asset one of [`ClientPolicy::evm_assets`] (EVM) or
//!    `ClientPolicy::svm_assets` (Solana, feature `svm`), and the caller's limit for `(network, asset)` is
//!    known (a budget that lists the asset);
//! 4. the amount (the maximum, for `upto`) is at most that limit.
//!
//! The first acceptable entry in offer order wins (the reference client's default selector). When
//! none is: `amount_exceeds_budget` if some entry failed only step 4, else
//! `no_acceptable_requirements`.
//!
//! Permit2 moves the tokens with an ERC-20 allowance the payer gave the Permit2 contract. The
//! client cannot read chain state: [`Choice::permit2_approval`] says which approval the payment
//! needs, and [`check_permit2_allowance`] turns the allowance the host read into
//! `permit2_allowance_required` (carrying that approval) when it is short — the same code the
//! reference facilitator answers (x402 `exact` EVM scheme, Permit2,
//! <https://github.com/coinbase/x402/blob/main/specs/schemes/exact/scheme_exact_evm.md>).

use super::selection::{address, domain, resolve_network, transfer_method};
use super::{ClientError, accepted_entry};
use crate::evm::permit2::PERMIT2_ADDRESS;
use crate::evm::{Address, PrivateKey, SignaturePolicy, recover_address};
use crate::json::ObjectWriter;
#[cfg(feature = "svm")]
use crate::svm::Pubkey;
use crate::u256::U256;
use crate::writer::{Writer, write_all};
use crate::x402::X402Version;
use crate::x402::default_assets::AssetTransferMethod;
use crate::x402::header;
use crate::x402::network::Network;
use crate::x402::payment_required::PaymentRequired;
use crate::x402::payment_requirements::PaymentRequirements;
use crate::x402::scheme::exact_eip3009::draft::{PaymentDraft, quoted};
use crate::x402::scheme::exact_eip3009::signed::write_envelope;
use crate::x402::scheme::exact_permit2::payload::{Permit2Authorization, write_payload};

/// Which payment kinds the payer signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "a set of independent flags, one per payment kind"
)]
pub struct Schemes {
    /// `exact` on EVM with EIP-3009 `transferWithAuthorization`.
    pub exact_eip3009: bool,
    /// `exact` on EVM with Permit2 (needs an ERC-20 allowance to the Permit2 contract).
    pub exact_permit2: bool,
    /// `upto` on EVM with Permit2: the payer signs a maximum, the facilitator settles the charge.
    pub upto_permit2: bool,
    /// `exact` on Solana (feature `svm`).
    pub exact_svm: bool,
}

impl Schemes {
    /// Every kind this client pays.
    pub const ALL: Self = Self {
        exact_eip3009: true,
        exact_permit2: true,
        upto_permit2: true,
        exact_svm: true,
    };
    /// `exact` EIP-3009 only (what [`super::select`] pays by default).
    pub const EIP3009: Self = Self {
        exact_eip3009: true,
        exact_permit2: false,
        upto_permit2: false,
        exact_svm: false,
    };

    const fn allows(self, kind: &PayKind) -> bool {
        match kind {
            PayKind::ExactEip3009 => self.exact_eip3009,
            PayKind::ExactPermit2 => self.exact_permit2,
            PayKind::UptoPermit2 { .. } => self.upto_permit2,
            #[cfg(feature = "svm")]
            PayKind::ExactSvm { .. } => self.exact_svm,
        }
    }
}

impl Default for Schemes {
    fn default() -> Self {
        Self::ALL
    }
}

/// An asset: an ERC-20 contract or an SPL mint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AssetId {
    /// An ERC-20 token contract.
    Evm(Address),
    /// An SPL mint (feature `svm`).
    #[cfg(feature = "svm")]
    Svm(Pubkey),
}

impl core::fmt::Display for AssetId {
    /// EVM: lowercase `0x` hex (the budget's key); Solana: base58.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Evm(a) => {
                f.write_str("0x")?;
                a.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
            }
            #[cfg(feature = "svm")]
            Self::Svm(p) => write!(f, "{p}"),
        }
    }
}

/// What the payer can and will pay: networks, assets (EVM and Solana together) and kinds.
/// Limits are the caller's (a budget): see [`choose`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientPolicy<'p> {
    /// Networks the payer holds funds on, EVM and Solana together.
    pub networks: &'p [Network],
    /// ERC-20 contracts the payer pays with, on any of its EVM networks.
    pub evm_assets: &'p [Address],
    /// SPL mints the payer pays with, on any of its Solana clusters.
    #[cfg(feature = "svm")]
    pub svm_assets: &'p [Pubkey],
    /// The kinds the payer signs (default [`Schemes::ALL`]).
    pub schemes: Schemes,
}

/// How the chosen entry is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayKind {
    /// `exact`, EIP-3009.
    ExactEip3009,
    /// `exact`, Permit2 through `x402ExactPermit2Proxy`.
    ExactPermit2,
    /// `upto`, Permit2 through `x402UptoPermit2Proxy`, settled only by `facilitator`.
    UptoPermit2 {
        /// `extra.facilitatorAddress`.
        facilitator: Address,
    },
    /// `exact` on Solana; `fee_payer` is `extra.feePayer`.
    #[cfg(feature = "svm")]
    ExactSvm {
        /// The facilitator's fee payer (account 0, left unsigned).
        fee_payer: Pubkey,
    },
}

impl PayKind {
    /// A stable name: `exact_eip3009`, `exact_permit2`, `upto_permit2`, `exact_svm`.
    pub const fn name(&self) -> &'static str {
        match self {
            Self::ExactEip3009 => "exact_eip3009",
            Self::ExactPermit2 => "exact_permit2",
            Self::UptoPermit2 { .. } => "upto_permit2",
            #[cfg(feature = "svm")]
            Self::ExactSvm { .. } => "exact_svm",
        }
    }

    /// Whether the payment is a Permit2 transfer (and so needs the Permit2 allowance).
    pub const fn is_permit2(&self) -> bool {
        matches!(self, Self::ExactPermit2 | Self::UptoPermit2 { .. })
    }
}

/// The ERC-20 approval a Permit2 payment needs: `token.approve(spender, amount)` on `chain_id`,
/// where `spender` is the canonical Permit2 contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Permit2Approval {
    /// The EIP-155 chain id.
    pub chain_id: u64,
    /// The ERC-20 token.
    pub token: Address,
    /// The canonical Permit2 contract ([`PERMIT2_ADDRESS`]).
    pub spender: Address,
    /// The least allowance that lets this payment through (its amount, or maximum for `upto`).
    pub amount: U256,
}

/// The chosen entry.
#[derive(Debug, Clone, Copy)]
pub struct Choice<'a> {
    /// Its index in `accepts`.
    pub index: usize,
    /// The entry itself.
    pub requirements: PaymentRequirements<'a>,
    /// The resolved network.
    pub network: Network,
    /// How it is paid.
    pub kind: PayKind,
    /// The asset paid in.
    pub asset: AssetId,
    /// The amount to reserve: the price (`exact`) or the maximum (`upto`).
    pub amount: U256,
}

impl Choice<'_> {
    /// The approval a Permit2 payment needs, `None` for other kinds.
    pub fn permit2_approval(&self) -> Option<Permit2Approval> {
        match (self.kind.is_permit2(), self.asset, self.network.chain_id()) {
            (true, AssetId::Evm(token), Some(chain_id)) => Some(Permit2Approval {
                chain_id,
                token,
                spender: PERMIT2_ADDRESS,
                amount: self.amount,
            }),
            _ => None,
        }
    }
}

/// Whether `allowance` (the payer's ERC-20 allowance to Permit2, read by the host) covers the
/// chosen Permit2 payment; `permit2_allowance_required` with the approval to make when it does
/// not. Always `Ok` for other kinds.
pub fn check_permit2_allowance(choice: &Choice<'_>, allowance: U256) -> Result<(), ClientError> {
    match choice.permit2_approval() {
        Some(approval) if allowance < approval.amount => {
            Err(ClientError::Permit2AllowanceRequired(approval))
        }
        _ => Ok(()),
    }
}

/// Chooses the first `accepts` entry the payer can pay (see the module documentation).
/// `limit(network, asset)` is the most one payment in that asset may cost now (a budget's
/// allowance), or `None` when the payer does not pay in it.
///
/// ```
/// use pay402::evm::Address;
/// use pay402::x402::client::{choose, ClientPolicy, PayKind, Schemes};
/// use pay402::x402::{Network, PaymentRequired};
/// use pay402::U256;
///
/// let body = br#"{"x402Version":2,"resource":{"url":"https://api.example.com/data"},"accepts":[{"scheme":"upto","network":"eip155:84532","amount":"50000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":300,"extra":{"facilitatorAddress":"0x000000000000000000000000000000000000dEaD"}}]}"#;
/// let required = PaymentRequired::from_json(body)?;
/// let networks = [Network::Eip155 { chain_id: 84532 }];
/// let assets = [Address::parse(b"0x036CbD53842c5426634e7929541eC2318f3dCF7e")?];
/// let policy = ClientPolicy { networks: &networks, evm_assets: &assets, svm_assets: &[], schemes: Schemes::ALL };
/// let chosen = choose(&required, &policy, |_, _| Some(U256::from_u64(50_000)))?;
/// assert!(matches!(chosen.kind, PayKind::UptoPermit2 { .. }));
/// assert_eq!(chosen.permit2_approval().map(|a| a.amount), Some(U256::from_u64(50_000)));
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
pub fn choose<'a>(
    required: &PaymentRequired<'a>,
    policy: &ClientPolicy<'_>,
    mut limit: impl FnMut(&Network, &AssetId) -> Option<U256>,
) -> Result<Choice<'a>, ClientError> {
    let mut cheapest: Option<(U256, U256)> = None;
    for index in 0..required.accepts_len() {
        let Some(requirements) = required.accept(index) else {
            break;
        };
        let Ok(choice) = assess(index, requirements) else {
            continue;
        };
        let listed = match choice.asset {
            AssetId::Evm(a) => policy.evm_assets.contains(&a),
            #[cfg(feature = "svm")]
            AssetId::Svm(m) => policy.svm_assets.contains(&m),
        };
        if !policy.schemes.allows(&choice.kind)
            || !policy.networks.contains(&choice.network)
            || !listed
        {
            continue;
        }
        let Some(max) = limit(&choice.network, &choice.asset) else {
            continue;
        };
        if choice.amount > max {
            if cheapest.is_none_or(|(c, _)| choice.amount < c) {
                cheapest = Some((choice.amount, max));
            }
            continue;
        }
        return Ok(choice);
    }
    Err(match cheapest {
        Some((cheapest, budget)) => ClientError::AmountExceedsBudget { cheapest, budget },
        None => ClientError::NoAcceptableRequirements,
    })
}

/// Steps 1–2 of the module documentation for `accepts[index]`, failing with the first unmet one.
pub fn assess(
    index: usize,
    requirements: PaymentRequirements<'_>,
) -> Result<Choice<'_>, ClientError> {
    let upto = requirements.scheme().eq_str("upto");
    if !upto && !requirements.scheme().eq_str("exact") {
        return Err(ClientError::UnsupportedScheme);
    }
    let network = resolve_network(requirements.network(), requirements.version())
        .ok_or(ClientError::UnsupportedNetwork)?;
    let extra = requirements.extra();
    let v2 = requirements.version() == X402Version::V2;
    let (kind, asset) = match network {
        Network::Eip155 { .. } => {
            let kind = if upto {
                if !v2 {
                    return Err(ClientError::UnsupportedScheme);
                }
                let facilitator = extra
                    .as_ref()
                    .and_then(|e| e.field("facilitatorAddress").value())
                    .and_then(|v| v.as_str())
                    .ok_or(ClientError::MissingFacilitatorAddress)?;
                PayKind::UptoPermit2 {
                    facilitator: address(facilitator, "extra.facilitatorAddress")?,
                }
            } else {
                match transfer_method(extra.as_ref())? {
                    AssetTransferMethod::Eip3009 => {
                        domain(extra.as_ref())?;
                        PayKind::ExactEip3009
                    }
                    AssetTransferMethod::Permit2 if v2 => PayKind::ExactPermit2,
                    AssetTransferMethod::Permit2 => return Err(ClientError::UnsupportedScheme),
                }
            };
            address(requirements.pay_to(), "payTo")?;
            (kind, AssetId::Evm(address(requirements.asset(), "asset")?))
        }
        #[cfg(feature = "svm")]
        Network::Solana(_) => {
            if upto {
                return Err(ClientError::UnsupportedScheme);
            }
            let fee_payer = extra
                .as_ref()
                .and_then(|e| e.field("feePayer").value())
                .and_then(|v| v.as_str())
                .ok_or(ClientError::MissingFeePayer)?;
            let fee_payer = pubkey(fee_payer, "extra.feePayer")?;
            pubkey(requirements.pay_to(), "payTo")?;
            if requirements.amount().to_u64().is_none() {
                return Err(ClientError::AmountTooLarge);
            }
            (
                PayKind::ExactSvm { fee_payer },
                AssetId::Svm(pubkey(requirements.asset(), "asset")?),
            )
        }
        #[cfg(not(feature = "svm"))]
        Network::Solana(_) => return Err(ClientError::UnsupportedNetwork),
    };
    Ok(Choice {
        index,
        amount: requirements.amount(),
        requirements,
        network,
        kind,
        asset,
    })
}

#[cfg(feature = "svm")]
fn pubkey(text: crate::json::JsonStr<'_>, field: &'static str) -> Result<Pubkey, ClientError> {
    let mut buf = [0u8; 64];
    text.text_in(&mut buf)
        .and_then(|t| Pubkey::parse(t.as_bytes()).ok())
        .ok_or(ClientError::InvalidRequirements { field })
}

/// The Permit2 payment for `accepts[index]` (`exact` with Permit2, or `upto`), built as the
/// reference client builds it (`@x402/evm` `createPermit2Payload` / `createUptoPermit2Payload`):
/// `validAfter = 0`, `deadline = now + maxTimeoutSeconds`, the nonce the caller's 32 random bytes
/// read big-endian. Sign [`Permit2Draft::digest`] with a key ([`Permit2Draft::sign`]) or hand
/// [`Permit2Draft::write_typed_data`] to a wallet ([`Permit2Draft::write_header`]).
#[derive(Debug, Clone, Copy)]
pub struct Permit2Draft<'a> {
    required: &'a PaymentRequired<'a>,
    requirements: PaymentRequirements<'a>,
    authorization: Permit2Authorization,
    chain_id: u64,
}

impl<'a> Permit2Draft<'a> {
    /// The draft for `accepts[index]`, paid by `payer` at `now`.
    pub fn new(
        required: &'a PaymentRequired<'a>,
        index: usize,
        payer: Address,
        now: u64,
        nonce: &[u8; 32],
    ) -> Result<Self, ClientError> {
        let requirements = accepted_entry(required, index)?;
        let choice = assess(index, requirements)?;
        if !choice.kind.is_permit2() {
            return Err(ClientError::UnsupportedAssetTransferMethod);
        }
        let (authorization, chain_id) = Permit2Authorization::for_requirements(
            &requirements,
            payer,
            U256::from_be_bytes(*nonce),
            now,
        )
        .map_err(ClientError::Permit2)?;
        Ok(Self {
            required,
            requirements,
            authorization,
            chain_id,
        })
    }

    /// The authorization to sign.
    pub fn authorization(&self) -> &Permit2Authorization {
        &self.authorization
    }

    /// The EIP-155 chain id.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// The EIP-712 digest under the Permit2 domain: what the payer's key signs.
    pub fn digest(&self) -> [u8; 32] {
        self.authorization
            .permit
            .digest(&crate::evm::permit2::permit2_domain(self.chain_id))
    }

    /// Signs with `key` and writes the header value into `out` (`scratch` receives the JSON).
    /// Fails with `signature_wrong_signer` when `key` is not the payer's.
    pub fn sign<'o>(
        &self,
        key: &PrivateKey,
        scratch: &mut [u8],
        out: &'o mut [u8],
    ) -> Result<&'o str, ClientError> {
        let found = key.address();
        if found != self.authorization.from {
            return Err(ClientError::WrongSigner {
                expected: self.authorization.from,
                found,
            });
        }
        let signature = self.authorization.sign(key, self.chain_id);
        self.write_header(&signature, scratch, out)
    }

    /// Writes the header value with a wallet's 65-byte `signature`, which must recover the payer
    /// under the strict policy (65 bytes, `v` 27/28, low `s`), else the signature's code or
    /// `signature_wrong_signer`.
    pub fn write_header<'o>(
        &self,
        signature: &[u8],
        scratch: &mut [u8],
        out: &'o mut [u8],
    ) -> Result<&'o str, ClientError> {
        let recovered = recover_address(&self.digest(), signature, SignaturePolicy::Strict)?;
        if recovered != self.authorization.from {
            return Err(ClientError::WrongSigner {
                expected: self.authorization.from,
                found: recovered,
            });
        }
        let signature: [u8; 65] = signature
            .try_into()
            .map_err(|_| ClientError::BufferTooSmall)?;
        let (resource, extensions) = match self.required {
            PaymentRequired::V1(_) => (None, None),
            PaymentRequired::V2(p) => (Some(&p.resource), p.extensions.as_ref()),
        };
        let n = write_all(scratch, |w| {
            write_envelope(w, &self.requirements, resource, extensions, |w| {
                write_payload(w, &signature, &self.authorization)
            })
        })?;
        let json = scratch.get(..n).ok_or(ClientError::BufferTooSmall)?;
        Ok(header::encode(json, out)?)
    }

    /// Writes the `eth_signTypedData_v4` parameter for an external wallet:
    /// `{"types":{"EIP712Domain":[name,chainId,verifyingContract],"PermitWitnessTransferFrom":[…],"TokenPermissions":[…],"Witness":[…]},"primaryType":"PermitWitnessTransferFrom","domain":{"name":"Permit2","chainId":<number>,"verifyingContract"},"message":{"permitted":{"token","amount"},"spender","nonce","deadline","witness":{"to"[,"facilitator"],"validAfter"}}}`
    /// with lowercase addresses and decimal `uint256` strings, as viem serializes it.
    pub fn write_typed_data(
        &self,
        writer: &mut Writer<'_>,
    ) -> Result<(), crate::error::BufferTooSmall> {
        let permit = &self.authorization.permit;
        let upto = permit.witness.facilitator().is_some();
        let mut top = ObjectWriter::begin(writer)?;
        top.field_with("types", |w| {
            w.push_str(r#"{"EIP712Domain":[{"name":"name","type":"string"},{"name":"chainId","type":"uint256"},{"name":"verifyingContract","type":"address"}],"PermitWitnessTransferFrom":[{"name":"permitted","type":"TokenPermissions"},{"name":"spender","type":"address"},{"name":"nonce","type":"uint256"},{"name":"deadline","type":"uint256"},{"name":"witness","type":"Witness"}],"TokenPermissions":[{"name":"token","type":"address"},{"name":"amount","type":"uint256"}],"Witness":[{"name":"to","type":"address"},"#)?;
            if upto {
                w.push_str(r#"{"name":"facilitator","type":"address"},"#)?;
            }
            w.push_str(r#"{"name":"validAfter","type":"uint256"}]}"#)
        })?;
        top.field_str("primaryType", "PermitWitnessTransferFrom")?;
        top.field_with("domain", |w| {
            let mut domain = ObjectWriter::begin(w)?;
            domain.field_str("name", "Permit2")?;
            domain.field_u64("chainId", self.chain_id)?;
            domain.field_with("verifyingContract", |w| {
                quoted(w, |w| PERMIT2_ADDRESS.write_lower(w))
            })?;
            domain.end()
        })?;
        top.field_with("message", |w| write_permit_message(w, permit))?;
        top.end()
    }
}

/// The typed-data `message` of a Permit2 witness transfer (lowercase addresses, decimal strings).
fn write_permit_message(
    writer: &mut Writer<'_>,
    permit: &crate::evm::permit2::PermitWitnessTransferFrom,
) -> Result<(), crate::error::BufferTooSmall> {
    let decimal = |w: &mut Writer<'_>, v: &U256| quoted(w, |w| v.write_decimal(w));
    let mut message = ObjectWriter::begin(writer)?;
    message.field_with("permitted", |w| {
        let mut token = ObjectWriter::begin(w)?;
        token.field_with("token", |w| {
            quoted(w, |w| permit.permitted.token.write_lower(w))
        })?;
        token.field_with("amount", |w| decimal(w, &permit.permitted.amount))?;
        token.end()
    })?;
    message.field_with("spender", |w| quoted(w, |w| permit.spender.write_lower(w)))?;
    message.field_with("nonce", |w| decimal(w, &permit.nonce))?;
    message.field_with("deadline", |w| decimal(w, &permit.deadline))?;
    message.field_with("witness", |w| {
        let mut witness = ObjectWriter::begin(w)?;
        witness.field_with("to", |w| quoted(w, |w| permit.witness.to().write_lower(w)))?;
        if let Some(facilitator) = permit.witness.facilitator() {
            witness.field_with("facilitator", |w| quoted(w, |w| facilitator.write_lower(w)))?;
        }
        witness.field_with("validAfter", |w| decimal(w, &permit.witness.valid_after()))?;
        witness.end()
    })?;
    message.end()
}

/// Builds, signs and encodes the EVM payment (EIP-3009, Permit2 `exact` or `upto`, by the
/// entry) for `accepts[index]` with `key`, and returns the header value written into `out`.
///
/// ```
/// use pay402::evm::PrivateKey;
/// use pay402::x402::client::pay_evm;
/// use pay402::x402::{header, PaymentRequired, Verifier};
///
/// let entry = r#"{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2","assetTransferMethod":"permit2"}}"#;
/// let body = format!(r#"{{"x402Version":2,"resource":{{"url":"https://api.example.com/data"}},"accepts":[{entry}]}}"#);
/// let required = PaymentRequired::from_json(body.as_bytes())?;
/// let key = PrivateKey::from_bytes(&[0x11; 32])?;
/// let (mut scratch, mut out) = ([0u8; 4096], [0u8; 4096]);
/// let value = pay_evm(&required, 0, &key, 1_740_672_000, &[7; 32], &mut scratch, &mut out)?;
/// let mut buf = [0u8; 4096];
/// let verified = Verifier::default().verify_header(entry.as_bytes(), value.as_bytes(), &mut buf, 1_740_672_000)?;
/// assert_eq!(verified.evm().map(|v| v.payer), Some(key.address()));
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
pub fn pay_evm<'o>(
    required: &PaymentRequired<'_>,
    index: usize,
    key: &PrivateKey,
    now: u64,
    nonce: &[u8; 32],
    scratch: &mut [u8],
    out: &'o mut [u8],
) -> Result<&'o str, ClientError> {
    let requirements = accepted_entry(required, index)?;
    match assess(index, requirements)?.kind {
        PayKind::ExactEip3009 => PaymentDraft::new(required, index, key.address(), now, nonce)?
            .sign(key)?
            .write_header(scratch, out),
        PayKind::ExactPermit2 | PayKind::UptoPermit2 { .. } => {
            Permit2Draft::new(required, index, key.address(), now, nonce)?.sign(key, scratch, out)
        }
        #[cfg(feature = "svm")]
        PayKind::ExactSvm { .. } => Err(ClientError::UnsupportedNetwork),
    }
}

/// The Solana chain state a payment needs, which only RPC knows: the host fetches it.
#[cfg(feature = "svm")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SvmChainState {
    /// A recent blockhash (RPC `getLatestBlockhash`).
    pub recent_blockhash: [u8; 32],
    /// The mint's decimals (the mint account's data); [`known_mint`] knows USDC's.
    pub decimals: u8,
    /// The mint account's owner: SPL Token or Token-2022; [`known_mint`] knows USDC's.
    pub token_program: Pubkey,
}

/// The decimals and token program of the mints the reference packages list as defaults (USDC
/// on Solana mainnet and devnet: 6 decimals, SPL Token), for hosts that do not read the mint
/// account.
#[cfg(feature = "svm")]
pub fn known_mint(mint: &Pubkey) -> Option<(u8, Pubkey)> {
    const USDC: [&[u8]; 2] = [
        b"EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
        b"4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU",
    ];
    USDC.iter()
        .any(|m| Pubkey::parse(m).is_ok_and(|m| m == *mint))
        .then_some((6, crate::svm::TOKEN_PROGRAM_ID))
}

/// Builds and partially signs the Solana transfer for `accepts[index]` with `key` and writes the
/// payment header into `out`: [`crate::svm::build_transfer`] with the reference client's
/// compute budget, the memo `extra.memo` or the hex of the caller's 16 random `memo_nonce`
/// bytes, then [`super::write_svm_payment_header`]. `wire` receives the transaction.
#[cfg(feature = "svm")]
#[allow(
    clippy::too_many_arguments,
    reason = "every input is the caller's: key, chain state, randomness, buffers"
)]
pub fn pay_svm<'o>(
    required: &PaymentRequired<'_>,
    index: usize,
    key: &crate::svm::PayerKey,
    chain: &SvmChainState,
    memo_nonce: &[u8; 16],
    wire: &mut [u8],
    scratch: &mut [u8],
    out: &'o mut [u8],
) -> Result<&'o str, ClientError> {
    let mut memo_buf = [0u8; crate::svm::MAX_MEMO_LEN];
    let params = svm_transfer_params(required, index, chain, memo_nonce, &mut memo_buf)?;
    let transaction = crate::svm::build_transfer(&params, key, wire).map_err(ClientError::Build)?;
    super::write_svm_payment_header(required, index, transaction, scratch, out)
}

/// The [`crate::svm::TransferParams`] of [`pay_svm`] for `accepts[index]`: the memo is
/// `extra.memo` or the hex of `memo_nonce`, written into `memo_buf`.
#[cfg(feature = "svm")]
fn svm_transfer_params<'m>(
    required: &PaymentRequired<'m>,
    index: usize,
    chain: &SvmChainState,
    memo_nonce: &[u8; 16],
    memo_buf: &'m mut [u8; crate::svm::MAX_MEMO_LEN],
) -> Result<crate::svm::TransferParams<'m>, ClientError> {
    use crate::svm::{DEFAULT_COMPUTE_UNIT_LIMIT, DEFAULT_COMPUTE_UNIT_PRICE, TransferParams};
    let requirements = accepted_entry(required, index)?;
    let choice = assess(index, requirements)?;
    let (PayKind::ExactSvm { fee_payer }, AssetId::Svm(mint)) = (choice.kind, choice.asset) else {
        return Err(ClientError::UnsupportedNetwork);
    };
    let pay_to = pubkey(requirements.pay_to(), "payTo")?;
    let amount = choice.amount.to_u64().ok_or(ClientError::AmountTooLarge)?;
    let extra_memo = requirements
        .extra()
        .as_ref()
        .and_then(|e| e.field("memo").value())
        .and_then(|v| v.as_str());
    let memo_buf: &'m mut [u8] = memo_buf;
    let memo: &'m [u8] = if let Some(memo) = extra_memo {
        memo.text_in(memo_buf)
            .ok_or(ClientError::InvalidRequirements {
                field: "extra.memo",
            })?
            .as_bytes()
    } else {
        let n = write_all(&mut *memo_buf, |w| crate::hex::write_lower(w, memo_nonce))?;
        let written: &'m [u8] = memo_buf;
        written.get(..n).ok_or(ClientError::BufferTooSmall)?
    };
    Ok(TransferParams {
        fee_payer,
        mint,
        pay_to,
        token_program: chain.token_program,
        amount,
        decimals: chain.decimals,
        memo,
        recent_blockhash: chain.recent_blockhash,
        compute_unit_limit: DEFAULT_COMPUTE_UNIT_LIMIT,
        compute_unit_price: DEFAULT_COMPUTE_UNIT_PRICE,
    })
}

/// As [`pay_svm`] for a wallet that signs itself (`solana:signTransaction`): builds the same
/// transfer for the payer `payer`, unsigned ([`crate::svm::build_unsigned_transfer`]), into
/// `wire` and returns its wire bytes. The wallet's signed bytes go to
/// [`super::write_svm_payment_header`].
#[cfg(feature = "svm")]
pub fn svm_unsigned_transfer<'w>(
    required: &PaymentRequired<'_>,
    index: usize,
    payer: Pubkey,
    chain: &SvmChainState,
    memo_nonce: &[u8; 16],
    wire: &'w mut [u8],
) -> Result<&'w [u8], ClientError> {
    let mut memo_buf = [0u8; crate::svm::MAX_MEMO_LEN];
    let params = svm_transfer_params(required, index, chain, memo_nonce, &mut memo_buf)?;
    crate::svm::build_unsigned_transfer(&params, payer, wire).map_err(ClientError::Build)
}

/// As [`svm_unsigned_transfer`] with the token accounts given
/// ([`crate::svm::build_unsigned_transfer_between`]): what a browser page builds with the
/// destination its server derived and the payer's account it read over RPC.
#[cfg(feature = "svm")]
pub fn svm_unsigned_transfer_between<'w>(
    required: &PaymentRequired<'_>,
    index: usize,
    payer: Pubkey,
    accounts: &crate::svm::TokenAccounts,
    chain: &SvmChainState,
    memo_nonce: &[u8; 16],
    wire: &'w mut [u8],
) -> Result<&'w [u8], ClientError> {
    let mut memo_buf = [0u8; crate::svm::MAX_MEMO_LEN];
    let params = svm_transfer_params(required, index, chain, memo_nonce, &mut memo_buf)?;
    crate::svm::build_unsigned_transfer_between(&params, payer, accounts, wire)
        .map_err(ClientError::Build)
}
