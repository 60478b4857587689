//! The x402 paying client with owned state, shared by the bindings: [`X402Client`] holds the
//! payer's policy (networks, EVM and Solana assets, kinds) and its [`Budget`]; it reads a 402
//! into an owned [`Chosen`] offer, builds the payment header (reserving the amount in the budget
//! first), and reads the answer to the paid retry, ending the reservation by the core's verdict.
//!
//! Every decision is `pay402::x402::client`'s: which offer, what is signed, the Permit2 approval
//! a payment needs, whether a refusal is definitive. This module owns strings and buffers, keys
//! the budget by `(network, asset)` and turns the core's results into owned ones. The host does
//! the I/O the core cannot: the HTTP requests, the allowance read (Permit2) and the Solana chain
//! state (recent blockhash, the mint's decimals and program).
//!
//! ```
//! use pay402::U256;
//! use pay402::evm::PrivateKey;
//! use pay402_host::budget::{Budget, Limits};
//! use pay402_host::x402_client::{ClientConfig, PaidOutcome, X402Client};
//!
//! let budget = Budget::new();
//! budget.add("eip155:84532", "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
//!     Limits { per_request: U256::from_u64(50_000), total: U256::from_u64(100_000), window: None })?;
//! let client = X402Client::new(&ClientConfig {
//!     networks: vec!["eip155:84532".into()],
//!     evm_assets: vec!["0x036CbD53842c5426634e7929541eC2318f3dCF7e".into()],
//!     ..ClientConfig::default()
//! }, budget.clone())?;
//!
//! // The 402 of the x402 v2 specification §5.1.1, as a v1-style JSON body.
//! let body = br#"{"x402Version":2,"resource":{"url":"https://api.example.com/premium-data"},"accepts":[{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}]}"#;
//! let now = 1_740_672_100;
//! let chosen = client.choose(&[("content-type", "application/json")], body, now).map_err(|r| r.error)?;
//! assert_eq!((chosen.kind, chosen.amount), ("exact_eip3009", U256::from_u64(10_000)));
//! let key = PrivateKey::from_bytes(&[0x11; 32])?;
//! let payment = client.pay_evm(&chosen, &key, now, &[0x42; 32], None)?;
//! assert_eq!(payment.header_name, "PAYMENT-SIGNATURE");
//! // The server refused it: the budget gets the amount back.
//! let refused = client.complete(&payment, 402, &[("x", "y")], br#"{"error":"invalid_payment","errorDetail":"insufficient_funds"}"#);
//! let PaidOutcome::Refused(r) = refused else { panic!() };
//! assert_eq!((r.code.as_str(), r.detail_code.as_deref(), r.definitive), ("invalid_payment", Some("insufficient_funds"), true));
//! assert_eq!(budget.allowance("eip155:84532", "0x036cbd53842c5426634e7929541ec2318f3dcf7e", now)?, U256::from_u64(50_000));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use pay402::U256;
use pay402::evm::{Address, PrivateKey};
use pay402::writer::write_all;
use pay402::x402::client::{
    AssetId, ClientError, ClientPolicy, PaidResponse, PaymentDraft, Permit2Draft, Schemes,
    check_permit2_allowance, choose, payment_header_name, read_paid_response,
};
use pay402::x402::header::{PAYMENT_REQUIRED, RECOMMENDED_BUFFER_LEN, name_is};
use pay402::x402::{Network, PaymentRequired};
use pay402::{ErrorCode, json::JsonStr};

use crate::HostError;
use crate::budget::{Budget, Refusal, Reservation};

/// The largest 402 (decoded) the client reads.
const MAX_REQUIRED: usize = 64 * 1024;

/// What the payer can and will pay, as text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientConfig {
    /// Networks the payer holds funds on: v1 names or CAIP-2 ids, EVM and Solana together.
    pub networks: Vec<String>,
    /// ERC-20 contracts the payer pays with.
    pub evm_assets: Vec<String>,
    /// SPL mints the payer pays with.
    pub svm_assets: Vec<String>,
    /// The kinds the payer signs (`exact_eip3009`, `exact_permit2`, `upto_permit2`,
    /// `exact_svm`); empty: all.
    pub schemes: Vec<String>,
}

