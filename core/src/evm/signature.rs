//! Recoverable secp256k1 signatures as EVM wallets produce them, and the policy that decides
//! which encodings to accept.
//!
//! USDC's `ECRecover` (`FiatToken` v2) reverts unless the signature is 65 bytes `r ‖ s ‖ v` with `v
//! ∈ {27, 28}` and `s ≤ n/2`, while viem's `recoverAddress` and go-ethereum's `SigToPub` accept
//! more (USDC `FiatTokenV2` `ECRecover`). [`SignaturePolicy::Strict`] accepts exactly what the
//! contract accepts; [`SignaturePolicy::Lenient`] also accepts `v ∈ {0, 1}`, high `s` (normalized
//! to `n − s` with the parity flipped) and 64-byte ERC-2098 compact signatures
//! (tests/conformance/vectors/README.md).
//!
//! Checks run in this order: length → `v` → high `s` → range of `r` and `s` → recovery.
//!
//! ```
//! use pay402::evm::{recover_address, Address, SignaturePolicy};
//! let digest = pay402::hex::decode_array::<32>(
//!     b"f256992871671abcb27ff92885a7afa46218724e5fc0bac35d050115aa1d22e6",
//! )?;
//! let signature = pay402::hex::decode_array::<65>(
//!     b"2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c",
//! )?;
//! let payer = recover_address(&digest, &signature, SignaturePolicy::Strict).unwrap();
//! assert_eq!(payer, Address::parse(b"0x857b06519E91e3A54538791bDbb0E22373e36b66").unwrap());
//! # Ok::<(), pay402::hex::HexError>(())
//! ```

use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};

use super::address::Address;
use crate::error::ErrorCode;
use crate::u256::U256;

pub use crate::secp256k1::{SECP256K1_HALF_N, SECP256K1_N};

/// Which signature encodings to accept. The default is [`SignaturePolicy::Strict`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
#[non_exhaustive]
pub enum SignaturePolicy {
    /// Exactly 65 bytes, `v ∈ {27, 28}`, `s ≤ n/2`: what USDC's `ECRecover` accepts, so a
    /// payment that verifies here does not revert on chain for its signature's form.
    #[default]
    Strict,
    /// Also `v ∈ {0, 1}`, high `s` (normalized: `s' = n − s`, parity flipped) and 64-byte
    /// ERC-2098 compact signatures (`r ‖ vs`, y-parity in the top bit of `vs`). Accepts what
    /// viem's `recoverAddress` accepts; the caller must re-encode with
    /// [`RecoverableSignature::to_bytes`] before submitting on chain.
    Lenient,
}

/// Why a signature was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureError {
    /// The signature is `found` bytes long: not 65 (nor 64 under the lenient policy).
    Length {
        /// Length given.
        found: usize,
    },
    /// The recovery byte `v` is `found`: not 27 or 28 (nor 0 or 1 under the lenient policy).
    V {
        /// The `v` byte given.
        found: u8,
    },
    /// `s > n/2`, which the strict policy (and USDC's `ECRecover`) rejects.
    HighS,
    /// `r` or `s` is zero or not below `n`, or no public key recovers from it.
    Invalid,
}

impl core::fmt::Display for SignatureError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Length { found } => write!(f, "signature has {found} bytes, expected 65"),
            Self::V { found } => write!(f, "signature recovery byte v = {found} is not accepted"),
            Self::HighS => f.write_str("signature s value is greater than n/2"),
            Self::Invalid => f.write_str("signature r or s is out of range or recovers no key"),
        }
    }
}

impl core::error::Error for SignatureError {}

impl ErrorCode for SignatureError {
    fn code(&self) -> &'static str {
        match self {
            Self::Length { .. } => "signature_length",
            Self::V { .. } => "signature_v",
            Self::HighS => "signature_high_s",
            Self::Invalid => "signature_invalid",
        }
    }
}

/// A parsed, normalized ECDSA signature with its recovery parity.
///
/// Invariants: `0 < r < n`, `0 < s ≤ n/2`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct RecoverableSignature {
    r: [u8; 32],
    s: [u8; 32],
    y_parity: bool,
}

