//! Conversions between the foreign types and the core's: bytes of a fixed length, EVM
//! and Solana addresses (text), U256 amounts (decimal text), base64 and header buffers.
//!
//! Amounts cross the boundary as decimal strings because neither Kotlin nor Swift has a native
//! unsigned 256-bit integer (`java.math.BigInteger(s)` / `BigUInt(s)` read them losslessly);
//! leading zeros are rejected as the core's wire decoding does.

use crate::Pay402Error;
use pay402::U256;
use pay402::evm::Address;
use pay402::svm::Pubkey;
use pay402::u256::LeadingZeros;

/// Exactly `N` bytes, or an `invalid_argument` naming `name`.
pub(crate) fn array<const N: usize>(bytes: &[u8], name: &str) -> Result<[u8; N], Pay402Error> {
    bytes.try_into().map_err(|_| {
        Pay402Error::argument(format!("{name}: expected {N} bytes, got {}", bytes.len()))
    })
}

/// An EVM address in any case (`0x` + 40 hex digits).
pub(crate) fn address(text: &str, name: &str) -> Result<Address, Pay402Error> {
    Address::parse(text.as_bytes()).map_err(|e| Pay402Error::argument_from(name, &e))
}

/// A Solana address (base58 of 32 bytes).
pub(crate) fn pubkey(text: &str, name: &str) -> Result<Pubkey, Pay402Error> {
    Pubkey::parse(text.as_bytes()).map_err(|e| Pay402Error::argument_from(name, &e))
}

/// A decimal U256 without leading zeros.
pub(crate) fn u256(text: &str, name: &str) -> Result<U256, Pay402Error> {
    U256::parse_decimal(text.as_bytes(), LeadingZeros::Reject)
        .map_err(|e| Pay402Error::argument_from(name, &e))
}

/// Standard base64 with padding.
pub(crate) fn std_base64(bytes: &[u8]) -> String {
    let mut out = vec![0u8; pay402::base64::encoded_len(bytes.len()).unwrap_or(0)];
    pay402::base64::encode_into(bytes, &mut out)
        .map(str::to_owned)
        .unwrap_or_default()
}

/// Text the core wrote into a buffer (always ASCII/UTF-8 JSON or header text).
pub(crate) fn utf8(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
