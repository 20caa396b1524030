"""Streamed chunks leave as soon as they exist, and a client that goes away stops the upstream."""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web

from g4f.api import create_app
from g4f.providers.base_provider import AsyncGeneratorProvider

from ..client.scripted import registered

MESSAGES = [{"role": "user", "content": "Hello"}]


def gated_provider():
    """Yields one chunk, then waits for the test to say it saw that chunk; records its closing."""
    state = {"seen": asyncio.Event(), "closed": asyncio.Event(), "sent": 0}

    class Gated(AsyncGeneratorProvider):
        working = True

        @classmethod
        async def create_async_generator(cls, model, messages, stream=True, **kwargs):
            try:
                yield "first "
                state["sent"] += 1
                await asyncio.wait_for(state["seen"].wait(), 20)
                yield "second"
                state["sent"] += 1
                await asyncio.sleep(30)  # a stalled upstream
                yield "never"
            finally:
                state["closed"].set()

    return Gated, state


async def read_until(response, marker: bytes) -> bytes:
    buffer = b""
    while marker not in buffer:
        data = await asyncio.wait_for(response.content.readany(), 20)
        assert data, "the stream ended early"
        buffer += data
    return buffer


async def test_a_chunk_is_sent_while_the_upstream_is_still_working(serve):
    provider, state = gated_provider()
    server = await serve(create_app())
    with registered(provider):
        async with aiohttp.ClientSession() as session, session.post(
                f"{server.url}/v1/chat/completions",
                json={"messages": MESSAGES, "stream": True, "provider": "Gated"}) as response:
            received = await read_until(response, b'"content":"first ')  # arrives while the provider waits for us
            assert b"second" not in received and not state["closed"].is_set()
            state["seen"].set()
            await read_until(response, b'"content":"second"')
            response.close()


async def test_a_client_that_disconnects_closes_the_upstream_promptly():
    """As ``g4f api`` runs it (handler_cancellation): leaving mid-stream cancels the request, so a
    stalled upstream is released at once rather than after its read timeout."""
    provider, state = gated_provider()
    runner = web.AppRunner(create_app(), handler_cancellation=True, access_log=None, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        with registered(provider):
            async with aiohttp.ClientSession() as session:
                response = await session.post(f"http://127.0.0.1:{port}/v1/chat/completions",
                                              json={"messages": MESSAGES, "stream": True, "provider": "Gated"})
                await read_until(response, b'"content":"first ')
                state["seen"].set()
                while state["sent"] < 2:
                    await asyncio.sleep(0.01)
                response.close()  # the provider is now stalled for 30 s
            await asyncio.wait_for(state["closed"].wait(), 10)
    finally:
        await runner.cleanup()


def test_the_fast_text_encoding_equals_the_generic_one():
    """Text chunks are written from cached bytes, never built as objects; they must say exactly
    what the client's chunk for the same text says (``to_dict``), in every state of the answer."""
    import json

    from g4f.api.sse import WireAnswer
    from g4f.client.convert import ChunkAnswer
    from g4f.providers.response import CompletionInfo, Logprobs, ProviderInfo

    scored = Logprobs([{"token": "x", "logprob": -0.5, "bytes": [120], "top_logprobs": []}])
    for include_usage in (None, True, False):
        wire, objects = (kind("model-a", "P", None, "chatcmpl-1", include_usage=include_usage)
                         for kind in (WireAnswer, ChunkAnswer))
        objects.created = wire.created
        steps = [("assistant", 'Hé "quoted"\n'), (None, "next"), (ProviderInfo("Q", "model-b"), "after"),
                 (CompletionInfo("chatcmpl-up", "fp_1"), "upstream"), (scored, "x"), (None, "")]
        for event, text in steps:
            if event is not None and event != "assistant":
                for answer in (wire, objects):
                    answer.event(event)
            if event == "assistant":
                wire.role = objects.role = "assistant"
            encoded = wire.text(text)
            expected = {**objects.text(text).to_dict(), "provider": objects.provider}
            if include_usage:
                expected["usage"] = None
            assert encoded.startswith(b"data: ") and encoded.endswith(b"\n\n")
            assert json.loads(encoded[6:]) == expected, (include_usage, event, text)
