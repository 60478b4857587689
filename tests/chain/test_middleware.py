"""Python half of the middleware settlement test: pay402's web middleware settles for real on the local chain.

A FastAPI app behind `pay402.asgi.PaymentMiddleware` (uvicorn on a loopback socket) and a Flask app
behind `pay402.wsgi.PaymentMiddleware` (werkzeug on a loopback socket) share one `X402Paywall`: the
project's EIP-3009 token on `eip155:31337`, settlement = pay402's `FacilitatorClient` pointed at the
reference TypeScript facilitator (`PAY402_FACILITATOR_URL`), replay store = pay402's `MemoryReplayStore`.
A payer with tokens and no ETH pays through pay402's httpx client (`PaymentAuth` + `X402Payer`).

Proved for each framework: a paid request answers 200 with a `PAYMENT-RESPONSE` whose `transaction` is a
mined, successful `transferWithAuthorization` (receipt and logs read over JSON-RPC) and balances move by
exactly the price; a handler that fails (an error status, or an exception) is not settled — no
transaction, no new block, balances and `authorizationState` unchanged; a replayed `PAYMENT-SIGNATURE`
is refused with 402 by the replay store before it reaches the facilitator or the chain.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Iterator

import httpx
import pay402
import pytest
from fastapi import FastAPI, HTTPException, Request
from pay402.asgi import PaymentMiddleware as AsgiPaymentMiddleware
from pay402.client import Budget, PaymentAuth, X402Payer, payment_receipt
from pay402.facilitator import FacilitatorClient
from pay402.replay import MemoryReplayStore
from pay402.server import FacilitatorSettlement, X402Paywall
from pay402.wsgi import PaymentMiddleware as WsgiPaymentMiddleware

from chain import FACILITATOR, Chain

PRICE = 12_345  # atomic units of the 6-decimal token: 0.012345
FUNDING = 1_000_000
TWA_SELECTOR = "0xe3ee160e"  # transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32)
TRANSFER_TOPIC = "0x" + pay402.keccak256(b"Transfer(address,address,uint256)").hex()
AUTH_USED_TOPIC = "0x" + pay402.keccak256(b"AuthorizationUsed(address,bytes32)").hex()
FRAMEWORKS = ["fastapi", "flask"]
# a handler that fails: an error status it returns itself, or an exception the framework turns into a 500
FAILURES = {"refuses": 409, "crashes": 500}


# --- the apps -------------------------------------------------------------------------------------


@dataclass
class Site:
    """Both apps, one paywall. `calls` counts handler runs per (framework, path)."""

    urls: dict
    paywall: X402Paywall
    payee: str
    calls: dict = field(default_factory=dict)

    def count(self, framework: str, path: str) -> int:
        return self.calls.get((framework, path), 0)

    def ran(self, framework: str, path: str) -> None:
        self.calls[(framework, path)] = self.count(framework, path) + 1


def fastapi_app(site: Site, facilitator: FacilitatorClient) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        await facilitator.aclose()  # the async httpx client lives on uvicorn's loop

    app = FastAPI(lifespan=lifespan)

    @app.get("/premium")
    def premium(request: Request) -> dict:
        site.ran("fastapi", "/premium")
        return {"data": "paid content", "payer": request.scope["pay402"].payer}

    @app.get("/refuses")
    def refuses() -> dict:
        site.ran("fastapi", "/refuses")
        raise HTTPException(409, "the handler refused")

    @app.get("/crashes")
    def crashes() -> dict:
        site.ran("fastapi", "/crashes")
        raise RuntimeError("the handler crashed (expected by test_middleware.py)")

    app.add_middleware(AsgiPaymentMiddleware, x402=site.paywall)
    return app


def flask_app(site: Site):
    flask = pytest.importorskip("flask")
    app = flask.Flask("pay402-chain")

    @app.get("/premium")
    def premium():
        site.ran("flask", "/premium")
        return {"data": "paid content", "payer": flask.request.environ["pay402"].payer}

    @app.get("/refuses")
    def refuses():
        site.ran("flask", "/refuses")
        return {"error": "the handler refused"}, 409

    @app.get("/crashes")
    def crashes():
        site.ran("flask", "/crashes")
        raise RuntimeError("the handler crashed (expected by test_middleware.py)")

    app.wsgi_app = WsgiPaymentMiddleware(app.wsgi_app, x402=site.paywall)
    return app


@contextlib.contextmanager
def uvicorn_on_loopback(app) -> Iterator[str]:
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # bound before the thread starts: no port race
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()
        assert not thread.is_alive(), "uvicorn did not stop"


@contextlib.contextmanager
def werkzeug_on_loopback(app) -> Iterator[str]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="werkzeug", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(15)
        assert not thread.is_alive(), "werkzeug did not stop"


@pytest.fixture(scope="module")
def site(chain: Chain, deployment: dict, facilitator_url: str) -> Iterator[Site]:
    payee = pay402.private_key_to_address(os.urandom(32))
    facilitator = FacilitatorClient(facilitator_url, timeout=30)
    paywall = X402Paywall(
        {"GET /premium": PRICE, "GET /refuses": PRICE, "GET /crashes": PRICE},
        network="eip155:31337",
        pay_to=payee,
        asset=deployment["token"],
        decimals=6,
        eip712_name=deployment["name"],
        eip712_version=deployment["version"],
        description="chain middleware test",
        max_timeout_seconds=300,
        settlement=facilitator,  # the settlement hook: pay402's facilitator client
        replay_store=MemoryReplayStore(),
        clock=chain.now,  # chain time (tests elsewhere move it ahead of the wall clock)
    )
    assert isinstance(paywall.settlement, FacilitatorSettlement) and paywall.settlement.client is facilitator
    site = Site({}, paywall, payee)
    # the crash handlers' tracebacks are expected; keep them out of the test log
    quiet = [logging.getLogger(n) for n in ("uvicorn.error", "pay402-chain")]
    levels = [lg.level for lg in quiet]
    for lg in quiet:
        lg.setLevel(logging.CRITICAL)
    try:
        with uvicorn_on_loopback(fastapi_app(site, facilitator)) as asgi_url, \
                werkzeug_on_loopback(flask_app(site)) as wsgi_url:
            site.urls.update(fastapi=asgi_url, flask=wsgi_url)
            yield site
    finally:
        facilitator.close()
        for lg, level in zip(quiet, levels):
            lg.setLevel(level)


@dataclass
class Payer:
    key: bytes
    address: str
    x402: X402Payer


@pytest.fixture
def payer(chain: Chain, deployment: dict) -> Payer:
    """A fresh key with tokens and no ETH, paying through pay402's httpx client."""
    key = os.urandom(32)
    address = pay402.private_key_to_address(key)
    chain.mint(address, FUNDING)
    x402 = X402Payer(key, networks=["eip155:31337"], assets=[deployment["token"]],
                     budget=Budget(per_request=PRICE, total=10 * PRICE), clock=chain.now)
    return Payer(key, address, x402)


