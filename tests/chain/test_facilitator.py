"""`pay402 facilitator` settles for real on the local Hardhat chain.

Each facilitator is a real subprocess (`python -m pay402.cli facilitator --config FILE`, uvicorn on a
free 127.0.0.1 port) configured by a TOML file and environment variables; its signer is Hardhat
account #3 (a key no other chain test sends with). Two of them share one real Redis (started by
run.sh's facilitator block: `PAY402_FACILITATOR_REDIS_URL`). pay402's own `FacilitatorClient`
talks to them over HTTP; every result is read back from the node (`chain.py`): the transaction's
sender and selector, its receipt and `Transfer` log, balances, `authorizationState`, the settler's
nonce. The reference `@x402/express` + `@x402/fetch` half is `reference-paid.mjs`.

Covered: /supported lists the network and the signer; pay402's client verifies and settles through
it (balances move by exactly the price; a second /settle of the same payment sends nothing and is
refused, `invalid_exact_evm_nonce_already_used`: a success is answered once); a bad bearer key → 401
and nothing verified; two processes sharing Redis settling one authorization concurrently → exactly
one transaction and exactly one success, every other answer refused;
RPC down → 500 (pay402's client: `facilitator_unavailable`), nothing sent, the authorization
unused, then settled by a live facilitator (nothing lost); no receipt in time (automine off) →
`settlement_pending` with the hash from one process, then the next /settle on another process waits
for that same hash (the signed transaction shared in Redis) and answers success: one transaction.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, Iterator, List

import httpx
import pay402
import pytest
from pay402.errors import FacilitatorError, SettleError, VerifyError

import chain as chain_helpers
from facilitator_process import FacilitatorProcess, free_port
from chain import Chain, twa_call_data

REDIS_URL = os.environ.get("PAY402_FACILITATOR_REDIS_URL", "")
pytestmark = pytest.mark.skipif(
    not REDIS_URL, reason="needs the Redis that run.sh's facilitator block starts (PAY402_FACILITATOR_REDIS_URL)")

# Hardhat account #3 (mnemonic "test test … junk"; a public test key, local node only)
SETTLER_KEY = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6"
SETTLER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
API_KEY = "chain-test-" + os.urandom(8).hex()
PRICE = 23_456
FUNDING = 1_000_000
TWA_SELECTOR = "0xe3ee160e"
TRANSFER_TOPIC = "0x" + pay402.keccak256(b"Transfer(address,address,uint256)").hex()


def start_facilitator(tmp: Path, name: str, rpc_url: str, prefix: str, receipt_timeout: int = 20) -> FacilitatorProcess:
    """`pay402 facilitator` for eip155:31337 on `rpc_url`, records in the shared Redis under `prefix`."""
    config = (
        'api_keys_env = ["FAC_API_KEY"]\n'
        'redis_url_env = "FAC_REDIS_URL"\n'
        f'redis_prefix = "{prefix}"\n'
        "settle_wait_seconds = 30\n"
        "[[networks]]\n"
        'network = "eip155:31337"\n'
        f'rpc_urls = ["{rpc_url}"]\n'
        'signer_key_env = "FAC_SETTLER_KEY"\n'
        f"receipt_timeout_seconds = {receipt_timeout}\n"
    )
    env = {**os.environ, "FAC_API_KEY": API_KEY, "FAC_SETTLER_KEY": SETTLER_KEY, "FAC_REDIS_URL": REDIS_URL}
    return FacilitatorProcess(tmp, name, config, env, API_KEY)


@pytest.fixture(scope="module")
def prefix() -> str:
    return f"pay402:chain-test:{os.getpid()}:"


@pytest.fixture(scope="module")
def facilitators(tmp_path_factory: pytest.TempPathFactory, chain: Chain, prefix: str) -> Iterator[List[FacilitatorProcess]]:
    tmp = tmp_path_factory.mktemp("facilitator")
    started: List[FacilitatorProcess] = []
    try:
        for name in ("a", "b"):
            started.append(start_facilitator(tmp, name, chain.url, prefix))
        yield started
    finally:
        for f in started:
            f.stop()


def new_payer(chain: Chain) -> chain_helpers.Payer:
    return chain_helpers.Payer(chain, FUNDING)


def requirements(deployment: dict, pay_to: str) -> dict:
    return chain_helpers.requirements(deployment, pay_to, PRICE)


signed_payment = chain_helpers.signed_payment


def nonce_of(chain: Chain, who: str) -> int:
    return int(chain.rpc("eth_getTransactionCount", who, "latest"), 16)


def assert_one_transfer(chain: Chain, deployment: dict, tx_hash: str, payer: str, payee: str) -> None:
    receipt = chain.receipt(tx_hash)
    assert receipt.status == 1
    tx = chain.rpc("eth_getTransactionByHash", tx_hash)
    assert tx["from"].lower() == SETTLER.lower() and tx["to"].lower() == deployment["token"].lower()
    assert tx["input"][:10] == TWA_SELECTOR
    moved = [lg for lg in receipt.logs if lg["topics"][0] == TRANSFER_TOPIC]
    assert len(moved) == 1 and int(moved[0]["data"], 16) == PRICE
    assert [int(t, 16) for t in moved[0]["topics"][1:]] == [int(payer, 16), int(payee, 16)]


def test_supported_lists_the_network_and_the_signer(facilitators: List[FacilitatorProcess]) -> None:
    with facilitators[0].client() as client:
        supported = client.supported()
    assert supported["kinds"] == [{"x402Version": 2, "scheme": "exact", "network": "eip155:31337"}]
    assert supported["signers"] == {"eip155:*": [SETTLER]}


def test_pay402_client_verifies_and_settles(facilitators: List[FacilitatorProcess], chain: Chain, deployment: dict) -> None:
    payer, payee = new_payer(chain), new_payer(chain)
    req = requirements(deployment, payee.address)
    payment = signed_payment(chain, req, payer)
    before = (chain.balance_of(payer.address), chain.balance_of(payee.address), nonce_of(chain, SETTLER))
    with facilitators[0].client() as client:
        verdict = client.verify(payment, req)
        assert verdict == {"isValid": True, "payer": payer.address}
        out = client.settle(payment, req)
        assert out["success"] is True and out["payer"] == payer.address and out["network"] == "eip155:31337"
        assert_one_transfer(chain, deployment, out["transaction"], payer.address, payee.address)
        assert (chain.balance_of(payer.address), chain.balance_of(payee.address)) == (before[0] - PRICE, before[1] + PRICE)
        nonce = payment["payload"]["authorization"]["nonce"]
        assert chain.authorization_state(payer.address, nonce) is True
        # the same payment again: /verify refuses it, and so does /settle (its success was answered
        # once), sending no second transaction: a resource server serves it once
        with pytest.raises(VerifyError) as e:
            client.verify(payment, req)
        assert e.value.code == "invalid_exact_evm_nonce_already_used"
        with pytest.raises(SettleError) as again:
            client.settle(payment, req)
    assert again.value.code == "invalid_exact_evm_nonce_already_used"
    assert again.value.body is not None and again.value.body["transaction"] == ""
    assert nonce_of(chain, SETTLER) == before[2] + 1
    assert pay402.decode_settle_response(body=json.dumps(out)).kind == "settle_response"
    lines = [line for line in facilitators[0].log_lines() if line.get("route") == "/settle"]
    assert lines[-2]["outcome"] == "settled" and lines[-2]["transaction"] == out["transaction"]
    assert lines[-2]["payer"] == payer.address and lines[-2]["network"] == "eip155:31337"
    text = facilitators[0].log.read_text()
    assert SETTLER_KEY[2:] not in text and API_KEY not in text
    assert payment["payload"]["signature"][2:] not in text


def test_verify_refuses_an_authorization_used_on_chain(facilitators: List[FacilitatorProcess], chain: Chain,
                                                       deployment: dict) -> None:
    """Settled elsewhere (a direct transferWithAuthorization): the core's offline verdict is valid, the
    settlement simulation reverts and the core maps the chain's revert text."""
    payer, payee = new_payer(chain), new_payer(chain)
    req = requirements(deployment, payee.address)
    payment = signed_payment(chain, req, payer)
    assert pay402.verify_payment(json.dumps(req), pay402.encode_header(json.dumps(payment)), now=chain.now()).payer == payer.address
    assert chain.send(twa_call_data(payment["payload"]["authorization"], payment["payload"]["signature"])).status == 1
    before_nonce = nonce_of(chain, SETTLER)
    with facilitators[1].client() as client:
        with pytest.raises(VerifyError) as e:
            client.verify(payment, req)
        assert e.value.code == "invalid_exact_evm_nonce_already_used"
        with pytest.raises(SettleError) as s:
            client.settle(payment, req)
    out = s.value.body
    assert out is not None
    assert (out["success"], out["errorReason"], out["transaction"]) == (False, "invalid_exact_evm_nonce_already_used", "")
    assert nonce_of(chain, SETTLER) == before_nonce


