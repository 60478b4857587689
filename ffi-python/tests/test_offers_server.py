"""The Fewsats offers server flow end to end over real HTTP on 127.0.0.1 (uvicorn for ASGI,
a threaded wsgiref server for WSGI/Flask): 402 with the offers body → payment request →
signed webhook → retry with the token gets the content.

The client is httpx acting as the l402-protocol/l402 README (v0.2.2) says a client acts; the
webhook is signed here with the standard library from the README's rule
``Fewsats-Signature: t=<unix>,v1=hex(HMAC-SHA256(secret, "<t>.<raw body>"))``; the offers are
the go-example's (``offer_0001`` top-up, ``offer_0003`` subscription). Expected values come
from the spec, never from the code under test.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest

from web_support import WEB_REASON, FEWSATS_INVOICE, uvicorn_server, wsgi_server

httpx = pytest.importorskip("httpx", reason=WEB_REASON)

from pay402.offers_server import (  # noqa: E402
    OffersMiddleware,
    OffersPaywall,
    OffersWSGIMiddleware,
    PaymentDetails,
)

WHSEC = b"whsec_test_offers_server"
SECRET = bytes(range(32))
NOW = 1_767_225_000  # 2025-12-31T23:50:00Z
OFFERS: List[Dict[str, Any]] = [
    {"id": "offer_0001", "title": "Pro", "description": "2 credits for all the datasets", "type": "top-up",
     "balance": 2, "amount": 10, "currency": "USD", "payment_methods": ["lightning", "fake-pay"]},
    {"id": "offer_0003", "title": "Unlimited", "description": "Unlimited access to all the datasets",
     "type": "subscription", "duration": "30 days", "amount": 500, "currency": "USD",
     "payment_methods": ["lightning", "onchain", "credit_card"]},
]
CONTENT = {"message": "Access granted to dataset 123", "status": "success"}


def sign(body: bytes, t: int, secret: bytes = WHSEC) -> str:
    mac = hmac.new(secret, str(t).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return float(self.now)


class Provider:
    """The injected payment-details provider: a Lightning node, an on-chain wallet, a checkout."""

    def __init__(self) -> None:
        self.asks: List[Any] = []

    def __call__(self, ask: Any) -> PaymentDetails:
        self.asks.append(ask)
        if ask.kind == "lightning":
            return PaymentDetails(lightning_invoice=FEWSATS_INVOICE)
        if ask.kind == "onchain":
            return PaymentDetails(address="0x209693Bc6afc0C5328bA36FaF03C514EF312287C", expires_at=NOW + 120)
        return PaymentDetails(checkout_url=f"https://checkout.test/{ask.offer_id}?pct={ask.token}")


def make_paywall(base: str, clock: Clock, provider: Provider) -> OffersPaywall:
    return OffersPaywall(
        OFFERS,
        protect={"/private-resource"},
        payment_request_url=base + "/payment-request",
        webhook_secret=WHSEC,
        secret=SECRET,
        payment_details=provider,
        terms_url="https://example.com/terms",
        clock=clock,
    )


def asgi_app(paywall_box: List[OffersPaywall]) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["path"] != "/private-resource":
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        assert scope["pay402_offers"].token.startswith("pct_")
        body = json.dumps(CONTENT).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    async def outer(scope: Any, receive: Any, send: Any) -> None:
        await OffersMiddleware(app, paywall_box[0])(scope, receive, send)

    return outer


def flask_app(paywall_box: List[OffersPaywall]) -> Any:
    flask = pytest.importorskip("flask", reason=WEB_REASON)
    app = flask.Flask("offers")

    @app.get("/private-resource")
    def private() -> Any:
        assert flask.request.environ["pay402_offers"].token.startswith("pct_")
        return flask.jsonify(CONTENT)

    def outer(environ: Any, start_response: Any) -> Any:
        return OffersWSGIMiddleware(app.wsgi_app, paywall_box[0])(environ, start_response)

    return outer


@pytest.fixture(params=["asgi-uvicorn", "wsgi-flask"])
def served(request: Any) -> Iterator[Any]:
    box: List[OffersPaywall] = []
    clock, provider = Clock(), Provider()
    if request.param == "asgi-uvicorn":
        server = uvicorn_server(asgi_app(box))
    else:
        server = wsgi_server(flask_app(box))
    with server as base:
        box.append(make_paywall(base, clock, provider))
        with httpx.Client(base_url=base, timeout=10) as client:
            yield client, clock, provider, box[0]


def challenge(client: Any, token: Optional[str] = None) -> Dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = client.get("/private-resource", headers=headers)
    assert r.status_code == 402, r.text
    assert r.headers["content-type"] == "application/json"
    assert "www-authenticate" not in r.headers  # the README's 402 carries none
    body: Dict[str, Any] = r.json()
    return body


def webhook(client: Any, event: Dict[str, Any], *, t: int = NOW, signature: Optional[str] = "sign",
            secret: bytes = WHSEC) -> Any:
    raw = json.dumps(event, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json"}
    if signature == "sign":
        headers["Fewsats-Signature"] = sign(raw, t, secret)
    elif signature is not None:
        headers["Fewsats-Signature"] = signature
    return client.post("/offers/webhook", content=raw, headers=headers)


def paid_event(token: str, offer: Dict[str, Any], **over: Any) -> Dict[str, Any]:
    event = {"offer_id": offer["id"], "payment_context_token": token, "amount": offer["amount"],
             "currency": offer["currency"], "status": "paid", "timestamp": NOW}
    event.update(over)
    return event


def test_top_up_flow_end_to_end(served: Any) -> None:
    client, clock, provider, _ = served
    # 1. the 402 offers body, as the README's step 1
    body = challenge(client)
    assert set(body) == {"version", "payment_request_url", "payment_context_token", "offers", "terms_url"}
    assert body["version"] == "0.2.2"
    assert body["payment_request_url"] == str(client.base_url).rstrip("/") + "/payment-request"
    assert body["terms_url"] == "https://example.com/terms"
    assert [o["id"] for o in body["offers"]] == ["offer_0001", "offer_0003"]
    assert body["offers"][0] == OFFERS[0]
    token = body["payment_context_token"]
    assert token.startswith("pct_") and challenge(client)["payment_context_token"] != token

    # 2. the payment request for the top-up, paid by Lightning
    r = client.post(body["payment_request_url"], json={
        "offer_id": "offer_0001", "payment_method": "lightning", "payment_context_token": token})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer == {"version": "0.2.2", "offer_id": "offer_0001",
                      "payment_request": {"lightning_invoice": FEWSATS_INVOICE},
                      "expires_at": "2026-01-01T00:00:00Z"}  # NOW + 600 s (2025-12-31T23:59:59Z = 1767225599)
    assert provider.asks[-1].offer_id == "offer_0001" and provider.asks[-1].amount == 10

    # Not paid yet: the token's retry is still 402, with the same token.
    assert challenge(client, token)["payment_context_token"] == token

    # 3. the webhook: unsigned and badly signed deliveries are refused, typed
    event = paid_event(token, OFFERS[0])
    r = webhook(client, event, signature=None)
    assert (r.status_code, r.json()["error"]) == (401, "webhook_header_malformed")
    r = webhook(client, event, secret=b"whsec_someone_else")
    assert (r.status_code, r.json()["error"]) == (401, "webhook_signature_mismatch")
    r = webhook(client, event, t=NOW - 301)
    assert (r.status_code, r.json()["error"]) == (401, "webhook_timestamp_out_of_tolerance")
    r = webhook(client, paid_event(token, OFFERS[0], amount=9))
    assert (r.status_code, r.json()["error"], r.json()["detail"]) == (400, "webhook_payment_mismatch", "amount")
    assert challenge(client, token)["payment_context_token"] == token  # nothing granted by those
    r = webhook(client, event)
    assert (r.status_code, r.json()) == (200, {"received": True, "result": "granted"})
    # The same delivery again, and the gateway's re-send with a fresh signature: no double grant.
    assert webhook(client, event).json()["result"] == "duplicate"
    clock.now += 30
    assert webhook(client, event, t=clock.now).json()["result"] == "duplicate"

    # 4. the retry with the token: two credits, then 402 again
    auth = {"Authorization": f"Bearer {token}"}
    for _ in range(2):
        r = client.get("/private-resource", headers=auth)
        assert (r.status_code, r.json()) == (200, CONTENT)
    assert challenge(client, token)["payment_context_token"] == token


def test_subscription_onchain_and_expiry(served: Any) -> None:
    client, clock, _, _ = served
    token = challenge(client)["payment_context_token"]
    request = {"offer_id": "offer_0003", "payment_method": "onchain", "payment_context_token": token,
               "chain": "base-mainnet", "asset": "usdc"}
    r = client.post("/payment-request", json=request)
    assert r.status_code == 200, r.text
    assert r.json() == {"version": "0.2.2", "offer_id": "offer_0003",
                        "payment_request": {"address": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
                                            "asset": "usdc", "chain": "base-mainnet"},
                        "expires_at": "2025-12-31T23:52:00Z"}  # the provider's NOW + 120 s, sooner than 10 min
    # A pending event grants nothing; the paid one grants 30 days from its timestamp.
    r = webhook(client, paid_event(token, OFFERS[1], status="pending"))
    assert r.json() == {"received": True, "result": "ignored"}
    assert webhook(client, paid_event(token, OFFERS[1])).json()["result"] == "granted"
    auth = {"Authorization": f"Bearer {token}"}
    for _ in range(3):
        assert client.get("/private-resource", headers=auth).status_code == 200
    clock.now = NOW + 30 * 86_400 - 1
    assert client.get("/private-resource", headers=auth).status_code == 200
    clock.now = NOW + 30 * 86_400
    assert challenge(client, token)["payment_context_token"] == token


def test_refusals_are_typed(served: Any) -> None:
    client, _, _, paywall = served
    token = challenge(client)["payment_context_token"]
    # A token this server did not mint (the go-example's fixed demo token, a changed tag).
    for forged in ("demo-token-123", token[:-1] + ("0" if token[-1] != "0" else "1")):
        r = client.get("/private-resource", headers={"Authorization": f"Bearer {forged}"})
        assert (r.status_code, r.json()["error"]) == (401, "invalid_payment_context_token")
        r = client.post("/payment-request", json={
            "offer_id": "offer_0001", "payment_method": "lightning", "payment_context_token": forged})
        assert (r.status_code, r.json()["error"]) == (400, "invalid_payment_context_token")
    cases = [
        ({"offer_id": "offer_9999", "payment_method": "lightning"}, "unknown_offer"),
        ({"offer_id": "offer_0001", "payment_method": "credit_card"}, "payment_method_not_offered"),
        ({"offer_id": "offer_0003", "payment_method": "onchain"}, "missing_field"),
    ]
    for request, code in cases:
        r = client.post("/payment-request", json={**request, "payment_context_token": token})
        assert (r.status_code, r.json()["error"]) == (400, code), request
    r = client.post("/payment-request", content=b"{", headers={"Content-Type": "application/json"})
    assert (r.status_code, r.json()["error"]) == (400, "invalid_json")
    # The go-example's checkout method: a checkout URL from the provider.
    r = client.post("/payment-request", json={
        "offer_id": "offer_0001", "payment_method": "fake-pay", "payment_context_token": token})
    assert r.json()["payment_request"] == {"checkout_url": f"https://checkout.test/offer_0001?pct={token}"}
    # A webhook for an unknown offer or a forged token is refused; nothing is credited.
    r = webhook(client, paid_event(token, {"id": "offer_0042", "amount": 10, "currency": "USD"}))
    assert (r.status_code, r.json()["error"]) == (400, "unknown_offer")
    r = webhook(client, paid_event("demo-token-123", OFFERS[0]))
    assert (r.status_code, r.json()["error"]) == (400, "invalid_payment_context_token")
    assert paywall.store.get(token) is None
    # Unprotected routes pass through untouched.
    assert client.get("/elsewhere").status_code == 404


def test_a_body_over_the_cores_limit_is_refused_with_413_and_nothing_is_credited(served: Any) -> None:
    from pay402._native import OFFERS_MAX_BODY_BYTES

    client, _, _, paywall = served
    token = challenge(client)["payment_context_token"]
    request = json.dumps({"offer_id": "offer_0001", "payment_method": "lightning",
                          "payment_context_token": token}).encode()
    event = json.dumps(paid_event(token, OFFERS[0])).encode()
    for path, raw in (("/payment-request", request), ("/offers/webhook", event)):
        # Valid JSON padded with whitespace: only its length is wrong.
        big = raw + b" " * (OFFERS_MAX_BODY_BYTES + 1 - len(raw))
        headers = {"Content-Type": "application/json", "Fewsats-Signature": sign(big, NOW)}
        r = client.post(path, content=big, headers=headers)
        assert r.status_code == 413, (path, r.text)
        assert r.json()["error"] == "request_body_too_large"
        # At the limit the body is read and judged on its content.
        fits = big[:OFFERS_MAX_BODY_BYTES]
        headers["Fewsats-Signature"] = sign(fits, NOW)
        assert client.post(path, content=fits, headers=headers).status_code == 200, path
    assert paywall.store.get(token) is not None  # credited once, by the body that fits


def test_concurrent_replays_grant_once(served: Any) -> None:
    """Eight simultaneous deliveries of one webhook: one grant, seven duplicates, two credits."""
    import concurrent.futures

    client, _, _, _ = served
    token = challenge(client)["payment_context_token"]
    event = paid_event(token, OFFERS[0])
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = sorted(pool.map(lambda _: webhook(client, event).json()["result"], range(8)))
    assert results == ["duplicate"] * 7 + ["granted"]
    auth = {"Authorization": f"Bearer {token}"}
    assert [client.get("/private-resource", headers=auth).status_code for _ in range(3)] == [200, 200, 402]
