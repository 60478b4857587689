//! x402: codecs (canonical JSON + header encoding), verification, and the paying client.

use crate::convert::{
    Bytes, BytesOrHex, PyAddress, PyU256, Text, Uint, address, choice, grow, text, to_0x,
};
use crate::errors::{CoreError, CoreResult, Kind};
use pay402::evm::{Address, SignaturePolicy};
use pay402::json::RawValue;
use pay402::writer::write_all;
use pay402::x402::client::{PayerPolicy, PaymentDraft as CoreDraft, SignedPayment as CoreSigned};
use pay402::x402::{
    AcceptedMatch, AmountRule, DecodeError, DecodeReason, EnvelopeCheck, Network, PaymentKind,
    PaymentPayload, PaymentRequired, PaymentRequirements, SettleResponse, SupportedResponse,
    UptoOptions, Verified as CoreVerified, Verifier, VerifyError, VerifyPolicy, VerifyRequest,
    VerifyResponse, X402Version, header,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyMapping, PySequence};

/// A decoded x402 value, held as the core's canonical re-encoding.
///
/// `kind` names the wire structure; `x402_version` is `None` for structures without one
/// (`settle_response`, `verify_response`, `supported_response`); `json` is compact JSON in the
/// spec's key order (`json.loads(message.json)` gives a dict).
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct X402Message {
    kind: String,
    x402_version: Option<u64>,
    json: String,
}

#[pymethods]
impl X402Message {
    /// The header value carrying this message: base64 (standard, padded) of `json`.
    fn to_header(&self) -> PyResult<String> {
        encode_header_text(self.json.as_bytes())
    }

    fn __repr__(&self) -> String {
        let version = self
            .x402_version
            .map_or_else(|| "None".to_owned(), |v| v.to_string());
        format!(
            "X402Message(kind={:?}, x402_version={version}, json={:?})",
            self.kind, self.json
        )
    }
}

pub(crate) fn encode_header_text(json: &[u8]) -> PyResult<String> {
    let out = grow(json.len() * 4 / 3 + 8, |buf| {
        header::encode(json, buf).map(str::len)
    })
    .py()?;
    text(out)
}

/// Base64-decodes a header value under the x402 policy.
fn header_json(value: &[u8]) -> PyResult<Vec<u8>> {
    let mut buf = vec![0u8; value.len() + 4];
    let n = header::decode(value, &mut buf).py()?.len();
    buf.truncate(n);
    Ok(buf)
}

/// The JSON of a `header=` / `body=` pair (exactly one must be given).
fn header_or_body(header: Option<Text>, body: Option<Text>) -> PyResult<Vec<u8>> {
    match (header, body) {
        (Some(h), None) => header_json(&h.0),
        (None, Some(b)) => Ok(b.0),
        _ => Err(PyTypeError::new_err(
            "give exactly one of `header` or `body`",
        )),
    }
}

