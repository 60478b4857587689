//! Verification of an EVM payment against one `PaymentRequirements`, offline and pure: a
//! function of the decoded views, the policy and `now`.
//!
//! [`verify_payment`] dispatches on the payload shape, as the reference facilitator does
//! (x402.md §5.1): `permit2Authorization` → Permit2 (`exact` with `assetTransferMethod:
//! "permit2"`, or `upto`; checks in [`super::verify_permit2`]); anything else → `exact` with
//! EIP-3009 (x402.md §7.1), below. [`verify_exact_evm`] and [`verify_payment_header`] are
//! [`verify_payment`] / [`verify_payment_header_with`] without the `upto` inputs.
//!
//! EIP-3009 checks, in order (the first failure is the verdict):
//!
//! | # | check | error code |
//! |---|---|---|
//! | 1 | payment and requirements have the same `x402Version` | `invalid_x402_version` |
//! | 2 | the requirements' network is a known EVM network | `invalid_network` |
//! | 3 | the scheme payload decodes as EIP-3009 | `invalid_payload` / `unsupported_payload_type` |
//! | 4 | both schemes are `exact` | `invalid_exact_evm_scheme` |
//! | 5 | `extra.name` and `extra.version` are non-empty strings | `invalid_exact_evm_missing_eip712_domain` |
//! | 6 | the payment's network equals the requirements' | `invalid_exact_evm_network_mismatch` |
//! | 7 | v2: `accepted` equals the requirements ([`AcceptedMatch`]) | `accepted_requirements_mismatch` |
//! | 8 | the EIP-712 signature recovers `authorization.from` ([`SignaturePolicy`]) | `invalid_exact_evm_signature` |
//! | 9 | `authorization.to == payTo` (case-insensitive) | `invalid_exact_evm_recipient_mismatch` |
//! | 10 | `validBefore >= now + valid_before_slack` | `invalid_exact_evm_payload_authorization_valid_before` |
//! | 11 | `validAfter <= now` | `invalid_exact_evm_payload_authorization_valid_after` |
//! | 12 | `value == amount` ([`AmountRule`]) | `invalid_exact_evm_payload_authorization_value_mismatch` |
//!
//! Steps 4–12 are the TypeScript reference facilitator's order. What needs the chain (balance,
//! nonce state, EIP-1271/ERC-6492 smart wallets, simulation) is left to the host; the
//! [`Verified`] result carries the [`ReplayKey`] to record.
//!
//! [`SignaturePolicy`]: crate::evm::SignaturePolicy

use super::error::{DecodeError, DecodeReason, SignatureFailure, VerifyError};
use super::exact_evm_payload::{ExactEvmPayload, PayloadKind, ReplayKey};
use super::network::Network;
use super::payment_payload::PaymentPayload;
use super::payment_requirements::{PaymentRequirements, PaymentRequirementsV2};
use super::policy::{AcceptedMatch, AmountRule, VerifyPolicy};
use super::verify_permit2::verify_permit2;
#[cfg(feature = "svm")]
use super::verify_svm::{SvmPolicy, SvmVerified, verify_exact_svm};
use super::{X402Version, field};
use crate::evm::{Address, Eip712Domain, recover_address};
use crate::json::{JsonStr, RawValue, values_equal};
use crate::u256::U256;

/// Longest EIP-712 domain `name`/`version` the verifier decodes, in bytes.
const DOMAIN_TEXT_CAP: usize = 256;

/// Which kind of EVM payment passed verification: it decides the settlement call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentKind {
    /// `exact` with EIP-3009: the token's `transferWithAuthorization`.
    ExactEip3009,
    /// `exact` with Permit2: `x402ExactPermit2Proxy.settle`.
    ExactPermit2,
    /// `upto` with Permit2: `x402UptoPermit2Proxy.settle` with the charged amount.
    UptoPermit2,
}

