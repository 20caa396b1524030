"""POST /v1/chat/completions through the official openai SDK: streamed and not, reasoning, tool
calls, images, conversations, a named provider or auto-selection."""

from __future__ import annotations

import pytest

from g4f.providers.response import (
    Conversation,
    ImageResponse,
    ProviderInfo,
    Reasoning,
    ToolCalls,
    Usage,
)

from ..client.scripted import last_user_text, registered, scripted

MESSAGES = [{"role": "user", "content": "Hello"}]

Thinker = scripted("Thinker", [
    ProviderInfo("Thinker", "think-1"), Reasoning("pondering"), "Hi ", "there", Usage(4, 2),
])
Tools = scripted("Tools", [ToolCalls([
    {"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": '{"city": "Oslo"}'}},
    {"id": "call_2", "type": "function", "function": {"name": "clock", "arguments": "{}"}},
])])
Painter = scripted("Painter", ["A cat:", ImageResponse("https://img.test/cat.png", alt="cat")])


@pytest.fixture(autouse=True)
def providers():
    with registered(Thinker, Tools, Painter):
        yield


async def test_non_streamed(api):
    _, client = await api()
    completion = await client.chat.completions.create(model="any", messages=MESSAGES,
                                                      extra_body={"provider": "Thinker"})
    message = completion.choices[0].message
    assert message.content == "Hi there" and message.role == "assistant"
    assert message.reasoning_content == "pondering" and message.model_extra["reasoning"] == "pondering"
    assert completion.choices[0].finish_reason == "stop"
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (4, 2)
    assert completion.model == "think-1" and completion.provider == "Thinker"
    assert completion.id.startswith("chatcmpl-") and completion.object == "chat.completion"


async def test_streamed(api):
    _, client = await api()
    stream = await client.chat.completions.create(model="any", messages=MESSAGES, stream=True,
                                                  extra_body={"provider": "Thinker"})
    chunks = [chunk async for chunk in stream]
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Hi there"
    for name in ("reasoning_content", "reasoning"):  # DeepSeek's and vLLM's name, Groq's and OpenRouter's
        reasoning = [c.choices[0].delta.model_extra.get(name) for c in chunks]
        assert "".join(r for r in reasoning if r) == "pondering"
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(c.usage is None for c in chunks)  # without stream_options.include_usage, as OpenAI
    assert {c.id for c in chunks} == {chunks[0].id} and all(c.model == "think-1" for c in chunks)


async def test_sse_framing_on_the_wire(api):
    """What any SSE client reads: one JSON object per ``data:`` event, then ``data: [DONE]``."""
    import json

    import aiohttp

    server, _ = await api()
    async with aiohttp.ClientSession() as session, session.post(f"{server.url}/v1/chat/completions", json={
            "model": "m", "messages": MESSAGES, "stream": True, "provider": "Thinker"}) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        body = (await response.read()).decode()
    events = [block for block in body.split("\n\n") if block]
    assert all(block.startswith("data: ") for block in events)
    assert events[-1] == "data: [DONE]"
    payloads = [json.loads(block[6:]) for block in events[:-1]]
    assert all(p["object"] == "chat.completion.chunk" and p["provider"] == "Thinker" for p in payloads)


async def test_tool_calls_non_streamed_and_streamed(api):
    _, client = await api()
    tools = [{"type": "function", "function": {"name": "weather", "parameters": {"type": "object"}}}]
    completion = await client.chat.completions.create(model="m", messages=MESSAGES, tools=tools,
                                                      extra_body={"provider": "Tools"})
    calls = completion.choices[0].message.tool_calls
    assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [
        ("call_1", "weather", '{"city": "Oslo"}'), ("call_2", "clock", "{}")]
    assert completion.choices[0].finish_reason == "tool_calls"
    assert Tools.calls[-1][2]["tools"] == tools

    stream = await client.chat.completions.create(model="m", messages=MESSAGES, tools=tools, stream=True,
                                                  extra_body={"provider": "Tools"})
    chunks = [c async for c in stream]
    streamed = [call for c in chunks for call in c.choices[0].delta.tool_calls or []]
    assert [(c.index, c.id, c.function.name) for c in streamed] == [(0, "call_1", "weather"), (1, "call_2", "clock")]
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


async def test_images_as_markdown_and_structured_data(api):
    _, client = await api()
    completion = await client.chat.completions.create(model="m", messages=MESSAGES,
                                                      extra_body={"provider": "Painter"})
    message = completion.choices[0].message
    assert message.content == "A cat:\n\n![cat](https://img.test/cat.png)"
    assert message.model_extra["images"] == [
        {"type": "image_url", "image_url": {"url": "https://img.test/cat.png"}, "alt": "cat"}]


async def test_stop_in_a_stream(api):
    _, client = await api()
    stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True, stop=["ere"],
                                                  extra_body={"provider": "Thinker"})
    assert "".join([c.choices[0].delta.content or "" async for c in stream]) == "Hi th"


def remembering(model, messages, kwargs):
    conversation = kwargs.get("conversation")
    turn = (conversation.turn if conversation is not None else 0) + 1
    return [f"turn {turn}: {last_user_text(messages)}", Conversation(f"conv-{turn}", turn=turn)]


async def test_conversation_sent_back_continues_with_the_same_provider(api):
    Memory = scripted("Memory", remembering, supports_conversations=True)
    _, client = await api()
    with registered(Memory):
        first = await client.chat.completions.create(model="m", messages=MESSAGES,
                                                     extra_body={"provider": "Memory"})
        assert first.conversation == {"conversation_id": "conv-1", "turn": 1, "provider": "Memory"}
        # No provider named: the conversation says who continues it.
        second = await client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "more"}],
            extra_body={"conversation": first.conversation})
        assert second.choices[0].message.content == "turn 2: more"
        received = Memory.calls[-1][2]["conversation"]
        assert isinstance(received, Conversation) and received.conversation_id == "conv-1"

        stream = await client.chat.completions.create(
            model="m", messages=MESSAGES, stream=True, extra_body={"conversation": second.conversation})
        chunks = [c async for c in stream]
    assert chunks[-1].conversation == {"conversation_id": "conv-3", "turn": 3, "provider": "Memory"}


async def test_auto_selection_when_no_provider_is_named(api):
    Only = scripted("OnlyOne", ["picked automatically"],
                    serves=classmethod(lambda cls, model: model == "only-one-model"))
    _, client = await api()
    with registered(Only):
        completion = await client.chat.completions.create(model="only-one-model", messages=MESSAGES)
    assert completion.choices[0].message.content == "picked automatically"
    assert completion.provider == "OnlyOne"


async def test_parameters_pass_through_to_the_provider(api):
    _, client = await api()
    await client.chat.completions.create(
        model="m", messages=MESSAGES, temperature=0.3, max_tokens=20, seed=7, top_p=0.5,
        response_format={"type": "json_object"}, extra_body={"provider": "Thinker"})
    kwargs = Thinker.calls[-1][2]
    assert (kwargs["temperature"], kwargs["max_tokens"], kwargs["seed"], kwargs["top_p"]) == (0.3, 20, 7, 0.5)
    assert kwargs["response_format"] == {"type": "json_object"}
    assert "base_url" not in kwargs and "provider" not in kwargs


async def test_unprefixed_routes_for_clients_that_drop_v1(api):
    import aiohttp

    server, _ = await api()
    async with aiohttp.ClientSession() as session, session.post(f"{server.url}/chat/completions",
                            json={"model": "m", "messages": MESSAGES, "provider": "Thinker"}) as response:
        assert (await response.json())["choices"][0]["message"]["content"] == "Hi there"
