//! A sans-I/O L402 server: challenge minting, credential admission and stateless root keys.
//!
//! The host owns the HTTP framework, the clock, the randomness and the Lightning node; this
//! module makes every decision and writes every header value into caller buffers, as
//! `crate::ws402`'s meter and `crate::offers`'s ledger do for their protocols.
//!
//! # The flow (L402 protocol specification,
//! <https://github.com/lightninglabs/L402/blob/master/protocol-specification.md>; aperture,
//! <https://github.com/lightninglabs/aperture>: `auth/authenticator.go`, `mint/mint.go`)
//!
//! 1. A request arrives. [`L402Server::admit`] reads its `Authorization` values.
//!    - Admitted: serve it. [`Admitted`] carries the identifier (payment hash, token id), the
//!      root key id and the verified macaroon, whose caveats the host may read.
//!    - Refused: the [`Refusal`] carries the status (402 when no credential was sent; for a bad
//!      credential, 402 as aperture answers, or 401 as the later specification revision asks —
//!      [`BadCredentialStatus`]), a stable [`ErrorCode::code`] and a finer detail code. Answer
//!      it with a fresh challenge, step 2.
//! 2. The host asks its Lightning node for an invoice of [`ServerConfig::price_msat`] and calls
//!    [`L402Server::write_challenge`] with it, 32 random bytes (the token id) and `now`. The core
//!    checks the invoice against the token it binds (BOLT 11,
//!    <https://github.com/lightning/bolts/blob/master/11-payment-encoding.md>: payment hash,
//!    network, amount = price, not expired), mints the macaroon and writes the
//!    `WWW-Authenticate` values (`LSAT`, then `L402`, as aperture's `FreshChallengeHeader`). The
//!    host sends them with the returned status (402).
//!
//! # Memory
//!
//! Nothing is stored per token. The root key of a token is derived from the server secret and
//! the token's root key id ([`RootKeys`]); [`L402Server`] is a fixed-size value whose methods all
//! take `&self`, so 10,000 unpaid requests leave it exactly as it was. The preimage proves
//! payment (`sha256(preimage)` is the invoice's payment hash), so, unlike aperture, no invoice
//! state is needed to admit a request either.
//!
//! # Example
//!
//! ```
//! use pay402::bolt11::Network;
//! use pay402::l402::server::{L402Server, NoRevocation, Request, RootKeys, ServerConfig, Invoice};
//! use pay402::ErrorCode;
//!
//! // Fewsats' published invoice (fewsats-python README): 17 000 msat on mainnet, and its preimage.
//! let bolt11 = "lnbc170n1pnv7wrapp5perxlk25ywqwr05tpgzs0yyhswwg38jfmn9ec3qeqe92ujnpzyusdq024f5kgzgda6hxegcqzzsxqyz5vqsp54ceypjapjxntxrtnhkyfrds7m5u9stn8x6gkmf5dx6z56ksy6l3q9qxpqysgqnkxdtwqxhkvrav3d3wv83yxn45yrdywxu2mnyh4p7ecncuqsv4gn0xrfl6w57hd9lnc5eghdf536dqy5gf2uuly04nrtdjcwvezkt6cqtttnzj";
//! let payment_hash = pay402::hex::decode_array(b"0e466fd9542380e1be8b0a05079097839c889e49dccb9c4419064aae4a611139")?;
//! let preimage = "b184b87e7a4f802bf41cd26c82d9d883b9cf7bb86f8dcfc4f394634ff711f628";
//! let now = 1_724_856_505;
//!
//! let server = L402Server::new(ServerConfig::new("svc", 17_000, Network::Bitcoin), RootKeys::new(&[7; 32])?)?;
//!
//! // No credential: 402 and a fresh challenge.
//! let refusal = server.admit(&Request::new(&[], now), &NoRevocation, &mut [0; 1024]).unwrap_err();
//! assert_eq!((refusal.status, refusal.code()), (402, "payment_required"));
//! let mut out = [0u8; 2048];
//! let challenge = server.write_challenge(&Invoice { bolt11, payment_hash }, [1; 32], now, &mut out)?;
//! assert_eq!((challenge.status, challenge.header_name), (402, "WWW-Authenticate"));
//! assert!(challenge.values()[0].starts_with("LSAT macaroon=\""));
//! let l402 = challenge.values()[1];
//!
//! // The client pays and presents the macaroon with the preimage.
//! let macaroon = &l402["L402 macaroon=\"".len()..l402.find("\", invoice=").unwrap()];
//! let authorization = format!("L402 {macaroon}:{preimage}");
//! let mut scratch = [0u8; 1024];
//! let admitted = server.admit(&Request::new(&[&authorization], now), &NoRevocation, &mut scratch)?;
//! assert_eq!(admitted.identifier.token_id, [1; 32]);
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

