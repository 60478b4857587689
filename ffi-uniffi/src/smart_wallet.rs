//! Smart-wallet payers (`pay402::x402::smart_wallet`): how a payer's signature is checked once
//! its code (`eth_getCode`) is known, and the verification of a payment through the host's
//! RPC (`pay402_host::smart_wallet::verify_with_rpc`). Conversion only: the route, the calls
//! to make, the verdict and the refusal with its code are the core's.

use crate::Pay402Error;
use crate::convert::address;
use crate::x402::{EvmPayment, VerifyOptions, evm_policy};
use pay402::ErrorCode;
use pay402::evm::{Address, SignaturePolicy};
use pay402::x402::smart_wallet::{SignatureRoute as CoreRoute, route_signature as core_route};
use pay402::x402::{PaymentPayload, PaymentRequirements, Verifier, VerifyError, header};
use pay402_host::HostError;
use pay402_host::smart_wallet::{EthCall, EvmRpc as HostRpc, verify_with_rpc};
use std::sync::Arc;

/// How a payer's signature is checked once its code is known.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SignatureRoute {
    /// `ecdsa` (no code: recover the signer), `eip1271` (`isValidSignature` on the payer),
    /// `eip7702_eip1271` (the same, on an EIP-7702 delegated EOA) or `erc6492_counterfactual`
    /// (deploy through the factory and simulate the transfer).
    pub route: String,
    /// The signature to check: an ERC-6492 wrapper's inner signature, else as sent.
    pub signature: Vec<u8>,
    /// The EIP-7702 delegate (EIP-55), for `eip7702_eip1271` only.
    pub delegate: Option<String>,
    /// The allow-listed ERC-6492 factory (EIP-55), for `erc6492_counterfactual` only.
    pub factory: Option<String>,
    /// The call that deploys the wallet, for `erc6492_counterfactual` only.
    pub factory_calldata: Option<Vec<u8>>,
}

/// Routes `signature` (the decoded bytes the payment carries) on the payer's `code`
/// (`eth_getCode`, empty for `0x`) as the x402 reference facilitator does: code → EIP-1271
/// (an EIP-7702 designator is reported), no code and an ERC-6492 wrapper naming a factory of
/// `allowed_factories` → counterfactual, no code otherwise → ECDSA. An empty allow-list denies
/// every counterfactual payer.
///
/// Errors: `X402` with the core's code (`invalid_exact_evm_payload_undeployed_smart_wallet`,
/// `eip6492_factory_not_allowed`, `invalid_payload`); `InvalidArgument` for a factory that is
/// not an address.
#[uniffi::export]
pub fn route_signature(
    signature: Vec<u8>,
    code: Vec<u8>,
    allowed_factories: Vec<String>,
) -> Result<SignatureRoute, Pay402Error> {
    let factories = allowed_factories
        .iter()
        .map(|f| address(f, "allowed_factories"))
        .collect::<Result<Vec<_>, _>>()?;
    let route = core_route(&signature, &code, &factories).map_err(|e| Pay402Error::X402 {
        code: e.code().to_owned(),
        reason: e.to_string(),
        detail_code: e.detail_code().map(str::to_owned),
    })?;
    let none = SignatureRoute {
        route: String::new(),
        signature: Vec::new(),
        delegate: None,
        factory: None,
        factory_calldata: None,
    };
    Ok(match route {
        CoreRoute::Ecdsa { signature } => SignatureRoute {
            route: "ecdsa".to_owned(),
            signature: signature.to_vec(),
            ..none
        },
        CoreRoute::Eip1271 {
            signature,
            delegation,
        } => SignatureRoute {
            route: if delegation.is_some() {
                "eip7702_eip1271"
            } else {
                "eip1271"
            }
            .to_owned(),
            signature: signature.to_vec(),
            delegate: delegation.map(|d| d.to_string()),
            ..none
        },
        CoreRoute::Counterfactual {
            factory,
            factory_calldata,
            signature,
        } => SignatureRoute {
            route: "erc6492_counterfactual".to_owned(),
            signature: signature.to_vec(),
            factory: Some(factory.to_string()),
            factory_calldata: Some(factory_calldata.to_vec()),
            ..none
        },
    })
}

