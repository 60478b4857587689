//! The L402 resource server: [`L402Server`], [`L402ServerChallenge`], [`L402Admission`]
//! ([`L402Admitted`] or [`L402Refusal`]), and the [`L402Revocations`] a host may implement.
//!
//! Conversion only: the configuration from a record, bytes of fixed length, results to records,
//! [`HostError`] to [`Pay402Error::L402`]. The server and every decision it makes (the
//! challenge's headers, which credential is checked, the verdict, its status and code) is
//! `pay402_host::l402_server` over the core's `pay402::l402::server`. Root keys are derived from
//! the server secret and the token's root key id: nothing is stored per token or per unpaid
//! request.

use crate::Pay402Error;
use crate::client::HttpHeader;
use crate::convert::array;
use pay402_host::HostError;
use pay402_host::l402_server::{self as host, L402Config};
use std::sync::Arc;

/// A configuration error or a refused invoice, as the binding's `L402` error. The detail code,
/// when the core gives one, is named in the reason.
fn l402(e: HostError) -> Pay402Error {
    let reason = match e.detail_code {
        Some(detail) => format!("{} ({detail})", e.message),
        None => e.message,
    };
    Pay402Error::L402 {
        code: e.code.to_owned(),
        reason,
    }
}

/// What an L402 server sells and how it answers. The defaults are aperture's: tier 0, no
/// capabilities, 24 h tokens, location `lsat`, both `LSAT` and `L402` challenges, 402 for a
/// credential that does not verify.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct L402ServerConfig {
    /// The service name (`services=<name>:<tier>`).
    pub service: String,
    /// The price of one token, in millisatoshis.
    pub price_msat: u64,
    /// `bitcoin`, `testnet`, `signet` or `regtest`: the network invoices must be for.
    pub network: String,
    /// The tier.
    #[uniffi(default = 0)]
    pub tier: u8,
    /// The `<service>_capabilities` caveat.
    #[uniffi(default = [])]
    pub capabilities: Vec<String>,
    /// Seconds a token stays valid (0: no expiry caveat).
    #[uniffi(default = 86400)]
    pub token_lifetime: u64,
    /// The macaroon location.
    #[uniffi(default = "lsat")]
    pub location: String,
    /// `L402` challenges only (true), or `LSAT` and `L402` (false).
    #[uniffi(default = false)]
    pub l402_only: bool,
    /// Answer a credential that does not verify with 401 (true) instead of 402.
    #[uniffi(default = false)]
    pub unauthorized_for_bad_credentials: bool,
}

impl From<L402ServerConfig> for L402Config {
    fn from(c: L402ServerConfig) -> Self {
        Self {
            tier: c.tier,
            capabilities: c.capabilities,
            token_lifetime: c.token_lifetime,
            location: c.location,
            l402_only: c.l402_only,
            unauthorized_for_bad_credentials: c.unauthorized_for_bad_credentials,
            ..L402Config::new(&c.service, c.price_msat, &c.network)
        }
    }
}

/// A minted challenge: send `status` with `headers` (`WWW-Authenticate`, in order).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct L402ServerChallenge {
    /// 402.
    pub status: u16,
    /// The `WWW-Authenticate` headers, in the order to send them.
    pub headers: Vec<HttpHeader>,
    /// The minted token's identifier bytes.
    pub identifier: Vec<u8>,
    /// `sha256(identifier)`: the key of a revocation list.
    pub root_key_id: Vec<u8>,
    /// The token's expiry (unix seconds), when the configuration sets a lifetime.
    pub valid_until: Option<u64>,
}

/// An admitted credential.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct L402Admitted {
    /// The paid invoice's payment hash (32 bytes).
    pub payment_hash: Vec<u8>,
    /// The token id (32 bytes).
    pub token_id: Vec<u8>,
    /// `sha256(identifier)` (32 bytes).
    pub root_key_id: Vec<u8>,
    /// `L402` or `LSAT`.
    pub scheme: String,
    /// Whether the previous secret of a rotation verified the token (re-mint it soon).
    pub previous_secret: bool,
}

/// A refused request: answer `status` with a fresh challenge ([`L402Server::challenge`]).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct L402Refusal {
    /// 402, 401 for a bad credential when so configured, 500 for a server fault.
    pub status: u16,
    /// The stable code (`payment_required` without a credential, `invalid_preimage`,
    /// `token_revoked`, `signature_mismatch`, …).
    pub code: String,
    /// The precise cause underneath, when there is one.
    pub detail_code: Option<String>,
}

