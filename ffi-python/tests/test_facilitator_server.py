"""pay402.facilitator_server without a chain: configuration errors, bearer auth, the /supported
shape, /verify on the shared x402 verify vectors (expected verdicts from the reference clients and
facilitators, tests/conformance/vectors/x402-verify.peers.json), /metrics read by the Prometheus
client library's own parser, and the settlement records (memory and a real Redis when
``PAY402_TEST_REDIS_URL`` or redis-server is available). Requests go through httpx's ASGI transport.
Settlement on a chain is tested in tests/chain/test_facilitator.py."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

import pay402
from pay402.errors import ConfigurationError
from pay402.facilitator_server import (
    FacilitatorApp,
    MemorySettlementRecords,
    RedisSettlementRecords,
    load_config,
    parse_config,
)

httpx = pytest.importorskip("httpx", reason="the facilitator tests need httpx (tests/requirements-web.txt)")

VECTORS = Path(__file__).resolve().parents[2] / "tests" / "conformance" / "vectors"
# Hardhat's published development account #1 (its key is in Hardhat's documentation): the signer.
SIGNER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
SIGNER_ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
API_KEY = "test-key-7f3a9c"


class NeverSettles:
    """A settlement backend these tests must never reach (the verify paths and the auth refusals)."""

    def settle_payment(self, payment_payload: Any, requirements: Any, settle_amount: Optional[int] = None) -> Dict[str, Any]:
        raise AssertionError("settle_payment called")


def base_config(**top: Any) -> Dict[str, Any]:
    cfg: Dict[str, Any] = {
        "api_keys_env": ["FAC_API_KEY"],
        "networks": [{"network": "eip155:84532", "rpc_urls": ["http://127.0.0.1:9"], "signer_key_env": "FAC_SIGNER"}],
    }
    cfg.update(top)
    return cfg


ENV = {"FAC_API_KEY": API_KEY, "FAC_SIGNER": SIGNER_KEY}


def make_app(cfg: Optional[Dict[str, Any]] = None, env: Optional[Dict[str, str]] = None, **kw: Any) -> FacilitatorApp:
    config = parse_config(cfg or base_config(), env or ENV)
    settlers = kw.pop("settlers", None) or {n.network: NeverSettles() for n in config.networks}
    return FacilitatorApp(config, settlers=settlers, **kw)


def request(app: FacilitatorApp, method: str, path: str, *, key: Optional[str] = API_KEY, **kw: Any) -> "httpx.Response":
    async def go() -> "httpx.Response":
        headers = kw.pop("headers", {})
        if key is not None:
            headers["authorization"] = f"Bearer {key}"
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://fac") as client:
            return await client.request(method, path, headers=headers, **kw)

    return asyncio.run(go())


# --- configuration --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cfg, env, code",
    [
        ({"api_keys_env": ["FAC_API_KEY"], "networks": []}, ENV, "facilitator_no_networks"),
        (base_config(networks=[{"network": "base", "rpc_urls": ["http://x"], "signer_key_env": "FAC_SIGNER"}]), ENV, "facilitator_bad_network"),
        (base_config(networks=[{"network": "eip155:1", "rpc_urls": ["http://x"], "signer_key_env": "FAC_SIGNER"}] * 2), ENV, "facilitator_bad_network"),
        (base_config(networks=[{"network": "eip155:1", "rpc_urls": [], "signer_key_env": "FAC_SIGNER"}]), ENV, "facilitator_no_rpc"),
        (base_config(networks=[{"network": "eip155:1", "rpc_urls": ["ws://x"], "signer_key_env": "FAC_SIGNER"}]), ENV, "facilitator_no_rpc"),
        (base_config(networks=[{"network": "eip155:1", "rpc_urls": ["http://x"], "signer_key_env": "FAC_SIGNER",
                                "assets": ["0x1234"]}]), ENV, "facilitator_bad_address"),
        (base_config(networks=[{"network": "eip155:1", "rpc_urls": ["http://x"], "signer_key_env": "FAC_SIGNER",
                                "eip6492_allowed_factories": ["nope"]}]), ENV, "facilitator_bad_address"),
        (base_config(), {"FAC_API_KEY": API_KEY}, "facilitator_env_missing"),
        (base_config(), {"FAC_SIGNER": SIGNER_KEY}, "facilitator_env_missing"),
        (base_config(), {"FAC_API_KEY": API_KEY, "FAC_SIGNER": "0x" + "00" * 32}, "facilitator_bad_signer_key"),
        (base_config(api_keys_env=[]), ENV, "facilitator_no_api_keys"),
        (base_config(redis_url_env="FAC_REDIS"), ENV, "facilitator_env_missing"),
        (base_config(colour="blue"), ENV, "facilitator_config_invalid"),
        (base_config(settle_wait_seconds="10"), ENV, "facilitator_config_invalid"),
        (base_config(networks=[{"network": "eip155:1", "rpc_urls": ["http://x"], "signer_key_env": "FAC_SIGNER",
                                "smart_wallets": "yes"}]), ENV, "facilitator_config_invalid"),
    ],
)
def test_bad_configuration_is_a_typed_error(cfg: Dict[str, Any], env: Dict[str, str], code: str) -> None:
    with pytest.raises(ConfigurationError) as e:
        parse_config(cfg, env)
    assert e.value.code == code
    assert SIGNER_KEY not in str(e.value) and SIGNER_KEY[2:] not in str(e.value)


def test_config_file_toml_and_json_and_env_overrides(tmp_path: Path) -> None:
    toml = tmp_path / "fac.toml"
    toml.write_text(
        'api_keys_env = ["FAC_API_KEY"]\n'
        "[[networks]]\n"
        'network = "eip155:84532"\n'
        'rpc_urls = ["http://127.0.0.1:9"]\n'
        'signer_key_env = "FAC_SIGNER"\n'
        'assets = ["0x036cbd53842c5426634e7929541ec2318f3dcf7e"]\n'
    )
    if not _has_toml():
        with pytest.raises(ConfigurationError) as e:
            load_config(str(toml), ENV)
        assert e.value.code == "facilitator_config_unreadable"
    else:
        cfg = load_config(str(toml), {**ENV, "PAY402_FACILITATOR_RPC_URLS_EIP155_84532": "http://a:1, http://b:2"})
        net = cfg.networks[0]
        assert net.rpc_urls == ("http://a:1", "http://b:2")
        assert net.assets == ("0x036CbD53842c5426634e7929541eC2318f3dCF7e",)  # EIP-55 (USDC on Base Sepolia)
        assert net.signer_address == SIGNER_ADDRESS
        assert SIGNER_KEY[2:] not in repr(cfg) and SIGNER_KEY[2:] not in repr(net)
    js = tmp_path / "fac.json"
    js.write_text(json.dumps(base_config()))
    assert load_config(str(js), ENV).networks[0].network == "eip155:84532"
    js.write_text("{not json")
    with pytest.raises(ConfigurationError) as e:
        load_config(str(js), ENV)
    assert e.value.code == "facilitator_config_unreadable"
    with pytest.raises(ConfigurationError) as e:
        load_config(str(tmp_path / "absent.toml"), ENV)
    assert e.value.code == "facilitator_config_unreadable"


def test_the_readme_configuration_loads(tmp_path: Path) -> None:
    """The README's facilitator.toml, as written, with its variables set."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    section = readme.split("## Run a facilitator", 1)[1].split("\n## ", 1)[0]
    (toml,) = re.findall(r"```toml\n(.*?)```", section, flags=re.S)
    if not _has_toml():
        pytest.skip("no TOML reader (Python < 3.11 without tomli)")
    path = tmp_path / "facilitator.toml"
    path.write_text(toml)
    env = {"FACILITATOR_API_KEY": API_KEY, "SETTLER_KEY": SIGNER_KEY, "FACILITATOR_REDIS_URL": "redis://127.0.0.1:9/0",
           "FEE_PAYER_SEED": "07" * 32}
    cfg = load_config(str(path), env)
    net, svm = cfg.networks
    assert (net.network, net.rpc_urls, net.smart_wallets, net.eip6492_allowed_factories, net.receipt_timeout) == (
        "eip155:84532", ("https://sepolia.base.org",), True, (), 30.0)
    assert net.assets == ("0x036CbD53842c5426634e7929541eC2318f3dCF7e",) and net.signer_address == SIGNER_ADDRESS
    assert (net.upto, net.v1_name, cfg.x402_v1) == (True, "base-sepolia", True)
    # Solana devnet and its USDC mint (x402 v2 §11.1 and the scheme's asset table)
    assert (svm.family, svm.network, svm.v1_name) == ("solana", "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", "solana-devnet")
    assert svm.assets == ("4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU",)
    assert svm.signer_address == pay402.svm_public_key(bytes([7] * 32))
    assert cfg.redis_url() == "redis://127.0.0.1:9/0" and cfg.settle_wait == 30.0 and cfg.api_keys() == [API_KEY.encode()]
    with pytest.raises(ConfigurationError) as e:
        load_config(str(path), {k: v for k, v in env.items() if k != "SETTLER_KEY"})
    assert e.value.code == "facilitator_env_missing" and "SETTLER_KEY" in e.value.message


