//! Smart-wallet payers: the code-routed signature check of an EVM x402 payment, sans I/O.
//!
//! [`crate::x402::Verifier`] is offline and strict: it accepts only EOA signatures and refuses
//! anything longer with `invalid_exact_evm_signature` / `invalid_permit2_signature` and the
//! detail code `smart_wallet_needs_rpc`. With an RPC the host can do what the x402 reference
//! facilitator does (`typescript/packages/mechanisms/evm/src/shared/verifySignature.ts` of
//! <https://github.com/coinbase/x402>): this module makes every decision and asks the host for
//! the two chain facts it needs, one step at a time.
//!
//! | step | the host gives | the core answers |
//! |---|---|---|
//! | [`SignatureCheck::begin`] | the payment, the requirements, `now` | every offline check except the signature; then [`SignatureCheck::payer`] needs `eth_getCode(payer)` |
//! | [`SignatureCheck::with_code`] | the payer's code, the factory allow-list | [`AfterCode::Verified`] (no code: ECDSA recovery), or [`AfterCode::NeedsCall`] with an `eth_call` to make |
//! | [`CallCheck::with_call_result`] | what the `eth_call` returned, or that it reverted | the verdict |
//!
//! The routing, after unwrapping an ERC-6492 wrapper (<https://eips.ethereum.org/EIPS/eip-6492>):
//!
//! | the payer's code | wrapper with a non-zero factory | route |
//! |---|---|---|
//! | empty | no | ECDSA recovery of the (inner) signature; more than 65 bytes is `invalid_exact_evm_payload_undeployed_smart_wallet` |
//! | empty | yes | [`Route::Counterfactual`]: the factory must be allow-listed (default deny, `eip6492_factory_not_allowed`), then Multicall3 `tryAggregate(false, [(factory, factoryCalldata), (asset, transferWithAuthorization(…, bytes innerSignature))])`, valid iff the transfer succeeded |
//! | not empty | either | [`Route::Eip1271`]: `payer.isValidSignature(digest, innerSignature)` (<https://eips.ethereum.org/EIPS/eip-1271>), valid iff it returns the magic value |
//!
//! A payer whose code is an EIP-7702 delegation designator (`0xef0100 ‖ delegate`, 23 bytes,
//! <https://eips.ethereum.org/EIPS/eip-7702>) takes the EIP-1271 route like any contract, with no
//! ECDSA fallback, as the reference and the tokens' on-chain `SignatureChecker` do; the delegate
//! is reported in [`Route::Eip1271`] for diagnostics only. The counterfactual simulation exists
//! for EIP-3009 only; a counterfactual Permit2 payer is refused
//! (`eip6492_permit2_unsupported`). An ECDSA "valid" of the offline verifier is provisional until
//! the payer's code is known to be empty: that is what [`SignatureCheck::payer`] asks for.
//!
//! ```
//! use pay402::x402::smart_wallet::{AfterCode, SignatureCheck};
//! use pay402::x402::{PaymentPayload, PaymentRequirements, Verifier};
//!
//! // The x402 v2 specification's EIP-3009 example: an EOA payer.
//! let requirements = PaymentRequirements::from_json(br#"{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}"#)?;
//! let payment = PaymentPayload::from_json(br#"{"x402Version":2,"accepted":{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}},"payload":{"signature":"0x2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c","authorization":{"from":"0x857b06519E91e3A54538791bDbb0E22373e36b66","to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","value":"10000","validAfter":"1740672089","validBefore":"1740672154","nonce":"0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480"}}}"#)?;
//! let mut signature = [0u8; 2048];
//! let check = SignatureCheck::begin(&Verifier::default(), &requirements, &payment, 1_740_672_100, &mut signature)?;
//! assert_eq!(check.payer().to_string(), "0x857b06519E91e3A54538791bDbb0E22373e36b66");
//!
//! // eth_getCode(payer) returned "0x": the ECDSA signature decides.
//! let mut calldata = [0u8; 4096];
//! let AfterCode::Verified(verified) = check.with_code(&[], &[], &mut calldata)? else {
//!     return Err("an EOA needs no call".into());
//! };
//! assert_eq!(verified.amount, pay402::U256::from_u64(10_000));
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use crate::error::{BufferTooSmall, ErrorCode};
use crate::evm::abi;
use crate::evm::smart_wallet::{
    Erc6492Error, Erc6492Signature, is_valid_signature_calldata, is_valid_signature_result,
    unwrap_erc6492,
};
use crate::evm::{Address, SignaturePolicy, TransferWithAuthorization, recover_address};
use crate::json::Object;
use crate::writer::{Writer, write_all};
use crate::x402::error::{
    DecodeError, DecodeReason, Eip3009Check, EnvelopeCheck, Permit2Check, SignatureFailure,
    TransferCheck, VerifyError,
};
use crate::x402::network::Network;
use crate::x402::payment_payload::PaymentPayload;
use crate::x402::payment_requirements::PaymentRequirements;
use crate::x402::scheme::exact_eip3009::payload::PayloadKind;
use crate::x402::scheme::exact_eip3009::verify::verify_eip3009;
use crate::x402::scheme::exact_permit2::verify::verify_permit2;
use crate::x402::scheme::{DeferredSignature, resolve_network};
use crate::x402::settle_calldata::TRANSFER_WITH_AUTHORIZATION_BYTES_SELECTOR;
use crate::x402::verifier::{PaymentKind, Verified, Verifier};

