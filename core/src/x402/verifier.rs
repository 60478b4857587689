//! The one entry point of x402 verification: a [`Verifier`] holds the policy and the scheme
//! options and checks a payment against one `PaymentRequirements`, offline and pure (a function
//! of the decoded views, the options and `now`).
//!
//! Dispatch, as the reference facilitator does it:
//!
//! | requirements' network | payload | scheme module (check table in its docs) |
//! |---|---|---|
//! | a Solana cluster | `{"transaction"}` | `scheme::exact_svm::verify` (feature `svm`; needs [`Verifier::svm`]) |
//! | anything else | `permit2Authorization` | [`scheme::exact_permit2::verify`] (`exact` with Permit2, `upto`) |
//! | anything else | anything else | [`scheme::exact_eip3009::verify`] |
//!
//! What needs the chain (balances, nonce state, smart wallets, simulation) is left to the host;
//! an EVM [`Verified`] carries the [`ReplayKey`] to record, a Solana `SvmVerified` lists what
//! is `SvmVerified::still_to_check`.
//!
//! [`scheme::exact_permit2::verify`]: super::scheme::exact_permit2::verify
//! [`scheme::exact_eip3009::verify`]: super::scheme::exact_eip3009::verify

use super::X402Version;
use super::error::{EnvelopeCheck, VerifyError};
use super::network::Network;
use super::payment_payload::PaymentPayload;
use super::payment_requirements::PaymentRequirements;
use super::policy::VerifyPolicy;
use super::scheme::exact_eip3009::payload::{PayloadKind, ReplayKey};
use super::scheme::exact_eip3009::verify::verify_eip3009;
use super::scheme::exact_permit2::verify::verify_permit2;
#[cfg(feature = "svm")]
use super::scheme::exact_svm::verify::{SvmPolicy, SvmVerified, verify_exact_svm};
use super::scheme::resolve_network;
use super::scheme::upto_permit2::UptoOptions;
use crate::evm::Address;
use crate::json::Object;
use crate::u256::U256;

/// Verifies x402 payments: the EVM policy, the Solana policy (or none, to refuse Solana) and the
/// `upto` options. [`Verifier::default`] is the reference facilitator on every scheme, with
/// on-chain-strict signatures and no `upto` facilitator (so `upto` fails closed).
///
/// ```
/// use pay402::x402::{PaymentPayload, PaymentRequirements, Verifier};
/// use pay402::json::RawValue;
/// use pay402::ErrorCode;
///
/// // The x402 v2 specification's example requirements and payment (section 5).
/// let requirements = br#"{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}"#;
/// let header = b"eyJ4NDAyVmVyc2lvbiI6MiwicmVzb3VyY2UiOnsidXJsIjoiaHR0cHM6Ly9hcGkuZXhhbXBsZS5jb20vcHJlbWl1bS1kYXRhIiwiZGVzY3JpcHRpb24iOiJBY2Nlc3MgdG8gcHJlbWl1bSBtYXJrZXQgZGF0YSIsIm1pbWVUeXBlIjoiYXBwbGljYXRpb24vanNvbiJ9LCJhY2NlcHRlZCI6eyJzY2hlbWUiOiJleGFjdCIsIm5ldHdvcmsiOiJlaXAxNTU6ODQ1MzIiLCJhbW91bnQiOiIxMDAwMCIsImFzc2V0IjoiMHgwMzZDYkQ1Mzg0MmM1NDI2NjM0ZTc5Mjk1NDFlQzIzMThmM2RDRjdlIiwicGF5VG8iOiIweDIwOTY5M0JjNmFmYzBDNTMyOGJBMzZGYUYwM0M1MTRFRjMxMjI4N0MiLCJtYXhUaW1lb3V0U2Vjb25kcyI6NjAsImV4dHJhIjp7Im5hbWUiOiJVU0RDIiwidmVyc2lvbiI6IjIifX0sInBheWxvYWQiOnsic2lnbmF0dXJlIjoiMHgyZDZhNzU4OGQ2YWNjYTUwNWNiZjBkOWE0YTIyN2UwYzUyYzZjMzQwMDhjOGU4OTg2YTEyODMyNTk3NjQxNzM2MDhhMmNlNjQ5NjY0MmUzNzdkNmRhOGRiYmY1ODM2ZTliZDE1MDkyZjllY2FiMDVkZWQzZDYyOTNhZjE0OGI1NzFjIiwiYXV0aG9yaXphdGlvbiI6eyJmcm9tIjoiMHg4NTdiMDY1MTlFOTFlM0E1NDUzODc5MWJEYmIwRTIyMzczZTM2YjY2IiwidG8iOiIweDIwOTY5M0JjNmFmYzBDNTMyOGJBMzZGYUYwM0M1MTRFRjMxMjI4N0MiLCJ2YWx1ZSI6IjEwMDAwIiwidmFsaWRBZnRlciI6IjE3NDA2NzIwODkiLCJ2YWxpZEJlZm9yZSI6IjE3NDA2NzIxNTQiLCJub25jZSI6IjB4ZjM3NDY2MTNjMmQ5MjBiNWZkYWJjMDg1NmYyYWViMmQ0Zjg4ZWU2MDM3YjhjYzVkMDRhNzFhNDQ2MmYxMzQ4MCJ9fX0=";
///
/// let verifier = Verifier::default();
/// let mut buf = [0u8; 2048];
/// let verified = verifier.verify_header(requirements, header, &mut buf, 1_740_672_100)?;
/// let verified = verified.evm().ok_or("not an EVM payment")?;
/// assert_eq!(verified.payer.to_string(), "0x857b06519E91e3A54538791bDbb0E22373e36b66");
///
/// // Ten minutes later the authorization has expired.
/// let late = verifier.verify_header(requirements, header, &mut buf, 1_740_672_700);
/// assert_eq!(late.unwrap_err().code(), "invalid_exact_evm_payload_authorization_valid_before");
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verifier<'p> {
    /// The EVM policy (amount rule, signature policy, `validBefore` slack, `accepted` match).
    pub policy: VerifyPolicy,
    /// The Solana policy; `None` refuses every Solana requirement with `invalid_network`.
    #[cfg(feature = "svm")]
    pub svm: Option<SvmPolicy<'p>>,
    /// Built without the `svm` feature: always `None`, and every Solana requirement is refused
    /// with `invalid_network`.
    #[cfg(not(feature = "svm"))]
    pub svm: Option<&'p core::convert::Infallible>,
    /// The `upto` inputs: this facilitator's address and the charge at settle time.
    pub upto: UptoOptions,
}

