//! ERC-20 `transfer(address to, uint256 amount)` calldata
//! (<https://eips.ethereum.org/EIPS/eip-20#transfer>): the selector `0xa9059cbb` (the first four
//! bytes of Keccak-256 of `transfer(address,uint256)`) and two ABI words
//! (<https://docs.soliditylang.org/en/latest/abi-spec.html#function-selector-and-argument-encoding>).
//! The settler pays an `exact` WS402 refund back with it (`pay402::x402::refund`).
//!
//! ```
//! use pay402::evm::{erc20, Address};
//! use pay402::U256;
//! let to = Address::parse(b"0x857b06519E91e3A54538791bDbb0E22373e36b66")?;
//! let mut buf = [0u8; erc20::TRANSFER_CALLDATA_LEN];
//! let data = erc20::transfer_calldata(&to, &U256::from_u64(10_000), &mut buf)?;
//! assert_eq!(&data[..4], &[0xa9, 0x05, 0x9c, 0xbb]);
//! assert_eq!(&data[16..36], &to.0);
//! assert_eq!(&data[66..68], &[0x27, 0x10]);
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use super::abi;
use super::address::Address;
use crate::error::BufferTooSmall;
use crate::u256::U256;
use crate::writer::write_all;

/// `transfer(address,uint256)`: `keccak256("transfer(address,uint256)")[..4]`.
pub const TRANSFER_SELECTOR: [u8; 4] = [0xa9, 0x05, 0x9c, 0xbb];

/// The length of `transfer` calldata: the selector and two words.
pub const TRANSFER_CALLDATA_LEN: usize = 4 + 32 + 32;

/// Writes `transfer(to, amount)` into `out` and returns the written prefix
/// ([`TRANSFER_CALLDATA_LEN`] bytes). Any amount is encoded, 0 included; deciding whether a
/// transfer is due is the caller's (a refund of 0 is no order, `pay402::x402::refund`).
pub fn transfer_calldata<'b>(
    to: &Address,
    amount: &U256,
    out: &'b mut [u8],
) -> Result<&'b [u8], BufferTooSmall> {
    let n = write_all(out, |w| {
        w.push(&TRANSFER_SELECTOR)?;
        abi::write_address(w, to)?;
        abi::write_uint(w, amount)
    })?;
    out.get(..n).ok_or(BufferTooSmall)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evm::keccak256;

    #[test]
    fn the_selector_is_the_signature_hash() {
        let hash = keccak256(b"transfer(address,uint256)");
        assert_eq!(hash.get(..4), Some(&TRANSFER_SELECTOR[..]));
    }

    #[test]
    fn a_short_buffer_writes_nothing() {
        let mut buf = [0u8; TRANSFER_CALLDATA_LEN - 1];
        let to = Address([0x11; 20]);
        assert_eq!(
            transfer_calldata(&to, &U256::from_u64(1), &mut buf),
            Err(BufferTooSmall)
        );
        assert!(buf.iter().all(|b| *b == 0));
    }

    #[test]
    fn the_maximum_amount_fills_the_word() {
        let mut buf = [0u8; TRANSFER_CALLDATA_LEN];
        let to = Address([0x22; 20]);
        let data = transfer_calldata(&to, &U256::MAX, &mut buf).unwrap_or_default();
        assert_eq!(data.len(), TRANSFER_CALLDATA_LEN);
        assert!(data.get(36..).is_some_and(|w| w.iter().all(|b| *b == 0xff)));
    }
}
