//! Smart-wallet payers (`pay402::x402::smart_wallet`): how a payer's signature is checked once
//! its code (`eth_getCode`) is known, and the whole check through an RPC the caller supplies
//! (`pay402_host::smart_wallet::verify_with_rpc`). Conversion and I/O only: the route, the
//! verdict and the refusal with its code are the core's.

use crate::convert::{Bytes, BytesOrHex, PyAddress, PyU256, Text};
use crate::errors::{CoreError, CoreResult, Kind};
use core::cell::RefCell;
use pay402::evm::Address;
use pay402::x402::header::RECOMMENDED_BUFFER_LEN;
use pay402::x402::smart_wallet::{
    SignatureRoute as CoreRoute, SmartWalletError, route_signature as core_route,
};
use pay402::x402::{PaymentPayload, PaymentRequirements, UptoOptions, Verifier, VerifyError};
use pay402_host::HostError;
use pay402_host::smart_wallet::{EthCall, EvmRpc, verify_with_rpc};
use pyo3::call::PyCallArgs;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes};

/// How a payer's signature is checked once its code is known.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignatureRoute {
    /// `ecdsa`, `eip1271`, `eip7702_eip1271` or `erc6492_counterfactual`.
    route: &'static str,
    /// The signature to check: an ERC-6492 wrapper's inner signature, else as sent.
    signature: Bytes,
    /// The EIP-7702 delegate (`eip7702_eip1271`), EIP-55; else None.
    delegate: Option<String>,
    /// The allow-listed factory (`erc6492_counterfactual`), EIP-55; else None.
    factory: Option<String>,
    /// The call that deploys the wallet (`erc6492_counterfactual`); else None.
    factory_calldata: Option<Bytes>,
}

#[pymethods]
impl SignatureRoute {
    fn __repr__(&self) -> String {
        format!("SignatureRoute(route={:?})", self.route)
    }
}

fn refusal(e: &SmartWalletError) -> PyErr {
    CoreError::new(Kind::X402, e).into()
}

/// Routes `signature` (as the payment carries it) on the payer's `code` (`eth_getCode`, empty
/// for `0x`) as the x402 reference facilitator does: code → EIP-1271 (an EIP-7702 designator
/// is reported), no code and an ERC-6492 wrapper of an allow-listed factory → counterfactual,
/// no code otherwise → ECDSA. Raises `X402Error`
/// (`invalid_exact_evm_payload_undeployed_smart_wallet`, `eip6492_factory_not_allowed`,
/// `invalid_payload`).
#[pyfunction]
#[pyo3(signature = (signature, code, *, allowed_factories))]
pub(crate) fn route_signature(
    signature: BytesOrHex,
    code: BytesOrHex,
    allowed_factories: Vec<PyAddress>,
) -> PyResult<SignatureRoute> {
    let factories: Vec<_> = allowed_factories.iter().map(|a| a.0).collect();
    let route = core_route(&signature.0, &code.0, &factories).map_err(|e| refusal(&e))?;
    let none = SignatureRoute {
        route: "ecdsa",
        signature: Bytes(Vec::new()),
        delegate: None,
        factory: None,
        factory_calldata: None,
    };
    Ok(match route {
        CoreRoute::Ecdsa { signature } => SignatureRoute {
            signature: Bytes(signature.to_vec()),
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
            },
            signature: Bytes(signature.to_vec()),
            delegate: delegation.as_ref().map(crate::convert::address),
            ..none
        },
        CoreRoute::Counterfactual {
            factory,
            factory_calldata,
            signature,
        } => SignatureRoute {
            route: "erc6492_counterfactual",
            signature: Bytes(signature.to_vec()),
            factory: Some(crate::convert::address(&factory)),
            factory_calldata: Some(Bytes(factory_calldata.to_vec())),
            ..none
        },
    })
}

/// A payment verified with the payer's code known.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RpcVerified {
    /// The verified payment.
    verified: crate::x402::Verified,
    /// `None` for an EOA (ECDSA recovery), else `eip1271`, `eip7702_eip1271` or
    /// `erc6492_counterfactual`.
    route: Option<&'static str>,
}

/// The caller's RPC object: `get_code(address) -> bytes` and `call(to, data) -> bytes | None`
/// (`None`: the call reverted). An exception, or a result of another type, fails closed; the
/// first exception is kept to become the raised error's `__cause__`.
pub(crate) struct PyRpc<'py> {
    pub(crate) rpc: &'py Bound<'py, PyAny>,
    pub(crate) raised: RefCell<Option<PyErr>>,
}

