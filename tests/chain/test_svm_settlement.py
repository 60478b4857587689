"""pay402 settles Solana x402 `exact` payments itself (pay402.settle.svm.LocalSvmSettlement) on
litesvm, the Solana runtime with the real SPL Token program, behind a JSON-RPC server on loopback
(svm/rpc.mjs, started by the svm_rpc fixture). The client's transaction is built and partially
signed by pay402's client code (the reference client's layout), co-signed by our fee payer, and
executed; token balances are read back from the runtime. Expected values are the payment's own
terms (amount, payee) and the x402 reference facilitator's behaviour (settlement-cache.ts: one
settlement per transaction bytes; a fee payer it does not manage is refused), never the code
under test."""

from __future__ import annotations

import base64
import json
import os
from typing import Any, Dict, Tuple

import httpx
import pytest
from fastapi import FastAPI
from fastapi import Request as FastAPIRequest

import pay402
from pay402.replay import MemoryReplayStore
from pay402.server import X402Paywall, X402Route
from pay402.server.asgi import PaymentMiddleware
from pay402.server.gate import SettlementRequest
from pay402.settle._solana_rpc import SolanaRpcUnavailable
from pay402.settle.svm import LocalSvmSettlement
from svm.harness import SvmRpc, svm_rpc, uvicorn_on_loopback  # noqa: F401  (svm_rpc: the fixture)

NETWORK = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"  # devnet's CAIP-2 id; the runtime is local
AMOUNT = 10_000


class World:
    def __init__(self, rpc: SvmRpc) -> None:
        self.rpc = rpc
        self.payer_seed = os.urandom(32)
        self.fee_payer_seed = os.urandom(32)
        self.payer = pay402.svm_public_key(self.payer_seed)
        self.fee_payer = pay402.svm_public_key(self.fee_payer_seed)
        self.payee = pay402.svm_public_key(os.urandom(32))
        setup = rpc.call(
            "pay402_setup",
            [{"decimals": 6, "sol": {self.fee_payer: 1_000_000_000}, "tokens": {self.payer: "1000000", self.payee: "0"}}],
        )
        self.mint = setup["mint"]
        self.payer_ata = setup["accounts"][self.payer]
        self.payee_ata = setup["accounts"][self.payee]
        # the addresses the runtime made are the associated token accounts pay402 derives
        assert self.payer_ata == pay402.svm_associated_token_address(self.payer, self.mint)
        assert self.payee_ata == pay402.svm_associated_token_address(self.payee, self.mint)

    def requirements(self, fee_payer: str = "", amount: int = AMOUNT) -> Dict[str, Any]:
        return {
            "scheme": "exact",
            "network": NETWORK,
            "amount": str(amount),
            "asset": self.mint,
            "payTo": self.payee,
            "maxTimeoutSeconds": 60,
            "extra": {"feePayer": fee_payer or self.fee_payer},
        }

    def payment(self, *, fee_payer: str = "", amount: int = AMOUNT, memo: bytes = b"") -> Tuple[Dict[str, Any], Dict[str, Any]]:
        """A client-signed payment (the payer's signature only) and the requirements it answers."""
        req = self.requirements(fee_payer, amount)
        blockhash = self.rpc.call("getLatestBlockhash", [{"commitment": "confirmed"}])["value"]["blockhash"]
        wire = pay402.svm_build_transfer(
            self.payer_seed,
            fee_payer=req["extra"]["feePayer"],
            mint=self.mint,
            pay_to=self.payee,
            amount=amount,
            decimals=6,
            recent_blockhash=pay402.svm_parse_pubkey(blockhash),
            token_program=pay402.SVM_TOKEN_PROGRAM_ID,
            memo=memo or os.urandom(8).hex().encode(),
        )
        required = json.dumps({"x402Version": 2, "error": "", "resource": {"url": "http://127.0.0.1/x"}, "accepts": [req]})
        return json.loads(pay402.svm_payment_header(required, wire).json), req

    def balances(self) -> Tuple[int, int]:
        return self.rpc.token_balance(self.payer_ata), self.rpc.token_balance(self.payee_ata)

    def stats(self) -> Dict[str, int]:
        return dict(self.rpc.call("pay402_stats"))

    def settlement(self, **kwargs: Any) -> LocalSvmSettlement:
        kwargs.setdefault("fee_payer", self.fee_payer_seed)
        return LocalSvmSettlement(NETWORK, self.rpc.url, **kwargs)


