"""The ```python blocks of ffi-python/README.md and the extras they need, for test_readme.py and for
the fresh-venv step of ffi-python/tests/run.sh (needs neither pytest nor the test requirements).

A block that needs an extra says so on its first line: ``# needs: pip install "pay402[fastapi]"``.
The extras and the packages each installs are read from ffi-python/pyproject.toml. In a venv where
some extras are installed, the blocks whose extras are all installed run together, in README
order, in one namespace: exactly as written, offline (the servers settle through the README's
local facilitator or not at all).

    python ffi-python/tests/readme_blocks.py fastapi     # in a venv with pay402[fastapi]
    python ffi-python/tests/readme_blocks.py none        # in a venv with the bare wheel

checks, for that venv: every block runnable there runs; every optional module or class whose extra
is missing fails with a message that names the extra (``pip install "pay402[<extra>]"``).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, Iterator, List, Optional, Tuple

FFI = Path(__file__).resolve().parents[1]
README = FFI / "README.md"
PYPROJECT = FFI / "pyproject.toml"
NEEDS = re.compile(r'^# needs: pip install "pay402\[([a-z0-9_,-]+)\]"\n')
# Tested elsewhere: they need facilitators to talk to (test_facilitator.py), or a chain
# (tests/chain/test_local_settlement.py).
SKIPPED = ("# Several facilitators", "# Settlement modes")


@dataclass(frozen=True)
class Block:
    index: int
    needs: FrozenSet[str]  # extras
    code: str


def extras() -> Dict[str, FrozenSet[str]]:
    """``{extra: {distribution names}}`` from pyproject.toml's [project.optional-dependencies]."""
    table = PYPROJECT.read_text("utf-8").split("[project.optional-dependencies]", 1)[1].split("\n[", 1)[0]
    found: Dict[str, FrozenSet[str]] = {}
    for m in re.finditer(r"^([a-z0-9_-]+)\s*=\s*\[(.*?)\]", table, flags=re.M | re.S):
        found[m.group(1)] = frozenset(
            re.split(r"[<>=!~;\[ ]", d, maxsplit=1)[0].lower() for d in re.findall(r'"([^"]+)"', m.group(2))
        )
    return found


def blocks() -> List[Block]:
    text = README.read_text(encoding="utf-8")
    out = []
    for n, code in enumerate(re.findall(r"```python\n(.*?)```", text, flags=re.S)):
        if any(s in code for s in SKIPPED):
            continue
        m = NEEDS.match(code)
        out.append(Block(n, frozenset(m.group(1).split(",")) if m else frozenset(), code))
    return out


def distributions(installed: FrozenSet[str]) -> FrozenSet[str]:
    """The packages a set of installed extras brings."""
    table = extras()
    return frozenset().union(*(table[e] for e in installed)) if installed else frozenset()


def runnable(block: Block, dists: FrozenSet[str]) -> bool:
    return distributions(block.needs) <= dists


# What a block uses that an extra provides, found in its text: (pattern, distribution).
USES: List[Tuple[str, str]] = [
    (r"^\s*(?:from|import) fastapi\b", "fastapi"),
    (r"^\s*(?:from|import) starlette\b", "fastapi"),
    (r"^\s*(?:from|import) flask\b", "flask"),
    (r"^\s*(?:from|import) django\b", "django"),
    (r"^\s*(?:from|import) httpx\b", "httpx"),
    (r"^\s*(?:from|import) requests\b", "requests"),
    (r"^\s*(?:from|import) redis\b", "redis"),
    (r"^\s*(?:from|import) uvicorn\b", "uvicorn"),
    (r"^\s*(?:from|import) websockets\b", "websockets"),
    (r"^\s*from pay402\.ws402 import[^\n]*\bconnect\b", "websockets"),
    (r"pay402\.server\.fastapi\b", "fastapi"),
    (r"pay402\.server\.flask\b", "flask"),
    (r"pay402\.server\.django\b", "django"),
    (r"\bPaymentAuth\(", "httpx"),
    (r"\b(?:requests_session|PaymentAdapter)\(", "requests"),
    (r"\b(?:Async)?RedisReplayStore\.from_url\(", "redis"),
    (r"\bFacilitatorClient\(|\bfacilitator_url\b", "httpx"),
]


def used_distributions(code: str) -> FrozenSet[str]:
    return frozenset(dist for pattern, dist in USES if re.search(pattern, code, flags=re.M))


def run(dists: FrozenSet[str], namespace: Dict[str, Any]) -> List[int]:
    """Runs every block runnable with ``dists`` installed, in order, in ``namespace``; returns
    the indexes run."""
    ran = []
    for b in blocks():
        if runnable(b, dists):
            exec(compile(b.code, f"README.md[python block {b.index}]", "exec"), namespace)
            ran.append(b.index)
    return ran


def django_example_is_enforced(namespace: Dict[str, Any]) -> None:
    """The README's Django settings and view, loaded by Django and requested with its test client:
    both prices are answered with a 402 carrying them."""
    import json

    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(DEBUG=False, SECRET_KEY="readme", ALLOWED_HOSTS=["*"], MIDDLEWARE=[], INSTALLED_APPS=[])
        django.setup()
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
            assert r.status_code == 402, (route, r.status_code)
            required = json.loads(pay402.decode_payment_required(r.headers["PAYMENT-REQUIRED"]).json)
            assert required["accepts"][0]["amount"] == amount, (route, required)


# --- optional features without their extra ------------------------------------------------------

def _payer() -> Any:
    from pay402.client import Budget, X402Payer

    return X402Payer(bytes([0x11] * 32), networks=["eip155:84532"], budget=Budget(per_request=1, total=1))


