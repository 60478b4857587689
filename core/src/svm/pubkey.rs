//! Solana addresses: 32 bytes, written in base58 (Bitcoin alphabet).

use crate::error::{BufferTooSmall, ErrorCode};
use crate::writer::Writer;
use core::fmt;

/// Longest base58 text of a 32-byte address.
pub const BASE58_MAX_LEN: usize = 44;

/// A Solana address (public key or program-derived address).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pubkey(pub [u8; 32]);

/// Why a text is not a Solana address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PubkeyError {
    /// A character outside the base58 alphabet (`pubkey_invalid_character`).
    InvalidCharacter {
        /// Byte offset of the character.
        index: usize,
    },
    /// The text does not decode to exactly 32 bytes (`pubkey_length`).
    Length,
}

impl Pubkey {
    /// Parses base58 text that decodes to exactly 32 bytes (as `@solana/kit`'s `address()` does).
    ///
    /// ```
    /// use pay402::svm::Pubkey;
    /// let token = Pubkey::parse(b"TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")?;
    /// assert_eq!(token.0[0], 0x06);
    /// assert_eq!(Pubkey::parse(b"11111111111111111111111111111111")?, Pubkey([0; 32]));
    /// assert!(Pubkey::parse(b"0OIl").is_err());
    /// # Ok::<(), pay402::svm::PubkeyError>(())
    /// ```
    pub fn parse(text: &[u8]) -> Result<Self, PubkeyError> {
        if text.len() > BASE58_MAX_LEN {
            return Err(PubkeyError::Length);
        }
        let mut out = [0u8; 32];
        match bs58::decode(text).onto(&mut out[..]) {
            Ok(32) => Ok(Self(out)),
            Err(bs58::decode::Error::InvalidCharacter { index, .. }) => {
                Err(PubkeyError::InvalidCharacter { index })
            }
            Ok(_) | Err(_) => Err(PubkeyError::Length),
        }
    }

    /// The base58 text, written into `buf` ([`BASE58_MAX_LEN`] bytes are always enough).
    ///
    /// ```
    /// use pay402::svm::Pubkey;
    /// let mut buf = [0u8; 44];
    /// assert_eq!(Pubkey([0; 32]).to_base58(&mut buf), "11111111111111111111111111111111");
    /// ```
    pub fn to_base58<'b>(&self, buf: &'b mut [u8; BASE58_MAX_LEN]) -> &'b str {
        let len = bs58::encode(self.0).onto(&mut buf[..]).unwrap_or(0);
        buf.get(..len)
            .and_then(|b| core::str::from_utf8(b).ok())
            .unwrap_or_default()
    }

    /// Appends the base58 text to `w`.
    pub fn write_base58(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        let mut buf = [0u8; BASE58_MAX_LEN];
        w.push_str(self.to_base58(&mut buf))
    }

    /// Decodes base58 text at compile time, for program-id constants; invalid text (a wrong
    /// character, a value beyond 32 bytes) gives the all-zero key, so every constant built with
    /// it is checked against its text by a unit test.
    #[allow(
        clippy::indexing_slicing,
        clippy::cast_possible_truncation,
        reason = "const fn for compile-time constants: every index is bounded by its loop condition, digit < 58 and carry & 0xff fit"
    )]
    pub const fn from_base58_const(text: &str) -> Self {
        const ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
        let bytes = text.as_bytes();
        let mut out = [0u8; 32];
        let mut i = 0;
        while i < bytes.len() {
            let mut digit = 0;
            while digit < 58 && ALPHABET[digit] != bytes[i] {
                digit += 1;
            }
            if digit == 58 {
                return Self([0; 32]);
            }
            let mut carry = digit as u32;
            let mut j = 32;
            while j > 0 {
                j -= 1;
                carry += (out[j] as u32) * 58;
                out[j] = (carry & 0xff) as u8;
                carry >>= 8;
            }
            if carry != 0 {
                return Self([0; 32]);
            }
            i += 1;
        }
        Self(out)
    }

    /// The 32 bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for Pubkey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; BASE58_MAX_LEN];
        f.write_str(self.to_base58(&mut buf))
    }
}

impl fmt::Debug for Pubkey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pubkey({self})")
    }
}

impl ErrorCode for PubkeyError {
    fn code(&self) -> &'static str {
        match self {
            Self::InvalidCharacter { .. } => "pubkey_invalid_character",
            Self::Length => "pubkey_length",
        }
    }
}

impl fmt::Display for PubkeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidCharacter { index } => {
                write!(f, "not a base58 character at byte {index}")
            }
            Self::Length => f.write_str("base58 text does not decode to 32 bytes"),
        }
    }
}

impl core::error::Error for PubkeyError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_program_ids_of_the_spec() {
        for id in [
            "ComputeBudget111111111111111111111111111111",
            "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
            "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb",
            "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL",
            "MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr",
            "L2TExMFKdjpN9kozasaurPirfHy9P8sbXoAN1qA3S95",
            "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
        ] {
            let key = Pubkey::parse(id.as_bytes()).unwrap();
            let mut buf = [0u8; BASE58_MAX_LEN];
            assert_eq!(key.to_base58(&mut buf), id);
        }
    }

    #[test]
    fn rejects_wrong_lengths_and_characters() {
        assert_eq!(Pubkey::parse(b""), Err(PubkeyError::Length));
        assert_eq!(Pubkey::parse(b"1111"), Err(PubkeyError::Length));
        assert_eq!(
            Pubkey::parse(b"TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DAA"),
            Err(PubkeyError::Length)
        );
        assert_eq!(
            Pubkey::parse(b"Tokenkeg0feZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"),
            Err(PubkeyError::InvalidCharacter { index: 8 })
        );
    }
}
