"""Django: a middleware class configured from ``settings.PAY402``, and a per-view price.

.. code-block:: python

    # settings.py
    MIDDLEWARE = [..., "pay402.server.django.PaymentMiddleware"]
    PAY402 = {
        "routes": {"GET /premium": "$0.01"},
        "network": "eip155:84532",
        "pay_to": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
        "facilitator_url": "https://x402.org/facilitator",
    }

    # views.py
    from pay402.server.django import price

    @price("$0.05")
    def report(request):
        return JsonResponse({"paid_by": request.pay402.payer})

``settings.PAY402`` takes the keys of :mod:`pay402.server.config` and also ``hooks``,
``settlement`` objects, ``replay_store`` and the other :class:`~pay402.server.X402Paywall`
arguments; ``routes`` may be empty when every price is on a view. A missing or invalid setting
raises :class:`~pay402.errors.ConfigurationError` when Django loads the middleware. The
admission is ``request.pay402`` (and ``request.META["pay402"]``). ``django.test.Client`` goes
through it like any request.

Needs Django: ``pip install "pay402[django]"`` (without it, importing this module raises
:class:`~pay402.errors.MissingExtra` naming the extra).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, TypeVar

from ..errors import ConfigurationError, require_extra
from .config import KEYS, paywall_kwargs
from .gate import Gate, Pending, X402Paywall
from .http import Reply
from .routes import PriceArg, X402Route
from .wsgi import request_from_environ

require_extra("django", "django", "pay402.server.django")

__all__ = ["PaymentMiddleware", "price", "offers", "paywall_from_settings"]

F = TypeVar("F", bound=Callable[..., Any])


def paywall_from_settings(config: Any) -> X402Paywall:
    if not isinstance(config, dict):
        raise ConfigurationError("settings.PAY402 must be a dict", code="missing_settings")
    def is_plain(k: Any, v: Any) -> bool:  # a setting, or an object (hooks, a settlement hook, a store)
        return str(k).lower() in KEYS and (isinstance(v, (str, int, dict)) or v is None)

    plain = {k: v for k, v in config.items() if is_plain(k, v)}
    objects = {str(k).lower(): v for k, v in config.items() if not is_plain(k, v)}
    kwargs = paywall_kwargs(plain, require_routes=False)
    return X402Paywall(**{**kwargs, **objects})


def _response(reply: Reply) -> Any:
    from django.http import HttpResponse

    response = HttpResponse(reply.body, status=reply.status)
    for name, value in reply.headers:
        response[name] = value
    return response


class PaymentMiddleware:
    """Django middleware (new style). Reads ``settings.PAY402`` once, at startup."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        from django.conf import settings

        self.get_response = get_response
        self.gate = Gate(paywall_from_settings(getattr(settings, "PAY402", None)))
        self._groups: Dict[int, Any] = {}

    def _request(self, request: Any) -> Any:
        return request_from_environ(request.META, native=request)

    @staticmethod
    def _admit(request: Any, pending: Pending) -> None:
        request._pay402_pending = pending
        request.pay402 = pending.admission
        request.META["pay402"] = pending.admission

    def __call__(self, request: Any) -> Any:
        decision = self.gate.start(self._request(request))
        if isinstance(decision, Reply):
            return _response(decision)
        if decision is not None:
            self._admit(request, decision)
        try:
            response = self.get_response(request)
        except BaseException:
            pending = getattr(request, "_pay402_pending", None)
            if pending is not None and not pending.done:
                pending.finish(500)
            raise
        pending = getattr(request, "_pay402_pending", None)
        if pending is None or pending.done:
            return response
        outcome = pending.finish(response.status_code)
        if isinstance(outcome, Reply):
            return _response(outcome)
        for name, value in outcome:
            response[name] = value
        return response

    def process_view(self, request: Any, view: Any, args: Any, kwargs: Any) -> Optional[Any]:
        routes = getattr(view, "pay402_offers", None)
        if routes is None or getattr(request, "_pay402_pending", None) is not None:
            return None
        assert self.gate.x402 is not None
        group = self._groups.get(id(view))
        if group is None:
            group = self._groups[id(view)] = self.gate.x402.route_for(list(routes))
        decision = self.gate.start(self._request(request), group)
        if isinstance(decision, Reply):
            return _response(decision)
        assert decision is not None
        self._admit(request, decision)
        return None


def offers(*routes: X402Route) -> Callable[[F], F]:
    """Marks a view as sold with these offers (patterns ignored); the middleware enforces it.
    A view marked without the middleware installed is refused (500), never served free."""
    if not routes:
        raise ConfigurationError("offers() needs at least one X402Route", code="no_routes")

    def decorate(view: F) -> F:
        import functools

        @functools.wraps(view)
        def wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
            if getattr(request, "_pay402_pending", None) is None:
                raise ConfigurationError(
                    "a pay402-priced view needs pay402.server.django.PaymentMiddleware in MIDDLEWARE",
                    code="missing_middleware",
                )
            return view(request, *args, **kwargs)

        wrapper.pay402_offers = routes  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def price(amount: PriceArg, **offer: Any) -> Callable[[F], F]:
    """Marks a view as costing ``amount``; ``offer`` takes the :class:`~pay402.server.X402Route`
    fields."""
    return offers(X402Route("/*", amount, **offer))
