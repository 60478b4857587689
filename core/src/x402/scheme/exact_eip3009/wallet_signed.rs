//! A payment signed by an external wallet and **not** checked by recovering its signer: for
//! hosts that must not carry secp256k1 code (a browser page), where the server verifies the
//! signature anyway (the HTTP transports,
//! <https://github.com/coinbase/x402/blob/main/specs/transports-v2/http.md>).
//!
//! What is checked is what costs no curve arithmetic, by byte comparison with the secp256k1
//! constants ([`crate::secp256k1`]): a 65-byte `r ‖ s ‖ v` signature gets `v` 0/1 normalized to
//! 27/28 and is refused when `v` is anything else, when `s > n/2` (USDC's `ECRecover` reverts)
//! or when `r` or `s` is zero or not below `n`. Any other non-empty length (an EIP-1271
//! smart-wallet signature, an ERC-6492 wrapped one; x402 allows any length) is carried
//! verbatim: the server decides. [`SignedPayment`](super::signed::SignedPayment) stays the type
//! whose signature is proven to recover the payer.

use super::draft::{AddressCase, PaymentDraft, quoted, write_authorization};
use super::signed::{payment_header_name, write_envelope};
use crate::error::BufferTooSmall;
use crate::evm::SignatureError;
use crate::json::ObjectWriter;
use crate::secp256k1::{SECP256K1_HALF_N, SECP256K1_N};
use crate::writer::{Writer, write_all};
use crate::x402::client::ClientError;
use crate::x402::header;

/// The length of an externally owned account's `r ‖ s ‖ v` signature.
pub const EOA_SIGNATURE_LEN: usize = 65;

/// The signature a [`WalletSignedPayment`] carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Carried<'s> {
    /// 65 bytes, `v` 27/28, low `s`.
    Eoa([u8; EOA_SIGNATURE_LEN]),
    /// Any other length, as the wallet returned it.
    Verbatim(&'s [u8]),
}

/// A payment carrying a wallet's signature that was checked for form only (see the module
/// documentation); made by [`PaymentDraft::with_unverified_wallet_signature`].
#[derive(Debug, Clone, Copy)]
pub struct WalletSignedPayment<'a, 's> {
    draft: PaymentDraft<'a>,
    signature: Carried<'s>,
}

impl<'a> PaymentDraft<'a> {
    /// Accepts the signature an external wallet returned for
    /// [`PaymentDraft::write_typed_data`] **without recovering its signer** (no secp256k1
    /// arithmetic: the server verifies it).
    ///
    /// 65 bytes are `r ‖ s ‖ v`: `v ∈ {0, 1}` is normalized to 27/28; fails, in this order, on
    /// any other `v` (`signature_v`), on `r` or `s` zero or not below `n`
    /// (`signature_invalid`) and on `s > n/2` (`signature_high_s`). Any other length but zero is
    /// carried verbatim (smart wallets); an empty signature is `signature_length`.
    ///
    /// ```
    /// use pay402::evm::Address;
    /// use pay402::x402::client::PaymentDraft;
    /// use pay402::x402::PaymentRequired;
    ///
    /// let body = br#"{"x402Version":2,"resource":{"url":"https://api.example.com/data"},"accepts":[{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}]}"#;
    /// let required = PaymentRequired::from_json(body)?;
    /// let payer = Address::parse(b"0x857b06519E91e3A54538791bDbb0E22373e36b66")?;
    /// let draft = PaymentDraft::new(&required, 0, payer, 1_740_672_089, &[7; 32])?;
    ///
    /// let mut signature = [0x11u8; 65];
    /// signature[64] = 1; // some hardware wallets answer v = 0/1
    /// let signed = draft.with_unverified_wallet_signature(&signature)?;
    /// assert_eq!(signed.signature().last(), Some(&28));
    ///
    /// let mut high_s = signature;
    /// high_s[32] = 0xff; // s > n/2
    /// let refused = draft.with_unverified_wallet_signature(&high_s).unwrap_err();
    /// assert_eq!(pay402::ErrorCode::code(&refused), "signature_high_s");
    ///
    /// let (mut scratch, mut out) = ([0u8; 2048], [0u8; 4096]);
    /// let header = signed.write_header(&mut scratch, &mut out)?;
    /// assert!(header.starts_with("eyJ4NDAyVmVyc2lvbiI6Mi")); // {"x402Version":2
    /// assert_eq!(signed.header_name(), "PAYMENT-SIGNATURE");
    /// # Ok::<(), Box<dyn core::error::Error>>(())
    /// ```
    pub fn with_unverified_wallet_signature<'s>(
        &self,
        signature: &'s [u8],
    ) -> Result<WalletSignedPayment<'a, 's>, ClientError> {
        let carried = match <[u8; EOA_SIGNATURE_LEN]>::try_from(signature) {
            Ok(bytes) => Carried::Eoa(eoa_form(bytes)?),
            Err(_) if signature.is_empty() => {
                return Err(SignatureError::Length { found: 0 }.into());
            }
            Err(_) => Carried::Verbatim(signature),
        };
        Ok(WalletSignedPayment {
            draft: *self,
            signature: carried,
        })
    }
}

/// `v` normalized to 27/28 and the form checks of the module documentation.
fn eoa_form(mut bytes: [u8; EOA_SIGNATURE_LEN]) -> Result<[u8; EOA_SIGNATURE_LEN], SignatureError> {
    let (rs, v) = bytes.split_at_mut(64);
    let v = v.first_mut().ok_or(SignatureError::Invalid)?;
    if *v <= 1 {
        *v = v.saturating_add(27);
    }
    if *v != 27 && *v != 28 {
        return Err(SignatureError::V { found: *v });
    }
    let (r, s) = rs.split_at(32);
    let scalar_ok = |x: &[u8]| x.iter().any(|&b| b != 0) && x < &SECP256K1_N[..];
    if !scalar_ok(r) || !scalar_ok(s) {
        return Err(SignatureError::Invalid);
    }
    if s > &SECP256K1_HALF_N[..] {
        return Err(SignatureError::HighS);
    }
    Ok(bytes)
}

