"""``PaymentMiddleware`` and WebSocket routes: a WebSocket handshake on a route the paywall sells
is refused with the paywall's own answer (the x402 challenge, 402), never opened for free, and an
x402 payment header on a handshake is not taken (nothing reserved, nothing settled). Unprotected
WebSocket routes pass through. Exercised with Starlette's test client, which offers the ASGI
``websocket.http.response`` extension, and as a raw ASGI call without it (close before accept)."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, List

import pytest

pytest.importorskip("httpx", reason="httpx not installed (ffi-python/tests/requirements-web.txt)")
pytest.importorskip("starlette", reason="starlette not installed (ffi-python/tests/requirements-web.txt)")

from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import PlainTextResponse  # noqa: E402
from starlette.routing import Route, WebSocketRoute  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402
from starlette.websockets import WebSocket  # noqa: E402

import pay402  # noqa: E402
from pay402.server import X402Paywall  # noqa: E402
from pay402.server.asgi import PaymentMiddleware  # noqa: E402
from web_support import PAY_TO, CountingSettlement, x402_payer  # noqa: E402

WebSocketDenialResponse = pytest.importorskip("starlette.testclient").WebSocketDenialResponse


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("echo " + await websocket.receive_text())
    await websocket.close()


async def page(request: Request) -> PlainTextResponse:
    return PlainTextResponse("paid page")


def app_with(settlement: CountingSettlement) -> Any:
    app = Starlette(routes=[
        WebSocketRoute("/stream", echo), Route("/stream", page), WebSocketRoute("/free", echo),
    ])
    paywall = X402Paywall({"GET /stream": "$0.01"}, network="eip155:84532", pay_to=PAY_TO, settlement=settlement)
    return PaymentMiddleware(app, x402=paywall)


def offered_amount(headers: Any) -> int:
    required = pay402.decode_payment_required(headers["payment-required"]).json
    return int(json.loads(required)["accepts"][0]["amount"])


def test_an_unpaid_handshake_on_a_sold_route_gets_the_x402_challenge() -> None:
    settlement = CountingSettlement()
    client = TestClient(app_with(settlement))
    with pytest.raises(WebSocketDenialResponse) as denied:
        with client.websocket_connect("/stream"):
            pytest.fail("the handshake was accepted")
    assert denied.value.status_code == 402
    assert offered_amount(denied.value.headers) == 10_000  # $0.01 in USDC's 6 decimals
    assert settlement.calls == []


def test_a_paid_handshake_is_refused_and_its_payment_stays_unspent() -> None:
    settlement = CountingSettlement()
    client = TestClient(app_with(settlement))
    challenge = client.get("/stream")
    assert challenge.status_code == 402
    payer = x402_payer()
    required = payer.payment_required(challenge.status_code, challenge.headers, challenge.content)
    assert required is not None
    name, value = payer.pay(required)
    with pytest.raises(WebSocketDenialResponse) as denied:
        with client.websocket_connect("/stream", headers={name: value}):
            pytest.fail("a paid handshake was accepted")
    assert denied.value.status_code == 402
    assert settlement.calls == []  # nothing settled on the handshake
    # Nothing was reserved either: the same authorization still buys the HTTP resource, once.
    paid = client.get("/stream", headers={name: value})
    assert (paid.status_code, paid.text) == (200, "paid page")
    assert [c.requirements["amount"] for c in settlement.calls] == ["10000"]
    assert client.get("/stream", headers={name: value}).status_code == 402


def test_unprotected_websocket_routes_pass_through() -> None:
    client = TestClient(app_with(CountingSettlement()))
    with client.websocket_connect("/free") as ws:
        ws.send_text("hi")
        assert ws.receive_text() == "echo hi"


def test_without_the_denial_extension_the_handshake_is_closed_before_accept() -> None:
    reached: List[str] = []

    async def app(scope: Dict[str, Any], receive: Any, send: Any) -> None:
        reached.append(scope["path"])

    middleware = PaymentMiddleware(app, x402=X402Paywall(
        {"GET /stream": "$0.01"}, network="eip155:84532", pay_to=PAY_TO, settlement=CountingSettlement()))
    scope = {"type": "websocket", "path": "/stream", "raw_path": b"/stream", "query_string": b"",
             "headers": [(b"host", b"testserver")], "scheme": "ws", "server": ("testserver", 80),
             "subprotocols": [], "asgi": {"version": "3.0"}}
    sent: List[Dict[str, Any]] = []
    inbox = [{"type": "websocket.connect"}]

    async def receive() -> Dict[str, Any]:
        return inbox.pop(0)

    async def send(message: Dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(middleware(scope, receive, send))
    assert reached == []
    assert sent == [{"type": "websocket.close", "code": 1008}]
