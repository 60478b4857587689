"""``pay402.ws402.connect`` over real sockets: the client pays ``Ws402Endpoint`` (uvicorn on 127.0.0.1) with
``X402Payer`` and follows the session through the core's client tracker; a hand-written lying server shows
that a frame the tracker refuses ends the session. The server's clock is injected: the expected amounts are
``floor(price × ms / 1000)`` on the test's timeline."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, List

import pytest

pytest.importorskip("websockets", reason="websockets not installed (ffi-python/tests/requirements-web.txt)")
pytest.importorskip("starlette", reason="starlette not installed (ffi-python/tests/requirements-web.txt)")

from pay402.client import Budget, X402Payer  # noqa: E402
from pay402.ws402 import Ws402ClientError, Ws402ServerSession, connect  # noqa: E402
from test_ws402_endpoint import T_MS, Clock, Recorder, consumed, endpoint, until  # noqa: E402
from web_support import KEY, uvicorn_server  # noqa: E402


def payer(clock: Clock, budget: int) -> X402Payer:
    return X402Payer(KEY, networks=["eip155:84532"], budget=Budget(per_request=budget, total=budget), clock=clock)


def test_exact_session_through_connect_ends_with_end_session_and_is_billed_to_the_ms() -> None:
    per_second, estimated = 200, 50
    paid = per_second * estimated
    rec, clock = Recorder(), Clock()
    ep = endpoint(rec, clock, price_per_second=per_second, estimated_duration=estimated)

    @ep.session
    async def handler(session: Ws402ServerSession) -> None:
        async for msg in session:
            await session.send_text(f"echo {msg}")

    with uvicorn_server(ep.asgi) as url:
        async def main() -> Any:
            p = payer(clock, paid)
            async with connect(url, p) as session:
                assert session.balance == paid and session.consumed == 0
                await session.send("hi")
                async for frame in session:
                    assert frame == "echo hi"
                    break
                clock.ms = T_MS + 1_000
                await until(lambda: session.consumed > 0)
                assert (session.consumed, session.remaining) == (consumed(per_second, 1_000, paid), paid - consumed(per_second, 1_000, paid))
                clock.ms = T_MS + 2_345
            await until(lambda: bool(ep.statements))
            return session, p

        session, p = asyncio.run(main())
    used = consumed(per_second, 2_345, paid)
    st = ep.statements[0]
    assert (st.reason, st.consumed) == ("client_close", used)
    assert session.ended and session.close_code == 1000
    assert session.consumed == used  # the final usage_update before the close
    assert rec.settled == [paid] and [o.amount for o in rec.refunds] == [paid - used]
    assert p.budget.spent == paid  # exact: the prepayment was taken (its refund arrives on chain)


def test_upto_session_commits_only_the_consumed_amount_to_the_budget() -> None:
    per_second, estimated = 1_000, 60
    maximum = per_second * estimated
    rec, clock = Recorder(), Clock()
    ep = endpoint(rec, clock, scheme="upto", price_per_second=per_second, estimated_duration=estimated,
                  max_session_duration=600)

    @ep.session
    async def handler(session: Ws402ServerSession) -> None:
        await session.send_text("quote")
        async for _ in session:
            pass

    async def main(url: str) -> Any:
        p = payer(clock, maximum)
        quotes: List[str] = []
        async with connect(url, p) as session:
            async for frame in session:
                quotes.append(str(frame))
                clock.ms = T_MS + 4_321
                break
        await until(lambda: bool(ep.statements))
        return session, p, quotes

    with uvicorn_server(ep.asgi) as url:
        session, p, quotes = asyncio.run(main(url))
    used = consumed(per_second, 4_321, maximum)
    assert quotes == ["quote"]
    assert rec.settled == [used] and rec.refunds == []
    assert session.consumed == used and p.budget.spent == used


def test_a_rejected_payment_raises_with_the_servers_reason() -> None:
    rec, clock = Recorder(), Clock()
    # an upto authorization shorter than the longest session cannot pay for it
    ep = endpoint(rec, clock, scheme="upto", price_per_second=10, estimated_duration=60, max_session_duration=3600,
                  max_timeout_seconds=600)

    async def main(url: str) -> None:
        async with connect(url, payer(clock, 600)):
            raise AssertionError("the session must not start")

    with uvicorn_server(ep.asgi) as url:
        with pytest.raises(Ws402ClientError) as info:
            asyncio.run(main(url))
    assert info.value.code == "authorization_too_short"
    assert rec.settled == []


async def lying_server(scope: Dict[str, Any], receive: Any, send: Any) -> None:
    """Serves the real schema, then claims a balance above what the client authorized."""
    if scope["type"] == "http":
        body = SCHEMA["body"]
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})
        return
    if scope["type"] != "websocket":
        return
    await receive()
    await send({"type": "websocket.accept"})
    proof = await receive()
    assert json.loads(proof["text"])["type"] == "payment_proof"
    paid = int(json.loads(SCHEMA["body"])["pricing"]["totalPrice"])
    await send({"type": "websocket.send", "text": json.dumps(
        {"type": "session_started", "sessionId": "00" * 16, "balance": str(paid * 2), "pricePerSecond": "10"})})
    while (await receive())["type"] != "websocket.disconnect":
        pass
    SCHEMA["closed"] = b"1"


SCHEMA: Dict[str, bytes] = {}


def test_a_server_claiming_more_than_was_authorized_is_refused_by_the_tracker() -> None:
    rec, clock = Recorder(), Clock()
    ep = endpoint(rec, clock, price_per_second=10, estimated_duration=60)
    SCHEMA["body"] = ep.schema_json("ws://127.0.0.1/")

    async def main(url: str) -> None:
        async with connect(url, payer(clock, 600)):
            raise AssertionError("the session must not start")

    with uvicorn_server(lying_server) as url:
        with pytest.raises(Ws402ClientError) as info:
            asyncio.run(main(url))
    assert info.value.code == "balance_exceeds_authorized"
