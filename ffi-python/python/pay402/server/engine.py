"""The core's x402 resource server, as the driver uses it: ``X402Server`` (prepared offers,
challenge, admission, ``/verify`` body) and its ``Exchange`` (the exactly-once steps). Both come
from the extension module; see ``pay402._native``."""

from __future__ import annotations

from .._native import Admitted, Exchange, Reply, Step, X402Server

__all__ = ["X402Server", "Exchange", "Admitted", "Reply", "Step"]
