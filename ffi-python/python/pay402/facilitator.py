"""HTTP client of x402 facilitators: ``POST /verify``, ``POST /settle``, ``GET /supported``
(the x402 facilitator API), sync and async, on ``httpx``; one facilitator or several.

Request bodies are ``{x402Version, paymentPayload, paymentRequirements}`` with ``x402Version``
copied from the payload. Responses are checked with the core's decoders and returned as the
facilitator's JSON. Failures are typed, each with a stable ``.code``:

- :class:`~pay402.errors.VerifyError` — ``isValid: false`` (whether the facilitator says it with
  200, like the TypeScript reference, or 400, like x402-rs); ``.code`` is its ``invalidReason``;
- :class:`~pay402.errors.SettleError` — ``success: false`` (any status); ``.code`` is its
  ``errorReason`` (``settlement_pending`` included: the caller decides what that means);
- :class:`~pay402.errors.FacilitatorError` with ``.code``:

  ``facilitator_unreachable``
      no connection could be made (refused, DNS, TLS handshake, connect or pool timeout): the
      request was never sent;
  ``facilitator_timeout``
      connected, but no answer within the facilitator's ``timeout``;
  ``facilitator_connection_error``
      the connection failed once made (reset, closed early, protocol error);
  ``facilitator_http_error``
      a non-2xx status without a verdict (``.status_code``; 429 included);
  ``facilitator_malformed_response``
      a body that is not the documented shape;
  ``facilitator_unsupported_kind``
      no configured facilitator lists the payment's ``(x402Version, scheme, network)`` in its
      ``/supported`` kinds;
  ``facilitator_unavailable``
      ``/settle`` only: the request may have reached a facilitator, but no verdict came back
      (timeout, 5xx, 429, dropped connection, malformed body). The settlement's outcome is
      unknown; ``.detail_code`` is one of the codes above. Treat it as indeterminate (keep the
      payment's reservation), never as a refusal.

**Several facilitators.** ``FacilitatorClient([Facilitator(url_a, ...), Facilitator(url_b, ...)])``
routes each ``/verify`` and ``/settle`` to the facilitators whose ``GET /supported`` lists the
payment's kind, in the order given (the first is tried first, the others are failovers).
``/supported`` is fetched lazily, on the first call that needs it, and cached for
``supported_ttl`` seconds. With a single facilitator nothing is routed (it is the only choice)
unless ``route=True``.

**Retries and failover.** ``/verify`` and ``/supported`` are retried on the same facilitator
with exponential back-off and jitter (:class:`Retry`) on connection errors, timeouts, 429 (waiting
at least its ``Retry-After``) and 5xx, then sent to the next facilitator supporting the kind.
``/settle`` moves money, and a settle that may have arrived must not be sent again elsewhere
(two facilitators could both settle; one facilitator could settle twice). So ``/settle`` is
retried — on the same facilitator, then on the next one — **only when the connection could not be
made** (``facilitator_unreachable``: refused, DNS failure, connect timeout), which proves the
request never arrived. Anything else without a verdict ends the call with
``facilitator_unavailable``. When every facilitator was unreachable the error is
``facilitator_unreachable``: nothing was settled.
"""

from __future__ import annotations

import asyncio
import email.utils
import inspect
import json
import random as _random
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple, Union

try:
    import httpx
except ImportError:  # optional: FacilitatorClient raises MissingExtra without it
    httpx = None  # type: ignore[assignment]

from ._native import Error, decode_settle_response, decode_supported_response, decode_verify_response
from .errors import ConfigurationError, FacilitatorError, MissingExtra, SettleError, VerifyError

__all__ = ["FacilitatorClient", "Facilitator", "Retry", "DEFAULT_FACILITATOR_URL"]

DEFAULT_FACILITATOR_URL = "https://x402.org/facilitator"

