"""Smart-wallet payers through a Python RPC object: verify_payment_with_rpc asks the object for the
payer's code, then (for a payer with code, or a counterfactual ERC-6492 wallet) makes one eth_call
and the core decides. The fake RPC answers with the constants of the specifications, never with
values taken from pay402: the EIP-1271 magic value 0x1626ba7e as an ABI-encoded bytes4
(https://eips.ethereum.org/EIPS/eip-1271), the 23-byte EIP-7702 delegation designator
0xef0100 || address (https://eips.ethereum.org/EIPS/eip-7702), the ERC-6492 wrapper
abi.encode(factory, factoryCalldata, signature) || 0x6492…6492 (https://eips.ethereum.org/EIPS/eip-6492)
and Multicall3 (https://github.com/mds1/multicall3). The payment is the x402 v2 specification's
EIP-3009 example (https://github.com/coinbase/x402, specs/schemes/exact/scheme_exact_evm.md)."""

import base64
import json
from typing import Any, Dict, List, Optional, Tuple

import pytest

import pay402

REQUIREMENTS: Dict[str, Any] = {
    "scheme": "exact",
    "network": "eip155:84532",
    "amount": "10000",
    "asset": "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
    "payTo": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
    "maxTimeoutSeconds": 60,
    "extra": {"name": "USDC", "version": "2"},
}
PAYER = "0x857b06519E91e3A54538791bDbb0E22373e36b66"
EOA_SIGNATURE = (
    "0x2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd"
    "15092f9ecab05ded3d6293af148b571c"
)
NOW = 1740672100

MAGIC = bytes.fromhex("1626ba7e") + bytes(28)  # isValidSignature's success return
IS_VALID_SIGNATURE = bytes.fromhex("1626ba7e")  # isValidSignature(bytes32,bytes)
ERC6492_SUFFIX = bytes.fromhex("6492" * 16)
MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11"
TRY_AGGREGATE = bytes.fromhex("bce38bd7")  # tryAggregate(bool,(address,bytes)[])
CONTRACT_CODE = bytes.fromhex("6080604052")
DELEGATE = "0x" + "22" * 20
DESIGNATOR = bytes.fromhex("ef0100") + bytes.fromhex(DELEGATE[2:])
FACTORY = "0x" + "fa" * 20
FACTORY_CALLDATA = bytes.fromhex("5fbfb9cf") + bytes(64)
SMART_SIGNATURE = bytes([0xAB]) * 100  # a wallet's own signature format: not an EOA's 65 bytes


def header(signature: str) -> str:
    payment = {
        "x402Version": 2,
        "accepted": REQUIREMENTS,
        "payload": {
            "signature": signature,
            "authorization": {
                "from": PAYER,
                "to": REQUIREMENTS["payTo"],
                "value": "10000",
                "validAfter": "1740672089",
                "validBefore": "1740672154",
                "nonce": "0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480",
            },
        },
    }
    return base64.b64encode(json.dumps(payment).encode()).decode()


def word(n: int) -> bytes:
    return n.to_bytes(32, "big")


def padded(b: bytes) -> bytes:
    return word(len(b)) + b + bytes(-len(b) % 32)


def erc6492(factory: str, calldata: bytes, inner: bytes) -> bytes:
    """abi.encode(address, bytes, bytes) || magic suffix."""
    head = bytes(12) + bytes.fromhex(factory[2:])
    first = padded(calldata)
    return head + word(96) + word(96 + len(first)) + first + padded(inner) + ERC6492_SUFFIX


def try_aggregate_result(*successes: bool) -> bytes:
    """abi.encode(Result[]) with Result = (bool success, bytes returnData), empty return data."""

    def item(ok: bool) -> bytes:
        return word(int(ok)) + word(64) + word(0)

    offsets = b"".join(word(32 * len(successes) + 96 * i) for i in range(len(successes)))
    return word(32) + word(len(successes)) + offsets + b"".join(item(ok) for ok in successes)


class FakeRpc:
    """Answers get_code and call from fixed values and records what it was asked."""

    def __init__(self, code: Any = b"", answer: Any = MAGIC, raises: Optional[str] = None) -> None:
        self.code = code
        self.answer = answer
        self.raises = raises
        self.asked: List[Tuple[str, ...]] = []
        self.calls: List[Tuple[str, bytes]] = []

    def get_code(self, address: str) -> Any:
        self.asked.append(("get_code", address))
        if self.raises == "get_code":
            raise ConnectionError("connection refused")
        return self.code

    def call(self, to: str, data: bytes) -> Any:
        self.calls.append((to, data))
        if self.raises == "call":
            raise TimeoutError("read timed out")
        return self.answer


