"""Every provider kind works through every path: async stream, async whole answer, sync stream,
sync whole answer; and no provider blocks the event loop."""

from __future__ import annotations

import asyncio
import threading

import pytest

import g4f
from g4f.errors import NestAsyncioError, ResponseError
from g4f.providers.base_provider import (
    AbstractProvider,
    AsyncAuthedProvider,
    AsyncGeneratorProvider,
    AsyncProvider,
)
from g4f.providers.response import AuthResult, FinishReason, Reasoning, Usage

MESSAGES = [{"role": "user", "content": "one two three"}]
WORDS = ["one ", "two ", "three "]


class SyncKind(AbstractProvider):
    working = True

    @classmethod
    def create_completion(cls, model, messages, stream=False, **kwargs):
        yield Reasoning("sync thinking")
        for word in messages[-1]["content"].split():
            yield word + " "
        yield FinishReason("stop")


class AsyncKind(AsyncProvider):
    working = True

    @classmethod
    async def create_async(cls, model, messages, **kwargs):
        await asyncio.sleep(0)
        return " ".join(messages[-1]["content"].split()) + " "


class GeneratorKind(AsyncGeneratorProvider):
    working = True

    @classmethod
    async def create_async_generator(cls, model, messages, stream=True, **kwargs):
        yield Reasoning("async thinking")
        for word in messages[-1]["content"].split():
            await asyncio.sleep(0)
            yield word + " "
        yield Usage(3, 3)


class AuthedKind(AsyncAuthedProvider):
    working = True

    @classmethod
    async def on_auth_async(cls, **kwargs):
        yield AuthResult(api_key="authed-kind-key-123")

    @classmethod
    async def create_authed(cls, model, messages, auth_result, stream=True, **kwargs):
        assert auth_result.api_key == "authed-kind-key-123"
        for word in messages[-1]["content"].split():
            yield word + " "


KINDS = [SyncKind, AsyncKind, GeneratorKind, AuthedKind]
ids = [kind.__name__ for kind in KINDS]


def text_of(chunks):
    return "".join(chunk for chunk in chunks if type(chunk) is str)


@pytest.mark.parametrize("provider", KINDS, ids=ids)
async def test_async_stream(provider):
    chunks = [chunk async for chunk in provider.create_async_generator("m", MESSAGES)]
    assert text_of(chunks) == "one two three "


@pytest.mark.parametrize("provider", KINDS, ids=ids)
async def test_async_whole_answer(provider):
    answer = await provider.create_async("m", MESSAGES)
    assert answer == "one two three "


@pytest.mark.parametrize("provider", KINDS, ids=ids)
def test_sync_stream(provider):
    chunks = list(provider.create_completion("m", MESSAGES, stream=True))
    assert text_of(chunks) == "one two three "


@pytest.mark.parametrize("provider", KINDS, ids=ids)
@pytest.mark.parametrize("stream", [False, True])
def test_sync_interface(provider, stream):
    result = g4f.ChatCompletion.create("m", MESSAGES, provider=provider, stream=stream)
    assert (text_of(result) if stream else result) == "one two three "


@pytest.mark.parametrize("provider", KINDS, ids=ids)
@pytest.mark.parametrize("stream", [False, True])
async def test_async_interface(provider, stream):
    result = await g4f.ChatCompletion.create_async("m", MESSAGES, provider=provider, stream=stream)
    if stream:
        result = text_of([chunk async for chunk in result])
    assert result == "one two three "


def test_events_reach_the_stream_but_not_the_answer():
    chunks = list(SyncKind.create_completion("m", MESSAGES))
    assert chunks[0] == Reasoning("sync thinking") and chunks[-1] == FinishReason("stop")
    answer = g4f.ChatCompletion.create("m", MESSAGES, provider=GeneratorKind)
    assert answer == "one two three " and answer.reasoning == "async thinking"
    assert answer.usage.total_tokens == 6


@pytest.mark.parametrize("provider", [AsyncKind, GeneratorKind, AuthedKind], ids=ids[1:])
async def test_sync_path_inside_a_running_loop_raises(provider):
    with pytest.raises(NestAsyncioError, match="create_async"):
        provider.create_completion("m", MESSAGES)


async def test_sync_provider_runs_in_a_worker_thread_and_never_blocks_the_loop():
    # The provider waits for an event that only the event loop can set: if the provider ran on
    # the loop, the loop could never set it and the provider would time out.
    loop_ran = threading.Event()
    threads = []

    class Blocking(AbstractProvider):
        working = True

        @classmethod
        def create_completion(cls, model, messages, stream=False, **kwargs):
            threads.append(threading.get_ident())
            if not loop_ran.wait(timeout=10):
                raise AssertionError("the event loop was blocked by a sync provider")
            yield "done"

    async def set_from_loop():
        await asyncio.sleep(0.01)
        loop_ran.set()

    setter = asyncio.create_task(set_from_loop())
    assert await Blocking.create_async("m", MESSAGES) == "done"
    await setter
    assert threads and threads[0] != threading.get_ident()


