//! `recognize`: which 402 artifact a text looks like (the core's `pay402::recognize`).

use pyo3::prelude::*;

/// The core's guess of which artifact a text is: `artifact` (`x402_payment_required`,
/// `bolt11_invoice`, …, `unknown`), `encoding` (`json`, `base64_json`, `base64_binary`, `hex`,
/// `text`, `unknown`), `evidence` (`header_name`, `prefix`, `json_keys`, `macaroon_bytes`,
/// `nothing`), the `header` name given in front of the value (or None) and the `value` to decode.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Recognized {
    artifact: &'static str,
    encoding: &'static str,
    evidence: &'static str,
    header: Option<String>,
    value: String,
}

#[pymethods]
impl Recognized {
    fn __repr__(&self) -> String {
        let header = self
            .header
            .as_deref()
            .map_or_else(|| "None".to_owned(), |h| format!("'{h}'"));
        format!(
            "Recognized(artifact='{}', encoding='{}', evidence='{}', header={header})",
            self.artifact, self.encoding, self.evidence
        )
    }
}

/// Guesses which 402 artifact `text` is from cheap shape checks (header name, prefix, JSON keys,
/// base64 JSON keys, macaroon bytes). Never raises; the decoder of the guessed kind has the
/// last word.
#[pyfunction]
pub(crate) fn recognize(text: &str) -> Recognized {
    let r = pay402::recognize::recognize(text);
    Recognized {
        artifact: r.artifact.code(),
        encoding: r.encoding.code(),
        evidence: r.evidence.code(),
        header: r.header.map(str::to_owned),
        value: r.value.to_owned(),
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Recognized>()?;
    m.add_function(wrap_pyfunction!(recognize, m)?)?;
    Ok(())
}
