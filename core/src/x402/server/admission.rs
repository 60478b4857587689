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

use super::Resource;
use super::challenge::Problem;
use super::offer::{OfferScheme, OfferSet, PreparedOffer};
use crate::ErrorCode;
use crate::evm::Address;
use crate::json::RawValue;
use crate::u256::U256;
use crate::writer::write_all;
use crate::x402::error::{EnvelopeCheck, VerifyError};
use crate::x402::network::Network;
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
    /// [`Refusal::REPLAY_STORE_UNAVAILABLE`]).
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
        match verify_against(offer, version, &payment, now, policy, scratch)? {
            Ok(verdict) => {
                return Ok(admission(
                    index, offer, version, &payment, &verdict, now, policy,
                ));
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

/// Verifies `payment` against `offer`'s requirements, written into `scratch`.
fn verify_against(
    offer: &PreparedOffer<'_>,
    version: X402Version,
    payment: &PaymentPayload<'_>,
    now: u64,
    verifier: &Verifier<'_>,
    scratch: &mut [u8],
) -> Result<Result<AnyVerified, VerifyError>, Refusal> {
    // v1 verification does not read `resource`/`description`; the entry needs them present.
    let no_resource = Resource {
        url: "",
        description: "",
        mime_type: None,
    };
    let requirements = match (version, offer.v1_network()) {
        // v2: the offer's requirements are read back from what it writes, unparsed.
        (X402Version::V2, _) => offer.requirements_v2(scratch).map(PaymentRequirements::V2),
        (X402Version::V1, Some(network)) => write_all(scratch, |w| {
            offer.write_v1_entry(w, network, &no_resource, &offer.offer().amount)
        })
        .ok()
        .and_then(|len| scratch.get(..len))
        .and_then(|text| RawValue::parse(text).ok())
        .and_then(|v| PaymentRequirements::from_json_value_versioned(v, version).ok()),
        (X402Version::V1, None) => None,
    }
    .ok_or(Refusal::SCRATCH_TOO_SMALL)?;
    let mut verifier = *verifier;
    verifier.upto.settle_amount = None;
    verifier.upto.facilitator = match offer.offer().scheme {
        OfferScheme::UptoPermit2 { facilitator } => Address::parse(facilitator.as_bytes()).ok(),
        _ => None,
    };
    // The offer's precomputed EIP-712 separator signs the EIP-3009 digest (Permit2 payloads
    // sign under the Permit2 domain, which the Permit2 checks derive themselves).
    let separator = match offer.offer().scheme {
        OfferScheme::ExactEip3009 { .. } => offer.domain_separator(),
        _ => None,
    };
    Ok(verifier.verify_prepared(&requirements, payment, now, separator.as_ref()))
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
        AnyVerified::Evm(v) => {
            let valid_before = v.valid_before.to_u64().unwrap_or(u64::MAX);
            (
                ReplayId::Evm(v.replay_key),
                valid_before.saturating_add(slack).saturating_add(1),
                v.authorized_amount,
            )
        }
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