JsonLike = Union[str, bytes, Mapping[str, Any]]
#: Static headers, or a function of the endpoint (``"verify"``, ``"settle"``, ``"supported"``)
#: returning them, called before every request (sync or async; the reference's
#: ``createAuthHeaders`` returns the same per-endpoint headers).
HeadersArg = Union[
    Mapping[str, str],
    Callable[[str], Mapping[str, str]],
    Callable[[str], Awaitable[Mapping[str, str]]],
    None,
]
Kind = Tuple[int, str, str]


def _as_dict(value: JsonLike, what: str) -> Dict[str, Any]:
    if isinstance(value, (str, bytes)):
        parsed = json.loads(value)
    else:
        parsed = dict(value)
    if not isinstance(parsed, dict):
        raise TypeError(f"{what} must be a JSON object")
    return parsed


@dataclass(frozen=True)
class Facilitator:
    """One facilitator: its base ``url`` (``/verify`` etc. are appended), its ``headers`` (a dict,
    or a sync or async function of the endpoint name returning a dict, called per request) and
    its ``timeout`` in seconds (``None``: the client's)."""

    url: str
    headers: HeadersArg = None
    timeout: Optional[float] = None

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError(f"facilitator url must be http(s): {self.url!r}")
        object.__setattr__(self, "url", self.url.rstrip("/"))


@dataclass(frozen=True)
class Retry:
    """Exponential back-off: attempt ``n`` (0-based) on one facilitator waits
    ``min(max_delay, base_delay * 2**n) * (1 - jitter * random())`` seconds before attempt
    ``n + 1``, and at least a 429's ``Retry-After``; a ``Retry-After`` above ``max_delay`` moves
    on to the next facilitator instead of waiting. ``attempts`` counts tries per facilitator
    (1: no retry). ``sleep`` / ``asleep`` / ``random`` are injectable for tests."""

    attempts: int = 3
    base_delay: float = 0.2
    max_delay: float = 5.0
    jitter: float = 0.5
    sleep: Callable[[float], None] = time.sleep
    asleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    random: Callable[[], float] = _random.random

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.base_delay < 0 or self.max_delay < 0 or not 0 <= self.jitter <= 1:
            raise ValueError("Retry: attempts >= 1, delays >= 0, 0 <= jitter <= 1")

    def delay(self, attempt: int, retry_after: Optional[float]) -> Optional[float]:
        """Seconds to wait before the next attempt, or ``None`` to stop trying this facilitator."""
        if attempt + 1 >= self.attempts:
            return None
        if retry_after is not None and retry_after > self.max_delay:
            return None
        backoff = min(self.max_delay, self.base_delay * float(2**attempt)) * (1.0 - self.jitter * self.random())
        return float(max(backoff, retry_after or 0.0))


NO_RETRY = Retry(attempts=1)


@dataclass
class _Outcome:
    """One HTTP attempt, classified."""

    body: Optional[Dict[str, Any]] = None  # a success
    error: Optional[FacilitatorError] = None
    verdict: bool = False  # VerifyError / SettleError / a definitive refusal: stop here
    not_sent: bool = False  # the connection was never made
    transient: bool = False  # worth retrying (for /verify and /supported)
    retry_after: Optional[float] = None


@dataclass
class _Supported:
    kinds: FrozenSet[Kind] = field(default_factory=frozenset)
    fetched_at: float = 0.0


