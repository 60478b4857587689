//! Admission: a request's payment header checked against the offer set.
//!
//! [`admit`] tells `X-PAYMENT` (x402 v1) from `PAYMENT-SIGNATURE` (x402 v2) by the header name
//! (<https://github.com/coinbase/x402/tree/main/specs/transports-v1>,
//! <https://github.com/coinbase/x402/tree/main/specs/transports-v2>), decodes it, finds the
//! offers the payment names (v2: `accepted.scheme` and `accepted.network`; v1: `scheme` and
//! `network`) and verifies it by the offer's scheme through the [`Verifier`].
//!
//! Guarantees:
//! - an [`Admission`] names the first offer (in set order) whose verification passed, with the
//!   verified payment, its replay key and the replay lifetime; `upto` carries the signed maximum;
//! - a [`Refusal`] is always status 402 (500 only for a scratch buffer too small to hold the
//!   requirements, a server fault) with the most specific code: the error of an offer that
//!   matched on scheme and network (one that failed a later check than the `accepted` comparison
//!   first) beats `no_matching_offer`, whose detail code says `unsupported_scheme` or
//!   `invalid_network`;
//! - the replay store is the host's: the admission says which key to reserve and for how long
//!   (see [`Replay`]); a key already held is refused with `payment_already_used`
//!   ([`Refusal::ALREADY_USED`]).
//!
//! [`admit`] is offline: a smart-wallet payer (EIP-1271, EIP-7702, ERC-6492) is refused with
//! the detail code `smart_wallet_needs_rpc`. A host with an RPC calls [`admit_with_chain`]
//! instead, which admits what [`admit`] admits and, where [`admit`] refuses the signature only
//! (`smart_wallet_needs_rpc`, or an ECDSA signature of another key), asks for the payer's code and at most one `eth_call`
//! ([`PayerCode`], [`PayerCall`]) through [`crate::x402::smart_wallet`]'s steps. A read the host
//! could not make is answered with [`Refusal::CHAIN_UNAVAILABLE`]: never admitted.

use super::Resource;
use super::challenge::Problem;
use super::offer::{OfferScheme, OfferSet, PreparedOffer};
use crate::ErrorCode;
use crate::evm::Address;
use crate::json::RawValue;
use crate::u256::U256;
use crate::writer::write_all;
use crate::x402::error::{Eip3009Check, EnvelopeCheck, Permit2Check, TransferCheck, VerifyError};
use crate::x402::network::Network;
use crate::x402::scheme::exact_eip3009::payload::MAX_SIGNATURE_LEN;
use crate::x402::smart_wallet::{
    AfterCode, CallCheck, CallOutcome, Route, SignatureCheck, SmartWalletError,
};
use crate::x402::{
    AnyVerified, PaymentPayload, PaymentRequirements, ReplayKey, Verifier, X402Version, header,
};

/// Seconds a Solana payment can still land after admission: a transaction is accepted while its
/// recent blockhash is among the last 150 blocks (Solana documentation, "Transaction
/// confirmation & expiration", <https://solana.com/docs/advanced/confirmation>); 150 slots at a
/// pessimistic 0.8 s each is 120 s.
pub const SVM_BLOCKHASH_LIFETIME_SECS: u64 = 120;

/// Why a payment was not admitted: the HTTP status, the codes and the message a 402 reports.
///
/// [`Refusal::problem`] is what the challenge says: the code, the detail code and the message
/// (its `Display`: the verifier's sentence, or a fixed one for the refusals that are not a
/// verifier's). Codes never change; messages may improve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    /// 402 (500 for [`Refusal::SCRATCH_TOO_SMALL`], 503 for
    /// [`Refusal::REPLAY_STORE_UNAVAILABLE`] and [`Refusal::CHAIN_UNAVAILABLE`]).
    pub status: u16,
    /// The stable code, e.g. `invalid_exact_evm_payload_signature`.
    pub code: &'static str,
    /// The precise cause underneath, when there is one.
    pub detail_code: Option<&'static str>,
    cause: Cause,
}

/// What a refusal's message says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cause {
    /// A fixed sentence.
    Text(&'static str),
    /// The verifier's error.
    Verify(VerifyError),
    /// The on-chain smart-wallet check's error.
    SmartWallet(SmartWalletError),
}

