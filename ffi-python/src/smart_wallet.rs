//! Smart-wallet payers (`pay402::x402::smart_wallet`): how a payer's signature is checked once
//! its code (`eth_getCode`) is known. Conversion only: the route, and the refusal with its
//! code, are the core's.

use crate::convert::{Bytes, BytesOrHex, PyAddress};
use crate::errors::{CoreError, Kind};
use pay402::x402::smart_wallet::{
    SignatureRoute as CoreRoute, SmartWalletError, route_signature as core_route,
};
use pyo3::prelude::*;

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

/// Registers the smart-wallet items.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<SignatureRoute>()?;
    m.add_function(wrap_pyfunction!(route_signature, m)?)?;
    Ok(())
}
