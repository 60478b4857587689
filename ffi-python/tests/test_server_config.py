"""Paywall configuration (a dict, ``PAY402_*`` environment variables; anything missing or
invalid fails closed with a typed error), per-request price and payee, lifecycle hooks,
settle-before-handler and custom bodies, on FastAPI and Flask with their test clients."""

from __future__ import annotations

import json
import time
from typing import Any, Dict, List

import pytest

pytest.importorskip("httpx", reason="httpx not installed (ffi-python/tests/requirements-web.txt)")
fastapi = pytest.importorskip("fastapi", reason="fastapi not installed (ffi-python/tests/requirements-web.txt)")
flask = pytest.importorskip("flask", reason="flask not installed (ffi-python/tests/requirements-web.txt)")

from fastapi import FastAPI  # noqa: E402
from fastapi import Request as FastAPIRequest  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

import pay402  # noqa: E402
from pay402.replay import MemoryReplayStore  # noqa: E402
from pay402.server import Hooks, Reply, X402Paywall  # noqa: E402
from pay402.server.asgi import PaymentMiddleware  # noqa: E402
from pay402.server.config import config_from_env  # noqa: E402
from web_support import KEY, PAY_TO, PAYER, USDC_BASE_SEPOLIA, CountingSettlement  # noqa: E402

OTHER_PAYEE = "0x000000000000000000000000000000000000dEaD"
_nonce = [9000]


def app_with(pw: X402Paywall, fail: bool = False) -> TestClient:
    app = FastAPI()

    @app.get("/item")
    def item(request: FastAPIRequest) -> Any:
        admission = request.scope["pay402"]
        if fail:
            from fastapi import HTTPException

            raise HTTPException(status_code=500, detail="handler failed")
        return {"kind": admission.kind, "payer": admission.payer,
                "settled_first": admission.settle_response is not None}

    app.add_middleware(PaymentMiddleware, x402=pw)
    return TestClient(app, raise_server_exceptions=False)


def accepts(response: Any) -> Any:
    return json.loads(pay402.decode_payment_required(response.headers["payment-required"]).json)["accepts"]


def sign(response: Any) -> Dict[str, str]:
    required = pay402.decode_payment_required(response.headers["payment-required"]).json
    _nonce[0] += 1
    signed = pay402.x402_sign(required, KEY, now=int(time.time()), nonce=_nonce[0].to_bytes(32, "big"))
    return {signed.header_name: signed.header_value}


# --- configuration ---------------------------------------------------------------------------------


def test_config_from_a_dict() -> None:
    pw = X402Paywall.from_config({"ROUTES": {"GET /item": "$0.02"}, "NETWORK": "base-sepolia", "PAY_TO": PAY_TO,
                                  "SETTLEMENT": "none", "MAX_TIMEOUT_SECONDS": "120"})
    [offer] = accepts(app_with(pw).get("/item"))
    assert offer == {"scheme": "exact", "network": "eip155:84532", "amount": "20000", "asset": USDC_BASE_SEPOLIA,
                     "payTo": PAY_TO, "maxTimeoutSeconds": 120, "extra": {"name": "USDC", "version": "2"}}


def test_the_resource_mime_type_defaults_to_json_as_in_every_binding() -> None:
    # none given: application/json (the core's default, the npm adapters' too), in the v2 resource
    # and in each v1 entry; a given one is announced as given
    def challenge(**extra: Any) -> Any:
        pw = X402Paywall.from_config({"ROUTES": {"GET /item": "$0.01"}, "NETWORK": "base-sepolia", "PAY_TO": PAY_TO,
                                      "SETTLEMENT": "none", **extra})
        response = app_with(pw).get("/item")
        required = json.loads(pay402.decode_payment_required(response.headers["payment-required"]).json)
        return required["resource"], response.json()["accepts"][0]

    resource, v1 = challenge()
    assert (resource["mimeType"], v1["mimeType"]) == ("application/json", "application/json")
    resource, v1 = challenge(MIME_TYPE="text/csv")
    assert (resource["mimeType"], v1["mimeType"]) == ("text/csv", "text/csv")


