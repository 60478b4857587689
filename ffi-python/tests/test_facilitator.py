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
from pay402.client import PaymentAuth, payment_receipt  # noqa: E402
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
    paywall = x402_paywall()
    required = '{"x402Version":2,"resource":{"url":"http://api.test/premium"},"accepts":[' + paywall.routes[0].v2_json + "]}"
    signed = pay402.x402_sign(required, bytes([0x11] * 32), now=1_740_672_100, nonce=bytes([1] * 32))
    return json.loads(signed.json), paywall.routes[0].v2


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
        r = c.get("/premium", auth=PaymentAuth(x402=x402_payer()))
    assert r.status_code == 402 and b"premium" not in r.content
    # Facilitator erroring: 502.
    mode["settle"] = "500"
    r = TestClient(app).get("/premium", auth=PaymentAuth(x402=x402_payer()))
    assert r.status_code == 502 and r.json()["error"] == "facilitator_http_error"
