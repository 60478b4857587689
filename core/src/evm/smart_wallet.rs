//! Smart-wallet signatures: the ERC-6492 wrapper of a not-yet-deployed wallet
//! (<https://eips.ethereum.org/EIPS/eip-6492>) and the EIP-1271 `isValidSignature` call
//! (<https://eips.ethereum.org/EIPS/eip-1271>). Both are pure byte work; whether the payer has
//! code, and what its `isValidSignature` answers, needs the chain and is the host's
//! (`pay402::x402::smart_wallet` routes an x402 payment's signature and asks for both).
//!
//! An ERC-6492 signature is `abi.encode(address factory, bytes factoryCalldata, bytes
//! innerSignature) ‖ 0x6492…6492` (32 bytes of magic). The x402 reference facilitator strips it
//! (viem `parseErc6492Signature`) before it settles
//! (<https://github.com/coinbase/x402/blob/main/typescript/packages/mechanisms/evm/src/exact/facilitator/eip3009-utils.ts>).
//!
//! ```
//! use pay402::evm::{unwrap_erc6492, Address};
//!
//! // factory 0x1111…, calldata 0xdeadbeef, a 65-byte inner signature, then the magic.
//! let mut wrapped = [0u8; 0x140];
//! wrapped[12..32].copy_from_slice(&[0x11; 20]);
//! wrapped[63] = 0x60; // offset of factoryCalldata
//! wrapped[95] = 0xa0; // offset of innerSignature
//! wrapped[127] = 4;
//! wrapped[128..132].copy_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
//! wrapped[191] = 65;
//! wrapped[192..257].copy_from_slice(&[0x77; 65]);
//! for pair in wrapped[0x120..].chunks_mut(2) {
//!     pair.copy_from_slice(&[0x64, 0x92]);
//! }
//! let parsed = unwrap_erc6492(&wrapped)?.ok_or("not wrapped")?;
//! assert_eq!(parsed.factory, Address([0x11; 20]));
//! assert_eq!(parsed.factory_calldata, &[0xde, 0xad, 0xbe, 0xef]);
//! assert_eq!(parsed.signature, &[0x77; 65][..]);
//! assert!(unwrap_erc6492(&[0x77; 65])?.is_none());
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use super::abi;
use super::address::Address;
use crate::error::{BufferTooSmall, ErrorCode};
use crate::writer::Writer;

/// The 32-byte suffix that marks an ERC-6492 signature.
pub const ERC6492_MAGIC_SUFFIX: [u8; 32] = [
    0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92,
    0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92,
];

/// `bytes4(keccak256("isValidSignature(bytes32,bytes)"))`: the EIP-1271 selector and the value
/// a wallet returns when the signature is valid.
pub const EIP1271_MAGIC_VALUE: [u8; 4] = [0x16, 0x26, 0xba, 0x7e];

/// A decoded ERC-6492 wrapper, borrowed from the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Erc6492Signature<'a> {
    /// The factory that deploys the wallet.
    pub factory: Address,
    /// The call to the factory that deploys it.
    pub factory_calldata: &'a [u8],
    /// The signature the deployed wallet's `isValidSignature` checks.
    pub signature: &'a [u8],
}

impl Erc6492Signature<'_> {
    /// `false` for factory `0x0…0`, which viem and the x402 reference read as "no deployment
    /// information" (the wallet is taken as deployed).
    pub fn has_deployment_info(&self) -> bool {
        self.factory != Address::ZERO
    }
}

/// Why a signature with the ERC-6492 suffix cannot be unwrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Erc6492Error {
    /// The bytes before the magic are not `abi.encode(address, bytes, bytes)` (an offset or
    /// length out of range, or an address word with non-zero high bytes).
    Malformed,
}

impl core::fmt::Display for Erc6492Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ERC-6492 signature: the wrapper is not abi.encode(address, bytes, bytes)")
    }
}

impl core::error::Error for Erc6492Error {}

impl ErrorCode for Erc6492Error {
    fn code(&self) -> &'static str {
        "erc6492_malformed"
    }
}

/// `true` when `signature` ends with [`ERC6492_MAGIC_SUFFIX`].
///
/// ```
/// use pay402::evm::{is_erc6492, ERC6492_MAGIC_SUFFIX};
/// assert!(is_erc6492(&ERC6492_MAGIC_SUFFIX));
/// assert!(!is_erc6492(&[0x64, 0x92]));
/// ```
pub fn is_erc6492(signature: &[u8]) -> bool {
    signature.ends_with(&ERC6492_MAGIC_SUFFIX)
}

/// Decodes an ERC-6492 wrapper: `Ok(None)` when `signature` does not end with the magic (use it
/// as is), the factory, its calldata and the inner signature otherwise.
pub fn unwrap_erc6492(signature: &[u8]) -> Result<Option<Erc6492Signature<'_>>, Erc6492Error> {
    let Some(body) = signature.strip_suffix(&ERC6492_MAGIC_SUFFIX) else {
        return Ok(None);
    };
    let factory = abi::address_at(body, 0).ok_or(Erc6492Error::Malformed)?;
    let factory_calldata = abi::bytes_at(body, 0, 32).ok_or(Erc6492Error::Malformed)?;
    let inner = abi::bytes_at(body, 0, 64).ok_or(Erc6492Error::Malformed)?;
    Ok(Some(Erc6492Signature {
        factory,
        factory_calldata,
        signature: inner,
    }))
}

