"""pay402 settles by itself: `pay402.settle.LocalEvmSettlement` on the local Hardhat chain.

The settler is Hardhat account #2 (its private key, signing EIP-1559 transactions through the core;
the node does not sign them). Payments are signed by pay402's client for fresh payers holding the
project's EIP-3009 token and no ETH. Every result is read back from the node over JSON-RPC
(`chain.py`): the transaction's sender, selector and nonce, its receipt and logs, balances,
`authorizationState`. Expected strings are the reference facilitator's (`@x402/evm`: success,
`invalid_exact_evm_nonce_already_used`, `settlement_pending`).

Covered: a paid request through `X402Paywall` + FastAPI (uvicorn on loopback) settles with the
settler's key; 5 concurrent settlements from one key mine with distinct nonces; one payment settled twice at once
sends one transaction; the nonce re-read after the key sent a transaction elsewhere; a simulation revert
is refused with the reference reason and nothing is sent; the first RPC URL dead → failover; every
RPC URL dead → content withheld and the authorization still unused (settled later); no receipt in
time (automine off) → `settlement_pending` with the hash, a retry sends nothing new, and
`reconcile()` reports the confirmation once and never again; a wrong chain id → typed error, nothing
sent; the README's settlement-modes example as written (local with the settler's key, hybrid through
the reference facilitator), each paywall paid once.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import httpx
import pay402
import pytest
from fastapi import FastAPI, Request
from pay402.asgi import PaymentMiddleware
from pay402.client import Budget, PaymentAuth, X402Payer, payment_receipt
from pay402.errors import LocalSettlementError, RpcError
from pay402.replay import MemoryReplayStore
from pay402.server import X402Paywall
from pay402.settle import LocalEvmSettlement, PrivateKeySigner

import chain as chain_helpers
from chain import SUBMITTER, Chain, call_data
from test_middleware import uvicorn_on_loopback

# Hardhat account #2 (mnemonic "test test ... junk"), the address chain.SUBMITTER
SETTLER_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"
SETTLER = SUBMITTER
PRICE = 12_345
FUNDING = 1_000_000
TWA_SELECTOR = "0xe3ee160e"  # transferWithAuthorization(…, uint8 v, bytes32 r, bytes32 s)
TRANSFER_TOPIC = "0x" + pay402.keccak256(b"Transfer(address,address,uint256)").hex()
REVERT_USED = "Eip3009Token: authorization is used or canceled"  # contracts/Eip3009Token.sol


def dead_url() -> str:
    """A loopback port nobody listens on (bound, then closed): connections are refused."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def settlement(chain: Chain, deployment: dict) -> LocalEvmSettlement:
    return LocalEvmSettlement(deployment["network"], [chain.url], PrivateKeySigner(SETTLER_KEY), clock=chain.now)


def new_payer(chain: Chain) -> chain_helpers.Payer:
    return chain_helpers.Payer(chain, FUNDING)


def requirements(deployment: dict, pay_to: str) -> dict:
    return chain_helpers.requirements(deployment, pay_to, PRICE)


signed_payment = chain_helpers.signed_payment


def pending_nonce(chain: Chain, who: str) -> int:
    return int(chain.rpc("eth_getTransactionCount", who, "pending"), 16)


def assert_settled_by_settler(chain: Chain, deployment: dict, out: dict, payer: str, payee: str) -> dict:
    assert out["success"] is True and out["network"] == deployment["network"] and out["payer"] == payer, out
    receipt = chain.receipt(out["transaction"])
    assert receipt.status == 1
    tx = chain.rpc("eth_getTransactionByHash", out["transaction"])
    assert tx["from"].lower() == SETTLER.lower() and tx["to"].lower() == deployment["token"].lower()
    assert tx["input"][:10] == TWA_SELECTOR and int(tx["type"], 16) == 2
    moved = [lg for lg in receipt.logs if lg["topics"][0] == TRANSFER_TOPIC]
    assert len(moved) == 1 and int(moved[0]["data"], 16) == PRICE
    assert [int(t, 16) for t in moved[0]["topics"][1:]] == [int(payer, 16), int(payee, 16)]
    return tx


# --- through the paywall --------------------------------------------------------------------------


