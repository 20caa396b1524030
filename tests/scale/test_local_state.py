"""The local backend (what every process keeps without ``--redis``), stores and rate limits."""

from __future__ import annotations

import pytest

from g4f.shared import LocalBackend, RateLimit, RateLimiter, Store, current_backend, use_backend


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def local(clock):
    backend = LocalBackend(clock)
    previous = use_backend(backend)
    yield backend
    use_backend(previous)


@pytest.mark.parametrize(("text", "count", "period"), [
    ("60/min", 60, 60), ("10000/min", 10000, 60), ("5/s", 5, 1), ("5/sec", 5, 1), ("100/hour", 100, 3600),
    ("1000/day", 1000, 86400), ("30/10s", 30, 10), ("60/5min", 60, 300), (" 7 / minutes ", 7, 60),
])
def test_rate_limits_are_parsed(text, count, period):
    limit = RateLimit.parse(text)
    assert (limit.count, limit.period) == (count, period)


@pytest.mark.parametrize("text", ["", "60", "min", "60/", "60/fortnight", "-1/min", "0/min", "1.5/min", "60/0s"])
def test_a_bad_rate_is_refused_with_the_expected_form(text):
    with pytest.raises(ValueError, match="COUNT/UNIT|at least 1|positive"):
        RateLimit.parse(text)


def test_a_rate_prints_as_written():
    assert [str(RateLimit.parse(t)) for t in ("60/min", "5/s", "30/10s", "2/hour")] == ["60/min", "5/s", "30/10s",
                                                                                       "2/hour"]


def test_the_default_backend_is_local_and_use_backend_restores_it():
    assert isinstance(current_backend(), LocalBackend)
    other = LocalBackend()
    previous = use_backend(other)
    assert current_backend() is other
    use_backend(None)
    assert current_backend() is previous


async def test_store_keeps_json_copies_until_their_ttl(local, clock):
    store = Store("conversations", ttl=60)
    value = {"provider": "Grok", "ids": [1, 2]}
    await store.set("key-1", value)
    value["ids"].append(3)  # changing the caller's object changes nothing stored
    found = await store.get("key-1")
    assert found == {"provider": "Grok", "ids": [1, 2]}
    found["provider"] = "changed"
    assert (await store.get("key-1"))["provider"] == "Grok"
    clock.now += 59.9
    assert await store.get("key-1") is not None
    clock.now += 0.2
    assert await store.get("key-1") is None


async def test_store_is_bounded_oldest_first(local, clock):
    store = Store("responses", max_entries=3, ttl=100)
    for index in range(5):
        await store.set(f"r{index}", index)
        clock.now += 1
    assert [await store.get(f"r{i}") for i in range(5)] == [None, None, 2, 3, 4]
    await store.set("r2", 22)  # written again: now the newest
    await store.set("r5", 5)
    assert [await store.get(f"r{i}") for i in (2, 3, 4, 5)] == [22, None, 4, 5]
    await store.set("short", "x", ttl=0.5)  # the closest to its end goes first, as in Redis
    assert await store.get("short") is None and await store.get("r4") == 4


async def test_store_ttl_per_entry_delete_and_namespaces(local, clock):
    short, other = Store("a", ttl=100), Store("b", ttl=100)
    await short.set("k", "short", ttl=1)
    await other.set("k", "other")
    clock.now += 2
    assert await short.get("k") is None and await other.get("k") == "other"
    await other.delete("k")
    await other.delete("never-there")
    assert await other.get("k") is None


async def test_store_refuses_what_it_cannot_keep(local):
    store = Store("small", max_value_size=100)
    with pytest.raises(ValueError, match="larger than"):
        await store.set("k", "x" * 200)
    with pytest.raises(ValueError, match="JSON"):
        await store.set("k", object())
    with pytest.raises(ValueError, match="None cannot be stored"):
        await store.set("k", None)
    with pytest.raises(ValueError, match="non-empty string"):
        await store.get("")
    with pytest.raises(ValueError, match="ttl"):
        await store.set("k", 1, ttl=0)
    for name in ("", "Upper", "a b", "x" * 65):
        with pytest.raises(ValueError, match="store name"):
            Store(name)


async def test_request_limit_lets_exactly_the_limit_through_per_key(local, clock):
    limiter = RateLimiter(requests=RateLimit.parse("10/min"))
    admitted = [await limiter.admit("key-a") is None for _ in range(15)]
    assert admitted == [True] * 10 + [False] * 5
    assert await limiter.admit("key-b") is None  # each key has its own window
    refusal = await limiter.admit("key-a")
    assert refusal.kind == "requests" and refusal.retry_after_seconds == 60
    assert "10/min" in refusal.message and "60 s" in refusal.message


async def test_request_window_slides(local, clock):
    limiter = RateLimiter(requests=RateLimit.parse("2/10s"))
    assert await limiter.admit("k") is None
    clock.now += 4
    assert await limiter.admit("k") is None
    refusal = await limiter.admit("k")
    assert refusal is not None and refusal.retry_after == pytest.approx(6)
    clock.now += 6  # the first left the window, the second is still in it
    assert await limiter.admit("k") is None
    assert await limiter.admit("k") is not None


async def test_token_limit_counts_reported_usage(local, clock):
    limiter = RateLimiter(tokens=RateLimit.parse("100/min"))
    assert await limiter.admit("k") is None
    await limiter.record_tokens("k", 60)
    clock.now += 10
    assert await limiter.admit("k") is None  # 60 < 100
    await limiter.record_tokens("k", 50)
    refusal = await limiter.admit("k")  # 110 >= 100: wait until the first 60 leave the window
    assert refusal.kind == "tokens" and refusal.retry_after == pytest.approx(50)
    clock.now += 50
    assert await limiter.admit("k") is None
    await limiter.record_tokens("k", 0)  # nothing reported: nothing counted
