//! RFC 9110 authentication fields (`WWW-Authenticate`, `Authorization`), x402 networks and the
//! default-asset table.

use crate::convert::{grow, text};
use crate::errors::CoreResult;
use pay402::http_auth::ParamValue;
use pay402::writer::write_all;
use pyo3::prelude::*;

/// One challenge of a `WWW-Authenticate` value: the scheme as written, its auth-params in order
/// (names as written, values unescaped) or its token68.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuthChallenge {
    scheme: String,
    params: Vec<(String, String)>,
    token68: Option<String>,
}

#[pymethods]
impl AuthChallenge {
    /// The value of the first param named `name` (ASCII case-insensitive), or `None`.
    fn param(&self, name: &str) -> Option<String> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }

    fn __repr__(&self) -> String {
        format!(
            "AuthChallenge(scheme={:?}, params={:?})",
            self.scheme, self.params
        )
    }
}

fn unescape(v: &ParamValue<'_>) -> PyResult<String> {
    let mut buf = vec![0u8; v.raw().len()];
    v.unescape_into(&mut buf).map(str::to_owned).py()
}

/// Parses a `WWW-Authenticate` / `Proxy-Authenticate` value into its challenges (several may be
/// folded into one value). Raises `CodecError` (`auth_*`) on the first malformed challenge.
#[pyfunction]
pub(crate) fn parse_challenges(value: &str) -> PyResult<Vec<AuthChallenge>> {
    pay402::http_auth::challenges(value)
        .map(|c| {
            let c = c.py()?;
            Ok(AuthChallenge {
                scheme: c.scheme.to_owned(),
                params: c
                    .params
                    .iter()
                    .map(|p| Ok((p.name.to_owned(), unescape(&p.value)?)))
                    .collect::<PyResult<_>>()?,
                token68: c.token68.map(str::to_owned),
            })
        })
        .collect()
}

/// Splits an `Authorization` value into `(scheme, rest)`. Raises `CodecError`.
#[pyfunction]
pub(crate) fn parse_credentials(value: &str) -> PyResult<(String, String)> {
    let c = pay402::http_auth::credentials(value).py()?;
    Ok((c.scheme.to_owned(), c.rest.to_owned()))
}

/// Writes one challenge: `scheme name="value", …` (values quoted and escaped as needed).
#[pyfunction]
pub(crate) fn write_challenge(scheme: &str, params: Vec<(String, String)>) -> PyResult<String> {
    let pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let hint = scheme.len()
        + params
            .iter()
            .map(|(n, v)| n.len() + 2 * v.len() + 6)
            .sum::<usize>();
    text(
        grow(hint + 16, |buf| {
            write_all(buf, |w| {
                pay402::http_auth::write_challenge(w, scheme, &pairs)
            })
        })
        .py()?,
    )
}

/// Resolves an x402 network (v1 name or CAIP-2 id) to `(caip2, chain_id)`; `chain_id` is
/// `None` for Solana; `None` for an unknown network.
#[pyfunction]
pub(crate) fn resolve_network(network: &str) -> Option<(String, Option<u64>)> {
    pay402::x402::Network::parse(network).map(|n| (crate::x402::network_text(n), n.chain_id()))
}

/// A chain's default payment token (a hint for building requirements; verification takes the
/// EIP-712 domain only from `extra`).
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DefaultAsset {
    chain_id: u64,
    address: &'static str,
    symbol: &'static str,
    eip712_name: &'static str,
    eip712_version: Option<&'static str>,
    decimals: u8,
    transfer_method: &'static str,
    disputed: bool,
}

/// The default token of an EIP-155 chain, or `None`.
#[pyfunction]
pub(crate) fn default_asset(chain_id: u64) -> Option<DefaultAsset> {
    pay402::x402::default_assets::default_asset(chain_id).map(|a| DefaultAsset {
        chain_id: a.chain_id,
        address: a.address,
        symbol: a.symbol,
        eip712_name: a.eip712_name,
        eip712_version: a.eip712_version,
        decimals: a.decimals,
        transfer_method: a.transfer_method.as_str(),
        disputed: a.disputed,
    })
}

/// Registers the items.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<AuthChallenge>()?;
    m.add_class::<DefaultAsset>()?;
    m.add_function(wrap_pyfunction!(parse_challenges, m)?)?;
    m.add_function(wrap_pyfunction!(parse_credentials, m)?)?;
    m.add_function(wrap_pyfunction!(write_challenge, m)?)?;
    m.add_function(wrap_pyfunction!(resolve_network, m)?)?;
    m.add_function(wrap_pyfunction!(default_asset, m)?)?;
    Ok(())
}
