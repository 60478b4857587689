"""The ``pay402`` command: decode any 402 artifact, verify, sign, mint, and pay from scripts.

    pay402 decode <text | - | @file>   # x402 headers/bodies, macaroons, L402 headers, BOLT11, offers
    pay402 verify --requirements JSON --payment HEADER [--now T]
    pay402 sign --payment-required JSON|HEADER [--key-env PAY402_PRIVATE_KEY] [--now T]
    pay402 mint --payment-hash HEX [--root-key-env PAY402_ROOT_KEY] --service NAME [--invoice BOLT11]
    pay402 pay URL --network NET --max AMOUNT [--atomic] [--asset ADDR] [--dry-run]
    pay402 facilitator --config FILE [--host 127.0.0.1] [--port 8402]   # an x402 facilitator server

Output is JSON on stdout. Exit status: 0 done; 1 the artifact or payment was refused or invalid
(``{"error": code, "detail_code": …, "field": …, "message": …}``); 2 usage errors (bad
arguments, a key variable not set, an unreadable ``@file``); 141 when stdout was closed early
(``… | head``), quietly, as the shell reports for ``cat`` killed by SIGPIPE. Keys are read from
environment variables, never from the command line.

``decode`` asks the core which artifact the text looks like (:func:`pay402.recognize`: a header
name, a prefix, JSON keys, base64 JSON keys, macaroon bytes) and runs that decoder; when it
fails, the output names the artifact it looked like, the field that failed (``field``), the
core's code, detail code and message, and the verdict of every decoder tried.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from . import _native as p

__all__ = ["main", "decode_artifact", "DecodeFailure"]


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


class DecodeFailure(Exception):
    """``decode`` found no decoder that accepts the text: ``.report`` is the JSON-able verdict
    (what the text looked like, the closest decoder's error and field, every decoder's verdict)."""

    def __init__(self, report: Dict[str, Any]) -> None:
        super().__init__(report.get("message", ""))
        self.report = report


def _payment_requirements(value: str, encoding: str) -> p.X402Message:
    if encoding == "base64_json":
        value = p.base64_decode(value, policy="x402").decode("utf-8")
    return p.decode_payment_requirements(value)


def _body_only(decoder: Callable[[str], p.X402Message]) -> Callable[[str, str], p.X402Message]:
    def run(value: str, encoding: str) -> p.X402Message:
        if encoding == "base64_json":
            value = p.base64_decode(value, policy="x402").decode("utf-8")
        return decoder(value)
    return run


def _header_or_body(decoder: Callable[..., p.X402Message]) -> Callable[[str, str], p.X402Message]:
    def run(value: str, encoding: str) -> p.X402Message:
        return decoder(body=value) if encoding == "json" else decoder(value)
    return run


_X402_DECODERS: Dict[str, Callable[[str, str], p.X402Message]] = {
    "x402_payment_required": _header_or_body(p.decode_payment_required),
    "x402_payment_payload": _header_or_body(p.decode_payment_payload),
    "x402_settle_response": _header_or_body(p.decode_settle_response),
    "x402_payment_requirements": _payment_requirements,
    "x402_verify_request": _body_only(p.decode_verify_request),
    "x402_verify_response": _body_only(p.decode_verify_response),
    "x402_supported_response": _body_only(p.decode_supported_response),
}


def _decode_x402(kind: str) -> Callable[[str, str], Dict[str, Any]]:
    def run(value: str, encoding: str) -> Dict[str, Any]:
        return _x402(_X402_DECODERS[kind](value, encoding), "json" if encoding == "json" else "header")
    return run


def _decode_macaroon(value: str, encoding: str) -> Dict[str, Any]:
    if encoding == "hex":
        return _macaroon(p.Macaroon.from_bytes(bytes.fromhex(value[2:] if value.startswith("0x") else value)))
    return _macaroon(p.Macaroon.decode(value))


def _part(name: str, decode: Callable[[], Dict[str, Any]]) -> Dict[str, Any]:
    """Decodes one auth-parameter of a challenge; its error names the parameter as ``.field``."""
    try:
        return decode()
    except p.Error as e:
        if e.field is None:
            e.field = name
        raise


def _decode_l402_challenge(value: str, encoding: str) -> Dict[str, Any]:
    return {"type": "l402_challenge", "challenges": [
        {"scheme": c.scheme, "macaroon": _part("macaroon", lambda: _macaroon(p.Macaroon.decode(c.macaroon))),
         "invoice": _part("invoice", lambda: _bolt11(p.bolt11_decode(c.invoice))), "version": c.version}
        for c in p.l402_parse_challenges(value)
    ]}


def _decode_l402_authorization(value: str, encoding: str) -> Dict[str, Any]:
    cred = p.l402_parse_authorization(value)
    return {"type": "l402_authorization", "scheme": cred.scheme, "preimage": cred.preimage_hex,
            "payment_hash": p.l402_payment_hash(cred.preimage).hex(), "macaroon": _macaroon(cred.macaroon)}


def _decode_macaroon_header(value: str, encoding: str) -> Dict[str, Any]:
    mac, preimage = p.l402_parse_macaroon_header(value)
    return {"type": "l402_macaroon_header", "preimage": preimage.hex(), "macaroon": _macaroon(mac)}


def _decode_ws402(value: str, encoding: str) -> Dict[str, Any]:
    message = p.decode_ws402_message(value)
    return {"type": "ws402_" + message.type, "value": json.loads(message.json)}


_DECODERS: Dict[str, Callable[[str, str], Dict[str, Any]]] = {
    **{kind: _decode_x402(kind) for kind in _X402_DECODERS},
    "l402_challenge": _decode_l402_challenge,
    "l402_authorization": _decode_l402_authorization,
    "l402_macaroon_header": _decode_macaroon_header,
    "macaroon": _decode_macaroon,
    "bolt11_invoice": lambda value, encoding: _bolt11(p.bolt11_decode(value)),
    "offers": lambda value, encoding: {"type": "offers", "value": json.loads(p.offers_decode(value).json)},
    "ws402_message": _decode_ws402,
}

# Which decoders can read a value of each encoding, in the order they are tried after the guess.
_BY_ENCODING: Dict[str, List[str]] = {
    "json": ["x402_payment_required", "x402_payment_payload", "x402_settle_response", "x402_payment_requirements",
             "x402_verify_request", "x402_verify_response", "x402_supported_response", "offers", "ws402_message",
             "macaroon"],
    "base64_json": ["x402_payment_required", "x402_payment_payload", "x402_settle_response"],
    "base64_binary": ["macaroon"],
    "hex": ["macaroon"],
    "text": [],
    "unknown": ["x402_payment_required", "x402_payment_payload", "x402_settle_response", "macaroon", "bolt11_invoice"],
}


def _verdict(kind: str, error: BaseException) -> Dict[str, Any]:
    if isinstance(error, p.Error):
        return {"decoder": kind, "error": error.code, "detail_code": error.detail_code, "field": error.field,
                "message": error.message}
    return {"decoder": kind, "error": "invalid_text", "detail_code": None, "field": None,
            "message": f"{type(error).__name__}: {error}"}


def decode_artifact(text: str) -> Dict[str, Any]:
    """Decodes a 402 artifact to a JSON-able dict with a ``type``.

    Which decoder runs is the core's guess (:func:`pay402.recognize`): a header name in front
    decides alone; otherwise the guessed decoder runs first and the others that can read the
    same encoding follow. Raises :class:`DecodeFailure` whose ``.report`` says what the text
    looked like, the closest decoder's error (code, detail code, field, message) and every
    decoder's verdict."""
    guess = p.recognize(text)
    value = guess.value
    order: List[str]
    if guess.evidence == "header_name":
        order = [guess.artifact]
    else:
        order = [] if guess.artifact == "unknown" else [guess.artifact]
        order += [k for k in _BY_ENCODING[guess.encoding] if k not in order]
    verdicts = []
    for kind in order:
        try:
            out = _DECODERS[kind](value, guess.encoding)
        except (p.Error, ValueError) as e:
            verdicts.append(_verdict(kind, e))
            continue
        if verdicts:
            out["looked_like"] = guess.artifact
        return out
    looked = guess.artifact
    if looked == "unknown":
        closest: Dict[str, Any] = {
            "error": "unrecognized_artifact", "detail_code": None, "field": None,
            "message": "not a 402 artifact: no known header name, no L402/LSAT scheme, no BOLT11 prefix, "
                       "not JSON with known keys, not base64 of such JSON, not a binary macaroon",
        }
    else:
        closest = {k: v for k, v in verdicts[0].items() if k != "decoder"}
        by = {"header_name": f"the header name {guess.header}", "prefix": "its prefix", "json_keys": "its JSON keys",
              "macaroon_bytes": "its first bytes"}.get(guess.evidence, guess.evidence)
        closest["message"] = f"looks like {looked} ({by}), but {closest['message']}"
    raise DecodeFailure({**closest, "looked_like": looked, "encoding": guess.encoding, "evidence": guess.evidence,
                         "header": guess.header, "verdicts": verdicts})