impl Refusal {
    /// The authorization's replay key is already reserved or used.
    pub const ALREADY_USED: Self = Self::fixed(
        header::STATUS_PAYMENT_REQUIRED,
        "payment_already_used",
        None,
        "this payment authorization has already been used; sign a new one",
    );
    /// The replay store could not answer: refuse rather than risk a replay (status 503).
    pub const REPLAY_STORE_UNAVAILABLE: Self = Self::fixed(
        503,
        "replay_store_unavailable",
        None,
        "the server cannot check payments for replay right now; retry later",
    );
    /// The chain read a smart-wallet payer's admission needs (`eth_getCode`, `eth_call`)
    /// failed: refuse rather than admit an unchecked signature (status 503, like the
    /// reference facilitator, which never takes a failed code lookup as proof of anything).
    pub const CHAIN_UNAVAILABLE: Self = Self::fixed(
        503,
        "smart_wallet_check_unavailable",
        None,
        "the server cannot check the payer's smart-wallet signature on chain right now; retry later",
    );
    /// The header name is neither `X-PAYMENT` nor `PAYMENT-SIGNATURE`.
    pub const NO_PAYMENT: Self = Self::fixed(
        header::STATUS_PAYMENT_REQUIRED,
        "payment_required",
        None,
        "this resource requires payment: pay one of the offers in the PAYMENT-REQUIRED header \
         and send it in PAYMENT-SIGNATURE (x402 v2) or X-PAYMENT (x402 v1)",
    );
    /// The scratch buffer cannot hold an offer's requirements (a server fault: status 500).
    pub const SCRATCH_TOO_SMALL: Self = Self::fixed(
        500,
        "buffer_too_small",
        None,
        "the server's buffer cannot hold an offer's payment requirements",
    );
    /// No offer is sold in the payment's scheme (and the payment's x402 version).
    const UNSUPPORTED_SCHEME: Self = Self::fixed(
        header::STATUS_PAYMENT_REQUIRED,
        "no_matching_offer",
        Some("unsupported_scheme"),
        "no offer is sold in the payment's scheme",
    );
    /// Offers of the payment's scheme exist, none on its network.
    const OTHER_NETWORK: Self = Self::fixed(
        header::STATUS_PAYMENT_REQUIRED,
        "no_matching_offer",
        Some("invalid_network"),
        "no offer of the payment's scheme is sold on the payment's network",
    );

    const fn fixed(
        status: u16,
        code: &'static str,
        detail_code: Option<&'static str>,
        message: &'static str,
    ) -> Self {
        Self {
            status,
            code,
            detail_code,
            cause: Cause::Text(message),
        }
    }

    fn of(error: VerifyError) -> Self {
        Self {
            status: header::STATUS_PAYMENT_REQUIRED,
            code: error.code(),
            detail_code: error.detail_code(),
            cause: Cause::Verify(error),
        }
    }

    fn of_smart_wallet(error: SmartWalletError) -> Self {
        match error {
            SmartWalletError::BufferTooSmall => Self::SCRATCH_TOO_SMALL,
            SmartWalletError::Verify(e) => Self::of(e),
            other => Self {
                status: header::STATUS_PAYMENT_REQUIRED,
                code: other.code(),
                detail_code: other.detail_code(),
                cause: Cause::SmartWallet(other),
            },
        }
    }

    /// What the challenge answering this refusal reports: the code, the detail code and this
    /// refusal as the message.
    ///
    /// ```
    /// use pay402::x402::server::Refusal;
    /// let problem = Refusal::ALREADY_USED.problem();
    /// assert_eq!((problem.code, problem.detail_code), ("payment_already_used", None));
    /// assert!(problem.message.is_some_and(|m| m.to_string().contains("already been used")));
    /// ```
    pub fn problem(&self) -> Problem<'_> {
        Problem::new(self.code)
            .with_detail(self.detail_code)
            .with_message(self)
    }
}

impl core::fmt::Display for Refusal {
    /// The refusal in one sentence, for people.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match &self.cause {
            Cause::Text(text) => f.write_str(text),
            Cause::Verify(error) => core::fmt::Display::fmt(error, f),
            Cause::SmartWallet(error) => core::fmt::Display::fmt(error, f),
        }
    }
}

/// The key a host reserves in its replay store, and until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReplayId {
    /// EVM: chain id, token (Permit2: the Permit2 contract), payer and nonce.
    Evm(ReplayKey),
    /// Solana: SHA-256 of the wire transaction (the payer's signature makes it unique).
    #[cfg(feature = "svm")]
    Svm([u8; 32]),
}