def pay(url: str, payer: Payer) -> httpx.Response:
    with httpx.Client(auth=PaymentAuth(x402=payer.x402), timeout=60) as client:
        return client.get(url)


def sent_authorization(response: httpx.Response) -> dict:
    """The EIP-3009 authorization the client signed, from the retried request's PAYMENT-SIGNATURE."""
    header = response.request.headers["payment-signature"]
    return json.loads(pay402.decode_payment_payload(header=header).json)["payload"]["authorization"]


@dataclass
class Snapshot:
    block: int
    gas_wallet_nonce: int
    payer: int
    payee: int


def snapshot(chain: Chain, payer: Payer, site: Site) -> Snapshot:
    return Snapshot(chain.block_number(), chain.tx_count(FACILITATOR), chain.balance_of(payer.address),
                    chain.balance_of(site.payee))


# --- the tests --------------------------------------------------------------------------------------


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_unpaid_request_gets_the_402_offer(framework: str, site: Site, deployment: dict) -> None:
    r = httpx.get(site.urls[framework] + "/premium", timeout=30)
    assert r.status_code == 402
    required = json.loads(pay402.decode_payment_required(r.headers["payment-required"]).json)
    assert required["accepts"] == [{
        "scheme": "exact", "network": "eip155:31337", "amount": str(PRICE), "asset": deployment["token"],
        "payTo": site.payee, "maxTimeoutSeconds": 300,
        "extra": {"name": deployment["name"], "version": deployment["version"]},
    }]
    assert required["resource"]["url"] == site.urls[framework] + "/premium"
    assert site.count(framework, "/premium") == 0


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_paid_request_settles_on_chain(framework: str, site: Site, chain: Chain, deployment: dict,
                                       payer: Payer) -> None:
    before = snapshot(chain, payer, site)
    r = pay(site.urls[framework] + "/premium", payer)
    assert r.status_code == 200, r.text
    assert r.json() == {"data": "paid content", "payer": payer.address}
    assert site.count(framework, "/premium") == 1
    assert payer.x402.budget.spent == PRICE

    # PAYMENT-RESPONSE: success with the hash of a real transaction
    receipt_body = payment_receipt(r)  # the decoded PAYMENT-RESPONSE header
    assert receipt_body is not None and "payment-response" in r.headers
    assert receipt_body["success"] is True, receipt_body
    assert (receipt_body["network"], receipt_body["payer"]) == ("eip155:31337", payer.address)
    tx_hash = receipt_body["transaction"]
    assert tx_hash.startswith("0x") and len(tx_hash) == 66

    # the node: a mined, successful transferWithAuthorization sent by the facilitator's gas wallet to the token
    receipt = chain.receipt(tx_hash)
    assert receipt.status == 1
    tx = chain.rpc("eth_getTransactionByHash", tx_hash)
    assert tx["from"].lower() == FACILITATOR.lower() and tx["to"].lower() == deployment["token"].lower()
    assert tx["input"][:10] == TWA_SELECTOR
    authorization = sent_authorization(r)
    logs = [lg for lg in receipt.logs if lg["address"].lower() == deployment["token"].lower()]
    used = [lg for lg in logs if lg["topics"][0] == AUTH_USED_TOPIC]
    moved = [lg for lg in logs if lg["topics"][0] == TRANSFER_TOPIC]
    assert len(used) == 1 and used[0]["topics"][2] == authorization["nonce"].lower()
    assert int(used[0]["topics"][1], 16) == int(payer.address, 16)
    assert len(moved) == 1 and int(moved[0]["data"], 16) == PRICE
    assert [int(t, 16) for t in moved[0]["topics"][1:]] == [int(payer.address, 16), int(site.payee, 16)]
    assert chain.authorization_state(payer.address, authorization["nonce"])

    # exactly one transaction, balances moved by exactly the price
    after = snapshot(chain, payer, site)
    assert after.gas_wallet_nonce == before.gas_wallet_nonce + 1
    assert (after.payer, after.payee) == (before.payer - PRICE, before.payee + PRICE)


