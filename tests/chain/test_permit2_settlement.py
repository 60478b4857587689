"""x402 `exact` via Permit2 and `upto` settle for real on the local Hardhat chain.

deploy.mjs installs contracts/Permit2Lite.sol (Permit2's SignatureTransfer) and the x402 Permit2 proxies
(contracts/X402{Exact,Upto}Permit2ProxyLite.sol) at their canonical addresses. Each payer holds the
project's token and has approved Permit2 once (`approve(PERMIT2, 2**256 - 1)`, sent as the payer: the
test set-up). Payments are signed by pay402 (`permit2_sign_payload`) and by the reference client
(`@x402/evm` `ExactEvmScheme` / `UptoEvmScheme`, permit2-sign.mjs). They are settled by
`pay402.settle.LocalEvmSettlement` (Hardhat account #5), by `pay402 facilitator` (a subprocess,
account #4) and by the reference facilitator (facilitator.mjs, account #1). Every expectation is read
back from the node: the transaction's sender, target and input, its `Transfer` log, balances, Permit2's
`nonceBitmap`, and the custom errors the contracts revert with (selectors from the x402 proxies' and
Permit2's public ABIs).

The cross-check that Permit2Lite behaves as Permit2 where the reference relies on it: the reference
facilitator settles pay402- and reference-signed payments against these contracts, and its mined input
equals `pay402.x402_settle_calldata` for that payment byte for byte. pay402's own client (`X402Payer`) pays
`X402Paywall` routes of both kinds settled locally. An `upto` charge of 0 is answered as the reference
answers it (`settleUptoPermit2`): success with `transaction: ""` and `amount: "0"`, nothing sent, the permit
unused, and the paywall serves the content.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

import httpx
import pay402
import pytest
from fastapi import FastAPI, Request
from pay402.asgi import PaymentMiddleware
from pay402.client import Budget, PaymentAuth, X402Payer, payment_receipt
from pay402.replay import MemoryReplayStore
from pay402.server import X402Paywall, X402Route
from pay402.errors import SettleError, VerifyError
from pay402.facilitator import FacilitatorClient
from pay402.settle import LocalEvmSettlement, PrivateKeySigner

import chain as chain_helpers
from chain import FACILITATOR, Chain, RpcError, call_data
from facilitator_process import FacilitatorProcess
from test_middleware import uvicorn_on_loopback

HERE = Path(__file__).parent
PERMIT2 = "0x000000000022D473030F116dDEE9F6B43aC78BA3"
EXACT_PROXY = "0x402085c248EeA27D92E8b30b2C58ed07f9E20001"
UPTO_PROXY = "0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002"
EXACT_SETTLE = "0x13cd3b53"  # settle(((address,uint256),uint256,uint256),address,(address,uint256),bytes)
UPTO_SETTLE = "0xff11e7b4"  # settle(((address,uint256),uint256,uint256),uint256,address,(address,address,uint256),bytes)
# custom errors (x402 proxies; Permit2 SignatureTransfer)
AMOUNT_EXCEEDS_PERMITTED = "0xfe64b4c7"
UNAUTHORIZED_FACILITATOR = "0x0f6fae87"
INVALID_NONCE = "0x756688fe"
EXACT_WITNESS_TYPE = "Witness witness)TokenPermissions(address token,uint256 amount)Witness(address to,uint256 validAfter)"
UPTO_WITNESS_TYPE = ("Witness witness)TokenPermissions(address token,uint256 amount)"
                     "Witness(address to,address facilitator,uint256 validAfter)")

# Hardhat accounts #5 (LocalEvmSettlement) and #4 (`pay402 facilitator`): public test keys, local node only
SETTLER_KEY = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba"
SETTLER = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"
FAC_KEY = "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a"
FAC_SIGNER = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"
PRICE = 7_000
MAXIMUM = 50_000
FUNDING = 1_000_000
UINT256_MAX = 2**256 - 1
TRANSFER_TOPIC = "0x" + pay402.keccak256(b"Transfer(address,address,uint256)").hex()


# --- chain reads and the payer's set-up -----------------------------------------------------------


def allowance(chain: Chain, owner: str, spender: str) -> int:
    return int(chain.call(call_data("allowance(address,address)", owner, spender)), 16)


def nonce_used(chain: Chain, owner: str, nonce: int) -> bool:
    word = int(chain.call(call_data("nonceBitmap(address,uint256)", owner, nonce >> 8), to=PERMIT2), 16)
    return bool(word >> (nonce & 0xFF) & 1)


def pending_nonce(chain: Chain, who: str) -> int:
    return int(chain.rpc("eth_getTransactionCount", who, "pending"), 16)


def send_as(chain: Chain, who: str, to: str, data: str) -> chain_helpers.Receipt:
    """A transaction from `who` (a key the node does not hold): impersonated, with gas money."""
    chain.rpc("hardhat_impersonateAccount", who)
    try:
        chain.rpc("hardhat_setBalance", who, hex(10**18))
        return chain.send(data, sender=who, to=to)
    finally:
        chain.rpc("hardhat_stopImpersonatingAccount", who)


def revert_selector(chain: Chain, to: str, data: str, sender: str) -> str:
    """The 4-byte selector of the custom error `data` reverts with when `sender` calls `to`."""
    with pytest.raises(RpcError) as e:
        chain.call(data, to=to, sender=sender)
    found = e.value.error.get("data")
    if isinstance(found, dict):
        found = found.get("data")
    assert isinstance(found, str) and found.startswith("0x"), e.value.error
    return found[:10]


class Payer(chain_helpers.Payer):
    """A fresh payer with `FUNDING` of the token that has approved Permit2 for everything, once."""

    def __init__(self, chain: Chain) -> None:
        super().__init__(chain, FUNDING)
        approve = call_data("approve(address,uint256)", PERMIT2, UINT256_MAX)
        assert send_as(chain, self.address, chain.token, approve).status == 1
        assert allowance(chain, self.address, PERMIT2) == UINT256_MAX


def new_payee() -> str:
    return pay402.private_key_to_address(os.urandom(32))


# --- requirements and payments --------------------------------------------------------------------


def exact_requirements(deployment: dict, pay_to: str, price: int = PRICE) -> dict:
    req = chain_helpers.requirements(deployment, pay_to, price)
    req["extra"]["assetTransferMethod"] = "permit2"
    return req


def upto_requirements(deployment: dict, pay_to: str, facilitator: str, maximum: int = MAXIMUM) -> dict:
    req = chain_helpers.requirements(deployment, pay_to, maximum)
    req["scheme"] = "upto"
    req["extra"]["facilitatorAddress"] = facilitator
    return req


def pay402_payment(chain: Chain, req: dict, payer: Payer, nonce: Optional[int] = None) -> dict:
    """`payer`'s Permit2 payment for `req`, signed by pay402 at chain time (random Permit2 nonce by default)."""
    nonce = int.from_bytes(os.urandom(32), "big") if nonce is None else nonce
    signed = pay402.permit2_sign_payload(json.dumps(req), payer.key, nonce=nonce, now=chain.now())
    return {"x402Version": 2, "accepted": req, "payload": json.loads(signed.json)}