@pytest.fixture()
def world(svm_rpc: SvmRpc) -> World:  # noqa: F811
    return World(svm_rpc)


def test_cosigned_payment_executes_and_moves_exactly_the_amount(world: World) -> None:
    settlement = world.settlement()
    payload, req = world.payment()
    before = world.balances()
    fee_payer_lamports = world.rpc.call("getBalance", [world.fee_payer])["value"]
    res = settlement.settle(
        SettlementRequest(x402_version=2, payment_payload=payload, requirements=req, payer=world.payer, amount=AMOUNT, body=b"")
    )
    assert res["success"] is True, res
    assert (res["network"], res["payer"]) == (NETWORK, world.payer)
    after = world.balances()
    assert after == (before[0] - AMOUNT, before[1] + AMOUNT)
    fee_payer_spent = fee_payer_lamports - world.rpc.call("getBalance", [world.fee_payer])["value"]
    status = world.rpc.call("getSignatureStatuses", [[res["transaction"]]])["value"][0]
    assert status["err"] is None
    # the runtime's transaction, read back as jsonParsed, is the payment the core proves on chain
    tx = world.rpc.call("getTransaction", [res["transaction"], {"encoding": "jsonParsed", "commitment": "confirmed", "maxSupportedTransactionVersion": 0}])
    assert tx["transaction"]["message"]["accountKeys"][0] == {"pubkey": world.fee_payer, "signer": True, "source": "transaction", "writable": True}
    # our fee payer paid the fee, and only it: 5000 lamports per signature (2) plus the priority fee,
    # 1 micro-lamport x 20000 compute units rounded up to 1 lamport (https://solana.com/docs/core/fees)
    assert fee_payer_spent == tx["meta"]["fee"] == 2 * 5000 + 1
    proof = pay402.verify_svm_transaction(
        json.dumps(tx),
        fetched_at="confirmed",
        signature=res["transaction"],
        mint=world.mint,
        token_program=pay402.SVM_TOKEN_PROGRAM_ID,
        pay_to=world.payee,
        min_amount=AMOUNT,
        max_age_secs=600,
        min_commitment="confirmed",
        now=tx["blockTime"],
    )
    assert (proof.payer, proof.amount, proof.tx_key) == (world.payer, AMOUNT, "svm:" + res["transaction"])
    # the unparsed form of the same transaction names the same accounts, by index
    raw = world.rpc.call("getTransaction", [res["transaction"], {"encoding": "json", "maxSupportedTransactionVersion": 0}])
    assert raw["transaction"]["message"]["accountKeys"] == [k["pubkey"] for k in tx["transaction"]["message"]["accountKeys"]]
    assert raw["transaction"]["message"]["header"]["numRequiredSignatures"] == 2


