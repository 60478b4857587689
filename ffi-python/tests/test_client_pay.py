"""The paying clients (httpx sync, httpx async, requests) pay pay402's own server for every
scheme over real HTTP on 127.0.0.1: ``exact`` EIP-3009, ``exact`` Permit2, ``upto`` Permit2 (the
handler charges less than the signed maximum) and Solana ``exact`` with a fee payer.

The servers are the framework apps of ``test_server_schemes`` (FastAPI under uvicorn, Flask and
plain WSGI under wsgiref) with a recording settlement hook. Expected values come from the route
configuration (prices, payee), the payers' keys, the Permit2 contract's published address and
the ERC-20 ABI (``allowance(address,address)`` is selector ``0xdd62ed3e``), never from the
client code."""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
from typing import Any, Dict, Iterator, List

import pytest

pytest.importorskip("httpx", reason="httpx not installed (ffi-python/tests/requirements-web.txt)")
pytest.importorskip("fastapi", reason="fastapi not installed (ffi-python/tests/requirements-web.txt)")
pytest.importorskip("flask", reason="flask not installed (ffi-python/tests/requirements-web.txt)")
pytest.importorskip("requests", reason="requests not installed (ffi-python/tests/requirements-web.txt)")
pytest.importorskip("django", reason="django not installed (ffi-python/tests/requirements-web.txt)")

import pay402  # noqa: E402
from pay402.client import (  # noqa: E402
    Budget,
    Permit2ApprovalRequired,
    SvmPayer,
    X402Payer,
    X402PaymentRefused,
    payment_receipt,
)
from pay402.errors import BudgetExceeded  # noqa: E402
from test_server_schemes import ROUTES, SIGNED, SVM_BUILD, SVM_PAYER, fastapi_app, flask_app, paywall, wsgi_app  # noqa: E402
from web_support import KEY, PAYER, USDC_BASE_SEPOLIA, CountingSettlement, paid_get, uvicorn_server, wsgi_server  # noqa: E402

PERMIT2 = "0x000000000022D473030F116dDEE9F6B43aC78BA3"  # Uniswap's Permit2, the same on every chain
SOLANA_DEVNET = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"
SVM_SEED = bytes.fromhex(SVM_BUILD["payer_seed_hex"])
MINT = SVM_BUILD["mint"]
CHARGE = 1234  # what the upto handler charges (the signed maximum is SIGNED["upto-permit2"])


class ReportingSettlement(CountingSettlement):
    """Settles like a facilitator that reports the settled ``amount`` in its answer (``upto``)."""

    def settle(self, request: Any) -> Any:
        answer = super().settle(request)
        return {**answer, "amount": request.requirements["amount"]}


def payer(scheme: str, budget: Budget, **kw: Any) -> X402Payer:
    if scheme == "exact-svm":
        return X402Payer(svm_seed=SVM_SEED, networks=["solana-devnet"], svm_assets={MINT: 6},
                         recent_blockhash=lambda network: SVM_BUILD["recent_blockhash"], budget=budget, **kw)
    return X402Payer(KEY, networks=["eip155:84532"], budget=budget, **kw)


@contextlib.contextmanager
def server(scheme: str, settlement: Any, framework: str) -> Iterator[str]:
    pw = paywall(scheme, settlement)
    if framework == "fastapi":
        with uvicorn_server(fastapi_app(pw)) as base:
            yield base
    else:
        with wsgi_server((flask_app if framework == "flask" else wsgi_app)(pw)) as base:
            yield base


def get(client: str, x402: X402Payer, url: str) -> Any:
    return paid_get(client, x402, url)


CLIENTS = {"httpx": "wsgi", "httpx-async": "fastapi", "requests": "flask"}