/// Runs a `write_json` closure into a growing buffer and returns the text.
pub(crate) fn write_json<E: pay402::ErrorCode>(
    hint: usize,
    f: impl Fn(&mut pay402::writer::Writer<'_>) -> Result<(), E>,
) -> Result<Vec<u8>, E> {
    grow(hint * 2 + 256, |buf| write_all(buf, &f))
}

fn message(kind: &str, version: Option<X402Version>, json: Vec<u8>) -> PyResult<X402Message> {
    Ok(X402Message {
        kind: kind.to_owned(),
        x402_version: version.map(X402Version::number),
        json: text(json)?,
    })
}

/// Decodes a `PaymentRequired` (v1 body or v2 `PAYMENT-REQUIRED` header value).
#[pyfunction]
#[pyo3(signature = (header=None, *, body=None))]
pub(crate) fn decode_payment_required(
    header: Option<Text>,
    body: Option<Text>,
) -> PyResult<X402Message> {
    let json = header_or_body(header, body)?;
    let value = PaymentRequired::from_json(&json).py()?;
    let out = write_json(json.len(), |w| value.write_json(w)).py()?;
    message("payment_required", Some(value.version()), out)
}

/// Decodes a `PaymentPayload` (`X-PAYMENT` / `PAYMENT-SIGNATURE` header value, or its JSON).
#[pyfunction]
#[pyo3(signature = (header=None, *, body=None))]
pub(crate) fn decode_payment_payload(
    header: Option<Text>,
    body: Option<Text>,
) -> PyResult<X402Message> {
    let json = header_or_body(header, body)?;
    let value = PaymentPayload::from_json(&json).py()?;
    let out = write_json(json.len(), |w| value.write_json(w)).py()?;
    message("payment_payload", Some(value.version()), out)
}

/// Decodes a `SettleResponse` (`X-PAYMENT-RESPONSE` / `PAYMENT-RESPONSE` value, or the
/// facilitator's `/settle` answer).
#[pyfunction]
#[pyo3(signature = (header=None, *, body=None))]
pub(crate) fn decode_settle_response(
    header: Option<Text>,
    body: Option<Text>,
) -> PyResult<X402Message> {
    let json = header_or_body(header, body)?;
    let value = SettleResponse::from_json(&json).py()?;
    let out = write_json(json.len(), |w| value.write_json(w)).py()?;
    message("settle_response", None, out)
}

/// Decodes one `PaymentRequirements` object (v1 or v2, told apart by its fields).
#[pyfunction]
pub(crate) fn decode_payment_requirements(body: Text) -> PyResult<X402Message> {
    let value = RawValue::parse(&body.0)
        .map_err(|e| DecodeError::new("body", DecodeReason::Json(e)))
        .and_then(PaymentRequirements::from_json_value)
        .py()?;
    let out = write_json(body.0.len(), |w| value.write_json(w)).py()?;
    message("payment_requirements", Some(value.version()), out)
}

/// Decodes a facilitator `POST /verify` or `POST /settle` request body.
#[pyfunction]
pub(crate) fn decode_verify_request(body: Text) -> PyResult<X402Message> {
    let value = VerifyRequest::from_json(&body.0).py()?;
    let out = write_json(body.0.len(), |w| value.write_json(w)).py()?;
    message("verify_request", Some(value.x402_version), out)
}

/// Decodes a facilitator `/verify` response body.
#[pyfunction]
pub(crate) fn decode_verify_response(body: Text) -> PyResult<X402Message> {
    let value = VerifyResponse::from_json(&body.0).py()?;
    let out = write_json(body.0.len(), |w| value.write_json(w)).py()?;
    message("verify_response", None, out)
}

/// Decodes a facilitator `GET /supported` response body.
#[pyfunction]
pub(crate) fn decode_supported_response(body: Text) -> PyResult<X402Message> {
    let value = SupportedResponse::from_json(&body.0).py()?;
    let out = write_json(body.0.len(), |w| value.write_json(w)).py()?;
    message("supported_response", None, out)
}

/// Base64-encodes JSON text as an x402 header value (standard alphabet, padded).
#[pyfunction]
#[pyo3(name = "x402_encode_header")]
pub(crate) fn encode_header(json: Text) -> PyResult<String> {
    encode_header_text(&json.0)
}

/// Decodes an x402 header value (base64; missing padding accepted) into its JSON bytes.
#[pyfunction]
pub(crate) fn decode_header(py: Python<'_>, value: Text) -> PyResult<Bound<'_, PyBytes>> {
    Ok(PyBytes::new(py, &header_json(&value.0)?))
}

/// The result of a successful verification.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verified {
    x402_version: u64,
    network: String,
    chain_id: Option<u64>,
    kind: String,
    payer: String,
    amount: Uint,
    authorized_amount: Uint,
    nonce: String,
    valid_before: Uint,
    replay_key: Bytes,
}

/// The CAIP-2 text of a network.
pub(crate) fn network_text(n: Network) -> String {
    match n {
        Network::Eip155 { chain_id } => format!("eip155:{chain_id}"),
        Network::Solana(c) => c.caip2().to_owned(),
    }
}

pub(crate) fn verified(v: &CoreVerified) -> Verified {
    Verified {
        x402_version: v.x402_version.number(),
        network: network_text(v.network),
        chain_id: v.network.chain_id(),
        kind: match v.kind {
            PaymentKind::ExactEip3009 => "exact_eip3009",
            PaymentKind::ExactPermit2 => "exact_permit2",
            PaymentKind::UptoPermit2 => "upto_permit2",
        }
        .to_owned(),
        payer: address(&v.payer),
        amount: Uint(v.amount),
        authorized_amount: Uint(v.authorized_amount),
        nonce: to_0x(&v.nonce),
        valid_before: Uint(v.valid_before),
        replay_key: Bytes(v.replay_key.to_bytes().to_vec()),
    }
}

/// The verification policy from keyword arguments (defaults: exact, strict, 6, `deep_equal`).
pub(crate) fn verify_policy(
    amount: &str,
    signature: &str,
    valid_before_slack: u64,
    accepted: &str,
) -> PyResult<VerifyPolicy> {
    Ok(VerifyPolicy {
        amount: match choice("amount", amount, &["exact", "at_least"])? {
            "at_least" => AmountRule::AtLeast,
            _ => AmountRule::Exact,
        },
        signature: signature_policy(signature)?,
        valid_before_slack,
        accepted: match choice("accepted", accepted, &["deep_equal", "typed"])? {
            "typed" => AcceptedMatch::Typed,
            _ => AcceptedMatch::DeepEqual,
        },
    })
}

/// `strict` / `lenient`.
pub(crate) fn signature_policy(name: &str) -> PyResult<SignaturePolicy> {
    Ok(match choice("signature", name, &["strict", "lenient"])? {
        "lenient" => SignaturePolicy::Lenient,
        _ => SignaturePolicy::Strict,
    })
}

/// Verifies an x402 payment header against one offered `PaymentRequirements` (JSON text):
/// EIP-3009 `exact`, Permit2 `exact` and `upto`. Raises `X402Error` with the reference
/// facilitator's code.
#[pyfunction]
#[pyo3(signature = (
    requirements, payment, *, now, amount="exact", signature="strict", valid_before_slack=6,
    accepted="deep_equal", settle_amount=None, facilitator=None
))]
pub(crate) fn verify_payment(
    py: Python<'_>,
    requirements: Text,
    payment: Text,
    now: u64,
    amount: &str,
    signature: &str,
    valid_before_slack: u64,
    accepted: &str,
    settle_amount: Option<PyU256>,
    facilitator: Option<PyAddress>,
) -> PyResult<Verified> {
    let verifier = Verifier {
        policy: verify_policy(amount, signature, valid_before_slack, accepted)?,
        svm: None,
        upto: UptoOptions {
            settle_amount: settle_amount.map(|a| a.0),
            facilitator: facilitator.map(|a| a.0),
        },
    };
    let result = py.detach(|| {
        let mut buf = vec![0u8; header::RECOMMENDED_BUFFER_LEN.max(payment.0.len() + 4)];
        verifier
            .verify_header(&requirements.0, &payment.0, &mut buf, now)
            .and_then(|v| v.evm().ok_or(EnvelopeCheck::InvalidNetwork.into()))
    });
    Ok(verified(&result.py()?))
}

