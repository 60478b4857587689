"""Local settlement of x402 ``exact`` payments on Solana: pay402 co-signs the client's
transaction as its fee payer and sends it itself, with no facilitator.

The flow is the reference facilitator's (x402 ``typescript/packages/mechanisms/svm/src/exact/
facilitator/scheme.ts`` and ``settlement-cache.ts``):

1. the offline checks of the core's verifier (``x402_verify`` with our fee payer as the only
   managed one: a payment naming another fee payer is refused before any RPC call);
2. co-signing (``svm_cosign``: the fee payer's signature in slot 0, the transaction id);
3. ``simulateTransaction`` with ``sigVerify: true``, ``replaceRecentBlockhash: false``;
4. the duplicate-settlement cache: the same base64 transaction is settled once per window
   (120 s by default), checked and recorded atomically after verification and before sending;
5. ``sendTransaction`` (preflight on, the node's default);
6. ``getSignatureStatuses`` polled until the commitment is reached (every ``poll_interval`` s,
   at most ``max_polls`` times); a transaction still unconfirmed then is ``settlement_pending``
   with its signature. Settling the same transaction again while it is pending (the server's
   one retry) checks its status again instead of sending anything.

Every ``SettleResponse`` (its reason, message and which ``transaction`` it reports) is the core's
Solana settlement machine (``SvmSettlement``): this module does the RPC calls and reports each
step to it — a verification code from the core, ``invalid_exact_svm_transaction_simulation_failed``,
``duplicate_settlement``, ``transaction_failed`` and ``settlement_pending``, as the reference
facilitator answers them.

The fee-payer key is a 32-byte ed25519 seed (bytes or hex), given or read from an environment
variable; it is never logged or shown in ``repr``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import threading
import time
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Union

from .. import _native
from ..replay import MemoryReplayStore, ReplayStore, as_replay_store
from ._solana_rpc import SolanaRpc, SolanaRpcError, SolanaRpcUnavailable

__all__ = ["LocalSvmSettlement", "SETTLEMENT_TTL_SECONDS"]

#: The reference's duplicate-settlement window (``SETTLEMENT_TTL_MS = 120_000``), from the core.
SETTLEMENT_TTL_SECONDS = _native.SVM_SETTLEMENT_CACHE_TTL_SECS

_RANK = {"processed": 0, "confirmed": 1, "finalized": 2}


def _seed(value: Union[bytes, str]) -> bytes:
    seed = bytes.fromhex(value.strip().removeprefix("0x")) if isinstance(value, str) else bytes(value)
    if len(seed) != 32:
        raise ValueError("the fee payer key must be a 32-byte ed25519 seed (64 hex digits)")
    return seed


class LocalSvmSettlement:
    """Settles Solana ``exact`` payments with our own fee payer and RPC URL(s).

    ``network``: the CAIP-2 id (or v1 name) settled here; ``rpc_urls``: one URL or several
    (failover); ``fee_payer``: the seed, else the environment variable ``fee_payer_env``.
    ``cache``: a :class:`~pay402.replay.ReplayStore` for the duplicate-settlement cache (default
    in-process; give a Redis store to share it between processes). Use it as the server's
    ``settlement`` (``settle(request)``) or call :meth:`settle_payment` directly.
    """

    def __init__(
        self,
        network: str,
        rpc_urls: Union[str, Sequence[str]],
        *,
        fee_payer: Optional[Union[bytes, str]] = None,
        fee_payer_env: str = "PAY402_SVM_FEE_PAYER",
        commitment: str = "confirmed",
        poll_interval: float = 1.0,
        max_polls: int = _native.SVM_CONFIRMATION_MAX_POLLS,
        cache: Optional[Any] = None,
        cache_ttl_seconds: int = SETTLEMENT_TTL_SECONDS,
        max_compute_unit_price: int = 5_000_000,
        rpc_timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        resolved = _native.resolve_network(network)
        if resolved is None or resolved[1] is not None:
            raise ValueError(f"not a Solana network: {network!r}")
        if commitment not in ("confirmed", "finalized"):
            raise ValueError("commitment must be 'confirmed' or 'finalized'")
        if fee_payer is None:
            env = os.environ.get(fee_payer_env)
            if not env:
                raise ValueError(f"no fee payer key: pass fee_payer= or set {fee_payer_env}")
            fee_payer = env
        self.network = resolved[0]
        self.__seed = _seed(fee_payer)
        self.fee_payer = _native.svm_public_key(self.__seed)
        self.rpc = SolanaRpc(rpc_urls, timeout=rpc_timeout)
        self.commitment = commitment
        self.poll_interval = poll_interval
        self.max_polls = max_polls
        self.cache: ReplayStore = as_replay_store(cache) if cache is not None else MemoryReplayStore(clock=clock)
        self.cache_ttl_seconds = cache_ttl_seconds
        self.max_compute_unit_price = max_compute_unit_price
        self.clock = clock
        self.sleep = sleep
        self._pending: Dict[bytes, str] = {}  # cache key -> signature of a sent, unconfirmed transaction
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"LocalSvmSettlement(network={self.network!r}, fee_payer={self.fee_payer!r}, rpc={self.rpc.urls!r})"

    # --- the server's settlement hook ----------------------------------------------------------

    def settle(self, request: Any) -> Mapping[str, Any]:
        """The ``X402Paywall`` settlement hook: ``request.payment_payload`` and ``request.requirements``."""
        return self.settle_payment(request.payment_payload, request.requirements)

    async def asettle(self, request: Any) -> Mapping[str, Any]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self.settle, request)

    # --- settlement ----------------------------------------------------------------------------

    def settle_payment(self, payload: Mapping[str, Any], requirements: Mapping[str, Any]) -> Dict[str, Any]:
        """Settles one payment (the ``/settle`` body's ``paymentPayload`` and
        ``paymentRequirements``); returns the ``SettleResponse`` dict. Raises
        ``SolanaRpcUnavailable`` when no RPC URL answers before anything was sent."""
        network = str(requirements.get("network", ""))
        resolved = _native.resolve_network(network)
        if resolved is None or resolved[0] != self.network:
            # not ours to settle: the host's routing, before any settlement starts
            return _end(_native.SvmSettlement(network, "").refused("unsupported_network", f"this settlement handles {self.network}"))
        header = _native.x402_encode_header(json.dumps(payload, separators=(",", ":")))
        try:
            verified = _native.x402_verify(
                json.dumps(requirements, separators=(",", ":")),
                header,
                now=int(self.clock()),
                fee_payers=[self.fee_payer],
                max_compute_unit_price=self.max_compute_unit_price,
            )
        except _native.Error as e:
            return _end(_native.SvmSettlement(network, "").refused(e.code, str(e)))
        if not isinstance(verified, _native.SvmVerified):
            return _end(_native.SvmSettlement(network, "").refused("unsupported_network", "not a Solana payment"))
        settlement = _native.SvmSettlement(network, verified.payer)
        # the verifier decoded payload.transaction, so it is the base64 text the cache is keyed by
        transaction = str(payload["payload"]["transaction"])
        key = b"svm-settle:" + hashlib.sha256(transaction.encode()).digest()

        # a retry of a transaction that was sent and not yet confirmed: look at it again
        with self._lock:
            pending = self._pending.get(key)
        if pending is not None:
            return self._confirm(settlement, key, pending)

        try:
            cosigned = _native.svm_cosign(_native.base64_decode(transaction, policy="x402"), self.__seed)
        except _native.Error as e:
            return _end(settlement.refused(e.code, str(e)))
        wire = base64.b64encode(cosigned.transaction).decode()
        try:
            sim = self.rpc.call(
                "simulateTransaction",
                [wire, {"sigVerify": True, "replaceRecentBlockhash": False, "commitment": "confirmed", "encoding": "base64"}],
            )
        except SolanaRpcError as e:
            return _end(settlement.simulation_error(e.message))
        value = sim.get("value") if isinstance(sim, dict) else None
        if not isinstance(value, dict):
            return _end(settlement.simulation_error("no simulation result"))
        if value.get("err") is not None:
            return _end(settlement.simulation_failed(json.dumps(value["err"], separators=(",", ":"))))

        if not self.cache.reserve(key, self.cache_ttl_seconds):
            return _end(settlement.duplicate())
        # the entry is kept whatever happens next: the same bytes are not settled again in the window
        try:
            sent = self.rpc.call("sendTransaction", [wire, {"encoding": "base64"}])
        except SolanaRpcError as e:
            return _end(settlement.send_failed(e.message))
        except SolanaRpcUnavailable as e:
            # it may have reached a node: its id is known, so the outcome is pending, not lost
            ended = settlement.submitted(cosigned.signature)
            if ended is not None:
                return _end(ended)
            with self._lock:
                self._pending[key] = cosigned.signature
            return _end(settlement.confirmation_timeout(str(e)))
        if sent != cosigned.signature:
            return _end(settlement.send_failed(f"the node returned another signature: {sent!r}"))
        return self._confirm(settlement, key, cosigned.signature)

    def _confirm(self, settlement: Any, key: bytes, signature: str) -> Dict[str, Any]:
        ended = settlement.submitted(signature)
        if ended is not None:
            with self._lock:
                self._pending.pop(key, None)
            return _end(ended)
        last = ""
        for attempt in range(self.max_polls):
            if attempt:
                self.sleep(self.poll_interval)
            try:
                result = self.rpc.call("getSignatureStatuses", [[signature]])
            except (SolanaRpcError, SolanaRpcUnavailable) as e:
                last = str(e)
                continue
            statuses = result.get("value") if isinstance(result, dict) else None
            status = statuses[0] if isinstance(statuses, list) and statuses else None
            if not isinstance(status, dict):
                continue
            if status.get("err") is not None:
                with self._lock:
                    self._pending.pop(key, None)
                return _end(settlement.failed(json.dumps(status["err"], separators=(",", ":"))))
            if _RANK.get(str(status.get("confirmationStatus")), -1) >= _RANK[self.commitment]:
                with self._lock:
                    self._pending.pop(key, None)
                return _end(settlement.confirmed())
        with self._lock:
            self._pending[key] = signature
        return _end(settlement.confirmation_timeout(last))


def _end(result: Any) -> Dict[str, Any]:
    """The core's ``SettleResponse`` as a dict."""
    out: Dict[str, Any] = json.loads(result.json)
    return out