/// The Permit2 approval a payment needs, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    /// The EIP-155 chain id.
    pub chain_id: u64,
    /// The ERC-20 token (EIP-55).
    pub token: String,
    /// The canonical Permit2 contract (EIP-55), the spender to approve.
    pub spender: String,
    /// The least allowance the payment needs.
    pub amount: U256,
}

/// The offer chosen from a 402, with the 402 it came from.
#[derive(Debug, Clone)]
pub struct Chosen {
    required: Vec<u8>,
    /// Its index in `accepts`.
    pub index: usize,
    /// `exact_eip3009`, `exact_permit2`, `upto_permit2` or `exact_svm`.
    pub kind: &'static str,
    /// The x402 version of the 402.
    pub x402_version: u8,
    /// The network, as its CAIP-2 id.
    pub network: String,
    /// The EVM chain id, for EVM offers.
    pub chain_id: Option<u64>,
    /// The asset (EVM: lowercase `0x` hex; Solana: base58).
    pub asset: String,
    /// The amount reserved: the price, or the maximum of an `upto` offer.
    pub amount: U256,
    /// The approval a Permit2 payment needs (Permit2 kinds only).
    pub approval: Option<Approval>,
}

impl Chosen {
    /// The decoded 402 JSON the offer was chosen from.
    pub fn payment_required_json(&self) -> &[u8] {
        &self.required
    }

    fn required(&self) -> Result<PaymentRequired<'_>, HostError> {
        PaymentRequired::from_json(&self.required).map_err(|e| HostError::of(&e))
    }
}

/// A payment ready to send, with its budget reservation.
#[derive(Debug)]
pub struct Payment {
    /// `PAYMENT-SIGNATURE` (v2) or `X-PAYMENT` (v1).
    pub header_name: &'static str,
    /// The header value.
    pub header_value: String,
    /// The amount reserved in the budget until [`X402Client::complete`] ends it.
    pub reservation: Reservation,
    /// The kind paid (`upto_permit2` commits what the receipt says was settled).
    pub kind: &'static str,
}

/// A refused paid retry, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidRefusal {
    /// The HTTP status.
    pub status: u16,
    /// The server's code.
    pub code: String,
    /// The server's detail code.
    pub detail_code: Option<String>,
    /// The server's message.
    pub message: Option<String>,
    /// Whether the payment is definitively not taken (the budget got the amount back).
    pub definitive: bool,
}

/// The outcome of a paid retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaidOutcome {
    /// Served: the amount is spent (for `upto`, what the receipt says was settled).
    Served {
        /// The receipt's `transaction`, when there was a receipt.
        transaction: Option<String>,
        /// The receipt's settled `amount`, when given.
        settled_amount: Option<U256>,
    },
    /// Refused; the reservation was released when the refusal is definitive, else kept.
    Refused(PaidRefusal),
    /// The server failed without saying whether it settled: the amount stays counted.
    Undetermined,
}

/// The paying client: a policy and a budget.
#[derive(Debug, Clone)]
pub struct X402Client {
    networks: Vec<Network>,
    evm_assets: Vec<Address>,
    #[cfg(feature = "svm")]
    svm_assets: Vec<pay402::svm::Pubkey>,
    schemes: Schemes,
    budget: Budget,
}

fn config_error(message: impl Into<String>) -> HostError {
    HostError::config("invalid_client_config", message)
}

fn owned(text: &JsonStr<'_>) -> String {
    text.chars().collect()
}