/// The header a payment of x402 `version` is sent in (`X-PAYMENT` or `PAYMENT-SIGNATURE`).
#[pyfunction]
#[pyo3(name = "x402_payment_header_name")]
pub(crate) fn payment_header_name(version: u64) -> PyResult<&'static str> {
    match version {
        1 => Ok(pay402::x402::client::payment_header_name(X402Version::V1)),
        2 => Ok(pay402::x402::client::payment_header_name(X402Version::V2)),
        _ => Err(PyValueError::new_err("x402 version must be 1 or 2")),
    }
}

/// The chosen `accepts` entry.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Selection {
    index: usize,
    method: String,
    chain_id: u64,
    requirements: String,
}

fn parse_network(text: &str) -> PyResult<Network> {
    Network::parse(text).ok_or_else(|| {
        CoreError::custom(
            Kind::X402,
            "invalid_network",
            format!("unknown network {text:?} (a v1 name or a CAIP-2 id)"),
        )
        .into()
    })
}

/// Chooses the first `accepts` entry of a 402 that the payer can pay (networks as v1 names or
/// CAIP-2 ids, assets as addresses, `max_amount` in atomic units).
#[pyfunction]
#[pyo3(name = "x402_select", signature = (payment_required, *, networks, assets, max_amount, allow_permit2=false))]
pub(crate) fn select_payment(
    payment_required: Text,
    networks: Vec<String>,
    assets: Vec<PyAddress>,
    max_amount: PyU256,
    allow_permit2: bool,
) -> PyResult<Selection> {
    let required = PaymentRequired::from_json(&payment_required.0).py()?;
    let networks = networks
        .iter()
        .map(|n| parse_network(n))
        .collect::<PyResult<Vec<_>>>()?;
    let assets: Vec<Address> = assets.iter().map(|a| a.0).collect();
    let mut policy = PayerPolicy::new(&networks, &assets, max_amount.0);
    policy.allow_permit2 = allow_permit2;
    let chosen = pay402::x402::client::select(&required, &policy).py()?;
    let json = write_json(payment_required.0.len(), |w| {
        chosen.requirements.write_json(w)
    })
    .py()?;
    Ok(Selection {
        index: chosen.index,
        method: chosen.method.as_str().to_owned(),
        chain_id: chosen.chain_id,
        requirements: text(json)?,
    })
}

