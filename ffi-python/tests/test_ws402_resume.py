"""WS402 resumption and recovery over real sockets: ``Ws402Endpoint(secret=, store=,
resume_grace=)`` on uvicorn (127.0.0.1), the paying client ``connect(..., resume=True)`` on the
``websockets`` package. A drop is a TCP abort (no close frame). The server's clock is injected, so
the money is exact: every expected amount is computed here as ``floor(price × active ms / 1000)``
on the test's timeline (the suspended time is not billed), never read from the code under test."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

pytest.importorskip("websockets", reason="websockets not installed (ffi-python/tests/requirements-web.txt)")
pytest.importorskip("starlette", reason="starlette not installed (ffi-python/tests/requirements-web.txt)")

from pay402.ws402 import (  # noqa: E402
    MemorySessionStore, SessionStoreError, Ws402ClientError, Ws402Endpoint, Ws402ServerSession, connect,
)
from test_ws402_client import payer  # noqa: E402
from test_ws402_endpoint import T_MS, Clock, Recorder, consumed, endpoint, get_schema, until  # noqa: E402
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


def grant_on_request(ep: Ws402Endpoint, base: List[str], *, ttl: int) -> None:
    """The session handler of the grant tests: each `grant <path>` frame is answered with an HTTP grant for
    base[0] + path (`ttl` seconds) and `granted`."""

    @ep.session
    async def handler(session: Ws402ServerSession) -> None:
        async for msg in session:
            assert isinstance(msg, str) and msg.startswith("grant ")
            await session.grant_http(base[0] + msg[len("grant "):], ttl=ttl)
            await session.send_text("granted")


def http_get(url: str, authorization: Optional[str] = None) -> Any:
    """GET `url` (with `Authorization` when given): (status, body bytes), or (status, JSON body) for an error."""
    request = urllib.request.Request(url, headers={"Authorization": authorization} if authorization else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


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



def test_a_resume_after_the_grace_is_refused_and_the_session_settles_connection_lost_once() -> None:
    per_second, estimated, grace_ms = 300, 40, 2_000
    paid = per_second * estimated
    rec, clock = Recorder(), Clock()
    ep = endpoint(rec, clock, price_per_second=per_second, estimated_duration=estimated,
                  secret=SECRET, store=MemorySessionStore(), resume_grace=grace_ms / 1000)
    app = Echo()

    @ep.session
    async def handler(session: Ws402ServerSession) -> None:
        await app(session)

    async def main(url: str) -> Any:
        client = connect(url, payer(clock, paid), resume=True, resume_within=5.0)
        with pytest.raises(Ws402ClientError) as info:
            async with client as session:
                first_id = session.session_id
                clock.ms = T_MS + 1_200
                gate = drop(session)  # billed: 1 200 ms
                await until(lambda: app.cancelled == [first_id])
                clock.ms = T_MS + 1_200 + grace_ms + 1  # the grace is over: the server ends it
                await until(lambda: len(ep.statements) == 1)
                gate.set()
                await until(lambda: client.ended)
        return client, info.value

    with uvicorn_server(ep.asgi) as url:
        client, error = asyncio.run(main(url))
    used = consumed(per_second, 1_200, paid)
    assert error.code == "session_ended"
    assert client.resumes == 1 and any(e.kind == "resume_refused" for e in client.events)
    # the session's statement, and the refused socket's (it owned no money)
    assert [(s.ending, s.reason, s.paid) for s in ep.statements] == [
        ("ended", "connection_lost", paid), ("rejected", "session_ended", 0)]
    st = ep.statements[0]
    assert (st.consumed, st.close_code) == (used, None)
    assert rec.settled == [paid] and [o.amount for o in rec.refunds] == [paid - used]


# --- a server killed mid-session (SIGKILL) and started again on the same Redis -------------------


class FileClock(Clock):
    """The test's clock, shared with the server processes through a file."""

    def __init__(self, path: Any) -> None:
        super().__init__()
        self.path = path
        self.set(T_MS)

    def set(self, ms: int) -> None:
        self.ms = ms
        tmp = str(self.path) + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(ms))
        os.replace(tmp, self.path)


