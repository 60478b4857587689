"""pay402 (Python binding) against Python peers, same inputs, one process, back to back.

    python tests/bench/python_bench.py [--write]      # --write: (re)writes the "Python binding" section of REPORT.md

Needs the pay402 wheel, eth-account, pymacaroons and the PyPI x402 package (the venv that
ffi-python/tests/run.sh makes for CPython 3.11 has all of them). A report, not a test: every pair
checks that both sides give the same answer before timing. Per operation: ``timeit`` autorange,
best of 7 repeats, in microseconds per call.
"""

from __future__ import annotations

import json
import os
import platform
import re
import sys
import timeit
from pathlib import Path
from typing import Callable, List, Tuple

import pay402

HERE = Path(__file__).resolve().parent
REPORT = HERE / "REPORT.md"
BEGIN, END = "<!-- python-bench:begin -->", "<!-- python-bench:end -->"

KEY = bytes([0x11] * 32)
NOW = 1_740_672_100
REQ = {
    "scheme": "exact", "network": "eip155:84532", "amount": "10000",
    "asset": "0x036CbD53842c5426634e7929541eC2318f3dCF7e", "payTo": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
    "maxTimeoutSeconds": 60, "extra": {"name": "USDC", "version": "2"},
}
REQ_JSON = json.dumps(REQ, separators=(",", ":"))
REQUIRED = json.dumps({"x402Version": 2, "resource": {"url": "https://api.example.com/x"}, "accepts": [REQ]})


def per_call_us(fn: Callable[[], object]) -> float:
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=7, number=number)) / number * 1e6


