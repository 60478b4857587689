"""Solana (x402 `exact` on SVM) through the Python API: typed errors on garbage, the peer
vectors' reference-client transaction rebuilt and verified end to end, addresses. Expected
values come from tests/conformance/vectors/x402-verify-svm.peers.json (built with @solana/kit) or from the
core's documented examples, never from printing the code under test."""

from __future__ import annotations

import base64
import json
from typing import Any, Dict, List

import pytest

import pay402
import vectors

PEERS = json.loads((vectors.VECTOR_DIR / "x402-verify-svm.peers.json").read_text(encoding="utf-8"))
CASES: List[Dict[str, Any]] = PEERS["cases"]
BUILD = next(c for c in CASES if c["op"] == "svm.build")
# The first case: the reference client's v2 transaction, which the build case reproduces.
VERIFY = CASES[0]
assert VERIFY["op"] == "x402.verify" and "ok" in VERIFY["expect"]
REQ = VERIFY["input"]["requirements"]
REQ_JSON = json.dumps(REQ, separators=(",", ":"))
PAYMENT = json.loads(base64.b64decode(VERIFY["input"]["payment"]))


def _header(transaction: str) -> str:
    payment = dict(PAYMENT, payload={"transaction": transaction})
    return pay402.x402_encode_header(json.dumps(payment, separators=(",", ":")))


def _build(**overrides: Any) -> bytes:
    i = BUILD["input"]
    kwargs: Dict[str, Any] = dict(
        fee_payer=i["fee_payer"],
        mint=i["mint"],
        pay_to=i["pay_to"],
        token_program=i["token_program"],
        amount=int(i["amount"]),
        decimals=i["decimals"],
        memo=i["memo"],
        recent_blockhash=pay402.svm_parse_pubkey(i["recent_blockhash"]),
    )
    kwargs.update(overrides)
    return pay402.svm_build_transfer(bytes.fromhex(i["payer_seed_hex"]), **kwargs)


# An EVM offer (the x402 v2 `PAYMENT-REQUIRED` example), for the tests that mix networks.
EVM_OFFER = {
    "scheme": "exact",
    "network": "eip155:84532",
    "amount": "10000",
    "asset": "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
    "payTo": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
    "maxTimeoutSeconds": 60,
    "extra": {"name": "USDC", "version": "2"},
}


def test_peer_vector_round_trip_build_then_verify() -> None:
    wire = _build()
    b64 = pay402.base64_encode(wire)
    assert b64 == BUILD["expect"]["ok"]["transaction"]  # byte-identical to @solana/kit
    assert b64 == PAYMENT["payload"]["transaction"]
    v = pay402.x402_verify(REQ_JSON, _header(b64), now=0)
    assert isinstance(v, pay402.SvmVerified)
    assert v.payer == VERIFY["expect"]["ok"]["payer"] == pay402.svm_public_key(BUILD["input"]["payer_seed_hex"])
    assert v.amount == int(VERIFY["expect"]["ok"]["amount"]) == 10_000
    assert (v.x402_version, v.network, v.kind) == (2, REQ["network"], "exact_svm")
    assert v.fee_payer == REQ["extra"]["feePayer"]
    assert v.mint == REQ["asset"] and v.token_program == pay402.SVM_TOKEN_PROGRAM_ID
    assert v.destination == pay402.svm_associated_token_address(REQ["payTo"], REQ["asset"])
    assert v.source == pay402.svm_associated_token_address(v.payer, REQ["asset"])
    assert (v.decimals, v.compute_unit_limit, v.compute_unit_price) == (6, 20_000, 1)
    assert v.recent_blockhash == pay402.svm_parse_pubkey(BUILD["input"]["recent_blockhash"])
    assert v.still_to_check == [
        "recent_blockhash",
        "token_accounts",
        "mint",
        "simulation",
        "duplicate_settlement",
    ]
    # The policy keywords reach the core.
    v2 = pay402.x402_verify(REQ_JSON, _header(b64), now=0, fee_payers=[REQ["extra"]["feePayer"]])
    assert v2 == v
    for kwargs, code in [
        ({"fee_payers": [pay402.SVM_MEMO_PROGRAM_ID]}, "invalid_exact_svm_fee_payer_not_managed_by_facilitator"),
        ({"max_compute_unit_price": 0}, "invalid_exact_svm_payload_transaction_instructions_compute_price_instruction_too_high"),
        ({"max_compute_unit_limit": 19_999}, "invalid_exact_svm_payload_transaction_instructions_compute_limit_instruction_too_high"),
        ({"max_instructions": 3}, "invalid_exact_svm_payload_transaction_instructions_length"),
    ]:
        with pytest.raises(pay402.X402Error) as info:
            pay402.x402_verify(REQ_JSON, _header(b64), now=0, **kwargs)
        assert info.value.code == code, kwargs


