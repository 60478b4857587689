//! EVM: EIP-712 digests (EIP-3009, Permit2), signing, recovery, addresses.

use crate::convert::{BytesOrHex, PyAddress, PyU256, address};
use crate::errors::CoreResult;
use crate::x402::signature_policy;
use pay402::U256;
use pay402::evm::{
    Address, Eip712Domain, Permit2Witness, PermitWitnessTransferFrom, TokenPermissions,
    TransferWithAuthorization, TypedDataHashes as CoreHashes, permit2_domain,
};
use pay402::u256::LeadingZeros;
use pyo3::exceptions::{PyKeyError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyInt, PyMapping, PyString};

/// The three hashes of an EIP-712 message.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TypedDataHashes {
    domain_separator: crate::convert::Bytes,
    struct_hash: crate::convert::Bytes,
    digest: crate::convert::Bytes,
}

#[pymethods]
impl TypedDataHashes {
    fn __repr__(&self) -> String {
        format!(
            "TypedDataHashes(digest={})",
            crate::convert::to_0x(&self.digest.0)
        )
    }
}

fn hashes(h: &CoreHashes) -> TypedDataHashes {
    TypedDataHashes {
        domain_separator: crate::convert::Bytes(h.domain_separator.to_vec()),
        struct_hash: crate::convert::Bytes(h.struct_hash.to_vec()),
        digest: crate::convert::Bytes(h.digest.to_vec()),
    }
}

fn get<'py>(m: &Bound<'py, PyMapping>, key: &str) -> PyResult<Bound<'py, PyAny>> {
    m.get_item(key)
        .map_err(|_| PyKeyError::new_err(format!("missing {key:?}")))
}

fn opt<'py>(m: &Bound<'py, PyMapping>, key: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
    if m.contains(key)? {
        let v = m.get_item(key)?;
        Ok((!v.is_none()).then_some(v))
    } else {
        Ok(None)
    }
}

/// A uint256 field of typed data: an `int`, or decimal text as JSON typed data carries it.
fn uint(v: &Bound<'_, PyAny>) -> PyResult<U256> {
    if let Ok(s) = v.cast::<PyString>() {
        return U256::parse_decimal(s.to_cow()?.as_bytes(), LeadingZeros::Reject).py();
    }
    if v.cast::<PyInt>().is_ok() {
        return Ok(v.extract::<PyU256>()?.0);
    }
    Err(PyTypeError::new_err("expected an int or a decimal str"))
}

fn addr(v: &Bound<'_, PyAny>) -> PyResult<Address> {
    Ok(v.extract::<PyAddress>()?.0)
}

/// `domain` {`name`, `version`, `chainId`, `verifyingContract`} and the owned name/version.
struct Domain {
    name: Option<String>,
    version: Option<String>,
    chain_id: Option<u64>,
    verifying_contract: Option<Address>,
}

impl Domain {
    fn read(m: &Bound<'_, PyAny>) -> PyResult<Self> {
        let m = m.cast::<PyMapping>()?;
        Ok(Self {
            name: opt(m, "name")?.map(|v| v.extract()).transpose()?,
            version: opt(m, "version")?.map(|v| v.extract()).transpose()?,
            chain_id: opt(m, "chainId")?.map(|v| v.extract()).transpose()?,
            verifying_contract: opt(m, "verifyingContract")?.map(|v| addr(&v)).transpose()?,
        })
    }

    fn core(&self) -> Eip712Domain<'_> {
        Eip712Domain {
            name: self.name.as_deref(),
            version: self.version.as_deref(),
            chain_id: self.chain_id,
            verifying_contract: self.verifying_contract,
        }
    }
}

/// `message` {`from`, `to`, `value`, `validAfter`, `validBefore`, `nonce`}.
fn authorization(m: &Bound<'_, PyAny>) -> PyResult<TransferWithAuthorization> {
    let m = m.cast::<PyMapping>()?;
    Ok(TransferWithAuthorization {
        from: addr(&get(m, "from")?)?,
        to: addr(&get(m, "to")?)?,
        value: uint(&get(m, "value")?)?,
        valid_after: uint(&get(m, "validAfter")?)?,
        valid_before: uint(&get(m, "validBefore")?)?,
        nonce: get(m, "nonce")?
            .extract::<BytesOrHex>()?
            .array::<32>("nonce")?,
    })
}

/// EIP-712 hashes of an EIP-3009 `TransferWithAuthorization` (`domain` and `message` as in
/// `eth_signTypedData_v4`; uint256 fields as `int` or decimal `str`, `nonce` 32 bytes or hex).
#[pyfunction]
#[pyo3(name = "eip3009_digest")]
pub(crate) fn eip3009_digests(
    domain: &Bound<'_, PyAny>,
    message: &Bound<'_, PyAny>,
) -> PyResult<TypedDataHashes> {
    let domain = Domain::read(domain)?;
    Ok(hashes(&authorization(message)?.digests(&domain.core())))
}