impl<'py> PyRpc<'py> {
    fn invoke(
        &self,
        method: &str,
        args: impl PyCallArgs<'py>,
    ) -> Result<Option<Vec<u8>>, HostError> {
        let result = self.rpc.call_method1(method, args).map_err(|e| {
            let message = format!("rpc.{method} raised: {e}");
            self.raised.borrow_mut().get_or_insert(e);
            HostError::config("rpc_unavailable", message)
        })?;
        if result.is_none() {
            return Ok(None);
        }
        if let Ok(b) = result.cast::<PyBytes>() {
            return Ok(Some(b.as_bytes().to_vec()));
        }
        if let Ok(b) = result.cast::<PyByteArray>() {
            return Ok(Some(b.to_vec()));
        }
        Err(HostError::config(
            "invalid_rpc_result",
            format!("rpc.{method} must return bytes"),
        ))
    }
}

impl EvmRpc for PyRpc<'_> {
    fn get_code(&self, address: &Address) -> Result<Vec<u8>, HostError> {
        self.invoke("get_code", (crate::convert::address(address),))?
            .ok_or_else(|| {
                HostError::config("invalid_rpc_result", "rpc.get_code must return bytes")
            })
    }

    fn call(&self, to: &Address, data: &[u8]) -> Result<EthCall, HostError> {
        let py = self.rpc.py();
        Ok(
            match self.invoke(
                "call",
                (crate::convert::address(to), PyBytes::new(py, data)),
            )? {
                Some(returned) => EthCall::Returned(returned),
                None => EthCall::Reverted,
            },
        )
    }
}

/// Verifies an x402 EVM payment header against one offered `PaymentRequirements` (JSON text)
/// as `verify_payment` does, except that the signature is checked with the payer's code known:
/// `rpc.get_code(payer)` first, then, for a smart wallet, one `rpc.call(to, data)` (EIP-1271
/// `isValidSignature`, or the ERC-6492 deploy-and-transfer simulation for a factory of
/// `allowed_factories`). Raises `X402Error` with the core's code; an RPC failure is
/// `rpc_unavailable` (the exception as `__cause__`) or `invalid_rpc_result`: never a pass.
#[pyfunction]
#[pyo3(signature = (
    requirements, payment, rpc, *, now, allowed_factories, amount="exact", valid_before_slack=6,
    accepted="deep_equal", settle_amount=None, facilitator=None
))]
#[allow(
    clippy::too_many_arguments,
    reason = "one exported call: the payment, the RPC and the policy as keywords"
)]
pub(crate) fn verify_payment_with_rpc(
    requirements: Text,
    payment: Text,
    rpc: &Bound<'_, PyAny>,
    now: u64,
    allowed_factories: Vec<PyAddress>,
    amount: &str,
    valid_before_slack: u64,
    accepted: &str,
    settle_amount: Option<PyU256>,
    facilitator: Option<PyAddress>,
) -> PyResult<RpcVerified> {
    let verifier = Verifier {
        policy: crate::x402::verify_policy(amount, "strict", valid_before_slack, accepted)?,
        svm: None,
        upto: UptoOptions {
            settle_amount: settle_amount.map(|a| a.0),
            facilitator: facilitator.map(|a| a.0),
        },
    };
    let requirements = PaymentRequirements::from_json(&requirements.0)
        .map_err(VerifyError::InvalidPaymentRequirements)
        .py()?;
    let mut buf = vec![0u8; RECOMMENDED_BUFFER_LEN.max(payment.0.len() + 4)];
    let payment = PaymentPayload::from_header(&payment.0, &mut buf)
        .map_err(VerifyError::from_payload)
        .py()?;
    let factories: Vec<Address> = allowed_factories.iter().map(|a| a.0).collect();
    let host_rpc = PyRpc {
        rpc,
        raised: RefCell::new(None),
    };
    match verify_with_rpc(
        &verifier,
        &requirements,
        &payment,
        now,
        &host_rpc,
        &factories,
    ) {
        Ok(ok) => Ok(RpcVerified {
            verified: crate::x402::verified(&ok.verified),
            route: ok.route.map(|r| r.code()),
        }),
        Err(e) => {
            let err: PyErr = CoreError::custom(Kind::X402, e.code, e.message)
                .detail(e.detail_code)
                .into();
            if let Some(cause) = host_rpc.raised.into_inner() {
                err.set_cause(rpc.py(), Some(cause));
            }
            Err(err)
        }
    }
}

/// Registers the smart-wallet items.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<SignatureRoute>()?;
    m.add_function(wrap_pyfunction!(route_signature, m)?)?;
    m.add_class::<RpcVerified>()?;
    m.add_function(wrap_pyfunction!(verify_payment_with_rpc, m)?)?;
    Ok(())
}
