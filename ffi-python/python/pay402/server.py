"""Framework-independent paywall logic shared by the ASGI and WSGI middleware.

An :class:`X402Paywall` and/or an :class:`L402Paywall` describe which routes cost what; a
:class:`Gate` combines them and decides, per request, one of three things:

* ``None`` — the route is not protected: run the app;
* a :class:`Reply` — answer without running the app (402 challenge, refused payment);
* an :class:`Admission` — the payment was verified by the core and recorded in the replay
  store: run the app, then call :meth:`Gate.finish` (or :meth:`Gate.afinish`) with its status.
  Settlement runs only when the status is below 400; on success the receipt header
  (``PAYMENT-RESPONSE`` for v2, ``X-PAYMENT-RESPONSE`` for v1) is added, on failure the app's
  response is replaced by a 402 (settlement refused) or a 502 (settlement unreachable). The
  content is never served unpaid.

Everything that can be checked at construction is (payee, network, asset, decimals, prices,
settlement): a misconfigured paywall raises :class:`~pay402.errors.ConfigurationError` instead of
protecting nothing.
"""

from __future__ import annotations

import fnmatch
import inspect
import json
import logging
import os
import re
import time
from dataclasses import dataclass
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Mapping,
    Optional,
    Protocol,
    Sequence,
    Tuple,
    Union,
)

from ._native import (
    Bolt11Error,
    Error,
    EvmError,
    L402Error,
    L402Identifier,
    Verified,
    X402Error,
    bolt11_decode,
    decode_payment_payload,
    default_asset,
    x402_encode_header,
    l402_encode_challenges,
    l402_mint,
    l402_services_caveat,
    l402_valid_until_caveat,
    l402_verify,
    resolve_network,
    checksum_address,
    verify_payment,
)
from .errors import ConfigurationError, FacilitatorError, PriceError, SettleError
from .facilitator import FacilitatorClient
from .prices import Price, price_to_atomic
from .replay import MemoryReplayStore, ReplayStore, as_replay_store, replay_ttl

__all__ = [
    "Request",
    "Reply",
    "Admission",
    "X402Route",
    "X402Paywall",
    "L402Route",
    "L402Paywall",
    "RootKeyStore",
    "MemoryRootKeyStore",
    "Settlement",
    "SettlementRequest",
    "FacilitatorSettlement",
    "NoSettlement",
    "Gate",
]

log = logging.getLogger("pay402.server")

Headers = List[Tuple[str, str]]

# x402 v1 network names (EVM; the reference SDK's `EVM_NETWORK_CHAIN_ID_MAP`). Only names the core resolves are used.
_V1_NAMES = (
    "ethereum", "sepolia", "abstract", "abstract-testnet", "base-sepolia", "base", "peaq",
    "avalanche-fuji", "avalanche", "iotex", "sei", "sei-testnet", "polygon", "polygon-amoy",
    "story", "educhain", "skale-base-sepolia", "megaeth", "monad", "stable", "stable-testnet",
    "xdc", "xrpl-evm", "celo", "celo-sepolia",
)


def _v1_name(chain_id: int) -> Optional[str]:
    for name in _V1_NAMES:
        resolved = resolve_network(name)
        if resolved is not None and resolved[1] == chain_id:
            return name
    return None


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