def test_config_from_environment_variables() -> None:
    env = {
        "PAY402_ROUTES": "GET /item=$0.03; /other/*=5000",
        "PAY402_NETWORK": "eip155:84532",
        "PAY402_PAY_TO": PAY_TO,
        "PAY402_SETTLEMENT": "none",
        "PAY402_SETTLE_BEFORE_HANDLER": "true",
        "PAY402_PRIVATE_KEY": "not a paywall setting",      # the CLI's; ignored here
    }
    assert config_from_env(env)["routes"] == {"GET /item": "$0.03", "/other/*": "5000"}
    pw = X402Paywall.from_env(env)
    assert pw.settle_before_handler is True
    assert accepts(app_with(pw).get("/item"))[0]["amount"] == "30000"
    r = app_with(pw).get("/item", headers=sign(app_with(pw).get("/item")))
    assert r.status_code == 200 and r.json()["settled_first"] is True
    json_routes = X402Paywall.from_env({**env, "PAY402_ROUTES": '{"/j": "$1"}'})
    assert accepts(app_with(json_routes).get("/j"))[0]["amount"] == "1000000"


@pytest.mark.parametrize("env, code", [
    ({}, "missing_routes"),
    ({"PAY402_ROUTES": "/item"}, "invalid_routes"),
    ({"PAY402_ROUTES": "{not json"}, "invalid_routes"),
    ({"PAY402_ROUTES": "/item=$0.01", "PAY402_PAY_TO": PAY_TO, "PAY402_SETTLEMENT": "none"}, "missing_network"),
    ({"PAY402_ROUTES": "/item=$0.01", "PAY402_NETWORK": "eip155:84532", "PAY402_SETTLEMENT": "none"}, "missing_pay_to"),
    ({"PAY402_ROUTES": "/item=$0.01", "PAY402_NETWORK": "eip155:84532", "PAY402_PAY_TO": PAY_TO}, "missing_settlement"),
    ({"PAY402_ROUTES": "/item=$0.01", "PAY402_NETWORK": "eip155:84532", "PAY402_PAY_TO": PAY_TO,
      "PAY402_SETTLEMENT": "none", "PAY402_MAX_TIMEOUT_SECONDS": "soon"}, "invalid_max_timeout_seconds"),
    ({"PAY402_ROUTES": "/item=$0.01", "PAY402_NETWORK": "eip155:84532", "PAY402_PAY_TO": PAY_TO,
      "PAY402_SETTLEMENT": "none", "PAY402_SETTLE_BEFORE_HANDLER": "maybe"}, "invalid_settle_before_handler"),
    ({"PAY402_ROUTES": "/item=0.0000001", "PAY402_NETWORK": "eip155:84532", "PAY402_PAY_TO": PAY_TO,
      "PAY402_SETTLEMENT": "none"}, "sub_unit_amount"),
    ({"PAY402_ROUTES": "/item=$0.01", "PAY402_NETWORK": "eip155:84532", "PAY402_PAY_TO": PAY_TO,
      "PAY402_SETTLEMENT": "https://facilitator.example"}, "invalid_settlement"),
    ({"PAY402_ROUTES": "/item=$0.01", "PAY402_NETWORK": "eip155:84532", "PAY402_PAY_TO": PAY_TO,
      "PAY402_SETTLEMENT": "local"}, "missing_rpc_url"),
    ({"PAY402_ROUTES": "/item=$0.01", "PAY402_NETWORK": "eip155:84532", "PAY402_PAY_TO": PAY_TO,
      "PAY402_SETTLEMENT": "local", "PAY402_RPC_URLS": " , "}, "missing_rpc_url"),
    ({"PAY402_ROUTES": "/item=$0.01", "PAY402_NETWORK": "eip155:84532", "PAY402_PAY_TO": PAY_TO,
      "PAY402_FACILITATOR_URL": "https://facilitator.example", "PAY402_RPC_URLS": "http://127.0.0.1:8545"},
     "invalid_settlement"),
    ({"PAY402_ROUTES": "/item=$0.01", "PAY402_NETWORK": "eip155:84532", "PAY402_PAY_TO": PAY_TO,
      "PAY402_SETTLEMENT": "local", "PAY402_RPC_URLS": "http://127.0.0.1:8545",
      "PAY402_FACILITATOR_URL": "https://facilitator.example"}, "invalid_settlement"),
])
def test_bad_environment_fails_closed(env: Dict[str, str], code: str) -> None:
    with pytest.raises(pay402.ConfigurationError) as e:
        X402Paywall.from_env(env)
    assert e.value.code == code