def main() -> None:
    rows: List[Tuple[str, str, float, str]] = []
    signed = pay402.sign_payment(REQUIRED, KEY, now=NOW, nonce=bytes([0x42] * 32))
    payload = json.loads(signed.json)
    auth = payload["payload"]["authorization"]
    sig = bytes.fromhex(signed.signature[2:])
    payer = signed.payer

    # --- x402 verify
    def pay402_verify() -> object:
        return pay402.verify_payment(REQ_JSON, signed.header_value, now=NOW)

    assert pay402_verify().payer == payer  # type: ignore[attr-defined]
    rows.append(("x402 verify (v2 header: base64 + JSON + checks + ecrecover)", "pay402.verify_payment", per_call_us(pay402_verify), ""))

    domain = {"name": "USDC", "version": "2", "chainId": 84532, "verifyingContract": REQ["asset"]}
    message = {**auth, "value": int(auth["value"]), "validAfter": int(auth["validAfter"]), "validBefore": int(auth["validBefore"])}

    def pay402_digest_recover() -> str:
        return pay402.recover_address(pay402.eip3009_digests(domain, message).digest, sig)

    assert pay402_digest_recover() == payer
    rows.append(("EIP-712 digest + recover only", "pay402.eip3009_digests + recover_address", per_call_us(pay402_digest_recover), ""))

    try:
        from eth_account import Account
        from eth_account.messages import encode_typed_data

        typed = {
            "types": {
                "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                                 {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
                "TransferWithAuthorization": [
                    {"name": "from", "type": "address"}, {"name": "to", "type": "address"},
                    {"name": "value", "type": "uint256"}, {"name": "validAfter", "type": "uint256"},
                    {"name": "validBefore", "type": "uint256"}, {"name": "nonce", "type": "bytes32"}],
            },
            "primaryType": "TransferWithAuthorization",
            "domain": domain,
            "message": {**message, "nonce": bytes.fromhex(auth["nonce"][2:])},
        }

        def eth_account_recover() -> str:
            return str(Account.recover_message(encode_typed_data(full_message=typed), signature=sig))

        assert eth_account_recover() == payer
        rows.append(("EIP-712 digest + recover only", "eth-account " + __import__("importlib.metadata").metadata.version("eth-account"),
                     per_call_us(eth_account_recover), "pure-Python EIP-712 encoding; eth-keys native (pure-Python) backend, coincurve not installed"))
    except ImportError:
        rows.append(("EIP-712 digest + recover only", "eth-account", float("nan"), "not installed"))

    try:
        from x402.mechanisms.evm.eip712 import hash_eip3009_authorization
        from x402.mechanisms.evm.types import ExactEIP3009Authorization
        from x402.mechanisms.evm.verify import verify_eoa_signature
        from x402.schemas.helpers import parse_payment_payload

        def x402_offline() -> bool:
            model = parse_payment_payload(pay402.decode_header(signed.header_value))
            a = model.payload["authorization"]
            h = hash_eip3009_authorization(
                ExactEIP3009Authorization(from_address=a["from"], to=a["to"], value=a["value"], valid_after=a["validAfter"],
                                          valid_before=a["validBefore"], nonce=a["nonce"]),
                84532, REQ["asset"], "USDC", "2")
            return verify_eoa_signature(h, bytes.fromhex(model.payload["signature"][2:]), a["from"])

        assert x402_offline() is True
        rows.append(("x402 verify (v2 header: decode + schema + EOA check)", "x402 " + __import__("importlib.metadata").metadata.version("x402"),
                     per_call_us(x402_offline), "pydantic model + hash_eip3009_authorization + verify_eoa_signature; no amount/time checks"))
    except ImportError:
        rows.append(("x402 verify (offline)", "x402", float("nan"), "not installed (needs Python >= 3.10)"))

    # --- macaroon verify
    root_key = os.urandom(32)
    ident = pay402.L402Identifier(bytes(32), bytes(range(32)))
    caveats = [pay402.l402_services_caveat([("weather", 0)]), pay402.l402_valid_until_caveat("weather", NOW + 60)]
    token = pay402.l402_mint_token(root_key, ident, caveats=caveats)

    def pay402_mac() -> None:
        token.verify(root_key, accept=caveats)

    pay402_mac()
    rows.append(("macaroon verify (2 first-party caveats)", "pay402.Macaroon.verify", per_call_us(pay402_mac), "pre-decoded"))
    try:
        import pymacaroons

        pm = pymacaroons.Macaroon.deserialize(token.serialize())

        def pymacaroons_verify() -> bool:
            v = pymacaroons.Verifier()
            for c in caveats:
                v.satisfy_exact(c)
            return bool(v.verify(pm, root_key))

        assert pymacaroons_verify()
        rows.append(("macaroon verify (2 first-party caveats)", "pymacaroons " + __import__("importlib.metadata").metadata.version("pymacaroons"),
                     per_call_us(pymacaroons_verify), "pre-decoded; stdlib hmac"))
        serialized = token.serialize()
        rows.append(("macaroon decode + verify", "pay402", per_call_us(lambda: pay402.Macaroon.decode(serialized).verify(root_key, accept=caveats)), ""))

        def pm_decode_verify() -> bool:
            v = pymacaroons.Verifier()
            for c in caveats:
                v.satisfy_exact(c)
            return bool(v.verify(pymacaroons.Macaroon.deserialize(serialized), root_key))

        rows.append(("macaroon decode + verify", "pymacaroons", per_call_us(pm_decode_verify), ""))
    except ImportError:
        rows.append(("macaroon verify", "pymacaroons", float("nan"), "not installed"))

    # --- call overhead
    def noop() -> None:
        return None

    rows.append(("binding call overhead", "Python function call (baseline)", per_call_us(noop), ""))
    rows.append(("binding call overhead", "pay402.format_u256(1)", per_call_us(lambda: pay402.format_u256(1)), "int → U256 → str"))
    rows.append(("binding call overhead", "pay402.keccak256(b'')", per_call_us(lambda: pay402.keccak256(b"")), "bytes in, 32 bytes out"))
    rows.append(("binding call overhead", "hashlib.sha256(b'').digest()", per_call_us(lambda: __import__("hashlib").sha256(b"").digest()), "C extension baseline"))

    lines = [
        BEGIN,
        "## Python binding (`tests/bench/python_bench.py`)",
        "",
        f"CPython {platform.python_version()} on {platform.machine()}, pay402 {pay402.__version__} (abi3 wheel, release). "
        "µs per call, best of 7 `timeit` repeats; one process, back to back; both sides checked to give the same answer first. "
        "Not part of pass/fail.",
        "",
        "| operation | implementation | µs/call | note |",
        "|---|---|---:|---|",
    ]
    for op, impl, us, note in rows:
        lines.append(f"| {op} | {impl} | {us:.2f} | {note} |")
    lines.append(END)
    section = "\n".join(lines)
    print(section)
    if "--write" in sys.argv:
        text = REPORT.read_text(encoding="utf-8") if REPORT.exists() else ""
        if BEGIN in text and END in text:
            text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda m: section, text, flags=re.S)
        else:
            text = text.rstrip("\n") + "\n\n" + section + "\n"
        REPORT.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
