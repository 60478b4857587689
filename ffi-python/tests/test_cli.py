"""The ``pay402`` console command: decode recognizes every 402 artifact and, when one is bad, says
what it looked like and which field failed; verify, sign and mint print JSON; exit status 0/1/2 as
the help documents, 141 quietly on a closed pipe; ``pay`` pays a real server once within a budget.
Run in-process (``pay402.cli.main``) and through the installed console script (subprocesses)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, List

import pytest

import pay402
from pay402.cli import main

KEY = bytes([0x11] * 32)
REQUIREMENTS = {
    "scheme": "exact", "network": "eip155:84532", "amount": "10000",
    "asset": "0x036CbD53842c5426634e7929541eC2318f3dCF7e", "payTo": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
    "maxTimeoutSeconds": 60, "extra": {"name": "USDC", "version": "2"},
}
REQUIRED = json.dumps({"x402Version": 2, "resource": {"url": "https://api.example.com/x"}, "accepts": [REQUIREMENTS]})
NOW = 1_740_672_100
INVOICE = (
    "lnbc170n1pnv7wrapp5perxlk25ywqwr05tpgzs0yyhswwg38jfmn9ec3qeqe92ujnpzyusdq024f5kgzgda6hx"
    "egcqzzsxqyz5vqsp54ceypjapjxntxrtnhkyfrds7m5u9stn8x6gkmf5dx6z56ksy6l3q9qxpqysgqnkxdtwqx"
    "hkvrav3d3wv83yxn45yrdywxu2mnyh4p7ecncuqsv4gn0xrfl6w57hd9lnc5eghdf536dqy5gf2uuly04nrtdj"
    "cwvezkt6cqtttnzj"
)
PREIMAGE = "b184b87e7a4f802bf41cd26c82d9d883b9cf7bb86f8dcfc4f394634ff711f628"


def run(argv: List[str], capsys: Any) -> Any:
    code = main(argv)
    return code, json.loads(capsys.readouterr().out)


def signed() -> pay402.SignedPayment:
    return pay402.x402_sign(REQUIRED, KEY, now=NOW, nonce=bytes([9] * 32))


def test_decode_x402_headers_and_bodies(capsys: Any) -> None:
    s = signed()
    code, out = run(["decode", pay402.x402_encode_header(REQUIRED)], capsys)
    assert code == 0 and out["type"] == "x402_payment_required" and out["value"]["accepts"][0]["amount"] == "10000"
    code, out = run(["decode", "PAYMENT-SIGNATURE: " + s.header_value], capsys)
    assert out["type"] == "x402_payment_payload" and out["encoding"] == "header"
    assert out["value"]["payload"]["authorization"]["from"] == s.payer
    code, out = run(["decode", REQUIRED], capsys)
    assert out["type"] == "x402_payment_required" and out["encoding"] == "json"
    receipt = json.dumps({"success": True, "transaction": "0x" + "ab" * 32, "network": "eip155:84532", "payer": s.payer})
    code, out = run(["decode", "PAYMENT-RESPONSE: " + pay402.x402_encode_header(receipt)], capsys)
    assert out["type"] == "x402_settle_response" and out["value"]["success"] is True


def test_decode_lightning_and_macaroons(capsys: Any) -> None:
    code, out = run(["decode", INVOICE], capsys)
    assert code == 0 and out["type"] == "bolt11_invoice" and out["amount_msat"] == 17_000
    ident = pay402.L402Identifier(pay402.bolt11_decode(INVOICE).payment_hash, bytes(32))
    token = pay402.l402_mint(bytes(32), ident, caveats=[pay402.l402_services_caveat([("weather", 0)])])
    code, out = run(["decode", token.serialize()], capsys)
    assert out["type"] == "macaroon" and out["caveats"] == [{"id": "services=weather:0"}]
    assert out["l402_identifier"]["payment_hash"] == ident.payment_hash.hex()
    code, out = run(["decode", token.to_bytes().hex()], capsys)
    assert out["type"] == "macaroon"
    challenge = pay402.l402_encode_challenges(token, INVOICE)[1]
    code, out = run(["decode", "WWW-Authenticate: " + challenge], capsys)
    assert out["type"] == "l402_challenge" and out["challenges"][0]["invoice"]["amount_msat"] == 17_000
    code, out = run(["decode", pay402.l402_write_authorization(token, PREIMAGE)], capsys)
    assert out["type"] == "l402_authorization" and out["payment_hash"] == ident.payment_hash.hex()


def test_decode_offers_body(capsys: Any) -> None:
    body = json.dumps({
        "offers": [{"id": "o1", "amount": 100, "currency": "USD", "description": "d", "title": "t", "type": "one-time",
                    "payment_methods": ["lightning"]}],
        "payment_context_token": "ctx", "payment_request_url": "https://p.example/pay", "version": "0.2.2",
    })
    code, out = run(["decode", body], capsys)
    assert code == 0 and out["type"] == "offers" and out["value"]["offers"][0]["id"] == "o1"


def test_decode_garbage_fails(capsys: Any) -> None:
    code, out = run(["decode", "definitely not a 402 thing"], capsys)
    assert code == 1 and "error" in out


def test_sign_then_verify(capsys: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("PAY402_PRIVATE_KEY", KEY.hex())
    code, out = run(["sign", "--payment-required", pay402.x402_encode_header(REQUIRED), "--now", str(NOW)], capsys)
    assert code == 0 and out["header_name"] == "PAYMENT-SIGNATURE" and out["payer"] == pay402.private_key_to_address(KEY)
    code, v = run(["verify", "--requirements", json.dumps(REQUIREMENTS), "--payment", out["header_value"], "--now", str(NOW)], capsys)
    assert code == 0 and v["valid"] is True and v["amount"] == "10000" and len(bytes.fromhex(v["replay_key"])) == 80
    code, v = run(["verify", "--requirements", json.dumps(REQUIREMENTS), "--payment", out["header_value"], "--now", str(NOW + 3600)], capsys)
    assert code == 1 and v["error"] == "invalid_exact_evm_payload_authorization_valid_before"


def test_sign_without_key_is_a_usage_error(capsys: Any, monkeypatch: Any) -> None:
    monkeypatch.delenv("PAY402_PRIVATE_KEY", raising=False)
    code, out = run(["sign", "--payment-required", REQUIRED], capsys)
    assert code == 2 and out["error"] == "missing_key" and "PAY402_PRIVATE_KEY" in out["message"]


def test_mint_verifies(capsys: Any, monkeypatch: Any) -> None:
    root_key = os.urandom(32)
    monkeypatch.setenv("PAY402_ROOT_KEY", root_key.hex())
    payment_hash = pay402.l402_payment_hash(bytes.fromhex(PREIMAGE)).hex()
    code, out = run(["mint", "--payment-hash", payment_hash, "--service", "weather", "--valid-until", str(NOW + 60),
                     "--invoice", INVOICE], capsys)
    assert code == 0 and len(out["www_authenticate"]) == 2
    ident = pay402.L402Identifier(payment_hash, out["token_id"])
    got = pay402.l402_verify([f"L402 {out['macaroon']}:{PREIMAGE}"], {ident.root_key_id: root_key},
                                           service="weather", now=NOW)
    assert got == ident


def console_script() -> Path:
    exe = Path(sys.executable).parent / "pay402"
    if not exe.exists():
        found = shutil.which("pay402")
        if found is None:
            pytest.fail("the pay402 console script is not installed next to this interpreter")
        exe = Path(found)
    return exe


def test_console_script_is_installed() -> None:
    exe = console_script()
    proc = subprocess.run([str(exe), "decode", INVOICE], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and json.loads(proc.stdout)["payment_hash"]
    proc = subprocess.run([str(exe), "verify", "--requirements", "{}", "--payment", "x"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "error" in json.loads(proc.stdout)


# --- decode: what a bad artifact looked like, and which field failed ------------------------------


def b64(obj: Any) -> str:
    return pay402.x402_encode_header(json.dumps(obj))


def refused(argv: List[str], capsys: Any) -> Any:
    code, out = run(argv, capsys)
    assert code == 1, out
    return out


def test_decode_bad_x402_artifacts_name_the_field(capsys: Any) -> None:
    # Field names are those of the x402 v2 specification (PaymentRequired.accepts[], PaymentPayload,
    # SettleResponse, PaymentRequirements, the facilitator's /verify and /supported bodies).
    required = json.loads(REQUIRED)
    del required["accepts"][0]["network"]
    out = refused(["decode", b64(required)], capsys)
    assert (out["looked_like"], out["evidence"], out["encoding"]) == ("x402_payment_required", "json_keys", "base64_json")
    assert (out["error"], out["detail_code"], out["field"]) == ("invalid_payload", "missing_field", "accepts[].network")
    assert out["verdicts"][0]["decoder"] == "x402_payment_required" and "accepts[].network" in out["message"]

    required = json.loads(REQUIRED)
    required["accepts"][0]["amount"] = "12x"
    out = refused(["decode", "PAYMENT-REQUIRED: " + b64(required)], capsys)
    assert (out["evidence"], out["header"], out["field"]) == ("header_name", "PAYMENT-REQUIRED", "accepts[].amount")
    assert out["detail_code"] == "u256_invalid_digit"

    payload = json.loads(signed().json)
    payload["accepted"]["maxTimeoutSeconds"] = "60"
    out = refused(["decode", "X-PAYMENT: " + b64(payload)], capsys)
    assert (out["looked_like"], out["detail_code"], out["field"]) == ("x402_payment_payload", "wrong_type", "accepted.maxTimeoutSeconds")

    out = refused(["decode", "PAYMENT-RESPONSE: " + b64({"success": "yes", "network": "eip155:84532", "transaction": ""})], capsys)
    assert (out["looked_like"], out["detail_code"], out["field"]) == ("x402_settle_response", "wrong_type", "success")

    requirements = dict(REQUIREMENTS)
    del requirements["asset"]
    out = refused(["decode", json.dumps(requirements)], capsys)
    assert (out["looked_like"], out["encoding"], out["field"]) == ("x402_payment_requirements", "json", "asset")

    out = refused(["decode", json.dumps({"x402Version": 2, "paymentPayload": payload, "paymentRequirements": {"scheme": "exact"}})], capsys)
    assert out["looked_like"] == "x402_verify_request" and out["field"].startswith("payment")
    out = refused(["decode", json.dumps({"isValid": "no"})], capsys)
    assert (out["looked_like"], out["field"]) == ("x402_verify_response", "isValid")
    out = refused(["decode", json.dumps({"kinds": 5})], capsys)
    assert (out["looked_like"], out["field"]) == ("x402_supported_response", "kinds")


def test_a_header_name_decides_and_only_its_decoder_runs(capsys: Any) -> None:
    out = refused(["decode", "PAYMENT-SIGNATURE: !!!!"], capsys)
    assert (out["looked_like"], out["evidence"], out["header"]) == ("x402_payment_payload", "header_name", "PAYMENT-SIGNATURE")
    assert (out["error"], out["detail_code"], out["field"]) == ("invalid_payload", "base64_invalid_character", "header")
    assert [v["decoder"] for v in out["verdicts"]] == ["x402_payment_payload"]
    assert "tried" not in out["message"]


def test_decode_bad_lightning_artifacts_say_what_failed(capsys: Any) -> None:
    bad_invoice = INVOICE[:-1] + ("k" if INVOICE[-1] != "k" else "q")   # breaks the bech32 checksum (BIP 173)
    out = refused(["decode", bad_invoice], capsys)
    assert (out["looked_like"], out["evidence"], out["error"]) == ("bolt11_invoice", "prefix", "bolt11_bad_checksum")
    ident = pay402.L402Identifier(pay402.bolt11_decode(INVOICE).payment_hash, bytes(32))
    token = pay402.l402_mint(bytes(32), ident, caveats=[pay402.l402_services_caveat([("weather", 0)])])
    mac = token.serialize()
    out = refused(["decode", mac[:-12]], capsys)
    assert (out["looked_like"], out["evidence"], out["error"], out["detail_code"]) == ("macaroon", "macaroon_bytes", "malformed", "truncated")
    out = refused(["decode", token.to_bytes().hex()[:-10]], capsys)
    assert (out["looked_like"], out["encoding"]) == ("macaroon", "hex")
    out = refused(["decode", f'WWW-Authenticate: L402 macaroon="{mac}", invoice="{bad_invoice}"'], capsys)
    assert (out["looked_like"], out["field"], out["error"]) == ("l402_challenge", "invoice", "bolt11_bad_checksum")
    out = refused(["decode", f'LSAT macaroon="{mac[:20]}", invoice="{INVOICE}"'], capsys)
    assert (out["looked_like"], out["evidence"], out["field"]) == ("l402_challenge", "prefix", "macaroon")
    out = refused(["decode", f"L402 {mac}:{'zz' * 32}"], capsys)
    assert (out["looked_like"], out["error"], out["detail_code"]) == ("l402_authorization", "invalid_credential", "preimage_hex")
    out = refused(["decode", "Grpc-Metadata-Macaroon: zz"], capsys)
    assert out["looked_like"] == "l402_macaroon_header" and out["error"] == "invalid_credential"


def test_decode_bad_offers_and_ws402_name_the_member(capsys: Any) -> None:
    body = {"offers": [{"id": "o1", "amount": 100, "currency": "USD", "description": "d", "title": "t",
                        "payment_methods": ["lightning"]}],
            "payment_context_token": "ctx", "payment_request_url": "https://p.example/pay", "version": "0.2.2"}
    out = refused(["decode", json.dumps(body)], capsys)   # the offer has no `type`
    assert (out["looked_like"], out["error"], out["field"]) == ("offers", "missing_field", "type")
    out = refused(["decode", json.dumps({"type": "usage_update"})], capsys)
    assert (out["looked_like"], out["error"], out["field"]) == ("ws402_message", "missing_field", "sessionId")


def test_decode_garbage_lists_every_verdict(capsys: Any) -> None:
    out = refused(["decode", "hello world"], capsys)
    assert (out["error"], out["looked_like"], out["evidence"]) == ("unrecognized_artifact", "unknown", "nothing")
    tried = {v["decoder"]: v for v in out["verdicts"]}
    assert set(tried) == {"x402_payment_required", "x402_payment_payload", "x402_settle_response", "macaroon", "bolt11_invoice"}
    assert tried["x402_payment_payload"]["detail_code"] == "base64_invalid_character"
    assert tried["bolt11_invoice"]["error"] == "bolt11_missing_separator"


def test_recognize_is_the_cores_guess() -> None:
    assert pay402.recognize("x-payment: abc").artifact == "x402_payment_payload"
    assert pay402.recognize(pay402.x402_encode_header(REQUIRED)).artifact == "x402_payment_required"
    assert pay402.recognize("lightning:" + INVOICE.upper()).artifact == "bolt11_invoice"
    r = pay402.recognize("  WWW-Authenticate:  LSAT macaroon=\"x\"  ")
    assert (r.artifact, r.header, r.value) == ("l402_challenge", "WWW-Authenticate", 'LSAT macaroon="x"')
    assert "header='WWW-Authenticate'" in repr(r)


# --- exit status, help, broken pipes ----------------------------------------------------------------


def cli(*args: str, env: Any = None, **kw: Any) -> "subprocess.CompletedProcess[str]":
    return subprocess.run([str(console_script()), *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})}, **kw)


def test_exit_status_is_as_the_help_says() -> None:
    helped = cli("--help")
    assert helped.returncode == 0
    for line in ("0    done", "1    the artifact or payment was refused", "2    usage error", "141  stdout was closed early"):
        assert line in helped.stdout, line
    assert cli("decode", INVOICE).returncode == 0
    bad = cli("decode", "hello world")
    assert bad.returncode == 1 and json.loads(bad.stdout)["error"] == "unrecognized_artifact" and bad.stderr == ""
    for usage in (["decode"], ["frobnicate"], ["pay", "http://127.0.0.1:9/"], ["verify", "--requirements", "{}"]):
        proc = cli(*usage)
        assert proc.returncode == 2 and "usage: pay402" in proc.stderr, usage
    missing = cli("decode", "@/nonexistent/artifact")
    assert missing.returncode == 2 and json.loads(missing.stdout)["error"] == "unreadable_file"
    env = {k: v for k, v in os.environ.items() if k != "PAY402_PRIVATE_KEY"}
    nokey = subprocess.run([str(console_script()), "sign", "--payment-required", REQUIRED], capture_output=True,
                           text=True, timeout=60, env=env)
    assert nokey.returncode == 2 and json.loads(nokey.stdout)["error"] == "missing_key"


def test_a_reader_that_closes_early_gets_no_traceback() -> None:
    # The reader's end of stdout is closed before the command writes: its write fails with EPIPE.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([str(console_script()), "decode", "-"], input=REQUIRED, stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write_end)
    assert proc.returncode == 141 and proc.stderr == ""
    # --help too; argparse itself ignores a failed write of the help from CPython 3.10 on (exit 0).
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        helped = subprocess.run([str(console_script()), "--help"], stdout=write_end, stderr=subprocess.PIPE, text=True,
                                timeout=60)
    finally:
        os.close(write_end)
    assert helped.returncode in (0, 141) and helped.stderr == ""


def test_decode_piped_into_a_closed_reader_in_a_shell() -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.fail("bash is needed for the pipeline test")
    # `true` exits at once; the command reads its stdin a second later and then writes to a
    # closed pipe, as `pay402 decode … | head -c 10` does once head has had enough.
    script = f'{{ sleep 1; printf %s "$ART"; }} | "{console_script()}" decode - | true; echo "${{PIPESTATUS[1]}}"'
    proc = subprocess.run([bash, "-c", script], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "ART": pay402.x402_encode_header(REQUIRED)})
    assert proc.stdout.strip() == "141" and proc.stderr == ""
    many = cli("decode", pay402.x402_encode_header(REQUIRED))
    head = subprocess.run([bash, "-c", f'"{console_script()}" decode "$ART" | head -c 10'], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "ART": pay402.x402_encode_header(REQUIRED)})
    assert head.stdout == many.stdout[:10] and head.stderr == ""


# --- pay: a real server on loopback, the package's own adapters, a counting settlement --------------


def paid_server(settlement: Any, served: List[str], **paywall: Any) -> Any:
    pytest.importorskip("uvicorn", reason="uvicorn not installed (ffi-python/tests/requirements-web.txt)")
    pytest.importorskip("httpx", reason="httpx not installed (ffi-python/tests/requirements-web.txt)")
    from pay402.server import X402Paywall
    from pay402.server.asgi import PaymentMiddleware
    from web_support import PAY_TO, uvicorn_server

    async def app(scope: Any, receive: Any, send: Any) -> None:
        served.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b'{"data":"premium"}'})

    routes = paywall.pop("routes", {"GET /premium": "$0.01"})
    x402 = X402Paywall(routes, network="eip155:84532", pay_to=PAY_TO, settlement=settlement, **paywall)
    return uvicorn_server(PaymentMiddleware(app, x402=x402))


def pay(base: str, *args: str) -> Any:
    proc = cli("pay", base + "/premium", "--network", "eip155:84532", *args, env={"PAY402_PRIVATE_KEY": KEY.hex()})
    assert proc.stderr == "", proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_pay_pays_once_and_prints_the_receipt() -> None:
    from web_support import PAY_TO, PAYER, CountingSettlement

    settlement, served = CountingSettlement(), []
    with paid_server(settlement, served) as base:
        code, out = pay(base, "--max", "0.05")
    assert code == 0, out
    # $0.01 in USDC (6 decimals) is 10000 atomic units, paid to the configured payee.
    assert out["status"] == 200 and json.loads(out["body"]) == {"data": "premium"}
    assert out["paid"]["amount"] == "10000" and out["paid"]["amount_display"] == "0.01"
    assert (out["paid"]["pay_to"], out["paid"]["network"], out["paid"]["payer"]) == (PAY_TO, "eip155:84532", PAYER)
    assert out["receipt"]["success"] is True and out["receipt"]["payer"] == PAYER and out["spent"] == "10000"
    assert len(settlement.calls) == 1 and settlement.calls[0].requirements["amount"] == "10000"
    assert served == ["/premium"]


def test_pay_dry_run_shows_the_offer_and_pays_nothing() -> None:
    from web_support import PAY_TO, CountingSettlement

    settlement, served = CountingSettlement(), []
    with paid_server(settlement, served) as base:
        code, out = pay(base, "--max", "$0.05", "--dry-run")
        atomic_code, atomic = pay(base, "--max", "10000", "--atomic", "--dry-run")
    assert code == 0 and out["dry_run"] is True and out["status"] == 402
    would = out["would_pay"]
    assert (would["amount"], would["pay_to"], would["network"], would["scheme"]) == ("10000", PAY_TO, "eip155:84532", "exact")
    assert would["asset"].lower() == "0x036cbd53842c5426634e7929541ec2318f3dcf7e"   # USDC on Base Sepolia
    assert atomic_code == 0 and atomic["would_pay"]["amount"] == "10000"
    assert settlement.calls == [] and served == []


def test_pay_over_budget_exits_1_with_the_code_and_pays_nothing() -> None:
    from web_support import CountingSettlement

    settlement, served = CountingSettlement(), []
    with paid_server(settlement, served) as base:
        code, out = pay(base, "--max", "0.001")
        atomic_code, atomic = pay(base, "--max", "9999", "--atomic")
        dry_code, dry = pay(base, "--max", "0.001", "--dry-run")
    assert code == 1 and out["error"] == "per_request_budget_exceeded" and out["max"] == "1000"
    assert atomic_code == 1 and atomic["error"] == "per_request_budget_exceeded"
    assert dry_code == 1 and dry["error"] == "per_request_budget_exceeded"
    assert settlement.calls == [] and served == []


def test_pay_a_refused_payment_exits_1_with_the_servers_code() -> None:
    from web_support import CountingSettlement

    # The server sells on another network than the one the command may pay on.
    settlement, served = CountingSettlement(), []
    with paid_server(settlement, served) as base:
        proc = cli("pay", base + "/premium", "--network", "base", "--max", "1", env={"PAY402_PRIVATE_KEY": KEY.hex()})
    out = json.loads(proc.stdout)
    assert proc.returncode == 1 and out["error"] == "no_acceptable_requirements", out
    assert settlement.calls == [] and served == []


def test_pay_a_refused_settlement_exits_1_with_the_servers_words() -> None:
    from web_support import CountingSettlement

    class Refusing(CountingSettlement):
        """A facilitator that refuses: the x402 SettleResponse of a failed settlement."""

        def settle(self, request: Any) -> Any:
            self.calls.append(request)
            return {"success": False, "errorReason": "insufficient_funds", "errorMessage": "the payer holds 0 USDC",
                    "transaction": "", "network": request.requirements["network"]}

    settlement, served = Refusing(), []
    with paid_server(settlement, served, settle_before_handler=True) as base:
        code, out = pay(base, "--max", "0.05")
    assert code == 1, out
    assert (out["error"], out["message"], out["status"]) == ("insufficient_funds", "the payer holds 0 USDC", 402)
    assert out["definitive"] is True and out["paid"]["amount"] == "10000"
    assert len(settlement.calls) == 1 and served == []


def test_pay_an_l402_only_server_says_no_lightning_node() -> None:
    pytest.importorskip("uvicorn", reason="uvicorn not installed (ffi-python/tests/requirements-web.txt)")
    from pay402.server import L402Paywall
    from pay402.server.asgi import PaymentMiddleware
    from web_support import FEWSATS_NOW, fewsats_invoices, uvicorn_server

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"premium"})

    l402 = L402Paywall({"GET /premium": 17_000}, service="weather", invoice_provider=fewsats_invoices, clock=lambda: FEWSATS_NOW)
    with uvicorn_server(PaymentMiddleware(app, l402=l402)) as base:
        code, out = pay(base, "--max", "0.05")
    assert code == 1 and out["error"] == "no_lightning_node" and out["amount_msat"] == 17_000
    assert out["invoice"] == pay402.bolt11_decode(out["invoice"]).invoice


def test_pay_usage_errors_exit_2() -> None:
    pytest.importorskip("httpx", reason="pay402 pay needs the httpx extra (its absence is test_extras.py's)")
    env = {k: v for k, v in os.environ.items() if k != "PAY402_PRIVATE_KEY"}
    nokey = subprocess.run([str(console_script()), "pay", "http://127.0.0.1:9/", "--network", "eip155:84532", "--max", "1"],
                           capture_output=True, text=True, timeout=60, env=env)
    assert nokey.returncode == 2 and json.loads(nokey.stdout)["error"] == "missing_key"
    for args, code in ((["--network", "eip155:84532", "--max", "0.0000001"], "sub_unit_amount"),
                       (["--network", "eip155:84532", "--max", "1.5", "--atomic"], "invalid_max"),
                       (["--network", "nowhere", "--max", "1"], "unknown_network")):
        proc = cli("pay", "http://127.0.0.1:9/", *args, env={"PAY402_PRIVATE_KEY": KEY.hex()})
        assert proc.returncode == 2 and json.loads(proc.stdout)["error"] == code, (args, proc.stdout)


# --- the README's command line examples ---------------------------------------------------------------


README = Path(__file__).resolve().parents[2] / "ffi-python" / "README.md"


def console_examples() -> List[Any]:
    """(command, expected lines) of every ```console block of the README; `...` skips lines."""
    import re

    examples = []
    for block in re.findall(r"```console\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, expected = chunk.partition("\n")
            examples.append((command, expected.splitlines()))
    return examples


