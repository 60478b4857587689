//! The facilitator's co-signature of a client's partially signed payment transaction: the fee
//! payer (account key 0, `extra.feePayer`) signs the message bytes and the signature goes into
//! slot 0; every other signature and every message byte stay as the client sent them.
//!
//! Reference: the x402 `exact` SVM facilitator
//! (<https://github.com/coinbase/x402/blob/main/typescript/packages/mechanisms/svm/src/exact/facilitator/scheme.ts>,
//! signing through `@solana/kit`'s `partiallySignTransaction`), whose settlement id is the
//! fee payer's signature (slot 0) in base58. Run it after the offline checks of
//! `x402::scheme::exact_svm` accepted the transaction: co-signing decides nothing about the
//! payment itself.

use super::client::PayerKey;
use super::transaction::{Transaction, TransactionError};
use crate::ErrorCode;
use core::fmt;

/// Why a transaction cannot be co-signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CosignError {
    /// The wire transaction does not decode.
    Transaction(TransactionError),
    /// Account key 0 is not the fee payer's key (`invalid_exact_svm_fee_payer_mismatch`).
    FeePayerMismatch,
    /// The output buffer is shorter than the transaction.
    BufferTooSmall,
}

impl fmt::Display for CosignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Transaction(e) => write!(f, "the transaction does not decode: {e}"),
            Self::FeePayerMismatch => f.write_str("account key 0 is not the fee payer's key"),
            Self::BufferTooSmall => {
                f.write_str("the output buffer is shorter than the transaction")
            }
        }
    }
}

impl core::error::Error for CosignError {}

impl ErrorCode for CosignError {
    fn code(&self) -> &'static str {
        match self {
            Self::Transaction(_) => "invalid_exact_svm_payload_transaction",
            Self::FeePayerMismatch => "invalid_exact_svm_fee_payer_mismatch",
            Self::BufferTooSmall => "buffer_too_small",
        }
    }

    fn detail_code(&self) -> Option<&'static str> {
        match self {
            Self::Transaction(e) => Some(e.code()),
            _ => None,
        }
    }
}

/// A co-signed transaction in the caller's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cosigned<'o> {
    /// The wire transaction to send (`sendTransaction`, base64).
    pub transaction: &'o [u8],
    /// The fee payer's signature (slot 0): the transaction id, in base58 the settlement's
    /// `transaction`.
    pub signature: [u8; 64],
}

/// The longest base58 text of a 64-byte signature.
pub const SIGNATURE_BASE58_MAX_LEN: usize = 88;

impl Cosigned<'_> {
    /// The signature in base58: the transaction id (`sendTransaction`'s answer,
    /// `getSignatureStatuses`' key, the settlement's `transaction`).
    pub fn signature_base58<'b>(&self, buf: &'b mut [u8; SIGNATURE_BASE58_MAX_LEN]) -> &'b str {
        let len = bs58::encode(self.signature).onto(&mut buf[..]).unwrap_or(0);
        buf.get(..len)
            .and_then(|b| core::str::from_utf8(b).ok())
            .unwrap_or_default()
    }
}