impl ReplayId {
    /// The bytes a store keys on: EVM the 80 bytes of [`ReplayKey::to_bytes`], Solana the 32 of
    /// the hash. Returns the used prefix of `out`.
    pub fn write_bytes<'o>(&self, out: &'o mut [u8; 80]) -> &'o [u8] {
        match self {
            Self::Evm(key) => {
                *out = key.to_bytes();
                out
            }
            #[cfg(feature = "svm")]
            Self::Svm(hash) => {
                let (head, _) = out.split_at_mut(32);
                head.copy_from_slice(hash);
                head
            }
        }
    }
}

/// The replay reservation an admission asks for.
///
/// Rule: an EVM authorization can settle until `validBefore` (Permit2: `deadline`), and the
/// verifier accepted it with `valid_before_slack` seconds of margin, so the key is kept until
/// `validBefore + slack + 1`. A Solana transaction can land while its blockhash is recent, which
/// the offline checks cannot date: the key is kept until `now + max(maxTimeoutSeconds,`
/// [`SVM_BLOCKHASH_LIFETIME_SECS`]`) + slack + 1`. `ttl` is `until - now`, at least 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Replay {
    /// The key.
    pub key: ReplayId,
    /// Unix seconds until which the key must be kept.
    pub until: u64,
    /// Seconds from `now` (at least 1).
    pub ttl: u64,
}

/// An admitted payment.
#[derive(Debug, Clone, Copy)]
pub struct Admission<'b> {
    /// The index of the offer paid, in the [`OfferSet`].
    pub offer_index: usize,
    /// The payment's protocol version (it decides the receipt header).
    pub version: X402Version,
    /// The decoded payment, borrowed from the caller's buffer (the `/settle` body echoes it).
    pub payment: PaymentPayload<'b>,
    /// The verifier's verdict.
    pub verified: AnyVerified,
    /// What to reserve in the replay store.
    pub replay: Replay,
    /// The signed amount: for `upto` the maximum a settlement may charge.
    pub max_amount: U256,
}

/// The payment header a request carries, among its `headers` (name, value): `PAYMENT-SIGNATURE`
/// (x402 v2) when present, else `X-PAYMENT` (x402 v1), names compared case-insensitively; the
/// first occurrence of a name wins. `None` when the request carries neither: answer it with the
/// challenge ([`Refusal::NO_PAYMENT`]).
///
/// ```
/// use pay402::x402::server::payment_header;
/// let headers = [("accept", "*/*"), ("x-payment", "v1"), ("Payment-Signature", "v2")];
/// assert_eq!(payment_header(headers), Some(("Payment-Signature", "v2")));
/// assert_eq!(payment_header([("accept", "*/*")]), None);
/// ```
pub fn payment_header<'h, I>(headers: I) -> Option<(&'h str, &'h str)>
where
    I: IntoIterator<Item = (&'h str, &'h str)>,
    I::IntoIter: Clone,
{
    let headers = headers.into_iter();
    let find = |wanted: &str| {
        headers
            .clone()
            .find(|(name, _)| header::name_is(name, wanted))
    };
    find(header::PAYMENT_SIGNATURE).or_else(|| find(header::X_PAYMENT))
}

/// Admits the payment in header `header_name: header_value` against `offers` at time `now`
/// (unix seconds), verified with `policy`'s checks (its `upto.facilitator` is replaced by the
/// offer's facilitator; `upto.settle_amount` is ignored).
///
/// `buf` receives the decoded header JSON (the admission borrows it) and, after it, serves as
/// scratch for one offer's requirements: [`header::RECOMMENDED_BUFFER_LEN`] is enough.
///
/// ```
/// use pay402::x402::server::{admit, Offer, OfferScheme, OfferSet};
/// use pay402::x402::Verifier;
/// use pay402::U256;
/// let mut offers = OfferSet::<1>::new();
/// offers.push(Offer {
///     scheme: OfferScheme::ExactEip3009 { name: "USDC", version: "2" },
///     network: "eip155:84532",
///     asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
///     amount: U256::from_u64(10_000),
///     pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
///     max_timeout_seconds: 60,
/// })?;
/// let mut buf = [0u8; 4096];
/// let refusal = admit(&offers, "PAYMENT-SIGNATURE", b"e30=", 0, &Verifier::EVM, &mut buf).unwrap_err();
/// assert_eq!((refusal.status, refusal.code, refusal.detail_code), (402, "invalid_payload", Some("missing_field")));
/// # Ok::<(), pay402::x402::server::ServerError>(())
/// ```
pub fn admit<'b, const N: usize>(
    offers: &OfferSet<'_, N>,
    header_name: &str,
    header_value: &[u8],
    now: u64,
    policy: &Verifier<'_>,
    buf: &'b mut [u8],
) -> Result<Admission<'b>, Refusal> {
    match find(offers, header_name, header_value, now, policy, buf, false)? {
        Found::Admitted(admission) => Ok(admission),
        // `find` stops at a smart-wallet payer only when asked to.
        Found::NeedsChain { .. } => Err(Refusal::SCRATCH_TOO_SMALL),
    }
}