/// Multicall3's address, the same on every chain it is deployed to
/// (<https://github.com/mds1/multicall3>, "Multicall3 Contract Addresses").
pub const MULTICALL3_ADDRESS: Address = Address([
    0xca, 0x11, 0xbd, 0xe0, 0x59, 0x77, 0xb3, 0x63, 0x11, 0x67, 0x02, 0x88, 0x62, 0xbe, 0x2a, 0x17,
    0x39, 0x76, 0xca, 0x11,
]);

/// `tryAggregate(bool,(address,bytes)[])`, Multicall3's
/// `tryAggregate(bool requireSuccess, Call[] calls) returns (Result[] returnData)`.
pub const TRY_AGGREGATE_SELECTOR: [u8; 4] = [0xbc, 0xe3, 0x8b, 0xd7];

/// The first three bytes of an EIP-7702 delegation designator.
pub const EIP7702_DELEGATION_PREFIX: [u8; 3] = [0xef, 0x01, 0x00];

/// The delegate of an EIP-7702 delegated EOA: `Some` when `code` is exactly
/// `0xef0100 ‖ 20-byte address`.
///
/// ```
/// use pay402::x402::smart_wallet::eip7702_delegate;
/// use pay402::evm::Address;
/// let mut code = [0x22u8; 23];
/// code[..3].copy_from_slice(&[0xef, 0x01, 0x00]);
/// assert_eq!(eip7702_delegate(&code), Some(Address([0x22; 20])));
/// assert_eq!(eip7702_delegate(&code[..22]), None);
/// ```
pub fn eip7702_delegate(code: &[u8]) -> Option<Address> {
    let rest = code.strip_prefix(&EIP7702_DELEGATION_PREFIX)?;
    let bytes: [u8; 20] = rest.try_into().ok()?;
    Some(Address(bytes))
}

/// How the signature of a payer with code, or of a counterfactual payer, is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `payer.isValidSignature(digest, signature)`. `delegation` is the delegate when the
    /// payer is an EIP-7702 delegated EOA (diagnostic; the route is the same).
    Eip1271 {
        /// The EIP-7702 delegate, when the payer's code is a delegation designator.
        delegation: Option<Address>,
    },
    /// An undeployed ERC-6492 wallet: the Multicall3 deploy-and-transfer simulation.
    Counterfactual {
        /// The allow-listed factory the simulation calls first.
        factory: Address,
    },
}

impl Route {
    /// `eip1271`, `eip7702_eip1271` or `erc6492_counterfactual`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Eip1271 { delegation: None } => "eip1271",
            Self::Eip1271 {
                delegation: Some(_),
            } => "eip7702_eip1271",
            Self::Counterfactual { .. } => "erc6492_counterfactual",
        }
    }
}

/// Why the on-chain check refused the signature (the detail code of a signature verdict).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rejection {
    /// `isValidSignature` returned something other than the magic value (`eip1271_rejected`).
    Eip1271Rejected,
    /// `isValidSignature` reverted (`eip1271_reverted`).
    Eip1271Reverted,
    /// The simulated `transferWithAuthorization` failed, or Multicall3's answer could not be
    /// decoded (`erc6492_simulation_failed`).
    SimulationFailed,
}

