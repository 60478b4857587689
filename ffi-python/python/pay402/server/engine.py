"""The x402 server engine: prepared offers, challenge, admission and the exactly-once exchange.

``X402Server`` comes from the core when the extension module has it; until then this module
provides the same interface for ``exact`` EIP-3009 offers (the only scheme the older core
binding verifies on the server side), so that the adapters are written once against it.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from .. import _native

__all__ = ["X402Server", "Exchange", "Admitted", "EngineReply", "Step", "NATIVE"]

NATIVE = hasattr(_native, "X402Server")

Headers = List[Tuple[str, str]]


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


class EngineReply:
    def __init__(self, status: int, code: str, headers: Headers, body: Optional[bytes], message: str = "", detail_code: Optional[str] = None) -> None:
        self.status, self.code, self.headers, self.body = status, code, headers, body
        self.message, self.detail_code = message, detail_code


class Admitted:
    def __init__(self, **kw: Any) -> None:
        self.__dict__.update(kw)

    offer_index: int
    x402_version: int
    payer: str
    amount: int
    replay_key: bytes
    ttl: int
    payment: str
    requirements: str


class Step:
    def __init__(self, action: str, status: int = 0, headers: Optional[Headers] = None, body: Optional[bytes] = None) -> None:
        self.action, self.status, self.headers, self.body = action, status, headers or [], body


_V1_NAMES = (
    "ethereum", "sepolia", "abstract", "abstract-testnet", "base-sepolia", "base", "peaq",
    "avalanche-fuji", "avalanche", "iotex", "sei", "sei-testnet", "polygon", "polygon-amoy",
    "story", "educhain", "skale-base-sepolia", "megaeth", "monad", "stable", "stable-testnet",
    "xdc", "xrpl-evm", "celo", "celo-sepolia",
)


def _v1_name(chain_id: int) -> Optional[str]:
    for name in _V1_NAMES:
        resolved = _native.resolve_network(name)
        if resolved is not None and resolved[1] == chain_id:
            return name
    return None


class _PyServer:
    """``exact`` EIP-3009 only (see the module docstring)."""

    def __init__(self, offers: Sequence[Dict[str, Any]], resource: Dict[str, Any]) -> None:
        if not offers:
            raise _native.X402Error("no offers") if False else ValueError("no offers")
        self.resource = resource
        self.v2: List[Dict[str, Any]] = []
        self.v1: List[Optional[Dict[str, Any]]] = []
        for o in offers:
            if o.get("scheme") != "exact" or o.get("transfer_method") not in (None, "eip3009") or o.get("fee_payer"):
                raise ValueError(f"this core binding serves exact EIP-3009 offers only, not {o.get('scheme')!r} {o.get('transfer_method') or o.get('network')}")
            caip2, chain_id = _native.resolve_network(o["network"]) or (None, None)
            if chain_id is None:
                raise ValueError(f"unknown EVM network {o['network']!r}")
            extra = {"name": o["eip712_name"], "version": o["eip712_version"]}
            v2 = {"scheme": "exact", "network": caip2, "amount": str(o["amount"]), "asset": o["asset"],
                  "payTo": o["pay_to"], "maxTimeoutSeconds": int(o["max_timeout_seconds"]), "extra": extra}
            self.v2.append(v2)
            name = _v1_name(chain_id)
            self.v1.append(None if name is None else {
                "scheme": "exact", "network": name, "maxAmountRequired": str(o["amount"]),
                "resource": resource.get("url", ""), "description": resource.get("description", ""),
                "mimeType": resource.get("mime_type", ""), "payTo": o["pay_to"],
                "maxTimeoutSeconds": int(o["max_timeout_seconds"]), "asset": o["asset"], "extra": extra})

    def _challenge(self, error: str, status: int = 402) -> EngineReply:
        required = {"x402Version": 2, "error": error,
                    "resource": {"url": self.resource.get("url", ""), "description": self.resource.get("description", ""),
                                 "mimeType": self.resource.get("mime_type", "")},
                    "accepts": self.v2}
        headers = [("PAYMENT-REQUIRED", _native.x402_encode_header(_json(required)))]
        v1 = [a for a in self.v1 if a is not None]
        body = _json({"x402Version": 1, "error": error, "accepts": v1}).encode() if v1 else None
        return EngineReply(status, error, headers, body)

    def challenge(self, error: Optional[str] = None) -> EngineReply:
        return self._challenge(error or "payment_required")

    def admit(self, headers: Sequence[Tuple[str, str]], now: int) -> Union[Admitted, EngineReply]:
        v2 = next((v for k, v in headers if k.lower() == "payment-signature"), None)
        v1 = next((v for k, v in headers if k.lower() == "x-payment"), None)
        header, version = (v2, 2) if v2 is not None else (v1, 1)
        if header is None:
            return self._challenge("payment_required")
        first: Optional[_native.Error] = None
        for i, (r2, r1) in enumerate(zip(self.v2, self.v1)):
            req = r2 if version == 2 else r1
            if req is None:
                continue
            try:
                verified = _native.verify_payment(_json(req), header, now=now)
            except _native.Error as e:
                first = first or e
                continue
            if verified.x402_version != version:
                continue
            payload = _native.decode_payment_payload(header).json
            ttl = max(1, verified.valid_before - now + 6 + 1)
            return Admitted(offer_index=i, x402_version=version, payer=verified.payer, amount=verified.amount,
                            replay_key=verified.replay_key, ttl=ttl, payment=payload, requirements=_json(req))
        code = first.code if first is not None else "invalid_x402_version"
        reply = self._challenge(code)
        reply.detail_code = first.detail_code if first is not None else None
        reply.message = first.message if first is not None else ""
        return reply

    def exchange(self, admitted: Admitted, settle_before_handler: bool = False) -> "_PyExchange":
        return _PyExchange(self, admitted, settle_before_handler)


class _PyExchange:
    def __init__(self, server: _PyServer, admitted: Admitted, before: bool) -> None:
        self.server, self.admitted, self.before = server, admitted, before
        self.replay_key, self.ttl = admitted.replay_key, admitted.ttl
        self.attempt = 0
        self.status: Optional[int] = None
        self.receipt: Headers = []

    def _receipt(self, response: bytes) -> Headers:
        name = "PAYMENT-RESPONSE" if self.admitted.x402_version == 2 else "X-PAYMENT-RESPONSE"
        return [(name, _native.x402_encode_header(response.decode()))]

    def reserved(self, fresh: bool) -> Step:
        if not fresh:
            c = self.server._challenge("payment_already_used")
            return Step("refuse_replay", 402, c.headers, c.body)
        return Step("settle") if self.before else Step("run_handler")

    def handled(self, status: int) -> Step:
        if self.before:
            return Step("serve", status, self.receipt)
        self.status = status
        return Step("release_reservation", status) if status >= 400 else Step("settle")

    def settle_request(self, amount: Optional[int] = None) -> bytes:
        return _json({"x402Version": self.admitted.x402_version, "paymentPayload": json.loads(self.admitted.payment),
                      "paymentRequirements": json.loads(self.admitted.requirements)}).encode()

    def settled(self, response: Optional[bytes]) -> Step:
        self.attempt += 1
        if response is None:
            return Step("keep_reservation", 502)
        r = json.loads(response)
        if r.get("success") is True:
            if self.before:
                self.receipt = self._receipt(response)
                return Step("run_handler")
            return Step("serve", self.status or 200, self._receipt(response))
        reason = str(r.get("errorReason") or "settle_failed")
        if reason == "settlement_pending":
            if self.attempt == 1:
                return Step("settle")
            return Step("keep_reservation", 402, self._receipt(response))
        c = self.server._challenge(reason)
        return Step("withhold", 402, c.headers + self._receipt(response), c.body)


X402Server: Any = getattr(_native, "X402Server", _PyServer)
Exchange: Any = getattr(_native, "Exchange", _PyExchange)
EngineReply_ = EngineReply
