//! L402 (and its old name LSAT): parse challenges, check a challenge before paying, build the
//! credential after paying (the client); parse credentials, mint and verify tokens (the server).

use crate::Pay402Error;
use crate::bolt11::{Bolt11Info, LightningNetwork};
use crate::convert::{array, std_base64, utf8};
use pay402::base64::{Base64Policy, decode_into};
use pay402::l402::{
    ClientPolicy, Credential, Identifier, PREIMAGE_LEN, Scheme, Target, challenges,
    check_challenge, mint_token, payment_hash_of, select_credential, verify_credential,
    write_authorization, write_challenge,
};
use pay402::writer::Writer;

/// The authentication scheme name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum L402Scheme {
    /// `L402`.
    L402,
    /// `LSAT`, the old name aperture still sends first.
    Lsat,
}

impl From<Scheme> for L402Scheme {
    fn from(scheme: Scheme) -> Self {
        match scheme {
            Scheme::L402 => Self::L402,
            Scheme::Lsat => Self::Lsat,
        }
    }
}

impl From<L402Scheme> for Scheme {
    fn from(scheme: L402Scheme) -> Self {
        match scheme {
            L402Scheme::L402 => Self::L402,
            L402Scheme::Lsat => Self::Lsat,
        }
    }
}

/// One L402 challenge of a `WWW-Authenticate` header.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct L402Challenge {
    /// `L402` or `LSAT`.
    pub scheme: L402Scheme,
    /// The macaroon, base64 as sent.
    pub macaroon: String,
    /// The BOLT11 invoice.
    pub invoice: String,
}

/// The L402/LSAT challenges of one `WWW-Authenticate` value (possibly comma-folded), in order;
/// challenges of other schemes are skipped.
///
/// Errors: `L402` (`missing_macaroon`, `missing_invoice`, `auth_…` syntax codes).
#[uniffi::export]
pub fn l402_parse_challenges(header: String) -> Result<Vec<L402Challenge>, Pay402Error> {
    challenges(&header)
        .map(|item| {
            let c = item?;
            Ok(L402Challenge {
                scheme: c.scheme.into(),
                macaroon: c.macaroon.to_owned(),
                invoice: c.invoice.to_owned(),
            })
        })
        .collect()
}

/// The `WWW-Authenticate` values a server sends for a token (`macaroon`, binary) and its
/// invoice: aperture-compatible, `LSAT` first, then `L402`.
#[uniffi::export]
pub fn l402_encode_challenges(
    macaroon: Vec<u8>,
    invoice: String,
) -> Result<Vec<String>, Pay402Error> {
    Scheme::APERTURE_ORDER
        .iter()
        .map(|&scheme| {
            let mut buf = vec![0u8; 64 + 2 * macaroon.len() + invoice.len()];
            let mut w = Writer::new(&mut buf);
            write_challenge(&mut w, scheme, &macaroon, &invoice)?;
            Ok(utf8(w.written()))
        })
        .collect()
}

/// A challenge the client checked and may pay.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct L402PayableChallenge {
    /// The binary macaroon exactly as the server sent it.
    pub macaroon: Vec<u8>,
    /// The token's payment hash (32 bytes), equal to the invoice's.
    pub payment_hash: Vec<u8>,
    /// The token id (32 bytes).
    pub token_id: Vec<u8>,
    /// The decoded invoice to pay.
    pub invoice: Bolt11Info,
}

/// Checks a challenge before paying (as aperture's client): the macaroon decodes, its identifier's
/// payment hash is the invoice's, the invoice is on `network`, has an amount within
/// `budget_msat` and has not expired at `now`.
///
/// Errors: `L402` (invoice checks, macaroon and identifier failures).
#[uniffi::export]
pub fn l402_check_challenge(
    challenge: L402Challenge,
    network: LightningNetwork,
    budget_msat: u64,
    now: u64,
) -> Result<L402PayableChallenge, Pay402Error> {
    let core = pay402::l402::L402Challenge {
        scheme: challenge.scheme.into(),
        macaroon: &challenge.macaroon,
        invoice: &challenge.invoice,
        version: None,
    };
    let policy = ClientPolicy {
        network: network.into(),
        budget_msat,
    };
    let mut scratch = vec![0u8; challenge.macaroon.len()];
    let payable = check_challenge(&core, &policy, now, &mut scratch)?;
    Ok(L402PayableChallenge {
        macaroon: payable.macaroon_bytes.to_vec(),
        payment_hash: payable.identifier.payment_hash.to_vec(),
        token_id: payable.identifier.token_id.to_vec(),
        invoice: Bolt11Info::of(&payable.invoice)?,
    })
}

