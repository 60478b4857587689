//! The `exact` EVM scheme payload with EIP-3009 (x402 v2 specification §5.2.2, <https://github.com/coinbase/x402/blob/main/specs/x402-specification-v2.md>;
//! <https://github.com/coinbase/x402/blob/main/specs/schemes/exact/scheme_exact_evm.md>):
//! `{signature, authorization: {from, to, value, validAfter, validBefore, nonce}}`.

use crate::evm::{Address, TransferWithAuthorization};
use crate::json::{Object, RawValue};
use crate::x402::error::{DecodeError, DecodeReason};

/// Longest signature accepted, in bytes. EOA signatures are 65 (or 64, ERC-2098) bytes; smart
/// wallet signatures (EIP-1271, ERC-6492 wrappers) are longer and are carried through so the host
/// can check them on chain.
pub const MAX_SIGNATURE_LEN: usize = 2048;

/// A decoded EIP-3009 `exact` payload.
#[derive(Debug, Clone, Copy)]
pub struct ExactEvmPayload<'a> {
    /// The signature's hex digits, without `0x` (validated: even length, hex only).
    pub signature_hex: &'a str,
    /// The signed authorization.
    pub authorization: TransferWithAuthorization,
}

impl<'a> ExactEvmPayload<'a> {
    /// Decodes an EIP-3009 `payload` object. Use [`PayloadKind::of`] first to tell it from a
    /// Permit2 or Solana payload.
    pub fn from_json_value(payload: RawValue<'a>) -> Result<Self, DecodeError> {
        Self::from_object(&Object::from_value(payload, "payload")?)
    }

    /// [`ExactEvmPayload::from_json_value`] of a `payload` object already indexed.
    pub(crate) fn from_object(obj: &Object<'a>) -> Result<Self, DecodeError> {
        let signature = obj.field("signature").str()?;
        let signature_hex = signature_hex(signature.as_plain())?;
        let auth = Object::from_value(obj.field("authorization").raw_object()?, "authorization")?;
        let authorization =
            decode_authorization(&auth).map_err(|e| e.within("payload.authorization"))?;
        Ok(Self {
            signature_hex,
            authorization,
        })
    }

    /// The signature bytes, decoded into `buf` (at least [`MAX_SIGNATURE_LEN`] bytes).
    pub fn signature_bytes<'b>(&self, buf: &'b mut [u8]) -> Result<&'b [u8], DecodeError> {
        crate::hex::decode_into(self.signature_hex.as_bytes(), buf)
            .map_err(|e| DecodeError::new("signature", DecodeReason::Hex(e)).within("payload"))
    }
}

/// The six fields, read from the object's member index (one walk of the object, not one per
/// field).
fn decode_authorization(auth: &Object<'_>) -> Result<TransferWithAuthorization, DecodeError> {
    Ok(TransferWithAuthorization {
        from: auth.field("from").address()?,
        to: auth.field("to").address()?,
        value: auth.field("value").amount()?,
        valid_after: auth.field("validAfter").amount()?,
        valid_before: auth.field("validBefore").amount()?,
        nonce: auth.field("nonce").bytes32()?,
    })
}

/// Validates `0x` + an even number of hex digits (at most [`MAX_SIGNATURE_LEN`] bytes) and returns
/// the digits.
pub(crate) fn signature_hex(text: Option<&str>) -> Result<&str, DecodeError> {
    let err = |reason| DecodeError::new("signature", reason).within("payload");
    // Escaped JSON strings never carry hex digits in practice; refuse them rather than copy.
    let text = text.ok_or(err(DecodeReason::InvalidValue))?;
    let digits = crate::hex::strip_0x(text.as_bytes()).map_err(|e| err(DecodeReason::Hex(e)))?;
    if digits.is_empty() || digits.len() > MAX_SIGNATURE_LEN.saturating_mul(2) {
        return Err(err(DecodeReason::InvalidValue));
    }
    if digits.len() % 2 != 0 {
        return Err(err(DecodeReason::Hex(crate::hex::HexError::OddLength)));
    }
    if let Some(index) = digits.iter().position(|b| !b.is_ascii_hexdigit()) {
        return Err(err(DecodeReason::Hex(
            crate::hex::HexError::InvalidCharacter { index },
        )));
    }
    // `digits` is ASCII hex, so this sub-slice is on char boundaries.
    Ok(text.get(2..).unwrap_or_default())
}

/// Which EVM `exact` payload a `payload` object carries; the reference facilitator dispatches on
/// the key that is present (`extra.assetTransferMethod`, <https://github.com/coinbase/x402/blob/main/specs/schemes/exact/scheme_exact_evm.md>).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadKind {
    /// `authorization`: EIP-3009.
    Eip3009,
    /// `permit2Authorization`: a Permit2 witness transfer.
    Permit2,
    /// `transaction`: a Solana transaction.
    SolanaTransaction,
    /// Anything else.
    Unknown,
}

impl PayloadKind {
    /// Classifies a scheme payload by its keys.
    pub fn of(payload: &RawValue<'_>) -> Self {
        Object::new(*payload).map_or(Self::Unknown, |obj| Self::of_object(&obj))
    }

    /// [`PayloadKind::of`] a `payload` object already indexed.
    pub(crate) fn of_object(payload: &Object<'_>) -> Self {
        if payload.field("authorization").value().is_some() {
            Self::Eip3009
        } else if payload.field("permit2Authorization").value().is_some() {
            Self::Permit2
        } else if payload.field("transaction").value().is_some() {
            Self::SolanaTransaction
        } else {
            Self::Unknown
        }
    }
}

/// The parts of a verified authorization a host needs to persist for replay protection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReplayKey {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// Token contract.
    pub asset: Address,
    /// The payer (`authorization.from`).
    pub payer: Address,
    /// The EIP-3009 nonce.
    pub nonce: [u8; 32],
}

impl ReplayKey {
    /// Fixed-size byte form: chain id (8 bytes, big-endian) ‖ asset ‖ payer ‖ nonce. The token
    /// contract rejects a second use of the same `(payer, nonce)`; a host store keyed by these
    /// bytes rejects it before it reaches the chain.
    pub fn to_bytes(&self) -> [u8; 80] {
        let mut out = [0u8; 80];
        let (chain, rest) = out.split_at_mut(8);
        let (asset, rest) = rest.split_at_mut(20);
        let (payer, nonce) = rest.split_at_mut(20);
        chain.copy_from_slice(&self.chain_id.to_be_bytes());
        asset.copy_from_slice(&self.asset.0);
        payer.copy_from_slice(&self.payer.0);
        nonce.copy_from_slice(&self.nonce);
        out
    }
}
