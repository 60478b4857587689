"""Client budgets (pay402.client.Budget over the core's pay402::budget): per request, total and per
window, reserved before signing, committed when the server took the payment, released when it
refused it or never received it; x402 and L402 alike. Expected codes are the core's documented
ones (core/src/budget.rs); windows are aligned on multiples of their length since the epoch."""

from __future__ import annotations

import json
import threading
from typing import Any, Callable, List

import pytest

import pay402
from pay402 import BudgetError, BudgetExceeded, ClientBudget

NOW = 1_700_000_000  # 800 s into an hour-long window
HOUR = NOW - NOW % 3600


class Clock:
    def __init__(self, now: int = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return float(self.now)


def _budget(**kw: Any) -> Any:
    from pay402.client import Budget

    return Budget(**kw)


def _exceeded(fn: Callable[[], Any]) -> BudgetExceeded:
    with pytest.raises(BudgetExceeded) as info:
        fn()
    return info.value


# --- the budget itself ------------------------------------------------------------------------


def test_per_request_limit_refuses_and_counts_nothing() -> None:
    budget = _budget(per_request=100, total=1_000)
    e = _exceeded(lambda: budget.reserve(101))
    assert (e.code, e.amount, e.remaining) == ("per_request_budget_exceeded", 101, 100)
    assert budget.spent == 0 and budget.allowance() == 100


def test_total_limit_counts_reservations_and_commits() -> None:
    budget = _budget(per_request=100, total=250)
    budget.reserve(100).commit()
    open_one = budget.reserve(100)
    assert budget.spent == 100 and budget.remaining == 150 and budget.allowance() == 50
    e = _exceeded(lambda: budget.reserve(51))
    assert (e.code, e.amount, e.remaining) == ("total_budget_exceeded", 51, 50)
    open_one.release()
    assert budget.allowance() == 100
    budget.reserve(100).commit_partial(60)  # paid less than reserved: the rest comes back
    assert budget.spent == 160 and budget.allowance() == 90


def test_window_rolls_over_with_the_injected_clock() -> None:
    clock = Clock()
    budget = _budget(per_request=1_000, total=10_000, window=(3600, 300), clock=clock)
    budget.reserve(200).commit()
    r = budget.reserve(100)
    assert r.window_start == HOUR
    r.commit()
    e = _exceeded(lambda: budget.reserve(1))
    assert (e.code, e.amount, e.remaining) == ("window_budget_exceeded", 1, 0)
    clock.now = HOUR + 3599  # still the same window
    assert budget.allowance() == 0
    clock.now = HOUR + 3600  # a new window starts empty; the total still counts
    assert budget.allowance() == 300
    assert budget.reserve(300).window_start == HOUR + 3600
    assert budget.spent == 300


def test_a_reservation_ends_exactly_once() -> None:
    budget = _budget(per_request=10, total=10)
    r = budget.reserve(10)
    assert r.is_open and r.amount == 10
    r.commit()
    assert not r.is_open
    for end in (r.commit, r.release, lambda: r.commit_partial(1)):
        with pytest.raises(BudgetError) as info:
            end()
        assert info.value.code == "unknown_reservation"
    assert budget.spent == 10


def test_configuration_errors() -> None:
    with pytest.raises(ValueError):
        _budget(per_request=-1, total=1)
    with pytest.raises(pay402.ConfigurationError) as info:
        _budget(per_request=1, total=1, window=(0, 1))
    assert info.value.code == "invalid_budget_window"


def test_concurrent_reservations_never_exceed_the_total() -> None:
    budget = _budget(per_request=7, total=1_000)
    granted: List[Any] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        for _ in range(40):
            try:
                r = budget.reserve(7)
            except BudgetExceeded as e:
                assert e.code == "total_budget_exceeded"
                continue
            with lock:
                granted.append(r)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(granted) == 1_000 // 7 and budget.allowance() == 1_000 % 7
    for r in granted:
        r.commit()
    assert budget.spent == 7 * (1_000 // 7)


def test_native_budget_names_assets_by_network_and_asset() -> None:
    usdc = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
    budget = ClientBudget()
    budget.add("base", usdc, per_request=10, total=15)
    budget.add(pay402.LIGHTNING_NETWORK, pay402.MSAT, per_request=20_000, total=20_000, window=(60, 20_000))
    assert not budget.is_any_asset
    r = budget.reserve("eip155:8453", usdc.lower(), 10, NOW)  # one asset under both names
    assert isinstance(r, pay402.BudgetReservation)
    r.commit()
    assert budget.spent("base", usdc) == 10 and budget.allowance("eip155:8453", usdc, NOW) == 5
    refused = budget.reserve("eip155:84532", usdc, 1, NOW)
    assert isinstance(refused, pay402.BudgetRefusal)
    assert (refused.code, refused.amount, refused.remaining) == ("budget_asset_not_listed", None, None)
    assert budget.allowance(pay402.LIGHTNING_NETWORK, pay402.MSAT, NOW) == 20_000
    with pytest.raises(BudgetError) as info:
        budget.add("base", usdc.lower(), per_request=1, total=1)
    assert info.value.code == "duplicate_budget_asset"


# --- x402 through httpx -----------------------------------------------------------------------

httpx = pytest.importorskip("httpx", reason="httpx not installed (ffi-python/tests/requirements-web.txt)")

from pay402.client import L402Payer, PaymentAuth, X402Payer, X402PaymentRefused  # noqa: E402
from web_support import KEY, PAY_TO, USDC_BASE_SEPOLIA  # noqa: E402

OFFER = {
    "scheme": "exact",
    "network": "eip155:84532",
    "amount": "10000",
    "asset": USDC_BASE_SEPOLIA,
    "payTo": PAY_TO,
    "maxTimeoutSeconds": 60,
    "extra": {"name": "USDC", "version": "2"},
}
REQUIRED = json.dumps(
    {"x402Version": 2, "resource": {"url": "https://api.example.com/premium"}, "accepts": [OFFER]},
    separators=(",", ":"),
)


def _server(paid: Callable[[httpx.Request], httpx.Response]) -> Any:
    """402 with the challenge; the paid retry (checked by the core's verifier) goes to ``paid``."""

    def handler(request: httpx.Request) -> httpx.Response:
        header = request.headers.get("payment-signature")
        if header is None:
            return httpx.Response(402, headers={"PAYMENT-REQUIRED": pay402.x402_encode_header(REQUIRED)})
        pay402.x402_verify(json.dumps(OFFER), header, now=NOW)
        return paid(request)

    return httpx.MockTransport(handler)


def _payer(total: int = 25_000, **kw: Any) -> X402Payer:
    return X402Payer(KEY, networks=["eip155:84532"], budget=_budget(per_request=10_000, total=total, **kw), clock=lambda: NOW)


def _get(payer: X402Payer, paid: Callable[[httpx.Request], httpx.Response]) -> httpx.Response:
    with httpx.Client(transport=_server(paid), auth=PaymentAuth(x402=payer)) as client:
        return client.get("https://api.example.com/premium")


def test_paid_response_commits() -> None:
    payer = _payer()
    assert _get(payer, lambda r: httpx.Response(200, json={"ok": True})).status_code == 200
    assert payer.budget.spent == 10_000 and payer.budget.allowance() == 10_000


def test_refusal_402_releases() -> None:
    payer = _payer(total=15_000)  # an unreleased 10 000 would leave 5 000
    with pytest.raises(X402PaymentRefused) as refused:
        _get(payer, lambda r: httpx.Response(402, json={"error": "insufficient_funds"}))
    assert refused.value.code == "insufficient_funds" and refused.value.definitive
    assert refused.value.status == 402 and refused.value.response.status_code == 402
    assert payer.budget.spent == 0 and payer.budget.allowance() == 10_000


def test_a_pending_settlement_refusal_stays_counted() -> None:
    payer = _payer(total=15_000)
    body = {"error": "settlement_pending", "errorMessage": "the payment may still land"}
    with pytest.raises(X402PaymentRefused) as refused:
        _get(payer, lambda r: httpx.Response(402, json=body))
    e = refused.value
    assert (e.code, e.server_message, e.definitive) == ("settlement_pending", "the payment may still land", False)
    # Not definitive: the payment may still settle, so the 10 000 stay counted.
    assert payer.budget.allowance() == 5_000


def test_connection_failure_before_the_server_answered_releases() -> None:
    payer = _payer(total=15_000)  # an unreleased 10 000 would leave 5 000

    def refuse_connection(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(httpx.ConnectError):
        _get(payer, refuse_connection)
    assert payer.budget.spent == 0 and payer.budget.allowance() == 10_000


def test_no_answer_after_sending_stays_counted() -> None:
    payer = _payer(total=15_000)

    def time_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    with pytest.raises(httpx.ReadTimeout):
        _get(payer, time_out)
    # The server may have settled: fail closed, the 10 000 stay reserved.
    assert payer.budget.spent == 0 and payer.budget.allowance() == 5_000


def test_async_client_commits_and_releases() -> None:
    import asyncio

    async def run(paid: Callable[[httpx.Request], httpx.Response], payer: X402Payer) -> int:
        async with httpx.AsyncClient(transport=_server(paid), auth=PaymentAuth(x402=payer)) as client:
            return (await client.get("https://api.example.com/premium")).status_code

    payer = _payer(total=15_000)  # an unreleased 10 000 would leave 5 000
    with pytest.raises(X402PaymentRefused) as refused:
        asyncio.run(run(lambda r: httpx.Response(402), payer))
    assert refused.value.code == "payment_refused" and refused.value.definitive
    assert payer.budget.allowance() == 10_000
    assert asyncio.run(run(lambda r: httpx.Response(200), payer)) == 200
    assert payer.budget.spent == 10_000


def test_window_limits_paid_requests() -> None:
    clock = Clock()
    payer = _payer(window=(60, 10_000), clock=clock)
    ok = lambda r: httpx.Response(200)  # noqa: E731
    assert _get(payer, ok).status_code == 200
    e = _exceeded(lambda: _get(payer, ok))
    assert (e.code, e.amount, e.remaining) == ("window_budget_exceeded", 10_000, 0)
    clock.now += 60
    assert _get(payer, ok).status_code == 200 and payer.budget.spent == 20_000


# --- L402 through httpx -----------------------------------------------------------------------


def _l402_server() -> Any:
    from web_support import FEWSATS_INVOICE, FEWSATS_NOW, FEWSATS_PREIMAGE

    payment_hash = pay402.bolt11_decode(FEWSATS_INVOICE).payment_hash
    server = pay402.L402Server("svc", 17_000, "bitcoin", b"\x07" * 32)
    challenge = server.challenge(FEWSATS_INVOICE, payment_hash, b"\x01" * 32, FEWSATS_NOW)

    def handler(request: httpx.Request) -> httpx.Response:
        if "authorization" not in request.headers:
            return httpx.Response(challenge.status, headers=challenge.headers)
        return httpx.Response(200)

    return httpx.MockTransport(handler), FEWSATS_NOW, FEWSATS_PREIMAGE


def test_l402_commits_once_the_invoice_is_paid_and_refuses_over_the_window() -> None:
    transport, now, preimage = _l402_server()
    clock = Clock(now)
    paid: List[str] = []

    def pay(invoice: str) -> bytes:
        paid.append(invoice)
        return preimage

    budget = _budget(per_request=20_000, total=100_000, window=(3600, 20_000), clock=clock)
    with httpx.Client(transport=transport, auth=PaymentAuth(l402=L402Payer(pay, budget=budget, clock=clock))) as c:
        assert c.get("https://a.example/premium").status_code == 200
    assert budget.spent == 17_000 and len(paid) == 1
    with httpx.Client(transport=transport, auth=PaymentAuth(l402=L402Payer(pay, budget=budget, clock=clock))) as c:
        e = _exceeded(lambda: c.get("https://a.example/premium"))
    assert (e.code, e.amount, e.remaining) == ("window_budget_exceeded", 17_000, 3_000)
    assert len(paid) == 1


def test_l402_wallet_failure_stays_counted() -> None:
    transport, now, _ = _l402_server()

    def pay(invoice: str) -> bytes:
        raise RuntimeError("wallet timed out")

    budget = _budget(per_request=20_000, total=30_000)
    with httpx.Client(transport=transport, auth=PaymentAuth(l402=L402Payer(pay, budget=budget, clock=lambda: now))) as c:
        with pytest.raises(RuntimeError):
            c.get("https://a.example/premium")
    # The wallet may have paid: fail closed, the 17 000 msat stay reserved.
    assert budget.spent == 0 and budget.allowance() == 13_000
