"""Runs every ```python block of ffi-python/README.md, in order.

Blocks that use the web stack (fastapi, httpx, …) run in one shared namespace, so the client
example pays the FastAPI example; they need ffi-python/tests/requirements-web.txt and settle through a
fake facilitator on a loopback socket (FACILITATOR_URL). The other blocks run on every version.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict

import pytest

README = Path(__file__).resolve().parents[2] / "ffi-python" / "README.md"
# The several-facilitators example needs facilitators to talk to: test_facilitator.py runs it.
BLOCKS = [b for b in re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
          if not b.startswith("# Several facilitators")]
WEB_MODULES = ("fastapi", "httpx", "redis", "requests", "flask", "django")


def _is_web(block: str) -> bool:
    return any(re.search(rf"^\s*(from|import) {m}\b", block, flags=re.M) for m in WEB_MODULES) or "pay402.replay" in block


def test_readme_has_verify_sign_and_l402_examples() -> None:
    assert len(BLOCKS) >= 2
    assert any("verify_payment" in b for b in BLOCKS)
    assert any("x402_sign" in b and "with_wallet_signature" in b for b in BLOCKS)
    assert any("l402_verify" in b and "l402_check_challenge" in b for b in BLOCKS)
    assert any("PaymentMiddleware" in b and "FastAPI" in b for b in BLOCKS)
    assert any("PaymentAuth" in b and "Budget" in b for b in BLOCKS)


def test_readme_examples_run() -> None:
    for n, block in enumerate(BLOCKS):
        if _is_web(block):
            continue
        exec(compile(block, f"README.md[python block {n}]", "exec"), {"__name__": f"readme_{n}"})


def test_readme_web_examples_run(monkeypatch: Any) -> None:
    for m in ("fastapi", "httpx", "redis", "flask"):
        pytest.importorskip(m, reason=f"{m} not installed (ffi-python/tests/requirements-web.txt)")
    from test_facilitator import fake_facilitator
    from web_support import redis_server, wsgi_server

    seen: list = []
    namespace: Dict[str, Any] = {"__name__": "readme_web"}
    with wsgi_server(fake_facilitator({}, seen)) as base, redis_server() as redis_port:
        monkeypatch.setenv("FACILITATOR_URL", base)
        monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{redis_port}/0")
        for n, block in enumerate(BLOCKS):
            if _is_web(block):
                exec(compile(block, f"README.md[python block {n}]", "exec"), namespace)
    assert [s["path"] for s in seen] == ["/settle"]
    assert seen[0]["paymentRequirements"]["amount"] == "10000"
    _django_example_is_enforced(namespace)


def _django_example_is_enforced(namespace: Dict[str, Any]) -> None:
    """The README's Django settings and view, loaded by Django and requested with its test client."""
    pytest.importorskip("django", reason="django not installed (ffi-python/tests/requirements-web.txt)")
    import json
    import sys
    import types

    import django_app  # noqa: F401  (configures Django)
    from django.test import Client, override_settings
    from django.urls import path

    import pay402

    urls = types.ModuleType("readme_django_urls")
    urls.urlpatterns = [path("report", namespace["django_report"])]  # type: ignore[attr-defined]
    sys.modules[urls.__name__] = urls
    with override_settings(MIDDLEWARE=namespace["MIDDLEWARE"], PAY402=namespace["PAY402"], ROOT_URLCONF=urls.__name__):
        client = Client()
        for route, amount in (("/premium", "10000"), ("/report", "50000")):
            r = client.get(route)
            assert r.status_code == 402, route
            required = json.loads(pay402.decode_payment_required(r.headers["PAYMENT-REQUIRED"]).json)
            assert required["accepts"][0]["amount"] == amount
