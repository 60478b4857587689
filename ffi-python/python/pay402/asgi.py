"""ASGI middleware (Starlette, FastAPI, any ASGI 3 app) enforcing x402 and/or L402.

.. code-block:: python

    app.add_middleware(PaymentMiddleware, x402=X402Paywall({"GET /premium": "$0.01"}, ...))
    # or: app = PaymentMiddleware(app, x402=..., l402=...)

For a paid x402 route the app's response is buffered until settlement has succeeded (the
receipt header goes into the response head); L402 routes and unprotected routes stream as usual.
The verified payment is in ``scope["pay402"]`` (an :class:`~pay402.server.Admission`), e.g.
``request.scope["pay402"].payer`` in Starlette.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Dict, List, MutableMapping, Optional, Tuple

from .server import Admission, Gate, L402Paywall, Reply, Request, X402Paywall, make_gate

__all__ = ["PaymentMiddleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def request_from_scope(scope: Scope) -> Request:
    headers: List[Tuple[str, str]] = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope.get("headers", [])]
    host = next((v for k, v in headers if k.lower() == "host"), None)
    if host is None:
        server = scope.get("server") or ("localhost", None)
        host = server[0] if server[1] in (None, 80, 443) else f"{server[0]}:{server[1]}"
    path = scope.get("path", "/")
    query = scope.get("query_string", b"")
    url = f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}{path}"
    if query:
        url += "?" + query.decode("latin-1")
    return Request(method=scope.get("method", "GET"), path=path, url=url, headers=headers)


async def _send_reply(send: Send, reply: Reply) -> None:
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers]
    headers.append((b"content-length", str(len(reply.body)).encode()))
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": reply.body})


class PaymentMiddleware:
    """Protects an ASGI app. Pass ``x402=`` (:class:`~pay402.server.X402Paywall`) and/or
    ``l402=`` (:class:`~pay402.server.L402Paywall`), or a ready ``gate=``."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        x402: Optional[X402Paywall] = None,
        l402: Optional[L402Paywall] = None,
        gate: Optional[Gate] = None,
    ) -> None:
        self.app = app
        self.gate = make_gate(x402, l402, gate)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = request_from_scope(scope)
        # admit may block (replay store, invoice provider): keep it off the event loop.
        decision = await asyncio.get_running_loop().run_in_executor(None, self.gate.admit, request)
        if decision is None:
            await self.app(scope, receive, send)
            return
        if isinstance(decision, Reply):
            await _send_reply(send, decision)
            return
        admission: Admission = decision
        scope = dict(scope)
        scope["pay402"] = admission
        if admission.kind != "x402":
            await self.app(scope, receive, send)
            return

        start: Dict[str, Any] = {}
        chunks: List[bytes] = []
        others: List[Message] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))
            else:
                others.append(message)

        await self.app(scope, receive, capture)
        if not start:
            raise RuntimeError("the application sent no http.response.start")
        outcome = await self.gate.afinish(admission, int(start["status"]))
        if isinstance(outcome, Reply):
            await _send_reply(send, outcome)
            return
        body = b"".join(chunks)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in outcome]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": start["status"], "headers": headers})
        await send({"type": "http.response.body", "body": body})
        for message in others:
            await send(message)
