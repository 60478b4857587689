"""Single-use stores for verified payments (replay protection).

The server reserves every verified payment's ``Verified.replay_key`` (chain id ‖ asset ‖ payer ‖
nonce, 80 bytes) with :meth:`ReplayStore.reserve` *before* running the handler; a second
submission of the same authorization finds the key and is refused. Afterwards the server either
keeps the reservation (the payment settled, or its outcome is unknown) or deletes it with
:meth:`ReplayStore.release` (the handler failed, or the facilitator refused the settlement), so the
same authorization can be retried. The record only has to outlive the authorization: after
``validBefore`` the core rejects the payment anyway, so the TTL is the time left until
``validBefore`` plus the verification slack (:func:`replay_ttl`).

Implementations must make ``reserve`` atomic across every worker that shares the store:
:class:`MemoryReplayStore` within one process (threads), :class:`RedisReplayStore` and
:class:`AsyncRedisReplayStore` across processes and hosts. A store that cannot answer raises
:class:`ReplayStoreError`; the server then refuses the payment (503 ``replay_store_unavailable``)
rather than admit it without a reservation.

``insert_if_absent`` is the former name of ``reserve`` and keeps working on every store here.
"""

from __future__ import annotations

import heapq
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple, Type

from .errors import _CodedError, require_extra

try:  # Protocol and runtime_checkable are in typing from 3.8
    from typing import Protocol, runtime_checkable
except ImportError:  # pragma: no cover
    from typing_extensions import Protocol, runtime_checkable  # type: ignore[assignment]

__all__ = [
    "ReplayStore",
    "AsyncReplayStore",
    "ReplayStoreError",
    "MemoryReplayStore",
    "RedisReplayStore",
    "AsyncRedisReplayStore",
    "as_replay_store",
    "replay_ttl",
]


class ReplayStoreError(_CodedError):
    """The replay store could not answer (unreachable, timed out, full). ``.code`` is
    ``replay_store_unavailable``; the store's own exception, if any, is ``__cause__``."""

    def __init__(self, message: str, *, detail_code: Optional[str] = None) -> None:
        super().__init__(message, code="replay_store_unavailable", detail_code=detail_code)


@runtime_checkable
class ReplayStore(Protocol):
    """A set of keys with expiry: an atomic reserve (insert if absent) and a release (delete)."""

    def reserve(self, key: bytes, ttl_seconds: int) -> bool:
        """Record ``key`` for ``ttl_seconds`` (≥ 1). True if it was absent (first use), False if
        it is already held (a replay). Must be atomic: of N concurrent calls with one key,
        exactly one returns True. Raises :class:`ReplayStoreError` when the store cannot answer."""
        ...

    def release(self, key: bytes) -> None:
        """Delete ``key`` (absent keys are fine), so the same payment can be submitted again.
        Raises :class:`ReplayStoreError` when the store cannot answer (the key then stays
        reserved until it expires)."""
        ...


@runtime_checkable
class AsyncReplayStore(Protocol):
    """:class:`ReplayStore` with coroutine methods (for asyncio servers)."""

    async def reserve(self, key: bytes, ttl_seconds: int) -> bool: ...

    async def release(self, key: bytes) -> None: ...


def replay_ttl(valid_before: int, now: int, slack: int = 6) -> int:
    """Seconds a replay record must live: until ``valid_before`` plus the verifier's slack, at
    least 1."""
    return max(1, valid_before - now + slack + 1)


def _check(key: bytes, ttl_seconds: Optional[int] = None) -> None:
    if not isinstance(key, bytes) or not key:
        raise TypeError("key must be non-empty bytes")
    if ttl_seconds is not None and (isinstance(ttl_seconds, bool) or not isinstance(ttl_seconds, int) or ttl_seconds < 1):
        raise ValueError("ttl_seconds must be an int >= 1")


class _LegacyStore:
    """A store written for the former protocol (``insert_if_absent`` only): it cannot release,
    so a released reservation stays until it expires (the retry is refused: fail closed)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def reserve(self, key: bytes, ttl_seconds: int) -> bool:
        return bool(self.inner.insert_if_absent(key, ttl_seconds))

    def release(self, key: bytes) -> None:
        raise ReplayStoreError(f"{type(self.inner).__name__} has no release(key); the reservation is kept until it expires")

    insert_if_absent = reserve


def as_replay_store(store: Any) -> ReplayStore:
    """``store`` itself when it has ``reserve`` and ``release``; a store with only the former
    ``insert_if_absent(key, ttl_seconds)`` is wrapped (its ``release`` raises
    :class:`ReplayStoreError`). Anything else raises ``TypeError``."""
    if callable(getattr(store, "reserve", None)) and callable(getattr(store, "release", None)):
        return store  # type: ignore[no-any-return]
    if callable(getattr(store, "insert_if_absent", None)):
        return _LegacyStore(store)
    raise TypeError(f"replay_store {store!r} has no reserve(key, ttl_seconds) and release(key)")


class MemoryReplayStore:
    """In-process store with expiry, safe to share between threads (one lock).

    Not shared between processes: with several workers (gunicorn, uvicorn ``--workers``) use
    :class:`RedisReplayStore`. ``max_entries`` bounds memory: when full (after expired keys are
    dropped), ``reserve`` raises :class:`ReplayStoreError` (the server answers 503); keys are never
    silently forgotten. ``clock`` returns seconds (default ``time.monotonic``).
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, max_entries: Optional[int] = None) -> None:
        if max_entries is not None and max_entries < 1:
            raise ValueError("max_entries must be >= 1")
        self._clock = clock
        self._max = max_entries
        self._lock = threading.Lock()
        self._expiry: Dict[bytes, float] = {}
        self._heap: List[Tuple[float, bytes]] = []

    def _purge(self, now: float) -> None:
        heap = self._heap
        while heap and heap[0][0] <= now:
            at, key = heapq.heappop(heap)
            if self._expiry.get(key) == at:
                del self._expiry[key]

    def reserve(self, key: bytes, ttl_seconds: int) -> bool:
        _check(key, ttl_seconds)
        with self._lock:
            now = self._clock()
            self._purge(now)
            if key in self._expiry:
                return False
            if self._max is not None and len(self._expiry) >= self._max:
                raise ReplayStoreError(f"replay store full ({self._max} live keys)", detail_code="replay_store_full")
            at = now + ttl_seconds
            self._expiry[key] = at
            heapq.heappush(self._heap, (at, key))
            return True

    insert_if_absent = reserve

    def release(self, key: bytes) -> None:
        _check(key)
        with self._lock:
            # the heap entry stays until its time; _purge skips it as the key no longer maps to it
            self._expiry.pop(key, None)
            if len(self._heap) > 2 * len(self._expiry) + 64:  # released keys' entries: compact
                self._heap = [(at, k) for at, k in self._heap if self._expiry.get(k) == at]
                heapq.heapify(self._heap)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            self._purge(self._clock())
            return key in self._expiry

    def __len__(self) -> int:
        with self._lock:
            self._purge(self._clock())
            return len(self._expiry)