impl RecoverableSignature {
    /// Parses `r ‖ s ‖ v` (65 bytes) or, under [`SignaturePolicy::Lenient`], ERC-2098 `r ‖ vs`
    /// (64 bytes), checking length, then `v`, then high `s`, then the range of `r` and `s`.
    ///
    /// Under the strict policy any `s > n/2` is [`SignatureError::HighS`] (even `s ≥ n`, which
    /// the contract rejects with the same "invalid signature 's' value"); under the lenient
    /// policy `n/2 < s < n` is normalized and `s ≥ n` is [`SignatureError::Invalid`].
    pub fn parse(bytes: &[u8], policy: SignaturePolicy) -> Result<Self, SignatureError> {
        let lenient = policy == SignaturePolicy::Lenient;
        let (r, s, y_parity) = match bytes {
            [rs @ .., v] if rs.len() == 64 => {
                let y_parity = match (*v, lenient) {
                    (27, _) | (0, true) => false,
                    (28, _) | (1, true) => true,
                    (found, _) => return Err(SignatureError::V { found }),
                };
                let (r, s) = split_words(rs);
                (r, s, y_parity)
            }
            _ if lenient && bytes.len() == 64 => {
                let (r, mut vs) = split_words(bytes);
                let y_parity = vs[0] & 0x80 != 0;
                vs[0] &= 0x7f;
                (r, vs, y_parity)
            }
            _ => return Err(SignatureError::Length { found: bytes.len() }),
        };
        let (s, y_parity) = if s > SECP256K1_HALF_N {
            if !lenient {
                return Err(SignatureError::HighS);
            }
            let n_minus_s = U256::from_be_bytes(SECP256K1_N)
                .checked_sub(U256::from_be_bytes(s))
                .ok_or(SignatureError::Invalid)?;
            (n_minus_s.to_be_bytes(), !y_parity)
        } else {
            (s, y_parity)
        };
        if !is_scalar_in_range(&r) || !is_scalar_in_range(&s) {
            return Err(SignatureError::Invalid);
        }
        Ok(Self { r, s, y_parity })
    }

    /// `r`, big-endian.
    pub fn r(&self) -> &[u8; 32] {
        &self.r
    }

    /// `s`, big-endian; always `≤ n/2`.
    pub fn s(&self) -> &[u8; 32] {
        &self.s
    }

    /// `true` when the `R` point has an odd y coordinate (`v = 28`).
    pub fn y_parity(&self) -> bool {
        self.y_parity
    }

    /// The EVM `v` byte: 27 or 28.
    pub fn v(&self) -> u8 {
        27 + u8::from(self.y_parity)
    }

    /// The canonical 65-byte `r ‖ s ‖ v` form (`v` = 27/28, low `s`) that USDC accepts.
    pub fn to_bytes(&self) -> [u8; 65] {
        let mut out = [0u8; 65];
        let v = [self.v()];
        for (o, b) in out.iter_mut().zip(self.r.iter().chain(&self.s).chain(&v)) {
            *o = *b;
        }
        out
    }

    /// The 64-byte ERC-2098 compact form `r ‖ vs`, `vs = (yParity << 255) | s`.
    pub fn to_compact(&self) -> [u8; 64] {
        let mut vs = self.s;
        vs[0] |= u8::from(self.y_parity) << 7;
        let mut out = [0u8; 64];
        for (o, b) in out.iter_mut().zip(self.r.iter().chain(&vs)) {
            *o = *b;
        }
        out
    }

    /// Recovers the signer's address from a 32-byte digest (what `ecrecover` does).
    pub fn recover(&self, digest: &[u8; 32]) -> Result<Address, SignatureError> {
        let signature =
            Signature::from_scalars(self.r, self.s).map_err(|_| SignatureError::Invalid)?;
        let recovery_id = RecoveryId::new(self.y_parity, false);
        let key = VerifyingKey::recover_from_prehash(digest, &signature, recovery_id)
            .map_err(|_| SignatureError::Invalid)?;
        Ok(Address::from_verifying_key(&key))
    }

    /// Builds a signature from k256's output (already low-s).
    pub(crate) fn from_k256(signature: &Signature, recovery_id: RecoveryId) -> Self {
        let (r, s) = signature.split_bytes();
        Self {
            r: r.into(),
            s: s.into(),
            y_parity: recovery_id.is_y_odd(),
        }
    }
}