def test_bad_bearer_is_401(facilitators: List[FacilitatorProcess], chain: Chain, deployment: dict) -> None:
    payer, payee = new_payer(chain), new_payer(chain)
    req = requirements(deployment, payee.address)
    payment = signed_payment(chain, req, payer)
    body = {"x402Version": 2, "paymentPayload": payment, "paymentRequirements": req}
    for headers in ({}, {"authorization": "Bearer wrong"}, {"authorization": API_KEY}):
        for path in ("/verify", "/settle"):
            r = httpx.post(facilitators[0].url + path, json=body, headers=headers, timeout=10)
            assert r.status_code == 401, (path, headers, r.text)
        assert httpx.get(facilitators[0].url + "/supported", headers=headers, timeout=10).status_code == 401
    with facilitators[0].client("wrong") as client:
        with pytest.raises(FacilitatorError) as e:
            client.settle(payment, req)
    assert e.value.status_code == 401
    assert chain.authorization_state(payer.address, payment["payload"]["authorization"]["nonce"]) is False
    assert chain.balance_of(payee.address) == FUNDING


def test_two_processes_one_authorization_one_transaction(facilitators: List[FacilitatorProcess], chain: Chain,
                                                         deployment: dict) -> None:
    payer, payee = new_payer(chain), new_payer(chain)
    req = requirements(deployment, payee.address)
    payment = signed_payment(chain, req, payer)
    body = {"x402Version": 2, "paymentPayload": payment, "paymentRequirements": req}
    before_nonce = nonce_of(chain, SETTLER)
    answers: List[Any] = []
    barrier = threading.Barrier(8)

    def settle(url: str) -> None:
        barrier.wait()
        r = httpx.post(url + "/settle", json=body, headers={"authorization": f"Bearer {API_KEY}"}, timeout=60)
        answers.append((r.status_code, r.json()))

    threads = [threading.Thread(target=settle, args=(facilitators[i % 2].url,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 8
    assert all(status == 200 for status, _ in answers), answers
    succeeded = [a for _, a in answers if a["success"] is True]
    assert len(succeeded) == 1, answers  # one success: a replay racing the payment is never served
    refused = [a for _, a in answers if a["success"] is not True]
    assert {(a["errorReason"], a["transaction"]) for a in refused} == {("invalid_exact_evm_nonce_already_used", "")}
    tx_hash = succeeded[0]["transaction"]
    assert_one_transfer(chain, deployment, tx_hash, payer.address, payee.address)
    assert nonce_of(chain, SETTLER) == before_nonce + 1  # exactly one transaction from the settler
    assert chain.balance_of(payee.address) == FUNDING + PRICE and chain.balance_of(payer.address) == FUNDING - PRICE


def test_rpc_down_sends_nothing_and_loses_nothing(tmp_path: Path, facilitators: List[FacilitatorProcess], chain: Chain,
                                                   deployment: dict, prefix: str) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    down = start_facilitator(tmp_path, "down", dead, prefix)  # same Redis, same records
    try:
        payer, payee = new_payer(chain), new_payer(chain)
        req = requirements(deployment, payee.address)
        payment = signed_payment(chain, req, payer)
        nonce = payment["payload"]["authorization"]["nonce"]
        before_nonce = nonce_of(chain, SETTLER)
        r = httpx.post(down.url + "/settle", json={"x402Version": 2, "paymentPayload": payment, "paymentRequirements": req},
                       headers={"authorization": f"Bearer {API_KEY}"}, timeout=60)
        assert r.status_code == 500 and r.json()["error"] == "rpc_unreachable", r.text
        with down.client() as client:
            with pytest.raises(FacilitatorError) as e:
                client.settle(payment, req)
        assert e.value.code == "facilitator_unavailable"  # outcome unknown to a resource server: keep the payment
        assert nonce_of(chain, SETTLER) == before_nonce
        assert chain.authorization_state(payer.address, nonce) is False
        assert chain.balance_of(payee.address) == FUNDING
        assert dead not in down.log.read_text()
    finally:
        down.stop()
    # the claim was released: a live facilitator sharing the records settles the same authorization
    with facilitators[1].client() as client:
        out = client.settle(payment, req)
    assert out["success"] is True
    assert_one_transfer(chain, deployment, out["transaction"], payer.address, payee.address)
    assert nonce_of(chain, SETTLER) == before_nonce + 1


def test_pending_on_one_process_is_settled_once_by_another(tmp_path: Path, facilitators: List[FacilitatorProcess],
                                                           chain: Chain, deployment: dict, prefix: str) -> None:
    quick = start_facilitator(tmp_path, "quick", chain.url, prefix, receipt_timeout=2)
    try:
        payer, payee = new_payer(chain), new_payer(chain)
        req = requirements(deployment, payee.address)
        payment = signed_payment(chain, req, payer)
        before_nonce = nonce_of(chain, SETTLER)
        chain.rpc("evm_setAutomine", False)
        try:
            with quick.client() as client:
                with pytest.raises(SettleError) as e:
                    client.settle(payment, req)
        finally:
            chain.rpc("evm_setAutomine", True)
        pending = e.value.body
        assert pending is not None and e.value.code == "settlement_pending"
        assert pending["success"] is False and len(pending["transaction"]) == 66, pending
        assert nonce_of(chain, SETTLER) == before_nonce  # sent, not mined
        chain.rpc("evm_mine")
    finally:
        quick.stop()
    # another process: the record is pending, the signed transaction is in Redis: it waits for that hash
    with facilitators[1].client() as client:
        out = client.settle(payment, req)
    assert out["success"] is True and out["transaction"] == pending["transaction"]
    assert_one_transfer(chain, deployment, out["transaction"], payer.address, payee.address)
    with facilitators[0].client() as client:  # the record is final and its success was answered
        with pytest.raises(SettleError) as again:
            client.settle(payment, req)
    assert again.value.code == "invalid_exact_evm_nonce_already_used"
    assert nonce_of(chain, SETTLER) == before_nonce + 1
    assert chain.balance_of(payee.address) == FUNDING + PRICE
