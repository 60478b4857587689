"""Every scheme sold by every framework integration: ``exact`` EIP-3009, ``exact`` Permit2,
``upto`` Permit2 (the handler reports its usage; the charge is never above the signed maximum)
and Solana ``exact`` with a fee payer, through FastAPI, Flask, Django and plain WSGI, each with
its own test client and over real HTTP.

Payments are made the way clients make them, never by server code: ``x402_sign`` (EIP-3009),
``permit2_sign_payload`` on the offered requirements (Permit2, ``exact`` and ``upto``), and
``SvmPayer`` (Solana; the payer, mint, payee, fee payer and blockhash of the @solana/kit peer
vector ``x402-verify-svm.peers.json``). Expected amounts are the configured prices."""

from __future__ import annotations

import json
import time
from typing import Any, Callable, Dict, List, Tuple

import pytest

pytest.importorskip("httpx", reason="httpx not installed (ffi-python/tests/requirements-web.txt)")
fastapi = pytest.importorskip("fastapi", reason="fastapi not installed (ffi-python/tests/requirements-web.txt)")
flask = pytest.importorskip("flask", reason="flask not installed (ffi-python/tests/requirements-web.txt)")
requests = pytest.importorskip("requests", reason="requests not installed (ffi-python/tests/requirements-web.txt)")
pytest.importorskip("django", reason="django not installed (ffi-python/tests/requirements-web.txt)")

import httpx  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from fastapi import Request as FastAPIRequest  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

import pay402  # noqa: E402
import vectors  # noqa: E402
from pay402.server import X402Paywall, X402Route  # noqa: E402
from web_support import KEY, PAY_TO, PAYER, CountingSettlement, uvicorn_server, wsgi_server  # noqa: E402

FACILITATOR = "0x000000000000000000000000000000000000dEaD"
SVM = json.loads((vectors.VECTOR_DIR / "x402-verify-svm.peers.json").read_text(encoding="utf-8"))
SVM_BUILD = next(c for c in SVM["cases"] if c["op"] == "svm.build")["input"]
SVM_PAYER = pay402.svm_public_key(bytes.fromhex(SVM_BUILD["payer_seed_hex"]))

ROUTES: Dict[str, X402Route] = {
    "exact-eip3009": X402Route("/item", "$0.01"),
    "exact-permit2": X402Route("/item", "$0.01", transfer_method="permit2"),
    "upto-permit2": X402Route("/item", "$0.05", scheme="upto", facilitator=FACILITATOR),
    "exact-svm": X402Route("/item", 10_000, network="solana-devnet", asset=SVM_BUILD["mint"], decimals=6,
                           pay_to=SVM_BUILD["pay_to"], fee_payer=SVM_BUILD["fee_payer"]),
}
SIGNED = {"exact-eip3009": 10_000, "exact-permit2": 10_000, "upto-permit2": 50_000, "exact-svm": 10_000}
PAYERS = {"exact-svm": SVM_PAYER}

_nonce = [1000]


def pay(scheme: str, status: int, headers: Dict[str, str], url: str) -> Tuple[str, str]:
    """The payment header a client sends after this 402 (name, value)."""
    assert status == 402, status
    required = pay402.decode_payment_required(headers["payment-required"]).json
    accepted = json.loads(required)["accepts"][0]
    now = int(time.time())
    _nonce[0] += 1
    if scheme == "exact-eip3009":
        signed = pay402.x402_sign(required, KEY, now=now, nonce=_nonce[0].to_bytes(32, "big"))
        return signed.header_name, signed.header_value
    if scheme in ("exact-permit2", "upto-permit2"):
        p = pay402.permit2_sign_payload(json.dumps(accepted), KEY, nonce=_nonce[0], now=now)
        payload = {"x402Version": 2, "resource": json.loads(required)["resource"], "accepted": accepted,
                   "payload": json.loads(p.json)}
        return "PAYMENT-SIGNATURE", pay402.x402_encode_header(json.dumps(payload, separators=(",", ":")))
    payment = pay402.svm_payment_header(
        required,
        pay402.svm_build_transfer(bytes.fromhex(SVM_BUILD["payer_seed_hex"]), fee_payer=SVM_BUILD["fee_payer"],
                                  mint=SVM_BUILD["mint"], pay_to=SVM_BUILD["pay_to"], amount=int(accepted["amount"]),
                                  decimals=6, token_program=SVM_BUILD["token_program"],
                                  memo=_nonce[0].to_bytes(16, "big").hex(),
                                  recent_blockhash=pay402.svm_parse_pubkey(SVM_BUILD["recent_blockhash"])),
    )
    return payment.header_name, payment.header_value


def paywall(scheme: str, settlement: Any) -> X402Paywall:
    return X402Paywall([ROUTES[scheme]], network="eip155:84532", pay_to=PAY_TO, settlement=settlement)


def respond(admission: Any, charge: Any) -> Dict[str, Any]:
    if charge is not None:
        admission.charge(int(charge))
    return {"payer": admission.payer, "amount": admission.amount, "offer": admission.offer_index}


# --- one app per framework; each returns a `get(path, headers) -> (status, headers, body)` -------

Get = Callable[[str, Dict[str, str]], Tuple[int, Dict[str, str], bytes]]


def fastapi_app(pw: X402Paywall) -> Any:
    from pay402.server.asgi import PaymentMiddleware

    app = FastAPI()

    @app.get("/item")
    def item(request: FastAPIRequest, charge: Any = None) -> Dict[str, Any]:
        return respond(request.scope["pay402"], charge)

    app.add_middleware(PaymentMiddleware, x402=pw)
    return app


