"""Each framework integration as its users write it, exercised with the framework's own test
client and over real HTTP on 127.0.0.1: FastAPI (middleware + per-route ``Depends(price(...))``),
Flask (``Pay402`` extension, route table and ``@pay.price`` decorator), Django
(``pay402.server.django.PaymentMiddleware`` from ``settings.PAY402`` and ``@price``, tested
with ``django.test.Client``) and plain WSGI. Payments come from pay402's client (``X402Payer``)
and ``x402_sign``; expected amounts are the prices in atomic units of USDC (6 decimals)."""

from __future__ import annotations

import json
from typing import Any, Dict, List

import pytest

pytest.importorskip("httpx", reason="httpx not installed (ffi-python/tests/requirements-web.txt)")
fastapi = pytest.importorskip("fastapi", reason="fastapi not installed (ffi-python/tests/requirements-web.txt)")
flask = pytest.importorskip("flask", reason="flask not installed (ffi-python/tests/requirements-web.txt)")
requests = pytest.importorskip("requests", reason="requests not installed (ffi-python/tests/requirements-web.txt)")
pytest.importorskip("django", reason="django not installed (ffi-python/tests/requirements-web.txt)")

import httpx  # noqa: E402
from fastapi import Depends, FastAPI  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

import pay402  # noqa: E402
from pay402.client import PaymentAuth, payment_receipt, requests_session  # noqa: E402
from pay402.server import Admission, X402Paywall  # noqa: E402
from pay402.server.asgi import PaymentMiddleware  # noqa: E402
from pay402.server.fastapi import price  # noqa: E402
from pay402.server.flask import Pay402  # noqa: E402
from web_support import PAY_TO, PAYER, CountingSettlement, uvicorn_server, wsgi_server, x402_payer  # noqa: E402


def amount_offered(response: Any) -> int:
    header = response.headers["payment-required"]
    return int(json.loads(pay402.decode_payment_required(header).json)["accepts"][0]["amount"])


# --- FastAPI ------------------------------------------------------------------------------------


def fastapi_app(paywall: X402Paywall) -> FastAPI:
    app = FastAPI()

    @app.get("/report")
    def report(payment: Admission = Depends(price("$0.05"))) -> Dict[str, Any]:
        return {"data": "report", "payer": payment.payer, "amount": payment.amount}

    @app.get("/quote/{size}")
    def quote(size: int, payment: Admission = Depends(price(lambda r: int(r.path.rsplit("/", 1)[1]) * 1000))) -> Dict[str, Any]:
        return {"size": size, "amount": payment.amount}

    @app.get("/free")
    def free() -> Dict[str, Any]:
        return {"data": "free"}

    app.add_middleware(PaymentMiddleware, x402=paywall)
    return app


def paywall(settlement: Any, **kw: Any) -> X402Paywall:
    return X402Paywall(network="eip155:84532", pay_to=PAY_TO, settlement=settlement, **kw)


def test_fastapi_dependency_prices_each_route_test_client() -> None:
    settlement = CountingSettlement()
    client = TestClient(fastapi_app(paywall(settlement)))
    unpaid = client.get("/report")
    assert unpaid.status_code == 402 and amount_offered(unpaid) == 50_000
    assert amount_offered(client.get("/quote/7")) == 7_000          # dynamic price from the request
    assert client.get("/free").json() == {"data": "free"}
    r = client.get("/report", auth=PaymentAuth(x402=x402_payer()))
    assert r.status_code == 200 and r.json() == {"data": "report", "payer": PAYER, "amount": 50_000}
    receipt = payment_receipt(r)
    assert receipt is not None and receipt["success"] is True
    assert [c.requirements["amount"] for c in settlement.calls] == ["50000"]