@pytest.mark.parametrize("client", list(CLIENTS))
@pytest.mark.parametrize("scheme", list(ROUTES))
def test_each_client_pays_each_scheme(scheme: str, client: str) -> None:
    settlement = ReportingSettlement()
    budget = Budget(per_request=100_000, total=1_000_000)
    path = f"/item?charge={CHARGE}" if scheme == "upto-permit2" else "/item"
    with server(scheme, settlement, CLIENTS[client]) as base:
        r = get(client, payer(scheme, budget), base + path)
    assert r.status_code == 200, r.content
    payer_address = SVM_PAYER if scheme == "exact-svm" else PAYER
    assert r.json() == {"payer": payer_address, "amount": SIGNED[scheme], "offer": 0}
    (call,) = settlement.calls
    assert call.payer == payer_address
    charged = CHARGE if scheme == "upto-permit2" else SIGNED[scheme]
    assert call.requirements["amount"] == str(charged)
    receipt = payment_receipt(r)
    assert receipt is not None and receipt["success"] is True
    # The budget counts what was settled: upto commits the receipt's settled amount.
    assert receipt.get("amount") == str(charged)
    assert budget.spent == charged
    assert budget.allowance() == min(100_000, 1_000_000 - budget.spent)


@pytest.mark.parametrize("client", list(CLIENTS))
def test_a_refused_paid_retry_raises_and_the_budget_is_back(client: str) -> None:
    settlement = CountingSettlement(fail=pay402.SettleError("no funds", code="insufficient_funds"))
    budget = Budget(per_request=100_000, total=15_000)  # an unreleased 10 000 would leave 5 000
    with server("exact-eip3009", settlement, CLIENTS[client]) as base:
        with pytest.raises(X402PaymentRefused) as refused:
            get(client, payer("exact-eip3009", budget), base + "/item")
    e = refused.value
    assert (e.code, e.status, e.definitive) == ("insufficient_funds", 402, True)
    body = e.response.json()  # the server's 402 body: its code, detail and message
    assert body["error"] == e.code and body.get("errorDetail") == e.detail_code
    assert e.server_message and body["errorMessage"] == e.server_message
    assert b'"payer"' not in e.response.content and len(settlement.calls) == 1
    assert budget.spent == 0 and budget.allowance() == 15_000


REFUSAL = {"error": "invalid_payment", "errorDetail": "insufficient_funds",
           "errorMessage": "the payer's balance is below the price"}


def refusing_on_payment(app: Any) -> Any:
    """The paywall's app, except that a request carrying a payment gets a 402 refusing it with a
    detail code, as a server whose facilitator found the payer's balance short answers."""

    def wrapped(environ: Dict[str, Any], start_response: Any) -> Any:
        if "HTTP_PAYMENT_SIGNATURE" not in environ:
            return app(environ, start_response)
        body = json.dumps({"x402Version": 2, **REFUSAL}).encode()
        start_response("402 Payment Required", [("Content-Type", "application/json"),
                                                 ("Content-Length", str(len(body)))])
        return [body]

    return wrapped


@pytest.mark.parametrize("client", list(CLIENTS))
def test_a_refusal_carries_the_servers_code_detail_code_and_message(client: str) -> None:
    budget = Budget(per_request=100_000, total=100_000)
    app = refusing_on_payment(wsgi_app(paywall("exact-eip3009", CountingSettlement())))
    with wsgi_server(app) as base:
        with pytest.raises(X402PaymentRefused) as refused:
            get(client, payer("exact-eip3009", budget), base + "/item")
    e = refused.value
    assert (e.status, e.code, e.detail_code, e.server_message) == (
        402, REFUSAL["error"], REFUSAL["errorDetail"], REFUSAL["errorMessage"])
    assert e.definitive is True and budget.spent == 0 and budget.allowance() == 100_000