impl Verifier<'static> {
    /// The reference facilitator on every scheme.
    pub const DEFAULT: Self = Self {
        policy: VerifyPolicy::DEFAULT,
        #[cfg(feature = "svm")]
        svm: Some(SvmPolicy::DEFAULT),
        #[cfg(not(feature = "svm"))]
        svm: None,
        upto: UptoOptions::NONE,
    };

    /// The reference facilitator on EVM schemes only: Solana requirements give
    /// `invalid_network`.
    pub const EVM: Self = Self {
        svm: None,
        ..Self::DEFAULT
    };
}

impl Default for Verifier<'static> {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl Verifier<'_> {
    /// Verifies a decoded payment against one requirement at time `now` (unix seconds); see the
    /// module documentation for the dispatch.
    ///
    /// ```
    /// use pay402::x402::{PaymentPayload, PaymentRequirements, Verifier};
    /// use pay402::json::RawValue;
    /// use pay402::ErrorCode;
    ///
    /// // The x402 v2 specification's Permit2 example: its signature is a placeholder made for
    /// // the EIP-3009 example, so every other check passes and the signature check fails.
    /// let requirements = br#"{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"assetTransferMethod":"permit2"}}"#;
    /// let payment = br#"{"x402Version":2,"accepted":{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"assetTransferMethod":"permit2"}},"payload":{"signature":"0x2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c","permit2Authorization":{"from":"0x857b06519E91e3A54538791bDbb0E22373e36b66","permitted":{"token":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","amount":"10000"},"spender":"0x402085c248EeA27D92E8b30b2C58ed07f9E20001","nonce":"33247007178036348590600198031289925668252061821958005840077069883511451257277","deadline":"1740672154","witness":{"to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","validAfter":"1740672089"}}}}"#;
    /// let requirements = PaymentRequirements::from_json_value(RawValue::parse(requirements)?)?;
    /// let payment = PaymentPayload::from_json(payment)?;
    /// let verdict = Verifier::default().verify(&requirements, &payment, 1_740_672_100);
    /// assert_eq!(verdict.unwrap_err().code(), "invalid_permit2_signature");
    /// # Ok::<(), Box<dyn core::error::Error>>(())
    /// ```
    pub fn verify(
        &self,
        requirements: &PaymentRequirements<'_>,
        payment: &PaymentPayload<'_>,
        now: u64,
    ) -> Result<AnyVerified, VerifyError> {
        self.verify_prepared(requirements, payment, now, None)
    }

