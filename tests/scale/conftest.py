"""Fixtures of the scale-out tests: a real Redis (skipped with a reason when redis-server is absent)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .redis_server import REDIS_SERVER, RedisServer


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A running redis-server on 127.0.0.1 (random port, ``--save ""``), killed after the test."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server; .ci/run installs it)")
    server = RedisServer().start()
    try:
        yield server
    finally:
        server.close()
