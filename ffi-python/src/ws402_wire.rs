//! WS402 wire: the messages in both amount encodings (`AmountEncoding`).

use crate::convert::{Text, choice, grow, text};
use crate::errors::CoreResult;
use pay402::ws402::{AmountEncoding, Message};
use pyo3::prelude::*;

/// A WS402 message as its canonical frame: `message_type` (`session_started`,
/// `resume_session`, `session_ended`, …) and `frame` (the compact JSON text to send).
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ws402Frame {
    message_type: &'static str,
    frame: String,
}

#[pymethods]
impl Ws402Frame {
    fn __repr__(&self) -> String {
        format!(
            "Ws402Frame(message_type={:?}, frame={:?})",
            self.message_type, self.frame
        )
    }
}

/// Decodes a WS402 message (JSON text: any member order, amounts as JSON integers or decimal
/// strings, unknown members ignored) and writes its canonical frame with the amounts as
/// `amounts` says: `"string"` (decimal strings) or `"number_when_safe"` (JSON numbers up to
/// 2^53 − 1, strings above, for the original WS402 clients). Raises `Ws402Error`
/// (`invalid_json`, `not_an_object`, `unknown_message_type`, `missing_field`, `wrong_type`,
/// `invalid_value`) and `ValueError` for another `amounts`.
#[pyfunction]
#[pyo3(signature = (message, amounts="string"))]
pub(crate) fn ws402_message_frame(message: Text, amounts: &str) -> PyResult<Ws402Frame> {
    let name = choice("amounts", amounts, &["string", "number_when_safe"])?;
    let amounts = AmountEncoding::from_name(name).unwrap_or_default();
    let msg = Message::decode(&message.0).py()?;
    let frame = text(grow(message.0.len() * 2 + 128, |buf| msg.write(buf, amounts)).py()?)?;
    Ok(Ws402Frame {
        message_type: msg.type_name(),
        frame,
    })
}

/// Registers the WS402 wire items.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Ws402Frame>()?;
    m.add_function(wrap_pyfunction!(ws402_message_frame, m)?)?;
    Ok(())
}
