"""The selling side of the Fewsats offers flow (https://github.com/l402-protocol/l402, v0.2.2),
with ASGI and WSGI adapters.

1. A protected request without ``Authorization: Bearer <payment_context_token>`` gets **402**
   with the offers body (a fresh, server-signed ``payment_context_token``).
2. The client ``POST``\\ s ``{offer_id, payment_method, payment_context_token}`` to the
   ``payment_request_url``; the server asks your *payment details provider* for a Lightning
   invoice, an on-chain address or a checkout URL and answers with it and ``expires_at``.
3. The payment gateway ``POST``\\ s the webhook, signed ``Fewsats-Signature: t=…,v1=…``
   (HMAC-SHA256 of ``"<t>.<raw body>"``); the signature is checked in constant time, the
   event's amount and currency against the offer, and the grant is credited to the token's
   ledger record exactly once (a replayed webhook is acknowledged as ``duplicate``).
4. The client retries with ``Authorization: Bearer <payment_context_token>``: the ledger
   (one-time, top-up credits, subscription expiry) decides, and the content is served.

Every status, header, body, verdict and expiry comes from the Rust core
(``pay402._native.OffersServer``); this module only moves bytes, keeps the records and replay
keys (:class:`MemoryOffersStore`, or your own store with the same four methods) and calls your
provider.

.. code-block:: python

    paywall = OffersPaywall(
        offers, protect={"/premium"},
        payment_request_url="https://api.example/payment-request",
        webhook_secret=b"whsec_…", secret=os.urandom(32),
        payment_details=lambda ask: PaymentDetails(lightning_invoice=my_node.invoice(ask)),
    )
    app = OffersMiddleware(app, paywall)          # ASGI; OffersWSGIMiddleware for WSGI
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from http import HTTPStatus
from dataclasses import dataclass, field
from typing import (
    Any,
    Callable,
    ContextManager,
    Dict,
    Iterable,
    List,
    MutableMapping,
    Optional,
    Protocol,
    Sequence,
    Tuple,
    Union,
)

from ._native import (
    Access,
    OffersPaymentAsk,
    OffersReply,
    OffersServe,
    OffersServer,
    OffersWebhookPaid,
    OFFERS_MAX_BODY_BYTES,
)

__all__ = [
    "MemoryOffersStore",
    "OffersAccess",
    "OffersMiddleware",
    "OffersPaywall",
    "OffersStore",
    "OffersWSGIMiddleware",
    "PaymentDetails",
    "Response",
]

Headers = List[Tuple[str, str]]


@dataclass(frozen=True)
class PaymentDetails:
    """What your provider returns for a payment request: the detail the method needs
    (``lightning`` → ``lightning_invoice``, ``onchain`` → ``address``, any other method →
    ``checkout_url``) and optionally when it expires (unix seconds; the answer's ``expires_at``
    is the earlier of this and ten minutes)."""

    lightning_invoice: Optional[str] = None
    checkout_url: Optional[str] = None
    address: Optional[str] = None
    expires_at: Optional[int] = None


@dataclass(frozen=True)
class Response:
    """An HTTP answer the core decided."""

    status: int
    headers: Headers
    body: bytes
    error: Optional[str] = None

    @staticmethod
    def of(reply: OffersReply) -> "Response":
        return Response(reply.status, list(reply.headers), bytes(reply.body), reply.error)


@dataclass(frozen=True)
class OffersAccess:
    """A paid request to serve: the caller's ``token`` (account) and how the ledger allowed it."""

    token: str
    access: Access


class OffersStore(Protocol):
    """Entitlement records by token and single-use webhook keys. ``atomic()`` must make a
    read-decide-write (of records and keys) atomic across every process serving the paywall."""

    def atomic(self) -> ContextManager[Any]: ...

    def get(self, token: str) -> Optional[bytes]: ...

    def put(self, token: str, record: bytes) -> None: ...

    def claim(self, key: str, expires_at: int, now: int) -> bool:
        """Inserts ``key`` until ``expires_at`` unless present; ``True`` when inserted."""
        ...


