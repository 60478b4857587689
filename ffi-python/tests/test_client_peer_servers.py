"""pay402's paying clients (httpx, httpx async, requests) pay servers no one here wrote: the PyPI
``x402`` package's FastAPI middleware (``PaymentMiddlewareASGI``) and Flask middleware
(``PaymentMiddleware``), selling ``exact`` EIP-3009, ``exact`` Permit2, ``upto`` Permit2 and
Solana ``exact`` (devnet USDC), served on 127.0.0.1 (uvicorn, wsgiref).

Each server's facilitator is a local HTTP server built on the same package's own facilitator
(``x402FacilitatorSync`` with its ``exact`` and ``upto`` EVM schemes and its ``exact`` Solana
scheme, whose ``FacilitatorKeypairSigner`` checks and co-signs as the fee payer): ``/supported``,
``/verify`` and ``/settle`` are the peer's code — payload parsing, EIP-712 signature recovery,
Permit2 witness, recipient, amount, validity window, the settlement call and its receipt. There is
no chain: the facilitator's signer answers as a node would for a funded EOA paying a deployed USDC
that approved Permit2 (code at the asset, balance and allowance large, simulations not reverting)
and mines every settlement transaction (a receipt with status 1); the Solana signer's RPC calls
(simulate, send, confirm) are answered as a cluster would for a valid transfer. So the expected outcome is the
peer's: verified, served, settled once, and a ``PAYMENT-RESPONSE`` naming the transaction; the
budget counts the price. A facilitator that answers ``/settle`` with ``success: false`` makes the
peer withhold the content, and the client raises :class:`X402PaymentRefused` with the peer's
reason; a Permit2 allowance below the price stops the client before anything is sent, with the
approval to make. Expected values come from the route configuration (price ``$0.01`` of USDC: 10 000
atomic units), the payer's key and the peer's documented behaviour, never from the client code.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any, Dict, Iterator, List

import pytest

if sys.version_info < (3, 10):
    pytest.skip("the PyPI x402 package (2.25.0) requires Python >= 3.10", allow_module_level=True)
pytest.importorskip("x402", reason="x402[evm] not installed (ffi-python/tests/requirements-web.txt)")
pytest.importorskip("fastapi", reason="fastapi not installed (ffi-python/tests/requirements-web.txt)")
pytest.importorskip("flask", reason="flask not installed (ffi-python/tests/requirements-web.txt)")
pytest.importorskip("requests", reason="requests not installed (ffi-python/tests/requirements-web.txt)")

import httpx  # noqa: E402
from fastapi import FastAPI, Request  # noqa: E402

from pay402.client import Budget, X402Payer, X402PaymentRefused, payment_receipt  # noqa: E402
from test_peer_servers import OfflineChain as PeerOfflineChain  # noqa: E402
from test_server_schemes import SVM_BUILD, SVM_PAYER  # noqa: E402
from web_support import KEY, PAY_TO, PAYER, PAYING_CLIENTS, USDC_BASE_SEPOLIA, paid_get, uvicorn_server, wsgi_server  # noqa: E402

NETWORK = "eip155:84532"
PRICE = 10_000  # "$0.01" of USDC (6 decimals)
TX = "0x" + "5e" * 32
NOT_SETTLED = "settlement_not_attempted"
SOLANA_DEVNET = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"
FEE_PAYER_SEED = bytes([7] * 32)
SVM_SEED = bytes.fromhex(SVM_BUILD["payer_seed_hex"])
SVM_PAY_TO = SVM_BUILD["pay_to"]
USDC_DEVNET = "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU"  # Circle's devnet USDC mint (6 decimals)
SCHEMES = {
    "exact-svm": {"scheme": "exact", "network": SOLANA_DEVNET},
    "exact-eip3009": {"scheme": "exact"},
    "exact-permit2": {"scheme": "exact", "extra": {"assetTransferMethod": "permit2"}},
    "upto-permit2": {"scheme": "upto"},
}


class OfflineChain(PeerOfflineChain):
    """The chain of ``test_peer_servers`` (a funded EOA paying a deployed token; the signature
    check is the peer's own), where the EOA also approved Permit2 and every transaction is mined
    with status 1."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: List[str] = []

    def read_contract(self, address: str, abi: Any, function_name: str, *args: Any) -> Any:
        self.reads.append(function_name)
        if function_name in ("allowance", "balanceOf"):
            return 10**18
        return None  # a simulation that does not revert

    def write_contract(self, address: str, abi: Any, function_name: str, *args: Any, **kw: Any) -> str:
        self.writes.append(function_name)
        return TX

    def send_transaction(self, *args: Any, **kw: Any) -> str:
        self.writes.append("send_transaction")
        return TX

    def wait_for_transaction_receipt(self, tx_hash: str, *args: Any, **kw: Any) -> Any:
        from x402.mechanisms.evm.types import TransactionReceipt

        return TransactionReceipt(status=1, block_number=1, tx_hash=tx_hash, logs=None)


def offline_svm_signer(sent: List[str]) -> Any:
    """The peer's own Solana facilitator signer (``FacilitatorKeypairSigner``: it checks and
    co-signs as the fee payer) whose three RPC calls are answered as a cluster would for a valid
    transfer: the simulation succeeds, the transaction is accepted under its first signature and
    confirmed."""
    from solders.keypair import Keypair
    from solders.transaction import VersionedTransaction
    from x402.mechanisms.svm.signers import FacilitatorKeypairSigner

    class OfflineSvmSigner(FacilitatorKeypairSigner):
        def simulate_transaction(self, tx_base64: str, network: str) -> None:
            sent.append("simulate")

        def send_transaction(self, tx_base64: str, network: str) -> str:
            import base64

            sent.append("send")
            return str(VersionedTransaction.from_bytes(base64.b64decode(tx_base64)).signatures[0])

        def confirm_transaction(self, signature: str, network: str, *args: Any, **kw: Any) -> None:
            sent.append("confirm")

    return OfflineSvmSigner(Keypair.from_seed(FEE_PAYER_SEED))


def local_facilitator(received: List[Dict[str, Any]], chain: OfflineChain, settles: bool) -> FastAPI:
    from x402 import x402FacilitatorSync
    from x402.mechanisms.evm.exact import register_exact_evm_facilitator
    from x402.mechanisms.evm.upto.facilitator import UptoEvmScheme
    from x402.schemas.helpers import parse_payment_payload, parse_payment_requirements

    facilitator = x402FacilitatorSync()
    register_exact_evm_facilitator(facilitator, chain, NETWORK)  # type: ignore[arg-type]
    facilitator.register([NETWORK], UptoEvmScheme(chain))  # type: ignore[arg-type]
    from x402.mechanisms.svm.exact.register import register_exact_svm_facilitator

    register_exact_svm_facilitator(facilitator, offline_svm_signer(chain.writes), SOLANA_DEVNET)
    app = FastAPI()

    @app.get("/supported")
    def supported() -> Any:
        return facilitator.get_supported().model_dump(by_alias=True, exclude_none=True)

    def parsed(body: Dict[str, Any]) -> Any:
        return (parse_payment_payload(body["paymentPayload"]),
                parse_payment_requirements(body["x402Version"], body["paymentRequirements"]))

    @app.post("/verify")
    async def verify(request: Request) -> Any:
        body = await request.json()
        verdict = facilitator.verify(*parsed(body)).model_dump(by_alias=True, exclude_none=True)
        received.append({"path": "/verify", "body": body, "verdict": verdict})
        return verdict

    @app.post("/settle")
    async def settle(request: Request) -> Any:
        body = await request.json()
        if not settles:
            received.append({"path": "/settle", "body": body})
            return {"success": False, "errorReason": NOT_SETTLED, "errorMessage": "test facilitator: no chain",
                    "transaction": "", "network": body["paymentRequirements"]["network"]}
        answer = facilitator.settle(*parsed(body)).model_dump(by_alias=True, exclude_none=True)
        received.append({"path": "/settle", "body": body, "answer": answer})
        return answer

    return app


def route(scheme: str) -> Dict[str, Any]:
    pay_to = SVM_PAY_TO if scheme == "exact-svm" else PAY_TO
    return {"GET /premium": {"accepts": {"payTo": pay_to, "price": "$0.01", "network": NETWORK, **SCHEMES[scheme]}}}


def fastapi_server(facilitator_url: str, scheme: str, served: List[str]) -> Any:
    from x402 import x402ResourceServer
    from x402.http import FacilitatorConfig, HTTPFacilitatorClient
    from x402.http.middleware.fastapi import PaymentMiddlewareASGI
    from x402.mechanisms.evm.exact import register_exact_evm_server
    from x402.mechanisms.evm.upto.server import UptoEvmScheme
    from x402.mechanisms.svm.exact.register import register_exact_svm_server

    server = x402ResourceServer(HTTPFacilitatorClient(FacilitatorConfig(url=facilitator_url)))
    register_exact_evm_server(server, NETWORK)
    server.register(NETWORK, UptoEvmScheme())
    register_exact_svm_server(server, SOLANA_DEVNET)
    app = FastAPI()

    @app.get("/premium")
    def premium() -> Any:
        served.append("premium")
        return {"data": "premium"}

    app.add_middleware(PaymentMiddlewareASGI, routes=route(scheme), server=server)
    return app


def flask_server(facilitator_url: str, scheme: str, served: List[str]) -> Any:
    from flask import Flask
    from x402 import x402ResourceServerSync
    from x402.http import FacilitatorConfig, HTTPFacilitatorClientSync
    from x402.http.middleware.flask import PaymentMiddleware
    from x402.mechanisms.evm.exact import register_exact_evm_server
    from x402.mechanisms.evm.upto.server import UptoEvmScheme
    from x402.mechanisms.svm.exact.register import register_exact_svm_server

    server = x402ResourceServerSync(HTTPFacilitatorClientSync(FacilitatorConfig(url=facilitator_url)))
    register_exact_evm_server(server, NETWORK)
    server.register(NETWORK, UptoEvmScheme())
    register_exact_svm_server(server, SOLANA_DEVNET)
    app = Flask(__name__)

    @app.get("/premium")
    def premium() -> Any:
        served.append("premium")
        return {"data": "premium"}

    PaymentMiddleware(app, route(scheme), server)
    return app


@contextlib.contextmanager
def peer(framework: str, scheme: str, received: List[Dict[str, Any]], served: List[str], settles: bool = True) -> Iterator[str]:
    chain = OfflineChain()
    with uvicorn_server(local_facilitator(received, chain, settles)) as facilitator_url:
        if framework == "fastapi":
            with uvicorn_server(fastapi_server(facilitator_url, scheme, served)) as base:
                yield base
        else:
            with wsgi_server(flask_server(facilitator_url, scheme, served)) as base:
                yield base


get = paid_get
CLIENTS = list(PAYING_CLIENTS)


def payer_for(scheme: str, budget: Budget, **kw: Any) -> X402Payer:
    if scheme == "exact-svm":
        return X402Payer(svm_seed=SVM_SEED, networks=["solana-devnet"], svm_assets={USDC_DEVNET: 6},
                         recent_blockhash=lambda network: SVM_BUILD["recent_blockhash"], budget=budget, **kw)
    return X402Payer(KEY, networks=[NETWORK], budget=budget, **kw)


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("framework", ["fastapi", "flask"])
@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_each_client_pays_the_peer_middleware_for_each_scheme(scheme: str, framework: str, client: str) -> None:
    received: List[Dict[str, Any]] = []
    served: List[str] = []
    budget = Budget(per_request=100_000, total=1_000_000)
    with peer(framework, scheme, received, served) as base:
        assert httpx.get(base + "/premium").status_code == 402
        r = get(client, payer_for(scheme, budget), base + "/premium")
    assert r.status_code == 200, r.content
    assert r.json() == {"data": "premium"} and served == ["premium"]
    verifies = [x for x in received if x["path"] == "/verify"]
    settles = [x for x in received if x["path"] == "/settle"]
    # The peer's facilitator verified pay402's payment (signature, payee, amount, window) and settled it.
    assert len(verifies) == 1 and verifies[0]["verdict"]["isValid"] is True, verifies
    solana = scheme == "exact-svm"
    assert verifies[0]["verdict"]["payer"].lower() == (SVM_PAYER if solana else PAYER).lower()
    sent = verifies[0]["body"]
    assert sent["paymentPayload"]["x402Version"] == 2
    assert sent["paymentRequirements"]["payTo"].lower() == (SVM_PAY_TO if solana else PAY_TO).lower()
    assert int(sent["paymentRequirements"]["amount"]) == PRICE
    kind = {"exact-eip3009": "authorization", "exact-svm": "transaction"}.get(scheme, "permit2Authorization")
    assert kind in sent["paymentPayload"]["payload"], sent["paymentPayload"]["payload"]
    assert len(settles) == 1 and settles[0]["answer"]["success"] is True
    receipt = payment_receipt(r)
    assert receipt is not None and receipt["success"] is True
    assert receipt["transaction"] == (settles[0]["answer"]["transaction"] if solana else TX) != ""
    if solana:
        assert sent["paymentRequirements"]["asset"] == USDC_DEVNET
    asset = (SOLANA_DEVNET, USDC_DEVNET) if solana else (NETWORK, USDC_BASE_SEPOLIA)
    assert budget.spent == PRICE and budget.allowance(*asset) == 100_000


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("framework", ["fastapi", "flask"])
def test_a_settlement_the_peer_reports_failed_raises_with_its_reason(framework: str, client: str) -> None:
    received: List[Dict[str, Any]] = []
    served: List[str] = []
    budget = Budget(per_request=100_000, total=1_000_000)
    payer = payer_for("exact-eip3009", budget)
    with peer(framework, "exact-eip3009", received, served, settles=False) as base:
        with pytest.raises(X402PaymentRefused) as refused:
            get(client, payer, base + "/premium")
    e = refused.value
    assert e.code == NOT_SETTLED and e.status == 402 and b"premium" not in e.response.content
    receipt = payment_receipt(e.response)
    assert receipt is not None and receipt["success"] is False and receipt["errorReason"] == NOT_SETTLED
    assert len([x for x in received if x["path"] == "/settle"]) == 1
    # The peer said it did not settle: definitive, the amount is given back.
    assert e.definitive is True and budget.spent == 0 and budget.allowance() == 100_000


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("framework", ["fastapi", "flask"])
@pytest.mark.parametrize("scheme", ["exact-permit2", "upto-permit2"])
def test_a_missing_permit2_allowance_is_reported_before_paying_the_peer(scheme: str, framework: str, client: str) -> None:
    from x402.mechanisms.evm.constants import PERMIT2_ADDRESS  # the peer's own constant

    from pay402.client import Permit2ApprovalRequired

    received: List[Dict[str, Any]] = []
    served: List[str] = []
    asked: List[Any] = []
    budget = Budget(per_request=100_000, total=1_000_000)

    def allowance(approval: Any) -> int:
        asked.append(approval)
        return PRICE - 1

    payer = payer_for(scheme, budget, permit2_allowance=allowance)
    with peer(framework, scheme, received, served) as base:
        with pytest.raises(Permit2ApprovalRequired) as missing:
            get(client, payer, base + "/premium")
    a = missing.value.approval
    assert asked == [a] and missing.value.code == "permit2_allowance_required"
    # The canonical Permit2 contract, as the peer names it, is the spender to approve.
    assert (a.token, a.owner, a.spender, a.amount, a.chain_id) == (USDC_BASE_SEPOLIA, PAYER, PERMIT2_ADDRESS, PRICE, 84532)
    assert received == [] and served == [] and budget.spent == 0 and budget.allowance() == 100_000
