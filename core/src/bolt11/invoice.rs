//! The decoded invoice: a borrowed view over the invoice text (BOLT 11).

use sha2::{Digest as _, Sha256};

use super::bech32::{self, Polymod, Words};
use super::error::Bolt11Error;
use super::hrp::{self, Network};
use super::signature;
use super::tagged_field::{Fallback, Features, RouteHint, TaggedFields, tag};
use crate::error::BufferTooSmall;

/// The longest invoice accepted, in characters: lnd's `maxInvoiceLength` and LDK's
/// `Bolt11Bech32::CODE_LENGTH` (BIP-173's 90-character limit does not apply).
pub const MAX_INVOICE_LEN: usize = 7089;
/// Expiry in seconds when the invoice has no `x` field.
pub const DEFAULT_EXPIRY: u64 = 3600;
/// `min_final_cltv_expiry_delta` when the invoice has no `c` field.
pub const DEFAULT_MIN_FINAL_CLTV_EXPIRY: u64 = 18;
/// The most bytes a tagged field can hold: 1023 words × 5 bits / 8.
pub const MAX_FIELD_BYTES: usize = 639;
/// The even feature bits of BOLT 9 that may appear in invoices (context `9`): `var_onion_optin`
/// (8), `payment_secret` (14), `basic_mpp` (16), `option_route_blinding` (24),
/// `option_payment_metadata` (48). Their odd partners are optional and always accepted.
pub const KNOWN_INVOICE_FEATURES: &[usize] = &[8, 14, 16, 24, 48];

const TIMESTAMP_WORDS: usize = 7;
const SIGNATURE_WORDS: usize = 104;
const CHECKSUM_WORDS: usize = 6;

/// Choices where readers differ. [`DecodePolicy::default`] follows the current BOLT11 text.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct DecodePolicy {
    /// Reject invoices without a valid `s` field (default `true`: the spec's "Missing required
    /// `s` field" example is invalid). Set `false` to read pre-2021 invoices such as the L402
    /// spec's example (the L402 protocol specification's example invoice).
    pub require_payment_secret: bool,
    /// Even feature bits this reader understands; any other even bit set fails the decode
    /// (default [`KNOWN_INVOICE_FEATURES`]). Odd bits are always ignored.
    pub known_features: &'static [usize],
}

impl Default for DecodePolicy {
    fn default() -> Self {
        Self {
            require_payment_secret: true,
            known_features: KNOWN_INVOICE_FEATURES,
        }
    }
}

/// Where the payee public key came from.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum PayeeSource {
    /// The `n` field; the signature was verified against it (low-S required).
    Field,
    /// Recovered from the signature (high-S accepted).
    Recovered,
}

/// The `d` field: a UTF-8 description, checked at decode time and read on demand from the
/// invoice text (at most [`MAX_FIELD_BYTES`] bytes).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Description<'a> {
    words: Words<'a>,
}

impl Description<'_> {
    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.words.byte_len()
    }

    /// Whether the description is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The UTF-8 bytes, decoded on demand.
    pub fn bytes(&self) -> bech32::Bytes<'_> {
        self.words.bytes()
    }

    /// Decodes the description into `buf` (at least [`Description::len`] bytes).
    pub fn to_str<'o>(&self, buf: &'o mut [u8]) -> Result<&'o str, BufferTooSmall> {
        let bytes = self.words.copy_into(buf)?;
        // Checked at decode time; an error here cannot happen but is not a panic either.
        core::str::from_utf8(bytes).map_err(|_| BufferTooSmall)
    }

    /// Whether the description equals `text`, without a buffer.
    pub fn eq_str(&self, text: &str) -> bool {
        self.len() == text.len() && self.bytes().eq(text.bytes())
    }
}

