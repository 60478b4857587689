"""Refunds paid back by the settlement layer: `LocalEvmSettlement.refund(order)` on the local Hardhat chain.

The settler is Hardhat account #2 (its key signs EIP-1559 transactions through the core); it holds the
payee's tokens (minted to it here) and pays `order.amount` back to `order.to` with the token's ERC-20
`transfer`. Every result is read back from the node over JSON-RPC (`chain.py`): balances, the
transaction's sender, target and input, its receipt's `Transfer` logs, the settler's nonce.

Covered: one refund moves exactly `amount` (balances and one Transfer log); a second call, and a new
settlement object sharing the pending store (a restart), send nothing and answer the same hash; a crash
between recording and sending (the send raises) → the next call broadcasts the recorded bytes → exactly
one Transfer; eight threads with one key → one Transfer; an amount above 2^53 exact to the unit; amount 0
is no order; a settler without the tokens → `refund_send_failed`, nothing recorded; no receipt in time
(automine off) → `refund_pending`, `reconcile()` reports the end once. With a real Redis
(`PAY402_REFUND_REDIS_URL`, set by run.sh's refunds block): two processes sharing a `RedisPendingStore` →
one Transfer; a process killed (`os._exit`) after the record is stored and before the send → the next
process broadcasts the recorded bytes → exactly one Transfer.

Native-coin refunds (`asset` "native": a WS402 prepayment paid in ETH is paid back in ETH), from a fresh
settler funded with `hardhat_setBalance` so every wei it spends is this test's: the transaction is a value
transfer to the payer (`to` = the payer, `value` = amount, no input, no logs); the settler's ETH falls by
exactly amount + gasUsed × effectiveGasPrice (from the receipt) and the payer's rises by exactly amount; a
second call, a restart on the same store and eight threads with one key send nothing new; a crash between
record and send is finished by the next call with the recorded bytes; a settler without the coin and a
recipient that refuses ETH (a contract without a payable fallback) get `refund_send_failed` with nothing
recorded or sent; no receipt in time is `refund_pending` and `reconcile()` reports the end once; with Redis,
two processes pay once and a process killed after recording is finished by the next with the recorded bytes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Callable, Dict, List

import pay402
import pytest
from pay402.errors import RpcError
from pay402.settle import LocalEvmSettlement, MemoryPendingStore, PrivateKeySigner
from pay402.settle.rpc import EvmJsonRpc

from chain import SUBMITTER, Chain

# Hardhat account #2 (mnemonic "test test ... junk"), the address chain.SUBMITTER
SETTLER_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"
SETTLER = SUBMITTER
TRANSFER_TOPIC = "0x" + pay402.keccak256(b"Transfer(address,address,uint256)").hex()
HERE = Path(__file__).parent


def settlement(chain: Chain, deployment: dict, store: Any = None, **kw: Any) -> LocalEvmSettlement:
    return LocalEvmSettlement(deployment["network"], [chain.url], PrivateKeySigner(SETTLER_KEY),
                              pending_store=store, clock=chain.now, **kw)


def order(deployment: dict, to: str, amount: int) -> pay402.RefundOrder:
    return pay402.RefundOrder.for_session(os.urandom(16), deployment["network"], deployment["token"], to, amount)


def fresh_address() -> str:
    return pay402.private_key_to_address(os.urandom(32))


def transfers(chain: Chain, tx_hash: str) -> List[Dict[str, Any]]:
    """The token's Transfer logs of one mined transaction, decoded."""
    receipt = chain.receipt(tx_hash)
    assert receipt.status == 1
    out = []
    for log in receipt.logs:
        if log["address"].lower() == chain.token.lower() and log["topics"][0] == TRANSFER_TOPIC:
            out.append({"from": "0x" + log["topics"][1][-40:], "to": "0x" + log["topics"][2][-40:],
                        "value": int(log["data"], 16)})
    return out


def transfers_to(chain: Chain, to: str, since_block: int) -> List[Dict[str, Any]]:
    """Every Transfer of the token to `to` in the blocks after `since_block` (eth_getLogs)."""
    logs = chain.rpc("eth_getLogs", {"fromBlock": hex(since_block + 1), "toBlock": "latest", "address": chain.token,
                                     "topics": [TRANSFER_TOPIC, None, "0x" + "0" * 24 + to[2:].lower()]})
    return [{"tx": log["transactionHash"], "value": int(log["data"], 16)} for log in logs]


