"""The paywall driver: which routes cost what (:class:`X402Paywall`, :class:`L402Paywall`), and
:class:`Gate`, which runs one request through the core's exactly-once exchange.

A request goes ``Gate.start(request)`` → one of

* ``None`` — the route is not protected: run the handler;
* a :class:`~pay402.server.http.Reply` — answer it without running the handler (402 challenge,
  refused payment, replay, settlement refused before the handler);
* a :class:`Pending` — the payment was verified and its replay key reserved: run the handler,
  then ``pending.finish(status)`` (or ``await pending.afinish(status)``) gives the headers to
  add (the receipt) or a ``Reply`` that replaces the handler's response. A handler that raised
  is reported as ``pending.finish(500)``.

Every verdict (status, headers, body, replay key and lifetime, settle body, receipt, what
happens after the handler or the facilitator answered) is the core's: the driver performs the
I/O the core asks for (replay store, settlement hook) and the framework adapters only convert
requests and responses. The rules: the handler failing (exception or status ≥ 400) settles
nothing and releases the reservation, so the same authorization can be retried; a settlement
refused withholds the content (402 with the failure receipt) and releases the reservation; no
answer from the facilitator keeps the reservation and withholds the content (502).
"""

from __future__ import annotations

import inspect
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import (
    Any,
    Callable,
    Dict,
    Generator,
    List,
    Mapping,
    Optional,
    Protocol,
    Sequence,
    Tuple,
    Union,
)

from .._native import L402Identifier
from ..errors import ConfigurationError, FacilitatorError, PriceError, SettleError
from ..facilitator import FacilitatorClient
from ..prices import price_terms
from ..replay import MemoryReplayStore, ReplayStore, as_replay_store
from . import engine
from .http import Headers, Reply, Request, with_body
from .l402 import L402Paywall
from .page import VARY, PageArg, PaywallHtml, page_reply, page_server
from .routes import L402Route, Matcher, X402Route

__all__ = [
    "Admission",
    "Hooks",
    "HookContext",
    "X402Paywall",
    "Settlement",
    "SettlementRequest",
    "FacilitatorSettlement",
    "NoSettlement",
    "Gate",
    "Pending",
    "make_gate",
]

log = logging.getLogger("pay402.server")


# --- admissions -------------------------------------------------------------------------------


@dataclass
class Admission:
    """A request that may run its handler. ``kind``: ``"x402"`` (a verified, reserved payment),
    ``"l402"`` (a verified token) or ``"granted"`` (a ``grant`` hook let it through unpaid).

    x402: ``payer``, ``amount`` (signed; ``upto``: the maximum), ``x402_version``,
    ``payment_payload`` and ``requirements`` (dicts, as a facilitator takes them),
    ``offer_index`` (which offer of the route was paid). L402: ``identifier``. Handlers read it
    from ``scope["pay402"]`` (ASGI), ``environ["pay402"]`` (WSGI), ``flask.g.pay402``,
    ``request.pay402`` (Django) or the FastAPI dependency's value.
    """

    kind: str
    route: Any = None
    payer: Optional[str] = None
    amount: Optional[int] = None
    x402_version: Optional[int] = None
    payment_payload: Optional[Dict[str, Any]] = None
    requirements: Optional[Dict[str, Any]] = None
    offer_index: Optional[int] = None
    identifier: Optional[L402Identifier] = None
    settle_response: Optional[Dict[str, Any]] = None
    charged: Optional[int] = field(default=None, repr=False)

    def charge(self, amount: int) -> None:
        """Usage-based (``upto``) charge: settle ``amount`` atomic units instead of the signed
        maximum. The core refuses an amount above the maximum."""
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            raise ValueError("charge must be a non-negative int (atomic units)")
        self.charged = amount


# --- settlement ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SettlementRequest:
    """What a settlement hook gets: the core's ``/settle`` body (``body``, bytes) and its parts
    (dicts, exactly what a facilitator's ``/settle`` takes), the payer and the signed amount."""

    x402_version: int
    payment_payload: Dict[str, Any]
    requirements: Dict[str, Any]
    payer: Optional[str]
    amount: Optional[int]
    body: bytes


class Settlement(Protocol):
    """Settles a verified payment; returns the ``SettleResponse`` dict or raises
    (:class:`~pay402.errors.SettleError` when the payment is refused, anything else when
    settlement is unavailable). May also define ``async def asettle(request)``."""

    def settle(self, request: SettlementRequest) -> Mapping[str, Any]: ...


