"""pay402: HTTP 402 payments on the ``no_std`` pay402 Rust core.

The protocol API is implemented by the core and exposed by the extension module
``pay402._native``, re-exported here unchanged (see ``_native.pyi`` for the typed API). Errors are
subclasses of :class:`pay402.Error` carrying ``.code`` (the core's stable snake_case code),
``.message`` and ``.detail_code``.

Pure-Python layers on top (import them explicitly; their third-party dependencies are optional):

* :mod:`pay402.prices` — ``"$0.01"`` → atomic units, exactly;
* :mod:`pay402.replay` — single-use stores (memory, Redis);
* :mod:`pay402.server`, :mod:`pay402.asgi`, :mod:`pay402.wsgi` — x402/L402 middleware;
* :mod:`pay402.client` — paying ``httpx`` auth and ``requests`` adapter (needs ``httpx``);
* :mod:`pay402.facilitator` — facilitator HTTP client (needs ``httpx``);
* :mod:`pay402.cli` — the ``pay402`` command.
"""

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
]
