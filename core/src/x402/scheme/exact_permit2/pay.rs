//! The paying side of Permit2 (`exact` with `assetTransferMethod: "permit2"`, and `upto`):
//! build the authorization for an offer, sign it, write the scheme payload.

use super::payload::{Permit2Authorization, write_payload};
use crate::error::{BufferTooSmall, ErrorCode};
use crate::evm::PrivateKey;
use crate::u256::U256;
use crate::writer::Writer;
use crate::x402::error::DecodeError;
use crate::x402::payment_requirements::PaymentRequirements;
use core::fmt;

/// Builds, signs and writes the Permit2 scheme payload for `requirements` (v2, scheme `exact`
/// or `upto`) into `w`: [`Permit2Authorization::for_requirements`] with `key`'s address, then
/// [`Permit2Authorization::sign`] and [`write_payload`]. Returns the authorization and the
/// signature.
///
/// ```
/// use pay402::evm::{recover_address, permit2_domain, PrivateKey, SignaturePolicy};
/// use pay402::json::RawValue;
/// use pay402::writer::Writer;
/// use pay402::x402::sign_permit2_payload;
/// use pay402::x402::PaymentRequirements;
/// use pay402::U256;
///
/// let requirements = br#"{"scheme":"upto","network":"eip155:84532","amount":"50000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":300,"extra":{"facilitatorAddress":"0x000000000000000000000000000000000000dEaD"}}"#;
/// let requirements = PaymentRequirements::from_json_value(RawValue::parse(requirements)?)?;
/// let key = PrivateKey::from_bytes(&[0x11; 32])?;
/// let mut buf = [0u8; 1024];
/// let mut w = Writer::new(&mut buf);
/// let (authorization, signature) =
///     sign_permit2_payload(&mut w, &requirements, &key, U256::from_u64(7), 1_740_672_000)?;
/// let digest = authorization.permit.digest(&permit2_domain(84532));
/// assert_eq!(recover_address(&digest, &signature, SignaturePolicy::Strict), Ok(key.address()));
/// assert!(w.written().starts_with(br#"{"signature":"0x"#));
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
pub fn sign_permit2_payload(
    w: &mut Writer<'_>,
    requirements: &PaymentRequirements<'_>,
    key: &PrivateKey,
    nonce: U256,
    now: u64,
) -> Result<(Permit2Authorization, [u8; 65]), Permit2SignError> {
    let (authorization, chain_id) =
        Permit2Authorization::for_requirements(requirements, key.address(), nonce, now)?;
    let signature = authorization.sign(key, chain_id);
    write_payload(w, &signature, &authorization).map_err(Permit2SignError::BufferTooSmall)?;
    Ok((authorization, signature))
}

/// Why a Permit2 payment could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Permit2SignError {
    /// Permit2 payments exist only in x402 v2 (`unsupported_x402_version`).
    UnsupportedVersion,
    /// The network is not an `eip155:<chainId>` network (`invalid_network`).
    InvalidNetwork,
    /// The scheme is neither `exact` nor `upto` (`unsupported_scheme`).
    UnsupportedScheme,
    /// An `upto` requirement lacks `extra.facilitatorAddress` (`missing_facilitator_address`).
    MissingFacilitatorAddress,
    /// `asset`, `payTo` or `extra.facilitatorAddress` is not an address
    /// (`invalid_payment_requirements`).
    InvalidRequirements(DecodeError),
    /// The output buffer is too small (`buffer_too_small`).
    BufferTooSmall(BufferTooSmall),
}

impl ErrorCode for Permit2SignError {
    fn code(&self) -> &'static str {
        match self {
            Self::UnsupportedVersion => "unsupported_x402_version",
            Self::InvalidNetwork => "invalid_network",
            Self::UnsupportedScheme => "unsupported_scheme",
            Self::MissingFacilitatorAddress => "missing_facilitator_address",
            Self::InvalidRequirements(_) => "invalid_payment_requirements",
            Self::BufferTooSmall(e) => e.code(),
        }
    }

    /// The decoder's code of an invalid requirement field.
    fn detail_code(&self) -> Option<&'static str> {
        match self {
            Self::InvalidRequirements(e) => Some(e.code()),
            _ => None,
        }
    }
}

impl fmt::Display for Permit2SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedVersion => f.write_str("Permit2 payments need x402 version 2"),
            Self::InvalidNetwork => f.write_str("the network is not an eip155 chain"),
            Self::UnsupportedScheme => f.write_str("Permit2 payments exist for `exact` and `upto`"),
            Self::MissingFacilitatorAddress => {
                f.write_str("`upto` requirements must carry extra.facilitatorAddress")
            }
            Self::InvalidRequirements(e) => write!(f, "payment requirements are invalid: {e}"),
            Self::BufferTooSmall(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for Permit2SignError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::InvalidRequirements(e) => Some(e),
            Self::BufferTooSmall(e) => Some(e),
            _ => None,
        }
    }
}
