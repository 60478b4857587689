"""Runs every ```python block of ffi-python/README.md, in order, exactly as written.

Blocks that need no extra run on every version. Blocks that need one (their first line says
``# needs: pip install "pay402[<extra>]"``) run in one shared namespace where every extra's
packages are installed (ffi-python/tests/requirements-web.txt), so the client examples pay the
server examples, which settle through the README's own local facilitator. ffi-python/tests/run.sh
also runs each extra's blocks in a fresh venv with only that extra (readme_blocks.py).
"""

from __future__ import annotations

import re
from typing import Any, Dict

import pytest

from readme_blocks import USES, blocks, distributions, django_example_is_enforced, extras, run, used_distributions

BLOCKS = blocks()


def test_readme_has_verify_sign_and_l402_examples() -> None:
    codes = [b.code for b in BLOCKS]
    assert len(codes) >= 2
    assert any("verify_payment" in c for c in codes)
    assert any("x402_sign" in c and "with_wallet_signature" in c for c in codes)
    assert any("l402_verify" in c and "l402_check_challenge" in c for c in codes)
    assert any("PaymentMiddleware" in c and "FastAPI" in c for c in codes)
    assert any("PaymentAuth" in c and "Budget" in c for c in codes)
    assert any("requests_session" in c for c in codes)


def test_each_block_declares_the_extras_it_uses() -> None:
    table = extras()
    for b in BLOCKS:
        assert b.needs <= set(table), (b.index, b.needs)
        missing = used_distributions(b.code) - distributions(b.needs)
        assert not missing, f"README python block {b.index} uses {sorted(missing)} without a '# needs:' line naming its extra"


def test_every_framework_client_and_store_extra_has_an_example() -> None:
    table = extras()
    assert {"fastapi", "flask", "django", "httpx", "requests", "redis"} <= set(table)
    for extra in ("fastapi", "flask", "django", "httpx", "requests", "redis"):
        assert any(extra in b.needs for b in BLOCKS), f"no README example says it needs pay402[{extra}]"
    # the README's extras table lists every extra of pyproject.toml
    from readme_blocks import README

    text = README.read_text("utf-8")
    for extra in table:
        assert re.search(rf"^\| `{extra}` \|", text, flags=re.M), f"extra {extra!r} is not in the README's table"


def test_readme_examples_run() -> None:
    namespace: Dict[str, Any] = {"__name__": "readme"}
    ran = run(frozenset(), namespace)
    assert ran == [b.index for b in BLOCKS if not b.needs]


def test_readme_web_examples_run(monkeypatch: Any) -> None:
    everything = distributions(frozenset(extras()))
    for m in sorted(everything):
        pytest.importorskip(m, reason=f"{m} not installed (ffi-python/tests/requirements-web.txt)")
    from web_support import redis_server

    namespace: Dict[str, Any] = {"__name__": "readme_web"}
    monkeypatch.delenv("FACILITATOR_URL", raising=False)
    with redis_server() as redis_port:
        monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{redis_port}/0")
        ran = run(everything, namespace)
    assert ran == [b.index for b in BLOCKS]
    # The FastAPI example settled once, through the local facilitator, for $0.01 of USDC.
    assert namespace["settled"] == ["10000"]
    import django_app  # noqa: F401  (configures Django for the whole test session, as the other tests expect)

    django_example_is_enforced(namespace)


def test_uses_patterns_compile() -> None:
    for pattern, dist in USES:
        re.compile(pattern)
        assert dist in distributions(frozenset(extras()))
