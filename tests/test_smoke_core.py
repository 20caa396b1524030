"""A user's ten-line provider works through every path of the unified interface."""

import pytest

import g4f
from g4f.errors import NestAsyncioError
from g4f.providers.base_provider import AsyncGeneratorProvider
from g4f.providers.response import ProviderInfo, Reasoning, Usage


class Echo(AsyncGeneratorProvider):
    working = True

    @classmethod
    async def create_async_generator(cls, model, messages, stream=True, **kwargs):
        yield Reasoning("thinking")
        for word in messages[-1]["content"].split():
            yield word + " "
        yield Usage(3, 2)


MESSAGES = [{"role": "user", "content": "hello big world"}]


def test_sync_create_returns_text_without_reasoning():
    answer = g4f.ChatCompletion.create("any", MESSAGES, provider=Echo)
    assert answer == "hello big world "
    assert answer.usage.total_tokens == 5
    assert answer.reasoning == "thinking"


def test_sync_stream_yields_text_and_events():
    chunks = list(g4f.ChatCompletion.create("any", MESSAGES, provider=Echo, stream=True))
    assert [c for c in chunks if type(c) is str] == ["hello ", "big ", "world "]
    assert isinstance(chunks[0], ProviderInfo) and isinstance(chunks[1], Reasoning)


async def test_async_paths():
    assert await g4f.ChatCompletion.create_async("any", MESSAGES, provider=Echo) == "hello big world "
    stream = await g4f.ChatCompletion.create_async("any", MESSAGES, provider=Echo, stream=True)
    assert "".join([c async for c in stream if type(c) is str]) == "hello big world "


async def test_sync_inside_running_loop_raises():
    with pytest.raises(NestAsyncioError, match="create_async"):
        g4f.ChatCompletion.create("any", MESSAGES, provider=Echo)
