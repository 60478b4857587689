//! The core's paying client of every scheme, call by call (`pay402::x402::client`): the choice
//! among `exact` EIP-3009, `exact` Permit2, `upto` and Solana offers, the payment of each, and the
//! verdict on a paid answer. Conversion only; randomness, time and chain state come from the app.

use crate::Pay402Error;
use crate::client::{HttpHeader, decode, index};
use crate::convert::{address, array, pubkey, u256};
use pay402::evm::PrivateKey;
use pay402::svm::PayerKey;
use pay402::x402::client::{
    ClientPolicy, PaidResponse, Schemes, SvmChainState, check_permit2_allowance, choose, pay_evm,
    pay_svm, read_paid_response,
};
use pay402::x402::{Network, header};

/// What the payer can and will pay, EVM and Solana together, under one maximum.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChoosePolicy {
    /// Networks: v1 names or CAIP-2 ids.
    pub networks: Vec<String>,
    /// ERC-20 contracts.
    pub evm_assets: Vec<String>,
    /// SPL mints (base58).
    pub svm_assets: Vec<String>,
    /// The kinds signed (`exact_eip3009`, `exact_permit2`, `upto_permit2`, `exact_svm`); `None`: all.
    #[uniffi(default = None)]
    pub schemes: Option<Vec<String>>,
    /// The most one payment may cost (decimal, base units).
    pub max_amount: String,
    /// The payer's ERC-20 allowance to Permit2 (decimal), when the app read it.
    #[uniffi(default = None)]
    pub permit2_allowance: Option<String>,
}

/// The offer chosen by [`x402_choose`].
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ClientChoice {
    /// Its index in `accepts`.
    pub index: u32,
    /// `exact_eip3009`, `exact_permit2`, `upto_permit2` or `exact_svm`.
    pub kind: String,
    /// The ERC-20 contract (lowercase hex) or the SPL mint (base58).
    pub asset: String,
    /// The amount to reserve (decimal): the price, or an `upto` offer's maximum.
    pub amount: String,
}

/// The core's verdict on the answer to a paid retry.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PaidAnswer {
    /// `served`, `refused` or `undetermined`.
    pub verdict: String,
    /// A refusal's code.
    pub code: Option<String>,
    /// A refusal's detail code.
    pub detail_code: Option<String>,
    /// A refusal's message.
    pub message: Option<String>,
    /// Whether a refused payment is definitively not taken.
    pub definitive: Option<bool>,
    /// A served payment's transaction.
    pub transaction: Option<String>,
    /// The settled amount (decimal) a served `upto` payment's receipt reports.
    pub settled_amount: Option<String>,
}

