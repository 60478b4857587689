"""Every scheme sold by every Python framework integration, paid by both peer clients.

The matrix: FastAPI (ASGI middleware), Flask (``Pay402`` extension), Django
(``pay402.server.django.PaymentMiddleware`` from ``settings.PAY402``) and plain WSGI ×
``exact`` EIP-3009, ``exact`` Permit2, ``upto`` Permit2 (the handler reports a charge below the
signed maximum) and Solana ``exact`` × two clients no one here wrote: the PyPI ``x402`` SDK
(httpx, in process) and ``@x402/fetch`` (npm, in a ``node`` subprocess through the ``pay`` mode
of ``ffi-wasm/tests/peer-clients.mjs``). Each app is served over real HTTP on 127.0.0.1 and
settles through a facilitator double on loopback.

Each cell asserts: 200 with the handler's body; the handler ran once, for the peer's payer; the
facilitator got one ``/settle`` carrying the peer's payload (``upto``: the reported charge); the
receipt header decodes with the peer's own decoder and is the facilitator's answer; the same
payment sent again gets 402 ``payment_already_used`` with nothing run or settled twice.

Prerequisites, each skipped with its reason: the PyPI SDK needs Python >= 3.10 (and
``x402[svm]`` for Solana); the ``@x402/fetch`` half needs ``node`` and the npm test project
``ffi-wasm/tests/node_modules`` (``npm ci`` there from its package-lock.json; ffi-python/tests/run.sh
does it when node is available).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

pytest.importorskip("httpx", reason="httpx not installed (ffi-python/tests/requirements-web.txt)")
fastapi = pytest.importorskip("fastapi", reason="fastapi not installed (ffi-python/tests/requirements-web.txt)")
flask = pytest.importorskip("flask", reason="flask not installed (ffi-python/tests/requirements-web.txt)")
requests = pytest.importorskip("requests", reason="requests not installed (ffi-python/tests/requirements-web.txt)")
pytest.importorskip("django", reason="django not installed (ffi-python/tests/requirements-web.txt)")
pytest.importorskip("uvicorn", reason="uvicorn not installed (ffi-python/tests/requirements-web.txt)")

from fastapi import FastAPI, Request, Response  # noqa: E402  (module level: FastAPI resolves the annotations)

from peer_clients import (  # noqa: E402
    ALL_SCHEMES,
    EXACT_SVM,
    FACILITATOR_ADDRESS,
    PAY_TO,
    FacilitatorDouble,
    Scheme,
    SolanaRpcStub,
    b64json,
    recording_transport,
    require_solana,
    require_x402,
)
from pay402.server import X402Paywall, X402Route  # noqa: E402
from web_support import uvicorn_server, wsgi_server  # noqa: E402

NODE_TESTS = Path(__file__).resolve().parents[2] / "ffi-wasm" / "tests"
PEER_MJS = NODE_TESTS / "peer-clients.mjs"
CONTENT = json.dumps({"report": "paid content"}).encode()
CHARGE = 12_345  # what the upto handler reports, below the signed maximum
SIGNED = {"exact-eip3009": 10_000, "exact-permit2": 20_000, "upto-permit2": 50_000, "exact-svm": 10_000}

# The pay402 routes selling each scheme the peers recognise (peer_clients.Scheme.matches and
# the same in peer-clients.mjs): same networks, assets, payees and fee payer as their offers.
ROUTES: Dict[str, X402Route] = {
    "exact-eip3009": X402Route("/item", SIGNED["exact-eip3009"]),
    "exact-permit2": X402Route("/item", SIGNED["exact-permit2"], transfer_method="permit2"),
    "upto-permit2": X402Route("/item", SIGNED["upto-permit2"], scheme="upto", facilitator=FACILITATOR_ADDRESS),
    "exact-svm": X402Route(
        "/item", SIGNED["exact-svm"], network=EXACT_SVM.offer["network"], asset=EXACT_SVM.offer["asset"],
        decimals=6, pay_to=EXACT_SVM.offer["pay_to"], fee_payer=EXACT_SVM.offer["fee_payer"],
    ),
}
SCHEMES: Dict[str, Scheme] = {s.name: s for s in ALL_SCHEMES}

# What the handlers saw: one admission per run.
CALLS: List[Any] = []


def handle(admission: Any, charge: Optional[str]) -> bytes:
    CALLS.append(admission)
    if charge is not None:
        admission.charge(int(charge))
    return CONTENT


# --- the four integrations, each as its users write it -------------------------------------------


def fastapi_app(pw: X402Paywall) -> Any:
    from pay402.server.asgi import PaymentMiddleware

    app = FastAPI()

    @app.get("/item")
    def item(request: Request, charge: Optional[str] = None) -> Response:
        return Response(handle(request.scope["pay402"], charge), media_type="application/json")

    app.add_middleware(PaymentMiddleware, x402=pw)
    return app


def flask_app(pw: X402Paywall) -> Any:
    from pay402.server.flask import Pay402

    app = flask.Flask("peer-matrix")
    Pay402(app, x402=pw)

    @app.get("/item")
    def item() -> Any:
        return flask.Response(handle(flask.g.pay402, flask.request.args.get("charge")), mimetype="application/json")

    return app


def wsgi_app(pw: X402Paywall) -> Any:
    from urllib.parse import parse_qs

    from pay402.server.wsgi import PaymentMiddleware

    def app(environ: Dict[str, Any], start_response: Any) -> List[bytes]:
        charge = parse_qs(environ.get("QUERY_STRING", "")).get("charge", [None])[0]
        body = handle(environ["pay402"], charge)
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]

    return PaymentMiddleware(app, x402=pw)


def django_item(request: Any) -> Any:
    from django.http import HttpResponse

    return HttpResponse(handle(request.pay402, request.GET.get("charge")), content_type="application/json")


def _django_urlpatterns() -> List[Any]:
    import django_app  # noqa: F401  (configures Django)
    from django.urls import path

    return [path("item", django_item)]


def serve(framework: str, scheme: str, facilitator_url: str, stack: ExitStack) -> str:
    """Serves ``framework``'s app selling ``scheme`` on 127.0.0.1; its base URL."""
    route = ROUTES[scheme]
    if framework == "django":
        import django_app  # noqa: F401
        from django.core.wsgi import get_wsgi_application
        from django.test import override_settings

        override = override_settings(
            ROOT_URLCONF=__name__,
            MIDDLEWARE=["pay402.server.django.PaymentMiddleware"],
            PAY402={"routes": [route], "network": "eip155:84532", "pay_to": PAY_TO, "facilitator_url": facilitator_url},
        )
        override.enable()
        stack.callback(override.disable)
        return str(stack.enter_context(wsgi_server(get_wsgi_application())))
    pw = X402Paywall([route], network="eip155:84532", pay_to=PAY_TO, facilitator_url=facilitator_url)
    if framework == "fastapi":
        return str(stack.enter_context(uvicorn_server(fastapi_app(pw))))
    return str(stack.enter_context(wsgi_server((flask_app if framework == "flask" else wsgi_app)(pw))))