mod error;
mod root_keys;

pub use error::L402ServerError;
pub use root_keys::{
    KeyGeneration, MAX_SECRET_LEN, MIN_SECRET_LEN, ROOT_KEY_LABEL, RootKeys, ServerSecret,
};

use super::credential::decode_token;
use super::{
    APERTURE_LOCATION, Identifier, L402Error, MAX_CREDENTIAL_MACAROONS, Satisfier, Scheme, Target,
    capabilities_caveat, mint_token, root_key_id, select_credential, services_caveat,
    valid_until_caveat, verify_token,
};
use crate::bolt11::{Bolt11Invoice, InvoiceCheckError, Network};
use crate::error::ErrorCode;
use crate::macaroon::Macaroon;

/// The longest macaroon the server mints, in bytes; [`L402Server::new`] refuses a configuration
/// whose caveats would not fit ([`L402ServerError::TokenTooLarge`]).
pub const MAX_TOKEN_LEN: usize = 1024;
/// The most caller constraints ([`ServerConfig::constraints`]) a token carries.
pub const MAX_CONSTRAINTS: usize = 8;
/// `402 Payment Required` (RFC 9110 §15.5.3).
pub const STATUS_PAYMENT_REQUIRED: u16 = 402;
/// `401 Unauthorized` (RFC 9110 §15.5.2).
pub const STATUS_UNAUTHORIZED: u16 = 401;
/// The response header that carries the challenges.
pub const CHALLENGE_HEADER: &str = "WWW-Authenticate";
/// The request header that carries the credential.
pub const CREDENTIAL_HEADER: &str = "Authorization";

/// Which challenges [`L402Server::write_challenge`] writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ChallengeForm {
    /// `LSAT macaroon="…", invoice="…"`, then the same with `L402`, as two `WWW-Authenticate`
    /// fields (aperture `FreshChallengeHeader`; the specification asks servers to send both).
    #[default]
    Aperture,
    /// Only `L402 macaroon="…", invoice="…"`.
    L402Only,
}

impl ChallengeForm {
    /// The schemes written, in order.
    pub const fn schemes(self) -> &'static [Scheme] {
        match self {
            Self::Aperture => &Scheme::APERTURE_ORDER,
            Self::L402Only => &[Scheme::L402],
        }
    }
}

/// The status of a request whose credential does not verify. A request without a credential
/// always gets 402.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum BadCredentialStatus {
    /// 402 with a fresh challenge, as aperture answers (`auth/authenticator.go`) and as the
    /// Python and JS servers of this repository answer today.
    #[default]
    PaymentRequired,
    /// 401 with a fresh challenge, as the later revision of the L402 specification asks.
    Unauthorized,
}

impl BadCredentialStatus {
    /// The HTTP status.
    pub const fn status(self) -> u16 {
        match self {
            Self::PaymentRequired => STATUS_PAYMENT_REQUIRED,
            Self::Unauthorized => STATUS_UNAUTHORIZED,
        }
    }
}

