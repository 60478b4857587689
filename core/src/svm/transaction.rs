//! The Solana wire transaction, decoded as a borrowed view (x402.md §11.2):
//!
//! ```text
//! transaction = compact-u16 n ‖ n × 64-byte signature ‖ message
//! message     = [0x80 | version]? ‖ header(3) ‖ compact-u16 k ‖ k × 32-byte key
//!               ‖ recent blockhash(32) ‖ compact-u16 m ‖ m × instruction ‖ (v0) lookups
//! instruction = program-id index u8 ‖ compact-u16 a ‖ a × account index u8
//!               ‖ compact-u16 d ‖ d data bytes
//! ```
//!
//! Legacy and v0 messages decode; a v0 message with address-lookup tables is refused
//! ([`TransactionError::AddressLookupTables`]): their addresses live on chain and cannot be
//! resolved offline. The decoder applies the runtime's sanitize rules (signature count equals
//! the header's, indices in range, a program is never the fee payer, no duplicate keys, at most
//! [`MAX_TRANSACTION_LEN`] bytes) and never panics.

use super::compact_u16::{self, CompactU16Error};
use super::pubkey::Pubkey;
use crate::error::ErrorCode;
use core::fmt;

/// The largest wire transaction Solana accepts (`PACKET_DATA_SIZE`), in bytes.
pub const MAX_TRANSACTION_LEN: usize = 1232;

/// A decoded wire transaction borrowing from its bytes.
#[derive(Debug, Clone, Copy)]
pub struct Transaction<'a> {
    signatures: &'a [u8],
    /// The message: the bytes every signature signs.
    pub message: Message<'a>,
}

/// The message format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageVersion {
    /// The original format, no version prefix.
    Legacy,
    /// Version 0 (prefix `0x80`), which may carry address-lookup tables.
    V0,
}

/// The message header: how many of the account keys sign, and which are read-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageHeader {
    /// The first `num_required_signatures` keys sign; key 0 is the fee payer.
    pub num_required_signatures: u8,
    /// The last this many of the signing keys are read-only.
    pub num_readonly_signed_accounts: u8,
    /// The last this many of the other keys are read-only.
    pub num_readonly_unsigned_accounts: u8,
}

/// A decoded message borrowing from the transaction bytes.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    bytes: &'a [u8],
    /// Legacy or v0.
    pub version: MessageVersion,
    /// The header.
    pub header: MessageHeader,
    account_keys: &'a [u8],
    /// The recent blockhash the transaction is valid for (checked by the cluster).
    pub recent_blockhash: [u8; 32],
    instructions: &'a [u8],
    instruction_count: u16,
}

/// One compiled instruction: indices into the message's account keys, and data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instruction<'a> {
    /// Index of the program's key.
    pub program_id_index: u8,
    /// Indices of the accounts, in the instruction's order.
    pub accounts: &'a [u8],
    /// The instruction data.
    pub data: &'a [u8],
}

/// Why bytes are not a transaction pay402 can verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransactionError {
    /// Longer than [`MAX_TRANSACTION_LEN`] (`transaction_too_long`).
    TooLong,
    /// The bytes end inside a field (`transaction_truncated`).
    Truncated {
        /// What was being read.
        field: &'static str,
    },
    /// A compact-u16 length is malformed (`transaction_compact_u16`).
    CompactU16 {
        /// What was being read.
        field: &'static str,
        /// The problem.
        error: CompactU16Error,
    },
    /// Bytes follow the message (`transaction_trailing_bytes`).
    TrailingBytes,
    /// A versioned message with a version other than 0 (`transaction_unsupported_version`).
    UnsupportedVersion {
        /// The version number.
        version: u8,
    },
    /// A v0 message uses address-lookup tables, which cannot be resolved offline
    /// (`transaction_address_lookup_tables`).
    AddressLookupTables,
    /// The header is inconsistent with the keys or signatures, e.g. the number of signatures
    /// differs from `num_required_signatures` (`transaction_invalid_header`).
    InvalidHeader,
    /// An instruction names an account or program index outside the keys, or the fee payer as
    /// its program (`transaction_index_out_of_range`).
    IndexOutOfRange,
    /// The same key appears twice among the account keys (`transaction_duplicate_account_key`).
    DuplicateAccountKey,
}

/// A cursor over the transaction bytes.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], TransactionError> {
        if self.rest.len() < n {
            return Err(TransactionError::Truncated { field });
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn byte(&mut self, field: &'static str) -> Result<u8, TransactionError> {
        let [b] = self.take(1, field)? else {
            return Err(TransactionError::Truncated { field });
        };
        Ok(*b)
    }

    fn compact(&mut self, field: &'static str) -> Result<usize, TransactionError> {
        let (value, used) = compact_u16::decode(self.rest).map_err(|error| match error {
            CompactU16Error::Truncated => TransactionError::Truncated { field },
            error => TransactionError::CompactU16 { field, error },
        })?;
        self.take(used, field)?;
        Ok(usize::from(value))
    }

    /// `count` items of `size` bytes each.
    fn array(
        &mut self,
        count: usize,
        size: usize,
        field: &'static str,
    ) -> Result<&'a [u8], TransactionError> {
        let len = count
            .checked_mul(size)
            .ok_or(TransactionError::Truncated { field })?;
        self.take(len, field)
    }

    fn instruction(&mut self) -> Result<Instruction<'a>, TransactionError> {
        let program_id_index = self.byte("instruction program id")?;
        let n = self.compact("instruction accounts")?;
        let accounts = self.take(n, "instruction accounts")?;
        let d = self.compact("instruction data")?;
        let data = self.take(d, "instruction data")?;
        Ok(Instruction {
            program_id_index,
            accounts,
            data,
        })
    }
}

