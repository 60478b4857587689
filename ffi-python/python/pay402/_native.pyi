# Hand-written stubs of the pay402._native extension (checked by `python -m mypy.stubtest
# pay402._native`). Keep in step with ffi-python/src/*.rs.

from typing import Any, Callable, ClassVar, List, Literal, Mapping, Optional, Protocol, Sequence, Tuple, Union, final

__version__: str
__all__ = [
    "ClientBudget",
    "BudgetReservation",
    "BudgetRefusal",
    "BudgetError",
    "OnchainError",
    "OnchainPayment",
    "verify_evm_transaction",
    "verify_svm_transaction",
    "verify_payper402",
    "SignatureRoute",
    "route_signature",
    "RpcVerified",
    "verify_payment_with_rpc",
    "LIGHTNING_NETWORK",
    "MSAT",
    "L402Server",
    "L402ServerChallenge",
    "L402Admitted",
    "L402Refusal",
    "X402Server",
    "Admitted",
    "Reply",
    "Exchange",
    "Step",
    "Error",
    "X402Error",
    "EvmError",
    "MacaroonError",
    "Bolt11Error",
    "L402Error",
    "OffersError",
    "Ws402Error",
    "CodecError",
    "DialectError",
    "SvmError",
    "X402Message",
    "Verified",
    "Selection",
    "SignedPayment",
    "PaymentDraft",
    "Permit2Payload",
    "decode_payment_required",
    "decode_payment_payload",
    "decode_settle_response",
    "decode_payment_requirements",
    "decode_verify_request",
    "decode_verify_response",
    "decode_supported_response",
    "x402_encode_header",
    "decode_header",
    "verify_payment",
    "x402_payment_header_name",
    "x402_select",
    "x402_choose",
    "x402_pay_evm",
    "x402_pay_svm",
    "x402_paid_response",
    "X402Client",
    "X402ChosenOffer",
    "X402Permit2Approval",
    "X402Payment",
    "Choice",
    "ClientPayment",
    "PaidAnswer",
    "x402_sign",
    "permit2_sign_payload",
    "settle_response_header",
    "read_settle_response",
    "RECOMMENDED_BUFFER_LEN",
    "TypedDataHashes",
    "eip3009_digest",
    "eip3009_sign",
    "permit2_digest",
    "recover_address",
    "sign_digest",
    "private_key_to_address",
    "checksum_address",
    "keccak256",
    "PERMIT2_ADDRESS",
    "X402_EXACT_PERMIT2_PROXY",
    "X402_UPTO_PERMIT2_PROXY",
    "SignedTransaction",
    "SettleCall",
    "sign_eip1559_transaction",
    "x402_settle_calldata",
    "x402_settle_terms",
    "SettleTerms",
    "SettlementResult",
    "EvmSettlement",
    "SvmSettlement",
    "RefundOrder",
    "RefundResult",
    "Refund",
    "erc20_transfer_calldata",
    "SVM_SETTLEMENT_CACHE_TTL_SECS",
    "SVM_CONFIRMATION_MAX_POLLS",
    "x402_settle_revert_reason",
    "SvmCosigned",
    "svm_cosign",
    "Macaroon",
    "Caveat",
    "macaroon_bind",
    "Bolt11Invoice",
    "RouteHintHop",
    "Fallback",
    "bolt11_decode",
    "L402Identifier",
    "L402Challenge",
    "L402Credential",
    "L402PayableChallenge",
    "L402_APERTURE_LOCATION",
    "l402_payment_hash",
    "l402_root_key_id",
    "l402_parse_challenges",
    "l402_select_challenge",
    "l402_write_challenge",
    "l402_encode_challenges",
    "l402_parse_authorization",
    "l402_select_authorization",
    "l402_write_authorization",
    "l402_parse_macaroon_header",
    "l402_write_macaroon_header",
    "l402_mint",
    "l402_services_caveat",
    "l402_capabilities_caveat",
    "l402_valid_until_caveat",
    "l402_verify",
    "l402_check_challenge",
    "base64_encode",
    "base64_decode",
    "recognize",
    "Recognized",
    "page_presentation",
    "page_theme_validate",
    "PaywallPage",
    "parse_u256",
    "format_u256",
    "Grant",
    "Offer",
    "OffersBody",
    "PaymentRequestResponse",
    "Access",
    "Entitlement",
    "OffersPaymentAsk",
    "OffersReply",
    "OffersServe",
    "OffersServer",
    "OffersWebhookPaid",
    "offers_decode",
    "encode_offers",
    "encode_payment_request",
    "decode_payment_request_response",
    "verify_webhook",
    "sign_webhook",
    "ENTITLEMENT_RECORD_LEN",
    "OFFERS_MAX_BODY_BYTES",
    "Meter",
    "MeterOutcome",
    "SessionEnd",
    "TariffMeter",
    "TariffOutcome",
    "TariffEnd",
    "Ws402Server",
    "Ws402Session",
    "Ws402Command",
    "Ws402Statement",
    "ChainProofConfig",
    "Ws402ClientSession",
    "Ws402ClientEvent",
    "Ws402Message",
    "start_with_x402",
    "decode_ws402_message",
    "decode_ws402_schema",
    "SESSION_RECORD_LEN",
    "PayPer402Challenge",
    "SandboxRequirements",
    "decimal_to_atomic",
    "display_price_to_atomic",
    "atomic_to_decimal",
    "parse_payper402_challenge",
    "payper402_challenge",
    "decode_sandbox_requirements",
    "parse_sandbox_token",
    "accept_once",
    "AuthChallenge",
    "DefaultAsset",
    "parse_challenges",
    "parse_credentials",
    "write_challenge",
    "resolve_network",
    "default_asset",
    "SvmVerified",
    "x402_verify",
    "svm_build_transfer",
    "SvmPayment",
    "svm_payment_header",
    "svm_public_key",
    "svm_associated_token_address",
    "svm_parse_pubkey",
    "svm_format_pubkey",
    "SVM_TOKEN_PROGRAM_ID",
    "SVM_TOKEN_2022_PROGRAM_ID",
    "SVM_ASSOCIATED_TOKEN_PROGRAM_ID",
    "SVM_COMPUTE_BUDGET_PROGRAM_ID",
    "SVM_MEMO_PROGRAM_ID",
    "SVM_LIGHTHOUSE_PROGRAM_ID",
    "Ws402Frame",
    "ws402_message_frame",
    "ws402_resume_token",
    "ws402_check_resume_token",
    "Ws402GrantCheck",
    "ws402_grant_issue",
    "ws402_grant_lookup_id",
    "ws402_grant_check",
    "__version__",
]

_Text = Union[str, bytes]
"""JSON or header text: `str`, or its UTF-8 `bytes`."""
_BytesOrHex = Union[bytes, str]
"""Raw bytes, or hex text (`0x` optional, any case)."""
_Headers = Union[Mapping[str, str], Sequence[Tuple[str, str]]]
_SignaturePolicy = Literal["strict", "lenient"]
_AmountRule = Literal["exact", "at_least"]
_AcceptedMatch = Literal["deep_equal", "typed"]

# --- errors ---------------------------------------------------------------------------------

class Error(Exception):
    """Base class of every pay402 error."""

    code: str
    """The core's stable snake_case code."""
    message: str
    """The core's text (also `str(e)`)."""
    detail_code: Optional[str]
    """The code of the nested cause, where the core has one."""
    field: Optional[str]
    """The path of the offending field (`accepts[].amount`, `payload.authorization.value`,
    `header`), where the core reports one."""

class X402Error(Error):
    """x402: codecs, verification (codes of the reference facilitator) and the paying client."""

    reasons: dict[str, str]
    """For verification verdicts: the reason string of each implementation
    (`typescript`, `go`, `python`, `spec_v1`, `x402_rs`)."""

class EvmError(Error):
    """EVM: signatures, keys, addresses."""
class MacaroonError(Error):
    """Macaroons."""
class Bolt11Error(Error):
    """BOLT11 invoices."""
class L402Error(Error):
    """L402 (Lightning Labs): challenges, credentials, tokens, verification, client checks.
    `.detail_code` is the finer reason of `invalid_credential` (e.g. `preimage_hex`).
    """
class OffersError(Error):
    """Fewsats L402 offers, webhooks, entitlements."""
class Ws402Error(Error):
    """WS402 messages, schemas, session records."""
class CodecError(Error):
    """Shared codecs: base64, hex, JSON, U256, HTTP auth-params."""
class DialectError(Error):
    """Other 402 dialects (PayPer402, the x402 sandbox, single-use proofs)."""
class BudgetError(Error):
    """Client budgets: configuration (`invalid_budget_window`, `duplicate_budget_asset`, …) and
    reservations ended twice (`unknown_reservation`). A refused payment is `pay402.BudgetExceeded`.
    """
class OnchainError(Error):
    """Payments proven by an on-chain transaction: the RPC results do not prove the payment
    (`transaction_not_found` and `transaction_not_final` are worth retrying). `.detail_code` is
    the malformed field's or the JSON error's code for `invalid_rpc_result`."""
class SvmError(Error):
    """Solana: addresses (`pubkey_*`), wire transactions (`transaction_*`), building the payment
    transaction. Verification verdicts are `X402Error`."""

# --- x402 -----------------------------------------------------------------------------------

RECOMMENDED_BUFFER_LEN: int

@final
class X402Message:
    """A decoded x402 value as the core's canonical compact JSON."""

    @property
    def kind(self) -> str:
        """What was decoded (`payment_required`, `payment_payload`, `settle_response`, …)."""
    @property
    def x402_version(self) -> Optional[int]:
        """The message's `x402Version` (1 or 2), or None where the message has none."""
    @property
    def json(self) -> str:
        """The core's canonical compact JSON text (`json.loads` it for a dict)."""
    def to_header(self) -> str:
        """The header value carrying this message: base64 (standard, padded) of `json`."""
    def __eq__(self, value: object, /) -> bool: ...