/// Signs an EIP-3009 authorization: 65 bytes `r ‖ s ‖ v`, v 27/28, RFC 6979.
#[pyfunction]
pub(crate) fn eip3009_sign<'py>(
    py: Python<'py>,
    private_key: BytesOrHex,
    domain: &Bound<'py, PyAny>,
    message: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let key = crate::convert::private_key(&private_key)?;
    let domain = Domain::read(domain)?;
    let digest = authorization(message)?.digest(&domain.core());
    Ok(PyBytes::new(py, &key.sign_prehash(&digest)))
}

/// EIP-712 hashes of a Permit2 `PermitWitnessTransferFrom` with the x402 witness: `permit`
/// {`permitted` {`token`, `amount`}, `spender`, `nonce`, `deadline`, `witness` {`to`,
/// `validAfter`, and `facilitator` for `upto`}}.
#[pyfunction]
#[pyo3(name = "permit2_digest")]
pub(crate) fn permit2_digests(
    chain_id: u64,
    permit: &Bound<'_, PyAny>,
) -> PyResult<TypedDataHashes> {
    let p = permit.cast::<PyMapping>()?;
    let permitted = get(p, "permitted")?;
    let permitted = permitted.cast::<PyMapping>()?;
    let witness = get(p, "witness")?;
    let witness = witness.cast::<PyMapping>()?;
    let to = addr(&get(witness, "to")?)?;
    let valid_after = uint(&get(witness, "validAfter")?)?;
    let witness = match opt(witness, "facilitator")? {
        None => Permit2Witness::Exact { to, valid_after },
        Some(f) => Permit2Witness::Upto {
            to,
            facilitator: addr(&f)?,
            valid_after,
        },
    };
    let message = PermitWitnessTransferFrom {
        permitted: TokenPermissions {
            token: addr(&get(permitted, "token")?)?,
            amount: uint(&get(permitted, "amount")?)?,
        },
        spender: addr(&get(p, "spender")?)?,
        nonce: uint(&get(p, "nonce")?)?,
        deadline: uint(&get(p, "deadline")?)?,
        witness,
    };
    Ok(hashes(&message.digests(&permit2_domain(chain_id))))
}

/// Recovers the signer of a 32-byte digest. `policy="strict"`: 65 bytes, v 27/28, low s;
/// `"lenient"`: also v 0/1, high s, 64-byte ERC-2098. Raises `EvmError` `signature_length`,
/// `signature_v`, `signature_high_s`, `signature_invalid`.
#[pyfunction]
#[pyo3(signature = (digest, signature, *, policy="strict"))]
pub(crate) fn recover_address(
    digest: BytesOrHex,
    signature: BytesOrHex,
    policy: &str,
) -> PyResult<String> {
    let policy = signature_policy(policy)?;
    let digest = digest.array::<32>("digest")?;
    let a = pay402::evm::recover_address(&digest, &signature.0, policy).py()?;
    Ok(address(&a))
}

/// Signs a 32-byte digest (no prefix): 65 bytes `r ‖ s ‖ v`, v 27/28, low s, RFC 6979.
#[pyfunction]
pub(crate) fn sign_digest(
    py: Python<'_>,
    private_key: BytesOrHex,
    digest: BytesOrHex,
) -> PyResult<Bound<'_, PyBytes>> {
    let key = crate::convert::private_key(&private_key)?;
    Ok(PyBytes::new(
        py,
        &key.sign_prehash(&digest.array::<32>("digest")?),
    ))
}

/// The EIP-55 address of a private key.
#[pyfunction]
pub(crate) fn private_key_to_address(private_key: BytesOrHex) -> PyResult<String> {
    Ok(address(
        &crate::convert::private_key(&private_key)?.address(),
    ))
}

/// The EIP-55 checksummed form of an address (any case accepted).
#[pyfunction]
#[pyo3(name = "checksum_address")]
pub(crate) fn to_checksum_address(address: PyAddress) -> String {
    crate::convert::address(&address.0)
}

/// Keccak-256.
#[pyfunction]
pub(crate) fn keccak256<'py>(py: Python<'py>, data: &[u8]) -> Bound<'py, PyBytes> {
    PyBytes::new(py, &pay402::evm::keccak256(data))
}

/// Registers the EVM items.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<TypedDataHashes>()?;
    m.add_function(wrap_pyfunction!(eip3009_digests, m)?)?;
    m.add_function(wrap_pyfunction!(eip3009_sign, m)?)?;
    m.add_function(wrap_pyfunction!(permit2_digests, m)?)?;
    m.add_function(wrap_pyfunction!(recover_address, m)?)?;
    m.add_function(wrap_pyfunction!(sign_digest, m)?)?;
    m.add_function(wrap_pyfunction!(private_key_to_address, m)?)?;
    m.add_function(wrap_pyfunction!(to_checksum_address, m)?)?;
    m.add_function(wrap_pyfunction!(keccak256, m)?)?;
    m.add("PERMIT2_ADDRESS", address(&pay402::evm::PERMIT2_ADDRESS))?;
    m.add(
        "X402_EXACT_PERMIT2_PROXY",
        address(&pay402::evm::X402_EXACT_PERMIT2_PROXY),
    )?;
    m.add(
        "X402_UPTO_PERMIT2_PROXY",
        address(&pay402::evm::X402_UPTO_PERMIT2_PROXY),
    )?;
    Ok(())
}
