//! The settlement call of an EVM x402 payment, as the reference facilitator sends it
//! (`@x402/evm`, <https://github.com/coinbase/x402/tree/main/typescript/packages/mechanisms/evm/src>):
//!
//! | payment | `to` | call |
//! |---|---|---|
//! | `exact`, EIP-3009, 65-byte signature | the token (`asset`) | `transferWithAuthorization(from, to, value, validAfter, validBefore, nonce, v, r, s)` `0xe3ee160e` |
//! | `exact`, EIP-3009, any other signature | the token | `transferWithAuthorization(from, to, value, validAfter, validBefore, nonce, bytes signature)` `0xcf092995` |
//! | `exact`, Permit2 | `x402ExactPermit2Proxy` | `settle(((token, amount), nonce, deadline), owner, (to, validAfter), bytes signature)` `0x13cd3b53` |
//! | `upto`, Permit2 | `x402UptoPermit2Proxy` | `settle(((token, amount), nonce, deadline), amount, owner, (to, facilitator, validAfter), bytes signature)` `0xff11e7b4` |
//!
//! The token's overloads are EIP-3009's (<https://eips.ethereum.org/EIPS/eip-3009>) and USDC
//! v2.2's `bytes` variant (<https://github.com/circlefin/stablecoin-evm>); the proxies are
//! `contracts/evm/src/x402{Exact,Upto}Permit2Proxy.sol` of <https://github.com/coinbase/x402>.
//! As in the reference (`exact/facilitator/eip3009-utils.ts` `executeTransferWithAuthorization`,
//! `shared/permit2.ts` `buildExactPermit2SettleArgs` / `buildUptoPermit2SettleArgs`), an
//! ERC-6492 wrapper is stripped first; a 65-byte signature passes `v` as given (27/28) or its
//! parity (0/1); the `upto` amount is the charge (the caller's settle amount, else the
//! requirements' `amount`), at least 1 and at most the signed maximum.
//!
//! A payer with code (an EIP-1271 wallet, an EIP-7702 delegated EOA, or an ERC-6492 wallet
//! deployed just before the transfer) is settled with [`settle_calldata_for_payer`] and
//! [`Payer::Contract`]: the `bytes` overload whatever the signature's length. That is the
//! overload tokens check with EIP-1271 (USDC v2.2's `SignatureChecker`; a token with only the
//! `v, r, s` overload recovers an address, which is never a contract's), and the one the
//! counterfactual simulation of [`crate::x402::smart_wallet`] runs, so what was simulated is what
//! is sent. (The reference sends `v, r, s` for any 65-byte signature; USDC v2.2 re-packs those into
//! the same bytes, so both reach the wallet's `isValidSignature` identically there.)
//!
//! This encodes; it does not verify. Run [`crate::x402::Verifier`] first. Not built here: the
//! reference's gas-sponsoring branches for Permit2 (`settleWithPermit` with an EIP-2612 permit
//! from the `eip2612GasSponsoring` extension, `0xfa340378` / `0x016c1748`, and the ERC-20
//! approval bundle); a payment carrying those extensions gets the plain `settle`, which succeeds
//! only when the payer has already approved Permit2.
//!
//! ```
//! use pay402::x402::{settle_calldata, PaymentPayload, PaymentRequirements};
//!
//! // The x402 v2 specification's EIP-3009 example (section 5).
//! let requirements = PaymentRequirements::from_json(br#"{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}"#)?;
//! let payment = PaymentPayload::from_json(br#"{"x402Version":2,"accepted":{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}},"payload":{"signature":"0x2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c","authorization":{"from":"0x857b06519E91e3A54538791bDbb0E22373e36b66","to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","value":"10000","validAfter":"1740672089","validBefore":"1740672154","nonce":"0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480"}}}"#)?;
//! let mut data = [0u8; 512];
//! let call = settle_calldata(&requirements, &payment, None, &mut data)?;
//! assert_eq!(call.to.to_string(), "0x036CbD53842c5426634e7929541eC2318f3dCF7e");
//! assert_eq!(call.data.len(), 4 + 9 * 32);
//! assert_eq!(&call.data[..4], &[0xe3, 0xee, 0x16, 0x0e]);
//! assert_eq!(call.data[4 + 7 * 32 - 1], 28); // v
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use crate::error::{BufferTooSmall, ErrorCode};
use crate::evm::abi;
use crate::evm::permit2::{X402_EXACT_PERMIT2_PROXY, X402_UPTO_PERMIT2_PROXY};
use crate::evm::smart_wallet::{Erc6492Error, strip_erc6492};
use crate::evm::{Address, TransferWithAuthorization};
use crate::json::Object;
use crate::secp256k1::SECP256K1_N;
use crate::u256::U256;
use crate::writer::{Writer, write_all};
use crate::x402::error::{DecodeError, DecodeReason};
use crate::x402::network::Network;
use crate::x402::payment_payload::PaymentPayload;
use crate::x402::payment_requirements::PaymentRequirements;
use crate::x402::scheme::exact_eip3009::payload::{
    ExactEvmPayload, MAX_SIGNATURE_LEN, PayloadKind,
};
use crate::x402::scheme::exact_permit2::payload::{ExactPermit2Payload, Permit2Authorization};
use crate::x402::scheme::{parse_address, resolve_network};