def decode_payment_required(header: Optional[_Text] = None, *, body: Optional[_Text] = None) -> X402Message:
    """Decodes a `PaymentRequired` (v1 body or v2 `PAYMENT-REQUIRED` header value).

    Raises a `pay402.Error` subclass (mostly `X402Error`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def decode_payment_payload(header: Optional[_Text] = None, *, body: Optional[_Text] = None) -> X402Message:
    """Decodes a `PaymentPayload` (`X-PAYMENT` / `PAYMENT-SIGNATURE` header value, or its JSON).

    Raises a `pay402.Error` subclass (mostly `X402Error`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def decode_settle_response(header: Optional[_Text] = None, *, body: Optional[_Text] = None) -> X402Message:
    """Decodes a `SettleResponse` (`X-PAYMENT-RESPONSE` / `PAYMENT-RESPONSE` value, or the
    facilitator's `/settle` answer).

    Raises a `pay402.Error` subclass (mostly `X402Error`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def decode_payment_requirements(body: _Text) -> X402Message:
    """Decodes one `PaymentRequirements` object (v1 or v2, told apart by its fields).

    Raises a `pay402.Error` subclass (mostly `X402Error`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def decode_verify_request(body: _Text) -> X402Message:
    """Decodes a facilitator `POST /verify` or `POST /settle` request body.

    Raises a `pay402.Error` subclass (mostly `X402Error`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def decode_verify_response(body: _Text) -> X402Message:
    """Decodes a facilitator `/verify` response body.

    Raises a `pay402.Error` subclass (mostly `X402Error`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def decode_supported_response(body: _Text) -> X402Message:
    """Decodes a facilitator `GET /supported` response body.

    Raises a `pay402.Error` subclass (mostly `X402Error`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def x402_encode_header(json: _Text) -> str:
    """Base64-encodes JSON text as an x402 header value (standard alphabet, padded).

    Raises a `pay402.Error` subclass (mostly `X402Error`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def decode_header(value: _Text) -> bytes:
    """Decodes an x402 header value (base64; missing padding accepted) into its JSON bytes.

    Raises a `pay402.Error` subclass (mostly `X402Error`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """

@final
class Verified:
    """The result of a successful verification."""

    @property
    def x402_version(self) -> int:
        """1 or 2."""
    @property
    def network(self) -> str:
        """CAIP-2 id (`eip155:84532`)."""
    @property
    def chain_id(self) -> Optional[int]:
        """The EIP-155 chain id, when the network has one."""
    @property
    def kind(self) -> Literal["exact_eip3009", "exact_permit2", "upto_permit2"]:
        """Which payment was verified: EIP-3009 `exact`, Permit2 `exact` or Permit2 `upto`."""
    @property
    def payer(self) -> str:
        """EIP-55 address."""
    @property
    def amount(self) -> int:
        """The amount to settle (for `upto`, the settle amount when given)."""
    @property
    def authorized_amount(self) -> int:
        """The amount the payer signed (for `upto`, the maximum)."""
    @property
    def nonce(self) -> str:
        """`0x` + 64 hex digits."""
    @property
    def valid_before(self) -> int:
        """Unix seconds after which the authorization is no longer valid."""
    @property
    def replay_key(self) -> bytes:
        """80 bytes: chain id ‖ asset ‖ payer ‖ nonce."""
    def __eq__(self, value: object, /) -> bool: ...

def verify_payment(
    requirements: _Text,
    payment: _Text,
    *,
    now: int,
    amount: _AmountRule = "exact",
    signature: _SignaturePolicy = "strict",
    valid_before_slack: int = 6,
    accepted: _AcceptedMatch = "deep_equal",
    settle_amount: Optional[int] = None,
    facilitator: Optional[str] = None,
) -> Verified:
    """Verifies an x402 payment header against one offered `PaymentRequirements` (JSON text):
    EIP-3009 `exact`, Permit2 `exact` and `upto`. Raises `X402Error` with the reference
    facilitator's code.
    """
def x402_payment_header_name(version: int) -> str:
    """The header a payment of x402 `version` is sent in (`X-PAYMENT` or `PAYMENT-SIGNATURE`).

    Raises a `pay402.Error` subclass (mostly `X402Error`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """

@final
class Selection:
    """The chosen `accepts` entry."""

    @property
    def index(self) -> int:
        """Index of the chosen entry in `accepts` (pass it as `accept_index`)."""
    @property
    def method(self) -> Literal["eip3009", "permit2"]:
        """How it is paid: EIP-3009 or Permit2."""
    @property
    def chain_id(self) -> int:
        """The EIP-155 chain id of the entry."""
    @property
    def requirements(self) -> str:
        """The chosen entry's canonical JSON."""
    def __eq__(self, value: object, /) -> bool: ...

def x402_select(
    payment_required: _Text,
    *,
    networks: Sequence[str],
    assets: Sequence[str],
    max_amount: int,
    allow_permit2: bool = False,
) -> Selection:
    """Chooses the first `accepts` entry of a 402 that the payer can pay (networks as v1 names or
    CAIP-2 ids, assets as addresses, `max_amount` in atomic units).

    Raises a `pay402.Error` subclass (mostly `X402Error`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """

@final
class SignedPayment:
    """A signed payment, ready to send."""

    @property
    def header_name(self) -> str:
        """`PAYMENT-SIGNATURE` (v2) or `X-PAYMENT` (v1)."""
    @property
    def header_value(self) -> str:
        """The base64 header value to send."""
    @property
    def json(self) -> str:
        """The `PaymentPayload` JSON text."""
    @property
    def signature(self) -> str:
        """`0x` + 130 hex digits, v 27/28."""
    @property
    def payer(self) -> str:
        """The signer's EIP-55 address."""
    def __eq__(self, value: object, /) -> bool: ...

def x402_sign(
    payment_required: _Text,
    private_key: _BytesOrHex,
    *,
    now: int,
    nonce: _BytesOrHex,
    accept_index: int = 0,
) -> SignedPayment:
    """Builds, signs and encodes the payment for `accepts[accept_index]` of a 402 (op
    `x402.sign`): `validAfter = now − 600`, `validBefore = now + maxTimeoutSeconds`.

    Raises a `pay402.Error` subclass (mostly `X402Error`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """

@final
class PaymentDraft:
    """A payment before signing, for an external wallet: hand `digest()` or `typed_data()` to the
    wallet, then assemble with `with_wallet_signature()`.
    """

    def __new__(
        cls,
        payment_required: _Text,
        *,
        payer: str,
        now: int,
        nonce: _BytesOrHex,
        accept_index: int = 0,
    ) -> PaymentDraft: ...
    @property
    def x402_version(self) -> int:
        """x402 version of the 402 and of the payment."""
    @property
    def chain_id(self) -> int:
        """EIP-155 chain id of the chosen entry."""
    @property
    def asset(self) -> str:
        """The token contract (EIP-55)."""
    @property
    def payer(self) -> str:
        """The payer (`authorization.from`, EIP-55)."""
    @property
    def header_name(self) -> str:
        """The header the payment goes in."""
    def digest(self) -> bytes:
        """The EIP-712 digest the wallet signs."""
    def typed_data(self) -> str:
        """The `eth_signTypedData_v4` parameter (JSON text; addresses lowercase, uint256 as
        decimal strings, `chainId` a number).
        """
    def sign(self, private_key: _BytesOrHex) -> SignedPayment:
        """Signs with a local key (which must be the payer's)."""
    def with_wallet_signature(self, signature: _BytesOrHex) -> SignedPayment:
        """Assembles the payment from a wallet's signature (65 bytes or hex; v 0/1 normalized).
        Raises `X402Error` `signature_length`, `signature_v`, `signature_high_s`,
        `signature_invalid` or `signature_wrong_signer`.
        """

@final
class Permit2Payload:
    """A Permit2 scheme payload (`PaymentPayload.payload` for `exact` with Permit2 or `upto`)."""

    @property
    def json(self) -> str:
        """The scheme payload JSON text (`PaymentPayload.payload`)."""
    @property
    def signature(self) -> str:
        """`0x` + 130 hex digits."""
    @property
    def payer(self) -> str:
        """The signer's EIP-55 address."""
    @property
    def chain_id(self) -> Optional[int]:
        """The EIP-155 chain id, when known."""
    def __eq__(self, value: object, /) -> bool: ...

def permit2_sign_payload(requirements: _Text, private_key: _BytesOrHex, *, nonce: int, now: int) -> Permit2Payload:
    """Builds and signs the Permit2 scheme payload for one v2 `PaymentRequirements` (`exact` with
    `assetTransferMethod: "permit2"`, or `upto`); `nonce` is the Permit2 uint256 nonce.

    Raises a `pay402.Error` subclass (mostly `X402Error`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def settle_response_header(headers: _Headers) -> Optional[str]:
    """The receipt header's value among a response's headers (`PAYMENT-RESPONSE` first, then
    `X-PAYMENT-RESPONSE`; names case-insensitive), or `None`.

    Raises a `pay402.Error` subclass (mostly `X402Error`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def read_settle_response(headers: _Headers) -> Optional[X402Message]:
    """Finds and decodes the receipt of a paid response; `None` when there is none.

    Raises a `pay402.Error` subclass (mostly `X402Error`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """

# --- EVM ------------------------------------------------------------------------------------

PERMIT2_ADDRESS: str
X402_EXACT_PERMIT2_PROXY: str
X402_UPTO_PERMIT2_PROXY: str

@final
class TypedDataHashes:
    """The three hashes of an EIP-712 message."""

    @property
    def domain_separator(self) -> bytes:
        """The EIP-712 domain separator (32 bytes)."""
    @property
    def struct_hash(self) -> bytes:
        """The EIP-712 hash of the message struct (32 bytes)."""
    @property
    def digest(self) -> bytes:
        """`keccak256(0x1901 ‖ domain_separator ‖ struct_hash)`: what is signed (32 bytes)."""
    def __eq__(self, value: object, /) -> bool: ...

def eip3009_digest(domain: Mapping[str, Any], message: Mapping[str, Any]) -> TypedDataHashes:
    """EIP-712 hashes of an EIP-3009 `TransferWithAuthorization` (`domain` and `message` as in
    `eth_signTypedData_v4`; uint256 fields as `int` or decimal `str`, `nonce` 32 bytes or hex).

    Raises a `pay402.Error` subclass (mostly `EvmError`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def eip3009_sign(private_key: _BytesOrHex, domain: Mapping[str, Any], message: Mapping[str, Any]) -> bytes:
    """Signs an EIP-3009 authorization: 65 bytes `r ‖ s ‖ v`, v 27/28, RFC 6979.

    Raises a `pay402.Error` subclass (mostly `EvmError`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def permit2_digest(chain_id: int, permit: Mapping[str, Any]) -> TypedDataHashes:
    """EIP-712 hashes of a Permit2 `PermitWitnessTransferFrom` with the x402 witness: `permit`
    {`permitted` {`token`, `amount`}, `spender`, `nonce`, `deadline`, `witness` {`to`,
    `validAfter`, and `facilitator` for `upto`}}.

    Raises a `pay402.Error` subclass (mostly `EvmError`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def recover_address(digest: _BytesOrHex, signature: _BytesOrHex, *, policy: _SignaturePolicy = "strict") -> str:
    """Recovers the signer of a 32-byte digest. `policy="strict"`: 65 bytes, v 27/28, low s;
    `"lenient"`: also v 0/1, high s, 64-byte ERC-2098. Raises `EvmError` `signature_length`,
    `signature_v`, `signature_high_s`, `signature_invalid`.
    """
def sign_digest(private_key: _BytesOrHex, digest: _BytesOrHex) -> bytes:
    """Signs a 32-byte digest (no prefix): 65 bytes `r ‖ s ‖ v`, v 27/28, low s, RFC 6979.

    Raises a `pay402.Error` subclass (mostly `EvmError`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def private_key_to_address(private_key: _BytesOrHex) -> str:
    """The EIP-55 address of a private key.

    Raises a `pay402.Error` subclass (mostly `EvmError`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def checksum_address(address: str) -> str:
    """The EIP-55 checksummed form of an address (any case accepted).

    Raises a `pay402.Error` subclass (mostly `EvmError`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def keccak256(data: bytes) -> bytes:
    """Keccak-256.

    Raises a `pay402.Error` subclass (mostly `EvmError`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """

# --- settlement -------------------------------------------------------------------------------

@final
class SignedTransaction:
    """A signed EIP-1559 (type 2) transaction."""

    @property
    def raw(self) -> bytes:
        """`0x02 ‖ rlp([…, yParity, r, s])`: what `eth_sendRawTransaction` takes."""
    @property
    def hash(self) -> bytes:
        """Keccak-256 of `raw`: the transaction hash (32 bytes)."""
    @property
    def from_(self) -> str:
        """The sender: the signing key's EIP-55 address."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class SettleCall:
    """The call a facilitator sends to settle a payment."""

    @property
    def to(self) -> str:
        """The contract called: the token (EIP-3009) or the Permit2 proxy (EIP-55)."""
    @property
    def data(self) -> bytes:
        """The ABI-encoded calldata."""
    def __eq__(self, value: object, /) -> bool: ...

def sign_eip1559_transaction(tx: Mapping[str, Any], private_key: _BytesOrHex) -> SignedTransaction:
    """Signs an EIP-1559 (type 2) transaction. `tx` has the keys eth-account and viem use:
    `chainId`, `nonce`, `maxPriorityFeePerGas`, `maxFeePerGas`, `gas`, `to` (absent or None:
    contract creation), `value`, `data` (bytes or hex) and `accessList` ([{`address`,
    `storageKeys`}]); quantities as `int` or decimal `str`; `value`, `data` and `accessList`
    default to empty.

    Raises `EvmError` (`tip_above_fee_cap`, `invalid_private_key`, …) when the core refuses the
    transaction; `KeyError`/`TypeError`/`ValueError` for a missing or malformed field.
    """
@final
class SettleTerms:
    """What a facilitator's `/settle` body asks for (`x402_settle_terms`)."""
    @property
    def requirements(self) -> str:
        """The requirements to verify the payment against (JSON text); for `upto` their `amount`
        is the signed maximum."""
    @property
    def charge(self) -> Optional[int]:
        """The `upto` charge (the body's requirements' `amount`); None for `exact`."""

def x402_settle_terms(body: Union[str, bytes]) -> SettleTerms:
    """Reads a `/settle` body as the reference facilitator does: an `upto` body carries the charge
    as the requirements' `amount` and is verified against the signed maximum
    (`permit2Authorization.permitted.amount`). Raises `X402Error`
    (`invalid_upto_evm_payload_settlement_exceeds_amount`, `invalid_payload`, a decode code)."""

def x402_settle_calldata(
    requirements: _Text,
    payment: _Text,
    settle_amount: Optional[int] = None,
    *,
    route: Optional[Literal["ecdsa", "eip1271", "eip7702_eip1271", "erc6492_counterfactual"]] = None,
) -> SettleCall:
    """The reference facilitator's settlement call for `payment` (the payment header, base64)
    against one `PaymentRequirements` (JSON): `transferWithAuthorization` on the token (v, r, s
    for a 65-byte signature, `bytes` otherwise; an ERC-6492 wrapper unwrapped), or the Permit2
    proxy's `settle` (`exact`, or `upto` charging `settle_amount`, default the requirements'
    amount). `route` is the payer's route from `verify_payment_with_rpc`: a smart wallet's
    (`eip1271`, `eip7702_eip1271`, `erc6492_counterfactual`) always gets the `bytes` overload,
    the one tokens check with EIP-1271 and the counterfactual simulation ran.

    Raises `ValueError` for another route text; `X402Error` (`upto_settle_amount_zero`,
    `invalid_upto_evm_payload_settlement_exceeds_amount`, `unsupported_payload_type`, …).
    """

@final
class SettlementResult:
    """The facilitator's `SettleResponse` at the end of a settlement."""

    @property
    def success(self) -> bool:
        """`success`."""
    @property
    def error_reason(self) -> Optional[str]:
        """`errorReason` (`settlement_pending`, `invalid_exact_evm_transaction_failed`, …)."""
    @property
    def error_message(self) -> Optional[str]:
        """`errorMessage` (at most 500 UTF-16 code units of the host's text)."""
    @property
    def transaction(self) -> str:
        """The transaction hash, or `""` when nothing was broadcast."""
    @property
    def network(self) -> str:
        """`network`, as given."""
    @property
    def payer(self) -> str:
        """`payer`, as given."""
    @property
    def amount(self) -> Optional[int]:
        """The settled `upto` amount, on success."""
    @property
    def verdict(self) -> Literal["settled", "refused", "pending"]:
        """What the resource server does: serve, withhold, or call `/settle` once more."""
    @property
    def json(self) -> str:
        """The `SettleResponse` JSON to answer `/settle` with."""

@final
class EvmSettlement:
    """One EVM settlement by the facilitator, from built to its end. The host signs and sends
    the transaction and waits for its receipt, reporting each step; every step that ends the
    settlement returns the `SettleResponse`. A step out of order raises `X402Error`
    (`settlement_step_out_of_order`, `settlement_ended`)."""

    def __new__(
        cls, network: str, payer: str, method: Literal["eip3009", "permit2"], amount: Optional[int] = None
    ) -> EvmSettlement:
        """A built settlement of `payer`'s payment on `network` by `method`; `amount` is the
        `upto` charge. Raises `X402Error` `invalid_settle_method`."""
    @property
    def phase(self) -> Literal["built", "submitted", "ended"]:
        """Where the settlement stands."""
    @property
    def hash(self) -> Optional[str]:
        """The broadcast hash, once submitted."""
    def refused(self, reason: str, message: Optional[str] = None) -> SettlementResult:
        """Refused before broadcast (a verification verdict as `reason`): `transaction` `""`."""
    def without_transaction(self) -> Optional[SettlementResult]:
        """The end without a transaction, asked before any call is built: an `upto` charge of
        zero settles successfully with `transaction` `""` and `amount` `0` (the reference
        facilitator); None when the settlement needs its transaction."""
    def deployment_failed(self, message: Optional[str] = None) -> SettlementResult:
        """The factory call deploying an undeployed ERC-6492 payer failed: terminal, with the
        core's reason `smart_wallet_deployment_failed` and `message`."""
    def transfer_reverted(self, revert_text: str) -> SettlementResult:
        """Sending reverted: EIP-3009 takes the reason from the text
        (`x402_settle_revert_reason`), Permit2 reports `invalid_transaction_state`."""
    def submitted(self, hash: str) -> Optional[SettlementResult]:
        """Sent with `hash`: None when the hash is valid (`0x` + 64 hex digits, not all zero),
        else the terminal result."""
    def confirmed(self) -> SettlementResult:
        """The receipt succeeded: settled (with `amount` for `upto`)."""
    def reverted(self) -> SettlementResult:
        """The receipt has status 0: terminal failure, the hash kept."""
    def receipt_unavailable(self, error: str) -> SettlementResult:
        """No receipt (timeout, RPC error): `settlement_pending` with the hash."""

@final
class RefundOrder:
    """A refund order: pay `amount` of `asset` (a token's address, or `"native"` for the chain's
    native coin) on `network` back to `to`, identified by `key`. `to` must be the payer the
    payment proved, never an address a client names. The transaction that pays it is
    `{to: tx_to, value: tx_value, data: calldata}`: an ERC-20 `transfer` to the token, or a value
    transfer to `to` with no calldata for the native coin."""

    def __new__(cls, key: Union[bytes, str], network: str, asset: str, to: str, amount: int) -> RefundOrder:
        """An order under the caller's 32-byte idempotency `key`. Raises `X402Error`
        `refund_amount_zero` (nothing to send), `refund_unsupported_network` (not eip155),
        `invalid_address`, `invalid_refund_key`."""
    @staticmethod
    def for_session(session_id: Union[bytes, str], network: str, asset: str, to: str, amount: int) -> RefundOrder:
        """The refund of a WS402 session (16-byte id): the key is
        SHA-256(b"pay402 ws402 refund" + session_id). Errors as the constructor, and
        `invalid_session_id`."""
    @property
    def key(self) -> bytes:
        """The idempotency key (32 bytes)."""
    @property
    def network(self) -> str:
        """`eip155:<chain id>`."""
    @property
    def asset(self) -> str:
        """The token (EIP-55), or `"native"` for the chain's native coin."""
    @property
    def tx_to(self) -> str:
        """The transaction's `to` (EIP-55): the token, or the recipient for the native coin."""
    @property
    def tx_value(self) -> int:
        """The transaction's `value` in wei: 0 for a token, the amount for the native coin."""
    @property
    def to(self) -> str:
        """The recipient (EIP-55)."""
    @property
    def amount(self) -> int:
        """The amount in the asset's atomic unit (never 0)."""
    @property
    def calldata(self) -> bytes:
        """The transaction's calldata (to `tx_to`): ERC-20 `transfer(to, amount)` for a token,
        empty (`b""`) for the native coin."""

@final
class RefundResult:
    """The end of one refund attempt."""

    @property
    def success(self) -> bool:
        """The transfer was mined with status success."""
    @property
    def error_reason(self) -> Optional[str]:
        """`refund_send_failed`, `refund_invalid_hash`, `refund_reverted` or `refund_pending`."""
    @property
    def error_message(self) -> Optional[str]:
        """The host's text (at most 500 UTF-16 code units)."""
    @property
    def transaction(self) -> str:
        """The hash, or `""` when nothing was broadcast."""
    @property
    def verdict(self) -> Literal["refunded", "failed", "pending"]:
        """`refunded` (never pay again), `failed` (report it), `pending` (ask again, same hash)."""
    @property
    def json(self) -> str:
        """The result JSON: `success`, `errorReason`, `errorMessage`, `transaction`, `network`,
        `asset`, `to`, `amount` (decimal string)."""

@final
class Refund:
    """One refund attempt, from built (or, with `hash`, from a recorded broadcast) to its end.
    A step out of order raises `X402Error` (`refund_step_out_of_order`, `refund_ended`)."""

    def __new__(cls, order: RefundOrder, hash: Optional[str] = None) -> Refund: ...
    @property
    def phase(self) -> Literal["built", "submitted", "ended"]:
        """Where the refund stands."""
    @property
    def hash(self) -> Optional[str]:
        """The broadcast hash, once submitted."""
    def check_balance(self, balance: int, gas: int, max_fee_per_gas: int) -> Optional[RefundResult]:
        """Before signing: `None` when a sender holding `balance` wei can pay the order's
        transaction with `gas` at `max_fee_per_gas` (`tx_value + gas × max_fee_per_gas`), else the
        end `refund_send_failed` (sign and send nothing). Raises `refund_step_out_of_order` after
        the broadcast, `refund_ended`."""
    def send_failed(self, text: str) -> RefundResult:
        """Refused before broadcast: `refund_send_failed`, `transaction` `""`."""
    def submitted(self, hash: str) -> Optional[RefundResult]:
        """Sent with `hash`: None when valid, else `refund_invalid_hash`."""
    def confirmed(self) -> RefundResult:
        """The receipt succeeded: refunded."""
    def reverted(self) -> RefundResult:
        """The receipt has status 0: `refund_reverted`, the hash kept."""
    def receipt_unavailable(self, error: str) -> RefundResult:
        """No receipt (yet): `refund_pending`, the hash kept."""

def erc20_transfer_calldata(to: str, amount: int) -> bytes:
    """ERC-20 `transfer(to, amount)` calldata (`0xa9059cbb` and two ABI words)."""

SVM_SETTLEMENT_CACHE_TTL_SECS: int
"""How long the duplicate-settlement cache keeps a Solana transaction, in seconds (the
reference's 120 s). The key is the payment's `payload.transaction` text exactly as received; it
is checked and recorded in one atomic step after simulation and before sending, and kept
whatever happens next."""
SVM_CONFIRMATION_MAX_POLLS: int
"""How many times the reference asks `getSignatureStatuses` (once a second) before the
confirmation times out."""

@final
class SvmSettlement:
    """One Solana settlement by the facilitator, from built to its end. The host simulates,
    checks the duplicate-settlement cache, sends and polls the status, reporting each step;
    every step that ends the settlement returns the `SettleResponse` with the reference's
    reason and the `transaction` it reports. A step out of order raises `X402Error`
    (`settlement_step_out_of_order`, `settlement_ended`)."""

    def __new__(cls, network: str, payer: str) -> SvmSettlement:
        """A built settlement of `payer`'s payment (the transfer's authority) on `network`."""
    @property
    def phase(self) -> Literal["built", "submitted", "ended"]:
        """Where the settlement stands."""
    @property
    def signature(self) -> Optional[str]:
        """The transaction id (base58), once submitted."""
    def refused(self, reason: str, message: Optional[str] = None) -> SettlementResult:
        """Refused before sending (a verification verdict as `reason`): `transaction` `""`."""
    def simulation_failed(self, err_json: str) -> SettlementResult:
        """`simulateTransaction` answered `value.err` (its JSON):
        `invalid_exact_svm_transaction_simulation_failed`, message `Simulation failed: <err>`."""
    def simulation_error(self, message: str) -> SettlementResult:
        """`simulateTransaction` itself failed (an RPC error): the same reason, `message` kept."""
    def duplicate(self) -> SettlementResult:
        """The duplicate-settlement cache already holds the transaction: `duplicate_settlement`,
        `transaction` `""`."""
    def send_failed(self, message: str) -> SettlementResult:
        """`sendTransaction` was refused (nothing broadcast): `transaction_failed`,
        `transaction` `""`."""
    def submitted(self, signature: str) -> Optional[SettlementResult]:
        """Sent with `signature`: None when it is a transaction id (base58 of 64 bytes, not all
        zero), else the terminal result (`transaction_failed`)."""
    def confirmed(self) -> SettlementResult:
        """Confirmed without an error: settled, `transaction` is the signature."""
    def failed(self, err_json: str) -> SettlementResult:
        """Landed with an error (the JSON of the status's `err`): `transaction_failed`,
        `transaction` `""`, the signature in the message."""
    def confirmation_timeout(self, message: str = "") -> SettlementResult:
        """Not confirmed in time: `settlement_pending` with the signature, message
        `Transaction confirmation timeout` (then `: <message>`)."""

@final
class SvmCosigned:
    """A Solana transaction co-signed by its fee payer."""

    @property
    def transaction(self) -> bytes:
        """The wire transaction to send (base64 it for `sendTransaction`)."""
    @property
    def signature(self) -> str:
        """The fee payer's signature in base58: the transaction id."""
    def __eq__(self, value: object, /) -> bool: ...

def svm_cosign(transaction: _BytesOrHex, fee_payer_seed: _BytesOrHex) -> SvmCosigned:
    """Co-signs a client's partially signed Solana transaction (wire bytes) as its fee payer
    (32-byte ed25519 seed): the signature over the message goes into slot 0, nothing else
    changes. Run it after the offline checks accepted the payment. Raises `SvmError`
    (`invalid_exact_svm_fee_payer_mismatch`, `invalid_exact_svm_payload_transaction`)."""

def x402_settle_revert_reason(revert_text: str) -> str:
    """The `errorReason` of a `transferWithAuthorization` whose send reverted with
    `revert_text` (the reference facilitator's `parseEip3009TransferError`)."""

# --- macaroons ------------------------------------------------------------------------------

@final
class Caveat:
    """A caveat: `id` (the condition of a first-party caveat), and for a third-party caveat its
    `vid` and `location` (`None` when absent).
    """

    @property
    def id(self) -> bytes:
        """The caveat identifier (raw bytes): a first-party caveat's condition text (`condition=value` in L402), or the id the third party knows."""
    @property
    def vid(self) -> Optional[bytes]:
        """A third-party caveat's verification id (raw bytes); None for a first-party caveat."""
    @property
    def location(self) -> Optional[bytes]:
        """A third-party caveat's location hint (raw bytes); None when absent."""
    @property
    def is_third_party(self) -> bool:
        """`True` when the caveat has a vid."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class Macaroon:
    """A validated macaroon. Immutable: `attenuate()` and `add_third_party_caveat()` return new
    macaroons (always V2).
    """

    @staticmethod
    def decode(token: _Text) -> Macaroon:
        """Decodes a token: base64 (any alphabet, padding optional) of V1 or V2 binary, or V2/V1
        JSON text.
        """
    @staticmethod
    def from_bytes(data: bytes) -> Macaroon:
        """Parses one binary macaroon (V1 packets or V2)."""
    @staticmethod
    def mint(
        root_key: bytes,
        identifier: _Text,
        location: str = "",
        caveats: Optional[Sequence[_Text]] = None,
    ) -> Macaroon:
        """Mints a V2 macaroon: `sig0 = HMAC(derive(root_key), identifier)`, then one first-party
        caveat per condition.
        """
    def attenuate(self, caveats: Sequence[_Text]) -> Macaroon:
        """A copy with more first-party caveats (the signature chain continues)."""
    def add_third_party_caveat(
        self, caveat_key: bytes, caveat_id: _Text, location: str, *, nonce: _BytesOrHex
    ) -> Macaroon:
        """A copy with a third-party caveat: `caveat_key` is shared with the third party,
        `caveat_id` is what it knows the caveat by, `nonce` 24 fresh random bytes.
        """
    def bind_for_request(self, root: Macaroon) -> Macaroon:
        """Binds this discharge macaroon to the root macaroon it is sent with: a copy whose
        signature is `bind_for_request(root.signature, self.signature)`.
        """
    def verify(
        self,
        root_key: bytes,
        *,
        discharges: Optional[Sequence[Macaroon]] = None,
        accept: Optional[Sequence[_Text]] = None,
        checker: Optional[Callable[[bytes], Optional[bool]]] = None,
        mode: Literal["strict", "l402"] = "strict",
        max_depth: int = 4,
    ) -> None:
        """Verifies the signature chain under `root_key` with its `discharges` (each used exactly
        once), then every first-party caveat: accepted when it is in `accept` (exact bytes) or
        when `checker(caveat)` returns `True`; `False` rejects; `None` is unknown. In
        `mode="strict"` unknown caveats fail (`caveat_not_satisfied`); in `mode="l402"` they
        are skipped. Raises `MacaroonError`.
        """
    @property
    def version(self) -> Literal[1, 2]:
        """`1` (libmacaroons packets / V1 JSON) or `2`."""
    @property
    def location(self) -> str:
        """The location hint (not signed)."""
    @property
    def identifier(self) -> bytes:
        """The identifier."""
    @property
    def signature(self) -> bytes:
        """The 32-byte signature."""
    @property
    def caveats(self) -> list[Caveat]:
        """The caveats in order."""
    def to_bytes(self) -> bytes:
        """The V2 binary form."""
    def serialize(self, *, urlsafe: bool = False) -> str:
        """Base64 of the V2 binary form: standard alphabet with padding by default, URL-safe
        without padding (as Go and aperture write tokens) with `urlsafe=True`.
        """
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

def macaroon_bind(root_signature: _BytesOrHex, discharge_signature: _BytesOrHex) -> bytes:
    """`bind_for_request(root_signature, discharge_signature)`: the signature a discharge carries
    when sent with its root macaroon.

    Raises a `pay402.Error` subclass (mostly `MacaroonError`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """

# --- BOLT11 ---------------------------------------------------------------------------------

@final
class RouteHintHop:
    """One hop of a route hint."""

    @property
    def src_node_id(self) -> bytes:
        """The node id at the start of the channel (33-byte compressed public key, not checked)."""
    @property
    def short_channel_id(self) -> int:
        """The channel's short channel id (`block << 40 | tx << 16 | output`)."""
    @property
    def fee_base_msat(self) -> int:
        """The channel's base fee, in millisatoshis."""
    @property
    def fee_proportional_millionths(self) -> int:
        """The channel's proportional fee, in millionths of the amount."""
    @property
    def cltv_expiry_delta(self) -> int:
        """The channel's CLTV expiry delta, in blocks."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class Fallback:
    """A fallback on-chain address: `version` (0–16 witness version, 17 P2PKH, 18 P2SH) and the
    raw `program`.
    """

    @property
    def version(self) -> int:
        """The fallback address version (0–18: a segwit witness version, 17 P2PKH, 18 P2SH)."""
    @property
    def program(self) -> bytes:
        """The witness program, or the 20-byte hash (raw bytes)."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class Bolt11Invoice:
    """A decoded BOLT11 invoice (signature checked, payee known)."""

    @staticmethod
    def decode(invoice: str, *, require_payment_secret: bool = True) -> Bolt11Invoice:
        """Decodes and checks an invoice (checksum, signature, required fields, known feature
        bits). `require_payment_secret=False` reads pre-2021 invoices. Raises `Bolt11Error`.
        """
    @property
    def invoice(self) -> str:
        """The invoice text, as given."""
    @property
    def network(self) -> Literal["bc", "tb", "tbs", "bcrt", "sb"]:
        """The network prefix (`bc`, `tb`, `bcrt`, …)."""
    @property
    def amount_msat(self) -> Optional[int]:
        """The amount in millisatoshis, or None for an open amount."""
    @property
    def timestamp(self) -> int:
        """Creation time, Unix seconds."""
    @property
    def payment_hash(self) -> bytes:
        """The payment hash (32 bytes)."""
    @property
    def payment_secret(self) -> Optional[bytes]:
        """The payment secret (32 bytes), when present."""
    @property
    def description(self) -> Optional[str]:
        """The description, when present."""
    @property
    def description_hash(self) -> Optional[bytes]:
        """The description hash (32 bytes), when present."""
    @property
    def expiry(self) -> int:
        """Seconds after `timestamp` until it expires."""
    @property
    def expires_at(self) -> int:
        """`timestamp + expiry`, Unix seconds."""
    @property
    def min_final_cltv_expiry(self) -> int:
        """`min_final_cltv_expiry_delta` in blocks: the `c` field, else 18."""
    @property
    def payee(self) -> bytes:
        """The payee's node public key (33 bytes, compressed): given in the invoice or recovered
        from its signature (`payee_source`)."""
    @property
    def payee_source(self) -> Literal["field", "recovered"]:
        """Whether `payee` came from the `n` field (`field`) or was recovered from the signature (`recovered`)."""
    @property
    def features(self) -> Optional[bytes]:
        """The first `9` field: the feature bits as a minimal big-endian byte string (bit b is bit b % 8 of byte len-1-b/8); None when absent."""
    @property
    def metadata(self) -> Optional[bytes]:
        """The first `m` field (payment metadata, raw bytes); None when absent."""
    @property
    def fallbacks(self) -> list[Fallback]:
        """The `f` fields with a known version (0–18), in order; unknown versions are skipped."""
    @property
    def route_hints(self) -> list[list[RouteHintHop]]:
        """The `r` fields in order (the payee's preference), each a list of hops."""
    @property
    def signature(self) -> bytes:
        """The invoice's signature bytes."""
    @property
    def require_payment_secret(self) -> bool:
        """Whether this invoice was decoded requiring a valid `s` (payment secret) field."""
    def is_expired(self, now: int) -> bool:
        """`True` once `now` (unix seconds) reaches `timestamp + expiry`."""
    def description_hash_matches(self, description: bytes) -> bool:
        """`True` when the description hash commits to `description`."""
    def check_l402(self, *, payment_hash: _BytesOrHex, network: str, budget_msat: int, now: int) -> None:
        """The L402 client's checks before paying (as aperture's client): payment hash, network, amount
        present and within `budget_msat`, not expired. Raises `Bolt11Error`
        `invoice_payment_hash_mismatch`, `invoice_network_mismatch`, `invoice_amount_missing`,
        `invoice_over_budget`, `invoice_expired`.
        """
    def __eq__(self, value: object, /) -> bool: ...

def bolt11_decode(invoice: str, *, require_payment_secret: bool = True) -> Bolt11Invoice:
    """Decodes a BOLT11 invoice (`Bolt11Invoice.decode`).

    Raises a `pay402.Error` subclass (mostly `Bolt11Error`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """

# --- L402 (Lightning Labs) ------------------------------------------------------------------

_L402Scheme = Literal["L402", "LSAT"]
_HeaderValues = Union[str, Sequence[str]]
"""One header field value, or all values of the field."""
_MacaroonArg = Union[Macaroon, bytes, str]
"""A `Macaroon`, its binary bytes, or base64 text (any alphabet, padding optional)."""
_RootKeys = Union[Callable[[bytes], Optional[bytes]], Mapping[bytes, bytes]]
"""`(sha256(identifier)) -> 32-byte root key | None`, or a mapping keyed by `sha256(identifier)`."""

L402_APERTURE_LOCATION: str

@final
class L402Identifier:
    """The 66-byte L402 macaroon identifier: `version (0) ‖ payment_hash ‖ token_id`."""

    def __new__(cls, payment_hash: _BytesOrHex, token_id: _BytesOrHex) -> L402Identifier: ...
    @staticmethod
    def from_bytes(data: bytes) -> L402Identifier:
        """Parses exactly 66 bytes of version 0 (`unknown_identifier_version` otherwise)."""
    def to_bytes(self) -> bytes:
        """The 66 bytes."""
    @property
    def version(self) -> int:
        """The identifier version (0)."""
    @property
    def payment_hash(self) -> bytes:
        """The invoice's payment hash (32 bytes)."""
    @property
    def token_id(self) -> bytes:
        """The token id (32 bytes)."""
    @property
    def root_key_id(self) -> bytes:
        """`sha256(identifier)`: the key under which the token's root key is stored."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class L402Challenge:
    """One `L402` or `LSAT` challenge of a `WWW-Authenticate` value: the macaroon as sent (base64
    of any variant), the BOLT11 invoice text, and the `version=` of the 2026-03 revision.
    """

    @property
    def scheme(self) -> _L402Scheme:
        """`L402` or `LSAT`."""
    @property
    def macaroon(self) -> str:
        """The macaroon as sent (base64)."""
    @property
    def invoice(self) -> str:
        """The BOLT11 invoice."""
    @property
    def version(self) -> Optional[str]:
        """The challenge's `version` parameter, when present."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class L402Credential:
    """A parsed `Authorization: L402 …` credential: the scheme sent, the macaroons (root first) as
    standard padded base64 whatever variant was sent, and the 32-byte preimage.
    """

    @property
    def scheme(self) -> _L402Scheme:
        """`L402` or `LSAT`, as sent."""
    @property
    def macaroons(self) -> list[str]:
        """The macaroons as sent (base64), root first."""
    @property
    def preimage(self) -> bytes:
        """The preimage (32 bytes)."""
    @property
    def preimage_hex(self) -> str:
        """The preimage as 64 lowercase hex digits."""
    @property
    def macaroon(self) -> Macaroon:
        """The root macaroon, decoded."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class L402PayableChallenge:
    """A challenge whose invoice passed the client's checks: pay `invoice`, then send
    `authorization(preimage)`.
    """

    @property
    def scheme(self) -> _L402Scheme:
        """`L402` or `LSAT`."""
    @property
    def macaroon(self) -> Macaroon:
        """The token, decoded."""
    @property
    def identifier(self) -> L402Identifier:
        """The token's identifier."""
    @property
    def invoice(self) -> Bolt11Invoice:
        """The invoice to pay, decoded."""
    @property
    def payment_hash(self) -> bytes:
        """The invoice's payment hash (= the identifier's)."""
    def authorization(self, preimage: _BytesOrHex, *, scheme: _L402Scheme = "L402") -> str:
        """After payment: checks `sha256(preimage) == payment_hash` (`invalid_preimage`) and writes
        the `Authorization` value with the unmodified macaroon.
        """

def l402_payment_hash(preimage: _BytesOrHex) -> bytes:
    """`sha256(preimage)`: the payment hash a preimage pays.

    Raises a `pay402.Error` subclass (mostly `L402Error`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def l402_root_key_id(identifier: bytes) -> bytes:
    """`sha256(identifier)` of raw identifier bytes: the root-key lookup key.

    Raises a `pay402.Error` subclass (mostly `L402Error`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def l402_parse_challenges(headers: _HeaderValues) -> list[L402Challenge]:
    """The `L402`/`LSAT` challenges of one or more `WWW-Authenticate` values, in order; challenges
    of other schemes are skipped. Raises `L402Error` at the first malformed one
    (`missing_macaroon`, `missing_invoice`, `invalid_challenge_param`, `auth_*`).
    """
def l402_select_challenge(headers: _HeaderValues) -> L402Challenge:
    """The challenge a client answers: the first valid `L402` one, else the first valid `LSAT` one.
    Raises the first error met, or `no_l402_challenge`.
    """
def l402_write_challenge(macaroon: _MacaroonArg, invoice: str, *, scheme: _L402Scheme = "L402") -> str:
    """One challenge as aperture writes it: `<scheme> macaroon="<std base64>", invoice="<bolt11>"`.

    Raises a `pay402.Error` subclass (mostly `L402Error`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def l402_encode_challenges(macaroon: _MacaroonArg, invoice: str) -> list[str]:
    """The two `WWW-Authenticate` values aperture sends, in its order: `LSAT`, then `L402`.

    Raises a `pay402.Error` subclass (mostly `L402Error`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def l402_parse_authorization(value: str) -> L402Credential:
    """Parses one `Authorization` value (`L402`/`LSAT`, any case; macaroons in any base64 variant;
    64 hex digits of preimage). Raises `L402Error` `invalid_credential` with the fault as
    `.detail_code`.
    """
def l402_select_authorization(values: _HeaderValues) -> L402Credential:
    """Picks the credential among all `Authorization` values: other schemes are skipped, `L402`
    wins over `LSAT`, and both must carry the same token when both are sent.

    Raises a `pay402.Error` subclass (mostly `L402Error`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def l402_write_authorization(
    macaroon: _MacaroonArg, preimage: _BytesOrHex, *, scheme: _L402Scheme = "L402"
) -> str:
    """`<scheme> <std padded base64 of the macaroon>:<lowercase hex preimage>`. Send the
    unmodified macaroon of the challenge.

    Raises a `pay402.Error` subclass (mostly `L402Error`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def l402_parse_macaroon_header(value: str) -> Tuple[Macaroon, bytes]:
    """Parses a `Grpc-Metadata-Macaroon` / `Macaroon` value: hex of a binary macaroon whose last
    `preimage=` caveat carries the preimage. Returns `(macaroon, preimage)`.

    Raises a `pay402.Error` subclass (mostly `L402Error`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def l402_write_macaroon_header(macaroon: _MacaroonArg, preimage: _BytesOrHex) -> str:
    """The hex value aperture's gRPC client sends as `macaroon` metadata: the macaroon attenuated
    with `preimage=<hex>`.

    Raises a `pay402.Error` subclass (mostly `L402Error`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def l402_mint(
    root_key: bytes,
    identifier: L402Identifier,
    *,
    caveats: Optional[Sequence[_Text]] = None,
    location: str = "lsat",
) -> Macaroon:
    """Mints the V2 macaroon of a token: identifier `identifier.to_bytes()`, signed with `root_key`,
    then `caveats` in order (see `l402_services_caveat` & co.). Store `root_key` under
    `identifier.root_key_id`.

    Raises a `pay402.Error` subclass (mostly `L402Error`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def l402_services_caveat(services: Sequence[Tuple[str, int]]) -> str:
    """`services=<name>:<tier>[,…]` (aperture `NewServicesCaveat`).

    Raises a `pay402.Error` subclass (mostly `L402Error`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def l402_capabilities_caveat(service: str, capabilities: Sequence[str]) -> str:
    """`<service>_capabilities=<cap>[,…]` (aperture emits it even empty).

    Raises a `pay402.Error` subclass (mostly `L402Error`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def l402_valid_until_caveat(service: str, valid_until: int) -> str:
    """`<service>_valid_until=<unix seconds>` (aperture `NewTimeoutCaveat`).

    Raises a `pay402.Error` subclass (mostly `L402Error`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def l402_verify(
    headers: _HeaderValues,
    root_keys: _RootKeys,
    *,
    service: str,
    now: int,
    capability: Optional[str] = None,
) -> L402Identifier:
    """Verifies the request's `Authorization` values in aperture's order (identifier version,
    preimage, root key, signature chain, services / capabilities / valid-until caveats) and
    returns the token's identifier; the host then checks that the invoice of
    `identifier.payment_hash` is settled.

    `root_keys` is a callable `(root_key_id) -> root_key | None` or a mapping
    `{root_key_id: root_key}`, keyed by `sha256(identifier)`. An exception raised by the callable
    propagates unchanged.
    """
def l402_check_challenge(
    challenge: L402Challenge, *, network: str, budget_msat: int, now: int
) -> L402PayableChallenge:
    """The client's checks before paying (as aperture's client): decodes the challenge's macaroon and
    identifier and its invoice, then checks invoice payment hash == identifier payment hash,
    `network` (BOLT11 prefix `bc`, `tb`, `tbs`, `bcrt`, `sb`), amount present and at most
    `budget_msat`, not expired at `now`. Raises `L402Error` (the invoice check's code, e.g.
    `invoice_over_budget`).
    """

# --- Fewsats offers -------------------------------------------------------------------------

ENTITLEMENT_RECORD_LEN: int
OFFERS_MAX_BODY_BYTES: int
"""The longest payment-request or webhook body the offers server reads (the core's limit);
adapters read one byte more at most and let the server refuse it (413)."""

@final
class Grant:
    """What one paid offer grants: `kind` is `one_time`, `top_up` (`credits`) or `subscription`
    (`duration_seconds`).
    """

    @staticmethod
    def one_time() -> Grant:
        """Unlimited access to the resource."""
    @staticmethod
    def top_up(credits: int) -> Grant:
        """`credits` calls."""
    @staticmethod
    def subscription(duration_seconds: int) -> Grant:
        """Access for `duration_seconds` from the payment time."""
    @property
    def kind(self) -> Literal["one_time", "top_up", "subscription"]:
        """What paying grants: `one_time` (this resource), `top_up` (credits) or `subscription` (time)."""
    @property
    def credits(self) -> Optional[int]:
        """The credits a `top_up` adds; None for the other kinds."""
    @property
    def duration_seconds(self) -> Optional[int]:
        """The length of a `subscription`, in seconds; None for the other kinds."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class Offer:
    """One offer of a 402 body (`type` as the body gives it: `one-time`, `top-up`, `subscription`,
    or any other type a server lists — such offers are kept, and `grant()` refuses them).
    """

    @property
    def id(self) -> str:
        """The offer id (`id`, or `offer_id` in the stock.l402.org and Fewsats dialects)."""
    @property
    def title(self) -> Optional[str]:
        """`title`; None when absent or empty."""
    @property
    def description(self) -> Optional[str]:
        """`description`; None when absent or empty."""
    @property
    def amount(self) -> int:
        """The price in the currency's smallest unit (USD cents), never 0."""
    @property
    def currency(self) -> str:
        """The ISO currency code as written (`USD`, `EUR`)."""
    @property
    def type(self) -> str:
        """As the body gives it (`one-time`, `top-up`, `subscription`, `one-off`, or a type
        pay402 does not know, such as `pay-per-call`)."""
    @property
    def balance(self) -> Optional[int]:
        """The credits a `top-up` buys (`balance`, or v0.2's `credits`); None when absent or 0."""
    @property
    def duration(self) -> Optional[str]:
        """The free-text subscription length (`"1 month"`); None when absent or empty."""
    @property
    def payment_methods(self) -> list[str]:
        """The accepted payment methods as written (`lightning`, `credit_card`, `onchain`, …)."""
    @property
    def json(self) -> str:
        """The offer's canonical JSON."""
    def grant(self) -> Grant:
        """What paying this offer grants. Raises `OffersError` (`missing_field` for a top-up
        without `balance`, `invalid_value` for an unreadable `duration`, `unknown_offer_type`
        for a type pay402 does not know).
        """
    def __eq__(self, value: object, /) -> bool: ...

@final
class OffersBody:
    """A decoded 402 offers body; `json` is its canonical (v0.2.2 spec form) encoding."""

    @property
    def version(self) -> str:
        """The protocol `version`, as written (`0.2.2`)."""
    @property
    def payment_request_url(self) -> str:
        """Where to POST the payment request (absolute URL)."""
    @property
    def payment_context_token(self) -> str:
        """The context token to echo in the payment request."""
    @property
    def offers(self) -> list[Offer]:
        """The offers, in document order (at least one)."""
    @property
    def terms_url(self) -> Optional[str]:
        """`terms_url`; None when absent or empty."""
    @property
    def json(self) -> str:
        """The body re-encoded as canonical JSON text."""
    def offer(self, id: str) -> Optional[Offer]:
        """The offer with this id, or `None`."""
    def __eq__(self, value: object, /) -> bool: ...

def offers_decode(body: _Text) -> OffersBody:
    """Decodes a Fewsats 402 offers body (every field-name dialect in use). Raises `OffersError`."""
def encode_offers(body: _Text) -> str:
    """The canonical encoding of an offers body given as JSON text (any accepted dialect): what a
    server sends.

    Raises a `pay402.Error` subclass (mostly `OffersError`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def encode_payment_request(body: _Text) -> str:
    """A payment request (`offer_id`, `payment_method`, `payment_context_token`, `chain`?,
    `asset`?), as canonical JSON.

    Raises a `pay402.Error` subclass (mostly `OffersError`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """

@final
class PaymentRequestResponse:
    """The answer to a payment request."""

    @property
    def version(self) -> Optional[str]:
        """The protocol `version`, when given."""
    @property
    def offer_id(self) -> Optional[str]:
        """The offer paid (`offer_id`), when given (stock.l402.org, Fewsats)."""
    @property
    def lightning_invoice(self) -> Optional[str]:
        """A BOLT11 invoice to pay (`lightning`), when given."""
    @property
    def checkout_url(self) -> Optional[str]:
        """A checkout page URL (card and other methods), when given."""
    @property
    def address(self) -> Optional[str]:
        """An on-chain address to pay (`onchain`), when given."""
    @property
    def asset(self) -> Optional[str]:
        """The on-chain asset (`USDC`), when given."""
    @property
    def chain(self) -> Optional[str]:
        """The chain of `address` (`base-mainnet`), when given."""
    @property
    def expires_at(self) -> Optional[str]:
        """`expires_at` as written (RFC 3339 text), when given."""
    @property
    def expires_at_unix(self) -> Optional[int]:
        """`expires_at` in Unix seconds (fractions truncated); None when absent."""
    @property
    def json(self) -> str:
        """The response re-encoded as canonical JSON text."""
    def __eq__(self, value: object, /) -> bool: ...

def decode_payment_request_response(body: _Text) -> PaymentRequestResponse:
    """Decodes the answer to a payment request (invoice, checkout URL or on-chain address).

    Raises a `pay402.Error` subclass (mostly `OffersError`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def verify_webhook(header: str, body: bytes, secret: bytes, *, now: int, tolerance_seconds: int = 300) -> int:
    """Verifies a `Fewsats-Signature` header (`t=…,v1=…`) over the raw body with the webhook
    secret; returns the signed timestamp. Raises `OffersError` `webhook_header_malformed`,
    `webhook_timestamp_out_of_tolerance`, `webhook_signature_mismatch`.
    """
def sign_webhook(secret: bytes, timestamp: int, body: bytes) -> str:
    """The `Fewsats-Signature` header value for `body` at `timestamp`.

    Raises a `pay402.Error` subclass (mostly `OffersError`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """

@final
class Access:
    """How a call was decided: `kind` is `one_time`, `subscription` (`until`), `credit`
    (`remaining`) or `payment_required`.
    """

    @property
    def kind(self) -> Literal["one_time", "subscription", "credit", "payment_required"]:
        """How the call was decided: `one_time`, `subscription`, `credit` or `payment_required`."""
    @property
    def until(self) -> Optional[int]:
        """For `subscription`: when it ends (Unix seconds, exclusive); else None."""
    @property
    def remaining(self) -> Optional[int]:
        """For `credit`: the credits left after this call; else None."""
    @property
    def allowed(self) -> bool:
        """`True` unless payment is required."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class Entitlement:
    """The entitlement ledger of one (customer, resource): a pure state machine over a 26-byte
    record the host persists (`to_bytes()` / `Entitlement.from_bytes()`).
    """

    def __new__(cls) -> Entitlement: ...
    @staticmethod
    def from_bytes(data: bytes) -> Entitlement:
        """Restores a record. Raises `OffersError` `invalid_entitlement_record`."""
    def to_bytes(self) -> bytes:
        """The record to persist."""
    def credit(self, grant: Grant, paid_at: int) -> None:
        """Applies a paid grant at `paid_at` (unix seconds, from the verified webhook)."""
    def authorize(self, now: int) -> Access:
        """Decides one call at `now`; a `credit` answer spent one credit (persist before serving).
        """
    @property
    def one_time(self) -> bool:
        """Whether a one-time purchase was made."""
    @property
    def credits(self) -> int:
        """Credits left."""
    @property
    def subscription_until(self) -> int:
        """End of the subscription (unix seconds, exclusive; 0 = none)."""

@final
class OffersReply:
    """An answer of the offers server, decided by the core: `status`, `headers`, `body` (JSON
    bytes); `error` is the refusal's code (`None` for a challenge, a payment-request answer or
    a webhook acknowledgement); `token` the `payment_context_token` a challenge carries.
    """

    @property
    def status(self) -> int:
        """The HTTP status to send."""
    @property
    def headers(self) -> list[tuple[str, str]]:
        """The response headers, as `(name, value)` pairs in order (`Content-Type` included)."""
    @property
    def body(self) -> bytes:
        """The response body (JSON bytes)."""
    @property
    def error(self) -> Optional[str]:
        """The refusal's code; None for a challenge, a payment-request answer or a webhook acknowledgement."""
    @property
    def token(self) -> Optional[str]:
        """The `payment_context_token` a challenge carries (the caller's account); else None."""
    @property
    def expires_at(self) -> Optional[int]:
        """When the payment details of a payment-request answer expire (Unix seconds); else None."""

@final
class OffersServe:
    """A resource request to serve: the caller's `token` (account), how it was allowed
    (`access`), and the `record` to persist before serving when a credit was spent.
    """

    @property
    def token(self) -> str:
        """The caller's account (its `payment_context_token`)."""
    @property
    def access(self) -> Access:
        """How the call was allowed."""
    @property
    def record(self) -> Optional[bytes]:
        """The entitlement record (bytes) to persist before serving when a credit was spent; else None."""

@final
class OffersPaymentAsk:
    """A checked payment request: what the provider must supply (`kind`: `lightning` → an
    invoice, `onchain` → an address, `checkout` → a checkout URL) for which offer.
    """

    @property
    def token(self) -> str:
        """The caller's account (the `payment_context_token` it echoed)."""
    @property
    def offer_id(self) -> str:
        """The offer chosen."""
    @property
    def amount(self) -> int:
        """The offer's price in the currency's smallest unit (USD cents)."""
    @property
    def currency(self) -> str:
        """The offer's ISO currency code (`USD`)."""
    @property
    def method(self) -> str:
        """The payment method chosen, as requested (`lightning`, `onchain`, `credit_card`, …)."""
    @property
    def kind(self) -> Literal["lightning", "onchain", "checkout"]:
        """What the provider must return: a BOLT11 invoice (`lightning`), an address (`onchain`) or a checkout URL (`checkout`)."""
    @property
    def chain(self) -> Optional[str]:
        """For `onchain`: the chain requested (`base-mainnet`); else None."""
    @property
    def asset(self) -> Optional[str]:
        """For `onchain`: the asset requested (`USDC`); else None."""

@final
class OffersWebhookPaid:
    """A verified, paid webhook: credit `grant` to `token` once — insert `replay_key` into a
    single-use store (kept until `replay_expires_at`) atomically with the credit.
    """

    @property
    def token(self) -> str:
        """The account to credit."""
    @property
    def offer_id(self) -> str:
        """The offer paid."""
    @property
    def grant(self) -> Grant:
        """What the payment grants."""
    @property
    def paid_at(self) -> int:
        """When it was paid (Unix seconds: the event's `timestamp`, else the signature's `t`)."""
    @property
    def replay_key(self) -> str:
        """The payment's single-use key: insert it (if absent) atomically with the credit."""
    @property
    def replay_expires_at(self) -> int:
        """Keep the replay key until this Unix time; after it, the event itself is refused."""

@final
class OffersServer:
    """The selling side of the Fewsats offers flow; every status, header, body, verdict and
    expiry comes from the core. The host stores the entitlement records (keyed by `token`) and
    the webhook replay keys, asks its provider for payment details, and does HTTP.
    """

    def __new__(
        cls,
        offers: _Text,
        *,
        payment_request_url: str,
        webhook_secret: bytes,
        secret: bytes,
        terms_url: Optional[str] = None,
        webhook_tolerance_seconds: int = 300,
        payment_request_lifetime_seconds: int = 600,
    ) -> OffersServer: ...
    @property
    def offers(self) -> list[Offer]:
        """The offers sold, as the 402 body lists them."""
    def account(self, authorization: Optional[str]) -> Union[str, None, OffersReply]:
        """The account (`payment_context_token`) an `Authorization` header presents: `None`
        without a bearer token, the token, or a 401 `OffersReply` for a token this server did
        not mint.
        """
    def request(
        self, authorization: Optional[str], record: Optional[bytes], *, now: int, random: bytes
    ) -> Union[OffersServe, OffersReply]:
        """Decides a resource request: `authorization` is the `Authorization` header (or
        `None`), `record` the stored entitlement of the bearer's token (or `None`), `random` 16
        fresh random bytes. Returns `OffersServe` or an `OffersReply` (the 402 challenge, or a
        refusal).
        """
    def payment_request(self, body: _Text) -> Union[OffersPaymentAsk, OffersReply]:
        """Checks a payment-request body. Returns `OffersPaymentAsk` or a 400 `OffersReply`."""
    def payment_request_reply(
        self,
        body: _Text,
        *,
        now: int,
        lightning_invoice: Optional[str] = None,
        checkout_url: Optional[str] = None,
        address: Optional[str] = None,
        expires_at: Optional[int] = None,
    ) -> OffersReply:
        """The answer to a payment-request `body` with the provider's details (`expires_at`:
        the provider's expiry, unix seconds): 200 with `expires_at` set, or a 400 refusal.
        """
    def webhook(self, signature: Optional[str], body: bytes, *, now: int) -> Union[OffersWebhookPaid, OffersReply]:
        """Verifies and reads a webhook (`signature`: the `Fewsats-Signature` value or `None`).
        Returns `OffersWebhookPaid`, or an `OffersReply`: the 200 acknowledgement of an event
        that grants nothing, or a refusal (401 signature, 400 event).
        """
    @staticmethod
    def credit(record: Optional[bytes], grant: Grant, paid_at: int) -> Union[bytes, OffersReply]:
        """Applies a verified grant to a stored record (`None`: none yet) and returns the record
        to store, or a 500 `OffersReply` (corrupt record, overflow).
        """
    @staticmethod
    def webhook_ack(result: Literal["granted", "duplicate", "ignored"]) -> OffersReply:
        """The 200 acknowledgement of a verified webhook: `result` is `granted`, `duplicate` or
        `ignored`.
        """

# --- WS402 ----------------------------------------------------------------------------------

SESSION_RECORD_LEN: int

@final
class SessionEnd:
    """How and when a session ended: `reason` is `client_close`, `balance_exhausted` or
    `max_duration`; `consumed` is what to settle, `refund` what to return to the payer.
    """

    @property
    def reason(self) -> Literal["client_close", "balance_exhausted", "max_duration"]:
        """Why the session ended: `client_close`, `balance_exhausted` or `max_duration`."""
    @property
    def at_ms(self) -> int:
        """When it ended (Unix milliseconds): the limit's exact instant, or the close event's time."""
    @property
    def consumed(self) -> int:
        """What the session consumed, in atomic units: `min(paid, floor(price × elapsed_ms / 1000))`."""
    @property
    def refund(self) -> int:
        """`paid − consumed` in atomic units, to return to the verified payer."""
    @property
    def close_code(self) -> int:
        """The WebSocket close code to send (RFC 6455 §7.4.1; 1000 for every reason)."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class MeterOutcome:
    """What the host must do after an event: `status` is `running` (`consumed` so far), `ended`
    (this event ended the session: send `end.close_code`, settle, refund; returned once) or
    `already_ended` (nothing to do).
    """

    @property
    def status(self) -> Literal["running", "ended", "already_ended"]:
        """`running`, `ended` (this event ended the session; returned once) or `already_ended`."""
    @property
    def consumed(self) -> int:
        """Consumed so far, in atomic units."""
    @property
    def end(self) -> Optional[SessionEnd]:
        """The end, when this event ended the session; else None."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class Meter:
    """One metered WS402 session: exact integer metering of `price_per_second` against `paid`,
    capped at `max_session_seconds`; the session ends exactly once.

    Not thread-safe by itself (a mutable state machine): guard it with a lock if several
    threads report events for one session.
    """

    def __new__(
        cls,
        *,
        price_per_second: int,
        paid: int,
        max_session_seconds: int,
        start_ms: int,
        refund_to: Optional[str] = None,
    ) -> Meter: ...
    @staticmethod
    def from_bytes(data: bytes) -> Meter:
        """Restores a session from its record. Raises `Ws402Error` (`invalid_record_length`,
        `unsupported_record_version`, `record_checksum_mismatch`, `inconsistent_record`).
        """
    def to_bytes(self) -> bytes:
        """The session record to persist (`SESSION_RECORD_LEN` bytes)."""
    def on_event(
        self,
        at_ms: int,
        kind: Literal["tick", "close", "bytes_in", "bytes_out", "message"],
        n: Optional[int] = None,
    ) -> MeterOutcome:
        """Reports an event by name: `tick`, `close`, `bytes_in`/`bytes_out` (`n` bytes) or
        `message` (`n` messages, default 1).
        """
    def tick(self, at_ms: int) -> MeterOutcome:
        """A timer tick: accrue and check the limits."""
    def close(self, at_ms: int) -> MeterOutcome:
        """The socket closed (or failed)."""
    def on_bytes_in(self, at_ms: int, n: int) -> MeterOutcome:
        """`n` bytes received."""
    def on_bytes_out(self, at_ms: int, n: int) -> MeterOutcome:
        """`n` bytes sent."""
    def on_message(self, at_ms: int, n: int = 1) -> MeterOutcome:
        """`n` messages exchanged."""
    def usage_update(self, session_id: str) -> str:
        """The `usage_update` message for this session (JSON text)."""
    @property
    def consumed(self) -> int:
        """Consumed as of the latest event (or the end), in atomic units."""
    @property
    def remaining(self) -> int:
        """`paid − consumed` as of the latest event, in atomic units: the refund if it ended now."""
    @property
    def paid(self) -> int:
        """The verified prepaid amount, in atomic units."""
    @property
    def price_per_second(self) -> int:
        """The price per second, in atomic units (0: free, never exhausts)."""
    @property
    def max_session_seconds(self) -> int:
        """The longest the session may last, in seconds."""
    @property
    def start_ms(self) -> int:
        """When the session started (Unix milliseconds)."""
    @property
    def last_ms(self) -> int:
        """The latest event time seen (Unix milliseconds; never earlier than `start_ms`)."""
    @property
    def elapsed_seconds(self) -> int:
        """Whole seconds elapsed as of the latest event, capped at the maximum duration."""
    @property
    def bytes_in(self) -> int:
        """Bytes received from the client before the end."""
    @property
    def bytes_out(self) -> int:
        """Bytes sent to the client before the end."""
    @property
    def messages(self) -> int:
        """Messages counted before the end."""
    @property
    def end(self) -> Optional[SessionEnd]:
        """How the session ended, or `None` while it runs."""
    @property
    def refund_to(self) -> Optional[str]:
        """Where the refund goes (EIP-55), if known."""

_TariffEndReason = Literal[
    "client_close", "balance_exhausted", "max_duration", "deadline", "server_close", "connection_lost"
]
_TariffEvent = Literal[
    "tick",
    "client_close",
    "server_close",
    "server_error",
    "suspend",
    "resume",
    "grace_expired",
    "bytes_in",
    "bytes_out",
    "message",
]

@final
class TariffEnd:
    """How and when a tariff-metered session ended: `reason` is `client_close`,
    `balance_exhausted`, `max_duration`, `deadline`, `server_close` or `connection_lost`;
    `close_code` is 1000, 1011 after `server_error`, or `None` for `connection_lost` (there is no
    socket); `consumed` is what to settle, `refund` what to return to the payer.
    """

    @property
    def reason(self) -> _TariffEndReason:
        """Why the session ended (on the same millisecond: balance > max duration > deadline > the event's own end)."""
    @property
    def at_ms(self) -> int:
        """When it ended: a limit's exact instant, the close event's time, or the suspend instant for `connection_lost`."""
    @property
    def close_code(self) -> Optional[int]:
        """The WebSocket close code to send (RFC 6455 §7.4.1): 1000, 1011 after `server_error`; None for `connection_lost`."""
    @property
    def consumed(self) -> int:
        """What the session consumed at `at_ms`, in atomic units: the amount to settle."""
    @property
    def refund(self) -> int:
        """`paid − consumed` in atomic units, to return to the verified payer."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class TariffOutcome:
    """What the host must do after an event or a `may_send`: `status` is `running` (`consumed` so
    far; from `may_send`: send the frame), `ended` (this call ended the session: send
    `end.close_code`, settle, refund; returned once; from `may_send`: do not send the frame) or
    `already_ended` (nothing to do).
    """

    @property
    def status(self) -> Literal["running", "ended", "already_ended"]:
        """`running`, `ended` (this call ended the session; returned once) or `already_ended`."""
    @property
    def consumed(self) -> int:
        """Consumed so far, in atomic units."""
    @property
    def end(self) -> Optional[TariffEnd]:
        """The end, when the session has ended; else None."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class TariffMeter:
    """One WS402 session metered by a tariff: `consumed = min(paid, floor(per_second × active_ms /
    1000) + bytes_in × per_byte_in + bytes_out × per_byte_out + messages × per_message)`, where
    `active_ms` leaves out suspended time and is capped at `max_session_seconds`; `deadline_ms`
    (same clock as the events) bounds the session on the wall clock. The session ends exactly
    once. An absent price is 0.

    Not thread-safe by itself (a mutable state machine): guard it with a lock if several
    threads report events for one session.
    """

    def __new__(
        cls,
        *,
        paid: int,
        max_session_seconds: int,
        start_ms: int,
        per_second: Optional[int] = None,
        per_byte_in: Optional[int] = None,
        per_byte_out: Optional[int] = None,
        per_message: Optional[int] = None,
        deadline_ms: Optional[int] = None,
    ) -> TariffMeter: ...
    def on_event(self, at_ms: int, kind: _TariffEvent, n: Optional[int] = None) -> TariffOutcome:
        """Reports an event by name: `tick`, `client_close`, `server_close`, `server_error`,
        `suspend`, `resume`, `grace_expired`, `bytes_in`/`bytes_out` (`n` bytes) or `message`
        (`n` messages, default 1). Raises `Ws402Error` `session_suspended` (bytes, messages or a
        second suspend while suspended) or `session_not_suspended` (a resume or a grace expiry
        while running), `unknown_event` or `event_count_required` (`bytes_in`/`bytes_out`
        without `n`); the meter is then unchanged.
        """
    def may_send(self, at_ms: int, n_bytes: int, messages: int = 1) -> TariffOutcome:
        """Asks, before sending a frame of `n_bytes` bytes counted as `messages` messages, whether
        the balance pays for it at `at_ms` (accruing like a tick). `running`: send it, then
        report `bytes_out` and `message`. `ended`: do not send it; the session ends. Raises
        `Ws402Error` `session_suspended` while suspended.
        """
    def serve_http(self, at_ms: int, n_bytes: int) -> TariffOutcome:
        """Charges an HTTP response of `n_bytes` body bytes (one message) before it is sent:
        `running` (serve it) or `ended` (serve it: it took the last of the balance). Raises
        `Ws402Error` `balance_insufficient`, `session_ended` or `session_suspended` and changes
        nothing."""
    @property
    def consumed(self) -> int:
        """Consumed as of the latest event (or the end), in atomic units."""
    @property
    def remaining(self) -> int:
        """`paid − consumed` as of the latest event, in atomic units."""
    @property
    def paid(self) -> int:
        """The verified prepaid amount, in atomic units."""
    @property
    def per_second(self) -> int:
        """Price per second of active time, in atomic units."""
    @property
    def per_byte_in(self) -> int:
        """Price per byte received, in atomic units."""
    @property
    def per_byte_out(self) -> int:
        """Price per byte sent, in atomic units."""
    @property
    def per_message(self) -> int:
        """Price per message, in atomic units."""
    @property
    def max_session_seconds(self) -> int:
        """The longest active (not suspended) time, in seconds."""
    @property
    def deadline_ms(self) -> Optional[int]:
        """The wall-clock bound on the events' clock, or None."""
    @property
    def start_ms(self) -> int:
        """When the session started."""
    @property
    def last_ms(self) -> int:
        """The latest event time seen (never earlier than `start_ms`)."""
    @property
    def active_ms(self) -> int:
        """Active (billed) time as of the latest event or the end, capped at the maximum duration."""
    @property
    def suspended(self) -> bool:
        """Whether the session is suspended (and not ended)."""
    @property
    def bytes_in(self) -> int:
        """Bytes received from the client and counted."""
    @property
    def bytes_out(self) -> int:
        """Bytes sent to the client and counted."""
    @property
    def messages(self) -> int:
        """Messages counted."""
    @property
    def end(self) -> Optional[TariffEnd]:
        """How the session ended, or `None` while it runs."""

def start_with_x402(
    requirements: _Text,
    payment: _Text,
    *,
    now_ms: int,
    price_per_second: int,
    max_session_seconds: int,
    amount: _AmountRule = "exact",
    signature: _SignaturePolicy = "strict",
    valid_before_slack: int = 6,
    accepted: _AcceptedMatch = "deep_equal",
) -> Tuple[Meter, Verified]:
    """Verifies an x402 prepayment and starts a session with the verified amount as `paid` and
    the verified payer as `refund_to`; returns `(meter, verified)`. Raises `Ws402Error` with
    the x402 code, or `prepayment_too_small`.
    """

@final
class Ws402Message:
    """A decoded WS402 message: its `type` and canonical JSON."""

    @property
    def type(self) -> str:
        """The message's `type` (`payment_proof`, `session_started`, `usage_update`, `balance_exhausted`, …)."""
    @property
    def json(self) -> str:
        """The message as canonical JSON text."""
    def __eq__(self, value: object, /) -> bool: ...

def decode_ws402_message(frame: _Text) -> Ws402Message:
    """Decodes a WS402 text frame. Raises `Ws402Error`."""
def decode_ws402_schema(body: _Text) -> str:
    """Decodes a WS402 schema (the 402 body) and returns its canonical JSON. Raises `Ws402Error`."""

# --- WS402 wire ------------------------------------------------------------------------------

@final
class Ws402Frame:
    """A WS402 message as its canonical frame."""

    @property
    def message_type(self) -> str:
        """The message's `type` (`session_started`, `resume_session`, `session_ended`, …)."""
    @property
    def frame(self) -> str:
        """The canonical compact JSON text to send."""
    def __eq__(self, value: object, /) -> bool: ...

def ws402_message_frame(message: _Text, amounts: Literal["string", "number_when_safe"] = "string") -> Ws402Frame:
    """Decodes a WS402 message (any member order, amounts as JSON integers or decimal strings,
    unknown members ignored) and writes its canonical frame: amounts as decimal strings
    (`"string"`) or as JSON numbers up to 2^53 - 1 and strings above (`"number_when_safe"`, for
    the original WS402 clients). Raises `Ws402Error` (`invalid_json`, `not_an_object`,
    `unknown_message_type`, `missing_field`, `wrong_type`, `invalid_value`) and `ValueError` for
    another `amounts`.
    """

def ws402_resume_token(secret: _BytesOrHex, session_id: _BytesOrHex, payer_kind: Literal["evm", "solana"], payer: _BytesOrHex) -> str:
    """The resume token of a session (43 base64url characters): HMAC-SHA256 under the resume key
    derived from `secret` (32 to 64 bytes) over the 16-byte `session_id` and the payer (20 bytes
    for `"evm"`, 32 for `"solana"`). Raises `Ws402Error` (`invalid_server_secret`) and
    `ValueError` for malformed arguments.
    """
def ws402_check_resume_token(secret: _BytesOrHex, session_id: _BytesOrHex, payer_kind: Literal["evm", "solana"], payer: _BytesOrHex, presented: str) -> None:
    """Checks a presented resume token in constant time. Raises `Ws402Error`
    (`resume_token_invalid`, `invalid_server_secret`) and `ValueError` for malformed arguments.
    """

@final
class Ws402GrantCheck:
    """The core's verdict on an HTTP grant: `status` 200 (`granted`) with the `session_id`,
    `generation` and `expires_ms` of the grant, or the refusal's HTTP `status` (402, 401, 403) and
    `code` (`grant_required`, `grant_invalid`, `grant_expired`, `wrong_resource`,
    `session_suspended`, `session_ended`, `grant_revoked`)."""
    @property
    def status(self) -> int:
        """200 when granted, else the refusal's HTTP status (402, 401 or 403)."""
    @property
    def code(self) -> Optional[str]:
        """The refusal's stable code; None when granted."""
    @property
    def session_id(self) -> Optional[bytes]:
        """The granted session's 16-byte id; None when refused."""
    @property
    def generation(self) -> Optional[int]:
        """The grant generation the token was issued at; None when refused."""
    @property
    def expires_ms(self) -> Optional[int]:
        """When the token stops granting (Unix milliseconds); None when refused."""
    @property
    def granted(self) -> bool:
        """True when the request may be served on the session's balance."""

def ws402_grant_issue(secret: _BytesOrHex, session_id: _BytesOrHex, resource_url: str, generation: int, expires_ms: int) -> str:
    """The HTTP grant token (124 base64url characters) of a session for `resource_url` at the
    session's grant `generation`, valid while `now < expires_ms`; the client sends it as
    `Authorization: WS402 <token>`. Raises `Ws402Error` (`invalid_server_secret`) and
    `ValueError` for malformed arguments.
    """
def ws402_grant_lookup_id(authorization: Optional[str]) -> Optional[bytes]:
    """The session id named by the `WS402` token of an `Authorization` value (None: no
    well-formed token), unverified: only to load that session before `ws402_grant_check`."""
def ws402_grant_check(secret: _BytesOrHex, authorization: Optional[str], resource_url: str, now_ms: int, session_id: _BytesOrHex, phase: Literal["running", "suspended", "settling", "refunding", "done"], generation: int) -> Ws402GrantCheck:
    """Checks a request's `Authorization` value (None when absent; never the query string) for
    `resource_url` at `now_ms` against the loaded session: its id, record `phase` and grant
    `generation` (bumped by the host at each resume; not the record's CAS generation). A refusal
    is a verdict, not an exception. Raises `Ws402Error` (`invalid_server_secret`) and
    `ValueError` for malformed arguments.
    """

# --- dialects -------------------------------------------------------------------------------

class _SingleUseStore(Protocol):
    def insert_if_absent(self, key: bytes) -> bool:
        """Inserts `key` if it is absent, atomically: True if it was inserted, False if it was already there."""

def decimal_to_atomic(text: str, decimals: int) -> int:
    """Converts a decimal amount (`"0.36"`) to atomic units with `decimals` (USDC: 6), exactly;
    sub-unit amounts are refused. Raises `DialectError` `invalid_amount`, `sub_unit_amount`.
    """
def display_price_to_atomic(text: str, decimals: int) -> int:
    """A display price (`"$0.01"`, `"0.01"`) in atomic units of an asset with `decimals` decimals:
    the core's rule (`pay402::x402::server::Price`), exact, never zero. Raises `X402Error`
    (`invalid_price`, `sub_unit_amount`, `zero_price`, `invalid_decimals`).
    """
def atomic_to_decimal(amount: int, decimals: int) -> str:
    """Renders atomic units as a decimal amount with `decimals`.

    Raises a `pay402.Error` subclass (mostly `DialectError`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """

@final
class PayPer402Challenge:
    """A `PayPer402` `Bearer` challenge; `amount` in atomic units."""

    @property
    def realm(self) -> Optional[str]:
        """`realm`, when given."""
    @property
    def amount(self) -> int:
        """`amount` converted exactly to atomic units."""
    @property
    def currency(self) -> Optional[str]:
        """`currency` as written (`USDC`), when given."""
    @property
    def network(self) -> Optional[str]:
        """`network` as written, when given."""
    def __eq__(self, value: object, /) -> bool: ...

def parse_payper402_challenge(value: str, decimals: int) -> PayPer402Challenge:
    """Finds the first `Bearer` challenge with an `amount` in a `WWW-Authenticate` value.
    Raises `DialectError` `invalid_challenge`, `no_payment_challenge`, `invalid_amount`,
    `sub_unit_amount`.
    """
def payper402_challenge(*, realm: str, amount: int, decimals: int, currency: str, network: str) -> str:
    """Writes `Bearer realm="…", amount="…", currency="…", network="…"`.

    Raises a `pay402.Error` subclass (mostly `DialectError`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """

@final
class SandboxRequirements:
    """The x402 developer sandbox's `payment_requirements` body."""

    @property
    def id(self) -> str:
        """The challenge id a proof must be bound to (`req_` + 16 hex digits)."""
    @property
    def product(self) -> str:
        """The product sold."""
    @property
    def amount(self) -> int:
        """The price in minor units of `currency` (USDC: 6 decimals)."""
    @property
    def currency(self) -> str:
        """The currency (`USDC`)."""
    @property
    def chain(self) -> str:
        """The chain (`solana`)."""
    @property
    def facilitator(self) -> str:
        """The facilitator URL the server names (do not trust it blindly)."""
    @property
    def expires_at(self) -> str:
        """`expires_at` as written (RFC 3339 text)."""
    @property
    def expires_at_unix(self) -> int:
        """`expires_at` in Unix seconds."""
    @property
    def recipient(self) -> Optional[str]:
        """The seller's wallet address, when given."""
    def is_expired(self, now: int) -> bool:
        """`True` once `now` passes `expires_at`."""
    def __eq__(self, value: object, /) -> bool: ...

def decode_sandbox_requirements(body: _Text) -> SandboxRequirements:
    """Decodes a sandbox 402 body. Raises `DialectError`."""
def parse_sandbox_token(header: str) -> Tuple[Literal["mock", "devnet"], str]:
    """Classifies a sandbox `X-PAYMENT` token: `("mock", id)` or `("devnet", id)`. Raises
    `DialectError` `invalid_token`.
    """
def accept_once(store: _SingleUseStore, proof_id: bytes) -> None:
    """Accepts `proof_id` once through a host store (`store.insert_if_absent(key) -> bool`,
    atomic). Raises `DialectError` `proof_already_used`, or `proof_store_unavailable` when the
    store raises (fail closed; the store's exception is the `__cause__`).
    """

# --- HTTP auth fields, networks, default assets ---------------------------------------------

@final
class AuthChallenge:
    """One challenge of a `WWW-Authenticate` value: the scheme as written, its auth-params in order
    (names as written, values unescaped) or its token68.
    """

    @property
    def scheme(self) -> str:
        """The auth-scheme as written (compare case-insensitively)."""
    @property
    def params(self) -> list[Tuple[str, str]]:
        """The auth-params as `(name, value)` pairs, values unquoted (empty for a token68 challenge or a bare scheme)."""
    @property
    def token68(self) -> Optional[str]:
        """The token68, for a challenge of that form (`Negotiate abc==`); else None."""
    def param(self, name: str) -> Optional[str]:
        """The value of the first param named `name` (ASCII case-insensitive), or `None`."""
    def __eq__(self, value: object, /) -> bool: ...

def parse_challenges(value: str) -> list[AuthChallenge]:
    """Parses a `WWW-Authenticate` / `Proxy-Authenticate` value into its challenges (several may be
    folded into one value). Raises `CodecError` (`auth_*`) on the first malformed challenge.
    """
def parse_credentials(value: str) -> Tuple[str, str]:
    """Splits an `Authorization` value into `(scheme, rest)`. Raises `CodecError`."""
def write_challenge(scheme: str, params: Sequence[Tuple[str, str]]) -> str:
    """Writes one challenge: `scheme name="value", …` (values quoted and escaped as needed)."""
def resolve_network(network: str) -> Optional[Tuple[str, Optional[int]]]:
    """Resolves an x402 network (v1 name or CAIP-2 id) to `(caip2, chain_id)`; `chain_id` is
    `None` for Solana; `None` for an unknown network.
    """

@final
class DefaultAsset:
    """A chain's default payment token (a hint for building requirements; verification takes the
    EIP-712 domain only from `extra`).
    """

    @property
    def chain_id(self) -> int:
        """The EIP-155 chain id."""
    @property
    def address(self) -> str:
        """The token contract address as the reference SDKs write it (EIP-55 or lowercase hex)."""
    @property
    def symbol(self) -> str:
        """The token symbol (`USDC`)."""
    @property
    def eip712_name(self) -> str:
        """The token's EIP-712 domain `name`."""
    @property
    def eip712_version(self) -> Optional[str]:
        """The token's EIP-712 domain `version`, when known."""
    @property
    def decimals(self) -> int:
        """The token's decimals (USDC: 6)."""
    @property
    def transfer_method(self) -> Literal["eip3009", "permit2"]:
        """How the token is transferred: `eip3009` (transferWithAuthorization) or `permit2`."""
    @property
    def disputed(self) -> bool:
        """True when implementations disagree on the EIP-712 domain; the token's on-chain `name()`/`version()` decide."""
    def __eq__(self, value: object, /) -> bool: ...

def default_asset(chain_id: int) -> Optional[DefaultAsset]:
    """The default token of an EIP-155 chain, or `None`."""

# --- Solana (SVM) ---------------------------------------------------------------------------

SVM_TOKEN_PROGRAM_ID: str
SVM_TOKEN_2022_PROGRAM_ID: str
SVM_ASSOCIATED_TOKEN_PROGRAM_ID: str
SVM_COMPUTE_BUDGET_PROGRAM_ID: str
SVM_MEMO_PROGRAM_ID: str
SVM_LIGHTHOUSE_PROGRAM_ID: str

_HostCheck = Literal["recent_blockhash", "token_accounts", "mint", "simulation", "duplicate_settlement"]

@final
class SvmVerified:
    """A Solana `exact` payment that passed every offline check (the facilitator checks of the x402 `exact` SVM scheme)."""

    @property
    def x402_version(self) -> int:
        """The protocol version of the payment (1 or 2)."""
    @property
    def network(self) -> str:
        """CAIP-2 id (`solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1`)."""
    @property
    def kind(self) -> Literal["exact_svm"]:
        """Always `exact_svm`."""
    @property
    def payer(self) -> str:
        """Base58: the transfer's authority, proven by its signature."""
    @property
    def amount(self) -> int:
        """The amount transferred, in atomic units of the mint."""
    @property
    def fee_payer(self) -> str:
        """Base58 `extra.feePayer`, whose signature the facilitator adds."""
    @property
    def mint(self) -> str:
        """The SPL mint (base58)."""
    @property
    def source(self) -> str:
        """The source token account (base58)."""
    @property
    def destination(self) -> str:
        """The destination token account (base58)."""
    @property
    def token_program(self) -> str:
        """The token program (base58): SPL Token or Token-2022."""
    @property
    def decimals(self) -> int:
        """The mint's decimals, as the `TransferChecked` instruction states them."""
    @property
    def compute_unit_limit(self) -> int:
        """The `SetComputeUnitLimit` instruction's compute units."""
    @property
    def compute_unit_price(self) -> int:
        """Micro-lamports per compute unit."""
    @property
    def recent_blockhash(self) -> bytes:
        """The transaction's recent blockhash (32 raw bytes)."""
    @property
    def still_to_check(self) -> list[_HostCheck]:
        """What the facilitator must still check with RPC before settling, in order."""
    def __eq__(self, value: object, /) -> bool: ...

def x402_verify(
    requirements: _Text,
    payment: _Text,
    *,
    now: int,
    amount: _AmountRule = "exact",
    signature: _SignaturePolicy = "strict",
    valid_before_slack: int = 6,
    accepted: _AcceptedMatch = "deep_equal",
    settle_amount: Optional[int] = None,
    facilitator: Optional[str] = None,
    fee_payers: Optional[Sequence[str]] = None,
    max_compute_unit_price: int = 5000000,
    max_compute_unit_limit: Optional[int] = None,
    max_instructions: int = 6,
) -> Union[Verified, SvmVerified]:
    """Verifies an x402 payment header on any supported network: Solana requirements run the
    `exact` SVM checks under the Solana policy keywords, everything else the EVM checks of
    `verify_payment`. Returns `Verified` (EVM) or `SvmVerified` (Solana); raises `X402Error`
    with the reference facilitator's code.
    """
def svm_build_transfer(
    payer_seed: _BytesOrHex,
    *,
    fee_payer: str,
    mint: str,
    pay_to: str,
    amount: int,
    decimals: int,
    recent_blockhash: bytes,
    token_program: Optional[str] = None,
    memo: Optional[_Text] = None,
    compute_unit_limit: int = 20000,
    compute_unit_price: int = 1,
) -> bytes:
    """Builds and partially signs the reference client's payment transaction (x402 `exact` SVM):
    `SetComputeUnitLimit`, `SetComputeUnitPrice`, `TransferChecked` to `pay_to`'s associated
    token account, then the Memo when `memo` is not empty. Returns the wire bytes (base64 them
    for `payload.transaction`); the fee payer's signature slot is left zero.

    Raises a `pay402.Error` subclass (mostly `SvmError`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """

@final
class SvmPayment:
    """A Solana payment, ready to send: `header_value` goes in the `header_name` request header."""

    @property
    def header_name(self) -> str:
        """`X-PAYMENT` (v1) or `PAYMENT-SIGNATURE` (v2)."""
    @property
    def header_value(self) -> str:
        """Base64 (standard, padded) of `json`."""
    @property
    def json(self) -> str:
        """The `PaymentPayload`: `{"transaction": …}` in the v1 / v2 envelope."""
    def __eq__(self, value: object, /) -> bool: ...

def svm_payment_header(payment_required: _Text, transaction: bytes, *, accept_index: int = 0) -> SvmPayment:
    """Wraps `svm_build_transfer`'s wire bytes into the payment for `accepts[accept_index]`;
    raises `X402Error` (`accept_index_out_of_range`, `unsupported_scheme`, `unsupported_network`,
    `transaction_*`)."""

def svm_public_key(seed: _BytesOrHex) -> str:
    """The base58 public key of an ed25519 seed (32 `bytes` or hex text).

    Raises a `pay402.Error` subclass (mostly `SvmError`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def svm_associated_token_address(owner: str, mint: str, token_program: Optional[str] = None) -> str:
    """The associated token account of `owner` for `mint` under `token_program` (default SPL
    Token), as `@solana-program/token`'s `findAssociatedTokenPda` derives it.

    Raises a `pay402.Error` subclass (mostly `SvmError`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def svm_parse_pubkey(text: _Text) -> bytes:
    """The 32 bytes of a base58 Solana address (raises `SvmError` `pubkey_*`)."""
def svm_format_pubkey(key: bytes) -> str:
    """The base58 text of 32 address bytes.

    Raises a `pay402.Error` subclass (mostly `SvmError`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """

# --- codecs ---------------------------------------------------------------------------------

def base64_encode(data: bytes) -> str:
    """Base64-encodes `data` (standard alphabet, padded).

    Raises a `pay402.Error` subclass (mostly `CodecError`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """
def base64_decode(text: _Text, *, policy: Literal["any", "x402", "standard"] = "any") -> bytes:
    """Base64-decodes under a policy: `"any"` (either alphabet, never mixed, padding optional:
    what L402 peers emit), `"x402"` (standard alphabet, padding optional) or `"standard"`
    (standard alphabet, padding required). Raises `CodecError` `base64_*`.
    """
def parse_u256(text: str, *, allow_leading_zeros: bool = False) -> int:
    """Parses a uint256 written in decimal as the protocols write amounts (no sign, no leading
    zeros unless `allow_leading_zeros`). Raises `CodecError` `u256_*`.
    """
def format_u256(value: int) -> str:
    """The canonical decimal text of a uint256.

    Raises a `pay402.Error` subclass (mostly `CodecError`) with the core's `.code` when the core
    refuses the input; `TypeError`/`ValueError` for an argument of the wrong type or size.
    """

# --- which artifact a text is ----------------------------------------------------------------

@final
class Recognized:
    """The core's guess of which 402 artifact a text is (`recognize`)."""

    @property
    def artifact(self) -> Literal[
        "x402_payment_required", "x402_payment_payload", "x402_settle_response",
        "x402_payment_requirements", "x402_verify_request", "x402_verify_response",
        "x402_supported_response", "l402_challenge", "l402_authorization", "l402_macaroon_header",
        "macaroon", "bolt11_invoice", "offers", "ws402_message", "unknown",
    ]:
        """The kind the text looks like (`unknown` when nothing matched)."""
    @property
    def encoding(self) -> Literal["json", "base64_json", "base64_binary", "hex", "text", "unknown"]:
        """How the value is written."""
    @property
    def evidence(self) -> Literal["header_name", "prefix", "json_keys", "macaroon_bytes", "nothing"]:
        """What the guess rests on: the header name, a prefix (`L402`, `lnbc`), the top-level
        JSON keys (also inside base64), or a macaroon's first bytes."""
    @property
    def header(self) -> Optional[str]:
        """The header name given in front of the value (`PAYMENT-SIGNATURE`), or None."""
    @property
    def value(self) -> str:
        """The value to decode: without the header name, whitespace and `lightning:`."""

def recognize(text: str) -> Recognized:
    """Guesses which 402 artifact `text` is from cheap shape checks: a known header name in
    front (`PAYMENT-SIGNATURE: …`), a BOLT11 prefix, an `L402`/`LSAT` scheme, the top-level keys
    of JSON or of base64 JSON, or a binary macaroon's first bytes. Never raises; the decoder of
    the guessed kind has the last word."""

# --- x402 resource server (the core's sans-I/O server) -------------------------------------------

@final
class Reply:
    """A refusal or challenge to send as is."""
    @property
    def status(self) -> int:
        """The HTTP status to answer with."""
    @property
    def code(self) -> str:
        """The refusal's stable snake_case code."""
    @property
    def detail_code(self) -> Optional[str]:
        """The finer reason, where the core has one."""
    @property
    def headers(self) -> List[Tuple[str, str]]:
        """The headers to send, in order."""
    @property
    def body(self) -> Optional[bytes]:
        """The body to send, if any."""

@final
class Admitted:
    """An admitted payment; reserve ``replay_key`` for ``ttl`` seconds via ``X402Server.exchange``."""
    @property
    def offer_index(self) -> int:
        """Index of the offer paid, in configuration order."""
    @property
    def x402_version(self) -> int:
        """1 or 2."""
    @property
    def payer(self) -> str:
        """The payer (an EIP-55 `0x` address, or a Solana base58 key)."""
    @property
    def amount(self) -> int:
        """The signed amount in atomic units (`upto`: the maximum)."""
    @property
    def replay_key(self) -> bytes:
        """The bytes to reserve in the replay store."""
    @property
    def ttl(self) -> int:
        """Seconds to keep the reservation."""
    @property
    def until(self) -> int:
        """Unix seconds until which the reservation is kept."""
    @property
    def payment(self) -> str:
        """The decoded payment payload as JSON text."""

@final
class Step:
    """One step of an exchange: what to do next, or how it ends (status, headers, body)."""
    @property
    def action(self) -> Literal["run_handler", "settle", "serve", "release_reservation", "withhold", "keep_reservation", "refuse_replay"]:
        """What the host does next."""
    @property
    def attempt(self) -> int:
        """`settle` steps: 1, or 2 for the one retry (post the identical body again); 0 otherwise."""
    @property
    def status(self) -> int:
        """Final steps: the HTTP status to send (0 otherwise)."""
    @property
    def headers(self) -> List[Tuple[str, str]]:
        """The headers to send, in order."""
    @property
    def body(self) -> Optional[bytes]:
        """The body to send, if any."""
    @property
    def is_final(self) -> bool:
        """True when the exchange is over (every action but `run_handler` and `settle`)."""

@final
class Exchange:
    """The exactly-once exchange of one admitted payment."""
    @property
    def replay_key(self) -> bytes:
        """The replay key to reserve."""
    @property
    def ttl(self) -> int:
        """Seconds to keep it."""
    def reserved(self, fresh: bool) -> Step:
        """The store answered: `fresh` is True when the key was free and is now reserved."""
    def handled(self, status: int) -> Step:
        """The handler answered with `status` (500 for an exception)."""
    def settle_request(self, amount: Optional[int] = None) -> bytes:
        """The `/settle` body (identical bytes for the retry). `amount`: the `upto` charge."""
    def settled(self, response: Optional[bytes]) -> Step:
        """The facilitator's `/settle` answer (its JSON body), or None for no answer (timeout,
        connection error, 5xx).
        """

@final
class X402Server:
    """The x402 resource server of one resource, its offers prepared once."""
    def __new__(cls, offers: Sequence[Mapping[str, Any]], resource: Mapping[str, Any]) -> X402Server: ...
    def challenge(self, error: Optional[str] = None, message: Optional[str] = None) -> Reply:
        """The 402 challenge. `error`, when given, is the code the challenge reports (the
        `error` of the `PAYMENT-REQUIRED` JSON and of the body); `message` a sentence for people,
        the body's `errorMessage` (it needs a code: `message_without_code`).
        """
    def admit(self, headers: Sequence[Tuple[str, str]], now: int) -> Union[Admitted, Reply]:
        """Admits the payment among `headers` (`(name, value)` pairs) at `now` (unix seconds):
        an `Admitted`, or the `Reply` refusing it (402 with the challenge, the code and the
        detail code; 503/500 for server faults).
        """
    def admit_with_rpc(
        self, headers: Sequence[Tuple[str, str]], now: int, rpc: Any, *, allowed_factories: Sequence[str]
    ) -> Union[Admitted, Reply]:
        """`admit` for a server with an EVM RPC: a smart-wallet payer (EIP-1271, EIP-7702, or an
        undeployed ERC-6492 wallet whose factory is in `allowed_factories`; empty denies them
        all) is admitted when the chain says its signature is valid. `rpc` has
        `get_code(address) -> bytes` and `call(to, data) -> bytes | None` (`None`: reverted);
        an exception from either is the core's 503 `smart_wallet_check_unavailable` reply,
        never an admission.
        """
    def replay_store_unavailable(self) -> Reply:
        """The refusal answered when the replay store cannot answer (503, fail closed)."""
    def exchange(self, admitted: Admitted, settle_before_handler: bool = False) -> Exchange:
        """Starts the exactly-once exchange of `admitted`."""
    def verify_request(self, admitted: Admitted) -> bytes:
        """The facilitator `/verify` body for `admitted`."""

# --- L402 resource server (stateless root keys) -------------------------------------------------

@final
class L402ServerChallenge:
    """A minted challenge: send ``status`` with ``headers`` (``WWW-Authenticate``)."""
    @property
    def status(self) -> int:
        """The HTTP status to send (402)."""
    @property
    def headers(self) -> List[Tuple[str, str]]:
        """The `("WWW-Authenticate", value)` headers, in the order to send them."""
    @property
    def identifier(self) -> bytes:
        """The minted token's identifier (raw bytes; its payment hash is the invoice's)."""
    @property
    def root_key_id(self) -> bytes:
        """`sha256(identifier)` (32 raw bytes): the key of a revocation list."""
    @property
    def valid_until(self) -> Optional[int]:
        """The token's expiry (Unix seconds), when the configuration sets a lifetime; else None."""

@final
class L402Admitted:
    """An admitted L402 credential."""
    @property
    def payment_hash(self) -> bytes:
        """The SHA-256 payment hash the token's identifier commits to (32 raw bytes; paid, as the preimage proves)."""
    @property
    def token_id(self) -> bytes:
        """The token id (32 raw bytes; aperture's "user id", kept across re-mints)."""
    @property
    def root_key_id(self) -> bytes:
        """`sha256(identifier)` (32 raw bytes): the key of a revocation list."""
    @property
    def scheme(self) -> Literal["L402", "LSAT"]:
        """The auth-scheme the credential used: `L402` or `LSAT`."""
    @property
    def previous_secret(self) -> bool:
        """Whether the previous secret of a rotation verified the token (re-mint it soon)."""

@final
class L402Refusal:
    """A refused request: answer ``status`` with a fresh challenge."""
    @property
    def status(self) -> int:
        """The HTTP status to send: 402, or 401 for a bad credential when so configured."""
    @property
    def code(self) -> str:
        """The refusal's stable snake_case code."""
    @property
    def detail_code(self) -> Optional[str]:
        """The precise cause underneath, when there is one."""

@final
class L402Server:
    """The L402 server of one service; root keys derived from ``secret`` (nothing stored per token)."""
    def __new__(
        cls,
        service: str,
        price_msat: int,
        network: str,
        secret: _BytesOrHex,
        *,
        previous_secret: Optional[_BytesOrHex] = None,
        tier: int = 0,
        capabilities: Sequence[str] = ...,
        token_lifetime: int = 86400,
        location: str = ...,
        l402_only: bool = False,
        unauthorized_for_bad_credentials: bool = False,
    ) -> L402Server: ...
    def challenge(self, bolt11: str, payment_hash: _BytesOrHex, token_id: _BytesOrHex, now: int) -> L402ServerChallenge:
        """The challenge for your invoice (`bolt11` and the payment hash your node reported) with a
        fresh random `token_id` (32 bytes), at `now` (unix seconds).
        """
    def admit(
        self,
        authorization: Sequence[str],
        now: int,
        *,
        capability: Optional[str] = None,
        revoked: Optional[Callable[[bytes], bool]] = None,
    ) -> Union[L402Admitted, L402Refusal]:
        """Admits the credential among `authorization` (every `Authorization` value) at `now`,
        needing `capability` when given. `revoked(root_key_id) -> bool`, when given, is asked for
        every authentic token; an exception in it counts as revoked (fail closed).
        """

# --- client budget ---------------------------------------------------------------------------

LIGHTNING_NETWORK: str
MSAT: str

@final
class BudgetReservation:
    """An amount counted against a budget until ``commit()``, ``commit_partial(paid)`` or
    ``release()``, exactly once."""
    @property
    def amount(self) -> int:
        """The amount reserved."""
    @property
    def window_start(self) -> int:
        """The start (Unix seconds) of the window the amount counts against; 0 without a window."""
    @property
    def is_open(self) -> bool:
        """Whether it is neither committed nor released yet."""
    def commit(self) -> None:
        """The payment was made: the amount is spent."""
    def commit_partial(self, paid: int) -> None:
        """The payment was made for `paid` (at most the amount): the rest comes back."""
    def release(self) -> None:
        """The payment was not taken: the amount comes back."""

@final
class BudgetRefusal:
    """A refused reservation (nothing counted)."""
    @property
    def code(self) -> str:
        """`per_request_budget_exceeded`, `total_budget_exceeded` or `window_budget_exceeded`."""
    @property
    def message(self) -> str:
        """The core's text."""
    @property
    def amount(self) -> Optional[int]:
        """The amount asked, when known."""
    @property
    def remaining(self) -> Optional[int]:
        """What the budget still allows, when known."""

@final
class ClientBudget:
    """A client's spending budget over assets named ``(network, asset)``; thread-safe."""
    def __new__(cls) -> ClientBudget: ...
    @staticmethod
    def any_asset(*, per_request: int, total: int, window: Optional[Tuple[int, int]] = None) -> ClientBudget:
        """A budget whose limits count every payment, whatever its asset."""
    def add(
        self, network: str, asset: str, *, per_request: int, total: int, window: Optional[Tuple[int, int]] = None
    ) -> None:
        """Lists an asset with its limits."""
    @property
    def is_any_asset(self) -> bool:
        """Whether the limits count every asset together."""
    def allowance(self, network: str, asset: str, now: int) -> int:
        """The most one payment in the asset may cost at `now`."""
    def spent(self, network: str, asset: str) -> int:
        """What was committed in the asset so far."""
    def reserve(self, network: str, asset: str, amount: int, now: int) -> Union[BudgetReservation, BudgetRefusal]:
        """Reserves `amount` at `now`: a `BudgetReservation`, or a `BudgetRefusal` (nothing counted).
        """

# --- the paying client of every scheme (pay402::x402::client), call by call -----------------

@final
class Choice:
    """The offer of a 402 the payer pays: its index, kind and asset, and the amount (the maximum for ``upto``)."""

    @property
    def index(self) -> int:
        """Its index in `accepts`."""
    @property
    def kind(self) -> str:
        """``exact_eip3009``, ``exact_permit2``, ``upto_permit2`` or ``exact_svm``."""
    @property
    def asset(self) -> str:
        """The ERC-20 contract (lowercase hex) or the SPL mint (base58)."""
    @property
    def amount(self) -> int:
        """The amount to pay in atomic units of the asset (the maximum, for `upto`)."""

@final
class ClientPayment:
    """A payment header, ready to send: ``header_value`` goes in the ``header_name`` request header."""

    @property
    def header_name(self) -> str:
        """The request header the payment goes in: `PAYMENT-SIGNATURE` (v2) or `X-PAYMENT` (v1)."""
    @property
    def header_value(self) -> str:
        """The header value (base64 of the payment payload JSON)."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class PaidAnswer:
    """The core's verdict on the answer to a paid retry: ``served``, ``refused`` or ``undetermined``."""

    @property
    def verdict(self) -> str:
        """`served`, `refused` or `undetermined` (the server may have settled)."""
    @property
    def code(self) -> Optional[str]:
        """A refusal's code: the server's ``error`` (header, then body), the receipt's ``errorReason``, else ``payment_refused``."""
    @property
    def detail_code(self) -> Optional[str]:
        """A refusal's detail code (the body's `errorDetail`), when given."""
    @property
    def message(self) -> Optional[str]:
        """A refusal's message (the body's `errorMessage`), when given."""
    @property
    def definitive(self) -> Optional[bool]:
        """Whether a refused payment is definitively not taken (give the budget back)."""
    @property
    def transaction(self) -> Optional[str]:
        """A served payment's receipt `transaction` (EVM hash or Solana signature), when given."""
    @property
    def settled_amount(self) -> Optional[int]:
        """The settled amount a served ``upto`` payment's receipt reports."""

def x402_choose(
    payment_required: _Text,
    *,
    networks: Sequence[str],
    evm_assets: Sequence[str],
    svm_assets: Sequence[str],
    max_amount: int,
    schemes: Optional[Sequence[str]] = None,
    permit2_allowance: Optional[int] = None,
) -> Choice:
    """The first offer of a listed kind, network and asset within ``max_amount``; raises ``X402Error``."""

def x402_pay_evm(
    payment_required: _Text, private_key: _BytesOrHex, *, now: int, nonce: _BytesOrHex, accept_index: int = 0
) -> ClientPayment:
    """The EVM payment (EIP-3009, Permit2 ``exact`` or ``upto``, by the entry), signed with the key."""

def x402_pay_svm(
    payment_required: _Text,
    seed: _BytesOrHex,
    *,
    recent_blockhash: str,
    decimals: int,
    token_program: str,
    memo_nonce: _BytesOrHex,
    accept_index: int = 0,
) -> ClientPayment:
    """The Solana payment: the transfer built and partially signed with the payer's seed and the chain state."""

def x402_paid_response(status: int, headers: Sequence[Tuple[str, str]], body: Optional[bytes] = None) -> PaidAnswer:
    """The core's verdict on the answer to a paid retry; ends nothing."""

# --- the paying client with a budget (pay402-host X402Client) -------------------------------

@final
class X402Permit2Approval:
    """The ERC-20 approval a Permit2 payment needs: ``token.approve(spender, amount)`` on ``chain_id``."""

    @property
    def chain_id(self) -> int:
        """The EIP-155 chain id."""
    @property
    def token(self) -> str:
        """The ERC-20 token (EIP-55 checksummed hex)."""
    @property
    def spender(self) -> str:
        """The canonical Permit2 contract (EIP-55), the spender to approve."""
    @property
    def amount(self) -> int:
        """The least allowance the payment needs, in the token's atomic units."""

@final
class X402ChosenOffer:
    """The offer chosen from a 402 (with the 402 it came from), by ``X402Client.choose``."""

    @property
    def index(self) -> int:
        """Its index in ``accepts``."""
    @property
    def kind(self) -> str:
        """How it is paid: ``exact_eip3009``, ``exact_permit2``, ``upto_permit2`` or ``exact_svm``."""
    @property
    def x402_version(self) -> int:
        """The x402 version of the 402 (1 or 2)."""
    @property
    def network(self) -> str:
        """The network, as its CAIP-2 id."""
    @property
    def chain_id(self) -> Optional[int]:
        """The EVM chain id, for EVM offers; None on Solana."""
    @property
    def asset(self) -> str:
        """The asset: an ERC-20 contract (lowercase ``0x`` hex) or an SPL mint (base58)."""
    @property
    def amount(self) -> int:
        """The amount reserved, in atomic units: the price, or an ``upto`` offer's maximum."""
    @property
    def header_name(self) -> str:
        """The request header the payment goes in: ``PAYMENT-SIGNATURE`` (v2) or ``X-PAYMENT`` (v1)."""
    @property
    def approval(self) -> Optional[X402Permit2Approval]:
        """The Permit2 approval the payment needs (Permit2 kinds), else None."""

@final
class X402Payment:
    """A signed payment ready to send, with the budget's reservation of its amount."""

    @property
    def header_name(self) -> str:
        """``PAYMENT-SIGNATURE`` (v2) or ``X-PAYMENT`` (v1)."""
    @property
    def header_value(self) -> str:
        """The header value (base64 JSON)."""
    @property
    def kind(self) -> str:
        """The kind paid (``upto_permit2`` commits what the receipt says was settled)."""
    @property
    def reservation(self) -> BudgetReservation:
        """The amount reserved in the budget until ``X402Client.complete`` ends it."""

@final
class X402Client:
    """The paying x402 client: a policy (networks, EVM and Solana assets, kinds) and the
    ``ClientBudget`` it reserves in. Every choice and verdict is the core's."""

    def __new__(
        cls,
        *,
        networks: Sequence[str],
        budget: ClientBudget,
        evm_assets: Sequence[str] = ...,
        svm_assets: Sequence[str] = ...,
        schemes: Optional[Sequence[str]] = None,
    ) -> X402Client: ...
    def choose(
        self, headers: Sequence[Tuple[str, str]], body: _Text, now: int
    ) -> Union[X402ChosenOffer, BudgetRefusal]:
        """Reads a 402 (the v2 ``PAYMENT-REQUIRED`` header, else the JSON body) and chooses the
        offer to pay at ``now``: the first the policy signs whose amount the budget allows, or the
        ``BudgetRefusal`` of the limit that refuses the cheapest; raises ``X402Error``."""
    def check_allowance(self, chosen: X402ChosenOffer, allowance: int) -> None:
        """Raises ``X402Error`` ``permit2_allowance_required`` when ``allowance`` (the payer's
        ERC-20 allowance to Permit2) is below a Permit2 offer's amount."""
    def pay_evm(
        self,
        chosen: X402ChosenOffer,
        private_key: _BytesOrHex,
        *,
        now: int,
        nonce: _BytesOrHex,
        permit2_allowance: Optional[int] = None,
        budget_now: Optional[int] = None,
    ) -> Union[X402Payment, BudgetRefusal]:
        """Reserves the amount (at ``budget_now``, default ``now``), then signs the EVM payment at
        ``now`` with 32 random ``nonce`` bytes; the reservation is released when nothing could be
        signed."""
    def pay_svm(
        self,
        chosen: X402ChosenOffer,
        seed: _BytesOrHex,
        *,
        recent_blockhash: str,
        decimals: int,
        token_program: str,
        memo_nonce: _BytesOrHex,
        now: int,
    ) -> Union[X402Payment, BudgetRefusal]:
        """Reserves the amount, then builds and partially signs the Solana payment with the
        payer's 32-byte seed, the chain state and 16 random ``memo_nonce`` bytes."""
    def complete(
        self, payment: X402Payment, status: int, headers: Sequence[Tuple[str, str]], body: Optional[bytes] = None
    ) -> PaidAnswer:
        """Reads the answer to the paid retry and ends the payment's reservation by the core's
        verdict: served → committed (``upto``: the receipt's settled amount, the rest back); a
        definitive refusal → released; otherwise kept counted."""

# --- on-chain proofs ------------------------------------------------------------------------

_Commitment = Literal["processed", "confirmed", "finalized"]

@final
class OnchainPayment:
    """An accepted on-chain payment."""

    @property
    def tx_key(self) -> str:
        """The replay-store key, `evm:<chain id>:0x<hash>` or `svm:<signature>`: insert it
        if absent (``accept_once``) so the transaction is accepted once."""
    @property
    def payer(self) -> str:
        """Who paid: an EIP-55 address or a base58 Solana address."""
    @property
    def amount(self) -> int:
        """What the payee received, in atomic units (at least the price)."""
    def __eq__(self, value: object, /) -> bool: ...

def verify_evm_transaction(
    receipt: _Text,
    block: _Text,
    head: _Text,
    transaction: Optional[_Text] = None,
    *,
    chain_id: int,
    tx_hash: _BytesOrHex,
    asset: str,
    pay_to: str,
    min_amount: int,
    max_age_secs: Optional[int] = None,
    min_confirmations: int,
    now: int,
) -> OnchainPayment:
    """Decides an EVM payment proof from the JSON-RPC results as received (``null`` included):
    `receipt` (``eth_getTransactionReceipt``), `block` (``eth_getBlockByNumber`` of the
    receipt's block), `head` (``eth_blockNumber``) and, for native value, `transaction`
    (``eth_getTransactionByHash``). `asset` is the token address or ``"native"``. Raises
    `OnchainError` (``transaction_not_found``, ``transaction_not_final``, ``amount_too_low``, …).
    """
def verify_svm_transaction(
    result: _Text,
    *,
    fetched_at: _Commitment,
    signature: str,
    mint: Optional[str],
    token_program: Optional[str],
    pay_to: str,
    min_amount: int,
    reference: Optional[str] = None,
    max_age_secs: Optional[int] = None,
    min_commitment: _Commitment,
    now: int,
) -> OnchainPayment:
    """Decides a Solana payment proof from a ``getTransaction`` result fetched with
    ``encoding: "jsonParsed"`` at commitment `fetched_at`. `mint` and `token_program` name the
    SPL token (both None: SOL in lamports); `pay_to` is the payee's wallet. Raises `OnchainError`.
    """
def verify_payper402(
    challenge: str,
    decimals: int,
    signature: str,
    result: _Text,
    *,
    fetched_at: _Commitment,
    mint: str,
    token_program: str,
    pay_to: str,
    reference: Optional[str] = None,
    max_age_secs: Optional[int] = None,
    min_commitment: _Commitment,
    now: int,
) -> OnchainPayment:
    """Decides a `PayPer402` payment: the ``WWW-Authenticate`` value the server issued
    (`challenge`, its amount in `decimals`), the transaction signature the client sent and the
    ``getTransaction`` ``jsonParsed`` result fetched at `fetched_at`. The payee, mint and
    reference are the server's own terms. Raises `DialectError` for a malformed challenge, else
    `OnchainError` (``unsupported_network``, ``invalid_transaction_signature``, …).
    """

# --- smart-wallet payers --------------------------------------------------------------------

@final
class SignatureRoute:
    """How a payer's signature is checked once its code (``eth_getCode``) is known."""

    @property
    def route(self) -> Literal["ecdsa", "eip1271", "eip7702_eip1271", "erc6492_counterfactual"]:
        """``ecdsa`` (no code: recover the signer), ``eip1271`` (``isValidSignature`` on the
        payer), ``eip7702_eip1271`` (the same, on an EIP-7702 delegated EOA) or
        ``erc6492_counterfactual`` (deploy through the factory and simulate the transfer)."""
    @property
    def signature(self) -> bytes:
        """The signature to check: an ERC-6492 wrapper's inner signature, else as sent."""
    @property
    def delegate(self) -> Optional[str]:
        """The EIP-7702 delegate (EIP-55) for ``eip7702_eip1271``; else None."""
    @property
    def factory(self) -> Optional[str]:
        """The allow-listed ERC-6492 factory (EIP-55) for ``erc6492_counterfactual``; else None."""
    @property
    def factory_calldata(self) -> Optional[bytes]:
        """The call that deploys the wallet, for ``erc6492_counterfactual``; else None."""
    def __eq__(self, value: object, /) -> bool: ...

def route_signature(
    signature: _BytesOrHex,
    code: _BytesOrHex,
    *,
    allowed_factories: Sequence[str],
) -> SignatureRoute:
    """Routes `signature` (as the payment carries it) on the payer's `code` (``eth_getCode``,
    empty for ``0x``) as the x402 reference facilitator does: code → EIP-1271 (an EIP-7702
    designator is reported), no code and an ERC-6492 wrapper naming an allow-listed factory →
    counterfactual, no code otherwise → ECDSA. `allowed_factories` is the ERC-6492 factory
    allow-list (empty denies every counterfactual payer). Raises `X402Error`
    (``invalid_exact_evm_payload_undeployed_smart_wallet``, ``eip6492_factory_not_allowed``,
    ``invalid_payload``).
    """

class _EvmRpc(Protocol):
    """The RPC `verify_payment_with_rpc` reads the chain through (any object with these two
    methods, e.g. over ``eth_getCode`` and ``eth_call`` at the latest block)."""

    def get_code(self, address: str, /) -> bytes:
        """The code at `address` (EIP-55 text); ``b""`` when there is none (``0x``)."""
    def call(self, to: str, data: bytes, /) -> Optional[bytes]:
        """What ``eth_call`` to `to` with `data` returned, or None when the call reverted. A
        transport failure raises (the verification then fails closed)."""

@final
class RpcVerified:
    """A payment verified with the payer's code known."""

    @property
    def verified(self) -> Verified:
        """The verified payment."""
    @property
    def route(self) -> Optional[Literal["eip1271", "eip7702_eip1271", "erc6492_counterfactual"]]:
        """None for a payer without code (ECDSA recovery), else how its signature was checked."""
    def __eq__(self, value: object, /) -> bool: ...

def verify_payment_with_rpc(
    requirements: _Text,
    payment: _Text,
    rpc: _EvmRpc,
    *,
    now: int,
    allowed_factories: Sequence[str],
    amount: _AmountRule = "exact",
    valid_before_slack: int = 6,
    accepted: _AcceptedMatch = "deep_equal",
    settle_amount: Optional[int] = None,
    facilitator: Optional[str] = None,
) -> RpcVerified:
    """Verifies an x402 EVM payment header against one offered `PaymentRequirements` (JSON
    text) as `verify_payment` does, except that the signature is checked with the payer's code
    known: ``rpc.get_code(payer)`` first, then, for a smart wallet, one ``rpc.call(to, data)``
    (EIP-1271 ``isValidSignature``, or the ERC-6492 deploy-and-transfer simulation through
    Multicall3 for a factory of `allowed_factories`; empty denies every counterfactual payer).
    Raises `X402Error` with the core's code; an RPC that raises is ``rpc_unavailable`` (its
    exception as ``__cause__``), one that returns something else than bytes
    ``invalid_rpc_result``: never a pass.
    """

def page_presentation(
    method: str,
    headers: Sequence[Tuple[str, str]],
    *,
    enabled: bool = True,
    require_mozilla_user_agent: bool = False,
) -> Literal["page", "api"]:
    """`"page"` when the request gets the paywall page, `"api"` when it gets the 402 as is
    (GET/HEAD only, no payment credential, `Sec-Fetch-Dest` absent or `document`, `text/html`
    explicitly accepted at least as much as `application/json`, RFC 9110 §12.5.1)."""
    ...

def page_theme_validate(
    *,
    title: str,
    background: str,
    text: str,
    accent: str,
    accent_text: str,
    lang: str,
    logo: Optional[str] = None,
) -> None:
    """Checks a page theme: title, logo, `#rrggbb` colours with contrast at least 4.5:1 (WCAG
    2.2), language tag. Raises `X402Error` with the core's code (`theme_low_contrast`, …)."""
    ...

@final
class PaywallPage:
    """The paywall page server of one route: the checked template and configuration, the
    page-or-API decision and the page reply for a challenge. Raises `X402Error` with the core's
    code (`template_slot_missing`, `theme_low_contrast`, `page_rpc_invalid`, …)."""

    VARY: ClassVar[str]
    """The `Vary` value of every unpaid 402 on a route that serves the page."""

    def __new__(
        cls,
        template: bytes,
        *,
        title: Optional[str] = None,
        logo: Optional[str] = None,
        background: Optional[str] = None,
        text: Optional[str] = None,
        accent: Optional[str] = None,
        accent_text: Optional[str] = None,
        lang: Optional[str] = None,
        rpc: Sequence[Tuple[str, str]] = ...,
        display: Sequence[Tuple[int, str]] = ...,
        messages: Optional[str] = None,
        show_receipt: bool = False,
        csp: str = "minimal",
        require_mozilla_user_agent: bool = False,
        enabled: bool = True,
    ) -> PaywallPage: ...
    def wants_page(self, method: str, headers: Sequence[Tuple[str, str]]) -> bool:
        """True when the request gets the page rather than the API 402."""
    def reply(
        self,
        status: int,
        headers: Sequence[Tuple[str, str]],
        *,
        url: str,
        description: str = "",
        l402: Optional[Mapping[str, Any]] = None,
    ) -> Reply:
        """The page reply for a 402 challenge (`status`, `headers`): its status and challenge
        headers, the page headers (content type, `Cache-Control`, `Vary`, CSP, …) and the page
        as body; `l402` (`macaroon`, `invoice`, `amount_msat`, `expires_at`) adds the L402 offer."""

_Ws402CommandKind = Literal[
    "send", "send_app_frame", "deliver_to_app", "serve_http", "close", "reserve", "release", "settle", "refund", "finished",
    "persist", "load", "abandoned", "rpc",
]

@final
class Ws402Statement:
    """How a WS402 session ended and its money, to the atomic unit."""

    @property
    def session_id(self) -> str:
        """The wire `sessionId` (32 lowercase hex digits)."""
    @property
    def ending(self) -> Literal["rejected", "ended"]:
        """`rejected`: it never started; `ended`: it ran and the meter ended it."""
    @property
    def reason(self) -> str:
        """The rejection's code (sent in `payment_rejected`, or `connection_closed`) or the end's
        reason (`client_close`, `server_close`, `server_error`, `balance_exhausted`, …)."""
    @property
    def at_ms(self) -> int:
        """When it ended (Unix ms)."""
    @property
    def close_code(self) -> Optional[int]:
        """The close code of an end; None for a rejection or a drop."""
    @property
    def plan(self) -> Optional[Literal["exact", "upto"]]:
        """The plan, once a payment was admitted."""
    @property
    def payer(self) -> Optional[str]:
        """The verified payer, once a payment was admitted."""
    @property
    def paid(self) -> int:
        """The verified amount (`upto`: the signed maximum); 0 before admission."""
    @property
    def consumed(self) -> int:
        """What the session consumed."""
    @property
    def settlement_amount(self) -> Optional[int]:
        """The amount of the prepayment's (`exact`) or the charge's (`upto`) settlement."""
    @property
    def settlement_status(self) -> Optional[Literal["requested", "settled", "refused", "pending", "unavailable"]]:
        """The settlement's state, when one was asked for."""
    @property
    def refund_amount(self) -> Optional[int]:
        """`paid − consumed` owed back (`exact`), when positive."""
    @property
    def refund_status(self) -> Optional[Literal["requested", "confirmed", "pending", "failed", "unsupported"]]:
        """The refund's state (`unsupported`: no order on a Solana payment; the amount stays owed)."""
    @property
    def refund_order(self) -> Optional[RefundOrder]:
        """The order given to the settlement layer."""
    @property
    def finished(self) -> bool:
        """True once nothing more is awaited."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class Ws402Command:
    """One thing the host does, in order; only the fields of its `kind` are set."""

    @property
    def kind(self) -> _Ws402CommandKind:
        """`send` (`text`), `send_app_frame`, `deliver_to_app`, `close` (`code`), `reserve` (`key`,
        `ttl`), `release` (`key`), `settle` (`body`, `amount`), `refund` (`refund`), `finished`
        (`statement`); with a server `secret`: `persist` (`session_id`, `record`, `generation`,
        `expect`, `ttl`), `load` (`session_id`) or `abandoned`; with `chain_proof`: `rpc`
        (`method`, `params`)."""
    @property
    def text(self) -> Optional[str]:
        """`send`: the text frame."""
    @property
    def code(self) -> Optional[int]:
        """`close`: the close code (1000, 1008 or 1011)."""
    @property
    def key(self) -> Optional[bytes]:
        """`reserve`/`release`: the replay key."""
    @property
    def ttl(self) -> Optional[int]:
        """`reserve`, `persist`: seconds to keep the key or the record."""
    @property
    def body(self) -> Optional[bytes]:
        """`settle`: the `/settle` request body."""
    @property
    def amount(self) -> Optional[int]:
        """`settle`: the amount settled."""
    @property
    def refund(self) -> Optional[RefundOrder]:
        """`refund`: the order to pay once."""
    @property
    def statement(self) -> Optional[Ws402Statement]:
        """`finished`: the statement."""
    @property
    def session_id(self) -> Optional[str]:
        """`persist`, `load`: the session id (32 lowercase hex digits), the store's key."""
    @property
    def record(self) -> Optional[bytes]:
        """`persist`: the sealed record."""
    @property
    def generation(self) -> Optional[int]:
        """`persist`: the record's generation."""
    @property
    def expect(self) -> Optional[int]:
        """`persist`: the generation the store must hold (compare-and-swap); None: create."""
    @property
    def method(self) -> Optional[str]:
        """`rpc`: the JSON-RPC method."""
    @property
    def params(self) -> Optional[str]:
        """`rpc`: the JSON-RPC params, JSON text to send verbatim: POST
        `{"jsonrpc":"2.0","id":1,"method":<method>,"params":<params>}` to the chain's RPC URL and
        answer `rpc_response`."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class ChainProofConfig:
    """On-chain prepayments (the original WS402's `{txHash, reference, senderAddress}` proof): the
    client pays `pay_to` on chain `chain_id` itself, in the token `asset` (an ERC-20 address) or,
    with `asset=None`, in the native coin; the core verifies the transaction over the host's RPC
    (`rpc` commands) and refunds `paid − consumed` to the transaction's payer."""

    def __new__(
        cls,
        *,
        chain_id: int,
        pay_to: str,
        asset: Optional[str] = None,
        min_confirmations: Optional[int] = None,
        max_age_seconds: Optional[int] = None,
    ) -> ChainProofConfig: ...
    @property
    def chain_id(self) -> int:
        """The EIP-155 chain id the RPC node serves."""
    @property
    def pay_to(self) -> str:
        """The payee's address (it receives the payments; the refunds are paid from it)."""
    @property
    def asset(self) -> Optional[str]:
        """The ERC-20 token's address; None: the native coin."""
    @property
    def min_confirmations(self) -> int:
        """Confirmations needed (1: included)."""
    @property
    def max_age_seconds(self) -> int:
        """The oldest block time accepted, seconds before the check."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class Ws402Server:
    """A WS402 server: the offers (dicts, as `X402Server`), prepared once, and the session
    policy. Prices are integers of the paid asset's atomic unit. Safe to share between threads."""

    def __new__(
        cls,
        offers: List[Mapping[str, Any]],
        resource: Mapping[str, Any],
        *,
        price_per_second: int,
        max_session_seconds: int,
        price_per_byte_in: Optional[int] = None,
        price_per_byte_out: Optional[int] = None,
        price_per_message: Optional[int] = None,
        update_interval_ms: int = 3000,
        proof_timeout_ms: int = 10000,
        resume_grace_ms: int = 0,
        settle_margin_s: int = 120,
        estimated_duration: Optional[int] = None,
        currency: Optional[str] = None,
        resource_id: Optional[str] = None,
        secret: Optional[bytes] = None,
        lease_ms: int = 0,
        chain_proof: Optional[ChainProofConfig] = None,
    ) -> Ws402Server:
        """Raises `Ws402Error` with the offer codes of `X402Server`, `invalid_server_secret`.
        With `secret` (32 to 64 random bytes, shared by every process of one store) sessions are
        persisted (`persist` commands), `session_started` carries a `resumeToken`, and a
        `resume_session` first frame resumes a session (`load`)."""
    @staticmethod
    def upto_validity_seconds(max_session_seconds: int, *, resume_grace_ms: int = 0, settle_margin_s: int = 120) -> int:
        """Seconds an `upto` authorization must stay valid from its admission: the longest
        session + the resume grace (whole seconds, rounded up) + the settle margin."""
    @property
    def resumable(self) -> bool:
        """True when the server has a `secret`."""
    def recover(
        self, record: bytes, now_ms: int
    ) -> Tuple[Ws402Session, Literal["still_owned", "await_resume", "end", "continue", "done"], Optional[int]]:
        """A session recovered from a stored record after a restart, the decision and its instant
        (`still_owned`: recover again then; `await_resume`: the grace's end). Do
        `session.pending()` first. Raises `Ws402Error` (`record_tampered`, …,
        `session_unsupported` without a secret)."""
    def grant_check(
        self, authorization: Optional[str], resource_url: str, record: Optional[bytes], now_ms: int
    ) -> Tuple[int, Optional[str]]:
        """An HTTP request's `Authorization` for `resource_url` against the session's stored
        `record`: `(200, None)` when granted, else the core's `(status, code)` (402
        `grant_required`; 401 `grant_invalid`, `grant_expired`, `grant_revoked`; 403
        `wrong_resource`, `session_suspended`, `session_ended`)."""
    def issue_grant(
        self, record: bytes, resource_url: str, expires_ms: int, message: Optional[str] = None
    ) -> Tuple[str, str]:
        """An HTTP grant for the session of `record` (its latest stored record) on `resource_url`
        until `expires_ms`, at the record's grant generation: `(token, frame)`, the token for
        `Authorization: WS402 <token>` and the `http_access_granted` frame to send. Raises
        `Ws402Error` (`session_unsupported` without a secret, the record's codes)."""
    @staticmethod
    def grant_session_id(authorization: Optional[str]) -> Optional[str]:
        """The session id a `WS402` grant names, unverified: only to load its record."""
    @staticmethod
    def grant_refusal_body(code: str, schema_url: str) -> Tuple[int, str]:
        """The answer of a grant refusal `code`: `(status, JSON body)`; the 402s
        (`grant_required`, `balance_insufficient`) carry the seed's `error`/`message`, the `code`
        and `schemaUrl`. Raises `ValueError` for an unknown code."""
    @staticmethod
    def grant_elsewhere() -> Tuple[int, str]:
        """The refusal of a granted request whose session has no live session in this process:
        `(403, "session_elsewhere")` (a response that cannot be charged is never served)."""
    def schema(self, ws_url: str) -> bytes:
        """The WS402 schema JSON; `paymentDetails` is the offers' x402 v2 `PaymentRequired`."""
    def schema_at(self, ws_url: str, now_ms: int, reference_random: Union[bytes, str]) -> bytes:
        """The schema at `now_ms` (Unix ms): with `chain_proof`, `paymentDetails` also carries the
        original WS402's fields (`type`, `network`, `chainId`, `recipient`, `amount`, `amountWei`,
        `amountETH`, `currency`, `tokenAddress`, `reference` from `reference_random`, 8 random
        bytes, `expiresAt`); without, as `schema`."""
    def accept(self, now_ms: int, session_id: Union[bytes, str]) -> Ws402Session:
        """A session for a socket opened at `now_ms` (Unix ms); `session_id`: 16 random bytes."""

@final
class Ws402Session:
    """One WS402 session: report each event, do the returned commands in order, arm one timer at
    `timeout`. Each call raises `Ws402Error` (`session_not_started`, `session_suspended`,
    `session_ended`, `session_out_of_order`) when the event does not fit; the session is then
    unchanged."""

    def handle_text(self, now_ms: int, frame: Union[str, bytes]) -> List[Ws402Command]:
        """A text frame from the client."""
    def handle_binary(self, now_ms: int, frame: bytes) -> List[Ws402Command]:
        """A binary frame from the client."""
    def timer(self, now_ms: int) -> List[Ws402Command]:
        """The timer armed at `timeout` fired."""
    def closed(self, now_ms: int, code: Optional[int] = None) -> List[Ws402Command]:
        """The socket closed with `code`, or without a close frame (None: a drop)."""
    def app_ended(self, now_ms: int, error: bool = False) -> List[Ws402Command]:
        """The application ended the session."""
    def app_send(self, now_ms: int, size: int) -> List[Ws402Command]:
        """The application wants to send a frame of `size` bytes: send it only on `send_app_frame`."""
    def http_serve(self, now_ms: int, size: int) -> Tuple[int, Optional[str], List[Ws402Command]]:
        """An HTTP response of `size` body bytes is about to be served under this session's grant:
        `(200, None, commands)` (serve it, then do the commands; the first is `serve_http`), or
        the refusal's `(status, code, [])` (402 `balance_insufficient`; 403 `session_suspended`,
        `session_ended`, `session_elsewhere`): not served, nothing changed."""
    def reserved(self, now_ms: int, answer: Literal["fresh", "already_used", "unavailable"]) -> List[Ws402Command]:
        """The replay store's answer to `reserve`."""
    def settled(self, now_ms: int, response: Optional[bytes]) -> List[Ws402Command]:
        """The `/settle` answer's JSON body, or None when there was none."""
    def refunded(self, now_ms: int, outcome: Literal["confirmed", "pending", "failed"]) -> List[Ws402Command]:
        """The refund's outcome."""
    def persisted(self, now_ms: int, ok: bool) -> List[Ws402Command]:
        """The store's answer to `persist`: True when written, False when another write came first."""
    def loaded(self, now_ms: int, record: Optional[bytes]) -> List[Ws402Command]:
        """The store's answer to `load`: the record, or None."""
    def rpc_response(self, now_ms: int, body: Optional[bytes]) -> List[Ws402Command]:
        """The answer to `rpc`: the whole HTTP response body, or None when the call failed
        (connection error, timeout, HTTP status other than 200)."""
    def pending(self) -> List[Ws402Command]:
        """The commands of a recovered session, to do before anything else."""
    @property
    def timeout(self) -> Optional[int]:
        """When to call `timer` next (Unix ms); None: no timer."""
    @property
    def statement(self) -> Optional[Ws402Statement]:
        """The statement once the session ended."""
    @property
    def phase(self) -> Literal[
        "awaiting_proof", "verifying_transaction", "reserving", "settling_prepayment", "running", "suspended", "settling_charge", "refunding", "finished",
        "loading", "resuming", "not_owner",
    ]:
        """Where the session is."""
    @property
    def session_id(self) -> str:
        """The wire `sessionId` (32 lowercase hex digits)."""
    @property
    def payer(self) -> Optional[str]:
        """The verified payer, once a payment was admitted."""
    @property
    def record_generation(self) -> int:
        """The generation of the last record this session asked to write (0: none yet)."""

_Ws402ClientEventKind = Literal[
    "application", "started", "usage", "balance_exhausted", "max_duration_reached", "http_access_granted",
    "payment_rejected", "resumed", "resume_refused", "ended",
]

@final
class Ws402ClientEvent:
    """What an accepted WS402 server frame means for the client. `kind` says which fields are set;
    the others are None. Amounts are ints of the paid asset's atomic unit."""

    @property
    def kind(self) -> _Ws402ClientEventKind:
        """`application` (not a WS402 server message: the application's frame), `started`,
        `usage`, `balance_exhausted`, `max_duration_reached`, `http_access_granted`,
        `payment_rejected`, `resumed`, `resume_refused` or `ended` (the checked statement)."""
    @property
    def balance(self) -> Optional[int]:
        """`started`: the session's balance (at most what the client authorized)."""
    @property
    def price_per_second(self) -> Optional[int]:
        """`started`: the price, the one the client paid."""
    @property
    def elapsed_seconds(self) -> Optional[int]:
        """`usage`: whole seconds elapsed."""
    @property
    def consumed(self) -> Optional[int]:
        """`usage`, `resumed`, `ended`: the consumed amount."""
    @property
    def remaining(self) -> Optional[int]:
        """`usage`, `resumed`: balance − consumed."""
    @property
    def bytes_transferred(self) -> Optional[int]:
        """`usage`: bytes counted by the server."""
    @property
    def message_count(self) -> Optional[int]:
        """`usage`: messages counted by the server."""
    @property
    def message(self) -> Optional[str]:
        """`balance_exhausted`, `max_duration_reached`, `http_access_granted`: the server's text."""
    @property
    def http_token(self) -> Optional[str]:
        """`http_access_granted`: the token, sent as `Authorization: WS402 <token>`."""
    @property
    def resource_url(self) -> Optional[str]:
        """`http_access_granted`: the resource the token grants."""
    @property
    def reason(self) -> Optional[str]:
        """`payment_rejected`, `resume_refused`: the server's code."""
    @property
    def session_id(self) -> Optional[str]:
        """`ended`: the session id."""
    @property
    def ended_by(self) -> Optional[str]:
        """`ended`: why the session ended (`client_close`, `balance_exhausted`, …)."""
    @property
    def paid(self) -> Optional[int]:
        """`ended`: the balance paid."""
    @property
    def settled(self) -> Optional[int]:
        """`ended`: what the server settled (exact: the whole prepayment; upto: the consumed amount)."""
    @property
    def refund(self) -> Optional[int]:
        """`ended`: what the server refunds (exact: paid − consumed; otherwise 0)."""
    @property
    def payer(self) -> Optional[str]:
        """`ended`: the verified payer, when the server names it."""
    @property
    def settlement_tx(self) -> Optional[str]:
        """`ended`: the settlement transaction, when known."""
    @property
    def refund_tx(self) -> Optional[str]:
        """`ended`: the refund transaction, when known."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class Ws402ClientSession:
    """The client side of one WS402 session. `authorized` is what the payment authorizes (exact:
    the value paid; upto: the signed maximum), `price_per_second` the price of the schema paid.
    Every server text frame goes through `on_text`, which checks it against the client's money
    and the phase; a refused frame raises `Ws402Error` (`server_overcharged`,
    `consumed_decreased`, `balance_mismatch`, `balance_exceeds_authorized`, `price_mismatch`,
    `statement_inconsistent`, `session_id_mismatch`, `before_start`, `after_end`,
    `out_of_phase`, `malformed_message`, …), changes nothing, and the client should close the
    connection. Safe to share between threads."""

    def __new__(cls, authorized: int, price_per_second: int) -> Ws402ClientSession: ...
    def on_text(self, frame: Union[str, bytes]) -> Ws402ClientEvent:
        """Classifies and checks one server text frame."""
    def write_payment_proof(self, header_value: str) -> str:
        """The `payment_proof` frame carrying the x402 payment header value (before the start only)."""
    def write_end_session(self) -> str:
        """The `end_session` frame (while running or closing)."""
    def write_resume_session(self) -> str:
        """The `resume_session` frame for a new connection; the session moves to `resuming`.
        Raises `no_resume_token` when the server gave none."""
    @property
    def phase(self) -> Literal["awaiting_start", "running", "closing", "resuming", "ended", "rejected"]:
        """Where the session is."""
    @property
    def authorized(self) -> int:
        """What the client authorized."""
    @property
    def price_per_second(self) -> int:
        """The price the client paid."""
    @property
    def balance(self) -> int:
        """The session's balance; 0 before the start."""
    @property
    def consumed(self) -> int:
        """The latest accepted consumed amount."""
    @property
    def remaining(self) -> int:
        """balance − consumed."""
    @property
    def session_id(self) -> Optional[str]:
        """The `sessionId` of `session_started`; None before."""
    @property
    def resume_token(self) -> Optional[str]:
        """The `resumeToken` of `session_started`; None when the server does not resume sessions."""