/// The signature to give a token or Permit2: the inner signature of an ERC-6492 wrapper, else
/// `signature` itself.
///
/// ```
/// use pay402::evm::strip_erc6492;
/// let eoa = [0x1b; 65];
/// assert_eq!(strip_erc6492(&eoa)?, &eoa[..]);
/// # Ok::<(), pay402::evm::Erc6492Error>(())
/// ```
pub fn strip_erc6492(signature: &[u8]) -> Result<&[u8], Erc6492Error> {
    Ok(unwrap_erc6492(signature)?.map_or(signature, |wrapped| wrapped.signature))
}

/// Writes the calldata of `isValidSignature(bytes32 hash, bytes signature)`:
/// `0x1626ba7e ‖ hash ‖ 0x40 ‖ len ‖ signature ‖ padding`.
///
/// ```
/// use pay402::evm::is_valid_signature_calldata;
/// use pay402::writer::write_all;
/// let mut buf = [0u8; 196];
/// let n = write_all(&mut buf, |w| is_valid_signature_calldata(&[0xab; 32], &[0x01; 65], w))?;
/// assert_eq!(n, 4 + 32 + 32 + 32 + 96);
/// assert_eq!(&buf[..4], &[0x16, 0x26, 0xba, 0x7e]);
/// assert_eq!(buf[4 + 63], 0x40);
/// # Ok::<(), pay402::BufferTooSmall>(())
/// ```
pub fn is_valid_signature_calldata(
    hash: &[u8; 32],
    signature: &[u8],
    w: &mut Writer<'_>,
) -> Result<(), BufferTooSmall> {
    w.push(&EIP1271_MAGIC_VALUE)?;
    abi::write_word(w, hash)?;
    abi::write_usize(w, 64)?;
    abi::write_bytes_tail(w, signature)
}

/// Whether the return data of a successful `isValidSignature` call means "valid": one ABI word,
/// `0x1626ba7e` followed by 28 zero bytes, as Solidity decodes a `bytes4` return
/// (`SignatureChecker` of <https://github.com/OpenZeppelin/openzeppelin-contracts>, Permit2's
/// `SignatureVerification`). Anything else, including a short or empty return, is "not valid".
///
/// ```
/// use pay402::evm::is_valid_signature_result;
/// let mut word = [0u8; 32];
/// word[..4].copy_from_slice(&[0x16, 0x26, 0xba, 0x7e]);
/// assert!(is_valid_signature_result(&word));
/// assert!(!is_valid_signature_result(&word[..4]));
/// assert!(!is_valid_signature_result(&[0u8; 32]));
/// ```
pub fn is_valid_signature_result(returned: &[u8]) -> bool {
    let Some(word) = abi::word_at(returned, 0) else {
        return false;
    };
    let (selector, rest) = word.split_at(4);
    selector == EIP1271_MAGIC_VALUE && rest.iter().all(|b| *b == 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evm::keccak256;
    use crate::hex;

    #[test]
    fn magic_value_is_the_selector() {
        assert_eq!(
            keccak256(b"isValidSignature(bytes32,bytes)")[..4],
            EIP1271_MAGIC_VALUE
        );
    }

    #[test]
    fn malformed_wrappers_are_refused() {
        // Only the magic: no room for the three head words.
        assert_eq!(
            unwrap_erc6492(&ERC6492_MAGIC_SUFFIX),
            Err(Erc6492Error::Malformed)
        );
        // A dirty address word.
        let mut body = [0u8; 0xc0 + 32];
        body[0] = 1;
        body[63] = 0x60;
        body[95] = 0x80;
        body[0xc0..].copy_from_slice(&ERC6492_MAGIC_SUFFIX);
        assert_eq!(unwrap_erc6492(&body), Err(Erc6492Error::Malformed));
        body[0] = 0;
        assert!(unwrap_erc6492(&body).unwrap().is_some());
        // An offset past the end.
        body[95] = 0xff;
        assert_eq!(unwrap_erc6492(&body), Err(Erc6492Error::Malformed));
        assert_eq!(Erc6492Error::Malformed.code(), "erc6492_malformed");
    }

    #[test]
    fn zero_factory_has_no_deployment_info() {
        let mut body = [0u8; 0xc0 + 32];
        body[63] = 0x60;
        body[95] = 0x80;
        body[0xc0..].copy_from_slice(&ERC6492_MAGIC_SUFFIX);
        let parsed = unwrap_erc6492(&body).unwrap().unwrap();
        assert!(!parsed.has_deployment_info());
        assert_eq!(strip_erc6492(&body), Ok(&[][..]));
        let plain = hex::decode_array::<2>(b"abcd").unwrap();
        assert_eq!(strip_erc6492(&plain), Ok(&plain[..]));
    }
}