def reference_payment(chain: Chain, req: dict, payer: Payer) -> dict:
    """`payer`'s Permit2 payment for `req`, signed by the reference client (@x402/evm, permit2-sign.mjs) at chain time."""
    out = subprocess.run(["node", str(HERE / "permit2-sign.mjs"), json.dumps(req), "0x" + payer.key.hex(), str(chain.now())],
                         cwd=HERE, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(out.stdout)


def permit_nonce(payment: dict) -> int:
    return int(payment["payload"]["permit2Authorization"]["nonce"])


def settle_calldata(req: dict, payment: dict, charge: Optional[int] = None) -> str:
    """pay402's settlement call for `payment` (the core's `x402_settle_calldata`), as 0x-hex."""
    header = pay402.x402_encode_header(json.dumps(payment))
    return "0x" + bytes(pay402.x402_settle_calldata(json.dumps(req), header, charge).data).hex()


def assert_settled(chain: Chain, tx_hash: str, *, sender: str, proxy: str, payer: str, payee: str, amount: int) -> dict:
    """The mined transaction: from `sender` to `proxy`, status 1, one `Transfer(payer, payee, amount)` of the token."""
    receipt = chain.receipt(tx_hash)
    assert receipt.status == 1
    tx = chain.rpc("eth_getTransactionByHash", tx_hash)
    assert tx["from"].lower() == sender.lower() and tx["to"].lower() == proxy.lower()
    moved = [lg for lg in receipt.logs if lg["topics"][0] == TRANSFER_TOPIC]
    assert len(moved) == 1 and moved[0]["address"].lower() == chain.token.lower()
    assert [int(t, 16) for t in moved[0]["topics"][1:]] == [int(payer, 16), int(payee, 16)]
    assert int(moved[0]["data"], 16) == amount
    return tx


@pytest.fixture(scope="module")
def settlement(chain: Chain, deployment: dict) -> LocalEvmSettlement:
    return LocalEvmSettlement(deployment["network"], [chain.url], PrivateKeySigner(SETTLER_KEY), clock=chain.now)


# --- the contracts --------------------------------------------------------------------------------


def read_string(chain: Chain, to: str, fn: str) -> str:
    raw = bytes.fromhex(chain.call(call_data(fn), to=to)[2:])
    return raw[64 : 64 + int.from_bytes(raw[32:64], "big")].decode()


def test_contracts_at_their_canonical_addresses(chain: Chain, deployment: dict) -> None:
    assert (deployment["permit2"], deployment["exactPermit2Proxy"], deployment["uptoPermit2Proxy"]) == (
        PERMIT2, EXACT_PROXY, UPTO_PROXY)
    assert (pay402.PERMIT2_ADDRESS, pay402.X402_EXACT_PERMIT2_PROXY, pay402.X402_UPTO_PERMIT2_PROXY) == (
        PERMIT2, EXACT_PROXY, UPTO_PROXY)
    for proxy, witness_type in ((EXACT_PROXY, EXACT_WITNESS_TYPE), (UPTO_PROXY, UPTO_WITNESS_TYPE)):
        assert int(chain.call(call_data("PERMIT2()"), to=proxy), 16) == int(PERMIT2, 16)
        assert read_string(chain, proxy, "WITNESS_TYPE_STRING()") == witness_type
    # Permit2's EIP-712 domain {name "Permit2", chainId, verifyingContract} as pay402 computes it
    permit = {"permitted": {"token": chain.token, "amount": 1}, "spender": EXACT_PROXY, "nonce": 0, "deadline": 1,
              "witness": {"to": SETTLER, "validAfter": 0}}
    domain = pay402.permit2_digest(31337, permit).domain_separator
    assert chain.call(call_data("DOMAIN_SEPARATOR()"), to=PERMIT2) == "0x" + bytes(domain).hex()


# --- exact via Permit2: LocalEvmSettlement ----------------------------------------------------------


@pytest.mark.parametrize("signer", ["pay402", "reference"])
def test_exact_permit2_settles_locally(chain: Chain, deployment: dict, settlement: LocalEvmSettlement,
                                       signer: str) -> None:
    payer, payee = Payer(chain), new_payee()
    req = exact_requirements(deployment, payee)
    payment = pay402_payment(chain, req, payer) if signer == "pay402" else reference_payment(chain, req, payer)
    nonce = permit_nonce(payment)
    before = chain.balance_of(payer.address)
    assert not nonce_used(chain, payer.address, nonce)
    out = settlement.settle_payment(payment, req)
    assert out["success"] is True and out["payer"] == payer.address and out["network"] == deployment["network"], out
    tx = assert_settled(chain, out["transaction"], sender=SETTLER, proxy=EXACT_PROXY, payer=payer.address,
                        payee=payee, amount=PRICE)
    assert tx["input"] == settle_calldata(req, payment) and tx["input"][:10] == EXACT_SETTLE
    assert (chain.balance_of(payer.address), chain.balance_of(payee)) == (before - PRICE, PRICE)
    assert nonce_used(chain, payer.address, nonce)


def test_exact_permit2_replay_is_refused_and_nothing_moves_twice(chain: Chain, deployment: dict,
                                                                 settlement: LocalEvmSettlement) -> None:
    payer, payee = Payer(chain), new_payee()
    req = exact_requirements(deployment, payee)
    payment = pay402_payment(chain, req, payer)
    assert settlement.settle_payment(payment, req)["success"] is True
    sent, block = pending_nonce(chain, SETTLER), chain.block_number()
    # the same payment again, and another one signed with the same Permit2 nonce: refused before sending
    again = settlement.settle_payment(payment, req)
    same_nonce = pay402_payment(chain, exact_requirements(deployment, payee, PRICE + 1), payer, permit_nonce(payment))
    other = settlement.settle_payment(same_nonce, exact_requirements(deployment, payee, PRICE + 1))
    for refused in (again, other):
        assert refused["success"] is False and refused["transaction"] == "", refused
    assert (pending_nonce(chain, SETTLER), chain.block_number()) == (sent, block)
    # the chain itself refuses the spent nonce (Permit2's InvalidNonce), and a sent replay moves nothing
    data = settle_calldata(req, payment)
    assert revert_selector(chain, EXACT_PROXY, data, SETTLER) == INVALID_NONCE
    assert chain.send(data, sender=SETTLER, to=EXACT_PROXY).status == 0
    assert (chain.balance_of(payer.address), chain.balance_of(payee)) == (FUNDING - PRICE, PRICE)


def test_invalidated_nonce_is_refused(chain: Chain, deployment: dict, settlement: LocalEvmSettlement) -> None:
    payer, payee = Payer(chain), new_payee()
    req = exact_requirements(deployment, payee)
    payment = pay402_payment(chain, req, payer)
    nonce = permit_nonce(payment)
    # the payer cancels it with Permit2's invalidateUnorderedNonces(word, mask)
    cancel = call_data("invalidateUnorderedNonces(uint256,uint256)", nonce >> 8, 1 << (nonce & 0xFF))
    assert send_as(chain, payer.address, PERMIT2, cancel).status == 1
    assert nonce_used(chain, payer.address, nonce)
    sent = pending_nonce(chain, SETTLER)
    out = settlement.settle_payment(payment, req)
    assert out["success"] is False and out["transaction"] == "", out
    assert pending_nonce(chain, SETTLER) == sent and chain.balance_of(payee) == 0


# --- upto: LocalEvmSettlement -------------------------------------------------------------------------


@pytest.mark.parametrize("charge", [PRICE, MAXIMUM])
@pytest.mark.parametrize("signer", ["pay402", "reference"])
def test_upto_settles_the_charge_locally(chain: Chain, deployment: dict, settlement: LocalEvmSettlement,
                                         signer: str, charge: int) -> None:
    payer, payee = Payer(chain), new_payee()
    req = upto_requirements(deployment, payee, SETTLER)
    payment = pay402_payment(chain, req, payer) if signer == "pay402" else reference_payment(chain, req, payer)
    out = settlement.settle_payment(payment, req, settle_amount=charge)
    assert out == {"success": True, "transaction": out["transaction"], "network": deployment["network"],
                   "payer": payer.address, "amount": str(charge)}, out
    tx = assert_settled(chain, out["transaction"], sender=SETTLER, proxy=UPTO_PROXY, payer=payer.address,
                        payee=payee, amount=charge)
    assert tx["input"] == settle_calldata(req, payment, charge) and tx["input"][:10] == UPTO_SETTLE
    assert (chain.balance_of(payer.address), chain.balance_of(payee)) == (FUNDING - charge, charge)
    assert nonce_used(chain, payer.address, permit_nonce(payment))
    # settled once: the rest of the maximum cannot be taken with the same permit
    again = settlement.settle_payment(payment, req, settle_amount=1)
    assert again["success"] is False and again["transaction"] == "", again
    assert (chain.balance_of(payer.address), chain.balance_of(payee)) == (FUNDING - charge, charge)


def test_upto_zero_charge_sends_nothing_and_loses_nothing(chain: Chain, deployment: dict,
                                                          settlement: LocalEvmSettlement) -> None:
    payer, payee = Payer(chain), new_payee()
    req = upto_requirements(deployment, payee, SETTLER)
    payment = pay402_payment(chain, req, payer)
    sent, block = pending_nonce(chain, SETTLER), chain.block_number()
    out = settlement.settle_payment(payment, req, settle_amount=0)
    # the reference facilitator's answer (see the last test): success, no transaction, amount "0"
    assert out == {"success": True, "transaction": "", "network": deployment["network"], "payer": payer.address,
                   "amount": "0"}, out
    assert (pending_nonce(chain, SETTLER), chain.block_number()) == (sent, block)
    assert chain.balance_of(payee) == 0 and not nonce_used(chain, payer.address, permit_nonce(payment))
    # the permit is still unused: a later charge settles it
    later = settlement.settle_payment(payment, req, settle_amount=PRICE)
    assert later["success"] is True, later
    assert (chain.balance_of(payer.address), chain.balance_of(payee)) == (FUNDING - PRICE, PRICE)


def test_upto_charge_above_the_maximum_is_refused_before_sending(chain: Chain, deployment: dict,
                                                                 settlement: LocalEvmSettlement) -> None:
    payer, payee = Payer(chain), new_payee()
    req = upto_requirements(deployment, payee, SETTLER)
    payment = pay402_payment(chain, req, payer)
    sent, block = pending_nonce(chain, SETTLER), chain.block_number()
    out = settlement.settle_payment(payment, req, settle_amount=MAXIMUM + 1)
    assert out["success"] is False and out["transaction"] == "", out
    assert out["errorReason"] == "invalid_upto_evm_payload_settlement_exceeds_amount", out
    assert (pending_nonce(chain, SETTLER), chain.block_number()) == (sent, block)
    # the proxy refuses it too: the calldata with the amount word raised reverts AmountExceedsPermitted()
    data = settle_calldata(req, payment, MAXIMUM)
    amount_at = 2 + 2 * (4 + 4 * 32)
    data = data[:amount_at] + (MAXIMUM + 1).to_bytes(32, "big").hex() + data[amount_at + 64 :]
    assert revert_selector(chain, UPTO_PROXY, data, SETTLER) == AMOUNT_EXCEEDS_PERMITTED
    assert chain.balance_of(payee) == 0 and not nonce_used(chain, payer.address, permit_nonce(payment))


def test_upto_wrong_witness_facilitator_is_refused(chain: Chain, deployment: dict,
                                                   settlement: LocalEvmSettlement) -> None:
    payer, payee = Payer(chain), new_payee()
    req = upto_requirements(deployment, payee, FACILITATOR)  # another facilitator's payment
    payment = pay402_payment(chain, req, payer)
    sent = pending_nonce(chain, SETTLER)
    out = settlement.settle_payment(payment, req, settle_amount=PRICE)
    assert out["success"] is False and out["transaction"] == "", out
    assert out["errorReason"] == "upto_facilitator_mismatch", out  # the reference's reason (checked below)
    assert pending_nonce(chain, SETTLER) == sent
    # on chain only witness.facilitator may send it: UnauthorizedFacilitator() from anyone else
    data = settle_calldata(req, payment, PRICE)
    assert revert_selector(chain, UPTO_PROXY, data, SETTLER) == UNAUTHORIZED_FACILITATOR
    assert chain.balance_of(payee) == 0 and not nonce_used(chain, payer.address, permit_nonce(payment))


# --- pay402's own client and paywall ------------------------------------------------------------------


def test_paywall_sells_permit2_and_upto_settling_locally(chain: Chain, deployment: dict,
                                                         settlement: LocalEvmSettlement) -> None:
    """pay402's `X402Payer` (its Permit2 allowance read from the chain) pays an `exact` Permit2 route and an `upto`
    route of `X402Paywall` + FastAPI (uvicorn on loopback) whose settlement is `LocalEvmSettlement`; the `upto`
    handler charges its usage (`charge()`), and exactly that moves."""
    payer, payee = Payer(chain), new_payee()
    charges = [PRICE, MAXIMUM, 0]
    app = FastAPI()

    @app.get("/item")
    def item() -> dict:
        return {"data": "item"}

    @app.get("/metered")
    def metered(request: Request) -> dict:
        request.scope["pay402"].charge(charges.pop(0))
        return {"data": "metered"}

    app.add_middleware(PaymentMiddleware, x402=X402Paywall(
        [X402Route("GET /item", PRICE, transfer_method="permit2"),
         X402Route("GET /metered", MAXIMUM, scheme="upto", facilitator=SETTLER)],
        network=deployment["network"], pay_to=payee, asset=deployment["token"], decimals=6,
        eip712_name=deployment["name"], eip712_version=deployment["version"], max_timeout_seconds=300,
        settlement=settlement, replay_store=MemoryReplayStore(), clock=chain.now,
    ))
    client_payer = X402Payer(payer.key, networks=[deployment["network"]], assets=[deployment["token"]],
                             budget=Budget(per_request=MAXIMUM, total=10 * MAXIMUM), clock=chain.now,
                             permit2_allowance=chain.url)
    paid = 0
    with uvicorn_on_loopback(app) as url, httpx.Client(auth=PaymentAuth(x402=client_payer), timeout=60) as client:
        for path, proxy, amount in (("/item", EXACT_PROXY, PRICE), ("/metered", UPTO_PROXY, PRICE),
                                    ("/metered", UPTO_PROXY, MAXIMUM)):
            r = client.get(url + path)
            assert r.status_code == 200, r.text
            receipt = payment_receipt(r)
            assert receipt is not None and receipt["success"] is True, receipt
            assert_settled(chain, receipt["transaction"], sender=SETTLER, proxy=proxy, payer=payer.address,
                           payee=payee, amount=amount)
            paid += amount
            assert (chain.balance_of(payer.address), chain.balance_of(payee)) == (FUNDING - paid, paid)
        # a zero charge: served, as the reference serves it, with the receipt of amount 0; nothing is sent
        sent, block = pending_nonce(chain, SETTLER), chain.block_number()
        r = client.get(url + "/metered")
        assert r.status_code == 200 and r.json() == {"data": "metered"}, r.text
        assert payment_receipt(r) == {"success": True, "transaction": "", "network": deployment["network"],
                                      "payer": payer.address, "amount": "0"}, payment_receipt(r)
        assert (pending_nonce(chain, SETTLER), chain.block_number()) == (sent, block)
    assert (chain.balance_of(payer.address), chain.balance_of(payee)) == (FUNDING - paid, paid)
    assert client_payer.budget.spent == paid


# --- pay402 facilitator (a subprocess) ---------------------------------------------------------------


@pytest.fixture(scope="module")
def our_facilitator(tmp_path_factory: pytest.TempPathFactory, chain: Chain) -> Iterator[FacilitatorProcess]:
    api_key = "permit2-" + os.urandom(8).hex()
    config = (
        'api_keys_env = ["FAC_API_KEY"]\n'
        "[[networks]]\n"
        'network = "eip155:31337"\n'
        f'rpc_urls = ["{chain.url}"]\n'
        'signer_key_env = "FAC_SETTLER_KEY"\n'
        "upto = true\n"
    )
    env = {**os.environ, "FAC_API_KEY": api_key, "FAC_SETTLER_KEY": FAC_KEY}
    fac = FacilitatorProcess(tmp_path_factory.mktemp("permit2-facilitator"), "permit2", config, env, api_key)
    try:
        yield fac
    finally:
        fac.stop()


def test_pay402_facilitator_settles_exact_permit2_and_upto(chain: Chain, deployment: dict,
                                                           our_facilitator: FacilitatorProcess) -> None:
    with our_facilitator.client() as client:
        kinds = client.supported()["kinds"]
        assert {"x402Version": 2, "scheme": "upto", "network": deployment["network"],
                "extra": {"facilitatorAddress": FAC_SIGNER}} in kinds, kinds
        # exact via Permit2
        payer, payee = Payer(chain), new_payee()
        req = exact_requirements(deployment, payee)
        payment = pay402_payment(chain, req, payer)
        out = client.settle(payment, req)
        tx = assert_settled(chain, out["transaction"], sender=FAC_SIGNER, proxy=EXACT_PROXY, payer=payer.address,
                            payee=payee, amount=PRICE)
        assert tx["input"] == settle_calldata(req, payment)
        # upto: the resource server sends the charge as the requirements' amount (the signed maximum stays in the payment)
        payer, payee = Payer(chain), new_payee()
        req = upto_requirements(deployment, payee, FAC_SIGNER)
        payment = reference_payment(chain, req, payer)
        out = client.settle(payment, {**req, "amount": str(PRICE)})
        assert out["success"] is True and out["amount"] == str(PRICE), out
        tx = assert_settled(chain, out["transaction"], sender=FAC_SIGNER, proxy=UPTO_PROXY, payer=payer.address,
                            payee=payee, amount=PRICE)
        assert tx["input"] == settle_calldata(req, payment, PRICE)
        assert (chain.balance_of(payer.address), chain.balance_of(payee)) == (FUNDING - PRICE, PRICE)
        # the same upto permit again: refused, nothing moves
        sent = pending_nonce(chain, FAC_SIGNER)
        with pytest.raises(SettleError):
            client.settle(payment, {**req, "amount": str(PRICE)})
        assert pending_nonce(chain, FAC_SIGNER) == sent and chain.balance_of(payee) == PRICE
        # a zero charge: the reference's answer (success, amount "0"), nothing sent
        payer, payee = Payer(chain), new_payee()
        req = upto_requirements(deployment, payee, FAC_SIGNER)
        sent, block = pending_nonce(chain, FAC_SIGNER), chain.block_number()
        zero = pay402_payment(chain, req, payer)
        out = client.settle(zero, {**req, "amount": "0"})
        assert out == {"success": True, "transaction": "", "network": deployment["network"], "payer": payer.address,
                       "amount": "0"}, out
        assert (pending_nonce(chain, FAC_SIGNER), chain.block_number()) == (sent, block)
        assert not nonce_used(chain, payer.address, permit_nonce(zero))
        # a charge above the maximum, another facilitator's payment: refused before sending
        payment = pay402_payment(chain, req, payer)
        foreign = upto_requirements(deployment, payee, FACILITATOR)
        for pay, charged, reason in (
            (payment, {**req, "amount": str(MAXIMUM + 1)}, "invalid_upto_evm_payload_settlement_exceeds_amount"),
            (pay402_payment(chain, foreign, payer), {**foreign, "amount": str(PRICE)}, "upto_facilitator_mismatch"),
        ):
            with pytest.raises(SettleError) as e:
                client.settle(pay, charged)
            assert e.value.body is not None and e.value.body["transaction"] == "", e.value.body
            assert e.value.body["errorReason"] == reason, e.value.body
        assert pending_nonce(chain, FAC_SIGNER) == sent and chain.balance_of(payee) == 0
        assert not nonce_used(chain, payer.address, permit_nonce(payment))
        # the charge equal to the maximum, with the same (unused) permit
        out = client.settle(payment, {**req, "amount": str(MAXIMUM)})
        assert out["success"] is True and out["amount"] == str(MAXIMUM), out
        assert_settled(chain, out["transaction"], sender=FAC_SIGNER, proxy=UPTO_PROXY, payer=payer.address,
                       payee=payee, amount=MAXIMUM)
        assert (chain.balance_of(payer.address), chain.balance_of(payee)) == (FUNDING - MAXIMUM, MAXIMUM)


# --- the reference facilitator against the Lite contracts: the byte-for-byte cross-check -------------


@pytest.fixture(scope="module")
def reference(facilitator_url: str) -> Iterator[FacilitatorClient]:
    with FacilitatorClient(facilitator_url, timeout=60) as client:
        yield client


@pytest.mark.parametrize("signer", ["pay402", "reference"])
def test_reference_facilitator_settles_exact_permit2_as_pay402_encodes_it(
        chain: Chain, deployment: dict, reference: FacilitatorClient, signer: str) -> None:
    payer, payee = Payer(chain), new_payee()
    req = exact_requirements(deployment, payee)
    payment = pay402_payment(chain, req, payer) if signer == "pay402" else reference_payment(chain, req, payer)
    assert reference.verify(payment, req)["isValid"] is True
    out = reference.settle(payment, req)
    tx = assert_settled(chain, out["transaction"], sender=FACILITATOR, proxy=EXACT_PROXY, payer=payer.address,
                        payee=payee, amount=PRICE)
    assert tx["input"] == settle_calldata(req, payment)
    assert nonce_used(chain, payer.address, permit_nonce(payment))
    # and the reference refuses the replay (Permit2Lite's spent nonce): nothing sent, nothing moves twice
    sent = pending_nonce(chain, FACILITATOR)
    with pytest.raises(SettleError) as e:
        reference.settle(payment, req)
    assert e.value.body is not None and e.value.body["transaction"] == ""
    assert INVALID_NONCE[2:] in e.value.body["errorReason"], e.value.body  # its text names the revert data
    assert pending_nonce(chain, FACILITATOR) == sent
    assert (chain.balance_of(payer.address), chain.balance_of(payee)) == (FUNDING - PRICE, PRICE)


@pytest.mark.parametrize("signer", ["pay402", "reference"])
def test_reference_facilitator_settles_upto_as_pay402_encodes_it(
        chain: Chain, deployment: dict, reference: FacilitatorClient, signer: str) -> None:
    payer, payee = Payer(chain), new_payee()
    req = upto_requirements(deployment, payee, FACILITATOR)
    payment = pay402_payment(chain, req, payer) if signer == "pay402" else reference_payment(chain, req, payer)
    assert reference.verify(payment, req)["isValid"] is True
    out = reference.settle(payment, {**req, "amount": str(PRICE)})
    assert out["success"] is True and out["amount"] == str(PRICE), out
    tx = assert_settled(chain, out["transaction"], sender=FACILITATOR, proxy=UPTO_PROXY, payer=payer.address,
                        payee=payee, amount=PRICE)
    assert tx["input"] == settle_calldata(req, payment, PRICE)
    assert (chain.balance_of(payer.address), chain.balance_of(payee)) == (FUNDING - PRICE, PRICE)
    # what pay402 refuses before sending, the reference refuses with the same reasons; the replay reverts in its
    # simulation against Permit2Lite
    sent = pending_nonce(chain, FACILITATOR)
    other = pay402_payment(chain, req, payer)
    wrong = upto_requirements(deployment, payee, SETTLER)
    for pay, sent_req, reason in (
        (payment, {**req, "amount": str(PRICE)}, "permit2_simulation_failed"),
        (other, {**req, "amount": str(MAXIMUM + 1)}, "invalid_upto_evm_payload_settlement_exceeds_amount"),
        (pay402_payment(chain, wrong, payer), {**wrong, "amount": str(PRICE)}, "upto_facilitator_mismatch"),
    ):
        with pytest.raises(SettleError) as e:
            reference.settle(pay, sent_req)
        assert e.value.body is not None and e.value.body["errorReason"] == reason, e.value.body
    assert pending_nonce(chain, FACILITATOR) == sent
    assert (chain.balance_of(payer.address), chain.balance_of(payee)) == (FUNDING - PRICE, PRICE)


def test_zero_upto_charge_sends_nothing_either_way(chain: Chain, deployment: dict, reference: FacilitatorClient) -> None:
    """The reference's answer to a charge of 0, which pay402 gives too (tests above): success with amount "0", no
    transaction, the permit unused."""
    payer, payee = Payer(chain), new_payee()
    req = upto_requirements(deployment, payee, FACILITATOR)
    payment = pay402_payment(chain, req, payer)
    sent, block = pending_nonce(chain, FACILITATOR), chain.block_number()
    out = reference.settle(payment, {**req, "amount": "0"})
    assert out == {"success": True, "transaction": "", "network": deployment["network"], "payer": payer.address,
                   "amount": "0"}, out
    assert (pending_nonce(chain, FACILITATOR), chain.block_number()) == (sent, block)
    assert not nonce_used(chain, payer.address, permit_nonce(payment))


def test_without_the_permit2_approval_nothing_is_sent(chain: Chain, deployment: dict, reference: FacilitatorClient,
                                                      settlement: LocalEvmSettlement) -> None:
    """A payer who never approved Permit2: Permit2's token transfer fails (`TRANSFER_FROM_FAILED`), so pay402's
    simulation refuses and the reference reports the missing allowance; once approved, the same payment settles."""
    payer, payee = chain_helpers.Payer(chain, FUNDING), new_payee()
    assert allowance(chain, payer.address, PERMIT2) == 0
    req = exact_requirements(deployment, payee)
    payment = pay402_payment(chain, req, payer)
    sent, ref_sent = pending_nonce(chain, SETTLER), pending_nonce(chain, FACILITATOR)
    out = settlement.settle_payment(payment, req)
    assert out["success"] is False and out["transaction"] == "" and out["errorMessage"] == "TRANSFER_FROM_FAILED", out
    with pytest.raises(VerifyError) as e:
        reference.verify(payment, req)
    assert e.value.body is not None and e.value.body["invalidReason"] == "permit2_allowance_required", e.value.body
    with pytest.raises(SettleError) as s:
        reference.settle(payment, req)
    assert s.value.body is not None and "TRANSFER_FROM_FAILED" in s.value.body["errorReason"], s.value.body
    assert (pending_nonce(chain, SETTLER), pending_nonce(chain, FACILITATOR)) == (sent, ref_sent)
    assert chain.balance_of(payee) == 0 and not nonce_used(chain, payer.address, permit_nonce(payment))
    approve = call_data("approve(address,uint256)", PERMIT2, UINT256_MAX)
    assert send_as(chain, payer.address, chain.token, approve).status == 1
    out = settlement.settle_payment(payment, req)
    assert_settled(chain, out["transaction"], sender=SETTLER, proxy=EXACT_PROXY, payer=payer.address, payee=payee,
                   amount=PRICE)
