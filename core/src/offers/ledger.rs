//! The entitlement ledger: what a paid offer grants and whether a call may proceed
//! (<https://github.com/l402-protocol/l402> README; the go-example kept one global `bool`).
//!
//! A pure state machine over one [`Entitlement`] record. The host keys records by account and,
//! for one-time offers, by resource (a one-time purchase grants *that* resource only), persists
//! them as fixed-size bytes, and makes each read-decide-write atomic (a transaction or a
//! compare-and-swap on the record bytes).

use super::error::OffersError;
use super::offer::{Offer, OfferType};
use crate::json::FieldIssue;
use sha2::{Digest, Sha256};

/// What one paid offer grants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Grant {
    /// Unlimited access to the resource the record is keyed by.
    OneTime,
    /// `credits` calls.
    TopUp {
        /// Credits bought.
        credits: u64,
    },
    /// Access for `duration_seconds` from the payment time.
    Subscription {
        /// Length of the subscription.
        duration_seconds: u64,
    },
}

impl Grant {
    /// The grant of `offer`: `top-up` needs `balance` (missing → `missing_field`),
    /// `subscription` a `duration` that [`super::duration_seconds`] reads (else
    /// `invalid_value`); an offer whose `type` pay402 does not know grants nothing it could
    /// meter (`unknown_offer_type`).
    pub fn of(offer: &Offer<'_>) -> Result<Self, OffersError> {
        match offer.offer_type().ok_or(OffersError::UnknownOfferType)? {
            OfferType::OneTime => Ok(Self::OneTime),
            OfferType::TopUp => Ok(Self::TopUp {
                credits: offer.balance.ok_or(FieldIssue::missing("balance"))?,
            }),
            OfferType::Subscription => {
                let text = offer.duration.ok_or(FieldIssue::missing("duration"))?;
                let mut buf = [0u8; 64];
                let s = text
                    .unescape_into(&mut buf)
                    .map_err(|_| FieldIssue::invalid_value("duration"))?;
                Ok(Self::Subscription {
                    duration_seconds: super::duration_seconds(s)
                        .ok_or(FieldIssue::invalid_value("duration"))?,
                })
            }
        }
    }
}

/// How a call was allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// A one-time purchase of this resource.
    OneTime,
    /// An active subscription, until this unix time (exclusive).
    Subscription {
        /// End of the subscription.
        until: u64,
    },
    /// One credit was spent; `remaining` are left.
    Credit {
        /// Credits left after this call.
        remaining: u64,
    },
    /// Nothing grants access: answer 402 with the offers body.
    PaymentRequired,
}

/// Length of an encoded [`Entitlement`].
pub const ENTITLEMENT_RECORD_LEN: usize = 26;
const VERSION: u8 = 1;

/// One account's (or account-and-resource's) entitlements.
///
/// ```
/// use pay402::offers::{Access, Entitlement, Grant};
/// let mut e = Entitlement::default();
/// assert_eq!(e.authorize(1_000), Access::PaymentRequired);
/// e.credit(Grant::TopUp { credits: 2 }, 1_000)?;
/// assert_eq!(e.authorize(1_001), Access::Credit { remaining: 1 });
/// assert_eq!(e.authorize(1_002), Access::Credit { remaining: 0 });
/// assert_eq!(e.authorize(1_003), Access::PaymentRequired);
/// e.credit(Grant::Subscription { duration_seconds: 60 }, 2_000)?;
/// assert_eq!(e.authorize(2_059), Access::Subscription { until: 2_060 });
/// assert_eq!(e.authorize(2_060), Access::PaymentRequired);
/// assert_eq!(Entitlement::decode(&e.encode()), Ok(e));
/// # Ok::<(), pay402::offers::OffersError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Entitlement {
    /// A one-time purchase covers the resource this record is keyed by.
    pub one_time: bool,
    /// Unspent credits.
    pub credits: u64,
    /// Subscription end, unix seconds (exclusive); 0 = none.
    pub subscription_until: u64,
}

impl Entitlement {
    /// Applies a paid grant. `paid_at` is when the payment was confirmed (unix seconds, from the
    /// verified webhook, not the client). Credits add up; a subscription renewed before its end
    /// extends from the end, otherwise from `paid_at`. Errors: `entitlement_overflow`.
    ///
    /// The host must apply each payment once (a single-use store keyed by the payment).
    pub fn credit(&mut self, grant: Grant, paid_at: u64) -> Result<(), OffersError> {
        match grant {
            Grant::OneTime => self.one_time = true,
            Grant::TopUp { credits } => {
                self.credits = self
                    .credits
                    .checked_add(credits)
                    .ok_or(OffersError::Overflow)?;
            }
            Grant::Subscription { duration_seconds } => {
                self.subscription_until = self
                    .subscription_until
                    .max(paid_at)
                    .checked_add(duration_seconds)
                    .ok_or(OffersError::Overflow)?;
            }
        }
        Ok(())
    }

    /// Decides one call at `now` (unix seconds), in this order: one-time purchase, active
    /// subscription (`now < subscription_until`), then a credit (spent). Persist the record
    /// after a `Credit` answer before serving the call.
    pub fn authorize(&mut self, now: u64) -> Access {
        if self.one_time {
            Access::OneTime
        } else if now < self.subscription_until {
            Access::Subscription {
                until: self.subscription_until,
            }
        } else if let Some(remaining) = self.credits.checked_sub(1) {
            self.credits = remaining;
            Access::Credit { remaining }
        } else {
            Access::PaymentRequired
        }
    }

    /// Encodes: version (1), flags (bit 0 one-time), credits (u64 BE), subscription end (u64 BE),
    /// then the first 8 bytes of SHA-256 over the 18 bytes before.
    pub fn encode(&self) -> [u8; ENTITLEMENT_RECORD_LEN] {
        let mut out = [0u8; ENTITLEMENT_RECORD_LEN];
        let mut body = [0u8; 18];
        body[0] = VERSION;
        body[1] = u8::from(self.one_time);
        body[2..10].copy_from_slice(&self.credits.to_be_bytes());
        body[10..18].copy_from_slice(&self.subscription_until.to_be_bytes());
        let digest = Sha256::digest(body);
        out[..18].copy_from_slice(&body);
        out[18..].copy_from_slice(digest.get(..8).unwrap_or(&[0; 8]));
        out
    }

    /// Decodes and checks a record (`invalid_entitlement_record`).
    pub fn decode(bytes: &[u8]) -> Result<Self, OffersError> {
        let bad = OffersError::InvalidRecord;
        let record: &[u8; ENTITLEMENT_RECORD_LEN] = bytes.try_into().map_err(|_| bad)?;
        let (body, sum) = record.split_at(18);
        let digest = Sha256::digest(body);
        if digest.get(..8) != Some(sum) {
            return Err(bad);
        }
        let [version, flags, rest @ ..] = body else {
            return Err(bad);
        };
        if *version != VERSION || *flags > 1 {
            return Err(bad);
        }
        let (credits, until) = rest.split_at(8);
        Ok(Self {
            one_time: *flags == 1,
            credits: u64::from_be_bytes(credits.try_into().map_err(|_| bad)?),
            subscription_until: u64::from_be_bytes(until.try_into().map_err(|_| bad)?),
        })
    }
}
