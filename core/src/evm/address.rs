//! EVM addresses: 20 bytes, written `0x` + 40 hex digits, with the EIP-55 mixed-case checksum.
//!
//! x402 compares addresses case-insensitively (x402 spec §7), so [`Address::parse`] accepts any
//! case and does not enforce the checksum; [`Address::parse_checksummed`] does. Output is EIP-55
//! checksummed, as the reference client's `getAddress` produces it (§5.3).
//!
//! ```
//! use pay402::evm::Address;
//! let payer = Address::parse(b"0x857b06519e91e3a54538791bdbb0e22373e36b66")?;
//! let mut buf = [0u8; 42];
//! assert_eq!(payer.to_checksum(&mut buf), "0x857b06519E91e3A54538791bDbb0E22373e36b66");
//! # Ok::<(), pay402::evm::AddressError>(())
//! ```

use k256::ecdsa::VerifyingKey;

use super::keccak::keccak256;
use crate::error::{BufferTooSmall, ErrorCode};
use crate::hex::{self, HexError};
use crate::writer::Writer;

/// A 20-byte EVM account or contract address.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Address(pub [u8; 20]);

/// Why a string is not an EVM address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AddressError {
    /// The input does not start with `0x`.
    MissingPrefix,
    /// The input does not have exactly 40 hex digits after `0x`.
    WrongLength,
    /// The byte at `index` (counted in the whole input, `0x` included) is not a hex digit.
    InvalidCharacter {
        /// Position of the offending byte.
        index: usize,
    },
    /// The input mixes upper and lower case but is not the EIP-55 checksum of the address.
    BadChecksum,
}

impl core::fmt::Display for AddressError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::MissingPrefix => f.write_str("address does not start with \"0x\""),
            Self::WrongLength => f.write_str("address does not have 40 hex digits after \"0x\""),
            Self::InvalidCharacter { index } => {
                write!(f, "invalid hex character in address at index {index}")
            }
            Self::BadChecksum => f.write_str("address has a wrong EIP-55 checksum"),
        }
    }
}

impl core::error::Error for AddressError {}

impl ErrorCode for AddressError {
    fn code(&self) -> &'static str {
        match self {
            Self::MissingPrefix => "address_missing_prefix",
            Self::WrongLength => "address_wrong_length",
            Self::InvalidCharacter { .. } => "address_invalid_character",
            Self::BadChecksum => "address_bad_checksum",
        }
    }
}

impl Address {
    /// The zero address `0x000…000`.
    pub const ZERO: Self = Self([0; 20]);

    /// Parses `0x` + 40 hex digits in any case; the EIP-55 checksum is **not** checked.
    pub fn parse(s: &[u8]) -> Result<Self, AddressError> {
        let digits = hex::strip_0x(s).map_err(|_| AddressError::MissingPrefix)?;
        match hex::decode_array::<20>(digits) {
            Ok(bytes) => Ok(Self(bytes)),
            Err(HexError::InvalidCharacter { index }) => Err(AddressError::InvalidCharacter {
                index: index.saturating_add(2),
            }),
            Err(_) => Err(AddressError::WrongLength),
        }
    }

    /// Parses like [`Address::parse`] and, when the digits mix upper and lower case, requires
    /// them to be the EIP-55 checksum. All-lowercase and all-uppercase input carry no checksum
    /// and are accepted, as EIP-55 specifies.
    ///
    /// ```
    /// use pay402::evm::{Address, AddressError};
    /// assert!(Address::parse_checksummed(b"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed").is_ok());
    /// assert_eq!(
    ///     Address::parse_checksummed(b"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"),
    ///     Err(AddressError::BadChecksum)
    /// );
    /// ```
    pub fn parse_checksummed(s: &[u8]) -> Result<Self, AddressError> {
        let address = Self::parse(s)?;
        let has_upper = s.iter().skip(2).any(u8::is_ascii_uppercase);
        let has_lower = s.iter().skip(2).any(u8::is_ascii_lowercase);
        if has_upper && has_lower {
            let mut buf = [0u8; 42];
            if address.to_checksum(&mut buf).as_bytes() != s {
                return Err(AddressError::BadChecksum);
            }
        }
        Ok(address)
    }

    /// The address of a secp256k1 public key: the last 20 bytes of the Keccak-256 of the
    /// uncompressed point without its `0x04` tag (Ethereum Yellow Paper, appendix F).
    pub fn from_verifying_key(key: &VerifyingKey) -> Self {
        let point = key.to_sec1_point(false);
        let xy = point.as_bytes().get(1..).unwrap_or_default();
        let hash = keccak256(xy);
        let mut out = [0u8; 20];
        if let Some((_, tail)) = hash.split_at_checked(12) {
            out.copy_from_slice(tail);
        }
        Self(out)
    }

