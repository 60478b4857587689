//! The paying x402 client with owned state: [`ClientBudget`], [`X402Client`],
//! [`X402ChosenOffer`], [`X402Payment`] and the verdict [`X402PaidOutcome`].
//!
//! Conversion only: the choice among `exact` EIP-3009, `exact` Permit2, `upto` and Solana
//! offers, the budget's limits per `(network, asset)`, the Permit2 approval a payment needs, the
//! payloads and the verdict on a paid answer (which ends the reservation: served → spent,
//! definitively refused → given back) are `pay402_host::x402_client`'s and
//! `pay402_host::budget`'s over the core. The app does the I/O: the HTTP requests, the allowance
//! read and the Solana chain state (the Kotlin `X402HttpClient` does all three).

use crate::Pay402Error;
use crate::client::HttpHeader;
use crate::convert::{array, pubkey, u256};
use pay402::U256;
use pay402_host::HostError;
use pay402_host::budget::{self as host_budget, Limits, Refusal, Window};
use pay402_host::x402_client::{self as host, ClientConfig, PaidOutcome};
use std::sync::Arc;

/// A host error of the paying client: a budget's refusal as `Budget`, anything else as `Client`.
fn client_error(e: HostError) -> Pay402Error {
    if e.code.ends_with("_budget_exceeded") || e.code.contains("budget_") {
        Pay402Error::Budget {
            code: e.code.to_owned(),
            reason: e.message,
            amount: None,
            remaining: None,
        }
    } else {
        Pay402Error::Client {
            code: e.code.to_owned(),
            reason: e.message,
        }
    }
}

/// A budget's refusal, with the amount asked and what the refusing limit still allows.
#[allow(clippy::boxed_local, reason = "the host's refusals come boxed")]
fn refusal(r: Box<Refusal>) -> Pay402Error {
    let Refusal {
        error,
        amount,
        remaining,
    } = *r;
    match client_error(error) {
        Pay402Error::Budget { code, reason, .. } => Pay402Error::Budget {
            code,
            reason,
            amount: amount.map(|a| a.to_string()),
            remaining: remaining.map(|a| a.to_string()),
        },
        other => other,
    }
}

/// A rolling window of a budget: at most `amount` per `seconds`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BudgetWindow {
    /// The window's length in seconds.
    pub seconds: u64,
    /// The most spent within one window (decimal atomic units).
    pub amount: String,
}

/// The limits of one asset (decimal atomic units).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BudgetLimits {
    /// The most one payment may cost.
    pub per_request: String,
    /// The most spent in all.
    pub total: String,
    /// A rolling window, when given.
    #[uniffi(default = None)]
    pub window: Option<BudgetWindow>,
}

/// A client's spending budget, per `(network, asset)` (EVM and Solana assets together); shared
/// by every client given it, thread-safe. Amounts are counted when reserved (before signing),
/// spent when served and given back when a payment is definitively refused.
#[derive(Debug, uniffi::Object)]
pub struct ClientBudget {
    inner: host_budget::Budget,
}

impl Default for ClientBudget {
    fn default() -> Self {
        Self::new()
    }
}

#[uniffi::export]
impl ClientBudget {
    /// A budget that lists no asset yet (it refuses every payment until [`ClientBudget::add`]).
    #[uniffi::constructor]
    pub fn new() -> Self {
        Self {
            inner: host_budget::Budget::new(),
        }
    }

    /// Lists `asset` on `network` (a v1 name or a CAIP-2 id; `base` and `eip155:8453` are one
    /// network) with its `limits`.
    ///
    /// Errors: `Budget` (`invalid_budget_asset`, `duplicate_budget_asset`,
    /// `too_many_budget_assets`, `invalid_budget_window`); `InvalidArgument` for an amount.
    pub fn add(
        &self,
        network: String,
        asset: String,
        limits: BudgetLimits,
    ) -> Result<(), Pay402Error> {
        let window = limits
            .window
            .map(|w| {
                Ok::<_, Pay402Error>(Window {
                    seconds: w.seconds,
                    amount: u256(&w.amount, "window.amount")?,
                })
            })
            .transpose()?;
        let limits = Limits {
            per_request: u256(&limits.per_request, "per_request")?,
            total: u256(&limits.total, "total")?,
            window,
        };
        self.inner
            .add(&network, &asset, limits)
            .map_err(|e| budget_error(&e))
    }

