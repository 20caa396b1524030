"""POST /v1/messages through the official anthropic SDK: messages.create and messages.stream,
system prompts, tools (tool_use → tool_result), stop sequences, images, thinking blocks, the
raw event sequence, and errors as the SDK's own exception types."""

from __future__ import annotations

import base64
import json

import aiohttp
import anthropic
import pydantic
import pytest

from g4f.errors import ResponseError
from g4f.providers.response import ProviderInfo, Reasoning, Usage
from g4f.testing.openai_replica import Fault, Reply

from ..client.scripted import registered, scripted

GROQ = {"provider": "Groq"}
MODEL = "llama-3.3-70b-versatile"
HELLO = [{"role": "user", "content": "Hello"}]
WEATHER = {"name": "get_weather", "description": "The weather in a city",
           "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}

Thinker = scripted("Thinker", [ProviderInfo("Thinker", "think-1"), Reasoning("Let me see."), "Hi ", "there",
                               Usage(4, 2)])
Breaking = scripted("Breaking", ["Half an ans", ResponseError("the upstream stream broke off", provider="Breaking")])


@pytest.fixture
async def claude(api):
    """``await claude(**create_app options)`` → (server, anthropic.AsyncAnthropic pointed at it)."""
    clients: list[anthropic.AsyncAnthropic] = []

    async def start(key: str = "unused", **options):
        server, _ = await api(**options)
        client = anthropic.AsyncAnthropic(base_url=server.url, api_key=key, max_retries=0, timeout=30)
        clients.append(client)
        return server, client

    yield start
    for client in clients:
        await client.close()


async def test_create(claude, groq_upstream):
    _, client = await claude()
    message = await client.messages.create(model=MODEL, max_tokens=100, messages=HELLO, system="Be brief.",
                                           extra_body={**GROQ, "temperature": 0.3})
    assert message.type == "message" and message.role == "assistant" and message.id.startswith("msg_")
    [block] = message.content
    assert block.type == "text" and block.text == "You said: Hello"
    assert message.stop_reason == "end_turn" and message.stop_sequence is None
    assert message.usage.input_tokens > 0 and message.usage.output_tokens > 0
    assert message.model == MODEL
    body = groq_upstream.last_request.body
    assert body["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}]
    assert (body["max_tokens"], body["temperature"]) == (100, 0.3)


async def test_stream(claude, groq_upstream):
    _, client = await claude()
    async with client.messages.stream(model=MODEL, max_tokens=100, messages=HELLO, extra_body=GROQ) as stream:
        pieces = [text async for text in stream.text_stream]
        final = await stream.get_final_message()
    assert "".join(pieces) == final.content[0].text == "You said: Hello" and len(pieces) > 1
    assert final.stop_reason == "end_turn" and final.usage.output_tokens > 0


async def test_raw_event_sequence(claude, groq_upstream):
    server, _ = await claude()
    request = {"model": MODEL, "max_tokens": 50, "messages": HELLO, "stream": True, "provider": "Groq"}
    headers = {"x-api-key": "unused", "anthropic-version": "2023-06-01"}
    async with aiohttp.ClientSession() as session, session.post(f"{server.url}/v1/messages", json=request,
                                                                headers=headers) as response:
        assert response.status == 200 and response.headers["Content-Type"].startswith("text/event-stream")
        body = (await response.read()).decode()
    events = []
    for block in filter(None, body.split("\n\n")):
        name, data = block.split("\n")
        assert name.startswith("event: ") and data.startswith("data: ")
        events.append((name[7:], json.loads(data[6:])))
        assert events[-1][1]["type"] == events[-1][0]
    sdk_events = pydantic.TypeAdapter(anthropic.types.RawMessageStreamEvent)
    for name, data in events:
        if name != "ping":  # each event as the SDK's own model reads it, strictly
            assert sdk_events.validate_python(data).type == name
    names = [name for name, _ in events]
    assert names[:3] == ["message_start", "ping", "content_block_start"]
    assert names[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert set(names[3:-3]) == {"content_block_delta"}
    assert events[0][1]["message"]["content"] == [] and events[0][1]["message"]["model"] == MODEL
    delta = events[-2][1]
    assert delta["delta"] == {"stop_reason": "end_turn", "stop_sequence": None}
    assert delta["usage"]["output_tokens"] > 0


@pytest.mark.parametrize("stream", [False, True])
async def test_tool_use_then_tool_result(claude, groq_upstream, stream):
    _, client = await claude()
    groq_upstream.replies.append(Reply(tool_calls=[{"id": "toolu_1", "name": "get_weather",
                                                    "arguments": '{"city": "Paris"}'}]))
    ask = {"model": MODEL, "max_tokens": 100, "tools": [WEATHER], "tool_choice": {"type": "auto"},
           "messages": [{"role": "user", "content": "Weather in Paris?"}], "extra_body": GROQ}
    if stream:
        async with client.messages.stream(**ask) as answer:
            message = await answer.get_final_message()
    else:
        message = await client.messages.create(**ask)
    [use] = message.content
    assert use.type == "tool_use" and use.name == "get_weather" and use.input == {"city": "Paris"}
    assert message.stop_reason == "tool_use"
    sent = groq_upstream.last_request.body
    assert sent["tools"] == [{"type": "function", "function": {
        "name": "get_weather", "parameters": WEATHER["input_schema"], "description": "The weather in a city"}}]
    assert sent["tool_choice"] == "auto"
    groq_upstream.replies.append(Reply(content="Sunny in Paris."))
    follow = await client.messages.create(
        model=MODEL, max_tokens=100, tools=[WEATHER], extra_body=GROQ, messages=[
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": use.id, "name": use.name, "input": use.input}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "sunny, 24 C"}]},
        ])
    assert follow.content[0].text == "Sunny in Paris."
    messages = groq_upstream.last_request.body["messages"]
    assert messages[1]["tool_calls"] == [{"id": "toolu_1", "type": "function", "function": {
        "name": "get_weather", "arguments": '{"city": "Paris"}'}}]
    assert messages[2] == {"role": "tool", "tool_call_id": "toolu_1", "content": "sunny, 24 C"}


@pytest.mark.parametrize("stream", [False, True])
async def test_stop_sequences(claude, groq_upstream, stream):
    _, client = await claude()
    groq_upstream.replies.append(Reply(pieces=["one ", "two ", "th", "ree ", "four"]))
    ask = {"model": MODEL, "max_tokens": 100, "messages": HELLO, "stop_sequences": ["three"], "extra_body": GROQ}
    if stream:
        async with client.messages.stream(**ask) as answer:
            message = await answer.get_final_message()
    else:
        message = await client.messages.create(**ask)
    assert message.content[0].text == "one two "
    assert message.stop_reason == "stop_sequence" and message.stop_sequence == "three"
    assert groq_upstream.last_request.body["stop"] == ["three"]
    # the replica ignores stop: its usage comes after the cut, and is still read
    assert message.usage.input_tokens > 0 and message.usage.output_tokens == 5


async def test_image_blocks_reach_a_vision_model(claude, groq_upstream, monkeypatch):
    from g4f.Provider import Groq

    monkeypatch.setattr(Groq, "supports_vision", True)
    _, client = await claude()
    data = base64.b64encode(b"\x89PNG fake").decode()
    await client.messages.create(model="meta-llama/llama-4-scout-17b-16e-instruct", max_tokens=50, extra_body=GROQ,
                                 messages=[{"role": "user", "content": [
                                     {"type": "text", "text": "What is this?"},
                                     {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                                                  "data": data}}]}])
    content = groq_upstream.last_request.body["messages"][0]["content"]
    assert content == [{"type": "text", "text": "What is this?"},
                       {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{data}"}}]


async def test_thinking_blocks(claude):
    _, client = await claude()
    with registered(Thinker):
        message = await client.messages.create(model="m", max_tokens=50, messages=HELLO,
                                               extra_body={"provider": "Thinker"})
        async with client.messages.stream(model="m", max_tokens=50, messages=HELLO,
                                          extra_body={"provider": "Thinker"}) as stream:
            events = [event async for event in stream]
            final = await stream.get_final_message()
    thinking, text = message.content
    assert thinking.type == "thinking" and thinking.thinking == "Let me see."
    assert text.text == "Hi there" and message.model == "think-1"
    assert (message.usage.input_tokens, message.usage.output_tokens) == (4, 2)
    assert [block.type for block in final.content] == ["thinking", "text"]
    assert any(getattr(event, "type", "") == "thinking" for event in events)


async def test_x_api_key_and_bearer_are_both_accepted(claude, groq_upstream):
    server, client = await claude(key="server-key-1234", api_key="server-key-1234")
    assert (await client.messages.create(model=MODEL, max_tokens=10, messages=HELLO, extra_body=GROQ)).content
    bearer = anthropic.AsyncAnthropic(base_url=server.url, auth_token="server-key-1234", max_retries=0)
    try:
        assert (await bearer.messages.create(model=MODEL, max_tokens=10, messages=HELLO, extra_body=GROQ)).content
    finally:
        await bearer.close()
    wrong = anthropic.AsyncAnthropic(base_url=server.url, api_key="wrong-key-5678", max_retries=0)
    try:
        with pytest.raises(anthropic.AuthenticationError) as caught:
            await wrong.messages.create(model=MODEL, max_tokens=10, messages=HELLO, extra_body=GROQ)
    finally:
        await wrong.close()
    assert caught.value.status_code == 401
    assert caught.value.body["type"] == "error" and caught.value.body["error"]["type"] == "authentication_error"


@pytest.mark.parametrize(("fault", "error", "status", "kind"), [
    (Fault.rate_limit(retry_after=30), anthropic.RateLimitError, 429, "rate_limit_error"),
    (Fault.server_error(500), anthropic.InternalServerError, 502, "api_error"),
    (Fault(kind="http", status=401), anthropic.AuthenticationError, 401, "authentication_error"),
])
@pytest.mark.parametrize("stream", [False, True])
async def test_upstream_errors_as_the_sdks_exceptions(claude, groq_upstream, fault, error, status, kind, stream):
    """Streamed too: an error before the first event is an error answer with its status."""
    _, client = await claude()
    groq_upstream.faults.append(fault)
    with pytest.raises(error) as caught:
        if stream:
            async with client.messages.stream(model=MODEL, max_tokens=10, messages=HELLO, extra_body=GROQ) as answer:
                await answer.get_final_message()
        else:
            await client.messages.create(model=MODEL, max_tokens=10, messages=HELLO, extra_body=GROQ)
    assert caught.value.status_code == status
    assert caught.value.body["error"]["type"] == kind


async def test_request_errors(claude, groq_upstream):
    _, client = await claude()
    with pytest.raises(anthropic.NotFoundError) as missing:
        await client.messages.create(model="no-such-model", max_tokens=10, messages=HELLO, extra_body=GROQ)
    assert missing.value.body["error"]["type"] == "not_found_error"
    with pytest.raises(anthropic.BadRequestError) as refused:
        await client.messages.create(model=MODEL, max_tokens=10, messages=HELLO, extra_body=GROQ,
                                     tools=[{"type": "web_search_20250305", "name": "web_search"}])
    assert "tools[0].type" in refused.value.message
    with pytest.raises(anthropic.BadRequestError) as unknown:
        await client.messages.create(model=MODEL, max_tokens=10, messages=HELLO,
                                     extra_body={**GROQ, "base_url": "http://elsewhere"})
    assert "base_url" in unknown.value.message
    server, _ = await claude()
    async with aiohttp.ClientSession() as session, session.post(
            f"{server.url}/v1/messages", json={"model": MODEL, "messages": HELLO}) as response:
        assert response.status == 400
        assert await response.json() == {"type": "error", "error": {
            "type": "invalid_request_error", "message": "max_tokens: Field required"}}


async def test_an_error_in_the_stream_is_an_error_event(claude):
    _, client = await claude()
    with registered(Breaking), pytest.raises(anthropic.APIStatusError) as caught:
        async with client.messages.stream(model="m", max_tokens=10, messages=HELLO,
                                          extra_body={"provider": "Breaking"}) as stream:
            async for _ in stream:
                pass
    assert "broke off" in caught.value.message
    assert caught.value.body["error"]["type"] == "api_error"


async def test_count_tokens(claude):
    _, client = await claude()
    counted = await client.messages.count_tokens(model="m", messages=[{"role": "user", "content": "x" * 400}])
    assert counted.input_tokens == 100


async def test_the_message_validates_strictly_as_the_sdks_model(claude):
    """thinking, text and tool_use blocks, stop_reason and usage as anthropic.types.Message reads them."""
    from g4f.providers.response import ToolCalls

    caller = scripted("Caller", [ProviderInfo("Caller", "think-1"), Reasoning("Let me see."), "Hi ",
                                 ToolCalls([{"id": "toolu_1", "type": "function",
                                             "function": {"name": "get_weather", "arguments": '{"city": "Rome"}'}}]),
                                 Usage(4, 2)])
    _, client = await claude()
    with registered(caller):
        raw = await client.messages.with_raw_response.create(model="m", max_tokens=50, messages=HELLO, tools=[WEATHER],
                                                             extra_body={"provider": "Caller"})
    message = anthropic.types.Message.model_validate_json(raw.http_response.text)
    assert [block.type for block in message.content] == ["thinking", "text", "tool_use"]
    assert message.stop_reason == "tool_use" and message.content[2].input == {"city": "Rome"}
    assert (message.usage.input_tokens, message.usage.output_tokens) == (4, 2)


@pytest.mark.parametrize("after_the_cut", ["slow", "long"])
async def test_the_read_after_a_stop_sequence_is_bounded(claude, monkeypatch, after_the_cut):
    """After the cut the rest is read for its usage only within DRAIN_SECONDS and DRAIN_ITEMS:
    an upstream that goes on (slowly, or for long) costs the client at most that."""
    import asyncio
    import time

    from g4f.api import anthropic_messages
    from g4f.providers.base_provider import AsyncGeneratorProvider

    monkeypatch.setattr(anthropic_messages, "DRAIN_SECONDS", 0.3)
    monkeypatch.setattr(anthropic_messages, "DRAIN_ITEMS", 50)

    class Rambling(AsyncGeneratorProvider):
        working = True

        @classmethod
        async def create_async_generator(cls, model, messages, stream=True, **kwargs):
            yield "one two three"
            if after_the_cut == "slow":
                await asyncio.sleep(30)
            else:
                for _ in range(100):
                    yield " more"
            yield Usage(3, 9)

    _, client = await claude()
    started = time.monotonic()
    with registered(Rambling):
        message = await client.messages.create(model="m", max_tokens=50, messages=HELLO, stop_sequences=["two"],
                                               extra_body={"provider": "Rambling"})
    assert time.monotonic() - started < 10
    assert message.content[0].text == "one " and message.stop_reason == "stop_sequence"
    assert message.usage.output_tokens == 0  # not reached within the bounds


async def test_a_full_server_is_overloaded_error_529(claude):
    """Beyond --max-in-flight: Anthropic's 529 overloaded_error, the status its clients back off on."""
    import asyncio

    from g4f.providers.base_provider import AsyncGeneratorProvider

    gate = asyncio.Event()

    class Gate(AsyncGeneratorProvider):
        working = True
        waiting = 0

        @classmethod
        async def create_async_generator(cls, model, messages, stream=True, **kwargs):
            cls.waiting += 1
            await gate.wait()
            yield "done"

    with registered(Gate):
        _, client = await claude(max_in_flight=1)
        busy = asyncio.create_task(client.messages.create(model="m", max_tokens=10, messages=HELLO,
                                                          extra_body={"provider": "Gate"}))
        for _ in range(500):
            if Gate.waiting:
                break
            await asyncio.sleep(0.01)
        assert Gate.waiting == 1
        try:
            with pytest.raises(anthropic.OverloadedError) as caught:  # the SDK's type for 529
                await client.messages.create(model="m", max_tokens=10, messages=HELLO, extra_body={"provider": "Gate"})
        finally:
            gate.set()
        assert (await busy).content[0].text == "done"
    assert caught.value.status_code == 529
    assert caught.value.body == {"type": "error", "error": {"type": "overloaded_error",
                                                           "message": caught.value.body["error"]["message"]}}
    assert "--max-in-flight" in caught.value.body["error"]["message"]
