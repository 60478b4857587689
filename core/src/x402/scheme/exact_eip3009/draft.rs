//! Building the EIP-3009 authorization a payment signs (<https://github.com/coinbase/x402/blob/main/specs/schemes/exact/scheme_exact_evm.md>) and presenting it to a
//! signer: its EIP-712 digest, or the `eth_signTypedData_v4` JSON for an external wallet.

use super::signed::SignedPayment;
use crate::error::BufferTooSmall;
use crate::evm::{Address, Eip712Domain, PrivateKey, TransferWithAuthorization};
use crate::json::{JsonStr, ObjectWriter, RawValue, write_json_str};
use crate::u256::U256;
use crate::writer::Writer;
use crate::x402::X402Version;
use crate::x402::client::selection::{AssetTransferMethod, Offer};
use crate::x402::client::{ClientError, DOMAIN_TEXT_CAP, VALID_AFTER_BACKDATE, accepted_entry};
use crate::x402::payment_required::PaymentRequired;
use crate::x402::payment_requirements::{PaymentRequirements, write_amount};
use crate::x402::resource_info::ResourceInfo;

/// The `types` member of the `eth_signTypedData_v4` request: the 4-field domain and
/// `TransferWithAuthorization` (x402 v2 specification §6.1.1), in viem's field order.
const TYPED_DATA_TYPES: &str = concat!(
    r#"{"EIP712Domain":[{"name":"name","type":"string"},{"name":"version","type":"string"},"#,
    r#"{"name":"chainId","type":"uint256"},{"name":"verifyingContract","type":"address"}],"#,
    r#""TransferWithAuthorization":[{"name":"from","type":"address"},{"name":"to","type":"address"},"#,
    r#"{"name":"value","type":"uint256"},{"name":"validAfter","type":"uint256"},"#,
    r#"{"name":"validBefore","type":"uint256"},{"name":"nonce","type":"bytes32"}]}"#
);

/// An unsigned `exact` EIP-3009 payment for one `accepts` entry: the authorization built as the
/// reference client builds it, with everything needed to sign it and to emit the header.
///
/// ```
/// use pay402::evm::{Address, PrivateKey};
/// use pay402::x402::client::PaymentDraft;
/// use pay402::x402::PaymentRequired;
///
/// let body = br#"{"x402Version":1,"accepts":[{"scheme":"exact","network":"base-sepolia","maxAmountRequired":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","resource":"https://api.example.com/premium-data","description":"","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}]}"#;
/// let required = PaymentRequired::from_json(body)?;
/// let key = PrivateKey::from_bytes(&[0x11; 32])?;
/// let draft = PaymentDraft::new(&required, 0, key.address(), 1_740_672_089, &[7; 32])?;
/// assert_eq!(draft.authorization().valid_after, pay402::U256::from_u64(1_740_671_489));
/// assert_eq!(draft.authorization().valid_before, pay402::U256::from_u64(1_740_672_149));
///
/// let mut scratch = [0u8; 2048];
/// let mut out = [0u8; 4096];
/// let header = draft.sign(&key)?.write_header(&mut scratch, &mut out)?;
/// assert!(header.starts_with("eyJ4NDAyVmVyc2lvbiI6MSwic2NoZW1lIjoiZXhhY3Qi")); // {"x402Version":1,"scheme":"exact"
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct PaymentDraft<'a> {
    requirements: PaymentRequirements<'a>,
    resource: Option<ResourceInfo<'a>>,
    extensions: Option<RawValue<'a>>,
    domain_name: JsonStr<'a>,
    domain_version: JsonStr<'a>,
    chain_id: u64,
    asset: Address,
    authorization: TransferWithAuthorization,
}

impl<'a> PaymentDraft<'a> {
    /// Builds the payment for `accepts[index]` of `required`, paid by `payer` at `now` (unix
    /// seconds) with the caller's 32 random `nonce` bytes (the reference client; the vectors'
    /// `x402.sign`):
    ///
    /// | field | value |
    /// |---|---|
    /// | `from` | `payer` |
    /// | `to` | `payTo` |
    /// | `value` | the required amount (`maxAmountRequired` in v1, `amount` in v2) |
    /// | `validAfter` | `now − 600`, saturating at 0 |
    /// | `validBefore` | `now + maxTimeoutSeconds` |
    /// | `nonce` | `nonce` |
    ///
    /// The EIP-712 domain is `{extra.name, extra.version, chainId of the network, asset}`.
    /// The entry is used as given (no payer policy: see [`crate::x402::client::select`]) but must be
    /// signable: `exact`, a known EVM network, EIP-3009, a domain in `extra`, address-valued
    /// `asset` and `payTo`; otherwise the first unmet condition is the error.
    pub fn new(
        required: &PaymentRequired<'a>,
        index: usize,
        payer: Address,
        now: u64,
        nonce: &[u8; 32],
    ) -> Result<Self, ClientError> {
        let requirements = accepted_entry(required, index)?;
        let offer = Offer::assess(&requirements)?;
        let (domain_name, domain_version) = match (offer.method, offer.domain) {
            (AssetTransferMethod::Eip3009, Some(domain)) => domain,
            (AssetTransferMethod::Permit2, _) => return Err(ClientError::Permit2NotSupported),
            (AssetTransferMethod::Eip3009, None) => return Err(ClientError::MissingEip712Domain),
        };
        let (resource, extensions) = match required {
            PaymentRequired::V1(_) => (None, None),
            PaymentRequired::V2(p) => (Some(p.resource), p.extensions),
        };
        let valid_before =
            u128::from(now).saturating_add(u128::from(requirements.max_timeout_seconds()));
        Ok(Self {
            requirements,
            resource,
            extensions,
            domain_name,
            domain_version,
            chain_id: offer.chain_id,
            asset: offer.asset,
            authorization: TransferWithAuthorization {
                from: payer,
                to: offer.pay_to,
                value: requirements.amount(),
                valid_after: U256::from_u64(now.saturating_sub(VALID_AFTER_BACKDATE)),
                valid_before: U256::from_u128(valid_before),
                nonce: *nonce,
            },
        })
    }

