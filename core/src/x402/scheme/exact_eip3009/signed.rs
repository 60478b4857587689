//! A signed payment and its wire form: the `X-PAYMENT` (v1) or `PAYMENT-SIGNATURE` (v2) header
//! (the HTTP transports, <https://github.com/coinbase/x402/blob/main/specs/transports-v1/http.md>, <https://github.com/coinbase/x402/blob/main/specs/transports-v2/http.md>).

use super::draft::{AddressCase, PaymentDraft, quoted, write_authorization};
use crate::error::BufferTooSmall;
use crate::evm::{RecoverableSignature, SignatureError, SignaturePolicy};
use crate::json::{ObjectWriter, RawValue};
use crate::writer::{Writer, write_all};
use crate::x402::client::ClientError;
use crate::x402::payment_requirements::PaymentRequirements;
use crate::x402::resource_info::ResourceInfo;
use crate::x402::{X402Version, header};

/// A payment whose signature is proven to recover `authorization.from`: only
/// [`PaymentDraft::sign`] and [`PaymentDraft::with_wallet_signature`] make one, so a header
/// is never emitted for a signature that would fail verification.
#[derive(Debug, Clone, Copy)]
pub struct SignedPayment<'a> {
    draft: PaymentDraft<'a>,
    signature: RecoverableSignature,
}

impl<'a> PaymentDraft<'a> {
    /// Accepts the 65-byte `r ‖ s ‖ v` signature an external wallet returned for
    /// [`PaymentDraft::write_typed_data`] or [`PaymentDraft::digest`].
    ///
    /// `v ∈ {0, 1}` (some hardware wallets) is normalized to 27/28. Fails, in this order, on any
    /// other length (`signature_length`; 64-byte ERC-2098 included), any other `v`
    /// (`signature_v`), `s > n/2` (`signature_high_s`: USDC would revert), an invalid `r`/`s`
    /// (`signature_invalid`), and a signature that does not recover the payer
    /// (`signature_wrong_signer`).
    pub fn with_wallet_signature(
        &self,
        signature: &[u8],
    ) -> Result<SignedPayment<'a>, ClientError> {
        let mut bytes: [u8; 65] = signature.try_into().map_err(|_| SignatureError::Length {
            found: signature.len(),
        })?;
        if let Some(v) = bytes.last_mut()
            && *v <= 1
        {
            *v = v.saturating_add(27);
        }
        let parsed = RecoverableSignature::parse(&bytes, SignaturePolicy::Strict)?;
        let found = parsed.recover(&self.digest())?;
        if found != self.authorization().from {
            return Err(ClientError::WrongSigner {
                expected: self.authorization().from,
                found,
            });
        }
        Ok(SignedPayment::new(self, parsed))
    }

    /// As [`PaymentDraft::with_wallet_signature`], for the hex text a wallet's JSON-RPC answer
    /// carries (`0x` + 130 hex digits, any case). Malformed hex is `signature_length` when the
    /// digit count is wrong, else `signature_invalid`.
    pub fn with_wallet_signature_hex(&self, text: &[u8]) -> Result<SignedPayment<'a>, ClientError> {
        let digits = text.strip_prefix(b"0x").unwrap_or(text);
        let bytes: [u8; 65] = crate::hex::decode_array(digits).map_err(|_| {
            if digits.len() == 130 {
                SignatureError::Invalid
            } else {
                SignatureError::Length {
                    found: digits.len() / 2,
                }
            }
        })?;
        self.with_wallet_signature(&bytes)
    }
}

impl<'a> SignedPayment<'a> {
    pub(super) fn new(draft: &PaymentDraft<'a>, signature: RecoverableSignature) -> Self {
        Self {
            draft: *draft,
            signature,
        }
    }

