"""Replay stores: the in-memory store (expiry, release, threads) and Redis (`SET NX PX`, `DEL`),
including N processes racing to reserve one key against a real redis-server: exactly one wins,
a release lets exactly one more win, and the expiry is the one Redis's own TTL reports."""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import threading
import time
from typing import Any, List

import pytest

import pay402
from pay402.replay import (
    AsyncReplayStore,
    MemoryReplayStore,
    RedisReplayStore,
    ReplayStore,
    ReplayStoreError,
    as_replay_store,
    replay_ttl,
)


def test_memory_store_accepts_a_key_once_until_it_expires() -> None:
    now = [1000.0]
    store = MemoryReplayStore(clock=lambda: now[0])
    assert isinstance(store, ReplayStore)
    assert store.insert_if_absent(b"k", 10) is True
    assert store.insert_if_absent(b"k", 10) is False
    now[0] += 9.9
    assert store.insert_if_absent(b"k", 10) is False
    now[0] += 0.2
    assert store.insert_if_absent(b"k", 10) is True
    assert len(store) == 1


def test_memory_store_reserve_release() -> None:
    now = [0.0]
    store = MemoryReplayStore(clock=lambda: now[0])
    assert store.reserve(b"k", 10) is True
    assert store.reserve(b"k", 10) is False
    store.release(b"k")
    assert b"k" not in store
    assert store.reserve(b"k", 10) is True  # the same payment may be retried after a release
    store.release(b"absent")  # releasing an absent key is fine
    # a released key's old expiry must not delete the new reservation
    store.release(b"k")
    now[0] = 5.0
    assert store.reserve(b"k", 10) is True
    now[0] = 10.5  # past the first reservation's expiry (10), before the second's (15)
    assert b"k" in store and store.reserve(b"k", 10) is False
    now[0] = 15.0
    assert store.reserve(b"k", 10) is True


def test_memory_store_many_releases_stay_bounded() -> None:
    store = MemoryReplayStore()
    for i in range(10_000):
        key = i.to_bytes(4, "big")
        assert store.reserve(key, 3600)
        store.release(key)
    assert len(store) == 0 and len(store._heap) <= 64


def test_memory_store_refuses_when_full_instead_of_forgetting() -> None:
    now = [0.0]
    store = MemoryReplayStore(max_entries=2, clock=lambda: now[0])
    assert store.reserve(b"a", 60) and store.reserve(b"b", 60)
    with pytest.raises(ReplayStoreError) as info:
        store.reserve(b"c", 60)
    assert info.value.code == "replay_store_unavailable" and info.value.detail_code == "replay_store_full"
    assert isinstance(info.value, pay402.Error)
    assert b"a" in store and b"c" not in store
    assert store.reserve(b"a", 60) is False  # a held key is still a replay, full or not
    store.release(b"a")
    assert store.reserve(b"c", 60) is True
    now[0] = 60.0  # expired keys make room
    assert store.reserve(b"d", 60) and store.reserve(b"e", 60)


