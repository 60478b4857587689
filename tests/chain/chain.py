"""Plain JSON-RPC access to the local Hardhat node, stdlib only (the facilitator is reached with pay402's
own `FacilitatorClient`).

No web3/eth-account: transactions are sent with `eth_sendTransaction` from Hardhat's unlocked test
accounts (the node signs them), ABI encoding of the few static calls is done by hand, and hashing
uses pay402's own `keccak256`. Payment signatures are pay402's (the system under test).
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Optional

import pay402

TIMEOUT = 30  # seconds, for every HTTP request

# Hardhat's default accounts (mnemonic "test test ... junk"), unlocked in `hardhat node`.
DEPLOYER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # #0: deployed the token, the only minter
FACILITATOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # #1: facilitator.mjs's gas wallet
SUBMITTER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"  # #2: sends transferWithAuthorization directly

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def selector(signature: str) -> bytes:
    return pay402.keccak256(signature.encode())[:4]


def word(value: Any) -> bytes:
    """One static ABI word: int (uint), 0x-address (20 bytes) or 0x-bytes32 / bytes."""
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        return value.to_bytes(32, "big")
    if isinstance(value, str):
        value = bytes.fromhex(value[2:] if value.startswith("0x") else value)
    assert isinstance(value, (bytes, bytearray)) and len(value) <= 32
    return bytes(value).rjust(32, b"\0") if len(value) == 20 else bytes(value).ljust(32, b"\0")


def call_data(signature: str, *args: Any) -> str:
    return "0x" + (selector(signature) + b"".join(word(a) for a in args)).hex()


class RpcError(Exception):
    def __init__(self, error: dict):
        super().__init__(error.get("message"))
        self.error = error

    @property
    def revert_reason(self) -> Optional[str]:
        """The `Error(string)` reason of a reverted eth_call, if any."""
        data = self.error.get("data")
        if isinstance(data, dict):
            data = data.get("data")
        if isinstance(data, str) and data.startswith("0x08c379a0"):
            raw = bytes.fromhex(data[10:])
            length = int.from_bytes(raw[32:64], "big")
            return raw[64 : 64 + length].decode()
        msg = self.error.get("message", "")
        marker = "reverted with reason string '"
        if marker in msg:
            return msg.split(marker, 1)[1].rsplit("'", 1)[0]
        return None


def post_json(url: str, body: Any) -> Any:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as e:
        raise AssertionError(f"{url}: HTTP {e.code}: {e.read()[:500]!r}") from None


@dataclass
class Receipt:
    tx_hash: str
    status: int
    block_number: int
    logs: list


class Chain:
    def __init__(self, rpc_url: str, token: str):
        self.url = rpc_url
        self.token = token
        self._id = 0

    def rpc(self, method: str, *params: Any) -> Any:
        self._id += 1
        out = post_json(self.url, {"jsonrpc": "2.0", "id": self._id, "method": method, "params": list(params)})
        if "error" in out:
            raise RpcError(out["error"])
        return out["result"]

    # --- reads ----------------------------------------------------------------------------------
    def call(self, data: str, to: Optional[str] = None, sender: str = SUBMITTER) -> str:
        return self.rpc("eth_call", {"from": sender, "to": to or self.token, "data": data}, "pending")

    def balance_of(self, who: str) -> int:
        return int(self.call(call_data("balanceOf(address)", who)), 16)

    def authorization_state(self, authorizer: str, nonce: str) -> bool:
        return int(self.call(call_data("authorizationState(address,bytes32)", authorizer, nonce)), 16) == 1

    def read_string(self, fn: str) -> str:
        raw = bytes.fromhex(self.call(call_data(fn))[2:])
        return raw[64 : 64 + int.from_bytes(raw[32:64], "big")].decode()

    def block_number(self) -> int:
        return int(self.rpc("eth_blockNumber"), 16)

    def latest_timestamp(self) -> int:
        return int(self.rpc("eth_getBlockByNumber", "latest", False)["timestamp"], 16)

    def now(self) -> int:
        """The time the next block will (at least) carry: chain time, never behind the wall clock."""
        return max(self.latest_timestamp(), int(time.time()))

    def tx_count(self, who: str) -> int:
        return int(self.rpc("eth_getTransactionCount", who, "latest"), 16)

    def receipt(self, tx_hash: str) -> Receipt:
        deadline = time.monotonic() + TIMEOUT
        while True:
            r = self.rpc("eth_getTransactionReceipt", tx_hash)
            if r is not None:
                return Receipt(r["transactionHash"], int(r["status"], 16), int(r["blockNumber"], 16), r["logs"])
            if time.monotonic() > deadline:
                raise TimeoutError(f"no receipt for {tx_hash}")
            time.sleep(0.1)

    # --- writes ---------------------------------------------------------------------------------
    def send(self, data: str, sender: str = SUBMITTER, to: Optional[str] = None, gas: int = 300_000) -> Receipt:
        """Sends a transaction (explicit gas: no estimate, so a reverting call is still mined) and
        waits for its receipt. The node keeps reverted transactions (status 0), as a real chain does."""
        tx_hash = self.rpc("eth_sendTransaction", {"from": sender, "to": to or self.token, "data": data, "gas": hex(gas)})
        return self.receipt(tx_hash)

    def mint(self, to: str, value: int) -> None:
        assert self.send(call_data("mint(address,uint256)", to, value), sender=DEPLOYER).status == 1

    def set_next_timestamp(self, ts: int) -> None:
        self.rpc("evm_setNextBlockTimestamp", hex(ts))


def split_signature(signature: str) -> tuple[bytes, bytes, int]:
    raw = bytes.fromhex(signature[2:])
    assert len(raw) == 65
    return raw[:32], raw[32:64], raw[64]


def twa_call_data(authorization: dict, signature: str) -> str:
    """`transferWithAuthorization(from,to,value,validAfter,validBefore,nonce,v,r,s)` (selector 0xe3ee160e)
    from an x402 `payload.authorization` and its 65-byte signature, passed through as is."""
    r, s, v = split_signature(signature)
    a = authorization
    return call_data(
        "transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32)",
        a["from"], a["to"], int(a["value"]), int(a["validAfter"]), int(a["validBefore"]), a["nonce"], v, r, s,
    )


# --- payers and payments shared by the settlement tests ---------------------------------------------


class Payer:
    """A fresh payer key, minted `funding` of the token (and no ETH: it only signs)."""

    def __init__(self, chain: Chain, funding: int) -> None:
        self.key = os.urandom(32)
        self.address = pay402.private_key_to_address(self.key)
        chain.mint(self.address, funding)


def requirements(deployment: dict, pay_to: str, price: int) -> dict:
    """The x402 v2 `exact` EIP-3009 requirements for the deployed token."""
    return {
        "scheme": "exact", "network": deployment["network"], "amount": str(price), "asset": deployment["token"],
        "payTo": pay_to, "maxTimeoutSeconds": 300,
        "extra": {"name": deployment["name"], "version": deployment["version"]},
    }


def signed_payment(chain: Chain, req: dict, payer: Payer) -> dict:
    """`payer`'s payment for `req`, signed by pay402 at chain time, as the decoded payload."""
    required = json.dumps({"x402Version": 2, "resource": {"url": "http://127.0.0.1/x"}, "accepts": [req]})
    return json.loads(pay402.sign_payment(required, payer.key, now=chain.now(), nonce=os.urandom(32)).json)