    /// [`Verifier::verify`] with the EIP-3009 domain separator of `requirements` computed
    /// beforehand (the x402 server's prepared offers); the caller guarantees it is the
    /// separator of these requirements.
    pub(crate) fn verify_prepared(
        &self,
        requirements: &PaymentRequirements<'_>,
        payment: &PaymentPayload<'_>,
        now: u64,
        eip3009_separator: Option<&[u8; 32]>,
    ) -> Result<AnyVerified, VerifyError> {
        if let Some(Network::Solana(_)) =
            resolve_network(requirements.network(), requirements.version())
        {
            #[cfg(feature = "svm")]
            {
                let svm = self
                    .svm
                    .as_ref()
                    .ok_or(VerifyError::Envelope(EnvelopeCheck::InvalidNetwork))?;
                return verify_exact_svm(requirements, payment, svm).map(AnyVerified::Svm);
            }
            #[cfg(not(feature = "svm"))]
            return Err(VerifyError::Envelope(EnvelopeCheck::InvalidNetwork));
        }
        // The payload's members are indexed once, for the dispatch and the EIP-3009 decoding.
        let payload = Object::new(payment.payload());
        let kind = payload
            .as_ref()
            .map_or(PayloadKind::Unknown, PayloadKind::of_object);
        let verified = if kind == PayloadKind::Permit2 {
            verify_permit2(requirements, payment, now, &self.policy, &self.upto, None)
        } else {
            verify_eip3009(
                requirements,
                payment,
                payload.as_ref(),
                kind,
                now,
                &self.policy,
                eip3009_separator,
                None,
            )
        };
        verified.map(AnyVerified::Evm)
    }

    /// Decodes the requirements JSON and the payment header, then runs [`Verifier::verify`].
    ///
    /// `buf` receives the decoded header JSON ([`super::header::RECOMMENDED_BUFFER_LEN`] is
    /// plenty). Requirements that cannot be decoded give `invalid_payment_requirements`; a header
    /// that cannot be decoded gives `invalid_payload`, or `invalid_x402_version` for an unknown
    /// version.
    pub fn verify_header(
        &self,
        requirements_json: &[u8],
        payment_header: &[u8],
        buf: &mut [u8],
        now: u64,
    ) -> Result<AnyVerified, VerifyError> {
        let requirements = PaymentRequirements::from_json(requirements_json)
            .map_err(VerifyError::InvalidPaymentRequirements)?;
        let payment =
            PaymentPayload::from_header(payment_header, buf).map_err(VerifyError::from_payload)?;
        self.verify(&requirements, &payment, now)
    }
}

/// A payment that passed every offline check, on either chain family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnyVerified {
    /// An EVM payment (EIP-3009 or Permit2, `exact` or `upto`).
    Evm(Verified),
    /// A Solana payment.
    #[cfg(feature = "svm")]
    Svm(SvmVerified),
}

impl AnyVerified {
    /// The EVM payment, if it is one.
    pub fn evm(self) -> Option<Verified> {
        match self {
            Self::Evm(v) => Some(v),
            #[cfg(feature = "svm")]
            Self::Svm(_) => None,
        }
    }

    /// The Solana payment, if it is one.
    #[cfg(feature = "svm")]
    pub fn svm(self) -> Option<SvmVerified> {
        match self {
            Self::Svm(v) => Some(v),
            Self::Evm(_) => None,
        }
    }
}

impl Verified {
    /// The address whose code decides whether this offline verdict stands. An ECDSA signature
    /// proves the payment only when the payer has no code: a deployed wallet or an EIP-7702
    /// delegated EOA is checked on chain by its `isValidSignature` (the tokens' and Permit2's
    /// `SignatureChecker`), which may refuse what the key signed. A host with an RPC confirms
    /// `eth_getCode(payer) == 0x`, or runs [`crate::x402::smart_wallet`], which does both.
    pub fn needs_code_check(&self) -> Address {
        self.payer
    }
}

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
    /// [`UptoOptions::settle_amount`] when one was given.
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
