"""Shared fixtures of the web tests: keys, a paywall factory, the Fewsats L402 invoice, servers
on real loopback sockets."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from typing import Any, Iterator, List

import pytest

import pay402

WEB_REASON = "web test requirements (ffi-python/tests/requirements-web.txt) are not installed in this venv; run.sh installs them on CPython 3.9 and 3.11"

KEY = bytes([0x11] * 32)
PAYER = pay402.private_key_to_address(KEY)
PAY_TO = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"
USDC_BASE_SEPOLIA = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"

# Fewsats' published invoice (fewsats-python README; 17 000 msat) and its preimage.
FEWSATS_INVOICE = (
    "lnbc170n1pnv7wrapp5perxlk25ywqwr05tpgzs0yyhswwg38jfmn9ec3qeqe92ujnpzyusdq024f5kgzgda6hx"
    "egcqzzsxqyz5vqsp54ceypjapjxntxrtnhkyfrds7m5u9stn8x6gkmf5dx6z56ksy6l3q9qxpqysgqnkxdtwqx"
    "hkvrav3d3wv83yxn45yrdywxu2mnyh4p7ecncuqsv4gn0xrfl6w57hd9lnc5eghdf536dqy5gf2uuly04nrtdj"
    "cwvezkt6cqtttnzj"
)
FEWSATS_PREIMAGE = bytes.fromhex("b184b87e7a4f802bf41cd26c82d9d883b9cf7bb86f8dcfc4f394634ff711f628")
FEWSATS_NOW = 1_724_856_445 + 60


class CountingSettlement:
    """A settlement hook that records its calls and answers like a facilitator."""

    def __init__(self, fail: Any = None) -> None:
        self.calls: List[pay402.server.SettlementRequest] = []  # type: ignore[name-defined]
        self.fail = fail

    def settle(self, request: Any) -> Any:
        self.calls.append(request)
        if self.fail is not None:
            raise self.fail
        return {"success": True, "transaction": "0x" + "ab" * 32, "network": request.requirements["network"],
                "payer": request.payer}


def x402_paywall(routes: Any = None, **kw: Any) -> Any:
    from pay402.server import X402Paywall

    kw.setdefault("network", "eip155:84532")
    kw.setdefault("pay_to", PAY_TO)
    kw.setdefault("settlement", "none")
    return X402Paywall(routes or {"GET /premium": "$0.01"}, **kw)


def x402_payer(per_request: int = 1_000_000, total: int = 10_000_000, **kw: Any) -> Any:
    from pay402.client import Budget, X402Payer

    kw.setdefault("networks", ["eip155:84532", "base-sepolia"])
    return X402Payer(KEY, budget=Budget(per_request=per_request, total=total), **kw)


def fewsats_invoices(amount_msat: int, request: Any) -> Any:
    assert amount_msat == 17_000
    return FEWSATS_INVOICE, pay402.bolt11_decode(FEWSATS_INVOICE).payment_hash


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def wsgi_server(app: Any) -> Iterator[str]:
    """A WSGI app on a real loopback socket (wsgiref, threaded)."""
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    class Quiet(WSGIRequestHandler):
        def log_message(self, *a: Any) -> None:
            pass

    class Threaded(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    server = make_server("127.0.0.1", 0, app, server_class=Threaded, handler_class=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def uvicorn_server(app: Any) -> Iterator[str]:
    """An ASGI app served by uvicorn on a real loopback socket."""
    uvicorn = pytest.importorskip("uvicorn", reason=WEB_REASON)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while not server.started:
        if time.time() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(5)


@contextlib.contextmanager
def redis_server() -> Iterator[int]:
    """A throwaway redis-server on a free loopback port (no persistence); stopped afterwards."""
    import shutil
    import subprocess

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (ffi-python/tests/run.sh installs it with apt-get)")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("redis-server did not start")
                time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def admit_in_process(args: Any) -> str:
    """multiprocessing worker: one submission of a payment header to a Redis-backed paywall."""
    port, header, barrier = args
    from pay402.replay import RedisReplayStore
    from pay402.server import Gate, Pending, Request

    store = RedisReplayStore.from_url(f"redis://127.0.0.1:{port}/0")
    gate = Gate(x402_paywall(replay_store=store))
    request = Request("GET", "/premium", "http://api.test/premium", [("PAYMENT-SIGNATURE", header)])
    barrier.wait()
    outcome = gate.start(request)
    if isinstance(outcome, Pending):
        # The handler answered 200: the exchange settles (NoSettlement) and serves.
        result = outcome.finish(200)
        return "served" if isinstance(result, list) else "withheld"
    return json.loads(outcome.body)["error"] if outcome is not None else "unprotected"


PAYING_CLIENTS = ("httpx", "httpx-async", "requests")


def paid_get(client: str, x402: Any, url: str) -> Any:
    """One GET through the named paying client of ``pay402.client`` (``httpx``: ``httpx.Client``
    with ``PaymentAuth``; ``httpx-async``: ``httpx.AsyncClient`` with it; ``requests``:
    ``requests_session``) paying with ``x402``; the response (httpx or requests)."""
    from pay402.client import PaymentAuth, requests_session

    if client == "httpx":
        import httpx

        with httpx.Client(auth=PaymentAuth(x402=x402)) as c:
            return c.get(url)
    if client == "httpx-async":
        import asyncio

        import httpx

        async def run() -> Any:
            async with httpx.AsyncClient(auth=PaymentAuth(x402=x402)) as c:
                return await c.get(url)

        return asyncio.run(run())
    assert client == "requests", client
    with requests_session(x402=x402) as s:
        return s.get(url)