/// What the server sells and how it answers. Build it with [`ServerConfig::new`] and adjust the
/// fields; [`L402Server::new`] checks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerConfig<'c> {
    /// The service name: the `services=<name>:<tier>` caveat and the target of verification.
    pub service: &'c str,
    /// The service tier (aperture: base tier 0).
    pub tier: u8,
    /// The `<service>_capabilities` caveat (aperture always writes it, even empty).
    pub capabilities: &'c [&'c str],
    /// Further first-party caveats, written verbatim after the capabilities (aperture's
    /// `constraints`); at most [`MAX_CONSTRAINTS`]. Check them with [`Request::satisfiers`].
    pub constraints: &'c [&'c [u8]],
    /// The price of one token in msat; the provider's invoice must ask for exactly this.
    pub price_msat: u64,
    /// The Lightning network the invoices must be for.
    pub network: Network,
    /// Seconds a token stays valid after minting (`<service>_valid_until=now+lifetime`, aperture
    /// `NewTimeoutCaveat`); 0 writes no expiry caveat.
    pub token_lifetime: u64,
    /// The macaroon location (aperture: `lsat`).
    pub location: &'c str,
    /// Which challenges to write.
    pub challenge_form: ChallengeForm,
    /// The status for a credential that does not verify.
    pub bad_credential_status: BadCredentialStatus,
}

impl<'c> ServerConfig<'c> {
    /// A configuration with aperture's defaults: tier 0, empty capabilities, no constraints,
    /// tokens valid for 24 hours, location `lsat`, `LSAT` and `L402` challenges, 402 for a bad
    /// credential.
    pub const fn new(service: &'c str, price_msat: u64, network: Network) -> Self {
        Self {
            service,
            tier: 0,
            capabilities: &[],
            constraints: &[],
            price_msat,
            network,
            token_lifetime: 24 * 3600,
            location: APERTURE_LOCATION,
            challenge_form: ChallengeForm::Aperture,
            bad_credential_status: BadCredentialStatus::PaymentRequired,
        }
    }
}

/// The invoice the host obtained from its Lightning provider for one challenge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Invoice<'i> {
    /// The BOLT11 text.
    pub bolt11: &'i str,
    /// The payment hash the provider reported; it must be the invoice's own.
    pub payment_hash: [u8; 32],
}

/// A written challenge: send `status` with one `header_name` field per value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge<'o> {
    /// Always 402.
    pub status: u16,
    /// Always `WWW-Authenticate`.
    pub header_name: &'static str,
    values: heapless::Vec<&'o str, 2>,
    /// The minted token's identifier (its payment hash is the invoice's).
    pub identifier: Identifier,
    /// The token's `<service>_valid_until`, if the configuration sets a lifetime.
    pub valid_until: Option<u64>,
}

impl<'o> Challenge<'o> {
    /// The header values, one per `WWW-Authenticate` field, in the order to send them.
    pub fn values(&self) -> &[&'o str] {
        &self.values
    }
}

/// The revocation check run on every authentic token before it is admitted.
///
/// Closures `Fn(&[u8; 32]) -> bool` implement it. **Fail closed**: a store that cannot answer
/// (unreachable, timed out) must return `true`.
pub trait Revocation {
    /// Whether the token whose root key id (`sha256(identifier)`) is `root_key_id` is revoked.
    fn is_revoked(&self, root_key_id: &[u8; 32]) -> bool;
}

impl<F: Fn(&[u8; 32]) -> bool> Revocation for F {
    fn is_revoked(&self, root_key_id: &[u8; 32]) -> bool {
        self(root_key_id)
    }
}

/// No revocation list: every authentic token is admitted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoRevocation;

impl Revocation for NoRevocation {
    fn is_revoked(&self, _: &[u8; 32]) -> bool {
        false
    }
}

/// One request to admit.
#[derive(Clone, Copy)]
pub struct Request<'r> {
    /// Every `Authorization` field value of the request (other schemes are skipped).
    pub authorization: &'r [&'r str],
    /// The capability the request needs, if the server enforces `<service>_capabilities`
    /// (aperture does not).
    pub capability: Option<&'r str>,
    /// Now, in Unix seconds.
    pub now: u64,
    /// Satisfiers for the [`ServerConfig::constraints`], run after the built-in ones.
    pub satisfiers: &'r [&'r dyn Satisfier],
}

impl<'r> Request<'r> {
    /// A request with no capability and no extra satisfiers.
    pub const fn new(authorization: &'r [&'r str], now: u64) -> Self {
        Self {
            authorization,
            capability: None,
            now,
            satisfiers: &[],
        }
    }
}

impl core::fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Request")
            .field("authorization", &self.authorization)
            .field("capability", &self.capability)
            .field("now", &self.now)
            .field("satisfiers", &self.satisfiers.len())
            .finish()
    }
}

