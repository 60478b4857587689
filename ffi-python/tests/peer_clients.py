"""Peer-client fixtures: clients no one here wrote, paying a pay402 server over real HTTP.

Framework-independent, so any server test (ASGI, WSGI, Flask, Django, or the minimal server
below) can reuse them:

* :func:`pay_with_x402` — the PyPI ``x402`` SDK's httpx client (``x402HttpxClient`` over
  ``x402Client``) pays a URL for one chosen offer (:data:`EXACT_EIP3009`, :data:`EXACT_PERMIT2`,
  :data:`UPTO`), the SDK's own selector picking it from the 402 the server sent.
* :class:`FacilitatorDouble` — a local HTTP facilitator (``POST /settle``) that records every body
  and answers like the x402 facilitator API (success; ``upto`` adds the settled ``amount``).
* :class:`MinimalServer` — a stdlib ``http.server`` that sells one resource with
  ``pay402.X402Server`` and drives the exactly-once ``exchange`` itself (reserve, handler,
  ``/settle`` through the facilitator, receipt), as a framework adapter would.

The SDK needs Python >= 3.10: call :func:`require_x402` first (skips with the suite's reason).
"""

from __future__ import annotations

import base64
import json
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple
from contextlib import contextmanager

import pytest

X402_REASON = "the PyPI x402 package (2.25.0) requires Python >= 3.10; its cross-checks run on 3.10+ only"

# A throwaway test key (never funded) and the parties of the offers.
KEY = "0x" + "4c" * 32
USDC_BASE_SEPOLIA = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"
PAY_TO = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"
# The facilitator that may settle `upto` payments (the witness's `facilitator`).
FACILITATOR_ADDRESS = "0x1111111111111111111111111111111111111111"
NETWORK = "eip155:84532"


def require_x402() -> None:
    """Skips the calling test where the PyPI x402 SDK cannot run."""
    if sys.version_info < (3, 10):
        pytest.skip(X402_REASON)
    pytest.importorskip("x402", reason="x402[evm] not installed (ffi-python/tests/requirements-web.txt)")


def payer_address(key: str = KEY) -> str:
    """The payer's EIP-55 address, as eth-account (a peer) derives it."""
    from eth_account import Account

    return str(Account.from_key(key).address)


# --- the offers, one per scheme the SDK pays ------------------------------------------------


@dataclass(frozen=True)
class Scheme:
    """One scheme the peer can pay: the pay402 offer that sells it, and how the peer recognises
    it among the requirements of a 402 (scheme name and fields of ``extra``, per the x402 spec)."""

    name: str
    offer: Dict[str, Any]
    scheme: str
    transfer_method: Optional[str]  # extra.assetTransferMethod
    upto: bool = False
    v1_network: Optional[str] = None  # its x402 v1 network name, when x402 v1 has the scheme

    def matches(self, requirements: Any) -> bool:
        if requirements.network not in (self.offer["network"], self.v1_network):
            return False
        if self.upto:  # upto is Permit2 only; its transfer method is implied
            return bool(requirements.scheme == "upto")
        extra = requirements.extra or {}
        return (
            requirements.scheme == self.scheme
            and extra.get("assetTransferMethod") == self.transfer_method
        )