@pytest.mark.parametrize("client", list(CLIENTS))
@pytest.mark.parametrize("scheme", ["exact-eip3009", "exact-permit2", "upto-permit2"])
def test_a_payment_the_server_refuses_on_admission_raises_and_the_budget_is_back(scheme: str, client: str) -> None:
    """The payer's clock is a day late: the server's verification refuses the expired
    authorization (before any settlement), and says so in its 402."""
    import time

    settlement = CountingSettlement()
    budget = Budget(per_request=100_000, total=100_000)
    late = payer(scheme, budget, clock=lambda: time.time() - 86_400)
    with server(scheme, settlement, CLIENTS[client]) as base:
        with pytest.raises(X402PaymentRefused) as refused:
            get(client, late, base + "/item")
    e = refused.value
    assert e.status == 402 and e.definitive is True and settlement.calls == []
    body = e.response.json()
    assert (e.code, e.detail_code, e.server_message) == (body["error"], body.get("errorDetail"), body["errorMessage"])
    assert "expire" in e.code or "valid_before" in e.code or "deadline" in e.code, e.code
    assert budget.spent == 0 and budget.allowance() == 100_000


@pytest.mark.parametrize("client", list(CLIENTS))
def test_an_unknown_outcome_keeps_the_amount_counted(client: str) -> None:
    settlement = CountingSettlement(fail=ConnectionError("facilitator down"))
    budget = Budget(per_request=100_000, total=15_000)
    with server("exact-eip3009", settlement, CLIENTS[client]) as base:
        r = get(client, payer("exact-eip3009", budget), base + "/item")
    # 502: the settlement may have happened; the client returns the answer and keeps 10 000 counted.
    assert r.status_code == 502 and len(settlement.calls) == 1
    assert budget.allowance() == 5_000


class Rpc:
    """A JSON-RPC server on 127.0.0.1 answering ``eth_call`` with an allowance and
    ``getLatestBlockhash`` with a blockhash; records the calls."""

    def __init__(self, allowance: int) -> None:
        self.allowance = allowance
        self.calls: List[Dict[str, Any]] = []

    @contextlib.contextmanager
    def serve(self) -> Iterator[str]:
        rpc = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                call = json.loads(self.rfile.read(int(self.headers["content-length"])))
                rpc.calls.append(call)
                if call["method"] == "eth_call":
                    result: Any = hex(rpc.allowance)
                else:
                    result = {"context": {"slot": 1}, "value": {"blockhash": SVM_BUILD["recent_blockhash"],
                                                                "lastValidBlockHeight": 100}}
                body = json.dumps({"jsonrpc": "2.0", "id": call["id"], "result": result}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a: Any) -> None:
                pass

        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{httpd.server_address[1]}"
        finally:
            httpd.shutdown()
            httpd.server_close()


def _word(address: str) -> str:
    return address.lower()[2:].rjust(64, "0")


@pytest.mark.parametrize("client", list(CLIENTS))
@pytest.mark.parametrize("scheme", ["exact-permit2", "upto-permit2"])
def test_permit2_allowance_from_an_rpc_url(scheme: str, client: str) -> None:
    settlement = CountingSettlement()
    budget = Budget(per_request=100_000, total=1_000_000)
    low, enough = Rpc(SIGNED[scheme] - 1), Rpc(SIGNED[scheme])
    with server(scheme, settlement, CLIENTS[client]) as base, low.serve() as low_url, enough.serve() as ok_url:
        with pytest.raises(Permit2ApprovalRequired) as missing:
            get(client, payer(scheme, budget, permit2_allowance=low_url), base + "/item")
        assert settlement.calls == [] and budget.allowance() == 100_000  # nothing signed, nothing counted
        r = get(client, payer(scheme, budget, permit2_allowance={84532: ok_url}), base + "/item")
    a = missing.value.approval
    assert missing.value.code == "permit2_allowance_required"
    assert (a.token, a.spender, a.owner, a.amount, a.chain_id) == (USDC_BASE_SEPOLIA, PERMIT2, PAYER, SIGNED[scheme], 84532)
    assert a.network == "eip155:84532"
    (call,) = low.calls
    assert call["method"] == "eth_call" and call["params"][1] == "latest"
    assert call["params"][0] == {"to": USDC_BASE_SEPOLIA, "data": "0xdd62ed3e" + _word(PAYER) + _word(PERMIT2)}
    assert [c["method"] for c in enough.calls] == ["eth_call"]
    assert r.status_code == 200 and len(settlement.calls) == 1  # nothing reached the server the first time
    assert budget.spent == SIGNED[scheme]  # no settled amount in the receipt: the signed maximum stays counted