def test_memory_store_rejects_bad_arguments() -> None:
    store = MemoryReplayStore()
    with pytest.raises(TypeError):
        store.insert_if_absent("k", 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        store.insert_if_absent(b"k", 0)
    with pytest.raises(ValueError):
        store.reserve(b"k", 1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        store.release(b"")
    with pytest.raises(ValueError):
        MemoryReplayStore(max_entries=0)


def test_stores_follow_the_protocol_and_legacy_stores_are_adapted() -> None:
    assert isinstance(MemoryReplayStore(), ReplayStore)
    assert isinstance(RedisReplayStore(object()), ReplayStore)
    store = MemoryReplayStore()
    assert as_replay_store(store) is store

    class Legacy:
        def __init__(self) -> None:
            self.keys: set = set()

        def insert_if_absent(self, key: bytes, ttl_seconds: int) -> bool:
            fresh = key not in self.keys
            self.keys.add(key)
            return fresh

    legacy = as_replay_store(Legacy())
    assert legacy.reserve(b"k", 5) is True and legacy.reserve(b"k", 5) is False
    with pytest.raises(ReplayStoreError):  # it cannot release: the reservation is kept (fail closed)
        legacy.release(b"k")
    assert legacy.reserve(b"k", 5) is False
    with pytest.raises(TypeError):
        as_replay_store(object())
    with pytest.raises(pay402.ConfigurationError):
        from web_support import x402_paywall

        x402_paywall(replay_store=object())


def test_memory_store_is_atomic_across_threads() -> None:
    store = MemoryReplayStore()
    barrier = threading.Barrier(32)

    def submit(_: int) -> bool:
        barrier.wait()
        return store.insert_if_absent(b"same payment", 60)

    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        results = list(pool.map(submit, range(32)))
    assert results.count(True) == 1


def test_ttl_lasts_until_valid_before_plus_slack() -> None:
    assert replay_ttl(valid_before=1_060, now=1_000, slack=6) == 67
    assert replay_ttl(valid_before=900, now=1_000) == 1


# --- Redis ------------------------------------------------------------------------------------

redis = pytest.importorskip("redis", reason="redis (Python client) not installed (ffi-python/tests/requirements-web.txt)")
from web_support import KEY, admit_in_process, redis_server, x402_paywall  # noqa: E402


@pytest.fixture(scope="module")
def redis_port():  # type: ignore[no-untyped-def]
    with redis_server() as port:
        yield port


def test_redis_store_set_nx_px(redis_port: int) -> None:
    client = redis.Redis(host="127.0.0.1", port=redis_port)
    store = RedisReplayStore(client, prefix="t1:")
    key = bytes(range(80))
    assert store.reserve(key, 5) is True
    assert store.reserve(key, 5) is False
    assert store.insert_if_absent(key, 5) is False  # the former name
    assert store.redis_key(key) == "t1:" + key.hex()
    assert client.get("t1:" + key.hex()) == b"1"
    ttl_ms = client.pttl(store.redis_key(key))
    assert 4000 < ttl_ms <= 5000
    store.release(key)
    assert client.exists("t1:" + key.hex()) == 0
    assert store.reserve(key, 5) is True
    store.release(b"never reserved")
    client.close()


def test_redis_store_expires_when_redis_says_so(redis_port: int) -> None:
    store = RedisReplayStore.from_url(f"redis://127.0.0.1:{redis_port}/0", prefix="t2:")
    client = redis.Redis(host="127.0.0.1", port=redis_port)
    name = store.redis_key(b"x")
    assert store.reserve(b"x", 1) is True
    assert client.ttl(name) == 1  # Redis's own TTL: whole seconds left
    assert store.reserve(b"x", 1) is False
    deadline = time.time() + 5
    while client.ttl(name) != -2:  # -2: the key no longer exists
        assert time.time() < deadline
        time.sleep(0.05)
    assert store.reserve(b"x", 1) is True
    store.close()
    client.close()


def test_unreachable_redis_raises_rather_than_accepting() -> None:
    from web_support import free_port

    store = RedisReplayStore.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5)
    with pytest.raises(ReplayStoreError) as info:
        store.reserve(b"k", 10)
    assert info.value.code == "replay_store_unavailable"
    assert isinstance(info.value.__cause__, redis.exceptions.ConnectionError)
    with pytest.raises(ReplayStoreError):
        store.release(b"k")


def test_a_redis_that_stops_answering_raises(redis_port: int) -> None:
    """A Redis that accepts the connection and then says nothing (a stalled server) times out."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    try:
        port = listener.getsockname()[1]
        store = RedisReplayStore.from_url(f"redis://127.0.0.1:{port}/0", socket_timeout=0.3, socket_connect_timeout=0.3)
        started = time.time()
        with pytest.raises(ReplayStoreError) as info:
            store.reserve(b"k", 10)
        assert time.time() - started < 5
        assert isinstance(info.value.__cause__, redis.exceptions.TimeoutError)
    finally:
        listener.close()


def race_to_reserve(args: Any) -> bool:
    """One process: connect, wait for every other process, reserve the key once."""
    port, key, ttl, barrier = args
    store = RedisReplayStore.from_url(f"redis://127.0.0.1:{port}/0", prefix="race:")
    store._client.ping()  # connected before the race starts
    barrier.wait()
    try:
        return store.reserve(key, ttl)
    finally:
        store.close()


def test_processes_racing_on_one_key_exactly_one_wins_and_a_release_lets_one_more_in(redis_port: int) -> None:
    n = 8
    key = bytes([0xA5] * 80)
    client = redis.Redis(host="127.0.0.1", port=redis_port)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager, ctx.Pool(n) as pool:
        rounds: List[List[bool]] = []
        for _ in range(2):
            barrier = manager.Barrier(n)
            rounds.append(pool.map(race_to_reserve, [(redis_port, key, 30, barrier)] * n, chunksize=1))
            if len(rounds) == 1:
                assert client.exists("race:" + key.hex()) == 1
                RedisReplayStore(client, prefix="race:").release(key)
                assert client.exists("race:" + key.hex()) == 0
    assert [r.count(True) for r in rounds] == [1, 1], rounds
    assert 29 <= client.ttl("race:" + key.hex()) <= 30
    client.close()


def test_async_redis_store(redis_port: int) -> None:
    from pay402.replay import AsyncRedisReplayStore

    async def main() -> List[bool]:
        async with AsyncRedisReplayStore.from_url(f"redis://127.0.0.1:{redis_port}/0", prefix="t3:") as store:
            assert isinstance(store, AsyncReplayStore)
            results = await asyncio.gather(*[store.reserve(b"same payment", 7) for _ in range(16)])
            assert store.redis_key(b"same payment") == "t3:" + b"same payment".hex()
            pttl = redis.Redis(host="127.0.0.1", port=redis_port).pttl("t3:" + b"same payment".hex())
            assert 6000 < pttl <= 7000
            await store.release(b"same payment")
            assert await store.reserve(b"same payment", 7) is True
            return list(results)

    assert asyncio.run(main()).count(True) == 1

    async def unreachable() -> None:
        from web_support import free_port

        store = AsyncRedisReplayStore.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5)
        try:
            with pytest.raises(ReplayStoreError):
                await store.reserve(b"k", 10)
        finally:
            await store.aclose()

    asyncio.run(unreachable())


def test_one_payment_submitted_by_many_processes_is_accepted_once(redis_port: int) -> None:
    from pay402.server import Gate, Request

    challenge = Gate(x402_paywall()).start(Request("GET", "/premium", "http://api.test/premium", []))
    assert challenge is not None and challenge.status == 402
    required = pay402.decode_payment_required(dict(challenge.headers)["PAYMENT-REQUIRED"]).json
    header = pay402.x402_sign(required, KEY, now=int(time.time()), nonce=bytes([0x5A] * 32)).header_value
    n = 12
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        barrier = manager.Barrier(n)
        with ctx.Pool(n) as pool:
            results = pool.map(admit_in_process, [(redis_port, header, barrier)] * n)
    assert results.count("served") == 1, results
    assert results.count("payment_already_used") == n - 1, results
