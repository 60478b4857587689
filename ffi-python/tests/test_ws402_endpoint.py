"""``pay402.ws402.Ws402Endpoint`` over real sockets: uvicorn on 127.0.0.1 with the ``websockets``
client, Starlette's and FastAPI's test clients. The prepayment is signed here by pay402's own
signers over the schema's ``paymentDetails`` (``x402_sign``, ``permit2_sign_payload``), the
settlement and the refund are recorded, and the server's clock is injected so the money is exact
while the sockets stay real. Every expected amount is computed here from the tariff and the
test's timeline (``consumed = floor(price_per_second × ms / 1000)``, capped at the prepayment;
the refund is ``paid − consumed``), never read back from the code under test."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.request
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

import pytest

pytest.importorskip("websockets", reason="websockets not installed (ffi-python/tests/requirements-web.txt)")
pytest.importorskip("starlette", reason="starlette not installed (ffi-python/tests/requirements-web.txt)")

from websockets.asyncio.client import connect as ws_connect  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402

import pay402  # noqa: E402
from pay402.errors import ConfigurationError  # noqa: E402
from pay402.ws402 import SessionEnded, Ws402Endpoint, Ws402ServerSession  # noqa: E402
from web_support import KEY, PAY_TO, PAYER, USDC_BASE_SEPOLIA, uvicorn_server  # noqa: E402

T_MS = 1_800_000_000_000
SETTLER = "0x000000000000000000000000000000000000dEaD"
NETWORK = "eip155:84532"


class Clock:
    """The server's injected clock (Unix seconds), moved by the test in whole milliseconds."""

    def __init__(self, ms: int = T_MS) -> None:
        self.ms = ms

    def __call__(self) -> float:
        return self.ms / 1000


class Recorder:
    """A settlement that answers like a facilitator and a refunder that answers like
    ``LocalEvmSettlement.refund``; both record every call."""

    def __init__(self) -> None:
        self.settled: List[int] = []
        self.bodies: List[Any] = []
        self.refunds: List[pay402.RefundOrder] = []
        self.lock = threading.Lock()

    def settle(self, request: Any) -> Dict[str, Any]:
        with self.lock:
            self.settled.append(int(request.requirements["amount"]))
            self.bodies.append(request)
        return {"success": True, "transaction": "0x" + "ab" * 32, "network": NETWORK, "payer": request.payer or ""}

    def refund(self, order: pay402.RefundOrder) -> Dict[str, Any]:
        with self.lock:
            self.refunds.append(order)
        return {"success": True, "transaction": "0x" + "cd" * 32, "network": order.network, "asset": order.asset,
                "to": order.to, "amount": str(order.amount)}