/// What [`find`] found.
#[allow(
    clippy::large_enum_variant,
    reason = "no_std without alloc: returned once, by value"
)]
enum Found<'b> {
    Admitted(Admission<'b>),
    /// Offer `index` (the first to pass or need the chain) waits for a smart-wallet check.
    NeedsChain {
        index: usize,
        version: X402Version,
        payment: PaymentPayload<'b>,
        scratch: &'b mut [u8],
    },
}

/// [`admit`]'s search; with `chain`, the first offer whose only failure is
/// `smart_wallet_needs_rpc` stops it.
fn find<'b, const N: usize>(
    offers: &OfferSet<'_, N>,
    header_name: &str,
    header_value: &[u8],
    now: u64,
    policy: &Verifier<'_>,
    buf: &'b mut [u8],
    chain: bool,
) -> Result<Found<'b>, Refusal> {
    let version = if header::name_is(header_name, header::PAYMENT_SIGNATURE) {
        X402Version::V2
    } else if header::name_is(header_name, header::X_PAYMENT) {
        X402Version::V1
    } else {
        return Err(Refusal::NO_PAYMENT);
    };
    let decoded_cap = (header_value.len() / 4)
        .saturating_mul(3)
        .saturating_add(3)
        .min(buf.len());
    let (json_buf, scratch) = buf.split_at_mut(decoded_cap);
    let payment = PaymentPayload::from_header(header_value, json_buf)
        .map_err(|e| Refusal::of(VerifyError::from_payload(e)))?;
    if payment.version() != version {
        return Err(Refusal::of(VerifyError::Envelope(
            EnvelopeCheck::InvalidX402Version,
        )));
    }
    let scheme = payment.scheme();
    let mut network_buf = [0u8; 96];
    let network = payment
        .network()
        .text_in(&mut network_buf)
        .and_then(Network::parse);
    let mut best: Option<(bool, VerifyError)> = None;
    let mut any_scheme = false;
    for (index, offer) in offers.iter().enumerate() {
        if !scheme.eq_str(offer.offer().scheme.name()) || !offer.sold_in(version) {
            continue;
        }
        any_scheme = true;
        if Some(offer.network()) != network {
            continue;
        }
        let requirements = offer_requirements(offer, version, scratch)?;
        match offer_verifier(offer, policy).verify_prepared(
            &requirements,
            &payment,
            now,
            offer_separator(offer).as_ref(),
        ) {
            Ok(verdict) => {
                return Ok(Found::Admitted(admission(
                    index, offer, version, &payment, &verdict, now, policy,
                )));
            }
            Err(error) if chain && signature_only(&error) => {
                return Ok(Found::NeedsChain {
                    index,
                    version,
                    payment,
                    scratch,
                });
            }
            Err(error) => {
                let mismatch = matches!(
                    error,
                    VerifyError::Envelope(EnvelopeCheck::AcceptedRequirementsMismatch)
                );
                // Keep the first error; a later check's error replaces an `accepted` mismatch.
                if best.as_ref().is_none_or(|(m, _)| *m && !mismatch) {
                    best = Some((mismatch, error));
                }
            }
        }
    }
    Err(match best {
        Some((_, error)) => Refusal::of(error),
        None if any_scheme => Refusal::OTHER_NETWORK,
        None => Refusal::UNSUPPORTED_SCHEME,
    })
}

