"""The ``pay402`` command: decode any 402 artifact, verify, sign and mint from scripts.

    pay402 decode <text | - >        # x402 headers/bodies, macaroons, L402 headers, BOLT11, offers
    pay402 verify --requirements JSON --payment HEADER [--now T]
    pay402 sign --payment-required JSON|HEADER [--key-env PAY402_PRIVATE_KEY] [--now T]
    pay402 mint --payment-hash HEX [--root-key-env PAY402_ROOT_KEY] --service NAME [--invoice BOLT11]

Output is JSON on stdout; failures print ``{"error": code, "message": …}`` and exit 1
(2 for usage errors). Keys are read from environment variables, never from the command line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Sequence

from . import _native as p

__all__ = ["main", "decode_artifact"]


def _hex(b: Optional[bytes]) -> Optional[str]:
    return None if b is None else b.hex()


def _text_or_hex(b: bytes) -> str:
    try:
        text = b.decode("ascii")
    except UnicodeDecodeError:
        return b.hex()
    return text if text.isprintable() else b.hex()


def _macaroon(m: p.Macaroon) -> Dict[str, Any]:
    out: Dict[str, Any] = {
        "type": "macaroon",
        "version": m.version,
        "location": m.location,
        "identifier": _text_or_hex(m.identifier),
        "signature": m.signature.hex(),
        "caveats": [
            {"id": c.id.decode("utf-8", "replace"), **({"vid": (c.vid or b"").hex(), "location": (c.location or b"").decode("utf-8", "replace")} if c.is_third_party else {})}
            for c in m.caveats
        ],
    }
    try:
        ident = p.L402Identifier.from_bytes(m.identifier)
        out["l402_identifier"] = {"version": ident.version, "payment_hash": ident.payment_hash.hex(), "token_id": ident.token_id.hex()}
    except p.Error:
        pass
    return out


def _bolt11(inv: p.Bolt11Invoice) -> Dict[str, Any]:
    return {
        "type": "bolt11_invoice",
        "network": inv.network,
        "amount_msat": inv.amount_msat,
        "timestamp": inv.timestamp,
        "expires_at": inv.expires_at,
        "payment_hash": inv.payment_hash.hex(),
        "payment_secret": _hex(inv.payment_secret),
        "description": inv.description,
        "description_hash": _hex(inv.description_hash),
        "payee": inv.payee.hex(),
        "min_final_cltv_expiry": inv.min_final_cltv_expiry,
    }


def _x402(m: p.X402Message, encoding: str) -> Dict[str, Any]:
    return {"type": "x402_" + m.kind, "x402_version": m.x402_version, "encoding": encoding, "value": json.loads(m.json)}


_HEADER_HINTS = {
    "payment-required": "payment_required",
    "payment-signature": "payment_payload",
    "x-payment": "payment_payload",
    "payment-response": "settle_response",
    "x-payment-response": "settle_response",
}


def decode_artifact(text: str) -> Dict[str, Any]:
    """Recognizes a 402 artifact and returns it as a JSON-able dict with a ``type``."""
    text = text.strip()
    hint = None
    name, sep, rest = text.partition(":")
    if sep and name.strip().lower() in set(_HEADER_HINTS) | {"www-authenticate", "authorization", "grpc-metadata-macaroon"}:
        hint, text = name.strip().lower(), rest.strip()
    lower = text.lower()
    if lower.startswith(("lnbc", "lntb", "lnsb", "lnbcrt", "lightning:")):
        return _bolt11(p.bolt11_decode(text[len("lightning:"):] if lower.startswith("lightning:") else text))
    scheme = text.split(" ", 1)[0].upper()
    if scheme in ("L402", "LSAT"):
        if "macaroon=" in text or "invoice=" in text:
            return {"type": "l402_challenge", "challenges": [
                {"scheme": c.scheme, "macaroon": _macaroon(p.Macaroon.decode(c.macaroon)), "invoice": _bolt11(p.bolt11_decode(c.invoice)), "version": c.version}
                for c in p.l402_parse_challenges(text)
            ]}
        cred = p.l402_parse_authorization(text)
        return {"type": "l402_authorization", "scheme": cred.scheme, "preimage": cred.preimage_hex,
                "payment_hash": p.l402_payment_hash(cred.preimage).hex(), "macaroon": _macaroon(cred.macaroon)}
    if hint == "grpc-metadata-macaroon":
        mac, preimage = p.l402_parse_macaroon_header(text)
        return {"type": "l402_macaroon_header", "preimage": preimage.hex(), "macaroon": _macaroon(mac)}
    # JSON bodies, then base64 headers.
    candidates: List[Callable[[], Dict[str, Any]]] = []
    if text.startswith("{"):
        body = json.loads(text)
        if isinstance(body, dict) and "offers" in body:
            candidates.append(lambda: {"type": "offers", "value": json.loads(p.offers_decode(text).json)})
        if isinstance(body, dict) and "isValid" in body:
            candidates.append(lambda: _x402(p.decode_verify_response(text), "json"))
        if isinstance(body, dict) and "kinds" in body:
            candidates.append(lambda: _x402(p.decode_supported_response(text), "json"))
        candidates += [
            lambda: _x402(p.decode_payment_required(body=text), "json"),
            lambda: _x402(p.decode_payment_payload(body=text), "json"),
            lambda: _x402(p.decode_settle_response(body=text), "json"),
            lambda: _x402(p.decode_verify_request(text), "json"),
            lambda: _x402(p.decode_payment_requirements(text), "json"),
            lambda: {"type": "ws402_" + p.decode_ws402_message(text).type, "value": json.loads(p.decode_ws402_message(text).json)},
        ]
    else:
        order = ["payment_required", "payment_payload", "settle_response"]
        if hint in _HEADER_HINTS:
            order.remove(_HEADER_HINTS[hint])
            order.insert(0, _HEADER_HINTS[hint])
        decoders = {"payment_required": p.decode_payment_required, "payment_payload": p.decode_payment_payload,
                    "settle_response": p.decode_settle_response}
        for kind in order:
            candidates.append(lambda kind=kind: _x402(decoders[kind](text), "header"))  # type: ignore[misc]
        candidates.append(lambda: _macaroon(p.Macaroon.decode(text)))
        candidates.append(lambda: _macaroon(p.Macaroon.from_bytes(bytes.fromhex(text[2:] if text.startswith("0x") else text))))
    errors = []
    for candidate in candidates:
        try:
            return candidate()
        except (p.Error, ValueError) as e:
            errors.append(getattr(e, "code", type(e).__name__))
    raise ValueError(f"not a recognized 402 artifact (tried: {', '.join(errors) or 'nothing'})")


def _read(value: str) -> str:
    if value == "-":
        return sys.stdin.read()
    if value.startswith("@"):
        with open(value[1:], encoding="utf-8") as f:
            return f.read()
    return value


def _env_key(name: str) -> bytes:
    value = os.environ.get(name)
    if not value:
        raise ValueError(f"environment variable {name} is not set")
    return bytes.fromhex(value[2:] if value.startswith("0x") else value)


def _cmd_decode(a: argparse.Namespace) -> Dict[str, Any]:
    return decode_artifact(_read(a.artifact))


def _cmd_verify(a: argparse.Namespace) -> Dict[str, Any]:
    v = p.verify_payment(_read(a.requirements).strip(), _read(a.payment).strip(), now=a.now if a.now is not None else int(time.time()),
                         amount=a.amount, signature=a.signature)
    return {"valid": True, "x402_version": v.x402_version, "network": v.network, "chain_id": v.chain_id, "kind": v.kind,
            "payer": v.payer, "amount": str(v.amount), "authorized_amount": str(v.authorized_amount), "nonce": v.nonce,
            "valid_before": v.valid_before, "replay_key": v.replay_key.hex()}


def _cmd_sign(a: argparse.Namespace) -> Dict[str, Any]:
    text = _read(a.payment_required).strip()
    required = p.decode_payment_required(body=text) if text.startswith("{") else p.decode_payment_required(text)
    signed = p.x402_sign(required.json, _env_key(a.key_env), now=a.now if a.now is not None else int(time.time()),
                            nonce=os.urandom(32), accept_index=a.accept_index)
    return {"header_name": signed.header_name, "header_value": signed.header_value, "payer": signed.payer,
            "payload": json.loads(signed.json)}


def _cmd_mint(a: argparse.Namespace) -> Dict[str, Any]:
    root_key = _env_key(a.root_key_env)
    ident = p.L402Identifier(a.payment_hash, a.token_id or os.urandom(32))
    caveats = [p.l402_services_caveat([(a.service, a.tier)])]
    if a.valid_until is not None:
        caveats.append(p.l402_valid_until_caveat(a.service, a.valid_until))
    token = p.l402_mint(root_key, ident, caveats=caveats)
    out: Dict[str, Any] = {"macaroon": token.serialize(), "root_key_id": ident.root_key_id.hex(),
                           "token_id": ident.token_id.hex(), "caveats": caveats}
    if a.invoice:
        out["www_authenticate"] = p.l402_encode_challenges(token, a.invoice)
    return out


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="pay402", description="HTTP 402 payments: decode, verify, sign, mint.")
    ap.add_argument("--version", action="version", version=f"pay402 {p.__version__}")
    sub = ap.add_subparsers(dest="command", required=True)
    d = sub.add_parser("decode", help="recognize and pretty-print any 402 artifact")
    d.add_argument("artifact", help="the text, '-' for stdin, '@file'")
    d.set_defaults(run=_cmd_decode)
    v = sub.add_parser("verify", help="verify an x402 payment against requirements")
    v.add_argument("--requirements", required=True, help="PaymentRequirements JSON ('-', '@file')")
    v.add_argument("--payment", required=True, help="PAYMENT-SIGNATURE / X-PAYMENT value ('-', '@file')")
    v.add_argument("--now", type=int)
    v.add_argument("--amount", choices=["exact", "at_least"], default="exact")
    v.add_argument("--signature", choices=["strict", "lenient"], default="strict")
    v.set_defaults(run=_cmd_verify)
    s = sub.add_parser("sign", help="sign a payment for a 402 (key from the environment)")
    s.add_argument("--payment-required", required=True, help="PAYMENT-REQUIRED header value or v1/v2 JSON")
    s.add_argument("--key-env", default="PAY402_PRIVATE_KEY", help="variable holding the hex private key")
    s.add_argument("--now", type=int)
    s.add_argument("--accept-index", type=int, default=0)
    s.set_defaults(run=_cmd_sign)
    m = sub.add_parser("mint", help="mint an L402 token for a payment hash (root key from the environment)")
    m.add_argument("--payment-hash", required=True)
    m.add_argument("--token-id", help="hex; random when absent")
    m.add_argument("--root-key-env", default="PAY402_ROOT_KEY")
    m.add_argument("--service", required=True)
    m.add_argument("--tier", type=int, default=0)
    m.add_argument("--valid-until", type=int)
    m.add_argument("--invoice", help="BOLT11 invoice: also print the WWW-Authenticate challenges")
    m.set_defaults(run=_cmd_mint)
    return ap


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        result = args.run(args)
    except p.Error as e:
        print(json.dumps({"error": e.code, "detail_code": e.detail_code, "message": e.message}), file=sys.stdout)
        return 1
    except (ValueError, OSError) as e:
        print(json.dumps({"error": type(e).__name__, "message": str(e)}), file=sys.stdout)
        return 1
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