def test_fastapi_dependency_without_middleware_fails_closed() -> None:
    app = FastAPI()

    @app.get("/report")
    def report(payment: Admission = Depends(price("$0.05"))) -> Dict[str, Any]:
        return {"data": "served unpaid"}

    r = TestClient(app, raise_server_exceptions=False).get("/report")
    assert r.status_code == 500 and b"served unpaid" not in r.content
    with pytest.raises(pay402.ConfigurationError) as e:
        TestClient(app).get("/report")
    assert e.value.code == "missing_middleware"


def test_fastapi_over_real_http_with_requests() -> None:
    settlement = CountingSettlement()
    with uvicorn_server(fastapi_app(paywall(settlement))) as base:
        assert requests.get(base + "/report").status_code == 402
        session = requests_session(x402=x402_payer())
        r = session.get(base + "/quote/3")
    assert r.status_code == 200 and r.json() == {"size": 3, "amount": 3_000}
    assert [c.requirements["amount"] for c in settlement.calls] == ["3000"]


# --- Flask ---------------------------------------------------------------------------------------


def flask_app(paywall: X402Paywall) -> Any:
    app = flask.Flask("pay402-flask-ext")
    pay = Pay402(x402=paywall)
    pay.init_app(app)

    @app.get("/premium")
    def premium() -> Any:  # priced by the paywall's route table
        return {"data": "table", "payer": flask.g.pay402.payer}

    @app.get("/report")
    @pay.price("$0.05")
    def report() -> Any:
        return {"data": "decorated", "payer": flask.g.pay402.payer, "amount": flask.g.pay402.amount}

    @app.get("/free")
    def free() -> Any:
        return {"data": "free"}

    return app


def test_flask_extension_route_table_and_decorator_test_client() -> None:
    settlement = CountingSettlement()
    app = flask_app(paywall(settlement, routes={"GET /premium": "$0.01"}))
    client = app.test_client()
    assert amount_offered(client.get("/premium")) == 10_000
    assert amount_offered(client.get("/report")) == 50_000
    assert client.get("/free").get_json() == {"data": "free"}
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://flask.test",
                      auth=PaymentAuth(x402=x402_payer())) as c:
        table = c.get("/premium")
        decorated = c.get("/report")
    assert table.status_code == 200 and table.json() == {"data": "table", "payer": PAYER}
    assert decorated.status_code == 200 and decorated.json()["amount"] == 50_000
    assert payment_receipt(decorated)["success"] is True  # type: ignore[index]
    assert [c.requirements["amount"] for c in settlement.calls] == ["10000", "50000"]


def test_flask_test_client_pays_with_a_signed_header() -> None:
    app = flask_app(paywall(CountingSettlement()))
    client = app.test_client()
    unpaid = client.get("/report")
    required = pay402.decode_payment_required(unpaid.headers["PAYMENT-REQUIRED"]).json
    signed = pay402.x402_sign(required, bytes([0x11] * 32), now=int(__import__("time").time()), nonce=bytes([0x21] * 32))
    r = client.get("/report", headers={signed.header_name: signed.header_value})
    assert r.status_code == 200 and r.get_json()["payer"] == PAYER
    assert "PAYMENT-RESPONSE" in r.headers
    again = client.get("/report", headers={signed.header_name: signed.header_value})
    assert again.status_code == 402 and again.get_json()["error"] == "payment_already_used"


def test_flask_over_real_http_with_requests() -> None:
    settlement = CountingSettlement()
    with wsgi_server(flask_app(paywall(settlement))) as base:
        assert requests.get(base + "/report").status_code == 402
        r = requests_session(x402=x402_payer()).get(base + "/report")
    assert r.status_code == 200 and r.json()["data"] == "decorated" and len(settlement.calls) == 1


# --- Django --------------------------------------------------------------------------------------

DJANGO_MIDDLEWARE = ["pay402.server.django.PaymentMiddleware"]


def django_settings(settlement: Any, **extra: Any) -> Dict[str, Any]:
    return {
        "routes": {"GET /premium": "$0.01"},
        "network": "eip155:84532",
        "pay_to": PAY_TO,
        "settlement": settlement,
        **extra,
    }


