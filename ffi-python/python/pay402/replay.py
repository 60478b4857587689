"""Single-use stores for verified payments (replay protection).

The middleware records every verified payment's ``Verified.replay_key`` (chain id ‖ asset ‖ payer
‖ nonce, 80 bytes) with :meth:`ReplayStore.insert_if_absent` *before* running the handler; a
second submission of the same authorization finds the key and is refused. The record only has
to outlive the authorization: after ``validBefore`` the core rejects the payment anyway, so the
TTL is the time left until ``validBefore`` plus the verification slack.

Implementations must make ``insert_if_absent`` atomic across every worker that shares the
store: :class:`MemoryReplayStore` within one process (threads), :class:`RedisReplayStore` across
processes and hosts.
"""

from __future__ import annotations

import heapq
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

try:  # Protocol and runtime_checkable are in typing from 3.8
    from typing import Protocol, runtime_checkable
except ImportError:  # pragma: no cover
    from typing_extensions import Protocol, runtime_checkable  # type: ignore[assignment]

__all__ = ["ReplayStore", "MemoryReplayStore", "RedisReplayStore", "replay_ttl"]


@runtime_checkable
class ReplayStore(Protocol):
    """A set of keys with expiry and an atomic insert-if-absent."""

    def insert_if_absent(self, key: bytes, ttl_seconds: int) -> bool:
        """Record ``key`` for ``ttl_seconds`` (≥ 1). True if it was absent (first use), False if
        it was already present (a replay). Must be atomic: of N concurrent calls with one key,
        exactly one returns True."""
        ...


def replay_ttl(valid_before: int, now: int, slack: int = 6) -> int:
    """Seconds a replay record must live: until ``valid_before`` plus the verifier's slack, at
    least 1."""
    return max(1, valid_before - now + slack + 1)


class MemoryReplayStore:
    """In-process store with expiry, safe to share between threads (one lock).

    Not shared between processes: with several workers (gunicorn, uvicorn ``--workers``) use
    :class:`RedisReplayStore`. ``max_entries`` bounds memory: when full, new keys are refused
    (``insert_if_absent`` returns False), never silently forgotten.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, max_entries: Optional[int] = None) -> None:
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

    def insert_if_absent(self, key: bytes, ttl_seconds: int) -> bool:
        if not isinstance(key, bytes) or not key:
            raise TypeError("key must be non-empty bytes")
        if ttl_seconds < 1:
            raise ValueError("ttl_seconds must be >= 1")
        with self._lock:
            now = self._clock()
            self._purge(now)
            if key in self._expiry:
                return False
            if self._max is not None and len(self._expiry) >= self._max:
                return False
            at = now + ttl_seconds
            self._expiry[key] = at
            heapq.heappush(self._heap, (at, key))
            return True

    def release(self, key: bytes) -> None:
        """Forgets ``key`` (a reservation whose handler failed), so it can be used again."""
        with self._lock:
            self._expiry.pop(key, None)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            self._purge(self._clock())
            return key in self._expiry

    def __len__(self) -> int:
        with self._lock:
            self._purge(self._clock())
            return len(self._expiry)


class RedisReplayStore:
    """Redis-backed store: one ``SET <prefix><hex key> 1 NX PX <ttl ms>`` per payment.

    ``SET … NX`` is atomic in Redis, so exactly one of any number of concurrent submissions (from
    any process or host using the same Redis) is accepted. ``client`` is a ``redis.Redis``
    (or anything with the same ``set(name, value, nx=, px=)``); errors propagate, so an
    unreachable Redis refuses payments instead of accepting replays.
    """

    def __init__(self, client: Any, *, prefix: str = "pay402:replay:") -> None:
        self._client = client
        self._prefix = prefix

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "pay402:replay:", **kwargs: Any) -> "RedisReplayStore":
        """Connects with ``redis.Redis.from_url(url, **kwargs)`` (needs the ``redis`` package)."""
        import redis  # optional dependency

        return cls(redis.Redis.from_url(url, **kwargs), prefix=prefix)

    def redis_key(self, key: bytes) -> str:
        """The Redis key used for a replay key."""
        return self._prefix + key.hex()

    def insert_if_absent(self, key: bytes, ttl_seconds: int) -> bool:
        if not isinstance(key, bytes) or not key:
            raise TypeError("key must be non-empty bytes")
        if ttl_seconds < 1:
            raise ValueError("ttl_seconds must be >= 1")
        return bool(self._client.set(self.redis_key(key), b"1", nx=True, px=ttl_seconds * 1000))

    def release(self, key: bytes) -> None:
        """Deletes the record of ``key`` (a reservation whose handler failed)."""
        self._client.delete(self.redis_key(key))

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "RedisReplayStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