/// A signed payment, ready to send.
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignedPayment {
    header_name: &'static str,
    header_value: String,
    json: String,
    signature: String,
    payer: String,
}

fn signed(s: &CoreSigned<'_>) -> PyResult<SignedPayment> {
    let json = write_json(1024, |w| s.write_json(w)).py()?;
    let header_value = encode_header_text(&json)?;
    Ok(SignedPayment {
        header_name: s.header_name(),
        header_value,
        json: text(json)?,
        signature: to_0x(&s.signature()),
        payer: address(&s.draft().authorization().from),
    })
}

/// Builds, signs and encodes the payment for `accepts[accept_index]` of a 402 (op
/// `x402.sign`): `validAfter = now − 600`, `validBefore = now + maxTimeoutSeconds`.
#[pyfunction]
#[pyo3(name = "x402_sign", signature = (payment_required, private_key, *, now, nonce, accept_index=0))]
pub(crate) fn sign_payment(
    payment_required: Text,
    private_key: BytesOrHex,
    now: u64,
    nonce: BytesOrHex,
    accept_index: usize,
) -> PyResult<SignedPayment> {
    let key = crate::convert::private_key(&private_key)?;
    let nonce = nonce.array::<32>("nonce")?;
    let required = PaymentRequired::from_json(&payment_required.0).py()?;
    let draft = CoreDraft::new(&required, accept_index, key.address(), now, &nonce).py()?;
    signed(&draft.sign(&key).py()?)
}

/// A payment before signing, for an external wallet: hand `digest()` or `typed_data()` to the
/// wallet, then assemble with `with_wallet_signature()`.
#[pyclass(module = "pay402._native", frozen)]
#[derive(Debug)]
pub(crate) struct PaymentDraft {
    required: Vec<u8>,
    index: usize,
    payer: Address,
    now: u64,
    nonce: [u8; 32],
}

impl PaymentDraft {
    fn with<T>(&self, f: impl FnOnce(&CoreDraft<'_>) -> PyResult<T>) -> PyResult<T> {
        let required = PaymentRequired::from_json(&self.required).py()?;
        let draft =
            CoreDraft::new(&required, self.index, self.payer, self.now, &self.nonce).py()?;
        f(&draft)
    }
}

/// A wallet signature: 65 `bytes`, or the hex text of a JSON-RPC answer.
#[derive(Debug)]
pub(crate) enum WalletSignature {
    Bytes(Vec<u8>),
    Hex(String),
}

impl<'a, 'py> FromPyObject<'a, 'py> for WalletSignature {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(s) = obj.cast::<pyo3::types::PyString>() {
            return Ok(Self::Hex(s.to_cow()?.into_owned()));
        }
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(Self::Bytes(b.as_bytes().to_vec()));
        }
        Err(PyTypeError::new_err("expected bytes or hex str"))
    }
}