class ServerProcess:
    """ws402_restart_app.py as its own process on a fixed port."""

    def __init__(self, tmp: Any, redis_port: int, port: int, grace_ms: int) -> None:
        self.env = dict(os.environ, PORT=str(port), REDIS_PORT=str(redis_port), SECRET=SECRET.hex(),
                        CLOCK_FILE=str(tmp / "clock"), LOG_FILE=str(tmp / "money.jsonl"), GRACE_MS=str(grace_ms))
        self.port = port
        self.log = tmp / "money.jsonl"
        self.proc: Optional[subprocess.Popen[bytes]] = None

    def start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("ws402_restart_app.py"))], env=self.env)
        deadline = time.time() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                if self.proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("the WS402 server process did not start")
                time.sleep(0.05)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def money(self) -> List[Dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]


@pytest.fixture
def restartable(tmp_path: Path) -> Iterator[Any]:
    pytest.importorskip("redis", reason="redis (Python client) not installed (ffi-python/tests/requirements-web.txt)")
    pytest.importorskip("uvicorn", reason="uvicorn not installed (ffi-python/tests/requirements-web.txt)")
    from web_support import free_port, redis_server

    with redis_server() as redis_port:
        made: List[ServerProcess] = []

        def make(grace_ms: int) -> ServerProcess:
            made.append(ServerProcess(tmp_path, redis_port, made[0].port if made else free_port(), grace_ms))
            return made[-1]

        try:
            yield make, FileClock(tmp_path / "clock"), redis_port
        finally:
            for p in made:
                p.stop()


async def run_until_killed(url: str, clock: FileClock, paid: int, server: ServerProcess, redis_port: int) -> Any:
    """Pays and runs a session to its first checkpoint (T + 1 s), then the server is killed at
    T + 1.7 s. Returns the client (its reconnection gated) and the gate."""
    client = connect(url, payer(clock, paid), resume=True, resume_within=15.0)
    session = await client.__aenter__()
    gate = asyncio.Event()
    reconnect = session._reconnect

    async def gated() -> bool:
        await gate.wait()
        return bool(await reconnect())

    session._reconnect = gated
    import redis

    generation = f"pay402:ws402:g:{session.session_id}"
    with redis.Redis(host="127.0.0.1", port=redis_port) as r:
        before = int(r.get(generation) or 0)
        clock.set(T_MS + 1_000)  # the usage_update and its checkpoint
        await until(lambda: session.consumed > 0)
        await until(lambda: int(r.get(generation) or 0) > before)  # the checkpoint is written
    clock.set(T_MS + 1_700)
    server.kill()
    return session, gate


def test_a_killed_server_restarted_on_redis_lets_the_client_resume_billed_from_the_checkpoint(restartable: Any) -> None:
    make, clock, redis_port = restartable
    per_second, grace_ms = 300, 5_000
    paid = per_second * 40
    first = make(grace_ms)
    first.start()
    url = f"http://127.0.0.1:{first.port}"

    async def main() -> Any:
        session, gate = await run_until_killed(url, clock, paid, first, redis_port)
        # 1.8 s after the checkpoint (past its 2 s lease only at T + 3 s): a new process recovers
        # the orphan record at T + 3.5 s and waits for a resume until checkpoint + grace.
        clock.set(T_MS + 3_500)
        second = make(grace_ms)
        second.start()
        gate.set()
        await until(lambda: any(e.kind == "resumed" for e in session.events), timeout=15)
        resumed = [e for e in session.events if e.kind == "resumed"][0]
        assert resumed.consumed == consumed(per_second, 1_000, paid)  # billed to the checkpoint only
        await session.send("after")
        async for frame in session:
            assert frame == "echo after"
            break
        clock.set(T_MS + 4_500)  # 1 s more active
        statement = await session.end()
        return session, statement, second

    session, statement, second = asyncio.run(main())
    used = consumed(per_second, 1_000 + 1_000, paid)
    assert statement is not None and (statement["consumed"], statement["refund"]) == (used, paid - used)
    money = second.money()
    assert [m.get("settle") for m in money if "settle" in m] == [paid]  # by the killed process, once
    assert [m["refund"] for m in money if "refund" in m] == [paid - used]


def test_a_killed_server_restarted_past_the_grace_settles_at_the_last_checkpoint_once(restartable: Any) -> None:
    make, clock, redis_port = restartable
    per_second, grace_ms = 300, 5_000
    paid = per_second * 40
    first = make(grace_ms)
    first.start()
    url = f"http://127.0.0.1:{first.port}"

    async def main() -> Any:
        session, gate = await run_until_killed(url, clock, paid, first, redis_port)
        clock.set(T_MS + 1_000 + grace_ms + 1)  # no resume: past the checkpoint's grace
        second = make(grace_ms)
        second.start()
        await until(lambda: any("refund" in m for m in second.money()), timeout=15)
        gate.set()  # a late resume is refused
        with pytest.raises(Ws402ClientError) as info:
            await session.end()
        second.kill()  # a third start finds nothing left to do
        third = make(grace_ms)
        third.start()
        await asyncio.sleep(0.5)
        return info.value, third

    error, third = asyncio.run(main())
    used = consumed(per_second, 1_000, paid)  # the last checkpoint
    assert error.code == "session_ended"
    money = third.money()
    assert [m.get("settle") for m in money if "settle" in m] == [paid]
    assert [m["refund"] for m in money if "refund" in m] == [paid - used]


