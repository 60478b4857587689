//! Verification policy: every choice where x402 implementations differ (the reference SDKs,
//! <https://github.com/coinbase/x402>, and x402-rs, <https://github.com/x402-rs/x402-rs>).

use crate::evm::SignaturePolicy;

/// How the signed value is compared with the required amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum AmountRule {
    /// `value == amount`: the v2 spec and the current reference facilitators (default).
    #[default]
    Exact,
    /// `value >= amount`: the legacy v1 npm facilitator and x402-rs.
    AtLeast,
}

/// How v2 `accepted` is compared with the offered requirements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum AcceptedMatch {
    /// JSON value equality, key order irrelevant, strings compared exactly (case-sensitive
    /// addresses): the TypeScript resource server's `deepEqual` (default).
    #[default]
    DeepEqual,
    /// As [`AcceptedMatch::DeepEqual`], but `asset` and `payTo` compare as addresses,
    /// case-insensitively, and amounts by value: x402-rs parity.
    Typed,
}

/// The policy of an `exact` EVM verification. [`VerifyPolicy::default`] is the reference
/// facilitator's behaviour with on-chain-strict signatures.
///
/// ```
/// use pay402::x402::{AmountRule, VerifyPolicy};
/// let legacy = VerifyPolicy { amount: AmountRule::AtLeast, ..VerifyPolicy::default() };
/// assert_eq!(legacy.valid_before_slack, 6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VerifyPolicy {
    /// Amount comparison (default [`AmountRule::Exact`]).
    pub amount: AmountRule,
    /// Signature acceptance (default [`SignaturePolicy::Strict`]: 65 bytes, v 27/28, low s —
    /// what USDC's `ECRecover` accepts, so a pass means the chain will accept it too).
    pub signature: SignaturePolicy,
    /// Seconds `validBefore` must lie beyond `now` (default 6, as every reference facilitator).
    pub valid_before_slack: u64,
    /// v2 `accepted` comparison (default [`AcceptedMatch::DeepEqual`]).
    pub accepted: AcceptedMatch,
}

impl VerifyPolicy {
    /// The default [`VerifyPolicy::valid_before_slack`]: 6 seconds, as every reference
    /// facilitator. Bindings take their default from here.
    pub const DEFAULT_VALID_BEFORE_SLACK: u64 = 6;

    /// The reference facilitator's policy with on-chain-strict signatures.
    pub const DEFAULT: Self = Self {
        amount: AmountRule::Exact,
        signature: SignaturePolicy::Strict,
        valid_before_slack: Self::DEFAULT_VALID_BEFORE_SLACK,
        accepted: AcceptedMatch::DeepEqual,
    };
}

impl Default for VerifyPolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}
