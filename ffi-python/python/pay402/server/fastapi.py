"""FastAPI: per-route prices as dependencies, on top of the ASGI middleware.

.. code-block:: python

    from fastapi import Depends, FastAPI
    from pay402.server import Admission, X402Paywall
    from pay402.server.asgi import PaymentMiddleware
    from pay402.server.fastapi import price

    app = FastAPI()
    app.add_middleware(PaymentMiddleware, x402=X402Paywall({}, network=..., pay_to=..., facilitator_url=...))

    @app.get("/report")
    def report(payment: Admission = Depends(price("$0.05"))) -> dict:
        return {"paid_by": payment.payer}

The dependency verifies the payment and reserves it before the handler runs; the middleware
settles after the handler (or before it, with ``settle_before_handler``) and adds the receipt.
Without the middleware the dependency raises :class:`~pay402.errors.ConfigurationError`: a
priced route never runs unprotected.

Needs FastAPI (Starlette): ``pip install "pay402[fastapi]"`` (without it, importing this module
raises :class:`~pay402.errors.MissingExtra` naming the extra). The ASGI middleware itself,
:mod:`pay402.server.asgi`, needs no extra.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict

from ..errors import ConfigurationError, require_extra

require_extra("starlette", "fastapi", "pay402.server.fastapi")
from starlette.requests import Request as StarletteRequest  # noqa: E402
from .asgi import PaymentRequired
from .gate import Admission
from .routes import PriceArg, X402Route

__all__ = ["price", "offers", "PaymentRequired"]


def offers(*routes: X402Route) -> Callable[..., Awaitable[Admission]]:
    """A dependency for several offers (schemes, networks) on one route; each
    :class:`~pay402.server.X402Route`'s ``pattern`` is ignored."""
    if not routes:
        raise ConfigurationError("offers() needs at least one X402Route", code="no_routes")
    groups: Dict[int, Any] = {}

    async def dependency(request: StarletteRequest) -> Admission:
        slot = request.scope.get("pay402.slot")
        if slot is None or slot.gate.x402 is None:
            raise ConfigurationError(
                "a pay402 price dependency needs pay402.server.asgi.PaymentMiddleware with an X402Paywall",
                code="missing_middleware",
            )
        if slot.pending is not None:
            return slot.pending.admission  # type: ignore[no-any-return]
        group = groups.get(id(slot.gate))
        if group is None:
            group = groups[id(slot.gate)] = slot.gate.x402.route_for(list(routes))
        outcome = await slot.gate.astart(slot.request, group)
        if outcome is None or not hasattr(outcome, "admission"):
            raise PaymentRequired(outcome)
        slot.pending = outcome
        return outcome.admission  # type: ignore[no-any-return]

    return dependency


def price(amount: PriceArg, **offer: Any) -> Callable[..., Awaitable[Admission]]:
    """A dependency charging ``amount`` (``"$0.01"``, atomic ``int``, or ``request -> price``);
    ``offer`` takes the :class:`~pay402.server.X402Route` fields (``scheme``, ``network``,
    ``pay_to``, ``transfer_method``, …), the paywall's defaults fill the rest."""
    return offers(X402Route("/*", amount, **offer))

