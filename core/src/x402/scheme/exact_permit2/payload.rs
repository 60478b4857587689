//! The EVM scheme payload with Permit2 (<https://github.com/coinbase/x402/blob/main/specs/schemes/exact/scheme_exact_evm.md>), used by `exact` with
//! `extra.assetTransferMethod: "permit2"` and by `upto`:
//! `{signature, permit2Authorization: {from, permitted: {token, amount}, spender, nonce, deadline,
//! witness: {to, validAfter[, facilitator]}}}`.
//!
//! Input is read with the same rules as the EIP-3009 payload ([`crate::x402::scheme::exact_eip3009::payload`]):
//! `null` members count as absent, unknown members are ignored, amounts are decimal strings (or
//! JSON integers); addresses are `0x` + 40 hex digits in any case. `nonce` is a decimal string as
//! the reference client writes it, or `0x` hex as in the `upto` spec example.
//!
//! Output ([`Permit2Authorization::write_json`], [`write_payload`]) is the reference client's:
//! EIP-55 addresses, decimal strings, keys in the reference order, the signature as `0x` +
//! lowercase hex. [`Permit2Authorization::for_requirements`] builds what the reference client
//! signs (`validAfter = 0`, `deadline = now + maxTimeoutSeconds`).
//!
//! ```
//! use pay402::x402::scheme::exact_permit2::payload::{ExactPermit2Payload, write_payload};
//! use pay402::json::RawValue;
//! use pay402::writer::write_all;
//!
//! // The Permit2 payload of the `exact` EVM scheme spec (its signature is a placeholder).
//! let json = br#"{"signature":"0x2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c","permit2Authorization":{"from":"0x857b06519E91e3A54538791bDbb0E22373e36b66","permitted":{"token":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","amount":"10000"},"spender":"0x402085c248EeA27D92E8b30b2C58ed07f9E20001","nonce":"33247007178036348590600198031289925668252061821958005840077069883511451257277","deadline":"1740672154","witness":{"to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","validAfter":"1740672089"}}}"#;
//! let payload = ExactPermit2Payload::from_json_value(RawValue::parse(json)?)?;
//! assert_eq!(payload.authorization.permit.deadline.to_u64(), Some(1_740_672_154));
//!
//! // Re-encoding gives the same bytes.
//! let mut signature = [0u8; 65];
//! let signature = payload.signature_bytes(&mut signature)?;
//! let mut out = [0u8; 1024];
//! let n = write_all(&mut out, |w| write_payload(w, signature, &payload.authorization))?;
//! assert_eq!(&out[..n], &json[..]);
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use super::pay::Permit2SignError;
use crate::error::BufferTooSmall;
use crate::evm::permit2::{
    Permit2Witness, PermitWitnessTransferFrom, TokenPermissions, WitnessShape,
    X402_EXACT_PERMIT2_PROXY, X402_UPTO_PERMIT2_PROXY, permit2_domain,
};
use crate::evm::{Address, PrivateKey};
use crate::json::{FieldIssue, JsonStr, Object, ObjectWriter, RawValue, write_string};
use crate::u256::U256;
use crate::writer::Writer;
use crate::x402::error::{DecodeError, DecodeReason};
use crate::x402::network::Network;
use crate::x402::payment_requirements::{PaymentRequirements, write_amount};
use crate::x402::scheme::exact_eip3009::payload::signature_hex;

/// A decoded Permit2 scheme payload.
#[derive(Debug, Clone, Copy)]
pub struct ExactPermit2Payload<'a> {
    /// The signature's hex digits, without `0x` (validated: even length, hex only).
    pub signature_hex: &'a str,
    /// The signed authorization.
    pub authorization: Permit2Authorization,
}

/// `permit2Authorization`: the owner and the message they signed.
///
/// The witness is decoded as [`Permit2Witness::Upto`] when `witness.facilitator` is present,
/// else as [`Permit2Witness::Exact`]; the verifier re-shapes it for the scheme
/// ([`Permit2Authorization::message_for`]), as the reference facilitator hashes only the fields
/// of the scheme's witness type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Permit2Authorization {
    /// The token owner, who signs.
    pub from: Address,
    /// The signed `PermitWitnessTransferFrom`.
    pub permit: PermitWitnessTransferFrom,
}

