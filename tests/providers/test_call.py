"""The call boundary: every door gets the same errors, the same stream shape and one retry layer.

Each test here failed before the boundary existed (see issue 12): a raw aiohttp error reached
``Client``/``AsyncClient`` callers and the API server answered 500; ``RetryProvider([Groq])``
sent 9 requests to an upstream that keeps answering 503; ``AsyncClient().models.list()`` made
its HTTP sessions on temporary loops in worker threads.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import sys

import aiohttp
import openai
import pytest

import g4f
from g4f.api import create_app
from g4f.cli import main as cli_main
from g4f.client import AsyncClient, Client
from g4f.errors import BadRequestError, ResponseError, ResponseStatusError, RetryProviderError
from g4f.Provider.needs_auth.Groq import Groq
from g4f.providers.attempts import guarded
from g4f.providers.base_provider import AsyncGeneratorProvider
from g4f.providers.call import prepare
from g4f.providers.registry import registry
from g4f.providers.response import FinishReason, ProviderInfo, RequestLogin, Usage
from g4f.providers.retry import RetryPolicy
from g4f.providers.retry_provider import IterListProvider, RetryProvider
from g4f.testing.openai_replica import Fault
from tests.replicas.groq import GROQ_KEY

MESSAGES = [{"role": "user", "content": "Hello"}]
MODEL = "llama-3.3-70b-versatile"


class Leaky(AsyncGeneratorProvider):
    """A provider that lets its HTTP library's exception escape, as careless plugins do."""

    working = True

    @classmethod
    async def create_async_generator(cls, model, messages, stream=True, **kwargs):
        raise aiohttp.ClientPayloadError("Response payload is not completed")
        yield ""  # pragma: no cover - makes this an async generator


# -- one error boundary ---------------------------------------------------------------------------

def test_a_leaked_aiohttp_error_is_the_same_g4f_error_through_every_sync_door():
    with pytest.raises(ResponseError, match="^Leaky: the stream was cut short"):
        g4f.ChatCompletion.create("m", MESSAGES, provider=Leaky)
    with pytest.raises(ResponseError, match="^Leaky: "):
        list(g4f.ChatCompletion.create("m", MESSAGES, provider=Leaky, stream=True))
    with pytest.raises(ResponseError, match="^Leaky: "):
        Client(provider=Leaky).chat.completions.create(MESSAGES, "m")
    with pytest.raises(ResponseError, match="^Leaky: "):
        list(Client(provider=Leaky).chat.completions.create(MESSAGES, "m", stream=True))


async def test_a_leaked_aiohttp_error_is_the_same_g4f_error_through_every_async_door():
    with pytest.raises(ResponseError, match="^Leaky: "):
        await g4f.ChatCompletion.create_async("m", MESSAGES, provider=Leaky)
    with pytest.raises(ResponseError, match="^Leaky: "):
        async for _ in await g4f.ChatCompletion.create_async("m", MESSAGES, provider=Leaky, stream=True):
            pass
    client = AsyncClient(provider=Leaky)
    with pytest.raises(ResponseError, match="^Leaky: "):
        await client.chat.completions.create(MESSAGES, "m")
    with pytest.raises(ResponseError, match="^Leaky: "):
        async for _ in client.chat.completions.create(MESSAGES, "m", stream=True):
            pass
    with pytest.raises(RetryProviderError) as info:  # and inside fallback, the same error is listed
        await g4f.ChatCompletion.create_async("m", MESSAGES, provider=IterListProvider([Leaky], shuffle=False))
    assert isinstance(info.value.exceptions["Leaky"], ResponseError)


async def test_a_leaked_aiohttp_error_through_the_api_server_is_a_502_in_openais_format(serve):
    registry.register(Leaky)
    server = await serve(create_app())
    async with openai.AsyncOpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0) as client:
        for stream in (False, True):
            with pytest.raises(openai.APIStatusError) as info:
                result = await client.chat.completions.create(model="m", messages=MESSAGES, stream=stream,
                                                              extra_body={"provider": "Leaky"})
                if stream:
                    async for _ in result:  # type: ignore[union-attr]
                        pass
            assert info.value.status_code == 502
            assert info.value.body["type"] == "upstream_error"  # type: ignore[index]
            assert "Leaky: the stream was cut short" in info.value.body["message"]  # type: ignore[index]


