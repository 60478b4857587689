//! The Fewsats offers server with owned configuration: [`OffersHost`] keeps the offers, the
//! URLs, the tolerances and the two secrets (zeroized on drop) and lends the core's
//! `pay402::offers::OffersServer` over them for each call. Every decision is the core's.

use pay402::offers::{OffersConfig, OffersError, OffersServer};
use pay402::writer::Writer;
use zeroize::Zeroizing;

/// The largest answer grown for one call (the core's answers are a few KiB).
const MAX_ANSWER: usize = 1 << 20;

/// Runs `write` (one of the core server's calls that write an answer) into a buffer that starts
/// at `initial` bytes and doubles on `buffer_too_small`, up to 1 MiB: the call's value and the
/// bytes it wrote, or its error (any other error at once; `buffer_too_small` past the limit).
/// A failed attempt's bytes are dropped, so nothing half written escapes.
///
/// ```
/// use pay402::offers::OffersError;
/// use pay402_host::offers_server::write_grown;
/// let (value, bytes) = write_grown(4, |w| {
///     w.push_str("a longer answer").map_err(|_| OffersError::BufferTooSmall)?;
///     Ok(7)
/// })?;
/// assert_eq!((value, bytes.as_slice()), (7, b"a longer answer".as_slice()));
/// # Ok::<(), OffersError>(())
/// ```
pub fn write_grown<T>(
    initial: usize,
    mut write: impl FnMut(&mut Writer<'_>) -> Result<T, OffersError>,
) -> Result<(T, Vec<u8>), OffersError> {
    let mut size = initial.max(64);
    loop {
        let mut buf = vec![0u8; size];
        let mut w = Writer::new(&mut buf);
        match write(&mut w) {
            Ok(value) => {
                let len = w.written().len();
                buf.truncate(len);
                return Ok((value, buf));
            }
            Err(OffersError::BufferTooSmall) if size < MAX_ANSWER => size = size.saturating_mul(2),
            Err(e) => return Err(e),
        }
    }
}

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