impl<'a> Transaction<'a> {
    /// Decodes and sanitizes a wire transaction.
    ///
    /// ```
    /// use pay402::svm::{Transaction, TransactionError};
    /// // One signature slot, legacy message: 1 signer, 2 keys, no instructions.
    /// let mut tx = vec![1u8];
    /// tx.extend([0u8; 64]);
    /// tx.extend([1, 0, 1, 2]);
    /// tx.extend([7u8; 32]);
    /// tx.extend([8u8; 32]);
    /// tx.extend([9u8; 32]);
    /// tx.push(0);
    /// let decoded = Transaction::decode(&tx)?;
    /// assert_eq!(decoded.signature_count(), 1);
    /// assert_eq!(decoded.message.account_key(1).map(|k| k.0), Some([8u8; 32]));
    ///
    /// tx.push(0); // one byte too many
    /// assert_eq!(Transaction::decode(&tx).unwrap_err(), TransactionError::TrailingBytes);
    /// # Ok::<(), TransactionError>(())
    /// ```
    pub fn decode(bytes: &'a [u8]) -> Result<Self, TransactionError> {
        if bytes.len() > MAX_TRANSACTION_LEN {
            return Err(TransactionError::TooLong);
        }
        let mut r = Reader { rest: bytes };
        let n = r.compact("signatures")?;
        let signatures = r.array(n, 64, "signatures")?;
        let message = Message::decode(r.rest)?;
        if usize::from(message.header.num_required_signatures) != n {
            return Err(TransactionError::InvalidHeader);
        }
        Ok(Self {
            signatures,
            message,
        })
    }

    /// How many signatures the transaction carries (= the message's required signers).
    pub fn signature_count(&self) -> usize {
        self.signatures.len() / 64
    }

    /// The `i`th signature (of account key `i`); all zero when not yet signed.
    pub fn signature(&self, i: usize) -> Option<&'a [u8; 64]> {
        let start = i.checked_mul(64)?;
        self.signatures
            .get(start..start.checked_add(64)?)?
            .try_into()
            .ok()
    }

    /// The signatures, in signer order.
    pub fn signatures(&self) -> impl Iterator<Item = &'a [u8; 64]> + 'a {
        self.signatures
            .chunks_exact(64)
            .filter_map(|c| c.try_into().ok())
    }
}

impl<'a> Message<'a> {
    /// Decodes and sanitizes a message (legacy or v0, without address-lookup tables). `bytes`
    /// must hold exactly the message.
    pub fn decode(bytes: &'a [u8]) -> Result<Self, TransactionError> {
        let mut r = Reader { rest: bytes };
        let first = *bytes
            .first()
            .ok_or(TransactionError::Truncated { field: "message" })?;
        let version = if first & 0x80 == 0 {
            MessageVersion::Legacy
        } else {
            r.byte("message version")?;
            match first & 0x7f {
                0 => MessageVersion::V0,
                version => return Err(TransactionError::UnsupportedVersion { version }),
            }
        };
        let header = MessageHeader {
            num_required_signatures: r.byte("message header")?,
            num_readonly_signed_accounts: r.byte("message header")?,
            num_readonly_unsigned_accounts: r.byte("message header")?,
        };
        let key_count = r.compact("account keys")?;
        let account_keys = r.array(key_count, 32, "account keys")?;
        let recent_blockhash: [u8; 32] =
            r.take(32, "recent blockhash")?.try_into().map_err(|_| {
                TransactionError::Truncated {
                    field: "recent blockhash",
                }
            })?;
        let count = r.compact("instructions")?;
        let instructions_start = r.rest;
        for _ in 0..count {
            let ix = r.instruction()?;
            let program = usize::from(ix.program_id_index);
            if program == 0
                || program >= key_count
                || ix.accounts.iter().any(|&a| usize::from(a) >= key_count)
            {
                return Err(TransactionError::IndexOutOfRange);
            }
        }
        let consumed = instructions_start.len().saturating_sub(r.rest.len());
        let instructions = instructions_start.get(..consumed).unwrap_or_default();
        if version == MessageVersion::V0 {
            let lookups = r.compact("address table lookups")?;
            if lookups != 0 {
                return Err(TransactionError::AddressLookupTables);
            }
        }
        if !r.rest.is_empty() {
            return Err(TransactionError::TrailingBytes);
        }
        let message = Self {
            bytes,
            version,
            header,
            account_keys,
            recent_blockhash,
            instructions,
            instruction_count: u16::try_from(count).unwrap_or(u16::MAX),
        };
        message.sanitize(key_count)?;
        Ok(message)
    }

