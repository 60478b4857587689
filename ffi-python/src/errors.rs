//! The exception hierarchy and the mapping of core errors onto it.
//!
//! Every core error enum has a stable `snake_case` code and a `Display` text
//! ([`pay402::ErrorCode`]). Each becomes an instance of one exception class per protocol, with
//! `.code` (the stable code), `.message` (the text, also `str(e)`) and `.detail_code` (the code
//! of the wrapped error where the core nests one, e.g. `invalid_payload` → `u256_invalid_digit`)
//! and `.field` (the path of the offending field where the core reports one, e.g.
//! `payload.authorization.value`).

use pay402::ErrorCode;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyDict;

pyo3::create_exception!(
    pay402,
    Error,
    PyException,
    "Base class of every pay402 error. `.code` is the core's stable snake_case code, \
     `.message` its text, `.detail_code` the code of a nested cause (or None), `.field` the \
     path of the offending field where the core reports one (or None)."
);
pyo3::create_exception!(
    pay402,
    X402Error,
    Error,
    "x402: codecs, verification (codes of the reference facilitator) and the paying client."
);
pyo3::create_exception!(pay402, EvmError, Error, "EVM: signatures, keys, addresses.");
pyo3::create_exception!(pay402, MacaroonError, Error, "Macaroons.");
pyo3::create_exception!(pay402, Bolt11Error, Error, "BOLT11 invoices.");
pyo3::create_exception!(
    pay402,
    L402Error,
    Error,
    "L402 (Lightning Labs): challenges, credentials, tokens, verification, client checks. \
     `.detail_code` is the finer reason of `invalid_credential` (e.g. `preimage_hex`)."
);
pyo3::create_exception!(
    pay402,
    OffersError,
    Error,
    "Fewsats L402 offers, webhooks, entitlements."
);
pyo3::create_exception!(
    pay402,
    Ws402Error,
    Error,
    "WS402 messages, schemas, session records."
);
pyo3::create_exception!(
    pay402,
    SvmError,
    Error,
    "Solana: addresses (`pubkey_*`), wire transactions (`transaction_*`), building the payment \
     transaction. Verification verdicts are `X402Error`."
);
pyo3::create_exception!(
    pay402,
    CodecError,
    Error,
    "Shared codecs: base64, hex, JSON, U256, HTTP auth-params."
);
pyo3::create_exception!(
    pay402,
    DialectError,
    Error,
    "Other 402 dialects (PayPer402, the x402 sandbox, single-use proofs)."
);

pyo3::create_exception!(
    pay402,
    BudgetError,
    Error,
    "Client budgets: configuration (`invalid_budget_window`, `duplicate_budget_asset`, …) and \
     reservations ended twice (`unknown_reservation`). A refused payment is \
     `pay402.BudgetExceeded`."
);

pyo3::create_exception!(
    pay402,
    OnchainError,
    Error,
    "Payments proven by an on-chain transaction: the RPC results do not prove the payment \
     (`transaction_not_found` and `transaction_not_final` are worth retrying). `.detail_code` is \
     the malformed field's or the JSON error's code for `invalid_rpc_result`."
);

/// Which exception class an error maps to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    X402,
    Evm,
    Macaroon,
    Bolt11,
    L402,
    Offers,
    Ws402,
    Svm,
    Codec,
    Dialect,
    Budget,
    Onchain,
}

/// An error on its way to Python: class, code, text, optional nested code and extra attributes.
#[derive(Debug)]
pub(crate) struct CoreError {
    kind: Kind,
    code: &'static str,
    message: String,
    detail_code: Option<&'static str>,
    field: Option<String>,
    reasons: Option<[(&'static str, &'static str); 5]>,
}

impl CoreError {
    /// `error` as an exception of class `kind`.
    pub(crate) fn new(kind: Kind, error: &impl ErrorCode) -> Self {
        Self {
            kind,
            code: error.code(),
            message: error.to_string(),
            detail_code: error.detail_code(),
            field: None,
            reasons: None,
        }
    }

    /// A binding-level error with a fixed code and text.
    pub(crate) fn custom(kind: Kind, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            message: message.into(),
            detail_code: None,
            field: None,
            reasons: None,
        }
    }

    /// Adds the nested cause's code.
    pub(crate) fn detail(mut self, detail: Option<&'static str>) -> Self {
        self.detail_code = detail;
        self
    }

    /// Adds the path of the offending field.
    pub(crate) fn at(mut self, field: Option<String>) -> Self {
        self.field = field;
        self
    }

    /// Adds the reason strings of the other x402 implementations.
    pub(crate) fn with_reasons(mut self, reasons: [(&'static str, &'static str); 5]) -> Self {
        self.reasons = Some(reasons);
        self
    }
}