def fund_settler(chain: Chain, amount: int) -> None:
    chain.mint(SETTLER, amount)


def check_one_refund(chain: Chain, o: pay402.RefundOrder, out: Dict[str, Any], before: int, settler_before: int) -> None:
    """`out` is a success whose transaction moved exactly `o.amount` from the settler to `o.to`, once."""
    assert out["success"] is True and "errorReason" not in out, out
    assert (out["network"], out["asset"], out["to"], out["amount"]) == (o.network, o.asset, o.to, str(o.amount))
    tx = chain.rpc("eth_getTransactionByHash", out["transaction"])
    assert tx["from"].lower() == SETTLER.lower() and tx["to"].lower() == chain.token.lower()
    assert tx["input"] == "0x" + bytes(o.calldata).hex()
    assert transfers(chain, out["transaction"]) == [{"from": SETTLER.lower(), "to": o.to.lower(), "value": o.amount}]
    assert transfers_to(chain, o.to, before) == [{"tx": out["transaction"], "value": o.amount}]
    assert chain.balance_of(o.to) == o.amount
    assert chain.balance_of(SETTLER) == settler_before - o.amount


def refund_at_once(n: int, make: Callable[[], Any], o: Any) -> Dict[str, Any]:
    """`n` threads, each with its own settlement from `make`, call `refund(o)` at the same instant; all must
    answer the same result, which is returned."""
    results: List[Dict[str, Any]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(n)

    def run() -> None:
        s = make()
        barrier.wait()
        r = s.refund(o)
        with lock:
            results.append(r)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == n and all(r == results[0] for r in results), results
    return results[0]


def test_one_refund_moves_exactly_the_amount_and_a_second_call_sends_nothing(chain: Chain, deployment: dict) -> None:
    fund_settler(chain, 1_000_000)
    store = MemoryPendingStore()
    s = settlement(chain, deployment, store)
    o = order(deployment, fresh_address(), 123_457)
    before, settler_before = chain.block_number(), chain.balance_of(SETTLER)
    out = s.refund(o)
    check_one_refund(chain, o, out, before, settler_before)
    nonce = chain.tx_count(SETTLER)
    again = s.refund(o)
    assert again == out
    restarted = settlement(chain, deployment, store).refund(o)  # a new object on the same store: a restart
    assert restarted == out
    assert chain.tx_count(SETTLER) == nonce
    check_one_refund(chain, o, out, before, settler_before)
    assert s.reconcile() == []  # an ended refund is not pending


class CrashingRpc(EvmJsonRpc):
    """The node's RPC, except that the first `eth_sendRawTransaction` dies before reaching the node."""

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.crashed = False

    def send_raw_transaction(self, raw: Any) -> str:
        if not self.crashed:
            self.crashed = True
            raise RuntimeError("the process died here")
        return super().send_raw_transaction(raw)


def test_a_crash_between_record_and_send_broadcasts_the_recorded_bytes_once(chain: Chain, deployment: dict) -> None:
    fund_settler(chain, 1_000_000)
    store = MemoryPendingStore()
    crashing = settlement(chain, deployment, store)
    crashing.rpc = CrashingRpc([chain.url])
    o = order(deployment, fresh_address(), 5_000)
    before, settler_before, nonce = chain.block_number(), chain.balance_of(SETTLER), chain.tx_count(SETTLER)
    with pytest.raises(RuntimeError):
        crashing.refund(o)
    record = store.get("refund:" + o.key.hex())
    assert record is not None and record["state"] == "signed"
    assert chain.rpc("eth_getTransactionByHash", record["hash"]) is None  # recorded, never sent
    assert chain.tx_count(SETTLER) == nonce and chain.balance_of(o.to) == 0
    out = settlement(chain, deployment, store).refund(o)  # the next process
    assert out["transaction"] == record["hash"]
    tx = chain.rpc("eth_getTransactionByHash", record["hash"])
    assert int(tx["nonce"], 16) == record["nonce"]
    check_one_refund(chain, o, out, before, settler_before)
    assert settlement(chain, deployment, store).refund(o) == out
    assert chain.tx_count(SETTLER) == nonce + 1


def test_concurrent_calls_with_one_key_pay_once(chain: Chain, deployment: dict) -> None:
    fund_settler(chain, 1_000_000)
    store = MemoryPendingStore()
    o = order(deployment, fresh_address(), 777)
    before, settler_before, nonce = chain.block_number(), chain.balance_of(SETTLER), chain.tx_count(SETTLER)
    # one settlement object per thread: only the store is shared
    result = refund_at_once(8, lambda: settlement(chain, deployment, store), o)
    check_one_refund(chain, o, result, before, settler_before)
    assert chain.tx_count(SETTLER) == nonce + 1


def test_an_amount_above_2_53_is_exact_to_the_unit(chain: Chain, deployment: dict) -> None:
    amount = 2**53 + 1  # 9007199254740993: a float64 would say ...992
    fund_settler(chain, amount + 10)
    s = settlement(chain, deployment)
    o = order(deployment, fresh_address(), amount)
    assert o.amount == amount
    before, settler_before = chain.block_number(), chain.balance_of(SETTLER)
    out = s.refund(o)
    assert out["amount"] == "9007199254740993"
    check_one_refund(chain, o, out, before, settler_before)


def test_amount_zero_is_no_order(chain: Chain, deployment: dict) -> None:
    nonce = chain.tx_count(SETTLER)
    with pytest.raises(pay402.Error) as e:
        order(deployment, fresh_address(), 0)
    assert e.value.code == "refund_amount_zero"
    assert chain.tx_count(SETTLER) == nonce


def test_a_settler_without_the_tokens_sends_nothing(chain: Chain, deployment: dict) -> None:
    store = MemoryPendingStore()
    poor_key = os.urandom(32)
    s = LocalEvmSettlement(deployment["network"], [chain.url], PrivateKeySigner(poor_key), pending_store=store)
    o = order(deployment, fresh_address(), 1)
    out = s.refund(o)
    assert (out["success"], out["errorReason"], out["transaction"]) == (False, "refund_send_failed", "")
    assert "balance" in out["errorMessage"].lower(), out
    assert store.keys() == []  # nothing signed, nothing recorded: a later call may try again
    assert chain.tx_count(pay402.private_key_to_address(poor_key)) == 0


def test_no_receipt_in_time_is_pending_and_reconcile_reports_it_once(chain: Chain, deployment: dict) -> None:
    fund_settler(chain, 1_000_000)
    store = MemoryPendingStore()
    s = settlement(chain, deployment, store, receipt_timeout=0.5, poll_interval=0.1)
    o = order(deployment, fresh_address(), 4_242)
    before, settler_before = chain.block_number(), chain.balance_of(SETTLER)
    chain.rpc("evm_setAutomine", False)
    try:
        out = s.refund(o)
        assert (out["success"], out["errorReason"]) == (False, "refund_pending"), out
        assert s.reconcile() == []  # still in the mempool
        again = s.refund(o)  # a retry: the same hash, nothing new signed
        assert (again["errorReason"], again["transaction"]) == ("refund_pending", out["transaction"])
        chain.rpc("evm_mine")
    finally:
        chain.rpc("evm_setAutomine", True)
    ended = s.reconcile()
    assert len(ended) == 1 and ended[0]["success"] is True and ended[0]["transaction"] == out["transaction"]
    assert s.reconcile() == []
    assert s.refund(o) == ended[0]
    check_one_refund(chain, o, ended[0], before, settler_before)


# --- native-coin refunds -----------------------------------------------------------------------------------------

ETH = 10**18


def eth_balance(chain: Chain, who: str) -> int:
    return int(chain.rpc("eth_getBalance", who, "latest"), 16)


def native_settler(chain: Chain, wei: int) -> str:
    """A fresh settler key holding exactly `wei` (hardhat_setBalance): its ETH moves only by this test."""
    key = "0x" + os.urandom(32).hex()
    chain.rpc("hardhat_setBalance", pay402.private_key_to_address(key), hex(wei))
    return key


def native_settlement(chain: Chain, deployment: dict, key: str, store: Any = None, **kw: Any) -> LocalEvmSettlement:
    return LocalEvmSettlement(deployment["network"], [chain.url], PrivateKeySigner(key), pending_store=store,
                              clock=chain.now, **kw)


def native_order(deployment: dict, to: str, amount: int) -> pay402.RefundOrder:
    return pay402.RefundOrder.for_session(os.urandom(16), deployment["network"], "native", to, amount)


def check_one_native_refund(chain: Chain, settler: str, o: pay402.RefundOrder, out: Dict[str, Any],
                            settler_before: int) -> None:
    """`out` is a success whose one transaction moved exactly `o.amount` wei from `settler` to `o.to`, and
    the settler paid exactly that plus the gas its receipt says."""
    assert out["success"] is True and "errorReason" not in out, out
    assert (out["network"], out["asset"], out["to"], out["amount"]) == (o.network, "native", o.to, str(o.amount))
    tx = chain.rpc("eth_getTransactionByHash", out["transaction"])
    assert tx["from"].lower() == settler.lower() and tx["to"].lower() == o.to.lower()
    assert int(tx["value"], 16) == o.amount and tx["input"] == "0x"
    receipt = chain.rpc("eth_getTransactionReceipt", out["transaction"])
    assert receipt["status"] == "0x1" and receipt["logs"] == []
    gas_paid = int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)
    assert gas_paid > 0
    assert eth_balance(chain, o.to) == o.amount
    assert eth_balance(chain, settler) == settler_before - o.amount - gas_paid


