//! Smart-wallet payers (`pay402::x402::smart_wallet`): how a payer's signature is checked once
//! its code (`eth_getCode`) is known. Conversion only: the route, and the refusal with its
//! code, are the core's.

use crate::Pay402Error;
use crate::convert::address;
use pay402::ErrorCode;
use pay402::x402::smart_wallet::{SignatureRoute as CoreRoute, route_signature as core_route};

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
