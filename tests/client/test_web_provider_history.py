"""Web providers behind the Python client (issue 16): ``AsyncClient`` with the real Grok provider
against the grok.com replica, as a program that keeps its chat as a list of messages does."""

from __future__ import annotations

import json

import pytest

from g4f.client import AsyncClient
from g4f.errors import BadRequestError, ResponseError
from g4f.Provider import Grok
from g4f.providers import tools
from g4f.testing import Reply

from ..replicas.grok import serve_grok

WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
TIME = {"type": "function", "function": {"name": "get_time", "parameters": {
    "type": "object", "properties": {"zone": {"type": "string"}}, "required": ["zone"]}}}


@pytest.fixture
async def grok(serve, monkeypatch):
    return await serve_grok(serve, monkeypatch)


def endpoints(replica):
    return [request.path.rsplit("/", 1)[-1] for request in replica.requests]


async def test_a_chat_that_resends_its_history_continues_one_conversation(grok):
    client = AsyncClient(provider=Grok)
    chat = []
    for turn in range(1, 6):
        chat.append({"role": "user", "content": f"message {turn}"})
        if turn % 2:
            text = (await client.chat.completions.create(model="grok-3", messages=chat, cookies={"sso": grok.sso})
                    ).choices[0].message.content
        else:
            stream = client.chat.completions.create(model="grok-3", messages=chat, stream=True,
                                                    cookies={"sso": grok.sso})
            text = "".join([chunk.choices[0].delta.content or "" async for chunk in stream])
        assert text.startswith(f"You said: message {turn}.")
        if turn > 1:
            assert f"Turn {turn};" in text
        chat.append({"role": "assistant", "content": text})
    assert endpoints(grok) == ["new", "responses", "responses", "responses", "responses"]
    assert [request.payload["message"] for request in grok.requests[1:]] == [f"message {n}" for n in range(2, 6)]
    # an explicit conversation= wins over the recovered one
    other = (await client.chat.completions.create(model="grok-3", messages=[{"role": "user", "content": "Other"}],
                                                  cookies={"sso": grok.sso}))
    chat.append({"role": "user", "content": "where?"})
    await client.chat.completions.create(model="grok-3", messages=chat, cookies={"sso": grok.sso},
                                         conversation=other.conversation)
    assert grok.requests[-1].path.endswith(f"/{other.conversation.conversation_id}/responses")


async def test_an_agent_loop_through_the_python_client(grok):
    client = AsyncClient(provider=Grok)
    grok.replies = [Reply(tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}},
                                      {"name": "get_time", "arguments": {"zone": "CET"}}])]
    chat = [{"role": "user", "content": "Weather and time in Paris?"}]
    stream = client.chat.completions.create(model="grok-3", messages=chat, tools=[WEATHER, TIME], stream=True,
                                            cookies={"sso": grok.sso})
    chunks = [chunk async for chunk in stream]
    calls = [call for chunk in chunks for call in chunk.choices[0].delta.tool_calls or []]
    assert [(call.function.name, json.loads(call.function.arguments)) for call in calls] == [
        ("get_weather", {"city": "Paris"}), ("get_time", {"zone": "CET"})]
    assert [call.index for call in calls] == [0, 1]
    assert chunks[-1].choices[0].finish_reason == "tool_calls"
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks) == ""
    chat.append({"role": "assistant", "content": None, "tool_calls": [
        {"id": call.id, "type": "function", "function": {"name": call.function.name,
                                                          "arguments": call.function.arguments}} for call in calls]})
    chat += [{"role": "tool", "tool_call_id": calls[0].id, "content": "18 C"},
             {"role": "tool", "tool_call_id": calls[1].id, "content": "14:05"}]
    final = await client.chat.completions.create(model="grok-3", messages=chat, tools=[WEATHER, TIME],
                                                 cookies={"sso": grok.sso})
    assert final.choices[0].message.content == ("The get_weather tool returned: 18 C. "
                                                "The get_time tool returned: 14:05.")
    assert final.choices[0].finish_reason == "stop"
    assert endpoints(grok) == ["new", "responses"]


async def test_the_loop_guard_and_refusals_are_typed_errors(grok, monkeypatch):
    client = AsyncClient(provider=Grok)
    monkeypatch.setattr(tools.request, "_max_repeats", 1)
    same = {"id": "call_1", "type": "function", "function": {"name": "get_time", "arguments": '{"zone": "UTC"}'}}
    chat = [{"role": "user", "content": "Time?"}, {"role": "assistant", "content": None, "tool_calls": [same]},
            {"role": "tool", "tool_call_id": "call_1", "content": "12:00"}]
    grok.replies = [Reply(tool_calls=[{"name": "get_time", "arguments": {"zone": "UTC"}}])]
    with pytest.raises(ResponseError, match=r"called get_time with the same arguments 1 times already") as caught:
        await client.chat.completions.create(model="grok-3", messages=chat, tools=[TIME], cookies={"sso": grok.sso})
    assert caught.value.provider == "Grok"
    sent = len(grok.requests)
    with pytest.raises(BadRequestError, match=r"cannot enforce response_format 'json_object'") as refused:
        await client.chat.completions.create(model="grok-3", messages=chat[:1], cookies={"sso": grok.sso},
                                             response_format={"type": "json_object"})
    assert (refused.value.provider, refused.value.param) == ("Grok", "response_format")
    assert len(grok.requests) == sent
