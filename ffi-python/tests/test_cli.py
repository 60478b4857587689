"""The ``pay402`` console command: decode recognizes every 402 artifact; verify, sign and mint
print JSON and exit non-zero on failure. Run in-process (``pay402.cli.main``) and once through
the installed console script."""

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


def test_sign_without_key_fails(capsys: Any, monkeypatch: Any) -> None:
    monkeypatch.delenv("PAY402_PRIVATE_KEY", raising=False)
    code, out = run(["sign", "--payment-required", REQUIRED], capsys)
    assert code == 1 and "PAY402_PRIVATE_KEY" in out["message"]


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


def test_console_script_is_installed() -> None:
    exe = Path(sys.executable).parent / "pay402"
    if not exe.exists():
        found = shutil.which("pay402")
        if found is None:
            pytest.fail("the pay402 console script is not installed next to this interpreter")
        exe = Path(found)
    proc = subprocess.run([str(exe), "decode", INVOICE], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and json.loads(proc.stdout)["payment_hash"]
    proc = subprocess.run([str(exe), "verify", "--requirements", "{}", "--payment", "x"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "error" in json.loads(proc.stdout)
