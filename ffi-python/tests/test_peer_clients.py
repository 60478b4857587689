"""The PyPI ``x402`` SDK's httpx client pays a pay402 server for each scheme it supports
(``exact`` EIP-3009, ``exact`` Permit2, ``upto`` Permit2, Solana ``exact`` with a fee payer), over
real HTTP on loopback, with the server settling through a facilitator double. Expected values
come from the peer (its payload, its decoders) and from the x402 specs, never from pay402."""

from __future__ import annotations

import json
from contextlib import ExitStack
from typing import Any, Dict, List, Optional, Tuple

import pytest

from peer_clients import (
    ALL_SCHEMES,
    UPTO,
    SolanaRpcStub,
    require_solana,
    solana_signer,
    FacilitatorDouble,
    MinimalServer,
    Scheme,
    b64json,
    decode_challenge,
    decode_payment,
    decode_receipt,
    pay_with_x402,
    payer_address,
    require_x402,
)

CONTENT = json.dumps({"report": "paid content"}).encode()


def _handler(calls: List[Any], charge: Optional[int]) -> Any:
    def handle(admitted: Any) -> Tuple[int, bytes, Optional[int]]:
        calls.append(admitted)
        return 200, CONTENT, charge

    return handle


def _challenge(url: str) -> Dict[str, Any]:
    import httpx

    r = httpx.get(url)
    assert r.status_code == 402
    decode_challenge(r.headers["PAYMENT-REQUIRED"])  # the peer reads it
    return dict(b64json(r.headers["PAYMENT-REQUIRED"]))


@pytest.mark.parametrize("scheme", ALL_SCHEMES, ids=[s.name for s in ALL_SCHEMES])
def test_x402_sdk_pays_each_scheme_exactly_once(scheme: Scheme) -> None:
    solana = scheme.offer["network"].startswith("solana:")
    if solana:
        require_solana()
    else:
        require_x402()
    import httpx

    charge = 12_345 if scheme.upto else None
    calls: List[Any] = []
    offers = [s.offer for s in ALL_SCHEMES]
    with ExitStack() as stack:
        peer_solana = None
        if solana:
            signer = solana_signer()
            rpc = stack.enter_context(SolanaRpcStub().running())
            peer_solana = (signer, rpc.url)
            payer = signer.address
        else:
            payer = payer_address()
        facilitator = stack.enter_context(FacilitatorDouble(payer).running())
        server = stack.enter_context(MinimalServer(offers, facilitator.url, _handler(calls, charge)).running())
        challenge = _challenge(server.url)
        response = pay_with_x402(server.url, scheme, solana=peer_solana)
        assert response.status_code == 200, response.text
        assert response.content == CONTENT
        if solana:  # the peer read the mint and a blockhash from the stub, nothing else
            assert sorted(rpc.calls) == ["getAccountInfo", "getLatestBlockhash"]

        # admitted once, for the offer the peer chose, from the peer's signer
        index = ALL_SCHEMES.index(scheme)
        (admitted,) = server.admitted
        assert admitted.offer_index == index
        assert admitted.payer == payer
        assert len(calls) == 1

        # the payment the peer sent, read with the peer's decoder
        ((name, header),) = server.payments
        assert name.lower() == "payment-signature"
        decode_payment(header)
        payment = b64json(header)
        assert payment["x402Version"] == 2
        assert payment["accepted"] == challenge["accepts"][index]
        assert payment["accepted"]["scheme"] == scheme.scheme

        # the /settle body: the peer's payload and the offer's requirements (upto: the charge)
        (settle,) = facilitator.settles
        assert settle["x402Version"] == 2
        assert settle["paymentPayload"] == payment
        if scheme.upto:
            permitted = int(payment["payload"]["permit2Authorization"]["permitted"]["amount"])
            assert permitted == int(scheme.offer["amount"])
            assert settle["paymentRequirements"] == {**payment["accepted"], "amount": str(charge)}
        else:
            assert settle["paymentRequirements"] == payment["accepted"]

        # the receipt, in the peer's own decoder, is the facilitator's answer
        receipt = decode_receipt(response.headers["PAYMENT-RESPONSE"])
        (answer,) = facilitator.answers
        assert receipt.success is True
        assert receipt.transaction == answer["transaction"]
        assert receipt.network == scheme.offer["network"]
        assert receipt.payer == payer
        if scheme.upto:
            assert receipt.amount == str(charge)

        # the same payment again: refused, nothing run or settled twice
        again = httpx.get(server.url, headers={name: header})
        assert again.status_code == 402
        refused = decode_challenge(again.headers["PAYMENT-REQUIRED"])
        assert refused.error == "payment_already_used"
        assert len(calls) == 1 and len(facilitator.settles) == 1
        assert not server.errors