impl Rejection {
    /// The `snake_case` code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Eip1271Rejected => "eip1271_rejected",
            Self::Eip1271Reverted => "eip1271_reverted",
            Self::SimulationFailed => "erc6492_simulation_failed",
        }
    }
}

/// A failed smart-wallet verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SmartWalletError {
    /// An offline check failed, or the ECDSA signature of a payer without code (the
    /// [`VerifyError`]'s code).
    Verify(VerifyError),
    /// The requirements are not on an EVM network (`invalid_network`).
    NotEvm,
    /// The decoded signature does not fit the caller's signature buffer (`invalid_payload`,
    /// detail `input_too_long`).
    SignatureTooLong,
    /// The ERC-6492 wrapper is malformed (`invalid_payload`, detail `erc6492_malformed`).
    Erc6492(Erc6492Error),
    /// The payer has no code, no deployment information, and a signature longer than an EOA's
    /// (`invalid_exact_evm_payload_undeployed_smart_wallet`, the reference's string).
    UndeployedSmartWallet,
    /// The counterfactual wallet's factory is not in the allow-list
    /// (`eip6492_factory_not_allowed`).
    FactoryNotAllowed {
        /// The factory named by the wrapper.
        factory: Address,
    },
    /// A counterfactual payer of a Permit2 payment: no simulation is defined for it
    /// (`eip6492_permit2_unsupported`).
    CounterfactualPermit2,
    /// The on-chain check refused the signature: `invalid_exact_evm_signature` or
    /// `invalid_permit2_signature`, with the [`Rejection`] as detail.
    Rejected {
        /// The scheme, which picks the code.
        kind: PaymentKind,
        /// Why.
        why: Rejection,
    },
    /// The caller's calldata buffer is too small (`buffer_too_small`); nothing was written.
    BufferTooSmall,
}

impl From<VerifyError> for SmartWalletError {
    fn from(e: VerifyError) -> Self {
        Self::Verify(e)
    }
}

impl From<BufferTooSmall> for SmartWalletError {
    fn from(_: BufferTooSmall) -> Self {
        Self::BufferTooSmall
    }
}

impl core::fmt::Display for SmartWalletError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Verify(e) => write!(f, "{e}"),
            Self::NotEvm => f.write_str("the requirements are not on an EVM network"),
            Self::SignatureTooLong => f.write_str("the signature does not fit the buffer"),
            Self::Erc6492(e) => write!(f, "{e}"),
            Self::UndeployedSmartWallet => f.write_str(
                "the payer has no code and no deployment information, and the signature is not a 65-byte EOA signature",
            ),
            Self::FactoryNotAllowed { factory } => {
                write!(f, "ERC-6492 factory {factory} is not in the allow-list")
            }
            Self::CounterfactualPermit2 => {
                f.write_str("an undeployed ERC-6492 wallet cannot pay with Permit2")
            }
            Self::Rejected { why, .. } => match why {
                Rejection::Eip1271Rejected => {
                    f.write_str("the wallet's isValidSignature did not return the magic value")
                }
                Rejection::Eip1271Reverted => f.write_str("the wallet's isValidSignature reverted"),
                Rejection::SimulationFailed => f.write_str(
                    "the simulated deployment and transferWithAuthorization did not succeed",
                ),
            },
            Self::BufferTooSmall => f.write_str("the calldata buffer is too small"),
        }
    }
}

impl core::error::Error for SmartWalletError {}

impl ErrorCode for SmartWalletError {
    fn code(&self) -> &'static str {
        match self {
            Self::Verify(e) => e.code(),
            Self::NotEvm => "invalid_network",
            Self::SignatureTooLong | Self::Erc6492(_) => "invalid_payload",
            Self::UndeployedSmartWallet => "invalid_exact_evm_payload_undeployed_smart_wallet",
            Self::FactoryNotAllowed { .. } => "eip6492_factory_not_allowed",
            Self::CounterfactualPermit2 => "eip6492_permit2_unsupported",
            Self::Rejected {
                kind: PaymentKind::ExactEip3009,
                ..
            } => "invalid_exact_evm_signature",
            Self::Rejected { .. } => "invalid_permit2_signature",
            Self::BufferTooSmall => "buffer_too_small",
        }
    }

    fn detail_code(&self) -> Option<&'static str> {
        match self {
            Self::Verify(e) => e.detail_code(),
            Self::SignatureTooLong => Some("input_too_long"),
            Self::Erc6492(e) => Some(e.code()),
            Self::Rejected { why, .. } => Some(why.code()),
            _ => None,
        }
    }
}

