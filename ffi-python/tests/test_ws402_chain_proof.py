"""``Ws402Endpoint(chain_proof=ChainProof(...))`` offline: the schema a client written for the original WS402
reads (its ``paymentDetails`` fields, at the seed's paths on Starlette), the endpoint's JSON-RPC transport
(what it POSTs for the machine's ``rpc`` commands, and a failed call reported as no answer) and the
configuration errors. Expected values are API23's contract and the seed's documented fields; the money on a
real chain is tests/chain/test_ws402_seed.py."""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import json
import re
import socket
import threading
from decimal import Decimal
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

pytest.importorskip("websockets", reason="websockets not installed (ffi-python/tests/requirements-web.txt)")
pytest.importorskip("starlette", reason="starlette not installed (ffi-python/tests/requirements-web.txt)")

from starlette.applications import Starlette  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402
from websockets.asyncio.client import connect as ws_connect  # noqa: E402

from pay402.errors import ConfigurationError  # noqa: E402
from pay402.ws402 import ChainProof, Ws402Endpoint, Ws402ServerSession  # noqa: E402
from web_support import PAY_TO, USDC_BASE_SEPOLIA, uvicorn_server  # noqa: E402

# The x402 offers' payee, apart from the chain proofs' (EIP-55's first example address).
OFFER_PAY_TO = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"

T_MS = 1_800_000_000_123
TX_HASH = "0x" + "5a" * 32


class Clock:
    def __init__(self, ms: int = T_MS) -> None:
        self.ms = ms

    def __call__(self) -> float:
        return self.ms / 1000


