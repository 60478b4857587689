"""On-chain proofs through the Python API as a server uses them: the core decides on the RPC result,
then the transaction's replay key goes into a single-use store, so the same transaction is accepted
once. Inputs and expected values are the PayPer402 case of
tests/conformance/vectors/onchain-proof-svm.peers.json (built with the Solana peers, not with pay402)."""

import json
from pathlib import Path
from typing import Any, Dict, Set

import pytest

import pay402
from vectors import payper402_payment

VECTORS = Path(__file__).resolve().parents[2] / "tests" / "conformance" / "vectors"


def _case(name: str) -> Dict[str, Any]:
    doc = json.loads((VECTORS / "onchain-proof-svm.peers.json").read_text("utf-8"))
    return next(c for c in doc["cases"] if c["name"] == name)


class SetStore:
    """The host's single-use store: insert-if-absent over a set."""

    def __init__(self) -> None:
        self.keys: Set[bytes] = set()

    def insert_if_absent(self, key: bytes) -> bool:
        if key in self.keys:
            return False
        self.keys.add(key)
        return True


def test_a_payper402_payment_is_accepted_once() -> None:
    case = _case("PayPer402: paid the challenge's amount")
    want = case["expect"]["ok"]
    paid = payper402_payment(case["input"])
    assert (paid.tx_key, paid.payer, paid.amount) == (want["tx_key"], want["payer"], int(want["amount"]))
    store = SetStore()
    pay402.accept_once(store, paid.tx_key.encode())
    # The same transaction again: the core still accepts the proof, the store refuses the reuse.
    again = payper402_payment(case["input"])
    with pytest.raises(pay402.DialectError) as refused:
        pay402.accept_once(store, again.tx_key.encode())
    assert refused.value.code == "proof_already_used"


def test_a_refused_proof_is_an_onchain_error_with_the_core_code() -> None:
    case = _case("PayPer402: paid less than the challenge's amount")
    with pytest.raises(pay402.OnchainError) as refused:
        payper402_payment(case["input"])
    assert refused.value.code == case["expect"]["error"]


def test_a_truncated_rpc_result_names_the_json_error() -> None:
    i = dict(_case("PayPer402: paid the challenge's amount")["input"])
    i["result_json"] = i["result_json"][:40]
    with pytest.raises(pay402.OnchainError) as refused:
        payper402_payment(i)
    assert (refused.value.code, refused.value.detail_code) == ("invalid_rpc_result", "json_unexpected_end")
