//! The L402 resource server with owned configuration: [`L402Server`] mints challenges for the
//! host's invoices and admits credentials, with root keys derived from the server secret, so
//! nothing is stored per token or per unpaid request.
//!
//! Every decision (the challenge's headers, which credential is checked, the verdict and its
//! status) is `pay402::l402::server`'s; this module owns the strings and the secrets.
//!
//! ```
//! use pay402_host::l402_server::{L402Config, L402Server};
//! let server = L402Server::new(L402Config::new("api", 1_000, "regtest"), &[7; 32], None)?;
//! // No credential: 402, and the host mints a challenge with a fresh invoice.
//! let refusal = server.admit(&["Bearer abc"], None, 1_700_000_000, |_| false).unwrap_err();
//! assert_eq!((refusal.status, refusal.code), (402, "payment_required"));
//! # Ok::<(), pay402_host::HostError>(())
//! ```

use pay402::bolt11::Network;
use pay402::l402::Identifier;
use pay402::l402::server::{
    BadCredentialStatus, ChallengeForm, Invoice, L402Server as CoreServer, MAX_TOKEN_LEN, Request,
    RootKeys, ServerConfig,
};
use zeroize::Zeroizing;

use crate::HostError;

/// What the server sells and how it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L402Config {
    /// The service name (`services=<name>:<tier>`).
    pub service: String,
    /// The tier (aperture: 0).
    pub tier: u8,
    /// The `<service>_capabilities` caveat.
    pub capabilities: Vec<String>,
    /// The price of one token, in millisatoshis.
    pub price_msat: u64,
    /// The network invoices must be for, by name ([`pay402::bolt11::Network::from_name`]).
    pub network: String,
    /// Seconds a token stays valid (0: no expiry caveat).
    pub token_lifetime: u64,
    /// The macaroon location (aperture: `lsat`).
    pub location: String,
    /// `LSAT` and `L402` challenges (false), or `L402` only (true).
    pub l402_only: bool,
    /// Answer a credential that does not verify with 401 (true) instead of 402.
    pub unauthorized_for_bad_credentials: bool,
}

impl L402Config {
    /// aperture's defaults: tier 0, no capabilities, 24 h tokens, location `lsat`, both
    /// challenges, 402 for a bad credential.
    pub fn new(service: &str, price_msat: u64, network: &str) -> Self {
        let defaults = ServerConfig::new("", price_msat, Network::Bitcoin);
        Self {
            service: service.to_owned(),
            tier: defaults.tier,
            capabilities: Vec::new(),
            price_msat,
            network: network.to_owned(),
            token_lifetime: defaults.token_lifetime,
            location: defaults.location.to_owned(),
            l402_only: false,
            unauthorized_for_bad_credentials: false,
        }
    }
}

fn network(name: &str) -> Result<Network, HostError> {
    Network::from_name(name).ok_or_else(|| {
        HostError::config(
            "unknown_network",
            "the Lightning network is bitcoin, testnet, signet, regtest or simnet",
        )
    })
}

/// A written challenge: send `status` with these `WWW-Authenticate` headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L402Challenge {
    /// 402.
    pub status: u16,
    /// `("WWW-Authenticate", value)`, in the order to send them.
    pub headers: Vec<(String, String)>,
    /// The minted token's identifier bytes.
    pub identifier: Vec<u8>,
    /// `sha256(identifier)`: the key of a revocation list.
    pub root_key_id: [u8; 32],
    /// The token's expiry (unix seconds), when the configuration sets a lifetime.
    pub valid_until: Option<u64>,
}

/// An admitted credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L402Admitted {
    /// The paid invoice's payment hash.
    pub payment_hash: [u8; 32],
    /// The token id.
    pub token_id: [u8; 32],
    /// `sha256(identifier)`.
    pub root_key_id: [u8; 32],
    /// `L402` or `LSAT`.
    pub scheme: &'static str,
    /// Whether the previous secret of a rotation verified the token (re-mint it soon).
    pub previous_secret: bool,
}

/// A refused request: answer `status` with a fresh challenge ([`L402Server::challenge`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L402Refusal {
    /// 402, or 401 for a bad credential when so configured.
    pub status: u16,
    /// The stable code (`payment_required` without a credential).
    pub code: &'static str,
    /// The precise cause underneath.
    pub detail_code: Option<&'static str>,
}

/// The L402 server: its configuration and secrets, nothing per token.
#[derive(Clone)]
pub struct L402Server {
    config: L402Config,
    secret: Zeroizing<Vec<u8>>,
    previous: Option<Zeroizing<Vec<u8>>>,
}