/// A payment that passed every offline check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// The protocol version of the payment.
    pub x402_version: X402Version,
    /// The resolved network.
    pub network: Network,
    /// EIP-3009 or Permit2, `exact` or `upto`.
    pub kind: PaymentKind,
    /// The payer: `authorization.from` (Permit2: `permit2Authorization.from`), proven by the
    /// signature.
    pub payer: Address,
    /// The amount to charge in atomic units: the signed amount, or for `upto` the
    /// [`VerifyInput::settle_amount`] when one was given.
    pub amount: U256,
    /// The signed amount (EIP-3009 `value`, Permit2 `permitted.amount`): for `upto` the maximum.
    pub authorized_amount: U256,
    /// The nonce: EIP-3009's 32 bytes, or Permit2's uint256 as 32 big-endian bytes.
    pub nonce: [u8; 32],
    /// `validBefore` (Permit2: `deadline`): after this time the authorization can no longer
    /// settle, so a replay store may forget the nonce.
    pub valid_before: U256,
    /// What a host records to refuse a second use of this authorization. For Permit2 its
    /// `asset` is the Permit2 contract, which tracks nonces per `(owner, nonce)` for every token.
    pub replay_key: ReplayKey,
}

/// The inputs of [`verify_payment`] besides the payment and the requirements.
///
/// ```
/// use pay402::evm::Address;
/// use pay402::x402::VerifyInput;
/// use pay402::U256;
/// // Settling an `upto` payment: charge 500 through facilitator 0x…dEaD.
/// let input = VerifyInput {
///     settle_amount: Some(U256::from_u64(500)),
///     facilitator: Some(Address::parse(b"0x000000000000000000000000000000000000dEaD")?),
///     ..VerifyInput::at(1_740_672_100)
/// };
/// assert_eq!(input.policy.valid_before_slack, 6);
/// # Ok::<(), pay402::evm::AddressError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyInput {
    /// The current time, unix seconds.
    pub now: u64,
    /// The verification policy.
    pub policy: VerifyPolicy,
    /// `upto` at settle time: the actual charge, which must not exceed the signed maximum
    /// (`invalid_upto_evm_payload_settlement_exceeds_amount`). Ignored for `exact`.
    pub settle_amount: Option<U256>,
    /// `upto`: this facilitator's address, the one `witness.facilitator` must name. `None`
    /// fails every `upto` payment closed (`upto_facilitator_mismatch`). Ignored for `exact`.
    pub facilitator: Option<Address>,
}

impl VerifyInput {
    /// The default policy at time `now`, without `upto` inputs.
    pub fn at(now: u64) -> Self {
        Self {
            now,
            policy: VerifyPolicy::default(),
            settle_amount: None,
            facilitator: None,
        }
    }
}

/// Verifies a decoded EVM payment (EIP-3009 or Permit2, `exact` or `upto`) against one
/// requirement; see the module documentation for the dispatch and [`super::verify_permit2`] for
/// the Permit2 checks.
///
/// ```
/// use pay402::x402::{verify_payment, PaymentPayload, PaymentRequirements, VerifyInput};
/// use pay402::json::RawValue;
/// use pay402::ErrorCode;
///
/// // The x402 spec's Permit2 example (x402.md §9.1): its signature is a placeholder made for the
/// // EIP-3009 example, so every other check passes and the signature check fails.
/// let requirements = br#"{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"assetTransferMethod":"permit2"}}"#;
/// let payment = br#"{"x402Version":2,"accepted":{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"assetTransferMethod":"permit2"}},"payload":{"signature":"0x2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c","permit2Authorization":{"from":"0x857b06519E91e3A54538791bDbb0E22373e36b66","permitted":{"token":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","amount":"10000"},"spender":"0x402085c248EeA27D92E8b30b2C58ed07f9E20001","nonce":"33247007178036348590600198031289925668252061821958005840077069883511451257277","deadline":"1740672154","witness":{"to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","validAfter":"1740672089"}}}}"#;
/// let requirements = PaymentRequirements::from_json_value(RawValue::parse(requirements)?)?;
/// let payment = PaymentPayload::from_json(payment)?;
/// let verdict = verify_payment(&requirements, &payment, &VerifyInput::at(1_740_672_100));
/// assert_eq!(verdict.unwrap_err().code(), "invalid_permit2_signature");
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
pub fn verify_payment(
    requirements: &PaymentRequirements<'_>,
    payment: &PaymentPayload<'_>,
    input: &VerifyInput,
) -> Result<Verified, VerifyError> {
    if PayloadKind::of(&payment.payload()) == PayloadKind::Permit2 {
        verify_permit2(requirements, payment, input)
    } else {
        verify_eip3009(requirements, payment, input.now, &input.policy)
    }
}