def test_a_leaked_aiohttp_error_through_the_cli_is_one_line(capsys):
    registry.register(Leaky)
    assert cli_main(["chat", "-p", "Leaky", "Hello"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("g4f: error: Leaky: the stream was cut short")


class PlainFailure(AsyncGeneratorProvider):
    """A gpt4free-style provider: a plain RuntimeError when its upstream misbehaves."""

    working = True

    @classmethod
    async def create_async_generator(cls, model, messages, stream=True, **kwargs):
        raise RuntimeError("the upstream said no")
        yield ""  # pragma: no cover


async def test_a_providers_plain_exception_is_an_upstream_failure_at_the_api_server(serve):
    registry.register(PlainFailure)
    server = await serve(create_app())
    async with openai.AsyncOpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0) as client:
        with pytest.raises(openai.APIStatusError) as info:
            await client.chat.completions.create(model="m", messages=MESSAGES, extra_body={"provider": "PlainFailure"})
    assert info.value.status_code == 502
    assert "RuntimeError: the upstream said no" in info.value.body["message"]  # type: ignore[index]


# -- the stream's shape -----------------------------------------------------------------------------

def scripted(name, *items):
    class Scripted(AsyncGeneratorProvider):
        working = True

        @classmethod
        async def create_async_generator(cls, model, messages, stream=True, **kwargs):
            for item in items:
                if isinstance(item, BaseException):
                    raise item
                yield item

    Scripted.__name__ = name
    return Scripted


async def events_of(provider, **kwargs):
    return [item async for item in guarded(provider, "m", MESSAGES, True, kwargs)]


async def test_exactly_one_provider_info_right_before_the_first_output():
    own = ProviderInfo("Own", "m-resolved")
    items = await events_of(scripted("Shaped", None, "", Usage(1, 2), own, None, "Hi", own, None, "!",
                                     FinishReason("stop")))
    assert items == [own, Usage(1, 2), "Hi", "!", FinishReason("stop")]
    items = await events_of(scripted("Anonymous", "Hi"))
    assert items[0] == ProviderInfo("Anonymous", "m", "Anonymous") and items[1:] == ["Hi"]


@pytest.mark.parametrize("form", ["stream", "list"])
async def test_an_answer_read_whole_is_shaped_as_a_stream_is(form):
    """A provider's answer as a list (a non-streamed answer read whole, the template's form) and
    as a stream come out the same: one ProviderInfo right before the first output, held events
    after it, None, empty strings and later ProviderInfos dropped, a login request passed."""
    from g4f.providers.attempts import run_attempts

    own = ProviderInfo("Own", "m-resolved")
    login = RequestLogin("Site", "https://example.test/login")
    items = [None, "", Usage(1, 2), own, None, "Hi", own, None, "", login, "!", FinishReason("stop")]
    if form == "stream":
        got = await events_of(scripted("Shaped", *items))
    else:
        async def answer() -> list:
            return list(items)

        got = [item async for item in run_attempts(answer, scripted("Shaped"), "m")]
    assert got == [own, Usage(1, 2), "Hi", login, "!", FinishReason("stop")]


@pytest.mark.parametrize("form", ["stream", "list"])
async def test_a_chunk_after_the_first_output_that_is_not_a_chunk_is_a_provider_bug(form):
    from g4f.providers.attempts import run_attempts

    if form == "stream":
        with pytest.raises(TypeError, match="Odd yielded dict"):
            await events_of(scripted("Odd", "Hi", {"text": "hi"}))
        return

    async def answer() -> list:
        return ["Hi", {"text": "hi"}]

    with pytest.raises(TypeError, match="Odd yielded dict"):
        [item async for item in run_attempts(answer, scripted("Odd"), "m")]


async def test_a_login_request_passes_at_once_and_is_not_held():
    login = RequestLogin("Site", "https://example.test/login")
    items = await events_of(scripted("Login", login, "Hi"))
    assert items[0] == login and isinstance(items[1], ProviderInfo)


@pytest.mark.parametrize("items", [(), (None,), ("", ""), (Usage(1, 1), FinishReason("stop"))],
                         ids=["nothing", "only-None", "only-empty", "only-answerless-events"])
async def test_no_output_at_all_is_a_failure_not_an_empty_answer(items):
    with pytest.raises(ResponseError, match="empty answer"):
        await events_of(scripted("Empty", *items))
    with pytest.raises(ResponseError, match="empty answer"):
        await g4f.ChatCompletion.create_async("m", MESSAGES, provider=scripted("Empty", *items))


async def test_a_chunk_that_is_neither_text_nor_an_event_is_a_provider_bug():
    with pytest.raises(TypeError, match="Odd yielded dict"):
        await events_of(scripted("Odd", {"text": "hi"}))


async def test_keywords_reach_only_providers_that_take_them():
    seen = {}

    class Plain(AsyncGeneratorProvider):
        working = True

        @classmethod
        async def create_async_generator(cls, model, messages, stream=True, **kwargs):
            seen[cls.__name__] = kwargs
            yield "ok"

    class Conversational(Plain):
        supports_conversations = True

    for provider in (Plain, Conversational):
        call = prepare("m", MESSAGES, provider, conversation={"conversation_id": "c"}, return_conversation=True,
                       temperature=0.5, login=False)
        assert [item async for item in call.events()][-1] == "ok"
    assert seen["Plain"] == {"temperature": 0.5}
    assert seen["Conversational"] == {"temperature": 0.5, "conversation": {"conversation_id": "c"}}


def test_mistakes_are_refused_before_any_request():
    with pytest.raises(BadRequestError, match=r"messages\[0\]\.role") as info:
        prepare("m", [{"role": "robot", "content": "hi"}], Leaky)
    assert info.value.param == "messages[0].role"
    with pytest.raises(BadRequestError, match="n=3"):
        prepare("m", MESSAGES, Leaky, n=3)


# -- one retry layer --------------------------------------------------------------------------------

@pytest.fixture
def no_waits(monkeypatch):
    waits: list[float] = []

    async def record(delay):
        waits.append(delay)

    monkeypatch.setattr(sys.modules["g4f.providers.attempts"], "_sleep", record)
    return waits


def groq_at(replica):
    return {"api_key": GROQ_KEY, "base_url": replica.base_url}


@pytest.mark.parametrize("wrap, expected", [
    (lambda p: p, 3),                                           # Groq's own policy: max_retries=2
    (lambda p: IterListProvider([p], shuffle=False), 3),        # fallback without retries: Groq's own
    (lambda p: RetryProvider([p], shuffle=False), 3),           # was 9: 3 template tries x 3 RetryProvider tries
    (lambda p: RetryProvider([RetryProvider([p], shuffle=False)], shuffle=False), 3),
    (lambda p: RetryProvider([p], shuffle=False, max_retries=0), 1),
    (lambda p: RetryProvider([p], shuffle=False, max_retries=4), 5),
], ids=["Groq", "IterListProvider", "RetryProvider", "nested-RetryProvider", "no-retries", "four-retries"])
async def test_wrapping_never_multiplies_tries(groq, no_waits, wrap, expected):
    groq.faults.append(Fault.server_error(503, times=0))  # every request, forever
    with pytest.raises((ResponseStatusError, RetryProviderError)):
        await g4f.ChatCompletion.create_async(MODEL, MESSAGES, provider=wrap(Groq), **groq_at(groq))
    assert len(groq.requests) == expected
    assert len(no_waits) == expected - 1


async def test_a_provider_without_its_own_retries_is_retried_by_retry_provider(no_waits):
    calls = []

    class Flaky(AsyncGeneratorProvider):
        working = True

        @classmethod
        async def create_async_generator(cls, model, messages, stream=True, **kwargs):
            calls.append(1)
            if len(calls) < 3:
                raise ConnectionResetError("reset by peer")
            yield "finally"

    answer = await g4f.ChatCompletion.create_async("m", MESSAGES, provider=RetryProvider([Flaky], shuffle=False))
    assert answer == "finally" and len(calls) == 3 and len(no_waits) == 2
    calls.clear()
    with pytest.raises(RetryProviderError):  # without a policy a plugin is tried once, as before
        await g4f.ChatCompletion.create_async("m", MESSAGES, provider=IterListProvider([Flaky], shuffle=False))
    assert len(calls) == 1


async def test_a_503_retry_after_comes_from_the_status_mapping(groq, no_waits):
    groq.faults.append(Fault.server_error(503, retry_after=4))
    policy = RetryPolicy(max_retries=1)
    answer = await g4f.ChatCompletion.create_async(MODEL, MESSAGES, provider=RetryProvider([Groq], shuffle=False),
                                                   **groq_at(groq))
    assert answer == "You said: Hello" and no_waits == [4.0]
    assert policy.max_retries == 1


# -- sessions on the caller's loop ------------------------------------------------------------------

class NoThreads(concurrent.futures.ThreadPoolExecutor):
    """An executor that refuses work: any ``to_thread``/``run_in_executor`` fails the test."""

    def submit(self, fn, /, *args, **kwargs):
        raise AssertionError(f"{getattr(fn, '__name__', fn)} was sent to a worker thread")


async def test_async_model_listing_runs_on_the_callers_loop(groq, monkeypatch):
    from g4f.requests import aiohttp_session

    monkeypatch.setenv("GROQ_API_KEY", GROQ_KEY)
    monkeypatch.setattr(Groq, "api_base", groq.base_url)
    loop = asyncio.get_running_loop()
    loop.set_default_executor(NoThreads())
    models = await AsyncClient().models.list()
    assert "llama-3.3-70b-versatile" in models.ids()
    assert any(request.path.endswith("/models") for request in groq.requests)  # asked the upstream
    assert loop in aiohttp_session._sessions  # with this loop's shared session
