"""Shared state in a real Redis: two "workers" (two connections, two health records) in one process.

Each ``SharedState(install=False)`` stands for one worker or instance: its own Redis connection,
its own ``ProviderHealth`` mirror, its own credentials layer; only Redis is common to them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
import time

import pytest

from g4f.auth.cache import AuthCache
from g4f.errors import RateLimitError, ResponseStatusError
from g4f.providers.health import ProviderHealth
from g4f.providers.response import AuthResult
from g4f.shared import RateLimit, RateLimiter, Store, use_backend
from g4f.shared.redis_link import display_url
from g4f.shared.state import SharedState

from .redis_server import RedisServer

SECRET = "correct-horse-battery-staple-0123456789"


async def eventually(check, timeout: float = 5.0, interval: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not become true in time")
        await asyncio.sleep(interval)


@pytest.fixture
async def workers(redis_server):
    """``await workers(n, **options)`` → n started SharedState objects on one Redis."""
    started: list[SharedState] = []

    async def start(count: int = 2, **options) -> list[SharedState]:
        for _ in range(count):
            options.setdefault("retry_interval", 0.2)
            state = SharedState(redis_server.url, health=ProviderHealth(), install=False, **options)
            await state.start()
            started.append(state)
        return started[-count:]

    yield start
    for state in started:
        await state.close()


def rate_limited(retry_after: float) -> RateLimitError:
    return RateLimitError("Groq: Too many requests", provider="Groq", retry_after=retry_after)


# -- provider health --------------------------------------------------------------------------------
async def test_a_429_seen_by_one_worker_is_skipped_by_the_other(workers):
    a, b = await workers(2)
    a.health.health.record_failure("Groq", rate_limited(30))
    await eventually(lambda: b.health.health.is_rate_limited("Groq"))
    assert 29 < b.health.health.cooldown_remaining("Groq") <= 30
    to_try, limited = b.health.health.order(["Groq", "Other"])
    assert to_try == ["Other"] and limited == ["Groq"]
    assert "Too many requests" in b.health.health.state("Groq").last_error


async def test_a_read_that_crossed_a_newer_change_does_not_undo_it(workers):
    # A worker's periodic read of the whole record can be answered just before another worker's
    # 429 is published, and arrive just after it: that older "no record" must not clear the 429.
    [a] = await workers(1, sync_interval=3600)
    sync = a.health
    record = {"f": 1, "u": 31_000, "l": 1, "e": "Groq: Too many requests"}
    sync.apply_message({"t": "health", "n": "Groq", "s": record, "now": 1_000})
    assert sync.health.is_rate_limited("Groq")
    sync.apply_message({"t": "health", "n": "Groq", "s": False, "now": 990})  # older: not applied
    assert sync.health.is_rate_limited("Groq")
    sync.apply_message({"t": "health", "n": "Groq", "s": False, "now": 1_010})  # newer: the recovery
    assert not sync.health.is_rate_limited("Groq")
    # A Redis whose clock is far behind (another server after a failover) is believed.
    sync.apply_message({"t": "health", "n": "Groq", "s": record, "now": 2_000})
    sync.apply_message({"t": "health", "n": "Groq", "s": False, "now": -60_000})
    assert not sync.health.is_rate_limited("Groq")


async def test_failure_streaks_add_up_across_workers_and_a_success_clears_them(workers):
    a, b = await workers(2)
    for state in (a, b):
        state.health.health.failure_threshold = 3
        state.health.health.cooldown = 60
    a.health.health.record_failure("Groq", ResponseStatusError("HTTP 500", status=500))
    await eventually(lambda: b.health.health.state("Groq").consecutive_failures == 1)
    b.health.health.record_failure("Groq", ResponseStatusError("HTTP 500", status=500))
    await eventually(lambda: a.health.health.state("Groq").consecutive_failures == 2)
    a.health.health.record_failure("Groq", ResponseStatusError("HTTP 502", status=502))
    await eventually(lambda: not b.health.health.is_healthy("Groq"))  # 3 in all: cooling down everywhere
    assert not b.health.health.is_rate_limited("Groq")
    b.health.health.record_success("Groq")
    await eventually(lambda: a.health.health.is_healthy("Groq") and a.health.health.state("Groq").consecutive_failures == 0)


async def test_a_worker_started_later_reads_the_record(workers):
    (a,) = await workers(1)
    a.health.health.record_failure("Groq", rate_limited(20))
    await eventually(lambda: a.health._pending == {})
    (late,) = await workers(1)
    assert late.health.health.is_rate_limited("Groq")


# -- stores and rate limits ------------------------------------------------------------------------
async def test_stores_are_shared_bounded_and_expire(workers):
    a, b = await workers(2)
    store = Store("conversations", max_entries=3, ttl=30)
    use_backend(a.backend)
    try:
        for index in range(4):
            await store.set(f"k{index}", {"turn": index})
        await store.set("short", "soon gone", ttl=0.2)  # the closest to its end: the one dropped
    finally:
        use_backend(None)
    use_backend(b.backend)
    try:
        assert [await store.get(f"k{i}") for i in range(4)] == [None, {"turn": 1}, {"turn": 2}, {"turn": 3}]
        assert await store.get("short") is None
        assert await b.link.client.zcard("g4f:kvi:conversations") == 3
        assert 29 < await b.link.client.pttl("g4f:kv:conversations:k3") / 1000 <= 30
        await store.delete("k3")
        assert await store.get("k3") is None
        await store.set("brief", 1, ttl=0.1)
        await asyncio.sleep(0.2)
        assert await store.get("brief") is None
    finally:
        use_backend(None)


async def test_a_request_limit_is_enforced_across_workers_exactly(workers):
    states = await workers(3)
    limiter = RateLimiter(requests=RateLimit.parse("10/min"))
    admitted = 0
    for index in range(30):
        use_backend(states[index % 3].backend)
        admitted += await limiter.admit("key-1") is None
    use_backend(None)
    assert admitted == 10


async def test_a_token_limit_is_enforced_across_workers(workers):
    a, b = await workers(2)
    limiter = RateLimiter(tokens=RateLimit.parse("100/min"))
    use_backend(a.backend)
    await limiter.record_tokens("key-1", 70)
    use_backend(b.backend)
    assert await limiter.admit("key-1") is None
    await limiter.record_tokens("key-1", 40)
    use_backend(a.backend)
    refusal = await limiter.admit("key-1")
    use_backend(None)
    assert refusal is not None and refusal.kind == "tokens" and 55 < refusal.retry_after <= 60


# -- credentials -----------------------------------------------------------------------------------
async def test_credentials_saved_by_one_are_used_by_the_other_and_stored_sealed(workers, isolated_config):
    a, b = await workers(2, secret_key=SECRET)
    cache_a, cache_b = AuthCache("Grok"), AuthCache("Grok")
    assert not b.credentials.has(cache_b)
    a.credentials.save(cache_a, AuthResult(cookies={"sso": "sso-rotated-value-1234"}, impersonate="chrome"))
    await eventually(lambda: b.credentials.has(cache_b))
    found = b.credentials.load(cache_b)
    assert found.cookies == {"sso": "sso-rotated-value-1234"} and found.extra == {"impersonate": "chrome"}
    stored = await a.link.client.hgetall("g4f:auth")
    assert list(stored) == [b"Grok"] and b"sso-rotated-value-1234" not in stored[b"Grok"]
    assert b"sso" not in stored[b"Grok"]  # not even the cookie's name


async def test_a_stale_cookie_rejected_by_one_does_not_delete_a_fresh_one(workers, isolated_config):
    a, b = await workers(2, secret_key=SECRET)
    cache_a, cache_b = AuthCache("Grok"), AuthCache("Grok")
    a.credentials.save(cache_a, AuthResult(cookies={"sso": "old-cookie-0000000"}))
    await eventually(lambda: b.credentials.has(cache_b))
    stale = b.credentials.load(cache_b)  # b sends the old cookie ...
    assert stale.cookies["sso"] == "old-cookie-0000000"
    a.credentials.save(cache_a, AuthResult(cookies={"sso": "new-cookie-1111111"}))  # ... a rotates it meanwhile
    await eventually(lambda: b.credentials.load(AuthCache("Grok")).cookies["sso"] == "new-cookie-1111111")
    b.credentials.invalidate(cache_b)  # b's old cookie was refused: the new one stays
    await asyncio.sleep(0.2)
    assert a.credentials.load(AuthCache("Grok")).cookies["sso"] == "new-cookie-1111111"
    assert await a.link.client.hexists("g4f:auth", "Grok")
    fresh = AuthCache("Grok")
    b.credentials.load(fresh)
    b.credentials.invalidate(fresh)  # the one in use is refused: dropped everywhere
    await eventually(lambda: not a.credentials.has(AuthCache("Grok")))


async def test_another_secret_key_cannot_open_them_and_says_so_once(workers, isolated_config, caplog):
    (a,) = await workers(1, secret_key=SECRET)
    (other,) = await workers(1, secret_key="a-different-secret-key-42424242")
    with caplog.at_level(logging.WARNING, logger="g4f"):
        a.credentials.save(AuthCache("Grok"), AuthResult(cookies={"sso": "sso-value-abcdef"}))
        a.credentials.save(AuthCache("Grok"), AuthResult(cookies={"sso": "sso-value-ghijkl"}))
        await asyncio.sleep(0.3)
        await other.credentials.pull()
    assert not other.credentials.has(AuthCache("Grok"))
    warnings = [r.getMessage() for r in caplog.records if "do not open" in r.getMessage()]
    assert len(warnings) == 1 and "G4F_SECRET_KEY" in warnings[0]


async def test_without_a_secret_key_credentials_are_not_shared(workers):
    (a,) = await workers(1)
    assert a.credentials is None


async def test_logins_on_disk_are_offered_at_start(redis_server, isolated_config):
    AuthCache("Grok").save(AuthResult(cookies={"sso": "from-g4f-login-777777"}))
    state = SharedState(redis_server.url, secret_key=SECRET, health=ProviderHealth(), install=False)
    await state.start()
    try:
        other = SharedState(redis_server.url, secret_key=SECRET, health=ProviderHealth(), install=False)
        await other.start()
        try:
            assert other.credentials.load(AuthCache("Elsewhere")) is None
            await eventually(lambda: other.credentials.has(AuthCache("Grok")))
            # the other "machine" has no file: it reads the shared record alone
        finally:
            await other.close()
    finally:
        await state.close()


async def test_installed_it_is_the_auth_caches_shared_layer(redis_server, isolated_config, tmp_path):
    from g4f.auth import cache as module

    state = SharedState(redis_server.url, secret_key=SECRET, health=ProviderHealth())
    await state.start()
    try:
        assert module.shared is state.credentials
        other = SharedState(redis_server.url, secret_key=SECRET, health=ProviderHealth(), install=False)
        await other.start()
        try:
            other.credentials.save(AuthCache("Grok"), AuthResult(cookies={"sso": "shared-sso-8888888"}))
            await eventually(lambda: AuthCache("Grok").exists())  # no file here: the shared record
            assert not AuthCache("Grok").path.exists()
            assert AuthCache("Grok").load().cookies == {"sso": "shared-sso-8888888"}
            AuthCache("Grok").save(AuthResult(cookies={"sso": "saved-here-9999999"}))  # file and Redis
            elsewhere = AuthCache("Grok", tmp_path / "other-machine")  # the other instance's own folder
            await eventually(lambda: other.credentials.load(elsewhere).cookies["sso"] == "saved-here-9999999")
        finally:
            await other.close()
    finally:
        await state.close()
    assert module.shared is None


# -- Redis trouble -----------------------------------------------------------------------------------
async def test_redis_down_falls_back_at_once_warns_once_and_resumes(caplog, redis_installed):
    redis = RedisServer(password="redis-pass-5f6e7d8c").start()
    try:
        with caplog.at_level(logging.DEBUG, logger="g4f"):
            a = SharedState(redis.url, health=ProviderHealth(), install=False, retry_interval=0.2)
            b = SharedState(redis.url, health=ProviderHealth(), install=False, retry_interval=0.2)
            await a.start()
            await b.start()
            try:
                limiter = RateLimiter(requests=RateLimit.parse("5/min"))
                use_backend(a.backend)
                assert await limiter.admit("k") is None
                redis.stop()
                started = time.monotonic()
                results = [await limiter.admit("k") is None for _ in range(10)]  # a counts alone now
                assert time.monotonic() - started < 1.0
                assert results == [True] * 4 + [False] * 6  # its own window still holds the first one
                a.health.health.record_failure("Groq", rate_limited(30))  # kept locally
                assert a.health.health.is_rate_limited("Groq")
                redis.start()
                await eventually(lambda: a.link.up and b.link.up, timeout=5)
                # After the restart (an empty Redis) a shares what it learned alone, and b gets it.
                await eventually(lambda: b.health.health.is_rate_limited("Groq"), timeout=5)
                use_backend(b.backend)
                assert sum([await limiter.admit("k") is None for _ in range(8)]) == 5  # shared again
            finally:
                use_backend(None)
                await a.close()
                await b.close()
    finally:
        redis.close()
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "redis-pass-5f6e7d8c" not in text and display_url(redis.url) in text
    unreachable = [r for r in caplog.records if r.levelno == logging.WARNING and "unreachable" in r.getMessage()]
    assert len(unreachable) == 2  # once per worker (a and b), not once per call
    assert "carries on with its own state" in unreachable[0].getMessage()
    assert any("answers again" in r.getMessage() for r in caplog.records)


async def test_a_redis_that_stops_answering_costs_one_timeout(redis_server, caplog):
    state = SharedState(redis_server.url, health=ProviderHealth(), install=False, timeout=0.2, retry_interval=0.2)
    await state.start()
    try:
        store = Store("responses")
        use_backend(state.backend)
        await store.set("r1", {"answer": 1})
        os.kill(redis_server.process.pid, signal.SIGSTOP)  # a hung Redis: connections stay open, no answers
        try:
            started = time.monotonic()
            assert await store.get("r1") == {"answer": 1}  # this worker's own copy
            first = time.monotonic() - started
            started = time.monotonic()
            for index in range(20):
                await store.set(f"x{index}", index)
            later = time.monotonic() - started
        finally:
            os.kill(redis_server.process.pid, signal.SIGCONT)
        assert 0.15 < first < 1.5 and later < 0.5
        await eventually(lambda: state.link.up, timeout=5)
        await store.set("after", "shared again")
        assert await state.link.client.exists("g4f:kv:responses:after")
    finally:
        use_backend(None)
        await state.close()


async def test_a_link_that_goes_down_while_sharing_resumes_keeps_probing(redis_server):
    # After an outage the probe runs the on-up callbacks (the resync); a call among them that
    # fails (a connection the outage left in the pool) takes the link down again while the probe
    # still runs, so no new probe starts: this one must go on, or sharing never resumes.
    from g4f.shared.redis_link import RedisLink, Unavailable

    link = RedisLink(redis_server.url, timeout=0.5, retry_interval=0.05)
    assert await link.start()
    calls = []

    async def resync() -> None:
        calls.append(link.up)
        if len(calls) == 1:
            link.trouble(ConnectionError("a stale pooled connection"))
            raise Unavailable(link.url)

    link.on_up.append(resync)
    try:
        link.trouble(ConnectionError("Redis went away"))
        await eventually(lambda: len(calls) >= 2 and link.up, timeout=5)
        assert calls == [True, True]
    finally:
        await link.close()


async def test_code_on_another_event_loop_uses_local_state(workers):
    (a,) = await workers(1)
    use_backend(a.backend)
    try:
        store = Store("responses")
        await store.set("mine", 1)
        found: list = []
        # The sync API runs calls on a private loop in its thread: Redis' connections are not its own.
        def elsewhere() -> None:
            async def run() -> None:
                await store.set("theirs", 2)
                found.append(await store.get("theirs"))

            asyncio.run(run())

        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join(10)
        assert found == [2]
        assert a.link.up  # not an outage
        assert not await a.link.client.exists("g4f:kv:responses:theirs")
        assert await a.link.client.exists("g4f:kv:responses:mine")
    finally:
        use_backend(None)
