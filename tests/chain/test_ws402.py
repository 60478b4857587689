"""WS402 sessions paid and settled for real on the local Hardhat chain: `pay402.ws402.Ws402Endpoint` served by
uvicorn on 127.0.0.1, a `websockets` client paying the schema's `paymentDetails` with pay402's `X402Payer`, and
`pay402.settle.LocalEvmSettlement` (Hardhat account #7) settling and refunding.

- `exact` EIP-3009: the prepayment is settled before `session_started` (payer → the settler, which is the
  `payTo` and so holds what it refunds); at the end `LocalEvmSettlement.refund` pays `paid − consumed` back to
  the payer with an ERC-20 `transfer`. Amounts above 2^53.
- `upto` through Permit2Lite and the x402 upto proxy: nothing moves before the session; at the end exactly
  `consumed` moves payer → payee, and no refund transaction exists.

The server's clock is injected (it starts at chain time), so `consumed = floor(price × ms / 1000)` is computed
here from the test's timeline; the money is read back from the node: the token's `Transfer` logs (eth_getLogs)
and `balanceOf` before and after.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from typing import Any, Dict, List

import pay402
import pytest
from pay402.client import Budget, X402Payer
from pay402.settle import LocalEvmSettlement, PrivateKeySigner

websockets_client = pytest.importorskip("websockets.asyncio.client", reason="websockets (requirements.txt)")

import chain as chain_helpers  # noqa: E402
from chain import Chain  # noqa: E402
from pay402.ws402 import Ws402Endpoint, Ws402ServerSession  # noqa: E402
from test_middleware import uvicorn_on_loopback  # noqa: E402
from test_permit2_settlement import Payer as Permit2Payer  # noqa: E402
from test_permit2_settlement import new_payee  # noqa: E402

# Hardhat account #7: a public test key, local node only
SETTLER_KEY = "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356"
SETTLER = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955"
TRANSFER_TOPIC = "0x" + pay402.keccak256(b"Transfer(address,address,uint256)").hex()


class Clock:
    """The server's clock (Unix seconds), moved by the test in whole milliseconds."""

    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> float:
        return self.ms / 1000


def topic(address: str) -> str:
    return "0x" + "0" * 24 + address[2:].lower()


def transfers(chain: Chain, since_block: int, frm: str, to: str) -> List[int]:
    """The token's Transfer amounts from `frm` to `to` mined after `since_block`."""
    logs = chain.rpc("eth_getLogs", {"fromBlock": hex(since_block + 1), "toBlock": "latest", "address": chain.token,
                                     "topics": [TRANSFER_TOPIC, topic(frm), topic(to)]})
    return [int(log["data"], 16) for log in logs]


def settlement(chain: Chain, deployment: dict) -> LocalEvmSettlement:
    return LocalEvmSettlement(deployment["network"], [chain.url], PrivateKeySigner(SETTLER_KEY), clock=chain.now)


async def echo(session: Ws402ServerSession) -> None:
    async for msg in session:
        await session.send_text(f"echo {msg}")


def run_session(url: str, ep: Ws402Endpoint, payer: X402Payer, clock: Clock, active_ms: int) -> Dict[str, Any]:
    """Pays the schema with `payer`, starts the session, exchanges one frame, closes `active_ms` after the start
    on the server's clock; returns `session_started`."""

    async def client() -> Dict[str, Any]:
        with urllib.request.urlopen(url, timeout=10) as r:
            schema = json.loads(r.read())
        prepared = payer.prepare(json.dumps(schema["paymentDetails"]))
        async with websockets_client.connect("ws" + url[4:]) as ws:
            await ws.send(json.dumps({"type": "payment_proof", "proof": prepared.header_value}))
            started = json.loads(await asyncio.wait_for(ws.recv(), 60))
            assert started["type"] == "session_started", started
            prepared.reservation.commit()
            await ws.send("hello")
            assert await asyncio.wait_for(ws.recv(), 10) == "echo hello"
            clock.ms += active_ms
            await ws.close()
        deadline = time.monotonic() + 60
        while not ep.statements:
            assert time.monotonic() < deadline, "the session did not finish"
            await asyncio.sleep(0.05)
        assert isinstance(started, dict)
        return started

    started: Dict[str, Any] = asyncio.run(client())
    return started