    /// The most one payment in `(network, asset)` may cost at `now` (decimal).
    pub fn allowance(
        &self,
        network: String,
        asset: String,
        now: u64,
    ) -> Result<String, Pay402Error> {
        self.inner
            .allowance(&network, &asset, now)
            .map(|a| a.to_string())
            .map_err(|e| budget_error(&e))
    }

    /// What was spent in `(network, asset)` so far (decimal).
    pub fn spent(&self, network: String, asset: String) -> Result<String, Pay402Error> {
        self.inner
            .spent(&network, &asset)
            .map(|a| a.to_string())
            .map_err(|e| budget_error(&e))
    }
}

/// Every error of a budget call is the budget's.
fn budget_error(e: &HostError) -> Pay402Error {
    Pay402Error::Budget {
        code: e.code.to_owned(),
        reason: e.message.clone(),
        amount: None,
        remaining: None,
    }
}

/// What the payer can and will pay.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct X402ClientConfig {
    /// Networks the payer holds funds on: v1 names or CAIP-2 ids, EVM and Solana together.
    pub networks: Vec<String>,
    /// ERC-20 contracts the payer pays with.
    #[uniffi(default = [])]
    pub evm_assets: Vec<String>,
    /// SPL mints the payer pays with.
    #[uniffi(default = [])]
    pub svm_assets: Vec<String>,
    /// The kinds the payer signs (`exact_eip3009`, `exact_permit2`, `upto_permit2`,
    /// `exact_svm`); empty: all.
    #[uniffi(default = [])]
    pub schemes: Vec<String>,
}

/// The ERC-20 approval a Permit2 payment needs: `token.approve(spender, amount)` on `chain_id`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Permit2Approval {
    /// The EIP-155 chain id.
    pub chain_id: u64,
    /// The ERC-20 token (EIP-55).
    pub token: String,
    /// The canonical Permit2 contract (EIP-55): the spender to approve.
    pub spender: String,
    /// The least allowance the payment needs (decimal).
    pub amount: String,
}

/// What an external wallet signs for an EVM offer: `eth_signTypedData_v4`'s parameter, or its
/// EIP-712 digest for a signer that signs digests.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct X402TypedData {
    /// The typed data JSON (`types`, `primaryType`, `domain`, `message`).
    pub typed_data_json: String,
    /// The EIP-712 digest (32 bytes).
    pub digest: Vec<u8>,
}

/// The Solana chain state a payment needs, which the app reads over RPC.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SvmChainState {
    /// A recent blockhash (base58; RPC `getLatestBlockhash`).
    pub recent_blockhash: String,
    /// The mint's decimals.
    pub decimals: u8,
    /// The mint account's owner: SPL Token or Token-2022 (base58).
    pub token_program: String,
}

/// A mint's decimals and token program.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SvmMint {
    /// The mint's decimals.
    pub decimals: u8,
    /// Its token program (base58).
    pub token_program: String,
}

/// The decimals and token program of a mint the reference packages list (USDC on Solana
/// mainnet and devnet), or `None`: read the mint account then.
#[uniffi::export]
pub fn svm_known_mint(mint: String) -> Option<SvmMint> {
    let mint = pay402::svm::Pubkey::parse(mint.as_bytes()).ok()?;
    pay402::x402::client::known_mint(&mint).map(|(decimals, program)| SvmMint {
        decimals,
        token_program: program.to_string(),
    })
}

/// The offer [`X402Client::choose`] chose from a 402.
#[derive(Debug, uniffi::Object)]
pub struct X402ChosenOffer {
    inner: host::Chosen,
}

