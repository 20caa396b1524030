"""The client over the real Groq provider and the Groq replica on 127.0.0.1: the whole path a user
takes, with only the base URL changed."""

from __future__ import annotations

import pytest

from g4f.client import AsyncClient, Client
from g4f.errors import MissingAuthError, RateLimitError
from g4f.Provider import Groq
from g4f.testing.openai_replica import Fault, Reply

from ..replicas.groq import GROQ_KEY, GroqReplica

MESSAGES = [{"role": "user", "content": "Say hello"}]


@pytest.fixture
async def replica():
    async with GroqReplica() as server:
        yield server


def groq_client(replica) -> AsyncClient:
    return AsyncClient(provider=Groq, api_key=GROQ_KEY)


async def test_streamed_answer_with_usage(replica):
    replica.replies.append(Reply(content="Hello there, friend"))
    chunks = [chunk async for chunk in groq_client(replica).chat.completions.create(
        model="llama-3.3-70b", messages=MESSAGES, stream=True, base_url=replica.base_url)]
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Hello there, friend"
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop" and last.usage.total_tokens > 0
    assert last.model == "llama-3.3-70b-versatile" and last.provider == "Groq"
    assert replica.last_request.body["model"] == "llama-3.3-70b-versatile"


async def test_non_streamed_answer_and_parameters_reach_the_upstream(replica):
    replica.replies.append(Reply(content="Short answer"))
    completion = await groq_client(replica).chat.completions.create(
        model="llama-3.3-70b-versatile", messages=MESSAGES, base_url=replica.base_url, temperature=0.2,
        max_tokens=50)
    assert completion.choices[0].message.content == "Short answer"
    assert completion.usage.prompt_tokens > 0
    body = replica.last_request.body
    assert (body["temperature"], body["max_tokens"], body["stream"]) == (0.2, 50, False)


async def test_stop_word_split_across_upstream_chunks(replica):
    replica.replies.append(Reply(pieces=["One two ", "thr", "ee four", " five"]))
    chunks = [c async for c in groq_client(replica).chat.completions.create(
        model="llama-3.3-70b-versatile", messages=MESSAGES, stream=True, stop=["three"],
        base_url=replica.base_url)]
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "One two "
    assert replica.last_request.body["stop"] == ["three"]


async def test_reasoning_is_reasoning_content(replica):
    replica.replies.append(Reply(content="42", reasoning="Think it through."))
    completion = await groq_client(replica).chat.completions.create(
        model="deepseek-r1-distill-llama-70b", messages=MESSAGES, base_url=replica.base_url,
        reasoning_format="parsed")
    message = completion.choices[0].message
    assert (message.content, message.reasoning_content) == ("42", "Think it through.")


async def test_streamed_tool_calls(replica):
    replica.replies.append(Reply(tool_calls=[{"id": "call_a", "name": "weather", "arguments": '{"city":"Paris"}'},
                                             {"id": "call_b", "name": "time", "arguments": '{"tz":"CET"}'}]))
    chunks = [c async for c in groq_client(replica).chat.completions.create(
        model="llama-3.3-70b-versatile", messages=MESSAGES, stream=True, base_url=replica.base_url,
        tools=[{"type": "function", "function": {"name": "weather", "parameters": {"type": "object"}}}])]
    calls = [call for c in chunks for call in c.choices[0].delta.tool_calls or []]
    assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [
        ("call_a", "weather", '{"city":"Paris"}'), ("call_b", "time", '{"tz":"CET"}')]
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


async def test_rate_limit_arrives_typed_with_retry_after(replica):
    replica.faults.append(Fault.rate_limit(retry_after=7))
    with pytest.raises(RateLimitError) as caught:
        await groq_client(replica).chat.completions.create(
            model="llama-3.3-70b-versatile", messages=MESSAGES, base_url=replica.base_url, max_retries=0)
    assert caught.value.retry_after == 7


async def test_wrong_key_is_missing_auth_and_the_key_is_not_shown(replica):
    with pytest.raises(MissingAuthError) as caught:
        await AsyncClient(provider=Groq, api_key="gsk_wrongWrongWrong123").chat.completions.create(
            model="llama-3.3-70b-versatile", messages=MESSAGES, base_url=replica.base_url)
    assert "gsk_wrongWrongWrong123" not in str(caught.value)


def test_sync_client_end_to_end_in_a_thread_of_its_own():
    import asyncio
    import threading

    result: dict = {}

    async def serve_and_wait(ready: threading.Event, done: threading.Event):
        async with GroqReplica() as server:
            server.replies.append(Reply(content="from a script"))
            result["url"] = server.base_url
            ready.set()
            while not done.is_set():
                await asyncio.sleep(0.01)

    ready, done = threading.Event(), threading.Event()
    thread = threading.Thread(target=lambda: asyncio.run(serve_and_wait(ready, done)))
    thread.start()
    try:
        assert ready.wait(10)
        completion = Client(provider=Groq, api_key=GROQ_KEY).chat.completions.create(
            model="llama-3.3-70b-versatile", messages=MESSAGES, base_url=result["url"])
        assert completion.choices[0].message.content == "from a script"
    finally:
        done.set()
        thread.join(10)