/// An admitted request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Admitted<'s> {
    /// The token's identifier: its payment hash (paid, as the preimage proves) and token id.
    pub identifier: Identifier,
    /// `sha256(identifier)`, the key of a revocation list.
    pub root_key_id: [u8; 32],
    /// Which secret verified the token.
    pub key_generation: KeyGeneration,
    /// The scheme of the credential (`L402` or `LSAT`).
    pub scheme: Scheme,
    /// The verified root macaroon, decoded in the caller's scratch: its caveats are the host's to
    /// read.
    pub macaroon: Macaroon<'s>,
}

/// A refused request: answer `status` with a fresh challenge ([`L402Server::write_challenge`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// 402, or 401 for a bad credential under [`BadCredentialStatus::Unauthorized`].
    pub status: u16,
    /// Why.
    pub error: L402ServerError,
}

impl Refusal {
    /// The stable code of [`Refusal::error`].
    pub fn code(&self) -> &'static str {
        self.error.code()
    }
}

impl core::fmt::Display for Refusal {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} ({})", self.error, self.status)
    }
}

impl core::error::Error for Refusal {}

impl ErrorCode for Refusal {
    fn code(&self) -> &'static str {
        self.error.code()
    }

    fn detail_code(&self) -> Option<&'static str> {
        self.error.detail_code()
    }
}

/// The L402 server: a checked configuration and the root keys. Fixed-size; every method takes
/// `&self`, so it holds no per-token or per-request state.
#[derive(Debug)]
pub struct L402Server<'c> {
    config: ServerConfig<'c>,
    keys: RootKeys,
}

impl<'c> L402Server<'c> {
    /// Checks the configuration: a service name fit for the `services` caveat, capabilities fit
    /// for theirs, a non-zero price, at most [`MAX_CONSTRAINTS`] constraints, and caveats that
    /// fit a token of [`MAX_TOKEN_LEN`] bytes even with the largest expiry time.
    pub fn new(config: ServerConfig<'c>, keys: RootKeys) -> Result<Self, L402ServerError> {
        let printable = |s: &str| s.bytes().all(|b| (0x21..0x7f).contains(&b));
        if config.service.is_empty()
            || !printable(config.service)
            || config.service.contains([',', ':', '='])
        {
            return Err(L402ServerError::ServiceName);
        }
        if config
            .capabilities
            .iter()
            .any(|c| c.is_empty() || !printable(c) || c.contains(','))
        {
            return Err(L402ServerError::Capability);
        }
        if config.price_msat == 0 {
            return Err(L402ServerError::ZeroPrice);
        }
        if config.constraints.len() > MAX_CONSTRAINTS {
            return Err(L402ServerError::TokenTooLarge);
        }
        let server = Self { config, keys };
        // The longest token this configuration mints: the largest expiry time.
        let probe = Identifier::new([0; 32], [0; 32]);
        let mut token = [0u8; MAX_TOKEN_LEN];
        server
            .mint(&probe, Some(u64::MAX), &mut token)
            .map_err(|_| L402ServerError::TokenTooLarge)?;
        Ok(server)
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig<'c> {
        &self.config
    }