    fn sanitize(&self, key_count: usize) -> Result<(), TransactionError> {
        let h = &self.header;
        let signers = usize::from(h.num_required_signatures);
        let readonly_unsigned = usize::from(h.num_readonly_unsigned_accounts);
        // The fee payer (key 0) must sign and be writable.
        if signers == 0
            || h.num_readonly_signed_accounts >= h.num_required_signatures
            || signers.saturating_add(readonly_unsigned) > key_count
        {
            return Err(TransactionError::InvalidHeader);
        }
        let keys = self.account_keys.chunks_exact(32);
        for (i, key) in keys.clone().enumerate() {
            if keys
                .clone()
                .skip(i.saturating_add(1))
                .any(|other| other == key)
            {
                return Err(TransactionError::DuplicateAccountKey);
            }
        }
        Ok(())
    }

    /// The message bytes: what every signature signs.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// How many account keys the message lists.
    pub fn account_key_count(&self) -> usize {
        self.account_keys.len() / 32
    }

    /// The `i`th account key; key 0 is the fee payer.
    pub fn account_key(&self, i: usize) -> Option<Pubkey> {
        let start = i.checked_mul(32)?;
        let bytes = self.account_keys.get(start..start.checked_add(32)?)?;
        bytes.try_into().ok().map(Pubkey)
    }

    /// The account keys in order.
    pub fn account_keys(&self) -> impl Iterator<Item = Pubkey> + 'a {
        self.account_keys
            .chunks_exact(32)
            .filter_map(|c| c.try_into().ok().map(Pubkey))
    }

    /// The fee payer: account key 0.
    pub fn fee_payer(&self) -> Option<Pubkey> {
        self.account_key(0)
    }

    /// `true` when account key `i` must sign.
    pub fn is_signer(&self, i: usize) -> bool {
        i < usize::from(self.header.num_required_signatures)
    }

    /// `true` when account key `i` is writable.
    pub fn is_writable(&self, i: usize) -> bool {
        let h = &self.header;
        let signers = usize::from(h.num_required_signatures);
        if i < signers {
            i < signers.saturating_sub(usize::from(h.num_readonly_signed_accounts))
        } else {
            let keys = self.account_key_count();
            i < keys.saturating_sub(usize::from(h.num_readonly_unsigned_accounts))
        }
    }

    /// How many instructions the message has.
    pub fn instruction_count(&self) -> usize {
        usize::from(self.instruction_count)
    }

    /// The instructions in order (already validated by [`Message::decode`]).
    pub fn instructions(&self) -> impl Iterator<Item = Instruction<'a>> + 'a {
        let mut r = Reader {
            rest: self.instructions,
        };
        (0..self.instruction_count).map_while(move |_| r.instruction().ok())
    }
}

impl ErrorCode for TransactionError {
    fn code(&self) -> &'static str {
        match self {
            Self::TooLong => "transaction_too_long",
            Self::Truncated { .. } => "transaction_truncated",
            Self::CompactU16 { .. } => "transaction_compact_u16",
            Self::TrailingBytes => "transaction_trailing_bytes",
            Self::UnsupportedVersion { .. } => "transaction_unsupported_version",
            Self::AddressLookupTables => "transaction_address_lookup_tables",
            Self::InvalidHeader => "transaction_invalid_header",
            Self::IndexOutOfRange => "transaction_index_out_of_range",
            Self::DuplicateAccountKey => "transaction_duplicate_account_key",
        }
    }
}

impl fmt::Display for TransactionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong => write!(
                f,
                "transaction is longer than the {MAX_TRANSACTION_LEN}-byte packet limit"
            ),
            Self::Truncated { field } => write!(f, "transaction ends inside the {field}"),
            Self::CompactU16 { field, error } => {
                let what = match error {
                    CompactU16Error::Truncated => "truncated",
                    CompactU16Error::NonCanonical => "not in its shortest encoding",
                    CompactU16Error::Overflow => "larger than 0xffff",
                };
                write!(f, "the compact-u16 length of the {field} is {what}")
            }
            Self::TrailingBytes => f.write_str("bytes follow the end of the message"),
            Self::UnsupportedVersion { version } => {
                write!(f, "message version {version} is not supported (legacy and v0 are)")
            }
            Self::AddressLookupTables => f.write_str(
                "the v0 message uses address-lookup tables, which cannot be resolved offline",
            ),
            Self::InvalidHeader => f.write_str(
                "the message header does not fit the account keys or the number of signatures",
            ),
            Self::IndexOutOfRange => f.write_str(
                "an instruction names an account index outside the keys, or the fee payer as its program",
            ),
            Self::DuplicateAccountKey => f.write_str("an account key is listed twice"),
        }
    }
}

impl core::error::Error for TransactionError {}
