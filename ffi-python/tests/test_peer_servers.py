"""pay402's client pays a server no one here wrote: the PyPI ``x402`` FastAPI middleware
(``x402.http.middleware.fastapi.PaymentMiddlewareASGI`` over ``x402ResourceServer`` and its
``HTTPFacilitatorClient``), served by uvicorn on 127.0.0.1.

Its facilitator is a local HTTP server built on the same package's own facilitator
(``x402FacilitatorSync`` with ``register_exact_evm_facilitator``): ``/supported`` and ``/verify``
are the peer's code — payload parsing, EIP-712 signature recovery, recipient, amount, validity
window. There is no chain: the facilitator's signer answers the chain reads as a node would for
a funded EOA paying a deployed USDC (``eth_getCode`` of the asset non-empty, the
``transferWithAuthorization`` simulation not reverting), and ``/settle`` answers honestly that
nothing was settled (``success: false``). So the expected outcome is: the peer verifies pay402's
payment, runs the handler, fails to settle, and withholds the content with a 402 whose
``PAYMENT-RESPONSE`` says why; pay402's client hands that 402 back.
"""

from __future__ import annotations

import sys
from typing import Any, Dict, List

import pytest

if sys.version_info < (3, 10):
    pytest.skip("the PyPI x402 package (2.25.0) requires Python >= 3.10", allow_module_level=True)
pytest.importorskip("x402", reason="x402[evm] not installed (ffi-python/tests/requirements-web.txt)")
pytest.importorskip("fastapi", reason="fastapi not installed (ffi-python/tests/requirements-web.txt)")

import httpx  # noqa: E402
from fastapi import FastAPI, Request  # noqa: E402

from pay402.client import PaymentAuth, X402PaymentRefused, payment_receipt  # noqa: E402
from web_support import PAY_TO, PAYER, USDC_BASE_SEPOLIA, uvicorn_server, x402_payer  # noqa: E402

NETWORK = "eip155:84532"
NOT_SETTLED = "settlement_not_attempted"


class OfflineChain:
    """The facilitator signer's chain side, answered as a node would for a funded EOA paying a
    deployed token; the signature check is the peer's own ``FacilitatorWeb3Signer.verify_typed_data``."""

    def __init__(self) -> None:
        self.reads: List[str] = []

    def get_addresses(self) -> List[str]:
        return ["0x000000000000000000000000000000000000dEaD"]

    def get_code(self, address: str) -> bytes:
        return b"\x60\x80\x60\x40\x52" if address.lower() == USDC_BASE_SEPOLIA.lower() else b""

    def read_contract(self, address: str, abi: Any, function_name: str, *args: Any) -> Any:
        self.reads.append(function_name)  # the transferWithAuthorization simulation: no revert
        return None

    def get_balance(self, address: str, token_address: str) -> int:
        return 10**12

    def get_chain_id(self) -> int:
        return 84532

    def verify_typed_data(self, *args: Any, **kw: Any) -> bool:
        from x402.mechanisms.evm.signers import FacilitatorWeb3Signer

        return bool(FacilitatorWeb3Signer.verify_typed_data(self, *args, **kw))  # type: ignore[arg-type]

    def write_contract(self, *args: Any, **kw: Any) -> str:
        raise AssertionError("this facilitator never settles")

    send_transaction = wait_for_transaction_receipt = write_contract


def local_facilitator(received: List[Dict[str, Any]]) -> FastAPI:
    from x402 import x402FacilitatorSync
    from x402.mechanisms.evm.exact import register_exact_evm_facilitator
    from x402.schemas.helpers import parse_payment_payload, parse_payment_requirements

    facilitator = x402FacilitatorSync()
    register_exact_evm_facilitator(facilitator, OfflineChain(), NETWORK)  # type: ignore[arg-type]
    app = FastAPI()

    @app.get("/supported")
    def supported() -> Any:
        return facilitator.get_supported().model_dump(by_alias=True, exclude_none=True)

    @app.post("/verify")
    async def verify(request: Request) -> Any:
        body = await request.json()
        payload = parse_payment_payload(body["paymentPayload"])
        requirements = parse_payment_requirements(body["x402Version"], body["paymentRequirements"])
        verdict = facilitator.verify(payload, requirements).model_dump(by_alias=True, exclude_none=True)
        received.append({"path": "/verify", "body": body, "verdict": verdict})
        return verdict

    @app.post("/settle")
    async def settle(request: Request) -> Any:
        body = await request.json()
        received.append({"path": "/settle", "body": body})
        return {"success": False, "errorReason": NOT_SETTLED, "errorMessage": "test facilitator: no chain",
                "transaction": "", "network": body["paymentRequirements"]["network"]}

    return app


def peer_server(facilitator_url: str, served: List[str]) -> FastAPI:
    from x402 import x402ResourceServer
    from x402.http import FacilitatorConfig, HTTPFacilitatorClient
    from x402.http.middleware.fastapi import PaymentMiddlewareASGI
    from x402.mechanisms.evm.exact import register_exact_evm_server

    server = x402ResourceServer(HTTPFacilitatorClient(FacilitatorConfig(url=facilitator_url)))
    register_exact_evm_server(server, NETWORK)
    routes = {"GET /premium": {"accepts": {"scheme": "exact", "payTo": PAY_TO, "price": "$0.01", "network": NETWORK}}}
    app = FastAPI()

    @app.get("/premium")
    def premium() -> Any:
        served.append("premium")
        return {"data": "premium"}

    app.add_middleware(PaymentMiddlewareASGI, routes=routes, server=server)
    return app


def test_pay402_client_pays_the_x402_fastapi_middleware() -> None:
    received: List[Dict[str, Any]] = []
    served: List[str] = []
    with uvicorn_server(local_facilitator(received)) as facilitator_url:
        with uvicorn_server(peer_server(facilitator_url, served)) as base:
            unpaid = httpx.get(base + "/premium")
            assert unpaid.status_code == 402 and "payment-required" in unpaid.headers
            with httpx.Client(auth=PaymentAuth(x402=x402_payer())) as client:
                with pytest.raises(X402PaymentRefused) as refused:
                    client.get(base + "/premium")
    outcome = refused.value.response
    verifies = [x for x in received if x["path"] == "/verify"]
    settles = [x for x in received if x["path"] == "/settle"]
    # The peer's facilitator code verified pay402's payment: signature, payee, amount, window.
    assert len(verifies) == 1 and verifies[0]["verdict"]["isValid"] is True, verifies
    assert verifies[0]["verdict"]["payer"].lower() == PAYER.lower()
    sent = verifies[0]["body"]
    assert sent["paymentPayload"]["x402Version"] == 2 and sent["paymentRequirements"]["amount"] == "10000"
    assert sent["paymentRequirements"]["payTo"].lower() == PAY_TO.lower()
    # So the peer ran the handler, then settled once; no chain: the content is withheld.
    assert served == ["premium"] and len(settles) == 1
    assert settles[0]["body"]["paymentPayload"] == sent["paymentPayload"]
    # pay402's client raises on the peer's second 402, carrying it with the peer's failure receipt.
    assert refused.value.code == NOT_SETTLED and refused.value.status == 402
    assert outcome.status_code == 402 and b"premium" not in outcome.content
    receipt = payment_receipt(outcome)
    assert receipt is not None and receipt["success"] is False and receipt["errorReason"] == NOT_SETTLED