def test_exact_eip3009_session_settles_the_prepayment_and_refunds_the_unused_part_on_chain(chain: Chain, deployment: dict) -> None:
    per_second, estimated = 10**15, 300
    paid = per_second * estimated  # 3×10^17 > 2^53
    payer = chain_helpers.Payer(chain, 10**18)
    clock = Clock(chain.now() * 1000)
    ep = Ws402Endpoint(network=deployment["network"], pay_to=SETTLER, asset=deployment["token"],
                       eip712_name=deployment["name"], eip712_version=deployment["version"],
                       price_per_second=per_second, estimated_duration=estimated,
                       settlement=settlement(chain, deployment), clock=clock, timer_poll=0.01, update_interval=0)
    ep.session(echo)
    client_payer = X402Payer(payer.key, networks=[deployment["network"]], assets=[deployment["token"]],
                             budget=Budget(per_request=paid, total=paid), clock=clock)
    block = chain.block_number()
    payer_before, settler_before = chain.balance_of(payer.address), chain.balance_of(SETTLER)
    with uvicorn_on_loopback(ep.asgi) as url:
        started = run_session(url + "/ws402", ep, client_payer, clock, 12_345)
    consumed = per_second * 12_345 // 1000
    refund = paid - consumed
    assert started["balance"] == str(paid)
    assert consumed > 2**53 and refund > 2**53
    assert transfers(chain, block, payer.address, SETTLER) == [paid]  # the prepayment, once
    assert transfers(chain, block, SETTLER, payer.address) == [refund]  # the refund, once, to the payer
    assert chain.balance_of(payer.address) == payer_before - consumed
    assert chain.balance_of(SETTLER) == settler_before + consumed
    st = ep.statements[0]
    assert (st.plan, st.reason, st.paid, st.consumed) == ("exact", "client_close", paid, consumed)
    assert (st.settlement_status, st.refund_amount, st.refund_status) == ("settled", refund, "confirmed")


def test_upto_session_settles_exactly_the_consumed_amount_through_permit2_on_chain(chain: Chain, deployment: dict) -> None:
    per_second, estimated = 1_000, 60
    maximum = per_second * estimated
    payer = Permit2Payer(chain)
    payee = new_payee()
    clock = Clock(chain.now() * 1000)
    ep = Ws402Endpoint(network=deployment["network"], pay_to=payee, asset=deployment["token"], scheme="upto",
                       facilitator=SETTLER, price_per_second=per_second, estimated_duration=estimated,
                       max_session_duration=600, settlement=settlement(chain, deployment), clock=clock,
                       timer_poll=0.01, update_interval=0)
    ep.session(echo)
    client_payer = X402Payer(payer.key, networks=[deployment["network"]], assets=[deployment["token"]],
                             budget=Budget(per_request=maximum, total=maximum), clock=clock, permit2_allowance=chain.url)
    block = chain.block_number()
    payer_before = chain.balance_of(payer.address)
    settler_nonce = chain.tx_count(SETTLER)
    with uvicorn_on_loopback(ep.asgi) as url:
        started = run_session(url + "/ws402", ep, client_payer, clock, 2_750)
    consumed = per_second * 2_750 // 1000
    assert started["balance"] == str(maximum)
    assert transfers(chain, block, payer.address, payee) == [consumed]  # exactly the consumed amount, once
    assert chain.balance_of(payee) == consumed
    assert chain.balance_of(payer.address) == payer_before - consumed
    assert chain.tx_count(SETTLER) == settler_nonce + 1  # one settlement transaction, no refund
    st = ep.statements[0]
    assert (st.plan, st.paid, st.consumed, st.settlement_amount, st.settlement_status) == ("upto", maximum, consumed, consumed, "settled")
    assert st.refund_amount is None


def test_upto_session_paid_by_pay402_ws402_connect_commits_the_settled_amount_to_the_budget(chain: Chain, deployment: dict) -> None:
    from pay402.ws402 import connect

    per_second, estimated = 500, 120
    maximum = per_second * estimated
    payer = Permit2Payer(chain)
    payee = new_payee()
    clock = Clock(chain.now() * 1000)
    ep = Ws402Endpoint(network=deployment["network"], pay_to=payee, asset=deployment["token"], scheme="upto",
                       facilitator=SETTLER, price_per_second=per_second, estimated_duration=estimated,
                       max_session_duration=600, settlement=settlement(chain, deployment), clock=clock,
                       timer_poll=0.01, update_interval=1.0)

    @ep.session
    async def quotes(session: Ws402ServerSession) -> None:
        await session.send_text("quote")
        async for _ in session:
            pass

    client_payer = X402Payer(payer.key, networks=[deployment["network"]], assets=[deployment["token"]],
                             budget=Budget(per_request=maximum, total=maximum), clock=clock, permit2_allowance=chain.url)
    block = chain.block_number()

    async def main(url: str) -> Any:
        async with connect(url, client_payer) as session:
            async for frame in session:
                assert frame == "quote"
                clock.ms += 1_000  # the first usage_update is due
                break
            deadline = time.monotonic() + 30
            while session.consumed == 0:
                assert time.monotonic() < deadline, "no usage_update"
                await asyncio.sleep(0.01)
            clock.ms += 3_210
        return session

    with uvicorn_on_loopback(ep.asgi) as url:
        session = asyncio.run(main(url + "/quotes"))
        deadline = time.monotonic() + 60
        while not ep.statements:
            assert time.monotonic() < deadline, "the session did not finish"
            time.sleep(0.05)
    consumed = per_second * 4_210 // 1000
    assert session.consumed == consumed and session.balance == maximum
    assert transfers(chain, block, payer.address, payee) == [consumed]
    assert ep.statements[0].settlement_amount == consumed
    # the budget counts what the tracker saw consumed (the server's statement when it sends one)
    assert client_payer.budget.spent == consumed
