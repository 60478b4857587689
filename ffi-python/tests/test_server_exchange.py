"""The exactly-once rules of a paid request, on real frameworks, real stores and a facilitator
on a loopback socket:

* the handler crashes after verification → nothing is settled, the reservation is released,
  and the same payment retried is served (FastAPI, Flask, Django);
* the facilitator refuses settlement → 402 with the failure receipt, the content is withheld,
  the reservation is released;
* the facilitator does not answer in time → the reservation is kept (the payment may still
  land), the content is not served, and the same payment is refused afterwards;
  ``settlement_pending`` is retried once, then kept the same way;
* concurrent duplicates over real HTTP through one Redis → exactly one is served (the
  multi-process case is ``test_replay.py``).
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List

import pytest

pytest.importorskip("httpx", reason="httpx not installed (ffi-python/tests/requirements-web.txt)")
fastapi = pytest.importorskip("fastapi", reason="fastapi not installed (ffi-python/tests/requirements-web.txt)")
flask = pytest.importorskip("flask", reason="flask not installed (ffi-python/tests/requirements-web.txt)")
requests = pytest.importorskip("requests", reason="requests not installed (ffi-python/tests/requirements-web.txt)")
pytest.importorskip("django", reason="django not installed (ffi-python/tests/requirements-web.txt)")

from fastapi import FastAPI  # noqa: E402
from fastapi import Request as FastAPIRequest  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

import pay402  # noqa: E402
from pay402.facilitator import FacilitatorClient  # noqa: E402
from pay402.replay import MemoryReplayStore  # noqa: E402
from pay402.server import X402Paywall  # noqa: E402
from web_support import KEY, PAY_TO, PAYER, CountingSettlement, redis_server, wsgi_server  # noqa: E402

_nonce = [5000]


def sign(challenge_headers: Any) -> Dict[str, str]:
    required = pay402.decode_payment_required(challenge_headers["payment-required"]).json
    _nonce[0] += 1
    signed = pay402.x402_sign(required, KEY, now=int(time.time()), nonce=_nonce[0].to_bytes(32, "big"))
    return {signed.header_name: signed.header_value}


def paywall(settlement: Any = None, store: Any = None, **kw: Any) -> X402Paywall:
    return X402Paywall({"GET /item": "$0.01"}, network="eip155:84532", pay_to=PAY_TO,
                       settlement=settlement if settlement is not None else CountingSettlement(),
                       replay_store=store if store is not None else MemoryReplayStore(), **kw)


class CrashOnce:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("the handler crashed after verification")


def fastapi_client(pw: X402Paywall, crash: CrashOnce) -> Any:
    from pay402.server.asgi import PaymentMiddleware

    app = FastAPI()

    @app.get("/item")
    def item(request: FastAPIRequest) -> Dict[str, Any]:
        crash()
        return {"payer": request.scope["pay402"].payer}

    app.add_middleware(PaymentMiddleware, x402=pw)
    return TestClient(app, raise_server_exceptions=False)


def flask_client(pw: X402Paywall, crash: CrashOnce) -> Any:
    from pay402.server.flask import Pay402

    app = flask.Flask("crash")
    Pay402(app, x402=pw)

    @app.get("/item")
    def item() -> Any:
        crash()
        return {"payer": flask.g.pay402.payer}

    return app.test_client()


@pytest.mark.parametrize("framework", ["fastapi", "flask", "django"])
def test_handler_crash_after_verify_settles_nothing_and_the_payment_can_be_retried(framework: str) -> None:
    settlement, store, crash = CountingSettlement(), MemoryReplayStore(), CrashOnce()
    pw = paywall(settlement, store)
    if framework == "django":
        import django_app
        from django.test import Client, override_settings

        django_app.CALLS["broken"] = 0
        override = override_settings(MIDDLEWARE=["pay402.server.django.PaymentMiddleware"],
                                     PAY402={"routes": {"GET /broken": "$0.01"}, "network": "eip155:84532",
                                             "pay_to": PAY_TO, "settlement": settlement, "replay_store": store})
        override.enable()
        try:
            client = Client(raise_request_exception=False)
            headers = sign(client.get("/broken").headers)
            crashed = client.get("/broken", headers=headers)
            assert crashed.status_code == 500 and settlement.calls == [] and len(store) == 0
            retried = client.get("/broken", headers=headers)
        finally:
            override.disable()
        assert retried.status_code == 200 and retried.json()["payer"] == PAYER
        assert "PAYMENT-RESPONSE" in retried.headers and len(settlement.calls) == 1
        return
    client = fastapi_client(pw, crash) if framework == "fastapi" else flask_client(pw, crash)
    headers = sign(client.get("/item").headers)
    crashed = client.get("/item", headers=headers)
    assert crashed.status_code == 500 and "payment-response" not in crashed.headers
    assert settlement.calls == [] and len(store) == 0          # nothing settled, reservation released
    retried = client.get("/item", headers=headers)              # the same authorization, again
    body = retried.get_json() if framework == "flask" else retried.json()
    assert retried.status_code == 200 and body == {"payer": PAYER}
    assert len(settlement.calls) == 1 and len(store) == 1
    assert client.get("/item", headers=headers).status_code == 402   # and now it is used


def test_handler_error_status_settles_nothing_and_releases() -> None:
    from pay402.server.flask import Pay402

    settlement, store = CountingSettlement(), MemoryReplayStore()
    app = flask.Flask("status")
    Pay402(app, x402=paywall(settlement, store))

    @app.get("/item")
    def item() -> Any:
        return {"error": "out of stock"}, 409

    client = app.test_client()
    headers = sign(client.get("/item").headers)
    r = client.get("/item", headers=headers)
    assert r.status_code == 409 and r.get_json() == {"error": "out of stock"}
    assert settlement.calls == [] and len(store) == 0 and "PAYMENT-RESPONSE" not in r.headers


# --- a facilitator on a loopback socket -----------------------------------------------------------


def facilitator(mode: Dict[str, Any], seen: List[Dict[str, Any]]) -> Any:
    app = flask.Flask("facilitator")

    @app.post("/settle")
    def settle() -> Any:
        body = flask.request.get_json()
        seen.append(body)
        network = body["paymentRequirements"]["network"]
        m = mode["settle"][min(len(seen), len(mode["settle"])) - 1]
        if m == "slow":
            time.sleep(1.5)
        if m == "refuse":
            return {"success": False, "errorReason": "insufficient_funds", "transaction": "", "network": network,
                    "payer": PAYER}
        if m == "refuse with message":
            return {"success": False, "errorReason": "insufficient_funds", "errorMessage": "balance \"0\"\n< 10000 ✓",
                    "transaction": "", "network": network, "payer": PAYER}
        if m == "pending":
            return {"success": False, "errorReason": "settlement_pending", "transaction": "0x" + "cd" * 32,
                    "network": network, "payer": PAYER}
        return {"success": True, "transaction": "0x" + "ab" * 32, "network": network, "payer": PAYER}

    return app


def fastapi_app(pw: X402Paywall) -> Any:
    from pay402.server.asgi import PaymentMiddleware

    app = FastAPI()

    @app.get("/item")
    def item() -> Dict[str, Any]:
        return {"data": "the content"}

    app.add_middleware(PaymentMiddleware, x402=pw)
    return app


def test_refused_settlement_withholds_content_with_the_failure_receipt_and_releases() -> None:
    seen: List[Dict[str, Any]] = []
    store = MemoryReplayStore()
    with wsgi_server(facilitator({"settle": ["refuse", "ok"]}, seen)) as url:
        client = TestClient(fastapi_app(paywall(FacilitatorClient(url), store)))
        headers = sign(client.get("/item").headers)
        r = client.get("/item", headers=headers)
        assert r.status_code == 402 and b"the content" not in r.content
        receipt = json.loads(pay402.decode_settle_response(r.headers["payment-response"]).json)
        assert receipt["success"] is False and receipt["errorReason"] == "insufficient_funds"
        challenge = json.loads(pay402.decode_payment_required(r.headers["payment-required"]).json)
        assert challenge["error"] == "insufficient_funds"
        assert len(store) == 0                                  # released
        again = client.get("/item", headers=headers)            # funds arrived: the same payment settles
        assert again.status_code == 200 and again.json() == {"data": "the content"}
    assert len(seen) == 2 and seen[0] == seen[1]


def test_the_402_body_says_why_with_the_code_the_detail_code_and_a_message() -> None:
    """The core's body: ``error`` (the code, also the ``PAYMENT-REQUIRED`` JSON's), ``errorDetail``
    when there is one, ``errorMessage``; inside the x402 v1 body, as this offer has a v1 form."""
    seen: List[Dict[str, Any]] = []
    with wsgi_server(facilitator({"settle": ["refuse with message", "refuse"]}, seen)) as url:
        client = TestClient(fastapi_app(paywall(FacilitatorClient(url))))
        unpaid = client.get("/item")
        body = unpaid.json()
        assert unpaid.status_code == 402 and list(body) == ["x402Version", "error", "errorMessage", "accepts"]
        assert body["error"] == "payment_required" and isinstance(body["errorMessage"], str) and body["errorMessage"]
        challenge = json.loads(pay402.decode_payment_required(unpaid.headers["payment-required"]).json)
        assert challenge["error"] == "payment_required" and "errorMessage" not in challenge

        bad = client.get("/item", headers={"PAYMENT-SIGNATURE": "eyJ4NDAyVmVyc2lvbiI6Mn0="})  # {"x402Version":2}
        body = bad.json()
        assert bad.status_code == 402 and (body["error"], body["errorDetail"]) == ("invalid_payload", "missing_field")
        assert isinstance(body["errorMessage"], str) and body["errorMessage"]

        headers = sign(unpaid.headers)
        refused = client.get("/item", headers=headers)           # the facilitator's own message
        body = refused.json()
        assert refused.status_code == 402 and b"the content" not in refused.content
        assert (body["error"], body["errorMessage"]) == ("insufficient_funds", 'balance "0"\n< 10000 ✓')
        refused = client.get("/item", headers=headers)           # none: the core's sentence
        body = refused.json()
        assert body["error"] == "insufficient_funds" and isinstance(body["errorMessage"], str) and body["errorMessage"]
    assert len(seen) == 2


def test_challenge_takes_a_code_and_an_optional_message() -> None:
    server = pay402.X402Server(
        [{"scheme": "upto", "network": "eip155:84532", "asset": "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
          "amount": "50000", "pay_to": PAY_TO, "max_timeout_seconds": 300,
          "facilitator": "0x000000000000000000000000000000000000dEaD"}],
        {"url": "https://api.example.com/llm"},
    )
    # x402 v2 only: without a problem the transport's default body, with one the problem alone.
    assert server.challenge().body == b"{}"
    assert json.loads(server.challenge("aborted", 'quota "0"\n€').body or b"") == {
        "error": "aborted", "errorMessage": 'quota "0"\n€'}
    assert json.loads(server.challenge("aborted").body or b"") == {"error": "aborted"}
    with pytest.raises(pay402.Error) as e:
        server.challenge(message="why")
    assert e.value.code == "message_without_code"


def test_facilitator_timeout_keeps_the_reservation_and_serves_nothing() -> None:
    seen: List[Dict[str, Any]] = []
    store = MemoryReplayStore()
    with wsgi_server(facilitator({"settle": ["slow"]}, seen)) as url:
        client = TestClient(fastapi_app(paywall(FacilitatorClient(url, timeout=0.3), store)))
        headers = sign(client.get("/item").headers)
        r = client.get("/item", headers=headers)
        assert r.status_code == 502 and b"the content" not in r.content
        assert len(store) == 1                                  # kept: the payment may still land
        replay = client.get("/item", headers=headers)
        assert replay.status_code == 402 and replay.json()["error"] == "payment_already_used"
        time.sleep(1.5)
    assert len(seen) == 1                                       # no retry without an answer


def test_settlement_pending_is_retried_once_then_kept() -> None:
    seen: List[Dict[str, Any]] = []
    store = MemoryReplayStore()
    with wsgi_server(facilitator({"settle": ["pending", "pending"]}, seen)) as url:
        client = TestClient(fastapi_app(paywall(FacilitatorClient(url), store)))
        headers = sign(client.get("/item").headers)
        r = client.get("/item", headers=headers)
    assert r.status_code == 402 and b"the content" not in r.content
    receipt = json.loads(pay402.decode_settle_response(r.headers["payment-response"]).json)
    assert receipt["errorReason"] == "settlement_pending"
    assert len(seen) == 2 and seen[0] == seen[1] and len(store) == 1


def test_settlement_pending_then_success_serves_once() -> None:
    seen: List[Dict[str, Any]] = []
    with wsgi_server(facilitator({"settle": ["pending", "ok"]}, seen)) as url:
        client = TestClient(fastapi_app(paywall(FacilitatorClient(url))))
        headers = sign(client.get("/item").headers)
        r = client.get("/item", headers=headers)
        assert r.status_code == 200 and r.json() == {"data": "the content"}
        assert client.get("/item", headers=headers).status_code == 402
    assert len(seen) == 2


def test_concurrent_duplicates_over_real_http_through_redis_serve_once() -> None:
    pytest.importorskip("redis", reason="redis not installed (ffi-python/tests/requirements-web.txt)")
    from pay402.replay import RedisReplayStore
    from pay402.server.wsgi import PaymentMiddleware

    served = []
    lock = threading.Lock()

    def app(environ: Dict[str, Any], start_response: Any) -> List[bytes]:
        with lock:
            served.append(environ["pay402"].payer)
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"data":"the content"}']

    with redis_server() as port:
        settlement = CountingSettlement()
        # Two independent servers (separate paywalls and Redis connections) behind one Redis.
        servers = [PaymentMiddleware(app, x402=paywall(settlement, RedisReplayStore.from_url(f"redis://127.0.0.1:{port}/0")))
                   for _ in range(2)]
        with wsgi_server(servers[0]) as a, wsgi_server(servers[1]) as b:
            headers = sign(requests.get(a + "/item").headers)
            with ThreadPoolExecutor(12) as pool:
                results = list(pool.map(lambda n: requests.get((a, b)[n % 2] + "/item", headers=headers), range(12)))
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200] + [402] * 11, statuses
    assert served == [PAYER] and len(settlement.calls) == 1
    assert all(r.json()["error"] == "payment_already_used" for r in results if r.status_code == 402)