/// A payment that passed every offline check; its signature waits for the payer's code.
#[derive(Debug, Clone, Copy)]
pub struct SignatureCheck<'s> {
    verified: Verified,
    digest: [u8; 32],
    signature: &'s [u8],
    eip3009: Option<TransferWithAuthorization>,
    policy: SignaturePolicy,
}

impl<'s> SignatureCheck<'s> {
    /// Runs the [`Verifier`]'s checks except the signature's, in the same order and with the
    /// same codes, and decodes the signature into `signature_buf`
    /// ([`crate::x402::scheme::exact_eip3009::payload::MAX_SIGNATURE_LEN`] bytes hold any
    /// signature a payload may carry).
    pub fn begin(
        verifier: &Verifier<'_>,
        requirements: &PaymentRequirements<'_>,
        payment: &PaymentPayload<'_>,
        now: u64,
        signature_buf: &'s mut [u8],
    ) -> Result<Self, SmartWalletError> {
        let Some(Network::Eip155 { .. }) =
            resolve_network(requirements.network(), requirements.version())
        else {
            return match resolve_network(requirements.network(), requirements.version()) {
                Some(_) => Err(SmartWalletError::NotEvm),
                None => Err(VerifyError::Envelope(EnvelopeCheck::InvalidNetwork).into()),
            };
        };
        let payload = Object::new(payment.payload());
        let kind = payload
            .as_ref()
            .map_or(PayloadKind::Unknown, PayloadKind::of_object);
        let mut deferred: Option<DeferredSignature<'_>> = None;
        let offline = if kind == PayloadKind::Permit2 {
            verify_permit2(
                requirements,
                payment,
                now,
                &verifier.policy,
                &verifier.upto,
                Some(&mut deferred),
            )
        } else {
            verify_eip3009(
                requirements,
                payment,
                payload.as_ref(),
                kind,
                now,
                &verifier.policy,
                None,
                Some(&mut deferred),
            )
        }?;
        // The signature check is the last check that fails before `Ok`, so a verified payment
        // always has its deferred signature; fail closed if it ever had none.
        let deferred = deferred.ok_or(SmartWalletError::Verify(VerifyError::InvalidPayload(
            DecodeError::new("signature", DecodeReason::MissingField).within("payload"),
        )))?;
        let signature = crate::hex::decode_into(deferred.signature_hex.as_bytes(), signature_buf)
            .map_err(|_| SmartWalletError::SignatureTooLong)?;
        Ok(Self {
            verified: offline,
            digest: deferred.digest,
            signature,
            eip3009: deferred.eip3009,
            policy: verifier.policy.signature,
        })
    }

    /// The address whose code ([`eth_getCode`](https://ethereum.org/en/developers/docs/apis/json-rpc/#eth_getcode))
    /// the next step needs.
    pub fn payer(&self) -> Address {
        self.verified.payer
    }

    /// The offline result, provisional until the signature is checked.
    pub fn provisional(&self) -> &Verified {
        &self.verified
    }

    /// The EIP-712 digest the signature signs.
    pub fn digest(&self) -> &[u8; 32] {
        &self.digest
    }

