"""Upstreams for the tests of the Responses, Messages and images routes: the real providers,
pointed at their replicas on 127.0.0.1 through their base URL (and address attributes) only.

Import the fixtures into a test module (``from .upstreams import groq_upstream  # noqa: F401``).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import pytest

from g4f.Provider import Groq, xAI
from g4f.testing.openai_replica import OpenAIReplica

from ..replicas.grok import GrokReplica, serve_grok
from ..replicas.groq import GROQ_KEY, GroqReplica

XAI_KEY = "xai-replica-key-0123456789"

R = TypeVar("R", bound=OpenAIReplica)


@contextmanager
def replica_in_thread(make: Callable[[], R]) -> Iterator[R]:
    """A replica served by a loop of its own thread, for the blocking ``Client`` (which runs its own
    loop in the test's thread: a replica on that thread would never answer)."""
    ready, done = threading.Event(), threading.Event()
    started: list[R] = []

    async def serve() -> None:
        async with make() as replica:
            started.append(replica)
            ready.set()
            while not done.is_set():
                await asyncio.sleep(0.01)

    thread = threading.Thread(target=lambda: asyncio.run(serve()))
    thread.start()
    try:
        assert ready.wait(10), "the replica did not start"
        yield started[0]
    finally:
        done.set()
        thread.join(10)


@pytest.fixture
async def groq_upstream(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[GroqReplica]:
    """Groq as declared, its base URL moved to the replica; no retries, to keep fault tests short."""
    async with GroqReplica() as replica:
        monkeypatch.setenv("GROQ_API_KEY", GROQ_KEY)
        monkeypatch.setattr(Groq, "api_base", replica.base_url)
        monkeypatch.setattr(Groq, "max_retries", 0)
        yield replica


@pytest.fixture
async def xai_upstream(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[OpenAIReplica]:
    """xAI (OpenAI-compatible, with an images endpoint) on the generic replica."""
    async with OpenAIReplica(api_key=XAI_KEY, models=["grok-3", "grok-2-image-1212"]) as replica:
        monkeypatch.setenv("XAI_API_KEY", XAI_KEY)
        monkeypatch.setattr(xAI, "api_base", replica.base_url)
        monkeypatch.setattr(xAI, "max_retries", 0)
        yield replica


@pytest.fixture
async def grok_upstream(serve: Any, monkeypatch: pytest.MonkeyPatch, isolated_config: Any) -> GrokReplica:
    """grok.com's replica, and the server's cookie file for it (a request may not carry cookies)."""
    replica = await serve_grok(serve, monkeypatch, GrokReplica())
    (isolated_config / "cookies").mkdir(parents=True, exist_ok=True)
    (isolated_config / "cookies" / "grok.json").write_text(
        json.dumps([{"domain": ".grok.com", "name": "sso", "value": replica.sso}]))
    return replica