@pytest.mark.parametrize("failure", list(FAILURES))
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_failed_handler_is_not_settled(framework: str, failure: str, site: Site, chain: Chain,
                                       payer: Payer) -> None:
    path = "/" + failure
    before = snapshot(chain, payer, site)
    r = pay(site.urls[framework] + path, payer)
    assert r.status_code == FAILURES[failure], r.text
    assert site.count(framework, path) == 1  # the payment was verified and admitted; the handler ran and failed
    assert "payment-response" not in r.headers
    assert payment_receipt(r) is None

    # nothing reached the chain: no transaction, no block, balances unchanged, the authorization unused
    assert snapshot(chain, payer, site) == before
    assert not chain.authorization_state(payer.address, sent_authorization(r)["nonce"])


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_replayed_payment_is_refused_before_the_chain(framework: str, site: Site, chain: Chain,
                                                      payer: Payer) -> None:
    url = site.urls[framework] + "/premium"
    first = pay(url, payer)
    assert first.status_code == 200 and payment_receipt(first)["success"] is True
    header = first.request.headers["payment-signature"]
    calls = [site.count(f, "/premium") for f in FRAMEWORKS]
    before = snapshot(chain, payer, site)

    # the same PAYMENT-SIGNATURE again, to this app and to the other one (same paywall, same store)
    for target in (url, site.urls[next(f for f in FRAMEWORKS if f != framework)] + "/premium"):
        r = httpx.get(target, headers={"PAYMENT-SIGNATURE": header}, timeout=30)
        assert r.status_code == 402, r.text
        body = r.json()  # v2-only offers: the body is the problem alone (code, message)
        assert isinstance(body.pop("errorMessage"), str) and body == {"error": "payment_already_used"}
        required = json.loads(pay402.decode_payment_required(r.headers["payment-required"]).json)
        assert required["error"] == "payment_already_used"
        assert "payment-response" not in r.headers

    # refused before the handler, the facilitator and the chain
    assert [site.count(f, "/premium") for f in FRAMEWORKS] == calls
    assert snapshot(chain, payer, site) == before