#[uniffi::export]
impl X402ChosenOffer {
    /// Its index in `accepts`.
    pub fn index(&self) -> u32 {
        u32::try_from(self.inner.index).unwrap_or(u32::MAX)
    }

    /// `exact_eip3009`, `exact_permit2`, `upto_permit2` or `exact_svm`.
    pub fn kind(&self) -> String {
        self.inner.kind.to_owned()
    }

    /// The x402 version of the 402 (1 or 2).
    pub fn x402_version(&self) -> u8 {
        self.inner.x402_version
    }

    /// The network's CAIP-2 id.
    pub fn network(&self) -> String {
        self.inner.network.clone()
    }

    /// The EVM chain id, for EVM offers.
    pub fn chain_id(&self) -> Option<u64> {
        self.inner.chain_id
    }

    /// The asset (EVM: lowercase hex; Solana: base58).
    pub fn asset(&self) -> String {
        self.inner.asset.clone()
    }

    /// The amount reserved (decimal): the price, or an `upto` offer's maximum.
    pub fn amount(&self) -> String {
        self.inner.amount.to_string()
    }

    /// The request header the payment goes in: `PAYMENT-SIGNATURE` (v2) or `X-PAYMENT` (v1).
    pub fn header_name(&self) -> String {
        host::X402Client::header_name(&self.inner).to_owned()
    }

    /// The Permit2 approval the payment needs; `None` for other kinds.
    pub fn approval(&self) -> Option<Permit2Approval> {
        self.inner.approval.as_ref().map(|a| Permit2Approval {
            chain_id: a.chain_id,
            token: a.token.clone(),
            spender: a.spender.clone(),
            amount: a.amount.to_string(),
        })
    }

    /// The decoded 402 JSON the offer was chosen from.
    pub fn payment_required_json(&self) -> String {
        String::from_utf8_lossy(self.inner.payment_required_json()).into_owned()
    }
}

/// A payment ready to send, with its amount reserved in the budget until
/// [`X402Client::complete`] (or [`X402Payment::release`]) ends it.
#[derive(Debug, uniffi::Object)]
pub struct X402Payment {
    inner: host::Payment,
}

#[uniffi::export]
impl X402Payment {
    /// `PAYMENT-SIGNATURE` (v2) or `X-PAYMENT` (v1).
    pub fn header_name(&self) -> String {
        self.inner.header_name.to_owned()
    }

    /// The header value.
    pub fn header_value(&self) -> String {
        self.inner.header_value.clone()
    }

    /// The amount reserved (decimal).
    pub fn amount(&self) -> String {
        self.inner.reservation.amount().to_string()
    }

    /// The payment never reached the server (the connection was refused): the amount comes
    /// back. Errors: `Budget` `unknown_reservation` when it was already ended.
    pub fn release(&self) -> Result<(), Pay402Error> {
        self.inner
            .reservation
            .release()
            .map_err(|e| budget_error(&e))
    }
}

/// The core's verdict on the answer to a paid retry.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum X402PaidOutcome {
    /// Served: the amount is spent (`upto`: what the receipt says was settled).
    Served {
        /// The receipt's `transaction`, when there was a receipt.
        transaction: Option<String>,
        /// The receipt's settled `amount` (decimal), when given.
        settled_amount: Option<String>,
    },
    /// Refused; the amount was given back when the refusal is definitive, else kept counted.
    Refused {
        /// The HTTP status.
        status: u16,
        /// The server's code.
        code: String,
        /// The server's detail code.
        detail_code: Option<String>,
        /// The server's message.
        message: Option<String>,
        /// Whether the payment is definitively not taken.
        definitive: bool,
    },
    /// The server failed without saying whether it settled: the amount stays counted.
    Undetermined,
}

/// The paying client: a policy (networks, EVM and Solana assets, kinds) and a [`ClientBudget`].
/// Thread-safe.
#[derive(Debug, uniffi::Object)]
pub struct X402Client {
    inner: host::X402Client,
}