impl<'a> WalletSignedPayment<'a, '_> {
    /// The payment before signing.
    pub fn draft(&self) -> &PaymentDraft<'a> {
        &self.draft
    }

    /// The signature as carried: 65 bytes with `v` 27/28, or the wallet's bytes verbatim.
    pub fn signature(&self) -> &[u8] {
        match &self.signature {
            Carried::Eoa(bytes) => bytes,
            Carried::Verbatim(bytes) => bytes,
        }
    }

    /// The request header that carries this payment: `X-PAYMENT` (v1) or `PAYMENT-SIGNATURE` (v2).
    pub fn header_name(&self) -> &'static str {
        payment_header_name(self.draft.version())
    }

    /// Writes the `PaymentPayload` JSON, as
    /// [`SignedPayment::write_json`](super::signed::SignedPayment::write_json) does.
    pub fn write_json(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        write_envelope(
            w,
            self.draft.requirements(),
            self.draft.resource(),
            self.draft.extensions(),
            |w| {
                let mut p = ObjectWriter::begin(w)?;
                p.field_with("signature", |w| {
                    quoted(w, |w| crate::hex::write_0x_lower(w, self.signature()))
                })?;
                p.field_with("authorization", |w| {
                    write_authorization(w, self.draft.authorization(), AddressCase::Checksummed)
                })?;
                p.end()
            },
        )
    }

    /// Writes the header value, `base64(JSON)` standard and padded, into `out` and returns it;
    /// `scratch` receives the JSON on the way.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;
    use crate::evm::{Address, PrivateKey};
    use crate::x402::PaymentRequired;

    const BODY: &[u8] = br#"{"x402Version":2,"resource":{"url":"https://api.example.com/data"},"accepts":[{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}]}"#;

    fn code(sig: &[u8]) -> &'static str {
        let required = PaymentRequired::from_json(BODY).unwrap();
        let draft = PaymentDraft::new(&required, 0, Address([9; 20]), 1_000_000, &[1; 32]).unwrap();
        draft
            .with_unverified_wallet_signature(sig)
            .err()
            .map_or("ok", |e| e.code())
    }

    fn sig(r: u8, s: [u8; 32], v: u8) -> [u8; 65] {
        let mut b = [r; 65];
        b[32..64].copy_from_slice(&s);
        b[64] = v;
        b
    }

    #[test]
    fn the_header_equals_the_recovering_path_for_a_key_signature() {
        let required = PaymentRequired::from_json(BODY).unwrap();
        let key = PrivateKey::from_bytes(&[0x11; 32]).unwrap();
        let draft =
            PaymentDraft::new(&required, 0, key.address(), 1_740_672_089, &[7; 32]).unwrap();
        let signed = draft.sign(&key).unwrap();
        let mut with_v01 = signed.signature();
        with_v01[64] -= 27;
        let unverified = draft.with_unverified_wallet_signature(&with_v01).unwrap();
        assert_eq!(unverified.signature(), &signed.signature()[..]);
        let (mut s1, mut o1, mut s2, mut o2) = ([0u8; 2048], [0u8; 4096], [0u8; 2048], [0u8; 4096]);
        assert_eq!(
            signed.write_header(&mut s1, &mut o1).unwrap(),
            unverified.write_header(&mut s2, &mut o2).unwrap()
        );
        assert_eq!(unverified.header_name(), signed.header_name());
    }

    #[test]
    fn v_is_normalized_and_other_v_refused() {
        let low = [0x22; 32];
        assert_eq!(code(&sig(1, low, 0)), "ok");
        assert_eq!(code(&sig(1, low, 28)), "ok");
        assert_eq!(code(&sig(1, low, 2)), "signature_v");
        assert_eq!(code(&sig(1, low, 26)), "signature_v");
        assert_eq!(code(&sig(1, low, 29)), "signature_v");
    }

    #[test]
    fn s_above_half_n_and_scalars_out_of_range_are_refused_by_bytes() {
        assert_eq!(code(&sig(1, SECP256K1_HALF_N, 27)), "ok");
        let mut above = SECP256K1_HALF_N;
        above[31] += 1;
        assert_eq!(code(&sig(1, above, 27)), "signature_high_s");
        assert_eq!(code(&sig(1, [0; 32], 27)), "signature_invalid");
        assert_eq!(code(&sig(0, [0x22; 32], 27)), "signature_invalid");
        let mut r_is_n = sig(1, [0x22; 32], 27);
        r_is_n[..32].copy_from_slice(&SECP256K1_N);
        assert_eq!(code(&r_is_n), "signature_invalid");
    }

    #[test]
    fn other_lengths_pass_verbatim_and_empty_is_refused() {
        let required = PaymentRequired::from_json(BODY).unwrap();
        let draft = PaymentDraft::new(&required, 0, Address([9; 20]), 1_000_000, &[1; 32]).unwrap();
        let smart = [0xab; 200];
        let signed = draft.with_unverified_wallet_signature(&smart).unwrap();
        assert_eq!(signed.signature(), &smart[..]);
        let mut buf = [0u8; 4096];
        let n = write_all(&mut buf, |w| signed.write_json(w)).unwrap();
        let json = core::str::from_utf8(&buf[..n]).unwrap();
        assert!(json.contains(&"ab".repeat(200)));
        assert_eq!(code(&[0xab; 64]), "ok");
        assert_eq!(code(&[]), "signature_length");
    }
}