impl<'a> ExactPermit2Payload<'a> {
    /// Decodes a Permit2 `payload` object. Use [`crate::x402::PayloadKind::of`] first to tell it from
    /// an EIP-3009 or Solana payload.
    pub fn from_json_value(payload: RawValue<'a>) -> Result<Self, DecodeError> {
        let obj = Object::from_value(payload, "payload")?;
        let signature = obj.field("signature").str()?;
        let signature_hex = signature_hex(signature.as_plain())?;
        let auth = obj.field("permit2Authorization").raw_object()?;
        let authorization = decode_authorization(&auth)?;
        Ok(Self {
            signature_hex,
            authorization,
        })
    }

    /// The signature bytes, decoded into `buf` (at least
    /// [`crate::x402::scheme::exact_eip3009::payload::MAX_SIGNATURE_LEN`] bytes for any payload; 65 for an EOA).
    pub fn signature_bytes<'b>(&self, buf: &'b mut [u8]) -> Result<&'b [u8], DecodeError> {
        crate::hex::decode_into(self.signature_hex.as_bytes(), buf)
            .map_err(|e| DecodeError::new("signature", DecodeReason::Hex(e)).within("payload"))
    }

    /// Writes the payload back as compact JSON (signature as given, fields canonical).
    pub fn write_json(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        let mut obj = ObjectWriter::begin(w)?;
        obj.field_with("signature", |w| {
            w.push_str("\"0x")?;
            w.push_str(self.signature_hex)?;
            w.push_byte(b'"')
        })?;
        obj.field_with("permit2Authorization", |w| self.authorization.write_json(w))?;
        obj.end()
    }
}

const AUTH: &str = "payload.permit2Authorization";

fn decode_authorization(auth: &RawValue<'_>) -> Result<Permit2Authorization, DecodeError> {
    let within = |e: FieldIssue| DecodeError::from(e).within(AUTH);
    let from = auth.field("from").address().map_err(within)?;
    let permitted = auth.field("permitted").raw_object().map_err(within)?;
    let permitted =
        TokenPermissions {
            token: permitted.field("token").address().map_err(|e| {
                DecodeError::from(e).within("payload.permit2Authorization.permitted")
            })?,
            amount: permitted.field("amount").amount().map_err(|e| {
                DecodeError::from(e).within("payload.permit2Authorization.permitted")
            })?,
        };
    let spender = auth.field("spender").address().map_err(within)?;
    let nonce = auth.field("nonce").uint256().map_err(within)?;
    let deadline = auth.field("deadline").amount().map_err(within)?;
    let witness = auth.field("witness").raw_object().map_err(within)?;
    let in_witness =
        |e: FieldIssue| DecodeError::from(e).within("payload.permit2Authorization.witness");
    let to = witness.field("to").address().map_err(in_witness)?;
    let valid_after = witness.field("validAfter").amount().map_err(in_witness)?;
    let witness = match witness.field("facilitator").value() {
        None => Permit2Witness::Exact { to, valid_after },
        Some(_) => Permit2Witness::Upto {
            to,
            facilitator: witness.field("facilitator").address().map_err(in_witness)?,
            valid_after,
        },
    };
    Ok(Permit2Authorization {
        from,
        permit: PermitWitnessTransferFrom {
            permitted,
            spender,
            nonce,
            deadline,
            witness,
        },
    })
}

impl Permit2Authorization {
    /// The message with the witness of `shape`: for [`WitnessShape::Exact`] an `upto` witness
    /// loses its facilitator; for [`WitnessShape::Upto`] an `exact` witness has none to give, so
    /// `None` is returned.
    pub fn message_for(&self, shape: WitnessShape) -> Option<PermitWitnessTransferFrom> {
        let witness = match (shape, self.permit.witness) {
            (WitnessShape::Exact, w) => Permit2Witness::Exact {
                to: w.to(),
                valid_after: w.valid_after(),
            },
            (WitnessShape::Upto, w @ Permit2Witness::Upto { .. }) => w,
            (WitnessShape::Upto, Permit2Witness::Exact { .. }) => return None,
        };
        Some(PermitWitnessTransferFrom {
            witness,
            ..self.permit
        })
    }