/// What [`L402Server::admit`] found.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum L402Admission {
    /// The credential verified: serve the request.
    Admitted {
        /// The admitted token.
        token: L402Admitted,
    },
    /// Refused: answer with the refusal's status and a fresh challenge.
    Refused {
        /// The refusal.
        refusal: L402Refusal,
    },
}

/// The host's revocation list, asked for every authentic token.
///
/// The question is put so that every failure refuses: the answer is whether the token is still
/// active (not revoked), so `false`, an exception, and a JVM `Error` that the generated glue cannot
/// catch (it returns the zero value, `false`) all count as revoked.
#[uniffi::export(with_foreign)]
pub trait L402Revocations: Send + Sync {
    /// Whether the token with `root_key_id` (32 bytes, [`L402ServerChallenge::root_key_id`])
    /// is still active: `true` admits it, `false` refuses it (`token_revoked`). Throwing (the
    /// list cannot be read) counts as revoked: fail closed.
    fn is_active(&self, root_key_id: Vec<u8>) -> Result<bool, Pay402Error>;
}

/// The L402 server of one service: mints challenges for the host's invoices and admits
/// credentials. Holds its configuration and secrets only. Thread-safe.
#[derive(Debug, uniffi::Object)]
pub struct L402Server {
    inner: host::L402Server,
}

#[uniffi::export]
impl L402Server {
    /// Checks `config` and `secret` (32 to 64 bytes; every root key is derived from it);
    /// `previous_secret` keeps verifying tokens minted before a rotation.
    ///
    /// Errors: `L402` with the core's codes (`invalid_service_name`, `invalid_capability`,
    /// `invalid_price`, `invalid_server_secret`, `token_too_large`, …) and `unknown_network`.
    #[uniffi::constructor(default(previous_secret = None))]
    pub fn new(
        config: L402ServerConfig,
        secret: Vec<u8>,
        previous_secret: Option<Vec<u8>>,
    ) -> Result<Self, Pay402Error> {
        let inner = host::L402Server::new(config.into(), &secret, previous_secret.as_deref())
            .map_err(l402)?;
        Ok(Self { inner })
    }

    /// The challenge for the host's invoice (`bolt11` and the 32-byte `payment_hash` its node
    /// reported; checked against each other, the price and the network) with a fresh random
    /// 32-byte `token_id`, at `now` (unix seconds).
    ///
    /// Errors: `InvalidArgument` for a wrong length; `L402` with the core's codes
    /// (`invoice_payment_hash_mismatch`, …).
    pub fn challenge(
        &self,
        bolt11: String,
        payment_hash: Vec<u8>,
        token_id: Vec<u8>,
        now: u64,
    ) -> Result<L402ServerChallenge, Pay402Error> {
        let payment_hash = array(&payment_hash, "payment_hash")?;
        let token_id = array(&token_id, "token_id")?;
        let c = self
            .inner
            .challenge(&bolt11, payment_hash, token_id, now)
            .map_err(l402)?;
        Ok(L402ServerChallenge {
            status: c.status,
            headers: c
                .headers
                .into_iter()
                .map(|(name, value)| HttpHeader { name, value })
                .collect(),
            identifier: c.identifier,
            root_key_id: c.root_key_id.to_vec(),
            valid_until: c.valid_until,
        })
    }

    /// Admits the credential among `authorization` (every `Authorization` value of the
    /// request) at `now` (unix seconds), needing `capability` when given. `revocations`, when
    /// given, is asked for every authentic token; anything but `true` counts as revoked.
    #[uniffi::method(default(capability = None, revocations = None))]
    pub fn admit(
        &self,
        authorization: Vec<String>,
        now: u64,
        capability: Option<String>,
        revocations: Option<Arc<dyn L402Revocations>>,
    ) -> L402Admission {
        let values: Vec<&str> = authorization.iter().map(String::as_str).collect();
        let is_revoked = |id: &[u8; 32]| match &revocations {
            None => false,
            Some(list) => !matches!(list.is_active(id.to_vec()), Ok(true)),
        };
        match self
            .inner
            .admit(&values, capability.as_deref(), now, is_revoked)
        {
            Ok(a) => L402Admission::Admitted {
                token: L402Admitted {
                    payment_hash: a.payment_hash.to_vec(),
                    token_id: a.token_id.to_vec(),
                    root_key_id: a.root_key_id.to_vec(),
                    scheme: a.scheme.to_owned(),
                    previous_secret: a.previous_secret,
                },
            },
            Err(r) => L402Admission::Refused {
                refusal: L402Refusal {
                    status: r.status,
                    code: r.code.to_owned(),
                    detail_code: r.detail_code.map(str::to_owned),
                },
            },
        }
    }
}