def matches(expected: List[str], actual: List[str]) -> bool:
    """Runs of expected lines between `...` appear in order, each contiguous; without a leading
    `...` the first run starts the output."""
    runs: List[List[str]] = [[]]
    for line in expected:
        if line == "...":
            runs.append([])
        else:
            runs[-1].append(line)
    at = 0
    for i, want in enumerate(runs):
        if not want:
            continue
        starts = [at] if i == 0 else range(at, len(actual) - len(want) + 1)
        found = next((s for s in starts if actual[s:s + len(want)] == want), None)
        if found is None:
            return False
        at = found + len(want)
    return True


def test_readme_console_examples_run_as_written() -> None:
    from web_support import CountingSettlement

    examples = console_examples()
    assert len(examples) == 5 and any(c.startswith("pay402 pay") for c, _ in examples)
    settlement, served = CountingSettlement(), []
    with paid_server(settlement, served) as base:
        env = {**os.environ, "URL": base + "/premium", "PAY402_PRIVATE_KEY": KEY.hex(),
               "PATH": f"{console_script().parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        for command, expected in examples:
            proc = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60, env=env)
            assert matches(expected, proc.stdout.splitlines()), f"$ {command}\n{proc.stdout}"
    assert len(settlement.calls) == 1 and served == ["/premium"]   # only the last example pays


