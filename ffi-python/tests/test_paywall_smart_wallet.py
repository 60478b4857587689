"""Smart-wallet payers through X402Paywall (FastAPI + pay402's ASGI middleware, Starlette's test
client): with an RPC the paywall admits through the core's admission with the chain (eth_getCode,
then one eth_call); without one it refuses saying why; a failed read is never an admission. The
fake RPC answers with the specifications' constants, never values from pay402: EIP-1271's magic
value 0x1626ba7e (https://eips.ethereum.org/EIPS/eip-1271), the ERC-6492 wrapper and suffix
(https://eips.ethereum.org/EIPS/eip-6492), Multicall3's address and tryAggregate selector and
Result[] encoding (https://github.com/mds1/multicall3). The payment is the x402 v2 specification's
EIP-3009 example (https://github.com/coinbase/x402, specs/schemes/exact/scheme_exact_evm.md) with a
wallet's signature."""

from __future__ import annotations

import base64
import json
from typing import Any, Dict, List, Optional, Tuple

import pytest

pytest.importorskip("httpx", reason="httpx not installed (ffi-python/tests/requirements-web.txt)")
pytest.importorskip("fastapi", reason="fastapi not installed (ffi-python/tests/requirements-web.txt)")

from fastapi import FastAPI, Request  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

import pay402  # noqa: E402
from pay402.errors import ConfigurationError  # noqa: E402
from pay402.server import X402Paywall  # noqa: E402
from pay402.server.asgi import PaymentMiddleware  # noqa: E402
from web_support import CountingSettlement  # noqa: E402

ASSET = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"
PAY_TO = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"
PAYER = "0x857b06519E91e3A54538791bDbb0E22373e36b66"
NOW = 1740672100
MAGIC = bytes.fromhex("1626ba7e") + bytes(28)
MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11"
TRY_AGGREGATE = bytes.fromhex("bce38bd7")
FACTORY = "0x" + "fa" * 20
FACTORY_CALLDATA = bytes.fromhex("5fbfb9cf") + bytes(64)
WALLET_SIGNATURE = bytes([0xAB]) * 100


def word(n: int) -> bytes:
    return n.to_bytes(32, "big")


def padded(b: bytes) -> bytes:
    return word(len(b)) + b + bytes(-len(b) % 32)


def erc6492(factory: str, calldata: bytes, inner: bytes) -> bytes:
    first = padded(calldata)
    return (bytes(12) + bytes.fromhex(factory[2:]) + word(96) + word(96 + len(first)) + first + padded(inner)
            + bytes.fromhex("6492" * 16))


def multicall_results(second: bool) -> bytes:
    """tryAggregate's Result[] of two calls: [(true, 0x), (second, 0x)]."""
    return b"".join(word(w) for w in (0x20, 2, 0x40, 0xA0, 1, 0x40, 0, int(second), 0x40, 0))


def header(signature: bytes) -> str:
    accepted = {"scheme": "exact", "network": "eip155:84532", "amount": "10000", "asset": ASSET, "payTo": PAY_TO,
                "maxTimeoutSeconds": 60, "extra": {"name": "USDC", "version": "2"}}
    payment = {"x402Version": 2, "accepted": accepted, "payload": {
        "signature": "0x" + signature.hex(),
        "authorization": {"from": PAYER, "to": PAY_TO, "value": "10000", "validAfter": "1740672089",
                          "validBefore": "1740672154",
                          "nonce": "0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480"}}}
    return base64.b64encode(json.dumps(payment).encode()).decode()


class FakeRpc:
    def __init__(self, code: bytes, answer: Optional[bytes], fail: Optional[str] = None) -> None:
        self.code, self.answer, self.fail = code, answer, fail
        self.asked: List[Tuple[str, ...]] = []

    def get_code(self, address: str) -> bytes:
        self.asked.append(("get_code", address))
        if self.fail == "get_code":
            raise ConnectionError("node down")
        return self.code

    def call(self, to: str, data: bytes) -> Optional[bytes]:
        self.asked.append(("call", to, bytes(data).hex()))
        if self.fail == "call":
            raise ConnectionError("node down")
        return self.answer


def app_with(**kw: Any) -> Tuple[TestClient, List[str], CountingSettlement]:
    served: List[str] = []
    settlement = kw.pop("settlement", None) or CountingSettlement()
    app = FastAPI()

    @app.get("/premium")
    def premium(request: Request) -> Dict[str, Any]:
        served.append(request.scope["pay402"].payer)
        return {"payer": request.scope["pay402"].payer}

    paywall = X402Paywall({"GET /premium": 10_000}, network="eip155:84532", pay_to=PAY_TO, asset=ASSET, decimals=6,
                          eip712_name="USDC", eip712_version="2", settlement=settlement, clock=lambda: NOW, **kw)
    app.add_middleware(PaymentMiddleware, x402=paywall)
    return TestClient(app), served, settlement