fn pairs(headers: &[HttpHeader]) -> Vec<(&str, &[u8])> {
    headers
        .iter()
        .map(|h| (h.name.as_str(), h.value.as_bytes()))
        .collect()
}

#[uniffi::export]
impl X402Client {
    /// A client spending from `budget`.
    ///
    /// Errors: `Client` `invalid_client_config` (an unknown network, a malformed asset, an
    /// unknown kind).
    #[uniffi::constructor]
    pub fn new(config: X402ClientConfig, budget: Arc<ClientBudget>) -> Result<Self, Pay402Error> {
        let config = ClientConfig {
            networks: config.networks,
            evm_assets: config.evm_assets,
            svm_assets: config.svm_assets,
            schemes: config.schemes,
        };
        host::X402Client::new(&config, budget.inner.clone())
            .map(|inner| Self { inner })
            .map_err(client_error)
    }

    /// Reads a 402 (the v2 `PAYMENT-REQUIRED` header, else the JSON `body`) and chooses the
    /// offer to pay at `now`: the first the policy signs whose amount the budget allows.
    ///
    /// Errors: `Budget` (which limit refuses the cheapest payable offer, with `amount` and
    /// `remaining`); `Client` (`no_acceptable_requirements`, the decoder's codes).
    pub fn choose(
        &self,
        headers: Vec<HttpHeader>,
        body: Vec<u8>,
        now: u64,
    ) -> Result<Arc<X402ChosenOffer>, Pay402Error> {
        self.inner
            .choose(&pairs(&headers), &body, now)
            .map(|inner| Arc::new(X402ChosenOffer { inner }))
            .map_err(refusal)
    }

    /// For a Permit2 offer: `Client` `permit2_allowance_required` (its reason names the
    /// approval to make) when `allowance` (decimal), the payer's ERC-20 allowance to Permit2,
    /// is below the amount. Nothing for other kinds.
    pub fn check_allowance(
        &self,
        chosen: Arc<X402ChosenOffer>,
        allowance: String,
    ) -> Result<(), Pay402Error> {
        self.inner
            .check_allowance(&chosen.inner, u256(&allowance, "allowance")?)
            .map_err(client_error)
    }

    /// Reserves the amount at `now`, signs the EVM payment (EIP-3009, Permit2 `exact`,
    /// `upto`) with the 32-byte secp256k1 `private_key` and 32 random `nonce` bytes and encodes
    /// it. `permit2_allowance` (decimal), when given, is checked first. Nothing stays reserved
    /// when nothing was signed.
    ///
    /// Errors: `Budget`, `Client` (`permit2_allowance_required`, …), `InvalidArgument`.
    #[uniffi::method(default(permit2_allowance = None))]
    pub fn pay_evm(
        &self,
        chosen: Arc<X402ChosenOffer>,
        private_key: Vec<u8>,
        now: u64,
        nonce: Vec<u8>,
        permit2_allowance: Option<String>,
    ) -> Result<Arc<X402Payment>, Pay402Error> {
        let key = pay402::evm::PrivateKey::from_bytes(&array::<32>(&private_key, "private_key")?)?;
        let nonce = array::<32>(&nonce, "nonce")?;
        let allowance = permit2_allowance
            .map(|a| u256(&a, "permit2_allowance"))
            .transpose()?;
        if let Some(allowance) = allowance {
            self.inner
                .check_allowance(&chosen.inner, allowance)
                .map_err(client_error)?;
        }
        let reservation = self.inner.reserve(&chosen.inner, now).map_err(refusal)?;
        let built = self.inner.build_evm(&chosen.inner, &key, now, &nonce);
        self.inner
            .payment(&chosen.inner, reservation, built)
            .map(|inner| Arc::new(X402Payment { inner }))
            .map_err(client_error)
    }

