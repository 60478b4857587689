"""x402 and L402 servers for Python web frameworks, as small adapters around the core.

* :mod:`pay402.server.gate` — the driver: :class:`X402Paywall` (routes, offers, settlement,
  replay store, hooks), :class:`Gate` (one request through the core's exactly-once exchange);
* :mod:`pay402.server.routes` — route patterns, :class:`X402Route`, :class:`L402Route`;
* :mod:`pay402.server.config` — configuration from a dict or ``PAY402_*`` environment variables;
* :mod:`pay402.server.l402` — :class:`L402Paywall` (Lightning);
* :mod:`pay402.server.page` — the paywall page browsers get (:class:`PageConfig`, :class:`PageInfo`);
* adapters: :mod:`pay402.server.asgi` (Starlette, any ASGI app), :mod:`pay402.server.fastapi`
  (per-route price dependencies), :mod:`pay402.server.flask` (extension and decorator),
  :mod:`pay402.server.django` (middleware from ``settings.PAY402``), :mod:`pay402.server.wsgi`.
"""

from __future__ import annotations

from .gate import (
    Admission,
    FacilitatorSettlement,
    Gate,
    HookContext,
    Hooks,
    NoSettlement,
    Pending,
    Settlement,
    SettlementRequest,
    X402Paywall,
    make_gate,
)
from .http import Headers, Reply, Request
from .l402 import InvoiceProvider, L402Paywall, MemoryRootKeyStore, RootKeyStore
from .page import PageConfig, PageInfo
from .routes import L402Route, X402Route

__all__ = [
    "Admission",
    "FacilitatorSettlement",
    "Gate",
    "HookContext",
    "Hooks",
    "Headers",
    "InvoiceProvider",
    "L402Paywall",
    "L402Route",
    "MemoryRootKeyStore",
    "NoSettlement",
    "PageConfig",
    "PageInfo",
    "Pending",
    "Reply",
    "Request",
    "RootKeyStore",
    "Settlement",
    "SettlementRequest",
    "X402Paywall",
    "X402Route",
    "make_gate",
]