class UsageError(Exception):
    """A command line the command cannot run (missing key variable, unreadable ``@file``): exit 2."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


def _read(value: str) -> str:
    if value == "-":
        return sys.stdin.read()
    if value.startswith("@"):
        try:
            with open(value[1:], encoding="utf-8") as f:
                return f.read()
        except OSError as e:
            raise UsageError(f"cannot read {value[1:]!r}: {e.strerror or e}", code="unreadable_file") from e
    return value


def _env_key(name: str) -> bytes:
    value = os.environ.get(name)
    if not value:
        raise UsageError(f"environment variable {name} is not set", code="missing_key")
    try:
        return bytes.fromhex(value[2:] if value.startswith("0x") else value)
    except ValueError as e:
        raise UsageError(f"environment variable {name} is not hex", code="invalid_key") from e


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
    key = _env_key(a.key_env)
    required = p.decode_payment_required(body=text) if text.startswith("{") else p.decode_payment_required(text)
    signed = p.x402_sign(required.json, key, now=a.now if a.now is not None else int(time.time()),
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


# --- pay ----------------------------------------------------------------------------------------


class Refused(Exception):
    """``pay`` did not get the resource: ``.report`` is the JSON-able reason (exit 1)."""

    def __init__(self, report: Dict[str, Any]) -> None:
        super().__init__(report.get("message", ""))
        self.report = report


def _asset_of(network: str, asset: Optional[str]) -> Tuple[str, Optional[int]]:
    """The asset to pay with on an EVM ``network`` and its decimals (None when unknown)."""
    resolved = p.resolve_network(network)
    if resolved is None or resolved[1] is None:
        raise UsageError(f"--network {network!r} is not a network this command can pay on (EVM: a v1 name such as "
                         "base-sepolia or CAIP-2 eip155:<chain id>; Solana: solana-devnet, solana:<genesis hash>)",
                         code="unknown_network")
    default = p.default_asset(resolved[1])
    if asset is None:
        if default is None:
            raise UsageError(f"no default asset on {network!r}; name one with --asset", code="unknown_asset")
        return default.address, default.decimals
    same = default is not None and default.address.lower() == asset.lower()
    return asset, default.decimals if same and default is not None else None


def _max_atomic(text: str, atomic: bool, decimals: Optional[int]) -> int:
    from .errors import PriceError
    from .prices import price_to_atomic

    try:
        if atomic:
            if not text.isascii() or not text.isdigit():
                raise UsageError(f"--max {text!r} with --atomic must be a whole number of atomic units", code="invalid_max")
            return int(text)
        if decimals is None:
            raise UsageError("--max in display units needs the asset's decimals; give atomic units with --atomic",
                             code="invalid_max")
        return price_to_atomic(text, decimals)
    except PriceError as e:
        raise UsageError(f"--max {text!r}: {e.message}", code=e.code) from e


def _payment_sent(request_headers: Any, decimals: Optional[int], payer: str) -> Optional[Dict[str, Any]]:
    """What the signed payment header of a request pays (read back from the header itself)."""
    for name in ("payment-signature", "x-payment"):
        value = request_headers.get(name)
        if value:
            break
    else:
        return None
    payload = json.loads(p.decode_payment_payload(value).json)
    accepted = payload.get("accepted") or {}
    authorization = (payload.get("payload") or {}).get("authorization") or {}
    amount = accepted.get("amount", authorization.get("value"))
    out: Dict[str, Any] = {
        "scheme": accepted.get("scheme", payload.get("scheme")),
        "network": accepted.get("network", payload.get("network")),
        "asset": accepted.get("asset"),
        "amount": amount,
        "pay_to": accepted.get("payTo", authorization.get("to")),
        "payer": authorization.get("from", payer),
    }
    if decimals is not None and isinstance(amount, str) and amount.isdigit():
        from .prices import format_price

        out["amount_display"] = format_price(int(amount), decimals)
    return out


def _lightning_refusal(response: Any) -> Optional[Dict[str, Any]]:
    """An L402-only 402: the challenge, and why this command cannot pay it."""
    try:
        challenges = p.l402_parse_challenges(response.headers.get_list("www-authenticate"))
    except p.Error:
        return None
    if not challenges:
        return None
    invoice = challenges[0].invoice
    try:
        amount: Optional[int] = p.bolt11_decode(invoice).amount_msat
    except p.Error:
        amount = None
    return {"error": "no_lightning_node", "detail_code": None, "field": None,
            "message": "the server asks for an L402 payment (a Lightning invoice) and pay402 pay has no Lightning "
                       "node configured; pay the invoice with your node and send Authorization: L402 "
                       "<macaroon>:<preimage> (pay402 decode shows the challenge)",
            "invoice": invoice, "amount_msat": amount}


def _not_x402(response: Any) -> Dict[str, Any]:
    """A 402 this command cannot pay: an L402-only challenge, or no payment offer at all."""
    return _lightning_refusal(response) or {"error": "not_x402", "detail_code": None, "field": None,
                                            "message": "the 402 carries no x402 payment offer"}


def _cmd_pay(a: argparse.Namespace) -> Dict[str, Any]:
    from .errors import BudgetExceeded, MissingExtra, PaymentError, require_extra

    try:
        httpx = require_extra("httpx", "httpx", "pay402 pay")
    except MissingExtra as e:
        raise UsageError(e.message, code=e.code) from e
    from .client import Budget, PaymentAuth, SvmPayer, X402Payer, X402PaymentRefused, payment_receipt

    resolved = p.resolve_network(a.network)
    solana = resolved is not None and resolved[0].startswith("solana:")
    if solana:
        if a.asset is None or a.decimals is None or a.recent_blockhash is None:
            raise UsageError("paying on Solana needs --asset MINT, --decimals N and --recent-blockhash HASH",
                             code="missing_solana_option")
        asset, decimals = a.asset, a.decimals
    else:
        asset, decimals = _asset_of(a.network, a.asset)
    limit = _max_atomic(a.max, a.atomic, decimals)
    key = _env_key(a.key_env)
    headers = []
    for h in a.header:
        name, sep, value = h.partition(":")
        if not sep or not name.strip():
            raise UsageError(f"--header {h!r} is not 'Name: value'", code="invalid_header")
        headers.append((name.strip(), value.strip()))
    budget = Budget(per_request=limit, total=limit)
    payer: Any
    if solana:
        blockhash = a.recent_blockhash
        payer = SvmPayer(key, networks=[a.network], assets={asset: decimals}, budget=budget,
                         recent_blockhash=lambda network: blockhash)
    else:
        payer = X402Payer(key, networks=[a.network], assets=[asset], budget=budget)
    try:
        with httpx.Client(timeout=a.timeout) as client:
            if a.dry_run:
                response = client.request(a.method, a.url, headers=headers)
                if response.status_code != 402:
                    return {"status": response.status_code, "dry_run": True, "would_pay": None,
                            "message": "no payment asked"}
                required = payer.payment_required(response.status_code, {k.lower(): v for k, v in response.headers.items()},
                                                  response.content)
                if required is None:
                    raise Refused(_not_x402(response))
                # The payer selects, reserves and signs exactly as it would for real; the signed
                # header is read back, never sent, and the reservation is given back.
                name, value, reservation = payer.pay_reserved(required)
                reservation.release()
                return {"status": 402, "dry_run": True, "would_pay": _payment_sent({name.lower(): value}, decimals, payer.address),
                        "max": str(limit)}
            client.auth = PaymentAuth(x402=payer)
            response = client.request(a.method, a.url, headers=headers)
    except X402PaymentRefused as e:
        # The client read the server's answer to the paid retry through the core: its words.
        raise Refused({"error": e.code, "detail_code": e.detail_code, "field": None,
                       "message": e.server_message or e.message, "status": e.status, "definitive": e.definitive,
                       "paid": _payment_sent(e.response.request.headers, decimals, payer.address)}) from e
    except (BudgetExceeded, PaymentError) as e:
        raise Refused({"error": e.code, "detail_code": e.detail_code, "field": None, "message": e.message,
                       "max": str(limit)}) from e
    except httpx.HTTPError as e:
        raise Refused({"error": "http_error", "detail_code": type(e).__name__, "field": None, "message": str(e)}) from e
    paid = _payment_sent(response.request.headers, decimals, payer.address)
    if response.status_code == 402:  # unpaid: a paid retry refused raises X402PaymentRefused above
        raise Refused(_not_x402(response))
    out: Dict[str, Any] = {"status": response.status_code, "paid": paid, "receipt": payment_receipt(response),
                           "spent": str(budget.spent)}
    if a.output:
        with open(a.output, "wb") as f:
            f.write(response.content)
        out["output"] = a.output
    else:
        out["body"] = response.content.decode("utf-8", "replace")
    if not 200 <= response.status_code < 300:
        raise Refused({"error": "http_status", "detail_code": str(response.status_code), "field": None,
                       "message": f"the server answered {response.status_code}", **out})
    return out


# --- facilitator ----------------------------------------------------------------------------------


def _cmd_facilitator(a: argparse.Namespace) -> Dict[str, Any]:
    """Runs the facilitator server until interrupted; a bad configuration is refused before it
    listens (its ``ConfigurationError`` code on stdout, exit 1)."""
    from .facilitator_server import serve

    serve(a.config, host=a.host, port=a.port)
    return {"facilitator": "stopped"}


# --- the command ----------------------------------------------------------------------------------

_EPILOG = """\
exit status:
  0    done: decoded, verified, signed, minted, paid (or --dry-run showed the payment)
  1    the artifact or payment was refused or invalid: the JSON on stdout says
       {"error": code, "detail_code": …, "field": …, "message": …}
  2    usage error: bad arguments (argparse prints the usage on stderr), a key variable
       that is not set, an unreadable @file
  141  stdout was closed early (e.g. `pay402 decode … | head -c 10`): nothing more is
       written and no traceback is printed, as the shell reports for cat killed by SIGPIPE
