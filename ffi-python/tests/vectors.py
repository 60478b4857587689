"""Runs the shared JSON vectors (tests/conformance/vectors/*.json, format: tests/conformance/vectors/README.md) through the
Python API of pay402.

Each op maps to Python calls exactly as the Rust conformance runner (tests/conformance/runner/src/ops/*.rs) maps it
to the core; the result fields and error codes must be the same. An unknown op fails; the only
cases skipped are those of the ops named in ``NOT_EXPOSED`` (core ops the Python binding does not
export yet), each with its reason.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import pay402

VECTOR_DIR = Path(__file__).resolve().parents[2] / "tests" / "conformance" / "vectors"

Outcome = Tuple[bool, Any]  # (True, result dict) or (False, error code)


class BadInput(Exception):
    """A malformed vector (a defect in the file, not a core verdict)."""


def _hex(b: bytes) -> str:
    return b.hex()


def _0x(b: bytes) -> str:
    return "0x" + b.hex()


class RawNumber(str):
    """A JSON number kept as its source text (the Rust runner's serde_json keeps it too)."""


def _load_raw(text: str) -> Any:
    return json.loads(text, parse_int=RawNumber, parse_float=RawNumber)


def _compact(value: Any) -> str:
    """Compact JSON as serde_json (preserve_order, arbitrary_precision) writes it: key order
    kept, no spaces, non-ASCII unescaped, number text as in the source."""
    if isinstance(value, RawNumber):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(_compact(k) + ":" + _compact(v) for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_compact(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _raw(i: Dict[str, Any], key: str) -> str:
    """The compact JSON of input field `key`, number text preserved."""
    return _compact(i["__raw__"][key])


def _int(text: str) -> int:
    return pay402.parse_u256(text)


# --- x402 -----------------------------------------------------------------------------------

_DECODERS = {
    "payment_required": pay402.decode_payment_required,
    "payment_payload": pay402.decode_payment_payload,
    "settle_response": pay402.decode_settle_response,
}


def x402_roundtrip(i: Dict[str, Any]) -> Dict[str, Any]:
    msg = _DECODERS[i["kind"]](i["header"])
    return {"header": msg.to_header()}


def x402_decode(i: Dict[str, Any]) -> Dict[str, Any]:
    decoder = _DECODERS[i["kind"]]
    if "header" in i:
        msg = decoder(i["header"])
    else:
        msg = decoder(body=i["body"])
    out: Dict[str, Any] = {"json": msg.json}
    if msg.x402_version is not None:
        out["x402Version"] = msg.x402_version
    return out


def x402_verify(i: Dict[str, Any]) -> Dict[str, Any]:
    policy = i.get("policy") or {}
    kwargs: Dict[str, Any] = {
        "now": i["now"],
        "amount": policy.get("amount", "exact"),
        "signature": policy.get("signature", "strict"),
        "valid_before_slack": policy.get("valid_before_slack", 6),
    }
    if "settle_amount" in i:
        kwargs["settle_amount"] = _int(i["settle_amount"])
    if "facilitator" in i:
        kwargs["facilitator"] = i["facilitator"]
    # Solana: the managed fee payers and the SVM policy fields (defaults as the Rust runner's).
    if "fee_payers" in i:
        fee_payers = i["fee_payers"]
        if not isinstance(fee_payers, list) or not all(isinstance(k, str) for k in fee_payers):
            raise BadInput("fee_payers")
        kwargs["fee_payers"] = fee_payers
    for key in ("max_compute_unit_price", "max_compute_unit_limit", "max_instructions"):
        if key in policy:
            if not isinstance(policy[key], int) or isinstance(policy[key], bool) or policy[key] < 0:
                raise BadInput(f"policy.{key}")
            kwargs[key] = policy[key]
    v = pay402.x402_verify(_raw(i, "requirements"), i["payment"], **kwargs)
    if isinstance(v, pay402.SvmVerified):
        return {"payer": v.payer, "amount": str(v.amount)}
    return {"payer": v.payer, "nonce": v.nonce, "amount": str(v.amount)}


def x402_sign(i: Dict[str, Any]) -> Dict[str, Any]:
    signed = pay402.x402_sign(
        _raw(i, "payment_required"),
        i["private_key_hex"],
        now=i["now"],
        nonce=i["nonce"],
        accept_index=i.get("accept_index", 0),
    )
    return {"payment": signed.header_value}


def x402_select(i: Dict[str, Any]) -> Dict[str, Any]:
    chosen = pay402.x402_select(
        _raw(i, "payment_required"),
        networks=i["networks"],
        assets=i["assets"],
        max_amount=_int(i["max_amount"]),
        allow_permit2=i.get("allow_permit2", False),
    )
    return {"index": chosen.index, "method": chosen.method, "chainId": chosen.chain_id}


def _draft(i: Dict[str, Any]) -> pay402.PaymentDraft:
    return pay402.PaymentDraft(
        _raw(i, "payment_required"),
        payer=i["from"],
        now=i["now"],
        nonce=i["nonce"],
        accept_index=i.get("accept_index", 0),
    )


def x402_typed_data(i: Dict[str, Any]) -> Dict[str, Any]:
    d = _draft(i)
    return {"digest": _0x(d.digest()), "typed_data": json.loads(d.typed_data())}


def x402_wallet_sign(i: Dict[str, Any]) -> Dict[str, Any]:
    signed = _draft(i).with_wallet_signature(i["signature"])
    return {"payment": signed.header_value, "signature": signed.signature}


def _svm_key(i: Dict[str, Any], key: str) -> str:
    """A base58 key input; one the core cannot parse is a defect of the file (Rust: bad input)."""
    try:
        pay402.svm_parse_pubkey(i[key])
    except pay402.SvmError:
        raise BadInput(key) from None
    return str(i[key])


def svm_build(i: Dict[str, Any]) -> Dict[str, Any]:
    seed = bytes.fromhex(i["payer_seed_hex"])
    if len(seed) != 32:
        raise BadInput("payer_seed_hex")
    amount = i["amount"]
    if not isinstance(amount, str) or not amount.isdigit() or int(amount) >= 1 << 64:
        raise BadInput("amount")
    decimals = i["decimals"]
    if not isinstance(decimals, int) or not 0 <= decimals <= 255:
        raise BadInput("decimals")
    wire = pay402.svm_build_transfer(
        seed,
        fee_payer=_svm_key(i, "fee_payer"),
        mint=_svm_key(i, "mint"),
        pay_to=_svm_key(i, "pay_to"),
        token_program=_svm_key(i, "token_program"),
        amount=int(amount),
        decimals=decimals,
        memo=i.get("memo") or "",
        recent_blockhash=pay402.svm_parse_pubkey(_svm_key(i, "recent_blockhash")),
    )
    return {"transaction": pay402.base64_encode(wire)}


def x402_svm_payment(i: Dict[str, Any]) -> Dict[str, Any]:
    try:
        transaction = pay402.base64_decode(i["transaction"], policy="standard")
    except pay402.Error:
        raise BadInput("transaction") from None
    payment = pay402.svm_payment_header(
        _raw(i, "payment_required"), transaction, accept_index=i.get("accept_index", 0)
    )
    return {"payment": payment.header_value}


def x402_client_pay(i: Dict[str, Any]) -> Dict[str, Any]:
    policy = i["policy"]
    allowance = i.get("permit2_allowance")
    chosen = pay402.x402_choose(
        _raw(i, "payment_required"),
        networks=policy["networks"],
        evm_assets=policy.get("evm_assets", []),
        svm_assets=policy.get("svm_assets", []),
        schemes=policy.get("schemes"),
        max_amount=int(policy["max_amount"]),
        permit2_allowance=None if allowance is None else int(allowance),
    )
    if chosen.kind == "exact_svm":
        chain = i["svm_chain"]
        paid = pay402.x402_pay_svm(
            _raw(i, "payment_required"),
            i["svm_seed_hex"],
            recent_blockhash=chain["recent_blockhash"],
            decimals=chain["decimals"],
            token_program=chain["token_program"],
            memo_nonce=i["memo_nonce_hex"],
            accept_index=chosen.index,
        )
    else:
        paid = pay402.x402_pay_evm(
            _raw(i, "payment_required"), i["private_key_hex"], now=i["now"], nonce=i["nonce"], accept_index=chosen.index
        )
    return {
        "index": chosen.index,
        "kind": chosen.kind,
        "asset": chosen.asset,
        "amount": str(chosen.amount),
        "payment": paid.header_value,
    }


def x402_paid_response(i: Dict[str, Any]) -> Dict[str, Any]:
    headers = [(n, v) for n, v in i.get("headers", [])]
    a = pay402.x402_paid_response(i["status"], headers, i.get("body", "").encode())
    if a.verdict == "served":
        amount = None if a.settled_amount is None else str(a.settled_amount)
        return {"verdict": a.verdict, "settled_amount": amount, "transaction": a.transaction}
    if a.verdict == "refused":
        return {
            "verdict": a.verdict,
            "code": a.code,
            "detail_code": a.detail_code,
            "message": a.message,
            "definitive": a.definitive,
        }
    return {"verdict": a.verdict}


# --- EVM ------------------------------------------------------------------------------------


def _typed(i: Dict[str, Any]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    return i["domain"], i["message"]


def evm_eip3009_digest(i: Dict[str, Any]) -> Dict[str, Any]:
    h = pay402.eip3009_digest(*_typed(i))
    return {
        "domain_separator": _0x(h.domain_separator),
        "struct_hash": _0x(h.struct_hash),
        "digest": _0x(h.digest),
    }


def evm_eip3009_sign(i: Dict[str, Any]) -> Dict[str, Any]:
    key = i["private_key_hex"]
    sig = pay402.eip3009_sign(key, *_typed(i))
    return {"signature": _0x(sig), "address": pay402.private_key_to_address(key)}


def evm_recover(i: Dict[str, Any]) -> Dict[str, Any]:
    policy = i.get("policy", "strict")
    return {"address": pay402.recover_address(i["digest"], i["signature"], policy=policy)}


def evm_permit2_digest(i: Dict[str, Any]) -> Dict[str, Any]:
    h = pay402.permit2_digest(i["chainId"], i["permit"])
    return {
        "domain_separator": _0x(h.domain_separator),
        "struct_hash": _0x(h.struct_hash),
        "digest": _0x(h.digest),
    }


def evm_tx_sign(i: Dict[str, Any]) -> Dict[str, Any]:
    t = pay402.sign_eip1559_transaction(i["tx"], i["private_key_hex"])
    return {"raw": _0x(t.raw), "hash": _0x(t.hash), "from": t.from_}


def x402_settle_calldata(i: Dict[str, Any]) -> Dict[str, Any]:
    amount = i.get("settle_amount")
    call = pay402.x402_settle_calldata(
        _raw(i, "requirements"), i["payment"], None if amount is None else _int(amount)
    )
    return {"to": call.to, "data": _0x(call.data)}


def x402_settle_terms(i: Dict[str, Any]) -> Dict[str, Any]:
    t = pay402.x402_settle_terms(i["body"])
    return {"requirements": json.loads(t.requirements), "charge": None if t.charge is None else str(t.charge)}


def x402_settle_outcome(i: Dict[str, Any]) -> Dict[str, Any]:
    amount = i.get("amount")
    s = pay402.EvmSettlement(i["network"], i["payer"], i["method"], None if amount is None else _int(amount))
    end = None
    for step in i["steps"]:
        ((name, value),) = step.items()
        if name == "refused":
            end = s.refused(value["reason"], value.get("message"))
        elif name == "without_transaction":
            end = s.without_transaction()
        elif name == "submitted":
            end = s.submitted(value)
        elif name in ("confirmed", "reverted"):
            end = getattr(s, name)()
        else:
            end = getattr(s, name)(value)
    assert end is not None and s.phase == "ended", "bad_vector_input:steps"
    return {"response": json.loads(end.json), "verdict": end.verdict}


def evm_erc20_transfer(i: Dict[str, Any]) -> Dict[str, Any]:
    return {"data": "0x" + pay402.erc20_transfer_calldata(i["to"], _int(i["amount"])).hex()}


def x402_refund_order(i: Dict[str, Any]) -> Dict[str, Any]:
    o = pay402.RefundOrder.for_session(bytes.fromhex(i["session_id"]), i["network"], i["asset"], i["to"],
                                       _int(i["amount"]))
    return {"key": o.key.hex(), "network": o.network, "asset": o.asset.lower(), "to": o.to.lower(),
            "amount": str(o.amount), "tx_to": o.tx_to.lower(), "tx_value": str(o.tx_value),
            "calldata": "0x" + bytes(o.calldata).hex()}


def x402_refund_outcome(i: Dict[str, Any]) -> Dict[str, Any]:
    o = i["order"]
    order = pay402.RefundOrder(bytes(32), o["network"], o["asset"], o["to"], _int(o["amount"]))
    r = pay402.Refund(order)
    end = None
    for step in i["steps"]:
        ((name, value),) = step.items()
        if name == "resume":
            r = pay402.Refund(order, value)
        elif name in ("confirmed", "reverted"):
            end = getattr(r, name)()
        elif name in ("send_failed", "submitted", "receipt_unavailable"):
            end = getattr(r, name)(value)
        else:
            raise AssertionError("bad_vector_input:steps")
    assert end is not None and r.phase == "ended", "bad_vector_input:steps"
    return {"verdict": end.verdict, "result": json.loads(end.json)}


def svm_settle_outcome(i: Dict[str, Any]) -> Dict[str, Any]:
    s = pay402.SvmSettlement(i["network"], i["payer"])
    end = None
    for step in i["steps"]:
        ((name, value),) = step.items()
        if name == "refused":
            end = s.refused(value["reason"], value.get("message"))
        elif name in ("duplicate", "confirmed"):
            end = getattr(s, name)()
        elif name in ("simulation_failed", "simulation_error", "send_failed", "submitted", "failed", "confirmation_timeout"):
            end = getattr(s, name)(value)
        else:
            raise AssertionError("bad_vector_input:steps")
    assert end is not None and s.phase == "ended", "bad_vector_input:steps"
    return {"response": json.loads(end.json), "verdict": end.verdict}


def svm_cosign(i: Dict[str, Any]) -> Dict[str, Any]:
    c = pay402.svm_cosign(base64.b64decode(i["transaction"]), i["fee_payer_seed_hex"])
    return {"transaction": base64.b64encode(c.transaction).decode(), "signature": c.signature}


def x402_settle_revert_reason(i: Dict[str, Any]) -> Dict[str, Any]:
    return {"reason": pay402.x402_settle_revert_reason(i["revert"])}


# --- macaroons ------------------------------------------------------------------------------


def _text(b: bytes) -> str:
    return b.decode("utf-8", errors="replace")


def macaroon_decode(i: Dict[str, Any]) -> Dict[str, Any]:
    m = pay402.Macaroon.decode(i["token"])
    caveats: List[Dict[str, Any]] = []
    for c in m.caveats:
        o: Dict[str, Any] = {"id_hex": _hex(c.id)}
        if c.vid is not None:
            o["vid_hex"] = _hex(c.vid)
        if c.location is not None:
            o["location"] = _text(c.location)
        caveats.append(o)
    return {
        "version": m.version,
        "location": m.location,
        "identifier_hex": _hex(m.identifier),
        "caveats": caveats,
        "signature_hex": _hex(m.signature),
    }


def macaroon_mint(i: Dict[str, Any]) -> Dict[str, Any]:
    m = pay402.Macaroon.mint(
        bytes.fromhex(i["root_key_hex"]),
        bytes.fromhex(i["identifier_hex"]),
        i["location"],
        i["caveats"],
    )
    return {"signature_hex": _hex(m.signature), "v2_base64": m.serialize()}


def macaroon_verify(i: Dict[str, Any]) -> Dict[str, Any]:
    m = pay402.Macaroon.decode(i["token"])
    discharges = [pay402.Macaroon.decode(t) for t in i.get("discharges", [])]
    m.verify(
        bytes.fromhex(i["root_key_hex"]),
        discharges=discharges,
        accept=i.get("accept", []),
        mode=i.get("mode", "strict"),
    )
    return {}


def macaroon_bind(i: Dict[str, Any]) -> Dict[str, Any]:
    sig = pay402.bind_for_request(i["root_signature_hex"], i["discharge_signature_hex"])
    return {"signature_hex": _hex(sig)}


# --- BOLT11 ---------------------------------------------------------------------------------


def bolt11_decode(i: Dict[str, Any]) -> Dict[str, Any]:
    policy = i.get("policy") or {}
    inv = pay402.bolt11_decode(
        i["invoice"], require_payment_secret=policy.get("require_payment_secret", True)
    )
    out: Dict[str, Any] = {
        "network": inv.network,
        "amount_msat": inv.amount_msat,
        "timestamp": inv.timestamp,
        "payment_hash_hex": _hex(inv.payment_hash),
    }
    if inv.payment_secret is not None:
        out["payment_secret_hex"] = _hex(inv.payment_secret)
    if inv.description is not None:
        out["description"] = inv.description
    if inv.description_hash is not None:
        out["description_hash_hex"] = _hex(inv.description_hash)
    out["expiry"] = inv.expiry
    out["min_final_cltv_expiry"] = inv.min_final_cltv_expiry
    out["payee_hex"] = _hex(inv.payee)
    if inv.features is not None:
        out["features_hex"] = _hex(inv.features)
    if inv.metadata is not None:
        out["metadata_hex"] = _hex(inv.metadata)
    out["fallbacks"] = [
        {"version": f.version, "program_hex": _hex(f.program)} for f in inv.fallbacks
    ]
    out["route_hints"] = [
        [
            {
                "src_node_id_hex": _hex(h.src_node_id),
                "short_channel_id_hex": h.short_channel_id.to_bytes(8, "big").hex(),
                "fee_base_msat": h.fee_base_msat,
                "fee_proportional_millionths": h.fee_proportional_millionths,
                "cltv_expiry_delta": h.cltv_expiry_delta,
            }
            for h in hint
        ]
        for hint in inv.route_hints
    ]
    return out


# --- L402 -----------------------------------------------------------------------------------


def _strings(i: Dict[str, Any], key: str) -> List[str]:
    """A string or an array of strings (the Rust runner's `strings`)."""
    v = i.get(key)
    if isinstance(v, str):
        return [v]
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return list(v)
    raise BadInput(key)


def l402_challenge_parse(i: Dict[str, Any]) -> Dict[str, Any]:
    found = pay402.l402_parse_challenges(_strings(i, "headers"))
    return {
        "challenges": [
            {"scheme": c.scheme, "macaroon": c.macaroon, "invoice": c.invoice} for c in found
        ]
    }


def l402_challenge_encode(i: Dict[str, Any]) -> Dict[str, Any]:
    return {"headers": pay402.l402_encode_challenges(i["macaroon"], i["invoice"])}


def l402_authorization_parse(i: Dict[str, Any]) -> Dict[str, Any]:
    cred = pay402.l402_parse_authorization(i["header"])
    return {
        "scheme": cred.scheme,
        "macaroons": cred.macaroons,
        "preimage_hex": cred.preimage_hex,
    }


def l402_verify(i: Dict[str, Any]) -> Dict[str, Any]:
    root_key = bytes.fromhex(i["root_key_hex"])
    if len(root_key) != 32:
        raise BadInput("root_key_hex")
    # The Rust runner's store answers every lookup with the one root key.
    ident = pay402.l402_verify(
        _strings(i, "authorization"),
        lambda _root_key_id: root_key,
        service=i["service"],
        capability=i.get("capability"),
        now=i["now"],
    )
    return {"payment_hash_hex": _hex(ident.payment_hash), "token_id_hex": _hex(ident.token_id)}


def l402_mint(i: Dict[str, Any]) -> Dict[str, Any]:
    caveats = _strings(i, "caveats") if "caveats" in i else []
    mac = pay402.l402_mint(
        bytes.fromhex(i["root_key_hex"]),
        pay402.L402Identifier(i["payment_hash_hex"], i["token_id_hex"]),
        caveats=caveats,
        location=i.get("location") or "lsat",
    )
    return {"token": mac.serialize(), "signature_hex": _hex(mac.signature)}


# --- offers ---------------------------------------------------------------------------------


def offers_decode(i: Dict[str, Any]) -> Dict[str, Any]:
    body = pay402.offers_decode(i["body"])
    # The canonical re-encoding must decode to the same value (as the Rust runner checks).
    again = pay402.offers_decode(body.json)
    if again != body:
        raise AssertionError("canonical re-encoding decodes differently")
    offers = []
    for o in body.offers:
        d: Dict[str, Any] = {
            "id": o.id,
            "title": o.title,
            "description": o.description,
            "amount": o.amount,
            "currency": o.currency,
            "type": o.type,
        }
        if o.balance is not None:
            d["balance"] = o.balance
        if o.duration is not None:
            d["duration"] = o.duration
        d["payment_methods"] = list(o.payment_methods)
        offers.append(d)
    return {
        "version": body.version,
        "payment_request_url": body.payment_request_url,
        "payment_context_token": body.payment_context_token,
        "offers": offers,
        "terms_url": body.terms_url,
    }


# --- WS402 ----------------------------------------------------------------------------------


def ws402_meter(i: Dict[str, Any]) -> Dict[str, Any]:
    meter = pay402.Meter(
        price_per_second=_int(i["price_per_second"]),
        paid=_int(i["paid"]),
        max_session_seconds=i["max_session_seconds"],
        start_ms=i["start_ms"],
    )
    for e in i["events"]:
        kind = e["kind"]
        if kind in ("bytes_in", "bytes_out") and "n" not in e:
            raise BadInput("n")
        meter.on_event(e["at_ms"], kind, e.get("n"))
        # Persist and resume between events: a resumed session must meter identically.
        meter = pay402.Meter.from_bytes(meter.to_bytes())
    end = meter.end
    return {
        "consumed": str(meter.consumed),
        "refund": str(meter.remaining),
        "ended_by": end.reason if end else None,
        "ended_at_ms": end.at_ms if end else None,
        "close_code": end.close_code if end else None,
        "bytes_in": meter.bytes_in,
        "bytes_out": meter.bytes_out,
        "messages": meter.messages,
    }


_SESSION_EVENTS = (
    "tick",
    "client_close",
    "server_close",
    "server_error",
    "suspend",
    "resume",
    "grace_expired",
    "bytes_in",
    "bytes_out",
    "message",
)


def ws402_session(i: Dict[str, Any]) -> Dict[str, Any]:
    """The tariff meter (the Rust runner's `ops/ws402.rs` `session`): one step per event, a
    refused event's error code as its step."""
    t = i["tariff"]
    prices = {k: _int(t[k]) for k in ("per_second", "per_byte_in", "per_byte_out", "per_message") if k in t}
    meter = pay402.TariffMeter(
        paid=_int(i["paid"]),
        max_session_seconds=i["max_session_seconds"],
        start_ms=i["start_ms"],
        deadline_ms=i.get("deadline_ms"),
        **prices,
    )
    steps: List[str] = []
    for e in i["events"]:
        kind = e["kind"]
        if kind not in _SESSION_EVENTS + ("may_send", "serve_http"):
            raise BadInput("kind")
        if kind in ("bytes_in", "bytes_out", "may_send", "serve_http") and "n" not in e:
            raise BadInput("n")
        try:
            if kind == "may_send":
                out = meter.may_send(e["at_ms"], e["n"], e.get("messages", 1))
                steps.append("send" if out.status == "running" else out.status)
            elif kind == "serve_http":
                out = meter.serve_http(e["at_ms"], e["n"])
                steps.append("serve" if out.status == "running" else out.status)
            else:
                steps.append(meter.on_event(e["at_ms"], kind, e.get("n")).status)
        except pay402.Ws402Error as err:
            steps.append(err.code)
    end = meter.end
    return {
        "consumed": str(meter.consumed),
        "refund": str(meter.remaining),
        "ended_by": end.reason if end else None,
        "ended_at_ms": end.at_ms if end else None,
        "close_code": end.close_code if end else None,
        "active_ms": meter.active_ms,
        "suspended": meter.suspended,
        "bytes_in": meter.bytes_in,
        "bytes_out": meter.bytes_out,
        "messages": meter.messages,
        "steps": steps,
    }


# --- WS402 wire (ws402wire) ----------------------------------------------------------------


def ws402_message_decode(i: Dict[str, Any]) -> Dict[str, Any]:
    f = pay402.ws402_message_frame(i["frame"])
    return {"type": f.message_type, "frame": f.frame}


def ws402_message_encode(i: Dict[str, Any]) -> Dict[str, Any]:
    amounts = i.get("amounts", "string")
    if amounts not in ("string", "number_when_safe"):
        raise BadInput("amounts")
    return {"frame": pay402.ws402_message_frame(_raw(i, "message"), amounts).frame}


def ws402_resume_token(i: Dict[str, Any]) -> Dict[str, Any]:
    payer = i["payer"]
    args = (i["secret_hex"], i["session_id_hex"], payer["kind"], payer["hex"])
    if "presented" in i:
        pay402.ws402_check_resume_token(*args, i["presented"])
    return {"token": pay402.ws402_resume_token(*args)}


def _client_event(e: Any) -> Dict[str, Any]:
    fields = {
        "started": ("balance", "price_per_second"),
        "usage": ("elapsed_seconds", "consumed", "remaining", "bytes_transferred", "message_count"),
        "balance_exhausted": ("message",),
        "max_duration_reached": ("message",),
        "http_access_granted": ("http_token", "resource_url", "message"),
        "payment_rejected": ("reason",),
        "resume_refused": ("reason",),
        "resumed": ("consumed", "remaining"),
        "ended": ("session_id", "ended_by", "paid", "consumed", "settled", "refund", "payer", "settlement_tx",
                  "refund_tx"),
    }.get(e.kind, ())
    counters = ("elapsed_seconds", "bytes_transferred", "message_count")
    out: Dict[str, Any] = {"kind": e.kind}
    for f in fields:
        v = getattr(e, f)
        out[f] = str(v) if isinstance(v, int) and f not in counters else v
    return out


def ws402_client(i: Dict[str, Any]) -> Dict[str, Any]:
    s = pay402.Ws402ClientSession(int(i["authorized"]), int(i["price_per_second"]))
    steps: List[Dict[str, Any]] = []
    for step in i["steps"]:
        out: Dict[str, Any]
        try:
            if "frame" in step:
                out = {"event": _client_event(s.on_text(step["frame"]))}
            elif step["write"] == "payment_proof":
                out = {"frame": s.write_payment_proof(step["header_value"])}
            elif step["write"] == "end_session":
                out = {"frame": s.write_end_session()}
            else:
                out = {"frame": s.write_resume_session()}
        except pay402.Ws402Error as err:
            out = {"error": err.code}
        out["state"] = {
            "phase": s.phase,
            "balance": str(s.balance),
            "consumed": str(s.consumed),
            "remaining": str(s.remaining),
            "session_id": s.session_id,
            "resume_token": s.resume_token,
        }
        steps.append(out)
    return {"steps": steps}


class _Refused(Exception):
    """A verdict the core returns rather than raises (an HTTP grant refusal): its code is the case's error."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def ws402_grant_issue(i: Dict[str, Any]) -> Dict[str, Any]:
    return {"token": pay402.ws402_grant_issue(i["secret_hex"], i["session_id_hex"], i["resource_url"],
                                              i["generation"], i["expires_ms"])}


def ws402_grant_check(i: Dict[str, Any]) -> Dict[str, Any]:
    s = i["session"]
    v = pay402.ws402_grant_check(i["secret_hex"], i["authorization"], i["resource_url"], i["now_ms"],
                                 s["session_id_hex"], s["phase"], s["generation"])
    if v.code is not None:
        raise _Refused(v.code)
    assert v.status == 200 and v.granted and v.session_id is not None
    assert pay402.ws402_grant_lookup_id(i["authorization"]) == v.session_id, "lookup_id disagrees"
    return {"session_id_hex": v.session_id.hex(), "generation": v.generation, "expires_ms": v.expires_ms}


def ws402_grant_refusal(i: Dict[str, Any]) -> Dict[str, Any]:
    try:
        status, body = pay402.Ws402Server.grant_refusal_body(i["code"], i["schema_url"])
    except ValueError:
        raise BadInput("code")
    return {"status": status, "code": i["code"], "body": body}


def _json_or_empty(body: Any) -> Any:
    return json.loads(bytes(body)) if body else {}


def _refused_body(body: Any) -> Dict[str, Any]:
    """A refusal's body without its ``errorMessage`` (free text, not pinned by the vectors) and
    ``body_message``: whether that was a non-empty string (tests/conformance/vectors/README.md)."""
    parsed = _json_or_empty(body)
    message = parsed.get("errorMessage") if isinstance(parsed, dict) else None
    present = isinstance(message, str) and message != ""
    if present:
        del parsed["errorMessage"]
    return {"body": parsed, "body_message": present}


def _protocol_headers(headers: Any) -> List[List[str]]:
    """The x402 headers of a reply (the vectors hold those; Content-Type is HTTP framing)."""
    return [list(h) for h in headers if h[0].lower() != "content-type"]


def server_admit(i: Dict[str, Any]) -> Dict[str, Any]:
    """The resource server's admission, then the exchange's reservation step with the case's
    replay state (the Rust runner's `ops/server.rs`)."""
    server = pay402.X402Server(i["offers"], i["resource"])
    outcome = server.admit([(str(k), str(v)) for k, v in i["headers"]], int(i["now"]))
    if isinstance(outcome, pay402.Reply):
        return {
            "admitted": False,
            "status": outcome.status,
            "code": outcome.code,
            "detail_code": outcome.detail_code,
            "headers": _protocol_headers(outcome.headers),
            **_refused_body(outcome.body),
        }
    reserved = {str(k).lower() for k in i.get("reserved", [])}
    step = server.exchange(outcome).reserved(_0x(outcome.replay_key).lower() not in reserved)
    if step.action == "refuse_replay":
        return {
            "admitted": False,
            "status": step.status,
            "code": "payment_already_used",
            "detail_code": None,
            "headers": _protocol_headers(step.headers),
            **_refused_body(step.body),
        }
    assert step.action in ("run_handler", "settle"), step.action
    return {
        "admitted": True,
        "offer_index": outcome.offer_index,
        "x402Version": outcome.x402_version,
        "payer": outcome.payer,
        "kind": "evm" if outcome.payer.startswith("0x") else "svm",
        "amount": str(outcome.amount),
        "replay_key": _0x(outcome.replay_key),
        "ttl": outcome.ttl,
    }


def x402_offer_terms(i: Dict[str, Any]) -> Dict[str, Any]:
    """A seller's payment option resolved by the core through ``X402Server``: the v2 requirements
    entry of its challenge (the Rust runner's ``ops/terms.rs``)."""
    server = pay402.X402Server([i["option"]], {"url": "https://api.example.com/resource"})
    header = dict(server.challenge(None).headers)["PAYMENT-REQUIRED"]
    return {"requirements": json.loads(base64.b64decode(header))["accepts"][0]}


# --- on-chain proofs ----------------------------------------------------------------------------


def _onchain(p: "pay402.OnchainPayment") -> Dict[str, Any]:
    return {"tx_key": p.tx_key, "payer": p.payer, "amount": str(p.amount)}


def onchain_evm_verify(i: Dict[str, Any]) -> Dict[str, Any]:
    return _onchain(
        pay402.verify_evm_transaction(
            i["receipt_json"],
            i["block_json"],
            i["head_json"],
            i.get("transaction_json"),
            chain_id=i["chain_id"],
            tx_hash=i["tx_hash"],
            asset=i["asset"],
            pay_to=i["pay_to"],
            min_amount=_int(i["min_amount"]),
            max_age_secs=i.get("max_age_secs"),
            min_confirmations=i["min_confirmations"],
            now=i["now"],
        )
    )


def onchain_svm_verify(i: Dict[str, Any]) -> Dict[str, Any]:
    asset = i["asset"]
    token = asset != "native"
    return _onchain(
        pay402.verify_svm_transaction(
            i["result_json"],
            fetched_at=i["fetched_at"],
            signature=i["signature"],
            mint=asset["mint"] if token else None,
            token_program=asset["token_program"] if token else None,
            pay_to=i["pay_to"],
            min_amount=_int(i["min_amount"]),
            reference=i.get("reference"),
            max_age_secs=i.get("max_age_secs"),
            min_commitment=i["min_commitment"],
            now=i["now"],
        )
    )


def payper402_payment(i: Dict[str, Any]) -> "pay402.OnchainPayment":
    """The `onchain.payper402.verify` case input through ``pay402.verify_payper402``."""
    return pay402.verify_payper402(
        i["challenge"],
        i["decimals"],
        i["signature"],
        i["result_json"],
        fetched_at=i["fetched_at"],
        mint=i["mint"],
        token_program=i["token_program"],
        pay_to=i["pay_to"],
        reference=i.get("reference"),
        max_age_secs=i.get("max_age_secs"),
        min_commitment=i["min_commitment"],
        now=i["now"],
    )


def onchain_payper402_verify(i: Dict[str, Any]) -> Dict[str, Any]:
    return _onchain(payper402_payment(i))


# --- smart-wallet payers ------------------------------------------------------------------------


def evm_signature_route(i: Dict[str, Any]) -> Dict[str, Any]:
    r = pay402.route_signature(i["signature"], i["code"], allowed_factories=i["allowed_factories"])
    out: Dict[str, Any] = {"route": r.route, "signature": _0x(r.signature)}
    if r.delegate is not None:
        out["delegate"] = r.delegate
    if r.factory is not None:
        out["factory"] = r.factory
    if r.factory_calldata is not None:
        out["factory_calldata"] = _0x(r.factory_calldata)
    return out


# --- the paywall page (pay402::page; the Rust runner's ops/page.rs) ---
def page_presentation(i: Dict[str, Any]) -> Dict[str, Any]:
    policy = i.get("policy") or {}
    answer = pay402.page_presentation(
        i["method"],
        [(n, v) for n, v in i["headers"]],
        enabled=policy.get("enabled", True),
        require_mozilla_user_agent=policy.get("require_mozilla_user_agent", False),
    )
    return {"presentation": answer}


def page_theme(i: Dict[str, Any]) -> Dict[str, Any]:
    c = i["colors"]
    pay402.page_theme_validate(
        title=i["title"], background=c["background"], text=c["text"], accent=c["accent"],
        accent_text=c["accentText"], lang=i["lang"], logo=i.get("logo"),
    )
    return {}
# --- end of the paywall page ---


OPS: Dict[str, Callable[[Dict[str, Any]], Dict[str, Any]]] = {
    "x402.roundtrip": x402_roundtrip,
    "x402.decode": x402_decode,
    "x402.verify": x402_verify,
    "x402.sign": x402_sign,
    "x402.select": x402_select,
    "x402.typed_data": x402_typed_data,
    "x402.wallet_sign": x402_wallet_sign,
    "svm.build": svm_build,
    "x402.svm_payment": x402_svm_payment,
    "x402.client_pay": x402_client_pay,
    "x402.paid_response": x402_paid_response,
    "evm.eip3009.digest": evm_eip3009_digest,
    "evm.eip3009.sign": evm_eip3009_sign,
    "evm.recover": evm_recover,
    "evm.permit2.digest": evm_permit2_digest,
    "evm.tx.sign": evm_tx_sign,
    "x402.settle.calldata": x402_settle_calldata,
    "x402.settle.outcome": x402_settle_outcome,
    "x402.settle.terms": x402_settle_terms,
    "evm.erc20.transfer": evm_erc20_transfer,
    "x402.refund.order": x402_refund_order,
    "x402.refund.outcome": x402_refund_outcome,
    "x402.settle.revert_reason": x402_settle_revert_reason,
    "svm.cosign": svm_cosign,
    "svm.settle.outcome": svm_settle_outcome,
    "macaroon.decode": macaroon_decode,
    "macaroon.mint": macaroon_mint,
    "macaroon.verify": macaroon_verify,
    "macaroon.bind": macaroon_bind,
    "bolt11.decode": bolt11_decode,
    "l402.challenge.parse": l402_challenge_parse,
    "l402.challenge.encode": l402_challenge_encode,
    "l402.authorization.parse": l402_authorization_parse,
    "l402.verify": l402_verify,
    "l402.mint": l402_mint,
    "offers.decode": offers_decode,
    "ws402.meter": ws402_meter,
    "ws402.session": ws402_session,


    "ws402.message.decode": ws402_message_decode,
    "ws402.message.encode": ws402_message_encode,
    "ws402.resume_token": ws402_resume_token,
    "ws402.grant.issue": ws402_grant_issue,
    "ws402.grant.check": ws402_grant_check,
    "ws402.grant.refusal": ws402_grant_refusal,
    "ws402.grant.charge": ws402_session,
    "ws402.client": ws402_client,
    "server.admit": server_admit,
    "x402.offer_terms": x402_offer_terms,
    "page.presentation": page_presentation,
    "page.theme": page_theme,
    "onchain.evm.verify": onchain_evm_verify,
    "onchain.svm.verify": onchain_svm_verify,
    "onchain.payper402.verify": onchain_payper402_verify,
    "evm.signature.route": evm_signature_route,
}


# Core ops the Python binding does not export yet: their cases are skipped by name, with this
# reason, and run by the Rust conformance runner (tests/conformance/runner). An op leaves this
# table when the binding exposes it (test_vectors.py refuses an op that is in both tables).
NOT_EXPOSED: Dict[str, str] = {
    "ws402.record.seal": "sealed WS402 session records are made by the core's session machine; not bound yet",
    "ws402.record.open": "sealed WS402 session records are made by the core's session machine; not bound yet",
    "page.offers": "the browser page's paying-side decisions: the Python package serves the page, which pays in the browser (the paywall wasm runs them)",
    "page.balance_covers": "the browser page's paying-side decisions: the Python package serves the page, which pays in the browser (the paywall wasm runs them)",
    "page.erc20_balance_call": "the browser page's paying-side decisions: the Python package serves the page, which pays in the browser (the paywall wasm runs them)",
    "page.svm_mint": "the browser page's paying-side decisions: the Python package serves the page, which pays in the browser (the paywall wasm runs them)",
}


def run(op: str, input: Dict[str, Any], raw_input: Any = None) -> Outcome:
    """Runs one op; a pay402 error becomes its code, an unknown op `unsupported op`.
    `raw_input` is the same input loaded with number text preserved."""
    fn = OPS.get(op)
    if fn is None:
        return (False, "unsupported op")
    try:
        return (True, fn(dict(input, __raw__=raw_input if raw_input is not None else input)))
    except (pay402.Error, _Refused) as e:
        return (False, e.code)


def _is_address(v: Any) -> bool:
    return (
        isinstance(v, str)
        and len(v) == 42
        and v.startswith("0x")
        and all(c in "0123456789abcdefABCDEF" for c in v[2:])
    )


def values_match(want: Any, have: Any) -> bool:
    """Exact JSON equality, except that EVM addresses compare case-insensitively."""
    if _is_address(want) and _is_address(have):
        return bool(want.lower() == have.lower())
    if isinstance(want, list) and isinstance(have, list):
        return len(want) == len(have) and all(values_match(a, b) for a, b in zip(want, have))
    if isinstance(want, dict) and isinstance(have, dict):
        return len(want) == len(have) and all(
            k in have and values_match(v, have[k]) for k, v in want.items()
        )
    if isinstance(want, bool) or isinstance(have, bool):
        return want is have
    return bool(want == have)


def check(expect: Dict[str, Any], got: Outcome) -> None:
    """Raises AssertionError with the Rust runner's wording when `got` misses `expect`."""
    ok, value = got
    if "ok" in expect and "error" not in expect:
        if not ok:
            raise AssertionError(f"expected ok {_compact(expect['ok'])}, got error {value}")
        for key, want in expect["ok"].items():
            if key not in value:
                raise AssertionError(f"expected {key} = {_compact(want)}, got no {key}")
            if not values_match(want, value[key]):
                raise AssertionError(
                    f"expected {key} = {_compact(want)}, got {_compact(value[key])}"
                )
    elif "error" in expect and "ok" not in expect:
        want = expect["error"]
        if ok:
            raise AssertionError(f"expected error {want}, got ok {_compact(value)}")
        if want != "*" and want != value:
            raise AssertionError(f"expected error {want}, got error {value}")
    else:
        raise AssertionError("expected exactly one of `expect.ok` / `expect.error`")


def vector_files() -> List[Path]:
    """Every ``vectors/*.json``."""
    return sorted(VECTOR_DIR.glob("*.json"))


def load_cases() -> List[Tuple[str, str, Dict[str, Any], Any]]:
    """(file name, case id, case, raw input) for every case of every vector file."""
    cases = []
    for path in sorted(vector_files()):
        text = path.read_text(encoding="utf-8")
        doc = json.loads(text)
        raw = _load_raw(text)
        suite = doc["suite"]
        for n, (case, raw_case) in enumerate(zip(doc["cases"], raw["cases"])):
            cases.append((path.name, f"{suite}/{n:04d}", case, raw_case.get("input")))
    return cases