class FacilitatorSettlement:
    """Settles through a facilitator's ``/settle`` (the default when a facilitator is configured)."""

    def __init__(self, client: FacilitatorClient) -> None:
        self.client = client

    def settle(self, request: SettlementRequest) -> Mapping[str, Any]:
        return self.client.settle(request.payment_payload, request.requirements)

    async def asettle(self, request: SettlementRequest) -> Mapping[str, Any]:
        return await self.client.asettle(request.payment_payload, request.requirements)


class NoSettlement:
    """Does NOT settle: reports success with an empty transaction. The content is served for a
    valid signed authorization that nobody submits on chain. Only for tests and demos; chosen
    explicitly with ``settlement="none"``."""

    def settle(self, request: SettlementRequest) -> Mapping[str, Any]:
        return {"success": True, "transaction": "", "network": request.requirements["network"], "payer": request.payer or ""}


class _CallableSettlement:
    def __init__(self, fn: Callable[[SettlementRequest], Any]) -> None:
        self.fn = fn

    def settle(self, request: SettlementRequest) -> Mapping[str, Any]:
        result = self.fn(request)
        if inspect.isawaitable(result):
            raise TypeError("an async settlement callable can only be used with the ASGI middleware")
        return result  # type: ignore[no-any-return]

    async def asettle(self, request: SettlementRequest) -> Mapping[str, Any]:
        result = self.fn(request)
        if inspect.isawaitable(result):
            result = await result
        return result  # type: ignore[no-any-return]


SettlementArg = Union[str, FacilitatorClient, Settlement, Callable[[SettlementRequest], Mapping[str, Any]], None]


# --- hooks ------------------------------------------------------------------------------------


@dataclass
class HookContext:
    """What a hook sees: the request, the admission once verified, the settle response once
    settled, the refusal once there is one."""

    request: Request
    admission: Optional[Admission] = None
    settle_response: Optional[Dict[str, Any]] = None
    reply: Optional[Reply] = None


@dataclass
class Hooks:
    """Lifecycle hooks (all optional, synchronous; the ASGI adapter runs them in a thread).

    * ``grant(request) -> bool``: True lets the request through without payment (an API key,
      an allow-list); its admission has ``kind == "granted"``.
    * ``before_verify(ctx)``, ``after_verify(ctx)``, ``before_settle(ctx)``: may return a
      :class:`Reply` to answer instead (after verification the reservation is released).
    * ``after_settle(ctx)``: ``ctx.settle_response`` is the facilitator's answer.
    * ``on_failure(ctx)``: every refusal, withheld or pending settlement (``ctx.reply``).
    """

    grant: Optional[Callable[[Request], bool]] = None
    before_verify: Optional[Callable[[HookContext], Optional[Reply]]] = None
    after_verify: Optional[Callable[[HookContext], Optional[Reply]]] = None
    before_settle: Optional[Callable[[HookContext], Optional[Reply]]] = None
    after_settle: Optional[Callable[[HookContext], None]] = None
    on_failure: Optional[Callable[[HookContext], None]] = None


def _call(hook: Optional[Callable[..., Any]], ctx: Any) -> Optional[Reply]:
    if hook is None:
        return None
    result = hook(ctx)
    if result is not None and not isinstance(result, Reply):
        raise TypeError(f"hook {hook!r} must return None or a pay402.server.Reply")
    return result


# --- x402 offers --------------------------------------------------------------------------------

_DEFAULT_FIELDS = (
    "network", "pay_to", "asset", "decimals", "eip712_name", "eip712_version", "transfer_method",
    "fee_payer", "facilitator", "description", "mime_type", "max_timeout_seconds",
)
# The seller's terms the core resolves into an offer (pay402::x402::server::PaymentOption): the
# default asset and its details, `upto` => Permit2 + facilitator, Solana => exact + mint + fee
# payer, the display price in atomic units, the default lifetime, and every refusal's code.
_TERMS = (
    "network", "asset", "decimals", "eip712_name", "eip712_version", "transfer_method", "fee_payer",
    "facilitator", "max_timeout_seconds",
)
# A stand-in price for checking a route whose price is only known per request.
_PROBE_PRICE = {"amount": 1}