def _has_toml() -> bool:
    try:
        import tomllib  # noqa: F401
    except ModuleNotFoundError:
        try:
            import tomli  # noqa: F401
        except ModuleNotFoundError:
            return False
    return True


def test_cli_refuses_a_bad_configuration_with_its_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("uvicorn", reason="pay402 facilitator needs uvicorn (the facilitator extra)")
    from pay402.cli import main

    bad = tmp_path / "fac.json"
    bad.write_text(json.dumps({"networks": []}))
    assert main(["facilitator", "--config", str(bad), "--port", "1"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["error"] == "facilitator_no_networks"


# --- auth, routes, /supported -----------------------------------------------------------------------


def test_bearer_auth() -> None:
    app = make_app()
    assert request(app, "GET", "/health", key=None).status_code == 200  # open
    for path in ("/supported", "/metrics"):
        assert request(app, "GET", path).status_code == 200
        for key in (None, "wrong", API_KEY + "x", API_KEY[:-1], ""):
            r = request(app, "GET", path, key=key)
            assert r.status_code == 401, (path, key)
            assert r.headers["www-authenticate"].startswith("Bearer")
        r = request(app, "GET", path, key=None, headers={"authorization": f"Basic {API_KEY}"})
        assert r.status_code == 401
    for path in ("/verify", "/settle"):
        r = request(app, "POST", path, key="wrong", content=b"{}")
        assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    assert request(app, "GET", "/verify").status_code == 405
    assert request(app, "GET", "/nope").status_code == 404
    public = make_app(base_config(api_keys_env=[], public=True), {"FAC_SIGNER": SIGNER_KEY})
    assert request(public, "GET", "/supported", key=None).status_code == 200


def test_supported_is_the_documented_shape_and_the_core_decodes_it() -> None:
    cfg = base_config(networks=[
        {"network": "eip155:84532", "rpc_urls": ["http://127.0.0.1:9"], "signer_key_env": "FAC_SIGNER"},
        {"network": "eip155:31337", "rpc_urls": ["http://127.0.0.1:9"], "signer_key_env": "FAC_SIGNER"},
    ])
    r = request(make_app(cfg), "GET", "/supported")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert body == {
        "kinds": [{"x402Version": 2, "scheme": "exact", "network": "eip155:84532"},
                  {"x402Version": 2, "scheme": "exact", "network": "eip155:31337"}],
        "extensions": [],
        "signers": {"eip155:*": [SIGNER_ADDRESS]},
    }
    assert json.loads(pay402.decode_supported_response(r.text).json)["kinds"] == body["kinds"]


# --- /verify on the shared vectors -----------------------------------------------------------------


def _verify_cases() -> List[Dict[str, Any]]:
    """The v2 EIP-3009 cases of x402-verify.peers.json with the default policy (strict, exact)."""
    cases = []
    for case in json.loads((VECTORS / "x402-verify.peers.json").read_text("utf-8"))["cases"]:
        inp = case["input"]
        if "policy" in inp or not str(inp["requirements"].get("network", "")).startswith("eip155:"):
            continue
        try:
            payload = json.loads(base64.b64decode(inp["payment"]))
        except ValueError:
            continue
        if not isinstance(payload, dict) or payload.get("x402Version") != 2:
            continue
        cases.append({"name": case["name"], "now": inp["now"], "payload": payload, "requirements": inp["requirements"],
                      "expect": case["expect"]})
    return cases


VERIFY_CASES = _verify_cases()


def test_verify_answers_the_vectors_verdicts() -> None:
    assert len(VERIFY_CASES) >= 100
    networks = sorted({c["requirements"]["network"] for c in VERIFY_CASES})
    cfg = base_config(networks=[{"network": n, "rpc_urls": ["http://127.0.0.1:9"], "signer_key_env": "FAC_SIGNER"}
                                for n in networks])
    valid = refused = 0
    for case in VERIFY_CASES:
        app = make_app(cfg, clock=lambda now=case["now"]: float(now))
        body = {"x402Version": 2, "paymentPayload": case["payload"], "paymentRequirements": case["requirements"]}
        r = request(app, "POST", "/verify", json=body)
        answer = r.json()
        if "ok" in case["expect"]:
            assert (r.status_code, answer) == (200, {"isValid": True, "payer": answer.get("payer")}), case["name"]
            assert answer["payer"].lower() == case["expect"]["ok"]["payer"], case["name"]
            valid += 1
        else:
            assert answer["isValid"] is False, case["name"]
            assert answer["invalidReason"] == case["expect"]["error"], (case["name"], answer)
            assert r.status_code in (200, 400)
            refused += 1
    assert valid >= 20 and refused >= 50


def test_verify_refuses_what_it_does_not_serve() -> None:
    case = next(c for c in VERIFY_CASES if "ok" in c["expect"])
    cfg = base_config(networks=[{"network": "eip155:1", "rpc_urls": ["http://127.0.0.1:9"], "signer_key_env": "FAC_SIGNER"}])
    body = {"x402Version": 2, "paymentPayload": case["payload"], "paymentRequirements": case["requirements"]}
    r = request(make_app(cfg, clock=lambda: float(case["now"])), "POST", "/verify", json=body)
    assert r.json()["isValid"] is False and r.json()["invalidReason"] == "unsupported_scheme"
    net = case["requirements"]["network"]
    cfg = base_config(networks=[{"network": net, "rpc_urls": ["http://127.0.0.1:9"], "signer_key_env": "FAC_SIGNER",
                                 "assets": ["0x" + "11" * 20]}])
    r = request(make_app(cfg, clock=lambda: float(case["now"])), "POST", "/verify", json=body)
    assert r.json()["invalidReason"] == "invalid_payment_requirements"
    # a body the core cannot decode: 400 with the core's code (the HTTP clients read it as a verdict)
    r = request(make_app(), "POST", "/verify", content=b'{"x402Version":2}')
    assert r.status_code == 400 and r.json()["isValid"] is False and r.json()["invalidReason"]
    r = request(make_app(), "POST", "/verify", content=b"\xff\xfe")
    assert r.status_code == 400
    r = request(make_app(), "POST", "/verify", content=b" " * (64 * 1024 + 1))
    assert r.status_code == 413


def test_verify_refuses_an_authorization_with_a_settlement_record() -> None:
    """A payment this facilitator settled (or is settling) is not valid again: a resource server
    without its own replay store must not serve it twice."""
    case = next(c for c in VERIFY_CASES if "ok" in c["expect"])
    net = case["requirements"]["network"]
    cfg = base_config(networks=[{"network": net, "rpc_urls": ["http://127.0.0.1:9"], "signer_key_env": "FAC_SIGNER"}])
    records = MemorySettlementRecords()
    app = make_app(cfg, clock=lambda: float(case["now"]), records=records)
    body = {"x402Version": 2, "paymentPayload": case["payload"], "paymentRequirements": case["requirements"]}
    assert request(app, "POST", "/verify", json=body).json()["isValid"] is True
    header = pay402.x402_encode_header(json.dumps(case["payload"]))
    key = pay402.verify_payment(json.dumps(case["requirements"]), header, now=case["now"]).replay_key.hex()
    assert records.claim(key, "another-process", 60) is None
    answer = request(app, "POST", "/verify", json=body).json()
    assert (answer["isValid"], answer["invalidReason"]) == (False, "invalid_exact_evm_nonce_already_used")
    assert answer["payer"].lower() == case["expect"]["ok"]["payer"]


def test_settle_refuses_an_invalid_payment_without_settling() -> None:
    case = next(c for c in VERIFY_CASES if c["expect"].get("error") == "invalid_exact_evm_signature")
    net = case["requirements"]["network"]
    cfg = base_config(networks=[{"network": net, "rpc_urls": ["http://127.0.0.1:9"], "signer_key_env": "FAC_SIGNER"}])
    body = {"x402Version": 2, "paymentPayload": case["payload"], "paymentRequirements": case["requirements"]}
    r = request(make_app(cfg, clock=lambda: float(case["now"])), "POST", "/settle", json=body)
    answer = r.json()
    assert r.status_code == 200
    assert (answer["success"], answer["errorReason"], answer["transaction"], answer["network"]) == (
        False, "invalid_exact_evm_signature", "", net)
    assert json.loads(pay402.decode_settle_response(body=r.text).json)["errorReason"] == "invalid_exact_evm_signature"


# --- logs and metrics -----------------------------------------------------------------------------


def test_one_json_log_line_per_request_without_secrets(caplog: pytest.LogCaptureFixture) -> None:
    case = next(c for c in VERIFY_CASES if "ok" in c["expect"])
    net = case["requirements"]["network"]
    cfg = base_config(networks=[{"network": net, "rpc_urls": ["http://127.0.0.1:9"], "signer_key_env": "FAC_SIGNER"}])
    app = make_app(cfg, clock=lambda: float(case["now"]))
    body = {"x402Version": 2, "paymentPayload": case["payload"], "paymentRequirements": case["requirements"]}
    with caplog.at_level(logging.INFO, logger="pay402.facilitator"):
        request(app, "POST", "/verify", json=body)
        request(app, "GET", "/supported", key="wrong")
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "pay402.facilitator"]
    assert len(lines) == 2
    assert lines[0]["route"] == "/verify" and lines[0]["outcome"] == "valid" and lines[0]["network"] == net
    assert lines[0]["payer"].lower() == case["expect"]["ok"]["payer"] and lines[0]["status"] == 200
    assert isinstance(lines[0]["latency_ms"], float)
    assert lines[1]["route"] == "/supported" and lines[1]["outcome"] == "unauthorized" and lines[1]["status"] == 401
    text = caplog.text
    signature = case["payload"]["payload"]["signature"]
    for secret in (SIGNER_KEY[2:], API_KEY, "wrong", signature[2:]):
        assert secret not in text


def test_metrics_parse_with_the_prometheus_parser() -> None:
    parser = pytest.importorskip("prometheus_client.parser", reason="prometheus-client (tests/requirements-web.txt)")
    app = make_app()
    request(app, "GET", "/supported")
    request(app, "GET", "/supported", key="bad")
    request(app, "POST", "/verify", content=b"{}")
    app.metrics.settle_latency(0.3)
    app.metrics.settle_latency(12.0)
    r = request(app, "GET", "/metrics")
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = {f.name: f for f in parser.text_string_to_metric_families(r.text)}
    requests = {(s.labels["route"], s.labels["outcome"]): s.value
                for s in families["pay402_facilitator_requests"].samples if s.name.endswith("_total")}
    assert requests[("/supported", "ok")] == 1 and requests[("/supported", "unauthorized")] == 1
    assert sum(v for (route, _), v in requests.items() if route == "/verify") == 1
    assert families["pay402_facilitator_requests"].type == "counter"
    hist = families["pay402_facilitator_settle_seconds"]
    assert hist.type == "histogram"
    samples = {(s.name, s.labels.get("le")): s.value for s in hist.samples}
    assert samples[("pay402_facilitator_settle_seconds_bucket", "0.5")] == 1
    assert samples[("pay402_facilitator_settle_seconds_bucket", "+Inf")] == 2
    assert samples[("pay402_facilitator_settle_seconds_count", None)] == 2
    assert samples[("pay402_facilitator_settle_seconds_sum", None)] == pytest.approx(12.3)
    assert families["pay402_facilitator_settlements_pending"].type == "gauge"


# --- settlement records ---------------------------------------------------------------------------


def _records_contract(records: Any) -> None:
    key = os.urandom(8).hex()
    assert records.claim(key, "a", 60) is None
    assert records.claim(key, "b", 60) == {"state": "claimed", "owner": "a"}
    assert records.finish(key, "b", "done", {"success": True}, 60) is False  # not b's
    assert records.release(key, "b") is False
    assert records.release(key, "a") is True
    assert records.claim(key, "b", 60) is None  # released: claimable again
    assert records.finish(key, "b", "pending", {"success": False, "errorReason": "settlement_pending"}, 60) is True
    held = records.claim(key, "c", 60)
    assert held["state"] == "pending" and held["response"]["errorReason"] == "settlement_pending"
    assert records.get(key)["owner"] == "b"


def test_memory_records() -> None:
    now = [0.0]
    records = MemorySettlementRecords(clock=lambda: now[0])
    _records_contract(records)
    assert records.claim("k", "a", 10) is None
    now[0] = 10.0
    assert records.claim("k", "b", 10) is None  # expired


def test_memory_records_one_claim_among_threads() -> None:
    records = MemorySettlementRecords()
    won: List[str] = []
    barrier = threading.Barrier(16)

    def go(i: int) -> None:
        barrier.wait()
        if records.claim("k", str(i), 60) is None:
            won.append(str(i))

    threads = [threading.Thread(target=go, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1


@pytest.fixture(scope="module")
def redis_url() -> Any:
    url = os.environ.get("PAY402_TEST_REDIS_URL")
    if url:
        yield url
        return
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("no redis-server and no PAY402_TEST_REDIS_URL")
    pytest.importorskip("redis", reason="redis (tests/requirements-web.txt)")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import redis

        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


def test_redis_records(redis_url: str) -> None:
    records = RedisSettlementRecords(redis_url, prefix=f"test:{os.getpid()}:")
    _records_contract(records)
    other = RedisSettlementRecords(redis_url, prefix=f"test:{os.getpid()}:")  # another client: another process
    key = os.urandom(8).hex()
    barrier = threading.Barrier(8)
    won: List[int] = []

    def go(i: int) -> None:
        mine = records if i % 2 else other
        barrier.wait()
        if mine.claim(key, str(i), 60) is None:
            won.append(i)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1
    import redis

    ttl = redis.Redis.from_url(redis_url).ttl(f"test:{os.getpid()}:{key}")
    assert 0 < ttl <= 60


# --- every kind pay402 settles: Solana exact, Permit2 upto, x402 v1 ----------------------------------

# an ed25519 seed for the Solana fee payer (any 32 bytes; its public key is the core's to derive)
FEE_PAYER_SEED = "07" * 32
SOLANA_MAINNET = "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"  # x402 v2 §7's Solana network


def _solana_net(**kw: Any) -> Dict[str, Any]:
    return {"network": SOLANA_MAINNET, "rpc_urls": ["http://127.0.0.1:9"], "fee_payer_key_env": "FAC_FEE_PAYER", **kw}


SVM_ENV = {**ENV, "FAC_FEE_PAYER": FEE_PAYER_SEED}


def test_solana_upto_and_v1_configuration() -> None:
    cfg = parse_config(base_config(x402_v1=True, networks=[
        {"network": "eip155:8453", "rpc_urls": ["http://127.0.0.1:9"], "signer_key_env": "FAC_SIGNER", "upto": True,
         "v1_name": "base"},
        _solana_net(assets=["EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"], v1_name="solana"),
    ]), SVM_ENV)
    evm, svm = cfg.networks
    assert (evm.family, evm.upto, evm.v1_name, evm.signer_address) == ("eip155", True, "base", SIGNER_ADDRESS)
    assert (svm.family, svm.chain_id, svm.v1_name, svm.signer_key_env) == ("solana", 0, "solana", "FAC_FEE_PAYER")
    assert svm.signer_address == pay402.svm_public_key(bytes.fromhex(FEE_PAYER_SEED))
    assert cfg.network("base", 1) is evm and cfg.network("solana", 1) is svm and cfg.network("base", 2) is None
    assert FEE_PAYER_SEED not in repr(cfg)


@pytest.mark.parametrize(
    "networks, top, env, code",
    [
        # a Solana network takes fee_payer_key_env, not an EVM key or an EVM option
        ([_solana_net(signer_key_env="FAC_SIGNER")], {}, SVM_ENV, "facilitator_config_invalid"),
        ([_solana_net(upto=True)], {}, SVM_ENV, "facilitator_config_invalid"),
        ([_solana_net(smart_wallets=True)], {}, SVM_ENV, "facilitator_config_invalid"),
        ([{"network": SOLANA_MAINNET, "rpc_urls": ["http://x"]}], {}, SVM_ENV, "facilitator_config_invalid"),
        ([_solana_net(network="solana:" + "1" * 32)], {}, SVM_ENV, "facilitator_bad_network"),  # no such cluster
        ([_solana_net(network="solana-devnet")], {}, SVM_ENV, "facilitator_bad_network"),  # a v1 name, not CAIP-2
        ([_solana_net()], {}, ENV, "facilitator_env_missing"),
        ([_solana_net()], {}, {**ENV, "FAC_FEE_PAYER": "07" * 31}, "facilitator_bad_signer_key"),
        ([_solana_net()], {}, {**ENV, "FAC_FEE_PAYER": "not hex"}, "facilitator_bad_signer_key"),
        ([_solana_net(assets=["0x036CbD53842c5426634e7929541eC2318f3dCF7e"])], {}, SVM_ENV, "facilitator_bad_address"),
        # a v1 name must be the network's own, and needs x402_v1
        ([_solana_net(v1_name="solana-devnet")], {"x402_v1": True}, SVM_ENV, "facilitator_bad_network"),
        ([{"network": "eip155:8453", "rpc_urls": ["http://x"], "signer_key_env": "FAC_SIGNER", "v1_name": "base-sepolia"}],
         {"x402_v1": True}, ENV, "facilitator_bad_network"),
        ([_solana_net(v1_name="solana")], {}, SVM_ENV, "facilitator_config_invalid"),
        ([_solana_net()], {"x402_v1": True}, SVM_ENV, "facilitator_config_invalid"),
        ([{"network": "eip155:8453", "rpc_urls": ["http://x"], "signer_key_env": "FAC_SIGNER", "upto": "yes"}], {}, ENV,
         "facilitator_config_invalid"),
    ],
)
def test_bad_solana_upto_v1_configuration(networks: List[Dict[str, Any]], top: Dict[str, Any], env: Dict[str, str],
                                          code: str) -> None:
    with pytest.raises(ConfigurationError) as e:
        parse_config(base_config(networks=networks, **top), env)
    assert e.value.code == code
    assert FEE_PAYER_SEED not in e.value.message


def test_supported_is_the_reference_example_for_every_kind() -> None:
    """x402 v2 §7's /supported example for a facilitator doing EVM exact + upto and Solana, with
    v1 (its batch-settlement kind aside, which pay402 does not settle): the kinds in its order,
    Solana's extra.feePayer, upto's extra.facilitatorAddress, signers per CAIP family."""
    cfg = base_config(x402_v1=True, networks=[
        {"network": "eip155:8453", "rpc_urls": ["http://127.0.0.1:9"], "signer_key_env": "FAC_SIGNER", "upto": True,
         "v1_name": "base"},
        _solana_net(),
    ])
    fee_payer = pay402.svm_public_key(bytes.fromhex(FEE_PAYER_SEED))
    example = """{"kinds":[
      {"x402Version":2,"scheme":"exact","network":"eip155:8453"},
      {"x402Version":2,"scheme":"upto","network":"eip155:8453","extra":{"facilitatorAddress":"0xF…"}},
      {"x402Version":2,"scheme":"exact","network":"solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp","extra":{"feePayer":"<base58>"}},
      {"x402Version":1,"scheme":"exact","network":"base"}],
     "signers":{"eip155:*":["0xF…"],"solana:*":["<base58>"]}}"""
    expected = json.loads(example.replace("0xF…", SIGNER_ADDRESS).replace("<base58>", fee_payer))
    r = request(make_app(cfg, SVM_ENV), "GET", "/supported")
    assert r.status_code == 200
    body = r.json()
    assert (body["kinds"], body["signers"]) == (expected["kinds"], expected["signers"])
    assert json.loads(pay402.decode_supported_response(r.text).json) == body
    # without v1 and upto: the v2 exact kinds only
    r = request(make_app(base_config(networks=[_solana_net()]), SVM_ENV), "GET", "/supported")
    assert r.json()["kinds"] == [expected["kinds"][2]] and r.json()["signers"] == {"solana:*": [fee_payer]}


V1_CASE = next(c for c in json.loads((VECTORS / "x402-verify.peers.json").read_text("utf-8"))["cases"]
               if c["name"] == "v1 reference client #24 ok")


def test_v1_payments_are_served_only_when_enabled() -> None:
    inp = V1_CASE["input"]  # a v1 payment on base-sepolia (eip155:84532), valid per the reference client
    payload = json.loads(base64.b64decode(inp["payment"]))
    body = {"x402Version": 1, "paymentPayload": payload, "paymentRequirements": inp["requirements"]}
    net = {"network": "eip155:84532", "rpc_urls": ["http://127.0.0.1:9"], "signer_key_env": "FAC_SIGNER"}
    off = make_app(base_config(networks=[net]), clock=lambda: float(inp["now"]))
    r = request(off, "POST", "/verify", json=body)
    assert r.json()["isValid"] is False and r.json()["invalidReason"] == "unsupported_scheme"
    on = make_app(base_config(x402_v1=True, networks=[{**net, "v1_name": "base-sepolia"}]), clock=lambda: float(inp["now"]))
    r = request(on, "POST", "/verify", json=body)
    assert r.json() == {"isValid": True, "payer": r.json()["payer"]}
    assert r.json()["payer"].lower() == V1_CASE["expect"]["ok"]["payer"]


class Records:
    """A settlement backend that records what it was asked and answers the core's success."""

    def __init__(self) -> None:
        self.calls: List[Any] = []

    def settle_payment(self, payment_payload: Any, requirements: Any, settle_amount: Optional[int] = None) -> Dict[str, Any]:
        self.calls.append((dict(requirements), settle_amount))
        settlement = pay402.EvmSettlement(requirements["network"], payment_payload["payload"]["permit2Authorization"]["from"],
                                          "permit2", settle_amount)
        settlement.submitted("0x" + "ab" * 32)
        return json.loads(settlement.confirmed().json)


UPTO_NOW = 1_740_672_100
PAYER_KEY = bytes([0x11] * 32)


def _upto_payment(facilitator: str, maximum: int) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    req = {"scheme": "upto", "network": "eip155:84532", "amount": str(maximum),
           "asset": "0x036CbD53842c5426634e7929541eC2318f3dCF7e", "payTo": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
           "maxTimeoutSeconds": 60, "extra": {"name": "USDC", "version": "2", "facilitatorAddress": facilitator}}
    signed = pay402.permit2_sign_payload(json.dumps(req), PAYER_KEY, nonce=int.from_bytes(os.urandom(8), "big"), now=UPTO_NOW)
    payload = {"x402Version": 2, "resource": {"url": "https://api.example.com/r"}, "accepted": req,
               "payload": json.loads(signed.json)}
    return payload, req


def test_upto_is_served_where_enabled_and_settles_the_requirements_amount() -> None:
    net = {"network": "eip155:84532", "rpc_urls": ["http://127.0.0.1:9"], "signer_key_env": "FAC_SIGNER"}
    payload, req = _upto_payment(SIGNER_ADDRESS, 10_000)
    body = {"x402Version": 2, "paymentPayload": payload, "paymentRequirements": req}
    r = request(make_app(base_config(networks=[net]), clock=lambda: float(UPTO_NOW)), "POST", "/verify", json=body)
    assert r.json()["invalidReason"] == "unsupported_scheme"  # upto not enabled there
    backend = Records()
    app = make_app(base_config(networks=[{**net, "upto": True}]), settlers={"eip155:84532": backend},
                   clock=lambda: float(UPTO_NOW))
    r = request(app, "POST", "/verify", json=body)
    assert r.json() == {"isValid": True, "payer": pay402.private_key_to_address(PAYER_KEY)}
    # the upto EVM scheme: witness.facilitator must be this facilitator's address
    other, other_req = _upto_payment("0x" + "22" * 20, 10_000)
    r = request(app, "POST", "/verify", json={"x402Version": 2, "paymentPayload": other, "paymentRequirements": other_req})
    assert r.json()["invalidReason"] == "upto_facilitator_mismatch"
    # /settle: the resource server sends the actual charge as the requirements' amount
    charged = {**req, "amount": "2500"}
    r = request(app, "POST", "/settle", json={"x402Version": 2, "paymentPayload": payload, "paymentRequirements": charged})
    assert r.json()["success"] is True, r.json()
    assert backend.calls == [({**req, "amount": "10000"}, 2500)]
    # above the signed maximum: refused before the backend
    payload2, _ = _upto_payment(SIGNER_ADDRESS, 10_000)
    r = request(app, "POST", "/settle", json={"x402Version": 2, "paymentPayload": payload2,
                                               "paymentRequirements": {**req, "amount": "10001"}})
    assert r.json()["errorReason"] == "invalid_upto_evm_payload_settlement_exceeds_amount"
    assert len(backend.calls) == 1


def test_solana_verify_refuses_a_foreign_fee_payer_and_other_schemes() -> None:
    app = make_app(base_config(networks=[_solana_net()]), SVM_ENV)
    fee_payer = pay402.svm_public_key(bytes.fromhex(FEE_PAYER_SEED))
    payer_seed = bytes([5] * 32)
    mint, pay_to = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", pay402.svm_public_key(bytes([6] * 32))

    def payment(fee: str, scheme: str = "exact") -> Dict[str, Any]:
        req = {"scheme": scheme, "network": SOLANA_MAINNET, "amount": "1000", "asset": mint, "payTo": pay_to,
               "maxTimeoutSeconds": 60, "extra": {"feePayer": fee}}
        wire = pay402.svm_build_transfer(payer_seed, fee_payer=fee, mint=mint, pay_to=pay_to, amount=1000, decimals=6,
                                         recent_blockhash=bytes(32))
        required = json.dumps({"x402Version": 2, "resource": {"url": "http://x"}, "accepts": [{**req, "scheme": "exact"}]})
        return {"x402Version": 2, "paymentPayload": json.loads(pay402.svm_payment_header(required, wire).json),
                "paymentRequirements": req}

    # x402 exact SVM facilitator: extra.feePayer must be one of the facilitator's keys
    r = request(app, "POST", "/verify", json=payment(pay402.svm_public_key(bytes([9] * 32))))
    assert r.json()["invalidReason"] == "invalid_exact_svm_fee_payer_not_managed_by_facilitator"
    r = request(app, "POST", "/settle", json=payment(pay402.svm_public_key(bytes([9] * 32))))
    assert r.json()["success"] is False
    assert r.json()["errorReason"] == "invalid_exact_svm_fee_payer_not_managed_by_facilitator"
    r = request(app, "POST", "/verify", json=payment(fee_payer, "upto"))
    assert r.json()["invalidReason"] == "unsupported_scheme"
