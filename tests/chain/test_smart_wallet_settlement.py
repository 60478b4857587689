"""Smart-wallet payers pay: `pay402.settle.LocalEvmSettlement` settles an EIP-1271 wallet's and a
counterfactual ERC-6492 wallet's payment on the local Hardhat chain.

The contracts are `contracts/SmartWallet.sol`, deployed by `smart-wallet.mjs` (run.sh runs it before
pytest and exports `PAY402_SMART_WALLET_DEPLOYMENT`): `SignatureCheckerToken` (EIP-3009 with only the
`bytes` overload of `transferWithAuthorization`, checking a payer with code through EIP-1271), the
CREATE2 `OwnerWalletFactory` and its `OwnerWallet` (valid iff the owner signed the digest). Each test
makes its own wallets through the factory with a random salt (the wallets of smart-wallet.json are
left to `core/host/tests/chain_smart_wallet.rs`), funds them by minting, and signs the EIP-3009
authorization with the owner's key (`pay402.eip3009_sign`, `from` = the wallet). Every result is read
back from the node: the settler's transactions (sender, target, selector, nonce), the receipts,
the wallet's code, balances, `authorizationState`.

Covered: a deployed wallet pays (the `bytes` overload `0xcf092995`, one transaction); an undeployed
wallet pays with an ERC-6492 signature (the factory deployment mined first from the settler, the
wallet then has code, the transfer carries the inner signature); the same wallet deployed meanwhile
(no deployment sent); the factory not allow-listed (`eip6492_factory_not_allowed`, nothing sent); a
stranger's signature (`invalid_exact_evm_signature`, the wallet's EIP-1271 answer, nothing sent); and an
undeployed wallet paying through `pay402 facilitator` (a subprocess configured with `smart_wallets = true` and the
factory in `eip6492_allowed_factories`; pay402's `FacilitatorClient` calls its `/settle`): deployment, then transfer.

Through the paywall (FastAPI behind `X402Paywall` with `LocalEvmSettlement`, uvicorn on loopback, the
payment sent by httpx in `PAYMENT-SIGNATURE`): the paywall admits through the settlement's RPC (the
core's `admit_with_chain`: `eth_getCode`, then `isValidSignature` or the Multicall3 simulation) a
deployed wallet and an undeployed ERC-6492 wallet (its factory allow-listed) → 200, balances move;
without an RPC (a settlement hook that is not local) → 402, the offline detail (`smart_wallet_needs_rpc`
for the ERC-6492 signature, `signature_wrong_signer` for the owner's 65-byte ECDSA signature), the
handler not run; a stranger's signature → 402 `eip1271_rejected`, handler not run, nothing sent; the
RPC down during admission → 503 `smart_wallet_check_unavailable`, handler not run, nothing sent.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterator, Tuple

import httpx
import pay402
import pytest
from fastapi import FastAPI, Request
from pay402.asgi import PaymentMiddleware
from pay402.client import payment_receipt
from pay402.replay import MemoryReplayStore
from pay402.server import X402Paywall
from pay402.facilitator import FacilitatorClient
from pay402.settle import LocalEvmSettlement, PrivateKeySigner
from pay402.settle.rpc import EvmJsonRpc

from facilitator_process import FacilitatorProcess, free_port
from chain import DEPLOYER, SUBMITTER, Chain, call_data
from test_middleware import uvicorn_on_loopback

SETTLER_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"  # Hardhat #2
SETTLER = SUBMITTER
PRICE = 10_000
FUNDING = 1_000_000
BYTES_SELECTOR = "0xcf092995"  # transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)
DEPLOY_SELECTOR = "0x" + pay402.keccak256(b"deploy(address,bytes32)")[:4].hex()
# ERC-6492 (https://eips.ethereum.org/EIPS/eip-6492): the 32-byte magic suffix
MAGIC_6492 = bytes.fromhex("64926492" * 8)
NETWORK = "eip155:31337"
FAC_API_KEY = "sw-test-" + os.urandom(8).hex()


@pytest.fixture(scope="module")
def sw() -> dict:
    path = os.environ.get("PAY402_SMART_WALLET_DEPLOYMENT")
    if not path:
        pytest.fail("PAY402_SMART_WALLET_DEPLOYMENT is not set: run tests/chain/run.sh (smart-wallet.mjs writes it)")
    return json.loads(Path(path).read_text())


@pytest.fixture(scope="module")
def token(sw: dict) -> Chain:
    """The node, with SignatureCheckerToken as the token of balance_of / authorization_state."""
    return Chain(sw["rpc"], sw["token"])


def settler(token: Chain, allowed_factories=()) -> LocalEvmSettlement:
    return LocalEvmSettlement(NETWORK, [token.url], PrivateKeySigner(SETTLER_KEY), clock=token.now,
                              allowed_factories=list(allowed_factories))


def pending_nonce(chain: Chain, who: str) -> int:
    return int(chain.rpc("eth_getTransactionCount", who, "pending"), 16)


def code_of(chain: Chain, who: str) -> str:
    return chain.rpc("eth_getCode", who, "latest")


class Wallet:
    """An OwnerWallet of the factory at a random salt, funded; deployed unless `deploy=False`."""

    def __init__(self, chain: Chain, sw: dict, deploy: bool = True) -> None:
        self.sw = sw
        self.salt = "0x" + os.urandom(32).hex()
        self.factory = sw["factory"]
        predicted = chain.call(call_data("predict(address,bytes32)", sw["owner"], self.salt), to=self.factory)
        self.address = pay402.checksum_address("0x" + predicted[-40:])
        self.deploy_calldata = bytes.fromhex(call_data("deploy(address,bytes32)", sw["owner"], self.salt)[2:])
        if deploy:
            self.deploy(chain)
        assert chain.send(call_data("mint(address,uint256)", self.address, FUNDING), sender=DEPLOYER).status == 1

    def deploy(self, chain: Chain) -> None:
        r = chain.send("0x" + self.deploy_calldata.hex(), sender=DEPLOYER, to=self.factory, gas=1_000_000)
        assert r.status == 1 and code_of(chain, self.address) != "0x"


def requirements(sw: dict, pay_to: str) -> dict:
    return {
        "scheme": "exact", "network": NETWORK, "amount": str(PRICE), "asset": sw["token"], "payTo": pay_to,
        "maxTimeoutSeconds": 300, "extra": {"name": sw["name"], "version": sw["version"]},
    }


def erc6492_wrap(factory: str, factory_calldata: bytes, inner: bytes) -> bytes:
    """abi.encode(address factory, bytes factoryCalldata, bytes innerSignature) ‖ magic (ERC-6492)."""
    def tail(b: bytes) -> bytes:
        return len(b).to_bytes(32, "big") + b + b"\0" * (-len(b) % 32)
    head_len = 3 * 32
    first = tail(factory_calldata)
    return (bytes(12) + bytes.fromhex(factory[2:]) + head_len.to_bytes(32, "big")
            + (head_len + len(first)).to_bytes(32, "big") + first + tail(inner) + MAGIC_6492)


def payment(chain: Chain, sw: dict, req: dict, wallet: str, signer_key: str, wrap=None) -> tuple[dict, bytes]:
    """The x402 v2 payment of `wallet` (`from`), its EIP-3009 authorization signed with `signer_key`;
    `wrap(inner) -> bytes` wraps the signature (ERC-6492). Returns (payment, inner signature)."""
    now = chain.now()
    message = {"from": wallet, "to": req["payTo"], "value": PRICE, "validAfter": now - 600,
               "validBefore": now + 300, "nonce": "0x" + os.urandom(32).hex()}
    domain = {"name": sw["name"], "version": sw["version"], "chainId": sw["chainId"], "verifyingContract": sw["token"]}
    inner = bytes(pay402.eip3009_sign(signer_key, domain, message))
    signature = wrap(inner) if wrap else inner
    authorization = {k: (str(v) if isinstance(v, int) else v) for k, v in message.items()}
    return {"x402Version": 2, "accepted": req, "resource": {"url": "http://127.0.0.1/premium"},
            "payload": {"signature": "0x" + signature.hex(), "authorization": authorization}}, inner


def settler_txs(chain: Chain, first_block: int) -> list:
    """The settler's transactions mined since `first_block`, in order."""
    out = []
    for n in range(first_block, chain.block_number() + 1):
        block = chain.rpc("eth_getBlockByNumber", hex(n), True)
        out += [tx for tx in block["transactions"] if tx["from"].lower() == SETTLER.lower()]
    return out