EXACT_EIP3009 = Scheme(
    "exact-eip3009",
    {
        "scheme": "exact", "network": NETWORK, "asset": USDC_BASE_SEPOLIA, "amount": 10_000,
        "pay_to": PAY_TO, "max_timeout_seconds": 60, "eip712_name": "USDC", "eip712_version": "2",
    },
    "exact",
    None,
    v1_network="base-sepolia",
)
EXACT_PERMIT2 = Scheme(
    "exact-permit2",
    {
        "scheme": "exact", "network": NETWORK, "asset": USDC_BASE_SEPOLIA, "amount": 20_000,
        "pay_to": PAY_TO, "max_timeout_seconds": 60, "transfer_method": "permit2",
    },
    "exact",
    "permit2",
)
UPTO = Scheme(
    "upto-permit2",
    {
        "scheme": "upto", "network": NETWORK, "asset": USDC_BASE_SEPOLIA, "amount": 50_000,
        "pay_to": PAY_TO, "max_timeout_seconds": 60, "facilitator": FACILITATOR_ADDRESS,
    },
    "upto",
    None,
    upto=True,
)
EVM_SCHEMES = (EXACT_EIP3009, EXACT_PERMIT2, UPTO)
SOLANA_DEVNET = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"
# Solana `exact` on devnet: USDC's devnet mint; the fee payer is the facilitator's key.
EXACT_SVM = Scheme(
    "exact-svm",
    {
        "scheme": "exact", "network": SOLANA_DEVNET, "asset": "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU",
        "amount": 10_000, "pay_to": "AKSQxLCef2dEpkNCBccBzHxnL5NNBJNc3BeTMh5hp2P2", "max_timeout_seconds": 60,
        "fee_payer": "J1cezW528jhuvQ5HqUVmLhVFre2PXkE6374HKgtCko5y",
    },
    "exact",
    None,
    v1_network="solana-devnet",
)
ALL_SCHEMES = EVM_SCHEMES + (EXACT_SVM,)
SOLANA_SEED = bytes([0x5A] * 32)  # a throwaway Solana key (never funded)


def require_solana() -> None:
    """Skips the calling test where the SDK's Solana client (x402[svm]: solana, solders) is missing."""
    require_x402()
    pytest.importorskip("solders", reason="x402[svm] not installed (ffi-python/tests/requirements-web.txt)")
    pytest.importorskip("solana", reason="x402[svm] not installed (ffi-python/tests/requirements-web.txt)")


def solana_signer(seed: bytes = SOLANA_SEED) -> Any:
    """The SDK's ``KeypairSigner`` over a solders ``Keypair`` from ``seed``."""
    from solders.keypair import Keypair
    from x402.mechanisms.svm.signers import KeypairSigner

    return KeypairSigner(Keypair.from_seed(seed))


# --- the peer client ----------------------------------------------------------------------


def x402_client(scheme: Scheme, key: str = KEY, solana: Optional[Tuple[Any, str]] = None) -> Any:
    """An ``x402Client`` with the SDK's EVM schemes registered (exact: EIP-3009 and Permit2,
    v1 and v2; upto) and, given ``solana=(signer, rpc_url)``, its Solana exact scheme, whose
    selector takes only ``scheme``'s requirements."""
    from eth_account import Account
    from x402 import x402Client
    from x402.mechanisms.evm.exact import register_exact_evm_client
    from x402.mechanisms.evm.signers import EthAccountSigner
    from x402.mechanisms.evm.upto.client import UptoEvmScheme

    def select(version: int, requirements: List[Any]) -> Any:
        chosen = [r for r in requirements if scheme.matches(r)]
        assert chosen, f"the 402 offers no {scheme.name}: {requirements}"
        return chosen[0]

    signer = EthAccountSigner(Account.from_key(key))
    client = x402Client(payment_requirements_selector=select)
    register_exact_evm_client(client, signer)
    client.register("eip155:*", UptoEvmScheme(signer))
    if solana is not None:
        from x402.mechanisms.svm.exact import register_exact_svm_client

        register_exact_svm_client(client, solana[0], rpc_url=solana[1])
    return client


def pay_with_x402(
    url: str, scheme: Scheme, key: str = KEY, method: str = "GET", solana: Optional[Tuple[Any, str]] = None
) -> Any:
    """The SDK's httpx client requests ``url``, pays the 402 with ``scheme`` and returns the
    final ``httpx.Response``. ``solana``: ``(signer, rpc_url)`` for Solana offers."""
    import asyncio

    from x402.http.clients import x402HttpxClient

    async def go() -> Any:
        async with x402HttpxClient(x402_client(scheme, key, solana), timeout=30) as http:
            response = await http.request(method, url)
            await response.aread()
            return response

    return asyncio.run(go())


