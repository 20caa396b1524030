"""g4f.ChatCompletion: model as a name or a Model, provider as a class, instance or name, streamed
or not, keyword arguments passed through; and a user's ten-line provider on every path."""

from __future__ import annotations

import asyncio
from typing import ClassVar

import pytest
from aiohttp import web

import g4f
from g4f.errors import BadRequestError, NestAsyncioError, ProviderNotFoundError, ProviderNotWorkingError
from g4f.models import Model, ModelUtils
from g4f.providers.base_provider import AsyncGeneratorProvider
from g4f.providers.response import FinishReason, ProviderInfo, Reasoning
from g4f.requests import get_session, raise_for_status, sse_stream
from g4f.testing.server import LocalServer
from tests.requests.test_sessions import threaded_server

MESSAGES = [{"role": "user", "content": "Hello"}]


class Recorder(AsyncGeneratorProvider):
    """Answers with what it was called with."""

    working = True
    calls: ClassVar[list[dict]] = []

    @classmethod
    async def create_async_generator(cls, model, messages, stream=True, **kwargs):
        cls.calls.append({"model": model, "messages": messages, "stream": stream, **kwargs})
        yield Reasoning("...")
        yield f"model={model}"
        yield FinishReason("stop")


@pytest.fixture(autouse=True)
def fresh_calls(monkeypatch):
    monkeypatch.setattr(Recorder, "calls", [])


def test_provider_as_class_instance_and_name(monkeypatch):
    from g4f.providers.registry import registry

    registry.register(Recorder)
    try:
        for provider in (Recorder, Recorder(), "Recorder", "recorder"):
            assert g4f.ChatCompletion.create("m1", MESSAGES, provider=provider) == "model=m1"
    finally:
        registry.unregister("Recorder")
    assert len(Recorder.calls) == 4


def test_unknown_provider_name():
    with pytest.raises(ProviderNotFoundError, match="did you mean Groq"):
        g4f.ChatCompletion.create("m", MESSAGES, provider="Groqq")


def test_model_as_a_catalogue_row(monkeypatch):
    row = Model("row-model", "Tests", best_provider=Recorder)
    assert g4f.ChatCompletion.create(row, MESSAGES) == "model=row-model"
    monkeypatch.setitem(ModelUtils.convert, "row-model", row)
    monkeypatch.setitem(ModelUtils.convert, "row-alias", row)
    assert g4f.ChatCompletion.create("row-model", MESSAGES) == "model=row-model"
    assert g4f.ChatCompletion.create("row-alias", MESSAGES) == "model=row-model"  # an alias
    # An explicit provider wins over the row's best provider, with the row's name.
    assert g4f.ChatCompletion.create(Model("other", best_provider="Groq"), MESSAGES, provider=Recorder) == (
        "model=other"
    )


async def test_model_as_a_catalogue_row_async():
    row = Model("row-model", "Tests", best_provider=Recorder)
    assert await g4f.ChatCompletion.create_async(row, MESSAGES) == "model=row-model"


def test_kwargs_pass_through_on_every_path():
    options = {"temperature": 0.2, "max_tokens": 5, "top_p": 0.9, "custom_flag": True}
    g4f.ChatCompletion.create("m", MESSAGES, provider=Recorder, **options)
    list(g4f.ChatCompletion.create("m", MESSAGES, provider=Recorder, stream=True, **options))

    async def run():
        await g4f.ChatCompletion.create_async("m", MESSAGES, provider=Recorder, **options)
        stream = await g4f.ChatCompletion.create_async("m", MESSAGES, provider=Recorder, stream=True, **options)
        async for _ in stream:
            pass

    asyncio.run(run())
    assert [call["stream"] for call in Recorder.calls] == [False, True, False, True]
    for call in Recorder.calls:
        assert {key: call[key] for key in options} == options
        assert call["messages"] == MESSAGES


def test_streamed_and_whole_answers():
    chunks = list(g4f.ChatCompletion.create("m", MESSAGES, provider=Recorder, stream=True))
    # Exactly one ProviderInfo, before the first output: the call boundary names who answers.
    assert chunks == [ProviderInfo("Recorder", "m", "Recorder"), Reasoning("..."), "model=m", FinishReason("stop")]
    answer = g4f.ChatCompletion.create("m", MESSAGES, provider=Recorder)
    assert answer == "model=m" and answer.finish_reason == "stop"


async def test_sync_create_inside_a_running_loop_raises():
    for stream in (False, True):
        with pytest.raises(NestAsyncioError, match="create_async"):
            g4f.ChatCompletion.create("m", MESSAGES, provider=Recorder, stream=stream)
    assert Recorder.calls == []  # refused before the provider ran


def test_bad_input_is_a_typed_error():
    with pytest.raises(BadRequestError, match="not a string"):
        g4f.ChatCompletion.create("m", "Hello", provider=Recorder)
    with pytest.raises(BadRequestError, match="non-empty"):
        g4f.ChatCompletion.create("m", [], provider=Recorder)
    with pytest.raises(BadRequestError, match=r"messages\[1\]"):
        g4f.ChatCompletion.create("m", [MESSAGES[0], "oops"], provider=Recorder)
    with pytest.raises(TypeError, match="provider"):
        g4f.ChatCompletion.create("m", MESSAGES, provider=42)
    with pytest.raises(TypeError, match="model"):
        g4f.ChatCompletion.create(3.5, MESSAGES, provider=Recorder)