class BarrierStore:
    """A real RedisSessionStore whose record writes wait until both recovering endpoints have
    loaded the record, so their compare-and-swaps race from the same generation."""

    def __init__(self, inner: Any, loaded: List[str], both: asyncio.Event) -> None:
        self.inner, self.loaded, self.both = inner, loaded, both

    async def create(self, *a: Any) -> bool:
        return bool(await self.inner.create(*a))

    async def load(self, session_id: str) -> Any:
        out = await self.inner.load(session_id)
        self.loaded.append(session_id)
        if len(self.loaded) >= 2:
            self.both.set()
        return out

    async def swap(self, *a: Any) -> bool:
        await asyncio.wait_for(self.both.wait(), 10)
        return bool(await self.inner.swap(*a))

    async def open_ids(self) -> List[str]:
        return list(await self.inner.open_ids())

    async def delete(self, *a: Any) -> bool:
        return bool(await self.inner.delete(*a))


def test_two_servers_recovering_one_session_on_one_redis_one_wins_the_compare_and_swap(restartable: Any) -> None:
    from pay402.ws402 import RedisSessionStore

    make, clock, redis_port = restartable
    per_second, grace_ms = 300, 5_000
    paid = per_second * 40
    first = make(grace_ms)
    first.start()
    url = f"http://127.0.0.1:{first.port}"

    async def main() -> Any:
        session, _ = await run_until_killed(url, clock, paid, first, redis_port)
        clock.set(T_MS + 1_000 + grace_ms + 1)  # both find an orphan past its grace: end it
        loaded: List[str] = []
        both = asyncio.Event()
        recs, eps = [Recorder(), Recorder()], []
        for rec in recs:
            store = BarrierStore(RedisSessionStore.from_url(f"redis://127.0.0.1:{redis_port}/0", socket_timeout=5), loaded, both)
            eps.append(endpoint(rec, clock, price_per_second=per_second, estimated_duration=40, secret=SECRET,
                                store=store, resume_grace=grace_ms / 1000, resource="ws://127.0.0.1/"))
        decisions = await asyncio.gather(eps[0].recover(), eps[1].recover())
        await asyncio.wait_for(asyncio.gather(eps[0].recovered(), eps[1].recovered()), 15)
        await session._close()
        return decisions, recs, eps

    decisions, recs, eps = asyncio.run(main())
    assert [list(d.values()) for d in decisions] == [["end"], ["end"]]  # both decided to act
    used = consumed(per_second, 1_000, paid)
    refunds = [o.amount for rec in recs for o in rec.refunds]
    assert refunds == [paid - used]  # one server won; the other abandoned (two endpoints, two Redis clients)
    assert sorted(len(ep.statements) for ep in eps) == [0, 1]
    assert all(rec.settled == [] for rec in recs)  # the prepayment was settled by the killed one


class FlakyStore(MemorySessionStore):
    """A MemorySessionStore that cannot answer record writes while ``broken`` (as a Redis that
    went away): it raises SessionStoreError, it never answers "lost"."""

    broken = False

    async def swap(self, *a: Any) -> bool:
        if self.broken:
            raise SessionStoreError("the store is unreachable")
        return await super().swap(*a)