def decode_receipt(value: str) -> Any:
    """A ``PAYMENT-RESPONSE`` header through the SDK's own decoder (a ``SettleResponse``)."""
    from x402.http.utils import decode_payment_response_header

    return decode_payment_response_header(value)


def decode_payment(value: str) -> Dict[str, Any]:
    """A ``PAYMENT-SIGNATURE`` / ``X-PAYMENT`` header through the SDK's decoder, as JSON."""
    from x402.http.utils import decode_payment_signature_header

    return dict(decode_payment_signature_header(value).model_dump(by_alias=True, exclude_none=True))


def decode_challenge(value: str) -> Any:
    """A ``PAYMENT-REQUIRED`` header through the SDK's decoder."""
    from x402.http.utils import decode_payment_required_header

    return decode_payment_required_header(value)


# --- small loopback HTTP servers ------------------------------------------------------------


@contextmanager
def _serve(handler: type) -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


class FacilitatorDouble:
    """A facilitator on loopback: ``POST /settle`` records the JSON body in :attr:`settles` and
    answers a success (x402 facilitator API: ``success``, ``transaction``, ``network``, ``payer``;
    ``upto`` adds ``amount``, the settled ``paymentRequirements.amount``). ``payer`` is the
    address the test knows signed."""

    def __init__(self, payer: str) -> None:
        self.payer = payer
        self.settles: List[Dict[str, Any]] = []
        self.answers: List[Dict[str, Any]] = []
        self.url = ""

    def answer(self, body: Dict[str, Any]) -> Dict[str, Any]:
        requirements = body["paymentRequirements"]
        out: Dict[str, Any] = {
            "success": True,
            "transaction": "0x" + os.urandom(32).hex(),
            "network": requirements["network"],
            "payer": self.payer,
        }
        if requirements["scheme"] == "upto":
            out["amount"] = requirements["amount"]
        return out

    @contextmanager
    def running(self) -> Iterator["FacilitatorDouble"]:
        double = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", "0")))
                if self.path != "/settle":
                    self.send_error(404)
                    return
                body = json.loads(raw)
                double.settles.append(body)
                answer = double.answer(body)
                double.answers.append(answer)
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        with _serve(Handler) as url:
            self.url = url
            yield self


class SolanaRpcStub:
    """A Solana JSON-RPC stand-in on loopback for what the SDK's Solana client reads from the
    chain before it signs: the mint account (``getAccountInfo``: an SPL Token mint with
    ``decimals``, owned by the Token program, in the SPL Mint layout) and a recent blockhash
    (``getLatestBlockhash``, random). Nothing is sent to it; :attr:`calls` lists the methods."""

    TOKEN_PROGRAM = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"

    def __init__(self, decimals: int = 6) -> None:
        from solders.hash import Hash

        mint = bytearray(82)  # COption<Pubkey> authority, u64 supply, u8 decimals, bool init, COption<Pubkey> freeze
        mint[44] = decimals
        mint[45] = 1
        self.mint = bytes(mint)
        self.blockhash = str(Hash(os.urandom(32)))
        self.calls: List[str] = []
        self.url = ""

    def result(self, method: str) -> Any:
        context = {"slot": 1}
        if method == "getAccountInfo":
            data = [base64.b64encode(self.mint).decode(), "base64"]
            return {"context": context, "value": {
                "data": data, "executable": False, "lamports": 1461600, "owner": self.TOKEN_PROGRAM,
                "rentEpoch": 0, "space": 82,
            }}
        if method == "getLatestBlockhash":
            return {"context": context, "value": {"blockhash": self.blockhash, "lastValidBlockHeight": 1000}}
        return None

    @contextmanager
    def running(self) -> Iterator["SolanaRpcStub"]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                request = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))))
                stub.calls.append(request["method"])
                result = stub.result(request["method"])
                if result is None:
                    answer = {"jsonrpc": "2.0", "id": request["id"], "error": {"code": -32601, "message": "not stubbed"}}
                else:
                    answer = {"jsonrpc": "2.0", "id": request["id"], "result": result}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        with _serve(Handler) as url:
            self.url = url
            yield self


