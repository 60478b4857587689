"""A client written for the original WS402 (the "seed", `ws402/ws402`: its Base example clients and README) pays
pay402's Python WS402 endpoint on the local Hardhat chain, unchanged.

The client below is written from the seed's documentation, in Python: it GETs the schema at the seed's path
(`/ws402/schema/<resourceId>?duration=…`), reads `paymentDetails.recipient`, `amountWei`, `chainId` and
`reference`, pays on chain itself with a key it holds (eth-account signs; native ETH as `value` to `recipient`, or
an ERC-20 `transfer(recipient, amountWei)` when `tokenAddress` is given), waits for the receipt, opens the socket at
`/?userId=…&resourceId=…` and sends `{"type":"payment_proof","proof":{"txHash","reference","senderAddress"}}`,
then reads `session_started` and `usage_update` and closes.

The endpoint is `pay402.ws402.Ws402Endpoint` with `chain_proof=ChainProof(...)`, mounted with Starlette routes at
the seed's paths, served by uvicorn on 127.0.0.1; `LocalEvmSettlement` (Hardhat account #7, the payee) pays the
refunds. Expected money comes from the protocol, not from pay402: the payee keeps exactly what was consumed
(`floor(price × active ms / 1000)`, the test's injected clock), the rest goes back once to the address the
transaction shows as the payer (never to `senderAddress`), and a transaction pays one session only. Every amount is
read back from the node: ETH balances with the gas of each receipt, the token's Transfer logs and `balanceOf`.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import urllib.request
from typing import Any, Dict, List, Optional, Tuple

import pay402
import pytest
from pay402.settle import LocalEvmSettlement, PrivateKeySigner

websockets_client = pytest.importorskip("websockets.asyncio.client", reason="websockets (requirements.txt)")
eth_account = pytest.importorskip("eth_account", reason="eth-account (requirements.txt, with x402[evm])")
pytest.importorskip("starlette", reason="starlette (requirements.txt)")

from chain import Chain, call_data  # noqa: E402
from pay402.ws402 import ChainProof, Ws402Endpoint, Ws402ServerSession  # noqa: E402
from test_middleware import uvicorn_on_loopback  # noqa: E402

# Hardhat account #7: a public test key, local node only. The payee: it receives the payments and pays the refunds.
SETTLER_KEY = "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356"
SETTLER = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955"
CHAIN_ID = 31337
TRANSFER_TOPIC = "0x" + pay402.keccak256(b"Transfer(address,address,uint256)").hex()
RESOURCE_ID = "premium-resource"


class Clock:
    """The server's clock (Unix seconds), moved by the test in whole milliseconds."""

    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> float:
        return self.ms / 1000


# --- the chain, read back --------------------------------------------------------------------------------------


def eth_balance(chain: Chain, who: str) -> int:
    return int(chain.rpc("eth_getBalance", who, "latest"), 16)


def raw_receipt(chain: Chain, tx_hash: str) -> Dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        r = chain.rpc("eth_getTransactionReceipt", tx_hash)
        if r is not None:
            assert isinstance(r, dict)
            return r
        assert time.monotonic() < deadline, f"no receipt for {tx_hash}"
        time.sleep(0.1)


def gas_paid(receipt: Dict[str, Any]) -> int:
    return int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)


def txs_from(chain: Chain, since_block: int, sender: str) -> List[Dict[str, Any]]:
    """Every transaction `sender` sent in the blocks after `since_block`."""
    out = []
    for n in range(since_block + 1, chain.block_number() + 1):
        block = chain.rpc("eth_getBlockByNumber", hex(n), True)
        out += [tx for tx in block["transactions"] if tx["from"].lower() == sender.lower()]
    return out


def topic(address: str) -> str:
    return "0x" + "0" * 24 + address[2:].lower()


def transfers(chain: Chain, since_block: int, frm: Optional[str], to: Optional[str]) -> List[int]:
    """The token's Transfer amounts from `frm` to `to` (None: anyone) mined after `since_block`."""
    topics = [TRANSFER_TOPIC, topic(frm) if frm else None, topic(to) if to else None]
    logs = chain.rpc("eth_getLogs", {"fromBlock": hex(since_block + 1), "toBlock": "latest", "address": chain.token,
                                     "topics": topics})
    return [int(log["data"], 16) for log in logs]


# --- the seed-style client ---------------------------------------------------------------------------------------