/// True when `error` is a failed signature, the last offline check: every other check passed,
/// and the payer's code decides (a contract or an EIP-7702 delegated EOA answers through
/// EIP-1271 whatever the signature's length, as the tokens' on-chain checks do).
fn signature_only(error: &VerifyError) -> bool {
    matches!(
        error,
        VerifyError::Eip3009(Eip3009Check::Transfer(TransferCheck::Signature(_)))
            | VerifyError::Permit2(Permit2Check::Transfer(TransferCheck::Signature(_)))
    )
}

/// [`admit`] for a host with an EVM RPC: what [`admit`] admits is [`ChainAdmission::Admitted`]
/// at once; a payment [`admit`] refuses for its signature only (`smart_wallet_needs_rpc`: longer
/// than an EOA's; or an ECDSA signature of another key, e.g. a smart wallet's owner) is
/// [`ChainAdmission::NeedsCode`]: the host reads the payer's code (`eth_getCode`) and goes on
/// with [`PayerCode::with_code`], which routes as
/// <https://github.com/coinbase/x402> `typescript/packages/mechanisms/evm/src/shared/verifySignature.ts`
/// does (code: EIP-1271; no code: ECDSA recovery or the ERC-6492 simulation). Every other
/// refusal is [`admit`]'s. `buf` serves as in [`admit`]; a smart-wallet payment also needs room for its
/// decoded signature ([`header::RECOMMENDED_BUFFER_LEN`] is enough; a smaller buffer may give
/// [`Refusal::SCRATCH_TOO_SMALL`]: grow it and retry).
///
/// ```
/// use pay402::x402::server::{admit_with_chain, ChainAdmission, Offer, OfferScheme, OfferSet};
/// use pay402::x402::Verifier;
/// use pay402::U256;
/// let mut offers = OfferSet::<1>::new();
/// offers.push(Offer {
///     scheme: OfferScheme::ExactEip3009 { name: "USDC", version: "2" },
///     network: "eip155:84532",
///     asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
///     amount: U256::from_u64(10_000),
///     pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
///     max_timeout_seconds: 60,
/// })?;
/// let mut buf = [0u8; 8192];
/// // Refusals that need no chain are admit's.
/// let refusal = admit_with_chain(&offers, "PAYMENT-SIGNATURE", b"e30=", 0, &Verifier::EVM, &mut buf).unwrap_err();
/// assert_eq!((refusal.status, refusal.code), (402, "invalid_payload"));
/// # Ok::<(), pay402::x402::server::ServerError>(())
/// ```
pub fn admit_with_chain<'b, const N: usize>(
    offers: &OfferSet<'_, N>,
    header_name: &str,
    header_value: &[u8],
    now: u64,
    policy: &Verifier<'_>,
    buf: &'b mut [u8],
) -> Result<ChainAdmission<'b>, Refusal> {
    let (index, version, payment, scratch) =
        match find(offers, header_name, header_value, now, policy, buf, true)? {
            Found::Admitted(admission) => return Ok(ChainAdmission::Admitted(admission)),
            Found::NeedsChain {
                index,
                version,
                payment,
                scratch,
            } => (index, version, payment, scratch),
        };
    let offer = offers.iter().nth(index).ok_or(Refusal::SCRATCH_TOO_SMALL)?;
    // The signature's room comes off the end of the scratch; the requirements get the rest.
    let signature_room = MAX_SIGNATURE_LEN.min(scratch.len() / 2);
    let split = scratch.len().saturating_sub(signature_room);
    let (requirements_buf, signature_buf) = scratch.split_at_mut(split);
    let requirements = offer_requirements(offer, version, requirements_buf)?;
    let check = SignatureCheck::begin(
        &offer_verifier(offer, policy),
        &requirements,
        &payment,
        now,
        signature_buf,
    )
    .map_err(|e| match e {
        SmartWalletError::SignatureTooLong if signature_room < MAX_SIGNATURE_LEN => {
            Refusal::SCRATCH_TOO_SMALL
        }
        e => Refusal::of_smart_wallet(e),
    })?;
    Ok(ChainAdmission::NeedsCode(PayerCode {
        pending: Pending {
            offer_index: index,
            version,
            payment,
            now,
            slack: policy.policy.valid_before_slack,
        },
        check,
    }))
}