def paywall_app(deployment: dict, payee: str, settlement: LocalEvmSettlement, chain: Chain) -> FastAPI:
    app = FastAPI()

    @app.get("/premium")
    def premium(request: Request) -> dict:
        return {"data": "paid content", "payer": request.scope["pay402"].payer}

    paywall = X402Paywall(
        {"GET /premium": PRICE}, network=deployment["network"], pay_to=payee, asset=deployment["token"], decimals=6,
        eip712_name=deployment["name"], eip712_version=deployment["version"], max_timeout_seconds=300,
        settlement=settlement, replay_store=MemoryReplayStore(), clock=chain.now,
    )
    app.add_middleware(PaymentMiddleware, x402=paywall)
    return app


def x402_payer(chain: Chain, deployment: dict, payer: chain_helpers.Payer) -> X402Payer:
    return X402Payer(payer.key, networks=[deployment["network"]], assets=[deployment["token"]],
                     budget=Budget(per_request=PRICE, total=10 * PRICE), clock=chain.now)


def test_paywall_settles_by_itself(chain: Chain, deployment: dict, settlement: LocalEvmSettlement) -> None:
    payer, payee = new_payer(chain), pay402.private_key_to_address(os.urandom(32))
    nonce_before = pending_nonce(chain, SETTLER)
    before = (chain.balance_of(payer.address), chain.balance_of(payee))
    with uvicorn_on_loopback(paywall_app(deployment, payee, settlement, chain)) as url:
        with httpx.Client(auth=PaymentAuth(x402=x402_payer(chain, deployment, payer)), timeout=60) as client:
            r = client.get(url + "/premium")
    assert r.status_code == 200, r.text
    assert r.json() == {"data": "paid content", "payer": payer.address}
    body = payment_receipt(r)
    assert body is not None
    tx = assert_settled_by_settler(chain, deployment, body, payer.address, payee)
    assert int(tx["nonce"], 16) == nonce_before
    assert pending_nonce(chain, SETTLER) == nonce_before + 1
    assert (chain.balance_of(payer.address), chain.balance_of(payee)) == (before[0] - PRICE, before[1] + PRICE)


def test_all_rpc_urls_dead_withholds_content_and_loses_nothing(chain: Chain, deployment: dict,
                                                              settlement: LocalEvmSettlement) -> None:
    payer, payee = new_payer(chain), pay402.private_key_to_address(os.urandom(32))
    dead = LocalEvmSettlement(deployment["network"], [dead_url(), dead_url()], PrivateKeySigner(SETTLER_KEY),
                              clock=chain.now)
    nonce_before = pending_nonce(chain, SETTLER)
    gate_log = logging.getLogger("pay402")
    level = gate_log.level
    gate_log.setLevel(logging.CRITICAL)  # the gate logs the withheld content; expected here
    try:
        with uvicorn_on_loopback(paywall_app(deployment, payee, dead, chain)) as url:
            with httpx.Client(auth=PaymentAuth(x402=x402_payer(chain, deployment, payer)), timeout=60) as client:
                r = client.get(url + "/premium")
    finally:
        gate_log.setLevel(level)
    assert r.status_code == 502, (r.status_code, r.text)
    assert "paid content" not in r.text
    header = r.request.headers["payment-signature"]
    payment = json.loads(pay402.decode_payment_payload(header=header).json)
    nonce = payment["payload"]["authorization"]["nonce"]
    assert not chain.authorization_state(payer.address, nonce)
    assert pending_nonce(chain, SETTLER) == nonce_before
    assert chain.balance_of(payee) == 0
    # the direct call says why, with a typed error
    with pytest.raises(RpcError) as e:
        dead.settle_payment(payment, requirements(deployment, payee))
    assert e.value.code == "rpc_unreachable"
    # nothing lost: the same authorization settles later
    out = settlement.settle_payment(payment, requirements(deployment, payee))
    assert_settled_by_settler(chain, deployment, out, payer.address, payee)
    assert chain.authorization_state(payer.address, nonce)


# --- settle_payment directly -----------------------------------------------------------------------


def test_concurrent_settles_from_one_key_use_distinct_nonces(chain: Chain, deployment: dict,
                                                            settlement: LocalEvmSettlement) -> None:
    payee = pay402.private_key_to_address(os.urandom(32))
    payers = [new_payer(chain) for _ in range(5)]
    req = requirements(deployment, payee)
    payments = [signed_payment(chain, req, p) for p in payers]
    nonce_before = pending_nonce(chain, SETTLER)
    with ThreadPoolExecutor(5) as pool:
        outs = list(pool.map(lambda p: settlement.settle_payment(p, req), payments))
    txs = [assert_settled_by_settler(chain, deployment, o, p.address, payee) for o, p in zip(outs, payers)]
    assert len({o["transaction"] for o in outs}) == 5
    assert sorted(int(t["nonce"], 16) for t in txs) == list(range(nonce_before, nonce_before + 5))
    assert chain.balance_of(payee) == 5 * PRICE