class Wallet:
    """A fresh key the client holds (as a browser wallet would), given ETH for gas and payments."""

    def __init__(self, chain: Chain, eth: int = 10**18) -> None:
        self.account = eth_account.Account.from_key(os.urandom(32))
        self.address: str = self.account.address
        chain.rpc("hardhat_setBalance", self.address, hex(eth))

    def send(self, chain: Chain, to: str, value: int = 0, data: str = "0x", gas: int = 100_000) -> Dict[str, Any]:
        """Signs and sends one EIP-1559 transaction; its receipt once mined."""
        base_fee = int(chain.rpc("eth_getBlockByNumber", "latest", False)["baseFeePerGas"], 16)
        tx = {
            "type": 2, "chainId": CHAIN_ID, "nonce": chain.tx_count(self.address), "to": to, "value": value,
            "data": data, "gas": gas, "maxPriorityFeePerGas": 10**9, "maxFeePerGas": 2 * base_fee + 10**9,
        }
        signed = self.account.sign_transaction(tx)
        raw = getattr(signed, "raw_transaction", None) or getattr(signed, "rawTransaction")
        tx_hash = chain.rpc("eth_sendRawTransaction", "0x" + bytes(raw).hex())
        receipt = raw_receipt(chain, tx_hash)
        assert int(receipt["status"], 16) == 1, receipt
        return receipt


def get_schema(base_url: str) -> Dict[str, Any]:
    """The seed client's first step: GET the schema (200 JSON)."""
    with urllib.request.urlopen(f"{base_url}/ws402/schema/{RESOURCE_ID}?duration=300", timeout=10) as r:
        assert r.status == 200
        schema = json.loads(r.read())
    assert isinstance(schema, dict)
    return schema


def pay(chain: Chain, wallet: Wallet, details: Dict[str, Any], *, amount: Optional[int] = None,
        to: Optional[str] = None) -> Dict[str, Any]:
    """Pays `paymentDetails` as the seed's clients do: native ETH `value` to `recipient`, or an ERC-20
    `transfer(recipient, amountWei)` to `tokenAddress`. `amount`/`to` change what is paid (the refusal cases)."""
    value = int(details["amountWei"]) if amount is None else amount
    recipient = details["recipient"] if to is None else to
    if details.get("tokenAddress"):
        return wallet.send(chain, details["tokenAddress"], data=call_data("transfer(address,uint256)", recipient, value))
    return wallet.send(chain, recipient, value=value, gas=21_000)


async def open_session(base_url: str, proof: Dict[str, Any], user_id: str = "user_k3j9x2a1b") -> Tuple[Any, Dict[str, Any]]:
    """Opens the seed's socket (`/?userId=&resourceId=`), sends the proof, returns the socket and the first frame."""
    ws_url = "ws" + base_url[4:] + f"/?userId={user_id}&resourceId={RESOURCE_ID}"
    ws = await websockets_client.connect(ws_url)
    await ws.send(json.dumps({"type": "payment_proof", "proof": proof}))
    first = json.loads(await asyncio.wait_for(ws.recv(), 60))
    assert isinstance(first, dict)
    return ws, first


async def rejected(base_url: str, proof: Dict[str, Any]) -> Tuple[Dict[str, Any], Optional[int]]:
    """The answer to a proof that must be refused, and the close code that follows it."""
    ws, first = await open_session(base_url, proof)
    try:
        await asyncio.wait_for(ws.recv(), 30)
    except Exception:  # noqa: BLE001 - the close ends the iteration
        pass
    await ws.wait_closed()
    return first, ws.close_code


# --- the endpoint ------------------------------------------------------------------------------------------------


def endpoint(chain: Chain, clock: Clock, per_second: int, estimated: int, asset: Optional[str] = None,
             x402_only: Optional[Dict[str, Any]] = None, **kw: Any) -> Ws402Endpoint:
    """A chain-proof endpoint selling native ETH (or the token `asset`); with `x402_only` (the deployment), an
    x402 `exact` endpoint of the token without chain proofs."""
    settlement = LocalEvmSettlement(f"eip155:{CHAIN_ID}", [chain.url], PrivateKeySigner(SETTLER_KEY), clock=chain.now)
    if x402_only is None:
        proof = ChainProof(chain_id=CHAIN_ID, pay_to=SETTLER, rpc_url=chain.url, asset=asset)
        ep = Ws402Endpoint(chain_proof=proof, price_per_second=per_second, estimated_duration=estimated,
                           settlement=settlement, clock=clock, timer_poll=0.01, update_interval=1.0, **kw)
    else:
        ep = Ws402Endpoint(network=x402_only["network"], pay_to=SETTLER, asset=x402_only["token"],
                           eip712_name=x402_only["name"], eip712_version=x402_only["version"], price_per_second=per_second, estimated_duration=estimated,
                           settlement=settlement, clock=clock, timer_poll=0.01, update_interval=1.0)

    @ep.session
    async def echo(session: Ws402ServerSession) -> None:
        async for msg in session:
            await session.send_text(f"echo {msg}")

    return ep