/// A payment that passed every offline check, on either chain family.
#[cfg(feature = "svm")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnyVerified {
    /// An EVM payment ([`verify_payment`]).
    Evm(Verified),
    /// A Solana payment ([`verify_exact_svm`]).
    Svm(SvmVerified),
}

/// Verifies a payment on any supported network: requirements on a Solana cluster go to
/// [`verify_exact_svm`] with `svm`, everything else to [`verify_payment`] with `input`.
/// ([`verify_payment`] itself is EVM-only: a Solana network gives `invalid_network` there.)
#[cfg(feature = "svm")]
pub fn verify_any_payment(
    requirements: &PaymentRequirements<'_>,
    payment: &PaymentPayload<'_>,
    input: &VerifyInput,
    svm: &SvmPolicy<'_>,
) -> Result<AnyVerified, VerifyError> {
    match resolve_network(requirements.network(), requirements.version()) {
        Some(Network::Solana(_)) => {
            verify_exact_svm(requirements, payment, svm).map(AnyVerified::Svm)
        }
        _ => verify_payment(requirements, payment, input).map(AnyVerified::Evm),
    }
}

/// Decodes the requirements JSON and the payment header, then runs [`verify_any_payment`].
///
/// `buf` receives the decoded header JSON ([`super::header::RECOMMENDED_BUFFER_LEN`] is plenty).
/// Requirements that cannot be decoded give `invalid_payment_requirements`; a header that cannot
/// be decoded gives `invalid_payload`, or `invalid_x402_version` for an unknown version.
#[cfg(feature = "svm")]
pub fn verify_any_payment_header(
    requirements_json: &[u8],
    payment_header: &[u8],
    buf: &mut [u8],
    input: &VerifyInput,
    svm: &SvmPolicy<'_>,
) -> Result<AnyVerified, VerifyError> {
    let requirements = RawValue::parse(requirements_json)
        .map_err(|e| DecodeError::new("body", DecodeReason::Json(e)))
        .and_then(PaymentRequirements::from_json_value)
        .map_err(VerifyError::InvalidPaymentRequirements)?;
    let payment =
        PaymentPayload::from_header(payment_header, buf).map_err(VerifyError::from_payload)?;
    verify_any_payment(&requirements, &payment, input, svm)
}

/// Decodes the requirements JSON and the payment header, then runs [`verify_payment`].
///
/// `buf` receives the decoded header JSON ([`super::header::RECOMMENDED_BUFFER_LEN`] is plenty).
/// Requirements that cannot be decoded give `invalid_payment_requirements`; a header that cannot
/// be decoded gives `invalid_payload`, or `invalid_x402_version` for an unknown version.
pub fn verify_payment_header_with(
    requirements_json: &[u8],
    payment_header: &[u8],
    buf: &mut [u8],
    input: &VerifyInput,
) -> Result<Verified, VerifyError> {
    let requirements = RawValue::parse(requirements_json)
        .map_err(|e| DecodeError::new("body", DecodeReason::Json(e)))
        .and_then(PaymentRequirements::from_json_value)
        .map_err(VerifyError::InvalidPaymentRequirements)?;
    let payment =
        PaymentPayload::from_header(payment_header, buf).map_err(VerifyError::from_payload)?;
    verify_payment(&requirements, &payment, input)
}