/// The chain a payer's code and signature are read from: `eth_getCode` and `eth_call` at the
/// latest block, over the host's JSON-RPC client. Throwing fails closed (`rpc_unavailable`).
#[uniffi::export(with_foreign)]
pub trait EvmRpc: Send + Sync {
    /// `eth_getCode(address, "latest")`: the code at `address` (EIP-55), empty for `0x`.
    fn get_code(&self, address: String) -> Result<Vec<u8>, Pay402Error>;
    /// `eth_call({to, data}, "latest")`: what the call returned, or `None` when it reverted.
    fn call(&self, to: String, data: Vec<u8>) -> Result<Option<Vec<u8>>, Pay402Error>;
}

/// A payment verified with the payer's code known.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RpcVerifiedPayment {
    /// The verified payment.
    pub payment: EvmPayment,
    /// `None` for an EOA (ECDSA recovery), else `eip1271`, `eip7702_eip1271` or
    /// `erc6492_counterfactual`.
    pub route: Option<String>,
}

pub(crate) struct ForeignRpc(pub(crate) Arc<dyn EvmRpc>);

fn rpc_failure(method: &str, e: &Pay402Error) -> HostError {
    HostError::config("rpc_unavailable", format!("rpc.{method} threw: {e}"))
}

impl HostRpc for ForeignRpc {
    fn get_code(&self, address: &Address) -> Result<Vec<u8>, HostError> {
        self.0
            .get_code(address.to_string())
            .map_err(|e| rpc_failure("get_code", &e))
    }

    fn call(&self, to: &Address, data: &[u8]) -> Result<EthCall, HostError> {
        match self.0.call(to.to_string(), data.to_vec()) {
            Ok(Some(returned)) => Ok(EthCall::Returned(returned)),
            Ok(None) => Ok(EthCall::Reverted),
            Err(e) => Err(rpc_failure("call", &e)),
        }
    }
}

/// Verifies an x402 EVM payment header against one offered `PaymentRequirements` JSON object as
/// [`crate::x402::x402_verify`] does, except that the signature is checked with the payer's code
/// known: `rpc.get_code(payer)` first, then, for a smart wallet, one `rpc.call(to, data)`
/// (EIP-1271 `isValidSignature`, or the ERC-6492 deploy-and-transfer simulation through a
/// factory of `allowed_factories`; an empty list denies every counterfactual payer). Signatures
/// are always strict here (`options.signature` is ignored).
///
/// Errors: `X402` with the core's code (`invalid_exact_evm_signature` with detail
/// `eip1271_rejected`, `eip6492_factory_not_allowed`, `erc6492_simulation_failed`, …), or
/// `rpc_unavailable` when the RPC threw: never a pass. `InvalidArgument` for a factory that is
/// not an address.
#[uniffi::export]
pub fn x402_verify_with_rpc(
    requirements_json: String,
    payment_header: String,
    now: u64,
    options: VerifyOptions,
    rpc: Arc<dyn EvmRpc>,
    allowed_factories: Vec<String>,
) -> Result<RpcVerifiedPayment, Pay402Error> {
    let (mut policy, upto) = evm_policy(&options)?;
    policy.signature = SignaturePolicy::Strict;
    let factories = allowed_factories
        .iter()
        .map(|f| address(f, "allowed_factories"))
        .collect::<Result<Vec<_>, _>>()?;
    let requirements = PaymentRequirements::from_json(requirements_json.as_bytes())
        .map_err(VerifyError::InvalidPaymentRequirements)?;
    let mut buf = vec![0u8; header::RECOMMENDED_BUFFER_LEN.max(payment_header.len() + 4)];
    let payment = PaymentPayload::from_header(payment_header.as_bytes(), &mut buf)
        .map_err(VerifyError::from_payload)?;
    let verifier = Verifier {
        policy,
        svm: None,
        upto,
    };
    let checked = verify_with_rpc(
        &verifier,
        &requirements,
        &payment,
        now,
        &ForeignRpc(rpc),
        &factories,
    )?;
    Ok(RpcVerifiedPayment {
        payment: checked.verified.into(),
        route: checked.route.map(|r| r.code().to_owned()),
    })
}