    /// What a wallet holding `from`'s key signs for an EVM offer (EIP-3009 or Permit2, by the
    /// offer) paid at `now` with 32 random `nonce` bytes; then [`X402Client::pay_evm_signed`]
    /// with the same `from`, `now` and `nonce`.
    pub fn typed_data(
        &self,
        chosen: Arc<X402ChosenOffer>,
        from: String,
        now: u64,
        nonce: Vec<u8>,
    ) -> Result<X402TypedData, Pay402Error> {
        let (typed_data_json, digest) = self
            .inner
            .typed_data(&chosen.inner, &from, now, &array::<32>(&nonce, "nonce")?)
            .map_err(client_error)?;
        Ok(X402TypedData {
            typed_data_json,
            digest: digest.to_vec(),
        })
    }

    /// Reserves the amount at `now` and encodes the EVM payment with the wallet's 65-byte
    /// `signature` over [`X402Client::typed_data`] (same `from`, `now`, `nonce`), which must
    /// recover `from`. Nothing stays reserved when it does not.
    ///
    /// Errors: `Budget`, `Client` (`signature_wrong_signer`, …), `InvalidArgument`.
    pub fn pay_evm_signed(
        &self,
        chosen: Arc<X402ChosenOffer>,
        from: String,
        now: u64,
        nonce: Vec<u8>,
        signature: Vec<u8>,
    ) -> Result<Arc<X402Payment>, Pay402Error> {
        let nonce = array::<32>(&nonce, "nonce")?;
        let reservation = self.inner.reserve(&chosen.inner, now).map_err(refusal)?;
        let built = self
            .inner
            .finish_evm(&chosen.inner, &from, now, &nonce, &signature);
        self.inner
            .payment(&chosen.inner, reservation, built)
            .map(|inner| Arc::new(X402Payment { inner }))
            .map_err(client_error)
    }

    /// Reserves the amount at `now`, builds and partially signs the Solana payment with the
    /// payer's 32-byte ed25519 `seed`, the `chain` state the app read and 16 random
    /// `memo_nonce` bytes. Nothing stays reserved when nothing was built.
    pub fn pay_svm(
        &self,
        chosen: Arc<X402ChosenOffer>,
        seed: Vec<u8>,
        chain: SvmChainState,
        memo_nonce: Vec<u8>,
        now: u64,
    ) -> Result<Arc<X402Payment>, Pay402Error> {
        let key = pay402::svm::PayerKey::from_seed(&array::<32>(&seed, "seed")?);
        let chain = pay402::x402::client::SvmChainState {
            recent_blockhash: pubkey(&chain.recent_blockhash, "recent_blockhash")?.0,
            decimals: chain.decimals,
            token_program: pubkey(&chain.token_program, "token_program")?,
        };
        let memo_nonce = array::<16>(&memo_nonce, "memo_nonce")?;
        let reservation = self.inner.reserve(&chosen.inner, now).map_err(refusal)?;
        let built = self
            .inner
            .build_svm(&chosen.inner, &key, &chain, &memo_nonce);
        self.inner
            .payment(&chosen.inner, reservation, built)
            .map(|inner| Arc::new(X402Payment { inner }))
            .map_err(client_error)
    }

    /// Reads the answer to the paid retry (`status`, headers, body) and ends the payment's
    /// reservation by the core's verdict: served → spent (an `upto` receipt's settled amount,
    /// the rest back); definitively refused → given back; otherwise kept counted.
    pub fn complete(
        &self,
        payment: Arc<X402Payment>,
        status: u16,
        headers: Vec<HttpHeader>,
        body: Vec<u8>,
    ) -> X402PaidOutcome {
        let text = |a: Option<U256>| a.map(|a| a.to_string());
        match self
            .inner
            .complete(&payment.inner, status, &pairs(&headers), &body)
        {
            PaidOutcome::Served {
                transaction,
                settled_amount,
            } => X402PaidOutcome::Served {
                transaction,
                settled_amount: text(settled_amount),
            },
            PaidOutcome::Refused(r) => X402PaidOutcome::Refused {
                status: r.status,
                code: r.code,
                detail_code: r.detail_code,
                message: r.message,
                definitive: r.definitive,
            },
            PaidOutcome::Undetermined => X402PaidOutcome::Undetermined,
        }
    }
}
