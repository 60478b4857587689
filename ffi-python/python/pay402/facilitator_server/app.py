"""The x402 facilitator as a plain ASGI application.

Routes (the x402 facilitator HTTP API, https://github.com/coinbase/x402/blob/main/specs/x402-specification-v2.md
§7 "Facilitator interface"): ``POST /verify``, ``POST /settle``, ``GET /supported``; and ``GET /health`` (open)
and ``GET /metrics`` (Prometheus text). Every route but ``/health`` needs ``Authorization: Bearer <key>``
unless the configuration is ``public``.

Verdicts come from the core: on EVM ``verify_payment`` (strict ECDSA) or, on a network with
``smart_wallets``, ``verify_payment_with_rpc`` (EIP-1271, ERC-6492 with the factory allow-list),
with this facilitator's address for ``upto``; on Solana ``x402_verify`` with this facilitator's fee
payer as the only managed one, then the co-signed transaction's simulation, as the reference
facilitator's ``exact`` SVM scheme does. Settlement results come from the network's settlement
backend (``LocalEvmSettlement``, ``LocalSvmSettlement``), whose answers the core builds. Status codes follow the TypeScript reference facilitator: 200 with
``isValid: false`` / ``success: false`` for a refused payment, 400 for a body the core cannot decode.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from typing import Any, Awaitable, Callable, Dict, List, Literal, Mapping, Optional, Protocol, Set, Tuple, Union

from .. import _native as p
from ..errors import LocalSettlementError, RpcError
from ..settle._solana_rpc import SolanaRpcError, SolanaRpcUnavailable
from .config import FacilitatorConfig, NetworkConfig
from .metrics import Metrics
from .records import MemorySettlementRecords, SettlementRecords

__all__ = ["FacilitatorApp", "Settler", "MAX_BODY"]

MAX_BODY = 64 * 1024
_Send = Callable[[Dict[str, Any]], Awaitable[None]]
_Receive = Callable[[], Awaitable[Dict[str, Any]]]
log = logging.getLogger("pay402.facilitator")


class Settler(Protocol):
    """A network's settlement backend (``pay402.settle.LocalEvmSettlement``, or
    ``pay402.settle.svm.LocalSvmSettlement``). An ``upto`` payment's charge is passed as a third
    argument (``settle_amount``, which ``LocalEvmSettlement`` takes)."""

    def settle_payment(self, payment_payload: Mapping[str, Any], requirements: Mapping[str, Any], /) -> Dict[str, Any]: ...


class _Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _payer_of(payload: Mapping[str, Any]) -> str:
    """The payer the payload names (``authorization.from`` or ``permit2Authorization.from``), for
    answers that refuse it; "" when it names none."""
    inner = payload.get("payload")
    if isinstance(inner, Mapping):
        for k in ("authorization", "permit2Authorization"):
            auth = inner.get(k)
            if isinstance(auth, Mapping) and isinstance(auth.get("from"), str):
                return str(auth["from"])
    return ""


def _method_of(payload: Mapping[str, Any]) -> Literal["eip3009", "permit2"]:
    inner = payload.get("payload")
    return "permit2" if isinstance(inner, Mapping) and "permit2Authorization" in inner else "eip3009"


class FacilitatorApp:
    """The ASGI application. ``settlers`` maps a network (``eip155:…``) to its settlement backend
    and ``rpcs`` to its ``_EvmRpc`` (for ``smart_wallets``); :func:`pay402.facilitator_server.create_app`
    builds both from the configuration."""

    def __init__(
        self,
        config: FacilitatorConfig,
        *,
        settlers: Mapping[str, Settler],
        rpcs: Optional[Mapping[str, Any]] = None,
        records: Optional[SettlementRecords] = None,
        metrics: Optional[Metrics] = None,
        clock: Callable[[], float] = time.time,
        poll_interval: float = 0.1,
    ) -> None:
        self.config = config
        self.settlers = dict(settlers)
        self.rpcs = dict(rpcs or {})
        self.records: SettlementRecords = records if records is not None else MemorySettlementRecords()
        self.metrics = metrics or Metrics()
        self.clock = clock
        self.poll_interval = poll_interval
        self._keys = config.api_keys()
        self._pending: Set[str] = set()
        for net in config.networks:
            if net.network not in self.settlers:
                from ..errors import ConfigurationError

                raise ConfigurationError(f"no settlement backend for {net.network}", code="facilitator_no_settler")

    # --- ASGI -----------------------------------------------------------------------------------

    async def __call__(self, scope: Dict[str, Any], receive: _Receive, send: _Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        started = time.monotonic()
        entry: Dict[str, Any] = {"route": scope.get("path", ""), "method": scope.get("method", "")}
        try:
            status, headers, body = await self._handle(scope, receive, entry)
        except _NothingSent as e:  # the chain could not be reached: nothing was sent
            entry["outcome"] = e.code
            status, headers, body = self._json(500, {"error": e.code, "message": "the chain could not be reached; "
                                                     "nothing was sent"})
        except Exception as e:  # a bug or a store/RPC failure: 500, logged without the payload
            log.exception("facilitator: unexpected error on %s", entry["route"])
            entry["outcome"] = "unexpected_error"
            entry["error"] = type(e).__name__
            status, headers, body = self._json(500, {"error": "unexpected_error", "message": "internal error"})
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        entry["status"] = status
        entry["latency_ms"] = round((time.monotonic() - started) * 1000, 3)
        route = entry["route"] if entry["route"] in ("/verify", "/settle", "/supported", "/health", "/metrics") else "other"
        self.metrics.request(route, str(entry.get("outcome", status)))
        log.info(json.dumps(entry, separators=(",", ":")))

    @staticmethod
    def _json(status: int, obj: Any, extra: Tuple[Tuple[bytes, bytes], ...] = ()) -> Tuple[int, List[Tuple[bytes, bytes]], bytes]:
        body = json.dumps(obj, separators=(",", ":")).encode("utf-8")
        return status, [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *extra], body

    def _authorized(self, scope: Mapping[str, Any]) -> bool:
        if self.config.public:
            return True
        given = b""
        for name, value in scope.get("headers", []):
            if name.lower() == b"authorization":
                given = bytes(value)
                break
        scheme, _, token = given.partition(b" ")
        token = token.strip()
        ok = False
        for key in self._keys:  # every key compared, in constant time each
            ok = hmac.compare_digest(token, key) | ok
        return ok and scheme.lower() == b"bearer" and bool(token)

    async def _body(self, receive: _Receive) -> Optional[bytes]:
        chunks: List[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _handle(self, scope: Mapping[str, Any], receive: _Receive, entry: Dict[str, Any]) -> Tuple[int, List[Tuple[bytes, bytes]], bytes]:
        path, method = entry["route"], entry["method"]
        routes = {"/health": "GET", "/metrics": "GET", "/supported": "GET", "/verify": "POST", "/settle": "POST"}
        if path not in routes:
            entry["outcome"] = "not_found"
            return self._json(404, {"error": "not_found"})
        if method != routes[path]:
            entry["outcome"] = "method_not_allowed"
            return self._json(405, {"error": "method_not_allowed"}, ((b"allow", routes[path].encode()),))
        if path == "/health":
            entry["outcome"] = "ok"
            return self._json(200, {"status": "ok", "networks": [n.network for n in self.config.networks]})
        if not self._authorized(scope):
            entry["outcome"] = "unauthorized"
            return self._json(401, {"error": "unauthorized", "message": "Authorization: Bearer <API key> required"},
                              ((b"www-authenticate", b'Bearer realm="pay402 facilitator"'),))
        if path == "/metrics":
            entry["outcome"] = "ok"
            text = self.metrics.render().encode("utf-8")
            return 200, [(b"content-type", b"text/plain; version=0.0.4; charset=utf-8"),
                         (b"content-length", str(len(text)).encode())], text
        if path == "/supported":
            entry["outcome"] = "ok"
            return self._json(200, self.supported())
        raw = await self._body(receive)
        if raw is None:
            entry["outcome"] = "body_too_large"
            return self._json(413, {"error": "body_too_large", "message": f"at most {MAX_BODY} bytes"})
        if path == "/verify":
            status, answer = await self.verify(raw, entry)
        else:
            status, answer = await self.settle(raw, entry)
        return self._json(status, answer)

    # --- the API ----------------------------------------------------------------------------------

    def supported(self) -> Dict[str, Any]:
        """``GET /supported`` (x402 v2 §7): every kind served, ``{x402Version, scheme, network,
        extra?}`` (x402 v2 ``exact`` on every network, ``upto`` with ``extra.facilitatorAddress`` where
        enabled, Solana ``exact`` with ``extra.feePayer``, then the x402 v1 kinds under their network
        names), and the signers per CAIP family (``eip155:*``, ``solana:*``). The body is written by
        the core's ``SupportedResponse`` writer (decoded, then written back)."""
        kinds: List[Dict[str, Any]] = []
        signers: Dict[str, List[str]] = {}
        for n in self.config.networks:
            extra = {"feePayer": n.signer_address} if n.family == "solana" else None
            kinds.append({"x402Version": 2, "scheme": "exact", "network": n.network, **({"extra": extra} if extra else {})})
            if n.upto:
                kinds.append({"x402Version": 2, "scheme": "upto", "network": n.network,
                              "extra": {"facilitatorAddress": n.signer_address}})
            family = signers.setdefault(n.family + ":*", [])
            if n.signer_address not in family:
                family.append(n.signer_address)
        for n in self.config.networks:
            if self.config.x402_v1 and n.v1_name:
                extra = {"feePayer": n.signer_address} if n.family == "solana" else None
                kinds.append({"x402Version": 1, "scheme": "exact", "network": n.v1_name, **({"extra": extra} if extra else {})})
        body = {"kinds": kinds, "extensions": [], "signers": {k: sorted(v) for k, v in signers.items()}}
        written: Dict[str, Any] = json.loads(p.decode_supported_response(json.dumps(body, separators=(",", ":"))).json)
        return written

    def _parse(self, raw: bytes) -> Tuple[Dict[str, Any], Dict[str, Any], NetworkConfig]:
        """The request's payload and requirements, once the core decoded the body; the network's
        configuration. Raises :class:`_Refused` (``.code`` the core's, or ``unsupported_scheme``
        for a network this facilitator does not serve, ``invalid_payment_requirements`` for an asset
        it does not allow)."""
        try:
            text = raw.decode("utf-8")
            p.decode_verify_request(text)
        except UnicodeDecodeError:
            raise _Refused("invalid_payload", "the body is not UTF-8") from None
        except p.Error as e:
            raise _Refused(e.code, e.message) from None
        body = json.loads(text)
        payload, requirements = body["paymentPayload"], body["paymentRequirements"]
        network, scheme, version = requirements.get("network"), requirements.get("scheme"), body.get("x402Version")
        net = self.config.network(network, version) if isinstance(network, str) and version in (1, 2) else None
        # upto only where /supported lists it (EVM networks with upto, x402 v2); any other scheme
        # and the payload's own version are the core's to judge
        served = net is not None and (scheme != "upto" or (net.upto and version == 2))
        if net is None or not served:
            raise _Refused("unsupported_scheme", f"this facilitator does not serve x402Version {version!r}, "
                                                 f"scheme {scheme!r}, network {network!r}")
        asset = requirements.get("asset")
        if net.family == "solana":
            allowed = isinstance(asset, str) and asset in net.assets  # base58 is case-sensitive
        else:
            allowed = isinstance(asset, str) and asset.lower() in {a.lower() for a in net.assets}
        if net.assets and not allowed:
            raise _Refused("invalid_payment_requirements", f"asset {asset!r} is not allowed on {net.network}")
        return payload, requirements, net

    def _verify_sync(self, payload: Mapping[str, Any], requirements: Mapping[str, Any], net: NetworkConfig,
                     settle_amount: Optional[int] = None) -> "_AnyVerified":
        header = p.x402_encode_header(json.dumps(payload, separators=(",", ":")))
        req = json.dumps(requirements, separators=(",", ":"))
        now = int(self.clock())
        if net.family == "solana":  # the offline checks, our fee payer the only managed one
            return p.x402_verify(req, header, now=now, fee_payers=[net.signer_address])
        facilitator = net.signer_address if net.upto else None
        if net.smart_wallets:
            return p.verify_payment_with_rpc(req, header, self.rpcs[net.network], now=now,
                                             allowed_factories=list(net.eip6492_allowed_factories),
                                             valid_before_slack=self.config.valid_before_slack,
                                             settle_amount=settle_amount, facilitator=facilitator).verified
        return p.verify_payment(req, header, now=now, signature="strict", valid_before_slack=self.config.valid_before_slack,
                                settle_amount=settle_amount, facilitator=facilitator)

    async def _verified(self, payload: Mapping[str, Any], requirements: Mapping[str, Any], net: NetworkConfig,
                        settle_amount: Optional[int] = None) -> "_AnyVerified":
        try:
            return await asyncio.get_running_loop().run_in_executor(None, self._verify_sync, payload, requirements, net,
                                                                    settle_amount)
        except p.Error as e:
            raise _Refused(e.code, e.message) from None

    async def _unused(self, verified: "_AnyVerified", payload: Mapping[str, Any], requirements: Mapping[str, Any],
                      net: NetworkConfig) -> None:
        """``/verify`` only: the authorization must still be usable, as the reference facilitator's
        verify simulation checks. Refused when this facilitator holds a settlement record for it
        (settled or being settled: a resource server must not serve a second request on it), and
        when the settlement transaction would revert now (``eth_estimateGas`` from the settler, the
        revert text mapped by the core's ``x402_settle_revert_reason``: a nonce used on chain is
        ``invalid_exact_evm_nonce_already_used``). On Solana: a transaction this facilitator settled
        or is settling is ``duplicate_settlement``; else the transaction co-signed by our fee payer is
        simulated (``simulateTransaction``, ``sigVerify``), as the reference's verify does."""
        held = await self._records(self.records.get, _record_key(verified, payload))
        if held is not None:
            if net.family == "solana":
                raise _Refused("duplicate_settlement", "this facilitator has settled, or is settling, this transaction")
            raise _Refused("invalid_exact_evm_nonce_already_used",
                           "this facilitator has settled, or is settling, this authorization")
        simulate = self._simulate_svm if net.family == "solana" else self._simulate
        await asyncio.get_running_loop().run_in_executor(None, simulate, payload, requirements, net)

    def _simulate_svm(self, payload: Mapping[str, Any], requirements: Mapping[str, Any], net: NetworkConfig) -> None:
        """The reference verify's last step (x402 ``exact`` SVM, facilitator ``scheme.ts``): the
        transaction co-signed by our fee payer, simulated with ``sigVerify: true`` and
        ``replaceRecentBlockhash: false``; an error is ``invalid_exact_svm_transaction_simulation_failed``."""
        rpc = getattr(self.settlers[net.network], "rpc", None)
        if rpc is None:
            return  # a backend without an RPC (tests): the core's verdict stands alone
        inner = payload.get("payload")
        transaction = inner.get("transaction") if isinstance(inner, Mapping) else None
        try:
            cosigned = p.svm_cosign(base64.b64decode(str(transaction), validate=True), _seed(self.config.signer_key(net)))
        except (p.Error, ValueError) as e:
            raise _Refused(getattr(e, "code", "invalid_exact_svm_payload_transaction_could_not_be_decoded"), str(e)) from None
        wire = base64.b64encode(bytes(cosigned.transaction)).decode()
        try:
            sim = rpc.call("simulateTransaction", [wire, {"sigVerify": True, "replaceRecentBlockhash": False,
                                                          "commitment": "confirmed", "encoding": "base64"}])
        except SolanaRpcError as e:
            raise _Refused("invalid_exact_svm_transaction_simulation_failed", e.message) from None
        except SolanaRpcUnavailable as e:
            raise _NothingSent("rpc_unavailable") from e  # the chain could not be asked: no verdict (500)
        value = sim.get("value") if isinstance(sim, dict) else None
        if not isinstance(value, dict):
            raise _Refused("invalid_exact_svm_transaction_simulation_failed", "no simulation result")
        if value.get("err") is not None:
            raise _Refused("invalid_exact_svm_transaction_simulation_failed", json.dumps(value["err"]))

    def _simulate(self, payload: Mapping[str, Any], requirements: Mapping[str, Any], net: NetworkConfig) -> None:
        settler = self.settlers[net.network]
        rpc, sender = getattr(settler, "rpc", None), getattr(settler, "address", None)
        if rpc is None or not isinstance(sender, str):
            return  # a backend without an RPC (tests): the core's verdict stands alone
        header = p.x402_encode_header(json.dumps(payload, separators=(",", ":")))
        try:
            call = p.x402_settle_calldata(json.dumps(requirements, separators=(",", ":")), header)
        except p.Error as e:
            raise _Refused(e.code, e.message) from None
        try:
            rpc.estimate_gas({"from": sender, "to": call.to, "data": "0x" + bytes(call.data).hex()})
        except RpcError as e:
            if e.code != "rpc_error":
                raise _NothingSent(e.code) from e  # the chain could not be asked: no verdict (500)
            text = getattr(e, "revert_text", None) or e.message
            raise _Refused(p.x402_settle_revert_reason(text), text) from None

    async def verify(self, raw: bytes, entry: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
        """``POST /verify``: the VerifyResponse and its status."""
        try:
            payload, requirements, net = self._parse(raw)
        except _Refused as e:
            entry["outcome"] = e.code
            return 400, {"isValid": False, "invalidReason": e.code, "invalidMessage": e.message, "payer": ""}
        entry["network"] = net.network
        try:
            verified = await self._verified(payload, requirements, net)
            await self._unused(verified, payload, requirements, net)
        except _Refused as e:
            entry.update(outcome=e.code, payer=_payer_of(payload))
            return 200, {"isValid": False, "invalidReason": e.code, "invalidMessage": e.message, "payer": _payer_of(payload)}
        entry.update(outcome="valid", payer=verified.payer)
        return 200, {"isValid": True, "payer": verified.payer}

    async def settle(self, raw: bytes, entry: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
        """``POST /settle``: verify, claim the authorization's record, settle once; the
        SettleResponse and its status."""
        try:
            payload, requirements, net = self._parse(raw)
        except _Refused as e:
            entry["outcome"] = e.code
            return 400, {"success": False, "errorReason": e.code, "errorMessage": e.message, "transaction": "",
                         "network": "", "payer": ""}
        entry["network"] = net.network
        settle_amount: Optional[int] = None
        try:
            # the core reads the body: an upto charge is the requirements' amount, verified against
            # the signed maximum, as the reference facilitator does
            settle_amount, requirements = _settle_terms(raw, requirements)
            verified = await self._verified(payload, requirements, net, settle_amount)
        except _Refused as e:
            payer = _payer_of(payload)
            entry.update(outcome=e.code, payer=payer)
            try:
                if net.family == "solana":  # the payer is not known before the core's checks pass
                    refusal = p.SvmSettlement(str(requirements.get("network", net.network)), "").refused(e.code, e.message)
                    return 200, json.loads(refusal.json)
                if payer:
                    return 200, json.loads(p.EvmSettlement(net.network, payer, _method_of(payload)).refused(e.code, e.message).json)
            except p.Error:
                pass
            return 200, {"success": False, "errorReason": e.code, "errorMessage": e.message, "transaction": "",
                         "network": net.network, "payer": payer}
        entry["payer"] = verified.payer
        started = time.monotonic()
        answer = await self._settle_once(verified, payload, requirements, net, settle_amount)
        self.metrics.settle_latency(time.monotonic() - started)
        entry["outcome"] = "settled" if answer.get("success") else str(answer.get("errorReason", "refused"))
        entry["transaction"] = answer.get("transaction", "")
        return 200, answer

    async def _records(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, fn, *args)

    async def _settle_once(self, verified: "_AnyVerified", payload: Mapping[str, Any], requirements: Mapping[str, Any],
                           net: NetworkConfig, settle_amount: Optional[int] = None) -> Dict[str, Any]:
        """One transaction per authorization, and its success answered once.

        Every ``/settle`` of an authorization shares one record (one transaction, whichever process
        sends it), but only one of them is answered ``success: true``: the first to take the
        authorization's delivery mark (Redis ``SET NX`` when shared). The others are refused with
        ``invalid_exact_evm_nonce_already_used``, as the reference facilitator refuses an
        authorization used on chain, so a resource server relying on the facilitator to catch a
        replayed payment never serves it twice. The resource server's one retry after
        ``settlement_pending`` gets the success: the pending answer took no mark.
        On Solana the record is the transaction's (its base64 bytes, as the reference's duplicate
        cache keys it) and the refusal ``duplicate_settlement``."""
        key = _record_key(verified, payload)
        if isinstance(verified, p.SvmVerified):  # the blockhash expires long before: the reference's window plus the margin
            ttl = SVM_RECORD_WINDOW + self.config.record_ttl_margin
        else:
            ttl = max(0, verified.valid_before - int(self.clock())) + self.config.record_ttl_margin
        answer = await self._settle_answer(key, ttl, verified, payload, requirements, net, settle_amount)
        if not answer.get("success"):
            return answer
        if await self._records(self.records.claim, key + ":delivered", secrets.token_hex(16), ttl) is None:
            return answer
        if isinstance(verified, p.SvmVerified):
            # the reference's answer to a transaction settled already (settlement-cache.ts), by the core
            svm: Dict[str, Any] = json.loads(p.SvmSettlement(str(requirements.get("network", net.network)),
                                                             verified.payer).duplicate().json)
            return svm
        refused: Dict[str, Any] = json.loads(p.EvmSettlement(net.network, verified.payer, _method_of(payload)).refused(
            "invalid_exact_evm_nonce_already_used",
            "this authorization is settled already, and its success was answered to an earlier /settle").json)
        return refused

    async def _settle_answer(self, key: str, ttl: int, verified: "_AnyVerified", payload: Mapping[str, Any],
                             requirements: Mapping[str, Any], net: NetworkConfig,
                             settle_amount: Optional[int]) -> Dict[str, Any]:
        owner = secrets.token_hex(16)
        deadline = time.monotonic() + self.config.settle_wait
        while True:
            held = await self._records(self.records.claim, key, owner, ttl)
            if held is None:
                return await self._settle_claimed(key, owner, ttl, payload, requirements, net, settle_amount)
            while held is not None and held.get("state") == "claimed" and time.monotonic() < deadline:
                await asyncio.sleep(self.poll_interval)
                held = await self._records(self.records.get, key)
            if held is None:
                continue  # released (nothing was sent): claim it ourselves
            if held.get("state") == "done":
                response: Dict[str, Any] = held["response"]
                return response
            if held.get("state") == "pending":
                return await self._recheck_pending(key, held, ttl, payload, requirements, net, settle_amount)
            # still claimed after settle_wait: the first settlement's outcome is not known yet
            return {"success": False, "errorReason": "settlement_pending",
                    "errorMessage": "another request is settling this authorization; its outcome is not known yet",
                    "transaction": "", "network": net.network, "payer": verified.payer}

    async def _call_settler(self, net: NetworkConfig, payload: Mapping[str, Any],
                            requirements: Mapping[str, Any], settle_amount: Optional[int] = None) -> Dict[str, Any]:
        settler = self.settlers[net.network]
        self.metrics.add("in_flight", 1)
        args: Tuple[Any, ...] = (payload, requirements) if settle_amount is None else (payload, requirements, settle_amount)
        try:
            answer = await asyncio.get_running_loop().run_in_executor(None, settler.settle_payment, *args)
        finally:
            self.metrics.add("in_flight", -1)
        # the core reads the answer back: a backend answering something else is a failure (500)
        result = p.decode_settle_response(body=json.dumps(answer))
        decoded: Dict[str, Any] = json.loads(result.json)
        return decoded

    async def _store(self, key: str, owner: str, ttl: int, answer: Mapping[str, Any]) -> None:
        """Keeps a settlement's answer: final (success, or a failure with a hash) or pending (a hash,
        no receipt yet); a refusal before broadcast releases the claim (nothing was sent)."""
        tx = answer.get("transaction") or ""
        if answer.get("errorReason") == "settlement_pending" and tx:
            if await self._records(self.records.finish, key, owner, "pending", dict(answer), ttl) and key not in self._pending:
                self._pending.add(key)
                self.metrics.add("pending", 1)
            return
        if answer.get("success") or tx:
            await self._records(self.records.finish, key, owner, "done", dict(answer), ttl)
        else:
            await self._records(self.records.release, key, owner)
        if key in self._pending:
            self._pending.discard(key)
            self.metrics.add("pending", -1)

    async def _settle_claimed(self, key: str, owner: str, ttl: int, payload: Mapping[str, Any],
                              requirements: Mapping[str, Any], net: NetworkConfig,
                              settle_amount: Optional[int]) -> Dict[str, Any]:
        try:
            answer = await self._call_settler(net, payload, requirements, settle_amount)
        except _SENT_NOTHING as e:
            # the backend raises these before anything is sent: the authorization stays unused and
            # a later /settle may settle it. Answered as the reference facilitator answers an
            # exception (500), so resource servers withhold the content and keep the payment.
            await self._records(self.records.release, key, owner)
            raise _NothingSent(getattr(e, "code", "rpc_unavailable")) from e
        # Any other exception leaves the outcome unknown (it may follow a broadcast): the claim
        # stays until its TTL, so that no second transaction can follow; the answer is a 500.
        await self._store(key, owner, ttl, answer)
        return answer

    async def _recheck_pending(self, key: str, held: Mapping[str, Any], ttl: int, payload: Mapping[str, Any],
                               requirements: Mapping[str, Any], net: NetworkConfig,
                               settle_amount: Optional[int]) -> Dict[str, Any]:
        """A settlement broadcast earlier whose receipt was not seen: the backend waits for the
        same hash again (its pending store holds the signed transaction; it never sends another),
        and a final answer replaces the pending one for everyone. Without that record in the
        backend's pending store, the pending answer stands (settling anew could send again). A
        Solana backend is asked again as it is: its duplicate cache never lets the same bytes be
        sent twice, and it looks a pending signature up again."""
        if net.family != "solana":
            store = getattr(self.settlers[net.network], "pending", None)
            inner = payload.get("payload")
            signature = inner.get("signature") if isinstance(inner, Mapping) else None
            if store is None or not isinstance(signature, str) or store.get(signature.lower()) is None:
                kept_: Dict[str, Any] = dict(held["response"])
                return kept_
        try:
            answer = await self._call_settler(net, payload, requirements, settle_amount)
        except _SENT_NOTHING:
            stored: Dict[str, Any] = dict(held["response"])
            return stored
        if answer.get("transaction") != held["response"].get("transaction"):
            # not the pending transaction's outcome (the backend lost its pending record): keep
            # answering the pending hash rather than a verdict about something else
            kept: Dict[str, Any] = dict(held["response"])
            return kept
        await self._store(key, str(held.get("owner", "")), ttl, answer)
        return answer


class _NothingSent(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# what the settlement backend raises before anything is sent (pay402.settle; the Solana backend
# raises SolanaRpcUnavailable only before sendTransaction: a send that may have arrived is pending)
_SENT_NOTHING = (RpcError, LocalSettlementError, SolanaRpcUnavailable)

_AnyVerified = Union["p.Verified", "p.SvmVerified"]

#: How long a Solana transaction's record lives before the margin: the reference's duplicate
#: window (settlement-cache.ts, SETTLEMENT_TTL_MS = 120 s), past the blockhash's validity.
SVM_RECORD_WINDOW = 120


def _record_key(verified: Any, payload: Mapping[str, Any]) -> str:
    """The settlement record's key: the core's replay key (EVM), or the SHA-256 of the base64
    transaction exactly as received (Solana, the reference's duplicate-cache key)."""
    if isinstance(verified, p.SvmVerified):
        inner = payload.get("payload")
        transaction = inner.get("transaction") if isinstance(inner, Mapping) else ""
        return "svm:" + hashlib.sha256(str(transaction).encode("utf-8")).hexdigest()
    return str(verified.replay_key.hex())


def _seed(value: str) -> bytes:
    return bytes.fromhex(value.strip().removeprefix("0x"))


def _settle_terms(raw: bytes, requirements: Mapping[str, Any]) -> Tuple[Optional[int], Dict[str, Any]]:
    """The core's reading of a ``/settle`` body (``x402_settle_terms``): an ``upto`` charge (the
    requirements' ``amount``, as the reference resource server sends it) and the requirements with
    the signed maximum as their ``amount``, to verify against; ``exact``: no charge, the
    requirements as sent. A refusal (a charge above the maximum, an unreadable body) is raised."""
    try:
        terms = p.x402_settle_terms(raw)
    except p.Error as e:
        raise _Refused(str(getattr(e, "code", "invalid_payload")), str(e)) from e
    if terms.charge is None:
        return None, dict(requirements)
    decoded: Dict[str, Any] = json.loads(terms.requirements)
    return int(terms.charge), decoded