@pytest.mark.parametrize(
    "transaction,detail",
    [
        (base64.b64encode(b"\x01").decode(), "transaction_truncated"),
        (base64.b64encode(b"\x00" * 3).decode(), "transaction_truncated"),
        # No signatures, a header that requires one.
        (base64.b64encode(bytes([0, 1, 0, 0, 0]) + bytes(33)).decode(), "transaction_invalid_header"),
        ("!!not base64!!", None),
        (base64.b64encode(bytes(2000)).decode(), None),
    ],
)
def test_garbage_transaction_is_a_typed_verdict(transaction: str, detail: Any) -> None:
    with pytest.raises(pay402.X402Error) as info:
        pay402.x402_verify(REQ_JSON, _header(transaction), now=0)
    e = info.value
    assert e.code == "invalid_exact_svm_payload_transaction_could_not_be_decoded"
    assert isinstance(e.detail_code, str) and e.detail_code
    if detail is not None:
        assert e.detail_code == detail
    assert e.reasons["x402_rs"] == "invalid_format"
    assert isinstance(e, pay402.Error) and not isinstance(e, pay402.SvmError)


def test_garbage_everywhere_raises_pay402_errors_only() -> None:
    for garbage in ["", "x", "{}", "0OIl", "\u00e9" * 50, "1" * 100]:
        for call in (
            lambda: pay402.x402_verify(REQ_JSON, garbage, now=0),
            lambda: pay402.x402_verify(garbage, VERIFY["input"]["payment"], now=0),
            lambda: pay402.svm_parse_pubkey(garbage),
        ):
            with pytest.raises(pay402.Error):
                call()


def test_verify_payment_stays_evm_only_and_verify_any_payment_covers_evm() -> None:
    with pytest.raises(pay402.X402Error) as info:
        pay402.verify_payment(REQ_JSON, VERIFY["input"]["payment"], now=0)
    assert info.value.code == "invalid_network"
    required = json.dumps({"x402Version": 2, "resource": {"url": "https://x"}, "accepts": [EVM_OFFER]})
    now, nonce = 1_740_672_100, bytes([0x42] * 32)
    signed = pay402.x402_sign(required, bytes([0x11] * 32), now=now, nonce=nonce)
    req_json = json.dumps(EVM_OFFER)
    v = pay402.x402_verify(req_json, signed.header_value, now=now)
    assert isinstance(v, pay402.Verified)
    assert v == pay402.verify_payment(req_json, signed.header_value, now=now)


def test_svm_errors_carry_codes() -> None:
    with pytest.raises(pay402.SvmError) as info:
        pay402.svm_parse_pubkey("0OIl")
    assert info.value.code == "pubkey_invalid_character"
    with pytest.raises(pay402.SvmError) as info:
        pay402.svm_parse_pubkey("111")
    assert info.value.code == "pubkey_length"
    with pytest.raises(pay402.SvmError) as info:
        pay402.x402_verify(REQ_JSON, VERIFY["input"]["payment"], now=0, fee_payers=["nope0"])
    assert info.value.code == "pubkey_invalid_character"
    payer = pay402.svm_public_key(BUILD["input"]["payer_seed_hex"])
    with pytest.raises(pay402.SvmError) as info:
        _build(fee_payer=payer)
    assert info.value.code == "payer_is_fee_payer"
    with pytest.raises(pay402.SvmError) as info:
        _build(token_program=pay402.SVM_MEMO_PROGRAM_ID)
    assert info.value.code == "unsupported_token_program"
    with pytest.raises(pay402.SvmError) as info:
        _build(memo="m" * 257)
    assert info.value.code == "memo_too_long"
    with pytest.raises(ValueError):
        _build(recent_blockhash=bytes(31))
    with pytest.raises(TypeError):
        _build(recent_blockhash=BUILD["input"]["recent_blockhash"])
    assert issubclass(pay402.SvmError, pay402.Error)


