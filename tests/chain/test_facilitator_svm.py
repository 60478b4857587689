"""`pay402 facilitator` verifies and settles Solana x402 `exact` payments for real, on litesvm (the
Solana runtime with the real SPL Token program) behind the JSON-RPC server of svm/rpc.mjs (the
svm_rpc fixture of svm/harness.py starts it on loopback).

Two facilitators are real subprocesses (`python -m pay402.cli facilitator --config FILE`, uvicorn
on free 127.0.0.1 ports) configured by a TOML file with one `solana:` network and the fee payer's
seed in an environment variable; they share one real Redis (run.sh's block: PAY402_FACILITATOR_REDIS_URL).
The payer's transaction is built and partially signed by pay402's client code (the reference
client's layout); pay402's own `FacilitatorClient` talks to the facilitators over HTTP. Expected
values come from the payment's terms (amount, payee), the runtime (token balances, signature
statuses, the fee payer in slot 0) and the x402 reference facilitator (x402 v2 §7 /supported with
`extra.feePayer` and `signers["solana:*"]`; `exact` SVM facilitator: one settlement per
transaction bytes, `duplicate_settlement`; a fee payer it does not manage is refused), never the
code under test. Also an x402 v1 payment (network `solana-devnet`), and pay402's own paywall
(FastAPI + the ASGI middleware) whose facilitator is ours, paid over real HTTP by pay402's client
code and by the PyPI x402 SDK's client.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import httpx
import pay402
import pytest
from pay402.errors import SettleError, VerifyError
from fastapi import FastAPI
from fastapi import Request as FastAPIRequest
from pay402.server import X402Paywall, X402Route
from pay402.server.asgi import PaymentMiddleware
from pay402.server.gate import FacilitatorSettlement

from facilitator_process import FacilitatorProcess
from svm.harness import SvmRpc, svm_rpc, uvicorn_on_loopback  # noqa: F401  (svm_rpc: the fixture)

REDIS_URL = os.environ.get("PAY402_FACILITATOR_REDIS_URL", "")
pytestmark = pytest.mark.skipif(
    not REDIS_URL, reason="needs the Redis that run.sh's Solana facilitator block starts (PAY402_FACILITATOR_REDIS_URL)")

NETWORK = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"  # devnet's CAIP-2 id; the runtime is local
AMOUNT = 12_345
API_KEY = "svm-chain-test-" + os.urandom(8).hex()
FEE_PAYER_SEED = os.urandom(32)
FEE_PAYER = pay402.svm_public_key(FEE_PAYER_SEED)


def start_facilitator(tmp: Path, name: str, rpc_url: str, prefix: str) -> FacilitatorProcess:
    """`pay402 facilitator` for the Solana network on `rpc_url` (and its v1 name), records in the shared
    Redis under `prefix`."""
    config = (
        'api_keys_env = ["FAC_API_KEY"]\n'
        'redis_url_env = "FAC_REDIS_URL"\n'
        f'redis_prefix = "{prefix}"\n'
        "x402_v1 = true\n"
        "[[networks]]\n"
        f'network = "{NETWORK}"\n'
        f'rpc_urls = ["{rpc_url}"]\n'
        'fee_payer_key_env = "FAC_FEE_PAYER"\n'
        'v1_name = "solana-devnet"\n'
    )
    env = {**os.environ, "FAC_API_KEY": API_KEY, "FAC_FEE_PAYER": FEE_PAYER_SEED.hex(), "FAC_REDIS_URL": REDIS_URL}
    return FacilitatorProcess(tmp, name, config, env, API_KEY)


class World:
    """A payer holding tokens of a fresh mint, a payee, and our fee payer funded with SOL."""

    def __init__(self, rpc: SvmRpc) -> None:
        self.rpc = rpc
        self.payer_seed = os.urandom(32)
        self.payer = pay402.svm_public_key(self.payer_seed)
        self.payee = pay402.svm_public_key(os.urandom(32))
        setup = rpc.call("pay402_setup", [{"decimals": 6, "sol": {FEE_PAYER: 1_000_000_000},
                                            "tokens": {self.payer: "1000000", self.payee: "0"}}])
        self.mint = setup["mint"]
        self.payer_ata = setup["accounts"][self.payer]
        self.payee_ata = setup["accounts"][self.payee]

    def payment(self, fee_payer: str = FEE_PAYER, version: int = 2) -> Tuple[Dict[str, Any], Dict[str, Any]]:
        if version == 1:  # x402 v1: the network's name and maxAmountRequired
            req = {"scheme": "exact", "network": "solana-devnet", "maxAmountRequired": str(AMOUNT), "asset": self.mint,
                   "payTo": self.payee, "resource": "http://127.0.0.1/x", "description": "", "mimeType": "application/json",
                   "maxTimeoutSeconds": 60, "extra": {"feePayer": fee_payer}}
        else:
            req = {"scheme": "exact", "network": NETWORK, "amount": str(AMOUNT), "asset": self.mint, "payTo": self.payee,
                   "maxTimeoutSeconds": 60, "extra": {"feePayer": fee_payer}}
        blockhash = self.rpc.call("getLatestBlockhash", [{"commitment": "confirmed"}])["value"]["blockhash"]
        wire = pay402.svm_build_transfer(
            self.payer_seed, fee_payer=fee_payer, mint=self.mint, pay_to=self.payee, amount=AMOUNT, decimals=6,
            recent_blockhash=pay402.svm_parse_pubkey(blockhash), token_program=pay402.SVM_TOKEN_PROGRAM_ID,
            memo=os.urandom(8).hex().encode(),
        )
        required = json.dumps({"x402Version": 2, "error": "", "resource": {"url": "http://127.0.0.1/x"}, "accepts": [req]}
                              if version == 2 else {"x402Version": 1, "error": "", "accepts": [req]})
        return json.loads(pay402.svm_payment_header(required, wire).json), req

    def balances(self) -> Tuple[int, int]:
        return self.rpc.token_balance(self.payer_ata), self.rpc.token_balance(self.payee_ata)

    def sends(self) -> int:
        return int(self.rpc.call("pay402_stats")["sendTransaction"])


@pytest.fixture(scope="module")
def facilitators(tmp_path_factory: pytest.TempPathFactory, svm_rpc: SvmRpc) -> Iterator[List[FacilitatorProcess]]:  # noqa: F811
    tmp = tmp_path_factory.mktemp("facilitator-svm")
    prefix = f"pay402:svm-chain-test:{os.getpid()}:"
    started: List[FacilitatorProcess] = []
    try:
        for name in ("a", "b"):
            started.append(start_facilitator(tmp, name, svm_rpc.url, prefix))
        yield started
    finally:
        for f in started:
            f.stop()


@pytest.fixture()
def world(svm_rpc: SvmRpc) -> World:  # noqa: F811
    return World(svm_rpc)


def test_supported_lists_the_solana_kind_with_its_fee_payer(facilitators: List[FacilitatorProcess]) -> None:
    # x402 v2 §7: a Solana kind carries extra.feePayer; signers are grouped per CAIP family; v1
    # kinds are named by the v1 network name
    with facilitators[0].client() as client:
        body = client.supported()
    assert body["kinds"] == [{"x402Version": 2, "scheme": "exact", "network": NETWORK, "extra": {"feePayer": FEE_PAYER}},
                             {"x402Version": 1, "scheme": "exact", "network": "solana-devnet", "extra": {"feePayer": FEE_PAYER}}]
    assert body["signers"] == {"solana:*": [FEE_PAYER]}


def test_verified_then_settled_once_balances_move(facilitators: List[FacilitatorProcess], world: World) -> None:
    payload, req = world.payment()
    before, sends = world.balances(), world.sends()
    with facilitators[0].client() as client:
        assert client.verify(payload, req) == {"isValid": True, "payer": world.payer}
        assert world.balances() == before and world.sends() == sends  # verify only simulates
        out = client.settle(payload, req)
    assert (out["success"], out["network"], out["payer"]) == (True, NETWORK, world.payer)
    assert world.balances() == (before[0] - AMOUNT, before[1] + AMOUNT)
    assert world.sends() == sends + 1
    status = world.rpc.call("getSignatureStatuses", [[out["transaction"]]])["value"][0]
    assert status["err"] is None and status["confirmationStatus"] in ("confirmed", "finalized")
    tx = world.rpc.call("getTransaction", [out["transaction"], {"encoding": "jsonParsed", "commitment": "confirmed",
                                                                "maxSupportedTransactionVersion": 0}])
    # the reported transaction id is the fee payer's signature, slot 0, and our fee payer paid the fee
    assert tx["transaction"]["signatures"][0] == out["transaction"]
    assert tx["transaction"]["message"]["accountKeys"][0]["pubkey"] == FEE_PAYER

    # the same transaction again, on this process and on the other one (records and duplicate
    # cache in Redis): refused duplicate_settlement, nothing sent, nothing moves
    for f in facilitators:
        with f.client() as client:
            with pytest.raises(SettleError) as e:
                client.settle(payload, req)
            assert e.value.code == "duplicate_settlement"
            assert e.value.body is not None and e.value.body["transaction"] == ""
            with pytest.raises(VerifyError):
                client.verify(payload, req)
    assert world.sends() == sends + 1
    assert world.balances() == (before[0] - AMOUNT, before[1] + AMOUNT)


def test_two_processes_one_transaction_one_success(facilitators: List[FacilitatorProcess], world: World) -> None:
    payload, req = world.payment()
    before, sends = world.balances(), world.sends()
    answers: List[Any] = []
    barrier = threading.Barrier(4)

    def settle(f: FacilitatorProcess) -> None:
        with f.client() as client:
            barrier.wait()
            try:
                answers.append(client.settle(payload, req))
            except SettleError as e:
                answers.append(e.code)

    threads = [threading.Thread(target=settle, args=(f,)) for f in facilitators * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(answers) == 4
    wins = [a for a in answers if isinstance(a, dict)]
    assert len(wins) == 1 and wins[0]["success"] is True, answers
    assert sorted(a for a in answers if isinstance(a, str)) == ["duplicate_settlement"] * 3
    assert world.sends() == sends + 1
    assert world.balances() == (before[0] - AMOUNT, before[1] + AMOUNT)


def test_a_fee_payer_it_does_not_manage_is_refused_before_any_rpc(facilitators: List[FacilitatorProcess], world: World) -> None:
    other = pay402.svm_public_key(os.urandom(32))
    payload, req = world.payment(fee_payer=other)
    before = world.balances()
    sims = int(world.rpc.call("pay402_stats")["simulateTransaction"])
    with facilitators[0].client() as client:
        with pytest.raises(VerifyError) as v:
            client.verify(payload, req)
        with pytest.raises(SettleError) as s:
            client.settle(payload, req)
    # x402 exact SVM facilitator: extra.feePayer must be one of the facilitator's own keys
    assert v.value.code == s.value.code == "invalid_exact_svm_fee_payer_not_managed_by_facilitator"
    assert int(world.rpc.call("pay402_stats")["simulateTransaction"]) == sims
    assert world.balances() == before


def test_an_x402_v1_payment_is_settled_under_its_network_name(facilitators: List[FacilitatorProcess], world: World) -> None:
    payload, req = world.payment(version=1)
    assert payload["x402Version"] == 1 and payload["network"] == "solana-devnet"
    before, sends = world.balances(), world.sends()
    with facilitators[1].client() as client:
        assert client.verify(payload, req) == {"isValid": True, "payer": world.payer}
        out = client.settle(payload, req)
    assert out["success"] is True and out["payer"] == world.payer
    assert world.balances() == (before[0] - AMOUNT, before[1] + AMOUNT) and world.sends() == sends + 1
    status = world.rpc.call("getSignatureStatuses", [[out["transaction"]]])["value"][0]
    assert status["err"] is None


def test_pay402_paywall_settles_through_our_facilitator(facilitators: List[FacilitatorProcess], world: World) -> None:
    """pay402's own server (FastAPI behind the ASGI middleware) whose facilitator is ours, paid by
    pay402's client code over real HTTP: 402, then 200 with the PAYMENT-RESPONSE of the executed
    transaction, the tokens moved once; the same payment again is not served."""
    route = X402Route("/item", AMOUNT, network=NETWORK, asset=world.mint, decimals=6, pay_to=world.payee, fee_payer=FEE_PAYER)
    paywall = X402Paywall([route], network=NETWORK, pay_to=world.payee,
                          settlement=FacilitatorSettlement(facilitators[0].client()))
    app = FastAPI()

    @app.get("/item")
    def item(request: FastAPIRequest) -> Dict[str, Any]:
        admission = request.scope["pay402"]
        return {"payer": admission.payer, "amount": admission.amount}

    app.add_middleware(PaymentMiddleware, x402=paywall)
    before, sends = world.balances(), world.sends()
    with uvicorn_on_loopback(app) as url, httpx.Client(base_url=url, timeout=60) as http:
        first = http.get("/item")
        assert first.status_code == 402
        required = pay402.decode_payment_required(first.headers["payment-required"]).json
        accepted = json.loads(required)["accepts"][0]
        assert accepted["extra"]["feePayer"] == FEE_PAYER
        blockhash = world.rpc.call("getLatestBlockhash", [{"commitment": "confirmed"}])["value"]["blockhash"]
        wire = pay402.svm_build_transfer(
            world.payer_seed, fee_payer=accepted["extra"]["feePayer"], mint=accepted["asset"], pay_to=accepted["payTo"],
            amount=int(accepted["amount"]), decimals=6, recent_blockhash=pay402.svm_parse_pubkey(blockhash),
            token_program=pay402.SVM_TOKEN_PROGRAM_ID, memo=os.urandom(8).hex().encode(),
        )
        payment = pay402.svm_payment_header(required, wire)
        paid = http.get("/item", headers={payment.header_name: payment.header_value})
        assert paid.status_code == 200, paid.text
        assert paid.json() == {"payer": world.payer, "amount": AMOUNT}
        receipt = json.loads(base64.b64decode(paid.headers["payment-response"]))
        assert receipt["success"] is True and receipt["payer"] == world.payer
        again = http.get("/item", headers={payment.header_name: payment.header_value})
        assert again.status_code == 402
    assert world.balances() == (before[0] - AMOUNT, before[1] + AMOUNT) and world.sends() == sends + 1
    status = world.rpc.call("getSignatureStatuses", [[receipt["transaction"]]])["value"][0]
    assert status is not None and status["err"] is None


def test_the_reference_python_client_pays_through_our_facilitator(facilitators: List[FacilitatorProcess], world: World) -> None:
    """The PyPI x402 SDK's client (x402HttpxClient with its exact SVM scheme, building the
    transaction from the runtime's blockhash and mint through solana-py) pays pay402's paywall,
    whose facilitator is ours: the content is served and the tokens moved once."""
    pytest.importorskip("x402", reason="the PyPI x402 SDK (tests/chain/requirements.txt, Python >= 3.10)")
    import asyncio

    from solders.keypair import Keypair
    from x402.client import x402Client
    from x402.http.clients import x402HttpxClient
    from x402.mechanisms.svm.exact import register_exact_svm_client
    from x402.mechanisms.svm.signers import KeypairSigner

    route = X402Route("/ref", AMOUNT, network=NETWORK, asset=world.mint, decimals=6, pay_to=world.payee, fee_payer=FEE_PAYER)
    paywall = X402Paywall([route], network=NETWORK, pay_to=world.payee,
                          settlement=FacilitatorSettlement(facilitators[1].client()))
    app = FastAPI()

    @app.get("/ref")
    def ref(request: FastAPIRequest) -> Dict[str, Any]:
        return {"payer": request.scope["pay402"].payer}

    app.add_middleware(PaymentMiddleware, x402=paywall)
    signer = KeypairSigner(Keypair.from_seed(world.payer_seed))
    assert signer.address == world.payer
    client = x402Client()
    # the runtime's fresh mint is no default asset: allow it, capped at the price (atomic units)
    client.set_spend_controls({"allowed_assets": [{"network": NETWORK, "asset": world.mint,
                                                   "max_amount_per_payment": str(AMOUNT)}]})
    register_exact_svm_client(client, signer, rpc_url=world.rpc.url)
    before, sends = world.balances(), world.sends()

    async def pay(url: str) -> Any:
        async with x402HttpxClient(client, timeout=60) as http:
            response = await http.get(url + "/ref")
            await response.aread()
            return response

    with uvicorn_on_loopback(app) as url:
        paid = asyncio.run(pay(url))
    assert paid.status_code == 200, paid.text
    assert paid.json() == {"payer": world.payer}
    receipt = json.loads(base64.b64decode(paid.headers["payment-response"]))
    assert receipt["success"] is True and receipt["network"] == NETWORK
    assert world.balances() == (before[0] - AMOUNT, before[1] + AMOUNT) and world.sends() == sends + 1