impl core::fmt::Debug for L402Server {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("L402Server")
            .field("config", &self.config)
            .field("secret", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl L402Server {
    /// Checks `config` and the secrets (32 to 64 bytes each; `previous` during a rotation).
    ///
    /// Errors: the core's (`invalid_service_name`, `invalid_capability`, `invalid_price`,
    /// `invalid_server_secret`, `token_too_large`, …) and `unknown_network`.
    pub fn new(
        config: L402Config,
        secret: &[u8],
        previous: Option<&[u8]>,
    ) -> Result<Self, HostError> {
        let server = Self {
            config,
            secret: Zeroizing::new(secret.to_vec()),
            previous: previous.map(|p| Zeroizing::new(p.to_vec())),
        };
        server.with_core(|_| Ok(()))?;
        Ok(server)
    }

    /// The configuration.
    pub fn config(&self) -> &L402Config {
        &self.config
    }

    /// Runs `f` with the core server over this configuration (built per call: the core server
    /// borrows its configuration and owns copies of the secrets, both cheap).
    fn with_core<T>(
        &self,
        f: impl FnOnce(&CoreServer<'_>) -> Result<T, HostError>,
    ) -> Result<T, HostError> {
        let capabilities: Vec<&str> = self
            .config
            .capabilities
            .iter()
            .map(String::as_str)
            .collect();
        let mut config = ServerConfig::new(
            &self.config.service,
            self.config.price_msat,
            network(&self.config.network)?,
        );
        config.tier = self.config.tier;
        config.capabilities = &capabilities;
        config.token_lifetime = self.config.token_lifetime;
        config.location = &self.config.location;
        if self.config.l402_only {
            config.challenge_form = ChallengeForm::L402Only;
        }
        if self.config.unauthorized_for_bad_credentials {
            config.bad_credential_status = BadCredentialStatus::Unauthorized;
        }
        let keys = match &self.previous {
            Some(previous) => RootKeys::rotating(&self.secret, previous),
            None => RootKeys::new(&self.secret),
        }
        .map_err(|e| HostError::of(&e))?;
        let server = CoreServer::new(config, keys).map_err(|e| HostError::of(&e))?;
        f(&server)
    }

    /// The challenge for the host's invoice (`bolt11` and the payment hash its provider
    /// reported; checked against each other, the price and the network) and a random
    /// `token_id`, at `now`.
    pub fn challenge(
        &self,
        bolt11: &str,
        payment_hash: [u8; 32],
        token_id: [u8; 32],
        now: u64,
    ) -> Result<L402Challenge, HostError> {
        self.with_core(|server| {
            let mut out = vec![0u8; 2 * (MAX_TOKEN_LEN * 2 + bolt11.len() + 64)];
            let invoice = Invoice {
                bolt11,
                payment_hash,
            };
            let challenge = server
                .write_challenge(&invoice, token_id, now, &mut out)
                .map_err(|e| HostError::of(&e))?;
            Ok(L402Challenge {
                status: challenge.status,
                headers: challenge
                    .values()
                    .iter()
                    .map(|v| (challenge.header_name.to_owned(), (*v).to_owned()))
                    .collect(),
                identifier: challenge.identifier.to_bytes().to_vec(),
                root_key_id: challenge.identifier.root_key_id(),
                valid_until: challenge.valid_until,
            })
        })
    }

    /// Admits the credential among `authorization` (every `Authorization` value of the
    /// request), needing `capability` when given, at `now`. `revoked` answers whether a root key
    /// id is revoked; it must answer `true` when it cannot tell (fail closed).
    pub fn admit(
        &self,
        authorization: &[&str],
        capability: Option<&str>,
        now: u64,
        revoked: impl Fn(&[u8; 32]) -> bool,
    ) -> Result<L402Admitted, L402Refusal> {
        let result = self.with_core(|server| {
            let mut scratch = vec![0u8; authorization.iter().map(|a| a.len()).sum::<usize>() + 64];
            let mut request = Request::new(authorization, now);
            request.capability = capability;
            Ok(server
                .admit(&request, &revoked, &mut scratch)
                .map(|a| {
                    admitted(
                        &a.identifier,
                        a.root_key_id,
                        a.scheme.as_str(),
                        a.key_generation,
                    )
                })
                .map_err(|r| L402Refusal {
                    status: r.status,
                    code: pay402::ErrorCode::code(&r),
                    detail_code: pay402::ErrorCode::detail_code(&r),
                }))
        });
        match result {
            Ok(verdict) => verdict,
            // The configuration was checked at construction; a failure here is a server fault.
            Err(e) => Err(L402Refusal {
                status: 500,
                code: e.code,
                detail_code: e.detail_code,
            }),
        }
    }
}

fn admitted(
    identifier: &Identifier,
    root_key_id: [u8; 32],
    scheme: &'static str,
    generation: pay402::l402::server::KeyGeneration,
) -> L402Admitted {
    L402Admitted {
        payment_hash: identifier.payment_hash,
        token_id: identifier.token_id,
        root_key_id,
        scheme,
        previous_secret: matches!(generation, pay402::l402::server::KeyGeneration::Previous),
    }
}