def __getattr__(name: str) -> Any:  # Django reads ROOT_URLCONF's urlpatterns lazily
    if name == "urlpatterns":
        return _django_urlpatterns()
    raise AttributeError(name)


# --- the two peers --------------------------------------------------------------------------------


@dataclass
class Paid:
    """What a peer saw: the final response, the payment header it sent, the receipt through its
    own decoder (success, transaction, network, payer, amount), and its payer address."""

    status: int
    body: bytes
    payment: Tuple[str, str]
    payments: int
    receipt: Dict[str, Any]
    payer: str


def pay_with_pypi_x402(url: str, scheme: Scheme, stack: ExitStack) -> Paid:
    """The PyPI SDK's httpx transport pays ``url``; a recording transport under it keeps the
    payment header the SDK sent."""
    import asyncio

    import httpx
    from x402.http.clients import x402_httpx_transport

    from peer_clients import decode_receipt, payer_address, solana_signer, x402_client

    solana = None
    payer = payer_address()
    if scheme is EXACT_SVM:
        signer = solana_signer()
        solana = (signer, stack.enter_context(SolanaRpcStub().running()).url)
        payer = str(signer.address)
    sent: List[Tuple[str, str]] = []

    async def go() -> httpx.Response:
        transport = x402_httpx_transport(x402_client(scheme, solana=solana), recording_transport(sent))
        async with httpx.AsyncClient(transport=transport, timeout=30) as http:
            response = await http.get(url)
            await response.aread()
            return response

    response = asyncio.run(go())
    assert sent, f"the SDK sent no payment: {response.status_code} {response.text}"
    receipt: Dict[str, Any] = {}
    if "payment-response" in response.headers:
        r = decode_receipt(response.headers["payment-response"])
        receipt = {"success": r.success, "transaction": r.transaction, "network": r.network, "payer": r.payer,
                   "amount": r.amount}
    return Paid(response.status_code, response.content, sent[-1], len(sent), receipt, payer)