def test_permit2_allowance_from_a_callable() -> None:
    seen: List[Any] = []

    def allowance(approval: Any) -> int:
        seen.append(approval)
        return 0

    settlement = CountingSettlement()
    budget = Budget(per_request=100_000, total=1_000_000)
    with server("exact-permit2", settlement, "fastapi") as base:
        with pytest.raises(Permit2ApprovalRequired) as missing:
            get("httpx-async", payer("exact-permit2", budget, permit2_allowance=allowance), base + "/item")
    assert missing.value.approval is seen[0] and seen[0].amount == SIGNED["exact-permit2"]
    assert settlement.calls == [] and budget.spent == 0 and budget.allowance() == 100_000


@pytest.mark.parametrize("client", list(CLIENTS))
def test_solana_blockhash_from_an_rpc_url_and_the_legacy_svm_payer(client: str) -> None:
    settlement = CountingSettlement()
    budget = Budget(per_request=100_000, total=1_000_000)
    rpc = Rpc(0)
    with server("exact-svm", settlement, CLIENTS[client]) as base, rpc.serve() as url:
        r = get(client, SvmPayer(SVM_SEED, networks=["solana-devnet"], assets={MINT: 6}, recent_blockhash=url,
                                 budget=budget), base + "/item")
    assert r.status_code == 200 and r.json()["payer"] == SVM_PAYER
    assert [c["method"] for c in rpc.calls] == ["getLatestBlockhash"]
    assert budget.spent == SIGNED["exact-svm"]


@pytest.mark.parametrize("client", list(CLIENTS))
def test_one_budget_lists_evm_and_solana_assets(client: str) -> None:
    budget = Budget.per_asset({
        ("base-sepolia", USDC_BASE_SEPOLIA): (10_000, 20_000),
        (SOLANA_DEVNET, MINT): (10_000, 10_000),
    })
    both = X402Payer(KEY, networks=["eip155:84532", "solana-devnet"], svm_seed=SVM_SEED, svm_assets={MINT: 6},
                     recent_blockhash=lambda network: SVM_BUILD["recent_blockhash"], budget=budget)
    evm, svm = CountingSettlement(), CountingSettlement()
    with server("exact-eip3009", evm, "wsgi") as evm_base, server("exact-svm", svm, "fastapi") as svm_base:
        assert get(client, both, evm_base + "/item").json()["payer"] == PAYER
        assert get(client, both, svm_base + "/item").json()["payer"] == SVM_PAYER
        with pytest.raises(BudgetExceeded) as over:  # the Solana total is spent; EVM is not
            get(client, both, svm_base + "/item")
        assert get(client, both, evm_base + "/item").status_code == 200
        with pytest.raises(BudgetExceeded) as evm_over:  # now the EVM total is spent too
            get(client, both, evm_base + "/item")
    assert (over.value.code, over.value.amount, over.value.remaining) == ("total_budget_exceeded", SIGNED["exact-svm"], 0)
    assert evm_over.value.code == "total_budget_exceeded"
    assert budget.spent_in("eip155:84532", USDC_BASE_SEPOLIA) == 20_000
    assert budget.spent_in(SOLANA_DEVNET, MINT) == 10_000
    assert len(evm.calls) == 2 and len(svm.calls) == 1


def test_an_asset_the_budget_does_not_list_is_not_paid() -> None:
    budget = Budget.per_asset({(SOLANA_DEVNET, MINT): (10_000, 10_000)})  # no EVM asset listed
    evm_payer = X402Payer(KEY, networks=["eip155:84532"], budget=budget)
    settlement = CountingSettlement()
    with server("exact-eip3009", settlement, "wsgi") as base:
        with pytest.raises(pay402.errors.PaymentError) as refused:
            get("httpx", evm_payer, base + "/item")
    assert refused.value.code == "no_acceptable_requirements" and settlement.calls == []
