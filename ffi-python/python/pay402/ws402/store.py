"""Where WS402 session records live between events, processes and restarts.

The core writes each session's record (sealed bytes: the meter, the payment, the phase) and
numbers its versions with a *generation*. A store keeps the latest record per session id and
applies every write as a compare-and-swap on the generation, so when two processes hold the same
session (a restart racing a slow owner, two servers recovering one Redis) exactly one write wins
and the loser stops without settling. The store never reads a record: it moves bytes.

:class:`MemorySessionStore` serves one process (lost on restart); :class:`RedisSessionStore`
serves every process sharing one Redis, and survives a server restart. A store that cannot answer
raises :class:`SessionStoreError`; the server then fails closed (no session starts on a record it
cannot keep).
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple, Type

from ..errors import _CodedError, require_extra

try:
    from typing import Protocol, runtime_checkable
except ImportError:  # pragma: no cover
    from typing_extensions import Protocol, runtime_checkable  # type: ignore[assignment]

__all__ = [
    "SessionStore",
    "SessionStoreError",
    "StoredSession",
    "MemorySessionStore",
    "RedisSessionStore",
]


class SessionStoreError(_CodedError):
    """The session store could not answer (unreachable, timed out). ``.code`` is
    ``session_store_unavailable``; the store's own exception, if any, is ``__cause__``."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="session_store_unavailable")


class StoredSession(NamedTuple):
    """A session's latest record and its generation."""

    record: bytes
    generation: int


@runtime_checkable
class SessionStore(Protocol):
    """Session records keyed by session id, written by compare-and-swap on the generation."""

    async def create(self, session_id: str, record: bytes, generation: int, ttl_seconds: int) -> bool:
        """Store the first record of ``session_id`` for ``ttl_seconds`` and list the id as open.
        True if the id was free; False if it exists (nothing is changed)."""
        ...

    async def load(self, session_id: str) -> Optional[StoredSession]:
        """The latest record, or None when the session is unknown, deleted or expired."""
        ...

    async def swap(self, session_id: str, record: bytes, generation: int, expect: int, ttl_seconds: int) -> bool:
        """Replace the record if its stored generation is ``expect``: True. False when another
        write came first or the session is gone (nothing is changed)."""
        ...

    async def open_ids(self) -> List[str]:
        """The ids of the sessions stored and not deleted (for recovery after a restart)."""
        ...

    async def delete(self, session_id: str, expect: int) -> bool:
        """Remove a finished session if its generation is ``expect``: True; else False."""
        ...


def _check(session_id: str, ttl_seconds: Optional[int] = None, *generations: int) -> None:
    if not isinstance(session_id, str) or not session_id or len(session_id) > 128:
        raise ValueError("session_id must be a non-empty str of at most 128 characters")
    if ttl_seconds is not None and (isinstance(ttl_seconds, bool) or not isinstance(ttl_seconds, int) or ttl_seconds < 1):
        raise ValueError("ttl_seconds must be an int >= 1")
    for g in generations:
        if isinstance(g, bool) or not isinstance(g, int) or not 0 <= g < 2**32:
            raise ValueError("a generation is an int in [0, 2**32)")


class MemorySessionStore:
    """In-process store with expiry, safe to share between threads (one lock). One process
    only, and lost on restart: use :class:`RedisSessionStore` to resume sessions across
    restarts or workers. ``clock`` returns seconds (default ``time.monotonic``)."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._items: Dict[str, Tuple[bytes, int, float]] = {}

    def _live(self, session_id: str) -> Optional[Tuple[bytes, int, float]]:
        item = self._items.get(session_id)
        if item is not None and item[2] <= self._clock():
            del self._items[session_id]
            return None
        return item

    async def create(self, session_id: str, record: bytes, generation: int, ttl_seconds: int) -> bool:
        _check(session_id, ttl_seconds, generation)
        with self._lock:
            if self._live(session_id) is not None:
                return False
            self._items[session_id] = (bytes(record), generation, self._clock() + ttl_seconds)
            return True

    async def load(self, session_id: str) -> Optional[StoredSession]:
        _check(session_id)
        with self._lock:
            item = self._live(session_id)
            return None if item is None else StoredSession(item[0], item[1])

    async def swap(self, session_id: str, record: bytes, generation: int, expect: int, ttl_seconds: int) -> bool:
        _check(session_id, ttl_seconds, generation, expect)
        with self._lock:
            item = self._live(session_id)
            if item is None or item[1] != expect:
                return False
            self._items[session_id] = (bytes(record), generation, self._clock() + ttl_seconds)
            return True

    async def open_ids(self) -> List[str]:
        with self._lock:
            return [i for i in list(self._items) if self._live(i) is not None]

    async def delete(self, session_id: str, expect: int) -> bool:
        _check(session_id, None, expect)
        with self._lock:
            item = self._live(session_id)
            if item is None or item[1] != expect:
                return False
            del self._items[session_id]
            return True


def _b64(record: bytes) -> str:
    return base64.b64encode(bytes(record)).decode("ascii")


def _redis_errors() -> Tuple[Type[BaseException], ...]:
    try:
        import redis
    except ImportError:  # pragma: no cover - a client object was given without the package
        return (OSError,)
    return (redis.exceptions.RedisError, OSError)


# KEYS: record, generation, open set. ARGV: id, record, generation, ttl ms.
_CREATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[4])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
redis.call('SADD', KEYS[3], ARGV[1])
return 1
"""
# KEYS: record, generation. ARGV: record, generation, expected generation, ttl ms.
_SWAP = """
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('GET', KEYS[2]) ~= ARGV[3] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[4])
return 1
"""
# KEYS: record, generation, open set. ARGV: id, expected generation.
_DELETE = """
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('GET', KEYS[2]) ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('SREM', KEYS[3], ARGV[1])
return 1
"""