    /// The ABI encoding of the address: 12 zero bytes, then the 20 address bytes (EIP-712
    /// `address` member, x402 spec §5.2 `pad32`).
    pub fn to_word(&self) -> [u8; 32] {
        let mut word = [0u8; 32];
        if let Some((_, tail)) = word.split_at_mut_checked(12) {
            tail.copy_from_slice(&self.0);
        }
        word
    }

    /// Renders the EIP-55 checksummed form (`0x` + 40 mixed-case digits) into `buf`.
    pub fn to_checksum<'b>(&self, buf: &'b mut [u8; 42]) -> &'b str {
        if let Some((prefix, digits)) = buf.split_at_mut_checked(2) {
            prefix.copy_from_slice(b"0x");
            // The 40 lowercase digits fit `digits` exactly, so this cannot fail.
            let _ = hex::encode_lower_into(&self.0, digits);
            let hash = keccak256(digits);
            // Digit i is uppercased when nibble i of the hash is 8 or more (EIP-55).
            for (i, digit) in digits.iter_mut().enumerate() {
                let byte = hash.get(i / 2).copied().unwrap_or(0);
                let nibble = if i % 2 == 0 { byte >> 4 } else { byte & 0x0f };
                if nibble >= 8 {
                    digit.make_ascii_uppercase();
                }
            }
        }
        core::str::from_utf8(buf).unwrap_or_default()
    }

    /// Writes the EIP-55 checksummed form; all 42 bytes or nothing.
    pub fn write_checksummed(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        let mut buf = [0u8; 42];
        w.push_str(self.to_checksum(&mut buf))
    }

    /// Writes `0x` + 40 lowercase digits; all 42 bytes or nothing.
    pub fn write_lower(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        hex::write_0x_lower(w, &self.0)
    }
}

impl core::fmt::Display for Address {
    /// EIP-55 checksummed.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut buf = [0u8; 42];
        f.write_str(self.to_checksum(&mut buf))
    }
}

impl From<[u8; 20]> for Address {
    fn from(bytes: [u8; 20]) -> Self {
        Self(bytes)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The test vectors of EIP-55 itself.
    const EIP55_VECTORS: [&str; 4] = [
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ];

    #[test]
    fn checksums_the_eip55_vectors() {
        for expected in EIP55_VECTORS {
            let mut lower = [0u8; 42];
            lower.copy_from_slice(expected.as_bytes());
            lower.make_ascii_lowercase();
            let address = Address::parse(&lower).unwrap();
            let mut buf = [0u8; 42];
            assert_eq!(address.to_checksum(&mut buf), expected);
            assert_eq!(Address::parse_checksummed(expected.as_bytes()), Ok(address));
        }
    }

    #[test]
    fn display_and_writers_render_checksummed_and_lowercase() {
        use core::fmt::Write as _;
        let a = Address::parse(EIP55_VECTORS[0].as_bytes()).unwrap();
        let mut buf = [0u8; 128];
        let mut w = Writer::new(&mut buf);
        write!(w, "{a}").unwrap();
        a.write_checksummed(&mut w).unwrap();
        a.write_lower(&mut w).unwrap();
        let expected = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\
                        0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\
                        0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed";
        assert_eq!(w.written(), expected.as_bytes());
        assert_eq!(
            a.write_lower(&mut Writer::new(&mut [0u8; 41])),
            Err(BufferTooSmall)
        );
    }

    #[test]
    fn parse_ignores_case_and_checksum() {
        let wrong = b"0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAEd";
        assert!(Address::parse(wrong).is_ok());
        let e = Address::parse_checksummed(wrong).unwrap_err();
        assert_eq!(e, AddressError::BadChecksum);
        assert_eq!(e.code(), "address_bad_checksum");
    }

    #[test]
    fn parse_checksummed_accepts_single_case_input() {
        assert!(Address::parse_checksummed(b"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed").is_ok());
        assert!(Address::parse_checksummed(b"0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED").is_ok());
    }

    #[test]
    fn rejects_malformed_addresses_with_codes() {
        let cases: [(&[u8], AddressError, &str); 6] = [
            (
                b"5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
                AddressError::MissingPrefix,
                "address_missing_prefix",
            ),
            (
                b"0X5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
                AddressError::MissingPrefix,
                "address_missing_prefix",
            ),
            (
                b"0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea",
                AddressError::WrongLength,
                "address_wrong_length",
            ),
            (
                b"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed00",
                AddressError::WrongLength,
                "address_wrong_length",
            ),
            (b"0x", AddressError::WrongLength, "address_wrong_length"),
            (
                b"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg",
                AddressError::InvalidCharacter { index: 41 },
                "address_invalid_character",
            ),
        ];
        for (input, error, code) in cases {
            let e = Address::parse(input).unwrap_err();
            assert_eq!(e, error);
            assert_eq!(e.code(), code);
        }
    }

    #[test]
    fn pads_to_an_abi_word() {
        let a = Address([0xab; 20]);
        let w = a.to_word();
        assert_eq!(w[..12], [0; 12]);
        assert_eq!(w[12..], [0xab; 20]);
    }
}