def test_the_same_transaction_is_settled_once_across_settlers_sharing_the_cache(world: World) -> None:
    # Two settlers (two server processes) share one duplicate-settlement cache. The first sends the
    # transaction, which has not landed yet (so simulating it again still passes); the second one
    # gets the same bytes and is refused by the cache without sending anything.
    cache = MemoryReplayStore()
    first_settler = world.settlement(cache=cache, max_polls=1)
    second_settler = world.settlement(cache=cache, max_polls=1)
    payload, req = world.payment()
    before = world.balances()
    world.rpc.call("pay402_deferExecution", [True])
    try:
        first = first_settler.settle_payment(payload, req)
        assert first["errorReason"] == "settlement_pending" and first["transaction"], first
        stats = world.stats()
        again = second_settler.settle_payment(payload, req)
        assert again == {"success": False, "errorReason": "duplicate_settlement", "transaction": "", "network": NETWORK, "payer": world.payer}
        assert world.stats()["simulateTransaction"] == stats["simulateTransaction"] + 1  # it did pass simulation
        assert world.stats()["sendTransaction"] == stats["sendTransaction"]  # and was not sent
    finally:
        world.rpc.call("pay402_deferExecution", [False])
    assert world.balances() == (before[0] - AMOUNT, before[1] + AMOUNT)  # moved once
    # once landed, the same bytes at a settler without the cache entry fail simulation, unsent
    sent = world.stats()["sendTransaction"]
    late = world.settlement().settle_payment(payload, req)
    assert late["success"] is False and late["errorReason"] == "invalid_exact_svm_transaction_simulation_failed"
    assert world.stats()["sendTransaction"] == sent
    assert world.balances() == (before[0] - AMOUNT, before[1] + AMOUNT)


def test_a_fee_payer_we_do_not_hold_is_refused_offline(world: World) -> None:
    settlement = world.settlement()
    other = pay402.svm_public_key(os.urandom(32))
    payload, req = world.payment(fee_payer=other)
    stats, balances = world.stats(), world.balances()
    res = settlement.settle_payment(payload, req)
    assert res["success"] is False
    assert res["errorReason"] == "invalid_exact_svm_fee_payer_not_managed_by_facilitator"
    assert res["transaction"] == ""
    assert world.stats() == stats  # no simulation, no send: refused before any RPC call
    assert world.balances() == balances


def test_a_payment_the_runtime_rejects_fails_simulation_and_is_not_sent(world: World) -> None:
    settlement = world.settlement()
    payload, req = world.payment(amount=AMOUNT)
    # the payer spends its tokens elsewhere first: the same transfer can no longer execute
    drain, drain_req = world.payment(amount=1_000_000)
    assert settlement.settle_payment(drain, drain_req)["success"] is True
    sent = world.stats()["sendTransaction"]
    res = settlement.settle_payment(payload, req)
    assert res["success"] is False and res["transaction"] == ""
    assert res["errorReason"] == "invalid_exact_svm_transaction_simulation_failed"
    assert "InstructionError" in res["errorMessage"]
    assert world.stats()["sendTransaction"] == sent


def test_unconfirmed_in_time_is_pending_then_settled_once_on_the_retry(world: World) -> None:
    settlement = world.settlement(max_polls=2, poll_interval=0.01)
    payload, req = world.payment()
    before = world.balances()
    world.rpc.call("pay402_deferExecution", [True])
    try:
        pending = settlement.settle_payment(payload, req)
    finally:
        landed = world.rpc.call("pay402_deferExecution", [False])
    assert pending["success"] is False and pending["errorReason"] == "settlement_pending"
    assert landed == [pending["transaction"]]  # the pending id is the transaction's signature
    sent = world.stats()["sendTransaction"]
    # the server retries /settle once with the same payment: its status is looked up, nothing is sent
    retry = settlement.settle_payment(payload, req)
    assert retry == {"success": True, "transaction": pending["transaction"], "network": NETWORK, "payer": world.payer}
    assert world.stats()["sendTransaction"] == sent
    assert world.balances() == (before[0] - AMOUNT, before[1] + AMOUNT)
    # once settled, the same bytes are refused (the runtime has processed them) and not sent again
    assert settlement.settle_payment(payload, req)["success"] is False
    assert world.stats()["sendTransaction"] == sent


