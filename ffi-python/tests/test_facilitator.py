"""The facilitator client against a fake facilitator on a real socket (request bodies, typed
errors for isValid:false / success:false / non-2xx / malformed), and the middleware settling
through it."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, List

import pytest

pytest.importorskip("httpx", reason="httpx not installed (ffi-python/tests/requirements-web.txt)")
flask = pytest.importorskip("flask", reason="flask not installed (ffi-python/tests/requirements-web.txt)")

from starlette.testclient import TestClient  # noqa: E402

import pay402  # noqa: E402
from pay402.client import PaymentAuth, X402PaymentRefused, payment_receipt  # noqa: E402
from pay402.facilitator import FacilitatorClient  # noqa: E402
from web_support import PAYER, wsgi_server, x402_paywall, x402_payer  # noqa: E402

TX = "0x" + "cd" * 32


def fake_facilitator(mode: Dict[str, str], seen: List[Dict[str, Any]]) -> Any:
    app = flask.Flask("fake-facilitator")

    @app.post("/verify")
    def verify() -> Any:
        body = flask.request.get_json()
        seen.append({"path": "/verify", **body})
        m = mode.get("verify", "ok")
        if m == "invalid200":
            return {"isValid": False, "invalidReason": "insufficient_funds", "payer": PAYER}
        if m == "invalid400":
            return {"isValid": False, "invalidReason": "invalid_exact_evm_payload_signature", "payer": ""}, 400
        if m == "500":
            return "boom", 500
        if m == "malformed":
            return {"isValid": "yes"}
        return {"isValid": True, "payer": PAYER}

    @app.post("/settle")
    def settle() -> Any:
        body = flask.request.get_json()
        seen.append({"path": "/settle", **body})
        network = body["paymentRequirements"]["network"]
        if mode.get("settle") == "fail":
            return {"success": False, "errorReason": "insufficient_funds", "transaction": "", "network": network, "payer": PAYER}
        if mode.get("settle") == "500":
            return {"error": "rpc down"}, 500
        return {"success": True, "transaction": TX, "network": network, "payer": PAYER}

    @app.get("/supported")
    def supported() -> Any:
        return {"kinds": [{"x402Version": 2, "scheme": "exact", "network": "eip155:84532"}], "extensions": [], "signers": {}}

    return app


@pytest.fixture()
def facilitator():  # type: ignore[no-untyped-def]
    mode: Dict[str, str] = {}
    seen: List[Dict[str, Any]] = []
    with wsgi_server(fake_facilitator(mode, seen)) as base:
        yield base, mode, seen


def signed_payment() -> Any:
    from pay402.server import Gate, Request

    challenge = Gate(x402_paywall()).start(Request("GET", "/premium", "http://api.test/premium", []))
    required = pay402.decode_payment_required(dict(challenge.headers)["PAYMENT-REQUIRED"]).json  # type: ignore[union-attr]
    signed = pay402.x402_sign(required, bytes([0x11] * 32), now=1_740_672_100, nonce=bytes([1] * 32))
    return json.loads(signed.json), json.loads(required)["accepts"][0]


def test_verify_settle_supported_bodies_and_results(facilitator: Any) -> None:
    base, mode, seen = facilitator
    payload, requirements = signed_payment()
    with FacilitatorClient(base + "/") as client:
        assert client.verify(payload, requirements)["payer"] == PAYER
        assert client.settle(json.dumps(payload), requirements)["transaction"] == TX
        assert client.supported()["kinds"][0]["network"] == "eip155:84532"
    assert seen[0] == {"path": "/verify", "x402Version": 2, "paymentPayload": payload, "paymentRequirements": requirements}
    assert seen[1]["path"] == "/settle" and seen[1]["paymentPayload"] == payload


@pytest.mark.parametrize("m, cls, code, status", [
    ("invalid200", pay402.VerifyError, "insufficient_funds", 200),
    ("invalid400", pay402.VerifyError, "invalid_exact_evm_payload_signature", 400),
    ("500", pay402.FacilitatorError, "facilitator_http_error", 500),
    ("malformed", pay402.FacilitatorError, "facilitator_malformed_response", 200),
])
def test_verify_errors_are_typed(facilitator: Any, m: str, cls: type, code: str, status: int) -> None:
    base, mode, _ = facilitator
    mode["verify"] = m
    payload, requirements = signed_payment()
    with FacilitatorClient(base) as client, pytest.raises(cls) as e:
        client.verify(payload, requirements)
    assert e.value.code == code and e.value.status_code == status and isinstance(e.value, pay402.Error)


def test_settle_failure_and_async_calls(facilitator: Any) -> None:
    base, mode, _ = facilitator
    mode["settle"] = "fail"
    payload, requirements = signed_payment()

    async def run() -> None:
        async with FacilitatorClient(base) as client:
            assert (await client.averify(payload, requirements))["isValid"] is True
            assert "kinds" in await client.asupported()
            with pytest.raises(pay402.SettleError) as e:
                await client.asettle(payload, requirements)
            assert e.value.code == "insufficient_funds" and e.value.body["success"] is False  # type: ignore[index]

    asyncio.run(run())


def test_unreachable_facilitator_is_a_typed_error() -> None:
    from web_support import free_port

    with FacilitatorClient(f"http://127.0.0.1:{free_port()}", timeout=1) as client, pytest.raises(pay402.FacilitatorError) as e:
        client.supported()
    assert e.value.code == "facilitator_unreachable"


def test_middleware_settles_through_the_facilitator(facilitator: Any) -> None:
    from test_web import fastapi_app, flask_app  # the same apps as the round-trip tests
    import httpx
    from pay402 import wsgi  # noqa: F401

    base, mode, seen = facilitator
    app = fastapi_app(x402=x402_paywall(settlement=None, facilitator_url=base))
    r = TestClient(app).get("/premium", auth=PaymentAuth(x402=x402_payer()))
    assert r.status_code == 200 and payment_receipt(r)["transaction"] == TX  # type: ignore[index]
    settle = [s for s in seen if s["path"] == "/settle"][-1]
    assert settle["x402Version"] == 2 and settle["paymentRequirements"]["amount"] == "10000"
    # WSGI, facilitator refusing: 402, content withheld.
    mode["settle"] = "fail"
    fapp = flask_app(x402=x402_paywall(settlement=FacilitatorClient(base)))
    with httpx.Client(transport=httpx.WSGITransport(app=fapp), base_url="http://f.test") as c:
        with pytest.raises(X402PaymentRefused) as refused:
            c.get("/premium", auth=PaymentAuth(x402=x402_payer()))
    r = refused.value.response
    assert r.status_code == 402 and b"flask premium" not in r.content
    assert refused.value.code == "insufficient_funds" and refused.value.status == 402
    # Facilitator erroring: 502, and the settlement's outcome is unknown (never sent again).
    mode["settle"] = "500"
    before = len([s for s in seen if s["path"] == "/settle"])
    r = TestClient(app).get("/premium", auth=PaymentAuth(x402=x402_payer()))
    assert r.status_code == 502 and b'"data"' not in r.content  # the core's 502: no answer, content withheld
    assert len([s for s in seen if s["path"] == "/settle"]) == before + 1


# --- several facilitators: routing, retries, failover, auth headers ------------------------------
#
# Each facilitator below is a stdlib HTTP server on 127.0.0.1 that answers from a script (one
# behaviour per request, the last one repeating) and records every request it received.

import contextlib  # noqa: E402
import http.server  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from typing import Iterator, Optional, Sequence  # noqa: E402

from pay402.facilitator import Facilitator, Retry  # noqa: E402

SEPOLIA = {"x402Version": 2, "scheme": "exact", "network": "eip155:84532"}
MAINNET = {"x402Version": 2, "scheme": "exact", "network": "eip155:8453"}


class Peer:
    """A facilitator on a real socket. ``script[path]`` is a list of behaviours: ``"ok"``,
    ``"invalid"``, ``"fail"`` (success:false), ``"500"``, ``"429:<Retry-After>"``, ``"hang"``."""

    def __init__(self, kinds: Sequence[Dict[str, Any]], name: str) -> None:
        self.kinds = list(kinds)
        self.name = name
        self.script: Dict[str, List[str]] = {}
        self.received: List[Dict[str, Any]] = []
        self.release = threading.Event()

    def count(self, path: str) -> int:
        return sum(1 for r in self.received if r["path"] == path)

    def behaviour(self, path: str) -> str:
        steps = self.script.get(path) or ["ok"]
        return steps.pop(0) if len(steps) > 1 else steps[0]

    def answer(self, path: str, body: Optional[Dict[str, Any]]) -> Any:
        b = self.behaviour(path)
        if b == "hang":
            self.release.wait(5)
            return 200, {}, {"isValid": True, "payer": PAYER}
        if b == "500":
            return 500, {}, "internal error"
        if b.startswith("429:"):
            return 429, {"Retry-After": b[4:]}, {"error": "rate limited"}
        if path == "/supported":
            return 200, {}, {"kinds": self.kinds, "extensions": [], "signers": {}}
        network = body["paymentRequirements"]["network"] if body else ""
        if path == "/verify":
            if b == "invalid":
                return 200, {}, {"isValid": False, "invalidReason": "insufficient_funds", "payer": PAYER}
            return 200, {}, {"isValid": True, "payer": PAYER}
        if b == "fail":
            return 200, {}, {"success": False, "errorReason": "insufficient_funds", "transaction": "", "network": network}
        return 200, {}, {"success": True, "transaction": TX, "network": network, "payer": PAYER, "by": self.name}


@contextlib.contextmanager
def peer_server(peer: Peer) -> Iterator[Any]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a: Any) -> None:
            pass

        def handle_one(self, body: Optional[Dict[str, Any]]) -> None:
            path = self.path.rsplit("/", 1)[-1]
            path = "/" + path
            peer.received.append({"path": path, "headers": self.headers, "body": body})
            status, headers, answer = peer.answer(path, body)
            data = (answer if isinstance(answer, str) else json.dumps(answer)).encode()
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Type", "application/json" if not isinstance(answer, str) else "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")  # every request on a fresh connection
            self.close_connection = True
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self.handle_one(None)

        def do_POST(self) -> None:
            n = int(self.headers.get("Content-Length", "0"))
            self.handle_one(json.loads(self.rfile.read(n)))

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, f"http://127.0.0.1:{server.server_port}/facilitator"
    finally:
        peer.release.set()
        server.shutdown()
        server.server_close()


@pytest.fixture()
def peers():  # type: ignore[no-untyped-def]
    a, b = Peer([SEPOLIA], "a"), Peer([SEPOLIA, MAINNET], "b")
    with peer_server(a) as (sa, ua), peer_server(b) as (sb, ub):
        yield a, ua, sa, b, ub, sb


def retry_recording(sleeps: List[float], attempts: int = 3) -> Retry:
    async def asleep(d: float) -> None:
        sleeps.append(d)

    return Retry(attempts=attempts, base_delay=0.2, max_delay=5.0, jitter=0.5, sleep=sleeps.append, asleep=asleep,
                 random=lambda: 0.0)


def on_mainnet(requirements: Dict[str, Any]) -> Dict[str, Any]:
    return {**requirements, "network": "eip155:8453"}


def test_routes_by_supported_kinds_fetched_lazily_and_cached(peers: Any) -> None:
    a, ua, _, b, ub, _ = peers
    now = [1000.0]
    payload, requirements = signed_payment()
    client = FacilitatorClient([ua, ub], clock=lambda: now[0], supported_ttl=60)
    assert a.received == [] and b.received == []  # nothing fetched before it is needed
    with client:
        assert client.verify(payload, requirements)["isValid"] is True
        assert client.settle(payload, on_mainnet(requirements))["by"] == "b"  # only b settles on 8453
        assert [r["path"] for r in a.received] == ["/supported", "/verify"]
        assert [r["path"] for r in b.received] == ["/supported", "/settle"]
        assert b.received[1]["body"]["paymentRequirements"]["network"] == "eip155:8453"
        now[0] += 59
        client.verify(payload, requirements)
        assert a.count("/supported") == 1 and b.count("/supported") == 1
        now[0] += 1  # the refresh interval has passed
        client.verify(payload, requirements)
        assert a.count("/supported") == 2 and b.count("/supported") == 2 and a.count("/verify") == 3


def test_a_kind_nobody_supports_is_a_typed_error_and_nothing_is_sent(peers: Any) -> None:
    a, ua, _, b, ub, _ = peers
    payload, requirements = signed_payment()
    with FacilitatorClient([ua, ub]) as client, pytest.raises(pay402.FacilitatorError) as e:
        client.settle(payload, {**requirements, "network": "eip155:1"})
    assert e.value.code == "facilitator_unsupported_kind"
    assert a.count("/settle") + b.count("/settle") == 0


def test_verify_honours_retry_after_on_429(peers: Any) -> None:
    a, ua, _, b, ub, _ = peers
    a.script["/verify"] = ["429:2", "ok"]
    sleeps: List[float] = []
    payload, requirements = signed_payment()
    with FacilitatorClient([ua, ub], retry=retry_recording(sleeps)) as client:
        assert client.verify(payload, requirements)["isValid"] is True
    assert sleeps == [2.0] and a.count("/verify") == 2 and b.count("/verify") == 0


def test_verify_backs_off_on_5xx_then_fails_over(peers: Any) -> None:
    a, ua, _, b, ub, _ = peers
    a.script["/verify"] = ["500"]
    sleeps: List[float] = []
    payload, requirements = signed_payment()
    with FacilitatorClient([ua, ub], retry=retry_recording(sleeps)) as client:
        assert client.verify(payload, requirements)["isValid"] is True
    assert sleeps == [0.2, 0.4]  # 0.2 * 2**n, no jitter drawn
    assert a.count("/verify") == 3 and b.count("/verify") == 1


def test_a_retry_after_beyond_max_delay_fails_over_at_once(peers: Any) -> None:
    a, ua, _, b, ub, _ = peers
    a.script["/verify"] = ["429:3600"]
    sleeps: List[float] = []
    payload, requirements = signed_payment()
    with FacilitatorClient([ua, ub], retry=retry_recording(sleeps)) as client:
        assert client.verify(payload, requirements)["isValid"] is True
    assert sleeps == [] and a.count("/verify") == 1 and b.count("/verify") == 1


def test_verify_times_out_per_facilitator_then_fails_over(peers: Any) -> None:
    a, ua, _, b, ub, _ = peers
    a.script["/verify"] = ["hang"]
    payload, requirements = signed_payment()
    started = time.monotonic()
    with FacilitatorClient([Facilitator(ua, timeout=0.3), Facilitator(ub, timeout=5)], retry=Retry(attempts=1)) as client:
        assert client.verify(payload, requirements)["isValid"] is True
    assert time.monotonic() - started < 4
    assert a.count("/verify") == 1 and b.count("/verify") == 1


def test_a_verdict_is_not_retried_nor_sent_elsewhere(peers: Any) -> None:
    a, ua, _, b, ub, _ = peers
    a.script["/verify"] = ["invalid"]
    payload, requirements = signed_payment()
    with FacilitatorClient([ua, ub]) as client, pytest.raises(pay402.VerifyError) as e:
        client.verify(payload, requirements)
    assert e.value.code == "insufficient_funds" and a.count("/verify") == 1 and b.count("/verify") == 0


def test_verify_exhausted_everywhere_raises_the_last_error(peers: Any) -> None:
    a, ua, _, b, ub, _ = peers
    a.script["/verify"] = b.script["/verify"] = ["500"]
    with FacilitatorClient([ua, ub], retry=retry_recording([], attempts=2)) as client, pytest.raises(pay402.FacilitatorError) as e:
        client.verify(*signed_payment())
    assert e.value.code == "facilitator_http_error" and e.value.status_code == 500
    assert a.count("/verify") == 2 and b.count("/verify") == 2


@pytest.mark.parametrize("behaviour, detail", [
    ("500", "facilitator_http_error"),
    ("429:1", "facilitator_http_error"),
    ("hang", "facilitator_timeout"),
])
def test_settle_that_may_have_arrived_is_never_sent_again(peers: Any, behaviour: str, detail: str) -> None:
    a, ua, _, b, ub, _ = peers
    a.script["/settle"] = [behaviour]
    sleeps: List[float] = []
    payload, requirements = signed_payment()
    with FacilitatorClient([Facilitator(ua, timeout=0.5), ub], retry=retry_recording(sleeps)) as client:
        with pytest.raises(pay402.FacilitatorError) as e:
            client.settle(payload, requirements)
    assert e.value.code == "facilitator_unavailable" and e.value.detail_code == detail
    assert a.count("/settle") == 1 and b.count("/settle") == 0 and sleeps == []  # no double settlement


def test_settle_refusal_is_final(peers: Any) -> None:
    a, ua, _, b, ub, _ = peers
    a.script["/settle"] = ["fail"]
    with FacilitatorClient([ua, ub]) as client, pytest.raises(pay402.SettleError) as e:
        client.settle(*signed_payment())
    assert e.value.code == "insufficient_funds" and a.count("/settle") == 1 and b.count("/settle") == 0


def test_settle_fails_over_only_when_the_connection_was_refused(peers: Any) -> None:
    a, ua, sa, b, ub, _ = peers
    sleeps: List[float] = []
    payload, requirements = signed_payment()
    with FacilitatorClient([ua, ub], retry=retry_recording(sleeps)) as client:
        client.verify(payload, requirements)  # both /supported fetched: a is routed first
        sa.shutdown()
        sa.server_close()  # a now refuses connections
        result = client.settle(payload, requirements)
    assert result["by"] == "b" and result["transaction"] == TX
    assert sleeps == [0.2, 0.4]  # a retried while refusing, then b
    assert a.count("/settle") == 0 and b.count("/settle") == 1


def test_settle_nowhere_reachable_is_unreachable_and_nothing_settled() -> None:
    from web_support import free_port

    urls = [f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"]
    with FacilitatorClient(urls, route=False, retry=retry_recording([], attempts=2)) as client:
        with pytest.raises(pay402.FacilitatorError) as e:
            client.settle(*signed_payment())
    assert e.value.code == "facilitator_unreachable"


def test_per_facilitator_auth_headers_static_and_per_request(peers: Any) -> None:
    a, ua, _, b, ub, _ = peers
    calls: List[str] = []

    def b_headers(endpoint: str) -> Dict[str, str]:
        calls.append(endpoint)
        return {"Authorization": f"Bearer b-{endpoint}-{len(calls)}"}

    payload, requirements = signed_payment()
    with FacilitatorClient([Facilitator(ua, headers={"X-Api-Key": "key-a"}), Facilitator(ub, headers=b_headers)]) as client:
        client.verify(payload, requirements)
        client.settle(payload, on_mainnet(requirements))
    assert all(r["headers"].get("X-Api-Key") == "key-a" for r in a.received) and len(a.received) == 2
    assert [r["headers"].get("Authorization") for r in b.received] == ["Bearer b-supported-1", "Bearer b-settle-2"]
    assert all("X-Api-Key" not in r["headers"] for r in b.received)


def test_async_routing_failover_and_async_headers(peers: Any) -> None:
    a, ua, sa, b, ub, _ = peers
    sleeps: List[float] = []

    async def token(endpoint: str) -> Dict[str, str]:
        await asyncio.sleep(0)
        return {"Authorization": f"Bearer {endpoint}"}

    payload, requirements = signed_payment()
    a.script["/verify"] = ["500", "429:1", "ok"]
    a.script["/settle"] = ["500"]

    async def run() -> None:
        async with FacilitatorClient([Facilitator(ua, headers=token), ub], retry=retry_recording(sleeps)) as client:
            assert (await client.averify(payload, requirements))["isValid"] is True
            with pytest.raises(pay402.FacilitatorError) as e:
                await client.asettle(payload, requirements)
            assert e.value.code == "facilitator_unavailable"
            assert (await client.asettle(payload, on_mainnet(requirements)))["by"] == "b"

    asyncio.run(run())
    assert sleeps == [0.2, 1.0]  # back-off, then Retry-After (longer than the 0.4 back-off)
    assert [r["headers"].get("Authorization") for r in a.received] == ["Bearer supported"] + ["Bearer verify"] * 3 + ["Bearer settle"]
    assert a.count("/settle") == 1 and b.count("/settle") == 1


def test_an_async_headers_function_needs_the_async_methods(peers: Any) -> None:
    _, ua, _, _, _, _ = peers

    async def token(endpoint: str) -> Dict[str, str]:
        return {}

    with FacilitatorClient(Facilitator(ua, headers=token)) as client, pytest.raises(TypeError):
        client.verify(*signed_payment())


def test_retry_delays_are_exponential_capped_and_jittered() -> None:
    r = Retry(attempts=10, base_delay=1.0, max_delay=8.0, jitter=0.5, random=lambda: 1.0)
    assert [r.delay(n, None) for n in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert r.delay(0, 3.0) == 3.0 and r.delay(0, 9.0) is None and r.delay(9, None) is None
    with pytest.raises(ValueError):
        Retry(attempts=0)


def test_readme_several_facilitators_example_runs(peers: Any, monkeypatch: Any) -> None:
    import re
    from pathlib import Path

    a, ua, _, b, ub, _ = peers
    readme = (Path(__file__).resolve().parents[2] / "ffi-python" / "README.md").read_text(encoding="utf-8")
    blocks = [x for x in re.findall(r"```python\n(.*?)```", readme, flags=re.S) if "# Several facilitators" in x]
    assert len(blocks) == 1
    monkeypatch.setenv("FACILITATOR_A", ua)
    monkeypatch.setenv("FACILITATOR_B", ub)
    monkeypatch.setenv("FACILITATOR_B_TOKEN", "t0ken")
    payload, requirements = signed_payment()
    namespace: Dict[str, Any] = {"payload": payload, "requirements": requirements}
    exec(compile(blocks[0], "README.md[several facilitators]", "exec"), namespace)
    assert namespace["verified"]["isValid"] is True and namespace["settled"]["transaction"] == TX
    assert a.count("/verify") == 1 and a.count("/settle") == 1 and b.count("/settle") == 0
    assert [r["headers"]["Authorization"] for r in b.received] == ["Bearer t0ken"]  # b's /supported
    # a settle answered 500: the example's except branch, nothing sent to b
    a.script["/settle"] = ["500"]
    exec(compile(blocks[0], "README.md[several facilitators]", "exec"), namespace)
    assert a.count("/settle") == 2 and b.count("/settle") == 0
