//! The Fewsats offers server with owned configuration: [`OffersHost`] keeps the offers, the
//! URLs, the tolerances and the two secrets (zeroized on drop) and lends the core's
//! `pay402::offers::OffersServer` over them for each call. Every decision is the core's.

use pay402::offers::{OffersConfig, OffersError, OffersServer};
use zeroize::Zeroizing;

/// The owned configuration of an offers server.
pub struct OffersHost {
    offers: Vec<u8>,
    payment_request_url: String,
    terms_url: Option<String>,
    webhook_secret: Zeroizing<Vec<u8>>,
    secret: Zeroizing<Vec<u8>>,
    webhook_tolerance_seconds: u64,
    payment_request_lifetime_seconds: u64,
}

impl core::fmt::Debug for OffersHost {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OffersHost")
            .field("payment_request_url", &self.payment_request_url)
            .field("terms_url", &self.terms_url)
            .field("secrets", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl OffersHost {
    /// Checks the configuration by building the core's server once.
    ///
    /// `offers` is the JSON array of offers; `secret` (32 to 64 bytes) tags the context tokens;
    /// `webhook_secret` is the webhook sender's shared secret.
    pub fn new(
        offers: Vec<u8>,
        payment_request_url: String,
        terms_url: Option<String>,
        webhook_secret: Vec<u8>,
        secret: Vec<u8>,
        webhook_tolerance_seconds: u64,
        payment_request_lifetime_seconds: u64,
    ) -> Result<Self, OffersError> {
        let host = Self {
            offers,
            payment_request_url,
            terms_url,
            webhook_secret: Zeroizing::new(webhook_secret),
            secret: Zeroizing::new(secret),
            webhook_tolerance_seconds,
            payment_request_lifetime_seconds,
        };
        host.with(|e| *e, |_| Ok(()))?;
        Ok(host)
    }

    /// The URL the 402 names for payment requests.
    pub fn payment_request_url(&self) -> &str {
        &self.payment_request_url
    }

    /// Runs `f` with the core's server over this configuration (built per call: it borrows the
    /// configuration); a configuration the core refuses becomes `on_error`'s error.
    pub fn with<R, E>(
        &self,
        on_error: impl FnOnce(&OffersError) -> E,
        f: impl FnOnce(&OffersServer<'_>) -> Result<R, E>,
    ) -> Result<R, E> {
        let mut config = OffersConfig::new(
            &self.offers,
            &self.payment_request_url,
            &self.webhook_secret,
        );
        config.terms_url = self.terms_url.as_deref();
        config.webhook_tolerance_seconds = self.webhook_tolerance_seconds;
        config.payment_request_lifetime_seconds = self.payment_request_lifetime_seconds;
        match OffersServer::new(config, &self.secret) {
            Ok(server) => f(&server),
            Err(e) => Err(on_error(&e)),
        }
    }
}