class FacilitatorClient:
    """One facilitator at ``url`` (e.g. ``https://x402.org/facilitator``), or several: pass a list
    of URLs or :class:`Facilitator` entries.

    ``headers`` are sent with every call to a facilitator given as a plain URL (an API key, say;
    a dict or a per-request function, see :class:`Facilitator`); ``timeout`` in seconds is the
    default of every facilitator. ``retry`` (:class:`Retry`) sets the back-off; ``route`` turns
    routing by ``/supported`` on or off (default: on when there are several facilitators);
    ``supported_ttl`` is how long a ``/supported`` answer is trusted; ``clock`` (seconds,
    monotonic) is injectable for tests. Pass ``transport=`` / ``async_transport=`` (httpx
    transports) to test against an in-process app. Use as a context manager (``with`` /
    ``async with``) or call :meth:`close` / :meth:`aclose`.
    """

    def __init__(
        self,
        url: Union[str, Facilitator, Sequence[Union[str, Facilitator]]] = DEFAULT_FACILITATOR_URL,
        *,
        headers: HeadersArg = None,
        timeout: float = 20.0,
        retry: Optional[Retry] = None,
        route: Optional[bool] = None,
        supported_ttl: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        transport: Optional[httpx.BaseTransport] = None,
        async_transport: Optional[httpx.AsyncBaseTransport] = None,
    ) -> None:
        if httpx is None:
            raise MissingExtra("pay402.facilitator.FacilitatorClient", "httpx", "httpx")
        entries = [url] if isinstance(url, (str, Facilitator)) else list(url)
        if not entries:
            raise ConfigurationError("FacilitatorClient needs at least one facilitator", code="missing_facilitator")
        self.facilitators: List[Facilitator] = [
            e if isinstance(e, Facilitator) else Facilitator(e, headers=headers) for e in entries
        ]
        self.url = self.facilitators[0].url
        self._timeout = timeout
        self.retry = retry or Retry()
        self.route = len(self.facilitators) > 1 if route is None else route
        self.supported_ttl = supported_ttl
        self._clock = clock
        self._supported: Dict[int, _Supported] = {}
        self._transport = transport
        self._async_transport = async_transport
        self._client: Optional[httpx.Client] = None
        self._aclient: Optional[httpx.AsyncClient] = None

    # --- plumbing -----------------------------------------------------------------------------

    def _sync(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(timeout=self._timeout, transport=self._transport)
        return self._client

    def _async(self) -> httpx.AsyncClient:
        if self._aclient is None:
            self._aclient = httpx.AsyncClient(timeout=self._timeout, transport=self._async_transport)
        return self._aclient

    def _timeout_of(self, f: Facilitator) -> float:
        return self._timeout if f.timeout is None else f.timeout

    @staticmethod
    def _headers(f: Facilitator, endpoint: str) -> Dict[str, str]:
        h = f.headers
        if h is None:
            return {}
        if callable(h):
            got = h(endpoint)
            if inspect.isawaitable(got):
                if inspect.iscoroutine(got):
                    got.close()
                raise TypeError("an async headers function needs the async methods (averify, asettle, asupported)")
            return dict(got)  # type: ignore[arg-type]
        return dict(h)

    @staticmethod
    async def _aheaders(f: Facilitator, endpoint: str) -> Dict[str, str]:
        h = f.headers
        if h is None:
            return {}
        if callable(h):
            got = h(endpoint)
            if inspect.isawaitable(got):
                got = await got
            return dict(got)  # type: ignore[arg-type]
        return dict(h)

    @staticmethod
    def _body(payment_payload: JsonLike, requirements: JsonLike) -> Dict[str, Any]:
        payload = _as_dict(payment_payload, "payment_payload")
        version = payload.get("x402Version")
        if version not in (1, 2):
            raise ValueError(f"payment payload has no valid x402Version: {version!r}")
        return {
            "x402Version": version,
            "paymentPayload": payload,
            "paymentRequirements": _as_dict(requirements, "requirements"),
        }

    @staticmethod
    def _kind(body: Mapping[str, Any]) -> Kind:
        req = body["paymentRequirements"]
        return (int(body["x402Version"]), str(req.get("scheme", "")), str(req.get("network", "")))

    def _retry_after(self, value: Optional[str]) -> Optional[float]:
        """RFC 9110 §10.2.3: delay-seconds or an HTTP-date."""
        if value is None:
            return None
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - time.time())

    # --- one attempt, classified ------------------------------------------------------------------

    @staticmethod
    def _exception(endpoint: str, e: Exception) -> _Outcome:
        if isinstance(e, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
            err = FacilitatorError(f"{endpoint}: cannot connect: {type(e).__name__}: {e}", code="facilitator_unreachable")
            return _Outcome(error=err, not_sent=True, transient=True)
        if isinstance(e, httpx.TimeoutException):
            err = FacilitatorError(f"{endpoint}: no answer in time ({type(e).__name__})", code="facilitator_timeout")
            return _Outcome(error=err, transient=True)
        err = FacilitatorError(f"{endpoint}: {type(e).__name__}: {e}", code="facilitator_connection_error")
        return _Outcome(error=err, transient=True)

    def _response(self, endpoint: str, response: httpx.Response) -> _Outcome:
        try:
            body = response.json()
        except ValueError:
            body = None
        status = response.status_code
        transient = status == 429 or status >= 500
        retry_after = self._retry_after(response.headers.get("retry-after")) if status in (429, 503) else None
        if not isinstance(body, dict):
            if response.is_success:
                err = FacilitatorError(f"{endpoint}: response is not a JSON object",
                                       code="facilitator_malformed_response", status_code=status)
            else:
                err = FacilitatorError(f"{endpoint}: HTTP {status}", code="facilitator_http_error", status_code=status)
            return _Outcome(error=err, transient=transient, retry_after=retry_after)
        verdict_key, decode = {
            "/verify": ("isValid", decode_verify_response),
            "/settle": ("success", lambda s: decode_settle_response(body=s)),
            "/supported": ("kinds", decode_supported_response),
        }[endpoint]
        if verdict_key in body and (response.is_success or endpoint != "/supported"):
            try:
                decode(json.dumps(body))
            except Error as e:
                err = FacilitatorError(f"{endpoint}: malformed response: {e.message}",
                                       code="facilitator_malformed_response", status_code=status, body=body,
                                       detail_code=e.code)
                return _Outcome(error=err, transient=transient, retry_after=retry_after)
            if endpoint == "/verify" and body["isValid"] is not True:
                reason = str(body.get("invalidReason") or "invalid_payment")
                msg = f" ({body['invalidMessage']})" if body.get("invalidMessage") else ""
                return _Outcome(error=VerifyError(f"facilitator rejected the payment: {reason}{msg}", code=reason,
                                                  status_code=status, body=body), verdict=True)
            if endpoint == "/settle" and body["success"] is not True:
                reason = str(body.get("errorReason") or "settle_failed")
                msg = f" ({body['errorMessage']})" if body.get("errorMessage") else ""
                return _Outcome(error=SettleError(f"facilitator did not settle: {reason}{msg}", code=reason,
                                                  status_code=status, body=body), verdict=True)
            if response.is_success:
                return _Outcome(body=body)
        err = FacilitatorError(f"{endpoint}: HTTP {status}", code="facilitator_http_error", status_code=status,
                               body=body)
        if response.is_success:
            err = FacilitatorError(f"{endpoint}: response has no {verdict_key!r}",
                                   code="facilitator_malformed_response", status_code=status, body=body)
        return _Outcome(error=err, transient=transient, retry_after=retry_after)

    # --- the rules: what to do after an attempt ---------------------------------------------------

    def _next_step(self, endpoint: str, outcome: _Outcome, attempt: int) -> Tuple[str, float]:
        """``("return", 0)``, ``("raise", 0)``, ``("retry", delay)`` or ``("next", 0)`` (failover)."""
        if outcome.body is not None:
            return "return", 0.0
        if outcome.verdict:
            return "raise", 0.0
        if endpoint == "/settle" and not outcome.not_sent:
            return "raise", 0.0  # may have arrived: never sent again (see the module doc)
        if outcome.transient:
            delay = self.retry.delay(attempt, outcome.retry_after)
            if delay is not None:
                return "retry", delay
        return "next", 0.0

    @staticmethod
    def _final(endpoint: str, outcome: _Outcome) -> FacilitatorError:
        err = outcome.error
        assert err is not None
        if endpoint == "/settle" and not outcome.verdict and not outcome.not_sent and (
            outcome.transient or err.code == "facilitator_malformed_response"
        ):
            wrapped = FacilitatorError(
                f"/settle: outcome unknown, not retried: {err.message}", code="facilitator_unavailable",
                status_code=err.status_code, body=err.body, detail_code=err.code,
            )
            wrapped.__cause__ = err
            return wrapped
        return err

    # --- routing --------------------------------------------------------------------------------

    def _stale(self, i: int) -> bool:
        s = self._supported.get(i)
        return s is None or self._clock() - s.fetched_at >= self.supported_ttl

    def _store_supported(self, i: int, body: Mapping[str, Any]) -> None:
        kinds = frozenset(
            (int(k.get("x402Version", 0)), str(k.get("scheme", "")), str(k.get("network", "")))
            for k in body.get("kinds", []) if isinstance(k, dict)
        )
        self._supported[i] = _Supported(kinds, self._clock())

    def _route(self, kind: Kind, failures: Dict[int, FacilitatorError]) -> List[int]:
        if not self.route:
            return list(range(len(self.facilitators)))
        chosen = [i for i in range(len(self.facilitators)) if i in self._supported and kind in self._supported[i].kinds]
        if chosen:
            return chosen
        if failures:  # someone could not say what it supports: that is not "nobody supports it"
            raise next(iter(failures.values()))
        v, scheme, network = kind
        raise FacilitatorError(
            f"no facilitator supports x402Version {v}, scheme {scheme!r}, network {network!r}",
            code="facilitator_unsupported_kind",
        )

    def _refresh(self) -> Dict[int, FacilitatorError]:
        failures: Dict[int, FacilitatorError] = {}
        for i in range(len(self.facilitators)):
            if self._stale(i):
                try:
                    self._store_supported(i, self._call_one(i, "/supported", None))
                except _Stop as stop:
                    self._supported.pop(i, None)
                    failures[i] = stop.error
        return failures

    async def _arefresh(self) -> Dict[int, FacilitatorError]:
        failures: Dict[int, FacilitatorError] = {}
        for i in range(len(self.facilitators)):
            if self._stale(i):
                try:
                    self._store_supported(i, await self._acall_one(i, "/supported", None))
                except _Stop as stop:
                    self._supported.pop(i, None)
                    failures[i] = stop.error
        return failures

    # --- sync -------------------------------------------------------------------------------------

    def _send(self, i: int, endpoint: str, body: Optional[Dict[str, Any]]) -> _Outcome:
        f = self.facilitators[i]
        try:
            headers = self._headers(f, endpoint.lstrip("/"))
            client, timeout = self._sync(), self._timeout_of(f)
            if body is None:
                response = client.get(f.url + endpoint, headers=headers, timeout=timeout)
            else:
                response = client.post(f.url + endpoint, json=body, headers=headers, timeout=timeout)
        except httpx.HTTPError as e:
            return self._exception(endpoint, e)
        return self._response(endpoint, response)

    def _call_one(self, i: int, endpoint: str, body: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        """One facilitator, with retries; raises the final error (``"next"`` included)."""
        attempt = 0
        while True:
            outcome = self._send(i, endpoint, body)
            step, delay = self._next_step(endpoint, outcome, attempt)
            if step == "return":
                assert outcome.body is not None
                return outcome.body
            if step != "retry":
                raise _Stop(self._final(endpoint, outcome), failover=step == "next")
            self.retry.sleep(delay)
            attempt += 1

    def _call(self, endpoint: str, body: Dict[str, Any]) -> Dict[str, Any]:
        failures = self._refresh() if self.route else {}
        last: Optional[FacilitatorError] = None
        for i in self._route(self._kind(body), failures):
            try:
                return self._call_one(i, endpoint, body)
            except _Stop as stop:
                if not stop.failover:
                    raise stop.error from stop.error.__cause__
                last = stop.error
        assert last is not None
        raise last

    def verify(self, payment_payload: JsonLike, requirements: JsonLike) -> Dict[str, Any]:
        """``POST /verify``; the ``VerifyResponse`` when ``isValid`` is true."""
        return self._call("/verify", self._body(payment_payload, requirements))

    def settle(self, payment_payload: JsonLike, requirements: JsonLike) -> Dict[str, Any]:
        """``POST /settle``; the ``SettleResponse`` when ``success`` is true. Sent again (same
        facilitator, then the next) only when it provably never arrived; see the module doc."""
        return self._call("/settle", self._body(payment_payload, requirements))

    def supported(self) -> Dict[str, Any]:
        """``GET /supported`` of the first facilitator that answers (and refreshes its cache)."""
        last: Optional[FacilitatorError] = None
        for i in range(len(self.facilitators)):
            try:
                body = self._call_one(i, "/supported", None)
            except _Stop as stop:
                last = stop.error
                continue
            self._store_supported(i, body)
            return body
        assert last is not None
        raise last

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> "FacilitatorClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- async ------------------------------------------------------------------------------------

    async def _asend(self, i: int, endpoint: str, body: Optional[Dict[str, Any]]) -> _Outcome:
        f = self.facilitators[i]
        try:
            headers = await self._aheaders(f, endpoint.lstrip("/"))
            client, timeout = self._async(), self._timeout_of(f)
            if body is None:
                response = await client.get(f.url + endpoint, headers=headers, timeout=timeout)
            else:
                response = await client.post(f.url + endpoint, json=body, headers=headers, timeout=timeout)
        except httpx.HTTPError as e:
            return self._exception(endpoint, e)
        return self._response(endpoint, response)

    async def _acall_one(self, i: int, endpoint: str, body: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        attempt = 0
        while True:
            outcome = await self._asend(i, endpoint, body)
            step, delay = self._next_step(endpoint, outcome, attempt)
            if step == "return":
                assert outcome.body is not None
                return outcome.body
            if step != "retry":
                raise _Stop(self._final(endpoint, outcome), failover=step == "next")
            await self.retry.asleep(delay)
            attempt += 1

    async def _acall(self, endpoint: str, body: Dict[str, Any]) -> Dict[str, Any]:
        failures = await self._arefresh() if self.route else {}
        last: Optional[FacilitatorError] = None
        for i in self._route(self._kind(body), failures):
            try:
                return await self._acall_one(i, endpoint, body)
            except _Stop as stop:
                if not stop.failover:
                    raise stop.error from stop.error.__cause__
                last = stop.error
        assert last is not None
        raise last

    async def averify(self, payment_payload: JsonLike, requirements: JsonLike) -> Dict[str, Any]:
        return await self._acall("/verify", self._body(payment_payload, requirements))

    async def asettle(self, payment_payload: JsonLike, requirements: JsonLike) -> Dict[str, Any]:
        return await self._acall("/settle", self._body(payment_payload, requirements))

    async def asupported(self) -> Dict[str, Any]:
        last: Optional[FacilitatorError] = None
        for i in range(len(self.facilitators)):
            try:
                body = await self._acall_one(i, "/supported", None)
            except _Stop as stop:
                last = stop.error
                continue
            self._store_supported(i, body)
            return body
        assert last is not None
        raise last

    async def aclose(self) -> None:
        if self._aclient is not None:
            await self._aclient.aclose()
            self._aclient = None
        self.close()

    async def __aenter__(self) -> "FacilitatorClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class _Stop(Exception):
    """Internal: one facilitator is done; ``failover`` says whether the next may be tried."""

    def __init__(self, error: FacilitatorError, *, failover: bool) -> None:
        super().__init__(error.message)
        self.error = error
        self.failover = failover
