"""Settlement with the operator's own key and RPC URLs (no third-party facilitator).

* :class:`LocalEvmSettlement` (:mod:`pay402.settle.evm`) — settles x402 EVM payments on chain;
  a settlement hook for :class:`pay402.server.X402Paywall` and the ``settle_payment`` of a
  facilitator;
* :class:`EvmJsonRpc` (:mod:`pay402.settle.rpc`) — JSON-RPC over HTTP with failover;
* :class:`EvmSigner`, :class:`PrivateKeySigner` (:mod:`pay402.settle.signer`) — who signs.

Standard library only (no extra needed). Errors: :class:`pay402.errors.RpcError`,
:class:`pay402.errors.LocalSettlementError`.
"""

from ..errors import LocalSettlementError, RpcError
from .evm import LocalEvmSettlement, MemoryPendingStore, NonceManager, PendingStore
from .rpc import EvmJsonRpc
from .signer import DEFAULT_KEY_ENV, EvmSigner, PrivateKeySigner

__all__ = [
    "LocalEvmSettlement",
    "PendingStore",
    "MemoryPendingStore",
    "NonceManager",
    "EvmJsonRpc",
    "EvmSigner",
    "PrivateKeySigner",
    "DEFAULT_KEY_ENV",
    "RpcError",
    "LocalSettlementError",
]
