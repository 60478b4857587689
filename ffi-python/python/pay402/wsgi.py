"""WSGI middleware; the implementation is :mod:`pay402.server.wsgi` (kept importable here)."""

from .server.wsgi import PaymentMiddleware, request_from_environ

__all__ = ["PaymentMiddleware", "request_from_environ"]
