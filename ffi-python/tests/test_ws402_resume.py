"""WS402 resumption and recovery over real sockets: ``Ws402Endpoint(secret=, store=,
resume_grace=)`` on uvicorn (127.0.0.1), the paying client ``connect(..., resume=True)`` on the
``websockets`` package. A drop is a TCP abort (no close frame). The server's clock is injected, so
the money is exact: every expected amount is computed here as ``floor(price × active ms / 1000)``
on the test's timeline (the suspended time is not billed), never read from the code under test."""

from __future__ import annotations

import asyncio
import json
from typing import Any, List

import pytest

pytest.importorskip("websockets", reason="websockets not installed (ffi-python/tests/requirements-web.txt)")
pytest.importorskip("starlette", reason="starlette not installed (ffi-python/tests/requirements-web.txt)")

from pay402.ws402 import MemorySessionStore, Ws402ClientError, Ws402ServerSession, connect  # noqa: E402
from test_ws402_client import payer  # noqa: E402
from test_ws402_endpoint import T_MS, Clock, Recorder, consumed, endpoint, until  # noqa: E402
from web_support import PAYER, uvicorn_server  # noqa: E402

SECRET = bytes(range(1, 33))


def drop(session: Any) -> asyncio.Event:
    """Cuts the client's TCP connection without a close frame; the client's reconnection waits
    for the returned event (so the test's clock can move while the session is suspended)."""
    gate = asyncio.Event()
    reconnect = session._reconnect

    async def gated() -> bool:
        await gate.wait()
        return bool(await reconnect())

    session._reconnect = gated
    session._ws.transport.abort()
    return gate


class Echo:
    """The application: echoes each frame; records the connections whose handler was cancelled
    (the server saw the drop and suspended the session)."""

    def __init__(self) -> None:
        self.cancelled: List[str] = []

    async def __call__(self, session: Ws402ServerSession) -> None:
        try:
            async for msg in session:
                await session.send_text(f"echo {msg}")
        except asyncio.CancelledError:
            self.cancelled.append(session.id)
            raise


def test_a_drop_resumed_within_the_grace_bills_active_time_only_and_settles_once() -> None:
    per_second, estimated = 300, 40
    paid = per_second * estimated
    rec, clock, store = Recorder(), Clock(), MemorySessionStore()
    ep = endpoint(rec, clock, price_per_second=per_second, estimated_duration=estimated,
                  secret=SECRET, store=store, resume_grace=10.0)
    app = Echo()

    @ep.session
    async def handler(session: Ws402ServerSession) -> None:
        await app(session)

    async def main(url: str) -> Any:
        async with connect(url, payer(clock, paid), resume=True, resume_within=5.0) as session:
            first_id = session.session_id
            await session.send("a")
            async for frame in session:
                assert frame == "echo a"
                break
            clock.ms = T_MS + 1_000  # a usage_update (and a checkpoint)
            await until(lambda: session.consumed == consumed(per_second, 1_000, paid))
            clock.ms = T_MS + 1_500
            gate = drop(session)  # active so far: 1 500 ms
            await until(lambda: app.cancelled == [first_id])
            clock.ms = T_MS + 4_500  # 3 s suspended, within the grace; the client resumes now
            gate.set()
            await until(lambda: session.resumes == 1 and any(e.kind == "resumed" for e in session.events))
            resumed = [e for e in session.events if e.kind == "resumed"][0]
            assert resumed.consumed == consumed(per_second, 1_500, paid)
            assert session.session_id == first_id
            await session.send("b")
            async for frame in session:
                assert frame == "echo b"
                break
            clock.ms = T_MS + 5_500  # 1 000 ms more active
        await until(lambda: len(ep.statements) == 1)
        # The first connection's session waits out its grace in this process; its next write
        # loses to the resumed one (compare-and-swap), so it neither settles nor refunds.
        clock.ms = T_MS + 1_500 + 10_000 + 1
        await asyncio.sleep(0.3)
        return session

    with uvicorn_server(ep.asgi) as url:
        session = asyncio.run(main(url))
    used = consumed(per_second, 1_500 + 1_000, paid)
    assert len(ep.statements) == 1
    st = ep.statements[0]
    assert (st.reason, st.consumed, st.paid) == ("client_close", used, paid)
    assert rec.settled == [paid]
    assert [(o.amount, o.to.lower()) for o in rec.refunds] == [(paid - used, PAYER.lower())]
    assert session.statement is not None and session.statement["consumed"] == used
    assert session.statement["refund"] == paid - used