def test_a_store_that_cannot_answer_closes_1011_and_leaves_the_money_to_recovery() -> None:
    per_second, estimated = 300, 40
    paid = per_second * estimated
    rec, clock, store = Recorder(), Clock(), FlakyStore()
    ep = endpoint(rec, clock, price_per_second=per_second, estimated_duration=estimated,
                  secret=SECRET, store=store, store_retries=1, resource="ws://127.0.0.1/")
    app = Echo()

    @ep.session
    async def handler(session: Ws402ServerSession) -> None:
        await app(session)

    async def main(url: str) -> Any:
        client = connect(url, payer(clock, paid))
        async with client as session:
            store.broken = True
            clock.ms = T_MS + 1_000  # the checkpoint's write fails (twice): the socket closes 1011
            await until(lambda: session.ended)
        return client

    with uvicorn_server(ep.asgi) as url:
        client = asyncio.run(main(url))
    assert client.close_code == 1011
    assert ep.statements == [] and rec.refunds == [] and rec.settled == [paid]  # nothing decided here
    # The store is back: a recovery (a restart) ends the orphan at its last written checkpoint,
    # the start (nothing consumed: in the client's favour), and refunds everything once.
    store.broken = False
    rec2 = Recorder()
    ep2 = endpoint(rec2, clock, price_per_second=per_second, estimated_duration=estimated,
                   secret=SECRET, store=store, resource="ws://127.0.0.1/")
    clock.ms = T_MS + 60_000

    async def recover() -> Any:
        decisions = await ep2.recover()
        await asyncio.wait_for(ep2.recovered(), 10)
        return decisions

    assert list(asyncio.run(recover()).values()) == ["end"]
    assert [o.amount for o in rec2.refunds] == [paid] and rec2.settled == []
    assert [(s.reason, s.consumed) for s in ep2.statements] == [("connection_lost", 0)]


# --- HTTP grants ------------------------------------------------------------------------------------


def test_http_grants_are_checked_by_the_core_200_402_401_403() -> None:

    per_second, estimated = 300, 40
    paid = per_second * estimated
    rec, clock = Recorder(), Clock()
    ep = endpoint(rec, clock, price_per_second=per_second, estimated_duration=estimated,
                  secret=SECRET, store=MemorySessionStore())
    base: List[str] = []

    grant_on_request(ep, base, ttl=60)

    async def doc(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"the paid document"})

    grants = ep.grant_middleware(doc)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] == "/ws":
            await ep.asgi(scope, receive, send)
        else:
            await grants(scope, receive, send)

    def get(path: str, authorization: Optional[str] = None) -> Any:
        return http_get(base[0] + path, authorization)

    async def main(url: str) -> Any:
        base.append(url)
        loop = asyncio.get_running_loop()
        async with connect(url + "/ws", payer(clock, paid)) as session:
            tokens = []
            for path in ("/doc", "/other"):
                await session.send("grant " + path)
                async for frame in session:
                    assert frame == "granted"
                    break
                grant = [e for e in session.events if e.kind == "http_access_granted"][-1]
                assert grant.resource_url == url + path
                tokens.append(grant.http_token)
            doc_token, other_token = tokens
            answers = [await loop.run_in_executor(None, get, "/doc", a) for a in (
                f"WS402 {doc_token}", None, "WS402 AAAA" + doc_token[4:], f"WS402 {other_token}")]
        await until(lambda: len(ep.statements) == 1)
        answers.append(await loop.run_in_executor(None, get, "/doc", f"WS402 {doc_token}"))
        return answers

    with uvicorn_server(app) as url:
        answers = asyncio.run(main(url))
    assert [(status, body if status == 200 else body["code"]) for status, body in answers] == [
        (200, b"the paid document"),
        (402, "grant_required"),
        (401, "grant_invalid"),
        (403, "wrong_resource"),
        (403, "session_ended"),
    ]


