//! x402 codecs and the verifying side: decode and re-encode the three wire objects, base64
//! headers, offline verification of a payment header against one `PaymentRequirements`.

use crate::Pay402Error;
use crate::convert::{address, pubkey, u256, utf8};
use pay402::evm::SignaturePolicy as CoreSignaturePolicy;
use pay402::writer::write_all;
use pay402::x402::HostCheck;
use pay402::x402::{
    AmountRule as CoreAmountRule, AnyVerified, DecodeError, PaymentKind as CorePaymentKind,
    PaymentPayload, PaymentRequired, SettleResponse, SvmPolicy, SvmVerified, UptoOptions, Verified,
    Verifier, VerifyError, VerifyPolicy, header,
};

/// Which x402 wire object a JSON text or header holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum X402Kind {
    /// The 402 body (v1) or `PAYMENT-REQUIRED` header (v2).
    PaymentRequired,
    /// The `X-PAYMENT` (v1) or `PAYMENT-SIGNATURE` (v2) header.
    PaymentPayload,
    /// The `X-PAYMENT-RESPONSE` / `PAYMENT-RESPONSE` receipt.
    SettleResponse,
}

/// A decoded x402 object, re-encoded canonically.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct X402Decoded {
    /// `x402Version` (1 or 2); `None` for a settle response, which carries none.
    pub x402_version: Option<u64>,
    /// The value re-encoded as compact JSON in the spec's key order.
    pub json: String,
}

/// A decode failure as the verifier reports it: `invalid_x402_version` for an unsupported
/// version, else `invalid_payload`; the reason keeps the decoder's detail.
fn decode_verdict(error: DecodeError) -> Pay402Error {
    let reason = error.to_string();
    match Pay402Error::from(VerifyError::from_payload(error)) {
        Pay402Error::X402 {
            code, detail_code, ..
        } => Pay402Error::X402 {
            code,
            reason,
            detail_code,
        },
        other => other,
    }
}

/// Decodes `json` (the JSON text of a `kind` object) and re-encodes it canonically.
///
/// Errors: `X402` with `invalid_payload` or `invalid_x402_version`.
#[uniffi::export]
pub fn x402_decode_json(kind: X402Kind, json: String) -> Result<X402Decoded, Pay402Error> {
    let json = json.as_bytes();
    let mut out = vec![0u8; json.len() * 2 + 4096];
    let (x402_version, n) = match kind {
        X402Kind::PaymentRequired => {
            let value = PaymentRequired::from_json(json).map_err(decode_verdict)?;
            let n = write_all(&mut out, |w| value.write_json(w))?;
            (Some(value.version().number()), n)
        }
        X402Kind::PaymentPayload => {
            let value = PaymentPayload::from_json(json).map_err(decode_verdict)?;
            let n = write_all(&mut out, |w| value.write_json(w))?;
            (Some(value.version().number()), n)
        }
        X402Kind::SettleResponse => {
            let value = SettleResponse::from_json(json).map_err(decode_verdict)?;
            (None, write_all(&mut out, |w| value.write_json(w))?)
        }
    };
    out.truncate(n);
    Ok(X402Decoded {
        x402_version,
        json: utf8(&out),
    })
}

/// Decodes a base64 header value (`PAYMENT-REQUIRED`, `X-PAYMENT`/`PAYMENT-SIGNATURE`,
/// `X-PAYMENT-RESPONSE`/`PAYMENT-RESPONSE`) holding a `kind` object, and re-encodes it as
/// [`x402_decode_json`] does.
#[uniffi::export]
pub fn x402_decode_header(kind: X402Kind, header: String) -> Result<X402Decoded, Pay402Error> {
    x402_decode_json(kind, x402_header_to_json(header)?)
}

/// The JSON text inside a base64 x402 header value (standard or URL-safe alphabet).
///
/// Errors: `X402` with `invalid_payload`.
#[uniffi::export]
pub fn x402_header_to_json(header: String) -> Result<String, Pay402Error> {
    let mut buf = vec![0u8; header.len()];
    let json = header::decode(header.as_bytes(), &mut buf).map_err(decode_verdict)?;
    Ok(utf8(json))
}

/// The base64 header value (standard alphabet, padded) carrying `json`.
#[uniffi::export]
pub fn x402_encode_header(json: String) -> Result<String, Pay402Error> {
    let mut out = vec![0u8; json.len() * 4 / 3 + 8];
    Ok(header::encode(json.as_bytes(), &mut out)?.to_owned())
}

/// How the paid amount must compare with the required one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AmountRule {
    /// Equal (the reference facilitator; the default).
    Exact,
    /// At least the required amount.
    AtLeast,
}

/// Which ECDSA signature encodings are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SignaturePolicy {
    /// 65 bytes, v ∈ {27, 28}, s ≤ n/2: what the USDC contract accepts (the default).
    Strict,
    /// Also v ∈ {0, 1}, high s (normalized) and 64-byte ERC-2098 compact signatures.
    Lenient,
}