/// `transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32)`.
pub const TRANSFER_WITH_AUTHORIZATION_VRS_SELECTOR: [u8; 4] = [0xe3, 0xee, 0x16, 0x0e];
/// `transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)`.
pub const TRANSFER_WITH_AUTHORIZATION_BYTES_SELECTOR: [u8; 4] = [0xcf, 0x09, 0x29, 0x95];
/// `x402ExactPermit2Proxy.settle(((address,uint256),uint256,uint256),address,(address,uint256),bytes)`.
pub const EXACT_PERMIT2_SETTLE_SELECTOR: [u8; 4] = [0x13, 0xcd, 0x3b, 0x53];
/// `x402UptoPermit2Proxy.settle(((address,uint256),uint256,uint256),uint256,address,(address,address,uint256),bytes)`.
pub const UPTO_PERMIT2_SETTLE_SELECTOR: [u8; 4] = [0xff, 0x11, 0xe7, 0xb4];

/// The call a facilitator sends to settle: the contract and the calldata (in the caller's
/// buffer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettleCall<'o> {
    /// The token (EIP-3009) or the Permit2 proxy.
    pub to: Address,
    /// The ABI-encoded call.
    pub data: &'o [u8],
}

/// Who signed the payment, as the code-routed verification found it: it decides the EIP-3009
/// overload (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Payer {
    /// No code: ECDSA. `v, r, s` for a 65-byte signature, `bytes` otherwise (the reference).
    Eoa,
    /// A contract, or an account that has code by the time the transfer runs: always `bytes`.
    Contract,
}

impl Payer {
    /// The payer for a route code of the code-routed verification
    /// ([`crate::x402::smart_wallet::Route::code`]): `None` or `ecdsa` is [`Payer::Eoa`];
    /// `eip1271`, `eip7702_eip1271` and `erc6492_counterfactual` are [`Payer::Contract`]; any
    /// other text is `None`.
    ///
    /// ```
    /// use pay402::x402::settle_calldata::Payer;
    /// assert_eq!(Payer::from_route_code(None), Some(Payer::Eoa));
    /// assert_eq!(Payer::from_route_code(Some("erc6492_counterfactual")), Some(Payer::Contract));
    /// assert_eq!(Payer::from_route_code(Some("eip1271 ")), None);
    /// ```
    pub fn from_route_code(route: Option<&str>) -> Option<Self> {
        match route {
            None | Some("ecdsa") => Some(Self::Eoa),
            Some("eip1271" | "eip7702_eip1271" | "erc6492_counterfactual") => Some(Self::Contract),
            Some(_) => None,
        }
    }
}