def test_http_grants_are_metered_the_body_is_charged_before_it_is_sent_and_402s_carry_the_core_body() -> None:
    """A response served under a grant costs its body bytes × per_byte_out + per_message, charged
    to the live session before it is sent: the next usage_update, the statement and the refund
    include it; a response the balance cannot pay is a 402 and nothing of it is sent."""

    per_second, per_byte_out, per_message, estimated = 100, 3, 7, 4_000
    paid = per_second * estimated
    n, big = 5_000, 200_000
    # The WebSocket traffic is metered too: two client frames (one message each) and two
    # "granted" frames sent (their bytes and one message each).
    ws_usage = 2 * per_message + 2 * (len("granted") * per_byte_out + per_message)
    rec, clock = Recorder(), Clock()
    store = MemorySessionStore()
    tariff = {"per_second": per_second, "per_byte_out": per_byte_out, "per_message": per_message}
    ep = endpoint(rec, clock, tariff=tariff, estimated_duration=estimated, secret=SECRET, store=store)
    # Another process on the same store and secret: it runs no socket of the session.
    other = endpoint(Recorder(), clock, tariff=tariff, estimated_duration=estimated, secret=SECRET, store=store)
    base: List[str] = []
    handled: List[str] = []

    grant_on_request(ep, base, ttl=600)

    async def media(scope: Any, receive: Any, send: Any) -> None:
        handled.append(scope["path"])
        size = big if scope["path"] == "/big" else n
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/octet-stream")]})
        await send({"type": "http.response.body", "body": b"a" * (size - 10), "more_body": True})
        await send({"type": "http.response.body", "body": b"b" * 10})

    grants: List[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] == "/ws":
            await ep.asgi(scope, receive, send)
        elif scope.get("query_string") == b"elsewhere":  # the same URL (grants bind no query)
            await grants[1](scope, receive, send)
        else:
            await grants[0](scope, receive, send)

    def get(path: str, authorization: Optional[str] = None) -> Any:
        return http_get(base[0] + path, authorization)

    async def main(url: str) -> Any:
        base.append(url)
        grants.append(ep.grant_middleware(media, schema_url=url + "/ws"))
        grants.append(other.grant_middleware(media, schema_url=url + "/ws"))
        loop = asyncio.get_running_loop()
        async with connect(url + "/ws", payer(clock, paid)) as session:
            tokens = []
            for path in ("/doc", "/big"):
                await session.send("grant " + path)
                async for frame in session:
                    assert frame == "granted"
                    break
                tokens.append([e for e in session.events if e.kind == "http_access_granted"][-1].http_token)
            doc_token, big_token = tokens
            no_token = await loop.run_in_executor(None, get, "/doc", None)
            clock.ms = T_MS + 500
            served = await loop.run_in_executor(None, get, "/doc", f"WS402 {doc_token}")
            elsewhere = await loop.run_in_executor(None, get, "/doc?elsewhere", f"WS402 {doc_token}")
            clock.ms = T_MS + 1_000  # the usage_update includes the response
            at_tick = per_second * 1_000 // 1_000 + ws_usage + n * per_byte_out + per_message
            await until(lambda: session.consumed == at_tick)
            refused = await loop.run_in_executor(None, get, "/big", f"WS402 {big_token}")
            clock.ms = T_MS + 2_000
        await until(lambda: len(ep.statements) == 1)
        after = await loop.run_in_executor(None, get, "/doc", f"WS402 {doc_token}")
        return no_token, served, elsewhere, refused, after

    with uvicorn_server(app) as url:
        no_token, served, elsewhere, refused, after = asyncio.run(main(url))
    assert elsewhere[0] == 403 and elsewhere[1]["code"] == "session_elsewhere"
    assert no_token == (402, {"error": "Payment Required", "message": "Establish WS402 session first",
                              "code": "grant_required", "schemaUrl": base[0] + "/ws"})
    assert served == (200, b"a" * (n - 10) + b"b" * 10)
    assert refused[0] == 402 and refused[1]["code"] == "balance_insufficient"
    assert refused[1]["schemaUrl"] == base[0] + "/ws"
    assert handled == ["/doc", "/doc", "/big"], "the handlers ran; their refused responses were held back"
    assert after[0] == 403 and after[1]["code"] == "session_ended"
    used = per_second * 2_000 // 1_000 + ws_usage + n * per_byte_out + per_message
    st = ep.statements[0]
    assert (st.consumed, st.paid) == (used, paid)
    assert [int(o.amount) for o in rec.refunds] == [paid - used]


def test_a_shorthand_upto_offer_with_a_resume_grace_lasts_long_enough_to_be_admitted() -> None:
    """The shorthand ``upto`` offer's ``maxTimeoutSeconds`` covers the core's rule (max session +
    resume grace + settle margin) plus the 60 s slack; a payer signing for exactly that validity
    is admitted (with a grace above the slack, an offer without the grace would be refused
    ``authorization_too_short``)."""
    per_second, grace_s, max_s = 1_000, 300, 600
    rec, clock = Recorder(), Clock()
    ep = endpoint(rec, clock, scheme="upto", price_per_second=per_second, estimated_duration=60,
                  max_session_duration=max_s, secret=SECRET, resume_grace=grace_s)
    ep.session(Echo().__call__)

    async def main(url: str) -> Any:
        accepted = (await asyncio.get_running_loop().run_in_executor(None, get_schema, url))["paymentDetails"]["accepts"][0]
        async with connect(url, payer(clock, per_second * 60)) as session:
            clock.ms = T_MS + 2_000
        return accepted, session

    with uvicorn_server(ep.asgi) as url:
        accepted, session = asyncio.run(main(url))
    assert accepted["maxTimeoutSeconds"] == max_s + grace_s + 120 + 60
    assert session.statement is not None and session.statement["settled"] == per_second * 2