class _Offer:
    """One route offer: the seller's terms, passed to the core as given; a dynamic price or payee
    is resolved per request through the same core path."""

    def __init__(self, route: X402Route, defaults: Dict[str, Any]) -> None:
        def pick(name: str) -> Any:
            value = getattr(route, name)
            return defaults.get(name) if value is None else value

        self.route = route
        self.terms: Dict[str, Any] = {"scheme": route.scheme}
        for name in _TERMS:
            value = pick(name)
            if value is not None:
                self.terms[name] = value
        self.description = pick("description") or ""
        # absent: the core's default (application/json), the same in every binding
        self.mime_type = pick("mime_type") or None
        self.pay_to = pick("pay_to")
        self.price: Any = route.price
        # Static prices are converted now (a bad one fails at construction), dynamic ones per request.
        if not callable(self.price):
            self.price = self._price(self.price)

    def _price(self, price: Any) -> Dict[str, Any]:
        try:
            return price_terms(price)
        except PriceError as e:
            raise ConfigurationError(f"route {self.route.pattern!r}: {e.message}", code=e.code) from e

    def resolve(self, request: Optional[Request]) -> Dict[str, Any]:
        """The terms for the core; ``request`` None: a check at construction (a dynamic price is
        then a stand-in, a dynamic payee absent)."""
        if callable(self.price):
            price = _PROBE_PRICE if request is None else self._price(self.price(request))
        else:
            price = self.price
        pay_to = self.pay_to(request) if callable(self.pay_to) and request is not None else self.pay_to
        offer = {**self.terms, **price}
        if pay_to is not None and not callable(pay_to):
            offer["pay_to"] = str(pay_to)
        return offer

    @property
    def static(self) -> bool:
        return not callable(self.price) and not callable(self.pay_to)


class _RouteOffers:
    def __init__(self, matcher: Matcher, offers: List[_Offer]) -> None:
        self.match = matcher
        self.offers = offers
        self.route = offers[0].route
        self.page: Any = None  # the core's page server, or None: set by X402Paywall

    def resource(self, request: Request) -> Dict[str, Any]:
        return {"url": request.url, "description": self.offers[0].description, "mime_type": self.offers[0].mime_type}


def _settlement(settlement: SettlementArg, facilitator_url: Optional[str]) -> Settlement:
    if settlement is not None and facilitator_url is not None:
        raise ConfigurationError("pass settlement= or facilitator_url=, not both")
    if facilitator_url is not None:
        return FacilitatorSettlement(FacilitatorClient(facilitator_url))
    if settlement is None:
        raise ConfigurationError(
            "no settlement: pass facilitator_url=, settlement=<hook> or, for tests only, settlement='none'",
            code="missing_settlement",
        )
    if settlement == "none":
        return NoSettlement()
    if isinstance(settlement, str):
        raise ConfigurationError(f"settlement {settlement!r}: use facilitator_url= for a URL, or 'none'", code="invalid_settlement")
    if isinstance(settlement, FacilitatorClient):
        return FacilitatorSettlement(settlement)
    if hasattr(settlement, "settle"):
        return settlement  # type: ignore[return-value]
    if callable(settlement):
        return _CallableSettlement(settlement)
    raise ConfigurationError(f"settlement {settlement!r} is not usable", code="invalid_settlement")


def _chain_reader(settlement: Any, rpc: Any, allowed_factories: Optional[Sequence[str]]) -> Tuple[Any, List[str]]:
    """The RPC smart-wallet payers are admitted through, and the ERC-6492 factory allow-list:
    as given, else a :class:`~pay402.settle.LocalEvmSettlement`'s."""
    local: Any = None
    try:
        from ..settle.evm import LocalEvmSettlement
    except ImportError:  # pragma: no cover - the settle package ships with the wheel
        LocalEvmSettlement = None  # type: ignore[assignment,misc]
    if LocalEvmSettlement is not None and isinstance(settlement, LocalEvmSettlement):
        local = settlement
    if rpc is None and local is not None:
        rpc = local.rpc
    if allowed_factories is None:
        allowed_factories = list(local.allowed_factories) if local is not None else []
    if isinstance(allowed_factories, str):
        raise ConfigurationError("allowed_factories is a list of addresses", code="invalid_allowed_factories")
    if rpc is not None and not (callable(getattr(rpc, "get_code", None)) and callable(getattr(rpc, "call", None))):
        raise ConfigurationError(
            "rpc needs get_code(address) -> bytes and call(to, data) -> bytes | None", code="invalid_rpc",
        )
    return rpc, list(allowed_factories)


BodyArg = Union[None, bytes, str, Mapping[str, Any], Callable[[Request, Reply], Any]]