def test_native_order_is_a_value_transfer_to_the_payer() -> None:
    to = fresh_address()
    o = pay402.RefundOrder(os.urandom(32), "eip155:31337", "native", to, 5)
    assert (o.asset, o.tx_to, o.tx_value, bytes(o.calldata)) == ("native", to, 5, b"")


def test_native_refund_moves_exactly_the_amount_plus_gas_and_a_second_call_sends_nothing(
        chain: Chain, deployment: dict) -> None:
    key = native_settler(chain, 10 * ETH)
    settler = pay402.private_key_to_address(key)
    store = MemoryPendingStore()
    s = native_settlement(chain, deployment, key, store)
    o = native_order(deployment, fresh_address(), 123_456_789_012_345_679)  # above 2^53: exact to the wei
    settler_before = eth_balance(chain, settler)
    out = s.refund(o)
    assert out["amount"] == "123456789012345679"
    check_one_native_refund(chain, settler, o, out, settler_before)
    record = store.get("refund:" + o.key.hex())
    assert record is not None and (record["state"], record["asset"]) == ("refunded", "native")
    assert s.refund(o) == out
    assert native_settlement(chain, deployment, key, store).refund(o) == out  # a restart on the same store
    assert chain.tx_count(settler) == 1
    check_one_native_refund(chain, settler, o, out, settler_before)
    assert s.reconcile() == []