"""


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="pay402", description="HTTP 402 payments: decode, verify, sign, mint, pay.",
                                 epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--version", action="version", version=f"pay402 {p.__version__}")
    sub = ap.add_subparsers(dest="command", required=True)
    d = sub.add_parser("decode", help="recognize and pretty-print any 402 artifact; on failure say which field failed",
                       epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    d.add_argument("artifact", help="the text ('Header-Name: value' or the value), '-' for stdin, '@file'")
    d.set_defaults(run=_cmd_decode)
    v = sub.add_parser("verify", help="verify an x402 payment against requirements", epilog=_EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    v.add_argument("--requirements", required=True, help="PaymentRequirements JSON ('-', '@file')")
    v.add_argument("--payment", required=True, help="PAYMENT-SIGNATURE / X-PAYMENT value ('-', '@file')")
    v.add_argument("--now", type=int)
    v.add_argument("--amount", choices=["exact", "at_least"], default="exact")
    v.add_argument("--signature", choices=["strict", "lenient"], default="strict")
    v.set_defaults(run=_cmd_verify)
    s = sub.add_parser("sign", help="sign a payment for a 402 (key from the environment)", epilog=_EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("--payment-required", required=True, help="PAYMENT-REQUIRED header value or v1/v2 JSON")
    s.add_argument("--key-env", default="PAY402_PRIVATE_KEY", help="variable holding the hex private key")
    s.add_argument("--now", type=int)
    s.add_argument("--accept-index", type=int, default=0)
    s.set_defaults(run=_cmd_sign)
    m = sub.add_parser("mint", help="mint an L402 token for a payment hash (root key from the environment)",
                       epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    m.add_argument("--payment-hash", required=True)
    m.add_argument("--token-id", help="hex; random when absent")
    m.add_argument("--root-key-env", default="PAY402_ROOT_KEY")
    m.add_argument("--service", required=True)
    m.add_argument("--tier", type=int, default=0)
    m.add_argument("--valid-until", type=int)
    m.add_argument("--invoice", help="BOLT11 invoice: also print the WWW-Authenticate challenges")
    m.set_defaults(run=_cmd_mint)
    y = sub.add_parser("pay", help="request URL and pay its x402 402 within a budget (key from the environment)",
                       description="Requests URL; on an x402 402 pays once (EIP-3009 on EVM, a transfer on Solana) within --max and "
                                   "retries, then prints the payment, the receipt and the body. L402 needs a "
                                   "Lightning node, which this command does not have: it says so and exits 1.",
                       epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    y.add_argument("url")
    y.add_argument("--network", required=True, help="network to pay on: base-sepolia, eip155:84532, solana-devnet, …")
    y.add_argument("--max", required=True,
                   help="the most to pay: display units of the asset ('0.05', '$0.05'), or atomic units with --atomic")
    y.add_argument("--atomic", action="store_true", help="--max is in atomic units of the asset")
    y.add_argument("--asset", help="token to pay with (EVM default: the network's default asset, e.g. USDC; "
                                   "Solana: the mint, required)")
    y.add_argument("--decimals", type=int, help="Solana: the mint's decimals (required)")
    y.add_argument("--recent-blockhash", help="Solana: a recent blockhash (base58), e.g. from your RPC's getLatestBlockhash")
    y.add_argument("--key-env", default="PAY402_PRIVATE_KEY",
                   help="variable holding the hex key: the secp256k1 private key (EVM) or the ed25519 seed (Solana)")
    y.add_argument("--dry-run", action="store_true", help="show what would be paid (offer, amount, payee, network); pay nothing")
    y.add_argument("-X", "--method", default="GET")
    y.add_argument("-H", "--header", action="append", default=[], help="'Name: value', repeatable")
    y.add_argument("-o", "--output", help="write the response body to this file instead of the JSON")
    y.add_argument("--timeout", type=float, default=30.0, help="seconds per HTTP request")
    y.set_defaults(run=_cmd_pay)
    f = sub.add_parser("facilitator", help="run an x402 facilitator server (/verify, /settle, /supported) under uvicorn",
                       description="Serves the x402 facilitator API with your own keys and RPC URLs, configured by "
                                   "FILE (TOML, or JSON when it ends in .json) and environment variables; "
                                   "needs the facilitator extra (pip install \"pay402[facilitator]\").",
                       epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    f.add_argument("--config", required=True, metavar="FILE", help="the configuration file (TOML, or JSON: *.json)")
    f.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    f.add_argument("--port", type=int, default=8402, help="port to listen on (default 8402)")
    f.set_defaults(run=_cmd_facilitator)
    return ap


def _silence_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so that the interpreter's final flush does
    not fail (and print) again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass


def _emit(obj: Dict[str, Any]) -> bool:
    """Prints ``obj`` as JSON; False if stdout was closed early (the reader went away)."""
    try:
        sys.stdout.write(json.dumps(obj, indent=2) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        return False
    return True


EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_BROKEN_PIPE = 0, 1, 2, 141


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs the command; returns the exit status (see the ``--help`` epilog)."""
    try:
        args = _parser().parse_args(argv)  # exits 2 on a usage error, 0 after --help
    except BrokenPipeError:  # `pay402 --help | head -n 1`
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    code = EXIT_OK
    try:
        result: Dict[str, Any] = args.run(args)
    except UsageError as e:
        result, code = {"error": e.code, "detail_code": None, "field": None, "message": str(e)}, EXIT_USAGE
    except (DecodeFailure, Refused) as e:
        result, code = e.report, EXIT_REFUSED
    except p.Error as e:
        result, code = {"error": e.code, "detail_code": e.detail_code, "field": e.field, "message": e.message}, EXIT_REFUSED
    except ValueError as e:
        result, code = {"error": "invalid_input", "detail_code": type(e).__name__, "field": None, "message": str(e)}, EXIT_REFUSED
    return code if _emit(result) else EXIT_BROKEN_PIPE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
