"""Flask: an extension with a route table and a per-route decorator carrying the price.

.. code-block:: python

    from pay402.server.flask import Pay402

    pay402 = Pay402(x402=X402Paywall({}, network=..., pay_to=..., facilitator_url=...))
    pay402.init_app(app)          # or Pay402(app, x402=...)

    @app.get("/report")
    @pay402.price("$0.05")
    def report():
        return {"paid_by": flask.g.pay402.payer}

Routes in the paywall's table are guarded for every view; decorated views carry their own
price. The admission is ``flask.g.pay402`` (and ``request.environ["pay402"]``). Flask's test
client goes through both.

Needs Flask: ``pip install "pay402[flask]"`` (without it, importing this module raises
:class:`~pay402.errors.MissingExtra` naming the extra).
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Optional, TypeVar, cast

from ..errors import ConfigurationError, require_extra
from .gate import Gate, Pending, X402Paywall, make_gate
from .http import Reply
from .l402 import L402Paywall
from .routes import PriceArg, X402Route
from .wsgi import request_from_environ

require_extra("flask", "flask", "pay402.server.flask")

__all__ = ["Pay402"]

F = TypeVar("F", bound=Callable[..., Any])


def _response(reply: Reply) -> Any:
    import flask

    return flask.Response(reply.body, status=reply.status, headers=reply.headers)


class Pay402:
    """The Flask extension. ``x402=``/``l402=`` paywalls or a ready ``gate=``."""

    def __init__(
        self,
        app: Any = None,
        *,
        x402: Optional[X402Paywall] = None,
        l402: Optional[L402Paywall] = None,
        gate: Optional[Gate] = None,
    ) -> None:
        self.gate = make_gate(x402, l402, gate)
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Any) -> None:
        app.extensions["pay402"] = self
        app.before_request(self._before)
        app.after_request(self._after)
        app.teardown_request(self._teardown)

    @staticmethod
    def _request() -> Any:
        import flask

        return request_from_environ(flask.request.environ, native=flask.request)

    def _before(self) -> Any:
        import flask

        decision = self.gate.start(self._request())
        if decision is None:
            return None
        if isinstance(decision, Reply):
            return _response(decision)
        self._admit(decision)
        return None

    @staticmethod
    def _admit(pending: Pending) -> None:
        import flask

        flask.g._pay402_pending = pending
        flask.g.pay402 = pending.admission
        flask.request.environ["pay402"] = pending.admission

    def _after(self, response: Any) -> Any:
        import flask

        pending: Optional[Pending] = flask.g.pop("_pay402_pending", None)
        if pending is None or pending.done:
            return response
        return self._finish(pending, response)

    @staticmethod
    def _finish(pending: Pending, response: Any) -> Any:
        outcome = pending.finish(response.status_code)
        if isinstance(outcome, Reply):
            return _response(outcome)
        for name, value in outcome:
            response.headers[name] = value
        return response

    def _teardown(self, exc: Optional[BaseException]) -> None:
        import flask

        pending: Optional[Pending] = flask.g.pop("_pay402_pending", None)
        if pending is not None and not pending.done:
            pending.finish(500)  # the view raised: nothing settled, reservation released

    def offers(self, *routes: X402Route) -> Callable[[F], F]:
        """Decorator: the view is sold with these offers (their patterns are ignored)."""
        if self.gate.x402 is None:
            raise ConfigurationError("Pay402.price needs an X402Paywall", code="no_paywall")
        group = self.gate.x402.route_for(list(routes))

        def decorate(view: F) -> F:
            @functools.wraps(view)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                import flask

                if flask.g.get("_pay402_pending") is not None:
                    return view(*args, **kwargs)
                decision = self.gate.start(self._request(), group)
                if isinstance(decision, Reply):
                    return _response(decision)
                assert decision is not None
                self._admit(decision)
                try:
                    response = flask.make_response(view(*args, **kwargs))
                except BaseException:
                    flask.g.pop("_pay402_pending", None)
                    decision.finish(500)
                    raise
                flask.g.pop("_pay402_pending", None)
                return self._finish(decision, response)

            return cast(F, wrapper)

        return decorate

    def price(self, amount: PriceArg, **offer: Any) -> Callable[[F], F]:
        """Decorator: the view costs ``amount``; ``offer`` takes the
        :class:`~pay402.server.X402Route` fields (``scheme``, ``network``, ``pay_to``, …)."""
        return self.offers(X402Route("/*", amount, **offer))