/// Chooses the first offer of a listed kind, network and asset within `policy.max_amount`; a
/// Permit2 offer above `policy.permit2_allowance` fails with `permit2_allowance_required`.
///
/// Errors: `Client` (`no_acceptable_requirements`, `amount_exceeds_budget`,
/// `permit2_allowance_required`), `X402` for an undecodable 402, `InvalidArgument`.
#[uniffi::export]
pub fn x402_choose(
    payment_required_json: String,
    policy: ChoosePolicy,
) -> Result<ClientChoice, Pay402Error> {
    let required = decode(&payment_required_json)?;
    let networks = policy
        .networks
        .iter()
        .map(|n| Network::parse(n).ok_or_else(|| Pay402Error::argument(format!("networks: {n:?}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let evm = policy
        .evm_assets
        .iter()
        .map(|a| address(a, "evm_assets"))
        .collect::<Result<Vec<_>, _>>()?;
    let svm = policy
        .svm_assets
        .iter()
        .map(|a| pubkey(a, "svm_assets"))
        .collect::<Result<Vec<_>, _>>()?;
    let schemes = match &policy.schemes {
        None => Schemes::ALL,
        Some(names) => {
            let has = |k: &str| names.iter().any(|s| s == k);
            Schemes {
                exact_eip3009: has("exact_eip3009"),
                exact_permit2: has("exact_permit2"),
                upto_permit2: has("upto_permit2"),
                exact_svm: has("exact_svm"),
            }
        }
    };
    let core_policy = ClientPolicy {
        networks: &networks,
        evm_assets: &evm,
        svm_assets: &svm,
        schemes,
    };
    let max = u256(&policy.max_amount, "max_amount")?;
    let chosen = choose(&required, &core_policy, |_, _| Some(max))?;
    if let Some(allowance) = &policy.permit2_allowance {
        check_permit2_allowance(&chosen, u256(allowance, "permit2_allowance")?)?;
    }
    Ok(ClientChoice {
        index: u32::try_from(chosen.index)
            .map_err(|_| Pay402Error::argument("accepts index beyond u32"))?,
        kind: chosen.kind.name().to_owned(),
        asset: chosen.asset.to_string(),
        amount: chosen.amount.to_string(),
    })
}

/// The EVM payment header value (EIP-3009, Permit2 `exact` or `upto`, by the entry) for
/// `accepts[accept_index]`, signed with `private_key` at `now` with 32 random `nonce` bytes.
#[uniffi::export]
pub fn x402_pay_evm(
    payment_required_json: String,
    accept_index: u32,
    private_key: Vec<u8>,
    now: u64,
    nonce: Vec<u8>,
) -> Result<String, Pay402Error> {
    let required = decode(&payment_required_json)?;
    let key = PrivateKey::from_bytes(&array::<32>(&private_key, "private_key")?)?;
    let nonce = array::<32>(&nonce, "nonce")?;
    let size = header::RECOMMENDED_BUFFER_LEN.max(payment_required_json.len() * 2);
    let (mut scratch, mut out) = (vec![0u8; size], vec![0u8; size * 2]);
    Ok(pay_evm(
        &required,
        index(accept_index)?,
        &key,
        now,
        &nonce,
        &mut scratch,
        &mut out,
    )?
    .to_owned())
}

/// The Solana payment header value for `accepts[accept_index]`: the transfer built and
/// partially signed with the payer's 32-byte `seed`, the chain state the app read and 16 random
/// `memo_nonce` bytes.
#[uniffi::export]
#[allow(clippy::too_many_arguments, reason = "one exported call")]
pub fn x402_pay_svm(
    payment_required_json: String,
    accept_index: u32,
    seed: Vec<u8>,
    recent_blockhash: String,
    decimals: u8,
    token_program: String,
    memo_nonce: Vec<u8>,
) -> Result<String, Pay402Error> {
    let required = decode(&payment_required_json)?;
    let key = PayerKey::from_seed(&array::<32>(&seed, "seed")?);
    let chain = SvmChainState {
        recent_blockhash: pubkey(&recent_blockhash, "recent_blockhash")?.0,
        decimals,
        token_program: pubkey(&token_program, "token_program")?,
    };
    let memo_nonce = array::<16>(&memo_nonce, "memo_nonce")?;
    let size = header::RECOMMENDED_BUFFER_LEN.max(payment_required_json.len() * 2);
    let (mut scratch, mut out) = (vec![0u8; size], vec![0u8; size * 2]);
    let mut wire = vec![0u8; 1232];
    Ok(pay_svm(
        &required,
        index(accept_index)?,
        &key,
        &chain,
        &memo_nonce,
        &mut wire,
        &mut scratch,
        &mut out,
    )?
    .to_owned())
}

/// The core's verdict on the answer to a paid retry (`status`, headers, body); ends nothing.
#[uniffi::export]
pub fn x402_paid_response(status: u16, headers: Vec<HttpHeader>, body: Vec<u8>) -> PaidAnswer {
    let pairs: Vec<(String, String)> = headers.into_iter().map(|h| (h.name, h.value)).collect();
    let mut buf = vec![0u8; header::RECOMMENDED_BUFFER_LEN * 2];
    let text = |s: &pay402::json::JsonStr<'_>| s.chars().collect::<String>();
    let none = PaidAnswer {
        verdict: String::new(),
        code: None,
        detail_code: None,
        message: None,
        definitive: None,
        transaction: None,
        settled_amount: None,
    };
    match read_paid_response(status, &pairs, &body, &mut buf) {
        PaidResponse::Served { receipt } => PaidAnswer {
            verdict: "served".into(),
            transaction: receipt.and_then(|r| r.transaction).map(|t| text(&t)),
            settled_amount: receipt.and_then(|r| r.amount).map(|a| a.to_string()),
            ..none
        },
        PaidResponse::Refused(r) => PaidAnswer {
            verdict: "refused".into(),
            code: Some(text(&r.code)),
            detail_code: r.detail_code.map(|d| text(&d)),
            message: r.message.map(|m| text(&m)),
            definitive: Some(r.definitive),
            ..none
        },
        PaidResponse::Undetermined => PaidAnswer {
            verdict: "undetermined".into(),
            ..none
        },
    }
}