def assert_paid(token: Chain, out: dict, wallet: str, payee: str, tx: dict, inner: bytes) -> None:
    assert out["success"] is True and out["payer"] == wallet and out["network"] == NETWORK, out
    assert tx["hash"] == out["transaction"] and tx["to"].lower() == token.token.lower()
    assert tx["input"][:10] == BYTES_SELECTOR
    data = bytes.fromhex(tx["input"][10:])
    # the bytes argument (offset at word 6): the inner signature exactly, no ERC-6492 wrapper
    offset = int.from_bytes(data[6 * 32:7 * 32], "big")
    length = int.from_bytes(data[offset:offset + 32], "big")
    assert data[offset + 32:offset + 32 + length] == inner
    assert token.receipt(out["transaction"]).status == 1
    assert (token.balance_of(wallet), token.balance_of(payee)) == (FUNDING - PRICE, PRICE)


def test_deployed_eip1271_wallet_pays(token: Chain, sw: dict) -> None:
    wallet = Wallet(token, sw)
    payee = pay402.private_key_to_address(os.urandom(32))
    req = requirements(sw, payee)
    pay, inner = payment(token, sw, req, wallet.address, sw["ownerKey"])
    assert len(inner) == 65  # the owner's ECDSA signature: the wallet, not ecrecover, decides
    nonce, block = pending_nonce(token, SETTLER), token.block_number() + 1
    out = settler(token).settle_payment(pay, req)
    txs = settler_txs(token, block)
    assert len(txs) == 1 and int(txs[0]["nonce"], 16) == nonce, txs
    assert_paid(token, out, wallet.address, payee, txs[0], inner)
    assert token.authorization_state(wallet.address, pay["payload"]["authorization"]["nonce"])


