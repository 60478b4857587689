"""x402 and L402 middleware round trips: real FastAPI, Flask and Django apps, paid by the httpx
and requests clients, in process and over real loopback sockets; settlement after success only;
replays, budgets, misconfiguration and settlement failures fail closed."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

pytest.importorskip("httpx", reason="httpx not installed (ffi-python/tests/requirements-web.txt)")
fastapi = pytest.importorskip("fastapi", reason="fastapi not installed (ffi-python/tests/requirements-web.txt)")
flask = pytest.importorskip("flask", reason="flask not installed (ffi-python/tests/requirements-web.txt)")
requests = pytest.importorskip("requests", reason="requests not installed (ffi-python/tests/requirements-web.txt)")

import httpx  # noqa: E402
from fastapi import FastAPI, HTTPException  # noqa: E402
from fastapi import Request as FastAPIRequest  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

import pay402  # noqa: E402
from pay402 import asgi, wsgi  # noqa: E402
from pay402.client import Budget, L402Payer, PaymentAdapter, PaymentAuth, X402PaymentRefused, payment_receipt, requests_session  # noqa: E402
from pay402.server import Gate, L402Paywall, L402Route, Request, X402Paywall, X402Route  # noqa: E402
from web_support import (  # noqa: E402
    FEWSATS_NOW,
    FEWSATS_PREIMAGE,
    KEY,
    PAY_TO,
    PAYER,
    USDC_BASE_SEPOLIA,
    CountingSettlement,
    fewsats_invoices,
    uvicorn_server,
    wsgi_server,
    x402_paywall,
    x402_payer,
)


def fastapi_app(**middleware: Any) -> FastAPI:
    app = FastAPI()

    @app.get("/premium")
    def premium(request: FastAPIRequest) -> Any:
        admission = request.scope["pay402"]
        return {"data": "premium", "payer": admission.payer, "kind": admission.kind}

    @app.get("/free")
    def free() -> Any:
        return {"data": "free"}

    @app.get("/broken")
    def broken() -> Any:
        raise HTTPException(status_code=500, detail="handler failed")

    app.add_middleware(asgi.PaymentMiddleware, **middleware)
    return app


def flask_app(**middleware: Any) -> Any:
    app = flask.Flask("pay402-test")

    @app.get("/premium")
    def premium() -> Any:
        return {"data": "flask premium", "payer": flask.request.environ["pay402"].payer}

    @app.get("/free")
    def free() -> Any:
        return {"data": "free"}

    app.wsgi_app = wsgi.PaymentMiddleware(app.wsgi_app, **middleware)  # type: ignore[method-assign]
    return app


# --- the 402 itself ---------------------------------------------------------------------------


def test_unpaid_request_gets_v2_header_and_v1_body() -> None:
    client = TestClient(fastapi_app(x402=x402_paywall()))
    r = client.get("/premium")
    assert r.status_code == 402
    v2 = json.loads(pay402.decode_payment_required(r.headers["payment-required"]).json)
    assert v2["x402Version"] == 2 and v2["resource"]["url"] == "http://testserver/premium"
    assert v2["accepts"] == [{
        "scheme": "exact", "network": "eip155:84532", "amount": "10000", "asset": USDC_BASE_SEPOLIA,
        "payTo": PAY_TO, "maxTimeoutSeconds": 60, "extra": {"name": "USDC", "version": "2"},
    }]
    body = r.json()
    assert body["x402Version"] == 1 and body["error"] == "payment_required"
    (v1,) = body["accepts"]
    assert v1["network"] == "base-sepolia" and v1["maxAmountRequired"] == "10000"
    assert v1["resource"] == "http://testserver/premium"
    pay402.decode_payment_required(body=r.content)  # the core accepts the v1 body too


def test_unprotected_routes_pass_untouched() -> None:
    client = TestClient(fastapi_app(x402=x402_paywall()))
    r = client.get("/free")
    assert r.status_code == 200 and "payment-required" not in r.headers


def test_method_is_part_of_the_route() -> None:
    client = TestClient(fastapi_app(x402=x402_paywall({"POST /premium": "$0.01"})), raise_server_exceptions=False)
    assert client.get("/premium").status_code == 500  # GET is not protected: the handler finds no payment
    assert client.post("/premium").status_code == 402


# --- paying clients against FastAPI -----------------------------------------------------------


def test_fastapi_sync_httpx_client_pays_v2_and_gets_receipt() -> None:
    settlement = CountingSettlement()
    payer = x402_payer()
    client = TestClient(fastapi_app(x402=x402_paywall(settlement=settlement)))
    r = client.get("/premium", auth=PaymentAuth(x402=payer))
    assert r.status_code == 200, r.text
    assert r.json() == {"data": "premium", "payer": PAYER, "kind": "x402"}
    receipt = payment_receipt(r)
    assert receipt is not None and receipt["success"] is True and receipt["transaction"] == "0x" + "ab" * 32
    assert "payment-response" in r.headers and "x-payment-response" not in r.headers
    assert payer.budget.spent == 10_000
    (call,) = settlement.calls
    assert call.x402_version == 2 and call.requirements["amount"] == "10000"
    assert call.payment_payload["accepted"] == call.requirements


def test_fastapi_async_httpx_client_pays() -> None:
    payer = x402_payer()

    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=fastapi_app(x402=x402_paywall()))
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test", auth=PaymentAuth(x402=payer)) as c:
            return await c.get("/premium")

    r = asyncio.run(run())
    assert r.status_code == 200 and r.json()["payer"] == PAYER
    assert payment_receipt(r)["payer"] == PAYER  # type: ignore[index]


def test_v1_client_pays_with_x_payment() -> None:
    settlement = CountingSettlement()
    client = TestClient(fastapi_app(x402=x402_paywall(settlement=settlement)))
    r402 = client.get("/premium")
    assert r402.status_code == 402 and r402.json()["x402Version"] == 1
    signed = pay402.x402_sign(r402.text, KEY, now=int(__import__("time").time()), nonce=bytes([9] * 32))
    assert signed.header_name == "X-PAYMENT"
    r = client.get("/premium", headers={signed.header_name: signed.header_value})
    assert r.status_code == 200
    assert "x-payment-response" in r.headers and "payment-response" not in r.headers
    assert settlement.calls[0].x402_version == 1
    assert settlement.calls[0].payment_payload["network"] == "base-sepolia"


def test_a_payment_is_accepted_once() -> None:
    client = TestClient(fastapi_app(x402=x402_paywall()))
    required = pay402.decode_payment_required(client.get("/premium").headers["payment-required"]).json
    signed = pay402.x402_sign(required, KEY, now=int(__import__("time").time()), nonce=bytes([7] * 32))
    first = client.get("/premium", headers={signed.header_name: signed.header_value})
    second = client.get("/premium", headers={signed.header_name: signed.header_value})
    assert first.status_code == 200
    assert second.status_code == 402 and second.json()["error"] == "payment_already_used"


def test_invalid_payments_are_refused_with_the_core_code() -> None:
    client = TestClient(fastapi_app(x402=x402_paywall()))
    r = client.get("/premium", headers={"PAYMENT-SIGNATURE": "garbage"})
    assert r.status_code == 402 and r.json()["error"] == "invalid_payload"
    # A payment for another (cheaper) route does not buy this one.
    cheap = TestClient(fastapi_app(x402=x402_paywall({"GET /premium": "$0.001"})))
    required = pay402.decode_payment_required(cheap.get("/premium").headers["payment-required"]).json
    signed = pay402.x402_sign(required, KEY, now=int(__import__("time").time()), nonce=bytes([8] * 32))
    r = client.get("/premium", headers={signed.header_name: signed.header_value})
    assert r.status_code == 402 and r.json()["error"] == "accepted_requirements_mismatch"


def test_no_settlement_when_the_handler_fails() -> None:
    settlement = CountingSettlement()
    app = fastapi_app(x402=x402_paywall({"GET /broken": "$0.01"}, settlement=settlement))
    r = TestClient(app, raise_server_exceptions=False).get("/broken", auth=PaymentAuth(x402=x402_payer()))
    assert r.status_code == 500
    assert settlement.calls == [] and "payment-response" not in r.headers


def test_refused_settlement_withholds_content_with_402() -> None:
    settlement = CountingSettlement(fail=pay402.SettleError("no funds", code="insufficient_funds"))
    client = TestClient(fastapi_app(x402=x402_paywall(settlement=settlement)))
    with pytest.raises(X402PaymentRefused) as refused:
        client.get("/premium", auth=PaymentAuth(x402=x402_payer()))
    assert refused.value.code == "insufficient_funds" and refused.value.status == 402
    r = refused.value.response
    assert r.status_code == 402 and b'"data"' not in r.content
    failure = payment_receipt(r)
    assert failure is not None and failure["success"] is False and failure["errorReason"] == "insufficient_funds"


def test_unavailable_settlement_withholds_content_with_502() -> None:
    settlement = CountingSettlement(fail=ConnectionError("facilitator down"))
    client = TestClient(fastapi_app(x402=x402_paywall(settlement=settlement)))
    r = client.get("/premium", auth=PaymentAuth(x402=x402_payer()))
    assert r.status_code == 502 and b"premium" not in r.content and len(settlement.calls) == 1


def test_a_settlement_hook_returning_failure_is_not_success() -> None:
    refusal = {"success": False, "errorReason": "x", "transaction": "", "network": "eip155:84532"}
    client = TestClient(fastapi_app(x402=x402_paywall(settlement=lambda req: refusal)))
    with pytest.raises(X402PaymentRefused) as refused:
        client.get("/premium", auth=PaymentAuth(x402=x402_payer()))
    r = refused.value.response
    assert r.status_code == 402 and b'"data"' not in r.content and refused.value.code == "x"
    # An answer that is not a SettleResponse is no answer: withheld too (502).
    client = TestClient(fastapi_app(x402=x402_paywall(settlement=lambda req: {"success": False})))
    r = client.get("/premium", auth=PaymentAuth(x402=x402_payer()))
    assert r.status_code == 502 and b'"data"' not in r.content


def test_failing_replay_store_refuses_payments() -> None:
    class Broken:
        def insert_if_absent(self, key: bytes, ttl_seconds: int) -> bool:
            raise ConnectionError("redis down")

        def release(self, key: bytes) -> None:
            raise ConnectionError("redis down")

    client = TestClient(fastapi_app(x402=x402_paywall(replay_store=Broken())))
    r = client.get("/premium", auth=PaymentAuth(x402=x402_payer()))
    assert r.status_code == 503 and r.json()["error"] == "replay_store_unavailable"


# --- budgets ----------------------------------------------------------------------------------


def test_per_request_budget_is_never_exceeded() -> None:
    payer = x402_payer(per_request=9_999)
    client = TestClient(fastapi_app(x402=x402_paywall()))
    with pytest.raises(pay402.BudgetExceeded) as e:
        client.get("/premium", auth=PaymentAuth(x402=payer))
    assert e.value.code == "per_request_budget_exceeded" and e.value.amount == 10_000
    assert payer.budget.spent == 0


def test_total_budget_is_never_exceeded() -> None:
    payer = x402_payer(per_request=10_000, total=25_000)
    client = TestClient(fastapi_app(x402=x402_paywall()))
    auth = PaymentAuth(x402=payer)
    assert client.get("/premium", auth=auth).status_code == 200
    assert client.get("/premium", auth=auth).status_code == 200
    with pytest.raises(pay402.BudgetExceeded) as e:
        client.get("/premium", auth=auth)
    assert e.value.code == "total_budget_exceeded" and e.value.remaining == 5_000
    assert payer.budget.spent == 20_000


def test_client_refuses_offers_on_other_networks() -> None:
    payer = x402_payer(networks=["eip155:8453"])
    client = TestClient(fastapi_app(x402=x402_paywall()))
    with pytest.raises(pay402.PaymentError):
        client.get("/premium", auth=PaymentAuth(x402=payer))
    assert payer.budget.spent == 0


# --- configuration fails closed ---------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, code",
    [
        (dict(pay_to=None), "missing_pay_to"),
        (dict(network=None), "missing_network"),
        (dict(network="eip155:999999"), "missing_asset"),
        (dict(network="not-a-network"), "unknown_network"),
        (dict(network="solana-devnet"), "missing_asset"),
        (dict(network="solana-devnet", asset="4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU", decimals=6), "missing_fee_payer"),
        (dict(scheme="upto"), "missing_facilitator"),
        (dict(scheme="stream"), "unsupported_scheme"),
        (dict(transfer_method="magic"), "invalid_transfer_method"),
        (dict(colour="blue"), "unknown_option"),
        (dict(pay_to="0x1234"), "invalid_pay_to"),
        (dict(settlement=None), "missing_settlement"),
        (dict(asset="0x0000000000000000000000000000000000000001"), "missing_asset"),
        # The core's payment-option rules, stricter than the former Python gate: a zero lifetime is
        # refused (it used to become 60) and `upto` with EIP-3009 is refused (it used to become Permit2).
        (dict(max_timeout_seconds=0), "invalid_max_timeout_seconds"),
        (dict(scheme="upto", facilitator="0x4020a4f3b7b90cca423b9fabcc0ce57c6c240002", transfer_method="eip3009"),
         "invalid_transfer_method"),
    ],
)
def test_misconfiguration_raises_at_construction(kwargs: Any, code: str) -> None:
    with pytest.raises(pay402.ConfigurationError) as e:
        x402_paywall(**kwargs)
    assert e.value.code == code


@pytest.mark.parametrize("kwargs, code", [(dict(network="not-a-network"), "unknown_network"), (dict(scheme="upto"), "missing_facilitator")])
def test_a_route_with_a_dynamic_price_is_checked_at_construction(kwargs: Any, code: str) -> None:
    with pytest.raises(pay402.ConfigurationError) as e:
        x402_paywall({"/x": lambda request: "$0.01"}, **kwargs)
    assert e.value.code == code


@pytest.mark.parametrize("price, code", [(0.01, "float_price"), ("$0.0000001", "sub_unit_amount"), ("-1", "invalid_price"),
                                         ("$0", "zero_price"), ("ten", "invalid_price"), (0, "zero_price")])
def test_bad_prices_raise_at_construction(price: Any, code: str) -> None:
    with pytest.raises(pay402.ConfigurationError) as e:
        x402_paywall({"/x": price})
    assert e.value.code == code


def test_per_route_prices_and_custom_assets() -> None:
    paywall = x402_paywall([
        X402Route("GET /cheap", "$0.001"),
        X402Route("/api/*", 123, network="base", pay_to="0x000000000000000000000000000000000000dEaD"),
        X402Route("regex:/t/[0-9]+", "1.5", asset="0x0000000000000000000000000000000000000001", decimals=18,
                  eip712_name="Token", eip712_version="1"),
    ])
    def accepts(method: str, path: str) -> Any:
        reply = Gate(paywall).start(Request(method, path, "http://api.test" + path, []))
        if reply is None:
            return None
        header = dict((k.lower(), v) for k, v in reply.headers)["payment-required"]
        return json.loads(pay402.decode_payment_required(header).json)["accepts"]

    [cheap] = accepts("GET", "/cheap")
    [api] = accepts("GET", "/api/v1/x")
    [token] = accepts("GET", "/t/12")
    assert cheap["amount"] == "1000" and api["amount"] == "123" and api["network"] == "eip155:8453"
    assert token["amount"] == str(15 * 10**17) and token["extra"] == {"name": "Token", "version": "1"}
    assert accepts("POST", "/cheap") is None and accepts("GET", "/t/x") is None


# --- Flask and Django (WSGI) ------------------------------------------------------------------


def test_flask_with_sync_httpx_over_wsgi_transport() -> None:
    settlement = CountingSettlement()
    app = flask_app(x402=x402_paywall(settlement=settlement))
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://flask.test") as c:
        assert c.get("/premium").status_code == 402
        r = c.get("/premium", auth=PaymentAuth(x402=x402_payer()))
        assert c.get("/free").json() == {"data": "free"}
    assert r.status_code == 200 and r.json() == {"data": "flask premium", "payer": PAYER}
    assert payment_receipt(r)["success"] is True and len(settlement.calls) == 1  # type: ignore[index]


def test_flask_with_requests_over_a_real_socket() -> None:
    app = flask_app(x402=x402_paywall())
    with wsgi_server(app) as base:
        assert requests.get(base + "/premium").status_code == 402
        session = requests_session(x402=x402_payer())
        r = session.get(base + "/premium")
    assert r.status_code == 200 and r.json()["payer"] == PAYER
    assert payment_receipt(r)["success"] is True  # type: ignore[index]


def test_django_through_wsgi_with_httpx_and_requests() -> None:
    pytest.importorskip("django", reason="django not installed (ffi-python/tests/requirements-web.txt)")
    import django_app

    settlement = CountingSettlement()
    application = wsgi.PaymentMiddleware(django_app.application(), x402=x402_paywall(settlement=settlement))
    with httpx.Client(transport=httpx.WSGITransport(app=application), base_url="http://django.test") as c:
        assert c.get("/premium").status_code == 402
        r = c.get("/premium", auth=PaymentAuth(x402=x402_payer()))
        assert c.get("/free").status_code == 200
    assert r.status_code == 200 and r.json() == {"data": "django premium", "payer": PAYER}
    with wsgi_server(application) as base:
        r2 = requests_session(x402=x402_payer()).get(base + "/premium")
    assert r2.status_code == 200 and len(settlement.calls) == 2


def test_fastapi_over_a_real_socket_with_requests_and_async_httpx() -> None:
    app = fastapi_app(x402=x402_paywall())
    with uvicorn_server(app) as base:
        assert requests.get(base + "/premium").status_code == 402
        r = requests_session(x402=x402_payer()).get(base + "/premium")
        assert r.status_code == 200 and r.json()["payer"] == PAYER

        async def run() -> httpx.Response:
            async with httpx.AsyncClient(auth=PaymentAuth(x402=x402_payer())) as c:
                return await c.get(base + "/premium")

        r2 = asyncio.run(run())
    assert r2.status_code == 200 and payment_receipt(r2)["success"] is True  # type: ignore[index]


# --- L402 -------------------------------------------------------------------------------------


def l402_paywall(**kw: Any) -> L402Paywall:
    kw.setdefault("service", "weather")
    return L402Paywall({"GET /premium": 17_000}, invoice_provider=fewsats_invoices, clock=lambda: FEWSATS_NOW, **kw)


def fewsats_payer(calls: list, per_request: int = 20_000) -> L402Payer:
    def pay(invoice: str) -> bytes:
        calls.append(invoice)
        return FEWSATS_PREIMAGE

    return L402Payer(pay, budget=Budget(per_request=per_request, total=100_000), clock=lambda: FEWSATS_NOW)


def test_l402_fastapi_round_trip_reuses_the_paid_token() -> None:
    calls: list = []
    client = TestClient(fastapi_app(l402=l402_paywall()))
    r402 = client.get("/premium")
    assert r402.status_code == 402
    schemes = [v.split(" ", 1)[0] for v in r402.headers.get_list("www-authenticate")]
    assert schemes == ["LSAT", "L402"]
    auth = PaymentAuth(l402=fewsats_payer(calls))
    r = client.get("/premium", auth=auth)
    assert r.status_code == 200 and r.json()["kind"] == "l402"
    assert client.get("/premium", auth=auth).status_code == 200
    assert len(calls) == 1  # paid once, token reused


def test_l402_budget_and_bad_credentials() -> None:
    client = TestClient(fastapi_app(l402=l402_paywall()))
    with pytest.raises(pay402.BudgetExceeded):
        client.get("/premium", auth=PaymentAuth(l402=fewsats_payer([], per_request=16_999)))
    r = client.get("/premium", headers={"Authorization": "L402 AGIAJEemVQUTEyNCR0exk7ek90Cg==:" + "00" * 32})
    assert r.status_code == 402 and len(r.headers.get_list("www-authenticate")) == 2  # a fresh challenge


def test_l402_token_from_another_server_is_refused() -> None:
    calls: list = []
    auth = PaymentAuth(l402=fewsats_payer(calls))
    assert TestClient(fastapi_app(l402=l402_paywall())).get("/premium", auth=auth).status_code == 200
    # A second server has its own secret: the cached token is refused, the client pays again.
    r = TestClient(fastapi_app(l402=l402_paywall())).get("/premium", auth=auth)
    assert r.status_code == 200 and len(calls) == 2


def test_l402_flask_with_requests() -> None:
    calls: list = []
    app = flask_app(l402=l402_paywall())
    with wsgi_server(app) as base:
        session = requests_session(l402=fewsats_payer(calls))
        r = session.get(base + "/premium")
    assert r.status_code == 200 and len(calls) == 1


def test_x402_and_l402_on_one_route() -> None:
    app = fastapi_app(x402=x402_paywall(), l402=l402_paywall())
    client = TestClient(app)
    r = client.get("/premium")
    assert r.status_code == 402 and "payment-required" in r.headers
    assert len(r.headers.get_list("www-authenticate")) == 2
    assert client.get("/premium", auth=PaymentAuth(x402=x402_payer())).json()["kind"] == "x402"
    assert client.get("/premium", auth=PaymentAuth(l402=fewsats_payer([]))).json()["kind"] == "l402"


def test_l402_invoice_provider_must_match_its_hash() -> None:
    bad = L402Paywall({"/x": 17_000}, service="s", invoice_provider=lambda a, r: (fewsats_invoices(a, r)[0], bytes(32)))
    client = TestClient(fastapi_app(l402=bad), raise_server_exceptions=True)
    with pytest.raises(pay402.ConfigurationError):
        client.get("/x")


def test_l402_unpaid_requests_store_nothing_and_a_shared_secret_serves_every_worker() -> None:
    import tracemalloc

    secret = bytes([0x42] * 32)
    gate_a = Gate(l402=l402_paywall(secret=secret))
    request = Request("GET", "/premium", "http://api.test/premium", [])
    for _ in range(200):  # warm-up
        gate_a.start(request)
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for _ in range(10_000):
        assert gate_a.start(request).status == 402  # type: ignore[union-attr]
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(s.size_diff for s in after.compare_to(before, "filename"))
    assert grown < 64 * 1024, grown  # flat: a root key per challenge would be >= 10,000 x 32 bytes
    # A token minted by one worker is admitted by another with the same secret.
    calls: list = []
    auth = PaymentAuth(l402=fewsats_payer(calls))
    assert TestClient(fastapi_app(l402=l402_paywall(secret=secret))).get("/premium", auth=auth).status_code == 200
    assert TestClient(fastapi_app(l402=l402_paywall(secret=secret))).get("/premium", auth=auth).status_code == 200
    assert len(calls) == 1