def node_prerequisite() -> Optional[str]:
    if shutil.which("node") is None:
        return "node is not installed (tests/tools.sh need_node)"
    if not (NODE_TESTS / "node_modules" / "@x402" / "fetch").is_dir():
        return ("the npm test project is not installed: run `npm ci` in ffi-wasm/tests "
                "(ffi-python/tests/run.sh does when node is available)")
    return None


def pay_with_x402_fetch(url: str, scheme: Scheme, stack: ExitStack) -> Paid:
    """``@x402/fetch`` pays ``url`` in a node subprocess (peer-clients.mjs ``pay``)."""
    run = subprocess.run(["node", str(PEER_MJS), "pay", url, scheme.name], cwd=NODE_TESTS,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["payment"], f"@x402/fetch sent no payment: {out}"
    assert out["receiptHeader"] in (None, "PAYMENT-RESPONSE"), out
    return Paid(out["status"], out["body"].encode(), tuple(out["payment"]), out["payments"],  # type: ignore[arg-type]
                out["receipt"] or {}, out["payer"])


PEERS = {"pypi-x402": pay_with_pypi_x402, "x402-fetch": pay_with_x402_fetch}


def require_peer(peer: str, scheme: Scheme) -> None:
    if peer == "pypi-x402":
        (require_solana if scheme is EXACT_SVM else require_x402)()
        return
    reason = node_prerequisite()
    if reason:
        pytest.skip(reason)


# --- the matrix -----------------------------------------------------------------------------------

FRAMEWORKS = ["fastapi", "flask", "django", "wsgi"]


@pytest.fixture(autouse=True)
def _fresh_calls() -> Iterator[None]:
    CALLS.clear()
    yield
    CALLS.clear()


@pytest.mark.parametrize("peer", list(PEERS))
@pytest.mark.parametrize("scheme_name", list(ROUTES))
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_peer_pays_every_scheme_through_every_framework(framework: str, scheme_name: str, peer: str) -> None:
    scheme = SCHEMES[scheme_name]
    require_peer(peer, scheme)
    upto = scheme.upto
    with ExitStack() as stack:
        # The double answers with this payer; the receipt must carry the facilitator's answer.
        facilitator = stack.enter_context(FacilitatorDouble("facilitator-reported-payer").running())
        base = serve(framework, scheme_name, facilitator.url, stack)
        url = base + ("/item?charge=%d" % CHARGE if upto else "/item")

        paid = PEERS[peer](url, scheme, stack)

        # 200 with the handler's body; the handler ran once, for the peer's payer
        assert paid.status == 200, paid.body
        assert paid.body == CONTENT
        assert paid.payments == 1
        assert len(CALLS) == 1 and CALLS[0].payer == paid.payer
        assert CALLS[0].amount == SIGNED[scheme_name]

        # one /settle, carrying the peer's payload (upto: the handler's charge)
        name, value = paid.payment
        assert name.lower() == "payment-signature"
        payment = b64json(value)
        assert payment["x402Version"] == 2 and payment["accepted"]["scheme"] == scheme.scheme
        assert len(facilitator.settles) == 1
        settle = facilitator.settles[0]
        assert settle["paymentPayload"] == payment
        if upto:
            assert int(payment["payload"]["permit2Authorization"]["permitted"]["amount"]) == SIGNED[scheme_name]
            assert settle["paymentRequirements"] == {**payment["accepted"], "amount": str(CHARGE)}
        else:
            assert settle["paymentRequirements"] == payment["accepted"]

        # the receipt, through the peer's own decoder, is the facilitator's answer
        answer = facilitator.answers[0]
        assert paid.receipt["success"] is True
        assert paid.receipt["transaction"] == answer["transaction"]
        assert paid.receipt["network"] == payment["accepted"]["network"]
        assert paid.receipt["payer"] == answer["payer"]
        if upto:
            assert paid.receipt["amount"] == str(CHARGE)

        # the same payment again: 402 payment_already_used, nothing run or settled twice
        again = requests.get(url, headers={name: value}, timeout=30)
        assert again.status_code == 402, again.content
        assert b64json(again.headers["PAYMENT-REQUIRED"])["error"] == "payment_already_used"
        assert len(CALLS) == 1 and len(facilitator.settles) == 1