    /// Routes on the payer's code (`code`, empty for `0x`). `allowed_factories` is the ERC-6492
    /// factory allow-list (empty denies every counterfactual payer). `calldata_buf` receives
    /// the calldata of the `eth_call` to make, when one is needed.
    pub fn with_code<'b>(
        self,
        code: &[u8],
        allowed_factories: &[Address],
        calldata_buf: &'b mut [u8],
    ) -> Result<AfterCode<'b>, SmartWalletError> {
        let payer = self.verified.payer;
        match route_signature(self.signature, code, allowed_factories)? {
            SignatureRoute::Ecdsa { signature } => self.recover(signature).map(AfterCode::Verified),
            SignatureRoute::Eip1271 {
                signature,
                delegation,
            } => {
                let n = write_all(calldata_buf, |w| {
                    is_valid_signature_calldata(&self.digest, signature, w)
                })?;
                Ok(AfterCode::NeedsCall(CallCheck {
                    to: payer,
                    calldata: written(calldata_buf, n),
                    route: Route::Eip1271 { delegation },
                    verified: self.verified,
                }))
            }
            SignatureRoute::Counterfactual {
                factory,
                factory_calldata,
                signature,
            } => {
                let Some(authorization) = self.eip3009 else {
                    return Err(SmartWalletError::CounterfactualPermit2);
                };
                let token = self.verified.replay_key.asset;
                let n = write_all(calldata_buf, |w| {
                    write_try_aggregate(
                        w,
                        &factory,
                        factory_calldata,
                        &token,
                        &authorization,
                        signature,
                    )
                })?;
                Ok(AfterCode::NeedsCall(CallCheck {
                    to: MULTICALL3_ADDRESS,
                    calldata: written(calldata_buf, n),
                    route: Route::Counterfactual { factory },
                    verified: self.verified,
                }))
            }
        }
    }

    fn recover(&self, inner: &[u8]) -> Result<Verified, SmartWalletError> {
        let failure = match recover_address(&self.digest, inner, self.policy) {
            Ok(recovered) if recovered == self.verified.payer => return Ok(self.verified),
            Ok(recovered) => SignatureFailure::WrongSigner { recovered },
            Err(e) => SignatureFailure::Malformed(e),
        };
        let check = TransferCheck::Signature(failure);
        Err(SmartWalletError::Verify(match self.verified.kind {
            PaymentKind::ExactEip3009 => VerifyError::Eip3009(Eip3009Check::Transfer(check)),
            PaymentKind::ExactPermit2 | PaymentKind::UptoPermit2 => {
                VerifyError::Permit2(Permit2Check::Transfer(check))
            }
        }))
    }
}

/// How a signature is checked once the payer's code is known: the pure routing decision of
/// [`SignatureCheck::with_code`], without a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureRoute<'s> {
    /// The payer has no code: ECDSA recovery of `signature` (the inner one of a wrapper without
    /// deployment information), at most 65 bytes.
    Ecdsa {
        /// The signature to recover.
        signature: &'s [u8],
    },
    /// The payer has code: `isValidSignature(digest, signature)`.
    Eip1271 {
        /// The (inner) signature to pass.
        signature: &'s [u8],
        /// The EIP-7702 delegate, when the code is a delegation designator.
        delegation: Option<Address>,
    },
    /// The payer has no code and the ERC-6492 wrapper names an allow-listed factory.
    Counterfactual {
        /// The factory.
        factory: Address,
        /// The call that deploys the wallet.
        factory_calldata: &'s [u8],
        /// The inner signature.
        signature: &'s [u8],
    },
}

/// Routes `signature` on the payer's `code` (empty for `0x`) as the reference's
/// `classifyErc6492Payer` and `verifySignature` do (see the module table); a counterfactual
/// wallet's factory must be in `allowed_factories`.
///
/// ```
/// use pay402::x402::smart_wallet::{route_signature, SignatureRoute};
/// use pay402::ErrorCode;
/// let eoa = [0x1b; 65];
/// assert_eq!(route_signature(&eoa, &[], &[]), Ok(SignatureRoute::Ecdsa { signature: &eoa[..] }));
/// let e = route_signature(&[0x1b; 66], &[], &[]).unwrap_err();
/// assert_eq!(e.code(), "invalid_exact_evm_payload_undeployed_smart_wallet");
/// assert!(matches!(route_signature(&eoa, &[0x60], &[]), Ok(SignatureRoute::Eip1271 { delegation: None, .. })));
/// ```
pub fn route_signature<'s>(
    signature: &'s [u8],
    code: &[u8],
    allowed_factories: &[Address],
) -> Result<SignatureRoute<'s>, SmartWalletError> {
    let wrapper = unwrap_erc6492(signature).map_err(SmartWalletError::Erc6492)?;
    let inner = wrapper.map_or(signature, |w| w.signature);
    if !code.is_empty() {
        return Ok(SignatureRoute::Eip1271 {
            signature: inner,
            delegation: eip7702_delegate(code),
        });
    }
    match wrapper.filter(Erc6492Signature::has_deployment_info) {
        None if inner.len() > 65 => Err(SmartWalletError::UndeployedSmartWallet),
        None => Ok(SignatureRoute::Ecdsa { signature: inner }),
        Some(w) if allowed_factories.contains(&w.factory) => Ok(SignatureRoute::Counterfactual {
            factory: w.factory,
            factory_calldata: w.factory_calldata,
            signature: inner,
        }),
        Some(w) => Err(SmartWalletError::FactoryNotAllowed { factory: w.factory }),
    }
}