def test_one_payment_settled_twice_at_once_sends_one_transaction(chain: Chain, deployment: dict,
                                                                 settlement: LocalEvmSettlement) -> None:
    payer, payee = new_payer(chain), pay402.private_key_to_address(os.urandom(32))
    req = requirements(deployment, payee)
    payment = signed_payment(chain, req, payer)
    nonce_before = pending_nonce(chain, SETTLER)
    with ThreadPoolExecutor(2) as pool:
        outs = list(pool.map(lambda _: settlement.settle_payment(payment, req), range(2)))
    outs.sort(key=lambda o: not o["success"])
    assert_settled_by_settler(chain, deployment, outs[0], payer.address, payee)
    assert outs[1]["errorReason"] == "invalid_exact_evm_nonce_already_used" and outs[1]["transaction"] == ""
    assert pending_nonce(chain, SETTLER) == nonce_before + 1
    assert chain.balance_of(payee) == PRICE


def test_nonce_resyncs_after_the_key_sent_elsewhere(chain: Chain, deployment: dict,
                                                    settlement: LocalEvmSettlement) -> None:
    payee = pay402.private_key_to_address(os.urandom(32))
    req = requirements(deployment, payee)
    first = settlement.settle_payment(signed_payment(chain, req, new_payer(chain)), req)
    assert first["success"] is True
    # the same key sends a transaction the settlement does not know about (the node signs it)
    assert chain.send(call_data("balanceOf(address)", SETTLER), sender=SETTLER).status == 1
    payer = new_payer(chain)
    out = settlement.settle_payment(signed_payment(chain, req, payer), req)  # "nonce too low" → re-read, once
    assert_settled_by_settler(chain, deployment, out, payer.address, payee)
    assert chain.balance_of(payee) == 2 * PRICE


def test_simulation_revert_is_refused_and_nothing_is_sent(chain: Chain, deployment: dict,
                                                         settlement: LocalEvmSettlement) -> None:
    payer, payee = new_payer(chain), pay402.private_key_to_address(os.urandom(32))
    req = requirements(deployment, payee)
    payment = signed_payment(chain, req, payer)
    assert_settled_by_settler(chain, deployment, settlement.settle_payment(payment, req), payer.address, payee)
    nonce_before, block_before = pending_nonce(chain, SETTLER), chain.block_number()
    # the authorization is used now: the simulation reverts
    out = settlement.settle_payment(payment, req)
    assert out == {
        "success": False, "errorReason": "invalid_exact_evm_nonce_already_used", "errorMessage": REVERT_USED,
        "transaction": "", "network": deployment["network"], "payer": payer.address,
    }
    assert (pending_nonce(chain, SETTLER), chain.block_number()) == (nonce_before, block_before)
    assert chain.balance_of(payee) == PRICE


def test_first_rpc_url_dead_fails_over(chain: Chain, deployment: dict) -> None:
    payer, payee = new_payer(chain), pay402.private_key_to_address(os.urandom(32))
    req = requirements(deployment, payee)
    s = LocalEvmSettlement(deployment["network"], [dead_url(), chain.url], PrivateKeySigner(SETTLER_KEY),
                           clock=chain.now)
    out = s.settle_payment(signed_payment(chain, req, payer), req)
    assert_settled_by_settler(chain, deployment, out, payer.address, payee)


def test_wrong_chain_id_is_a_typed_error_and_nothing_is_sent(chain: Chain, deployment: dict) -> None:
    payer, payee = new_payer(chain), pay402.private_key_to_address(os.urandom(32))
    req = requirements(deployment, payee)
    payment = signed_payment(chain, req, payer)
    s = LocalEvmSettlement("eip155:8453", [chain.url], PrivateKeySigner(SETTLER_KEY), clock=chain.now)
    nonce_before = pending_nonce(chain, SETTLER)
    with pytest.raises(LocalSettlementError) as e:
        s.settle_payment(payment, req)
    assert e.value.code == "chain_id_mismatch" and "31337" in e.value.message
    assert pending_nonce(chain, SETTLER) == nonce_before
    assert not chain.authorization_state(payer.address, payment["payload"]["authorization"]["nonce"])