/// A decoded, signature-checked BOLT11 invoice borrowing the invoice text.
///
/// ```
/// use pay402::bolt11::{Bolt11Invoice, Network};
/// // BOLT11 spec example "Please send $3 for a cup of coffee to the same peer, within one minute".
/// let invoice = Bolt11Invoice::decode(
///     "lnbc2500u1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpu9qrsgquk0rl77nj30yxdy8j9vdx85fkpmdla2087ne0xh8nhedh8w27kyke0lp53ut353s06fv3qfegext0eh0ymjpf39tuven09sam30g4vgpfna3rh",
/// )?;
/// assert_eq!(invoice.network(), Network::Bitcoin);
/// assert_eq!(invoice.amount_msat(), Some(250_000_000));
/// assert_eq!(invoice.timestamp(), 1_496_314_658);
/// assert_eq!(invoice.expiry(), 60);
/// assert_eq!(invoice.min_final_cltv_expiry(), 18);
/// assert!(invoice.description().is_some_and(|d| d.eq_str("1 cup coffee")));
/// assert_eq!(invoice.payee()[..4], [0x03, 0xe7, 0x15, 0x6a]);
/// assert!(!invoice.is_expired(1_496_314_700));
/// assert!(invoice.is_expired(1_496_314_718));
/// # Ok::<(), pay402::bolt11::Bolt11Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Bolt11Invoice<'a> {
    text: &'a str,
    network: Network,
    amount_msat: Option<u64>,
    timestamp: u64,
    payment_hash: [u8; 32],
    payment_secret: Option<[u8; 32]>,
    description: Option<Description<'a>>,
    description_hash: Option<[u8; 32]>,
    expiry: Option<u64>,
    min_final_cltv_expiry: Option<u64>,
    payee: [u8; 33],
    payee_source: PayeeSource,
    features: Option<Features<'a>>,
    metadata: Option<Words<'a>>,
    tagged: Words<'a>,
    signature: [u8; 65],
}

/// The fields the tagged-field walk collects (first valid occurrence of each wins).
#[derive(Default)]
struct Fields<'a> {
    payment_hash: Option<[u8; 32]>,
    payment_secret: Option<[u8; 32]>,
    description: Option<Words<'a>>,
    description_hash: Option<[u8; 32]>,
    payee: Option<[u8; 33]>,
    expiry: Option<u64>,
    min_final_cltv_expiry: Option<u64>,
    features: Option<Features<'a>>,
    metadata: Option<Words<'a>>,
}

impl<'a> Bolt11Invoice<'a> {
    /// Decodes and checks an invoice under [`DecodePolicy::default`].
    ///
    /// Accepts the bech32 text in one case (all lower or all upper), without a `lightning:`
    /// prefix. Guarantees on success: the checksum matches; the amount is whole msat; there is
    /// a 256-bit payment hash, a payment secret (policy), exactly one of description and
    /// description hash; no unknown even feature bit is set; the signature verifies against
    /// the `n` field (low-S) or a payee key was recovered from it.
    pub fn decode(text: &'a str) -> Result<Self, Bolt11Error> {
        Self::decode_with(text, &DecodePolicy::default())
    }

    /// [`Bolt11Invoice::decode`] under an explicit policy.
    pub fn decode_with(text: &'a str, policy: &DecodePolicy) -> Result<Self, Bolt11Error> {
        let bytes = text.as_bytes();
        if bytes.len() > MAX_INVOICE_LEN {
            return Err(Bolt11Error::TooLong { len: bytes.len() });
        }
        if bytes.iter().any(u8::is_ascii_lowercase) && bytes.iter().any(u8::is_ascii_uppercase) {
            return Err(Bolt11Error::MixedCase);
        }
        let sep = bytes
            .iter()
            .rposition(|&c| c == b'1')
            .ok_or(Bolt11Error::MissingSeparator)?;
        let (hrp, data) = bytes
            .split_at_checked(sep)
            .ok_or(Bolt11Error::MissingSeparator)?;
        let data = data.get(1..).unwrap_or_default();
        if let Some(index) = hrp.iter().position(|c| !(33..=126).contains(c)) {
            return Err(Bolt11Error::InvalidCharacter { index });
        }
        let mut checksum = Polymod::new();
        checksum.push_hrp(hrp);
        for (i, &c) in data.iter().enumerate() {
            let word = bech32::word_of(c).ok_or(Bolt11Error::InvalidCharacter {
                index: sep.saturating_add(1).saturating_add(i),
            })?;
            checksum.push(word);
        }
        if data.len() < CHECKSUM_WORDS {
            return Err(Bolt11Error::TooShort);
        }
        if !checksum.is_valid() {
            return Err(Bolt11Error::BadChecksum);
        }
        let words = Words::new(data.get(..data.len() - CHECKSUM_WORDS).unwrap_or_default());
        let signed_len = words
            .len()
            .checked_sub(SIGNATURE_WORDS)
            .filter(|&n| n >= TIMESTAMP_WORDS)
            .ok_or(Bolt11Error::TooShort)?;
        let (network, amount_msat) = hrp::parse(hrp)?;
        let (signed, signature_words) = words.split_at(signed_len).ok_or(Bolt11Error::TooShort)?;
        let (timestamp, tagged) = signed
            .split_at(TIMESTAMP_WORDS)
            .ok_or(Bolt11Error::TooShort)?;
        let timestamp = timestamp.to_u64().ok_or(Bolt11Error::TooShort)?;

        let fields = collect_fields(tagged, policy)?;
        let payment_hash = fields.payment_hash.ok_or(Bolt11Error::MissingPaymentHash)?;
        match (&fields.description, &fields.description_hash) {
            (Some(_), Some(_)) => return Err(Bolt11Error::DescriptionAndHash),
            (None, None) => return Err(Bolt11Error::MissingDescription),
            _ => {}
        }
        if policy.require_payment_secret && fields.payment_secret.is_none() {
            return Err(Bolt11Error::MissingPaymentSecret);
        }

        let signature = signature_words.to_array::<65>();
        let digest = signing_digest(hrp, signed);
        let (payee, payee_source) = match fields.payee {
            Some(payee) => {
                signature::verify(&digest, &signature, &payee)?;
                (payee, PayeeSource::Field)
            }
            None => (
                signature::recover(&digest, &signature)?,
                PayeeSource::Recovered,
            ),
        };

        Ok(Self {
            text,
            network,
            amount_msat,
            timestamp,
            payment_hash,
            payment_secret: fields.payment_secret,
            description: fields.description.map(|words| Description { words }),
            description_hash: fields.description_hash,
            expiry: fields.expiry,
            min_final_cltv_expiry: fields.min_final_cltv_expiry,
            payee,
            payee_source,
            features: fields.features,
            metadata: fields.metadata,
            tagged,
            signature,
        })
    }