/// The first answer of [`admit_with_chain`].
#[allow(
    clippy::large_enum_variant,
    reason = "no_std without alloc: returned once, by value"
)]
#[derive(Debug, Clone, Copy)]
pub enum ChainAdmission<'b> {
    /// Admitted without the chain (an EOA's signature, or a Solana payment).
    Admitted(Admission<'b>),
    /// A smart-wallet payer: read its code.
    NeedsCode(PayerCode<'b>),
}

/// What an admission waiting for the chain keeps.
#[derive(Debug, Clone, Copy)]
struct Pending<'b> {
    offer_index: usize,
    version: X402Version,
    payment: PaymentPayload<'b>,
    now: u64,
    slack: u64,
}

impl<'b> Pending<'b> {
    fn admit(&self, verified: &crate::x402::Verified) -> Admission<'b> {
        let (key, until, max_amount) = evm_replay(verified, self.slack);
        Admission {
            offer_index: self.offer_index,
            version: self.version,
            payment: self.payment,
            verified: AnyVerified::Evm(*verified),
            replay: Replay {
                key,
                until,
                ttl: until.saturating_sub(self.now).max(1),
            },
            max_amount,
        }
    }
}

/// A smart-wallet payment that passed every offline check; its signature waits for the
/// payer's code.
#[derive(Debug, Clone, Copy)]
pub struct PayerCode<'b> {
    pending: Pending<'b>,
    check: SignatureCheck<'b>,
}

impl<'b> PayerCode<'b> {
    /// The address whose code (`eth_getCode(payer, "latest")`) the next step needs.
    pub fn payer(&self) -> Address {
        self.check.payer()
    }

    /// The index of the offer being paid, in the [`OfferSet`].
    pub fn offer_index(&self) -> usize {
        self.pending.offer_index
    }

    /// Routes on the payer's `code` (empty for `0x`), with the ERC-6492 factory allow-list
    /// `allowed_factories` (empty denies every undeployed wallet): admitted (no code and an
    /// EOA's signature), refused, or a [`PayerCall`] whose calldata is written into
    /// `calldata_buf` (twice [`MAX_SIGNATURE_LEN`] plus 1024 bytes is enough).
    pub fn with_code<'c>(
        self,
        code: &[u8],
        allowed_factories: &[Address],
        calldata_buf: &'c mut [u8],
    ) -> Result<AfterPayerCode<'b, 'c>, Refusal> {
        match self
            .check
            .with_code(code, allowed_factories, calldata_buf)
            .map_err(Refusal::of_smart_wallet)?
        {
            AfterCode::Verified(verified) => {
                Ok(AfterPayerCode::Admitted(self.pending.admit(&verified)))
            }
            AfterCode::NeedsCall(call) => Ok(AfterPayerCode::NeedsCall(PayerCall {
                pending: self.pending,
                call,
            })),
        }
    }
}

/// What [`PayerCode::with_code`] leads to.
#[allow(
    clippy::large_enum_variant,
    reason = "no_std without alloc: returned once, by value"
)]
#[derive(Debug, Clone, Copy)]
pub enum AfterPayerCode<'b, 'c> {
    /// The payer has no code and its ECDSA signature is valid.
    Admitted(Admission<'b>),
    /// Make this `eth_call` and report with [`PayerCall::with_call_result`].
    NeedsCall(PayerCall<'b, 'c>),
}

/// The `eth_call` (`{to, data: calldata}` at `latest`) that decides a smart-wallet payment.
#[derive(Debug, Clone, Copy)]
pub struct PayerCall<'b, 'c> {
    pending: Pending<'b>,
    call: CallCheck<'c>,
}

impl<'b> PayerCall<'b, '_> {
    /// The contract to call: the payer (EIP-1271) or Multicall3 (ERC-6492 simulation).
    pub fn to(&self) -> Address {
        self.call.to
    }

    /// The call's data.
    pub fn calldata(&self) -> &[u8] {
        self.call.calldata
    }

    /// How the signature is being checked.
    pub fn route(&self) -> Route {
        self.call.route
    }

