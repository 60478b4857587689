//! The paying side of x402: choose an `accepts` entry, build and sign the payment (with a key
//! held in the app, or through a wallet that signs EIP-712 typed data), emit the header, read
//! the receipt.
//!
//! The 402 arrives as JSON text: the v1 body as is, the v2 `PAYMENT-REQUIRED` header through
//! [`crate::x402::header_to_json`]. Randomness (the nonce) and time come from the caller.

use crate::Pay402Error;
use crate::convert::{address, array, u256, utf8};
use pay402::evm::{Address, PrivateKey};
use pay402::writer::write_all;
use pay402::x402::client::{
    self, AssetTransferMethod as CoreMethod, PayerPolicy as CorePayerPolicy,
    PaymentDraft as CoreDraft, SignedPayment, read_settle_response as core_read_settle_response,
};
use pay402::x402::{Network, PaymentRequired, header};

pub(crate) fn decode(json: &str) -> Result<PaymentRequired<'_>, Pay402Error> {
    Ok(PaymentRequired::from_json(json.as_bytes())?)
}

pub(crate) fn index(accept_index: u32) -> Result<usize, Pay402Error> {
    usize::try_from(accept_index).map_err(|_| Pay402Error::argument("accept_index: too large"))
}

/// How the payer moves the tokens (`extra.assetTransferMethod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AssetTransferMethod {
    /// EIP-3009 `transferWithAuthorization` (the default when `extra` does not say).
    Eip3009,
    /// A Permit2 witness transfer (returned only when `allow_permit2` is set).
    Permit2,
}

/// What the payer can and will pay.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PayerPolicy {
    /// Networks the wallet pays on: v1 names (`base-sepolia`) or CAIP-2 ids (`eip155:84532`).
    pub networks: Vec<String>,
    /// Token contracts the wallet holds (EVM addresses, any case).
    pub assets: Vec<String>,
    /// The most the payer pays for one request (decimal, token base units).
    pub max_amount: String,
    /// Whether Permit2 entries may be chosen (default false: only EIP-3009 is signed here).
    #[uniffi(default = false)]
    pub allow_permit2: bool,
}

/// The `accepts` entry chosen by [`select_payment`].
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PaymentSelection {
    /// Its index in `accepts`.
    pub index: u32,
    /// How its tokens move.
    pub method: AssetTransferMethod,
    /// Its EVM chain id.
    pub chain_id: u64,
}