def test_pay_on_solana_with_a_caller_supplied_blockhash() -> None:
    import vectors
    from pay402.server import X402Route
    from web_support import CountingSettlement

    # The payer, mint, payee, fee payer and blockhash of the @solana/kit peer vector.
    svm = json.loads((vectors.VECTOR_DIR / "x402-verify-svm.peers.json").read_text(encoding="utf-8"))
    build = next(c for c in svm["cases"] if c["op"] == "svm.build")["input"]
    route = X402Route("/premium", 10_000, network="solana-devnet", asset=build["mint"], decimals=6,
                      pay_to=build["pay_to"], fee_payer=build["fee_payer"])
    settlement, served = CountingSettlement(), []
    with paid_server(settlement, served, routes=[route]) as base:
        def solana(*args: str) -> Any:
            proc = cli("pay", base + "/premium", "--network", "solana-devnet", "--asset", build["mint"], *args,
                       env={"PAY402_PRIVATE_KEY": build["payer_seed_hex"]})
            assert proc.stderr == "", proc.stderr
            return proc.returncode, json.loads(proc.stdout)

        missing_code, missing = solana("--max", "0.05")
        small_code, small = solana("--decimals", "6", "--recent-blockhash", build["recent_blockhash"], "--max", "0.001")
        dry_code, dry = solana("--decimals", "6", "--recent-blockhash", build["recent_blockhash"], "--max", "0.05", "--dry-run")
        assert settlement.calls == [] and served == []
        code, out = solana("--decimals", "6", "--recent-blockhash", build["recent_blockhash"], "--max", "0.05")
    assert missing_code == 2 and missing["error"] == "missing_solana_option"
    assert small_code == 1 and small["error"] == "per_request_budget_exceeded"
    assert dry_code == 0 and dry["would_pay"]["amount"] == "10000" and dry["would_pay"]["pay_to"] == build["pay_to"]
    payer = pay402.svm_public_key(bytes.fromhex(build["payer_seed_hex"]))
    assert code == 0, out
    assert (out["paid"]["amount"], out["paid"]["amount_display"], out["paid"]["payer"]) == ("10000", "0.01", payer)
    assert out["paid"]["network"].startswith("solana:") and out["receipt"]["success"] is True
    assert len(settlement.calls) == 1 and settlement.calls[0].payer == payer and served == ["/premium"]