/// Verifies a decoded `exact` EVM payment against one requirement at time `now` (unix seconds):
/// [`verify_payment`] without `upto` inputs (an `upto` payment therefore fails closed with
/// `upto_facilitator_mismatch`).
///
/// ```
/// use pay402::x402::{verify_exact_evm, PaymentPayload, PaymentRequirements, VerifyPolicy};
/// use pay402::json::RawValue;
///
/// // The x402 spec's v2 example (x402.md §3.3, §3.4).
/// let requirements = br#"{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}"#;
/// let header = b"eyJ4NDAyVmVyc2lvbiI6MiwicmVzb3VyY2UiOnsidXJsIjoiaHR0cHM6Ly9hcGkuZXhhbXBsZS5jb20vcHJlbWl1bS1kYXRhIiwiZGVzY3JpcHRpb24iOiJBY2Nlc3MgdG8gcHJlbWl1bSBtYXJrZXQgZGF0YSIsIm1pbWVUeXBlIjoiYXBwbGljYXRpb24vanNvbiJ9LCJhY2NlcHRlZCI6eyJzY2hlbWUiOiJleGFjdCIsIm5ldHdvcmsiOiJlaXAxNTU6ODQ1MzIiLCJhbW91bnQiOiIxMDAwMCIsImFzc2V0IjoiMHgwMzZDYkQ1Mzg0MmM1NDI2NjM0ZTc5Mjk1NDFlQzIzMThmM2RDRjdlIiwicGF5VG8iOiIweDIwOTY5M0JjNmFmYzBDNTMyOGJBMzZGYUYwM0M1MTRFRjMxMjI4N0MiLCJtYXhUaW1lb3V0U2Vjb25kcyI6NjAsImV4dHJhIjp7Im5hbWUiOiJVU0RDIiwidmVyc2lvbiI6IjIifX0sInBheWxvYWQiOnsic2lnbmF0dXJlIjoiMHgyZDZhNzU4OGQ2YWNjYTUwNWNiZjBkOWE0YTIyN2UwYzUyYzZjMzQwMDhjOGU4OTg2YTEyODMyNTk3NjQxNzM2MDhhMmNlNjQ5NjY0MmUzNzdkNmRhOGRiYmY1ODM2ZTliZDE1MDkyZjllY2FiMDVkZWQzZDYyOTNhZjE0OGI1NzFjIiwiYXV0aG9yaXphdGlvbiI6eyJmcm9tIjoiMHg4NTdiMDY1MTlFOTFlM0E1NDUzODc5MWJEYmIwRTIyMzczZTM2YjY2IiwidG8iOiIweDIwOTY5M0JjNmFmYzBDNTMyOGJBMzZGYUYwM0M1MTRFRjMxMjI4N0MiLCJ2YWx1ZSI6IjEwMDAwIiwidmFsaWRBZnRlciI6IjE3NDA2NzIwODkiLCJ2YWxpZEJlZm9yZSI6IjE3NDA2NzIxNTQiLCJub25jZSI6IjB4ZjM3NDY2MTNjMmQ5MjBiNWZkYWJjMDg1NmYyYWViMmQ0Zjg4ZWU2MDM3YjhjYzVkMDRhNzFhNDQ2MmYxMzQ4MCJ9fX0=";
///
/// let requirements = PaymentRequirements::from_json_value(RawValue::parse(requirements)?)?;
/// let mut buf = [0u8; 2048];
/// let payment = PaymentPayload::from_header(header, &mut buf)?;
/// let verified = verify_exact_evm(&requirements, &payment, 1_740_672_100, &VerifyPolicy::default())?;
/// assert_eq!(verified.payer.to_string(), "0x857b06519E91e3A54538791bDbb0E22373e36b66");
///
/// // Ten minutes later the authorization has expired.
/// let late = verify_exact_evm(&requirements, &payment, 1_740_672_700, &VerifyPolicy::default());
/// assert_eq!(pay402::ErrorCode::code(&late.unwrap_err()), "invalid_exact_evm_payload_authorization_valid_before");
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
pub fn verify_exact_evm(
    requirements: &PaymentRequirements<'_>,
    payment: &PaymentPayload<'_>,
    now: u64,
    policy: &VerifyPolicy,
) -> Result<Verified, VerifyError> {
    let input = VerifyInput {
        policy: *policy,
        ..VerifyInput::at(now)
    };
    verify_payment(requirements, payment, &input)
}