def test_django_middleware_from_settings_with_django_test_client() -> None:
    import django_app  # noqa: F401  (configures Django)
    from django.test import Client, override_settings

    settlement = CountingSettlement()
    with override_settings(MIDDLEWARE=DJANGO_MIDDLEWARE, PAY402=django_settings(settlement)):
        client = Client()
        unpaid = client.get("/premium")
        assert unpaid.status_code == 402 and amount_offered(unpaid) == 10_000
        assert amount_offered(client.get("/report")) == 50_000      # @price on the view
        assert client.get("/free").json() == {"data": "free"}
        for n, path in enumerate(("/premium", "/report")):
            required = pay402.decode_payment_required(client.get(path).headers["PAYMENT-REQUIRED"]).json
            signed = pay402.x402_sign(required, bytes([0x11] * 32), now=int(__import__("time").time()), nonce=bytes([0x30 + n] * 32))
            r = client.get(path, headers={signed.header_name: signed.header_value})
            assert r.status_code == 200 and r.json()["payer"] == PAYER, r.content
            assert "PAYMENT-RESPONSE" in r.headers
    assert [c.requirements["amount"] for c in settlement.calls] == ["10000", "50000"]


def test_django_settings_are_checked_when_the_middleware_loads() -> None:
    import django_app  # noqa: F401
    from django.test import Client, override_settings

    for settings, code in (
        (None, "missing_settings"),
        ({"network": "eip155:84532", "pay_to": PAY_TO}, "missing_settlement"),
        (django_settings("none", pay_to="0x1234"), "invalid_pay_to"),
        (django_settings("none", colour="blue"), "unknown_option"),
    ):
        with override_settings(MIDDLEWARE=DJANGO_MIDDLEWARE, PAY402=settings):
            with pytest.raises(pay402.ConfigurationError) as e:
                Client().get("/premium")
            assert e.value.code == code, (settings, e.value.code)


def test_django_priced_view_without_the_middleware_is_not_served() -> None:
    import django_app  # noqa: F401
    from django.test import Client, override_settings

    with override_settings(MIDDLEWARE=[]):
        with pytest.raises(pay402.ConfigurationError):
            Client().get("/report")


def test_django_over_real_http_with_requests() -> None:
    import django_app  # noqa: F401
    from django.core.wsgi import get_wsgi_application
    from django.test import override_settings

    settlement = CountingSettlement()
    with override_settings(MIDDLEWARE=DJANGO_MIDDLEWARE, PAY402=django_settings(settlement)):
        application = get_wsgi_application()
        with wsgi_server(application) as base:
            assert requests.get(base + "/report").status_code == 402
            r = requests_session(x402=x402_payer()).get(base + "/report")
    assert r.status_code == 200 and r.json() == {"data": "django report", "payer": PAYER}
    assert len(settlement.calls) == 1


# --- plain WSGI ----------------------------------------------------------------------------------


def plain_wsgi(environ: Dict[str, Any], start_response: Any) -> List[bytes]:
    admission = environ.get("pay402")
    body = json.dumps({"payer": admission.payer if admission else None}).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


def test_plain_wsgi_with_test_transport_and_real_http() -> None:
    from pay402.server.wsgi import PaymentMiddleware as WSGIPayment

    settlement = CountingSettlement()
    app = WSGIPayment(plain_wsgi, x402=paywall(settlement, routes={"/paid": 1234}))
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://wsgi.test") as c:
        assert amount_offered(c.get("/paid")) == 1234
        assert c.get("/other").json() == {"payer": None}
        assert c.get("/paid", auth=PaymentAuth(x402=x402_payer())).json() == {"payer": PAYER}
    with wsgi_server(app) as base:
        r = requests_session(x402=x402_payer()).get(base + "/paid")
    assert r.status_code == 200 and r.json() == {"payer": PAYER} and len(settlement.calls) == 2
