"""Replay stores: the in-memory store (expiry, threads) and Redis (`SET NX PX`), including N
concurrent submissions of one payment from several processes: exactly one is accepted."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import threading
import time

import pytest

import pay402
from pay402.replay import MemoryReplayStore, RedisReplayStore, ReplayStore, replay_ttl


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


def test_memory_store_refuses_when_full_instead_of_forgetting() -> None:
    store = MemoryReplayStore(max_entries=2)
    assert store.insert_if_absent(b"a", 60) and store.insert_if_absent(b"b", 60)
    assert store.insert_if_absent(b"c", 60) is False
    assert b"a" in store and b"c" not in store


def test_memory_store_rejects_bad_arguments() -> None:
    store = MemoryReplayStore()
    with pytest.raises(TypeError):
        store.insert_if_absent("k", 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        store.insert_if_absent(b"k", 0)


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
    assert store.insert_if_absent(key, 5) is True
    assert store.insert_if_absent(key, 5) is False
    assert store.redis_key(key) == "t1:" + key.hex()
    ttl_ms = client.pttl(store.redis_key(key))
    assert 0 < ttl_ms <= 5000
    client.close()


def test_redis_store_expires(redis_port: int) -> None:
    store = RedisReplayStore.from_url(f"redis://127.0.0.1:{redis_port}/0", prefix="t2:")
    assert store.insert_if_absent(b"x", 1) is True
    time.sleep(1.2)
    assert store.insert_if_absent(b"x", 1) is True
    store.close()


def test_unreachable_redis_raises_rather_than_accepting() -> None:
    from web_support import free_port

    store = RedisReplayStore.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5)
    with pytest.raises(redis.exceptions.ConnectionError):
        store.insert_if_absent(b"k", 10)


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