    /// The invoice text as given.
    pub fn as_str(&self) -> &'a str {
        self.text
    }

    /// The network of the currency prefix.
    pub fn network(&self) -> Network {
        self.network
    }

    /// The amount in millisatoshis; `None` when the invoice leaves it to the payer.
    pub fn amount_msat(&self) -> Option<u64> {
        self.amount_msat
    }

    /// Creation time, seconds since the Unix epoch (35 bits).
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }

    /// The first `p` field of 52 words: the SHA-256 payment hash.
    pub fn payment_hash(&self) -> &[u8; 32] {
        &self.payment_hash
    }

    /// The first `s` field of 52 words.
    pub fn payment_secret(&self) -> Option<&[u8; 32]> {
        self.payment_secret.as_ref()
    }

    /// The `d` field.
    pub fn description(&self) -> Option<Description<'a>> {
        self.description
    }

    /// The first `h` field of 52 words: SHA-256 of a description given out of band.
    pub fn description_hash(&self) -> Option<&[u8; 32]> {
        self.description_hash.as_ref()
    }

    /// Whether `description` hashes to the `h` field (BOLT11: a reader "MUST check that the
    /// SHA2 256-bit hash in the `h` field exactly matches the hashed description"). `false`
    /// when there is no `h` field.
    pub fn description_hash_matches(&self, description: &[u8]) -> bool {
        self.description_hash
            .is_some_and(|h| <[u8; 32]>::from(Sha256::digest(description)) == h)
    }

    /// Seconds after [`Bolt11Invoice::timestamp`] the invoice expires: the `x` field, else 3600.
    pub fn expiry(&self) -> u64 {
        self.expiry.unwrap_or(DEFAULT_EXPIRY)
    }

    /// `min_final_cltv_expiry_delta`: the `c` field, else 18.
    pub fn min_final_cltv_expiry(&self) -> u64 {
        self.min_final_cltv_expiry
            .unwrap_or(DEFAULT_MIN_FINAL_CLTV_EXPIRY)
    }

    /// The payee node's compressed public key.
    pub fn payee(&self) -> &[u8; 33] {
        &self.payee
    }

    /// Whether [`Bolt11Invoice::payee`] came from the `n` field or from recovery.
    pub fn payee_source(&self) -> PayeeSource {
        self.payee_source
    }

    /// The first `9` field.
    pub fn features(&self) -> Option<Features<'a>> {
        self.features
    }

    /// The first `m` field (payment metadata), raw.
    pub fn metadata(&self) -> Option<Words<'a>> {
        self.metadata
    }

    /// The signature: `r[32] ‖ s[32] ‖ recovery_id`.
    pub fn signature(&self) -> &[u8; 65] {
        &self.signature
    }

    /// Every tagged field in order, including unknown and skipped ones.
    pub fn tagged_fields(&self) -> impl Iterator<Item = super::TaggedField<'a>> + 'a {
        TaggedFields::new(self.tagged).map_while(Result::ok)
    }

    /// The `r` fields in order (the payee's preference), each an iterator of hops.
    pub fn route_hints(&self) -> impl Iterator<Item = RouteHint<'a>> + 'a {
        self.tagged_fields()
            .filter(|f| f.tag == tag::ROUTE_HINT)
            .map(|f| RouteHint::new(f.data))
    }

    /// The `f` fields with a known version (0–18), in order; unknown versions are skipped.
    pub fn fallbacks(&self) -> impl Iterator<Item = Fallback<'a>> + 'a {
        self.tagged_fields()
            .filter(|f| f.tag == tag::FALLBACK)
            .filter_map(|f| Fallback::parse(f.data))
    }

    /// When the invoice expires: `timestamp + expiry` (saturating).
    pub fn expires_at(&self) -> u64 {
        self.timestamp.saturating_add(self.expiry())
    }

    /// Whether the invoice has expired at `now` (Unix seconds): `now ≥ timestamp + expiry`
    /// (BOLT11: "after the `timestamp` plus `expiry` has passed … SHOULD NOT attempt a payment").
    pub fn is_expired(&self, now: u64) -> bool {
        now >= self.expires_at()
    }

    /// Whether the invoice asks for at most `budget_msat`. `false` for an invoice without an
    /// amount: an L402 client cannot know what it would pay.
    pub fn amount_within_budget(&self, budget_msat: u64) -> bool {
        self.amount_msat.is_some_and(|a| a <= budget_msat)
    }
}