/// Chooses the `accepts` entry to pay under `policy`: the first acceptable one, in the
/// server's order (x402 `exact` EVM).
///
/// Errors: `Client` with `no_acceptable_requirements`, `amount_exceeds_budget`, …;
/// `X402` for an undecodable 402; `InvalidArgument` for a policy that does not parse.
#[uniffi::export]
pub fn x402_select(
    payment_required_json: String,
    policy: PayerPolicy,
) -> Result<PaymentSelection, Pay402Error> {
    let required = decode(&payment_required_json)?;
    let networks = policy
        .networks
        .iter()
        .map(|n| Network::parse(n).ok_or_else(|| Pay402Error::argument(format!("networks: {n:?}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let assets = policy
        .assets
        .iter()
        .map(|a| address(a, "assets"))
        .collect::<Result<Vec<_>, _>>()?;
    let mut core_policy =
        CorePayerPolicy::new(&networks, &assets, u256(&policy.max_amount, "max_amount")?);
    core_policy.allow_permit2 = policy.allow_permit2;
    let chosen = client::select(&required, &core_policy)?;
    Ok(PaymentSelection {
        index: u32::try_from(chosen.index)
            .map_err(|_| Pay402Error::argument("accepts index beyond u32"))?,
        method: match chosen.method {
            CoreMethod::Eip3009 => AssetTransferMethod::Eip3009,
            CoreMethod::Permit2 => AssetTransferMethod::Permit2,
        },
        chain_id: chosen.chain_id,
    })
}

/// The request header a payment of x402 `version` is sent in: `X-PAYMENT` (1) or
/// `PAYMENT-SIGNATURE` (2).
///
/// Errors: `InvalidArgument` for any other version.
#[uniffi::export]
pub fn x402_payment_header_name(version: u32) -> Result<String, Pay402Error> {
    let version = match version {
        1 => pay402::x402::X402Version::V1,
        2 => pay402::x402::X402Version::V2,
        _ => return Err(Pay402Error::argument("version: 1 or 2")),
    };
    Ok(client::payment_header_name(version).to_owned())
}

/// A signed payment, ready to send.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PaymentHeader {
    /// `X-PAYMENT` (v1) or `PAYMENT-SIGNATURE` (v2).
    pub header_name: String,
    /// The base64 header value.
    pub header_value: String,
    /// The 65-byte signature (v = 27/28).
    pub signature: Vec<u8>,
}

fn header_of(signed: &SignedPayment<'_>) -> Result<PaymentHeader, Pay402Error> {
    let mut scratch = vec![0u8; header::RECOMMENDED_BUFFER_LEN];
    let mut out = vec![0u8; header::RECOMMENDED_BUFFER_LEN * 2];
    let value = signed.write_header(&mut scratch, &mut out)?;
    Ok(PaymentHeader {
        header_name: signed.header_name().to_owned(),
        header_value: value.to_owned(),
        signature: signed.signature().to_vec(),
    })
}

/// Builds, signs and encodes the payment for `accepts[accept_index]` in one call with a
/// 32-byte secp256k1 `private_key`: `validAfter = now − 600`, `validBefore = now +
/// maxTimeoutSeconds`, `value` = the required amount, `nonce` = 32 random bytes.
///
/// Errors: `Client` (`accept_index_out_of_range`, `unsupported_scheme`,
/// `missing_eip712_domain`, …), `X402` for an undecodable 402, `InvalidArgument` for a key or
/// nonce of the wrong length.
#[uniffi::export]
pub fn x402_sign(
    payment_required_json: String,
    accept_index: u32,
    private_key: Vec<u8>,
    now: u64,
    nonce: Vec<u8>,
) -> Result<PaymentHeader, Pay402Error> {
    let required = decode(&payment_required_json)?;
    let key = PrivateKey::from_bytes(&array::<32>(&private_key, "private_key")?)?;
    let nonce = array::<32>(&nonce, "nonce")?;
    let draft = CoreDraft::new(&required, index(accept_index)?, key.address(), now, &nonce)?;
    header_of(&draft.sign(&key)?)
}

/// A payment built but not yet signed: the wallet path. Show [`PaymentDraft::typed_data_json`]
/// to a wallet (`eth_signTypedData_v4`), or sign [`PaymentDraft::digest`] with a hardware key,
/// then attach the signature with [`PaymentDraft::with_wallet_signature`].
#[derive(Debug, uniffi::Object)]
pub struct PaymentDraft {
    required_json: String,
    index: usize,
    from: Address,
    now: u64,
    nonce: [u8; 32],
    digest: [u8; 32],
    typed_data_json: String,
    chain_id: u64,
}

impl PaymentDraft {
    fn with_core<T>(
        &self,
        f: impl FnOnce(&CoreDraft<'_>) -> Result<T, Pay402Error>,
    ) -> Result<T, Pay402Error> {
        let required = decode(&self.required_json)?;
        let draft = CoreDraft::new(&required, self.index, self.from, self.now, &self.nonce)?;
        f(&draft)
    }
}

#[uniffi::export]
impl PaymentDraft {
    /// Builds the authorization for `accepts[accept_index]`, paid by `from` (the wallet's
    /// address), as [`x402_sign`] does.
    #[uniffi::constructor]
    pub fn new(
        payment_required_json: String,
        accept_index: u32,
        from: String,
        now: u64,
        nonce: Vec<u8>,
    ) -> Result<Self, Pay402Error> {
        let mut draft = Self {
            required_json: payment_required_json,
            index: index(accept_index)?,
            from: address(&from, "from")?,
            now,
            nonce: array::<32>(&nonce, "nonce")?,
            digest: [0; 32],
            typed_data_json: String::new(),
            chain_id: 0,
        };
        let (digest, typed_data_json, chain_id) = draft.with_core(|core| {
            let mut buf = vec![0u8; 4096];
            let n = write_all(&mut buf, |w| core.write_typed_data(w))?;
            Ok((
                core.digest(),
                utf8(buf.get(..n).unwrap_or_default()),
                core.chain_id(),
            ))
        })?;
        draft.digest = digest;
        draft.typed_data_json = typed_data_json;
        draft.chain_id = chain_id;
        Ok(draft)
    }

    /// The EIP-712 digest the payer signs (32 bytes).
    pub fn digest(&self) -> Vec<u8> {
        self.digest.to_vec()
    }

    /// The `eth_signTypedData_v4` JSON (`types`, `primaryType`, `domain`, `message`).
    pub fn typed_data_json(&self) -> String {
        self.typed_data_json.clone()
    }

    /// The EVM chain id of the chosen entry.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// Signs with a 32-byte secp256k1 key, which must belong to `from`.
    pub fn sign(&self, private_key: Vec<u8>) -> Result<PaymentHeader, Pay402Error> {
        let key = PrivateKey::from_bytes(&array::<32>(&private_key, "private_key")?)?;
        self.with_core(|core| header_of(&core.sign(&key)?))
    }

    /// Attaches a wallet's signature: the hex text of its JSON-RPC answer (`0x` + 130 hex
    /// digits, any case; v ∈ {0, 1} is normalized to 27/28).
    ///
    /// Errors: `Client` with `signature_length`, `signature_v`, `signature_high_s`,
    /// `signature_invalid`, `signature_wrong_signer`.
    pub fn with_wallet_signature(
        &self,
        signature_hex: String,
    ) -> Result<PaymentHeader, Pay402Error> {
        self.with_core(|core| header_of(&core.with_wallet_signature_hex(signature_hex.as_bytes())?))
    }
}

/// An HTTP header as the app's HTTP client reports it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpHeader {
    /// The field name (matched case-insensitively).
    pub name: String,
    /// The field value.
    pub value: String,
}

/// The facilitator's settlement receipt.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SettleReceipt {
    /// Whether settlement succeeded.
    pub success: bool,
    /// Why it failed (`errorReason`).
    pub error_reason: Option<String>,
    /// The facilitator's message (`errorMessage`).
    pub error_message: Option<String>,
    /// The transaction hash.
    pub transaction: Option<String>,
    /// The network it settled on.
    pub network: String,
    /// The payer.
    pub payer: Option<String>,
    /// The settled amount (decimal), when reported.
    pub amount: Option<String>,
}

/// Finds the receipt header (`PAYMENT-RESPONSE`, else `X-PAYMENT-RESPONSE`) among a
/// response's headers and decodes it; `None` when there is none.
///
/// Errors: `X402` with `invalid_payload` for an undecodable receipt.
#[uniffi::export]
pub fn read_settle_response(
    headers: Vec<HttpHeader>,
) -> Result<Option<SettleReceipt>, Pay402Error> {
    let pairs: Vec<(&str, &[u8])> = headers
        .iter()
        .map(|h| (h.name.as_str(), h.value.as_bytes()))
        .collect();
    let mut buf = vec![0u8; headers.iter().map(|h| h.value.len()).max().unwrap_or(0)];
    let Some(receipt) = core_read_settle_response(&pairs, &mut buf)? else {
        return Ok(None);
    };
    let text = |s: Option<pay402::json::JsonStr<'_>>| s.map(|s| s.to_string());
    Ok(Some(SettleReceipt {
        success: receipt.success,
        error_reason: text(receipt.error_reason),
        error_message: text(receipt.error_message),
        transaction: text(receipt.transaction),
        network: receipt.network.to_string(),
        payer: text(receipt.payer),
        amount: receipt.amount.map(|a| a.to_string()),
    }))
}
