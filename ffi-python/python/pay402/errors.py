"""Errors of the pure-Python layer (server, client, facilitator, prices).

They subclass :class:`pay402.Error`, so ``except pay402.Error`` catches the core's errors and
these alike; each instance has ``.code`` (a stable snake_case code), ``.message`` and
``.detail_code`` like the core's.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any, Mapping, Optional

from ._native import Error

__all__ = [
    "ConfigurationError",
    "PriceError",
    "FacilitatorError",
    "VerifyError",
    "SettleError",
    "PaymentError",
    "BudgetExceeded",
    "MissingExtra",
    "RpcError",
    "LocalSettlementError",
]


class _CodedError(Error):
    def __init__(self, message: str, *, code: str, detail_code: Optional[str] = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail_code = detail_code


class ConfigurationError(_CodedError, ValueError):
    """A middleware, client or facilitator was configured so that it could not fail closed
    (missing ``pay_to``, unknown network or asset, no settlement, …). Raised at construction."""

    def __init__(self, message: str, *, code: str = "misconfigured") -> None:
        super().__init__(message, code=code)


class PriceError(_CodedError, ValueError):
    """A price that is not an exact, positive amount of the asset (``.code``:
    ``invalid_price``, ``sub_unit_amount``, ``zero_price``, ``float_price``)."""


class FacilitatorError(_CodedError):
    """A facilitator call failed: no connection (``facilitator_unreachable``: nothing was sent),
    no answer in time (``facilitator_timeout``), a connection lost once made
    (``facilitator_connection_error``), a non-2xx status (``facilitator_http_error``), a body that
    is not the documented shape (``facilitator_malformed_response``), a payment kind no configured
    facilitator supports (``facilitator_unsupported_kind``), or a ``/settle`` whose outcome is
    unknown (``facilitator_unavailable``, the underlying code in ``.detail_code``; see
    :mod:`pay402.facilitator`). ``.status_code`` and ``.body`` hold what came back."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        status_code: Optional[int] = None,
        body: Optional[Mapping[str, Any]] = None,
        detail_code: Optional[str] = None,
    ) -> None:
        super().__init__(message, code=code, detail_code=detail_code)
        self.status_code = status_code
        self.body = body


class VerifyError(FacilitatorError):
    """The facilitator answered ``isValid: false``; ``.code`` is its ``invalidReason``."""


class SettleError(FacilitatorError):
    """The facilitator answered ``success: false``; ``.code`` is its ``errorReason``."""


class PaymentError(_CodedError):
    """Client side: a 402 could not be paid (no acceptable offer, a second 402 after paying)."""


class BudgetExceeded(PaymentError):
    """Paying would exceed the per-request or the total budget; nothing was signed or paid.
    ``.amount`` is the price asked, ``.remaining`` what the budget still allows."""

    def __init__(self, message: str, *, amount: int, remaining: int, code: str = "budget_exceeded") -> None:
        super().__init__(message, code=code)
        self.amount = amount
        self.remaining = remaining


class RpcError(_CodedError):
    """An Ethereum JSON-RPC call failed (:mod:`pay402.settle`). ``.code``: ``rpc_unreachable`` (no
    configured URL could be connected to: nothing was sent), ``rpc_unavailable`` (every URL failed
    after connecting: timeout, lost connection or HTTP 5xx), ``rpc_send_unknown`` (a
    ``eth_sendRawTransaction`` may have arrived: it is not re-sent elsewhere), ``rpc_http_error``
    (a non-5xx HTTP status), ``rpc_malformed_response`` (not a JSON-RPC answer) or ``rpc_error``
    (the node answered with a JSON-RPC error: ``.rpc_code``, ``.data`` and ``.revert_text``).
    ``.url`` is the last URL tried."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        url: Optional[str] = None,
        rpc_code: Optional[int] = None,
        data: Any = None,
        revert_text: Optional[str] = None,
    ) -> None:
        super().__init__(message, code=code)
        self.url = url
        self.rpc_code = rpc_code
        self.data = data
        self.revert_text = revert_text


class LocalSettlementError(_CodedError):
    """Local settlement (:mod:`pay402.settle`) cannot run as configured; nothing was sent.
    ``.code``: ``chain_id_mismatch`` (the RPC's ``eth_chainId`` is not the configured network's),
    ``missing_settler_key`` (no key given and the environment variable is unset or empty),
    ``invalid_settler_key``, ``unsupported_network`` (not ``eip155:<id>``)."""


class MissingExtra(_CodedError, ModuleNotFoundError):
    """An optional dependency of one feature is not installed. The message names the feature,
    the missing package and the pip extra that installs it (``pip install "pay402[httpx]"``);
    ``.extra`` is that extra, ``.name`` the missing module, ``.code`` ``missing_extra``. It is an
    ``ImportError`` (``ModuleNotFoundError``), so ``except ImportError`` catches it."""

    def __init__(self, feature: str, module: str, extra: str) -> None:
        super().__init__(
            f'{feature} needs the {module!r} package, which is not installed: pip install "pay402[{extra}]"',
            code="missing_extra",
        )
        self.name = module
        self.extra = extra


def require_extra(module: str, extra: str, feature: str) -> ModuleType:
    """Imports ``module`` for ``feature``, or raises :class:`MissingExtra` naming ``extra``."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name is None or not (module == e.name or module.startswith(e.name + ".")):
            raise  # the package is there, something it needs is not: its own error says what
        missing = MissingExtra(feature, e.name, extra)
        raise missing from e