def verify(rpc: FakeRpc, signature: str = EOA_SIGNATURE, factories: Tuple[str, ...] = ()) -> pay402.RpcVerified:
    return pay402.verify_payment_with_rpc(
        json.dumps(REQUIREMENTS), header(signature), rpc, now=NOW, allowed_factories=list(factories)
    )


def test_eoa_payer_without_code_is_recovered_and_needs_no_call() -> None:
    rpc = FakeRpc(code=b"")
    ok = verify(rpc)
    assert ok.route is None
    assert ok.verified.payer == PAYER
    assert ok.verified.amount == 10000
    assert rpc.asked == [("get_code", PAYER)]
    assert rpc.calls == []


def test_strict_offline_verification_keeps_refusing_a_smart_wallet_signature() -> None:
    with pytest.raises(pay402.X402Error) as e:
        pay402.verify_payment(json.dumps(REQUIREMENTS), header("0x" + SMART_SIGNATURE.hex()), now=NOW)
    assert e.value.code == "invalid_exact_evm_signature"
    assert e.value.detail_code == "smart_wallet_needs_rpc"


def test_contract_payer_is_checked_with_eip1271_on_the_payer() -> None:
    rpc = FakeRpc(code=CONTRACT_CODE, answer=MAGIC)
    ok = verify(rpc, "0x" + SMART_SIGNATURE.hex())
    assert ok.route == "eip1271"
    assert ok.verified.payer == PAYER
    [(to, data)] = rpc.calls
    assert to == PAYER
    assert data[:4] == IS_VALID_SIGNATURE
    # isValidSignature(bytes32 hash, bytes signature): the signature is the second argument
    assert data[36:68] == word(64) and data[68:100] == word(len(SMART_SIGNATURE))
    assert data[100 : 100 + len(SMART_SIGNATURE)] == SMART_SIGNATURE


@pytest.mark.parametrize(
    "answer,detail",
    [(bytes(32), "eip1271_rejected"), (bytes.fromhex("1626ba7f") + bytes(28), "eip1271_rejected"), (None, "eip1271_reverted")],
    ids=["zero word", "another bytes4", "reverted"],
)
def test_contract_payer_refused_unless_the_magic_value_comes_back(answer: Optional[bytes], detail: str) -> None:
    with pytest.raises(pay402.X402Error) as e:
        verify(FakeRpc(code=CONTRACT_CODE, answer=answer), "0x" + SMART_SIGNATURE.hex())
    assert e.value.code == "invalid_exact_evm_signature"
    assert e.value.detail_code == detail


def test_eip7702_delegated_eoa_goes_to_eip1271_with_no_ecdsa_fallback() -> None:
    rpc = FakeRpc(code=DESIGNATOR, answer=MAGIC)
    ok = verify(rpc)
    assert ok.route == "eip7702_eip1271"
    assert rpc.calls[0][0] == PAYER
    # its 65-byte signature would recover the payer, but a delegated EOA's answer decides
    with pytest.raises(pay402.X402Error) as e:
        verify(FakeRpc(code=DESIGNATOR, answer=bytes(32)))
    assert e.value.detail_code == "eip1271_rejected"


def test_counterfactual_wallet_needs_an_allow_listed_factory() -> None:
    signature = "0x" + erc6492(FACTORY, FACTORY_CALLDATA, SMART_SIGNATURE).hex()
    rpc = FakeRpc(code=b"", answer=try_aggregate_result(True, True))
    with pytest.raises(pay402.X402Error) as e:
        verify(rpc, signature)
    assert e.value.code == "eip6492_factory_not_allowed"
    assert rpc.calls == []
    ok = verify(rpc, signature, factories=(FACTORY,))
    assert ok.route == "erc6492_counterfactual"
    [(to, data)] = rpc.calls
    assert to == MULTICALL3
    assert data[:4] == TRY_AGGREGATE
    assert FACTORY_CALLDATA in data and SMART_SIGNATURE in data


