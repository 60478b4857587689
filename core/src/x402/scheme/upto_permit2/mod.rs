//! `upto` on EVM with Permit2
//! (<https://github.com/coinbase/x402/blob/main/specs/schemes/upto/scheme_upto_evm.md>): the
//! payer signs a maximum, the facilitator settles the actual charge up to it.
//!
//! The scheme payload is the Permit2 payload of [`super::exact_permit2`] with
//! `witness.facilitator`; its checks are the `upto` rows of
//! [`super::exact_permit2::verify`] and its signer is [`super::exact_permit2::pay`].

pub use super::exact_permit2::pay::sign_permit2_payload;
pub use super::exact_permit2::payload::{ExactPermit2Payload, Permit2Authorization};

use crate::evm::Address;
use crate::u256::U256;

/// The inputs an `upto` verification needs besides the payment and the requirements.
///
/// ```
/// use pay402::evm::Address;
/// use pay402::x402::{UptoOptions, Verifier};
/// use pay402::U256;
/// // Settling an `upto` payment: charge 500 through facilitator 0x…dEaD.
/// let verifier = Verifier {
///     upto: UptoOptions {
///         settle_amount: Some(U256::from_u64(500)),
///         facilitator: Some(Address::parse(b"0x000000000000000000000000000000000000dEaD")?),
///     },
///     ..Verifier::default()
/// };
/// assert_eq!(verifier.policy.valid_before_slack, 6);
/// # Ok::<(), pay402::evm::AddressError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UptoOptions {
    /// The actual charge at settle time, which must not exceed the signed maximum
    /// (`invalid_upto_evm_payload_settlement_exceeds_amount`); it becomes the verified amount.
    /// `None` at verify time.
    pub settle_amount: Option<U256>,
    /// This facilitator's address, the one `witness.facilitator` must name. `None` fails every
    /// `upto` payment closed (`upto_facilitator_mismatch`).
    pub facilitator: Option<Address>,
}

impl UptoOptions {
    /// No settle amount and no facilitator: every `upto` payment fails closed.
    pub const NONE: Self = Self {
        settle_amount: None,
        facilitator: None,
    };
}