def test_addresses() -> None:
    zero = "11111111111111111111111111111111"
    assert pay402.svm_parse_pubkey(zero) == bytes(32)
    assert pay402.svm_format_pubkey(bytes(32)) == zero
    key = pay402.svm_parse_pubkey(pay402.SVM_TOKEN_PROGRAM_ID)
    assert pay402.svm_format_pubkey(key) == "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
    usdc = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
    # The core's documented example (as @solana-program/token's findAssociatedTokenPda).
    assert pay402.svm_associated_token_address(zero, usdc) == "HJt8Tjdsc9ms9i4WCZEzhzr4oyf3ANcdzXrNdLPFqm3M"
    assert pay402.svm_associated_token_address(zero, usdc, pay402.SVM_TOKEN_PROGRAM_ID) == (
        "HJt8Tjdsc9ms9i4WCZEzhzr4oyf3ANcdzXrNdLPFqm3M"
    )
    assert pay402.svm_associated_token_address(zero, usdc, pay402.SVM_TOKEN_2022_PROGRAM_ID) != (
        "HJt8Tjdsc9ms9i4WCZEzhzr4oyf3ANcdzXrNdLPFqm3M"
    )


# --- the payment header around a built transaction ---------------------------------------------

RESOURCE = {"url": "https://api.example.com/premium", "description": "", "mimeType": "application/json"}
# The v1 reference-client case of the peer file: its requirements.
REQ_V1 = next(c for c in CASES if c["op"] == "x402.verify" and c["input"]["requirements"]["network"] == "solana-devnet")[
    "input"
]["requirements"]


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def test_payment_header_round_trip_v2_build_then_verify() -> None:
    extensions = {"payment-identifier": {"info": {"id": "pay_7f3c2a9e41d84b6c"}}}
    required = _compact(
        {"x402Version": 2, "error": "x", "resource": RESOURCE, "accepts": [EVM_OFFER, REQ], "extensions": extensions}
    )
    wire = _build()
    payment = pay402.svm_payment_header(required, wire, accept_index=1)
    assert payment.header_name == "PAYMENT-SIGNATURE"
    assert base64.b64decode(payment.header_value).decode() == payment.json
    # x402 v2 `PAYMENT-SIGNATURE`: resource, the chosen entry as accepted, the scheme payload, extensions.
    assert json.loads(payment.json) == {
        "x402Version": 2,
        "resource": RESOURCE,
        "accepted": REQ,
        "payload": {"transaction": BUILD["expect"]["ok"]["transaction"]},
        "extensions": extensions,
    }
    v = pay402.x402_verify(REQ_JSON, payment.header_value, now=0)
    assert isinstance(v, pay402.SvmVerified)
    assert (v.payer, v.amount, v.x402_version) == (VERIFY["expect"]["ok"]["payer"], 10_000, 2)


def test_payment_header_round_trip_v1_build_then_verify() -> None:
    required = _compact({"x402Version": 1, "error": "x", "accepts": [REQ_V1]})
    payment = pay402.svm_payment_header(required, _build())  # accept_index defaults to 0
    assert payment.header_name == "X-PAYMENT"
    assert json.loads(payment.json) == {
        "x402Version": 1,
        "scheme": "exact",
        "network": "solana-devnet",
        "payload": {"transaction": BUILD["expect"]["ok"]["transaction"]},
    }
    v = pay402.x402_verify(_compact(REQ_V1), payment.header_value, now=0)
    assert isinstance(v, pay402.SvmVerified) and v.x402_version == 1


@pytest.mark.parametrize(
    "index,transaction,code",
    [
        (2, None, "accept_index_out_of_range"),
        (0, None, "unsupported_network"),  # the EVM entry
        (1, b"\x00" * 3, "transaction_truncated"),  # not a Solana transaction: nothing is emitted
    ],
)
def test_payment_header_refusals_are_x402_errors(index: int, transaction: Any, code: str) -> None:
    required = _compact({"x402Version": 2, "resource": RESOURCE, "accepts": [EVM_OFFER, REQ]})
    with pytest.raises(pay402.X402Error) as info:
        pay402.svm_payment_header(required, _build() if transaction is None else transaction, accept_index=index)
    assert info.value.code == code and info.value.message
    upto = _compact({"x402Version": 2, "resource": RESOURCE, "accepts": [dict(REQ, scheme="upto")]})
    with pytest.raises(pay402.X402Error) as info:
        pay402.svm_payment_header(upto, _build())
    assert info.value.code == "unsupported_scheme"
    with pytest.raises(TypeError):
        pay402.svm_payment_header(required, BUILD["expect"]["ok"]["transaction"], accept_index=1)  # type: ignore[arg-type]
    with pytest.raises(pay402.X402Error) as info:
        pay402.svm_payment_header("{}", _build())
    assert info.value.code == "invalid_payload"


