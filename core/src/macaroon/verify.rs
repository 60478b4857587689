//! Verification of a macaroon and its discharges (go-macaroon `crypto.go` and `macaroon.go`
//! `Verify`; caveat semantics as aperture's `l402/satisfier.go`).
//!
//! Two passes, so that a forged token never reaches the caller's caveat logic:
//!
//! 1. **Crypto.** Recompute the chain of the root macaroon from `derive(root_key)`; for each
//!    third-party caveat open its vid under the running signature, find the first unused
//!    discharge whose id equals the caveat id, verify it recursively from the opened key, bind
//!    its final signature with the root's (`hash2(0³², root_sig, sig)`) and compare in constant
//!    time. Every discharge must be used exactly once ([`MacaroonError::DischargeUnused`]),
//!    nesting is limited ([`VerifyPolicy::max_depth`]).
//! 2. **Caveats.** Hand every first-party caveat, root first then each discharge in the order
//!    given, to a [`CaveatChecker`]. In [`Mode::Strict`] every caveat must be [`Verdict::Accept`]ed
//!    (Go `Verify`, pymacaroons `Verifier`); in [`Mode::L402`] a [`Verdict::Unknown`] caveat is
//!    skipped (aperture's rule, not generic macaroon behaviour) and only [`Verdict::Reject`] fails.
//!
//! Error precedence therefore is: malformed vid / signature / discharge errors first, then
//! caveats.

use super::crypto::{bind_for_request, derive_key, hash2, hmac_sha256, signatures_equal};
use super::error::MacaroonError;
use super::third_party::open_vid;
use super::{KEY_LEN, MAX_DEPTH, MAX_DISCHARGES, Macaroon, SIGNATURE_LEN};
use zeroize::Zeroizing;

/// What a [`CaveatChecker`] says about one first-party caveat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The caveat is satisfied.
    Accept,
    /// The caveat is known and not satisfied.
    Reject,
    /// The checker does not know this condition.
    Unknown,
}

/// Judges first-party caveats. Called once per caveat, in order (root macaroon first, then each
/// discharge), only after every signature has verified.
///
/// Closures `FnMut(&[u8]) -> Verdict` implement it. A stateful checker (e.g. L402 satisfiers
/// that compare each caveat with the previous one of the same condition) can keep what it needs
/// and run its final checks after [`verify`] returns `Ok`.
pub trait CaveatChecker {
    /// The verdict on `caveat`, the exact bytes of the caveat id (never trimmed).
    fn check(&mut self, caveat: &[u8]) -> Verdict;
}

impl<F: FnMut(&[u8]) -> Verdict> CaveatChecker for F {
    fn check(&mut self, caveat: &[u8]) -> Verdict {
        self(caveat)
    }
}

/// Accepts exactly the listed caveats (byte-for-byte); everything else is
/// [`Verdict::Unknown`] — pymacaroons' `satisfy_exact`.
#[derive(Clone, Copy, Debug)]
pub struct AcceptList<'l>(pub &'l [&'l [u8]]);

impl CaveatChecker for AcceptList<'_> {
    fn check(&mut self, caveat: &[u8]) -> Verdict {
        if self.0.contains(&caveat) {
            Verdict::Accept
        } else {
            Verdict::Unknown
        }
    }
}

/// How unknown first-party caveats are treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mode {
    /// Every first-party caveat must be accepted (Go `Verify`, pymacaroons `Verifier`).
    Strict,
    /// Unknown caveats are skipped; only rejected ones fail (aperture's L402 satisfiers).
    L402,
}

/// Verification policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifyPolicy {
    /// Unknown-caveat handling.
    pub mode: Mode,
    /// Deepest discharge nesting: 1 allows discharges of the root only, 2 also discharges of
    /// discharges. Values above [`MAX_DEPTH`] act as [`MAX_DEPTH`].
    pub max_depth: usize,
}

impl VerifyPolicy {
    /// Strict mode, depth 4.
    pub const STRICT: Self = Self {
        mode: Mode::Strict,
        max_depth: 4,
    };
    /// L402 mode, depth 4.
    pub const L402: Self = Self {
        mode: Mode::L402,
        max_depth: 4,
    };
}

