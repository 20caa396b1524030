"""openai SDK → g4f API server → the real Groq provider (a template declaration) → the Groq
replica, all on 127.0.0.1: the path a user of ``g4f api`` takes, upstream faults included."""

from __future__ import annotations

import openai
import pytest

from g4f.Provider import Groq
from g4f.requests import aiohttp_session
from g4f.testing.openai_replica import Fault, Reply

from ..client.scripted import registered
from ..replicas.groq import GROQ_KEY, GroqReplica

MESSAGES = [{"role": "user", "content": "Say hello"}]


@pytest.fixture
async def replica(monkeypatch):
    async with GroqReplica() as server:
        monkeypatch.setenv("GROQ_API_KEY", GROQ_KEY)
        # Groq as declared, with only its base URL moved to the replica (and no retries, to keep
        # fault tests short).
        provider = type("GroqHere", (Groq,), {"api_base": server.base_url, "max_retries": 0})
        with registered(provider):
            yield server


async def test_streamed_and_non_streamed(api, replica):
    _, client = await api()
    replica.replies.append(Reply(content="Hello from the replica"))
    replica.replies.append(Reply(content="And again"))
    completion = await client.chat.completions.create(model="llama-3.3-70b", messages=MESSAGES,
                                                      extra_body={"provider": "GroqHere"})
    assert completion.choices[0].message.content == "Hello from the replica"
    assert completion.model == "llama-3.3-70b-versatile" and completion.usage.total_tokens > 0
    stream = await client.chat.completions.create(model="llama-3.3-70b", messages=MESSAGES, stream=True,
                                                  stream_options={"include_usage": True},
                                                  extra_body={"provider": "GroqHere"})
    chunks = [chunk async for chunk in stream]
    assert "".join(c.choices[0].delta.content or "" for c in chunks[:-1]) == "And again"
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens > 0  # OpenAI's include_usage chunk
    assert replica.last_request.headers["Authorization"] == f"Bearer {GROQ_KEY}"


async def test_tool_calls_streamed_from_upstream_fragments(api, replica):
    _, client = await api()
    replica.replies.append(Reply(tool_calls=[{"id": "call_x", "name": "lookup", "arguments": '{"q":"g4f"}'}]))
    stream = await client.chat.completions.create(
        model="llama-3.3-70b-versatile", messages=MESSAGES, stream=True, extra_body={"provider": "GroqHere"},
        tools=[{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}])
    chunks = [c async for c in stream]
    calls = [call for c in chunks for call in c.choices[0].delta.tool_calls or []]
    assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [("call_x", "lookup", '{"q":"g4f"}')]
    assert replica.last_request.body["tools"][0]["function"]["name"] == "lookup"


async def test_reasoning_as_reasoning_content(api, replica):
    _, client = await api()
    replica.replies.append(Reply(content="Paris", reasoning="The capital of France."))
    stream = await client.chat.completions.create(
        model="deepseek-r1-distill-llama-70b", messages=MESSAGES, stream=True,
        extra_body={"provider": "GroqHere", "reasoning_format": "parsed"})
    chunks = [c async for c in stream]
    reasoning = "".join(c.choices[0].delta.model_extra.get("reasoning_content") or "" for c in chunks)
    assert reasoning == "The capital of France."
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Paris"


async def test_upstream_rate_limit_is_the_sdks_rate_limit_error(api, replica):
    _, client = await api()
    replica.faults.append(Fault.rate_limit(retry_after=12))
    with pytest.raises(openai.RateLimitError) as caught:
        await client.chat.completions.create(model="llama-3.3-70b-versatile", messages=MESSAGES,
                                             extra_body={"provider": "GroqHere"})
    assert caught.value.response.headers["retry-after"] == "12"


async def test_upstream_rejecting_the_key_is_401_without_the_key(api, replica, monkeypatch):
    monkeypatch.setenv("GROQ_API_KEY", "gsk_notTheRightKey0000000")
    _, client = await api()
    with pytest.raises(openai.AuthenticationError) as caught:
        await client.chat.completions.create(model="llama-3.3-70b-versatile", messages=MESSAGES,
                                             extra_body={"provider": "GroqHere"})
    assert "gsk_notTheRightKey0000000" not in str(caught.value.body)


async def test_upstream_unknown_model_is_404(api, replica):
    _, client = await api()
    with pytest.raises(openai.NotFoundError) as caught:
        await client.chat.completions.create(model="no-such-model-anywhere", messages=MESSAGES,
                                             extra_body={"provider": "GroqHere"})
    assert caught.value.body["code"] == "model_not_found"


async def test_upstream_server_error_is_502(api, replica):
    _, client = await api()
    replica.faults.append(Fault.server_error(500))
    with pytest.raises(openai.InternalServerError) as caught:
        await client.chat.completions.create(model="llama-3.3-70b-versatile", messages=MESSAGES,
                                             extra_body={"provider": "GroqHere"})
    assert caught.value.status_code == 502


async def test_upstream_stream_cut_short_ends_with_an_error_event(api, replica):
    _, client = await api()
    replica.replies.append(Reply(pieces=["one ", "two ", "three ", "four"]))
    replica.faults.append(Fault.cut(after=3))
    stream = await client.chat.completions.create(model="llama-3.3-70b-versatile", messages=MESSAGES,
                                                  stream=True, extra_body={"provider": "GroqHere"})
    received = []
    with pytest.raises(openai.APIError) as caught:
        async for chunk in stream:
            received.append(chunk.choices[0].delta.content or "")
    assert "".join(received) == "one two "
    assert "[DONE]" in caught.value.message or "incomplete" in caught.value.message


async def test_one_upstream_session_serves_every_request_and_closes_with_the_server(api, replica):
    server, client = await api()
    sessions = set()
    for _ in range(3):
        replica.replies.append(Reply(content="ok"))
        await client.chat.completions.create(model="llama-3.3-70b-versatile", messages=MESSAGES,
                                             extra_body={"provider": "GroqHere"})
        sessions.add(id(await aiohttp_session.get_session()))
    assert len(sessions) == 1
    session = await aiohttp_session.get_session()
    await server.close()  # the application's cleanup closes g4f's sessions
    assert session.closed