def seed_app(ep: Ws402Endpoint) -> Any:
    """The seed's paths on Starlette: the schema at /ws402/schema/{resourceId}, the socket at /."""
    from starlette.applications import Starlette

    return Starlette(routes=ep.routes("/", schema_path="/ws402/schema/{resource_id}"))


async def wait_statements(ep: Ws402Endpoint, n: int) -> None:
    deadline = time.monotonic() + 60
    while len(ep.statements) < n:
        assert time.monotonic() < deadline, "the session did not finish"
        await asyncio.sleep(0.05)


def paid_session(chain: Chain, ep: Ws402Endpoint, clock: Clock, base_url: str, wallet: Wallet, sender_address: str,
                 active_ms: int) -> Tuple[Dict[str, Any], Dict[str, Any], Dict[str, Any], Dict[str, Any]]:
    """The seed client's whole session: schema, payment, proof, `session_started`, one echo, one `usage_update`
    after a second on the server's clock, then a close `active_ms` after the start. Returns the schema's
    paymentDetails, the payment's receipt, `session_started` and the `usage_update`."""
    schema = get_schema(base_url)
    details = schema["paymentDetails"]
    receipt = pay(chain, wallet, details)
    # the server's clock: just after the block that holds the payment
    block = chain.rpc("eth_getBlockByNumber", receipt["blockNumber"], False)
    clock.ms = max(clock.ms, int(block["timestamp"], 16) * 1000 + 1_000)
    proof = {"txHash": receipt["transactionHash"], "reference": details["reference"], "senderAddress": sender_address}

    async def client() -> Tuple[Dict[str, Any], Dict[str, Any]]:
        ws, started = await open_session(base_url, proof)
        assert started["type"] == "session_started", started
        await ws.send("hello")
        assert await asyncio.wait_for(ws.recv(), 10) == "echo hello"
        clock.ms += 1_000  # the first usage_update is due
        while True:
            update = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if update["type"] == "usage_update":
                break
        clock.ms += active_ms - 1_000
        await ws.close()
        await wait_statements(ep, 1)
        return started, update

    started, update = asyncio.run(client())
    return details, receipt, started, update


# --- the cases ---------------------------------------------------------------------------------------------------


def test_native_eth_session_refunds_paid_minus_consumed_to_the_transactions_sender_not_to_sender_address(chain: Chain) -> None:
    per_second, estimated, active_ms = 10**12, 300, 12_345
    paid = per_second * estimated  # wei
    consumed = per_second * active_ms // 1000
    refund = paid - consumed
    clock = Clock(chain.now() * 1000)
    ep = endpoint(chain, clock, per_second, estimated)
    wallet = Wallet(chain)
    other = eth_account.Account.from_key(os.urandom(32)).address  # named as senderAddress: must receive nothing
    block = chain.block_number()
    payer_before, settler_before = eth_balance(chain, wallet.address), eth_balance(chain, SETTLER)
    with uvicorn_on_loopback(seed_app(ep)) as url:
        details, receipt, started, update = paid_session(chain, ep, clock, url, wallet, other, active_ms)

    # the schema speaks the seed's paymentDetails
    assert details["type"] == "base" and details["currency"] == "ETH" and "tokenAddress" not in details
    assert (details["chainId"], int(details["amountWei"])) == (CHAIN_ID, paid)
    assert details["recipient"] == SETTLER and details["reference"].startswith("base_")
    # the session: balance = what the payee received; the update meters one second
    assert int(started["balance"]) == paid and started["sessionId"]
    assert int(update["consumedAmount"]) == per_second and int(update["remainingBalance"]) == paid - per_second
    # the money: one refund transaction, settler → the transaction's `from`, of exactly paid − consumed
    refunds = txs_from(chain, block, SETTLER)
    assert len(refunds) == 1
    assert (refunds[0]["to"].lower(), int(refunds[0]["value"], 16)) == (wallet.address.lower(), refund)
    refund_receipt = raw_receipt(chain, refunds[0]["hash"])
    assert eth_balance(chain, wallet.address) == payer_before - paid - gas_paid(receipt) + refund
    assert eth_balance(chain, SETTLER) == settler_before + paid - refund - gas_paid(refund_receipt)
    assert eth_balance(chain, other) == 0
    st = ep.statements[0]
    assert (st.ending, st.reason, st.paid, st.consumed) == ("ended", "client_close", paid, consumed)
    assert (st.refund_amount, st.refund_status) == (refund, "confirmed")
    assert st.payer == wallet.address