class MemoryOffersStore:
    """An in-process store (one lock): for one process, tests and examples."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._records: Dict[str, bytes] = {}
        self._keys: Dict[str, int] = {}

    def atomic(self) -> ContextManager[Any]:
        return self._lock

    def get(self, token: str) -> Optional[bytes]:
        with self._lock:
            return self._records.get(token)

    def put(self, token: str, record: bytes) -> None:
        with self._lock:
            self._records[token] = bytes(record)

    def claim(self, key: str, expires_at: int, now: int) -> bool:
        with self._lock:
            for k in [k for k, exp in self._keys.items() if exp <= now]:
                del self._keys[k]
            if key in self._keys:
                return False
            self._keys[key] = expires_at
            return True


def _header(headers: Iterable[Tuple[str, str]], name: str) -> Optional[str]:
    lname = name.lower()
    return next((v for k, v in headers if k.lower() == lname), None)


@dataclass
class OffersPaywall:
    """The framework-neutral server: :meth:`handle` takes a request (method, path, headers,
    body) and returns a :class:`Response` to send, an :class:`OffersAccess` (serve the
    resource) or ``None`` (not a route of this paywall).

    ``offers``: the offers sold (a JSON array, str/bytes, or a list of dicts); ``protect``: the
    paths sold; ``payment_request_path`` / ``webhook_path``: where this server answers payment
    requests and webhooks; ``payment_details``: your provider, called with the checked
    :class:`~pay402._native.OffersPaymentAsk`. ``clock`` and ``random`` are injectable for
    tests.
    """

    offers: Any
    protect: Sequence[str]
    payment_request_url: str
    webhook_secret: bytes
    secret: bytes
    payment_details: Callable[[OffersPaymentAsk], PaymentDetails]
    store: OffersStore = field(default_factory=MemoryOffersStore)
    payment_request_path: str = "/payment-request"
    webhook_path: str = "/offers/webhook"
    terms_url: Optional[str] = None
    webhook_tolerance_seconds: int = 300
    payment_request_lifetime_seconds: int = 600
    clock: Callable[[], float] = time.time
    random: Callable[[int], bytes] = os.urandom
    server: OffersServer = field(init=False, repr=False)

    def __post_init__(self) -> None:
        import json

        offers = self.offers
        if not isinstance(offers, (str, bytes)):
            offers = json.dumps(list(offers))
        self.server = OffersServer(
            offers,
            payment_request_url=self.payment_request_url,
            webhook_secret=self.webhook_secret,
            secret=self.secret,
            terms_url=self.terms_url,
            webhook_tolerance_seconds=self.webhook_tolerance_seconds,
            payment_request_lifetime_seconds=self.payment_request_lifetime_seconds,
        )

    def _now(self) -> int:
        return int(self.clock())

    def wants_body(self, method: str, path: str) -> bool:
        """Whether :meth:`handle` needs the request body (payment requests and webhooks)."""
        return method.upper() == "POST" and path in (self.payment_request_path, self.webhook_path)

    def handle(
        self, method: str, path: str, headers: Sequence[Tuple[str, str]], body: bytes = b""
    ) -> Union[Response, OffersAccess, None]:
        if method.upper() == "POST" and path == self.payment_request_path:
            return self.payment_request(body)
        if method.upper() == "POST" and path == self.webhook_path:
            return self.webhook(_header(headers, "Fewsats-Signature"), body)
        if path in self.protect:
            return self.request(_header(headers, "Authorization"))
        return None

    def request(self, authorization: Optional[str]) -> Union[Response, OffersAccess]:
        """A protected request: the ledger of the bearer's token decides (402 challenge,
        401 for a token this server did not mint, or serve)."""
        account = self.server.account(authorization)
        if isinstance(account, OffersReply):
            return Response.of(account)
        now = self._now()
        with self.store.atomic():
            record = self.store.get(account) if account is not None else None
            outcome = self.server.request(authorization, record, now=now, random=self.random(16))
            if isinstance(outcome, OffersReply):
                return Response.of(outcome)
            serve: OffersServe = outcome
            if serve.record is not None:
                self.store.put(serve.token, serve.record)
        return OffersAccess(serve.token, serve.access)

    def payment_request(self, body: bytes) -> Response:
        ask = self.server.payment_request(body)
        if isinstance(ask, OffersReply):
            return Response.of(ask)
        details = self.payment_details(ask)
        return Response.of(
            self.server.payment_request_reply(
                body,
                now=self._now(),
                lightning_invoice=details.lightning_invoice,
                checkout_url=details.checkout_url,
                address=details.address,
                expires_at=details.expires_at,
            )
        )

    def webhook(self, signature: Optional[str], body: bytes) -> Response:
        now = self._now()
        verdict = self.server.webhook(signature, body, now=now)
        if isinstance(verdict, OffersReply):
            return Response.of(verdict)
        paid: OffersWebhookPaid = verdict
        with self.store.atomic():
            credited = OffersServer.credit(self.store.get(paid.token), paid.grant, paid.paid_at)
            if isinstance(credited, OffersReply):
                return Response.of(credited)
            if not self.store.claim(paid.replay_key, paid.replay_expires_at, now):
                return Response.of(OffersServer.webhook_ack("duplicate"))
            self.store.put(paid.token, credited)
        return Response.of(OffersServer.webhook_ack("granted"))


# --------------------------------------------------------------------------------- ASGI

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]


async def _send(send: Callable[[Message], Any], r: Response) -> None:
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in r.headers]
    headers.append((b"content-length", str(len(r.body)).encode()))
    await send({"type": "http.response.start", "status": r.status, "headers": headers})
    await send({"type": "http.response.body", "body": r.body})


class OffersMiddleware:
    """ASGI middleware (Starlette, FastAPI, any ASGI 3 app). A served request carries its
    :class:`OffersAccess` in ``scope["pay402_offers"]``."""

    def __init__(self, app: Any, paywall: OffersPaywall) -> None:
        self.app = app
        self.paywall = paywall

    async def __call__(self, scope: Scope, receive: Callable[[], Any], send: Callable[[Message], Any]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = str(scope.get("method", "GET"))
        path = str(scope.get("path", "/"))
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope.get("headers", [])]
        body = b""
        if self.paywall.wants_body(method, path):
            # Read one byte past the core's limit at most: the server refuses a longer body (413).
            chunks: List[bytes] = []
            size = 0
            more = True
            while more and size <= OFFERS_MAX_BODY_BYTES:
                message = await receive()
                chunk = bytes(message.get("body", b""))
                chunks.append(chunk[: OFFERS_MAX_BODY_BYTES + 1 - size])
                size += len(chunk)
                more = bool(message.get("more_body", False))
            body = b"".join(chunks)
        # The store and the provider may block: keep them off the event loop.
        decision = await asyncio.get_running_loop().run_in_executor(
            None, self.paywall.handle, method, path, headers, body
        )
        if decision is None:
            await self.app(scope, receive, send)
        elif isinstance(decision, Response):
            await _send(send, decision)
        else:
            scope = dict(scope)
            scope["pay402_offers"] = decision
            await self.app(scope, receive, send)


# --------------------------------------------------------------------------------- WSGI


class OffersWSGIMiddleware:
    """WSGI middleware (Flask, Django's WSGI handler, any WSGI app). A served request carries
    its :class:`OffersAccess` in ``environ["pay402_offers"]``."""

    def __init__(self, app: Any, paywall: OffersPaywall) -> None:
        self.app = app
        self.paywall = paywall

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD", "GET"))
        path = str(environ.get("PATH_INFO", "/") or "/")
        headers = [
            (k[5:].replace("_", "-").title(), str(v)) for k, v in environ.items() if k.startswith("HTTP_")
        ]
        body = b""
        if self.paywall.wants_body(method, path):
            try:
                length = max(0, int(environ.get("CONTENT_LENGTH") or 0))
            except ValueError:
                length = 0  # PEP 3333: no usable length, nothing to read
            # One byte past the core's limit at most: the server refuses a longer body (413).
            length = min(length, OFFERS_MAX_BODY_BYTES + 1)
            body = environ["wsgi.input"].read(length) if length else b""
        decision = self.paywall.handle(method, path, headers, body)
        if decision is None:
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        if isinstance(decision, Response):
            return self._reply(start_response, decision)
        environ["pay402_offers"] = decision
        return self.app(environ, start_response)  # type: ignore[no-any-return]

    @staticmethod
    def _reply(start_response: Callable[..., Any], r: Response) -> List[bytes]:
        start_response(
            f"{r.status} {HTTPStatus(r.status).phrase}",
            list(r.headers) + [("Content-Length", str(len(r.body)))],
        )
        return [r.body]