impl X402Client {
    /// A client for `config`, spending from `budget`. Fails with `invalid_client_config` for an
    /// unknown network, a malformed asset or an unknown kind.
    pub fn new(config: &ClientConfig, budget: Budget) -> Result<Self, HostError> {
        let networks = config
            .networks
            .iter()
            .map(|n| {
                Network::parse(n).ok_or_else(|| config_error(format!("unknown network `{n}`")))
            })
            .collect::<Result<_, _>>()?;
        let evm_assets = config
            .evm_assets
            .iter()
            .map(|a| {
                Address::parse(a.as_bytes())
                    .map_err(|e| config_error(format!("EVM asset `{a}`: {e}")))
            })
            .collect::<Result<_, _>>()?;
        #[cfg(feature = "svm")]
        let svm_assets = config
            .svm_assets
            .iter()
            .map(|a| {
                pay402::svm::Pubkey::parse(a.as_bytes())
                    .map_err(|e| config_error(format!("Solana asset `{a}`: {e}")))
            })
            .collect::<Result<_, _>>()?;
        #[cfg(not(feature = "svm"))]
        if !config.svm_assets.is_empty() {
            return Err(config_error("this build pays no Solana assets"));
        }
        let schemes = if config.schemes.is_empty() {
            Schemes::ALL
        } else {
            let mut s = Schemes {
                exact_eip3009: false,
                exact_permit2: false,
                upto_permit2: false,
                exact_svm: false,
            };
            for name in &config.schemes {
                match name.as_str() {
                    "exact_eip3009" => s.exact_eip3009 = true,
                    "exact_permit2" => s.exact_permit2 = true,
                    "upto_permit2" => s.upto_permit2 = true,
                    "exact_svm" => s.exact_svm = true,
                    other => return Err(config_error(format!("unknown payment kind `{other}`"))),
                }
            }
            s
        };
        Ok(Self {
            networks,
            evm_assets,
            #[cfg(feature = "svm")]
            svm_assets,
            schemes,
            budget,
        })
    }

    /// The budget this client reserves in.
    pub fn budget(&self) -> &Budget {
        &self.budget
    }