def test_erc20_session_refunds_in_the_token_to_the_transfers_sender(chain: Chain) -> None:
    per_second, estimated, active_ms = 1_000, 600, 4_321
    paid = per_second * estimated
    consumed = per_second * active_ms // 1000
    refund = paid - consumed
    clock = Clock(chain.now() * 1000)
    ep = endpoint(chain, clock, per_second, estimated, asset=chain.token)
    wallet = Wallet(chain)
    chain.mint(wallet.address, 10**9)
    other = eth_account.Account.from_key(os.urandom(32)).address
    block = chain.block_number()
    payer_before, settler_before = chain.balance_of(wallet.address), chain.balance_of(SETTLER)
    settler_eth = eth_balance(chain, SETTLER)
    with uvicorn_on_loopback(seed_app(ep)) as url:
        details, receipt, started, update = paid_session(chain, ep, clock, url, wallet, other, active_ms)

    assert details["currency"] == "ERC20" and details["tokenAddress"].lower() == chain.token.lower()
    assert (details["chainId"], int(details["amountWei"]), details["recipient"]) == (CHAIN_ID, paid, SETTLER)
    assert int(started["balance"]) == paid
    assert int(update["consumedAmount"]) == per_second
    assert transfers(chain, block, wallet.address, SETTLER) == [paid]  # the client's payment, once
    assert transfers(chain, block, SETTLER, wallet.address) == [refund]  # the refund, once, in the token
    assert transfers(chain, block, None, other) == [] and chain.balance_of(other) == 0
    assert chain.balance_of(wallet.address) == payer_before - consumed
    assert chain.balance_of(SETTLER) == settler_before + consumed
    # no ETH left the payee but the refund's gas: the refund is not paid in the native coin
    refunds = txs_from(chain, block, SETTLER)
    assert len(refunds) == 1 and int(refunds[0]["value"], 16) == 0
    assert eth_balance(chain, SETTLER) == settler_eth - gas_paid(raw_receipt(chain, refunds[0]["hash"]))
    st = ep.statements[0]
    assert (st.paid, st.consumed, st.refund_amount, st.refund_status) == (paid, consumed, refund, "confirmed")


def test_the_same_transaction_on_a_second_socket_is_refused_and_refunded_once(chain: Chain) -> None:
    per_second, estimated, active_ms = 10**12, 100, 2_500
    paid = per_second * estimated
    clock = Clock(chain.now() * 1000)
    ep = endpoint(chain, clock, per_second, estimated)
    wallet = Wallet(chain)
    block = chain.block_number()
    with uvicorn_on_loopback(seed_app(ep)) as url:
        details, receipt, _, _ = paid_session(chain, ep, clock, url, wallet, wallet.address, active_ms)
        assert len(txs_from(chain, block, SETTLER)) == 1
        # a fresh schema (a fresh reference), the same transaction
        again = {"txHash": receipt["transactionHash"], "reference": get_schema(url)["paymentDetails"]["reference"],
                 "senderAddress": wallet.address}
        answer, code = asyncio.run(rejected(url, again))
        asyncio.run(wait_statements(ep, 2))
    assert answer == {"type": "payment_rejected", "reason": "payment_already_used"}
    assert code == 1008
    refunds = txs_from(chain, block, SETTLER)
    assert len(refunds) == 1  # the first session's refund only
    assert int(refunds[0]["value"], 16) == paid - per_second * active_ms // 1000
    assert (ep.statements[1].ending, ep.statements[1].reason) == ("rejected", "payment_already_used")


@pytest.mark.parametrize("case", ["amount_too_low", "wrong_payee"])
def test_a_payment_short_of_the_price_or_to_another_payee_is_refused(chain: Chain, case: str) -> None:
    per_second, estimated = 10**12, 100
    paid = per_second * estimated
    clock = Clock(chain.now() * 1000)
    ep = endpoint(chain, clock, per_second, estimated)
    wallet = Wallet(chain)
    elsewhere = eth_account.Account.from_key(os.urandom(32)).address
    block = chain.block_number()
    with uvicorn_on_loopback(seed_app(ep)) as url:
        details = get_schema(url)["paymentDetails"]
        if case == "amount_too_low":
            receipt = pay(chain, wallet, details, amount=paid - 1)
        else:
            receipt = pay(chain, wallet, details, to=elsewhere)
        mined = chain.rpc("eth_getBlockByNumber", receipt["blockNumber"], False)
        clock.ms = max(clock.ms, int(mined["timestamp"], 16) * 1000 + 1_000)
        proof = {"txHash": receipt["transactionHash"], "reference": details["reference"], "senderAddress": wallet.address}
        answer, code = asyncio.run(rejected(url, proof))
        asyncio.run(wait_statements(ep, 1))
    assert answer == {"type": "payment_rejected", "reason": case}
    assert code == 1008
    assert txs_from(chain, block, SETTLER) == []  # nothing paid back for a refused proof
    assert (ep.statements[0].ending, ep.statements[0].reason) == ("rejected", case)


