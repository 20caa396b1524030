"""``--rate-limit`` and ``--token-limit`` through the API server, with the openai SDK as the client.

In one process (the local backend): the limits per API key, the 429 with ``Retry-After`` and
OpenAI's error body, and tokens read from what the answers report, streamed or not. The same
limits across workers and instances are in ``test_instances.py`` and ``test_redis_state.py``.
"""

from __future__ import annotations

import math
import time

import openai
import pytest

from g4f.api import ServerSettings, create_app
from g4f.Provider import Groq
from g4f.shared import LocalBackend, RateLimit, use_backend
from g4f.testing.openai_replica import Reply

from ..client.scripted import registered
from ..replicas.groq import GROQ_KEY, GroqReplica

KEYS = ("g4f-limit-key-aaaaaaaaaa", "g4f-limit-key-bbbbbbbbbb")
MESSAGES = [{"role": "user", "content": "Say hello"}]


@pytest.fixture
async def replica(monkeypatch):
    async with GroqReplica() as server:
        monkeypatch.setenv("GROQ_API_KEY", GROQ_KEY)
        provider = type("GroqLimited", (Groq,), {"api_base": server.base_url, "max_retries": 0})
        with registered(provider):
            yield server


@pytest.fixture
def fresh_windows():
    previous = use_backend(LocalBackend())
    yield
    use_backend(previous)


@pytest.fixture
async def server(serve, fresh_windows):
    clients: list[openai.AsyncOpenAI] = []

    async def start(**options):
        settings = ServerSettings(api_keys=KEYS, **options)
        running = await serve(create_app(settings))

        def client(key: str) -> openai.AsyncOpenAI:
            made = openai.AsyncOpenAI(base_url=f"{running.url}/v1", api_key=key, max_retries=0, timeout=30)
            clients.append(made)
            return made

        return client

    yield start
    for client in clients:
        await client.close()


async def ask(client: openai.AsyncOpenAI, stream: bool = False) -> str:
    if stream:
        chunks = await client.chat.completions.create(model="llama-3.3-70b-versatile", messages=MESSAGES,
                                                      stream=True, extra_body={"provider": "GroqLimited"})
        return "".join([chunk.choices[0].delta.content or "" async for chunk in chunks if chunk.choices])
    completion = await client.chat.completions.create(model="llama-3.3-70b-versatile", messages=MESSAGES,
                                                      extra_body={"provider": "GroqLimited"})
    return completion.choices[0].message.content or ""


async def test_requests_per_key_then_429_with_retry_after(server, replica):
    client = await server(rate_limit=RateLimit.parse("3/min"))
    one, two = client(KEYS[0]), client(KEYS[1])
    first = time.monotonic()
    for _ in range(3):
        assert await ask(one) == "You said: Say hello"
    with pytest.raises(openai.RateLimitError) as caught:
        await ask(one, stream=True)
    error = caught.value
    # The window frees when the first request leaves it: 60 s after it, in whole seconds up.
    retry_after = int(error.response.headers["retry-after"])
    assert math.ceil(60 - (time.monotonic() - first)) - 1 <= retry_after <= 60
    assert error.body == {"message": f"rate limit reached for requests: 3/min for this API key; try again in "
                                     f"{retry_after} s", "type": "requests", "param": None,
                          "code": "rate_limit_exceeded"}
    assert len(replica.chat_requests) == 3  # refused before any work
    assert await ask(two) == "You said: Say hello"  # another key, another window
    models = await one.models.list()  # reading the catalogue is not limited
    assert models.data


async def test_keys_from_the_environment_are_each_limited_alone(serve, fresh_windows, replica, monkeypatch):
    monkeypatch.setenv("G4F_API_KEY", KEYS[0])
    monkeypatch.setenv("G4F_API_KEYS", f" {KEYS[1]},{KEYS[0]},")  # comma-separated; each key once
    settings = ServerSettings(rate_limit=RateLimit.parse("2/min"))
    assert settings.api_keys == KEYS
    running = await serve(create_app(settings))
    for key in KEYS:
        async with openai.AsyncOpenAI(base_url=f"{running.url}/v1", api_key=key, max_retries=0, timeout=30) as client:
            assert [await ask(client), await ask(client)] == ["You said: Say hello"] * 2
            with pytest.raises(openai.RateLimitError):
                await ask(client)
    assert len(replica.chat_requests) == 4


async def test_tokens_reported_by_answers_count_streamed_or_not(server, replica):
    # The replica reports 6 prompt tokens for "Say hello" and one completion token per word.
    client = (await server(token_limit=RateLimit.parse("22/min")))(KEYS[0])
    replica.replies.append(Reply(content="a b c d e f g h"))
    completion = await client.chat.completions.create(model="llama-3.3-70b-versatile", messages=MESSAGES,
                                                      extra_body={"provider": "GroqLimited"})
    assert completion.usage.total_tokens == 14  # under 22
    replica.replies.append(Reply(content="one two"))
    # 8 more: the client did not ask include_usage, so no usage went on the wire, but it counts: 22
    assert await ask(client, stream=True) == "one two"
    with pytest.raises(openai.RateLimitError) as caught:
        await ask(client)
    assert caught.value.body["type"] == "tokens" and int(caught.value.response.headers["retry-after"]) >= 59
    assert "22/min" in caught.value.body["message"]
    assert len(replica.chat_requests) == 2


async def test_a_streamed_answer_that_sends_its_usage_counts_once(server, replica):
    client = (await server(token_limit=RateLimit.parse("17/min")))(KEYS[0])
    for _ in range(3):
        replica.replies.append(Reply(content="one two"))  # 8 tokens each
    chunks = await client.chat.completions.create(model="llama-3.3-70b-versatile", messages=MESSAGES, stream=True,
                                                  stream_options={"include_usage": True},
                                                  extra_body={"provider": "GroqLimited"})
    usage = [chunk.usage async for chunk in chunks if chunk.usage is not None]
    assert [u.total_tokens for u in usage] == [8]  # on the wire and seen by the meter: counted once
    assert await ask(client, stream=True) == "one two"  # 16, under 17
    assert await ask(client) == "one two"  # admitted (16 < 17), then 24
    with pytest.raises(openai.RateLimitError):
        await ask(client)
    assert len(replica.chat_requests) == 3


async def test_without_limits_nothing_is_counted(server, replica):
    client = (await server())(KEYS[0])
    for _ in range(5):
        assert await ask(client) == "You said: Say hello"