# --- requests and replies ---------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """What the paywall needs of an HTTP request. ``headers`` as received (any case, repeated
    fields as separate pairs)."""

    method: str
    path: str
    url: str
    headers: Sequence[Tuple[str, str]]

    def header(self, name: str) -> Optional[str]:
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def header_values(self, name: str) -> List[str]:
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]


@dataclass
class Reply:
    """A response the middleware sends itself."""

    status: int
    headers: Headers
    body: bytes


@dataclass
class Admission:
    """A verified payment for one request. ``kind`` is ``"x402"`` or ``"l402"``.

    For x402: ``verified`` (the core's verdict), ``x402_version``, ``payment_payload`` and
    ``requirements`` (dicts, as sent to a facilitator). For L402: ``identifier``.
    Handlers can read it from ``scope["pay402"]`` (ASGI) or ``environ["pay402"]`` (WSGI).
    """

    kind: str
    route: Any
    verified: Optional[Verified] = None
    x402_version: Optional[int] = None
    payment_payload: Optional[Dict[str, Any]] = None
    requirements: Optional[Dict[str, Any]] = None
    identifier: Optional[L402Identifier] = None

    @property
    def payer(self) -> Optional[str]:
        return self.verified.payer if self.verified is not None else None


# --- route patterns ---------------------------------------------------------------------------


def _split_pattern(pattern: str) -> Tuple[Optional[Tuple[str, ...]], str]:
    """``"GET /weather"`` → ((GET,), "/weather"); ``"/x/*"`` → (None, "/x/*")."""
    parts = pattern.strip().split(None, 1)
    if len(parts) == 2 and not parts[0].startswith("/"):
        return tuple(m.upper() for m in parts[0].split("|")), parts[1]
    return None, pattern.strip()


def _compile_path(path: str) -> Callable[[str], bool]:
    """Exact path, a glob (``*`` any run of characters, ``?`` one) or ``regex:<full match>``."""
    if path.startswith("regex:"):
        rx = re.compile(path[len("regex:"):])
        return lambda p: rx.fullmatch(p) is not None
    if any(c in path for c in "*?["):
        rx = re.compile(fnmatch.translate(path))
        return lambda p: rx.match(p) is not None
    return lambda p: p == path


class _Matcher:
    def __init__(self, pattern: str, methods: Optional[Iterable[str]]) -> None:
        from_pattern, path = _split_pattern(pattern)
        if not path.startswith(("/", "regex:")):
            raise ConfigurationError(f"route pattern must start with '/' or 'regex:': {pattern!r}")
        self.methods = tuple(m.upper() for m in methods) if methods else from_pattern
        self.path = path
        self._match = _compile_path(path)

    def __call__(self, method: str, path: str) -> bool:
        return (self.methods is None or method.upper() in self.methods) and self._match(path)


# --- x402 -------------------------------------------------------------------------------------


@dataclass
class X402Route:
    """One protected route. Unset fields take the :class:`X402Paywall` defaults.

    ``pattern``: ``"/premium"``, ``"/api/*"``, ``"GET /weather"``, ``"GET|POST /x"`` or
    ``"regex:/item/[0-9]+"``. ``price``: ``"$0.01"``/``Decimal`` in display units, ``int`` in
    atomic units (see :mod:`pay402.prices`).
    """

    pattern: str
    price: Price
    methods: Optional[Sequence[str]] = None
    network: Optional[str] = None
    pay_to: Optional[str] = None
    asset: Optional[str] = None
    decimals: Optional[int] = None
    eip712_name: Optional[str] = None
    eip712_version: Optional[str] = None
    description: Optional[str] = None
    mime_type: Optional[str] = None
    max_timeout_seconds: Optional[int] = None


class _X402Compiled:
    def __init__(self, route: X402Route, defaults: Dict[str, Any], versions: Sequence[int]) -> None:
        def pick(name: str) -> Any:
            value = getattr(route, name)
            return defaults.get(name) if value is None else value

        self.route = route
        self.match = _Matcher(route.pattern, route.methods)
        network = pick("network")
        pay_to = pick("pay_to")
        if not network:
            raise ConfigurationError(f"route {route.pattern!r}: no network", code="missing_network")
        if not pay_to:
            raise ConfigurationError(f"route {route.pattern!r}: no pay_to address", code="missing_pay_to")
        resolved = resolve_network(network)
        if resolved is None or resolved[1] is None:
            raise ConfigurationError(
                f"route {route.pattern!r}: {network!r} is not a known EVM network", code="unknown_network"
            )
        self.caip2 = resolved[0]
        chain_id: int = resolved[1]
        self.chain_id = chain_id
        try:
            self.pay_to = checksum_address(pay_to)
        except (EvmError, ValueError, TypeError) as e:
            raise ConfigurationError(f"route {route.pattern!r}: pay_to {pay_to!r}: {e}", code="invalid_pay_to") from e
        asset = pick("asset")
        decimals = pick("decimals")
        name, version = pick("eip712_name"), pick("eip712_version")
        known = default_asset(chain_id)
        if asset is None:
            if known is None:
                raise ConfigurationError(
                    f"route {route.pattern!r}: no default asset on {network}; set asset, decimals, eip712_name, eip712_version",
                    code="missing_asset",
                )
            if known.transfer_method != "eip3009":
                raise ConfigurationError(
                    f"route {route.pattern!r}: the default asset of {network} needs Permit2, which this middleware does not offer",
                    code="unsupported_asset",
                )
            asset = known.address
        try:
            self.asset = checksum_address(asset)
        except (EvmError, ValueError, TypeError) as e:
            raise ConfigurationError(f"route {route.pattern!r}: asset {asset!r}: {e}", code="invalid_asset") from e
        if known is not None and known.address.lower() == self.asset.lower():
            decimals = known.decimals if decimals is None else decimals
            name = known.eip712_name if name is None else name
            version = known.eip712_version if version is None else version
        if decimals is None or name is None or version is None:
            raise ConfigurationError(
                f"route {route.pattern!r}: asset {self.asset} is not a default asset; set decimals, eip712_name and eip712_version",
                code="missing_asset",
            )
        try:
            self.amount = price_to_atomic(route.price, decimals)
        except PriceError as e:
            raise ConfigurationError(f"route {route.pattern!r}: {e.message}", code=e.code) from e
        self.description = pick("description") or ""
        self.mime_type = pick("mime_type") or "application/json"
        self.max_timeout_seconds = int(pick("max_timeout_seconds") or 60)
        extra = {"name": name, "version": version}
        self.v2: Dict[str, Any] = {
            "scheme": "exact",
            "network": self.caip2,
            "amount": str(self.amount),
            "asset": self.asset,
            "payTo": self.pay_to,
            "maxTimeoutSeconds": self.max_timeout_seconds,
            "extra": extra,
        }
        self.v2_json = _json(self.v2)
        self.v1_network = _v1_name(chain_id)
        self.versions = tuple(v for v in versions if v == 2 or (v == 1 and self.v1_network is not None))
        if not self.versions:
            raise ConfigurationError(f"route {route.pattern!r}: {network} has no x402 v1 name", code="unknown_network")

    def v1(self, url: str) -> Dict[str, Any]:
        return {
            "scheme": "exact",
            "network": self.v1_network,
            "maxAmountRequired": str(self.amount),
            "resource": url,
            "description": self.description,
            "mimeType": self.mime_type,
            "payTo": self.pay_to,
            "maxTimeoutSeconds": self.max_timeout_seconds,
            "asset": self.asset,
            "extra": self.v2["extra"],
        }


@dataclass(frozen=True)
class SettlementRequest:
    """What a settlement hook gets: the decoded payment payload and the matched requirements
    (dicts, exactly what a facilitator's ``/settle`` takes) and the core's verdict."""

    x402_version: int
    payment_payload: Dict[str, Any]
    requirements: Dict[str, Any]
    verified: Verified


class Settlement(Protocol):
    """Settles a verified payment; returns the ``SettleResponse`` dict (``success`` true) or
    raises (:class:`~pay402.errors.SettleError` when the payment is refused, anything else when
    settlement is unavailable). May also define ``async def asettle(request)``."""

    def settle(self, request: SettlementRequest) -> Mapping[str, Any]: ...


class FacilitatorSettlement:
    """Settles through a facilitator's ``/settle`` (the default when a facilitator is
    configured)."""

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
        return {
            "success": True,
            "transaction": "",
            "network": request.requirements["network"],
            "payer": request.verified.payer,
        }


SettlementArg = Union[str, FacilitatorClient, Settlement, Callable[[SettlementRequest], Mapping[str, Any]], None]


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


class X402Paywall:
    """x402 ``exact`` (EIP-3009) protection of routes.

    ``routes``: a sequence of :class:`X402Route`, or a mapping ``{pattern: price}``.
    ``network`` (v1 name or CAIP-2), ``pay_to``, ``asset`` (default: the network's default
    asset, e.g. USDC), ``decimals``/``eip712_name``/``eip712_version`` (for other assets),
    ``description``, ``mime_type``, ``max_timeout_seconds``: defaults for every route.

    ``settlement``: ``"none"`` (:class:`NoSettlement`, tests and demos only), a
    :class:`~pay402.facilitator.FacilitatorClient`, an object with ``settle(request)`` (and
    optionally ``asettle``), or a callable ``request -> SettleResponse dict``;
    ``facilitator_url`` is a shortcut for ``FacilitatorClient(facilitator_url)``. One of the two
    is required.

    ``replay_store``: a :class:`~pay402.replay.ReplayStore` (default: a new
    :class:`~pay402.replay.MemoryReplayStore`, correct for one worker process only).

    ``versions``: which x402 versions to offer and accept (default both: the 402 carries the v2
    ``PAYMENT-REQUIRED`` header *and* the v1 JSON body). ``clock``: seconds since the epoch.
    Verification policy (``amount``, ``signature``, ``valid_before_slack``) is passed to the core.
    """

    def __init__(
        self,
        routes: Union[Sequence[X402Route], Mapping[str, Price]],
        *,
        network: Optional[str] = None,
        pay_to: Optional[str] = None,
        asset: Optional[str] = None,
        decimals: Optional[int] = None,
        eip712_name: Optional[str] = None,
        eip712_version: Optional[str] = None,
        description: str = "",
        mime_type: str = "application/json",
        max_timeout_seconds: int = 60,
        settlement: SettlementArg = None,
        facilitator_url: Optional[str] = None,
        replay_store: Optional[ReplayStore] = None,
        versions: Sequence[int] = (1, 2),
        clock: Callable[[], float] = time.time,
        amount: str = "exact",
        signature: str = "strict",
        valid_before_slack: int = 6,
    ) -> None:
        if isinstance(routes, Mapping):
            route_list = [X402Route(p, price) for p, price in routes.items()]
        else:
            route_list = list(routes)
        if not route_list:
            raise ConfigurationError("no routes to protect", code="no_routes")
        if not set(versions) <= {1, 2} or not versions:
            raise ConfigurationError(f"versions must be a non-empty subset of (1, 2): {versions!r}")
        defaults = dict(
            network=network, pay_to=pay_to, asset=asset, decimals=decimals, eip712_name=eip712_name,
            eip712_version=eip712_version, description=description, mime_type=mime_type,
            max_timeout_seconds=max_timeout_seconds,
        )
        self.routes = [_X402Compiled(r, defaults, versions) for r in route_list]
        if settlement is None and facilitator_url is not None:
            settlement = FacilitatorClient(facilitator_url)
        if settlement is None:
            raise ConfigurationError(
                "no settlement: pass facilitator_url=, settlement=<FacilitatorClient | hook>, "
                "or settlement='none' (serves content without settling; tests and demos only)",
                code="missing_settlement",
            )
        if isinstance(settlement, str):
            if settlement != "none":
                raise ConfigurationError(f"settlement={settlement!r}: the only string accepted is 'none'")
            self.settlement: Any = NoSettlement()
        elif isinstance(settlement, FacilitatorClient):
            self.settlement = FacilitatorSettlement(settlement)
        elif hasattr(settlement, "settle"):
            self.settlement = settlement
        elif callable(settlement):
            self.settlement = _CallableSettlement(settlement)
        else:
            raise ConfigurationError(f"settlement {settlement!r} is not usable")
        try:
            self.replay_store: ReplayStore = as_replay_store(replay_store) if replay_store is not None else MemoryReplayStore()
        except TypeError as e:
            raise ConfigurationError(str(e)) from None
        self.clock = clock
        self._policy = dict(amount=amount, signature=signature, valid_before_slack=valid_before_slack)
        self._slack = valid_before_slack

    def match(self, method: str, path: str) -> Optional[_X402Compiled]:
        for r in self.routes:
            if r.match(method, path):
                return r
        return None

    def challenge(self, route: _X402Compiled, request: Request, error: str) -> Tuple[Headers, Optional[Dict[str, Any]]]:
        """The 402 headers (v2 ``PAYMENT-REQUIRED``) and the v1 JSON body (or None)."""
        headers: Headers = []
        body = None
        if 2 in route.versions:
            required = {
                "x402Version": 2,
                "error": error,
                "resource": {"url": request.url, "description": route.description, "mimeType": route.mime_type},
                "accepts": [route.v2],
            }
            headers.append(("PAYMENT-REQUIRED", x402_encode_header(_json(required))))
        if 1 in route.versions:
            body = {"x402Version": 1, "error": error, "accepts": [route.v1(request.url)]}
        return headers, body

    def admit(self, route: _X402Compiled, request: Request) -> Union[Admission, Tuple[int, str]]:
        """Verifies the request's payment; an :class:`Admission` or ``(status, error code)``."""
        header = request.header("payment-signature") if 2 in route.versions else None
        version = 2
        if header is None and 1 in route.versions:
            header, version = request.header("x-payment"), 1
        if header is None:
            return 402, ("PAYMENT-SIGNATURE header is required" if 2 in route.versions else "X-PAYMENT header is required")
        requirements = route.v2 if version == 2 else route.v1(request.url)
        now = int(self.clock())
        try:
            verified = verify_payment(
                route.v2_json if version == 2 else _json(requirements), header, now=now, **self._policy  # type: ignore[arg-type]
            )
            payload = json.loads(decode_payment_payload(header).json)
        except (X402Error, EvmError) as e:
            return 402, e.code
        except Error as e:  # any other core error is still a refused payment
            return 402, e.code
        if verified.x402_version != version:
            return 402, "invalid_x402_version"
        try:
            fresh = self.replay_store.reserve(verified.replay_key, replay_ttl(verified.valid_before, now, self._slack))
        except Exception:  # a store that cannot answer must not let replays through
            log.exception("pay402: replay store failed; refusing the payment")
            return 503, "replay_store_unavailable"
        if not fresh:
            return 402, "payment_already_used"
        return Admission(
            kind="x402", route=route.route, verified=verified, x402_version=version,
            payment_payload=payload, requirements=requirements,
        )


# --- L402 -------------------------------------------------------------------------------------


class RootKeyStore(Protocol):
    """Root keys of minted L402 tokens, keyed by ``L402Identifier.root_key_id``."""

    def new_key(self, root_key_id: bytes) -> bytes:
        """Creates, stores and returns a fresh 32-byte root key for a new token."""
        ...

    def get(self, root_key_id: bytes) -> Optional[bytes]:
        """The root key of a token, or None if unknown (revoked)."""
        ...


class MemoryRootKeyStore:
    """Random 32-byte root keys in a dict (one process; tokens die with it)."""

    def __init__(self) -> None:
        import threading

        self._keys: Dict[bytes, bytes] = {}
        self._lock = threading.Lock()

    def new_key(self, root_key_id: bytes) -> bytes:
        key = os.urandom(32)
        with self._lock:
            self._keys[root_key_id] = key
        return key

    def get(self, root_key_id: bytes) -> Optional[bytes]:
        with self._lock:
            return self._keys.get(root_key_id)

    def revoke(self, root_key_id: bytes) -> None:
        with self._lock:
            self._keys.pop(root_key_id, None)


InvoiceProvider = Callable[[int, Request], Tuple[str, bytes]]
"""``(amount_msat, request) -> (bolt11 invoice, 32-byte payment hash)``, e.g. from your node."""


@dataclass
class L402Route:
    """One L402-protected route: ``pattern`` as for :class:`X402Route`, ``price_msat``, and an
    optional ``capability`` that the token must grant."""

    pattern: str
    price_msat: int
    methods: Optional[Sequence[str]] = None
    capability: Optional[str] = None


class L402Paywall:
    """L402 (Lightning Labs / aperture) protection of routes.

    On a request without a valid credential the middleware answers 402 with
    ``WWW-Authenticate: LSAT …`` and ``L402 …`` challenges: a fresh invoice from
    ``invoice_provider`` and a macaroon minted for its payment hash, restricted to ``service``
    (tier ``tier``) and valid for ``token_lifetime`` seconds. A request with
    ``Authorization: L402 <macaroon>:<preimage>`` is verified by the core against
    ``root_keys``. The preimage proves payment (its hash is the invoice's payment hash).
    """

    def __init__(
        self,
        routes: Union[Sequence[L402Route], Mapping[str, int]],
        *,
        service: str,
        invoice_provider: InvoiceProvider,
        root_keys: Optional[RootKeyStore] = None,
        token_lifetime: int = 3600,
        tier: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if isinstance(routes, Mapping):
            route_list = [L402Route(p, price) for p, price in routes.items()]
        else:
            route_list = list(routes)
        if not route_list:
            raise ConfigurationError("no routes to protect", code="no_routes")
        for r in route_list:
            if isinstance(r.price_msat, bool) or not isinstance(r.price_msat, int) or r.price_msat <= 0:
                raise ConfigurationError(f"route {r.pattern!r}: price_msat must be a positive int", code="invalid_price")
        if not service or not callable(invoice_provider):
            raise ConfigurationError("L402 needs a service name and an invoice_provider callable")
        if token_lifetime <= 0:
            raise ConfigurationError("token_lifetime must be positive")
        self.routes = [(_Matcher(r.pattern, r.methods), r) for r in route_list]
        self.service = service
        self.invoice_provider = invoice_provider
        self.root_keys: RootKeyStore = root_keys if root_keys is not None else MemoryRootKeyStore()
        self.token_lifetime = token_lifetime
        self.tier = tier
        self.clock = clock

    def match(self, method: str, path: str) -> Optional[L402Route]:
        for m, r in self.routes:
            if m(method, path):
                return r
        return None

    def challenge(self, route: L402Route, request: Request) -> Headers:
        invoice, payment_hash = self.invoice_provider(route.price_msat, request)
        decoded = bolt11_decode(invoice)
        if decoded.payment_hash != bytes(payment_hash):
            raise ConfigurationError("invoice_provider returned a payment hash that is not the invoice's")
        if decoded.amount_msat is not None and decoded.amount_msat != route.price_msat:
            raise ConfigurationError(
                f"invoice_provider returned an invoice for {decoded.amount_msat} msat, route price is {route.price_msat}"
            )
        ident = L402Identifier(payment_hash, os.urandom(32))
        root_key = self.root_keys.new_key(ident.root_key_id)
        caveats = [
            l402_services_caveat([(self.service, self.tier)]),
            l402_valid_until_caveat(self.service, int(self.clock()) + self.token_lifetime),
        ]
        token = l402_mint(root_key, ident, caveats=caveats)
        return [("WWW-Authenticate", v) for v in l402_encode_challenges(token, invoice)]

    def has_credential(self, request: Request) -> bool:
        for v in request.header_values("authorization"):
            scheme = v.strip().split(" ", 1)[0].upper()
            if scheme in ("L402", "LSAT"):
                return True
        return False

    def admit(self, route: L402Route, request: Request) -> Union[Admission, Tuple[int, str]]:
        values = [v for v in request.header_values("authorization")
                  if v.strip().split(" ", 1)[0].upper() in ("L402", "LSAT")]
        try:
            ident = l402_verify(
                values, self.root_keys.get, service=self.service, now=int(self.clock()), capability=route.capability
            )
        except (L402Error, Bolt11Error) as e:
            return 402, e.code
        except Error as e:
            return 402, e.code
        return Admission(kind="l402", route=route, identifier=ident)


# --- the gate ---------------------------------------------------------------------------------


def _json_reply(status: int, headers: Headers, body: Any) -> Reply:
    return Reply(status, headers + [("Content-Type", "application/json")], _json(body).encode())


class Gate:
    """x402 and/or L402 protection; see the module docstring."""

    def __init__(self, x402: Optional[X402Paywall] = None, l402: Optional[L402Paywall] = None) -> None:
        if x402 is None and l402 is None:
            raise ConfigurationError("nothing to enforce: pass x402= and/or l402=", code="no_paywall")
        self.x402 = x402
        self.l402 = l402

    def _challenge(self, request: Request, xr: Optional[_X402Compiled], lr: Optional[L402Route], error: str, status: int = 402) -> Reply:
        headers: Headers = []
        body: Dict[str, Any] = {"error": error}
        if xr is not None and self.x402 is not None:
            h, v1 = self.x402.challenge(xr, request, error)
            headers += h
            if v1 is not None:
                body = v1
        if lr is not None and self.l402 is not None and status == 402:
            headers += self.l402.challenge(lr, request)
        return _json_reply(status, headers, body)

    def admit(self, request: Request) -> Union[None, Reply, Admission]:
        xr = self.x402.match(request.method, request.path) if self.x402 else None
        lr = self.l402.match(request.method, request.path) if self.l402 else None
        if xr is None and lr is None:
            return None
        if lr is not None and self.l402 is not None and self.l402.has_credential(request):
            outcome = self.l402.admit(lr, request)
        elif xr is not None and self.x402 is not None:
            outcome = self.x402.admit(xr, request)
        else:
            outcome = (402, "payment_required")
        if isinstance(outcome, Admission):
            return outcome
        status, error = outcome
        return self._challenge(request, xr, lr, error, status)

    # -- settlement

    def _settle_request(self, admission: Admission) -> SettlementRequest:
        assert admission.verified is not None and admission.payment_payload is not None
        assert admission.requirements is not None and admission.x402_version is not None
        return SettlementRequest(
            admission.x402_version, admission.payment_payload, admission.requirements, admission.verified
        )

    def _receipt(self, admission: Admission, response: Mapping[str, Any]) -> Headers:
        name = "PAYMENT-RESPONSE" if admission.x402_version == 2 else "X-PAYMENT-RESPONSE"
        return [(name, x402_encode_header(_json(dict(response))))]

    def _settle_failed(self, admission: Admission, e: BaseException) -> Reply:
        requirements = admission.requirements or {}
        if isinstance(e, SettleError):
            failure = {
                "success": False,
                "errorReason": e.code,
                "transaction": "",
                "network": requirements.get("network", ""),
                "payer": admission.payer or "",
            }
            body: Dict[str, Any] = {}
            if admission.x402_version == 1:
                body = {"x402Version": 1, "error": e.code, "accepts": [requirements]}
            return _json_reply(402, self._receipt(admission, failure), body)
        log.error("pay402: settlement unavailable (%s: %s); content withheld", type(e).__name__, e)
        code = e.code if isinstance(e, FacilitatorError) else "settlement_unavailable"
        return _json_reply(502, [], {"error": code})

    def _check_settled(self, response: Any) -> Mapping[str, Any]:
        if not isinstance(response, Mapping) or response.get("success") is not True:
            reason = response.get("errorReason") if isinstance(response, Mapping) else None
            raise SettleError(f"settlement hook returned {response!r}", code=str(reason or "settle_failed"))
        return response

    def finish(self, admission: Admission, status: int) -> Union[Headers, Reply]:
        """After the app answered ``status``: the headers to add, or the reply that replaces the
        app's response (settlement failed)."""
        if admission.kind != "x402" or status >= 400:
            return []
        assert self.x402 is not None
        try:
            response = self._check_settled(self.x402.settlement.settle(self._settle_request(admission)))
        except Exception as e:
            return self._settle_failed(admission, e)
        return self._receipt(admission, response)

    async def afinish(self, admission: Admission, status: int) -> Union[Headers, Reply]:
        """:meth:`finish` for ASGI: ``asettle`` when the hook has it, else ``settle`` in a thread."""
        if admission.kind != "x402" or status >= 400:
            return []
        assert self.x402 is not None
        hook = self.x402.settlement
        request = self._settle_request(admission)
        try:
            if hasattr(hook, "asettle"):
                result = await hook.asettle(request)
            else:
                import asyncio

                result = await asyncio.get_running_loop().run_in_executor(None, hook.settle, request)
            response = self._check_settled(result)
        except Exception as e:
            return self._settle_failed(admission, e)
        return self._receipt(admission, response)


def make_gate(x402: Optional[X402Paywall], l402: Optional[L402Paywall], gate: Optional[Gate]) -> Gate:
    if gate is not None:
        if x402 is not None or l402 is not None:
            raise ConfigurationError("pass either gate= or x402=/l402=, not both")
        return gate
    return Gate(x402, l402)