/// Why no settlement call can be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SettleCalldataError {
    /// The payment's `x402Version` differs from the requirements'.
    VersionMismatch,
    /// The requirements' network is not a known EVM network.
    InvalidNetwork,
    /// The payload is neither EIP-3009 nor Permit2, or Permit2 is used outside v2 `exact` /
    /// `upto`.
    UnsupportedPayloadType,
    /// The scheme payload does not decode (a missing `witness.facilitator` for `upto`
    /// included).
    InvalidPayload(DecodeError),
    /// The requirements' `asset` is not an address.
    InvalidPaymentRequirements(DecodeError),
    /// The signature carries an ERC-6492 suffix but no valid wrapper.
    Erc6492(Erc6492Error),
    /// A 65-byte signature whose last byte is not 0, 1, 27 or 28.
    SignatureV {
        /// The byte found.
        found: u8,
    },
    /// A 65-byte signature whose `r` or `s` is zero or not below the curve order.
    SignatureOutOfRange,
    /// A settle amount for a payment that is not `upto` (only `upto` charges less than signed).
    SettleAmountNotUpto,
    /// `upto` with a charge of zero: there is no call to encode. The reference settles it
    /// without a transaction, successfully ([`crate::x402::evm_settlement::Built::without_transaction`]).
    UptoSettleAmountZero,
    /// `upto` with a charge above the signed maximum.
    SettlementExceedsAmount,
    /// The output buffer is too small.
    BufferTooSmall,
}

impl core::fmt::Display for SettleCalldataError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::VersionMismatch => {
                f.write_str("payment and requirements have different x402 versions")
            }
            Self::InvalidNetwork => {
                f.write_str("the requirements' network is not a known EVM network")
            }
            Self::UnsupportedPayloadType => {
                f.write_str("the payload is neither EIP-3009 nor Permit2 for exact or upto")
            }
            Self::InvalidPayload(e) => write!(f, "invalid payload: {e}"),
            Self::InvalidPaymentRequirements(e) => write!(f, "invalid payment requirements: {e}"),
            Self::Erc6492(e) => e.fmt(f),
            Self::SignatureV { found } => {
                write!(f, "signature recovery byte {found} is not 0, 1, 27 or 28")
            }
            Self::SignatureOutOfRange => {
                f.write_str("signature r or s is zero or not below the secp256k1 order")
            }
            Self::SettleAmountNotUpto => f.write_str("a settle amount is only meaningful for upto"),
            Self::UptoSettleAmountZero => {
                f.write_str("upto settle amount is zero: no transaction to build")
            }
            Self::SettlementExceedsAmount => {
                f.write_str("upto settle amount exceeds the signed maximum")
            }
            Self::BufferTooSmall => BufferTooSmall.fmt(f),
        }
    }
}

impl core::error::Error for SettleCalldataError {}

impl ErrorCode for SettleCalldataError {
    fn code(&self) -> &'static str {
        match self {
            Self::VersionMismatch => "invalid_x402_version",
            Self::InvalidNetwork => "invalid_network",
            Self::UnsupportedPayloadType => "unsupported_payload_type",
            Self::InvalidPayload(_) => "invalid_payload",
            Self::InvalidPaymentRequirements(_) => "invalid_payment_requirements",
            Self::Erc6492(e) => e.code(),
            Self::SignatureV { .. } => "signature_v",
            Self::SignatureOutOfRange => "signature_invalid",
            Self::SettleAmountNotUpto => "settle_amount_not_upto",
            Self::UptoSettleAmountZero => "upto_settle_amount_zero",
            Self::SettlementExceedsAmount => "invalid_upto_evm_payload_settlement_exceeds_amount",
            Self::BufferTooSmall => "buffer_too_small",
        }
    }

    fn detail_code(&self) -> Option<&'static str> {
        match self {
            Self::InvalidPayload(e) | Self::InvalidPaymentRequirements(e) => Some(e.code()),
            _ => None,
        }
    }
}

impl From<BufferTooSmall> for SettleCalldataError {
    fn from(_: BufferTooSmall) -> Self {
        Self::BufferTooSmall
    }
}