def test_native_crash_between_record_and_send_broadcasts_the_recorded_bytes_once(chain: Chain, deployment: dict) -> None:
    key = native_settler(chain, 10 * ETH)
    settler = pay402.private_key_to_address(key)
    store = MemoryPendingStore()
    crashing = native_settlement(chain, deployment, key, store)
    crashing.rpc = CrashingRpc([chain.url])
    o = native_order(deployment, fresh_address(), 7 * 10**15)
    settler_before = eth_balance(chain, settler)
    with pytest.raises(RuntimeError):
        crashing.refund(o)
    record = store.get("refund:" + o.key.hex())
    assert record is not None and record["state"] == "signed"
    assert chain.rpc("eth_getTransactionByHash", record["hash"]) is None  # recorded, never sent
    assert eth_balance(chain, o.to) == 0 and chain.tx_count(settler) == 0
    out = native_settlement(chain, deployment, key, store).refund(o)  # the next process
    assert out["transaction"] == record["hash"]
    check_one_native_refund(chain, settler, o, out, settler_before)
    assert native_settlement(chain, deployment, key, store).refund(o) == out
    assert chain.tx_count(settler) == 1


def test_native_concurrent_calls_with_one_key_pay_once(chain: Chain, deployment: dict) -> None:
    key = native_settler(chain, 10 * ETH)
    settler = pay402.private_key_to_address(key)
    store = MemoryPendingStore()
    o = native_order(deployment, fresh_address(), 10**15)
    settler_before = eth_balance(chain, settler)
    result = refund_at_once(8, lambda: native_settlement(chain, deployment, key, store), o)
    check_one_native_refund(chain, settler, o, result, settler_before)
    assert chain.tx_count(settler) == 1