/// Parses `signature` under `policy` and recovers the signer of `digest`.
///
/// Equivalent to [`RecoverableSignature::parse`] followed by [`RecoverableSignature::recover`].
pub fn recover_address(
    digest: &[u8; 32],
    signature: &[u8],
    policy: SignaturePolicy,
) -> Result<Address, SignatureError> {
    RecoverableSignature::parse(signature, policy)?.recover(digest)
}

/// Splits 64 bytes into two 32-byte words.
fn split_words(bytes: &[u8]) -> ([u8; 32], [u8; 32]) {
    let mut r = [0u8; 32];
    let mut s = [0u8; 32];
    if let Some((a, b)) = bytes.split_at_checked(32)
        && let (Ok(a), Ok(b)) = (<[u8; 32]>::try_from(a), <[u8; 32]>::try_from(b))
    {
        r = a;
        s = b;
    }
    (r, s)
}

/// `0 < x < n`. Big-endian byte arrays compare numerically.
fn is_scalar_in_range(x: &[u8; 32]) -> bool {
    *x != [0; 32] && *x < SECP256K1_N
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::hex::decode_array;

    /// The x402 spec's EIP-3009 example.
    const DIGEST: &[u8] = b"f256992871671abcb27ff92885a7afa46218724e5fc0bac35d050115aa1d22e6";
    const SIGNATURE: &[u8] = b"2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c";
    const PAYER: &[u8] = b"0x857b06519e91e3a54538791bdbb0e22373e36b66";

    fn digest() -> [u8; 32] {
        decode_array(DIGEST).unwrap()
    }

    fn published() -> [u8; 65] {
        decode_array(SIGNATURE).unwrap()
    }

    fn payer() -> Address {
        Address::parse(PAYER).unwrap()
    }

    /// The high-s twin: s' = n − s and v flipped, which recovers the same key.
    fn high_s_twin() -> [u8; 65] {
        let sig = published();
        let s = U256::from_be_bytes(sig[32..64].try_into().unwrap());
        let twin_s = U256::from_be_bytes(SECP256K1_N).checked_sub(s).unwrap();
        let mut twin = sig;
        twin[32..64].copy_from_slice(&twin_s.to_be_bytes());
        twin[64] = if sig[64] == 27 { 28 } else { 27 };
        twin
    }

    #[test]
    fn strict_recovers_the_published_payer() {
        let sig = RecoverableSignature::parse(&published(), SignaturePolicy::Strict).unwrap();
        assert!(sig.y_parity());
        assert_eq!(sig.v(), 28);
        assert_eq!(sig.to_bytes(), published());
        assert_eq!(sig.recover(&digest()), Ok(payer()));
        assert_eq!(
            recover_address(&digest(), &published(), SignaturePolicy::default()),
            Ok(payer())
        );
    }

    #[test]
    fn strict_rejects_wrong_lengths() {
        let sig = published();
        for bytes in [&sig[..64], &[&sig[..], &[0u8]].concat()[..], &[], &sig[..1]] {
            let e = RecoverableSignature::parse(bytes, SignaturePolicy::Strict).unwrap_err();
            assert_eq!(e, SignatureError::Length { found: bytes.len() });
            assert_eq!(e.code(), "signature_length");
        }
    }

    #[test]
    fn strict_rejects_v_other_than_27_or_28() {
        for v in [0u8, 1, 29, 2, 255] {
            let mut sig = published();
            sig[64] = v;
            let e = RecoverableSignature::parse(&sig, SignaturePolicy::Strict).unwrap_err();
            assert_eq!(e, SignatureError::V { found: v });
            assert_eq!(e.code(), "signature_v");
        }
    }

    #[test]
    fn strict_rejects_high_s() {
        let e = RecoverableSignature::parse(&high_s_twin(), SignaturePolicy::Strict).unwrap_err();
        assert_eq!(e, SignatureError::HighS);
        assert_eq!(e.code(), "signature_high_s");
    }

    #[test]
    fn v_is_checked_before_high_s() {
        let mut twin = high_s_twin();
        twin[64] = 0;
        assert_eq!(
            RecoverableSignature::parse(&twin, SignaturePolicy::Strict),
            Err(SignatureError::V { found: 0 })
        );
    }

    #[test]
    fn lenient_accepts_v_0_and_1() {
        let mut sig = published();
        sig[64] = 1;
        assert_eq!(
            recover_address(&digest(), &sig, SignaturePolicy::Lenient),
            Ok(payer())
        );
        sig[64] = 0;
        let wrong_parity = recover_address(&digest(), &sig, SignaturePolicy::Lenient);
        assert_ne!(wrong_parity, Ok(payer()));
        sig[64] = 29;
        assert_eq!(
            recover_address(&digest(), &sig, SignaturePolicy::Lenient),
            Err(SignatureError::V { found: 29 })
        );
    }

    #[test]
    fn lenient_normalizes_the_high_s_twin() {
        let sig = RecoverableSignature::parse(&high_s_twin(), SignaturePolicy::Lenient).unwrap();
        assert_eq!(sig.to_bytes(), published());
        assert_eq!(sig.recover(&digest()), Ok(payer()));
    }

    #[test]
    fn lenient_accepts_erc2098_compact() {
        // ERC-2098: vs = (yParity << 255) | s; the published signature has yParity 1 (v = 28).
        let sig = published();
        let mut compact = [0u8; 64];
        compact.copy_from_slice(&sig[..64]);
        compact[32] |= 0x80;
        assert_eq!(
            recover_address(&digest(), &compact, SignaturePolicy::Lenient),
            Ok(payer())
        );
        let parsed = RecoverableSignature::parse(&compact, SignaturePolicy::Lenient).unwrap();
        assert_eq!(parsed.to_compact(), compact);
        assert_eq!(parsed.to_bytes(), sig);
        assert_eq!(
            RecoverableSignature::parse(&compact, SignaturePolicy::Strict),
            Err(SignatureError::Length { found: 64 })
        );
        assert_eq!(
            RecoverableSignature::parse(&[0u8; 63], SignaturePolicy::Lenient),
            Err(SignatureError::Length { found: 63 })
        );
    }

    #[test]
    fn zero_or_out_of_range_scalars_are_invalid() {
        let sig = published();
        let mut zero_r = sig;
        zero_r[..32].fill(0);
        let mut zero_s = sig;
        zero_s[32..64].fill(0);
        let mut r_is_n = sig;
        r_is_n[..32].copy_from_slice(&SECP256K1_N);
        let mut r_max = sig;
        r_max[..32].fill(0xff);
        for (bytes, policy) in [
            (zero_r, SignaturePolicy::Strict),
            (zero_s, SignaturePolicy::Strict),
            (r_is_n, SignaturePolicy::Strict),
            (r_max, SignaturePolicy::Strict),
            (zero_r, SignaturePolicy::Lenient),
            (zero_s, SignaturePolicy::Lenient),
            (r_is_n, SignaturePolicy::Lenient),
        ] {
            let e = recover_address(&digest(), &bytes, policy).unwrap_err();
            assert_eq!(e, SignatureError::Invalid);
            assert_eq!(e.code(), "signature_invalid");
        }
    }

    #[test]
    fn s_at_or_above_n_is_high_s_when_strict_and_invalid_when_lenient() {
        let mut s_is_n = published();
        s_is_n[32..64].copy_from_slice(&SECP256K1_N);
        assert_eq!(
            RecoverableSignature::parse(&s_is_n, SignaturePolicy::Strict),
            Err(SignatureError::HighS)
        );
        assert_eq!(
            RecoverableSignature::parse(&s_is_n, SignaturePolicy::Lenient),
            Err(SignatureError::Invalid)
        );
    }

    #[test]
    fn r_that_is_not_an_x_coordinate_recovers_nothing() {
        // x = 5 is not the x coordinate of a secp256k1 point (5³ + 7 = 132 is a non-residue
        // mod p), so no key recovers.
        let mut sig = published();
        sig[..32].fill(0);
        sig[31] = 5;
        assert_eq!(
            recover_address(&digest(), &sig, SignaturePolicy::Strict),
            Err(SignatureError::Invalid)
        );
    }
}