def test_x402_sdk_upto_charge_of_the_whole_maximum_settles() -> None:
    require_x402()
    maximum = int(UPTO.offer["amount"])
    calls: List[Any] = []
    with FacilitatorDouble(payer_address()).running() as facilitator, MinimalServer(
        [UPTO.offer], facilitator.url, _handler(calls, maximum)
    ).running() as server:
        response = pay_with_x402(server.url, UPTO)
        assert response.status_code == 200, response.text
        (settle,) = facilitator.settles
        assert settle["paymentRequirements"]["amount"] == str(maximum)
        assert decode_receipt(response.headers["PAYMENT-RESPONSE"]).amount == str(maximum)


def test_x402_sdk_upto_charge_above_the_signed_maximum_is_never_settled() -> None:
    require_x402()
    import pay402

    maximum = int(UPTO.offer["amount"])
    calls: List[Any] = []
    with FacilitatorDouble(payer_address()).running() as facilitator, MinimalServer(
        [UPTO.offer], facilitator.url, _handler(calls, maximum + 1)
    ).running() as server:
        response = pay_with_x402(server.url, UPTO)
        assert response.status_code != 200
        assert "PAYMENT-RESPONSE" not in response.headers
        assert len(calls) == 1
        assert facilitator.settles == []
        (error,) = server.errors
        assert isinstance(error, pay402.X402Error), error


V1_SCHEMES = [s for s in ALL_SCHEMES if s.v1_network]


@pytest.mark.parametrize("scheme", V1_SCHEMES, ids=[s.name for s in V1_SCHEMES])
def test_x402_sdk_pays_over_x402_v1(scheme: Scheme) -> None:
    """A v1 server (the 402 body alone): the peer pays with ``X-PAYMENT``."""
    solana = scheme.offer["network"].startswith("solana:")
    if solana:
        require_solana()
    else:
        require_x402()
    import httpx

    calls: List[Any] = []
    offers = [s.offer for s in ALL_SCHEMES]
    with ExitStack() as stack:
        peer_solana = None
        if solana:
            signer = solana_signer()
            rpc = stack.enter_context(SolanaRpcStub().running())
            peer_solana = (signer, rpc.url)
            payer = signer.address
        else:
            payer = payer_address()
        facilitator = stack.enter_context(FacilitatorDouble(payer).running())
        server = stack.enter_context(
            MinimalServer(offers, facilitator.url, _handler(calls, None), v1_only=True).running()
        )
        unpaid = httpx.get(server.url)
        assert unpaid.status_code == 402 and "PAYMENT-REQUIRED" not in unpaid.headers
        challenge = unpaid.json()
        assert challenge["x402Version"] == 1
        (requirements,) = [r for r in challenge["accepts"] if r["network"] == scheme.v1_network]

        response = pay_with_x402(server.url, scheme, solana=peer_solana)
        assert response.status_code == 200, response.text
        assert response.content == CONTENT
        (admitted,) = server.admitted
        assert admitted.offer_index == ALL_SCHEMES.index(scheme)
        assert admitted.x402_version == 1 and admitted.payer == payer
        assert len(calls) == 1

        ((name, header),) = server.payments
        assert name.lower() == "x-payment"
        decode_payment(header)
        payment = b64json(header)
        assert payment["x402Version"] == 1 and payment["network"] == scheme.v1_network
        (settle,) = facilitator.settles
        assert settle["x402Version"] == 1
        assert settle["paymentPayload"] == payment
        assert settle["paymentRequirements"] == requirements

        receipt = decode_receipt(response.headers["X-PAYMENT-RESPONSE"])
        assert receipt.success is True
        assert receipt.transaction == facilitator.answers[0]["transaction"]
        assert receipt.payer == payer

        again = httpx.get(server.url, headers={name: header})
        assert again.status_code == 402
        assert again.json()["error"] == "payment_already_used"
        assert len(calls) == 1 and len(facilitator.settles) == 1
        assert not server.errors