def test_counterfactual_erc6492_wallet_is_deployed_then_pays(token: Chain, sw: dict) -> None:
    wallet = Wallet(token, sw, deploy=False)
    assert code_of(token, wallet.address) == "0x"
    payee = pay402.private_key_to_address(os.urandom(32))
    req = requirements(sw, payee)
    pay, inner = payment(token, sw, req, wallet.address, sw["ownerKey"],
                         wrap=lambda s: erc6492_wrap(wallet.factory, wallet.deploy_calldata, s))
    nonce, block = pending_nonce(token, SETTLER), token.block_number() + 1
    out = settler(token, [wallet.factory.lower()]).settle_payment(pay, req)
    txs = settler_txs(token, block)
    assert len(txs) == 2, txs
    deploy, transfer = txs
    # the factory deployment first, mined before the transfer, with the settler's next nonce
    assert deploy["to"].lower() == wallet.factory.lower() and deploy["input"] == "0x" + wallet.deploy_calldata.hex()
    assert deploy["input"][:10] == DEPLOY_SELECTOR
    assert (int(deploy["nonce"], 16), int(transfer["nonce"], 16)) == (nonce, nonce + 1)
    assert token.receipt(deploy["hash"]).status == 1
    assert int(deploy["blockNumber"], 16) < int(transfer["blockNumber"], 16)
    assert code_of(token, wallet.address) != "0x"
    assert_paid(token, out, wallet.address, payee, transfer, inner)


