"""Settlement records: at most one settlement per authorization, across processes.

A record is keyed by the payment's replay key (the core's ``Verified.replay_key``: chain id ‖
asset ‖ payer ‖ nonce, hex). The first ``/settle`` claims the key atomically (``SET NX`` with a TTL
that outlives the authorization); whoever finds the key taken waits for the owner's result and
never sends a transaction. States:

``claimed``  a settlement is under way (no result yet);
``done``     final: ``response`` is the SettleResponse every later ``/settle`` answers;
``pending``  broadcast, receipt not seen: ``response`` is the ``settlement_pending`` answer with the hash.

A settlement refused before broadcast (``transaction`` ``""``) releases its claim: nothing was
sent, so the authorization may be settled later. Only the owner (a random token) can finish or
release a claim.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Dict, List, Optional, Protocol, Tuple

__all__ = ["SettlementRecords", "MemorySettlementRecords", "RedisSettlementRecords", "RedisPendingStore"]

Record = Dict[str, Any]


class SettlementRecords(Protocol):
    def claim(self, key: str, owner: str, ttl: int) -> Optional[Record]:
        """Claims ``key`` for ``owner``: None when claimed, else the record that holds it."""

    def get(self, key: str) -> Optional[Record]:
        """The record of ``key``, or None."""

    def finish(self, key: str, owner: str, state: str, response: Dict[str, Any], ttl: int) -> bool:
        """Stores ``owner``'s result (``done`` or ``pending``); False when ``owner`` no longer holds it."""

    def release(self, key: str, owner: str) -> bool:
        """Deletes ``owner``'s claim (nothing was sent); False when ``owner`` no longer holds it."""


class MemorySettlementRecords:
    """In one process (tests, a single worker). Thread-safe; expired records are pruned lazily."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._data: Dict[str, Tuple[float, Record]] = {}

    def _live(self, key: str) -> Optional[Record]:
        item = self._data.get(key)
        if item is None:
            return None
        if item[0] <= self._clock():
            del self._data[key]
            return None
        return item[1]

    def claim(self, key: str, owner: str, ttl: int) -> Optional[Record]:
        with self._lock:
            held = self._live(key)
            if held is not None:
                return dict(held)
            self._data[key] = (self._clock() + ttl, {"state": "claimed", "owner": owner})
            return None

    def get(self, key: str) -> Optional[Record]:
        with self._lock:
            held = self._live(key)
            return None if held is None else dict(held)

    def finish(self, key: str, owner: str, state: str, response: Dict[str, Any], ttl: int) -> bool:
        with self._lock:
            held = self._live(key)
            if held is None or held.get("owner") != owner:
                return False
            self._data[key] = (self._clock() + ttl, {"state": state, "owner": owner, "response": response})
            return True

    def release(self, key: str, owner: str) -> bool:
        with self._lock:
            held = self._live(key)
            if held is None or held.get("owner") != owner:
                return False
            del self._data[key]
            return True


# KEYS[1] the record; ARGV[1] owner; ARGV[2] new value ('' = delete); ARGV[3] ttl seconds.
_COMPARE_AND_SET = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local ok, rec = pcall(cjson.decode, raw)
if not ok or rec['owner'] ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[3])) end
return 1
"""


class RedisSettlementRecords:
    """Shared by every facilitator process using the same Redis (``redis`` package, sync client).
    ``claim`` is one ``SET key value NX EX ttl``; ``finish`` and ``release`` are one Lua script each
    that compares the owner first. A Redis error raises: ``/settle`` then sends nothing."""

    def __init__(self, url: str, *, prefix: str = "pay402:facilitator:settle:", client: Any = None) -> None:
        if client is None:
            from ..errors import require_extra

            redis = require_extra("redis", "redis", "the facilitator's Redis settlement records")
            client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._r = client
        self._prefix = prefix
        self._cas = self._r.register_script(_COMPARE_AND_SET)

    @property
    def client(self) -> Any:
        """The Redis client (shared with :class:`RedisPendingStore`)."""
        return self._r

    def _k(self, key: str) -> str:
        return self._prefix + key

    @staticmethod
    def _load(raw: Any) -> Optional[Record]:
        if raw is None:
            return None
        rec: Record = json.loads(raw)
        return rec

    def claim(self, key: str, owner: str, ttl: int) -> Optional[Record]:
        value = json.dumps({"state": "claimed", "owner": owner})
        while True:
            if self._r.set(self._k(key), value, nx=True, ex=max(1, int(ttl))):
                return None
            held = self._load(self._r.get(self._k(key)))
            if held is not None:
                return held
            # expired between SET NX and GET: try again

    def get(self, key: str) -> Optional[Record]:
        return self._load(self._r.get(self._k(key)))

    def finish(self, key: str, owner: str, state: str, response: Dict[str, Any], ttl: int) -> bool:
        value = json.dumps({"state": state, "owner": owner, "response": response})
        return bool(self._cas(keys=[self._k(key)], args=[owner, value, max(1, int(ttl))]))

    def release(self, key: str, owner: str) -> bool:
        return bool(self._cas(keys=[self._k(key)], args=[owner, "", 1]))


class RedisPendingStore:
    """The ``pending_store`` of :class:`pay402.settle.LocalEvmSettlement` in Redis: a settlement
    answered ``settlement_pending`` by one process (its signed bytes and hash) is awaited, never
    sent again, by whichever process gets the payment's next ``/settle``. ``delete`` is true only
    for the caller whose ``DEL`` removed the record.

    Pending settlements expire after ``ttl`` seconds (a week by default: far beyond any
    authorization's validity). Refund records (keys ``refund:<order key>``) never expire: they are
    the proof that an order was signed, so a retry of the same order, however late, re-sends the
    recorded bytes or answers the recorded result instead of paying a second time."""

    REFUND_PREFIX = "refund:"

    def __init__(self, client: Any, *, prefix: str, ttl: int = 7 * 86400) -> None:
        self._r = client
        self._prefix = prefix
        self._ttl = ttl

    def _expiry(self, key: str) -> Optional[int]:
        return None if key.startswith(self.REFUND_PREFIX) else self._ttl

    def get(self, key: str) -> Optional[Dict[str, Any]]:
        raw = self._r.get(self._prefix + key)
        if raw is None:
            return None
        rec: Dict[str, Any] = json.loads(raw)
        return rec

    def set(self, key: str, record: Dict[str, Any]) -> None:
        self._r.set(self._prefix + key, json.dumps(record), ex=self._expiry(key))

    def delete(self, key: str) -> bool:
        return bool(self._r.delete(self._prefix + key))

    def add(self, key: str, record: Dict[str, Any]) -> bool:
        """Stores ``record`` only if ``key`` is absent (``SET NX``): a refund is signed by one
        process only."""
        return bool(self._r.set(self._prefix + key, json.dumps(record), ex=self._expiry(key), nx=True))

    def keys(self) -> List[str]:
        n = len(self._prefix)
        return [(k.decode() if isinstance(k, bytes) else str(k))[n:] for k in self._r.scan_iter(match=self._prefix + "*")]