    /// What the reference client (`@x402/evm` 2.27 `createPermit2Payload`,
    /// `createUptoPermit2Payload`) builds for `requirements` at time `now` (unix seconds):
    /// `permitted = {asset, amount}`, `spender` = the scheme's x402 proxy, `deadline = now +
    /// maxTimeoutSeconds`, `witness = {to: payTo, validAfter: 0}`, and for `upto`
    /// `witness.facilitator = extra.facilitatorAddress` (required). `nonce` is the caller's: 32
    /// random bytes read as a big-endian number, as `createPermit2Nonce` does.
    ///
    /// Scheme `exact` is accepted whatever `extra.assetTransferMethod` says; the caller chose
    /// Permit2.
    pub fn for_requirements(
        requirements: &PaymentRequirements<'_>,
        from: Address,
        nonce: U256,
        now: u64,
    ) -> Result<(Self, u64), Permit2SignError> {
        let PaymentRequirements::V2(r) = requirements else {
            return Err(Permit2SignError::UnsupportedVersion);
        };
        let mut net = [0u8; 128];
        let Some(Network::Eip155 { chain_id }) =
            r.network.text_in(&mut net).and_then(Network::from_caip2)
        else {
            return Err(Permit2SignError::InvalidNetwork);
        };
        let address = |key: &'static str, text: JsonStr<'_>| -> Result<Address, Permit2SignError> {
            let mut buf = [0u8; 64];
            text.text_in(&mut buf)
                .and_then(|t| Address::parse(t.as_bytes()).ok())
                .ok_or(Permit2SignError::InvalidRequirements(DecodeError::new(
                    key,
                    DecodeReason::InvalidValue,
                )))
        };
        let token = address("asset", r.asset)?;
        let to = address("payTo", r.pay_to)?;
        let (spender, witness) = if r.scheme.eq_str("exact") {
            (
                X402_EXACT_PERMIT2_PROXY,
                Permit2Witness::Exact {
                    to,
                    valid_after: U256::ZERO,
                },
            )
        } else if r.scheme.eq_str("upto") {
            let facilitator = r
                .extra
                .as_ref()
                .and_then(|extra| extra.field("facilitatorAddress").value())
                .and_then(|v| v.as_str())
                .ok_or(Permit2SignError::MissingFacilitatorAddress)?;
            let facilitator = address("facilitatorAddress", facilitator)?;
            (
                X402_UPTO_PERMIT2_PROXY,
                Permit2Witness::Upto {
                    to,
                    facilitator,
                    valid_after: U256::ZERO,
                },
            )
        } else {
            return Err(Permit2SignError::UnsupportedScheme);
        };
        let deadline = u128::from(now) + u128::from(r.max_timeout_seconds);
        let authorization = Self {
            from,
            permit: PermitWitnessTransferFrom {
                permitted: TokenPermissions {
                    token,
                    amount: r.amount,
                },
                spender,
                nonce,
                deadline: U256::from_u128(deadline),
                witness,
            },
        };
        Ok((authorization, chain_id))
    }

    /// Signs the message under the Permit2 domain of `chain_id` (RFC 6979, low `s`, `v` 27/28;
    /// byte-identical to viem `signTypedData`).
    pub fn sign(&self, key: &PrivateKey, chain_id: u64) -> [u8; 65] {
        key.sign_prehash(&self.permit.digest(&permit2_domain(chain_id)))
    }

    /// Writes the `permit2Authorization` object as the reference client does: `from`,
    /// `permitted {token, amount}`, `spender`, `nonce`, `deadline`, `witness {to[, facilitator],
    /// validAfter}`; addresses EIP-55, numbers as decimal strings.
    pub fn write_json(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        let p = &self.permit;
        let mut obj = ObjectWriter::begin(w)?;
        obj.field_with("from", |w| write_address(w, &self.from))?;
        obj.field_with("permitted", |w| {
            let mut permitted = ObjectWriter::begin(w)?;
            permitted.field_with("token", |w| write_address(w, &p.permitted.token))?;
            permitted.field_with("amount", |w| write_amount(w, &p.permitted.amount))?;
            permitted.end()
        })?;
        obj.field_with("spender", |w| write_address(w, &p.spender))?;
        obj.field_with("nonce", |w| write_amount(w, &p.nonce))?;
        obj.field_with("deadline", |w| write_amount(w, &p.deadline))?;
        obj.field_with("witness", |w| {
            let mut witness = ObjectWriter::begin(w)?;
            witness.field_with("to", |w| write_address(w, &p.witness.to()))?;
            if let Some(facilitator) = p.witness.facilitator() {
                witness.field_with("facilitator", |w| write_address(w, &facilitator))?;
            }
            witness.field_with("validAfter", |w| write_amount(w, &p.witness.valid_after()))?;
            witness.end()
        })?;
        obj.end()
    }
}

/// Writes a scheme payload `{"signature":"0x…","permit2Authorization":{…}}` with the signature
/// in lowercase hex: what a client puts in `PaymentPayload.payload`.
pub fn write_payload(
    w: &mut Writer<'_>,
    signature: &[u8],
    authorization: &Permit2Authorization,
) -> Result<(), BufferTooSmall> {
    let mut obj = ObjectWriter::begin(w)?;
    obj.field_with("signature", |w| {
        w.push_byte(b'"')?;
        crate::hex::write_0x_lower(w, signature)?;
        w.push_byte(b'"')
    })?;
    obj.field_with("permit2Authorization", |w| authorization.write_json(w))?;
    obj.end()
}