/// The EIP-3009 checks of the module table.
fn verify_eip3009(
    requirements: &PaymentRequirements<'_>,
    payment: &PaymentPayload<'_>,
    now: u64,
    policy: &VerifyPolicy,
) -> Result<Verified, VerifyError> {
    // 1. version
    if payment.version() != requirements.version() {
        return Err(VerifyError::InvalidX402Version);
    }
    // 2. network of the requirements
    let network = resolve_network(requirements.network(), requirements.version())
        .ok_or(VerifyError::InvalidNetwork)?;
    let Network::Eip155 { chain_id } = network else {
        return Err(VerifyError::InvalidNetwork);
    };
    // 3. scheme payload
    let exact = decode_exact_payload(&payment.payload())?;
    let authorization = &exact.authorization;
    // 4. scheme
    if !payment.scheme().eq_str("exact") || !requirements.scheme().eq_str("exact") {
        return Err(VerifyError::Scheme);
    }
    // 5. EIP-712 domain from extra
    let mut name_buf = [0u8; DOMAIN_TEXT_CAP];
    let mut version_buf = [0u8; DOMAIN_TEXT_CAP];
    let extra = requirements
        .extra()
        .ok_or(VerifyError::MissingEip712Domain)?;
    let name = domain_text(&extra, "name", &mut name_buf)?;
    let version = domain_text(&extra, "version", &mut version_buf)?;
    // 6. network equality
    if payment.network() != requirements.network() {
        return Err(VerifyError::NetworkMismatch);
    }
    // 7. v2 accepted
    if let (PaymentPayload::V2(p), PaymentRequirements::V2(r)) = (payment, requirements)
        && !accepted_matches(&p.accepted, r, policy.accepted)
    {
        return Err(VerifyError::AcceptedRequirementsMismatch);
    }
    // 8. signature
    let asset =
        parse_address(requirements.asset()).ok_or(VerifyError::InvalidPaymentRequirements(
            DecodeError::new("asset", DecodeReason::InvalidValue),
        ))?;
    let domain = Eip712Domain {
        name: Some(name),
        version: Some(version),
        chain_id: Some(chain_id),
        verifying_contract: Some(asset),
    };
    check_signature(&exact, &authorization.digest(&domain), policy)?;
    // 9. recipient
    if parse_address(requirements.pay_to()) != Some(authorization.to) {
        return Err(VerifyError::RecipientMismatch);
    }
    // 10, 11. time window
    let earliest_expiry = U256::from_u128(u128::from(now) + u128::from(policy.valid_before_slack));
    if authorization.valid_before < earliest_expiry {
        return Err(VerifyError::ValidBefore);
    }
    if authorization.valid_after > U256::from_u64(now) {
        return Err(VerifyError::ValidAfter);
    }
    // 12. amount
    let required = requirements.amount();
    let amount_ok = match policy.amount {
        AmountRule::Exact => authorization.value == required,
        AmountRule::AtLeast => authorization.value >= required,
    };
    if !amount_ok {
        return Err(VerifyError::ValueMismatch);
    }
    Ok(Verified {
        x402_version: payment.version(),
        network,
        kind: PaymentKind::ExactEip3009,
        payer: authorization.from,
        amount: authorization.value,
        authorized_amount: authorization.value,
        nonce: authorization.nonce,
        valid_before: authorization.valid_before,
        replay_key: ReplayKey {
            chain_id,
            asset,
            payer: authorization.from,
            nonce: authorization.nonce,
        },
    })
}

/// Decodes the requirements JSON and the payment header, then runs [`verify_exact_evm`]
/// ([`verify_payment_header_with`] takes the `upto` inputs).
///
/// `buf` receives the decoded header JSON ([`super::header::RECOMMENDED_BUFFER_LEN`] is plenty).
/// Requirements that cannot be decoded give `invalid_payment_requirements`; a header that cannot
/// be decoded gives `invalid_payload`, or `invalid_x402_version` for an unknown version.
pub fn verify_payment_header(
    requirements_json: &[u8],
    payment_header: &[u8],
    buf: &mut [u8],
    now: u64,
    policy: &VerifyPolicy,
) -> Result<Verified, VerifyError> {
    let input = VerifyInput {
        policy: *policy,
        ..VerifyInput::at(now)
    };
    verify_payment_header_with(requirements_json, payment_header, buf, &input)
}

pub(crate) fn resolve_network(network: JsonStr<'_>, version: X402Version) -> Option<Network> {
    let mut buf = [0u8; 128];
    let text = field::str_text(&network, &mut buf)?;
    match version {
        X402Version::V1 => Network::from_v1_name(text),
        X402Version::V2 => Network::from_caip2(text),
    }
}

fn decode_exact_payload<'a>(payload: &RawValue<'a>) -> Result<ExactEvmPayload<'a>, VerifyError> {
    match PayloadKind::of(payload) {
        PayloadKind::Eip3009 => {
            ExactEvmPayload::from_json_value(*payload).map_err(VerifyError::InvalidPayload)
        }
        // Permit2 payloads never get here (`verify_payment` dispatches them first).
        PayloadKind::Permit2 | PayloadKind::SolanaTransaction => {
            Err(VerifyError::UnsupportedPayloadType)
        }
        PayloadKind::Unknown => Err(VerifyError::InvalidPayload(
            DecodeError::new("authorization", DecodeReason::MissingField).within("payload"),
        )),
    }
}

