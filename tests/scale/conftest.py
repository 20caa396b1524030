"""Fixtures of the scale-out tests: a real Redis (skipped with a reason when redis-server is absent,
except under ``G4F_REQUIRE_REDIS=1``, as ``.ci/run`` sets, where a missing server fails them)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from .redis_server import REDIS_SERVER, RedisServer


@pytest.fixture
def redis_installed() -> None:
    """For a test that runs its own ``RedisServer``: skipped where redis-server is not installed
    (failed instead under ``G4F_REQUIRE_REDIS``)."""
    if REDIS_SERVER is None:
        why = "redis-server is not installed (Debian: apt-get install redis-server; .ci/run installs it)"
        if os.environ.get("G4F_REQUIRE_REDIS"):
            pytest.fail(why)
        pytest.skip(why)


@pytest.fixture
def redis_server(redis_installed: None) -> Iterator[RedisServer]:
    """A running redis-server on 127.0.0.1 (random port, ``--save ""``), killed after the test."""
    server = RedisServer().start()
    try:
        yield server
    finally:
        server.close()
