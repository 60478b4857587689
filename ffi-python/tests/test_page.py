"""The paywall page served by the framework integrations (FastAPI, Flask, Django), through each
framework's own test client.

Which request gets the page is the core's decision; the cases are the shared vectors
``tests/conformance/vectors/page.json`` (op ``page.presentation``: RFC 9110 §12.5.1 Accept
negotiation, Fetch Metadata ``Sec-Fetch-Dest``), sent as real requests. The page reply's headers
are typed here from the page's contract (content type, ``Cache-Control: no-store``,
``Vary: Accept, Sec-Fetch-Dest``, ``X-Content-Type-Options: nosniff``,
``Referrer-Policy: no-referrer``, the minimal CSP ``frame-ancestors 'none'; object-src 'none'``);
the embedded offers are decoded with the standard library's base64 and json and compared with
the JSON 402's ``PAYMENT-REQUIRED`` ``accepts``.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import pytest

pytest.importorskip("httpx", reason="httpx not installed (ffi-python/tests/requirements-web.txt)")
pytest.importorskip("fastapi", reason="fastapi not installed (ffi-python/tests/requirements-web.txt)")
pytest.importorskip("flask", reason="flask not installed (ffi-python/tests/requirements-web.txt)")
pytest.importorskip("django", reason="django not installed (ffi-python/tests/requirements-web.txt)")

import flask  # noqa: E402
from fastapi import Depends, FastAPI  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from pay402.errors import ConfigurationError  # noqa: E402
from pay402.server import Admission, X402Paywall, X402Route  # noqa: E402
from pay402.server.asgi import PaymentMiddleware  # noqa: E402
from pay402.server.fastapi import price  # noqa: E402
from pay402.server.flask import Pay402  # noqa: E402
from pay402.server.page import PageConfig, PageInfo  # noqa: E402
from web_support import PAY_TO  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
VECTORS = json.loads((ROOT / "tests/conformance/vectors/page.json").read_text())
CASES = [c for c in VECTORS["cases"] if c["op"] == "page.presentation"]

PAGE_HEADERS = {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "vary": "Accept, Sec-Fetch-Dest",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "content-security-policy": "frame-ancestors 'none'; object-src 'none'",
}
BROWSER = [
    ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    ("Sec-Fetch-Dest", "document"),
    ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0"),
]
API = [("Accept", "application/json")]
DESCRIPTION = 'The <script>alert("x")</script> & report'
PRICE = "$0.01"

Response = Tuple[int, Dict[str, str], bytes]
Get = Callable[[str, str, Sequence[Tuple[str, str]]], Response]


def paywall(**kw: Any) -> X402Paywall:
    routes = kw.pop("routes", None) or [
        X402Route("/paid", PRICE),
        X402Route("/paid", PRICE, network="eip155:8453"),  # two offers: the page must list both
        X402Route("/raw", PRICE, page=False),
    ]
    return X402Paywall(routes, network="eip155:84532", pay_to=PAY_TO, settlement="none", description=DESCRIPTION, **kw)


# --- the three frameworks, each with its own test client ---------------------------------------


def fastapi_get(wall: X402Paywall) -> Get:
    app = FastAPI()

    @app.api_route("/paid", methods=["GET", "HEAD", "POST"])
    def paid() -> Dict[str, str]:
        return {"data": "paid"}

    @app.get("/raw")
    def raw() -> Dict[str, str]:
        return {"data": "raw"}

    @app.get("/dep")
    def dep(payment: Admission = Depends(price(PRICE))) -> Dict[str, Any]:
        return {"payer": payment.payer}

    app.add_middleware(PaymentMiddleware, x402=wall)
    client = TestClient(app)

    def get(method: str, path: str, headers: Sequence[Tuple[str, str]]) -> Response:
        r = client.request(method, path, headers=list(headers))
        return r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.content

    return get


def flask_get(wall: X402Paywall) -> Get:
    app = flask.Flask("page")
    pay = Pay402(app, x402=wall)

    @app.route("/paid", methods=["GET", "HEAD", "POST"])
    def paid() -> Any:
        return {"data": "paid"}

    @app.route("/raw")
    def raw() -> Any:
        return {"data": "raw"}

    @app.route("/dep")
    @pay.price(PRICE)
    def dep() -> Any:
        return {"data": "dep"}

    client = app.test_client()

    def get(method: str, path: str, headers: Sequence[Tuple[str, str]]) -> Response:
        r = client.open(path, method=method, headers=list(headers))
        return r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.get_data()

    return get


def django_get(config: Dict[str, Any]) -> Callable[[], Any]:
    """A context manager factory: Django reads ``settings.PAY402`` when the middleware loads."""
    import django_app  # noqa: F401  (configures Django)
    from django.test import Client, override_settings

    class Ctx:
        def __enter__(self) -> Get:
            self.override = override_settings(MIDDLEWARE=["pay402.server.django.PaymentMiddleware"], PAY402=config)
            self.override.enable()
            client = Client()

            def get(method: str, path: str, headers: Sequence[Tuple[str, str]]) -> Response:
                merged: Dict[str, str] = {}
                for k, v in headers:  # a repeated field is one comma-separated list (RFC 9110 §5.3)
                    merged[k] = f"{merged[k]}, {v}" if k in merged else v
                r = client.generic(method, path, headers=merged)
                return r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.content

            return get

        def __exit__(self, *exc: Any) -> None:
            self.override.disable()

    return Ctx


def django_config(**extra: Any) -> Dict[str, Any]:
    return {
        "routes": {"/paid": PRICE, "/dep": PRICE},
        "network": "eip155:84532",
        "pay_to": PAY_TO,
        "settlement": "none",
        "description": DESCRIPTION,
        **extra,
    }


FRAMEWORKS = ["fastapi", "flask", "django"]


def client_for(framework: str, wall_kw: Dict[str, Any], django_kw: Dict[str, Any]) -> Any:
    """A context manager yielding ``get(method, path, headers)``."""
    if framework == "django":
        return django_get(django_config(**django_kw))()

    class Plain:
        def __enter__(self) -> Get:
            wall = paywall(**wall_kw)
            return fastapi_get(wall) if framework == "fastapi" else flask_get(wall)

        def __exit__(self, *exc: Any) -> None:
            pass

    return Plain()


# --- reading the answers -----------------------------------------------------------------------


def page_data(body: bytes) -> Dict[str, Any]:
    match = re.search(rb'<meta name="pay402-page" content="([A-Za-z0-9+/=]*)">', body)
    assert match, body[:400]
    data: Dict[str, Any] = json.loads(base64.b64decode(match.group(1)))
    return data


def accepts(payment_required: str) -> List[Dict[str, Any]]:
    value: List[Dict[str, Any]] = json.loads(base64.b64decode(payment_required))["accepts"]
    return value


def assert_page(status: int, headers: Dict[str, str], body: bytes, method: str = "GET") -> None:
    assert status == 402
    for name, value in PAGE_HEADERS.items():
        assert headers.get(name) == value, (name, headers)
    assert "payment-required" in headers
    if method == "HEAD":
        return
    assert body.startswith(b"<!doctype html>")
    assert page_data(body)["paymentRequired"] == headers["payment-required"]


def assert_api(status: int, headers: Dict[str, str], body: bytes, vary: Optional[str]) -> None:
    assert status == 402, (status, body[:200])
    assert headers["content-type"].startswith("application/json")
    document = json.loads(body)
    assert "x402Version" in document
    assert headers.get("vary") == vary
    assert "content-security-policy" not in headers


# --- the tests ---------------------------------------------------------------------------------


def case_id(case: Dict[str, Any]) -> str:
    return str(case["name"])


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_core_decides_page_or_api_for_every_vector(framework: str) -> None:
    """Every ``page.presentation`` vector as a real request: the page, or the JSON 402."""
    checked = 0
    for case in CASES:
        method = case["input"]["method"]
        if method != method.upper():
            continue  # the test clients upper-case methods; the core's runners cover this case
        policy = case["input"].get("policy", {})
        wall_kw: Dict[str, Any] = {}
        django_kw: Dict[str, Any] = {}
        if policy.get("enabled") is False:
            wall_kw["page"] = django_kw["page"] = False
        if policy.get("require_mozilla_user_agent"):
            wall_kw["page"] = PageConfig(require_mozilla_user_agent=True)
            django_kw["page"] = {"require_mozilla_user_agent": True}
        headers = [(k, v) for k, v in case["input"]["headers"]]
        with client_for(framework, wall_kw, django_kw) as get:
            status, got, body = get(method, "/paid", headers)
        want = case["expect"]["ok"]["presentation"]
        is_page = got.get("content-type", "").startswith("text/html")
        assert is_page == (want == "page"), (case["name"], status, got)
        if is_page:
            assert_page(status, got, body, method)
        else:
            # a credential the route cannot admit is a refusal (JSON, no page); an unpaid
            # request is the challenge, with Vary when the route serves the page
            assert status == 402 and got["content-type"].startswith("application/json"), (case["name"], got)
        checked += 1
    assert checked == len(CASES) - 1


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_page_and_api_carry_the_same_offers(framework: str) -> None:
    with client_for(framework, {}, {}) as get:
        for path in ("/paid", "/dep"):
            status, headers, body = get("GET", path, BROWSER)
            assert_page(status, headers, body)
            a_status, a_headers, a_body = get("GET", path, API)
            assert_api(a_status, a_headers, a_body, vary="Accept, Sec-Fetch-Dest")
            embedded = page_data(body)["paymentRequired"]
            assert accepts(embedded) == accepts(a_headers["payment-required"])
            assert len(accepts(embedded)) == (2 if path == "/paid" and framework != "django" else 1)
            # the summary is server-rendered: 10000 atomic units of USDC (6 decimals) is 0.01 USDC
            assert b"0.01 USDC" in body
            # the description reaches the page as text, escaped
            assert b'&lt;script&gt;alert("x")&lt;/script&gt; &amp; report' in body
            assert b'<script>alert("x")' not in body
            assert page_data(body)["resource"]["description"] == DESCRIPTION


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_opt_out_gives_the_json_402(framework: str) -> None:
    # per route (X402Route(page=False)) and per paywall (page=False; Django: settings)
    with client_for(framework, {"page": False}, {"page": False}) as get:
        status, headers, body = get("GET", "/paid", BROWSER)
        assert_api(status, headers, body, vary=None)
    if framework != "django":
        with client_for(framework, {}, {}) as get:
            status, headers, body = get("GET", "/raw", BROWSER)
            assert_api(status, headers, body, vary=None)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_theme_messages_and_escaping_from_the_config(framework: str) -> None:
    config = {
        "title": "Tom's <shop> & co",
        "colors": {"accent": "#005A9C", "accent_text": "#ffffff"},
        "messages": {"pay": "Bezahlen"},
        "lang": "de",
    }
    with client_for(framework, {"page": PageConfig(**config)}, {"page": config}) as get:  # type: ignore[arg-type]
        status, headers, body = get("GET", "/paid", BROWSER)
    assert_page(status, headers, body)
    assert b"<title>Tom's &lt;shop&gt; &amp; co</title>" in body
    assert b"--pay402-accent:#005a9c;" in body
    assert b'<html lang="de"' in body
    assert page_data(body)["messages"] == {"pay": "Bezahlen"}


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_custom_html_hook(framework: str) -> None:
    seen: List[PageInfo] = []

    def paywall_html(info: PageInfo, request: Any) -> Optional[str]:
        seen.append(info)
        if request.path == "/dep":
            return None  # the default page
        return f"<!doctype html><title>Pay</title>{info.meta}<h1>Custom</h1>"

    with client_for(framework, {"paywall_html": paywall_html}, {"paywall_html": paywall_html}) as get:
        status, headers, body = get("GET", "/paid", BROWSER)
        d_status, d_headers, d_body = get("GET", "/dep", BROWSER)
        a_status, a_headers, a_body = get("GET", "/paid", API)
    assert status == 402
    for name, value in PAGE_HEADERS.items():
        assert headers.get(name) == value
    assert body.startswith(b"<!doctype html><title>Pay</title><meta name=\"pay402-page\" content=\"")
    assert body.endswith(b"\"><h1>Custom</h1>")
    # the meta is the core's: base64 only, the same offers as the header
    assert page_data(body)["paymentRequired"] == headers["payment-required"]
    assert page_data(body)["resource"]["description"] == DESCRIPTION
    assert seen[0].payment_required == headers["payment-required"]
    assert seen[0].description == DESCRIPTION
    assert_page(d_status, d_headers, d_body)  # None keeps the page
    assert_api(a_status, a_headers, a_body, vary="Accept, Sec-Fetch-Dest")  # API clients never see the hook
    assert len(seen) == 2


def test_configuration_errors_carry_the_core_codes() -> None:
    with pytest.raises(ConfigurationError) as e:
        paywall(page=PageConfig(colors={"text": "#777777"}))
    assert e.value.code == "theme_low_contrast"
    with pytest.raises(ConfigurationError) as e:
        paywall(page=PageConfig(template=b"<title>{{pay402.title}}</title>"))
    assert e.value.code == "template_slot_missing"
    with pytest.raises(ConfigurationError) as e:
        paywall(page=PageConfig(rpc={"eip155:8453": "javascript:alert(1)"}))
    assert e.value.code == "page_rpc_invalid"
    with pytest.raises(ConfigurationError) as e:
        paywall(routes=[X402Route("/x", PRICE, page=PageConfig(colors={"accent": "blue"}))])
    assert e.value.code.startswith("theme_")


def test_the_packaged_template_is_inline_and_its_size() -> None:
    """One response, no further request: no external script, stylesheet or wasm URL."""
    from pay402.server.page import template

    text = template().decode()
    assert not re.search(r"<script[^>]*\bsrc=", text)
    assert not re.search(r"<link[^>]*\bhref=", text)
    assert "paywall_bg.wasm" not in text or "data:" in text
    with client_for("fastapi", {}, {}) as get:
        _, _, body = get("GET", "/paid", BROWSER)
    print(f"served page: {len(body)} B, gzip -9 {len(gzip.compress(body, 9))} B")


def test_l402_routes_serve_the_page_with_the_invoice() -> None:
    """L402 only (L402Paywall) and a route selling both: the page carries the invoice and the
    macaroon of the core's own challenge, and the x402 offers where there are some."""
    from pay402 import l402_select_challenge
    from pay402.server import L402Paywall
    from web_support import FEWSATS_INVOICE, FEWSATS_NOW, fewsats_invoices

    def app(**gate: Any) -> Any:
        api = FastAPI()

        @api.get("/premium")
        def premium() -> Dict[str, str]:
            return {"data": "premium"}

        api.add_middleware(PaymentMiddleware, **gate)
        return TestClient(api)

    l402 = dict(service="weather", invoice_provider=fewsats_invoices, clock=lambda: FEWSATS_NOW)
    only = app(l402=L402Paywall({"GET /premium": 17_000}, description="Weather <now>", **l402))
    both = app(
        x402=paywall(routes=[X402Route("GET /premium", PRICE)]),
        l402=L402Paywall({"GET /premium": 17_000}, **l402),
    )
    for client, has_x402 in ((only, False), (both, True)):
        r = client.get("/premium", headers=BROWSER)
        headers = {k.lower(): v for k, v in r.headers.items()}
        assert r.status_code == 402
        for name, value in PAGE_HEADERS.items():
            assert headers.get(name) == value, name
        challenges = r.headers.get_list("www-authenticate")
        chosen = l402_select_challenge(challenges)
        data = page_data(r.content)
        assert data["l402"]["invoice"] == FEWSATS_INVOICE == chosen.invoice
        assert data["l402"]["macaroon"] == chosen.macaroon
        assert data["l402"]["amountMsat"] == 17_000
        assert b"17 sat" in r.content
        assert ("paymentRequired" in data) == has_x402
        if has_x402:
            assert data["paymentRequired"] == headers["payment-required"]
        api = client.get("/premium", headers=API)
        assert api.status_code == 402 and not api.headers.get("content-type", "").startswith("text/html")
        assert api.headers["vary"] == "Accept, Sec-Fetch-Dest"
    from pay402.server import L402Route

    for off in (app(l402=L402Paywall({"GET /premium": 17_000}, page=False, **l402)),
                app(l402=L402Paywall([L402Route("GET /premium", 17_000, page=False)], **l402))):
        r = off.get("/premium", headers=BROWSER)
        assert r.status_code == 402 and not r.headers.get("content-type", "").startswith("text/html")
        assert "vary" not in r.headers
