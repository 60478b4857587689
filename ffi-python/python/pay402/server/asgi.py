"""ASGI middleware (Starlette, FastAPI, any ASGI 3 app) enforcing x402 and/or L402.

.. code-block:: python

    app.add_middleware(PaymentMiddleware, x402=X402Paywall({"GET /premium": "$0.01"}, ...))
    # or: app = PaymentMiddleware(app, x402=..., l402=...)

A paid x402 response is buffered until the exchange is over (the receipt goes into the
response head); L402 and unprotected routes stream as usual. The admission is in
``scope["pay402"]``. The middleware also carries the per-route prices of
:func:`pay402.server.fastapi.price` dependencies.

A WebSocket handshake on a route the paywall sells is refused with the paywall's answer to an
unpaid GET (the 402 challenge) and never reaches the app; unprotected WebSocket routes pass
through.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, List, MutableMapping, Optional, Tuple

from .gate import Gate, Pending, X402Paywall, make_gate
from .http import Reply, Request
from .l402 import L402Paywall

__all__ = ["PaymentMiddleware", "PaymentRequired", "request_from_scope"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class PaymentRequired(Exception):
    """Raised inside the app (by a dependency) to answer with the gate's reply."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.code or reply.status)
        self.reply = reply


class _Slot:
    def __init__(self, gate: Gate, request: Request, pending: Optional[Pending]) -> None:
        self.gate, self.request, self.pending = gate, request, pending


# x402 payment headers: a WebSocket handshake never pays (see PaymentMiddleware._websocket).
_X402_PAYMENT_HEADERS = (b"payment-signature", b"x-payment")


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
    return Request(method=scope.get("method", "GET"), path=path, url=url, headers=headers, native=scope)


async def send_reply(send: Send, reply: Reply) -> None:
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
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = request_from_scope(scope)
        decision = await self.gate.astart(request)
        if isinstance(decision, Reply):
            await send_reply(send, decision)
            return
        slot = _Slot(self.gate, request, decision)
        scope = dict(scope)
        scope["pay402.slot"] = slot
        if decision is not None:
            scope["pay402"] = decision.admission
        buffering: Dict[str, Any] = {}
        chunks: List[bytes] = []
        others: List[Message] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                if slot.pending is None or slot.pending.admission.kind != "x402":
                    buffering["passthrough"] = True
                    await send(message)
                    return
                buffering.update(message)
            elif buffering.get("passthrough"):
                await send(message)
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))
            else:
                others.append(message)

        try:
            await self.app(scope, receive, capture)
        except PaymentRequired as e:
            await send_reply(send, e.reply)
            return
        except BaseException:
            if slot.pending is not None and not slot.pending.done:
                await slot.pending.afinish(500)  # nothing settled; the reservation is released
            raise
        if buffering.get("passthrough"):
            if slot.pending is not None and not slot.pending.done:
                await slot.pending.afinish(500 if not buffering else 200)
            return
        if slot.pending is None:
            return
        if "status" not in buffering:
            await slot.pending.afinish(500)
            raise RuntimeError("the application sent no http.response.start")
        outcome = await slot.pending.afinish(int(buffering["status"]))
        if isinstance(outcome, Reply):
            await send_reply(send, outcome)
            return
        body = b"".join(chunks)
        headers = [(k, v) for k, v in buffering.get("headers", []) if k.lower() != b"content-length"]
        headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in outcome]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": buffering["status"], "headers": headers})
        await send({"type": "http.response.body", "body": body})
        for message in others:
            await send(message)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A WebSocket handshake on a protected route is refused with the gate's answer to it as
        an unpaid GET (the x402 challenge, or L402's), so a paid route is never open over a
        WebSocket by accident. An x402 payment header on a handshake is not taken: there is no
        response to settle against and nothing to deliver the receipt on (pay402.ws402 sells
        metered WebSocket sessions). An L402 credential or a ``grant`` hook admits it as on HTTP.
        Unprotected routes pass through untouched."""
        unpaid = dict(scope)
        unpaid["headers"] = [(k, v) for k, v in scope.get("headers", []) if k.lower() not in _X402_PAYMENT_HEADERS]
        request = request_from_scope(unpaid)
        decision = await self.gate.astart(request)
        if decision is None:
            await self.app(scope, receive, send)
            return
        if isinstance(decision, Reply):
            await _deny_websocket(scope, receive, send, decision)
            return
        scope = dict(scope)
        scope["pay402"] = decision.admission
        await self.app(scope, receive, send)


async def _deny_websocket(scope: Scope, receive: Receive, send: Send, reply: Reply) -> None:
    """Answers a WebSocket handshake with ``reply`` as an HTTP response when the server offers
    the ASGI ``websocket.http.response`` extension (uvicorn, Starlette's test client), else closes
    it before accepting (the server then answers 403)."""
    message = await receive()
    if message.get("type") != "websocket.connect":
        return
    if "websocket.http.response" in (scope.get("extensions") or {}):
        headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers]
        headers.append((b"content-length", str(len(reply.body)).encode()))
        await send({"type": "websocket.http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": reply.body})
    else:
        await send({"type": "websocket.close", "code": 1008})