# --- SvmPayer: an httpx client answering a Solana 402 -------------------------------------------


def _solana_server(offers: List[Dict[str, Any]], calls: List[Any]) -> Any:
    """A 402 server (httpx.MockTransport) that verifies the payment offline as a facilitator."""
    import httpx

    required = _compact({"x402Version": 2, "resource": RESOURCE, "accepts": offers})

    def handler(request: httpx.Request) -> httpx.Response:
        header = request.headers.get("payment-signature")
        if header is None:
            return httpx.Response(402, headers={"PAYMENT-REQUIRED": pay402.x402_encode_header(required)})
        accepted = json.loads(pay402.decode_header(header))["accepted"]
        v = pay402.x402_verify(_compact(accepted), header, now=0)
        calls.append(v)
        return httpx.Response(200, json={"payer": v.payer})

    return httpx.MockTransport(handler)


def _svm_payer(per_request: int = 1_000_000, **kw: Any) -> Any:
    from pay402.client import Budget, SvmPayer

    i = BUILD["input"]
    blockhashes: List[str] = []

    def recent_blockhash(network: str) -> str:
        blockhashes.append(network)
        return str(i["recent_blockhash"])

    kw.setdefault("networks", ["solana-devnet"])
    kw.setdefault("assets", {i["mint"]: i["decimals"]})
    payer = SvmPayer(
        bytes.fromhex(i["payer_seed_hex"]),
        recent_blockhash=recent_blockhash,
        budget=Budget(per_request=per_request, total=10_000_000),
        **kw,
    )
    payer.blockhashes = blockhashes  # type: ignore[attr-defined]
    return payer


def test_svm_payer_answers_a_solana_402_through_httpx() -> None:
    httpx = pytest.importorskip("httpx", reason="httpx not installed (ffi-python/tests/requirements-web.txt)")
    from pay402.client import PaymentAuth

    memo_offer = dict(REQ, extra=dict(REQ["extra"], memo="order-42"))
    calls: List[Any] = []
    payer = _svm_payer()
    with httpx.Client(transport=_solana_server([EVM_OFFER, memo_offer], calls), auth=PaymentAuth(x402=payer)) as c:
        r = c.get("https://api.example.com/premium")
    assert r.status_code == 200 and r.json() == {"payer": payer.address}
    (verified,) = calls  # extra.memo was sent as the memo (the verifier checks it)
    assert isinstance(verified, pay402.SvmVerified) and verified.amount == 10_000
    assert payer.budget.spent == 10_000
    assert payer.blockhashes == [REQ["network"]]  # asked once, for the CAIP-2 network


def test_svm_payer_refuses_what_it_cannot_pay() -> None:
    pytest.importorskip("httpx", reason="httpx not installed (ffi-python/tests/requirements-web.txt)")
    from pay402.errors import BudgetExceeded, ConfigurationError, PaymentError

    payer = _svm_payer(per_request=9_999)
    with pytest.raises(BudgetExceeded):
        payer.pay(_compact({"x402Version": 2, "resource": RESOURCE, "accepts": [REQ]}))
    with pytest.raises(PaymentError) as info:
        _svm_payer().pay(_compact({"x402Version": 2, "resource": RESOURCE, "accepts": [EVM_OFFER]}))
    assert info.value.code == "no_acceptable_requirements"
    assert payer.budget.spent == 0 and payer.blockhashes == []
    with pytest.raises(ConfigurationError):
        _svm_payer(networks=["eip155:84532"])
    with pytest.raises(ConfigurationError) as cfg:
        _svm_payer(assets={"0OIl": 6})
    assert cfg.value.code == "pubkey_invalid_character"