def refund(order: Any) -> Dict[str, Any]:  # never reached here: no session starts
    raise AssertionError(f"unexpected refund {order!r}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def fake_rpc(status: int, body: bytes) -> Iterator[Tuple[str, List[Tuple[str, Any]]]]:
    """A JSON-RPC server on 127.0.0.1 answering every POST with `status` and `body`; yields its URL and the
    (path, JSON body) of each request."""
    seen: List[Tuple[str, Any]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("content-length", "0"))
            seen.append((self.path, json.loads(self.rfile.read(length))))
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/rpc/key-123", seen
    finally:
        server.shutdown()
        server.server_close()


def endpoint(rpc_url: str, clock: Clock, **kw: Any) -> Ws402Endpoint:
    proof = ChainProof(chain_id=84532, pay_to=PAY_TO, rpc_url=rpc_url, asset=kw.pop("asset", None), rpc_timeout=2.0)
    kw.setdefault("price_per_second", 100_000_000_000)
    kw.setdefault("estimated_duration", 300)
    ep = Ws402Endpoint(chain_proof=proof, refund=refund, settlement="none", clock=clock, timer_poll=0.01, **kw)

    @ep.session
    async def echo(session: Ws402ServerSession) -> None:
        async for msg in session:
            await session.send_text(f"echo {msg}")

    return ep


def seed_app(ep: Ws402Endpoint) -> Starlette:
    return Starlette(routes=ep.routes("/", schema_path="/ws402/schema/{resource_id}"))


def seed_proof() -> str:
    return json.dumps({"type": "payment_proof", "proof": {
        "txHash": TX_HASH, "reference": "base_1800000000123_k3j9x2a1b",
        "senderAddress": "0xbda6878a527d58021a5780277dd3752921166220"}})


async def refused(url: str) -> Tuple[Dict[str, Any], Optional[int]]:
    async with ws_connect("ws" + url[4:] + "/?userId=user_1&resourceId=premium") as ws:
        await ws.send(seed_proof())
        first = json.loads(await asyncio.wait_for(ws.recv(), 10))
        with contextlib.suppress(Exception):
            await asyncio.wait_for(ws.recv(), 10)
        await ws.wait_closed()
        return first, ws.close_code


# --- the schema --------------------------------------------------------------------------------------------------


def test_the_schema_at_the_seeds_path_carries_the_seeds_native_payment_details() -> None:
    clock = Clock()
    ep = endpoint("http://127.0.0.1:9/", clock)
    client = TestClient(seed_app(ep))
    schema = client.get("/ws402/schema/premium-resource?duration=300").json()
    details = schema["paymentDetails"]
    paid = 100_000_000_000 * 300
    assert schema["pricing"]["totalPrice"] in (paid, str(paid))
    assert schema["websocketEndpoint"] == "ws://testserver/"  # the socket at "/", not the schema's path
    assert (details["type"], details["network"], details["chainId"], details["currency"]) == ("base", "base-sepolia", 84532, "ETH")
    assert details["recipient"] == PAY_TO  # EIP-55
    assert details["amountWei"] == paid and details["amount"] == paid  # ≤ 2^53: JSON numbers
    assert Decimal(details["amountETH"]) * 10**18 == paid
    assert "tokenAddress" not in details
    assert re.fullmatch(rf"base_{T_MS}_[0-9a-z]{{9}}", details["reference"]), details["reference"]
    assert details["expiresAt"] == T_MS + 300_000
    again = client.get("/ws402/schema/premium-resource").json()["paymentDetails"]
    assert again["reference"] != details["reference"]  # fresh random bytes for every schema


def test_a_token_endpoint_names_the_token_and_an_endpoint_with_offers_keeps_its_payment_required() -> None:
    clock = Clock()
    token = endpoint("http://127.0.0.1:9/", clock, asset=USDC_BASE_SEPOLIA, price_per_second=1_000, estimated_duration=60)
    details = TestClient(seed_app(token)).get("/ws402/schema/x").json()["paymentDetails"]
    assert (details["currency"], details["tokenAddress"].lower()) == ("ERC20", USDC_BASE_SEPOLIA.lower())
    assert details["amountWei"] == 60_000 and "amountETH" not in details
    # The offers' payee is not the chain proofs' (an x402 settlement to it would pass as a prepayment).
    with pytest.raises(ConfigurationError) as shared:
        endpoint("http://127.0.0.1:9/", clock, asset=USDC_BASE_SEPOLIA, price_per_second=1_000, estimated_duration=60,
                 network="eip155:84532", pay_to=PAY_TO, eip712_name="USDC", eip712_version="2")
    assert shared.value.code == "chain_proof_payee_shared"
    both = endpoint("http://127.0.0.1:9/", clock, asset=USDC_BASE_SEPOLIA, price_per_second=1_000, estimated_duration=60,
                    network="eip155:84532", pay_to=OFFER_PAY_TO, eip712_name="USDC", eip712_version="2")
    details = TestClient(seed_app(both)).get("/ws402/schema/x").json()["paymentDetails"]
    assert details["accepts"][0]["amount"] == "60000" and details["recipient"] == PAY_TO
    assert details["accepts"][0]["payTo"] == OFFER_PAY_TO


# --- the JSON-RPC transport --------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 429])
def test_an_rpc_answering_other_than_200_is_a_failed_call_rpc_unavailable_1011(status: int) -> None:
    body = b'{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"busy"}}'
    with fake_rpc(status, body) as (rpc_url, seen):
        ep = endpoint(rpc_url, Clock())
        with uvicorn_server(seed_app(ep)) as url:
            first, code = asyncio.run(refused(url))
    assert first == {"type": "payment_rejected", "reason": "rpc_unavailable"}
    assert code == 1011
    # what was POSTed: the JSON-RPC request of the machine's first rpc command (a look-up of the proof's
    # transaction by its hash), at the URL's path, with the params verbatim
    path, request = seen[0]
    assert path == "/rpc/key-123"
    assert sorted(request) == ["id", "jsonrpc", "method", "params"]
    assert (request["jsonrpc"], request["id"], request["params"]) == ("2.0", 1, [TX_HASH])
    assert request["method"] in ("eth_getTransactionByHash", "eth_getTransactionReceipt")


def test_an_unreachable_rpc_is_a_failed_call_rpc_unavailable_1011() -> None:
    ep = endpoint(f"http://127.0.0.1:{free_port()}/", Clock())
    with uvicorn_server(seed_app(ep)) as url:
        first, code = asyncio.run(refused(url))
    assert first == {"type": "payment_rejected", "reason": "rpc_unavailable"}
    assert code == 1011
    assert (ep.statements[0].ending, ep.statements[0].reason) == ("rejected", "rpc_unavailable")


# --- configuration -----------------------------------------------------------------------------------------------


def test_chain_proof_configuration_errors() -> None:
    with pytest.raises(ConfigurationError) as e:
        endpoint("ftp://127.0.0.1/", Clock())
    assert e.value.code == "invalid_rpc_url"
    with pytest.raises(ConfigurationError) as e:
        Ws402Endpoint(chain_proof=ChainProof(chain_id=84532, pay_to=PAY_TO, rpc_url="http://127.0.0.1:9/"),
                      price_per_second=1, settlement="none")
    assert e.value.code == "missing_refund"  # the unused part of an on-chain prepayment could not be paid back
    with pytest.raises(ConfigurationError) as e:
        Ws402Endpoint(chain_proof={"chain_id": 84532}, price_per_second=1, refund=refund)  # type: ignore[arg-type]
    assert e.value.code == "invalid_chain_proof"
