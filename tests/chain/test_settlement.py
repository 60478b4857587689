"""pay402's x402 `exact` EIP-3009 payments settle for real on a local EVM chain.

pay402 (the Python package on the Rust core) is the client (`sign_payment`) and the verifier
(`verify_payment`, strict signature policy). Settlement goes (a) through the reference TypeScript
facilitator (@x402/core + @x402/evm, facilitator.mjs) over HTTP and (b) by a direct
`transferWithAuthorization` call. The token is the project's own Eip3009Token (FiatToken's rules).
Every negative case pay402 rejects is also shown to revert on chain with balances unchanged.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Optional

import pay402
import pytest
from pay402.errors import VerifyError
from pay402.facilitator import FacilitatorClient
from pay402.replay import MemoryReplayStore, replay_ttl

from chain import FACILITATOR, SECP256K1_N, SUBMITTER, Chain, split_signature, twa_call_data

AMOUNT = 12_345  # atomic units (6 decimals): 0.012345
FUNDING = 1_000_000
MAX_TIMEOUT = 300

TRANSFER_TOPIC = "0x" + pay402.keccak256(b"Transfer(address,address,uint256)").hex()
AUTH_USED_TOPIC = "0x" + pay402.keccak256(b"AuthorizationUsed(address,bytes32)").hex()

# The chain's revert reasons (contracts/Eip3009Token.sol).
REVERT_HIGH_S = "ECRecover: invalid signature 's' value"
REVERT_V = "ECRecover: invalid signature 'v' value"
REVERT_EXPIRED = "Eip3009Token: authorization is expired"
REVERT_BAD_SIGNER = "Eip3009Token: invalid signature"
REVERT_USED = "Eip3009Token: authorization is used or canceled"


# --- the pieces a resource server has -----------------------------------------------------------


def requirements_for(deployment: dict, pay_to: str, *, name: Optional[str] = None) -> dict:
    """One `accepts` entry for the local token (x402 v2): asset + EIP-712 domain in `extra`."""
    return {
        "scheme": "exact",
        "network": deployment["network"],
        "amount": str(AMOUNT),
        "asset": deployment["token"],
        "payTo": pay_to,
        "maxTimeoutSeconds": MAX_TIMEOUT,
        "extra": {"name": name or deployment["name"], "version": deployment["version"]},
    }


def payment_required(requirements: dict) -> str:
    return json.dumps(
        {
            "x402Version": 2,
            "error": "PAYMENT-SIGNATURE header is required",
            "resource": {"url": "http://127.0.0.1/premium", "description": "chain test", "mimeType": "application/json"},
            "accepts": [requirements],
        }
    )


class ReplayRefused(Exception):
    pass


def facilitator_verify(facilitator: FacilitatorClient, payment: str, requirements: dict) -> dict:
    """pay402's facilitator client `POST /verify`; the VerifyResponse either way (`isValid` true is
    returned, `isValid` false raises VerifyError carrying the body, whether the facilitator sends it with
    200 or 400)."""
    try:
        return facilitator.verify(payment, requirements)
    except VerifyError as e:
        assert e.body is not None and e.code == e.body.get("invalidReason"), e
        return dict(e.body)


@dataclass
class Server:
    """The order a pay402 resource server follows: verify (strict) → replay check → settle, with pay402's
    replay store and facilitator client (what `pay402.server.X402Paywall` does; test_middleware.py runs
    the real middleware)."""

    requirements: dict
    facilitator: FacilitatorClient
    chain: Chain
    store: MemoryReplayStore
    settle_calls: int = 0

    def serve(self, header_value: str) -> dict:
        now = self.chain.now()
        verified = pay402.verify_payment(json.dumps(self.requirements), header_value, now=now)
        if not self.store.insert_if_absent(verified.replay_key, replay_ttl(verified.valid_before, now)):
            raise ReplayRefused(verified.nonce)
        self.settle_calls += 1
        payment = pay402.decode_payment_payload(header=header_value).json
        return self.facilitator.settle(payment, self.requirements)


# --- fixtures -----------------------------------------------------------------------------------


@dataclass
class Party:
    key: bytes
    address: str


@pytest.fixture
def payer(chain: Chain) -> Party:
    """A fresh key with tokens and no ETH: EIP-3009 is gasless for the payer."""
    key = os.urandom(32)
    party = Party(key, pay402.private_key_to_address(key))
    chain.mint(party.address, FUNDING)
    return party


@pytest.fixture
def payee() -> Party:
    key = os.urandom(32)
    return Party(key, pay402.private_key_to_address(key))


def sign(chain: Chain, requirements: dict, payer: Party, *, now: Optional[int] = None) -> pay402.SignedPayment:
    return pay402.sign_payment(
        payment_required(requirements), payer.key, now=chain.now() if now is None else now, nonce=os.urandom(32)
    )


def with_signature(signed: pay402.SignedPayment, signature: bytes) -> str:
    payload = json.loads(signed.json)
    payload["payload"]["signature"] = "0x" + signature.hex()
    return pay402.encode_header(json.dumps(payload))


def balances(chain: Chain, *parties: Party) -> list[int]:
    return [chain.balance_of(p.address) for p in parties]


def assert_reverts(chain: Chain, data: str, reason: str) -> None:
    """The call reverts with `reason` (eth_call), and sent for real it is mined with status 0."""
    with pytest.raises(Exception) as e:
        chain.call(data)
    assert getattr(e.value, "revert_reason", None) == reason, e.value
    receipt = chain.send(data)
    assert receipt.status == 0, receipt
    assert receipt.logs == []


def assert_transfer_logs(receipt, token: str, payer: Party, payee: Party, nonce: str) -> None:
    logs = [lg for lg in receipt.logs if lg["address"].lower() == token.lower()]
    used = [lg for lg in logs if lg["topics"][0] == AUTH_USED_TOPIC]
    moved = [lg for lg in logs if lg["topics"][0] == TRANSFER_TOPIC]
    assert len(used) == 1 and used[0]["topics"][2] == nonce.lower()
    assert int(used[0]["topics"][1], 16) == int(payer.address, 16)
    assert len(moved) == 1
    assert int(moved[0]["topics"][1], 16) == int(payer.address, 16)
    assert int(moved[0]["topics"][2], 16) == int(payee.address, 16)
    assert int(moved[0]["data"], 16) == AMOUNT


# --- the token is what the x402 rules describe ------------------------------------------------


def test_token_domain_matches_pay402(chain: Chain, deployment: dict) -> None:
    assert chain.read_string("name()") == deployment["name"]
    assert chain.read_string("version()") == deployment["version"]
    assert int(chain.rpc("eth_chainId"), 16) == 31337
    typehash = chain.call("0x" + pay402.keccak256(b"TRANSFER_WITH_AUTHORIZATION_TYPEHASH()")[:4].hex())
    assert typehash == "0x7c7c6cdb67a18743f49ec6fa9b35f50d52ed05cbed4cc592e13b44501c1a2267"  # EIP-3009
    domain = {"name": deployment["name"], "version": deployment["version"], "chainId": 31337,
              "verifyingContract": deployment["token"]}
    message = {"from": FACILITATOR, "to": SUBMITTER, "value": 1, "validAfter": 0, "validBefore": 1, "nonce": "0x" + "00" * 32}
    on_chain = chain.call("0x" + pay402.keccak256(b"DOMAIN_SEPARATOR()")[:4].hex())
    assert on_chain == "0x" + pay402.eip3009_digests(domain, message).domain_separator.hex()


def test_facilitator_supports_the_local_chain(facilitator: FacilitatorClient) -> None:
    supported = facilitator.supported()  # pay402's client checks the body with the core's decoder
    assert {"x402Version": 2, "scheme": "exact", "network": "eip155:31337"} in supported["kinds"]
    assert supported["signers"]["eip155:*"] == [FACILITATOR]
    pay402.decode_supported_response(json.dumps(supported))


# --- 1. settles: through the reference facilitator, and directly -------------------------------


def test_settles_through_the_reference_facilitator(chain: Chain, deployment: dict, facilitator: FacilitatorClient,
                                                   payer: Party, payee: Party) -> None:
    req = requirements_for(deployment, payee.address)
    signed = sign(chain, req, payer)
    assert signed.header_name == "PAYMENT-SIGNATURE"

    verified = pay402.verify_payment(json.dumps(req), signed.header_value, now=chain.now())  # strict by default
    assert (verified.payer, verified.amount, verified.chain_id) == (payer.address, AMOUNT, 31337)
    assert not chain.authorization_state(payer.address, verified.nonce)

    verdict = facilitator.verify(signed.json, req)  # pay402's facilitator client
    assert verdict["isValid"] is True, verdict
    assert verdict["payer"] == payer.address
    pay402.decode_verify_response(json.dumps(verdict))

    before = balances(chain, payer, payee)
    gas_wallet_nonce = chain.tx_count(FACILITATOR)
    settled = facilitator.settle(signed.json, req)
    assert settled["success"] is True, settled
    assert settled["network"] == "eip155:31337" and settled["payer"] == payer.address

    # the transaction hash is real: a mined, successful transferWithAuthorization from the facilitator wallet
    receipt = chain.receipt(settled["transaction"])
    assert receipt.status == 1
    tx = chain.rpc("eth_getTransactionByHash", settled["transaction"])
    assert tx["from"].lower() == FACILITATOR.lower() and tx["to"].lower() == deployment["token"].lower()
    assert tx["input"][:10] == "0xe3ee160e"
    # the reference facilitator sent, byte for byte, the calldata pay402's core builds for this payment
    assert tx["input"] == "0x" + pay402.x402_settle_calldata(json.dumps(req), signed.header_value).data.hex()
    assert pay402.x402_settle_calldata(json.dumps(req), signed.header_value).to.lower() == deployment["token"].lower()
    assert chain.tx_count(FACILITATOR) == gas_wallet_nonce + 1
    assert_transfer_logs(receipt, deployment["token"], payer, payee, verified.nonce)

    assert balances(chain, payer, payee) == [before[0] - AMOUNT, before[1] + AMOUNT]
    assert chain.authorization_state(payer.address, verified.nonce)

    # pay402 reads the settlement as a client would from PAYMENT-RESPONSE
    message = pay402.decode_settle_response(body=json.dumps(settled))
    assert json.loads(message.json)["transaction"] == settled["transaction"]
    header = message.to_header()
    assert json.loads(pay402.read_settle_response({"PAYMENT-RESPONSE": header}).json)["success"] is True


def test_settles_by_direct_transfer_with_authorization(chain: Chain, deployment: dict, payer: Party,
                                                       payee: Party) -> None:
    req = requirements_for(deployment, payee.address)
    signed = sign(chain, req, payer)
    verified = pay402.verify_payment(json.dumps(req), signed.header_value, now=chain.now())
    authorization = json.loads(signed.json)["payload"]["authorization"]
    data = twa_call_data(authorization, signed.signature)

    before = balances(chain, payer, payee)
    chain.call(data)  # simulation passes
    receipt = chain.send(data)  # any account may submit; here Hardhat account #2 pays the gas
    assert receipt.status == 1
    assert receipt.tx_hash.startswith("0x") and len(receipt.tx_hash) == 66
    assert_transfer_logs(receipt, deployment["token"], payer, payee, verified.nonce)
    assert balances(chain, payer, payee) == [before[0] - AMOUNT, before[1] + AMOUNT]
    assert chain.authorization_state(payer.address, verified.nonce)


# --- 2. what pay402 rejects in strict mode reverts on chain --------------------------------------


def high_s(signed: pay402.SignedPayment, chain: Chain, req: dict) -> str:
    r, s, v = split_signature(signed.signature)
    s2 = SECP256K1_N - int.from_bytes(s, "big")  # same signer, the other half of the curve order
    return with_signature(signed, r + s2.to_bytes(32, "big") + bytes([55 - v]))


def v_parity(signed: pay402.SignedPayment, chain: Chain, req: dict) -> str:
    r, s, v = split_signature(signed.signature)
    return with_signature(signed, r + s + bytes([v - 27]))  # yParity 0/1 instead of 27/28


# The reference facilitator (@x402/evm 2.27.0) recovers high-s and v 0/1 signatures off-chain (viem does not
# enforce low s or v 27/28) and only its eth_call simulation catches them (FiatTokenV2's `ECRecover`); pay402 refuses them up front.
SIM = "invalid_exact_evm_transaction_simulation_failed"
NEGATIVE = {
    # name: (mutation, pay402 code, pay402 detail code, chain revert reason, lenient accepts, reference verdict)
    "high_s": (high_s, "invalid_exact_evm_signature", "signature_high_s", REVERT_HIGH_S, True, SIM),
    "v_0_1": (v_parity, "invalid_exact_evm_signature", "signature_v", REVERT_V, True, SIM),
    "expired": (None, "invalid_exact_evm_payload_authorization_valid_before", None, REVERT_EXPIRED, False,
                "invalid_exact_evm_payload_authorization_valid_before"),
    "wrong_domain": (None, "invalid_exact_evm_signature", None, REVERT_BAD_SIGNER, False, "invalid_exact_evm_signature"),
}


@pytest.mark.parametrize("case", list(NEGATIVE))
def test_strict_rejections_revert_on_chain(case: str, chain: Chain, deployment: dict, facilitator: FacilitatorClient,
                                           payer: Party, payee: Party) -> None:
    mutate, code, detail, revert, lenient_accepts, reference = NEGATIVE[case]
    req = requirements_for(deployment, payee.address)
    now = chain.now()
    if case == "expired":
        # signed 1000 s ago with a 300 s timeout: validBefore = now − 700 ≤ block.timestamp
        signed = sign(chain, req, payer, now=now - 1000)
        header = signed.header_value
    elif case == "wrong_domain":
        # signed for a token named otherwise (same address, chain, version); `accepted` still echoes the offer
        signed = sign(chain, requirements_for(deployment, payee.address, name="USD Coin"), payer)
        payload = json.loads(signed.json)
        payload["accepted"] = req
        header = pay402.encode_header(json.dumps(payload))
    else:
        signed = sign(chain, req, payer)
        header = mutate(signed, chain, req)
    payment = pay402.decode_payment_payload(header=header).json
    sent = json.loads(payment)["payload"]

    with pytest.raises(pay402.X402Error) as e:
        pay402.verify_payment(json.dumps(req), header, now=now)
    assert e.value.code == code, e.value.message
    if detail:
        assert e.value.detail_code == detail
    if lenient_accepts:
        # the looser policy recovers the right payer — which is exactly why strict is the default
        lenient = pay402.verify_payment(json.dumps(req), header, now=now, signature="lenient")
        assert lenient.payer == payer.address

    # the reference facilitator refuses it too (its on-chain simulation hits the same revert)
    verdict = facilitator_verify(facilitator, payment, req)
    assert (verdict["isValid"], verdict.get("invalidReason")) == (False, reference), verdict

    before = balances(chain, payer, payee)
    assert_reverts(chain, twa_call_data(sent["authorization"], sent["signature"]), revert)
    assert balances(chain, payer, payee) == before
    assert not chain.authorization_state(payer.address, sent["authorization"]["nonce"])


def test_time_window_is_strict_on_chain(chain: Chain, deployment: dict, payer: Party, payee: Party) -> None:
    """FiatToken's window: validAfter < block.timestamp < validBefore, both strict (FiatTokenV2); pay402's
    verdict for the same authorization at that second, side by side."""
    req = requirements_for(deployment, payee.address)
    domain = {"name": deployment["name"], "version": deployment["version"], "chainId": 31337,
              "verifyingContract": deployment["token"]}

    def attempt(valid_after_delta: int, valid_before_delta: int) -> tuple[Optional[str], int]:
        t = chain.latest_timestamp() + 3  # the next block's exact timestamp
        authorization = {"from": payer.address, "to": payee.address, "value": str(AMOUNT),
                         "validAfter": str(t + valid_after_delta), "validBefore": str(t + valid_before_delta),
                         "nonce": "0x" + os.urandom(32).hex()}
        signature = "0x" + pay402.eip3009_sign(payer.key, domain, authorization).hex()
        payload = {"x402Version": 2, "resource": {"url": "http://127.0.0.1/premium"}, "accepted": req,
                   "payload": {"signature": signature, "authorization": authorization}}
        try:
            pay402.verify_payment(json.dumps(req), pay402.encode_header(json.dumps(payload)), now=t)
            verdict = None
        except pay402.X402Error as e:
            verdict = e.code
        chain.set_next_timestamp(t)
        return verdict, chain.send(twa_call_data(authorization, signature)).status

    before = balances(chain, payer, payee)
    # validBefore == block.timestamp: the chain reverts, pay402 refuses it; pay402 also refuses anything that
    # expires within its 6 s settlement slack (`validBefore < now + 6`, as the reference facilitator) though the chain
    # would still take it in this block
    assert attempt(-600, 0) == ("invalid_exact_evm_payload_authorization_valid_before", 0)
    assert attempt(-600, 5) == ("invalid_exact_evm_payload_authorization_valid_before", 1)
    assert attempt(-600, 6) == (None, 1)
    # validAfter == block.timestamp: the chain reverts; pay402, like every x402 facilitator (`validAfter > now`
    # fails, as the reference facilitator), accepts it at that very second — one second looser than the chain. Harmless
    # in practice (clients sign with validAfter = now − 600, and settlement lands in a later block), shown here.
    assert attempt(0, 300) == (None, 0)
    assert attempt(-1, 1) == ("invalid_exact_evm_payload_authorization_valid_before", 1)  # tightest window on chain
    assert balances(chain, payer, payee) == [before[0] - 3 * AMOUNT, before[1] + 3 * AMOUNT]


# --- 3. replay --------------------------------------------------------------------------------


def test_replay_is_refused_by_pay402_and_by_the_contract(chain: Chain, deployment: dict, facilitator: FacilitatorClient,
                                                         payer: Party, payee: Party) -> None:
    req = requirements_for(deployment, payee.address)
    server = Server(req, facilitator, chain, MemoryReplayStore())
    signed = sign(chain, req, payer)

    first = server.serve(signed.header_value)
    assert first["success"] is True, first
    assert chain.receipt(first["transaction"]).status == 1
    after_first = balances(chain, payer, payee)

    # second submission: refused by the replay store, before anything reaches the facilitator or the chain
    block, gas_wallet_nonce = chain.block_number(), chain.tx_count(FACILITATOR)
    with pytest.raises(ReplayRefused):
        server.serve(signed.header_value)
    assert server.settle_calls == 1
    assert (chain.block_number(), chain.tx_count(FACILITATOR)) == (block, gas_wallet_nonce)

    # a fresh payment from the same payer is a different key and goes through
    assert server.serve(sign(chain, req, payer).header_value)["success"] is True
    after_second = balances(chain, payer, payee)
    assert after_second == [after_first[0] - AMOUNT, after_first[1] + AMOUNT]

    # the replay sent anyway: the facilitator's simulation and the contract both refuse it
    verdict = facilitator_verify(facilitator, signed.json, req)
    assert verdict == {**verdict, "isValid": False, "invalidReason": "invalid_exact_evm_nonce_already_used"}, verdict
    authorization = json.loads(signed.json)["payload"]["authorization"]
    assert chain.authorization_state(payer.address, authorization["nonce"])
    assert_reverts(chain, twa_call_data(authorization, signed.signature), REVERT_USED)
    assert balances(chain, payer, payee) == after_second
