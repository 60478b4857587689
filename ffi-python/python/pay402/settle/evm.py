"""Local EVM settlement: the operator's key and RPC URL(s), no third-party facilitator.

:class:`LocalEvmSettlement` settles x402 ``exact`` (EIP-3009, Permit2) and ``upto`` payments as
the reference facilitator does (the facts: x402 facilitator, ``@x402/evm``
``exact/facilitator``), in this order:

1. chain id: ``eth_chainId`` must be the configured ``network``'s (checked on first use; a
   mismatch raises ``chain_id_mismatch`` and nothing is sent);
2. one settlement of a payment (its signature) at a time in this process; a payment whose
   previous settlement is still pending is not sent again: its stored hash is awaited instead (the
   reference's pending-settlement recovery);
3. verification by the core with the payer's code known (:func:`pay402.verify_payment_with_rpc`,
   so smart-wallet payers settle too); a refusal is the core's reason, nothing sent;
4. calldata from the core (:func:`pay402.x402_settle_calldata` for the payer's route: a smart
   wallet gets the ``bytes`` overload);
4a. a counterfactual ERC-6492 payer (route ``erc6492_counterfactual``): its wallet is deployed
   first, as the reference does: the payer's code is read again and routed by the core
   (:func:`pay402.route_signature`: already deployed → nothing to deploy; the factory not in
   ``allowed_factories`` → ``eip6492_factory_not_allowed``, nothing sent); the factory call is
   simulated (``eth_estimateGas``), sent from the settler with the next nonce, and its receipt
   awaited (status 0, a revert or no receipt in time: ``smart_wallet_deployment_failed``, the
   transfer is not sent);
5. simulation: ``eth_estimateGas`` from the settler; a revert is mapped by the core
   (:meth:`pay402.EvmSettlement.transfer_reverted`) and nothing is sent;
6. EIP-1559 fees as viem's ``estimateFeesPerGas`` (used by the TypeScript reference):
   ``maxFeePerGas = baseFee × 1.2 + eth_maxPriorityFeePerGas`` (0.1 gwei when the node lacks
   that method);
7. nonce: one lock per (chain, settler address) in the process; seeded from
   ``eth_getTransactionCount(address, "pending")``, then incremented locally; re-read after any
   send that failed, so concurrent settlements from one key never collide;
8. sign (the :class:`~pay402.settle.signer.EvmSigner`), ``eth_sendRawTransaction``;
9. receipt polling up to ``receipt_timeout`` seconds.

Every outcome and every ``SettleResponse`` string comes from the core's
:class:`pay402.EvmSettlement` (built → submitted → confirmed | reverted | pending). A receipt that
does not come in time gives ``settlement_pending`` with the hash; the settlement is then kept in
the pending store and :meth:`LocalEvmSettlement.reconcile` reports its final result exactly once.

Pending state lives in memory (this object) unless a ``pending_store`` is given: any object with
``get(key) -> dict | None``, ``set(key, record)``, ``delete(key) -> bool`` (True only for the
caller that removed it) and ``keys() -> iterable``; records are JSON-compatible dicts (the signed
transaction, its hash, the payer, network, method and amount), so a shared store (Redis, a
database) lets another process reconcile.

Refunds (:meth:`LocalEvmSettlement.refund`) pay part of a payment back from the settler in the
payment's asset: an ERC-20 ``transfer`` for a token, a plain value transfer to the payer for the
chain's native coin (``asset`` ``"native"``: a WS402 prepayment paid in ETH). The transaction is the
order's own, ``{to: order.tx_to, value: order.tx_value, data: order.calldata}`` (the core decides
it; this module never branches on the asset); it is simulated first (``eth_estimateGas`` with that
value: a revert, such as a settler without the tokens or a recipient that refuses the coin, gets
``refund_send_failed`` and nothing is recorded), then the settler's balance is checked by the core
(:meth:`pay402.Refund.check_balance`: it must cover ``tx_value + gas × maxFeePerGas``, which a
node's simulation does not always check; short: ``refund_send_failed``, nothing signed). Each refund is paid at most once per :attr:`pay402.RefundOrder.key`: the signed
transaction is stored in the pending store under ``"refund:" + key.hex()`` **before** it is
broadcast, and every later call with the same key (a retry, another process sharing the store, a
restart) re-sends exactly those bytes or awaits their hash; it never signs again. The record keeps
the final result, so a refund that ended answers it again. Two processes share a refund safely
only through a store with ``add(key, record) -> bool`` (set if absent, atomically:
:class:`MemoryPendingStore`, :class:`pay402.facilitator_server.RedisPendingStore`); without it
only calls in this process are serialized. The record must outlive every retry of its order
(a store that expires it, such as a Redis TTL, must keep it longer than orders are retried).

RPC failures before sending raise :class:`~pay402.errors.RpcError` (the paywall withholds the
content; the authorization is unused and can be settled later). A send whose arrival is unknown
(``rpc_send_unknown``) is treated as submitted with the locally computed hash: the receipt decides,
and reconciliation re-broadcasts exactly the same signed bytes (same hash) if no node knows it.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from .._native import (
    Error,
    EvmSettlement,
    Refund,
    RefundOrder,
    RefundResult,
    SettlementResult,
    keccak256,
    resolve_network,
    route_signature,
    verify_payment_with_rpc,
    x402_encode_header,
    x402_settle_calldata,
    x402_settle_terms,
)
from ..errors import LocalSettlementError, RpcError
from .rpc import EvmJsonRpc, _quantity
from .signer import EvmSigner, _signer

try:
    from typing import Protocol
except ImportError:  # pragma: no cover
    from typing_extensions import Protocol  # type: ignore[assignment]

__all__ = ["LocalEvmSettlement", "PendingStore", "MemoryPendingStore", "NonceManager"]


# The reference client's fallback tip when the node has no eth_maxPriorityFeePerGas (0.1 gwei;
# coinbase/x402 typescript/packages/mechanisms/evm/src/constants.ts DEFAULT_MAX_PRIORITY_FEE_PER_GAS).
DEFAULT_MAX_PRIORITY_FEE_PER_GAS = 100_000_000


class PendingStore(Protocol):
    """Where settlements with an unknown outcome wait for :meth:`LocalEvmSettlement.reconcile`."""

    def get(self, key: str) -> Optional[Dict[str, Any]]: ...

    def set(self, key: str, record: Dict[str, Any]) -> None: ...

    def delete(self, key: str) -> bool: ...

    def keys(self) -> Iterable[str]: ...


class MemoryPendingStore:
    """The default :class:`PendingStore`: a dict in this process, behind a lock."""

    def __init__(self) -> None:
        self._records: Dict[str, Dict[str, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Optional[Dict[str, Any]]:
        with self._lock:
            record = self._records.get(key)
            return None if record is None else dict(record)

    def set(self, key: str, record: Dict[str, Any]) -> None:
        with self._lock:
            self._records[key] = dict(record)

    def delete(self, key: str) -> bool:
        with self._lock:
            return self._records.pop(key, None) is not None

    def add(self, key: str, record: Dict[str, Any]) -> bool:
        """Stores ``record`` only if ``key`` is absent; True for the caller that stored it."""
        with self._lock:
            if key in self._records:
                return False
            self._records[key] = dict(record)
            return True

    def keys(self) -> List[str]:
        with self._lock:
            return list(self._records)


class NonceManager:
    """Nonces of one sender: a lock held from nonce choice to the end of the send, a local
    counter seeded by ``fetch()`` (``eth_getTransactionCount(address, "pending")``), and a reset
    after a failed send so the next one re-reads the chain (as x402-rs's pending nonce manager)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._next: Optional[int] = None

    def take(self, fetch: Callable[[], int]) -> int:
        """The nonce to use now (call with :attr:`lock` held)."""
        if self._next is None:
            self._next = fetch()
        return self._next

    def used(self, nonce: int) -> None:
        """The transaction with ``nonce`` was sent (or may have been)."""
        self._next = nonce + 1

    def reset(self) -> None:
        """A send failed: re-read the chain next time."""
        self._next = None


_NONCES: Dict[Tuple[int, str], NonceManager] = {}
_NONCES_LOCK = threading.Lock()


def _nonce_manager(chain_id: int, address: str) -> NonceManager:
    key = (chain_id, address.lower())
    with _NONCES_LOCK:
        manager = _NONCES.get(key)
        if manager is None:
            manager = _NONCES[key] = NonceManager()
        return manager


def _chain_id_of(network: str) -> int:
    prefix, _, ref = network.partition(":")
    if prefix != "eip155" or not ref.isdigit() or ref.startswith("0"):
        raise LocalSettlementError(f"network {network!r} is not eip155:<chain id>", code="unsupported_network")
    return int(ref)


def _result(r: SettlementResult) -> Dict[str, Any]:
    out = json.loads(r.json)
    assert isinstance(out, dict)
    return out


def _method(kind: str) -> str:
    return "eip3009" if kind == "exact_eip3009" else "permit2"


class LocalEvmSettlement:
    """Settles x402 EVM payments with the operator's own key and RPC URLs (see the module
    docstring). ``network``: ``"eip155:<chain id>"``. ``rpc_urls``: one URL or several (failover,
    :class:`~pay402.settle.rpc.EvmJsonRpc`), or an ``rpc`` object. ``signer``: an
    :class:`~pay402.settle.signer.EvmSigner` (default: a
    :class:`~pay402.settle.signer.PrivateKeySigner` on ``$PAY402_SETTLER_KEY``).
    ``receipt_timeout``: seconds to wait for the receipt before answering ``settlement_pending``.
    ``allowed_factories``: ERC-6492 factories a counterfactual payer may deploy through (empty:
    none). ``clock``: seconds since the epoch, for verification.

    Use it as the paywall's settlement (``X402Paywall(..., settlement=LocalEvmSettlement(...))``)
    or call :meth:`settle_payment` directly (a facilitator's ``/settle``)."""

    def __init__(
        self,
        network: str,
        rpc_urls: Union[str, Sequence[str], None] = None,
        signer: Optional[EvmSigner] = None,
        *,
        rpc: Optional[EvmJsonRpc] = None,
        receipt_timeout: float = 30.0,
        poll_interval: float = 0.2,
        rpc_timeout: float = 10.0,
        allowed_factories: Sequence[str] = (),
        pending_store: Optional[PendingStore] = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.network = network
        self.chain_id = _chain_id_of(network)
        if rpc is None:
            if rpc_urls is None:
                raise LocalSettlementError("pass rpc_urls= (or rpc=)", code="missing_rpc_url")
            rpc = EvmJsonRpc(rpc_urls, timeout=rpc_timeout)
        self.rpc = rpc
        self.signer = _signer(signer)
        self.receipt_timeout = float(receipt_timeout)
        self.poll_interval = float(poll_interval)
        self.allowed_factories = list(allowed_factories)
        self.pending: PendingStore = pending_store if pending_store is not None else MemoryPendingStore()
        self._clock = clock
        self._chain_checked = False
        self._chain_lock = threading.Lock()
        self._inflight: Dict[str, List[Any]] = {}  # signature -> [lock, users]
        self._inflight_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"LocalEvmSettlement(network={self.network!r}, settler={self.signer.address!r}, rpc={self.rpc!r})"

    @property
    def address(self) -> str:
        """The settler's address (the transactions' sender)."""
        return self.signer.address

    # --- the paywall's settlement hook -----------------------------------------------------------

    def settle(self, request: Any) -> Dict[str, Any]:
        """The :class:`pay402.server.gate.Settlement` hook: settles ``request`` (a
        :class:`~pay402.server.gate.SettlementRequest`) and returns the ``SettleResponse``.

        An ``upto`` body carries the charge as the requirements' ``amount`` (as the reference
        resource server sends it to ``/settle``); the payment is verified against the requirements
        with the signed maximum (read by the core, ``x402_settle_terms``) and settles that charge, as
        the reference facilitator re-verifies."""
        requirements = request.requirements
        payment = request.payment_payload
        body = json.dumps({"x402Version": payment.get("x402Version", 2), "paymentPayload": dict(payment),
                           "paymentRequirements": dict(requirements)})
        try:
            terms = x402_settle_terms(body)  # the core reads the body as the reference facilitator does
        except Error as e:
            auth = payment.get("payload", {}).get("permit2Authorization") if isinstance(payment.get("payload"), Mapping) \
                else None
            payer = str(auth.get("from", "")) if isinstance(auth, Mapping) else ""
            return _result(EvmSettlement(str(requirements.get("network", self.network)), payer, "permit2").refused(
                str(getattr(e, "code", "invalid_payload")), str(e)))
        if terms.charge is None:
            return self.settle_payment(payment, requirements)
        return self.settle_payment(payment, json.loads(terms.requirements), int(terms.charge))

    # --- the facilitator's /settle ---------------------------------------------------------------

    def check_chain(self) -> None:
        """Checks once that the RPC serves ``network``'s chain; raises
        :class:`~pay402.errors.LocalSettlementError` ``chain_id_mismatch`` (or an
        :class:`~pay402.errors.RpcError`)."""
        if self._chain_checked:
            return
        with self._chain_lock:
            if self._chain_checked:
                return
            got = self.rpc.chain_id()
            if got != self.chain_id:
                raise LocalSettlementError(
                    f"the RPC serves chain id {got}, not {self.chain_id} ({self.network}): nothing sent",
                    code="chain_id_mismatch",
                )
            self._chain_checked = True

    def settle_payment(
        self, payment_payload: Mapping[str, Any], requirements: Mapping[str, Any], settle_amount: Optional[int] = None
    ) -> Dict[str, Any]:
        """Settles one payment (the ``paymentPayload`` and ``paymentRequirements`` of a
        facilitator's ``/settle``); ``settle_amount`` is an ``upto`` charge (default: the
        requirements' ``amount``). Returns the ``SettleResponse`` dict: ``success`` true with the
        hash, ``success`` false with the core's ``errorReason`` (``transaction`` ``""`` when
        nothing was sent), or ``settlement_pending`` with the hash. Raises
        :class:`~pay402.errors.RpcError` when the chain cannot be reached before anything is sent
        and :class:`~pay402.errors.LocalSettlementError` when misconfigured."""
        self.check_chain()
        payload = payment_payload.get("payload")
        signature = payload.get("signature") if isinstance(payload, Mapping) else None
        key = signature.lower() if isinstance(signature, str) and signature else None
        if key is None:
            return self._settle(payment_payload, requirements, settle_amount, None)
        with self._inflight_lock:
            entry = self._inflight.setdefault(key, [threading.Lock(), 0])
            entry[1] += 1
        try:
            with entry[0]:  # one settlement of one payment at a time in this process
                return self._settle(payment_payload, requirements, settle_amount, key)
        finally:
            with self._inflight_lock:
                entry[1] -= 1
                if entry[1] == 0:
                    del self._inflight[key]

    def _settle(
        self, payment_payload: Mapping[str, Any], requirements: Mapping[str, Any], settle_amount: Optional[int],
        key: Optional[str],
    ) -> Dict[str, Any]:
        payload = payment_payload.get("payload")
        if key is not None:
            record = self.pending.get(key)
            if record is not None:
                return self._await_pending(key, record)

        network = str(requirements.get("network", ""))
        req_json = json.dumps(dict(requirements))
        header = x402_encode_header(json.dumps(dict(payment_payload)))
        payer_hint = ""
        if isinstance(payload, Mapping):
            auth = payload.get("authorization") or payload.get("permit2Authorization")
            if isinstance(auth, Mapping):
                payer_hint = str(auth.get("from", ""))
        resolved = resolve_network(network) if network else None
        if network != self.network and (resolved is None or resolved[0] != self.network):  # v1 names too
            return _result(EvmSettlement(network, payer_hint, "eip3009").refused(
                "invalid_network", f"this settler settles {self.network}, not {network}"))
        try:
            checked = verify_payment_with_rpc(
                req_json,
                header,
                self.rpc,
                now=int(self._clock()),
                allowed_factories=self.allowed_factories,
                settle_amount=settle_amount,
                facilitator=self.signer.address,
            )
        except Error as e:
            cause = e.__cause__
            if getattr(e, "code", None) == "rpc_unavailable" and isinstance(cause, RpcError):
                raise cause
            return _result(EvmSettlement(network, payer_hint, "eip3009").refused(
                str(getattr(e, "code", "invalid_payload")), str(e)))
        verified, route = checked.verified, checked.route
        method = _method(verified.kind)
        amount = settle_amount if verified.kind == "upto_permit2" else None
        if amount is None and verified.kind == "upto_permit2":
            amount = int(requirements.get("amount", verified.amount))
        settlement = EvmSettlement(network, verified.payer, method, amount)  # type: ignore[arg-type]
        without = settlement.without_transaction()  # the core: an upto charge of 0 ends here, nothing sent
        if without is not None:
            return _result(without)
        try:
            call = x402_settle_calldata(req_json, header, settle_amount, route=route)
        except Error as e:
            return _result(settlement.refused(str(getattr(e, "code", "invalid_payload")), str(e)))

        if route == "erc6492_counterfactual":
            signature = str(payload.get("signature", "")) if isinstance(payload, Mapping) else ""
            refusal = self._deploy_wallet(settlement, verified.payer, signature)
            if refusal is not None:
                return refusal

        tx: Dict[str, Any] = {"from": self.signer.address, "to": call.to, "data": "0x" + bytes(call.data).hex()}
        try:
            gas = self.rpc.estimate_gas(tx)
        except RpcError as e:
            if e.code == "rpc_error":
                return _result(settlement.transfer_reverted(e.revert_text or e.message))
            raise
        tip, max_fee = self._fees()

        nonces = _nonce_manager(self.chain_id, self.signer.address)
        with nonces.lock:
            for attempt in (0, 1):
                nonce = nonces.take(lambda: self.rpc.get_transaction_count(self.signer.address, "pending"))
                raw = self.signer.sign_transaction({
                    "chainId": self.chain_id, "nonce": nonce, "maxPriorityFeePerGas": tip, "maxFeePerGas": max_fee,
                    "gas": gas, "to": call.to, "value": 0, "data": bytes(call.data),
                })
                tx_hash = "0x" + keccak256(raw).hex()
                try:
                    sent = self.rpc.send_raw_transaction(raw)
                except RpcError as e:
                    if e.code == "rpc_send_unknown":
                        nonces.used(nonce)  # it may be in a mempool: the receipt decides
                        sent = tx_hash
                        break
                    nonces.reset()
                    if e.code == "rpc_error" and attempt == 0 and "nonce" in e.message.lower():
                        continue  # the key was used elsewhere: re-read the nonce once
                    if e.code == "rpc_error":
                        return _result(settlement.transfer_reverted(e.revert_text or e.message))
                    raise  # unreachable or unavailable: nothing was sent, the authorization is unused
                nonces.used(nonce)
                break
        if sent.lower() != tx_hash:
            # a node answering another hash than the bytes' hash: keep ours, the receipt decides
            sent = tx_hash
        ended = settlement.submitted(sent)
        if ended is not None:
            return _result(ended)
        record = {
            "hash": sent, "raw": "0x" + raw.hex(), "network": network, "payer": verified.payer,
            "method": method, "amount": amount, "sent_at": int(self._clock()),
        }
        return self._wait(settlement, key, record)

    def _fees(self) -> Tuple[int, int]:
        """(maxPriorityFeePerGas, maxFeePerGas) as viem's ``estimateFeesPerGas``."""
        try:
            tip = self.rpc.max_priority_fee_per_gas()
        except RpcError as e:
            if e.code != "rpc_error":
                raise
            tip = DEFAULT_MAX_PRIORITY_FEE_PER_GAS  # a node without the method
        base = self.rpc.base_fee_per_gas() or 0
        return tip, base * 12 // 10 + tip

    # --- counterfactual (ERC-6492) payers -------------------------------------------------------

    def _deploy_wallet(self, settlement: EvmSettlement, payer: str, signature: str) -> Optional[Dict[str, Any]]:
        """Deploys an undeployed ERC-6492 payer's wallet through its factory before the transfer,
        as the reference facilitator does. None when the wallet has code (deployed now or
        meanwhile), else the refusal (nothing more is sent). RPC failures before the deployment
        is sent raise :class:`~pay402.errors.RpcError` (nothing sent)."""
        code = self.rpc.get_code(payer)
        try:  # the core routes on the code as it is now
            routed = route_signature(signature, code, allowed_factories=self.allowed_factories)
        except Error as e:
            return _result(settlement.refused(str(getattr(e, "code", "invalid_payload")), str(e)))
        if routed.route != "erc6492_counterfactual":
            return None  # deployed meanwhile (or by an earlier attempt): nothing to deploy
        factory, data = str(routed.factory), bytes(routed.factory_calldata or b"")
        tx = {"from": self.signer.address, "to": factory, "data": "0x" + data.hex()}
        try:
            gas = self.rpc.estimate_gas(tx)
        except RpcError as e:
            if e.code == "rpc_error":
                return _result(settlement.deployment_failed(
                    f"the factory call reverts: {e.revert_text or e.message}"))
            raise
        tip, max_fee = self._fees()
        nonces = _nonce_manager(self.chain_id, self.signer.address)
        with nonces.lock:
            nonce = nonces.take(lambda: self.rpc.get_transaction_count(self.signer.address, "pending"))
            raw = self.signer.sign_transaction({
                "chainId": self.chain_id, "nonce": nonce, "maxPriorityFeePerGas": tip, "maxFeePerGas": max_fee,
                "gas": gas, "to": factory, "value": 0, "data": data,
            })
            tx_hash = "0x" + keccak256(raw).hex()
            try:
                self.rpc.send_raw_transaction(raw)
            except RpcError as e:
                if e.code != "rpc_send_unknown":
                    nonces.reset()
                    if e.code == "rpc_error":
                        return _result(settlement.deployment_failed(
                            f"the deployment was not accepted: {e.message}"))
                    raise
            nonces.used(nonce)
        receipt, error = self._receipt(tx_hash, self.receipt_timeout)
        if receipt is None or receipt.get("status") != "0x1":
            why = error if receipt is None else f"deployment {tx_hash} reverted"
            return _result(settlement.deployment_failed(why))
        return None

    # --- receipts --------------------------------------------------------------------------------

    def _receipt(self, tx_hash: str, timeout: float) -> Tuple[Optional[Dict[str, Any]], str]:
        deadline = time.monotonic() + timeout
        error = "no receipt"
        while True:
            try:
                receipt = self.rpc.get_transaction_receipt(tx_hash)
                if receipt is not None:
                    return receipt, ""
                error = f"no receipt for {tx_hash} after {timeout:g} s"
            except RpcError as e:
                error = f"{e.code}: {e.message}"
            if time.monotonic() >= deadline:
                return None, error
            time.sleep(self.poll_interval)

    def _end(self, settlement: EvmSettlement, receipt: Mapping[str, Any]) -> Dict[str, Any]:
        status = receipt.get("status")
        if status == "0x1":
            return _result(settlement.confirmed())
        if status == "0x0":
            return _result(settlement.reverted())
        return _result(settlement.receipt_unavailable(f"receipt status {status!r}"))

    def _wait(self, settlement: EvmSettlement, key: Optional[str], record: Dict[str, Any]) -> Dict[str, Any]:
        receipt, error = self._receipt(record["hash"], self.receipt_timeout)
        if receipt is None:
            if key is None:
                key = record["hash"]
            self.pending.set(key, record)
            return _result(settlement.receipt_unavailable(error))
        out = self._end(settlement, receipt)
        if out.get("errorReason") == "settlement_pending":
            self.pending.set(key or record["hash"], record)
        return out

    @staticmethod
    def _settlement_of(record: Mapping[str, Any]) -> EvmSettlement:
        s = EvmSettlement(record["network"], record["payer"], record["method"], record.get("amount"))
        s.submitted(record["hash"])
        return s

    def _await_pending(self, key: str, record: Dict[str, Any]) -> Dict[str, Any]:
        """A settlement already sent for this payment: wait for its hash, never send again."""
        settlement = self._settlement_of(record)
        receipt, error = self._receipt(record["hash"], self.receipt_timeout)
        if receipt is None:
            self._rebroadcast(record)
            return _result(settlement.receipt_unavailable(error))
        out = self._end(settlement, receipt)
        if out.get("errorReason") != "settlement_pending" and not self.pending.delete(key):
            pass  # reconciled meanwhile; the result is the same receipt's
        return out

    def _rebroadcast(self, record: Mapping[str, Any]) -> None:
        """Re-sends the same signed bytes when no node knows the hash (same hash: harmless)."""
        try:
            if self.rpc.get_transaction_by_hash(record["hash"]) is None:
                self.rpc.send_raw_transaction(record["raw"])
        except RpcError:
            pass

    def reconcile(self) -> List[Dict[str, Any]]:
        """Re-checks every pending settlement's receipt once (no waiting) and returns the
        ``SettleResponse`` of each that ended since, each exactly once: a settlement reported
        here (or answered by a later :meth:`settle_payment` of the same payment) is removed from
        the pending store and never reported again. Still-pending ones stay (their signed bytes
        are re-broadcast when no node knows the hash). Refunds are reported the same way, once,
        when they end (refunded or reverted); their record stays, with the result, so the
        refund is never paid again."""
        ended: List[Dict[str, Any]] = []
        for key in list(self.pending.keys()):
            record = self.pending.get(key)
            if record is None:
                continue
            if record.get("kind") == "refund":
                done = self._reconcile_refund(key, record)
                if done is not None:
                    ended.append(done)
                continue
            try:
                receipt = self.rpc.get_transaction_receipt(record["hash"])
            except RpcError:
                continue
            if receipt is None:
                self._rebroadcast(record)
                continue
            out = self._end(self._settlement_of(record), receipt)
            if out.get("errorReason") == "settlement_pending":
                continue
            if self.pending.delete(key):  # only the caller that removed it reports it
                ended.append(out)
        return ended

    # --- refunds ---------------------------------------------------------------------------------

    def refund(self, order: RefundOrder) -> Dict[str, Any]:
        """Pays ``order`` (a :class:`pay402.RefundOrder`: ``amount`` of ``asset`` back to ``to``,
        the payer the payment proved) from the settler with the order's transaction
        (``order.tx_to``, ``order.tx_value``, ``order.calldata``: an ERC-20 ``transfer`` for a token,
        a value transfer to ``to`` for ``asset`` ``"native"``), at most once per ``order.key``; see
        the module docstring. Returns the core's refund result dict (``success``, ``errorReason``:
        ``refund_send_failed`` | ``refund_invalid_hash`` | ``refund_reverted`` |
        ``refund_pending``, ``errorMessage``, ``transaction``, ``network``, ``asset`` (the token, or
        ``"native"``), ``to``, ``amount``). ``refund_pending``: the signed transaction is recorded;
        call again (or :meth:`reconcile`) and the same bytes are re-sent or awaited. Raises
        :class:`~pay402.errors.RpcError` when the chain cannot be reached before anything is
        signed, :class:`~pay402.errors.LocalSettlementError` ``invalid_network`` for an order on
        another network (nothing signed)."""
        self.check_chain()
        if order.network != self.network:
            raise LocalSettlementError(
                f"this settler pays on {self.network}, not {order.network}: nothing sent", code="invalid_network")
        key = "refund:" + order.key.hex()
        with self._inflight_lock:
            entry = self._inflight.setdefault(key, [threading.Lock(), 0])
            entry[1] += 1
        try:
            with entry[0]:  # one attempt per refund at a time in this process
                record = self.pending.get(key)
                fresh = False
                if record is None:
                    signed = self._sign_refund(order, key)
                    if not isinstance(signed, tuple):
                        return signed  # refused before signing: nothing recorded, nothing sent
                    record, fresh = signed
                return self._drive_refund(order, key, record, fresh)
        finally:
            with self._inflight_lock:
                entry[1] -= 1
                if entry[1] == 0:
                    del self._inflight[key]

    def _claim(self, key: str, record: Dict[str, Any]) -> bool:
        add = getattr(self.pending, "add", None)
        if add is not None:
            return bool(add(key, record))
        if self.pending.get(key) is not None:  # a store without add: this process only
            return False
        self.pending.set(key, record)
        return True

    def _sign_refund(self, order: RefundOrder, key: str) -> Union[Dict[str, Any], Tuple[Dict[str, Any], bool]]:
        """Signs the order's transaction (``tx_to``, ``tx_value``, ``calldata``: the core's) and
        records it under ``key`` before anything is sent: the record and whether this call stored
        it (False: another caller did first; its record is used)."""
        data, to, value = bytes(order.calldata), order.tx_to, int(order.tx_value)
        tx: Dict[str, Any] = {"from": self.signer.address, "to": to, "value": hex(value), "data": "0x" + data.hex()}
        try:
            gas = self.rpc.estimate_gas(tx)
        except RpcError as e:
            if e.code == "rpc_error":
                return _refund_result(Refund(order).send_failed(e.revert_text or e.message))
            raise
        tip, max_fee = self._fees()
        # the core's check: the settler's coin covers value + gas × maxFeePerGas (a node's
        # simulation may not check it); short: refund_send_failed, nothing signed or recorded
        balance = _quantity(self.rpc.request("eth_getBalance", [self.signer.address, "pending"]), "eth_getBalance")
        short = Refund(order).check_balance(balance, gas, max_fee)
        if short is not None:
            return _refund_result(short)
        nonces = _nonce_manager(self.chain_id, self.signer.address)
        with nonces.lock:
            nonce = nonces.take(lambda: self.rpc.get_transaction_count(self.signer.address, "pending"))
            raw = self.signer.sign_transaction({
                "chainId": self.chain_id, "nonce": nonce, "maxPriorityFeePerGas": tip, "maxFeePerGas": max_fee,
                "gas": gas, "to": to, "value": value, "data": data,
            })
            record: Dict[str, Any] = {
                "kind": "refund", "state": "signed", "raw": "0x" + raw.hex(), "hash": "0x" + keccak256(raw).hex(),
                "nonce": nonce, "key": order.key.hex(), "network": order.network, "asset": order.asset,
                "to": order.to, "amount": str(order.amount), "signed_at": int(self._clock()),
            }
            if not self._claim(key, record):
                theirs = self.pending.get(key)
                if theirs is None:  # pragma: no cover - removed between add and get
                    raise LocalSettlementError("the refund record vanished", code="refund_record_lost")
                return theirs, False
            nonces.used(nonce)  # recorded: these bytes are sent now or by a retry
            try:
                self.rpc.send_raw_transaction(raw)
            except RpcError as e:
                if e.code != "rpc_send_unknown":
                    nonces.reset()  # the next transaction re-reads the chain
                    return record, False  # recorded, not known to be sent: re-broadcast below
        return record, True

    def _drive_refund(self, order: RefundOrder, key: str, record: Dict[str, Any], fresh: bool) -> Dict[str, Any]:
        """A recorded refund: its stored result, or (re-broadcast unless this call just sent
        it) the wait for its hash."""
        result = record.get("result")
        if record.get("state") != "signed" and isinstance(result, dict):
            return dict(result)
        refund = Refund(order, record["hash"])
        if not fresh:
            self._rebroadcast(record)
        receipt, error = self._receipt(record["hash"], self.receipt_timeout)
        if receipt is None:
            return _refund_result(refund.receipt_unavailable(error))
        return self._end_refund(key, record, refund, receipt)

    def _end_refund(self, key: str, record: Dict[str, Any], refund: Refund, receipt: Mapping[str, Any]) -> Dict[str, Any]:
        status = receipt.get("status")
        if status not in ("0x1", "0x0"):
            return _refund_result(refund.receipt_unavailable(f"receipt status {status!r}"))
        out = _refund_result(refund.confirmed() if status == "0x1" else refund.reverted())
        self.pending.set(key, {**record, "state": "refunded" if status == "0x1" else "reverted", "result": out})
        return out

    def _reconcile_refund(self, key: str, record: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        if record.get("state") != "signed":
            return None  # ended and reported before
        try:
            order = RefundOrder(bytes.fromhex(record["key"]), record["network"], record["asset"], record["to"],
                                int(record["amount"]))
            receipt = self.rpc.get_transaction_receipt(record["hash"])
        except (RpcError, Error, KeyError, ValueError):
            return None  # unreachable now, or a record this code cannot read: it stays for an operator
        if receipt is None:
            self._rebroadcast(record)
            return None
        out = self._end_refund(key, record, Refund(order, record["hash"]), receipt)
        return None if out.get("errorReason") == "refund_pending" else out


def _refund_result(r: RefundResult) -> Dict[str, Any]:
    out = json.loads(r.json)
    assert isinstance(out, dict)
    return out