def test_native_a_settler_without_the_coin_sends_nothing(chain: Chain, deployment: dict) -> None:
    key = native_settler(chain, 10**15)  # 0.001 ETH: less than the refund
    settler = pay402.private_key_to_address(key)
    store = MemoryPendingStore()
    o = native_order(deployment, fresh_address(), 10**16)
    out = native_settlement(chain, deployment, key, store).refund(o)
    assert (out["success"], out["errorReason"], out["transaction"], out["asset"]) == \
        (False, "refund_send_failed", "", "native"), out
    assert out["errorMessage"], out
    assert store.keys() == []  # nothing signed, nothing recorded: a later call may try again
    assert chain.tx_count(settler) == 0 and eth_balance(chain, settler) == 10**15 and eth_balance(chain, o.to) == 0


def test_native_a_recipient_that_refuses_the_coin_sends_nothing(chain: Chain, deployment: dict) -> None:
    key = native_settler(chain, 10 * ETH)
    settler = pay402.private_key_to_address(key)
    store = MemoryPendingStore()
    refusing = chain.token  # a contract without a payable fallback: a value transfer to it reverts
    before = eth_balance(chain, refusing)
    o = native_order(deployment, refusing, 10**15)
    out = native_settlement(chain, deployment, key, store).refund(o)
    assert (out["success"], out["errorReason"], out["transaction"]) == (False, "refund_send_failed", ""), out
    assert store.keys() == []
    assert chain.tx_count(settler) == 0 and eth_balance(chain, settler) == 10 * ETH
    assert eth_balance(chain, refusing) == before


def test_native_no_receipt_in_time_is_pending_and_reconcile_reports_it_once(chain: Chain, deployment: dict) -> None:
    key = native_settler(chain, 10 * ETH)
    settler = pay402.private_key_to_address(key)
    store = MemoryPendingStore()
    s = native_settlement(chain, deployment, key, store, receipt_timeout=0.5, poll_interval=0.1)
    o = native_order(deployment, fresh_address(), 4_242)
    settler_before = eth_balance(chain, settler)
    chain.rpc("evm_setAutomine", False)
    try:
        out = s.refund(o)
        assert (out["success"], out["errorReason"]) == (False, "refund_pending"), out
        assert s.reconcile() == []
        again = s.refund(o)
        assert (again["errorReason"], again["transaction"]) == ("refund_pending", out["transaction"])
        chain.rpc("evm_mine")
    finally:
        chain.rpc("evm_setAutomine", True)
    ended = s.reconcile()
    assert len(ended) == 1 and ended[0]["success"] is True and ended[0]["transaction"] == out["transaction"]
    assert s.reconcile() == []
    assert s.refund(o) == ended[0]
    check_one_native_refund(chain, settler, o, ended[0], settler_before)


# --- two processes sharing Redis ---------------------------------------------------------------------------------

REDIS_URL = os.environ.get("PAY402_REFUND_REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="PAY402_REFUND_REDIS_URL is not set (run.sh's refunds block sets it)")

CHILD = r"""
import json, os, sys
import pay402, redis
from pay402.facilitator_server import RedisPendingStore
from pay402.settle import LocalEvmSettlement, PrivateKeySigner
from pay402.settle.rpc import EvmJsonRpc
url, network, rpc_url, key, prefix, kill, gate = sys.argv[1:8]
order = pay402.RefundOrder(bytes.fromhex(os.environ["ORDER_KEY"]), network, os.environ["ORDER_ASSET"],
                           os.environ["ORDER_TO"], int(os.environ["ORDER_AMOUNT"]))
class Rpc(EvmJsonRpc):
    def send_raw_transaction(self, raw):
        if kill == "1":
            os._exit(9)  # killed after the record is stored, before the send
        return super().send_raw_transaction(raw)
s = LocalEvmSettlement(network, rpc=Rpc([rpc_url]), signer=PrivateKeySigner(key),
                       pending_store=RedisPendingStore(redis.Redis.from_url(url), prefix=prefix))
s.check_chain()
while gate != "-" and not os.path.exists(gate):
    pass
print(json.dumps(s.refund(order)))
"""


def child(deployment: dict, o: pay402.RefundOrder, prefix: str, kill: bool, gate: str = "-",
          key: str = SETTLER_KEY) -> subprocess.Popen:
    env = dict(os.environ, ORDER_KEY=o.key.hex(), ORDER_ASSET=o.asset, ORDER_TO=o.to, ORDER_AMOUNT=str(o.amount))
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(REDIS_URL), deployment["network"], os.environ["PAY402_CHAIN_RPC"],
         key, prefix, "1" if kill else "0", gate],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)