class X402Paywall:
    """x402 protection of routes: ``exact`` (EIP-3009 or Permit2), ``upto`` (Permit2) and Solana
    ``exact`` offers.

    ``routes``: a sequence of :class:`~pay402.server.X402Route`, or a mapping ``{pattern: price}``
    (prices may be callables ``request -> price``). Defaults for every route: ``network`` (v1
    name or CAIP-2), ``pay_to`` (or a callable ``request -> address``), ``asset`` (default: the
    network's default asset, e.g. USDC), ``decimals``, ``eip712_name``, ``eip712_version``,
    ``transfer_method``, ``fee_payer`` (Solana), ``facilitator`` (``upto``), ``description``,
    ``mime_type``, ``max_timeout_seconds``.

    ``settlement``: ``"none"`` (:class:`NoSettlement`, tests and demos only), a
    :class:`~pay402.facilitator.FacilitatorClient`, an object with ``settle(request)`` (and
    optionally ``asettle``), or a callable ``request -> SettleResponse dict``; or
    ``facilitator_url``. One of them is required.

    ``replay_store``: a :class:`~pay402.replay.ReplayStore` (``reserve``/``release``; default: a
    :class:`~pay402.replay.MemoryReplayStore`, one worker process only). ``hooks``:
    :class:`Hooks`. ``settle_before_handler``: settle first, run the handler only on a settled
    payment. ``unpaid_body`` / ``failure_body``: the body of the 402 without a payment / of every
    other refusal (bytes, text, a JSON-able value or a callable ``(request, reply) -> body``);
    the headers (``PAYMENT-REQUIRED``, receipts) are the core's either way.

    ``rpc``: an EVM JSON-RPC (an object with ``get_code(address) -> bytes`` and
    ``call(to, data) -> bytes | None``, e.g. :class:`~pay402.settle.rpc.EvmJsonRpc`) through which
    smart-wallet payers (EIP-1271, EIP-7702, and undeployed ERC-6492 wallets whose factory is in
    ``allowed_factories``; empty denies them) are admitted; the core decides which reads to make
    and the verdict. A read that fails is the core's 503 ``smart_wallet_check_unavailable``,
    never an admission. When ``settlement`` is a :class:`~pay402.settle.LocalEvmSettlement`, its
    ``rpc`` and ``allowed_factories`` are the defaults. Without an RPC a smart-wallet payer is
    refused (402, detail ``smart_wallet_needs_rpc``).

    ``page``: the paywall page browsers get instead of the JSON 402 (:mod:`pay402.server.page`;
    the core decides which requests): on by default, ``False`` turns it off, a
    :class:`~pay402.server.page.PageConfig` themes it; ``X402Route(page=...)`` overrides it per
    route. ``paywall_html``: ``(info, request) -> str | bytes | None``, custom HTML for the page
    (the status and challenge headers stay the core's; ``None`` serves the default page).
    Unpaid API 402s of routes with a page carry the core's ``Vary``.
    """

    def __init__(
        self,
        routes: Union[Sequence[X402Route], Mapping[str, Any]] = (),
        *,
        settlement: SettlementArg = None,
        facilitator_url: Optional[str] = None,
        replay_store: Optional[ReplayStore] = None,
        hooks: Optional[Hooks] = None,
        settle_before_handler: bool = False,
        unpaid_body: BodyArg = None,
        failure_body: BodyArg = None,
        clock: Callable[[], float] = time.time,
        rpc: Any = None,
        allowed_factories: Optional[Sequence[str]] = None,
        page: PageArg = None,
        paywall_html: Optional[PaywallHtml] = None,
        **defaults: Any,
    ) -> None:
        unknown = set(defaults) - set(_DEFAULT_FIELDS) - {"scheme"}
        if unknown:
            raise ConfigurationError(f"unknown X402Paywall options: {sorted(unknown)}", code="unknown_option")
        scheme = defaults.pop("scheme", None)
        self._defaults: Dict[str, Any] = dict(defaults)
        if isinstance(routes, Mapping):
            route_list = [X402Route(p, price, scheme=scheme or "exact") for p, price in routes.items()]
        else:
            route_list = list(routes)
        groups: Dict[Any, _RouteOffers] = {}
        for r in route_list:
            m = Matcher(r.pattern, r.methods)
            offer = _Offer(r, defaults)
            if m.key in groups:
                groups[m.key].offers.append(offer)
            else:
                groups[m.key] = _RouteOffers(m, [offer])
        self.routes = list(groups.values())
        self.page = page_server(page)
        self.paywall_html = paywall_html
        for group in self.routes:  # the core checks every offer set once, now
            self._check(group)
        self.settlement = _settlement(settlement, facilitator_url)
        self.rpc, self.allowed_factories = _chain_reader(self.settlement, rpc, allowed_factories)
        if replay_store is not None and inspect.iscoroutinefunction(getattr(replay_store, "reserve", None)):
            raise ConfigurationError(
                "an asyncio replay store cannot serve the paywall (it reserves from worker threads); "
                "use RedisReplayStore", code="invalid_replay_store",
            )
        try:
            self.replay_store: ReplayStore = as_replay_store(replay_store) if replay_store is not None else MemoryReplayStore()
        except TypeError as e:
            raise ConfigurationError(str(e), code="invalid_replay_store") from None
        self.hooks = hooks or Hooks()
        self.settle_before_handler = bool(settle_before_handler)
        self.unpaid_body, self.failure_body = unpaid_body, failure_body
        self.clock = clock
        self._cache: Dict[Tuple[Any, ...], Any] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Mapping[str, Any], **overrides: Any) -> "X402Paywall":
        """From a dict (e.g. Django's ``settings.PAY402``); see :mod:`pay402.server.config`."""
        from .config import paywall_kwargs

        return cls(**{**paywall_kwargs(config), **overrides})

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None, **overrides: Any) -> "X402Paywall":
        """From ``PAY402_*`` environment variables; see :mod:`pay402.server.config`."""
        from .config import config_from_env, paywall_kwargs

        return cls(**{**paywall_kwargs(config_from_env(environ)), **overrides})

    def match(self, method: str, path: str) -> Optional[_RouteOffers]:
        for r in self.routes:
            if r.match(method, path):
                return r
        return None

    def route_for(self, prices: Sequence[X402Route]) -> _RouteOffers:
        """An offer set for one handler (decorators, dependencies), with this paywall's defaults."""
        if not prices:
            raise ConfigurationError("no offers for the route", code="no_routes")
        offers = [_Offer(r, self._defaults) for r in prices]
        group = _RouteOffers(Matcher(prices[0].pattern, prices[0].methods), offers)
        self._check(group)
        return group

    def _page(self, group: _RouteOffers) -> Any:
        """The route's page server: its own ``page=``, else the paywall's."""
        arg = getattr(group.route, "page", None)
        return self.page if arg is None else group.page

    def _check(self, group: _RouteOffers) -> None:
        """Builds the core's server for a route once: a static offer set is then cached; one with a
        dynamic price is checked with a stand-in price (a dynamic payee is checked per request)."""
        request = Request("GET", "/", "http://localhost/", [])
        arg = getattr(group.route, "page", None)
        if arg is not None:
            group.page = page_server(arg)
        if all(o.static for o in group.offers):
            self._server(group, request)
        elif not any(callable(o.pay_to) for o in group.offers):
            self._engine(group, [o.resolve(None) for o in group.offers], group.resource(request))

    def _server(self, group: _RouteOffers, request: Request) -> Any:
        offers = [o.resolve(request) for o in group.offers]
        resource = group.resource(request)
        key = (json.dumps(offers, sort_keys=True), json.dumps(resource, sort_keys=True))
        cache = getattr(self, "_cache", None)
        if cache is not None and key in cache:
            return cache[key]
        server = self._engine(group, offers, resource)
        if cache is not None:
            with self._lock:
                if len(cache) > 4096:
                    cache.clear()
                cache[key] = server
        return server


    @staticmethod
    def _engine(group: _RouteOffers, offers: List[Dict[str, Any]], resource: Dict[str, Any]) -> Any:
        try:
            return engine.X402Server(offers, resource)
        except Exception as e:  # the core's typed configuration errors (X402Error .code)
            raise ConfigurationError(f"route {group.route.pattern!r}: {e}", code=getattr(e, "code", "invalid_offer")) from e