/// The token's `transferWithAuthorization` for `authorization` signed with `signature` (already
/// stripped of any ERC-6492 wrapper): the `v, r, s` overload for exactly 65 bytes, the `bytes`
/// overload otherwise.
///
/// ```
/// use pay402::evm::{Address, TransferWithAuthorization};
/// use pay402::writer::write_all;
/// use pay402::x402::settle_calldata::write_transfer_with_authorization;
/// use pay402::U256;
///
/// let authorization = TransferWithAuthorization {
///     from: Address([0x85; 20]),
///     to: Address([0x20; 20]),
///     value: U256::from_u64(10_000),
///     valid_after: U256::ZERO,
///     valid_before: U256::from_u64(1_740_672_154),
///     nonce: [0xf3; 32],
/// };
/// // A 100-byte EIP-1271 signature: the `bytes` overload, padded to 128 bytes.
/// let mut data = [0u8; 512];
/// let n = write_all(&mut data, |w| write_transfer_with_authorization(w, &authorization, &[0x5a; 100]))?;
/// assert_eq!(&data[..4], &[0xcf, 0x09, 0x29, 0x95]);
/// assert_eq!(n, 4 + 6 * 32 + 32 + 32 + 128);
/// assert_eq!(data[4 + 7 * 32 - 1], 0xe0); // the offset of the signature
/// assert_eq!(data[4 + 8 * 32 - 1], 100); // its length
/// # Ok::<(), pay402::x402::SettleCalldataError>(())
/// ```
pub fn write_transfer_with_authorization(
    w: &mut Writer<'_>,
    authorization: &TransferWithAuthorization,
    signature: &[u8],
) -> Result<(), SettleCalldataError> {
    write_transfer_with_authorization_for(w, authorization, signature, Payer::Eoa)
}

/// [`write_transfer_with_authorization`] for `payer`: [`Payer::Contract`] always takes the
/// `bytes` overload, with the signature as given.
///
/// ```
/// use pay402::evm::{Address, TransferWithAuthorization};
/// use pay402::writer::write_all;
/// use pay402::x402::settle_calldata::{Payer, write_transfer_with_authorization_for};
/// use pay402::U256;
///
/// let authorization = TransferWithAuthorization {
///     from: Address([0x85; 20]),
///     to: Address([0x20; 20]),
///     value: U256::from_u64(10_000),
///     valid_after: U256::ZERO,
///     valid_before: U256::from_u64(1_740_672_154),
///     nonce: [0xf3; 32],
/// };
/// // A wallet owner's 65-byte ECDSA signature, checked by the wallet (EIP-1271).
/// let mut signature = [0x11u8; 65];
/// signature[64] = 27;
/// let mut data = [0u8; 512];
/// let n = write_all(&mut data, |w| {
///     write_transfer_with_authorization_for(w, &authorization, &signature, Payer::Contract)
/// })?;
/// assert_eq!(&data[..4], &[0xcf, 0x09, 0x29, 0x95]);
/// assert_eq!(n, 4 + 6 * 32 + 32 + 32 + 96);
/// assert_eq!(data[4 + 8 * 32 - 1], 65);
/// # Ok::<(), pay402::x402::SettleCalldataError>(())
/// ```
pub fn write_transfer_with_authorization_for(
    w: &mut Writer<'_>,
    authorization: &TransferWithAuthorization,
    signature: &[u8],
    payer: Payer,
) -> Result<(), SettleCalldataError> {
    let vrs = match signature {
        [rs @ .., v] if rs.len() == 64 && payer == Payer::Eoa => {
            if !matches!(*v, 0 | 1 | 27 | 28) {
                return Err(SettleCalldataError::SignatureV { found: *v });
            }
            let (r, s) = rs.split_at(32);
            let in_range = |x: &[u8]| x.iter().any(|b| *b != 0) && x < &SECP256K1_N[..];
            if !in_range(r) || !in_range(s) {
                return Err(SettleCalldataError::SignatureOutOfRange);
            }
            Some((*v, r, s))
        }
        _ => None,
    };
    let selector = if vrs.is_some() {
        TRANSFER_WITH_AUTHORIZATION_VRS_SELECTOR
    } else {
        TRANSFER_WITH_AUTHORIZATION_BYTES_SELECTOR
    };
    w.push(&selector)?;
    abi::write_address(w, &authorization.from)?;
    abi::write_address(w, &authorization.to)?;
    abi::write_uint(w, &authorization.value)?;
    abi::write_uint(w, &authorization.valid_after)?;
    abi::write_uint(w, &authorization.valid_before)?;
    abi::write_word(w, &authorization.nonce)?;
    if let Some((v, r, s)) = vrs {
        abi::write_usize(w, usize::from(v))?;
        w.push(r)?;
        w.push(s)?;
    } else {
        abi::write_usize(w, 7 * 32)?;
        abi::write_bytes_tail(w, signature)?;
    }
    Ok(())
}

