"""Leaving a stream early closes the upstream connection at once, and the replica sees it.

Every answer here is slow and long (hundreds of words, one every 50 ms, so tens of seconds): a
disconnect the replica records within the wait below can only come from the client leaving, not
from the answer ending. Nothing sleeps: the tests wait, with a bound, for what the replica
signals (the request arrived, the answer is in its stall, the client left).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import openai
import pytest
from aiohttp import web

from g4f.api import create_app
from g4f.config import write_private_file
from g4f.providers.response import is_text

from ..client.scripted import registered
from .upstreams import Upstream

#: Generous for a shared 2-core machine; the answers would take over 20 s to end on their own.
PROMPTLY = 5.0


async def first_text(stream: AsyncIterator[Any]) -> str:
    async for item in stream:
        if is_text(item) and item:
            return str(item)
    raise AssertionError("the stream ended without text")


async def test_break_closes_the_upstream(upstream: Upstream) -> None:
    upstream.slow()
    async for item in upstream.stream():
        if is_text(item) and item:
            break
    assert await upstream.wait_for_disconnects(1, PROMPTLY), "the upstream connection stayed open after break"


async def test_aclose_closes_the_upstream(upstream: Upstream) -> None:
    upstream.slow()
    stream = upstream.stream()
    await first_text(stream)
    assert isinstance(stream, AsyncGenerator)
    await stream.aclose()
    assert await upstream.wait_for_disconnects(1, PROMPTLY), "the upstream connection stayed open after aclose()"


async def test_task_cancellation_closes_the_upstream(upstream: Upstream) -> None:
    upstream.slow()
    reading = asyncio.Event()

    async def consume() -> None:
        async for item in upstream.stream():
            if is_text(item) and item:
                reading.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(reading.wait(), PROMPTLY)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await upstream.wait_for_disconnects(1, PROMPTLY), "the upstream connection stayed open after cancel()"


async def test_a_timeout_around_the_stream_closes_the_upstream(upstream: Upstream) -> None:
    upstream.slow()

    async def consume() -> None:
        async for _ in upstream.stream():
            pass

    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(consume(), 0.5)
    # Premise: the timeout hit a stream the replica was answering (not a request still connecting).
    assert upstream.replica.requests, "the request did not reach the replica within the timeout"
    assert await upstream.wait_for_disconnects(1, PROMPTLY)


async def test_cancelled_during_a_stall_closes_the_upstream(upstream: Upstream) -> None:
    """A stream waiting on a silent upstream is cancelled at once, not after the read timeout."""
    upstream.inject("stall")
    reading = asyncio.Event()

    async def consume() -> None:
        async for item in upstream.stream(read_timeout=60):  # the stall is ended by cancel(), not a timeout
            if is_text(item) and item:
                reading.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(reading.wait(), PROMPTLY)
    assert await upstream.wait_for_stall(1, PROMPTLY), "the replica never entered its stall"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await upstream.wait_for_disconnects(1, PROMPTLY)


# -- through the API server ----------------------------------------------------------------------
@asynccontextmanager
async def api_runner(handler_cancellation: bool) -> AsyncIterator[str]:
    """The API server on 127.0.0.1; ``handler_cancellation=True`` is how ``g4f api`` runs it
    (g4f.api.server.run_api), False how an application that mounts ``create_app()`` may."""
    runner = web.AppRunner(create_app(), handler_cancellation=handler_cancellation, access_log=None,
                           shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    finally:
        await runner.cleanup()


@pytest.fixture(params=[True, False], ids=["g4f-api", "embedded"])
async def api_server(request: pytest.FixtureRequest, upstream: Upstream,
                     isolated_config: Path) -> AsyncIterator[tuple[str, str, str]]:
    """The API server in front of ``upstream``: (base URL, provider name, model)."""
    if upstream.kind == "openai":
        provider = upstream.provider
        with registered(provider):
            async with api_runner(request.param) as url:
                yield url, provider.get_name(), provider.default_model
        return
    cookies = [{"domain": ".grok.com", "name": "sso", "value": upstream.replica.sso, "path": "/"}]
    write_private_file(isolated_config / "cookies" / "grok.json", json.dumps(cookies))
    async with api_runner(request.param) as url:
        yield url, "Grok", "grok-3"


async def test_client_disconnect_from_the_api_server_closes_the_upstream(
    upstream: Upstream, api_server: tuple[str, str, str]
) -> None:
    url, provider, model = api_server
    upstream.slow()
    client = openai.AsyncOpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0, timeout=30)
    try:
        stream = await client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "Tell me a long story"}], stream=True,
            extra_body={"provider": provider})
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                break
        await stream.close()
    finally:
        await client.close()
    assert await upstream.wait_for_disconnects(1, PROMPTLY), "the server kept reading the upstream for nobody"


@pytest.mark.parametrize("api_server", [True], ids=["g4f-api"], indirect=True)
async def test_client_disconnect_during_an_upstream_stall(upstream: Upstream, api_server: tuple[str, str, str]) -> None:
    """The client leaves while the upstream is silent: ``g4f api`` cancels the request at once
    instead of waiting for the next chunk (or the read timeout) to find out."""
    url, provider, model = api_server
    upstream.inject("stall")
    body = {"model": model, "provider": provider, "stream": True,
            "messages": [{"role": "user", "content": "Tell me a long story"}]}
    async with aiohttp.ClientSession() as session:
        response = await session.post(f"{url}/v1/chat/completions", json=body)
        assert response.status == 200
        await response.content.readuntil(b"\n\n")  # the first chunk; the upstream stalls after the next
        assert await upstream.wait_for_stall(1, PROMPTLY), "the replica never entered its stall"
        response.close()
    assert await upstream.wait_for_disconnects(1, PROMPTLY), "the server kept the stalled upstream open"