/// `extra.<key>` as a non-empty string (the reference rejects a missing or empty value).
fn domain_text<'a: 'b, 'b>(
    extra: &RawValue<'a>,
    key: &'static str,
    buf: &'b mut [u8],
) -> Result<&'b str, VerifyError> {
    let text = field::member(extra, key)
        .and_then(|v| v.as_str())
        .ok_or(VerifyError::MissingEip712Domain)?;
    match field::str_text(&text, buf) {
        Some("") => Err(VerifyError::MissingEip712Domain),
        Some(text) => Ok(text),
        None => Err(VerifyError::InvalidPaymentRequirements(
            DecodeError::new(key, DecodeReason::InvalidValue).within("extra"),
        )),
    }
}

pub(crate) fn parse_address(text: JsonStr<'_>) -> Option<Address> {
    let mut buf = [0u8; 64];
    let text = field::str_text(&text, &mut buf)?;
    Address::parse(text.as_bytes()).ok()
}

/// Why an EOA signature check failed: the hex did not decode, or the signature does not
/// authorize (the callers wrap the latter in their own `VerifyError` variant).
pub(crate) enum SignatureCheck {
    Undecodable(DecodeError),
    Failed(SignatureFailure),
}

/// The signature check EIP-3009 and Permit2 share: `signature_hex` (validated hex, no `0x`) must
/// be an EOA signature that recovers `expected` over `digest` under `policy`. Anything longer than
/// an EOA signature is a smart-wallet signature, which is not provable offline.
pub(crate) fn check_eoa_signature(
    signature_hex: &str,
    expected: Address,
    digest: &[u8; 32],
    policy: &VerifyPolicy,
) -> Result<(), SignatureCheck> {
    if signature_hex.len() > 130 {
        return Err(SignatureCheck::Failed(SignatureFailure::NotEoa));
    }
    let mut buf = [0u8; 65];
    let signature = crate::hex::decode_into(signature_hex.as_bytes(), &mut buf).map_err(|e| {
        SignatureCheck::Undecodable(
            DecodeError::new("signature", DecodeReason::Hex(e)).within("payload"),
        )
    })?;
    let recovered = recover_address(digest, signature, policy.signature)
        .map_err(|e| SignatureCheck::Failed(SignatureFailure::Malformed(e)))?;
    if recovered == expected {
        Ok(())
    } else {
        Err(SignatureCheck::Failed(SignatureFailure::WrongSigner {
            recovered,
        }))
    }
}

fn check_signature(
    exact: &ExactEvmPayload<'_>,
    digest: &[u8; 32],
    policy: &VerifyPolicy,
) -> Result<(), VerifyError> {
    check_eoa_signature(
        exact.signature_hex,
        exact.authorization.from,
        digest,
        policy,
    )
    .map_err(|e| match e {
        SignatureCheck::Undecodable(e) => VerifyError::InvalidPayload(e),
        SignatureCheck::Failed(f) => VerifyError::Signature(f),
    })
}

pub(crate) fn accepted_matches(
    accepted: &PaymentRequirementsV2<'_>,
    offered: &PaymentRequirementsV2<'_>,
    rule: AcceptedMatch,
) -> bool {
    match (rule, accepted.raw, offered.raw) {
        (AcceptedMatch::DeepEqual, Some(a), Some(b)) => values_equal(&a, &b),
        _ => typed_equal(accepted, offered),
    }
}

/// x402-rs parity: fields compared by meaning; addresses case-insensitively.
fn typed_equal(a: &PaymentRequirementsV2<'_>, b: &PaymentRequirementsV2<'_>) -> bool {
    let same_address = |x: JsonStr<'_>, y: JsonStr<'_>| match (parse_address(x), parse_address(y)) {
        (Some(x), Some(y)) => x == y,
        _ => x == y,
    };
    let same_extra = match (&a.extra, &b.extra) {
        (Some(x), Some(y)) => values_equal(x, y),
        (None, None) => true,
        _ => false,
    };
    a.scheme == b.scheme
        && a.network == b.network
        && a.amount == b.amount
        && same_address(a.asset, b.asset)
        && same_address(a.pay_to, b.pay_to)
        && a.max_timeout_seconds == b.max_timeout_seconds
        && same_extra
}