def test_an_endpoint_without_chain_proofs_refuses_the_seeds_proof_object(chain: Chain, deployment: dict) -> None:
    per_second, estimated = 1_000, 60
    clock = Clock(chain.now() * 1000)
    ep = endpoint(chain, clock, per_second, estimated, x402_only=deployment)
    wallet = Wallet(chain)
    block = chain.block_number()
    with uvicorn_on_loopback(seed_app(ep)) as url:
        schema = get_schema(url)
        assert "recipient" not in schema["paymentDetails"]  # an x402 PaymentRequired only
        receipt = wallet.send(chain, SETTLER, value=per_second * estimated, gas=21_000)
        proof = {"txHash": receipt["transactionHash"], "reference": "base_1_abcdefghi", "senderAddress": wallet.address}
        answer, code = asyncio.run(rejected(url, proof))
        asyncio.run(wait_statements(ep, 1))
    assert answer == {"type": "payment_rejected", "reason": "legacy_proof_unsupported"}
    assert code == 1008
    assert txs_from(chain, block, SETTLER) == []



def test_a_dropped_on_chain_session_resumes_on_a_new_socket_and_refunds_once_to_the_payer(chain: Chain) -> None:
    """Beyond the seed (it has no resumption): with a server secret, an on-chain session dropped without a close
    frame is suspended (its time not billed) and resumed with pay402's `resume_session`; the refund is still
    paid − consumed, once, to the transaction's sender."""
    per_second, estimated = 10**12, 200
    paid = per_second * estimated
    consumed = per_second * (2_000 + 1_500) // 1000  # active before the drop + after the resume
    clock = Clock(chain.now() * 1000)
    ep = endpoint(chain, clock, per_second, estimated, secret=os.urandom(32), resume_grace=60)
    wallet = Wallet(chain)
    block = chain.block_number()
    payer_before = eth_balance(chain, wallet.address)
    with uvicorn_on_loopback(seed_app(ep)) as url:
        details = get_schema(url)["paymentDetails"]
        receipt = pay(chain, wallet, details)
        mined = chain.rpc("eth_getBlockByNumber", receipt["blockNumber"], False)
        clock.ms = max(clock.ms, int(mined["timestamp"], 16) * 1000 + 1_000)
        proof = {"txHash": receipt["transactionHash"], "reference": details["reference"], "senderAddress": wallet.address}

        async def client() -> Dict[str, Any]:
            ws, started = await open_session(url, proof)
            assert started["type"] == "session_started" and started["resumeToken"], started
            clock.ms += 2_000
            ws.transport.abort()  # no close frame: a lost connection
            await asyncio.sleep(0.5)
            clock.ms += 5_000  # suspended: not billed
            async with websockets_client.connect("ws" + url[4:] + "/") as again:
                await again.send(json.dumps({"type": "resume_session", "sessionId": started["sessionId"],
                                             "resumeToken": started["resumeToken"]}))
                resumed = json.loads(await asyncio.wait_for(again.recv(), 30))
                await again.send("hello")
                assert await asyncio.wait_for(again.recv(), 10) == "echo hello"
                clock.ms += 1_500
            await wait_statements(ep, 1)
            # the dropped connection's grace runs out on the server's clock: that side lost the session to the
            # resume (the record moved on), so it ends without a second settlement or refund
            clock.ms += 61_000
            await asyncio.sleep(1.0)
            assert isinstance(resumed, dict)
            return resumed

        resumed = asyncio.run(client())
    assert resumed["type"] == "session_resumed", resumed
    assert int(resumed["balance"]) == paid and int(resumed["consumedAmount"]) == per_second * 2
    refunds = txs_from(chain, block, SETTLER)
    assert len(refunds) == 1
    assert (refunds[0]["to"].lower(), int(refunds[0]["value"], 16)) == (wallet.address.lower(), paid - consumed)
    assert eth_balance(chain, wallet.address) == payer_before - paid - gas_paid(receipt) + paid - consumed
    assert len(ep.statements) == 1
    st = ep.statements[0]
    assert (st.paid, st.consumed, st.refund_amount, st.refund_status) == (paid, consumed, paid - consumed, "confirmed")