def test_counterfactual_wallet_deployed_meanwhile_is_not_deployed_again(token: Chain, sw: dict) -> None:
    wallet = Wallet(token, sw, deploy=False)
    payee = pay402.private_key_to_address(os.urandom(32))
    req = requirements(sw, payee)
    pay, inner = payment(token, sw, req, wallet.address, sw["ownerKey"],
                         wrap=lambda s: erc6492_wrap(wallet.factory, wallet.deploy_calldata, s))
    wallet.deploy(token)  # someone else deployed it before the settlement
    nonce, block = pending_nonce(token, SETTLER), token.block_number() + 1
    out = settler(token, [wallet.factory]).settle_payment(pay, req)
    txs = settler_txs(token, block)
    assert len(txs) == 1 and int(txs[0]["nonce"], 16) == nonce, txs
    assert_paid(token, out, wallet.address, payee, txs[0], inner)


def test_factory_not_allow_listed_sends_nothing(token: Chain, sw: dict) -> None:
    wallet = Wallet(token, sw, deploy=False)
    payee = pay402.private_key_to_address(os.urandom(32))
    req = requirements(sw, payee)
    pay, _ = payment(token, sw, req, wallet.address, sw["ownerKey"],
                     wrap=lambda s: erc6492_wrap(wallet.factory, wallet.deploy_calldata, s))
    nonce = pending_nonce(token, SETTLER)
    other = pay402.private_key_to_address(os.urandom(32))
    for allowed in ([], [other]):
        out = settler(token, allowed).settle_payment(pay, req)
        assert out["success"] is False and out["transaction"] == "", out
        assert out["errorReason"] == "eip6492_factory_not_allowed", out
    assert pending_nonce(token, SETTLER) == nonce
    assert code_of(token, wallet.address) == "0x"
    assert (token.balance_of(wallet.address), token.balance_of(payee)) == (FUNDING, 0)
    assert not token.authorization_state(wallet.address, pay["payload"]["authorization"]["nonce"])


def test_strangers_signature_is_refused_and_nothing_sent(token: Chain, sw: dict) -> None:
    wallet = Wallet(token, sw)
    payee = pay402.private_key_to_address(os.urandom(32))
    req = requirements(sw, payee)
    stranger = "0x" + os.urandom(32).hex()
    pay, _ = payment(token, sw, req, wallet.address, stranger)
    nonce = pending_nonce(token, SETTLER)
    out = settler(token).settle_payment(pay, req)
    assert out["success"] is False and out["transaction"] == "", out
    assert out["errorReason"] == "invalid_exact_evm_signature", out
    assert pending_nonce(token, SETTLER) == nonce
    assert (token.balance_of(wallet.address), token.balance_of(payee)) == (FUNDING, 0)
    # the core's detail: the wallet's isValidSignature did not return the magic value
    with pytest.raises(pay402.Error) as e:
        pay402.verify_payment_with_rpc(json.dumps(req), pay402.x402_encode_header(json.dumps(pay)),
                                       settler(token).rpc, now=token.now(), allowed_factories=[])
    assert (e.value.code, e.value.detail_code) == ("invalid_exact_evm_signature", "eip1271_rejected")


# --- through `pay402 facilitator` ------------------------------------------------------------------


@pytest.fixture(scope="module")
def our_facilitator(tmp_path_factory: pytest.TempPathFactory, token: Chain, sw: dict) -> Iterator[Tuple[str, str]]:
    """`pay402 facilitator` in a subprocess (no Redis: one process), smart wallets on, the factory
    allow-listed; its signer is a fresh key funded with `hardhat_setBalance` (its nonces are this
    fixture's alone). Yields (URL, signer address); stopped at the end (TERM, then KILL)."""
    tmp = tmp_path_factory.mktemp("sw-facilitator")
    key = "0x" + os.urandom(32).hex()
    signer = pay402.private_key_to_address(key)
    token.rpc("hardhat_setBalance", signer, hex(10**19))
    config = (
        'api_keys_env = ["SW_FAC_API_KEY"]\n'
        "[[networks]]\n"
        f'network = "{NETWORK}"\n'
        f'rpc_urls = ["{token.url}"]\n'
        'signer_key_env = "SW_FAC_SETTLER_KEY"\n'
        "smart_wallets = true\n"
        f'eip6492_allowed_factories = ["{sw["factory"]}"]\n'
    )
    env = {**os.environ, "SW_FAC_API_KEY": FAC_API_KEY, "SW_FAC_SETTLER_KEY": key}
    facilitator = FacilitatorProcess(tmp, "facilitator", config, env, FAC_API_KEY)
    try:
        yield facilitator.url, signer
    finally:
        facilitator.stop()