    /// Checks the provider's invoice, mints a token for it and writes the challenges into `out`
    /// (`LSAT macaroon="<std base64>", invoice="<bolt11>"` then the `L402` one, by default).
    ///
    /// - `token_id`: 32 random bytes from the host (aperture draws them the same way); they
    ///   make the token's root key id, and so its root key, unique.
    /// - The invoice must decode, carry the reported payment hash, be for the configured
    ///   network, ask for exactly the price (an invoice without an amount is refused: the client
    ///   could pay anything) and not be expired at `now`.
    ///
    /// Nothing is stored. On error nothing is left in `out`.
    pub fn write_challenge<'o>(
        &self,
        invoice: &Invoice<'_>,
        token_id: [u8; 32],
        now: u64,
        out: &'o mut [u8],
    ) -> Result<Challenge<'o>, L402ServerError> {
        self.check_invoice(invoice, now)?;
        let identifier = Identifier::new(invoice.payment_hash, token_id);
        let valid_until = (self.config.token_lifetime > 0)
            .then(|| now.saturating_add(self.config.token_lifetime));
        let mut token_buf = [0u8; MAX_TOKEN_LEN];
        let token = self.mint(&identifier, valid_until, &mut token_buf)?;

        let schemes = self.config.challenge_form.schemes();
        let mut ends = [0usize; 2];
        crate::writer::write_all(out, |w| {
            for (scheme, end) in schemes.iter().zip(ends.iter_mut()) {
                super::write_challenge(w, *scheme, token, invoice.bolt11)?;
                *end = w.len();
            }
            Ok::<(), L402Error>(())
        })
        .map_err(|e| match e {
            L402Error::BufferTooSmall => L402ServerError::BufferTooSmall,
            other => L402ServerError::Credential(other),
        })?;

        let out: &'o [u8] = out;
        let mut values = heapless::Vec::new();
        let mut start = 0;
        for end in ends.iter().take(schemes.len()) {
            let value = out
                .get(start..*end)
                .and_then(|v| core::str::from_utf8(v).ok())
                .ok_or(L402ServerError::BufferTooSmall)?;
            values
                .push(value)
                .map_err(|_| L402ServerError::BufferTooSmall)?;
            start = *end;
        }
        Ok(Challenge {
            status: STATUS_PAYMENT_REQUIRED,
            header_name: CHALLENGE_HEADER,
            values,
            identifier,
            valid_until,
        })
    }

    /// Admits a request or refuses it, in this order:
    ///
    /// 1. the credential among the `Authorization` values ([`select_credential`]); none →
    ///    `payment_required` (402);
    /// 2. its macaroons, decoded into `scratch` (the length of the credential's macaroon text
    ///    suffices; too small is a refusal with `buffer_too_small`);
    /// 3. aperture's verification ([`verify_token`]): identifier version, preimage against the
    ///    payment hash, the HMAC chain under the root key derived from the current secret (then
    ///    from the previous one, during a rotation), the service, capability and expiry caveats
    ///    with `now`, then [`Request::satisfiers`];
    /// 4. the revocation check, for authentic tokens only → `token_revoked`.
    ///
    /// Every refusal after step 1 has the status of [`ServerConfig::bad_credential_status`].
    pub fn admit<'s>(
        &self,
        request: &Request<'_>,
        revocation: &impl Revocation,
        scratch: &'s mut [u8],
    ) -> Result<Admitted<'s>, Refusal> {
        let bad = |error: L402ServerError| Refusal {
            status: self.config.bad_credential_status.status(),
            error,
        };
        let credential = select_credential(request.authorization).map_err(|e| match e {
            L402Error::InvalidCredential(super::CredentialFault::NoCredential) => Refusal {
                status: STATUS_PAYMENT_REQUIRED,
                error: L402ServerError::PaymentRequired,
            },
            other => bad(L402ServerError::Credential(other)),
        })?;

        let mut macaroons: heapless::Vec<Macaroon<'s>, MAX_CREDENTIAL_MACAROONS> =
            heapless::Vec::new();
        let mut rest = scratch;
        for token in credential.macaroons() {
            let need = crate::base64::decoded_len_max(token.len());
            let (head, tail) = rest
                .split_at_mut_checked(need)
                .ok_or(bad(L402ServerError::Credential(L402Error::BufferTooSmall)))?;
            rest = tail;
            let mac = decode_token(token, head).map_err(|e| bad(L402ServerError::Credential(e)))?;
            macaroons.push(mac).map_err(|_| {
                bad(L402ServerError::Credential(
                    super::CredentialFault::TooManyMacaroons.into(),
                ))
            })?;
        }
        let (root, discharges) =
            macaroons
                .split_first()
                .ok_or(bad(L402ServerError::Credential(
                    super::CredentialFault::EmptyMacaroon.into(),
                )))?;

        let target = Target {
            service: self.config.service,
            capability: request.capability,
            now: request.now,
        };
        let verify_with = |generation: KeyGeneration| {
            let store = |id: &[u8; 32]| self.keys.root_key_of(generation, id).map(|k| *k);
            verify_token(
                root,
                discharges,
                &credential.preimage,
                &store,
                &target,
                request.satisfiers,
            )
        };
        let (identifier, key_generation) = match verify_with(KeyGeneration::Current) {
            Ok(id) => (id, KeyGeneration::Current),
            Err(L402Error::SignatureMismatch) => match verify_with(KeyGeneration::Previous) {
                Ok(id) => (id, KeyGeneration::Previous),
                // No previous secret, or it does not verify either: the signature is wrong.
                Err(L402Error::UnknownRootKey | L402Error::SignatureMismatch) => {
                    return Err(bad(L402ServerError::Credential(
                        L402Error::SignatureMismatch,
                    )));
                }
                Err(e) => return Err(bad(L402ServerError::Credential(e))),
            },
            Err(e) => return Err(bad(L402ServerError::Credential(e))),
        };

        let root_key_id = root_key_id(root.id());
        if revocation.is_revoked(&root_key_id) {
            return Err(bad(L402ServerError::Revoked));
        }
        Ok(Admitted {
            identifier,
            root_key_id,
            key_generation,
            scheme: credential.scheme,
            macaroon: *root,
        })
    }

    fn check_invoice(&self, invoice: &Invoice<'_>, now: u64) -> Result<(), L402ServerError> {
        let decoded = Bolt11Invoice::decode(invoice.bolt11).map_err(L402ServerError::Invoice)?;
        let check = |e: InvoiceCheckError| L402ServerError::InvoiceCheck(e);
        if *decoded.payment_hash() != invoice.payment_hash {
            return Err(check(InvoiceCheckError::PaymentHashMismatch));
        }
        if decoded.network() != self.config.network {
            return Err(check(InvoiceCheckError::NetworkMismatch {
                found: decoded.network(),
            }));
        }
        let invoice_msat = decoded
            .amount_msat()
            .ok_or(check(InvoiceCheckError::AmountMissing))?;
        if invoice_msat != self.config.price_msat {
            return Err(L402ServerError::InvoiceAmountMismatch {
                invoice_msat,
                price_msat: self.config.price_msat,
            });
        }
        if decoded.is_expired(now) {
            return Err(check(InvoiceCheckError::Expired {
                expired_at: decoded.expires_at(),
            }));
        }
        Ok(())
    }

    /// Mints the token of `identifier` into `buf`: services, capabilities, constraints, then the
    /// expiry (aperture `caveatsForServices` order).
    fn mint<'b>(
        &self,
        identifier: &Identifier,
        valid_until: Option<u64>,
        buf: &'b mut [u8],
    ) -> Result<&'b [u8], L402ServerError> {
        let too_large = |_| L402ServerError::TokenTooLarge;
        let c = &self.config;
        let mut caveat_buf = [0u8; MAX_TOKEN_LEN];
        let mut caveats: heapless::Vec<&[u8], { MAX_CONSTRAINTS + 3 }> = heapless::Vec::new();

        let n = services_caveat(&mut caveat_buf, &[(c.service, c.tier)])
            .map_err(too_large)?
            .len();
        let (services, rest) = caveat_buf
            .split_at_mut_checked(n)
            .ok_or(L402ServerError::TokenTooLarge)?;
        let n = capabilities_caveat(rest, c.service, c.capabilities)
            .map_err(too_large)?
            .len();
        let (capabilities, rest) = rest
            .split_at_mut_checked(n)
            .ok_or(L402ServerError::TokenTooLarge)?;
        push(&mut caveats, &*services)?;
        push(&mut caveats, &*capabilities)?;
        for constraint in c.constraints {
            push(&mut caveats, constraint)?;
        }
        if let Some(until) = valid_until {
            let until = valid_until_caveat(rest, c.service, until).map_err(too_large)?;
            push(&mut caveats, until)?;
        }
        let root_key = self.keys.root_key(identifier);
        mint_token(buf, &*root_key, identifier, c.location, &caveats).map_err(too_large)
    }
}

/// Adds one caveat to the token being minted (a function rather than a closure: a closure
/// cannot name the caveats' lifetime on the MSRV, Rust 1.88).
fn push<'a, const N: usize>(
    caveats: &mut heapless::Vec<&'a [u8], N>,
    caveat: &'a [u8],
) -> Result<(), L402ServerError> {
    caveats
        .push(caveat)
        .map_err(|_| L402ServerError::TokenTooLarge)
}