fn written(buf: &[u8], n: usize) -> &[u8] {
    buf.get(..n).unwrap_or_default()
}

/// What the payer's code decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterCode<'b> {
    /// The payer has no code and the ECDSA signature recovers it: verified.
    Verified(Verified),
    /// One `eth_call` decides.
    NeedsCall(CallCheck<'b>),
}

/// An `eth_call` the host makes (at the latest block, from no particular sender), and the
/// payment it decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallCheck<'b> {
    /// The contract to call: the payer, or [`MULTICALL3_ADDRESS`].
    pub to: Address,
    /// The calldata.
    pub calldata: &'b [u8],
    /// Which check the call makes.
    pub route: Route,
    verified: Verified,
}

/// What the host's `eth_call` gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallOutcome<'r> {
    /// The call succeeded with this return data.
    Returned(&'r [u8]),
    /// The call reverted (an execution error). A transport failure is not a revert: the host
    /// reports its own error and never calls [`CallCheck::with_call_result`].
    Reverted,
}

impl CallCheck<'_> {
    /// The verdict on the call's outcome.
    pub fn with_call_result(self, outcome: CallOutcome<'_>) -> Result<Verified, SmartWalletError> {
        let why = match (self.route, outcome) {
            (Route::Eip1271 { .. }, CallOutcome::Returned(data)) => {
                if is_valid_signature_result(data) {
                    return Ok(self.verified);
                }
                Rejection::Eip1271Rejected
            }
            (Route::Eip1271 { .. }, CallOutcome::Reverted) => Rejection::Eip1271Reverted,
            (Route::Counterfactual { .. }, CallOutcome::Returned(data)) => {
                if second_call_succeeded(data) {
                    return Ok(self.verified);
                }
                Rejection::SimulationFailed
            }
            (Route::Counterfactual { .. }, CallOutcome::Reverted) => Rejection::SimulationFailed,
        };
        Err(SmartWalletError::Rejected {
            kind: self.verified.kind,
            why,
        })
    }
}

/// Multicall3 `tryAggregate(false, [(factory, factory_calldata), (token,
/// transferWithAuthorization(…, bytes signature))])`.
///
/// ```
/// use pay402::evm::{Address, TransferWithAuthorization};
/// use pay402::writer::write_all;
/// use pay402::x402::smart_wallet::write_try_aggregate;
/// use pay402::U256;
///
/// let authorization = TransferWithAuthorization {
///     from: Address([0x85; 20]),
///     to: Address([0x20; 20]),
///     value: U256::from_u64(10_000),
///     valid_after: U256::ZERO,
///     valid_before: U256::from_u64(1_740_672_154),
///     nonce: [0xf3; 32],
/// };
/// let mut data = [0u8; 1024];
/// let n = write_all(&mut data, |w| {
///     write_try_aggregate(w, &Address([0x11; 20]), &[0xde, 0xad, 0xbe, 0xef], &Address([0x03; 20]), &authorization, &[0x77; 65])
/// })?;
/// assert_eq!(&data[..4], &[0xbc, 0xe3, 0x8b, 0xd7]);
/// // head (2 words), array length and two offsets, call 1 (4 words), call 2 (3 words, then the
/// // transfer: selector, 6 words, offset, length, 3 words of signature, padded to 12 words)
/// assert_eq!(n, 4 + 32 * (2 + 3 + 4 + 3 + 12));
/// # Ok::<(), pay402::BufferTooSmall>(())
/// ```
pub fn write_try_aggregate(
    w: &mut Writer<'_>,
    factory: &Address,
    factory_calldata: &[u8],
    token: &Address,
    authorization: &TransferWithAuthorization,
    signature: &[u8],
) -> Result<(), BufferTooSmall> {
    let first_len = abi::padded_len(factory_calldata.len()).saturating_add(3 * 32);
    // transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)
    let transfer_len = abi::padded_len(signature.len()).saturating_add(4 + 8 * 32);
    w.push(&TRY_AGGREGATE_SELECTOR)?;
    abi::write_usize(w, 0)?; // requireSuccess = false
    abi::write_usize(w, 0x40)?;
    abi::write_usize(w, 2)?;
    abi::write_usize(w, 0x40)?;
    abi::write_usize(w, first_len.saturating_add(0x40))?;
    abi::write_address(w, factory)?;
    abi::write_usize(w, 0x40)?;
    abi::write_bytes_tail(w, factory_calldata)?;
    abi::write_address(w, token)?;
    abi::write_usize(w, 0x40)?;
    abi::write_usize(w, transfer_len)?;
    w.push(&TRANSFER_WITH_AUTHORIZATION_BYTES_SELECTOR)?;
    abi::write_address(w, &authorization.from)?;
    abi::write_address(w, &authorization.to)?;
    abi::write_uint(w, &authorization.value)?;
    abi::write_uint(w, &authorization.valid_after)?;
    abi::write_uint(w, &authorization.valid_before)?;
    abi::write_word(w, &authorization.nonce)?;
    abi::write_usize(w, 7 * 32)?;
    abi::write_bytes_tail(w, signature)?;
    // The call is 4 + 32k bytes: pad it to a whole word.
    w.push(&[0u8; 28])
}