def test_the_middleware_settles_locally_on_solana(world: World) -> None:
    """A FastAPI app behind pay402's ASGI middleware with LocalSvmSettlement as its settlement,
    over real HTTP: the client pays the 402's Solana offer, the content is served with the
    PAYMENT-RESPONSE of the executed transaction, and the tokens moved."""
    route = X402Route("/item", AMOUNT, network=NETWORK, asset=world.mint, decimals=6, pay_to=world.payee, fee_payer=world.fee_payer)
    paywall = X402Paywall([route], network=NETWORK, pay_to=world.payee, settlement=world.settlement())
    app = FastAPI()

    @app.get("/item")
    def item(request: FastAPIRequest) -> Dict[str, Any]:
        admission = request.scope["pay402"]
        return {"payer": admission.payer, "amount": admission.amount}

    app.add_middleware(PaymentMiddleware, x402=paywall)
    before = world.balances()
    with uvicorn_on_loopback(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        first = http.get("/item")
        assert first.status_code == 402
        required = pay402.decode_payment_required(first.headers["payment-required"]).json
        blockhash = world.rpc.call("getLatestBlockhash", [{"commitment": "confirmed"}])["value"]["blockhash"]
        accepted = json.loads(required)["accepts"][0]
        assert accepted["extra"]["feePayer"] == world.fee_payer
        wire = pay402.svm_build_transfer(
            world.payer_seed,
            fee_payer=accepted["extra"]["feePayer"],
            mint=accepted["asset"],
            pay_to=accepted["payTo"],
            amount=int(accepted["amount"]),
            decimals=6,
            recent_blockhash=pay402.svm_parse_pubkey(blockhash),
            token_program=pay402.SVM_TOKEN_PROGRAM_ID,
            memo=os.urandom(8).hex().encode(),
        )
        payment = pay402.svm_payment_header(required, wire)
        paid = http.get("/item", headers={payment.header_name: payment.header_value})
        assert paid.status_code == 200, paid.text
        assert paid.json() == {"payer": world.payer, "amount": AMOUNT}
        receipt = json.loads(base64.b64decode(paid.headers["payment-response"]))
        assert receipt["success"] is True and receipt["payer"] == world.payer
        sent = world.stats()["sendTransaction"]
        # the same payment again is not settled twice
        again = http.get("/item", headers={payment.header_name: payment.header_value})
        assert again.status_code == 402
        assert world.stats()["sendTransaction"] == sent
    assert world.balances() == (before[0] - AMOUNT, before[1] + AMOUNT)
    status = world.rpc.call("getSignatureStatuses", [[receipt["transaction"]]])["value"][0]
    assert status is not None and status["err"] is None


def test_a_dead_rpc_url_fails_over_and_no_rpc_at_all_settles_nothing(world: World) -> None:
    dead = "http://127.0.0.1:9"  # discard port on loopback: connection refused
    payload, req = world.payment()
    before = world.balances()
    # every URL down: unavailable before anything was sent (the server answers 5xx, nothing is lost)
    with pytest.raises(SolanaRpcUnavailable):
        LocalSvmSettlement(NETWORK, [dead], fee_payer=world.fee_payer_seed).settle_payment(payload, req)
    assert world.balances() == before
    # the first URL down, the second up: settled through the second
    res = LocalSvmSettlement(NETWORK, [dead, world.rpc.url], fee_payer=world.fee_payer_seed).settle_payment(payload, req)
    assert res["success"] is True, res
    assert world.balances() == (before[0] - AMOUNT, before[1] + AMOUNT)


def test_the_fee_payer_key_comes_from_the_environment_and_is_never_shown(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAY402_SVM_FEE_PAYER", world.fee_payer_seed.hex())
    settlement = LocalSvmSettlement(NETWORK, world.rpc.url)
    assert settlement.fee_payer == world.fee_payer
    assert world.fee_payer_seed.hex() not in repr(settlement) and repr(world.fee_payer_seed) not in repr(settlement)
    payload, req = world.payment()
    assert settlement.settle_payment(payload, req)["success"] is True
    monkeypatch.delenv("PAY402_SVM_FEE_PAYER")
    with pytest.raises(ValueError, match="PAY402_SVM_FEE_PAYER"):
        LocalSvmSettlement(NETWORK, world.rpc.url)
    with pytest.raises(ValueError, match="not a Solana network"):
        LocalSvmSettlement("eip155:8453", world.rpc.url, fee_payer=world.fee_payer_seed)