def _redis_errors() -> Tuple[Type[BaseException], ...]:
    try:
        import redis
    except ImportError:  # pragma: no cover - a client object was given without the package
        return (OSError,)
    return (redis.exceptions.RedisError, OSError)


class RedisReplayStore:
    """Redis-backed store: ``SET <prefix><hex key> 1 NX PX <ttl ms>`` to reserve, ``DEL`` to
    release.

    ``SET … NX`` is atomic in Redis, so exactly one of any number of concurrent submissions (from
    any process or host using the same Redis) is accepted. ``client`` is a ``redis.Redis`` (or
    anything with the same ``set(name, value, nx=, px=)`` and ``delete(name)``); a Redis error
    (connection refused, timeout) raises :class:`ReplayStoreError`, so an unreachable Redis
    refuses payments instead of accepting replays. Give the client a ``socket_timeout`` so a
    stalled Redis cannot hold requests.
    """

    def __init__(self, client: Any, *, prefix: str = "pay402:replay:") -> None:
        self._client = client
        self._prefix = prefix

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "pay402:replay:", **kwargs: Any) -> "RedisReplayStore":
        """Connects with ``redis.Redis.from_url(url, **kwargs)`` (needs the ``redis`` package:
        ``pip install "pay402[redis]"``; without it raises :class:`~pay402.errors.MissingExtra`)."""
        redis = require_extra("redis", "redis", "pay402.replay.RedisReplayStore.from_url")
        return cls(redis.Redis.from_url(url, **kwargs), prefix=prefix)

    def redis_key(self, key: bytes) -> str:
        """The Redis key used for a replay key."""
        return self._prefix + key.hex()

    def reserve(self, key: bytes, ttl_seconds: int) -> bool:
        _check(key, ttl_seconds)
        try:
            return bool(self._client.set(self.redis_key(key), b"1", nx=True, px=ttl_seconds * 1000))
        except _redis_errors() as e:
            raise ReplayStoreError(f"redis: {e}") from e

    insert_if_absent = reserve

    def release(self, key: bytes) -> None:
        _check(key)
        try:
            self._client.delete(self.redis_key(key))
        except _redis_errors() as e:
            raise ReplayStoreError(f"redis: {e}") from e

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "RedisReplayStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncRedisReplayStore:
    """:class:`RedisReplayStore` for asyncio: the same keys and commands over a
    ``redis.asyncio.Redis`` client (``reserve`` and ``release`` are coroutines)."""

    def __init__(self, client: Any, *, prefix: str = "pay402:replay:") -> None:
        self._client = client
        self._prefix = prefix

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "pay402:replay:", **kwargs: Any) -> "AsyncRedisReplayStore":
        """Connects with ``redis.asyncio.Redis.from_url(url, **kwargs)`` (needs the ``redis``
        package: ``pip install "pay402[redis]"``)."""
        redis_asyncio = require_extra("redis.asyncio", "redis", "pay402.replay.AsyncRedisReplayStore.from_url")
        return cls(redis_asyncio.Redis.from_url(url, **kwargs), prefix=prefix)

    def redis_key(self, key: bytes) -> str:
        """The Redis key used for a replay key."""
        return self._prefix + key.hex()

    async def reserve(self, key: bytes, ttl_seconds: int) -> bool:
        _check(key, ttl_seconds)
        try:
            return bool(await self._client.set(self.redis_key(key), b"1", nx=True, px=ttl_seconds * 1000))
        except _redis_errors() as e:
            raise ReplayStoreError(f"redis: {e}") from e

    async def release(self, key: bytes) -> None:
        _check(key)
        try:
            await self._client.delete(self.redis_key(key))
        except _redis_errors() as e:
            raise ReplayStoreError(f"redis: {e}") from e

    async def aclose(self) -> None:
        close = getattr(self._client, "aclose", None) or self._client.close  # aclose from redis 5.0.1
        await close()

    async def __aenter__(self) -> "AsyncRedisReplayStore":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