/// `x402ExactPermit2Proxy.settle` (`upto_amount: None`) or `x402UptoPermit2Proxy.settle`
/// (`Some(charge)`, with the witness's facilitator; an `exact` witness has none and gives
/// `invalid_payload`) for `authorization` signed with `signature`.
///
/// ```
/// use pay402::evm::{Address, Permit2Witness, PermitWitnessTransferFrom, TokenPermissions};
/// use pay402::writer::write_all;
/// use pay402::x402::settle_calldata::write_permit2_settle;
/// use pay402::x402::Permit2Authorization;
/// use pay402::U256;
///
/// let authorization = Permit2Authorization {
///     from: Address([0x85; 20]),
///     permit: PermitWitnessTransferFrom {
///         permitted: TokenPermissions { token: Address([0x03; 20]), amount: U256::from_u64(10_000) },
///         spender: pay402::evm::X402_UPTO_PERMIT2_PROXY,
///         nonce: U256::ONE,
///         deadline: U256::from_u64(1_740_672_154),
///         witness: Permit2Witness::Upto {
///             to: Address([0x20; 20]),
///             facilitator: Address([0xde; 20]),
///             valid_after: U256::ZERO,
///         },
///     },
/// };
/// // upto: charge 500 of the 10000 signed; 452 bytes with a 65-byte signature.
/// let mut data = [0u8; 512];
/// let charge = U256::from_u64(500);
/// let n = write_all(&mut data, |w| write_permit2_settle(w, &authorization, Some(&charge), &[0x11; 65]))?;
/// assert_eq!(n, 452);
/// assert_eq!(&data[..4], &[0xff, 0x11, 0xe7, 0xb4]);
/// assert_eq!(&data[4 + 4 * 32 + 30..4 + 5 * 32], &[0x01, 0xf4]); // the charge
/// assert_eq!(data[4 + 10 * 32 - 1], 0x40); // offset of the signature: 10 words
/// # Ok::<(), pay402::x402::SettleCalldataError>(())
/// ```
pub fn write_permit2_settle(
    w: &mut Writer<'_>,
    authorization: &Permit2Authorization,
    upto_amount: Option<&U256>,
    signature: &[u8],
) -> Result<(), SettleCalldataError> {
    let permit = &authorization.permit;
    let facilitator = match upto_amount {
        Some(_) => Some(permit.witness.facilitator().ok_or_else(|| {
            SettleCalldataError::InvalidPayload(
                DecodeError::new("facilitator", DecodeReason::MissingField)
                    .within("payload.permit2Authorization.witness"),
            )
        })?),
        None => None,
    };
    let selector = if upto_amount.is_some() {
        UPTO_PERMIT2_SETTLE_SELECTOR
    } else {
        EXACT_PERMIT2_SETTLE_SELECTOR
    };
    w.push(&selector)?;
    abi::write_address(w, &permit.permitted.token)?;
    abi::write_uint(w, &permit.permitted.amount)?;
    abi::write_uint(w, &permit.nonce)?;
    abi::write_uint(w, &permit.deadline)?;
    if let Some(amount) = upto_amount {
        abi::write_uint(w, amount)?;
    }
    abi::write_address(w, &authorization.from)?;
    abi::write_address(w, &permit.witness.to())?;
    if let Some(facilitator) = facilitator {
        abi::write_address(w, &facilitator)?;
    }
    abi::write_uint(w, &permit.witness.valid_after())?;
    // The head: 4 permit words, [amount], owner, 2 or 3 witness words, the offset itself.
    let head_words = if upto_amount.is_some() { 10 } else { 8 };
    abi::write_usize(w, head_words * 32)?;
    abi::write_bytes_tail(w, signature)?;
    Ok(())
}