/// Signs `wire` (a client's partially signed transaction) as its fee payer `fee_payer` and
/// writes the transaction with the signature in slot 0 into `out`. Whatever slot 0 held is
/// replaced (the client leaves it zero); nothing else changes. On error `out` is untouched.
pub fn cosign_fee_payer<'o>(
    wire: &[u8],
    fee_payer: &PayerKey,
    out: &'o mut [u8],
) -> Result<Cosigned<'o>, CosignError> {
    let transaction = Transaction::decode(wire).map_err(CosignError::Transaction)?;
    if transaction.message.fee_payer() != Some(fee_payer.pubkey()) {
        return Err(CosignError::FeePayerMismatch);
    }
    let message = transaction.message.bytes();
    // The wire is `compact-u16 count ‖ count × 64 ‖ message`: slot 0 starts after the count.
    let slot0 = wire
        .len()
        .checked_sub(message.len())
        .and_then(|m| m.checked_sub(transaction.signature_count().checked_mul(64)?))
        .ok_or(CosignError::Transaction(TransactionError::InvalidHeader))?;
    let signature = fee_payer.sign(message);
    let out = out
        .get_mut(..wire.len())
        .ok_or(CosignError::BufferTooSmall)?;
    out.copy_from_slice(wire);
    out.get_mut(slot0..slot0 + 64)
        .ok_or(CosignError::Transaction(TransactionError::InvalidHeader))?
        .copy_from_slice(&signature);
    Ok(Cosigned {
        transaction: out,
        signature,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::svm::pubkey::Pubkey;
    use ed25519_dalek::{Signature, VerifyingKey};

    /// A legacy transaction of two signers (fee payer, client) with the client's slot filled.
    fn two_signer_tx(
        fee_payer: &Pubkey,
        client_sig: [u8; 64],
    ) -> [u8; 1 + 128 + 3 + 1 + 96 + 32 + 1] {
        let mut tx = [0u8; 1 + 128 + 3 + 1 + 96 + 32 + 1];
        let mut at = 0;
        let mut put = |bytes: &[u8]| {
            if let Some(dst) = tx.get_mut(at..at + bytes.len()) {
                dst.copy_from_slice(bytes);
            }
            at += bytes.len();
        };
        put(&[2]);
        put(&[0; 64]);
        put(&client_sig);
        put(&[2, 0, 1]); // header: 2 signers, 0 read-only signed, 1 read-only unsigned
        put(&[3]); // 3 account keys
        put(&fee_payer.0);
        put(&[7; 32]);
        put(&[8; 32]);
        put(&[9; 32]); // recent blockhash
        put(&[0]); // no instructions
        tx
    }

    #[test]
    fn the_fee_payer_signs_the_message_into_slot_zero_and_nothing_else_changes() {
        let key = PayerKey::from_seed(&[5; 32]);
        let tx = two_signer_tx(&key.pubkey(), [0xaa; 64]);
        let mut out = [0u8; 512];
        let cosigned = cosign_fee_payer(&tx, &key, &mut out);
        let Ok(cosigned) = cosigned else {
            assert!(cosigned.is_ok(), "{cosigned:?}");
            return;
        };
        assert_eq!(cosigned.transaction.len(), tx.len());
        assert_eq!(
            cosigned.transaction.get(1..65),
            Some(&cosigned.signature[..])
        );
        assert_eq!(cosigned.transaction.get(65..), tx.get(65..));
        let decoded = Transaction::decode(cosigned.transaction);
        let message = decoded.map(|t| t.message.bytes());
        let verifying = VerifyingKey::from_bytes(&key.pubkey().0);
        assert!(
            matches!((verifying, message), (Ok(v), Ok(m)) if v.verify_strict(m, &Signature::from_bytes(&cosigned.signature)).is_ok()),
            "ed25519-dalek verifies the fee payer's signature over the message bytes"
        );
    }

    #[test]
    fn another_fee_payer_is_refused_and_the_buffer_is_untouched() {
        let key = PayerKey::from_seed(&[5; 32]);
        let tx = two_signer_tx(&Pubkey([6; 32]), [0xaa; 64]);
        let mut out = [0u8; 512];
        assert_eq!(
            cosign_fee_payer(&tx, &key, &mut out).err(),
            Some(CosignError::FeePayerMismatch)
        );
        assert!(out.iter().all(|b| *b == 0));
        let short = &mut [0u8; 10];
        let tx = two_signer_tx(&key.pubkey(), [0xaa; 64]);
        assert_eq!(
            cosign_fee_payer(&tx, &key, short).err().map(|e| e.code()),
            Some("buffer_too_small")
        );
        assert!(short.iter().all(|b| *b == 0));
        assert_eq!(
            cosign_fee_payer(tx.get(..100).unwrap_or_default(), &key, &mut out)
                .err()
                .and_then(|e| e.detail_code()),
            Some("transaction_truncated")
        );
    }
}