# --- the gate -----------------------------------------------------------------------------------


def _body(arg: BodyArg, request: Request, reply: Reply) -> Reply:
    if arg is None:
        return reply
    value = arg(request, reply) if callable(arg) else arg
    return with_body(reply, value)


def _as_reply(r: Any, content_type: bool = True) -> Reply:
    headers = list(r.headers)
    body = r.body if r.body is not None else b""
    if content_type and body and not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    return Reply(int(r.status), headers, bytes(body), getattr(r, "code", None), getattr(r, "detail_code", None))


_SettleGen = Generator[SettlementRequest, Optional[bytes], Union[str, Headers, Reply]]


class Pending:
    """One admitted request: run the handler, then :meth:`finish` / :meth:`afinish`."""

    def __init__(self, gate: "Gate", request: Request, admission: Admission, exchange: Any = None) -> None:
        self.gate, self.request, self.admission, self.exchange = gate, request, admission, exchange
        self.done = False

    # The exchange loop, once for sync and async: yields settle requests, receives the
    # facilitator's answer (bytes, or None when there was none), returns the final outcome.
    def _steps(self, step: Any) -> _SettleGen:
        x = self.gate.x402
        assert x is not None
        ctx = HookContext(self.request, self.admission)
        while step.action == "settle":
            hook_reply = _call(x.hooks.before_settle, ctx)
            if hook_reply is not None:
                self._release()
                return hook_reply
            try:
                body = bytes(self.exchange.settle_request(self.admission.charged))
            except BaseException:  # e.g. an upto charge above the signed maximum: nothing is settled
                self._release()
                raise
            parsed = json.loads(body)
            response = yield SettlementRequest(
                int(parsed.get("x402Version", self.admission.x402_version or 2)),
                parsed["paymentPayload"], parsed["paymentRequirements"],
                self.admission.payer, self.admission.amount, body,
            )
            if response is not None:
                try:
                    ctx.settle_response = self.admission.settle_response = json.loads(response)
                except ValueError:
                    response = None
            if x.hooks.after_settle is not None:
                x.hooks.after_settle(ctx)
            step = self.exchange.settled(response)
        return self._final(step, ctx)

    def _final(self, step: Any, ctx: HookContext) -> Union[str, Headers, Reply]:
        x = self.gate.x402
        assert x is not None
        action = step.action
        if action == "run_handler":
            return "run_handler"
        if action == "serve":
            return list(step.headers)
        if action == "release_reservation":
            self._release()
            return []
        if action == "withhold":
            self._release()
        elif action not in ("keep_reservation", "refuse_replay"):
            raise RuntimeError(f"unknown exchange action {action!r}")
        reply = _body(x.failure_body, self.request, _as_reply(step))
        ctx.reply = reply
        if x.hooks.on_failure is not None:
            x.hooks.on_failure(ctx)
        return reply

    def _release(self) -> None:
        x = self.gate.x402
        assert x is not None
        try:
            x.replay_store.release(bytes(self.exchange.replay_key))
        except Exception:  # the record then expires with its lifetime; the payment stays refused until then
            log.exception("pay402: replay store could not release a reservation")

    def _settle_sync(self, request: SettlementRequest) -> Optional[bytes]:
        assert self.gate.x402 is not None
        try:
            return _settled_bytes(self.gate.x402.settlement.settle(request))
        except Exception as e:
            return _settle_exception(e)

    async def _settle_async(self, request: SettlementRequest) -> Optional[bytes]:
        assert self.gate.x402 is not None
        return await _settle_with(self.gate.x402.settlement, request)

    def _run_sync(self, gen: _SettleGen) -> Union[str, Headers, Reply]:
        try:
            request = next(gen)
            while True:
                request = gen.send(self._settle_sync(request))
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    async def _run_async(self, gen: _SettleGen) -> Union[str, Headers, Reply]:
        try:
            request = next(gen)
            while True:
                request = gen.send(await self._settle_async(request))
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    def _check(self) -> bool:
        if self.done:
            raise RuntimeError("finish() called twice for one request")
        self.done = True
        return self.admission.kind == "x402"

    def finish(self, status: int) -> Union[Headers, Reply]:
        """After the handler answered ``status`` (500 for an exception): the headers to add,
        or the reply that replaces the handler's response."""
        if not self._check():
            return []
        out = self._run_sync(self._steps(self.exchange.handled(int(status))))
        assert not isinstance(out, str)
        return out

    async def afinish(self, status: int) -> Union[Headers, Reply]:
        """:meth:`finish` for ASGI: the settlement hook's ``asettle`` when it has one."""
        if not self._check():
            return []
        out = await self._run_async(self._steps(self.exchange.handled(int(status))))
        assert not isinstance(out, str)
        return out