/// The settlement call of `payment` against `requirements` (see the module table), written into
/// `out`; on error nothing is left in `out`. `settle_amount` is the `upto` charge (`None`: the
/// requirements' `amount`); it must be `None` for `exact`.
pub fn settle_calldata<'o>(
    requirements: &PaymentRequirements<'_>,
    payment: &PaymentPayload<'_>,
    settle_amount: Option<U256>,
    out: &'o mut [u8],
) -> Result<SettleCall<'o>, SettleCalldataError> {
    settle_calldata_for_payer(requirements, payment, settle_amount, Payer::Eoa, out)
}

/// [`settle_calldata`] for a payer whose kind the code-routed verification found
/// ([`Payer::from_route_code`] of its route): an EIP-3009 payment of a [`Payer::Contract`] takes
/// the `bytes` overload, with the ERC-6492 wrapper's inner signature. Permit2 calls do not depend
/// on it.
pub fn settle_calldata_for_payer<'o>(
    requirements: &PaymentRequirements<'_>,
    payment: &PaymentPayload<'_>,
    settle_amount: Option<U256>,
    payer: Payer,
    out: &'o mut [u8],
) -> Result<SettleCall<'o>, SettleCalldataError> {
    if payment.version() != requirements.version() {
        return Err(SettleCalldataError::VersionMismatch);
    }
    let Some(Network::Eip155 { .. }) =
        resolve_network(requirements.network(), requirements.version())
    else {
        return Err(SettleCalldataError::InvalidNetwork);
    };
    let kind = Object::new(payment.payload())
        .as_ref()
        .map_or(PayloadKind::Unknown, PayloadKind::of_object);
    let mut signature_buf = [0u8; MAX_SIGNATURE_LEN];
    let (to, n) = match kind {
        PayloadKind::Eip3009 => {
            if settle_amount.is_some() {
                return Err(SettleCalldataError::SettleAmountNotUpto);
            }
            let payload = ExactEvmPayload::from_json_value(payment.payload())
                .map_err(SettleCalldataError::InvalidPayload)?;
            let token = parse_address(requirements.asset()).ok_or(
                SettleCalldataError::InvalidPaymentRequirements(DecodeError::new(
                    "asset",
                    DecodeReason::InvalidValue,
                )),
            )?;
            let signature = payload
                .signature_bytes(&mut signature_buf)
                .map_err(SettleCalldataError::InvalidPayload)?;
            let signature = strip_erc6492(signature).map_err(SettleCalldataError::Erc6492)?;
            let n = write_all(out, |w| {
                write_transfer_with_authorization_for(w, &payload.authorization, signature, payer)
            })?;
            (token, n)
        }
        PayloadKind::Permit2 => {
            let PaymentRequirements::V2(r) = requirements else {
                return Err(SettleCalldataError::UnsupportedPayloadType);
            };
            let upto = if r.scheme.eq_str("upto") {
                true
            } else if r.scheme.eq_str("exact") {
                false
            } else {
                return Err(SettleCalldataError::UnsupportedPayloadType);
            };
            let payload = ExactPermit2Payload::from_json_value(payment.payload())
                .map_err(SettleCalldataError::InvalidPayload)?;
            let charge = match (upto, settle_amount) {
                (false, Some(_)) => return Err(SettleCalldataError::SettleAmountNotUpto),
                (false, None) => None,
                (true, charge) => {
                    let charge = charge.unwrap_or(r.amount);
                    if charge.is_zero() {
                        return Err(SettleCalldataError::UptoSettleAmountZero);
                    }
                    if charge > payload.authorization.permit.permitted.amount {
                        return Err(SettleCalldataError::SettlementExceedsAmount);
                    }
                    Some(charge)
                }
            };
            let signature = payload
                .signature_bytes(&mut signature_buf)
                .map_err(SettleCalldataError::InvalidPayload)?;
            let signature = strip_erc6492(signature).map_err(SettleCalldataError::Erc6492)?;
            let n = write_all(out, |w| {
                write_permit2_settle(w, &payload.authorization, charge.as_ref(), signature)
            })?;
            let proxy = if upto {
                X402_UPTO_PERMIT2_PROXY
            } else {
                X402_EXACT_PERMIT2_PROXY
            };
            (proxy, n)
        }
        PayloadKind::SolanaTransaction | PayloadKind::Unknown => {
            return Err(SettleCalldataError::UnsupportedPayloadType);
        }
    };
    let data: &'o [u8] = out.get(..n).ok_or(SettleCalldataError::BufferTooSmall)?;
    Ok(SettleCall { to, data })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evm::keccak256;
    use crate::hex;

    #[test]
    fn selectors_are_the_keccak_of_the_signatures() {
        let cases: [(&[u8], [u8; 4]); 4] = [
            (
                b"transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32)",
                TRANSFER_WITH_AUTHORIZATION_VRS_SELECTOR,
            ),
            (
                b"transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)",
                TRANSFER_WITH_AUTHORIZATION_BYTES_SELECTOR,
            ),
            (
                b"settle(((address,uint256),uint256,uint256),address,(address,uint256),bytes)",
                EXACT_PERMIT2_SETTLE_SELECTOR,
            ),
            (
                b"settle(((address,uint256),uint256,uint256),uint256,address,(address,address,uint256),bytes)",
                UPTO_PERMIT2_SETTLE_SELECTOR,
            ),
        ];
        for (signature, selector) in cases {
            assert_eq!(keccak256(signature)[..4], selector);
        }
    }

    fn authorization() -> TransferWithAuthorization {
        TransferWithAuthorization {
            from: Address::parse(b"0x857b06519E91e3A54538791bDbb0E22373e36b66").unwrap(),
            to: Address::parse(b"0x209693Bc6afc0C5328bA36FaF03C514EF312287C").unwrap(),
            value: U256::from_u64(10_000),
            valid_after: U256::from_u64(1_740_672_089),
            valid_before: U256::from_u64(1_740_672_154),
            nonce: hex::decode_array(
                b"f3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480",
            )
            .unwrap(),
        }
    }

    const SIG: &[u8; 130] = b"2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c";

    #[test]
    fn both_overloads_lay_out_as_the_abi_says() {
        let signature: [u8; 65] = hex::decode_array(SIG).unwrap();
        let mut buf = [0u8; 512];
        let n = write_all(&mut buf, |w| {
            write_transfer_with_authorization(w, &authorization(), &signature)
        })
        .unwrap();
        assert_eq!(n, 292);
        assert_eq!(&buf[4 + 0xe0..4 + 0x100], &signature[..32]);
        assert_eq!(&buf[4 + 0x100..4 + 0x120], &signature[32..64]);

        let long = [0x42u8; 66];
        let n = write_all(&mut buf, |w| {
            write_transfer_with_authorization(w, &authorization(), &long)
        })
        .unwrap();
        assert_eq!(n, 4 + 7 * 32 + 32 + 96);
        assert_eq!(&buf[..4], &TRANSFER_WITH_AUTHORIZATION_BYTES_SELECTOR);
        assert_eq!(buf[4 + 0xdf], 0xe0);
        assert_eq!(buf[4 + 0xff], 66);
        assert!(buf[4 + 0x100 + 66..n].iter().all(|b| *b == 0));
    }

    #[test]
    fn a_bad_v_or_range_writes_nothing() {
        let mut signature: [u8; 65] = hex::decode_array(SIG).unwrap();
        signature[64] = 29;
        let mut buf = [0u8; 512];
        assert_eq!(
            write_all(&mut buf, |w| {
                write_transfer_with_authorization(w, &authorization(), &signature)
            }),
            Err(SettleCalldataError::SignatureV { found: 29 })
        );
        signature[64] = 1;
        signature[..32].fill(0);
        assert_eq!(
            write_all(&mut buf, |w| {
                write_transfer_with_authorization(w, &authorization(), &signature)
            }),
            Err(SettleCalldataError::SignatureOutOfRange)
        );
        assert!(buf.iter().all(|b| *b == 0));
    }
}
