//! The x402 resource server as a protocol component: no I/O, caller buffers, usable on a
//! microcontroller that sells over HTTP. The host (a binding, an HTTP framework) moves bytes; the
//! decisions are made here.
//!
//! | part | what it guarantees | file |
//! |---|---|---|
//! | prepared offers | every scheme's configuration validated once, EIP-712 domain separators precomputed, fixed capacity | [`offer`] |
//! | challenge | status 402, the v2 `PAYMENT-REQUIRED` header and the v1 body, both from one offer set; the body says why (code, detail code, message) | [`challenge`] |
//! | admission | a payment header verified against the offer it names; the most specific refusal; replay key and lifetime | [`admission`] |
//! | payment options | a seller's loose terms (`$0.01`, default asset, default lifetime) resolved into an offer | [`terms`] |
//! | settlement | the `/settle` body, `upto` charges never above the signed maximum, the verdict of a result, the receipt header | [`settlement`] |
//! | exchange | the exactly-once rules of one paid request, states as types | [`exchange`] |
//! | errors | one error type, stable codes, nested detail codes | [`error`] |
//!
//! Specifications: <https://github.com/coinbase/x402/blob/main/specs/x402-specification-v2.md>,
//! <https://github.com/coinbase/x402/blob/main/specs/x402-specification-v1.md> and the HTTP
//! transports <https://github.com/coinbase/x402/tree/main/specs/transports-v2>,
//! <https://github.com/coinbase/x402/tree/main/specs/transports-v1>.
//!
//! ```
//! use pay402::x402::server::{Offer, OfferScheme, OfferSet, Problem, Resource, write_challenge};
//! use pay402::U256;
//! let mut offers = OfferSet::<4>::new();
//! offers.push(Offer {
//!     scheme: OfferScheme::UptoPermit2 { facilitator: "0x000000000000000000000000000000000000dEaD" },
//!     network: "eip155:84532",
//!     asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
//!     amount: U256::from_u64(50_000),
//!     pay_to: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
//!     max_timeout_seconds: 300,
//! })?;
//! let resource = Resource { url: "https://api.example.com/llm", description: "", mime_type: None };
//! let (mut header, mut body) = ([0u8; 1024], [0u8; 1024]);
//! let challenge = write_challenge(&offers, &resource, None, &mut header, &mut body)?;
//! assert_eq!(challenge.status, 402);
//! assert_eq!(challenge.body, None); // `upto` is sold in x402 v2 only: send `{}`
//! let why = Problem::new("payment_required").with_message(&"pay to read on");
//! let challenge = write_challenge(&offers, &resource, Some(&why), &mut header, &mut body)?;
//! assert_eq!(challenge.body, Some(&br#"{"error":"payment_required","errorMessage":"pay to read on"}"#[..]));
//! # Ok::<(), pay402::x402::server::ServerError>(())
//! ```

pub mod admission;
pub mod challenge;
pub mod error;
pub mod exchange;
pub mod offer;
pub mod settlement;
pub mod terms;

pub use admission::{
    Admission, AfterPayerCode, ChainAdmission, PayerCall, PayerCode, Refusal, Replay, ReplayId,
    SVM_BLOCKHASH_LIFETIME_SECS, admit, admit_with_chain, payment_header,
};
pub use challenge::{Challenge, Problem, Resource, write_challenge};
pub use error::{KeyIssue, ServerError};
pub use exchange::{
    Action, ExchangeOptions, HandlerOutcome, Handling, Next, Receipt, Reserving, SettleOutcome,
    Settling, begin,
};
pub use offer::{MAX_DOMAIN_TEXT, Offer, OfferScheme, OfferSet, PreparedOffer};
pub use settlement::{
    SETTLEMENT_PENDING, SettleVerdict, receipt_header_name, settle_amount, write_receipt,
    write_settle_request,
};
pub use terms::{DEFAULT_MAX_TIMEOUT_SECONDS, PaymentOption, Price, TermsError};
