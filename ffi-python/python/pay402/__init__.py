"""pay402: HTTP 402 payments on the ``no_std`` pay402 Rust core.

Everything is implemented by the core and exposed by the extension module ``pay402._native``;
this package re-exports it unchanged (see ``_native.pyi`` for the typed API). Errors are
subclasses of :class:`pay402.Error` carrying ``.code`` (the core's stable snake_case code),
``.message`` and ``.detail_code``.
"""

from ._native import *  # noqa: F401,F403
from ._native import __all__, __version__  # noqa: F401