impl From<CoreError> for PyErr {
    fn from(e: CoreError) -> Self {
        let CoreError {
            kind,
            code,
            message,
            detail_code,
            field,
            reasons,
        } = e;
        let err = match kind {
            Kind::X402 => X402Error::new_err(message.clone()),
            Kind::Evm => EvmError::new_err(message.clone()),
            Kind::Macaroon => MacaroonError::new_err(message.clone()),
            Kind::Bolt11 => Bolt11Error::new_err(message.clone()),
            Kind::L402 => L402Error::new_err(message.clone()),
            Kind::Offers => OffersError::new_err(message.clone()),
            Kind::Ws402 => Ws402Error::new_err(message.clone()),
            Kind::Svm => SvmError::new_err(message.clone()),
            Kind::Codec => CodecError::new_err(message.clone()),
            Kind::Dialect => DialectError::new_err(message.clone()),
            Kind::Budget => BudgetError::new_err(message.clone()),
            Kind::Onchain => OnchainError::new_err(message.clone()),
        };
        Python::attach(|py| {
            let value = err.value(py);
            // Setting attributes on a fresh exception instance cannot fail short of memory
            // exhaustion; should it, the exception still carries its class and message.
            let _ = value.setattr("code", code);
            let _ = value.setattr("message", message);
            let _ = value.setattr("detail_code", detail_code);
            let _ = value.setattr("field", field);
            if let Some(reasons) = reasons {
                let dict = PyDict::new(py);
                for (dialect, reason) in reasons {
                    let _ = dict.set_item(dialect, reason);
                }
                let _ = value.setattr("reasons", dict);
            }
        });
        err
    }
}

/// Core-error conversions, one per error enum of the core.
pub(crate) trait IntoCore {
    /// The error as it goes to Python.
    fn into_core(self) -> CoreError;
}

macro_rules! simple {
    ($($ty:ty => $kind:ident),* $(,)?) => {$(
        impl IntoCore for $ty {
            fn into_core(self) -> CoreError {
                CoreError::new(Kind::$kind, &self)
            }
        }
    )*};
}

simple!(
    pay402::BufferTooSmall => Codec,
    pay402::base64::Base64Error => Codec,
    pay402::hex::HexError => Codec,
    pay402::json::JsonError => Codec,
    pay402::http_auth::AuthError => Codec,
    pay402::u256::U256Error => Codec,
    pay402::evm::AddressError => Evm,
    pay402::evm::SignatureError => Evm,
    pay402::evm::KeyError => Evm,
    pay402::bolt11::Bolt11Error => Bolt11,
    pay402::bolt11::InvoiceCheckError => Bolt11,
    pay402::dialects::DialectError => Dialect,
    pay402::x402::client::ClientError => X402,
    pay402::svm::PubkeyError => Svm,
    pay402::svm::TransactionError => Svm,
    pay402::svm::BuildError => Svm,
);

/// The path of a decode error's field: `accepts[].amount`, `x402Version`, `header`.
fn decode_path(e: &pay402::x402::DecodeError) -> String {
    if e.object().is_empty() {
        e.field().to_owned()
    } else {
        format!("{}.{}", e.object(), e.field())
    }
}

/// The path of the field a verdict blames, where it blames one.
fn verify_path(e: &pay402::x402::VerifyError) -> Option<String> {
    use pay402::x402::VerifyError as V;
    match e {
        V::InvalidPayload(d) | V::InvalidPaymentRequirements(d) => Some(decode_path(d)),
        _ => None,
    }
}

impl IntoCore for pay402::x402::DecodeError {
    /// A decode failure is reported as the verdict a verifier gives it (`invalid_payload` or
    /// `invalid_x402_version`), the precise problem as `.detail_code`, the field as `.field`.
    fn into_core(self) -> CoreError {
        let field = decode_path(&self);
        pay402::x402::VerifyError::from_payload(self)
            .into_core()
            .at(Some(field))
    }
}

