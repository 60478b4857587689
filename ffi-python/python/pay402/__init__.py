"""pay402: HTTP 402 payments on the ``no_std`` pay402 Rust core.

Everything is implemented by the core (``pay402._native``); this package re-exports it.
Errors are subclasses of :class:`pay402.Error` carrying ``.code`` (the core's stable
snake_case code), ``.message`` and ``.detail_code``.
"""

from ._native import *  # noqa: F401,F403
from ._native import __version__  # noqa: F401
from . import _native

__all__ = [name for name in dir(_native) if not name.startswith("_")]
