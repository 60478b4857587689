//! Minting and attenuation into a caller buffer, in V2 binary (go-macaroon `crypto.go`,
//! libmacaroons `doc/format.txt`).
//!
//! [`V2Builder`] writes the header and caveat sections as it goes and keeps the running
//! signature; [`V2Builder::finish`] appends the terminating `EOS` and the signature. The output
//! is Go's form: empty location omitted, no vid for first-party caveats.

use super::crypto::{bind_for_request, derive_key, hash2, hmac_sha256};
use super::error::MacaroonError;
use super::third_party::seal_vid;
use super::{Caveat, Macaroon, NONCE_LEN, SIGNATURE_LEN, v2};
use crate::writer::Writer;
use zeroize::Zeroizing;

/// Builds one V2 macaroon in a caller buffer.
///
/// On error the buffer may hold a partial macaroon; drop the builder and do not use it.
/// The running signature is zeroized when the builder is dropped.
#[derive(Debug)]
pub struct V2Builder<'b> {
    w: Writer<'b>,
    signature: Zeroizing<[u8; SIGNATURE_LEN]>,
}

impl<'b> V2Builder<'b> {
    /// Starts a macaroon: `sig_0 = HMAC(derive(root_key), id)` (key derivation is not optional:
    /// go-macaroon, libmacaroons and pymacaroons all derive). The root key may have any length.
    ///
    /// A discharge macaroon is minted the same way with the third-party caveat's key as
    /// `root_key` and its caveat id as `id`.
    ///
    /// ```
    /// use pay402::macaroon::builder::V2Builder;
    /// let mut buf = [0u8; 128];
    /// let b = V2Builder::mint(&mut buf, b"this is our super secret key; only we should know it",
    ///                         b"we used our secret key", b"http://mybank/")?;
    /// let mut hex = [0u8; 64];
    /// // libmacaroons README
    /// assert_eq!(pay402::hex::encode_lower_into(&b.signature(), &mut hex).unwrap(),
    ///            "e3d9e02908526c4c0039ae15114115d97fdd68bf2ba379b342aaf0f617d0552f");
    /// # Ok::<(), pay402::macaroon::MacaroonError>(())
    /// ```
    pub fn mint(
        buf: &'b mut [u8],
        root_key: &[u8],
        id: &[u8],
        location: &[u8],
    ) -> Result<Self, MacaroonError> {
        let mut w = Writer::new(buf);
        v2::write_header(&mut w, location, id)?;
        let key = derive_key(root_key);
        let signature = Zeroizing::new(hmac_sha256(&*key, &[id]));
        Ok(Self { w, signature })
    }

    /// Re-encodes `mac` (any version) as V2 and continues its chain from its signature, so that
    /// caveats added next attenuate it.
    pub fn attenuate(buf: &'b mut [u8], mac: &Macaroon<'_>) -> Result<Self, MacaroonError> {
        let mut w = Writer::new(buf);
        v2::write_header(&mut w, mac.location(), mac.id())?;
        for caveat in mac.caveats() {
            v2::write_caveat(&mut w, &caveat)?;
        }
        Ok(Self {
            w,
            signature: Zeroizing::new(*mac.signature()),
        })
    }

    /// Appends a first-party caveat: `sig = HMAC(sig, condition)`. The bytes are signed as
    /// given, never trimmed (as aperture's `l402/caveat.go` encodes caveats).
    pub fn add_first_party(&mut self, condition: &[u8]) -> Result<(), MacaroonError> {
        v2::write_caveat(
            &mut self.w,
            &Caveat {
                id: condition,
                vid: &[],
                location: &[],
            },
        )?;
        *self.signature = hmac_sha256(&*self.signature, &[condition]);
        Ok(())
    }

    /// Appends a third-party caveat (go-macaroon `crypto.go`): `vid = nonce ‖
    /// secretbox(derive(caveat_key), nonce, key = sig)`, `sig = hash2(sig, vid, caveat_id)`.
    /// `nonce` must be 24 fresh random bytes from the caller; `location` is the third party's
    /// location hint (may be empty).
    pub fn add_third_party(
        &mut self,
        caveat_key: &[u8],
        caveat_id: &[u8],
        location: &[u8],
        nonce: &[u8; NONCE_LEN],
    ) -> Result<(), MacaroonError> {
        let vid = seal_vid(&self.signature, caveat_key, nonce)?;
        v2::write_caveat(
            &mut self.w,
            &Caveat {
                id: caveat_id,
                vid: &vid,
                location,
            },
        )?;
        *self.signature = hash2(&self.signature, &vid, caveat_id);
        Ok(())
    }

    /// The current signature.
    pub fn signature(&self) -> [u8; SIGNATURE_LEN] {
        *self.signature
    }

    /// Appends the trailer and returns the finished macaroon's bytes.
    pub fn finish(self) -> Result<&'b [u8], MacaroonError> {
        let signature = *self.signature;
        self.finish_with(&signature)
    }

    /// Finishes a discharge macaroon bound to the root macaroon it will be sent with:
    /// the signature written is `bind_for_request(root_signature, sig)` (go-macaroon `crypto.go`).
    pub fn finish_bound(
        self,
        root_signature: &[u8; SIGNATURE_LEN],
    ) -> Result<&'b [u8], MacaroonError> {
        let bound = bind_for_request(root_signature, &self.signature);
        self.finish_with(&bound)
    }

    fn finish_with(mut self, signature: &[u8; SIGNATURE_LEN]) -> Result<&'b [u8], MacaroonError> {
        v2::write_trailer(&mut self.w, signature)?;
        let Self { w, .. } = self;
        Ok(w.into_written())
    }
}
