//! Why a BOLT11 invoice was rejected.

use crate::error::ErrorCode;

/// Why [`super::Bolt11Invoice::decode`] rejected an invoice. Checks run in the order the
/// variants are listed: text shape, checksum, human-readable part, tagged fields, required
/// fields, signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Bolt11Error {
    /// The invoice has `len` characters, more than [`super::MAX_INVOICE_LEN`] (7089).
    TooLong {
        /// Characters given.
        len: usize,
    },
    /// The text mixes upper- and lowercase letters (BIP-173).
    MixedCase,
    /// There is no `1` separating the human-readable part from the data.
    MissingSeparator,
    /// The character at byte `index` is not allowed there (outside `!`..`~` in the
    /// human-readable part, outside the bech32 charset in the data part).
    InvalidCharacter {
        /// Byte offset in the invoice.
        index: usize,
    },
    /// The data part is too short to hold a checksum, a timestamp and a signature.
    TooShort,
    /// The bech32 checksum does not match (bech32m or corrupted text).
    BadChecksum,
    /// The human-readable part is not `ln` followed by a known currency prefix.
    InvalidHrp,
    /// The amount is not a positive decimal without leading zeros, or overflows `u64` msat.
    InvalidAmount,
    /// The amount is followed by `found`, which is not one of the multipliers `m u n p`.
    InvalidMultiplier {
        /// The letter after the amount.
        found: char,
    },
    /// A `p` (pico-BTC) amount does not end in `0`, i.e. is not a whole number of msat.
    SubMillisatoshiAmount,
    /// The tagged field starting at word `offset` runs past the signature.
    TruncatedField {
        /// Word offset of the field in the data part.
        offset: usize,
    },
    /// The `x` (expiry) or `c` (`min_final_cltv_expiry_delta`) value does not fit in `u64`.
    IntegerOverflow {
        /// The field's character, `x` or `c`.
        field: char,
    },
    /// The `d` description is not valid UTF-8.
    InvalidDescription,
    /// An `r` field's length is not a whole number of 51-byte hops.
    InvalidRouteHint,
    /// The `9` field sets even (required) feature bit `bit`, which this reader does not know.
    UnknownRequiredFeature {
        /// The feature bit number (bit 0 = least significant).
        bit: usize,
    },
    /// No `p` field of the right length (52 words).
    MissingPaymentHash,
    /// No `s` field of the right length (52 words), which the current spec requires.
    MissingPaymentSecret,
    /// Neither a `d` nor an `h` field.
    MissingDescription,
    /// Both a `d` and an `h` field: the spec requires exactly one of them.
    DescriptionAndHash,
    /// The `n` field is not a valid compressed secp256k1 public key.
    InvalidPayeeKey,
    /// The signature's recovery id is `found`, not 0..=3.
    InvalidRecoveryId {
        /// The last signature byte.
        found: u8,
    },
    /// An `n` field is present and the signature's `s` is above n/2 (BOLT11 requires low-S
    /// when verifying against `n`).
    HighS,
    /// The signature does not verify against `n`, or no public key recovers from it.
    InvalidSignature,
}

impl core::fmt::Display for Bolt11Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::TooLong { len } => {
                write!(
                    f,
                    "invoice has {len} characters, more than the 7089 allowed"
                )
            }
            Self::MixedCase => f.write_str("invoice mixes upper- and lowercase characters"),
            Self::MissingSeparator => f.write_str("invoice has no '1' separator"),
            Self::InvalidCharacter { index } => {
                write!(f, "invalid bech32 character at byte {index}")
            }
            Self::TooShort => f.write_str("invoice data part is too short"),
            Self::BadChecksum => f.write_str("bech32 checksum does not match"),
            Self::InvalidHrp => {
                f.write_str("human-readable part is not 'ln' followed by a known currency")
            }
            Self::InvalidAmount => f.write_str("invoice amount is malformed or too large"),
            Self::InvalidMultiplier { found } => {
                write!(f, "amount multiplier '{found}' is not one of m, u, n, p")
            }
            Self::SubMillisatoshiAmount => {
                f.write_str("pico-BTC amount is not a whole number of millisatoshis")
            }
            Self::TruncatedField { offset } => {
                write!(f, "tagged field at word {offset} runs past the signature")
            }
            Self::IntegerOverflow { field } => {
                write!(f, "'{field}' field value does not fit in 64 bits")
            }
            Self::InvalidDescription => f.write_str("'d' description is not valid UTF-8"),
            Self::InvalidRouteHint => {
                f.write_str("'r' field is not a whole number of 51-byte hops")
            }
            Self::UnknownRequiredFeature { bit } => {
                write!(f, "invoice requires unknown feature bit {bit}")
            }
            Self::MissingPaymentHash => f.write_str("invoice has no valid 'p' payment hash"),
            Self::MissingPaymentSecret => f.write_str("invoice has no valid 's' payment secret"),
            Self::MissingDescription => f.write_str("invoice has neither 'd' nor 'h'"),
            Self::DescriptionAndHash => f.write_str("invoice has both 'd' and 'h'"),
            Self::InvalidPayeeKey => f.write_str("'n' field is not a valid public key"),
            Self::InvalidRecoveryId { found } => {
                write!(f, "signature recovery id {found} is not 0..=3")
            }
            Self::HighS => f.write_str("signature has a high s value and 'n' is present"),
            Self::InvalidSignature => f.write_str("invoice signature is invalid"),
        }
    }
}

impl core::error::Error for Bolt11Error {}

impl ErrorCode for Bolt11Error {
    fn code(&self) -> &'static str {
        match self {
            Self::TooLong { .. } => "bolt11_too_long",
            Self::MixedCase => "bolt11_mixed_case",
            Self::MissingSeparator => "bolt11_missing_separator",
            Self::InvalidCharacter { .. } => "bolt11_invalid_character",
            Self::TooShort => "bolt11_too_short",
            Self::BadChecksum => "bolt11_bad_checksum",
            Self::InvalidHrp => "bolt11_invalid_hrp",
            Self::InvalidAmount => "bolt11_invalid_amount",
            Self::InvalidMultiplier { .. } => "bolt11_invalid_multiplier",
            Self::SubMillisatoshiAmount => "bolt11_sub_millisatoshi_amount",
            Self::TruncatedField { .. } => "bolt11_truncated_field",
            Self::IntegerOverflow { .. } => "bolt11_integer_overflow",
            Self::InvalidDescription => "bolt11_invalid_description",
            Self::InvalidRouteHint => "bolt11_invalid_route_hint",
            Self::UnknownRequiredFeature { .. } => "bolt11_unknown_required_feature",
            Self::MissingPaymentHash => "bolt11_missing_payment_hash",
            Self::MissingPaymentSecret => "bolt11_missing_payment_secret",
            Self::MissingDescription => "bolt11_missing_description",
            Self::DescriptionAndHash => "bolt11_description_and_hash",
            Self::InvalidPayeeKey => "bolt11_invalid_payee_key",
            Self::InvalidRecoveryId { .. } => "bolt11_invalid_recovery_id",
            Self::HighS => "bolt11_high_s",
            Self::InvalidSignature => "bolt11_invalid_signature",
        }
    }
}