    /// The verdict on what the `eth_call` returned, or that it reverted.
    pub fn with_call_result(self, outcome: CallOutcome<'_>) -> Result<Admission<'b>, Refusal> {
        let verified = self
            .call
            .with_call_result(outcome)
            .map_err(Refusal::of_smart_wallet)?;
        Ok(self.pending.admit(&verified))
    }
}

/// The requirements of `offer` as a payment of `version` names them, written into `scratch`.
fn offer_requirements<'a: 's, 's>(
    offer: &PreparedOffer<'a>,
    version: X402Version,
    scratch: &'s mut [u8],
) -> Result<PaymentRequirements<'s>, Refusal> {
    // v1 verification does not read `resource`/`description`; the entry needs them present.
    let no_resource = Resource {
        url: "",
        description: "",
        mime_type: None,
    };
    match (version, offer.v1_network()) {
        // v2: the offer's requirements are read back from what it writes, unparsed.
        (X402Version::V2, _) => offer.requirements_v2(scratch).map(PaymentRequirements::V2),
        (X402Version::V1, Some(network)) => {
            let len = write_all(scratch, |w| {
                offer.write_v1_entry(w, network, &no_resource, &offer.offer().amount)
            })
            .ok();
            len.and_then(|len| scratch.get(..len))
                .and_then(|text| RawValue::parse(text).ok())
                .and_then(|v| PaymentRequirements::from_json_value_versioned(v, version).ok())
        }
        (X402Version::V1, None) => None,
    }
    .ok_or(Refusal::SCRATCH_TOO_SMALL)
}

/// `policy` for `offer`: its `upto.facilitator` is the offer's, `upto.settle_amount` unset.
fn offer_verifier<'p>(offer: &PreparedOffer<'_>, policy: &Verifier<'p>) -> Verifier<'p> {
    let mut verifier = *policy;
    verifier.upto.settle_amount = None;
    verifier.upto.facilitator = match offer.offer().scheme {
        OfferScheme::UptoPermit2 { facilitator } => Address::parse(facilitator.as_bytes()).ok(),
        _ => None,
    };
    verifier
}

/// The offer's precomputed EIP-712 separator signs the EIP-3009 digest (Permit2 payloads sign
/// under the Permit2 domain, which the Permit2 checks derive themselves).
fn offer_separator(offer: &PreparedOffer<'_>) -> Option<[u8; 32]> {
    match offer.offer().scheme {
        OfferScheme::ExactEip3009 { .. } => offer.domain_separator(),
        _ => None,
    }
}

/// An EVM verdict's replay key, the time until which it is kept and the signed amount.
fn evm_replay(v: &crate::x402::Verified, slack: u64) -> (ReplayId, u64, U256) {
    let valid_before = v.valid_before.to_u64().unwrap_or(u64::MAX);
    (
        ReplayId::Evm(v.replay_key),
        valid_before.saturating_add(slack).saturating_add(1),
        v.authorized_amount,
    )
}

fn admission<'b>(
    offer_index: usize,
    offer: &PreparedOffer<'_>,
    version: X402Version,
    payment: &PaymentPayload<'b>,
    verdict: &AnyVerified,
    now: u64,
    policy: &Verifier<'_>,
) -> Admission<'b> {
    let slack = policy.policy.valid_before_slack;
    let (key, until, max_amount) = match *verdict {
        AnyVerified::Evm(v) => evm_replay(&v, slack),
        #[cfg(feature = "svm")]
        AnyVerified::Svm(v) => {
            let lifetime = offer
                .offer()
                .max_timeout_seconds
                .max(SVM_BLOCKHASH_LIFETIME_SECS);
            (
                ReplayId::Svm(transaction_hash(payment)),
                now.saturating_add(lifetime)
                    .saturating_add(slack)
                    .saturating_add(1),
                U256::from_u64(v.amount),
            )
        }
    };
    #[cfg(not(feature = "svm"))]
    let _ = offer;
    Admission {
        offer_index,
        version,
        payment: *payment,
        verified: *verdict,
        replay: Replay {
            key,
            until,
            ttl: until.saturating_sub(now).max(1),
        },
        max_amount,
    }
}

/// SHA-256 of the wire transaction in `payload.transaction` (verification decoded it already,
/// so it decodes here too).
#[cfg(feature = "svm")]
fn transaction_hash(payment: &PaymentPayload<'_>) -> [u8; 32] {
    use crate::base64::{Base64Policy, decode_public_into};
    use sha2::{Digest, Sha256};
    let mut wire = [0u8; crate::svm::transaction::MAX_TRANSACTION_LEN];
    let text = payment
        .payload()
        .get("transaction")
        .and_then(|v| v.as_str())
        .and_then(|s| s.as_plain())
        .unwrap_or("");
    let bytes = decode_public_into(text.as_bytes(), &Base64Policy::X402, &mut wire).unwrap_or(&[]);
    Sha256::digest(bytes).into()
}