#[pymethods]
impl PaymentDraft {
    #[new]
    #[pyo3(signature = (payment_required, *, payer, now, nonce, accept_index=0))]
    fn new(
        payment_required: Text,
        payer: PyAddress,
        now: u64,
        nonce: BytesOrHex,
        accept_index: usize,
    ) -> PyResult<Self> {
        let draft = Self {
            required: payment_required.0,
            index: accept_index,
            payer: payer.0,
            now,
            nonce: nonce.array::<32>("nonce")?,
        };
        draft.with(|_| Ok(()))?;
        Ok(draft)
    }

    /// x402 version of the 402 and of the payment.
    #[getter]
    fn x402_version(&self) -> PyResult<u64> {
        self.with(|d| Ok(d.version().number()))
    }

    /// EIP-155 chain id of the chosen entry.
    #[getter]
    fn chain_id(&self) -> PyResult<u64> {
        self.with(|d| Ok(d.chain_id()))
    }

    /// The token contract (EIP-55).
    #[getter]
    fn asset(&self) -> PyResult<String> {
        self.with(|d| Ok(address(&d.asset())))
    }

    /// The payer (`authorization.from`, EIP-55).
    #[getter]
    fn payer(&self) -> String {
        address(&self.payer)
    }

    /// The header the payment goes in.
    #[getter]
    fn header_name(&self) -> PyResult<&'static str> {
        self.with(|d| Ok(pay402::x402::client::payment_header_name(d.version())))
    }

    /// The EIP-712 digest the wallet signs.
    fn digest<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        self.with(|d| Ok(PyBytes::new(py, &d.digest())))
    }

    /// The `eth_signTypedData_v4` parameter (JSON text; addresses lowercase, uint256 as
    /// decimal strings, `chainId` a number).
    fn typed_data(&self) -> PyResult<String> {
        self.with(|d| text(write_json(2048, |w| d.write_typed_data(w)).py()?))
    }

    /// Signs with a local key (which must be the payer's).
    fn sign(&self, private_key: BytesOrHex) -> PyResult<SignedPayment> {
        let key = crate::convert::private_key(&private_key)?;
        self.with(|d| signed(&d.sign(&key).py()?))
    }

    /// Assembles the payment from a wallet's signature (65 bytes or hex; v 0/1 normalized).
    /// Raises `X402Error` `signature_length`, `signature_v`, `signature_high_s`,
    /// `signature_invalid` or `signature_wrong_signer`.
    fn with_wallet_signature(&self, signature: WalletSignature) -> PyResult<SignedPayment> {
        self.with(|d| {
            let s = match &signature {
                WalletSignature::Bytes(b) => d.with_wallet_signature(b),
                WalletSignature::Hex(h) => d.with_wallet_signature_hex(h.as_bytes()),
            };
            signed(&s.py()?)
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "PaymentDraft(payer={:?}, accept_index={})",
            address(&self.payer),
            self.index
        )
    }
}

/// A Permit2 scheme payload (`PaymentPayload.payload` for `exact` with Permit2 or `upto`).
#[pyclass(module = "pay402._native", frozen, get_all, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Permit2Payload {
    json: String,
    signature: String,
    payer: String,
    chain_id: Option<u64>,
}

