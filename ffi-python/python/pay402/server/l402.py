"""L402 (Lightning Labs / aperture) protection: the invoice challenge and the credential check."""

from __future__ import annotations

import os
import time
from typing import Callable, Dict, Mapping, Optional, Protocol, Sequence, Tuple, Union

from .._native import (
    Bolt11Error,
    Error,
    L402Error,
    L402Identifier,
    bolt11_decode,
    l402_encode_challenges,
    l402_mint,
    l402_services_caveat,
    l402_valid_until_caveat,
    l402_verify,
)
from ..errors import ConfigurationError
from .http import Headers, Request
from .routes import L402Route, Matcher

__all__ = ["RootKeyStore", "MemoryRootKeyStore", "InvoiceProvider", "L402Paywall", "L402Route"]


class RootKeyStore(Protocol):
    """Root keys of minted L402 tokens, keyed by ``L402Identifier.root_key_id``."""

    def new_key(self, root_key_id: bytes) -> bytes:
        """Creates, stores and returns a fresh 32-byte root key for a new token."""
        ...

    def get(self, root_key_id: bytes) -> Optional[bytes]:
        """The root key of a token, or None if unknown (revoked)."""
        ...


class MemoryRootKeyStore:
    """Random 32-byte root keys in a dict (one process; tokens die with it)."""

    def __init__(self) -> None:
        import threading

        self._keys: Dict[bytes, bytes] = {}
        self._lock = threading.Lock()

    def new_key(self, root_key_id: bytes) -> bytes:
        key = os.urandom(32)
        with self._lock:
            self._keys[root_key_id] = key
        return key

    def get(self, root_key_id: bytes) -> Optional[bytes]:
        with self._lock:
            return self._keys.get(root_key_id)

    def revoke(self, root_key_id: bytes) -> None:
        with self._lock:
            self._keys.pop(root_key_id, None)


InvoiceProvider = Callable[[int, Request], Tuple[str, bytes]]
"""``(amount_msat, request) -> (bolt11 invoice, 32-byte payment hash)``, e.g. from your node."""


class L402Paywall:
    """L402 (Lightning Labs / aperture) protection of routes.

    On a request without a valid credential the middleware answers 402 with
    ``WWW-Authenticate: LSAT …`` and ``L402 …`` challenges: a fresh invoice from
    ``invoice_provider`` and a macaroon minted for its payment hash, restricted to ``service``
    (tier ``tier``) and valid for ``token_lifetime`` seconds. A request with
    ``Authorization: L402 <macaroon>:<preimage>`` is verified by the core against
    ``root_keys``. The preimage proves payment (its hash is the invoice's payment hash).
    """

    def __init__(
        self,
        routes: Union[Sequence[L402Route], Mapping[str, int]],
        *,
        service: str,
        invoice_provider: InvoiceProvider,
        root_keys: Optional[RootKeyStore] = None,
        token_lifetime: int = 3600,
        tier: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if isinstance(routes, Mapping):
            route_list = [L402Route(p, price) for p, price in routes.items()]
        else:
            route_list = list(routes)
        if not route_list:
            raise ConfigurationError("no routes to protect", code="no_routes")
        for r in route_list:
            if isinstance(r.price_msat, bool) or not isinstance(r.price_msat, int) or r.price_msat <= 0:
                raise ConfigurationError(f"route {r.pattern!r}: price_msat must be a positive int", code="invalid_price")
        if not service or not callable(invoice_provider):
            raise ConfigurationError("L402 needs a service name and an invoice_provider callable")
        if token_lifetime <= 0:
            raise ConfigurationError("token_lifetime must be positive")
        self.routes = [(Matcher(r.pattern, r.methods), r) for r in route_list]
        self.service = service
        self.invoice_provider = invoice_provider
        self.root_keys: RootKeyStore = root_keys if root_keys is not None else MemoryRootKeyStore()
        self.token_lifetime = token_lifetime
        self.tier = tier
        self.clock = clock

    def match(self, method: str, path: str) -> Optional[L402Route]:
        for m, r in self.routes:
            if m(method, path):
                return r
        return None

    def challenge(self, route: L402Route, request: Request) -> Headers:
        invoice, payment_hash = self.invoice_provider(route.price_msat, request)
        decoded = bolt11_decode(invoice)
        if decoded.payment_hash != bytes(payment_hash):
            raise ConfigurationError("invoice_provider returned a payment hash that is not the invoice's")
        if decoded.amount_msat is not None and decoded.amount_msat != route.price_msat:
            raise ConfigurationError(
                f"invoice_provider returned an invoice for {decoded.amount_msat} msat, route price is {route.price_msat}"
            )
        ident = L402Identifier(payment_hash, os.urandom(32))
        root_key = self.root_keys.new_key(ident.root_key_id)
        caveats = [
            l402_services_caveat([(self.service, self.tier)]),
            l402_valid_until_caveat(self.service, int(self.clock()) + self.token_lifetime),
        ]
        token = l402_mint(root_key, ident, caveats=caveats)
        return [("WWW-Authenticate", v) for v in l402_encode_challenges(token, invoice)]

    def has_credential(self, request: Request) -> bool:
        for v in request.header_values("authorization"):
            scheme = v.strip().split(" ", 1)[0].upper()
            if scheme in ("L402", "LSAT"):
                return True
        return False

    def admit(self, route: L402Route, request: Request) -> Union[L402Identifier, Tuple[int, str]]:
        """The verified token's identifier, or ``(402, error code)``."""
        values = [v for v in request.header_values("authorization")
                  if v.strip().split(" ", 1)[0].upper() in ("L402", "LSAT")]
        try:
            ident = l402_verify(
                values, self.root_keys.get, service=self.service, now=int(self.clock()), capability=route.capability
            )
        except (L402Error, Bolt11Error) as e:
            return 402, e.code
        except Error as e:
            return 402, e.code
        return ident