def test_local_settlement_from_the_environment_reads_the_key_from_the_variable_it_names(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from pay402.settle import LocalEvmSettlement

    env = {"PAY402_ROUTES": "/item=$0.01", "PAY402_NETWORK": "eip155:84532", "PAY402_PAY_TO": PAY_TO,
           "PAY402_SETTLEMENT": "local", "PAY402_RPC_URLS": "http://127.0.0.1:1, http://127.0.0.1:2",
           "PAY402_SETTLER_KEY_ENV": "MY_SETTLER_KEY"}
    monkeypatch.delenv("MY_SETTLER_KEY", raising=False)
    with pytest.raises(pay402.Error) as e:
        X402Paywall.from_env(env)
    assert e.value.code == "missing_settler_key"  # fails closed at start, before any request
    key = bytes(range(1, 33))
    monkeypatch.setenv("MY_SETTLER_KEY", key.hex())
    pw = X402Paywall.from_env(env)
    assert isinstance(pw.settlement, LocalEvmSettlement)
    assert pw.settlement.network == "eip155:84532"
    assert pw.settlement.signer.address == pay402.private_key_to_address(key)
    assert key.hex() not in repr(pw.settlement) and key.hex() not in repr(pw.settlement.signer)


def test_unknown_dict_keys_fail_closed() -> None:
    with pytest.raises(pay402.ConfigurationError) as e:
        X402Paywall.from_config({"routes": {"/x": 1}, "netwrok": "base"})
    assert e.value.code == "unknown_option"


# --- per-request price and payee -------------------------------------------------------------------


def test_dynamic_price_and_payee_per_request() -> None:
    settlement = CountingSettlement()

    def price(request: Any) -> int:
        return 1000 * int(request.header("x-units") or 1)

    def payee(request: Any) -> str:
        return OTHER_PAYEE if request.header("x-seller") == "b" else PAY_TO

    client = app_with(X402Paywall({"GET /item": price}, network="eip155:84532", pay_to=payee, settlement=settlement))
    a = client.get("/item", headers={"x-units": "3"})
    b = client.get("/item", headers={"x-units": "5", "x-seller": "b"})
    assert (accepts(a)[0]["amount"], accepts(a)[0]["payTo"]) == ("3000", PAY_TO)
    assert (accepts(b)[0]["amount"], accepts(b)[0]["payTo"]) == ("5000", OTHER_PAYEE)
    paid = client.get("/item", headers={"x-units": "5", "x-seller": "b", **sign(b)})
    assert paid.status_code == 200
    assert settlement.calls[0].requirements["payTo"] == OTHER_PAYEE and settlement.calls[0].requirements["amount"] == "5000"
    # A payment for seller b's price does not buy seller a's route.
    wrong = client.get("/item", headers={"x-units": "5", **sign(b)})
    assert wrong.status_code == 402


def test_a_bad_dynamic_price_fails_closed() -> None:
    client = app_with(X402Paywall({"GET /item": lambda request: "-1"}, network="eip155:84532", pay_to=PAY_TO,
                                  settlement="none"))
    assert client.get("/item").status_code == 500


# --- hooks ------------------------------------------------------------------------------------------


def test_lifecycle_hooks_run_in_order_and_can_answer() -> None:
    events: List[str] = []
    hooks = Hooks(
        grant=lambda request: request.header("x-api-key") == "staff",
        before_verify=lambda ctx: events.append("before_verify") or (
            Reply(403, [("Content-Type", "text/plain")], b"blocked") if ctx.request.header("x-blocked") else None),
        after_verify=lambda ctx: events.append(f"after_verify:{ctx.admission.payer}") or None,
        before_settle=lambda ctx: events.append("before_settle") or None,
        after_settle=lambda ctx: events.append(f"after_settle:{ctx.settle_response['success']}") or None,
        on_failure=lambda ctx: events.append(f"on_failure:{ctx.reply.code}") or None,
    )
    settlement = CountingSettlement()
    client = app_with(X402Paywall({"GET /item": "$0.01"}, network="eip155:84532", pay_to=PAY_TO,
                                  settlement=settlement, hooks=hooks))
    granted = client.get("/item", headers={"x-api-key": "staff"})
    assert granted.status_code == 200 and granted.json()["kind"] == "granted" and events == []
    blocked = client.get("/item", headers={"x-blocked": "1"})
    assert (blocked.status_code, blocked.content) == (403, b"blocked") and events == ["before_verify"]
    events.clear()
    unpaid = client.get("/item")
    bad = client.get("/item", headers={"PAYMENT-SIGNATURE": "garbage"})
    assert bad.status_code == 402 and events == ["before_verify", "before_verify", "on_failure:invalid_payload"]
    events.clear()
    paid = client.get("/item", headers=sign(unpaid))
    assert paid.status_code == 200
    assert events == ["before_verify", f"after_verify:{PAYER}", "before_settle", "after_settle:True"]
    assert len(settlement.calls) == 1


def test_before_settle_can_refuse_and_releases_the_reservation() -> None:
    store, settlement = MemoryReplayStore(), CountingSettlement()
    hooks = Hooks(before_settle=lambda ctx: Reply(451, [], b"not here"))
    client = app_with(X402Paywall({"GET /item": "$0.01"}, network="eip155:84532", pay_to=PAY_TO,
                                  settlement=settlement, hooks=hooks, replay_store=store))
    r = client.get("/item", headers=sign(client.get("/item")))
    assert (r.status_code, r.content) == (451, b"not here") and settlement.calls == [] and len(store) == 0


# --- settle before the handler -----------------------------------------------------------------------


def test_settle_before_handler_runs_the_handler_only_on_settled_payments() -> None:
    refused = CountingSettlement(fail=pay402.SettleError("no funds", code="insufficient_funds"))
    ran: List[str] = []
    app = FastAPI()

    @app.get("/item")
    def item() -> Any:
        ran.append("handler")
        return {"data": "the content"}

    app.add_middleware(PaymentMiddleware, x402=X402Paywall({"GET /item": "$0.01"}, network="eip155:84532",
                                                           pay_to=PAY_TO, settlement=refused, settle_before_handler=True))
    client = TestClient(app)
    r = client.get("/item", headers=sign(client.get("/item")))
    assert r.status_code == 402 and ran == [] and len(refused.calls) == 1
    receipt = json.loads(pay402.decode_settle_response(r.headers["payment-response"]).json)
    assert receipt["success"] is False


def test_settle_before_handler_a_failing_handler_still_gets_the_receipt() -> None:
    settlement = CountingSettlement()
    client = app_with(X402Paywall({"GET /item": "$0.01"}, network="eip155:84532", pay_to=PAY_TO,
                                  settlement=settlement, settle_before_handler=True), fail=True)
    r = client.get("/item", headers=sign(client.get("/item")))
    assert r.status_code == 500 and len(settlement.calls) == 1
    assert json.loads(pay402.decode_settle_response(r.headers["payment-response"]).json)["success"] is True


# --- custom bodies ---------------------------------------------------------------------------------------


def test_custom_unpaid_and_failure_bodies_keep_the_protocol_headers() -> None:
    pw = X402Paywall({"GET /item": "$0.01"}, network="eip155:84532", pay_to=PAY_TO, settlement="none",
                     unpaid_body="<html><body>Pay to read</body></html>",
                     failure_body=lambda request, reply: {"problem": reply.code, "path": request.path})
    client = app_with(pw)
    unpaid = client.get("/item")
    assert unpaid.status_code == 402 and unpaid.text == "<html><body>Pay to read</body></html>"
    assert unpaid.headers["content-type"].startswith("text/html") and accepts(unpaid)[0]["amount"] == "10000"
    bad = client.get("/item", headers={"PAYMENT-SIGNATURE": "garbage"})
    assert bad.status_code == 402 and bad.json() == {"problem": "invalid_payload", "path": "/item"}
    assert "payment-required" in bad.headers


def test_flask_extension_with_hooks_and_env_config() -> None:
    from pay402.server.flask import Pay402

    env = {"PAY402_ROUTES": "GET /item=$0.01", "PAY402_NETWORK": "eip155:84532", "PAY402_PAY_TO": PAY_TO,
           "PAY402_SETTLEMENT": "none"}
    events: List[str] = []
    pw = X402Paywall.from_env(env, hooks=Hooks(after_settle=lambda ctx: events.append("settled") or None))
    app = flask.Flask("cfg")
    Pay402(app, x402=pw)

    @app.get("/item")
    def item() -> Any:
        return {"payer": flask.g.pay402.payer}

    client = app.test_client()
    unpaid = client.get("/item")
    required = pay402.decode_payment_required(unpaid.headers["PAYMENT-REQUIRED"]).json
    signed = pay402.x402_sign(required, KEY, now=int(time.time()), nonce=bytes([0x44] * 32))
    r = client.get("/item", headers={signed.header_name: signed.header_value})
    assert r.status_code == 200 and r.get_json() == {"payer": PAYER} and events == ["settled"]