impl From<SignaturePolicy> for CoreSignaturePolicy {
    fn from(policy: SignaturePolicy) -> Self {
        match policy {
            SignaturePolicy::Strict => Self::Strict,
            SignaturePolicy::Lenient => Self::Lenient,
        }
    }
}

/// The verifier's policy, the `upto` settlement inputs and the Solana policy. Every field has
/// the core's default (EVM: `VerifyPolicy::default()`; Solana: `SvmPolicy::default()`, the
/// reference facilitator's).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VerifyOptions {
    /// Amount comparison (`None`: the default, exact).
    #[uniffi(default = None)]
    pub amount: Option<AmountRule>,
    /// Signature encodings accepted (`None`: the default, strict).
    #[uniffi(default = None)]
    pub signature: Option<SignaturePolicy>,
    /// Seconds `validBefore` must lie after `now` (default 6, the reference facilitator's).
    #[uniffi(default = 6)]
    pub valid_before_slack: u64,
    /// `upto` only: the amount to settle (decimal; at most the signed amount).
    #[uniffi(default = None)]
    pub settle_amount: Option<String>,
    /// `upto` only: the facilitator address the witness must name.
    #[uniffi(default = None)]
    pub facilitator: Option<String>,
    /// Solana: the fee-payer keys (base58) this facilitator manages. Empty (the default):
    /// exactly the requirements' `extra.feePayer`.
    #[uniffi(default = [])]
    pub fee_payers: Vec<String>,
    /// Solana: highest `SetComputeUnitPrice`, µlamports (default 5,000,000).
    #[uniffi(default = 5_000_000)]
    pub max_compute_unit_price: u64,
    /// Solana: highest `SetComputeUnitLimit` (`None`, the default: unbounded).
    #[uniffi(default = None)]
    pub max_compute_unit_limit: Option<u32>,
    /// Solana: most instructions in the transaction (default 6; at least 3 are required).
    #[uniffi(default = 6)]
    pub max_instructions: u32,
}

/// Which settlement call a verified payment needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PaymentKind {
    /// `exact` with EIP-3009: the token's `transferWithAuthorization`.
    ExactEip3009,
    /// `exact` with Permit2: the exact Permit2 proxy's `settle`.
    ExactPermit2,
    /// `upto` with Permit2: the upto proxy's `settle` with the charged amount.
    UptoPermit2,
}

/// An EVM payment that passed every offline check.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EvmPayment {
    /// The protocol version of the payment (1 or 2).
    pub x402_version: u64,
    /// The network, CAIP-2 (`eip155:8453`).
    pub network: String,
    /// The EIP-155 chain id.
    pub chain_id: Option<u64>,
    /// The settlement call it needs.
    pub kind: PaymentKind,
    /// The payer (EIP-55 checksummed).
    pub payer: String,
    /// The amount to settle (decimal).
    pub amount: String,
    /// The amount the payer signed for (decimal).
    pub authorized_amount: String,
    /// The authorization nonce (32 bytes).
    pub nonce: Vec<u8>,
    /// `validBefore` of the authorization (decimal unix seconds).
    pub valid_before: String,
    /// 80 bytes (chain ‖ asset ‖ payer ‖ nonce): record it once (insert-if-absent) before
    /// serving or settling, so the same authorization is never accepted twice.
    pub replay_key: Vec<u8>,
}

/// What a Solana facilitator must still check with RPC before settling (x402 `exact` SVM).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum SvmHostCheck {
    /// The recent blockhash is still valid.
    RecentBlockhash,
    /// The source and destination token accounts exist (and the source holds the amount).
    TokenAccounts,
    /// The mint is owned by the transfer's token program and has the stated decimals.
    Mint,
    /// `simulateTransaction` with the fee payer's signature succeeds.
    Simulation,
    /// The same transaction is not settled twice.
    DuplicateSettlement,
}

impl From<HostCheck> for SvmHostCheck {
    fn from(check: HostCheck) -> Self {
        match check {
            HostCheck::RecentBlockhash => Self::RecentBlockhash,
            HostCheck::TokenAccounts => Self::TokenAccounts,
            HostCheck::Mint => Self::Mint,
            HostCheck::Simulation => Self::Simulation,
            HostCheck::DuplicateSettlement => Self::DuplicateSettlement,
        }
    }
}

/// A Solana `exact` payment that passed every offline check (the transaction is partially
/// signed: the facilitator adds the fee payer's signature).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SvmPayment {
    /// The payer: the transfer's authority (base58), proven by its signature.
    pub payer: String,
    /// The amount transferred, atomic units (decimal).
    pub amount: String,
    /// The fee payer (`extra.feePayer`, base58) whose signature the facilitator adds.
    pub fee_payer: String,
    /// The mint transferred (base58; equals the requirements' `asset`).
    pub mint: String,
    /// The transaction's recent blockhash (32 bytes).
    pub recent_blockhash: Vec<u8>,
    /// What is left for the facilitator to check with RPC, in the order to check it.
    pub still_to_check: Vec<SvmHostCheck>,
}