def test_receipt_timeout_is_pending_then_reconciled_once(chain: Chain, deployment: dict) -> None:
    payer, payee = new_payer(chain), pay402.private_key_to_address(os.urandom(32))
    req = requirements(deployment, payee)
    payment = signed_payment(chain, req, payer)
    s = LocalEvmSettlement(deployment["network"], [chain.url], PrivateKeySigner(SETTLER_KEY), clock=chain.now,
                           receipt_timeout=1.0)
    s.check_chain()
    nonce_before = pending_nonce(chain, SETTLER)
    chain.rpc("evm_setAutomine", False)  # sent transactions wait in the mempool until evm_mine
    try:
        out = s.settle_payment(payment, req)
        tx_hash = out["transaction"]
        assert out["success"] is False and out["errorReason"] == "settlement_pending", out
        assert tx_hash.startswith("0x") and len(tx_hash) == 66 and out["payer"] == payer.address
        assert chain.rpc("eth_getTransactionByHash", tx_hash)["blockNumber"] is None  # in the mempool
        assert pending_nonce(chain, SETTLER) == nonce_before + 1
        # the resource server's one retry: the same hash awaited, nothing sent again
        again = s.settle_payment(payment, req)
        assert again["errorReason"] == "settlement_pending" and again["transaction"] == tx_hash
        assert pending_nonce(chain, SETTLER) == nonce_before + 1
        assert s.reconcile() == []  # still not mined
        chain.rpc("evm_mine")
    finally:
        chain.rpc("evm_setAutomine", True)
    reported = s.reconcile()
    assert reported == [{"success": True, "transaction": tx_hash, "network": deployment["network"],
                         "payer": payer.address}]
    assert s.reconcile() == []  # exactly once
    assert chain.receipt(tx_hash).status == 1 and chain.balance_of(payee) == PRICE


# --- the README's settlement-modes example, run as written -------------------------------------------


def readme_block(marker: str) -> str:
    readme = (Path(__file__).resolve().parents[2] / "ffi-python" / "README.md").read_text("utf-8")
    found = [b for b in re.findall(r"```python\n(.*?)```", readme, flags=re.S) if b.startswith(marker)]
    assert len(found) == 1, f"README block {marker!r}"
    return found[0]


def test_readme_settlement_modes_example(chain: Chain, deployment: dict, facilitator_url: str,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from chain import FACILITATOR

    payee = pay402.private_key_to_address(os.urandom(32))
    for name, value in {
        "NETWORK": deployment["network"], "TOKEN": deployment["token"], "TOKEN_NAME": deployment["name"],
        "TOKEN_VERSION": deployment["version"], "RPC_URLS": f"{dead_url()},{chain.url}", "PAY_TO": payee,
        "FACILITATOR_URL": facilitator_url, "PAY402_SETTLER_KEY": SETTLER_KEY,
    }.items():
        monkeypatch.setenv(name, value)
    namespace: dict = {"__name__": "readme_settlement"}
    exec(compile(readme_block("# Settlement modes"), "README.md (settlement modes)", "exec"), namespace)
    assert namespace["settlement"].address == SETTLER
    price = 10_000  # "$0.01" of a 6-decimal token
    for paywall, sender in ((namespace["local"], SETTLER), (namespace["hybrid"], FACILITATOR)):
        payer = new_payer(chain)
        app = FastAPI()

        @app.get("/premium")
        def premium() -> dict:
            return {"data": "paid content"}

        app.add_middleware(PaymentMiddleware, x402=paywall)
        before = chain.balance_of(payee)
        x402 = X402Payer(payer.key, networks=[deployment["network"]], assets=[deployment["token"]],
                         budget=Budget(per_request=price, total=price), clock=chain.now)
        with uvicorn_on_loopback(app) as url, httpx.Client(auth=PaymentAuth(x402=x402), timeout=60) as client:
            r = client.get(url + "/premium")
        assert r.status_code == 200 and r.json() == {"data": "paid content"}, r.text
        body = payment_receipt(r)
        assert body is not None and body["success"] is True
        assert chain.receipt(body["transaction"]).status == 1
        tx = chain.rpc("eth_getTransactionByHash", body["transaction"])
        assert tx["from"].lower() == sender.lower() and tx["input"][:10] == TWA_SELECTOR
        assert chain.balance_of(payee) == before + price