def post_settle(facilitator_url: str, body: bytes, timeout: float = 10) -> Optional[bytes]:
    """POSTs a ``/settle`` body; the answer's bytes, or None for no answer (timeout, connection
    error, 5xx), as ``Exchange.settled`` takes it."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        facilitator_url + "/settle", data=body, headers={"content-type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return bytes(r.read())
    except urllib.error.HTTPError as e:
        return None if e.code >= 500 else bytes(e.read())
    except OSError:
        return None


# What the resource's handler answers: (status, body, upto charge or None).
Handler = Callable[[Any], Tuple[int, bytes, Optional[int]]]


@dataclass
class MinimalServer:
    """One paid resource on loopback, sold by ``pay402.X402Server`` with no framework: the host
    I/O an adapter does around ``admit`` and ``exchange`` (an in-memory replay store, the
    handler, ``/settle`` through ``facilitator_url``), nothing decided here. ``v1_only`` drops
    the v2 ``PAYMENT-REQUIRED`` header from its 402s, so a client sees the x402 v1 body alone
    (a v1 server)."""

    offers: List[Dict[str, Any]]
    facilitator_url: str
    handler: Handler
    path: str = "/paid"
    v1_only: bool = False
    admitted: List[Any] = field(default_factory=list)
    handled: List[Any] = field(default_factory=list)
    payments: List[Tuple[str, str]] = field(default_factory=list)  # (header name, value) admitted
    errors: List[Exception] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        self._reserved: Dict[bytes, float] = {}
        self._lock = threading.Lock()
        self._server: Any = None

    def _reserve(self, key: bytes, ttl: int) -> bool:
        with self._lock:
            now = time.time()
            until = self._reserved.get(key)
            if until is not None and until > now:
                return False
            self._reserved[key] = now + ttl
            return True

    def _release(self, key: bytes) -> None:
        with self._lock:
            self._reserved.pop(key, None)

    def respond(self, headers: List[Tuple[str, str]]) -> Tuple[int, List[Tuple[str, str]], bytes]:
        from pay402 import _native

        reply = self._server.admit(headers, int(time.time()))
        if isinstance(reply, _native.Reply):
            return reply.status, list(reply.headers), bytes(reply.body or b"")
        self.admitted.append(reply)
        self.payments.extend(
            (n, v) for n, v in headers if n.lower() in ("payment-signature", "x-payment")
        )
        exchange = self._server.exchange(reply)
        step = exchange.reserved(self._reserve(bytes(exchange.replay_key), exchange.ttl))
        body = b""
        charge: Optional[int] = None
        while not step.is_final:
            if step.action == "run_handler":
                self.handled.append(reply)
                status, body, charge = self.handler(reply)
                step = exchange.handled(status)
            elif step.action == "settle":
                step = exchange.settled(post_settle(self.facilitator_url, bytes(exchange.settle_request(charge))))
            else:
                raise AssertionError(f"unknown step {step.action}")
        if step.action in ("release_reservation", "withhold"):
            self._release(bytes(exchange.replay_key))
        out = list(step.headers)
        if step.body is None and step.action == "serve":
            out.append(("content-type", "application/json"))
        return step.status, out, bytes(step.body) if step.body is not None else body

    @contextmanager
    def running(self, resource_url: Optional[str] = None) -> Iterator["MinimalServer"]:
        import pay402

        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.path.split("?")[0] != site.path:
                    self.send_error(404)
                    return
                try:
                    status, headers, body = site.respond(list(self.headers.items()))
                except Exception as e:  # recorded for the test; the client sees a 500
                    site.errors.append(e)
                    status, headers, body = 500, [], b""
                self.send_response(status)
                for name, value in headers:
                    if site.v1_only and status == 402 and name.lower() == "payment-required":
                        continue
                    self.send_header(name, value)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        with _serve(Handler) as base:
            self.url = base + self.path
            self._server = pay402.X402Server(
                self.offers, {"url": resource_url or self.url, "description": "peer test", "mime_type": "application/json"}
            )
            yield self


def b64json(value: str) -> Any:
    """A base64 JSON header value, decoded with the standard library."""
    return json.loads(base64.b64decode(value))


# --- a one-shot client for servers written in another language ------------------------------


def recording_transport(sent: List[Tuple[str, str]]) -> Any:
    """An httpx async transport that appends to ``sent`` the payment headers each request
    carries (the SDK retries inside its transport, so ``response.request`` does not show them)."""
    import httpx

    class Recording(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self.inner = httpx.AsyncHTTPTransport()

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            sent.extend((n, request.headers[n]) for n in ("payment-signature", "x-payment") if n in request.headers)
            return await self.inner.handle_async_request(request)

        async def aclose(self) -> None:
            await self.inner.aclose()

    return Recording()


def pay_cli(url: str, name: str) -> Dict[str, Any]:
    """The SDK's httpx transport pays ``url`` for the scheme named ``name`` (Solana: against a
    :class:`SolanaRpcStub` of its own); what the peer saw, as ``peer-clients.mjs pay`` prints it:
    status, body, payment (the header name and value the SDK sent last), payments (how many it
    sent), receiptHeader, receipt (through the SDK's decoder), payer, rpcCalls."""
    import asyncio
    from contextlib import ExitStack

    import httpx
    from x402.http.clients import x402_httpx_transport

    scheme = next((s for s in ALL_SCHEMES if s.name == name), None)
    if scheme is None:
        raise SystemExit(f"unknown scheme {name}")
    sent: List[Tuple[str, str]] = []

    with ExitStack() as stack:
        solana = None
        payer = payer_address()
        rpc: Optional[SolanaRpcStub] = None
        if scheme is EXACT_SVM:
            signer = solana_signer()
            rpc = stack.enter_context(SolanaRpcStub().running())
            solana = (signer, rpc.url)
            payer = str(signer.address)

        async def go() -> httpx.Response:
            transport = x402_httpx_transport(x402_client(scheme, solana=solana), recording_transport(sent))
            async with httpx.AsyncClient(transport=transport, timeout=30) as http:
                response = await http.get(url)
                await response.aread()
                return response

        response = asyncio.run(go())
        receipt_header = next((h for h in ("PAYMENT-RESPONSE", "X-PAYMENT-RESPONSE") if h in response.headers), None)
        receipt = None
        if receipt_header is not None:
            r = decode_receipt(response.headers[receipt_header])
            receipt = {"success": r.success, "transaction": r.transaction, "network": r.network, "payer": r.payer,
                       "amount": r.amount}
        payment = list(sent[-1]) if sent else None
        if payment:
            decode_payment(payment[1])  # the SDK reads its own header back
        return {
            "status": response.status_code, "body": response.text, "payment": payment, "payments": len(sent),
            "receiptHeader": receipt_header, "receipt": receipt, "payer": payer,
            "rpcCalls": list(rpc.calls) if rpc is not None else [],
        }


if __name__ == "__main__":
    # python -m peer_clients pay <url> <scheme name>   (cwd ffi-python/tests): one JSON line
    if len(sys.argv) != 4 or sys.argv[1] != "pay":
        raise SystemExit("usage: python -m peer_clients pay <url> <exact-eip3009|exact-permit2|upto-permit2|exact-svm>")
    print(json.dumps(pay_cli(sys.argv[2], sys.argv[3])))