fn write_address(w: &mut Writer<'_>, address: &Address) -> Result<(), BufferTooSmall> {
    let mut buf = [0u8; 42];
    write_string(w, address.to_checksum(&mut buf))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::writer::write_all;
    use crate::x402::scheme::exact_permit2::pay::sign_permit2_payload;

    const UPTO_REQ: &str = r#"{"scheme":"upto","network":"eip155:84532","amount":"50000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":300,"extra":{"facilitatorAddress":"0x000000000000000000000000000000000000dEaD"}}"#;
    const EXACT_REQ: &str = r#"{"scheme":"exact","network":"eip155:84532","amount":"50000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":300,"extra":{"assetTransferMethod":"permit2"}}"#;

    /// `payload` of `@x402/evm` 2.27.0 `UptoEvmScheme` / `ExactEvmScheme` (permit2)
    /// `createPaymentPayload` for key 0x11…11 at `Date.now() = 1740672000250` with the nonce RNG
    /// returning 31 zero bytes and 0x07.
    const UPTO_REFERENCE: &str = r#"{"signature":"0xa9349a5e9de22015052b9d50e810197fe77cd436b04e33ec7d1bad47ee0f027a1c341a697e57a67f39c4c0d4f033275e8910f4ca9a81671535c59db576e950791c","permit2Authorization":{"from":"0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A","permitted":{"token":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","amount":"50000"},"spender":"0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002","nonce":"7","deadline":"1740672300","witness":{"to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","facilitator":"0x000000000000000000000000000000000000dEaD","validAfter":"0"}}}"#;
    const EXACT_REFERENCE: &str = r#"{"signature":"0x61900d343a9cba3721591edaa84a6a1f7552f3eb71f0abadd07b9dd44bd8a7ac7d45772a0ff1f624f704c2bc7270ce515da87e5a8a0cbed8a269c558f867869e1b","permit2Authorization":{"from":"0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A","permitted":{"token":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","amount":"50000"},"spender":"0x402085c248EeA27D92E8b30b2C58ed07f9E20001","nonce":"7","deadline":"1740672300","witness":{"to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","validAfter":"0"}}}"#;

    fn signed(requirements: &str) -> ([u8; 1024], usize) {
        let requirements =
            PaymentRequirements::from_json_value(RawValue::parse(requirements.as_bytes()).unwrap())
                .unwrap();
        let key = PrivateKey::from_bytes(&[0x11; 32]).unwrap();
        let mut out = [0u8; 1024];
        let n = write_all(&mut out, |w| {
            sign_permit2_payload(w, &requirements, &key, U256::from_u64(7), 1_740_672_000)
                .map(|_| ())
        })
        .unwrap();
        (out, n)
    }

    #[test]
    fn signs_upto_payloads_byte_identical_to_the_reference_client() {
        let (out, n) = signed(UPTO_REQ);
        assert_eq!(core::str::from_utf8(&out[..n]).unwrap(), UPTO_REFERENCE);
    }

    #[test]
    fn signs_exact_payloads_byte_identical_to_the_reference_client() {
        let (out, n) = signed(EXACT_REQ);
        assert_eq!(core::str::from_utf8(&out[..n]).unwrap(), EXACT_REFERENCE);
    }

    #[test]
    fn upto_without_facilitator_address_cannot_be_signed() {
        let req = UPTO_REQ.replace("facilitatorAddress", "facilitator");
        let requirements =
            PaymentRequirements::from_json_value(RawValue::parse(req.as_bytes()).unwrap()).unwrap();
        let key = PrivateKey::from_bytes(&[0x11; 32]).unwrap();
        let mut out = [0u8; 1024];
        let err = write_all(&mut out, |w| {
            sign_permit2_payload(w, &requirements, &key, U256::ONE, 0).map(|_| ())
        })
        .unwrap_err();
        assert_eq!(err.code(), "missing_facilitator_address");
    }

    #[test]
    fn decodes_what_it_encodes() {
        let payload = ExactPermit2Payload::from_json_value(
            RawValue::parse(UPTO_REFERENCE.as_bytes()).unwrap(),
        )
        .unwrap();
        let mut out = [0u8; 1024];
        let n = write_all(&mut out, |w| payload.write_json(w)).unwrap();
        assert_eq!(&out[..n], UPTO_REFERENCE.as_bytes());
    }
}