impl IntoCore for pay402::offers::OffersError {
    /// A member's issue names the member as `.field`.
    fn into_core(self) -> CoreError {
        let field = match &self {
            Self::Field(issue) => Some(issue.key().to_owned()),
            _ => None,
        };
        CoreError::new(Kind::Offers, &self).at(field)
    }
}

impl IntoCore for pay402::x402::VerifyError {
    fn into_core(self) -> CoreError {
        use pay402::x402::ReasonDialect;
        // The detail code (`.detail_code`) is the core's `ErrorCode::detail_code`.
        let reasons = [
            ("typescript", self.reason(ReasonDialect::TypeScript)),
            ("go", self.reason(ReasonDialect::Go)),
            ("python", self.reason(ReasonDialect::Python)),
            ("spec_v1", self.reason(ReasonDialect::SpecV1)),
            ("x402_rs", self.reason(ReasonDialect::X402Rs)),
        ];
        CoreError::new(Kind::X402, &self)
            .with_reasons(reasons)
            .at(verify_path(&self))
    }
}

impl IntoCore for pay402::x402::SvmCheck {
    /// A failed Solana check is a verification verdict, as inside `VerifyError::Svm`.
    fn into_core(self) -> CoreError {
        pay402::x402::VerifyError::Svm(self).into_core()
    }
}

impl IntoCore for pay402::x402::Permit2SignError {
    fn into_core(self) -> CoreError {
        CoreError::new(Kind::X402, &self)
    }
}

impl IntoCore for pay402::macaroon::MacaroonError {
    fn into_core(self) -> CoreError {
        let detail = match &self {
            Self::Malformed(m) => Some(m.reason()),
            _ => None,
        };
        CoreError::new(Kind::Macaroon, &self).detail(detail)
    }
}

impl IntoCore for pay402::l402::L402Error {
    /// `invalid_credential` carries the fault's reason (`preimage_hex`, `schemes_disagree`, …)
    /// as `.detail_code`; a malformed macaroon its `Malformed` reason.
    fn into_core(self) -> CoreError {
        use pay402::l402::L402Error as E;
        use pay402::macaroon::MacaroonError as M;
        let detail = match &self {
            E::InvalidCredential(fault) => Some(fault.reason()),
            E::Macaroon(M::Malformed(m)) => Some(m.reason()),
            _ => None,
        };
        CoreError::new(Kind::L402, &self).detail(detail)
    }
}

impl IntoCore for pay402::ws402::Ws402Error {
    /// A member's issue names the member as `.field`; a refused prepayment the x402 field.
    fn into_core(self) -> CoreError {
        let field = match &self {
            Self::Field(issue) => Some(issue.key().to_owned()),
            Self::Prepayment(v) => verify_path(v),
            _ => None,
        };
        CoreError::new(Kind::Ws402, &self).at(field)
    }
}

/// `Result<T, core error>` → `PyResult<T>`.
pub(crate) trait CoreResult<T> {
    /// Maps the error to its exception.
    fn py(self) -> PyResult<T>;
}

impl<T, E: IntoCore> CoreResult<T> for Result<T, E> {
    fn py(self) -> PyResult<T> {
        self.map_err(|e| e.into_core().into())
    }
}

/// Registers the exception classes with class-level attribute defaults (so that
/// `Error("text").code` works for user-raised instances and the stubs match the runtime).
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let base = py.get_type::<Error>();
    base.setattr("code", "error")?;
    base.setattr("message", "")?;
    base.setattr("detail_code", py.None())?;
    base.setattr("field", py.None())?;
    m.add("Error", base)?;
    m.add("X402Error", py.get_type::<X402Error>())?;
    py.get_type::<X402Error>()
        .setattr("reasons", PyDict::new(py))?;
    m.add("EvmError", py.get_type::<EvmError>())?;
    m.add("MacaroonError", py.get_type::<MacaroonError>())?;
    m.add("Bolt11Error", py.get_type::<Bolt11Error>())?;
    m.add("L402Error", py.get_type::<L402Error>())?;
    m.add("OffersError", py.get_type::<OffersError>())?;
    m.add("Ws402Error", py.get_type::<Ws402Error>())?;
    m.add("SvmError", py.get_type::<SvmError>())?;
    m.add("CodecError", py.get_type::<CodecError>())?;
    m.add("DialectError", py.get_type::<DialectError>())?;
    m.add("BudgetError", py.get_type::<BudgetError>())?;
    m.add("OnchainError", py.get_type::<OnchainError>())?;
    Ok(())
}