class RedisSessionStore:
    """Redis-backed store over a ``redis.asyncio.Redis`` client: the record (standard base64
    text, so any client in any language reads the same layout) under ``<prefix>s:<id>``, its
    generation (decimal) under ``<prefix>g:<id>`` (both expiring together) and the open ids in
    the set ``<prefix>open``. ``create``, ``swap`` and ``delete`` are Lua scripts,
    so each compare-and-set is atomic for every process using the same Redis. ``open_ids``
    drops ids whose record expired. Give the client a ``socket_timeout`` so a stalled Redis
    cannot hold a session."""

    def __init__(self, client: Any, *, prefix: str = "pay402:ws402:") -> None:
        self._client = client
        self._prefix = prefix

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "pay402:ws402:", **kwargs: Any) -> "RedisSessionStore":
        """Connects with ``redis.asyncio.Redis.from_url(url, **kwargs)`` (needs the ``redis``
        package: ``pip install "pay402[redis]"``)."""
        redis_asyncio = require_extra("redis.asyncio", "redis", "pay402.ws402.RedisSessionStore.from_url")
        return cls(redis_asyncio.Redis.from_url(url, **kwargs), prefix=prefix)

    def _keys(self, session_id: str) -> List[str]:
        return [f"{self._prefix}s:{session_id}", f"{self._prefix}g:{session_id}", f"{self._prefix}open"]

    async def _eval(self, script: str, keys: List[str], *args: Any) -> Any:
        try:
            return await self._client.eval(script, len(keys), *keys, *args)
        except _redis_errors() as e:
            raise SessionStoreError(f"redis: {e}") from e

    async def create(self, session_id: str, record: bytes, generation: int, ttl_seconds: int) -> bool:
        _check(session_id, ttl_seconds, generation)
        return bool(await self._eval(_CREATE, self._keys(session_id), session_id, _b64(record), str(generation), ttl_seconds * 1000))

    async def load(self, session_id: str) -> Optional[StoredSession]:
        _check(session_id)
        try:  # MGET reads both keys atomically
            record, generation = await self._client.mget(self._keys(session_id)[:2])
        except _redis_errors() as e:
            raise SessionStoreError(f"redis: {e}") from e
        if record is None or generation is None:
            return None
        try:
            return StoredSession(base64.b64decode(record, validate=True), int(generation))
        except (binascii.Error, ValueError) as e:
            raise SessionStoreError(f"redis: the stored record of {session_id!r} is not base64 with a decimal generation") from e

    async def swap(self, session_id: str, record: bytes, generation: int, expect: int, ttl_seconds: int) -> bool:
        _check(session_id, ttl_seconds, generation, expect)
        return bool(await self._eval(_SWAP, self._keys(session_id)[:2], _b64(record), str(generation), str(expect), ttl_seconds * 1000))

    async def open_ids(self) -> List[str]:
        try:
            members = await self._client.smembers(f"{self._prefix}open")
            ids = sorted(m.decode() if isinstance(m, bytes) else str(m) for m in members)
            alive: List[str] = []
            for i in ids:
                if await self._client.exists(f"{self._prefix}s:{i}"):
                    alive.append(i)
                else:
                    await self._client.srem(f"{self._prefix}open", i)
            return alive
        except _redis_errors() as e:
            raise SessionStoreError(f"redis: {e}") from e

    async def delete(self, session_id: str, expect: int) -> bool:
        _check(session_id, None, expect)
        return bool(await self._eval(_DELETE, self._keys(session_id), session_id, str(expect)))

    async def aclose(self) -> None:
        close = getattr(self._client, "aclose", None) or self._client.close
        await close()