def flask_app(pw: X402Paywall) -> Any:
    from pay402.server.flask import Pay402

    app = flask.Flask("schemes")
    Pay402(app, x402=pw)

    @app.get("/item")
    def item() -> Any:
        return respond(flask.g.pay402, flask.request.args.get("charge"))

    return app


def wsgi_app(pw: X402Paywall) -> Any:
    from urllib.parse import parse_qs

    from pay402.server.wsgi import PaymentMiddleware

    def app(environ: Dict[str, Any], start_response: Any) -> List[bytes]:
        charge = parse_qs(environ.get("QUERY_STRING", "")).get("charge", [None])[0]
        body = json.dumps(respond(environ["pay402"], charge)).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]

    return PaymentMiddleware(app, x402=pw)


def _lower(headers: Any) -> Dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def via_test_client(framework: str, pw: X402Paywall, stack: Any) -> Get:
    if framework == "fastapi":
        client = TestClient(fastapi_app(pw))
        return lambda path, h: (lambda r: (r.status_code, _lower(r.headers), r.content))(client.get(path, headers=h))
    if framework == "flask":
        fclient = flask_app(pw).test_client()
        return lambda path, h: (lambda r: (r.status_code, _lower(r.headers), r.data))(fclient.get(path, headers=h))
    if framework == "wsgi":
        hclient = httpx.Client(transport=httpx.WSGITransport(app=wsgi_app(pw)), base_url="http://wsgi.test")
        stack.callback(hclient.close)
        return lambda path, h: (lambda r: (r.status_code, _lower(r.headers), r.content))(hclient.get(path, headers=h))
    import django_app  # noqa: F401
    from django.test import Client, override_settings

    override = override_settings(MIDDLEWARE=["pay402.server.django.PaymentMiddleware"],
                                 PAY402={"routes": list(pw_routes(pw)), "network": "eip155:84532", "pay_to": PAY_TO,
                                         "settlement": pw.settlement})
    override.enable()
    stack.callback(override.disable)
    dclient = Client()
    return lambda path, h: (lambda r: (r.status_code, _lower(r.headers), r.content))(dclient.get(path, headers=h))


def pw_routes(pw: X402Paywall) -> List[X402Route]:
    return [o.route for group in pw.routes for o in group.offers]


def real_http(framework: str, pw: X402Paywall, stack: Any) -> Get:
    if framework == "fastapi":
        base = stack.enter_context(uvicorn_server(fastapi_app(pw)))
    elif framework == "flask":
        base = stack.enter_context(wsgi_server(flask_app(pw)))
    elif framework == "wsgi":
        base = stack.enter_context(wsgi_server(wsgi_app(pw)))
    else:
        import django_app  # noqa: F401
        from django.core.wsgi import get_wsgi_application
        from django.test import override_settings

        override = override_settings(MIDDLEWARE=["pay402.server.django.PaymentMiddleware"],
                                     PAY402={"routes": pw_routes(pw), "network": "eip155:84532", "pay_to": PAY_TO,
                                             "settlement": pw.settlement})
        override.enable()
        stack.callback(override.disable)
        base = stack.enter_context(wsgi_server(get_wsgi_application()))
    return lambda path, h: (lambda r: (r.status_code, _lower(r.headers), r.content))(requests.get(base + path, headers=h))


FRAMEWORKS = ["fastapi", "flask", "django", "wsgi"]


@pytest.mark.parametrize("transport", ["test_client", "real_http"])
@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("scheme", list(ROUTES))
def test_every_scheme_is_sold_by_every_framework(scheme: str, framework: str, transport: str) -> None:
    import contextlib

    settlement = CountingSettlement()
    with contextlib.ExitStack() as stack:
        get = (via_test_client if transport == "test_client" else real_http)(framework, paywall(scheme, settlement), stack)
        path = "/item?charge=1234" if scheme == "upto-permit2" else "/item"
        status, headers, _ = get(path, {})
        offered = json.loads(pay402.decode_payment_required(headers["payment-required"]).json)["accepts"]
        assert status == 402 and offered[0]["scheme"] == scheme.split("-")[0]
        assert offered[0]["amount"] == str(SIGNED[scheme])
        name, value = pay(scheme, status, headers, "http://testserver" + path)
        status, headers, body = get(path, {name: value})
        assert status == 200, body
        assert json.loads(body) == {"payer": PAYERS.get(scheme, PAYER), "amount": SIGNED[scheme], "offer": 0}
        receipt = json.loads(pay402.decode_settle_response(headers["payment-response"]).json)
        assert receipt["success"] is True
        replay = get(path, {name: value})
        assert replay[0] == 402
    (call,) = settlement.calls
    assert call.payer == PAYERS.get(scheme, PAYER)
    # upto: the /settle body carries what the handler charged, not the signed maximum.
    assert call.requirements["amount"] == ("1234" if scheme == "upto-permit2" else str(SIGNED[scheme]))


def test_upto_charge_above_the_signed_maximum_is_never_settled() -> None:
    settlement = CountingSettlement()
    client = TestClient(fastapi_app(paywall("upto-permit2", settlement)), raise_server_exceptions=False)
    status, headers, _ = (lambda r: (r.status_code, _lower(r.headers), r.content))(client.get("/item"))
    name, value = pay("upto-permit2", status, headers, "http://testserver/item")
    r = client.get("/item?charge=50001", headers={name: value})
    assert r.status_code >= 500 and "payment-response" not in r.headers
    assert settlement.calls == []
    # Nothing was settled, so the same authorization is still good for an honest charge.
    ok = client.get("/item?charge=50000", headers={name: value})
    assert ok.status_code == 200 and [c.requirements["amount"] for c in settlement.calls] == ["50000"]