def test_counterfactual_wallet_pays_through_pay402_facilitator(token: Chain, sw: dict, our_facilitator) -> None:
    url, signer = our_facilitator
    wallet = Wallet(token, sw, deploy=False)
    payee = pay402.private_key_to_address(os.urandom(32))
    req = requirements(sw, payee)
    pay, inner = payment(token, sw, req, wallet.address, sw["ownerKey"],
                         wrap=lambda s: erc6492_wrap(wallet.factory, wallet.deploy_calldata, s))
    nonce, block = pending_nonce(token, signer), token.block_number() + 1
    with FacilitatorClient(url, headers={"Authorization": f"Bearer {FAC_API_KEY}"}, timeout=60) as client:
        out = client.settle(pay, req)
    txs = [tx for n in range(block, token.block_number() + 1)
           for tx in token.rpc("eth_getBlockByNumber", hex(n), True)["transactions"] if tx["from"].lower() == signer.lower()]
    assert len(txs) == 2, (out, txs)
    deploy, transfer = txs
    assert deploy["to"].lower() == wallet.factory.lower() and deploy["input"] == "0x" + wallet.deploy_calldata.hex()
    assert (int(deploy["nonce"], 16), int(transfer["nonce"], 16)) == (nonce, nonce + 1)
    assert code_of(token, wallet.address) != "0x"
    assert_paid(token, out, wallet.address, payee, transfer, inner)


# --- through the paywall (admission with the RPC) ----------------------------------------------------


def paywall_app(token: Chain, sw: dict, payee: str, settlement, served: list, **paywall_options):
    app = FastAPI()

    @app.get("/premium")
    def premium(request: Request) -> dict:
        served.append(request.scope["pay402"].payer)
        return {"data": "paid content", "payer": request.scope["pay402"].payer}

    paywall = X402Paywall(
        {"GET /premium": PRICE}, network=NETWORK, pay_to=payee, asset=sw["token"], decimals=6,
        eip712_name=sw["name"], eip712_version=sw["version"], max_timeout_seconds=300,
        settlement=settlement, replay_store=MemoryReplayStore(), clock=token.now, **paywall_options,
    )
    app.add_middleware(PaymentMiddleware, x402=paywall)
    return app


def pay_paywall(app: FastAPI, pay: dict) -> httpx.Response:
    header = pay402.x402_encode_header(json.dumps(pay))
    with uvicorn_on_loopback(app) as url:
        return httpx.get(url + "/premium", headers={"PAYMENT-SIGNATURE": header}, timeout=60)


def refusal(r: httpx.Response) -> tuple:
    body = r.json()
    return r.status_code, body.get("error"), body.get("errorDetail")


def test_deployed_wallet_pays_through_the_paywall(token: Chain, sw: dict) -> None:
    wallet = Wallet(token, sw)
    payee = pay402.private_key_to_address(os.urandom(32))
    pay, inner = payment(token, sw, requirements(sw, payee), wallet.address, sw["ownerKey"])
    served: list = []
    nonce, block = pending_nonce(token, SETTLER), token.block_number() + 1
    r = pay_paywall(paywall_app(token, sw, payee, settler(token), served), pay)
    assert r.status_code == 200, r.text
    assert r.json() == {"data": "paid content", "payer": wallet.address} and served == [wallet.address]
    txs = settler_txs(token, block)
    assert len(txs) == 1 and int(txs[0]["nonce"], 16) == nonce, txs
    receipt = payment_receipt(r)
    assert receipt is not None and receipt["transaction"] == txs[0]["hash"], receipt
    assert_paid(token, receipt, wallet.address, payee, txs[0], inner)