    /// The payment before signing.
    pub fn draft(&self) -> &PaymentDraft<'a> {
        &self.draft
    }

    /// The signature, `r ‖ s ‖ v` with low `s` and `v` 27/28.
    pub fn signature(&self) -> [u8; 65] {
        self.signature.to_bytes()
    }

    /// The request header that carries this payment: `X-PAYMENT` (v1) or `PAYMENT-SIGNATURE` (v2).
    pub fn header_name(&self) -> &'static str {
        payment_header_name(self.draft.version())
    }

    /// Writes the `PaymentPayload` JSON, compact, in the spec's key order:
    ///
    /// - v1 `{"x402Version":1,"scheme","network","payload":{"signature","authorization":{"from","to","value","validAfter","validBefore","nonce"}}}`
    /// - v2 `{"x402Version":2,"resource","accepted","payload":{…},"extensions"}`: `resource`,
    ///   `accepted` (the chosen `accepts` entry) and `extensions` are the 402's, echoed verbatim
    ///   (minified); `extensions` only when the 402 had them.
    ///
    /// `from`/`to` EIP-55, signature and nonce lowercase `0x` hex, amounts and times decimal
    /// strings, strings escaped as `JSON.stringify` does.
    pub fn write_json(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        write_envelope(
            w,
            self.draft.requirements(),
            self.draft.resource(),
            self.draft.extensions(),
            |w| self.write_scheme_payload(w),
        )
    }

    /// `{"signature":…,"authorization":{…}}`.
    fn write_scheme_payload(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        let a = self.draft.authorization();
        let mut p = ObjectWriter::begin(w)?;
        p.field_with("signature", |w| {
            quoted(w, |w| {
                crate::hex::write_0x_lower(w, &self.signature.to_bytes())
            })
        })?;
        p.field_with("authorization", |w| {
            write_authorization(w, a, AddressCase::Checksummed)
        })?;
        p.end()
    }

    /// Writes the header value, `base64(JSON)` standard and padded, into `out` and
    /// returns it; `scratch` receives the JSON on the way. Neither buffer is left half-written
    /// on error. [`header::RECOMMENDED_BUFFER_LEN`] is ample for both.
    pub fn write_header<'o>(
        &self,
        scratch: &mut [u8],
        out: &'o mut [u8],
    ) -> Result<&'o str, ClientError> {
        let n = write_all(scratch, |w| self.write_json(w))?;
        let json = scratch.get(..n).ok_or(ClientError::BufferTooSmall)?;
        Ok(header::encode(json, out)?)
    }
}

/// The request header a payment of `version` is sent in: `X-PAYMENT` (v1) or
/// `PAYMENT-SIGNATURE` (v2), as the reference client retries.
///
/// ```
/// use pay402::x402::{client::payment_header_name, X402Version};
/// assert_eq!(payment_header_name(X402Version::V2), "PAYMENT-SIGNATURE");
/// ```
pub fn payment_header_name(version: X402Version) -> &'static str {
    match version {
        X402Version::V1 => header::X_PAYMENT,
        X402Version::V2 => header::PAYMENT_SIGNATURE,
    }
}

/// Writes a `PaymentPayload` around a scheme payload, in the spec's key order: v1
/// `{"x402Version":1,"scheme","network","payload"}`, v2
/// `{"x402Version":2,"resource","accepted","payload","extensions"}` with `resource`, `accepted`
/// and `extensions` echoed from the 402 (minified). Shared by every scheme the client pays.
pub(crate) fn write_envelope(
    w: &mut Writer<'_>,
    requirements: &PaymentRequirements<'_>,
    resource: Option<&ResourceInfo<'_>>,
    extensions: Option<&RawValue<'_>>,
    payload: impl FnOnce(&mut Writer<'_>) -> Result<(), BufferTooSmall>,
) -> Result<(), BufferTooSmall> {
    let mut o = ObjectWriter::begin(w)?;
    match requirements {
        PaymentRequirements::V1(r) => {
            o.field_u64("x402Version", 1)?;
            o.field_json_str("scheme", &r.scheme)?;
            o.field_json_str("network", &r.network)?;
        }
        PaymentRequirements::V2(r) => {
            o.field_u64("x402Version", 2)?;
            if let Some(resource) = resource {
                o.field_with("resource", |w| resource.write_echo(w))?;
            }
            o.field_with("accepted", |w| r.write_echo(w))?;
        }
    }
    o.field_with("payload", payload)?;
    if let Some(extensions) = extensions {
        o.field_raw("extensions", extensions)?;
    }
    o.end()
}