def test_provider_not_working():
    class Broken(Recorder):
        working = False

    with pytest.raises(ProviderNotWorkingError, match="Broken"):
        g4f.ChatCompletion.create("m", MESSAGES, provider=Broken)
    assert g4f.ChatCompletion.create("m", MESSAGES, provider=Broken, ignore_working=True) == "model=m"


# -- a user's provider, written in ten lines, against a local OpenAI-style upstream -------------


class MyProvider(AsyncGeneratorProvider):
    url = "http://127.0.0.1"
    working = True

    @classmethod
    async def create_async_generator(cls, model, messages, stream=True, **kwargs):
        session = await get_session()
        async with session.post(f"{cls.url}/chat", json={"model": model, "messages": messages}) as response:
            await raise_for_status(response, provider=cls.__name__)
            async for event in sse_stream(response, cls.__name__):
                yield event["choices"][0]["delta"].get("content", "")


def upstream_app(seen: list) -> web.Application:
    async def chat(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        seen.append(body)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for word in ("Hi", " ", body["messages"][-1]["content"]):
            await response.write(b'data: {"choices": [{"delta": {"content": "%s"}}]}\n\n' % word.encode())
        await response.write(b"data: [DONE]\n\n")
        return response

    app = web.Application()
    app.router.add_post("/chat", chat)
    return app


def test_user_provider_sync_paths(monkeypatch):
    seen: list = []
    with threaded_server(upstream_app(seen)) as url:
        monkeypatch.setattr(MyProvider, "url", url)
        assert g4f.ChatCompletion.create("tiny", MESSAGES, provider=MyProvider) == "Hi Hello"
        chunks = list(g4f.ChatCompletion.create("tiny", MESSAGES, provider=MyProvider, stream=True))
        assert [chunk for chunk in chunks if isinstance(chunk, str)] == ["Hi", " ", "Hello"]
        assert isinstance(chunks[0], ProviderInfo) and chunks[0].name == "MyProvider"
    assert [body["model"] for body in seen] == ["tiny", "tiny"]


async def test_user_provider_async_paths(monkeypatch):
    seen: list = []
    async with LocalServer(upstream_app(seen)) as server:
        monkeypatch.setattr(MyProvider, "url", server.url)
        assert await g4f.ChatCompletion.create_async("tiny", MESSAGES, provider=MyProvider) == "Hi Hello"
        stream = await g4f.ChatCompletion.create_async("tiny", MESSAGES, provider=MyProvider, stream=True)
        chunks = [chunk async for chunk in stream]
        assert [chunk for chunk in chunks if isinstance(chunk, str)] == ["Hi", " ", "Hello"]
        assert isinstance(chunks[0], ProviderInfo) and chunks[0].name == "MyProvider"
    assert seen[0]["messages"] == MESSAGES


def test_user_provider_through_the_client(monkeypatch):
    from g4f.client import Client

    with threaded_server(upstream_app([])) as url:
        monkeypatch.setattr(MyProvider, "url", url)
        client = Client(provider=MyProvider)
        response = client.chat.completions.create(messages=MESSAGES, model="tiny")
        assert response.choices[0].message.content == "Hi Hello"


class CarelessProvider(AsyncGeneratorProvider):
    """Calls aiohttp without mapping its errors, as a quick user provider may."""

    working = True
    url = "http://127.0.0.1:9"

    @classmethod
    async def create_async_generator(cls, model, messages, stream=True, **kwargs):
        session = await get_session()
        async with session.get(cls.url) as response:
            yield await response.text()


@pytest.fixture
def closed_port_url(monkeypatch):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setattr(CarelessProvider, "url", f"http://127.0.0.1:{port}/")


def test_backend_errors_never_reach_the_caller_unmapped(closed_port_url):
    import aiohttp

    from g4f.errors import NetworkError

    for stream in (False, True):
        with pytest.raises(NetworkError, match="^CarelessProvider: ") as caught:
            result = g4f.ChatCompletion.create("m", MESSAGES, provider=CarelessProvider, stream=stream)
            if stream:
                list(result)
        assert isinstance(caught.value.__cause__, aiohttp.ClientError)


async def test_backend_errors_never_reach_the_async_caller_unmapped(closed_port_url):
    from g4f.errors import NetworkError

    with pytest.raises(NetworkError, match="^CarelessProvider: "):
        await g4f.ChatCompletion.create_async("m", MESSAGES, provider=CarelessProvider)
    stream = await g4f.ChatCompletion.create_async("m", MESSAGES, provider=CarelessProvider, stream=True)
    with pytest.raises(NetworkError):
        async for _ in stream:
            pass


def test_whole_answer_names_its_provider():
    answer = g4f.ChatCompletion.create("m1", MESSAGES, provider=Recorder)
    assert (answer.provider.name, answer.provider.model) == ("Recorder", "m1")


async def test_whole_async_answer_names_its_provider():
    answer = await g4f.ChatCompletion.create_async("m2", MESSAGES, provider=Recorder)
    assert (answer.provider.name, answer.provider.model) == ("Recorder", "m2")