/// Verifies `mac` under `root_key` with its `discharges` (each used exactly once), then checks
/// every first-party caveat with `checker` under `policy` (see the module docs).
///
/// ```
/// use pay402::macaroon::{Macaroon, MacaroonError, verify::{verify, Verdict, VerifyPolicy}};
/// let mut scratch = [0u8; 256];
/// // libmacaroons `test/unit`, caveat "account = 3735928559"
/// let mac = Macaroon::decode(b"AgETaHR0cDovL2V4YW1wbGUub3JnLwIFa2V5aWQAAhRhY2NvdW50ID0gMzczNTkyODU1OQAABiD1SAf23G7fiL8PcwazgiVio2JTPb9zObphdl2kvSWdhw", &mut scratch)?;
/// let mut unknown = |_: &[u8]| Verdict::Unknown;
/// assert!(verify(&mac, b"this is the key", &[], &mut unknown, &VerifyPolicy::L402).is_ok());
/// assert!(matches!(verify(&mac, b"this is the key", &[], &mut unknown, &VerifyPolicy::STRICT),
///                  Err(MacaroonError::CaveatNotSatisfied { .. })));
/// assert_eq!(verify(&mac, b"wrong key", &[], &mut unknown, &VerifyPolicy::L402),
///            Err(MacaroonError::SignatureMismatch));
/// # Ok::<(), MacaroonError>(())
/// ```
pub fn verify(
    mac: &Macaroon<'_>,
    root_key: &[u8],
    discharges: &[Macaroon<'_>],
    checker: &mut impl CaveatChecker,
    policy: &VerifyPolicy,
) -> Result<(), MacaroonError> {
    if discharges.len() > MAX_DISCHARGES {
        return Err(MacaroonError::TooManyDischarges);
    }
    let mut ctx = Context {
        discharges,
        used: [false; MAX_DISCHARGES],
        root_signature: mac.signature(),
        max_depth: policy.max_depth.min(MAX_DEPTH),
    };
    let key = derive_key(root_key);
    ctx.verify_chain(mac, &key, 0)?;
    let all_used = ctx.used.iter().take(discharges.len()).all(|&used| used);
    if !all_used {
        return Err(MacaroonError::DischargeUnused);
    }
    check_caveats(0, mac, checker, policy.mode)?;
    for (i, discharge) in discharges.iter().enumerate() {
        check_caveats(i.saturating_add(1), discharge, checker, policy.mode)?;
    }
    Ok(())
}

fn check_caveats(
    index: usize,
    mac: &Macaroon<'_>,
    checker: &mut impl CaveatChecker,
    mode: Mode,
) -> Result<(), MacaroonError> {
    for (i, caveat) in mac.caveats().enumerate() {
        if caveat.is_third_party() {
            continue;
        }
        let ok = match (checker.check(caveat.id), mode) {
            (Verdict::Accept, _) | (Verdict::Unknown, Mode::L402) => true,
            (Verdict::Reject, _) | (Verdict::Unknown, Mode::Strict) => false,
        };
        if !ok {
            return Err(MacaroonError::CaveatNotSatisfied {
                macaroon: index,
                caveat: i,
            });
        }
    }
    Ok(())
}

struct Context<'d, 'a, 'r> {
    discharges: &'d [Macaroon<'a>],
    used: [bool; MAX_DISCHARGES],
    root_signature: &'r [u8; SIGNATURE_LEN],
    max_depth: usize,
}

impl Context<'_, '_, '_> {
    /// Recomputes `mac`'s chain from `key`; `depth` 0 is the root, which is not bound.
    fn verify_chain(
        &mut self,
        mac: &Macaroon<'_>,
        key: &[u8; KEY_LEN],
        depth: usize,
    ) -> Result<(), MacaroonError> {
        let mut sig = Zeroizing::new(hmac_sha256(key, &[mac.id()]));
        for caveat in mac.caveats() {
            if caveat.is_third_party() {
                let caveat_key = open_vid(&sig, caveat.vid)?;
                let index = self
                    .discharges
                    .iter()
                    .enumerate()
                    .position(|(i, d)| {
                        d.id() == caveat.id && !self.used.get(i).copied().unwrap_or(true)
                    })
                    .ok_or(MacaroonError::DischargeMissing)?;
                if depth >= self.max_depth {
                    return Err(MacaroonError::DepthExceeded);
                }
                if let Some(used) = self.used.get_mut(index) {
                    *used = true;
                }
                let discharge = *self
                    .discharges
                    .get(index)
                    .ok_or(MacaroonError::DischargeMissing)?;
                self.verify_chain(&discharge, &caveat_key, depth.saturating_add(1))?;
                *sig = hash2(&sig, caveat.vid, caveat.id);
            } else {
                *sig = hmac_sha256(&*sig, &[caveat.id]);
            }
        }
        if depth > 0 {
            *sig = bind_for_request(self.root_signature, &sig);
        }
        if signatures_equal(&sig, mac.signature()) {
            Ok(())
        } else {
            Err(MacaroonError::SignatureMismatch)
        }
    }
}