    /// The protocol version of the 402, and so of the payment.
    pub fn version(&self) -> X402Version {
        self.requirements.version()
    }

    /// The `accepts` entry being paid.
    pub fn requirements(&self) -> &PaymentRequirements<'a> {
        &self.requirements
    }

    /// The authorization to sign.
    pub fn authorization(&self) -> &TransferWithAuthorization {
        &self.authorization
    }

    /// The EIP-155 chain id of the network.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// The token contract, the EIP-712 `verifyingContract`.
    pub fn asset(&self) -> Address {
        self.asset
    }

    /// The EIP-712 digest of the authorization: what the payer's key signs.
    pub fn digest(&self) -> [u8; 32] {
        let mut name = [0u8; DOMAIN_TEXT_CAP];
        let mut version = [0u8; DOMAIN_TEXT_CAP];
        // Selection bounded both texts by DOMAIN_TEXT_CAP, so they always decode.
        let domain = Eip712Domain {
            name: self.domain_name.text_in(&mut name),
            version: self.domain_version.text_in(&mut version),
            chain_id: Some(self.chain_id),
            verifying_contract: Some(self.asset),
        };
        self.authorization.digest(&domain)
    }

    /// Signs with `key` (RFC 6979, low `s`, `v` 27/28). Fails with `signature_wrong_signer`
    /// when `key` is not the payer's.
    pub fn sign(&self, key: &PrivateKey) -> Result<SignedPayment<'a>, ClientError> {
        let found = key.address();
        if found != self.authorization.from {
            return Err(ClientError::WrongSigner {
                expected: self.authorization.from,
                found,
            });
        }
        Ok(SignedPayment::new(self, key.sign(&self.digest())))
    }

    /// Writes the `eth_signTypedData_v4` parameter for an external wallet (`MetaMask`, `WalletConnect`,
    /// viem's `signTypedData` JSON-RPC request):
    ///
    /// `{"types":{"EIP712Domain":[…],"TransferWithAuthorization":[…]},"primaryType":"TransferWithAuthorization","domain":{"name","version","chainId":<number>,"verifyingContract"},"message":{"from","to","value","validAfter","validBefore","nonce"}}`
    ///
    /// As viem's `serializeTypedData` writes it: addresses in lowercase, the `uint256` fields as
    /// decimal strings, `chainId` as a number, the nonce as `0x` + 64 lowercase digits. The
    /// wallet's signature goes to [`PaymentDraft::with_wallet_signature`].
    pub fn write_typed_data(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        let a = &self.authorization;
        let mut o = ObjectWriter::begin(w)?;
        o.field_with("types", |w| w.push_str(TYPED_DATA_TYPES))?;
        o.field_str("primaryType", "TransferWithAuthorization")?;
        o.field_with("domain", |w| {
            let mut d = ObjectWriter::begin(w)?;
            d.field_with("name", |w| write_json_str(w, &self.domain_name))?;
            d.field_with("version", |w| write_json_str(w, &self.domain_version))?;
            d.field_u64("chainId", self.chain_id)?;
            d.field_with("verifyingContract", |w| {
                quoted(w, |w| self.asset.write_lower(w))
            })?;
            d.end()
        })?;
        o.field_with("message", |w| write_authorization(w, a, AddressCase::Lower))?;
        o.end()
    }

    /// The v2 `resource` of the 402, echoed in the payment.
    pub(super) fn resource(&self) -> Option<&ResourceInfo<'a>> {
        self.resource.as_ref()
    }

    /// The v2 `extensions` of the 402, echoed in the payment.
    pub(super) fn extensions(&self) -> Option<&RawValue<'a>> {
        self.extensions.as_ref()
    }
}

/// Writes `"` + what `inner` writes + `"`.
pub(crate) fn quoted(
    w: &mut Writer<'_>,
    inner: impl FnOnce(&mut Writer<'_>) -> Result<(), BufferTooSmall>,
) -> Result<(), BufferTooSmall> {
    w.push_byte(b'"')?;
    inner(w)?;
    w.push_byte(b'"')
}

/// How addresses are written in an authorization object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AddressCase {
    /// Lowercase, as viem and wallets serialize `eth_signTypedData_v4` messages.
    Lower,
    /// EIP-55, as the reference client writes the payment header.
    Checksummed,
}

/// Writes `{"from","to","value","validAfter","validBefore","nonce"}`: the EIP-3009 authorization
/// as both the typed-data message and the payment header carry it.
pub(super) fn write_authorization(
    w: &mut Writer<'_>,
    a: &TransferWithAuthorization,
    case: AddressCase,
) -> Result<(), BufferTooSmall> {
    let address = |w: &mut Writer<'_>, address: &Address| match case {
        AddressCase::Lower => address.write_lower(w),
        AddressCase::Checksummed => address.write_checksummed(w),
    };
    let mut m = ObjectWriter::begin(w)?;
    m.field_with("from", |w| quoted(w, |w| address(w, &a.from)))?;
    m.field_with("to", |w| quoted(w, |w| address(w, &a.to)))?;
    m.field_with("value", |w| write_amount(w, &a.value))?;
    m.field_with("validAfter", |w| write_amount(w, &a.valid_after))?;
    m.field_with("validBefore", |w| write_amount(w, &a.valid_before))?;
    m.field_with("nonce", |w| {
        quoted(w, |w| crate::hex::write_0x_lower(w, &a.nonce))
    })?;
    m.end()
}