/// Builds and signs the Permit2 scheme payload for one v2 `PaymentRequirements` (`exact` with
/// `assetTransferMethod: "permit2"`, or `upto`); `nonce` is the Permit2 uint256 nonce.
#[pyfunction]
#[pyo3(name = "permit2_sign_payload", signature = (requirements, private_key, *, nonce, now))]
pub(crate) fn sign_permit2_payload(
    requirements: Text,
    private_key: BytesOrHex,
    nonce: PyU256,
    now: u64,
) -> PyResult<Permit2Payload> {
    let key = crate::convert::private_key(&private_key)?;
    let value = RawValue::parse(&requirements.0)
        .map_err(|e| DecodeError::new("body", DecodeReason::Json(e)))
        .and_then(PaymentRequirements::from_json_value)
        .map_err(VerifyError::InvalidPaymentRequirements)
        .py()?;
    let mut signature = [0u8; 65];
    let json = grow(1024, |buf| {
        write_all(buf, |w| {
            pay402::x402::sign_permit2_payload(w, &value, &key, nonce.0, now).map(|(_, s)| {
                signature = s;
            })
        })
    })
    .py()?;
    Ok(Permit2Payload {
        json: text(json)?,
        signature: to_0x(&signature),
        payer: address(&key.address()),
        chain_id: Network::parse(&value.network().to_string()).and_then(Network::chain_id),
    })
}

/// The receipt header's value among a response's headers (`PAYMENT-RESPONSE` first, then
/// `X-PAYMENT-RESPONSE`; names case-insensitive), or `None`.
#[pyfunction]
pub(crate) fn settle_response_header(headers: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    let pairs = header_pairs(headers)?;
    Ok(pay402::x402::client::settle_response_header(&pairs)
        .map(|v| String::from_utf8_lossy(v).into_owned()))
}

/// Finds and decodes the receipt of a paid response; `None` when there is none.
#[pyfunction]
pub(crate) fn read_settle_response(headers: &Bound<'_, PyAny>) -> PyResult<Option<X402Message>> {
    let pairs = header_pairs(headers)?;
    match pay402::x402::client::settle_response_header(&pairs) {
        None => Ok(None),
        Some(v) => decode_settle_response(Some(Text(v.to_vec())), None).map(Some),
    }
}

/// `(name, value)` pairs from a mapping (`dict`, `http.client.HTTPMessage`, …) or a sequence
/// of pairs.
fn header_pairs(headers: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
    let items = if let Ok(m) = headers.cast::<PyMapping>() {
        m.items()?.into_any()
    } else if headers.cast::<PySequence>().is_ok() {
        headers.clone()
    } else {
        return Err(PyTypeError::new_err(
            "headers must be a mapping or a sequence of (name, value) pairs",
        ));
    };
    items
        .try_iter()?
        .map(|item| item?.extract::<(String, String)>())
        .collect()
}

/// Registers the x402 items.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<X402Message>()?;
    m.add_class::<Verified>()?;
    m.add_class::<Selection>()?;
    m.add_class::<SignedPayment>()?;
    m.add_class::<PaymentDraft>()?;
    m.add_class::<Permit2Payload>()?;
    m.add_function(wrap_pyfunction!(decode_payment_required, m)?)?;
    m.add_function(wrap_pyfunction!(decode_payment_payload, m)?)?;
    m.add_function(wrap_pyfunction!(decode_settle_response, m)?)?;
    m.add_function(wrap_pyfunction!(decode_payment_requirements, m)?)?;
    m.add_function(wrap_pyfunction!(decode_verify_request, m)?)?;
    m.add_function(wrap_pyfunction!(decode_verify_response, m)?)?;
    m.add_function(wrap_pyfunction!(decode_supported_response, m)?)?;
    m.add_function(wrap_pyfunction!(encode_header, m)?)?;
    m.add_function(wrap_pyfunction!(decode_header, m)?)?;
    m.add_function(wrap_pyfunction!(verify_payment, m)?)?;
    m.add_function(wrap_pyfunction!(payment_header_name, m)?)?;
    m.add_function(wrap_pyfunction!(select_payment, m)?)?;
    m.add_function(wrap_pyfunction!(sign_payment, m)?)?;
    m.add_function(wrap_pyfunction!(sign_permit2_payload, m)?)?;
    m.add_function(wrap_pyfunction!(settle_response_header, m)?)?;
    m.add_function(wrap_pyfunction!(read_settle_response, m)?)?;
    m.add("RECOMMENDED_BUFFER_LEN", header::RECOMMENDED_BUFFER_LEN)?;
    Ok(())
}
