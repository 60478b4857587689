"""pay402: HTTP 402 payments on the ``no_std`` pay402 Rust core.

The protocol API is implemented by the core and exposed by the extension module
``pay402._native``, re-exported here unchanged (see ``_native.pyi`` for the typed API). Errors are
subclasses of :class:`pay402.Error` carrying ``.code`` (the core's stable snake_case code),
``.message`` and ``.detail_code``.

Pure-Python layers on top (import them explicitly). Their third-party dependencies are pip extras
(``pip install "pay402[fastapi]"``, ``[flask]``, ``[django]``, ``[httpx]``, ``[requests]``,
``[redis]``, ``[all]``); without its extra, a feature raises :class:`pay402.errors.MissingExtra`
naming it, and the rest keeps working:

* :mod:`pay402.prices` — ``"$0.01"`` → atomic units, exactly;
* :mod:`pay402.replay` — single-use stores (memory, Redis);
* :mod:`pay402.server` — x402/L402 paywalls on the core's resource server, with adapters for
  ASGI/FastAPI (:mod:`pay402.server.asgi`, :mod:`pay402.server.fastapi`), Flask
  (:mod:`pay402.server.flask`), Django (:mod:`pay402.server.django`) and WSGI
  (:mod:`pay402.server.wsgi`; :mod:`pay402.asgi` and :mod:`pay402.wsgi` are aliases);
* :mod:`pay402.client` — paying ``httpx`` auth (extra ``httpx``) and ``requests`` adapter (extra
  ``requests``);
* :mod:`pay402.facilitator` — facilitator HTTP client (extra ``httpx``);
* :mod:`pay402.settle` — settle x402 EVM payments yourself (your key, your RPC URLs);
* :mod:`pay402.cli` — the ``pay402`` command.
"""

from typing import Callable as _Callable, Union as _Union

from ._native import *  # noqa: F401,F403
from ._native import __all__ as _native_all
from ._native import __version__  # noqa: F401
from .errors import (  # noqa: F401
    BudgetExceeded,
    ConfigurationError,
    FacilitatorError,
    PaymentError,
    PriceError,
    SettleError,
    VerifyError,
)
from .prices import format_price, price_to_atomic  # noqa: F401
from .replay import MemoryReplayStore, RedisReplayStore, ReplayStore  # noqa: F401
from ._native import (
    X402Message,
    decode_header,
    decode_payment_payload,
    decode_payment_required,
    decode_settle_response,
)
from ._native import (
    bolt11_decode,
    checksum_address,
    eip3009_digest,
    l402_encode_challenges,
    l402_mint,
    l402_verify,
    macaroon_bind,
    offers_decode,
    permit2_digest,
    permit2_sign_payload,
    x402_encode_header,
    x402_payment_header_name,
    x402_select,
    x402_sign,
    x402_verify,
)

# The binding surface (tests/conformance/binding-surface.json) names every operation once per language; these
# three complete Python's x402 codec set with the names JS and Kotlin use.
_X402_DECODERS = {
    "payment_required": decode_payment_required,
    "payment_payload": decode_payment_payload,
    "settle_response": decode_settle_response,
}


def _x402_decoder(kind: str) -> _Callable[..., X402Message]:
    try:
        return _X402_DECODERS[kind]
    except KeyError:
        raise ValueError(
            f"unknown x402 kind {kind!r} (payment_required, payment_payload, settle_response)"
        ) from None


def x402_decode_header(kind: str, header: _Union[str, bytes]) -> X402Message:
    """Decodes the base64 header value of an x402 ``kind`` (``payment_required``,
    ``payment_payload``, ``settle_response``) and re-encodes it canonically."""
    return _x402_decoder(kind)(header)


def x402_decode_json(kind: str, json: _Union[str, bytes]) -> X402Message:
    """Decodes the JSON text of an x402 ``kind`` and re-encodes it canonically."""
    return _x402_decoder(kind)(body=json)


def x402_header_to_json(header: _Union[str, bytes]) -> str:
    """The JSON text inside a base64 x402 header value."""
    return decode_header(header).decode("utf-8")


# Deprecated names, kept so existing code keeps working; use the names on the right.
eip3009_digests = eip3009_digest
permit2_digests = permit2_digest
to_checksum_address = checksum_address
encode_header = x402_encode_header
select_payment = x402_select
sign_payment = x402_sign
verify_any_payment = x402_verify
sign_permit2_payload = permit2_sign_payload
decode_bolt11 = bolt11_decode
bind_for_request = macaroon_bind
l402_challenge_headers = l402_encode_challenges
l402_mint_token = l402_mint
l402_verify_authorization = l402_verify
decode_offers = offers_decode
payment_header_name = x402_payment_header_name

__all__ = list(_native_all) + [
    "BudgetExceeded",
    "ConfigurationError",
    "FacilitatorError",
    "PaymentError",
    "PriceError",
    "SettleError",
    "VerifyError",
    "format_price",
    "price_to_atomic",
    "MemoryReplayStore",
    "RedisReplayStore",
    "ReplayStore",
    "x402_decode_header",
    "x402_decode_json",
    "x402_header_to_json",
]