@pytest.mark.parametrize("provider_kind", ["sync", "async"])
def test_errors_keep_their_type_on_every_path(provider_kind):
    if provider_kind == "sync":
        class Failing(AbstractProvider):
            working = True

            @classmethod
            def create_completion(cls, model, messages, stream=False, **kwargs):
                yield "partial "
                raise ResponseError("cut", provider="Failing")
    else:
        class Failing(AsyncGeneratorProvider):  # type: ignore[no-redef]
            working = True

            @classmethod
            async def create_async_generator(cls, model, messages, stream=True, **kwargs):
                yield "partial "
                raise ResponseError("cut", provider="Failing")

    with pytest.raises(ResponseError, match="Failing: cut"):
        g4f.ChatCompletion.create("m", MESSAGES, provider=Failing)
    received = []
    stream = g4f.ChatCompletion.create("m", MESSAGES, provider=Failing, stream=True)
    with pytest.raises(ResponseError):
        received.extend(stream)
    # A cut stream is an error after what came, not a short answer; the boundary named the provider first.
    assert [type(item).__name__ for item in received] == ["ProviderInfo", "str"] and received[1] == "partial "

    async def run_async():
        with pytest.raises(ResponseError):
            await g4f.ChatCompletion.create_async("m", MESSAGES, provider=Failing)

    asyncio.run(run_async())


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_stopping_a_sync_stream_early_closes_the_provider(kind):
    closed = threading.Event()
    if kind == "sync":
        class Endless(AbstractProvider):
            working = True

            @classmethod
            def create_completion(cls, model, messages, stream=False, **kwargs):
                try:
                    while True:
                        yield "x"
                finally:
                    closed.set()
    else:
        class Endless(AsyncGeneratorProvider):  # type: ignore[no-redef]
            working = True

            @classmethod
            async def create_async_generator(cls, model, messages, stream=True, **kwargs):
                try:
                    while True:
                        await asyncio.sleep(0)
                        yield "x"
                finally:
                    closed.set()

    stream = g4f.ChatCompletion.create("m", MESSAGES, provider=Endless, stream=True)
    for index, _ in enumerate(stream):
        if index == 3:
            break
    stream.close()
    assert closed.is_set()


async def test_stopping_an_async_stream_early_closes_the_provider():
    closed = asyncio.Event()

    class Endless(AsyncGeneratorProvider):
        working = True

        @classmethod
        async def create_async_generator(cls, model, messages, stream=True, **kwargs):
            try:
                while True:
                    await asyncio.sleep(0)
                    yield "x"
            finally:
                closed.set()

    stream = await g4f.ChatCompletion.create_async("m", MESSAGES, provider=Endless, stream=True)
    async for _ in stream:
        break
    await stream.aclose()
    assert closed.is_set()


def test_provider_declares_its_attributes():
    assert SyncKind.get_name() == "SyncKind" and SyncKind.get_label() == "SyncKind"
    assert AsyncKind.supports_stream is False
    assert AuthedKind.needs_auth is True
    for attribute in ("url", "label", "working", "needs_auth", "supports_stream", "supports_system_message",
                      "supports_message_history", "login_url", "parent", "api_key_env"):
        assert hasattr(GeneratorKind, attribute)


async def test_cancelling_a_sync_provider_mid_call_is_immediate_and_closes_it():
    # A timeout (or a fallback giving up) cancels the consumer while the worker thread is inside
    # the provider's blocking call: the caller gets its cancellation at once, and the provider's
    # generator is still closed once that call returns (its finally blocks release resources).
    entered = threading.Event()
    closed = threading.Event()
    release = threading.Event()

    class Blocking(AbstractProvider):
        working = True

        @classmethod
        def create_completion(cls, model, messages, stream=False, **kwargs):
            try:
                yield "first "
                entered.set()
                release.wait(10)  # a blocking call that outlives the caller's patience
                yield "second "
            finally:
                closed.set()

    async def consume():
        return [chunk async for chunk in Blocking.create_async_generator("m", MESSAGES)]

    task = asyncio.create_task(consume())
    assert await asyncio.to_thread(entered.wait, 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not closed.is_set()  # still blocked in the provider
    release.set()
    assert await asyncio.to_thread(closed.wait, 10)


async def test_sync_provider_returning_a_list_is_called_off_the_loop():
    threads = []

    class Eager(AbstractProvider):
        working = True

        @classmethod
        def create_completion(cls, model, messages, stream=False, **kwargs):  # not a generator
            threads.append(threading.get_ident())
            return ["whole ", "answer"]

    stream = Eager.create_async_generator("m", MESSAGES)
    assert threads == []  # nothing ran yet, and nothing will on this thread
    assert [chunk async for chunk in stream] == ["whole ", "answer"]
    assert threads and threads[0] != threading.get_ident()


async def test_a_chunk_of_the_wrong_type_is_an_error_not_a_shorter_answer():
    class Buggy(AsyncGeneratorProvider):
        working = True

        @classmethod
        async def create_async_generator(cls, model, messages, stream=True, **kwargs):
            yield "text "
            yield {"content": "lost?"}

    with pytest.raises(TypeError, match="dict"):
        await g4f.ChatCompletion.create_async("m", MESSAGES, provider=Buggy)
