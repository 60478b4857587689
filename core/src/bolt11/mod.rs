//! BOLT11 Lightning invoices: allocation-free decoding and the checks an L402 client makes
//! before paying (BOLT 11,
//! <https://github.com/lightning/bolts/blob/master/11-payment-encoding.md>).
//!
//! [`Bolt11Invoice::decode`] reads the bech32 text in place: the checksum, the 5-bit words and
//! the signing pre-image are computed by streaming over the borrowed `&str`. Variable-length
//! fields (description, metadata, features, route hints, fallbacks) are views decoded on demand.
//!
//! ```
//! use pay402::bolt11::{Bolt11Invoice, Network};
//! // BOLT11 spec: "Please make a donation of any amount using payment_hash 0001…0102 to me".
//! let invoice = Bolt11Invoice::decode("lnbc1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpl2pkx2ctnv5sxxmmwwd5kgetjypeh2ursdae8g6twvus8g6rfwvs8qun0dfjkxaq9qrsgq357wnc5r2ueh7ck6q93dj32dlqnls087fxdwk8qakdyafkq3yap9us6v52vjjsrvywa6rt52cm9r9zqt8r2t7mlcwspyetp5h2tztugp9lfyql")?;
//! assert_eq!(invoice.network(), Network::Bitcoin);
//! assert_eq!(invoice.amount_msat(), None);
//! let mut buf = [0u8; 64];
//! assert_eq!(
//!     invoice.description().unwrap().to_str(&mut buf).unwrap(),
//!     "Please consider supporting this project"
//! );
//! assert_eq!(invoice.payee(), &pay402::hex::decode_array::<33>(
//!     b"03e7156ae33b0a208d0744199163177e909e80176e55d97a2f221ede0f934dd9ad")?);
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

pub mod bech32;
mod client;
mod error;
mod hrp;
mod invoice;
mod signature;
mod tagged_field;

pub use bech32::{Bytes, Words};
pub use client::{InvoiceCheckError, L402InvoiceExpectation, check_l402_invoice};
pub use error::Bolt11Error;
pub use hrp::Network;
pub use invoice::{
    Bolt11Invoice, DEFAULT_EXPIRY, DEFAULT_MIN_FINAL_CLTV_EXPIRY, DecodePolicy, Description,
    KNOWN_INVOICE_FEATURES, MAX_FIELD_BYTES, MAX_INVOICE_LEN, PayeeSource,
};
pub use tagged_field::{
    Fallback, Features, ROUTE_HINT_HOP_LEN, RouteHint, RouteHintHop, RouteHintHops, TaggedField,
    TaggedFields, tag,
};
