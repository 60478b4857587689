"""ASGI middleware; the implementation is :mod:`pay402.server.asgi` (kept importable here)."""

from .server.asgi import PaymentMiddleware, PaymentRequired, request_from_scope

__all__ = ["PaymentMiddleware", "PaymentRequired", "request_from_scope"]