def refusal(r: Any) -> Tuple[int, Optional[str], Optional[str]]:
    body = r.json()
    return r.status_code, body.get("error"), body.get("errorDetail")


def test_a_deployed_wallet_is_admitted_through_is_valid_signature() -> None:
    rpc = FakeRpc(bytes.fromhex("6080604052"), MAGIC)
    client, served, settlement = app_with(rpc=rpc)
    r = client.get("/premium", headers={"PAYMENT-SIGNATURE": header(WALLET_SIGNATURE)})
    assert r.status_code == 200, r.text
    assert served == [PAYER] and len(settlement.calls) == 1
    assert rpc.asked[0] == ("get_code", PAYER)
    (_, to, data), = rpc.asked[1:]
    assert to == PAYER and data.startswith("1626ba7e") and WALLET_SIGNATURE.hex() in data


def test_without_an_rpc_a_smart_wallet_is_refused_saying_it_needs_one() -> None:
    client, served, settlement = app_with()
    r = client.get("/premium", headers={"PAYMENT-SIGNATURE": header(WALLET_SIGNATURE)})
    assert refusal(r) == (402, "invalid_exact_evm_signature", "smart_wallet_needs_rpc")
    assert "payment-required" in r.headers
    assert served == [] and settlement.calls == []


def test_a_stranger_signature_is_eip1271_rejected_and_the_handler_never_runs() -> None:
    for answer, detail in ((bytes(32), "eip1271_rejected"), (None, "eip1271_reverted")):
        client, served, settlement = app_with(rpc=FakeRpc(b"\x60", answer))
        r = client.get("/premium", headers={"PAYMENT-SIGNATURE": header(WALLET_SIGNATURE)})
        assert refusal(r) == (402, "invalid_exact_evm_signature", detail)
        assert served == [] and settlement.calls == []


def test_an_undeployed_wallet_needs_its_factory_allow_listed_then_the_simulation_decides() -> None:
    signature = erc6492(FACTORY, FACTORY_CALLDATA, WALLET_SIGNATURE)
    client, served, _ = app_with(rpc=FakeRpc(b"", multicall_results(True)))
    r = client.get("/premium", headers={"PAYMENT-SIGNATURE": header(signature)})
    assert refusal(r) == (402, "eip6492_factory_not_allowed", None)
    rpc = FakeRpc(b"", multicall_results(True))
    client, served, _ = app_with(rpc=rpc, allowed_factories=[FACTORY])
    r = client.get("/premium", headers={"PAYMENT-SIGNATURE": header(signature)})
    assert r.status_code == 200, r.text
    assert served == [PAYER]
    (_, to, data), = rpc.asked[1:]
    assert to == MULTICALL3 and data.startswith(TRY_AGGREGATE.hex())
    client, served, _ = app_with(rpc=FakeRpc(b"", multicall_results(False)), allowed_factories=[FACTORY])
    r = client.get("/premium", headers={"PAYMENT-SIGNATURE": header(signature)})
    assert refusal(r) == (402, "invalid_exact_evm_signature", "erc6492_simulation_failed")
    assert served == []


@pytest.mark.parametrize("fail", ["get_code", "call"])
def test_a_failed_read_is_503_never_an_admission(fail: str) -> None:
    client, served, settlement = app_with(rpc=FakeRpc(b"\x60", MAGIC, fail=fail))
    r = client.get("/premium", headers={"PAYMENT-SIGNATURE": header(WALLET_SIGNATURE)})
    assert refusal(r) == (503, "smart_wallet_check_unavailable", None)
    assert served == [] and settlement.calls == []


def test_a_local_evm_settlement_lends_its_rpc_and_factories() -> None:
    from pay402.settle import LocalEvmSettlement

    rpc = FakeRpc(b"\x60", MAGIC)
    local = LocalEvmSettlement("eip155:84532", rpc=rpc, signer="0x" + "11" * 32,  # type: ignore[arg-type]
                               allowed_factories=[FACTORY])
    paywall = X402Paywall({"GET /premium": 10_000}, network="eip155:84532", pay_to=PAY_TO, settlement=local)
    assert (paywall.rpc, paywall.allowed_factories) == (rpc, [FACTORY])
    override = FakeRpc(b"", None)
    paywall = X402Paywall({"GET /premium": 10_000}, network="eip155:84532", pay_to=PAY_TO, settlement=local,
                          rpc=override, allowed_factories=[])
    assert (paywall.rpc, paywall.allowed_factories) == (override, [])


def test_an_rpc_without_get_code_and_call_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError) as e:
        X402Paywall({"GET /premium": 10_000}, network="eip155:84532", pay_to=PAY_TO, settlement="none",
                    rpc=object())
    assert e.value.code == "invalid_rpc"


def test_a_failed_deployment_is_the_cores_reason() -> None:
    s = pay402.EvmSettlement("eip155:84532", PAYER, "eip3009", None)
    r = s.deployment_failed("the factory call reverts")
    assert (r.success, r.error_reason, r.transaction) == (False, "smart_wallet_deployment_failed", "")