@pytest.mark.parametrize("answer", [try_aggregate_result(True, False), b""], ids=["transfer failed", "undecodable"])
def test_counterfactual_wallet_refused_when_the_simulation_fails(answer: bytes) -> None:
    signature = "0x" + erc6492(FACTORY, FACTORY_CALLDATA, SMART_SIGNATURE).hex()
    with pytest.raises(pay402.X402Error) as e:
        verify(FakeRpc(code=b"", answer=answer), signature, factories=(FACTORY,))
    assert e.value.code == "invalid_exact_evm_signature"
    assert e.value.detail_code == "erc6492_simulation_failed"


@pytest.mark.parametrize("where", ["get_code", "call"])
def test_an_rpc_that_raises_fails_closed_with_the_exception_as_cause(where: str) -> None:
    with pytest.raises(pay402.X402Error) as e:
        verify(FakeRpc(code=CONTRACT_CODE, raises=where), "0x" + SMART_SIGNATURE.hex())
    assert e.value.code == "rpc_unavailable"
    assert isinstance(e.value.__cause__, (ConnectionError, TimeoutError))


@pytest.mark.parametrize("code", ["0x", None, 7], ids=["hex text", "None", "int"])
def test_get_code_must_return_bytes(code: Any) -> None:
    with pytest.raises(pay402.X402Error) as e:
        verify(FakeRpc(code=code))
    assert e.value.code == "invalid_rpc_result"


def test_route_signature_is_the_pure_routing() -> None:
    r = pay402.route_signature(erc6492(FACTORY, FACTORY_CALLDATA, SMART_SIGNATURE), b"", allowed_factories=[FACTORY])
    assert (r.route, r.signature, r.factory_calldata) == ("erc6492_counterfactual", SMART_SIGNATURE, FACTORY_CALLDATA)
    assert r.factory is not None and r.factory.lower() == FACTORY
    r = pay402.route_signature(EOA_SIGNATURE, DESIGNATOR, allowed_factories=[])
    assert (r.route, r.delegate) == ("eip7702_eip1271", DELEGATE)
    with pytest.raises(pay402.X402Error) as e:
        pay402.route_signature(SMART_SIGNATURE, b"", allowed_factories=[])
    assert e.value.code == "invalid_exact_evm_payload_undeployed_smart_wallet"


# transferWithAuthorization's two overloads: EIP-3009's (v, r, s) and USDC v2.2's (bytes signature)
VRS_SELECTOR = pay402.keccak256(
    b"transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32)")[:4]
BYTES_SELECTOR = pay402.keccak256(
    b"transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)")[:4]


def bytes_argument(data: bytes) -> bytes:
    """The `bytes signature` of a bytes-overload call: its offset is the 7th head word."""
    offset = int.from_bytes(data[4 + 6 * 32 : 4 + 7 * 32], "big")
    length = int.from_bytes(data[4 + offset : 4 + offset + 32], "big")
    return data[4 + offset + 32 : 4 + offset + 32 + length]


@pytest.mark.parametrize("route", ["eip1271", "eip7702_eip1271", "erc6492_counterfactual"])
def test_settle_calldata_of_a_smart_wallet_is_the_bytes_overload_with_the_inner_signature(route: str) -> None:
    """A wallet owner's 65-byte signature, checked by the wallet: the bytes overload, never v, r, s."""
    eoa = bytes.fromhex(EOA_SIGNATURE[2:])
    req = json.dumps(REQUIREMENTS)
    for sent in (eoa, erc6492(FACTORY, FACTORY_CALLDATA, eoa)):
        call = pay402.x402_settle_calldata(req, header("0x" + sent.hex()), route=route)
        data = bytes(call.data)
        assert data[:4] == BYTES_SELECTOR and bytes_argument(data) == eoa
        assert call.to == REQUIREMENTS["asset"]


def test_settle_calldata_of_an_eoa_keeps_the_vrs_overload() -> None:
    req = json.dumps(REQUIREMENTS)
    for route in (None, "ecdsa"):
        data = bytes(pay402.x402_settle_calldata(req, header(EOA_SIGNATURE), route=route).data)
        assert data[:4] == VRS_SELECTOR and len(data) == 4 + 9 * 32
    data = bytes(pay402.x402_settle_calldata(req, header("0x" + SMART_SIGNATURE.hex())).data)
    assert data[:4] == BYTES_SELECTOR and bytes_argument(data) == SMART_SIGNATURE
    with pytest.raises(ValueError):
        pay402.x402_settle_calldata(req, header(EOA_SIGNATURE), route="eip1271 ")