def test_undeployed_wallet_pays_through_the_paywall(token: Chain, sw: dict) -> None:
    wallet = Wallet(token, sw, deploy=False)
    payee = pay402.private_key_to_address(os.urandom(32))
    pay, inner = payment(token, sw, requirements(sw, payee), wallet.address, sw["ownerKey"],
                         wrap=lambda s: erc6492_wrap(wallet.factory, wallet.deploy_calldata, s))
    served: list = []
    block = token.block_number() + 1
    # the settlement's RPC and factory allow-list are the paywall's defaults
    r = pay_paywall(paywall_app(token, sw, payee, settler(token, [wallet.factory]), served), pay)
    assert r.status_code == 200, r.text
    assert served == [wallet.address]
    deploy, transfer = settler_txs(token, block)
    assert deploy["to"].lower() == wallet.factory.lower() and deploy["input"] == "0x" + wallet.deploy_calldata.hex()
    out = {"success": True, "payer": wallet.address, "network": NETWORK, "transaction": transfer["hash"]}
    assert_paid(token, out, wallet.address, payee, transfer, inner)


def test_without_an_rpc_the_paywall_refuses_smart_wallets_saying_why(token: Chain, sw: dict) -> None:
    wallet = Wallet(token, sw, deploy=False)
    payee = pay402.private_key_to_address(os.urandom(32))
    req = requirements(sw, payee)
    wrapped, _ = payment(token, sw, req, wallet.address, sw["ownerKey"],
                         wrap=lambda s: erc6492_wrap(wallet.factory, wallet.deploy_calldata, s))
    owner_signed, _ = payment(token, sw, req, wallet.address, sw["ownerKey"])
    settled: list = []
    served: list = []
    app = paywall_app(token, sw, payee, lambda request: settled.append(request), served)
    assert refusal(pay_paywall(app, wrapped)) == (402, "invalid_exact_evm_signature", "smart_wallet_needs_rpc")
    # offline, the owner's ECDSA signature is simply not the payer's
    assert refusal(pay_paywall(app, owner_signed)) == (402, "invalid_exact_evm_signature", "signature_wrong_signer")
    assert settled == [] and served == []
    assert (token.balance_of(wallet.address), token.balance_of(payee)) == (FUNDING, 0)


def test_strangers_signature_is_refused_at_the_paywall_and_nothing_sent(token: Chain, sw: dict) -> None:
    wallet = Wallet(token, sw)
    payee = pay402.private_key_to_address(os.urandom(32))
    pay, _ = payment(token, sw, requirements(sw, payee), wallet.address, "0x" + os.urandom(32).hex())
    served: list = []
    nonce = pending_nonce(token, SETTLER)
    r = pay_paywall(paywall_app(token, sw, payee, settler(token), served), pay)
    assert refusal(r) == (402, "invalid_exact_evm_signature", "eip1271_rejected"), r.text
    assert "PAYMENT-REQUIRED" in r.headers or "payment-required" in r.headers
    assert served == [] and pending_nonce(token, SETTLER) == nonce
    assert (token.balance_of(wallet.address), token.balance_of(payee)) == (FUNDING, 0)


def test_rpc_down_during_admission_is_a_503_and_nothing_runs(token: Chain, sw: dict) -> None:
    wallet = Wallet(token, sw)
    payee = pay402.private_key_to_address(os.urandom(32))
    pay, _ = payment(token, sw, requirements(sw, payee), wallet.address, sw["ownerKey"])
    served: list = []
    nonce = pending_nonce(token, SETTLER)
    dead = EvmJsonRpc([f"http://127.0.0.1:{free_port()}"], timeout=2)
    r = pay_paywall(paywall_app(token, sw, payee, settler(token), served, rpc=dead), pay)
    assert refusal(r) == (503, "smart_wallet_check_unavailable", None), r.text
    assert served == [] and pending_nonce(token, SETTLER) == nonce
    assert (token.balance_of(wallet.address), token.balance_of(payee)) == (FUNDING, 0)