def _settled_bytes(result: Any) -> bytes:
    if isinstance(result, (bytes, bytearray)):
        return bytes(result)
    if not isinstance(result, Mapping):
        raise TypeError(f"settlement hook returned {type(result).__name__}, not a SettleResponse dict")
    return json.dumps(dict(result), separators=(",", ":")).encode()


async def _settle_with(hook: Any, request: SettlementRequest) -> Optional[bytes]:
    """Runs a settlement hook from async code (its ``asettle``, else ``settle`` in the default
    executor): the ``SettleResponse`` bytes, or ``None`` when there was no answer."""
    try:
        if hasattr(hook, "asettle"):
            result = await hook.asettle(request)
        else:
            import asyncio

            result = await asyncio.get_running_loop().run_in_executor(None, hook.settle, request)
        return _settled_bytes(result)
    except Exception as e:
        return _settle_exception(e)


def _settle_exception(e: BaseException) -> Optional[bytes]:
    """A settlement hook's exception as the facilitator's answer: a refusal carries its
    ``SettleResponse`` (the facilitator's body, or one built from the error); anything else is
    no answer."""
    if isinstance(e, SettleError):
        body = e.body if isinstance(e.body, Mapping) and "success" in e.body else {
            "success": False, "errorReason": e.code, "transaction": "", "network": "",
        }
        return json.dumps(dict(body), separators=(",", ":")).encode()
    if isinstance(e, FacilitatorError):
        log.error("pay402: facilitator unavailable (%s); content withheld", e.code)
    else:
        log.error("pay402: settlement hook failed (%s: %s); content withheld", type(e).__name__, e)
    return None


