//! The client side (as aperture's client, `l402/client_interceptor.go`): check the challenge's
//! invoice against its token before paying, then build the credential from the preimage.

use super::challenge::L402Challenge;
use super::credential::{PREIMAGE_LEN, write_authorization};
use super::identifier::{Identifier, payment_hash_of};
use super::{L402Error, Scheme};
use crate::base64::{Base64Error, Base64Policy, decode_into};
use crate::bolt11::{Bolt11Invoice, L402InvoiceExpectation, Network, check_l402_invoice};
use crate::macaroon::{Macaroon, MacaroonError, Malformed};
use crate::writer::Writer;
use subtle::ConstantTimeEq;

/// What the client accepts to pay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientPolicy {
    /// The network the client's node pays on.
    pub network: Network,
    /// The most the client pays for one token, in msat (aperture's client: 1000 sat).
    pub budget_msat: u64,
}

/// A challenge whose invoice the client has checked and may pay.
#[derive(Clone, Copy, Debug)]
pub struct PayableChallenge<'a, 's> {
    /// The binary macaroon exactly as the server sent it (decoded from base64).
    pub macaroon_bytes: &'s [u8],
    /// The macaroon view.
    pub macaroon: Macaroon<'s>,
    /// Its identifier.
    pub identifier: Identifier,
    /// The decoded invoice to pay.
    pub invoice: Bolt11Invoice<'a>,
}

/// Decodes the challenge's macaroon (into `scratch`; the macaroon text length suffices), its
/// identifier and its invoice, and runs aperture's client checks through
/// [`crate::bolt11::check_l402_invoice`]: invoice payment hash == identifier payment hash,
/// network, amount present and within budget, not expired at `now`.
pub fn check_challenge<'a, 's>(
    challenge: &L402Challenge<'a>,
    policy: &ClientPolicy,
    now: u64,
    scratch: &'s mut [u8],
) -> Result<PayableChallenge<'a, 's>, L402Error> {
    let macaroon_bytes: &'s [u8] =
        decode_into(challenge.macaroon.as_bytes(), &Base64Policy::ANY, scratch).map_err(|e| {
            if e == Base64Error::BufferTooSmall {
                L402Error::BufferTooSmall
            } else {
                L402Error::Macaroon(MacaroonError::Malformed(Malformed::Base64(e)))
            }
        })?;
    let macaroon = Macaroon::parse_binary(macaroon_bytes).map_err(L402Error::Macaroon)?;
    let identifier = Identifier::parse(macaroon.id())?;
    let invoice = Bolt11Invoice::decode(challenge.invoice).map_err(L402Error::Invoice)?;
    check_l402_invoice(
        &invoice,
        &L402InvoiceExpectation {
            payment_hash: identifier.payment_hash,
            network: policy.network,
            budget_msat: policy.budget_msat,
            now,
        },
    )
    .map_err(L402Error::InvoiceCheck)?;
    Ok(PayableChallenge {
        macaroon_bytes,
        macaroon,
        identifier,
        invoice,
    })
}

impl PayableChallenge<'_, '_> {
    /// After payment: checks `sha256(preimage) == payment_hash` ([`L402Error::InvalidPreimage`])
    /// and appends the credential `L402 <std base64 of the unmodified macaroon>:<hex
    /// preimage>` to `w` (use [`Scheme::Lsat`] for servers that only know the old name).
    pub fn write_authorization(
        &self,
        w: &mut Writer<'_>,
        scheme: Scheme,
        preimage: &[u8; PREIMAGE_LEN],
    ) -> Result<(), L402Error> {
        if !bool::from(payment_hash_of(preimage).ct_eq(&self.identifier.payment_hash)) {
            return Err(L402Error::InvalidPreimage);
        }
        write_authorization(w, scheme, self.macaroon_bytes, preimage)
    }
}
