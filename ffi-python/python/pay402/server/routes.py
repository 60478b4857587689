"""Route patterns and the route tables of the paywalls.

A pattern is ``"/exact"``, a glob ``"/api/*"`` (``*`` any run of characters, ``?`` one),
``"regex:/item/[0-9]+"`` (a full match), optionally prefixed by methods: ``"GET /weather"``,
``"GET|POST /x"``.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional, Sequence, Tuple, Union

from ..errors import ConfigurationError
from ..prices import Price

__all__ = ["Matcher", "X402Route", "L402Route", "PriceArg", "PayToArg"]

PriceArg = Union[Price, Callable[[Any], Price]]
"""A price, or a callable ``request -> price`` evaluated per request (dynamic pricing)."""

PayToArg = Union[str, Callable[[Any], str]]
"""A payee address, or a callable ``request -> address`` evaluated per request."""


def _split_pattern(pattern: str) -> Tuple[Optional[Tuple[str, ...]], str]:
    """``"GET /weather"`` → ((GET,), "/weather"); ``"/x/*"`` → (None, "/x/*")."""
    parts = pattern.strip().split(None, 1)
    if len(parts) == 2 and not parts[0].startswith("/"):
        return tuple(m.upper() for m in parts[0].split("|")), parts[1]
    return None, pattern.strip()


def _compile_path(path: str) -> Callable[[str], bool]:
    if path.startswith("regex:"):
        rx = re.compile(path[len("regex:"):])
        return lambda p: rx.fullmatch(p) is not None
    if any(c in path for c in "*?["):
        rx = re.compile(fnmatch.translate(path))
        return lambda p: rx.match(p) is not None
    return lambda p: p == path


class Matcher:
    """One compiled pattern: ``matcher(method, path) -> bool``."""

    def __init__(self, pattern: str, methods: Optional[Iterable[str]] = None) -> None:
        from_pattern, path = _split_pattern(pattern)
        if not path.startswith(("/", "regex:")):
            raise ConfigurationError(f"route pattern must start with '/' or 'regex:': {pattern!r}", code="invalid_route")
        self.methods = tuple(m.upper() for m in methods) if methods else from_pattern
        self.path = path
        self.key = (self.methods, self.path)
        self._match = _compile_path(path)

    def __call__(self, method: str, path: str) -> bool:
        return (self.methods is None or method.upper() in self.methods) and self._match(path)


@dataclass
class X402Route:
    """One offer on a protected route. Unset fields take the :class:`~pay402.server.X402Paywall`
    defaults. Several routes with the same pattern are offered together (one 402 lists them all).

    ``price``: ``"$0.01"``/``Decimal`` in display units, ``int`` in atomic units, or a callable
    ``request -> price`` (per request). ``scheme``: ``"exact"`` or ``"upto"`` (the price is the
    maximum; the handler reports the charge with ``admission.charge(amount)``).
    ``transfer_method``: ``"eip3009"`` (default for assets that support it) or ``"permit2"``.
    Solana: ``network="solana-devnet"`` (or CAIP-2), ``asset`` the mint, ``decimals`` and
    ``fee_payer`` (the facilitator's fee payer). ``facilitator``: the facilitator address an
    ``upto`` Permit2 authorization names. ``pay_to`` may be a callable ``request -> address``.
    """

    pattern: str
    price: PriceArg
    methods: Optional[Sequence[str]] = None
    scheme: str = "exact"
    network: Optional[str] = None
    pay_to: Optional[PayToArg] = None
    asset: Optional[str] = None
    decimals: Optional[int] = None
    eip712_name: Optional[str] = None
    eip712_version: Optional[str] = None
    transfer_method: Optional[str] = None
    fee_payer: Optional[str] = None
    facilitator: Optional[str] = None
    description: Optional[str] = None
    mime_type: Optional[str] = None
    max_timeout_seconds: Optional[int] = None
    page: Any = None
    """``False``: this route never serves the paywall page; a
    :class:`~pay402.server.page.PageConfig`: its own page; ``None``: the paywall's."""


@dataclass
class L402Route:
    """One L402-protected route: ``pattern`` as for :class:`X402Route`, ``price_msat``, and an
    optional ``capability`` that the token must grant."""

    pattern: str
    price_msat: int
    methods: Optional[Sequence[str]] = None
    capability: Optional[str] = None
    page: Any = None
    """``False``: this route never serves the paywall page; a
    :class:`~pay402.server.page.PageConfig`: its own page; ``None``: the paywall's."""