def _paywall_with_facilitator() -> Any:
    from pay402.server import X402Paywall

    return X402Paywall({"/x": 1}, network="eip155:84532", pay_to="0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
                       facilitator_url="http://127.0.0.1:9/")


def _paywall_with_redis() -> Any:
    from pay402.server import X402Paywall

    return X402Paywall.from_config({"routes": {"/x": 1}, "network": "eip155:84532", "settlement": "none",
                                    "pay_to": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
                                    "redis_url": "redis://127.0.0.1:9/0"})


# (what is tried, the distribution it needs, the extra the message must name)
FEATURES: List[Tuple[str, Callable[[], Any], str, str]] = [
    ("import pay402.server.fastapi", lambda: importlib.import_module("pay402.server.fastapi"), "fastapi", "fastapi"),
    ("import pay402.server.flask", lambda: importlib.import_module("pay402.server.flask"), "flask", "flask"),
    ("import pay402.server.django", lambda: importlib.import_module("pay402.server.django"), "django", "django"),
    ("PaymentAuth()", lambda: importlib.import_module("pay402.client").PaymentAuth(x402=_payer()), "httpx", "httpx"),
    ("PaymentAdapter()", lambda: importlib.import_module("pay402.client").PaymentAdapter(x402=_payer()), "requests", "requests"),
    ("requests_session()", lambda: importlib.import_module("pay402.client").requests_session(x402=_payer()), "requests", "requests"),
    ("FacilitatorClient()", lambda: importlib.import_module("pay402.facilitator").FacilitatorClient("http://127.0.0.1:9/"), "httpx", "httpx"),
    ("X402Paywall(facilitator_url=)", _paywall_with_facilitator, "httpx", "httpx"),
    ("RedisReplayStore.from_url()", lambda: importlib.import_module("pay402.replay").RedisReplayStore.from_url("redis://127.0.0.1:9/0"), "redis", "redis"),
    ("AsyncRedisReplayStore.from_url()", lambda: importlib.import_module("pay402.replay").AsyncRedisReplayStore.from_url("redis://127.0.0.1:9/0"), "redis", "redis"),
    ("X402Paywall.from_config(redis_url=)", _paywall_with_redis, "redis", "redis"),
    ("pay402.ws402.connect()", lambda: importlib.import_module("pay402.ws402").connect("http://127.0.0.1:9/", None),
     "websockets", "ws402"),
    ("pay402.facilitator_server.serve()", lambda: importlib.import_module("pay402.facilitator_server").serve("/nonexistent.toml"),
     "uvicorn", "facilitator"),
]
# Modules every install imports, whatever is missing.
ALWAYS = ["pay402", "pay402.client", "pay402.facilitator", "pay402.replay", "pay402.prices", "pay402.server",
          "pay402.server.asgi", "pay402.server.wsgi", "pay402.asgi", "pay402.wsgi", "pay402.offers_server", "pay402.cli",
          "pay402.facilitator_server", "pay402.ws402"]


def installed(dist: str) -> bool:
    """Whether the distribution's module imports (every extra's distribution has its own name)."""
    try:
        return importlib.util.find_spec(dist) is not None
    except ModuleNotFoundError:
        return False


def check_missing_extras() -> List[str]:
    """Imports ALWAYS; tries every FEATURE whose package is missing and checks that it fails
    with MissingExtra naming its extra. Returns what was checked."""
    from pay402.errors import MissingExtra

    for m in ALWAYS:
        importlib.import_module(m)
    checked = []
    for what, attempt, dist, extra in FEATURES:
        if installed(dist):
            continue
        try:
            attempt()
        except MissingExtra as e:
            want = f'pip install "pay402[{extra}]"'
            assert want in str(e) and e.extra == extra and isinstance(e, ImportError), (what, str(e))
            checked.append(what)
        else:
            raise AssertionError(f"{what} worked without {dist}")
    return checked


# --- the fresh-venv step ------------------------------------------------------------------------

def _redis() -> Iterator[Optional[str]]:
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("redis-server did not start")
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main(argv: List[str]) -> int:
    wanted = frozenset(a for a in argv if a != "none")
    table = extras()
    unknown = wanted - set(table)
    if unknown:
        print(f"unknown extras: {sorted(unknown)}", file=sys.stderr)
        return 2
    dists = distributions(wanted)
    for dist in sorted(dists):
        if not installed(dist):
            print(f"{dist} is not installed, but pay402[{','.join(sorted(wanted))}] should have brought it", file=sys.stderr)
            return 1
    checked = check_missing_extras()
    redis_gen = _redis()
    redis_url = next(redis_gen) if "redis" in dists else None
    try:
        if "redis" in dists and redis_url is None:
            print("redis-server is not installed: the Redis example cannot run", file=sys.stderr)
            return 1
        os.environ.pop("FACILITATOR_URL", None)
        if redis_url:
            os.environ["REDIS_URL"] = redis_url
        namespace: Dict[str, Any] = {"__name__": "readme"}
        ran = run(dists, namespace)
        mine = [b.index for b in blocks() if b.needs and runnable(b, dists)]
        if wanted and not mine:
            print(f"no README example needs pay402[{','.join(sorted(wanted))}]", file=sys.stderr)
            return 1
        if "django" in dists:
            django_example_is_enforced(namespace)
    finally:
        if redis_url:
            next(redis_gen, None)
    name = f"pay402[{','.join(sorted(wanted))}]" if wanted else "pay402 (no extra)"
    print(f"{name}: {len(ran)} README blocks ran ({len(mine)} needing extras: {mine}); "
          f"{len(checked)} missing-extra messages checked")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
