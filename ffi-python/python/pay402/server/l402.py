"""L402 (Lightning Labs / aperture) protection on the core's L402 server (``pay402.L402Server``):
the invoice challenge and the credential check, with root keys derived from one server secret,
so an unpaid request stores nothing."""

from __future__ import annotations

import os
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Protocol, Sequence, Tuple, Union

from .._native import Error, L402Admitted, L402Identifier, L402Server, l402_select_challenge
from ..errors import ConfigurationError
from .http import Headers, Request
from .page import PageArg, PaywallHtml, page_server
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

    A request without a valid credential gets the core's 402 with ``WWW-Authenticate: LSAT …``
    and ``L402 …`` challenges: a fresh invoice from ``invoice_provider`` and a macaroon for its
    payment hash, restricted to ``service`` (tier ``tier``), valid for ``token_lifetime``
    seconds, whose root key is derived from ``secret`` (32 to 64 bytes; default: random per
    process — give every worker the same secret) and the token's id: **nothing is stored per
    token**. ``previous_secret`` keeps tokens of a rotated secret valid. ``revoked(root_key_id)
    -> bool`` (optional) is asked for every authentic token; an error in it refuses (fail
    closed). ``network``: the Lightning network of the invoices (``"bitcoin"``, ``"testnet"``,
    ``"signet"``, ``"regtest"``). ``Authorization: L402 <macaroon>:<preimage>`` is verified by
    the core; the preimage proves payment (its hash is the invoice's payment hash).

    ``page``, ``paywall_html``, ``description``: the paywall page browsers get, with the
    invoice, as for :class:`~pay402.server.X402Paywall` (on a route selling both, the x402
    paywall's page serves both offers).
    """

    def __init__(
        self,
        routes: Union[Sequence[L402Route], Mapping[str, int]],
        *,
        service: str,
        invoice_provider: InvoiceProvider,
        secret: Optional[bytes] = None,
        previous_secret: Optional[bytes] = None,
        network: str = "bitcoin",
        revoked: Optional[Callable[[bytes], bool]] = None,
        token_lifetime: int = 3600,
        tier: int = 0,
        clock: Callable[[], float] = time.time,
        root_keys: Optional[RootKeyStore] = None,
        page: PageArg = None,
        paywall_html: Optional[PaywallHtml] = None,
        description: str = "",
    ) -> None:
        if root_keys is not None:
            raise ConfigurationError(
                "L402 root keys are derived from secret= (nothing is stored per token); root_keys= is not used",
                code="root_keys_unsupported",
            )
        if isinstance(routes, Mapping):
            route_list = [L402Route(p, price) for p, price in routes.items()]
        else:
            route_list = list(routes)
        if not route_list:
            raise ConfigurationError("no routes to protect", code="no_routes")
        if not callable(invoice_provider):
            raise ConfigurationError("L402 needs an invoice_provider callable", code="missing_invoice_provider")
        self.secret = os.urandom(32) if secret is None else bytes(secret)
        self.routes: List[Tuple[Matcher, L402Route, L402Server]] = []
        for r in route_list:
            if isinstance(r.price_msat, bool) or not isinstance(r.price_msat, int) or r.price_msat <= 0:
                raise ConfigurationError(f"route {r.pattern!r}: price_msat must be a positive int", code="invalid_price")
            try:
                server = L402Server(service, r.price_msat, network, self.secret, previous_secret=previous_secret,
                                    tier=tier, token_lifetime=token_lifetime)
            except Error as e:
                raise ConfigurationError(f"route {r.pattern!r}: {e}", code=e.code) from e
            self.routes.append((Matcher(r.pattern, r.methods), r, server))
        self.service = service
        self.invoice_provider = invoice_provider
        self.revoked = revoked
        self.clock = clock
        self.page = page_server(page)
        self.paywall_html = paywall_html
        self.description = description
        # routes with their own page= (False: none), built and checked once
        self._route_pages = {id(r): page_server(r.page) for _, r, _ in self.routes if r.page is not None}

    def match(self, method: str, path: str) -> Optional[L402Route]:
        for m, r, _ in self.routes:
            if m(method, path):
                return r
        return None

    def _server(self, route: L402Route) -> L402Server:
        return next(s for _, r, s in self.routes if r is route)

    def challenge(self, route: L402Route, request: Request) -> Headers:
        """The ``WWW-Authenticate`` challenges for a fresh invoice (the core checks the invoice
        against the price and the payment hash)."""
        invoice, payment_hash = self.invoice_provider(route.price_msat, request)
        try:
            c = self._server(route).challenge(invoice, bytes(payment_hash), os.urandom(32), int(self.clock()))
        except Error as e:
            raise ConfigurationError(f"invoice_provider returned an unusable invoice: {e}", code=e.code) from e
        return list(c.headers)

    def page_for(self, route: L402Route) -> Any:
        """The route's page server: its own ``page=``, else the paywall's (None: no page)."""
        return self._route_pages.get(id(route), self.page)

    def page_offer(self, route: L402Route, headers: Headers) -> Dict[str, Any]:
        """The L402 offer the paywall page shows: the core's own challenge (``headers``, from
        :meth:`challenge`) read back by the core, and the route's price."""
        chosen = l402_select_challenge([v for k, v in headers if k.lower() == "www-authenticate"])
        return {"macaroon": chosen.macaroon, "invoice": chosen.invoice, "amount_msat": route.price_msat}

    def has_credential(self, request: Request) -> bool:
        for v in request.header_values("authorization"):
            scheme = v.strip().split(" ", 1)[0].upper()
            if scheme in ("L402", "LSAT"):
                return True
        return False

    def admit(self, route: L402Route, request: Request) -> Union[L402Identifier, Tuple[int, str]]:
        """The verified token's identifier, or ``(status, error code)`` (the core's)."""
        outcome = self._server(route).admit(
            list(request.header_values("authorization")), int(self.clock()), capability=route.capability,
            revoked=self.revoked,
        )
        if isinstance(outcome, L402Admitted):
            return L402Identifier(outcome.payment_hash, outcome.token_id)
        return int(outcome.status), str(outcome.code)