/// After paying: the `Authorization` value `L402 <base64 macaroon>:<hex preimage>` for a
/// checked challenge. The preimage must hash to the token's payment hash.
///
/// Errors: `L402` with `invalid_preimage`; `InvalidArgument` for a preimage that is not 32
/// bytes.
#[uniffi::export]
pub fn l402_authorization(
    payable: L402PayableChallenge,
    preimage: Vec<u8>,
    scheme: L402Scheme,
) -> Result<String, Pay402Error> {
    let preimage = array::<PREIMAGE_LEN>(&preimage, "preimage")?;
    if payment_hash_of(&preimage).as_slice() != payable.payment_hash.as_slice() {
        return Err(pay402::l402::L402Error::InvalidPreimage.into());
    }
    let mut buf = vec![0u8; payable.macaroon.len() * 4 / 3 + 2 * PREIMAGE_LEN + 16];
    let mut w = Writer::new(&mut buf);
    write_authorization(&mut w, scheme.into(), &payable.macaroon, &preimage)?;
    Ok(utf8(w.written()))
}

/// A parsed `Authorization: L402 …` credential.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct L402Credential {
    /// `L402` or `LSAT`.
    pub scheme: L402Scheme,
    /// The binary macaroons (each decoded and checked).
    pub macaroons: Vec<Vec<u8>>,
    /// The 32-byte preimage.
    pub preimage: Vec<u8>,
}

/// Parses an `Authorization` value.
///
/// Errors: `L402` with `invalid_credential`; `Macaroon` for a macaroon that does not decode.
#[uniffi::export]
pub fn l402_parse_authorization(header: String) -> Result<L402Credential, Pay402Error> {
    let cred = Credential::parse(&header)?;
    let mut macaroons = Vec::new();
    for i in 0..cred.macaroon_count() {
        let mut scratch = vec![0u8; header.len()];
        cred.decode_macaroon(i, &mut scratch)?;
        let token = cred.macaroons().nth(i).unwrap_or_default();
        let mut raw = vec![0u8; token.len()];
        let raw = decode_into(token.as_bytes(), &Base64Policy::ANY, &mut raw)
            .map_err(|e| Pay402Error::argument_from("macaroon", &e))?;
        macaroons.push(raw.to_vec());
    }
    Ok(L402Credential {
        scheme: cred.scheme.into(),
        macaroons,
        preimage: cred.preimage.to_vec(),
    })
}

/// What the server's credential verification found.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct L402Identity {
    /// The payment hash (32 bytes).
    pub payment_hash: Vec<u8>,
    /// The token id (32 bytes).
    pub token_id: Vec<u8>,
}

/// Verifies the request's `Authorization` values (the first L402/LSAT one is used) with the
/// 32-byte `root_key` at `now` for `service` (and `capability`, when the route has one).
///
/// Errors: `L402` with `invalid_credential`, `unknown_identifier_version`,
/// `invalid_preimage`, `signature_mismatch`, `service_not_allowed`, `capability_not_allowed`,
/// `token_expired`, `caveat_widened`.
#[uniffi::export]
pub fn l402_verify(
    authorization: Vec<String>,
    root_key: Vec<u8>,
    service: String,
    capability: Option<String>,
    now: u64,
) -> Result<L402Identity, Pay402Error> {
    let headers: Vec<&str> = authorization.iter().map(String::as_str).collect();
    let root_key = array::<32>(&root_key, "root_key")?;
    let cred = select_credential(&headers)?;
    let keys = |_: &[u8; 32]| Some(root_key);
    let mut scratch = vec![0u8; headers.iter().map(|h| h.len()).sum::<usize>()];
    let id = verify_credential(
        &cred,
        &mut scratch,
        &keys,
        &Target {
            service: &service,
            capability: capability.as_deref(),
            now,
        },
        &[],
    )?;
    Ok(L402Identity {
        payment_hash: id.payment_hash.to_vec(),
        token_id: id.token_id.to_vec(),
    })
}

/// A minted L402 token.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct L402Token {
    /// The binary macaroon.
    pub macaroon: Vec<u8>,
    /// The macaroon in standard base64 with padding.
    pub base64: String,
    /// Its 32-byte signature.
    pub signature: Vec<u8>,
}

/// Mints an L402 macaroon (aperture's identifier v0: payment hash, token id) under
/// `root_key`, at `location` (aperture's `lsat` by default) with first-party `caveats`.
#[uniffi::export(default(location = None))]
pub fn l402_mint(
    root_key: Vec<u8>,
    payment_hash: Vec<u8>,
    token_id: Vec<u8>,
    caveats: Vec<String>,
    location: Option<String>,
) -> Result<L402Token, Pay402Error> {
    let id = Identifier::new(
        array::<32>(&payment_hash, "payment_hash")?,
        array::<32>(&token_id, "token_id")?,
    );
    let location = location
        .as_deref()
        .unwrap_or(pay402::l402::APERTURE_LOCATION);
    let caveat_bytes: Vec<&[u8]> = caveats.iter().map(String::as_bytes).collect();
    let size = 128 + location.len() + caveats.iter().map(|c| c.len() + 8).sum::<usize>();
    let mut buf = vec![0u8; size];
    let bytes = mint_token(&mut buf, &root_key, &id, location, &caveat_bytes)?;
    let signature = bytes
        .get(bytes.len().saturating_sub(32)..)
        .unwrap_or_default()
        .to_vec();
    Ok(L402Token {
        macaroon: bytes.to_vec(),
        base64: std_base64(bytes),
        signature,
    })
}