def consumed(price_per_second: int, ms: int, paid: int) -> int:
    return min(paid, price_per_second * ms // 1000)


def endpoint(rec: Recorder, clock: Clock, **kw: Any) -> Ws402Endpoint:
    kw.setdefault("network", NETWORK)
    kw.setdefault("pay_to", PAY_TO)
    kw.setdefault("asset", USDC_BASE_SEPOLIA)
    if kw.get("scheme") == "upto":
        kw.setdefault("facilitator", SETTLER)
    else:
        kw.setdefault("eip712_name", "USDC")
        kw.setdefault("eip712_version", "2")
    kw.setdefault("update_interval", 1.0)
    return Ws402Endpoint(settlement=rec, clock=clock, timer_poll=0.01, **kw)


def get_schema(http_url: str) -> Dict[str, Any]:
    with urllib.request.urlopen(http_url, timeout=5) as r:
        assert r.status == 200 and r.headers["content-type"].startswith("application/json")
        schema = json.loads(r.read())
    assert isinstance(schema, dict)
    return schema


def proof_of(schema: Dict[str, Any], nonce: int, now_s: int = T_MS // 1000) -> str:
    """The ``payment_proof`` frame paying the schema's ``paymentDetails`` with KEY."""
    required = schema["paymentDetails"]
    accepted = required["accepts"][0]
    if accepted["scheme"] == "upto":
        signed = pay402.permit2_sign_payload(json.dumps(accepted), KEY, nonce=nonce, now=now_s)
        payment = {"x402Version": 2, "resource": required["resource"], "accepted": accepted,
                   "payload": json.loads(signed.json)}
        header = pay402.x402_encode_header(json.dumps(payment))
    else:
        header = pay402.x402_sign(json.dumps(required), KEY, now=now_s, nonce=bytes([nonce] * 32)).header_value
    return json.dumps({"type": "payment_proof", "proof": header})


async def recv_json(ws: Any, timeout: float = 5.0) -> Dict[str, Any]:
    frame = await asyncio.wait_for(ws.recv(), timeout)
    out = json.loads(frame)
    assert isinstance(out, dict)
    return out


async def until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(coro)  # type: ignore[arg-type]


def ws_of(http_url: str) -> str:
    return "ws" + http_url[len("http"):]


async def echo(session: Ws402ServerSession) -> None:
    async for msg in session:
        await session.send_text(f"echo {msg}")


# --- full sessions -------------------------------------------------------------------------------


def test_exact_full_session_settles_the_prepayment_and_refunds_the_rest_once() -> None:
    per_second, estimated = 250, 40
    paid = per_second * estimated
    rec, clock = Recorder(), Clock()
    ep = endpoint(rec, clock, price_per_second=per_second, estimated_duration=estimated)
    ep.session(echo)

    async def client(url: str) -> List[Dict[str, Any]]:
        schema = get_schema(url + "/paid")
        assert (schema["pricing"]["pricePerSecond"], schema["pricing"]["totalPrice"]) in ((per_second, paid), (str(per_second), str(paid)))
        async with ws_connect(ws_of(url) + "/paid") as ws:
            await ws.send(proof_of(schema, 1))
            started = await recv_json(ws)
            assert started["type"] == "session_started" and started["balance"] == str(paid)
            await ws.send("hello")
            assert await asyncio.wait_for(ws.recv(), 5) == "echo hello"
            clock.ms = T_MS + 1_000  # the first usage_update is due
            update = await recv_json(ws)
            assert (update["type"], update["consumedAmount"]) == ("usage_update", str(consumed(per_second, 1_000, paid)))
            clock.ms = T_MS + 2_750
            await ws.close()
        await until(lambda: len(ep.statements) == 1)
        return []

    with uvicorn_server(ep.asgi) as url:
        run(client(url))
    used = consumed(per_second, 2_750, paid)
    assert rec.settled == [paid]
    assert [(o.amount, o.to.lower(), o.asset, o.network) for o in rec.refunds] == [(paid - used, PAYER.lower(), USDC_BASE_SEPOLIA, NETWORK)]
    st = ep.statements[0]
    assert (st.ending, st.reason, st.plan, st.paid, st.consumed) == ("ended", "client_close", "exact", paid, used)
    assert (st.refund_amount, st.refund_status, st.settlement_status, st.finished) == (paid - used, "confirmed", "settled", True)
    assert st.payer is not None and st.payer.lower() == PAYER.lower()


def test_upto_session_settles_exactly_what_was_consumed_at_the_end() -> None:
    per_second, estimated = 1_000, 60
    maximum = per_second * estimated
    rec, clock = Recorder(), Clock()
    ep = endpoint(rec, clock, scheme="upto", price_per_second=per_second, estimated_duration=estimated,
                  max_session_duration=600)
    seen: List[Optional[str]] = []

    @ep.session
    async def handler(session: Ws402ServerSession) -> None:
        seen.append(session.payer)
        await session.send_text("tick")
        async for _ in session:
            clock.ms = T_MS + 1_500
            await session.end()

    async def client(url: str) -> None:
        schema = get_schema(url)
        async with ws_connect(ws_of(url)) as ws:
            await ws.send(proof_of(schema, 7))
            started = await recv_json(ws)
            assert started["type"] == "session_started" and started["balance"] == str(maximum)
            assert await asyncio.wait_for(ws.recv(), 5) == "tick"
            await ws.send("stop")
            frames = []
            try:
                while True:
                    frames.append(await asyncio.wait_for(ws.recv(), 5))
            except ConnectionClosed as e:
                assert e.rcvd is not None and e.rcvd.code == 1000
        await until(lambda: len(ep.statements) == 1)

    with uvicorn_server(ep.asgi) as url:
        run(client(url))
    used = consumed(per_second, 1_500, maximum)
    assert rec.settled == [used] and rec.refunds == []
    st = ep.statements[0]
    assert (st.plan, st.reason, st.close_code, st.paid, st.consumed, st.settlement_amount) == ("upto", "server_close", 1000, maximum, used, used)
    assert seen and seen[0] is not None and seen[0].lower() == PAYER.lower()


# --- ends that race --------------------------------------------------------------------------------


def test_double_close_and_a_late_handler_end_give_one_settlement_and_one_refund() -> None:
    per_second, paid = 100, 100 * 30
    rec, clock = Recorder(), Clock()
    ep = endpoint(rec, clock, price_per_second=per_second, estimated_duration=30)
    @ep.session
    async def handler(session: Ws402ServerSession) -> None:
        async for _ in session:
            pass
        # the session ended under the handler: its sends fail, its end is not a second end
        with pytest.raises(SessionEnded):
            await session.send_text("late")
        assert await session.end() is not None

    async def client(url: str) -> None:
        schema = get_schema(url)
        ws = await ws_connect(ws_of(url))
        await ws.send(proof_of(schema, 2))
        assert (await recv_json(ws))["type"] == "session_started"
        clock.ms = T_MS + 700
        await ws.close()
        await ws.close()  # a second close is nothing
        await until(lambda: len(ep.statements) == 1)
        await asyncio.sleep(0.1)

    with uvicorn_server(ep.asgi) as url:
        run(client(url))
    used = consumed(per_second, 700, paid)
    assert used > 0  # the seed's free first tick does not exist
    assert rec.settled == [paid] and [o.amount for o in rec.refunds] == [paid - used]
    assert len(ep.statements) == 1 and ep.statements[0].consumed == used


def test_handler_raises_then_the_client_disconnects_closes_1011_once() -> None:
    per_second, paid = 100, 100 * 30
    rec, clock = Recorder(), Clock()
    ep = endpoint(rec, clock, price_per_second=per_second, estimated_duration=30)

    @ep.session
    async def handler(session: Ws402ServerSession) -> None:
        async for _ in session:
            raise RuntimeError("the application failed")

    async def client(url: str) -> None:
        schema = get_schema(url)
        async with ws_connect(ws_of(url)) as ws:
            await ws.send(proof_of(schema, 3))
            assert (await recv_json(ws))["type"] == "session_started"
            clock.ms = T_MS + 1_200
            await ws.send("boom")
            with pytest.raises(ConnectionClosed) as info:
                while True:
                    await asyncio.wait_for(ws.recv(), 5)
            assert info.value.rcvd is not None and info.value.rcvd.code == 1011
        await until(lambda: len(ep.statements) == 1)
        await asyncio.sleep(0.1)

    with uvicorn_server(ep.asgi) as url:
        run(client(url))
    used = consumed(per_second, 1_200, paid)
    st = ep.statements[0]
    assert (st.reason, st.close_code, st.consumed) == ("server_close", 1011, used)
    assert rec.settled == [paid] and [o.amount for o in rec.refunds] == [paid - used]
    assert len(ep.statements) == 1


# --- balance exhaustion ---------------------------------------------------------------------------


def test_time_exhaustion_ends_at_the_exact_ms_with_no_refund() -> None:
    per_second, paid = 300, 300 * 10  # 10 s of balance
    rec, clock = Recorder(), Clock()
    ep = endpoint(rec, clock, price_per_second=per_second, estimated_duration=10, update_interval=0)
    ep.session(echo)
    exhausted_at = -(-1000 * paid // per_second)  # ceil(1000·paid/price) ms after the start

    async def client(url: str) -> None:
        schema = get_schema(url)
        async with ws_connect(ws_of(url)) as ws:
            await ws.send(proof_of(schema, 4))
            assert (await recv_json(ws))["type"] == "session_started"
            clock.ms = T_MS + exhausted_at + 5_000  # the timer fires late: the end is still dated exactly
            frames = []
            with pytest.raises(ConnectionClosed) as info:
                while True:
                    frames.append(json.loads(await asyncio.wait_for(ws.recv(), 5)))
            assert info.value.rcvd is not None and info.value.rcvd.code == 1000
            assert "balance_exhausted" in [f["type"] for f in frames]
        await until(lambda: len(ep.statements) == 1)

    with uvicorn_server(ep.asgi) as url:
        run(client(url))
    st = ep.statements[0]
    assert (st.reason, st.at_ms, st.consumed) == ("balance_exhausted", T_MS + exhausted_at, paid)
    assert rec.settled == [paid] and rec.refunds == []


def test_an_unaffordable_send_bytes_is_not_sent_and_ends_the_session() -> None:
    per_byte_out, paid = 10, 10 * 1_000  # 1000 bytes of balance
    rec, clock = Recorder(), Clock()
    ep = Ws402Endpoint(  # the prepayment as an explicit offer (no time price to derive it from)
        [{"scheme": "upto", "network": NETWORK, "asset": USDC_BASE_SEPOLIA, "amount": str(paid), "pay_to": PAY_TO,
          "max_timeout_seconds": 7_200, "facilitator": SETTLER}],
        tariff={"per_second": 0, "per_byte_out": per_byte_out}, update_interval=0, settlement=rec, clock=clock,
        timer_poll=0.01,
    )
    outcome: List[str] = []

    @ep.session
    async def handler(session: Ws402ServerSession) -> None:
        await session.send_bytes(b"\x01" * 600)  # 6000 of 10000
        try:
            await session.send_bytes(b"\x02" * 600)  # 12000 > 10000: refused
        except SessionEnded:
            outcome.append("refused")

    async def client(url: str) -> List[bytes]:
        schema = get_schema(url)
        got: List[bytes] = []
        async with ws_connect(ws_of(url)) as ws:
            await ws.send(proof_of(schema, 5))
            assert (await recv_json(ws))["type"] == "session_started"
            try:
                while True:
                    frame = await asyncio.wait_for(ws.recv(), 5)
                    if isinstance(frame, bytes):
                        got.append(frame)
            except ConnectionClosed:
                pass
        await until(lambda: len(ep.statements) == 1)
        return got

    with uvicorn_server(ep.asgi) as url:
        got = run(client(url))
    assert got == [b"\x01" * 600] and outcome == ["refused"]
    st = ep.statements[0]
    # the refused frame ends the session and is not charged: consumed = bytes sent × price
    sent = 600 * per_byte_out
    assert (st.reason, st.close_code, st.consumed) == ("balance_exhausted", 1000, sent)
    assert rec.settled == [sent] and rec.refunds == []


# --- one prepayment, two sockets ------------------------------------------------------------------


def test_one_prepayment_on_two_sockets_starts_exactly_one_session() -> None:
    per_second, paid = 100, 100 * 30
    rec, clock = Recorder(), Clock()
    ep = endpoint(rec, clock, price_per_second=per_second, estimated_duration=30)
    ep.session(echo)

    async def one(url: str, frame: str) -> Tuple[Dict[str, Any], Optional[int]]:
        async with ws_connect(ws_of(url)) as ws:
            await ws.send(frame)
            first = await recv_json(ws)
            if first["type"] == "session_started":
                clock.ms = T_MS + 500
                await ws.close()
                return first, 1000
            try:
                await asyncio.wait_for(ws.recv(), 5)
            except ConnectionClosed as e:
                return first, e.rcvd.code if e.rcvd is not None else None
            return first, None

    async def client(url: str) -> List[Tuple[Dict[str, Any], Optional[int]]]:
        frame = proof_of(get_schema(url), 6)
        out = await asyncio.gather(one(url, frame), one(url, frame))
        await until(lambda: len(ep.statements) == 2)
        return list(out)

    with uvicorn_server(ep.asgi) as url:
        out = run(client(url))
    types = sorted(first["type"] for first, _ in out)
    assert types == ["payment_rejected", "session_started"]
    rejected = [(first, code) for first, code in out if first["type"] == "payment_rejected"][0]
    assert rejected == ({"type": "payment_rejected", "reason": "payment_already_used"}, 1008)
    assert rec.settled == [paid] and [o.amount for o in rec.refunds] == [paid - consumed(per_second, 500, paid)]


# --- amounts above 2^53 ----------------------------------------------------------------------------


def test_amounts_above_2_pow_53_are_exact() -> None:
    per_second, estimated = 10**15, 300  # the prepayment 3×10^17
    paid = per_second * estimated
    rec, clock = Recorder(), Clock()
    ep = endpoint(rec, clock, price_per_second=per_second, estimated_duration=estimated)
    ep.session(echo)

    async def client(url: str) -> None:
        schema = get_schema(url)
        async with ws_connect(ws_of(url)) as ws:
            await ws.send(proof_of(schema, 8))
            started = await recv_json(ws)
            assert started["balance"] == str(paid) and started["pricePerSecond"] == str(per_second)
            clock.ms = T_MS + 1_000
            update = await recv_json(ws)
            assert update["consumedAmount"] == str(per_second) and update["remainingBalance"] == str(paid - per_second)
            clock.ms = T_MS + 12_345
            await ws.close()
        await until(lambda: len(ep.statements) == 1)

    with uvicorn_server(ep.asgi) as url:
        run(client(url))
    used = consumed(per_second, 12_345, paid)
    assert used > 2**53 and paid - used > 2**53
    assert rec.settled == [paid] and [o.amount for o in rec.refunds] == [paid - used]
    assert ep.statements[0].consumed == used


# --- the schema, frameworks, configuration --------------------------------------------------------


def test_the_schema_over_http_is_the_cores_with_the_offers_payment_required() -> None:
    rec, clock = Recorder(), Clock()
    ep = endpoint(rec, clock, price_per_second=7, estimated_duration=100, max_session_duration=900)
    ep.session(echo)
    with uvicorn_server(ep.asgi) as url:
        schema = get_schema(url + "/quotes")
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(urllib.request.Request(url + "/quotes", method="POST", data=b"x"), timeout=5)
        assert info.value.code == 405
    assert schema["websocketEndpoint"] == ws_of(url) + "/quotes"
    assert schema["maxSessionDuration"] == 900
    assert str(schema["pricing"]["totalPrice"]) == str(7 * 100)
    accepts = schema["paymentDetails"]["accepts"]
    assert [(a["scheme"], a["network"], a["amount"], a["payTo"]) for a in accepts] == [("exact", NETWORK, "700", PAY_TO)]
    # the decoder of the seed's schema reads it
    assert json.loads(pay402.decode_ws402_schema(json.dumps(schema)))["pricing"]["estimatedDuration"] == 100


def test_starlette_routes_with_the_test_client() -> None:
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    per_second, paid = 50, 50 * 20
    rec, clock = Recorder(), Clock()
    ep = endpoint(rec, clock, price_per_second=per_second, estimated_duration=20)
    ep.session(echo)
    app = Starlette(routes=ep.routes("/quotes"))
    with TestClient(app) as tc:
        schema = tc.get("/quotes").json()
        with tc.websocket_connect("/quotes") as ws:
            ws.send_text(proof_of(schema, 9))
            assert json.loads(ws.receive_text())["type"] == "session_started"
            ws.send_text("hi")
            assert ws.receive_text() == "echo hi"
            clock.ms = T_MS + 2_000
            ws.close(1000)
        deadline = time.monotonic() + 5
        while not ep.statements and time.monotonic() < deadline:
            time.sleep(0.01)
    used = consumed(per_second, 2_000, paid)
    assert rec.settled == [paid] and [o.amount for o in rec.refunds] == [paid - used]


def test_fastapi_routes_over_uvicorn() -> None:
    fastapi = pytest.importorskip("fastapi", reason="fastapi not installed")
    per_second, paid = 40, 40 * 50
    rec, clock = Recorder(), Clock()
    ep = endpoint(rec, clock, price_per_second=per_second, estimated_duration=50)
    ep.session(echo)
    app = fastapi.FastAPI()
    app.router.routes.extend(ep.routes("/feed"))

    async def client(url: str) -> None:
        schema = get_schema(url + "/feed")
        assert schema["websocketEndpoint"] == ws_of(url) + "/feed"
        async with ws_connect(ws_of(url) + "/feed") as ws:
            await ws.send(proof_of(schema, 10))
            assert (await recv_json(ws))["type"] == "session_started"
            await ws.send("x")
            assert await asyncio.wait_for(ws.recv(), 5) == "echo x"
            clock.ms = T_MS + 3_000
        await until(lambda: len(ep.statements) == 1)

    with uvicorn_server(app) as url:
        run(client(url))
    used = consumed(per_second, 3_000, paid)
    assert rec.settled == [paid] and [o.amount for o in rec.refunds] == [paid - used]


def test_an_exact_offer_without_a_refund_fails_closed() -> None:
    class SettleOnly:
        def settle(self, request: Any) -> Dict[str, Any]:
            raise AssertionError("never called")

    with pytest.raises(ConfigurationError) as info:
        Ws402Endpoint(network=NETWORK, pay_to=PAY_TO, price_per_second=1, estimated_duration=10, settlement=SettleOnly())
    assert info.value.code == "missing_refund"
    # upto has no refund: the same settlement serves it
    Ws402Endpoint(network=NETWORK, pay_to=PAY_TO, scheme="upto", facilitator=SETTLER, price_per_second=1,
                  estimated_duration=10, settlement=SettleOnly())


@pytest.mark.parametrize("answer, status", [
    ({"success": False, "errorReason": "refund_pending", "transaction": "0x" + "ee" * 32}, "pending"),
    ({"success": False, "errorReason": "refund_reverted", "transaction": "0x" + "ee" * 32}, "failed"),
    (pay402.errors.RpcError("unreachable", code="rpc_unavailable"), "failed"),  # raised before signing
    (RuntimeError("unknown outcome"), "pending"),
])
def test_the_refund_hooks_answer_is_the_statements_refund_status(answer: Any, status: str) -> None:
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    per_second, paid = 50, 50 * 20
    rec, clock = Recorder(), Clock()
    orders: List[pay402.RefundOrder] = []

    def refund(order: pay402.RefundOrder) -> Any:
        orders.append(order)
        if isinstance(answer, Exception):
            raise answer
        return answer

    ep = endpoint(rec, clock, price_per_second=per_second, estimated_duration=20, refund=refund)
    ep.session(echo)
    with TestClient(Starlette(routes=ep.routes("/q"))) as tc:
        schema = tc.get("/q").json()
        with tc.websocket_connect("/q") as ws:
            ws.send_text(proof_of(schema, 11))
            assert json.loads(ws.receive_text())["type"] == "session_started"
            clock.ms = T_MS + 1_500
            ws.close(1000)
        deadline = time.monotonic() + 5
        while not ep.statements and time.monotonic() < deadline:
            time.sleep(0.01)
    used = consumed(per_second, 1_500, paid)
    assert [o.amount for o in orders] == [paid - used]  # one order, whatever its outcome
    st = ep.statements[0]
    assert (st.refund_amount, st.refund_status) == (paid - used, status)
