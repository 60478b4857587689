"""The WS402 session stores: one latest record per session, every write a compare-and-swap on the
generation, so of concurrent writers with the same expectation exactly one wins. The same
specification runs against :class:`MemorySessionStore` and, over a real redis-server on
127.0.0.1, :class:`RedisSessionStore` (several clients racing; expiry as Redis applies it)."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable, Iterator, List

import pytest

from pay402.ws402 import MemorySessionStore, RedisSessionStore, SessionStoreError, StoredSession

RECORD = bytes(range(256)) * 3  # records are opaque binary: every byte value survives


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@pytest.fixture(scope="module")
def redis_port() -> Iterator[int]:
    pytest.importorskip("redis", reason="redis (Python client) not installed (ffi-python/tests/requirements-web.txt)")
    from web_support import redis_server

    with redis_server() as port:
        yield port


def redis_store(port: int, prefix: str) -> RedisSessionStore:
    return RedisSessionStore.from_url(f"redis://127.0.0.1:{port}/0", prefix=prefix, socket_timeout=5)


@pytest.fixture(params=["memory", "redis"])
def make_store(request: Any) -> Callable[[], Any]:
    """A factory of stores that share one backing state (one dict, or one Redis prefix)."""
    if request.param == "memory":
        store = MemorySessionStore()
        return lambda: store
    port = request.getfixturevalue("redis_port")
    prefix = f"t{time.monotonic_ns()}:"
    return lambda: redis_store(port, prefix)


def test_create_is_first_writer_only(make_store: Callable[[], Any]) -> None:
    async def go() -> None:
        store = make_store()
        assert await store.create("s1", RECORD, 0, 60) is True
        assert await store.create("s1", b"other", 5, 60) is False
        assert await store.load("s1") == StoredSession(RECORD, 0)
        assert await store.load("nope") is None
    run(go())


def test_swap_applies_only_on_the_expected_generation(make_store: Callable[[], Any]) -> None:
    async def go() -> None:
        store = make_store()
        await store.create("s2", b"g0", 0, 60)
        assert await store.swap("s2", b"g1", 1, 0, 60) is True
        assert await store.swap("s2", b"late", 1, 0, 60) is False  # a stale writer loses
        assert await store.load("s2") == StoredSession(b"g1", 1)
        assert await store.swap("gone", b"x", 1, 0, 60) is False     # no record: nothing created
        assert await store.load("gone") is None
    run(go())


def test_of_concurrent_writers_with_one_expectation_exactly_one_wins(make_store: Callable[[], Any]) -> None:
    async def go() -> List[bool]:
        first = make_store()
        await first.create("race", b"g0", 0, 60)
        stores = [make_store() for _ in range(12)]  # separate Redis connections
        wins = await asyncio.gather(*(s.swap("race", f"w{i}".encode(), 1, 0, 60) for i, s in enumerate(stores)))
        stored = await first.load("race")
        assert stored is not None and stored.generation == 1
        assert stored.record == f"w{wins.index(True)}".encode()
        return list(wins)
    assert run(go()).count(True) == 1


def test_open_ids_lists_live_sessions_until_deleted_at_their_generation(make_store: Callable[[], Any]) -> None:
    async def go() -> None:
        store = make_store()
        for i in ("a", "b", "c"):
            await store.create(i, b"r", 0, 60)
        await store.swap("b", b"r1", 1, 0, 60)
        assert await store.delete("b", 0) is False  # a stale owner cannot finish it
        assert await store.delete("b", 1) is True
        assert await store.delete("b", 1) is False  # finished once
        assert sorted(await store.open_ids()) == ["a", "c"]
        assert await store.load("b") is None
    run(go())


def test_a_record_expires_with_its_ttl_memory() -> None:
    now = [1000.0]
    store = MemorySessionStore(clock=lambda: now[0])

    async def go() -> None:
        await store.create("e", b"r", 0, 2)
        now[0] += 1.9
        assert await store.load("e") == StoredSession(b"r", 0)
        now[0] += 0.2
        assert await store.load("e") is None
        assert await store.open_ids() == []
        assert await store.create("e", b"new", 0, 2) is True
    run(go())


def test_a_record_expires_with_its_ttl_redis(redis_port: int) -> None:
    async def go() -> None:
        store = redis_store(redis_port, "exp:")
        await store.create("e", b"r", 0, 1)
        assert await store.load("e") == StoredSession(b"r", 0)
        await asyncio.sleep(1.2)
        assert await store.load("e") is None
        assert await store.open_ids() == []  # the expired id is dropped from the open set
    run(go())


def test_bad_arguments_are_refused_before_any_write() -> None:
    store = MemorySessionStore()
    for args in [("", b"r", 0, 1), ("x" * 129, b"r", 0, 1), ("s", b"r", -1, 1), ("s", b"r", 2**32, 1), ("s", b"r", 0, 0)]:
        with pytest.raises(ValueError):
            run(store.create(*args))
    assert run(store.open_ids()) == []


def test_an_unreachable_redis_raises_rather_than_answering() -> None:
    pytest.importorskip("redis", reason="redis (Python client) not installed")
    from web_support import free_port

    async def go() -> List[str]:
        # created inside the loop: redis.asyncio binds its connection pool to the running loop
        store = RedisSessionStore.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5)
        codes: List[str] = []
        for call in (lambda: store.create("s", b"r", 0, 5), lambda: store.load("s"),
                     lambda: store.swap("s", b"r", 1, 0, 5), store.open_ids, lambda: store.delete("s", 0)):
            with pytest.raises(SessionStoreError) as info:
                await call()
            codes.append(info.value.code)
        return codes
    assert run(go()) == ["session_store_unavailable"] * 5


def test_the_redis_layout_is_base64_record_decimal_generation_and_an_open_set(redis_port: int) -> None:
    import base64

    import redis

    async def go() -> None:
        store = redis_store(redis_port, "lay:")
        await store.create("s", RECORD, 7, 60)
    run(go())
    raw = redis.Redis(host="127.0.0.1", port=redis_port)
    assert base64.b64decode(raw.get("lay:s:s")) == RECORD
    assert raw.get("lay:g:s") == b"7"
    assert raw.smembers("lay:open") == {b"s"}
    assert 59_000 < raw.pttl("lay:s:s") <= 60_000 and 59_000 < raw.pttl("lay:g:s") <= 60_000