@needs_redis
def test_two_processes_sharing_redis_pay_once(chain: Chain, deployment: dict, tmp_path: Path) -> None:
    fund_settler(chain, 1_000_000)
    o = order(deployment, fresh_address(), 31_337)
    prefix = f"pay402:test-refund:{os.urandom(4).hex()}:"
    before, settler_before, nonce = chain.block_number(), chain.balance_of(SETTLER), chain.tx_count(SETTLER)
    gate = tmp_path / "go"
    procs = [child(deployment, o, prefix, kill=False, gate=str(gate)) for _ in range(2)]
    gate.write_text("go")  # both start refund() at once
    outs = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=120)
        assert p.returncode == 0, stderr
        outs.append(json.loads(stdout))
    assert outs[0] == outs[1], outs
    check_one_refund(chain, o, outs[0], before, settler_before)
    assert chain.tx_count(SETTLER) == nonce + 1


@needs_redis
def test_a_process_killed_after_the_record_is_stored_is_finished_by_the_next_through_redis(chain: Chain, deployment: dict) -> None:
    fund_settler(chain, 1_000_000)
    o = order(deployment, fresh_address(), 8_080)
    prefix = f"pay402:test-refund:{os.urandom(4).hex()}:"
    before, settler_before, nonce = chain.block_number(), chain.balance_of(SETTLER), chain.tx_count(SETTLER)
    killed = child(deployment, o, prefix, kill=True)
    killed.communicate(timeout=120)
    assert killed.returncode == 9
    import redis  # the test requirements pin it

    client = redis.Redis.from_url(str(REDIS_URL))
    record = json.loads(client.get(prefix + "refund:" + o.key.hex()))
    assert record["state"] == "signed"
    assert client.ttl(prefix + "refund:" + o.key.hex()) == -1, "a refund record never expires"
    assert chain.rpc("eth_getTransactionByHash", record["hash"]) is None
    assert chain.tx_count(SETTLER) == nonce
    nxt = child(deployment, o, prefix, kill=False)
    stdout, stderr = nxt.communicate(timeout=120)
    assert nxt.returncode == 0, stderr
    out = json.loads(stdout)
    assert out["transaction"] == record["hash"]
    check_one_refund(chain, o, out, before, settler_before)
    assert chain.tx_count(SETTLER) == nonce + 1


@needs_redis
def test_native_two_processes_sharing_redis_pay_once_and_a_killed_one_is_finished_by_the_next(
        chain: Chain, deployment: dict, tmp_path: Path) -> None:
    key = native_settler(chain, 10 * ETH)
    settler = pay402.private_key_to_address(key)
    o = native_order(deployment, fresh_address(), 3 * 10**15)
    prefix = f"pay402:test-refund:{os.urandom(4).hex()}:"
    before = eth_balance(chain, settler)
    gate = tmp_path / "go"
    procs = [child(deployment, o, prefix, kill=False, gate=str(gate), key=key) for _ in range(2)]
    gate.write_text("go")  # both start refund() at once
    outs = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=120)
        assert p.returncode == 0, stderr
        outs.append(json.loads(stdout))
    assert outs[0] == outs[1], outs
    check_one_native_refund(chain, settler, o, outs[0], before)
    assert chain.tx_count(settler) == 1

    o2 = native_order(deployment, fresh_address(), 2 * 10**15)  # killed after the record is stored
    before = eth_balance(chain, settler)
    killed = child(deployment, o2, prefix, kill=True, key=key)
    killed.communicate(timeout=120)
    assert killed.returncode == 9
    import redis  # the test requirements pin it

    record = json.loads(redis.Redis.from_url(str(REDIS_URL)).get(prefix + "refund:" + o2.key.hex()))
    assert (record["state"], record["asset"]) == ("signed", "native")
    assert chain.rpc("eth_getTransactionByHash", record["hash"]) is None and chain.tx_count(settler) == 1
    nxt = child(deployment, o2, prefix, kill=False, key=key)
    stdout, stderr = nxt.communicate(timeout=120)
    assert nxt.returncode == 0, stderr
    out = json.loads(stdout)
    assert out["transaction"] == record["hash"]
    check_one_native_refund(chain, settler, o2, out, before)
    assert chain.tx_count(settler) == 2