/// A payment that passed every offline check, on either chain family.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum VerifiedPayment {
    /// An EVM payment (`eip155:*` or a v1 EVM network name).
    Evm {
        /// The verified EVM payment.
        payment: EvmPayment,
    },
    /// A Solana payment (`solana:*` or a v1 Solana network name).
    Svm {
        /// The verified Solana payment.
        payment: SvmPayment,
    },
}

impl From<Verified> for EvmPayment {
    fn from(verified: Verified) -> Self {
        Self {
            x402_version: verified.x402_version.number(),
            network: match verified.network {
                pay402::x402::Network::Eip155 { chain_id } => format!("eip155:{chain_id}"),
                pay402::x402::Network::Solana(cluster) => cluster.caip2().to_owned(),
            },
            chain_id: verified.network.chain_id(),
            kind: match verified.kind {
                CorePaymentKind::ExactEip3009 => PaymentKind::ExactEip3009,
                CorePaymentKind::ExactPermit2 => PaymentKind::ExactPermit2,
                CorePaymentKind::UptoPermit2 => PaymentKind::UptoPermit2,
            },
            payer: verified.payer.to_string(),
            amount: verified.amount.to_string(),
            authorized_amount: verified.authorized_amount.to_string(),
            nonce: verified.nonce.to_vec(),
            valid_before: verified.valid_before.to_string(),
            replay_key: verified.replay_key.to_bytes().to_vec(),
        }
    }
}

impl From<SvmVerified> for SvmPayment {
    fn from(verified: SvmVerified) -> Self {
        Self {
            payer: verified.payer.to_string(),
            amount: verified.amount.to_string(),
            fee_payer: verified.fee_payer.to_string(),
            mint: verified.transfer.mint.to_string(),
            recent_blockhash: verified.recent_blockhash.to_vec(),
            still_to_check: verified
                .still_to_check
                .iter()
                .copied()
                .map(SvmHostCheck::from)
                .collect(),
        }
    }
}

/// The EVM policy and `upto` inputs of `options`.
pub(crate) fn evm_policy(
    options: &VerifyOptions,
) -> Result<(VerifyPolicy, UptoOptions), Pay402Error> {
    let mut policy = VerifyPolicy {
        signature: options.signature.unwrap_or(SignaturePolicy::Strict).into(),
        valid_before_slack: options.valid_before_slack,
        ..VerifyPolicy::default()
    };
    if options.amount == Some(AmountRule::AtLeast) {
        policy.amount = CoreAmountRule::AtLeast;
    }
    let upto = UptoOptions {
        settle_amount: options
            .settle_amount
            .as_deref()
            .map(|s| u256(s, "settle_amount"))
            .transpose()?,
        facilitator: options
            .facilitator
            .as_deref()
            .map(|s| address(s, "facilitator"))
            .transpose()?,
    };
    Ok((policy, upto))
}

/// Verifies a payment header value (`X-PAYMENT` / `PAYMENT-SIGNATURE`) against one offered
/// `PaymentRequirements` JSON object: everything a facilitator checks without a chain
/// (x402 `exact` EVM at unix time `now`; `exact` SVM for Solana, where `now` is unused and the
/// Solana fields of `options` apply).
///
/// Errors: `X402` with the facilitator's `invalidReason` (`invalid_exact_evm_signature`,
/// `permit2_deadline_expired`, `invalid_exact_svm_payload_amount_mismatch`, …);
/// `InvalidArgument` for a malformed `settle_amount`, `facilitator` or fee-payer key.
#[uniffi::export]
pub fn x402_verify(
    requirements_json: String,
    payment_header: String,
    now: u64,
    options: VerifyOptions,
) -> Result<VerifiedPayment, Pay402Error> {
    let (policy, upto) = evm_policy(&options)?;
    let fee_payers = options
        .fee_payers
        .iter()
        .map(|k| pubkey(k, "fee_payers"))
        .collect::<Result<Vec<_>, _>>()?;
    let svm = SvmPolicy {
        fee_payers: &fee_payers,
        max_compute_unit_price: options.max_compute_unit_price,
        max_compute_unit_limit: options.max_compute_unit_limit,
        max_instructions: usize::try_from(options.max_instructions).unwrap_or(usize::MAX),
        ..SvmPolicy::default()
    };
    let mut buf = vec![0u8; header::RECOMMENDED_BUFFER_LEN.max(payment_header.len())];
    let verified = Verifier {
        policy,
        svm: Some(svm),
        upto,
    }
    .verify_header(
        requirements_json.as_bytes(),
        payment_header.as_bytes(),
        &mut buf,
        now,
    )?;
    Ok(match verified {
        AnyVerified::Evm(verified) => VerifiedPayment::Evm {
            payment: verified.into(),
        },
        AnyVerified::Svm(verified) => VerifiedPayment::Svm {
            payment: verified.into(),
        },
    })
}