    fn policy(&self) -> ClientPolicy<'_> {
        ClientPolicy {
            networks: &self.networks,
            evm_assets: &self.evm_assets,
            #[cfg(feature = "svm")]
            svm_assets: &self.svm_assets,
            schemes: self.schemes,
        }
    }

    /// Reads a 402 — the v2 `PAYMENT-REQUIRED` header, else the JSON body — and chooses the
    /// offer to pay at `now`: the first the policy signs whose amount the budget allows in its
    /// asset. When every otherwise payable offer costs too much, the error is the budget's (which
    /// limit refuses the cheapest: `per_request_budget_exceeded`, `total_budget_exceeded`,
    /// `window_budget_exceeded`); else the core's (`no_acceptable_requirements`, the decoder's).
    pub fn choose<N: AsRef<str>, V: AsRef<[u8]>>(
        &self,
        headers: &[(N, V)],
        body: &[u8],
        now: u64,
    ) -> Result<Chosen, Box<Refusal>> {
        let plain = |error: HostError| {
            Box::new(Refusal {
                error,
                amount: None,
                remaining: None,
            })
        };
        let required = match headers
            .iter()
            .find(|(name, _)| name_is(name.as_ref(), PAYMENT_REQUIRED))
        {
            Some((_, value)) => {
                let mut buf = vec![0u8; (value.as_ref().len() / 4 * 3 + 3).min(MAX_REQUIRED)];
                let json = pay402::x402::header::decode(value.as_ref(), &mut buf)
                    .map_err(|e| plain(HostError::of(&e)))?;
                json.to_vec()
            }
            None => body.to_vec(),
        };
        let parsed = PaymentRequired::from_json(&required).map_err(|e| plain(HostError::of(&e)))?;
        let allowance = |network: &Network, asset: &AssetId| {
            self.budget
                .allowance(&network_key(*network), &asset.to_string(), now)
                .ok()
        };
        let choice = match choose(&parsed, &self.policy(), allowance) {
            Ok(choice) => choice,
            Err(e @ ClientError::AmountExceedsBudget { .. }) => {
                return Err(self
                    .budget_refusal(&parsed, now)
                    .unwrap_or_else(|| plain(HostError::of(&e))));
            }
            Err(e) => return Err(plain(HostError::of(&e))),
        };
        let approval = choice.permit2_approval().map(|a| Approval {
            chain_id: a.chain_id,
            token: a.token.to_string(),
            spender: a.spender.to_string(),
            amount: a.amount,
        });
        let (index, kind, network, amount) = (
            choice.index,
            choice.kind.name(),
            choice.network,
            choice.amount,
        );
        let asset = choice.asset.to_string();
        let x402_version = match parsed.version() {
            pay402::x402::X402Version::V1 => 1,
            pay402::x402::X402Version::V2 => 2,
        };
        drop(parsed);
        Ok(Chosen {
            required,
            index,
            kind,
            x402_version,
            network: network_key(network),
            chain_id: network.chain_id(),
            asset,
            amount,
            approval,
        })
    }

    /// Which limit refuses the cheapest otherwise payable offer: the budget's own error.
    fn budget_refusal(&self, parsed: &PaymentRequired<'_>, now: u64) -> Option<Box<Refusal>> {
        let listed = |network: &Network, asset: &AssetId| {
            self.budget
                .allowance(&network_key(*network), &asset.to_string(), now)
                .ok()
                .map(|_| U256::MAX)
        };
        let dearer = choose(parsed, &self.policy(), listed).ok()?;
        match self.budget.reserve(
            &network_key(dearer.network),
            &dearer.asset.to_string(),
            dearer.amount,
            now,
        ) {
            Err(refusal) => Some(refusal),
            Ok(reservation) => {
                let _ = reservation.release();
                None
            }
        }
    }

    /// Reserves the chosen amount in the budget at `now` (before anything is signed).
    pub fn reserve(&self, chosen: &Chosen, now: u64) -> Result<Reservation, Box<Refusal>> {
        self.budget
            .reserve(&chosen.network, &chosen.asset, chosen.amount, now)
    }

    /// For a Permit2 offer: `permit2_allowance_required` (its message names the approval to
    /// make) when `allowance`, the payer's ERC-20 allowance to Permit2 the host read, is below the
    /// amount. `Ok` for other kinds.
    pub fn check_allowance(&self, chosen: &Chosen, allowance: U256) -> Result<(), HostError> {
        let required = chosen.required()?;
        let requirements = required
            .accept(chosen.index)
            .ok_or_else(|| config_error("the chosen offer is gone"))?;
        let choice = pay402::x402::client::assess(chosen.index, requirements)
            .map_err(|e| HostError::of(&e))?;
        check_permit2_allowance(&choice, allowance).map_err(|e| HostError::of(&e))
    }

    /// Reserves, signs with `key` and encodes the EVM payment (EIP-3009, Permit2 `exact`,
    /// `upto`). `permit2_allowance`, when given, is checked first ([`X402Client::check_allowance`]).
    /// The reservation is released when nothing could be signed.
    pub fn pay_evm(
        &self,
        chosen: &Chosen,
        key: &PrivateKey,
        now: u64,
        nonce: &[u8; 32],
        permit2_allowance: Option<U256>,
    ) -> Result<Payment, HostError> {
        if let Some(allowance) = permit2_allowance {
            self.check_allowance(chosen, allowance)?;
        }
        let reservation = self.reserve(chosen, now).map_err(|r| r.error)?;
        let built = self.build_evm(chosen, key, now, nonce);
        self.payment(chosen, reservation, built)
    }

    /// The EVM payment header for the chosen offer, signed with `key` (no reservation: see
    /// [`X402Client::pay_evm`]).
    pub fn build_evm(
        &self,
        chosen: &Chosen,
        key: &PrivateKey,
        now: u64,
        nonce: &[u8; 32],
    ) -> Result<String, HostError> {
        let required = chosen.required()?;
        with_buffers(|scratch, out| {
            pay402::x402::client::pay_evm(&required, chosen.index, key, now, nonce, scratch, out)
        })
    }

    /// The `eth_signTypedData_v4` parameter (JSON) and the digest an external wallet signs for
    /// the chosen EVM offer, paid by `from` at `now` with `nonce`.
    pub fn typed_data(
        &self,
        chosen: &Chosen,
        from: &str,
        now: u64,
        nonce: &[u8; 32],
    ) -> Result<(String, [u8; 32]), HostError> {
        let from = Address::parse(from.as_bytes()).map_err(|e| HostError::of(&e))?;
        let required = chosen.required()?;
        let mut buf = vec![0u8; 8192];
        if chosen.kind == "exact_eip3009" {
            let draft = PaymentDraft::new(&required, chosen.index, from, now, nonce)
                .map_err(|e| HostError::of(&e))?;
            let n = write_all(&mut buf, |w| draft.write_typed_data(w))
                .map_err(|e| HostError::of(&e))?;
            Ok((
                String::from_utf8_lossy(&buf[..n]).into_owned(),
                draft.digest(),
            ))
        } else {
            let draft = Permit2Draft::new(&required, chosen.index, from, now, nonce)
                .map_err(|e| HostError::of(&e))?;
            let n = write_all(&mut buf, |w| draft.write_typed_data(w))
                .map_err(|e| HostError::of(&e))?;
            Ok((
                String::from_utf8_lossy(&buf[..n]).into_owned(),
                draft.digest(),
            ))
        }
    }

    /// The EVM payment header with an external wallet's `signature` over
    /// [`X402Client::typed_data`] (same `from`, `now`, `nonce`); the signature must recover
    /// `from`. Ends nothing: the caller reserved with [`X402Client::reserve`].
    pub fn finish_evm(
        &self,
        chosen: &Chosen,
        from: &str,
        now: u64,
        nonce: &[u8; 32],
        signature: &[u8],
    ) -> Result<String, HostError> {
        let from = Address::parse(from.as_bytes()).map_err(|e| HostError::of(&e))?;
        let required = chosen.required()?;
        with_buffers(|scratch, out| {
            if chosen.kind == "exact_eip3009" {
                PaymentDraft::new(&required, chosen.index, from, now, nonce)?
                    .with_wallet_signature(signature)?
                    .write_header(scratch, out)
            } else {
                Permit2Draft::new(&required, chosen.index, from, now, nonce)?
                    .write_header(signature, scratch, out)
            }
        })
    }

    /// Reserves, builds and partially signs the Solana payment with `key` and the chain state
    /// the host fetched. The reservation is released when nothing could be built.
    #[cfg(feature = "svm")]
    pub fn pay_svm(
        &self,
        chosen: &Chosen,
        key: &pay402::svm::PayerKey,
        chain: &pay402::x402::client::SvmChainState,
        memo_nonce: &[u8; 16],
        now: u64,
    ) -> Result<Payment, HostError> {
        let reservation = self.reserve(chosen, now).map_err(|r| r.error)?;
        let built = self.build_svm(chosen, key, chain, memo_nonce);
        self.payment(chosen, reservation, built)
    }

    /// The Solana payment header for the chosen offer (no reservation: see
    /// [`X402Client::pay_svm`]).
    #[cfg(feature = "svm")]
    pub fn build_svm(
        &self,
        chosen: &Chosen,
        key: &pay402::svm::PayerKey,
        chain: &pay402::x402::client::SvmChainState,
        memo_nonce: &[u8; 16],
    ) -> Result<String, HostError> {
        let required = chosen.required()?;
        let mut wire = vec![0u8; 1232];
        with_buffers(|scratch, out| {
            pay402::x402::client::pay_svm(
                &required,
                chosen.index,
                key,
                chain,
                memo_nonce,
                &mut wire,
                scratch,
                out,
            )
        })
    }

    /// The request header the payment goes in: `PAYMENT-SIGNATURE` (v2) or `X-PAYMENT` (v1).
    pub fn header_name(chosen: &Chosen) -> &'static str {
        payment_header_name(if chosen.x402_version == 1 {
            pay402::x402::X402Version::V1
        } else {
            pay402::x402::X402Version::V2
        })
    }

    /// A payment around `header_value`, or the error after releasing `reservation`.
    pub fn payment(
        &self,
        chosen: &Chosen,
        reservation: Reservation,
        header_value: Result<String, HostError>,
    ) -> Result<Payment, HostError> {
        match header_value {
            Ok(header_value) => Ok(Payment {
                header_name: Self::header_name(chosen),
                header_value,
                reservation,
                kind: chosen.kind,
            }),
            Err(e) => {
                let _ = reservation.release(); // nothing was signed
                Err(e)
            }
        }
    }

    /// Reads the answer to the paid retry and ends the payment's reservation by the core's
    /// verdict: served → committed (an `upto` receipt's settled amount, the rest back); a
    /// definitive refusal → released; otherwise kept counted.
    pub fn complete<N: AsRef<str>, V: AsRef<[u8]>>(
        &self,
        payment: &Payment,
        status: u16,
        headers: &[(N, V)],
        body: &[u8],
    ) -> PaidOutcome {
        Self::complete_reservation(&payment.reservation, payment.kind, status, headers, body)
    }

    /// [`X402Client::complete`] for a reservation the binding holds itself, of a payment of
    /// `kind`.
    pub fn complete_reservation<N: AsRef<str>, V: AsRef<[u8]>>(
        reservation: &Reservation,
        kind: &str,
        status: u16,
        headers: &[(N, V)],
        body: &[u8],
    ) -> PaidOutcome {
        let mut buf = vec![0u8; RECOMMENDED_BUFFER_LEN * 2];
        match read_paid_response(status, headers, body, &mut buf) {
            PaidResponse::Served { receipt } => {
                let settled_amount = receipt.and_then(|r| r.amount);
                let ended = match settled_amount {
                    Some(paid) if kind == "upto_permit2" => reservation.commit_partial(paid),
                    _ => reservation.commit(),
                };
                let _ = ended; // an already ended reservation stays as it was
                PaidOutcome::Served {
                    transaction: receipt
                        .and_then(|r| r.transaction)
                        .map(|t| owned(&t))
                        .filter(|t| !t.is_empty()),
                    settled_amount,
                }
            }
            PaidResponse::Refused(r) => {
                if r.definitive {
                    let _ = reservation.release();
                }
                PaidOutcome::Refused(PaidRefusal {
                    status: r.status,
                    code: owned(&r.code),
                    detail_code: r.detail_code.map(|d| owned(&d)),
                    message: r.message.map(|m| owned(&m)),
                    definitive: r.definitive,
                })
            }
            PaidResponse::Undetermined => PaidOutcome::Undetermined,
        }
    }
}

/// The budget's network key: the CAIP-2 id.
fn network_key(network: Network) -> String {
    match network {
        Network::Solana(cluster) => cluster.caip2().to_owned(),
        Network::Eip155 { chain_id } => format!("eip155:{chain_id}"),
    }
}

/// Runs a core writer with a scratch and an output buffer, as an owned string.
fn with_buffers(
    f: impl for<'o> FnOnce(&mut [u8], &'o mut [u8]) -> Result<&'o str, ClientError>,
) -> Result<String, HostError> {
    let mut scratch = vec![0u8; RECOMMENDED_BUFFER_LEN * 4];
    let mut out = vec![0u8; RECOMMENDED_BUFFER_LEN * 6];
    f(&mut scratch, &mut out)
        .map(str::to_owned)
        .map_err(|e| HostError::of(&e))
}

impl ErrorCode for PaidRefusal {
    fn code(&self) -> &'static str {
        "payment_refused"
    }
}

impl core::fmt::Display for PaidRefusal {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "the server refused the payment ({}): {}",
            self.status, self.code
        )?;
        if let Some(d) = &self.detail_code {
            write!(f, " ({d})")?;
        }
        if let Some(m) = &self.message {
            write!(f, ": {m}")?;
        }
        Ok(())
    }
}