/// Whether Multicall3's `Result[]` answer (`(bool success, bytes returnData)[]`) has exactly two
/// results and the second succeeded (its `returnData` within the answer).
fn second_call_succeeded(data: &[u8]) -> bool {
    let Some(array) = abi::usize_at(data, 0) else {
        return false;
    };
    if abi::usize_at(data, array) != Some(2) {
        return false;
    }
    let Some(items) = array.checked_add(32) else {
        return false;
    };
    let Some(second) = items
        .checked_add(32)
        .and_then(|head| abi::usize_at(data, head))
        .and_then(|o| o.checked_add(items))
    else {
        return false;
    };
    abi::usize_at(data, second) == Some(1)
        && second
            .checked_add(32)
            .and_then(|head| abi::bytes_at(data, second, head))
            .is_some()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::evm::keccak256;

    #[test]
    fn selectors_are_the_signatures() {
        assert_eq!(
            keccak256(b"tryAggregate(bool,(address,bytes)[])")[..4],
            TRY_AGGREGATE_SELECTOR
        );
        assert_eq!(
            Address::parse(b"0xcA11bde05977b3631167028862bE2a173976CA11").unwrap(),
            MULTICALL3_ADDRESS
        );
    }

    fn results(first: bool, second: bool) -> [u8; 32 * 10] {
        // [(first, 0x), (second, 0x)]
        let mut d = [0u8; 32 * 10];
        let mut put = |word: usize, v: u8| d[word * 32 + 31] = v;
        put(0, 0x20);
        put(1, 2);
        put(2, 0x40);
        put(3, 0xa0);
        put(4, u8::from(first));
        put(5, 0x40);
        put(6, 0);
        put(7, u8::from(second));
        put(8, 0x40);
        put(9, 0);
        d
    }

    #[test]
    fn multicall_results_decide_on_the_second_call() {
        assert!(second_call_succeeded(&results(false, true)));
        assert!(second_call_succeeded(&results(true, true)));
        assert!(!second_call_succeeded(&results(true, false)));
        assert!(!second_call_succeeded(&results(true, true)[..32 * 9]));
        assert!(!second_call_succeeded(&[]));
        let mut three = results(true, true);
        three[63] = 3;
        assert!(!second_call_succeeded(&three));
        let mut far = results(true, true);
        far[32 * 3 + 31] = 0xff;
        far[32 * 3 + 30] = 0xff;
        assert!(!second_call_succeeded(&far));
    }

    #[test]
    fn codes() {
        let e = SmartWalletError::Rejected {
            kind: PaymentKind::UptoPermit2,
            why: Rejection::Eip1271Reverted,
        };
        assert_eq!(e.code(), "invalid_permit2_signature");
        assert_eq!(e.detail_code(), Some("eip1271_reverted"));
        assert_eq!(
            SmartWalletError::UndeployedSmartWallet.code(),
            "invalid_exact_evm_payload_undeployed_smart_wallet"
        );
    }
}