class Gate:
    """x402 and/or L402 protection; see the module docstring."""

    def __init__(self, x402: Optional[X402Paywall] = None, l402: Optional[L402Paywall] = None) -> None:
        if x402 is None and l402 is None:
            raise ConfigurationError("nothing to enforce: pass x402= and/or l402=", code="no_paywall")
        self.x402 = x402
        self.l402 = l402

    def start(self, request: Request, route: Optional[_RouteOffers] = None) -> Union[None, Reply, Pending]:
        """Admits ``request`` (on the paywall's route table, or on ``route`` from a decorator)."""
        return self._start_sync(self._start(request, route))

    async def astart(self, request: Request, route: Optional[_RouteOffers] = None) -> Union[None, Reply, Pending]:
        """:meth:`start` for ASGI: blocking parts (store, hooks) in a thread, async settlement."""
        import asyncio

        gen = self._start(request, route)
        loop = asyncio.get_running_loop()

        def advance(answer: Any, first: bool) -> Tuple[bool, Any]:
            # StopIteration cannot cross a future: hand the generator's result back as a value.
            try:
                return False, (next(gen) if first else gen.send(answer))
            except StopIteration as stop:
                return True, stop.value

        done, item = await loop.run_in_executor(None, advance, None, True)
        while not done:
            pending, settle_request = item
            answer = await pending._settle_async(settle_request)
            done, item = await loop.run_in_executor(None, advance, answer, False)
        return item  # type: ignore[no-any-return]

    def _start_sync(self, gen: Any) -> Union[None, Reply, Pending]:
        try:
            item = next(gen)
            while True:
                pending, settle_request = item
                item = gen.send(pending._settle_sync(settle_request))
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    def _start(self, request: Request, route: Optional[_RouteOffers]) -> Any:
        xr = route if route is not None else (self.x402.match(request.method, request.path) if self.x402 else None)
        lr: Optional[L402Route] = None
        if route is None and self.l402 is not None:
            lr = self.l402.match(request.method, request.path)
        if xr is None and lr is None:
            return None
        x = self.x402
        hooks = x.hooks if x is not None else Hooks()
        if hooks.grant is not None and hooks.grant(request):
            return Pending(self, request, Admission(kind="granted", route=xr.route if xr else lr))
        ctx = HookContext(request)
        early = _call(hooks.before_verify, ctx)
        if early is not None:
            return early
        if lr is not None and self.l402 is not None and (xr is None or self.l402.has_credential(request)):
            outcome = self.l402.admit(lr, request) if self.l402.has_credential(request) else (402, "payment_required")
            if isinstance(outcome, L402Identifier):
                return Pending(self, request, Admission(kind="l402", route=lr, identifier=outcome))
            return self._l402_refusal(request, xr, lr, outcome[0], outcome[1])
        assert x is not None and xr is not None
        server = x._server(xr, request)
        if getattr(x, "rpc", None) is not None:  # smart-wallet payers: the core asks, the RPC answers
            admitted = server.admit_with_rpc(
                list(request.headers), int(x.clock()), x.rpc, allowed_factories=x.allowed_factories,
            )
        else:
            admitted = server.admit(list(request.headers), int(x.clock()))
        if not hasattr(admitted, "replay_key"):
            return self._refusal(request, server, xr, lr, admitted)
        verify_body = json.loads(bytes(server.verify_request(admitted)))
        admission = Admission(
            kind="x402", route=xr.route, payer=admitted.payer, amount=int(admitted.amount),
            x402_version=int(admitted.x402_version), payment_payload=json.loads(admitted.payment),
            requirements=verify_body.get("paymentRequirements"), offer_index=int(admitted.offer_index),
        )
        ctx.admission = admission
        early = _call(hooks.after_verify, ctx)
        if early is not None:
            return early
        exchange = server.exchange(admitted, x.settle_before_handler)
        pending = Pending(self, request, admission, exchange)
        try:
            fresh = bool(x.replay_store.reserve(bytes(admitted.replay_key), int(admitted.ttl)))
        except Exception:  # a store that cannot answer must not let replays through
            log.exception("pay402: replay store failed; refusing the payment")
            return self._store_unavailable(request, server, xr)
        step = exchange.reserved(fresh)
        if step.action == "settle":
            gen = pending._steps(step)
            try:
                settle_request = next(gen)
                while True:
                    answer = yield pending, settle_request
                    settle_request = gen.send(answer)
            except StopIteration as stop:
                out = stop.value
            if out == "run_handler":
                return pending
            if isinstance(out, Reply):
                return out
            raise RuntimeError(f"unexpected exchange outcome before the handler: {out!r}")
        if step.action == "run_handler":
            return pending
        out = pending._final(step, ctx)
        assert isinstance(out, Reply)
        return out

    def _store_unavailable(self, request: Request, server: Any, xr: _RouteOffers) -> Reply:
        return _as_reply(server.replay_store_unavailable())

    def _refusal(self, request: Request, server: Any, xr: _RouteOffers, lr: Optional[L402Route], refused: Any) -> Reply:
        assert self.x402 is not None
        reply = _as_reply(refused)
        l402_headers: Headers = []
        if lr is not None and self.l402 is not None and reply.status == 402:
            l402_headers = self.l402.challenge(lr, request)
            reply.headers += l402_headers
        unpaid = refused.code == "payment_required"
        page = self.x402._page(xr) if unpaid and reply.status == 402 else None
        if page is not None:
            if page.wants_page(request.method, list(request.headers)):
                return page_reply(page, reply, request, xr.offers[0].description, self.x402.paywall_html,
                                  self.l402.page_offer(lr, l402_headers) if lr is not None and self.l402 is not None else None)
            reply.headers.append(("Vary", VARY))
        reply = _body(self.x402.unpaid_body if unpaid else self.x402.failure_body, request, reply)
        if not unpaid and self.x402.hooks.on_failure is not None:
            self.x402.hooks.on_failure(HookContext(request, reply=reply))
        return reply

    def _l402_refusal(self, request: Request, xr: Optional[_RouteOffers], lr: L402Route, status: int, error: str) -> Reply:
        """The core's L402 refusal (status, fresh ``WWW-Authenticate`` challenges), with the x402
        challenge too when the route sells both."""
        assert self.l402 is not None
        headers: Headers = []
        body = b""
        page, hook, description = self.l402.page_for(lr), self.l402.paywall_html, self.l402.description
        if xr is not None and self.x402 is not None:
            c = _as_reply(self.x402._server(xr, request).challenge(error))
            headers += c.headers
            body = c.body
            page, hook, description = self.x402._page(xr), self.x402.paywall_html, xr.offers[0].description
        l402_headers = self.l402.challenge(lr, request)
        headers += l402_headers
        reply = Reply(status, headers, body, error)
        if page is not None and status == 402 and error == "payment_required":
            if page.wants_page(request.method, list(request.headers)):
                return page_reply(page, reply, request, description, hook, self.l402.page_offer(lr, l402_headers))
            reply.headers.append(("Vary", VARY))
        if self.x402 is not None and self.x402.hooks.on_failure is not None and error != "payment_required":
            self.x402.hooks.on_failure(HookContext(request, reply=reply))
        return reply


def make_gate(x402: Optional[X402Paywall], l402: Optional[L402Paywall], gate: Optional[Gate]) -> Gate:
    if gate is not None:
        if x402 is not None or l402 is not None:
            raise ConfigurationError("pass either gate= or x402=/l402=, not both")
        return gate
    return Gate(x402, l402)