/// `sha256(hrp ‖ data words packed into bytes, zero-padded)`: the BOLT11 signing pre-image,
/// streamed into the hash 64 bytes at a time.
fn signing_digest(hrp: &[u8], signed: Words<'_>) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for c in hrp {
        hasher.update([c.to_ascii_lowercase()]);
    }
    let mut block = [0u8; 64];
    let mut filled = 0usize;
    bech32::pack_padded(signed, |b| {
        if let Some(slot) = block.get_mut(filled) {
            *slot = b;
            filled += 1;
        }
        if filled == block.len() {
            hasher.update(block);
            filled = 0;
        }
    });
    hasher.update(block.get(..filled).unwrap_or_default());
    hasher.finalize().into()
}

/// Walks the tagged fields, keeping the first valid occurrence of each known type.
fn collect_fields<'a>(tagged: Words<'a>, policy: &DecodePolicy) -> Result<Fields<'a>, Bolt11Error> {
    let mut out = Fields::default();
    for field in TaggedFields::new(tagged) {
        let field = field.map_err(|offset| Bolt11Error::TruncatedField {
            offset: offset.saturating_add(TIMESTAMP_WORDS),
        })?;
        let data = field.data;
        match (field.tag, data.len()) {
            (tag::PAYMENT_HASH, 52) if out.payment_hash.is_none() => {
                out.payment_hash = Some(data.to_array());
            }
            (tag::PAYMENT_SECRET, 52) if out.payment_secret.is_none() => {
                out.payment_secret = Some(data.to_array());
            }
            (tag::DESCRIPTION_HASH, 52) if out.description_hash.is_none() => {
                out.description_hash = Some(data.to_array());
            }
            (tag::PAYEE, 53) if out.payee.is_none() => out.payee = Some(data.to_array()),
            (tag::DESCRIPTION, _) if out.description.is_none() => {
                let mut buf = [0u8; MAX_FIELD_BYTES];
                let bytes = data
                    .copy_into(&mut buf)
                    .map_err(|_| Bolt11Error::InvalidDescription)?;
                core::str::from_utf8(bytes).map_err(|_| Bolt11Error::InvalidDescription)?;
                out.description = Some(data);
            }
            (tag::EXPIRY, _) if out.expiry.is_none() => {
                out.expiry = Some(
                    data.to_u64()
                        .ok_or(Bolt11Error::IntegerOverflow { field: 'x' })?,
                );
            }
            (tag::MIN_FINAL_CLTV_EXPIRY, _) if out.min_final_cltv_expiry.is_none() => {
                out.min_final_cltv_expiry = Some(
                    data.to_u64()
                        .ok_or(Bolt11Error::IntegerOverflow { field: 'c' })?,
                );
            }
            (tag::FEATURES, _) if out.features.is_none() => {
                let features = Features::new(data);
                if let Some(bit) = features
                    .set_bits()
                    .find(|b| b % 2 == 0 && !policy.known_features.contains(b))
                {
                    return Err(Bolt11Error::UnknownRequiredFeature { bit });
                }
                out.features = Some(features);
            }
            (tag::METADATA, _) if out.metadata.is_none() => out.metadata = Some(data),
            (tag::ROUTE_HINT, _)
                if data.byte_len() % super::tagged_field::ROUTE_HINT_HOP_LEN != 0 =>
            {
                return Err(Bolt11Error::InvalidRouteHint);
            }
            _ => {}
        }
    }
    Ok(out)
}
